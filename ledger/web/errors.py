"""Error pages a resident can read: in the page's language, inside the site's frame, with a way back.

The API answers its own errors in JSON (ledger.api.errors); everything else gets these pages instead of
Werkzeug's English ones."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

PAGES = {
    400: (_("The request could not be read"), _("Something in it was malformed. Go back and try again.")),
    403: (_("You may not see this page"),
          _("Your role in this book does not allow it. If you think it should, ask the owners' committee.")),
    404: (_("There is no such page"),
          _("No book, entry, account or month at this address: it may have been removed, or the address is mistyped.")),
    405: (_("This page cannot be used that way"), _("Go back and use the buttons on the page.")),
    413: (_("What you sent is too large"), _("Send fewer or smaller files at once.")),
    429: (_("Too many tries"), _("Wait a minute, then try again.")),
    500: (_("Something went wrong on our side"),
          _("Nothing was saved. Try again; if it happens again, tell the administrator.")),
}


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _page(e: HTTPException):
        if request.path.startswith("/api/"):
            return e  # the API's own handlers answer in JSON
        title, text = PAGES.get(e.code, (e.name, e.description or ""))
        response = e.get_response()
        response.set_data(render_template("error.html", code=e.code, title=title, text=text))
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(InternalServerError)
    def _crash(e: InternalServerError):
        if request.path.startswith("/api/"):
            return e
        title, text = PAGES[500]
        return render_template("error.html", code=500, title=title, text=text), 500
