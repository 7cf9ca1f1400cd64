"""One use case's transaction (after cosmicpython's service_layer/unit_of_work.py).

A unit of work carries what a use case needs besides its arguments: the session, the acting
user and the voucher store. Web, API and command line build one and hand it to a service;
the service decides, changes, and commits:

    with uow:
        ...
        uow.commit()

Leaving the block without `commit` rolls everything back, a refusal included, so a refused
request changes nothing. `run(operation, *args)` is that shape for one service operation
written as `operation(session, actor, *args)`; it is how the adapters change anything. Files
written for rows (voucher pages) are removed again when the rows roll back, and files of rows
deleted are removed only once the deletion commits (see `voucher_files`).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")


def when_transaction_ends(session: Session, committed: Callable[[], Any] | None = None,
                          rolled_back: Callable[[], Any] | None = None) -> None:
    """Run `committed` once the session's transaction commits, or `rolled_back` once it rolls back: files
    written for rows go again if the rows do not stay; files of rows deleted go only once the deletion does."""
    state = {"done": False}

    def ended(action):
        def listener(_session):
            if _session.in_nested_transaction():
                return  # a SAVEPOINT rolled back: the transaction goes on, and so do its files
            if not state["done"]:
                state["done"] = True
                if action is not None:
                    action()
        return listener

    event.listen(session, "after_commit", ended(committed))
    event.listen(session, "after_rollback", ended(rolled_back))


class UnitOfWork:
    def __init__(self, session: Session, actor=None, store=None):
        self.session, self.actor, self.store = session, actor, store

    def __enter__(self) -> "UnitOfWork":
        return self

    def __exit__(self, *_exc) -> None:
        self.rollback()  # nothing left to roll back once committed

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def release(self) -> None:
        """End the transaction so far without writing: a long step (decoding photos) then holds no lock.
        What was read before is read again after (the objects are expired)."""
        self.session.rollback()

    def run(self, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`operation(session, actor, *args, **kwargs)` in one transaction, committed if it returns."""
        with self:
            result = operation(self.session, self.actor, *args, **kwargs)
            self.commit()
            return result
