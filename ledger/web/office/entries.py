"""Entering, approving, rejecting, reversing and flagging entries."""
from __future__ import annotations

import datetime as dt
import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ...db.schema import Entry, VoucherWaiver
from ...domain.errors import LedgerError
from ...domain.model import EntryInput, line_from_parts
from ...domain.permissions import Action
from ...services import books as book_service, entries, flags, periods
from ...domain.money import fen_to_str
from ...domain.model import parse_date
from . import bp
from .common import flash_error, say, seat

MAX_ROWS = 60


def _form_rows(form) -> list[dict]:
    """The line rows as typed, in form order; a row is kept if anything was typed in it."""
    rows = []
    for i in range(MAX_ROWS):
        row = {k: (form.get(f"{k}-{i}") or "").strip() for k in ("account", "fund", "debit", "credit", "note")}
        if any(row.values()):
            rows.append(row)
    return rows


def _parse_entry(form) -> tuple[EntryInput | None, list[dict], dict]:
    """An EntryInput from the form, or the rows back with the errors to show beside them."""
    rows = _form_rows(form)
    errors: dict[str, str] = {}
    lines = []
    try:
        date = parse_date(form.get("date", ""))
    except LedgerError as e:
        errors["date"] = say(e)
        date = None
    for i, row in enumerate(rows):
        try:
            # "1002 银行存款—共管账户" picked from the list: the code is the first word.
            lines.append(line_from_parts(i, row["account"].split(" ")[0], row["fund"].split(" ")[0],
                                         row["debit"], row["credit"], None, row["note"]))
        except LedgerError as e:
            errors[_row_of(e.field)] = say(e)
    if errors or date is None:
        return None, rows, errors
    key = (form.get("idempotency_key") or "").strip() or None
    return EntryInput(date=date, summary=form.get("summary", ""), lines=tuple(lines), idempotency_key=key), rows, errors


def _row_of(field: str | None) -> str:
    """lines[3].debit -> 'row-3'; other fields keep their name, so the page puts the message beside them."""
    if field and field.startswith("lines[") and "]" in field:
        return "row-" + field[len("lines["): field.index("]")]
    return field or "form"


def _render_form(here, rows, errors, entry=None, values=None, status=200):
    values = values or {}
    rows = rows + [{"account": "", "fund": "", "debit": "", "credit": "", "note": ""}] * max(0, 4 - len(rows))
    return render_template(
        "office/entry_form.html", book=here.book, seat=here, entry=entry, rows=rows, errors=errors, values=values,
        accounts=book_service.accounts_of(here.session, here.book, include_inactive=False),
        funds=[f for f in book_service.funds_of(here.session, here.book) if f.active], today=dt.date.today().isoformat(),
    ), status


def _save(here, entry=None):
    """Create or update from the posted form; submit when asked. Returns a response."""
    data, rows, errors = _parse_entry(request.form)
    values = {"date": request.form.get("date", ""), "summary": request.form.get("summary", ""),
              "idempotency_key": request.form.get("idempotency_key", "")}
    action = request.form.get("action", "draft")
    if data is None:
        return _render_form(here, rows, errors, entry, values, 422)
    try:
        if entry is None:
            entry = entries.create_entry(here.session, here.user, here.book, data)
        else:
            entry = entries.update_draft(here.session, here.user, here.book, entry, data)
        if action in ("submit", "submit_new"):
            entries.submit_entry(here.session, here.user, here.book, entry)
        here.session.commit()
    except LedgerError as e:
        here.session.rollback()
        errors[_row_of(e.field)] = say(e)
        return _render_form(here, rows, errors, None if entry is None or entry.id is None else entry, values, 422)
    flash(_("Submitted for approval.") if action.startswith("submit") else _("Saved as a draft."))
    if action == "submit_new":
        return redirect(url_for("office.new_entry", code=here.book.code))
    return redirect(url_for("office.entry", code=here.book.code, entry_id=entry.id))


@bp.route("/books/<code>/entries/new", methods=["GET", "POST"])
@login_required
def new_entry(code: str):
    here = seat(code, Action.MAKE_ENTRY)
    if request.method == "POST":
        return _save(here)
    # A key per form: pressing "save" twice, or the browser resending, books it once.
    return _render_form(here, [], {}, values={"date": dt.date.today().isoformat(), "idempotency_key": uuid.uuid4().hex})


def _entry(here, entry_id: int):
    try:
        return entries.get_entry(here.session, here.book, entry_id)
    except LedgerError:
        abort(404)


@bp.route("/books/<code>/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(code: str, entry_id: int):
    here = seat(code, Action.MAKE_ENTRY)
    entry = _entry(here, entry_id)
    if request.method == "POST":
        return _save(here, entry)
    rows = [{"account": l.account.code, "fund": l.fund.code, "debit": _plain(l.amount_fen) if l.amount_fen > 0 else "",
             "credit": _plain(-l.amount_fen) if l.amount_fen < 0 else "", "note": l.note} for l in entry.lines]
    return _render_form(here, rows, {}, entry, {"date": entry.date.isoformat(), "summary": entry.summary})


def _plain(fen: int) -> str:
    return fen_to_str(fen)


@bp.route("/books/<code>/entries/<int:entry_id>")
@login_required
def entry(code: str, entry_id: int):
    here = seat(code)
    e = _entry(here, entry_id)
    waivers = list(here.session.scalars(select(VoucherWaiver).where(VoucherWaiver.entry_id == e.id)))
    return render_template(
        "office/entry.html", book=here.book, seat=here, entry=e, needed=entries.approvals_needed(here.book, e),
        flags=flags.flags_of(here.session, here.book, entry_id=e.id), waivers=waivers,
        is_expense=any(l.account.type == "expense" and l.amount_fen > 0 for l in e.lines),
        can_upload=here.can(Action.ATTACH_VOUCHER, e), can_see_originals=here.can(Action.SEE_ORIGINALS),
    )


def _act(code: str, entry_id: int, do, done_message: str):
    # Any reader may press; the service decides and says why not (who may approve is a rule, not a page's).
    here = seat(code)
    e = _entry(here, entry_id)
    try:
        result = do(here, e)
        here.session.commit()
    except LedgerError as err:
        here.session.rollback()
        flash_error(err)
        return redirect(url_for("office.entry", code=code, entry_id=entry_id))
    flash(done_message)
    # A reversal is a new entry: show it; every other action stays on this entry's page.
    target = result.id if isinstance(result, Entry) else entry_id
    return redirect(url_for("office.entry", code=code, entry_id=target))


@bp.route("/books/<code>/entries/<int:entry_id>/submit", methods=["POST"])
@login_required
def submit_entry(code: str, entry_id: int):
    return _act(code, entry_id, lambda h, e: entries.submit_entry(h.session, h.user, h.book, e),
                _("Submitted for approval."))


@bp.route("/books/<code>/entries/<int:entry_id>/approve", methods=["POST"])
@login_required
def approve_entry(code: str, entry_id: int):
    return _act(code, entry_id, lambda h, e: entries.approve_entry(h.session, h.user, h.book, e),
                _("Approved."))


@bp.route("/books/<code>/entries/<int:entry_id>/reject", methods=["POST"])
@login_required
def reject_entry(code: str, entry_id: int):
    return _act(code, entry_id, lambda h, e: entries.reject_entry(h.session, h.user, h.book, e, request.form.get("reason", "")),
                _("Returned to its maker."))


@bp.route("/books/<code>/entries/<int:entry_id>/reverse", methods=["POST"])
@login_required
def reverse_entry(code: str, entry_id: int):
    def do(h, e):
        date = None
        if request.form.get("date"):
            date = parse_date(request.form["date"])
        return entries.reverse_entry(h.session, h.user, h.book, e, date=date)

    return _act(code, entry_id, do, _("The reversing entry is waiting for approval."))


@bp.route("/books/<code>/entries/<int:entry_id>/delete", methods=["POST"])
@login_required
def delete_entry(code: str, entry_id: int):
    here = seat(code)
    e = _entry(here, entry_id)
    try:
        entries.delete_draft(here.session, here.user, here.book, e)
        here.session.commit()
    except LedgerError as err:
        here.session.rollback()
        flash_error(err)
        return redirect(url_for("office.entry", code=code, entry_id=entry_id))
    flash(_("Draft deleted."))
    return redirect(url_for("office.journal", code=code, status="draft"))


@bp.route("/books/<code>/entries/<int:entry_id>/waive", methods=["POST"])
@login_required
def waive_voucher(code: str, entry_id: int):
    return _act(code, entry_id, lambda h, e: periods.waive_voucher(h.session, h.user, h.book, e, request.form.get("reason", "")),
                _("Reason recorded."))


@bp.route("/books/<code>/entries/<int:entry_id>/flag", methods=["POST"])
@login_required
def flag_entry(code: str, entry_id: int):
    return _act(code, entry_id, lambda h, e: flags.raise_flag(h.session, h.user, h.book, e, request.form.get("comment", "")),
                _("Flag raised."))


@bp.route("/books/<code>/flags/<int:flag_id>/answer", methods=["POST"])
@login_required
def answer_flag(code: str, flag_id: int):
    here = seat(code)
    try:
        flag = flags.get_flag(here.session, here.book, flag_id)
        flags.answer_flag(here.session, here.user, here.book, flag, request.form.get("answer", ""))
        here.session.commit()
    except LedgerError as err:
        here.session.rollback()
        flash_error(err)
        return redirect(request.referrer or url_for("office.flags_list", code=code))
    flash(_("Answer recorded."))
    return redirect(url_for("office.entry", code=code, entry_id=flag.entry_id))


@bp.route("/books/<code>/approvals")
@login_required
def approvals(code: str):
    here = seat(code)
    return render_template("office/approvals.html", book=here.book, seat=here,
                           entries=entries.pending_approvals(here.session, here.book))
