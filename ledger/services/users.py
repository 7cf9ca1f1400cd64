"""Users, passwords and roles."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import Book, Membership, User
from ..domain.errors import AuthenticationFailed, DuplicateCode, InvalidInput, NotFound
from ..domain.model import Role
from ..domain.permissions import Action
from .access import audit, require_admin

SYSTEM_USERNAME = "system"


def generate_password_hash(password: str, method: str) -> str:
    # Imported when needed: werkzeug's package costs a command-line start-up 35 ms it rarely uses.
    from werkzeug.security import generate_password_hash as generate

    return generate(password, method=method)


def check_password_hash(stored: str, password: str) -> bool:
    from werkzeug.security import check_password_hash as check

    return check(stored, password)
# werkzeug's default (scrypt). The test suite lowers the cost to keep fixtures fast.
PASSWORD_METHOD = "scrypt"


def create_user(session: Session, username: str, display_name: str, password: str | None, is_admin: bool = False) -> User:
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise InvalidInput("用户名须为1到64个字符", "username must be 1 to 64 characters", "username")
    if re.search(r"\d{7,}", username) or any(ord(ch) < 32 or ord(ch) == 127 for ch in username):
        # A username is published: the hash chain commits to each entry's makers and approvers, and every
        # publication carries them. A phone or ID number in it would be public for good.
        raise InvalidInput("用户名会随公示公开：不能含有7位以上连续数字（如手机号、身份证号）或控制字符",
                           "a username is published with the accounts: it may not hold 7 or more digits in a row "
                           "(a phone or ID number) or control characters", "username")
    if password is not None and len(password) < 8:
        raise InvalidInput("密码至少8位", "password must be at least 8 characters", "password")
    if session.scalar(select(User).where(User.username == username)):
        raise DuplicateCode(f"用户名 {username} 已存在", f"username {username} is taken", "username")
    user = User(
        username=username,
        display_name=display_name or username,
        # A user without a password (the system user) can never sign in.
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD) if password else "!",
        is_admin=is_admin,
        active=True,
    )
    session.add(user)
    session.flush()
    audit(session, None, None, "user.create", username, is_admin=is_admin)
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"找不到用户 {username}", f"no user named {username}", "username")
    return user


def system_user(session: Session) -> User:
    """The administrator the command line acts as when no --as user is given."""
    user = session.scalar(select(User).where(User.username == SYSTEM_USERNAME))
    if user is None:
        user = create_user(session, SYSTEM_USERNAME, "系统 / System", None, is_admin=True)
    return user


def create_with_roles(session: Session, actor: User, username: str, display_name: str, password: str | None,
                      is_admin: bool, roles: list[tuple[str, str]]) -> User:
    """A new user with roles in books, given as (book code, role): all of it, or nothing."""
    from .access import get_book

    require_admin(actor, Action.GRANT_ROLE)
    user = create_user(session, username, display_name, password, is_admin=is_admin)
    for book_code, role in roles:
        grant_role(session, actor, user, get_book(session, book_code), role)
    return user


def grant_role(session: Session, actor: User, user: User, book: Book, role: str) -> Membership:
    require_admin(actor, Action.GRANT_ROLE)
    try:
        role_value = Role(role).value
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInput(f"未知角色 {role}（可选：{names}）", f"unknown role {role} (one of: {names})", "role") from None
    existing = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.book_id == book.id, Membership.role == role_value)
    )
    if existing:
        return existing
    membership = Membership(user_id=user.id, book_id=book.id, role=role_value)
    session.add(membership)
    session.flush()
    session.info.pop("ledger_roles", None)  # access.roles_in's cache
    audit(session, actor, book, "role.grant", user.username, role=role_value)
    return membership


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or not user.active or user.password_hash == "!" or not check_password_hash(user.password_hash, password or ""):
        audit(session, None, None, "auth.failed", (username or "")[:64])
        raise AuthenticationFailed("用户名或密码错误", "wrong user name or password")
    audit(session, user, None, "auth.login", user.username)
    return user


def sign_in(uow, username: str, password: str) -> User:
    """Check a user name and password as one unit of work: a failure is kept in the audit log, then refused."""
    with uow:
        try:
            user = authenticate(uow.session, username, password)
        except AuthenticationFailed:
            uow.commit()
            raise
        uow.commit()
        return user


def end_sessions(session: Session, user: User, why: str = "logout") -> None:
    """Make every session cookie made so far for this user worthless (signing out, a new password)."""
    user.session_version = (user.session_version or 0) + 1
    session.flush()
    audit(session, user, None, f"auth.{why}", user.username)


def change_password(session: Session, user: User, old: str, new: str) -> None:
    """A user's own new password; it also signs them out everywhere else."""
    if user.password_hash == "!" or not check_password_hash(user.password_hash, old or ""):
        raise AuthenticationFailed("原密码不正确", "the current password is wrong", "old_password")
    if len(new or "") < 8:
        raise InvalidInput("新密码至少8位", "the new password must be at least 8 characters", "new_password")
    user.password_hash = generate_password_hash(new, method=PASSWORD_METHOD)
    end_sessions(session, user, "password_change")
