"""Monthly periods: open, then closed. Nothing posts into a closed period."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.schema import Book, Entry, Period, User, utcnow
from ..domain.errors import InvalidInput, PeriodClosed, PeriodNotReady
from ..domain.model import CLOSER_ROLES, EntryStatus, PeriodStatus
from .access import audit, require_role
from .posting import lock_book


def find_period(session: Session, book: Book, year: int, month: int) -> Period | None:
    return session.scalar(select(Period).where(Period.book_id == book.id, Period.year == year, Period.month == month))


def open_period_for(session: Session, book: Book, date: dt.date, field: str = "date") -> Period:
    """The open period a date falls in, opened on first use; refuses a closed one."""
    period = find_period(session, book, date.year, date.month)
    if period is None:
        period = Period(book_id=book.id, year=date.year, month=date.month, status=PeriodStatus.OPEN.value)
        session.add(period)
        session.flush()
    if period.status != PeriodStatus.OPEN.value:
        raise PeriodClosed(
            f"{period.label} 会计期间已结账，不能记入", f"period {period.label} is closed; nothing can be booked into it", field
        )
    return period


def close_period(session: Session, actor: User, book: Book, year: int, month: int) -> Period:
    require_role(session, actor, book, CLOSER_ROLES, "结账", "close periods")
    if not (1 <= month <= 12):
        raise InvalidInput(f"月份 {month} 无效", f"month {month} is not valid", "month")
    lock_book(session, book)  # no entry may be submitted into the month while it closes
    period = find_period(session, book, year, month)
    if period is None:
        # A month with no activity can still be closed.
        period = Period(book_id=book.id, year=year, month=month, status=PeriodStatus.OPEN.value)
        session.add(period)
        session.flush()
    if period.status == PeriodStatus.CLOSED.value:
        raise PeriodClosed(f"{period.label} 已经结账", f"period {period.label} is already closed", "period")
    waiting = session.scalar(
        select(func.count()).select_from(Entry).where(Entry.period_id == period.id, Entry.status == EntryStatus.SUBMITTED.value)
    )
    if waiting:
        raise PeriodNotReady(
            f"{period.label} 还有 {waiting} 张待审批凭证，不能结账",
            f"period {period.label} still has {waiting} submitted entries awaiting approval; cannot close",
            "period",
        )
    period.status = PeriodStatus.CLOSED.value
    period.closed_at = utcnow()
    period.closed_by_id = actor.id
    audit(session, actor, book, "period.close", period.label)
    return period


def periods_of(session: Session, book: Book) -> list[Period]:
    return list(session.scalars(select(Period).where(Period.book_id == book.id).order_by(Period.year, Period.month)))
