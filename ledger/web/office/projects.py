"""Micro-projects with matching (issue 10): projects and their progress, recording a donation (the match shown before
it is saved), settling, the receipt PDF, and the pool manager's view. Thin: the rules are in services/projects.py."""
from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from ...domain import matching
from ...domain.errors import InvalidInput, LedgerError
from ...domain.money import to_fen
from ...domain.permissions import Action
from ...services import projects
from ..audit_words import ACTIONS
from ..helpers import money
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


def _rule_label(pool, row) -> str:
    """"GOV v2 · 按比例 1:1" / "GOV v2 · ratio 1:1": a rule version as the project form's choice names it."""
    rule = projects.rule_of(row)
    english = str(get_locale() or "zh_CN").startswith("en")
    kind = {"ratio": ("按比例", "ratio"), "tiers": ("分档", "tiers"), "quadratic": ("二次方", "quadratic")}[rule.kind]
    ratio = f" {rule.ratio_written or matching.ratio_text(rule.ratio)}" if rule.kind == "ratio" else ""
    return f"{pool.name} ({pool.code}) v{row.version} · {kind[1 if english else 0]}{ratio}{' · ' + rule.name if rule.name else ''}"


def _projects_page(here, form=None, error: LedgerError | None = None, opened: str | None = None, status: int = 200):
    """The list of projects and pools, with the forms this person may use: open a pool (manage_matching), open a
    project (manage_projects, once some pool has a rule version to pin). A refused form comes back with what was
    typed and the refusal in both languages."""
    pools = [(pool, projects.pool_figures(here.session, pool)) for pool in projects.pools_of(here.session, here.book)]
    choices = [(f"{pool.code}:{row.version}", _rule_label(pool, row))
               for pool, _f in pools for row in projects.rules_of(here.session, pool)]
    return render_template("office/projects.html", book=here.book, seat=here, rows=_rows(here), pools=pools,
                           rule_choices=choices, form=form or {}, error=error, opened=opened,
                           may_open_pool=here.can(Action.MANAGE_MATCHING),
                           may_open_project=here.can(Action.MANAGE_PROJECTS) and bool(choices),
                           modes=projects.MODES), status


@bp.route("/books/<code>/projects")
@login_required
def projects_page(code: str):
    return _projects_page(_fund_seat(code))


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
        channels=projects.CHANNELS, channel_names=projects.CHANNEL_NAMES, english=english, today=dt.date.today().isoformat(),
        # the service refuses to settle before the deadline a project short of its goal: no button then
        may_settle=projects.settle_refusal(here.session, project, dt.date.today()) is None,
        # the receipt just recorded (the redirect after saving names it), if it is one of this project's
        recorded=next((d["receipt"] for d in donations or () if d["receipt"] == request.args.get("receipt")), None),
        # a key per form: "save" pressed twice, or the browser resending, records the gift once
        donation_key=(form or {}).get("idempotency_key") or uuid.uuid4().hex), status


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
        common = dict(reference=form.get("reference", ""), display_name=form.get("display_name", ""),
                      anonymous=form.get("anonymous") == "1", shown_match_fen=int(shown) if shown.isdigit() else None,
                      publish_root=_root(), store=here.uow.store)
        key = (form.get("idempotency_key") or "").strip()
        if key:
            result, _created = here.uow.run(projects.record_donation_once, here.book, project_code, amount, date,
                                            form.get("channel", ""), form.get("phone", ""), key, **common)
        else:
            result = here.uow.run(projects.record_donation, here.book, project_code, amount, date,
                                  form.get("channel", ""), form.get("phone", ""), **common)
        flash(_("Donation recorded: receipt %(code)s. Its entry waits for approval.", code=result.donation.receipt_code),
              "success")
        return redirect(url_for("office.project_page", code=code, project_code=project_code,
                                receipt=result.donation.receipt_code))
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
        flash(_("The project is settled as funded: its matches are paid into its fund.") if project.status == "funded"
              else _("The project is settled: it missed its goal, every donor is refunded and its matches go back to the pool."),
              "success")
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


def _pool(here, pool_code: str):
    try:
        return projects.get_pool(here.session, here.book, pool_code)
    except LedgerError:
        abort(404)


def _pool_page(here, pool, form=None, error: LedgerError | None = None, opened: str | None = None, preview=None,
               status: int = 200):
    """The pool's figures and 套捐 watch, its rule versions (each explained, with the projects that pinned it), and
    for the pool manager the deposit and rule forms; the rule form shows its preview before it can publish."""
    try:
        watch = projects.pool_watch(here.session, here.user, here.book, pool.code)
    except LedgerError as e:
        abort(e.status)
    english = str(get_locale() or "zh_CN").startswith("en")
    pinned: dict[int, list] = {}
    for p in projects.projects_of(here.session, here.book):
        pinned.setdefault(p.rule_id, []).append(p)
    versions = []
    for row in projects.rules_of(here.session, pool):
        rule = projects.rule_of(row)
        refusal = projects.close_round_refusal(here.session, pool, row) if row.kind == "quadratic" else None
        versions.append({"row": row, "rule": rule, "projects": pinned.get(row.id, []),
                         # a quadratic round closes while it has open projects (close_round refuses otherwise)
                         "round": projects.round_projects(here.session, row) if row.kind == "quadratic" else [],
                         "explainer": matching.explain(rule, "zh_CN", pool.funder).split("\n"),
                         "explainer_en": matching.explain(rule, "en").split("\n"),
                         "may_close": row.kind == "quadratic" and refusal is None,
                         "close_refusal": say(refusal) if refusal is not None else None})
    next_version = max((v["row"].version for v in versions), default=0) + 1
    return render_template("office/pool.html", book=here.book, seat=here, pool=pool, watch=watch, versions=versions,
                           form=form or {}, error=error, opened=opened, preview=preview, next_version=next_version,
                           may_manage=here.can(Action.MANAGE_MATCHING), kinds=matching.KINDS, reasons=matching.REASONS,
                           english=english,
                           # a key per form: "record the deposit" pressed twice puts the money in once
                           deposit_key=(form or {}).get("idempotency_key") or uuid.uuid4().hex), status


@bp.route("/books/<code>/pools/<pool_code>")
@login_required
def pool_page(code: str, pool_code: str):
    here = _fund_seat(code, Action.READ_DONORS)
    return _pool_page(here, _pool(here, pool_code))


@bp.route("/books/<code>/pools/<pool_code>/rounds/<int:version>/close", methods=["POST"])
@login_required
def pool_round_close(code: str, pool_code: str, version: int):
    """Close a quadratic round: each project's estimate becomes its fixed (pending) match; their pages rewritten."""
    here = _fund_seat(code, Action.MANAGE_MATCHING)
    try:
        result = here.uow.run(projects.close_round, here.book, pool_code, version, publish_root=_root(),
                              store=here.uow.store)
        flash(_("The round is closed: %(amount)s shared among its projects, now fixed; %(left)s stays in the pool.",
                amount=money(sum(p.match_fen for p in result.projects.values())), left=money(result.unallocated_fen)),
              "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.pool_page", code=code, pool_code=pool_code) + f"#rule-v{version}")


@bp.route("/books/<code>/pools/<pool_code>/publish", methods=["POST"])
@login_required
def pool_publish(code: str, pool_code: str):
    """Rewrite the pool's public account (its projects' publications rewrite it too)."""
    here = _fund_seat(code, Action.MANAGE_MATCHING)
    try:
        here.uow.run(projects.publish_pool, here.book, pool_code, _root())
        flash(_("The pool's public account is updated."), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.pool_page", code=code, pool_code=pool_code))


# --- the pool manager's and the committee's forms (what `ledger projects pool|deposit|rule` and project creation
# do on the command line). Each refused form comes back with what was typed, the refusal in Chinese and English,
# and nothing saved (the service refuses before it writes; uow.run rolls back whatever it began).

RULE_AMOUNTS = ("ratio", "min_donation", "per_donor_cap", "per_project_cap", "pool", "cap_share")
MAX_SIMULATED = 2000  # pasted rows to simulate: a preview, not a batch job


def _form_status(error: LedgerError) -> int:
    """A refused form's status: the refusal's own (400, 403, 409 for a duplicate), but never 404 for a page that is
    there (a rule version that does not exist is a bad choice in the form)."""
    return 400 if error.status == 404 else error.status


def _field_date(name: str):
    value = parse_date_arg(request.form.get(name))
    if value is None:
        raise InvalidInput(f"{name}：日期“{request.form.get(name, '')}”无效（YYYY-MM-DD）",
                           f"{name}: date \"{request.form.get(name, '')}\" is not valid (YYYY-MM-DD)", name)
    return value


def _lines(name: str, columns: int, what_zh: str, what_en: str) -> list[list[str]]:
    """A textarea of one row a line, cells separated by a comma (or a Chinese comma or a tab); blank lines skipped.
    A line with another number of cells is refused (an amount written "1,500.00" must not become two cells)."""
    rows = []
    for no, raw in enumerate((request.form.get(name) or "").splitlines(), start=1):
        if not raw.strip():
            continue
        cells = [c.strip() for c in raw.replace("，", ",").replace("\t", ",").split(",")]
        if len(cells) != columns:
            raise InvalidInput(f"{what_zh}第 {no} 行应有 {columns} 项（用逗号分隔，金额不要写千位逗号），现有 {len(cells)} 项",
                               f"line {no} of {what_en} needs {columns} parts separated by commas (no thousands "
                               f"commas in amounts), not {len(cells)}", name)
        rows.append(cells)
    return rows


@bp.route("/books/<code>/pools", methods=["POST"])
@login_required
def pool_create(code: str):
    here = _fund_seat(code, Action.MANAGE_MATCHING)
    form = request.form
    try:
        pool = here.uow.run(projects.create_pool, here.book, form.get("code", ""), form.get("name", ""),
                            form.get("funder", ""))
    except LedgerError as e:
        return _projects_page(here, form=form, error=e, opened="pool", status=_form_status(e))
    flash(_("Matching pool %(code)s is open, with its own restricted fund %(fund)s.", code=pool.code,
            fund=pool.fund.code), "success")
    return redirect(url_for("office.pool_page", code=code, pool_code=pool.code))


@bp.route("/books/<code>/pools/<pool_code>/deposits", methods=["POST"])
@login_required
def pool_deposit(code: str, pool_code: str):
    here = _fund_seat(code, Action.MANAGE_MATCHING)
    pool = _pool(here, pool_code)
    form = request.form
    try:
        amount = to_fen(form.get("amount", ""), "amount")
        row = here.uow.run(projects.deposit, here.book, pool.code, amount, _field_date("date"), form.get("note", ""),
                           idempotency_key=(form.get("idempotency_key") or "").strip() or None)
    except LedgerError as e:
        return _pool_page(here, pool, form=form, error=e, opened="deposit", status=_form_status(e))
    flash(_("%(amount)s put into the pool. Its entry waits for approval.", amount=money(row.amount_fen)), "success")
    return redirect(url_for("office.pool_page", code=code, pool_code=pool.code))


def _rule_data(form) -> dict:
    """RULE.json's object from the form: only the fields filled in, so a field the kind has not (a cap share on a
    ratio rule) is refused by matching.parse_rule rather than silently dropped. Tiers: one a line, "min, max, rate"
    (max empty for the last, open tier; rate "20" or "20%" as a percentage, "1:0.5" as a ratio)."""
    version = (form.get("version") or "").strip()
    if not version.isdigit() or len(version) > 6 or int(version) < 1:
        raise InvalidInput("version：版本号应为正整数", "version: the version must be a positive whole number", "version")
    data: dict = {"kind": form.get("kind", ""), "version": int(version)}
    if (form.get("name") or "").strip():
        data["name"] = form["name"].strip()
    for key in RULE_AMOUNTS:
        value = (form.get(key) or "").strip()
        if value:
            data[key] = value
    if form.get("once_per_donor") == "1":
        data["once_per_donor"] = True
    tiers = []
    for low, high, rate in _lines("tiers", 3, "分档", "the tiers"):
        tier = {"min": low}
        if high:
            tier["max"] = high
        if ":" in rate or "：" in rate:
            tier["ratio"] = rate
        else:
            tier["percent"] = rate.rstrip("%％")
        tiers.append(tier)
    if tiers:
        data["tiers"] = tiers
    return data


def _parse_rule(data: dict) -> matching.Rule:
    """The rule, refused as the service would refuse it; a tier named as the form numbers it ("the 2nd tier")."""
    try:
        rule = matching.parse_rule(data)
        matching.refuse_tier_gaps(rule)
    except LedgerError as e:
        tier = re.match(r"tiers\[(\d+)\]", e.field or "")
        if tier:
            n = int(tier.group(1)) + 1
            raise e.located(f"分档第 {n} 档", f"tier {n}", "tiers") from None
        raise
    return rule


def _simulation(rule: matching.Rule, text: str) -> dict | None:
    """The pasted "donor, amount[, project]" lines (a header line of donor,amount,project or 捐款人,金额,项目 is
    read too) simulated by matching.simulate, the code `ledger matching simulate` runs; None if nothing pasted."""
    if not text.strip():
        return None
    rows = [[c.strip() for c in raw.replace("，", ",").replace("\t", ",").split(",")] for raw in text.splitlines()]
    if len(rows) > MAX_SIMULATED:
        raise InvalidInput(f"donations：最多模拟 {MAX_SIMULATED} 行", f"donations: at most {MAX_SIMULATED} lines are "
                           "simulated", "donations")
    names = {n for ns in matching.DONATION_COLUMNS.values() for n in ns}
    first_row = 1
    if not names & {c.lower() for c in rows[0]}:  # no header: the lines are numbered as pasted, from 1
        width = len(next(r for r in rows if any(r)))  # as the first line is written
        if rule.kind == "quadratic" and width < 3:
            raise InvalidInput("捐款明细：二次方配捐的模拟须每行写“捐款人, 金额, 项目”",
                               "the donation lines: a quadratic simulation needs \"donor, amount, project\" on each "
                               "line", "donations")
        rows = [["donor", "amount", "project"][:3 if width >= 3 else 2], *rows]
        first_row = 0
    width = len(rows[0])
    for no, row in enumerate(rows[1:], start=first_row + 1):
        if any(row) and len(row) != width:  # "张三, 1,000" must not become 1 yuan given to project "000"
            raise InvalidInput(f"捐款明细第 {no} 行应有 {width} 项（用逗号分隔，金额不要写千位逗号），现有 {len(row)} 项",
                               f"line {no} of the donation lines needs {width} parts separated by commas (no "
                               f"thousands commas in amounts), not {len(row)}", "donations")
    donations, numbers, has_project = matching.donations_from_table(
        rows, rule.kind == "quadratic", "捐款明细", "the donation lines", first_row)
    return matching.simulate(rule, donations, numbers, has_project)


@bp.route("/books/<code>/pools/<pool_code>/rules", methods=["POST"])
@login_required
def pool_rule(code: str, pool_code: str):
    """Preview a rule version (its explainer, and the simulated matches of pasted donations), or publish the one
    previewed: the service refuses a rule whose digest is not the preview's (step=save with shown_digest)."""
    here = _fund_seat(code, Action.MANAGE_MATCHING)
    pool = _pool(here, pool_code)
    form = request.form
    try:
        data = _rule_data(form)
        rule = _parse_rule(data)
        preview = {"digest": rule.digest(), "kind": rule.kind, "simulation": _simulation(rule, form.get("donations", "")),
                   "explainer": matching.explain(rule, "zh_CN", pool.funder).split("\n"),
                   "explainer_en": matching.explain(rule, "en").split("\n")}
    except LedgerError as e:
        return _pool_page(here, pool, form=form, error=e, opened="rule", status=_form_status(e))
    if form.get("step") != "save":
        return _pool_page(here, pool, form=form, opened="rule", preview=preview)
    try:
        row = here.uow.run(projects.add_rule, here.book, pool.code, data, shown_digest=form.get("shown_digest", ""),
                           allow_tier_gaps=False)
    except LedgerError as e:  # e.g. changed since the preview: the new preview is shown, to check and publish again
        return _pool_page(here, pool, form=form, error=e, opened="rule", preview=preview, status=_form_status(e))
    flash(_("Rule version %(version)s is published. It will never change; projects pin it when they open.",
            version=row.version), "success")
    return redirect(url_for("office.pool_page", code=code, pool_code=pool.code) + f"#rule-v{row.version}")


@bp.route("/books/<code>/projects", methods=["POST"])
@login_required
def project_create(code: str):
    here = _fund_seat(code, Action.MANAGE_PROJECTS)
    form = request.form
    try:
        pool_code, _sep, version = (form.get("rule") or "").rpartition(":")
        if not pool_code or not version.isdigit() or len(version) > 6:
            raise InvalidInput("rule：请选择配捐池的一个规则版本", "rule: choose a version of a pool's rule", "rule")
        stretch = (form.get("stretch") or "").strip()
        budget = [(label, to_fen(amount, f"budget_lines[{i}].amount"))
                  for i, (label, amount) in enumerate(_lines("budget", 2, "预算", "the budget"))]
        project = here.uow.run(
            projects.create_project, here.book, pool_code=pool_code, rule_version=int(version),
            code=form.get("code", ""), title=form.get("title", ""), goal_fen=to_fen(form.get("goal", ""), "goal"),
            deadline=_field_date("deadline"), funding_mode=form.get("funding_mode", ""), story=form.get("story", ""),
            area=form.get("area", ""), team=form.get("team", ""),
            stretch_fen=to_fen(stretch, "stretch") if stretch else None, budget_lines=budget)
    except LedgerError as e:
        line = re.match(r"budget_lines\[(\d+)\]", e.field or "")
        if line:  # the service counts budget lines from 0; the form's reader from 1
            e = e.located(f"预算第 {int(line.group(1)) + 1} 行", f"budget line {int(line.group(1)) + 1}", "budget")
        return _projects_page(here, form=form, error=e, opened="project", status=_form_status(e))
    flash(_("Micro-project %(code)s is open for donations, pinned to its rule version.", code=project.code), "success")
    return redirect(url_for("office.project_page", code=code, project_code=project.code))


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
