"""Migration 0017 makes budgets.resolution_id a foreign key to resolutions (SQLite rebuilds the table in batch mode
and keeps its lines and guards); a budget citing a resolution that does not exist stops the upgrade, naming it, and
changes nothing. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from ledger.db.guards import create_guards, drop_guards, expected_guards, installed_guards
from ledger.db.migrate import alembic_config, current_revision, upgrade
from ledger.domain.money import to_fen
from ledger.services import budgets
from ledger.services.budgets import LineInput

from .test_trust_ops_budgets import _passed_resolution


def _downgrade(engine, revision):
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _budget_rows(engine):
    with engine.connect() as conn:
        return (conn.execute(text("SELECT id, resolution_id FROM budgets ORDER BY id")).all(),
                conn.execute(text("SELECT id, budget_id, annual_fen FROM budget_lines ORDER BY id")).all())


def test_the_foreign_key_holds_and_a_dangling_reference_stops_the_upgrade(ledger, engine):
    passed = _passed_resolution(ledger)
    with ledger.tx() as s:
        budgets.set_budget(s, ledger.user(s, "approver1"), ledger.book(s), 2025,
                           [LineInput("5101", "GEN", to_fen("12000.01"), "block"),
                            LineInput("5102", "GEN", to_fen("600.00"), "warn")], passed)
    kept = _budget_rows(engine)
    with engine.connect() as conn:
        fks = inspect(conn).get_foreign_keys("budgets")
    assert any(fk["referred_table"] == "resolutions" and fk["constrained_columns"] == ["resolution_id"] for fk in fks)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("INSERT INTO budgets (book_id, year, resolution_id, note, created_by_id, created_at) "
                          "SELECT book_id, 2026, 424242, '', created_by_id, created_at FROM budgets"))

    # Back at 0016 (no key), a budget cites resolution 424242, which does not exist: the upgrade stops, naming it.
    _downgrade(engine, "0016")
    assert _budget_rows(engine) == kept
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO budgets (book_id, year, resolution_id, note, created_by_id, created_at) "
                          "SELECT book_id, 2026, 424242, '', created_by_id, created_at FROM budgets"))
        dangling = conn.execute(text("SELECT id FROM budgets WHERE resolution_id = 424242")).scalar()
    with pytest.raises(RuntimeError) as refused:
        upgrade(engine)
    assert f"budget {dangling} -> resolution 424242" in str(refused.value) and "预算" in str(refused.value)
    assert current_revision(engine) == "0016"
    with engine.connect() as conn:
        assert "unit_status_changes" not in inspect(conn).get_table_names()  # nothing of 0017 stayed

    # Once the committee has put the data right (here by hand, guards lifted), the upgrade goes through.
    with engine.begin() as conn:
        drop_guards(conn)
        conn.execute(text("DELETE FROM budgets WHERE id = :id"), {"id": dangling})
        create_guards(conn)
    upgrade(engine)
    assert current_revision(engine) == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert _budget_rows(engine) == kept  # the budget and its lines, same ids, same figures
    with engine.connect() as conn:
        assert expected_guards(engine.dialect.name) <= installed_guards(conn)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE budget_lines SET annual_fen = 1"))  # append-only still
