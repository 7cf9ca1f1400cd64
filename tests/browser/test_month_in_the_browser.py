"""A month of the committee's work in a real browser: enter, approve, flag, close."""
from __future__ import annotations

import re

from .conftest import sign_in


def test_treasurer_enters_two_members_approve_supervisor_flags_month_closes(site, new_page):
    treasurer = new_page()
    sign_in(treasurer, site, "caiwu")
    treasurer.click("text=锦城花园小区信托账簿")
    treasurer.click("nav.booknav >> text=录入凭证")
    treasurer.fill("input[name=date]", "2026-03-20")
    treasurer.fill("input[name=summary]", "收3月物业费及临时停车费（银行回单）")
    treasurer.fill("input[name=account-0]", "1002 银行存款—共管账户")
    treasurer.fill("input[name=debit-0]", "13,665.16")
    treasurer.fill("input[name=account-1]", "4101")
    treasurer.fill("input[name=credit-1]", "１２０００")  # full-width digits from a Chinese IME
    difference = treasurer.locator("#difference")
    assert difference.inner_text().startswith("差额") and "1,665.16" in difference.inner_text()
    treasurer.fill("input[name=account-2]", "4202")
    treasurer.fill("input[name=fund-2]", "GEN")
    treasurer.fill("input[name=credit-2]", "1665.16")
    assert difference.inner_text() == "借贷平衡"
    treasurer.click("button[value=draft]")
    treasurer.wait_for_url(re.compile(r".*/entries/\d+$"))
    entry_url = treasurer.url
    assert "草稿" in treasurer.locator("h1").inner_text()
    treasurer.click("button:has-text('提交审批')")
    assert "待审批" in treasurer.locator("h1").inner_text()
    assert treasurer.locator("button:has-text('审批通过')").count() == 0  # the maker is given no way to approve

    first = new_page()
    sign_in(first, site, "weiyuan1")
    first.goto(entry_url)
    first.click("button:has-text('审批通过')")
    assert "已审批 1 人，共需 2 人" in first.locator("[data-testid=history]").inner_text()  # above 10,000.00: two approvers
    first.goto(entry_url)
    first.click("button:has-text('审批通过')")
    assert "您已审批过这张凭证" in first.locator(".flash").inner_text()

    second = new_page()
    sign_in(second, site, "weiyuan2")
    second.goto(entry_url)
    second.click("button:has-text('审批通过')")
    assert "记-2026-03-0001" in second.locator("h1").inner_text() and "已过账" in second.locator("h1").inner_text()

    supervisor = new_page()
    sign_in(supervisor, site, "jianchaa")
    supervisor.goto(entry_url)
    supervisor.fill("textarea[name=comment]", "停车费与道闸系统月报1,665.16元一致，但请附上月报截图")
    supervisor.click("button:has-text('标记')")
    assert "道闸系统月报" in supervisor.locator("[data-testid=flags]").inner_text()

    treasurer.goto(f"{site}/books/T1/periods/2026-03")
    checklist = treasurer.locator("[data-testid=checklist]")
    assert "未录入" in checklist.inner_text() and "未处理的标记: 1" in checklist.inner_text()
    treasurer.fill("[data-testid=bank-1002] input[name=balance]", "13665.16")
    treasurer.click("[data-testid=bank-1002] button")
    assert "对账单 13,665.16" in treasurer.locator("[data-testid=bank-1002]").inner_text()

    first.goto(f"{site}/books/T1/periods/2026-03")
    first.click("button:has-text('结账 2026-03')")
    assert "2026-03 已结账" in first.locator(".flash").inner_text()
    assert "已结账" in first.locator("h1").inner_text()
