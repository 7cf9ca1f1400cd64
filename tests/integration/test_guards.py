"""The database refuses, by itself, to let posted history change."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ledger.db.guards import create_guards, drop_guards, expected_guards, installed_guards
from ledger.db.migrate import current_revision, upgrade

from ..conftest import D


def test_guards_are_installed_after_upgrade_head(engine):
    from alembic.script import ScriptDirectory

    from ledger.db.migrate import alembic_config

    assert current_revision(engine) == ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        assert expected_guards(engine.dialect.name) <= installed_guards(conn)


def test_downgrade_and_upgrade_again_restores_the_guards(engine):
    from alembic import command

    from ledger.db.migrate import alembic_config

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    upgrade(engine)
    with engine.connect() as conn:
        assert expected_guards(engine.dialect.name) <= installed_guards(conn)


def _posted(ledger):
    ledger.post(D(2026, 3, 2), "收物业费", ("1002", "GEN", "1234.56"), ("4101", "GEN", "-1234.56"))
    with ledger.tx() as s:
        return s.execute(text("SELECT id FROM entries WHERE status = 'posted'")).scalar_one()


def _refused(engine, sql, **params):
    with pytest.raises(DBAPIError) as info:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    return str(info.value)


@pytest.mark.parametrize("sql", [
    "UPDATE entries SET summary = 'changed' WHERE id = :id",
    "UPDATE entries SET status = 'draft' WHERE id = :id",
    "DELETE FROM entries WHERE id = :id",
    "UPDATE entry_lines SET amount_fen = amount_fen + 100 WHERE entry_id = :id",
    "UPDATE entry_lines SET note = 'x' WHERE entry_id = :id",
    "DELETE FROM entry_lines WHERE entry_id = :id",
    "INSERT INTO entry_lines (entry_id, book_id, line_no, account_id, fund_id, amount_fen, note) "
    "SELECT entry_id, book_id, 9, account_id, fund_id, 0, '' FROM entry_lines WHERE entry_id = :id AND line_no = 1",
    "DELETE FROM approvals",
    "UPDATE approvals SET user_id = user_id",
    "DELETE FROM audit_log",
])
def test_raw_sql_cannot_change_posted_history(ledger, engine, sql):
    entry_id = _posted(ledger)
    message = _refused(engine, sql, id=entry_id)
    assert "不可" in message or "append-only" in message
    with engine.connect() as conn:
        assert conn.execute(text("SELECT SUM(amount_fen) FROM entry_lines WHERE entry_id = :id"), {"id": entry_id}).scalar() == 0
        assert conn.execute(text("SELECT summary FROM entries WHERE id = :id"), {"id": entry_id}).scalar() == "收物业费"


def _draft_with_lines(ledger, *amounts):
    from ledger.services import entries

    with ledger.tx() as s:
        e = entries.create_entry(s, ledger.user(s, "maker"), ledger.book(s), ledger.entry_input(
            D(2026, 3, 5), "草稿", ("1002", "GEN", "10.00"), ("4101", "GEN", "-10.00")))
        return e.id


def test_raw_sql_cannot_post_an_unbalanced_entry(ledger, engine):
    entry_id = _draft_with_lines(ledger)
    with engine.begin() as conn:  # drafts may change freely
        conn.execute(text("UPDATE entry_lines SET amount_fen = 999 WHERE entry_id = :id AND line_no = 1"), {"id": entry_id})
    message = _refused(engine, "UPDATE entries SET status = 'posted' WHERE id = :id", id=entry_id)
    assert "借贷不平" in message
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM entries WHERE id = :id"), {"id": entry_id}).scalar() == "draft"


def test_raw_sql_cannot_post_when_balanced_in_total_but_not_per_fund(ledger, engine):
    entry_id = _draft_with_lines(ledger)
    with engine.begin() as conn:
        repair = conn.execute(text("SELECT id FROM funds WHERE code = 'REPAIR'")).scalar()
        conn.execute(text("UPDATE entry_lines SET fund_id = :f WHERE entry_id = :id AND line_no = 1"), {"f": repair, "id": entry_id})
    assert "借贷不平" in _refused(engine, "UPDATE entries SET status = 'posted' WHERE id = :id", id=entry_id)


def test_raw_sql_cannot_post_an_entry_without_lines_or_insert_one_posted(ledger, engine):
    entry_id = _draft_with_lines(ledger)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM entry_lines WHERE entry_id = :id"), {"id": entry_id})
    _refused(engine, "UPDATE entries SET status = 'posted' WHERE id = :id", id=entry_id)
    _refused(engine, "INSERT INTO entries (book_id, period_id, date, summary, status, source, maker_id, created_at) "
                     "SELECT book_id, period_id, date, 'x', 'posted', 'manual', maker_id, created_at FROM entries WHERE id = :id",
             id=entry_id)


def test_raw_sql_cannot_post_into_a_closed_period(ledger, engine):
    entry_id = _draft_with_lines(ledger)  # a draft dated in March 2026
    # Marking a month closed by hand is refused: a month closes only with its signed close record.
    assert "结账记录" in _refused(engine, "UPDATE periods SET status = 'closed'")
    ledger.close(2026, 3)
    said = _refused(engine, "UPDATE entries SET status = 'posted' WHERE id = :id", id=entry_id)
    assert "已结账" in said or "锁定日" in said
    # Moved by SQL into an open month's row but still dated on or before the lock date: the lock date holds.
    with engine.begin() as conn:
        april = conn.execute(text("INSERT INTO periods (book_id, year, month, status) SELECT book_id, 2026, 4, 'open' "
                                  "FROM entries WHERE id = :id RETURNING id"), {"id": entry_id}).scalar_one()
        conn.execute(text("UPDATE entries SET period_id = :p, date = '2026-03-15' WHERE id = :id"), {"p": april, "id": entry_id})
    assert "锁定日" in _refused(engine, "UPDATE entries SET status = 'posted' WHERE id = :id", id=entry_id)


@pytest.mark.parametrize("sql", [
    "UPDATE periods SET status = 'open'",
    "UPDATE periods SET closed_at = NULL",
    "DELETE FROM periods WHERE status = 'closed'",
    "UPDATE period_closes SET trial_balance = '{}'",
    "DELETE FROM period_closes",
])
def test_a_closed_month_cannot_be_reopened_with_sql(ledger, engine, sql):
    _posted(ledger)
    ledger.close(2026, 3)
    _refused(engine, sql)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM periods WHERE year = 2026 AND month = 3")).scalar_one() == "closed"
        assert conn.execute(text("SELECT COUNT(*) FROM period_closes")).scalar_one() == 1


@pytest.mark.parametrize("sql", [
    "UPDATE accounts SET type = 'expense' WHERE code = '4101'",
    "UPDATE accounts SET cash = TRUE WHERE code = '4101'",
    "UPDATE accounts SET code = '4109' WHERE code = '4101'",
    "UPDATE funds SET code = 'X' WHERE code = 'GEN'",
    "UPDATE book_heads SET chain_seq = chain_seq - 1",
    "DELETE FROM book_heads",
    "UPDATE books SET start_date = '2020-01-01'",
    "DELETE FROM entry_makers",
])
def test_identities_the_chain_rests_on_cannot_change_with_sql(ledger, engine, sql):
    _posted(ledger)
    _refused(engine, sql)


@pytest.mark.parametrize("table", ["entries", "entry_lines", "approvals", "audit_log"])
def test_truncate_is_refused_on_postgresql(ledger, engine, table):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE is guarded above")
    _posted(ledger)
    _refused(engine, f"TRUNCATE {table} CASCADE")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM entries WHERE status = 'posted'")).scalar() == 1


def test_guards_can_be_dropped_and_recreated(engine):
    with engine.begin() as conn:
        drop_guards(conn)
        assert not (expected_guards(engine.dialect.name) & installed_guards(conn))
        create_guards(conn)
        assert expected_guards(engine.dialect.name) <= installed_guards(conn)


def test_the_public_copies_of_a_posted_entrys_vouchers_are_append_only(ledger, engine, tmp_path):
    """What residents see of a voucher (its newest signed public copy) cannot be changed or taken away by SQL;
    a draft's copies go with its voucher."""
    from ledger.services import entries, vouchers

    from .test_vouchers import png

    store = vouchers.VoucherStore(tmp_path / "v")
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 5), "保洁费", ("5101", "GEN", "300.00"), ("1002", "GEN", "-300.00")))
        draft = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 6), "草稿", ("5101", "GEN", "30.00"), ("1002", "GEN", "-30.00")))
        vouchers.upload_voucher(s, ledger.user(s, "maker"), book, entry, png(), "发票.png", store, 20 << 20)
        vouchers.upload_voucher(s, ledger.user(s, "maker"), book, draft, png(), "草稿.png", store, 20 << 20)
        entries.submit_entry(s, ledger.user(s, "maker"), book, entry)
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
        posted_id, draft_id = entry.id, draft.id
    of = "attachment_id IN (SELECT id FROM attachments WHERE entry_id = :e)"
    for sql in (f"UPDATE voucher_publics SET redactions = '[]', pages = '[]' WHERE {of}",
                f"UPDATE voucher_publics SET signature = NULL WHERE {of}",
                f"DELETE FROM voucher_publics WHERE {of}"):
        _refused(engine, sql, e=posted_id)
    with engine.begin() as conn:  # a draft's voucher (and its copies) can still be removed
        assert conn.execute(text(f"DELETE FROM voucher_publics WHERE {of}"), {"e": draft_id}).rowcount == 1
