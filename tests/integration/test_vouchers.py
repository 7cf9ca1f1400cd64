"""Vouchers (原始凭证) as a treasurer, a committee member, the supervisor and a resident meet them,
with real files made here: phone photos with GPS, a sideways photo, a HEIC, a PDF, and the
files that lie (a PNG called .pdf, a 30000×30000 header, a zip bomb, an oversized upload)."""
from __future__ import annotations

import functools
import io
import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from flask import render_template_string
from PIL import ExifTags, Image
from sqlalchemy import func, select

from ledger.db.schema import Attachment, AuditEvent, Entry, VoucherPublic
from ledger.domain.errors import InvalidState, PermissionDenied
from ledger.services import entries, vouchers
from ledger.services.verify import verify_book

from ..conftest import D

FEE = (("1002", "GEN", "1234.56"), ("4101", "GEN", "-1234.56"))
PASSWORD = "password-123"


# Files made in the test ---------------------------------------------------------------


def jpeg(size=(640, 480), color=(200, 120, 40), exif: Image.Exif | None = None, quality=90) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="JPEG", quality=quality, **({"exif": exif} if exif else {}))
    return buf.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.Base.Model] = "TP-1"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 38.0, 42.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (104.0, 2.0, 36.0)
    return exif


def sideways_photo() -> bytes:
    """A 300×200 frame stored as the sensor saw it, red in its top-left corner; orientation 6
    says: turn it 90° clockwise to view, so upright it is 200×300 with red top-right."""
    im = Image.new("RGB", (300, 200), (255, 255, 255))
    im.paste((255, 0, 0), (0, 0, 60, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=95, exif=exif)
    return buf.getvalue()


def png(size=(400, 200), color=(255, 255, 255)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header claims a huge picture."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@functools.cache
def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("invoice.jpg", b"\0" * (20 * 1024 * 1024))
    return buf.getvalue()


def pdf(pages=1) -> bytes:
    buf = io.BytesIO()
    ims = [Image.new("RGB", (595, 842), (255, 255, 255 - 40 * i)) for i in range(pages)]
    ims[0].save(buf, format="PDF", save_all=True, append_images=ims[1:])
    return buf.getvalue()


def heic() -> bytes:
    buf = io.BytesIO()  # ledger.services.vouchers registered pillow_heif's HEIF plugin with Pillow
    Image.new("RGB", (320, 240), (30, 90, 200)).save(buf, format="HEIF", quality=60)
    return buf.getvalue()


def webp() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 80), (10, 200, 10)).save(buf, format="WEBP")
    return buf.getvalue()


# Without a database: what the bytes are, and what the public copy keeps ---------------------


@pytest.mark.parametrize("make, name, media_type", [
    (jpeg, "a.jpg", "image/jpeg"), (png, "b.png", "image/png"), (webp, "c.webp", "image/webp"),
    (heic, "d.heic", "image/heic"), (pdf, "e.pdf", "application/pdf"), (jpeg, "no-extension", "image/jpeg"),
])
def test_the_type_is_read_from_the_bytes(make, name, media_type):
    sniffed = vouchers.sniff(make(), 10**7)
    vouchers.check_name(sniffed.kind, name)
    assert sniffed.kind.media_type == media_type


@pytest.mark.parametrize("data, name, error, words", [
    (png(), "发票.pdf", vouchers.VoucherTypeMismatch, ("发票.pdf", "PNG", "lies about its type")),
    (jpeg(), "receipt.png", vouchers.VoucherTypeMismatch, ("receipt.png", "JPEG")),
    (png_header_claiming(30000, 30000), "huge.png", vouchers.VoucherTooLarge, ("megapixels",)),
    (png_header_claiming(9000, 7000), "big.png", vouchers.VoucherTooLarge, ("9000×7000", "百万像素")),
    (zip_bomb(), "bomb.zip", vouchers.UnsupportedVoucher, ("JPEG", "PDF")),
    (zip_bomb(), "invoice.jpg", vouchers.UnsupportedVoucher, ("JPEG", "PDF")),
    (b"%PDF-1.7\nthis is not a PDF at all", "x.pdf", vouchers.VoucherUnreadable, ("PDF",)),
    (b"GIF89a" + b"\0" * 40, "x.gif", vouchers.UnsupportedVoucher, ("JPEG",)),
    (jpeg()[: len(jpeg()) // 2], "cut.jpg", vouchers.VoucherUnreadable, ("damaged",)),
    (b"", "empty.jpg", vouchers.VoucherRefused, ("empty",)),
    (pdf(21), "ledger-book.pdf", vouchers.VoucherRefused, ("21", "split")),
])
def test_files_that_lie_or_would_explode_are_refused_with_a_bilingual_reason(data, name, error, words):
    with pytest.raises(error) as info:
        sniffed = vouchers.sniff(data, 10**8)
        vouchers.check_name(sniffed.kind, name)
        vouchers.render_pages(data, sniffed)
    e = info.value
    assert e.message_zh and e.message_en and e.field == "file"
    for word in words:
        assert word in e.message_zh + e.message_en


def test_an_oversized_file_is_refused_before_it_is_looked_at():
    with pytest.raises(vouchers.VoucherTooLarge) as info:
        vouchers.sniff(b"\xff" * 3_000_000, max_bytes=2 * 1024 * 1024)
    assert "(2.9 MB)" in info.value.message_en and "at most 2 MB" in info.value.message_en
    assert "凭证最大 2 MB" in info.value.message_zh


@pytest.mark.parametrize("mode, color", [("RGBA", (0, 0, 0, 0)), ("LA", (0, 0)), ("I;16", 65535), ("CMYK", (0, 0, 0, 0))])
def test_transparency_and_odd_modes_come_out_as_plain_rgb_never_black(mode, color):
    buf = io.BytesIO()
    Image.new(mode, (50, 40), color).save(buf, format="JPEG" if mode == "CMYK" else "PNG")
    (page,) = vouchers.render_pages(buf.getvalue(), vouchers.sniff(buf.getvalue(), 10**7))
    assert page.mode == "RGB" and page.size == (50, 40) and min(page.getpixel((25, 20))) > 240


@pytest.mark.parametrize("raw, field", [
    ("not json", "redactions"),
    ({"page": 1}, "redactions"),
    ([{"page": 2, "x": 0, "y": 0, "w": 0.5, "h": 0.5}], "redactions[0].page"),
    ([{"page": 1, "x": -1.5, "y": 0, "w": 0.5, "h": 0.5}], "redactions[0].x"),
    ([{"page": 1, "x": 0, "y": 0, "w": True, "h": 0.5}], "redactions[0].w"),
    ([{"page": 1, "x": 0, "y": 0, "w": 0, "h": 0.5}], "redactions[0]"),
    ([{"page": 1, "x": 0.1, "y": 0.1, "w": 0.1, "h": "0.5"}], "redactions[0].h"),
])
def test_bad_redaction_boxes_name_the_box_at_fault(raw, field):
    with pytest.raises(vouchers.InvalidRedactions) as info:
        vouchers.parse_redactions(raw, page_count=1)
    assert info.value.field == field


def test_a_box_drawn_past_the_edge_is_kept_on_the_page():
    (box,) = vouchers.parse_redactions('[{"page": 1, "x": 0.8, "y": 0.5, "w": 0.3, "h": 0.5}]', 1)
    assert box == {"page": 1, "x": 0.8, "y": 0.5, "w": 0.2, "h": 0.5}


# With a database: the service ---------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    return vouchers.VoucherStore(tmp_path / "v")  # the app fixture's voucher folder


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def draft(ledger, maker="maker", submit=False) -> int:
    with ledger.tx() as s:
        return entries.create_entry(s, ledger.user(s, maker), ledger.book(s),
                                    ledger.entry_input(D(2026, 3, 5), "维修电梯", *FEE), submit=submit).id


def upload(ledger, store, entry_id, data, name="voucher", user="maker", max_bytes=10**7) -> int:
    with ledger.tx() as s:
        book = ledger.book(s)
        att = vouchers.upload_voucher(s, ledger.user(s, user), book, entries.get_entry(s, book, entry_id),
                                      data, name, store, max_bytes)
        return att.id


def public_images(ledger, store, attachment_id) -> list[Image.Image]:
    with ledger.tx() as s:
        att = s.get(Attachment, attachment_id)
        pages = json.loads(vouchers.current_public(s, att).pages)
    out = []
    for p in pages:
        data = store.public(p["sha256"]).read_bytes()
        im = Image.open(io.BytesIO(data))
        assert (im.width, im.height) == (p["width"], p["height"]) and im.format == "JPEG"
        out.append(im)
    return out


def counts(ledger):
    with ledger.tx() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Attachment, VoucherPublic, AuditEvent))


def test_a_phone_photo_loses_its_gps_and_shrinks_to_2000px_but_the_original_is_kept(ledger, store):
    entry_id = draft(ledger)
    original = jpeg(size=(2400, 1600), exif=gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test file has GPS
    att_id = upload(ledger, store, entry_id, original, "发票.jpg")
    (im,) = public_images(ledger, store, att_id)
    assert (im.width, im.height) == (2000, 1333)
    assert not im.getexif() and "exif" not in im.info and "icc_profile" not in im.info
    assert b"TestPhone" not in store.public(json.loads(_public_row(ledger, att_id).pages)[0]["sha256"]).read_bytes()
    with ledger.tx() as s:
        att = s.get(Attachment, att_id)
        assert (att.filename, att.media_type, att.size, att.uploaded_by_id) == (
            "发票.jpg", "image/jpeg", len(original), ledger.user(s, "maker").id)
        assert store.original(att.sha256).read_bytes() == original
        assert store.original(att.sha256).parent.name == att.sha256[:2]


def _public_row(ledger, att_id) -> VoucherPublic:
    with ledger.tx() as s:
        return vouchers.current_public(s, s.get(Attachment, att_id))


def test_a_sideways_photo_a_pdf_and_a_heic_become_upright_page_images(ledger, store):
    entry_id = draft(ledger)
    att_id = upload(ledger, store, entry_id, sideways_photo())
    (im,) = public_images(ledger, store, att_id)
    assert (im.width, im.height) == (200, 300)
    rgb = im.convert("RGB")
    r, g, b = rgb.getpixel((185, 15))  # the red corner, now at the top right
    assert r > 200 and g < 60 and b < 60
    assert min(rgb.getpixel((15, 15))) > 200

    one = upload(ledger, store, entry_id, pdf(1), "invoice.pdf")
    two = upload(ledger, store, entry_id, pdf(2), "contract.pdf")
    photo = upload(ledger, store, entry_id, heic(), "IMG_0001.HEIC")
    (page,) = public_images(ledger, store, one)
    assert (page.width, page.height) == (1414, 2000)
    assert len(public_images(ledger, store, two)) == 2
    (im,) = public_images(ledger, store, photo)
    assert (im.width, im.height) == (320, 240)
    with ledger.tx() as s:
        assert [a.media_type for a in s.scalars(select(Attachment).order_by(Attachment.id))] == [
            "image/jpeg", "application/pdf", "application/pdf", "image/heic"]


def test_the_same_file_is_stored_once_and_a_failed_transaction_takes_its_new_files_with_it(ledger, store):
    entry_id = draft(ledger)
    with pytest.raises(RuntimeError):
        with ledger.tx() as s:
            book = ledger.book(s)
            vouchers.upload_voucher(s, ledger.user(s, "maker"), book, entries.get_entry(s, book, entry_id),
                                    png(), "a.png", store, 10**7)
            assert files_under(store.root)
            raise RuntimeError("the commit never happens")
    assert files_under(store.root) == [] and counts(ledger)[0] == 0

    data = png()
    first, second = draft(ledger), draft(ledger)
    upload(ledger, store, first, data, "a.png")
    upload(ledger, store, second, data, "a-copy.png")
    assert len([f for f in files_under(store.root) if f.startswith("originals/")]) == 1
    assert len([f for f in files_under(store.root) if f.startswith("public/")]) == 1
    before = (counts(ledger), files_under(store.root))
    with pytest.raises(vouchers.DuplicateVoucher):
        upload(ledger, store, first, data, "again.png")
    assert (counts(ledger), files_under(store.root)) == before


def test_who_may_attach_and_that_every_refusal_leaves_no_row_and_no_file(ledger, store):
    entry_id = draft(ledger)
    before = (counts(ledger), files_under(store.root))
    for data, name in [(png(), "x.pdf"), (png_header_claiming(30000, 30000), "x.png"), (zip_bomb(), "x.zip"),
                       (jpeg(size=(1200, 900)), "big.jpg")]:
        with pytest.raises(vouchers.VoucherRefused):
            upload(ledger, store, entry_id, data, name, max_bytes=12_000 if name == "big.jpg" else 10**7)
    with pytest.raises(PermissionDenied):
        upload(ledger, store, entry_id, png(), user="reader")
    with pytest.raises(PermissionDenied):
        upload(ledger, store, entry_id, png(), user="watcher")  # the supervisor reads, never attaches
    assert (counts(ledger), files_under(store.root)) == before

    mine = draft(ledger, maker="clerk")  # the property company's clerk, a trustee, made this one
    upload(ledger, store, mine, png(color=(1, 2, 3)), user="clerk")
    upload(ledger, store, mine, png(color=(4, 5, 6)), user="approver1")  # a committee member may too
    theirs = draft(ledger, maker="maker")
    with pytest.raises(PermissionDenied) as info:
        upload(ledger, store, theirs, png(), user="clerk")
    assert "maker" in info.value.message_en and "制单人" in info.value.message_zh


def test_vouchers_go_into_the_hash_chain_and_a_posted_entry_takes_no_more(ledger, store):
    entry_id = draft(ledger)
    upload(ledger, store, entry_id, png())
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.get_entry(s, book, entry_id)
        entries.submit_entry(s, ledger.user(s, "maker"), book, entry)
    with pytest.raises(InvalidState):  # submitted: what the approvers saw is what gets posted
        upload(ledger, store, entry_id, jpeg())
    with ledger.tx() as s:
        book = ledger.book(s)
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entries.get_entry(s, book, entry_id))
    with ledger.tx() as s:
        assert verify_book(s, ledger.book(s)).ok
    before = (counts(ledger), files_under(store.root))
    with pytest.raises(InvalidState) as info:
        upload(ledger, store, entry_id, jpeg())
    assert "hash chain" in info.value.message_en
    assert (counts(ledger), files_under(store.root)) == before


def test_redaction_burns_black_boxes_into_a_new_public_copy_even_after_posting(ledger, store):
    entry_id = draft(ledger)
    att_id = upload(ledger, store, entry_id, png(size=(400, 200)))
    with ledger.tx() as s:
        book = ledger.book(s)
        entries.submit_entry(s, ledger.user(s, "maker"), book, entries.get_entry(s, book, entry_id))
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entries.get_entry(s, book, entry_id))
    with ledger.tx() as s:
        vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id),
                                [{"page": 1, "x": 0, "y": 0, "w": 0.5, "h": 1}], store)
    (im,) = public_images(ledger, store, att_id)
    gray = im.convert("L")
    left = [gray.getpixel((x, y)) for x in range(0, 196, 7) for y in range(0, 200, 7)]
    right = [gray.getpixel((x, y)) for x in range(204, 400, 7) for y in range(0, 200, 7)]
    assert max(left) < 16 and min(right) > 240
    with ledger.tx() as s:
        rows = list(s.scalars(select(VoucherPublic).where(VoucherPublic.attachment_id == att_id).order_by(VoucherPublic.id)))
        assert [json.loads(r.redactions) for r in rows] == [[], [{"page": 1, "x": 0.0, "y": 0.0, "w": 0.5, "h": 1.0}]]
        assert verify_book(s, ledger.book(s)).ok  # the derivative is not part of the chain
        with pytest.raises(PermissionDenied):
            vouchers.redact_voucher(s, ledger.user(s, "watcher"), ledger.book(s), s.get(Attachment, att_id), [], store)


# With a database: the web pages -------------------------------------------------------------


@pytest.fixture
def app(app):
    """The shared back office, with a page that shows the vouchers partial as the entry page does."""

    # Stands in for the entry page, which includes the partial the same way.
    @app.get("/test/<code>/<int:entry_id>")
    def _entry_page(code, entry_id):
        from ledger.db.session import get_session as db
        from ledger.services.access import get_book

        session = db()
        book = get_book(session, code)
        return render_template_string(
            '{% extends "base.html" %}{% block content %}{% include "office/_vouchers.html" %}{% endblock %}',
            book=book, entry=session.get(Entry, entry_id))

    return app


@pytest.fixture
def client(app):
    with app.test_client() as client:
        yield client


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username) -> str:
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token_of(page.text)})
    assert response.status_code == 302
    return token_of(client.get("/books").text)


def get(client, url):
    """GET and read the whole body, so a file sent from disk is closed again."""
    return client.get(url, buffered=True)


def sign_out(client, token):
    client.post("/logout", data={"csrf_token": token})


def post_file(client, token, entry_id, data, name, query=""):
    return client.post(f"/books/T1/entries/{entry_id}/vouchers{query}", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name), "csrf_token": token})


def flashes(client) -> list[str]:
    with client.session_transaction() as sess:
        return [m for _cat, m in sess.get("_flashes", [])]


def only_attachment(ledger) -> Attachment:
    with ledger.tx() as s:
        (att,) = s.scalars(select(Attachment))
        return att


def test_a_treasurer_attaches_a_photo_and_everyone_in_the_book_sees_the_clean_copy(app, client, ledger):
    entry_id = draft(ledger)
    token = sign_in(client, "maker")
    response = post_file(client, token, entry_id, jpeg(size=(2400, 1800), exif=gps_exif()), "小票.jpg")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/books/T1/entries/{entry_id}")
    assert flashes(client) == ["已附上：小票.jpg"]
    att = only_attachment(ledger)
    page = client.get(f"/test/T1/{entry_id}").text
    public_url = f"/books/T1/vouchers/{att.id}/public/1.jpg"
    assert public_url in page and "小票.jpg" in page and 'type="file"' in page and "下载原件" in page
    sign_out(client, token)

    sign_in(client, "reader")
    page = client.get(f"/test/T1/{entry_id}").text
    assert public_url in page and "凭证 1" in page
    assert "小票.jpg" not in page and "/original" not in page and 'type="file"' not in page and "/redact" not in page
    image = get(client, public_url)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    im = Image.open(io.BytesIO(image.data))
    assert max(im.size) == 2000 and not im.getexif()
    assert get(client, f"/books/T1/vouchers/{att.id}/public/2.jpg").status_code == 404


def test_a_viewer_cannot_fetch_the_original_but_the_supervisor_can_and_it_is_audited(app, client, ledger):
    entry_id = draft(ledger)
    original = jpeg(exif=gps_exif())
    upload(ledger, vouchers.VoucherStore(app.config["VOUCHER_DIR"]), entry_id, original, "发票.jpg")
    att = only_attachment(ledger)
    url = f"/books/T1/entries/{entry_id}/vouchers/{att.id}/original"
    token = sign_in(client, "reader")
    assert get(client, url).status_code == 403
    assert get(client, f"/books/T1/entries/{entry_id}/vouchers/{att.id}/unredacted/1.jpg").status_code == 403
    assert get(client, f"/books/T1/vouchers/{att.id}/public/1.jpg").status_code == 200
    sign_out(client, token)

    sign_in(client, "outsider")
    assert get(client, url).status_code == 403
    assert get(client, f"/books/T1/vouchers/{att.id}/public/1.jpg").status_code == 403

    client.post("/logout", data={"csrf_token": token_of(client.get("/books").text)})
    sign_in(client, "watcher")
    response = get(client, url)
    assert response.status_code == 200 and response.data == original
    assert response.mimetype == "image/jpeg" and response.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in response.headers["Cache-Control"]
    with ledger.tx() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "voucher.original")))
        assert [(e.user_id, e.target) for e in events] == [(ledger.user(s, "watcher").id, f"attachment:{att.id}")]
        assert json.loads(events[0].detail)["sha256"] == att.sha256


def test_a_png_named_pdf_is_refused_on_the_page_in_either_language(app, client, ledger):
    entry_id = draft(ledger)
    token = sign_in(client, "maker")
    response = post_file(client, token, entry_id, png(), "收据.pdf")
    assert response.status_code == 303
    (message,) = flashes(client)
    assert "收据.pdf" in message and "内容是 PNG" in message
    get(client, "/books?lang=en")
    with client.session_transaction() as sess:
        sess.pop("_flashes", None)
    post_file(client, token, entry_id, zip_bomb(), "invoice.zip")
    (message,) = flashes(client)
    assert message.startswith("this file is not a voucher we can read")
    assert counts(ledger)[:2] == (0, 0) and files_under(Path(app.config["VOUCHER_DIR"])) == []


def test_an_upload_over_the_limit_is_refused_without_storing_anything(app, client, ledger):
    app.config["VOUCHER_MAX_BYTES"] = 50_000
    entry_id = draft(ledger)
    token = sign_in(client, "maker")
    noisy = Image.effect_noise((400, 400), 100).convert("RGB")
    buf = io.BytesIO()
    noisy.save(buf, format="PNG")
    assert len(buf.getvalue()) > 50_000
    assert post_file(client, token, entry_id, buf.getvalue(), "scan.png").status_code == 303
    (message,) = flashes(client)
    assert "文件太大" in message
    app.config["MAX_CONTENT_LENGTH"] = 60_000  # beyond the request limit, Werkzeug stops reading
    with client.session_transaction() as sess:
        sess.pop("_flashes", None)
    response = post_file(client, token, entry_id, b"\0" * 100_000, "huge.jpg")
    assert response.status_code == 303 and "49 KB" in flashes(client)[0]
    assert counts(ledger)[:2] == (0, 0) and files_under(Path(app.config["VOUCHER_DIR"])) == []


def test_uploading_to_a_posted_entry_is_refused(app, client, ledger):
    ledger.post(D(2026, 3, 5), "收3月物业费", *FEE)
    with ledger.tx() as s:
        entry_id = s.scalar(select(Entry.id))
    token = sign_in(client, "maker")
    assert 'type="file"' not in client.get(f"/test/T1/{entry_id}").text
    response = post_file(client, token, entry_id, jpeg(), "late.jpg", query="?lang=en")
    assert response.status_code == 303
    assert "only while the entry is a draft or rejected" in flashes(client)[0]
    assert counts(ledger)[0] == 0


def test_uploads_without_the_csrf_token_or_the_right_role_are_refused(app, client, ledger):
    entry_id = draft(ledger)
    token = sign_in(client, "maker")
    response = client.post(f"/books/T1/entries/{entry_id}/vouchers", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(jpeg()), "a.jpg")})
    assert response.status_code == 400 and counts(ledger)[0] == 0
    sign_out(client, token)
    token = sign_in(client, "reader")
    assert post_file(client, token, entry_id, jpeg(), "a.jpg").status_code == 403
    sign_out(client, token)
    token = sign_in(client, "outsider")
    assert post_file(client, token, entry_id, jpeg(), "a.jpg").status_code == 403
    assert post_file(client, token, 9999, jpeg(), "a.jpg").status_code == 403
    assert counts(ledger)[0] == 0


def test_the_committee_draws_a_box_in_the_editor_and_the_public_copy_is_black_there(app, client, ledger):
    entry_id = draft(ledger)
    upload(ledger, vouchers.VoucherStore(app.config["VOUCHER_DIR"]), entry_id, png(size=(400, 200)), "名单.png")
    att = only_attachment(ledger)
    base = f"/books/T1/entries/{entry_id}/vouchers/{att.id}"

    token = sign_in(client, "watcher")  # the supervisor reads originals but does not redact
    assert get(client, base + "/redact").status_code == 403
    sign_out(client, token)

    sign_in(client, "approver1")
    editor = client.get(base + "/redact")
    assert editor.status_code == 200
    html = editor.text
    assert f'{base}/unredacted/1.jpg' in html and "redact.js" in html and "<script>" not in html
    token = token_of(html)
    response = client.post(base + "/redact", json={"redactions": [{"page": 1, "x": 0, "y": 0, "w": 0.5, "h": 1}]},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json["ok"]
    (public_url,) = response.json["pages"]
    gray = Image.open(io.BytesIO(get(client, public_url).data)).convert("L")
    assert max(gray.getpixel((x, 100)) for x in range(0, 196, 5)) < 16
    assert min(gray.getpixel((x, 100)) for x in range(204, 400, 5)) > 240
    # The editor still shows the page as it was, to the committee only, and says so in the audit log.
    clean = Image.open(io.BytesIO(get(client, base + "/unredacted/1.jpg").data)).convert("L")
    assert min(clean.getpixel((x, 100)) for x in range(0, 400, 5)) > 240
    assert "&#34;w&#34;: 0.5" in client.get(base + "/redact").text  # the boxes come back to be edited

    bad = client.post(base + "/redact?lang=en", json={"redactions": [{"page": 3, "x": 0, "y": 0, "w": 1, "h": 1}]},
                      headers={"X-CSRFToken": token})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "redactions[0].page"
    assert "page must be from 1 to 1" in bad.json["message"]
    no_token = client.post(base + "/redact", json={"redactions": []})
    assert no_token.status_code == 400
    with ledger.tx() as s:
        assert s.scalar(select(func.count()).select_from(VoucherPublic)) == 2
        actions = [a for (a,) in s.execute(select(AuditEvent.action).order_by(AuditEvent.id))]
        assert actions.count("voucher.redact") == 1 and "voucher.original" in actions


def test_the_upload_form_takes_several_photos_at_once(app, client, ledger):
    entry_id = draft(ledger)
    token = sign_in(client, "maker")
    response = client.post(f"/books/T1/entries/{entry_id}/vouchers", content_type="multipart/form-data", data={
        "file": [(io.BytesIO(jpeg()), "1.jpg"), (io.BytesIO(pdf()), "2.pdf"), (io.BytesIO(heic()), "3.heic")],
        "csrf_token": token})
    assert response.status_code == 303 and flashes(client) == ["已附上：1.jpg, 2.pdf, 3.heic"]
    assert counts(ledger)[:2] == (3, 3)
    with client.session_transaction() as sess:
        sess.pop("_flashes", None)
    # One bad file in a batch refuses the batch, naming the file; nothing of it stays.
    before = files_under(Path(app.config["VOUCHER_DIR"]))
    client.post(f"/books/T1/entries/{entry_id}/vouchers", content_type="multipart/form-data", data={
        "file": [(io.BytesIO(png()), "ok.png"), (io.BytesIO(png()), "lie.pdf")], "csrf_token": token})
    assert flashes(client)[0].startswith("文件 lie.pdf：")
    assert counts(ledger)[:2] == (3, 3) and files_under(Path(app.config["VOUCHER_DIR"])) == before
    # A wrong photo comes off the draft again, and its files with it (nothing else uses them).
    with ledger.tx() as s:
        wrong = s.scalar(select(Attachment).where(Attachment.filename == "1.jpg"))
    with client.session_transaction() as sess:
        sess.pop("_flashes", None)
    response = client.post(f"/books/T1/entries/{entry_id}/vouchers/{wrong.id}/delete", data={"csrf_token": token})
    assert response.status_code == 303 and flashes(client) == ["已删除：1.jpg"]
    assert counts(ledger)[:2] == (2, 2)
    left = files_under(Path(app.config["VOUCHER_DIR"]))
    assert not any(wrong.sha256 in f for f in left) and len(left) == len(before) - 3  # original, page, editor's copy
