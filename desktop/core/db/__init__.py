"""The client's local database: connections, migrations, records, and one module per table group."""
