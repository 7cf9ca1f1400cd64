"""Micro-projects with matching (issue 10): projects and their progress, recording a donation (the match shown before
it is saved), settling, the receipt PDF, and the pool manager's view. Thin: the rules are in services/projects.py."""
from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from ...domain import matching
from ...domain.errors import InvalidInput, LedgerError
from ...domain.money import to_fen
from ...domain.permissions import Action
from ...services import projects
from ..audit_words import ACTIONS
from . import bp
from .common import flash_error, parse_date_arg, say, seat

ACTIONS.update({
    "matching.pool": _l("Opened a matching pool"),
    "matching.deposit": _l("Put money into a matching pool"),
    "matching.rule": _l("Published a matching rule version"),
    "matching.round": _l("Closed a quadratic matching round"),
    "project.create": _l("Opened a micro-project"),
    "project.settle": _l("Settled a micro-project"),
    "project.publish": _l("Published a micro-project's progress"),
    "donation.record": _l("Recorded a donation"),
    "donation.refund": _l("Refunded a donation"),
})


def _fund_seat(code: str, action: Action = Action.READ_BOOK):
    here = seat(code, action)
    if here.book.kind not in projects.FUND_BOOK_KINDS:
        abort(404)
    return here


def _root() -> Path:
    return Path(current_app.config["PUBLICATIONS_DIR"])


def _rows(here):
    out = []
    for p in projects.projects_of(here.session, here.book):
        figures = projects.progress(here.session, p)
        percent = min(100, figures.raised_fen * 100 // p.goal_fen)
        out.append({"project": p, "figures": figures, "percent": percent})
    return out


@bp.route("/books/<code>/projects")
@login_required
def projects_page(code: str):
    here = _fund_seat(code)
    pools = [(pool, projects.pool_figures(here.session, pool)) for pool in projects.pools_of(here.session, here.book)]
    return render_template("office/projects.html", book=here.book, seat=here, rows=_rows(here), pools=pools)


def _project_page(here, project_code: str, preview=None, form=None, status: int = 200):
    try:
        project = projects.get_project(here.session, here.book, project_code)
    except LedgerError:
        abort(404)
    rule = projects.rule_of(project.rule)
    english = request.args.get("lang") == "en"
    donations = projects.donations_of(here.session, here.user, here.book, project) if here.can(Action.READ_DONORS) else None
    return render_template(
        "office/project.html", book=here.book, seat=here, project=project, figures=projects.progress(here.session, project),
        rule=rule, explainer=matching.explain(rule, "en" if english else "zh_CN",
                                              None if english else project.pool.funder).split("\n"),
        estimate=projects.quadratic_estimate(here.session, project) if project.status == "open" else None,
        donations=donations, preview=preview, form=form or {}, reasons=matching.REASONS,
        channels=projects.CHANNELS), status


@bp.route("/books/<code>/projects/<project_code>")
@login_required
def project_page(code: str, project_code: str):
    return _project_page(_fund_seat(code), project_code)


@bp.route("/books/<code>/projects/<project_code>/donations", methods=["POST"])
@login_required
def project_donate(code: str, project_code: str):
    """Preview (the match the donor will get, shown before saving) or save, with the match shown checked again."""
    here = _fund_seat(code, Action.RECORD_DONATION)
    form = request.form
    try:
        amount = to_fen(form.get("amount", ""), "amount")
        date = parse_date_arg(form.get("date"))
        if date is None:
            raise InvalidInput("日期无效（YYYY-MM-DD）", "the date is not valid (YYYY-MM-DD)", "date")
        if form.get("step") != "save":
            preview = projects.preview_match(here.session, here.user, here.book, project_code, form.get("phone", ""), amount)
            shown = {"match": preview.match_fen if preview else None,
                     "reason": matching.REASONS[preview.reason][0 if not request.args.get("lang") == "en" else 1]
                     if preview and preview.reason else None}
            return _project_page(here, project_code, preview=shown, form=form)
        shown = form.get("shown_match", "")
        result = here.uow.run(
            projects.record_donation, here.book, project_code, amount, date, form.get("channel", ""), form.get("phone", ""),
            reference=form.get("reference", ""), display_name=form.get("display_name", ""),
            anonymous=form.get("anonymous") == "1", shown_match_fen=int(shown) if shown.isdigit() else None,
            publish_root=_root(), store=here.uow.store)
        flash(_("Donation recorded: receipt %(code)s. Its entry waits for approval.", code=result.donation.receipt_code),
              "success")
        return redirect(url_for("office.project_page", code=code, project_code=project_code))
    except LedgerError as e:
        flash(say(e), "error")
        return _project_page(here, project_code, form=form, status=422)


@bp.route("/books/<code>/projects/<project_code>/settle", methods=["POST"])
@login_required
def project_settle(code: str, project_code: str):
    here = _fund_seat(code, Action.MANAGE_MATCHING)
    try:
        project = here.uow.run(projects.settle_project, here.book, project_code, parse_date_arg(request.form.get("date")),
                               publish_root=_root(), store=here.uow.store)
        flash(_("The project is settled: %(status)s.", status=project.status), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.project_page", code=code, project_code=project_code))


@bp.route("/books/<code>/projects/<project_code>/publish", methods=["POST"])
@login_required
def project_publish(code: str, project_code: str):
    here = _fund_seat(code, Action.MANAGE_PROJECTS)
    try:
        here.uow.run(projects.publish_project, here.book, project_code, _root(), here.uow.store)
        flash(_("The project's public progress is updated."), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.project_page", code=code, project_code=project_code))


@bp.route("/books/<code>/receipts/<receipt>.pdf")
@login_required
def receipt_pdf(code: str, receipt: str):
    here = _fund_seat(code, Action.RECORD_DONATION)
    try:
        pdf = projects.receipt_pdf(here.session, here.user, here.book, receipt)
    except LedgerError as e:
        abort(e.status)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="receipt-{receipt}.pdf"'})


@bp.route("/books/<code>/pools/<pool_code>")
@login_required
def pool_page(code: str, pool_code: str):
    here = _fund_seat(code, Action.READ_DONORS)
    try:
        pool = projects.get_pool(here.session, here.book, pool_code)
        watch = projects.pool_watch(here.session, here.user, here.book, pool_code)
    except LedgerError as e:
        abort(e.status)
    return render_template("office/pool.html", book=here.book, seat=here, pool=pool, watch=watch,
                           rules=projects.rules_of(here.session, pool))


# --- spending (hspend) ---
# Spending from a project's fund against its budget lines, with a voucher (services/project_spending.py). The page's
# part is templates/office/_project_spending.html, which reads `project_spending(seat, project)` (read-only).

ACTIONS.update({"project.spend": _l("Recorded a micro-project's spending")})


@bp.app_template_global()
def project_spending(here, project):
    """The budget table (budget, spent, waiting, left per line) and, when the service would allow it, the form's
    choices: None for `form` when this user may not spend from this project now."""
    from ...services import project_spending as spending

    form = None
    if spending.may_spend(here.session, here.user, here.book, project):
        form = {"accounts": spending.expense_accounts(here.session, here.book),
                "paid_from": spending.paid_from_accounts(here.session, here.book)}
    return {"table": spending.budget_table(here.session, project), "form": form}


@bp.route("/books/<code>/projects/<project_code>/spend", methods=["POST"])
@login_required
def project_spend(code: str, project_code: str):
    """Record a spend against a budget line, with its voucher(s); the entry goes for approval."""
    from ...services import project_spending as spending
    from ...work import upload_limits, uploads

    here = _fund_seat(code, Action.MAKE_ENTRY)
    form = request.form
    try:
        line = form.get("budget_line", "")
        if not line.isdigit():
            raise InvalidInput("请选择预算项目", "choose a budget line", "budget_line")
        amount = to_fen(form.get("amount", ""), "amount")
        date = parse_date_arg(form.get("date"))
        if date is None:
            raise InvalidInput("日期无效（YYYY-MM-DD）", "the date is not valid (YYYY-MM-DD)", "date")
        files = [f for f in request.files.getlist("file") if f and f.filename]
        entry = spending.record_spend_with_uploads(
            here.uow, here.book, project_code, [(int(line), amount)], form.get("account", ""),
            form.get("paid_from", ""), date, form.get("summary", ""), uploads(files), upload_limits())
        flash(_("Spending recorded as entry %(id)s; it waits for approval.", id=entry.id), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.project_page", code=code, project_code=project_code))
