"""What every back-office page needs: the book, the user's roles, refusals shown kindly."""
from __future__ import annotations

import datetime as dt
from functools import cached_property

from flask import abort, flash
from flask_babel import get_locale

from ...app import db
from ...domain.errors import LedgerError
from ...domain import model
from ...domain.model import APPROVER_ROLES, CHART_ROLES, CLOSER_ROLES, MAKER_ROLES, READER_ROLES, Role
from ...services import access, periods
from ..auth import actor

# Who reads the audit log and originals: the committee and the supervisor (and the treasurer who keeps the books).
OVERSIGHT_ROLES = frozenset({Role.COMMITTEE, Role.SUPERVISOR, Role.TREASURER, Role.FUND_MANAGER})


class Seat:
    """The signed-in user at one book: what they may do there."""

    def __init__(self, session, book):
        self.session, self.book, self.user = session, book, actor()
        self.roles = access.roles_in(session, self.user, book)

    @cached_property
    def current_period(self) -> str:
        """The month the committee is working on: the earliest open month with entries, else this month.

        Never a month whose row exists only because someone typed a far date or opened its page."""
        return periods.current_period(self.session, self.book)

    def may(self, roles: frozenset[Role]) -> bool:
        return self.user.is_admin or bool(self.roles & roles)

    @property
    def can_make(self) -> bool:
        return self.may(MAKER_ROLES)

    @property
    def can_approve(self) -> bool:
        return self.may(APPROVER_ROLES)

    @property
    def can_close(self) -> bool:
        return self.may(CLOSER_ROLES)

    @property
    def can_edit_chart(self) -> bool:
        return self.may(CHART_ROLES)

    @property
    def can_oversee(self) -> bool:
        return self.may(OVERSIGHT_ROLES)

    @property
    def can_flag(self) -> bool:
        return self.may(frozenset({Role.SUPERVISOR, Role.COMMITTEE}))


def seat(code: str, roles: frozenset[Role] = READER_ROLES) -> Seat:
    """The book by code, refusing (404/403) a user without one of `roles` in it."""
    session = db()
    try:
        book = access.get_book(session, code)
    except LedgerError:
        abort(404)
    here = Seat(session, book)
    if not here.may(roles):
        abort(403)
    return here


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
