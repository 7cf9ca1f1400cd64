"""Closing a quadratic round where the pool manager works: the pool's page (a button exactly when the round can
close, the reason when it cannot), `ledger projects close-round` and the API; the pool's public account rewritten
from its page. On both databases. The round: 1,000.00 capped at 60 % a project; Q1 has four donors of 100.00, Q2 one
of 400.00, so Q1's raw match is (4 × 10)² − 400 = 1,200 (capped at 600.00) and Q2's is 0 (a single donor)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ledger.db.schema import Match
from ledger.services import projects, tokens, users

from ..conftest import SignedIn, back_office
from .test_project_forms import text_of
from .test_projects import D, _project, fund  # noqa: F401  (the fixture)

POOL_PAGE = "/books/CF/pools/GOV"


@pytest.fixture
def round_(fund):  # noqa: F811
    f = fund
    with f.tx() as s:
        projects.add_rule(s, f.u(s, "fm1"), f.book(s), "GOV", {"kind": "quadratic", "version": 2, "pool": "1000.00",
                                                                "cap_share": "0.6"})
    _project(f, "Q1", "100.00", version=2, mode="keep_what_you_raise")
    _project(f, "Q2", "100.00", version=2, mode="keep_what_you_raise")
    for who in "ABCE":
        f.donate("Q1", who, "100.00")
    f.donate("Q2", "F", "400.00")
    return f


def _matches(f) -> dict[str, tuple[int, set]]:
    with f.tx() as s:
        out: dict[str, tuple[int, set]] = {}
        for code in ("Q1", "Q2"):
            p = projects.get_project(s, f.book(s), code)
            rows = list(s.scalars(select(Match).where(Match.project_id == p.id)))
            out[code] = (sum(m.amount_fen for m in rows), {m.status for m in rows})
        return out


def test_the_pool_page_closes_the_round_and_publishes_the_pools_account(round_, db_url, tmp_path):
    f = round_
    with back_office(db_url, tmp_path, PUBLICATIONS_DIR=str(f.root)) as app:
        fm, t1 = SignedIn(app, "fm1"), SignedIn(app, "t1")
        page = fm.get(POOL_PAGE).text
        assert 'data-testid="close-round-v2"' in page and "不可撤销" in text_of(fm.get(POOL_PAGE))
        assert 'data-testid="close-round-v1"' not in page  # a ratio rule has no round
        assert 'data-testid="publish-pool"' in page
        assert t1.get(POOL_PAGE).status_code == 200 and 'data-testid="close-round-v2"' not in t1.get(POOL_PAGE).text
        assert t1.post(f"{POOL_PAGE}/rounds/2/close", {}, page=POOL_PAGE).status_code == 403
        assert _matches(f)["Q1"] == (0, set())  # refused: nothing recorded

        closed = fm.post(f"{POOL_PAGE}/rounds/2/close", {}, page=POOL_PAGE)
        assert closed.status_code == 302
        assert _matches(f) == {"Q1": (60000, {"pending"}), "Q2": (0, {"pending"})}
        after = fm.get(POOL_PAGE)
        assert "本轮已结束：600.00 已分配给各项目，配捐额就此确定；400.00 留在配捐池" in text_of(after)
        assert 'data-testid="close-round-v2"' not in after.text  # closed: no project of the round is open to it
        assert fm.post(f"{POOL_PAGE}/rounds/2/close", {}, page=POOL_PAGE).status_code == 302  # refused in words
        assert _matches(f)["Q1"] == (60000, {"pending"})

        for code in ("Q1", "Q2"):
            with f.tx() as s:
                projects.settle_project(s, f.u(s, "fm1"), f.book(s), code, D(2026, 4, 1))
        assert _matches(f)["Q1"] == (60000, {"posted"})

        published = fm.post(f"{POOL_PAGE}/publish", {}, page=POOL_PAGE)
        assert published.status_code == 302
        account = json.loads((f.root / "CF/pools/GOV.json").read_text("utf-8"))
        assert account["figures"]["posted"] == "600.00"
        assert [(p["project"], p["posted"]) for p in account["projects"]] == [("Q1", "600.00"), ("Q2", "0.00")]
        assert t1.post(f"{POOL_PAGE}/publish", {}, page=POOL_PAGE).status_code == 403


def test_the_pool_page_says_why_a_round_cannot_close(fund, db_url, tmp_path):  # noqa: F811
    f = fund
    with f.tx() as s:  # a round larger than what the pool holds uncommitted (5,000.00)
        projects.add_rule(s, f.u(s, "fm1"), f.book(s), "GOV", {"kind": "quadratic", "version": 2, "pool": "6000.00"})
    _project(f, "Q1", "100.00", version=2, mode="keep_what_you_raise")
    with back_office(db_url, tmp_path, PUBLICATIONS_DIR=str(f.root)) as app:
        page = SignedIn(app, "fm1").get(POOL_PAGE)
        assert 'data-testid="close-round-v2"' not in page.text
        refusal = text_of(page)
        assert "6,000.00" in refusal or "6000.00" in refusal
        assert 'data-testid="close-round-refusal-v2"' in page.text


def test_the_command_line_and_the_api_close_a_round(round_, db_url, monkeypatch):
    from ledger.cli import main

    f = round_
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    runner = CliRunner()
    refused = runner.invoke(main, ["projects", "close-round", "--book", "CF", "--pool", "GOV", "--version", "1",
                                   "--as", "fm1"])
    assert refused.exit_code == 1 and "1" in refused.output
    done = runner.invoke(main, ["projects", "close-round", "--book", "CF", "--pool", "GOV", "--version", "2",
                                "--as", "fm1"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == ["Q1\t600.00  (capped)", "Q2\t0.00", "unallocated\t400.00"]
    assert _matches(f)["Q1"] == (60000, {"pending"})


def test_the_api_closes_a_round_for_a_fund_manager_only(round_, db_url, tmp_path):
    f = round_
    with back_office(db_url, tmp_path, PUBLICATIONS_DIR=str(f.root)) as app:
        def as_(username):
            with f.tx() as s:
                _, plaintext = tokens.create_token(s, users.system_user(s), users.get_user(s, username), "test")
            client = app.test_client()
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plaintext}"
            return client

        url = "/api/v1/books/CF/pools/GOV/rounds/2/close"
        assert as_("t1").post(url).status_code == 403
        answer = as_("fm1").post(url)
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json() == {"pool": "1000.00", "unallocated": "400.00", "projects": [
            {"project": "Q1", "donors": 4, "raw": "1200.00", "match": "600.00", "capped": True},
            {"project": "Q2", "donors": 1, "raw": "0.00", "match": "0.00", "capped": False}]}
        again = as_("fm1").post(url)
        assert again.status_code == 409 and "no open project" in json.dumps(again.get_json())
