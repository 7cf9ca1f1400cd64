"""The grants' JSON API (ledger/api/grants.py): a round run end to end through it, reviews shown only to reviewers
and fund managers, the contact only to who records or decides, refusals bilingual, Idempotency-Key on posts, and a
report with its receipts uploaded (or none)."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from ledger.db.schema import Entry, GrantApplication, GrantDecision, GrantReport, GrantReportFile
from ledger.services import entries, tokens, users

from ..conftest import back_office
from .test_grant_report_files import receipt
from . import test_grants
from .test_grants import CODE, _approve_pending, _programme

fund = test_grants.fund  # the community fund CF1 (a fixture)

BASE = f"/api/v1/books/{CODE}/grants"


@pytest.fixture
def api(fund, db_url, tmp_path):
    with back_office(db_url, tmp_path) as app:
        def make(username):
            with fund.tx() as s:
                _, plaintext = tokens.create_token(s, users.system_user(s), users.get_user(s, username), "test")
            client = app.test_client()
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plaintext}"
            return client
        yield make


def _ok(response, status=201):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def _error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    doc = response.get_json()
    assert doc["message"]["zh_CN"] and doc["message"]["en"]
    if code:
        assert doc["code"] == code
    return doc


APPLICATION = {"applicant": "锦城花园业委会", "community": "锦城社区", "contact": "王女士 13800001234", "title": "楼道微更新",
               "purpose": "居民共同参与楼道更新", "amount": "40000.00", "received_on": "2026-03-10",
               "budget": [{"item": "涂料与人工", "amount": "25000.00"}, {"item": "居民议事会", "amount": "15000.00"}]}


def test_a_round_through_the_api(fund, api):
    pid = _programme(fund)
    clerk, fm1, fm2, rev1, rev3 = (api(n) for n in ("clerk", "fm1", "fm2", "rev1", "rev3"))
    [listed] = _ok(clerk.get(f"{BASE}/programmes"), 200)
    assert (listed["code"], listed["pool"], listed["committed"], listed["uncommitted"]) == ("GX2026", "100000.00", "0.00",
                                                                                           "100000.00")
    assert _ok(clerk.get(f"{BASE}/programmes/{pid}"), 200)["ceiling"] == "50000.00"

    # Record: a viewer may not (403, before the body is read); the clerk may, once per key.
    _error(rev1.post(f"{BASE}/programmes/{pid}/applications", json=APPLICATION), 403)
    made = _ok(clerk.post(f"{BASE}/programmes/{pid}/applications", json=APPLICATION, headers={"Idempotency-Key": "app-1"}))
    again = _ok(clerk.post(f"{BASE}/programmes/{pid}/applications", json=APPLICATION, headers={"Idempotency-Key": "app-1"}), 200)
    assert again["id"] == made["id"] and made["status"] == "submitted" and made["contact"] == "王女士 13800001234"
    _error(clerk.post(f"{BASE}/programmes/{pid}/applications", json=dict(APPLICATION, title="别的"),
                      headers={"Idempotency-Key": "app-1"}), 409, "idempotency_conflict")
    bad = _error(clerk.post(f"{BASE}/programmes/{pid}/applications", json=dict(APPLICATION, amount="39999.00")), 400)
    assert "预算合计" in bad["message"]["zh_CN"] and "budget's total" in bad["message"]["en"]
    with fund.tx() as s:
        assert s.scalar(select(func.count(GrantApplication.id))) == 1
    a = made["id"]
    url = f"{BASE}/applications/{a}"

    # Reviews: rev3 declares a conflict and is refused a score; rev1 scores once.
    conflicted = _ok(rev3.post(f"{url}/conflicts", json={"reason": "亲属"}))
    assert conflicted["conflicts"] == 1 and conflicted["may"]["score"] is False
    _error(rev3.post(f"{url}/scores", json={"score": 95}), 403)
    scored = _ok(rev1.post(f"{url}/scores", json={"score": 85, "comment": "居民参与充分"}, headers={"Idempotency-Key": "s1"}))
    assert scored["reviews"] == [{"reviewer": "rev1", "score": 85, "comment": "居民参与充分"}]
    assert _ok(rev1.post(f"{url}/scores", json={"score": 85, "comment": "居民参与充分"}, headers={"Idempotency-Key": "s1"}),
               200)["scores"] == 1
    _error(rev1.post(f"{url}/scores", json={"score": 70}), 409)  # a second score: never
    _error(rev1.post(f"{url}/scores", json={"score": 101}), 422)
    # Who sees what: the clerk sees the contact, not the reviewers; a reviewer sees reviews, not the contact.
    seen_by_clerk = _ok(clerk.get(url), 200)
    assert seen_by_clerk["reviews"] is None and seen_by_clerk["contact"] and seen_by_clerk["average_score"] == "85.0"
    seen_by_rev = _ok(rev3.get(url), 200)
    assert seen_by_rev["contact"] is None and seen_by_rev["reviews"][0]["reviewer"] == "rev1"

    # The decision, in two tranches; a second approver posts the commitment.
    decision = {"decision": "award", "reason": "评分最高", "decided_on": "2026-03-20", "tranches": ["24000.00", "16000.00"]}
    _error(clerk.post(f"{url}/decision", json=decision), 403)
    awarded = _ok(fm1.post(f"{url}/decision", json=decision, headers={"Idempotency-Key": "d1"}))
    assert awarded["status"] == "awarded" and awarded["decision"]["entry"]["status"] == "submitted"
    assert _ok(fm1.post(f"{url}/decision", json=decision, headers={"Idempotency-Key": "d1"}), 200)["status"] == "awarded"
    with fund.tx() as s:
        assert s.scalar(select(func.count(GrantDecision.id))) == 1
    refused = _error(fm1.post(f"{url}/tranches/1/release", json={"released_on": "2026-03-21"}), 409)
    assert "等待审批" in refused["message"]["zh_CN"]
    _approve_pending(fund)
    assert _ok(fm1.get(f"{BASE}/programmes/{pid}"), 200)["committed"] == "40000.00"

    # Tranche 1 released twice with one key: one entry.
    released = _ok(fm1.post(f"{url}/tranches/1/release", json={"released_on": "2026-03-22"},
                            headers={"Idempotency-Key": "r1"}))
    assert released["tranches"][0]["release"]["amount"] == "24000.00"
    before = None
    with fund.tx() as s:
        before = s.scalar(select(func.count(Entry.id)))
    _ok(fm1.post(f"{url}/tranches/1/release", json={"released_on": "2026-03-22"}, headers={"Idempotency-Key": "r1"}), 200)
    with fund.tx() as s:
        assert s.scalar(select(func.count(Entry.id))) == before
    _approve_pending(fund)

    # A report with a receipt photo (multipart), then one without files for tranche 2 later.
    expenses = json.dumps([{"item": "涂料", "amount": "20000.00", "voucher": "发票 No.0012345"}], ensure_ascii=False)
    _error(clerk.post(f"{url}/tranches/1/reports", data={"narrative": "完成涂刷", "submitted_on": "2026-03-24",
                                                         "expenses": expenses,
                                                         "file": (io.BytesIO(b"not a photo"), "发票.jpg")},
                      content_type="multipart/form-data"), 415)
    _error(clerk.post(f"{url}/tranches/1/reports", data={"narrative": "完成涂刷", "submitted_on": "2026-03-24",
                                                         "expenses": "[{\"item\": \"涂料\"}]"},
                      content_type="multipart/form-data"), 400)
    with fund.tx() as s:
        assert s.scalar(select(func.count(GrantReport.id))) == 0
    reported = _ok(clerk.post(f"{url}/tranches/1/reports", data={
        "narrative": "完成涂刷", "submitted_on": "2026-03-24", "expenses": expenses,
        "file": [(io.BytesIO(receipt()), "发票.jpg"), (io.BytesIO(receipt((240, 250, 250))), "收据.jpg")]},
        content_type="multipart/form-data", headers={"Idempotency-Key": "rep-1"}))
    [report] = reported["tranches"][0]["reports"]
    assert [(f["filename"], f["pages"], f["reviewed"]) for f in report["files"]] == [("发票.jpg", 1, False),
                                                                                      ("收据.jpg", 1, False)]
    assert report["expenses"] == [{"item": "涂料", "amount": "20000.00", "voucher": "发票 No.0012345"}]
    again = _ok(clerk.post(f"{url}/tranches/1/reports", data={
        "narrative": "完成涂刷", "submitted_on": "2026-03-24", "expenses": expenses,
        "file": [(io.BytesIO(receipt()), "发票.jpg"), (io.BytesIO(receipt((240, 250, 250))), "收据.jpg")]},
        content_type="multipart/form-data", headers={"Idempotency-Key": "rep-1"}), 200)
    assert len(again["tranches"][0]["reports"]) == 1
    with fund.tx() as s:
        assert s.scalar(select(func.count(GrantReportFile.id))) == 2

    accepted = _ok(fm1.post(f"{BASE}/reports/{report['id']}/decision",
                            json={"accepted": True, "decided_on": "2026-03-25", "note": "相符"}))
    assert accepted["tranches"][0]["reports"][0]["decision"]["accepted"] is True
    assert accepted["tranches"][1]["may_release"] is True
    _ok(fm1.post(f"{url}/tranches/2/release", json={"released_on": "2026-03-25"}))
    _approve_pending(fund)
    second = _ok(clerk.post(f"{url}/tranches/2/reports", data={
        "narrative": "议事会形成公约", "submitted_on": "2026-03-27",
        "expenses": json.dumps([{"item": "第二期", "amount": "15000.00", "voucher": "No.99"}])},
        content_type="multipart/form-data"))
    r2 = second["tranches"][1]["reports"][0]
    assert r2["files"] == []
    _ok(fm1.post(f"{BASE}/reports/{r2['id']}/decision", json={"accepted": True, "decided_on": "2026-03-27"}))

    # Closing: 5,000.00 unspent is never closed silently; returned by an entry.
    silent = _error(fm1.post(f"{url}/closure", json={"mode": "complete", "closed_on": "2026-03-28"}), 409)
    assert "5,000.00" in silent["message"]["en"]
    closed = _ok(fm1.post(f"{url}/closure", json={"mode": "return", "closed_on": "2026-03-28", "reason": "结余退回"}))
    assert closed["status"] == "closed" and closed["closure"]["unspent"] == "5000.00"
    assert _ok(fm1.get(f"{BASE}/programmes/{pid}"), 200)["committed"] == "35000.00"
    assert [x["status"] for x in _ok(fm1.get(f"{BASE}/programmes/{pid}/applications?status=closed"), 200)] == ["closed"]
    _error(fm1.get(f"{BASE}/programmes/{pid}/applications?stauts=closed"), 422)


def test_a_rejected_commitment_is_booked_again_through_the_api(fund, api):
    pid = _programme(fund)
    clerk, fm1 = api("clerk"), api("fm1")
    a = _ok(clerk.post(f"{BASE}/programmes/{pid}/applications", json=APPLICATION))["id"]
    url = f"{BASE}/applications/{a}"
    awarded = _ok(fm1.post(f"{url}/decision", json={"decision": "award", "reason": "好", "decided_on": "2026-03-20"}))
    with fund.tx() as s:
        book = fund.book(s)
        entry = entries.get_entry(s, book, awarded["decision"]["entry"]["id"])
        entries.reject_entry(s, fund.user(s, "fm2"), book, entry, "日期有误")
    stuck = _ok(fm1.get(url), 200)
    assert stuck["decision"]["entry"]["status"] == "rejected" and stuck["may"]["rebook_award"] is True
    assert stuck["tranches"][0]["may_release"] is False
    _error(clerk.post(f"{url}/rebookings", json={"kind": "award", "booked_on": "2026-03-21"}), 403)
    again = _ok(fm1.post(f"{url}/rebookings", json={"kind": "award", "booked_on": "2026-03-21", "reason": "改正日期"}))
    assert again["decision"]["entry"]["status"] == "submitted" and again["may"]["rebook_award"] is False
    _error(fm1.post(f"{url}/rebookings", json={"kind": "award", "booked_on": "2026-03-21"}), 409)
    _approve_pending(fund)
    assert _ok(fm1.get(url), 200)["tranches"][0]["may_release"] is True


def test_the_api_answers_only_for_fund_books_and_people_in_them(fund, api, sessions):
    from ledger.services import books

    with fund.tx() as s:
        trust = books.create_book(s, users.system_user(s), "TR9", "某小区", "A trust", "trust", first_month=(2026, 3))
        users.grant_role(s, users.system_user(s), users.get_user(s, "fm1"), trust, "committee")
    _error(api("fm1").get("/api/v1/books/TR9/grants/programmes"), 404)
    _error(api("stranger").get(f"{BASE}/programmes"), 403)
    _error(api("fm1").get(f"{BASE}/applications/999"), 404)
