"""The `ledger billing` commands, as a treasurer would type them."""
from __future__ import annotations

import json

from click.testing import CliRunner

from ledger.cli import main
from ledger.db.schema import Entry, Unit
from ledger.services import entries



def test_rate_run_pay_arrears(ledger, db_url, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    with ledger.tx() as s:
        book = ledger.book(s)
        s.add(Unit(book_id=book.id, building="3", number="1201", area_centi_m2=8937, use="residential"))
    runner = CliRunner()

    def cli(*args):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        return result

    assert cli("billing", "rate", "--book", "T1", "--use", "residential", "--per-m2", "2.35", "--from", "2026-01-01",
               "--as", "maker").exit_code == 0
    refused = cli("billing", "rate", "--book", "T1", "--use", "shop", "--per-m2", "2.34567", "--from", "2026-01-01")
    assert refused.exit_code == 1 and "four decimals" in refused.output
    rates = json.loads(cli("billing", "rates", "--book", "T1", "--format", "json").output)
    assert rates == [{"use": "residential", "basis": "per_m2", "rate": "2.35", "from": "2026-01-01"}]
    first = json.loads(cli("billing", "run", "--book", "T1", "--period", "2026-01", "--as", "maker", "--format", "json").output)
    assert (first["created"], first["billed"], first["units"], first["status"]) == (True, "210.02", 1, "submitted")
    second = json.loads(cli("billing", "run", "--book", "T1", "--period", "2026-01", "--as", "maker", "--format", "json").output)
    assert second["created"] is False
    viewer = cli("billing", "run", "--book", "T1", "--period", "2026-02", "--as", "reader")
    assert viewer.exit_code == 1
    with ledger.tx() as s:
        entries.approve_entry(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Entry, first["entry_id"]))
    paid = json.loads(cli("billing", "pay", "--book", "T1", "--unit", "3-1201", "--amount", "500.00", "--channel", "wechat",
                          "--reference", "WX123", "--date", "2026-01-15", "--as", "clerk", "--format", "json").output)
    assert (paid["to_receivable"], paid["to_prepaid"]) == ("210.02", "289.98")
    doc = json.loads(cli("billing", "arrears", "--book", "T1", "--as-of", "2026-01-31", "--format", "json").output)
    assert doc["buildings"][0]["total"] == "210.02"  # the payment waits for approval: only posted entries count
    assert doc["units"][0]["unit"] == "3-1201" and doc["months"][0]["rate"] == "0.00"
    assert cli("billing", "arrears", "--book", "T1", "--as", "reader").exit_code == 1
    buildings = json.loads(cli("billing", "arrears", "--book", "T1", "--as", "reader", "--buildings-only",
                               "--as-of", "2026-01-31", "--format", "json").output)
    assert "units" not in buildings and buildings["buildings"][0]["current"] == "210.02"
    assert cli("billing", "arrears", "--book", "T1", "--as", "outsider", "--buildings-only").exit_code == 1
