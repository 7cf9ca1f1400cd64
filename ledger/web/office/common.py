"""What every back-office page needs: the book, the user's roles, refusals shown kindly."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash
from flask_babel import get_locale

from ...db.session import get_session as db
from ...domain.errors import LedgerError
from ...domain import model
from ...domain.permissions import ROLE_NAMES, ROLES, Action
from ...services import access, periods
from ...services.unit_of_work import UnitOfWork
from ...work import unit_of_work
from ..auth import actor


class Seat:
    """The signed-in user at one book: what they may do there, asked of the permissions table."""

    def __init__(self, session, book):
        self.session, self.book, self.user = session, book, actor()
        self.roles = access.roles_in(session, self.user, book)
        self._current_period: str | None = None

    @property
    def current_period(self) -> str:
        """The earliest open month that has entries, or today's month: never a month a draft or a page conjured."""
        if self._current_period is None:
            self._current_period = periods.current_period(self.session, self.book)
        return self._current_period

    @property
    def uow(self) -> UnitOfWork:
        """A unit of work for a use case at this book, acting as this user."""
        return unit_of_work(self.user)

    def can(self, action: Action | str, entry=None) -> bool:
        """Whether the service would let this user take the action (on the entry): the page offers exactly that."""
        return access.can(self.session, self.user, Action(action), self.book, entry)

    def who_may(self, action: Action | str) -> str:
        """The roles that may take the action, named in the page's language (from the permissions table)."""
        zh = not str(get_locale() or "zh_CN").startswith("en")
        names = [ROLE_NAMES[r][0 if zh else 1] for r in model.Role if r in ROLES[Action(action)]]
        return ("、" if zh else ", ").join(names)

    # Names the templates use for the book-wide questions.
    @property
    def can_make(self) -> bool:
        return self.can(Action.MAKE_ENTRY)

    @property
    def can_approve(self) -> bool:
        return self.can(Action.APPROVE_ENTRY)

    @property
    def can_close(self) -> bool:
        return self.can(Action.CLOSE_PERIOD)

    @property
    def can_edit_chart(self) -> bool:
        return self.can(Action.EDIT_CHART)

    @property
    def can_oversee(self) -> bool:
        return self.can(Action.READ_AUDIT)

    @property
    def can_flag(self) -> bool:
        return self.can(Action.RAISE_FLAG)


def seat(code: str, action: Action = Action.READ_BOOK) -> Seat:
    """The book by code, refusing (404/403) a user who may not take `action` in it (access.book_for)."""
    session = db()
    try:
        book = access.book_for(session, actor(), code, action)
    except LedgerError as e:
        abort(e.status)
    return Seat(session, book)


def say(error: LedgerError) -> str:
    return error.message(str(get_locale() or "zh_CN"))


def flash_error(error: LedgerError) -> None:
    flash(say(error), "error")


def parse_date_arg(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_period(value: str | None) -> tuple[int, int] | None:
    """'2026-03' -> (2026, 3); anything else -> None (a filter left out, a page not found)."""
    try:
        return model.parse_period(value or "")
    except LedgerError:
        return None


MAX_PAGE = 100_000  # far past any book's last page; a bigger number would overflow the database's integers


def page_arg() -> int:
    """?page=N as a page number from 1 to MAX_PAGE; anything else is page 1 (or the last we allow)."""
    from flask import request

    raw = request.args.get("page", "")
    if not raw.isdigit() or len(raw) > 7:
        return MAX_PAGE if raw.isdigit() else 1
    return min(max(int(raw), 1), MAX_PAGE)
