"""Posting: the one place where entries get their number and their link in the chain.

A `Poster` holds the book's lock for the rest of the transaction (SELECT ... FOR
UPDATE on PostgreSQL; SQLite transactions here begin IMMEDIATE), so numbers are
handed out one at a time and stay gapless even when several processes post at
once: a rolled-back transaction gives its numbers back.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.schema import Account, Book, BookHead, Entry, EntryLine, Fund, Period, PeriodClose, utcnow
from ..domain.chain import GENESIS, chain_hash, entry_message, head_message
from ..domain.errors import InactiveAccount, PeriodClosed, RestrictedFundOverdrawn, UnknownAccount, UnknownFund
from ..domain.model import EntryStatus, Line, PostedEntry, PostedLine, entry_number
from ..domain.money import fen_to_str
from . import witness
from .signing import keys_for


@dataclass(frozen=True)
class ResolvedLine:
    line: Line
    account: Account
    fund: Fund


class ChartIndex:
    """A book's accounts and funds by code, loaded once per unit of work."""

    def __init__(self, session: Session, book: Book):
        self.book = book
        self.accounts = {a.code: a for a in session.scalars(select(Account).where(Account.book_id == book.id))}
        self.funds = {f.code: f for f in session.scalars(select(Fund).where(Fund.book_id == book.id))}

    def resolve(self, lines: tuple[Line, ...]) -> list[ResolvedLine]:
        resolved = []
        for i, line in enumerate(lines):
            account = self.accounts.get(line.account)
            if account is None:
                raise UnknownAccount(
                    f"账簿 {self.book.code} 中没有科目 {line.account}",
                    f"book {self.book.code} has no account {line.account}",
                    f"lines[{i}].account",
                )
            if not account.active:
                raise InactiveAccount(
                    f"科目 {line.account} {account.name_zh} 已停用", f"account {line.account} is deactivated", f"lines[{i}].account"
                )
            fund = self.funds.get(line.fund)
            if fund is None:
                raise UnknownFund(
                    f"账簿 {self.book.code} 中没有基金 {line.fund}",
                    f"book {self.book.code} has no fund {line.fund}",
                    f"lines[{i}].fund",
                )
            if not fund.active:
                raise UnknownFund(f"基金 {line.fund} 已停用", f"fund {line.fund} is closed", f"lines[{i}].fund")
            resolved.append(ResolvedLine(line, account, fund))
        return resolved


def lock_book(session: Session, book: Book) -> None:
    """Hold the book's row lock until the transaction ends (PostgreSQL; SQLite's
    IMMEDIATE transactions already hold the database's write lock).

    Every change to a book's entries or periods takes it first, so opening a
    month, reusing an idempotency key, closing and posting never race. FOR NO KEY
    UPDATE, not FOR UPDATE: inserting a row that references the book takes a
    KEY SHARE lock on it, which FOR UPDATE would deadlock against."""
    session.execute(select(Book.id).where(Book.id == book.id).with_for_update(key_share=True))


def lock_date(session: Session, book: Book) -> dt.date | None:
    """The end of the book's latest closed month: nothing posts on or before it."""
    return session.scalar(select(func.max(PeriodClose.through_date)).where(PeriodClose.book_id == book.id))


def check_open_date(session: Session, book: Book, date: dt.date, field: str = "date") -> None:
    """Refuse a date before the book's first month or on or before its lock date, by any path."""
    if book.start_date is not None and date < book.start_date:
        raise PeriodClosed(
            f"日期 {date.isoformat()} 早于账簿 {book.code} 的首月（{book.start_date:%Y-%m}）；期初余额请记入首月",
            f"date {date.isoformat()} is before the first month of book {book.code} ({book.start_date:%Y-%m}); "
            "opening balances go in the first month",
            field,
        )
    locked = lock_date(session, book)
    if locked is not None and date <= locked:
        raise PeriodClosed(
            f"日期 {date.isoformat()} 在账簿锁定日 {locked.isoformat()}（最近结账月的月末）之前或当天，不能记入；"
            "更正请在未结账月份以红字冲销",
            f"date {date.isoformat()} is on or before the lock date of the book, {locked.isoformat()} "
            "(the end of its latest closed month); correct it with a reversal in an open month",
            field,
        )


@dataclass(frozen=True)
class Stamp:
    seq: int
    number: str
    chain_seq: int
    prev_hash: str
    hash: str
    signature: str


class Poster:
    """Numbers, chains and checks entries of one book inside one transaction."""

    def __init__(self, session: Session, book: Book):
        self.session = session
        self.book = book
        lock_book(session, book)
        witness.check(session, book)  # never extend a chain that lost its end, nor post under forged settings
        head = session.execute(
            select(Entry.chain_seq, Entry.hash)
            .where(Entry.book_id == book.id, Entry.chain_seq.is_not(None))
            .order_by(Entry.chain_seq.desc())
            .limit(1)
        ).first()
        self.chain_seq, self.head = (head[0], head[1]) if head else (0, GENESIS)
        self._last_seq: dict[int, int] = {}
        self._cash: dict[int, dict[dt.date, int]] = {}
        self._signer = None
        self._lock_date = lock_date(session, book)

    @property
    def signer(self):
        if self._signer is None:
            self._signer = keys_for(self.session).signer(self.book.code)
        return self._signer

    def _cash_days(self, fund: Fund) -> dict[dt.date, int]:
        """The fund's posted cash movement per day (loaded once per transaction, kept up to date by `stamp`)."""
        if fund.id not in self._cash:
            self._cash[fund.id] = {day: int(fen) for day, fen in self.session.execute(
                select(Entry.date, func.sum(EntryLine.amount_fen))
                .join(Entry, Entry.id == EntryLine.entry_id)
                .join(Account, Account.id == EntryLine.account_id)
                .where(EntryLine.fund_id == fund.id, Account.cash.is_(True), Entry.status == EntryStatus.POSTED.value)
                .group_by(Entry.date)
            )}
        return self._cash[fund.id]

    def _lowest_cash(self, fund: Fund, date: dt.date) -> tuple[int, dt.date]:
        """The fund's least cash at the end of `date` or of any later day, and that day.

        A spend dated in the past must not leave the fund short on any day since: money that
        arrived later cannot have paid for it."""
        days = self._cash_days(fund)
        balance = sum(fen for day, fen in days.items() if day <= date)
        lowest, when = balance, date
        for day in sorted(d for d in days if d > date):  # nothing to walk for an entry dated today
            balance += days[day]
            if balance < lowest:
                lowest, when = balance, day
        return lowest, when

    def check_restricted(self, lines: list[ResolvedLine], date: dt.date) -> dict[int, int]:
        """Refuse an entry that would leave a restricted fund with less than nothing, on its date or any day after.

        Returns the change to each restricted fund's cash, for `stamp` to apply."""
        deltas: dict[int, int] = {}
        for rl in lines:
            if rl.fund.restricted and rl.account.cash:
                deltas[rl.fund.id] = deltas.get(rl.fund.id, 0) + rl.line.fen
                # Loaded before the first entry of the fund is stamped, receipts included: an import writes its
                # entries in batches, so what it stamped is not yet in the table a later spend would read.
                self._cash_days(rl.fund)
        for i, rl in enumerate(lines):
            delta = deltas.get(rl.fund.id)
            if delta is not None and delta < 0:
                balance, when = self._lowest_cash(rl.fund, date)
                if balance + delta < 0:
                    on_zh = "" if when == date else f"（{when} 日终）"
                    on_en = "" if when == date else f" (at the end of {when})"
                    raise RestrictedFundOverdrawn(
                        f"限定性基金 {rl.fund.code} {rl.fund.name_zh} 现有资金 {fen_to_str(balance)}{on_zh}，"
                        f"不足以支出 {fen_to_str(-delta)}",
                        f"restricted fund {rl.fund.code} holds {fen_to_str(balance)}{on_en}, "
                        f"not enough to spend {fen_to_str(-delta)}",
                        f"lines[{i}].fund",
                    )
        return deltas

    def _next_seq(self, period: Period) -> int:
        if period.id not in self._last_seq:
            self._last_seq[period.id] = self.session.scalar(
                select(func.coalesce(func.max(Entry.seq), 0)).where(Entry.period_id == period.id)
            )
        self._last_seq[period.id] += 1
        return self._last_seq[period.id]

    def stamp(
        self, period: Period, date: dt.date, summary: str, lines: list[ResolvedLine], attachments: tuple[str, ...] = (),
        makers: tuple[str, ...] = (), approvers: tuple[str, ...] = (), source: str = "manual", reverses: str | None = None,
    ) -> Stamp:
        """Check, number, chain and sign one entry; the caller writes the stamp with status posted."""
        if (date.year, date.month) != (period.year, period.month):
            raise PeriodClosed(f"日期 {date} 不在期间 {period.label} 内", f"date {date} is not in period {period.label}", "date")
        if self.book.start_date is not None and date < self.book.start_date or \
                self._lock_date is not None and date <= self._lock_date:
            check_open_date(self.session, self.book, date)
        deltas = self.check_restricted(lines, date)
        seq = self._next_seq(period)
        number = entry_number((period.year, period.month), seq)
        posted = PostedEntry(
            book=self.book.code,
            number=number,
            date=date,
            summary=summary,
            lines=tuple(PostedLine(rl.line.account, rl.account.type, bool(rl.account.cash), rl.line.fund, rl.line.fen,
                                   rl.line.note) for rl in lines),
            attachments=attachments,
            makers=makers,
            approvers=approvers,
            source=source,
            reverses=reverses,
        )
        prev = self.head
        digest = chain_hash(prev, posted)
        signature = self.signer.sign(entry_message(digest))
        self.chain_seq += 1
        self.head = digest
        for fund_id, delta in deltas.items():  # each loaded by check_restricted
            self._cash[fund_id][date] = self._cash[fund_id].get(date, 0) + delta
        return Stamp(seq=seq, number=number, chain_seq=self.chain_seq, prev_hash=prev, hash=digest, signature=signature)

    def record_head(self) -> None:
        """Sign the chain's new head into the book's head row (which only moves forward)."""
        if self.chain_seq == 0:
            return
        witness.touch(self.session, self.book, "chain", "publics")
        signature = self.signer.sign(head_message(self.book.code, self.chain_seq, self.head))
        row = self.session.get(BookHead, self.book.id)
        if row is None:
            self.session.add(BookHead(book_id=self.book.id, chain_seq=self.chain_seq, hash=self.head, signature=signature))
        elif row.chain_seq != self.chain_seq:
            row.chain_seq, row.hash, row.signature, row.updated_at = self.chain_seq, self.head, signature, utcnow()
        self.session.flush()
