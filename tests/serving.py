"""Start either app under gunicorn with deploy/gunicorn.conf.py on 127.0.0.1, as production would, for the
tests and benchmarks that need real processes (several workers, several servers)."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
BACK_OFFICE = "ledger.app:create_app()"
PUBLIC_SITE = "public_site:create_app()"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int = 1, log: Path | None = None, extra: tuple = ()):
    """Serve `app` under gunicorn until the block ends; yields its base URL. The environment is this process's
    with `env` on top (LEDGER_DATABASE_URL and friends)."""
    port = free_port()
    args = [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), *extra, app]
    out = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "LEDGER_ACCESS_LOG": "", **env},
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}" + (f"; see {log}" if log else ""))
            try:
                urllib.request.urlopen(base + "/", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break  # it answers (a redirect to sign in, a 404): it is up
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer on {base} within 30 s")
                time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)  # the arbiter stops its workers gracefully
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if log:
            out.close()
