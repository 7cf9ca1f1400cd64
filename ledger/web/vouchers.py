"""Vouchers (原始凭证): upload, view, redact. The rules live in ledger.services.vouchers."""
from __future__ import annotations

import json

from flask import (
    Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for,
)
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BuildError

from ..db.session import get_session as db
from ..domain.errors import LedgerError, NotFound, PermissionDenied
from ..domain.model import EntryStatus
from ..services import access, entries, vouchers
from ..work import unit_of_work, upload_limits, uploads, voucher_store
from .auth import actor

bp = Blueprint("vouchers", __name__)

ENTRY = "/books/<code>/entries/<int:entry_id>/vouchers"


def _locale() -> str:
    return str(get_locale() or "zh_CN")


def entry_url(code: str, entry_id: int) -> str:
    try:
        return url_for("office.entry", code=code, entry_id=entry_id)
    except BuildError:  # the entry page is being built; its path is settled
        return f"/books/{code}/entries/{entry_id}"


def _load(code: str, entry_id: int | None = None):
    """The session, book and entry, refusing with 404/403 when the user may not read the book."""
    session = db()
    try:
        book = access.book_for(session, actor(), code)
        entry = entries.get_entry(session, book, entry_id) if entry_id is not None else None
    except LedgerError as e:
        abort(e.status)
    return session, book, entry


def _attachment(session, book, attachment_id: int, entry_id: int | None = None):
    try:
        return vouchers.get_attachment(session, book, attachment_id, entry_id)
    except NotFound:
        abort(404)


def _refuse(e: LedgerError):
    """Forbidden and missing things answer with their status; other refusals are said on the entry page."""
    if isinstance(e, (PermissionDenied, NotFound)):
        abort(e.status)
    flash(e.message(_locale()))


@bp.post(ENTRY)
@login_required
def upload(code: str, entry_id: int):
    session, book, entry = _load(code, entry_id)
    files = [f for f in request.files.getlist("file") if f and (f.filename or f.content_length)]
    if not files:
        flash(_("Choose a photo or a PDF to attach."))
        return redirect(entry_url(code, entry_id), 303)
    try:
        attached = vouchers.upload_vouchers(unit_of_work(), book, entry, uploads(files), upload_limits())
    except LedgerError as e:
        _refuse(e)
    else:
        flash(_("Attached: %(names)s", names=", ".join(a.filename for a in attached)))
    return redirect(entry_url(code, entry_id), 303)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_e):
    limit = current_app.config["VOUCHER_MAX_BYTES"]
    flash(_("The file is too large: a voucher may be at most %(size)s.", size=vouchers.human_size(limit)))
    args = request.view_args or {}
    if "code" in args and "entry_id" in args:
        return redirect(entry_url(args["code"], args["entry_id"]), 303)
    return _("The file is too large."), 413


@bp.post(ENTRY + "/<int:attachment_id>/delete")
@login_required
def remove(code: str, entry_id: int, attachment_id: int):
    session, book, _entry = _load(code, entry_id)
    att = _attachment(session, book, attachment_id, entry_id)
    name = att.filename
    uow = unit_of_work()
    try:
        uow.run(vouchers.delete_voucher, book, att, uow.store)
    except LedgerError as e:
        _refuse(e)
    else:
        flash(_("Removed: %(name)s", name=name))
    return redirect(entry_url(code, entry_id), 303)


@bp.get(ENTRY + "/<int:attachment_id>/original")
@login_required
def original(code: str, entry_id: int, attachment_id: int):
    session, book, _entry = _load(code, entry_id)
    att = _attachment(session, book, attachment_id, entry_id)
    uow = unit_of_work()
    try:
        found = uow.run(vouchers.open_original, book, att, uow.store)  # audited before a byte is sent
    except LedgerError as e:
        abort(e.status)
    response = send_file(found.path, mimetype=found.media_type, as_attachment=True,
                         download_name=found.download_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/books/<code>/vouchers/<int:attachment_id>/public/<int:page>.jpg")
@login_required
def public(code: str, attachment_id: int, page: int):
    session, book, _entry = _load(code)
    att = _attachment(session, book, attachment_id)
    try:
        path = vouchers.public_page(session, actor(), book, att, page, voucher_store())
    except LedgerError as e:
        abort(e.status)
    response = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True, etag=path.name)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get(ENTRY + "/<int:attachment_id>/unredacted/<int:page>.jpg")
@login_required
def unredacted(code: str, entry_id: int, attachment_id: int, page: int):
    session, book, _entry = _load(code, entry_id)
    att = _attachment(session, book, attachment_id, entry_id)
    uow = unit_of_work()
    try:
        path = uow.run(vouchers.unredacted_page, book, att, page, uow.store)  # audited as a view of the original
    except LedgerError as e:
        abort(e.status)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get(ENTRY + "/<int:attachment_id>/redact")
@login_required
def redact_page(code: str, entry_id: int, attachment_id: int):
    session, book, entry = _load(code, entry_id)
    att = _attachment(session, book, attachment_id, entry_id)
    if not vouchers.may_redact(session, actor(), book):
        abort(403)
    public = vouchers.current_public(session, att)
    pages = json.loads(public.pages) if public else []
    return render_template(
        "office/voucher_redact.html", book=book, entry=entry, attachment=att, pages=pages,
        redactions=public.redactions if public else "[]", back=entry_url(code, entry_id),
        save_url=url_for("vouchers.redact", code=code, entry_id=entry_id, attachment_id=att.id),
    )


@bp.post(ENTRY + "/<int:attachment_id>/redact")
@login_required
def redact(code: str, entry_id: int, attachment_id: int):
    session, book, _entry = _load(code, entry_id)
    att = _attachment(session, book, attachment_id, entry_id)
    as_json = request.is_json
    raw = request.get_json(silent=True) if as_json else request.form.get("redactions", "[]")
    if as_json and raw is None:
        raw = "not json"  # refused below with a clear message
    uow = unit_of_work()
    try:
        public = uow.run(vouchers.redact_voucher, book, att, raw, uow.store)
    except LedgerError as e:
        if as_json:
            return jsonify(error=e.to_dict(), message=e.message(_locale())), e.status
        _refuse(e)
        return redirect(url_for("vouchers.redact_page", code=code, entry_id=entry_id, attachment_id=att.id), 303)
    pages = [
        url_for("vouchers.public", code=code, attachment_id=att.id, page=n, v=p["sha256"][:12])
        for n, p in enumerate(json.loads(public.pages), start=1)
    ]
    if as_json:
        return jsonify(ok=True, message=_("Redactions saved."), redactions=json.loads(public.redactions), pages=pages)
    flash(_("Redactions saved."))
    return redirect(entry_url(code, entry_id), 303)


@bp.app_context_processor
def _voucher_helpers():
    """What the entry page's voucher partial needs: the vouchers with their pages, and who may do what."""

    def voucher_list(book, entry):
        if not current_user.is_authenticated:
            return []
        try:
            views = vouchers.list_vouchers(db(), actor(), book, entry)
        except LedgerError:
            return []
        out = []
        for view in views:
            pages = [
                dict(p, number=n, url=url_for("vouchers.public", code=book.code, attachment_id=view.attachment.id,
                                              page=n, v=p["sha256"][:12]))
                for n, p in enumerate(view.pages, start=1)
            ]
            out.append(dict(attachment=view.attachment, pages=pages, redacted=bool(view.redactions),
                            uploaded_by=view.uploaded_by))
        return out

    def voucher_rights(book, entry):
        if not current_user.is_authenticated:
            return dict(upload=False, originals=False, redact=False, editable=False)
        session, user = db(), actor()
        return dict(
            upload=vouchers.may_upload(session, user, book, entry),
            originals=vouchers.may_see_originals(session, user, book),
            redact=vouchers.may_redact(session, user, book),
            editable=entry.status in (EntryStatus.DRAFT.value, EntryStatus.REJECTED.value),
        )

    return dict(voucher_list=voucher_list, voucher_rights=voucher_rights, voucher_accept=vouchers.ACCEPT,
                voucher_max_size=lambda: vouchers.human_size(current_app.config["VOUCHER_MAX_BYTES"]))
