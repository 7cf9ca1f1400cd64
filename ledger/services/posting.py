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

from ..db.schema import Account, Book, Entry, EntryLine, Fund, Period
from ..domain.chain import GENESIS, chain_hash
from ..domain.errors import InactiveAccount, RestrictedFundOverdrawn, UnknownAccount, UnknownFund
from ..domain.model import EntryStatus, Line, PostedEntry, entry_number
from ..domain.money import fen_to_str


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


@dataclass(frozen=True)
class Stamp:
    seq: int
    number: str
    chain_seq: int
    prev_hash: str
    hash: str


class Poster:
    """Numbers, chains and checks entries of one book inside one transaction."""

    def __init__(self, session: Session, book: Book):
        self.session = session
        self.book = book
        lock_book(session, book)
        head = session.execute(
            select(Entry.chain_seq, Entry.hash)
            .where(Entry.book_id == book.id, Entry.chain_seq.is_not(None))
            .order_by(Entry.chain_seq.desc())
            .limit(1)
        ).first()
        self.chain_seq, self.head = (head[0], head[1]) if head else (0, GENESIS)
        self._last_seq: dict[int, int] = {}
        self._cash: dict[int, int] = {}

    def _cash_balance(self, fund: Fund) -> int:
        if fund.id not in self._cash:
            self._cash[fund.id] = self.session.scalar(
                select(func.coalesce(func.sum(EntryLine.amount_fen), 0))
                .join(Entry, Entry.id == EntryLine.entry_id)
                .join(Account, Account.id == EntryLine.account_id)
                .where(EntryLine.fund_id == fund.id, Account.cash.is_(True), Entry.status == EntryStatus.POSTED.value)
            )
        return self._cash[fund.id]

    def check_restricted(self, lines: list[ResolvedLine]) -> dict[int, int]:
        """Refuse an entry that would leave a restricted fund with less than nothing.

        Returns the change to each restricted fund's cash, for `stamp` to apply."""
        deltas: dict[int, int] = {}
        for rl in lines:
            if rl.fund.restricted and rl.account.cash:
                deltas[rl.fund.id] = deltas.get(rl.fund.id, 0) + rl.line.fen
        for i, rl in enumerate(lines):
            delta = deltas.get(rl.fund.id)
            if delta is not None:
                balance = self._cash_balance(rl.fund)
                if balance + delta < 0:
                    raise RestrictedFundOverdrawn(
                        f"限定性基金 {rl.fund.code} {rl.fund.name_zh} 现有资金 {fen_to_str(balance)}，"
                        f"不足以支出 {fen_to_str(-delta)}",
                        f"restricted fund {rl.fund.code} holds {fen_to_str(balance)}, "
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

    def stamp(self, period: Period, date: dt.date, summary: str, lines: list[ResolvedLine], attachments: tuple[str, ...] = ()) -> Stamp:
        """Check, number and chain one entry; the caller writes the stamp with status posted."""
        deltas = self.check_restricted(lines)
        seq = self._next_seq(period)
        number = entry_number((period.year, period.month), seq)
        posted = PostedEntry(
            book=self.book.code,
            number=number,
            date=date,
            summary=summary,
            lines=tuple(rl.line for rl in lines),
            attachments=attachments,
        )
        prev = self.head
        digest = chain_hash(prev, posted)
        self.chain_seq += 1
        self.head = digest
        for fund_id, delta in deltas.items():
            self._cash[fund_id] += delta  # loaded by check_restricted
        return Stamp(seq=seq, number=number, chain_seq=self.chain_seq, prev_hash=prev, hash=digest)
