"""Who may do what in a book. Services call these; adapters never decide."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import AuditEvent, Book, Membership, User
from ..domain.errors import NotFound, PermissionDenied
from ..domain.model import Role

ROLE_NAMES = {
    Role.TREASURER: ("财务", "treasurer"),
    Role.COMMITTEE: ("业委会委员", "committee member"),
    Role.SUPERVISOR: ("信托监察人", "supervisor"),
    Role.TRUSTEE: ("受托人", "trustee"),
    Role.FUND_MANAGER: ("基金管理人", "fund manager"),
    Role.VIEWER: ("查阅人", "viewer"),
}


def roles_in(session: Session, user: User, book: Book) -> set[Role]:
    rows = session.scalars(
        select(Membership.role).where(Membership.user_id == user.id, Membership.book_id == book.id)
    )
    return {Role(r) for r in rows}


def require_role(session: Session, user: User, book: Book, allowed: frozenset[Role], what_zh: str, what_en: str) -> None:
    if user.is_admin and user.active:
        return
    if user.active and roles_in(session, user, book) & allowed:
        return
    names_zh = "、".join(ROLE_NAMES[r][0] for r in Role if r in allowed)
    names_en = ", ".join(ROLE_NAMES[r][1] for r in Role if r in allowed)
    raise PermissionDenied(
        f"您在账簿 {book.code} 中无权{what_zh}（需要：{names_zh}）",
        f"you may not {what_en} in book {book.code} (needs: {names_en})",
    )


def require_admin(user: User, what_zh: str, what_en: str) -> None:
    if not (user.is_admin and user.active):
        raise PermissionDenied(f"只有系统管理员可以{what_zh}", f"only an administrator may {what_en}")


def get_book(session: Session, code: str) -> Book:
    book = session.scalar(select(Book).where(Book.code == code))
    if book is None:
        raise NotFound(f"找不到账簿 {code}", f"no book with code {code}", "book")
    return book


def audit(session: Session, user: User | None, book: Book | None, action: str, target: str | None = None, **detail) -> None:
    session.add(
        AuditEvent(
            user_id=user.id if user else None,
            book_id=book.id if book else None,
            action=action,
            target=target,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str) if detail else None,
        )
    )
