"""Public revenues: contracts, receipts drafted for approval, expected against received, overdue flagged."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from ledger.domain.errors import InvalidInput, InvalidState, PermissionDenied
from ledger.domain.money import to_fen
from ledger.services import books, entries, revenues, users

D = dt.date


def _add(ledger, by="approver1", **kw):
    args = dict(counterparty="分众传媒", kind="advertising", account_code="4201", amount_fen=to_fen("3000.00"),
                schedule="quarterly", start=D(2025, 1, 1), end=D(2025, 12, 31))
    args.update(kw)
    with ledger.tx() as s:
        return revenues.add_contract(s, ledger.user(s, by), ledger.book(s), **args).id


def _receive(ledger, contract_id, date, amount, by="maker", approve=True):
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = revenues.receive(s, ledger.user(s, by), book, revenues.get_contract(s, book, contract_id), date, to_fen(amount))
        assert entry.status == "submitted"
        assert [(l.account.code, l.amount_fen) for l in entry.lines] == [("1002", to_fen(amount)), ("4201", -to_fen(amount))]
        if approve:
            entries.approve_entry(s, ledger.user(s, "approver2"), book, entry)
        return entry.id


def test_expected_against_received_with_overdue_flagged(ledger):
    cid = _add(ledger)
    _receive(ledger, cid, D(2025, 1, 8), "3000.00")
    _receive(ledger, cid, D(2025, 4, 20), "1000.00")
    _receive(ledger, cid, D(2025, 5, 2), "500.00", approve=False)  # awaiting approval: not received yet
    with ledger.tx() as s:
        book = ledger.book(s)
        got = revenues.standing(s, revenues.get_contract(s, book, cid), as_of=D(2025, 8, 15)).as_json()
    assert got["expected"] == "9000.00" and got["received"] == "4000.00" and got["overdue"] == "5000.00"
    assert [(d["date"], d["paid"], d["overdue"]) for d in got["dues"]] == [
        ("2025-01-01", "3000.00", False), ("2025-04-01", "1000.00", True), ("2025-07-01", "0.00", True)]
    assert [r["amount"] for r in got["receipts"]] == ["3000.00", "1000.00"]


def test_monthly_schedule_clamps_to_month_end_and_stops_at_the_end(ledger):
    cid = _add(ledger, kind="parking", account_code="4202", schedule="monthly", start=D(2025, 1, 31), end=D(2025, 4, 30),
               amount_fen=to_fen("800.00"))
    with ledger.tx() as s:
        got = revenues.standing(s, revenues.get_contract(s, ledger.book(s), cid), as_of=D(2026, 1, 1)).as_json()
    assert [d["date"] for d in got["dues"]] == ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30"]
    assert got["overdue"] == "3200.00"


def test_bad_contracts_and_other_books_are_refused(ledger):
    with pytest.raises(InvalidInput) as bad:
        _add(ledger, account_code="4101")
    assert bad.value.field == "account"
    with pytest.raises(InvalidInput):
        _add(ledger, kind="lottery")
    with pytest.raises(PermissionDenied):
        _add(ledger, by="clerk")
    with ledger.tx() as s:
        system = users.system_user(s)
        fund = books.create_book(s, system, "F1", "社区基金", "Fund", "community_fund", first_month=(2025, 1))
        users.grant_role(s, system, users.get_user(s, "approver1"), fund, "committee")
    with pytest.raises(InvalidState):
        with ledger.tx() as s:
            revenues.add_contract(s, ledger.user(s, "approver1"), books_get(s, "F1"), "x", "advertising", "4201", 1,
                                  "monthly", D(2025, 1, 1))


def books_get(session, code):
    from ledger.services.access import get_book

    return get_book(session, code)


def test_the_cli_adds_receives_and_lists(ledger, db_url, monkeypatch):
    from ledger.cli import main

    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    runner = CliRunner()
    done = runner.invoke(main, ["revenues", "add", "--book", "T1", "--counterparty", "中国移动", "--kind", "base_station",
                                "--account", "4203", "--amount", "12000", "--schedule", "yearly", "--start", "2025-03-01",
                                "--as", "maker"])
    assert done.exit_code == 0, done.output
    cid = int(done.output.split()[-1])
    got = runner.invoke(main, ["revenues", "receive", "--book", "T1", "--contract", str(cid), "--date", "2025-03-05",
                               "--amount", "12000.00", "--as", "maker"])
    assert got.exit_code == 0 and "submitted" in got.output, got.output
    entry_id = int(got.output.split()[1])
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.get_entry(s, book, entry_id)
        for name in ("approver1", "approver2"):  # 12,000.00 is above the threshold: two approvers
            entries.approve_entry(s, ledger.user(s, name), book, entry)
    listed = runner.invoke(main, ["revenues", "list", "--book", "T1", "--as-of", "2026-06-01", "--format", "json"])
    rows = json.loads(listed.output)
    assert rows[0]["expected"] == "24000.00" and rows[0]["received"] == "12000.00" and rows[0]["overdue"] == "12000.00"
