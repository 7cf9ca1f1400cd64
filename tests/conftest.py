"""Fixtures: every test gets fresh databases, SQLite always and PostgreSQL when
LEDGER_TEST_POSTGRES_URL is set. Each is copied from a template migrated once
per run (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL) and
dropped afterwards, so tests never share state."""
from __future__ import annotations

import contextlib

import atexit
import concurrent.futures
import datetime as dt
import os
import queue
import shutil
import tempfile
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledger.db.engine import make_engine, make_sessionmaker, normalise_url, transaction
from ledger.db.migrate import upgrade
from ledger.domain.model import EntryInput, Line
from ledger.domain.money import to_fen
from ledger.services import books, entries, users

# The books' signing keys and witnesses live outside the database, one folder per database: each
# test's database gets its own (`_fresh_database`), a copy of its template's. This one is the
# fallback for code that runs outside a test's database.
if "LEDGER_KEY_DIR" not in os.environ:
    os.environ["LEDGER_KEY_DIR"] = tempfile.mkdtemp(prefix="ledger-keys-")
    atexit.register(shutil.rmtree, os.environ["LEDGER_KEY_DIR"], True)

# Cheap password hashes: fixtures create many users; production keeps scrypt.
users.PASSWORD_METHOD = "pbkdf2:sha256:1000"

PG_URL = os.environ.get("LEDGER_TEST_POSTGRES_URL")
RUN_ID = uuid.uuid4().hex[:10]
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin_engine():
    return create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")


def _load_demo(url: str, keys: Path) -> None:
    from ledger.services.demo import load_demo

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    factory.configure(info={"key_dir": str(keys)})  # the demo's keys and witnesses, copied with the template
    with transaction(factory) as s:
        load_demo(s, compound=False)  # the 600-unit compound has its own module: tests/integration/test_demo_compound.py
    engine.dispose()


def _pg_url(name: str) -> str:
    return str(make_url(normalise_url(PG_URL)).set(database=name))


def _pg_create(name: str, template: str | None = None) -> None:
    admin = _pg_admin_engine()
    with admin.connect() as conn:  # an unreachable server fails the run here, loudly
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()


def _pg_drop(name: str) -> None:
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class _PgCopies:
    """Each test's PostgreSQL database, copied from its template one test ahead and dropped behind, on threads.

    CREATE DATABASE ... TEMPLATE and DROP DATABASE wait on the server, not on this process: every DROP DATABASE
    asks for a checkpoint and waits for it (0.3-2 s on a busy disk). Done in each test's setup and teardown they
    were most of a PostgreSQL test's time. Here the copy the next test takes is made while this one runs, and
    used databases are dropped on a few threads at once, so that drops waiting together share one checkpoint.
    A test still gets a database nobody else has touched, identical to its template."""

    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self._ready: dict[str, list[str]] = defaultdict(list)
        self._lock = threading.Lock()
        self._errors: list[BaseException] = []
        self._drops = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="pg-drop")
        self._dropping: list[concurrent.futures.Future] = []
        threading.Thread(target=self._work, name="pg-copies", daemon=True).start()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job()
            except BaseException as exc:  # noqa: BLE001 -- raised in the test's thread by the next `take`
                self._errors.append(exc)
            finally:
                self._jobs.task_done()

    @staticmethod
    def _name() -> str:
        return f"ledger_t_{RUN_ID}_{uuid.uuid4().hex[:8]}"

    def _make_ahead(self, template: str) -> None:
        name = self._name()
        _pg_create(name, template)
        with self._lock:
            self._ready[template].append(name)

    def take(self, template: str) -> str:
        if self._errors:
            raise self._errors.pop()
        with self._lock:
            name = self._ready[template].pop() if self._ready[template] else None
        if name is None:
            name = self._name()
            _pg_create(name, template)
        self._jobs.put(lambda: self._make_ahead(template))
        return name

    def give_back(self, name: str) -> None:
        with self._lock:
            self._dropping = [f for f in self._dropping if not f.done() or f.exception()]
            self._dropping.append(self._drops.submit(_pg_drop, name))

    def forget(self, template: str) -> None:
        """Before a template is dropped: finish making copies and dropping, then drop the copies nobody took."""
        self._jobs.join()
        with self._lock:
            left, dropping = self._ready.pop(template, []), list(self._dropping)
        dropping += [self._drops.submit(_pg_drop, name) for name in left]
        for future in dropping:
            future.result()
        if self._errors:
            raise self._errors.pop()


PG_COPIES = _PgCopies() if PG_URL else None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close folds the WAL into the file
    return path


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "demo.sqlite3"
    shutil.copy(sqlite_template, path)
    _load_demo(f"sqlite:///{path}", _template_keys(path))
    atexit.register(shutil.rmtree, _template_keys(path), True)
    return path


def _template_keys(template) -> Path:
    """The key folder that goes with a template database (empty for the empty templates)."""
    return Path(tempfile.gettempdir()) / f"ledger-tpl-keys-{RUN_ID}-{os.getpid()}-{Path(str(template)).name}"


@pytest.fixture(scope="session")
def pg_template():
    if not PG_URL:
        if os.environ.get("CI"):  # CI must never pass by quietly leaving PostgreSQL out
            pytest.fail("CI is set but LEDGER_TEST_POSTGRES_URL is not: the PostgreSQL tests must run")
        pytest.skip("LEDGER_TEST_POSTGRES_URL is not set")
    name = f"ledger_tpl_{RUN_ID}_{os.getpid()}"
    _pg_create(name)
    engine = make_engine(_pg_url(name))
    upgrade(engine)
    engine.dispose()
    yield name
    PG_COPIES.forget(name)
    _pg_drop(name)


@pytest.fixture(scope="session")
def pg_demo_template(pg_template):
    name = f"ledger_demo_{RUN_ID}_{os.getpid()}"
    _pg_create(name, pg_template)
    _load_demo(_pg_url(name), _template_keys(name))
    yield name
    shutil.rmtree(_template_keys(name), True)
    PG_COPIES.forget(name)
    _pg_drop(name)


def _own_keys(request, tmp_path, template) -> None:
    """This test's key folder: a copy of its template's, named by LEDGER_KEY_DIR while the test runs."""
    keys = tmp_path / "keys"
    if _template_keys(template).is_dir():
        shutil.copytree(_template_keys(template), keys)
    request.getfixturevalue("monkeypatch").setenv("LEDGER_KEY_DIR", str(keys))


def _fresh_database(request, tmp_path, sqlite_fixture: str, pg_fixture: str):
    """Copy a template into a database for this test alone; drop it afterwards."""
    if request.param == "sqlite":
        path = tmp_path / "ledger.sqlite3"
        template = request.getfixturevalue(sqlite_fixture)
        shutil.copy(template, path)
        _own_keys(request, tmp_path, template)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue(pg_fixture)
    _own_keys(request, tmp_path, template)
    name = PG_COPIES.take(template)
    yield _pg_url(name)
    PG_COPIES.give_back(name)


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh, migrated, empty database for one test."""
    yield from _fresh_database(request, tmp_path, "sqlite_template", "pg_template")


@pytest.fixture(params=BACKENDS)
def demo_db_url(request, tmp_path):
    """A fresh database holding the demo books, for one test."""
    yield from _fresh_database(request, tmp_path, "sqlite_demo_template", "pg_demo_template")


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return make_sessionmaker(engine)


@dataclass
class Ledger:
    """A trust book with a maker and two approvers, for tests that post entries."""

    sessions: object
    book_code: str = "T1"

    def tx(self):
        return transaction(self.sessions)

    def user(self, session, name):
        return users.get_user(session, name)

    def book(self, session):
        from ledger.services.access import get_book

        return get_book(session, self.book_code)

    def entry_input(self, date, summary, *lines, key=None) -> EntryInput:
        return EntryInput(date=date, summary=summary, lines=tuple(Line(a, f, to_fen(amt)) for a, f, amt in lines), idempotency_key=key)

    @staticmethod
    def satisfy_checklist(session, book, user, year, month):
        """Do what a committee does before closing: explain voucher-less expenses, enter the bank statement."""
        from ledger.services import periods

        check = periods.checklist(session, book, year, month)
        for entry in check.missing_vouchers:
            periods.waive_voucher(session, user, book, entry, "纸质凭证存档于业委会办公室")
        for bank in check.banks:
            periods.record_bank_balance(session, user, book, year, month, bank.account.code, bank.book_fen)

    def close(self, year, month, closer="approver1"):
        from ledger.services import periods

        with self.tx() as s:
            book, user = self.book(s), self.user(s, closer)
            self.satisfy_checklist(s, book, user, year, month)
            return periods.close_period(s, user, book, year, month)

    def post(self, date, summary, *lines, key=None, maker="maker"):
        """Make, submit and approve (twice when needed) an entry; return its number."""
        with self.tx() as s:
            book = self.book(s)
            entry = entries.create_entry(s, self.user(s, maker), book, self.entry_input(date, summary, *lines, key=key), submit=True)
            for name in ("approver1", "approver2")[: entries.approvals_needed(book, entry)]:
                entries.approve_entry(s, self.user(s, name), book, entry)
            return entry.number


@pytest.fixture
def ledger(sessions) -> Ledger:
    with transaction(sessions) as s:
        system = users.system_user(s)
        book = books.create_book(s, system, "T1", "测试小区信托", "Test trust", "trust", first_month=(2025, 1))
        for name, role in [("maker", "treasurer"), ("approver1", "committee"), ("approver2", "committee"),
                           ("watcher", "supervisor"), ("reader", "viewer"), ("clerk", "trustee")]:
            user = users.create_user(s, name, name, "password-123")
            users.grant_role(s, system, user, book, role)
        users.create_user(s, "outsider", "outsider", "password-123")
    return Ledger(sessions)


D = dt.date


# -- The web app, as flaskr's tests have it: one `app`, a `client`, `sign_in(user)`, `api(user)` -------------

@contextlib.contextmanager
def back_office(db_url: str, tmp_path, **config):
    """The back office app over a database, its vouchers in tmp_path/v; its engine disposed afterwards. For a
    fixture whose database is not `ledger`'s (the demo, a hostile book) or that adds a route."""
    from ledger.app import create_app

    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True, "VOUCHER_DIR": str(tmp_path / "v"),
                      **config})
    try:
        yield app
    finally:
        app.extensions["ledger_engine"].dispose()


@pytest.fixture
def app(db_url, ledger, tmp_path):
    """The back office over this test's database holding book T1 and its people (see `ledger`)."""
    with back_office(db_url, tmp_path) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


class SignedIn:
    """A person signed in through the login page; forms carry the CSRF token from the page, as a browser's would."""

    def __init__(self, app, username, password="password-123"):
        self.client = app.test_client()
        page = self.client.get("/login")
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": self.token(page.text)})
        assert response.status_code == 302, response.text

    @staticmethod
    def token(html):
        import re

        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data, page=None):
        html = self.client.get(page or url).text
        return self.client.post(url, data=dict(data, csrf_token=self.token(html)))


@pytest.fixture
def sign_in(app):
    """sign_in("maker") -> a SignedIn browser for that user."""
    return lambda username, password="password-123": SignedIn(app, username, password)


@pytest.fixture
def api(app, ledger):
    """api("maker") -> a test client whose requests carry a fresh bearer token of that user."""
    from ledger.services import tokens

    def make(username):
        with ledger.tx() as s:
            _, plaintext = tokens.create_token(s, users.system_user(s), users.get_user(s, username), "test")
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plaintext}"
        return client

    return make
