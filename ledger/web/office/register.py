"""The units and owners register (房屋与业主) and owners' resolutions (业主大会决定)."""
from __future__ import annotations

import datetime as dt

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ...domain.errors import LedgerError, NotFound
from ...domain.money import to_fen
from ...domain.permissions import Action
from ...services import entries, register, resolutions
from . import bp
from .common import flash_error, seat

_TYPES = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _upload() -> tuple[bytes, str] | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file first."), "error")
        return None
    return upload.read(register.MAX_BYTES + 1), upload.filename


@bp.route("/books/<code>/units")
@login_required
def units(code: str):
    here = seat(code, Action.READ_REGISTER)
    rows = register.listing(here.session, here.user, here.book)
    return render_template("office/units.html", book=here.book, seat=here, rows=rows,
                           totals=register.totals(here.session, here.book),
                           off=register.off_register(here.session, here.book),
                           next_month=(dt.date.today().replace(day=1) + dt.timedelta(days=32)).replace(day=1))


def _unit_status(code: str, active: bool):
    here = seat(code, Action.KEEP_REGISTER)
    form = request.form
    unit = (form.get("unit") or "").strip()
    try:
        change = here.uow.run(register.set_unit_active, here.book, unit, active, (form.get("from") or "").strip(),
                              form.get("reason", ""))
        message = (_("%(unit)s is back on the register from %(day)s.", unit=unit, day=change.effective_from.isoformat())
                   if active else
                   _("%(unit)s is off the register from %(day)s: it is no longer billed, has no vote and its access "
                     "code is revoked.", unit=unit, day=change.effective_from.isoformat()))
        flash(message, "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.units", code=code))


@bp.route("/books/<code>/units/deactivate", methods=["POST"])
@login_required
def units_deactivate(code: str):
    return _unit_status(code, False)


@bp.route("/books/<code>/units/reactivate", methods=["POST"])
@login_required
def units_reactivate(code: str):
    return _unit_status(code, True)


@bp.route("/books/<code>/units/import", methods=["POST"])
@login_required
def units_import(code: str):
    here = seat(code, Action.KEEP_REGISTER)
    got = _upload()
    if got is not None:
        try:
            result = here.uow.run(register.import_units, here.book, *got)
            flash(_("Register imported: %(added)s units added, %(updated)s updated, %(unchanged)s unchanged.",
                    added=result.added, updated=result.updated, unchanged=result.unchanged), "success")
        except LedgerError as e:
            flash_error(e)
    return redirect(url_for("office.units", code=code))


@bp.route("/books/<code>/units.<fmt>")
@login_required
def units_export(code: str, fmt: str):
    if fmt not in _TYPES:
        abort(404)
    here = seat(code, Action.READ_REGISTER)
    data = here.uow.run(register.export_register, here.book, fmt)
    return Response(data, mimetype=_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{here.book.code}-units.{fmt}"', "Cache-Control": "no-store"})


@bp.route("/books/<code>/resolutions")
@login_required
def resolutions_page(code: str):
    here = seat(code)
    items = [(r, resolutions.tally_of(r)) for r in resolutions.resolutions_of(here.session, here.book)]
    return render_template("office/resolutions.html", book=here.book, seat=here, items=items,
                           today=dt.date.today().isoformat())


@bp.route("/books/<code>/resolutions/<int:resolution_id>")
@login_required
def resolution(code: str, resolution_id: int):
    here = seat(code)
    try:
        found = resolutions.get_resolution(here.session, here.book, resolution_id)
    except NotFound:
        abort(404)
    # How each unit voted is for those who may read the register.
    votes = resolutions.votes_of(here.session, found) if here.can(Action.READ_REGISTER) else None
    return render_template("office/resolution.html", book=here.book, seat=here, r=found,
                           t=resolutions.tally_of(found), votes=votes)


@bp.route("/books/<code>/resolutions/record", methods=["POST"])
@login_required
def resolution_record(code: str):
    here = seat(code, Action.RECORD_RESOLUTION)
    got = _upload()
    if got is None:
        return redirect(url_for("office.resolutions_page", code=code))
    try:
        held_on = dt.date.fromisoformat(request.form.get("held_on", ""))
    except ValueError:
        flash(_("Give the date the meeting was held."), "error")
        return redirect(url_for("office.resolutions_page", code=code))
    try:
        r = here.uow.run(resolutions.record, here.book, request.form.get("title", ""), request.form.get("matter", ""),
                         held_on, *got)
    except LedgerError as e:
        flash_error(e)
        return redirect(url_for("office.resolutions_page", code=code))
    flash(_("Resolution recorded: it passed.") if r.status == "passed" else _("Resolution recorded: it did not pass."),
          "success" if r.status == "passed" else "warning")
    return redirect(url_for("office.resolution", code=code, resolution_id=r.id))


@bp.route("/books/<code>/resolutions/threshold", methods=["POST"])
@login_required
def resolution_threshold(code: str):
    here = seat(code, Action.RECORD_RESOLUTION)
    raw = (request.form.get("amount") or "").strip()
    try:
        fen = to_fen(raw, "amount") if raw else None
        here.uow.run(resolutions.set_threshold, here.book, fen)
        flash(_("Expense threshold saved.") if fen is not None else _("Expense threshold removed."), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.resolutions_page", code=code))


@bp.route("/books/<code>/resolutions/<int:resolution_id>/link", methods=["POST"])
@login_required
def resolution_link(code: str, resolution_id: int):
    """A maker references this resolution from a draft or rejected entry of theirs (the service decides who may)."""
    here = seat(code)
    raw = (request.form.get("entry_id") or "").strip().lstrip("#")
    if not raw.isdigit() or len(raw) > 9:
        flash(_("Give the entry's number as shown on it (#123)."), "error")
        return redirect(url_for("office.resolution", code=code, resolution_id=resolution_id))
    try:
        entry = entries.get_entry(here.session, here.book, int(raw))
        here.uow.run(resolutions.link, here.book, entry, resolution_id)
    except LedgerError as e:
        flash_error(e)
        return redirect(url_for("office.resolution", code=code, resolution_id=resolution_id))
    flash(_("The entry now references this resolution."), "success")
    return redirect(url_for("office.entry", code=code, entry_id=int(raw)))
