"""A donor opens the address printed on the receipt ("你在本社区的全部捐赠") on a 360-px phone: their gifts with the
match each unlocked, the totals, and from a project's page the matching pool's account; nothing wider than the phone,
no name on either page."""
from __future__ import annotations

import sqlite3

from .conftest import OUTPUT
from .test_track_donation import HEIGHT, WIDTH, public_site  # noqa: F401  (the fixture)


def test_a_donor_opens_their_funder_page_and_the_pools_account_on_a_phone(public_site, new_page, tmp_path):  # noqa: F811
    base, _receipt = public_site
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as db:
        first = db.execute("SELECT code FROM funder_codes ORDER BY id LIMIT 1").fetchone()[0]  # A's: the first donor
    donor = new_page(WIDTH, HEIGHT)
    donor.goto(f"{base}/CF/funder/{first}")
    assert donor.inner_text("[data-testid=funder-code]") == first
    assert donor.inner_text("[data-testid=total-given]").startswith("250.00")
    assert donor.inner_text("[data-testid=total-matched]").startswith("250.00")
    row = donor.inner_text("[data-testid=donation-row]")
    assert "2026-03-05" in row and "已拨付" in row and "850.00 / 800.00" in row
    assert "王阿姨" not in donor.content() and "不公开" not in donor.content()
    donor.screenshot(path=str(OUTPUT / "phone-funder.png"), full_page=True)
    assert donor.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    donor.goto(f"{base}/CF/funder/{first}?large=1")
    assert donor.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    # the project, then its pool's account
    donor.goto(f"{base}/CF/projects/LIFT3/")
    donor.click("[data-testid=pool-link]")
    donor.wait_for_url(f"{base}/CF/pools/GOV/")
    assert donor.inner_text("[data-testid=pool-held]").startswith("5,000.00")
    assert donor.inner_text("[data-testid=pool-posted]").startswith("550.00")
    assert donor.inner_text("[data-testid=pool-remaining]").startswith("4,450.00")
    assert "LIFT3" in donor.content() or "坡道" in donor.inner_text("[data-testid=pool-projects]")
    assert "王阿姨" not in donor.content() and "匿名" not in donor.content()
    donor.screenshot(path=str(OUTPUT / "phone-pool.png"), full_page=True)
    assert donor.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    donor.goto(f"{base}/CF/funder/JF-22222-22222")
    assert "找不到这个捐赠者代码" in donor.inner_text("[data-testid=not-found]")
