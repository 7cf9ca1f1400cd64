"""The year-end surplus refunded to the owners pro rata by floor area, to the fen (largest remainder), on the
hand-computed compound of test_billing (SQLite and PostgreSQL).

2026: fees billed 712.28, cleaning 300.00 -> surplus 412.28 = 41,228 fen over 247.67 ㎡ (89.37 + 100.30 + 45.50 + 12.50):
  1-101 41228*8937/24767 = 14876 r 20744 -> +1 = 148.77     1-102 16696 r 7008 = 166.96
  2-101 7574 r 2142 = 75.74                              2-P01 2080 r 19640 -> +1 = 20.81     sum 412.28
1-101 paid its January bill, so its share is all prepaid; the others' shares first settle their open January fees.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ledger.cli import main
from ledger.db.schema import Resolution
from ledger.domain.errors import LedgerError
from ledger.services import billing, entries
from ledger.services.verify import verify_book

from ..conftest import D
from .test_billing import balances, compound, pay, run  # noqa: F401  (the compound and its helpers)


def _resolution(ledger, status):
    with ledger.tx() as s:
        r = Resolution(book_id=ledger.book(s).id, title=f"2026年度结余处理（{status}）", matter="ordinary",
                       held_on=D(2027, 1, 3), status=status, tally="{}", recorded_by_id=ledger.user(s, "approver1").id)
        s.add(r)
        s.flush()
        return r.id


@pytest.fixture
def year_2026(compound):  # noqa: F811
    ledger = compound
    run(ledger, 2026, 1)
    pay(ledger, "1-101", 21002, D(2026, 1, 15))
    ledger.post(D(2026, 1, 20), "保洁费", ("5101", "GEN", "300.00"), ("1002", "GEN", "-300.00"))
    return ledger


def test_the_surplus_is_shared_by_area_to_the_fen_and_settles_open_fees_first(year_2026):
    ledger = year_2026
    passed = _resolution(ledger, "passed")
    with ledger.tx() as s:
        book = ledger.book(s)
        assert billing.year_surplus(s, book, 2026) == 41228
        result = billing.refund_surplus(s, ledger.user(s, "approver1"), book, 2026, passed, D(2027, 1, 5))
        assert result.shares == {"1-101": 14877, "1-102": 16696, "2-101": 7574, "2-P01": 2081}
        assert sum(result.shares.values()) == result.refunded_fen == 41228
        assert result.entry.status == "submitted" and result.entry.source == "refund"
        entries.approve_entry(s, ledger.user(s, "approver2"), book, result.entry)
        assert result.entry.status == "posted"
    # (open receivable, prepaid) per unit, in fen
    assert balances(ledger) == {"1-101": (0, 14877), "1-102": (23571 - 16696, 0), "2-101": (18655 - 7574, 0),
                                "2-P01": (8000 - 2081, 0)}
    with ledger.tx() as s:
        assert verify_book(s, ledger.book(s)).ok
    # February's bill of 1-101 (210.02) is paid from the refund: 148.77 used, 61.25 left to pay.
    run(ledger, 2026, 2)
    assert balances(ledger)["1-101"] == (21002 - 14877, 0)


def test_a_refund_needs_a_passed_resolution_the_committee_and_a_surplus(year_2026):
    ledger = year_2026
    passed, failed = _resolution(ledger, "passed"), _resolution(ledger, "failed")
    cases = [
        ("approver1", failed, D(2027, 1, 5), None, "ResolutionRequired"),
        ("approver1", passed, D(2026, 12, 31), None, "InvalidInput"),  # not before the year is over
        ("approver1", passed, D(2027, 1, 5), 41229, "InvalidInput"),  # more than the surplus
        ("maker", passed, D(2027, 1, 5), None, "PermissionDenied"),  # the treasurer does not decide it
    ]
    for who, resolution, date, amount, kind in cases:
        with pytest.raises(LedgerError) as refused:
            with ledger.tx() as s:
                billing.refund_surplus(s, ledger.user(s, who), ledger.book(s), 2026, resolution, date, amount)
        assert type(refused.value).__name__ == kind, (who, resolution, date, amount)
    assert balances(ledger)["1-101"] == (0, 0)  # nothing changed


def test_the_command_prints_each_units_share(year_2026, db_url, tmp_path, monkeypatch):
    ledger = year_2026
    passed = _resolution(ledger, "passed")
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    monkeypatch.setenv("LEDGER_INSTANCE_DIR", str(tmp_path / "instance"))
    result = CliRunner().invoke(main, ["billing", "refund", "--book", "T1", "--year", "2026", "--resolution", str(passed),
                                       "--amount", "100.00", "--date", "2027-01-05", "--as", "approver1",
                                       "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["surplus"] == "412.28" and doc["refunded"] == "100.00" and doc["status"] == "submitted"
    assert sum(int(v.replace(".", "")) for v in doc["shares"].values()) == 10000


def test_the_owner_sees_the_units_refund_share_on_my_unit(year_2026, app):
    from flask import render_template

    from ledger.db.schema import Unit
    from ledger.services import unit_access

    ledger = year_2026
    passed = _resolution(ledger, "passed")
    with ledger.tx() as s:
        book = ledger.book(s)
        result = billing.refund_surplus(s, ledger.user(s, "approver1"), book, 2026, passed, D(2027, 1, 5))
        entries.approve_entry(s, ledger.user(s, "approver2"), book, result.entry)
        unit = next(u for u in s.scalars(select(Unit)) if u.label == "1-101")
        # as of the end of January 2027 (the refund is dated after the year it shares out)
        doc = unit_access.statement(s, book, unit, as_of=D(2027, 1, 31))
    assert doc["refunds"] == [{"date": "2027-01-05", "amount": 14877}] and doc["prepaid"] == 14877
    with app.test_request_context("/my-unit"):
        page = render_template("office/my_unit_view.html", doc=doc)
    refunds = page[page.index('data-testid="my-unit-refunds"'):]
    assert "2027-01-05" in refunds and "148.77" in refunds and "本户分得的年度结余退还" in page
    assert "166.96" not in page  # the neighbour's share
