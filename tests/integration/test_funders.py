"""A funder's view across projects, a matching pool's public account, and the freshness of every signed project
document (issue 10): a donor with gifts to two projects gets one funder code (on the receipt PDF), a page listing
every gift with its match and each project's figures, refreshed whenever one of those projects is published; the
pool's page shows its money and each project's matches; no name, phone or payment reference on either; an older
signed document put back in the folder is refused."""
from __future__ import annotations

import re

import pypdfium2
import pytest
from sqlalchemy import select

from ledger.db.schema import FunderCode, PublishedDocument
from ledger.domain.money import to_fen
from ledger.services import projects

from .test_privacy_crawl import crawl, texts_of
from .test_projects import D, PHONES, fund  # noqa: F401  (the fixture)

REFERENCE = "ALI-9900771"
NEEDLES = ("13800138000", "138 0013 8000", "13900001111", "139-0000-1111", "13700000002", REFERENCE, "王阿姨", "李先生",
           "不公开的名字")


def _create(f, code, goal, mode, deadline=D(2026, 3, 31)):
    with f.tx() as s:
        projects.create_project(s, f.u(s, "t1"), f.book(s), pool_code="GOV", rule_version=1, code=code,
                                title=f"{code} 项目", goal_fen=to_fen(goal), deadline=deadline, funding_mode=mode)


@pytest.fixture
def two(fund):  # noqa: F811
    """A gives to P1 and P2, B to P2 (with a payment reference), C anonymously to P1; A's P2 gift partly refunded."""
    f = fund
    _create(f, "P1", "1000.00", "all_or_nothing")
    _create(f, "P2", "300.00", "keep_what_you_raise", deadline=D(2026, 3, 20))
    codes = {}
    codes["A1"], m_a1 = f.donate("P1", "A", "200.00", name="王阿姨")
    codes["A2"], m_a2 = f.donate("P2", "A", "150.00", name="王阿姨", date=D(2026, 3, 6))
    codes["B"], _ = f.donate("P2", "B", "100.00", name="李先生", reference=REFERENCE)
    codes["C"], _ = f.donate("P1", "C", "50.00", anonymous=True, name="不公开的名字")
    with f.tx() as s:
        projects.refund_donation(s, f.u(s, "t1"), f.book(s), codes["A2"], "捐款人要求退回一部分", amount_fen=to_fen("50.00"),
                                 date=D(2026, 3, 7), publish_root=f.root)
    assert (m_a1, m_a2) == (20000, 15000)  # 1:1, the per-donor cap (300.00) is per project
    return f, codes


def _code(f, who):
    with f.tx() as s:
        return s.scalar(select(FunderCode.code).where(FunderCode.donor_key == projects.donor_key(s, PHONES[who])))


@pytest.fixture
def site(two, db_url):
    from public_site import create_app

    f, codes = two
    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(f.root), "TESTING": True})
    yield app.test_client(), f, codes
    app.extensions["ledger_engine"].dispose()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_one_funder_code_per_donor_per_book_printed_on_every_receipt(two):
    f, codes = two
    a, b = _code(f, "A"), _code(f, "B")
    assert re.fullmatch(r"JF-[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}", a) and a != b
    with f.tx() as s:
        assert s.scalar(select(FunderCode.id).where(FunderCode.code == a)) is not None
        assert len(list(s.scalars(select(FunderCode)))) == 3  # A, B and C: one each, A's two gifts share theirs
        for receipt in ("A1", "A2"):
            pdf = projects.receipt_pdf(s, f.u(s, "t1"), f.book(s), codes[receipt])
            text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(pdf))
            assert "你在本社区的全部捐赠" in text and f"/CF/funder/{a}" in re.sub(r"\s+", "", text)


def test_the_funders_page_lists_every_gift_across_projects_with_matches_and_totals(site):
    client, f, codes = site
    a = _code(f, "A")
    page = client.get(f"/CF/funder/{a}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"]
    html = page.text
    for testid, shown in [("total-given", "350.00"), ("total-refunded", "50.00"), ("total-projects", "2"),
                          ("total-matched", "300.00")]:
        assert re.search(rf'data-testid="{testid}">{re.escape(shown)}(?![\d,.])', html), (testid, _text(html))
    rows = [_text(r) for r in html.split('data-testid="donation-row"')[1:]]
    assert len(rows) == 2
    assert "2026-03-05" in rows[0] and "P1 项目" in rows[0] and "200.00" in rows[0] and "待拨付" in rows[0]
    assert "250.00 / 1,000.00" in rows[0]  # P1: A's 200.00 and C's 50.00
    assert "2026-03-06" in rows[1] and "P2 项目" in rows[1] and "150.00" in rows[1] and "50.00" in rows[1]
    assert "200.00 / 300.00" in rows[1]  # P2: 150.00 − 50.00 refunded + B's 100.00
    assert 'href="/CF/projects/P1/"' in html
    for needle in NEEDLES + ("捐款人A", codes["A1"], codes["A2"]):
        assert needle not in html
    # the same 404 for an unknown code, a malformed one, one with a slash and an unknown book
    for path in ("/CF/funder/JF-22222-22222", "/CF/funder/nope", f"/CF/funder/{a}/x", f"/XX/funder/{a}"):
        missing = client.get(path)
        assert missing.status_code == 404 and missing.headers["Cache-Control"] == "no-store"
        assert 'data-testid="not-found"' in missing.text
    assert client.get(f"/CF/funder/{a.lower()}").status_code == 200  # typed from paper
    english = client.get(f"/en/CF/funder/{a}").text
    assert "Your donations in this community" in english


def test_publishing_one_project_refreshes_its_donors_documents_across_projects(two):
    import json

    f, _codes = two
    a = _code(f, "A")
    doc = lambda: json.loads((f.root / f"CF/funders/{a}.json").read_bytes())  # noqa: E731
    assert [d["project_status"] for d in doc()["donations"]] == ["open", "open"]
    with f.tx() as s:  # P2 settled without publishing anything
        project = projects.settle_project(s, f.u(s, "fm1"), f.book(s), "P2", D(2026, 3, 21))
        f.approve(s, project.settle_entry_id)
    assert [d["project_status"] for d in doc()["donations"]] == ["open", "open"]
    with f.tx() as s:  # publishing P1 rewrites A's document, P2's gift included
        projects.publish_project(s, f.u(s, "t1"), f.book(s), "P1", f.root)
    got = doc()["donations"]
    assert [d["project_status"] for d in got] == ["open", "funded"] and got[1]["match_status"] == "posted"
    assert got[1]["match"] == "100.00" and got[1]["match_clawed_back"] == "50.00"
    assert set(doc()) == {"book", "funder", "donations", "totals"}
    assert not {"name", "display_name", "phone", "reference", "receipt", "donor_key"} & set(got[0])


def test_the_pools_page_shows_its_money_and_each_projects_matches(site):
    client, f, _codes = site
    assert client.get("/CF/pools/GOV").status_code == 308
    page = client.get("/CF/pools/GOV/")
    assert page.status_code == 200 and "nosniff" == page.headers["X-Content-Type-Options"]
    html = page.text
    # matches: A1 200.00, A2 150.00 less 50.00 clawed back, B 100.00, C 50.00 — all pending
    for testid, shown in [("pool-held", "5,000.00"), ("pool-committed", "450.00"), ("pool-pending", "450.00"),
                          ("pool-posted", "0.00"), ("pool-voided", "0.00"), ("pool-clawed", "50.00"),
                          ("pool-remaining", "4,550.00")]:
        assert re.search(rf'data-testid="{testid}">{re.escape(shown)}(?![\d,.])', html), (testid, _text(html))
    p1 = _text(html.split('data-testid="pool-project-P1"')[1].split("</article>")[0])
    p2 = _text(html.split('data-testid="pool-project-P2"')[1].split("</article>")[0])
    assert "250.00 / 1,000.00" in p1 and "250.00" in p1.split("/ 1,000.00")[1]
    assert "200.00 / 300.00" in p2 and "200.00" in p2.split("/ 300.00")[1] and "50.00" in p2
    assert 'href="/CF/projects/P1/"' in html and 'href="/CF/projects/P2/"' in html
    assert "你捐 100 元，武侯区政府再配 100 元" in html and "区财政拨款" in html
    for needle in NEEDLES + ("捐款人A", "捐款人B"):
        assert needle not in html
    project = client.get("/CF/projects/P1/").text
    assert 'href="/CF/pools/GOV/"' in project
    assert client.get("/CF/pools/NOPE/").status_code == 404
    # a deposit shows once the pool is published again
    with f.tx() as s:
        dep = projects.deposit(s, f.u(s, "fm1"), f.book(s), "GOV", to_fen("1000.00"), D(2026, 3, 8), "第二笔拨款")
        f.approve(s, dep.entry_id)
        projects.publish_pool(s, f.u(s, "fm1"), f.book(s), "GOV", f.root)
    html = client.get("/CF/pools/GOV/").text
    assert re.search(r'data-testid="pool-held">6,000.00', html) and "第二笔拨款" in html


def test_an_older_signed_document_put_back_is_refused(site):
    client, f, codes = site
    a = _code(f, "A")
    old = {p: (f.root / p).read_bytes() for p in ("CF/projects/P1/progress.json", "CF/projects/P1/progress.sig",
                                                  f"CF/funders/{a}.json", f"CF/funders/{a}.sig",
                                                  "CF/pools/GOV.json", "CF/pools/GOV.sig",
                                                  f"CF/receipts/{codes['A1']}.json", f"CF/receipts/{codes['A1']}.sig")}
    assert client.get("/CF/projects/P1/").status_code == 200
    f.donate("P1", "A", "10.00", name="王阿姨")  # P1, A's document, the pool's and A1's receipt change
    with f.tx() as s:
        projects.settle_project(s, f.u(s, "fm1"), f.book(s), "P2", D(2026, 3, 21), publish_root=f.root)
    assert client.get("/CF/projects/P1/").status_code == 200
    with f.tx() as s:
        versions = list(s.scalars(select(PublishedDocument.seq).where(
            PublishedDocument.path == "CF/projects/P1/progress.json").order_by(PublishedDocument.seq)))
    assert versions == list(range(1, len(versions) + 1)) and len(versions) >= 2
    for path, data in old.items():  # put back: each still carries a good signature
        (f.root / path).write_bytes(data)
    assert client.get("/CF/projects/P1/").status_code == 503
    assert 'data-testid="unverified"' in client.get("/CF/projects/P1/").text
    assert client.get("/CF/projects/P1/progress.json").status_code == 503
    assert client.get(f"/CF/funder/{a}").status_code == 503
    assert client.get("/CF/pools/GOV/").status_code == 503
    listed = client.get("/CF/projects/")
    assert listed.status_code == 200 and 'data-testid="project-P1"' not in listed.text
    with f.tx() as s:  # published again: shown again
        projects.publish_project(s, f.u(s, "t1"), f.book(s), "P1", f.root)
    assert client.get("/CF/projects/P1/").status_code == 200 and client.get(f"/CF/funder/{a}").status_code == 200


def test_no_phone_name_or_reference_on_the_funder_and_pool_pages(site):
    client, f, _codes = site

    def live(path):
        response = client.get(path)
        data = response.get_data()
        response.close()
        return response.status_code, data

    found = crawl(live, "/CF/pools/GOV/")  # the pool's page and every page it leads to
    assert "/CF/projects/P2/" in found
    private = ("13800138000", "13900001111", "13700000002", REFERENCE, "不公开的名字")
    assert [f"{n} in {p}" for p, texts in found.items() for t in texts for n in private if n in t] == []
    # the funder's and the pool's pages and documents: not even the names a donor chose for the project's wall
    mine = {"/CF/pools/GOV/": found["/CF/pools/GOV/"],
            "CF/pools/GOV.json": texts_of("json", (f.root / "CF/pools/GOV.json").read_bytes())}
    for who in "ABC":
        code = _code(f, who)
        mine[f"/CF/funder/{code}"] = texts_of("funder", client.get(f"/CF/funder/{code}").data)
        mine[f"CF/funders/{code}.json"] = texts_of("json", (f.root / f"CF/funders/{code}.json").read_bytes())
    assert [f"{n} in {p}" for p, texts in mine.items() for t in texts for n in NEEDLES + ("捐款人A", "捐款人B", "捐款人C", "匿名") if n in t] == []


def test_publish_a_pool_from_the_command_line(two, db_url, monkeypatch):
    import json

    from click.testing import CliRunner

    from ledger.cli import main

    f, _codes = two
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    with f.tx() as s:
        dep = projects.deposit(s, f.u(s, "fm1"), f.book(s), "GOV", to_fen("1000.00"), D(2026, 3, 8), "第二笔拨款")
        f.approve(s, dep.entry_id)
    assert json.loads((f.root / "CF/pools/GOV.json").read_bytes())["figures"]["held"] == "5000.00"
    refused = CliRunner().invoke(main, ["projects", "publish-pool", "--book", "CF", "--pool", "GOV", "--as", "t1"])
    assert refused.exit_code != 0  # a treasurer does not manage the pool
    done = CliRunner().invoke(main, ["projects", "publish-pool", "--book", "CF", "--pool", "GOV", "--as", "fm1"])
    assert done.exit_code == 0, done.output
    doc = json.loads((f.root / "CF/pools/GOV.json").read_bytes())
    assert doc["figures"]["held"] == "6000.00" and doc["deposits"][-1] == {
        "date": "2026-03-08", "amount": "1000.00", "note": "第二笔拨款", "status": "posted"}


def test_migration_0020_gives_every_earlier_donor_a_code_and_guards_both_tables(two, engine):
    from alembic import command
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import DBAPIError

    from ledger.db.guards import expected_guards, installed_guards
    from ledger.db.migrate import alembic_config, upgrade

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0019")
    with engine.connect() as conn:
        assert not {"funder_codes", "published_documents"} & set(inspect(conn).get_table_names())
    upgrade(engine)
    with engine.connect() as conn:
        donors = conn.execute(text("SELECT COUNT(DISTINCT donor_key) FROM donations")).scalar()
        codes = conn.execute(text("SELECT code FROM funder_codes")).scalars().all()
        assert donors == 3 and len(codes) == 3 and len(set(codes)) == 3
        assert all(re.fullmatch(r"JF-[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}", c) for c in codes)
        assert installed_guards(conn) >= expected_guards(engine.dialect.name)
    for sql in ("UPDATE funder_codes SET code = 'JF-22222-22222'", "DELETE FROM published_documents"):
        with pytest.raises(DBAPIError), engine.begin() as conn:  # append-only, however written
            conn.execute(text("INSERT INTO published_documents (book_id, path, sha256, seq, published_at) "
                              "SELECT id, 'x.json', 'ab', 1, '2026-03-01' FROM books"))
            conn.execute(text(sql))


def test_funder_lookups_are_rate_limited_per_address(two, db_url):
    from public_site import create_app

    f, _codes = two
    app = create_app({"DATABASE_URL": db_url, "PUBLICATIONS_DIR": str(f.root), "TESTING": True,
                      "TRACK_RATE_LIMIT": "2 per minute"})
    client = app.test_client()
    try:
        assert [client.get(f"/CF/funder/JF-2222{n}-22222").status_code for n in range(2)] == [404, 404]
        stopped = client.get(f"/CF/funder/{_code(f, 'A')}")  # the right code too, once the address used its lookups
        assert stopped.status_code == 429 and stopped.headers["Cache-Control"] == "no-store"
        assert client.get(f"/CF/funder/{_code(f, 'A')}", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
        assert client.get("/CF/pools/GOV/").status_code == 200  # the pool's account is not limited
    finally:
        app.extensions["ledger_engine"].dispose()


def test_two_publications_written_out_of_order_leave_the_newer_in_the_folder(site, engine):
    """Publications commit in the order of the book's lock, but write their files after: the earlier one's writer
    running last must not put its (signed, but older) documents over the newer ones."""
    client, f, _codes = site
    with f.tx() as s:
        earlier = projects.public_documents(s, f.book(s), projects.get_project(s, f.book(s), "P1"))
    f.donate("P1", "E", "30.00")  # P1's figures move
    with f.tx() as s:
        later = projects.public_documents(s, f.book(s), projects.get_project(s, f.book(s), "P1"))
    progress = "CF/projects/P1/progress.json"
    assert earlier[progress] != later[progress]
    projects._write_files(f.root, later, engine)
    projects._write_files(f.root, earlier, engine)  # the earlier writer, last
    assert (f.root / progress).read_bytes() == later[progress]
    assert (f.root / "CF/projects/P1/progress.sig").read_bytes() == later["CF/projects/P1/progress.sig"]
    page = client.get("/CF/projects/P1/")
    assert page.status_code == 200 and "280.00" in page.text  # 200 + 50 + 30 raised
