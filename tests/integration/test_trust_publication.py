"""A published month of a trust book shows residents the trust's figures (trust.json, the month page, the PDFs):
fees outstanding per building by aging bucket and the collection rate (收缴率), the budget against actual with the
resolution that approved it, the bank reconciliation, and the public revenues expected against received. Always per
building or in total: no owner's name or phone, no unit label of a named owner, anywhere public. The figures are
part of the signed manifest, and the export still verifies.

The compound (rates: residential 2.35/㎡ and shop 4.10/㎡ from 2026-01, parking 80.00 a month from 2025-11):
  building 1: 1-101 residential 89.37 ㎡ -> 210.02      1-102 residential 100.30 ㎡ -> 235.71    (445.73 a month)
  building 2: 2-101 shop 45.50 ㎡ -> 186.55             2-P01 parking -> 80.00, billed since 2025-11 (266.55)
Paid (FIFO, oldest bill first): 1-101 210.02 in January and 420.04 in March (February and March); 1-102 235.71 in
February (it pays January's bill); 2-101 186.55 in January; 2-P01 nothing. At 2026-03-31:
  building 1: current 235.71, 1–3 months 235.71                             outstanding 471.42
  building 2: current 266.55, 1–3 months 186.55 + 160.00, 4–6 months 80.00   outstanding 693.10
  March's bills 712.28, collected 210.02 (29.49%); 2026's bills 2,136.84, collected 1,052.32 (49.25%).
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from fractions import Fraction
from types import SimpleNamespace

import pypdfium2
import pytest

from ledger.db.schema import Resolution
from ledger.domain.money import to_fen
from ledger.export_kit import verify
from ledger.services import bank, billing, budgets, entries, publications, register, revenues, vouchers

from ..conftest import D
from .test_privacy_crawl import _leaks, crawl, texts_of

OWNERS = ("张三丰", "李四光", "王五福")
PHONES = ("13800138000", "13700137000", "13912345678")
LABELS = ("1-101", "1-102", "2-101", "2-P01")  # each unit has a named owner
NEEDLES = OWNERS + PHONES + LABELS

REGISTER = ("楼栋,房号,建筑面积,用途,业主,电话\n"
            f"1,101,89.37,住宅,{OWNERS[0]},{PHONES[0]}\n1,102,100.30,住宅,{OWNERS[1]},{PHONES[1]}\n"
            f"2,101,45.50,商铺,{OWNERS[2]},{PHONES[2]}\n2,P01,12.50,车位,{OWNERS[0]},{PHONES[0]}\n")

# March's statement of the co-managed account: the owner's payment and the lease (paid by an owner) name him and
# his phone; the lease reached the bank six days after the books took it, so it stays a reconciling item.
STATEMENT = f"""账号:,6222000011112222
户名:,测试小区业主大会
交易日期,交易流水号,摘要,对方户名,转入金额,转出金额,余额
2026-03-01,,期初余额,,,,"9,632.28"
2026-03-05,B001,1-101物业费 {PHONES[0]},{OWNERS[0]},420.04,,"10,052.32"
2026-03-18,B002,车位租金 2-P01,{OWNERS[0]},500.00,,"10,552.32"
2026-03-20,B003,保洁费,某保洁服务公司,,"1,234.56","9,317.76"
合计笔数:,3
"""


def _bill(ledger, year, month):
    with ledger.tx() as s:
        book = ledger.book(s)
        result = billing.run_billing(s, ledger.user(s, "maker"), book, year, month)
        entries.approve_entry(s, ledger.user(s, "approver1"), book, result.entry)


def _pay(ledger, unit, amount, date):
    with ledger.tx() as s:
        book = ledger.book(s)
        result = billing.record_payment(s, ledger.user(s, "clerk"), book, unit, to_fen(amount), date, "bank", f"{unit} {PHONES[0]}")
        entries.approve_entry(s, ledger.user(s, "approver1"), book, result.entry)


def _receive(ledger, contract_id, date, amount):
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = revenues.receive(s, ledger.user(s, "maker"), book, revenues.get_contract(s, book, contract_id), date,
                                 to_fen(amount))
        entries.approve_entry(s, ledger.user(s, "approver2"), book, entry)


@pytest.fixture
def compound(ledger, tmp_path):
    """Book T1 as a small compound, November 2025 to March 2026, closed through March and published."""
    with ledger.tx() as s:
        book, maker, committee = ledger.book(s), ledger.user(s, "maker"), ledger.user(s, "approver1")
        register.import_units(s, committee, book, REGISTER.encode(), "units.csv")
        billing.set_rate(s, maker, book, "residential", "per_m2", 23500, D(2026, 1, 1))
        billing.set_rate(s, maker, book, "shop", "per_m2", 41000, D(2026, 1, 1))
        billing.set_rate(s, maker, book, "parking", "fixed", 800000, D(2025, 11, 1))
        resolution = Resolution(book_id=book.id, title="2026年度物业服务预算", matter="ordinary", held_on=D(2025, 12, 20),
                                status="passed", tally="{}", recorded_by_id=committee.id)
        s.add(resolution)
        s.flush()
        budgets.set_budget(s, committee, book, 2026, [budgets.LineInput("4101", "GEN", to_fen("8547.36")),
                                                      budgets.LineInput("5101", "GEN", to_fen("12000.00"))],
                           resolution_id=resolution.id)
        ads = revenues.add_contract(s, committee, book, "分众传媒", "advertising", "4201", to_fen("3000.00"), "quarterly",
                                    D(2026, 1, 1)).id
        lease = revenues.add_contract(s, committee, book, OWNERS[0], "parking", "4202", to_fen("500.00"), "monthly",
                                      D(2026, 1, 1)).id
    _bill(ledger, 2025, 11)  # the parking space alone has a rate yet
    ledger.close(2025, 11)
    ledger.post(D(2026, 1, 2), "期初资金", ("1002", "GEN", "10000.00"), ("4901", "GEN", "-10000.00"))
    for month in (1, 2, 3):
        _bill(ledger, 2026, month)
    _pay(ledger, "1-101", "210.02", D(2026, 1, 15))
    _pay(ledger, "2-101", "186.55", D(2026, 1, 20))
    _receive(ledger, lease, D(2026, 1, 10), "500.00")
    ledger.post(D(2026, 1, 25), "1月保洁费", ("5101", "GEN", "900.00"), ("1002", "GEN", "-900.00"))
    ledger.close(2026, 1)
    _pay(ledger, "1-102", "235.71", D(2026, 2, 10))
    _receive(ledger, lease, D(2026, 2, 10), "500.00")
    ledger.post(D(2026, 2, 25), "2月保洁费", ("5101", "GEN", "1100.00"), ("1002", "GEN", "-1100.00"))
    ledger.close(2026, 2)
    _pay(ledger, "1-101", "420.04", D(2026, 3, 5))
    _receive(ledger, lease, D(2026, 3, 12), "500.00")
    ledger.post(D(2026, 3, 20), "3月保洁费", ("5101", "GEN", "1234.56"), ("1002", "GEN", "-1234.56"))
    _receive(ledger, ads, D(2026, 4, 2), "3000.00")  # after the month: it settles nothing in March's publication
    with ledger.tx() as s:
        book, clerk = ledger.book(s), ledger.user(s, "clerk")
        assert bank.import_statement(s, clerk, book, "march.csv", STATEMENT.encode("gbk")).added == 3
        assert bank.match_month(s, clerk, book, 2026, 3)["matched"] == 2
    ledger.close(2026, 3)
    store, root = vouchers.VoucherStore(tmp_path / "v"), tmp_path / "pub"
    with ledger.tx() as s:
        pub = publications.publish(s, ledger.user(s, "approver1"), ledger.book(s), 2026, 3, store, root)
        return root, root / pub.folder


def test_the_month_publishes_arrears_per_building_the_collection_rate_budget_bank_and_revenues_to_the_fen(compound):
    _root, folder = compound
    trust = json.loads((folder / "trust.json").read_text("utf-8"))
    ar = trust["arrears"]
    assert ar["as_of"] == "2026-03-31" and ar["buckets"] == ["current", "1-3", "4-6", "7-12", "over12"]
    got = {b["building"]: (b["units"], b["fen"]) for b in ar["buildings"]}
    assert got == {
        "1": (2, {"current": 23571, "1-3": 23571, "4-6": 0, "7-12": 0, "over12": 0, "total": 47142}),
        "2": (2, {"current": 26655, "1-3": 34655, "4-6": 8000, "7-12": 0, "over12": 0, "total": 69310}),
    }
    assert ar["total"]["fen"] == {"current": 50226, "1-3": 58226, "4-6": 8000, "7-12": 0, "over12": 0, "total": 116452}
    # The month's bills and the year's, collected as of the month's end; rates as exact text, half up.
    assert ar["total"]["month"] == {"billed_fen": 71228, "collected_fen": 21002, "rate": "29.49", "fraction": "10501/35614"}
    assert ar["total"]["ytd"] == {"billed_fen": 213684, "collected_fen": 105232, "rate": "49.25", "fraction": "26308/53421"}
    assert Fraction(105232, 213684) == Fraction(26308, 53421)
    one, two = ar["buildings"]
    assert (one["month"]["billed_fen"], one["month"]["collected_fen"], one["month"]["rate"]) == (44573, 21002, "47.12")
    assert (one["ytd"]["billed_fen"], one["ytd"]["collected_fen"], one["ytd"]["rate"]) == (133719, 86577, "64.75")
    assert (two["month"]["rate"], two["ytd"]["billed_fen"], two["ytd"]["collected_fen"], two["ytd"]["rate"]) == (
        "0.00", 79965, 18655, "23.33")
    assert "units" not in ar and "1-101" not in json.dumps(trust, ensure_ascii=False)

    # The budget against actual, citing the owners' resolution that approved it.
    bu = trust["budget"]
    assert bu["resolution"]["title"] == "2026年度物业服务预算" and bu["resolution"]["held_on"] == "2025-12-20"
    lines = {l["account"]: l for l in bu["lines"]}
    assert lines["4101"]["month"] == {"budget_fen": 71228, "actual_fen": 71228, "variance_fen": 0, "percent": "100.0"}
    assert lines["5101"]["annual_fen"] == 1200000
    assert lines["5101"]["month"] == {"budget_fen": 100000, "actual_fen": 123456, "variance_fen": 23456, "percent": "123.5"}
    assert lines["5101"]["ytd"] == {"budget_fen": 300000, "actual_fen": 323456, "variance_fen": 23456, "percent": "107.8"}
    assert bu["totals"]["expense"]["ytd"]["actual_fen"] == 323456

    (acct,) = trust["bank"]
    assert (acct["account"], acct["bank_closing_fen"], acct["book_fen"], acct["difference_fen"], acct["reconciled"]) == (
        "1002", 931776, 931776, 0, True)
    assert [(i["kind"], i["date"], i["fen"], i["entry"] is not None) for i in acct["items"]] == [
        ("book_in", "2026-03-12", 50000, True), ("bank_in", "2026-03-18", 50000, False)]
    assert acct["items"][1]["description_zh"] == "银行已收款，账上尚未记录"

    ads, lease = trust["revenues"]["contracts"]
    assert ads["counterparty"] == "分众传媒" and ads["kind_zh"] == "广告"
    # Due on 1 January, received only on 2 April: overdue at the end of March.
    assert (ads["expected_fen"], ads["received_fen"], ads["overdue_fen"]) == (300000, 0, 300000)
    assert ads["overdue"] == [{"date": "2026-01-01", "outstanding_fen": 300000}]
    assert lease["counterparty"] == "个人" and lease["counterparty_en"] == "an individual"  # an owner rents it
    assert (lease["month_expected_fen"], lease["month_received_fen"], lease["expected_fen"], lease["received_fen"],
            lease["overdue"]) == (50000, 50000, 150000, 150000, [])
    assert trust["revenues"]["totals"]["overdue_fen"] == 300000
    published = json.loads((folder / "entries.json").read_text("utf-8"))  # the receipt's summary names no owner
    assert [e["summary"] for e in published if "停车" in e["summary"]] == ["收 个人 停车收益"]

    # verify.py recomputes the sums and rates: figures signed that do not add up (a bug, or a key in the wrong
    # hands) are named.
    assert verify.check_trust(trust) == []
    trust["arrears"]["buildings"][0]["fen"]["current"] += 1
    trust["budget"]["lines"][0]["month"]["variance_fen"] += 1
    trust["arrears"]["total"]["ytd"]["rate"] = "49.26"
    found = verify.check_trust(trust)
    assert len(found) == 4, found  # the building's total, the buildings' sum, the variance and the rate


def test_the_trust_figures_are_signed_with_the_month_verified_and_printed(compound, db_url, tmp_path):
    root, folder = compound
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert "trust.json" in {f["path"] for f in manifest["files"]}
    out = publications.export(SimpleNamespace(folder=folder.relative_to(root).as_posix()), root, tmp_path / "export")
    env = dict(os.environ, PYTHONPATH="")
    done = subprocess.run([sys.executable, str(out / "verify.py"), str(out)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    # A changed figure shows: the file no longer has its listed SHA-256, and re-signing is not possible.
    doc = json.loads((out / "trust.json").read_text("utf-8"))
    doc["arrears"]["total"]["month"]["rate"] = "95.00"
    (out / "trust.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    done = subprocess.run([sys.executable, str(out / "verify.py"), str(out)], capture_output=True, text=True, env=env)
    assert done.returncode == 1 and "trust.json" in done.stdout

    # The statements PDF and the poster print them, in Chinese with English beside.
    text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument((folder / "statements.pdf").read_bytes()))
    flat = "".join(text.split())
    for words in ("物业费欠费与收缴率", "29.49%", "49.25%", "1,164.52", "预算执行", "2026年度物业服务预算", "107.8%",
                  "银行对账", "9,317.76", "银行已收款，账上尚未记录", "公共收益", "分众传媒", "逾期", "Bankreconciliation"):
        assert words in flat, words
    assert not any(n in flat for n in NEEDLES)
    poster = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument((folder / "poster.pdf").read_bytes()))
    assert "29.49%" in "".join(poster.split())

    # The zip the public site hands out holds them beside verify.py.
    from public_site import create_app

    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(root), "TESTING": True})
    data = app.test_client().get("/T1/2026-03/v1/export.zip").get_data()
    app.extensions["ledger_engine"].dispose()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "T1-2026-03-v1/trust.json" in names and "T1-2026-03-v1/verify.py" in names


def test_the_month_page_shows_the_figures_and_no_owner_anywhere_public(compound, db_url, tmp_path):
    from public_site import create_app
    from public_site.static_export import export_static

    root, folder = compound
    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(root), "TESTING": True})
    client = app.test_client()
    page = client.get("/T1/2026-03/").text
    english = client.get("/en/T1/2026-03/").text
    assert 'data-testid="collection-month">29.49%' in page and 'data-testid="collection-ytd">49.25%' in page
    assert "1,164.52" in page and "693.10" in page and "80.00" in page
    assert "2026年度物业服务预算" in page and "234.56" in page and "123.5%" in page and "107.8%" in page
    assert "银行已收款，账上尚未记录" in page and "9,317.76" in page
    assert "分众传媒" in page and 'data-testid="overdue"' in page and "3,000.00" in page and "个人" in page
    assert "received by the bank, not yet in the books" in english and "an individual" in english
    assert "Fees outstanding" in english and "Budget against actual" in english
    for section in ("arrears", "budget", "bank", "revenues"):  # each wide table scrolls in its own box
        part = page.split(f'data-testid="{section}"', 1)[1].split("</section>", 1)[0]
        assert '<div class="scroll"' in part

    def live(path):
        response = client.get(path)
        data = response.get_data()
        response.close()
        return response.status_code, data

    found = crawl(live)
    export_static(app, tmp_path / "static")
    app.extensions["ledger_engine"].dispose()
    for where in list(root.rglob("*")) + list((tmp_path / "static").rglob("*")):
        if where.is_file():
            found[str(where)] = texts_of(where.name, where.read_bytes())
    assert any(p.endswith("/files/trust.json") for p in found)
    leaks = [f"{needle} in {path}" for path, texts in found.items() for text in texts for needle in NEEDLES
             if needle in text]
    assert leaks == [] and _leaks(found) == []


def test_a_book_without_units_budget_bank_rows_or_contracts_publishes_no_trust_figures(ledger, tmp_path):
    ledger.post(D(2026, 3, 2), "收3月物业费", ("1002", "GEN", "5000.00"), ("4101", "GEN", "-5000.00"))
    ledger.close(2026, 3)
    with ledger.tx() as s:
        pub = publications.publish(s, ledger.user(s, "approver1"), ledger.book(s), 2026, 3, vouchers.VoucherStore(tmp_path / "v"),
                                   tmp_path / "pub")
    folder = tmp_path / "pub" / pub.folder
    assert not (folder / "trust.json").exists()
    assert "trust.json" not in {f["path"] for f in json.loads((folder / "manifest.json").read_text())["files"]}

