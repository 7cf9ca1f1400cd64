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

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.schema import Account, Book, Fund
from ..domain.money import fen_to_str
from .history import iter_posted

_ROOTS = {"asset": "Assets", "liability": "Liabilities", "net_assets": "Equity", "income": "Income", "expense": "Expenses"}


def beancount_account(account: Account) -> str:
    words = re.findall(r"[A-Za-z0-9]+", account.name_en)
    slug = "-".join(w[:1].upper() + w[1:] for w in words)[:60].strip("-")
    return f"{_ROOTS[account.type]}:C{account.code}" + (f"-{slug}" if slug else "")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def export_beancount(session: Session, book: Book, out: TextIO) -> int:
    accounts = list(session.scalars(select(Account).where(Account.book_id == book.id).order_by(Account.code)))
    funds = list(session.scalars(select(Fund).where(Fund.book_id == book.id).order_by(Fund.code)))
    entries = iter_posted(session, book)
    first = next(entries, None)
    open_date = first.date if first else book.created_at.date()
    out.write(f"; {book.name_zh} / {book.name_en} ({book.code}), exported by 共治账本\n")
    out.write(f"option \"title\" {_quote(book.name_zh + ' / ' + book.name_en)}\n")
    out.write("option \"operating_currency\" \"CNY\"\n\n")
    for f in funds:
        out.write(f"; fund {f.code}: {f.name_zh} / {f.name_en}{' (restricted)' if f.restricted else ''}\n")
    out.write("\n")
    for a in accounts:
        out.write(f"{open_date.isoformat()} open {beancount_account(a)} CNY\n")
        out.write(f"  name: {_quote(a.name_zh)}\n")
    out.write("\n")
    count = 0
    names = {a.id: beancount_account(a) for a in accounts}
    for e in ([first] if first else []):
        count += _write_transaction(out, e, names)
    for e in entries:
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
    """One JSON document; entries in chain order with their hashes, amounts as fen and strings."""
    accounts = session.scalars(select(Account).where(Account.book_id == book.id).order_by(Account.code))
    funds = session.scalars(select(Fund).where(Fund.book_id == book.id).order_by(Fund.code))
    head = {
        "book": {"code": book.code, "name_zh": book.name_zh, "name_en": book.name_en, "kind": book.kind},
        "chain": {
            "algorithm": "sha256(prev_hash_hex + canonical_json(entry)); genesis is 64 zeros",
            "canonical_fields": ["book", "number", "date", "summary", "lines[account,fund,fen,note]", "attachments(sorted)"],
        },
        "accounts": [{"code": a.code, "name_zh": a.name_zh, "name_en": a.name_en, "type": a.type, "active": a.active} for a in accounts],
        "funds": [{"code": f.code, "name_zh": f.name_zh, "name_en": f.name_en, "restricted": f.restricted} for f in funds],
    }
    text = json.dumps(head, ensure_ascii=False, indent=1)
    out.write(text[:-2] + ',\n "entries": [\n')
    count = 0
    last = "0" * 64
    for e in iter_posted(session, book):
        doc = {
            "number": e.number, "date": e.date.isoformat(), "summary": e.summary, "source": e.source,
            "lines": [{"account": l.account.code, "fund": l.fund.code, "fen": l.fen, "amount": fen_to_str(l.fen), "note": l.note} for l in e.lines],
            "attachments": sorted(e.attachments), "chain_seq": e.chain_seq, "prev_hash": e.prev_hash, "hash": e.hash,
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
            writer.writerow([
                e.number, e.date.isoformat(), e.summary, l.account.code, l.account.name_zh, l.fund.code,
                fen_to_str(l.fen) if l.fen > 0 else "", fen_to_str(-l.fen) if l.fen < 0 else "", l.note, e.hash,
            ])
        count += 1
    return count


EXPORTERS = {"beancount": export_beancount, "json": export_json, "csv": export_csv}
