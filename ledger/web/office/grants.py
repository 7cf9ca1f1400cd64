"""Grants of a fund book (治理创新基金, issue 10): programmes, the pipeline (applications by state with their scores,
committed against the pool, paid against committed), and an application's page (reviews, award or decline,
tranches and reports, closing). Every control is shown exactly when ledger/services/grants.py would allow it."""
from __future__ import annotations

import datetime as dt
import json

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ...domain.errors import InvalidInput, LedgerError
from ...domain.money import to_fen
from ...domain.permissions import Action
from ...services import grants
from ...work import upload_limits, uploads, voucher_store
from . import bp, grant_words  # noqa: F401  (the audit log's words for these actions)
from .common import flash_error, parse_date_arg, seat

def _grant_seat(code: str, action: Action = Action.READ_BOOK):
    here = seat(code, action)
    if here.book.kind not in grants.FUND_BOOKS:
        abort(404)
    return here


def _date(name: str) -> dt.date:
    value = parse_date_arg(request.form.get(name))
    if value is None:
        raise InvalidInput(f"日期“{request.form.get(name, '')}”无效（YYYY-MM-DD）",
                           f"date \"{request.form.get(name, '')}\" is not valid (YYYY-MM-DD)", name)
    return value


def _rows(name: str, columns: int, what_zh: str, what_en: str) -> list[list[str]]:
    """A textarea of one row a line, cells separated by a comma (or a Chinese comma or a tab)."""
    rows = []
    for no, raw in enumerate((request.form.get(name) or "").splitlines(), start=1):
        if not raw.strip():
            continue
        cells = [c.strip() for c in raw.replace("，", ",").replace("\t", ",").split(",")]
        if len(cells) != columns:
            raise InvalidInput(f"{what_zh}第 {no} 行应有 {columns} 项（用逗号分隔），现有 {len(cells)} 项",
                               f"line {no} of {what_en} needs {columns} parts separated by commas, not {len(cells)}",
                               f"{name}[{no}]")
        rows.append(cells)
    return rows


def _programme(here, programme_id: int):
    try:
        return grants.get_programme(here.session, here.book, programme_id)
    except LedgerError:
        abort(404)


def _application(here, application_id: int):
    try:
        return grants.get_application(here.session, here.book, application_id)
    except LedgerError:
        abort(404)


# --- programmes -----------------------------------------------------------------------------------------------------

@bp.route("/books/<code>/grants")
@login_required
def grants_page(code: str):
    here = _grant_seat(code)
    shown = [(p, grants.figures(here.session, p)) for p in grants.programmes_of(here.session, here.book)]
    return render_template("office/grants.html", book=here.book, seat=here, shown=shown)


@bp.route("/books/<code>/grants", methods=["POST"])
@login_required
def grants_create(code: str):
    here = _grant_seat(code, Action.MANAGE_GRANT_PROGRAMMES)
    form = request.form
    try:
        programme = here.uow.run(grants.create_programme, here.book, form.get("code", ""), form.get("title", ""),
                                 form.get("fund", ""), to_fen(form.get("pool", ""), "pool"),
                                 to_fen(form.get("ceiling", ""), "ceiling"), _date("opens_on"), _date("closes_on"),
                                 form.get("criteria", ""))
        flash(_("The grant programme is open."), "success")
        return redirect(url_for("office.grant_programme", code=code, programme_id=programme.id))
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.grants_page", code=code))


@bp.route("/books/<code>/grants/<int:programme_id>")
@login_required
def grant_programme(code: str, programme_id: int):
    here = _grant_seat(code)
    programme = _programme(here, programme_id)
    rows = []
    for application in grants.applications_of(here.session, programme):
        state = grants.state_of(here.session, application)
        rows.append((application, grants.average_score(here.session, application), state))
    return render_template("office/grants_programme.html", book=here.book, seat=here, programme=programme,
                           figures=grants.figures(here.session, programme), rows=rows, statuses=grants.STATUSES,
                           reviewers=grants.reviewers_of(here.session, programme))


@bp.route("/books/<code>/grants/<int:programme_id>/reviewers", methods=["POST"])
@login_required
def grant_reviewer_add(code: str, programme_id: int):
    here = _grant_seat(code, Action.MANAGE_GRANT_PROGRAMMES)
    try:
        here.uow.run(grants.add_reviewer, here.book, _programme(here, programme_id), request.form.get("username", ""))
        flash(_("The reviewer is named."), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.grant_programme", code=code, programme_id=programme_id))


@bp.route("/books/<code>/grants/<int:programme_id>/applications", methods=["POST"])
@login_required
def grant_apply(code: str, programme_id: int):
    here = _grant_seat(code, Action.RECORD_GRANT_APPLICATION)
    form = request.form
    try:
        budget = [(item, to_fen(amount, f"budget[{i}].amount"))
                  for i, (item, amount) in enumerate(_rows("budget", 2, "预算", "the budget"), start=1)]
        application = here.uow.run(
            grants.record_application, here.book, _programme(here, programme_id), form.get("applicant", ""),
            form.get("title", ""), form.get("purpose", ""), to_fen(form.get("amount", ""), "amount"), budget,
            _date("received_on"), community=form.get("community", ""), contact=form.get("contact", ""))
        flash(_("The application is recorded."), "success")
        return redirect(url_for("office.grant_application", code=code, application_id=application.id))
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.grant_programme", code=code, programme_id=programme_id))


# --- one application ------------------------------------------------------------------------------------------------

@bp.route("/books/<code>/grants/applications/<int:application_id>")
@login_required
def grant_application(code: str, application_id: int):
    here = _grant_seat(code)
    application = _application(here, application_id)
    session = here.session
    view = grants.view_of(session, application)
    state = grants.state_of(session, application)
    can_pay = here.can(Action.PAY_GRANT)
    can_record = here.can(Action.RECORD_GRANT_APPLICATION)
    tranches = []
    for t in state.tranches:
        tranches.append({
            "state": t,
            "may_release": can_pay and grants.release_refusal(session, application, t.tranche.seq) is None,
            "may_report": can_record and grants.report_refusal(session, application, t.tranche.seq) is None,
            "may_review_report": can_pay and t.waiting is not None,
        })
    files = {}
    for t in state.tranches:
        for r, _d in t.reports:
            rows = grants.files_of(session, r)
            newest = grants.newest_copies(session, [f.id for f in rows])
            files[r.id] = [(f, len(json.loads(newest[f.id].pages)) if f.id in newest else 0, grants.reviewed(newest.get(f.id)))
                          for f in rows]
    rebook = {kind: here.can(Action.DECIDE_GRANT if kind == "award" else Action.PAY_GRANT)
              and grants.rebook_refusal(session, application, kind) is None for kind in ("award", "close")}
    others = [a for a in grants.applications_of(session, application.programme)
              if a.id != application.id and a.status == "awarded"]
    return render_template(
        "office/grants_application.html", book=here.book, seat=here, application=application, state=state,
        programme=application.programme,
        reviews=grants.reviews_of(session, application)
        if grants.may_read_reviews(session, here.user, here.book, application) else None,
        conflicts=grants.conflicts_of(session, application), score=grants.average_score(session, application),
        may_score=here.can(Action.REVIEW_GRANT, view),
        may_declare=grants.may_declare_conflict(session, here.user, application),
        may_decide=here.can(Action.DECIDE_GRANT, view), see_contact=can_record or here.can(Action.DECIDE_GRANT),
        tranches=tranches, unspent=grants.unspent_of(state),
        may_close=can_pay and grants.close_refusal(session, application) is None, others=others,
        committed=grants.committed_fen(session, application.programme), today=dt.date.today(), files=files,
        may_redact=here.can(Action.REDACT_VOUCHER), see_originals=here.can(Action.SEE_ORIGINALS), rebook=rebook,
        award_entry=grants.award_entry(session, application), closure_entry=grants.closure_entry(session, application))


def _back(code: str, application_id: int):
    return redirect(url_for("office.grant_application", code=code, application_id=application_id))


@bp.route("/books/<code>/grants/applications/<int:application_id>/score", methods=["POST"])
@login_required
def grant_score(code: str, application_id: int):
    here = _grant_seat(code, Action.REVIEW_GRANT)
    try:
        raw = (request.form.get("score") or "").strip()
        if not raw.isdigit() or len(raw) > 3:
            raise InvalidInput("评分须为 0 到 100 的整数", "a score is a whole number from 0 to 100", "score")
        here.uow.run(grants.score, here.book, _application(here, application_id), int(raw), request.form.get("comment", ""))
        flash(_("Your score is recorded."), "success")
    except LedgerError as e:
        flash_error(e)
    return _back(code, application_id)


@bp.route("/books/<code>/grants/applications/<int:application_id>/conflict", methods=["POST"])
@login_required
def grant_conflict(code: str, application_id: int):
    here = _grant_seat(code)
    try:
        here.uow.run(grants.declare_conflict, here.book, _application(here, application_id), request.form.get("reason", ""))
        flash(_("Your conflict of interest is recorded; you will not score this application."), "success")
    except LedgerError as e:
        flash_error(e)
    return _back(code, application_id)


@bp.route("/books/<code>/grants/applications/<int:application_id>/decide", methods=["POST"])
@login_required
def grant_decide(code: str, application_id: int):
    here = _grant_seat(code, Action.DECIDE_GRANT)
    form = request.form
    try:
        decision = form.get("decision", "")
        amount = to_fen(form.get("amount"), "amount") if decision == "award" and (form.get("amount") or "").strip() else None
        tranches = None
        if decision == "award" and (form.get("tranches") or "").strip():
            tranches = [to_fen(x, f"tranches[{i}]") for i, x in
                        enumerate(form.get("tranches", "").replace("，", ",").split(","), start=1)]
        here.uow.run(grants.decide, here.book, _application(here, application_id), decision, form.get("reason", ""),
                     _date("decided_on"), amount, tranches)
        flash(_("The decision is recorded."), "success")
    except LedgerError as e:
        flash_error(e)
    return _back(code, application_id)


@bp.route("/books/<code>/grants/applications/<int:application_id>/release", methods=["POST"])
@login_required
def grant_release(code: str, application_id: int):
    here = _grant_seat(code, Action.PAY_GRANT)
    try:
        seq = (request.form.get("tranche") or "").strip()
        if not seq.isdigit() or len(seq) > 3:
            raise InvalidInput("请选择一期", "choose a tranche", "tranche")
        here.uow.run(grants.release, here.book, _application(here, application_id), int(seq), _date("released_on"))
        flash(_("The tranche is released for payment."), "success")
    except LedgerError as e:
        flash_error(e)
    return _back(code, application_id)


@bp.route("/books/<code>/grants/applications/<int:application_id>/report", methods=["POST"])
@login_required
def grant_report(code: str, application_id: int):
    here = _grant_seat(code, Action.RECORD_GRANT_APPLICATION)
    try:
        seq = (request.form.get("tranche") or "").strip()
        if not seq.isdigit() or len(seq) > 3:
            raise InvalidInput("请选择一期", "choose a tranche", "tranche")
        expenses = [(item, to_fen(amount, f"expenses[{i}].amount"), voucher) for i, (item, amount, voucher)
                    in enumerate(_rows("expenses", 3, "支出", "the expenses"), start=1)]
        files = [f for f in request.files.getlist("file") if f and f.filename]  # the receipts, as photos or PDFs
        _application(here, application_id)
        grants.record_report_with_uploads(here.uow, here.book, application_id, int(seq), request.form.get("narrative", ""),
                                          expenses, _date("submitted_on"), uploads(files), upload_limits())
        flash(_("The report is recorded."), "success")
    except LedgerError as e:
        flash_error(e)
    return _back(code, application_id)


@bp.route("/books/<code>/grants/applications/<int:application_id>/reports/<int:report_id>", methods=["POST"])
@login_required
def grant_report_decide(code: str, application_id: int, report_id: int):
    here = _grant_seat(code, Action.PAY_GRANT)
    try:
        try:
            report, _app = grants.get_report(here.session, here.book, report_id)
        except LedgerError:
            abort(404)
        here.uow.run(grants.decide_report, here.book, report, request.form.get("verdict") == "accept",
                     _date("decided_on"), request.form.get("note", ""))
        flash(_("The report is reviewed."), "success")
    except LedgerError as e:
        flash_error(e)
    return _back(code, application_id)


@bp.route("/books/<code>/grants/applications/<int:application_id>/close", methods=["POST"])
@login_required
def grant_close(code: str, application_id: int):
    here = _grant_seat(code, Action.PAY_GRANT)
    form = request.form
    try:
        target = None
        raw = (form.get("regrant_to") or "").strip()
        if form.get("mode") == "regrant" and raw:
            if not raw.isdigit() or len(raw) > 9:
                raise InvalidInput("请选择接受转资助的申请", "choose the grant that receives the re-grant", "regrant_to")
            target = _application(here, int(raw))
        here.uow.run(grants.close_grant, here.book, _application(here, application_id), form.get("mode", ""),
                     _date("closed_on"), form.get("reason", ""), target)
        flash(_("The grant is closed."), "success")
    except LedgerError as e:
        flash_error(e)
    return _back(code, application_id)


# --- a report's files and a rejected entry booked again (0021) --------------------------------------------------------

def _report_file(here, file_id: int):
    try:
        return grants.get_report_file(here.session, here.book, file_id)
    except LedgerError:
        abort(404)


@bp.route("/books/<code>/grants/files/<int:file_id>/pages/<int:page>.jpg")
@login_required
def grant_file_page(code: str, file_id: int, page: int):
    """A page of the file's newest public copy (redactions burned in), for anyone with a role in the book."""
    here = _grant_seat(code)
    file, _report, _app = _report_file(here, file_id)
    try:
        path = grants.report_file_page(here.session, here.user, here.book, file, page, voucher_store())
    except LedgerError as e:
        abort(e.status)
    response = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True, etag=path.name)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/books/<code>/grants/files/<int:file_id>/original")
@login_required
def grant_file_original(code: str, file_id: int):
    here = _grant_seat(code, Action.SEE_ORIGINALS)
    file, _report, _app = _report_file(here, file_id)
    try:
        found = here.uow.run(grants.report_file_original, here.book, file, here.uow.store)  # audited first
    except LedgerError as e:
        abort(e.status)
    response = send_file(found.path, mimetype=found.media_type, as_attachment=True, download_name=found.download_name,
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/books/<code>/grants/files/<int:file_id>/review", methods=["POST"])
@login_required
def grant_file_review(code: str, file_id: int):
    """The committee's redaction review of a report's file: boxes as JSON fractions of their page, or none."""
    here = _grant_seat(code, Action.REDACT_VOUCHER)
    file, _report, application = _report_file(here, file_id)
    try:
        here.uow.run(grants.review_report_file, here.book, file, request.form.get("redactions") or "[]", here.uow.store)
        flash(_("The file is reviewed; its public copy is the one residents will see."), "success")
    except LedgerError as e:
        flash_error(e)
    return _back(code, application.id)


@bp.route("/books/<code>/grants/applications/<int:application_id>/rebook", methods=["POST"])
@login_required
def grant_rebook(code: str, application_id: int):
    kind = request.form.get("kind", "")
    here = _grant_seat(code, Action.DECIDE_GRANT if kind == "award" else Action.PAY_GRANT)
    try:
        here.uow.run(grants.rebook, here.book, _application(here, application_id), kind, _date("booked_on"),
                     request.form.get("reason", ""))
        flash(_("The entry is booked again."), "success")
    except LedgerError as e:
        flash_error(e)
    return _back(code, application_id)
