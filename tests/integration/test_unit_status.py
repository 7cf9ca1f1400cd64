"""A unit taken off the register (sold and merged, demolished, entered in error) and put back, from a month's first
day: billing skips it, it has no vote and no refund share, its access code stops, and it cannot be dropped while it
holds open fees or a prepayment. SQLite and PostgreSQL.

The compound is test_billing.py's (rates from 2026-01-01): 1-101 210.02, 1-102 235.71, 2-101 186.55, 2-P01 80.00 a
month; 712.28 in all.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ledger.db.schema import AuditEvent, Unit, UnitAccessCode, UnitStatusChange
from ledger.domain.errors import InvalidInput, InvalidState, LedgerError, PermissionDenied
from ledger.services import billing, register, resolutions, unit_access

from ..conftest import D
from . import test_billing
from .test_billing import balances, pay, run
from .test_register import CSV_ZH

compound = test_billing.compound  # the fixture: test_billing.py's four units and rates


def _set(ledger, unit, active, day, reason="与1-101合并", by="approver1"):
    with ledger.tx() as s:
        return register.set_unit_active(s, ledger.user(s, by), ledger.book(s), unit, active, day, reason).id


def _changes(ledger):
    with ledger.tx() as s:
        return (s.scalar(select(func.count(UnitStatusChange.id))),
                {u.label: u.active for u in s.scalars(select(Unit))})


def _refused(ledger, unit, active, day, kind=InvalidState, **kw) -> LedgerError:
    before = _changes(ledger)
    with pytest.raises(kind) as refused:
        _set(ledger, unit, active, day, **kw)
    assert _changes(ledger) == before  # a refusal changes nothing
    return refused.value


def test_a_unit_with_open_fees_or_billed_months_cannot_be_dropped_and_billing_skips_it_once_off(compound):
    ledger = compound
    run(ledger, 2026, 1)
    e = _refused(ledger, "1-102", False, D(2026, 2, 1))
    assert "235.71" in e.message_zh and "235.71" in e.message_en and "0.00" in e.message_en
    pay(ledger, "1-102", 23571, D(2026, 1, 20))
    e = _refused(ledger, "1-102", False, D(2026, 1, 1))  # January is billed with it
    assert "2026-01" in e.message_en and "2026-02-01" in e.message_en and "2026-02-01" in e.message_zh
    _refused(ledger, "1-102", False, D(2026, 2, 15), kind=InvalidInput)  # not a month's first day
    _refused(ledger, "1-102", False, D(2026, 2, 1), kind=InvalidInput, reason="  ")
    _refused(ledger, "1-102", False, D(2026, 2, 1), kind=PermissionDenied, by="watcher")
    _set(ledger, "1-102", False, D(2026, 2, 1))
    _refused(ledger, "1-102", False, D(2026, 3, 1))  # already off

    # February bills three units: 712.28 - 235.71
    assert run(ledger, 2026, 2)[:3] == (True, 47657, 0)
    with ledger.tx() as s:
        t = register.totals(s, ledger.book(s), D(2026, 2, 1))
        assert (t.units, t.area) == (3, "147.37")
        assert register.totals(s, ledger.book(s), D(2026, 1, 31)).units == 4  # before the day it stood
        doc = billing.arrears(s, ledger.user(s, "approver1"), ledger.book(s), D(2026, 2, 28))
    assert [u["unit"] for u in doc["units"]] == ["1-101", "2-101", "2-P01"]  # nothing open: not listed
    months = {m["period"]: m for m in doc["months"]}
    assert (months["2026-01"]["billed"], months["2026-01"]["collected"]) == ("712.28", "235.71")
    assert months["2026-02"]["billed"] == "476.57"
    assert doc["total"]["total"] == "953.14"  # 476.57 open of January and of February

    # back on the register: not from February (billed without it), from March
    e = _refused(ledger, "1-102", True, D(2026, 2, 1), reason="登记有误")
    assert "2026-02" in e.message_en and "2026-03-01" in e.message_en
    _set(ledger, "1-102", True, D(2026, 3, 1), reason="合并撤销")
    assert run(ledger, 2026, 3)[:3] == (True, 71228, 0)
    _refused(ledger, "1-102", False, D(2026, 3, 1), kind=InvalidState)  # billed for March
    with ledger.tx() as s:
        events = [(a.action, json.loads(a.detail)["effective_from"]) for a in s.scalars(
            select(AuditEvent).where(AuditEvent.action.like("register.unit_%")).order_by(AuditEvent.id))]
    assert events == [("register.unit_off", "2026-02-01"), ("register.unit_back", "2026-03-01")]


def test_a_prepayment_or_a_payment_awaiting_approval_blocks_and_money_is_never_stranded(compound):
    ledger = compound
    pay(ledger, "2-P01", 10000, D(2026, 1, 5))  # nothing billed yet: 100.00 prepaid
    e = _refused(ledger, "2-P01", False, D(2026, 2, 1))
    assert "100.00" in e.message_zh and "100.00" in e.message_en
    entry_id = pay(ledger, "2-101", 5000, D(2026, 1, 6), approve=False)[0]
    e = _refused(ledger, "2-101", False, D(2026, 2, 1))
    assert f"#{entry_id}" in e.message_en
    # a unit off the register may still settle what it owes, but money cannot be prepaid to it
    run(ledger, 2026, 1)
    pay(ledger, "1-101", 10000, D(2026, 1, 10))
    pay(ledger, "1-101", 11002, D(2026, 1, 11))
    _set(ledger, "1-101", False, D(2026, 2, 1), reason="拆除")
    with pytest.raises(InvalidState) as refused, ledger.tx() as s:
        billing.record_payment(s, ledger.user(s, "clerk"), ledger.book(s), "1-101", 100, D(2026, 2, 2), "cash")
    assert "off the register" in refused.value.message_en
    assert balances(ledger)["1-101"] == (0, 0)


def test_off_the_register_a_unit_has_no_vote_no_code_and_no_refund_share(ledger):
    with ledger.tx() as s:
        register.import_units(s, ledger.user(s, "approver1"), ledger.book(s), CSV_ZH.encode(), "u.csv")
        label, _code = unit_access.issue(s, ledger.user(s, "clerk"), ledger.book(s), "2-201")
    first = dt.date.today().replace(day=1)
    _set(ledger, "2-201", False, first, reason="拆除")
    with ledger.tx() as s:
        book = ledger.book(s)
        assert s.scalar(select(func.count(UnitAccessCode.id)).where(UnitAccessCode.revoked_at.is_(None))) == 0
        with pytest.raises(InvalidState):
            unit_access.issue(s, ledger.user(s, "clerk"), book, "2-201")
        # 王五 held only 2-201: 266.87 ㎡ (367.00 less its 100.13) and two voters (1-101 and 1-102 joined by 张三; the
        # developer) are counted, not three
        votes = "unit,vote\n1-101,agree\n1-102,agree\n1-S1,against\n2-P-01,agree\n"
        t = resolutions.tally_file(s, ledger.user(s, "approver1"), book, votes.encode(), "v.csv", "ordinary").to_dict()
        assert t["totals"] == {"area_centi_m2": 26687, "owners": 2}
        assert t["participation"]["area"]["fraction"] == "1" and t["participation"]["owners"]["fraction"] == "1"
        with pytest.raises(resolutions.VotesFileError) as refused:
            resolutions.tally_file(s, ledger.user(s, "approver1"), book, (votes + "2-201,agree\n").encode(), "v.csv",
                                   "ordinary")
        assert "row 6, column unit: unit 2-201 is off the register and has no vote" in refused.value.message_en
        # an import naming the unit does not silently put it back
        before = s.scalar(select(Unit.active).where(Unit.number == "201"))
    with pytest.raises(LedgerError) as refused, ledger.tx() as s:
        register.import_units(s, ledger.user(s, "approver1"), ledger.book(s), CSV_ZH.encode(), "u.csv")
    assert "2-201" in refused.value.message_en and "put it back" in refused.value.message_en
    with ledger.tx() as s:
        assert s.scalar(select(Unit.active).where(Unit.number == "201")) is before is False


def test_a_refund_shares_only_among_units_on_the_register(compound):
    from ledger.db.schema import Resolution

    ledger = compound
    run(ledger, 2026, 1)
    for unit, fen in (("1-101", 21002), ("1-102", 23571), ("2-101", 18655), ("2-P01", 8000)):
        pay(ledger, unit, fen, D(2026, 1, 20))
    _set(ledger, "2-P01", False, D(2026, 2, 1), reason="车位并入公共区域")
    ledger.post(D(2026, 3, 1), "收广告费", ("1002", "GEN", "1000.00"), ("4201", "GEN", "-1000.00"))
    with ledger.tx() as s:
        r = Resolution(book_id=ledger.book(s).id, title="退还结余", matter="ordinary", held_on=D(2027, 1, 10),
                       status="passed", tally="{}", recorded_by_id=ledger.user(s, "approver1").id)
        s.add(r)
        s.flush()
        result = billing.refund_surplus(s, ledger.user(s, "approver1"), ledger.book(s), 2026, r.id, D(2027, 1, 15),
                                        amount_fen=100000)
    # 1,000.00 by area among 89.37 + 100.30 + 45.50 = 235.17 ㎡ (largest remainder), none to 2-P01
    assert result.shares == {"1-101": 38002, "1-102": 42650, "2-101": 19348}
    assert sum(result.shares.values()) == 100000


def test_the_register_page_and_the_cli(ledger, sign_in, db_url, monkeypatch):
    with ledger.tx() as s:
        register.import_units(s, ledger.user(s, "approver1"), ledger.book(s), CSV_ZH.encode(), "u.csv")
    keeper = sign_in("clerk")  # the trustee keeps the register
    page = keeper.get("/books/T1/units").text
    assert 'data-testid="unit-deactivate"' in page
    watcher = sign_in("watcher").get("/books/T1/units").text
    assert 'data-testid="unit-deactivate"' not in watcher and "/units/deactivate" not in watcher
    first = dt.date.today().replace(day=1).isoformat()
    refused = keeper.post("/books/T1/units/deactivate", {"unit": "1-101", "from": first[:8] + "15", "reason": "x"},
                          page="/books/T1/units")
    assert refused.status_code == 302
    assert _changes(ledger)[0] == 0
    done = keeper.post("/books/T1/units/deactivate", {"unit": "1-S1", "from": first, "reason": "商铺并入1-102"},
                       page="/books/T1/units")
    assert done.status_code == 302
    page = keeper.get("/books/T1/units").text
    assert 'data-testid="units-off"' in page and "商铺并入1-102" in page and 'data-testid="unit-reactivate-1-S1"' in page
    totals = keeper.get("/books/T1/units?lang=en").text
    assert "4 units, 4 owners" in totals and "322.00" in totals
    assert 'data-testid="unit-reactivate-1-S1"' not in sign_in("watcher").get("/books/T1/units").text
    assert sign_in("watcher").post("/books/T1/units/reactivate", {"unit": "1-S1", "from": first, "reason": "x"},
                                   page="/books/T1/units").status_code == 403

    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    from ledger.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["units", "list", "--book", "T1", "--as", "approver1", "--format", "json"])
    doc = json.loads(out.output)
    assert doc["totals"] == {"units": 4, "owners": 4, "area_m2": "322.00"}
    assert doc["off_register"] == [{"unit": "1-S1", "area_m2": "45.00", "from": first, "reason": "商铺并入1-102",
                                    "back_from": None}]
    earlier = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1).isoformat()
    bad = runner.invoke(main, ["units", "reactivate", "--book", "T1", "--unit", "1-S1", "--from", earlier, "--reason",
                               "撤销", "--as", "approver1"])
    assert bad.exit_code == 1 and "cannot be dated before" in bad.output
    nxt = (dt.date.today().replace(day=1) + dt.timedelta(days=32)).replace(day=1).isoformat()
    ok = runner.invoke(main, ["units", "reactivate", "--book", "T1", "--unit", "1-S1", "--from", nxt, "--reason",
                              "撤销合并", "--as", "approver1"])
    assert ok.exit_code == 0, ok.output
    assert f"1-S1 is back on the register from {nxt}" in ok.output
