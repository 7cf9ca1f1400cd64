"""The supervisor's flags on entries: the committee's answers, follow-ups, and closing when satisfied.

A flag is a thread: the question (`Flag.comment`), then replies (answer, follow_up, close) that are
never changed. The committee owes an answer while `Flag.answer` is empty; a follow-up empties it
again. Who may do which, on which flag, is the permissions table's (ledger.domain.permissions)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import Book, Entry, Flag, FlagReply, User, utcnow
from ..domain.errors import InvalidInput, NotFound
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


def _decide_on(session: Session, actor: User, action: Action, book: Book, flag: Flag) -> None:
    """The book's lock, a fresh read of the flag, and the permissions table's check on it.

    Two people acting at once: the second waits for the lock, then re-reads the flag and sees what the
    first did (answered, closed), instead of both deciding on the copy loaded before the lock."""
    lock_book(session, book)
    session.refresh(flag)
    require(session, actor, action, book, flag)


def _reply(session: Session, actor: User, book: Book, flag: Flag, kind: str, text: str) -> FlagReply:
    reply = FlagReply(flag_id=flag.id, book_id=book.id, author_id=actor.id, kind=kind, text=text, at=utcnow())
    session.add(reply)
    session.flush()
    session.expire(flag, ["replies"])
    return reply


def answer_flag(session: Session, actor: User, book: Book, flag: Flag, answer: str) -> Flag:
    """The committee answers the question, or the latest follow-up."""
    require(session, actor, Action.ANSWER_FLAG, book)
    text = _text(answer, "answer")
    _decide_on(session, actor, Action.ANSWER_FLAG, book, flag)
    reply = _reply(session, actor, book, flag, "answer", text)
    flag.answer = text
    flag.answered_by = actor
    flag.answered_at = reply.at
    audit(session, actor, book, "flag.answer", f"flag:{flag.id}", answer=flag.answer)
    return flag


def follow_up_flag(session: Session, actor: User, book: Book, flag: Flag, text: str) -> Flag:
    """The one who raised the flag (or a supervisor) asks again: the committee owes a new answer."""
    require(session, actor, Action.FOLLOW_UP_FLAG, book)
    text = _text(text, "text")
    _decide_on(session, actor, Action.FOLLOW_UP_FLAG, book, flag)
    _reply(session, actor, book, flag, "follow_up", text)
    flag.answer = flag.answered_by = flag.answered_at = None  # the earlier answers stay in the thread
    audit(session, actor, book, "flag.follow_up", f"flag:{flag.id}", comment=text)
    return flag


def close_flag(session: Session, actor: User, book: Book, flag: Flag, note: str = "", confirmed: bool = True) -> Flag:
    """Satisfied: the flag is closed for good, with an optional closing note. A form asks the one closing
    it to confirm (`confirmed`), since nobody can reopen it."""
    require(session, actor, Action.CLOSE_FLAG, book)
    if not confirmed:
        raise InvalidInput("标记没有关闭：请先勾选“问题已解决”", "the flag was not closed: tick “I am satisfied” first", "confirm")
    note = (note or "").strip()
    if len(note) > 2000:
        raise InvalidInput("内容不能超过2000个字", "text must be at most 2000 characters", "note")
    _decide_on(session, actor, Action.CLOSE_FLAG, book, flag)
    reply = _reply(session, actor, book, flag, "close", note)
    flag.closed_by = actor
    flag.closed_at = reply.at
    audit(session, actor, book, "flag.close", f"flag:{flag.id}", **({"comment": note} if note else {}))
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
        query = query.where(Flag.closed_at.is_(None))
    return list(session.scalars(query.order_by(Flag.raised_at.desc(), Flag.id.desc())))
