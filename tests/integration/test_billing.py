"""Billing, payments, arrears and the unit sub-ledger on a small hand-computed compound (SQLite and PostgreSQL).

Units (rates from 2026-01-01: residential 2.35/㎡, shop 4.10/㎡, parking 80.00 fixed):
  1-101 residential 89.37 ㎡ -> 210.0195 -> 210.02      1-102 residential 100.30 ㎡ -> 235.705 -> 235.71
  2-101 shop 45.50 ㎡ -> 186.55                          2-P01 parking -> 80.00           month: 712.28
"""
from __future__ import annotations


import pytest
from sqlalchemy import select, text

from ledger.db.schema import Entry, EntryLine, EntryUnit, Unit
from ledger.domain.errors import LedgerError
from ledger.services import billing, entries
from ledger.services.verify import verify_book

from ..conftest import D

UNITS = [("1", "101", 8937, "residential"), ("1", "102", 10030, "residential"), ("2", "101", 4550, "shop"),
         ("2", "P01", 1250, "parking")]


@pytest.fixture
def compound(ledger):
    with ledger.tx() as s:
        book, maker = ledger.book(s), ledger.user(s, "maker")
        for building, number, area, use in UNITS:
            s.add(Unit(book_id=book.id, building=building, number=number, area_centi_m2=area, use=use))
        billing.set_rate(s, maker, book, "residential", "per_m2", 23500, D(2026, 1, 1))
        billing.set_rate(s, maker, book, "shop", "per_m2", 41000, D(2026, 1, 1))
        billing.set_rate(s, maker, book, "parking", "fixed", 800000, D(2026, 1, 1))
    return ledger


def run(ledger, year, month, approve=True, maker="maker"):
    with ledger.tx() as s:
        book = ledger.book(s)
        result = billing.run_billing(s, ledger.user(s, maker), book, year, month)
        if approve and result.created:
            entries.approve_entry(s, ledger.user(s, "approver1"), book, result.entry)
        return result.created, result.billed_fen, result.prepaid_used_fen, result.message


def pay(ledger, unit, fen, date, channel="wechat", approve=True):
    with ledger.tx() as s:
        book = ledger.book(s)
        result = billing.record_payment(s, ledger.user(s, "clerk"), book, unit, fen, date, channel, "REF-1")
        if approve:
            entries.approve_entry(s, ledger.user(s, "approver1"), book, result.entry)
        return result.entry.id, result.to_receivable_fen, result.to_prepaid_fen


def balances(ledger):
    with ledger.tx() as s:
        book = ledger.book(s)
        labels = {u.id: u.label for u in s.scalars(select(Unit))}
        return {labels[k]: v for k, v in billing.balances(s, book).items()}


def test_billing_payments_arrears_and_collection_rate(compound):
    ledger = compound
    created, billed, used, _ = run(ledger, 2026, 1)
    assert (created, billed, used) == (True, 71228, 0)
    again = run(ledger, 2026, 1)
    assert again[0] is False and "nothing was created" in again[3][1]
    with ledger.tx() as s:
        assert s.scalar(select(Entry.id).where(Entry.source == "billing").order_by(Entry.id.desc())) is not None
        assert len(list(s.scalars(select(Entry).where(Entry.source == "billing")))) == 1
        lines = {(l.account.code, l.amount_fen) for l in s.scalars(select(EntryLine).join(Entry).where(Entry.source == "billing"))}
        assert lines == {("1122", 71228), ("4101", -71228)}  # aggregated: a publication shows no unit
        rows = {(r.line_no, r.account_code, r.amount_fen) for r in s.scalars(select(EntryUnit))}
        assert rows == {(1, "1122", 21002), (1, "1122", 23571), (1, "1122", 18655), (1, "1122", 8000)}

    # an overpayment: 500.00 against 210.02 open -> 289.98 prepaid; a part payment of 100.00
    assert pay(ledger, "1-101", 50000, D(2026, 1, 15))[1:] == (21002, 28998)
    assert pay(ledger, "1-102", 10000, D(2026, 1, 20), channel="cash")[1:] == (10000, 0)
    assert balances(ledger)["1-101"] == (0, 28998)

    # February and March use 1-101's prepayment: 210.02, then the 79.96 left
    assert run(ledger, 2026, 2)[:3] == (True, 71228, 21002)
    assert run(ledger, 2026, 3)[:3] == (True, 71228, 7996)
    assert balances(ledger) == {"1-101": (13006, 0), "1-102": (60713, 0), "2-101": (55965, 0), "2-P01": (24000, 0)}
    with ledger.tx() as s:
        feb = s.scalars(select(Entry).where(Entry.source == "billing").order_by(Entry.id)).all()[1]
        assert [(l.account.code, l.amount_fen) for l in feb.lines] == [
            ("1122", 71228), ("4101", -71228), ("2202", 21002), ("1122", -21002)]
        # what a publication would show names no unit and no payer's reference
        for e in s.scalars(select(Entry).where(Entry.source.in_(("billing", "payment")))):
            shown = e.summary + " ".join(l.note for l in e.lines)
            assert "1-101" not in shown and "REF-1" not in shown

    with ledger.tx() as s:
        doc = billing.arrears(s, ledger.user(s, "approver1"), ledger.book(s), D(2026, 3, 31))
    units = {u["unit"]: u for u in doc["units"]}
    assert units["1-101"]["current"] == "130.06" and units["1-101"]["total"] == "130.06"
    assert (units["1-102"]["current"], units["1-102"]["1-3"], units["1-102"]["total"]) == ("235.71", "371.42", "607.13")
    assert (units["2-P01"]["current"], units["2-P01"]["1-3"]) == ("80.00", "160.00")
    b = {x["building"]: x for x in doc["buildings"]}
    assert (b["1"]["current"], b["1"]["1-3"], b["1"]["total"]) == ("365.77", "371.42", "737.19")
    assert (b["2"]["current"], b["2"]["1-3"], b["2"]["total"]) == ("266.55", "533.10", "799.65")
    months = {m["period"]: m for m in doc["months"]}
    # January: 210.02 + 100.00 collected of 712.28; February 210.02; March 79.96
    assert (months["2026-01"]["collected"], months["2026-01"]["rate"]) == ("310.02", "43.53")
    assert months["2026-02"]["rate"] == "29.49" and months["2026-03"]["rate"] == "11.23"
    assert doc["years"] == [{"year": 2026, "billed": "2136.84", "collected": "600.00", "rate": "28.08",
                             "fraction": "5000/17807"}]
    assert doc["total"]["total"] == "1536.84"

    # a year on, the same charges have aged: January and February over 12 months, March 7-12
    with ledger.tx() as s:
        later = billing.arrears(s, ledger.user(s, "approver1"), ledger.book(s), D(2027, 3, 31))
    units = {u["unit"]: u for u in later["units"]}
    assert (units["1-102"]["over12"], units["1-102"]["7-12"], units["1-102"]["current"]) == ("371.42", "235.71", "0.00")
    with ledger.tx() as s:
        assert verify_book(s, ledger.book(s)).ok


def test_a_stale_payment_split_is_refused_at_posting(compound):
    ledger = compound
    run(ledger, 2026, 1)
    first = pay(ledger, "2-P01", 5000, D(2026, 1, 10), approve=False)
    second = pay(ledger, "2-P01", 5000, D(2026, 1, 11), approve=False)
    assert first[1:] == second[1:] == (5000, 0)  # each saw 80.00 open
    with ledger.tx() as s:
        book = ledger.book(s)
        entries.approve_entry(s, ledger.user(s, "approver1"), book, s.get(Entry, first[0]))
    with pytest.raises(LedgerError) as refused:
        with ledger.tx() as s:
            entries.approve_entry(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Entry, second[0]))
    assert "stale" in refused.value.message_en and "30.00" in refused.value.message_en
    assert balances(ledger)["2-P01"] == (3000, 0)


def test_a_viewer_may_not_bill_pay_or_read_unit_arrears(compound):
    ledger = compound
    with ledger.tx() as s:
        book, reader = ledger.book(s), ledger.user(s, "reader")
        for call in (lambda: billing.run_billing(s, reader, book, 2026, 1),
                     lambda: billing.record_payment(s, reader, book, "1-101", 100, D(2026, 1, 2), "cash"),
                     lambda: billing.set_rate(s, reader, book, "shop", "per_m2", 100, D(2026, 2, 1)),
                     lambda: billing.arrears(s, reader, book, D(2026, 1, 31))):
            with pytest.raises(LedgerError):
                call()
        clerk = ledger.user(s, "clerk")
        with pytest.raises(LedgerError):  # the trustee never sets the rates
            billing.set_rate(s, clerk, book, "shop", "per_m2", 100, D(2026, 2, 1))
        # per building only: no unit in it
        assert "units" not in billing.arrears(s, reader, book, D(2026, 1, 31), per_unit=False)
        assert not s.scalars(select(Entry)).all()


def test_bad_input_changes_nothing(compound):
    ledger = compound
    with ledger.tx() as s:
        book, clerk = ledger.book(s), ledger.user(s, "clerk")
        for args, field in ((("9-999", 100, D(2026, 1, 2), "cash"), "unit"), (("1-101", 0, D(2026, 1, 2), "cash"), "amount"),
                            (("1-101", 100, D(2026, 1, 2), "paypal"), "channel"), (("1-101", 100, "2026-13-01", "cash"), "date")):
            with pytest.raises(LedgerError) as e:
                billing.record_payment(s, clerk, book, *args)
            assert e.value.field == field
        assert not s.scalars(select(Entry)).all()


def test_unit_detail_of_a_posted_entry_is_guarded_and_verified(compound, db_url):
    ledger = compound
    run(ledger, 2026, 1)
    with ledger.tx() as s:
        row_id = s.scalar(select(EntryUnit.id).order_by(EntryUnit.id))
    with pytest.raises(Exception):
        with ledger.tx() as s:
            s.execute(text("UPDATE entry_units SET amount_fen = amount_fen - 100 WHERE id = :i"), {"i": row_id})
    sqlite = db_url.startswith("sqlite")
    # someone with raw SQL drops the guard and moves 1.00 of the bill from one unit to another (the line's sum holds):
    # the digest on the chained entry names it
    with ledger.tx() as s:
        second = s.scalar(select(EntryUnit.id).where(EntryUnit.id != row_id).order_by(EntryUnit.id))
        s.execute(text("DROP TRIGGER guard_entry_units_update" if sqlite
                       else "ALTER TABLE entry_units DISABLE TRIGGER guard_entry_units"))
        s.execute(text("UPDATE entry_units SET amount_fen = amount_fen - 100 WHERE id = :i"), {"i": row_id})
        s.execute(text("UPDATE entry_units SET amount_fen = amount_fen + 100 WHERE id = :i"), {"i": second})
        number = s.scalar(select(Entry.number).where(Entry.source == "billing"))
    with ledger.tx() as s:
        report = verify_book(s, ledger.book(s))
    assert [(p.where, p.message_en) for p in report.problems] == [
        (number, "unit detail: the unit detail's digest does not match the one on the entry (a row was changed, added or removed)")]
    # and a changed total is named with its line
    with ledger.tx() as s:
        s.execute(text("UPDATE entry_units SET amount_fen = amount_fen + 5 WHERE id = :i"), {"i": second})
    with ledger.tx() as s:
        report = verify_book(s, ledger.book(s))
    assert any(p.where == number and "line 1 (1122, 712.28) does not equal its unit detail, which sums to 712.33" in p.message_en
               for p in report.problems)


def test_a_rejected_run_can_be_deleted_and_run_again(compound):
    ledger = compound
    with ledger.tx() as s:
        book = ledger.book(s)
        first = billing.run_billing(s, ledger.user(s, "maker"), book, 2026, 1).entry
        entries.reject_entry(s, ledger.user(s, "approver1"), book, first, "面积有误")
    created, billed, _, _ = run(ledger, 2026, 1, approve=False)  # a rejected run does not block a new one
    assert (created, billed) == (True, 71228)
    with ledger.tx() as s:
        entries.delete_draft(s, ledger.user(s, "maker"), ledger.book(s), s.get(Entry, first.id))
    with ledger.tx() as s:
        assert s.scalar(select(EntryUnit.id).where(EntryUnit.entry_id == first.id)) is None
        assert len(s.scalars(select(EntryUnit)).all()) == 4


def test_a_prepayment_used_twice_is_refused_at_posting(compound):
    ledger = compound
    run(ledger, 2026, 1)
    pay(ledger, "1-101", 50000, D(2026, 1, 15))  # 289.98 prepaid
    with ledger.tx() as s:
        book, maker = ledger.book(s), ledger.user(s, "maker")
        feb = billing.run_billing(s, maker, book, 2026, 2)
        mar = billing.run_billing(s, maker, book, 2026, 3)
        assert feb.prepaid_used_fen == mar.prepaid_used_fen == 21002  # both saw 289.98 posted
        feb_id, mar_id = feb.entry.id, mar.entry.id
    with ledger.tx() as s:
        entries.approve_entry(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Entry, feb_id))
    with pytest.raises(LedgerError) as refused:
        with ledger.tx() as s:
            entries.approve_entry(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Entry, mar_id))
    assert "1-101 now holds 79.96 yuan prepaid" in refused.value.message_en
    assert balances(ledger)["1-101"] == (0, 7996)
