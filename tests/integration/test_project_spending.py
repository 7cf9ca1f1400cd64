"""Spending on a micro-project (issue 10): only from its restricted fund, with vouchers, against its budget lines.

A funded project (budget 涂料 600.00, 人工 400.00) spends against both lines through `record_spend` with real JPEG
vouchers; a spend that would take a line over is refused when it would post, in both languages, and nothing changes;
a spend without a voucher and a plain entry on the project's fund (no allocation) are refused; nothing is spent before
the project is funded; the public document and page show each line's spending to the fen; the office page shows
the budget table and the form exactly to those who may use it."""
from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from ledger.db.schema import Attachment, Entry, ProjectSpend
from ledger.domain.errors import InvalidInput, LedgerError
from ledger.domain.model import EntryInput, Line
from ledger.domain.money import to_fen
from ledger.services import entries, project_spending, projects, vouchers

from .test_projects import D, _project, fund  # noqa: F401  (the fixture)


def jpeg(colour=(250, 250, 240)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 400), colour).save(buf, format="JPEG")
    return buf.getvalue()


@pytest.fixture
def funded(fund, tmp_path):  # noqa: F811
    """P1 raised 1,000.00 and was matched 700.00, settled and posted: 1,700.00 in P-P1."""
    f = fund
    f.store = vouchers.VoucherStore(tmp_path / "vouchers")
    _project(f, "P1", "1000.00")
    f.donate("P1", "A", "200.00")
    f.donate("P1", "A", "200.00")
    f.donate("P1", "B", "500.00")
    f.donate("P1", "E", "100.00", channel="bank")
    with f.tx() as s:
        project = projects.settle_project(s, f.u(s, "fm1"), f.book(s), "P1", D(2026, 3, 10))
        f.approve(s, project.settle_entry_id)
    assert f.cash("P-P1") == 170000
    return f


def spend(f, label, amount, summary, voucher=True, submit=True, project="P1", date=D(2026, 3, 20)) -> int:
    with f.tx() as s:
        book = f.book(s)
        line = project_spending.budget_line_by_label(projects.get_project(s, book, project), label)
        prepared = [vouchers.prepare_voucher(jpeg(), "发票.jpg", 20 << 20)] if voucher else []
        return project_spending.record_spend(s, f.u(s, "t1"), book, project, [(line.id, to_fen(amount))], "5201", "1002",
                                             date, summary, prepared, f.store, submit=submit).id


def approve(f, entry_id, by="fm2"):
    with f.tx() as s:
        f.approve(s, entry_id, by)


def table(f, project="P1") -> list[tuple[str, int, int, int, int]]:
    with f.tx() as s:
        p = projects.get_project(s, f.book(s), project)
        return [(r.line.label, r.budget_fen, r.spent_fen, r.waiting_fen, r.left_fen)
                for r in project_spending.line_figures(s, p)]


def test_a_funded_project_spends_against_two_lines_and_publishes_per_line_spent(funded):
    f = funded
    paint = spend(f, "涂料", "450.00", "购涂料")
    labour = spend(f, "人工", "300.25", "付人工费")
    assert table(f) == [("涂料", 60000, 0, 45000, 60000), ("人工", 40000, 0, 30025, 40000)]
    approve(f, paint)
    approve(f, labour)
    waiting = spend(f, "人工", "50.00", "付人工费（第二次）")  # drafted and submitted, not approved
    assert table(f) == [("涂料", 60000, 45000, 0, 15000), ("人工", 40000, 30025, 5000, 9975)]
    assert f.cash("P-P1") == 170000 - 45000 - 30025
    with f.tx() as s:
        e = s.get(Entry, paint)
        assert sorted((l.account.code, l.fund.code, l.amount_fen) for l in e.lines) == [
            ("1002", "P-P1", -45000), ("5201", "P-P1", 45000)]
        assert len(e.attachments) == 1 and e.status == "posted"
        assert s.get(Entry, waiting).status == "submitted"
        projects.publish_project(s, f.u(s, "t1"), f.book(s), "P1", f.root, f.store)
    doc = json.loads((f.root / "CF/projects/P1/progress.json").read_text())
    assert doc["budget"] == [{"label": "涂料", "amount": "600.00", "spent": "450.00", "left": "150.00"},
                             {"label": "人工", "amount": "400.00", "spent": "300.25", "left": "99.75"}]
    assert [(e["summary"], e["amount"], e["budget_lines"]) for e in doc["expenses"]] == [
        ("购涂料", "450.00", [{"label": "涂料", "amount": "450.00"}]),
        ("付人工费", "300.25", [{"label": "人工", "amount": "300.25"}])]


def test_the_over_line_spend_is_refused_at_posting_in_both_languages_and_nothing_changes(funded):
    f = funded
    first = spend(f, "涂料", "550.00", "购涂料")
    second = spend(f, "涂料", "50.01", "再购涂料")  # recorded while nothing is posted: the lines count what posted
    third = spend(f, "涂料", "50.00", "补涂料")
    approve(f, first)
    approve(f, third)  # 600.00 exactly: allowed
    with f.tx() as s:
        before = (s.scalar(select(func.count()).select_from(Entry).where(Entry.status == "posted")),
                  s.scalar(select(func.count()).select_from(ProjectSpend)))
    with pytest.raises(LedgerError) as refused:
        approve(f, second)
    zh, en = refused.value.message("zh_CN"), refused.value.message("en")
    assert "超出预算项目" in zh and "“涂料”预算 600.00，已支出 600.00" in zh and f"凭证 {second} 又支出 50.01" in zh
    assert "over the budget line" in en and "\"涂料\" has a budget of 600.00, 600.00 spent" in en
    assert f"entry {second} would add 50.01, 50.01 over" in en
    with f.tx() as s:
        assert s.get(Entry, second).status == "submitted" and not s.get(Entry, second).approvals
        assert (s.scalar(select(func.count()).select_from(Entry).where(Entry.status == "posted")),
                s.scalar(select(func.count()).select_from(ProjectSpend))) == before
    assert table(f)[0] == ("涂料", 60000, 60000, 5001, 0)
    assert f.cash("P-P1") == 170000 - 60000
    # Recording a spend the line can no longer take is refused at once, with the same words.
    with pytest.raises(LedgerError, match="超出预算项目"):
        spend(f, "涂料", "0.01", "又一次")


def test_a_spend_needs_a_voucher_to_be_recorded_and_to_post(funded):
    f = funded
    with pytest.raises(InvalidInput, match="须附原始凭证"):
        spend(f, "人工", "100.00", "无凭证", voucher=False)
    draft = spend(f, "人工", "100.00", "凭证被删", submit=False)
    with f.tx() as s:  # the voucher taken off the draft, which is then submitted
        book = f.book(s)
        att = s.scalar(select(Attachment).where(Attachment.entry_id == draft))
        vouchers.delete_voucher(s, f.u(s, "t1"), book, att, f.store)
        entries.submit_entry(s, f.u(s, "t1"), book, s.get(Entry, draft))
    with pytest.raises(LedgerError) as refused:
        approve(f, draft)
    assert "须附原始凭证" in refused.value.message("zh_CN") and "needs a voucher" in refused.value.message("en")
    assert f.cash("P-P1") == 170000


def test_a_plain_entry_on_the_project_fund_without_allocation_is_refused(funded):
    f = funded
    with f.tx() as s:
        book = f.book(s)
        e = entries.create_entry(s, f.u(s, "t1"), book, EntryInput(date=D(2026, 3, 20), summary="购涂料", lines=(
            Line("5201", "P-P1", to_fen("100.00")), Line("1002", "P-P1", -to_fen("100.00")))))
        vouchers.upload_voucher(s, f.u(s, "t1"), book, e, jpeg(), "发票.jpg", f.store, 20 << 20)
        entries.submit_entry(s, f.u(s, "t1"), book, e)
        entry_id = e.id
    with pytest.raises(LedgerError) as refused:
        approve(f, entry_id)
    assert "只能按预算项目支出" in refused.value.message("zh_CN")
    assert "allocates 0.00 to budget lines" in refused.value.message("en")
    assert f.cash("P-P1") == 170000


def test_nothing_is_spent_before_the_project_is_funded(fund, tmp_path):  # noqa: F811
    f = fund
    f.store = vouchers.VoucherStore(tmp_path / "vouchers")
    _project(f, "P2", "1000.00")
    f.donate("P2", "A", "200.00")
    with pytest.raises(LedgerError, match="尚未筹款成功"):
        spend(f, "涂料", "100.00", "购涂料", project="P2")
    with f.tx() as s:
        p = projects.get_project(s, f.book(s), "P2")
        assert not project_spending.may_spend(s, f.u(s, "t1"), f.book(s), p)


def test_the_office_page_shows_the_table_and_the_form_exactly_when_allowed(funded, db_url, tmp_path):
    from ..conftest import SignedIn, back_office

    f = funded
    approve(f, spend(f, "涂料", "450.00", "购涂料"))
    with back_office(db_url, tmp_path) as app:
        t1, reader = SignedIn(app, "t1"), SignedIn(app, "reader")
        url = "/books/CF/projects/P1"
        page = t1.get(url).get_data(as_text=True)
        rows = re.findall(r'data-testid="spending-line">(.*?)</tr>', page, re.S)
        text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).split() for r in rows]
        assert text == [["涂料", "600.00", "450.00", "0.00", "150.00"], ["人工", "400.00", "0.00", "0.00", "400.00"]]
        assert 'data-testid="spend"' in page
        shown = reader.get(url).get_data(as_text=True)
        assert 'data-testid="spending-table"' in shown and 'data-testid="spend"' not in shown
        with f.tx() as s:
            labour = project_spending.budget_line_by_label(projects.get_project(s, f.book(s), "P1"), "人工").id
        html = t1.get(url).text
        response = t1.client.post(f"{url}/spend", data={
            "csrf_token": SignedIn.token(html), "budget_line": str(labour), "amount": "123.45", "account": "5201",
            "paid_from": "1002", "date": "2026-03-21", "summary": "付人工费",
            "file": (io.BytesIO(jpeg((200, 120, 40))), "收据.jpg")}, content_type="multipart/form-data")
        assert response.status_code == 302
        page = t1.get(url).get_data(as_text=True)
        rows = re.findall(r'data-testid="spending-line">(.*?)</tr>', page, re.S)
        assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows[1])).split() == ["人工", "400.00", "0.00", "123.45",
                                                                                 "400.00"]
        # without a voucher the form is refused and nothing is recorded
        response = t1.client.post(f"{url}/spend", data={
            "csrf_token": SignedIn.token(html), "budget_line": str(labour), "amount": "1.00", "account": "5201",
            "paid_from": "1002", "date": "2026-03-21", "summary": "无凭证"}, content_type="multipart/form-data")
        assert response.status_code == 302
        assert "须附原始凭证" in t1.get(url).get_data(as_text=True)
    assert table(f)[1] == ("人工", 40000, 0, 12345, 40000)


def test_the_public_page_shows_each_lines_spent_to_the_fen_and_each_expense_its_line(funded, db_url):
    from public_site import create_app

    f = funded
    approve(f, spend(f, "涂料", "450.00", "购涂料"))
    approve(f, spend(f, "人工", "300.25", "付人工费"))
    with f.tx() as s:
        projects.publish_project(s, f.u(s, "t1"), f.book(s), "P1", f.root, f.store)
    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(f.root), "TESTING": True})
    try:
        html = app.test_client().get("/CF/projects/P1/").get_data(as_text=True)
    finally:
        app.extensions["ledger_engine"].dispose()
    budget = html.split('data-testid="budget"')[1].split("</table>")[0]
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).split()
            for r in re.findall(r'data-testid="budget-line">(.*?)</tr>', budget, re.S)]
    assert rows == [["涂料", "600.00", "450.00", "150.00"], ["人工", "400.00", "300.25", "99.75"]]
    assert re.search(r'data-testid="budget-spent">750.25<', budget)
    assert 'class="scroll"' in html.split('data-testid="budget"')[0].rsplit("<h2>", 1)[1]  # scrolls on a phone
    lines = re.findall(r'data-testid="expense-line">(.*?)</p>', html, re.S)
    assert [re.sub(r"<[^>]+>", "", x).split()[-1] for x in lines] == ["涂料", "人工"]


def test_the_command_line_spends_against_a_line_with_a_voucher(funded, db_url, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from ledger.cli import main

    f = funded
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    monkeypatch.setenv("LEDGER_VOUCHER_DIR", str(tmp_path / "cli-vouchers"))
    photo = tmp_path / "发票.png"
    Image.new("RGB", (300, 200), (230, 230, 250)).save(photo, format="PNG")
    base = ["projects", "spend", "--book", "CF", "--project", "P1", "--date", "2026-03-22", "--as", "t1"]
    done = CliRunner().invoke(main, base + ["--line", "人工", "--amount", "88.80", "--summary", "付人工费",
                                            "--voucher", str(photo)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "spend 88.80 on 人工" in done.output
    over = CliRunner().invoke(main, base + ["--line", "人工", "--amount", "400.01", "--summary", "超支",
                                            "--voucher", str(photo)])
    assert over.exit_code == 1 and "人工" in over.output and "400.00" in over.output
    missing = CliRunner().invoke(main, base + ["--line", "人工", "--amount", "1.00", "--summary", "无凭证"])
    assert missing.exit_code != 0 and "--voucher" in missing.output
    assert table(f)[1] == ("人工", 40000, 0, 8880, 40000)


def test_a_spends_draft_is_not_deleted_with_its_allocation_and_a_reversal_gives_the_line_back(funded):
    f = funded
    draft = spend(f, "人工", "10.00", "草稿", submit=False)
    with f.tx() as s:
        book = f.book(s)
        att = s.scalar(select(Attachment).where(Attachment.entry_id == draft))
        vouchers.delete_voucher(s, f.u(s, "t1"), book, att, f.store)
    with pytest.raises(LedgerError, match="预算项目的支出"), f.tx() as s:
        entries.delete_draft(s, f.u(s, "t1"), f.book(s), s.get(Entry, draft))
    posted = spend(f, "涂料", "200.00", "购涂料")
    approve(f, posted)
    with f.tx() as s:
        book = f.book(s)
        rev = entries.reverse_entry(s, f.u(s, "t1"), book, s.get(Entry, posted), D(2026, 3, 25), reason="发票作废")
        rev_id = rev.id
    approve(f, rev_id)
    assert table(f)[0] == ("涂料", 60000, 0, 0, 60000)
    assert f.cash("P-P1") == 170000


def test_the_form_goes_once_every_line_is_spent(funded):
    f = funded
    approve(f, spend(f, "涂料", "600.00", "购涂料"))
    with f.tx() as s:
        p = projects.get_project(s, f.book(s), "P1")
        assert project_spending.may_spend(s, f.u(s, "t1"), f.book(s), p)
        assert not project_spending.may_spend(s, f.u(s, "reader"), f.book(s), p)
    approve(f, spend(f, "人工", "400.00", "付人工费"))
    with f.tx() as s:
        assert not project_spending.may_spend(s, f.u(s, "t1"), f.book(s), projects.get_project(s, f.book(s), "P1"))
    with pytest.raises(LedgerError, match="超出预算项目"):
        spend(f, "人工", "0.01", "再付")
