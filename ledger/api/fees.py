"""Property fees (物业费): rates, the monthly billing run, payments, arrears and the collection rate.

A billing run and a payment are journal entries submitted for approval, like any other; only posted ones
count in a unit's balances and in the arrears. Running a month's billing twice makes nothing the second time
(200, `created: false`). Arrears per unit (no owner is named) are for those who may read them; everyone with a
role in the book may read the figures per building.
"""
from __future__ import annotations

from flask.views import MethodView

from ..db.session import get_session as db
from ..domain.errors import NotFound
from ..domain.fees import parse_rate, rate_to_str
from ..domain.model import BookKind, parse_period
from ..domain.money import to_fen
from ..domain.permissions import Action
from ..services import access, billing, entries as entry_service
from .auth import actor, readable_book, unit_of_work
from .common import IN_BOOK, QUERY, WRITE, api_blueprint, refusals, requires
from .entries import _key as idempotency_key
from .schemas import (
    ArrearsQuerySchema,
    ArrearsSchema,
    BillingRunCreateSchema,
    BillingRunSchema,
    FeeRateCreateSchema,
    FeeRateSchema,
    IdempotencyHeaderSchema,
    PaymentCreateSchema,
    PaymentSchema,
)

bp = api_blueprint("api_fees", "Property fees (物业费): rates, billing runs, payments, arrears and the collection rate.")


def trust_book(code: str):
    """The book (as readable_book), if it is a trust-property book: fees, budgets, revenues and the trustee's
    remuneration are a trust's alone (404 for another kind of book, as their pages answer)."""
    book = readable_book(code)
    if book.kind != BookKind.TRUST.value:
        raise NotFound(f"账簿 {book.code} 不是信托制物业账簿，没有这项内容",
                       f"book {book.code} is not a trust-property book and has no such thing", "book")
    return book


def _ref(entry) -> dict | None:
    return None if entry is None else {"id": entry.id, "number": entry.number, "status": entry.status}


def _rate(r) -> dict:
    return {"id": r.id, "use": r.use, "basis": r.basis, "rate": rate_to_str(r.rate_centi_fen),
            "effective_from": r.effective_from}


@bp.route("/books/<ledgercode:book>/fees/rates")
class Rates(MethodView):
    @bp.response(200, FeeRateSchema(many=True))
    @refusals(bp, *IN_BOOK)
    def get(self, book):
        """The fee rates, oldest first; a later rate of a use takes over from its date."""
        return [_rate(r) for r in billing.rates_of(db(), trust_book(book))]

    @requires(Action.KEEP_FEE_RATES)
    @bp.arguments(FeeRateCreateSchema, arg_name="body")
    @bp.response(201, FeeRateSchema)
    @refusals(bp, *WRITE)
    def post(self, book, body):
        """Record a rate for a use from the first day of a month (treasurer, committee); earlier rates stay."""
        b = trust_book(book)
        rate = parse_rate(body["rate"], "rate")
        return _rate(unit_of_work().run(billing.set_rate, b, body["use"], body["basis"], rate, body["effective_from"]))


@bp.route("/books/<ledgercode:book>/fees/billing-runs", methods=["POST"])
@requires(Action.RUN_BILLING)
@bp.arguments(BillingRunCreateSchema, arg_name="body")
@bp.response(201, BillingRunSchema)
@bp.alt_response(200, schema=BillingRunSchema, success=True,
                 description="The month was billed already: nothing was made (`created: false`, the earlier entry).")
@refusals(bp, *WRITE)
def run_billing(book, body):
    """Bill every unit for a month: one entry (Dr 1122 per unit / Cr 4101; prepayments used first), submitted for
    approval."""
    b = trust_book(book)
    year, month = parse_period(body["period"])
    r = unit_of_work().run(billing.run_billing, b, year, month)
    doc = {"period": r.period, "created": r.created, "entry": _ref(r.entry), "units": r.units, "billed": r.billed_fen,
           "prepaid_used": r.prepaid_used_fen, "skipped": list(r.skipped),
           "message": {"zh_CN": r.message[0], "en": r.message[1]}}
    return doc, 201 if r.created else 200


@bp.route("/books/<ledgercode:book>/fees/payments", methods=["POST"])
@requires(Action.RECORD_PAYMENT)
@bp.arguments(PaymentCreateSchema, arg_name="body")
@bp.arguments(IdempotencyHeaderSchema, location="headers", arg_name="headers")
@bp.response(201, PaymentSchema)
@bp.alt_response(200, schema=PaymentSchema, success=True,
                 description="Sent before with this idempotency key: the payment recorded then, nothing new.")
@refusals(bp, *WRITE)
def record_payment(book, body, headers):
    """Record a unit's payment (treasurer, committee, trustee): its oldest open fees first, the rest prepaid;
    one entry submitted for approval. With an `Idempotency-Key`, a retry records nothing more."""
    session, b = db(), trust_book(book)
    fen = to_fen(body["amount"], "amount")
    key = idempotency_key(headers, body)
    earlier = entry_service.made_with_key(session, b, key)
    r = unit_of_work().run(billing.record_payment, b, body["unit"], fen, body["date"], body["channel"], body["reference"],
                           idempotency_key=key)
    doc = {"unit": r.unit, "amount": fen, "to_receivable": r.to_receivable_fen, "to_prepaid": r.to_prepaid_fen,
           "entry": _ref(r.entry)}
    return doc, 200 if earlier is not None and earlier == r.entry.id else 201


@bp.route("/books/<ledgercode:book>/fees/arrears")
@bp.arguments(ArrearsQuerySchema, **QUERY)
@bp.response(200, ArrearsSchema)
@refusals(bp, *IN_BOOK, 422)
def arrears(book, query):
    """Open fees per building (and per unit) by age, and the collection rate (收缴率) per month and per year, from
    posted entries, as of a date."""
    session, b = db(), trust_book(book)
    per_unit = query.get("per_unit")
    if per_unit is None:
        per_unit = access.can(session, actor(), Action.READ_ARREARS, b)
    return billing.arrears(session, actor(), b, query.get("as_of"), per_unit=per_unit)
