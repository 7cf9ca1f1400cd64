"""The trust-model figures a published month shows residents (trust.json beside statements.json): the fees' arrears
per building and the collection rate (收缴率), the budget against actual with the resolution that approved it, the
bank reconciliation, and the public revenues expected against received.

Always per building or in total, never per owner or per unit: nothing here reads an owner's name except to keep
one out (a revenue contract whose counterparty is an owner of the register is shown as "an individual"). Each
section is there only when the book has what it is about (units billed, a budget for the year, bank statement rows
in the month, revenue contracts); a month with none of them has no trust.json. Figures are integer fen, as of the
month's last day, from posted entries only, so a closed month gives the same figures whenever it is published.
"""
from __future__ import annotations

import calendar
import datetime as dt

from sqlalchemy.orm import Session

from ..db.schema import Book, Resolution
from ..domain.model import BookKind
from . import bank, billing, budgets, revenues

FORMAT = 1

KIND_NAMES = {"advertising": ("广告", "advertising"), "parking": ("停车", "parking"),
              "express_lockers": ("快递柜", "express lockers"), "base_station": ("通信基站", "base station"),
              "leasing": ("场地租赁", "leasing"), "other": ("其他", "other")}
SCHEDULE_NAMES = {"monthly": ("每月", "monthly"), "quarterly": ("每季度", "quarterly"), "yearly": ("每年", "yearly")}
INDIVIDUAL = ("个人", "an individual")


def month_doc(session: Session, book: Book, year: int, month: int) -> dict | None:
    """The month's trust figures as one document, or None when the book has none of them (not a trust book, or
    no units billed, budget, bank rows or revenue contracts)."""
    if book.kind != BookKind.TRUST.value:
        return None
    end = dt.date(year, month, calendar.monthrange(year, month)[1])
    sections = {
        "arrears": billing.building_arrears(session, book, year, month),
        "budget": _budget(session, book, year, month),
        "bank": bank.published_reconciliations(session, book, year, month) or None,
        "revenues": _revenues(session, book, end),
    }
    sections = {k: v for k, v in sections.items() if v is not None}
    if not sections:
        return None
    return {"format": FORMAT, "book": book.code, "period": f"{year:04d}-{month:02d}", "as_of": end.isoformat(), **sections}


def _figures(f: budgets.Figures) -> dict:
    return {"budget_fen": f.budget, "actual_fen": f.actual, "variance_fen": f.variance, "percent": f.percent}


def _budget(session: Session, book: Book, year: int, month: int) -> dict | None:
    report = budgets.report(session, book, year, month)
    if report.budget is None or not report.lines:
        return None
    resolution = session.get(Resolution, report.budget.resolution_id) if report.budget.resolution_id else None
    if resolution is not None and resolution.book_id != book.id:
        resolution = None
    cited = None if resolution is None else {
        "id": resolution.id, "title": resolution.title, "held_on": resolution.held_on.isoformat(),
        "matter": resolution.matter, "status": resolution.status}
    lines = [{"account": line.account.code, "name_zh": line.account.name_zh, "name_en": line.account.name_en,
              "type": line.account.type, "fund": line.fund.code, "fund_zh": line.fund.name_zh, "fund_en": line.fund.name_en,
              "annual_fen": line.annual, "month": _figures(line.month), "ytd": _figures(line.ytd)}
             for line in sorted(report.lines, key=lambda l: (l.account.type != "income", l.account.code, l.fund.code))]
    return {"year": year, "month": month, "resolution": cited, "lines": lines,
            "totals": {kind: {p: _figures(f) for p, f in periods.items()} for kind, periods in report.totals.items()}}


def _revenues(session: Session, book: Book, end: dt.date) -> dict | None:
    standings = revenues.standings(session, book, end)
    standings = [s for s in standings if s.contract.start_date <= end]
    if not standings:
        return None
    start = end.replace(day=1)
    contracts, totals = [], {"month_expected_fen": 0, "month_received_fen": 0, "expected_fen": 0, "received_fen": 0,
                             "overdue_fen": 0}
    for s in standings:
        c = s.contract
        # A person who holds a unit may rent a parking space or a shop: an owner's name never reaches the public.
        person = revenues.names_an_owner(session, book, c.counterparty)
        kind_zh, kind_en = KIND_NAMES.get(c.kind, (c.kind, c.kind))
        every_zh, every_en = SCHEDULE_NAMES.get(c.schedule, (c.schedule, c.schedule))
        doc = {
            "counterparty": INDIVIDUAL[0] if person else c.counterparty,
            "counterparty_en": INDIVIDUAL[1] if person else c.counterparty,
            "kind": c.kind, "kind_zh": kind_zh, "kind_en": kind_en, "account": c.account.code,
            "account_zh": c.account.name_zh, "account_en": c.account.name_en,
            "schedule": c.schedule, "schedule_zh": every_zh, "schedule_en": every_en, "amount_fen": c.amount_fen,
            "start": c.start_date.isoformat(), "end": c.end_date.isoformat() if c.end_date else None,
            "month_expected_fen": sum(d.amount for d in s.dues if d.date >= start),
            "month_received_fen": sum(f for e, f in s.receipts if e.date >= start),
            "expected_fen": s.expected_fen, "received_fen": s.received_fen, "overdue_fen": s.overdue_fen,
            "overdue": [{"date": d.date.isoformat(), "outstanding_fen": d.outstanding} for d in s.overdue],
            "receipts": [{"entry": e.number, "date": e.date.isoformat(), "fen": f} for e, f in s.receipts if e.date >= start],
        }
        for k in totals:
            totals[k] += doc[k]
        contracts.append(doc)
    return {"contracts": contracts, "totals": totals}
