"""Owners' resolutions as the committee records them, on a small hand-computed compound, and the expense threshold
they guard at posting. SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from ledger.cli import main
from ledger.db.schema import Resolution, ResolutionVote
from ledger.domain.errors import InvalidState, LedgerError, PermissionDenied
from ledger.services import entries, register, resolutions

from ..conftest import D

# 6 units, 600.00 m2; owners: 张三 (1-101, 1-102), 李四 and 王五 co-own 1-103, 赵六 (2-201), the developer
# (2-202, 2-203): 4 voters by head, and 5 owner rows.
REGISTER = ("楼栋,房号,建筑面积,用途,业主,电话\n"
            "1,101,100.00,住宅,张三,13800000001\n"
            "1,102,100.00,住宅,张三,13800000001\n"
            "1,103,100.00,住宅,李四、王五,13800000002、13800000003\n"
            "2,201,100.00,住宅,赵六,13800000004\n"
            "2,202,100.00,商铺,开发商,\n"
            "2,203,100.00,车位,开发商,\n")
# 张三 both agree, 李四/王五 agree, 赵六 against: area 400/600 = 2/3 takes part, owners 3/4; agree 300/400, 2/3
PASSING = "unit,vote\n1-101,agree\n1-102,同意\n1-103,agree\n2-201,against\n"
# the developer's two units against, 张三 split: area 500/600, owners 3/4 take part; agree 200/500, owners 1/3
FAILING = "unit,vote\n1-101,agree\n1-102,反对\n1-103,agree\n2-202,against\n2-203,弃权\n"


@pytest.fixture
def compound(ledger):
    with ledger.tx() as s:
        register.import_units(s, ledger.user(s, "approver1"), ledger.book(s), REGISTER.encode(), "units.csv")
    return ledger


@pytest.fixture
def cli(db_url, compound, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    monkeypatch.setenv("LEDGER_INSTANCE_DIR", str(tmp_path / "instance"))
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result.exit_code, result.output

    return run


def _votes(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_tally_prints_exact_fractions_and_records_nothing(compound, cli, tmp_path):
    _, out = cli("resolutions", "tally", "--book", "T1", "--file", _votes(tmp_path, "v.csv", PASSING),
                 "--matter", "ordinary", "--format", "json")
    d = json.loads(out)
    assert d["totals"] == {"area_centi_m2": 60000, "owners": 4}
    assert d["participation"]["area"] == {"fraction": "2/3", "decimal": "0.666667", "percent": "66.67%"}
    assert d["participation"]["owners"]["fraction"] == "3/4" and d["participation"]["met"] is True
    assert d["approval"]["area"] == {"fraction": "3/4", "decimal": "0.750000", "percent": "75.00%"}
    assert d["approval"]["owners"]["fraction"] == "2/3" and d["passed"] is True
    _, out = cli("resolutions", "tally", "--book", "T1", "--file", _votes(tmp_path, "v.csv", PASSING),
                 "--matter", "special", "--format", "json")
    assert json.loads(out)["passed"] is False  # owners 2/3 < 3/4
    _, out = cli("resolutions", "tally", "--book", "T1", "--file", _votes(tmp_path, "f.csv", FAILING),
                 "--matter", "ordinary", "--format", "json")
    d = json.loads(out)
    assert (d["participation"]["area"]["fraction"], d["participation"]["owners"]["fraction"]) == ("5/6", "3/4")
    assert (d["approval"]["area"]["fraction"], d["approval"]["owners"]["fraction"]) == ("2/5", "1/3")
    assert d["passed"] is False
    with compound.tx() as s:
        assert s.scalar(select(func.count(Resolution.id))) == 0


def test_unknown_unit_or_vote_word_is_refused_with_its_row(compound, cli, tmp_path):
    bad = _votes(tmp_path, "bad.csv", "unit,vote\n1-101,agree\n9-999,agree\n1-102,maybe\n1-101,against\n")
    code, out = cli("resolutions", "record", "--book", "T1", "--title", "T", "--matter", "ordinary", "--file", bad,
                    "--held-on", "2026-03-01", ok=False)
    assert code == 1
    assert "row 3, column unit" in out and "9-999" in out and "row 4, column vote" in out and "maybe" in out
    assert "row 5, column unit" in out and "第3行" in out
    with compound.tx() as s:
        assert s.scalar(select(func.count(Resolution.id))) == 0


def test_record_keeps_votes_append_only_and_only_the_committee_records(compound, cli, tmp_path, engine):
    _, out = cli("resolutions", "record", "--book", "T1", "--title", "更换电梯", "--matter", "ordinary", "--file",
                 _votes(tmp_path, "v.csv", PASSING), "--held-on", "2026-03-01", "--as", "approver1", "--format", "json")
    d = json.loads(out)
    assert d["status"] == "passed" and d["tally"]["approval"]["area"]["fraction"] == "3/4"
    _, out = cli("resolutions", "list", "--book", "T1")
    assert out == f"{d['id']}\t2026-03-01\tordinary\tpassed\t更换电梯\n"
    code, out = cli("resolutions", "record", "--book", "T1", "--title", "x", "--matter", "ordinary", "--file",
                    _votes(tmp_path, "v.csv", PASSING), "--held-on", "2026-03-01", "--as", "clerk", ok=False)
    assert code == 1  # the trustee does not record owners' resolutions
    with compound.tx() as s:
        votes = s.scalars(select(ResolutionVote).where(ResolutionVote.resolution_id == d["id"])).all()
        assert sorted(v.vote for v in votes) == ["against", "agree", "agree", "agree"]
    with pytest.raises(Exception), engine.begin() as conn:
        conn.execute(text("UPDATE resolutions SET status = 'passed'"))
    with pytest.raises(Exception), engine.begin() as conn:
        conn.execute(text("DELETE FROM resolution_votes"))


def _record(ledger, votes, title):
    with ledger.tx() as s:
        r = resolutions.record(s, ledger.user(s, "approver1"), ledger.book(s), title, "ordinary", D(2026, 2, 20),
                               votes.encode(), "v.csv")
        return r.id, r.status


def _expense(ledger, amount, summary="电梯维修"):
    with ledger.tx() as s:
        e = entries.create_entry(s, ledger.user(s, "maker"), ledger.book(s), ledger.entry_input(
            D(2026, 3, 5), summary, ("5101", "GEN", amount), ("1002", "GEN", "-" + amount)))
        return e.id


def _submit_and_approve(ledger, entry_id):
    with ledger.tx() as s:
        book = ledger.book(s)
        e = entries.get_entry(s, book, entry_id)
        entries.submit_entry(s, ledger.user(s, "maker"), book, e)
        for name in ("approver1", "approver2")[: entries.approvals_needed(book, e)]:
            entries.approve_entry(s, ledger.user(s, name), book, e)
        return e.status


def test_an_expense_above_the_threshold_needs_a_passed_resolution(compound, cli, tmp_path):
    ledger = compound
    ledger.post(D(2026, 3, 1), "收物业费", ("1002", "GEN", "90000.00"), ("4101", "GEN", "-90000.00"))
    passed, status = _record(ledger, PASSING, "更换电梯")
    assert status == "passed"
    failed, status = _record(ledger, FAILING, "外墙改造")
    assert status == "failed"
    cli("resolutions", "threshold", "--book", "T1", "--amount", "50000.00", "--as", "approver1")
    code, _ = cli("resolutions", "threshold", "--book", "T1", "--amount", "1.00", "--as", "maker", ok=False)
    assert code == 1
    with ledger.tx() as s:
        assert ledger.book(s).resolution_threshold_fen == 5_000_000

    at_threshold = _expense(ledger, "50000.00")
    assert _submit_and_approve(ledger, at_threshold) == "posted"  # not above it

    above = _expense(ledger, "50000.01")
    with pytest.raises(LedgerError) as e:
        _submit_and_approve(ledger, above)
    assert e.value.code == "resolution_required" and "50,000.01" in e.value.message_en
    code, out = cli("resolutions", "link", "--book", "T1", "--entry", above, "--resolution", failed, "--as", "maker",
                    ok=False)
    assert code == 1 and "did not pass" in out
    code, out = cli("resolutions", "link", "--book", "T1", "--entry", above, "--resolution", passed, "--as", "approver1",
                    ok=False)
    assert code == 1  # not the maker's rights
    cli("resolutions", "link", "--book", "T1", "--entry", above, "--resolution", passed, "--as", "maker")
    assert _submit_and_approve(ledger, above) == "posted"
    with ledger.tx() as s:
        posted = entries.get_entry(s, ledger.book(s), above)
        assert (posted.resolution_id, posted.total_debit_fen) == (passed, 5_000_001)
        with pytest.raises(InvalidState):  # a posted entry keeps its reference
            resolutions.link(s, ledger.user(s, "maker"), ledger.book(s), posted, passed)

    # a failed resolution slipped onto a draft (by SQL) is refused at posting, whatever the amount
    small = _expense(ledger, "10.00", "小额维修")
    with ledger.tx() as s:
        s.execute(text("UPDATE entries SET resolution_id = :r WHERE id = :e"), {"r": failed, "e": small})
    with pytest.raises(LedgerError) as e:
        _submit_and_approve(ledger, small)
    assert e.value.code == "resolution_required"


def test_resolutions_pages(compound, sign_in):
    passed, _ = _record(compound, PASSING, "更换电梯")
    page = sign_in("reader").get("/books/T1/resolutions")
    assert page.status_code == 200
    assert "更换电梯" in page.text and "2/3 (66.67%) / 3/4 (75.00%)" in page.text and "3/4 (75.00%) / 2/3 (66.67%)" in page.text
    one = sign_in("reader").get(f"/books/T1/resolutions/{passed}")
    assert one.status_code == 200 and "3/4 (75.00%)" in one.text and "1-101" not in one.text
    assert "1-101" in sign_in("watcher").get(f"/books/T1/resolutions/{passed}").text
    assert "13800000001" not in sign_in("watcher").get(f"/books/T1/resolutions/{passed}").text
    assert sign_in("reader").get("/books/T1/resolutions/999999").status_code == 404
    committee = sign_in("approver1")
    import io

    from tests.conftest import SignedIn

    html = committee.get("/books/T1/resolutions").text
    assert 'name="title"' in html and 'name="title"' not in sign_in("clerk").get("/books/T1/resolutions").text
    response = committee.client.post("/books/T1/resolutions/record", data={
        "csrf_token": SignedIn.token(html), "title": "外墙改造", "matter": "special", "held_on": "2026-03-02",
        "file": (io.BytesIO(FAILING.encode()), "v.csv")}, content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200 and "外墙改造" in response.text
    with compound.tx() as s:
        assert [r.status for r in resolutions.resolutions_of(s, compound.book(s))] == ["failed", "passed"]
    saved = committee.post("/books/T1/resolutions/threshold", {"amount": "50,000.00"}, page="/books/T1/resolutions")
    assert saved.status_code == 302
    html = committee.get("/books/T1/resolutions").text
    assert 'value="50,000.00"' in html
    with compound.tx() as s:
        assert compound.book(s).resolution_threshold_fen == 5_000_000
    assert sign_in("maker").post("/books/T1/resolutions/threshold", {"amount": ""},
                                 page="/books/T1/resolutions").status_code == 403
    committee.post("/books/T1/resolutions/threshold", {"amount": ""}, page="/books/T1/resolutions")
    with compound.tx() as s:
        assert compound.book(s).resolution_threshold_fen is None


def test_tally_needs_the_register_readers(compound):
    with compound.tx() as s, pytest.raises(PermissionDenied):
        resolutions.tally_file(s, compound.user(s, "reader"), compound.book(s), PASSING.encode(), "v.csv", "ordinary")


def test_a_maker_references_a_passed_resolution_from_the_page(compound, sign_in):
    passed, _ = _record(compound, PASSING, "更换电梯")
    failed, _ = _record(compound, FAILING, "外墙改造")
    draft = _expense(compound, "800.00")
    maker = sign_in("maker")
    page = f"/books/T1/resolutions/{passed}"
    assert 'name="entry_id"' in maker.get(page).text
    assert 'name="entry_id"' not in maker.get(f"/books/T1/resolutions/{failed}").text
    assert 'name="entry_id"' not in sign_in("watcher").get(page).text
    response = maker.post(f"/books/T1/resolutions/{passed}/link", {"entry_id": f"#{draft}"}, page=page)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/books/T1/entries/{draft}")
    refused = maker.post(f"/books/T1/resolutions/{failed}/link", {"entry_id": str(draft)}, page=page)
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/resolutions/{failed}")
    other = sign_in("approver1").post(f"/books/T1/resolutions/{passed}/link", {"entry_id": str(draft)}, page=page)
    assert other.headers["Location"].endswith(f"/resolutions/{passed}")
    with compound.tx() as s:
        assert entries.get_entry(s, compound.book(s), draft).resolution_id == passed  # the failed one did not replace it


def test_a_budget_cites_only_a_passed_resolution_of_its_book(compound, tmp_path):
    from ledger.services import budgets
    from ledger.services.budgets import LineInput

    passed, _ = _record(compound, PASSING, "2026年度预算")
    failed, status = _record(compound, FAILING, "另一份预算")
    assert status == "failed"
    lines = [LineInput("5101", "GEN", 120_000_00, "warn")]
    for cited, kind in ((failed, "ResolutionRequired"), (999_999, "NotFound")):
        with pytest.raises(LedgerError) as refused:
            with compound.tx() as s:
                budgets.set_budget(s, compound.user(s, "approver1"), compound.book(s), 2026, lines, resolution_id=cited)
        assert type(refused.value).__name__ == kind and refused.value.field == "resolution"
    with compound.tx() as s:
        budget = budgets.set_budget(s, compound.user(s, "approver1"), compound.book(s), 2026, lines, resolution_id=passed)
        assert budget.resolution_id == passed
