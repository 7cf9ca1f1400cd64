"""The public site (public_site/): a separate app over the read-only session that shows published months only."""
from __future__ import annotations

import re

import pytest

from ledger.db.schema import Attachment
from ledger.services import vouchers

from .test_publications import _publish, march  # noqa: F401  (the fixture)


@pytest.fixture
def site(ledger, march, db_url, tmp_path):  # noqa: F811
    from public_site import create_app

    store, att_id = march
    with ledger.tx() as s:
        vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id),
                                [{"page": 1, "x": 0.1, "y": 0.1, "w": 0.3, "h": 0.2}], store)
    _publish(ledger, store, tmp_path / "pub")
    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(tmp_path / "pub"), "TESTING": True})
    yield app.test_client(), store
    app.extensions["ledger_engine"].dispose()


def test_a_resident_finds_the_month_its_figures_its_entries_and_a_receipt(site, ledger):
    client, _store = site
    home = client.get("/").text
    assert "测试小区信托" in home and "2026-03" in home and "1,200.00" in home and "3,800.00" in home
    assert 'data-testid="pub-2026-03-v1"' in client.get("/T1/").text
    page = client.get("/T1/2026-03/").text
    assert re.search(r'data-testid="total-expense"><a [^>]*>1,200.00<', page)
    listed = client.get("/T1/2026-03/v1/entries/").text
    assert "3月保洁费" in listed and "记-2026-03-0002" in listed
    image = re.search(r'<img class="voucher-thumb" src="([^"]+)"', listed).group(1)
    first = client.get(image)
    assert first.status_code == 200 and first.mimetype == "image/jpeg" and first.data[:2] == b"\xff\xd8"
    assert "immutable" in first.headers["Cache-Control"] and first.headers["ETag"].strip('"') in image
    first.close()
    again = client.get(image, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    again.close()
    signature = client.get("/T1/2026-03/v1/files/manifest.sig")
    assert signature.status_code == 200 and len(signature.data.strip()) == 128
    signature.close()
    assert "保洁发票.png" not in page + listed and "保洁发票.png" not in home  # an original's name never reaches a public page
    assert "监察人尚未对本次公示签署意见。" in page
    from ledger.services import publications

    with ledger.tx() as s:
        pub = publications.get_publication(s, ledger.book(s), 2026, 3)
        publications.give_opinion(s, ledger.user(s, "watcher"), ledger.book(s), pub, "sign_off", "已核对银行对账单")
    page = client.get("/T1/2026-03/").text
    assert 'data-testid="opinion-sign_off"' in page and "监察人签署同意" in page and "已核对银行对账单" in page


@pytest.mark.parametrize("url", ["/T1/2026-04/", "/T1/2026-03/v2/", "/T9/", "/T1/2026-13/",
                                 "/T1/2026-03/v1/files/../../../../etc/passwd", "/T1/2026-03/v1/files/entries.jsonx",
                                 "/T1/2026-03/v1/files/%2e%2e/v1/manifest.json"])
def test_anything_unpublished_is_a_404_never_a_leak(site, url):
    client, _store = site
    assert client.get(url).status_code == 404


def test_a_superseded_month_says_so_and_points_to_the_correction(site, ledger, tmp_path):
    client, store = site
    _publish(ledger, store, tmp_path / "pub", who="approver2")
    old = client.get("/T1/2026-03/v1/").text
    assert 'data-testid="superseded"' in old and "更正" in old
    assert 'data-testid="superseded"' not in client.get("/T1/2026-03/").text
    assert "已被更正" in client.get("/T1/").text


def test_the_public_site_cannot_write(site):
    from ledger.db.session import ReadOnlyError, get_session

    client, _store = site
    app = client.application
    with app.app_context():
        session = get_session()
        from ledger.db.schema import User

        session.add(User(username="x", display_name="x", password_hash="!"))
        with pytest.raises(ReadOnlyError):
            session.flush()
