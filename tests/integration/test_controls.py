"""A page shows a control exactly when the service would allow the action, for every role and entry state.

For each role (the seven and an outsider) and each state an entry can be in, the entry page is opened and
every action's form is looked for; whether it is there must be what the permissions table says
(`access.can`, which the services enforce). Every control that is not shown is then pressed anyway, by a
request made by hand, and must be refused with the entry left as it was.
"""
from __future__ import annotations

import pytest

from sqlalchemy import func, select

from ledger.db.schema import Flag
from ledger.domain.permissions import Action
from ledger.db.schema import Attachment
from ledger.services import access, entries, flags, periods, users, vouchers

from ..conftest import D
from .test_vouchers import png

FEE = (("1002", "GEN", "120.00"), ("4101", "GEN", "-120.00"))
PEOPLE = {"treasurer": "maker", "committee": "approver1", "supervisor": "watcher", "trustee": "clerk",
          "fund_manager": "fm", "viewer": "reader", "admin": "root", "outsider": "outsider"}
# action -> (the form's address on the entry page, what a hand-made request sends)
CONTROLS = {
    Action.EDIT_ENTRY: ("/submit", {}),
    Action.DELETE_ENTRY: ("/delete", {}),
    Action.APPROVE_ENTRY: ("/approve", {}),
    Action.REJECT_ENTRY: ("/reject", {"reason": "试一试"}),
    Action.REVERSE_ENTRY: ("/reverse", {"reason": "试一试", "confirm": "yes"}),
    Action.RAISE_FLAG: ("/flag", {"comment": "试一试"}),
}


@pytest.fixture
def people(ledger):
    """A fund manager and an administrator beside the usual people (and the outsider) of book T1."""
    with ledger.tx() as s:
        system, book = users.system_user(s), ledger.book(s)
        users.grant_role(s, system, users.create_user(s, "fm", "fm", "password-123"), book, "fund_manager")
        users.create_user(s, "root", "root", "password-123", is_admin=True)


@pytest.fixture
def world(ledger, people, tmp_path):
    """Book T1 with an entry in each state, made by the treasurer, each with a voucher."""
    with ledger.tx() as s:
        book = ledger.book(s)
        maker = ledger.user(s, "maker")

        def make(day, submit=False):
            return entries.create_entry(s, maker, book, ledger.entry_input(D(2026, 3, day), f"3月{day}日物业费", *FEE),
                                        submit=submit)

        draft, submitted, posted, rejected = make(2), make(3), make(4), make(5)
        store = vouchers.VoucherStore(tmp_path / "v")  # the app fixture's voucher folder
        for entry in (draft, submitted, posted, rejected):
            vouchers.upload_voucher(s, maker, book, entry, png(color=(entry.id, 9, 9)), "发票.png", store, 20 << 20)
        for entry in (submitted, posted, rejected):
            entries.submit_entry(s, maker, book, entry)
        entries.approve_entry(s, ledger.user(s, "approver2"), book, posted)
        entries.reject_entry(s, ledger.user(s, "approver2"), book, rejected, "附件不清")
        return {"draft": draft.id, "submitted": submitted.id, "posted": posted.id, "rejected": rejected.id}


def _status(ledger, entry_id):
    with ledger.tx() as s:
        e = entries.get_entry(s, ledger.book(s), entry_id)
        flags = s.scalar(select(func.count()).select_from(Flag).where(Flag.entry_id == entry_id))
        atts = s.scalar(select(func.count()).select_from(Attachment).where(Attachment.entry_id == entry_id))
        return e.status, len(e.approvals), e.reversed_by is not None, flags, atts


@pytest.mark.parametrize("role", list(PEOPLE))
def test_each_control_is_shown_exactly_when_the_service_would_allow_it(app, sign_in, ledger, world, role):
    who = sign_in(PEOPLE[role])
    for state, entry_id in world.items():
        page = who.get(f"/books/T1/entries/{entry_id}")
        if role == "outsider":
            assert page.status_code in (403, 404)
        else:
            assert page.status_code == 200, (state, page.status_code)
        with ledger.tx() as s:
            user, book = users.get_user(s, PEOPLE[role]), ledger.book(s)
            entry = entries.get_entry(s, book, entry_id)
            allowed = {action: access.can(s, user, action, book, None if action is Action.RAISE_FLAG else entry)
                       for action in CONTROLS}
        for action, (path, data) in CONTROLS.items():
            url = f"/books/T1/entries/{entry_id}{path}"
            shown = f'action="{url}"' in page.text
            assert shown == allowed[action], f"{role} on a {state} entry: {action.value} shown={shown}, allowed={allowed[action]}"
            if shown:
                continue
            before = _status(ledger, entry_id)
            pressed = who.post(url, data, page=f"/books/T1/entries/{entry_id}" if role != "outsider" else "/books")
            assert pressed.status_code in (302, 303, 403, 404), (role, state, action.value, pressed.status_code)
            assert _status(ledger, entry_id) == before, f"{role} pressed a hidden {action.value} on a {state} entry"
            if pressed.status_code in (302, 303) and role != "outsider":
                said = who.get(pressed.headers["Location"]).text
                assert 'data-testid="flash-error"' in said, (role, state, action.value)
        _voucher_controls(who, ledger, role, state, entry_id, page.text)


def _voucher_controls(who, ledger, role, state, entry_id, page):
    """Attach, remove, see the original, draw redactions: shown exactly when allowed; hidden ones refused."""
    with ledger.tx() as s:
        user, book = users.get_user(s, PEOPLE[role]), ledger.book(s)
        entry = entries.get_entry(s, book, entry_id)
        att = entry.attachments[0].id
        allowed = {"upload": access.can(s, user, Action.ATTACH_VOUCHER, book, entry),
                   "remove": access.can(s, user, Action.ATTACH_VOUCHER, book, entry),
                   "original": access.can(s, user, Action.SEE_ORIGINALS, book),
                   "redact": access.can(s, user, Action.REDACT_VOUCHER, book)}
    base = f"/books/T1/entries/{entry_id}/vouchers"
    controls = {"upload": (f'action="{base}"', "POST", base),
                "remove": (f'action="{base}/{att}/delete"', "POST", f"{base}/{att}/delete"),
                "original": (f'href="{base}/{att}/original"', "GET", f"{base}/{att}/original"),
                "redact": (f'href="{base}/{att}/redact"', "GET", f"{base}/{att}/redact")}
    for name, (marker, method, url) in controls.items():
        shown = marker in page
        assert shown == allowed[name], f"{role} on a {state} entry: {name} shown={shown}, allowed={allowed[name]}"
        if shown:
            continue
        before = _status(ledger, entry_id)
        if method == "GET":
            assert who.get(url).status_code in (403, 404), (role, state, name)
        else:
            pressed = who.post(url, {}, page="/books")
            assert pressed.status_code in (302, 303, 403, 404), (role, state, name, pressed.status_code)
        assert _status(ledger, entry_id) == before, f"{role} pressed a hidden {name} on a {state} entry"


@pytest.mark.parametrize("role", list(PEOPLE))
def test_the_month_end_controls_are_shown_exactly_to_those_who_may_use_them(app, sign_in, ledger, people, role):
    """March 2026 has ended, has one posted entry and its bank balance agrees: its page offers the close form and
    the bank balance form exactly to those the permissions table lets close and record balances; the others
    pressing them by hand are refused and the month stays open."""
    ledger.post(D(2026, 3, 4), "3月物业费", *FEE)
    with ledger.tx() as s:
        periods.record_bank_balance(s, ledger.user(s, "maker"), ledger.book(s), 2026, 3, "1002", 12000)
    who = sign_in(PEOPLE[role])
    page = who.get("/books/T1/periods/2026-03")
    assert page.status_code == (200 if role != "outsider" else 403)
    with ledger.tx() as s:
        user, book = users.get_user(s, PEOPLE[role]), ledger.book(s)
        ready = periods.checklist(s, book, 2026, 3).ready  # the form comes only once the checklist passes
        allowed = {"close": access.can(s, user, Action.CLOSE_PERIOD, book) and ready,
                   "bank": access.can(s, user, Action.RECORD_BANK_BALANCE, book)}
    forms = {"close": ("/books/T1/periods/2026-03/close", {"reason": "试一试", "confirm": "yes"}),
             "bank": ("/books/T1/periods/2026-03/bank", {"account": "1002", "balance": "1.00"})}
    for name, (url, data) in forms.items():
        shown = f'action="{url}"' in page.text
        assert shown == allowed[name], f"{role}: {name} shown={shown}, allowed={allowed[name]}"
        if shown:
            continue
        pressed = who.post(url, data, page="/books")
        assert pressed.status_code in (302, 303, 403, 404), (role, name, pressed.status_code)
    if not allowed["close"]:
        with ledger.tx() as s:
            assert periods.find_period(s, ledger.book(s), 2026, 3).status == "open"


@pytest.mark.parametrize("role", list(PEOPLE))
def test_the_menu_and_a_flags_controls_are_shown_exactly_when_allowed(app, sign_in, ledger, people, role):
    """The menu offers 录入凭证 and 操作日志, and the flags list answers, follow-ups and closing, exactly to those
    the permissions table allows (a flag raised by the supervisor: only they, or another supervisor, close it)."""
    ledger.post(D(2026, 3, 4), "3月保洁费", ("5101", "GEN", "120.00"), ("1002", "GEN", "-120.00"))
    with ledger.tx() as s:
        book = ledger.book(s)
        posted = entries.get_entry_by_number(s, book, "记-2026-03-0001")
        flag_id = flags.raise_flag(s, ledger.user(s, "watcher"), book, posted, "发票在哪里？").id
    who = sign_in(PEOPLE[role])
    page = who.get("/books/T1/flags")
    if role == "outsider":
        assert page.status_code == 403
        return
    with ledger.tx() as s:
        user, book = users.get_user(s, PEOPLE[role]), ledger.book(s)
        flag = s.get(Flag, flag_id)
        allowed = {'href="/books/T1/entries/new"': access.can(s, user, Action.MAKE_ENTRY, book),
                   'href="/books/T1/audit"': access.can(s, user, Action.READ_AUDIT, book),
                   f'action="/books/T1/flags/{flag_id}/answer"': access.can(s, user, Action.ANSWER_FLAG, book, flag),
                   f'action="/books/T1/flags/{flag_id}/follow-up"': access.can(s, user, Action.FOLLOW_UP_FLAG, book, flag),
                   f'action="/books/T1/flags/{flag_id}/close"': access.can(s, user, Action.CLOSE_FLAG, book, flag)}
    for marker, may in allowed.items():
        assert (marker in page.text) == may, f"{role}: {marker} shown={marker in page.text}, allowed={may}"
    if not allowed[f'action="/books/T1/flags/{flag_id}/close"']:
        pressed = who.post(f"/books/T1/flags/{flag_id}/close", {"confirm": "yes"}, page="/books/T1/flags")
        assert pressed.status_code in (302, 303, 403)
        with ledger.tx() as s:
            assert s.get(Flag, flag_id).closed_at is None, f"{role} closed the supervisor's flag"
