"""Grants of a community fund (治理创新基金, issue 10): a round of 100,000.00, three applications, reviews (a
conflicted reviewer refused), two awards booked as commitments, a third that would exceed the pool refused (by the
service, and by the database when written with SQL), tranches released only after the previous report is accepted,
unspent money returned or re-granted by an entry, balances to the fen, and the public page."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from ledger.db.schema import Account, Book, Entry, EntryLine, Fund, GrantDecision
from ledger.domain.errors import InvalidState, PermissionDenied
from ledger.domain.money import to_fen
from ledger.services import books, entries, grants, publications, users, vouchers

from ..conftest import D, Ledger

CODE, FUND = "CF1", "GRANT26"


@pytest.fixture
def fund(sessions) -> Ledger:
    """Community fund CF1 (from March 2026): two fund managers, a treasurer, three reviewers (viewers), and
    120,000.00 of government money received into the restricted fund GRANT26 by an approved entry."""
    book_ledger = Ledger(sessions, CODE)
    with book_ledger.tx() as s:
        system = users.system_user(s)
        book = books.create_book(s, system, CODE, "锦城社区基金", "Jincheng community fund", "community_fund",
                                 first_month=(2026, 3))
        for name, role in [("fm1", "fund_manager"), ("fm2", "fund_manager"), ("clerk", "treasurer"),
                           ("rev1", "viewer"), ("rev2", "viewer"), ("rev3", "viewer")]:
            users.grant_role(s, system, users.create_user(s, name, name, "password-123"), book, role)
        users.create_user(s, "stranger", "stranger", "password-123")
    return book_ledger


def _programme(fund: Ledger) -> int:
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        p = grants.create_programme(s, fm1, book, "GX2026", "2026年社区治理创新基金", FUND, to_fen("100000.00"),
                                    to_fen("50000.00"), D(2026, 3, 1), D(2026, 3, 15), "社区参与度、可持续性、预算合理性",
                                    fund_name="2026治理创新基金（限定）")
        for name in ("rev1", "rev2", "rev3"):
            grants.add_reviewer(s, fm1, book, p, name)
        entry = entries.create_entry(s, fund.user(s, "clerk"), book, fund.entry_input(
            D(2026, 3, 2), "收区财政拨付治理创新基金", ("1002", FUND, "120000.00"), ("4501", FUND, "-120000.00")), submit=True)
        entries.approve_entry(s, fm1, book, entry)
        entries.approve_entry(s, fund.user(s, "fm2"), book, entry)
        assert entry.status == "posted"
        return p.id


def _apply(fund: Ledger, programme_id: int, applicant: str, title: str, budget: list[tuple[str, str]]) -> int:
    with fund.tx() as s:
        book = fund.book(s)
        p = grants.get_programme(s, book, programme_id)
        lines = [(item, to_fen(amount)) for item, amount in budget]
        return grants.record_application(s, fund.user(s, "clerk"), book, p, applicant, title, f"{title}：居民共同参与",
                                         sum(f for _i, f in lines), lines, D(2026, 3, 10), community="锦城社区",
                                         contact="王女士 13800001234").id


def _approve_pending(fund: Ledger, by: str = "fm2") -> None:
    """A second approver approves what the grants left waiting above the book's threshold."""
    with fund.tx() as s:
        book = fund.book(s)
        for entry in entries.pending_approvals(s, book):
            entries.approve_entry(s, fund.user(s, by), book, entry)


def _balance(s, code: str, fund_code: str = FUND) -> int:
    """Debit-positive balance of an account of CF1 on a fund, posted lines only, in fen."""
    return int(s.scalar(select(func.coalesce(func.sum(EntryLine.amount_fen), 0))
                        .join(Entry, Entry.id == EntryLine.entry_id).join(Account, Account.id == EntryLine.account_id)
                        .join(Fund, Fund.id == EntryLine.fund_id).join(Book, Book.id == EntryLine.book_id)
                        .where(Book.code == CODE, Account.code == code, Fund.code == fund_code, Entry.status == "posted")))


def _round(fund: Ledger):
    """The round up to two awards: applications A, B, C, their reviews, A and B awarded and posted."""
    pid = _programme(fund)
    a = _apply(fund, pid, "锦城花园业委会", "楼道微更新", [("涂料与人工", "25000.00"), ("居民议事会", "15000.00")])
    b = _apply(fund, pid, "南湖社区志愿者协会", "社区食堂", [("厨房设备", "30000.00"), ("运营三个月", "15000.00")])
    c = _apply(fund, pid, "东街业主互助会", "屋顶花园", [("土建", "20000.00"), ("苗木", "10000.00")])
    with fund.tx() as s:
        book = fund.book(s)
        A, B, C = (grants.get_application(s, book, i) for i in (a, b, c))
        grants.declare_conflict(s, fund.user(s, "rev3"), book, A, "申请单位负责人是我的亲属")
    with fund.tx() as s:
        book = fund.book(s)
        A = grants.get_application(s, book, a)
        with pytest.raises(PermissionDenied) as refused:
            grants.score(s, fund.user(s, "rev3"), book, A, 95, "很好")
        assert "利益冲突" in refused.value.message_zh and "conflict of interest" in refused.value.message_en
    with fund.tx() as s:
        book = fund.book(s)
        A, B, C = (grants.get_application(s, book, i) for i in (a, b, c))
        grants.score(s, fund.user(s, "rev1"), book, A, 85, "居民参与充分")
        grants.score(s, fund.user(s, "rev2"), book, A, 78, "预算合理")
        grants.score(s, fund.user(s, "rev1"), book, B, 70, "")
        grants.score(s, fund.user(s, "rev3"), book, B, 90, "食堂需求迫切")
        grants.score(s, fund.user(s, "rev2"), book, C, 60, "可持续性存疑")
    with fund.tx() as s:
        book = fund.book(s)
        A = grants.get_application(s, book, a)
        with pytest.raises(InvalidState, match="already scored"):
            grants.score(s, fund.user(s, "rev1"), book, A, 99)
        with pytest.raises(PermissionDenied, match="not a reviewer"):
            grants.score(s, fund.user(s, "fm1"), book, A, 99)
        assert grants.average_score(s, A) == (2, "81.5")
    with fund.tx() as s:
        book = fund.book(s)
        A, B = grants.get_application(s, book, a), grants.get_application(s, book, b)
        grants.decide(s, fund.user(s, "fm1"), book, A, "award", "评分最高，预算清楚", D(2026, 3, 20),
                      tranches=[to_fen("24000.00"), to_fen("16000.00")])
        grants.decide(s, fund.user(s, "fm1"), book, B, "award", "需求迫切", D(2026, 3, 20),
                      tranches=[to_fen("30000.00"), to_fen("15000.00")])
    _approve_pending(fund)  # both commitments are above 10,000.00: a second fund manager approves them
    return pid, a, b, c


def test_a_grant_round_to_the_fen(fund):
    pid, a, b, c = _round(fund)
    with fund.tx() as s:
        book = fund.book(s)
        p = grants.get_programme(s, book, pid)
        assert grants.committed_fen(s, p) == to_fen("85000.00") <= p.pool_fen
        assert _balance(s, "2206") == -to_fen("85000.00") and _balance(s, "5401") == to_fen("85000.00")
        for i in (a, b):
            assert grants.decision_of(s, grants.get_application(s, book, i)).entry.status == "posted"
        entries_before = s.scalar(select(func.count(Entry.id)))
        C = grants.get_application(s, book, c)
        # A third award would take the commitments to 115,000.00: refused, saying why, and nothing changes.
        with pytest.raises(InvalidState) as refused:
            grants.decide(s, fund.user(s, "fm1"), book, C, "award", "也不错", D(2026, 3, 21))
        assert "资金池不足" in refused.value.message_zh and "15,000.00 left" in refused.value.message_en
    with fund.tx() as s:
        book = fund.book(s)
        C = grants.get_application(s, book, c)
        assert C.status == "submitted" and grants.decision_of(s, C) is None
        assert s.scalar(select(func.count(Entry.id))) == entries_before
        # The database refuses it too, written straight in SQL.
        fm1 = fund.user(s, "fm1").id
    with pytest.raises((IntegrityError, DBAPIError), match="pool"):
        with fund.tx() as s:
            s.execute(text("INSERT INTO grant_decisions (application_id, programme_id, decision, amount_fen, reason, "
                           "decided_on, decided_by_id, decided_at) VALUES (:a, :p, 'award', 3000000, 'sql', '2026-03-21', "
                           ":u, '2026-03-21 10:00:00')"), {"a": c, "p": pid, "u": fm1})
    with fund.tx() as s:
        assert s.scalar(select(func.count(GrantDecision.id))) == 2
        book = fund.book(s)
        # Within the pool, SQL passes the trigger (then decisions are append-only: it cannot be changed).
        grants.decide(s, fund.user(s, "fm1"), book, grants.get_application(s, book, c), "decline", "可持续性不足",
                      D(2026, 3, 21))

    # Tranche 2 of A waits for tranche 1's report.
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        A = grants.get_application(s, book, a)
        grants.release(s, fm1, book, A, 1, D(2026, 3, 22))
    _approve_pending(fund)
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        A = grants.get_application(s, book, a)
        with pytest.raises(InvalidState) as early:
            grants.release(s, fm1, book, A, 2, D(2026, 3, 23))
        assert "报告尚未验收" in early.value.message_zh and "has not been accepted" in early.value.message_en
        report = grants.record_report(s, fund.user(s, "clerk"), book, A, 1, "完成三个楼道的涂刷，召开两次议事会",
                                      [("涂料", to_fen("20000.00"), "发票 No.0012345"),
                                       ("议事会茶水与资料", to_fen("3500.50"), "收据 R-88")], D(2026, 3, 24))
        report_id = report.id
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        with pytest.raises(InvalidState, match="has not been accepted"):  # recorded, not yet accepted
            grants.release(s, fm1, book, grants.get_application(s, book, a), 2, D(2026, 3, 24))
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        report, _app = grants.get_report(s, book, report_id)
        grants.decide_report(s, fm1, book, report, True, D(2026, 3, 25), "支出与凭证相符")
        grants.release(s, fm1, book, grants.get_application(s, book, a), 2, D(2026, 3, 25))
    _approve_pending(fund)
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        A = grants.get_application(s, book, a)
        report = grants.record_report(s, fund.user(s, "clerk"), book, A, 2, "议事会形成楼道公约", [
            ("第二期涂刷", to_fen("15000.00"), "发票 No.0012399")], D(2026, 3, 27))
        grants.decide_report(s, fm1, book, report, True, D(2026, 3, 27))
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        A = grants.get_application(s, book, a)
        state = grants.state_of(s, A)
        assert (state.paid_fen, state.spent_fen) == (to_fen("40000.00"), to_fen("38500.50"))
        with pytest.raises(InvalidState) as silent:  # 1,499.50 unspent: never closed silently
            grants.close_grant(s, fm1, book, A, "complete", D(2026, 3, 28))
        assert "1,499.50" in silent.value.message_en and "退回" in silent.value.message_zh
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        closure = grants.close_grant(s, fm1, book, grants.get_application(s, book, a), "return", D(2026, 3, 28),
                                     "结余退回基金账户")
        assert closure.entry.status == "posted" and closure.returned_fen == to_fen("1499.50")

    with fund.tx() as s:
        book = fund.book(s)
        p = grants.get_programme(s, book, pid)
        # 2206: B's 45,000.00 still owed (A's 40,000.00 paid); 5401: 85,000.00 less 1,499.50 returned.
        assert _balance(s, "2206") == -to_fen("45000.00")
        assert _balance(s, "5401") == to_fen("83500.50")
        assert _balance(s, "1002") == to_fen("81499.50")  # 120,000.00 in, 40,000.00 paid, 1,499.50 back
        # The restricted fund: its net assets are what came in less what it granted.
        fund_total = sum(_balance(s, code) for code in ("1002", "2206"))
        assert fund_total == to_fen("36499.50") == to_fen("120000.00") - to_fen("83500.50")
        assert grants.committed_fen(s, p) == to_fen("83500.50")
        fig = grants.figures(s, p)
        assert (fig.paid_fen, fig.uncommitted_fen) == (to_fen("40000.00"), to_fen("16499.50"))
        assert fig.counts == {"submitted": 0, "awarded": 1, "declined": 1, "closed": 1}


def test_regrant_moves_the_unspent_to_another_grant_by_one_entry(fund):
    pid, a, b, c = _round(fund)
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        grants.decide(s, fm1, book, grants.get_application(s, book, c), "decline", "可持续性不足", D(2026, 3, 21))
        grants.release(s, fm1, book, grants.get_application(s, book, b), 1, D(2026, 3, 22))
    _approve_pending(fund)
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        B = grants.get_application(s, book, b)
        report = grants.record_report(s, fund.user(s, "clerk"), book, B, 1, "厨房设备到位",
                                      [("厨房设备", to_fen("28000.00"), "发票 No.77")], D(2026, 3, 23))
        grants.decide_report(s, fm1, book, report, True, D(2026, 3, 23))
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        grants.release(s, fm1, book, grants.get_application(s, book, b), 2, D(2026, 3, 24))
    _approve_pending(fund)
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        B = grants.get_application(s, book, b)
        report = grants.record_report(s, fund.user(s, "clerk"), book, B, 2, "食堂试运营",
                                      [("食材", to_fen("10000.00"), "收据 S-1")], D(2026, 3, 25))
        grants.decide_report(s, fm1, book, report, True, D(2026, 3, 25))
    with fund.tx() as s:  # B spent 38,000.00 of 45,000.00: the 7,000.00 it holds is re-granted to A
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        closure = grants.close_grant(s, fm1, book, grants.get_application(s, book, b), "regrant", D(2026, 3, 26),
                                     "食堂改由街道运营，结余转给楼道微更新", regrant_to=grants.get_application(s, book, a))
        assert closure.entry.status == "submitted" and closure.regranted_fen == to_fen("7000.00")  # 14,000.00 of lines
    _approve_pending(fund)
    with fund.tx() as s:
        book = fund.book(s)
        state = grants.state_of(s, grants.get_application(s, book, a))
        assert state.awarded_fen == to_fen("47000.00")
        assert [t.tranche.planned_fen for t in state.tranches] == [to_fen("24000.00"), to_fen("16000.00"), to_fen("7000.00")]
        assert grants.committed_fen(s, grants.get_programme(s, book, pid)) == to_fen("85000.00")
        # 2206: A's 47,000.00 owed, B's paid in full; 1002: 120,000.00 − 45,000.00 paid + 7,000.00 back from B.
        assert _balance(s, "2206") == -to_fen("47000.00")
        assert _balance(s, "1002") == to_fen("82000.00")
        assert _balance(s, "5401") == to_fen("85000.00")


def test_who_may_decide_and_the_ceiling(fund):
    pid = _programme(fund)
    with fund.tx() as s:
        book = fund.book(s)
        p = grants.get_programme(s, book, pid)
        with pytest.raises(Exception, match="ceiling"):
            grants.record_application(s, fund.user(s, "clerk"), book, p, "某协会", "大项目", "说明", to_fen("60000.00"),
                                      [("全部", to_fen("60000.00"))], D(2026, 3, 10))
        with pytest.raises(Exception, match="budget's total"):
            grants.record_application(s, fund.user(s, "clerk"), book, p, "某协会", "项目", "说明", to_fen("100.00"),
                                      [("全部", to_fen("99.99"))], D(2026, 3, 10))
        with pytest.raises(Exception, match="call is open"):
            grants.record_application(s, fund.user(s, "clerk"), book, p, "某协会", "项目", "说明", to_fen("100.00"),
                                      [("全部", to_fen("100.00"))], D(2026, 3, 16))
        grants.add_reviewer(s, fund.user(s, "fm1"), book, p, "fm2")
    a = _apply(fund, pid, "锦城花园业委会", "楼道微更新", [("涂料", "1000.00")])
    with fund.tx() as s:
        book = fund.book(s)
        A = grants.get_application(s, book, a)
        grants.score(s, fund.user(s, "fm2"), book, A, 80)
    with fund.tx() as s:
        book = fund.book(s)
        A = grants.get_application(s, book, a)
        with pytest.raises(PermissionDenied, match="another fund manager decides"):
            grants.decide(s, fund.user(s, "fm2"), book, A, "award", "好", D(2026, 3, 20))
        with pytest.raises(PermissionDenied):
            grants.decide(s, fund.user(s, "clerk"), book, A, "award", "好", D(2026, 3, 20))
        grants.decide(s, fund.user(s, "fm1"), book, A, "award", "好", D(2026, 3, 20))  # 1,000.00: posted at once
        assert grants.decision_of(s, A).entry.status == "posted"


def test_the_public_page_shows_awards_and_tranches_not_reviewers(fund, tmp_path, db_url):
    pid, a, b, c = _round(fund)
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        grants.decide(s, fm1, book, grants.get_application(s, book, c), "decline", "可持续性不足", D(2026, 3, 21))
        grants.release(s, fm1, book, grants.get_application(s, book, a), 1, D(2026, 3, 22))
    _approve_pending(fund)
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        A = grants.get_application(s, book, a)
        report = grants.record_report(s, fund.user(s, "clerk"), book, A, 1, "完成三个楼道的涂刷",
                                      [("涂料", to_fen("20000.00"), "发票 No.0012345")], D(2026, 3, 24))
        grants.decide_report(s, fm1, book, report, True, D(2026, 3, 25))
    fund.close(2026, 3, closer="fm1")
    store, root = vouchers.VoucherStore(tmp_path / "v"), tmp_path / "pub"
    with fund.tx() as s:
        publications.publish(s, fund.user(s, "fm1"), fund.book(s), 2026, 3, store, root)
    doc = json.loads(next(root.rglob("grants.json")).read_text("utf-8"))
    [programme] = doc["programmes"]
    assert (programme["pool"], programme["committed"], programme["paid"]) == ("100000.00", "85000.00", "24000.00")
    shown = {g["applicant"]: g for g in programme["grants"]}
    assert set(shown) == {"锦城花园业委会", "南湖社区志愿者协会"}  # the declined one is not published
    first = shown["锦城花园业委会"]
    assert first["awarded"] == "40000.00" and first["entry"].startswith("记-2026-03-")
    assert first["tranches"][0]["released"] == "24000.00" and first["tranches"][0]["report"]["total"] == "20000.00"
    assert first["tranches"][1]["released"] is None
    raw = json.dumps(doc, ensure_ascii=False)
    for private in ("rev1", "rev2", "rev3", "13800001234", "王女士", "亲属", "居民参与充分"):
        assert private not in raw

    from public_site import create_app

    site = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(root), "TESTING": True})
    try:
        page = site.test_client().get(f"/{CODE}/grants/")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        for seen in ("锦城花园业委会", "楼道微更新", "40,000.00", "24,000.00", "完成三个楼道的涂刷", "发票 No.0012345",
                     "南湖社区志愿者协会", "100,000.00", "85,000.00"):
            assert seen in html, seen
        for hidden in ("rev1", "rev2", "rev3", "13800001234", "王女士", "东街业主互助会", "居民参与充分"):
            assert hidden not in html, hidden
        english = site.test_client().get(f"/en/{CODE}/grants/").get_data(as_text=True)
        assert "Tranche" in english and "40,000.00" in english
        assert f"/{CODE}/grants/" in site.test_client().get(f"/{CODE}/").get_data(as_text=True)
        assert 'data-testid="grant-entry"' in html  # the award's entry, linked to its published month
        from public_site.static_export import export_static

        written = export_static(site, tmp_path / "static")  # a static copy holds the page, and no broken link
        assert f"/{CODE}/grants/" in written and f"/en/{CODE}/grants/" in written
    finally:
        site.extensions["ledger_engine"].dispose()


def test_the_back_office_pages_show_each_control_exactly_when_allowed(fund, db_url, tmp_path):
    from ..conftest import SignedIn, back_office

    pid, a, b, c = _round(fund)
    with back_office(db_url, tmp_path) as app:
        fm1, fm2, rev2, rev3, clerk = (SignedIn(app, n) for n in ("fm1", "fm2", "rev2", "rev3", "clerk"))
        listing = fm1.get(f"/books/{CODE}/grants").get_data(as_text=True)
        assert "GX2026" in listing and "100,000.00" in listing and "85,000.00" in listing and 'data-testid="programme-form"' in listing
        assert 'data-testid="programme-form"' not in clerk.get(f"/books/{CODE}/grants").get_data(as_text=True)
        pipeline = fm1.get(f"/books/{CODE}/grants/{pid}").get_data(as_text=True)
        assert "15,000.00" in pipeline and "东街业主互助会" in pipeline and "81.5" in pipeline
        # C waits: rev2 scored it (no form again), rev3 may still score it or declare a conflict; fm1 decides.
        url = f"/books/{CODE}/grants/applications/{c}"
        assert 'data-testid="score-form"' not in rev2.get(url).get_data(as_text=True)
        page = rev3.get(url).get_data(as_text=True)
        assert 'data-testid="score-form"' in page and 'data-testid="conflict-form"' in page
        assert 'data-testid="decide-form"' not in page and "13800001234" not in page  # a reviewer sees no contact
        assert 'data-testid="decide-form"' in fm1.get(url).get_data(as_text=True)
        # Through the form, the pool refuses the third award in both languages and nothing changes.
        response = fm1.post(f"{url}/decide", {"decision": "award", "reason": "不错", "decided_on": "2026-03-21"}, page=url)
        assert response.status_code == 302
        assert "资金池不足" in fm1.get(url).get_data(as_text=True)
        # A's tranche 1 can be released by a fund manager, tranche 2 cannot yet; the clerk sees no release button.
        url_a = f"/books/{CODE}/grants/applications/{a}"
        page = fm1.get(url_a).get_data(as_text=True)
        assert 'data-testid="release-1"' in page and 'data-testid="release-2"' not in page
        assert 'data-testid="release-1"' not in clerk.get(url_a).get_data(as_text=True)
        assert fm1.post(f"{url_a}/release", {"tranche": "2", "released_on": "2026-03-22"}, page=url_a).status_code == 302
        shown = fm1.get(url_a).get_data(as_text=True)
        assert "第 1 期尚未拨付，不能先拨第 2 期" in shown
        assert fm1.post(f"{url_a}/release", {"tranche": "1", "released_on": "2026-03-22"}, page=url_a).status_code == 302
        entry_page = fm2.get(f"/books/{CODE}/approvals").get_data(as_text=True)
        assert "拨付资助" in entry_page
    _approve_pending(fund)
    with back_office(db_url, tmp_path) as app:
        clerk, fm1 = SignedIn(app, "clerk"), SignedIn(app, "fm1")
        url_a = f"/books/{CODE}/grants/applications/{a}"
        assert 'data-testid="report-form-1"' in clerk.get(url_a).get_data(as_text=True)
        clerk.post(f"{url_a}/report", {"tranche": "1", "narrative": "完成三个楼道的涂刷", "submitted_on": "2026-03-24",
                                        "expenses": "涂料, 20000.00, 发票 No.0012345\n议事会，3500.50，收据 R-88"}, page=url_a)
        page = fm1.get(url_a).get_data(as_text=True)
        assert "发票 No.0012345" in page and "3,500.50" in page and 'data-testid="review-report-' in page
        with fund.tx() as s:
            assert grants.state_of(s, grants.get_application(s, fund.book(s), a)).tranches[0].waiting is not None


def test_the_command_line_runs_a_round(fund, db_url, monkeypatch):
    from click.testing import CliRunner

    from ledger.cli import main

    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args, ok=True, who="fm1"):
        result = runner.invoke(main, ["grants", *args, "--book", CODE, "--as", who, "--format", "json"], catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return json.loads(result.output) if ok else result.output

    made = run("programme-create", "--code", "MINI", "--title", "小额资助", "--fund", FUND, "--pool", "10000.00",
               "--ceiling", "6000.00", "--opens", "2026-03-01", "--closes", "2026-03-31")
    assert made["pool"] == "10000.00" and made["committed"] == "0.00"
    with fund.tx() as s:  # the pool's money, into the fund the programme made
        book = fund.book(s)
        entry = entries.create_entry(s, fund.user(s, "clerk"), book, fund.entry_input(
            D(2026, 3, 2), "收拨款", ("1002", FUND, "9000.00"), ("4501", FUND, "-9000.00")), submit=True)
        entries.approve_entry(s, fund.user(s, "fm1"), book, entry)
    run("reviewer-add", "--programme", "MINI", "--user", "rev1")
    first = run("apply", "--programme", "MINI", "--applicant", "甲协会", "--title", "读书角", "--purpose", "建读书角",
                "--amount", "6000.00", "--budget", "书架|2000.00", "--budget", "图书|4000.00", "--received", "2026-03-05",
                who="clerk")
    second = run("apply", "--programme", "MINI", "--applicant", "乙协会", "--title", "跳蚤市场", "--purpose", "邻里交换",
                 "--amount", "5000.00", "--budget", "场地|5000.00", "--received", "2026-03-06", who="clerk")
    run("conflict", "--application", str(second["id"]), "--reason", "我是乙协会会员", who="rev1")
    refused = run("score", "--application", str(second["id"]), "--score", "80", ok=False, who="rev1")
    assert "利益冲突" in refused and "conflict of interest" in refused
    assert run("score", "--application", str(first["id"]), "--score", "88", who="rev1")["score"] == 88
    awarded = run("decide", "--application", str(first["id"]), "--award", "--reason", "好", "--date", "2026-03-10",
                  "--tranches", "4000.00,2000.00")
    assert awarded["awarded"] == "6000.00" and awarded["entry"].startswith("记-2026-03-")
    over = run("decide", "--application", str(second["id"]), "--award", "--reason", "也好", "--date", "2026-03-10", ok=False)
    assert "资金池不足" in over and "4,000.00 left" in over
    run("release", "--application", str(first["id"]), "--tranche", "1", "--date", "2026-03-11")
    assert "has not been accepted" in run("release", "--application", str(first["id"]), "--tranche", "2", "--date",
                                          "2026-03-12", ok=False)
    report = run("report", "--application", str(first["id"]), "--tranche", "1", "--narrative", "书架已装好",
                 "--expense", "书架|1900.00|发票 A-1", "--expense", "图书|2000.00|发票 A-2", "--date", "2026-03-12", who="clerk")
    run("review-report", "--report", str(report["report"]), "--accept", "--date", "2026-03-13")
    released = run("release", "--application", str(first["id"]), "--tranche", "2", "--date", "2026-03-13")
    assert released["amount"] == "2000.00" and released["entry"].startswith("记-")
    listed = json.loads(runner.invoke(main, ["grants", "list", "--book", CODE, "--format", "json"]).output)
    [mini] = [p for p in listed if p["code"] == "MINI"]
    assert (mini["committed"], mini["paid"]) == ("6000.00", "6000.00")
    assert mini["applications"] == {"submitted": 1, "awarded": 1, "declined": 0, "closed": 0}
