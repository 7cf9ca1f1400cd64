"""The co-managed bank account end to end: import, re-import, match, draft, reconcile, and the close checklist."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ledger.cli import main
from ledger.db.schema import BankImport, BankStatementRow
from ledger.domain.bankfiles import StatementRefused
from ledger.domain.errors import InvalidState, PermissionDenied
from ledger.services import bank, entries, periods

from ..conftest import D

MARCH = """账号:,6222000011112222
户名:,幸福里小区业主大会
交易日期,交易流水号,摘要,对方户名,转入金额,转出金额,余额
2026-03-01,,期初余额,,,,"10,000.00"
2026-03-02,ICBC0001,停车费,张三,"1,200.50",,"11,200.50"
2026-03-05,ICBC0002,电梯维保,某电梯公司,,"3,000.00","8,200.50"
2026-03-10,ICBC0003,广告收入,某传媒,500.00,,"8,700.50"
合计笔数:,3
"""
# The same account downloaded again at the month's end: two rows already held, one new (the bank's fee).
MARCH_LATER = """交易日期,交易流水号,摘要,对方户名,转入金额,转出金额,余额
2026-03-31,ICBC0004,手续费,,,5.00,"8,695.50"
2026-03-10,ICBC0003,广告收入,某传媒,500.00,,"8,700.50"
2026-03-05,ICBC0002,电梯维保,某电梯公司,,"3,000.00","8,200.50"
"""


def _import(ledger, text, user="clerk", encoding="gbk"):
    with ledger.tx() as s:
        return bank.import_statement(s, ledger.user(s, user), ledger.book(s), "march.csv", text.encode(encoding))


def _count(ledger, model):
    with ledger.tx() as s:
        return s.scalar(select(func.count()).select_from(model))


def _book(ledger):
    ledger.post(D(2026, 2, 15), "期初资金", ("1002", "GEN", "10000.00"), ("4901", "GEN", "-10000.00"))
    ledger.post(D(2026, 3, 2), "收停车费（另一笔）", ("1002", "GEN", "1200.50"), ("4202", "GEN", "-1200.50"))
    ledger.post(D(2026, 3, 4), "收停车费 ICBC0001", ("1002", "GEN", "1200.50"), ("4202", "GEN", "-1200.50"))
    ledger.post(D(2026, 3, 6), "付电梯维保", ("5104", "GEN", "3000.00"), ("1002", "GEN", "-3000.00"))
    ledger.post(D(2026, 3, 31), "银行手续费", ("5110", "GEN", "5.00"), ("1002", "GEN", "-5.00"))


def test_import_match_draft_reconcile_and_close(ledger):
    _book(ledger)
    first = _import(ledger, MARCH)
    assert (first.added, first.duplicates, first.profile) == (3, 0, "icbc")
    again = _import(ledger, MARCH, encoding="utf-8-sig")
    assert (again.added, again.duplicates) == (0, 3)
    assert _count(ledger, BankStatementRow) == 3 and _count(ledger, BankImport) == 2

    with ledger.tx() as s:
        book, clerk = ledger.book(s), ledger.user(s, "clerk")
        done = bank.match_month(s, clerk, book, 2026, 3)
        assert (done["matched"], done["unmatched"]) == (2, 1)
        # the row's serial in the summary wins over the other 1,200.50 receipt a day later
        assert {m["amount"]: m["entry"] for m in done["matches"]}["1200.50"].endswith("0002")
        rec = bank.reconcile(s, clerk, book, 2026, 3).to_dict()
    # book: 10,000 + 1,200.50 × 2 − 3,000 − 5 = 9,396.00; bank: 8,700.50
    assert (rec["bank_closing"], rec["book_balance"], rec["difference"], rec["reconciled"]) == ("8700.50", "9396.00", "-695.50", False)
    assert [r["amount"] for r in rec["unmatched_bank_rows"]] == ["500.00"]
    assert [(ln["amount"], ln["summary"]) for ln in rec["unmatched_book_lines"]] == [("1200.50", "收停车费（另一笔）"), ("-5.00", "银行手续费")]

    # the close checklist reads the imported statement, not a typed-in balance
    with ledger.tx() as s:
        book, user = ledger.book(s), ledger.user(s, "approver1")
        periods.record_bank_balance(s, user, book, 2026, 3, "1002", 939600)
        check = periods.checklist(s, book, 2026, 3)
        assert [(b.statement_fen, b.book_fen, b.ok) for b in check.banks] == [(870050, 939600, False)]

    # a draft for the advertising receipt, approved; a reversal of the duplicate receipt; the fee arrives
    with ledger.tx() as s:
        book, maker = ledger.book(s), ledger.user(s, "maker")
        row_id = s.scalar(select(BankStatementRow.id).where(BankStatementRow.serial == "ICBC0003"))
        entry = bank.draft_entry(s, maker, book, row_id, "4201")
        assert [(ln.account.code, ln.amount_fen) for ln in entry.lines] == [("1002", 50000), ("4201", -50000)]
        assert "ICBC0003" in entry.summary and entry.status == "draft"
        with pytest.raises(InvalidState):
            bank.draft_entry(s, maker, book, row_id, "4201")
        entries.submit_entry(s, maker, book, entry)
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
        dup = entries.get_entry_by_number(s, book, "记-2026-03-0001")
        reversal = entries.reverse_entry(s, maker, book, dup, date=D(2026, 3, 31), reason="重复记账")
    later = _import(ledger, MARCH_LATER, encoding="utf-8")
    assert (later.added, later.duplicates, later.gap) == (1, 2, None)
    with ledger.tx() as s:
        book = ledger.book(s)
        rec = bank.reconcile(s, ledger.user(s, "clerk"), book, 2026, 3)
        assert rec.bank_fen == 869550 and not rec.reconciled  # the reversal still awaits approval
    with ledger.tx() as s:
        book = ledger.book(s)
        rev = entries.get_entry(s, book, reversal.id)
        entries.approve_entry(s, ledger.user(s, "approver1"), book, rev)
        done = bank.match_month(s, ledger.user(s, "clerk"), book, 2026, 3)
        assert done["matched"] == 1  # the fee
        rec = bank.reconcile(s, ledger.user(s, "clerk"), book, 2026, 3).to_dict()
    assert (rec["bank_closing"], rec["book_balance"], rec["reconciled"]) == ("8695.50", "8695.50", True)
    assert rec["unmatched_bank_rows"] == []
    # the duplicate receipt and its reversal stay as book lines no bank row explains; together they are 0.00
    assert sorted(ln["amount"] for ln in rec["unmatched_book_lines"]) == ["-1200.50", "1200.50"]
    ledger.close(2026, 2)  # February had no statement rows: its typed-in balance still serves
    with ledger.tx() as s:
        check = periods.checklist(s, ledger.book(s), 2026, 3)
        assert [(b.statement_fen, b.book_fen, b.ok) for b in check.banks] == [(869550, 869550, True)]
        for entry in check.missing_vouchers:
            periods.waive_voucher(s, ledger.user(s, "approver1"), ledger.book(s), entry, "纸质凭证存档")
        periods.close_period(s, ledger.user(s, "approver1"), ledger.book(s), 2026, 3)


def test_a_bad_file_or_a_reader_changes_nothing(ledger):
    with pytest.raises(StatementRefused) as e:
        _import(ledger, MARCH.replace('"8,200.50"', '"8,200.00"'))
    assert e.value.problems[0]["row"] == 6
    with pytest.raises(PermissionDenied):
        _import(ledger, MARCH, user="reader")
    assert _count(ledger, BankStatementRow) == 0 and _count(ledger, BankImport) == 0


def test_profiles_are_versioned(ledger):
    with ledger.tx() as s:
        book, user = ledger.book(s), ledger.user(s, "approver1")
        cols = {"date": "记账日", "income": "存入", "spending": "支取", "balance": "结余"}
        assert bank.save_profile(s, user, book, "mybank", cols).version == 1
        assert bank.save_profile(s, user, book, "mybank", cols).version == 1  # unchanged: no new version
        assert bank.save_profile(s, user, book, "mybank", {**cols, "memo": "附言"}).version == 2
        assert [(p.name, p.version) for p in bank.saved_profiles(s, book)] == [("mybank", 2)]
        with pytest.raises(PermissionDenied):
            bank.save_profile(s, ledger.user(s, "clerk"), book, "x", cols)
    result = _import(ledger, "记账日,存入,支取,结余,附言\n20260301,100,,100,a\n", encoding="utf-8")
    assert (result.added, result.profile) == (1, "mybank")


def test_the_commands(ledger, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    monkeypatch.setenv("LEDGER_INSTANCE_DIR", str(tmp_path / "instance"))
    _book(ledger)
    path = tmp_path / "march.csv"
    path.write_bytes(MARCH.encode("gbk"))
    run = CliRunner().invoke
    out = run(main, ["bank", "import", str(path), "--book", "T1", "--as", "clerk", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["added"] == 3
    out = run(main, ["bank", "import", str(path), "--book", "T1", "--as", "clerk", "--format", "json"])
    assert (json.loads(out.output)["added"], json.loads(out.output)["duplicates"]) == (0, 3)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(MARCH.replace("2026-03-05", "2026-02-30").encode("gbk"))
    out = run(main, ["bank", "import", str(bad), "--book", "T1", "--as", "clerk", "--format", "json"])
    assert out.exit_code == 1
    assert [(p["row"], p["column"]) for p in json.loads(out.output)["refused"]] == [(6, "交易日期")]
    out = run(main, ["bank", "match", "--book", "T1", "--period", "2026-03", "--as", "clerk", "--format", "json"])
    assert json.loads(out.output)["matched"] == 2, out.output
    out = run(main, ["bank", "reconcile", "--book", "T1", "--period", "2026-03", "--format", "json"])
    doc = json.loads(out.output)
    assert (doc["bank_closing"], doc["book_balance"], doc["reconciled"]) == ("8700.50", "9396.00", False)
    with ledger.tx() as s:
        row_id = s.scalar(select(BankStatementRow.id).where(BankStatementRow.serial == "ICBC0003"))
    out = run(main, ["bank", "draft", "--book", "T1", "--row", str(row_id), "--account", "4201", "--as", "maker"])
    assert out.exit_code == 0 and "drafted entry" in out.output, out.output
    out = run(main, ["bank", "profiles", "--format", "json"])
    assert {p["name"] for p in json.loads(out.output)} >= {"icbc", "ccb", "cmb"}
    save = ["bank", "profile-save", "--book", "T1", "--name", "abc", "date=记账日", "amount=发生额", "balance=余额", "--as"]
    assert run(main, save + ["approver1"]).output.strip() == "saved abc v1"
    assert run(main, save[:-1] + ["memo=附言", "--as", "approver1"]).output.strip() == "saved abc v2"
    refused = run(main, save + ["clerk"])  # the trustee imports statements but does not define their layouts
    assert refused.exit_code == 1
    out = run(main, ["bank", "profiles", "--book", "T1", "--format", "json"])
    assert [(p["name"], p["version"]) for p in json.loads(out.output) if not p["builtin"]] == [("abc", 2)]


def test_a_missing_statement_between_two_files_is_said(ledger):
    _import(ledger, MARCH)
    april = "交易日期,交易流水号,摘要,对方户名,转入金额,转出金额,余额\n2026-04-03,ICBC0100,停车费,,100.00,,\"9,000.00\"\n"
    result = _import(ledger, april, encoding="utf-8")
    assert result.added == 1
    assert result.gap == {"after": "2026-03-10", "held_balance": "8700.50", "file_opens_at": "8900.00", "missing": "199.50"}
