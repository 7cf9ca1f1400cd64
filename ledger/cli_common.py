"""What every `ledger` command needs: a unit of work acting as someone, refusals said plainly."""
from __future__ import annotations

import contextlib
import functools
import sys

from collections.abc import Iterator

import click
from sqlalchemy.orm import Session

from . import config
from .db.engine import make_engine, make_sessionmaker
from .domain.errors import LedgerError
from .services import users
from .services.unit_of_work import UnitOfWork


@contextlib.contextmanager
def cli_work(username: str | None = None, vouchers: bool = False) -> Iterator[UnitOfWork]:
    """The command's unit of work, on an engine of its own, acting as `username` (default: the system
    administrator), with the voucher store if the command needs it (image libraries load slowly).
    Services commit what they change (`uow.run(...)`); whatever else the command did is rolled back
    when it ends."""
    engine = make_engine(config.database_url())
    session = make_sessionmaker(engine)()
    try:
        store = None
        if vouchers:
            from .services.vouchers import VoucherStore

            store = VoucherStore(config.voucher_dir())
        with UnitOfWork(session, None, store) as uow:  # leaving it rolls back what no service committed
            uow.actor = acting_user(session, username)
            yield uow
    finally:
        session.close()
        engine.dispose()


@contextlib.contextmanager
def cli_session() -> Iterator[Session]:
    """A session for a command that only reads: nothing it does is saved."""
    with cli_work() as uow:
        yield uow.session


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
