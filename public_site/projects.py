"""Micro-projects on the public site (issue 10): a book's projects with their progress, a project's page (story,
figures, donor wall, the matching rule in plain words, budget, expenses with their vouchers), and "track my
donation" by receipt code, where the receipt PDF's QR code leads (services/projects.track_url).

Everything comes from the documents the back office published for the project (services/published_projects
verifies each one's signature before it is read); nothing here reads the donations. A project's page changes with
each donation, so it is not kept in the worker's memory like a month's (cache.py): it is rendered each time and
carries a strong ETag (views._cache), so an unchanged page is a 304. A receipt's page is the donor's own: never
stored by a cache or a browser's history (no-store), never sent on as a Referer, never indexed, and looked up at
most TRACK_RATE_LIMIT times a minute per address; a malformed code, an unknown one and an unknown book all get the
same 404."""
from __future__ import annotations

import io

from flask import abort, current_app, make_response, redirect, render_template, request, send_file, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ledger.db.session import get_session
from ledger.domain import matching
from ledger.domain.errors import LedgerError, NotFound
from ledger.domain.money import to_fen
from ledger.services import access
from ledger.services import published_projects as published
from ledger.services.publications import publications_of

from .views import YEAR, _root, bp, english

limiter = Limiter(key_func=get_remote_address, default_limits=[])
TRACK_RATE_LIMIT = "20 per minute"
# The site's own static CSS and JS only; voucher pages are images of this site.
CSP = ("default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _guarded(response, private: bool = False):
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = CSP
    if private:  # the donor's own page: its address is the receipt code
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _book(code: str):
    try:
        return access.get_book(get_session(), code)
    except LedgerError:
        return None


def _fen(value) -> int | None:
    return to_fen(value) if value not in (None, "") else None


def figures(doc: dict) -> dict:
    """A progress document's figures in fen, for the page: raised, matched, goal, stretch, share of the goal."""
    raised, goal = _fen(doc["raised"]), _fen(doc["goal"])
    quadratic = doc["rule"]["kind"] == "quadratic"
    estimate = _fen(doc.get("matched_estimate"))
    matched = _fen(doc["matched"])
    return {"status": doc["status"], "pool": (doc.get("pool") or {}).get("code"), "raised": raised, "goal": goal, "stretch": _fen(doc.get("stretch")), "matched": matched,
            "matched_posted": _fen(doc.get("matched_posted")), "estimate": estimate,
            # an open quadratic project has no match yet: its figure is the round's estimate
            "match_is_estimate": quadratic and doc["status"] == "open" and not matched,
            "shown_match": estimate if quadratic and doc["status"] == "open" and not matched and estimate is not None
            else matched,
            "percent": raised * 100 // goal if goal else 0, "bar": min(raised, goal), "quadratic": quadratic,
            "budget_total": sum(_fen(b["amount"]) for b in doc.get("budget", ())),
            # per line spent: documents published before spending was tied to budget lines have none
            "budget_spent": sum(_fen(b["spent"]) for b in doc["budget"])
            if doc.get("budget") and all("spent" in b for b in doc["budget"]) else None,
            "spent": sum(_fen(e["amount"]) for e in doc.get("expenses", ()))}


def explainer(doc: dict) -> list[str]:
    rule = doc["rule"]
    return [line for line in (rule["explainer_en"] if english() else rule["explainer_zh"]).split("\n") if line]


def _book_published(book) -> bool:
    """Whether the book's own page exists (it lists published months): the crumbs link to it only then."""
    return bool(publications_of(get_session(), book))


@bp.get("/<code>/projects/")
def projects(code: str):
    book = _book(code)
    if book is None or not published.project_codes(_root(), book):
        abort(404)
    listed, refused = published.projects(_root(), book)
    return _guarded(make_response(render_template(
        "public/projects.html", book=book, listed=[(d, figures(d)) for d in listed], refused=refused,
        book_published=_book_published(book))))


def _progress_or_abort(book, project: str):
    try:
        return published.progress_bytes(_root(), book, project)
    except published.Unverified:
        abort(503)
    except NotFound:
        abort(404)


@bp.get("/<code>/projects/<project>/")
def project(code: str, project: str):
    book = _book(code)
    if book is None:
        abort(404)
    _body, _sig, doc = _progress_or_abort(book, project)
    return _guarded(make_response(render_template(
        "public/project.html", book=book, doc=doc, fig=figures(doc), explainer=explainer(doc),
        book_published=_book_published(book))))


@bp.get("/<code>/projects/<project>/progress.<any(json, sig):kind>")
def project_document(code: str, project: str, kind: str):
    """The signed document itself, for anyone who checks it with the book's public key (verified here first)."""
    book = _book(code)
    if book is None:
        abort(404)
    body, sig, _doc = _progress_or_abort(book, project)
    data = body if kind == "json" else sig
    response = send_file(io.BytesIO(data), mimetype="application/json" if kind == "json" else "text/plain",
                         etag=published.sha256_hex(data), conditional=True, max_age=0, download_name=f"progress.{kind}")
    response.headers["Cache-Control"] = "public, no-cache"  # a project's progress changes with each donation
    return _guarded(response)


@bp.get("/<code>/projects/<project>/vouchers/<sha>.jpg")
def project_voucher(code: str, project: str, sha: str):
    """A voucher page of the project's expenses, redacted for publication; named by its SHA-256, so it never changes."""
    book = _book(code)
    if book is None:
        abort(404)
    try:
        data = published.voucher_page(_root(), book, project, sha)
    except published.Unverified:
        abort(503)
    except NotFound:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype="image/jpeg", etag=sha, conditional=True, max_age=YEAR,
                         download_name=f"{sha}.jpg")
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return _guarded(response)


# -- Track my donation -------------------------------------------------------------------------------------------

def _not_found_page():
    """The one answer for a malformed code, an unknown code and an unknown book: it tells nothing about others."""
    return _guarded(make_response(render_template("public/track_not_found.html"), 404), private=True)


@bp.get("/<code>/track/")
def track_lookup(code: str):
    """The form on the projects page (a code typed from the paper receipt) leads to the receipt's page."""
    typed = "".join((request.args.get("receipt") or "").split()).upper()
    if not typed:
        return redirect(url_for(".projects", code=code))
    if published.FUNDER_CODE.fullmatch(typed):  # the other code on the receipt: all the donor's gifts
        return _guarded(redirect(url_for(".funder", code=code, funder=typed), 303), private=True)
    if not published.RECEIPT_CODE.fullmatch(typed):
        return _not_found_page()
    return _guarded(redirect(url_for(".track", code=code, receipt=typed), 303), private=True)


@bp.get("/<code>/track/<path:receipt>")  # any path: a code with a slash in it gets the same 404
@limiter.limit(lambda: current_app.config.get("TRACK_RATE_LIMIT", TRACK_RATE_LIMIT))
def track(code: str, receipt: str):
    book = _book(code)
    if book is None:
        return _not_found_page()
    try:
        doc = published.receipt(_root(), book, receipt)
        progress = published.progress(_root(), book, doc["project"])
    except NotFound:
        return _not_found_page()
    except published.Unverified:
        return _guarded(make_response(render_template("public/unverified.html", book=book), 503), private=True)
    amount, refunded = _fen(doc["amount"]), _fen(doc.get("refunded")) or 0
    match = _fen(doc.get("match"))
    reason = matching.REASONS.get(doc.get("match_reason") or "")
    return _guarded(make_response(render_template(
        "public/track.html", book=book, r=doc, doc=progress, fig=figures(progress), explainer=explainer(progress),
        amount=amount, refunded=refunded, kept=amount - refunded, match=match,
        clawed_back=_fen(doc.get("match_clawed_back")) or 0,
        reason=(reason[1] if english() else reason[0]) if reason else None)), private=True)


def _too_many(_error):
    return _guarded(make_response(render_template("public/too_many.html"), 429), private=True)


def _unverified(_error):
    return _guarded(make_response(render_template("public/unverified.html"), 503), private=True)


def init_app(app) -> None:
    yuan = app.jinja_env.filters["yuan"]
    app.jinja_env.filters["yuan_str"] = lambda text: yuan(_fen(text))  # a published decimal string, as fen
    limiter.init_app(app)
    app.register_error_handler(429, _too_many)
    app.register_error_handler(503, _unverified)
