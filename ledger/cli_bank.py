"""`ledger` commands for the co-managed bank account."""
from __future__ import annotations

import click


bank = click.Group("bank", help="(being built)")
