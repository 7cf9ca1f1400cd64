"""The trustee's remuneration (酬金), the annual budget, public revenues (公共收益)."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ...db.schema import Entry
from ...db.session import get_session as db
from ...domain.errors import InvalidInput, LedgerError
from ...domain.model import BookKind
from ...domain.money import to_fen
from ...domain.permissions import Action
from ...domain.trustmath import parse_percent
from ...services import budgets, remuneration, revenues
from ..exports import send_table
from . import bp, trust_words  # noqa: F401  (the audit log's words for these actions)
from .common import flash_error, parse_date_arg, seat

FORMATS = ("csv", "xlsx")

@bp.app_template_global()
def budget_warnings(book, entry) -> list[dict]:
    """For the entry page: the `warn` budget lines this entry took above their annual budget."""
    if book is None or entry is None or getattr(book, "kind", None) != BookKind.TRUST.value:
        return []
    return budgets.warnings_for(db(), book, entry)


def _trust_seat(code: str, action: Action = Action.READ_BOOK):
    here = seat(code, action)
    if here.book.kind != BookKind.TRUST.value:
        abort(404)
    return here


def _int_arg(name: str, low: int, high: int) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw.isdigit() or len(raw) > 4 or not low <= int(raw) <= high:
        return None
    return int(raw)


def _form_date(name: str) -> dt.date:
    value = parse_date_arg(request.form.get(name))
    if value is None:
        raise InvalidInput(f"日期“{request.form.get(name, '')}”无效（YYYY-MM-DD）",
                           f"date \"{request.form.get(name, '')}\" is not valid (YYYY-MM-DD)", name)
    return value


def _form_fen(name: str, required: bool = True) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw and not required:
        return None
    return to_fen(raw, name)


# --- remuneration -------------------------------------------------------------------------------------------------

@bp.route("/books/<code>/remuneration")
@login_required
def remuneration_page(code: str):
    here = _trust_seat(code)
    accruals = list(here.session.scalars(select(Entry).where(Entry.book_id == here.book.id, Entry.source == remuneration.SOURCE)
                                         .order_by(Entry.date.desc(), Entry.id.desc()).limit(36)))
    return render_template("office/trust_remuneration.html", book=here.book, seat=here,
                           contracts=remuneration.contracts_of(here.session, here.book), accruals=accruals)


@bp.route("/books/<code>/remuneration", methods=["POST"])
@login_required
def remuneration_set(code: str):
    here = _trust_seat(code, Action.SET_REMUNERATION)
    form = request.form
    try:
        kind = form.get("kind", "")
        here.uow.run(remuneration.set_contract, here.book, kind, _form_date("effective_from"),
                     monthly_fen=_form_fen("monthly") if kind == "fixed" else None,
                     percent_bp=parse_percent(form.get("percent", "")) if kind == "percent" else None,
                     cap_fen=_form_fen("cap", required=False), note=form.get("note", ""))
        flash(_("The trustee's contract is recorded."), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.remuneration_page", code=code))


# --- budget ---------------------------------------------------------------------------------------------------------

def _budget_report(here):
    year = _int_arg("year", 2000, 2999) or dt.date.today().year
    month = _int_arg("month", 1, 12)
    return budgets.report(here.session, here.book, year, month)


@bp.route("/books/<code>/budget")
@login_required
def budget_page(code: str):
    here = _trust_seat(code)
    result = _budget_report(here)
    return render_template("office/trust_budget.html", book=here.book, seat=here, report=result, totals=result.totals)


@bp.route("/books/<code>/budget.<fmt>")
@login_required
def budget_export(code: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    here = _trust_seat(code)
    result = _budget_report(here)
    scope = f"{result.year:04d}-{result.month:02d}"
    return send_table(result.rows(), budgets.COLUMNS, f"{here.book.code}-budget-{scope}", fmt, here.book, here.user, "budget",
                      scope=scope)


@bp.route("/books/<code>/budget", methods=["POST"])
@login_required
def budget_set(code: str):
    here = _trust_seat(code, Action.SET_BUDGET)
    year = None
    try:
        raw = (request.form.get("year") or "").strip()
        if not raw.isdigit() or len(raw) != 4:
            raise InvalidInput("请填写年度（如 2026）", "give the year (such as 2026)", "year")
        year = int(raw)
        lines = budgets.parse_lines_csv(request.form.get("lines", ""))
        resolution = (request.form.get("resolution_id") or "").strip()
        if resolution and (not resolution.isdigit() or len(resolution) > 9):
            raise InvalidInput("决议编号须为数字", "the resolution number must be a number", "resolution_id")
        here.uow.run(budgets.set_budget, here.book, year, lines, int(resolution) if resolution else None,
                     request.form.get("note", ""))
        flash(_("The budget is recorded."), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.budget_page", code=code, **({"year": year} if year else {})))


# --- public revenues ------------------------------------------------------------------------------------------------

@bp.route("/books/<code>/revenues")
@login_required
def revenues_page(code: str):
    here = _trust_seat(code)
    as_of = parse_date_arg(request.args.get("as_of")) or dt.date.today()
    rows = revenues.standings(here.session, here.book, as_of)
    return render_template("office/trust_revenues.html", book=here.book, seat=here, rows=rows, as_of=as_of,
                           kinds=revenues.KINDS, schedules=revenues.SCHEDULES,
                           pending={s.contract.id: revenues.pending(here.session, s.contract) for s in rows})


@bp.route("/books/<code>/revenues", methods=["POST"])
@login_required
def revenues_add(code: str):
    here = _trust_seat(code, Action.MANAGE_REVENUES)
    form = request.form
    try:
        end = (form.get("end") or "").strip()
        here.uow.run(revenues.add_contract, here.book, form.get("counterparty", ""), form.get("kind", ""),
                     form.get("account", ""), _form_fen("amount"), form.get("schedule", ""), _form_date("start"),
                     _form_date("end") if end else None)
        flash(_("The revenue contract is recorded."), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.revenues_page", code=code))


@bp.route("/books/<code>/revenues/receive", methods=["POST"])
@login_required
def revenues_receive(code: str):
    here = _trust_seat(code, Action.MANAGE_REVENUES)
    form = request.form
    try:
        raw = (form.get("contract") or "").strip()
        if not raw.isdigit() or len(raw) > 9:
            raise InvalidInput("请选择收益合同", "choose the revenue contract", "contract")
        contract = revenues.get_contract(here.session, here.book, int(raw))
        entry = here.uow.run(revenues.receive, here.book, contract, _form_date("date"), _form_fen("amount"),
                             form.get("fund") or "GEN", form.get("summary", ""))
        flash(_("The receipt is drafted and awaits approval."), "success")
        return redirect(url_for("office.entry", code=code, entry_id=entry.id))
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.revenues_page", code=code))


def _contract(here):
    raw = (request.form.get("contract") or "").strip()
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput("请选择收益合同", "choose the revenue contract", "contract")
    return revenues.get_contract(here.session, here.book, int(raw))


@bp.route("/books/<code>/revenues/end", methods=["POST"])
@login_required
def revenues_end(code: str):
    """End a contract on a day: no receipt is expected after it."""
    here = _trust_seat(code, Action.MANAGE_REVENUES)
    try:
        contract = here.uow.run(revenues.end_contract, here.book, _contract(here), _form_date("end"),
                                request.form.get("reason", ""))
        flash(_("The contract with %(who)s ends on %(day)s; no receipt is expected after it.",
                who=contract.counterparty, day=contract.end_date.isoformat()), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.revenues_page", code=code))


@bp.route("/books/<code>/revenues/terms", methods=["POST"])
@login_required
def revenues_terms(code: str):
    """New terms from a date on; receipts expected before it keep their amounts."""
    here = _trust_seat(code, Action.MANAGE_REVENUES)
    try:
        terms = here.uow.run(revenues.change_terms, here.book, _contract(here), _form_date("from"), _form_fen("amount"),
                             request.form.get("schedule", ""))
        flash(_("New terms from %(day)s are recorded.", day=terms.effective_from.isoformat()), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.revenues_page", code=code))
