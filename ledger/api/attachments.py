"""Vouchers (原始凭证) of an entry: list, upload, and the public derivative's pages.

The rules are ledger.services.vouchers': who may upload (the maker, a treasurer,
a committee member), only while the entry is a draft or rejected; a file's type is
what its bytes are; the public copy is re-encoded without EXIF, redactions burned
in. Originals are not served here: the back office serves them, audited.
"""
from __future__ import annotations

import io

from flask import send_file
from flask.views import MethodView

from .. import work
from ..db.session import get_session as db
from ..services import entries as entry_service, vouchers
from . import present
from .auth import actor, readable_book, unit_of_work
from .common import ID, IN_BOOK, api_blueprint, refusals
from .schemas import VoucherSchema, VoucherUploadSchema

bp = api_blueprint("api_attachments", "Vouchers (原始凭证): upload, list, and the public (redacted, EXIF-free) pages.")

ENTRY = f"/books/<ledgercode:book>/entries/<{ID}:entry_id>/attachments"


@bp.route(ENTRY)
class Attachments(MethodView):
    # One rule for both methods: werkzeug would answer an out-of-range id with 405 for a method
    # whose own rule it never converted, instead of 404.

    @bp.response(200, VoucherSchema(many=True))
    @refusals(bp, *IN_BOOK)
    def get(self, book, entry_id):
        """The entry's vouchers: SHA-256 of the original, file name, media type, size, and the public pages."""
        session = db()
        b = readable_book(book)
        entry = entry_service.get_entry(session, b, entry_id)
        private = present.sees_originals(session, b)
        return [present.voucher(v, private) for v in vouchers.list_vouchers(session, actor(), b, entry)]

    @bp.arguments(VoucherUploadSchema, location="files", arg_name="files")
    @bp.response(201, VoucherSchema)
    @refusals(bp, 400, 403, 404, 409, 413, 415, 422)
    def post(self, book, entry_id, files):
        """Attach a photo or scan (multipart/form-data, field `file`) to a draft or rejected entry."""
        session = db()
        b = readable_book(book)
        entry = entry_service.get_entry(session, b, entry_id)
        [attachment] = vouchers.upload_vouchers(unit_of_work(), b, entry, work.uploads([files["file"]]), work.upload_limits())
        views = vouchers.list_vouchers(session, actor(), b, entry)
        return present.voucher(next(v for v in views if v.attachment.id == attachment.id), present.sees_originals(session, b))


@bp.route(f"/books/<ledgercode:book>/attachments/<{ID}:attachment_id>/public/<int(min=1, max=1000):page>")
@bp.response(200, {"type": "string", "format": "binary"}, content_type="image/jpeg",
              description="The page as JPEG: re-encoded, no EXIF, redactions burned in.")
@refusals(bp, *IN_BOOK)
def public_page(book, attachment_id, page):
    """One page of a voucher's public derivative, for anyone with a role in the book."""
    session = db()
    b = readable_book(book)
    attachment = vouchers.get_attachment(session, b, attachment_id)
    path = vouchers.public_page(session, actor(), b, attachment, page, work.voucher_store())
    # Sent from memory (a page is at most 2000 px): a client that never closes the response leaks no file.
    response = send_file(io.BytesIO(path.read_bytes()), mimetype="image/jpeg", max_age=0, conditional=True,
                         etag=path.name, last_modified=path.stat().st_mtime)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
