"""The trustee's remuneration (酬金): the contract, and its accrual when a month closes.

The contract is set by the owners' committee only (never the trustee's own hand). Closing a month with a contract
in force accrues the month's remuneration, Dr 5106 受托人酬金 / Cr 2203 应付受托人酬金, with the calculation written
on the entry. The system user makes the accrual and the committee member who closes the month approves it: the
closer's act, through the same entry services as any entry, so its maker never approves it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.schema import Account, Book, Entry, EntryLine, Period, TrusteeContract, User, VoucherWaiver
from ..domain.errors import InvalidInput, PeriodNotReady
from ..domain.model import MAX_DATE, MIN_DATE, EntryInput, EntryStatus, Line
from ..domain.money import format_fen, fen_to_str
from ..domain.permissions import Action
from ..domain.trustmath import Remuneration, remuneration
from .access import audit, require
from .posting import lock_book
from .trustops import FEE_CODES, GENERAL_FUND, cash_condition, clean_text, require_trust

KINDS = ("fixed", "percent")
EXPENSE, PAYABLE = "5106", "2203"
SOURCE = "accrual"
WAIVER = "按合同计提"


def set_contract(session: Session, actor: User, book: Book, kind: str, effective_from: dt.date,
                 monthly_fen: int | None = None, percent_bp: int | None = None, cap_fen: int | None = None,
                 note: str = "") -> TrusteeContract:
    """Record the trustee's contract; from `effective_from` it supersedes the one before."""
    require(session, actor, Action.SET_REMUNERATION, book)
    require_trust(book)
    if kind not in KINDS:
        raise InvalidInput(f"酬金方式须为 fixed 或 percent，不是“{kind}”", f"kind must be fixed or percent, not \"{kind}\"", "kind")
    if kind == "fixed":
        if monthly_fen is None or monthly_fen < 0:
            raise InvalidInput("固定酬金须给出每月金额（不小于0）", "a fixed remuneration needs a monthly amount (0 or more)", "monthly")
        percent_bp = None
    else:
        if percent_bp is None or not 0 <= percent_bp <= 10_000:
            raise InvalidInput("按比例计酬须给出0到100之间的百分比", "a percentage remuneration needs a percentage from 0 to 100",
                               "percent")
        monthly_fen = None
    if cap_fen is not None and cap_fen < 0:
        raise InvalidInput("每月上限不能为负数", "the monthly cap cannot be negative", "cap")
    if not isinstance(effective_from, dt.date) or not MIN_DATE <= effective_from <= MAX_DATE:
        raise InvalidInput("生效日期无效", "the effective date is not valid", "effective_from")
    note = clean_text(note, 500)
    lock_book(session, book)
    contract = TrusteeContract(book_id=book.id, kind=kind, monthly_fen=monthly_fen, percent_bp=percent_bp, cap_fen=cap_fen,
                               effective_from=effective_from, note=note, created_by_id=actor.id)
    session.add(contract)
    session.flush()
    audit(session, actor, book, "remuneration.set", f"contract:{contract.id}", kind=kind,
          monthly=None if monthly_fen is None else fen_to_str(monthly_fen), percent_bp=percent_bp,
          cap=None if cap_fen is None else fen_to_str(cap_fen), effective_from=effective_from.isoformat())
    return contract


def contracts_of(session: Session, book: Book) -> list[TrusteeContract]:
    return list(session.scalars(select(TrusteeContract).where(TrusteeContract.book_id == book.id)
                                .order_by(TrusteeContract.effective_from.desc(), TrusteeContract.id.desc())))


def month_end(year: int, month: int) -> dt.date:
    from .periods import month_end as end

    return end(year, month)


def contract_in_force(session: Session, book: Book, year: int, month: int) -> TrusteeContract | None:
    """The contract in force on the month's last day: the latest to take effect by then (the newest of a day)."""
    return session.scalar(select(TrusteeContract).where(
        TrusteeContract.book_id == book.id, TrusteeContract.effective_from <= month_end(year, month))
        .order_by(TrusteeContract.effective_from.desc(), TrusteeContract.id.desc()).limit(1))


def collected_fees(session: Session, book: Book, year: int, month: int) -> int:
    """Property fees actually collected in the month: the credits to 1122 and 2202 in posted entries dated in the month
    whose other side is a cash account (a refund or a reversal of such a receipt counts against it)."""
    first, last = dt.date(year, month, 1), month_end(year, month)
    cash_side = (select(EntryLine.id).join(Account, Account.id == EntryLine.account_id)
                 .where(EntryLine.entry_id == Entry.id, cash_condition()).exists())
    total = session.scalar(
        select(func.sum(EntryLine.amount_fen)).join(Entry, Entry.id == EntryLine.entry_id)
        .join(Account, Account.id == EntryLine.account_id)
        .where(EntryLine.book_id == book.id, Entry.status == EntryStatus.POSTED.value, Entry.date >= first,
               Entry.date <= last, Account.code.in_(FEE_CODES), cash_side))
    return max(-int(total or 0), 0)


def calculate(session: Session, book: Book, year: int, month: int) -> Remuneration | None:
    """The month's remuneration under the contract in force, or None when there is no contract."""
    contract = contract_in_force(session, book, year, month)
    if contract is None:
        return None
    collected = collected_fees(session, book, year, month) if contract.kind == "percent" else 0
    return remuneration(contract.kind, contract.monthly_fen, contract.percent_bp, contract.cap_fen, collected)


def accrual_of(session: Session, book: Book, period: Period) -> Entry | None:
    """The month's accrual, submitted or posted (a rejected or draft one does not count)."""
    return session.scalar(select(Entry).where(
        Entry.book_id == book.id, Entry.period_id == period.id, Entry.source == SOURCE,
        Entry.status.in_([EntryStatus.SUBMITTED.value, EntryStatus.POSTED.value])).order_by(Entry.id).limit(1))


def accrue(session: Session, actor: User, book: Book, period: Period) -> Entry | None:
    """Accrue the month's remuneration if a contract is in force and the month has none yet: the system user makes
    it, `actor` (the committee member closing the month) approves it. None when there is nothing to accrue."""
    from . import entries
    from .users import system_user

    require(session, actor, Action.CLOSE_PERIOD, book)
    if book.kind != "trust":
        return None
    lock_book(session, book)
    if accrual_of(session, book, period) is not None:
        return None
    result = calculate(session, book, period.year, period.month)
    if result is None or result.fen <= 0:
        return None
    label = f"{period.year:04d}-{period.month:02d}"
    data = EntryInput(
        date=month_end(period.year, period.month), summary=f"计提 {label} 受托人酬金（{result.note}）"[:200],
        lines=(Line(EXPENSE, GENERAL_FUND, result.fen, result.note[:200]),
               Line(PAYABLE, GENERAL_FUND, -result.fen, result.note[:200])),
    )
    system = system_user(session)
    if actor.id == system.id:
        raise PeriodNotReady(
            "受托人酬金的计提由系统制单、由结账的业委会成员审批：请以业委会成员身份结账（命令行加 --as 用户名）",
            "the trustee's remuneration is accrued by the system and approved by the committee member who closes the "
            "month: close it as a committee member (on the command line, --as USERNAME)", "period")
    entry = entries.create_entry(session, system, book, data, submit=True, source=SOURCE)
    session.add(VoucherWaiver(entry_id=entry.id, reason=WAIVER, recorded_by_id=system.id))
    session.flush()
    audit(session, system, book, "voucher.waive", f"entry:{entry.id}", reason=WAIVER)
    entries.approve_entry(session, actor, book, entry)
    audit(session, actor, book, "remuneration.accrue", f"entry:{entry.id}", period=label, amount=fen_to_str(result.fen),
          calculation=result.note)
    return entry


def before_close(session: Session, actor: User, book: Book, period: Period) -> None:
    """BEFORE_CLOSE step: accrue the month's remuneration; refuse the close if it still needs a second approver."""
    entry = accrual_of(session, book, period) or accrue(session, actor, book, period)
    if entry is not None and entry.status != EntryStatus.POSTED.value:
        amount = format_fen(entry.total_debit_fen)
        raise PeriodNotReady(
            f"{period.label} 的受托人酬金计提（{amount}）超过审批限额，需要第二位审批人：请先用“计提酬金”生成并审批，再结账",
            f"the trustee's remuneration accrual for {period.label} ({amount}) is above the approval threshold and needs a "
            "second approver: accrue it first (ledger remuneration accrue), have it approved, then close",
            "period")


def accrue_month(session: Session, actor: User, book: Book, year: int, month: int, today: dt.date | None = None) -> Entry | None:
    """Accrue an ended month's remuneration ahead of its close (for an accrual that needs two approvers: the second
    approves it as any entry, then the month closes)."""
    from .periods import open_period_for

    require(session, actor, Action.CLOSE_PERIOD, book)
    require_trust(book)
    end = month_end(year, month)
    if end >= (today or dt.date.today()):
        raise PeriodNotReady(f"{year:04d}-{month:02d} 尚未结束，不能计提酬金", f"{year:04d}-{month:02d} has not ended yet; "
                             "its remuneration cannot be accrued", "period")
    lock_book(session, book)
    period = open_period_for(session, book, end, "period")
    return accrue(session, actor, book, period)
