"""`ledger verify`: recompute every book's hash chain, numbering and balances.

It reads the stored rows only, trusting nothing derived, so it also catches a
change made with the guards switched off.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import Book
from ..domain.chain import GENESIS, chain_hash
from ..domain.model import Line, PostedEntry, entry_number
from ..domain.money import fen_to_str
from .history import iter_posted


@dataclass(frozen=True)
class Problem:
    where: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message_zh} / {self.message_en}"


@dataclass
class VerifyReport:
    book: str
    entries: int = 0
    head: str = GENESIS
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_book(session: Session, book: Book) -> VerifyReport:
    report = VerifyReport(book.code)
    seqs: dict[str, list[int]] = defaultdict(list)
    restricted_cash: dict[str, int] = defaultdict(int)
    prev = GENESIS
    for e in iter_posted(session, book):
        name = e.number or f"entry id {e.id}"
        report.entries += 1
        if e.chain_seq != report.entries:
            report.problems.append(Problem(name, f"链序号应为 {report.entries}，实为 {e.chain_seq}",
                                           f"chain position should be {report.entries}, is {e.chain_seq}"))
        if e.prev_hash != prev:
            report.problems.append(Problem(name, "前一哈希与链不符（有凭证被删除或插入）",
                                           "previous hash does not match the chain (an entry was removed or inserted)"))
        if e.period is None or e.number != entry_number((e.period.year, e.period.month), e.seq or 0) \
                or (e.date.year, e.date.month) != (e.period.year, e.period.month):
            report.problems.append(Problem(name, "凭证号、日期与期间不符", "entry number, date and period do not agree"))
        else:
            seqs[e.period.label].append(e.seq)
        by_fund: dict[str, int] = defaultdict(int)
        for l in e.lines:
            by_fund[l.fund.code] += l.fen
            if l.fund.restricted and l.account.cash:
                restricted_cash[l.fund.code] += l.fen
        if not e.lines or any(by_fund.values()):
            total = sum(by_fund.values())
            report.problems.append(Problem(name, f"借贷不平（总差额 {fen_to_str(total)}，或某基金内不平）",
                                           f"does not balance (total difference {fen_to_str(total)}, or within a fund)"))
        posted = PostedEntry(
            book=book.code, number=e.number or "", date=e.date, summary=e.summary,
            lines=tuple(Line(l.account.code, l.fund.code, l.fen, l.note) for l in e.lines),
            attachments=tuple(e.attachments),
        )
        if chain_hash(e.prev_hash or "", posted) != e.hash:
            report.problems.append(Problem(name, "哈希不符：凭证内容在过账后被改动",
                                           "hash does not match: the entry was altered after posting"))
        prev = e.hash or ""
    report.head = prev

    for label, numbers in sorted(seqs.items()):
        numbers.sort()
        if numbers != list(range(1, len(numbers) + 1)):
            missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
            report.problems.append(Problem(label, f"凭证编号不连续（缺 {missing[:5]}，或有重号）",
                                           f"entry numbers are not gapless (missing {missing[:5]}, or duplicated)"))
    for code, cash in sorted(restricted_cash.items()):
        if cash < 0:
            report.problems.append(Problem(code, f"限定性基金现金为负（{fen_to_str(cash)}）",
                                           f"restricted fund holds negative cash ({fen_to_str(cash)})"))
    return report


def verify_all(session: Session, book_code: str | None = None) -> list[VerifyReport]:
    query = select(Book).order_by(Book.code)
    if book_code:
        query = query.where(Book.code == book_code)
    return [verify_book(session, book) for book in session.scalars(query)]
