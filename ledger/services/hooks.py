"""Where the trust's operations join the ledger's two moments of truth, so that each part keeps its rules in
its own module and the entry and period services stay readable.

Each list names functions as "module:function", imported when first called (the parts import the entry
services themselves, so importing them here up front would be circular):

- BEFORE_POST: `check(session, book, entry)` just before an approved entry is stamped and posted, under the
  book's lock. Raise a LedgerError to refuse (a budget line that blocks, an expense above the threshold
  without a passed resolution, a payment whose split went stale).
- BEFORE_CLOSE: `step(session, actor, book, period)` when a month is being closed, under the book's lock,
  before the checklist is read: what must be in the month before it closes (the trustee's remuneration).
"""
from __future__ import annotations

from importlib import import_module

BEFORE_POST: list[str] = [
    # fees and billing
    "ledger.services.billing:check_before_post",

    # budgets
    "ledger.services.budgets:check_entry",

    # owners' resolutions
    "ledger.services.resolutions:check_before_post",

    # grants: a rejected grant entry, booked or released again since, never posts as well
    "ledger.services.grants:check_before_post",
    # micro-projects: a project's fund pays out once funded, a pool's fund only its matches (first: it says why an
    # unfunded project's spend is refused before the spend's own checks do)
    "ledger.services.projects:check_before_post",
    # micro-projects: spending only against budget lines, with a voucher (issue 10)
    "ledger.services.project_spending:check_before_post",

]

BEFORE_CLOSE: list[str] = [
    # the trustee's remuneration
    "ledger.services.remuneration:before_close",

]


def _call(paths: list[str], *args) -> None:
    for path in paths:
        module, name = path.split(":")
        getattr(import_module(module), name)(*args)


def before_post(session, book, entry) -> None:
    _call(BEFORE_POST, session, book, entry)


def before_close(session, actor, book, period) -> None:
    _call(BEFORE_CLOSE, session, actor, book, period)
