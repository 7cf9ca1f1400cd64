"""Bank statements as Chinese banks export them (CSV in GBK or UTF-8, or XLSX), read into rows of integer fen.

Pure: bytes and profiles in, a `Statement` out, or `StatementRefused` naming every problem by row and column.
A file has preamble lines (账号, 户名, 币种, 起止日期) before its header and footer lines (合计笔数, 收入合计,
支出合计, 以上数据仅供参考…) after its rows. A *profile* maps a bank's header names to our fields; the importer
picks the profile whose header names the file's header row holds (the most specific one), so a bank that
changes its layout is refused with the header found rather than read wrongly.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import LedgerError
from .money import fen_to_str, to_fen

FIELDS = ("date", "income", "spending", "amount", "balance", "counterparty", "memo", "serial")
REQUIRED = ("date", "balance")
MAX_PROBLEMS = 50


class StatementRefused(LedgerError):
    """A bank file that cannot be imported; `problems` lists each (row, column, zh, en)."""

    code = "statement_refused"

    def __init__(self, problems: list[dict], header: list[str] | None = None, unknown_layout: bool = False):
        self.problems = problems[:MAX_PROBLEMS]
        self.header = header
        self.unknown_layout = unknown_layout  # no profile fits the header: a new layout may be saved from it
        first = self.problems[0]
        more_zh = f"（共 {len(problems)} 处问题）" if len(problems) > 1 else ""
        more_en = f" ({len(problems)} problems)" if len(problems) > 1 else ""
        super().__init__(first["zh"] + more_zh, first["en"] + more_en, "file")


def _problem(row: int | None, column: str | None, zh: str, en: str) -> dict:
    where_zh = (f"第 {row} 行" if row else "") + (f"“{column}”列" if column else "")
    where_en = ", ".join(x for x in (f"row {row}" if row else "", f"column {column!r}" if column else "") if x)
    return {"row": row, "column": column, "zh": f"{where_zh}：{zh}" if where_zh else zh,
            "en": f"{where_en}: {en}" if where_en else en}


@dataclass(frozen=True)
class Profile:
    """How one bank lays out its statement: our field -> the header name the bank uses."""

    name: str
    columns: dict[str, str]
    version: int = 1
    builtin: bool = False

    def check(self) -> None:
        unknown = sorted(set(self.columns) - set(FIELDS))
        if unknown:
            raise LedgerError(f"格式 {self.name} 含未知字段 {', '.join(unknown)}",
                              f"profile {self.name} has unknown fields {', '.join(unknown)}", "columns")
        missing = [f for f in REQUIRED if not self.columns.get(f)]
        money = bool(self.columns.get("amount")) or (bool(self.columns.get("income")) and bool(self.columns.get("spending")))
        if missing or not money:
            raise LedgerError(
                f"格式 {self.name} 须有日期、余额列，以及收入与支出两列或一个带符号的金额列",
                f"profile {self.name} needs date and balance columns, and income and spending columns or one signed "
                "amount column", "columns")

    def fits(self, header: list[str]) -> bool:
        names = set(header)
        return all(h in names for h in self.columns.values() if h)


BUILTIN_PROFILES: tuple[Profile, ...] = (
    # 中国工商银行 企业网银 明细下载
    Profile("icbc", {"date": "交易日期", "income": "转入金额", "spending": "转出金额", "balance": "余额",
                     "counterparty": "对方户名", "memo": "摘要", "serial": "交易流水号"}, builtin=True),
    # 中国建设银行 对公账户 交易明细（贷方 = 收入，借方 = 支出，自银行的角度）
    Profile("ccb", {"date": "交易时间", "income": "贷方发生额", "spending": "借方发生额", "balance": "余额",
                    "counterparty": "对方户名", "memo": "摘要", "serial": "账户明细编号-交易流水号"}, builtin=True),
    # 招商银行 一网通 交易明细：一个带符号的交易金额
    Profile("cmb", {"date": "交易日", "amount": "交易金额", "balance": "联机余额", "counterparty": "对方户名",
                    "memo": "交易摘要", "serial": "流水号"}, builtin=True),
    # 通用：收入金额 / 支出金额
    Profile("generic", {"date": "交易日期", "income": "收入金额", "spending": "支出金额", "balance": "余额",
                        "counterparty": "对方户名", "memo": "摘要"}, builtin=True),
)


@dataclass(slots=True)
class StatementRow:
    line: int  # the row number in the file, 1-based
    date: dt.date
    amount_fen: int  # income positive, spending negative
    balance_fen: int
    counterparty: str
    memo: str
    serial: str
    fingerprint: str = ""


@dataclass
class Statement:
    profile: Profile
    header_line: int
    rows: list[StatementRow]  # oldest first
    opening_fen: int | None = None
    preamble: dict[str, str] = field(default_factory=dict)
    newest_first: bool = False

    @property
    def income_fen(self) -> int:
        return sum(r.amount_fen for r in self.rows if r.amount_fen > 0)

    @property
    def spending_fen(self) -> int:
        return -sum(r.amount_fen for r in self.rows if r.amount_fen < 0)


# -- reading the cells -------------------------------------------------------------------------------------------

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):  # openpyxl's numbers: their shortest repr is the decimal the bank wrote
        return repr(value) if value != int(value) else str(int(value))
    return str(value)


def read_cells(data: bytes, filename: str = "") -> list[list[str]]:
    """The file's rows as lists of stripped strings: XLSX (by its zip signature) or CSV in UTF-8 (BOM or not) or GBK."""
    if data[:4] == b"PK\x03\x04":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # noqa: BLE001 — any broken workbook is one refusal
            raise StatementRefused([_problem(None, None, f"无法读取 XLSX 文件：{e}", f"cannot read the XLSX file: {e}")])
        try:
            sheet = wb.worksheets[0]
            return [[_clean(_cell_text(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            wb.close()
    if b"\x00" in data:
        raise StatementRefused([_problem(None, None, "文件不是 CSV 或 XLSX", "the file is neither CSV nor XLSX")])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise StatementRefused([_problem(None, None, "无法识别文件编码", "cannot tell the file's encoding")])
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))  # cleaned when read (most cells never are)


def _clean(text: str) -> str:
    # Banks pad cells with tabs, spaces and full-width spaces, and quote numbers as ="123" to keep Excel off them.
    text = text.strip(_PAD)
    if text[:2] == '="' and text[-1:] == '"':
        text = text[2:-1]
    return text.strip(_PAD_QUOTES)


_PAD = " \t\r\n\u3000"
_PAD_QUOTES = _PAD + '"'


_PREAMBLE_KEYS = ("账号", "户名", "币种", "起止日期", "账户名称", "开户行", "查询日期")
_FOOTER = re.compile(r"^(合计|总计|收入合计|支出合计|合计笔数|总笔数|借方合计|贷方合计|以上数据|本页|共\s*\d+\s*笔)")
_OPENING = "期初余额"


def _kv(cells: list[str]) -> list[tuple[str, str]]:
    """Key/value pairs of a preamble or footer line: '账号:123' in one cell, or '账号' then '123'."""
    pairs, cells = [], [c for c in cells if c]
    i = 0
    while i < len(cells):
        m = re.match(r"^([^:：]+)[:：]\s*(.*)$", cells[i])
        if m and m.group(2):
            pairs.append((m.group(1).strip(), m.group(2).strip()))
            i += 1
        elif i + 1 < len(cells):
            pairs.append((cells[i].rstrip(":：").strip(), cells[i + 1]))
            i += 2
        else:
            i += 1
    return pairs


def parse_fen(text: str, row: int, column: str, problems: list) -> int | None:
    """An amount cell as fen: '1,234.50', ' "3,000.00" ', '¥12', '-' or '' (none)."""
    t = text.replace(",", "")
    if not t or t in ("-", "--", "—"):
        return None
    m = _PLAIN.match(t)
    if m:  # the common case, without Decimal: digits, a point, up to two decimals
        whole, frac = m.group(2), m.group(3) or ""
        if len(whole) <= 12:
            fen = int(whole or "0") * 100 + int((frac + "00")[:2])
            return -fen if m.group(1) else fen
    t = t.replace("，", "").replace("¥", "").replace("￥", "").replace(" ", "").strip()
    if t in ("", "-", "--", "—"):
        return None
    if t.startswith("+"):
        t = t[1:]
    try:
        return to_fen(t, column)
    except LedgerError as e:
        problems.append(_problem(row, column, e.message_zh, e.message_en))
        return None


_PLAIN = re.compile(r"^(-)?(\d*)(?:\.(\d{1,2}))?$")


def parse_date(text: str, row: int, column: str, problems: list, cache: dict | None = None) -> dt.date | None:
    if cache is not None and text in cache:
        return cache[text]
    date = _parse_date(text)
    if date is None:
        problems.append(_problem(row, column, f"日期“{text}”无效（应为 2026-03-01 或 20260301）",
                                 f"date {text!r} is not valid (expected 2026-03-01 or 20260301)"))
    elif cache is not None:
        cache[text] = date
    return date


def _parse_date(text: str) -> dt.date | None:
    t = text.strip().split(" ")[0].split("T")[0]
    m = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$", t) or re.match(r"^(\d{4})(\d{2})(\d{2})$", t)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    return None


def detect_profile(cells: list[list[str]], profiles: list[Profile], wanted: str | None = None) -> tuple[Profile, int]:
    """The profile that fits a header row and that row's index; the most specific profile wins."""
    candidates = [p for p in profiles if p.name == wanted] if wanted else list(profiles)
    if wanted and not candidates:
        raise StatementRefused([_problem(None, None, f"没有名为 {wanted} 的流水格式", f"no statement profile named {wanted}")])
    for index, row in enumerate(cells[:60]):
        fitting = [p for p in candidates if p.fits(row)]
        if fitting:
            best = max(fitting, key=lambda p: (sum(1 for h in p.columns.values() if h), p.version))
            return best, index
    header = next((r for r in cells[:60] if sum(1 for c in r if c) >= 3 and not any(":" in c or "：" in c for c in r)), [])
    found = " | ".join(c for c in header if c) or "（无）"
    raise StatementRefused(
        [_problem(None, None, f"无法识别的流水格式，找到的表头为：{found}", f"unknown statement layout; the header found: {found}")],
        header=[c for c in header if c], unknown_layout=True,
    )


def suggest_columns(header: list[str], profiles: list[Profile]) -> dict[str, str]:
    """For a header no profile fits: each field mapped to a header cell that some known profile uses for it, as a
    first guess the treasurer corrects. A signed amount is guessed only when no income/spending pair is."""
    cells = [c for c in header if c]
    guess: dict[str, str] = {}
    for field_name in FIELDS:
        for p in profiles:
            name = p.columns.get(field_name)
            if name and name in cells and name not in guess.values():
                guess[field_name] = name
                break
    if guess.get("income") and guess.get("spending"):
        guess.pop("amount", None)
    return guess


def parse_statement(data: bytes, profiles: list[Profile], account: str, wanted: str | None = None,
                    filename: str = "") -> Statement:
    """Read, check and fingerprint a statement file; refuse it whole, naming every problem's row and column."""
    cells = read_cells(data, filename)
    cells[:60] = [[_clean(c) for c in row] for row in cells[:60]]
    profile, h = detect_profile(cells, profiles, wanted)
    header = cells[h]
    index = {name: i for i, name in reversed(list(enumerate(header))) if name}
    col = {f: index[name] for f, name in profile.columns.items() if name}
    preamble = {k: v for line in cells[:h] for k, v in _kv(line) if k in _PREAMBLE_KEYS}
    problems: list[dict] = []
    raw: list[StatementRow] = []
    opening: int | None = None
    footer: dict[str, str] = {}
    in_footer = False
    dates: dict[str, dt.date] = {}
    for i in range(h + 1, len(cells)):
        line, row = i + 1, cells[i]
        first = row[0] if row and row[0] and row[0][0] not in _PAD_QUOTES else next(
            (c for c in row if c and c.strip(_PAD_QUOTES)), None)
        if first is None:
            continue
        if in_footer or _FOOTER.match(_clean(first)):
            in_footer = True
            footer.update(_kv([_clean(c) for c in row]))
            continue
        width = len(row)

        def get(f: str) -> str:
            j = col.get(f, width)
            return _clean(row[j]) if j < width else ""

        if any(_OPENING in c for c in row):
            opening = parse_fen(get("balance"), line, profile.columns["balance"], problems)
            continue
        date = parse_date(get("date"), line, profile.columns["date"], problems, dates)
        if "amount" in col:
            amount = parse_fen(get("amount"), line, profile.columns["amount"], problems)
            if amount is None and not get("amount").strip("-— "):
                problems.append(_problem(line, profile.columns["amount"], "金额为空", "the amount is empty"))
        else:
            income = parse_fen(get("income"), line, profile.columns["income"], problems)
            spending = parse_fen(get("spending"), line, profile.columns["spending"], problems)
            amount = None
            if income and spending:
                problems.append(_problem(line, profile.columns["income"], "收入与支出不能同时有金额",
                                         "a row cannot have both income and spending"))
            elif income is None and spending is None:
                problems.append(_problem(line, profile.columns["income"], "收入与支出都为空",
                                         "both income and spending are empty"))
            else:
                if (income or 0) < 0 or (spending or 0) < 0:
                    problems.append(_problem(line, profile.columns["income" if (income or 0) < 0 else "spending"],
                                             "分列金额不能为负", "split-column amounts cannot be negative"))
                amount = (income or 0) - (spending or 0)
        balance = parse_fen(get("balance"), line, profile.columns["balance"], problems)
        if balance is None and not any(p["row"] == line for p in problems):
            problems.append(_problem(line, profile.columns["balance"], "余额为空", "the balance is empty"))
        if date is not None and amount is not None and balance is not None:
            raw.append(StatementRow(line, date, amount, balance, get("counterparty"), get("memo"), get("serial")))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise StatementRefused(problems, header)
    if not raw:
        raise StatementRefused([_problem(None, None, "文件中没有交易行", "the file holds no transaction rows")], header)
    rows, newest_first = _chronological(raw, opening)
    problems = _check_chain(rows, opening, profile) + _check_footer(footer, rows)
    if problems:
        raise StatementRefused(problems, header)
    return Statement(profile, h + 1, fingerprint(rows, account), opening, preamble, newest_first)


def _chain_breaks(rows: list[StatementRow], opening: int | None) -> list[StatementRow]:
    breaks, previous = [], opening
    for r in rows:
        if previous is not None and previous + r.amount_fen != r.balance_fen:
            breaks.append(r)
        previous = r.balance_fen
    return breaks


def _chronological(raw: list[StatementRow], opening: int | None) -> tuple[list[StatementRow], bool]:
    """Oldest first: by the dates when they differ, else by which order's balances chain."""
    if raw[0].date > raw[-1].date:
        return list(reversed(raw)), True
    if raw[0].date < raw[-1].date:
        return raw, False
    if _chain_breaks(raw, opening) and not _chain_breaks(list(reversed(raw)), opening):
        return list(reversed(raw)), True
    return raw, False


def _check_chain(rows: list[StatementRow], opening: int | None, profile: Profile) -> list[dict]:
    problems, previous = [], opening
    for r in rows:
        if previous is not None and previous + r.amount_fen != r.balance_fen:
            problems.append(_problem(
                r.line, profile.columns["balance"],
                f"余额不连续：上一余额 {fen_to_str(previous)} 加本行 {fen_to_str(r.amount_fen)} 应为 "
                f"{fen_to_str(previous + r.amount_fen)}，文件中为 {fen_to_str(r.balance_fen)}",
                f"the balance breaks: the previous balance {fen_to_str(previous)} plus this row's "
                f"{fen_to_str(r.amount_fen)} is {fen_to_str(previous + r.amount_fen)}, the file says "
                f"{fen_to_str(r.balance_fen)}"))
        previous = r.balance_fen
    for r in rows:
        if len(r.counterparty) > 200 or len(r.memo) > 500 or len(r.serial) > 64:
            problems.append(_problem(r.line, None, "对方户名、摘要或流水号过长", "the counterparty, memo or serial is too long"))
        if "\x00" in r.counterparty + r.memo + r.serial:
            problems.append(_problem(r.line, None, "含有空字符", "holds a NUL character"))
    serials: dict[str, int] = {}
    for r in rows:
        if r.serial:
            if r.serial in serials:
                problems.append(_problem(r.line, profile.columns.get("serial"), f"流水号 {r.serial} 与第 {serials[r.serial]} 行重复",
                                         f"serial {r.serial} repeats row {serials[r.serial]}"))
            serials[r.serial] = r.line
    return problems


def _footer_fen(footer: dict[str, str], keys: tuple[str, ...]) -> tuple[str, int | None] | None:
    for k in keys:
        if k in footer:
            problems: list = []
            return k, parse_fen(footer[k], 0, k, problems) if not problems else None
    return None


def _check_footer(footer: dict[str, str], rows: list[StatementRow]) -> list[dict]:
    problems = []
    for key in ("合计笔数", "总笔数", "笔数"):
        if key in footer:
            stated = re.sub(r"[^\d]", "", footer[key])
            if stated and int(stated) != len(rows):
                problems.append(_problem(None, key, f"文件称 {stated} 笔，实有 {len(rows)} 笔",
                                         f"the file states {stated} rows, it holds {len(rows)}"))
            break
    income = sum(r.amount_fen for r in rows if r.amount_fen > 0)
    spending = -sum(r.amount_fen for r in rows if r.amount_fen < 0)
    for keys, actual in ((("收入合计", "贷方合计", "转入合计"), income), (("支出合计", "借方合计", "转出合计"), spending)):
        for k in keys:
            if k in footer:
                found: list = []
                stated = parse_fen(footer[k], 0, k, found)
                if found or stated is None:
                    problems.append(_problem(None, k, f"合计“{footer[k]}”不是金额", f"the total {footer[k]!r} is not an amount"))
                elif stated != actual:
                    problems.append(_problem(None, k, f"文件称 {fen_to_str(stated)}，各行合计 {fen_to_str(actual)}",
                                             f"the file states {fen_to_str(stated)}, the rows sum to {fen_to_str(actual)}"))
                break
    return problems


def fingerprint(rows: list[StatementRow], account: str) -> list[StatementRow]:
    """Each row's stable identity: the bank's serial number when there is one, else a hash of what the row says
    and how many identical rows came before it in the file (two identical transfers on one day stay two)."""
    seen: dict[tuple, int] = {}
    sha = hashlib.sha256
    for r in rows:
        if r.serial:
            r.fingerprint = "s:" + sha(f"{account}\x1f{r.serial}".encode()).hexdigest()[:40]
        else:
            key = (r.date.isoformat(), r.amount_fen, r.balance_fen, r.counterparty, r.memo)
            n = seen.get(key, 0)
            seen[key] = n + 1
            doc = "\x1f".join([account, *map(str, key), str(n)])
            r.fingerprint = "h:" + sha(doc.encode()).hexdigest()[:40]
    return rows


def yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100
