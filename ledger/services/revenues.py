"""Public revenues (公共收益, 民法典第282条): contracts for the common parts (advertising, parking, express lockers,
base stations, leasing), the receipts they schedule, and what was actually received.

A receipt is an entry Dr 1002 / Cr 42xx linked to its contract, drafted here as a submitted entry and approved like
any other; only posted ones count as received. Expected receipts fall due on the first day of each period (monthly,
quarterly, yearly) from the contract's start; received money settles them in order, and one whose date has passed
without being settled is overdue. Revenues belong to the trust: only a trust book holds these contracts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.schema import Account, Book, Entry, EntryLine, Owner, RevenueContract, RevenueReceipt, RevenueTerms, User
from ..domain.errors import InvalidInput, InvalidState, NotFound
from ..domain.model import MAX_DATE, MIN_DATE, EntryInput, EntryStatus, Line, parse_date
from ..domain.money import fen_to_str
from ..domain.permissions import Action
from ..domain.trustmath import STEP_MONTHS, due_dates
from .access import audit, require
from .posting import lock_book
from .trustops import GENERAL_FUND, clean_code, clean_text, require_trust

KINDS = ("advertising", "parking", "express_lockers", "base_station", "leasing", "other")
KIND_ZH = {"advertising": "广告", "parking": "停车", "express_lockers": "快递柜", "base_station": "通信基站",
           "leasing": "场地租赁", "other": "其他"}
SCHEDULES = tuple(STEP_MONTHS)
INCOME_PREFIX = "42"
BANK = "1002"


def add_contract(session: Session, actor: User, book: Book, counterparty: str, kind: str, account_code: str,
                 amount_fen: int, schedule: str, start: dt.date, end: dt.date | None = None) -> RevenueContract:
    """Record a public-revenue contract of the trust."""
    require(session, actor, Action.MANAGE_REVENUES, book)
    require_trust(book)
    counterparty = clean_text(counterparty, 201)
    if not counterparty or len(counterparty) > 200:
        raise InvalidInput("请填写对方名称（最多200字）", "give the counterparty (at most 200 characters)", "counterparty")
    if kind not in KINDS:
        raise InvalidInput(f"收益类别须为 {', '.join(KINDS)} 之一，不是“{kind}”", f"kind must be one of {', '.join(KINDS)}, "
                           f"not \"{kind}\"", "kind")
    account_code = clean_code(account_code, "account")
    account = session.scalar(select(Account).where(Account.book_id == book.id, Account.code == account_code))
    if account is None or account.type != "income" or not account.code.startswith(INCOME_PREFIX):
        raise InvalidInput(f"收入科目 {account_code} 不是本账簿的公共收益科目（42xx）",
                           f"account {account_code} is not a public-revenue income account (42xx) of this book", "account")
    if amount_fen <= 0:
        raise InvalidInput("每期金额须大于0", "the amount per period must be more than 0", "amount")
    if schedule not in SCHEDULES:
        raise InvalidInput(f"收款周期须为 {', '.join(SCHEDULES)} 之一", f"schedule must be one of {', '.join(SCHEDULES)}",
                           "schedule")
    if not MIN_DATE <= start <= MAX_DATE:
        raise InvalidInput("开始日期无效", "the start date is not valid", "start")
    if end is not None and not start <= end <= MAX_DATE:
        raise InvalidInput("结束日期须不早于开始日期", "the end date must not be before the start", "end")
    lock_book(session, book)
    contract = RevenueContract(book_id=book.id, counterparty=counterparty, kind=kind, account_id=account.id,
                               amount_fen=amount_fen, schedule=schedule, start_date=start, end_date=end,
                               created_by_id=actor.id)
    session.add(contract)
    session.flush()
    audit(session, actor, book, "revenue.contract", f"revenue:{contract.id}", kind=kind, account=account.code,
          amount=fen_to_str(amount_fen), schedule=schedule, start=start.isoformat(), end=end.isoformat() if end else None)
    return contract


def contracts_of(session: Session, book: Book) -> list[RevenueContract]:
    return list(session.scalars(select(RevenueContract).where(RevenueContract.book_id == book.id)
                                .order_by(RevenueContract.start_date, RevenueContract.id)))


def get_contract(session: Session, book: Book, contract_id: int) -> RevenueContract:
    contract = session.get(RevenueContract, contract_id)
    if contract is None or contract.book_id != book.id:
        raise NotFound(f"账簿 {book.code} 没有收益合同 {contract_id}", f"book {book.code} has no revenue contract {contract_id}",
                       "contract")
    return contract


def receive(session: Session, actor: User, book: Book, contract: RevenueContract, date: dt.date, amount_fen: int,
            fund: str = GENERAL_FUND, summary: str = "", idempotency_key: str | None = None) -> Entry:
    """Draft the receipt (Dr 1002 / Cr the contract's income account), submitted for approval, linked to the contract."""
    from . import entries

    require(session, actor, Action.MANAGE_REVENUES, book)
    require_trust(book)
    if contract.book_id != book.id:
        raise NotFound("收益合同不属于此账簿", "the revenue contract is not in this book", "contract")
    if amount_fen <= 0:
        raise InvalidInput("收款金额须大于0", "the amount received must be more than 0", "amount")
    fund = clean_code(fund, "fund")
    # The summary is published with the entry: a counterparty who is an owner (renting a parking space) is not named.
    payer = "个人" if names_an_owner(session, book, contract.counterparty) else contract.counterparty
    summary = clean_text(summary, 200) or f"收 {payer} {KIND_ZH[contract.kind]}收益"
    data = EntryInput(date=date, summary=summary[:200],
                      lines=(Line(BANK, fund, amount_fen), Line(contract.account.code, fund, -amount_fen,
                                                                 f"收益合同 {contract.id}")),
                      idempotency_key=idempotency_key)
    entry = entries.create_entry(session, actor, book, data, submit=True)
    if not session.scalar(select(RevenueReceipt.id).where(RevenueReceipt.entry_id == entry.id)):
        session.add(RevenueReceipt(contract_id=contract.id, entry_id=entry.id))
        session.flush()
        audit(session, actor, book, "revenue.receive", f"entry:{entry.id}", contract=contract.id, amount=fen_to_str(amount_fen))
    return entry


def names_an_owner(session: Session, book: Book, text: str) -> bool:
    """Whether the text holds the name of an owner (a person) of the book's register: such a name never reaches
    the public, even as a contract's counterparty."""
    names = session.scalars(select(Owner.name).where(Owner.book_id == book.id, Owner.kind == "person"))
    return any(len(name.strip()) >= 2 and name.strip() in text for name in names)


def received(session: Session, contract: RevenueContract, through: dt.date | None = None) -> list[tuple[Entry, int]]:
    """The posted entries linked to the contract (dated on or before `through`) and what each credited to its
    account, in date order."""
    query = (select(Entry, func.sum(EntryLine.amount_fen)).join(RevenueReceipt, RevenueReceipt.entry_id == Entry.id)
             .join(EntryLine, EntryLine.entry_id == Entry.id)
             .where(RevenueReceipt.contract_id == contract.id, Entry.status == EntryStatus.POSTED.value,
                    EntryLine.account_id == contract.account_id))
    if through is not None:
        query = query.where(Entry.date <= through)
    rows = session.execute(query.group_by(Entry.id).order_by(Entry.date, Entry.id)).all()
    return [(entry, -int(fen)) for entry, fen in rows]


def pending(session: Session, contract: RevenueContract) -> list[Entry]:
    """Linked receipts not yet posted (awaiting approval, or sent back)."""
    return list(session.scalars(select(Entry).join(RevenueReceipt, RevenueReceipt.entry_id == Entry.id)
                                .where(RevenueReceipt.contract_id == contract.id, Entry.status != EntryStatus.POSTED.value)
                                .order_by(Entry.id)))


@dataclass(frozen=True)
class Terms:
    effective_from: dt.date
    amount_fen: int
    schedule: str


def terms_of(session: Session, contract: RevenueContract) -> list[Terms]:
    """The contract's terms in date order: its own amount and schedule from its start, then each change."""
    return [Terms(contract.start_date, contract.amount_fen, contract.schedule)] + [
        Terms(t.effective_from, t.amount_fen, t.schedule) for t in session.scalars(
            select(RevenueTerms).where(RevenueTerms.contract_id == contract.id)
            .order_by(RevenueTerms.effective_from, RevenueTerms.id))]


def _amount_and_schedule(amount_fen: int, schedule: str) -> None:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise InvalidInput("每期金额须大于0", "the amount per period must be more than 0", "amount")
    if schedule not in SCHEDULES:
        raise InvalidInput(f"收款周期须为 {', '.join(SCHEDULES)} 之一", f"schedule must be one of {', '.join(SCHEDULES)}",
                           "schedule")


def _reread(session: Session, actor: User, book: Book, contract: RevenueContract) -> RevenueContract:
    require(session, actor, Action.MANAGE_REVENUES, book)
    require_trust(book)
    if contract.book_id != book.id:
        raise NotFound("收益合同不属于此账簿", "the revenue contract is not in this book", "contract")
    lock_book(session, book)
    session.refresh(contract)  # decide on the contract as it is now, under the book's lock
    return contract


def change_terms(session: Session, actor: User, book: Book, contract: RevenueContract, effective_from, amount_fen: int,
                 schedule: str) -> RevenueTerms:
    """New terms from a date on (a new version): receipts expected before that day keep their amounts; from it, one
    falls due on that day and then every period of the new schedule, until the contract ends."""
    effective_from = parse_date(effective_from, "from")
    _amount_and_schedule(amount_fen, schedule)
    contract = _reread(session, actor, book, contract)
    current = terms_of(session, contract)[-1]
    if effective_from <= current.effective_from:
        raise InvalidInput(f"新条款须晚于现行条款的生效日 {current.effective_from}",
                           f"new terms must take effect after the current terms' {current.effective_from}", "from")
    if contract.end_date is not None and effective_from > contract.end_date:
        raise InvalidState(f"合同已于 {contract.end_date} 结束，不能在其后变更条款",
                           f"the contract ends on {contract.end_date}; its terms cannot change after that", "from")
    if (amount_fen, schedule) == (current.amount_fen, current.schedule):
        raise InvalidInput("新条款与现行条款相同", "the new terms are the same as the current ones", "amount")
    terms = RevenueTerms(contract_id=contract.id, effective_from=effective_from, amount_fen=amount_fen,
                         schedule=schedule, created_by_id=actor.id)
    session.add(terms)
    session.flush()
    audit(session, actor, book, "revenue.terms", f"revenue:{contract.id}", effective_from=effective_from.isoformat(),
          before=f"{fen_to_str(current.amount_fen)} {current.schedule}", after=f"{fen_to_str(amount_fen)} {schedule}")
    return terms


def end_contract(session: Session, actor: User, book: Book, contract: RevenueContract, end, reason: str = "") -> RevenueContract:
    """End the contract on a day: no receipt is expected after it (money received later still counts). It may end
    earlier than a fixed term said, never later (a renewal is a new contract), and not before its current terms."""
    end = parse_date(end, "end")
    reason = clean_text(reason, 200)
    contract = _reread(session, actor, book, contract)
    current = terms_of(session, contract)[-1]
    if end < current.effective_from:
        raise InvalidInput(f"结束日期不能早于现行条款的生效日 {current.effective_from}",
                           f"the end cannot be before the current terms' {current.effective_from}", "end")
    if contract.end_date is not None and end >= contract.end_date:
        raise InvalidState(f"合同已定于 {contract.end_date} 结束；续约请登记新合同",
                           f"the contract already ends on {contract.end_date}; record a renewal as a new contract", "end")
    before = contract.end_date
    contract.end_date = end
    session.flush()
    audit(session, actor, book, "revenue.end", f"revenue:{contract.id}", end=end.isoformat(),
          before=before.isoformat() if before else None, reason=reason or None)
    return contract


@dataclass
class Due:
    date: dt.date
    amount: int
    paid: int  # of this receipt, settled by money received (in order)
    overdue: bool

    @property
    def outstanding(self) -> int:
        return self.amount - self.paid


@dataclass
class Standing:
    contract: RevenueContract
    dues: list[Due]
    received_fen: int
    receipts: list[tuple[Entry, int]]
    terms: list[Terms] = field(default_factory=list)

    @property
    def expected_fen(self) -> int:
        return sum(d.amount for d in self.dues)

    @property
    def overdue(self) -> list[Due]:
        return [d for d in self.dues if d.overdue]

    @property
    def overdue_fen(self) -> int:
        return sum(d.outstanding for d in self.overdue)

    def as_json(self) -> dict:
        c = self.contract
        return {
            "id": c.id, "counterparty": c.counterparty, "kind": c.kind, "account": c.account.code,
            "amount": fen_to_str(c.amount_fen), "schedule": c.schedule, "start": c.start_date.isoformat(),
            "end": c.end_date.isoformat() if c.end_date else None, "expected": fen_to_str(self.expected_fen),
            "received": fen_to_str(self.received_fen), "overdue": fen_to_str(self.overdue_fen),
            "dues": [{"date": d.date.isoformat(), "amount": fen_to_str(d.amount), "paid": fen_to_str(d.paid),
                      "overdue": d.overdue} for d in self.dues],
            "receipts": [{"entry": e.number, "date": e.date.isoformat(), "amount": fen_to_str(f)} for e, f in self.receipts],
            "terms": [{"from": t.effective_from.isoformat(), "amount": fen_to_str(t.amount_fen), "schedule": t.schedule}
                      for t in self.terms],
        }


def standing(session: Session, contract: RevenueContract, as_of: dt.date | None = None) -> Standing:
    """Expected receipts due on or before `as_of` (default today) against what was received."""
    as_of = as_of or dt.date.today()
    receipts = received(session, contract, as_of)  # money received later settles nothing as of then
    left = total = sum(f for _, f in receipts)
    terms = terms_of(session, contract)
    dues = []
    for n, t in enumerate(terms):  # each version's dates, from its day until the next version's (or the end)
        last = terms[n + 1].effective_from - dt.timedelta(days=1) if n + 1 < len(terms) else contract.end_date
        if contract.end_date is not None and last is not None:
            last = min(last, contract.end_date)
        for day in due_dates(t.effective_from, last, t.schedule, as_of):
            paid = min(max(left, 0), t.amount_fen)
            left -= paid
            dues.append(Due(day, t.amount_fen, paid, overdue=day < as_of and paid < t.amount_fen))
    return Standing(contract, dues, total, receipts, terms)


def standings(session: Session, book: Book, as_of: dt.date | None = None) -> list[Standing]:
    return [standing(session, c, as_of) for c in contracts_of(session, book)]
