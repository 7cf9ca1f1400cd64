"""The public pages: the books that publish, a book's publications, a published month with its statements,
entries and voucher pages, and its files (manifest, signature, JSON, images) for download."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, render_template, request, send_file
from flask_babel import format_decimal, get_locale

from ledger.db.session import get_session
from ledger.domain.errors import LedgerError
from ledger.domain.model import parse_period
from ledger.services import access, publications

from .cache import cached_page, immutable_file

bp = Blueprint("public", __name__)
YEAR = 365 * 24 * 3600


def _root() -> Path:
    return Path(current_app.config["PUBLICATIONS_DIR"])


def register_filters(app: Flask) -> None:
    app.jinja_env.filters["yuan"] = lambda fen: format_decimal(Decimal(fen) / 100, format="#,##0.00") if fen is not None else ""
    app.jinja_env.globals["english"] = lambda: str(get_locale() or "zh_CN").startswith("en")


def _publication(code: str, period: str, version: int | None = None):
    session = get_session()
    try:
        book = access.get_book(session, code)
        year, month = parse_period(period)
        return session, book, publications.get_publication(session, book, year, month, version)
    except LedgerError:
        abort(404)  # anything unpublished is simply not here


@bp.get("/")
@cached_page
def home():
    session = get_session()
    shown = []
    for book, latest in publications.published_books(session):
        figures = publications.published_json(session, latest, "statements.json", _root())
        shown.append((book, latest, figures))
    return render_template("public/home.html", shown=shown)


@bp.get("/<code>/")
@cached_page
def book(code: str):
    session = get_session()
    try:
        found = access.get_book(session, code)
    except LedgerError:
        abort(404)
    listed = publications.publications_of(session, found)
    if not listed:
        abort(404)
    return render_template("public/book.html", book=found, listed=listed,
                           superseded=publications.superseded_ids(session, found))


@bp.get("/<code>/<period>/")
@bp.get("/<code>/<period>/v<int:version>/")
@cached_page
def month(code: str, period: str, version: int | None = None):
    session, found, pub = _publication(code, period, version)
    newest = publications.get_publication(session, found, pub.year, pub.month)
    root = _root()
    return render_template(
        "public/month.html", book=found, pub=pub, newest=newest,
        figures=publications.published_json(session, pub, "statements.json", root),
        entries=publications.published_json(session, pub, "entries.json", root),
        opinions=publications.opinions_of(session, pub),
    )


@bp.get("/<code>/<period>/v<int:version>/files/<path:path>")
@immutable_file
def published_file(code: str, period: str, version: int, path: str):
    session, _found, pub = _publication(code, period, version)
    if path in ("manifest.json", "manifest.sig"):
        where, etag = _root() / pub.folder / path, f"{pub.manifest_sha256}-{path}"
    else:
        try:
            row, where = publications.published_file(session, pub, path, _root())
        except LedgerError:
            abort(404)
        etag = row.sha256
    response = send_file(where, etag=etag, conditional=True, max_age=YEAR,
                         download_name=Path(path).name, as_attachment=request.args.get("download") == "1")
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"  # a published file never changes
    return response
