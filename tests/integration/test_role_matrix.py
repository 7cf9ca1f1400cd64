"""Every page and endpoint × every role, generated from the app's URL map.

Each route declares who may pass its gate. A new route without a line in GATES
fails `test_every_route_has_a_rule`, so nobody can add a page and forget to say
who may see it. The gate is what is checked here: an allowed role gets through
(whatever the service then answers: 200, a redirect with a message, 404 for an
entry that does not exist, 422 for an empty form); a refused one gets 403, and
anonymous visitors are sent to sign in (401 on the API). Actions are sent at
entries that do not exist, so nothing is changed while the matrix runs; which
role may approve or close is a rule of the services, tested in test_entries.py.

`test_every_get_changes_nothing_for_every_role` then opens every GET of the same map as every role, months
without a period row included, and compares every table before and after each request: a GET only reads
(the two exceptions, reads that are recorded by design, are listed and justified above READ_AUDITS).
"""
from __future__ import annotations

import re

import pytest

from ledger.app import create_app
from ledger.domain.permissions import ROLES as PERMITTED, Action
from ledger.services import entries, flags, tokens, users, vouchers

from ..conftest import D

PUBLIC, SIGNED_IN = "public", "signed in"
EVERYONE_IN_BOOK = frozenset({"treasurer", "committee", "supervisor", "trustee", "fund_manager", "viewer", "admin"})


def _who(action: Action) -> frozenset[str]:
    """The roles the permissions table lets take `action`, and the administrator: the matrix asks the same table."""
    return frozenset({r.value for r in PERMITTED[action]} | {"admin"})


MAKERS = _who(Action.MAKE_ENTRY)
OVERSIGHT = _who(Action.READ_AUDIT)  # the audit log
ORIGINALS = _who(Action.SEE_ORIGINALS)
REDACTORS = _who(Action.REDACT_VOUCHER)
CLOSERS = _who(Action.CLOSE_PERIOD)
ROLES = ["anonymous", "treasurer", "committee", "supervisor", "trustee", "fund_manager", "viewer", "outsider", "admin"]
MISSING = 999999  # actions go to an entry that does not exist: the gate is tested, nothing changes

# endpoint -> {method: who passes the gate}
GATES = {
    "static": {"GET": PUBLIC},
    "auth.login": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.logout": {"POST": SIGNED_IN},
    "auth.tokens_page": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "auth.password_page": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "office.index": {"GET": PUBLIC},  # a redirect to the book list
    "office.books": {"GET": SIGNED_IN},
    "office.book": {"GET": EVERYONE_IN_BOOK},
    "office.account_ledger": {"GET": EVERYONE_IN_BOOK},
    "office.account_ledger_export": {"GET": EVERYONE_IN_BOOK},
    "office.statements_page": {"GET": EVERYONE_IN_BOOK},
    "office.statements_export": {"GET": EVERYONE_IN_BOOK},
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
    "office.follow_up_flag": {"POST": EVERYONE_IN_BOOK},  # who may, on which flag, is the service's (test_flag_threads.py)
    "office.close_flag": {"POST": EVERYONE_IN_BOOK},
    "office.voucher_print": {"GET": EVERYONE_IN_BOOK},
    "office.flags_list": {"GET": EVERYONE_IN_BOOK},
    "office.funds_export": {"GET": EVERYONE_IN_BOOK},
    "office.journal": {"GET": EVERYONE_IN_BOOK},
    "office.journal_export": {"GET": EVERYONE_IN_BOOK},
    "office.trial_balance_export": {"GET": EVERYONE_IN_BOOK},
    "office.period": {"GET": EVERYONE_IN_BOOK},
    "office.bank_balance": {"POST": EVERYONE_IN_BOOK},
    "office.close": {"POST": EVERYONE_IN_BOOK},
    "office.publish": {"POST": EVERYONE_IN_BOOK},
    "office.publishing": {"GET": EVERYONE_IN_BOOK},
    "office.publication_file": {"GET": EVERYONE_IN_BOOK},
    "office.opinion": {"POST": EVERYONE_IN_BOOK},
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
    # the trust's operations through the API: each write is gated on its action before its body is read
    "api_register.list_units": {"GET": _who(Action.READ_REGISTER)},  # names and phones
    "api_register.import_units": {"POST": _who(Action.KEEP_REGISTER)},
    "api_register.list_resolutions": {"GET": EVERYONE_IN_BOOK},
    "api_register.get_resolution": {"GET": EVERYONE_IN_BOOK},  # the votes by unit only for those who read the register
    "api_register.tally": {"POST": _who(Action.READ_REGISTER)},
    "api_fees.Rates": {"GET": EVERYONE_IN_BOOK, "POST": _who(Action.KEEP_FEE_RATES)},
    "api_fees.run_billing": {"POST": _who(Action.RUN_BILLING)},
    "api_fees.record_payment": {"POST": _who(Action.RECORD_PAYMENT)},
    "api_fees.arrears": {"GET": EVERYONE_IN_BOOK},  # per unit only for READ_ARREARS (test_api_trust_ops.py)
    "api_bank.import_statement": {"POST": _who(Action.IMPORT_BANK_STATEMENT)},
    "api_bank.reconciliation": {"GET": _who(Action.READ_REGISTER)},  # rows name payers
    "api_bank.match": {"POST": _who(Action.MATCH_BANK_ROWS)},
    "api_trust.budget_report": {"GET": EVERYONE_IN_BOOK},
    "api_trust.revenue_contracts": {"GET": EVERYONE_IN_BOOK},
    "api_trust.remuneration_of_month": {"GET": EVERYONE_IN_BOOK},
    "office.operations": {"GET": EVERYONE_IN_BOOK},
    # --- units register and owners' resolutions
    "office.units": {"GET": _who(Action.READ_REGISTER)},
    "office.units_import": {"POST": _who(Action.KEEP_REGISTER)},
    "office.units_deactivate": {"POST": _who(Action.KEEP_REGISTER)},
    "office.units_reactivate": {"POST": _who(Action.KEEP_REGISTER)},
    "office.units_export": {"GET": _who(Action.READ_REGISTER)},  # names and phones: private, audited as an export
    "office.resolutions_page": {"GET": EVERYONE_IN_BOOK},
    "office.resolution": {"GET": EVERYONE_IN_BOOK},  # the votes by unit only for those who read the register
    "office.resolution_record": {"POST": _who(Action.RECORD_RESOLUTION)},
    "office.resolution_threshold": {"POST": _who(Action.RECORD_RESOLUTION)},
    "office.resolution_link": {"POST": EVERYONE_IN_BOOK},  # whose entry, in which state, is the service's


    # --- fees, billing, payments, arrears, my unit
    "office.fees": {"GET": EVERYONE_IN_BOOK},
    "office.fees_arrears": {"GET": EVERYONE_IN_BOOK},  # per unit only for READ_ARREARS (test_billing_web.py)
    "office.fees_rate": {"POST": _who(Action.KEEP_FEE_RATES)},
    "office.fees_run": {"POST": _who(Action.RUN_BILLING)},
    "office.fees_pay": {"POST": _who(Action.RECORD_PAYMENT)},
    "office.fees_reminder": {"GET": _who(Action.READ_ARREARS)},
    "office.my_unit": {"GET": PUBLIC, "POST": PUBLIC},  # the access code is the key (test_my_unit.py)
    "office.fees_code_issue": {"POST": _who(Action.ISSUE_ACCESS_CODES)},
    "office.fees_code_revoke": {"POST": _who(Action.ISSUE_ACCESS_CODES)},


    # --- the co-managed bank account
    "office.bank": {"GET": _who(Action.READ_REGISTER)},  # rows name payers: not for viewers or fund managers
    "office.bank_reconcile": {"GET": _who(Action.READ_REGISTER)},
    "office.bank_import": {"POST": _who(Action.IMPORT_BANK_STATEMENT)},
    "office.bank_match": {"POST": _who(Action.MATCH_BANK_ROWS)},
    "office.bank_draft": {"POST": _who(Action.MATCH_BANK_ROWS)},


    "office.bank_fee_payment": {"POST": _who(Action.MATCH_BANK_ROWS)},
    "office.bank_layout": {"POST": _who(Action.EDIT_BANK_PROFILES)},
    # --- remuneration, budgets, public revenues
    "office.remuneration_page": {"GET": EVERYONE_IN_BOOK},
    "office.remuneration_set": {"POST": _who(Action.SET_REMUNERATION)},
    "office.budget_page": {"GET": EVERYONE_IN_BOOK},
    "office.budget_set": {"POST": _who(Action.SET_BUDGET)},
    "office.budget_export": {"GET": EVERYONE_IN_BOOK},
    "office.revenues_page": {"GET": EVERYONE_IN_BOOK},
    "office.revenues_add": {"POST": _who(Action.MANAGE_REVENUES)},
    "office.revenues_receive": {"POST": _who(Action.MANAGE_REVENUES)},
    "office.revenues_end": {"POST": _who(Action.MANAGE_REVENUES)},
    "office.revenues_terms": {"POST": _who(Action.MANAGE_REVENUES)},
    # --- micro-projects and matching (issue 10)
    "office.projects_page": {"GET": EVERYONE_IN_BOOK},
    "office.project_page": {"GET": EVERYONE_IN_BOOK},
    "office.project_donate": {"POST": _who(Action.RECORD_DONATION)},
    "office.project_settle": {"POST": _who(Action.MANAGE_MATCHING)},
    "office.round_close": {"POST": _who(Action.MANAGE_MATCHING)},
    "office.project_publish": {"POST": _who(Action.MANAGE_PROJECTS)},
    "office.receipt_pdf": {"GET": _who(Action.RECORD_DONATION)},
    "office.pool_page": {"GET": _who(Action.READ_DONORS)},
    "office.pool_create": {"POST": _who(Action.MANAGE_MATCHING)},
    "office.pool_deposit": {"POST": _who(Action.MANAGE_MATCHING)},
    "office.pool_rule": {"POST": _who(Action.MANAGE_MATCHING)},  # preview and publish: the pool manager's
    "office.project_create": {"POST": _who(Action.MANAGE_PROJECTS)},
    # --- grants (issue 10): pages for everyone in a fund book (a trust book answers 404 past the gate)
    "office.grants_page": {"GET": EVERYONE_IN_BOOK},
    "office.grants_create": {"POST": _who(Action.MANAGE_GRANT_PROGRAMMES)},
    "office.grant_programme": {"GET": EVERYONE_IN_BOOK},
    "office.grant_reviewer_add": {"POST": _who(Action.MANAGE_GRANT_PROGRAMMES)},
    "office.grant_apply": {"POST": _who(Action.RECORD_GRANT_APPLICATION)},
    "office.grant_application": {"GET": EVERYONE_IN_BOOK},
    "office.grant_score": {"POST": _who(Action.REVIEW_GRANT)},  # then only the programme's reviewers (the service)
    "office.grant_conflict": {"POST": EVERYONE_IN_BOOK},  # likewise
    "office.grant_decide": {"POST": _who(Action.DECIDE_GRANT)},
    "office.grant_release": {"POST": _who(Action.PAY_GRANT)},
    "office.grant_report": {"POST": _who(Action.RECORD_GRANT_APPLICATION)},
    "office.grant_report_decide": {"POST": _who(Action.PAY_GRANT)},
    "office.grant_close": {"POST": _who(Action.PAY_GRANT)},
    # --- micro-projects through the API (issue 10): read by everyone in the book; the rest as the office pages
    "api_projects.list_projects": {"GET": EVERYONE_IN_BOOK},
    "api_projects.get_project": {"GET": EVERYONE_IN_BOOK},
    "api_projects.list_pools": {"GET": EVERYONE_IN_BOOK},
    "api_projects.pool_watch": {"GET": _who(Action.READ_DONORS)},
    "api_projects.match_preview": {"GET": _who(Action.RECORD_DONATION)},
    "api_projects.record_donation": {"POST": _who(Action.RECORD_DONATION)},
    "api_projects.refund_donation": {"POST": _who(Action.RECORD_DONATION)},
    "api_projects.settle_project": {"POST": _who(Action.MANAGE_MATCHING)},
    # --- grant report files and rebooking (0021); the grants' API
    "office.grant_file_page": {"GET": EVERYONE_IN_BOOK},
    "office.grant_file_original": {"GET": _who(Action.SEE_ORIGINALS)},
    "office.grant_file_review": {"POST": _who(Action.REDACT_VOUCHER)},
    "office.grant_rebook": {"POST": _who(Action.PAY_GRANT)},  # DECIDE_GRANT for an award's: fund managers both
    "api_grants.programmes": {"GET": EVERYONE_IN_BOOK},
    "api_grants.programme": {"GET": EVERYONE_IN_BOOK},
    "api_grants.Applications": {"GET": EVERYONE_IN_BOOK, "POST": _who(Action.RECORD_GRANT_APPLICATION)},
    "api_grants.application": {"GET": EVERYONE_IN_BOOK},
    "api_grants.score": {"POST": _who(Action.REVIEW_GRANT)},
    "api_grants.declare_conflict": {"POST": EVERYONE_IN_BOOK},
    "api_grants.decide": {"POST": _who(Action.DECIDE_GRANT)},
    "api_grants.release": {"POST": _who(Action.PAY_GRANT)},
    "api_grants.record_report": {"POST": _who(Action.RECORD_GRANT_APPLICATION)},
    "api_grants.decide_report": {"POST": _who(Action.PAY_GRANT)},
    "api_grants.close": {"POST": _who(Action.PAY_GRANT)},
    "api_grants.rebook": {"POST": _who(Action.PAY_GRANT)},


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
        flags.raise_flag(s, ledger.user(s, "watcher"), book, entry, "保洁费单价偏高？")
        waiting = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 6), "收停车费", ("1002", "GEN", "20.00"), ("4202", "GEN", "-20.00")), submit=True)
        ids["submitted"] = waiting.id
        people = {"treasurer": "maker", "committee": "approver1", "supervisor": "watcher", "trustee": "clerk",
                  "fund_manager": "fm", "viewer": "reader", "outsider": "outsider", "admin": "root"}
        for role, name in people.items():
            user = users.get_user(s, name) if name != "root" else admin
            number_tokens[role] = tokens.create_token(s, admin, user, f"matrix {role}")[1]
    yield app, ids, people, number_tokens
    app.extensions["ledger_engine"].dispose()


def _url(rule, ids) -> str:
    values = {"code": "T1", "book": "T1", "entry_id": ids["entry"], "attachment_id": ids["attachment"], "page": 1,
              "account_code": "1002", "account": "1002", "period": "2026-03", "fmt": "csv", "flag_id": MISSING,
              "filename": "office.css", "kind": "activities", "version": 1,
              "resolution_id": MISSING, "year": 2026,
              "job_id": "0" * 32, "path": "poster.pdf",
              "project_code": "P1", "pool_code": "GOV", "receipt": "JZ-AAAAA-AAAAA", "project": "P1", "pool": "GOV",
              "programme_id": MISSING, "application_id": MISSING, "report_id": MISSING, "file_id": MISSING, "seq": 1}
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
                    client = app.test_client()
                    client.post("/login", data={"username": people[role], "password": "password-123"})
                    response = client.post(url)
                    # Signing out ends every session of that person (a copied cookie dies with it): sign
                    # the client the other checks use in again.
                    clients[role].post("/login", data={"username": people[role], "password": "password-123"})
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


# --- Every GET is read-only -------------------------------------------------------------------------------------
#
# A resident opening /books/T1/periods/2031-05 once created that month's period row for everybody. Here every GET
# route of the URL map is opened by every role (and anonymously), and every table is compared, row by row, before
# and after. Only these changes are allowed, because they record the read itself:
#   - audit_log may GAIN rows whose action is in READ_AUDITS, never change or lose one:
#       "voucher.original": seeing an original voucher (download or unredacted page) is audited by design
#                           (DESIGN.md, Privacy: "Every download of an original is in the audit log");
#       "export":           every CSV/XLSX download of the books is audited (ledger/web/exports.py).
#   - api_tokens.last_used_at may move: the API records a token's last use (at most once a minute) so that its owner
#     can spot a leaked token; every other column of api_tokens must stay as it was.
READ_AUDITS = frozenset({"voucher.original", "export"})
IGNORED_COLUMNS = {"api_tokens": frozenset({"last_used_at"})}
NO_ROW_MONTH = "2031-05"  # a month nobody has used: looking at it must not open it


def _tables(engine):
    """Every table in the database (reflected, so a table added later is watched too)."""
    from sqlalchemy import MetaData

    meta = MetaData()
    meta.reflect(engine)
    assert {"periods", "entries", "flags", "audit_log", "api_tokens"} <= set(meta.tables)
    return meta.sorted_tables


def _snapshot(engine, tables) -> dict[str, tuple]:
    """Every table: (row count, sha256 of its rows in primary-key order); audit_log: its rows by id."""
    import hashlib

    from sqlalchemy import select

    shot = {}
    with engine.connect() as conn:
        for table in tables:
            skip = IGNORED_COLUMNS.get(table.name, frozenset())
            columns = [c for c in table.columns if c.name not in skip]
            order = list(table.primary_key.columns) or columns
            rows = [tuple(r) for r in conn.execute(select(*columns).order_by(*order))]
            if table.name == "audit_log":
                shot[table.name] = {r._mapping["id"]: r for r in conn.execute(select(table))}
                continue
            digest = hashlib.sha256()
            for row in rows:
                digest.update(repr(row).encode())
            shot[table.name] = (len(rows), digest.hexdigest())
    return shot


def _changes(before: dict, after: dict) -> list[str]:
    said = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if name == "audit_log":
            changed = [i for i in old if i not in new or tuple(new[i]) != tuple(old[i])]
            if changed:
                said.append(f"audit_log rows changed or removed: {changed}")
            added = [new[i] for i in new if i not in old]
            unexpected = [(r.action, r.target) for r in added if r.action not in READ_AUDITS]
            if unexpected:
                said.append(f"audit_log gained {unexpected}")
        elif old != new:
            said.append(f"{name}: {old[0] if old else '-'} rows -> {new[0] if new else '-'} rows, contents changed")
    return said


def _read_urls(app, ids) -> list[str]:
    """Every GET of the URL map, with a month that has a row and one that has none, and a few filters."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = _url(rule, ids)
        urls.append(url)
        if "<period>" in rule.rule or ":period>" in rule.rule:
            urls.append(url.replace("2026-03", NO_ROW_MONTH))
    entry = f"/books/T1/entries/{ids['submitted']}"
    urls += [f"/books/T1/flags?period={NO_ROW_MONTH}", "/books/T1/flags?period=2026-03&open=1",
             f"/books/T1/journal?period={NO_ROW_MONTH}", "/books/T1/journal?status=submitted", entry,
             f"/books/T1/entries/{MISSING}", "/books/T1?lang=en", f"/books/T1/periods/{NO_ROW_MONTH}?lang=en",
             "/api/v1/books/T1/entries?year=2031&month=5", f"/api/v1/books/T1/entries/{ids['submitted']}",
             f"/api/v1/books/T1/periods/{NO_ROW_MONTH}/checklist", "/api/v1/books/T1/periods/2099-12/checklist"]
    return sorted(set(urls))


def test_every_get_changes_nothing_for_every_role(world, engine):
    app, ids, people, api_tokens = world
    clients = {"anonymous": app.test_client()}
    for role, name in people.items():
        client = app.test_client()
        assert client.post("/login", data={"username": name, "password": "password-123"}).status_code == 302
        clients[role] = client
    urls = _read_urls(app, ids)
    assert f"/books/T1/periods/{NO_ROW_MONTH}" in urls and f"/api/v1/books/T1/periods/{NO_ROW_MONTH}/checklist" in urls
    tables = _tables(engine)
    before = first = _snapshot(engine, tables)
    problems, seen = [], set()
    for url in urls:
        for role in ROLES:
            if url.startswith("/api/"):
                headers = {"Authorization": f"Bearer {api_tokens[role]}"} if role != "anonymous" else {}
                response = app.test_client().get(url, headers=headers)
            else:
                response = clients[role].get(url)
            seen.add(response.status_code)
            response.close()
            if response.status_code >= 500:
                problems.append(f"GET {url} as {role}: {response.status_code}")
            after = _snapshot(engine, tables)
            problems += [f"GET {url} as {role} ({response.status_code}): {c}" for c in _changes(before, after)]
            before = after  # the next request is judged on its own
    assert problems == [], "\n".join(problems)
    assert 200 in seen and 403 in seen  # the matrix really ran pages, and really refused some
    # Both exceptions were needed: reads of originals and exports did leave their audit records.
    assert {r.action for i, r in before["audit_log"].items() if i not in first["audit_log"]} == READ_AUDITS
    with engine.connect() as conn:  # the month nobody used is still unopened
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM periods WHERE year = 2031")).scalar() == 0
