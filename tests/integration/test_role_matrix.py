"""Every page and endpoint × every role, generated from the app's URL map.

Each route declares who may pass its gate. A new route without a line in GATES
fails `test_every_route_has_a_rule`, so nobody can add a page and forget to say
who may see it. The gate is what is checked here: an allowed role gets through
(whatever the service then answers: 200, a redirect with a message, 404 for an
entry that does not exist, 422 for an empty form); a refused one gets 403, and
anonymous visitors are sent to sign in (401 on the API). Actions are sent at
entries that do not exist, so nothing is changed while the matrix runs; which
role may approve or close is a rule of the services, tested in test_entries.py.
"""
from __future__ import annotations

import re

import pytest

from ledger.app import create_app
from ledger.services import entries, tokens, users, vouchers

from ..conftest import D

PUBLIC, SIGNED_IN = "public", "signed in"
EVERYONE_IN_BOOK = frozenset({"treasurer", "committee", "supervisor", "trustee", "viewer", "admin"})
MAKERS = frozenset({"treasurer", "committee", "trustee", "admin"})
OVERSIGHT = frozenset({"treasurer", "committee", "supervisor", "admin"})
ORIGINALS = frozenset({"treasurer", "committee", "supervisor", "admin"})
REDACTORS = frozenset({"treasurer", "committee", "admin"})
CLOSERS = frozenset({"committee", "admin"})
ROLES = ["anonymous", "treasurer", "committee", "supervisor", "trustee", "viewer", "outsider", "admin"]
MISSING = 999999  # actions go to an entry that does not exist: the gate is tested, nothing changes

# endpoint -> {method: who passes the gate}
GATES = {
    "static": {"GET": PUBLIC},
    "auth.login": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.logout": {"POST": SIGNED_IN},
    "auth.tokens_page": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "office.index": {"GET": PUBLIC},  # a redirect to the book list
    "office.books": {"GET": SIGNED_IN},
    "office.book": {"GET": EVERYONE_IN_BOOK},
    "office.account_ledger": {"GET": EVERYONE_IN_BOOK},
    "office.account_ledger_export": {"GET": EVERYONE_IN_BOOK},
    "office.approvals": {"GET": EVERYONE_IN_BOOK},
    "office.audit_log": {"GET": OVERSIGHT},
    "office.entry": {"GET": EVERYONE_IN_BOOK},
    "office.new_entry": {"GET": MAKERS, "POST": MAKERS},
    "office.edit_entry": {"GET": MAKERS, "POST": MAKERS},
    "office.approve_entry": {"POST": EVERYONE_IN_BOOK},
    "office.reject_entry": {"POST": EVERYONE_IN_BOOK},
    "office.reverse_entry": {"POST": EVERYONE_IN_BOOK},
    "office.submit_entry": {"POST": EVERYONE_IN_BOOK},
    "office.delete_entry": {"POST": EVERYONE_IN_BOOK},
    "office.waive_voucher": {"POST": EVERYONE_IN_BOOK},
    "office.flag_entry": {"POST": EVERYONE_IN_BOOK},
    "office.answer_flag": {"POST": EVERYONE_IN_BOOK},
    "office.flags_list": {"GET": EVERYONE_IN_BOOK},
    "office.funds_export": {"GET": EVERYONE_IN_BOOK},
    "office.journal": {"GET": EVERYONE_IN_BOOK},
    "office.journal_export": {"GET": EVERYONE_IN_BOOK},
    "office.trial_balance_export": {"GET": EVERYONE_IN_BOOK},
    "office.period": {"GET": EVERYONE_IN_BOOK},
    "office.bank_balance": {"POST": EVERYONE_IN_BOOK},
    "office.close": {"POST": EVERYONE_IN_BOOK},
    "vouchers.upload": {"POST": EVERYONE_IN_BOOK},
    "vouchers.remove": {"POST": EVERYONE_IN_BOOK},
    "vouchers.original": {"GET": ORIGINALS},
    "vouchers.unredacted": {"GET": ORIGINALS},
    "vouchers.redact_page": {"GET": REDACTORS},
    "vouchers.redact": {"POST": REDACTORS},
    "vouchers.public": {"GET": EVERYONE_IN_BOOK},
    # the API: a bearer token per person
    "api_docs.docs": {"GET": PUBLIC},
    "api_docs.openapi_json": {"GET": PUBLIC},
    "api_books.me": {"GET": SIGNED_IN},
    "api_books.list_books": {"GET": SIGNED_IN},
    "api_books.get_book": {"GET": EVERYONE_IN_BOOK},
    "api_books.Accounts": {"GET": EVERYONE_IN_BOOK, "POST": EVERYONE_IN_BOOK},
    "api_books.Funds": {"GET": EVERYONE_IN_BOOK, "POST": EVERYONE_IN_BOOK},
    "api_books.list_periods": {"GET": EVERYONE_IN_BOOK},
    "api_books.record_bank_balance": {"POST": EVERYONE_IN_BOOK},
    "api_books.close_checklist": {"GET": EVERYONE_IN_BOOK},
    "api_books.close_period": {"POST": CLOSERS},  # the API answers the service's refusal with 403
    "api_reports.account_ledger": {"GET": EVERYONE_IN_BOOK},
    "api_reports.fund_balances": {"GET": EVERYONE_IN_BOOK},
    "api_reports.trial_balance": {"GET": EVERYONE_IN_BOOK},
    "api_entries.Entries": {"GET": EVERYONE_IN_BOOK, "POST": EVERYONE_IN_BOOK},
    "api_entries.OneEntry": {"GET": EVERYONE_IN_BOOK, "PUT": EVERYONE_IN_BOOK},
    "api_entries.approve": {"POST": EVERYONE_IN_BOOK},
    "api_entries.reject": {"POST": EVERYONE_IN_BOOK},
    "api_entries.reverse": {"POST": EVERYONE_IN_BOOK},
    "api_entries.submit": {"POST": EVERYONE_IN_BOOK},
    "api_attachments.Attachments": {"GET": EVERYONE_IN_BOOK, "POST": EVERYONE_IN_BOOK},
    "api_attachments.public_page": {"GET": EVERYONE_IN_BOOK},
}


def _app(db_url, tmp_path):
    return create_app({"DATABASE_URL": db_url, "SECRET_KEY": "matrix", "TESTING": True, "WTF_CSRF_ENABLED": False,
                       "VOUCHER_DIR": str(tmp_path / "v"), "LOGIN_RATE_LIMIT": "1000 per minute"})


def test_every_route_has_a_rule(tmp_path, sqlite_template):
    app = _app(f"sqlite:///{sqlite_template}", tmp_path)
    routes = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    declared = {(e, m) for e, methods in GATES.items() for m in methods}
    assert routes - declared == set(), "a route without a rule in GATES: say who may pass its gate"
    assert declared - routes == set(), "GATES names a route that no longer exists"
    app.extensions["ledger_engine"].dispose()


@pytest.fixture
def world(db_url, ledger, tmp_path):
    """Book T1 with one person per role, a posted entry with a voucher, and an API token each."""
    app = _app(db_url, tmp_path)
    from PIL import Image
    import io

    photo = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(photo, "JPEG")
    number_tokens = {}
    with ledger.tx() as s:
        book = ledger.book(s)
        system = users.system_user(s)
        admin = users.create_user(s, "root", "root", "password-123", is_admin=True)
        users.grant_role(s, system, users.create_user(s, "fm", "fm", "password-123"), book, "fund_manager")
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 5), "支付保洁费", ("5101", "GEN", "100.00"), ("1002", "GEN", "-100.00")))
        attachment = vouchers.upload_voucher(s, ledger.user(s, "maker"), book, entry, photo.getvalue(), "a.jpg",
                                             vouchers.VoucherStore(tmp_path / "v"), 10**7)
        entries.submit_entry(s, ledger.user(s, "maker"), book, entry)
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
        ids = {"entry": entry.id, "attachment": attachment.id}
        people = {"treasurer": "maker", "committee": "approver1", "supervisor": "watcher", "trustee": "clerk",
                  "viewer": "reader", "outsider": "outsider", "admin": "root"}
        for role, name in people.items():
            user = users.get_user(s, name) if name != "root" else admin
            number_tokens[role] = tokens.create_token(s, admin, user, f"matrix {role}")[1]
    yield app, ids, people, number_tokens
    app.extensions["ledger_engine"].dispose()


def _url(rule, ids) -> str:
    values = {"code": "T1", "book": "T1", "entry_id": ids["entry"], "attachment_id": ids["attachment"], "page": 1,
              "account_code": "1002", "account": "1002", "period": "2026-03", "fmt": "csv", "flag_id": MISSING,
              "filename": "office.css"}
    return re.sub(r"<(?:[^<>]*:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


def _action_url(rule, ids) -> str:
    """Unsafe requests go at an entry or flag that does not exist (or a month far away).

    Redacting looks the voucher up after the gate, so it is sent at the real one with no boxes: refused as empty."""
    if rule.endpoint == "vouchers.redact":
        return _url(rule, ids)
    return _url(rule, dict(ids, entry=MISSING)).replace("2026-03", "2031-01")


def test_each_role_meets_each_gate(world):
    app, ids, people, api_tokens = world
    clients = {"anonymous": app.test_client()}
    for role, name in people.items():
        client = app.test_client()
        assert client.post("/login", data={"username": name, "password": "password-123"}).status_code == 302
        clients[role] = client
    mismatches = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            gate = GATES[rule.endpoint][method]
            api = rule.rule.startswith("/api/")
            url = _url(rule, ids) if method == "GET" else _action_url(rule, ids)
            for role in ROLES:
                if api:
                    headers = {"Authorization": f"Bearer {api_tokens[role]}"} if role != "anonymous" else {}
                    response = app.test_client().open(url, method=method, headers=headers, json={} if method != "GET" else None)
                elif rule.endpoint == "auth.logout" and role != "anonymous":
                    client = app.test_client()  # signing out must not sign out the client the other checks use
                    client.post("/login", data={"username": people[role], "password": "password-123"})
                    response = client.post(url)
                else:
                    response = clients[role].open(url, method=method, data={})
                # Signing in with nothing typed is the sign-in page answering "wrong name or password".
                passed = response.status_code == 401 if rule.endpoint == "auth.login" and method == "POST" else _passed(response, api)
                response.close()  # file downloads hold their file open until closed
                allowed = gate == PUBLIC or (role != "anonymous" and (gate == SIGNED_IN or role in gate))
                if passed != allowed:
                    mismatches.append(f"{method} {url} as {role}: {response.status_code} (expected {'pass' if allowed else 'refusal'})")
    assert mismatches == [], "\n".join(mismatches)


def _passed(response, api: bool) -> bool:
    if response.status_code in (401, 403):
        return False
    if not api and response.status_code in (301, 302, 303) and "/login?next=" in response.headers.get("Location", ""):
        return False  # flask-login sending an anonymous visitor to sign in
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    return True
