"""The public disclosure site (公示网站): what residents and funders read, as its own Flask app.

It reads only published months (the publications tables and the frozen files beside them) through a
read-only session, and never imports the back office's pages or API: it cannot show a draft, an original
voucher, a user or an owner. Published files never change, so they go out with strong ETags (their SHA-256)
and long cache lifetimes.
"""
from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

from ledger.config import PROJECT_ROOT, database_url, publications_dir
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
    )
    if test_config:
        app.config.update(test_config)
    session_module.init_app(app, read_only=True)
    Babel(app, locale_selector=_locale)

    from . import cache, views

    cache.init_app(app)

    app.register_blueprint(views.bp)
    app.register_blueprint(views.bp, url_prefix="/en", name="public_en")
    views.register_filters(app)
    return app
