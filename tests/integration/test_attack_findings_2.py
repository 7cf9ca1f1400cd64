"""A second attack review, of the witness and the signed submissions, approvals and public copies.

Each test asserts the secure behaviour; the four that stayed open at first (N1 delete_newest, N3, N3b, N4)
pass since the public copies are guarded and pinned by the witness, a half-approved entry can be sent back,
and a failed COMMIT puts the witness back.

Attacker (a): a SQL prompt (guards may be dropped), not the key folder. Attacker (b): the app only.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import event, text

from ledger.db.guards import create_guards, drop_guards
from ledger.db.schema import Attachment
from ledger.domain.errors import LedgerError
from ledger.services import entries, vouchers
from ledger.services.verify import verify_book

from ..conftest import D
from .test_attack_findings import _raw
from .test_vouchers import jpeg, png


FEE = (("1002", "GEN", "1200.00"), ("4101", "GEN", "-1200.00"))
BIG = (("5101", "GEN", "20000.00"), ("1002", "GEN", "-20000.00"))  # above the 10,000.00 threshold: two approvers




def _verify(ledger, store=None):
    with ledger.tx() as s:
        return verify_book(s, ledger.book(s), store=store)


def _try(fn):
    try:
        return fn()
    except LedgerError as e:
        return e


# -- N1 (a). A redaction undone by SQL: residents see the unredacted voucher, verify says OK ------------------

@pytest.mark.parametrize("how", ["delete_newest", "replay_first"])
def test_a_redaction_cannot_be_undone_by_sql(ledger, engine, tmp_path, how):
    """voucher_publics has no guard and the public-copy signature covers only (book, attachment, pages, boxes):
    deleting the redacted copy, or re-inserting the signed unredacted first copy with a higher id, makes the
    unredacted image (phone number, ID number...) the one residents are shown."""
    store = vouchers.VoucherStore(tmp_path / "v")
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 5), "保洁费", ("5101", "GEN", "300.00"), ("1002", "GEN", "-300.00")))
        att_id = vouchers.upload_voucher(s, ledger.user(s, "maker"), book, entry, png(size=(400, 200)),
                                         "发票.png", store, 20 << 20).id
        entries.submit_entry(s, ledger.user(s, "maker"), book, entry)
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
    with ledger.tx() as s:
        redacted = vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id),
                                           [{"page": 1, "x": 0, "y": 0, "w": 0.5, "h": 1}], store)
        redacted_id, redacted_pages = redacted.id, json.loads(redacted.pages)
    if how == "delete_newest":  # refused by the guard; with the guards dropped, named by verify (the witness)
        with pytest.raises(Exception, match="cannot be removed"):
            _raw(engine, f"DELETE FROM voucher_publics WHERE id = {redacted_id}", guards_off=False)
        _raw(engine, f"DELETE FROM voucher_publics WHERE id = {redacted_id}")
    else:
        _raw(engine, "INSERT INTO voucher_publics (attachment_id, redactions, pages, created_by_id, created_at, signature) "
                     "SELECT attachment_id, redactions, pages, created_by_id, created_at, signature FROM voucher_publics "
                     f"WHERE attachment_id = {att_id} AND id < {redacted_id}", guards_off=False)
    with ledger.tx() as s:
        shown = json.loads(vouchers.current_public(s, s.get(Attachment, att_id)).pages)
    assert store.public(shown[0]["sha256"]).is_file()  # the unredacted public page was never removed
    assert shown == redacted_pages or not _verify(ledger, store).ok, \
        "residents are shown the unredacted voucher again and verify says OK"


# -- N2 (a). A voucher swapped between the first and second approval --------------------------------------------

def test_a_voucher_swapped_after_the_first_approval_does_not_post_on_it(ledger, engine, tmp_path):
    """The submission digest covers lines and makers but not the vouchers, although the chain hash does:
    approver1 approves with invoice A; SQL (no guard needed, the entry is only submitted) replaces it
    with invoice B; approver2 approves and the entry posts with B, approver1's approval counted for it."""
    store = vouchers.VoucherStore(tmp_path / "v")
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(D(2026, 3, 5), "电梯维修", *BIG))
        att_id = vouchers.upload_voucher(s, ledger.user(s, "maker"), book, entry, jpeg(color=(10, 200, 10)),
                                         "发票A.jpg", store, 20 << 20).id
        other = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(D(2026, 3, 6), "草稿", *FEE))
        other_sha = vouchers.upload_voucher(s, ledger.user(s, "maker"), book, other, jpeg(color=(200, 10, 10)),
                                            "发票B.jpg", store, 20 << 20).sha256
        entries.submit_entry(s, ledger.user(s, "maker"), book, entry)
        entry_id = entry.id
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
        assert entry.status == "submitted"
    _raw(engine, f"UPDATE attachments SET sha256 = '{other_sha}' WHERE id = {att_id}", guards_off=False)
    with ledger.tx() as s:
        book = ledger.book(s)
        result = _try(lambda: entries.approve_entry(s, ledger.user(s, "approver2"), book,
                                                    entries.get_entry(s, book, entry_id)).status)
    assert result != "posted", "approver1's approval of invoice A was counted for invoice B"


# -- N3 (b). A half-approved entry that can no longer post deadlocks the month -------------------------------

def test_a_half_approved_entry_that_cannot_post_can_be_sent_back(ledger):
    """Reject is refused once an entry has an approval, and nobody can edit or delete a submitted entry. If the
    second approval then cannot post (here: the restricted fund was spent meanwhile by another entry), the entry
    is stuck as submitted for good, and close_period refuses its month (and so every later month)."""
    ledger.post(D(2026, 3, 1), "维修基金拨款", ("1002", "REPAIR", "15000.00"), ("4101", "REPAIR", "-15000.00"))
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 10), "外墙维修", ("5101", "REPAIR", "12000.00"), ("1002", "REPAIR", "-12000.00")), submit=True)
        entry_id = entry.id
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
    ledger.post(D(2026, 3, 12), "水泵维修", ("5101", "REPAIR", "5000.00"), ("1002", "REPAIR", "-5000.00"))
    with ledger.tx() as s:  # the second approval cannot post: 10,000.00 left
        book = ledger.book(s)
        assert isinstance(_try(lambda: entries.approve_entry(s, ledger.user(s, "approver2"), book,
                                                             entries.get_entry(s, book, entry_id))), LedgerError)
    closed = _try(lambda: ledger.close(2026, 3))  # the month (and every later one) cannot close while it waits
    assert isinstance(closed, LedgerError) and "submitted" in closed.message_en
    with ledger.tx() as s:
        book = ledger.book(s)
        rejected = _try(lambda: entries.reject_entry(s, ledger.user(s, "approver2"), book,
                                                     entries.get_entry(s, book, entry_id), "基金不足").status)
    assert rejected == "rejected", f"the stuck entry cannot be sent back: {rejected}"


def test_an_entry_half_approved_before_the_upgrade_can_be_sent_back(ledger, engine):
    """0007 says an entry waiting for approval "must be sent back and submitted again"; but one that already has
    one of its two approvals cannot be rejected, and its approval cannot go on (no signed submission). The rows
    are made here as 0007 leaves pre-upgrade ones: submit_digest, submit_signature, content_digest, signature NULL."""
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(D(2026, 3, 5), "电梯维修", *BIG),
                                     submit=True)
        entry_id = entry.id
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
    _raw(engine, f"UPDATE entries SET submit_digest = NULL, submit_signature = NULL WHERE id = {entry_id}",
         f"UPDATE approvals SET content_digest = NULL, signature = NULL WHERE entry_id = {entry_id}")
    outcomes = []
    for act in (lambda s, b, e: entries.approve_entry(s, ledger.user(s, "approver2"), b, e).status,
                lambda s, b, e: entries.reject_entry(s, ledger.user(s, "approver2"), b, e, "请重新提交").status):
        with ledger.tx() as s:
            book = ledger.book(s)
            outcomes.append(_try(lambda: act(s, book, entries.get_entry(s, book, entry_id))))
    assert "posted" in outcomes or "rejected" in outcomes, f"the entry is stuck for good: {outcomes}"


# -- N4 (infrastructure + app). A COMMIT that fails after the witness was written bricks the book -----------------

def test_a_failed_commit_does_not_leave_the_witness_ahead(ledger, engine):
    """The witness is written in before_commit, before the database COMMIT. If the COMMIT itself fails (connection
    lost, server restart, disk full, serialization failure...), the database keeps the old state, the witness the
    new one; every later posting and closing is refused with WitnessMismatch, and `ledger db upgrade` does not
    rewrite an existing witness: only deleting the file by hand un-bricks the book."""
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    armed = {"on": False}

    @event.listens_for(engine, "commit")
    def _fail(conn):
        if armed["on"]:
            armed["on"] = False
            raise RuntimeError("server closed the connection unexpectedly")

    armed["on"] = True
    with pytest.raises(RuntimeError):
        ledger.post(D(2026, 3, 6), "停车费", *FEE)
    event.remove(engine, "commit", _fail)
    result = _try(lambda: ledger.post(D(2026, 3, 7), "停车费", *FEE))
    assert isinstance(result, str), f"the book refuses to post after one failed commit: {result}"


# -- N5 (a). A close record that is not the latest vanishes without verify noticing ----------------------------

def test_deleting_an_earlier_close_record_and_reopening_its_month_is_named_by_verify(ledger, engine):
    """The witness pins only the latest lock date; verify names a period marked closed without a close record,
    but not one whose close record was deleted and whose status was set back to open."""
    ledger.post(D(2026, 2, 5), "2月物业费", *FEE)
    ledger.close(2026, 2)
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    ledger.close(2026, 3)
    assert _verify(ledger).ok
    _raw(engine, "DELETE FROM period_closes WHERE year = 2026 AND month = 2",
         "UPDATE periods SET status = 'open', closed_at = NULL, closed_by_id = NULL WHERE year = 2026 AND month = 2")
    assert not _verify(ledger).ok, "February's signed close record is gone and verify says OK"
