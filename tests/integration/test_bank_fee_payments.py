"""A bank statement row booked as a unit's property-fee payment in one step: the unit read from the memo, or from
the payer named as an owner; allocated like a payment typed in by hand. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from ledger.db.schema import BankStatementRow, Owner, Unit, UnitOwner
from ledger.domain.errors import InvalidInput, InvalidState
from ledger.domain.fees import units_named_in
from ledger.services import bank, entries

from ..conftest import D
from .test_billing import balances, compound, run  # noqa: F401  (the hand-computed compound and its helpers)

STATEMENT = """交易日期,交易流水号,摘要,对方户名,转入金额,转出金额,余额
2026-02-01,,期初余额,,,,"1,000.00"
2026-02-03,B001,１号楼101室物业费,王某,300.00,,"1,300.00"
2026-02-04,B002,物业费,李大山,80.00,,"1,380.00"
2026-02-05,B003,物业费 1-102 2-101,赵某,100.00,,"1,480.00"
2026-02-06,B004,保洁外包,某公司,,50.00,"1,430.00"
"""


def test_units_are_read_from_a_memo_whole_never_in_part():
    units = [("1", "101"), ("1", "102"), ("13", "101"), ("2", "P01")]
    assert units_named_in("１号楼101室物业费", units) == [("1", "101")]
    assert units_named_in("13-101 缴费", units) == [("13", "101")]
    assert units_named_in("1栋1012", units) == []
    assert units_named_in("车位 2#p01", units) == [("2", "P01")]


def test_a_row_becomes_the_units_payment_for_approval(compound):  # noqa: F811
    ledger = compound
    run(ledger, 2026, 1)
    ledger.post(D(2026, 1, 20), "期初资金", ("1002", "GEN", "1000.00"), ("4901", "GEN", "-1000.00"))
    with ledger.tx() as s:
        book = ledger.book(s)
        owner = Owner(book_id=book.id, name="李大山", phone="13900000000")
        s.add(owner)
        s.flush()
        parking = next(u for u in s.scalars(select(Unit)) if u.label == "2-P01")
        s.add(UnitOwner(unit_id=parking.id, owner_id=owner.id))
        bank.import_statement(s, ledger.user(s, "clerk"), book, "feb.csv", STATEMENT.encode("gbk"))
    with ledger.tx() as s:
        rows = {r.serial: r.id for r in s.scalars(select(BankStatementRow))}

    def book_row(serial, unit=""):
        with ledger.tx() as s:
            book = ledger.book(s)
            entry = bank.fee_payment_from_row(s, ledger.user(s, "clerk"), book, rows[serial], unit)
            assert entry.status == "submitted" and entry.source == "payment"
            entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
            return entry.id

    book_row("B001")  # the memo names 1-101 in full-width digits: 210.02 owed, 89.98 prepaid
    book_row("B002")  # no unit in the memo; the payer owns exactly one unit, the parking space: 80.00 owed
    assert balances(ledger)["1-101"] == (0, 8998) and balances(ledger)["2-P01"] == (0, 0)
    with pytest.raises(InvalidInput) as several:
        book_row("B003")
    assert several.value.field == "unit" and "多个房屋" in several.value.message_zh
    book_row("B003", unit="1-102")  # said by hand: 100.00 of its 235.71
    assert balances(ledger)["1-102"] == (13571, 0)
    with pytest.raises(InvalidInput):
        book_row("B004", unit="1-101")  # money going out is no fee payment
    with pytest.raises(InvalidState):
        book_row("B001")  # a row already booked
