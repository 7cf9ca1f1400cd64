"""The figures a committee checks first when it opens a book: reads only, from posted entries."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.schema import Account, Book, Entry, EntryLine, Flag, Period, PeriodClose
from ..domain.model import EntryStatus
from .periods import BANK_PREFIX, current_period, month_end


@dataclass(frozen=True)
class BankAccount:
    code: str
    name_zh: str
    name_en: str
    balance_fen: int


@dataclass(frozen=True)
class OpenMonth:
    label: str
    ended: bool  # over, so it may be closed once its checklist is done


@dataclass(frozen=True)
class Overview:
    today: dt.date
    month: str  # this calendar month, YYYY-MM
    bank_fen: int  # every bank account (code 1002…) together, posted up to today
    banks: list[BankAccount] = field(default_factory=list)
    income_fen: int = 0  # posted this month up to today
    expense_fen: int = 0
    waiting: int = 0  # entries submitted and awaiting approval
    open_flags: int = 0  # not yet closed
    awaiting_answer: int = 0  # of those, the committee owes an answer
    unclosed: list[OpenMonth] = field(default_factory=list)  # oldest first, through this month
    current_period: str = ""


def _label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def overview(session: Session, book: Book, today: dt.date | None = None) -> Overview:
    today = today or dt.date.today()
    posted = (Entry.status == EntryStatus.POSTED.value, Entry.book_id == book.id)
    banks = [
        BankAccount(code, zh, en, int(fen))
        for code, zh, en, fen in session.execute(
            select(Account.code, Account.name_zh, Account.name_en, func.sum(EntryLine.amount_fen))
            .join(EntryLine, EntryLine.account_id == Account.id).join(Entry, Entry.id == EntryLine.entry_id)
            .where(*posted, Account.book_id == book.id, Account.code.like(BANK_PREFIX + "%"), Entry.date <= today)
            .group_by(Account.code, Account.name_zh, Account.name_en).order_by(Account.code)
        )
    ]
    first = today.replace(day=1)
    by_type = dict(session.execute(
        select(Account.type, func.sum(EntryLine.amount_fen))
        .join(EntryLine, EntryLine.account_id == Account.id).join(Entry, Entry.id == EntryLine.entry_id)
        .where(*posted, Account.book_id == book.id, Account.type.in_(("income", "expense")),
               Entry.date >= first, Entry.date <= today)
        .group_by(Account.type)
    ).all())
    count = lambda query: int(session.scalar(query) or 0)  # noqa: E731
    waiting = count(select(func.count()).select_from(Entry).where(
        Entry.book_id == book.id, Entry.status == EntryStatus.SUBMITTED.value))
    open_flags = count(select(func.count()).select_from(Flag).where(Flag.book_id == book.id, Flag.closed_at.is_(None)))
    awaiting = count(select(func.count()).select_from(Flag).where(
        Flag.book_id == book.id, Flag.closed_at.is_(None), Flag.answer.is_(None)))
    return Overview(
        today=today, month=_label(today.year, today.month), bank_fen=sum(b.balance_fen for b in banks), banks=banks,
        income_fen=-int(by_type.get("income") or 0), expense_fen=int(by_type.get("expense") or 0),
        waiting=waiting, open_flags=open_flags, awaiting_answer=awaiting,
        unclosed=_unclosed(session, book, today), current_period=current_period(session, book, today),
    )


def _unclosed(session: Session, book: Book, today: dt.date) -> list[OpenMonth]:
    """Every month from the one after the latest close (with no close yet: the first month that has entries)
    through this month, and any later month that already has entries: none of them is closed."""
    last = session.execute(
        select(PeriodClose.year, PeriodClose.month).where(PeriodClose.book_id == book.id)
        .order_by(PeriodClose.year.desc(), PeriodClose.month.desc()).limit(1)
    ).first()
    used = (select(Period.year, Period.month).where(Period.book_id == book.id)
            .where(select(Entry.id).where(Entry.period_id == Period.id).exists()))
    first = session.execute(used.order_by(Period.year, Period.month).limit(1)).first()
    latest = session.execute(used.order_by(Period.year.desc(), Period.month.desc()).limit(1)).first()
    this_month = (today.year, today.month)
    y, m = _next(*last) if last else (tuple(first) if first else this_month)
    end = max(this_month, tuple(latest) if latest else this_month)
    months = []
    while (y, m) <= end and len(months) < 240:  # a book left for twenty years still renders
        months.append(OpenMonth(_label(y, m), month_end(y, m) < today))
        y, m = _next(y, m)
    return months
