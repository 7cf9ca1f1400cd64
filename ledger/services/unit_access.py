"""My unit (我的房屋): each unit's access code, with which anyone holding it (no account) reads that unit's bills,
payments, arrears and prepayment, and nothing else.

Only sha256(salt + code) is stored, with a salt per row; the code is shown once, when issued, and never logged or
audited. A unit has at most one live code: issuing a new one revokes the old. Codes are revoked, never deleted.
The statement names no owner and carries no payment reference (the code holder may be a tenant or a neighbour).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import Book, Entry, EntryLine, Unit, UnitAccessCode, User, utcnow
from ..domain import arrears as ar
from ..domain.errors import InvalidState
from ..domain.fees import CHANNELS, PREPAID, RECEIVABLE
from ..domain.model import parse_date
from ..domain.permissions import Action
from .access import audit, require
from .billing import CHANNEL_NAMES, find_unit, posted_rows
from .posting import lock_book
from .register import active_ids_on

# 31 characters without 0/O, 1/I/L or U: 12 of them are about 59 bits, far beyond guessing at 10 tries a minute.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12


def normalise(code: str | None) -> str:
    """What was typed, upper-cased, without spaces or dashes."""
    return "".join(ch for ch in (code or "").upper() if ch not in " -\t\r\n\u3000\u2014\u2013")


def grouped(code: str) -> str:
    """'K7QM9XPT4HWA' -> 'K7QM-9XPT-4HWA'."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def office_url() -> str:
    """Where owners open the back office's "my unit" page (LEDGER_OFFICE_URL), for the reminder's text."""
    return (os.environ.get("LEDGER_OFFICE_URL") or "http://127.0.0.1:5000").rstrip("/")


def _live(session: Session, book: Book, unit: Unit) -> list[UnitAccessCode]:
    return list(session.scalars(select(UnitAccessCode).where(
        UnitAccessCode.book_id == book.id, UnitAccessCode.unit_id == unit.id, UnitAccessCode.revoked_at.is_(None))))


def issue(session: Session, actor: User, book: Book, unit_label: str) -> tuple[str, str]:
    """A new code for the unit (its live code, if any, revoked): (unit label, the code grouped by four)."""
    require(session, actor, Action.ISSUE_ACCESS_CODES, book)
    lock_book(session, book)
    unit = find_unit(session, book, unit_label)
    if unit.id not in active_ids_on(session, book, dt.date.today()):
        raise InvalidState(f"房屋 {unit.label} 已停用，不发放查询码", f"unit {unit.label} is off the register: it gets no "
                           "access code", "unit")
    now = utcnow()
    for old in _live(session, book, unit):
        old.revoked_at, old.revoked_by_id = now, actor.id
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    salt = secrets.token_hex(16)
    row = UnitAccessCode(book_id=book.id, unit_id=unit.id, salt=salt, code_hash=_hash(salt, code),
                         issued_by_id=actor.id, issued_at=now)
    session.add(row)
    session.flush()
    audit(session, actor, book, "fees.code_issued", f"unit_access_code:{row.id}", unit=unit.label)
    return unit.label, grouped(code)


def revoke(session: Session, actor: User, book: Book, unit_label: str) -> int:
    """Revoke the unit's live code; how many were revoked (0 or 1). Refused when it has none."""
    require(session, actor, Action.ISSUE_ACCESS_CODES, book)
    lock_book(session, book)
    unit = find_unit(session, book, unit_label)
    live = _live(session, book, unit)
    if not live:
        raise InvalidState(f"房屋 {unit.label} 没有有效的查询码", f"unit {unit.label} has no live access code", "unit")
    now = utcnow()
    for row in live:
        row.revoked_at, row.revoked_by_id = now, actor.id
    audit(session, actor, book, "fees.code_revoked", f"unit:{unit.id}", unit=unit.label)
    return len(live)


def coded_labels(session: Session, book: Book) -> set[str]:
    """The labels of the book's units that have a live code."""
    ids = set(session.scalars(select(UnitAccessCode.unit_id).where(
        UnitAccessCode.book_id == book.id, UnitAccessCode.revoked_at.is_(None))))
    return {u.label for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))} if ids else set()


def lookup(session: Session, code: str | None) -> tuple[Book, Unit] | None:
    """The (book, unit) of a live code, or None (wrong, revoked or malformed alike)."""
    code = normalise(code)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    found = None
    for row in session.scalars(select(UnitAccessCode).where(UnitAccessCode.revoked_at.is_(None))):
        # Every live row is checked, in constant time, whatever matched before.
        if hmac.compare_digest(row.code_hash, _hash(row.salt, code)):
            found = row
    if found is None:
        return None
    book, unit = session.get(Book, found.book_id), session.get(Unit, found.unit_id)
    if book is None or unit is None or unit.book_id != book.id:
        return None
    return book, unit


def _channel(entry: Entry, accounts: set[str]) -> str:
    for key, (zh, _en) in CHANNEL_NAMES.items():
        if f"（{zh}）" in (entry.summary or ""):
            return key
    for key, account in CHANNELS.items():
        if account in accounts:
            return key
    return ""


def statement(session: Session, book: Book, unit: Unit, as_of: dt.date | None = None) -> dict:
    """The unit's page: its charges (month, fen, paid, open), payments (date, fen, channel; no reference), open fees
    by aging bucket and its prepayment, from posted entries dated on or before `as_of` (today by default)."""
    as_of = parse_date(as_of or dt.date.today(), "as_of")
    charges, credits, prepaid = [], 0, 0
    paid_by_entry: dict[int, int] = defaultdict(int)
    dates: dict[int, dt.date] = {}
    for row, date in posted_rows(session, book, as_of):
        if row.unit_id != unit.id:
            continue
        if row.account_code == RECEIVABLE and row.amount_fen > 0 and row.billed_year:
            charges.append(ar.Charge(unit.label, row.billed_year, row.billed_month, row.amount_fen))
        elif row.account_code == RECEIVABLE:
            credits -= row.amount_fen
        elif row.account_code == PREPAID:
            prepaid -= row.amount_fen
        if row.account_code in (RECEIVABLE, PREPAID) and row.amount_fen < 0:
            paid_by_entry[row.entry_id] -= row.amount_fen
            dates[row.entry_id] = date
    payments = []
    if paid_by_entry:
        entries = {e.id: e for e in session.scalars(select(Entry).where(Entry.id.in_(list(paid_by_entry)),
                                                                         Entry.source == "payment"))}
        accounts: dict[int, set[str]] = defaultdict(set)
        for line in session.scalars(select(EntryLine).where(EntryLine.entry_id.in_(list(entries)))):
            accounts[line.entry_id].add(line.account.code)
        for eid, entry in sorted(entries.items(), key=lambda kv: (dates[kv[0]], kv[0])):
            payments.append({"date": dates[eid].isoformat(), "amount": paid_by_entry[eid],
                             "channel": _channel(entry, accounts[eid])})
    # The unit's share of a year-end surplus the owners decided to refund (it settled open fees or was prepaid).
    refunds = [{"date": dates[eid].isoformat(), "amount": paid_by_entry[eid]} for eid in sorted(
        session.scalars(select(Entry.id).where(Entry.id.in_(list(paid_by_entry)), Entry.source == "refund")),
        key=lambda eid: (dates[eid], eid))] if paid_by_entry else []
    allocated = ar.allocate(charges, {unit.label: credits})
    rows = [{"period": f"{a.charge.year:04d}-{a.charge.month:02d}", "billed": a.charge.fen, "paid": a.paid_fen,
             "open": a.open_fen} for a in allocated]
    aging = ar.aging(allocated, as_of.year, as_of.month).get(unit.label, {b: 0 for b in (*ar.BUCKETS, "total")})
    return {"book": book.code, "book_name": book.name_zh, "unit": unit.label, "as_of": as_of.isoformat(),
            "charges": rows, "payments": payments, "refunds": refunds, "buckets": list(ar.BUCKETS), "aging": aging,
            "open": aging["total"], "prepaid": prepaid}
