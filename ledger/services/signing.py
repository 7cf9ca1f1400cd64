"""The books' signing keys: Ed25519, one per book, kept in files outside the database.

Whoever holds only a SQL prompt cannot sign, so they cannot add, alter, remove or
reorder posted history without `ledger verify` naming it. The public half is also
written to the book's row (and to exports and publications) so that anyone can check.
The folder is LEDGER_KEY_DIR, or `keys/` in the instance folder; back it up apart from
the database: a lost key means history can still be read but no longer proven.
"""
from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from ..config import key_dir
from ..domain.errors import LedgerError


class SigningKeyMissing(LedgerError):
    code = "signing_key_missing"
    status = 503


class KeyStore:
    """A folder of `<BOOK>.ed25519` private keys (PEM, PKCS#8, readable by the owner only)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, book_code: str) -> Path:
        return self.root / f"{book_code}.ed25519"

    def ensure(self, book_code: str) -> str:
        """Create the book's key if it has none; return its public key (hex). Never replaces a key."""
        path = self.path(book_code)
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it first: use theirs
            else:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(pem)
        return self.public_key(book_code)

    def _private(self, book_code: str) -> Ed25519PrivateKey:
        try:
            data = self.path(book_code).read_bytes()
        except FileNotFoundError:
            raise SigningKeyMissing(
                f"找不到账簿 {book_code} 的签名密钥（{self.path(book_code)}）；请运行 ledger keys init，或恢复密钥文件",
                f"no signing key for book {book_code} ({self.path(book_code)}); run `ledger keys init` or restore the key file",
                "book",
            ) from None
        return serialization.load_pem_private_key(data, password=None)

    def has(self, book_code: str) -> bool:
        return self.path(book_code).exists()

    def public_key(self, book_code: str) -> str:
        raw = self._private(book_code).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return raw.hex()

    def signer(self, book_code: str) -> "Signer":
        return Signer(self._private(book_code))


class Signer:
    def __init__(self, key: Ed25519PrivateKey):
        self._key = key

    def sign(self, message: bytes) -> str:
        return self._key.sign(message).hex()


def keys_for(session: Session) -> KeyStore:
    """The key store of a session: `session.info["key_dir"]` when its factory set one, else the configured folder."""
    return KeyStore(session.info.get("key_dir") or key_dir())
