"""Monthly periods: open, then closed after the close checklist passes.

Nothing posts into a closed period. Closing needs: no entry of the month still
awaiting approval; every expense entry with a voucher or a recorded reason; the
month-end balance on the bank statement entered and equal to the book.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ..db.schema import (
    Account, Attachment, BankBalance, Book, Entry, EntryLine, Flag, Fund, Period, PeriodClose, User, VoucherWaiver, utcnow,
)
from ..domain.chain import GENESIS, canonical_json, close_message, sha256_hex, trial_balance_doc
from ..domain.errors import InvalidInput, InvalidState, NotFound, PeriodClosed, PeriodNotReady
from ..domain.model import EntryStatus, PeriodStatus
from ..domain.permissions import Action
from ..domain.money import fen_to_str
from .access import audit, require
from .posting import check_open_date, lock_book, lock_date
from . import bank, hooks, witness
from .signing import keys_for

# In the Chinese chart, 1002 银行存款 and its sub-accounts are the bank accounts.
BANK_PREFIX = "1002"


def find_period(session: Session, book: Book, year: int, month: int) -> Period | None:
    return session.scalar(select(Period).where(Period.book_id == book.id, Period.year == year, Period.month == month))


def _check_month(year: int, month: int) -> None:
    if not (1 <= month <= 12) or not (2000 <= year <= 2999):
        raise InvalidInput(f"期间 {year}-{month} 无效", f"period {year}-{month} is not valid", "period")


def _get_or_create(session: Session, book: Book, year: int, month: int) -> Period:
    period = find_period(session, book, year, month)
    if period is None:
        period = Period(book_id=book.id, year=year, month=month, status=PeriodStatus.OPEN.value)
        session.add(period)
        session.flush()
    return period


def open_period_for(session: Session, book: Book, date: dt.date, field: str = "date") -> Period:
    """The open period a date falls in, opened on first use; refuses a closed one, a date
    before the book's first month and a date on or before its lock date."""
    check_open_date(session, book, date, field)
    period = _get_or_create(session, book, date.year, date.month)
    if period.status != PeriodStatus.OPEN.value:
        raise PeriodClosed(
            f"{period.label} 会计期间已结账，不能记入", f"period {period.label} is closed; nothing can be booked into it", field
        )
    return period


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class BankCheck:
    account: Account
    book_fen: int
    statement_fen: int | None

    @property
    def ok(self) -> bool:
        return self.statement_fen == self.book_fen


@dataclass
class Checklist:
    """What the close page shows; `ready` when nothing blocks closing."""

    period: Period
    submitted: list[Entry] = field(default_factory=list)
    drafts: list[Entry] = field(default_factory=list)
    missing_vouchers: list[Entry] = field(default_factory=list)
    banks: list[BankCheck] = field(default_factory=list)
    open_flags: list[Flag] = field(default_factory=list)  # shown, not blocking: the committee may still answer

    @property
    def ready(self) -> bool:
        return not self.submitted and not self.missing_vouchers and all(b.ok for b in self.banks)


def checklist(session: Session, book: Book, year: int, month: int) -> Checklist:
    """What stands between a month and its close. Reads only: a month nobody has used has no row,
    and looking at it creates none (an unsaved Period stands in for it)."""
    _check_month(year, month)
    period = find_period(session, book, year, month) or Period(book_id=book.id, year=year, month=month,
                                                                  status=PeriodStatus.OPEN.value)
    in_period = select(Entry).where(Entry.period_id == period.id)
    result = Checklist(period)
    result.submitted = list(session.scalars(in_period.where(Entry.status == EntryStatus.SUBMITTED.value).order_by(Entry.id)))
    result.drafts = list(session.scalars(in_period.where(Entry.status.in_(["draft", "rejected"])).order_by(Entry.id)))
    expense_debit = (
        select(EntryLine.id).join(Account, Account.id == EntryLine.account_id)
        .where(EntryLine.entry_id == Entry.id, Account.type == "expense", EntryLine.amount_fen > 0).exists()
    )
    result.missing_vouchers = list(session.scalars(
        in_period.where(
            Entry.status == EntryStatus.POSTED.value, Entry.source != "reversal", expense_debit,
            ~exists().where(Attachment.entry_id == Entry.id), ~exists().where(VoucherWaiver.entry_id == Entry.id),
        ).order_by(Entry.seq)
    ))
    end = month_end(year, month)
    balances = dict(session.execute(
        select(EntryLine.account_id, func.sum(EntryLine.amount_fen))
        .join(Entry, Entry.id == EntryLine.entry_id).join(Account, Account.id == EntryLine.account_id)
        .where(EntryLine.book_id == book.id, Entry.status == EntryStatus.POSTED.value, Entry.date <= end,
               Account.code.like(BANK_PREFIX + "%"))
        .group_by(EntryLine.account_id)
    ).all())
    for account in session.scalars(select(Account).where(Account.book_id == book.id, Account.code.like(BANK_PREFIX + "%")).order_by(Account.code)):
        if account.id not in balances:
            continue  # an account never used needs no statement
        statement = session.scalar(
            select(BankBalance.balance_fen).where(BankBalance.period_id == period.id, BankBalance.account_id == account.id)
            .order_by(BankBalance.id.desc()).limit(1)
        )
        imported = bank.statement_closing(session, book.id, account.id, year, month)  # rows imported cover the month
        if imported is not None:
            statement = imported
        result.banks.append(BankCheck(account, int(balances[account.id]), statement))
    result.open_flags = list(session.scalars(
        select(Flag).join(Entry, Entry.id == Flag.entry_id).where(Entry.period_id == period.id, Flag.answer.is_(None)).order_by(Flag.id)
    ))
    return result


def record_bank_balance(session: Session, actor: User, book: Book, year: int, month: int, account_code: str, fen: int) -> BankBalance:
    """Enter the month-end balance from the bank statement (the newest entry counts)."""
    require(session, actor, Action.RECORD_BANK_BALANCE, book)
    _check_month(year, month)
    account = session.scalar(select(Account).where(Account.book_id == book.id, Account.code == account_code))
    if account is None or not account.code.startswith(BANK_PREFIX):
        raise InvalidInput(f"{account_code} 不是银行存款科目", f"{account_code} is not a bank account", "account")
    lock_book(session, book)
    locked = lock_date(session, book)
    if locked is not None and month_end(year, month) <= locked:
        raise PeriodClosed(f"{year:04d}-{month:02d} 已结账", f"period {year:04d}-{month:02d} is closed", "period")
    period = _get_or_create(session, book, year, month)
    if period.status != PeriodStatus.OPEN.value:
        raise PeriodClosed(f"{period.label} 已结账", f"period {period.label} is closed", "period")
    row = BankBalance(book_id=book.id, period_id=period.id, account_id=account.id, balance_fen=fen, entered_by_id=actor.id)
    session.add(row)
    session.flush()
    audit(session, actor, book, "bank.balance", f"{period.label}:{account_code}", amount=fen_to_str(fen))
    return row


def waivers_of(session: Session, entry: Entry) -> list[VoucherWaiver]:
    """The reasons recorded for the entry having no voucher."""
    return list(session.scalars(select(VoucherWaiver).where(VoucherWaiver.entry_id == entry.id).order_by(VoucherWaiver.id)))


def waive_voucher(session: Session, actor: User, book: Book, entry: Entry, reason: str) -> VoucherWaiver:
    """Record why an expense entry has no voucher."""
    require(session, actor, Action.WAIVE_VOUCHER, book)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请说明没有原始凭证的原因", "say why there is no voucher", "reason")
    if entry.book_id != book.id:
        raise InvalidState("凭证不属于此账簿", "the entry is not in this book", "entry")
    lock_book(session, book)
    try:
        session.refresh(entry)
    except Exception:  # deleted by a request that held the lock first
        raise NotFound("这张凭证已被删除", "this entry has been deleted", "entry") from None
    if entry.period.status != PeriodStatus.OPEN.value:
        raise PeriodClosed(f"{entry.period.label} 已结账", f"period {entry.period.label} is closed", "entry")
    waiver = VoucherWaiver(entry_id=entry.id, reason=reason[:500], recorded_by_id=actor.id)
    session.add(waiver)
    session.flush()
    audit(session, actor, book, "voucher.waive", f"entry:{entry.id}", reason=reason[:500])
    return waiver


def closing_balances(session: Session, book: Book, through: dt.date) -> dict[tuple[str, str], int]:
    """Every (account code, fund code) balance of posted lines dated up to `through`, in fen."""
    rows = session.execute(
        select(Account.code, Fund.code, func.sum(EntryLine.amount_fen))
        .join(Entry, Entry.id == EntryLine.entry_id).join(Account, Account.id == EntryLine.account_id)
        .join(Fund, Fund.id == EntryLine.fund_id)
        .where(EntryLine.book_id == book.id, Entry.status == EntryStatus.POSTED.value, Entry.date <= through)
        .group_by(Account.code, Fund.code)
    )
    return {(a, f): int(fen) for a, f, fen in rows}


CLOSE_NOTE_MAX = 200


def close_period(session: Session, actor: User, book: Book, year: int, month: int, today: dt.date | None = None,
                 note: str | None = None) -> Period:
    """Close a month for good: write its signed close record; its last day becomes the lock date.
    `note` (what was checked before closing) goes into the audit log beside the close."""
    require(session, actor, Action.CLOSE_PERIOD, book)
    note = " ".join((note or "").split())
    if len(note) > CLOSE_NOTE_MAX:
        raise InvalidInput(f"结账说明最多 {CLOSE_NOTE_MAX} 个字", f"the closing note may be at most {CLOSE_NOTE_MAX} characters",
                           "reason")
    _check_month(year, month)
    lock_book(session, book)  # no entry may be submitted into the month while it closes
    witness.check(session, book)  # a close record deleted by SQL must not be closed over
    label = f"{year:04d}-{month:02d}"
    through = month_end(year, month)
    if through >= (today or dt.date.today()):
        raise PeriodNotReady(f"{label} 尚未结束，不能结账", f"period {label} has not ended yet; it cannot be closed", "period")
    if book.start_date is not None and through < book.start_date:
        raise PeriodNotReady(f"{label} 早于账簿首月 {book.start_date:%Y-%m}", f"period {label} is before the first month of the book, {book.start_date:%Y-%m}", "period")
    locked = lock_date(session, book)
    if locked is not None and through <= locked:
        raise PeriodClosed(f"{label} 已经结账", f"period {label} is already closed", "period")
    earlier = session.execute(
        select(Period.year, Period.month).where(
            Period.book_id == book.id, Period.status == PeriodStatus.OPEN.value,
            (Period.year * 100 + Period.month) < year * 100 + month, exists().where(Entry.period_id == Period.id),
        ).order_by(Period.year, Period.month).limit(1)
    ).first()
    if earlier:
        first = f"{earlier[0]:04d}-{earlier[1]:02d}"
        raise PeriodNotReady(f"请先结账 {first}（其中还有凭证）", f"close {first} first (it still holds entries)", "period")
    period = _get_or_create(session, book, year, month)
    hooks.before_close(session, actor, book, period)  # e.g. the trustee's remuneration: see services/hooks.py
    check = checklist(session, book, year, month)
    if check.submitted:
        n = len(check.submitted)
        raise PeriodNotReady(
            f"{period.label} 还有 {n} 张待审批凭证，不能结账",
            f"period {period.label} still has {n} submitted entries awaiting approval; cannot close",
            "period",
        )
    if check.missing_vouchers:
        numbers = "、".join(e.number for e in check.missing_vouchers[:5])
        raise PeriodNotReady(
            f"{period.label} 有 {len(check.missing_vouchers)} 张支出凭证既无原始凭证也无说明（{numbers}）",
            f"period {period.label} has {len(check.missing_vouchers)} expense entries with neither a voucher "
            f"nor a recorded reason ({numbers.replace('、', ', ')})",
            "period",
        )
    for account_check in check.banks:
        if not account_check.ok:
            said = "未录入" if account_check.statement_fen is None else fen_to_str(account_check.statement_fen)
            said_en = "not entered" if account_check.statement_fen is None else fen_to_str(account_check.statement_fen)
            raise PeriodNotReady(
                f"{period.label} 银行对账不符：{account_check.account.code} 账面 {fen_to_str(account_check.book_fen)}，对账单 {said}",
                f"period {period.label}: bank account {account_check.account.code} is {fen_to_str(account_check.book_fen)} in the book, "
                f"statement {said_en}",
                "period",
            )
    head = session.execute(
        select(Entry.chain_seq, Entry.hash).where(Entry.book_id == book.id, Entry.chain_seq.is_not(None))
        .order_by(Entry.chain_seq.desc()).limit(1)
    ).first()
    chain_seq, chain_head = (head[0], head[1]) if head else (0, GENESIS)
    tb = canonical_json(trial_balance_doc(book.code, period.label, through.isoformat(), closing_balances(session, book, through)))
    tb_hash = sha256_hex(tb)
    signature = keys_for(session).signer(book.code).sign(close_message(book.code, period.label, chain_seq, chain_head, tb_hash))
    now = utcnow()
    session.add(PeriodClose(
        book_id=book.id, period_id=period.id, year=year, month=month, through_date=through, closed_at=now,
        closed_by_id=actor.id, chain_seq=chain_seq, chain_head=chain_head, trial_balance=tb.decode("utf-8"),
        trial_balance_hash=tb_hash, signature=signature,
    ))
    session.flush()
    period.status = PeriodStatus.CLOSED.value
    period.closed_at = now
    period.closed_by_id = actor.id
    session.flush()
    witness.touch(session, book, "lock")  # the lock date moved
    audit(session, actor, book, "period.close", period.label, lock_date=through.isoformat(), trial_balance_sha256=tb_hash)
    if note:
        audit(session, actor, book, "period.close_note", period.label, reason=note)
    return period


def current_period(session: Session, book: Book, today: dt.date | None = None) -> str:
    """The month the committee is working on: the earliest open month that has entries, else
    today's month. Never a month that only exists because someone typed a date or opened a page."""
    row = session.execute(
        select(Period.year, Period.month).where(
            Period.book_id == book.id, Period.status == PeriodStatus.OPEN.value,
            exists().where(Entry.period_id == Period.id),
        ).order_by(Period.year, Period.month).limit(1)
    ).first()
    if row:
        return f"{row[0]:04d}-{row[1]:02d}"
    today = today or dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


def periods_of(session: Session, book: Book) -> list[Period]:
    return list(session.scalars(select(Period).where(Period.book_id == book.id).order_by(Period.year, Period.month)))
