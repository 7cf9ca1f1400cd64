"""Grant reports carry their receipts as files (the voucher pipeline: originals private, public copies only after the
committee's redaction review), and a grant entry an approver rejected has a way back (0021)."""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from sqlalchemy import func, select

from ledger.db.schema import AuditEvent, Entry, GrantReport, GrantReportFile
from ledger.domain.errors import InvalidState, LedgerError
from ledger.domain.money import to_fen
from ledger.services import entries, grants, publications, users, vouchers
from ledger.services.unit_of_work import UnitOfWork

from ..conftest import D
from . import test_grants
from .test_grants import CODE, _approve_pending, _balance, _round

fund = test_grants.fund  # the community fund CF1 (a fixture)

LIMITS = vouchers.UploadLimits(5 * 1024 * 1024, 5, 40_000_000)


def receipt(colour=(250, 250, 240), size=(600, 400)) -> bytes:
    """A receipt photo: a light page with a dark band where a payer's name would be."""
    im = Image.new("RGB", size, colour)
    im.paste((20, 20, 20), (40, 40, 400, 90))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def receipt_pdf() -> bytes:
    buf = io.BytesIO()
    pages = [Image.new("RGB", (595, 842), (255, 255, 255)), Image.new("RGB", (595, 842), (240, 240, 255))]
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:])
    return buf.getvalue()


def _paid_tranche(fund) -> int:
    """The round, C declined, A's tranche 1 (24,000.00) paid: A's id."""
    pid, a, b, c = _round(fund)
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        grants.decide(s, fm1, book, grants.get_application(s, book, c), "decline", "可持续性不足", D(2026, 3, 21))
        grants.release(s, fm1, book, grants.get_application(s, book, a), 1, D(2026, 3, 22))
    _approve_pending(fund)
    return a


def _report_with_files(fund, store, a, uploads) -> int:
    s = fund.sessions()
    try:
        uow = UnitOfWork(s, fund.user(s, "clerk"), store)
        report, _replayed = grants.record_report_with_uploads(
            uow, fund.book(s), a, 1, "完成三个楼道的涂刷", [("涂料", to_fen("20000.00"), "发票 No.0012345")],
            D(2026, 3, 24), uploads, LIMITS)
        return report.id
    finally:
        s.close()


def test_a_report_keeps_its_receipts_and_only_reviewed_copies_are_published(fund, tmp_path):
    a = _paid_tranche(fund)
    store, root = vouchers.VoucherStore(tmp_path / "v"), tmp_path / "pub"
    photo, scan = receipt(), receipt_pdf()
    # A file that is not what its name says is refused, in both languages, and nothing is written: no report.
    with pytest.raises(LedgerError) as refused:
        _report_with_files(fund, store, a, [vouchers.Upload("发票.jpg", b"%PDF-1.4 not really"),
                                            vouchers.Upload("ok.jpg", photo)])
    assert refused.value.message_zh and refused.value.message_en and refused.value.message_zh != refused.value.message_en
    too_big = vouchers.Upload("huge.jpg", photo + b"\0" * (LIMITS.max_bytes + 1))
    with pytest.raises(vouchers.VoucherTooLarge) as large:
        _report_with_files(fund, store, a, [too_big])
    assert "太大" in large.value.message_zh and "too large" in large.value.message_en
    with fund.tx() as s:
        assert s.scalar(select(func.count(GrantReport.id))) == 0
    assert not (tmp_path / "v" / "originals").exists() or not any((tmp_path / "v" / "originals").rglob("*"))

    report_id = _report_with_files(fund, store, a, [vouchers.Upload("涂料发票.jpg", photo),
                                                    vouchers.Upload("议事会收据.pdf", scan)])
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        report, _app = grants.get_report(s, book, report_id)
        files = grants.files_of(s, report)
        assert [(f.filename, f.media_type) for f in files] == [("涂料发票.jpg", "image/jpeg"),
                                                               ("议事会收据.pdf", "application/pdf")]
        assert store.original(files[0].sha256).read_bytes() == photo  # kept as it came, privately
        copies = grants.newest_copies(s, [f.id for f in files])
        assert [len(json.loads(copies[f.id].pages)) for f in files] == [1, 2] and not grants.reviewed(copies[files[0].id])
        grants.decide_report(s, fm1, book, report, True, D(2026, 3, 25), "支出与凭证相符")
        photo_id, scan_id = files[0].id, files[1].id
    # The committee reviews the photo, blacking out the payer's name; the PDF is not reviewed yet.
    with fund.tx() as s:
        book = fund.book(s)
        f, _r, _a = grants.get_report_file(s, book, photo_id)
        with pytest.raises(LedgerError):  # a viewer may not review
            grants.review_report_file(s, fund.user(s, "rev1"), book, f, "[]", store)
    with fund.tx() as s:
        book = fund.book(s)
        f, _r, _a = grants.get_report_file(s, book, photo_id)
        public = grants.review_report_file(s, fund.user(s, "fm1"), book, f,
                                           [{"page": 1, "x": 0.05, "y": 0.08, "w": 0.65, "h": 0.16}], store)
        assert public.seq == 2
        shown = json.loads(public.pages)[0]["sha256"]
    burned = Image.open(store.public(shown)).convert("L")
    assert burned.getpixel((300, 200)) > 200 and burned.getpixel((100, 60)) < 30  # the box is black, the rest light

    fund.close(2026, 3, closer="fm1")
    with fund.tx() as s:
        publications.publish(s, fund.user(s, "fm1"), fund.book(s), 2026, 3, store, root)
    folder = next(root.rglob("grants.json")).parent
    doc = json.loads((folder / "grants.json").read_text("utf-8"))
    first = next(g for g in doc["programmes"][0]["grants"] if g["applicant"] == "锦城花园业委会")
    report = first["tranches"][0]["report"]
    assert report["files"] == [{"pages": [f"vouchers/{shown}.jpg"]}] and report["files_waiting"] == 1
    published = (folder / "vouchers" / f"{shown}.jpg").read_bytes()
    assert published == store.public(shown).read_bytes()
    with fund.tx() as s:  # neither the original nor the unreviewed upload copy is in the publication
        files = [grants.get_report_file(s, fund.book(s), i)[0] for i in (photo_id, scan_id)]
        unreviewed = {p["sha256"] for i in (photo_id, scan_id)
                      for p in json.loads(s.scalar(select(grants.GrantReportFilePublic.pages).where(
                          grants.GrantReportFilePublic.file_id == i, grants.GrantReportFilePublic.seq == 1)))}
    names = {p.name for p in folder.rglob("*")}
    assert not names & {f.sha256 for f in files} and not names & {f"{u}.jpg" for u in unreviewed}
    assert "涂料发票" not in (folder / "grants.json").read_text("utf-8")  # file names stay in the office


def test_the_office_uploads_shows_reviews_and_guards_originals(fund, db_url, tmp_path):
    from tests.conftest import SignedIn, back_office

    a = _paid_tranche(fund)
    with back_office(db_url, tmp_path) as app:
        clerk = SignedIn(app, "clerk")
        page = f"/books/{CODE}/grants/applications/{a}"
        html = clerk.get(page).text
        assert 'enctype="multipart/form-data"' in html and 'name="file"' in html
        token = SignedIn.token(html)
        bad = clerk.client.post(f"{page}/report", data={
            "csrf_token": token, "tranche": "1", "narrative": "完成涂刷", "expenses": "涂料, 20000.00, 发票 No.1",
            "submitted_on": "2026-03-24", "file": (io.BytesIO(b"just text"), "发票.png")}, content_type="multipart/form-data")
        assert bad.status_code == 302
        with fund.tx() as s:
            assert s.scalar(select(func.count(GrantReport.id))) == 0  # the file refused refuses the report
        said = clerk.get(page).text
        assert "无法识别的文件" in said  # said on the page, in the page's language
        ok = clerk.client.post(f"{page}/report", data={
            "csrf_token": token, "tranche": "1", "narrative": "完成涂刷", "expenses": "涂料, 20000.00, 发票 No.1",
            "submitted_on": "2026-03-24", "file": (io.BytesIO(receipt()), "发票.jpg")}, content_type="multipart/form-data")
        assert ok.status_code == 302
        with fund.tx() as s:
            [file] = s.scalars(select(GrantReportFile)).all()
        html = clerk.get(page).text
        assert "发票.jpg" in html and 'data-testid="file-unreviewed"' in html
        assert f"/grants/files/{file.id}/pages/1.jpg" in html
        image = clerk.get(f"/books/{CODE}/grants/files/{file.id}/pages/1.jpg")
        assert image.status_code == 200 and image.get_data()[:2] == b"\xff\xd8"
        image.close()
        viewer = SignedIn(app, "rev1")
        seen = viewer.get(page).text
        assert f'data-testid="review-file-{file.id}"' not in seen and f"/grants/files/{file.id}/original" not in seen
        assert viewer.get(f"/books/{CODE}/grants/files/{file.id}/original").status_code == 403
        original = clerk.get(f"/books/{CODE}/grants/files/{file.id}/original")  # a treasurer may, audited
        assert original.status_code == 200 and original.headers["Cache-Control"] == "private, no-store"
        assert original.get_data() == receipt()
        original.close()
        with fund.tx() as s:
            assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "grant.report_file_original")) == 1
        fm1 = SignedIn(app, "fm1")
        html = fm1.get(page).text
        assert f'data-testid="review-file-{file.id}"' in html
        done = fm1.post(f"/books/{CODE}/grants/files/{file.id}/review", {"redactions": ""}, page=page)
        assert done.status_code == 302 and 'data-testid="file-reviewed"' in fm1.get(page).text
        bad_box = fm1.post(f"/books/{CODE}/grants/files/{file.id}/review", {"redactions": "[{\"page\": 9}]"}, page=page)
        assert bad_box.status_code == 302
        with fund.tx() as s:
            assert s.scalar(select(func.max(grants.GrantReportFilePublic.seq))) == 2  # the bad box wrote nothing


def test_a_rejected_commitment_is_booked_again_and_then_paid(fund):
    pid, a, b, c = _round(fund)  # A and B awarded, both commitments approved by fm2
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        grants.decide(s, fm1, book, grants.get_application(s, book, c), "award", "屋顶花园", D(2026, 3, 21),
                      amount_fen=to_fen("15000.00"))
    with fund.tx() as s:  # the second approver says no to C's commitment (15,000.00, above the threshold)
        book = fund.book(s)
        C = grants.get_application(s, book, c)
        commitment = grants.award_entry(s, C)
        assert commitment.status == "submitted"
        entries.reject_entry(s, fund.user(s, "fm2"), book, commitment, "决定日期应为3月22日，请重新提交")
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        C = grants.get_application(s, book, c)
        with pytest.raises(InvalidState) as stuck:
            grants.release(s, fm1, book, C, 1, D(2026, 3, 22))
        assert "退回" in stuck.value.message_zh and "book it again" in stuck.value.message_en
        assert grants.rebook_refusal(s, grants.get_application(s, book, a), "award") is not None  # A's was posted
        with pytest.raises(LedgerError):
            grants.rebook(s, fund.user(s, "clerk"), book, C, "award", D(2026, 3, 22))  # a treasurer does not decide
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        row = grants.rebook(s, fm1, book, grants.get_application(s, book, c), "award", D(2026, 3, 22), "改正日期")
        assert row.entry.status == "submitted" and row.entry.date == D(2026, 3, 22)
        assert sorted(l.amount_fen for l in row.entry.lines) == [-to_fen("15000.00"), to_fen("15000.00")]
    with fund.tx() as s:
        with pytest.raises(InvalidState, match="was not rejected"):
            grants.rebook(s, fund.user(s, "fm1"), fund.book(s), grants.get_application(s, fund.book(s), c), "award",
                          D(2026, 3, 22))
    _approve_pending(fund)
    with fund.tx() as s:
        book = fund.book(s)
        C = grants.get_application(s, book, c)
        assert grants.award_entry(s, C).status == "posted"
        assert _balance(s, "2206") == -to_fen("100000.00") and _balance(s, "5401") == to_fen("100000.00")
        grants.release(s, fund.user(s, "fm1"), book, C, 1, D(2026, 3, 23))
        assert grants.committed_fen(s, grants.get_programme(s, book, pid)) == to_fen("100000.00")


def test_a_rejected_release_is_released_again_and_a_rejected_closing_entry_booked_again(fund):
    pid, a, b, c = _round(fund)
    with fund.tx() as s:
        users.create_user(s, "root", "root", "password-123", is_admin=True)
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        grants.release(s, fm1, book, grants.get_application(s, book, b), 1, D(2026, 3, 22))
    with fund.tx() as s:
        book = fund.book(s)
        [pending] = entries.pending_approvals(s, book)
        entries.reject_entry(s, fund.user(s, "fm2"), book, pending, "银行账号有误")
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        B = grants.get_application(s, book, b)
        assert grants.state_of(s, B).paid_fen == 0 and grants.release_refusal(s, B, 1) is None
        grants.release(s, fm1, book, B, 1, D(2026, 3, 23))
        first_release = pending.id
    _approve_pending(fund)
    with fund.tx() as s:  # an administrator resubmits the rejected first release: it never posts as well
        book = fund.book(s)
        old = entries.get_entry(s, book, first_release)
        entries.submit_entry(s, users.get_user(s, "root"), book, old)
    with fund.tx() as s:
        book = fund.book(s)
        entries.approve_entry(s, fund.user(s, "fm1"), book, entries.get_entry(s, book, first_release))
    with pytest.raises(InvalidState, match="released again"), fund.tx() as s:
        book = fund.book(s)
        entries.approve_entry(s, fund.user(s, "fm2"), book, entries.get_entry(s, book, first_release))
    with fund.tx() as s:  # so the approver sends it back again
        book = fund.book(s)
        entries.reject_entry(s, fund.user(s, "fm2"), book, entries.get_entry(s, book, first_release), "已另行拨付")
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        B = grants.get_application(s, book, b)
        assert grants.state_of(s, B).paid_fen == to_fen("30000.00") and grants.release_refusal(s, B, 1) is not None
        report = grants.record_report(s, fund.user(s, "clerk"), book, B, 1, "厨房设备到位",
                                      [("厨房设备", to_fen("28000.00"), "发票 No.77")], D(2026, 3, 24))
        grants.decide_report(s, fm1, book, report, True, D(2026, 3, 24))
    with fund.tx() as s:  # 2,000.00 held and 15,000.00 never paid: returned, 17,000.00 of lines
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        closure = grants.close_grant(s, fm1, book, grants.get_application(s, book, b), "return", D(2026, 3, 25), "项目终止")
        assert closure.entry.status == "submitted"
        entries.reject_entry(s, fund.user(s, "fm2"), book, closure.entry, "请附退款回单后重新提交")
    with fund.tx() as s:
        book, fm1 = fund.book(s), fund.user(s, "fm1")
        B = grants.get_application(s, book, b)
        assert grants.rebook_refusal(s, B, "award") is not None  # closed: the commitment is not booked again
        row = grants.rebook(s, fm1, book, B, "close", D(2026, 3, 26), "已取得退款回单")
        assert row.entry.status == "submitted"
        rejected_close = row.rejected_entry_id
    _approve_pending(fund)
    with fund.tx() as s:  # the rejected closing entry, resubmitted by an administrator, never posts as well
        book = fund.book(s)
        old = entries.get_entry(s, book, rejected_close)
        entries.submit_entry(s, users.get_user(s, "root"), book, old)
        entries.approve_entry(s, fund.user(s, "fm1"), book, old)
    with pytest.raises(InvalidState, match="booked again"), fund.tx() as s:
        book = fund.book(s)
        entries.approve_entry(s, fund.user(s, "fm2"), book, entries.get_entry(s, book, rejected_close))
    with fund.tx() as s:
        book = fund.book(s)
        entries.reject_entry(s, fund.user(s, "fm2"), book, entries.get_entry(s, book, rejected_close), "已重新提交")
    with fund.tx() as s:
        assert grants.closure_entry(s, grants.get_application(s, fund.book(s), b)).status == "posted"
        assert _balance(s, "1002") == to_fen("120000.00") - to_fen("30000.00") + to_fen("2000.00")
        assert _balance(s, "2206") == -to_fen("40000.00")  # A's award only; B's unpaid commitment released
        assert s.scalar(select(func.count(Entry.id)).where(Entry.status == "posted", Entry.source == "grant")) == 4


def test_the_office_offers_booking_a_rejected_commitment_again_to_fund_managers_only(fund, db_url, tmp_path):
    from tests.conftest import SignedIn, back_office

    pid, a, b, c = _round(fund)
    with fund.tx() as s:
        book = fund.book(s)
        grants.decide(s, fund.user(s, "fm1"), book, grants.get_application(s, book, c), "award", "屋顶花园",
                      D(2026, 3, 21), amount_fen=to_fen("15000.00"))
    with fund.tx() as s:
        book = fund.book(s)
        entries.reject_entry(s, fund.user(s, "fm2"), book, grants.award_entry(s, grants.get_application(s, book, c)),
                             "决定日期有误")
    with back_office(db_url, tmp_path) as app:
        page = f"/books/{CODE}/grants/applications/{c}"
        clerk_sees = SignedIn(app, "clerk").get(page).text
        assert 'data-testid="award-rejected"' in clerk_sees and "决定日期有误" in clerk_sees
        assert 'data-testid="rebook-award"' not in clerk_sees and 'data-testid="release-1"' not in clerk_sees
        fm1 = SignedIn(app, "fm1")
        assert 'data-testid="rebook-award"' in fm1.get(page).text
        done = fm1.post(f"{page}/rebook", {"kind": "award", "booked_on": "2026-03-22", "reason": "改正日期"})
        assert done.status_code == 302
        after = fm1.get(page).text
        assert 'data-testid="rebook-award"' not in after and 'data-testid="award-rejected"' not in after
    with fund.tx() as s:
        entry = grants.award_entry(s, grants.get_application(s, fund.book(s), c))
        assert entry.status == "submitted" and entry.date == D(2026, 3, 22)
