"""A funder's donations across a book's projects, and a matching pool's public account (issue 10).

`/<BOOK>/funder/<CODE>`: the donor's own page, by the funder code printed on their receipts; guarded like "track my
donation" (no-store, no referrer, not indexed, rate-limited per address, one 404 for every code that opens nothing).
It shows amounts, matches and projects, never a name, phone or payment reference (the document holds none).

`/<BOOK>/pools/<POOL>/`: the pool's funder, rules, money held, committed, paid, voided and clawed back, and each
project's match, with links to the project pages. It names no donor.

Both read only documents the back office signed and recorded as newest (services/published_projects)."""
from __future__ import annotations

from flask import abort, current_app, make_response, render_template

from ledger.domain.errors import NotFound
from ledger.services import published_projects as published

from .projects import TRACK_RATE_LIMIT, _book, _book_published, _fen, _guarded, figures, limiter
from .views import _root, bp, english


def _live(book, codes) -> dict[str, dict]:
    """Each project's figures as its own page shows them (its verified progress document), so the raised, matched
    and estimated figures on the funder's and the pool's pages are the project page's to the fen."""
    out = {}
    for code in sorted(set(codes)):
        try:
            out[code] = figures(published.progress(_root(), book, code))
        except (NotFound, published.Unverified):
            continue  # the row keeps its own document's figures
    return out


def _not_found_page():
    """The one answer for a malformed code, an unknown code and an unknown book."""
    return _guarded(make_response(render_template("public/funder_not_found.html"), 404), private=True)


@bp.get("/<code>/funder/<path:funder>")  # any path: a code with a slash in it gets the same 404
@limiter.limit(lambda: current_app.config.get("TRACK_RATE_LIMIT", TRACK_RATE_LIMIT))
def funder(code: str, funder: str):
    book = _book(code)
    if book is None:
        return _not_found_page()
    try:
        doc = published.funder(_root(), book, funder)
    except NotFound:
        return _not_found_page()
    except published.Unverified:
        return _guarded(make_response(render_template("public/unverified.html", book=book), 503), private=True)
    linked = set(published.project_codes(_root(), book))
    return _guarded(make_response(render_template(
        "public/funder.html", book=book, doc=doc, linked=linked, live=_live(book, [d["project"] for d in doc["donations"]]),
        t={k: _fen(v) for k, v in doc["totals"].items() if k != "projects"},
        estimates=sum(1 for d in doc["donations"] if d["match_status"] == "estimate"))), private=True)


@bp.get("/<code>/pools/<pool>/")  # /<BOOK>/pools/<POOL> leads here (308); a folder in a static copy
def pool(code: str, pool: str):
    book = _book(code)
    if book is None:
        abort(404)
    try:
        doc = published.pool(_root(), book, pool)
    except published.Unverified:
        abort(503)
    except NotFound:
        abort(404)
    rules = [(r, [line for line in (r["explainer_en"] if english() else r["explainer_zh"]).split("\n") if line])
             for r in doc["rules"]]
    return _guarded(make_response(render_template(
        "public/pool.html", book=book, doc=doc, rules=rules, f={k: _fen(v) for k, v in doc["figures"].items()},
        live=_live(book, [p["project"] for p in doc["projects"]]),
        linked=set(published.project_codes(_root(), book)), book_published=_book_published(book))))
