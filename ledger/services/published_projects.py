"""Reading what the back office published about micro-projects, for the public site (issue 10).

The back office writes, after each change commits (services/projects.py), `<BOOK>/projects/<CODE>/progress.json`
with `progress.sig`, the public voucher pages of the project's expenses beside them, and each donation's
`<BOOK>/receipts/<RECEIPT>.json` with its `.sig`. No database row records them, so their only proof is the book's
signature: every document is checked against the book's public key (the `books` row, which the public site may
read) before anything in it is shown, and a document whose signature fails is refused, never shown. A voucher page
is named by the SHA-256 of its bytes and served only when a verified document lists it and its bytes still
have that hash.

What a signature cannot prove: that a document is the newest. An older progress.json of the same project, signed
in its day, put back by someone who can write the folder, would pass. So the back office also records each
document's SHA-256 in published_documents when it publishes it (services/funder_docs.anchor), and a document whose
bytes are not the newest recorded for its path is refused like a forged one (the public site may read that table).

A funder's document (`<BOOK>/funders/<CODE>.json`, by the donor's funder code) and a matching pool's
(`<BOOK>/pools/<POOL>.json`) are read the same way."""
from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import object_session

from ..db.schema import Book, PublishedDocument
from ..domain.chain import funder_message, pool_message, project_message, receipt_message, sha256_hex, signature_ok
from ..domain.errors import LedgerError, NotFound

PROJECT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")  # services/books.py's codes
# services/projects.py's receipt codes: JZ-XXXXX-XXXXX from an alphabet without 0/O and 1/I
RECEIPT_CODE = re.compile(r"JZ-[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}")
FUNDER_CODE = re.compile(r"JF-[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}")  # services/projects.funder_code_for
VOUCHER_PAGE = re.compile(r"vouchers/([0-9a-f]{64})\.jpg")


class Unverified(LedgerError):
    """A published document whose signature does not hold: it is not shown."""


def _not_found(what_zh: str, what_en: str) -> NotFound:
    return NotFound(f"没有公示的{what_zh}", f"no published {what_en}", "code")


def _fresh(book: Book, path: str, body: bytes) -> None:
    """Refuse bytes that are not the newest version recorded for `path` (an older signed copy put back)."""
    session = object_session(book)
    newest = session.scalar(select(PublishedDocument.sha256).where(PublishedDocument.path == path)
                            .order_by(PublishedDocument.seq.desc()).limit(1)) if session is not None else None
    if newest is None or newest != sha256_hex(body):
        raise Unverified("这份公示文件不是账本记录的最新一版，不予显示",
                         "this published document is not the newest version the ledger recorded and is not shown",
                         "code")


def _verified(book: Book, body: bytes, sig_path: Path, message, path: str) -> dict:
    """The document, once its signature holds and its bytes are the newest recorded for `path` (BOOK/...)."""
    try:
        signature = sig_path.read_text("ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        signature = ""
    if not book.public_key or not signature_ok(book.public_key, message(sha256_hex(body)), signature):
        raise Unverified("这份公示文件未通过账簿密钥的签名核验，不予显示",
                         "this published document failed the check of the book's signature and is not shown", "code")
    _fresh(book, path, body)
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Unverified("公示文件无法读取", "the published document cannot be read", "code") from None
    if not isinstance(doc, dict) or doc.get("book") != book.code:
        raise Unverified("公示文件不属于这本账簿", "the published document is not this book's", "code")
    return doc


def project_folder(root: Path, book: Book, code: str) -> Path:
    if not PROJECT_CODE.fullmatch(code or ""):
        raise _not_found("项目", "project")
    return Path(root) / book.code / "projects" / code


def progress_bytes(root: Path, book: Book, code: str) -> tuple[bytes, bytes, dict]:
    """The project's progress.json and progress.sig as published, and the document, once its signature holds."""
    folder = project_folder(root, book, code)
    try:
        body = (folder / "progress.json").read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise _not_found("项目", "project") from None
    doc = _verified(book, body, folder / "progress.sig", lambda sha: project_message(book.code, code, sha),
                    f"{book.code}/projects/{code}/progress.json")
    if doc.get("project") != code:
        raise Unverified("公示文件不属于这个项目", "the published document is not this project's", "code")
    return body, (folder / "progress.sig").read_bytes(), doc


def progress(root: Path, book: Book, code: str) -> dict:
    """A project's verified public progress (services/projects.progress_doc as published)."""
    return progress_bytes(root, book, code)[2]


def project_codes(root: Path, book: Book) -> list[str]:
    """The codes of the book's projects that have a published progress document (verified or not)."""
    folder = Path(root) / book.code / "projects"
    try:
        return sorted(p.name for p in folder.iterdir() if PROJECT_CODE.fullmatch(p.name) and (p / "progress.json").is_file())
    except (FileNotFoundError, NotADirectoryError):
        return []


def books_with_projects(session, root: Path) -> list[tuple[Book, int]]:
    """Each book with published projects, and how many."""
    out = []
    for book in session.scalars(select(Book).order_by(Book.code)):
        count = len(project_codes(root, book))
        if count:
            out.append((book, count))
    return out


STATUS_ORDER = {"open": 0, "funded": 1, "failed": 2}


def projects(root: Path, book: Book) -> tuple[list[dict], int]:
    """The book's verified projects (raising money first, then by deadline) and how many were refused."""
    shown, refused = [], 0
    for code in project_codes(root, book):
        try:
            shown.append(progress(root, book, code))
        except Unverified:
            refused += 1
        except NotFound:
            continue  # gone between the listing and the read
    shown.sort(key=lambda d: (STATUS_ORDER.get(d.get("status"), 9), d.get("deadline") or "", d["project"]))
    return shown, refused


def receipt(root: Path, book: Book, code: str) -> dict:
    """A donation's verified public receipt by its code (spaces and case forgiven: read from paper). NotFound for
    a malformed or unknown code alike."""
    code = (code or "").strip().upper()
    if not RECEIPT_CODE.fullmatch(code):
        raise _not_found("捐款收据", "receipt")
    folder = Path(root) / book.code / "receipts"
    try:
        body = (folder / f"{code}.json").read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise _not_found("捐款收据", "receipt") from None
    doc = _verified(book, body, folder / f"{code}.sig", lambda sha: receipt_message(book.code, code, sha),
                    f"{book.code}/receipts/{code}.json")
    if doc.get("receipt") != code:
        raise Unverified("公示文件不属于这张收据", "the published document is not this receipt's", "code")
    return doc


def voucher_page(root: Path, book: Book, code: str, sha: str) -> bytes:
    """A public voucher page of the project's expenses: listed by its verified progress and still its own bytes."""
    doc = progress(root, book, code)
    path = f"vouchers/{sha}.jpg"
    if not VOUCHER_PAGE.fullmatch(path) or not any(path in e.get("vouchers", ()) for e in doc.get("expenses", ())):
        raise _not_found("凭证", "voucher page")
    try:
        data = (project_folder(root, book, code) / path).read_bytes()
    except FileNotFoundError:
        raise _not_found("凭证", "voucher page") from None
    if sha256_hex(data) != sha:
        raise Unverified("凭证图片与公示不符，不予显示", "the voucher image differs from what was published and is not shown",
                         "code")
    return data


def funder(root: Path, book: Book, code: str) -> dict:
    """A funder's verified document by their funder code (spaces and case forgiven); NotFound for a malformed or
    unknown code alike."""
    code = "".join((code or "").split()).upper()
    if not FUNDER_CODE.fullmatch(code):
        raise _not_found("捐赠记录", "funder")
    folder = Path(root) / book.code / "funders"
    try:
        body = (folder / f"{code}.json").read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise _not_found("捐赠记录", "funder") from None
    doc = _verified(book, body, folder / f"{code}.sig", lambda sha: funder_message(book.code, code, sha),
                    f"{book.code}/funders/{code}.json")
    if doc.get("funder") != code:
        raise Unverified("公示文件不属于这个捐赠者", "the published document is not this funder's", "code")
    return doc


def pool(root: Path, book: Book, code: str) -> dict:
    """A matching pool's verified public document."""
    if not PROJECT_CODE.fullmatch(code or ""):
        raise _not_found("配捐池", "matching pool")
    folder = Path(root) / book.code / "pools"
    try:
        body = (folder / f"{code}.json").read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise _not_found("配捐池", "matching pool") from None
    doc = _verified(book, body, folder / f"{code}.sig", lambda sha: pool_message(book.code, code, sha),
                    f"{book.code}/pools/{code}.json")
    if doc.get("pool") != code:
        raise Unverified("公示文件不属于这个配捐池", "the published document is not this pool's", "code")
    return doc
