"""The back office: one blueprint, its routes grouped by what people do."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("office", __name__)

from . import closing, entries, reading, statements  # noqa: E402,F401  (modules that add routes to bp)
from . import bank, fees, my_unit, operations, register, trust  # noqa: E402,F401  (trust-property operations)
from . import projects  # noqa: E402,F401  (micro-projects and matching, issue 10)
from . import grants  # noqa: E402,F401  (a fund book's grants, issue 10)
