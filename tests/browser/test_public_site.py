"""A resident on a 360-px phone reads the public site: finds the latest month, taps from the total expenditure to
an entry and to its voucher image, downloads the statements PDF and the verifiable export, and checks the export with verify.py."""
from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import zipfile

import pypdfium2
import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from .conftest import OUTPUT

WIDTH, HEIGHT = 360, 740


@pytest.fixture
def public_site(sqlite_template, tmp_path, monkeypatch):
    """`ledger demo` on a fresh database, its months published; the public site over it at a free port."""
    from ledger.cli import main
    from public_site import create_app

    path = tmp_path / "ledger.sqlite3"
    shutil.copy(sqlite_template, path)
    for name, value in (("LEDGER_DATABASE_URL", f"sqlite:///{path}"), ("LEDGER_PUBLICATIONS_DIR", str(tmp_path / "pub")),
                        ("LEDGER_VOUCHER_DIR", str(tmp_path / "v")), ("LEDGER_KEY_DIR", str(tmp_path / "keys"))):
        monkeypatch.setenv(name, value)
    made = CliRunner().invoke(main, ["demo", "--without-compound"])
    assert made.exit_code == 0, made.output
    app = create_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    app.extensions["ledger_engine"].dispose()


@pytest.fixture
def phone(browser, request):
    """A phone's browser: 360 px wide, touch, Chinese, downloads allowed; a screenshot left if the test fails."""
    context = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": HEIGHT}, has_touch=True,
                                  is_mobile=True, device_scale_factor=2, accept_downloads=True)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"{request.node.name}.png"), full_page=True)
    context.close()


def fits_the_phone(page):
    """The page never scrolls sideways (a wide table scrolls in its own box), and no amount wraps."""
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url
    wrapping = page.eval_on_selector_all(
        ".num", "els => els.filter(e => getComputedStyle(e).whiteSpace !== 'nowrap').map(e => e.textContent)")
    assert wrapping == []


def verify(folder):
    return subprocess.run([sys.executable, "-I", str(folder / "verify.py"), str(folder)], capture_output=True, text=True)


def test_a_resident_taps_from_total_expenditure_to_a_voucher_and_checks_the_export(public_site, phone, tmp_path):
    OUTPUT.mkdir(exist_ok=True)
    page = phone
    page.goto(public_site)
    assert page.title() == "社区账目公示"
    page.tap("text=锦城花园小区信托账簿")
    page.screenshot(path=str(OUTPUT / "public-book.png"), full_page=True)
    latest = page.locator("[data-testid=latest]")
    assert "2026" in latest.inner_text()
    latest.tap()
    page.wait_for_selector("[data-testid=activities]")
    fits_the_phone(page)
    og_title = page.get_attribute('meta[property="og:title"]', "content")
    assert og_title.startswith("锦城花园小区信托账簿 · ") and og_title.endswith("账目公示")
    page.screenshot(path=str(OUTPUT / "public-month.png"), full_page=True)
    month_url = page.url

    # tap 1: the total expenditure, to the entries behind it
    total = page.locator("[data-testid=drill-total-expense]")
    figure = total.inner_text()
    total.scroll_into_view_if_needed()
    total.tap()
    page.wait_for_selector("[data-testid=line-figure]")
    assert page.inner_text("[data-testid=line-figure]") == figure
    assert figure in page.inner_text("[data-testid=line-total]")  # the entries add up to the figure
    fits_the_phone(page)
    page.screenshot(path=str(OUTPUT / "public-expenses.png"), full_page=False)
    # tap 2: an entry's voucher, to the viewer with its image
    voucher = page.locator("[data-testid=voucher-link]").first
    number = voucher.locator("xpath=ancestor::article").get_attribute("data-number")
    voucher.scroll_into_view_if_needed()
    voucher.tap()
    image = page.locator("[data-testid=voucher-image]")
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth", image.element_handle()) > 0
    assert number in image.get_attribute("alt") and number in page.inner_text("h1")
    box = image.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH  # fitted to the screen
    fits_the_phone(page)
    page.screenshot(path=str(OUTPUT / "public-voucher.png"), full_page=True)
    image.tap()  # tap to zoom: the image at its own size, in a box that scrolls
    page.wait_for_function("() => location.hash === '#full'")
    assert image.bounding_box()["width"] > WIDTH
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    page.screenshot(path=str(OUTPUT / "public-voucher-zoomed.png"), full_page=False)

    # large text, high contrast: on, and still on at the next page
    page.goto(month_url)
    page.tap("[data-testid=large-on]")
    page.wait_for_function("() => document.documentElement.classList.contains('large')")
    page.tap("[data-testid=all-entries]")
    page.wait_for_selector("[data-testid=entry]")
    assert page.evaluate("document.documentElement.classList.contains('large')")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 22
    fits_the_phone(page)
    page.screenshot(path=str(OUTPUT / "public-entries-large.png"), full_page=False)
    page.tap("[data-testid=large-off]")
    page.wait_for_function("() => !document.documentElement.classList.contains('large')")

    # the notice-board PDF: downloaded, and it says what the page said
    page.goto(month_url)
    with page.expect_download() as waiting:
        page.locator("[data-testid='download-statements.pdf']").click()
    pdf = tmp_path / "statements.pdf"
    waiting.value.save_as(pdf)
    text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(str(pdf)))
    assert "业务活动表" in text and figure in text and "锦城花园小区信托账簿" in text

    # the verifiable export: download, unzip, verify; one byte changed is named
    with page.expect_download() as waiting:
        page.locator("[data-testid=export-zip]").click()
    download = waiting.value
    assert download.suggested_filename.startswith("JCHY-") and download.suggested_filename.endswith(".zip")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as z:
        z.extractall(tmp_path / "unzipped")
    folder = next((tmp_path / "unzipped").iterdir())
    checked = verify(folder)
    assert checked.returncode == 0 and checked.stdout.splitlines()[-1].startswith("OK:"), checked.stdout + checked.stderr
    target = folder / "entries.json"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    checked = verify(folder)
    assert checked.returncode == 1 and "MISMATCH" in checked.stdout and "entries.json" in checked.stdout, checked.stdout
