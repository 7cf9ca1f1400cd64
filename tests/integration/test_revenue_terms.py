"""A revenue contract's new terms from a date (a new version: what was expected before keeps its amount) and its
end (nothing expected after it), from the revenues page and the CLI. SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ledger.db.schema import AuditEvent, RevenueContract, RevenueTerms
from ledger.domain.errors import InvalidInput, InvalidState, LedgerError, PermissionDenied
from ledger.domain.money import to_fen
from ledger.services import revenues

from ..conftest import D
from .test_trust_ops_revenues import _add, _receive


def _standing(ledger, cid, as_of):
    with ledger.tx() as s:
        return revenues.standing(s, revenues.get_contract(s, ledger.book(s), cid), as_of=as_of).as_json()


def _state(ledger, cid):
    with ledger.tx() as s:
        c = s.get(RevenueContract, cid)
        return c.end_date, s.scalar(select(func.count(RevenueTerms.id)))


def _call(ledger, fn, cid, *args, by="approver1"):
    with ledger.tx() as s:
        book = ledger.book(s)
        return fn(s, ledger.user(s, by), book, revenues.get_contract(s, book, cid), *args)


def _refused(ledger, kind, fn, cid, *args, by="approver1") -> LedgerError:
    before = _state(ledger, cid)
    with pytest.raises(kind) as refused:
        _call(ledger, fn, cid, *args, by=by)
    assert _state(ledger, cid) == before
    return refused.value


def test_new_terms_keep_earlier_expectations_and_an_end_stops_them(ledger):
    # 3,000.00 a quarter from 2025-01-01, no end; from 2025-07-01 1,200.00 a month
    cid = _add(ledger, end=None)
    _receive(ledger, cid, D(2025, 1, 8), "3000.00")
    _receive(ledger, cid, D(2025, 4, 3), "3000.00")
    _call(ledger, revenues.change_terms, cid, D(2025, 7, 1), to_fen("1200.00"), "monthly")
    got = _standing(ledger, cid, D(2025, 9, 15))
    assert [(d["date"], d["amount"]) for d in got["dues"]] == [
        ("2025-01-01", "3000.00"), ("2025-04-01", "3000.00"), ("2025-07-01", "1200.00"), ("2025-08-01", "1200.00"),
        ("2025-09-01", "1200.00")]
    assert (got["expected"], got["received"], got["overdue"]) == ("9600.00", "6000.00", "3600.00")
    assert got["terms"] == [{"from": "2025-01-01", "amount": "3000.00", "schedule": "quarterly"},
                            {"from": "2025-07-01", "amount": "1200.00", "schedule": "monthly"}]
    # ended on 2025-08-31: September's receipt is no longer expected, the months before still are
    _call(ledger, revenues.end_contract, cid, D(2025, 8, 31), "广告公司撤场")
    got = _standing(ledger, cid, D(2026, 3, 1))
    assert [d["date"] for d in got["dues"]][-1] == "2025-08-01"
    assert (got["expected"], got["overdue"]) == ("8400.00", "2400.00")
    assert got["end"] == "2025-08-31"
    with ledger.tx() as s:
        actions = [a.action for a in s.scalars(select(AuditEvent).where(AuditEvent.action.like("revenue.%"))
                                                .order_by(AuditEvent.id))]
    assert actions[-2:] == ["revenue.terms", "revenue.end"]


def test_refusals_change_nothing(ledger):
    cid = _add(ledger)  # quarterly 3,000.00, 2025-01-01 to 2025-12-31
    _call(ledger, revenues.change_terms, cid, D(2025, 4, 1), to_fen("3300.00"), "quarterly")
    assert "2025-04-01" in _refused(ledger, InvalidInput, revenues.change_terms, cid, D(2025, 4, 1), 100, "monthly").message_en
    _refused(ledger, InvalidInput, revenues.change_terms, cid, D(2025, 7, 1), to_fen("3300.00"), "quarterly")  # same
    _refused(ledger, InvalidInput, revenues.change_terms, cid, D(2025, 7, 1), 0, "monthly")
    _refused(ledger, InvalidInput, revenues.change_terms, cid, D(2025, 7, 1), 100, "weekly")
    _refused(ledger, InvalidState, revenues.change_terms, cid, D(2026, 1, 1), 100, "monthly")  # after its end
    _refused(ledger, PermissionDenied, revenues.change_terms, cid, D(2025, 7, 1), 100, "monthly", by="clerk")
    _refused(ledger, InvalidInput, revenues.end_contract, cid, D(2025, 3, 31))  # before the current terms
    e = _refused(ledger, InvalidState, revenues.end_contract, cid, D(2026, 6, 30))  # later than its fixed end
    assert "2025-12-31" in e.message_zh and "new contract" in e.message_en
    _refused(ledger, PermissionDenied, revenues.end_contract, cid, D(2025, 9, 30), by="watcher")
    assert _standing(ledger, cid, D(2026, 1, 1))["expected"] == "12900.00"  # 3,000.00 + 3 × 3,300.00


def test_the_revenues_page_offers_the_forms_to_managers_and_the_cli(ledger, sign_in, db_url, monkeypatch):
    cid = _add(ledger, end=None)
    treasurer = sign_in("maker")
    page = treasurer.get("/books/T1/revenues").text
    assert f'data-testid="revenue-change-{cid}"' in page
    for who in ("clerk", "watcher", "reader"):
        other = sign_in(who).get("/books/T1/revenues").text
        assert "revenue-change-" not in other and "/revenues/end" not in other
    assert sign_in("clerk").post("/books/T1/revenues/end", {"contract": cid, "end": "2025-06-30"},
                                 page="/books/T1/revenues").status_code == 403
    done = treasurer.post("/books/T1/revenues/terms", {"contract": cid, "from": "2025-04-01", "amount": "3,600.00",
                                                      "schedule": "quarterly"}, page="/books/T1/revenues")
    assert done.status_code == 302
    treasurer.post("/books/T1/revenues/end", {"contract": cid, "end": "2025-09-30", "reason": "提前解约"},
                   page="/books/T1/revenues")
    got = _standing(ledger, cid, D(2026, 1, 1))
    assert [(d["date"], d["amount"]) for d in got["dues"]] == [
        ("2025-01-01", "3000.00"), ("2025-04-01", "3600.00"), ("2025-07-01", "3600.00")]
    page = treasurer.get("/books/T1/revenues?as_of=2026-01-01&lang=en").text
    assert "3,600.00" in page and "10,200.00" in page

    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    from ledger.cli import main

    runner = CliRunner()
    other = _add(ledger, counterparty="中国移动", kind="base_station", account_code="4201", schedule="yearly",
                 amount_fen=to_fen("20000.00"), start=D(2025, 1, 1), end=None)
    out = runner.invoke(main, ["revenues", "terms", "--book", "T1", "--contract", str(other), "--from", "2026-01-01",
                               "--amount", "24000.00", "--schedule", "yearly", "--as", "maker"])
    assert out.exit_code == 0 and "24000.00 yearly from 2026-01-01" in out.output, out.output
    out = runner.invoke(main, ["revenues", "end", "--book", "T1", "--contract", str(other), "--date", "2026-12-31",
                               "--as", "maker"])
    assert out.exit_code == 0, out.output
    bad = runner.invoke(main, ["revenues", "end", "--book", "T1", "--contract", str(other), "--date", "2027-12-31",
                               "--as", "maker"])
    assert bad.exit_code == 1 and "2026-12-31" in bad.output
    listed = json.loads(runner.invoke(main, ["revenues", "list", "--book", "T1", "--as-of", "2027-06-01",
                                             "--format", "json"]).output)
    row = next(r for r in listed if r["id"] == other)
    assert (row["expected"], row["end"]) == ("44000.00", "2026-12-31")
