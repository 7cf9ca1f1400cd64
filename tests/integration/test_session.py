"""ledger/db/session.py: any Flask app gets the ledger's sessions; a read-only app cannot write."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from ledger.db import session as db_session
from ledger.db.schema import Book, Entry

from ..conftest import D


def _second_app(url: str, read_only: bool) -> Flask:
    """An app that is not the back office (the public site will be one): no blueprint of ours."""
    app = Flask("second")
    app.config["DATABASE_URL"] = url
    db_session.init_app(app, read_only=read_only)
    return app


def test_a_second_app_reads_through_its_own_session(ledger, db_url):
    ledger.post(D(2026, 3, 5), "3月物业费", ("1002", "GEN", "1200.00"), ("4101", "GEN", "-1200.00"))
    app = _second_app(db_url, read_only=True)
    with app.app_context():
        session = db_session.get_session()
        assert session is db_session.get_session()  # one per request
        assert session.scalar(select(Book.name_zh).where(Book.code == "T1")) == "测试小区信托"
        assert session.scalar(select(func.count()).select_from(Entry).where(Entry.status == "posted")) == 1
    app.extensions["ledger_engine"].dispose()


def test_a_read_only_session_refuses_to_write_even_raw_sql(ledger, db_url):
    app = _second_app(db_url, read_only=True)
    with app.app_context():
        session = db_session.get_session()
        book = session.scalar(select(Book).where(Book.code == "T1"))
        book.name_zh = "改名"
        with pytest.raises(db_session.ReadOnlyError):
            session.flush()
        session.rollback()
        with pytest.raises(DBAPIError):
            session.execute(text("UPDATE books SET name_zh = 'x'"))
        session.rollback()
    app.extensions["ledger_engine"].dispose()
    with ledger.tx() as s:
        assert s.scalar(select(Book.name_zh).where(Book.code == "T1")) == "测试小区信托"


def test_a_writing_app_still_writes(ledger, db_url):
    app = _second_app(db_url, read_only=False)
    with app.app_context():
        session = db_session.get_session()
        session.execute(text("UPDATE books SET name_en = 'Renamed' WHERE code = 'T1'"))
        session.commit()
    app.extensions["ledger_engine"].dispose()
    with ledger.tx() as s:
        assert s.scalar(select(Book.name_en).where(Book.code == "T1")) == "Renamed"
