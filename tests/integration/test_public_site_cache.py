"""The public site's pages kept in memory (public_site/cache.py): served again without rendering, revalidated
with their ETag, and dropped as soon as something published changes."""
from __future__ import annotations

from public_site import create_app

from ledger.services import publications

from .test_public_site import site  # noqa: F401  (the fixture)
from .test_publications import march  # noqa: F401  (the fixture)


def test_a_month_page_is_revalidated_by_its_etag_and_changes_with_the_supervisors_word(site, ledger):  # noqa: F811
    client, _store = site
    first = client.get("/T1/2026-03/")
    assert first.status_code == 200 and first.headers["ETag"] and "max-age=60" in first.headers["Cache-Control"]
    assert "Cookie" in first.headers["Vary"]  # the large-text mode is a cookie; the language is in the address
    again = client.get("/T1/2026-03/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    assert client.get("/en/T1/2026-03/").headers["ETag"] != first.headers["ETag"]  # each language its own page
    with ledger.tx() as s:
        pub = publications.get_publication(s, ledger.book(s), 2026, 3)
        publications.give_opinion(s, ledger.user(s, "watcher"), ledger.book(s), pub, "objection", "水费偏高")
    changed = client.get("/T1/2026-03/", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "水费偏高" in changed.text and changed.headers["ETag"] != first.headers["ETag"]


def test_a_worker_that_looks_once_a_second_still_shows_a_new_opinion_after_it(site, ledger, db_url, tmp_path, monkeypatch):  # noqa: F811
    from public_site import cache

    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(tmp_path / "pub"), "PUBLIC_CACHE_CHECK_SECONDS": 1.0})
    try:
        client = app.test_client()
        assert "监察人尚未对本次公示签署意见" in client.get("/T1/2026-03/").text
        with ledger.tx() as s:
            pub = publications.get_publication(s, ledger.book(s), 2026, 3)
            publications.give_opinion(s, ledger.user(s, "watcher"), ledger.book(s), pub, "sign_off", "已核对")
        assert "已核对" not in client.get("/T1/2026-03/").text  # within the second: the kept page
        clock[0] += 1.5
        assert "已核对" in client.get("/T1/2026-03/").text
        image = client.get("/T1/2026-03/v1/files/statements.json")
        assert image.status_code == 200 and image.json["period"] == "2026-03" and "immutable" in image.headers["Cache-Control"]
        kept = client.get("/T1/2026-03/v1/files/statements.json", headers={"If-None-Match": image.headers["ETag"]})
        assert kept.status_code == 304
        assert client.get("/T1/2026-03/v1/files/statements.json?download=1").headers["Content-Disposition"].startswith("attachment")
        assert client.get("/T1/2026-03/v9/files/statements.json").status_code == 404
    finally:
        app.extensions["ledger_engine"].dispose()
