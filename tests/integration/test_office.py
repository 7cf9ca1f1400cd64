"""The back office through its pages, as a treasurer, two committee members and the supervisor use it."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import openpyxl
import pytest

from ledger.services import books as book_service, entries

from ..conftest import D, SignedIn, back_office


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
    assert re.search(r'data-testid="error-account-1">账簿 T1 中没有科目“4999”。<', response.text)  # beside that field
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
    response = treasurer.post(f"/books/T1/entries/{entry_id}/reverse", {"reason": "停车费重复入账", "confirm": "yes"},
                              page=f"/books/T1/entries/{entry_id}")
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
    member.post("/books/T1/periods/2026-03/close", {"reason": "银行对账相符，保洁费已答复", "confirm": "yes"},
                page="/books/T1/periods/2026-03")
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
    assert sheet["A1"].value.startswith("测试小区信托 · 试算平衡表 · 全部已过账凭证 · 导出于")
    assert [c.value for c in sheet[2]] == ["代码", "名称", "英文名称", "借方", "贷方"]
    figures = {r[0]: r[3:] for r in sheet.iter_rows(min_row=3, values_only=True)}
    # Real numbers, so a committee member's SUM works; the totals row agrees to the fen.
    assert figures["1002"] == (44303.86, 0) and figures["4202"] == (0, 24303.86)
    assert sheet["D3"].number_format == "#,##0.00"
    debits = [Decimal(str(r[3])) for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] != "合计"]
    assert Decimal(str(figures["合计"][0])) == sum(debits) == Decimal(str(figures["合计"][1]))
    ledger_page = reader.get("/books/T1/accounts/1002").text  # newest first: the balances after each line
    assert re.findall(r'<tr class="line">.*?class="num balance"[^>]*>([\d,]+\.\d\d)<', ledger_page, re.S) == ["44,303.86", "32,430.66", "20,000.00"]
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


def _failed_sign_ins(client, times, **headers):
    token = Browser.token(client.get("/login", headers=headers).text)
    return [client.post("/login", data={"username": "maker", "password": "nope", "csrf_token": token},
                        headers=headers).status_code for _ in range(times)]


def test_behind_a_proxy_the_sign_in_limit_counts_each_resident_not_the_proxy(db_url, ledger, tmp_path, monkeypatch):
    from ledger.app import limiter

    def sign_in_client(app):
        with app.app_context():
            limiter.reset()  # the limiter's memory is the process's: start each app from zero
        return app.test_client()

    # Without LEDGER_PROXY_HOPS a caller's X-Forwarded-For is ignored: it cannot dodge the limit with a new header.
    monkeypatch.delenv("LEDGER_PROXY_HOPS", raising=False)
    with back_office(db_url, tmp_path) as app:
        client = sign_in_client(app)
        codes = _failed_sign_ins(client, 6, **{"X-Forwarded-For": "203.0.113.1"})
        codes += _failed_sign_ins(client, 5, **{"X-Forwarded-For": "203.0.113.2"})
        assert codes[:10] == [401] * 10 and codes[10] == 429
    # Behind one proxy, the proxy's own address is shared by everyone: the limit follows the forwarded client.
    monkeypatch.setenv("LEDGER_PROXY_HOPS", "1")
    with back_office(db_url, tmp_path) as app:
        client = sign_in_client(app)
        first = _failed_sign_ins(client, 11, **{"X-Forwarded-For": "203.0.113.7"})
        assert first[:10] == [401] * 10 and first[10] == 429
        assert _failed_sign_ins(client, 1, **{"X-Forwarded-For": "203.0.113.8"}) == [401]  # a neighbour still may


def test_a_bad_proxy_hops_setting_stops_the_app_with_a_clear_message(monkeypatch):
    from ledger.config import proxy_hops

    monkeypatch.setenv("LEDGER_PROXY_HOPS", "one")
    with pytest.raises(SystemExit, match="LEDGER_PROXY_HOPS"):
        proxy_hops()


def test_every_page_says_which_book_and_period_and_sign_ins_are_in_the_audit_log(app, ledger):
    ledger.post(D(2026, 3, 2), "期初", ("1002", "GEN", "100.00"), ("3101", "GEN", "-100.00"))
    ledger.post(D(2026, 4, 2), "收停车费", ("1002", "GEN", "10.00"), ("4202", "GEN", "-10.00"))
    ledger.close(2026, 3)
    supervisor = Browser(app, "watcher")
    for url in ("/books/T1", "/books/T1/journal", "/books/T1/approvals", "/books/T1/flags", "/books/T1/audit"):
        where = re.search(r'data-testid="where">(.*?)</span>', supervisor.get(url).text, re.S).group(1)
        assert "锦城" not in where and "T1" in where and "待结账月份" in where and "2026-04" in where
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


# --- The back office as a treasurer found it (issue 7): names, field messages, vouchers on the form, confirmations,
# --- the ledger newest first with its totals, the journal's range and order. ------------------------------------

def _field(html, testid):
    """The text the page shows in the element with this data-testid ('' when it is empty or absent)."""
    found = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)
    return found.group(1).strip() if found else ""


def test_an_account_is_picked_by_its_exact_name_and_each_bad_field_is_said_beside_it(app, ledger):
    treasurer = Browser(app, "maker")
    water = {"account-0": "公共水电费", "fund-0": "GEN", "debit-0": "386.20",
             "account-1": "Bank - co-managed account", "fund-1": "信托财产（非限定）", "credit-1": "386.20"}
    with ledger.tx() as s:
        english = {a.code: a.name_en for a in book_service.accounts_of(s, ledger.book(s))}
    water["account-1"] = english["1002"]  # the English name works as well as the Chinese
    response = treasurer.post("/books/T1/entries/new", entry_form(summary="付3月公共水电费", action="draft", **water),
                              page="/books/T1/entries/new")
    assert response.status_code == 302, response.text
    page = treasurer.get(response.headers["Location"]).text
    assert re.search(r"5105 公共水电费</td><td>[^<]*<small class=\"code\">GEN</small></td><td class=\"num\">386.20<", page)
    assert "1002 银行存款—共管账户" in page

    # One response names every bad field, each beside itself; none of them is called an unbalanced entry.
    wrong = {"account-0": "公共水电费", "fund-0": "GEM", "debit-0": "12.345",
             "account-1": "1002", "fund-1": "GEN", "credit-1": "1200元",
             "account-2": "保洁费用", "fund-2": "GEN", "debit-2": "5"}
    response = treasurer.post("/books/T1/entries/new", entry_form(**wrong), page="/books/T1/entries/new")
    assert response.status_code == 422
    html = response.text
    assert _field(html, "error-fund-0") == "未知基金：账簿 T1 中没有基金“GEM”。"
    assert _field(html, "error-debit-0") == "金额“12.345”超过两位小数（分）"
    assert _field(html, "error-credit-1") == "金额“1200元”不是数字"
    assert _field(html, "error-account-2") == "账簿 T1 中没有科目“保洁费用”。"
    assert _field(html, "error-account-0") == "" and _field(html, "error-fund-1") == ""
    assert "借贷不平" not in html and "内借贷不平" not in html and _field(html, "lines-error") == ""
    assert 'value="12.345"' in html and 'value="1200元"' in html and 'value="公共水电费"' in html  # as typed

    # A name two accounts share is refused, naming both codes.
    with ledger.tx() as s:
        book_service.add_account(
            s, ledger.user(s, "approver1"), ledger.book(s), "510501", "公共水电费", "Utilities (lifts)", "expense")
    response = treasurer.post("/books/T1/entries/new", entry_form(action="draft", **water), page="/books/T1/entries/new")
    assert response.status_code == 422
    assert _field(response.text, "error-account-0") == "“公共水电费”是多个科目的名称（5105, 510501），请填写科目代码。"
    # The server's words reach the page's script too: the messages it shows as one types.
    assert 'data-msg-fund="未知基金：没有这个代码或名称的基金。"' in response.text
    assert 'data-bad="有金额无法识别：见标红的栏目"' in response.text
    assert len(re.findall(r"<a href=\"/books/T1/entries/\d+\">#", treasurer.get("/books/T1/journal?status=all").text)) == 1


def _jpeg(colour="white", size=(120, 80)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def test_vouchers_are_attached_on_the_entry_form_and_a_refused_file_leaves_a_draft(app):
    treasurer = Browser(app, "maker")
    form = treasurer.get("/books/T1/entries/new").text
    assert 'enctype="multipart/form-data"' in form
    assert re.search(r'<input type="file" name="file" accept="image/\*,application/pdf" capture="environment" multiple', form)
    rows = {"account-0": "5105", "fund-0": "GEN", "debit-0": "88.00", "account-1": "1002", "fund-1": "GEN", "credit-1": "88.00"}
    data = entry_form(summary="付电梯年检费", action="submit", **rows)
    data["file"] = [(io.BytesIO(_jpeg()), "发票.jpg"), (io.BytesIO(b"just some words"), "说明.txt")]
    response = treasurer.post("/books/T1/entries/new", data, page="/books/T1/entries/new")
    # Saved as a draft with the photo that was accepted; the refusal beside the file field; not submitted.
    assert response.status_code == 200
    html = response.text
    assert "说明.txt" in _field(html, "file-error") and "发票.jpg" not in _field(html, "file-error")
    assert _field(html, "flash-warning") == "已存为草稿，但有文件被拒收：见文件栏旁的说明。"
    entry_id = int(re.search(r'action="/books/T1/entries/(\d+)/edit"', html).group(1))
    assert html.count('class="voucher-thumb"') == 1
    page = treasurer.get(f"/books/T1/entries/{entry_id}").text
    assert "草稿" in page and page.count('class="voucher-thumb"') == 1

    # Sent again from that form with one more photo: both attached, and now submitted.
    data = entry_form(summary="付电梯年检费", action="submit", **rows)
    data["file"] = [(io.BytesIO(_jpeg("grey")), "收据.jpg")]
    response = treasurer.post(f"/books/T1/entries/{entry_id}/edit", data)
    assert response.status_code == 302
    page = treasurer.get(f"/books/T1/entries/{entry_id}").text
    assert "待审批" in page and page.count('class="voucher-thumb"') == 2
    assert _field(page, "flash-success") == "已提交审批。"


def test_a_reversal_asks_for_a_reason_and_a_confirmation_and_keeps_the_reason(app, ledger):
    number = ledger.post(D(2026, 3, 8), "收停车费", ("1002", "GEN", "1230.00"), ("4202", "GEN", "-1230.00"))
    with ledger.tx() as s:
        entry_id = entries.get_entry_by_number(s, ledger.book(s), number).id
    treasurer, supervisor = Browser(app, "maker"), Browser(app, "watcher")
    page = treasurer.get(f"/books/T1/entries/{entry_id}").text
    step = page.split('data-testid="reverse-confirm"')[1].split("</details>")[0]
    assert '<input name="reason" required' in step and '<input type="checkbox" name="confirm" value="yes" required>' in step
    assert "我确认" in step and "红字冲销 记-2026-03-0001" in step
    assert 'data-testid="reverse-confirm"' not in supervisor.get(f"/books/T1/entries/{entry_id}").text  # not theirs to do

    url = f"/books/T1/entries/{entry_id}/reverse"
    for refused in ({"reason": "金额录错"}, {"confirm": "yes"}, {"reason": "  ", "confirm": "yes"}):
        response = treasurer.post(url, refused, page=f"/books/T1/entries/{entry_id}")
        assert response.status_code == 302 and response.headers["Location"].endswith("?confirm=reverse")
        page = treasurer.get(response.headers["Location"]).text
        assert _field(page, "flash-error") == "未冲销：请先填写原因并勾选“我确认”。"
        assert " open>" in page.split('data-testid="reverse-confirm"')[1][:80]  # the step is open again
    assert "冲销" not in treasurer.get("/books/T1/journal?status=all").text.split('data-testid="journal"')[1]

    response = treasurer.post(url, {"reason": "与3月9日重复入账", "confirm": "yes"}, page=f"/books/T1/entries/{entry_id}")
    reversal_id = entry_id_of(response)
    page = treasurer.get(f"/books/T1/entries/{reversal_id}").text
    assert _field(page, "flash-success") == "冲销凭证已提交，等待审批。"
    assert "冲销 记-2026-03-0001：收停车费（原因：与3月9日重复入账）" in _field(page, "summary")
    assert re.search(r'<td class="num"></td><td class="num">1,230.00</td>', page)  # the bank debit comes back as a credit
    # Its maker is offered no approve button, and pressing one anyway is a refusal in red, never a green banner.
    assert "审批通过</button>" not in page
    treasurer.post(f"/books/T1/entries/{reversal_id}/approve", {}, page=f"/books/T1/entries/{reversal_id}")
    page = treasurer.get(f"/books/T1/entries/{reversal_id}").text
    assert _field(page, "flash-error") == "制单人（含修改过这张凭证的人）不能审批它" and "flash-success" not in page
    audit = supervisor.get("/books/T1/audit?action=entry.reverse").text
    assert "与3月9日重复入账" in audit and "记-2026-03-0001" in audit


def test_closing_a_month_asks_for_a_note_and_a_confirmation(app, ledger):
    ledger.post(D(2026, 3, 2), "收物业费", ("1002", "GEN", "500.00"), ("4101", "GEN", "-500.00"))
    with ledger.tx() as s:
        ledger.satisfy_checklist(s, ledger.book(s), ledger.user(s, "approver1"), 2026, 3)
    member, supervisor = Browser(app, "approver1"), Browser(app, "watcher")
    page = member.get("/books/T1/periods/2026-03").text
    step = page.split('data-testid="close-confirm"')[1].split("</details>")[0]
    assert '<input name="reason" required' in step and 'name="confirm" value="yes" required' in step and "我确认" in step
    response = member.post("/books/T1/periods/2026-03/close", {"reason": "对账相符"}, page="/books/T1/periods/2026-03")
    assert response.headers["Location"].endswith("?confirm=close")
    page = member.get(response.headers["Location"]).text
    assert _field(page, "flash-error") == "未结账：请先写明核对了什么并勾选“我确认”。" and "· 未结账" in page
    response = member.post("/books/T1/periods/2026-03/close", {"reason": "银行对账单与账面一致，凭证已逐张核对", "confirm": "yes"},
                           page="/books/T1/periods/2026-03")
    page = member.get(response.headers["Location"]).text
    assert _field(page, "flash-success") == "2026-03 已结账。" and "· 已结账" in page
    audit = supervisor.get("/books/T1/audit?action=period").text
    assert "银行对账单与账面一致，凭证已逐张核对" in audit


def _ledger_rows(html):
    """(kind, date or month, debit, credit, balance) of each row of the account ledger, top to bottom."""
    rows = []
    for kind, body in re.findall(r'<tr class="(line|subtotal month-total|subtotal year-total|opening subtotal)"[^>]*>(.*?)</tr>', html, re.S):
        cells = dict(re.findall(r'<td class="(?:num )?(date|debit|credit|balance)"[^>]*>(.*?)</td>', body, re.S))
        rows.append((kind.replace("subtotal ", "").replace(" subtotal", ""), cells.get("date", ""), cells.get("debit", ""),
                     cells.get("credit", ""), cells.get("balance", "")))
    return rows


def test_the_account_ledger_runs_newest_first_with_month_and_year_totals(app, ledger, monkeypatch):
    ledger.post(D(2026, 1, 10), "期初", ("1002", "GEN", "1000.00"), ("3101", "GEN", "-1000.00"))
    ledger.post(D(2026, 2, 5), "收停车费", ("1002", "GEN", "200.00"), ("4202", "GEN", "-200.00"))
    ledger.post(D(2026, 2, 20), "付保洁费", ("5101", "GEN", "50.00"), ("1002", "GEN", "-50.00"))
    ledger.post(D(2026, 3, 3), "收物业费", ("1002", "GEN", "300.00"), ("4101", "GEN", "-300.00"))
    reader = Browser(app, "reader")
    rows = _ledger_rows(reader.get("/books/T1/accounts/1002").text)
    assert [r[0] for r in rows] == ["month-total", "year-total", "line", "month-total", "year-total", "line", "line",
                                    "month-total", "year-total", "line", "opening"]
    assert rows[0] == ("month-total", "2026-03", "300.00", "0.00", "1,450.00")  # 本月合计
    assert rows[1] == ("year-total", "2026-03", "1,500.00", "50.00", "1,450.00")  # 本年累计
    assert rows[2][1:] == ("2026年3月3日", "300.00", "", "1,450.00")  # the newest line first
    assert rows[3] == ("month-total", "2026-02", "200.00", "50.00", "1,150.00")
    assert rows[4] == ("year-total", "2026-02", "1,200.00", "50.00", "1,150.00")
    assert [r[4] for r in rows[5:7]] == ["1,150.00", "1,200.00"] and rows[5][3] == "50.00"
    assert rows[-1] == ("opening", "", "", "", "0.00")
    page = reader.get("/books/T1/accounts/1002").text
    assert "本月合计" in page and "本年累计" in page and "期初余额" in page

    # Two lines a page: page 1 is the newest; February's totals stand with its newest line, never again on page 2.
    monkeypatch.setattr("ledger.web.office.reading.PAGE", 2)
    first = reader.get("/books/T1/accounts/1002").text
    assert [r[0] for r in _ledger_rows(first)] == ["month-total", "year-total", "line", "month-total", "year-total", "line"]
    assert re.search(r'<a href="\?[^"]*page=2">较早</a>', first) and "较新" not in first
    second = _ledger_rows(reader.get("/books/T1/accounts/1002?page=2").text)
    assert [(r[0], r[1]) for r in second] == [("line", "2026年2月5日"), ("month-total", "2026-01"), ("year-total", "2026-01"),
                                            ("line", "2026年1月10日"), ("opening", "")]
    assert _ledger_rows(reader.get("/books/T1/accounts/1002?page=99999999999").text) == second  # past the end: the oldest
    # From February on: the opening balance is January's; the month totals stay calendar months.
    ranged = _ledger_rows(reader.get("/books/T1/accounts/1002?start=2026-02-01&page=2").text)
    assert ranged[-1] == ("opening", "", "", "", "1,000.00")


def _numbers(html):
    return re.findall(r'<td class="no"[^>]*><a href="/books/T1/entries/\d+">([^<]+)</a>', html)


def test_the_journal_has_a_date_range_and_an_order_and_refuses_bad_ones_clearly(app, ledger):
    ledger.post(D(2026, 3, 2), "期初", ("1002", "GEN", "20000.00"), ("3101", "GEN", "-20000.00"))
    ledger.post(D(2026, 3, 8), "收停车费", ("1002", "GEN", "12430.66"), ("4202", "GEN", "-12430.66"))
    ledger.post(D(2026, 4, 8), "收停车费", ("1002", "GEN", "11873.20"), ("4202", "GEN", "-11873.20"))
    reader = Browser(app, "reader")
    assert _numbers(reader.get("/books/T1/journal").text) == ["记-2026-04-0001", "记-2026-03-0002", "记-2026-03-0001"]
    page = reader.get("/books/T1/journal?from=2026-03-05&to=2026-04-30").text
    assert _numbers(page) == ["记-2026-04-0001", "记-2026-03-0002"] and 'value="2026-03-05"' in page
    assert _numbers(reader.get("/books/T1/journal?sort=number&dir=asc").text) == ["记-2026-03-0001", "记-2026-03-0002", "记-2026-04-0001"]
    assert _numbers(reader.get("/books/T1/journal?sort=date&dir=asc&to=2026-03-31").text) == ["记-2026-03-0001", "记-2026-03-0002"]
    csv_rows = list(csv.DictReader(io.StringIO(reader.get("/books/T1/journal.csv?from=2026-04-01").data.decode("utf-8-sig"))))
    assert {r["凭证号"] for r in csv_rows} == {"记-2026-04-0001"}

    # Bad values: said plainly, left out, never a 500.
    for query, testid, said in [
        ("from=2026-13-01", "problem-from", "“2026-13-01”不是日期（应为 YYYY-MM-DD），此条件未使用。"),
        ("from=2026-04-30&to=2026-03-01", "problem-to", "结束日期（2026-03-01）早于开始日期（2026-04-30），未按日期范围筛选。"),
        ("sort=amount", "problem-sort", "排序方式无法识别，已按日期从新到旧显示。"),
        ("sort=number&dir=sideways", "problem-sort", "排序方式无法识别，已按日期从新到旧显示。"),
        ("from=0001-01-01", "problem-from", "“0001-01-01”不是日期（应为 YYYY-MM-DD），此条件未使用。"),
    ]:
        response = reader.get(f"/books/T1/journal?{query}")
        assert response.status_code == 200 and _field(response.text, testid) == said, query
        assert len(_numbers(response.text)) == 3, query
    assert reader.get("/books/T1/journal.xlsx?from=x&sort=y").status_code == 200


def test_files_too_large_for_one_request_are_refused_kindly_on_the_form(app):
    treasurer = Browser(app, "maker")
    app.config["MAX_CONTENT_LENGTH"] = 60_000
    rows = {"account-0": "5105", "fund-0": "GEN", "debit-0": "88.00", "account-1": "1002", "fund-1": "GEN", "credit-1": "88.00"}
    data = entry_form(action="draft", **rows)
    data["file"] = [(io.BytesIO(b"\xff" * 80_000), "大照片.jpg")]
    response = treasurer.post("/books/T1/entries/new", data, page="/books/T1/entries/new")
    assert response.status_code == 303 and response.headers["Location"].endswith("/books/T1/entries/new")
    page = treasurer.get(response.headers["Location"]).text
    assert _field(page, "flash-error") == "未保存任何内容：所选文件合计超过 59 KB。请分几次上传。"


def test_a_new_treasurer_is_told_what_holds_up_the_month_and_a_resident_is_refused_in_chinese(app, ledger, sign_in):
    """From a review on a phone: the checklist counted drafts without naming them; a bank balance that did not
    agree was recorded with a green message; nothing said who closes the month; refusal pages were Werkzeug's
    English ones; a treasurer's own drafts and returned entries were listed nowhere."""
    ledger.post(D(2026, 3, 2), "收3月物业费", ("1002", "GEN", "500.00"), ("4101", "GEN", "-500.00"))
    with ledger.tx() as s:
        book = ledger.book(s)
        draft = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 9), "3月保洁费（待补发票）", ("5101", "GEN", "80.00"), ("1002", "GEN", "-80.00")))
        returned = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 10), "3月绿化费", ("5103", "GEN", "60.00"), ("1002", "GEN", "-60.00")), submit=True)
        entries.reject_entry(s, ledger.user(s, "approver1"), book, returned, "金额与合同不符")
        draft_id, returned_id = draft.id, returned.id
    treasurer = sign_in("maker")
    month = treasurer.get("/books/T1/periods/2026-03").text
    drafts = re.search(r'data-testid="drafts">(.*?)</li>', month, re.S).group(1)
    assert "本月尚有草稿或已退回的凭证" in drafts
    assert f"/books/T1/entries/{draft_id}" in drafts and f"/books/T1/entries/{returned_id}" in drafts
    assert "结账由以下角色操作：业委会委员、基金管理人。" in month  # the treasurer has no close button, and is told why
    said = treasurer.post("/books/T1/periods/2026-03/bank", {"account": "1002", "balance": "400.00"},
                          page="/books/T1/periods/2026-03")
    shown = treasurer.get(said.headers["Location"]).text
    assert 'data-testid="flash-warning"' in shown and "与账面相差 -100.00" in shown, shown[shown.find("<main>"):][:600]  # 400 against 500
    assert re.search(r'data-testid="bank-difference-1002">差额 (-?[\d,.]+)<', shown).group(1) == "-100.00"
    home = treasurer.get("/books/T1").text
    mine = re.search(r'data-testid="mine">(.*?)</section>', home, re.S).group(1)
    assert "我的草稿和被退回的凭证" in mine and "3月保洁费（待补发票）" in mine and "金额与合同不符" in mine

    ledger.post(D(2026, 3, 12), "菜市场买拖把", ("5101", "GEN", "35.00"), ("1002", "GEN", "-35.00"))
    month = treasurer.get("/books/T1/periods/2026-03").text
    assert "请打开每张凭证，记录没有原始凭证的原因。" in month
    with ledger.tx() as s:
        mop = entries.get_entry_by_number(s, ledger.book(s), "记-2026-03-0002").id
    page = treasurer.get(f"/books/T1/entries/{mop}").text
    assert "已提交或已过账的凭证不能再补附件" in page and 'name="reason" required' in page
    audit = sign_in("approver1").get("/books/T1/audit").text
    assert f'<a href="/books/T1/entries/{returned_id}">凭证 #{returned_id}</a>' in audit and f">entry:{returned_id}<" not in audit
    sheet = openpyxl.load_workbook(io.BytesIO(treasurer.get("/books/T1/journal.xlsx").data)).active
    headers = next(r for r in sheet.iter_rows(values_only=True) if r and "凭证号" in r)
    assert "基金名称" in headers

    resident = sign_in("reader")
    refused = resident.get("/books/T1/audit")
    assert refused.status_code == 403 and "您没有查看此页面的权限" in refused.text and "Forbidden" not in refused.text
    assert 'href="/books"' in refused.text  # a way back
    missing = resident.get("/books/T1/entries/99999")
    assert missing.status_code == 404 and "找不到这个页面" in missing.text
    api = resident.get("/api/v1/books/T1/nothing-here")
    assert api.status_code == 404 and api.get_json()["code"] == "not_found", api.get_json()  # the API still answers in JSON
