"""gunicorn settings for both apps in production (a reverse proxy with TLS in front of each):

    gunicorn -c deploy/gunicorn.conf.py 'ledger.app:create_app()'           # the back office
    gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:8001 'public_site:create_app()'   # the public site

Every setting here can be overridden on the command line (--bind, --workers, ...) or by GUNICORN_CMD_ARGS.
The apps themselves read LEDGER_DATABASE_URL, LEDGER_INSTANCE_DIR and the other LEDGER_* variables (README,
"Serving in production"). With more than one worker the back office's sign-in limit must count in Redis
(LEDGER_RATELIMIT_STORAGE=redis://127.0.0.1:6379), or each worker counts alone.
"""
import multiprocessing
import os

bind = os.environ.get("LEDGER_BIND", "127.0.0.1:8000")  # behind the proxy; never 0.0.0.0 without one
# Synchronous workers, one request each, two per core: the pages are CPU-bound Python (templates, JSON),
# with short database reads, so more workers than that only add switching (tests/bench/test_bench_public_site.py).
workers = int(os.environ.get("LEDGER_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
timeout = 60  # a voucher upload or a large export; publishing runs off the request path
graceful_timeout = 30
keepalive = 5  # the proxy reuses its connections
max_requests = 5000  # recycle a worker now and then, in case anything grows
max_requests_jitter = 500
accesslog = os.environ.get("LEDGER_ACCESS_LOG", "-") or None  # "-": standard output; "" turns it off
errorlog = "-"
# Both apps build their engine in create_app and connect on the first request, in the worker: nothing
# is opened before the fork, so the workers never share a database connection.
preload_app = False


def on_starting(server):
    """Say so when several back-office workers would each count sign-in attempts alone."""
    storage = os.environ.get("LEDGER_RATELIMIT_STORAGE") or "memory://"
    uri = getattr(server.app, "app_uri", "") or ""
    if server.cfg.workers > 1 and storage.startswith("memory") and uri.startswith("ledger"):
        server.log.warning("LEDGER_RATELIMIT_STORAGE is memory://: each of the %s workers limits sign-ins on its "
                           "own; set it to redis://127.0.0.1:6379 to share one count", server.cfg.workers)
