"""The demo as a committee would recognise it: Chinese invoices, the supervisor's questions, numbers that run
with the dates, and a last month the committee can close once it has explained the paper invoices."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ledger.app import create_app
from ledger.db.engine import make_engine, make_sessionmaker, transaction
from ledger.db.schema import Entry, Flag, FlagReply, Period
from ledger.services import demo as demo_module
from ledger.services.access import get_book
from ledger.services.demo import demo_password, load_demo

from ..conftest import SignedIn


@pytest.fixture
def demo_sessions(demo_db_url):
    engine = make_engine(demo_db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_the_demo_has_flags_a_waiting_entry_and_numbers_in_date_order(demo_sessions):
    with transaction(demo_sessions) as s:
        book = get_book(s, "JCHY")
        waiting = list(s.scalars(select(Entry).where(Entry.book_id == book.id, Entry.status == "submitted")))
        assert [e.summary for e in waiting] == ["更换2号楼单元门禁读卡器"]  # no "（待审批）" in what people typed
        found = list(s.scalars(select(Flag).where(Flag.book_id == book.id).order_by(Flag.id)))
        states = sorted(("closed" if f.closed else "awaiting" if f.awaiting_answer else "answered") for f in found)
        assert states == ["answered", "awaiting", "closed"]
        closed = next(f for f in found if f.closed)
        assert closed.closed_by.display_name == "信托监察人 刘志强" and [r.kind for r in closed.replies] == ["answer", "close"]
        assert all(f.raised_by.username == "jianchaa" for f in found)
        for period in s.scalars(select(Period).where(Period.book_id == book.id)):
            posted = list(s.scalars(select(Entry).where(Entry.period_id == period.id, Entry.status == "posted").order_by(Entry.seq)))
            dates = [e.date for e in posted]
            assert dates == sorted(dates), f"{period.label}: numbers out of date order"
            assert [e.seq for e in posted] == list(range(1, len(posted) + 1))


def test_loading_the_demo_again_changes_nothing(demo_sessions):
    def counts(s):
        return [s.scalar(select(func.count()).select_from(t)) for t in (Entry, Flag, FlagReply, Period)]

    with transaction(demo_sessions) as s:
        before = counts(s)
        created, logins = load_demo(s)
        assert not created and ("jianchaa", demo_password("jianchaa"), "JCHY:supervisor, YLSQ:supervisor, WJJY:supervisor") in logins
        assert counts(s) == before


def test_a_committee_member_closes_the_last_month_after_explaining_the_paper_invoices(demo_db_url, tmp_path):
    app = create_app({"DATABASE_URL": demo_db_url, "SECRET_KEY": "test", "TESTING": True, "VOUCHER_DIR": str(tmp_path / "v")})
    try:
        member = SignedIn(app, "weiyuan1", demo_password("weiyuan1"))
        home = member.get("/books/JCHY").text
        today = dt.date.today()
        last = today.replace(day=1) - dt.timedelta(days=1)
        label = f"{last:%Y-%m}"
        unclosed = re.search(r'data-testid="unclosed">(.*?)</p>', home, re.S).group(1)
        assert label in unclosed and "已结束，可结账" in unclosed
        period = member.get(f"/books/JCHY/periods/{label}").text
        missing = re.search(r"每张支出凭证都有原始凭证或说明.*?</li>", period, re.S).group(0)
        entry_ids = re.findall(r"/books/JCHY/entries/(\d+)", missing)
        assert entry_ids, "the committee has expenses to explain"
        assert "未录入" not in period  # the treasurer has entered the bank statement
        for entry_id in entry_ids:
            response = member.post(f"/books/JCHY/entries/{entry_id}/waive", {"reason": "纸质发票存档于业委会办公室"},
                                   page=f"/books/JCHY/entries/{entry_id}")
            assert response.status_code == 302
        member.post(f"/books/JCHY/periods/{label}/close", {"confirm": "yes", "reason": "已核对银行对账单与纸质发票"},
                    page=f"/books/JCHY/periods/{label}")
        assert "已结账" in member.get(f"/books/JCHY/periods/{label}").text
        # The home page's bank balance is the trial balance's bank account, to the fen
        home = member.get("/books/JCHY").text
        bank = re.search(r'data-testid="bank">.*?class="figure">([\d,.]+)<', home, re.S).group(1)
        assert re.search(rf"1002</a></td><td>银行存款—共管账户</td><td class=\"num\">{re.escape(bank)}<", home)
        flags_page = member.get("/books/JCHY/flags").text
        assert "待回复" in flags_page and "已回复，待监察人确认" in flags_page and "已关闭" in flags_page
    finally:
        app.extensions["ledger_engine"].dispose()


def test_invoices_are_drawn_in_chinese_and_in_english_without_the_font(monkeypatch):
    from PIL import Image, ImageDraw

    drawn = []
    real_text = ImageDraw.ImageDraw.text

    def record(self, xy, text, *args, **kwargs):
        drawn.append(text)
        return real_text(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", record)
    jpeg = demo_module.receipt_photo(demo_module.CLEANING, dt.date(2026, 7, 25), "16843.50", 7)
    assert Image.open(io.BytesIO(jpeg)).size == (1200, 800)
    said = " ".join(drawn)
    assert "电子发票（普通发票）" in said and "成都蓉洁保洁服务有限公司" in said and "壹万陆仟捌佰肆拾叁元伍角" in said
    assert "¥16,843.50" in said and "FAPIAO" not in said and "Rongjie" not in said
    drawn.clear()
    monkeypatch.setattr(demo_module, "FONT", "/nonexistent/font.ttc")  # a machine without fonts-wqy-zenhei
    jpeg = demo_module.receipt_photo(demo_module.CLEANING, dt.date(2026, 7, 25), "16843.50", 7)
    assert Image.open(io.BytesIO(jpeg)).size == (1200, 800)
    assert "Rongjie Cleaning Co." in drawn and not any(re.search(r"[\u4e00-\u9fff]", t) for t in drawn)


def test_the_community_fund_runs_a_grant_round_and_a_matching_pool(demo_sessions):
    """玉林社区基金 in the demo: a grant round (three applications, a declared conflict, two awards paid in tranches
    against accepted reports, one declined, one closed with its unspent money returned) and a matching pool with
    four micro-projects in four states, one of them quadratic; the failed one's donors got back what they gave."""
    from ledger.db.schema import (
        Donation, DonationRefund, GrantApplication, GrantConflict, GrantRelease, Match, MatchingPool,
        MatchingRuleVersion, Project,
    )
    from ledger.services import projects

    with transaction(demo_sessions) as s:
        book = get_book(s, "YLSQ")
        apps = {a.applicant: a.status for a in s.scalars(select(GrantApplication))}
        assert sorted(apps.values()) == ["awarded", "closed", "declined"]
        assert s.scalar(select(func.count(GrantConflict.id))) == 1
        assert s.scalar(select(func.count(GrantRelease.id))) == 3  # meals 1 and 2, children's council 1
        states = {p.code: p.status for p in s.scalars(select(Project).where(Project.book_id == book.id))}
        assert states == {"FUSHOU": "funded", "TUSHU": "failed", "ZHEYANG": "open", "CAIYUAN": "open",
                          "QIANGHUI": "funded", "GANYINGDENG": "funded"}
        # last month's quadratic round, closed: 1,000.00 shared by (Σ√c)² − Σc, each capped at 70 %, to the fen.
        # 16 gifts of 10–60 yuan (460 in all) against 2 of 700 and 800: the many small gifts win, up to the cap.
        wall = {code: sorted(d.amount_fen for d in s.scalars(select(Donation).join(Project).where(Project.code == code)))
                for code in ("QIANGHUI", "GANYINGDENG")}
        raw = {code: sum(Decimal(c).sqrt() for c in gifts) ** 2 - sum(gifts) for code, gifts in wall.items()}
        assert raw["QIANGHUI"] > Decimal("0.7") * sum(raw.values())  # so it is capped, and the rest goes to the other
        round_ = {code: list(s.scalars(select(Match).join(Project).where(Project.code == code))) for code in wall}
        assert {code: sum(m.amount_fen for m in ms) for code, ms in round_.items()} == {"QIANGHUI": 70_000,
                                                                                    "GANYINGDENG": 30_000}
        assert {m.status for ms in round_.values() for m in ms} == {"posted"}
        assert [len(ms) for ms in round_.values()] == [16, 2]  # each gift's part of its project's share
        tushu = s.scalar(select(Project).where(Project.code == "TUSHU"))
        given = {d.id: d.amount_fen for d in s.scalars(select(Donation).where(Donation.project_id == tushu.id))}
        back = {}
        for r in s.scalars(select(DonationRefund).where(DonationRefund.donation_id.in_(given))):
            back[r.donation_id] = back.get(r.donation_id, 0) + r.amount_fen
        assert back == given and sum(given.values()) == 140_000  # each donor exactly what they gave
        assert {m.status for m in s.scalars(select(Match).where(Match.project_id == tushu.id))} == {"voided"}
        fushou = s.scalar(select(Project).where(Project.code == "FUSHOU"))
        posted = sum(m.amount_fen for m in s.scalars(select(Match).where(Match.project_id == fushou.id)))
        assert posted == 300_000  # 1:1, capped at 300 a donor and 3,000 a project
        pool = s.scalar(select(MatchingPool).where(MatchingPool.book_id == book.id))
        assert pool.held_fen == 1_960_000 and 0 < pool.committed_fen <= pool.held_fen
        caiyuan = s.scalar(select(Project).where(Project.code == "CAIYUAN"))
        assert projects.rule_of(s.get(MatchingRuleVersion, caiyuan.rule_id)).kind == "quadratic"
