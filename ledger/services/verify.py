"""`ledger verify`: prove a book's history is what was posted, signed and closed.

It reads the stored rows only, trusting nothing derived, and checks with the book's
public key from outside the database (the key folder, or one given on the command
line), so it also catches what SQL with the guards switched off could do:

- each posted entry: its place in the chain, its hash over the canonical form (content,
  account types, makers, approvers, vouchers), its Ed25519 signature, the approval rule
  (no maker approves, distinct approvers, two above the threshold), its number, date
  and period, its balance in total and per fund, its accounts and funds being the book's;
- the numbering of each month, gapless; no restricted fund below zero;
- the signed chain head (deleting or demoting the last entry shows);
- each month's signed close record: its trial balance still equals the books, nothing
  was posted on or before its last day after it closed, and its period was not reopened;
- the voucher originals it can read, re-hashed.

Every inconsistency is a finding naming where; nothing makes it crash.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import Book, BookHead, Period, PeriodClose
from ..domain.chain import GENESIS, chain_hash, close_message, entry_message, head_message, sha256_hex, signature_ok
from ..domain.model import approval_problems, entry_number
from ..domain.money import fen_to_str
from .history import iter_posted
from .signing import keys_for


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
    closes: int = 0
    vouchers_checked: int = 0
    vouchers_unreadable: int = 0
    public_key: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, zh: str, en: str) -> None:
        self.problems.append(Problem(where, zh, en))


def _public_key(session: Session, book: Book, report: VerifyReport, given: str | None) -> str | None:
    keys = keys_for(session)
    if given:
        key = given.strip().lower()
    elif keys.has(book.code):
        key = keys.public_key(book.code)
    else:
        report.add(book.code, f"找不到账簿的签名密钥（{keys.path(book.code)}），无法核对签名；可用 --public-key 给出公钥",
                   f"no signing key for the book outside the database ({keys.path(book.code)}); "
                   "signatures cannot be checked; give the public key with --public-key")
        return None
    if book.public_key != key:
        report.add(book.code, "数据库中记录的公钥与密钥文件不符", "the public key recorded in the database differs from the key file")
    return key


def verify_book(session: Session, book: Book, public_key: str | None = None, store=None) -> VerifyReport:
    report = VerifyReport(book.code)
    try:
        _verify(session, book, report, public_key, store)
    except Exception as e:  # a finding, never a traceback: the rows may be in any state
        report.add(book.code, f"核对无法完成：{type(e).__name__}: {e}", f"verification could not finish: {type(e).__name__}: {e}")
    return report


def _verify(session: Session, book: Book, report: VerifyReport, given_key: str | None, store) -> None:
    key = report.public_key = _public_key(session, book, report, given_key)
    closes = list(session.scalars(select(PeriodClose).where(PeriodClose.book_id == book.id).order_by(PeriodClose.through_date)))
    seqs: dict[str, list[int]] = defaultdict(list)
    restricted_cash: dict[str, int] = defaultdict(int)
    by_month: dict[tuple[int, int], dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    hashes: dict[int, str] = {}
    vouchers: set[str] = set()
    prev = GENESIS
    for e in iter_posted(session, book):
        name = e.number or f"entry id {e.id}"
        report.entries += 1
        hashes[report.entries] = e.hash or ""
        if e.chain_seq != report.entries:
            report.add(name, f"链序号应为 {report.entries}，实为 {e.chain_seq}",
                       f"chain position should be {report.entries}, is {e.chain_seq}")
        if e.prev_hash != prev:
            report.add(name, "前一哈希与链不符（有凭证被删除、插入或调换）",
                       "previous hash does not match the chain (an entry was removed, inserted or reordered)")
        if not isinstance(e.date, dt.date):
            report.add(name, f"日期无效：{e.date!r}", f"invalid date: {e.date!r}")
            prev = e.hash or ""
            continue
        if e.period is None or e.number != entry_number((e.period.year, e.period.month), e.seq or 0) \
                or (e.date.year, e.date.month) != (e.period.year, e.period.month):
            report.add(name, "凭证号、日期与期间不符", "entry number, date and period do not agree")
        else:
            seqs[e.period.label].append(e.seq)
        if book.start_date is not None and e.date < book.start_date:
            report.add(name, f"日期 {e.date} 早于账簿首月 {book.start_date:%Y-%m}",
                       f"date {e.date} is before the first month of the book, {book.start_date:%Y-%m}")
        for c in closes:
            if e.date <= c.through_date and (e.chain_seq or 0) > c.chain_seq:
                report.add(name, f"在 {c.year:04d}-{c.month:02d} 结账之后记入了该月或更早（日期 {e.date}）",
                           f"posted on or before {c.through_date} after {c.year:04d}-{c.month:02d} was closed (dated {e.date})")
                break
        by_fund: dict[str, int] = defaultdict(int)
        month = by_month[(e.date.year, e.date.month)]
        for i, l in enumerate(e.lines):
            if l.account.book_id != book.id or l.fund.book_id != book.id:
                report.add(name, f"第 {i + 1} 行的科目 {l.account.code} 或基金 {l.fund.code} 不属于本账簿",
                           f"line {i + 1}: account {l.account.code} or fund {l.fund.code} is not of this book")
            by_fund[l.fund.code] += l.fen
            month[(l.account.code, l.fund.code)] += l.fen
            if l.fund.restricted and l.account.cash:
                restricted_cash[l.fund.code] += l.fen
        if not e.lines or any(by_fund.values()):
            total = sum(by_fund.values())
            report.add(name, f"借贷不平（总差额 {fen_to_str(total)}，或某基金内不平）",
                       f"does not balance (total difference {fen_to_str(total)}, or within a fund)")
        posted = e.posted(book.code)
        if chain_hash(e.prev_hash or "", posted) != e.hash:
            report.add(name, "哈希不符：凭证内容、科目属性、制单人或审批人在过账后被改动",
                       "hash does not match: the content, an account's type, the makers or the approvers changed after posting")
        if key and not signature_ok(key, entry_message(e.hash or ""), e.signature):
            report.add(name, "签名无效或缺失：这张凭证不是由账簿密钥过账的", "signature missing or invalid: this entry was not posted with the book's key")
        for zh, en in approval_problems(posted, book.approval_threshold_fen):
            report.add(name, f"审批不合规：{zh}", f"approval rule broken: {en}")
        if e.maker is not None and e.maker not in e.makers:
            report.add(name, "记录的制单人不在制单人名单中", "the recorded maker is not among the entry's makers")
        vouchers.update(e.attachments)
        prev = e.hash or ""
    report.head = prev

    for label, numbers in sorted(seqs.items()):
        numbers.sort()
        if numbers != list(range(1, len(numbers) + 1)):
            missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
            report.add(label, f"凭证编号不连续（缺 {missing[:5]}，或有重号）", f"entry numbers are not gapless (missing {missing[:5]}, or duplicated)")
    for code, cash in sorted(restricted_cash.items()):
        if cash < 0:
            report.add(code, f"限定性基金现金为负（{fen_to_str(cash)}）", f"restricted fund holds negative cash ({fen_to_str(cash)})")

    _verify_head(session, book, report, key)
    _verify_closes(session, book, report, key, closes, by_month, hashes)
    if store is not None:
        _verify_vouchers(report, store, vouchers)


def _verify_head(session: Session, book: Book, report: VerifyReport, key: str | None) -> None:
    head = session.get(BookHead, book.id)
    if head is None:
        if report.entries:
            report.add(book.code, "缺少已签名的链头记录", "the signed chain head record is missing")
        return
    if head.chain_seq != report.entries or head.hash != report.head:
        report.add(book.code, f"链头记录为第 {head.chain_seq} 张，实有 {report.entries} 张已过账凭证（有凭证被删除、撤回或添加）",
                   f"the chain head records {head.chain_seq} entries, the book has {report.entries} posted "
                   "(an entry was removed, demoted or added)")
    if key and not signature_ok(key, head_message(book.code, head.chain_seq, head.hash), head.signature):
        report.add(book.code, "链头记录的签名无效", "the chain head record's signature is invalid")


def _verify_closes(session, book, report, key, closes, by_month, hashes) -> None:
    closed_periods = {c.period_id for c in closes}
    for p in session.scalars(select(Period).where(Period.book_id == book.id)):
        if p.status == "closed" and p.id not in closed_periods:
            report.add(p.label, "期间标记为已结账，却没有结账记录", "the period is marked closed but has no close record")
        if p.status != "closed" and p.id in closed_periods:
            report.add(p.label, "期间已结账，却被改回未结账（重开）", "the period was closed and has been reopened")
    months = sorted(by_month)
    for c in closes:
        label = f"{c.year:04d}-{c.month:02d}"
        report.closes += 1
        if sha256_hex(c.trial_balance.encode("utf-8")) != c.trial_balance_hash:
            report.add(label, "结账试算表与其哈希不符", "the closing trial balance does not match its hash")
        if key and not signature_ok(key, close_message(book.code, label, c.chain_seq, c.chain_head, c.trial_balance_hash), c.signature):
            report.add(label, "结账记录的签名无效", "the close record's signature is invalid")
        expected_head = GENESIS if c.chain_seq == 0 else hashes.get(c.chain_seq)
        if expected_head != c.chain_head:
            report.add(label, "结账时的链头与现在的链不符", "the chain head recorded at closing is not in the chain any more")
        now: dict[tuple[str, str], int] = defaultdict(int)
        for ym in months:
            if ym > (c.year, c.month):
                break
            for k, fen in by_month[ym].items():
                now[k] += fen
        try:
            recorded = {(a, f): fen for a, f, fen in json.loads(c.trial_balance)["balances"]}
        except (ValueError, KeyError, TypeError):
            report.add(label, "结账试算表无法读取", "the closing trial balance cannot be read")
            continue
        current = {k: v for k, v in now.items() if v}
        if current != recorded:
            diffs = sorted(k for k in set(current) | set(recorded) if current.get(k, 0) != recorded.get(k, 0))
            a, f = diffs[0]
            report.add(label, f"结账后余额被改变：科目 {a} 基金 {f} 结账时 {fen_to_str(recorded.get((a, f), 0))}，"
                              f"现为 {fen_to_str(current.get((a, f), 0))}",
                       f"balances changed after closing: account {a} fund {f} was {fen_to_str(recorded.get((a, f), 0))}, "
                       f"is {fen_to_str(current.get((a, f), 0))}")


def _verify_vouchers(report: VerifyReport, store, vouchers: set[str]) -> None:
    for sha in sorted(vouchers):
        try:
            data = store.original(sha).read_bytes()
        except (OSError, ValueError):
            report.vouchers_unreadable += 1
            continue
        report.vouchers_checked += 1
        if sha256_hex(data) != sha:
            report.add(f"voucher {sha[:12]}", "原始凭证文件被替换：内容与其 SHA-256 不符",
                       "a voucher original was replaced: its content does not match its SHA-256")


def verify_all(session: Session, book_code: str | None = None, public_key: str | None = None, store=None) -> list[VerifyReport]:
    query = select(Book).order_by(Book.code)
    if book_code:
        query = query.where(Book.code == book_code)
    return [verify_book(session, book, public_key, store) for book in session.scalars(query)]
