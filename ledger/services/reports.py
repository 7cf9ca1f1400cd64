"""Reports read from posted entries only: trial balance, fund balances, journal."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.exc import OperationalError

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


def _account_sums(session: Session, book: Book, as_of: dt.date | None) -> dict[int, tuple[int, int]]:
    """{account id: (fen, number of lines)} over posted lines dated on or before `as_of`.

    Almost every line of a book is posted, so the fast way is to sum all its lines
    (one pass over a covering index, no join) and take away the few that are not in:
    drafts, entries awaiting approval, entries after `as_of`. When most are out
    (an early `as_of`), summing what is in is the smaller join, so that is done instead.
    """
    posted = EntryStatus.POSTED.value
    # Conditions on entries only (status IN, date ranges), so the planner walks the
    # entries index and then each entry's lines, never all the book's lines.
    not_posted = Entry.status != posted  # any other status, even one the app never writes, is out
    outs = [not_posted] + ([(Entry.status == posted) & (Entry.date > as_of)] if as_of is not None else [])
    count = lambda *where: session.scalar(select(func.count()).select_from(Entry).where(Entry.book_id == book.id, *where))  # noqa: E731
    per_account = (EntryLine.account_id, func.sum(EntryLine.amount_fen), func.count())
    # Lines are this book's by their own book_id (the fast sum below reads no entries): a line tagged with
    # another book is out of both sides, whatever its entry (verify names such a line).
    joined = (select(*per_account).select_from(Entry).join(EntryLine, EntryLine.entry_id == Entry.id)
              .where(Entry.book_id == book.id, EntryLine.book_id == book.id))  # the first for the planner
    within = [Entry.status == posted] + ([Entry.date <= as_of] if as_of is not None else [])

    def summed_within():
        rows = session.execute(joined.where(*within).group_by(EntryLine.account_id))
        return {a: (int(fen), n) for a, fen, n in rows}

    if 2 * sum(count(o) for o in outs) > count():
        return summed_within()
    try:
        with session.begin_nested():
            sums = {a: (int(fen), n) for a, fen, n in session.execute(
                select(*per_account).where(EntryLine.book_id == book.id).group_by(EntryLine.account_id))}
    except (OperationalError, OverflowError):
        # SQLite's SUM is a 64-bit integer: huge amounts in drafts can overflow the sum of all
        # lines although posted balances never do. Drafts never enter balances: sum what is in.
        return summed_within()
    for o in outs:
        for a, fen, n in session.execute(joined.where(o).group_by(EntryLine.account_id)):
            total, lines = sums.get(a, (0, 0))  # a line tagged with another book's id is not in this book's sums
            sums[a] = (total - int(fen), lines - n)
    return {a: v for a, v in sums.items() if v[1]}


def trial_balance(session: Session, book: Book, as_of: dt.date | None = None) -> TrialBalance:
    """Each account's posted balance (every fund together), as of a date."""
    sums = _account_sums(session, book, as_of)
    accounts = session.scalars(select(Account).where(Account.book_id == book.id).order_by(Account.code))
    rows = [
        TrialBalanceRow(a.code, a.name_zh, a.name_en, a.type, sums[a.id][0]) for a in accounts if a.id in sums
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


@dataclass(frozen=True)
class JournalFilter:
    """What the journal page and the API filter entries by; every field optional."""

    status: str | None = EntryStatus.POSTED.value
    year: int | None = None
    month: int | None = None
    account: str | None = None  # code, or codes joined by commas (a statement line's accounts)
    fund: str | None = None  # code
    text: str | None = None  # in the summary or the number
    min_fen: int | None = None  # on the entry's total debit
    max_fen: int | None = None
    start: dt.date | None = None  # a date range, both ends included
    end: dt.date | None = None
    sort: str = "date"  # or "number" (entries not yet posted have none: after the numbered ones, either way)
    direction: str = "desc"  # or "asc"


def find_entries(session: Session, book: Book, f: JournalFilter, limit: int = 50, offset: int = 0) -> tuple[list[Entry], bool]:
    """A page of entries, newest first unless asked otherwise, and whether there is a next page."""
    query = select(Entry).where(Entry.book_id == book.id)
    if f.status:
        query = query.where(Entry.status == f.status)
    if f.year and f.month:
        start = dt.date(f.year, f.month, 1)
        end = dt.date(f.year + (f.month == 12), f.month % 12 + 1, 1)
        query = query.where(Entry.date >= start, Entry.date < end)
    elif f.year:
        query = query.where(Entry.date >= dt.date(f.year, 1, 1), Entry.date < dt.date(f.year + 1, 1, 1))
    if f.start:
        query = query.where(Entry.date >= f.start)
    if f.end:
        query = query.where(Entry.date <= f.end)
    if f.account:
        query = query.where(
            select(EntryLine.id).join(Account, Account.id == EntryLine.account_id)
            .where(EntryLine.entry_id == Entry.id, Account.code.in_(f.account.split(","))).exists()
        )
    if f.fund:
        query = query.where(
            select(EntryLine.id).join(Fund, Fund.id == EntryLine.fund_id)
            .where(EntryLine.entry_id == Entry.id, Fund.code == f.fund).exists()
        )
    if f.text:
        pattern = f"%{f.text.strip()}%"
        query = query.where(Entry.summary.like(pattern) | Entry.number.like(pattern))
    if f.min_fen is not None or f.max_fen is not None:
        total = (
            select(func.coalesce(func.sum(EntryLine.amount_fen), 0))
            .where(EntryLine.entry_id == Entry.id, EntryLine.amount_fen > 0)
            .scalar_subquery()
        )
        if f.min_fen is not None:
            query = query.where(total >= f.min_fen)
        if f.max_fen is not None:
            query = query.where(total <= f.max_fen)
    way = (lambda c: c.asc()) if f.direction == "asc" else (lambda c: c.desc())
    if f.sort == "number":
        order = (Entry.number.is_(None), way(Entry.number), way(Entry.id))
    else:
        order = (way(Entry.date), way(Entry.chain_seq), way(Entry.id))
    # Makers and periods in two queries, not two per entry: every list shows them.
    query = query.options(selectinload(Entry.maker), selectinload(Entry.period))
    rows = list(session.scalars(query.order_by(*order).limit(limit + 1).offset(offset)))
    return rows[:limit], len(rows) > limit


@dataclass(frozen=True)
class LedgerRow:
    entry_id: int
    number: str
    date: dt.date
    summary: str
    fund: str
    note: str
    fen: int  # debit positive
    balance_fen: int  # running, after this line


def account_ledger(
    session: Session, book: Book, account_code: str, fund_code: str | None = None,
    start: dt.date | None = None, end: dt.date | None = None, limit: int = 100, offset: int = 0,
) -> tuple[int, list[LedgerRow], bool]:
    """An account's posted lines in order, each with the running balance.

    Returns (opening balance before `start`, a page of rows, whether there is more).
    """
    from .books import get_account

    account = get_account(session, book, account_code)
    conditions = [EntryLine.account_id == account.id, Entry.status == EntryStatus.POSTED.value]
    if fund_code:
        conditions.append(Fund.code == fund_code)
    opening = 0
    if start is not None:
        opening = int(session.scalar(
            select(func.coalesce(func.sum(EntryLine.amount_fen), 0))
            .join(Entry, Entry.id == EntryLine.entry_id).join(Fund, Fund.id == EntryLine.fund_id)
            .where(*conditions, Entry.date < start)
        ))
        conditions.append(Entry.date >= start)
    if end is not None:
        conditions.append(Entry.date <= end)
    order = (Entry.date, Entry.chain_seq, EntryLine.line_no)
    running = func.sum(EntryLine.amount_fen).over(order_by=order)
    query = (
        select(Entry.id, Entry.number, Entry.date, Entry.summary, Fund.code, EntryLine.note, EntryLine.amount_fen, running)
        .join(Entry, Entry.id == EntryLine.entry_id).join(Fund, Fund.id == EntryLine.fund_id)
        .where(*conditions).order_by(*order).limit(limit + 1).offset(offset)
    )
    rows = [LedgerRow(r[0], r[1], r[2], r[3], r[4], r[5], int(r[6]), opening + int(r[7])) for r in session.execute(query)]
    return opening, rows[:limit], len(rows) > limit


def _account_lines(book: Book, account, fund_code: str | None, first: dt.date | None, last: dt.date | None):
    query = (select(func.count()).select_from(EntryLine).join(Entry, Entry.id == EntryLine.entry_id)
             .where(EntryLine.book_id == book.id, EntryLine.account_id == account.id,
                    Entry.status == EntryStatus.POSTED.value))
    if fund_code:
        query = query.join(Fund, Fund.id == EntryLine.fund_id).where(Fund.code == fund_code)
    if first:
        query = query.where(Entry.date >= first)
    if last:
        query = query.where(Entry.date <= last)
    return query


def account_line_count(session: Session, book: Book, account, fund_code: str | None = None,
                       first: dt.date | None = None, last: dt.date | None = None) -> int:
    """How many posted lines the account has (in one fund, between two dates, when given)."""
    return session.scalar(_account_lines(book, account, fund_code, first, last))


def account_totals(session: Session, book: Book, account, fund_code: str | None, first: dt.date,
                   last: dt.date) -> tuple[int, int]:
    """(debits, credits) in fen of the account's posted lines dated first..last: 本月合计, 本年累计."""
    debit = func.coalesce(func.sum(case((EntryLine.amount_fen > 0, EntryLine.amount_fen), else_=0)), 0)
    credit = func.coalesce(func.sum(case((EntryLine.amount_fen < 0, -EntryLine.amount_fen), else_=0)), 0)
    row = session.execute(_account_lines(book, account, fund_code, first, last).with_only_columns(debit, credit)).one()
    return int(row[0]), int(row[1])
