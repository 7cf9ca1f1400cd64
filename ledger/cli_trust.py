"""`ledger` commands for the trustee's remuneration, budgets and public revenues."""
from __future__ import annotations

import click


remuneration = click.Group("remuneration", help="(being built)")

budget = click.Group("budget", help="(being built)")

revenues = click.Group("revenues", help="(being built)")
