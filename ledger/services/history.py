"""Streaming a book's posted history in chain order, for verify and export."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import Account, Attachment, Book, Entry, EntryLine, Fund, Period
from ..domain.model import EntryStatus


@dataclass(frozen=True)
class HistoryLine:
    account: Account
    fund: Fund
    fen: int
    note: str


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    number: str | None
    date: object
    summary: str
    seq: int | None
    period: Period | None
    chain_seq: int | None
    prev_hash: str | None
    hash: str | None
    source: str
    reverses_id: int | None
    lines: list[HistoryLine]
    attachments: list[str]


def iter_posted(session: Session, book: Book, chunk: int = 5000) -> Iterator[HistoryEntry]:
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.book_id == book.id))}
    funds = {f.id: f for f in session.scalars(select(Fund).where(Fund.book_id == book.id))}
    periods = {p.id: p for p in session.scalars(select(Period).where(Period.book_id == book.id))}
    entries = session.execute(
        select(Entry.id, Entry.number, Entry.date, Entry.summary, Entry.seq, Entry.period_id, Entry.chain_seq,
               Entry.prev_hash, Entry.hash, Entry.source, Entry.reverses_id)
        .where(Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value)
        .order_by(Entry.chain_seq)
    ).all()
    for start in range(0, len(entries), chunk):
        batch = entries[start : start + chunk]
        ids = [e.id for e in batch]
        lines: dict[int, list[HistoryLine]] = defaultdict(list)
        for row in session.execute(
            select(EntryLine.entry_id, EntryLine.account_id, EntryLine.fund_id, EntryLine.amount_fen, EntryLine.note)
            .where(EntryLine.entry_id.in_(ids))
            .order_by(EntryLine.entry_id, EntryLine.line_no)
        ):
            lines[row.entry_id].append(HistoryLine(accounts[row.account_id], funds[row.fund_id], row.amount_fen, row.note))
        attachments: dict[int, list[str]] = defaultdict(list)
        for entry_id, sha in session.execute(
            select(Attachment.entry_id, Attachment.sha256).where(Attachment.entry_id.in_(ids))
        ):
            attachments[entry_id].append(sha)
        for e in batch:
            yield HistoryEntry(
                e.id, e.number, e.date, e.summary, e.seq, periods.get(e.period_id), e.chain_seq, e.prev_hash, e.hash,
                e.source, e.reverses_id, lines.get(e.id, []), attachments.get(e.id, []),
            )
