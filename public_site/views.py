"""The public pages: the books that publish, a book's publications, a published month with its statements (each
figure a link to the entries behind it), its entries, a viewer for each voucher page, its files and its verifiable
export as a zip.

Every page lives twice: in Chinese at /… and in English at /en/… (the blueprint registered a second time as
``public_en``), so a link keeps its language and a static copy of the site needs no query strings. Pages link
to each other with relative endpoints ('.month'), which stay in the reader's language; files, the zip and
verify.py are shared and always linked without the prefix. The large-text, high-contrast mode is a cookie,
set by ``?large=1`` (or ``?large=0``) on any page: the server marks the page for it, and static/public.js does
the same for a static copy."""
from __future__ import annotations

import datetime as dt
import io
import os
import re
from decimal import Decimal
from pathlib import Path

from babel.dates import format_skeleton
from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal, get_locale, to_user_timezone
from flask_babel import gettext as _

from ledger.db.session import get_session
from ledger.domain.chain import sha256_hex
from ledger.domain.errors import LedgerError
from ledger.domain.model import parse_period
from ledger.services import access, publications, published, published_projects

from .cache import cached_page, immutable_file

bp = Blueprint("public", __name__)
YEAR = 365 * 24 * 3600
ENGLISH = "public_en"


def _root() -> Path:
    return Path(current_app.config["PUBLICATIONS_DIR"])


def english() -> bool:
    return str(get_locale() or "zh_CN").startswith("en")


def large() -> bool:
    """The large-text, high-contrast mode: asked for on this request, or kept in the reader's cookie."""
    asked = request.args.get("large")
    if asked in ("0", "1"):
        return asked == "1"
    return request.cookies.get("large") == "1"


def _in_language(english_wanted: bool) -> str:
    """This page's address in a language, built from the route and its arguments (quoted), never by cutting the
    request's path: /en/%09/evil.example/ cut to /\t/evil.example/ was a redirect to another site."""
    view = request.endpoint.rsplit(".", 1)[-1]
    return url_for(f"{ENGLISH if english_wanted else 'public'}.{view}", **(request.view_args or {}))


def _other_language() -> str:
    """This page in the other language: /en/… and /… are the same page."""
    return _in_language(request.blueprint != ENGLISH)


def _page_url() -> str | None:
    """The page's absolute address for og:url, from the configured address only (PUBLIC_BASE_URL, or
    LEDGER_PUBLIC_URL as the notices' QR codes use it): never from the request's Host header, which a caller
    controls and a cache would keep."""
    base = current_app.config.get("PUBLIC_BASE_URL") or os.environ.get("LEDGER_PUBLIC_URL")
    return base.rstrip("/") + request.path if base else None


def register_filters(app: Flask) -> None:
    app.jinja_env.filters["yuan"] = lambda fen: format_decimal(Decimal(fen) / 100, format="#,##0.00") if fen is not None else ""
    app.jinja_env.filters["yuan_str"] = lambda text: format_decimal(Decimal(text), format="#,##0.00") if text else ""
    app.jinja_env.filters["size"] = lambda n: f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, round(n / 1024))} KB"
    app.jinja_env.filters["month_label"] = _month_label
    app.jinja_env.filters["day_label"] = lambda when: format_skeleton("yMMMd", to_user_timezone(when), locale=get_locale())
    app.jinja_env.filters["voucher_sha"] = lambda page: page.removeprefix("vouchers/").removesuffix(".jpg")
    app.jinja_env.globals.update(english=english, large=large, other_language=_other_language, page_url=_page_url,
                                 name=_name)


def _month_label(pub_or_period) -> str:
    """A month as readers write it: 2026年10月, or October 2026 in English (URLs keep 2026-10)."""
    year, month = parse_period(getattr(pub_or_period, "period", pub_or_period))
    return format_skeleton("yMMMM", dt.date(year, month, 1), locale=get_locale())


def _name(row) -> str:
    """A book's, a statement line's or a fund's name in the page's language (the Chinese if it has no English)."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k, None)
    return (get("name_en") or get("name_zh")) if english() else get("name_zh")


@bp.before_request
def _language_by_query():
    """The old ?lang= links still work: they lead to the page in that language, whose links keep it."""
    lang = request.args.get("lang")
    if lang == "en" and request.blueprint != ENGLISH:
        return redirect(_in_language(True))
    if lang in ("zh", "zh_CN") and request.blueprint == ENGLISH:
        return redirect(_in_language(False))
    return None


@bp.after_request
def _cache(response):
    """HTML gets a strong ETag of its bytes and is revalidated (a correction adds a notice to the old month);
    asking for the large mode sets the cookie that keeps it."""
    asked = request.args.get("large")
    stored = "no-store" not in response.headers.get("Cache-Control", "")  # a donor's receipt page is never kept
    if asked in ("0", "1"):
        response.set_cookie("large", asked, max_age=YEAR, samesite="Lax")
        if stored:
            response.headers["Cache-Control"] = "private, no-cache"
    if response.mimetype == "text/html" and response.status_code == 200 and stored:
        response.add_etag()
        response.headers.setdefault("Cache-Control", "public, no-cache")
        response.vary.add("Cookie")
        response.make_conditional(request)
    return response


def _publication(code: str, period: str, version: int | None = None):
    session = get_session()
    try:
        book = access.get_book(session, code)
        year, month = parse_period(period)
        return session, book, publications.get_publication(session, book, year, month, version)
    except LedgerError:
        abort(404)  # anything unpublished is simply not here


def _json(session, pub, path: str):
    try:
        return publications.published_json(session, pub, path, _root())
    except LedgerError:
        abort(404)


def _trust(session, pub) -> dict:
    """The month's trust figures (arrears per building, budget, bank reconciliation, public revenues), or {} for a
    publication that has none (another kind of book, or a month published before they were)."""
    try:
        return publications.published_json(session, pub, "trust.json", _root())
    except LedgerError:
        return {}


def _headline(figures: dict) -> dict:
    act = figures["activities"]["totals_fen"]
    return {"income": act["income"]["total"], "expense": act["expense"]["total"],
            "change": act["change"]["total"], "cash": figures["cash_flow"]["closing_fen"]}


@bp.get("/")
@cached_page
def home():
    session = get_session()
    shown = []
    for book, latest in publications.published_books(session):
        shown.append((book, latest, _headline(_json(session, latest, "statements.json"))))
    return render_template("public/home.html", shown=shown, objected=publications.objected_ids(session),
                           project_books=published_projects.books_with_projects(session, _root()))


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
    return render_template("public/book.html", book=found, listed=listed, latest=listed[0],
                           headline=_headline(_json(session, listed[0], "statements.json")),
                           superseded=publications.superseded_ids(session, found),
                           objected=publications.objected_ids(session, found),
                           projects=len(published_projects.project_codes(_root(), found)),
                           grants_pub=_grants_publication(session, found))


# -- Grants (issue 10) ------------------------------------------------------------------------------------------

GRANTS_FILE = "grants.json"


def _grants_publication(session, found):
    """The book's newest publication that holds its awarded grants (a fund book's, since issue 10), or None."""
    for pub in publications.publications_of(session, found):
        try:
            publications.published_file(session, pub, GRANTS_FILE, _root())
        except LedgerError:
            continue
        return pub
    return None


@bp.get("/<code>/grants/")
@cached_page
def grants(code: str):
    """Every awarded grant of the book's programmes, as its newest publication froze them: the grantee, the award,
    each tranche with its release and accepted report. Who reviewed, and the applicants' contacts, are never here."""
    session = get_session()
    try:
        found = access.get_book(session, code)
    except LedgerError:
        abort(404)
    pub = _grants_publication(session, found)
    if pub is None:
        abort(404)
    # An entry links to its month only when that month is published (a static copy must hold no broken link).
    published_months = {p.period for p in publications.publications_of(session, found)}
    return render_template("public/grants.html", book=found, pub=pub, doc=_json(session, pub, GRANTS_FILE),
                           published_months=published_months,
                           file_url=url_for("public.published_file", code=found.code, period=pub.period,
                                            version=pub.version, path=GRANTS_FILE))


# -- A month ---------------------------------------------------------------------------------------------------

_KNOWN = {  # the files a publication may list, by path (or by table, for its CSV and XLSX), with their names
    "statements.pdf": lambda: _("Statements (PDF, A4)"),
    "poster.pdf": lambda: _("Notice-board poster (PDF, A4)"),
    "tables/activities": lambda: _("Statement of activities"),
    "tables/position": lambda: _("Statement of financial position"),
    "tables/cash_flow": lambda: _("Cash flow statement"),
    "tables/funds": lambda: _("Income and expenditure by fund"),
    "tables/journal": lambda: _("Journal of entries"),
    "charts/composition.svg": lambda: _("Chart: where the money came from and went"),
    "charts/trend.svg": lambda: _("Chart: income and expenditure over 12 months"),
    "charts/funds.svg": lambda: _("Chart: fund balances"),
    "statements.json": lambda: _("Statements as data (JSON)"),
    "entries.json": lambda: _("Entries as data (JSON)"),
    "trust.json": lambda: _("Fees, budget, bank and public revenues as data (JSON)"),
    "grants.json": lambda: _("Awarded grants as data (JSON)"),
}


def _label(key: str) -> str:
    known = _KNOWN.get(key)
    return known() if known else key


def _downloads(files, file_url) -> dict:
    """The publication's listed files by kind, each with a human name: PDFs, tables (CSV and XLSX side by side),
    charts, data; the voucher pages are only counted (each is on its entry's page). Whatever else a publication
    lists is shown by its path, so a new kind of file is never hidden."""
    pdfs, tables, charts, data, other, vouchers = [], {}, [], [], [], 0
    for f in files:
        item = {"path": f.path, "url": file_url(f.path), "size": f.size, "format": f.path.rsplit(".", 1)[-1].upper()}
        if f.path.startswith("vouchers/"):
            vouchers += 1
        elif f.path.endswith(".pdf"):
            pdfs.append(dict(item, label=_label(f.path)))
        elif f.path.startswith("tables/") and f.path.endswith((".csv", ".xlsx")):
            stem = f.path.rsplit(".", 1)[0]
            tables.setdefault(stem, {"label": _label(stem), "formats": []})["formats"].append(item)
        elif f.path.startswith("charts/") and f.path.endswith(".svg"):
            charts.append(dict(item, label=_label(f.path)))
        elif f.path.endswith(".json"):
            data.append(dict(item, label=_label(f.path)))
        else:
            other.append(dict(item, label=f.path))
    pdfs.sort(key=lambda i: (i["path"] != "statements.pdf", i["path"]))
    order = ["tables/activities", "tables/position", "tables/cash_flow", "tables/funds", "tables/journal"]
    listed = sorted(tables.values(), key=lambda t: (order.index(t["formats"][0]["path"].rsplit(".", 1)[0])
                                                    if t["formats"][0]["path"].rsplit(".", 1)[0] in order else 99, t["label"]))
    for t in listed:
        t["formats"].sort(key=lambda i: i["format"] != "XLSX")
    return {"pdfs": pdfs, "tables": listed, "charts": charts, "data": data, "other": other, "vouchers": vouchers}


@bp.get("/<code>/<period>/")
@bp.get("/<code>/<period>/v<int:version>/")
@cached_page
def month(code: str, period: str, version: int | None = None):
    session, found, pub = _publication(code, period, version)
    newest = publications.get_publication(session, found, pub.year, pub.month)
    figures = _json(session, pub, "statements.json")

    def file_url(path):
        return url_for("public.published_file", code=found.code, period=pub.period, version=pub.version, path=path)

    return render_template(
        "public/month.html", book=found, pub=pub, newest=newest, figures=figures, headline=_headline(figures),
        entries=_json(session, pub, "entries.json"), opinions=publications.opinions_of(session, pub),
        trust=_trust(session, pub),
        downloads=_downloads(published.files_of(session, pub), file_url),
    )


def _names(figures: dict) -> tuple[dict, dict]:
    """Each account code's name (older publications: its statement line, as entries.json names accounts by code
    only), and each fund's names: from the published statements, so the page shows nothing the publication does
    not hold."""
    if "accounts" in figures:  # publications since the chart's names were frozen with the statements
        return figures["accounts"], {f["code"]: f for f in figures["funds"]}
    accounts = {}
    for part in (figures["activities"]["income"], figures["activities"]["expense"], figures["position"]["assets"],
                 figures["position"]["liabilities"], figures["cash_flow"]["net_assets"]):
        for row in part:
            for code in row["accounts"]:
                accounts.setdefault(code, row)
    return accounts, {f["code"]: f for f in figures["funds"]}


def _line(figures: dict, statement: str, key: str) -> dict | None:
    """A statement line a figure stands for, as what the drill-down needs: its name, its figure, its accounts,
    the sign that turns the entries' debits (+) and credits (−) into the line's own direction, and whether only
    entries that move cash count (the cash flow statement)."""
    act, pos, flow = figures["activities"], figures["position"], figures["cash_flow"]
    if statement == "activities":
        for side, sign in (("income", -1), ("expense", 1)):
            if key == side:
                return {"name_zh": "收入合计" if side == "income" else "支出合计",
                        "name_en": "Total income" if side == "income" else "Total expenses",
                        "accounts": sorted({c for r in act[side] for c in r["accounts"]}), "sign": sign,
                        "figure": act["totals_fen"][side]["total"], "sums": True, "cash": False}
            for row in act[side]:
                if row["line"] == key:
                    return dict(row, sign=sign, figure=row["fen"]["total"], sums=True, cash=False)
    if statement == "position":
        for side, sign in (("assets", 1), ("liabilities", -1)):
            for row in pos[side]:
                if row["line"] == key:
                    return dict(row, sign=sign, figure=row["fen"]["end"], sums=False, cash=False)
    if statement == "cash_flow":
        for side, sign in (("receipts", -1), ("payments", 1), ("net_assets", -1)):
            for row in flow[side]:
                if row["line"] == key:
                    return dict(row, sign=sign, figure=row["fen"]["range"], sums=True, cash=True)
    return None


@bp.get("/<code>/<period>/v<int:version>/entries/")
def entries(code: str, period: str, version: int):
    session, found, pub = _publication(code, period, version)
    figures = _json(session, pub, "statements.json")
    accounts, funds = _names(figures)
    return render_template("public/entries.html", book=found, pub=pub, headline=_headline(figures),
                           entries=_json(session, pub, "entries.json"), accounts=accounts, funds=funds)


@bp.get("/<code>/<period>/v<int:version>/lines/<statement>/<key>/")
def line(code: str, period: str, version: int, statement: str, key: str):
    """The entries behind one figure: the month's entries with a line on the figure's accounts, each with what
    it adds on them. For the statement of activities they add up to the figure; a balance sheet figure is a
    balance, so the month's entries are its movement; the cash flow statement counts only entries that move cash."""
    session, found, pub = _publication(code, period, version)
    figures = _json(session, pub, "statements.json")
    chosen = _line(figures, statement, key)
    if chosen is None:
        abort(404)
    codes = set(chosen["accounts"])
    shown = []
    for e in _json(session, pub, "entries.json"):
        on = [ln for ln in e["lines"] if ln["account"] in codes]
        if not on or (chosen["cash"] and not any(ln["cash"] for ln in e["lines"])):
            continue
        shown.append((e, chosen["sign"] * sum(ln["fen"] for ln in on)))
    accounts, funds = _names(figures)
    return render_template("public/line.html", book=found, pub=pub, headline=_headline(figures), statement=statement,
                           chosen=chosen, shown=shown, total=sum(a for _e, a in shown), accounts=accounts, funds=funds)


_SHA = re.compile(r"[0-9a-f]{64}")


@bp.get("/<code>/<period>/v<int:version>/vouchers/<sha>/")
def voucher(code: str, period: str, version: int, sha: str):
    """One voucher page, redacted for publication, fitted to the screen; a tap shows it at full size."""
    session, found, pub = _publication(code, period, version)
    path = f"vouchers/{sha}.jpg"
    if not _SHA.fullmatch(sha):
        abort(404)
    try:
        publications.published_file(session, pub, path, _root())
    except LedgerError:
        abort(404)
    owners = [e for e in _json(session, pub, "entries.json") if path in e["voucher_pages"]]
    if not owners:
        abort(404)
    entry = owners[0]
    pages = entry["voucher_pages"]
    at = pages.index(path)
    return render_template("public/voucher.html", book=found, pub=pub, headline=_headline(_json(session, pub, "statements.json")),
                           entry=entry, others=owners[1:], path=path, page_no=at + 1, pages=pages,
                           previous=pages[at - 1] if at > 0 else None, following=pages[at + 1] if at + 1 < len(pages) else None)


# -- Files -------------------------------------------------------------------------------------------------------

def _immutable(response):
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"  # a published file never changes
    return response


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
    return _immutable(response)


@bp.get("/<code>/<period>/v<int:version>/export.zip")
def export_zip(code: str, period: str, version: int):
    """The verifiable export: the publication's files, manifest, signature and verify.py in one folder, zipped
    with fixed timestamps and order, so its bytes, and its strong ETag, never change."""
    _session, found, pub = _publication(code, period, version)
    try:
        data = published.export_zip(pub, found.code, _root())
    except LedgerError:
        abort(404)  # a folder that no longer matches its manifest is not served
    response = send_file(io.BytesIO(data), mimetype="application/zip", etag=sha256_hex(data), conditional=True,
                         max_age=YEAR, as_attachment=True, download_name=f"{published.zip_name(pub, found.code)}.zip")
    return _immutable(response)


@bp.get("/verify.py")
def verify_script():
    """The standalone checker (python3 verify.py DIR), as the exports carry it."""
    data = published.VERIFY_SCRIPT.read_bytes()
    response = send_file(io.BytesIO(data), mimetype="text/x-python", etag=sha256_hex(data), conditional=True,
                         max_age=24 * 3600, download_name="verify.py")
    response.headers["Content-Disposition"] = "inline; filename=verify.py"
    return response
