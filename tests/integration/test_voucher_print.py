"""The printed 记账凭证: what goes into the binder with the paper invoices."""
from __future__ import annotations

import io
import re

from ledger.services import entries, vouchers

from ..conftest import D


def _posted_with_two_approvers_and_a_voucher(ledger, tmp_path) -> tuple[int, str, str]:
    from PIL import Image

    photo = io.BytesIO()
    Image.new("RGB", (80, 60), "white").save(photo, "JPEG")
    with ledger.tx() as s:
        book = ledger.book(s)
        for name, display in [("maker", "财务 李秀英"), ("approver1", "业委会主任 张建国"), ("approver2", "业委会委员 陈美兰")]:
            ledger.user(s, name).display_name = display
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 25), "支付3月电梯维保费", ("5104", "GEN", "12345.67"), ("1002", "GEN", "-12000.00"),
            ("2202", "GEN", "-345.67")))
        vouchers.upload_voucher(s, ledger.user(s, "maker"), book, entry, photo.getvalue(), "发票.jpg",
                                vouchers.VoucherStore(tmp_path / "v"), 10**7)
        entries.submit_entry(s, ledger.user(s, "maker"), book, entry)
        for name in ("approver1", "approver2"):  # above the 10,000.00 threshold: two approvers
            entries.approve_entry(s, ledger.user(s, name), book, entry)
        return entry.id, entry.number, entry.hash


def test_a_posted_entry_prints_as_a_voucher_with_capitals_and_signatures(ledger, sign_in, tmp_path):
    entry_id, number, chain_hash = _posted_with_two_approvers_and_a_voucher(ledger, tmp_path)
    response = sign_in("reader").get(f"/books/T1/entries/{entry_id}/print")  # a resident may print what they may read
    assert response.status_code == 200
    page = response.text
    assert "测试小区信托" in page and "记账凭证" in page and number in page and "2026-03-25" in page
    assert "支付3月电梯维保费" in page and "5104" in page and "信托财产（非限定）" in page
    assert "合计（大写）: 壹万贰仟叁佰肆拾伍元陆角柒分" in re.sub(r"\s+", " ", page) or "壹万贰仟叁佰肆拾伍元陆角柒分" in page
    assert page.count("12,345.67") >= 2  # debit and credit totals
    assert "附单据 1 张" in page
    signatures = re.search(r'data-testid="signatures">(.*?)</dl>', page, re.S).group(1)
    assert re.search(r"制单</dt><dd>财务 李秀英</dd>", signatures)
    assert re.search(r"审核</dt><dd>业委会主任 张建国、业委会委员 陈美兰</dd>", signatures)
    assert re.search(r"记账</dt><dd>业委会委员 陈美兰</dd>", signatures)
    assert chain_hash in page
    # print CSS, no inline style or script (the CSP forbids them)
    assert "voucher_print.css" in page and "<style" not in page and "style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    response = sign_in("reader").get("/static/voucher_print.css")
    css = response.text
    response.close()
    assert "@page" in css and "A5 landscape" in css


def test_the_printed_voucher_in_english_and_refusals(ledger, sign_in, tmp_path):
    entry_id, number, _ = _posted_with_two_approvers_and_a_voucher(ledger, tmp_path)
    page = sign_in("watcher").get(f"/books/T1/entries/{entry_id}/print?lang=en").text
    assert "Journal voucher" in page and "Prepared by" in page and "Attached documents: 1" in page
    assert "壹万贰仟叁佰肆拾伍元陆角柒分" in page  # the capitals are Chinese whatever the page's language
    assert sign_in("outsider").get(f"/books/T1/entries/{entry_id}/print").status_code == 403
    with ledger.tx() as s:
        draft = entries.create_entry(s, ledger.user(s, "maker"), ledger.book(s), ledger.entry_input(
            D(2026, 3, 26), "草稿", ("5101", "GEN", "1.00"), ("1002", "GEN", "-1.00"))).id
    assert sign_in("maker").get(f"/books/T1/entries/{draft}/print").status_code == 404  # not a voucher yet
    assert sign_in("maker").get("/books/T1/entries/999999/print").status_code == 404


def test_a_reversal_prints_its_total_and_names_what_it_reverses(ledger, sign_in):
    number = ledger.post(D(2026, 3, 5), "支付保洁费", ("5101", "GEN", "100.00"), ("1002", "GEN", "-100.00"))
    with ledger.tx() as s:
        book = ledger.book(s)
        original = entries.get_entry_by_number(s, book, number)
        reversal = entries.reverse_entry(s, ledger.user(s, "maker"), book, original, date=D(2026, 3, 6))
        entries.approve_entry(s, ledger.user(s, "approver1"), book, reversal)
        reversal_id = reversal.id
    page = sign_in("reader").get(f"/books/T1/entries/{reversal_id}/print").text
    assert number in page and "冲销" in page
    assert "壹佰元整" in page and "附单据 0 张" in page
