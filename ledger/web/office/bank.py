"""The co-managed bank account (共管账户): statement import, matching, reconciliation."""
from __future__ import annotations

import base64
import binascii

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import login_required

from ...domain.bankfiles import StatementRefused
from ...domain.errors import LedgerError
from ...domain.permissions import Action
from ...services import bank as bank_service
from . import bp
from .common import flash_error, parse_period, say, seat

MAX_UPLOAD = bank_service.MAX_FILE_BYTES
# A refused file rides along in the layout form (base64, under werkzeug's 500 kB limit for a form field) so the
# treasurer need not choose it again; a larger one is chosen again in that form.
MAX_CARRY = 300_000


def _month(here) -> tuple[str, int, int]:
    label = request.values.get("period") or here.current_period
    ym = parse_period(label)
    if ym is None:
        abort(404)
    return f"{ym[0]:04d}-{ym[1]:02d}", ym[0], ym[1]


def _account(here):
    try:
        return bank_service.bank_account(here.session, here.book, request.values.get("account") or "1002")
    except LedgerError:
        abort(404)


def _page(here, result=None, refused=None, status=200, layout=None):
    label, year, month = _month(here)
    account = _account(here)
    views = bank_service.rows_of_month(here.session, here.book, account, year, month)
    return render_template("office/bank.html", book=here.book, seat=here, label=label, account=account, views=views,
                           result=result, refused=refused, layout=layout, fields=bank_service.FIELDS), status


def _problems(e: StatementRefused) -> list[str]:
    english = str(get_locale() or "zh_CN").startswith("en")
    return [p["en"] if english else p["zh"] for p in e.problems]


def _layout(here, header: list[str], filename: str, data: bytes | None, columns: dict | None = None,
            name: str = "") -> dict | None:
    """What the layout form needs, for those who may save a layout and import: the header found, a first guess at
    each field's column (or what was submitted), the file carried along when small, the layouts' names."""
    if not (here.can(Action.EDIT_BANK_PROFILES) and here.can(Action.IMPORT_BANK_STATEMENT)) or not header:
        return None
    profiles = bank_service.profiles_of(here.session, here.book)
    carried = base64.b64encode(data).decode() if data is not None and len(data) <= MAX_CARRY else ""
    return {"header": header, "filename": filename[:255], "carried": carried,
            "columns": columns if columns is not None else bank_service.suggest_columns(header, profiles),
            "name": name, "names": sorted({p.name for p in profiles})}


@bp.route("/books/<code>/bank")
@login_required
def bank(code: str):
    """The month's statement rows with their status; the upload, match and draft forms for those allowed."""
    here = seat(code, Action.READ_REGISTER)
    return _page(here)


@bp.route("/books/<code>/bank/import", methods=["POST"])
@login_required
def bank_import(code: str):
    here = seat(code, Action.IMPORT_BANK_STATEMENT)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a statement file (CSV or XLSX)."), "error")
        return redirect(url_for("office.bank", code=code))
    data = upload.stream.read(MAX_UPLOAD + 1)
    try:
        result = here.uow.run(bank_service.import_statement, here.book, upload.filename, data,
                              request.form.get("account") or "1002", request.form.get("profile") or None)
    except StatementRefused as e:
        layout = _layout(here, e.header or [], upload.filename, data) if e.unknown_layout else None
        return _page(here, refused=_problems(e), status=422, layout=layout)
    except LedgerError as e:
        flash_error(e)
        return redirect(url_for("office.bank", code=code))
    return _page(here, result=result)


@bp.route("/books/<code>/bank/layout", methods=["POST"])
@login_required
def bank_layout(code: str):
    """Save the layout the treasurer mapped from a refused file's header, and import the file with it."""
    here = seat(code, Action.EDIT_BANK_PROFILES)
    form = request.form
    header = [h for h in form.getlist("header") if h][:200]
    columns = {f: (form.get(f"col_{f}") or "").strip() for f in bank_service.FIELDS}
    name = (form.get("name") or "").strip()
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        filename, data = upload.filename, upload.stream.read(MAX_UPLOAD + 1)
    else:
        filename = (form.get("filename") or "statement.csv")[:255]
        try:
            data = base64.b64decode(form.get("carried") or "", validate=True)
        except (binascii.Error, ValueError):
            data = b""
    if not data:
        flash(_("Choose a statement file (CSV or XLSX)."), "error")
        return redirect(url_for("office.bank", code=code))
    if any(v and v not in header for v in columns.values()):
        return _page(here, refused=[_("Each field must name a column of the header found.")], status=422,
                     layout=_layout(here, header, filename, data, columns, name))
    try:
        result = here.uow.run(bank_service.save_profile_and_import, here.book, name, columns, filename, data,
                              form.get("account") or "1002")
    except StatementRefused as e:
        return _page(here, refused=_problems(e), status=422,
                     layout=_layout(here, e.header or header, filename, data, columns, name))
    except LedgerError as e:
        return _page(here, refused=[say(e)], status=422, layout=_layout(here, header, filename, data, columns, name))
    flash(_("Layout %(name)s saved.", name=name), "success")
    return _page(here, result=result)


@bp.route("/books/<code>/bank/match", methods=["POST"])
@login_required
def bank_match(code: str):
    here = seat(code, Action.MATCH_BANK_ROWS)
    label, year, month = _month(here)
    try:
        done = here.uow.run(bank_service.match_month, here.book, year, month, request.form.get("account") or "1002")
        flash(_("%(matched)s rows matched, %(unmatched)s still unmatched.", matched=done["matched"],
                unmatched=done["unmatched"]), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.bank", code=code, period=label))


@bp.route("/books/<code>/bank/draft", methods=["POST"])
@login_required
def bank_draft(code: str):
    here = seat(code, Action.MATCH_BANK_ROWS)
    label, _year, _month_no = _month(here)
    row = request.form.get("row", "")
    if not row.isdigit() or len(row) > 12:
        abort(404)
    try:
        entry = here.uow.run(bank_service.draft_entry, here.book, int(row), request.form.get("counter", ""),
                             request.form.get("fund") or "GEN")
    except LedgerError as e:
        flash_error(e)
        return redirect(url_for("office.bank", code=code, period=label))
    flash(_("A draft entry was made for the row; submit it for approval."), "success")
    return redirect(url_for("office.entry", code=code, entry_id=entry.id))


@bp.route("/books/<code>/bank/fee-payment", methods=["POST"])
@login_required
def bank_fee_payment(code: str):
    here = seat(code, Action.MATCH_BANK_ROWS)
    label, _year, _month_no = _month(here)
    row = request.form.get("row", "")
    if not row.isdigit() or len(row) > 12:
        abort(404)
    try:
        entry = here.uow.run(bank_service.fee_payment_from_row, here.book, int(row), request.form.get("unit", ""))
    except LedgerError as e:
        flash_error(e)
        return redirect(url_for("office.bank", code=code, period=label))
    flash(_("The row is booked as a fee payment and awaits approval."), "success")
    return redirect(url_for("office.entry", code=code, entry_id=entry.id))


@bp.route("/books/<code>/bank/reconcile")
@login_required
def bank_reconcile(code: str):
    here = seat(code, Action.READ_REGISTER)
    label, year, month = _month(here)
    account = _account(here)
    try:
        rec = bank_service.reconcile(here.session, here.user, here.book, year, month, account.code)
    except LedgerError as e:
        abort(e.status if hasattr(e, "status") else 400, say(e))
    return render_template("office/bank_reconcile.html", book=here.book, seat=here, label=label, rec=rec)
