"""The remuneration, budget and revenue pages: forms that record, figures shown, tables exported as numbers."""
from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from ledger.domain.money import to_fen
from ledger.services import budgets, revenues
from ledger.services.budgets import LineInput

from ..conftest import D


def test_the_committee_sets_the_contract_and_the_page_shows_the_accrual(ledger, sign_in):
    committee = sign_in("approver1")
    done = committee.post("/books/T1/remuneration", {"kind": "percent", "percent": "12", "cap": "6000.00",
                                                     "effective_from": "2025-01-01"}, page="/books/T1/remuneration")
    assert done.status_code == 302
    ledger.post(D(2025, 1, 10), "收物业费", ("1002", "GEN", "45000.00"), ("1122", "GEN", "-45000.00"))
    ledger.close(2025, 1)
    page = committee.get("/books/T1/remuneration").text
    assert "12.00%" in page and "6,000.00" in page
    assert "酬金 12% × 已收物业费 45,000.00 = 5,400.00（上限 6,000.00）" in page
    # the trustee cannot set its own remuneration; the form is not even offered
    trustee = sign_in("clerk")
    assert 'name="effective_from"' not in trustee.get("/books/T1/remuneration").text
    assert trustee.client.post("/books/T1/remuneration", data={"kind": "fixed"}).status_code in (400, 403)


def test_budget_page_and_xlsx_numbers(ledger, sign_in):
    with ledger.tx() as s:
        budgets.set_budget(s, ledger.user(s, "approver1"), ledger.book(s), 2025, [LineInput("5101", "GEN", to_fen("12000.00"), "warn")])
    ledger.post(D(2025, 2, 5), "保洁", ("5101", "GEN", "1500.00"), ("1002", "GEN", "-1500.00"))
    reader = sign_in("reader")
    page = reader.get("/books/T1/budget?year=2025&month=2").text
    assert "1,500.00" in page and "150.0" in page and "75.0" in page  # this month 150.0%, to date 1,500 of 2,000: 75.0%
    xlsx = reader.get("/books/T1/budget.xlsx?year=2025&month=2")
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    row = [c.value for c in ws[3]]
    assert row[0] == "5101" and row[4] == Decimal("12000.00") and row[6] == Decimal("1500.00") and row[8] == "150.0"
    assert not any(isinstance(v, str) and v.startswith("=") for r in ws.iter_rows(values_only=True) for v in r)
    committee = sign_in("approver1")
    committee.post("/books/T1/budget", {"year": "2025", "lines": "account,fund,amount,on_overrun\n5101,GEN,100,block\n"},
                   page="/books/T1/budget?year=2025")
    with ledger.tx() as s:
        assert budgets.budget_for(s, ledger.book(s), 2025).lines[0].on_overrun == "block"
    bad = committee.post("/books/T1/budget", {"year": "2025", "lines": "account,fund,amount\n5101,GEN,x\n"},
                         page="/books/T1/budget?year=2025")
    assert bad.status_code == 302
    assert "第 2 行" in committee.get(bad.headers["Location"]).text


def test_revenues_page_adds_receives_and_flags_overdue(ledger, sign_in):
    treasurer = sign_in("maker")
    treasurer.post("/books/T1/revenues", {"counterparty": "新潮传媒", "kind": "advertising", "account": "4201",
                                          "amount": "2000.00", "schedule": "monthly", "start": "2025-01-01",
                                          "end": "2025-03-31"}, page="/books/T1/revenues")
    with ledger.tx() as s:
        cid = revenues.contracts_of(s, ledger.book(s))[0].id
    got = treasurer.post("/books/T1/revenues/receive", {"contract": str(cid), "date": "2025-01-03", "amount": "2000.00"},
                         page="/books/T1/revenues")
    assert got.status_code == 302 and "/entries/" in got.headers["Location"]
    page = treasurer.get("/books/T1/revenues?as_of=2025-06-01").text
    assert "6,000.00" in page and "2025-01-01, 2025-02-01, 2025-03-01" in page  # nothing posted yet: all overdue
    assert "Awaiting approval:" in page or "待审批" in page
    from ledger.services import entries

    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.pending_approvals(s, book)[0]
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
    page = treasurer.get("/books/T1/revenues?as_of=2025-06-01").text
    assert "4,000.00" in page and "2025-02-01, 2025-03-01" in page and "2025-01-01, 2025-02-01" not in page


def test_the_entry_page_shows_a_budget_warning(ledger, sign_in):
    with ledger.tx() as s:
        budgets.set_budget(s, ledger.user(s, "approver1"), ledger.book(s), 2025, [LineInput("5102", "GEN", to_fen("100.00"), "warn")])
    ledger.post(D(2025, 3, 6), "维修", ("5102", "GEN", "150.00"), ("1002", "GEN", "-150.00"))
    from sqlalchemy import select

    from ledger.db.schema import Entry

    with ledger.tx() as s:
        entry_id = s.scalar(select(Entry.id).where(Entry.summary == "维修"))
    page = sign_in("reader").get(f"/books/T1/entries/{entry_id}").text
    assert 'data-testid="budget-warning"' in page and "150.00" in page and "50.00" in page
    audit = sign_in("approver1").get("/books/T1/audit").text
    assert "超预算过账（提醒）" in audit and "超支: 50.00" in audit  # said in words


def test_hostile_input_is_refused_plainly(ledger, sign_in):
    committee = sign_in("approver1")
    for data in ({"year": "2025", "lines": "account,fund,amount\n51\x0001,GEN,1\n"},
                 {"year": "2025", "lines": "account,fund,amount\n5101,G\x00EN,1\n"},
                 {"year": "99999999999999999999", "lines": ""}):
        got = committee.post("/books/T1/budget", data, page="/books/T1/budget")
        assert got.status_code in (302, 400)  # the app refuses a NUL in any form before it reaches us
    got = committee.post("/books/T1/revenues", {"counterparty": "a\x00b", "kind": "advertising", "account": "42\x0001",
                                                "amount": "1", "schedule": "monthly", "start": "2025-01-01"},
                         page="/books/T1/revenues")
    assert got.status_code in (302, 400)
    got = committee.post("/books/T1/revenues/receive", {"contract": "99999999999999999999", "date": "2025-01-01",
                                                        "amount": "1"}, page="/books/T1/revenues")
    assert got.status_code == 302
    assert committee.get("/books/T1/budget?year=99999999999&month=-1").status_code == 200
    assert committee.get("/books/T1/revenues?as_of=2999-12-31").status_code == 200
    with ledger.tx() as s:
        assert budgets.budget_for(s, ledger.book(s), 2025) is None and revenues.contracts_of(s, ledger.book(s)) == []
