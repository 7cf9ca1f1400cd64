"""A witness of each book's signed state, kept beside its key, outside the database.

Signatures prove that what the database holds was signed; they cannot show that something
signed was taken away from the end (the last entries and the head, the latest close record,
a whole book), nor pin settings that are plain columns. The witness can:
`<BOOK>.witness.json` in the key folder holds the book's chain head (position and hash), its
lock date, the SHA-256 of its settings (first month, approval threshold, each fund's
restriction, each account's type and cash flag) and the SHA-256 of the number of the newest public
copy of each posted entry's voucher.

It is rewritten while the book's lock is held, just before each transaction that changes one
of those commits (`touch` marks the book; a `before_commit` hook writes). Posting and closing
refuse to go on when the database disagrees with it, and `ledger verify` names the difference.
Whoever can write the key folder can also sign, so it asks no more trust than the key does.
A book that has no witness yet (history from before it existed) gets one from
`ledger db upgrade` or its next change.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import threading
from collections.abc import Iterator

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ..db.schema import Account, Attachment, Book, BookHead, Entry, Fund, PeriodClose, VoucherPublic
from ..domain.chain import GENESIS, canonical_json, sha256_hex
from ..domain.errors import LedgerError
from ..domain.model import EntryStatus
from .signing import KeyStore, keys_for

_TOUCHED = "witness_books"
_CHECKED = "witness_checked"  # books found to agree with their witness in this transaction
_WRITTEN = "witness_written"  # (keys, book code, file text before, state written) until COMMIT is known


class WitnessMismatch(LedgerError):
    """The database is not what the witness beside the book's key says was committed."""

    code = "witness_mismatch"
    status = 409


def settings_doc(session: Session, book: Book) -> dict:
    """What the approval and fund rules read from plain columns, which no entry's signature covers."""
    return {
        "book": book.code,
        "start_date": book.start_date.isoformat() if book.start_date else None,
        "approval_threshold_fen": book.approval_threshold_fen,
        "funds": {code: bool(restricted) for code, restricted in
                  session.execute(select(Fund.code, Fund.restricted).where(Fund.book_id == book.id))},
        "accounts": {code: [kind, bool(cash)] for code, kind, cash in
                     session.execute(select(Account.code, Account.type, Account.cash).where(Account.book_id == book.id))},
    }


def publics_doc(session: Session, book: Book) -> list[list[int]]:
    """[attachment id, number of its newest public copy] for the vouchers of posted entries: a redaction
    deleted by SQL would make an older, unredacted copy the one residents see."""
    return [[att, seq] for att, seq in session.execute(
        select(VoucherPublic.attachment_id, func.max(VoucherPublic.seq))
        .join(Attachment, Attachment.id == VoucherPublic.attachment_id).join(Entry, Entry.id == Attachment.entry_id)
        .where(Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value, VoucherPublic.seq.is_not(None))
        .group_by(VoucherPublic.attachment_id).order_by(VoucherPublic.attachment_id))]


def state(session: Session, book: Book) -> dict:
    head = session.get(BookHead, book.id)
    lock = session.scalar(select(func.max(PeriodClose.through_date)).where(PeriodClose.book_id == book.id))
    return {
        "book": book.code,
        "chain_seq": head.chain_seq if head else 0,
        "hash": head.hash if head else GENESIS,
        "lock": lock.isoformat() if lock else None,
        "settings_sha256": sha256_hex(canonical_json(settings_doc(session, book))),
        "publics_sha256": sha256_hex(canonical_json(publics_doc(session, book))),
    }


def path(keys: KeyStore, book_code: str):
    return keys.root / f"{book_code}.witness.json"


def read(keys: KeyStore, book_code: str) -> dict | None:
    try:
        return json.loads(path(keys, book_code).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        return {"unreadable": True}


def set_aside(keys: KeyStore, book_code: str):
    """Rename an existing witness of this code out of the way (never delete it); its new path, or None."""
    source = path(keys, book_code)
    if not source.exists():
        return None
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = source.with_name(f"{book_code}.witness.{stamp}.set-aside.json")
    os.replace(source, target)
    return target


def _raw(keys: KeyStore, book_code: str) -> str | None:
    try:
        return path(keys, book_code).read_text("utf-8")
    except FileNotFoundError:
        return None


def write(keys: KeyStore, book_code: str, doc: dict) -> None:
    write_text(keys, book_code, json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1))


def write_text(keys: KeyStore, book_code: str, text: str) -> None:
    keys.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = path(keys, book_code)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, target)  # a reader sees the old witness or the new one, never half of one


# What a transaction may move, and the fields of the witness each covers.
CHANGES = {"chain": ("chain_seq", "hash"), "lock": ("lock",), "settings": ("settings_sha256",),
           "publics": ("publics_sha256",)}
ALL = tuple(CHANGES)


def touch(session: Session, book: Book, *changes: str) -> None:
    """This transaction moves what the witness holds (`changes`, of CHANGES; all when none is named): take the
    book's lock, write the witness at commit.

    The database must have agreed with the witness first (`check`, before the change): otherwise a harmless
    change (a new account) would rewrite the witness over what SQL took away, and launder it. At commit, what
    the transaction did not say it moves must still be what was checked: on PostgreSQL another session (a SQL
    prompt) can commit in between, and its change must not be written into the witness."""
    from .posting import lock_book  # posting checks the witness: import here, not at the top

    lock_book(session, book)
    if book.id not in session.info.get(_CHECKED, {}):
        check(session, book)
    session.info.setdefault(_TOUCHED, {}).setdefault(book.id, set()).update(changes or ALL)


@contextlib.contextmanager
def _files_locked(keys: KeyStore):
    """One writer of witness files at a time, across processes: a transaction that committed confirms its
    witness only if no later transaction has written another since."""
    keys.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(keys.root / ".witness.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _moved_elsewhere(before: dict, after: dict, changes: set[str]) -> list[str]:
    """The witness fields that changed although this transaction did not move them."""
    return [f for group, fields in CHANGES.items() if group not in changes for f in fields if before.get(f) != after.get(f)]


@event.listens_for(Session, "before_commit")
def _write_touched(session: Session) -> None:
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    session.flush()  # what fails to flush fails before the witness moves
    keys = keys_for(session)
    checked = session.info.get(_CHECKED, {})
    written = session.info.setdefault(_WRITTEN, [])
    for book_id, changes in sorted(touched.items()):
        book = session.get(Book, book_id)
        if book is None:
            continue
        doc = state(session, book)
        moved = _moved_elsewhere(checked.get(book_id) or doc, doc, changes)
        if moved:
            raise WitnessMismatch(
                f"账簿 {book.code} 在本次操作期间被应用之外改动（{', '.join(moved)}），操作已撤销。请运行 ledger verify",
                f"book {book.code} was changed outside the app while this change ran ({', '.join(moved)}); nothing "
                "was saved. Run `ledger verify`", "book")
        with _files_locked(keys):
            before = _raw(keys, book.code)
            write(keys, book.code, doc)
        written.append((keys, book.code, before, doc))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """The COMMIT went through: mark each witness this transaction wrote as confirmed (unless a later one has
    been written since). A confirmed witness ahead of the database is never a crash's doing."""
    session.info.pop(_CHECKED, None)
    for keys, code, _before, doc in session.info.pop(_WRITTEN, None) or []:
        with _files_locked(keys):
            if read(keys, code) == doc:
                write(keys, code, dict(doc, confirmed=True))


@event.listens_for(Session, "after_rollback")
def _put_back(session: Session) -> None:
    """The COMMIT itself failed (connection lost, server restarted, serialization failure) after the witness
    moved: put the witness back, or the book would refuse every later posting for a change that never
    happened. Only a witness still holding what this transaction wrote is put back. A process killed in
    between cannot run this: `ledger keys witness --accept` is for that."""
    session.info.pop(_CHECKED, None)
    for keys, code, before, doc in reversed(session.info.pop(_WRITTEN, None) or []):
        with _files_locked(keys):
            if read(keys, code) != doc:
                continue
            if before is None:
                path(keys, code).unlink(missing_ok=True)
            else:
                write_text(keys, code, before)


@event.listens_for(Session, "after_soft_rollback")
def _forget_touched(session: Session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_TOUCHED, None)
        session.info.pop(_CHECKED, None)


def differences(session: Session, book: Book, witness: dict | None = None,
                now: dict | None = None) -> Iterator[tuple[str, str]]:
    """(zh, en) for each way the database differs from the book's witness; nothing when it has none."""
    witness = read(keys_for(session), book.code) if witness is None else witness
    if witness is None:
        return
    if witness.get("unreadable"):
        yield "见证文件无法读取", "the witness file cannot be read"
        return
    now = state(session, book) if now is None else now
    seq = int(witness.get("chain_seq") or 0)
    if now["chain_seq"] < seq:
        yield (f"链头只到第 {now['chain_seq']} 张，见证记录为第 {seq} 张：有已过账凭证或链头被删除",
               f"the chain head is at {now['chain_seq']}, the witness at {seq}: posted entries or the head were removed")
    elif seq:
        at = session.scalar(select(Entry.hash).where(Entry.book_id == book.id, Entry.chain_seq == seq,
                                                     Entry.status == EntryStatus.POSTED.value))
        if at != witness.get("hash"):
            yield (f"第 {seq} 张已过账凭证的哈希与见证记录不符：链被改写",
                   f"the hash of posted entry {seq} in the chain differs from the witness: the chain was rewritten")
    if now["lock"] != witness.get("lock"):
        yield (f"锁定日（最近结账月末）为 {now['lock'] or '无'}，见证记录为 {witness.get('lock') or '无'}：结账记录被删除或添加",
               f"the lock date (end of the latest closed month) is {now['lock'] or 'none'}, the witness says "
               f"{witness.get('lock') or 'none'}: a close record was removed or added")
    if now["settings_sha256"] != witness.get("settings_sha256"):
        yield ("账簿设置（首月、审批限额、基金是否限定、科目类型）与见证记录不符：在应用之外被改动",
               "the book's settings (first month, approval threshold, fund restrictions, account types) differ from "
               "the witness: they were changed outside the app")
    if "publics_sha256" in witness and now["publics_sha256"] != witness["publics_sha256"]:  # absent: an older witness
        yield ("已过账凭证的公开（遮盖后）版本与见证记录不符：有遮盖版本被删除或添加",
               "the public (redacted) copies of posted entries' vouchers differ from the witness: a redacted copy "
               "was removed or added")


def check(session: Session, book: Book) -> None:
    """Refuse to change a book whose database is not what was committed (see `differences`). Call it under the
    book's lock, before changing what the witness pins; once this transaction has changed it (`touch`), the
    database is ahead of the witness until COMMIT, as it should be, and it is not compared again."""
    if book.id in session.info.get(_TOUCHED, {}) or book.id in session.info.get(_CHECKED, {}):
        return
    now = state(session, book)
    found = list(differences(session, book, now=now))
    if found:
        raise WitnessMismatch(
            f"账簿 {book.code} 的数据库与密钥旁的见证记录不符，暂停过账和结账：" + "；".join(zh for zh, _ in found)
            + "。请运行 ledger verify，并从备份恢复",
            f"the database of book {book.code} differs from the witness beside its key, so posting and closing are "
            "stopped: " + "; ".join(en for _, en in found) + ". Run `ledger verify` and restore from a backup",
            "book",
        )
    session.info.setdefault(_CHECKED, {})[book.id] = now


def orphans(session: Session) -> list[str]:
    """Codes of books that have a key or a witness in the key folder but are not in the database."""
    keys = keys_for(session)
    if not keys.root.is_dir():
        return []
    held = {p.name.split(".")[0] for p in keys.root.iterdir()
            if p.name.endswith((".ed25519", ".witness.json")) and not p.name.startswith(".")}
    present = set(session.scalars(select(Book.code)))
    return sorted(held - present)


def accept(session: Session, actor, book: Book) -> list[tuple[str, str]]:
    """Make the witness agree with the database again, after a process died between writing the witness and
    its COMMIT. The differences it had are returned and kept in the audit log: an operator who accepts a
    database that SQL changed accepts that change, in writing."""
    from .access import audit  # access imports nothing of ours; kept beside its one use

    from .posting import lock_book

    lock_book(session, book)  # nothing posts while the witness is rewritten
    seen = read(keys_for(session), book.code)
    if seen is not None and seen.get("confirmed"):
        raise WitnessMismatch(
            f"账簿 {book.code} 的见证记录是在提交成功之后确认的：数据库丢失了已提交的内容，不是进程中断所致，不能按数据库重写；"
            "请从备份恢复",
            f"the witness of book {book.code} was confirmed after its COMMIT succeeded: the database lost what had been "
            "committed, which no crash does; it cannot be accepted. Restore from a backup", "book")
    now = state(session, book)
    found = list(differences(session, book, now=now))
    session.info.setdefault(_CHECKED, {})[book.id] = now  # accepted as it is, differences and all
    kept = set_aside(keys_for(session), book.code)  # the witness it replaces stays beside the key, as evidence
    touch(session, book)
    audit(session, actor, book, "witness.accept", book.code, differences=[en for _, en in found],
          earlier_witness=kept.name if kept else None)
    return found
