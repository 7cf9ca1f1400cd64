"""The units and owners register (房屋与业主) and owners' resolutions (业主大会决定)."""
from __future__ import annotations

from . import bp  # noqa: F401
