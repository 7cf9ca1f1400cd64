"""Voucher files: where they are kept, and how a photo or PDF becomes clean public pages.

The original bytes are kept as they came, content-addressed by SHA-256 under
``<voucher dir>/originals/``, outside the web root. The public gets a derivative: decoded,
turned upright, re-encoded as JPEG with no metadata at all, at most 2000 px on its long side,
with the committee's redaction boxes burned in; PDFs become one JPEG per page.

Files are written only after every check has passed and the rows have been flushed (so the
database's guards have had their say); if the transaction is rolled back afterwards, the files
it created are removed again, and files of rows deleted go only once the deletion commits.
"""
from __future__ import annotations

import hashlib
import io
import math
import os
import struct
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from ..db.schema import Attachment
from ..domain.errors import LedgerError, NotFound
from ..domain.vouchers import (
    HEIC, HEIF, JPEG, KINDS, MAX_PDF_PAGES, MAX_SIDE, PDF, PNG, WEBP, Kind, UnsupportedVoucher, VoucherRefused,
    VoucherTooLarge, VoucherUnreadable, _check_pixels, _clean_name, _too_many_pixels, _unreadable, _unsupported,
    check_name, human_size,
)
from .unit_of_work import when_transaction_ends

pillow_heif.register_heif_opener()


JPEG_QUALITY = 85

# What Pillow may try to decode: nothing else gets a parser run over it.
PILLOW_FORMATS = ["JPEG", "PNG", "WEBP", "HEIF"]


_BY_PILLOW_FORMAT = {"JPEG": JPEG, "MPO": JPEG, "PNG": PNG, "WEBP": WEBP}


_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}

# PDFium is not thread-safe; a threaded server renders one PDF at a time.
_PDFIUM_LOCK = threading.Lock()


class VoucherStore:
    """Files named by their SHA-256 under one private folder.

    ``originals/ab/<sha256>``: the uploaded bytes; ``public/ab/<sha256>``: the
    published JPEG pages; ``unredacted/<original sha256>/<page>.jpg``: the
    re-encoded pages before redaction, a cache for the redaction editor.
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def original(self, sha256: str) -> Path:
        return self._addressed("originals", sha256)

    def public(self, sha256: str) -> Path:
        return self._addressed("public", sha256)

    def unredacted(self, original_sha256: str, page: int) -> Path:
        _check_hex(original_sha256)
        return self.root / "unredacted" / original_sha256 / f"{page}.jpg"

    def _addressed(self, area: str, sha256: str) -> Path:
        _check_hex(sha256)
        return self.root / area / sha256[:2] / sha256

    @staticmethod
    def write(path: Path, data: bytes) -> bool:
        """Write atomically unless the file is already there; True if this call created it."""
        if path.exists():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True


def _check_hex(sha256: str) -> None:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256: {sha256!r}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _remove(paths: list[Path]) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def _after_rollback_remove(session: Session, paths: list[Path]) -> None:
    """Remove files this transaction created if it does not commit."""
    if paths:
        when_transaction_ends(session, rolled_back=lambda: _remove(paths))


def _after_commit_remove(session: Session, paths: list[Path]) -> None:
    """Remove the files of rows this transaction deletes, once the deletion commits."""
    if paths:
        when_transaction_ends(session, committed=lambda: _remove(paths))


def _write_all(store: VoucherStore, files: Sequence[tuple[Path, bytes]]) -> list[Path]:
    """Write the files; the ones this call created, or none at all if it fails part-way."""
    created: list[Path] = []
    try:
        for path, data in files:
            if store.write(path, data):
                created.append(path)
    except BaseException:
        for p in created:
            p.unlink(missing_ok=True)
        raise
    return created


@dataclass(frozen=True)
class Sniffed:
    kind: Kind
    pages: int


def sniff(data: bytes, max_bytes: int) -> Sniffed:
    """What the bytes are (JPEG, PNG, WebP, HEIC/HEIF or PDF), checked without decoding pixels."""
    if len(data) > max_bytes:
        raise VoucherTooLarge(
            f"文件太大（{human_size(len(data))}），凭证最大 {human_size(max_bytes)}",
            f"the file is too large ({human_size(len(data))}); a voucher may be at most {human_size(max_bytes)}",
            "file",
        )
    if not data:
        raise VoucherRefused("文件是空的", "the file is empty", "file")
    if data.startswith(b"%PDF-"):
        return Sniffed(PDF, _pdf_page_count(data))
    try:
        with Image.open(io.BytesIO(data), formats=PILLOW_FORMATS) as im:
            fmt, (width, height) = im.format, im.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(None, None) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise _unsupported() from None
    _check_pixels(width, height)
    if fmt == "HEIF":
        kind = HEIC if data[8:12] in _HEIC_BRANDS else HEIF
    else:
        kind = _BY_PILLOW_FORMAT.get(fmt)
        if kind is None:
            raise _unsupported()
    return Sniffed(kind, 1)


def _open_pdf(data: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise VoucherUnreadable(
            "PDF 文件已损坏或设有密码，无法打开", "the PDF is damaged or password-protected and cannot be opened", "file"
        ) from None


def _pdf_page_count(data: bytes) -> int:
    with _PDFIUM_LOCK:
        pdf = _open_pdf(data)
        try:
            count = len(pdf)
        finally:
            pdf.close()
    if count < 1:
        raise VoucherUnreadable("PDF 没有页面", "the PDF has no pages", "file")
    if count > MAX_PDF_PAGES:
        raise VoucherRefused(
            f"PDF 共 {count} 页，一张凭证最多 {MAX_PDF_PAGES} 页，请拆分后再上传",
            f"the PDF has {count} pages; a voucher may have at most {MAX_PDF_PAGES}: split it and attach the parts",
            "file",
        )
    return count


def render_pages(data: bytes, sniffed: Sniffed, each: Callable[[int, Image.Image], Any] | None = None) -> list:
    """The voucher as upright RGB pages, at most MAX_SIDE on the long side, with no metadata.

    With `each`, each page is handed to each(page_number, image) as soon as it is made and the
    results are returned instead, so a PDF's pages are never all in memory at once.
    """
    each = each or (lambda _no, im: im)
    if sniffed.kind is PDF:
        return _render_pdf(data, each)
    try:
        with Image.open(io.BytesIO(data), formats=PILLOW_FORMATS) as im:
            _check_pixels(*im.size)
            im.load()
            icc = im.info.get("icc_profile")
            page = _to_rgb(_upright(im), icc)
    except LedgerError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(None, None) from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError):
        raise _unreadable() from None
    return [each(1, _fit(page))]


_TRANSPOSE = {2: [Image.Transpose.FLIP_LEFT_RIGHT], 3: [Image.Transpose.ROTATE_180],
              4: [Image.Transpose.FLIP_TOP_BOTTOM], 5: [Image.Transpose.TRANSPOSE], 6: [Image.Transpose.ROTATE_270],
              7: [Image.Transpose.TRANSVERSE], 8: [Image.Transpose.ROTATE_90]}


def _upright(im: Image.Image) -> Image.Image:
    """The image turned as the camera's EXIF Orientation says.

    ImageOps.exif_transpose also rewrites the other EXIF tags and raised TypeError on a
    photo whose XResolution was stored as text; the orientation alone is all we need,
    and the EXIF itself is dropped when the page is re-encoded."""
    try:
        return ImageOps.exif_transpose(im)
    except (TypeError, ValueError, KeyError, SyntaxError, struct.error):
        pass
    try:
        orientation = im.getexif().get(0x0112)
    except Exception:  # unreadable EXIF: take the pixels as they come
        orientation = None
    out = im
    for step in _TRANSPOSE.get(orientation, []) if isinstance(orientation, int) else []:
        out = out.transpose(step)
    return out


def _to_rgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Plain sRGB pixels: transparency on white, 16-bit scaled down, a colour profile applied."""
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode == "P":
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        im = flat
    if icc and im.mode in ("RGB", "CMYK", "L"):
        try:
            from PIL import ImageCms

            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            im = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except Exception:  # a broken profile: keep the pixels as they are
            pass
    out = im.convert("RGB")
    out.info = {}
    return out


def _fit(im: Image.Image) -> Image.Image:
    if max(im.size) > MAX_SIDE:
        im = im.copy()
        im.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    im.info = {}
    return im


def _render_pdf(data: bytes, each: Callable[[int, Image.Image], Any]) -> list:
    out = []
    with _PDFIUM_LOCK:
        pdf = _open_pdf(data)
        try:
            count = len(pdf)
            if not 1 <= count <= MAX_PDF_PAGES:
                raise VoucherRefused(
                    f"PDF 页数须在 1 到 {MAX_PDF_PAGES} 之间", f"the PDF must have 1 to {MAX_PDF_PAGES} pages", "file"
                )
            for i in range(count):
                out.append(each(i + 1, _render_pdf_page(pdf, i)))
        finally:
            pdf.close()
    return out


def _render_pdf_page(pdf, index: int) -> Image.Image:
    try:
        page = pdf[index]
        try:
            width, height = page.get_size()
            if not (width > 0 and height > 0):
                raise _unreadable()
            bitmap = page.render(scale=MAX_SIDE / max(width, height), fill_color=(255, 255, 255, 255))
            im = bitmap.to_pil().convert("RGB")
        finally:
            page.close()
    except LedgerError:
        raise
    except Exception:  # PDFium's refusals come in several types; all mean the same to the user
        raise _unreadable() from None
    return _fit(im)


def burn_page(page: Image.Image, number: int, redactions: Sequence[dict]) -> Image.Image:
    """A copy of page `number` with each of its boxes filled solid black (boxes grow to whole pixels)."""
    page = page.copy()
    draw = ImageDraw.Draw(page)
    width, height = page.size
    for box in redactions:
        if box["page"] != number:
            continue
        x0 = math.floor(box["x"] * width)
        y0 = math.floor(box["y"] * height)
        x1 = min(math.ceil((box["x"] + box["w"]) * width), width)
        y1 = min(math.ceil((box["y"] + box["h"]) * height), height)
        if x1 > x0 and y1 > y0:
            draw.rectangle([x0, y0, x1 - 1, y1 - 1], fill=(0, 0, 0))
    page.info = {}
    return page


def encode_jpeg(im: Image.Image) -> bytes:
    """JPEG with nothing but pixels: no EXIF, GPS, ICC profile, comment or thumbnail."""
    buf = io.BytesIO()
    clean = Image.frombytes("RGB", im.size, im.convert("RGB").tobytes())
    clean.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buf.getvalue()


@dataclass(frozen=True)
class PreparedPage:
    jpeg: bytes
    sha256: str
    width: int
    height: int

    @classmethod
    def of(cls, im: Image.Image) -> "PreparedPage":
        jpeg = encode_jpeg(im)
        return cls(jpeg, _sha256(jpeg), im.size[0], im.size[1])

    @property
    def meta(self) -> dict:
        return {"sha256": self.sha256, "width": self.width, "height": self.height}


@dataclass(frozen=True)
class PreparedVoucher:
    """A file that passed every check, with its public pages made; nothing is stored yet."""

    data: bytes
    sha256: str
    filename: str
    kind: Kind
    pages: tuple[PreparedPage, ...]


def declared_pixels(data: bytes) -> int:
    """The pixels an image says it has, read from its header without decoding (0 for a PDF or the unreadable:
    those are bounded when they are rendered)."""
    try:
        with Image.open(io.BytesIO(data), formats=PILLOW_FORMATS) as im:
            return im.size[0] * im.size[1]
    except Exception:
        return 0


def prepare_voucher(data: bytes, filename: str, max_bytes: int) -> PreparedVoucher:
    """Check a file and make its pages, without the database (decoding can take a while)."""
    name = _clean_name(filename)
    sniffed = sniff(data, max_bytes)
    check_name(sniffed.kind, name)
    pages = render_pages(data, sniffed, lambda _no, im: PreparedPage.of(im))
    return PreparedVoucher(data, _sha256(data), name, sniffed.kind, tuple(pages))


def _kind_of(attachment: Attachment) -> Kind:
    for kind in KINDS:
        if kind.media_type == attachment.media_type:
            return kind
    raise UnsupportedVoucher("未知的凭证类型", "unknown voucher type", "attachment")


def read_original_bytes(store: VoucherStore, attachment: Attachment) -> bytes:
    try:
        return store.original(attachment.sha256).read_bytes()
    except FileNotFoundError:
        raise _original_missing() from None


def _original_missing() -> NotFound:
    return NotFound("原始凭证文件不见了，请联系管理员", "the voucher's original file is missing; tell the administrator",
                    "attachment")
