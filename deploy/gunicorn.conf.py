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
# One worker per core, each with a few threads: kept-alive connections cost no new accept, and a slow client
# (a phone uploading a voucher) holds a thread, not a process. On this project's 2-core machine, against the
# public site (tests/bench/test_bench_public_site.py, 64 connections), 2 workers of 8 threads served about
# twice what 2 synchronous workers did, and 4 synchronous workers served less than 2.
workers = int(os.environ.get("LEDGER_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("LEDGER_THREADS", 8))
timeout = 60  # a voucher upload or a large export; publishing runs off the request path
graceful_timeout = 30
keepalive = 5  # the proxy reuses its connections
# No recycling of workers after N requests: a new worker starts cold (imports, empty page cache) while the
# others take its share, and at a public site's rates 5,000 requests meant a restart every few seconds, which
# was the p99 (tests/bench/test_bench_public_site.py). Nothing here is known to grow without bound.
max_requests = 0
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


def post_worker_init(worker):
    """Move what the app loaded (SQLAlchemy's mappings, templates, catalogues) out of the garbage collector's
    sight: its full collections then walk only what requests make, and stop showing in the p99."""
    import gc

    gc.collect()
    gc.freeze()
