"""The month a book page names as "current", and what looking at a month nobody has used does (nothing).

The header of every book page links to the current period: the earliest open month that has entries, else
today's month. A month row left behind by a draft typed with the wrong date and then deleted, or by someone
opening the page of a month far away, must not become the "current period" for everybody.
"""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from ledger.db.schema import Period
from ledger.services import entries, flags, periods

from ..conftest import D

TODAY = f"{dt.date.today():%Y-%m}"


def header_period(client, url="/books/T1") -> str:
    """The month the page header links to as the current period."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    where = re.search(r'data-testid="where">(.*?)</span>', response.text, re.S).group(1)
    assert "待结账月份" in where, where
    return re.search(r"/periods/(\d{4}-\d{2})\"", where).group(1)


def month_rows(ledger) -> list[str]:
    with ledger.tx() as s:
        return [p.label for p in periods.periods_of(s, ledger.book(s))]


def test_a_deleted_draft_and_a_looked_at_month_do_not_become_the_current_period(sign_in, ledger):
    ledger.post(D(2026, 4, 2), "收4月停车费", ("1002", "GEN", "10.00"), ("4202", "GEN", "-10.00"))
    treasurer, resident = sign_in("maker"), sign_in("reader")
    assert header_period(resident) == "2026-04"
    # The treasurer types a wrong year (and, another time, a far-away month), saves drafts, then deletes them:
    # their month rows stay behind, empty.
    for typed in ("2025-02-03", "2031-05-01"):
        saved = treasurer.post("/books/T1/entries/new", data={
            "date": typed, "summary": "打错日期的草稿", "action": "draft",
            "account-0": "1002", "fund-0": "GEN", "debit-0": "5.00", "account-1": "4202", "fund-1": "GEN", "credit-1": "5.00"})
        assert saved.status_code == 302, saved.text
        entry_id = int(saved.headers["Location"].rsplit("/", 1)[1])
        assert treasurer.post(f"/books/T1/entries/{entry_id}/delete", {}, page=f"/books/T1/entries/{entry_id}").status_code == 302
    assert {"2025-02", "2031-05"} <= set(month_rows(ledger))  # the rows exist ...
    # ... and a resident opens the pages of months nobody has used.
    for month in ("2031-06", "2025-03"):
        assert resident.get(f"/books/T1/periods/{month}").status_code == 200
    assert not {"2031-06", "2025-03"} & set(month_rows(ledger)), "opening a month's page opened the month"
    for client in (resident, treasurer):
        for url in ("/books/T1", "/books/T1/journal", "/books/T1/approvals", "/books/T1/flags"):
            assert header_period(client, url) == "2026-04", url
    with ledger.tx() as s:
        assert periods.current_period(s, ledger.book(s)) == "2026-04"


def test_a_book_with_no_entries_names_todays_month(sign_in, ledger):
    resident = sign_in("reader")
    assert resident.get("/books/T1/periods/2025-01").status_code == 200  # looking opens nothing
    assert header_period(resident) == TODAY
    assert month_rows(ledger) == []
    with ledger.tx() as s:
        assert periods.current_period(s, ledger.book(s), today=D(2030, 7, 9)) == "2030-07"


def test_once_every_month_with_entries_is_closed_the_current_period_is_todays(sign_in, ledger):
    ledger.post(D(2026, 3, 2), "收3月停车费", ("1002", "GEN", "10.00"), ("4202", "GEN", "-10.00"))
    supervisor = sign_in("watcher")
    assert header_period(supervisor) == "2026-03"
    ledger.close(2026, 3)
    assert header_period(supervisor) == TODAY


def test_the_page_of_a_month_nobody_used_shows_no_flags_and_opens_nothing(sign_in, ledger):
    ledger.post(D(2026, 3, 2), "支付保洁费", ("5101", "GEN", "10.00"), ("1002", "GEN", "-10.00"))
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.get_entry_by_number(s, book, "记-2026-03-0001")
        flags.raise_flag(s, ledger.user(s, "watcher"), book, entry, "保洁费没有发票？")
    resident = sign_in("reader")
    march = resident.get("/books/T1/periods/2026-03").text
    assert "未处理的标记: 1" in march and "记-2026-03-0001" in march
    empty = resident.get("/books/T1/periods/2031-05").text
    assert "2031-05" in empty and "未处理的标记: 0" in empty and "记-2026-03-0001" not in empty
    listed = resident.get("/books/T1/flags?period=2031-05").text
    assert "保洁费没有发票？" not in listed and "没有标记。" in listed  # not "every flag" for a month with no row
    assert "保洁费没有发票？" in resident.get("/books/T1/flags?period=2026-03").text
    api = resident.get("/api/v1/books/T1/periods/2031-05/checklist")
    assert api.status_code == 200 and api.get_json()["open_flags"] == [] and api.get_json()["status"] == "open"
    with ledger.tx() as s:
        assert s.scalar(select(func.count()).select_from(Period).where(Period.year == 2031)) == 0
