"""Whatever people do to a book, in whatever order, the books stay true.

Hypothesis plays a random session against one trust book: treasurers, trustees and
committee members enter, approve, reverse and close months, and they also try
everything they must not get away with: entries that do not balance (in total or
within a fund), approving their own entry or approving twice, acting without the
role, unknown accounts or funds, posting into a closed month, spending more of the
restricted maintenance reserve (REPAIR) than it holds in the bank, reusing an
idempotency key for different content, and amounts with three decimals or given as
floats.

After every single step the test checks what a treasurer, an auditor or a resident
would check:

* a refused operation raised its own, specific refusal and left the database exactly
  as it was (row counts, entry states, periods and every trial balance);
* an accepted one changed exactly what it should (one entry, its lines, its
  approvals), with the number and chain position a person could predict;
* every book's trial balance nets to zero fen and every fund balances by itself;
* the maintenance reserve never holds less than zero in the bank;
* entry numbers are 记-YYYY-MM-NNNN, gapless from 0001 in every month, and the
  hash chain runs 1..n;
* `ledger verify` (verify_book) finds nothing wrong;
* the trial balance equals, to the fen, what an independent model of the same
  operations says it should be.

The machine runs through `run_state_machine_as_test` inside an ordinary test, so
the usual function-scoped `ledger` fixture (one fresh database per backend) is
used without Hypothesis' fixture health check: each Hypothesis example opens a
fresh book of its own in that database, and every invariant is checked for every
book after every step.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select, text

from ledger.db.schema import Account, Approval, Book, Entry, EntryLine, Fund, Period
from ledger.domain.errors import (
    DuplicateApproval,
    FundUnbalanced,
    IdempotencyConflict,
    InvalidAmount,
    InvalidState,
    LedgerError,
    PeriodClosed,
    PeriodNotReady,
    PermissionDenied,
    RestrictedFundOverdrawn,
    SelfApproval,
    UnbalancedEntry,
    UnknownAccount,
    UnknownFund,
)
from ledger.domain.model import EntryInput, entry_number
from ledger.domain.money import fen_to_str
from ledger.services import books, entries, periods, reports, users
from ledger.services.verify import verify_book

ACCOUNTS = ("1002", "1122", "4101", "4202", "5101", "5107", "3102")
FUNDS = ("GEN", "REPAIR")
CASH_ACCOUNT = "1002"
RESTRICTED_FUND = "REPAIR"
THRESHOLD_FEN = 1_000_000  # 10,000.00: above it, two approvers
MONTHS = [(2026, m) for m in range(1, 7)]
MAKERS = ("maker", "clerk", "approver1", "approver2", "system")  # treasurer, trustee, committee, admin
APPROVERS = ("approver1", "approver2", "system")  # committee and the administrator
CLOSERS = APPROVERS
NOT_MAKERS = ("reader", "watcher", "outsider")  # viewer, supervisor, no role at all
NOT_APPROVERS = ("reader", "watcher", "outsider", "maker", "clerk")
ROLES = [("maker", "treasurer"), ("approver1", "committee"), ("approver2", "committee"),
         ("watcher", "supervisor"), ("reader", "viewer"), ("clerk", "trustee")]
SUMMARIES = ("收3月物业费", "付保洁费", "停车收益", "维修储备金划入", "电梯维修", "Opening balance", "代收代付")
TABLES = ("entries", "entry_lines", "approvals", "periods", "audit_log")

# ---------------------------------------------------------------- strategies

FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _plain(fen: int) -> str:
    sign, (yuan, cents) = ("-" if fen < 0 else ""), divmod(abs(fen), 100)
    return f"{sign}{yuan}.{cents:02d}"


def _short(fen: int) -> str:  # "12", "12.5", "12.34"
    sign, (yuan, cents) = ("-" if fen < 0 else ""), divmod(abs(fen), 100)
    if cents == 0:
        return f"{sign}{yuan}"
    return f"{sign}{yuan}.{cents // 10}" if cents % 10 == 0 else f"{sign}{yuan}.{cents:02d}"


def _grouped(fen: int) -> str:  # "1,234.50"
    sign, (yuan, cents) = ("-" if fen < 0 else ""), divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def _full_width(fen: int) -> str:  # "１２３４．５０", as phones type it
    return _plain(fen).translate(FULL_WIDTH)


FORMATS = (_plain, _short, _grouped, _full_width)

fen_amounts = st.one_of(
    st.integers(1, 50_000),
    st.integers(1, 1_500_000),
    st.integers(500_000, 3_000_000),  # so that a fair share of entries needs two approvers
    st.sampled_from([1, 99, 100, 999_999, 1_000_000, 1_000_001]),  # around the two-approver threshold
)


@st.composite
def balanced_lines(draw, funds=FUNDS):
    """Lines that balance within every fund: (account, fund, fen, amount text)."""
    chosen = draw(st.lists(st.sampled_from(funds), min_size=1, max_size=len(funds), unique=True))
    lines = []
    for fund in chosen:
        amounts = draw(st.lists(fen_amounts, min_size=1, max_size=3))
        sign = draw(st.sampled_from([1, -1]))
        lines += [(draw(st.sampled_from(ACCOUNTS)), fund, sign * a) for a in amounts]
        lines.append((draw(st.sampled_from(ACCOUNTS)), fund, -sign * sum(amounts)))
    lines = draw(st.permutations(lines))
    return [(a, f, fen, draw(st.sampled_from(FORMATS))(fen)) for a, f, fen in lines]


month_picks = st.integers(0, len(MONTHS) - 1)
days = st.integers(1, 31)
summaries = st.sampled_from(SUMMARIES)


def _date(year_month: tuple[int, int], day: int) -> dt.date:
    year, month = year_month
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _total_debit(lines) -> int:
    return sum(fen for _a, _f, fen, *_ in lines if fen > 0)


def _needed(lines) -> int:
    return 2 if _total_debit(lines) > THRESHOLD_FEN else 1


# ---------------------------------------------------------------- the model


@dataclass
class Model:
    """What the book should hold, computed without the ledger's code."""

    entry_id: int
    maker: str
    date: dt.date
    summary: str
    lines: list  # (account, fund, fen, text)
    key: str | None
    needed: int
    approvals: list[str] = field(default_factory=list)
    number: str | None = None
    reversed: bool = False


class LedgerMachine(RuleBasedStateMachine):
    """One Hypothesis example: a fresh trust book and a random session against it."""

    ledger = None  # set by the test: the conftest `ledger` (sessions of one fresh database)
    book_codes = None  # an itertools.count shared by the examples of one test

    def __init__(self):
        super().__init__()
        code = f"P{next(self.book_codes):03d}"
        self.lg = dataclasses.replace(self.ledger, book_code=code)
        with self.lg.tx() as s:
            system = users.system_user(s)
            book = books.create_book(s, system, code, f"性质测试 {code}", f"Property test {code}", "trust", first_month=(2025, 1))
            for name, role in ROLES:
                users.grant_role(s, system, users.get_user(s, name), book, role)
            assert book.approval_threshold_fen == THRESHOLD_FEN
        self.posted: list[Model] = []
        self.pending: dict[int, Model] = {}
        self.closed: list[tuple[int, int]] = []
        self.per_month: dict[tuple[int, int], int] = defaultdict(int)
        self.balances: dict[str, int] = defaultdict(int)  # account -> fen, posted entries only
        self.restricted_days: dict[dt.date, int] = defaultdict(int)  # REPAIR's bank movement per day, posted
        self.keys = itertools.count(1)

    # -- helpers ------------------------------------------------------------

    @property
    def open_months(self):
        return [m for m in MONTHS if m not in self.closed]

    def open_date(self, pick: int, day: int) -> dt.date:
        months = self.open_months
        return _date(months[pick % len(months)], day)

    def closed_date(self, pick: int, day: int) -> dt.date:
        return _date(self.closed[pick % len(self.closed)], day)

    def key_for(self, use_key: bool) -> str | None:
        return f"{self.lg.book_code}-k{next(self.keys)}" if use_key else None

    def cash_delta(self, lines) -> int:
        return sum(fen for a, f, fen, *_ in lines if a == CASH_ACCOUNT and f == RESTRICTED_FUND)

    @property
    def restricted_cash(self) -> int:
        return sum(self.restricted_days.values())

    def lowest_from(self, date: dt.date) -> int:
        """REPAIR's least bank balance at the end of `date` or any later day: what a spend dated `date` may use."""
        days = self.restricted_days
        balance = sum(fen for d, fen in days.items() if d <= date)
        lowest = balance
        for d in sorted(d for d in days if d > date):
            balance += days[d]
            lowest = min(lowest, balance)
        return lowest

    def would_overdraw(self, lines, date) -> bool:
        delta = self.cash_delta(lines)
        return delta < 0 and self.lowest_from(date) + delta < 0

    def snapshot(self):
        """Everything a refusal must leave untouched, in every book."""
        with self.lg.tx() as s:
            counts = {t: s.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}
            rows = [tuple(r) for r in s.execute(
                select(Entry.id, Entry.status, Entry.number, Entry.chain_seq, Entry.hash).order_by(Entry.id))]
            approvals = [tuple(r) for r in s.execute(select(Approval.entry_id, Approval.user_id).order_by(Approval.id))]
            period_rows = [tuple(r) for r in s.execute(
                select(Period.book_id, Period.year, Period.month, Period.status).order_by(Period.id))]
            balances = [tuple(r) for r in s.execute(  # every book's trial balance, per account and fund
                select(EntryLine.book_id, EntryLine.account_id, EntryLine.fund_id, func.sum(EntryLine.amount_fen))
                .join(Entry, Entry.id == EntryLine.entry_id).where(Entry.status == "posted")
                .group_by(EntryLine.book_id, EntryLine.account_id, EntryLine.fund_id)
                .order_by(EntryLine.book_id, EntryLine.account_id, EntryLine.fund_id))]
            this_book = [(r.code, r.balance_fen) for r in reports.trial_balance(s, self.lg.book(s)).rows]
        return counts, rows, approvals, period_rows, balances, this_book

    def counts(self) -> dict[str, int]:
        with self.lg.tx() as s:
            return {t: s.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}

    def refused(self, expected: type[LedgerError], action) -> LedgerError:
        """Run `action(session, book)` in one transaction; it must raise `expected` and change nothing."""
        before = self.snapshot()
        with pytest.raises(LedgerError) as info:
            with self.lg.tx() as s:
                action(s, self.lg.book(s))
        assert type(info.value) is expected, f"expected {expected.__name__}, got {type(info.value).__name__}: {info.value}"
        assert info.value.message_zh and info.value.message_en
        assert self.snapshot() == before, "a refused operation changed the database"
        return info.value

    def user(self, s, name):
        return users.get_user(s, name)

    def inputs(self, date, summary, lines, key=None) -> EntryInput:
        # Through the fixture's helper: amounts go in as decimal strings and are parsed by to_fen.
        return self.lg.entry_input(date, summary, *[(a, f, t) for a, f, _fen, t in lines], key=key)

    def approvers_for(self, data, maker: str, already=()) -> list[str]:
        candidates = [a for a in APPROVERS if a != maker and a not in already]
        return list(data.draw(st.permutations(candidates), label="approvers"))

    def record_posted(self, m: Model, entry: Entry) -> None:
        ym = (m.date.year, m.date.month)
        self.per_month[ym] += 1
        assert entry.status == "posted"
        assert entry.seq == self.per_month[ym]
        assert entry.number == entry_number(ym, self.per_month[ym])
        assert entry.chain_seq == len(self.posted) + 1
        assert entry.hash and len(entry.hash) == 64 and entry.prev_hash and len(entry.prev_hash) == 64
        m.number = entry.number
        self.posted.append(m)
        for a, f, fen, *_ in m.lines:
            self.balances[a] += fen
        self.restricted_days[m.date] += self.cash_delta(m.lines)

    def make_and_approve(self, s, book, m: Model, approvers: list[str]) -> Entry:
        """Create and submit as the maker, then approve until posted; check each state on the way."""
        entry = entries.create_entry(s, self.user(s, m.maker), book, self.inputs(m.date, m.summary, m.lines, m.key), submit=True)
        assert entry.status == "submitted" and entry.number is None
        assert entry.total_debit_fen == _total_debit(m.lines)
        assert entries.approvals_needed(book, entry) == m.needed
        for i, name in enumerate(approvers[: m.needed]):
            entries.approve_entry(s, self.user(s, name), book, entry)
            assert entry.status == ("posted" if i + 1 == m.needed else "submitted")
        m.entry_id = entry.id
        return entry

    # -- valid operations ------------------------------------------------------

    @rule(lines=balanced_lines(), maker=st.sampled_from(MAKERS), pick=month_picks, day=days,
          summary=summaries, use_key=st.booleans(), data=st.data())
    def enter_and_approve(self, lines, maker, pick, day, summary, use_key, data):
        """Make, submit and approve an entry; refused only if it would overdraw REPAIR."""
        m = Model(0, maker, self.open_date(pick, day), summary, lines, self.key_for(use_key), _needed(lines))
        approvers = self.approvers_for(data, maker)
        if self.would_overdraw(lines, m.date):
            self.refused(RestrictedFundOverdrawn, lambda s, b: self.make_and_approve(s, b, m, approvers))
            return
        before = self.counts()
        with self.lg.tx() as s:
            entry = self.make_and_approve(s, self.lg.book(s), m, approvers)
            self.record_posted(m, entry)
        after = self.counts()
        assert after["entries"] == before["entries"] + 1
        assert after["entry_lines"] == before["entry_lines"] + len(lines)
        assert after["approvals"] == before["approvals"] + m.needed

    @rule(amount=fen_amounts, income=st.sampled_from(["3102", "4202"]), pick=month_picks, day=days)
    def fund_the_reserve(self, amount, income, pick, day):
        """Money into the maintenance reserve's bank account, so that it can be spent later."""
        lines = [(CASH_ACCOUNT, RESTRICTED_FUND, amount, _plain(amount)), (income, RESTRICTED_FUND, -amount, _grouped(-amount))]
        m = Model(0, "maker", self.open_date(pick, day), "维修资金划入", lines, None, _needed(lines))
        with self.lg.tx() as s:
            self.record_posted(m, self.make_and_approve(s, self.lg.book(s), m, ["approver1", "approver2"]))

    @precondition(lambda self: self.restricted_cash > 0)
    @rule(share=st.integers(1, 100), pick=month_picks, day=days)
    def spend_from_the_reserve(self, share, pick, day):
        """Spend part or all of what REPAIR holds on that day and every day since: allowed down to exactly zero."""
        date = self.open_date(pick, day)
        if self.lowest_from(date) <= 0:
            return  # the money arrived later than this date: see refuse_overdrawing_the_reserve
        amount = max(1, self.lowest_from(date) * share // 100)
        lines = [("5107", RESTRICTED_FUND, amount, _plain(amount)), (CASH_ACCOUNT, RESTRICTED_FUND, -amount, _plain(-amount))]
        m = Model(0, "clerk", date, "电梯维修", lines, None, _needed(lines))
        with self.lg.tx() as s:
            self.record_posted(m, self.make_and_approve(s, self.lg.book(s), m, ["approver2", "system"]))
        assert self.restricted_cash >= 0

    @precondition(lambda self: len(self.pending) < 3)
    @rule(lines=balanced_lines(), maker=st.sampled_from(MAKERS), pick=month_picks, day=days,
          summary=summaries, use_key=st.booleans())
    def submit_for_later(self, lines, maker, pick, day, summary, use_key):
        """An entry that waits for its approvers (and keeps its month from closing)."""
        m = Model(0, maker, self.open_date(pick, day), summary, lines, self.key_for(use_key), _needed(lines))
        before = self.counts()
        with self.lg.tx() as s:
            entry = entries.create_entry(s, self.user(s, maker), self.lg.book(s), self.inputs(m.date, summary, lines, m.key), submit=True)
            assert entry.status == "submitted" and entry.number is None and entry.seq is None
            m.entry_id = entry.id
        self.pending[m.entry_id] = m
        after = self.counts()
        assert (after["entries"], after["entry_lines"], after["approvals"]) == (
            before["entries"] + 1, before["entry_lines"] + len(lines), before["approvals"])

    @precondition(lambda self: bool(self.pending))
    @rule(data=st.data())
    def approve_pending(self, data):
        """One more approval; the one that completes it posts it (or is refused if REPAIR would go below zero)."""
        m = self.pending[data.draw(st.sampled_from(sorted(self.pending)), label="entry")]
        approver = self.approvers_for(data, m.maker, m.approvals)[0]

        def approve(s, book):
            entry = entries.get_entry(s, book, m.entry_id)
            entries.approve_entry(s, self.user(s, approver), book, entry)
            return entry

        if len(m.approvals) + 1 == m.needed and self.would_overdraw(m.lines, m.date):
            self.refused(RestrictedFundOverdrawn, approve)
            return
        with self.lg.tx() as s:
            entry = approve(s, self.lg.book(s))
            m.approvals.append(approver)
            assert [a.user.username for a in entry.approvals] == m.approvals
            if len(m.approvals) == m.needed:
                self.record_posted(m, entry)
                del self.pending[m.entry_id]
            else:
                assert entry.status == "submitted" and entry.number is None

    @precondition(lambda self: any(not m.reversed for m in self.posted))
    @rule(data=st.data(), pick=month_picks, day=days)
    def reverse_posted(self, data, pick, day):
        """红字冲销: a new entry with every line negated, approved like any other."""
        original = data.draw(st.sampled_from([m for m in self.posted if not m.reversed]), label="original")
        lines = [(a, f, -fen, _plain(-fen)) for a, f, fen, _t in original.lines]
        m = Model(0, "maker", self.open_date(pick, day), "", lines, None, original.needed)
        approvers = self.approvers_for(data, "maker")

        def reverse(s, book):
            entry = entries.reverse_entry(s, self.user(s, "maker"), book, entries.get_entry(s, book, original.entry_id), date=m.date)
            assert entry.status == "submitted" and entry.source == "reversal"
            assert entry.reverses_id == original.entry_id
            assert [(l.account.code, l.fund.code, l.amount_fen) for l in entry.lines] == [l[:3] for l in lines]
            for i, name in enumerate(approvers[: m.needed]):
                entries.approve_entry(s, self.user(s, name), book, entry)
                assert entry.status == ("posted" if i + 1 == m.needed else "submitted")
            return entry

        if self.would_overdraw(lines, m.date):  # reversing money that came into REPAIR and has since been spent
            self.refused(RestrictedFundOverdrawn, reverse)
            return
        with self.lg.tx() as s:
            entry = reverse(s, self.lg.book(s))
            m.entry_id, m.summary = entry.id, entry.summary
            assert entry.summary.startswith(f"冲销 {original.number}")
            self.record_posted(m, entry)
        original.reversed = True  # the reversal itself may be reversed later (红字冲销 of a 红字冲销 is allowed)

    @precondition(lambda self: len(self.open_months) > 2)
    @rule(closer=st.sampled_from(CLOSERS))
    def close_earliest_open_month(self, closer):
        """Close the earliest open month; refused while an entry there still waits for approval."""
        year, month = self.open_months[0]
        if any((m.date.year, m.date.month) == (year, month) for m in self.pending.values()):
            self.refused(PeriodNotReady, lambda s, b: periods.close_period(s, self.user(s, closer), b, year, month))
            return
        with self.lg.tx() as s:
            self.lg.satisfy_checklist(s, self.lg.book(s), self.user(s, closer), year, month)
            period = periods.close_period(s, self.user(s, closer), self.lg.book(s), year, month)
            assert (period.year, period.month, period.status) == (year, month, "closed")
        self.closed.append((year, month))

    @precondition(lambda self: any(m.key for m in self.posted + list(self.pending.values())))
    @rule(data=st.data(), actor=st.sampled_from(["maker", "clerk", "approver1"]))
    def retry_with_the_same_key(self, data, actor):
        """Sending the same request again (a double click, a retried upload) returns the first entry."""
        m = data.draw(st.sampled_from([m for m in self.posted + list(self.pending.values()) if m.key]), label="keyed")
        before = self.snapshot()
        with self.lg.tx() as s:
            entry = entries.create_entry(s, self.user(s, actor), self.lg.book(s), self.inputs(m.date, m.summary, m.lines, m.key), submit=True)
            assert entry.id == m.entry_id and entry.number == m.number
        assert self.snapshot() == before

    # -- refusals ---------------------------------------------------------------
    # Six rules (each picking one of several refusals) against eight valid ones, so
    # that a random session still posts a good number of entries.

    @rule(kind=st.sampled_from(["unbalanced", "fund unbalanced", "unknown account", "unknown fund", "bad amount"]),
          lines=balanced_lines(), pick=month_picks, day=days, data=st.data())
    def refuse_a_malformed_entry(self, kind, lines, pick, day, data):
        date = self.open_date(pick, day)
        lines = list(lines)  # edited below; keep the drawn example as Hypothesis reports it
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        a, f, fen, t = lines[i]
        amounts = None  # the amount texts, when they are not the lines' own
        if kind == "unbalanced":
            delta = data.draw(st.integers(-500_000, 500_000).filter(bool), label="delta")
            if fen + delta == 0:
                delta *= 2  # keep the line non-zero (a zero amount is a different refusal)
            lines[i] = (a, f, fen + delta, _plain(fen + delta))
            expected = UnbalancedEntry
        elif kind == "fund unbalanced":
            # Balanced in total, but GEN money paid straight out of REPAIR: that needs due-to/due-from accounts.
            amount = data.draw(fen_amounts, label="amount")
            x, y = data.draw(st.sampled_from(ACCOUNTS), label="gen"), data.draw(st.sampled_from(ACCOUNTS), label="repair")
            lines += [(x, "GEN", amount, _plain(amount)), (y, "REPAIR", -amount, _plain(-amount))]
            expected = FundUnbalanced
        elif kind == "unknown account":
            lines[i] = (data.draw(st.sampled_from(["9999", "1002x", "1001 ", "2"]), label="account"), f, fen, t)
            expected = UnknownAccount
        elif kind == "unknown fund":
            bad = data.draw(st.sampled_from(["NOPE", "gen", "REPAIR2"]), label="fund")
            lines = [(x, bad if y == f else y, z, w) for x, y, z, w in lines]  # the whole fund, so it still balances
            expected = UnknownFund
        else:
            if data.draw(st.booleans(), label="float"):
                bad = fen / 100
            else:
                bad = f"{_plain(fen)}{data.draw(st.integers(1, 9), label='thousandth')}"
            amounts = [t for *_x, t in lines]
            amounts[i] = bad
            expected = InvalidAmount
        maker = data.draw(st.sampled_from(MAKERS), label="maker")

        def make(s, book):
            texts = amounts or [t for *_x, t in lines]
            data_in = self.lg.entry_input(date, kind, *[(x, y, t) for (x, y, _z, _w), t in zip(lines, texts)])
            entries.create_entry(s, self.user(s, maker), book, data_in, submit=True)

        self.refused(expected, make)

    @rule(kind=st.sampled_from(["self approval", "approving twice", "making without the role", "approving without the role"]),
          lines=balanced_lines(), pick=month_picks, day=days, data=st.data())
    def refuse_the_wrong_person(self, kind, lines, pick, day, data):
        date = self.open_date(pick, day)
        use_pending = data.draw(st.booleans(), label="use a waiting entry")

        def approve_waiting(m: Model, name: str):
            return lambda s, b: entries.approve_entry(s, self.user(s, name), b, entries.get_entry(s, b, m.entry_id))

        if kind == "self approval":
            # An approver, or even the administrator, may not approve an entry they made.
            own = [m for m in self.pending.values() if m.maker in APPROVERS]
            if own and use_pending:
                m = data.draw(st.sampled_from(own), label="own")
                self.refused(SelfApproval, approve_waiting(m, m.maker))
                return
            maker = data.draw(st.sampled_from(APPROVERS), label="maker")

            def make_then_self_approve(s, book):
                entry = entries.create_entry(s, self.user(s, maker), book, self.inputs(date, "自审", lines), submit=True)
                entries.approve_entry(s, self.user(s, maker), book, entry)

            self.refused(SelfApproval, make_then_self_approve)
        elif kind == "approving twice":
            # Above 10,000.00 two *different* approvers are needed.
            halfway = [m for m in self.pending.values() if m.approvals and len(m.approvals) < m.needed]
            if halfway and use_pending:
                m = data.draw(st.sampled_from(halfway), label="halfway")
                self.refused(DuplicateApproval, approve_waiting(m, m.approvals[0]))
                return
            amount = data.draw(st.integers(THRESHOLD_FEN + 1, 3 * THRESHOLD_FEN), label="amount")
            approver = data.draw(st.sampled_from(APPROVERS), label="approver")
            big = [("5101", "GEN", amount, _grouped(amount)), (CASH_ACCOUNT, "GEN", -amount, _grouped(-amount))]

            def approve_twice(s, book):
                entry = entries.create_entry(s, self.user(s, "maker"), book, self.inputs(date, "大额保洁合同", big), submit=True)
                entries.approve_entry(s, self.user(s, approver), book, entry)
                assert entry.status == "submitted"
                entries.approve_entry(s, self.user(s, approver), book, entry)

            self.refused(DuplicateApproval, approve_twice)
        elif kind == "making without the role":
            actor = data.draw(st.sampled_from(NOT_MAKERS), label="actor")
            self.refused(PermissionDenied, lambda s, b: entries.create_entry(
                s, self.user(s, actor), b, self.inputs(date, "越权录入", lines), submit=True))
        else:
            actor = data.draw(st.sampled_from(NOT_APPROVERS), label="actor")
            # Not on their own entries: that is also a self-approval, and which refusal wins is not the point here.
            others = [m for m in self.pending.values() if m.maker != actor]
            if others and use_pending:
                self.refused(PermissionDenied, approve_waiting(data.draw(st.sampled_from(others), label="entry"), actor))
                return

            def make_then_approve(s, book):
                entry = entries.create_entry(s, self.user(s, "approver1"), book, self.inputs(date, "越权审批", lines), submit=True)
                entries.approve_entry(s, self.user(s, actor), book, entry)

            self.refused(PermissionDenied, make_then_approve)

    @rule(kind=st.sampled_from(["post into a closed month", "close twice", "close too early", "close without the role"]),
          lines=balanced_lines(), pick=month_picks, day=days, data=st.data())
    def refuse_against_the_calendar(self, kind, lines, pick, day, data):
        closer = data.draw(st.sampled_from(CLOSERS), label="closer")
        if kind == "post into a closed month" and self.closed:
            date = self.closed_date(pick, day)
            candidates = [m for m in self.posted if not m.reversed]
            if candidates and data.draw(st.booleans(), label="as a reversal"):
                original = data.draw(st.sampled_from(candidates), label="original")
                self.refused(PeriodClosed, lambda s, b: entries.reverse_entry(
                    s, self.user(s, "maker"), b, entries.get_entry(s, b, original.entry_id), date=date))
            else:
                self.refused(PeriodClosed, lambda s, b: entries.create_entry(
                    s, self.user(s, "maker"), b, self.inputs(date, "补记已结账月份", lines), submit=True))
        elif kind == "close twice" and self.closed:
            year, month = self.closed[pick % len(self.closed)]
            self.refused(PeriodClosed, lambda s, b: periods.close_period(s, self.user(s, closer), b, year, month))
        elif kind == "close too early" and self.pending:
            # A month whose entries still wait for approval cannot close.
            m = data.draw(st.sampled_from(list(self.pending.values())), label="waiting")
            self.refused(PeriodNotReady, lambda s, b: periods.close_period(s, self.user(s, closer), b, m.date.year, m.date.month))
        else:
            actor = data.draw(st.sampled_from(NOT_APPROVERS), label="actor")
            year, month = self.open_months[pick % len(self.open_months)]
            self.refused(PermissionDenied, lambda s, b: periods.close_period(s, self.user(s, actor), b, year, month))

    @rule(extra=st.integers(1, 2_000_000), pick=month_picks, day=days, maker=st.sampled_from(MAKERS), data=st.data())
    def refuse_overdrawing_the_reserve(self, extra, pick, day, maker, data):
        """Spending one fen more than REPAIR holds in the bank, on the entry's date or any day since, is refused
        when it would post (money that arrived later cannot have paid for it)."""
        date = self.open_date(pick, day)
        lowest = self.lowest_from(date)
        amount = lowest + extra
        lines = [("5107", RESTRICTED_FUND, amount, _plain(amount)), (CASH_ACCOUNT, RESTRICTED_FUND, -amount, _short(-amount))]
        m = Model(0, maker, date, "超支维修", lines, None, _needed(lines))
        approvers = self.approvers_for(data, maker)
        error = self.refused(RestrictedFundOverdrawn, lambda s, b: self.make_and_approve(s, b, m, approvers))
        assert error.message_en.startswith(f"restricted fund REPAIR holds {fen_to_str(lowest)}")

    @precondition(lambda self: any(m.key for m in self.posted + list(self.pending.values())))
    @rule(data=st.data(), change=st.sampled_from(["summary", "amount", "date", "account"]))
    def refuse_reusing_a_key_for_other_content(self, data, change):
        m = data.draw(st.sampled_from([m for m in self.posted + list(self.pending.values()) if m.key]), label="keyed")
        summary, date, lines = m.summary, m.date, list(m.lines)
        if change == "summary":
            summary = summary + "（改）"
        elif change == "amount":
            lines = [(a, f, 2 * fen, _plain(2 * fen)) for a, f, fen, _t in lines]
        elif change == "date":
            date = self.open_date(data.draw(month_picks), data.draw(days))
            if date == m.date:
                date = date.replace(day=1 if date.day != 1 else 2)
        else:
            a, f, fen, t = lines[0]
            lines[0] = (next(x for x in ACCOUNTS if x != a), f, fen, t)
        self.refused(IdempotencyConflict, lambda s, b: entries.create_entry(
            s, self.user(s, "maker"), b, self.inputs(date, summary, lines, m.key), submit=True))

    @precondition(lambda self: bool(self.posted))
    @rule(data=st.data(), pick=month_picks, day=days)
    def refuse_touching_a_posted_entry(self, data, pick, day):
        """A posted entry is approved no more, and is reversed at most once."""
        reversed_ = [m for m in self.posted if m.reversed]
        if reversed_ and data.draw(st.booleans(), label="reverse again"):
            m = data.draw(st.sampled_from(reversed_), label="reversed")
            date = self.open_date(pick, day)
            self.refused(InvalidState, lambda s, b: entries.reverse_entry(
                s, self.user(s, "maker"), b, entries.get_entry(s, b, m.entry_id), date=date))
            return
        m = data.draw(st.sampled_from(self.posted), label="posted")
        approver = data.draw(st.sampled_from([a for a in APPROVERS if a != m.maker]), label="approver")
        self.refused(InvalidState, lambda s, b: entries.approve_entry(
            s, self.user(s, approver), b, entries.get_entry(s, b, m.entry_id)))

    # -- invariants, after every step -------------------------------------------

    @invariant()
    def every_book_balances_and_numbers_gaplessly(self):
        """Set-wide SQL over every book in the database: cheap enough for every step."""
        with self.lg.tx() as s:
            by_account = s.execute(
                select(EntryLine.book_id, EntryLine.account_id, func.sum(EntryLine.amount_fen))
                .join(Entry, Entry.id == EntryLine.entry_id).where(Entry.status == "posted")
                .group_by(EntryLine.book_id, EntryLine.account_id)
            ).all()
            debit, credit = defaultdict(int), defaultdict(int)
            for book_id, _account, total in by_account:
                debit[book_id] += max(int(total), 0)
                credit[book_id] += max(-int(total), 0)
            assert debit == credit  # every book's trial balance: debit column == credit column, to the fen

            by_fund = s.execute(
                select(EntryLine.book_id, EntryLine.fund_id, func.sum(EntryLine.amount_fen))
                .join(Entry, Entry.id == EntryLine.entry_id).where(Entry.status == "posted")
                .group_by(EntryLine.book_id, EntryLine.fund_id)
            ).all()
            assert all(int(total) == 0 for *_ids, total in by_fund), by_fund  # every fund balances by itself

            reserve_cash = s.execute(
                select(EntryLine.book_id, Fund.code, func.sum(EntryLine.amount_fen))
                .join(Entry, Entry.id == EntryLine.entry_id).join(Fund, Fund.id == EntryLine.fund_id)
                .join(Account, Account.id == EntryLine.account_id)
                .where(Entry.status == "posted", Fund.restricted.is_(True), Account.cash.is_(True))
                .group_by(EntryLine.book_id, Fund.code)
            ).all()
            assert all(int(total) >= 0 for *_k, total in reserve_cash), reserve_cash  # restricted cash >= 0

            posted = s.execute(
                select(Entry.book_id, Period.year, Period.month, Entry.seq, Entry.number, Entry.date, Entry.chain_seq)
                .join(Period, Period.id == Entry.period_id).where(Entry.status == "posted")
            ).all()
            seqs, chains = defaultdict(list), defaultdict(list)
            for book_id, year, month, seq, number, date, chain_seq in posted:
                assert (date.year, date.month) == (year, month), number
                assert number == f"记-{year:04d}-{month:02d}-{seq:04d}"
                seqs[(book_id, year, month)].append(seq)
                chains[book_id].append(chain_seq)
            for where, numbers in seqs.items():
                assert sorted(numbers) == list(range(1, len(numbers) + 1)), (where, sorted(numbers))
            for book_id, numbers in chains.items():
                assert sorted(numbers) == list(range(1, len(numbers) + 1)), (book_id, sorted(numbers))
            unposted = s.execute(
                select(Entry.seq, Entry.number, Entry.chain_seq, Entry.hash).where(Entry.status != "posted")
            ).all()
            assert all(tuple(r) == (None, None, None, None) for r in unposted)

    @invariant()
    def this_book_verifies_and_matches_the_model(self):
        """The book this example plays with, through the ledger's own reports and `ledger verify`."""
        with self.lg.tx() as s:
            book = self.lg.book(s)
            tb = reports.trial_balance(s, book)
            assert sum(r.balance_fen for r in tb.rows) == 0
            assert tb.total_debit_fen == tb.total_credit_fen
            assert {r.code: r.balance_fen for r in tb.rows if r.balance_fen} == {
                a: fen for a, fen in self.balances.items() if fen}
            reserve = next(fb for fb in reports.fund_balances(s, book) if fb.code == RESTRICTED_FUND)
            assert reserve.restricted and reserve.cash_fen == self.restricted_cash >= 0

            report = verify_book(s, book)
            assert report.ok, [str(p) for p in report.problems]
            assert report.entries == len(self.posted)
            assert report.head == (s.scalar(select(Entry.hash).where(
                Entry.book_id == book.id, Entry.chain_seq == len(self.posted))) if self.posted else "0" * 64)

            numbers = s.scalars(select(Entry.number).where(Entry.book_id == book.id, Entry.status == "posted")).all()
            assert sorted(numbers) == sorted(m.number for m in self.posted)
            waiting = s.scalars(select(Entry.id).where(Entry.book_id == book.id, Entry.status == "submitted")).all()
            assert sorted(waiting) == sorted(self.pending)
            closed = s.execute(select(Period.year, Period.month).where(
                Period.book_id == book.id, Period.status == "closed")).all()
            assert sorted(tuple(c) for c in closed) == sorted(self.closed)

    def teardown(self):
        """At the end of each example, `ledger verify` over every book in the database."""
        with self.lg.tx() as s:
            for book in s.scalars(select(Book).order_by(Book.code)):
                report = verify_book(s, book)
                assert report.ok, (book.code, [str(p) for p in report.problems])


def test_random_sessions_keep_the_books_true(ledger):
    machine = type("LedgerMachineOnThisDatabase", (LedgerMachine,), {"ledger": ledger, "book_codes": itertools.count(1)})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,  # database round trips vary, PostgreSQL more than SQLite
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    # The examples really posted something: the figures above were not checked on empty books.
    with ledger.tx() as s:
        per_book = dict(s.execute(
            select(Book.code, func.count(Entry.id)).join(Entry, Entry.book_id == Book.id)
            .where(Entry.status == "posted").group_by(Book.code)).all())
    assert sum(per_book.values()) >= 15, per_book
