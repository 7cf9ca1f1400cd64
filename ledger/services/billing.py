"""Fees: rates, the monthly billing run, payments, the per-unit sub-ledger and arrears.

Every fee fact is a journal entry made through the entry services (numbered, chained, signed, approved by someone
other than its maker). Its lines are aggregated per account (a publication shows no unit); the per-unit detail of
its 1122 (receivable) and 2202 (prepayment) lines is in `entry_units`, several rows per line. The rows of a line sum to
it, and `sha256(salt, rows)` is in the note of one line ("分户明细 sha256:…"), so the chain commits to the detail while
the salt, kept with the rows, stops anyone from guessing it from the hash; `ledger verify` recomputes both. Only
posted entries count in a unit's balances.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from ..db.schema import Account, Book, Entry, EntryLine, EntryUnit, FeeRate, Unit, User
from ..domain import arrears as ar
from ..domain.errors import InvalidInput, InvalidState, NotFound
from ..domain.fees import (
    BASES, CHANNELS, FEE_INCOME, PREPAID, RECEIVABLE, USES, Rate, monthly_fee_fen, rate_in_force, refund_shares,
    split_payment,
)
from ..domain.model import EntryInput, EntryStatus, Line, parse_date
from ..domain.money import fen_to_str
from ..domain.permissions import Action
from .access import audit, require
from .posting import lock_book
from .register import active_ids_on

FUND = "GEN"  # fees are unrestricted trust property
MAX_BATCH = 5000  # payments in one batch entry
CHANNEL_NAMES = {"cash": ("现金", "cash"), "bank": ("银行转账", "bank transfer"), "wechat": ("微信支付", "WeChat Pay"),
                 "alipay": ("支付宝", "Alipay")}


# --- rates -----------------------------------------------------------------------------------------------------

def set_rate(session: Session, actor: User, book: Book, use: str, basis: str, rate_centi_fen: int,
             effective_from: dt.date) -> FeeRate:
    """Record a rate for a use from a date on (a new row; earlier rates stay as they were)."""
    require(session, actor, Action.KEEP_FEE_RATES, book)
    if use not in USES:
        raise InvalidInput(f"用途“{use}”无效，应为 {'、'.join(USES)}", f"use \"{use}\" is not one of {', '.join(USES)}", "use")
    if basis not in BASES:
        raise InvalidInput(f"计费方式“{basis}”无效", f"basis \"{basis}\" is not one of {', '.join(BASES)}", "basis")
    if not isinstance(rate_centi_fen, int) or isinstance(rate_centi_fen, bool) or rate_centi_fen <= 0:
        raise InvalidInput("费率须为正数", "the rate must be positive", "rate")
    effective_from = parse_date(effective_from, "from")
    if effective_from.day != 1:
        raise InvalidInput("费率须从某月1日起生效", "a rate takes effect on the first day of a month", "from")
    lock_book(session, book)
    rate = FeeRate(book_id=book.id, use=use, basis=basis, rate_centi_fen=rate_centi_fen,
                   effective_from=effective_from, created_by_id=actor.id)
    session.add(rate)
    session.flush()
    audit(session, actor, book, "fees.rate", f"fee_rate:{rate.id}", use=use, basis=basis, rate=rate_centi_fen,
          effective_from=effective_from.isoformat())
    return rate


def rates_of(session: Session, book: Book) -> list[FeeRate]:
    return list(session.scalars(select(FeeRate).where(FeeRate.book_id == book.id)
                                .order_by(FeeRate.effective_from, FeeRate.id)))


# --- the sub-ledger --------------------------------------------------------------------------------------------

def _units(session: Session, book: Book) -> list[Unit]:
    """The book's units, without their owners (billing needs areas and uses, never names)."""
    return list(session.scalars(select(Unit).where(Unit.book_id == book.id).options(lazyload(Unit.owners))
                                .order_by(Unit.building, Unit.number, Unit.id)))


def unit_labels(session: Session, book: Book, ids=None) -> dict[int, str]:
    """unit id -> label ("3-1201"), of the given units or all of the book's."""
    q = select(Unit.id, Unit.building, Unit.number).where(Unit.book_id == book.id)
    if ids is not None:
        q = q.where(Unit.id.in_(list(ids)))
    return {uid: f"{b}-{n}" for uid, b, n in session.execute(q)}


def find_unit(session: Session, book: Book, label: str) -> Unit:
    label = (label or "").strip()
    found = session.scalar(select(Unit).where(Unit.book_id == book.id, (Unit.building + "-" + Unit.number) == label)
                           .options(lazyload(Unit.owners)).limit(1))
    if found is not None:
        return found
    raise NotFound(f"账簿 {book.code} 中没有房屋 {label}", f"book {book.code} has no unit {label}", "unit")


def _reversed_ids(session: Session, book: Book, through: dt.date | None = None) -> set[int]:
    q = select(Entry.reverses_id).where(Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value,
                                        Entry.reverses_id.is_not(None))
    if through is not None:
        q = q.where(Entry.date <= through)
    return set(session.scalars(q))


def posted_rows(session: Session, book: Book, through: dt.date | None = None) -> list[tuple[EntryUnit, dt.date]]:
    """The sub-ledger rows of posted entries (dated on or before `through`), without those of reversed entries."""
    q = (select(EntryUnit, Entry.date, Entry.id).join(Entry, Entry.id == EntryUnit.entry_id)
         .where(EntryUnit.book_id == book.id, Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value))
    if through is not None:
        q = q.where(Entry.date <= through)
    reversed_ids = _reversed_ids(session, book, through)
    return [(row, date) for row, date, eid in session.execute(q.order_by(Entry.chain_seq, EntryUnit.line_no))
            if eid not in reversed_ids]


def balances(session: Session, book: Book, unit_ids=None) -> dict[int, tuple[int, int]]:
    """unit id -> (open receivable fen, prepaid fen), from posted entries only (reversed ones left out), of the
    given units or all. Summed in the database: every payment and post asks, and a compound's rows run to tens of
    thousands."""
    from sqlalchemy import func

    q = (select(EntryUnit.unit_id, EntryUnit.account_code, func.sum(EntryUnit.amount_fen))
         .join(Entry, Entry.id == EntryUnit.entry_id)
         .where(EntryUnit.book_id == book.id, Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value)
         .group_by(EntryUnit.unit_id, EntryUnit.account_code))
    if unit_ids is not None:
        q = q.where(EntryUnit.unit_id.in_(sorted(set(unit_ids))))
    reversed_ids = _reversed_ids(session, book)
    if reversed_ids:
        q = q.where(Entry.id.not_in(reversed_ids))
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, account, total in session.execute(q):
        if account == RECEIVABLE:
            out[unit_id][0] += int(total)
        elif account == PREPAID:
            out[unit_id][1] -= int(total)
    return {k: (v[0], v[1]) for k, v in out.items()}


Detail = tuple  # (line_no, unit, account, fen, billed_year, billed_month, reference)
UNIT_SOURCES = ("billing", "payment", "refund")  # entries whose 1122/2202 lines carry a per-unit detail
DIGEST = re.compile(r"sha256:([0-9a-f]{64})")


def detail_digest(salt: str, rows: list[tuple]) -> str:
    """sha256 of the salt and the rows (line_no, unit id, account, fen, billed year, billed month, reference), in
    a canonical order: what the chain commits to."""
    doc = [salt, sorted([int(r[0]), int(r[1]), str(r[2]), int(r[3]), r[4], r[5], r[6] or ""] for r in rows)]
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _digest_of(salt: str, detail: list[Detail]) -> str:
    return detail_digest(salt, [(no, unit.id, acc, fen, y, m, ref) for no, unit, acc, fen, y, m, ref in detail])


def _write_units(session: Session, entry: Entry, salt: str, detail: list[Detail]) -> None:
    from sqlalchemy import insert

    session.flush()
    if not detail:
        return
    session.execute(insert(EntryUnit), [  # one statement: a compound's billing run writes hundreds of rows
        dict(entry_id=entry.id, book_id=entry.book_id, line_no=line_no, unit_id=unit.id, account_code=account,
             amount_fen=fen, billed_year=year, billed_month=month, reference=reference or "", salt=salt)
        for line_no, unit, account, fen, year, month, reference in detail])


# --- the billing run -------------------------------------------------------------------------------------------

@dataclass
class BillingResult:
    created: bool
    entry: Entry | None
    period: str
    units: int = 0
    billed_fen: int = 0
    prepaid_used_fen: int = 0
    skipped: tuple[str, ...] = ()  # units with no rate in force
    message: tuple[str, str] = ("", "")


def existing_run(session: Session, book: Book, year: int, month: int) -> Entry | None:
    """The billing entry of that month that is not rejected (draft, submitted or posted), if any."""
    q = (select(Entry).join(EntryUnit, EntryUnit.entry_id == Entry.id)
         .where(Entry.book_id == book.id, Entry.source == "billing", Entry.status != EntryStatus.REJECTED.value,
                EntryUnit.billed_year == year, EntryUnit.billed_month == month).limit(1))
    return session.scalar(q)


def run_billing(session: Session, actor: User, book: Book, year: int, month: int) -> BillingResult:
    """Accrue every unit's fee for the month as one entry (Dr 1122 per unit / Cr 4101), using each unit's posted
    prepayment first (Dr 2202 / Cr 1122), submitted for approval. A second run of a month creates nothing."""
    from .entries import create_entry

    require(session, actor, Action.RUN_BILLING, book)
    if not (1 <= month <= 12 and 2000 <= year <= 2999):
        raise InvalidInput(f"期间 {year}-{month} 无效", f"period {year}-{month} is not valid", "period")
    label = f"{year:04d}-{month:02d}"
    lock_book(session, book)
    earlier = existing_run(session, book, year, month)
    if earlier is not None:
        name = earlier.number or f"#{earlier.id}"
        return BillingResult(False, earlier, label, message=(
            f"{label} 已有物业费账单凭证 {name}（{earlier.status}），本次未生成任何凭证",
            f"{label} already has a billing entry {name} ({earlier.status}); nothing was created"))
    day = dt.date(year, month, 1)
    rates = [Rate(r.use, r.basis, r.rate_centi_fen, r.effective_from) for r in rates_of(session, book)]
    held = balances(session, book)
    on_register = active_ids_on(session, book, day)
    detail: list[Detail] = []
    skipped = []
    total = used_total = count = 0
    # Lines: 1 Dr 1122 the fees, 2 Cr 4101 the fees, and when prepayments are used 3 Dr 2202 / 4 Cr 1122.
    for unit in _units(session, book):
        if unit.id not in on_register:  # off the register on the month's first day
            continue
        rate = rate_in_force(rates, unit.use, day)
        if rate is None:
            skipped.append(unit.label)
            continue
        fee = monthly_fee_fen(rate.basis, rate.rate_centi_fen, unit.area_centi_m2)
        if fee <= 0:
            continue
        count += 1
        total += fee
        detail.append((1, unit, RECEIVABLE, fee, year, month, ""))
        use = min(max(held.get(unit.id, (0, 0))[1], 0), fee)
        if use:
            used_total += use
            detail.append((3, unit, PREPAID, use, None, None, ""))
            detail.append((4, unit, RECEIVABLE, -use, year, month, ""))
    if not count:
        raise InvalidState(f"{label} 没有可计费的房屋（请先登记房屋和收费标准）",
                           f"no unit can be billed for {label} (enter the units and the fee rates first)", "period")
    salt = secrets.token_hex(16)
    lines = [Line(RECEIVABLE, FUND, total, f"{label} 物业费 {count} 户"),
             Line(FEE_INCOME, FUND, -total, f"分户明细 sha256:{_digest_of(salt, detail)}")]
    if used_total:
        lines += [Line(PREPAID, FUND, used_total, f"{label} 预收抵扣"), Line(RECEIVABLE, FUND, -used_total, f"{label} 预收抵扣")]
    data = EntryInput(date=day, summary=f"计提 {label} 物业费（{count} 户）", lines=tuple(lines))
    entry = create_entry(session, actor, book, data, submit=True, source="billing")
    _write_units(session, entry, salt, detail)
    audit(session, actor, book, "fees.billing", f"entry:{entry.id}", period=label, units=count, billed=total)
    return BillingResult(True, entry, label, count, total, used_total, tuple(skipped), (
        f"已生成 {label} 物业费账单：{count} 户，合计 {fen_to_str(total)} 元，已提交审批",
        f"billed {label}: {count} units, {fen_to_str(total)} yuan in all, submitted for approval"))


# --- payments --------------------------------------------------------------------------------------------------

@dataclass
class PaymentResult:
    entry: Entry
    unit: str
    to_receivable_fen: int
    to_prepaid_fen: int


def _earlier_payment(session: Session, book: Book, key: str, unit: Unit, amount_fen: int, date: dt.date,
                     summary: str, reference: str) -> PaymentResult | None:
    """The payment an earlier request with this idempotency key recorded, if any; a key reused for another payment
    is refused. (A payment's lines carry a salted digest, so the entries' own request digest cannot compare them.)"""
    from .entries import _key_conflict

    earlier = session.scalar(select(Entry).where(Entry.book_id == book.id, Entry.idempotency_key == key))
    if earlier is None:
        return None
    rows = list(session.scalars(select(EntryUnit).where(EntryUnit.entry_id == earlier.id)))
    same = (earlier.source == "payment" and earlier.date == date and earlier.summary == summary
            and earlier.total_debit_fen == amount_fen and rows
            and all(r.unit_id == unit.id and r.reference == reference for r in rows))
    if not same:
        raise _key_conflict(key)
    to_recv = -sum(r.amount_fen for r in rows if r.account_code == RECEIVABLE)
    return PaymentResult(earlier, unit.label, to_recv, amount_fen - to_recv)


def _check_channel_and_reference(channel: str, reference: str) -> str:
    if channel not in CHANNELS:
        raise InvalidInput(f"收款方式“{channel}”无效，应为 {'、'.join(CHANNELS)}",
                           f"channel \"{channel}\" is not one of {', '.join(CHANNELS)}", "channel")
    reference = (reference or "").strip()
    if len(reference) > 60 or any(ord(ch) < 32 for ch in reference):
        raise InvalidInput("参考号最多60个字符，且不含控制字符", "the reference holds at most 60 characters and no control "
                           "characters", "reference")
    return reference


def _check_amount(amount_fen, field: str = "amount") -> None:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise InvalidInput("收款金额须大于零", "the amount must be more than zero", field)


def _payment_entry(session: Session, actor: User, book: Book, paid: list[tuple[Unit, int, str]], date: dt.date,
                   channel: str, summary: str, idempotency_key: str | None = None
                   ) -> tuple[Entry, dict[int, tuple[int, int]]]:
    """One entry for one or more units' payments: Dr the channel's cash account / Cr 1122 up to each unit's posted
    open receivable, the rest Cr 2202. Returns the entry and unit id -> (to receivable, to prepaid)."""
    from .entries import create_entry

    held = balances(session, book, [unit.id for unit, _fen, _ref in paid])
    splits: dict[int, tuple[int, int]] = {}
    for unit, fen, _ref in paid:
        splits[unit.id] = split_payment(fen, held.get(unit.id, (0, 0))[0])
    active = active_ids_on(session, book, date) if any(p for _, p in splits.values()) else set()
    for unit, _fen, _ref in paid:
        receivable, prepaid = held.get(unit.id, (0, 0))[0], splits[unit.id][1]
        if prepaid and unit.id not in active:
            # Prepaid money of a unit off the register would never be used by a bill.
            raise InvalidState(
                f"房屋 {unit.label} 已停用，只能收取其欠费 {fen_to_str(receivable)} 元，不能预收",
                f"unit {unit.label} is off the register: a payment can settle its open fees ({fen_to_str(receivable)} yuan) "
                "but cannot be prepaid", "amount")
    to_recv, to_prepaid = sum(r for r, _ in splits.values()), sum(p for _, p in splits.values())
    prepaid_line = 2 + bool(to_recv)
    detail: list[Detail] = []
    for unit, _fen, ref in paid:
        recv, prepaid = splits[unit.id]
        if recv:
            detail.append((2, unit, RECEIVABLE, -recv, None, None, ref))
        if prepaid:
            detail.append((prepaid_line, unit, PREPAID, -prepaid, None, None, ref))
    salt = secrets.token_hex(16)
    total = to_recv + to_prepaid
    lines = [Line(CHANNELS[channel], FUND, total, f"分户明细 sha256:{_digest_of(salt, detail)}")]
    if to_recv:
        lines.append(Line(RECEIVABLE, FUND, -to_recv, "收物业费"))
    if to_prepaid:
        lines.append(Line(PREPAID, FUND, -to_prepaid, "预收物业费"))
    entry = create_entry(session, actor, book, EntryInput(date=date, summary=summary, lines=tuple(lines),
                                                          idempotency_key=idempotency_key), submit=True, source="payment")
    _write_units(session, entry, salt, detail)
    return entry, splits


def record_payment(session: Session, actor: User, book: Book, unit_label: str, amount_fen: int, date,
                   channel: str, reference: str = "", idempotency_key: str | None = None) -> PaymentResult:
    """A unit's payment: Dr the cash account / Cr 1122 up to its posted open receivable, the rest Cr 2202. With an
    idempotency key, the same payment sent again is recorded once (the earlier one is returned)."""
    from .entries import _check_key

    require(session, actor, Action.RECORD_PAYMENT, book)
    reference = _check_channel_and_reference(channel, reference)
    _check_amount(amount_fen)
    date = parse_date(date, "date")
    _check_key(idempotency_key)
    lock_book(session, book)
    unit = find_unit(session, book, unit_label)
    zh, _en = CHANNEL_NAMES[channel]
    # The summary names no unit: a published month shows fees per building at most, never a household's payment.
    summary = f"收物业费（{zh}）"
    if idempotency_key:  # after the lock: a retry racing the first request finds what it recorded
        earlier = _earlier_payment(session, book, idempotency_key, unit, amount_fen, date, summary, reference)
        if earlier is not None:
            return earlier
    entry, splits = _payment_entry(session, actor, book, [(unit, amount_fen, reference)], date, channel, summary,
                                   idempotency_key)
    audit(session, actor, book, "fees.payment", f"entry:{entry.id}", unit=unit.label, amount=amount_fen,
          channel=channel)
    to_recv, to_prepaid = splits[unit.id]
    return PaymentResult(entry, unit.label, to_recv, to_prepaid)


@dataclass
class BatchResult:
    entry: Entry
    units: int
    total_fen: int
    to_receivable_fen: int
    to_prepaid_fen: int


def record_payments(session: Session, actor: User, book: Book, items: list[tuple[str, int, str]], date,
                    channel: str, batch_reference: str = "") -> BatchResult:
    """A batch of payments received together (a day's WeChat Pay or Alipay settlement, the office's cash of a day,
    a bank's collection file) as one entry: items are (unit label, amount in fen, reference). Each unit's money is
    allocated as if paid alone; a unit listed twice is paid its sum. All or nothing: a bad item names its row."""
    require(session, actor, Action.RECORD_PAYMENT, book)
    batch_reference = _check_channel_and_reference(channel, batch_reference)
    date = parse_date(date, "date")
    if not items:
        raise InvalidInput("这批收款是空的", "the batch holds no payment", "items")
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"一批最多 {MAX_BATCH} 笔收款", f"a batch holds at most {MAX_BATCH} payments", "items")
    lock_book(session, book)
    by_label = {u.label: u for u in _units(session, book)}
    summed: dict[int, list] = {}
    for no, (label, fen, ref) in enumerate(items, start=1):
        where = (f"第 {no} 笔", f"item {no}", f"items[{no - 1}]")
        unit = by_label.get((label or "").strip())
        if unit is None:
            raise NotFound(f"{where[0]}：房屋“{label}”不存在", f"{where[1]}: unit \"{label}\" does not exist", f"{where[2]}.unit")
        try:
            _check_amount(fen)
            ref = _check_channel_and_reference(channel, ref)
        except InvalidInput as e:
            raise e.located(where[0], where[1], where[2]) from None
        if unit.id in summed:
            summed[unit.id][1] += fen
        else:
            summed[unit.id] = [unit, fen, ref]
    paid = [(unit, fen, ref) for unit, fen, ref in summed.values()]
    zh, _en = CHANNEL_NAMES[channel]
    summary = f"收物业费（{zh}，{len(paid)} 户{'，' + batch_reference if batch_reference else ''}）"[:200]
    entry, splits = _payment_entry(session, actor, book, paid, date, channel, summary)
    to_recv, to_prepaid = sum(r for r, _ in splits.values()), sum(p for _, p in splits.values())
    audit(session, actor, book, "fees.payment_batch", f"entry:{entry.id}", units=len(paid), amount=to_recv + to_prepaid,
          channel=channel)
    return BatchResult(entry, len(paid), to_recv + to_prepaid, to_recv, to_prepaid)


# --- the check before posting (services/hooks.py) --------------------------------------------------------------

def _rows_match_lines(session: Session, entry: Entry) -> list[tuple[str, str]]:
    """Problems between an entry's sub-ledger rows and its lines (zh, en)."""
    rows = list(session.scalars(select(EntryUnit).where(EntryUnit.entry_id == entry.id)))
    lines = {l.line_no: (l.account.code, l.amount_fen, l.note or "")
             for l in session.scalars(select(EntryLine).where(EntryLine.entry_id == entry.id))}
    return rows_vs_lines(rows, lines)


def rows_vs_lines(rows, lines: dict[int, tuple[str, int, str]]) -> list[tuple[str, str]]:
    """The rows of each line sum to it on its account; every 1122/2202 line has rows; the digest in a line's note is
    the digest of the rows with their salt."""
    problems = []
    sums: dict[int, int] = defaultdict(int)
    for r in rows:
        sums[r.line_no] += r.amount_fen
        line = lines.get(r.line_no)
        if line is None or line[0] != r.account_code or r.account_code not in (RECEIVABLE, PREPAID):
            problems.append((f"分户明细（行 {r.line_no}，{r.account_code}）没有对应的凭证行",
                             f"a unit detail row (line {r.line_no}, {r.account_code}) has no matching line"))
    for no, (code, fen, _) in sorted(lines.items()):
        if code in (RECEIVABLE, PREPAID) and sums.get(no, 0) != fen:
            problems.append((f"第 {no} 行（{code}，{fen_to_str(fen)}）与其分户明细合计 {fen_to_str(sums.get(no, 0))} 不符",
                             f"line {no} ({code}, {fen_to_str(fen)}) does not equal its unit detail, which sums to "
                             f"{fen_to_str(sums.get(no, 0))}"))
    salts = {r.salt for r in rows}
    found = [m.group(1) for _, _, note in lines.values() for m in [DIGEST.search(note)] if m]
    digest = detail_digest(rows[0].salt, [(r.line_no, r.unit_id, r.account_code, r.amount_fen, r.billed_year,
                                           r.billed_month, r.reference) for r in rows]) if len(salts) == 1 else None
    if len(found) != 1 or digest != found[0]:
        problems.append(("分户明细的摘要与凭证记载的不符（有明细行被改动、增加或删除）",
                         "the unit detail's digest does not match the one on the entry (a row was changed, added or removed)"))
    return problems


def check_before_post(session: Session, book: Book, entry: Entry) -> None:
    """Under the lock, just before posting: a billing or payment entry's unit detail still matches its lines, a
    prepayment it uses is still held, and a payment's split still matches the unit's posted receivable."""
    if entry.source not in UNIT_SOURCES:
        return
    problems = _rows_match_lines(session, entry)
    if problems:
        raise InvalidState("分户明细与凭证不符，不能过账：" + "；".join(zh for zh, _ in problems),
                           "the unit detail does not match the entry, so it cannot post: " + "; ".join(en for _, en in problems),
                           "entry")
    rows = list(session.scalars(select(EntryUnit).where(EntryUnit.entry_id == entry.id).order_by(EntryUnit.line_no)))
    held = balances(session, book, {r.unit_id for r in rows})
    labels = unit_labels(session, book, {r.unit_id for r in rows})
    if entry.source == "billing":
        for r in rows:
            if r.account_code == PREPAID and r.amount_fen > held.get(r.unit_id, (0, 0))[1]:
                have = held.get(r.unit_id, (0, 0))[1]
                raise InvalidState(
                    f"房屋 {labels.get(r.unit_id)} 的预收款现为 {fen_to_str(have)} 元，不足以抵扣 {fen_to_str(r.amount_fen)} 元；"
                    "请退回这张账单凭证，再重新生成",
                    f"unit {labels.get(r.unit_id)} now holds {fen_to_str(have)} yuan prepaid, less than the "
                    f"{fen_to_str(r.amount_fen)} this bill uses; reject it and run the billing again", "entry")
        return
    per_unit: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        per_unit[r.unit_id][0 if r.account_code == RECEIVABLE else 1] -= r.amount_fen
    for unit_id, (to_recv, to_prepaid) in per_unit.items():
        now = split_payment(to_recv + to_prepaid, held.get(unit_id, (0, 0))[0])
        if now != (to_recv, to_prepaid):
            label = labels.get(unit_id)
            raise InvalidState(
                f"房屋 {label} 的应收物业费已变为 {fen_to_str(held.get(unit_id, (0, 0))[0])} 元，这笔收款的分配"
                f"（冲应收 {fen_to_str(to_recv)}，预收 {fen_to_str(to_prepaid)}）已过时；请退回并重新登记这笔收款",
                f"unit {label}'s receivable is now {fen_to_str(held.get(unit_id, (0, 0))[0])} yuan, so this payment's "
                f"split ({fen_to_str(to_recv)} to the receivable, {fen_to_str(to_prepaid)} prepaid) is stale; reject "
                "it and record the payment again", "entry")


# --- arrears ---------------------------------------------------------------------------------------------------

def _allocated(session: Session, book: Book, as_of: dt.date) -> tuple[dict[int, Unit], list[ar.Allocated], dict[str, int]]:
    """The book's units by id, every charge billed up to `as_of` with what its unit's credits paid of it (oldest
    first), and each unit's prepayment: from posted entries dated on or before `as_of`."""
    units = {u.id: u for u in _units(session, book)}
    labels = {unit_id: u.label for unit_id, u in units.items()}
    charges, credits, prepaid = [], defaultdict(int), defaultdict(int)
    # The rows as plain tuples, not objects: a compound of 600 units has tens of thousands, read for every month
    # a publication shows.
    query = (select(EntryUnit.unit_id, EntryUnit.account_code, EntryUnit.amount_fen, EntryUnit.billed_year,
                    EntryUnit.billed_month, Entry.id).join(Entry, Entry.id == EntryUnit.entry_id)
             .where(EntryUnit.book_id == book.id, Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value,
                    Entry.date <= as_of))
    reversed_ids = _reversed_ids(session, book, as_of)
    for unit_id, account, fen, billed_year, billed_month, entry_id in session.execute(query):
        if entry_id in reversed_ids:
            continue
        label = labels[unit_id]
        if account == RECEIVABLE and fen > 0 and billed_year:
            charges.append(ar.Charge(label, billed_year, billed_month, fen))
        elif account == RECEIVABLE:
            credits[label] -= fen
        elif account == PREPAID:
            prepaid[label] -= fen
    return units, ar.allocate(charges, dict(credits)), prepaid


def building_arrears(session: Session, book: Book, year: int, month: int) -> dict | None:
    """What a publication shows of the fees at a month's end: per building and in total, never per unit, the open
    fees by aging bucket and the collection rate of the month's billing and of the year's to date (each collected
    as of the month's end). Integer fen; rates as exact text. None when nothing was billed up to then.

    No permission is asked: publishing (which asks its own) is the only caller, and nothing here names a unit."""
    as_of = dt.date(year, month, calendar.monthrange(year, month)[1])
    units, allocated, _prepaid = _allocated(session, book, as_of)
    if not allocated:
        return None
    building_of = {u.label: u.building for u in units.values()}
    by_unit = ar.aging(allocated, year, month)
    empty = {k: 0 for k in (*ar.BUCKETS, "total")}

    def rate_doc(c: ar.Collection | None) -> dict:
        c = c or ar.Collection()
        return {"billed_fen": c.billed_fen, "collected_fen": c.collected_fen, "rate": ar.percent(c.rate),
                "fraction": f"{c.rate.numerator}/{c.rate.denominator}" if c.rate is not None else None}

    def part(labels: set[str], mine: list[ar.Allocated]) -> dict:
        buckets = dict(empty)
        for label in labels:
            for k, v in by_unit.get(label, {}).items():
                buckets[k] += v
        months, years = ar.collection(mine)
        return {"fen": buckets, "month": rate_doc(months.get((year, month))), "ytd": rate_doc(years.get(year))}

    buildings: dict[str, tuple[set[str], list[ar.Allocated]]] = defaultdict(lambda: (set(), []))
    for a in allocated:
        labels, mine = buildings[building_of[a.charge.unit]]
        labels.add(a.charge.unit)
        mine.append(a)
    billed = {a.charge.unit for a in allocated}
    return {
        "as_of": as_of.isoformat(), "buckets": list(ar.BUCKETS),
        "buildings": [dict(building=name, units=len(labels), **part(labels, mine))
                      for name, (labels, mine) in sorted(buildings.items())],
        "total": dict(units=len(billed), **part(billed, allocated)),
    }


def arrears(session: Session, actor: User, book: Book, as_of: dt.date | None = None, per_unit: bool = True) -> dict:
    """Open fees by aging bucket per building (and per unit, for those who may read it) and the collection rate per
    month and per year, as of a date (today by default). Figures are strings of yuan; rates percentages."""
    require(session, actor, Action.READ_BOOK, book)
    if per_unit:
        require(session, actor, Action.READ_ARREARS, book)
    as_of = parse_date(as_of or dt.date.today(), "as_of")
    units, allocated, prepaid = _allocated(session, book, as_of)
    by_unit = ar.aging(allocated, as_of.year, as_of.month)
    building_of = {u.label: u.building for u in units.values()}

    def figures(buckets: dict[str, int]) -> dict:
        return {b: fen_to_str(buckets[b]) for b in (*ar.BUCKETS, "total")}

    def rate_doc(c: ar.Collection) -> dict:
        return {"billed": fen_to_str(c.billed_fen), "collected": fen_to_str(c.collected_fen),
                "rate": ar.percent(c.rate),
                "fraction": f"{c.rate.numerator}/{c.rate.denominator}" if c.rate is not None else None}

    buildings: dict[str, dict] = {}
    for u in units.values():
        b = buildings.setdefault(u.building, {"buckets": {k: 0 for k in (*ar.BUCKETS, "total")}, "allocated": []})
        for k, v in by_unit.get(u.label, {}).items():
            b["buckets"][k] += v
    for a in allocated:
        buildings[building_of[a.charge.unit]]["allocated"].append(a)
    months, years = ar.collection(allocated)
    doc = {
        "book": book.code, "as_of": as_of.isoformat(), "buckets": list(ar.BUCKETS),
        "buildings": [dict(building=name, **figures(b["buckets"]),
                           collection=rate_doc(ar.collection(b["allocated"])[1].get(as_of.year, ar.Collection())))
                      for name, b in sorted(buildings.items())],
        "months": [dict(period=f"{y:04d}-{m:02d}", **rate_doc(c)) for (y, m), c in sorted(months.items())],
        "years": [dict(year=y, **rate_doc(c)) for y, c in sorted(years.items())],
    }
    total = {k: 0 for k in (*ar.BUCKETS, "total")}
    for row in by_unit.values():
        for k, v in row.items():
            total[k] += v
    doc["total"] = figures(total)
    if per_unit:
        # A unit off the register is listed while something is still open or prepaid; its history stays in the
        # buildings' figures and the collection rates either way.
        on_register = active_ids_on(session, book, as_of)
        doc["units"] = [dict(unit=u.label, building=u.building, **figures(by_unit.get(u.label, {k: 0 for k in total})),
                             prepaid=fen_to_str(prepaid.get(u.label, 0)))
                        for u in units.values()
                        if u.id in on_register or by_unit.get(u.label, {}).get("total") or prepaid.get(u.label)]
    return doc


def verify_units(session: Session, book: Book, report) -> None:
    """For `ledger verify`: every posted entry's unit detail matches its chained lines, row for row (a changed,
    added or removed row is named), and every 1122/2202 line of a billing or payment entry has its row."""
    rows_by_entry: dict[int, list[EntryUnit]] = defaultdict(list)
    for r in session.scalars(select(EntryUnit).join(Entry, Entry.id == EntryUnit.entry_id).where(Entry.book_id == book.id)):
        rows_by_entry[r.entry_id].append(r)
    posted = session.execute(select(Entry.id, Entry.number, Entry.source).where(
        Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value)).all()
    posted_ids = {eid for eid, _, _ in posted}
    checked = [(eid, number) for eid, number, source in posted if source in UNIT_SOURCES or eid in rows_by_entry]
    lines_of: dict[int, dict[int, tuple[str, int, str]]] = defaultdict(dict)
    wanted = {eid for eid, _ in checked}
    if wanted:  # one read of the book's fee lines, not one per entry (a compound posts thousands of payments)
        for eid, no, code, fen, note in session.execute(
                select(EntryLine.entry_id, EntryLine.line_no, Account.code, EntryLine.amount_fen, EntryLine.note)
                .join(Account, Account.id == EntryLine.account_id).join(Entry, Entry.id == EntryLine.entry_id)
                .where(Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value,
                       Entry.source.in_(UNIT_SOURCES) | Entry.id.in_(select(EntryUnit.entry_id)))):
            if eid in wanted:
                lines_of[eid][no] = (code, fen, note or "")
    for eid, number in checked:
        for zh, en in rows_vs_lines(rows_by_entry.get(eid, []), lines_of.get(eid, {})):
            report.add(number or f"entry id {eid}", f"分户明细：{zh}", f"unit detail: {en}")
    for eid, rows in rows_by_entry.items():
        if eid not in posted_ids:
            continue
        for r in rows:
            if r.book_id != book.id:
                report.add(f"entry id {eid}", "分户明细标为另一个账簿", "unit detail is tagged with another book")


# --- the payment reminder (催缴通知) ------------------------------------------------------------------------------

def unit_statement(session: Session, actor: User, book: Book, unit_label: str, as_of: dt.date | None = None) -> dict:
    """One unit's charges by month with what was paid against each (oldest first) and its prepayment."""
    require(session, actor, Action.READ_ARREARS, book)
    as_of = parse_date(as_of or dt.date.today(), "as_of")
    unit = find_unit(session, book, unit_label)
    charges, credits, prepaid = [], 0, 0
    for row, _ in posted_rows(session, book, as_of):
        if row.unit_id != unit.id:
            continue
        if row.account_code == RECEIVABLE and row.amount_fen > 0 and row.billed_year:
            charges.append(ar.Charge(unit.label, row.billed_year, row.billed_month, row.amount_fen))
        elif row.account_code == RECEIVABLE:
            credits -= row.amount_fen
        else:
            prepaid -= row.amount_fen
    rows = [{"period": f"{a.charge.year:04d}-{a.charge.month:02d}", "billed": a.charge.fen, "paid": a.paid_fen,
             "open": a.open_fen} for a in ar.allocate(charges, {unit.label: credits})]
    return {"unit": unit.label, "as_of": as_of.isoformat(), "rows": rows, "total": sum(r["open"] for r in rows),
            "prepaid": prepaid}


def reminder_pdf(session: Session, actor: User, book: Book, unit_label: str, as_of: dt.date | None = None) -> bytes:
    """A printable payment reminder for one unit: its open fees by month, and the law's limits (Civil Code Art.
    944: reminders and proceedings only). Addressed to the unit, naming no owner."""
    from .notices import TEMPLATES, _env, _pdf

    doc = unit_statement(session, actor, book, unit_label, as_of)
    html = _env.get_template("reminder.html").render(
        css=(TEMPLATES / "notice.css").read_text("utf-8"), unit=doc["unit"], as_of=doc["as_of"],
        rows=[r for r in doc["rows"] if r["open"]], total=doc["total"], prepaid=doc["prepaid"], book_name=book.name_zh,
        today=dt.date.today().isoformat(), my_unit_url=_my_unit_url())
    return _pdf(html)


def _my_unit_url() -> str:
    from .unit_access import office_url

    return f"{office_url()}/my-unit"


def recent_payments(session: Session, actor: User, book: Book, limit: int = 20) -> list[dict]:
    """The latest payments with their unit (newest first), for those who may read per-unit arrears."""
    require(session, actor, Action.READ_ARREARS, book)
    ids = list(session.scalars(select(Entry.id).where(Entry.book_id == book.id, Entry.source == "payment")
                               .order_by(Entry.date.desc(), Entry.id.desc()).limit(limit)))
    out: dict[int, dict] = {}
    q = (select(Entry, EntryUnit, Unit).join(EntryUnit, EntryUnit.entry_id == Entry.id).join(Unit, Unit.id == EntryUnit.unit_id)
         .where(Entry.id.in_(ids)).order_by(Entry.date.desc(), Entry.id.desc(), EntryUnit.line_no)) if ids else None
    for entry, row, unit in (session.execute(q).all() if q is not None else []):
        doc = out.setdefault(entry.id, {"entry": entry, "unit": unit.label, "reference": row.reference,
                                        "to_receivable": 0, "to_prepaid": 0})
        doc["to_receivable" if row.account_code == RECEIVABLE else "to_prepaid"] -= row.amount_fen
    return list(out.values())


# --- the year-end surplus (结余) ------------------------------------------------------------------------------------

def year_surplus(session: Session, book: Book, year: int) -> int:
    """The trust's surplus of a year in fen (income less expenses of posted entries dated in it; negative: a deficit)."""
    from sqlalchemy import func

    total = session.scalar(
        select(func.coalesce(func.sum(EntryLine.amount_fen), 0)).join(Entry, Entry.id == EntryLine.entry_id)
        .join(Account, Account.id == EntryLine.account_id)
        .where(Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value, Account.type.in_(("income", "expense")),
               Entry.date >= dt.date(year, 1, 1), Entry.date <= dt.date(year, 12, 31)))
    return -int(total)


@dataclass
class RefundResult:
    entry: Entry
    surplus_fen: int
    refunded_fen: int
    shares: dict[str, int]  # unit label -> fen


def refund_surplus(session: Session, actor: User, book: Book, year: int, resolution_id: int, date,
                   amount_fen: int | None = None) -> RefundResult:
    """The owners decided to refund a year's surplus (all of it, or `amount_fen` of it) pro rata by floor area: one
    entry, Dr 3101 / Cr 2202, each unit's share (largest remainder, summing exactly to the refund) credited to its
    prepaid fees and used by the next billing runs. Cites the passed resolution; goes to approval like any entry."""
    from .entries import create_entry
    from .resolutions import passed_resolution

    require(session, actor, Action.DECIDE_SURPLUS, book)
    date = parse_date(date, "date")
    if date <= dt.date(year, 12, 31):
        raise InvalidInput(f"结余退还须在 {year} 年结束之后入账", f"a refund of {year}'s surplus is entered after the year ends",
                           "date")
    lock_book(session, book)
    resolution = passed_resolution(session, book, resolution_id)
    surplus = year_surplus(session, book, year)
    amount = surplus if amount_fen is None else amount_fen
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidInput(f"{year} 年没有可退还的结余（结余 {fen_to_str(surplus)} 元）" if amount_fen is None else "退还金额须大于零",
                           f"{year} has no surplus to refund (surplus {fen_to_str(surplus)} yuan)" if amount_fen is None
                           else "the amount must be more than zero", "amount")
    if amount > surplus:
        raise InvalidInput(f"退还 {fen_to_str(amount)} 元超过 {year} 年结余 {fen_to_str(surplus)} 元",
                           f"refunding {fen_to_str(amount)} yuan is more than {year}'s surplus of {fen_to_str(surplus)}",
                           "amount")
    on_register = active_ids_on(session, book, date)  # a unit off the register has no share
    units = [u for u in _units(session, book) if u.id in on_register and u.area_centi_m2 > 0]
    shares = refund_shares(amount, {u.label: u.area_centi_m2 for u in units})
    by_label = {u.label: u for u in units}
    held = balances(session, book)
    # Like a payment: a share first settles the unit's open fees, the rest is prepaid for the coming months.
    splits = {label: split_payment(fen, held.get(by_label[label].id, (0, 0))[0]) for label, fen in shares.items() if fen}
    to_recv, to_prepaid = sum(r for r, _ in splits.values()), sum(p for _, p in splits.values())
    prepaid_line = 2 + bool(to_recv)
    detail: list[Detail] = []
    for label, (recv, prepaid) in sorted(splits.items()):
        if recv:
            detail.append((2, by_label[label], RECEIVABLE, -recv, None, None, ""))
        if prepaid:
            detail.append((prepaid_line, by_label[label], PREPAID, -prepaid, None, None, ""))
    salt = secrets.token_hex(16)
    lines = [Line("3101", FUND, amount, f"分户明细 sha256:{_digest_of(salt, detail)}")]
    if to_recv:
        lines.append(Line(RECEIVABLE, FUND, -to_recv, "退还结余，抵扣欠费"))
    if to_prepaid:
        lines.append(Line(PREPAID, FUND, -to_prepaid, "退还结余，计入预收物业费"))
    lines = tuple(lines)
    summary = f"退还 {year} 年结余（按建筑面积分摊，业主大会决定 {resolution.id}）"
    entry = create_entry(session, actor, book, EntryInput(date=date, summary=summary, lines=lines), submit=True,
                         source="refund")
    _write_units(session, entry, salt, detail)
    audit(session, actor, book, "fees.refund", f"entry:{entry.id}", year=year, amount=amount, resolution=resolution.id)
    return RefundResult(entry, surplus, amount, shares)

