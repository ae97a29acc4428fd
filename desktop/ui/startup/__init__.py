"""Starting the app: a profile's server and engine, the --demo conversation, --screenshot."""
