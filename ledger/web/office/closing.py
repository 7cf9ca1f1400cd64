"""Month-end: the close checklist, the bank statement balance, closing; the flags list."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ...domain.errors import LedgerError
from ...domain.money import to_fen
from ...services import books as book_service, flags, periods
from . import bp
from .common import flash_error, parse_period, seat


def _period(value: str) -> tuple[int, int]:
    ym = parse_period(value)
    if ym is None:
        abort(404)
    return ym


@bp.route("/books/<code>/periods/<period>")
@login_required
def period(code: str, period: str):
    here = seat(code)
    year, month = _period(period)
    check = periods.checklist(here.session, here.book, year, month)  # reads only: a month never used stays unsaved
    # A month with no row has no entries, so no flags; flags_of(period_id=None) would mean "every flag".
    month_flags = [] if check.period.id is None else flags.flags_of(here.session, here.book, period_id=check.period.id)
    return render_template("office/period.html", book=here.book, seat=here, check=check, label=period, flags=month_flags)


@bp.route("/books/<code>/periods/<period>/bank", methods=["POST"])
@login_required
def bank_balance(code: str, period: str):
    here = seat(code)
    year, month = _period(period)
    try:
        periods.record_bank_balance(here.session, here.user, here.book, year, month, request.form.get("account", ""),
                                    to_fen(request.form.get("balance", ""), "balance"))
        here.session.commit()
        flash(_("Bank statement balance recorded."))
    except LedgerError as e:
        here.session.rollback()
        flash_error(e)
    return redirect(url_for("office.period", code=code, period=period))


@bp.route("/books/<code>/periods/<period>/close", methods=["POST"])
@login_required
def close(code: str, period: str):
    here = seat(code)
    year, month = _period(period)
    try:
        periods.close_period(here.session, here.user, here.book, year, month)
        here.session.commit()
        flash(_("Period %(period)s is closed.", period=period))
    except LedgerError as e:
        here.session.rollback()
        flash_error(e)
    return redirect(url_for("office.period", code=code, period=period))


@bp.route("/books/<code>/flags")
@login_required
def flags_list(code: str):
    here = seat(code)
    ym = parse_period(request.args.get("period"))
    period_row = periods.find_period(here.session, here.book, *ym) if ym else None
    if ym and period_row is None:
        found = []  # a month nobody has used has no entries, hence no flags (period_id=None would mean all of them)
    else:
        found = flags.flags_of(here.session, here.book, period_id=period_row.id if period_row else None,
                               open_only=request.args.get("open") == "1")
    return render_template("office/flags.html", book=here.book, seat=here, flags=found,
                           periods=periods.periods_of(here.session, here.book), args=request.args,
                           accounts=book_service.accounts_of(here.session, here.book))
