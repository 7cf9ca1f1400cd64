"""The hash chain and the signatures that let anyone check that posted history was not rewritten.

hash(n) = sha256( hash(n-1) as 64 lowercase hex ASCII bytes + canonical_bytes(entry n) )
with hash(0) = 64 zeros. canonical_bytes is UTF-8 JSON with sorted keys and no spaces:

    {"approvers": [user names, sorted], "attachments": [sha256 hex, sorted], "book": code,
     "date": "YYYY-MM-DD", "lines": [{"account", "account_type", "cash", "fen", "fund", "note"}
     in line order], "makers": [user names, sorted], "number": "记-YYYY-MM-NNNN",
     "reverses": number or null, "source": "manual" | "import" | "reversal" | "opening",
     "summary": text}

Every posted entry also carries an Ed25519 signature, by its book's key, of the bytes
``entry:`` + its hash; the book's chain head is signed as ``head:BOOK:SEQ:HASH`` and each
month's close as ``close:BOOK:YYYY-MM:SEQ:HEAD:TB_HASH``. Before posting, a submission is signed
as ``submit:BOOK:ENTRY_ID:DIGEST`` and each approval as ``approve:BOOK:ENTRY_ID:USER:DIGEST``, where
DIGEST is the SHA-256 of `submission_doc`; a public voucher copy as ``public:BOOK:ATTACHMENT_ID:SEQ:DIGEST``. The same forms are written out by
`ledger export --format json`, so a reader can check the chain with any language's SHA-256,
JSON encoder and Ed25519 library, and the book's public key alone.
"""
from __future__ import annotations

import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .model import PostedEntry

GENESIS = "0" * 64


def canonical_json(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def canonical_doc(entry: PostedEntry) -> dict:
    return {
        "book": entry.book,
        "number": entry.number,
        "date": entry.date.isoformat(),
        "summary": entry.summary,
        "lines": [
            {"account": l.account, "account_type": l.account_type, "cash": l.cash, "fund": l.fund, "fen": l.fen,
             "note": l.note}
            for l in entry.lines
        ],
        "attachments": sorted(entry.attachments),
        "makers": sorted(entry.makers),
        "approvers": sorted(entry.approvers),
        "source": entry.source,
        "reverses": entry.reverses,
    }


def canonical_bytes(entry: PostedEntry) -> bytes:
    return canonical_json(canonical_doc(entry))


def chain_hash(prev_hash: str, entry: PostedEntry) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_bytes(entry)).hexdigest()


# What a book's key signs: each kind of record has its own prefix, so that no signature
# made for one kind can be passed off as another.
def entry_message(hash_hex: str) -> bytes:
    return b"entry:" + hash_hex.encode("ascii")


def head_message(book: str, chain_seq: int, hash_hex: str) -> bytes:
    return f"head:{book}:{chain_seq}:{hash_hex}".encode("utf-8")


def close_message(book: str, period: str, chain_seq: int, chain_head: str, tb_hash: str) -> bytes:
    return f"close:{book}:{period}:{chain_seq}:{chain_head}:{tb_hash}".encode("utf-8")


def submission_message(book: str, entry_id: int, digest: str) -> bytes:
    """An entry as its makers submitted it for approval (see `submission_doc`)."""
    return f"submit:{book}:{entry_id}:{digest}".encode("utf-8")


def approval_message(book: str, entry_id: int, username: str, digest: str) -> bytes:
    """One approver's yes to an entry as it was submitted."""
    return f"approve:{book}:{entry_id}:{username}:{digest}".encode("utf-8")


def submission_doc(book: str, entry_id: int, date: str, summary: str, lines: list[tuple[str, str, int, str]],
                   source: str, reverses_id: int | None, makers: list[str], attachments: list[str],
                   round: int = 0) -> dict:
    """What an approver approves: the content, its vouchers (SHA-256 of each original), everyone who made it and
    which submission of the entry it is (`round`, 1 for the first; absent for submissions made before rounds
    were counted). Changed afterwards (by SQL: a submitted entry is not yet guarded), it no longer matches the
    signed submission and cannot be approved; an approval of an earlier round (before the entry was sent back)
    signed another digest and does not count."""
    doc = {"book": book, "entry": entry_id, "date": date, "summary": summary,
           "lines": [list(l) for l in lines], "source": source, "reverses": reverses_id, "makers": sorted(makers),
           "attachments": sorted(attachments)}
    if round:
        doc["round"] = round
    return doc


def trial_balance_doc(book: str, period: str, through: str, balances: dict[tuple[str, str], int]) -> dict:
    """A month's closing trial balance: every non-zero (account, fund) balance up to its last day."""
    return {
        "book": book,
        "period": period,
        "through": through,
        "balances": [[account, fund, fen] for (account, fund), fen in sorted(balances.items()) if fen],
    }


def public_copy_message(book: str, attachment_id: int, seq: int, digest: str) -> bytes:
    """A voucher's public (redacted) copy number SEQ: DIGEST is the SHA-256 of {"pages", "redactions"} as stored."""
    return f"public:{book}:{attachment_id}:{seq}:{digest}".encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signature_ok(public_key_hex: str, message: bytes, signature_hex: str | None) -> bool:
    """True when `signature_hex` is the Ed25519 signature of `message` by the key."""
    if not signature_hex:
        return False
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        key.verify(bytes.fromhex(signature_hex), message)
        return True
    except (InvalidSignature, ValueError):
        return False


def publication_message(book: str, period: str, version: int, manifest_sha256: str) -> bytes:
    """A month's publication, version VERSION: MANIFEST_SHA256 is the SHA-256 of its manifest.json bytes."""
    return f"publication:{book}:{period}:{version}:{manifest_sha256}".encode("utf-8")


def project_message(book: str, project: str, progress_sha256: str) -> bytes:
    """A micro-project's public progress document (progress.json): PROGRESS_SHA256 is the SHA-256 of its bytes."""
    return f"project:{book}:{project}:{progress_sha256}".encode("utf-8")


def receipt_message(book: str, receipt: str, receipt_sha256: str) -> bytes:
    """A donation's public receipt document (receipts/CODE.json): RECEIPT_SHA256 is the SHA-256 of its bytes."""
    return f"receipt:{book}:{receipt}:{receipt_sha256}".encode("utf-8")


def funder_message(book: str, funder: str, doc_sha256: str) -> bytes:
    """A funder's public document across the book's projects (funders/CODE.json): DOC_SHA256 of its bytes."""
    return f"funder:{book}:{funder}:{doc_sha256}".encode("utf-8")


def pool_message(book: str, pool: str, doc_sha256: str) -> bytes:
    """A matching pool's public document (pools/CODE.json): DOC_SHA256 of its bytes."""
    return f"pool:{book}:{pool}:{doc_sha256}".encode("utf-8")


def opinion_message(book: str, period: str, version: int, kind: str, user: str, text_sha256: str) -> bytes:
    """The supervisor's sign-off or objection on a publication: TEXT_SHA256 is the SHA-256 of its words."""
    return f"opinion:{book}:{period}:{version}:{kind}:{user}:{text_sha256}".encode("utf-8")
