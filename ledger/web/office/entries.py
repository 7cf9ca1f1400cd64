"""Entering, approving, rejecting, reversing and flagging entries."""
from __future__ import annotations

import datetime as dt
import uuid

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.exceptions import RequestEntityTooLarge

from ...db.schema import Entry
from ...domain.errors import LedgerError
from ...domain.model import EntryInput, line_from_parts
from ...domain.permissions import Action, this_submission
from ...services import books as book_service, entries, flags, periods, vouchers
from ...domain.money import fen_to_str, to_fen
from ...domain.model import parse_date
from ...work import upload_limits, uploads
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


def _pick(text: str, items) -> tuple[str | None, list[str]]:
    """The code of what was typed: a code, "code name" picked from the list, or an exact name (zh or en).

    Returns (code, []) when one thing is meant, (None, codes) when a name fits several, (None, []) when nothing."""
    text = " ".join(text.split())
    by_code = {i.code: i for i in items}
    if text in by_code:
        return text, []
    first = text.split(" ")[0]
    if first in by_code:  # "1002 银行存款—共管账户" chosen from the list
        return first, []
    folded = text.casefold()
    named = [i for i in items if folded in (i.name_zh.casefold(), (i.name_en or "").casefold())]
    codes = sorted({i.code for i in named})
    if len(codes) > 1:  # a name kept by a deactivated account and an active one means the active one
        active = sorted({i.code for i in named if i.active})
        codes = active if len(active) == 1 else codes
    return (codes[0], []) if len(codes) == 1 else (None, codes)


def _parse_entry(here, form) -> tuple[EntryInput | None, list[dict], dict]:
    """An EntryInput from the form, or the rows back with a message beside each bad field.

    Accounts and funds are resolved to their codes here, field by field, before the service sees the
    entry: a fund nobody has must be said beside that fund, not as a fund that does not balance."""
    rows = _form_rows(form)
    errors: dict[str, str] = {}
    lines = []
    try:
        date = parse_date(form.get("date", ""))
    except LedgerError as e:
        errors["date"] = say(e)
        date = None
    accounts = book_service.accounts_of(here.session, here.book, include_inactive=True)
    funds = book_service.funds_of(here.session, here.book)
    for i, row in enumerate(rows):
        bad = {}
        account, several = _pick(row["account"], accounts) if row["account"] else (None, [])
        if not row["account"]:
            bad["account"] = _("Choose an account.")
        elif several:
            bad["account"] = _("“%(name)s” is the name of several accounts (%(codes)s): type the code.",
                               name=row["account"], codes=", ".join(several))
        elif account is None:
            bad["account"] = _("Book %(book)s has no account “%(account)s”.", book=here.book.code, account=row["account"])
        fund, several = _pick(row["fund"], funds) if row["fund"] else (None, [])
        if not row["fund"]:
            bad["fund"] = _("Choose a fund.")
        elif several:
            bad["fund"] = _("“%(name)s” is the name of several funds (%(codes)s): type the code.",
                            name=row["fund"], codes=", ".join(several))
        elif fund is None:
            bad["fund"] = _("Unknown fund: book %(book)s has no fund “%(fund)s”.", book=here.book.code, fund=row["fund"])
        for side in ("debit", "credit"):
            if row[side]:
                try:
                    to_fen(row[side], f"lines[{i}].{side}")
                except LedgerError as e:  # "12.345", "1200元": said beside the amount, not as an unbalanced entry
                    bad[side] = say(e)
        if not bad:
            try:
                lines.append(line_from_parts(i, account, fund, row["debit"], row["credit"], None, row["note"]))
            except LedgerError as e:
                bad[_field_key(e.field, rows).split("-")[0]] = say(e)
        for name, message in bad.items():
            errors[f"{name}-{i}"] = message
    if errors or date is None:
        return None, rows, errors
    key = (form.get("idempotency_key") or "").strip() or None
    return EntryInput(date=date, summary=form.get("summary", ""), lines=tuple(lines), idempotency_key=key), rows, errors


FIELDS = ("account", "fund", "debit", "credit", "note")


def _field_key(field: str | None, rows: list[dict]) -> str:
    """Where the page shows a refusal: lines[3].debit -> 'debit-3', beside that field; an amount that is
    missing or zero goes beside the amount typed; date, summary, lines and file keep their name; the rest
    is said above the form."""
    if field and field.startswith("lines[") and "]" in field:
        index = field[len("lines["): field.index("]")]
        name = field[field.index("]") + 2:] if "]." in field else ""
        if name == "amount" or name not in FIELDS:
            row = rows[int(index)] if index.isdigit() and int(index) < len(rows) else {}
            name = "credit" if row.get("credit") and not row.get("debit") else "debit"
        return f"{name}-{index}"
    return field if field in ("date", "summary", "lines", "file") else "form"


def _chosen_files() -> list:
    """The files picked in the form's two voucher fields (camera and file picker); empty parts are none."""
    return [f for f in request.files.getlist("file") if f and f.filename]


def _prepare_vouchers(here, entry, files) -> tuple[list, list[str]]:
    """Check and decode the chosen files (the voucher service; no transaction is held while it decodes):
    (prepared files, refusals to show beside the file field)."""
    try:
        prepared, refused = vouchers.prepare_uploads(here.uow, here.book, entry, uploads(files), upload_limits(),
                                                     all_or_nothing=False)
    except LedgerError as e:  # too many files, or this user may not attach to this entry
        return [], [say(e)]
    return prepared, [say(e) for e in refused]


def _render_form(here, rows, errors, entry=None, values=None, status=200):
    values = values or {}
    rows = rows + [{"account": "", "fund": "", "debit": "", "credit": "", "note": ""}] * max(0, 4 - len(rows))
    shown = {f"{name}-{i}" for i in range(len(rows)) for name in FIELDS} | {"date", "summary", "lines", "file"}
    return render_template(
        "office/entry_form.html", book=here.book, seat=here, entry=entry, rows=rows, errors=errors, values=values,
        elsewhere=[m for k, m in errors.items() if k not in shown],
        can_attach=here.can(Action.ATTACH_VOUCHER, entry) if entry is not None else here.can(Action.ATTACH_VOUCHER),
        # The vouchers already attached are shown below the form, which is where new ones are added.
        can_upload=False, can_see_originals=here.can(Action.SEE_ORIGINALS),
        accounts=book_service.accounts_of(here.session, here.book, include_inactive=False),
        funds=[f for f in book_service.funds_of(here.session, here.book) if f.active], today=dt.date.today().isoformat(),
    ), status


def _rows_of(entry) -> list[dict]:
    return [{"account": l.account.code, "fund": l.fund.code, "debit": _plain(l.amount_fen) if l.amount_fen > 0 else "",
             "credit": _plain(-l.amount_fen) if l.amount_fen < 0 else "", "note": l.note} for l in entry.lines]


def _save(here, entry=None):
    """Create or update from the posted form with the vouchers chosen in it; submit when asked.

    A refused file never loses the entry: it is saved as a draft with the files that were accepted,
    and the form comes back with the refusal beside the file field."""
    data, rows, errors = _parse_entry(here, request.form)
    values = {"date": request.form.get("date", ""), "summary": request.form.get("summary", ""),
              "idempotency_key": request.form.get("idempotency_key", "")}
    action = request.form.get("action", "draft")
    files = _chosen_files()
    again = _("The files you chose were not saved: correct the entry, then choose them again.")
    if data is None:
        if files:
            errors["file"] = again
        return _render_form(here, rows, errors, entry, values, 422)
    original = entry
    prepared, refused = _prepare_vouchers(here, entry, files) if files else ([], [])
    try:
        entry, not_taken = entries.save_with_vouchers(here.uow, here.book, entry, data, prepared,
                                                      submit=action in ("submit", "submit_new") and not refused)
        refused += [say(e) for e in not_taken]
    except LedgerError as e:
        errors[_field_key(e.field, rows)] = say(e)
        if files:
            errors.setdefault("file", again)
        return _render_form(here, rows, errors, original, values, 422)
    if refused:
        flash(_("Saved as a draft, but a file was refused: see beside the file field."), "warning")
        return _render_form(here, _rows_of(entry), {"file": " ".join(refused)}, entry,
                            {"date": entry.date.isoformat(), "summary": entry.summary})
    flash(_("Submitted for approval.") if action.startswith("submit") else _("Saved as a draft."), "success")
    if action == "submit_new":
        return redirect(url_for("office.new_entry", code=here.book.code))
    return redirect(url_for("office.entry", code=here.book.code, entry_id=entry.id))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_e):
    """More than the app takes in one request (phone photos add up): nothing was saved; say so on the form."""
    size = vouchers.human_size(current_app.config["MAX_CONTENT_LENGTH"])
    flash(_("Nothing was saved: the files chosen come to more than %(size)s together. Send fewer at once.", size=size),
          "error")
    if request.endpoint in ("office.new_entry", "office.edit_entry"):
        return redirect(url_for(request.endpoint, **(request.view_args or {})), 303)
    return _("The request is too large."), 413


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
    return _render_form(here, _rows_of(entry), {}, entry, {"date": entry.date.isoformat(), "summary": entry.summary})


def _plain(fen: int) -> str:
    return fen_to_str(fen)


@bp.route("/books/<code>/entries/<int:entry_id>")
@login_required
def entry(code: str, entry_id: int):
    here = seat(code)
    e = _entry(here, entry_id)
    waivers = periods.waivers_of(here.session, e)
    return render_template(
        "office/entry.html", book=here.book, seat=here, entry=e, needed=entries.approvals_needed(here.book, e),
        counted=this_submission(e),
        flags=flags.flags_of(here.session, here.book, entry_id=e.id), waivers=waivers,
        is_expense=any(l.account.type == "expense" and l.amount_fen > 0 for l in e.lines),
        can_upload=here.can(Action.ATTACH_VOUCHER, e), can_see_originals=here.can(Action.SEE_ORIGINALS),
    )


def _act(code: str, entry_id: int, operation, done_message: str, *args):
    """Run `operation(session, actor, book, entry, *args)` as one unit of work; say how it went.

    Any reader may press; the service decides and says why not (who may approve is a rule, not a page's)."""
    here = seat(code)
    e = _entry(here, entry_id)
    try:
        result = here.uow.run(operation, here.book, e, *args)
    except LedgerError as err:
        flash_error(err)
        return redirect(url_for("office.entry", code=code, entry_id=entry_id))
    flash(done_message, "success")
    # A reversal is a new entry: show it; every other action stays on this entry's page.
    target = result.id if isinstance(result, Entry) else entry_id
    return redirect(url_for("office.entry", code=code, entry_id=target))


@bp.route("/books/<code>/entries/<int:entry_id>/submit", methods=["POST"])
@login_required
def submit_entry(code: str, entry_id: int):
    return _act(code, entry_id, entries.submit_entry, _("Submitted for approval."))


@bp.route("/books/<code>/entries/<int:entry_id>/approve", methods=["POST"])
@login_required
def approve_entry(code: str, entry_id: int):
    return _act(code, entry_id, entries.approve_entry, _("Approved."))


@bp.route("/books/<code>/entries/<int:entry_id>/reject", methods=["POST"])
@login_required
def reject_entry(code: str, entry_id: int):
    return _act(code, entry_id, entries.reject_entry, _("Returned to its maker."), request.form.get("reason", ""))


@bp.route("/books/<code>/entries/<int:entry_id>/reverse", methods=["POST"])
@login_required
def reverse_entry(code: str, entry_id: int):
    # Irreversible: only with the box "I confirm" ticked and a reason, which the reversal keeps.
    reason = (request.form.get("reason") or "").strip()
    if request.form.get("confirm") != "yes" or not reason:
        seat(code)  # who may not read the book is refused as before
        flash(_("Nothing was reversed: give the reason and tick “I confirm” first."), "error")
        return redirect(url_for("office.entry", code=code, entry_id=entry_id, confirm="reverse"))

    def reverse(session, actor, book, entry):
        date = parse_date(request.form["date"]) if request.form.get("date") else None
        return entries.reverse_entry(session, actor, book, entry, date=date, reason=reason)

    return _act(code, entry_id, reverse, _("The reversing entry is waiting for approval."))


@bp.route("/books/<code>/entries/<int:entry_id>/delete", methods=["POST"])
@login_required
def delete_entry(code: str, entry_id: int):
    here = seat(code)
    e = _entry(here, entry_id)
    try:
        here.uow.run(entries.delete_draft, here.book, e)
    except LedgerError as err:
        flash_error(err)
        return redirect(url_for("office.entry", code=code, entry_id=entry_id))
    flash(_("Draft deleted."), "success")
    return redirect(url_for("office.journal", code=code, status="draft"))


@bp.route("/books/<code>/entries/<int:entry_id>/waive", methods=["POST"])
@login_required
def waive_voucher(code: str, entry_id: int):
    return _act(code, entry_id, periods.waive_voucher, _("Reason recorded."), request.form.get("reason", ""))


@bp.route("/books/<code>/entries/<int:entry_id>/flag", methods=["POST"])
@login_required
def flag_entry(code: str, entry_id: int):
    return _act(code, entry_id, flags.raise_flag, _("Flag raised."), request.form.get("comment", ""))



@bp.route("/books/<code>/approvals")
@login_required
def approvals(code: str):
    here = seat(code)
    return render_template("office/approvals.html", book=here.book, seat=here,
                           entries=entries.pending_approvals(here.session, here.book))
