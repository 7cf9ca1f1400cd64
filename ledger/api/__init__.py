"""The JSON API at /api/v1 (flask-smorest). Being built: see issue 3."""
from __future__ import annotations

from flask import Flask


def init_api(app: Flask) -> None:
    """Register the API blueprints on the app."""
