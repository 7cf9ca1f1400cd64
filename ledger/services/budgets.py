"""The annual budget (年度预算): lines per account and fund, phased in equal twelfths (the remainder in December),
compared with what was actually posted, per month and year to date; and the check that refuses an expense entry
which would take a `block` line above its annual budget (a `warn` line posts, and the overrun is written to the
audit log beside the entry).

Actual = posted lines of the account (and its sub-accounts, by code) in the fund: debits less credits for an
expense, credits less debits for an income. Variance = actual − budget; percentage = actual ÷ budget × 100, one
decimal, rounded half up, from integers."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.schema import Account, Book, Budget, BudgetLine, Entry, EntryLine, Fund, User
from ..domain.errors import InvalidInput, LedgerError
from ..domain.model import EntryStatus
from ..domain.money import fen_to_str, format_fen, to_fen
from ..domain.permissions import Action
from ..domain.trustmath import budget_through, monthly_budget, percentage
from .access import audit, require
from .posting import lock_book
from .tables import HEADERS, MONEY, TITLES
from .trustops import clean_code, clean_text, require_trust

OVERRUN = ("warn", "block")
BUDGETED_TYPES = ("expense", "income")
MAX_NOTE = 500

# The budget table's columns, for CSV and XLSX downloads (amounts are numbers in XLSX).
HEADERS.update({
    "on_overrun": ("超支处理", "On overrun"), "annual": ("年度预算", "Annual budget"),
    "month_budget": ("本月预算", "Budget this month"), "month_actual": ("本月实际", "Actual this month"),
    "month_variance": ("本月差异", "Variance this month"), "month_percent": ("本月执行率%", "This month %"),
    "ytd_budget": ("累计预算", "Budget to date"), "ytd_actual": ("累计实际", "Actual to date"),
    "ytd_variance": ("累计差异", "Variance to date"), "ytd_percent": ("累计执行率%", "To date %"),
})
MONEY.update({"annual", "month_budget", "month_actual", "month_variance", "ytd_budget", "ytd_actual", "ytd_variance"})
TITLES.update({"budget": ("预算执行表", "Budget against actual")})


@dataclass(frozen=True)
class LineInput:
    account: str
    fund: str
    annual_fen: int
    on_overrun: str = "warn"


def parse_lines_csv(text: str) -> list[LineInput]:
    """LINES.csv: a header row `account,fund,amount,on_overrun`, then one line each. Errors name the row and column."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = list(reader)
    if not rows:
        raise InvalidInput("预算文件是空的", "the budget file is empty", "file")
    header = [h.strip().lower() for h in rows[0]]
    need = ["account", "fund", "amount"]
    missing = [h for h in need if h not in header]
    if missing:
        raise InvalidInput(f"预算文件缺少列：{'、'.join(missing)}（须有 account,fund,amount,on_overrun）",
                           f"the budget file lacks the column(s) {', '.join(missing)} (account,fund,amount,on_overrun)", "file")
    at = {h: header.index(h) for h in header}
    lines = []
    for no, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cell = lambda name: row[at[name]].strip() if name in at and at[name] < len(row) else ""  # noqa: E731
        try:
            amount = to_fen(cell("amount"), "amount")
        except LedgerError as e:
            raise e.located(f"第 {no} 行 amount 列", f"row {no}, column amount", f"row {no}.amount") from None
        where = (f"第 {no} 行", f"row {no}, ")
        lines.append(LineInput(clean_code(cell("account"), f"row {no}.account", where),
                               clean_code(cell("fund"), f"row {no}.fund", where), amount,
                               clean_text(cell("on_overrun") or "warn", 16).lower()))
    return lines


def set_budget(session: Session, actor: User, book: Book, year: int, lines: list[LineInput],
               resolution_id: int | None = None, note: str = "") -> Budget:
    """Record the year's budget; it supersedes any earlier one for that year. All lines or none."""
    require(session, actor, Action.SET_BUDGET, book)
    require_trust(book)
    if not 2000 <= year <= 2999:
        raise InvalidInput(f"年度 {year} 无效", f"year {year} is not valid", "year")
    if not lines:
        raise InvalidInput("预算至少要有一行", "a budget needs at least one line", "lines")
    lock_book(session, book)
    if resolution_id is not None:  # the owners' resolution that approved the budget: of this book, and passed
        from .resolutions import passed_resolution

        passed_resolution(session, book, resolution_id)
    seen: set[tuple[int, int]] = set()
    resolved = []
    for no, line in enumerate(lines, start=1):
        where = (f"第 {no} 行预算", f"budget line {no}", f"lines[{no - 1}]")
        code = clean_code(line.account, f"{where[2]}.account", (where[0] + "：", where[1] + ": "))
        fund_code = clean_code(line.fund, f"{where[2]}.fund", (where[0] + "：", where[1] + ": "))
        account = session.scalar(select(Account).where(Account.book_id == book.id, Account.code == code))
        if account is None or account.type not in BUDGETED_TYPES:
            raise InvalidInput(f"{where[0]}：科目 {line.account} 不是本账簿的收入或支出科目",
                               f"{where[1]}: account {line.account} is not an income or expense account of this book",
                               f"{where[2]}.account")
        fund = session.scalar(select(Fund).where(Fund.book_id == book.id, Fund.code == fund_code))
        if fund is None:
            raise InvalidInput(f"{where[0]}：本账簿没有基金 {line.fund}", f"{where[1]}: this book has no fund {line.fund}",
                               f"{where[2]}.fund")
        if line.annual_fen < 0:
            raise InvalidInput(f"{where[0]}：预算金额不能为负数", f"{where[1]}: the amount cannot be negative", f"{where[2]}.amount")
        if line.on_overrun not in OVERRUN:
            raise InvalidInput(f"{where[0]}：超支处理须为 warn 或 block，不是“{line.on_overrun}”",
                               f"{where[1]}: on_overrun must be warn or block, not \"{line.on_overrun}\"",
                               f"{where[2]}.on_overrun")
        if (account.id, fund.id) in seen:
            raise InvalidInput(f"{where[0]}：科目 {line.account} 基金 {line.fund} 重复", f"{where[1]}: account {line.account} "
                               f"and fund {line.fund} appear twice", f"{where[2]}")
        seen.add((account.id, fund.id))
        resolved.append((account, fund, line))
    budget = Budget(book_id=book.id, year=year, resolution_id=resolution_id,
                    note=clean_text(note, MAX_NOTE), created_by_id=actor.id)
    session.add(budget)
    session.flush()
    for account, fund, line in resolved:
        session.add(BudgetLine(budget_id=budget.id, account_id=account.id, fund_id=fund.id, annual_fen=line.annual_fen,
                               on_overrun=line.on_overrun))
    session.flush()
    session.expire(budget, ["lines"])
    audit(session, actor, book, "budget.set", f"budget:{budget.id}", year=year, lines=len(resolved),
          total=fen_to_str(sum(l.annual_fen for _, _, l in resolved)), resolution_id=resolution_id)
    return budget


def budget_for(session: Session, book: Book, year: int) -> Budget | None:
    """The budget in force for the year: the newest recorded."""
    return session.scalar(select(Budget).where(Budget.book_id == book.id, Budget.year == year)
                          .order_by(Budget.id.desc()).limit(1))


def _sign(account: Account) -> int:
    return -1 if account.type == "income" else 1


def actual(session: Session, book: Book, line: BudgetLine, start: dt.date, end: dt.date, exclude_entry: int | None = None) -> int:
    """Posted actual of a budget line between two dates (inclusive), in fen."""
    code = line.account.code
    query = (select(func.sum(EntryLine.amount_fen)).join(Entry, Entry.id == EntryLine.entry_id)
             .join(Account, Account.id == EntryLine.account_id)
             .where(EntryLine.book_id == book.id, Entry.status == EntryStatus.POSTED.value, Entry.date >= start,
                    Entry.date <= end, EntryLine.fund_id == line.fund_id,
                    (Account.code == code) | Account.code.like(code + "%")))
    if exclude_entry is not None:
        query = query.where(Entry.id != exclude_entry)
    return _sign(line.account) * int(session.scalar(query) or 0)


def _monthly_actuals(session: Session, book: Book, line: BudgetLine, year: int) -> list[int]:
    code = line.account.code
    rows = session.execute(
        select(Entry.date, EntryLine.amount_fen).join(Entry, Entry.id == EntryLine.entry_id)
        .join(Account, Account.id == EntryLine.account_id)
        .where(EntryLine.book_id == book.id, Entry.status == EntryStatus.POSTED.value,
               Entry.date >= dt.date(year, 1, 1), Entry.date <= dt.date(year, 12, 31), EntryLine.fund_id == line.fund_id,
               (Account.code == code) | Account.code.like(code + "%")))
    months = [0] * 12
    for date, fen in rows:
        months[date.month - 1] += _sign(line.account) * int(fen)
    return months


@dataclass
class Figures:
    budget: int
    actual: int

    @property
    def variance(self) -> int:
        return self.actual - self.budget

    @property
    def percent(self) -> str | None:
        return percentage(self.actual, self.budget)

    def as_json(self) -> dict:
        return {"budget": fen_to_str(self.budget), "actual": fen_to_str(self.actual),
                "variance": fen_to_str(self.variance), "percent": self.percent}


@dataclass
class ReportLine:
    account: Account
    fund: Fund
    annual: int
    on_overrun: str
    month: Figures
    ytd: Figures
    months: list[Figures] = field(default_factory=list)


@dataclass
class Report:
    year: int
    month: int
    budget: Budget | None
    lines: list[ReportLine]

    @property
    def totals(self) -> dict[str, dict[str, Figures]]:
        """Income and expense totals (month and to date)."""
        out = {}
        for kind in BUDGETED_TYPES:
            mine = [l for l in self.lines if l.account.type == kind]
            out[kind] = {"month": Figures(sum(l.month.budget for l in mine), sum(l.month.actual for l in mine)),
                         "ytd": Figures(sum(l.ytd.budget for l in mine), sum(l.ytd.actual for l in mine))}
        return out

    def as_json(self, book: Book) -> dict:
        return {
            "book": book.code, "year": self.year, "month": self.month,
            "budget_id": self.budget.id if self.budget else None,
            "resolution_id": self.budget.resolution_id if self.budget else None,
            "lines": [{"account": l.account.code, "account_name": l.account.name_zh, "fund": l.fund.code,
                       "on_overrun": l.on_overrun, "annual": fen_to_str(l.annual), "month": l.month.as_json(),
                       "ytd": l.ytd.as_json(),
                       "months": [dict(m.as_json(), month=i) for i, m in enumerate(l.months, start=1)]}
                      for l in self.lines],
            "totals": {k: {p: f.as_json() for p, f in v.items()} for k, v in self.totals.items()},
        }

    def rows(self) -> list[dict]:
        """For CSV/XLSX: amounts as decimal strings (numbers in XLSX), percentages as text."""
        return [{"account": l.account.code, "account_name": l.account.name_zh, "fund": l.fund.code,
                 "on_overrun": l.on_overrun, "annual": fen_to_str(l.annual),
                 "month_budget": fen_to_str(l.month.budget), "month_actual": fen_to_str(l.month.actual),
                 "month_variance": fen_to_str(l.month.variance), "month_percent": l.month.percent,
                 "ytd_budget": fen_to_str(l.ytd.budget), "ytd_actual": fen_to_str(l.ytd.actual),
                 "ytd_variance": fen_to_str(l.ytd.variance), "ytd_percent": l.ytd.percent} for l in self.lines]


COLUMNS = ["account", "account_name", "fund", "on_overrun", "annual", "month_budget", "month_actual", "month_variance",
           "month_percent", "ytd_budget", "ytd_actual", "ytd_variance", "ytd_percent"]


def default_month(year: int, today: dt.date | None = None) -> int:
    today = today or dt.date.today()
    return today.month if year == today.year else 12


def report(session: Session, book: Book, year: int, month: int | None = None) -> Report:
    """Budget against actual for a month and the year to its end. Reads only."""
    if not 2000 <= year <= 2999:
        raise InvalidInput(f"年度 {year} 无效", f"year {year} is not valid", "year")
    month = month or default_month(year)
    if not 1 <= month <= 12:
        raise InvalidInput(f"月份 {month} 无效", f"month {month} is not valid", "month")
    budget = budget_for(session, book, year)
    lines = []
    for line in budget.lines if budget else []:
        actuals = _monthly_actuals(session, book, line, year)
        months = [Figures(monthly_budget(line.annual_fen, m), actuals[m - 1]) for m in range(1, 13)]
        lines.append(ReportLine(line.account, line.fund, line.annual_fen, line.on_overrun, months[month - 1],
                                Figures(budget_through(line.annual_fen, month), sum(actuals[:month])), months))
    return Report(year, month, budget, lines)


class BudgetOverrun(LedgerError):
    status = 409


def _overruns(session: Session, book: Book, entry: Entry) -> list[tuple[BudgetLine, int, int]]:
    """Each budget line the entry would take above its annual budget: (line, actual with the entry, overrun)."""
    budget = budget_for(session, book, entry.date.year)
    if budget is None:
        return []
    found = []
    for line in budget.lines:
        if line.account.type != "expense":
            continue
        code = line.account.code
        mine = sum(l.amount_fen for l in entry.lines
                   if l.fund_id == line.fund_id and (l.account.code == code or l.account.code.startswith(code)))
        if mine <= 0:
            continue
        year = entry.date.year
        total = actual(session, book, line, dt.date(year, 1, 1), dt.date(year, 12, 31), exclude_entry=entry.id) + mine
        if total > line.annual_fen:
            found.append((line, total, total - line.annual_fen))
    return found


def check_entry(session: Session, book: Book, entry: Entry) -> None:
    """BEFORE_POST: refuse an expense entry that takes a `block` line above its annual budget; note a `warn` one."""
    if book.kind != "trust":
        return
    for line, total, over in _overruns(session, book, entry):
        name = f"{line.account.code} {line.account.name_zh}（{line.fund.code}）"
        name_en = f"{line.account.code} {line.account.name_en} ({line.fund.code})"
        if line.on_overrun == "block":
            raise BudgetOverrun(
                f"预算超支，不能过账：{name} 年度预算 {format_fen(line.annual_fen)}，过账后实际 {format_fen(total)}，"
                f"超支 {format_fen(over)}",
                f"over budget, cannot post: {name_en} annual budget {format_fen(line.annual_fen)}, actual with this "
                f"entry {format_fen(total)}, overrun {format_fen(over)}",
                "budget")
        audit(session, None, book, "budget.overrun", f"entry:{entry.id}", account=line.account.code, fund=line.fund.code,
              budget=fen_to_str(line.annual_fen), actual=fen_to_str(total), overrun=fen_to_str(over))


def warnings_for(session: Session, book: Book, entry: Entry) -> list[dict]:
    """The budget overruns of `warn` lines recorded when the entry posted (account, fund, budget, actual, overrun)."""
    import json

    from ..db.schema import AuditEvent

    if entry.status != EntryStatus.POSTED.value:
        return []
    details = session.scalars(select(AuditEvent.detail).where(
        AuditEvent.book_id == book.id, AuditEvent.action == "budget.overrun", AuditEvent.target == f"entry:{entry.id}")
        .order_by(AuditEvent.id))
    return [json.loads(d) for d in details if d]
