"""The supervisor's flags on entries, and the committee's answers."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import Book, Entry, Flag, User, utcnow
from ..domain.errors import InvalidInput, InvalidState, NotFound
from ..domain.permissions import Action
from .access import audit, require
from .posting import lock_book


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > 2000:
        raise InvalidInput("内容须为1到2000个字", "text must be 1 to 2000 characters", field)
    return value


def raise_flag(session: Session, actor: User, book: Book, entry: Entry, comment: str) -> Flag:
    require(session, actor, Action.RAISE_FLAG, book)
    flag = Flag(book_id=book.id, entry_id=entry.id, raised_by_id=actor.id, comment=_text(comment, "comment"))
    session.add(flag)
    session.flush()
    audit(session, actor, book, "flag.raise", f"entry:{entry.id}", comment=flag.comment)
    return flag


def answer_flag(session: Session, actor: User, book: Book, flag: Flag, answer: str) -> Flag:
    require(session, actor, Action.ANSWER_FLAG, book)
    text = _text(answer, "answer")
    # Two people answering at once: the second waits for the book's lock, then re-reads the flag and
    # sees the first answer, instead of both deciding on the copy loaded before the lock.
    lock_book(session, book)
    session.refresh(flag)
    if flag.answer is not None:
        raise InvalidState("这个标记已经回复过（可能刚被他人回复，请刷新）",
                           "this flag has already been answered (perhaps just now by someone else; reload)", "flag")
    flag.answer = text
    flag.answered_by_id = actor.id
    flag.answered_at = utcnow()
    audit(session, actor, book, "flag.answer", f"flag:{flag.id}", answer=flag.answer)
    return flag


def get_flag(session: Session, book: Book, flag_id: int) -> Flag:
    flag = session.get(Flag, flag_id)
    if flag is None or flag.book_id != book.id:
        raise NotFound(f"没有标记 {flag_id}", f"no flag {flag_id}", "flag")
    return flag


def flags_of(session: Session, book: Book, period_id: int | None = None, entry_id: int | None = None, open_only: bool = False) -> list[Flag]:
    query = select(Flag).where(Flag.book_id == book.id)
    if period_id is not None:
        query = query.join(Entry, Entry.id == Flag.entry_id).where(Entry.period_id == period_id)
    if entry_id is not None:
        query = query.where(Flag.entry_id == entry_id)
    if open_only:
        query = query.where(Flag.answer.is_(None))
    return list(session.scalars(query.order_by(Flag.raised_at.desc(), Flag.id.desc())))
