"""Settings from environment variables; LEDGER_DATABASE_URL first."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("LEDGER_INSTANCE_DIR", PROJECT_ROOT / "instance"))


def database_url() -> str:
    url = os.environ.get("LEDGER_DATABASE_URL")
    if url:
        return url
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'ledger.sqlite3'}"


def secret_key() -> str:
    key = os.environ.get("LEDGER_SECRET_KEY")
    if key:
        return key
    # A key generated once per instance folder keeps sessions valid across restarts.
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
    return path.read_text().strip()


def key_dir() -> Path:
    """Where the books' signing keys live: outside the database, never in a table."""
    return Path(os.environ.get("LEDGER_KEY_DIR") or (INSTANCE_DIR / "keys"))
