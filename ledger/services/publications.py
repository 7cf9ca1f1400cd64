"""Publication (公示) of a closed month: its statements, its entries and their public voucher pages, frozen
as files beside a manifest that lists the SHA-256 of each, with the chain head, signed by the book's key.

A correction is a new version that supersedes the old one; nothing is ever changed or deleted (the rows are
append-only in the database, the files are written once). The message signed is
``publication:BOOK:YYYY-MM:VERSION:MANIFEST_SHA256``, where MANIFEST_SHA256 is the SHA-256 of the
manifest file's bytes (canonical JSON), so anyone holding the book's public key can check a copy.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from .. import config
from ..db.schema import (
    Account, Attachment, Book, BookHead, Entry, Fund, PeriodClose, Publication, PublicationFile, PublicationOpinion, User,
)
from ..domain.chain import GENESIS, canonical_json, opinion_message, publication_message, sha256_hex
from ..domain.errors import InvalidInput, InvalidState, NotFound, PeriodNotReady
from ..domain.money import fen_to_str
from ..domain.model import EntryStatus
from ..domain.permissions import Action
from . import grants, history, notices, statements, tables, trust_publication, witness
from .access import audit, require
from .posting import lock_book
from .signing import keys_for
from .unit_of_work import when_transaction_ends
from .vouchers import VoucherStore, newest_public_copies


# What publishing does, in order: what a progress bar counts.
PUBLISH_STEPS = ("vouchers", "tables", "charts", "statements.pdf", "poster.pdf", "manifest")


def unreviewed_vouchers(session: Session, book: Book, year: int, month: int) -> list[tuple[str, str]]:
    """(entry number, file name) of each voucher of the month's posted entries that nobody has reviewed for
    redaction: its public copy is still the first one, made at upload. Drawing boxes, or confirming there is
    nothing to hide (a copy with no boxes), makes a newer one."""
    rng = statements.month_range(year, month)
    rows = session.execute(
        select(Attachment.id, Attachment.filename, Entry.number)
        .join(Entry, Entry.id == Attachment.entry_id)
        .where(Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value,
               Entry.date >= rng.start, Entry.date <= rng.end)
        .order_by(Entry.number, Attachment.id)
    ).all()
    newest = newest_public_copies(session, [r.id for r in rows])
    return [(r.number, r.filename) for r in rows if newest.get(r.id) is None or (newest[r.id].seq or 0) < 2]


def _statements_doc(session: Session, book: Book, rng: statements.Range) -> dict:
    def rows(items):
        return [{"line": r.line.key, "name_zh": r.line.name_zh, "name_en": r.line.name_en, "accounts": r.codes,
                 "fen": r.values} for r in items]

    act = statements.activities(session, book, rng)
    pos = statements.position(session, book, rng)
    flow = statements.cash_flow(session, book, rng)
    return {
        "book": book.code, "period": rng.label, "start": rng.start.isoformat(), "end": rng.end.isoformat(),
        "activities": {"income": rows(act.income), "expense": rows(act.expense), "totals_fen": act.totals},
        "position": {"assets": rows(pos.assets), "liabilities": rows(pos.liabilities),
                     "net_assets": [{"name_zh": zh, "name_en": en, "fen": v} for zh, en, v in pos.net_assets],
                     "totals_fen": pos.totals},
        "cash_flow": {"receipts": rows(flow.receipts), "payments": rows(flow.payments),
                      "net_assets": rows([flow.net_assets]), "opening_fen": flow.opening, "closing_fen": flow.closing,
                      "totals_fen": flow.totals},
        "funds": [asdict(f) for f in statements.fund_movements(session, book, rng)],
        # The chart's names, so a reader sees "5105 公共水电费" beside a line, not only its statement item.
        "accounts": {code: {"name_zh": zh, "name_en": en} for code, zh, en in session.execute(
            select(Account.code, Account.name_zh, Account.name_en).where(Account.book_id == book.id).order_by(Account.code))},
    }


def _entries_doc(session: Session, book: Book, rng: statements.Range, pages: dict[str, list[str]]) -> list[dict]:
    out = []
    for e in history.iter_posted(session, book, start=rng.start, end=rng.end):
        doc = history_doc(e, book.code)
        doc["voucher_pages"] = [p for sha in sorted(e.attachments) for p in pages.get(sha, [])]
        out.append(doc)
    return out


def history_doc(e, book_code: str) -> dict:
    """An entry as the chain commits to it, with its hash, the previous hash and its signature."""
    from ..domain.chain import canonical_doc

    return dict(canonical_doc(e.posted(book_code)), chain_seq=e.chain_seq, hash=e.hash, prev_hash=e.prev_hash,
                signature=e.signature)


def next_version(session: Session, book: Book, year: int, month: int) -> int:
    latest = session.scalar(select(Publication.version).where(Publication.book_id == book.id, Publication.year == year,
                                                              Publication.month == month).order_by(Publication.version.desc()).limit(1))
    return (latest or 0) + 1


def check_publishable(session: Session, actor: User, book: Book, year: int, month: int) -> None:
    """Refuse, saying why, unless `actor` may publish the month now: it is closed and every voucher in it has
    been reviewed for redaction. Publishing checks this again under the book's lock."""
    require(session, actor, Action.PUBLISH, book)
    label = f"{year:04d}-{month:02d}"
    closed = session.scalar(select(PeriodClose).where(PeriodClose.book_id == book.id, PeriodClose.year == year,
                                                       PeriodClose.month == month))
    if closed is None:
        raise PeriodNotReady(f"{label} 尚未结账，只能公示已结账的月份", f"{label} is not closed; only a closed month is published",
                             "period")
    waiting = unreviewed_vouchers(session, book, year, month)
    if waiting:
        listed = "、".join(f"{n}（{name}）" for n, name in waiting[:20])
        raise InvalidState(
            f"还有 {len(waiting)} 张原始凭证未审查遮盖（画框遮盖，或确认无需遮盖）：{listed}",
            f"{len(waiting)} vouchers have not been reviewed for redaction (draw boxes, or confirm there is nothing to "
            f"hide): " + ", ".join(f"{n} ({name})" for n, name in waiting[:20]), "period")


def publish(session: Session, actor: User, book: Book, year: int, month: int, store: VoucherStore, root: Path,
            progress=lambda step: None, expect_version: int | None = None) -> Publication:
    """Freeze a closed month as the next version of its publication (the previous one, if any, is superseded).

    `progress(step)` hears each of PUBLISH_STEPS as it is done (a progress bar, the page that waits). With
    `expect_version`, publish only if that is still the next version (a page's button, pressed twice, or
    by two people at once, publishes once)."""
    lock_book(session, book)
    witness.check(session, book)  # never publish a book the database no longer holds as committed
    label = f"{year:04d}-{month:02d}"
    check_publishable(session, actor, book, year, month)  # the permission, the close, the vouchers: under the lock
    rng = statements.month_range(year, month)
    previous = session.scalar(select(Publication).where(Publication.book_id == book.id, Publication.year == year,
                                                        Publication.month == month).order_by(Publication.version.desc()).limit(1))
    version = (previous.version + 1) if previous else 1
    if expect_version is not None and version != expect_version:
        raise InvalidState(f"{label} 已有人发布了第 {version - 1} 版；请刷新页面再看",
                           f"{label} version {version - 1} was published meanwhile; reload the page and look again", "period")

    # The public pages of the month's vouchers, by the SHA-256 of each page's JPEG.
    attachments = session.execute(
        select(Attachment.id, Attachment.sha256).join(Entry, Entry.id == Attachment.entry_id)
        .where(Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value, Entry.date >= rng.start,
               Entry.date <= rng.end)).all()
    newest = newest_public_copies(session, [a.id for a in attachments])
    pages: dict[str, list[str]] = {}
    files: dict[str, bytes] = {}
    for att_id, original_sha in attachments:
        shas = [p["sha256"] for p in json.loads(newest[att_id].pages)] if att_id in newest else []
        pages.setdefault(original_sha, []).extend(f"vouchers/{s}.jpg" for s in shas)
        for s in shas:
            files[f"vouchers/{s}.jpg"] = store.public(s).read_bytes()
    progress("vouchers")
    statements_doc = _statements_doc(session, book, rng)
    entries_doc = _entries_doc(session, book, rng, pages)
    files["statements.json"] = canonical_json(statements_doc)
    files["entries.json"] = canonical_json(entries_doc)
    trust_doc = trust_publication.month_doc(session, book, year, month)  # arrears, budget, bank, revenues
    if trust_doc is not None:
        files["trust.json"] = canonical_json(trust_doc)
    # --- grants (issue 10): a fund book publishes its awarded grants as of the month's end (grants.public_doc:
    # no reviewer, no applicant's contact, no declined application).
    if book.kind in grants.FUND_BOOKS:
        grants_doc = grants.public_doc(session, book, rng.end)
        files["grants.json"] = canonical_json(grants_doc)
        for page in grants.public_pages(grants_doc):  # accepted reports' files, as the committee reviewed them
            files[page] = store.public(page.removeprefix("vouchers/").removesuffix(".jpg")).read_bytes()

    head = session.get(BookHead, book.id)
    key = keys_for(session)
    notice = notices.Notice(book.code, book.name_zh, book.name_en, label, version, previous.version if previous else None,
                            head.chain_seq if head else 0, head.hash if head else GENESIS, key.public_key(book.code),
                            f"{config.public_url()}/{book.code}/{label}/v{version}/")
    account_names = dict(session.execute(select(Account.code, Account.name_zh).where(Account.book_id == book.id)).all())
    fund_names = dict(session.execute(select(Fund.code, Fund.name_zh).where(Fund.book_id == book.id)).all())
    files.update(_tables(session, book, rng, notice, entries_doc, account_names, fund_names))
    progress("tables")
    files.update(notices.documents(notice, statements_doc, entries_doc, statements.monthly_totals(session, book, year, month),
                                   account_names, fund_names, progress, trust_doc))
    manifest = {
        "book": book.code, "name_zh": book.name_zh, "name_en": book.name_en, "period": label, "version": version,
        "supersedes": previous.version if previous else None,
        "chain_seq": head.chain_seq if head else 0, "chain_head": head.hash if head else GENESIS,
        "public_key": key.public_key(book.code),
        "files": [{"path": p, "sha256": sha256_hex(b), "size": len(b)} for p, b in sorted(files.items())],
    }
    manifest_bytes = canonical_json(manifest)
    progress("manifest")
    digest = sha256_hex(manifest_bytes)
    signature = key.signer(book.code).sign(publication_message(book.code, label, version, digest))
    folder = f"{book.code}/{label}/v{version}"
    _write_folder(root / folder, files, manifest_bytes, signature, session)

    publication = Publication(book_id=book.id, year=year, month=month, version=version,
                              supersedes_id=previous.id if previous else None, chain_seq=manifest["chain_seq"],
                              chain_head=manifest["chain_head"], manifest_sha256=digest, signature=signature,
                              folder=folder, published_by_id=actor.id)
    session.add(publication)
    session.flush()
    for f in manifest["files"]:
        session.add(PublicationFile(publication_id=publication.id, path=f["path"], sha256=f["sha256"], size=f["size"]))
    audit(session, actor, book, "publication.publish", f"{label} v{version}", manifest_sha256=digest,
          files=len(files), supersedes=previous.version if previous else None)
    return publication


def _tables(session: Session, book: Book, rng: statements.Range, notice: "notices.Notice", entries_doc: list[dict],
            account_names: dict[str, str], fund_names: dict[str, str]) -> dict[str, bytes]:
    """The statements and the journal as CSV and XLSX, in Chinese, titled with the publication they belong to."""
    stamp = (f"公示第 {notice.version} 版", f"publication version {notice.version}")
    out = {}
    journal = [
        {"number": e["number"], "date": e["date"], "summary": e["summary"], "account": line["account"],
         "account_name": account_names.get(line["account"], ""), "fund": line["fund"],
         "fund_name": fund_names.get(line["fund"], ""), "debit": fen_to_str(line["fen"]) if line["fen"] > 0 else "",
         "credit": fen_to_str(-line["fen"]) if line["fen"] < 0 else "", "note": line["note"],
         "vouchers": " ".join(e["voucher_pages"])}
        for e in entries_doc for line in e["lines"]]
    made = {kind: statements.table(session, book, rng, kind, english=False) for kind in statements.TABLES}
    made["journal"] = (["number", "date", "summary", "account", "account_name", "fund", "fund_name", "debit", "credit",
                        "note", "vouchers"], journal)
    for kind, (columns, rows) in made.items():
        out[f"tables/{kind}.csv"] = tables.csv_bytes(rows, columns, english=False)
        out[f"tables/{kind}.xlsx"] = tables.xlsx_bytes(rows, columns, book, kind, english=False, scope=rng.label, stamp=stamp)
    return out


def _write_folder(target: Path, files: dict[str, bytes], manifest: bytes, signature: str, session: Session) -> None:
    """Write the folder whole or not at all (a temporary folder renamed into place); gone again if the rows roll back."""
    if target.exists():
        # Under the book's lock the database says this version does not exist, so the folder is what a publish
        # that died before its commit left behind (a worker killed mid-way): set it aside, never serve it.
        os.replace(target, target.with_name(f".abandoned-{target.name}-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".publishing-"))
    try:
        for path, data in files.items():
            (tmp / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp / path).write_bytes(data)
        (tmp / "manifest.json").write_bytes(manifest)
        (tmp / "manifest.sig").write_text(signature + "\n", "ascii")
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    when_transaction_ends(session, rolled_back=lambda: shutil.rmtree(target, ignore_errors=True))


_NEWEST_FIRST = (Publication.year.desc(), Publication.month.desc(), Publication.version.desc())


def publications_of(session: Session, book: Book) -> list[Publication]:
    """Every publication of the book, newest month first, each month's versions newest first."""
    return list(session.scalars(select(Publication).where(Publication.book_id == book.id).order_by(*_NEWEST_FIRST)))


def superseded_ids(session: Session, book: Book) -> set[int]:
    return set(session.scalars(select(Publication.supersedes_id).where(Publication.book_id == book.id,
                                                                        Publication.supersedes_id.is_not(None))))


def get_publication(session: Session, book: Book, year: int, month: int, version: int | None = None) -> Publication:
    query = select(Publication).where(Publication.book_id == book.id, Publication.year == year, Publication.month == month)
    if version is not None:
        query = query.where(Publication.version == version)
    found = session.scalar(query.order_by(Publication.version.desc()).limit(1))
    if found is None:
        raise NotFound(f"{year:04d}-{month:02d} 没有公示", f"{year:04d}-{month:02d} has no publication", "period")
    return found


def export(publication: Publication, root: Path, out: Path) -> Path:
    """Copy a publication's files, manifest and signature to `out`, with the standalone verify.py beside them."""
    source = root / publication.folder
    if not (source / "manifest.json").is_file():
        raise NotFound(f"公示文件夹 {source} 不见了", f"the publication folder {source} is missing", "period")
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise InvalidState(f"目标文件夹 {out} 不是空的", f"the folder {out} is not empty", "out")
    shutil.copytree(source, out, dirs_exist_ok=True)
    shutil.copyfile(Path(__file__).resolve().parent.parent / "export_kit" / "verify.py", out / "verify.py")
    return out


def published_books(session: Session) -> list[tuple[Book, Publication]]:
    """Each book that has published, with its newest publication (the latest month's newest version)."""
    out = []
    for book in session.scalars(select(Book).where(select(Publication.id).where(Publication.book_id == Book.id).exists())
                                .order_by(Book.code)):
        out.append((book, session.scalar(select(Publication).where(Publication.book_id == book.id)
                                         .order_by(*_NEWEST_FIRST).limit(1))))
    return out


def published_file(session: Session, publication: Publication, path: str, root: Path) -> tuple[PublicationFile, Path]:
    """A file the publication's manifest lists, and where it is on disk; NotFound for anything else (no path
    outside the manifest is ever served)."""
    row = session.scalar(select(PublicationFile).where(PublicationFile.publication_id == publication.id,
                                                       PublicationFile.path == path))
    if row is None:
        raise NotFound(f"公示中没有文件 {path}", f"the publication has no file {path}", "path")
    return row, root / publication.folder / row.path


def published_json(session: Session, publication: Publication, path: str, root: Path):
    _row, where = published_file(session, publication, path, root)
    return json.loads(where.read_text("utf-8"))


OPINION_KINDS = ("sign_off", "objection")
OPINION_MAX = 2000


def give_opinion(session: Session, actor: User, book: Book, publication: Publication, kind: str, text: str) -> PublicationOpinion:
    """The supervisor signs off the publication, or objects to it, in words that stay beside it for good.
    An objection needs its reasons; a sign-off may say more. Each of the supervisor's words is signed."""
    require(session, actor, Action.GIVE_OPINION, book)
    text = (text or "").strip()
    if kind not in OPINION_KINDS:
        raise InvalidInput("意见只能是签署同意或提出异议", "an opinion is a sign-off or an objection", "kind")
    if kind == "objection" and not text:
        raise InvalidInput("提出异议须写明理由", "an objection needs its reasons", "text")
    if len(text) > OPINION_MAX:
        raise InvalidInput(f"意见最多 {OPINION_MAX} 个字", f"an opinion may be at most {OPINION_MAX} characters", "text")
    lock_book(session, book)
    signature = keys_for(session).signer(book.code).sign(
        opinion_message(book.code, publication.period, publication.version, kind, actor.username, sha256_hex(text.encode("utf-8"))))
    opinion = PublicationOpinion(publication_id=publication.id, user_id=actor.id, kind=kind, text=text, signature=signature)
    session.add(opinion)
    session.flush()
    audit(session, actor, book, f"publication.{kind}", f"{publication.period} v{publication.version}",
          **({"comment": text} if text else {}))
    return opinion


def objected_ids(session: Session, book: Book | None = None) -> set[int]:
    """The publications on which the supervisor recorded an objection (of one book, or of all): the home and book
    pages warn of them before a reader opens the month."""
    query = select(PublicationOpinion.publication_id).where(PublicationOpinion.kind == "objection")
    if book is not None:
        query = query.join(Publication, Publication.id == PublicationOpinion.publication_id).where(
            Publication.book_id == book.id)
    return set(session.scalars(query))


def opinions_of(session: Session, publication: Publication) -> list[PublicationOpinion]:
    # Not joined to users: the public site's database role may not read them (ledger/db/roles.py); the back
    # office loads the supervisor's name when a page asks for it.
    return list(session.scalars(select(PublicationOpinion).where(PublicationOpinion.publication_id == publication.id)
                                .options(lazyload(PublicationOpinion.user)).order_by(PublicationOpinion.id)))
