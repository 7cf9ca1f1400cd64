"""A resident opens a community fund's grants page on a 360-px phone: each awarded grant, its tranches, an accepted
report with its receipt as the committee published it (reviewed, redacted); the page never scrolls sideways (the
tables scroll in their own boxes), and no reviewer or applicant's contact is anywhere on it."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from ledger.services import grants, publications, vouchers

from ..conftest import D
from ..integration import test_grants
from ..integration.test_grant_report_files import _paid_tranche, _report_with_files, receipt
from . import test_public_site
from .test_public_site import WIDTH, fits_the_phone

fund = test_grants.fund  # the community fund CF1 (a fixture)
phone = test_public_site.phone  # a 360-px phone's browser (a fixture)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the page is what is tested here
def test_the_grants_page_on_a_phone(fund, db_url, phone, tmp_path):
    from public_site import create_app

    a = _paid_tranche(fund)  # A and B awarded, C declined, A's tranche 1 paid
    store, root = vouchers.VoucherStore(tmp_path / "v"), tmp_path / "pub"
    report_id = _report_with_files(fund, store, a, [vouchers.Upload("王女士的发票.jpg", receipt()),
                                                    vouchers.Upload("收据.jpg", receipt((230, 240, 255)))])
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        report, _app = grants.get_report(s, book, report_id)
        first, _second = grants.files_of(s, report)
        grants.review_report_file(s, fm1, book, first, [{"page": 1, "x": 0.05, "y": 0.08, "w": 0.65, "h": 0.16}], store)
        grants.decide_report(s, fm1, book, report, True, D(2026, 3, 25), "支出与凭证相符")
    fund.close(2026, 3, closer="fm1")
    with fund.tx() as s:
        publications.publish(s, fund.user(s, "fm1"), fund.book(s), 2026, 3, store, root)

    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(root)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        for path in (f"/{test_grants.CODE}/grants/", f"/en/{test_grants.CODE}/grants/"):
            phone.goto(base + path)
            fits_the_phone(phone)
            # Nothing sticks out of the screen, but for what is inside a box that scrolls sideways.
            outside = phone.evaluate("""w => [...document.querySelectorAll('body *')]
                .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > w + 0.5)
                .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 40))""", WIDTH)
            assert outside == [], (path, outside)
            grants_shown = phone.get_by_test_id("grant")
            assert grants_shown.count() == 2
            text = phone.locator("main").inner_text()
            for seen in ("锦城花园业委会", "南湖社区志愿者协会", "40,000.00", "45,000.00", "24,000.00", "完成三个楼道的涂刷",
                         "发票 No.0012345"):
                assert seen in text, (path, seen)
            html = phone.content()
            for hidden in ("rev1", "rev2", "rev3", "13800001234", "王女士", "东街业主互助会", "居民参与充分", "亲属"):
                assert hidden not in html, (path, hidden)
            first_grant = grants_shown.filter(has_text="锦城花园业委会")
            assert first_grant.get_by_test_id("tranche").count() == 2
            report = first_grant.get_by_test_id("report")
            assert report.count() == 1
            # One receipt reviewed and shown; the other waits for the committee and is only counted.
            images = report.locator('[data-testid="report-voucher"] img')
            assert images.count() == 1
            images.first.scroll_into_view_if_needed()
            phone.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=images.first.element_handle())
            assert images.first.evaluate("e => e.getBoundingClientRect().right") <= WIDTH
            assert report.get_by_test_id("report-files-waiting").count() == 1
            table = report.locator(".scroll").first
            assert table.evaluate("e => e.getBoundingClientRect().right") <= WIDTH
        # A tap opens the published page at full size: the redacted copy, never the original.
        phone.goto(base + f"/{test_grants.CODE}/grants/")
        href = phone.locator('[data-testid="report-voucher"]').first.get_attribute("href")
        assert "/files/vouchers/" in href and href.endswith(".jpg")
        shown = phone.request.get(base + href)
        assert shown.status == 200 and shown.headers["content-type"] == "image/jpeg"
        with fund.tx() as s:
            book = fund.book(s)
            report, _app = grants.get_report(s, book, report_id)
            originals = {f.sha256 for f in grants.files_of(s, report)}
        assert not any(sha in href for sha in originals)
        assert shown.body() != store.original(next(iter(originals))).read_bytes()
    finally:
        server.shutdown()
        server.server_close()
        app.extensions["ledger_engine"].dispose()
