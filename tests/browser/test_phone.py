"""A treasurer on a 360-px phone: an entry with a photo taken on the form, then the journal and the ledger read as cards."""
from __future__ import annotations

import re

from PIL import Image, ImageDraw

from .conftest import OUTPUT, sign_in

WIDTH, HEIGHT = 360, 740


def electricity_bill(path):
    """A photographed electricity bill: paper, a header band, lines of print, a red stamp."""
    image = Image.new("RGB", (1200, 1600), (246, 244, 238))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 80, 1120, 220), fill=(30, 80, 150))
    for y in range(320, 1300, 70):
        draw.rectangle((100, y, 100 + (y * 7) % 900 + 150, y + 22), fill=(70, 70, 70))
    draw.ellipse((820, 1250, 1100, 1530), outline=(200, 30, 30), width=18)
    image.save(path, "JPEG", quality=88)
    return path


def inside_the_screen(page, selector):
    """Every non-empty element matching `selector` lies wholly between x = 0 and x = WIDTH; returns how many."""
    boxes = page.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.textContent.trim() !== '').map(e => { const r = e.getBoundingClientRect();"
        " return {text: e.textContent.trim(), left: r.left, right: r.right, width: r.width}; })",
    )
    outside = [b for b in boxes if b["left"] < 0 or b["right"] > WIDTH or b["width"] == 0]
    assert outside == [], f"amounts off the screen: {outside}"
    return boxes


def test_treasurer_on_a_phone_enters_an_entry_with_a_photo_and_reads_the_journal(site, new_page, tmp_path):
    OUTPUT.mkdir(exist_ok=True)
    treasurer = new_page(WIDTH, HEIGHT)
    sign_in(treasurer, site, "caiwu")
    treasurer.goto(f"{site}/books/T1/entries/new")
    treasurer.fill("input[name=date]", "2026-03-20")
    treasurer.fill("input[name=summary]", "付3月公共区域电费（国网电费单，含电梯及地下车库照明）")
    treasurer.fill("input[name=account-0]", "公共水电费")  # the account's exact name, as the treasurer knows it
    treasurer.fill("input[name=debit-0]", "1386.205")  # a slip of the thumb: said beside the field
    assert treasurer.inner_text("[data-testid=error-debit-0]") == "最多两位小数（到分），如 12.35"
    assert treasurer.inner_text("[data-testid=difference]") == "有金额无法识别：见标红的栏目"  # never "借贷平衡" now
    treasurer.fill("input[name=debit-0]", "1,386.20")
    assert treasurer.inner_text("[data-testid=error-debit-0]") == ""
    treasurer.fill("input[name=account-1]", "1002 银行存款—共管账户")
    treasurer.fill("input[name=credit-1]", "１３８６．２")  # full-width, from a Chinese keyboard
    assert treasurer.inner_text("[data-testid=difference]") == "借贷平衡"
    treasurer.fill("input[name=fund-1]", "GEM")
    treasurer.locator("input[name=fund-1]").blur()
    assert treasurer.inner_text("[data-testid=error-fund-1]") == "未知基金：没有这个代码或名称的基金。"
    treasurer.fill("input[name=fund-1]", "GEN")
    treasurer.locator("input[name=fund-1]").blur()
    assert treasurer.inner_text("[data-testid=error-fund-1]") == ""

    # The photo, "taken" through the form's camera field; it goes with the entry when the form is sent.
    camera = treasurer.locator("[data-testid=voucher-camera]")
    assert camera.get_attribute("capture") == "environment" and camera.get_attribute("accept") == "image/*,application/pdf"
    camera.set_input_files(str(electricity_bill(tmp_path / "电费单.jpg")))
    treasurer.screenshot(path=str(OUTPUT / "phone-entry-form.png"), full_page=True)
    treasurer.click("button[value=submit]")
    treasurer.wait_for_url(re.compile(r".*/entries/\d+$"))
    entry_url = treasurer.url
    assert "已提交审批。" in treasurer.inner_text("[data-testid=flash-success]")
    assert "待审批" in treasurer.locator("h1").inner_text()
    thumb = treasurer.locator("img.voucher-thumb")
    assert thumb.count() == 1
    thumb.scroll_into_view_if_needed()
    assert treasurer.evaluate("img => img.complete && img.naturalWidth", thumb.element_handle()) > 0
    box = thumb.bounding_box()
    assert box["width"] > 40 and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH

    member = new_page(WIDTH, HEIGHT)
    sign_in(member, site, "weiyuan1")
    member.goto(entry_url)
    member.click("button:has-text('审批通过')")
    assert "记-2026-03-0001" in member.locator("h1").inner_text()

    # The journal on the phone: a card per entry, every amount wholly on the screen, the summary given room.
    treasurer.goto(f"{site}/books/T1/journal")
    card = treasurer.locator("[data-testid=journal-entry]").first
    assert "记-2026-03-0001" in card.inner_text()
    amounts = inside_the_screen(treasurer, "[data-testid=journal-entry] td.num")
    assert sorted(b["text"] for b in amounts) == ["借方 1,386.20", "贷方 1,386.20"] or \
        sorted(b["text"] for b in amounts) == ["1,386.20", "1,386.20"]
    summary = card.locator("td.summary").bounding_box()
    assert summary["width"] > WIDTH * 0.7  # a line of text, not two characters
    assert treasurer.evaluate("document.documentElement.scrollWidth") <= WIDTH  # nothing to scroll sideways for
    treasurer.screenshot(path=str(OUTPUT / "phone-journal.png"), full_page=True)

    # The bank account's ledger, newest first with its month and year totals, the same way.
    treasurer.goto(f"{site}/books/T1/accounts/1002")
    assert treasurer.locator("[data-testid='month-total-2026-03']").count() == 1
    inside_the_screen(treasurer, "[data-testid=account-ledger] td.num")
    assert treasurer.evaluate("document.documentElement.scrollWidth") <= WIDTH
    treasurer.screenshot(path=str(OUTPUT / "phone-account-ledger.png"), full_page=True)


def test_on_a_phone_the_form_names_each_field_checks_each_fund_and_errors_speak_chinese(site, new_page):
    """What a new treasurer met on a 360-px phone (a review of this session): boxes that lost their names once
    filled, a minus sign and a one-fund-per-side entry called balanced, export links folded away, and refusal
    pages in English too wide for the screen."""
    treasurer = new_page(WIDTH, HEIGHT)
    sign_in(treasurer, site, "caiwu")
    treasurer.goto(f"{site}/books/T1/entries/new")
    treasurer.fill("input[name=debit-0]", "3200")
    label = treasurer.evaluate(
        "() => getComputedStyle(document.querySelector('input[name=debit-0]').closest('td'), '::before').content")
    assert label == '"借方"', label  # the column headings are hidden on a phone: each box keeps its name
    treasurer.fill("input[name=credit-1]", "-3200")
    assert treasurer.inner_text("[data-testid=error-credit-1]") == "不要填负号：金额填在借方栏或贷方栏。"
    treasurer.fill("input[name=account-0]", "5107")
    treasurer.locator("input[name=account-0]").blur()
    assert treasurer.inner_text("[data-testid=picked-account-0]") == "维修费"  # the code's name, so a slip shows
    treasurer.fill("input[name=fund-0]", "REPAIR")
    treasurer.fill("input[name=account-1]", "1002")
    treasurer.fill("input[name=credit-1]", "3200")
    said = treasurer.inner_text("[data-testid=difference]")
    assert said.startswith("基金 ") and "借方与贷方不等" in said and "借贷平衡" not in said, said
    treasurer.fill("input[name=fund-1]", "REPAIR")
    assert treasurer.inner_text("[data-testid=difference]") == "借贷平衡"
    small = treasurer.evaluate("""() => [...document.querySelectorAll('.booknav a, .top a, button, input:not([type=hidden])')]
        .filter(e => e.offsetParent !== null).map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect().height])
        .filter(([_, h]) => h < 40)""")
    assert small == [], f"tap targets under 40 px: {small}"

    treasurer.goto(f"{site}/books/T1/journal")
    assert treasurer.locator("a[href*='journal.xlsx']").is_visible()  # not folded away with the filters
    treasurer.goto(f"{site}/books/T1")
    inside_the_screen(treasurer, "table.funds td.num")  # each fund a card, its figures named and on the screen
    assert treasurer.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert "待结账月份" in treasurer.inner_text("[data-testid=where]")
    treasurer.goto(f"{site}/books/T1/statements?period=2026-03")
    assert "业务活动表" in treasurer.inner_text("main")
    inside_the_screen(treasurer, "table.statement td.num")
    assert treasurer.evaluate("document.documentElement.scrollWidth") <= WIDTH

    resident = new_page(WIDTH, HEIGHT)
    sign_in(resident, site, "jianchaa")  # the supervisor reads the audit log; a resident is refused it
    for url, status, words in ((f"{site}/books/T1/nope", 404, "找不到这个页面"), (f"{site}/books/ZZ", 404, "找不到这个页面")):
        response = resident.goto(url)
        assert response.status == status and words in resident.inner_text("main")
        assert "Not Found" not in resident.content()
        assert resident.evaluate("document.documentElement.scrollWidth") <= WIDTH
        assert resident.locator("a:has-text('返回我的账簿')").is_visible()
