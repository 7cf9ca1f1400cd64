"""What every `ledger` command needs: a unit of work, refusals said plainly, the acting user."""
from __future__ import annotations

import contextlib
import functools
import sys

import click

from . import config
from .db.engine import make_engine, make_sessionmaker, transaction
from .domain.errors import LedgerError
from .services import users


@contextlib.contextmanager
def cli_session():
    """One unit of work on an engine of its own, closed when the command ends."""
    engine = make_engine(config.database_url())
    try:
        with transaction(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()


def refusals(fn):
    """Turn a ledger refusal into a clear message and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except LedgerError as e:
            where = f" [{e.field}]" if e.field else ""
            click.echo(f"错误 Error{where}: {e.message_zh}\n  {e.message_en}", err=True)
            sys.exit(1)

    return wrapper


def acting_user(session, username: str | None):
    return users.get_user(session, username) if username else users.system_user(session)
