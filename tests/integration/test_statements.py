"""The statements of a trust book, added up from its posted lines, checked to the fen against a small book
whose every figure is worked out by hand below."""
from __future__ import annotations

import pytest

from ledger.domain.errors import InvalidInput
from ledger.services import statements

from ..conftest import D


@pytest.fixture
def book(ledger):
    """A year's start and a March, GEN unrestricted, REPAIR restricted (amounts in yuan):
    2025-12-20 advertising 1,000 (last year); 2026-01-05 opening balance 10,000 (net assets, not income);
    02-03 fees billed 3,000; 03-02 2,500 of them collected; 03-05 parking 800 into REPAIR; 03-10 cleaning 1,200;
    03-12 a repair 300 from REPAIR; 03-20 April's fees 600 received in advance."""
    ledger.post(D(2025, 12, 20), "12月电梯广告", ("1002", "GEN", "1000.00"), ("4201", "GEN", "-1000.00"))
    ledger.post(D(2026, 1, 5), "期初余额", ("1002", "GEN", "10000.00"), ("3101", "GEN", "-10000.00"))
    ledger.post(D(2026, 2, 3), "计提2月物业费", ("1122", "GEN", "3000.00"), ("4101", "GEN", "-3000.00"))
    ledger.post(D(2026, 3, 2), "收物业费", ("1002", "GEN", "2500.00"), ("1122", "GEN", "-2500.00"))
    ledger.post(D(2026, 3, 5), "停车收益转入维修储备金", ("1002", "REPAIR", "800.00"), ("4202", "REPAIR", "-800.00"))
    ledger.post(D(2026, 3, 10), "3月保洁费", ("5101", "GEN", "1200.00"), ("1002", "GEN", "-1200.00"))
    ledger.post(D(2026, 3, 12), "水泵维修", ("5107", "REPAIR", "300.00"), ("1002", "REPAIR", "-300.00"))
    ledger.post(D(2026, 3, 20), "预收4月物业费", ("1002", "GEN", "600.00"), ("2202", "GEN", "-600.00"))
    return ledger


def _by_key(rows):
    return {r.line.key: r for r in rows}


def test_the_statement_of_activities_has_unrestricted_restricted_and_total_for_the_month_and_the_year(book):
    with book.tx() as s:
        act = statements.activities(s, book.book(s), statements.month_range(2026, 3))
    income, expense = _by_key(act.income), _by_key(act.expense)
    assert income["public_revenue"].values == {"unrestricted": 0, "restricted": 80000, "total": 80000,
                                               "unrestricted_ytd": 0, "restricted_ytd": 80000, "total_ytd": 80000}
    assert income["fees"].values["total"] == 0 and income["fees"].values["unrestricted_ytd"] == 300000
    assert income["public_revenue"].codes == ["4201", "4202", "4203"] and income["fees"].codes == ["4101"]
    assert expense["services"].values == {"unrestricted": 120000, "restricted": 30000, "total": 150000,
                                          "unrestricted_ytd": 120000, "restricted_ytd": 30000, "total_ytd": 150000}
    assert act.totals["change"] == {"unrestricted": -120000, "restricted": 50000, "total": -70000,
                                    "unrestricted_ytd": 180000, "restricted_ytd": 50000, "total_ytd": 230000}


def test_the_statement_of_financial_position_balances_at_the_end_and_at_the_years_start(book):
    with book.tx() as s:
        pos = statements.position(s, book.book(s), statements.month_range(2026, 3))
    assets, liabilities = _by_key(pos.assets), _by_key(pos.liabilities)
    assert assets["cash"].values == {"start": 100000, "end": 1340000}
    assert assets["receivables"].values == {"start": 0, "end": 50000}
    assert liabilities["advances"].values == {"start": 0, "end": 60000}
    assert [(zh, v) for zh, _en, v in pos.net_assets] == [("非限定性净资产", {"start": 100000, "end": 1280000}),
                                                         ("限定性净资产", {"start": 0, "end": 50000})]
    assert pos.totals["assets"] == {"start": 100000, "end": 1390000}
    for col in ("start", "end"):  # assets = liabilities + net assets, at both dates
        assert pos.totals["assets"][col] == pos.totals["liabilities"][col] + pos.totals["net_assets"][col]


def test_each_funds_net_assets_move_by_its_income_its_expense_and_nothing_else_unnamed(book):
    with book.tx() as s:
        march = {f.code: f for f in statements.fund_movements(s, book.book(s), statements.month_range(2026, 3))}
        january = {f.code: f for f in statements.fund_movements(s, book.book(s), statements.month_range(2026, 1))}
    gen, repair = march["GEN"], march["REPAIR"]
    assert (gen.opening, gen.income, gen.expense, gen.other, gen.closing) == (1400000, 0, 120000, 0, 1280000)
    assert (repair.opening, repair.income, repair.expense, repair.other, repair.closing) == (0, 80000, 30000, 0, 50000)
    assert january["GEN"].other == 1000000  # the opening balance: neither income nor expense
    assert "REPAIR" not in january or january["REPAIR"].closing == 0


def test_a_range_is_within_one_year_and_in_order():
    with pytest.raises(InvalidInput):
        statements.make_range(D(2026, 3, 31), D(2026, 3, 1))
    with pytest.raises(InvalidInput):
        statements.make_range(D(2025, 12, 1), D(2026, 1, 31))
    assert statements.make_range(D(2026, 1, 1), D(2026, 3, 31)).label == "2026-01-01 – 2026-03-31"
    assert statements.month_range(2026, 2).label == "2026-02"


def test_a_resident_reads_the_statements_taps_a_figure_to_its_entries_and_downloads_them(book, app, sign_in):
    import io
    import re

    import openpyxl

    resident = sign_in("reader")
    page = resident.get("/books/T1/statements?period=2026-03")
    assert page.status_code == 200 and "业务活动表" in page.text and "资产负债表" in page.text and "基金收支表" in page.text
    services = re.search(r'data-testid="line-services">(.*?)</tr>', page.text, re.S).group(1)
    assert "1,200.00" in services and "300.00" in services and "1,500.00" in services
    assert re.search(r'data-testid="change">(.*?)</tr>', page.text, re.S).group(1).count("-700.00") == 1
    link = re.search(r'data-testid="line-services">.*?<td class="num total"[^>]*><a href="([^"]+)">1,500.00</a>',
                     page.text, re.S).group(1).replace("&amp;", "&")
    journal = resident.get(link).text  # one tap: the entries behind the figure, each linking to its vouchers
    listed = re.findall(r'<td class="summary"[^>]*>(.*?)</td>', journal, re.S)
    assert sorted(x.strip() for x in listed) == ["3月保洁费", "水泵维修"], listed
    sheet = openpyxl.load_workbook(io.BytesIO(resident.get("/books/T1/statements/activities.xlsx?period=2026-03").data)).active
    rows = [r for r in sheet.iter_rows(values_only=True)]
    assert "业务活动表" in rows[0][0] and "2026-03" in rows[0][0]
    assert rows[1][:4] == ("项目", "非限定性", "限定性", "合计")
    change = next(r for r in rows if r[0] == "三、净资产变动额")
    assert [float(v) for v in change[1:7]] == [-1200.0, 500.0, -700.0, 1800.0, 500.0, 2300.0]  # numbers, not text
    assert "现金流量表" in page.text
    closing = re.search(r'data-testid="cash-closing">(.*?)</tr>', page.text, re.S).group(1)
    assert closing.count("13,400.00") == 2
    flows = resident.get("/books/T1/statements/cash_flow.csv?period=2026-03").data.decode("utf-8-sig").replace("\r", "")
    assert "现金净增加额,2400.00,12400.00" in flows and "期末现金,13400.00,13400.00" in flows
    funds = resident.get("/books/T1/statements/funds.csv?period=2026-03").data.decode("utf-8-sig").replace("\r", "")
    assert "GEN,信托财产（非限定）,14000.00,0.00,1200.00,0.00,12800.00" in funds
    assert "REPAIR,维修储备金,0.00,800.00,300.00,0.00,500.00" in funds
    position = resident.get("/books/T1/statements/position.csv?period=2026-03").data.decode("utf-8-sig")
    assert "资产合计,1000.00,13900.00" in position.replace("\r", "")
    assert resident.get("/books/T1/statements?quarter=2026-Q5").status_code == 404
    bad = resident.get("/books/T1/statements?from=2025-12-01&to=2026-01-31")
    assert bad.status_code == 422 and "同一年" in bad.text


def test_the_cash_flow_statement_explains_the_cash_from_the_start_of_the_range_to_its_end(book):
    with book.tx() as s:
        cf = statements.cash_flow(s, book.book(s), statements.month_range(2026, 3))
    receipts, payments = _by_key(cf.receipts), _by_key(cf.payments)
    assert receipts["cf_fees"].values == {"range": 310000, "ytd": 310000}  # fees collected and received in advance
    assert sorted(receipts["cf_fees"].codes) == ["1122", "2202"]
    assert receipts["cf_public"].values == {"range": 80000, "ytd": 80000}
    assert payments["cf_services"].values == {"range": 150000, "ytd": 150000}
    assert cf.net_assets.values == {"range": 0, "ytd": 1000000}  # the opening balance: neither received nor paid
    assert cf.opening == {"range": 1100000, "ytd": 100000} and cf.closing == 1340000
    for k in ("range", "ytd"):
        assert cf.opening[k] + cf.totals["net"][k] == cf.closing
