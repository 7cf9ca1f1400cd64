"""Reports from posted entries: trial balance, fund balances, an account's ledger."""
from __future__ import annotations

from ..db.session import get_session as db
from ..db.schema import Account
from ..services import books as book_service, reports
from . import present
from .auth import readable_book
from .common import IN_BOOK, QUERY, api_blueprint, refusals
from .schemas import AccountLedgerSchema, AsOfQuerySchema, FundBalanceSchema, LedgerQuerySchema, TrialBalanceSchema

bp = api_blueprint("api_reports", "Figures from posted entries, to the fen, as decimal strings.")


@bp.route("/books/<ledgercode:book>/trial-balance")
@bp.arguments(AsOfQuerySchema, **QUERY)
@bp.response(200, TrialBalanceSchema)
@refusals(bp, *IN_BOOK, 422)
def trial_balance(book, query):
    """Each account's posted balance (科目余额表), every fund together, as of a date."""
    return present.trial_balance(reports.trial_balance(db(), readable_book(book), query.get("as_of")))


@bp.route("/books/<ledgercode:book>/fund-balances")
@bp.arguments(AsOfQuerySchema, **QUERY)
@bp.response(200, FundBalanceSchema(many=True))
@refusals(bp, *IN_BOOK, 422)
def fund_balances(book, query):
    """What each fund holds, took in and spent, as of a date."""
    return [present.fund_balance(f) for f in reports.fund_balances(db(), readable_book(book), query.get("as_of"))]


@bp.route("/books/<ledgercode:book>/accounts/<ledgercode:account>/ledger")
@bp.arguments(LedgerQuerySchema, **QUERY)
@bp.response(200, AccountLedgerSchema)
@refusals(bp, *IN_BOOK, 422)
def account_ledger(book, account, query):
    """An account's posted lines (明细账) in date order, each with the running balance; paginated."""
    session = db()
    b = readable_book(book)
    opening, rows, has_more = reports.account_ledger(
        session, b, account, fund_code=query.get("fund"), start=query.get("start"), end=query.get("end"),
        limit=query["limit"], offset=query["offset"],
    )
    a = book_service.get_account(session, b, account)
    parent = session.get(Account, a.parent_id) if a.parent_id else None
    return {
        "book": b.code, "account": present.account(a, {parent.id: parent.code} if parent else {}), "fund": query.get("fund"), "start": query.get("start"),
        "end": query.get("end"), "opening": opening, "rows": [present.ledger_row(r) for r in rows],
        "limit": query["limit"], "offset": query["offset"], "has_more": has_more,
    }
