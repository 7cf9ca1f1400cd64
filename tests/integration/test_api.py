"""The JSON API as an integration (and our own pages) would use it, on both databases."""
from __future__ import annotations

import hashlib
import io
import re

import pytest
from click.testing import CliRunner
from PIL import ExifTags, Image
from sqlalchemy import select, text

from ledger.app import create_app
from ledger.cli_tokens import tokens as tokens_cli
from ledger.db.schema import ApiToken, AuditEvent
from ledger.domain.errors import PermissionDenied
from ledger.services import tokens, users

BOOK = "/api/v1/books/T1"
LINES = [
    {"account": "1002", "fund": "GEN", "debit": "1234.56", "note": "工行入账"},
    {"account": "4101", "fund": "GEN", "credit": "1000.00"},
    {"account": "4202", "fund": "GEN", "amount": "-234.56", "note": "停车费"},
]
ENTRY = {"date": "2026-03-05", "summary": "收3月物业费及停车费", "lines": LINES}
NAMES = ("maker", "approver1", "approver2", "watcher", "reader", "clerk", "outsider")


class Caller:
    """One user's API client: every request carries their bearer token."""

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def _headers(self, extra):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path, headers=None, **kw):
        # buffered: the body is read at once, so a file sent from disk is closed again
        return self.client.get(path, headers=self._headers(headers), buffered=True, **kw)

    def post(self, path, json=None, headers=None, **kw):
        return self.client.post(path, json=json, headers=self._headers(headers), **kw)

    def put(self, path, json=None, headers=None, **kw):
        return self.client.put(path, json=json, headers=self._headers(headers), **kw)

    def open(self, path, method, headers=None, **kw):
        return self.client.open(path, method=method, headers=self._headers(headers), **kw)


@pytest.fixture
def plaintexts(ledger):
    """A token for each user of the test book, made through the service, as an administrator would."""
    made = {}
    with ledger.tx() as s:
        system = users.system_user(s)
        for name in NAMES:
            _, made[name] = tokens.create_token(s, system, users.get_user(s, name), f"{name}'s integration")
    return made


@pytest.fixture
def api(app, plaintexts):
    client = app.test_client()

    def as_(name: str | None) -> Caller:
        return Caller(client, plaintexts[name] if name else None)

    return as_


def assert_error(response, status: int, code: str, field: str | None = "__any__"):
    """The error shape every API refusal has."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == code, body
    assert set(body["message"]) == {"zh_CN", "en"} and body["message"]["zh_CN"] and body["message"]["en"]
    assert "field" in body
    if field != "__any__":
        assert body["field"] == field, body
    return body


def make_posted(api, entry=ENTRY, maker="maker", approver="approver1") -> dict:
    created = api(maker).post(f"{BOOK}/entries", json=dict(entry, submit=True))
    assert created.status_code == 201, created.get_json()
    approved = api(approver).post(f"{BOOK}/entries/{created.get_json()['id']}/approve")
    assert approved.status_code == 200, approved.get_json()
    return approved.get_json()


# ------------------------------------------------------------------ the whole flow


def test_a_treasurer_and_a_committee_member_post_and_reverse_an_entry_by_token(api):
    maker, approver = api("maker"), api("approver1")

    draft = maker.post(f"{BOOK}/entries", json=ENTRY)
    assert draft.status_code == 201
    entry = draft.get_json()
    assert entry["status"] == "draft" and entry["number"] is None and entry["maker"]["username"] == "maker"
    assert [(l["account"], l["fund"], l["debit"], l["credit"], l["amount"], l["note"]) for l in entry["lines"]] == [
        ("1002", "GEN", "1234.56", "0.00", "1234.56", "工行入账"),
        ("4101", "GEN", "0.00", "1000.00", "-1000.00", ""),
        ("4202", "GEN", "0.00", "234.56", "-234.56", "停车费"),
    ]
    assert entry["total_debit"] == entry["total_credit"] == "1234.56"
    assert entry["lines"][0]["account_name_zh"] == "银行存款—共管账户" and entry["period"] == "2026-03"
    entry_url = f"{BOOK}/entries/{entry['id']}"

    submitted = maker.post(f"{entry_url}/submit")
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    assert submitted.get_json()["submitted_at"].endswith("+00:00")

    assert_error(maker.post(f"{entry_url}/approve"), 403, "self_approval", "entry")
    assert api("watcher").post(f"{entry_url}/approve").status_code == 403  # a supervisor reads, never approves

    posted = approver.post(f"{entry_url}/approve")
    assert posted.status_code == 200
    posted = posted.get_json()
    assert posted["status"] == "posted" and posted["number"] == "记-2026-03-0001"
    assert [a["user"]["username"] for a in posted["approvals"]] == ["approver1"] and posted["approvals_needed"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", posted["hash"]) and posted["prev_hash"] == "0" * 64
    assert posted["attachments"] == [] and posted["reverses"] is None and posted["reversed_by"] is None

    tb = api("reader").get(f"{BOOK}/trial-balance").get_json()
    assert [(r["code"], r["debit"], r["credit"], r["balance"]) for r in tb["rows"]] == [
        ("1002", "1234.56", "0.00", "1234.56"),
        ("4101", "0.00", "1000.00", "-1000.00"),
        ("4202", "0.00", "234.56", "-234.56"),
    ]
    assert tb["total_debit"] == tb["total_credit"] == "1234.56" and tb["as_of"] is None
    before = api("reader").get(f"{BOOK}/trial-balance", query_string={"as_of": "2026-03-04"}).get_json()
    assert before["rows"] == [] and before["total_debit"] == "0.00" and before["as_of"] == "2026-03-04"

    reversal = maker.post(f"{entry_url}/reverse", json={"date": "2026-03-20"})
    assert reversal.status_code == 201
    reversal = reversal.get_json()
    assert reversal["status"] == "submitted" and reversal["source"] == "reversal"
    assert reversal["reverses"] == {"id": entry["id"], "number": "记-2026-03-0001", "status": "posted"}
    assert [l["amount"] for l in reversal["lines"]] == ["-1234.56", "1000.00", "234.56"]
    assert reversal["summary"].startswith("冲销 记-2026-03-0001")
    original = maker.get(entry_url).get_json()
    assert original["reversed_by"] == {"id": reversal["id"], "number": None, "status": "submitted"}
    assert_error(maker.post(f"{entry_url}/reverse", json={"date": "2026-03-21"}), 409, "invalid_state")

    assert approver.post(f"{BOOK}/entries/{reversal['id']}/approve").get_json()["number"] == "记-2026-03-0002"
    tb = api("watcher").get(f"{BOOK}/trial-balance").get_json()
    assert {r["code"]: r["balance"] for r in tb["rows"]} == {"1002": "0.00", "4101": "0.00", "4202": "0.00"}


def test_above_the_threshold_two_different_approvers_post(api):
    big = dict(ENTRY, lines=[{"account": "1002", "fund": "GEN", "debit": "10000.01"},
                             {"account": "4101", "fund": "GEN", "credit": "10000.01"}])
    entry = api("maker").post(f"{BOOK}/entries", json=dict(big, submit=True)).get_json()
    url = f"{BOOK}/entries/{entry['id']}/approve"
    first = api("approver1").post(url).get_json()
    assert first["status"] == "submitted" and first["approvals_needed"] == 2
    assert_error(api("approver1").post(url), 409, "duplicate_approval")
    assert api("approver2").post(url).get_json()["status"] == "posted"


def test_a_draft_is_edited_rejected_and_resubmitted(api):
    maker = api("maker")
    entry = maker.post(f"{BOOK}/entries", json=ENTRY).get_json()
    url = f"{BOOK}/entries/{entry['id']}"
    two_lines = dict(ENTRY, summary="改：只收物业费", lines=[{"account": "1002", "fund": "GEN", "debit": "1000"},
                                                          {"account": "4101", "fund": "GEN", "credit": "1000"}])
    edited = maker.put(url, json=two_lines)
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["summary"] == "改：只收物业费" and len(edited.get_json()["lines"]) == 2
    assert_error(api("clerk").put(url, json=two_lines), 409, "invalid_state", "entry")  # not the maker's
    maker.post(f"{url}/submit")
    assert_error(api("approver1").post(f"{url}/reject", json={"reason": "  "}), 400, "invalid_input", "reason")
    assert_error(api("approver1").post(f"{url}/reject", json={}), 422, "validation_error", "reason")
    rejected = api("approver1").post(f"{url}/reject", json={"reason": "缺少发票"}).get_json()
    assert rejected["status"] == "rejected" and rejected["rejected_reason"] == "缺少发票"
    assert rejected["rejected_by"] == "approver1"
    assert maker.post(f"{url}/submit").get_json()["status"] == "submitted"
    assert_error(maker.put(url, json=two_lines), 409, "invalid_state")  # submitted: no longer editable


# ------------------------------------------------------------------ idempotency


def test_the_same_create_sent_twice_makes_one_entry(api, app):
    maker = api("maker")
    key = {"Idempotency-Key": "bank-2026-03-05-001"}
    first = maker.post(f"{BOOK}/entries", json=ENTRY, headers=key)
    again = maker.post(f"{BOOK}/entries", json=ENTRY, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    in_body = maker.post(f"{BOOK}/entries", json=dict(ENTRY, idempotency_key="bank-2026-03-05-001"))
    assert in_body.status_code == 200 and in_body.get_json()["id"] == first.get_json()["id"]
    other = dict(ENTRY, summary="另一张凭证")
    assert_error(maker.post(f"{BOOK}/entries", json=other, headers=key), 409, "idempotency_conflict", "idempotency_key")
    assert_error(
        maker.post(f"{BOOK}/entries", json=dict(ENTRY, idempotency_key="other"), headers=key),
        422, "validation_error", "idempotency_key",
    )
    listed = maker.get(f"{BOOK}/entries", query_string={"status": "all"}).get_json()["items"]
    assert [e["id"] for e in listed] == [first.get_json()["id"]]


def test_a_reversal_retried_with_its_key_is_made_once(api):
    posted = make_posted(api)
    url = f"{BOOK}/entries/{posted['id']}/reverse"
    key = {"Idempotency-Key": "reverse-1"}
    first = api("maker").post(url, json={"date": "2026-03-06"}, headers=key)
    again = api("maker").post(url, json={"date": "2026-03-06"}, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]


# ------------------------------------------------------------------ roles


def test_each_role_may_do_what_the_back_office_allows_and_no_more(api):
    posted = make_posted(api)
    assert_error(api("reader").post(f"{BOOK}/entries", json=ENTRY), 403, "permission_denied")
    assert_error(api("watcher").post(f"{BOOK}/entries", json=ENTRY), 403, "permission_denied")
    assert api("clerk").post(f"{BOOK}/entries", json=ENTRY).status_code == 201  # the trustee enters its expenses
    assert_error(api("outsider").get(BOOK), 403, "permission_denied")
    assert_error(api("outsider").get(f"{BOOK}/entries/{posted['id']}"), 403, "permission_denied")
    assert api("outsider").get("/api/v1/books").get_json() == []
    assert [b["code"] for b in api("reader").get("/api/v1/books").get_json()] == ["T1"]
    assert api("reader").get(BOOK).get_json()["roles"] == ["viewer"]
    assert api("reader").get(f"{BOOK}/entries/{posted['id']}").status_code == 200

    account = {"code": "5111", "name_zh": "垃圾清运费", "type": "expense"}
    assert_error(api("reader").post(f"{BOOK}/accounts", json=account), 403, "permission_denied")
    assert_error(api("clerk").post(f"{BOOK}/accounts", json=account), 403, "permission_denied")
    assert_error(api("clerk").post(f"{BOOK}/periods/2026-02/close"), 403, "permission_denied")
    assert_error(api("maker").post(f"{BOOK}/periods/2026-02/close"), 403, "permission_denied")
    reversal = api("reader").post(f"{BOOK}/entries/{posted['id']}/reverse", json={})
    assert_error(reversal, 403, "permission_denied")


# ------------------------------------------------------------------ chart, funds, periods, reports


def test_accounts_funds_and_periods(api):
    maker = api("maker")
    created = maker.post(f"{BOOK}/accounts", json={"code": "5111", "name_zh": "垃圾清运费", "type": "expense",
                                                   "parent": "5101"})
    assert created.status_code == 201
    assert created.get_json() == {"code": "5111", "name_zh": "垃圾清运费", "name_en": "垃圾清运费", "type": "expense",
                                  "cash": False, "parent": "5101", "active": True}
    assert_error(maker.post(f"{BOOK}/accounts", json={"code": "5111", "name_zh": "x", "type": "expense"}),
                 409, "duplicate_code", "code")
    assert_error(maker.post(f"{BOOK}/accounts", json={"code": "5112", "name_zh": "x", "type": "spending"}),
                 422, "validation_error", "type")
    accounts = maker.get(f"{BOOK}/accounts").get_json()
    assert {"code": "1002", "name_zh": "银行存款—共管账户", "name_en": "Bank - co-managed account", "type": "asset",
            "cash": True, "parent": None, "active": True} in accounts
    assert next(a for a in accounts if a["code"] == "5111")["parent"] == "5101"

    fund = maker.post(f"{BOOK}/funds", json={"code": "ELEV", "name_zh": "3栋电梯微项目", "name_en": "Elevator", "restricted": True})
    assert fund.status_code == 201 and fund.get_json()["restricted"] is True
    assert [f["code"] for f in maker.get(f"{BOOK}/funds").get_json()] == ["ELEV", "GEN", "REPAIR"]

    make_posted(api)
    entry = api("maker").post(f"{BOOK}/entries", json=dict(ENTRY, date="2026-04-02", submit=True)).get_json()
    assert [(p["period"], p["status"]) for p in api("reader").get(f"{BOOK}/periods").get_json()] == [
        ("2026-03", "open"), ("2026-04", "open")]
    check = api("reader").get(f"{BOOK}/periods/2026-03/checklist").get_json()
    assert check["ready"] is False and check["banks"] == [
        {"account": "1002", "book": "1234.56", "statement": None, "ok": False}]
    assert_error(api("approver2").post(f"{BOOK}/periods/2026-03/close"), 409, "period_not_ready", "period")
    assert_error(api("reader").post(f"{BOOK}/periods/2026-03/bank-balances", json={"account": "1002", "balance": "1234.56"}),
                 403, "permission_denied")
    entered = api("maker").post(f"{BOOK}/periods/2026-03/bank-balances", json={"account": "1002", "balance": "1234.56"})
    assert entered.status_code == 201 and entered.get_json()["ok"] is True
    assert api("reader").get(f"{BOOK}/periods/2026-03/checklist").get_json()["ready"] is True
    closed = api("approver2").post(f"{BOOK}/periods/2026-03/close")
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["status"] == "closed" and closed.get_json()["closed_by"] == "approver2"
    assert_error(api("approver2").post(f"{BOOK}/periods/2026-03/close"), 409, "period_closed")
    assert_error(api("approver2").post(f"{BOOK}/periods/2026-04/close"), 409, "period_not_ready")
    assert_error(api("maker").post(f"{BOOK}/entries", json=ENTRY), 409, "period_closed", "date")
    api("approver1").post(f"{BOOK}/entries/{entry['id']}/approve")
    assert_error(api("approver2").post(f"{BOOK}/periods/2026-13/close"), 404, "not_found")


def test_journal_filters_and_pagination(api):
    for day in (3, 5, 7):
        make_posted(api, dict(ENTRY, date=f"2026-03-0{day}", summary=f"收款 {day} 日"))
    make_posted(api, dict(ENTRY, date="2026-04-01", summary="四月水费", lines=[
        {"account": "5105", "fund": "GEN", "debit": "88.80"}, {"account": "1002", "fund": "GEN", "credit": "88.80"}]))
    api("maker").post(f"{BOOK}/entries", json=dict(ENTRY, summary="草稿"))
    reader = api("reader")

    def numbers(**query):
        response = reader.get(f"{BOOK}/entries", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [e["number"] for e in response.get_json()["items"]]

    assert numbers() == ["记-2026-04-0001", "记-2026-03-0003", "记-2026-03-0002", "记-2026-03-0001"]
    assert numbers(year=2026, month=3, limit=2) == ["记-2026-03-0003", "记-2026-03-0002"]
    page2 = reader.get(f"{BOOK}/entries", query_string={"year": 2026, "month": 3, "limit": 2, "offset": 2}).get_json()
    assert [e["number"] for e in page2["items"]] == ["记-2026-03-0001"] and page2["has_more"] is False
    assert numbers(account="5105") == ["记-2026-04-0001"]
    assert numbers(fund="REPAIR") == []
    assert numbers(text="5 日") == ["记-2026-03-0002"]
    assert numbers(max_amount="100") == ["记-2026-04-0001"]
    assert numbers(min_amount="1234.56", max_amount="1234.56") == ["记-2026-03-0003", "记-2026-03-0002", "记-2026-03-0001"]
    drafts = reader.get(f"{BOOK}/entries", query_string={"status": "draft"}).get_json()["items"]
    assert [(d["summary"], d["number"], d["total_debit"]) for d in drafts] == [("草稿", None, "1234.56")]
    assert len(reader.get(f"{BOOK}/entries", query_string={"status": "all"}).get_json()["items"]) == 5

    ledger = reader.get(f"{BOOK}/accounts/1002/ledger", query_string={"start": "2026-03-04", "limit": 2}).get_json()
    assert ledger["opening"] == "1234.56" and ledger["has_more"] is True
    assert [(r["number"], r["debit"], r["credit"], r["balance"]) for r in ledger["rows"]] == [
        ("记-2026-03-0002", "1234.56", "0.00", "2469.12"), ("记-2026-03-0003", "1234.56", "0.00", "3703.68")]
    rest = reader.get(f"{BOOK}/accounts/1002/ledger", query_string={"start": "2026-03-04", "offset": 2}).get_json()
    assert [(r["credit"], r["balance"]) for r in rest["rows"]] == [("88.80", "3614.88")] and rest["has_more"] is False
    assert_error(reader.get(f"{BOOK}/accounts/9999/ledger"), 404, "not_found", "account")

    funds = {f["code"]: f for f in reader.get(f"{BOOK}/fund-balances").get_json()}
    assert funds["GEN"]["cash"] == "3614.88" and funds["GEN"]["expense"] == "88.80" and funds["GEN"]["income"] == "3703.68"


# ------------------------------------------------------------------ vouchers


def _photo(size=(2400, 1600), name="invoice.jpg") -> tuple[io.BytesIO, str]:
    """A phone photo with GPS in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 38.0, 42.0)
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, format="JPEG", quality=90, exif=exif)
    buf.seek(0)
    return buf, name


def test_a_voucher_is_uploaded_listed_and_its_public_copy_has_no_gps(api):
    maker = api("maker")
    entry = maker.post(f"{BOOK}/entries", json=ENTRY).get_json()
    url = f"{BOOK}/entries/{entry['id']}/attachments"
    photo, name = _photo()
    original = photo.getvalue()
    uploaded = maker.post(url, data={"file": (photo, name)}, content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    voucher = uploaded.get_json()
    assert voucher["sha256"] == hashlib.sha256(original).hexdigest() and voucher["media_type"] == "image/jpeg"
    assert voucher["filename"] == "invoice.jpg" and voucher["size"] == len(original) and voucher["redacted"] is False
    assert [(p["page"], p["width"], p["height"]) for p in voucher["pages"]] == [(1, 2000, 1333)]
    # A resident sees the voucher, but not its original's file name nor who uploaded it (as on the page).
    assert api("reader").get(url).get_json() == [dict(voucher, filename=None, uploaded_by=None)]
    detail = api("reader").get(f"{BOOK}/entries/{entry['id']}").get_json()
    assert [(a["sha256"], a["filename"], a["media_type"]) for a in detail["attachments"]] == [
        (voucher["sha256"], None, "image/jpeg")]

    page = api("reader").get(f"{BOOK}/attachments/{voucher['id']}/public/1")
    assert page.status_code == 200 and page.mimetype == "image/jpeg"
    assert hashlib.sha256(page.data).hexdigest() == voucher["pages"][0]["sha256"]
    image = Image.open(io.BytesIO(page.data))
    assert not image.getexif() and "exif" not in image.info
    assert_error(api("reader").get(f"{BOOK}/attachments/{voucher['id']}/public/2"), 404, "not_found", "page")
    assert_error(api("outsider").get(f"{BOOK}/attachments/{voucher['id']}/public/1"), 403, "permission_denied")
    assert_error(api("reader").get(f"{BOOK}/attachments/999999/public/1"), 404, "not_found", "attachment")

    again, _ = _photo()
    assert_error(maker.post(url, data={"file": (again, "same.jpg")}, content_type="multipart/form-data"),
                 409, "voucher_duplicate", "file")
    png = io.BytesIO()
    Image.new("RGB", (50, 50)).save(png, format="PNG")
    png.seek(0)
    assert_error(maker.post(url, data={"file": (png, "receipt.pdf")}, content_type="multipart/form-data"),
                 415, "voucher_type_mismatch", "file")
    assert_error(maker.post(url, data={"note": "no file"}, content_type="multipart/form-data"),
                 422, "validation_error", "file")
    photo, name = _photo(size=(60, 40))
    assert_error(api("reader").post(url, data={"file": (photo, name)}, content_type="multipart/form-data"),
                 403, "permission_denied")
    maker.post(f"{BOOK}/entries/{entry['id']}/submit")
    photo, name = _photo(size=(80, 40))
    assert_error(maker.post(url, data={"file": (photo, name)}, content_type="multipart/form-data"),
                 409, "invalid_state", "entry")


# ------------------------------------------------------------------ errors


def test_every_refusal_is_json_with_a_code_a_bilingual_message_and_the_field(api, app):
    maker = api("maker")
    anonymous = api(None)
    body = assert_error(anonymous.get("/api/v1/books"), 401, "authentication_failed", "Authorization")
    assert "Bearer" in body["message"]["en"]
    assert anonymous.get("/api/v1/books").headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(anonymous.get("/api/v1/books", headers={"Authorization": "Basic dXNlcjpwdw=="}), 401, "authentication_failed")
    assert_error(anonymous.get("/api/v1/books", headers={"Authorization": "Bearer gzl_not-a-token"}), 401,
                 "authentication_failed")

    assert_error(maker.get("/api/v1/books/NOPE"), 404, "not_found", "book")
    assert_error(maker.get(f"{BOOK}/entries/999999"), 404, "not_found", "entry")
    assert_error(maker.get(f"{BOOK}/entries/99999999999999999999999"), 404, "not_found")  # beyond an INTEGER
    assert_error(maker.get("/api/v1/no-such-thing"), 404, "not_found", None)
    assert_error(maker.get("/api/v1/books/%00"), 404, "not_found")

    not_allowed = maker.open("/api/v1/books", "DELETE")
    assert_error(not_allowed, 405, "method_not_allowed")
    assert set(not_allowed.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD", "OPTIONS"}
    assert "DELETE" not in not_allowed.headers["Allow"]
    assert "POST" in maker.open(f"{BOOK}/entries", "PATCH").headers["Allow"]

    url = f"{BOOK}/entries"
    bad_json = maker.post(url, data="{not json", headers={"Content-Type": "application/json"})
    assert_error(bad_json, 400, "invalid_json")
    deep = maker.post(url, data="[" * 100_000, headers={"Content-Type": "application/json"})
    assert_error(deep, 400, "invalid_json")
    assert_error(maker.post(url, json=[1, 2]), 422, "validation_error")
    assert_error(maker.post(url, json=dict(ENTRY, colour="red")), 422, "validation_error", "colour")
    assert_error(maker.post(url, json=dict(ENTRY, date="2026-02-30")), 422, "validation_error", "date")
    assert_error(maker.post(url, json=dict(ENTRY, date="9999-01-01")), 422, "validation_error", "date")
    assert_error(maker.post(url, json={"summary": "x", "lines": LINES}), 422, "validation_error", "date")
    float_line = [dict(LINES[0], debit=1234.56), *LINES[1:]]
    body = assert_error(maker.post(url, json=dict(ENTRY, lines=float_line)), 422, "validation_error", "lines[0].debit")
    assert body["details"] == {"lines[0].debit": ["Not a valid string."]} and "须为字符串" in body["message"]["zh_CN"]
    three_decimals = [dict(LINES[0], debit="1234.567"), *LINES[1:]]
    assert_error(maker.post(url, json=dict(ENTRY, lines=three_decimals)), 422, "validation_error", "lines[0].debit")
    huge = [dict(LINES[0], debit="9" * 40), *LINES[1:]]
    assert_error(maker.post(url, json=dict(ENTRY, lines=huge)), 422, "validation_error", "lines[0].debit")
    assert_error(maker.post(url, json=dict(ENTRY, summary="含\x00字符")), 422, "validation_error", "summary")
    assert_error(maker.post(url, json=dict(ENTRY, submit="yes please")), 422, "validation_error", "submit")

    unbalanced = [dict(LINES[0], debit="1234.50"), *LINES[1:]]
    body = assert_error(maker.post(url, json=dict(ENTRY, lines=unbalanced)), 400, "unbalanced_entry", "lines")
    assert "借贷不平" in body["message"]["zh_CN"] and "differ" in body["message"]["en"]
    both = [dict(LINES[0], credit="1"), *LINES[1:]]
    assert_error(maker.post(url, json=dict(ENTRY, lines=both)), 400, "invalid_input", "lines[0].debit")
    unknown = [dict(LINES[0], account="9999"), *LINES[1:]]
    assert_error(maker.post(url, json=dict(ENTRY, lines=unknown)), 400, "unknown_account", "lines[0].account")
    assert_error(maker.post(url, json=dict(ENTRY, lines=LINES[:1])), 400, "invalid_input", "lines")

    for query in ({"limit": 10**30}, {"limit": 0}, {"offset": -1}, {"year": 9999}, {"month": 3},
                  {"status": "lost"}, {"min_amount": "1e3"}, {"account": "a b"}, {"text": "\x00"}):
        assert_error(maker.get(url, query_string=query), 422, "validation_error")
    assert_error(maker.get(f"{BOOK}/trial-balance", query_string={"as_of": "yesterday"}), 422, "validation_error", "as_of")
    assert_error(maker.post(url, json=ENTRY, headers={"Idempotency-Key": "two words"}), 422,
                 "validation_error", "Idempotency-Key")

    # The web pages keep their HTML errors.
    page = app.test_client().get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_an_unexpected_failure_is_a_json_500_and_the_pages_keep_theirs(ledger, db_url, tmp_path, monkeypatch, plaintexts):
    from ledger.api import books as books_api

    def broken(*_args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(books_api.book_service, "books_for", broken)
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "PROPAGATE_EXCEPTIONS": False})
    app.logger.disabled = True  # the traceback would be logged; it is expected here
    try:
        response = app.test_client().get("/api/v1/books", headers={"Authorization": f"Bearer {plaintexts['reader']}"})
        body = assert_error(response, 500, "internal_error", None)
        assert "disk on fire" not in response.get_data(as_text=True) and "服务器内部错误" in body["message"]["zh_CN"]
    finally:
        app.extensions["ledger_engine"].dispose()


def test_nothing_is_left_behind_by_a_refused_request(api, app):
    api("maker").post(f"{BOOK}/entries", json=dict(ENTRY, lines=[dict(LINES[0], debit="1"), *LINES[1:]]))
    with app.extensions["ledger_engine"].connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM entries")).scalar() == 0


# ------------------------------------------------------------------ tokens and sessions


def test_a_revoked_token_no_longer_works_and_only_its_hash_is_stored(api, app, ledger, plaintexts):
    reader = api("reader")
    assert reader.get("/api/v1/me").get_json() == {"username": "reader", "display_name": "reader", "is_admin": False,
                                                   "auth": "token"}
    plaintext = plaintexts["reader"]
    assert plaintext.startswith("gzl_") and len(plaintext) > 40
    with ledger.tx() as s:
        rows = s.scalars(select(ApiToken)).all()
        assert len(rows) == len(NAMES)
        row = next(r for r in rows if r.user.username == "reader")
        assert row.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
        assert row.prefix == plaintext[:12] and row.last_used_at is not None
        token_id = row.id
    with app.extensions["ledger_engine"].connect() as conn:
        dump = " ".join(str(v) for r in conn.execute(text("SELECT * FROM api_tokens")) for v in r)
        audit = " ".join(str(v) for r in conn.execute(text("SELECT * FROM audit_log")) for v in r)
    assert plaintext not in dump and plaintext[12:] not in dump and plaintext not in audit

    with ledger.tx() as s:
        reader_user = users.get_user(s, "reader")
        with pytest.raises(PermissionDenied):
            tokens.revoke_token(s, users.get_user(s, "maker"), token_id)  # not theirs
        tokens.revoke_token(s, reader_user, token_id)
    assert_error(reader.get("/api/v1/me"), 401, "authentication_failed")
    assert api("maker").get("/api/v1/me").status_code == 200
    with ledger.tx() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.action.like("token.%")))]
    assert actions.count("token.create") == len(NAMES) and actions.count("token.revoke") == 1


def test_people_manage_their_own_tokens_and_an_administrator_anyones(ledger):
    with ledger.tx() as s:
        maker, reader = users.get_user(s, "maker"), users.get_user(s, "reader")
        token, plaintext = tokens.create_token(s, maker, maker, "记账软件")
        assert tokens.authenticate_token(s, plaintext) is maker
        with pytest.raises(PermissionDenied):
            tokens.create_token(s, reader, maker, "borrowed")
        with pytest.raises(PermissionDenied):
            tokens.list_tokens(s, reader, maker)
        assert [t.name for t in tokens.list_tokens(s, maker, maker)] == ["记账软件"]
        assert [t.name for t in tokens.list_tokens(s, users.system_user(s), maker)] == ["记账软件"]
        maker.active = False
        with pytest.raises(Exception, match="invalid or revoked"):
            tokens.authenticate_token(s, plaintext)  # a deactivated user's tokens stop working


def test_the_tokens_command_creates_lists_and_revokes(app, ledger, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("LEDGER_DATABASE_URL", app.config["DATABASE_URL"])  # the command reads the environment

    def run(*args, ok=True):
        result = runner.invoke(tokens_cli, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    out = run("create", "maker", "--name", "银行对账机器人")
    plaintext = re.search(r"gzl_\S+", out).group(0)
    client = app.test_client()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"}).get_json()["username"] == "maker"
    listed = run("list", "maker")
    assert "银行对账机器人" in listed and plaintext[:12] in listed and plaintext not in listed
    token_id = re.search(r"^\s*(\d+)\s", listed, re.M).group(1)
    assert "错误" in run("create", "nobody", "--name", "x", ok=False)
    run("revoke", token_id)
    assert "revoked" in run("list", "maker")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 401


def test_our_own_pages_may_use_the_session_but_must_say_so_to_change_anything(app, ledger):
    client = app.test_client()
    page = client.get("/login")
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    signed_in = client.post("/login", data={"username": "maker", "password": "password-123", "csrf_token": csrf_token})
    assert signed_in.status_code == 302
    me = client.get("/api/v1/me").get_json()
    assert me["username"] == "maker" and me["auth"] == "session"
    assert_error(client.post(f"{BOOK}/entries", json=ENTRY), 403, "requested_with_missing", "X-Requested-With")
    made = client.post(f"{BOOK}/entries", json=ENTRY, headers={"X-Requested-With": "XMLHttpRequest"})
    assert made.status_code == 201  # no CSRF form token needed: the header is the proof of same origin


# ------------------------------------------------------------------ the document


def test_the_openapi_document_describes_money_errors_and_auth(api):
    spec = api(None).get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "An API token from `ledger tokens create`."}
    assert spec["security"] == [{"bearerAuth": []}]
    schemas = spec["components"]["schemas"]
    for schema, field in (("LineIn", "debit"), ("Entry", "total_debit"), ("TrialBalanceRow", "balance"), ("Book", "approval_threshold")):
        money = schemas[schema]["properties"][field]
        assert (money["type"], money["format"]) == ("string", "decimal") and money["pattern"].startswith("^-?[0-9]")
    assert set(schemas["ApiError"]["properties"]) >= {"code", "message", "field"}
    paths = spec["paths"]
    assert {"/api/v1/books", "/api/v1/books/{book}/entries", "/api/v1/books/{book}/entries/{entry_id}/approve",
            "/api/v1/books/{book}/trial-balance", "/api/v1/books/{book}/accounts/{account}/ledger"} <= set(paths)
    for path, item in paths.items():
        for method, op in item.items():
            if method in ("get", "post", "put"):
                assert "401" in op["responses"] and "default" not in op["responses"], (method, path)

    docs = api(None).get("/api/v1/docs")
    assert docs.status_code == 200 and docs.mimetype == "text/html"
    assert "/api/v1/books/{book}/entries" in docs.text and "EntryCreate" in docs.text and "<script" not in docs.text
    assert "script-src 'self'" in docs.headers["Content-Security-Policy"]
    assert "`" not in docs.text and "<code>Authorization: Bearer" in docs.text  # Markdown code set as code
    assert "接口" in docs.text and "请求体" in docs.text  # Chinese first
    english = api(None).get("/api/v1/docs", headers={"Accept-Language": "en"})
    assert "Request body" in english.text and "请求体" not in english.text
