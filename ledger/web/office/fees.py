"""Fees: rates, the monthly billing run, payments, arrears and the collection rate (物业费)."""
from __future__ import annotations

import datetime as dt

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import login_required
from sqlalchemy import select

from ...db.schema import Entry, EntryUnit
from ...domain.errors import LedgerError
from ...domain.fees import parse_rate, rate_to_str
from ...domain.model import BookKind, parse_date
from ...domain.money import to_fen
from ...domain.permissions import Action
from ...services import billing
from . import bp
from .common import flash_error, parse_date_arg, parse_period, seat


def _trust_seat(code: str, action: Action = Action.READ_BOOK):
    here = seat(code, action)
    if here.book.kind != BookKind.TRUST.value:
        abort(404)
    return here


@bp.route("/books/<code>/fees")
@login_required
def fees(code: str):
    here = _trust_seat(code)
    runs = here.session.execute(
        select(Entry, EntryUnit.billed_year, EntryUnit.billed_month).join(EntryUnit, EntryUnit.entry_id == Entry.id)
        .where(Entry.book_id == here.book.id, Entry.source == "billing", EntryUnit.billed_year.is_not(None))
        .distinct().order_by(EntryUnit.billed_year.desc(), EntryUnit.billed_month.desc(), Entry.id.desc())).all()
    seen, shown = set(), []
    for entry, year, month in runs:
        if entry.id not in seen:
            seen.add(entry.id)
            billed = -sum(l.amount_fen for l in entry.lines if l.account.code == "4101")
            shown.append((f"{year:04d}-{month:02d}", entry, billed))
    return render_template("office/fees.html", book=here.book, seat=here, rates=billing.rates_of(here.session, here.book),
                           rate_text=rate_to_str, runs=shown, period=here.current_period, today=dt.date.today(),
                           payments=billing.recent_payments(here.session, here.user, here.book)
                           if here.can(Action.READ_ARREARS) else None)


@bp.route("/books/<code>/fees/rates", methods=["POST"])
@login_required
def fees_rate(code: str):
    here = _trust_seat(code, Action.KEEP_FEE_RATES)
    form = request.form
    try:
        basis = form.get("basis", "")
        rate = parse_rate(form.get("rate", ""), "rate")
        here.uow.run(billing.set_rate, here.book, form.get("use", ""), basis, rate, parse_date(form.get("from", ""), "from"))
        flash(_("The rate is recorded."), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.fees", code=code))


@bp.route("/books/<code>/fees/run", methods=["POST"])
@login_required
def fees_run(code: str):
    here = _trust_seat(code, Action.RUN_BILLING)
    ym = parse_period(request.form.get("period", ""))
    if ym is None:
        flash(_("Choose a month as YYYY-MM."), "error")
        return redirect(url_for("office.fees", code=code))
    try:
        result = here.uow.run(billing.run_billing, here.book, *ym)
        zh, en = result.message
        flash(en if str(get_locale() or "zh_CN").startswith("en") else zh, "success" if result.created else "info")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.fees", code=code))


@bp.route("/books/<code>/fees/payments", methods=["POST"])
@login_required
def fees_pay(code: str):
    here = _trust_seat(code, Action.RECORD_PAYMENT)
    form = request.form
    try:
        fen = to_fen(form.get("amount", ""), "amount")
        result = here.uow.run(billing.record_payment, here.book, form.get("unit", ""), fen,
                              parse_date(form.get("date", ""), "date"), form.get("channel", ""), form.get("reference", ""))
        flash(_("Payment recorded for %(unit)s and submitted for approval.", unit=result.unit), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.fees", code=code))


LONG_LIST = 100  # units; above this the arrears page lists only units with fees open unless asked


@bp.route("/books/<code>/fees/arrears")
@login_required
def fees_arrears(code: str):
    here = _trust_seat(code)
    as_of = parse_date_arg(request.args.get("as_of")) or dt.date.today()
    per_unit = here.can(Action.READ_ARREARS)
    try:
        doc = billing.arrears(here.session, here.user, here.book, as_of, per_unit=per_unit)
    except LedgerError:
        abort(404)
    coded = set()
    if per_unit and here.can(Action.ISSUE_ACCESS_CODES):
        from ...services import unit_access

        coded = unit_access.coded_labels(here.session, here.book)
    # A compound of hundreds of units is too long a table for a phone: by default it lists the units with something
    # open; one building, or all of them, on request.
    listing = request.args.get("units") or ("open" if len(doc.get("units", ())) > LONG_LIST else "all")
    building = request.args.get("building") or ""
    if per_unit:
        doc["all_units"] = len(doc["units"])
        if building:
            doc["units"] = [u for u in doc["units"] if u["building"] == building]
        elif listing == "open":
            doc["units"] = [u for u in doc["units"] if u["total"] != "0.00"]
    return render_template("office/fees_arrears.html", book=here.book, seat=here, doc=doc, as_of=as_of, coded=coded,
                           listing=listing, building=building)


@bp.route("/books/<code>/fees/reminder.pdf")
@login_required
def fees_reminder(code: str):
    """One unit's payment reminder (?unit=3-1201&as_of=...), for those who may read per-unit arrears."""
    here = _trust_seat(code, Action.READ_ARREARS)
    unit = request.args.get("unit", "")
    try:
        pdf = billing.reminder_pdf(here.session, here.user, here.book, unit, parse_date_arg(request.args.get("as_of")))
    except LedgerError:
        abort(404)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=reminder-{here.book.code}.pdf"})
