"""Reading the books: trial balance, funds, journal, account ledger, audit log; exports."""
from __future__ import annotations

import datetime as dt

from flask import abort, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from ...db.session import get_session as db
from ...db.schema import AuditEvent, Membership, User
from ...domain.errors import LedgerError
from ...domain.money import fen_to_str, to_fen
from ...services import books as book_service, periods, reports
from ..auth import actor
from ..exports import send_table
from . import bp
from ...domain.permissions import Action
from .common import page_arg, parse_date_arg, parse_period, seat

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
    return send_table(rows, ["code", "name_zh", "name_en", "debit", "credit"], name, fmt, here.book, here.user, "trial_balance")


@bp.route("/books/<code>/funds.<fmt>")
@login_required
def funds_export(code: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    here = seat(code)
    as_of = parse_date_arg(request.args.get("as_of"))
    rows = [{"code": f.code, "name_zh": f.name_zh, "restricted": f.restricted, "cash": fen_to_str(f.cash_fen),
             "income": fen_to_str(f.income_fen), "expense": fen_to_str(f.expense_fen), "net_assets": fen_to_str(f.net_assets_fen)}
            for f in reports.fund_balances(here.session, here.book, as_of)]
    return send_table(rows, list(rows[0]) if rows else ["code"], f"{here.book.code}-funds", fmt, here.book, here.user, "fund_balances")


def _journal_filter(args) -> tuple[reports.JournalFilter, dict]:
    """The journal's filters from the query string; malformed values are ignored and said so."""
    problems = {}
    ym = parse_period(args.get("period"))
    amounts = {}
    for key in ("min", "max"):
        if args.get(key):
            try:
                amounts[key] = to_fen(args[key], key)
            except LedgerError as e:
                problems[key] = e
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
    return f, problems


@bp.route("/books/<code>/journal")
@login_required
def journal(code: str):
    here = seat(code)
    f, problems = _journal_filter(request.args)
    page = page_arg()
    found, has_next = reports.find_entries(here.session, here.book, f, limit=PAGE, offset=(page - 1) * PAGE)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "office/journal.html", book=here.book, seat=here, entries=found, page=page, has_next=has_next, args=args,
        problems=problems, periods=periods.periods_of(here.session, here.book),
        accounts=book_service.accounts_of(here.session, here.book), funds=book_service.funds_of(here.session, here.book),
    )


@bp.route("/books/<code>/journal.<fmt>")
@login_required
def journal_export(code: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    here = seat(code)
    f, _ = _journal_filter(request.args)
    found, _ = reports.find_entries(here.session, here.book, f, limit=200_000)
    rows = [
        {"number": e.number or "", "date": e.date.isoformat(), "status": e.status, "summary": e.summary,
         "account": l.account.code, "account_name": l.account.name_zh, "fund": l.fund.code,
         "debit": fen_to_str(l.amount_fen) if l.amount_fen > 0 else "", "credit": fen_to_str(-l.amount_fen) if l.amount_fen < 0 else "",
         "note": l.note}
        for e in found for l in e.lines
    ]
    columns = ["number", "date", "status", "summary", "account", "account_name", "fund", "debit", "credit", "note"]
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


@bp.route("/books/<code>/accounts/<account_code>")
@login_required
def account_ledger(code: str, account_code: str):
    here = seat(code)
    account, fund, start, end = _ledger_args(here, account_code)
    page = page_arg()
    opening, rows, has_next = reports.account_ledger(
        here.session, here.book, account.code, fund, start, end, limit=PAGE, offset=(page - 1) * PAGE)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "office/account_ledger.html", book=here.book, seat=here, account=account, rows=rows, opening=opening,
        page=page, has_next=has_next, args=args, fund=fund, start=start, end=end,
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
    # The book's own events, and the sign-ins of the people who have a role in it.
    members = select(Membership.user_id).where(Membership.book_id == here.book.id)
    query = select(AuditEvent, User.display_name).outerjoin(User, User.id == AuditEvent.user_id).where(
        (AuditEvent.book_id == here.book.id) | (AuditEvent.book_id.is_(None) & AuditEvent.user_id.in_(members))
    )
    action = request.args.get("action") or ""
    username = request.args.get("user") or ""
    start = parse_date_arg(request.args.get("start"))
    end = parse_date_arg(request.args.get("end"))
    if action:
        query = query.where(AuditEvent.action.like(f"{action}%"))
    if username:
        query = query.where(User.username == username)
    if start:
        query = query.where(AuditEvent.at >= dt.datetime.combine(start, dt.time.min))
    if end:
        query = query.where(AuditEvent.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    page = page_arg()
    rows = here.session.execute(query.order_by(AuditEvent.id.desc()).limit(PAGE + 1).offset((page - 1) * PAGE)).all()
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("office/audit.html", book=here.book, seat=here, rows=rows[:PAGE], has_next=len(rows) > PAGE,
                           page=page, args=args)
