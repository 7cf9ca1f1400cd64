"""The hash chain that lets anyone check that posted history was not rewritten.

hash(n) = sha256( hash(n-1) as 64 lowercase hex ASCII bytes + canonical_bytes(entry n) )
with hash(0) = 64 zeros. canonical_bytes is UTF-8 JSON with sorted keys and no
spaces, amounts as integer fen, lines in their line order and attachment hashes
sorted: the same form is written out by `ledger export --format json`, so a
reader can recompute the chain with any language's sha256 and JSON encoder.
"""
from __future__ import annotations

import hashlib
import json

from .model import PostedEntry

GENESIS = "0" * 64


def canonical_bytes(entry: PostedEntry) -> bytes:
    doc = {
        "book": entry.book,
        "number": entry.number,
        "date": entry.date.isoformat(),
        "summary": entry.summary,
        "lines": [
            {"account": l.account, "fund": l.fund, "fen": l.fen, "note": l.note} for l in entry.lines
        ],
        "attachments": sorted(entry.attachments),
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def chain_hash(prev_hash: str, entry: PostedEntry) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_bytes(entry)).hexdigest()
