"""A fourth attack review: publications, their files, the export's verify.py and the public site.

Each test asserts the secure behaviour; each failed when the review was made (helper report, this session).
Attacker: anyone on the internet (the public site), a person passing an export around (a WeChat group), a
committee member typing names and summaries, the admin who names books.
"""
from __future__ import annotations

import http.server
import shutil
import subprocess
import sys
import threading

import pytest

from .test_public_site import site  # noqa: F401  (the fixture)
from .test_publications import _publish, march  # noqa: F401  (the fixture)


# -- L1. The old ?lang= links redirect to another site -----------------------------------------------------------

@pytest.mark.parametrize("url", ["/en/%09/evil.example/?lang=zh", "/en/%09/evil.example?lang=zh",
                                 "/en/%5C/evil.example/?lang=zh", "/%09/evil.example/?lang=en"])
def test_the_language_redirect_never_leaves_the_site(site, url):  # noqa: F811
    """`?lang=zh` on an English page redirected to the path with "/en" cut off. /en/%09/evil.example/ matches
    the month route (code "\\t", period "evil.example"), so before the view could say 404 the site answered
    302 to //evil.example/ (the tab dropped): a link on the community's own disclosure site, pasted into a
    WeChat group, that lands residents on a look-alike page."""
    client, _store = site
    response = client.get(url)
    where = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303, 307, 308):
        from urllib.parse import urlsplit

        cleaned = "".join(ch for ch in where if ch not in "\t\r\n")  # what a browser makes of it
        parts = urlsplit(cleaned.replace("\\", "/"))
        assert parts.netloc in ("", "localhost") and not parts.path.startswith("//"), where
    else:
        assert response.status_code == 404


def test_the_language_links_still_lead_to_the_same_page(site):  # noqa: F811
    client, _store = site
    assert client.get("/T1/2026-03/?lang=en").headers["Location"] == "/en/T1/2026-03/"
    assert client.get("/en/T1/2026-03/v1/entries/?lang=zh").headers["Location"] == "/T1/2026-03/v1/entries/"
    assert client.get("/en/?lang=zh").headers["Location"] == "/"


# -- M1. verify.py says OK for a folder that holds more than, or other than, the publication ----------------------

@pytest.fixture
def export(ledger, march, tmp_path, db_url, monkeypatch):  # noqa: F811
    """March published and exported with `ledger publications export`; (folder, run verify.py on a folder, re-sign
    a changed manifest with the book's key: what a buggy or hostile publisher holding the key could hand out)."""
    import hashlib
    import json

    from click.testing import CliRunner

    from ledger.cli import main
    from ledger.db.schema import Attachment
    from ledger.domain.chain import canonical_json, publication_message
    from ledger.services import vouchers
    from ledger.services.signing import keys_for

    store, att_id = march
    with ledger.tx() as s:
        vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id), [], store)
    _publish(ledger, store, tmp_path / "pub")
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    monkeypatch.setenv("LEDGER_PUBLICATIONS_DIR", str(tmp_path / "pub"))
    out = tmp_path / "export"
    done = CliRunner().invoke(main, ["publications", "export", "--book", "T1", "--period", "2026-03", "--out", str(out)])
    assert done.exit_code == 0, done.output

    def run(folder):
        return subprocess.run([sys.executable, "-I", str(folder / "verify.py")], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin"})

    def resign(folder, change_manifest, files: dict[str, bytes] | None = None):
        for path, data in (files or {}).items():
            (folder / path).write_bytes(data)
        manifest = json.loads((folder / "manifest.json").read_bytes())
        for f in manifest["files"]:
            if f["path"] in (files or {}):
                f.update(sha256=hashlib.sha256(files[f["path"]]).hexdigest(), size=len(files[f["path"]]))
        change_manifest(manifest)
        data = canonical_json(manifest)
        (folder / "manifest.json").write_bytes(data)
        with ledger.tx() as s:
            sig = keys_for(s).signer("T1").sign(publication_message("T1", "2026-03", 1, hashlib.sha256(data).hexdigest()))
        (folder / "manifest.sig").write_text(sig + "\n")

    assert run(out).returncode == 0
    return out, run, resign


def _copy(out, tmp_path, name):
    copy = tmp_path / name
    shutil.copytree(out, copy, symlinks=True)
    return copy


def test_verify_names_a_file_slipped_into_the_export_that_the_manifest_does_not_list(export, tmp_path):
    """An export forwarded in a WeChat group with a forged "corrected" statement or receipt added beside the
    real files: verify.py checked only the files the manifest lists and said OK, so the resident took every file
    in the folder as signed by the book."""
    out, run, _resign = export
    copy = _copy(out, tmp_path, "slipped")
    (copy / "statements-corrected.pdf").write_bytes(b"%PDF-1.4 forged")
    (copy / "vouchers" / ("0" * 64 + ".jpg")).write_bytes(b"\xff\xd8 forged receipt")
    bad = run(copy)
    assert bad.returncode == 1 and "MISMATCH" in bad.stdout and "not list" in bad.stdout, bad.stdout
    (copy / "statements-corrected.pdf").unlink()
    (copy / "vouchers" / ("0" * 64 + ".jpg")).unlink()
    (copy / ".DS_Store").write_bytes(b"Finder")  # what a Mac leaves in a folder it has shown: not a mismatch
    assert run(copy).returncode == 0, run(copy).stdout


def test_verify_refuses_a_listed_file_that_is_a_link_to_somewhere_else(export, tmp_path):
    """A zip may carry symbolic links, which unzip restores: the file the resident opens in the folder then
    is wherever the link points, and verify.py followed it."""
    out, run, _resign = export
    copy = _copy(out, tmp_path, "linked")
    outside = tmp_path / "outside.pdf"
    shutil.copyfile(copy / "statements.pdf", outside)
    (copy / "statements.pdf").unlink()
    (copy / "statements.pdf").symlink_to(outside)
    bad = run(copy)
    assert bad.returncode == 1 and "symbolic link" in bad.stdout, bad.stdout


@pytest.mark.parametrize("how", ["parent", "absolute"])
def test_verify_reads_no_file_outside_the_export(export, tmp_path, how):
    """A manifest (signed by the key that signs it: a publisher's bug, or a key someone else made) listing
    ../x or /abs/x made verify.py read and vouch for a file outside the folder."""
    import hashlib

    out, run, resign = export
    copy = _copy(out, tmp_path, f"escape-{how}")
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not in the export")
    path = "../outside.txt" if how == "parent" else str(outside)
    resign(copy, lambda m: m["files"].append({"path": path, "sha256": hashlib.sha256(b"not in the export").hexdigest(),
                                              "size": 17}))
    bad = run(copy)
    assert bad.returncode == 1 and "not a path inside the export" in bad.stdout, bad.stdout


def test_verify_refuses_json_that_names_a_key_twice(export, tmp_path):
    """entries.json with an entry's summary given twice: Python's json takes the last (which the hash covers),
    other readers (a browser's JSON viewer, jq in some modes) may show the first, so one signed file reads two ways."""
    out, run, resign = export
    copy = _copy(out, tmp_path, "twice")
    data = (copy / "entries.json").read_bytes().replace('{"approvers"'.encode(), '{"summary":"退还押金","approvers"'.encode(), 1)
    resign(copy, lambda m: None, {"entries.json": data})
    bad = run(copy)
    assert bad.returncode == 1 and "key twice" in bad.stdout, bad.stdout


def test_verify_checks_the_entries_are_the_chain_in_order(export, tmp_path):
    """The two entries of March swapped (each still hashes to its own hash and carries its signature): the chain
    says the second follows the first, and verify.py never looked at the links between entries."""
    import json

    from ledger.domain.chain import canonical_json

    out, run, resign = export
    copy = _copy(out, tmp_path, "swapped")
    listed = json.loads((copy / "entries.json").read_bytes())
    assert [e["chain_seq"] for e in listed] == [1, 2]
    resign(copy, lambda m: None, {"entries.json": canonical_json(listed[::-1])})
    bad = run(copy)
    assert bad.returncode == 1 and "chain" in bad.stdout, bad.stdout


# -- L2. The PDFs were made with WeasyPrint's default fetcher: file:// and http:// were one injection away --------

def test_the_notice_board_pdfs_fetch_no_url_whatever_their_html_says(tmp_path):
    """Names, summaries and notes are escaped today (a book named '<img src=…>' prints as text: tried), but the
    PDFs were rendered with WeasyPrint's default url_fetcher, which reads file:///etc/… into the document and
    requests http://127.0.0.1:… from the server. The documents need no outside resource, so the renderer itself
    must refuse every URL: one unescaped field (a future template, a |safe) must not become a file read or SSRF."""
    import pypdfium2

    from ledger.services import notices

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body{}")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-OF-THE-SERVER-4711")
    port = server.server_address[1]
    try:
        pdf = notices._pdf(f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/link.css">'
                           f'<style>@import "http://127.0.0.1:{port}/import.css"; '
                           f'p {{ background: url(http://127.0.0.1:{port}/bg.png) }}</style></head>'
                           f'<body><p>账目</p><img src="http://127.0.0.1:{port}/img.png">'
                           f'<object data="file://{secret}" type="text/plain"></object>'
                           f'<a rel="attachment" href="file://{secret}">附件</a></body></html>')
    finally:
        server.shutdown()
        server.server_close()
    assert hits == [], f"the PDF renderer requested {hits} from a service on 127.0.0.1"
    assert b"SECRET-OF-THE-SERVER-4711" not in pdf and b"secret.txt" not in pdf  # no local file attached or embedded
    assert "账目" in pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()


# -- L3. A book coded "en" or "static" is unreachable on the public site and stops the static export --------------

@pytest.mark.parametrize("code", ["en", "static", "EN"])
def test_a_book_cannot_take_a_code_the_public_site_uses_for_its_own_addresses(ledger, db_url, tmp_path, code):
    """Book codes are letters, digits, - and _, so "en" and "static" were accepted; the public site puts a book at
    /CODE/, and /en/… is the English site, /static/… its files: the book's Chinese pages answered the English home or
    404, and `export-static` (one broken link stops it) could no longer export any community of the city."""
    from public_site import create_app

    from ledger.domain.errors import InvalidInput
    from ledger.services import books, users

    with ledger.tx() as s:
        try:
            books.create_book(s, users.system_user(s), code, "冲突小区", "Clash", "trust", first_month=(2025, 1))
        except InvalidInput as refused:
            assert "公示网站" in refused.message_zh and "public site" in refused.message_en
            return
    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(tmp_path / "pub"), "TESTING": True})
    try:
        adapter = app.url_map.bind("localhost")
        for path, endpoint in ((f"/{code}/", "public.book"), (f"/{code}/2026-03/", "public.month")):
            try:
                found = adapter.match(path)[0]
            except Exception as e:  # noqa: BLE001 - a 404 or a redirect: not the book's page either
                found = type(e).__name__
            assert found == endpoint, f"{path} is {found}, not the book's page"
    finally:
        app.extensions["ledger_engine"].dispose()


# -- L4. export-static: a link whose part unquotes to "../.." is written outside the out folder --------------------

@pytest.mark.parametrize("link", ["/T1/x%2F..%2F..%2F..%2Fescaped/", "/T1/%2Ftmp%2Fescaped", "/%2E%2E/escaped"])
def test_the_static_export_writes_nothing_outside_its_folder(tmp_path, link):
    """target_of() refused '.' and '..' parts and backslashes, but a part like 'x%2F..%2F..' unquotes to
    'x/../..', which joinpath follows out of the folder, and '%2Ftmp' to an absolute path. No page links such
    an address today (every linked path is a book code, a period or a manifest path), so this is a guard for
    the day one does: where the exporter writes must stay under the folder it was given."""
    from public_site.static_export import target_of

    out = tmp_path / "site"
    try:
        where = target_of(out, link)
    except ValueError:
        return
    assert where.resolve().is_relative_to(out.resolve()), f"{link} would be written at {where.resolve()}"


# -- M2. Once a PDF has been made, a damaged voucher is accepted ---------------------------------------------------

def test_a_cut_off_voucher_is_still_refused_after_the_process_has_made_a_pdf(tmp_path):
    """`import weasyprint` sets PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True for the whole process. The back office
    publishes in a thread of its own worker, so after the first publish every worker that made a PDF decoded a
    JPEG cut in half (a receipt photo whose bottom, with the amount, never arrived) as a voucher, its missing
    part grey, instead of refusing it as damaged. Found as a test that failed only when a PDF test ran first in
    the same pytest worker. Run in a fresh interpreter so the order is the one production has."""
    script = tmp_path / "order.py"
    script.write_text(
        "import io\n"
        "from PIL import Image\n"
        "from ledger.services import notices, vouchers\n"
        "notices._pdf('<p>账目</p>')\n"
        "buf = io.BytesIO(); Image.new('RGB', (640, 480), (200, 120, 40)).save(buf, format='JPEG', quality=90)\n"
        "cut = buf.getvalue()[: len(buf.getvalue()) // 2]\n"
        "try:\n"
        "    vouchers.render_pages(cut, vouchers.sniff(cut, 10**8))\n"
        "    print('ACCEPTED')\n"
        "except vouchers.VoucherUnreadable:\n"
        "    print('REFUSED')\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert done.stdout.strip() == "REFUSED", done.stdout + done.stderr
