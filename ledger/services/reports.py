"""Reports read from posted entries only: trial balance, fund balances, journal."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.schema import Account, Book, Entry, EntryLine, Fund
from ..domain.model import EntryStatus


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name_zh: str
    name_en: str
    type: str
    balance_fen: int  # debit positive

    @property
    def debit_fen(self) -> int:
        return self.balance_fen if self.balance_fen > 0 else 0

    @property
    def credit_fen(self) -> int:
        return -self.balance_fen if self.balance_fen < 0 else 0


@dataclass(frozen=True)
class TrialBalance:
    book: str
    as_of: dt.date | None
    rows: list[TrialBalanceRow]

    @property
    def total_debit_fen(self) -> int:
        return sum(r.debit_fen for r in self.rows)

    @property
    def total_credit_fen(self) -> int:
        return sum(r.credit_fen for r in self.rows)


def _posted_sums(session: Session, book: Book, group_by, as_of: dt.date | None):
    query = (
        select(*group_by, func.sum(EntryLine.amount_fen))
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(EntryLine.book_id == book.id, Entry.status == EntryStatus.POSTED.value)
        .group_by(*group_by)
    )
    if as_of is not None:
        query = query.where(Entry.date <= as_of)
    return session.execute(query).all()


def trial_balance(session: Session, book: Book, as_of: dt.date | None = None) -> TrialBalance:
    """Each account's posted balance (every fund together), as of a date."""
    sums = {account_id: int(total) for account_id, total in _posted_sums(session, book, [EntryLine.account_id], as_of)}
    accounts = session.scalars(select(Account).where(Account.book_id == book.id).order_by(Account.code))
    rows = [
        TrialBalanceRow(a.code, a.name_zh, a.name_en, a.type, sums[a.id]) for a in accounts if a.id in sums
    ]
    return TrialBalance(book.code, as_of, rows)


@dataclass(frozen=True)
class FundBalance:
    code: str
    name_zh: str
    name_en: str
    restricted: bool
    cash_fen: int  # money in hand and at the bank
    net_assets_fen: int  # assets less liabilities: what the fund holds
    income_fen: int
    expense_fen: int


def fund_balances(session: Session, book: Book, as_of: dt.date | None = None) -> list[FundBalance]:
    sums: dict[int, dict[str, int]] = {}
    cash: dict[int, int] = {}
    rows = session.execute(_fund_query(book, as_of)).all()
    for fund_id, type_, is_cash, total in rows:
        by_type = sums.setdefault(fund_id, {})
        by_type[type_] = by_type.get(type_, 0) + int(total)
        if is_cash:
            cash[fund_id] = cash.get(fund_id, 0) + int(total)
    result = []
    for f in session.scalars(select(Fund).where(Fund.book_id == book.id).order_by(Fund.code)):
        t = sums.get(f.id, {})
        result.append(FundBalance(
            f.code, f.name_zh, f.name_en, f.restricted, cash.get(f.id, 0),
            t.get("asset", 0) + t.get("liability", 0),
            -t.get("income", 0), t.get("expense", 0),
        ))
    return result


def _fund_query(book: Book, as_of: dt.date | None):
    query = (
        select(EntryLine.fund_id, Account.type, Account.cash, func.sum(EntryLine.amount_fen))
        .join(Entry, Entry.id == EntryLine.entry_id)
        .join(Account, Account.id == EntryLine.account_id)
        .where(EntryLine.book_id == book.id, Entry.status == EntryStatus.POSTED.value)
        .group_by(EntryLine.fund_id, Account.type, Account.cash)
    )
    if as_of is not None:
        query = query.where(Entry.date <= as_of)
    return query


def journal(
    session: Session, book: Book, status: str | None = EntryStatus.POSTED.value,
    year: int | None = None, month: int | None = None, limit: int = 50, offset: int = 0,
) -> list[Entry]:
    query = select(Entry).where(Entry.book_id == book.id)
    if status:
        query = query.where(Entry.status == status)
    if year and month:
        start = dt.date(year, month, 1)
        end = dt.date(year + (month == 12), month % 12 + 1, 1)
        query = query.where(Entry.date >= start, Entry.date < end)
    query = query.order_by(Entry.date.desc(), Entry.chain_seq.desc(), Entry.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))
