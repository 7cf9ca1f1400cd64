"""The bank-file reader on real files as banks export them (pure: no database)."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from ledger.domain.bankfiles import BUILTIN_PROFILES, Profile, StatementRefused, parse_statement

PROFILES = list(BUILTIN_PROFILES)

ICBC = """账号:,6222 0000 1111 2222
户名:,幸福里小区业主大会（共管账户）
币种:,人民币
起止日期:,2026-03-01 至 2026-03-31

交易日期,交易流水号,摘要,对方户名,转入金额,转出金额,余额
2026-03-01,,期初余额,,,,"10,000.00"
2026-03-02,ICBC0001,物业费 3-1201,张三,"\t1,200.50 ",-,"11,200.50"
2026-03-05,ICBC0002,电梯维保,某电梯公司,,"3,000.00","8,200.50"
20260310,ICBC0003,广告收入,某传媒,500,,"8,700.50"
合计笔数:,3
收入合计:,"1,700.50"
支出合计:,"3,000.00"
以上数据仅供参考，具体以银行柜台为准
"""


def test_icbc_utf8_with_preamble_footer_and_opening_row():
    st = parse_statement(ICBC.encode("utf-8"), PROFILES, "1002")
    assert st.profile.name == "icbc"
    assert st.opening_fen == 1_000_000
    assert st.preamble["账号"] == "6222 0000 1111 2222"
    assert [(r.date, r.amount_fen, r.balance_fen) for r in st.rows] == [
        (dt.date(2026, 3, 2), 120_050, 1_120_050),
        (dt.date(2026, 3, 5), -300_000, 820_050),
        (dt.date(2026, 3, 10), 50_000, 870_050),
    ]
    assert st.rows[0].counterparty == "张三" and st.rows[0].serial == "ICBC0001"
    assert st.income_fen == 170_050 and st.spending_fen == 300_000
    assert len({r.fingerprint for r in st.rows}) == 3


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_encodings_read_the_same(encoding):
    a = parse_statement(ICBC.encode(encoding), PROFILES, "1002")
    b = parse_statement(ICBC.encode("utf-8"), PROFILES, "1002")
    assert [r.fingerprint for r in a.rows] == [r.fingerprint for r in b.rows]
    assert a.rows[1].counterparty == "某电梯公司"


CCB_NEWEST_FIRST = """中国建设银行 单位账户明细
账号,11050100
交易时间,借方发生额,贷方发生额,余额,对方户名,摘要,账户明细编号-交易流水号
20260320,88.00,,"5,012.00",某供电局,电费,B3
20260311,,12.00,"5,100.00",李四,物业费 1-101,B2
20260302,"1,000.00",,"5,088.00",某保洁公司,保洁费,B1
"""


def test_ccb_debit_credit_newest_first():
    st = parse_statement(CCB_NEWEST_FIRST.encode("gbk"), PROFILES, "1002")
    assert st.profile.name == "ccb" and st.newest_first
    assert [(r.serial, r.amount_fen, r.balance_fen) for r in st.rows] == [
        ("B1", -100_000, 508_800), ("B2", 1_200, 510_000), ("B3", -8_800, 501_200)]


def test_cmb_signed_amount_xlsx():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["账号", "755900001"])
    ws.append([])
    ws.append(["交易日", "交易金额", "联机余额", "对方户名", "交易摘要", "流水号"])
    ws.append([dt.datetime(2026, 3, 1), 2500.5, 12500.5, "王五", "停车费", "C1"])
    ws.append(["20260302", "-500.25", "12,000.25", "某物业", "维修", "C2"])
    ws.append(["合计笔数", 2])
    buf = io.BytesIO()
    wb.save(buf)
    st = parse_statement(buf.getvalue(), PROFILES, "1002")
    assert st.profile.name == "cmb"
    assert [(r.date, r.amount_fen, r.balance_fen) for r in st.rows] == [
        (dt.date(2026, 3, 1), 250_050, 1_250_050), (dt.date(2026, 3, 2), -50_025, 1_200_025)]


def test_a_balance_break_is_refused_with_its_row():
    bad = ICBC.replace('"8,200.50"', '"8,200.00"').replace('"8,700.50"', '"8,700.00"').replace(
        "1,700.50", "1,700.50")
    with pytest.raises(StatementRefused) as e:
        parse_statement(bad.encode(), PROFILES, "1002")
    assert e.value.problems[0]["row"] == 9 and e.value.problems[0]["column"] == "余额"
    assert "8200.00" in e.value.problems[0]["en"]


def test_totals_and_count_must_agree():
    with pytest.raises(StatementRefused) as e:
        parse_statement(ICBC.replace("合计笔数:,3", "合计笔数:,4").replace('"1,700.50"', '"1,700.00"').encode(), PROFILES, "1002")
    assert [p["column"] for p in e.value.problems] == ["合计笔数", "收入合计"]


def test_bad_cells_are_named_by_row_and_column():
    bad = ICBC.replace("20260310", "2026-13-40").replace('"\t1,200.50 "', "12.345")
    with pytest.raises(StatementRefused) as e:
        parse_statement(bad.encode(), PROFILES, "1002")
    where = {(p["row"], p["column"]) for p in e.value.problems}
    assert where == {(8, "转入金额"), (10, "交易日期")}


def test_an_unknown_layout_is_refused_with_its_header():
    with pytest.raises(StatementRefused) as e:
        parse_statement("日期,金额X,结余\n2026-03-01,1,1\n".encode(), PROFILES, "1002")
    assert "日期 | 金额X | 结余" in e.value.message_zh


def test_a_saved_profile_and_the_most_specific_wins():
    mine = Profile("mybank", {"date": "记账日", "income": "存入", "spending": "支取", "balance": "结余", "memo": "备注"})
    mine.check()
    text = "记账日,存入,支取,结余,备注\n2026-03-01,100,,100,a\n2026-03-01,100,,200,a\n"
    st = parse_statement(text.encode(), PROFILES + [mine], "1002")
    assert st.profile.name == "mybank" and [r.balance_fen for r in st.rows] == [10_000, 20_000]
    # two identical-looking rows on one day stay two (balance and occurrence in the fingerprint)
    assert len({r.fingerprint for r in st.rows}) == 2
    with pytest.raises(StatementRefused):
        parse_statement(text.encode(), PROFILES + [mine], "1002", wanted="icbc")


def test_same_day_newest_first_is_ordered_by_the_balances():
    text = "交易日期,收入金额,支出金额,余额,对方户名,摘要\n2026-03-01,,50,150,,b\n2026-03-01,100,,200,,a\n"
    st = parse_statement(text.encode(), PROFILES, "1002")
    assert [r.memo for r in st.rows] == ["a", "b"]
