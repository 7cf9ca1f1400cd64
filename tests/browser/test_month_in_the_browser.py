"""A month of the committee's work in a real browser: enter, approve, flag, close."""
from __future__ import annotations

import io
import re
import time

from PIL import Image, ImageDraw

from .conftest import sign_in


def bank_slip(path):
    """A photographed bank slip: white paper, a grey band where the payer's phone number is printed."""
    image = Image.new("RGB", (1600, 1200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 100, 700, 220), fill=(90, 90, 90))  # 付款人电话 138xxxx
    draw.rectangle((100, 400, 1500, 460), fill=(160, 160, 160))
    image.save(path, "JPEG", quality=90)
    return path


def wait_for_text(page, selector, wanted, seconds=10):
    deadline = time.monotonic() + seconds
    while wanted not in page.inner_text(selector):
        assert time.monotonic() < deadline, f"{selector} never said {wanted!r}: {page.inner_text(selector)!r}"
        page.wait_for_timeout(100)


def test_treasurer_enters_two_members_approve_supervisor_flags_month_closes(site, new_page, tmp_path):
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
    treasurer.click("button[value=draft]")  # refused in the page, nothing sent
    assert "借方与贷方合计相等后才能保存" in treasurer.inner_text("[data-testid=lines-error]")
    assert treasurer.url.endswith("/entries/new")
    treasurer.fill("input[name=account-2]", "4202")
    treasurer.fill("input[name=fund-2]", "GEN")
    treasurer.fill("input[name=credit-2]", "1665.16")
    assert difference.inner_text() == "借贷平衡"
    treasurer.click("button[value=draft]")
    treasurer.wait_for_url(re.compile(r".*/entries/\d+$"))
    entry_url = treasurer.url
    assert "草稿" in treasurer.locator("h1").inner_text()

    # the photo of the bank slip, with the payer's phone number boxed out for the public copy
    treasurer.set_input_files("input[name=file]", str(bank_slip(tmp_path / "回单.jpg")))
    treasurer.click("button:has-text('上传')")
    treasurer.click("text=遮盖敏感信息")
    surface = treasurer.locator(".redact-surface img").first
    box = surface.bounding_box()
    treasurer.mouse.move(box["x"] + box["width"] * 0.05, box["y"] + box["height"] * 0.06)
    treasurer.mouse.down()
    treasurer.mouse.move(box["x"] + box["width"] * 0.46, box["y"] + box["height"] * 0.20, steps=8)
    treasurer.mouse.up()
    assert treasurer.locator(".redact-box").count() == 1
    treasurer.click("#redact-save")
    wait_for_text(treasurer, "#redact-status", "遮盖已保存")
    public = treasurer.locator("a.redact-public").first.get_attribute("href")
    image = Image.open(io.BytesIO(treasurer.request.get(site + public if public.startswith("/") else public).body()))
    assert len(image.getexif()) == 0 and "exif" not in image.info
    w, h = image.size
    assert image.convert("L").getpixel((int(w * 0.25), int(h * 0.13))) < 20  # the phone number is black now
    assert image.convert("L").getpixel((int(w * 0.75), int(h * 0.5))) > 200  # the rest of the slip is not
    treasurer.goto(entry_url)
    assert treasurer.locator("img.voucher-thumb").count() == 1
    treasurer.click("button:has-text('提交审批')")
    assert "待审批" in treasurer.locator("h1").inner_text()
    assert treasurer.locator("button:has-text('审批通过')").count() == 0  # the maker is given no way to approve

    first = new_page()
    sign_in(first, site, "weiyuan1")
    first.goto(entry_url)
    first.click("button:has-text('审批通过')")
    assert "已审批 1 人，共需 2 人" in first.locator("[data-testid=history]").inner_text()  # above 10,000.00: two approvers
    first.goto(entry_url)
    # The same approver is given no second approve button: the page offers only what the service allows.
    assert first.locator("button:has-text('审批通过')").count() == 0

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
    first.click("summary:has-text('结账 2026-03')")  # closing is for good: a second step, a note and "我确认"
    first.fill("[data-testid=close-confirm] input[name=reason]", "银行对账单与账面一致，停车月报待补")
    first.check("[data-testid=close-confirm] input[name=confirm]")
    first.click("button:has-text('确认结账 2026-03')")
    assert "2026-03 已结账" in first.locator(".flash").inner_text()
    assert "已结账" in first.locator("h1").inner_text()
