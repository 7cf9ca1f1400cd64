"""Settings from environment variables; LEDGER_DATABASE_URL first."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_dir() -> Path:
    """The instance folder (LEDGER_INSTANCE_DIR, default instance/ beside the code), read when asked."""
    return Path(os.environ.get("LEDGER_INSTANCE_DIR") or (PROJECT_ROOT / "instance"))


INSTANCE_DIR = instance_dir()  # as it was at start-up; prefer instance_dir()


def database_url() -> str:
    url = os.environ.get("LEDGER_DATABASE_URL")
    if url:
        return url
    instance_dir().mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_dir() / 'ledger.sqlite3'}"


def voucher_dir() -> Path:
    """Where voucher originals and their public copies live (private to the back office)."""
    return Path(os.environ.get("LEDGER_VOUCHER_DIR") or (instance_dir() / "vouchers"))


def secret_key() -> str:
    key = os.environ.get("LEDGER_SECRET_KEY")
    if key:
        return key
    # A key generated once per instance folder keeps sessions valid across restarts.
    instance_dir().mkdir(parents=True, exist_ok=True)
    path = instance_dir() / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
    return path.read_text().strip()


def key_dir() -> Path:
    """Where the books' signing keys live: outside the database, never in a table."""
    return Path(os.environ.get("LEDGER_KEY_DIR") or (instance_dir() / "keys"))


def publications_dir() -> Path:
    """Where published months' files are frozen (each publication's folder, written once)."""
    return Path(os.environ.get("LEDGER_PUBLICATIONS_DIR") or (instance_dir() / "publications"))


def jobs_dir() -> Path:
    """Where the back office keeps the progress of publishing jobs (every worker reads it)."""
    return Path(os.environ.get("LEDGER_JOBS_DIR") or (instance_dir() / "jobs"))


def public_url() -> str:
    """Where residents read the public site (LEDGER_PUBLIC_URL): the QR codes on the notices lead there."""
    return (os.environ.get("LEDGER_PUBLIC_URL") or "http://127.0.0.1:5001").rstrip("/")


def ratelimit_storage() -> str:
    """Where Flask-Limiter counts sign-in attempts (LEDGER_RATELIMIT_STORAGE). memory:// counts per process:
    fine for `make run`, wrong under several gunicorn workers, where each would count alone; give them
    redis://HOST:6379 (or redis://HOST:6379/N) to share one count."""
    return os.environ.get("LEDGER_RATELIMIT_STORAGE") or "memory://"


def ratelimit_prefix() -> str:
    """The prefix of the limiter's keys in that storage (LEDGER_RATELIMIT_PREFIX), for a Redis shared with others."""
    return os.environ.get("LEDGER_RATELIMIT_PREFIX") or "ledger"


def proxy_hops() -> int:
    """How many reverse proxies stand before the app (LEDGER_PROXY_HOPS, default 0). Behind one, every request
    comes from the proxy's address, so the sign-in limit would count all residents as one; with the hops set,
    the client's address is taken from that many X-Forwarded-For entries (set by our proxies, not the caller's)
    and X-Forwarded-Proto tells the app it was reached over HTTPS. Never set it without a proxy: a caller could
    then pick any address it likes with the header."""
    raw = os.environ.get("LEDGER_PROXY_HOPS") or "0"
    try:
        hops = int(raw)
    except ValueError:
        hops = -1
    if not 0 <= hops <= 5:
        raise SystemExit(f"LEDGER_PROXY_HOPS 应为 0 到 5 的整数，现为 {raw!r} / LEDGER_PROXY_HOPS must be a whole number from 0 to 5, not {raw!r}")
    return hops
