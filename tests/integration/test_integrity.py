"""History that cannot change quietly: the lock date, makers who cannot approve, and a `verify`
that names what SQL alone did (issue: integrity first). Each attack was reproduced on the code
before the fix; these tests run it on SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text

from ledger.db.guards import create_guards, drop_guards
from ledger.domain import errors
from ledger.domain.chain import GENESIS
from ledger.services import books, entries, periods, users
from ledger.services.verify import verify_book

from ..conftest import D

FEE = (("1002", "GEN", "1200.00"), ("4101", "GEN", "-1200.00"))


def _refused(ledger, kind, fn):
    with pytest.raises(kind) as info:
        with ledger.tx() as s:
            fn(s)
    return info.value


def _verify(ledger):
    with ledger.tx() as s:
        return verify_book(s, ledger.book(s))


def _raw(engine, *statements, guards_off=True, **params):
    with engine.begin() as conn:
        if guards_off:
            drop_guards(conn)
        for sql in statements:
            conn.execute(text(sql), params)
        if guards_off:
            create_guards(conn)


# -- 1. Closed history stays closed -------------------------------------------------------

def test_nothing_is_dated_before_the_first_month_of_a_book(ledger):
    err = _refused(ledger, errors.PeriodClosed, lambda s: entries.create_entry(
        s, ledger.user(s, "maker"), ledger.book(s), ledger.entry_input(D(2024, 12, 31), "去年的收入", *FEE)))
    assert "首月" in err.message_zh and "2025-01" in err.message_en
    with ledger.tx() as s:
        assert s.execute(text("SELECT COUNT(*) FROM periods")).scalar_one() == 0  # no phantom month either


def test_a_closed_month_refuses_entries_by_every_path(ledger):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    ledger.close(2026, 3)
    # Back-dated into the closed month, or into an earlier month that never had entries.
    for date in (D(2026, 3, 31), D(2025, 6, 15)):
        err = _refused(ledger, errors.PeriodClosed, lambda s, date=date: entries.create_entry(
            s, ledger.user(s, "maker"), ledger.book(s), ledger.entry_input(date, "补记", *FEE), submit=True))
        assert "锁定日 2026-03-31" in err.message_zh and "reversal" in err.message_en
    err = _refused(ledger, errors.PeriodClosed, lambda s: entries.post_imported(
        s, users.system_user(s), ledger.book(s), [ledger.entry_input(D(2025, 6, 15), "导入", *FEE)]))
    assert err.field == "records[0].date"
    # A reversal of a March entry lands in an open month, never in March.
    with ledger.tx() as s:
        book = ledger.book(s)
        march = entries.get_entry_by_number(s, book, "记-2026-03-0001")
        with pytest.raises(errors.PeriodClosed):
            entries.reverse_entry(s, ledger.user(s, "maker"), book, march, date=D(2026, 3, 31))
    with ledger.tx() as s:
        book = ledger.book(s)
        march = entries.get_entry_by_number(s, book, "记-2026-03-0001")
        reversal = entries.reverse_entry(s, ledger.user(s, "maker"), book, march, date=D(2026, 4, 2))
        entries.approve_entry(s, ledger.user(s, "approver1"), book, reversal)
        assert reversal.number == "记-2026-04-0001"
    assert _verify(ledger).ok


def test_months_close_in_order_and_only_once_they_have_ended(ledger):
    ledger.post(D(2026, 2, 5), "2月物业费", *FEE)
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    err = _refused(ledger, errors.PeriodNotReady, lambda s: periods.close_period(
        s, ledger.user(s, "approver1"), ledger.book(s), 2026, 3))
    assert "2026-02" in err.message_zh
    with ledger.tx() as s:
        with pytest.raises(errors.PeriodNotReady) as info:
            periods.close_period(s, ledger.user(s, "approver1"), ledger.book(s), 2031, 5)
        assert "has not ended" in info.value.message_en
    ledger.close(2026, 2)
    ledger.close(2026, 3)
    err = _refused(ledger, errors.PeriodClosed, lambda s: periods.close_period(
        s, ledger.user(s, "approver1"), ledger.book(s), 2026, 3))
    assert "already closed" in err.message_en


def test_the_close_record_carries_the_closing_trial_balance(ledger, engine):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    ledger.close(2026, 3)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT trial_balance, trial_balance_hash, through_date, chain_seq FROM period_closes")).one()
    tb = json.loads(row.trial_balance)
    assert tb["balances"] == [["1002", "GEN", 120000], ["4101", "GEN", -120000]]
    assert hashlib.sha256(row.trial_balance.encode()).hexdigest() == row.trial_balance_hash
    assert str(row.through_date) == "2026-03-31" and row.chain_seq == 1


def test_verify_names_a_reopened_month_and_changed_closing_balances(ledger, engine):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    ledger.close(2026, 3)
    assert _verify(ledger).ok
    _raw(engine, "UPDATE periods SET status = 'open'")
    report = _verify(ledger)
    assert any("reopened" in p.message_en and p.where == "2026-03" for p in report.problems)
    _raw(engine, "UPDATE periods SET status = 'closed'",
         "UPDATE entry_lines SET amount_fen = amount_fen * 2")
    report = _verify(ledger)
    assert any("balances changed after closing: account 1002 fund GEN was 1200.00, is 2400.00" in p.message_en
               for p in report.problems)


# -- 5. Whoever changes the content is a maker ------------------------------------------------

def test_someone_who_edited_an_entry_cannot_approve_it(ledger):
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(D(2026, 3, 5), "小额", *FEE))
        entry_id = entry.id
    with ledger.tx() as s:  # the admin rewrites the treasurer's 1,200.00 into 9,000.00 and submits
        book = ledger.book(s)
        admin = users.create_user(s, "boss", "boss", "password-123", is_admin=True)
        entry = entries.get_entry(s, book, entry_id)
        big = (("1002", "GEN", "9000.00"), ("4101", "GEN", "-9000.00"))
        entries.update_draft(s, admin, book, entry, ledger.entry_input(D(2026, 3, 5), "小额", *big))
        entries.submit_entry(s, ledger.user(s, "maker"), book, entry)
    err = _refused(ledger, errors.SelfApproval, lambda s: entries.approve_entry(
        s, users.get_user(s, "boss"), ledger.book(s), entries.get_entry(s, ledger.book(s), entry_id)))
    assert "修改" in err.message_zh
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.approve_entry(s, ledger.user(s, "approver1"), book, entries.get_entry(s, book, entry_id))
        assert entry.status == "posted"
        assert sorted(m.user.username for m in entry.makers) == ["boss", "maker"]


# -- 6. Raw SQL cannot append, alter, remove or reorder without verify naming it ----------------

def _forge(engine, ledger):
    """Insert a draft with lines and post it with the next hash computed from the documented form."""
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(D(2026, 3, 9), "伪造", *FEE))
        entry_id = entry.id
    with engine.begin() as conn:
        prev = conn.execute(text("SELECT hash, chain_seq FROM entries WHERE status = 'posted' ORDER BY chain_seq DESC")).first()
        doc = {"book": "T1", "number": "记-2026-03-0002", "date": "2026-03-09", "summary": "伪造",
               "lines": [{"account": "1002", "account_type": "asset", "cash": True, "fund": "GEN", "fen": 120000, "note": ""},
                         {"account": "4101", "account_type": "income", "cash": False, "fund": "GEN", "fen": -120000, "note": ""}],
               "attachments": [], "makers": ["maker"], "approvers": ["approver1"], "source": "manual", "reverses": None}
        digest = hashlib.sha256(prev.hash.encode() + json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        approver = conn.execute(text("SELECT id FROM users WHERE username = 'approver1'")).scalar_one()
        conn.execute(text("INSERT INTO approvals (entry_id, user_id, decided_at) VALUES (:e, :u, CURRENT_TIMESTAMP)"),
                     {"e": entry_id, "u": approver})
        conn.execute(text(
            "UPDATE entries SET status = 'posted', seq = 2, number = '记-2026-03-0002', chain_seq = :c, prev_hash = :p, "
            "hash = :h, signature = :sig WHERE id = :id"),
            {"c": prev.chain_seq + 1, "p": prev.hash, "h": digest, "sig": "ab" * 64, "id": entry_id})
    return entry_id


def test_an_entry_posted_by_sql_alone_fails_verify(ledger, engine):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    _forge(engine, ledger)
    report = _verify(ledger)
    assert not report.ok
    assert report.problems[0].where == "记-2026-03-0002"
    assert "signature" in report.problems[0].message_en
    assert any("chain head records 1 entries, the book has 2" in p.message_en for p in report.problems)


def test_an_entry_approved_by_nobody_fails_verify_even_with_a_good_hash(ledger, engine):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    _raw(engine, "DELETE FROM approvals")
    report = _verify(ledger)
    assert any("approval rule broken: needs 1 approvers, has 0" in p.message_en for p in report.problems)
    assert any("hash does not match" in p.message_en for p in report.problems)


@pytest.mark.parametrize("attack", ["delete", "demote"])
def test_removing_the_last_entry_fails_verify(ledger, engine, attack):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    ledger.post(D(2026, 3, 6), "3月停车费", ("1002", "GEN", "80.00"), ("4202", "GEN", "-80.00"))
    last = "SELECT id FROM entries WHERE chain_seq = 2"
    if attack == "delete":
        _raw(engine, f"DELETE FROM approvals WHERE entry_id = ({last})", f"DELETE FROM entry_makers WHERE entry_id = ({last})",
             f"DELETE FROM entry_lines WHERE entry_id = ({last})", "DELETE FROM entries WHERE chain_seq = 2")
    else:
        _raw(engine, "UPDATE entries SET status = 'draft', chain_seq = NULL, number = NULL, seq = NULL, hash = NULL "
                     "WHERE chain_seq = 2")
    report = _verify(ledger)
    assert [p.message_en for p in report.problems] == [
        "the chain head records 2 entries, the book has 1 posted (an entry was removed, demoted or added)",
        # and were the head row deleted too, the witness beside the key still knows the chain reached 2
        "differs from the witness: the hash of posted entry 2 in the chain differs from the witness: the chain was rewritten"]


def test_changing_an_account_type_or_cash_flag_fails_verify(ledger, engine):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    _raw(engine, "UPDATE accounts SET type = 'liability' WHERE code = '4101'")
    report = _verify(ledger)
    assert report.problems[0].where == "记-2026-03-0001" and "account's type" in report.problems[0].message_en


def test_reordering_entries_fails_verify(ledger, engine):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    ledger.post(D(2026, 3, 6), "3月停车费", ("1002", "GEN", "80.00"), ("4202", "GEN", "-80.00"))
    _raw(engine, "UPDATE entries SET chain_seq = 3 WHERE chain_seq = 1", "UPDATE entries SET chain_seq = 1 WHERE chain_seq = 2",
         "UPDATE entries SET chain_seq = 2 WHERE chain_seq = 3")
    assert any("previous hash does not match" in p.message_en for p in _verify(ledger).problems)


def test_verify_needs_the_key_from_outside_the_database(ledger, engine, tmp_path, monkeypatch):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    with ledger.tx() as s:
        public = ledger.book(s).public_key
    monkeypatch.setenv("LEDGER_KEY_DIR", str(tmp_path / "elsewhere"))
    report = _verify(ledger)
    assert "no signing key for the book outside the database" in report.problems[0].message_en
    with ledger.tx() as s:  # the public key alone is enough to check
        assert verify_book(s, ledger.book(s), public_key=public).ok
        assert not verify_book(s, ledger.book(s), public_key="00" * 32).ok


def test_a_replaced_voucher_file_fails_verify(ledger, tmp_path):
    from ledger.services import vouchers

    from .test_vouchers import jpeg

    store = vouchers.VoucherStore(tmp_path / "v")
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(D(2026, 3, 5), "保洁费",
                                     ("5101", "GEN", "300.00"), ("1002", "GEN", "-300.00")))
        attachment = vouchers.upload_voucher(s, ledger.user(s, "maker"), book, entry, jpeg(), "发票.jpg", store, 20 << 20)
        sha = attachment.sha256
        entries.submit_entry(s, ledger.user(s, "maker"), book, entry)
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
    with ledger.tx() as s:
        assert verify_book(s, ledger.book(s), store=store).vouchers_checked == 1
    store.original(sha).chmod(0o644)
    store.original(sha).write_bytes(b"a different invoice")
    with ledger.tx() as s:
        report = verify_book(s, ledger.book(s), store=store)
    assert "voucher original was replaced" in report.problems[0].message_en


# -- 7. verify never crashes ---------------------------------------------------------------------

def test_a_line_on_another_books_account_is_a_finding_not_a_traceback(ledger, engine):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    with ledger.tx() as s:
        books.create_book(s, users.system_user(s), "T2", "另一账簿", "Other", "trust", first_month=(2025, 1))
    _raw(engine, "UPDATE entry_lines SET account_id = (SELECT a.id FROM accounts a JOIN books b ON b.id = a.book_id "
                 "WHERE b.code = 'T2' AND a.code = '1002') WHERE line_no = 1")
    report = _verify(ledger)
    assert any("account 1002 or fund GEN is not of this book" in p.message_en for p in report.problems)


def test_verify_turns_unreadable_rows_into_findings(ledger, engine):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    _raw(engine, "UPDATE entries SET seq = NULL, number = NULL, prev_hash = NULL, hash = NULL, signature = NULL")
    report = _verify(ledger)
    assert not report.ok and report.problems[0].where  # named, and no exception escaped


def test_the_genesis_and_an_empty_book_verify(ledger):
    report = _verify(ledger)
    assert report.ok and report.entries == 0 and report.head == GENESIS


def test_a_date_the_ledger_cannot_keep_is_refused_by_the_one_rule(ledger):
    from ledger.domain.model import parse_date

    for text_ in ("0001-01-01", "9999-12-31"):
        with pytest.raises(errors.InvalidInput) as info:
            parse_date(text_)  # what the form and the imports read dates with
        assert "2000-01-01" in info.value.message_en
    err = _refused(ledger, errors.InvalidInput, lambda s: entries.create_entry(
        s, ledger.user(s, "maker"), ledger.book(s), ledger.entry_input(D(1, 1, 1), "远古", *FEE)))
    assert err.field == "date"
    with ledger.tx() as s:
        assert s.execute(text("SELECT COUNT(*) FROM periods")).scalar_one() == 0


@pytest.mark.parametrize("held_by", ["voucher", "flag", "waiver"])
def test_a_draft_that_holds_a_voucher_a_flag_or_a_waiver_is_refused_deletion_plainly(ledger, held_by, tmp_path):
    from ledger.services import flags, vouchers

    from .test_vouchers import jpeg

    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 5), "保洁费", ("5101", "GEN", "300.00"), ("1002", "GEN", "-300.00")))
        if held_by == "voucher":
            vouchers.upload_voucher(s, ledger.user(s, "maker"), book, entry, jpeg(), "a.jpg", vouchers.VoucherStore(tmp_path), 20 << 20)
        elif held_by == "flag":
            flags.raise_flag(s, ledger.user(s, "watcher"), book, entry, "这笔保洁费为何比上月高？")
        else:
            periods.waive_voucher(s, ledger.user(s, "maker"), book, entry, "收据遗失")
        entry_id = entry.id
    err = _refused(ledger, errors.InvalidState, lambda s: entries.delete_draft(
        s, ledger.user(s, "maker"), ledger.book(s), entries.get_entry(s, ledger.book(s), entry_id)))
    assert "不能删除" in err.message_zh and "cannot be deleted" in err.message_en
    with ledger.tx() as s:
        assert entries.get_entry(s, ledger.book(s), entry_id).status == "draft"
