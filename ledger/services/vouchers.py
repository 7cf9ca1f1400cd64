"""Vouchers (原始凭证): the use cases. Attach photos or scans to an entry, draw redaction boxes for
the public copy, read an original (audited), take a voucher off a draft.

Only the book's committee, treasurer and supervisor may read originals (each read is audited).
The rules of a file and of a box are in `ledger.domain.vouchers`; storing files and making the
public pages, in `voucher_files`. Their names are re-exported here, where callers find them.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..db.schema import Attachment, Book, Entry, User, VoucherPublic
from ..domain.chain import canonical_json, public_copy_message, sha256_hex, signature_ok
from ..domain.errors import LedgerError, NotFound
from ..domain.permissions import Action
from ..domain.vouchers import (  # noqa: F401  (re-exported)
    ACCEPT, KINDS, MAX_BOXES, MAX_PDF_PAGES, MAX_PIXELS, MAX_SIDE, DuplicateVoucher, InvalidRedactions, Kind,
    UnsupportedVoucher, VoucherRefused, VoucherTooLarge, VoucherTypeMismatch, VoucherUnreadable, check_name,
    check_request_pixels, check_request_size, human_size, parse_redactions,
)
from . import witness
from .access import audit, can, require
from .posting import lock_book
from .signing import keys_for
from .unit_of_work import UnitOfWork
from .voucher_files import (  # noqa: F401  (re-exported)
    PreparedPage, PreparedVoucher, Sniffed, VoucherStore, _after_commit_remove, _after_rollback_remove, _kind_of,
    _original_missing, _write_all, burn_page, declared_pixels, encode_jpeg, prepare_voucher, read_original_bytes,
    render_pages, sniff,
)


def may_upload(session: Session, user: User, book: Book, entry: Entry) -> bool:
    return can(session, user, Action.ATTACH_VOUCHER, book, entry)


def may_redact(session: Session, user: User, book: Book) -> bool:
    return can(session, user, Action.REDACT_VOUCHER, book)


def may_see_originals(session: Session, user: User, book: Book) -> bool:
    return can(session, user, Action.SEE_ORIGINALS, book)


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


def newest_public_copies(session: Session, attachment_ids: list[int]) -> dict[int, VoucherPublic]:
    """Each attachment's newest signed public copy: what residents are shown."""
    return _newest_signed(session, attachment_ids)


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


def check_may_attach(session: Session, user: User, book: Book, entry: Entry) -> None:
    """Refuse early, before a file is even decoded, if this user may not attach to this entry now."""
    require(session, user, Action.ATTACH_VOUCHER, book, entry)


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
    witness.touch(session, book, "publics")  # the book's lock, held from numbering the copy to COMMIT; the witness pins it
    public = VoucherPublic(attachment_id=attachment.id, redactions=json.dumps(boxes),
                           pages=json.dumps([p.meta for p in pages]), created_by_id=user.id)
    sign_public(session, book, public)
    session.add(public)
    session.flush()
    audit(session, user, book, "voucher.redact", f"attachment:{attachment.id}", boxes=len(boxes))
    return public


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


@dataclass(frozen=True)
class Upload:
    """A file as a request brought it: its name and at most one byte more than the limit (enough to refuse)."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_files: int
    max_pixels: int  # of all the images of one request together


def prepare_uploads(
    uow: UnitOfWork, book: Book, entry: Entry | None, uploads: Sequence[Upload], limits: UploadLimits,
    all_or_nothing: bool = True,
) -> tuple[list[PreparedVoucher], list[LedgerError]]:
    """Check who may attach and how much, then decode each file with no transaction held.

    Decoding takes a while: holding SQLite's write lock (or a row lock) meanwhile would stop every
    other clerk. The transaction so far is released first; whoever attaches then checks again under
    the book's lock. All or nothing: the first refusal is raised. Otherwise each refused file is
    returned, named, and the others go on."""
    check_request_size(len(uploads), limits.max_files)
    if entry is not None:
        check_may_attach(uow.session, uow.actor, book, entry)
    uow.release()
    prepared: list[PreparedVoucher] = []
    refused: list[LedgerError] = []
    pixels = 0
    for upload in uploads:
        try:
            # Read the size from the header first: refuse before decoding what the request cannot afford.
            pixels += declared_pixels(upload.data)
            check_request_pixels(pixels, limits.max_pixels)
            prepared.append(prepare_voucher(upload.data, upload.filename, limits.max_bytes))
        except VoucherRefused as e:
            named = e.located(f"文件 {upload.filename}", f"file {upload.filename}", "file")
            if all_or_nothing:
                raise named if len(uploads) > 1 else e
            refused.append(named)
    return prepared, refused


def upload_vouchers(uow: UnitOfWork, book: Book, entry: Entry, uploads: Sequence[Upload],
                    limits: UploadLimits) -> list[Attachment]:
    """Attach the files to a draft or rejected entry, all or none (the upload form, the API)."""
    with uow:
        prepared, _refused = prepare_uploads(uow, book, entry, uploads, limits)
        attached = [attach_voucher(uow.session, uow.actor, book, entry, p, uow.store) for p in prepared]
        uow.commit()
        return attached
