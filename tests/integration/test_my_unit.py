"""My unit: an access code opens one unit's bills, payments and arrears, without an account, and nothing else."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, select

from ledger.cli import main
from ledger.db.schema import Owner, Unit, UnitAccessCode, UnitOwner
from ledger.domain.errors import InvalidState, PermissionDenied
from ledger.services import billing, entries, unit_access

from ..conftest import D, SignedIn

NAMES = ("欧阳翠花", "Zhangsan Distinctive", "13912345678", "13800001111")


def _seed(ledger):
    """3-1201 (89.37 ㎡) and its neighbour 3-1202 (100.00 ㎡) at 2.35 a ㎡: billed Jan and Feb 2026, each paid once."""
    with ledger.tx() as s:
        book = ledger.book(s)
        mine = Unit(book_id=book.id, building="3", number="1201", area_centi_m2=8937, use="residential")
        other = Unit(book_id=book.id, building="3", number="1202", area_centi_m2=10000, use="residential")
        s.add_all([mine, other])
        s.flush()
        for unit, name, phone in ((mine, NAMES[0], NAMES[2]), (other, NAMES[1], NAMES[3])):
            owner = Owner(book_id=book.id, name=name, phone=phone)
            s.add(owner)
            s.flush()
            s.add(UnitOwner(unit_id=unit.id, owner_id=owner.id))
        maker, approver = ledger.user(s, "maker"), ledger.user(s, "approver1")
        billing.set_rate(s, maker, book, "residential", "per_m2", 23500, D(2026, 1, 1))
        for month in (1, 2):
            entries.approve_entry(s, approver, book, billing.run_billing(s, maker, book, 2026, month).entry)
        for label, fen, day, channel, ref in (("3-1201", 5000, D(2026, 2, 3), "alipay", "REF-OUYANG-1"),
                                              ("3-1202", 7777, D(2026, 2, 9), "wechat", "REF-ZHANG-2")):
            paid = billing.record_payment(s, ledger.user(s, "clerk"), book, label, fen, day, channel, ref)
            entries.approve_entry(s, approver, book, paid.entry)
        # A payment still waiting for approval does not count.
        billing.record_payment(s, ledger.user(s, "clerk"), book, "3-1201", 999, D(2026, 2, 20), "cash")


def _issue(ledger, label="3-1201", who="approver1") -> str:
    with ledger.tx() as s:
        return unit_access.issue(s, ledger.user(s, who), ledger.book(s), label)[1]


def _open(client, code):
    page = client.get("/my-unit")
    return client.post("/my-unit", data={"code": code, "csrf_token": SignedIn.token(page.text)})


def _error(html: str) -> str:
    m = re.search(r'data-testid="my-unit-error">([^<]*)<', html)
    return m.group(1) if m else ""


def test_statement_to_the_fen(ledger):
    _seed(ledger)
    code = _issue(ledger)
    assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", code)
    with ledger.tx() as s:
        # typed in lower case, with spaces instead of dashes
        book, unit = unit_access.lookup(s, " " + code.lower().replace("-", " ") + " ")
        assert unit.label == "3-1201"
        doc = unit_access.statement(s, book, unit, D(2026, 6, 30))
    # January 210.02 less the 50.00 paid, February 210.02
    assert doc["charges"] == [{"period": "2026-01", "billed": 21002, "paid": 5000, "open": 16002},
                              {"period": "2026-02", "billed": 21002, "paid": 0, "open": 21002}]
    assert doc["payments"] == [{"date": "2026-02-03", "amount": 5000, "channel": "alipay"}]
    assert doc["aging"]["4-6"] == 37004 and doc["aging"]["total"] == 37004 and doc["open"] == 37004
    assert doc["aging"]["current"] == doc["aging"]["1-3"] == doc["aging"]["7-12"] == doc["aging"]["over12"] == 0
    assert doc["prepaid"] == 0
    assert "REF-OUYANG-1" not in repr(doc)


def test_page_shows_own_unit_only_and_no_names(app, ledger):
    _seed(ledger)
    code = _issue(ledger)
    client = app.test_client()
    response = _open(client, code.replace("-", "").lower())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.text
    assert 'data-testid="my-unit-view"' in html and "3-1201" in html
    for figure in ("210.02", "160.02", "50.00", "370.04"):
        assert figure in html
    assert "9.99" not in html  # the payment awaiting approval
    # Nothing of the neighbour: its label, its bills (235.00), its payment (77.77), its open fees (392.23).
    for absent in ("3-1202", "235.00", "77.77", "392.23", "470.00", "REF-OUYANG-1", "REF-ZHANG-2", *NAMES):
        assert absent not in html, absent
    assert code.replace("-", "") not in html.upper().replace("-", "")  # the page never echoes the code
    # The neighbour's own code shows the neighbour's figures.
    other = _open(client, _issue(ledger, "3-1202")).text
    assert "3-1202" in other and "392.23" in other and "3-1201" not in other and "370.04" not in other


def test_wrong_and_revoked_codes_get_the_same_message(app, ledger):
    _seed(ledger)
    code = _issue(ledger)
    client = app.test_client()
    assert 'data-testid="my-unit-view"' in _open(client, code).text
    with ledger.tx() as s:
        assert unit_access.revoke(s, ledger.user(s, "approver1"), ledger.book(s), "3-1201") == 1
        with pytest.raises(InvalidState):
            unit_access.revoke(s, ledger.user(s, "approver1"), ledger.book(s), "3-1201")
    revoked = _open(client, code)
    wrong = _open(client, "ABCD-EFGH-JKMN")
    malformed = _open(client, "0")
    assert revoked.status_code == wrong.status_code == malformed.status_code == 200
    assert _error(revoked.text) and _error(revoked.text) == _error(wrong.text) == _error(malformed.text)
    assert 'data-testid="my-unit-view"' not in revoked.text + wrong.text
    # A new code replaces the old one: only the newest opens the unit.
    first, second = _issue(ledger), _issue(ledger)
    assert _error(_open(client, first).text) == _error(wrong.text)
    assert 'data-testid="my-unit-view"' in _open(client, second).text
    with ledger.tx() as s:
        rows = list(s.scalars(select(UnitAccessCode).order_by(UnitAccessCode.id)))
        assert len(rows) == 3 and [r.revoked_at is None for r in rows] == [False, False, True]  # revoked, kept


def test_eleventh_try_in_a_minute_is_refused(app, ledger):
    _seed(ledger)
    client = app.test_client()
    token = SignedIn.token(client.get("/my-unit").text)
    for _ in range(10):
        assert client.post("/my-unit", data={"code": "ABCD-EFGH-JKMN", "csrf_token": token}).status_code == 200
    assert client.post("/my-unit", data={"code": "ABCD-EFGH-JKMN", "csrf_token": token}).status_code == 429


def test_code_is_not_stored_in_clear(app, ledger, engine):
    _seed(ledger)
    code = _issue(ledger)
    plain = code.replace("-", "")
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(table.select()):
                for value in row:
                    text = str(value).upper()
                    assert plain not in text.replace("-", "") and code not in text, table.name


def test_issuing_from_the_arrears_page_and_who_may(app, ledger, sign_in):
    _seed(ledger)
    committee = sign_in("approver1")
    page = committee.get("/books/T1/fees/arrears?as_of=2026-02-28").text
    assert 'data-testid="issue-code"' in page
    issued = committee.post("/books/T1/fees/codes", {"unit": "3-1201"}, page="/books/T1/fees/arrears")
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    code = re.search(r'data-testid="access-code"[^>]*><strong>([^<]+)<', issued.text).group(1)
    assert "/my-unit" in issued.text
    assert 'data-testid="my-unit-view"' in _open(app.test_client(), code).text
    for name in ("reader", "watcher"):  # a viewer, and a supervisor (who reads arrears but issues no codes)
        person = sign_in(name)
        assert 'data-testid="issue-code"' not in person.get("/books/T1/fees/arrears?as_of=2026-02-28").text
        assert person.post("/books/T1/fees/codes", {"unit": "3-1201"}, page="/books/T1/fees").status_code == 403
        with ledger.tx() as s:
            with pytest.raises(PermissionDenied):
                unit_access.issue(s, ledger.user(s, name), ledger.book(s), "3-1201")
    revoked = committee.post("/books/T1/fees/codes/revoke", {"unit": "3-1201"}, page="/books/T1/fees/arrears")
    assert revoked.status_code == 302
    assert 'data-testid="my-unit-view"' not in _open(app.test_client(), code).text


def test_cli_code_and_revoke(ledger, db_url, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    _seed(ledger)
    runner = CliRunner()
    out = runner.invoke(main, ["billing", "code", "--book", "T1", "--unit", "3-1201", "--as", "approver1"],
                        catch_exceptions=False)
    assert out.exit_code == 0
    code = re.search(r"3-1201: (\S{4}-\S{4}-\S{4})", out.output).group(1)
    with ledger.tx() as s:
        assert unit_access.lookup(s, code)[1].label == "3-1201"
    assert runner.invoke(main, ["billing", "code", "--book", "T1", "--unit", "3-1201", "--as", "reader"]).exit_code == 1
    assert runner.invoke(main, ["billing", "revoke-code", "--book", "T1", "--unit", "3-1201", "--as", "clerk"]).exit_code == 0
    with ledger.tx() as s:
        assert unit_access.lookup(s, code) is None
