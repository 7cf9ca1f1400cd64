"""The statements (报表) of a book for a month, a quarter, the year to date or any range within a year:
业务活动表, 资产负债表, 基金收支表, each figure linked to the entries behind it; CSV and XLSX."""
from __future__ import annotations

import datetime as dt

from flask import abort, render_template, request, url_for
from flask_babel import get_locale
from flask_login import login_required

from ...domain.errors import LedgerError
from ...services import statements
from ..exports import send_table
from . import bp
from .common import parse_date_arg, parse_period, say, seat

KINDS = statements.TABLES


def _range(here) -> tuple[statements.Range | None, str | None, dict]:
    """The range the page asks for (`period`, `quarter` 2026-Q1, `ytd` through a month, or `from`/`to`), the
    current period's month by default; (range, problem, the choice as the form shows it)."""
    args = request.args
    try:
        if args.get("quarter"):
            year, _, q = args["quarter"].partition("-Q")
            first = (int(q) - 1) * 3 + 1
            if not 1 <= int(q) <= 4:
                raise ValueError
            return (statements.make_range(dt.date(int(year), first, 1), statements.month_range(int(year), first + 2).end),
                    None, {"quarter": args["quarter"]})
        if args.get("ytd"):
            ym = parse_period(args["ytd"])
            if ym is None:
                raise ValueError
            return statements.make_range(dt.date(ym[0], 1, 1), statements.month_range(*ym).end), None, {"ytd": args["ytd"]}
        if args.get("from") or args.get("to"):
            start, end = parse_date_arg(args.get("from")), parse_date_arg(args.get("to"))
            if start is None or end is None:
                raise ValueError
            return statements.make_range(start, end), None, {"from": args["from"], "to": args["to"]}
        ym = parse_period(args.get("period") or here.current_period)
        if ym is None:
            raise ValueError
        return statements.month_range(*ym), None, {"period": f"{ym[0]:04d}-{ym[1]:02d}"}
    except LedgerError as e:
        return None, say(e), dict(args)
    except ValueError:
        return None, None, dict(args)


def _since(here, rng: statements.Range, since: str) -> statements.Range:
    """The dates behind a figure: the range's, the year to its end ("year"), or the book's whole life ("book",
    for a balance)."""
    if since == "year":
        return statements.Range(rng.year_start, rng.end)
    if since == "book":
        return statements.Range(here.book.start_date or rng.year_start, rng.end)
    return rng


def _journal(here, rng: statements.Range, codes: list[str], fund: str | None = None) -> str:
    """The entries behind a figure: the journal of the range, on these accounts."""
    return url_for("office.journal", code=here.book.code, account=",".join(codes), status="posted",
                   **{"from": rng.start.isoformat(), "to": rng.end.isoformat()}, **({"fund": fund} if fund else {}))


@bp.route("/books/<code>/statements")
@login_required
def statements_page(code: str):
    here = seat(code)
    rng, problem, chosen = _range(here)
    if rng is None:
        if problem is None:
            abort(404)
        return render_template("office/statements.html", book=here.book, seat=here, problem=problem, chosen=chosen,
                               rng=None), 422
    return render_template(
        "office/statements.html", book=here.book, seat=here, rng=rng, chosen=chosen, problem=None,
        activities=statements.activities(here.session, here.book, rng),
        position=statements.position(here.session, here.book, rng),
        funds=statements.fund_movements(here.session, here.book, rng),
        cash_flow=statements.cash_flow(here.session, here.book, rng),
        journal=lambda codes, since="range": _journal(here, _since(here, rng, since), codes),
    )


@bp.route("/books/<code>/statements/<kind>.<fmt>")
@login_required
def statements_export(code: str, kind: str, fmt: str):
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        abort(404)
    here = seat(code)
    rng, _problem, _chosen = _range(here)
    if rng is None:
        abort(404)
    english = str(get_locale() or "zh_CN").startswith("en")
    columns, rows = statements.table(here.session, here.book, rng, kind, english)
    return send_table(rows, columns, f"{here.book.code}-{kind}-{rng.start:%Y%m%d}-{rng.end:%Y%m%d}", fmt, here.book,
                      here.user, kind, scope=rng.label)
