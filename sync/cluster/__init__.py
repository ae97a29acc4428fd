"""Running the scale-out layout's engines locally: SeaweedFS today (PostgreSQL and nginx next)."""
