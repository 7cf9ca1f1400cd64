"""Persistence: SQLAlchemy mappings, the engine and the database's own guards."""
