"""API tokens: what an integration signs its requests with.

A token is shown once, when it is made; only its SHA-256 is kept, so a copy of
the database cannot be used to call the API. A user manages their own tokens,
an administrator anyone's. A revoked token, or one whose user is deactivated,
no longer authenticates.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import ApiToken, User, utcnow
from ..domain.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from .access import audit

TOKEN_PREFIX = "gzl_"  # 共治账本: lets secret scanners and people recognise a leaked token
PREFIX_SHOWN = 12  # characters kept in clear, so a user can tell their tokens apart
MAX_TOKEN_LENGTH = 200
# Recording every use would write on every request; once a minute tells "in use" from "stale".
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def _may_manage(actor: User, user: User) -> None:
    if actor.active and (actor.is_admin or actor.id == user.id):
        return
    raise PermissionDenied(
        f"只有 {user.username} 本人或系统管理员可以管理其 API 令牌",
        f"only {user.username} or an administrator may manage their API tokens",
        "user",
    )


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100 or any(ord(c) < 32 for c in name):
        raise InvalidInput("令牌名称须为1到100个字符", "a token's name must be 1 to 100 characters", "name")
    return name


def create_token(session: Session, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the row and the plaintext, which is never stored."""
    _may_manage(actor, user)
    name = _check_name(name)
    if not user.active:
        raise InvalidInput(f"用户 {user.username} 已停用", f"user {user.username} is deactivated", "user")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash(plaintext), prefix=plaintext[:PREFIX_SHOWN])
    session.add(token)
    session.flush()
    audit(session, actor, None, "token.create", f"token:{token.id}", owner=user.username, name=name)
    return token, plaintext


def list_tokens(session: Session, actor: User, user: User) -> list[ApiToken]:
    """A user's tokens, revoked ones included, oldest first."""
    _may_manage(actor, user)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def get_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None:
        raise NotFound(f"没有编号为 {token_id} 的令牌", f"no token with id {token_id}", "token")
    return token


def revoke_token(session: Session, actor: User, token_id: int) -> ApiToken:
    """Revoke a token for good; revoking it again changes nothing."""
    token = get_token(session, token_id)
    _may_manage(actor, token.user)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit(session, actor, None, "token.revoke", f"token:{token.id}", owner=token.user.username, name=token.name)
    return token


def authenticate_token(session: Session, plaintext: str) -> User:
    """The user a token belongs to; refuses an unknown, revoked or deactivated one."""
    refused = AuthenticationFailed("API 令牌无效或已吊销", "the API token is invalid or revoked", "Authorization")
    if not isinstance(plaintext, str) or not plaintext or len(plaintext) > MAX_TOKEN_LENGTH:
        raise refused
    try:
        digest = token_hash(plaintext)
    except UnicodeEncodeError:  # a lone surrogate: no token we issued looks like that
        raise refused from None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or token.revoked_at is not None or not token.user.active:
        raise refused
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token.user


def sign_in_with_token(uow, plaintext: str) -> User:
    """The token's user, its last use recorded in a unit of work of its own (the request then runs in another)."""
    with uow:
        user = authenticate_token(uow.session, plaintext)
        uow.commit()
        return user
