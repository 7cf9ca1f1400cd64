"""What every API module shares: URL converters, blueprints, documented error responses."""
from __future__ import annotations

from http import HTTPStatus

from flask_smorest import Blueprint
import functools

from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.routing import BaseConverter

from .auth import authenticate
from .errors import register_error_handlers
from .schemas import CODE_PATTERN, PERIOD_PATTERN

PREFIX = "/api/v1"


class CodeConverter(BaseConverter):
    """A book, account or fund code in a path; anything else matches no route (404)."""

    regex = CODE_PATTERN[1:-1]


class PeriodConverter(BaseConverter):
    """YYYY-MM, as a string: the view reads year and month from it."""

    regex = PERIOD_PATTERN[1:-1]


def code_param_schema(_converter) -> dict:
    return {"type": "string", "pattern": CODE_PATTERN, "maxLength": 32}


def period_param_schema(_converter) -> dict:
    return {"type": "string", "pattern": PERIOD_PATTERN, "example": "2026-03"}


CONVERTERS = {"ledgercode": (CodeConverter, code_param_schema), "ledgerperiod": (PeriodConverter, period_param_schema)}
# Row ids are PostgreSQL INTEGERs: a larger number in a path matches no route rather than overflowing.
ID = "int(min=1, max=2147483647)"


class Parser(FlaskParser):
    """webargs' parser; JSON nested deeper than Python's parser can go, or an integer literal longer
    than Python converts (4,300 digits), is a 400 too, not a 500. Location `multipart` reads a
    multipart/form-data body's files and text fields together (flask-smorest documents one request
    body per operation, so a file with options cannot be two arguments)."""

    __location_map__ = dict(FlaskParser.__location_map__, multipart="load_multipart")

    def load_multipart(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except (RecursionError, ValueError) as exc:
            self._handle_invalid_json_error(exc, req)


PARSER = Parser()


def api_blueprint(name: str, description: str) -> Blueprint:
    """A blueprint under /api/v1 whose every view needs an authenticated caller."""
    bp = Blueprint(name, __name__, url_prefix=PREFIX, description=description)
    bp.ARGUMENTS_PARSER = PARSER  # before any view is decorated with bp.arguments
    bp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = dict(Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                                    multipart="multipart/form-data")
    bp.before_request(authenticate)
    register_error_handlers(bp)
    return bp


def refusals(bp: Blueprint, *codes: int):
    """Document the error responses an operation can give (401 always)."""

    def decorator(func):
        for code in sorted({401, *codes}, reverse=True):
            func = bp.alt_response(code, response=HTTPStatus(code).name)(func)
        return func

    return decorator


def requires(action):
    """Refuse (403) a caller who may not take `action` in the path's book before the request's body is read,
    as the web page's gate does; the service asks the same table again when it acts."""
    from ..db.session import get_session
    from ..services import access
    from .auth import actor, readable_book

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            access.require(get_session(), actor(), action, readable_book(kwargs["book"]))
            return view(*args, **kwargs)

        return wrapper

    return decorator


# The refusals of a view inside a book: unknown book (404), no role (403).
IN_BOOK = (403, 404)
# ... that also takes a JSON body: malformed (400), invalid (422), refused by a ledger rule (400, 409).
WRITE = (400, 403, 404, 409, 422)

# Query parameters: a misspelt filter is refused (422) rather than silently ignored, as unknown
# fields of a JSON body are; otherwise `?stauts=draft` would list every posted entry.
QUERY = {"location": "query", "arg_name": "query", "unknown": RAISE}
