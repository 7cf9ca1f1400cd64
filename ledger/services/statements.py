"""The statements of a book for a range of dates, from its posted lines, in integer fen.

Which account rolls up into which line is data (`ledger.domain.statements`); here the lines are only
added up. Every figure carries the account codes behind it, so a page can link it to the entries.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from ..db.schema import Account, Book, Entry, EntryLine, Fund
from ..domain.errors import InvalidInput
from ..domain.model import EntryStatus, check_date
from ..domain.money import fen_to_str
from ..domain.statements import (
    ACTIVITY_EXPENSE, ACTIVITY_INCOME, CASH_NET_ASSETS, CASH_PAYMENTS, CASH_RECEIPTS, POSITION_ASSETS, POSITION_LIABILITIES,
    StatementLine, cash_flow_line, line_of,
)


@dataclass(frozen=True)
class Range:
    start: dt.date
    end: dt.date

    @property
    def year_start(self) -> dt.date:
        return dt.date(self.end.year, 1, 1)

    @property
    def label(self) -> str:
        if self.start.day == 1 and self.start.month == self.end.month and self.start.year == self.end.year \
                and (self.end + dt.timedelta(days=1)).day == 1:
            return f"{self.start:%Y-%m}"
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def month_range(year: int, month: int) -> Range:
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return Range(start, end)


def make_range(start: dt.date, end: dt.date) -> Range:
    check_date(start, "start")
    check_date(end, "end")
    if end < start:
        raise InvalidInput("结束日期早于开始日期", "the end date is before the start date", "end")
    if start.year != end.year:
        raise InvalidInput("报表期间须在同一年内（本年累计按结束日期所在年度计算）",
                           "a statement's range must lie within one year (the year to date is its end's year)", "start")
    return Range(start, end)


@dataclass
class Row:
    line: StatementLine
    codes: list[str] = field(default_factory=list)  # the book's accounts on this line
    values: dict[str, int] = field(default_factory=dict)  # column -> fen


@dataclass
class Position:
    """资产负债表 at `end` (期末) and at the year's start (年初)."""

    range: Range
    assets: list[Row]
    liabilities: list[Row]
    net_assets: list[tuple[str, str, dict[str, int]]]  # (zh, en, {"start": fen, "end": fen}): 非限定性, 限定性
    totals: dict[str, dict[str, int]]  # "assets" | "liabilities" | "net_assets" -> {"start", "end"}


@dataclass
class Activities:
    """业务活动表: each line's 非限定性 / 限定性 / 合计, for the range and the year to its end."""

    range: Range
    income: list[Row]
    expense: list[Row]
    totals: dict[str, dict[str, int]]  # "income" | "expense" | "change" -> column -> fen


@dataclass
class FundRow:
    code: str
    name_zh: str
    name_en: str
    restricted: bool
    opening: int
    income: int
    expense: int
    other: int  # opening balances, transfers between funds: what is neither income nor expense
    closing: int


COLUMNS = ("unrestricted", "restricted", "total")  # 非限定性, 限定性, 合计 (and "_ytd" for 本年累计)


def _chart(session: Session, book: Book) -> tuple[dict[int, Account], dict[int, Fund], dict[int, StatementLine | None]]:
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.book_id == book.id))}
    funds = {f.id: f for f in session.scalars(select(Fund).where(Fund.book_id == book.id))}
    codes = {a.id: a.code for a in accounts.values()}
    lines = {a.id: line_of(a.code, a.type, codes.get(a.parent_id)) for a in accounts.values()}
    return accounts, funds, lines


def _sums(session: Session, book: Book, ranges: dict[str, tuple[dt.date | None, dt.date]]) -> dict[tuple[int, int], dict[str, int]]:
    """(account id, fund id) -> {range name: fen} of posted lines, each range's dates included, in one pass."""
    columns = [
        func.coalesce(func.sum(case((and_(*([Entry.date >= start] if start else []), Entry.date <= end),
                                    EntryLine.amount_fen), else_=0)), 0).label(name)
        for name, (start, end) in ranges.items()
    ]
    rows = session.execute(
        select(EntryLine.account_id, EntryLine.fund_id, *columns)
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(EntryLine.book_id == book.id, Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value)
        .group_by(EntryLine.account_id, EntryLine.fund_id)
    )
    return {(r[0], r[1]): {name: int(r[2 + i]) for i, name in enumerate(ranges)} for r in rows}


def _rows(lines: tuple[StatementLine, ...], accounts, line_of_account) -> list[Row]:
    rows = {line.key: Row(line) for line in lines}
    for account_id, account in sorted(accounts.items(), key=lambda kv: kv[1].code):
        line = line_of_account[account_id]
        if line is not None and line.key in rows:
            rows[line.key].codes.append(account.code)
    return [r for r in rows.values() if r.codes]


def position(session: Session, book: Book, rng: Range) -> Position:
    accounts, funds, line_of_account = _chart(session, book)
    opening_day = rng.year_start - dt.timedelta(days=1)
    sums = _sums(session, book, {"start": (None, opening_day), "end": (None, rng.end)})
    assets, liabilities = _rows(POSITION_ASSETS, accounts, line_of_account), _rows(POSITION_LIABILITIES, accounts, line_of_account)
    by_line = {r.line.key: r for r in assets + liabilities}
    for row in by_line.values():
        row.values = {"start": 0, "end": 0}
    fund_net: dict[bool, dict[str, int]] = {False: {"start": 0, "end": 0}, True: {"start": 0, "end": 0}}
    for (account_id, fund_id), values in sums.items():
        account, line = accounts[account_id], line_of_account[account_id]
        sign = 1 if account.type == "asset" else -1
        if line is not None and line.key in by_line:
            for col in ("start", "end"):
                by_line[line.key].values[col] += sign * values[col]
        if account.type in ("asset", "liability"):  # a fund's net assets: its assets less its liabilities
            for col in ("start", "end"):
                fund_net[bool(funds[fund_id].restricted)][col] += values[col]
    totals = {name: {col: sum(r.values[col] for r in rows) for col in ("start", "end")}
              for name, rows in (("assets", assets), ("liabilities", liabilities))}
    totals["net_assets"] = {col: fund_net[False][col] + fund_net[True][col] for col in ("start", "end")}
    return Position(rng, assets, liabilities,
                    [("非限定性净资产", "Unrestricted net assets", fund_net[False]),
                     ("限定性净资产", "Restricted net assets", fund_net[True])], totals)


def activities(session: Session, book: Book, rng: Range) -> Activities:
    accounts, funds, line_of_account = _chart(session, book)
    sums = _sums(session, book, {"range": (rng.start, rng.end), "ytd": (rng.year_start, rng.end)})
    income, expense = _rows(ACTIVITY_INCOME, accounts, line_of_account), _rows(ACTIVITY_EXPENSE, accounts, line_of_account)
    by_line = {r.line.key: r for r in income + expense}
    keys = [f"{c}{suffix}" for suffix in ("", "_ytd") for c in COLUMNS]
    for row in by_line.values():
        row.values = dict.fromkeys(keys, 0)
    for (account_id, fund_id), values in sums.items():
        account, line = accounts[account_id], line_of_account[account_id]
        if line is None or line.key not in by_line:
            continue
        sign = -1 if account.type == "income" else 1  # income is a credit: shown as a positive figure
        column = "restricted" if funds[fund_id].restricted else "unrestricted"
        for suffix, name in (("", "range"), ("_ytd", "ytd")):
            by_line[line.key].values[column + suffix] += sign * values[name]
            by_line[line.key].values["total" + suffix] += sign * values[name]
    totals = {name: {k: sum(r.values[k] for r in rows) for k in keys} for name, rows in (("income", income), ("expense", expense))}
    totals["change"] = {k: totals["income"][k] - totals["expense"][k] for k in keys}
    return Activities(rng, income, expense, totals)


def fund_movements(session: Session, book: Book, rng: Range) -> list[FundRow]:
    """Each fund's net assets at the start of the range and at its end, and what moved them."""
    accounts, funds, _lines = _chart(session, book)
    sums = _sums(session, book, {"before": (None, rng.start - dt.timedelta(days=1)), "range": (rng.start, rng.end)})
    per_fund: dict[int, dict[str, int]] = defaultdict(lambda: {"opening": 0, "income": 0, "expense": 0, "moved": 0})
    for (account_id, fund_id), values in sums.items():
        kind = accounts[account_id].type
        f = per_fund[fund_id]
        if kind in ("asset", "liability"):
            f["opening"] += values["before"]
            f["moved"] += values["range"]
        elif kind == "income":
            f["income"] -= values["range"]
        elif kind == "expense":
            f["expense"] += values["range"]
    rows = []
    for fund_id, fund in sorted(funds.items(), key=lambda kv: kv[1].code):
        f = per_fund.get(fund_id)
        if f is None:
            continue
        closing = f["opening"] + f["moved"]
        rows.append(FundRow(fund.code, fund.name_zh, fund.name_en, bool(fund.restricted), f["opening"], f["income"],
                            f["expense"], closing - f["opening"] - f["income"] + f["expense"], closing))
    return rows


@dataclass
class CashFlow:
    """现金流量表 by the direct method, for the range and the year to its end (keys "range", "ytd")."""

    range: Range
    receipts: list[Row]
    payments: list[Row]
    net_assets: Row  # opening balances and net-asset adjustments: cash that is neither received nor paid
    opening: dict[str, int]  # cash at the start of the range / of the year
    closing: int
    totals: dict[str, dict[str, int]]  # "receipts" | "payments" | "net" -> {"range", "ytd"}


def cash_flow(session: Session, book: Book, rng: Range) -> CashFlow:
    """Each posted entry that moves cash puts each of its other lines' amounts on that account's cash flow line
    (ledger.domain.statements.cash_flow_line); an entry balances per fund, so they add up to the cash it moved.
    Cash moved between cash accounts is no flow."""
    accounts, _funds, _lines = _chart(session, book)
    codes = {a.id: a.code for a in accounts.values()}
    cash_ids = {a.id for a in accounts.values() if a.cash}
    cash_line = aliased(EntryLine)
    moves_cash = (select(cash_line.id).where(cash_line.entry_id == Entry.id, cash_line.account_id.in_(cash_ids))
                  .exists()) if cash_ids else None
    rows_by_key: dict[str, Row] = {}
    for line in CASH_RECEIPTS + CASH_PAYMENTS + (CASH_NET_ASSETS,):
        rows_by_key[line.key] = Row(line, [], {"range": 0, "ytd": 0})
    if moves_cash is not None:
        lines = session.execute(
            select(Entry.date, EntryLine.account_id, EntryLine.amount_fen)
            .join(Entry, Entry.id == EntryLine.entry_id)
            .where(Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value, EntryLine.book_id == book.id,
                   Entry.date >= rng.year_start, Entry.date <= rng.end, moves_cash,
                   EntryLine.account_id.not_in(cash_ids))
        )
        for date, account_id, fen in lines:
            inflow = -fen  # a credit against cash is cash coming in
            account = accounts[account_id]
            line = cash_flow_line(account.code, codes.get(account.parent_id), inflow > 0)
            row = rows_by_key[line.key]
            if account.code not in row.codes:
                row.codes.append(account.code)
            signed = inflow if line in CASH_RECEIPTS or line is CASH_NET_ASSETS else -inflow
            row.values["ytd"] += signed
            if date >= rng.start:
                row.values["range"] += signed
    cash = _sums(session, book, {"before": (None, rng.start - dt.timedelta(days=1)),
                                 "year": (None, rng.year_start - dt.timedelta(days=1)), "end": (None, rng.end)})
    held = {name: sum(v[name] for (account_id, _f), v in cash.items() if account_id in cash_ids)
            for name in ("before", "year", "end")}
    receipts = [rows_by_key[l.key] for l in CASH_RECEIPTS if rows_by_key[l.key].codes or not l.other]
    payments = [rows_by_key[l.key] for l in CASH_PAYMENTS if rows_by_key[l.key].codes or not l.other]
    totals = {name: {k: sum(r.values[k] for r in rows) for k in ("range", "ytd")}
              for name, rows in (("receipts", receipts), ("payments", payments))}
    net = rows_by_key[CASH_NET_ASSETS.key]
    totals["net"] = {k: totals["receipts"][k] - totals["payments"][k] + net.values[k] for k in ("range", "ytd")}
    return CashFlow(rng, receipts, payments, net, {"range": held["before"], "ytd": held["year"]}, held["end"], totals)


TABLES = ("activities", "position", "cash_flow", "funds")


def table(session: Session, book: Book, rng: Range, kind: str, english: bool) -> tuple[list[str], list[dict]]:
    """One statement as (columns, rows of plain values, money as decimal strings) for a CSV or XLSX file:
    the same table for a back-office download and for a publication."""
    def name(zh: str, en: str) -> str:
        return en if english else zh

    def rows_of(heads: list[tuple[str, dict]], fields: dict[str, str]) -> tuple[list[str], list[dict]]:
        """Rows of (label, values): each values dict read at the keys `fields` maps the table's columns to."""
        rows = [{"line": label, **{col: fen_to_str(values[key]) for col, key in fields.items()}} for label, values in heads]
        return ["line", *fields], rows

    def lines(rows) -> list[tuple[str, dict]]:
        return [("  " + name(r.line.name_zh, r.line.name_en), r.values) for r in rows]

    if kind == "activities":
        a = activities(session, book, rng)
        columns, rows = rows_of(
            [(name("一、收入", "Income"), a.totals["income"]), *lines(a.income),
             (name("二、费用", "Expenses"), a.totals["expense"]), *lines(a.expense),
             (name("三、净资产变动额", "Change in net assets"), a.totals["change"])],
            {"unrestricted": "unrestricted", "restricted_fen": "restricted", "total": "total",
             "unrestricted_ytd": "unrestricted_ytd", "restricted_ytd": "restricted_ytd", "total_ytd": "total_ytd"})
    elif kind == "position":
        p = position(session, book, rng)
        columns, rows = rows_of(
            [*lines(p.assets), (name("资产合计", "Total assets"), p.totals["assets"]),
             *lines(p.liabilities), (name("负债合计", "Total liabilities"), p.totals["liabilities"]),
             *[("  " + name(zh, en), v) for zh, en, v in p.net_assets],
             (name("净资产合计", "Total net assets"), p.totals["net_assets"])],
            {"start": "start", "end": "end"})
    elif kind == "cash_flow":
        c = cash_flow(session, book, rng)
        columns, rows = rows_of(
            [(name("一、收到的现金", "Cash received"), c.totals["receipts"]), *lines(c.receipts),
             (name("二、支付的现金", "Cash paid"), c.totals["payments"]), *lines(c.payments),
             (name(c.net_assets.line.name_zh, c.net_assets.line.name_en), c.net_assets.values),
             (name("期初现金", "Cash at the start"), c.opening),
             (name("现金净增加额", "Net change in cash"), c.totals["net"]),
             (name("期末现金", "Cash at the end"), {"range": c.closing, "ytd": c.closing})],
            {"range": "range", "ytd": "ytd"})
    else:
        columns = ["code", "line", "opening", "income", "expense", "other", "closing"]
        rows = [{"code": f.code, "line": name(f.name_zh, f.name_en), **{k: fen_to_str(getattr(f, k)) for k in columns[2:]}}
                for f in fund_movements(session, book, rng)]
    return columns, rows


def monthly_totals(session: Session, book: Book, year: int, month: int, months: int = 12) -> list[tuple[str, int, int]]:
    """(YYYY-MM, income, expenditure) in fen for each of the `months` months to year-month, oldest first, in one
    pass over the posted lines (income shown positive, as on the statement of activities)."""
    ranges = {}
    for back in range(months - 1, -1, -1):
        y, m = divmod(year * 12 + month - 1 - back, 12)
        rng = month_range(y, m + 1)
        ranges[rng.label] = (rng.start, rng.end)
    accounts = {a.id: a.type for a in session.scalars(select(Account).where(Account.book_id == book.id))}
    totals = {label: [0, 0] for label in ranges}
    for (account_id, _fund_id), values in _sums(session, book, ranges).items():
        kind = accounts[account_id]
        if kind in ("income", "expense"):
            for label, fen in values.items():
                totals[label][kind == "expense"] += -fen if kind == "income" else fen
    return [(label, income, expense) for label, (income, expense) in totals.items()]
