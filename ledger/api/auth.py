"""Who is calling: a bearer token, or the signed-in browser session.

Integrations send `Authorization: Bearer <token>` and no cookies, so the API is
exempt from the CSRF token of the web forms. A page of our own may call the API
with its session cookie instead; then a request that changes something must
carry an `X-Requested-With` header, which a cross-site form cannot send (and we
answer no CORS preflight that would allow it).
"""
from __future__ import annotations

from flask import g, request
from flask_login import current_user

from ..db.session import get_session as db
from ..db.schema import Book, User
from ..domain.errors import AuthenticationFailed
from .. import work
from ..services import access, tokens
from ..services.unit_of_work import UnitOfWork
from .errors import RequestedWithMissing, unauthenticated

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def authenticate() -> None:
    """Before every API request: set g.api_user, or refuse with 401 (or 403 for a cross-site change).

    A path that names a book is refused (403/404) here, before the body is read, so
    someone with no role in a book learns nothing from its validation errors."""
    _identify()
    code = (request.view_args or {}).get("book")
    if code is not None:
        readable_book(code)


def _identify() -> None:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed(
                "Authorization 头须为 “Bearer <令牌>”", "the Authorization header must be \"Bearer <token>\"", "Authorization"
            )
        user = tokens.sign_in_with_token(work.unit_of_work(), token.strip())
        g.api_user, g.api_auth = user, "token"
        return
    if current_user.is_authenticated:
        if request.method not in SAFE_METHODS and not request.headers.get("X-Requested-With"):
            raise RequestedWithMissing(
                "通过登录会话修改数据时，请求须带 X-Requested-With 头",
                "a change made with the sign-in session must carry the X-Requested-With header",
                "X-Requested-With",
            )
        g.api_user, g.api_auth = current_user.user, "session"
        return
    raise unauthenticated()


def actor() -> User:
    return g.api_user


def unit_of_work() -> UnitOfWork:
    """This request's unit of work, acting as the caller."""
    return work.unit_of_work(actor())


def readable_book(code: str) -> Book:
    """The book by code (404) if the caller may read it (403); checked once a request."""
    checked = g.get("api_book")
    if checked is not None and checked.code == code:
        return checked
    book = access.book_for(db(), actor(), code)
    g.api_book = book
    return book
