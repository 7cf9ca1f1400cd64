"""The trust's operations through the JSON API, on both databases: figures to the fen, as a user would check them.

The compound (rates from 2026-01-01: residential 2.35/㎡, shop 4.10/㎡, parking 80.00 fixed):
  1-101 residential 89.37 ㎡ -> 210.02     1-102 residential 100.30 ㎡ -> 235.71     (building 1: 445.73 a month)
  2-101 shop 45.50 ㎡ -> 186.55            2-P01 parking -> 80.00                    (building 2: 266.55 a month)
  a month: 712.28. 张三 owns 1-101 and 2-P01: 3 owners.
January and February are billed; 1-101 pays 500.00 by WeChat on 01-15 (210.02 of fees, 289.98 prepaid, of which
February uses 210.02: 79.96 left); 1-102 pays 100.00 in cash on 01-20. On 2026-05-31 January is 4 months old (4-6)
and February 3 (1-3).
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from ledger.db.schema import AuditEvent, BankStatementRow, Entry, FeeRate, Unit
from ledger.services import budgets, remuneration, resolutions, revenues

from ..conftest import D

BOOK = "/api/v1/books/T1"
REGISTER = """楼栋,房号,建筑面积,用途,业主,电话
1,101,89.37,住宅,张三,13800000001
1,102,100.30,住宅,李四,13800000002
2,101,45.50,商铺,王五,
2,P01,12.50,车位,张三,13800000001
"""
STATEMENT = """账号:,6222000011112222
户名:,测试小区业主大会
交易日期,交易流水号,摘要,对方户名,转入金额,转出金额,余额
2026-03-01,,期初余额,,,,"10,000.00"
2026-03-02,ICBC0001,停车费,张三,"1,200.50",,"11,200.50"
2026-03-05,ICBC0002,电梯维保,某电梯公司,,"3,000.00","8,200.50"
2026-03-10,ICBC0003,广告收入,某传媒,500.00,,"8,700.50"
合计笔数:,3
"""


def upload(client, url, text: str, name: str, encoding="utf-8", **form):
    data = dict(form, file=(io.BytesIO(text.encode(encoding)), name))
    return client.post(url, data=data, content_type="multipart/form-data")


def assert_error(response, status: int, code: str, field="__any__") -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == code, body
    assert body["message"]["zh_CN"] and body["message"]["en"], body
    if field != "__any__":
        assert body["field"] == field, body
    return body


def approve(api, entry_id: int, who="approver1") -> dict:
    response = api(who).post(f"{BOOK}/entries/{entry_id}/approve")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "posted"
    return response.get_json()


def count(ledger, model) -> int:
    with ledger.tx() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.fixture
def compound(api, ledger):
    """The compound above, made through the API: register, rates, two billing runs and two payments, all posted."""
    maker, clerk = api("maker"), api("clerk")
    imported = upload(maker, f"{BOOK}/units/import", REGISTER, "units.csv")
    assert imported.status_code == 200, imported.get_json()
    assert imported.get_json() == {"added": 4, "updated": 0, "unchanged": 0, "owners_added": 3}
    for use, basis, rate in (("residential", "per_m2", "2.35"), ("shop", "per_m2", "4.10"), ("parking", "fixed", "80.00")):
        made = maker.post(f"{BOOK}/fees/rates", json={"use": use, "basis": basis, "rate": rate,
                                                      "effective_from": "2026-01-01"})
        assert made.status_code == 201, made.get_json()

    january = clerk.post(f"{BOOK}/fees/billing-runs", json={"period": "2026-01"})
    assert january.status_code == 201, january.get_json()
    run = january.get_json()
    assert (run["created"], run["units"], run["billed"], run["prepaid_used"], run["skipped"]) == (True, 4, "712.28", "0.00", [])
    assert run["entry"]["status"] == "submitted" and run["message"]["en"].startswith("billed 2026-01")
    approve(api, run["entry"]["id"])

    payment = {"unit": "1-101", "amount": "500.00", "date": "2026-01-15", "channel": "wechat", "reference": "WX-4200001"}
    paid = clerk.post(f"{BOOK}/fees/payments", json=payment, headers={"Idempotency-Key": "wx-4200001"})
    assert paid.status_code == 201, paid.get_json()
    # the same payment sent again (a lost answer, a retry) is recorded once; the key for another payment is refused
    made = count(ledger, Entry)
    again = clerk.post(f"{BOOK}/fees/payments", json=dict(payment, idempotency_key="wx-4200001"))
    assert again.status_code == 200 and again.get_json() == paid.get_json()
    assert_error(clerk.post(f"{BOOK}/fees/payments", json=dict(payment, amount="50.00"),
                            headers={"Idempotency-Key": "wx-4200001"}), 409, "idempotency_conflict", "idempotency_key")
    assert count(ledger, Entry) == made
    assert {k: paid.get_json()[k] for k in ("unit", "amount", "to_receivable", "to_prepaid")} == {
        "unit": "1-101", "amount": "500.00", "to_receivable": "210.02", "to_prepaid": "289.98"}
    approve(api, paid.get_json()["entry"]["id"])
    cash = clerk.post(f"{BOOK}/fees/payments", json={"unit": "1-102", "amount": "100", "date": "2026-01-20",
                                                     "channel": "cash"})
    assert cash.status_code == 201 and cash.get_json()["to_receivable"] == "100.00" and cash.get_json()["to_prepaid"] == "0.00"
    approve(api, cash.get_json()["entry"]["id"])

    february = clerk.post(f"{BOOK}/fees/billing-runs", json={"period": "2026-02"})
    assert february.status_code == 201
    assert (february.get_json()["billed"], february.get_json()["prepaid_used"]) == ("712.28", "210.02")
    approve(api, february.get_json()["entry"]["id"])
    return ledger


def test_register_rates_billing_payments_and_arrears_to_the_fen(compound, api):
    maker, clerk, reader = api("maker"), api("clerk"), api("reader")

    register = maker.get(f"{BOOK}/units").get_json()
    assert register["totals"] == {"units": 4, "owners": 3, "area_m2": "247.67"}
    assert [(u["label"], u["area_m2"], u["use"], [o["name"] for o in u["owners"]]) for u in register["units"]] == [
        ("1-101", "89.37", "residential", ["张三"]), ("1-102", "100.30", "residential", ["李四"]),
        ("2-101", "45.50", "shop", ["王五"]), ("2-P01", "12.50", "parking", ["张三"])]
    assert register["units"][0]["owners"][0]["phone"] == "13800000001"
    # names and phones are for those who may read the register: a viewer is refused the listing
    refused = assert_error(reader.get(f"{BOOK}/units"), 403, "permission_denied")
    assert "张三" not in str(refused) and "1380" not in str(refused)
    assert api("watcher").get(f"{BOOK}/units").status_code == 200  # the supervisor reads it

    rates = reader.get(f"{BOOK}/fees/rates").get_json()
    assert [(r["use"], r["basis"], r["rate"], r["effective_from"]) for r in rates] == [
        ("residential", "per_m2", "2.35", "2026-01-01"), ("shop", "per_m2", "4.10", "2026-01-01"),
        ("parking", "fixed", "80.00", "2026-01-01")]

    # billing a month again makes nothing: 200, created false, the entry made the first time
    entries_before = count(compound, Entry)
    again = clerk.post(f"{BOOK}/fees/billing-runs", json={"period": "2026-01"})
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert again.get_json()["entry"]["status"] == "posted" and "nothing was created" in again.get_json()["message"]["en"]
    assert count(compound, Entry) == entries_before

    arrears = maker.get(f"{BOOK}/fees/arrears?as_of=2026-05-31").get_json()
    assert arrears["as_of"] == "2026-05-31" and arrears["buckets"] == ["current", "1-3", "4-6", "7-12", "over12"]
    buildings = {b["building"]: b for b in arrears["buildings"]}
    assert {k: buildings["1"][k] for k in ("current", "1-3", "4-6", "7-12", "over12", "total")} == {
        "current": "0.00", "1-3": "235.71", "4-6": "135.71", "7-12": "0.00", "over12": "0.00", "total": "371.42"}
    assert {k: buildings["2"][k] for k in ("1-3", "4-6", "total")} == {"1-3": "266.55", "4-6": "266.55", "total": "533.10"}
    assert arrears["total"] == {"current": "0.00", "1-3": "502.26", "4-6": "402.26", "7-12": "0.00", "over12": "0.00",
                                "total": "904.52"}
    # 收缴率: collected against each month's billing (520.04 of building 1's 891.46; nothing of building 2's 533.10)
    assert buildings["1"]["collection"] == {"billed": "891.46", "collected": "520.04", "rate": "58.34",
                                            "fraction": "26002/44573"}
    assert buildings["2"]["collection"]["rate"] == "0.00"
    assert [(m["period"], m["billed"], m["collected"], m["rate"]) for m in arrears["months"]] == [
        ("2026-01", "712.28", "310.02", "43.53"), ("2026-02", "712.28", "210.02", "29.49")]
    assert [(y["year"], y["billed"], y["collected"], y["rate"]) for y in arrears["years"]] == [
        (2026, "1424.56", "520.04", "36.51")]
    units = {u["unit"]: u for u in arrears["units"]}
    assert (units["1-101"]["total"], units["1-101"]["prepaid"]) == ("0.00", "79.96")
    assert (units["1-102"]["4-6"], units["1-102"]["1-3"], units["1-102"]["total"]) == ("135.71", "235.71", "371.42")
    assert sum(int(u["total"].replace(".", "")) for u in arrears["units"]) == 90452

    # the book agrees to the fen: receivable 904.52 open, 79.96 prepaid, 1,424.56 of fee income
    balances = {r["code"]: r["balance"] for r in maker.get(f"{BOOK}/trial-balance").get_json()["rows"]}
    assert (balances["1122"], balances["2202"], balances["4101"]) == ("904.52", "-79.96", "-1424.56")
    assert (balances["1012"], balances["1001"]) == ("500.00", "100.00")

    # a viewer sees the buildings, never a unit; asking for units is refused
    shown = reader.get(f"{BOOK}/fees/arrears?as_of=2026-05-31")
    assert shown.status_code == 200 and "units" not in shown.get_json()
    assert shown.get_json()["total"]["total"] == "904.52"
    assert_error(reader.get(f"{BOOK}/fees/arrears?as_of=2026-05-31&per_unit=true"), 403, "permission_denied")
    assert_error(reader.get(f"{BOOK}/fees/arrears?as_of=2026-05-31&per_unt=1"), 422, "validation_error", "per_unt")


def test_budget_revenues_and_remuneration_read_through_the_api(compound, api):
    ledger = compound
    with ledger.tx() as s:
        book, committee = ledger.book(s), ledger.user(s, "approver1")
        budgets.set_budget(s, committee, book, 2026, [budgets.LineInput("4101", "GEN", 900000, "warn")])
        remuneration.set_contract(s, committee, book, "percent", D(2026, 1, 1), percent_bp=1200)
        contract = revenues.add_contract(s, ledger.user(s, "maker"), book, "某传媒", "advertising", "4201", 100000,
                                         "monthly", D(2026, 1, 1))
        receipt = revenues.receive(s, ledger.user(s, "maker"), book, contract, D(2026, 1, 10), 100000)
        receipt_id = receipt.id
    approve(api, receipt_id)
    reader = api("reader")

    report = reader.get(f"{BOOK}/budgets/2026?month=2").get_json()
    [line] = report["lines"]
    assert (line["account"], line["fund"], line["annual"], line["on_overrun"]) == ("4101", "GEN", "9000.00", "warn")
    assert line["month"] == {"budget": "750.00", "actual": "712.28", "variance": "-37.72", "percent": "95.0"}
    assert line["ytd"] == {"budget": "1500.00", "actual": "1424.56", "variance": "-75.44", "percent": "95.0"}
    assert report["totals"]["income"]["ytd"]["actual"] == "1424.56" and report["month"] == 2
    assert reader.get(f"{BOOK}/budgets/2025").get_json()["lines"] == []
    assert_error(reader.get(f"{BOOK}/budgets/2026?month=13"), 422, "validation_error", "month")

    [standing] = reader.get(f"{BOOK}/revenues?as_of=2026-03-15").get_json()
    assert (standing["counterparty"], standing["account"], standing["amount"], standing["schedule"]) == (
        "某传媒", "4201", "1000.00", "monthly")
    assert (standing["expected"], standing["received"], standing["overdue"]) == ("3000.00", "1000.00", "2000.00")
    assert [(d["date"], d["paid"], d["overdue"]) for d in standing["dues"]] == [
        ("2026-01-01", "1000.00", False), ("2026-02-01", "0.00", True), ("2026-03-01", "0.00", True)]

    # 12% of the fees collected in January (500.00 + 100.00)
    month = reader.get(f"{BOOK}/remuneration/2026-01").get_json()
    assert (month["collected_fees"], month["amount"], month["accrual"]) == ("600.00", "72.00", None)
    assert month["contract"]["kind"] == "percent" and month["contract"]["percent"] == "12"
    assert "12%" in month["calculation"] and "600.00" in month["calculation"]
    none = reader.get(f"{BOOK}/remuneration/2025-12").get_json()
    assert (none["contract"], none["amount"], none["collected_fees"]) == (None, None, "0.00")
    assert_error(reader.get(f"{BOOK}/remuneration/1999-12"), 400, "invalid_input", "period")


def test_a_bank_statement_imported_twice_adds_nothing_the_second_time(compound, api):
    clerk = api("clerk")
    compound.post(D(2026, 2, 15), "期初资金", ("1002", "GEN", "10000.00"), ("4901", "GEN", "-10000.00"))
    compound.post(D(2026, 3, 4), "收停车费 ICBC0001", ("1002", "GEN", "1200.50"), ("4202", "GEN", "-1200.50"))

    first = upload(clerk, f"{BOOK}/bank/statements", STATEMENT, "march.csv", encoding="gbk")
    assert first.status_code == 201, first.get_json()
    assert {k: first.get_json()[k] for k in ("added", "duplicates", "refused", "profile", "months")} == {
        "added": 3, "duplicates": 0, "refused": [], "profile": "icbc", "months": ["2026-03"]}
    second = upload(clerk, f"{BOOK}/bank/statements", STATEMENT, "march-again.csv", encoding="utf-8-sig",
                    profile="icbc")
    assert second.status_code == 201
    assert (second.get_json()["added"], second.get_json()["duplicates"]) == (0, 3)
    assert count(compound, BankStatementRow) == 3

    matched = clerk.post(f"{BOOK}/bank/match/2026-03", json={})
    assert matched.status_code == 200, matched.get_json()
    assert (matched.get_json()["matched"], matched.get_json()["unmatched"]) == (1, 2)
    assert matched.get_json()["matches"][0]["amount"] == "1200.50"

    rec = api("watcher").get(f"{BOOK}/bank/reconciliation/2026-03").get_json()
    assert (rec["bank_closing"], rec["book_balance"], rec["difference"], rec["reconciled"]) == (
        "8700.50", "11200.50", "-2500.00", False)
    assert [(r["serial"], r["amount"]) for r in rec["unmatched_bank_rows"]] == [("ICBC0002", "-3000.00"), ("ICBC0003", "500.00")]
    # the rows name payers: not for a viewer
    assert_error(api("reader").get(f"{BOOK}/bank/reconciliation/2026-03"), 403, "permission_denied")

    # a file whose running balance breaks is refused whole, the row named, nothing added
    broken = STATEMENT.replace('"8,700.50"', '"8,799.50"').replace("ICBC000", "ICBC100")
    refused = upload(clerk, f"{BOOK}/bank/statements", broken, "broken.csv")
    body = assert_error(refused, 400, "statement_refused", "file")
    assert body["problems"] and all(set(p["message"]) == {"zh_CN", "en"} for p in body["problems"])
    assert any(p["row"] for p in body["problems"])
    assert count(compound, BankStatementRow) == 3


UNITS_OF_100 = "building,unit,area_m2,use,owner\n" + "".join(f"1,{n},100.00,residential,业主{n}\n" for n in range(101, 107))


@pytest.mark.parametrize("matter, votes, passed, approval", [
    # 4 of 6 owners (400 of 600 ㎡) vote: participation exactly 2/3, which is enough ("以上" includes the bound)
    ("ordinary", ["agree", "agree", "against", "against"], False, "1/2"),  # exactly half: not more than half
    ("ordinary", ["agree", "agree", "agree", "against"], True, "3/4"),
    ("special", ["agree", "agree", "agree", "against"], True, "3/4"),  # exactly three quarters: enough
    ("special", ["agree", "agree", "against", "abstain"], False, "1/2"),
])
def test_a_tally_at_the_exact_boundaries(api, ledger, matter, votes, passed, approval):
    maker = api("maker")
    assert upload(maker, f"{BOOK}/units/import", UNITS_OF_100, "units.csv").status_code == 200
    csv = "unit,vote\n" + "".join(f"1-{101 + i},{v}\n" for i, v in enumerate(votes))
    response = upload(maker, f"{BOOK}/resolutions/tally", csv, "votes.csv", matter=matter)
    assert response.status_code == 200, response.get_json()
    t = response.get_json()
    assert t["participation"]["area"] == {"fraction": "2/3", "decimal": "0.666667", "percent": "66.67%"}
    assert t["participation"]["owners"]["fraction"] == "2/3" and t["participation"]["met"] is True
    assert t["approval"]["area"]["fraction"] == t["approval"]["owners"]["fraction"] == approval
    assert t["approval"]["required"] == ("3/4" if matter == "special" else "> 1/2")
    assert t["passed"] is passed and t["matter"] == matter
    assert (t["totals"], t["voted"]["units"]) == ({"area_centi_m2": 60000, "owners": 6}, 4)
    with ledger.tx() as s:  # a tally records nothing
        assert s.scalar(select(func.count()).select_from(resolutions.Resolution)) == 0


def test_recorded_resolutions_and_who_sees_the_votes(api, ledger):
    assert upload(api("maker"), f"{BOOK}/units/import", UNITS_OF_100, "units.csv").status_code == 200
    votes = "unit,vote\n1-101,同意\n1-102,同意\n1-103,同意\n1-104,反对\n"
    with ledger.tx() as s:
        found = resolutions.record(s, ledger.user(s, "approver1"), ledger.book(s), "更换电梯", "special", D(2026, 4, 18),
                                   votes.encode(), "votes.csv")
        rid = found.id
    [listed] = api("reader").get(f"{BOOK}/resolutions").get_json()
    assert (listed["id"], listed["title"], listed["status"], listed["held_on"]) == (rid, "更换电梯", "passed", "2026-04-18")
    for_reader = api("reader").get(f"{BOOK}/resolutions/{rid}").get_json()
    assert for_reader["votes"] is None and for_reader["tally"]["approval"]["area"]["fraction"] == "3/4"
    assert for_reader["tally"]["passed"] is True
    for_committee = api("approver1").get(f"{BOOK}/resolutions/{rid}").get_json()
    assert for_committee["votes"][:2] == [{"unit": "1-101", "vote": "agree"}, {"unit": "1-102", "vote": "agree"}]
    assert_error(api("reader").get(f"{BOOK}/resolutions/{rid + 1}"), 404, "not_found", "resolution")
    # a viewer may not tally a votes file against the register
    assert_error(upload(api("reader"), f"{BOOK}/resolutions/tally", votes, "v.csv", matter="special"), 403,
                 "permission_denied")


def test_callers_without_the_right_are_refused_and_nothing_changes(api, ledger):
    reader, clerk, outsider, maker = api("reader"), api("clerk"), api("outsider"), api("maker")
    audit_before = count(ledger, AuditEvent)  # after the tokens were made (that is on record)
    refusals = [
        upload(reader, f"{BOOK}/units/import", REGISTER, "units.csv"),
        reader.post(f"{BOOK}/fees/rates", json={"use": "residential", "basis": "per_m2", "rate": "2.35",
                                                "effective_from": "2026-01-01"}),
        # the trustee runs the estate but never sets the rates
        clerk.post(f"{BOOK}/fees/rates", json={"use": "residential", "basis": "per_m2", "rate": "9.99",
                                               "effective_from": "2026-01-01"}),
        reader.post(f"{BOOK}/fees/billing-runs", json={"period": "2026-01"}),
        reader.post(f"{BOOK}/fees/payments", json={"unit": "1-101", "amount": "1.00", "date": "2026-01-15",
                                                   "channel": "cash"}),
        upload(reader, f"{BOOK}/bank/statements", STATEMENT, "march.csv"),
        reader.post(f"{BOOK}/bank/match/2026-03", json={}),
        # refused before the body is read: a malformed request learns nothing more
        reader.post(f"{BOOK}/fees/billing-runs", json={"period": "not a month"}),
    ]
    for response in refusals:
        body = assert_error(response, 403, "permission_denied")
        assert "需要" in body["message"]["zh_CN"] and "needs" in body["message"]["en"]
    assert_error(outsider.get(f"{BOOK}/fees/rates"), 403, "permission_denied")
    assert_error(maker.get("/api/v1/books/NOPE/units"), 404, "not_found", "book")
    assert (count(ledger, Unit), count(ledger, FeeRate), count(ledger, Entry), count(ledger, BankStatementRow)) == (0, 0, 0, 0)
    assert count(ledger, AuditEvent) == audit_before


def test_bad_input_is_refused_in_both_languages_naming_the_row_or_field(api, ledger):
    maker, clerk = api("maker"), api("clerk")
    bad = REGISTER.replace("1,102,100.30", "1,102,一百").replace("2,P01,12.50,车位", "2,P01,12.50,仓库")
    body = assert_error(upload(maker, f"{BOOK}/units/import", bad, "units.csv"), 400, "register_file_invalid")
    where = {(p["row"], p["column"]) for p in body["problems"]}
    assert where == {(3, "area_m2"), (5, "use")}, body["problems"]
    area = next(p for p in body["problems"] if p["column"] == "area_m2")
    assert area["message"]["zh_CN"].startswith("第3行“建筑面积”列") and area["message"]["en"].startswith("row 3, column area_m2")
    assert "第3行" in body["message"]["zh_CN"] and "row 5" in body["message"]["en"]
    assert count(ledger, Unit) == 0  # all or nothing

    assert_error(maker.post(f"{BOOK}/units/import", data={}, content_type="multipart/form-data"), 422,
                 "validation_error", "file")
    refused = assert_error(clerk.post(f"{BOOK}/fees/payments", json={"unit": "1-101", "amount": "12.345",
                                                                     "date": "2026-01-15", "channel": "cash"}),
                           422, "validation_error", "amount")
    assert "金额" in refused["message"]["zh_CN"] and "decimal string" in refused["message"]["en"]
    assert_error(clerk.post(f"{BOOK}/fees/payments", json={"unit": "9-909", "amount": "12.34", "date": "2026-01-15",
                                                           "channel": "cash"}), 404, "not_found", "unit")
    assert_error(clerk.post(f"{BOOK}/fees/payments", json={"unit": "1-101", "amount": "12.34", "date": "2026-01-15",
                                                           "channel": "cheque"}), 422, "validation_error", "channel")
    assert_error(clerk.post(f"{BOOK}/fees/billing-runs", json={"period": "2026-13"}), 422, "validation_error", "period")
    # no rate yet: nothing can be billed, and the refusal says what to do
    nothing = assert_error(clerk.post(f"{BOOK}/fees/billing-runs", json={"period": "2026-01"}), 409, "invalid_state",
                           "period")
    assert "收费标准" in nothing["message"]["zh_CN"] and "fee rates" in nothing["message"]["en"]
    assert_error(maker.post(f"{BOOK}/fees/rates", json={"use": "residential", "basis": "per_m2", "rate": "2.35",
                                                        "effective_from": "2026-01-15"}), 400, "invalid_input", "from")
    assert_error(maker.post(f"{BOOK}/fees/rates", json={"use": "residential", "basis": "per_m2", "rate": "2.355555",
                                                        "effective_from": "2026-01-01"}), 422, "validation_error", "rate")
    votes = assert_error(upload(maker, f"{BOOK}/resolutions/tally", "unit,vote\n1-101,maybe\n", "v.csv",
                                matter="ordinary"), 400, "votes_file_invalid")
    assert {(p["row"], p["column"]) for p in votes["problems"]} == {(2, "unit"), (2, "vote")}
    assert (count(ledger, Unit), count(ledger, FeeRate), count(ledger, Entry)) == (0, 0, 0)
