"""`ledger` commands for fees, billing, payments and arrears."""
from __future__ import annotations

import click


billing = click.Group("billing", help="(being built)")
