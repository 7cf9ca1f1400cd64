"""The bank pages as the trustee, the committee, the supervisor and a viewer use them."""
from __future__ import annotations

import io

from sqlalchemy import select

from ledger.db.schema import BankStatementRow

from .test_bank import MARCH, _book


def _upload(who, text, name="march.csv"):
    page = who.get("/books/T1/bank?period=2026-03").text
    return who.client.post("/books/T1/bank/import", data={
        "csrf_token": who.token(page), "account": "1002", "period": "2026-03",
        "file": (io.BytesIO(text.encode("gbk")), name)}, content_type="multipart/form-data")


def test_upload_match_draft_and_reconcile_in_the_browser(ledger, sign_in):
    _book(ledger)
    clerk = sign_in("clerk")  # the trustee imports and matches
    page = clerk.get("/books/T1/bank?period=2026-03")
    assert page.status_code == 200
    assert 'data-testid="bank-upload"' in page.text and 'data-testid="bank-match"' in page.text
    done = _upload(clerk, MARCH)
    assert done.status_code == 200 and 'data-testid="bank-result"' in done.text
    assert "11,200.50" in done.text and "-3,000.00" in done.text
    again = _upload(clerk, MARCH)
    assert "data-testid=\"bank-result\"" in again.text
    with ledger.tx() as s:
        assert len(s.scalars(select(BankStatementRow)).all()) == 3
    bad = _upload(clerk, MARCH.replace('"8,200.50"', '"8,200.00"'), "bad.csv")
    assert bad.status_code == 422 and "第 6 行" in bad.text

    matched = clerk.post("/books/T1/bank/match", {"period": "2026-03", "account": "1002"}, page="/books/T1/bank?period=2026-03")
    assert matched.status_code == 302
    page = clerk.get("/books/T1/bank?period=2026-03").text
    assert page.count('class="matched"') == 2 and page.count('class="unmatched"') == 1
    with ledger.tx() as s:
        row_id = s.scalar(select(BankStatementRow.id).where(BankStatementRow.serial == "ICBC0003"))
    assert f'data-testid="bank-draft-{row_id}"' in page

    drafted = clerk.post("/books/T1/bank/draft", {"row": str(row_id), "counter": "4201", "period": "2026-03"},
                         page="/books/T1/bank?period=2026-03")
    assert drafted.status_code == 302 and "/entries/" in drafted.headers["Location"]
    page = clerk.get("/books/T1/bank?period=2026-03").text
    assert page.count('class="drafted"') == 1 and f'data-testid="bank-draft-{row_id}"' not in page

    rec = clerk.get("/books/T1/bank/reconcile?period=2026-03").text
    assert 'data-testid="bank-closing">8,700.50<' in rec and 'data-testid="book-balance">9,396.00<' in rec
    assert "收停车费（另一笔）" in rec and "广告收入" in rec  # the unexplained book line; the row whose entry is a draft


def test_who_sees_what(ledger, sign_in):
    _book(ledger)
    watcher = sign_in("watcher")  # the supervisor reads, imports nothing
    page = watcher.get("/books/T1/bank?period=2026-03")
    assert page.status_code == 200
    assert "bank-upload" not in page.text and "bank-match" not in page.text
    assert watcher.get("/books/T1/bank/reconcile?period=2026-03").status_code == 200
    assert sign_in("reader").get("/books/T1/bank").status_code == 403  # payers' names are not for viewers
    ops = sign_in("clerk").get("/books/T1/operations").text
    assert "/books/T1/bank" in ops
    assert "/books/T1/bank" not in sign_in("reader").get("/books/T1/operations").text


def test_a_file_that_does_not_follow_on_is_flagged(ledger, sign_in):
    clerk = sign_in("clerk")
    assert 'data-testid="bank-gap"' not in _upload(clerk, MARCH).text
    april = "交易日期,交易流水号,摘要,对方户名,转入金额,转出金额,余额\n2026-04-03,ICBC0100,停车费,,100.00,,\"9,000.00\"\n"
    page = _upload(clerk, april, "april.csv")
    assert page.status_code == 200 and 'data-testid="bank-gap"' in page.text and "8700.50" in page.text and "8900.00" in page.text
