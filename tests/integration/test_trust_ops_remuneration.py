"""The trustee's remuneration: the contract, and the accrual a month's close makes, to the fen, on both databases."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ledger.db.schema import Entry, VoucherWaiver
from ledger.domain.errors import PermissionDenied
from ledger.domain.money import to_fen
from ledger.services import remuneration

D = dt.date


def _contract(ledger, by="approver1", **kw):
    with ledger.tx() as s:
        remuneration.set_contract(s, ledger.user(s, by), ledger.book(s), **kw)


def _month_with_fees(ledger):
    """January 2025: 50,000.00 billed, 45,000.00 collected (40,000 of it arrears, 5,000 in advance), 500 of
    other income received (not a fee)."""
    ledger.post(D(2025, 1, 1), "1月物业费", ("1122", "GEN", "50000.00"), ("4101", "GEN", "-50000.00"))
    ledger.post(D(2025, 1, 10), "收物业费", ("1002", "GEN", "40000.00"), ("1122", "GEN", "-40000.00"))
    ledger.post(D(2025, 1, 20), "预收物业费", ("1002", "GEN", "5000.00"), ("2202", "GEN", "-5000.00"))
    ledger.post(D(2025, 1, 21), "广告收入", ("1002", "GEN", "500.00"), ("4201", "GEN", "-500.00"))


def _accrual(ledger):
    with ledger.tx() as s:
        entry = s.scalar(select(Entry).where(Entry.source == "accrual"))
        if entry is None:
            return None
        return dict(number=entry.number, status=entry.status, date=entry.date, summary=entry.summary,
                    lines=[(l.account.code, l.fund.code, l.amount_fen, l.note) for l in entry.lines],
                    makers=[m.user.username for m in entry.makers], approvers=[a.user.username for a in entry.approvals],
                    waiver=s.scalar(select(VoucherWaiver.reason).where(VoucherWaiver.entry_id == entry.id)))


@pytest.mark.parametrize("contract, fen, note", [
    (dict(kind="fixed", monthly_fen=to_fen("8000.00")), 800000, "酬金 固定每月 8,000.00"),
    (dict(kind="percent", percent_bp=1200, cap_fen=to_fen("6000.00")), 540000,
     "酬金 12% × 已收物业费 45,000.00 = 5,400.00（上限 6,000.00）"),
    (dict(kind="percent", percent_bp=1500, cap_fen=to_fen("6000.00")), 600000,
     "酬金 15% × 已收物业费 45,000.00 = 6,750.00（上限 6,000.00），计提 6,000.00"),
    (dict(kind="percent", percent_bp=1234), 555300, "酬金 12.34% × 已收物业费 45,000.00 = 5,553.00"),
])
def test_closing_a_month_accrues_the_remuneration(ledger, contract, fen, note):
    _contract(ledger, effective_from=D(2025, 1, 1), **contract)
    _month_with_fees(ledger)
    ledger.close(2025, 1)
    got = _accrual(ledger)
    assert got["status"] == "posted" and got["date"] == D(2025, 1, 31)
    assert got["lines"] == [("5106", "GEN", fen, note), ("2203", "GEN", -fen, note)]
    assert note in got["summary"]
    assert got["makers"] == ["system"] and got["approvers"] == ["approver1"]
    assert got["waiver"] == "按合同计提"


def test_percentage_floors_to_the_fen_and_a_later_contract_supersedes(ledger):
    _contract(ledger, kind="fixed", monthly_fen=to_fen("100.00"), effective_from=D(2025, 1, 1))
    _contract(ledger, kind="percent", percent_bp=1250, effective_from=D(2025, 1, 15))
    ledger.post(D(2025, 1, 10), "收物业费", ("1002", "GEN", "123.45"), ("1122", "GEN", "-123.45"))
    ledger.close(2025, 1)
    # 12.5% of 123.45 is 15.43125: 15.43
    assert _accrual(ledger)["lines"][0][2] == 1543


def test_no_contract_or_nothing_collected_accrues_nothing(ledger):
    ledger.post(D(2025, 1, 10), "收物业费", ("1002", "GEN", "100.00"), ("1122", "GEN", "-100.00"))
    ledger.close(2025, 1)
    assert _accrual(ledger) is None
    _contract(ledger, kind="percent", percent_bp=1200, effective_from=D(2025, 2, 1))
    ledger.post(D(2025, 2, 3), "开办费", ("1002", "GEN", "10.00"), ("4201", "GEN", "-10.00"))
    ledger.close(2025, 2)
    assert _accrual(ledger) is None  # 12% of no fees collected is 0.00: no entry


def test_the_accrual_is_made_once_and_verifies(ledger):
    _contract(ledger, kind="fixed", monthly_fen=to_fen("1000.00"), effective_from=D(2025, 1, 1))
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = remuneration.accrue_month(s, ledger.user(s, "approver2"), book, 2025, 1)
        assert entry.status == "posted"
    ledger.close(2025, 1)  # the close finds the accrual made and adds none
    with ledger.tx() as s:
        assert len(s.scalars(select(Entry).where(Entry.source == "accrual")).all()) == 1
    from ledger.services import verify

    with ledger.tx() as s:
        report = verify.verify_book(s, ledger.book(s))
        assert report.ok, report.problems


def test_only_the_committee_sets_the_contract(ledger):
    for who in ("maker", "clerk", "watcher"):
        with pytest.raises(PermissionDenied):
            _contract(ledger, by=who, kind="fixed", monthly_fen=1, effective_from=D(2025, 1, 1))


def test_an_accrual_above_the_threshold_waits_for_a_second_approver(ledger):
    from ledger.domain.errors import PeriodNotReady
    from ledger.services import entries

    _contract(ledger, kind="fixed", monthly_fen=to_fen("12000.00"), effective_from=D(2025, 1, 1))  # above 10,000.00
    with pytest.raises(PeriodNotReady) as refused:
        ledger.close(2025, 1)
    assert "第二位审批人" in refused.value.message_zh and "12,000.00" in refused.value.message_en
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = remuneration.accrue_month(s, ledger.user(s, "approver1"), book, 2025, 1)
        assert entry.status == "submitted"
        entries.approve_entry(s, ledger.user(s, "approver2"), book, entry)
        assert entry.status == "posted"
    ledger.close(2025, 1)
    got = _accrual(ledger)
    assert got["lines"][0][2] == 1200000 and sorted(got["approvers"]) == ["approver1", "approver2"]


def test_the_cli_sets_lists_and_accrues(ledger, db_url, monkeypatch):
    import json

    from click.testing import CliRunner

    from ledger.cli import main

    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    runner = CliRunner()
    refused = runner.invoke(main, ["remuneration", "set", "--book", "T1", "--percent", "12", "--from", "2025-01-01",
                                   "--as", "clerk"])
    assert refused.exit_code == 1
    done = runner.invoke(main, ["remuneration", "set", "--book", "T1", "--percent", "12.5", "--cap", "50", "--from",
                                "2025-01-01", "--as", "approver1"])
    assert done.exit_code == 0, done.output
    listed = json.loads(runner.invoke(main, ["remuneration", "list", "--book", "T1", "--format", "json"]).output)
    assert listed[0]["percent_bp"] == 1250 and listed[0]["cap"] == "50.00"
    ledger.post(D(2025, 1, 10), "收物业费", ("1002", "GEN", "300.00"), ("1122", "GEN", "-300.00"))
    got = runner.invoke(main, ["remuneration", "accrue", "--book", "T1", "--period", "2025-01", "--as", "approver1"])
    assert got.exit_code == 0 and "posted" in got.output
    assert "酬金 12.5% × 已收物业费 300.00 = 37.50（上限 50.00）" in got.output


def test_closing_as_the_system_says_who_must_close(ledger, db_url, monkeypatch):
    from click.testing import CliRunner

    from ledger.cli import main

    _contract(ledger, kind="fixed", monthly_fen=100, effective_from=D(2025, 1, 1))
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    got = CliRunner().invoke(main, ["periods", "close", "--book", "T1", "2025-01"])
    assert got.exit_code == 1 and "--as" in got.output
    assert _accrual(ledger) is None
