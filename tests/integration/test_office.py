"""The back office through its pages, as a treasurer, two committee members and the supervisor use it."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import openpyxl

from ledger.services import entries

from ..conftest import D, SignedIn


Browser = SignedIn  # the shared one in tests/conftest.py


def entry_form(date="2026-03-05", summary="收3月物业费并支付水电费", action="submit", **rows):
    data = {"date": date, "summary": summary, "action": action}
    data.update(rows)
    return data


THREE_LINES = {"account-0": "1002 银行存款—共管账户", "fund-0": "GEN", "debit-0": "1,234.5",
               "account-1": "4101", "fund-1": "GEN", "credit-1": "１２００",
               "account-2": "4202 公共收益—停车", "fund-2": "GEN", "credit-2": "34.50", "note-2": "临停"}


def entry_id_of(response):
    return int(re.search(r"/entries/(\d+)$", response.headers["Location"]).group(1))


def test_enter_submit_approve_and_read_back_to_the_fen(app):
    treasurer, member = Browser(app, "maker"), Browser(app, "approver1")
    response = treasurer.post("/books/T1/entries/new", entry_form(**THREE_LINES))
    assert response.status_code == 302
    entry_id = entry_id_of(response)
    page = treasurer.get(f"/books/T1/entries/{entry_id}").text
    assert "待审批" in page and "1,234.50" in page and "临停" in page
    # the maker's own approval is refused, with the reason on the page
    treasurer.client.post(f"/books/T1/entries/{entry_id}/approve", data={"csrf_token": Browser.token(page)})
    assert "制单人（含修改过这张凭证的人）不能审批它" in treasurer.get(f"/books/T1/entries/{entry_id}").text
    member.post(f"/books/T1/entries/{entry_id}/approve", {}, page=f"/books/T1/entries/{entry_id}")
    page = member.get(f"/books/T1/entries/{entry_id}").text
    assert "记-2026-03-0001" in page and "已过账" in page and "approver1" in page
    tb = member.get("/books/T1").text
    assert re.search(r"1002</a></td><td>银行存款—共管账户</td><td class=\"num\">1,234.50<", tb)
    assert re.search(r"4202</a></td><td>公共收益—停车</td><td class=\"num\"></td><td class=\"num\">34.50<", tb)


def test_an_unbalanced_entry_is_refused_with_the_message_beside_the_lines(app):
    treasurer = Browser(app, "maker")
    rows = dict(THREE_LINES, **{"credit-2": "34.05"})
    response = treasurer.post("/books/T1/entries/new", entry_form(**rows), page="/books/T1/entries/new")
    assert response.status_code == 422
    beside_totals = re.search(r'data-testid="lines-error">([^<]*)<', response.text).group(1)
    assert "借贷不平" in beside_totals and "0.45" in beside_totals
    assert 'value="１２００"' in response.text or 'value="1200"' in response.text  # what was typed is kept
    bad_account = dict(THREE_LINES, **{"account-1": "4999"})
    response = treasurer.post("/books/T1/entries/new", entry_form(**bad_account), page="/books/T1/entries/new")
    assert response.status_code == 422
    assert re.search(r'class="line-error"><td colspan="6" class="error" role="alert">账簿 T1 中没有科目 4999', response.text)
    assert "记-" not in treasurer.get("/books/T1/journal?status=all").text


def test_reject_edit_resubmit_and_reverse(app):
    treasurer, member = Browser(app, "maker"), Browser(app, "approver1")
    entry_id = entry_id_of(treasurer.post("/books/T1/entries/new", entry_form(**THREE_LINES)))
    member.post(f"/books/T1/entries/{entry_id}/reject", {"reason": "停车费应为35.50"}, page=f"/books/T1/entries/{entry_id}")
    assert "停车费应为35.50" in treasurer.get(f"/books/T1/entries/{entry_id}").text
    fixed = dict(THREE_LINES, **{"debit-0": "1235.50", "credit-2": "35.50"})
    response = treasurer.post(f"/books/T1/entries/{entry_id}/edit", entry_form(**fixed))
    assert response.status_code == 302
    member.post(f"/books/T1/entries/{entry_id}/approve", {}, page=f"/books/T1/entries/{entry_id}")
    response = treasurer.post(f"/books/T1/entries/{entry_id}/reverse", {}, page=f"/books/T1/entries/{entry_id}")
    reversal_id = entry_id_of(response)
    assert reversal_id != entry_id
    Browser(app, "approver2").post(f"/books/T1/entries/{reversal_id}/approve", {}, page=f"/books/T1/entries/{reversal_id}")
    page = member.get(f"/books/T1/entries/{reversal_id}").text
    assert "冲销 记-2026-" in page and "已过账" in page
    original = member.get(f"/books/T1/entries/{entry_id}").text
    assert re.search(rf'已被冲销： <a href="/books/T1/entries/{reversal_id}">记-2026-\d\d-\d{{4}}</a>', original)
    assert "红字冲销</button>" not in original  # reversed once, never twice
    tb = member.get("/books/T1").text
    assert re.search(r"<tfoot><tr><th></th><th>合计</th><th class=\"num\">([\d,.]+)</th><th class=\"num\">\1</th>", tb)


def test_flags_answers_and_the_close_checklist(app, ledger):
    ledger.post(D(2026, 3, 2), "期初", ("1002", "GEN", "20000.00"), ("3101", "GEN", "-20000.00"))
    number = ledger.post(D(2026, 3, 25), "支付保洁费", ("5101", "GEN", "16843.50"), ("1002", "GEN", "-16843.50"))
    with ledger.tx() as s:
        cleaning_id = entries.get_entry_by_number(s, ledger.book(s), number).id
    supervisor, member, treasurer = Browser(app, "watcher"), Browser(app, "approver1"), Browser(app, "maker")
    supervisor.post(f"/books/T1/entries/{cleaning_id}/flag", {"comment": "保洁合同为每月16,500元，为何多付？"}, page=f"/books/T1/entries/{cleaning_id}")
    page = member.get("/books/T1/periods/2026-03").text
    assert "记-2026-03-0002" in page and "未录入" in page and re.search(r"Open flags|未处理的标记", page)
    assert 'disabled' in page  # the close button waits for the checklist
    flag_page = member.get(f"/books/T1/entries/{cleaning_id}").text
    flag_id = re.search(r"/books/T1/flags/(\d+)/answer", flag_page).group(1)
    member.post(f"/books/T1/flags/{flag_id}/answer", {"answer": "含3月外墙清洗343.50元，见补充协议"}, page=f"/books/T1/entries/{cleaning_id}")
    assert "含3月外墙清洗" in supervisor.get("/books/T1/flags?period=2026-03").text
    treasurer.post(f"/books/T1/entries/{cleaning_id}/waive", {"reason": "发票随下月结算单寄出"}, page=f"/books/T1/entries/{cleaning_id}")
    treasurer.post("/books/T1/periods/2026-03/bank", {"account": "1002", "balance": "3,156.50"}, page="/books/T1/periods/2026-03")
    page = member.get("/books/T1/periods/2026-03").text
    assert "3,156.50" in page and "disabled" not in page.split("periods/2026-03/close")[1][:300]
    member.post("/books/T1/periods/2026-03/close", {}, page="/books/T1/periods/2026-03")
    assert "已结账" in member.get("/books/T1/periods/2026-03").text
    audit = supervisor.get("/books/T1/audit?action=period").text
    assert "period.close" in audit and "2026-03" in audit


def test_journal_filters_and_exports_carry_the_same_figures(app, ledger):
    ledger.post(D(2026, 3, 2), "期初", ("1002", "GEN", "20000.00"), ("3101", "GEN", "-20000.00"))
    ledger.post(D(2026, 3, 8), "收停车费", ("1002", "GEN", "12430.66"), ("4202", "GEN", "-12430.66"))
    ledger.post(D(2026, 4, 8), "收停车费", ("1002", "GEN", "11873.20"), ("4202", "GEN", "-11873.20"))
    reader = Browser(app, "reader")
    page = reader.get("/books/T1/journal?account=4202&min=12000").text
    assert "12,430.66" in page and "11,873.20" not in page
    page = reader.get("/books/T1/journal?period=2026-04").text
    assert "11,873.20" in page and "12,430.66" not in page
    response = reader.get("/books/T1/journal.csv?account=4202")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))  # headers in the page's language
    assert sorted(r["贷方"] for r in rows if r["科目代码"] == "4202") == ["11873.20", "12430.66"]
    book = openpyxl.load_workbook(io.BytesIO(reader.get("/books/T1/trial-balance.xlsx").data))
    sheet = book.active
    assert sheet["A1"].value.startswith("测试小区信托 · 试算平衡表 · 导出于")
    assert [c.value for c in sheet[2]] == ["代码", "名称", "英文名称", "借方", "贷方"]
    figures = {r[0]: r[3:] for r in sheet.iter_rows(min_row=3, values_only=True)}
    # Real numbers, so a committee member's SUM works; the totals row agrees to the fen.
    assert figures["1002"] == (44303.86, 0) and figures["4202"] == (0, 24303.86)
    assert sheet["D3"].number_format == "#,##0.00"
    debits = [Decimal(str(r[3])) for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] != "合计"]
    assert Decimal(str(figures["合计"][0])) == sum(debits) == Decimal(str(figures["合计"][1]))
    ledger_page = reader.get("/books/T1/accounts/1002").text
    assert re.findall(r'class="num">([\d,]+\.\d\d)</td></tr>', ledger_page)[-3:] == ["20,000.00", "32,430.66", "44,303.86"]
    response = reader.get("/books/T1/accounts/1002.csv?start=2026-04-01")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["余额"] for r in rows] == ["32430.66", "44303.86"]  # opening, then the April line
    english = reader.get("/books/T1/journal.csv?account=4202&lang=en").data.decode("utf-8-sig")
    assert english.startswith("Number,Date,Status,Summary,Account,")


def test_who_may_see_what(app):
    reader = Browser(app, "reader")
    assert reader.get("/books/T1/audit").status_code == 403
    assert reader.get("/books/T1/entries/new").status_code == 403
    assert Browser(app, "outsider").get("/books/T1").status_code == 403
    assert Browser(app, "watcher").get("/books/T1/audit").status_code == 200


def test_sign_in_is_rate_limited_and_pages_carry_security_headers(app):
    client = app.test_client()
    page = client.get("/login")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    token = Browser.token(page.text)
    codes = [client.post("/login", data={"username": "maker", "password": "nope", "csrf_token": token}).status_code for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429


def test_every_page_says_which_book_and_period_and_sign_ins_are_in_the_audit_log(app, ledger):
    ledger.post(D(2026, 3, 2), "期初", ("1002", "GEN", "100.00"), ("3101", "GEN", "-100.00"))
    ledger.post(D(2026, 4, 2), "收停车费", ("1002", "GEN", "10.00"), ("4202", "GEN", "-10.00"))
    ledger.close(2026, 3)
    supervisor = Browser(app, "watcher")
    for url in ("/books/T1", "/books/T1/journal", "/books/T1/approvals", "/books/T1/flags", "/books/T1/audit"):
        where = re.search(r'data-testid="where">(.*?)</span>', supervisor.get(url).text, re.S).group(1)
        assert "锦城" not in where and "T1" in where and "本期" in where and "2026-04" in where
    audit = supervisor.get("/books/T1/audit?action=auth").text
    assert "auth.login" in audit and "watcher" in audit


def test_a_user_makes_an_api_token_in_the_page_uses_it_and_revokes_it(app):
    treasurer = Browser(app, "maker")
    response = treasurer.post("/tokens", {"name": "银行流水对接"})
    assert response.status_code == 201
    token = re.search(r'data-testid="new-token">.*?<code>(gzl_[^<]+)</code>', response.text, re.S).group(1)
    api = app.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["username"] == "maker"
    assert token not in treasurer.get("/tokens").text  # shown once
    token_id = re.search(r'name="revoke" value="(\d+)"', treasurer.get("/tokens").text).group(1)
    treasurer.post("/tokens", {"revoke": token_id})
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
