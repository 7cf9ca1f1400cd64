"""`ledger` commands for units register and owners' resolutions."""
from __future__ import annotations

import click


units = click.Group("units", help="(being built)")

resolutions = click.Group("resolutions", help="(being built)")
