"""What a request of the back office (a page or the API) hands to the services: a unit of work (this
request's session, the acting user, the voucher store), the voucher limits from the configuration,
and the files it brought. Pages and API build one here and render what the service returns."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user

from .db.session import get_session
from .services.unit_of_work import UnitOfWork
from .services.vouchers import Upload, UploadLimits, VoucherStore


def voucher_store() -> VoucherStore:
    return VoucherStore(current_app.config["VOUCHER_DIR"])


def unit_of_work(user=None) -> UnitOfWork:
    """This request's unit of work, acting as `user` (default: whoever is signed in, if anyone)."""
    if user is None and current_user.is_authenticated:
        user = current_user.user
    return UnitOfWork(get_session(), user, voucher_store())


def upload_limits() -> UploadLimits:
    config = current_app.config
    return UploadLimits(config["VOUCHER_MAX_BYTES"], config["VOUCHER_MAX_FILES"], config["VOUCHER_MAX_PIXELS_PER_REQUEST"])


def uploads(files) -> list[Upload]:
    """The request's files, each read to one byte past the limit: enough to refuse, never more."""
    limit = current_app.config["VOUCHER_MAX_BYTES"]
    return [Upload(f.filename or "", f.stream.read(limit + 1)) for f in files]
