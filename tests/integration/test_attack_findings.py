"""Attacks an adversarial review of issue 6 found, each now refused or named by `verify`.

Each test runs the attack and asserts what happens instead (it failed until its hole was closed). Attacker (a) holds a SQL prompt (guards may be dropped) but not the key folder;
attacker (b) uses only the app as a committee member, treasurer or administrator. Where a
test says `guards_off=False`, the attack needs no dropped trigger at all.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from ledger.db.guards import create_guards, drop_guards
from ledger.domain.errors import LedgerError
from ledger.services import books, entries, reports, users
from ledger.services.access import get_book
from ledger.services.verify import verify_all, verify_book
from ledger.services.witness import WitnessMismatch

from ..conftest import D

FEE = (("1002", "GEN", "1200.00"), ("4101", "GEN", "-1200.00"))

def _verify(ledger, **kw):
    with ledger.tx() as s:
        return verify_book(s, ledger.book(s), **kw)


def _raw(engine, *statements, guards_off=True):
    with engine.begin() as conn:
        if guards_off:
            drop_guards(conn)
        for sql in statements:
            conn.execute(text(sql))
        if guards_off:
            create_guards(conn)


def _tb(ledger) -> dict[str, int]:
    with ledger.tx() as s:
        return {r.code: r.balance_fen for r in reports.trial_balance(s, ledger.book(s)).rows}


def _second_book(ledger, code="T2"):
    with ledger.tx() as s:
        system = users.system_user(s)
        book = books.create_book(s, system, code, "另一账簿", "Other", "trust", first_month=(2025, 1))
        users.grant_role(s, system, ledger.user(s, "maker"), book, "treasurer")


def _submitted(ledger, date, summary, *lines, maker="maker") -> int:
    with ledger.tx() as s:
        return entries.create_entry(s, ledger.user(s, maker), ledger.book(s),
                                    ledger.entry_input(date, summary, *lines), submit=True).id


def _approve(ledger, username, entry_id):
    """Approve; returns the entry's status afterwards, or the refusal."""
    try:
        with ledger.tx() as s:
            book = ledger.book(s)
            return entries.approve_entry(s, ledger.user(s, username), book, entries.get_entry(s, book, entry_id)).status
    except LedgerError as e:
        return e


BIG = (("5101", "GEN", "90000.00"), ("1002", "GEN", "-90000.00"))  # above the 10,000.00 threshold: two approvers


# -- A1. `ledger db upgrade` re-signs whatever SQL left: history laundering --------------------------------

def test_rolling_the_schema_back_to_0004_cannot_get_tampered_history_re_signed(ledger, engine, db_url, monkeypatch):
    """SQL alone rewrites a posted, closed entry, drops entry_makers/period_closes/book_heads and sets
    alembic_version to 0004. The administrator's next routine `ledger db upgrade` re-applies 0005 and
    adopt_unsigned_history signs the forged history, head and close records with the real key."""
    from click.testing import CliRunner

    from ledger.cli import main

    ledger.post(D(2026, 2, 5), "2月物业费", *FEE)
    ledger.close(2026, 2)
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    assert _verify(ledger).ok
    _raw(engine,
         "UPDATE entry_lines SET amount_fen = amount_fen / 2",  # 1,200.00 of fees become 600.00 each, closed Feb too
         "DROP TABLE entry_makers", "DROP TABLE period_closes", "DROP TABLE book_heads",
         "UPDATE alembic_version SET version_num = '0004'")
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    CliRunner().invoke(main, ["db", "upgrade"], catch_exceptions=True)
    assert _tb(ledger).get("1002") == 120000  # the lie is in the books ...
    report = _verify(ledger)
    assert not report.ok, "verify says OK after the key re-signed SQL's rewrite of a closed month"


# -- A2. The trial balance counts lines verify never sees ----------------------------------------------------

def test_an_entry_with_an_unknown_status_stays_out_of_the_trial_balance(ledger, engine):
    """With every guard in place: a draft set to status 'void' is not posted (verify skips it), but the
    trial balance's fast path subtracts only draft/submitted/rejected from the sum of all lines."""
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    with ledger.tx() as s:
        ghost = entries.create_entry(s, ledger.user(s, "maker"), ledger.book(s), ledger.entry_input(
            D(2026, 3, 6), "幽灵收入", ("1002", "GEN", "50000.00"), ("4101", "GEN", "-50000.00"))).id
    before = _tb(ledger)
    _raw(engine, f"UPDATE entries SET status = 'void' WHERE id = {ghost}", guards_off=False)
    assert _verify(ledger).ok
    assert _tb(ledger) == before, "50,000.00 that was never posted shows in the trial balance"


def test_a_posted_line_moved_to_another_book_is_named_by_verify(ledger, engine):
    """Reports sum lines by entry_lines.book_id; verify reads lines by entry and never looks at it."""
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    _second_book(ledger)
    before = _tb(ledger)
    _raw(engine, "UPDATE entry_lines SET book_id = (SELECT id FROM books WHERE code = 'T2') WHERE line_no = 2")
    after = _tb(ledger)
    assert after != before  # T1's trial balance no longer balances: 4101 vanished
    assert not _verify(ledger).ok, "verify says OK while the trial balance lost a posted line"


def test_a_draft_line_tagged_with_another_book_does_not_crash_the_trial_balance(ledger, engine):
    """With every guard in place: `_account_sums` does `sums[a]` for lines of T1's drafts, and a draft line
    whose book_id is T2 is not in `sums` -> KeyError (a 500 on the trial-balance page, API and CLI)."""
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    _second_book(ledger)
    with ledger.tx() as s:
        draft = entries.create_entry(s, ledger.user(s, "maker"), ledger.book(s), ledger.entry_input(
            D(2026, 3, 6), "草稿", ("1002", "GEN", "1.00"), ("5101", "GEN", "-1.00"))).id
    _raw(engine, f"UPDATE entry_lines SET book_id = (SELECT id FROM books WHERE code = 'T2') WHERE entry_id = {draft}",
         guards_off=False)
    assert _tb(ledger) == {"1002": 120000, "4101": -120000}


# -- A3. Close records are not anchored: the latest can be deleted and its month reopened ------------------

def test_deleting_the_latest_close_record_is_named_by_verify(ledger, engine):
    ledger.post(D(2026, 2, 5), "2月物业费", *FEE)
    ledger.close(2026, 2)
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    _raw(engine, "DELETE FROM period_closes", "UPDATE periods SET status = 'open', closed_at = NULL, closed_by_id = NULL")
    # February looks open again: the app must not post a back-dated expense into it.
    with pytest.raises(WitnessMismatch, match="lock date"):
        ledger.post(D(2026, 2, 20), "补记2月支出", ("5101", "GEN", "900.00"), ("1002", "GEN", "-900.00"))
    with pytest.raises(WitnessMismatch):
        ledger.close(2026, 3)
    report = _verify(ledger)
    assert not report.ok, "a close record was deleted and its month reopened, and verify says OK"
    assert any("lock date" in p.message_en for p in report.problems)


# -- A4. Unsigned book and fund settings that verify trusts -------------------------------------------------

def test_unrestricting_a_restricted_fund_by_sql_is_named_by_verify(ledger, engine):
    ledger.post(D(2026, 3, 5), "维修基金捐赠", ("1002", "REPAIR", "100.00"), ("4101", "REPAIR", "-100.00"))
    _raw(engine, "UPDATE funds SET restricted = false WHERE code = 'REPAIR'")
    # The app must not now let the restricted fund spend five times what it holds.
    with pytest.raises(WitnessMismatch, match="settings"):
        ledger.post(D(2026, 3, 6), "维修支出", ("5101", "REPAIR", "500.00"), ("1002", "REPAIR", "-500.00"))
    assert not _verify(ledger).ok, "the fund's restriction was lifted by SQL and verify says OK"


def test_raising_the_approval_threshold_by_sql_cannot_let_one_approver_post_90000(ledger, engine):
    _raw(engine, "UPDATE books SET approval_threshold_fen = 999999999999999")
    entry_id = _submitted(ledger, D(2026, 3, 10), "大额维修", *BIG)
    status = _approve(ledger, "approver1", entry_id)
    assert not (status == "posted" and _verify(ledger).ok), "90,000.00 posted on one approval, verify OK"


def test_moving_the_first_month_earlier_by_sql_is_named_by_verify(ledger, engine):
    _raw(engine, "UPDATE books SET start_date = '2020-01-01'")
    with pytest.raises(WitnessMismatch, match="settings"):
        ledger.post(D(2021, 3, 5), "首月之前的收入", *FEE)  # the book starts 2025-01
    assert not _verify(ledger).ok, "the first month was moved by SQL, verify OK"


# -- A5. Pending approvals and makers are plain rows (no guard dropped) -------------------------------------

def test_an_approval_row_by_a_viewer_does_not_count(ledger, engine):
    entry_id = _submitted(ledger, D(2026, 3, 10), "大额维修", *BIG)
    _raw(engine, f"INSERT INTO approvals (entry_id, user_id, decided_at) VALUES "
                 f"({entry_id}, (SELECT id FROM users WHERE username = 'reader'), CURRENT_TIMESTAMP)", guards_off=False)
    status = _approve(ledger, "approver1", entry_id)
    assert not (status == "posted" and _verify(ledger).ok), \
        "posted with one committee approval plus a resident's forged one; verify OK"


def test_content_changed_after_the_first_approval_does_not_post(ledger, engine):
    entry_id = _submitted(ledger, D(2026, 3, 10), "维修", ("5101", "GEN", "12000.00"), ("1002", "GEN", "-12000.00"))
    assert _approve(ledger, "approver1", entry_id) == "submitted"
    _raw(engine, f"UPDATE entry_lines SET amount_fen = amount_fen * 8 WHERE entry_id = {entry_id}", guards_off=False)
    status = _approve(ledger, "approver2", entry_id)
    assert not (status == "posted" and _verify(ledger).ok), \
        "approver1 approved 12,000.00; 96,000.00 posted in their name, verify OK"


def test_an_editor_deleted_from_entry_makers_still_cannot_approve(ledger, engine):
    with ledger.tx() as s:
        book = ledger.book(s)
        entry_id = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(D(2026, 3, 10), "小额", *FEE)).id
    with ledger.tx() as s:  # the admin rewrites the treasurer's draft and submits it (issue 6, item 5)
        book = ledger.book(s)
        admin = users.create_user(s, "boss", "boss", "password-123", is_admin=True)
        entry = entries.get_entry(s, book, entry_id)
        entries.update_draft(s, admin, book, entry, ledger.entry_input(
            D(2026, 3, 10), "小额", ("5101", "GEN", "9000.00"), ("1002", "GEN", "-9000.00")))
        entries.submit_entry(s, admin, book, entry)
    _raw(engine, f"DELETE FROM entry_makers WHERE entry_id = {entry_id} "
                 "AND user_id = (SELECT id FROM users WHERE username = 'boss')", guards_off=False)
    status = _approve(ledger, "boss", entry_id)
    assert not (status == "posted" and _verify(ledger).ok), "the admin approved their own rewrite; verify OK"


# -- A6. Reversals ------------------------------------------------------------------------------------------

def test_a_rejected_reversal_cannot_be_edited_into_a_different_entry(ledger):
    """Through the app alone: the reversal of 记-2026-03-0001 is rejected, its maker rewrites its lines into a
    5,000.00 expense, it is approved and posts as source=reversal "reversing" 记-2026-03-0001 (which the
    journal now shows as reversed), and the close checklist never asks for its voucher."""
    number = ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    with ledger.tx() as s:
        book = ledger.book(s)
        rev = entries.reverse_entry(s, ledger.user(s, "maker"), book, entries.get_entry_by_number(s, book, number),
                                    date=D(2026, 3, 20))
        rev_id = rev.id
        entries.reject_entry(s, ledger.user(s, "approver1"), book, rev, "日期不对")
    try:
        with ledger.tx() as s:
            book = ledger.book(s)
            rev = entries.get_entry(s, book, rev_id)
            entries.update_draft(s, ledger.user(s, "maker"), book, rev, ledger.entry_input(
                D(2026, 3, 21), rev.summary, ("5101", "GEN", "5000.00"), ("1002", "GEN", "-5000.00")))
            entries.submit_entry(s, ledger.user(s, "maker"), book, rev)
    except LedgerError:
        return  # refused: the fix
    status = _approve(ledger, "approver2", rev_id)
    assert not (status == "posted" and _verify(ledger).ok), \
        "a 'reversal' whose lines do not reverse its original posted; verify OK"


def test_a_reversal_relinked_to_another_books_entry_is_named_by_verify(ledger, engine):
    """reverses_id is resolved to a number with no book filter (history.iter_posted): point T1's reversal at a
    T2 row carrying the same number and the hash still matches, T1's original looks unreversed, and the app
    reverses it a second time."""
    number = ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    with ledger.tx() as s:
        book = ledger.book(s)
        rev = entries.reverse_entry(s, ledger.user(s, "maker"), book, entries.get_entry_by_number(s, book, number),
                                    date=D(2026, 3, 20))
        entries.approve_entry(s, ledger.user(s, "approver1"), book, rev)
        rev_id = rev.id
    _second_book(ledger)
    with ledger.tx() as s:
        t2 = get_book(s, "T2")
        decoy = entries.create_entry(s, ledger.user(s, "maker"), t2, ledger.entry_input(D(2026, 3, 5), "草稿", *FEE)).id
    _raw(engine, f"UPDATE entries SET number = '{number}' WHERE id = {decoy}", guards_off=False)  # a draft: unguarded
    _raw(engine, f"UPDATE entries SET reverses_id = {decoy} WHERE id = {rev_id}")
    with ledger.tx() as s:
        book = ledger.book(s)
        again = entries.reverse_entry(s, ledger.user(s, "maker"), book, entries.get_entry_by_number(s, book, number),
                                      date=D(2026, 3, 21))
        entries.approve_entry(s, ledger.user(s, "approver1"), book, again)
    assert _tb(ledger) == {"1002": -120000, "4101": 120000}  # 1,200.00 of fees reversed twice
    assert not _verify(ledger).ok, "an entry reversed twice, verify OK"


# -- A7. Restricted funds below zero at a month end (app alone) ---------------------------------------------

def test_a_back_dated_spend_cannot_leave_a_restricted_fund_below_zero_at_a_closed_month_end(ledger):
    """The overdraft check sums the fund's cash over all dates; verify checks only the final total. A grant
    received 1 March pays for an expense dated 20 February: February closes with REPAIR at -80.00 cash."""
    ledger.post(D(2026, 3, 1), "维修基金拨款", ("1002", "REPAIR", "100.00"), ("4101", "REPAIR", "-100.00"))
    try:
        ledger.post(D(2026, 2, 20), "维修支出", ("5101", "REPAIR", "80.00"), ("1002", "REPAIR", "-80.00"))
    except LedgerError:
        return  # refused: the fix
    with ledger.tx() as s:
        feb = {f.code: f.cash_fen for f in reports.fund_balances(s, ledger.book(s), D(2026, 2, 28))}
    assert feb["REPAIR"] == -8000
    ledger.close(2026, 2)
    assert not _verify(ledger).ok, "February's closed balances show the restricted fund at -80.00; verify OK"


# -- A8. Whole history, whole books --------------------------------------------------------------------------

def test_wiping_a_books_whole_history_is_named_by_verify(ledger, engine):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    ledger.post(D(2026, 3, 6), "3月停车费", ("1002", "GEN", "80.00"), ("4202", "GEN", "-80.00"))
    _raw(engine, "DELETE FROM approvals", "DELETE FROM entry_makers", "DELETE FROM entry_lines",
         "DELETE FROM entries", "DELETE FROM book_heads")
    assert not _verify(ledger).ok, "every posted entry and the signed head are gone; verify says OK, 0 entries"


def test_deleting_a_whole_book_is_named_by_verify(ledger, engine):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    _second_book(ledger)
    _raw(engine, "DELETE FROM approvals", "DELETE FROM entry_makers", "DELETE FROM entry_lines", "DELETE FROM entries",
         "DELETE FROM book_heads", "DELETE FROM periods", "DELETE FROM audit_log", "DELETE FROM memberships WHERE book_id = "
         "(SELECT id FROM books WHERE code = 'T1')", "DELETE FROM funds WHERE book_id = (SELECT id FROM books WHERE code = 'T1')",
         "DELETE FROM accounts WHERE book_id = (SELECT id FROM books WHERE code = 'T1')", "DELETE FROM books WHERE code = 'T1'")
    with ledger.tx() as s:
        reports_ = verify_all(s)  # what `ledger verify` runs; T1's key is still in the key folder
    assert [(r.book, r.ok) for r in reports_] == [("T1", False), ("T2", True)], "book T1 vanished; verify says OK"
    assert "it was deleted" in reports_[0].problems[0].message_en


# -- A9. What residents see of a voucher ----------------------------------------------------------------------

def test_a_public_voucher_image_swapped_by_sql_is_named_by_verify(ledger, engine, tmp_path):
    """voucher_publics has no guard and no signature: one INSERT makes voucher A show voucher B's image."""
    from ledger.services import vouchers

    from ..integration.test_vouchers import jpeg

    store = vouchers.VoucherStore(tmp_path / "v")
    ids = []
    with ledger.tx() as s:
        book = ledger.book(s)
        for i in range(2):
            entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
                D(2026, 3, 5 + i), f"保洁费{i}", ("5101", "GEN", "300.00"), ("1002", "GEN", "-300.00")))
            ids.append(vouchers.upload_voucher(s, ledger.user(s, "maker"), book, entry, jpeg(color=(200, 20 + 100 * i, 40)),
                                               "发票.jpg", store, 20 << 20).id)
            entries.submit_entry(s, ledger.user(s, "maker"), book, entry)
            entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
    _raw(engine, "INSERT INTO voucher_publics (attachment_id, redactions, pages, created_by_id, created_at) "
                 f"SELECT {ids[0]}, redactions, pages, created_by_id, created_at FROM voucher_publics "
                 f"WHERE attachment_id = {ids[1]}", guards_off=False)
    with ledger.tx() as s:
        book = ledger.book(s)
        shown = vouchers.public_page(s, ledger.user(s, "reader"), book, vouchers.get_attachment(s, book, ids[0]), 1, store)
        other = vouchers.public_page(s, ledger.user(s, "reader"), book, vouchers.get_attachment(s, book, ids[1]), 1, store)
        assert shown != other, "residents see invoice B under entry A"
        assert not verify_book(s, book, store=store).ok, "a resident-facing voucher image was swapped; verify OK"


# -- A9b. Chart rules skipped at approval (app alone) ------------------------------------------------------

def test_an_entry_on_an_account_deactivated_while_it_waited_is_not_posted(ledger):
    """create_entry refuses a deactivated account (InactiveAccount), but _post resolves lines with
    chart.accounts[...] and never looks at `active`: deactivate 5101 while the entry awaits approval, approve."""
    entry_id = _submitted(ledger, D(2026, 3, 10), "保洁费", ("5101", "GEN", "10.00"), ("1002", "GEN", "-10.00"))
    with ledger.tx() as s:
        books.set_account_active(s, ledger.user(s, "approver1"), ledger.book(s), "5101", False)
    assert _approve(ledger, "approver2", entry_id) != "posted", "posted to a deactivated account"


# -- A10. 500s ---------------------------------------------------------------------------------------------

def test_a_line_note_over_200_characters_is_a_clear_refusal_not_a_500(sign_in, ledger, db_url):
    """The API limits a note to 200; the domain does not. PostgreSQL refuses VARCHAR(200) overflow with a
    DataError: a 500 from the web form (and a traceback from `ledger import-entries`). SQLite stores it."""
    u = sign_in("maker")
    try:
        r = u.post("/books/T1/entries/new", {
            "date": "2026-03-05", "summary": "物业费", "action": "draft",
            "account-0": "1002", "fund-0": "GEN", "debit-0": "1.00", "note-0": "备" * 300,
            "account-1": "4101", "fund-1": "GEN", "credit-1": "1.00"}, page="/books/T1/entries/new")
    except Exception as e:  # the test client re-raises what would be a 500
        pytest.fail(f"500: {type(e).__name__}")
    assert r.status_code == 422, r.status_code
