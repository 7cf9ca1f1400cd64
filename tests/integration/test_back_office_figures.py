"""What a treasurer found missing: exports a spreadsheet can sum, a home page with the figures a committee
checks first, and words where codes were (fund names, the audit log, an entry's number)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest

from ledger.services import entries, flags, periods

from ..conftest import D


def _month_before(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=5)


@pytest.fixture
def figures(ledger):
    """Last month: opening balances (bank and repair reserve), fees, a cleaning bill, closed. This month, up to
    today: parking income, a cleaning bill, a repair; one entry waiting, one flag answered, one open."""
    today = dt.date.today()
    last = _month_before(today)
    ledger.post(last, "期初余额", ("1002", "GEN", "20000.00"), ("3101", "GEN", "-20000.00"))
    ledger.post(last, "期初维修储备金", ("1002", "REPAIR", "5000.00"), ("3102", "REPAIR", "-5000.00"))
    ledger.post(last, "收物业费", ("1002", "GEN", "8765.43"), ("4101", "GEN", "-8765.43"))
    ledger.close(last.year, last.month)
    ledger.post(today, "收临时停车费", ("1002", "GEN", "1234.56"), ("4202", "GEN", "-1234.56"))
    cleaning = ledger.post(today, "支付保洁费", ("5101", "GEN", "300.07"), ("1002", "GEN", "-300.07"))
    ledger.post(today, "屋面维修", ("5107", "REPAIR", "1000.00"), ("1002", "REPAIR", "-1000.00"))
    with ledger.tx() as s:
        book = ledger.book(s)
        entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            today, "更换门禁读卡器", ("5107", "GEN", "2860.00"), ("1002", "GEN", "-2860.00")), submit=True)
        entry = entries.get_entry_by_number(s, book, cleaning)
        answered = flags.raise_flag(s, ledger.user(s, "watcher"), book, entry, "保洁费为何多了0.07元？")
        flags.answer_flag(s, ledger.user(s, "approver1"), book, answered, "银行转账手续费")
        flags.raise_flag(s, ledger.user(s, "watcher"), book, entry, "请附保洁合同")
    return today, last


def _testid(page: str, name: str) -> str:
    return re.sub(r"\s+", " ", re.search(rf'data-testid="{name}">(.*?)</(?:li|p)>', page, re.S).group(1))


def test_the_home_page_shows_the_figures_a_committee_checks_first(figures, sign_in):
    today, last = figures
    page = sign_in("approver1").get("/books/T1").text
    # 20,000.00 + 5,000.00 + 8,765.43 last month; + 1,234.56 - 300.07 - 1,000.00 this month; the waiting entry is not posted
    assert "33,699.92" in _testid(page, "bank")
    assert "1,234.56" in _testid(page, "month-income")  # last month's fees are not this month's
    assert "1,300.07" in _testid(page, "month-expense")
    waiting = _testid(page, "waiting")
    assert re.search(r'href="/books/T1/approvals">1</a>', waiting)
    open_flags = _testid(page, "open-flags")
    assert re.search(r'href="/books/T1/flags\?open=1">2</a>', open_flags) and "其中 1 条待回复" in open_flags
    this_month = f"{today:%Y-%m}"
    assert f">{this_month}</a>" in _testid(page, "current-period")
    unclosed = _testid(page, "unclosed")
    assert this_month in unclosed and f"{last:%Y-%m}" not in unclosed  # last month is closed
    assert "银行存款余额" in page and "本月收入" in page and "尚未结账的月份" in page
    # Fund names, the code in small print
    assert re.search(r'维修储备金 <small class="code">REPAIR</small>', page)


def test_the_home_page_in_english(figures, sign_in):
    page = sign_in("reader").get("/books/T1?lang=en").text
    assert "Bank balance" in page and "33,699.92" in page and "Entries awaiting approval" in page
    assert "Maintenance reserve" in page


def _cells(sheet, min_row=1):
    return [c for row in sheet.iter_rows(min_row=min_row) for c in row]


def _no_formula(sheet):
    assert [c.coordinate for c in _cells(sheet) if c.data_type == "f"] == []


def _fen(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_xlsx_exports_hold_numbers_and_dates_that_sum_to_the_trial_balance(figures, sign_in):
    today, last = figures
    reader = sign_in("reader")
    tb = openpyxl.load_workbook(io.BytesIO(reader.get("/books/T1/trial-balance.xlsx").data)).active
    _no_formula(tb)
    assert tb["A1"].value.startswith("测试小区信托 · 试算平衡表 · 全部已过账凭证 · 导出于")
    assert [c.value for c in tb[2]] == ["代码", "名称", "英文名称", "借方", "贷方"]
    rows = list(tb.iter_rows(min_row=3, values_only=True))
    body, total = rows[:-1], rows[-1]
    assert total[0] == "合计" and all(isinstance(v, (int, float)) for r in body for v in r[3:5])
    tb_debit = sum(_fen(r[3]) for r in body)
    assert tb_debit == _fen(total[3]) == _fen(total[4])

    journal = openpyxl.load_workbook(io.BytesIO(reader.get("/books/T1/journal.xlsx").data)).active
    _no_formula(journal)
    title = journal["A1"].value
    assert title.startswith("测试小区信托 · 序时账 · ") and f"{last:%Y-%m-%d} – {today:%Y-%m-%d}" in title and "北京时间" in title
    headers = [c.value for c in journal[2]]
    assert headers[:4] == ["凭证号", "日期", "状态", "摘要"] and "借方" in headers and "贷方" in headers
    debit, credit, date, status = (headers.index(h) + 1 for h in ("借方", "贷方", "日期", "状态"))
    lines = [r for r in journal.iter_rows(min_row=3) if r[0].value != "合计"]
    assert all(isinstance(r[date - 1].value, dt.datetime) and r[date - 1].number_format == "yyyy-mm-dd" for r in lines)
    assert {r[status - 1].value for r in lines} == {"已过账"}
    amounts = [r[debit - 1] for r in lines if r[debit - 1].value is not None]
    assert amounts and all(c.data_type == "n" and c.number_format == "#,##0.00" for c in amounts)
    # SUM over the journal's debits: every posted debit, which is what the trial balance adds up per account
    # (here no account is both debited and credited to a net below its debits, so compare with the movements)
    journal_debits = sum(_fen(c.value) for c in amounts)
    assert journal_debits == Decimal("36300.06")  # 20,000 + 5,000 + 8,765.43 + 1,234.56 + 300.07 + 1,000.00
    totals = next(r for r in journal.iter_rows(min_row=3) if r[0].value == "合计")
    assert _fen(totals[debit - 1].value) == _fen(totals[credit - 1].value) == journal_debits
    # the bank account's ledger ends at the balance the home page shows
    bank = openpyxl.load_workbook(io.BytesIO(reader.get("/books/T1/accounts/1002.xlsx").data)).active
    _no_formula(bank)
    balances = [r[-1] for r in bank.iter_rows(min_row=3, values_only=True) if r[0] != "合计" and r[-1] is not None]
    assert _fen(balances[-1]) == Decimal("33699.92")
    assert _fen(next(r for r in tb.iter_rows(min_row=3, values_only=True) if r[0] == "1002")[3]) == Decimal("33699.92")

    funds = openpyxl.load_workbook(io.BytesIO(reader.get("/books/T1/funds.xlsx").data)).active
    _no_formula(funds)
    header = [c.value for c in funds[2]]
    assert header[:4] == ["代码", "名称", "英文名称", "限定性"]
    by_code = {r[0]: r for r in funds.iter_rows(min_row=3, values_only=True)}
    assert by_code["GEN"][3] == "否" and by_code["REPAIR"][3] == "是"
    assert _fen(by_code["REPAIR"][header.index("货币资金")]) == Decimal("4000.00")
    # fitted widths: the summary column is wider than the date column
    widths = {funds.cell(row=2, column=i + 1).column_letter: funds.column_dimensions[funds.cell(row=2, column=i + 1).column_letter].width
              for i in range(len(header))}
    assert all(w >= 8 for w in widths.values())


def test_headers_and_words_follow_the_language_of_the_page(figures, sign_in):
    reader = sign_in("reader")
    funds = openpyxl.load_workbook(io.BytesIO(reader.get("/books/T1/funds.xlsx?lang=en").data)).active
    assert funds["A1"].value.startswith("Test trust · Fund balances · all posted entries · exported")
    assert [c.value for c in funds[2]][:4] == ["Code", "Name (Chinese)", "Name (English)", "Restricted"]
    assert {r[0]: r[3] for r in funds.iter_rows(min_row=3, values_only=True)} == {"GEN": "No", "REPAIR": "Yes"}
    rows = list(csv.reader(io.StringIO(reader.get("/books/T1/trial-balance.csv").data.decode("utf-8-sig"))))
    assert rows[0] == ["Code", "Name (Chinese)", "Name (English)", "Debit", "Credit"]  # the choice sticks
    assert ["1002", "银行存款—共管账户", "Bank - co-managed account", "33699.92", "0.00"] in rows  # plain decimals in CSV
    rows = list(csv.reader(io.StringIO(reader.get("/books/T1/journal.csv?lang=zh_CN").data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["凭证号", "日期", "状态", "摘要"] and {r[2] for r in rows[1:]} == {"已过账"}


def test_an_as_of_trial_balance_says_its_date_in_the_title(figures, sign_in):
    today, last = figures
    end = periods.month_end(last.year, last.month)
    sheet = openpyxl.load_workbook(io.BytesIO(sign_in("reader").get(f"/books/T1/trial-balance.xlsx?as_of={end}").data)).active
    assert f"截至 {end}" in sheet["A1"].value
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert _fen(rows["1002"][3]) == Decimal("33765.43") and "4202" not in rows


def test_the_redaction_page_shows_the_number_of_a_posted_entry(ledger, sign_in, tmp_path):
    from PIL import Image

    from ledger.services import vouchers

    photo = io.BytesIO()
    Image.new("RGB", (80, 60), "white").save(photo, "JPEG")
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 5), "支付保洁费", ("5101", "GEN", "300.00"), ("1002", "GEN", "-300.00")))
        att = vouchers.upload_voucher(s, ledger.user(s, "maker"), book, entry, photo.getvalue(), "发票.jpg",
                                      vouchers.VoucherStore(tmp_path / "v"), 10**7)
        entries.submit_entry(s, ledger.user(s, "maker"), book, entry)
        entry_id, att_id = entry.id, att.id
    waiting = sign_in("maker").get(f"/books/T1/entries/{entry_id}/vouchers/{att_id}/redact").text
    with ledger.tx() as s:
        book = ledger.book(s)
        number = entries.approve_entry(s, ledger.user(s, "approver1"), book, entries.get_entry(s, book, entry_id)).number
    assert "草稿" not in _testid(waiting, "redact-entry") and "待审批" in waiting
    page = sign_in("maker").get(f"/books/T1/entries/{entry_id}/vouchers/{att_id}/redact").text
    said = _testid(page, "redact-entry")
    assert number in said and "已过账" in said and "草稿" not in said and "尚未编号" not in said


def test_the_audit_log_says_flag_threads_in_words(figures, sign_in):
    page = sign_in("watcher").get("/books/T1/audit?action=flag").text
    assert "提出监察标记" in page and "回复监察标记" in page and "意见: 请附保洁合同" in page
    assert "flag.raise" in page  # the code stays, in small print
