"""Thin Flask adapters over the services."""
