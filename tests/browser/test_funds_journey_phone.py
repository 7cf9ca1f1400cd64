"""A resident donor on a 360-px phone follows the money from the paper receipt: the receipt code's page (track), the
funder code's page (all their gifts), the project's page and the matching pool's account. Each figure a resident
could compare (raised, goal, matched, the quadratic estimate, the pool's paid match) reads the same to the fen on
every page that shows it, no page is wider than the phone, and no page shows a donor's name or phone where it must
not. Also the treasurer at the street stall: a donation recorded on the phone leads straight to its receipt."""
from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from ledger.db.engine import make_engine, make_sessionmaker, transaction
from ledger.domain.money import to_fen
from ledger.services import books, projects, users

from ..integration.test_projects import D, RULE, Fund_
from .conftest import OUTPUT, sign_in

WIDTH, HEIGHT = 360, 740
QUADRATIC = {"kind": "quadratic", "version": 2, "pool": "1000.00", "cap_share": "0.6"}

# Anything whose right edge passes the phone's, unless it sits in a box that scrolls sideways on purpose (a table).
OVERFLOWING = """() => [...document.querySelectorAll('body *')].filter(el => {
  const r = el.getBoundingClientRect();
  if (!r.width || r.right <= window.innerWidth + 1) return false;
  for (let p = el.parentElement; p; p = p.parentElement) {
    const x = getComputedStyle(p).overflowX;
    if ((x === 'auto' || x === 'scroll') && p !== document.body && p !== document.documentElement) return false;
  }
  return true;
}).map(el => el.tagName + ' ' + (el.textContent || '').trim().slice(0, 40))"""


def fits(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH, page.url
    assert page.evaluate(OVERFLOWING) == [], page.url


def yuan(page, selector) -> str:
    """A figure as shown, without its unit: '1,234.56'."""
    return page.inner_text(selector).replace("元", "").replace("yuan", "").strip()


@pytest.fixture
def fund_site(sqlite_template, tmp_path, monkeypatch):
    """A community fund: pool GOV (5,000 yuan) with a 1:1 rule (v1) and a quadratic round (v2, 1,000 yuan); LIFT3
    (ratio, keep what you raise) settled as funded; Q1 and Q2 open in the round. Donor A gave to LIFT3 and to Q1.
    Both the back office and the public site served; yields (office URL, public URL, A's receipt, A's funder code)."""
    from ledger.app import create_app as office_app
    from public_site import create_app as public_app

    monkeypatch.setenv("LEDGER_KEY_DIR", str(tmp_path / "keys"))
    path = tmp_path / "ledger.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    root = tmp_path / "pub"
    monkeypatch.setenv("LEDGER_PUBLICATIONS_DIR", str(root))
    with transaction(sessions) as s:
        system = users.system_user(s)
        book = books.create_book(s, system, "CF", "玉林社区基金", "Yulin community fund", "community_fund",
                                 first_month=(2026, 1))
        for name, role in [("fm1", "fund_manager"), ("fm2", "fund_manager"), ("t1", "treasurer")]:
            users.grant_role(s, system, users.create_user(s, name, name, "password-123"), book, role)
    f = Fund_(sessions, root)
    with f.tx() as s:
        book, fm1 = f.book(s), f.u(s, "fm1")
        projects.create_pool(s, fm1, book, "GOV", "玉林街道微项目配捐池", "武侯区玉林街道办事处")
        f.approve(s, projects.deposit(s, fm1, book, "GOV", to_fen("5000.00"), D(2026, 3, 1)).entry_id)
        projects.add_rule(s, fm1, book, "GOV", RULE)
        projects.add_rule(s, fm1, book, "GOV", QUADRATIC)
        for code, title, goal, version, mode in [
                ("LIFT3", "3 栋电梯口无障碍坡道（含扶手、防滑地砖与夜间照明改造）", "700.00", 1, "keep_what_you_raise"),
                ("Q1", "邻里共享菜园", "5000.00", 2, "keep_what_you_raise"),
                ("Q2", "楼下共享图书角", "5000.00", 2, "keep_what_you_raise")]:
            projects.create_project(s, f.u(s, "t1"), book, pool_code="GOV", rule_version=version, code=code, title=title,
                                    goal_fen=to_fen(goal), deadline=D(2099, 12, 31), funding_mode=mode, area="3 栋",
                                    story="居民发起。", budget_lines=[("材料", to_fen(goal))])
    receipt, _ = f.donate("LIFT3", "A", "123.45", name="王阿姨")  # 1:1 -> 123.45
    f.donate("LIFT3", "B", "600.00", name="李老师")  # 1:1 up to the 300 cap
    for who in "ABCE":
        f.donate("Q1", who, "100.00", name=f"邻居{who}")  # four people: raw (4 x 10)^2 - 400 = 1,200, capped at 600
    f.donate("Q2", "F", "400.00", name="赵先生")  # one person: raw 0
    with f.tx() as s:
        project = projects.settle_project(s, f.u(s, "fm1"), f.book(s), "LIFT3", D(2026, 3, 10), publish_root=root)
        f.approve(s, project.settle_entry_id)
    with f.tx() as s:  # every open project's page and the pool's account as of now (the round's estimates move)
        for code in ("Q1", "Q2", "LIFT3"):
            projects.publish_project(s, f.u(s, "fm1"), f.book(s), code, root)
        funder = projects.funder_code_for(s, f.book(s), projects.get_donation(s, f.book(s), receipt).donor_key)
    engine.dispose()
    servers, apps = [], []
    for app in (office_app({"DATABASE_URL": url, "SECRET_KEY": "browser-test", "VOUCHER_DIR": str(tmp_path / "v"),
                            "PUBLICATIONS_DIR": str(root)}),
                public_app({"DATABASE_URL": url, "PUBLICATIONS_DIR": str(root)})):
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        apps.append(app)
    office, public = (f"http://127.0.0.1:{s.server_port}" for s in servers)
    yield office, public, receipt, funder
    for server in servers:
        server.shutdown()
    for app in apps:
        app.extensions["ledger_engine"].dispose()


def test_a_donor_follows_the_money_from_the_receipt_and_every_page_agrees(fund_site, new_page):
    _office, base, receipt, funder = fund_site
    donor = new_page(WIDTH, HEIGHT)

    # 1. The QR code on the receipt: the gift, its match, the project's figures, what happens if the goal is missed.
    donor.goto(f"{base}/CF/track/{receipt}")
    assert donor.inner_text("[data-testid=receipt-code]") == receipt
    assert yuan(donor, "[data-testid=donation-amount]") == "123.45"
    assert yuan(donor, "[data-testid=match-amount]") == "123.45"
    track = {k: yuan(donor, f"[data-testid=figure-{k}]") for k in ("raised", "matched", "goal")}
    assert track == {"raised": "723.45", "matched": "423.45", "goal": "700.00"}
    assert "筹多少用多少" in donor.inner_text("[data-testid=funding-mode]")
    assert "JF-" in donor.content()  # where to find the funder code
    donor.screenshot(path=str(OUTPUT / "phone-journey-track.png"), full_page=True)
    fits(donor)

    # 2. The funder code printed under it, typed into the projects page's form: every gift, each project's
    # figures as its own page shows them.
    donor.goto(f"{base}/CF/projects/")
    donor.fill("#receipt", funder.lower())
    donor.click(".track-form button")
    donor.wait_for_url(f"{base}/CF/funder/{funder}")
    assert yuan(donor, "[data-testid=total-given]") == "223.45"
    assert yuan(donor, "[data-testid=total-matched]") == "123.45"  # the quadratic one is not fixed yet...
    assert "1 笔" in donor.inner_text("[data-testid=estimates-note]")  # ...and the page says so
    lift = donor.locator("[data-testid=donation-row][data-project=LIFT3]")
    q1 = donor.locator("[data-testid=donation-row][data-project=Q1]")
    assert lift.locator("[data-testid=row-raised]").inner_text().replace(" 元", "") == "723.45 / 700.00"
    assert lift.locator("[data-testid=row-matched]").inner_text().replace(" 元", "") == "423.45"
    assert q1.locator("[data-testid=row-matched]").inner_text().replace(" 元", "") == "600.00"
    assert "估算" in q1.inner_text() and "本轮结束时确定" in q1.inner_text()
    for name in ("王阿姨", "李老师", "邻居", "138", "0013"):
        assert name not in donor.inner_text("main")
    donor.screenshot(path=str(OUTPUT / "phone-journey-funder.png"), full_page=True)
    fits(donor)

    # 3. The project, from the funder page's link: the same figures to the fen.
    lift.locator("h3 a").click()
    donor.wait_for_url(f"{base}/CF/projects/LIFT3/")
    assert {k: yuan(donor, f"[data-testid=figure-{k}]") for k in ("raised", "matched", "goal")} == track
    fits(donor)

    # 4. The pool's account, from the project page: the project's paid match and raised figure agree.
    donor.click("[data-testid=pool-link]")
    donor.wait_for_url(f"{base}/CF/pools/GOV/")
    card = donor.locator("[data-testid=pool-project-LIFT3]")
    assert card.locator("[data-testid=pp-raised]").inner_text().replace(" 元", "") == "723.45 / 700.00"
    assert card.locator("[data-testid=pp-posted]").inner_text().replace(" 元", "") == "423.45"
    assert card.locator("[data-testid=pp-pending]").inner_text().replace(" 元", "") == "0.00"
    assert yuan(donor, "[data-testid=pool-held]") == "5,000.00"
    assert yuan(donor, "[data-testid=pool-posted]") == "423.45"
    assert yuan(donor, "[data-testid=pool-committed]") == "423.45"  # the round's estimates are not commitments
    assert yuan(donor, "[data-testid=pool-remaining]") == "4,576.55"
    q1_pool = donor.locator("[data-testid=pool-project-Q1]")
    assert q1_pool.locator("[data-testid=pp-estimate]").inner_text().replace(" 元", "") == "600.00"
    assert "估算" in q1_pool.inner_text() and "不计入" in q1_pool.inner_text()
    assert "王阿姨" not in donor.content() and "邻居" not in donor.content()
    donor.screenshot(path=str(OUTPUT / "phone-journey-pool.png"), full_page=True)
    fits(donor)

    # 5. The quadratic project from the pool's account: its own page shows the estimate the other two showed.
    q1_pool.locator("h3 a").click()
    donor.wait_for_url(f"{base}/CF/projects/Q1/")
    assert yuan(donor, "[data-testid=figure-matched]") == "600.00"
    assert "估算" in donor.inner_text("[data-testid=estimate-note]")
    fits(donor)
    for path in (f"/CF/track/{receipt}", f"/CF/funder/{funder}", "/CF/pools/GOV/"):  # and at large text
        donor.goto(f"{base}{path}?large=1")
        fits(donor)


def test_the_treasurer_records_a_donation_on_a_phone_and_prints_its_receipt(fund_site, new_page):
    office, base, _receipt, _funder = fund_site
    page = new_page(WIDTH, HEIGHT)
    sign_in(page, office, "t1")
    page.goto(f"{office}/books/CF/projects/Q2")
    assert "筹款中" in page.inner_text("[data-testid=project-status]")  # words, not "open"
    assert "筹多少用多少" in page.inner_text("[data-testid=funding-mode]")
    form = page.locator("[data-testid=donate]")
    assert form.locator("select[name=channel] option[value=wechat]").inner_text() == "微信支付"
    form.locator("input[name=amount]").fill("88.80")
    form.locator("input[name=date]").fill("2026-03-06")
    form.locator("input[name=phone]").fill("13300000009")
    form.locator("button[value=preview]").click()
    form = page.locator("[data-testid=donate]")
    form.locator("button[value=save]").click()  # no display name and not anonymous: the error says what to do
    error = page.inner_text("[data-testid=flash-error]")
    assert "显示名不能为空" in error and "匿名" in error and "display_name" not in error
    form = page.locator("[data-testid=donate]")
    form.locator("input[name=display_name]").fill("刘师傅")
    form.locator("button[value=preview]").click()
    page.locator("[data-testid=donate] button[value=save]").click()
    link = page.locator("[data-testid=print-receipt]")
    assert link.inner_text() == "打印收据（PDF）"
    box = link.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= WIDTH
    response = page.request.get(office + link.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF")
    # an open project short of its goal before its deadline: no settle button that would only be refused
    page = new_page(WIDTH, HEIGHT)
    sign_in(page, office, "fm1")
    page.goto(f"{office}/books/CF/projects/Q2")
    assert page.locator("[data-testid=settle]").count() == 0
    assert "截止日" in page.inner_text("[data-testid=settle-later]")
    page.screenshot(path=str(OUTPUT / "phone-journey-office-project.png"), full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH


def test_the_fund_manager_closes_the_round_on_a_phone_and_the_estimate_becomes_the_match(fund_site, new_page):
    office, base, _receipt, funder = fund_site
    page = new_page(WIDTH, HEIGHT)
    sign_in(page, office, "fm1")
    page.goto(f"{office}/books/CF/pools/GOV")
    assert "二次方配捐" in page.inner_text("[data-testid=rule-v2] h3") and "quadratic" not in page.inner_text("main")
    assert page.locator("[data-testid=close-round-v1]").count() == 0  # a ratio rule has no round
    form = page.locator("[data-testid=close-round-v2]")
    assert "不可撤销" in form.inner_text()
    form.locator("button").click()
    # Q1 capped at 0.6 of the pool; Q2's single donor makes no raw match: the rest stays in the pool
    assert "本轮已结束：600.00 已分配给各项目，配捐额就此确定；400.00 留在配捐池" in page.inner_text("[data-testid=flash-success]")
    assert page.locator("[data-testid=close-round-v2]").count() == 0  # nothing left to close
    assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    donor = new_page(WIDTH, HEIGHT)
    donor.goto(f"{base}/CF/projects/Q1/")
    assert yuan(donor, "[data-testid=figure-matched]") == "600.00"
    assert donor.locator("[data-testid=estimate-note]").count() == 0  # fixed now, not an estimate
    donor.goto(f"{base}/CF/pools/GOV/")
    assert donor.locator("[data-testid=pool-project-Q1] [data-testid=pp-pending]").inner_text() == "600.00 元"
    assert yuan(donor, "[data-testid=pool-committed]") == "1,023.45"  # 423.45 paid to LIFT3 + Q1's 600
    donor.goto(f"{base}/CF/funder/{funder}")
    q1 = donor.locator("[data-testid=donation-row][data-project=Q1]")
    assert q1.locator("[data-testid=row-matched]").inner_text() == "600.00 元" and "估算" not in q1.inner_text()
    assert donor.locator("[data-testid=estimates-note]").count() == 0
    fits(donor)
