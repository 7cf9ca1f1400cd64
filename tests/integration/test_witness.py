"""The witness beside each book's key: what it holds, when it moves, and that nothing launders it."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from ledger.cli import main
from ledger.db.guards import create_guards, drop_guards
from ledger.domain.errors import RestrictedFundOverdrawn
from ledger.services import books, entries, witness
from ledger.services.signing import keys_for
from ledger.services.verify import verify_book

from ..conftest import D
from .test_attack_findings import _raw

FEE = (("1002", "GEN", "1200.00"), ("4101", "GEN", "-1200.00"))


def _witness(ledger) -> dict:
    with ledger.tx() as s:
        return witness.read(keys_for(s), "T1")




def test_the_witness_follows_posting_and_closing(ledger):
    assert _witness(ledger)["chain_seq"] == 0 and _witness(ledger)["lock"] is None  # written when the book opened
    ledger.post(D(2026, 2, 5), "2月物业费", *FEE)
    ledger.post(D(2026, 2, 6), "2月物业费", *FEE)
    ledger.close(2026, 2)
    seen = _witness(ledger)
    with ledger.tx() as s:
        head = entries.get_entry_by_number(s, ledger.book(s), "记-2026-02-0002").hash
    assert (seen["chain_seq"], seen["hash"], seen["lock"]) == (2, head, "2026-02-28")


def test_a_transaction_that_rolls_back_leaves_the_witness_where_it_was(ledger):
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    before = _witness(ledger)
    with pytest.raises(RuntimeError):
        with ledger.tx() as s:
            book = ledger.book(s)
            entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(D(2026, 3, 6), "停车费", *FEE),
                                         submit=True)
            entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
            assert entry.status == "posted"
            raise RuntimeError("the request failed after posting")
    assert _witness(ledger) == before
    ledger.post(D(2026, 3, 6), "停车费", *FEE)  # and the book goes on
    assert _witness(ledger)["chain_seq"] == 2


def test_adding_a_fund_moves_the_settings_it_pins(ledger):
    before = _witness(ledger)["settings_sha256"]
    with ledger.tx() as s:
        books.add_fund(s, ledger.user(s, "approver1"), ledger.book(s), "GRANT", "专项资助", "Grant", True)
    assert _witness(ledger)["settings_sha256"] != before
    ledger.post(D(2026, 3, 5), "资助到账", ("1002", "GRANT", "500.00"), ("4101", "GRANT", "-500.00"))


def test_db_upgrade_starts_a_missing_witness_and_never_rewrites_one(ledger, engine, db_url, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    with ledger.tx() as s:
        path = witness.path(keys_for(s), "T1")
    path.unlink()  # history from before witnesses: the first upgrade starts one
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "started its witness" in result.output and json.loads(path.read_text())["chain_seq"] == 1

    _raw(engine, "UPDATE books SET approval_threshold_fen = 999999999999")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert "started its witness" not in result.output
    with ledger.tx() as s:
        report = verify_book(s, ledger.book(s))
    assert any("settings" in p.message_en for p in report.problems)


def test_a_back_dated_spend_is_measured_against_the_money_held_on_its_date(ledger):
    ledger.post(D(2026, 3, 1), "维修基金拨款", ("1002", "REPAIR", "100.00"), ("4101", "REPAIR", "-100.00"))
    ledger.post(D(2026, 3, 10), "维修支出", ("5101", "REPAIR", "70.00"), ("1002", "REPAIR", "-70.00"))
    with pytest.raises(RestrictedFundOverdrawn) as refused:  # 100 came on 1 March: nothing to spend on 20 February
        ledger.post(D(2026, 2, 20), "维修支出", ("5101", "REPAIR", "80.00"), ("1002", "REPAIR", "-80.00"))
    assert refused.value.message_en.startswith("restricted fund REPAIR holds 0.00,")
    with pytest.raises(RestrictedFundOverdrawn) as refused:  # 5 March had 100, but 10 March spent 70 of it
        ledger.post(D(2026, 3, 5), "维修支出", ("5101", "REPAIR", "40.00"), ("1002", "REPAIR", "-40.00"))
    assert refused.value.message_en.startswith("restricted fund REPAIR holds 30.00 (at the end of 2026-03-10)")
    ledger.post(D(2026, 3, 5), "维修支出", ("5101", "REPAIR", "30.00"), ("1002", "REPAIR", "-30.00"))  # to exactly zero


def test_a_witness_left_ahead_by_a_crash_is_accepted_by_the_operator_in_writing(ledger, db_url, monkeypatch):
    """A process killed between writing the witness and COMMIT leaves it one change ahead; the operator sees
    the difference, accepts it, and the acceptance is in the audit log."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    ahead = dict(_witness(ledger), chain_seq=2, hash="ab" * 32)  # what the lost COMMIT would have made,
    del ahead["confirmed"]  # ... never confirmed, as its COMMIT never came
    with ledger.tx() as s:
        witness.write(keys_for(s), "T1", ahead)
    refused = CliRunner().invoke(main, ["keys", "witness", "--book", "T1"])
    assert refused.exit_code == 1 and "the chain head is at 1, the witness at 2" in refused.output
    assert CliRunner().invoke(main, ["keys", "witness", "--book", "T1", "--accept"], input="n\n").exit_code == 1
    assert _witness(ledger)["chain_seq"] == 2  # declined: nothing rewritten
    done = CliRunner().invoke(main, ["keys", "witness", "--book", "T1", "--accept", "--yes"])
    assert done.exit_code == 0, done.output
    assert _witness(ledger)["chain_seq"] == 1
    ledger.post(D(2026, 3, 6), "停车费", *FEE)
    with ledger.tx() as s:
        detail = s.execute(text("SELECT detail FROM audit_log WHERE action = 'witness.accept'")).scalar_one()
    assert "the chain head is at 1, the witness at 2" in json.loads(detail)["differences"][0]
    assert CliRunner().invoke(main, ["keys", "witness", "--book", "T1"]).exit_code == 0
    with ledger.tx() as s:  # the witness it replaced is kept beside the key
        assert [p.read_text("utf-8").count('"chain_seq": 2') for p in keys_for(s).root.glob("T1.witness.*.set-aside.json")] == [1]


def test_a_harmless_change_never_rewrites_the_witness_over_what_sql_took_away(ledger, engine):
    """The last entry and the head deleted by SQL; then someone adds an account or redraws a box. Were the witness
    rewritten from the database, the deletion would be laundered: the change is refused instead, and verify
    still names it."""
    ledger.post(D(2026, 3, 5), "3月物业费", *FEE)
    ledger.post(D(2026, 3, 6), "停车费", *FEE)
    last = "entry_id = (SELECT MAX(id) FROM entries)"
    _raw(engine, f"DELETE FROM entry_lines WHERE {last}", f"DELETE FROM approvals WHERE {last}",
         f"DELETE FROM entry_makers WHERE {last}",
         "DELETE FROM entries WHERE id = (SELECT MAX(id) FROM entries)", "DELETE FROM book_heads")
    before = _witness(ledger)
    for change in (lambda s: books.add_account(s, ledger.user(s, "maker"), ledger.book(s), "5199", "杂项", "Misc", "expense"),
                   lambda s: books.add_fund(s, ledger.user(s, "approver1"), ledger.book(s), "GRANT", "专项资助", "Grant", True)):
        with pytest.raises(witness.WitnessMismatch):
            with ledger.tx() as s:
                change(s)
    assert _witness(ledger) == before
    with ledger.tx() as s:
        assert any("the witness at 2" in p.message_en for p in verify_book(s, ledger.book(s)).problems)


def test_several_changes_in_one_transaction_each_see_the_book_as_this_transaction_left_it(ledger):
    with ledger.tx() as s:
        books.add_fund(s, ledger.user(s, "approver1"), ledger.book(s), "GRANT", "专项资助", "Grant", True)
        book = ledger.book(s)
        for day in (5, 6):
            entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
                D(2026, 3, day), "资助到账", ("1002", "GRANT", "500.00"), ("4101", "GRANT", "-500.00")), submit=True)
            entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
            assert entry.status == "posted"
    assert _witness(ledger)["chain_seq"] == 2
    with ledger.tx() as s:
        assert verify_book(s, ledger.book(s)).ok


def test_a_book_made_again_under_a_deleted_books_code_keeps_the_old_witness_as_evidence(ledger, engine):
    """A whole book deleted by SQL leaves its witness, which verify names; opening a book of the same code again
    starts a witness of its own and keeps the old one, renamed, named in the audit record."""
    from ledger.services import access, users

    with ledger.tx() as s:
        books.create_book(s, users.system_user(s), "T9", "旧账簿", "Old", "trust", first_month=(2025, 1))
    with ledger.tx() as s:
        old = witness.path(keys_for(s), "T9").read_text("utf-8")
    _raw(engine, "DELETE FROM funds WHERE book_id = (SELECT id FROM books WHERE code = 'T9')",
         "DELETE FROM accounts WHERE book_id = (SELECT id FROM books WHERE code = 'T9')",
         "DELETE FROM audit_log WHERE book_id = (SELECT id FROM books WHERE code = 'T9')",
         "DELETE FROM books WHERE code = 'T9'")
    with ledger.tx() as s:
        assert witness.orphans(s) == ["T9"]
        books.create_book(s, users.system_user(s), "T9", "新账簿", "New", "trust", first_month=(2025, 1))
    with ledger.tx() as s:
        kept = list(keys_for(s).root.glob("T9.witness.*.set-aside.json"))
        detail = json.loads(s.execute(text("SELECT detail FROM audit_log WHERE action = 'book.create' "
                                           "AND target = 'T9'")).scalar_one())
        assert len(kept) == 1 and kept[0].read_text("utf-8") == old and detail["earlier_witness"] == kept[0].name
        assert witness.orphans(s) == [] and verify_book(s, access.get_book(s, "T9")).ok
