"""The application factory: one engine per app, one session per request."""
from __future__ import annotations

from flask import Flask, Response, request, session as flask_session
from flask_babel import Babel, lazy_gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .config import (
    PROJECT_ROOT, database_url, jobs_dir, proxy_hops, publications_dir, ratelimit_prefix, ratelimit_storage, secret_key, voucher_dir,
)
from .db import session as session_module

LOCALES = ("zh_CN", "en")

babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
talisman = Talisman()

# Scripts and styles live in static files: no inline code, so the CSP can forbid it.
CSP = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:", "blob:"],
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def select_locale() -> str:
    chosen = request.args.get("lang") or flask_session.get("lang")
    if chosen in LOCALES:
        flask_session["lang"] = chosen
        return chosen
    return request.accept_languages.best_match(LOCALES, default="zh_CN") or "zh_CN"


CONTROL_REFUSED = ("输入中含有控制字符（如 NUL），已拒绝；请删除后重试",
                   "the input contains a control character (such as NUL) and was refused; remove it and try again")


def refuse_control_characters():
    """One rule for every form field and query parameter: no NUL or other control characters
    (tab and newlines aside). PostgreSQL cannot store NUL, so without this it was a 500."""
    if request.path.startswith("/api/"):
        return None  # the API's schemas refuse them field by field (422, naming the field)
    values = [*request.args.keys(), *request.args.values()]
    # The address too: /books/T1%00/journal reached the database with a NUL in the book's code.
    values += [v for v in (request.view_args or {}).values() if isinstance(v, str)]
    if request.method != "GET" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.keys(), *request.form.values()]
    for value in values:
        if any((ch < " " and ch not in "\t\n\r") or ch == "\x7f" for ch in value):
            return Response(f"{CONTROL_REFUSED[0]}\n{CONTROL_REFUSED[1]}\n", status=400,
                            mimetype="text/plain", headers={"Content-Language": "zh-CN"})
    return None


MAX_ROW_ID = 2**31 - 1  # ids are PostgreSQL INTEGERs


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: a number too big for the database matches no route (404),
    as in the API; /books/T1/entries/99999999999999999999 overflowed SQLite's and PostgreSQL's
    integers (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, min, MAX_ROW_ID if max is None else max, signed)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    app.config.update(
        DATABASE_URL=database_url(),
        VOUCHER_DIR=str(voucher_dir()),
        PUBLICATIONS_DIR=str(publications_dir()),
        JOBS_DIR=str(jobs_dir()),  # publishing jobs' progress, read by every worker
        PUBLISH_IN_BACKGROUND=True,  # a month's PDFs take seconds: never inside the request
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,  # the largest request; vouchers have their own limit
        VOUCHER_MAX_BYTES=20 * 1024 * 1024,
        # One upload request decodes at most this much: a phone's few photos, not hundreds of 60 MP files.
        VOUCHER_MAX_FILES=10,
        VOUCHER_MAX_PIXELS_PER_REQUEST=120_000_000,
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",  # times are stored in UTC, shown in China's time
        BABEL_TRANSLATION_DIRECTORIES=str(PROJECT_ROOT / "translations"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # memory:// counts in this process only; several workers share a count in Redis (LEDGER_RATELIMIT_STORAGE).
        RATELIMIT_STORAGE_URI=ratelimit_storage(),
        RATELIMIT_KEY_PREFIX=ratelimit_prefix(),
        # Redis down: count in this worker's memory meanwhile rather than fail every sign-in with a 500.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        LOGIN_RATE_LIMIT="10 per minute",
        FORCE_HTTPS=False,  # set behind a TLS-terminating proxy
        PROXY_HOPS=proxy_hops(),  # reverse proxies in front (LEDGER_PROXY_HOPS): whose X-Forwarded-For to trust
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key()

    session_module.init_app(app)
    if app.config["PROXY_HOPS"]:
        # The sign-in limit counts per client: behind a proxy that is the address the proxy saw, not its own.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flask-Login's own text is English only; ours goes through the catalogue.
    _ = lazy_gettext  # named `_` so that pybabel extracts the message
    login_manager.login_message = _("Please sign in to see this page.")
    limiter.init_app(app)
    talisman.init_app(
        app,
        content_security_policy=CSP,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["FORCE_HTTPS"],
        frame_options="DENY",
    )

    from .api import init_api
    from .web import auth, office, vouchers
    from .web.errors import register_error_pages
    from .web.helpers import register_helpers

    app.before_request(refuse_control_characters)
    app.register_blueprint(auth.bp)
    app.register_blueprint(office.bp)
    app.register_blueprint(vouchers.bp)
    init_api(app)
    register_helpers(app)
    register_error_pages(app)

    return app
