"""The annual budget against actual, public revenues (公共收益) and the trustee's remuneration (酬金): read as their
pages show them, to everyone with a role in a trust-property book."""
from __future__ import annotations

from ..db.session import get_session as db
from ..domain.model import parse_period
from ..domain.trustmath import percent_text
from ..services import budgets, remuneration, revenues
from ..services.periods import find_period
from .common import IN_BOOK, QUERY, api_blueprint, refusals
from .fees import _ref, trust_book
from .schemas import BudgetQuerySchema, BudgetReportSchema, RemunerationSchema, RevenueContractSchema, RevenueQuerySchema

bp = api_blueprint("api_trust", "A trust's budget against actual, public revenues and the trustee's remuneration.")


@bp.route("/books/<ledgercode:book>/budgets/<int(min=2000, max=2999):year>")
@bp.arguments(BudgetQuerySchema, **QUERY)
@bp.response(200, BudgetReportSchema)
@refusals(bp, 400, *IN_BOOK, 422)
def budget_report(book, year, query):
    """The year's budget against posted actuals, per line, for a month and the year to its end: variance
    (actual − budget) and percentage (actual ÷ budget); no budget for the year gives no lines."""
    b = trust_book(book)
    return budgets.report(db(), b, year, query.get("month")).as_json(b)


@bp.route("/books/<ledgercode:book>/revenues")
@bp.arguments(RevenueQuerySchema, **QUERY)
@bp.response(200, RevenueContractSchema(many=True))
@refusals(bp, *IN_BOOK, 422)
def revenue_contracts(book, query):
    """Each public-revenue contract: receipts due by `as_of` (default today) against posted receipts, overdue ones
    flagged."""
    return [s.as_json() for s in revenues.standings(db(), trust_book(book), query.get("as_of"))]


def _contract(c) -> dict | None:
    if c is None:
        return None
    return {"id": c.id, "kind": c.kind, "monthly": c.monthly_fen, "cap": c.cap_fen,
            "percent": None if c.percent_bp is None else percent_text(c.percent_bp),
            "effective_from": c.effective_from, "note": c.note or ""}


@bp.route("/books/<ledgercode:book>/remuneration/<ledgerperiod:period>")
@bp.response(200, RemunerationSchema)
@refusals(bp, 400, 403, 404)
def remuneration_of_month(book, period):
    """The month's remuneration under the contract in force on its last day: the fixed sum, or the share of the
    fees collected in the month, capped; with the calculation and the month's accrual entry, if made."""
    session, b = db(), trust_book(book)
    year, month = parse_period(period)
    contract = remuneration.contract_in_force(session, b, year, month)
    result = remuneration.calculate(session, b, year, month)
    found = find_period(session, b, year, month)
    accrual = remuneration.accrual_of(session, b, found) if found is not None else None
    return {"period": f"{year:04d}-{month:02d}", "contract": _contract(contract),
            "collected_fees": remuneration.collected_fees(session, b, year, month),
            "amount": None if result is None else result.fen, "calculation": None if result is None else result.note,
            "accrual": _ref(accrual)}
