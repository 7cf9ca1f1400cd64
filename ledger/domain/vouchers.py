"""The rules of a voucher (原始凭证) that need no file and no database: which kinds of file are taken,
how big, how many at once, what a name may claim, and what a redaction box is.

A file's type is what its bytes are, never what its name or the browser says; a name that claims
another type is refused as a lie. Redaction boxes are fractions of their page, kept on the page.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidInput, LedgerError

MAX_SIDE = 2000  # px, the public derivative's long side

MAX_PIXELS = 60_000_000  # refused from the header, before anything is decoded

MAX_PDF_PAGES = 20

MAX_BOXES = 200

MIN_BOX = 0.002  # of a page's side: 4 px of a 2000-px page; less would burn nothing visible


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

ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif,application/pdf"


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


def check_name(kind: Kind, filename: str) -> None:
    """Refuse a name whose extension claims another voucher type than the bytes are."""
    ext = Path(filename or "").suffix.lower()
    if ext in KNOWN_EXTENSIONS and ext not in kind.extensions:
        raise VoucherTypeMismatch(
            f"文件 {filename} 的扩展名是 {ext}，但内容是 {kind.label}：文件类型与名称不符，已拒收",
            f"file {filename} is named {ext} but its content is {kind.label}: its name lies about its type, so it was refused",
            "file",
        )


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


def check_request_size(files: int, max_files: int) -> None:
    if files > max_files:
        raise VoucherRefused(f"一次最多上传 {max_files} 个文件（这次有 {files} 个）；请分几次上传",
                             f"at most {max_files} files in one upload (this one has {files}); send them in parts", "file")


def check_request_pixels(pixels: int, max_pixels: int) -> None:
    if pixels > max_pixels:
        raise VoucherRefused(
            f"这次上传的图片合计超过 {max_pixels // 1_000_000} 百万像素；请分几次上传，或先缩小照片",
            f"the images in this upload exceed {max_pixels // 1_000_000} megapixels together; "
            "send them in parts or make the photos smaller",
            "file",
        )


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
            values[key] = float(v)  # a fraction of the page's side (geometry, not money)
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


def _clean_name(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:255] or "voucher"
