"""Streaming a book's posted history in chain order, for verify and export.

It reads rows as they are, trusting nothing: a line that points at another book's
account (or at none) is still returned, with that account, so `verify` can name it.
"""
from __future__ import annotations

import datetime as dt

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import Account, Approval, Attachment, Book, Entry, EntryLine, EntryMaker, Fund, Period, User
from ..domain.model import EntryStatus, PostedEntry, PostedLine


@dataclass(frozen=True)
class HistoryLine:
    account: Account
    fund: Fund
    fen: int
    note: str
    book_id: int | None = None  # entry_lines.book_id, which the reports sum by


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
    makers: list[str]
    approvers: list[str]
    signature: str | None
    reverses_number: str | None
    maker: str | None = None  # the user name in entries.maker_id
    submit_digest: str | None = None
    submit_signature: str | None = None
    submission_round: int = 0
    approvals: tuple[tuple[str, str | None], ...] = ()  # (user name, signature) of each approver counted

    def posted(self, book_code: str) -> PostedEntry:
        """The entry as the chain commits to it."""
        return PostedEntry(
            book=book_code, number=self.number or "", date=self.date, summary=self.summary,
            lines=tuple(PostedLine(l.account.code, l.account.type, bool(l.account.cash), l.fund.code, l.fen, l.note)
                        for l in self.lines),
            attachments=tuple(self.attachments), makers=tuple(self.makers), approvers=tuple(self.approvers),
            source=self.source, reverses=self.reverses_number,
        )


def _stray(session: Session, model, row_id: int):
    """A row another book owns, or a stand-in for one that does not exist at all."""
    found = session.get(model, row_id)
    if found is not None:
        return found
    if model is Account:
        return Account(id=row_id, book_id=None, code=f"?{row_id}", name_zh="?", name_en="?", type="?", cash=False)
    return Fund(id=row_id, book_id=None, code=f"?{row_id}", name_zh="?", name_en="?", restricted=False)


def iter_posted(session: Session, book: Book, chunk: int = 5000, start: dt.date | None = None,
                end: dt.date | None = None) -> Iterator[HistoryEntry]:
    """The book's posted entries in chain order, with everything the chain commits to (dated start..end, when
    given: a month's publication reads its month, not the book's whole history)."""
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.book_id == book.id))}
    funds = {f.id: f for f in session.scalars(select(Fund).where(Fund.book_id == book.id))}
    periods = {p.id: p for p in session.scalars(select(Period).where(Period.book_id == book.id))}
    usernames: dict[int, str] = {}
    entries = session.execute(
        select(Entry.id, Entry.number, Entry.date, Entry.summary, Entry.seq, Entry.period_id, Entry.chain_seq,
               Entry.prev_hash, Entry.hash, Entry.source, Entry.reverses_id, Entry.signature, Entry.maker_id,
               Entry.submit_digest, Entry.submit_signature, Entry.submission_round)
        .where(Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value,
               *([Entry.date >= start] if start else []), *([Entry.date <= end] if end else []))
        .order_by(Entry.chain_seq)
    ).all()
    numbers = {}
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id}
    if reversed_ids:
        numbers = dict(session.execute(select(Entry.id, Entry.number).where(Entry.id.in_(reversed_ids))).all())

    def name(user_id: int) -> str:
        if user_id not in usernames:
            usernames[user_id] = session.scalar(select(User.username).where(User.id == user_id)) or f"?{user_id}"
        return usernames[user_id]

    for start in range(0, len(entries), chunk):
        batch = entries[start : start + chunk]
        ids = [e.id for e in batch]
        lines: dict[int, list[HistoryLine]] = defaultdict(list)
        for row in session.execute(
            select(EntryLine.entry_id, EntryLine.account_id, EntryLine.fund_id, EntryLine.amount_fen, EntryLine.note,
                   EntryLine.book_id)
            .where(EntryLine.entry_id.in_(ids))
            .order_by(EntryLine.entry_id, EntryLine.line_no)
        ):
            account = accounts.get(row.account_id) or _stray(session, Account, row.account_id)
            fund = funds.get(row.fund_id) or _stray(session, Fund, row.fund_id)
            lines[row.entry_id].append(HistoryLine(account, fund, row.amount_fen, row.note, row.book_id))
        attachments: dict[int, list[str]] = defaultdict(list)
        for entry_id, sha in session.execute(
            select(Attachment.entry_id, Attachment.sha256).where(Attachment.entry_id.in_(ids))
        ):
            attachments[entry_id].append(sha)
        makers: dict[int, list[str]] = defaultdict(list)
        for entry_id, user_id in session.execute(
            select(EntryMaker.entry_id, EntryMaker.user_id).where(EntryMaker.entry_id.in_(ids)).order_by(EntryMaker.id)
        ):
            makers[entry_id].append(name(user_id))
        # The approvers are those who approved the submission that posted (its digest names its round; all of
        # them for history from before submissions were signed, when both digests are empty).
        submitted = {e.id: e.submit_digest for e in batch}
        approvers: dict[int, list[str]] = defaultdict(list)
        signed: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
        for entry_id, user_id, digest, signature in session.execute(
            select(Approval.entry_id, Approval.user_id, Approval.content_digest, Approval.signature)
            .where(Approval.entry_id.in_(ids)).order_by(Approval.id)
        ):
            if digest == submitted[entry_id]:
                approvers[entry_id].append(name(user_id))
                signed[entry_id].append((name(user_id), signature))
        for e in batch:
            yield HistoryEntry(
                e.id, e.number, e.date, e.summary, e.seq, periods.get(e.period_id), e.chain_seq, e.prev_hash, e.hash,
                e.source, e.reverses_id, lines.get(e.id, []), attachments.get(e.id, []), makers.get(e.id, []),
                approvers.get(e.id, []), e.signature, numbers.get(e.reverses_id),
                name(e.maker_id) if e.maker_id is not None else None, e.submit_digest, e.submit_signature,
                e.submission_round or 0, tuple(signed.get(e.id, [])),
            )
