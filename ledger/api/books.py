"""Books, their accounts, funds and periods; and who the caller is."""
from __future__ import annotations

from flask import g
from flask.views import MethodView

from ..db.session import get_session as db
from ..db.schema import Account
from ..domain.model import parse_period
from ..domain.money import to_fen
from ..services import books as book_service, periods as period_service
from . import present
from .auth import actor, readable_book, unit_of_work
from .common import IN_BOOK, WRITE, api_blueprint, refusals
from .schemas import (
    AccountCreateSchema,
    AccountSchema,
    BankBalanceSchema,
    BankCheckSchema,
    BookSchema,
    ChecklistSchema,
    FundCreateSchema,
    FundSchema,
    MeSchema,
    PeriodSchema,
)

bp = api_blueprint("api_books", "Books (核算主体) you have a role in, their chart of accounts, funds and periods.")


@bp.route("/me")
@bp.response(200, MeSchema)
@refusals(bp)
def me():
    """Who the API takes you for."""
    user = actor()
    return {"username": user.username, "display_name": user.display_name, "is_admin": user.is_admin, "auth": g.api_auth}


@bp.route("/books")
@bp.response(200, BookSchema(many=True))
@refusals(bp)
def list_books():
    """The books you have a role in (every book, for an administrator)."""
    session, user = db(), actor()
    return [present.book(session, b, user) for b in book_service.books_for(session, user)]


@bp.route("/books/<ledgercode:book>")
@bp.response(200, BookSchema)
@refusals(bp, *IN_BOOK)
def get_book(book):
    """One book, with your roles in it."""
    return present.book(db(), readable_book(book), actor())


def _accounts(session, book) -> list[dict]:
    rows = book_service.accounts_of(session, book)
    codes = {a.id: a.code for a in rows}
    return [present.account(a, codes) for a in rows]


@bp.route("/books/<ledgercode:book>/accounts")
class Accounts(MethodView):
    @bp.response(200, AccountSchema(many=True))
    @refusals(bp, *IN_BOOK)
    def get(self, book):
        """The chart of accounts (会计科目), deactivated accounts included."""
        return _accounts(db(), readable_book(book))

    @bp.arguments(AccountCreateSchema, arg_name="body")
    @bp.response(201, AccountSchema)
    @refusals(bp, *WRITE)
    def post(self, book, body):
        """Add an account (treasurer, committee, fund manager)."""
        session = db()
        b = readable_book(book)
        account = unit_of_work().run(
            book_service.add_account, b, body["code"], body["name_zh"], body["name_en"] or body["name_zh"], body["type"],
            parent_code=body["parent"], cash=body["cash"],
        )
        parent = session.get(Account, account.parent_id) if account.parent_id else None
        return present.account(account, {parent.id: parent.code} if parent else {})


@bp.route("/books/<ledgercode:book>/funds")
class Funds(MethodView):
    @bp.response(200, FundSchema(many=True))
    @refusals(bp, *IN_BOOK)
    def get(self, book):
        """The book's funds (基金): unrestricted, restricted grants, micro-projects, reserves."""
        return [present.fund(f) for f in book_service.funds_of(db(), readable_book(book))]

    @bp.arguments(FundCreateSchema, arg_name="body")
    @bp.response(201, FundSchema)
    @refusals(bp, *WRITE)
    def post(self, book, body):
        """Add a fund (treasurer, committee, fund manager)."""
        fund = unit_of_work().run(
            book_service.add_fund, readable_book(book), body["code"], body["name_zh"], body["name_en"] or body["name_zh"],
            body["restricted"],
        )
        return present.fund(fund)


@bp.route("/books/<ledgercode:book>/periods")
@bp.response(200, PeriodSchema(many=True))
@refusals(bp, *IN_BOOK)
def list_periods(book):
    """The book's monthly periods (会计期间), opened on first use, oldest first."""
    session = db()
    return [present.period(session, p) for p in period_service.periods_of(session, readable_book(book))]


@bp.route("/books/<ledgercode:book>/periods/<ledgerperiod:period>/checklist")
@bp.response(200, ChecklistSchema)
@refusals(bp, 400, 403, 404)
def close_checklist(book, period):
    """What closing the month needs: no entry awaiting approval, vouchers (or reasons), bank balances that match."""
    session = db()
    # checklist only reads (a month never used is an unsaved Period), so there is nothing to roll back.
    return present.checklist(session, period_service.checklist(session, readable_book(book), *parse_period(period)))


@bp.route("/books/<ledgercode:book>/periods/<ledgerperiod:period>/bank-balances", methods=["POST"])
@bp.arguments(BankBalanceSchema, arg_name="body")
@bp.response(201, BankCheckSchema)
@refusals(bp, *WRITE)
def record_bank_balance(book, period, body):
    """Enter a bank account's month-end balance from the statement (the newest one entered counts)."""
    session = db()
    b = readable_book(book)
    year, month = parse_period(period)
    unit_of_work().run(period_service.record_bank_balance, b, year, month, body["account"], to_fen(body["balance"]))
    check = period_service.checklist(session, b, year, month)
    return next(
        ({"account": c.account.code, "book": c.book_fen, "statement": c.statement_fen, "ok": c.ok}
         for c in check.banks if c.account.code == body["account"]),
        {"account": body["account"], "book": 0, "statement": to_fen(body["balance"]), "ok": to_fen(body["balance"]) == 0},
    )


@bp.route("/books/<ledgercode:book>/periods/<ledgerperiod:period>/close", methods=["POST"])
@bp.response(200, PeriodSchema)
@refusals(bp, 400, 403, 404, 409)
def close_period(book, period):
    """Close a month (committee, fund manager) once its checklist passes (409 period_not_ready otherwise)."""
    session = db()
    closed = unit_of_work().run(period_service.close_period, readable_book(book), *parse_period(period))
    return present.period(session, closed)
