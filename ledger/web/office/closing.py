"""Month-end: the close checklist, the bank statement balance, closing; the flags list."""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ...domain.errors import LedgerError
from ...domain.money import to_fen
from ...config import public_url
from ...db.session import EXTENSION
from ...services import books as book_service, flags, periods, publications, publish_jobs
from ..helpers import money
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
    closed = check.period.status == "closed"
    published = [p for p in publications.publications_of(here.session, here.book) if (p.year, p.month) == (year, month)]
    # A month with no row has no entries, so no flags; flags_of(period_id=None) would mean "every flag".
    month_flags = [] if check.period.id is None else flags.flags_of(here.session, here.book, period_id=check.period.id)
    return render_template("office/period.html", book=here.book, seat=here, check=check, label=period, flags=month_flags,
                           published=published, superseded=publications.superseded_ids(here.session, here.book),
                           opinions={p.id: publications.opinions_of(here.session, p) for p in published},
                           unreviewed=publications.unreviewed_vouchers(here.session, here.book, year, month) if closed else [])


@bp.route("/books/<code>/periods/<period>/v<int:version>/opinion", methods=["POST"])
@login_required
def opinion(code: str, period: str, version: int):
    here = seat(code)
    year, month = _period(period)
    try:
        pub = publications.get_publication(here.session, here.book, year, month, version)
    except LedgerError:
        abort(404)
    try:
        here.uow.run(publications.give_opinion, here.book, pub, request.form.get("kind", ""), request.form.get("text", ""))
        flash(_("Your word is recorded beside the publication."), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.period", code=code, period=period))


@bp.route("/books/<code>/periods/<period>/publish", methods=["POST"])
@login_required
def publish(code: str, period: str):
    """Start publishing in the background and go to the page that shows how far it has got."""
    here = seat(code)
    year, month = _period(period)
    config = current_app.config
    try:
        job = publish_jobs.start(here.uow, current_app.extensions[EXTENSION].sessions, here.book.code, year, month,
                                 Path(config["PUBLICATIONS_DIR"]), Path(config["JOBS_DIR"]), config["PUBLISH_IN_BACKGROUND"])
    except LedgerError as e:
        flash_error(e)
        return redirect(url_for("office.period", code=code, period=period))
    return redirect(url_for("office.publishing", code=code, job_id=job.id))


@bp.route("/books/<code>/periods/<period>/v<int:version>/files/<path:path>")
@login_required
def publication_file(code: str, period: str, version: int, path: str):
    """A file of a publication (the poster to print for the lobby, the PDFs, the tables) for the book's members."""
    here = seat(code)
    year, month = _period(period)
    try:
        pub = publications.get_publication(here.session, here.book, year, month, version)
        row, where = publications.published_file(here.session, pub, path, Path(current_app.config["PUBLICATIONS_DIR"]))
    except LedgerError:
        abort(404)
    return send_file(where, etag=row.sha256, conditional=True, download_name=Path(path).name,
                     as_attachment=not path.endswith((".pdf", ".svg", ".jpg")))


@bp.route("/books/<code>/publishing/<job_id>")
@login_required
def publishing(code: str, job_id: str):
    """How far a publishing job has got: the steps done, then the result (the page reloads itself until then)."""
    here = seat(code)
    try:
        job = publish_jobs.read(Path(current_app.config["JOBS_DIR"]), job_id, here.book.code)
    except LedgerError:
        abort(404)
    return render_template("office/publishing.html", book=here.book, seat=here, job=job,
                           public_url=f"{public_url()}/{job.book}/{job.period}/v{job.version}/")


@bp.route("/books/<code>/periods/<period>/bank", methods=["POST"])
@login_required
def bank_balance(code: str, period: str):
    here = seat(code)
    year, month = _period(period)
    try:
        account = request.form.get("account", "")
        here.uow.run(periods.record_bank_balance, here.book, year, month, account,
                     to_fen(request.form.get("balance", ""), "balance"))
        bank = next((b for b in periods.checklist(here.session, here.book, year, month).banks if b.account.code == account), None)
        if bank is None or bank.ok:
            flash(_("Bank statement balance recorded."), "success")
        else:  # recorded, but it does not agree: amber, with the difference
            flash(_("Bank statement balance recorded; it differs from the book by %(diff)s: find the difference before closing.",
                    diff=money(bank.statement_fen - bank.book_fen)), "warning")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.period", code=code, period=period))


@bp.route("/books/<code>/periods/<period>/close", methods=["POST"])
@login_required
def close(code: str, period: str):
    here = seat(code)
    year, month = _period(period)
    # Closing is for good: only with the box "I confirm" ticked and a note of what was checked.
    reason = " ".join((request.form.get("reason") or "").split())
    if request.form.get("confirm") != "yes" or not reason:
        flash(_("The month was not closed: say what was checked and tick “I confirm” first."), "error")
        return redirect(url_for("office.period", code=code, period=period, confirm="close"))
    try:
        here.uow.run(periods.close_period, here.book, year, month, note=reason)
        flash(_("Period %(period)s is closed.", period=period), "success")
    except LedgerError as e:
        flash_error(e)
        return redirect(url_for("office.period", code=code, period=period, confirm="close"))
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


def _back_to(code: str, flag, back: str | None) -> str:
    """Where a flag's form came from: its entry's page or the flags list (never a URL the form supplies)."""
    if (request.form.get("back") or back) == "entry":
        return url_for("office.entry", code=code, entry_id=flag.entry_id, _anchor=f"flag-{flag.id}")
    return url_for("office.flags_list", code=code, _anchor=f"flag-{flag.id}")


def _on_flag(code: str, flag_id: int, operation, done: str, *args, back: str | None = None):
    """Run `operation(session, actor, book, flag, *args)` as one unit of work; go back where the form was."""
    here = seat(code)
    try:
        flag = flags.get_flag(here.session, here.book, flag_id)
    except LedgerError:
        abort(404)
    try:
        here.uow.run(operation, here.book, flag, *args)
        flash(done, "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(_back_to(code, flag, back))


@bp.route("/books/<code>/flags/<int:flag_id>/answer", methods=["POST"])
@login_required
def answer_flag(code: str, flag_id: int):
    return _on_flag(code, flag_id, flags.answer_flag, _("Answer recorded."), request.form.get("answer", ""), back="entry")


@bp.route("/books/<code>/flags/<int:flag_id>/follow-up", methods=["POST"])
@login_required
def follow_up_flag(code: str, flag_id: int):
    return _on_flag(code, flag_id, flags.follow_up_flag, _("Follow-up sent: the committee is asked to answer again."),
                    request.form.get("text", ""))


@bp.route("/books/<code>/flags/<int:flag_id>/close", methods=["POST"])
@login_required
def close_flag(code: str, flag_id: int):
    return _on_flag(code, flag_id, flags.close_flag, _("Flag closed."), request.form.get("note", ""),
                    request.form.get("confirm") == "yes")
