"""Bring history posted before signatures existed (migration 0005) under the signed chain.

Runs once, from `ledger db upgrade`, only in the upgrade that applies 0005: it re-hashes
each posted entry in the canonical form that names makers and approvers, signs it with
the book's new key, signs the chain head, and writes a signed close record for each
month closed before. The guards are lifted for that one transaction and put back; the
audit log records it. It never runs again, so an entry slipped in later without a
signature stays unsigned and `verify` names it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db.guards import create_guards, drop_guards
from ..domain.errors import LedgerError
from ..db.schema import Approval, Attachment, Book, BookHead, Entry, Period, PeriodClose, VoucherPublic, utcnow
from ..domain.chain import GENESIS, canonical_json, chain_hash, close_message, entry_message, head_message, sha256_hex, trial_balance_doc
from .access import audit
from .history import iter_posted
from .periods import closing_balances, month_end
from . import witness
from .signing import keys_for
from .vouchers import sign_public
from .users import system_user


def adopt_unsigned_history(session: Session) -> list[str]:
    """Sign what 0005 found; returns one line per book for the console."""
    said = []
    keys = keys_for(session)
    # Only history that truly predates signing: no book may have a key yet and no row may carry a
    # signature. A SQL prompt can roll alembic_version back to 0004, but not delete the key folder,
    # so tampered history can never be laundered through a routine upgrade.
    signed = session.scalar(select(Entry.id).where(Entry.signature.is_not(None)).limit(1))
    keyed = [b.code for b in session.scalars(select(Book)) if keys.has(b.code)]
    if signed is not None or keyed:
        raise LedgerError(
            "拒绝补签：已有签名或签名密钥（" + "、".join(keyed) + "），历史不是签名功能上线前的；请运行 ledger verify 查明",
            "refusing to sign: signatures or signing keys already exist (" + ", ".join(keyed) + "), so this history does "
            "not predate signing; run ledger verify to see what changed",
            "database",
        )
    conn = session.connection()
    drop_guards(conn)
    # Submissions and approvals signed by a key now gone (a SQLite downgrade keeps 0007's columns) prove
    # nothing: the entry's own signature below covers its approvers from now on.
    session.execute(update(Entry).values(submit_digest=None, submit_signature=None))
    session.execute(update(Approval).values(content_digest=None, signature=None))
    for book in session.scalars(select(Book).order_by(Book.code)):
        book.public_key = keys.ensure(book.code)
        signer = keys.signer(book.code)
        prev, seq = GENESIS, 0
        for e in list(iter_posted(session, book)):
            seq += 1
            digest = chain_hash(prev, e.posted(book.code))
            session.execute(update(Entry).where(Entry.id == e.id).values(
                prev_hash=prev, hash=digest, chain_seq=seq, signature=signer.sign(entry_message(digest))))
            prev = digest
        if seq:
            session.merge(BookHead(book_id=book.id, chain_seq=seq, hash=prev,
                                   signature=signer.sign(head_message(book.code, seq, prev)), updated_at=utcnow()))
        closes = 0
        for p in session.scalars(select(Period).where(Period.book_id == book.id, Period.status == "closed")
                                 .order_by(Period.year, Period.month)):
            through = month_end(p.year, p.month)
            tb = canonical_json(trial_balance_doc(book.code, p.label, through.isoformat(), closing_balances(session, book, through)))
            tb_hash = sha256_hex(tb)
            # History signed now: the close record names today's head, which holds every entry of the month.
            session.add(PeriodClose(
                book_id=book.id, period_id=p.id, year=p.year, month=p.month, through_date=through,
                closed_at=p.closed_at or utcnow(), closed_by_id=p.closed_by_id or system_user(session).id,
                chain_seq=seq, chain_head=prev, trial_balance=tb.decode("utf-8"), trial_balance_hash=tb_hash,
                signature=signer.sign(close_message(book.code, p.label, seq, prev, tb_hash)),
            ))
            closes += 1
        for public in session.scalars(select(VoucherPublic).join(Attachment, Attachment.id == VoucherPublic.attachment_id)
                                      .join(Entry, Entry.id == Attachment.entry_id).where(Entry.book_id == book.id)
                                      .order_by(VoucherPublic.id)):
            sign_public(session, book, public)
        session.flush()
        witness.touch(session, book)
        audit(session, None, book, "chain.adopt", book.code, entries=seq, closes=closes,
              at=dt.datetime.now(dt.timezone.utc).isoformat())
        said.append(f"{book.code}: signed {seq} posted entries and {closes} closed months with key {book.public_key}")
    session.flush()
    create_guards(conn)
    return said
