"""The back office's reading pages: books, trial balance, journal."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import login_required

from ..app import db
from ..domain.errors import LedgerError
from ..domain.model import READER_ROLES
from ..services import access, books as book_service, periods, reports
from .auth import actor

bp = Blueprint("office", __name__)
PAGE = 50


@bp.route("/")
def index():
    return redirect(url_for("office.books"))


@bp.route("/books")
@login_required
def books():
    return render_template("office/books.html", books=book_service.books_for(db(), actor()))


def _book(code: str):
    session = db()
    try:
        book = access.get_book(session, code)
        access.require_role(session, actor(), book, READER_ROLES, "查看账簿", "read this book")
    except LedgerError as e:
        abort(e.status)
    return session, book


@bp.route("/books/<code>")
@login_required
def book(code: str):
    session, book = _book(code)
    as_of = None
    if request.args.get("as_of"):
        try:
            as_of = dt.date.fromisoformat(request.args["as_of"])
        except ValueError:
            as_of = None
    return render_template(
        "office/book.html", book=book, tb=reports.trial_balance(session, book, as_of),
        funds=reports.fund_balances(session, book, as_of), periods=periods.periods_of(session, book),
    )


@bp.route("/books/<code>/journal")
@login_required
def journal(code: str):
    session, book = _book(code)
    page = max(request.args.get("page", 1, type=int), 1)
    entries = reports.journal(session, book, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render_template(
        "office/journal.html", book=book, entries=entries[:PAGE], page=page, has_next=len(entries) > PAGE,
        periods=periods.periods_of(session, book),
    )
