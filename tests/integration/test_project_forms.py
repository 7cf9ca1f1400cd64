"""The back office's forms for micro-projects (issue 10), used as the pool manager and the committee use them on a
phone: open a matching pool, put money in, publish rule versions (ratio, tiers, quadratic) after their preview, open
a project with its budget. Figures checked to the fen on the pages and in the database; bad input refused in both
languages with nothing created; a person without the permission sees no form and is refused (403)."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from ledger.db.engine import transaction
from ledger.db.schema import (
    AuditEvent, Entry, Fund, MatchingPool, MatchingRuleVersion, PoolDeposit, Project, ProjectBudgetLine,
)
from ledger.domain import matching
from ledger.services import books, users

from ..conftest import SignedIn, back_office

POOLS, DEPOSITS, RULES, PROJECTS = "/books/CF/pools", "/books/CF/pools/GOV/deposits", "/books/CF/pools/GOV/rules", \
    "/books/CF/projects"
RATIO = {"version": "1", "kind": "ratio", "ratio": "1:1", "min_donation": "10", "per_donor_cap": "300"}
DONATIONS = "张三, 100\n李四, 5\n张三, 450\n"


@pytest.fixture
def office(sessions, db_url, tmp_path):
    """Fund book CF with a fund manager (fm1), a treasurer (t1), the supervisor (sup) and a viewer (reader); the
    back office over it."""
    with transaction(sessions) as s:
        system = users.system_user(s)
        book = books.create_book(s, system, "CF", "锦城社区基金", "Jincheng community fund", "community_fund",
                                 first_month=(2026, 1))
        for name, role in [("fm1", "fund_manager"), ("t1", "treasurer"), ("sup", "supervisor"), ("reader", "viewer")]:
            users.grant_role(s, system, users.create_user(s, name, name, "password-123"), book, role)
    with back_office(db_url, tmp_path, PUBLICATIONS_DIR=str(tmp_path / "pub")) as app:
        yield app, sessions


def text_of(response) -> str:
    """The page's text, tags dropped and entities read, for the figures a person reads."""
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def counts(sessions) -> dict:
    """Rows of every table a form writes (the audit log less sign-ins)."""
    with transaction(sessions) as s:
        out = {t.__name__: s.scalar(select(func.count()).select_from(t)) for t in
               (MatchingPool, PoolDeposit, MatchingRuleVersion, Project, ProjectBudgetLine, Fund, Entry)}
        out["audit"] = s.scalar(select(func.count()).select_from(AuditEvent).where(~AuditEvent.action.like("auth.%")))
        return out


def open_pool(fm) -> None:
    r = fm.post(POOLS, {"code": "GOV", "name": "武侯区微项目配捐", "funder": "武侯区政府"}, page=PROJECTS)
    assert r.status_code == 302 and r.headers["Location"].endswith("/books/CF/pools/GOV"), r.text


def publish(fm, data: dict, donations: str = "") -> tuple[object, object]:
    """Preview the rule, then publish the version previewed (the digest the page carries): both responses."""
    preview = fm.post(RULES, dict(data, donations=donations, step="preview"), page="/books/CF/pools/GOV")
    assert preview.status_code == 200, text_of(preview)
    digest = re.search(r'name="shown_digest" value="([0-9a-f]{64})"', preview.text).group(1)
    saved = fm.post(RULES, dict(data, donations=donations, step="save", shown_digest=digest), page="/books/CF/pools/GOV")
    return preview, saved


def test_open_a_pool_deposit_and_publish_ratio_tiers_and_quadratic_rules(office):
    app, sessions = office
    fm = SignedIn(app, "fm1")
    assert 'data-testid="pool-form"' in fm.get(PROJECTS).text
    open_pool(fm)
    r = fm.post(DEPOSITS, {"amount": "12,345.67", "date": "2026-03-01", "note": "区财政拨款"}, page="/books/CF/pools/GOV")
    assert r.status_code == 302
    fm.post(DEPOSITS, {"amount": "0.33", "date": "2026-03-02", "note": ""}, page="/books/CF/pools/GOV")
    page = fm.get("/books/CF/pools/GOV")
    held = re.search(r'data-testid="pool-held">([^<]*)<', page.text).group(1)
    assert held == "12,346.00"
    with transaction(sessions) as s:
        pool = s.scalar(select(MatchingPool))
        assert (pool.held_fen, pool.committed_fen, pool.funder, pool.fund.code) == (1234600, 0, "武侯区政府", "POOL-GOV")
        entries_ = list(s.scalars(select(Entry).order_by(Entry.id)))
        assert [(e.status, sorted(l.amount_fen for l in e.lines)) for e in entries_] == [
            ("submitted", [-1234567, 1234567]), ("submitted", [-33, 33])]

    # a ratio rule: the preview explains it and simulates the pasted gifts with the CLI's code
    preview, saved = publish(fm, RATIO, DONATIONS)
    shown = text_of(preview)
    assert "按比例配捐 1:1：你每捐 1 元，武侯区政府再配 1 元" in shown
    sim = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td class=\"num\">([^<]*)</td><td class=\"num\">([^<]*)</td>",
                     preview.text)
    assert sim == [("1", "张三", "100.00", "100.00"), ("2", "李四", "5.00", "0.00"), ("3", "张三", "450.00", "200.00")]
    assert "低于最低捐款额，不配捐" in shown and "已到每人在本项目的配捐上限" in shown
    assert "Matched 1:1" in shown  # the English explainer beside it
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#rule-v1")
    # a tier rule, its ends inclusive to the fen, and a quadratic round
    tiers = {"version": "2", "kind": "tiers", "tiers": "100, 499.99, 20%\n500, , 1:0.5", "per_donor_cap": "200",
             "once_per_donor": "1"}
    preview, saved = publish(fm, tiers, "甲, 499.99\n乙, 500")
    assert "捐 100 元至 499.99 元：配 20%" in text_of(preview) and saved.status_code == 302
    assert "<td class=\"num\">499.99</td><td class=\"num\">99.99</td>" in preview.text
    assert "<td class=\"num\">500.00</td><td class=\"num\">200.00</td>" in preview.text  # 250 by the rate, the cap 200
    quad = {"version": "3", "kind": "quadratic", "pool": "10000", "cap_share": "0.5", "name": "2026 春季轮"}
    preview, saved = publish(fm, quad, "donor,amount,project\nA,100,P1\nB,100,P1\nC,400,P2")
    shown = text_of(preview)
    assert "二次方配捐“2026 春季轮”（第 3 版）：本轮各项目共享配捐池 10,000 元" in shown
    # P1: (10 + 10)² − 200 = 200 raw, P2's one donor 0: P1 gets all it may, half the pool; the other half unshared
    assert re.search(r"P1: 5000\.00 · P2: 0\.00 · [^·]*5000\.00", " ".join(shown.split())), shown
    assert saved.status_code == 302
    with transaction(sessions) as s:
        rows = list(s.scalars(select(MatchingRuleVersion).order_by(MatchingRuleVersion.version)))
        assert [(r.version, r.kind) for r in rows] == [(1, "ratio"), (2, "tiers"), (3, "quadratic")]
        rule = matching.parse_rule({"kind": "ratio", "ratio": "1:1", "min_donation": "10", "per_donor_cap": "300"})
        assert rows[0].digest == rule.digest()
        assert matching.parse_rule({"kind": "tiers", "version": 2, "once_per_donor": True, "per_donor_cap": "200",
                                    "tiers": [{"min": "100", "max": "499.99", "percent": "20"},
                                              {"min": "500", "ratio": "1:0.5"}]}).digest() == rows[1].digest
    page = fm.get("/books/CF/pools/GOV")
    for v in (1, 2, 3):
        assert f'data-testid="rule-v{v}"' in page.text
    assert "每人在本项目最多配 300 元" in text_of(page)  # each version with its explainer
    assert 'value="4"' in page.text  # the next version offered


def test_a_rule_is_published_only_as_previewed(office):
    app, sessions = office
    fm = SignedIn(app, "fm1")
    open_pool(fm)
    before = counts(sessions)
    # never previewed
    r = fm.post(RULES, dict(RATIO, step="save"), page="/books/CF/pools/GOV")
    assert r.status_code == 409 and "规则与刚才预览的不同" in r.text and "not the one previewed" in r.text
    # previewed 1:1, then changed to 1:2 before saving: refused, and the new preview shown to check
    preview = fm.post(RULES, dict(RATIO, step="preview"), page="/books/CF/pools/GOV")
    digest = re.search(r'name="shown_digest" value="([0-9a-f]{64})"', preview.text).group(1)
    r = fm.post(RULES, dict(RATIO, ratio="1:2", step="save", shown_digest=digest), page="/books/CF/pools/GOV")
    assert r.status_code == 409 and "你每捐 1 元，武侯区政府再配 2 元" in text_of(r)
    assert counts(sessions) == before
    # a version is never edited: publishing another rule as version 1 is refused once v1 exists
    publish(fm, RATIO)
    before = counts(sessions)
    _preview, r = publish(fm, dict(RATIO, ratio="1:2"))
    assert r.status_code == 409 and "规则一经发布不再修改" in r.text and "a published rule never changes" in r.text
    assert counts(sessions) == before


def test_open_a_project_with_its_budget(office):
    app, sessions = office
    fm, t1 = SignedIn(app, "fm1"), SignedIn(app, "t1")
    assert 'data-testid="project-form"' not in fm.get(PROJECTS).text  # no pool, no rule: nothing to pin yet
    open_pool(fm)
    assert 'data-testid="project-form-hint"' in t1.get(PROJECTS).text
    publish(fm, RATIO)
    page = t1.get(PROJECTS).text
    assert 'data-testid="project-form"' in page and 'data-testid="pool-form"' not in page  # a treasurer opens projects
    assert "武侯区微项目配捐 (GOV) v1 · 按比例 1:1" in page
    r = t1.post(PROJECTS, {"rule": "GOV:1", "code": "P1", "title": "3 栋楼道粉刷", "story": "把 3 栋楼道刷白。\n每层两遍。",
                           "area": "3 栋", "team": "3 栋楼长", "goal": "1,000", "stretch": "1500.5",
                           "deadline": "2026-04-30", "funding_mode": "keep_what_you_raise",
                           "budget": "涂料, 600\n\n人工，400.50\n"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/books/CF/projects/P1")
    page = t1.get("/books/CF/projects/P1")
    shown = text_of(page)
    assert "1,000.00 / 1,500.50" in shown and "3 栋 · 3 栋楼长" in shown
    budget = re.findall(r"<tr><td>([^<]*)</td><td class=\"num\">([^<]*)</td></tr>", page.text)
    assert budget == [("涂料", "600.00"), ("人工", "400.50")] and "1,000.50" in shown
    with transaction(sessions) as s:
        p = s.scalar(select(Project))
        assert (p.goal_fen, p.stretch_fen, p.funding_mode, p.rule.version, p.fund.code, str(p.deadline)) == (
            100000, 150050, "keep_what_you_raise", 1, "P-P1", "2026-04-30")
        assert [(b.label, b.amount_fen) for b in p.budget_lines] == [("涂料", 60000), ("人工", 40050)]
    # the pool page names the project under the version it pinned
    assert re.search(r'data-testid="rule-v1".*P1 3 栋楼道粉刷', fm.get("/books/CF/pools/GOV").text, re.S)


PROJECT = {"rule": "GOV:1", "code": "P2", "title": "路灯", "goal": "800", "deadline": "2026-05-31",
           "funding_mode": "all_or_nothing", "budget": "灯具, 800"}


@pytest.mark.parametrize("url,data,zh,en,kept", [
    (RULES, dict(RATIO, version="2", ratio="abc", step="preview"), "配比“abc”应写成“捐:配”", 'ratio "abc" must be written',
     'value="abc"'),
    (RULES, {"version": "2", "kind": "tiers", "tiers": "100, 499, 20\n500, , 30", "step": "preview"},
     "捐 499.01 元至 499.99 元不在任何一档内", "499.01 to 499.99 yuan is in no tier", "100, 499, 20"),
    (RULES, dict(RATIO, version="2", cap_share="0.5", step="preview"), "cap_share：ratio 规则没有此字段",
     "cap_share: a ratio rule has no such field", 'value="0.5"'),
    (RULES, dict(RATIO, version="2", step="preview", donations="张三, 100\n, 5\n李四, -1"),
     "捐款明细：第 2 行“donor”列：捐款人为空；第 3 行“amount”列", "row 2, column donor: the donor is empty", "李四, -1"),
    (RULES, dict(RATIO, version="2", step="preview", donations="张三, 100\n李四, 1,000"),
     "捐款明细第 2 行应有 2 项", "line 2 of the donation lines needs 2 parts", "李四, 1,000"),
    (PROJECTS, dict(PROJECT, goal="0"), "goal：金额须大于零", "goal: the amount must be above zero", 'value="路灯"'),
    (PROJECTS, dict(PROJECT, stretch="799.99"), "延伸目标须高于目标", "the stretch goal must be above the goal",
     'value="799.99"'),
    (PROJECTS, dict(PROJECT, code="P1"), "项目代码 P1 已存在", "project code P1 already exists", 'value="路灯"'),
    (PROJECTS, dict(PROJECT, budget="灯具, 1,500.00"), "预算第 1 行应有 2 项", "line 1 of the budget needs 2 parts",
     "灯具, 1,500.00"),
    (PROJECTS, dict(PROJECT, rule="GOV:9"), "配捐池 GOV 没有第 9 版规则", "pool GOV has no rule version 9", 'value="路灯"'),
    (POOLS, {"code": "GOV", "name": "又一个", "funder": "政府"}, "配捐池 GOV 已存在", "matching pool GOV already exists",
     'value="又一个"'),
    (DEPOSITS, {"amount": "-5", "date": "2026-03-01"}, "amount：金额须大于零", "amount: the amount must be above zero",
     'value="-5"'),
    (DEPOSITS, {"amount": "5", "date": "2026-02-30"}, "日期“2026-02-30”无效", 'date "2026-02-30" is not valid', 'value="5"'),
])
def test_bad_input_is_refused_in_both_languages_and_nothing_is_created(office, url, data, zh, en, kept):
    app, sessions = office
    fm = SignedIn(app, "fm1")
    open_pool(fm)
    publish(fm, RATIO)
    assert fm.post(PROJECTS, dict(PROJECT, code="P1")).status_code == 302
    before = counts(sessions)
    r = fm.post(url, data, page="/books/CF/pools/GOV" if "/pools/GOV" in url else PROJECTS)
    assert 400 <= r.status_code < 500 and r.status_code != 403, r.status_code
    error = re.search(r'data-testid="form-error"[^>]*>(.*?)</div>', r.text, re.S).group(1)
    assert zh in html.unescape(error) and en in html.unescape(error), error
    assert html.escape(kept, quote=False) in r.text or kept in r.text  # what was typed is kept
    assert counts(sessions) == before
    assert 'name="shown_digest"' not in r.text  # a refused rule offers nothing to publish


def test_each_form_exactly_when_allowed_and_403_otherwise(office):
    app, sessions = office
    fm = SignedIn(app, "fm1")
    open_pool(fm)
    publish(fm, RATIO)
    before = counts(sessions)
    for name in ("t1", "sup", "reader"):
        person = SignedIn(app, name)
        page = person.get(PROJECTS).text
        assert 'data-testid="pool-form"' not in page
        assert ('data-testid="project-form"' in page) == (name == "t1")  # manage_projects: treasurer, committee, fm
        pool_page = person.get("/books/CF/pools/GOV")
        if name == "reader":
            assert pool_page.status_code == 403
        else:
            assert 'data-testid="deposit-form"' not in pool_page.text and 'data-testid="rule-form"' not in pool_page.text
        token = SignedIn.token(page)
        posts = [(POOLS, {"code": "X", "name": "x", "funder": "x"}), (DEPOSITS, {"amount": "5", "date": "2026-03-01"}),
                 (RULES, dict(RATIO, version="2", step="preview"))]
        if name != "t1":
            posts.append((PROJECTS, dict(PROJECT)))
        for url, data in posts:
            assert person.client.post(url, data=dict(data, csrf_token=token)).status_code == 403, (name, url)
    page = fm.get("/books/CF/pools/GOV").text
    assert 'data-testid="deposit-form"' in page and 'data-testid="rule-form"' in page
    assert counts(sessions) == before
