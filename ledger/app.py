"""The application factory: one engine per app, one session per request."""
from __future__ import annotations

import os

from flask import Flask, g, request, session as flask_session
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from .config import PROJECT_ROOT, database_url, secret_key
from .db.engine import make_engine, make_sessionmaker

LOCALES = ("zh_CN", "en")

babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()


def select_locale() -> str:
    chosen = request.args.get("lang") or flask_session.get("lang")
    if chosen in LOCALES:
        flask_session["lang"] = chosen
        return chosen
    return request.accept_languages.best_match(LOCALES, default="zh_CN") or "zh_CN"


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(
        DATABASE_URL=database_url(),
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_TRANSLATION_DIRECTORIES=str(PROJECT_ROOT / "translations"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key()

    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["ledger_engine"] = engine
    app.extensions["ledger_sessions"] = make_sessionmaker(engine)

    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    from .web import auth, office
    from .web.helpers import register_helpers

    app.register_blueprint(auth.bp)
    app.register_blueprint(office.bp)
    register_helpers(app)

    @app.teardown_appcontext
    def _close_session(_exc):
        db = g.pop("db", None)
        if db is not None:
            db.close()

    return app


def db():
    """The request's SQLAlchemy session (committed by the view that changes things)."""
    from flask import current_app

    if "db" not in g:
        g.db = current_app.extensions["ledger_sessions"]()
    return g.db
