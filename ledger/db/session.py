"""Engines and sessions for any Flask app and for the command line (after flaskr's db.py).

`init_app(app)` gives an app one engine (its DATABASE_URL) and a session per request,
closed when the request ends; `get_session()` is that request's session. The back
office and, later, the public site each call `init_app`; neither imports the other.

`read_only=True` makes every session of the app refuse to write, twice over: the
session refuses to flush anything (ReadOnlySession), and the connection itself is
read-only (PostgreSQL: default_transaction_read_only; SQLite: PRAGMA query_only), so
not even raw SQL through it can change a row. The public site runs this way.
"""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .engine import make_engine

EXTENSION = "ledger_db"


class ReadOnlyError(RuntimeError):
    """Something tried to write through a read-only session."""


class ReadOnlySession(Session):
    """A session that refuses to flush a change, so a reading app can never write by mistake."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        event.listen(self, "before_flush", _refuse_flush)


def _refuse_flush(session, _context, _instances):
    if session.new or session.dirty or session.deleted:
        raise ReadOnlyError("只读会话不能写入 / a read-only session cannot write")


def _make_read_only(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cur = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("PRAGMA query_only = ON")
        else:
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cur.close()
        if engine.dialect.name != "sqlite":
            dbapi_connection.commit()


def make_engine_for(url: str, read_only: bool = False) -> Engine:
    if read_only and url.startswith("sqlite"):
        # No IMMEDIATE write lock for a reader: plain deferred transactions.
        engine = make_engine(url, read_only=True)
    else:
        engine = make_engine(url)
    if read_only:
        _make_read_only(engine)
    return engine


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, read_only: bool = False, key_dir: str | None = None):
        self.read_only = read_only
        self.engine = make_engine_for(url, read_only)
        info = {"key_dir": key_dir} if key_dir else {}
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info=info,
                                     class_=ReadOnlySession if read_only else Session)

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask, read_only: bool = False) -> Database:
    database = Database(app.config["DATABASE_URL"], read_only, app.config.get("KEY_DIR"))
    app.extensions[EXTENSION] = database
    app.extensions["ledger_engine"] = database.engine  # tests dispose it
    app.teardown_appcontext(_close_session)
    return database


def database() -> Database:
    return current_app.extensions[EXTENSION]


def get_session() -> Session:
    """The current request's session, opened on first use."""
    if "ledger_session" not in g:
        g.ledger_session = database().sessions()
    return g.ledger_session


def _close_session(_exc) -> None:
    session = g.pop("ledger_session", None)
    if session is not None:
        session.close()
