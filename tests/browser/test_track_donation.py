"""A donor scans the QR code on a receipt with a 360-px phone: the public site's "track my donation" page shows the
gift, the match it unlocked, the project's progress and the expense paid from the project with its voucher, and
nothing on the page is wider than the phone."""
from __future__ import annotations

import shutil
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from ledger.db.engine import make_engine, make_sessionmaker, transaction
from ledger.db.schema import Attachment
from ledger.domain.money import to_fen
from ledger.services import books, project_spending, projects, users, vouchers

from ..integration.test_projects import D, RULE, Fund_
from ..integration.test_public_projects import _receipt_image
from .conftest import OUTPUT

WIDTH, HEIGHT = 360, 740


@pytest.fixture
def public_site(sqlite_template, tmp_path, monkeypatch):
    """A community fund with a funded project, its donations, an expense with a reviewed voucher, published; the
    public site served at a free port. Yields (base URL, a receipt code)."""
    from public_site import create_app

    monkeypatch.setenv("LEDGER_KEY_DIR", str(tmp_path / "keys"))
    path = tmp_path / "ledger.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    root, store = tmp_path / "pub", vouchers.VoucherStore(tmp_path / "vouchers")
    with transaction(sessions) as s:
        system = users.system_user(s)
        book = books.create_book(s, system, "CF", "锦城社区基金", "Jincheng community fund", "community_fund",
                                 first_month=(2026, 1))
        for name, role in [("fm1", "fund_manager"), ("fm2", "fund_manager"), ("t1", "treasurer")]:
            users.grant_role(s, system, users.create_user(s, name, name, "password-123"), book, role)
    f = Fund_(sessions, root)
    with f.tx() as s:
        book, fm1 = f.book(s), f.u(s, "fm1")
        projects.create_pool(s, fm1, book, "GOV", "武侯区微项目配捐", "武侯区政府")
        f.approve(s, projects.deposit(s, fm1, book, "GOV", to_fen("5000.00"), D(2026, 3, 1)).entry_id)
        projects.add_rule(s, fm1, book, "GOV", RULE)
        projects.create_project(s, f.u(s, "t1"), book, pool_code="GOV", rule_version=1, code="LIFT3",
                                title="3 栋电梯口无障碍坡道（含扶手、防滑地砖与夜间照明改造）", goal_fen=to_fen("800.00"),
                                deadline=D(2026, 3, 31), funding_mode="keep_what_you_raise", area="3 栋 1 单元",
                                story="给坐轮椅的邻居修一条坡道。", budget_lines=[("材料", to_fen("500")), ("人工", to_fen("300"))])
    receipt, _ = f.donate("LIFT3", "A", "250.00", name="王阿姨")
    f.donate("LIFT3", "B", "600.00", anonymous=True, name="不公开")
    with f.tx() as s:
        project = projects.settle_project(s, f.u(s, "fm1"), f.book(s), "LIFT3", D(2026, 3, 10), publish_root=root)
        f.approve(s, project.settle_entry_id)
    with f.tx() as s:
        book = f.book(s)
        line = project_spending.budget_line_by_label(projects.get_project(s, book, "LIFT3"), "材料")
        e = project_spending.record_spend(  # against its budget line, with its voucher
            s, f.u(s, "t1"), book, "LIFT3", [(line.id, to_fen("456.78"))], "5201", "1002", D(2026, 3, 20),
            "购坡道材料（防滑地砖、不锈钢扶手）", [vouchers.prepare_voucher(_receipt_image("收款人"), "发票.jpg", 20 << 20)], store)
        att = s.scalar(select(Attachment).where(Attachment.entry_id == e.id))
        f.approve(s, e.id)
        vouchers.redact_voucher(s, f.u(s, "fm1"), book, s.get(Attachment, att.id), [], store)
        projects.publish_project(s, f.u(s, "t1"), book, "LIFT3", root, store)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "PUBLICATIONS_DIR": str(root)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", receipt
    server.shutdown()
    app.extensions["ledger_engine"].dispose()


def test_a_donor_follows_the_receipt_link_on_a_phone(public_site, new_page):
    base, receipt = public_site
    donor = new_page(WIDTH, HEIGHT)
    donor.goto(f"{base}/CF/track/{receipt}")  # where the receipt's QR code leads
    assert donor.inner_text("[data-testid=receipt-code]") == receipt
    assert donor.inner_text("[data-testid=donation-amount]").startswith("250.00")
    assert donor.inner_text("[data-testid=donation-date]") == "2026-03-05"
    assert "已收到" in donor.inner_text("[data-testid=donation-status]")
    assert donor.inner_text("[data-testid=match-amount]").startswith("250.00")  # 1:1, under the cap of 300
    assert "已拨付" in donor.inner_text("[data-testid=match-status]")
    assert donor.inner_text("[data-testid=figure-raised]").startswith("850.00")
    assert donor.inner_text("[data-testid=figure-matched]").startswith("550.00")  # 250 + 300 (B's cap)
    assert donor.inner_text("[data-testid=figure-goal]").startswith("800.00")
    assert donor.inner_text("[data-testid=figure-deadline]") == "2026-03-31"
    assert donor.evaluate("document.querySelector('progress').value") == 80000
    expense = donor.locator("[data-testid=expense]")
    assert expense.count() == 1 and "购坡道材料" in expense.inner_text()
    assert donor.inner_text("[data-testid=expense-amount]") == "456.78"
    thumb = donor.locator("img.voucher-thumb")
    thumb.scroll_into_view_if_needed()
    assert donor.evaluate("img => img.complete && img.naturalWidth", thumb.element_handle()) > 0
    assert "王阿姨" not in donor.content() and "不公开" not in donor.content()
    donor.screenshot(path=str(OUTPUT / "phone-track-donation.png"), full_page=True)
    # Nothing wider than the phone: the page never scrolls sideways, at normal and at large text.
    assert donor.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    donor.goto(f"{base}/CF/track/{receipt}?large=1")
    assert donor.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    # the project's own page, from the link on the receipt's page
    donor.goto(f"{base}/CF/track/{receipt}?large=0")
    donor.click("[data-testid=project-link]")
    donor.wait_for_url(f"{base}/CF/projects/LIFT3/")
    assert "匿名" in donor.inner_text("[data-testid=wall]") and "王阿姨" in donor.inner_text("[data-testid=wall]")
    assert donor.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    # the budget, each line with what was spent against it: its table scrolls inside the page, not the page
    spent = [donor.inner_text(f"[data-testid=budget-line]:nth-child({n}) [data-testid=line-spent]") for n in (1, 2)]
    assert spent == ["456.78", "0.00"]
    assert donor.inner_text("[data-testid=expense-line]").endswith("材料")
    donor.goto(f"{base}/CF/projects/LIFT3/?large=1")
    box = donor.evaluate("(() => { const s = document.querySelector('[data-testid=budget]').closest('.scroll');"
                         " return [s.scrollWidth, s.clientWidth, getComputedStyle(s).overflowX]; })()")
    assert box[1] <= WIDTH and box[2] == "auto"  # a wider table scrolls sideways within its box
    assert donor.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    # a code mistyped on the phone's keyboard: the bilingual 404
    donor.goto(f"{base}/CF/track/JZ-22222-22222")
    assert "找不到这张收据" in donor.inner_text("[data-testid=not-found]")
