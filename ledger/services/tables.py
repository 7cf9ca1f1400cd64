"""Tables written as CSV or XLSX, the same for a download from the back office and a file frozen in a
publication.

A committee member opens these in Excel or WPS and sums them, so in XLSX amounts are numbers
(`#,##0.00`), dates are dates, and a title row names the book, the table and what it covers, with a
totals row under debit and credit. Column headers are in the reader's language, in both formats. No text
cell can become a live formula: every text value goes through `safe_cell` (ledger/domain/cells.py), the
same rule for both formats.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from ..domain.cells import safe_cell

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Each column key, its header in Chinese and in English.
HEADERS = {
    "number": ("凭证号", "Number"), "date": ("日期", "Date"), "status": ("状态", "Status"), "summary": ("摘要", "Summary"),
    "account": ("科目代码", "Account"), "account_name": ("科目名称", "Account name"), "fund": ("基金", "Fund"), "fund_name": ("基金名称", "Fund name"),
    "debit": ("借方", "Debit"), "credit": ("贷方", "Credit"), "note": ("备注", "Note"), "balance": ("余额", "Balance"),
    "code": ("代码", "Code"), "name_zh": ("名称", "Name (Chinese)"), "name_en": ("英文名称", "Name (English)"),
    "restricted": ("限定性", "Restricted"), "cash": ("货币资金", "Cash"), "income": ("收入", "Income"),
    "expense": ("支出", "Expense"), "net_assets": ("净资产", "Net assets"),
    "line": ("项目", "Item"), "unrestricted": ("非限定性", "Unrestricted"), "restricted_fen": ("限定性", "Restricted"),
    "total": ("合计", "Total"), "unrestricted_ytd": ("本年累计·非限定性", "Year to date: unrestricted"),
    "restricted_ytd": ("本年累计·限定性", "Year to date: restricted"), "total_ytd": ("本年累计·合计", "Year to date: total"),
    "start": ("年初数", "At the year's start"), "end": ("期末数", "At the end"), "opening": ("期初净资产", "Opening"),
    "other": ("其他变动", "Other movements"), "closing": ("期末净资产", "Closing"),
    "range": ("本期金额", "This range"), "ytd": ("本年累计", "Year to date"),
    "vouchers": ("凭证图片", "Voucher images"),
}
TITLES = {
    "trial_balance": ("试算平衡表", "Trial balance"), "fund_balances": ("基金余额表", "Fund balances"),
    "journal": ("序时账", "Journal"), "account_ledger": ("科目明细账", "Account ledger"),
    "activities": ("业务活动表", "Statement of activities"), "position": ("资产负债表", "Statement of financial position"),
    "funds": ("基金收支表", "Funds: income and expenditure"), "cash_flow": ("现金流量表", "Statement of cash flows"),
}
# Values said in words: an entry's status as the pages say it.
WORDS = {"status": {"draft": ("草稿", "draft"), "submitted": ("待审批", "awaiting approval"),
                    "posted": ("已过账", "posted"), "rejected": ("已退回", "rejected")}}
MONEY = {"debit", "credit", "balance", "cash", "income", "expense", "net_assets", "unrestricted", "restricted_fen",
         "total", "unrestricted_ytd", "restricted_ytd", "total_ytd", "start", "end", "opening", "other", "closing", "range", "ytd"}
TOTALLED = ("debit", "credit")
CHINA = dt.timezone(dt.timedelta(hours=8))


def header(column: str, english: bool) -> str:
    zh, en = HEADERS.get(column, (column, column))
    return en if english else zh


def _text(value, column: str | None, english: bool) -> str:
    if value is None:
        return ""
    if column in WORDS and value in WORDS[column]:
        zh, en = WORDS[column][value]
        return en if english else zh
    if isinstance(value, bool):
        return ("Yes" if value else "No") if english else ("是" if value else "否")
    return str(value)


def csv_bytes(rows: list[dict], columns: list[str], english: bool) -> bytes:
    out = io.StringIO()
    # CRLF as RFC 4180 says; it also makes the writer quote a cell holding a lone CR, which
    # would otherwise end the row early in a spreadsheet.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header(c, english) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(_text(row.get(c), c, english)) for c in columns])
    # utf-8 with BOM: Excel on a committee member's laptop then shows Chinese correctly.
    return out.getvalue().encode("utf-8-sig")


def _xlsx_value(column: str, value, english: bool):
    if value in (None, ""):
        return None
    if column in MONEY:
        return Decimal(value)
    if column == "date":
        return dt.date.fromisoformat(value)
    text = safe_cell(_text(value, column, english))
    # XML cannot hold most C0 control characters; openpyxl would refuse the whole workbook.
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)


def _scope(rows: list[dict], scope: str | None, english: bool) -> str:
    if scope:
        return scope
    dates = sorted(r["date"] for r in rows if r.get("date"))
    if not dates:
        return ""
    return dates[0] if dates[0] == dates[-1] else f"{dates[0]} – {dates[-1]}"


def xlsx_bytes(rows: list[dict], columns: list[str], book, what: str, english: bool, scope: str | None = None,
               stamp: tuple[str, str] | None = None) -> bytes:
    """`stamp` (zh, en) ends the title row; by default the time of export."""
    wb = Workbook()
    ws = wb.active
    zh, en = TITLES.get(what, (what, what))
    if stamp is None:
        now = dt.datetime.now(CHINA).strftime("%Y-%m-%d %H:%M")
        stamp = (f"导出于 {now}（北京时间）", f"exported {now} (China time)")
    ws.title = (en if english else zh)[:31]
    covers = _scope(rows, scope, english)
    covers = f" · {covers}" if covers else ""
    title = f"{book.name_en} · {en}{covers} · {stamp[1]}" if english else f"{book.name_zh} · {zh}{covers} · {stamp[0]}"
    ws.append([safe_cell(ILLEGAL_CHARACTERS_RE.sub("\ufffd", title))])
    ws["A1"].font = Font(bold=True)
    ws.append([header(c, english) for c in columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    totals = {c: Decimal(0) for c in TOTALLED if c in columns}
    for row in rows:
        values = [_xlsx_value(c, row.get(c), english) for c in columns]
        ws.append(values)
        for c in totals:
            value = values[columns.index(c)]
            if value is not None:
                totals[c] += value
    if totals and rows:
        ws.append([("Total" if english else "合计") if i == 0 else totals.get(c) for i, c in enumerate(columns)])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    for i, c in enumerate(columns, start=1):
        letter = ws.cell(row=2, column=i).column_letter
        for cell in ws[letter][2:]:
            if c in MONEY:
                cell.number_format = "#,##0.00"
            elif c == "date":
                cell.number_format = "yyyy-mm-dd"
        # Chinese characters are about twice as wide as Latin ones.
        widest = max((_width(ws.cell(row=r, column=i).value) for r in range(2, ws.max_row + 1)), default=8)
        ws.column_dimensions[letter].width = min(max(widest + 2, 8), 60)
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    if isinstance(value, dt.date):
        return 10
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(value))
