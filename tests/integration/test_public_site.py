"""The public site (public_site/): a separate app over the read-only session that shows published months only."""
from __future__ import annotations

import json
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
    assert "查看现行版本（第 2 版）" in old and 'href="/T1/2026-03/"' in old
    current = client.get("/T1/2026-03/").text
    assert 'data-testid="superseded"' not in current
    # the correction says it is the current version and which one it replaced, with a way to read that one
    assert 'data-testid="correction"' in current and "这是现行版本（第 2 版），更正并取代了第 1 版。" in current
    assert 'href="/T1/2026-03/v1/"' in current
    assert 'data-testid="correction"' not in old
    listing = client.get("/T1/").text
    assert "已被更正" in listing and "（更正版，现行）" in listing


def test_the_month_at_a_glance_says_what_came_in_went_out_and_is_left_in_yuan(site, ledger):
    client, _store = site
    page = client.get("/T1/2026-03/").text
    glance = page[page.index('aria-labelledby="glance"'):page.index('aria-labelledby="word"')]
    assert "本月收入" in glance and "本月支出" in glance and "本月结余（收入减支出）" in glance and "月末账上资金" in glance
    assert glance.count('<span class="unit">元</span>') == 4
    assert re.search(r'data-testid="headline-income">5,000.00<', glance)  # income drills down, as expenses do
    assert re.search(r'data-testid="headline-change">3,800.00 ', glance)
    assert client.get(re.search(r'href="([^"]+)" data-testid="headline-income"', glance).group(1)).status_code == 200
    home = client.get("/").text  # the home page's figures lead to the entries too
    assert 'data-testid="headline-expense"' in home and 'data-testid="headline-income"' in home


def test_an_objection_is_shown_with_what_it_means_for_the_figures(site, ledger):
    from ledger.services import publications

    client, _store = site
    with ledger.tx() as s:
        pub = publications.get_publication(s, ledger.book(s), 2026, 3)
        publications.give_opinion(s, ledger.user(s, "watcher"), ledger.book(s), pub, "objection", "水电费分摊明细未附上")
    page = client.get("/T1/2026-03/").text
    word = page[page.index('data-testid="opinion-objection"'):]
    assert "监察人提出异议" in word and "水电费分摊明细未附上" in word and "不会改动本页数字" in word
    assert "异议:" not in page  # no half-width colon in the Chinese
    # A resident who never opens the month still learns of it: the community's page and the home page warn.
    for url in ("/T1/", "/"):
        note = client.get(url).text
        assert 'data-testid="objection-note"' in note and "监察人对本月账目提出了异议" in note, url
    assert "（监察人有异议）" in client.get("/T1/").text


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


# -- The month a resident reads on a phone: figures to the fen, drill-down, vouchers, the mode, the export -----------

def _og(page: str) -> dict:
    return dict(re.findall(r'<meta property="(og:[a-z_:]+)" content="([^"]*)"', page))


def test_every_page_says_the_community_the_month_and_its_figures_to_a_wechat_group(site):
    client, _store = site
    month = client.get("/T1/2026-03/v1/").text
    og = _og(month)
    assert og["og:title"] == "测试小区信托 · 2026年3月 账目公示" and og["og:type"] == "article" and og["og:locale"] == "zh_CN"
    assert "收入 5,000.00 元" in og["og:description"] and "支出 1,200.00 元" in og["og:description"]
    assert "期末现金 3,800.00 元" in og["og:description"]
    assert "og:url" not in og  # never built from the request's Host header
    for url in ("/", "/T1/", "/T1/2026-03/", "/T1/2026-03/v1/entries/", "/T1/2026-03/v1/lines/activities/expense/"):
        og = _og(client.get(url).text)
        assert {"og:title", "og:description", "og:type", "og:locale", "og:site_name"} <= set(og), url
        if url != "/":
            assert "测试小区信托" in og["og:title"], url
    assert "2026年3月" in _og(client.get("/T1/").text)["og:description"]
    english = client.get("/en/T1/2026-03/v1/").text
    assert _og(english)["og:title"] == "Test trust · March 2026 accounts" and _og(english)["og:locale"] == "en_US"
    client.application.config["PUBLIC_BASE_URL"] = "https://gongshi.example.cn/"
    client.application.extensions["public_page_cache"].pages.clear()  # a worker starts with its settings
    assert _og(client.get("/T1/2026-03/v1/").text)["og:url"] == "https://gongshi.example.cn/T1/2026-03/v1/"


def test_the_statements_show_each_figure_to_the_fen_and_link_it_to_its_entries(site):
    client, _store = site
    page = client.get("/T1/2026-03/v1/").text
    for testid, figure in (("total-income", "5,000.00"), ("total-expense", "1,200.00"), ("change", "3,800.00"),
                           ("total-assets", "3,800.00"), ("cash-closing", "3,800.00")):
        assert re.search(rf'data-testid="{testid}">(<a [^>]*>)?{re.escape(figure)}<', page), testid
    assert '<th scope="col">' in page and "<caption" in page and 'class="scroll"' in page
    expense = re.search(r'href="([^"]+)" data-testid="drill-total-expense"', page).group(1)
    assert expense == "/T1/2026-03/v1/lines/activities/expense/"
    drilled = client.get(expense).text
    assert re.findall(r'data-number="([^"]+)"', drilled) == ["记-2026-03-0002"]
    assert re.findall(r'data-testid="entry-amount">([^<]+)<', drilled) == ["1,200.00"]
    assert "3月保洁费" in drilled and "与报表一致" in drilled
    assert "5101 保洁费" in drilled  # each line names its account as the chart does, as the PDF's journal does
    # an entry's voucher: the viewer page, one more tap from the figure
    viewer = re.search(r'href="([^"]+)" data-testid="voucher-link"', drilled).group(1)
    shown = client.get(viewer).text
    image = re.search(r'<img class="voucher" src="([^"]+)" alt="([^"]+)"', shown)
    served = client.get(image.group(1))
    served.close()
    assert "记-2026-03-0002" in image.group(2) and served.mimetype == "image/jpeg"
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in shown  # pinch zoom stays allowed
    assert f'href="{image.group(1)}" data-testid="full-size"' in shown
    cash = client.get("/T1/2026-03/v1/lines/position/cash/").text
    assert re.findall(r'data-number="([^"]+)"', cash) == ["记-2026-03-0001", "记-2026-03-0002"]
    assert re.findall(r'data-testid="entry-amount">([^<]+)<', cash) == ["5,000.00", "-1,200.00"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # on SQLite inside the static export's test
def test_drill_down_reaches_exactly_the_entries_on_a_lines_accounts(demo_site):
    """On the demo's months: every figure of every statement links to a page that lists exactly the month's
    entries with a line on that figure's accounts; on the statement of activities they add up to the figure."""
    check_drill_down(*demo_site)


def check_drill_down(client, root) -> None:
    from decimal import Decimal

    from ledger.domain.money import fen_to_str

    for folder in sorted(root.glob("JCHY/*/v*"))[-3:]:
        period, version = folder.parent.name, folder.name
        figures = json.loads((folder / "statements.json").read_text("utf-8"))
        entries = json.loads((folder / "entries.json").read_text("utf-8"))
        page = client.get(f"/JCHY/{period}/{version}/").text
        links = set(re.findall(rf'href="(/JCHY/{period}/{version}/lines/[^"]+)"', page))
        lines = [("activities", r) for side in ("income", "expense") for r in figures["activities"][side]]
        lines += [("position", r) for side in ("assets", "liabilities") for r in figures["position"][side]]
        lines += [("cash_flow", r) for side in ("receipts", "payments", "net_assets") for r in figures["cash_flow"][side]]
        assert len(links) == len(lines) + 2  # and the two totals
        for statement, row in lines:
            url = f"/JCHY/{period}/{version}/lines/{statement}/{row['line']}/"
            assert url in links
            drilled = client.get(url).text
            expected = [e["number"] for e in entries if any(ln["account"] in row["accounts"] for ln in e["lines"])
                        and (statement != "cash_flow" or any(ln["cash"] for ln in e["lines"]))]
            assert re.findall(r'data-number="([^"]+)"', drilled) == expected, url
            if statement == "activities":
                sign = -1 if row in figures["activities"]["income"] else 1
                total = sum(sign * ln["fen"] for e in entries for ln in e["lines"] if ln["account"] in row["accounts"])
                assert total == row["fen"]["total"]
                if expected:
                    assert re.search(r'data-testid="line-total">.*?<strong class="num">([^<]+)<', drilled, re.S).group(1) \
                        == f"{Decimal(fen_to_str(total)):,.2f}"
        expense = client.get(f"/JCHY/{period}/{version}/lines/activities/expense/").text
        expense_accounts = {c for r in figures["activities"]["expense"] for c in r["accounts"]}
        assert re.findall(r'data-number="([^"]+)"', expense) == [
            e["number"] for e in entries if any(ln["account"] in expense_accounts for ln in e["lines"])]


def test_large_text_mode_is_a_toggle_that_stays(site):
    client, _store = site
    assert 'class="large"' not in client.get("/T1/2026-03/v1/").text
    turned = client.get("/T1/2026-03/v1/?large=1")
    assert '<html lang="zh-CN" class="large">' in turned.text and "large=1" in turned.headers["Set-Cookie"]
    assert "private" in turned.headers["Cache-Control"]
    assert '<html lang="zh-CN" class="large">' in client.get("/T1/").text  # the cookie keeps it on other pages
    assert "Cookie" in client.get("/T1/").headers["Vary"]
    assert 'class="large"' not in client.get("/T1/2026-03/v1/entries/?large=0").text
    assert 'class="large"' not in client.get("/T1/").text
    assert 'href="?large=1" data-testid="large-on"' in client.get("/T1/").text  # a plain link: no script needed


def test_english_stays_english_from_link_to_link(site):
    client, _store = site
    moved = client.get("/T1/2026-03/?lang=en")
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/en/T1/2026-03/")
    page = client.get("/en/T1/2026-03/v1/").text
    assert '<html lang="en"' in page and "Statement of activities" in page
    assert 'href="/en/T1/2026-03/v1/lines/activities/expense/"' in page and 'href="/en/T1/2026-03/v1/entries/"' in page
    assert 'href="/T1/2026-03/v1/export.zip"' in page  # files are shared
    assert 'href="/T1/2026-03/v1/" hreflang="zh-CN"' in page
    assert "业务活动表" in client.get("/T1/2026-03/v1/").text


def test_pages_carry_strong_etags_and_answer_304(site):
    client, _store = site
    first = client.get("/T1/2026-03/v1/")
    etag = first.headers["ETag"]
    # A month's page may gain the supervisor's word or a correction notice: kept a minute, then revalidated.
    assert not etag.startswith("W/") and "max-age=60" in first.headers["Cache-Control"]
    assert client.get("/T1/2026-03/v1/", headers={"If-None-Match": etag}).status_code == 304


def test_the_downloads_list_what_the_publication_holds(site):
    client, _store = site
    page = client.get("/T1/2026-03/v1/").text
    downloads = page[page.index('data-testid="downloads"'):]
    assert "报表数据（JSON）" in downloads and "凭证数据（JSON）" in downloads and "1 张票据图片" in downloads
    assert 'href="/T1/2026-03/v1/export.zip" download' in downloads and 'href="/verify.py" download' in downloads
    assert "/files/vouchers/" not in downloads  # the pages are on their entries, not a list of hashes


def test_the_downloads_name_tables_pdfs_and_show_charts_whatever_the_publication_lists(ledger, march, db_url, tmp_path):  # noqa: F811
    """The lead's PDFs, tables and charts, once a publication lists them: named, grouped, charts as images."""
    from types import SimpleNamespace

    from public_site import create_app
    from public_site.views import _downloads

    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(tmp_path / "pub"), "TESTING": True})
    paths = ["charts/composition.svg", "entries.json", "poster.pdf", "statements.json", "statements.pdf",
             "tables/activities.csv", "tables/activities.xlsx", "tables/journal.csv", "tables/new_one.csv", "vouchers/ab.jpg",
             "readme.txt"]
    with app.test_request_context("/"):
        shown = _downloads([SimpleNamespace(path=p, size=2048) for p in paths], lambda p: f"/f/{p}")
    app.extensions["ledger_engine"].dispose()
    assert [p["label"] for p in shown["pdfs"]] == ["财务报表（PDF，A4）", "公示栏海报（PDF，A4）"]
    assert [(t["label"], [f["format"] for f in t["formats"]]) for t in shown["tables"]] == [
        ("业务活动表", ["XLSX", "CSV"]), ("序时账（凭证明细）", ["CSV"]), ("tables/new_one", ["CSV"])]
    assert [c["label"] for c in shown["charts"]] == ["图表：收入来源与支出去向"]
    assert shown["vouchers"] == 1 and [o["path"] for o in shown["other"]] == ["readme.txt"]


def test_the_export_zip_is_the_same_bytes_every_time_and_verifies(site, tmp_path):
    import io
    import subprocess
    import sys
    import zipfile

    client, _store = site
    first = client.get("/T1/2026-03/v1/export.zip")
    assert first.status_code == 200 and first.mimetype == "application/zip"
    assert "immutable" in first.headers["Cache-Control"] and not first.headers["ETag"].startswith("W/")
    assert client.get("/T1/2026-03/v1/export.zip").data == first.data
    assert client.get("/T1/2026-03/v1/export.zip", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with zipfile.ZipFile(io.BytesIO(first.data)) as z:
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
        z.extractall(tmp_path / "x")
    folder = tmp_path / "x" / "T1-2026-03-v1"
    assert (folder / "verify.py").read_bytes() == client.get("/verify.py").data
    done = subprocess.run([sys.executable, "-I", str(folder / "verify.py"), str(folder)], capture_output=True, text=True)
    assert done.returncode == 0 and "OK:" in done.stdout, done.stdout
    statements = folder / "statements.json"
    statements.write_bytes(statements.read_bytes().replace(b"5000", b"5001", 1))
    done = subprocess.run([sys.executable, "-I", str(folder / "verify.py"), str(folder)], capture_output=True, text=True)
    assert done.returncode == 1 and "statements.json" in done.stdout


def test_a_publication_changed_on_disk_is_not_zipped(site, tmp_path):
    client, _store = site
    changed = next((tmp_path / "pub" / "T1" / "2026-03" / "v1").glob("entries.json"))
    changed.write_bytes(changed.read_bytes() + b" ")
    assert client.get("/T1/2026-03/v1/export.zip").status_code == 404


@pytest.mark.parametrize("url", ["/T1/2026-04/v1/lines/activities/expense/", "/T1/2026-03/v1/lines/activities/nothing/",
                                 "/T1/2026-03/v1/lines/bogus/expense/", "/T1/2026-03/v2/entries/",
                                 "/T1/2026-03/v1/vouchers/" + "0" * 64 + "/", "/T1/2026-03/v1/vouchers/../../", "/T1/2026-03/v2/export.zip",
                                 "/T9/2026-03/v1/export.zip", "/en/T1/2026-04/", "/en/T9/"])
def test_new_pages_of_anything_unpublished_are_404(site, url):
    client, _store = site
    assert client.get(url).status_code == 404


# -- The whole site as static files --------------------------------------------------------------------------------

@pytest.fixture
def demo_site(db_url, tmp_path, monkeypatch):
    """`ledger demo` run on this test's database (its publications in tmp_path/pub), and the public site over it."""
    from click.testing import CliRunner

    from ledger.cli import main
    from public_site import create_app

    for name, value in (("LEDGER_DATABASE_URL", db_url), ("LEDGER_PUBLICATIONS_DIR", str(tmp_path / "pub")),
                        ("LEDGER_VOUCHER_DIR", str(tmp_path / "v"))):
        monkeypatch.setenv(name, value)
    made = CliRunner().invoke(main, ["demo", "--without-compound"])
    assert made.exit_code == 0, made.output
    app = create_app({"TESTING": True})
    yield app.test_client(), tmp_path / "pub"
    app.extensions["ledger_engine"].dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # and the drill-down on SQLite; its own test runs it on PostgreSQL
def test_the_static_export_serves_every_page_as_the_live_site_does_with_no_broken_link(demo_site, tmp_path):
    """`ledger public export-static` on the demo, served by `python -m http.server`'s handler: every link and image
    of every page answers, and each page is byte for byte the live one; the zip a static server hands out verifies."""
    import functools
    import http.server
    import subprocess
    import sys
    import threading
    import urllib.request
    import zipfile
    from html import unescape

    from click.testing import CliRunner

    from ledger.cli import main

    client, root = demo_site
    check_drill_down(client, root)  # the demo takes a while to build: one build, both tests
    out = tmp_path / "static"
    done = CliRunner().invoke(main, ["public", "export-static", "--out", str(out)])
    assert done.exit_code == 0, done.output
    again = CliRunner().invoke(main, ["public", "export-static", "--out", str(out)])
    assert again.exit_code == 1 and "不是空的" in again.output and "not empty" in again.output

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        pages = [p for p in out.rglob("index.html")]
        assert len(pages) > 50
        checked = set()
        for page in pages:
            url = "/" + str(page.parent.relative_to(out)).replace(".", "") + "/" if page.parent != out else "/"
            url = url.replace("//", "/")
            with urllib.request.urlopen(base + url) as served:
                html = served.read()
            assert html == client.get(url).data, url  # the static page is the live page
            for raw in re.findall(r'\s(?:href|src)="([^"]*)"', html.decode("utf-8")):
                link = unescape(raw).split("#")[0]
                if not link or link.startswith("?") or link in checked:
                    continue
                assert link.startswith("/"), (url, link)
                checked.add(link)
                with urllib.request.urlopen(base + link) as served:  # raises on a 404
                    assert served.status == 200, (url, link)
        assert any("/vouchers/" in c and c.endswith("/") for c in checked) and any(c.endswith("export.zip") for c in checked)
        assert "/en/JCHY/" in checked and "/verify.py" in checked
        # the corrected month's zip, as a static server hands it out, verifies
        corrected = sorted(c for c in checked if c.endswith("/v2/export.zip"))[0]
        with urllib.request.urlopen(base + corrected) as served:
            (tmp_path / "e.zip").write_bytes(served.read())
    finally:
        server.shutdown()
        server.server_close()
    with zipfile.ZipFile(tmp_path / "e.zip") as z:
        z.extractall(tmp_path / "e")
    folder = next((tmp_path / "e").iterdir())
    checked = subprocess.run([sys.executable, "-I", str(folder / "verify.py")], capture_output=True, text=True)
    assert checked.returncode == 0 and "OK:" in checked.stdout, checked.stdout
