"""Micro-projects on the public site (issue 10): a pool, a project, donations (one anonymous, one with a payment
reference), the project settled and its matches posted, an expense with a reviewed voucher and one whose voucher
nobody reviewed yet, published by the services; then the public site's pages, read with its test client: the
figures to the fen, the donor wall without the anonymous donor's name, no phone or reference anywhere, "track my
donation" by receipt code (and one 404 for every code that opens nothing), documents whose signature fails refused,
lookups rate-limited per address."""
from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
from PIL import ExifTags, Image

from sqlalchemy import select

from ledger.db.schema import Attachment, FunderCode
from ledger.domain.money import to_fen
from ledger.services import project_spending, projects, vouchers

from .test_privacy_crawl import crawl, texts_of
from .test_projects import D, PHONES, fund  # noqa: F401  (the fixture)

SECRET_NAME = "不该出现的名字"  # the anonymous donor's name as typed: never public
REFERENCE = "WX-4200001"
NEEDLES = ("13800138000", "138 0013 8000", "13900001111", "139-0000-1111", "13700000002", "13600000003", REFERENCE,
           SECRET_NAME)


def _receipt_image(text_exif: str) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = text_exif
    buf = io.BytesIO()
    Image.new("RGB", (640, 400), (250, 250, 240)).save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def _expense(f, s, store, summary, amount, reviewed: bool, line="涂料"):
    """A spend against a budget line with its voucher (services/project_spending.py), approved."""
    book = f.book(s)
    budget_line = project_spending.budget_line_by_label(projects.get_project(s, book, "P1"), line)
    prepared = vouchers.prepare_voucher(_receipt_image(f"收款人 {PHONES['A']}"), "发票.jpg", 20 << 20)
    e = project_spending.record_spend(s, f.u(s, "t1"), book, "P1", [(budget_line.id, to_fen(amount))], "5201", "1002",
                                      D(2026, 3, 20), summary, [prepared], store)
    att = s.scalar(select(Attachment).where(Attachment.entry_id == e.id))
    f.approve(s, e.id)
    if reviewed:  # the fund manager looked and found nothing to cover
        vouchers.redact_voucher(s, f.u(s, "fm1"), book, s.get(Attachment, att.id), [], store)
    return e


@pytest.fixture
def published(fund, tmp_path):  # noqa: F811
    """P1 (goal 1,000.00, stretch 1,500.00) raised 1,005.00 and matched 700.00, settled, two expenses, published."""
    f = fund
    store = vouchers.VoucherStore(tmp_path / "vouchers")
    with f.tx() as s:
        projects.create_project(s, f.u(s, "t1"), f.book(s), pool_code="GOV", rule_version=1, code="P1",
                                title="3 栋楼道粉刷", goal_fen=to_fen("1000.00"), stretch_fen=to_fen("1500.00"),
                                deadline=D(2026, 3, 31), funding_mode="all_or_nothing", area="3 栋",
                                story="把 3 栋楼道刷白。\n第二段：由居民志愿者监督施工。",
                                budget_lines=[("涂料", to_fen("600")), ("人工", to_fen("400"))])
    codes = {}
    codes["A1"], _ = f.donate("P1", "A", "200.00", name="王阿姨")
    codes["A2"], _ = f.donate("P1", "A", "200.00", name="王阿姨")  # A's cap of 300: matched 100.00
    codes["B"], _ = f.donate("P1", "B", "500.00", reference=REFERENCE, name="李先生")  # capped at 300.00
    codes["C"], _ = f.donate("P1", "C", "5.00", channel="cash", anonymous=True, name=SECRET_NAME)  # below the minimum
    codes["E"], _ = f.donate("P1", "E", "100.00", channel="bank", name="张师傅")
    with f.tx() as s:
        project = projects.settle_project(s, f.u(s, "fm1"), f.book(s), "P1", D(2026, 3, 10), publish_root=f.root)
        f.approve(s, project.settle_entry_id)
    with f.tx() as s:
        _expense(f, s, store, "购涂料", "600.00", reviewed=True)
        _expense(f, s, store, "付人工费（凭证待审）", "123.45", reviewed=False, line="人工")
        projects.publish_project(s, f.u(s, "t1"), f.book(s), "P1", f.root, store)
    return f, codes


@pytest.fixture
def public(published, db_url):
    from public_site import create_app

    f, codes = published
    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(f.root), "TESTING": True})
    yield app, app.test_client(), f, codes
    app.extensions["ledger_engine"].dispose()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_project_page_shows_figures_to_the_fen_wall_rule_budget_and_expenses_with_vouchers(public):
    _app, client, f, _codes = public
    listed = client.get("/CF/projects/")
    assert listed.status_code == 200
    card = _text(listed.text.split('data-testid="project-P1"')[1].split("</section>")[0])
    assert "3 栋楼道粉刷" in card and "1,005.00 / 1,000.00" in card and "700.00" in card and "已达成" in card
    assert 'max="100000" value="100000"' in listed.text  # the bar: the goal reached (1,005.00 of 1,000.00)
    assert client.get("/CF/projects/P1").status_code == 308  # the address without its slash leads to the page
    page = client.get("/CF/projects/P1/")
    assert page.status_code == 200 and "nosniff" == page.headers["X-Content-Type-Options"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"] and page.headers["ETag"]
    html = page.text
    for testid, shown in [("figure-raised", "1,005.00"), ("figure-matched", "700.00"), ("figure-goal", "1,000.00"),
                          ("figure-stretch", "1,500.00"), ("figure-deadline", "2026-03-31"), ("percent", "100%"),
                          ("budget-total", "1,000.00"), ("spent", "723.45"), ("area", "3 栋")]:
        assert re.search(rf'data-testid="{testid}">{re.escape(shown)}(?![\d,.])', html), testid
    assert "由居民志愿者监督施工" in html and "全有或全无" in html
    wall = _text(html.split('data-testid="wall">')[1].split("</ul>")[0])
    assert wall.split() == ["王阿姨", "400.00", "李先生", "500.00", "匿名", "5.00", "张师傅", "100.00"]
    assert "你捐 100 元，武侯区政府再配 100 元" in html  # the rule in plain Chinese, from the rule itself
    assert "估算" not in html  # a ratio rule: the match is not an estimate
    budget = _text(html.split('data-testid="budget"')[1].split("</table>")[0])
    assert "涂料 600.00" in budget and "人工 400.00" in budget
    expenses = html.split('data-testid="expense"')[1:]
    assert len(expenses) == 2 and "购涂料" in expenses[0] and "600.00" in expenses[0]
    image = re.search(r'<img class="voucher-thumb" src="([^"]+)"', expenses[0]).group(1)
    got = client.get(image)
    assert got.status_code == 200 and got.mimetype == "image/jpeg" and "immutable" in got.headers["Cache-Control"]
    assert hashlib.sha256(got.data).hexdigest() == image.rsplit("/", 1)[1].removesuffix(".jpg")
    assert "13800138000" not in repr(dict(Image.open(io.BytesIO(got.data)).getexif()))  # EXIF stripped
    # the voucher nobody reviewed is counted, never shown or copied
    assert "123.45" in expenses[1] and 'data-testid="voucher-waiting"' in expenses[1] and "voucher-thumb" not in expenses[1]
    assert len(list((f.root / "CF/projects/P1/vouchers").iterdir())) == 1
    assert client.get(re.sub(r"[0-9a-f]{64}", "0" * 64, image)).status_code == 404
    # the signed document itself, for anyone who checks it
    doc = client.get("/CF/projects/P1/progress.json")
    assert doc.status_code == 200 and json.loads(doc.data)["raised"] == "1005.00"
    assert client.get("/CF/projects/P1/progress.sig").data.strip() == (f.root / "CF/projects/P1/progress.sig").read_bytes().strip()
    english = client.get("/en/CF/projects/P1/").text
    assert "Donor wall" in english and "1,005.00" in english and "you give 100" in english.lower()
    assert client.get("/CF/projects/NOPE/").status_code == 404 and client.get("/XX/projects/").status_code == 404
    # the book's page links to its projects; the home page too (a fund book may publish no month)
    home = client.get("/").text
    assert 'href="/CF/projects/"' in home


def test_track_my_donation_by_receipt_code(public):
    _app, client, _f, codes = public
    page = client.get(f"/CF/track/{codes['A2']}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "ETag" not in page.headers and "noindex" in page.headers["X-Robots-Tag"]
    html = page.text
    for testid, shown in [("donation-amount", "200.00"), ("donation-date", "2026-03-05"), ("donation-status", "已收到"),
                          ("match-amount", "100.00"), ("figure-raised", "1,005.00"), ("figure-matched", "700.00"),
                          ("figure-goal", "1,000.00"), ("figure-deadline", "2026-03-31"), ("receipt-code", codes["A2"])]:
        assert re.search(rf'data-testid="{testid}">{re.escape(shown)}(?![\d,.])', html), testid
    assert "已拨付" in _text(html.split('data-testid="match-status"')[1].split("</p>")[0])
    assert "已到每人在本项目的配捐上限" in html  # why it is 100.00 and not 200.00
    assert "购涂料" in html and "voucher-thumb" in html and "王阿姨" not in html  # no donor name on the receipt page
    assert client.get(f"/CF/track/{codes['A2'].lower()}").status_code == 200  # typed from paper, in lower case
    typed = client.get(f"/CF/track/?receipt={codes['A2'][:6]} {codes['A2'][6:].lower()}")
    assert typed.status_code == 303 and typed.headers["Location"].endswith(f"/CF/track/{codes['A2']}")
    below = client.get(f"/CF/track/{codes['C']}").text
    assert re.search(r'data-testid="match-amount">0.00(?![\d,.])', below) and "低于最低捐款额" in below
    assert SECRET_NAME not in below
    # a malformed code, an unknown one, an unknown book: one and the same answer, saying nothing of other codes
    answers = [client.get(u) for u in ("/CF/track/JZ-22222-22222", "/CF/track/abc", "/CF/track/..%2F..%2Fetc",
                                       f"/NOPE/track/{codes['A2']}", "/CF/track/?receipt=nothing")]
    for a in answers:
        assert a.status_code == 404 and a.headers["Cache-Control"] == "no-store"
        assert "找不到这张收据" in a.text and "No such receipt" in a.text
    main = {re.search(r"<main.*</main>", a.text, re.S).group(0) for a in answers}
    assert len(main) == 1


def test_a_document_whose_signature_fails_is_refused(public):
    _app, client, f, codes = public
    progress = f.root / "CF/projects/P1/progress.json"
    progress.write_bytes(progress.read_bytes().replace(b'"raised":"1005.00"', b'"raised":"9005.00"'))
    refused = client.get("/CF/projects/P1/")
    assert refused.status_code == 503 and "未通过签名核验" in refused.text and "9,005.00" not in refused.text
    assert client.get("/CF/projects/P1/progress.json").status_code == 503
    assert client.get(f"/CF/track/{codes['A1']}").status_code == 503
    listed = client.get("/CF/projects/").text
    assert 'data-testid="refused"' in listed and "9,005.00" not in listed and 'data-testid="project-P1"' not in listed
    receipt = f.root / f"CF/receipts/{codes['E']}.json"  # the book's signature of another receipt does not fit it
    receipt.write_bytes((f.root / f"CF/receipts/{codes['B']}.json").read_bytes())
    (f.root / f"CF/receipts/{codes['E']}.sig").write_bytes((f.root / f"CF/receipts/{codes['B']}.sig").read_bytes())
    assert client.get(f"/CF/track/{codes['E']}").status_code == 503


def test_lookups_are_rate_limited_per_address(published, db_url):
    from public_site import create_app

    f, codes = published
    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(f.root), "TESTING": True,
                      "TRACK_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    try:
        answers = [client.get(f"/CF/track/JZ-2222{n}-22222").status_code for n in range(3)]
        assert answers == [404, 404, 404]
        stopped = client.get(f"/CF/track/{codes['A1']}")  # the right code too, once the address used its lookups
        assert stopped.status_code == 429 and "Too many lookups" in stopped.text and stopped.headers["Cache-Control"] == "no-store"
        other = client.get(f"/CF/track/{codes['A1']}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert other.status_code == 200
        assert client.get("/CF/projects/P1/").status_code == 200  # project pages are not limited
    finally:
        app.extensions["ledger_engine"].dispose()


def test_statuses_voided_clawed_back_and_a_quadratic_estimate(fund, db_url):  # noqa: F811
    from public_site import create_app

    f = fund
    with f.tx() as s:
        projects.add_rule(s, f.u(s, "fm1"), f.book(s), "GOV", {"kind": "quadratic", "version": 2, "pool": "1000.00",
                                                                "cap_share": "0.6"})
    for code, goal, mode, version in (("F1", "2000.00", "all_or_nothing", 1), ("K1", "300.00", "keep_what_you_raise", 1),
                                      ("Q1", "100.00", "keep_what_you_raise", 2), ("Q2", "100.00", "keep_what_you_raise", 2)):
        with f.tx() as s:
            projects.create_project(s, f.u(s, "t1"), f.book(s), pool_code="GOV", rule_version=version, code=code,
                                    title=f"项目{code}", goal_fen=to_fen(goal), deadline=D(2026, 3, 15), funding_mode=mode)
    failed, _ = f.donate("F1", "A", "123.45")
    kept, _ = f.donate("K1", "B", "100.00")
    for who in "ABCE":
        quad, _ = f.donate("Q1", who, "100.00")
    f.donate("Q2", "F", "400.00")
    with f.tx() as s:
        projects.settle_project(s, f.u(s, "fm1"), f.book(s), "F1", D(2026, 3, 16), publish_root=f.root)
        projects.refund_donation(s, f.u(s, "t1"), f.book(s), kept, "捐款人撤回", date=D(2026, 3, 6), publish_root=f.root)
    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(f.root), "TESTING": True})
    client = app.test_client()
    try:
        voided = client.get(f"/CF/track/{failed}").text
        assert "已作废" in voided and "已全额退还" in voided and re.search(r'data-testid="match-amount">123.45(?![\d,.])', voided)
        clawed = client.get(f"/CF/track/{kept}").text
        assert "已收回" in clawed and "捐款退还时收回配捐 100.00 元" in clawed and "已全额退还" in clawed
        estimate = client.get(f"/CF/track/{quad}").text
        assert "配捐额在本轮二次方配捐结束时确定" in estimate and "600.00" in estimate  # Q1's estimate (capped at 60%)
        project = client.get("/CF/projects/Q1/").text
        assert 'data-testid="estimate-note"' in project and re.search(r'data-testid="figure-matched">600.00(?![\d,.])', project)
        assert "配捐（估算）" in project
    finally:
        app.extensions["ledger_engine"].dispose()


@pytest.mark.parametrize("copy", ["live", "static"])
def test_no_donor_phone_reference_or_anonymous_name_in_any_public_page(public, tmp_path, copy):
    from public_site.static_export import export_static, target_of

    app, client, _f, codes = public

    def live(path):
        response = client.get(path)
        data = response.get_data()
        response.close()
        return response.status_code, data

    def static(path):
        where = target_of(tmp_path / "static", path)
        return (200, where.read_bytes()) if where.is_file() else (404, b"")

    if copy == "static":
        export_static(app, tmp_path / "static")
    found = crawl(live if copy == "live" else static)
    assert {"/CF/projects/", "/CF/projects/P1/", "/CF/projects/P1/progress.json"} <= set(found)
    assert any(p.endswith(".jpg") for p in found)
    assert "/CF/pools/GOV/" in found  # the matching pool's account, linked from the project's page
    for code in codes.values():  # the receipts' pages, which nothing links to
        found[f"/CF/track/{code}"] = texts_of("track", client.get(f"/CF/track/{code}").data)
    with _f.tx() as s:  # the funders' pages, which nothing links to either
        funders = list(s.scalars(select(FunderCode.code)))
    assert len(funders) == 4
    for code in funders:
        page = client.get(f"/CF/funder/{code}")
        assert page.status_code == 200
        found[f"/CF/funder/{code}"] = texts_of("funder", page.data)
        for shown in ("王阿姨", "李先生", "张师傅", "匿名"):  # not even the names chosen for the wall
            assert shown not in page.text and shown not in found["/CF/pools/GOV/"][0]
    leaks = [f"{n} in {p}" for p, texts in found.items() for t in texts for n in NEEDLES if n in t]
    assert leaks == []
    everything = "\n".join(t for texts in found.values() for t in texts)
    assert "匿名" in everything and "1,005.00" in everything and "购涂料" in everything
