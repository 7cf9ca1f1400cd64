"""Nothing private reaches the public: people's names, phone numbers and ID numbers are planted wherever the back
office keeps them (users' names, an original voucher's file name and its EXIF, a draft, a rejected entry, a
flag's words, the audit log), a month is published, and every public URL and every public file is crawled —
HTML, PDF text, CSV, XLSX, JSON, SVG, image metadata, the zipped export — from the live site and from the
static export. None of them may turn up anywhere."""
from __future__ import annotations

import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pypdfium2
import pytest
from openpyxl import load_workbook
from PIL import ExifTags, Image
from sqlalchemy import update

from ledger.db.schema import Attachment, User
from ledger.services import entries, flags, vouchers
from ledger.services import register  # the units register: owners' names and phones

from ..conftest import D
from .test_publications import _publish

PHONE, ID_NUMBER, OWNER, MEMBER, SUPERVISOR = "13800138000", "510104199001011234", "张三丰", "王秘密", "赵监察"
NEEDLES = (PHONE, ID_NUMBER, OWNER, MEMBER, SUPERVISOR, "13912345678", "李四光", "13700137000")


def _planted_voucher() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = f"{OWNER} {PHONE}"
    exif[ExifTags.Base.ImageDescription] = f"身份证 {ID_NUMBER}"
    buf = io.BytesIO()
    Image.new("RGB", (800, 500), (250, 250, 245)).save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


@pytest.fixture
def planted(ledger, tmp_path):
    """March 2026: a fee received from an owner, a receipt whose original names the owner (file name and EXIF);
    private words in a draft, a rejected entry, a flag; the people's names on their accounts. Closed, reviewed,
    published."""
    store = vouchers.VoucherStore(tmp_path / "v")
    ledger.post(D(2026, 3, 2), "收3月物业费", ("1002", "GEN", "5000.00"), ("4101", "GEN", "-5000.00"))
    with ledger.tx() as s:
        book = ledger.book(s)
        s.execute(update(User).where(User.username == "maker").values(display_name=f"{MEMBER} 13912345678"))
        s.execute(update(User).where(User.username == "watcher").values(display_name=SUPERVISOR))
        maker, approver = ledger.user(s, "maker"), ledger.user(s, "approver1")
        register.import_units(s, approver, book, f"楼栋,房号,建筑面积,用途,业主,电话\n1,101,89.37,住宅,{OWNER}、李四光,"
                              f"{PHONE}、13700137000\n".encode(), "units.csv")
        paid = entries.create_entry(s, maker, book, ledger.entry_input(
            D(2026, 3, 10), "3月保洁费", ("5101", "GEN", "1200.00"), ("1002", "GEN", "-1200.00")))
        att = vouchers.upload_voucher(s, maker, book, paid, _planted_voucher(), f"业主{OWNER}_{PHONE}.jpg", store, 20 << 20)
        entries.submit_entry(s, maker, book, paid)
        entries.approve_entry(s, approver, book, paid)
        vouchers.redact_voucher(s, approver, book, s.get(Attachment, att.id), [], store)
        entries.create_entry(s, maker, book, ledger.entry_input(  # a draft: never published
            D(2026, 3, 12), f"草稿：退{OWNER}多缴 {PHONE}", ("4101", "GEN", "10.00"), ("1002", "GEN", "-10.00")))
        rejected = entries.create_entry(s, maker, book, ledger.entry_input(
            D(2026, 3, 13), "李四光 13700137000 装修押金", ("1002", "GEN", "10.00"), ("4101", "GEN", "-10.00")))
        entries.submit_entry(s, maker, book, rejected)
        entries.reject_entry(s, approver, book, rejected, f"身份证号 {ID_NUMBER} 不应写在摘要里")
        flags.raise_flag(s, ledger.user(s, "watcher"), book, paid, f"请核对{OWNER}的电话 {PHONE}")
    ledger.close(2026, 3)
    root = tmp_path / "pub"
    _publish(ledger, store, root)
    return root


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "content") and value and (name != "content" or value.startswith(("http", "/"))):
                self.links.append(value)


def texts_of(name: str, data: bytes) -> list[str]:
    """Everything a reader (or a program) can get out of one public file, as text."""
    out = [data.decode("utf-8", "replace")]
    if data[:4] == b"%PDF":
        out += [page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(data)]
    elif data[:2] == b"PK":
        archive = zipfile.ZipFile(io.BytesIO(data))
        if name.endswith(".xlsx") or "xl/workbook.xml" in archive.namelist():
            book = load_workbook(io.BytesIO(data))
            out += [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]
            props = book.properties
            out += [str(getattr(props, k)) for k in ("creator", "lastModifiedBy", "title", "subject", "description")]
        else:
            for member in archive.namelist():
                out += texts_of(member, archive.read(member))
    elif data[:2] == b"\xff\xd8" or data[:4] == b"\x89PNG":
        image = Image.open(io.BytesIO(data))
        out += [repr(dict(image.getexif())), repr(image.info)]
    return out


def crawl(fetch, start: str = "/") -> dict[str, list[str]]:
    """Every same-site URL reachable from `start` -> the texts in it; `fetch(path)` gives (status, bytes)."""
    seen, queue, found = set(), [start], {}
    while queue:
        url = queue.pop()
        path = urlsplit(url).path
        if path in seen:
            continue
        seen.add(path)
        status, data = fetch(path)
        assert status == 200, f"{path} answered {status}"
        found[path] = texts_of(path, data)
        if data.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
            parser = _Links()
            parser.feed(data.decode("utf-8"))
            for link in parser.links:
                target = urlsplit(urljoin(path, link))
                if target.netloc in ("", "localhost", "127.0.0.1:5001") and target.path not in seen:
                    queue.append(target.path)
    return found


def _leaks(found: dict[str, list[str]]) -> list[str]:
    return [f"{needle} in {path}" for path, texts in found.items() for text in texts for needle in NEEDLES
            if needle in text or needle in re.sub(r"\s+", "", text)]


@pytest.mark.parametrize("copy", ["live", "static"])
def test_no_name_phone_or_id_number_reaches_any_public_page_or_file(planted, db_url, tmp_path, copy):
    from public_site import create_app
    from public_site.static_export import export_static, target_of

    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(planted), "TESTING": True})
    client = app.test_client()

    def live(path):
        response = client.get(path)
        data = response.get_data()
        response.close()
        return response.status_code, data

    def static(path):  # what a plain static web server would answer from the export
        where = target_of(tmp_path / "static", path)
        return (200, where.read_bytes()) if where.is_file() else (404, b"")

    if copy == "static":
        export_static(app, tmp_path / "static")
    found = crawl(live if copy == "live" else static)
    app.extensions["ledger_engine"].dispose()
    if copy == "static":  # every file the export wrote was crawled too, linked or not
        for where in (tmp_path / "static").rglob("*"):
            if where.is_file():
                found.setdefault(str(where), texts_of(where.name, where.read_bytes()))
    files = {p for p in found if "/files/" in p}
    # The crawl reached the month, its statements PDF, poster, tables and voucher page: the places a leak would be.
    assert any(p.endswith("/2026-03/v1/") for p in found)
    assert {"statements.pdf", "poster.pdf", "journal.xlsx", "journal.csv", "entries.json"} <= {Path(p).name for p in files}
    assert any(p.endswith(".jpg") for p in files) and any(p.endswith("/export.zip") for p in found)
    assert _leaks(found) == []
    # ...while what the public should see is there: the fee and the cleaning bill, to the fen.
    everything = "\n".join(t for texts in found.values() for t in texts)
    assert "5,000.00" in everything and "1,200.00" in everything and "3月保洁费" in everything


def test_the_published_folder_itself_holds_nothing_private(planted):
    found = {str(p.relative_to(planted)): texts_of(p.name, p.read_bytes()) for p in planted.rglob("*") if p.is_file()}
    assert any(name.endswith("statements.pdf") for name in found)
    assert _leaks(found) == []
    assert not any(json.dumps(texts, ensure_ascii=False).count("业主") for texts in found.values())


@pytest.mark.parametrize("username", [PHONE, f"zhang{ID_NUMBER}", "wang\x07"])
def test_a_username_that_would_publish_a_phone_or_id_number_is_refused(ledger, username):
    """Usernames are published (the chain commits to each entry's makers and approvers): no phone or ID number."""
    from ledger.domain.errors import InvalidInput
    from ledger.services import users

    with ledger.tx() as s, pytest.raises(InvalidInput, match="published with the accounts"):
        users.create_user(s, username, "某人", "password-123")
    with ledger.tx() as s:
        assert users.create_user(s, "caiwu2", "财务", "password-123").username == "caiwu2"
