"""The fees pages as people use them: a rate, a run, a payment, the arrears page per role."""
from __future__ import annotations

from sqlalchemy import select

from ledger.db.schema import Entry, Unit
from ledger.services import entries

from ..conftest import D as dt_date


def test_fees_pages(app, ledger, sign_in):
    with ledger.tx() as s:
        book = ledger.book(s)
        s.add(Unit(book_id=book.id, building="3", number="1201", area_centi_m2=8937, use="residential"))
        s.add(Unit(book_id=book.id, building="5", number="P01", area_centi_m2=1250, use="parking"))
    maker = sign_in("maker")
    page = maker.get("/books/T1/fees").text
    assert 'data-testid="rate-form"' in page and 'data-testid="run-form"' in page and 'data-testid="payment-form"' in page
    assert maker.post("/books/T1/fees/rates", {"use": "residential", "basis": "per_m2", "rate": "2.35", "from": "2026-01-01"},
                      page="/books/T1/fees").status_code == 302
    bad = maker.post("/books/T1/fees/rates", {"use": "residential", "basis": "per_m2", "rate": "2.34567", "from": "2026-01-01"},
                     page="/books/T1/fees")
    assert bad.status_code == 302
    maker.post("/books/T1/fees/rates", {"use": "parking", "basis": "fixed", "rate": "80", "from": "2026-01-01"}, page="/books/T1/fees")
    maker.post("/books/T1/fees/run", {"period": "2026-01"}, page="/books/T1/fees")
    maker.post("/books/T1/fees/run", {"period": "2026-01"}, page="/books/T1/fees")  # creates nothing
    page = maker.get("/books/T1/fees").text
    assert "2.35" in page and "80.00" in page and "290.02" in page  # 210.02 + 80.00
    with ledger.tx() as s:
        runs = list(s.scalars(select(Entry).where(Entry.source == "billing")))
        assert len(runs) == 1
        entries.approve_entry(s, ledger.user(s, "approver1"), ledger.book(s), runs[0])
    clerk = sign_in("clerk")
    clerk.post("/books/T1/fees/payments", {"unit": "3-1201", "amount": "100.00", "channel": "alipay", "reference": "A1",
                                           "date": "2026-01-20"}, page="/books/T1/fees")
    with ledger.tx() as s:
        payment = s.scalar(select(Entry).where(Entry.source == "payment"))
        assert payment.total_debit_fen == 10000
        entries.approve_entry(s, ledger.user(s, "approver1"), ledger.book(s), payment)

    fees_page = sign_in("approver1").get("/books/T1/fees").text
    assert 'data-testid="payments"' in fees_page and "3-1201" in fees_page and "A1" in fees_page
    assert 'data-testid="payments"' not in sign_in("reader").get("/books/T1/fees").text
    committee = sign_in("approver1").get("/books/T1/fees/arrears?as_of=2026-02-28").text
    assert 'data-testid="arrears-units"' in committee and "3-1201" in committee and "110.02" in committee
    assert "34.48%" in committee  # 100.00 of 290.02
    reader = sign_in("reader")
    page = reader.get("/books/T1/fees/arrears?as_of=2026-02-28")
    assert page.status_code == 200 and 'data-testid="arrears-buildings"' in page.text
    assert "3-1201" not in page.text and 'data-testid="arrears-units"' not in page.text
    assert 'data-testid="run-form"' not in reader.get("/books/T1/fees").text
    assert reader.post("/books/T1/fees/run", {"period": "2026-02"}, page="/books/T1/fees").status_code == 403
    assert "/books/T1/fees/arrears" in maker.get("/books/T1/operations").text


def test_payment_reminder_pdf(app, ledger, sign_in):
    import io

    import pypdfium2

    from ledger.services import billing

    with ledger.tx() as s:
        book = ledger.book(s)
        s.add(Unit(book_id=book.id, building="3", number="1201", area_centi_m2=8937, use="residential"))
        billing.set_rate(s, ledger.user(s, "maker"), book, "residential", "per_m2", 23500, dt_date(2026, 1, 1))
        for month in (1, 2):
            run = billing.run_billing(s, ledger.user(s, "maker"), book, 2026, month)
            entries.approve_entry(s, ledger.user(s, "approver1"), book, run.entry)
        paid = billing.record_payment(s, ledger.user(s, "clerk"), book, "3-1201", 5000, dt_date(2026, 2, 3), "cash")
        entries.approve_entry(s, ledger.user(s, "approver1"), book, paid.entry)
    response = sign_in("approver1").get("/books/T1/fees/reminder.pdf?unit=3-1201&as_of=2026-02-28")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pypdfium2.PdfDocument(io.BytesIO(response.data))
    words = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))).replace("\r", "").replace("\n", "")
    # January 210.02 less 50.00 paid, February 210.02: 370.04 open
    assert "3-1201" in words and "160.02" in words and "370.04" in words and "第九百四十四条" in words
    assert sign_in("reader").get("/books/T1/fees/reminder.pdf?unit=3-1201").status_code == 403
    assert sign_in("approver1").get("/books/T1/fees/reminder.pdf?unit=9-9").status_code == 404
