"""The trustee's remuneration (酬金), the annual budget, public revenues (公共收益)."""
from __future__ import annotations

from . import bp  # noqa: F401
