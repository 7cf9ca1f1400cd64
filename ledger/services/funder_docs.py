"""A funder's view across projects and a matching pool's public account (issue 10), and the freshness anchor of every
signed micro-project document.

- A funder document (`<BOOK>/funders/<CODE>.json` + `.sig`, signed as ``funder:BOOK:CODE:SHA256``): every donation
  of one donor (one `donor_key`) across the book's projects, with its match and the project's figures, and totals.
  It names no one: no phone, no display name, no payment reference, no receipt code. Its address is the donor's
  random funder code (funder_codes), printed on their receipts.
- A pool document (`<BOOK>/pools/<POOL>.json` + `.sig`, ``pool:BOOK:POOL:SHA256``): the pool's funder, rule
  versions with their explainers, deposits, held / committed / pending / posted / voided / clawed back / remaining,
  and per project its matches by status. Never a donor.

Publishing a project (services/projects.public_documents) adds the funder documents of that project's donors (they
span projects, so each is rewritten whole from the database) and its pool's document. Then `anchor` records each
document's SHA-256 in published_documents, under the book's lock: the public site shows a document only if its bytes
are the newest recorded for its path, which a signature alone cannot prove.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.schema import (
    Book, Donation, Entry, Match, MatchingPool, PoolDeposit, Project, PublishedDocument,
)
from ..domain import matching
from ..domain.chain import funder_message, pool_message
from ..domain.money import fen_to_str
from .posting import lock_book

ANCHORED_SUFFIX = ".json"  # the documents (their .sig follows from them; voucher pages are named by their hash)


def _canonical(doc: dict) -> bytes:
    from .projects import _canonical as canonical

    return canonical(doc)


def _signed(files: dict[str, bytes], signer, path: str, doc: dict, message: bytes) -> None:
    body = _canonical(doc)
    files[f"{path}.json"] = body
    files[f"{path}.sig"] = (signer.sign(message(hashlib.sha256(body).hexdigest())) + "\n").encode()


# --- the funder's document --------------------------------------------------------------------------------------------

def funder_doc(session: Session, book: Book, code: str, key: str) -> dict:
    """Every donation of the donor `key` in the book, oldest first, with its match and its project's figures."""
    from . import projects as svc

    rows = list(session.scalars(select(Donation).where(Donation.book_id == book.id, Donation.donor_key == key)
                                .order_by(Donation.date, Donation.id)))
    figures: dict[int, svc.Progress] = {}
    out, given, refunded_total, matched, matched_posted = [], 0, 0, 0, 0
    for d in rows:
        project = session.get(Project, d.project_id)
        if project.id not in figures:
            figures[project.id] = svc.progress(session, project)
        fig = figures[project.id]
        refunded = svc.refunded_of(session, d)
        m = svc.match_of(session, d)
        live = m.amount_fen - m.clawed_back_fen if m else None
        if m is not None and m.status in svc.LIVE:
            matched += live
            if m.status == "posted":
                matched_posted += live
        given += d.amount_fen
        refunded_total += refunded
        out.append({
            "date": d.date.isoformat(), "project": project.code, "title": project.title,
            "amount": fen_to_str(d.amount_fen), "refunded": fen_to_str(refunded),
            "match": fen_to_str(live) if m else None,
            "match_status": m.status if m else ("estimate" if project.rule.kind == "quadratic" else None),
            "match_clawed_back": fen_to_str(m.clawed_back_fen) if m and m.clawed_back_fen else None,
            "project_status": project.status, "raised": fen_to_str(fig.raised_fen),
            "matched": fen_to_str(fig.matched_fen), "goal": fen_to_str(project.goal_fen)})
    return {"book": book.code, "funder": code, "donations": out,
            "totals": {"given": fen_to_str(given), "refunded": fen_to_str(refunded_total),
                       "kept": fen_to_str(given - refunded_total), "matched": fen_to_str(matched),
                       "matched_posted": fen_to_str(matched_posted),
                       "projects": len({d["project"] for d in out})}}


def funder_files(session: Session, book: Book, project: Project, signer) -> dict[str, bytes]:
    """The funder documents of every donor of `project` (each across all the book's projects)."""
    from .projects import funder_code_for

    keys = sorted(set(session.scalars(select(Donation.donor_key).where(Donation.project_id == project.id))))
    files: dict[str, bytes] = {}
    for key in keys:
        code = funder_code_for(session, book, key)
        _signed(files, signer, f"{book.code}/funders/{code}", funder_doc(session, book, code, key),
                lambda sha, c=code: funder_message(book.code, c, sha))
    return files


# --- the pool's document ----------------------------------------------------------------------------------------------

def pool_doc(session: Session, book: Book, pool: MatchingPool, also: str | None = None) -> dict:
    """The pool's public account: rules, deposits, figures, and per project its matches by status. The projects
    listed are those already published (a progress document anchored) or with a match, and `also` (the project being
    published now): a project still being drafted is not announced by its pool."""
    from . import projects as svc

    session.refresh(pool)
    rules = []
    for row in svc.rules_of(session, pool):
        rule = svc.rule_of(row)
        rules.append({"version": row.version, "kind": row.kind, "digest": row.digest,
                      "explainer_zh": matching.explain(rule, "zh_CN", pool.funder),
                      "explainer_en": matching.explain(rule, "en")})
    deposits = [{"date": date.isoformat(), "amount": fen_to_str(fen), "note": note, "status": status}
                for date, fen, note, status in session.execute(
                    select(Entry.date, PoolDeposit.amount_fen, PoolDeposit.note, Entry.status)
                    .join(Entry, Entry.id == PoolDeposit.entry_id).where(PoolDeposit.pool_id == pool.id)
                    .order_by(Entry.date, PoolDeposit.id)).all()]
    by_project: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for project_id, status, fen, clawed in session.execute(
            select(Match.project_id, Match.status, func.sum(Match.amount_fen - Match.clawed_back_fen),
                   func.sum(Match.clawed_back_fen)).where(Match.pool_id == pool.id)
            .group_by(Match.project_id, Match.status)).all():
        by_project[project_id][status] += int(fen or 0)
        by_project[project_id]["clawed_back"] += int(clawed or 0)
    published = set(session.scalars(select(PublishedDocument.path).where(PublishedDocument.book_id == book.id,
                                                                         PublishedDocument.path.like(f"{book.code}/projects/%"))))
    listed = []
    for p in session.scalars(select(Project).where(Project.pool_id == pool.id).order_by(Project.code)):
        if not (p.id in by_project or p.code == also or f"{book.code}/projects/{p.code}/progress.json" in published):
            continue
        m = by_project.get(p.id, {})
        fig = svc.progress(session, p)
        listed.append({"project": p.code, "title": p.title, "status": p.status, "rule_version": p.rule.version,
                       "goal": fen_to_str(p.goal_fen), "raised": fen_to_str(fig.raised_fen),
                       "pending": fen_to_str(m.get("pending", 0)), "posted": fen_to_str(m.get("posted", 0)),
                       "voided": fen_to_str(m.get("voided", 0)), "clawed_back": fen_to_str(m.get("clawed_back", 0))})
    return {"book": book.code, "pool": pool.code, "name": pool.name, "funder": pool.funder, "rules": rules,
            "deposits": deposits,
            "figures": {k: fen_to_str(v) for k, v in svc.pool_figures(session, pool).items()},
            "projects": listed}


def pool_files(session: Session, book: Book, pool: MatchingPool, signer, also: str | None = None) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    _signed(files, signer, f"{book.code}/pools/{pool.code}", pool_doc(session, book, pool, also),
            lambda sha: pool_message(book.code, pool.code, sha))
    return files


# --- freshness --------------------------------------------------------------------------------------------------------

def newest(session: Session, path: str) -> str | None:
    """The SHA-256 of the newest recorded version of a published document (what the public site compares)."""
    return session.scalar(select(PublishedDocument.sha256).where(PublishedDocument.path == path)
                          .order_by(PublishedDocument.seq.desc()).limit(1))


def superseded(bind, files: dict[str, bytes]) -> set[str]:
    """The paths among `files` (documents and their signatures) whose document is no longer the newest recorded:
    read on a connection of its own, after the publishing transaction committed."""
    documents = {p: hashlib.sha256(d).hexdigest() for p, d in files.items() if p.endswith(ANCHORED_SUFFIX)}
    if not documents:
        return set()
    newest_sha: dict[str, tuple[int, str]] = {}
    with Session(bind=bind) as session:
        for path, seq, sha in session.execute(select(PublishedDocument.path, PublishedDocument.seq,
                                                     PublishedDocument.sha256)
                                              .where(PublishedDocument.path.in_(list(documents)))):
            if path not in newest_sha or seq > newest_sha[path][0]:
                newest_sha[path] = (seq, sha)
    out = set()
    for path, sha in documents.items():
        if path in newest_sha and newest_sha[path][1] != sha:
            out |= {path, path.removesuffix(ANCHORED_SUFFIX) + ".sig"}
    return out


def anchor(session: Session, book: Book, files: dict[str, bytes]) -> int:
    """Record each document's SHA-256 as its path's newest version (only when it changed), under the book's lock so
    two publications never take the same sequence. Returns how many versions were recorded."""
    lock_book(session, book)
    added = 0
    for path, data in sorted(files.items()):
        if not path.endswith(ANCHORED_SUFFIX):
            continue
        sha = hashlib.sha256(data).hexdigest()
        last = session.execute(select(PublishedDocument.seq, PublishedDocument.sha256)
                               .where(PublishedDocument.path == path)
                               .order_by(PublishedDocument.seq.desc()).limit(1)).first()
        if last is not None and last.sha256 == sha:
            continue
        session.add(PublishedDocument(book_id=book.id, path=path, sha256=sha, seq=(last.seq if last else 0) + 1))
        added += 1
    session.flush()
    return added


def project_extras(session: Session, book: Book, project: Project, signer) -> dict[str, bytes]:
    """What publishing `project` adds to its own documents: its donors' funder documents and its pool's."""
    files = funder_files(session, book, project, signer)
    files.update(pool_files(session, book, project.pool, signer, also=project.code))
    return files

