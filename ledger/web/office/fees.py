"""Fees: rates, the monthly billing run, payments, arrears and reminders, the unit access codes."""
from __future__ import annotations

from . import bp  # noqa: F401
