"""The `ledger` command as an operator uses it, and the beancount oracle."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import text

from ledger.cli import main
from ledger.db.engine import make_engine
from ledger.db.guards import create_guards, drop_guards

BIN = Path(sys.executable).parent


def _runner(url, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    monkeypatch.setenv("LEDGER_INSTANCE_DIR", str(tmp_path / "instance"))
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result.exit_code, result.output

    return run


@pytest.fixture
def cli(db_url, tmp_path, monkeypatch):
    """Run `ledger ...` in-process against this test's empty database; returns (exit code, output)."""
    return _runner(db_url, tmp_path, monkeypatch)


@pytest.fixture
def demo(demo_db_url, tmp_path, monkeypatch):
    """The same, on a database where `ledger demo` has run."""
    return _runner(demo_db_url, tmp_path, monkeypatch)


def test_books_list_json_and_demo_is_idempotent(demo, demo_db_url):
    _, out = demo("books", "list", "--format", "json")
    books = json.loads(out)
    assert [(b["code"], b["kind"]) for b in books] == [("JCHY", "trust"), ("YLSQ", "community_fund")]
    engine = make_engine(demo_db_url)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT COUNT(*), SUM(amount_fen * id) FROM entry_lines")).one()
    _, out = demo("demo")
    assert "nothing changed" in out and "caiwu" in out and "caiwu-2026" in out
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*), SUM(amount_fen * id) FROM entry_lines")).one() == before
    engine.dispose()


def test_demo_books_are_believable(demo):
    _, out = demo("trial-balance", "--book", "JCHY", "--format", "json")
    rows = {r["code"]: r for r in json.loads(out)}
    assert {"1002", "1122", "4101", "4201", "4202", "5101", "5102", "5103", "5104", "5105", "5106", "5107"} <= set(rows)
    assert sum(Decimal(r["debit"]) for r in rows.values()) == sum(Decimal(r["credit"]) for r in rows.values())
    assert Decimal(rows["5106"]["debit"]) == Decimal("8500.00") * 11  # remuneration: every finished month
    assert rows["1002"]["name"] == "银行存款—共管账户"
    _, out = demo("verify")
    assert re.search(r"JCHY: OK, \d{3} entries", out) and "YLSQ: OK" in out


def test_trial_balance_formats_agree(demo):
    _, as_json = demo("trial-balance", "--book", "JCHY", "--format", "json")
    _, as_csv = demo("trial-balance", "--book", "JCHY", "--format", "csv")
    _, table = demo("trial-balance", "--book", "JCHY")
    rows = json.loads(as_json)
    assert [dict(r) for r in csv.DictReader(io.StringIO(as_csv))] == rows
    total = sum(Decimal(r["debit"]) for r in rows)
    assert f"{total:.2f}" in table and "合计 total" in table


def _bean_balances(path: Path) -> dict[str, int]:
    out = subprocess.run(
        [BIN / "bean-query", "-f", "csv", str(path), "SELECT account, sum(number) AS total GROUP BY account"],
        check=True, capture_output=True, text=True,
    ).stdout
    balances = {}
    for row in csv.DictReader(io.StringIO(out)):
        code = re.search(r":C([0-9A-Za-z_]+)", row["account"]).group(1)
        balances[code] = int(Decimal(row["total"].strip()) * 100)
    return balances


@pytest.mark.parametrize("book", ["JCHY", "YLSQ"])
def test_beancount_export_is_accepted_and_agrees_to_the_fen(demo, tmp_path, book):
    path = tmp_path / f"{book}.beancount"
    _, out = demo("export", "--book", book, "--format", "beancount", "--out", path)
    check = subprocess.run([BIN / "bean-check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    _, tb = demo("trial-balance", "--book", book, "--format", "json")
    ours = {r["code"]: int(Decimal(r["debit"]) * 100) - int(Decimal(r["credit"]) * 100) for r in json.loads(tb)}
    theirs = _bean_balances(path)
    assert {c: v for c, v in ours.items() if v} == {c: v for c, v in theirs.items() if v}
    assert len(ours) >= 4


def test_json_export_lets_anyone_recompute_the_chain(demo, tmp_path):
    import hashlib

    path = tmp_path / "jchy.json"
    demo("export", "--book", "JCHY", "--format", "json", "--out", path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    prev = "0" * 64
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(doc["public_key"]["hex"]))
    for e in doc["entries"]:  # written from the README's description, not our code
        canonical = {"book": doc["book"]["code"], "number": e["number"], "date": e["date"], "summary": e["summary"],
                     "lines": [{k: l[k] for k in ("account", "account_type", "cash", "fund", "fen", "note")} for l in e["lines"]],
                     "attachments": sorted(e["attachments"]), "makers": sorted(e["makers"]),
                     "approvers": sorted(e["approvers"]), "source": e["source"], "reverses": e["reverses"]}
        raw = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        prev = hashlib.sha256(prev.encode() + raw).hexdigest()
        assert prev == e["hash"]
        public.verify(bytes.fromhex(e["signature"]), b"entry:" + prev.encode())  # raises if forged
        assert e["makers"] and not set(e["makers"]) & set(e["approvers"])
    assert prev == doc["chain_head"]
    head = doc["head"]
    assert (head["chain_seq"], head["hash"]) == (len(doc["entries"]), prev)
    public.verify(bytes.fromhex(head["signature"]), f"head:JCHY:{head['chain_seq']}:{head['hash']}".encode())
    assert len(doc["closes"]) >= 9  # the demo closes all but its last two months
    for c in doc["closes"]:
        assert hashlib.sha256(c["trial_balance"].encode()).hexdigest() == c["trial_balance_sha256"]
        public.verify(bytes.fromhex(c["signature"]),
                      f"close:JCHY:{c['period']}:{c['chain_seq']}:{c['chain_head']}:{c['trial_balance_sha256']}".encode())
    csv_path = tmp_path / "jchy.csv"
    demo("export", "--book", "JCHY", "--format", "csv", "--out", csv_path)
    with csv_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == sum(len(e["lines"]) for e in doc["entries"])
    assert sum(Decimal(r["debit"] or 0) for r in rows) == sum(Decimal(r["credit"] or 0) for r in rows)


def test_verify_catches_a_posted_line_altered_with_the_guards_off(demo, demo_db_url):
    engine = make_engine(demo_db_url)
    with engine.begin() as conn:
        target = conn.execute(text(
            "SELECT e.id, e.number FROM entries e JOIN books b ON b.id = e.book_id "
            "WHERE b.code = 'JCHY' AND e.status = 'posted' ORDER BY e.chain_seq LIMIT 1 OFFSET 40")).one()
        drop_guards(conn)
        conn.execute(text("UPDATE entry_lines SET amount_fen = amount_fen + 100 WHERE entry_id = :id AND line_no = 1"), {"id": target.id})
        conn.execute(text("UPDATE entry_lines SET amount_fen = amount_fen - 100 WHERE entry_id = :id AND line_no = 2"), {"id": target.id})
        create_guards(conn)
    engine.dispose()
    code, out = demo("verify", "--book", "JCHY", ok=False)
    assert code == 1
    assert f"FAILED at {target.number}" in out and "hash does not match" in out


def test_verify_catches_a_deleted_entry(demo, demo_db_url):
    engine = make_engine(demo_db_url)
    with engine.begin() as conn:
        target = conn.execute(text(
            "SELECT e.id, e.number FROM entries e JOIN books b ON b.id = e.book_id "
            "WHERE b.code = 'YLSQ' AND e.status = 'posted' ORDER BY e.chain_seq LIMIT 1 OFFSET 3")).one()
        drop_guards(conn)
        conn.execute(text("DELETE FROM approvals WHERE entry_id = :id"), {"id": target.id})
        conn.execute(text("DELETE FROM voucher_waivers WHERE entry_id = :id"), {"id": target.id})
        conn.execute(text("DELETE FROM entry_makers WHERE entry_id = :id"), {"id": target.id})
        conn.execute(text("DELETE FROM entry_lines WHERE entry_id = :id"), {"id": target.id})
        conn.execute(text("DELETE FROM entries WHERE id = :id"), {"id": target.id})
        create_guards(conn)
    engine.dispose()
    code, out = demo("verify", ok=False)
    assert code == 1 and "JCHY: OK" in out and "YLSQ: FAILED" in out


def _write(path: Path, text_: str) -> Path:
    path.write_text(text_, encoding="utf-8")
    return path


def test_import_csv_and_jsonl_idempotently(cli, tmp_path):
    cli("books", "create", "JC", "--name-zh", "锦城花园", "--kind", "trust", "--first-month", "2025-01")
    csv_file = _write(tmp_path / "march.csv", (
        "key,book,date,summary,account,fund,debit,credit,note\n"
        "r1,JC,2026-03-05,收3月物业费,1002,GEN,\"1,234.50\",,微信\n"
        "r1,JC,2026-03-05,收3月物业费,1122,GEN,,1234.50,\n"
        "r2,JC,2026-03-06,收停车费,1002,GEN,１２.３０,,\n"
        "r2,JC,2026-03-06,收停车费,4202,GEN,,12.3,\n"
    ))
    _, out = cli("import-entries", csv_file)
    assert "posted 2, already present 0" in out
    _, out = cli("import-entries", csv_file)
    assert "posted 0, already present 2" in out
    jsonl = _write(tmp_path / "april.jsonl", "\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"key": "j1", "date": "2026-04-01", "summary": "支付保洁费", "lines": [
            {"account": "5101", "fund": "GEN", "debit": "100.00"}, {"account": "1002", "fund": "GEN", "credit": "100.00"}]},
        {"key": "j2", "date": "2026-04-02", "summary": "支付绿化费", "lines": [
            {"account": "5103", "fund": "GEN", "amount": "50"}, {"account": "1002", "fund": "GEN", "amount": "-50"}]},
    ]) + "\n")
    _, out = cli("import-entries", jsonl, "--book", "JC")
    assert "posted 2" in out
    _, tb = cli("trial-balance", "--book", "JC", "--format", "json")
    assert {r["code"]: (r["debit"], r["credit"]) for r in json.loads(tb)} == {
        "1002": ("1096.80", "0.00"), "1122": ("0.00", "1234.50"), "4202": ("0.00", "12.30"),
        "5101": ("100.00", "0.00"), "5103": ("50.00", "0.00"),
    }
    _, out = cli("verify", "--book", "JC")
    assert "JC: OK, 4 entries" in out


@pytest.mark.parametrize("body, words", [
    ('{"key": "b1", "date": "2026-04-01", "summary": "x", "lines": [{"account": "5101", "fund": "GEN", "debit": 12.5}, {"account": "1002", "fund": "GEN", "credit": "12.50"}]}', "line 2: amount must not be a float"),
    ('{"key": "b1", "date": "2026-04-01", "summary": "x", "lines": [{"account": "5101", "fund": "GEN", "debit": "1.005"}, {"account": "1002", "fund": "GEN", "credit": "1.005"}]}', "more than two decimals"),
    ('{"key": "b1", "date": "2026-04-01", "summary": "x", "lines": [{"account": "5101", "fund": "GEN", "debit": "1"}, {"account": "1002", "fund": "GEN", "credit": "2"}]}', "debits and credits differ"),
    ('{"key": "b1", "date": "2026-04-01", "summary": "x", "lines": [{"account": "9999", "fund": "GEN", "debit": "1"}, {"account": "1002", "fund": "GEN", "credit": "1"}]}', "record 2: book JC has no account 9999"),
    ('{"key": "b1", "date": "2026-04-31", "summary": "x", "lines": []}', 'date "2026-04-31" is not valid'),
    ('not json', "not valid JSON"),
])
def test_a_bad_record_refuses_the_whole_file(cli, tmp_path, body, words):
    cli("books", "create", "JC", "--name-zh", "锦城花园", "--kind", "trust", "--first-month", "2025-01")
    good = '{"key": "g1", "date": "2026-04-01", "summary": "好", "lines": [{"account": "5101", "fund": "GEN", "debit": "1"}, {"account": "1002", "fund": "GEN", "credit": "1"}]}'
    path = _write(tmp_path / "bad.jsonl", good + "\n" + body + "\n")
    code, out = cli("import-entries", path, "--book", "JC", ok=False)
    assert code == 1 and words in out and "错误" in out
    _, tb = cli("trial-balance", "--book", "JC", "--format", "json")
    assert json.loads(tb) == []


def test_a_reused_key_with_other_content_is_refused(cli, tmp_path):
    cli("books", "create", "JC", "--name-zh", "锦城花园", "--kind", "trust", "--first-month", "2025-01")
    line = '{{"key": "k", "date": "2026-04-01", "summary": "x", "lines": [{{"account": "5101", "fund": "GEN", "debit": "{0}"}}, {{"account": "1002", "fund": "GEN", "credit": "{0}"}}]}}\n'
    cli("import-entries", _write(tmp_path / "a.jsonl", line.format("1.00")), "--book", "JC")
    code, out = cli("import-entries", _write(tmp_path / "b.jsonl", line.format("2.00")), "--book", "JC", ok=False)
    assert code == 1 and "idempotency key k was already used" in out


def test_users_and_periods_from_the_command_line(cli):
    cli("books", "create", "JC", "--name-zh", "锦城花园", "--kind", "trust", "--first-month", "2025-01")
    cli("users", "create", "lixiu", "--name", "李秀英", "--password", "long-enough-1", "--role", "JC:treasurer")
    code, out = cli("users", "create", "bad", "--password", "long-enough-1", "--role", "JC:boss", ok=False)
    assert code == 1 and "unknown role boss" in out
    code, out = cli("periods", "close", "--book", "JC", "2026-03", "--as", "lixiu", ok=False)
    assert code == 1 and "you may not close periods" in out
    cli("periods", "close", "--book", "JC", "2026-03")
    code, out = cli("periods", "close", "--book", "JC", "2026-03", ok=False)
    assert "already closed" in out


def test_the_installed_console_script_runs(db_url, tmp_path):
    env = dict(os.environ, LEDGER_DATABASE_URL=db_url, LEDGER_INSTANCE_DIR=str(tmp_path))
    out = subprocess.run([BIN / "ledger", "books", "list", "--format", "json"], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_accounts_and_funds_from_the_command_line(cli):
    cli("books", "create", "JC", "--name-zh", "锦城花园", "--kind", "trust", "--first-month", "2025-01")
    cli("accounts", "add", "--book", "JC", "5120", "--name-zh", "门禁维护费", "--name-en", "Access control upkeep", "--type", "expense")
    cli("accounts", "rename", "--book", "JC", "5120", "--name-zh", "门禁系统维护费")
    cli("accounts", "deactivate", "--book", "JC", "5120")
    cli("funds", "add", "--book", "JC", "ELEV-2026", "--name-zh", "2号楼加装电梯", "--restricted")
    _, out = cli("accounts", "list", "--book", "JC", "--format", "json")
    row = next(r for r in json.loads(out) if r["code"] == "5120")
    assert (row["name_zh"], row["active"]) == ("门禁系统维护费", False)
    code, out = cli("accounts", "add", "--book", "JC", "5120", "--name-zh", "重复", "--type", "expense", ok=False)
    assert code == 1 and "already exists" in out


def test_upgrading_history_posted_before_signatures_signs_it_once(demo, demo_db_url, tmp_path, monkeypatch):
    """A database at 0004 (hashes without makers, no signatures) is adopted by `ledger db upgrade`."""
    from alembic import command

    from ledger.db.migrate import alembic_config

    engine = make_engine(demo_db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
        if conn.dialect.name == "sqlite":  # SQLite's downgrade keeps the column; 0004's data had no signatures
            drop_guards(conn)
            conn.execute(text("UPDATE entries SET signature = NULL"))
            create_guards(conn)
    engine.dispose()
    monkeypatch.setenv("LEDGER_KEY_DIR", str(tmp_path / "new-keys"))  # the keys of 0004 days did not exist
    _, out = demo("db", "upgrade")
    assert "JCHY: signed" in out and "closed months with key" in out
    _, out = demo("verify")
    assert "JCHY: OK" in out and "YLSQ: OK" in out and "closed months" in out
    _, out = demo("db", "upgrade")  # a second upgrade signs nothing
    assert "signed" not in out
