"""The co-managed bank account (共管账户): statement import, matching, the month's reconciliation.

Importing the same or an overlapping statement again adds nothing (`duplicates` counts the rows already held).
A file with any bad row, a broken running balance or totals that disagree is refused whole (400
`statement_refused`), each problem with its row and column in `problems`. Statement rows name payers (owners
among them): the reconciliation is read by those who may read the register.
"""
from __future__ import annotations

from ..db.session import get_session as db
from ..domain.permissions import Action
from ..services import bank as bank_service
from .auth import actor, readable_book, unit_of_work
from .common import QUERY, WRITE, api_blueprint, refusals, requires
from .register import UPLOAD, read_upload
from .schemas import (
    BankAccountQuerySchema,
    BankMatchBodySchema,
    BankMatchSchema,
    ReconciliationSchema,
    StatementImportSchema,
    StatementUploadSchema,
)

bp = api_blueprint("api_bank", "The co-managed bank account (共管账户): statements, matching, reconciliation.")


@bp.route("/books/<ledgercode:book>/bank/statements", methods=["POST"])
@requires(Action.IMPORT_BANK_STATEMENT)
@bp.arguments(StatementUploadSchema, location="multipart", arg_name="files")
@bp.response(201, StatementImportSchema)
@refusals(bp, *UPLOAD)
def import_statement(book, files):
    """Import a bank statement (multipart field `file`: CSV or XLSX as the bank exports it; `profile` to name its
    layout, else detected; `account`, default 1002). Rows already held are counted as duplicates, not added."""
    data, name = read_upload(files["file"], bank_service.MAX_FILE_BYTES)
    result = unit_of_work().run(bank_service.import_statement, readable_book(book), name, data, files["account"],
                                files.get("profile"))
    return result.to_dict()


@bp.route("/books/<ledgercode:book>/bank/reconciliation/<ledgerperiod:period>")
@bp.arguments(BankAccountQuerySchema, **QUERY)
@bp.response(200, ReconciliationSchema)
@refusals(bp, 400, 403, 404, 422)
def reconciliation(book, period, query):
    """The month's reconciliation: the bank's closing balance from the imported rows, the book's balance of the
    account, and the unmatched rows and lines that explain the difference."""
    year, month = bank_service.parse_period(period)
    rec = bank_service.reconcile(db(), actor(), readable_book(book), year, month, query["account"])
    return rec.to_dict()


@bp.route("/books/<ledgercode:book>/bank/match/<ledgerperiod:period>", methods=["POST"])
@requires(Action.MATCH_BANK_ROWS)
@bp.arguments(BankMatchBodySchema, arg_name="body", required=False)
@bp.response(200, BankMatchSchema)
@refusals(bp, *WRITE)
def match(book, period, body):
    """Match the month's unmatched rows to posted lines on the bank account: the same amount, within three days,
    the row's serial in the entry's summary preferred; one row to one line."""
    year, month = bank_service.parse_period(period)
    return unit_of_work().run(bank_service.match_month, readable_book(book), year, month, body.get("account", "1002"))
