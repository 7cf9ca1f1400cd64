"""Benchmark: the public site under gunicorn (deploy/gunicorn.conf.py) on 127.0.0.1, read by wrk.

    make bench                                                   # installs wrk if missing (tools/bench-packages.sh)
    .venv/bin/python -m pytest tests/bench/test_bench_public_site.py -s -q -p no:cacheprovider
    BENCH_PUBLIC_SETTINGS="sync:2 gthread:2x32" BENCH_SECONDS=10 BENCH_REPEAT=3 ...

For each database (a fresh SQLite file; a fresh PostgreSQL database on LEDGER_TEST_POSTGRES_URL's server, else
postgresql://postgres@127.0.0.1:5432/postgres, dropped afterwards) it runs `ledger db upgrade` and `ledger demo`
(which publishes the trust's closed months), then for each gunicorn setting (`sync:N` is N synchronous workers,
`gthread:NxT` N workers of T threads) serves `public_site:create_app()` and runs `wrk -c64 --latency` against a
publication page (/JCHY/YYYY-MM/, the latest month: statements, entries, the supervisor's word) and a statement
(the month's published statements.json, BENCH_PUBLIC_PATHS overrides both), BENCH_REPEAT times each after a
warm-up; it prints the median requests per second and latency percentiles, with the issue's aim (1,500 req/s and
p99 under 50 ms on this 2-core machine) marked PASS or MISS. A miss does not fail the test; a wrong page, a
non-2xx answer or a socket error does.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledger.db.engine import normalise_url
from tests.serving import PUBLIC_SITE, gunicorn

SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
SETTINGS = os.environ.get("BENCH_PUBLIC_SETTINGS", "gthread:2x8 sync:2 gthread:2x32").split()
PG_SERVER = os.environ.get("LEDGER_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
AIM_RPS, AIM_P99_MS = 1500, 50
LEDGER = str(Path(sys.executable).parent / "ledger")


def _worker_args(setting: str) -> tuple[int, tuple[str, ...]]:
    kind, _, count = setting.partition(":")
    if kind == "sync":
        return int(count), ("--worker-class", "sync")
    if kind == "gthread":
        workers, _, threads = count.partition("x")
        return int(workers), ("--worker-class", "gthread", "--threads", threads)
    raise ValueError(f"unknown gunicorn setting {setting!r}: sync:N or gthread:NxT")


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_site(request, tmp_path):
    """The environment for a public site over a fresh database holding the published demo."""
    env = {"LEDGER_INSTANCE_DIR": str(tmp_path), "LEDGER_KEY_DIR": str(tmp_path / "keys")}
    name = None
    if request.param == "postgresql":
        admin = create_engine(normalise_url(PG_SERVER), isolation_level="AUTOCOMMIT")
        name = f"ledger_bench_public_{uuid.uuid4().hex[:8]}"
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as e:  # noqa: BLE001  (no server: SQLite's figures stand alone)
            admin.dispose()
            pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {e}")
        env["LEDGER_DATABASE_URL"] = str(make_url(normalise_url(PG_SERVER)).set(database=name))
    full = {**os.environ, **env}
    try:
        for args in (["db", "upgrade"], ["demo", "--without-compound"]):
            subprocess.run([LEDGER, *args], env=full, check=True, stdout=subprocess.DEVNULL)
        listed = subprocess.run([LEDGER, "publications", "list", "--book", "JCHY", "--format", "json"], env=full,
                                check=True, capture_output=True, text=True).stdout
        yield request.param, env, json.loads(listed)
    finally:
        if name:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _wrk(url: str, seconds: int) -> dict:
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url], check=True,
                         capture_output=True, text=True).stdout
    assert "Non-2xx" not in out and "Socket errors" not in out, out

    def ms(label):
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            **{p: ms(p.replace("p", "") + "%") for p in ("p50", "p75", "p90", "p99")}}


def test_bench_public_site_under_gunicorn(demo_site, tmp_path):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (make bench installs it: tools/bench-packages.sh)")
    backend, env, listed = demo_site
    latest = max((p for p in listed), key=lambda p: (p["period"], p["version"]))
    paths = os.environ.get("BENCH_PUBLIC_PATHS", "").split() or [
        f"/JCHY/{latest['period']}/", f"/JCHY/{latest['period']}/v{latest['version']}/files/statements.json"]
    print(f"\n== public site on {backend}: wrk -t2 -c{CONNECTIONS} -d{SECONDS}s --latency, median of {REPEAT} "
          f"(aim: {AIM_RPS} req/s, p99 < {AIM_P99_MS} ms; {os.cpu_count()} CPUs)")
    for setting in SETTINGS:
        workers, extra = _worker_args(setting)
        with gunicorn(PUBLIC_SITE, env, workers=workers, extra=extra, log=tmp_path / f"gunicorn-{setting}.log") as base:
            for path in paths:
                with urllib.request.urlopen(base + path) as response:  # the right page, before timing it
                    body = response.read().decode()
                if path.endswith("/"):
                    assert re.search(r'data-testid="total-expense">[\d,]+\.\d\d<', body)
                else:
                    assert json.loads(body)["period"] == latest["period"]
                _wrk(base + path, 2)  # warm-up: every worker imports, connects and fills its page cache
                runs = [_wrk(base + path, SECONDS) for _ in range(REPEAT)]
                med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                each = ", ".join(f"{r['rps']:.0f}/{r['p99']:.0f}ms" for r in runs)
                verdict = "PASS" if med["rps"] >= AIM_RPS and med["p99"] < AIM_P99_MS else "MISS"
                print(f"{setting:<12} {path:<42} {med['rps']:>8.0f} req/s  p50 {med['p50']:6.1f} ms  "
                      f"p75 {med['p75']:6.1f}  p90 {med['p90']:6.1f}  p99 {med['p99']:6.1f} ms  {verdict}  "
                      f"(runs, req/s / p99: {each})")
