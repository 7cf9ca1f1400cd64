"""The co-managed bank account (共管账户): statement import, matching, reconciliation."""
from __future__ import annotations

from . import bp  # noqa: F401
