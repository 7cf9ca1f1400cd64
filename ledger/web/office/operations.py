"""The trust's operations in one place: a page of links (units, fees, bank, budget, ...) so that the book's menu
stays one line on a phone. Each part of it shows only what the reader may open."""
from __future__ import annotations

from flask import abort, render_template
from flask_login import login_required

from ...domain.model import BookKind
from . import bp
from .common import seat


@bp.route("/books/<code>/operations")
@login_required
def operations(code: str):
    here = seat(code)
    if here.book.kind != BookKind.TRUST.value:
        abort(404)
    return render_template("office/operations.html", book=here.book, seat=here)
