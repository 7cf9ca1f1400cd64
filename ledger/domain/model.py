"""The ledger's small, immutable vocabulary (after beancount's core/data.py)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum

from .errors import FundUnbalanced, InvalidAmount, InvalidInput, UnbalancedEntry
from .money import fen_to_str, to_fen


class BookKind(str, Enum):
    TRUST = "trust"  # 信托制物业: one compound's trust property
    COMMUNITY_FUND = "community_fund"  # 社区基金
    FOUNDATION = "foundation"  # 基金会


class AccountType(str, Enum):
    ASSET = "asset"
    LIABILITY = "liability"
    NET_ASSETS = "net_assets"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def normal_debit(self) -> bool:
        return self in (AccountType.ASSET, AccountType.EXPENSE)


class EntryStatus(str, Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    POSTED = "posted"
    REJECTED = "rejected"


class PeriodStatus(str, Enum):
    OPEN = "open"
    CLOSED = "closed"


class Role(str, Enum):
    TREASURER = "treasurer"  # 财务/出纳: enters entries
    COMMITTEE = "committee"  # 业委会委员: enters, approves, closes
    SUPERVISOR = "supervisor"  # 信托监察人: reads everything, flags
    TRUSTEE = "trustee"  # 物业服务企业（受托人）: enters its expenses
    FUND_MANAGER = "fund_manager"  # 基金管理人: keeps and approves a fund's books
    VIEWER = "viewer"  # reads


# Who may do what is in permissions.py, the one table.
DEFAULT_APPROVAL_THRESHOLD_FEN = 1_000_000  # 10,000.00 yuan: above it, two approvers

# The one date rule of the ledger: the months it can keep. A date outside them is a typing
# mistake (0001-01-01, 9999-12-31) and would overflow month arithmetic; the form, the API,
# imports and reversals all reach it through `check_date` / `parse_date`.
MIN_DATE, MAX_DATE = dt.date(2000, 1, 1), dt.date(2999, 12, 31)


def check_date(date: dt.date, field: str = "date") -> dt.date:
    if not MIN_DATE <= date <= MAX_DATE:
        raise InvalidInput(
            f"日期 {date.isoformat()} 超出范围（{MIN_DATE.isoformat()} 至 {MAX_DATE.isoformat()}）",
            f"date {date.isoformat()} is out of range ({MIN_DATE.isoformat()} to {MAX_DATE.isoformat()})",
            field,
        )
    return date


def parse_date(value, field: str = "date") -> dt.date:
    """'2026-03-01' (or a date) -> a date the ledger can keep; anything else is refused."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value if value is not None else "").strip())
        except ValueError:
            raise InvalidInput(
                f"日期“{value}”无效，应为 YYYY-MM-DD", f"date \"{value}\" is not valid; use YYYY-MM-DD", field
            ) from None
    return check_date(value, field)


@dataclass(frozen=True)
class Line:
    """One line of an entry: positive fen is a debit, negative a credit."""

    account: str
    fund: str
    fen: int
    note: str = ""

    @property
    def debit_fen(self) -> int:
        return self.fen if self.fen > 0 else 0

    @property
    def credit_fen(self) -> int:
        return -self.fen if self.fen < 0 else 0


@dataclass(frozen=True)
class EntryInput:
    """What a person or a file asks to be booked, before it has a number."""

    date: dt.date
    summary: str
    lines: tuple[Line, ...]
    idempotency_key: str | None = None

    def total_debit_fen(self) -> int:
        return sum(line.debit_fen for line in self.lines)

    def canonical(self) -> dict:
        """A stable form of the request, to tell a retry from a different entry."""
        return {
            "date": self.date.isoformat(),
            "summary": self.summary,
            "lines": [[l.account, l.fund, l.fen, l.note] for l in self.lines],
        }


def line_from_parts(index: int, account, fund, debit=None, credit=None, amount=None, note="") -> Line:
    """Build a line from a form or file row: either debit/credit or a signed amount."""
    where = f"lines[{index}]"
    account = str(account or "").strip()
    fund = str(fund or "").strip()
    if not account:
        raise InvalidInput("未填写科目", "account is missing", f"{where}.account")
    if not fund:
        raise InvalidInput("未填写基金", "fund is missing", f"{where}.fund")
    has_debit = debit not in (None, "")
    has_credit = credit not in (None, "")
    if amount not in (None, ""):
        if has_debit or has_credit:
            raise InvalidInput(
                "请只填写金额，或只填写借方/贷方",
                "give either amount, or debit/credit, not both",
                f"{where}.amount",
            )
        fen = to_fen(amount, f"{where}.amount")
    elif has_debit and has_credit:
        raise InvalidInput(
            "同一行不能同时有借方和贷方", "a line cannot have both a debit and a credit", f"{where}.debit"
        )
    elif has_debit:
        fen = to_fen(debit, f"{where}.debit")
        if fen < 0:
            raise InvalidAmount("借方金额不能为负数", "debit must not be negative", f"{where}.debit")
    elif has_credit:
        fen = -to_fen(credit, f"{where}.credit")
        if fen > 0:
            raise InvalidAmount("贷方金额不能为负数", "credit must not be negative", f"{where}.credit")
    else:
        raise InvalidAmount("未填写金额", "amount is missing", f"{where}.amount")
    note = str(note or "").strip()
    if len(note) > 200:
        raise InvalidInput("备注不能超过200字", "a note must be at most 200 characters", f"{where}.note")
    return Line(account=account, fund=fund, fen=fen, note=note)


def validate_entry(entry: EntryInput) -> None:
    """Refuse an entry that could never be posted: bad date, empty, zero lines, unbalanced."""
    check_date(entry.date)
    if not entry.summary or not entry.summary.strip():
        raise InvalidInput("摘要不能为空", "summary is required", "summary")
    if len(entry.summary) > 200:
        raise InvalidInput("摘要不能超过200字", "summary must be at most 200 characters", "summary")
    if len(entry.lines) < 2:
        raise InvalidInput("凭证至少需要两行", "an entry needs at least two lines", "lines")
    for i, line in enumerate(entry.lines):
        if line.fen == 0:
            raise InvalidAmount("金额不能为零", "amount must not be zero", f"lines[{i}].amount")
    total = sum(line.fen for line in entry.lines)
    if total != 0:
        debit = sum(l.debit_fen for l in entry.lines)
        credit = sum(l.credit_fen for l in entry.lines)
        raise UnbalancedEntry(
            f"借贷不平：借方 {fen_to_str(debit)}，贷方 {fen_to_str(credit)}，差额 {fen_to_str(total)}",
            f"debits and credits differ: debit {fen_to_str(debit)}, credit {fen_to_str(credit)}, "
            f"difference {fen_to_str(total)}",
            "lines",
        )
    by_fund: dict[str, int] = {}
    for line in entry.lines:
        by_fund[line.fund] = by_fund.get(line.fund, 0) + line.fen
    for fund, fen in sorted(by_fund.items()):
        if fen != 0:
            first = next(i for i, l in enumerate(entry.lines) if l.fund == fund)
            raise FundUnbalanced(
                f"基金 {fund} 内借贷不平（差额 {fen_to_str(fen)}）；基金之间调拨须经往来科目",
                f"fund {fund} does not balance (difference {fen_to_str(fen)}); "
                "move money between funds through due-to/due-from accounts",
                f"lines[{first}].fund",
            )


def parse_period(text: str, field: str = "period") -> tuple[int, int]:
    """'2026-03' -> (2026, 3): a month the ledger can keep (years 2000 to 2999)."""
    try:
        year, month = (int(p) for p in (text or "").strip().split("-"))
    except ValueError:
        year = month = 0
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        raise InvalidInput(f"期间“{text}”无效，应为 YYYY-MM", f"period \"{text}\" is not valid; use YYYY-MM", field)
    return year, month


def period_of(date: dt.date) -> tuple[int, int]:
    return date.year, date.month


def entry_number(date_or_period, seq: int) -> str:
    """记-YYYY-MM-NNNN: gapless per book and period."""
    if isinstance(date_or_period, dt.date):
        year, month = date_or_period.year, date_or_period.month
    else:
        year, month = date_or_period
    return f"记-{year:04d}-{month:02d}-{seq:04d}"


@dataclass(frozen=True)
class PostedLine:
    """A line as the hash chain sees it: the account's type and cash flag are part of what was posted."""

    account: str
    account_type: str
    cash: bool
    fund: str
    fen: int
    note: str = ""


@dataclass(frozen=True)
class PostedEntry:
    """A posted entry as the hash chain sees it: content, who made it and who approved it."""

    book: str
    number: str
    date: dt.date
    summary: str
    lines: tuple[PostedLine, ...]
    attachments: tuple[str, ...] = field(default_factory=tuple)  # sha256 hex of each voucher
    makers: tuple[str, ...] = field(default_factory=tuple)  # user names of everyone who created or edited it
    approvers: tuple[str, ...] = field(default_factory=tuple)  # user names of its approvers
    source: str = "manual"  # manual, import, reversal, opening
    reverses: str | None = None  # the number of the entry it reverses


def approval_problems(entry: PostedEntry, threshold_fen: int) -> list[tuple[str, str]]:
    """What is wrong with who approved a posted entry, as (zh, en) pairs; empty when nothing is.

    The rule (one place, used when approving and by `verify`): nobody who made or edited an
    entry approves it; approvers are distinct; above the book's threshold two are needed.
    Imported history (source import) is posted by an administrator without approvals."""
    problems = []
    if not entry.makers:
        problems.append(("凭证没有制单人记录", "the entry records no maker"))
    selfish = sorted(set(entry.makers) & set(entry.approvers))
    if selfish:
        problems.append((f"制单或修改人 {'、'.join(selfish)} 审批了自己的凭证",
                         f"{', '.join(selfish)} made or edited the entry and also approved it"))
    if len(set(entry.approvers)) != len(entry.approvers):
        problems.append(("同一人重复审批", "the same person approved twice"))
    if not (entry.source in ("import", "opening") and not entry.approvers):  # an administrator's import
        debit = sum(l.fen for l in entry.lines if l.fen > 0)
        needed = 2 if debit > threshold_fen else 1
        if len(set(entry.approvers)) < needed:
            problems.append((f"需要 {needed} 位审批人，只有 {len(set(entry.approvers))} 位",
                             f"needs {needed} approvers, has {len(set(entry.approvers))}"))
    return problems
