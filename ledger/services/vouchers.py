"""Vouchers (原始凭证): attach a photo or scan to an entry, publish a redacted copy.

The original bytes are kept as they came, content-addressed by SHA-256 under
``<voucher dir>/originals/``, outside the web root, and only the book's
committee, treasurer and supervisor may read them (each read is audited). The
public gets a derivative: decoded, turned upright, re-encoded as JPEG with no
metadata at all, at most 2000 px on its long side, with the committee's
redaction boxes burned in; PDFs become one JPEG per page. A file's type is what
its bytes are, never what its name or the browser says; a name that claims
another type is refused as a lie.

Files are written only after every check has passed and the rows have been
flushed (so the database's guards have had their say); if the transaction is
rolled back afterwards, the files it created are removed again.
"""
from __future__ import annotations

import hashlib
import io
import json
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
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from ..db.schema import Attachment, Book, Entry, User, VoucherPublic
from ..domain.chain import canonical_json, public_copy_message, sha256_hex, signature_ok
from ..domain.errors import InvalidInput, LedgerError, NotFound
from ..domain.permissions import Action
from .access import audit, can, require
from .posting import lock_book
from .signing import keys_for

pillow_heif.register_heif_opener()

MAX_SIDE = 2000  # px, the public derivative's long side
MAX_PIXELS = 60_000_000  # refused from the header, before anything is decoded
MAX_PDF_PAGES = 20
MAX_BOXES = 200
JPEG_QUALITY = 85

# Who may do what with vouchers (the global admin may do all of it).

# What Pillow may try to decode: nothing else gets a parser run over it.
PILLOW_FORMATS = ["JPEG", "PNG", "WEBP", "HEIF"]


@dataclass(frozen=True)
class Kind:
    media_type: str
    extension: str  # used for a download name that lacks one
    extensions: frozenset[str]  # names that honestly say this type
    label: str


JPEG = Kind("image/jpeg", ".jpg", frozenset({".jpg", ".jpeg", ".jpe", ".jfif"}), "JPEG")
PNG = Kind("image/png", ".png", frozenset({".png"}), "PNG")
WEBP = Kind("image/webp", ".webp", frozenset({".webp"}), "WebP")
HEIC = Kind("image/heic", ".heic", frozenset({".heic", ".heif", ".hif"}), "HEIC")
HEIF = Kind("image/heif", ".heif", frozenset({".heic", ".heif", ".hif"}), "HEIF")
PDF = Kind("application/pdf", ".pdf", frozenset({".pdf"}), "PDF")
KINDS = (JPEG, PNG, WEBP, HEIC, HEIF, PDF)
KNOWN_EXTENSIONS = frozenset().union(*(k.extensions for k in KINDS))
_BY_PILLOW_FORMAT = {"JPEG": JPEG, "MPO": JPEG, "PNG": PNG, "WEBP": WEBP}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}

ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif,application/pdf"

# PDFium is not thread-safe; a threaded server renders one PDF at a time.
_PDFIUM_LOCK = threading.Lock()


# Refusals ---------------------------------------------------------------------------


class VoucherRefused(InvalidInput):
    """A file that cannot be a voucher."""

    code = "voucher_refused"


class VoucherTooLarge(VoucherRefused):
    code = "voucher_too_large"
    status = 413


class UnsupportedVoucher(VoucherRefused):
    code = "voucher_unsupported_type"
    status = 415


class VoucherTypeMismatch(VoucherRefused):
    code = "voucher_type_mismatch"
    status = 415


class VoucherUnreadable(VoucherRefused):
    code = "voucher_unreadable"


class DuplicateVoucher(LedgerError):
    code = "voucher_duplicate"
    status = 409


class InvalidRedactions(InvalidInput):
    code = "invalid_redactions"


def human_size(n: int) -> str:
    """A size as people read it: 980 KB, 20 MB, 1.5 MB."""
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    mb = n / (1024 * 1024)
    return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"


# Storage ----------------------------------------------------------------------------


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


def _after_rollback_remove(session: Session, paths: list[Path]) -> None:
    """Remove files this transaction created if it does not commit."""
    if not paths:
        return
    state = {"done": False}

    def committed(_session):
        state["done"] = True

    def rolled_back(_session):
        if not state["done"]:
            state["done"] = True
            for p in paths:
                p.unlink(missing_ok=True)

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_rollback", rolled_back)


def _after_commit_remove(session: Session, paths: list[Path]) -> None:
    if not paths:
        return
    state = {"done": False}

    def committed(_session):
        if not state["done"]:
            state["done"] = True
            for p in paths:
                p.unlink(missing_ok=True)

    def rolled_back(_session):
        state["done"] = True

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_rollback", rolled_back)


# Reading the bytes ------------------------------------------------------------------


@dataclass(frozen=True)
class Sniffed:
    kind: Kind
    pages: int


def check_name(kind: Kind, filename: str) -> None:
    """Refuse a name whose extension claims another voucher type than the bytes are."""
    ext = Path(filename or "").suffix.lower()
    if ext in KNOWN_EXTENSIONS and ext not in kind.extensions:
        raise VoucherTypeMismatch(
            f"文件 {filename} 的扩展名是 {ext}，但内容是 {kind.label}：文件类型与名称不符，已拒收",
            f"file {filename} is named {ext} but its content is {kind.label}: its name lies about its type, so it was refused",
            "file",
        )


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


def _unsupported() -> VoucherRefused:
    return UnsupportedVoucher(
        "无法识别的文件：凭证只收 JPEG、PNG、WebP、HEIC 照片或 PDF",
        "this file is not a voucher we can read: send a JPEG, PNG, WebP or HEIC photo, or a PDF",
        "file",
    )


def _too_many_pixels(width: int | None, height: int | None) -> VoucherRefused:
    size = f"{width}×{height}" if width else ""
    return VoucherTooLarge(
        f"图片尺寸过大{('（' + size + '）') if size else ''}，最多 {MAX_PIXELS // 1_000_000} 百万像素",
        f"the image is too large{(' (' + size + ')') if size else ''}: at most {MAX_PIXELS // 1_000_000} megapixels",
        "file",
    )


def _check_pixels(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise _unreadable()
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(width, height)


def _unreadable() -> VoucherRefused:
    return VoucherUnreadable(
        "文件已损坏或不完整，无法读取", "the file is damaged or incomplete and cannot be read", "file"
    )


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


# Making the public pages ------------------------------------------------------------


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


MIN_BOX = 0.002  # of a page's side: 4 px of a 2000-px page; less would burn nothing visible


def parse_redactions(raw, page_count: int) -> list[dict]:
    """Boxes as fractions of their page: a list of {"page", "x", "y", "w", "h"}; page 1 is the first."""
    if isinstance(raw, (str, bytes)):
        try:
            raw = json.loads(raw or "[]")
        except ValueError:
            raise InvalidRedactions("遮盖框数据不是有效的 JSON", "the redaction boxes are not valid JSON", "redactions") from None
    if isinstance(raw, dict) and "redactions" in raw:
        raw = raw["redactions"]
    if not isinstance(raw, list):
        raise InvalidRedactions("遮盖框须为列表", "the redaction boxes must be a list", "redactions")
    if len(raw) > MAX_BOXES:
        raise InvalidRedactions(
            f"遮盖框最多 {MAX_BOXES} 个", f"at most {MAX_BOXES} redaction boxes", "redactions"
        )
    boxes = []
    for i, box in enumerate(raw):
        field = f"redactions[{i}]"
        if not isinstance(box, dict):
            raise InvalidRedactions(f"第 {i + 1} 个遮盖框格式不对", f"redaction box {i + 1} is not an object", field)
        page = box.get("page", 1)
        if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= page_count:
            raise InvalidRedactions(
                f"第 {i + 1} 个遮盖框的页码须在 1 到 {page_count} 之间",
                f"redaction box {i + 1}: page must be from 1 to {page_count}",
                f"{field}.page",
            )
        values = {}
        for key in ("x", "y", "w", "h"):
            v = box.get(key)
            # A box may be dragged a little past an edge; anything wilder is a mistake.
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not -1 <= v <= 2:
                raise InvalidRedactions(
                    f"第 {i + 1} 个遮盖框的 {key} 须是 0 到 1 之间的数",
                    f"redaction box {i + 1}: {key} must be a number from 0 to 1",
                    f"{field}.{key}",
                )
            values[key] = float(v)
        # Keep the box on the page: clamp both corners, then refuse what is left if it would burn nothing.
        x0, y0 = max(values["x"], 0.0), max(values["y"], 0.0)
        x1, y1 = min(values["x"] + values["w"], 1.0), min(values["y"] + values["h"], 1.0)
        x, y, w, h = round(x0, 6), round(y0, 6), round(x1 - x0, 6), round(y1 - y0, 6)
        if w < MIN_BOX or h < MIN_BOX:
            raise InvalidRedactions(
                f"第 {i + 1} 个遮盖框太小或在页面之外，遮不住任何内容",
                f"redaction box {i + 1} is too small or off the page: it would hide nothing",
                field,
            )
        boxes.append({"page": page, "x": x, "y": y, "w": w, "h": h})
    return boxes


# Permissions ------------------------------------------------------------------------


def may_upload(session: Session, user: User, book: Book, entry: Entry) -> bool:
    return can(session, user, Action.ATTACH_VOUCHER, book, entry)


def may_redact(session: Session, user: User, book: Book) -> bool:
    return can(session, user, Action.REDACT_VOUCHER, book)


def may_see_originals(session: Session, user: User, book: Book) -> bool:
    return can(session, user, Action.SEE_ORIGINALS, book)


# Use cases --------------------------------------------------------------------------


@dataclass
class VoucherView:
    attachment: Attachment
    public: VoucherPublic | None
    uploaded_by: str

    @property
    def pages(self) -> list[dict]:
        return json.loads(self.public.pages) if self.public else []

    @property
    def redactions(self) -> list[dict]:
        return json.loads(self.public.redactions) if self.public else []


def get_attachment(session: Session, book: Book, attachment_id: int, entry_id: int | None = None) -> Attachment:
    """A voucher of this book (and of this entry, when given); NotFound otherwise."""
    att = session.get(Attachment, attachment_id)
    entry = session.get(Entry, att.entry_id) if att is not None else None
    if att is None or entry is None or entry.book_id != book.id or (entry_id is not None and att.entry_id != entry_id):
        raise NotFound(f"账簿 {book.code} 中没有附件 {attachment_id}", f"book {book.code} has no voucher {attachment_id}", "attachment")
    return att


def public_copy_digest(public: VoucherPublic) -> str:
    return sha256_hex(canonical_json({"pages": json.loads(public.pages), "redactions": json.loads(public.redactions)}))


def sign_public(session: Session, book: Book, public: VoucherPublic) -> None:
    """Number a new public copy after its attachment's others and sign it: a row written or copied by SQL
    then shows nowhere (the newest signed copy is shown, by number)."""
    if public.seq is None:
        public.seq = 1 + (session.scalar(select(func.max(VoucherPublic.seq))
                                         .where(VoucherPublic.attachment_id == public.attachment_id)) or 0)
    public.signature = keys_for(session).signer(book.code).sign(
        public_copy_message(book.code, public.attachment_id, public.seq, public_copy_digest(public)))


def public_copy_ok(book: Book, key: str, public: VoucherPublic) -> bool:
    try:
        digest = public_copy_digest(public)
    except (ValueError, TypeError):
        return False
    return public.seq is not None and signature_ok(
        key, public_copy_message(book.code, public.attachment_id, public.seq, digest), public.signature)


def _newest_signed(session: Session, attachment_ids: list[int]) -> dict[int, VoucherPublic]:
    """Each attachment's newest public copy that carries its book's signature."""
    found: dict[int, VoucherPublic] = {}
    if not attachment_ids:
        return found
    rows = session.execute(
        select(VoucherPublic, Book).join(Attachment, Attachment.id == VoucherPublic.attachment_id)
        .join(Entry, Entry.id == Attachment.entry_id).join(Book, Book.id == Entry.book_id)
        .where(VoucherPublic.attachment_id.in_(attachment_ids), VoucherPublic.seq.is_not(None))
        .order_by(VoucherPublic.seq.desc(), VoucherPublic.id.desc())
    ).all()
    keys, public_keys = keys_for(session), {}
    for public, book in rows:
        if public.attachment_id in found:
            continue
        if book.code not in public_keys:
            public_keys[book.code] = keys.public_key(book.code) if keys.has(book.code) else None
        if public_keys[book.code] and public_copy_ok(book, public_keys[book.code], public):
            found[public.attachment_id] = public
    return found


def current_public(session: Session, attachment: Attachment) -> VoucherPublic | None:
    return _newest_signed(session, [attachment.id]).get(attachment.id)


def list_vouchers(session: Session, user: User, book: Book, entry: Entry) -> list[VoucherView]:
    require(session, user, Action.READ_BOOK, book)
    atts = list(session.scalars(select(Attachment).where(Attachment.entry_id == entry.id).order_by(Attachment.id)))
    if not atts:
        return []
    publics = _newest_signed(session, [a.id for a in atts])
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_({a.uploaded_by_id for a in atts}))).all())
    return [VoucherView(a, publics.get(a.id), names.get(a.uploaded_by_id, "")) for a in atts]


def _clean_name(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:255] or "voucher"


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


def check_request_size(files: int, max_files: int) -> None:
    if files > max_files:
        raise VoucherRefused(f"一次最多上传 {max_files} 个文件（这次有 {files} 个）；请分几次上传",
                             f"at most {max_files} files in one upload (this one has {files}); send them in parts", "file")


def declared_pixels(data: bytes) -> int:
    """The pixels an image says it has, read from its header without decoding (0 for a PDF or the unreadable:
    those are bounded when they are rendered)."""
    try:
        with Image.open(io.BytesIO(data), formats=PILLOW_FORMATS) as im:
            return im.size[0] * im.size[1]
    except Exception:
        return 0


def check_request_pixels(pixels: int, max_pixels: int) -> None:
    if pixels > max_pixels:
        raise VoucherRefused(
            f"这次上传的图片合计超过 {max_pixels // 1_000_000} 百万像素；请分几次上传，或先缩小照片",
            f"the images in this upload exceed {max_pixels // 1_000_000} megapixels together; "
            "send them in parts or make the photos smaller",
            "file",
        )


def prepare_voucher(data: bytes, filename: str, max_bytes: int) -> PreparedVoucher:
    """Check a file and make its pages, without the database (decoding can take a while)."""
    name = _clean_name(filename)
    sniffed = sniff(data, max_bytes)
    check_name(sniffed.kind, name)
    pages = render_pages(data, sniffed, lambda _no, im: PreparedPage.of(im))
    return PreparedVoucher(data, _sha256(data), name, sniffed.kind, tuple(pages))


def check_may_attach(session: Session, user: User, book: Book, entry: Entry) -> None:
    """Refuse early, before a file is even decoded, if this user may not attach to this entry now."""
    require(session, user, Action.ATTACH_VOUCHER, book, entry)


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


def attach_voucher(
    session: Session, user: User, book: Book, entry: Entry, prepared: PreparedVoucher, store: VoucherStore,
) -> Attachment:
    """Store a prepared file as a voucher of a draft or rejected entry, with its first public copy."""
    check_may_attach(session, user, book, entry)
    lock_book(session, book)  # posting takes the same lock: nothing is attached while it hashes
    session.refresh(entry)
    require(session, user, Action.ATTACH_VOUCHER, book, entry)
    if session.scalar(select(Attachment.id).where(Attachment.entry_id == entry.id, Attachment.sha256 == prepared.sha256)):
        raise DuplicateVoucher(
            f"这个文件（{prepared.filename}）已经附在这张凭证上了",
            f"this file ({prepared.filename}) is already attached to this entry", "file",
        )
    att = Attachment(entry_id=entry.id, sha256=prepared.sha256, filename=prepared.filename,
                     media_type=prepared.kind.media_type, size=len(prepared.data), uploaded_by_id=user.id)
    session.add(att)
    session.flush()  # the database's guards speak here, before any file exists
    session.expire(entry, ["attachments"])

    # Before any box is drawn the public pages are the unredacted ones; the editor's copy is kept apart.
    created = _write_all(store, [(store.original(prepared.sha256), prepared.data)]
                         + [(store.unredacted(prepared.sha256, no), p.jpeg) for no, p in enumerate(prepared.pages, start=1)]
                         + [(store.public(p.sha256), p.jpeg) for p in prepared.pages])
    _after_rollback_remove(session, created)
    public = VoucherPublic(attachment_id=att.id, redactions="[]",
                           pages=json.dumps([p.meta for p in prepared.pages]), created_by_id=user.id)
    sign_public(session, book, public)
    session.add(public)
    session.flush()
    audit(session, user, book, "voucher.upload", f"attachment:{att.id}", entry=entry.id, sha256=att.sha256,
          filename=att.filename, media_type=att.media_type, size=att.size, pages=len(prepared.pages))
    return att


def upload_voucher(
    session: Session, user: User, book: Book, entry: Entry, data: bytes, filename: str,
    store: VoucherStore, max_bytes: int,
) -> Attachment:
    """Attach a file to a draft or rejected entry and make its public derivative.

    Every check comes before anything is written; a refusal leaves no row and no file.
    """
    check_may_attach(session, user, book, entry)
    return attach_voucher(session, user, book, entry, prepare_voucher(data, filename, max_bytes), store)


def redact_voucher(
    session: Session, user: User, book: Book, attachment: Attachment, raw_redactions, store: VoucherStore,
) -> VoucherPublic:
    """Burn the boxes into a fresh public copy made from the original; the newest copy is the one shown."""
    require(session, user, Action.REDACT_VOUCHER, book)
    data = read_original_bytes(store, attachment)
    sniffed = sniff(data, len(data))
    boxes = parse_redactions(raw_redactions, sniffed.pages)
    pages = render_pages(data, sniffed, lambda no, im: PreparedPage.of(burn_page(im, no, boxes)))
    created = _write_all(store, [(store.public(p.sha256), p.jpeg) for p in pages])
    _after_rollback_remove(session, created)
    public = VoucherPublic(attachment_id=attachment.id, redactions=json.dumps(boxes),
                           pages=json.dumps([p.meta for p in pages]), created_by_id=user.id)
    sign_public(session, book, public)
    session.add(public)
    session.flush()
    audit(session, user, book, "voucher.redact", f"attachment:{attachment.id}", boxes=len(boxes))
    return public


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


@dataclass(frozen=True)
class OriginalFile:
    path: Path
    media_type: str
    download_name: str


def open_original(
    session: Session, user: User, book: Book, attachment: Attachment, store: VoucherStore, purpose: str = "download",
) -> OriginalFile:
    """The original file, for the committee, treasurer and supervisor only; the read is audited."""
    _require_originals(session, user, book)
    path = store.original(attachment.sha256)
    if not path.is_file():
        raise _original_missing()
    audit(session, user, book, "voucher.original", f"attachment:{attachment.id}", purpose=purpose,
          sha256=attachment.sha256, filename=attachment.filename)
    kind = _kind_of(attachment)
    name = attachment.filename
    if Path(name).suffix.lower() not in kind.extensions:
        name += kind.extension
    return OriginalFile(path, attachment.media_type, name)


def _require_originals(session: Session, user: User, book: Book) -> None:
    require(session, user, Action.SEE_ORIGINALS, book)


def unredacted_page(
    session: Session, user: User, book: Book, attachment: Attachment, page: int, store: VoucherStore,
) -> Path:
    """The re-encoded page before redaction (for the redaction editor); audited as a view of the original."""
    _require_originals(session, user, book)
    public = current_public(session, attachment)
    count = len(json.loads(public.pages)) if public else 0
    if not 1 <= page <= count:
        raise NotFound(f"没有第 {page} 页", f"there is no page {page}", "page")
    path = store.unredacted(attachment.sha256, page)
    if not path.is_file():  # the cache was cleared: make it again from the original
        data = read_original_bytes(store, attachment)
        render_pages(data, sniff(data, len(data)),
                     lambda no, im: store.write(store.unredacted(attachment.sha256, no), encode_jpeg(im)))
    audit(session, user, book, "voucher.original", f"attachment:{attachment.id}", purpose="unredacted page",
          page=page, sha256=attachment.sha256)
    return path


def public_page(session: Session, user: User, book: Book, attachment: Attachment, page: int, store: VoucherStore) -> Path:
    """The published JPEG of one page (redactions burned in), for anyone with a role in the book."""
    require(session, user, Action.READ_BOOK, book)
    public = current_public(session, attachment)
    pages = json.loads(public.pages) if public else []
    if not 1 <= page <= len(pages):
        raise NotFound(f"没有第 {page} 页", f"there is no page {page}", "page")
    path = store.public(pages[page - 1]["sha256"])
    if not path.is_file():
        raise NotFound("凭证图片文件不见了，请联系管理员", "the voucher image file is missing; tell the administrator", "page")
    return path


def delete_voucher(session: Session, user: User, book: Book, attachment: Attachment, store: VoucherStore) -> None:
    """Take a voucher off a draft or rejected entry; its files go once nothing else uses them."""
    entry = session.get(Entry, attachment.entry_id)
    require(session, user, Action.ATTACH_VOUCHER, book, entry)
    lock_book(session, book)
    session.refresh(entry)
    require(session, user, Action.ATTACH_VOUCHER, book, entry)
    publics = list(session.scalars(select(VoucherPublic).where(VoucherPublic.attachment_id == attachment.id)))
    page_shas = {p["sha256"] for vp in publics for p in json.loads(vp.pages)}
    session.execute(delete(VoucherPublic).where(VoucherPublic.attachment_id == attachment.id))
    sha, att_id, name = attachment.sha256, attachment.id, attachment.filename
    session.delete(attachment)
    session.flush()
    session.expire(entry, ["attachments"])

    doomed: list[Path] = []
    if not session.scalar(select(func.count()).select_from(Attachment).where(Attachment.sha256 == sha)):
        doomed.append(store.original(sha))
        doomed += sorted((store.root / "unredacted" / sha).glob("*.jpg"))
    for page_sha in page_shas:
        if not session.scalar(select(VoucherPublic.id).where(VoucherPublic.pages.contains(page_sha)).limit(1)):
            doomed.append(store.public(page_sha))
    _after_commit_remove(session, doomed)
    audit(session, user, book, "voucher.delete", f"attachment:{att_id}", entry=entry.id, sha256=sha, filename=name)
