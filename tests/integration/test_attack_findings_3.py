"""A third attack review: approvals per submission, the witness's new rules, the guarded public copies.

Each test asserts the secure behaviour. All six were open when the review was made (helper report, this
session); they pass since submissions are numbered rounds inside the signed digest (M1), the witness is
written only if what the transaction did not move is still what it checked (M2), a submitted entry's public
copies are guarded too (M3), a witness is marked confirmed once its COMMIT succeeded and a confirmed one is
never "accepted" (M4), unsigned approval rows are no approval (M5), and an entry once approved is never
deleted, which the page knows (M6).

Attacker (a): a SQL prompt (guards may be dropped), not the key folder. Attacker (b): the app only.
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from ledger.db.guards import create_guards, drop_guards
from ledger.domain.errors import LedgerError
from ledger.services import entries, users

from ..conftest import D
from .test_attack_findings import _raw
from .test_attack_findings_2 import BIG, FEE, _try, _verify


def _committee(ledger, name):
    with ledger.tx() as s:
        system = users.system_user(s)
        users.grant_role(s, system, users.create_user(s, name, name, "password-123"), ledger.book(s), "committee")


# -- M1 (a). An approval from before the entry was sent back is made to count again ------------------------------

@pytest.mark.parametrize("how", ["replay_approval_row", "backdate_submission"])
def test_an_approval_of_an_earlier_submission_never_counts_again(ledger, engine, how):
    """Only approvals given since the latest submission are meant to count, but the round is told apart by two
    unsigned timestamps (approvals.decided_at, entries.submitted_at): the signed messages are
    `approve:BOOK:ENTRY:USER:DIGEST` and `submit:BOOK:ENTRY:DIGEST`, and the digest of an entry resubmitted
    unchanged is the same. approver1 approves a 20,000.00 payment; approver2 says no and sends it back; the maker
    submits it again unchanged. With every guard in place, SQL either copies approver1's signed row with a new
    decided_at (approvals are append-only, INSERT is allowed) or moves the submitted (not posted) entry's
    submitted_at back. A single fresh approval (approver3) then posts it, with approver1's stale yes in the chain,
    and verify says OK: the two-approver rule after a rejection is reduced to one."""
    _committee(ledger, "approver3")
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(D(2026, 3, 5), "电梯维修", *BIG),
                                     submit=True)
        entry_id = entry.id
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
    with ledger.tx() as s:
        book = ledger.book(s)
        entries.reject_entry(s, ledger.user(s, "approver2"), book, entries.get_entry(s, book, entry_id), "报价不合理")
    with ledger.tx() as s:
        book = ledger.book(s)
        entries.submit_entry(s, ledger.user(s, "maker"), book, entries.get_entry(s, book, entry_id))
    if how == "replay_approval_row":
        _raw(engine, "INSERT INTO approvals (entry_id, user_id, decided_at, content_digest, signature) "
                     "SELECT entry_id, user_id, '2099-01-01 00:00:00.000000', content_digest, signature FROM approvals "
                     f"WHERE entry_id = {entry_id}", guards_off=False)
    else:
        _raw(engine, f"UPDATE entries SET submitted_at = '2000-01-01 00:00:00.000000' WHERE id = {entry_id}",
             guards_off=False)
    with ledger.tx() as s:
        book = ledger.book(s)
        status = _try(lambda: entries.approve_entry(s, ledger.user(s, "approver3"), book,
                                                    entries.get_entry(s, book, entry_id)).status)
    assert status != "posted" or not _verify(ledger).ok, \
        "posted with one fresh approval after a rejection (approver1's earlier yes counted again), and verify says OK"


# -- M2 (a). SQL commits between the witness check and COMMIT: the witness is rewritten over it ------------------

def test_a_close_record_deleted_while_a_posting_waits_is_not_written_into_the_witness(ledger, engine):
    """touch()/check() compare the database with the witness once, early in the transaction; the witness is then
    written in before_commit from `state()`, read again from the database. On PostgreSQL (READ COMMITTED) that
    second read sees whatever other sessions committed meanwhile, and lock_book does not stop a SQL prompt.
    The attacker deletes February's signed close record and reopens the month in an open transaction and holds
    the book_heads row (SELECT ... FOR UPDATE); an approver's posting passes the witness check, then waits on
    that row; the attacker COMMITs; the posting's witness now says the book was never closed. Verify says OK,
    and back-dated entries can be posted into the "closed" February."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's IMMEDIATE transaction holds the write lock from check to COMMIT")
    ledger.post(D(2026, 2, 5), "2月物业费", *FEE)
    ledger.close(2026, 2)
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    entry_id = None
    with ledger.tx() as s:
        entry_id = entries.create_entry(s, ledger.user(s, "maker"), ledger.book(s),
                                        ledger.entry_input(D(2026, 3, 6), "停车费", *FEE), submit=True).id
    assert _verify(ledger).ok
    with engine.begin() as conn:  # committed before the race; put back afterwards
        drop_guards(conn)

    attacker = engine.connect()
    tx = attacker.begin()
    attacker.execute(text("DELETE FROM period_closes WHERE year = 2026 AND month = 2"))
    attacker.execute(text("UPDATE periods SET status = 'open', closed_at = NULL, closed_by_id = NULL "
                          "WHERE year = 2026 AND month = 2"))
    attacker.execute(text("SELECT 1 FROM book_heads FOR UPDATE"))

    outcome = {}

    def approve():
        try:
            with ledger.tx() as s:
                book = ledger.book(s)
                outcome["status"] = entries.approve_entry(s, ledger.user(s, "approver1"), book,
                                                          entries.get_entry(s, book, entry_id)).status
        except LedgerError as e:  # refused, at COMMIT at the latest: nothing written
            outcome["status"] = e

    worker = threading.Thread(target=approve)
    worker.start()
    with engine.connect() as watch:  # wait until the posting is blocked on the head row: past its witness check
        for _ in range(200):
            waiting = watch.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar()
            watch.commit()
            if waiting:
                break
            time.sleep(0.05)
    tx.commit()
    attacker.close()
    worker.join(30)
    with engine.begin() as conn:
        create_guards(conn)
    assert outcome.get("status") in ("posted",) or isinstance(outcome.get("status"), LedgerError)
    if outcome["status"] == "posted":
        assert not _verify(ledger).ok, \
            "February's close record was deleted and the month reopened by SQL; the posting wrote it into the witness"


# -- M3 (a). A redaction deleted while its entry waits for approval is gone for good, unnoticed ------------------

def test_a_redaction_deleted_before_posting_is_not_lost_silently(ledger, engine, tmp_path):
    """The guard refuses to DELETE a public copy only once its entry is posted, and the witness pins the newest
    copy only of posted entries; the submission digest (what approvers sign) covers the original's sha256, not
    the public copy. The treasurer attaches a receipt (copy 1: the unredacted pages) and redacts a phone number
    (copy 2); the entry is submitted. With every guard in place, SQL deletes copy 2. The approver approves (nothing
    on the entry changed), it posts, and the witness is written with copy 1 as the newest. Residents are shown the
    unredacted receipt; verify (signatures, witness) says OK, and the guard now keeps copy 1 forever."""
    import json

    from ledger.db.schema import Attachment
    from ledger.services import vouchers

    from .test_vouchers import png

    store = vouchers.VoucherStore(tmp_path / "v")
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 5), "保洁费", ("5101", "GEN", "300.00"), ("1002", "GEN", "-300.00")))
        entry_id = entry.id
        att_id = vouchers.upload_voucher(s, ledger.user(s, "maker"), book, entry, png(size=(400, 200)),
                                         "发票.png", store, 20 << 20).id
    with ledger.tx() as s:
        redacted = vouchers.redact_voucher(s, ledger.user(s, "maker"), ledger.book(s), s.get(Attachment, att_id),
                                           [{"page": 1, "x": 0, "y": 0, "w": 0.5, "h": 1}], store)
        redacted_id, redacted_pages = redacted.id, json.loads(redacted.pages)
    with ledger.tx() as s:
        book = ledger.book(s)
        entries.submit_entry(s, ledger.user(s, "maker"), book, entries.get_entry(s, book, entry_id))
    with pytest.raises(Exception, match="cannot be removed"):  # the guard: the entry is submitted
        _raw(engine, f"DELETE FROM voucher_publics WHERE id = {redacted_id}", guards_off=False)
    with ledger.tx() as s:
        book = ledger.book(s)
        status = _try(lambda: entries.approve_entry(s, ledger.user(s, "approver1"), book,
                                                    entries.get_entry(s, book, entry_id)).status)
    with ledger.tx() as s:
        shown = json.loads(vouchers.current_public(s, s.get(Attachment, att_id)).pages)
    assert status != "posted" or shown == redacted_pages or not _verify(ledger, store).ok, \
        "the redaction was deleted by SQL before approval; residents see the unredacted receipt and verify says OK"


# -- M4 (a + the operator following the README). The last posting deleted, dressed as a lost COMMIT ---------------

def test_accepting_the_witness_cannot_launder_a_deleted_last_entry(ledger, engine, db_url, monkeypatch):
    """`ledger keys witness --accept` is for a witness "one change ahead" after a process died before COMMIT.
    SQL can make exactly that picture: it keeps a copy of the signed book_heads row while the head is at 1
    (any SELECT), later deletes the last posted entry (a 50,000.00 receipt) and puts the old, validly signed head
    row back. The database is now a consistent, fully signed book at 1; the witness says 2, and
    `ledger keys witness` prints word for word what it prints after a crash. Nothing outside the database tells
    the two apart (the witness is not marked once its COMMIT succeeded), so the operator accepts, as the README
    says; SQL then deletes the one audit row that kept what differed, and verify says OK: 50,000.00 of income
    gone without trace."""
    from click.testing import CliRunner

    from ledger.cli import main

    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    with engine.connect() as conn:  # any reader of the database can keep this
        head = conn.execute(text("SELECT chain_seq, hash, signature FROM book_heads")).one()
    ledger.post(D(2026, 3, 6), "车位租金", ("1002", "GEN", "50000.00"), ("4101", "GEN", "-50000.00"))
    assert _verify(ledger).ok
    last = "entry_id = (SELECT id FROM entries WHERE chain_seq = 2)"
    _raw(engine, f"DELETE FROM entry_lines WHERE {last}", f"DELETE FROM approvals WHERE {last}",
         f"DELETE FROM entry_makers WHERE {last}", "DELETE FROM entries WHERE chain_seq = 2",
         f"UPDATE book_heads SET chain_seq = {head.chain_seq}, hash = '{head.hash}', signature = '{head.signature}'")
    shown = CliRunner().invoke(main, ["keys", "witness", "--book", "T1"])
    assert "the chain head is at 1, the witness at 2" in shown.output  # what a crash leaves, word for word
    CliRunner().invoke(main, ["keys", "witness", "--book", "T1", "--accept", "--yes"])
    _raw(engine, "DELETE FROM audit_log WHERE action = 'witness.accept'")
    assert not _verify(ledger).ok, "the deleted 50,000.00 receipt was accepted into the witness and verify says OK"


# -- M5 (a). An unsigned approval row locks a real approver out (and is shown as theirs) ---------------------------

def test_an_approval_row_sql_wrote_does_not_stop_the_real_approver(ledger, engine):
    """counted_approvals ignores a row without a valid signature, but permissions.this_submission (the
    DuplicateApproval check, and the approvals the API and pages list) does not look at signatures. With every
    guard in place (approvals are append-only, INSERT is allowed), SQL adds an unsigned row for approver1 carrying
    the entry's submit_digest: approver1 is refused ("you have already approved this entry") on every try, and
    the entry is shown as approved by approver1, who never approved it."""
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(D(2026, 3, 5), "保洁费", *FEE),
                                     submit=True)
        entry_id = entry.id
    _raw(engine, "INSERT INTO approvals (entry_id, user_id, decided_at, content_digest, signature) "
                 f"SELECT e.id, u.id, '2099-01-01 00:00:00.000000', e.submit_digest, NULL FROM entries e, users u "
                 f"WHERE e.id = {entry_id} AND u.username = 'approver1'", guards_off=False)
    with ledger.tx() as s:
        book = ledger.book(s)
        status = _try(lambda: entries.approve_entry(s, ledger.user(s, "approver1"), book,
                                                    entries.get_entry(s, book, entry_id)).status)
    assert status == "posted", f"approver1 cannot approve, locked out by a row SQL wrote: {status}"


# -- M6 (b). An entry sent back after a first approval cannot be deleted by its maker -----------------------------

def test_an_entry_rejected_after_a_first_approval_can_be_deleted_by_its_maker(ledger):
    """New since approvals count per submission: an entry can be rejected after a first approval. Its maker may
    then delete it (EDIT_ENTRY allows deleting a rejected entry), but delete_draft removes makers and lines, not
    the approvals, whose rows still reference the entry: the deletion fails with a database error (a 500, not a
    refusal), so the rejected entry stays in the book for good."""
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(D(2026, 3, 5), "电梯维修", *BIG),
                                     submit=True)
        entry_id = entry.id
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
    with ledger.tx() as s:
        book = ledger.book(s)
        entries.reject_entry(s, ledger.user(s, "approver2"), book, entries.get_entry(s, book, entry_id), "重复录入")
    try:
        with ledger.tx() as s:
            book = ledger.book(s)
            entries.delete_draft(s, ledger.user(s, "maker"), book, entries.get_entry(s, book, entry_id))
        outcome = "deleted"
    except LedgerError as e:
        outcome = e  # a refusal that says why would be acceptable
    except Exception as e:  # noqa: BLE001
        outcome = f"crash: {type(e).__name__}: {str(e)[:200]}"
    assert outcome == "deleted" or isinstance(outcome, LedgerError), f"deleting the rejected entry: {outcome}"
