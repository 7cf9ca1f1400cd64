"""The public disclosure site (公示网站): what residents and funders read, as its own Flask app.

It reads only published months (the publications tables and the frozen files beside them) through a
read-only session, and never imports the back office's pages or API: it cannot show a draft, an original
voucher, a user or an owner. Published files never change, so they go out with strong ETags (their SHA-256)
and long cache lifetimes.
"""
from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel
from werkzeug.middleware.proxy_fix import ProxyFix

from ledger.config import PROJECT_ROOT, database_url, proxy_hops, publications_dir, ratelimit_prefix, ratelimit_storage
from ledger.db import session as session_module


def _locale() -> str:
    """Chinese at /…, English at /en/…: the address alone says the language (never Accept-Language), so a page
    is the same for everyone who asks for it, and a static copy serves it as the live site does."""
    return "en" if request.blueprint == "public_en" else "zh_CN"


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"), static_folder=str(PROJECT_ROOT / "static"))
    app.config.update(
        DATABASE_URL=database_url(),
        PUBLICATIONS_DIR=str(publications_dir()),
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(PROJECT_ROOT / "translations"),
        # "Track my donation" lookups per address (projects.TRACK_RATE_LIMIT), counted as the back office counts
        # sign-ins: in Redis when LEDGER_RATELIMIT_STORAGE names one, else in this process.
        RATELIMIT_STORAGE_URI=ratelimit_storage(),
        RATELIMIT_KEY_PREFIX=f"{ratelimit_prefix()}-public",
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        PROXY_HOPS=proxy_hops(),
    )
    if test_config:
        app.config.update(test_config)
    if app.config["PROXY_HOPS"]:
        # Behind a proxy the limit counts the address the proxy saw, not the proxy's own (all readers at once).
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    session_module.init_app(app, read_only=True)
    Babel(app, locale_selector=_locale)

    from . import cache, funders, projects, views  # noqa: F401  (projects and funders add pages to views.bp first)

    cache.init_app(app)

    app.register_blueprint(views.bp)
    app.register_blueprint(views.bp, url_prefix="/en", name="public_en")
    views.register_filters(app)
    projects.init_app(app)  # after the filters it builds on
    return app
