"""My unit (我的房屋): an owner types the unit's access code and sees that unit's bills, payments and arrears, without
an account; and the committee issues or revokes a unit's code.

The code only ever travels in a POST body: the unit's page is the answer to that POST (no code in a URL, so none in
the logs or a Referer), marked `Cache-Control: no-store`. The POST is rate-limited per client address, and a wrong,
revoked or malformed code all get the same message."""
from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ...domain.errors import LedgerError
from ...domain.permissions import Action
from ...services import unit_access
from ...db.session import get_session as db
from ...app import limiter
from . import bp
from .common import flash_error

MY_UNIT_RATE_LIMIT = "10 per minute"


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/my-unit", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("MY_UNIT_RATE_LIMIT", MY_UNIT_RATE_LIMIT), methods=["POST"])
def my_unit():
    error = None
    if request.method == "POST":
        session = db()
        found = unit_access.lookup(session, request.form.get("code", ""))
        if found is not None:
            book, unit = found
            doc = unit_access.statement(session, book, unit)
            return _no_store(make_response(render_template("office/my_unit_view.html", doc=doc)))
        error = _("This access code does not open any unit. Check it on your fee notice, or ask the committee for a "
                  "new one.")
    return _no_store(make_response(render_template("office/my_unit.html", error=error), 200))


@bp.route("/books/<code>/fees/codes", methods=["POST"])
@login_required
def fees_code_issue(code: str):
    """Issue a unit's access code and show it this once (the answer to the POST, never stored in the clear)."""
    from .fees import _trust_seat

    here = _trust_seat(code, Action.ISSUE_ACCESS_CODES)
    try:
        label, access_code = here.uow.run(unit_access.issue, here.book, request.form.get("unit", ""))
    except LedgerError as e:
        flash_error(e)
        return redirect(url_for("office.fees_arrears", code=code))
    return _no_store(make_response(render_template(
        "office/unit_code_issued.html", book=here.book, seat=here, unit=label, access_code=access_code,
        address=request.host_url.rstrip("/") + url_for("office.my_unit"))))


@bp.route("/books/<code>/fees/codes/revoke", methods=["POST"])
@login_required
def fees_code_revoke(code: str):
    from .fees import _trust_seat

    here = _trust_seat(code, Action.ISSUE_ACCESS_CODES)
    unit = request.form.get("unit", "")
    try:
        here.uow.run(unit_access.revoke, here.book, unit)
        flash(_("The access code of %(unit)s is revoked.", unit=unit), "success")
    except LedgerError as e:
        flash_error(e)
    return redirect(url_for("office.fees_arrears", code=code))
