"""Exports of a book's posted history: beancount, JSON and CSV.

The beancount file is for checking us with tools we do not control: `bean-check`
accepts it and `bean-query` sums it to the same balances as `ledger
trial-balance`. Each account keeps its code in its beancount name
(Assets:C1002-Bank-...), and each posting carries its fund as metadata.
The JSON export carries everything needed to recompute the hash chain.
"""
from __future__ import annotations

import csv
import json
import re
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.schema import Account, Book, Entry, Fund
from ..domain.cells import safe_row
from ..domain.model import EntryStatus
from ..domain.money import fen_to_str
from ..domain.text import single_line
from .history import iter_posted

_ROOTS = {"asset": "Assets", "liability": "Liabilities", "net_assets": "Equity", "income": "Income", "expense": "Expenses"}


def beancount_account(account: Account) -> str:
    words = re.findall(r"[A-Za-z0-9]+", account.name_en)
    slug = "-".join(w[:1].upper() + w[1:] for w in words)[:60].strip("-")
    # Codes may hold "_", which beancount refuses in an account name; the full-width low line
    # (U+FF3F) it accepts, and no code contains, so the code still reads back one to one.
    code = account.code.replace("_", "\uff3f")
    return f"{_ROOTS[account.type]}:C{code}" + (f"-{slug}" if slug else "")


def _quote(text: str) -> str:
    """A beancount string literal that cannot end early or span lines, whatever the text holds."""
    return '"' + single_line(text or "").replace("\\", "\\\\").replace('"', '\\"') + '"'


def _comment(text: str) -> str:
    """Text for a `;` comment: one line, so nothing after it can become a directive."""
    return single_line(text or "")


def open_date(session: Session, book: Book):
    """The day every account opens: the book's first day, or its earliest posted entry if earlier.

    Not the first entry in chain order: an approved back-dated entry comes later in the chain
    but earlier in time, and beancount refuses a posting to an account before its `open`."""
    earliest = session.scalar(
        select(func.min(Entry.date)).where(Entry.book_id == book.id, Entry.status == EntryStatus.POSTED.value))
    days = [d for d in (book.start_date, earliest) if d is not None]
    return min(days) if days else book.created_at.date()


def export_beancount(session: Session, book: Book, out: TextIO) -> int:
    accounts = list(session.scalars(select(Account).where(Account.book_id == book.id).order_by(Account.code)))
    funds = list(session.scalars(select(Fund).where(Fund.book_id == book.id).order_by(Fund.code)))
    opened = open_date(session, book)
    out.write(f"; {_comment(book.name_zh)} / {_comment(book.name_en)} ({book.code}), exported by 共治账本\n")
    out.write(f"option \"title\" {_quote(book.name_zh + ' / ' + book.name_en)}\n")
    out.write("option \"operating_currency\" \"CNY\"\n\n")
    for f in funds:
        out.write(f"; fund {f.code}: {_comment(f.name_zh)} / {_comment(f.name_en)}{' (restricted)' if f.restricted else ''}\n")
    out.write("\n")
    for a in accounts:
        out.write(f"{opened.isoformat()} open {beancount_account(a)} CNY\n")
        out.write(f"  name: {_quote(a.name_zh)}\n")
    out.write("\n")
    count = 0
    names = {a.id: beancount_account(a) for a in accounts}
    for e in iter_posted(session, book):
        count += _write_transaction(out, e, names)
    return count


def _write_transaction(out: TextIO, e, names: dict[int, str]) -> int:
    out.write(f"{e.date.isoformat()} * {_quote(e.summary)}\n")
    out.write(f"  number: {_quote(e.number)}\n  hash: {_quote(e.hash)}\n")
    for l in e.lines:
        out.write(f"  {names[l.account.id]}  {fen_to_str(l.fen)} CNY\n    fund: {_quote(l.fund.code)}\n")
        if l.note:
            out.write(f"    note: {_quote(l.note)}\n")
    out.write("\n")
    return 1


def export_json(session: Session, book: Book, out: TextIO) -> int:
    """One JSON document with everything needed to check the book without us: entries in chain
    order with the canonical fields, hashes and signatures, the signed chain head, the signed
    close records with their trial balances, and the book's public key."""
    from ..db.schema import BookHead, PeriodClose

    accounts = session.scalars(select(Account).where(Account.book_id == book.id).order_by(Account.code))
    funds = session.scalars(select(Fund).where(Fund.book_id == book.id).order_by(Fund.code))
    head_row = session.get(BookHead, book.id)
    closes = session.scalars(select(PeriodClose).where(PeriodClose.book_id == book.id).order_by(PeriodClose.through_date))
    head = {
        "book": {"code": book.code, "name_zh": book.name_zh, "name_en": book.name_en, "kind": book.kind,
                 "first_month": book.start_date.strftime("%Y-%m") if book.start_date else None,
                 "approval_threshold_fen": book.approval_threshold_fen},
        "public_key": {"algorithm": "Ed25519", "hex": book.public_key},
        "chain": {
            "algorithm": "sha256(prev_hash_hex + canonical_json(entry)); genesis is 64 zeros",
            "canonical_fields": ["approvers(sorted)", "attachments(sorted)", "book", "date",
                                 "lines[account,account_type,cash,fen,fund,note]", "makers(sorted)", "number",
                                 "reverses", "source", "summary"],
            "signatures": {"entry": "Ed25519(b'entry:' + hash_hex)", "head": "Ed25519('head:BOOK:SEQ:HASH')",
                           "close": "Ed25519('close:BOOK:YYYY-MM:SEQ:HEAD:TB_SHA256')"},
        },
        "head": ({"chain_seq": head_row.chain_seq, "hash": head_row.hash, "signature": head_row.signature}
                 if head_row else None),
        "closes": [{"period": f"{c.year:04d}-{c.month:02d}", "through": c.through_date.isoformat(),
                    "chain_seq": c.chain_seq, "chain_head": c.chain_head, "trial_balance": c.trial_balance,
                    "trial_balance_sha256": c.trial_balance_hash, "signature": c.signature} for c in closes],
        "accounts": [{"code": a.code, "name_zh": a.name_zh, "name_en": a.name_en, "type": a.type, "cash": a.cash,
                      "active": a.active} for a in accounts],
        "funds": [{"code": f.code, "name_zh": f.name_zh, "name_en": f.name_en, "restricted": f.restricted} for f in funds],
    }
    text = json.dumps(head, ensure_ascii=False, indent=1)
    out.write(text[:-2] + ',\n "entries": [\n')
    count = 0
    last = "0" * 64
    for e in iter_posted(session, book):
        doc = {
            "number": e.number, "date": e.date.isoformat(), "summary": e.summary, "source": e.source,
            "reverses": e.reverses_number, "makers": sorted(e.makers), "approvers": sorted(e.approvers),
            "lines": [{"account": l.account.code, "account_type": l.account.type, "cash": bool(l.account.cash),
                       "fund": l.fund.code, "fen": l.fen, "amount": fen_to_str(l.fen), "note": l.note} for l in e.lines],
            "attachments": sorted(e.attachments), "chain_seq": e.chain_seq, "prev_hash": e.prev_hash, "hash": e.hash,
            "signature": e.signature,
        }
        out.write(("  " if count == 0 else ", ") + json.dumps(doc, ensure_ascii=False) + "\n")
        count += 1
        last = e.hash
    out.write(f' ],\n "chain_head": {json.dumps(last)}\n}}\n')
    return count


CSV_FIELDS = ["number", "date", "summary", "account", "account_name", "fund", "debit", "credit", "note", "hash"]


def export_csv(session: Session, book: Book, out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    count = 0
    for e in iter_posted(session, book):
        for l in e.lines:
            writer.writerow(safe_row([
                e.number, e.date.isoformat(), e.summary, l.account.code, l.account.name_zh, l.fund.code,
                fen_to_str(l.fen) if l.fen > 0 else "", fen_to_str(-l.fen) if l.fen < 0 else "", l.note, e.hash,
            ]))
        count += 1
    return count


EXPORTERS = {"beancount": export_beancount, "json": export_json, "csv": export_csv}
