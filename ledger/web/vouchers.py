"""Vouchers (原始凭证): upload, view, redact. Being built: see issue 3."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("vouchers", __name__)
