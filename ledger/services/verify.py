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
from ..domain.chain import (
    GENESIS, approval_message, canonical_json, chain_hash, close_message, entry_message, head_message, sha256_hex,
    signature_ok, submission_doc, submission_message,
)
from ..domain.model import approval_problems, entry_number
from ..domain.money import fen_to_str
from .history import iter_posted
from . import witness
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
    restricted_days: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    reversible: dict[int, int] = {}  # posted entry id -> hash of its lines negated, for its reversal to match
    reversed_by: dict[int, str] = {}
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
            if l.book_id != book.id:  # the reports sum lines by this column
                report.add(name, f"第 {i + 1} 行被标为另一个账簿的分录，本账簿的报表不再计入它",
                           f"line {i + 1} is tagged with another book, so this book's reports leave it out")
            by_fund[l.fund.code] += l.fen
            month[(l.account.code, l.fund.code)] += l.fen
            if l.fund.restricted and l.account.cash:
                restricted_days[l.fund.code][e.date] += l.fen
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
        _check_approvals(report, book, key, e, name)
        _check_reversal(report, e, name, reversible, reversed_by)
        vouchers.update(e.attachments)
        prev = e.hash or ""
    report.head = prev

    for label, numbers in sorted(seqs.items()):
        numbers.sort()
        if numbers != list(range(1, len(numbers) + 1)):
            missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
            report.add(label, f"凭证编号不连续（缺 {missing[:5]}，或有重号）", f"entry numbers are not gapless (missing {missing[:5]}, or duplicated)")
    for code, days in sorted(restricted_days.items()):
        cash = 0
        for day in sorted(days):  # at the end of every day, not only today: a back-dated spend shows where it falls
            cash += days[day]
            if cash < 0:
                report.add(code, f"限定性基金在 {day} 日终现金为负（{fen_to_str(cash)}）",
                           f"restricted fund holds negative cash at the end of {day} ({fen_to_str(cash)})")
                break

    _verify_head(session, book, report, key)
    _verify_witness(session, book, report, closes)
    if key:
        _verify_public_copies(session, book, report, key)
    _verify_closes(session, book, report, key, closes, by_month, hashes)
    from .billing import verify_units  # fees: the per-unit sub-ledger against its chained lines
    verify_units(session, book, report)
    if store is not None:
        _verify_vouchers(report, store, vouchers)


def _check_approvals(report: VerifyReport, book: Book, key: str | None, e, name: str) -> None:
    """Entries submitted since submissions were signed: the posted content is what was submitted, and the
    submission and each approval carry the book key's signature."""
    if e.submit_digest is None:
        if e.source not in ("import", "opening") and e.submit_signature is not None:
            report.add(name, "提交记录缺少摘要", "the submission record has no digest")
        return
    lines = [(l.account.code, l.fund.code, l.fen, l.note) for l in e.lines]
    doc = submission_doc(book.code, e.id, e.date.isoformat(), e.summary, lines, e.source, e.reverses_id, list(e.makers),
                         list(e.attachments), e.submission_round)
    if sha256_hex(canonical_json(doc)) != e.submit_digest:
        report.add(name, "过账内容或制单人与提交审批时不符", "the posted content or makers differ from what was submitted for approval")
    if key is None:
        return
    if not signature_ok(key, submission_message(book.code, e.id, e.submit_digest), e.submit_signature):
        report.add(name, "提交记录的签名无效", "the submission record's signature is invalid")
    for who, signature in e.approvals:
        if not signature_ok(key, approval_message(book.code, e.id, who, e.submit_digest), signature):
            report.add(name, f"{who} 的审批没有有效签名（不是经由应用审批的）",
                       f"the approval by {who} has no valid signature (it was not given through the app)")


def _check_reversal(report: VerifyReport, e, name: str, reversible: dict[int, int], reversed_by: dict[int, str]) -> None:
    """A reversal negates a posted entry of this book, posted before it; no entry is reversed twice."""
    reversible[e.id] = hash(tuple(sorted((l.account.code, l.fund.code, -l.fen) for l in e.lines)))
    if e.source != "reversal" and e.reverses_id is None:
        return
    original = e.reverses_id
    if original not in reversible or original == e.id:
        report.add(name, "冲销凭证所冲销的不是本账簿先前过账的凭证", "the reversal does not point at an entry posted earlier in this book")
        return
    if reversible[original] != hash(tuple(sorted((l.account.code, l.fund.code, l.fen) for l in e.lines))):
        report.add(name, f"冲销凭证的分录不是 {e.reverses_number} 的分录取反", f"the reversal's lines are not those of {e.reverses_number} negated")
    if original in reversed_by:
        report.add(name, f"{e.reverses_number} 被冲销了两次（另见 {reversed_by[original]}）",
                   f"{e.reverses_number} is reversed twice (see also {reversed_by[original]})")
    reversed_by[original] = name


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


def _verify_public_copies(session: Session, book: Book, report: VerifyReport, key: str) -> None:
    """What residents see of each voucher: every public copy is signed for its own attachment."""
    from ..db.schema import Attachment, Entry, VoucherPublic
    from .vouchers import public_copy_ok

    for public in session.scalars(
        select(VoucherPublic).join(Attachment, Attachment.id == VoucherPublic.attachment_id)
        .join(Entry, Entry.id == Attachment.entry_id).where(Entry.book_id == book.id).order_by(VoucherPublic.id)
    ):
        if not public_copy_ok(book, key, public):
            report.add(f"voucher {public.attachment_id}", f"原始凭证 {public.attachment_id} 的公开图片（第 {public.id} 版）没有有效签名："
                                                          "不是经由应用生成的，住户看不到它",
                       f"public copy {public.id} of voucher {public.attachment_id} has no valid signature: it was not made "
                       "by the app, and residents are not shown it")


def _verify_witness(session: Session, book: Book, report: VerifyReport, closes) -> None:
    keys = keys_for(session)
    seen = witness.read(keys, book.code)
    if seen is None:
        if keys.has(book.code) and (report.entries or closes):
            report.add(book.code, f"密钥旁没有见证记录（{witness.path(keys, book.code)}），无法确认链尾和结账记录完整；"
                                  "运行 ledger db upgrade 建立", f"there is no witness beside the key ({witness.path(keys, book.code)}), "
                                  "so the end of the chain and the close records cannot be confirmed; `ledger db upgrade` starts one")
        return
    for zh, en in witness.differences(session, book, seen):
        report.add(book.code, f"与见证记录不符：{zh}", f"differs from the witness: {en}")


def _verify_closes(session, book, report, key, closes, by_month, hashes) -> None:
    closed_periods = {c.period_id for c in closes}
    for p in session.scalars(select(Period).where(Period.book_id == book.id)):
        if p.status == "closed" and p.id not in closed_periods:
            report.add(p.label, "期间标记为已结账，却没有结账记录", "the period is marked closed but has no close record")
        if p.status != "closed" and p.id in closed_periods:
            report.add(p.label, "期间已结账，却被改回未结账（重开）", "the period was closed and has been reopened")
    months = sorted(by_month)
    closed_months = {(c.year, c.month) for c in closes}
    if closes:
        latest = max(closed_months)
        for ym in months:  # months close in order: a month with entries before a closed one was closed too
            if ym < latest and ym not in closed_months:
                report.add(f"{ym[0]:04d}-{ym[1]:02d}", "这个月有已过账凭证，在它之后的月份已结账，它却没有结账记录（被删除）",
                           "this month holds posted entries and a later month is closed, but it has no close record "
                           "(it was deleted)")
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
    reports = [verify_book(session, book, public_key, store) for book in session.scalars(query)]
    # A book deleted whole leaves its key and witness behind: say so rather than report on the books left.
    for code in witness.orphans(session):
        if book_code in (None, code):
            gone = VerifyReport(code)
            gone.add(code, "密钥文件夹里有这个账簿的密钥或见证记录，数据库里却没有这个账簿：它被删除了",
                     "the key folder holds this book's key or witness, but the database has no such book: it was deleted")
            reports.append(gone)
    return sorted(reports, key=lambda r: r.book)
