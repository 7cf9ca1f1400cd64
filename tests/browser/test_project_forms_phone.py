"""The pool manager and a treasurer on a 360-px phone: open a matching pool, put money in, preview a tier rule with a
few gifts and publish it, then open a micro-project with its budget. Nothing to scroll sideways for; every field and
button a finger's height; a refusal shown in both languages with what was typed kept."""
from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from ledger.app import create_app
from ledger.db.engine import make_engine, make_sessionmaker, transaction
from ledger.services import books, users

from .conftest import sign_in

WIDTH, HEIGHT = 360, 740


@pytest.fixture
def fund_site(sqlite_template, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_KEY_DIR", str(tmp_path / "keys"))
    path = tmp_path / "ledger.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        system = users.system_user(s)
        book = books.create_book(s, system, "CF", "锦城社区基金", "Jincheng community fund", "community_fund",
                                 first_month=(2026, 1))
        for name, role in [("fm1", "fund_manager"), ("t1", "treasurer")]:
            users.grant_role(s, system, users.create_user(s, name, name, "password-123"), book, role)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "browser-test", "VOUCHER_DIR": str(tmp_path / "v"),
                      "PUBLICATIONS_DIR": str(tmp_path / "pub")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["ledger_engine"].dispose()


def fits(page) -> None:
    """Nothing wider than the phone; every visible button and field of the forms at least 44 px high."""
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url
    small = page.evaluate("""() => [...document.querySelectorAll(
        'form.stack button, form.stack input:not([type=hidden]):not([type=checkbox]):not([type=radio]), form.stack select, form.stack textarea, details.form-box > summary')]
        .filter(e => e.offsetParent !== null).filter(e => e.getBoundingClientRect().height < 43.5).map(e => e.name || e.textContent)""")
    assert small == [], small


def test_a_pool_its_rule_and_a_project_from_a_phone(browser, fund_site):
    base = fund_site
    context = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": HEIGHT}, has_touch=True)
    fm = context.new_page()
    sign_in(fm, base, "fm1")
    fm.goto(f"{base}/books/CF/projects")
    fm.click("text=设立配捐池")
    fits(fm)
    fm.fill("[data-testid=pool-form] input[name=code]", "GOV")
    fm.fill("[data-testid=pool-form] input[name=name]", "武侯区微项目配捐")
    fm.fill("[data-testid=pool-form] input[name=funder]", "武侯区政府")
    fm.click("[data-testid=pool-form] button[type=submit]")
    fm.wait_for_url(f"{base}/books/CF/pools/GOV")
    fm.click("text=向配捐池注资")
    fm.fill("[data-testid=deposit-form] input[name=amount]", "5000")
    fm.fill("[data-testid=deposit-form] input[name=date]", "2026-03-01")
    fm.click("[data-testid=deposit-form] button[type=submit]")
    fm.wait_for_load_state()
    assert fm.inner_text("[data-testid=pool-held]") == "5,000.00"
    # a tier rule with a slip (499 then 500): refused in both languages, the tiers kept to correct
    fm.click("text=发布新的规则版本")
    fits(fm)
    fm.select_option("select[name=kind]", "tiers")
    fm.fill("textarea[name=tiers]", "100, 499, 20\n500, , 50")
    fm.fill("textarea[name=donations]", "张三, 499.99\n李四, 600")
    fm.click("button[value=preview]")
    fm.wait_for_load_state()
    error = fm.inner_text("[data-testid=form-error]")
    assert "不在任何一档内" in error and "is in no tier" in error
    assert fm.input_value("textarea[name=tiers]") == "100, 499, 20\n500, , 50"
    fits(fm)
    fm.fill("textarea[name=tiers]", "100, 499.99, 20\n500, , 50")
    fm.click("button[value=preview]")
    fm.wait_for_load_state()
    assert "捐 100 元至 499.99 元：配 20%" in fm.inner_text("[data-testid=preview-explainer]")
    assert [r.split("\t")[3] for r in fm.locator("[data-testid=simulation] tbody tr").all_inner_texts()] == ["99.99", "300.00"]
    fits(fm)
    fm.click("button[value=save]")
    fm.wait_for_load_state()
    assert "规则第 1 版已发布" in fm.inner_text("[data-testid=flash-success]")
    assert "捐 500 元及以上：配 50%" in fm.inner_text("[data-testid=rule-v1]")
    fits(fm)

    treasurer = context.new_page()
    context.clear_cookies()
    sign_in(treasurer, base, "t1")
    treasurer.goto(f"{base}/books/CF/projects")
    treasurer.click("text=发起微项目")
    fits(treasurer)
    form = "[data-testid=project-form]"
    treasurer.fill(f"{form} input[name=code]", "P1")
    treasurer.fill(f"{form} input[name=title]", "3 栋楼道粉刷")
    treasurer.fill(f"{form} input[name=goal]", "1000")
    treasurer.fill(f"{form} input[name=stretch]", "900")
    treasurer.fill(f"{form} input[name=deadline]", "2026-04-30")
    treasurer.check(f"{form} input[value=keep_what_you_raise]")
    treasurer.fill(f"{form} textarea[name=budget]", "涂料, 600\n人工, 400")
    treasurer.click(f"{form} button[type=submit]")
    treasurer.wait_for_load_state()
    assert "the stretch goal must be above the goal" in treasurer.inner_text("[data-testid=form-error]")
    assert treasurer.input_value(f"{form} input[name=title]") == "3 栋楼道粉刷"
    assert treasurer.is_checked(f"{form} input[value=keep_what_you_raise]")
    treasurer.fill(f"{form} input[name=stretch]", "1500")
    treasurer.click(f"{form} button[type=submit]")
    treasurer.wait_for_url(f"{base}/books/CF/projects/P1")
    assert "1,000.00 / 1,500.00" in treasurer.inner_text("[data-testid=project-figures]")
    assert treasurer.locator("[data-testid=budget] tbody tr").all_inner_texts() == ["涂料\t600.00", "人工\t400.00"]
    assert treasurer.evaluate("document.documentElement.scrollWidth") <= WIDTH
    context.close()
