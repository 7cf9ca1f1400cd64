"""Micro-projects with government matching (issue 10): donations, pending matches, funded and failed projects,
refunds clawing matches back, a pool that can never commit more than it holds (the service and the database), the
donor's phone never kept in clear, the receipt PDF, and what the public site may read."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pypdfium2
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from ledger.db.engine import transaction
from ledger.db.schema import Account, Base, Entry, EntryLine, Fund
from ledger.domain.errors import InvalidState, PermissionDenied
from ledger.domain.money import to_fen
from ledger.services import books, entries, projects, users

D = dt.date
PHONES = {"A": "138 0013 8000", "B": "+86 139-0000-1111", "C": "13700000002", "E": "13600000003", "F": "13500000004"}
RULE = {"kind": "ratio", "version": 1, "ratio": "1:1", "min_donation": "10", "per_donor_cap": "300",
        "per_project_cap": "2000"}


class Fund_:
    """A community fund book with a fund manager (fm1), a second approver (fm2) and a treasurer (t1)."""

    def __init__(self, sessions, root: Path):
        self.sessions, self.root = sessions, root

    def tx(self):
        return transaction(self.sessions)

    def book(self, s):
        from ledger.services.access import get_book

        return get_book(s, "CF")

    def u(self, s, name):
        return users.get_user(s, name)

    def approve(self, s, entry_id, by="fm2"):
        book = self.book(s)
        entry = s.get(Entry, entry_id)
        entries.approve_entry(s, self.u(s, by), book, entry)
        assert entry.status == "posted"

    def donate(self, project, who, amount, date=D(2026, 3, 5), channel="wechat", name=None, anonymous=False,
               reference="", approve=True):
        with self.tx() as s:
            r = projects.record_donation(s, self.u(s, "t1"), self.book(s), project, to_fen(amount), date, channel,
                                         PHONES[who], reference=reference, display_name=name or f"捐款人{who}",
                                         anonymous=anonymous, publish_root=self.root)
            if approve:
                self.approve(s, r.entry.id)
            return r.donation.receipt_code, (r.match.amount_fen if r.match else None)

    def cash(self, fund_code) -> int:
        """A fund's posted cash, in fen."""
        with self.tx() as s:
            return int(s.scalar(select(func.coalesce(func.sum(EntryLine.amount_fen), 0))
                                .join(Entry, Entry.id == EntryLine.entry_id).join(Account, Account.id == EntryLine.account_id)
                                .join(Fund, Fund.id == EntryLine.fund_id)
                                .where(Fund.code == fund_code, Account.cash.is_(True), Entry.status == "posted",
                                       Fund.book_id == self.book(s).id)))

    def pool(self, code="GOV") -> dict:
        with self.tx() as s:
            return projects.pool_figures(s, projects.get_pool(s, self.book(s), code))


@pytest.fixture
def fund(sessions, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_PUBLICATIONS_DIR", str(tmp_path / "pub"))
    with transaction(sessions) as s:
        system = users.system_user(s)
        book = books.create_book(s, system, "CF", "锦城社区基金", "Jincheng community fund", "community_fund",
                                 first_month=(2026, 1))
        for name, role in [("fm1", "fund_manager"), ("fm2", "fund_manager"), ("t1", "treasurer"), ("sup", "supervisor"),
                           ("reader", "viewer")]:
            users.grant_role(s, system, users.create_user(s, name, name, "password-123"), book, role)
    f = Fund_(sessions, tmp_path / "pub")
    with f.tx() as s:
        book, fm1 = f.book(s), f.u(s, "fm1")
        projects.create_pool(s, fm1, book, "GOV", "武侯区微项目配捐", "武侯区政府")
        dep = projects.deposit(s, fm1, book, "GOV", to_fen("5000.00"), D(2026, 3, 1), "区财政拨款")
        f.approve(s, dep.entry_id)
        projects.add_rule(s, fm1, book, "GOV", RULE)
    return f


def _project(f, code, goal, mode="all_or_nothing", deadline=D(2026, 3, 31), pool="GOV", version=1):
    with f.tx() as s:
        projects.create_project(s, f.u(s, "t1"), f.book(s), pool_code=pool, rule_version=version, code=code,
                                title=f"{code} 楼道粉刷", goal_fen=to_fen(goal), deadline=deadline, funding_mode=mode,
                                area="3 栋", story="把 3 栋楼道刷白。", budget_lines=[("涂料", to_fen("600")),
                                                                                   ("人工", to_fen("400"))])


def test_full_flow_funded_project_posted_matches_expenses_and_published_progress(fund):
    f = fund
    _project(f, "P1", "1000.00")
    a1, m1 = f.donate("P1", "A", "200.00")
    a2, m2 = f.donate("P1", "A", "200.00", name="另一个名字")  # the donor's cap of 300: only 100 more
    _b, m3 = f.donate("P1", "B", "500.00", reference="WX-4200001")  # the cap again: 300
    _c, m4 = f.donate("P1", "C", "5.00", channel="cash", anonymous=True, name="不该出现的名字")  # below the minimum
    assert (m1, m2, m3, m4) == (20000, 10000, 30000, 0)
    assert f.pool() == {"held": 500000, "committed": 60000, "pending": 60000, "posted": 0, "voided": 0,
                        "clawed_back": 0, "remaining": 440000}
    with f.tx() as s, pytest.raises(InvalidState):  # 905.00 of 1,000.00, deadline not passed: not yet
        projects.settle_project(s, f.u(s, "fm1"), f.book(s), "P1", D(2026, 3, 10))
    _e, m5 = f.donate("P1", "E", "100.00", channel="bank")
    assert m5 == 10000
    with f.tx() as s:  # only the fund manager settles
        with pytest.raises(PermissionDenied):
            projects.settle_project(s, f.u(s, "t1"), f.book(s), "P1", D(2026, 3, 10))
    with f.tx() as s:
        project = projects.settle_project(s, f.u(s, "fm1"), f.book(s), "P1", D(2026, 3, 10), publish_root=f.root)
        assert project.status == "funded"
        lines = sorted((l.account.code, l.fund.code, l.amount_fen) for l in s.get(Entry, project.settle_entry_id).lines)
        assert lines == [("1002", "P-P1", 70000), ("1002", "POOL-GOV", -70000), ("4402", "P-P1", -70000),
                         ("5201", "POOL-GOV", 70000)]
        f.approve(s, project.settle_entry_id)
    assert f.pool()["posted"] == 70000 and f.pool()["pending"] == 0 and f.pool()["remaining"] == 430000
    assert f.cash("P-P1") == 100500 + 70000 and f.cash("POOL-GOV") == 500000 - 70000
    # spending from the project's fund, with a voucher, then the public progress
    with f.tx() as s:  # against its budget line 涂料, with a real JPEG voucher (services/project_spending.py)
        from ledger.services import project_spending, vouchers

        from .test_project_spending import jpeg

        book = f.book(s)
        line = project_spending.budget_line_by_label(projects.get_project(s, book, "P1"), "涂料")
        e = project_spending.record_spend(s, f.u(s, "t1"), book, "P1", [(line.id, to_fen("600.00"))], "5201", "1002",
                                          D(2026, 3, 20), "购涂料", [vouchers.prepare_voucher(jpeg(), "发票.jpg", 20 << 20)],
                                          vouchers.VoucherStore(f.root.parent / "vouchers"))
        f.approve(s, e.id)
        projects.publish_project(s, f.u(s, "t1"), book, "P1", f.root)
    doc = json.loads((f.root / "CF/projects/P1/progress.json").read_text())
    assert (doc["raised"], doc["matched"], doc["goal"], doc["deadline"], doc["status"]) == (
        "1005.00", "700.00", "1000.00", "2026-03-31", "funded")
    assert doc["wall"] == [{"name": "捐款人A", "amount": "200.00"}, {"name": "另一个名字", "amount": "200.00"},
                           {"name": "捐款人B", "amount": "500.00"}, {"name": "匿名", "amount": "5.00"},
                           {"name": "捐款人E", "amount": "100.00"}]
    assert [(x["summary"], x["amount"]) for x in doc["expenses"]] == [("购涂料", "600.00")]
    assert "你捐 100 元，武侯区政府再配 100 元" in doc["rule"]["explainer_zh"]
    receipt = json.loads((f.root / f"CF/receipts/{a2}.json").read_text())
    assert (receipt["amount"], receipt["match"], receipt["match_status"]) == ("200.00", "100.00", "posted")
    # privacy: no phone, no reference, no anonymous donor's name in anything published
    published = b"".join(p.read_bytes() for p in f.root.rglob("*") if p.is_file())
    for phone in ("13800138000", "13900001111", "13700000002", "138 0013 8000", "WX-4200001"):
        assert phone.encode() not in published
    assert "不该出现的名字".encode() not in published


def test_failed_all_or_nothing_project_refunds_every_donor_exactly_and_voids_matches(fund):
    f = fund
    _project(f, "P2", "2000.00", deadline=D(2026, 3, 15))
    r1, _ = f.donate("P2", "A", "300.00")
    r2, _ = f.donate("P2", "B", "123.45", channel="cash")
    r3, _ = f.donate("P2", "A", "50.00", channel="bank")
    assert f.pool()["pending"] == 30000 + 12345  # A's cap: 300 for the first, nothing for the third
    with f.tx() as s:
        project = projects.settle_project(s, f.u(s, "fm1"), f.book(s), "P2", D(2026, 3, 16), publish_root=f.root)
        assert project.status == "failed"
        entry = s.get(Entry, project.settle_entry_id)
        assert sorted((l.account.code, l.amount_fen) for l in entry.lines) == [
            ("1001", -12345), ("1002", -35000), ("4401", 47345)]
        f.approve(s, entry.id)
        for code, given in ((r1, 30000), (r2, 12345), (r3, 5000)):
            d = projects.get_donation(s, f.book(s), code)
            assert projects.refunded_of(s, d) == given  # exactly what they gave
    assert f.cash("P-P2") == 0
    assert f.pool() == {"held": 500000, "committed": 0, "pending": 0, "posted": 0, "voided": 42345, "clawed_back": 0,
                        "remaining": 500000}
    receipt = json.loads((f.root / f"CF/receipts/{r2}.json").read_text())
    assert (receipt["refunded"], receipt["match_status"], receipt["project_status"]) == ("123.45", "voided", "failed")
    with f.tx() as s, pytest.raises(InvalidState):
        projects.record_donation(s, f.u(s, "t1"), f.book(s), "P2", 10000, D(2026, 3, 10), "cash", PHONES["C"],
                                 display_name="迟到")


def test_a_refund_claws_back_its_match_pending_and_posted(fund):
    f = fund
    _project(f, "P3", "300.00", mode="keep_what_you_raise")
    r1, m1 = f.donate("P3", "A", "250.00")
    r2, m2 = f.donate("P3", "B", "100.00")
    assert (m1, m2) == (25000, 10000)
    with f.tx() as s:  # pending: a partial refund keeps what the rest earns (150 -> 150)
        projects.refund_donation(s, f.u(s, "t1"), f.book(s), r1, "捐款人要求退回一部分", to_fen("100.00"), D(2026, 3, 6))
    assert f.pool()["pending"] == 15000 + 10000 and f.pool()["clawed_back"] == 10000
    with f.tx() as s:
        project = projects.settle_project(s, f.u(s, "fm1"), f.book(s), "P3", D(2026, 4, 1))
        f.approve(s, project.settle_entry_id)
    # the first refund's entry still waits for approval; approve it, then refund B after the match was posted
    with f.tx() as s:
        for e in s.scalars(select(Entry).where(Entry.status == "submitted")):
            f.approve(s, e.id)
        refund = projects.refund_donation(s, f.u(s, "t1"), f.book(s), r2, "捐款人撤回", date=D(2026, 4, 2))
        lines = sorted((l.account.code, l.fund.code, l.amount_fen) for l in s.get(Entry, refund.entry_id).lines)
        assert lines == [("1002", "P-P3", -10000), ("1002", "P-P3", -10000), ("1002", "POOL-GOV", 10000),
                         ("4401", "P-P3", 10000), ("4402", "P-P3", 10000), ("5201", "POOL-GOV", -10000)]
        f.approve(s, refund.entry_id)
    assert f.pool()["posted"] == 15000 and f.pool()["clawed_back"] == 20000 and f.pool()["remaining"] == 485000
    assert f.cash("P-P3") == 15000 + 15000 and f.cash("POOL-GOV") == 485000


def test_the_pool_never_commits_more_than_it_holds_service_and_database(fund, engine):
    f = fund
    with f.tx() as s:
        book, fm1 = f.book(s), f.u(s, "fm1")
        projects.create_pool(s, fm1, book, "SMALL", "小配捐池")
        f.approve(s, projects.deposit(s, fm1, book, "SMALL", to_fen("100.00"), D(2026, 3, 1)).entry_id)
        projects.add_rule(s, fm1, book, "SMALL", {"kind": "ratio", "ratio": "1:1"})
        projects.add_rule(s, fm1, book, "SMALL", {"kind": "quadratic", "version": 2, "pool": "50.00"})
    _project(f, "S1", "1000.00", pool="SMALL")
    _project(f, "Q1", "1000.00", pool="SMALL", version=2)
    _, m1 = f.donate("S1", "A", "80.00")
    _, m2 = f.donate("S1", "B", "80.00")  # the pool has 20.00 left
    _, m3 = f.donate("S1", "C", "80.00")
    assert (m1, m2, m3) == (8000, 2000, 0)
    assert f.pool("SMALL")["remaining"] == 0
    f.donate("Q1", "A", "10.00")
    f.donate("Q1", "B", "10.00")
    with f.tx() as s, pytest.raises(InvalidState):  # the round needs 50.00 the pool no longer has
        projects.close_round(s, f.u(s, "fm1"), f.book(s), "SMALL", 2)
    # by SQL: raising the commitment, or inserting a match beyond the pool, is refused by the database
    with engine.connect() as conn:
        pool_id, held = conn.execute(text("SELECT id, held_fen FROM matching_pools WHERE code = 'SMALL'")).one()
        conn.rollback()
        with pytest.raises((IntegrityError, DBAPIError)):
            with conn.begin():
                conn.execute(text("UPDATE matching_pools SET committed_fen = held_fen + 1 WHERE id = :p"), {"p": pool_id})
        donation_id, project_id = conn.execute(text(
            "SELECT d.id, d.project_id FROM donations d JOIN projects p ON p.id = d.project_id WHERE p.code = 'Q1' "
            "ORDER BY d.id LIMIT 1")).one()
        conn.rollback()
        with pytest.raises((IntegrityError, DBAPIError)):
            with conn.begin():
                conn.execute(text(
                    "INSERT INTO matches (pool_id, project_id, donation_id, raw_fen, amount_fen, status, clawed_back_fen, "
                    "created_at) VALUES (:p, :pr, :d, 1, 1, 'pending', 0, CURRENT_TIMESTAMP)"),
                    {"p": pool_id, "pr": project_id, "d": donation_id})
        with pytest.raises((IntegrityError, DBAPIError)):  # a match's amount never changes
            with conn.begin():
                conn.execute(text("UPDATE matches SET amount_fen = amount_fen + 1 WHERE pool_id = :p"), {"p": pool_id})
        assert conn.execute(text("SELECT committed_fen FROM matching_pools WHERE id = :p"), {"p": pool_id}).scalar() == held


def test_a_quadratic_round_shares_its_pool_by_the_domain_code(fund):
    f = fund
    with f.tx() as s:
        projects.add_rule(s, f.u(s, "fm1"), f.book(s), "GOV", {"kind": "quadratic", "version": 2, "pool": "1000.00",
                                                                "cap_share": "0.6"})
    _project(f, "Q1", "100.00", version=2)
    _project(f, "Q2", "100.00", version=2)
    for who in "ABCE":
        f.donate("Q1", who, "100.00")
    f.donate("Q2", "F", "400.00")
    with f.tx() as s:
        assert projects.quadratic_estimate(s, projects.get_project(s, f.book(s), "Q1")) == 60000
        result = projects.close_round(s, f.u(s, "fm1"), f.book(s), "GOV", 2)
    assert {p: x.match_fen for p, x in result.projects.items()} == {"Q1": 60000, "Q2": 0}
    assert f.pool()["pending"] == 60000


def test_phone_never_stored_in_clear_and_the_receipt_pdf(fund, engine, tmp_path):
    f = fund
    _project(f, "P4", "1000.00")
    code, _ = f.donate("P4", "A", "200.00", name="王阿姨")
    with engine.connect() as conn:
        dump = []
        for table in Base.metadata.sorted_tables:
            dump += [repr(tuple(r)) for r in conn.execute(table.select())]
    everything = "\n".join(dump)
    assert "13800138000" not in everything and "138 0013 8000" not in everything
    with f.tx() as s:
        pdf = projects.receipt_pdf(s, f.u(s, "t1"), f.book(s), code)
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    page_text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(str(path)))
    assert code in page_text and "200.00" in page_text and "配捐金额" in page_text
    assert "王阿姨" in page_text and "13800138000" not in page_text
    assert "你捐 100 元，武侯区政府再配 100 元" in page_text.replace("\r", "").replace("\n", "")


def test_back_office_pages_show_the_match_before_saving_and_controls_by_role(fund, db_url, tmp_path):
    from tests.conftest import SignedIn, back_office

    f = fund
    _project(f, "P5", "1000.00")
    with back_office(db_url, tmp_path, PUBLICATIONS_DIR=str(f.root)) as app:
        t1 = SignedIn(app, "t1")
        page = t1.get("/books/CF/projects/P5")
        assert "你捐 100 元，武侯区政府再配 100 元" in page.text and 'data-testid="settle"' not in page.text
        url = "/books/CF/projects/P5/donations"
        form = {"amount": "350", "date": "2026-03-05", "channel": "wechat", "phone": PHONES["A"],
                "display_name": "李先生", "reference": "WX-1"}
        shown = t1.post(url, dict(form, step="preview"), page="/books/CF/projects/P5")
        assert shown.status_code == 200 and 'name="shown_match" value="30000"' in shown.text
        assert "300.00" in shown.text and "已到每人在本项目的配捐上限" in shown.text
        with f.tx() as s:
            assert s.scalar(select(func.count()).select_from(text("donations"))) == 0  # a preview saves nothing
        saved = t1.post(url, dict(form, step="save", shown_match="30000"), page="/books/CF/projects/P5")
        assert saved.status_code == 302
        page = t1.get("/books/CF/projects/P5").text
        assert "350.00" in page and "300.00" in page and "13800138000" not in page
        code = json.loads(next((f.root / "CF/receipts").glob("*.json")).read_text())["receipt"]
        assert t1.get(f"/books/CF/receipts/{code}.pdf").headers["Content-Type"] == "application/pdf"
        # a match shown that is no longer the match is refused: the donor gets what they were shown
        stale = t1.post(url, dict(form, step="save", shown_match="30000"), page="/books/CF/projects/P5")
        assert stale.status_code == 422
        fm1 = SignedIn(app, "fm1")
        assert 'data-testid="settle"' in fm1.get("/books/CF/projects/P5").text
        pool = fm1.get("/books/CF/pools/GOV").text
        assert "300.00" in pool and "P5" in pool.split('data-testid="capped"')[1]  # the donor who hit the cap
        reader = SignedIn(app, "reader")
        assert 'data-testid="donate"' not in reader.get("/books/CF/projects/P5").text
        assert reader.get("/books/CF/pools/GOV").status_code == 403
        assert "李先生" not in reader.get("/books/CF/projects/P5").text  # the donations list is for READ_DONORS


def test_cli_lists_projects_and_the_pool(fund, db_url, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from ledger.cli import main

    f = fund
    _project(f, "P6", "500.00")
    f.donate("P6", "A", "120.00")
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    runner = CliRunner()
    listed = runner.invoke(main, ["projects", "list", "--book", "CF", "--format", "json"], catch_exceptions=False)
    assert json.loads(listed.output)["projects"] == [{"code": "P6", "title": "P6 楼道粉刷", "status": "open",
                                                      "raised": "120.00", "matched": "120.00", "goal": "500.00",
                                                      "deadline": "2026-03-31"}]
    status = runner.invoke(main, ["projects", "pool-status", "--book", "CF", "--pool", "GOV"], catch_exceptions=False)
    assert json.loads(status.output)["remaining"] == "4880.00"
    rule = tmp_path / "rule.json"
    rule.write_text(json.dumps(dict(RULE, ratio="1:2")))  # version 1 again, another rule: refused
    refused = runner.invoke(main, ["projects", "rule", "--book", "CF", "--pool", "GOV", "--rule", str(rule), "--as", "fm1"])
    assert refused.exit_code == 1 and "version" in refused.output


def test_a_gift_that_carried_an_all_or_nothing_project_over_its_goal_cannot_come_back_once_matched(fund):
    """套捐: a large gift takes the project over its goal, it is settled and the matches are paid, then the gift is
    refunded, leaving the pool's money with a project that never reached its goal. A refund that keeps the project at
    its goal is still given."""
    f = fund
    _project(f, "P9", "1000.00")
    f.donate("P9", "A", "200.00")
    big, _ = f.donate("P9", "B", "900.00")
    with f.tx() as s:
        project = projects.settle_project(s, f.u(s, "fm1"), f.book(s), "P9", D(2026, 3, 20))
        f.approve(s, project.settle_entry_id)
    with f.tx() as s, pytest.raises(InvalidState, match="below the goal") as refused:
        projects.refund_donation(s, f.u(s, "t1"), f.book(s), big, "捐款人要求退回", date=D(2026, 3, 22))
    assert "低于目标" in refused.value.message("zh_CN")
    with f.tx() as s:  # 100.00 of it keeps 1,000.00 raised: given back, its match clawed back
        projects.refund_donation(s, f.u(s, "t1"), f.book(s), big, "多付了 100 元", amount_fen=to_fen("100.00"),
                                 date=D(2026, 3, 22))
        assert projects.progress(s, projects.get_project(s, f.book(s), "P9")).raised_fen == to_fen("1000.00")
