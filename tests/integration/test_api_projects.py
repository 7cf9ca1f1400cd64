"""Micro-projects through the JSON API, on both databases: projects and pools with their figures to the fen, the match
preview, a donation with its receipt, match and funder code (an Idempotency-Key makes a retry record nothing more), a
refund clawing the match back, settlement, the pool's 套捐 watch for those who may read donors, and every refusal as
the permissions table says. The rule (tests/integration/test_projects.RULE): 1:1, minimum 10.00, 300.00 per donor per
project, 2,000.00 per project; the pool holds 5,000.00."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ledger.db.schema import Donation, Entry
from ledger.domain.money import to_fen
from ledger.services import projects, tokens, users

from ..conftest import back_office
from .test_api_trust_ops import assert_error
from .test_projects import D, PHONES, fund  # noqa: F401  (the fixture)

BOOK = "/api/v1/books/CF"


@pytest.fixture
def api(fund, db_url, tmp_path):  # noqa: F811
    f = fund
    with f.tx() as s:
        projects.create_project(s, f.u(s, "t1"), f.book(s), pool_code="GOV", rule_version=1, code="P1",
                                title="3 栋楼道粉刷", goal_fen=to_fen("500.00"), deadline=D(2026, 3, 31),
                                funding_mode="all_or_nothing", area="3 栋", story="把 3 栋楼道刷白。",
                                budget_lines=[("涂料", to_fen("300")), ("人工", to_fen("200"))])
        projects.create_project(s, f.u(s, "t1"), f.book(s), pool_code="GOV", rule_version=1, code="P2",
                                title="小花园", goal_fen=to_fen("800.00"), deadline=D(2026, 3, 20),
                                funding_mode="keep_what_you_raise")
    with back_office(db_url, tmp_path, PUBLICATIONS_DIR=str(f.root)) as app:
        def as_(username):
            with f.tx() as s:
                _, plaintext = tokens.create_token(s, users.system_user(s), users.get_user(s, username), "test")
            client = app.test_client()
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plaintext}"
            return client
        yield as_, f


def _count(f, model) -> int:
    with f.tx() as s:
        return s.scalar(select(func.count()).select_from(model))


def _gift(who, amount, **more):
    return {"amount": amount, "date": "2026-03-05", "channel": "wechat", "phone": PHONES[who],
            "display_name": f"捐款人{who}", **more}


def test_projects_and_pools_are_read_by_everyone_with_a_role(api):
    as_, _f = api
    reader = as_("reader")
    listed = reader.get(f"{BOOK}/projects")
    assert listed.status_code == 200, listed.get_json()
    assert [(p["code"], p["goal"], p["status"], p["figures"]["raised"]) for p in listed.get_json()] == [
        ("P2", "800.00", "open", "0.00"), ("P1", "500.00", "open", "0.00")]
    one = reader.get(f"{BOOK}/projects/P1").get_json()
    assert one["budget_lines"] == [{"label": "涂料", "amount": "300.00"}, {"label": "人工", "amount": "200.00"}]
    assert one["rule"]["version"] == 1 and one["rule"]["kind"] == "ratio" and len(one["rule"]["digest"]) == 64
    assert "你捐 100 元，武侯区政府再配 100 元" in one["rule"]["explainer_zh"] and one["public_url"].endswith("/CF/projects/P1/")
    pools = reader.get(f"{BOOK}/pools").get_json()
    assert [(p["code"], p["funder"], p["figures"]["held"], p["figures"]["remaining"]) for p in pools] == [
        ("GOV", "武侯区政府", "5000.00", "5000.00")]
    assert_error(reader.get(f"{BOOK}/projects/NOPE"), 404, "not_found")
    assert_error(reader.get("/api/v1/books/XX/projects"), 404, "not_found")
    # the donors' watch and the match preview are not for a viewer
    assert_error(reader.get(f"{BOOK}/pools/GOV/watch"), 403, "permission_denied")
    assert_error(reader.post(f"{BOOK}/projects/P1/match-preview", json={"amount": "100", "phone": PHONES["A"]}),
                 403, "permission_denied")


def test_preview_donate_with_an_idempotency_key_refund_and_settle(api):
    as_, f = api
    t1, fm1 = as_("t1"), as_("fm1")
    preview = t1.post(f"{BOOK}/projects/P1/match-preview", json={"amount": "400.00", "phone": PHONES["A"]})
    assert preview.status_code == 200, preview.get_json()
    assert {k: preview.get_json()[k] for k in ("amount", "match", "reason", "quadratic")} == {
        "amount": "400.00", "match": "300.00", "reason": "donor_cap", "quadratic": False}
    assert preview.get_json()["reason_text"]["zh_CN"] == "已到每人在本项目的配捐上限"
    assert _count(f, Donation) == 0  # a preview records nothing

    gift = _gift("A", "400.00", reference="WX-1", shown_match="300.00")
    made = t1.post(f"{BOOK}/projects/P1/donations", json=gift, headers={"Idempotency-Key": "don-a-1"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert re.fullmatch(r"JZ-[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}", body["receipt"])
    assert re.fullmatch(r"JF-[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}", body["funder_code"])
    assert (body["amount"], body["match"], body["match_status"], body["match_reason"]) == ("400.00", "300.00", "pending",
                                                                                           "donor_cap")
    assert body["funder_url"].endswith(f"/CF/funder/{body['funder_code']}") and body["track_url"].endswith(body["receipt"])
    assert body["entry"]["status"] == "submitted"
    assert (f.root / f"CF/funders/{body['funder_code']}.json").is_file()  # published once it committed
    assert (f.root / f"CF/receipts/{body['receipt']}.json").is_file() and (f.root / "CF/pools/GOV.json").is_file()
    # sent again (a lost answer): the same donation, nothing new; the key with another donation: refused
    entries_before = _count(f, Entry)
    again = t1.post(f"{BOOK}/projects/P1/donations", json=dict(gift, idempotency_key="don-a-1"))
    assert again.status_code == 200 and again.get_json() == body
    assert_error(t1.post(f"{BOOK}/projects/P1/donations", json=dict(gift, amount="40.00"),
                         headers={"Idempotency-Key": "don-a-1"}), 409, "idempotency_conflict", "idempotency_key")
    assert_error(t1.post(f"{BOOK}/projects/P1/donations", json=dict(gift, phone=PHONES["B"]),
                         headers={"Idempotency-Key": "don-a-1"}), 409, "idempotency_conflict", "idempotency_key")
    assert (_count(f, Donation), _count(f, Entry)) == (1, entries_before)

    # the same donor in another project: the same funder code
    other = t1.post(f"{BOOK}/projects/P2/donations", json=_gift("A", "50.00", channel="cash"))
    assert other.status_code == 201 and other.get_json()["funder_code"] == body["funder_code"]
    assert other.get_json()["match"] == "50.00"
    b = t1.post(f"{BOOK}/projects/P1/donations", json=_gift("B", "150.00", reference="WX-1", anonymous=True,
                                                                 display_name=""))
    assert b.status_code == 201 and b.get_json()["funder_code"] != body["funder_code"]
    # the match shown to the donor is no longer the match: refused, nothing recorded
    assert_error(t1.post(f"{BOOK}/projects/P1/donations", json=_gift("B", "100.00", shown_match="90.00")), 409,
                 "invalid_state", "amount")
    assert _count(f, Donation) == 3

    # refund part of A's P1 gift: 100.00 of 400.00 given back, the match keeps the rate on the 300.00 left
    refund = t1.post(f"{BOOK}/donations/{body['receipt']}/refund", json={"reason": "捐款人要求", "amount": "100.00",
                                                                          "date": "2026-03-06"})
    assert refund.status_code == 201, refund.get_json()
    r = refund.get_json()
    assert (r["refunded"], r["refunded_total"], r["match"], r["clawed_back"]) == ("100.00", "100.00", "300.00", "0.00")
    assert r["entry"]["status"] == "submitted"
    assert_error(t1.post(f"{BOOK}/donations/{body['receipt']}/refund", json={"reason": "多退", "amount": "400.00"}),
                 400, "invalid_input", "amount")

    # settle: P1 raised 300.00 + 150.00 = 450.00 < 500.00 and its deadline has not passed
    assert_error(t1.post(f"{BOOK}/projects/P1/settle", json={"date": "2026-03-10"}), 403, "permission_denied")
    assert_error(fm1.post(f"{BOOK}/projects/P1/settle", json={"date": "2026-03-10"}), 409, "invalid_state")
    settled = fm1.post(f"{BOOK}/projects/P2/settle", json={"date": "2026-03-21"})  # keep what you raise
    assert settled.status_code == 200, settled.get_json()
    s = settled.get_json()
    assert (s["status"], s["figures"]["raised"], s["figures"]["matched_posted"]) == ("funded", "50.00", "50.00")
    pools = t1.get(f"{BOOK}/pools").get_json()[0]["figures"]
    # matches: A 300.00 on P1, A 50.00 on P2 (now posted), B 150.00 on P1
    assert (pools["committed"], pools["pending"], pools["posted"], pools["remaining"]) == (
        "500.00", "450.00", "50.00", "4500.00")
    # the watch: one payment reference used by two donors; A capped in P1
    watch = t1.get(f"{BOOK}/pools/GOV/watch")
    assert watch.status_code == 200, watch.get_json()
    w = watch.get_json()
    assert [x["reference"] for x in w["shared_reference"]] == ["WX1"] and len(w["shared_reference"][0]["donors"]) == 2
    assert [(c["project"], c["donations"]) for c in w["capped"]] == [("P1", 1)]
    assert PHONES["A"] not in str(w) and "13800138000" not in str(w)


def test_bad_input_is_refused_and_changes_nothing(api):
    as_, f = api
    t1 = as_("t1")
    url = f"{BOOK}/projects/P1/donations"
    assert_error(t1.post(url, json=_gift("A", "12.345")), 422, "validation_error")
    assert_error(t1.post(url, json=_gift("A", "100", channel="cheque")), 422, "validation_error")
    assert_error(t1.post(url, json=_gift("A", "100", phone="12ab")), 400, "invalid_input", "phone")
    assert_error(t1.post(url, json=_gift("A", "100", display_name="")), 400, "invalid_input", "display_name")
    assert_error(t1.post(url, json=_gift("A", "100", date="2026-04-01")), 409, "invalid_state", "date")
    assert_error(t1.post(f"{BOOK}/projects/NOPE/donations", json=_gift("A", "100")), 404, "not_found")
    assert_error(as_("reader").post(url, json=_gift("A", "100")), 403, "permission_denied")
    assert_error(t1.post(f"{BOOK}/donations/JZ-22222-22222/refund", json={"reason": "x"}), 404, "not_found")
    assert _count(f, Donation) == 0
