"""The Qt client: models, delegates, widgets, and the bridge that runs the engine off the GUI thread."""
