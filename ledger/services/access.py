"""Who may do what in a book, asked of the one table in ledger.domain.permissions.

Services call `require` before they change anything; pages, templates and the API call
`can` to decide which controls to offer. Adapters never decide on their own."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import AuditEvent, Book, Membership, User
from ..domain.errors import NotFound
from ..domain.model import Role
from ..domain.permissions import Action, decide


def roles_in(session: Session, user: User, book: Book) -> frozenset[Role]:
    """The user's roles in the book, read once per session (a page asks many questions)."""
    cache = session.info.setdefault("ledger_roles", {})
    key = (user.id, book.id)
    if key not in cache:
        rows = session.scalars(
            select(Membership.role).where(Membership.user_id == user.id, Membership.book_id == book.id)
        )
        cache[key] = frozenset(Role(r) for r in rows)
    return cache[key]


def can(session: Session, user: User | None, action: Action, book: Book, entry=None) -> bool:
    """Whether the user may take the action now (on the entry, if given)."""
    if user is None:
        return False
    return decide(action, roles_in(session, user, book), user.is_admin, user.id, book.code, entry, user.active) is None


def require(session: Session, user: User, action: Action, book: Book, entry=None) -> None:
    """Refuse, with the table's reason, unless the user may take the action."""
    refusal = decide(action, roles_in(session, user, book), user.is_admin, user.id, book.code, entry, user.active)
    if refusal is not None:
        raise refusal.error()


def require_admin(user: User, action: Action) -> None:
    """For the actions no book role grants (creating books, granting roles, importing history)."""
    refusal = decide(action, frozenset(), user.is_admin, user.id, "", None, user.active)
    if refusal is not None:
        raise refusal.error()


def get_book(session: Session, code: str) -> Book:
    book = session.scalar(select(Book).where(Book.code == code))
    if book is None:
        raise NotFound(f"找不到账簿 {code}", f"no book with code {code}", "book")
    return book


def book_for(session: Session, user: User, code: str, action: Action = Action.READ_BOOK) -> Book:
    """The book by code, for a user who may take `action` in it (reading, by default): the gate every page and
    API call goes through before a read service is handed the book. NotFound, or the table's refusal."""
    book = get_book(session, code)
    require(session, user, action, book)
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


def record_export(session: Session, user: User, book: Book, what: str, fmt: str, rows: int, **detail) -> None:
    """A table taken out of the app is on record (who, what, how many rows) before a byte is sent."""
    audit(session, user, book, "export", what, format=fmt, rows=rows, **detail)


def audit_events(session: Session, user: User, book: Book, action: str = "", username: str = "",
                 start=None, end=None, limit: int = 50, offset: int = 0) -> tuple[list, bool]:
    """The book's audit log, newest first, for those who may read it: its own events and the sign-ins of the
    people who have a role in it. Rows of (AuditEvent, the actor's display name); whether there is more."""
    import datetime as dt

    require(session, user, Action.READ_AUDIT, book)
    members = select(Membership.user_id).where(Membership.book_id == book.id)
    query = select(AuditEvent, User.display_name).outerjoin(User, User.id == AuditEvent.user_id).where(
        (AuditEvent.book_id == book.id) | (AuditEvent.book_id.is_(None) & AuditEvent.user_id.in_(members))
    )
    if action:
        query = query.where(AuditEvent.action.like(f"{action}%"))
    if username:
        query = query.where(User.username == username)
    if start:
        query = query.where(AuditEvent.at >= dt.datetime.combine(start, dt.time.min))
    if end:
        query = query.where(AuditEvent.at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    rows = session.execute(query.order_by(AuditEvent.id.desc()).limit(limit + 1).offset(offset)).all()
    return rows[:limit], len(rows) > limit
