"""A resident on a 360-px phone reads a trust month's figures (fees outstanding per building, budget, bank
reconciliation, public revenues): the page never scrolls sideways, each wide table scrolls in its own box, and no
amount or rate breaks over two lines, in Chinese, in English and in the large-text mode."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from ..integration import test_trust_publication
from . import test_public_site
from .test_public_site import WIDTH, fits_the_phone

compound = test_trust_publication.compound  # the published compound (a fixture)
phone = test_public_site.phone  # a 360-px phone's browser (a fixture)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the pages are what is tested here
def test_the_trust_figures_fit_a_phone_and_their_tables_scroll(compound, db_url, phone):
    from public_site import create_app

    root, _folder = compound
    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(root)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        for path in ("/T1/2026-03/", "/en/T1/2026-03/", "/T1/2026-03/?large=1"):
            phone.goto(base + path)
            fits_the_phone(phone)
            for section in ("arrears", "budget", "bank", "revenues"):
                box = phone.locator(f'[data-testid="{section}"] .scroll').first
                assert box.is_visible(), (path, section)
                assert box.evaluate("e => e.getBoundingClientRect().right") <= WIDTH, (path, section)
            # The ten-column tables are wider than the phone: they scroll in their box, which a swipe moves.
            arrears = phone.locator('[data-testid="arrears"] .scroll').first
            assert arrears.evaluate("e => e.scrollWidth > e.clientWidth"), path
            arrears.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
            assert arrears.evaluate("e => e.scrollLeft") > 0
        phone.goto(base + "/T1/2026-03/?large=0")
        assert phone.get_by_test_id("collection-month").inner_text() == "29.49%"
        assert phone.locator('[data-testid="arrears-total"] td').last.inner_text() == "49.25%"
    finally:
        server.shutdown()
        server.server_close()
        app.extensions["ledger_engine"].dispose()
