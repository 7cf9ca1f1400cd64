"""Browser tests: the real app served on 127.0.0.1 in a thread, driven by Debian's chromium
through Playwright. They run on SQLite only: what they test is the pages, and the
database tests cover PostgreSQL. A failing test leaves a screenshot in test-output/."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from ledger.app import create_app
from ledger.db.engine import make_engine, make_sessionmaker, transaction
from ledger.services import books, users

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    setattr(item, f"report_{outcome.get_result().when}", outcome.get_result())


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `make test` installs it with apt (never `playwright install`)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def site(sqlite_template, tmp_path, monkeypatch):
    """A fresh book T1 with its people, served at a free port; yields the base URL."""
    monkeypatch.setenv("LEDGER_KEY_DIR", str(tmp_path / "keys"))  # its own key and witness, as every test
    path = tmp_path / "ledger.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        system = users.system_user(s)
        book = books.create_book(s, system, "T1", "锦城花园小区信托账簿", "Jincheng Garden trust", "trust", first_month=(2025, 1))
        for name, display, role in [("caiwu", "财务 李秀英", "treasurer"), ("weiyuan1", "业委会主任 张建国", "committee"),
                                    ("weiyuan2", "业委会委员 陈美兰", "committee"), ("jianchaa", "信托监察人 刘志强", "supervisor")]:
            users.grant_role(s, system, users.create_user(s, name, display, "password-123"), book, role)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "browser-test", "VOUCHER_DIR": str(tmp_path / "vouchers")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["ledger_engine"].dispose()


@pytest.fixture
def new_page(browser, request):
    """Pages in their own contexts (one per person), Chinese, phone-sized unless asked."""
    contexts = []

    def make(width=390, height=844):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    for n, context in enumerate(contexts):
        if failed:
            OUTPUT.mkdir(exist_ok=True)
            for m, page in enumerate(context.pages):
                page.screenshot(path=str(OUTPUT / f"{request.node.name}-{n}-{m}.png"), full_page=True)
        context.close()


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/books")
