"""Reading the books: trial balance, funds, journal, account ledger, audit log; exports."""
from __future__ import annotations

import datetime as dt

import dataclasses
from dataclasses import dataclass

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from ...db.session import get_session as db
from ...domain.model import parse_date
from ...domain.capitals import capital_amount
from ...domain.errors import LedgerError
from ...domain.money import fen_to_str, to_fen
from ...services import access, books as book_service, entries, overview, periods, reports
from ..auth import actor
from ..exports import send_table
from . import bp
from ...domain.permissions import Action
from .common import page_arg, parse_date_arg, parse_period, say, seat

PAGE = 50
FORMATS = ("csv", "xlsx")


@bp.route("/")
def index():
    return redirect(url_for("office.books"))


@bp.route("/books")
@login_required
def books():
    return render_template("office/books.html", books=book_service.books_for(db(), actor()))


@bp.route("/books/<code>")
@login_required
def book(code: str):
    here = seat(code)
    as_of = parse_date_arg(request.args.get("as_of"))
    return render_template(
        "office/book.html", book=here.book, seat=here, as_of=as_of,
        summary=overview.overview(here.session, here.book),
        mine=entries.left_to_finish(here.session, here.book, here.user) if here.can_make else [],
        tb=reports.trial_balance(here.session, here.book, as_of),
        funds=reports.fund_balances(here.session, here.book, as_of),
        periods=periods.periods_of(here.session, here.book),
    )


@bp.route("/books/<code>/trial-balance.<fmt>")
@login_required
def trial_balance_export(code: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    here = seat(code)
    as_of = parse_date_arg(request.args.get("as_of"))
    tb = reports.trial_balance(here.session, here.book, as_of)
    rows = [{"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "debit": fen_to_str(r.debit_fen),
             "credit": fen_to_str(r.credit_fen)} for r in tb.rows]
    name = f"{here.book.code}-trial-balance" + (f"-{as_of}" if as_of else "")
    return send_table(rows, ["code", "name_zh", "name_en", "debit", "credit"], name, fmt, here.book, here.user, "trial_balance",
                      scope=_as_of_words(as_of))


def _as_of_words(as_of: dt.date | None) -> str:
    return gettext("as of %(date)s", date=as_of.isoformat()) if as_of else gettext("all posted entries")


@bp.route("/books/<code>/funds.<fmt>")
@login_required
def funds_export(code: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    here = seat(code)
    as_of = parse_date_arg(request.args.get("as_of"))
    rows = [{"code": f.code, "name_zh": f.name_zh, "name_en": f.name_en, "restricted": f.restricted, "cash": fen_to_str(f.cash_fen),
             "income": fen_to_str(f.income_fen), "expense": fen_to_str(f.expense_fen), "net_assets": fen_to_str(f.net_assets_fen)}
            for f in reports.fund_balances(here.session, here.book, as_of)]
    name = f"{here.book.code}-funds" + (f"-{as_of}" if as_of else "")
    return send_table(rows, list(rows[0]) if rows else ["code"], name, fmt, here.book, here.user, "fund_balances",
                      scope=_as_of_words(as_of))


JOURNAL_SORTS = ("date", "number")
JOURNAL_DIRECTIONS = ("desc", "asc")


@dataclass(frozen=True)
class JournalView:
    """What the journal adds to reports.JournalFilter: a date range and an order."""

    start: dt.date | None = None
    end: dt.date | None = None
    sort: str = "date"
    direction: str = "desc"


def _journal_filter(args) -> tuple[reports.JournalFilter, dict, JournalView]:
    """The journal's filters from the query string; malformed values are ignored and said so."""
    problems = {}
    ym = parse_period(args.get("period"))
    amounts = {}
    for key in ("min", "max"):
        if args.get(key):
            try:
                amounts[key] = to_fen(args[key], key)
            except LedgerError as e:
                problems[key] = say(e)
    dates = {}
    for key in ("from", "to"):
        if args.get(key):
            try:
                dates[key] = parse_date(args[key], key)
            except LedgerError:
                problems[key] = gettext("“%(value)s” is not a date (YYYY-MM-DD): that limit is left out.", value=args[key])
    if "from" in dates and "to" in dates and dates["from"] > dates["to"]:
        problems["to"] = gettext("The range ends (%(to)s) before it starts (%(from)s): no range is applied.",
                                 to=dates["to"].isoformat(), **{"from": dates["from"].isoformat()})
        dates = {}
    sort, direction = args.get("sort") or "date", args.get("dir") or "desc"
    if sort not in JOURNAL_SORTS or direction not in JOURNAL_DIRECTIONS:
        problems["sort"] = gettext("Unknown order: the journal is shown by date, newest first.")
        sort, direction = "date", "desc"
    status = args.get("status", "posted")
    if status not in ("posted", "submitted", "draft", "rejected", "all"):
        status = "posted"
    f = reports.JournalFilter(
        status=None if status == "all" else status,
        year=ym[0] if ym else None, month=ym[1] if ym else None,
        account=(args.get("account") or "").split(" ")[0] or None,
        fund=args.get("fund") or None, text=args.get("q") or None,
        min_fen=amounts.get("min"), max_fen=amounts.get("max"),
    )
    view = JournalView(dates.get("from"), dates.get("to"), sort, direction)
    f = dataclasses.replace(f, start=view.start, end=view.end, sort=view.sort, direction=view.direction)
    return f, problems, view


@bp.route("/books/<code>/journal")
@login_required
def journal(code: str):
    here = seat(code)
    f, problems, view = _journal_filter(request.args)
    page = page_arg()
    found, has_next = reports.find_entries(here.session, here.book, f, limit=PAGE, offset=(page - 1) * PAGE)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "office/journal.html", book=here.book, seat=here, entries=found, page=page, has_next=has_next, args=args,
        problems=problems, view=view, periods=periods.periods_of(here.session, here.book),
        accounts=book_service.accounts_of(here.session, here.book), funds=book_service.funds_of(here.session, here.book),
    )


@bp.route("/books/<code>/journal.<fmt>")
@login_required
def journal_export(code: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    here = seat(code)
    f, _, _view = _journal_filter(request.args)
    found, _ = reports.find_entries(here.session, here.book, f, limit=200_000)
    rows = [
        {"number": e.number or "", "date": e.date.isoformat(), "status": e.status, "summary": e.summary,
         "account": l.account.code, "account_name": l.account.name_zh, "fund": l.fund.code, "fund_name": l.fund.name_zh,
         "debit": fen_to_str(l.amount_fen) if l.amount_fen > 0 else "", "credit": fen_to_str(-l.amount_fen) if l.amount_fen < 0 else "",
         "note": l.note}
        for e in found for l in e.lines
    ]
    columns = ["number", "date", "status", "summary", "account", "account_name", "fund", "fund_name", "debit", "credit",
               "note"]
    return send_table(rows, columns, f"{here.book.code}-journal", fmt, here.book, here.user, "journal")


def _ledger_args(here, account_code: str):
    start = parse_date_arg(request.args.get("start"))
    end = parse_date_arg(request.args.get("end"))
    fund = request.args.get("fund") or None
    try:
        account = book_service.get_account(here.session, here.book, account_code)
    except LedgerError:
        abort(404)
    return account, fund, start, end


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


@dataclass
class LedgerMonth:
    """One month's lines on a page, newest first, headed by 本月合计 and 本年累计 when its last line is here."""

    year: int
    month: int
    rows: list
    month_fen: tuple[int, int] | None = None  # (debits, credits) of the month
    year_fen: tuple[int, int] | None = None  # (debits, credits) from 1 January to the month's end
    balance_fen: int = 0  # after the month's last line

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@bp.route("/books/<code>/accounts/<account_code>")
@login_required
def account_ledger(code: str, account_code: str):
    """The account's lines newest first (page 1 is the newest), each with its running balance; each month headed
    by its totals and the year's so far. The running balances come from reports.account_ledger, read oldest first
    and turned round here."""
    here = seat(code)
    account, fund, start, end = _ledger_args(here, account_code)
    total = reports.account_line_count(here.session, here.book, account, fund, start, end)
    last_page = max(1, -(-total // PAGE))
    page = min(page_arg(), last_page)  # past the oldest line: the oldest page
    newest = total - (page - 1) * PAGE  # this page holds lines [oldest, newest) counted from the oldest
    oldest = max(0, newest - PAGE)
    # One line more than the page: the next newer line says whether this page's newest month began on the page before.
    opening, rows, _more = reports.account_ledger(here.session, here.book, account.code, fund, start, end,
                                                  limit=newest - oldest + 1, offset=oldest)
    newer, rows = (rows[newest - oldest] if len(rows) > newest - oldest else None), rows[: newest - oldest]
    months: list[LedgerMonth] = []
    for r in reversed(rows):
        if not months or (months[-1].year, months[-1].month) != (r.date.year, r.date.month):
            months.append(LedgerMonth(r.date.year, r.date.month, [], balance_fen=r.balance_fen))
        months[-1].rows.append(r)
    for i, m in enumerate(months):
        if i == 0 and newer is not None and (newer.date.year, newer.date.month) == (m.year, m.month):
            continue  # its totals were shown with its newest lines, on the page before
        through = min(_month_end(m.year, m.month), end) if end else _month_end(m.year, m.month)
        m.month_fen = reports.account_totals(here.session, here.book, account, fund, dt.date(m.year, m.month, 1), through)
        m.year_fen = reports.account_totals(here.session, here.book, account, fund, dt.date(m.year, 1, 1), through)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "office/account_ledger.html", book=here.book, seat=here, account=account, months=months, opening=opening,
        page=page, has_next=oldest > 0, show_opening=oldest == 0, args=args, fund=fund, start=start, end=end,
        funds=book_service.funds_of(here.session, here.book),
    )


@bp.route("/books/<code>/accounts/<account_code>.<fmt>")
@login_required
def account_ledger_export(code: str, account_code: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    here = seat(code)
    account, fund, start, end = _ledger_args(here, account_code)
    opening, rows, _ = reports.account_ledger(here.session, here.book, account.code, fund, start, end, limit=1_000_000)
    table = [{"number": "", "date": "", "summary": "期初余额 opening balance", "fund": fund or "", "debit": "", "credit": "",
              "balance": fen_to_str(opening)}] + [
        {"number": r.number, "date": r.date.isoformat(), "summary": r.summary, "fund": r.fund,
         "debit": fen_to_str(r.fen) if r.fen > 0 else "", "credit": fen_to_str(-r.fen) if r.fen < 0 else "",
         "balance": fen_to_str(r.balance_fen)} for r in rows]
    columns = ["number", "date", "summary", "fund", "debit", "credit", "balance"]
    return send_table(table, columns, f"{here.book.code}-{account.code}-ledger", fmt, here.book, here.user, "account_ledger")


@bp.route("/books/<code>/audit")
@login_required
def audit_log(code: str):
    here = seat(code, Action.READ_AUDIT)
    page = page_arg()
    rows, has_next = access.audit_events(
        here.session, here.user, here.book, request.args.get("action") or "", request.args.get("user") or "",
        parse_date_arg(request.args.get("start")), parse_date_arg(request.args.get("end")),
        limit=PAGE, offset=(page - 1) * PAGE)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("office/audit.html", book=here.book, seat=here, rows=rows, has_next=has_next,
                           page=page, args=args)


@bp.route("/books/<code>/entries/<int:entry_id>/print")
@login_required
def voucher_print(code: str, entry_id: int):
    """The posted entry as a paper 记账凭证: lines, totals in figures and in capitals, 附单据 N 张, who made,
    approved and posted it, its chain hash. Anyone who may read the book may print it."""
    here = seat(code)
    try:
        e = entries.get_entry(here.session, here.book, entry_id)
    except LedgerError:
        abort(404)
    if e.status != "posted":
        abort(404)  # a draft or a waiting entry is not a voucher yet: its number and approvals are still to come
    makers = [e.maker.display_name] + [m.user.display_name for m in e.makers if m.user_id != e.maker_id]
    approvers = [a.user.display_name for a in e.approvals]
    # Posting is the last approval (an import or an opening balance is posted by its maker).
    poster = e.approvals[-1].user.display_name if e.approvals else e.maker.display_name
    total = e.total_debit_fen
    return render_template("office/voucher_print.html", book=here.book, entry=e, makers=makers, approvers=approvers,
                           poster=poster, total_fen=total, total_capitals=capital_amount(total),
                           attachments=len(e.attachments))
