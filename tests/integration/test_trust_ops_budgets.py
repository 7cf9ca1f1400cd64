"""The annual budget: setting it, budget against actual to the fen, and the overrun check at posting."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ledger.db.schema import AuditEvent
from ledger.domain.errors import InvalidInput, PermissionDenied
from ledger.domain.money import to_fen
from ledger.services import budgets
from ledger.services.budgets import BudgetOverrun, LineInput

D = dt.date


def _set(ledger, lines, by="approver1", year=2025, **kw):
    with ledger.tx() as s:
        return budgets.set_budget(s, ledger.user(s, by), ledger.book(s), year, lines, **kw).id


def _report(ledger, year=2025, month=None):
    with ledger.tx() as s:
        book = ledger.book(s)
        return budgets.report(s, book, year, month).as_json(book)


def _passed_resolution(ledger) -> int:
    from ledger.db.schema import Resolution

    with ledger.tx() as s:
        r = Resolution(book_id=ledger.book(s).id, title="2025年度预算", matter="ordinary", held_on=D(2024, 12, 20),
                       status="passed", tally="{}", recorded_by_id=ledger.user(s, "approver1").id)
        s.add(r)
        s.flush()
        return r.id


def test_budget_against_actual_per_month_and_year_to_date(ledger):
    passed = _passed_resolution(ledger)
    # 12,000.01 a year: 1,000.00 a month, December 1,000.01
    _set(ledger, [LineInput("5101", "GEN", to_fen("12000.01"), "warn"), LineInput("4101", "GEN", to_fen("600000.00"), "warn")],
         resolution_id=passed, note="2025年业主大会通过")
    ledger.post(D(2025, 1, 5), "保洁", ("5101", "GEN", "900.00"), ("1002", "GEN", "-900.00"))
    ledger.post(D(2025, 2, 5), "保洁", ("5101", "GEN", "1234.56"), ("1002", "GEN", "-1234.56"))
    ledger.post(D(2025, 2, 6), "收费", ("1002", "GEN", "48000.00"), ("4101", "GEN", "-48000.00"))
    got = _report(ledger, 2025, 2)
    assert got["resolution_id"] == passed
    cleaning = next(l for l in got["lines"] if l["account"] == "5101")
    assert cleaning["annual"] == "12000.01" and cleaning["on_overrun"] == "warn"
    assert cleaning["month"] == {"budget": "1000.00", "actual": "1234.56", "variance": "234.56", "percent": "123.5"}
    assert cleaning["ytd"] == {"budget": "2000.00", "actual": "2134.56", "variance": "134.56", "percent": "106.7"}
    assert cleaning["months"][11]["budget"] == "1000.01"
    fees = next(l for l in got["lines"] if l["account"] == "4101")
    assert fees["month"] == {"budget": "50000.00", "actual": "48000.00", "variance": "-2000.00", "percent": "96.0"}
    assert fees["ytd"]["actual"] == "48000.00" and fees["ytd"]["percent"] == "48.0"
    assert got["totals"]["expense"]["ytd"]["actual"] == "2134.56"


def test_a_blocking_line_refuses_the_overrun_and_a_warning_line_posts(ledger):
    _set(ledger, [LineInput("5101", "GEN", to_fen("1000.00"), "block"), LineInput("5102", "GEN", to_fen("100.00"), "warn")])
    ledger.post(D(2025, 1, 5), "保洁", ("5101", "GEN", "999.99"), ("1002", "GEN", "-999.99"))
    ledger.post(D(2025, 1, 5), "保洁", ("5101", "GEN", "0.01"), ("1002", "GEN", "-0.01"))  # exactly the budget: posts
    with pytest.raises(BudgetOverrun) as refused:
        ledger.post(D(2025, 3, 5), "保洁", ("5101", "GEN", "250.00"), ("1002", "GEN", "-250.00"))
    assert "5101" in refused.value.message_zh and "1,000.00" in refused.value.message_zh
    assert "1,250.00" in refused.value.message_en and "250.00" in refused.value.message_en
    ledger.post(D(2025, 3, 6), "维修", ("5102", "GEN", "150.00"), ("1002", "GEN", "-150.00"))
    with ledger.tx() as s:
        warned = s.scalars(select(AuditEvent).where(AuditEvent.action == "budget.overrun")).all()
        assert [json.loads(w.detail)["overrun"] for w in warned] == ["50.00"]
    assert _report(ledger, 2025, 3)["lines"][0]["ytd"]["actual"] == "1000.00"


def test_a_new_budget_supersedes_and_bad_lines_are_named(ledger):
    _set(ledger, [LineInput("5101", "GEN", 100, "block")])
    _set(ledger, [LineInput("5101", "GEN", 500, "warn")])
    assert _report(ledger, 2025, 1)["lines"][0]["annual"] == "5.00"
    with pytest.raises(InvalidInput) as bad:
        _set(ledger, [LineInput("5101", "GEN", 1), LineInput("9999", "GEN", 1)])
    assert "第 2 行" in bad.value.message_zh and bad.value.field == "lines[1].account"
    with pytest.raises(InvalidInput):
        _set(ledger, [LineInput("5101", "GEN", 1, "stop")])
    with pytest.raises(PermissionDenied):
        _set(ledger, [LineInput("5101", "GEN", 1)], by="clerk")


def test_the_cli_sets_and_reports(ledger, db_url, tmp_path, monkeypatch):
    from ledger.cli import main

    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    lines = tmp_path / "lines.csv"
    lines.write_text("account,fund,amount,on_overrun\n5101,GEN,\"1,200.00\",block\n4101,GEN,10000,warn\n", encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(main, ["budget", "set", "--book", "T1", "--year", "2025", "--file", str(lines), "--as", "approver1"])
    assert done.exit_code == 0, done.output
    ledger.post(D(2025, 1, 5), "保洁", ("5101", "GEN", "100.00"), ("1002", "GEN", "-100.00"))
    out = runner.invoke(main, ["budget", "report", "--book", "T1", "--year", "2025", "--month", "1", "--format", "json"])
    assert out.exit_code == 0, out.output
    got = json.loads(out.output)
    assert got["lines"][0]["month"] == {"budget": "100.00", "actual": "100.00", "variance": "0.00", "percent": "100.0"}
    bad = tmp_path / "bad.csv"
    bad.write_text("account,fund,amount\n5101,GEN,abc\n", encoding="utf-8")
    refused = runner.invoke(main, ["budget", "set", "--book", "T1", "--year", "2025", "--file", str(bad), "--as", "approver1"])
    assert refused.exit_code == 1 and "第 2 行" in refused.output


def test_control_characters_in_a_file_are_named_not_stored(ledger):
    with pytest.raises(InvalidInput) as bad:
        budgets.parse_lines_csv("account,fund,amount\n5101,GEN,1\n51\x0001,GEN,1\n")
    assert "第 3 行" in bad.value.message_zh
    with pytest.raises(InvalidInput):
        _set(ledger, [LineInput("5101", "G\x00EN", 1)])
