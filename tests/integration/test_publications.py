"""Publishing a closed month (公示): what it refuses, what it freezes, and that anyone with the book's public
key can check the frozen files; a correction is a new version, the old one stays."""
from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.cli import main
from ledger.db.schema import Attachment
from ledger.domain.chain import publication_message
from ledger.domain.errors import InvalidState, PeriodNotReady, PermissionDenied
from ledger.services import entries, publications, publish_jobs, statements, vouchers

from ..conftest import D
from .test_attack_findings import _raw
from .test_vouchers import png


@pytest.fixture
def march(ledger, tmp_path):
    """March 2026 of book T1: fees received, a cleaning bill paid with its invoice attached; closed."""
    store = vouchers.VoucherStore(tmp_path / "v")
    ledger.post(D(2026, 3, 2), "收3月物业费", ("1002", "GEN", "5000.00"), ("4101", "GEN", "-5000.00"))
    with ledger.tx() as s:
        book = ledger.book(s)
        entry = entries.create_entry(s, ledger.user(s, "maker"), book, ledger.entry_input(
            D(2026, 3, 10), "3月保洁费", ("5101", "GEN", "1200.00"), ("1002", "GEN", "-1200.00")))
        att_id = vouchers.upload_voucher(s, ledger.user(s, "maker"), book, entry, png(size=(600, 300)), "保洁发票.png",
                                         store, 20 << 20).id
        entries.submit_entry(s, ledger.user(s, "maker"), book, entry)
        entries.approve_entry(s, ledger.user(s, "approver1"), book, entry)
    ledger.close(2026, 3)
    return store, att_id


def _publish(ledger, store, root, who="approver1", year=2026, month=3):
    with ledger.tx() as s:
        return publications.publish(s, ledger.user(s, who), ledger.book(s), year, month, store, root)


def test_only_a_closed_month_whose_vouchers_were_reviewed_is_published(ledger, march, tmp_path):
    store, att_id = march
    root = tmp_path / "pub"
    ledger.post(D(2026, 4, 2), "收4月物业费", ("1002", "GEN", "5000.00"), ("4101", "GEN", "-5000.00"))
    with pytest.raises(PeriodNotReady, match="not closed"):
        _publish(ledger, store, root, month=4)
    with pytest.raises(InvalidState) as waiting:  # the invoice's public copy is still the one made at upload
        _publish(ledger, store, root)
    assert "记-2026-03-0002" in waiting.value.message_zh and "保洁发票.png" in waiting.value.message_zh
    with pytest.raises(PermissionDenied):
        _publish(ledger, store, root, who="maker")
    assert not root.exists() or not any(root.rglob("manifest.json"))  # nothing was written
    with ledger.tx() as s:  # the committee looks and finds nothing to hide: a copy with no boxes
        vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id), [], store)
    assert _publish(ledger, store, root).version == 1


def test_a_publication_is_a_signed_manifest_of_files_anyone_can_check_with_the_public_key(ledger, march, tmp_path):
    store, att_id = march
    root = tmp_path / "pub"
    with ledger.tx() as s:
        vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id),
                                [{"page": 1, "x": 0.1, "y": 0.1, "w": 0.3, "h": 0.2}], store)
    pub = _publish(ledger, store, root)
    folder = root / pub.folder
    manifest_bytes = (folder / "manifest.json").read_bytes()
    manifest = json.loads(manifest_bytes)
    assert hashlib.sha256(manifest_bytes).hexdigest() == pub.manifest_sha256
    for f in manifest["files"]:  # every file is what the manifest says
        data = (folder / f["path"]).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (f["sha256"], f["size"])
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(manifest["public_key"]))
    key.verify(bytes.fromhex((folder / "manifest.sig").read_text().strip()),
               publication_message("T1", "2026-03", 1, pub.manifest_sha256))  # raises if it does not verify
    with ledger.tx() as s:
        head = s.execute(text("SELECT chain_seq, hash FROM book_heads")).one()
        figures = statements.activities(s, ledger.book(s), statements.month_range(2026, 3))
    assert (manifest["chain_seq"], manifest["chain_head"]) == (head[0], head[1]) == (2, pub.chain_head)
    posted = json.loads((folder / "entries.json").read_text("utf-8"))
    assert [e["number"] for e in posted] == ["记-2026-03-0001", "记-2026-03-0002"]
    pages = posted[1]["voucher_pages"]
    assert len(pages) == 1 and (folder / pages[0]).is_file()  # the redacted page, never the original
    assert not any(p.name == "保洁发票.png" for p in folder.rglob("*"))
    doc = json.loads((folder / "statements.json").read_text("utf-8"))
    assert doc["activities"]["totals_fen"] == figures.totals and doc["activities"]["totals_fen"]["change"]["total"] == 380000


def test_a_correction_is_a_new_version_and_the_old_one_stays_marked_superseded(ledger, march, tmp_path, db_url, monkeypatch):
    store, att_id = march
    with ledger.tx() as s:
        vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id), [], store)
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    monkeypatch.setenv("LEDGER_PUBLICATIONS_DIR", str(tmp_path / "pub"))
    monkeypatch.setenv("LEDGER_VOUCHER_DIR", str(tmp_path / "v"))
    first = CliRunner().invoke(main, ["publish", "--book", "T1", "--period", "2026-03", "--as", "approver1", "--format", "json"])
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(main, ["publish", "--book", "T1", "--period", "2026-03", "--as", "approver2", "--format", "json"])
    assert second.exit_code == 0, second.output
    assert json.loads(second.output)["version"] == 2 and json.loads(first.output)["version"] == 1
    listed = json.loads(CliRunner().invoke(main, ["publications", "list", "--book", "T1", "--format", "json"]).output)
    assert [(p["version"], p["superseded"]) for p in listed] == [(2, False), (1, True)]
    refused = CliRunner().invoke(main, ["publish", "--book", "T1", "--period", "2026-03", "--as", "maker"])
    assert refused.exit_code == 1 and "公示" in refused.output


@pytest.mark.parametrize("sql", ["UPDATE publications SET manifest_sha256 = 'x'", "DELETE FROM publication_files",
                                 "DELETE FROM publications"])
def test_publications_cannot_be_changed_or_removed_by_sql(ledger, march, tmp_path, engine, sql):
    store, att_id = march
    with ledger.tx() as s:
        vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id), [], store)
    _publish(ledger, store, tmp_path / "pub")
    with pytest.raises(Exception, match="append-only"):
        _raw(engine, sql, guards_off=False)


@pytest.mark.parametrize("how", ["cryptography", "openssl"])
def test_the_export_checks_itself_with_verify_py_and_names_one_changed_byte(ledger, march, tmp_path, db_url,
                                                                             monkeypatch, how):
    """`ledger publications export` writes the files and verify.py; `python3 verify.py` says OK (checking the
    signatures with the cryptography package, or with openssl when told to), and names the file after one byte of
    it is changed, or the signature after the manifest is."""
    import shutil
    import subprocess
    import sys

    store, att_id = march
    with ledger.tx() as s:
        vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id), [], store)
    _publish(ledger, store, tmp_path / "pub")
    monkeypatch.setenv("LEDGER_DATABASE_URL", db_url)
    monkeypatch.setenv("LEDGER_PUBLICATIONS_DIR", str(tmp_path / "pub"))
    out = tmp_path / "export"
    done = CliRunner().invoke(main, ["publications", "export", "--book", "T1", "--period", "2026-03", "--out", str(out)])
    assert done.exit_code == 0, done.output
    env = dict(VERIFY_WITH=how, PATH="/usr/bin:/bin")

    def run(folder):
        return subprocess.run([sys.executable, "-I", str(folder / "verify.py")], capture_output=True, text=True, env=env)

    ok = run(out)
    assert ok.returncode == 0 and ok.stdout.strip().endswith("change in net assets 3800.00"), ok.stdout + ok.stderr
    assert f"signatures checked with {'the cryptography package' if how == 'cryptography' else 'openssl pkeyutl'}" in ok.stdout
    for victim, words in (("entries.json", "entries.json is not the file the manifest lists"),
                          ("manifest.json", "manifest.sig is not the book key's signature")):
        copy = tmp_path / f"copy-{victim}"
        shutil.copytree(out, copy)
        data = bytearray((copy / victim).read_bytes())
        data[len(data) // 2] ^= 0x01
        (copy / victim).write_bytes(bytes(data))
        bad = run(copy)
        assert bad.returncode == 1 and words in bad.stdout, bad.stdout + bad.stderr


def test_the_committee_reviews_the_voucher_and_publishes_the_month_from_its_page(ledger, march, app, sign_in, tmp_path):
    """On the closed month's page: the voucher waiting for review is named; 无需遮盖 on its redaction page; then
    the publish button (for the committee only), and the published version listed."""
    _store, att_id = march
    app.config["PUBLICATIONS_DIR"], app.config["JOBS_DIR"] = str(tmp_path / "pub"), str(tmp_path / "jobs")
    with ledger.tx() as s:
        entry_id = s.get(Attachment, att_id).entry_id
    member, treasurer = sign_in("approver1"), sign_in("maker")
    month = member.get("/books/T1/periods/2026-03").text
    assert "以下原始凭证尚未审查遮盖" in month and "保洁发票.png" in month and "/periods/2026-03/publish" not in month
    redact = f"/books/T1/entries/{entry_id}/vouchers/{att_id}/redact"
    assert "无需遮盖：按原样公示" in member.get(redact).text
    assert member.post(redact, {"redactions": "[]"}, page=redact).status_code in (302, 303)
    month = member.get("/books/T1/periods/2026-03").text
    assert "尚未审查遮盖" not in month and 'action="/books/T1/periods/2026-03/publish"' in month
    by_treasurer = treasurer.get("/books/T1/periods/2026-03").text
    assert "/periods/2026-03/publish" not in by_treasurer  # no button the service refuses,
    assert 'data-testid="who-publishes"' in by_treasurer and "公示由以下人员发布" in by_treasurer  # but who can
    assert 'data-testid="correction-note"' not in month  # a first publication is no correction
    started = member.post("/books/T1/periods/2026-03/publish", {}, page="/books/T1/periods/2026-03")
    progress = started.headers["Location"]  # publishing runs off the request: a page follows it
    job_id = progress.rsplit("/", 1)[1]
    assert progress == f"/books/T1/publishing/{job_id}"
    assert publish_jobs.wait(tmp_path / "jobs", job_id, "T1").status == "done"
    shown = member.get(progress).text
    assert "已公示 2026-03（第 1 版）。" in shown and 'data-status="done"' in shown and "http-equiv=\"refresh\"" not in shown
    assert "http://127.0.0.1:5001/T1/2026-03/v1/" in shown
    assert 'href="/books/T1/periods/2026-03/v1/files/poster.pdf" data-testid="print-poster"' in shown  # print it from here
    month = member.get("/books/T1/periods/2026-03").text
    assert 'data-testid="published-v1"' in month and "公示栏海报（PDF）" in month
    assert 'data-testid="correction-note"' in month and "再次公示即为更正：第 2 版在公示网站上取代第 1 版" in month
    poster = member.get("/books/T1/periods/2026-03/v1/files/poster.pdf")  # to print for the lobby
    assert poster.status_code == 200 and poster.data[:4] == b"%PDF" and poster.mimetype == "application/pdf"
    poster.close()
    assert treasurer.get("/books/T1/periods/2026-03/v1/files/manifest.json").status_code == 404  # listed files only
    assert (tmp_path / "pub" / "T1" / "2026-03" / "v1" / "manifest.json").is_file()
    assert member.get("/books/T1/publishing/" + "f" * 32).status_code == 404  # no such job
    assert member.get("/books/T1/publishing/../../etc").status_code == 404


def test_two_jobs_for_the_same_version_publish_once_and_the_second_page_says_why(ledger, march, app, sign_in, tmp_path):
    store, att_id = march
    app.config.update(PUBLICATIONS_DIR=str(tmp_path / "pub"), JOBS_DIR=str(tmp_path / "jobs"), PUBLISH_IN_BACKGROUND=False)
    with ledger.tx() as s:
        vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id), [], store)
    member = sign_in("approver1")
    first = member.post("/books/T1/periods/2026-03/publish", {}, page="/books/T1/periods/2026-03")
    assert "data-status=\"done\"" in member.get(first.headers["Location"]).text
    # A second job started before the first one ended expected version 1 too; it runs after the first.
    job = publish_jobs.Job("a" * 32, "T1", "2026-03", 1, "approver1")
    publish_jobs._save(tmp_path / "jobs", job)
    publish_jobs._run(job, app.extensions["ledger_db"].sessions, store, 2026, 3, tmp_path / "pub", tmp_path / "jobs")
    failed = member.get("/books/T1/publishing/" + "a" * 32).text
    assert 'data-status="failed"' in failed and "已有人发布了第 1 版" in failed and "没有公示任何内容" in failed
    with ledger.tx() as s:
        assert [p.version for p in publications.publications_of(s, ledger.book(s))] == [1]


def test_the_demo_publishes_its_closed_months_with_one_correction_that_checks(db_url, tmp_path, monkeypatch):
    """`ledger demo` (as `make run` starts it) publishes every closed month of the trust; the roof repair's month
    twice (a box drawn late): version 2 supersedes version 1. Its export checks with verify.py."""
    import subprocess
    import sys

    for name, value in (("LEDGER_DATABASE_URL", db_url), ("LEDGER_PUBLICATIONS_DIR", str(tmp_path / "pub")),
                        ("LEDGER_VOUCHER_DIR", str(tmp_path / "v"))):
        monkeypatch.setenv(name, value)
    made = CliRunner().invoke(main, ["demo", "--without-compound"])
    assert made.exit_code == 0, made.output
    listed = json.loads(CliRunner().invoke(main, ["publications", "list", "--book", "JCHY", "--format", "json"]).output)
    versions = {}
    for p in listed:
        versions.setdefault(p["period"], []).append((p["version"], p["superseded"]))
    assert len(versions) >= 9 and all(v[-1] == (1, False) or v == [(2, False), (1, True)] for v in versions.values())
    corrected = [period for period, v in versions.items() if v == [(2, False), (1, True)]]
    assert len(corrected) == 1
    assert listed[0]["opinions"] == ["objection"]  # the supervisor objects to the latest month
    assert all(p["opinions"] == ["sign_off"] for p in listed[1:] if p["version"] == 1 and not p["superseded"])
    out = tmp_path / "export"
    done = CliRunner().invoke(main, ["publications", "export", "--book", "JCHY", "--period", corrected[0], "--out", str(out)])
    assert done.exit_code == 0, done.output
    checked = subprocess.run([sys.executable, "-I", str(out / "verify.py")], capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.startswith("book JCHY"), checked.stdout + checked.stderr
    assert "OK:" in checked.stdout


def test_the_supervisor_signs_off_or_objects_and_both_stay_beside_the_publication(ledger, march, app, sign_in, tmp_path,
                                                                                   engine):
    from ledger.db.schema import PublicationOpinion
    from ledger.domain.chain import opinion_message, sha256_hex, signature_ok
    from ledger.domain.errors import InvalidInput
    from ledger.services.signing import keys_for

    store, att_id = march
    with ledger.tx() as s:
        vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id), [], store)
    pub = _publish(ledger, store, tmp_path / "pub")
    with pytest.raises(InvalidInput, match="reasons"):
        with ledger.tx() as s:
            publications.give_opinion(s, ledger.user(s, "watcher"), ledger.book(s), pub, "objection", " ")
    with pytest.raises(PermissionDenied):
        with ledger.tx() as s:
            publications.give_opinion(s, ledger.user(s, "approver1"), ledger.book(s), pub, "sign_off", "")
    app.config["PUBLICATIONS_DIR"] = str(tmp_path / "pub")
    supervisor, member = sign_in("watcher"), sign_in("approver1")
    assert 'data-testid="opinion-form-v1"' not in member.get("/books/T1/periods/2026-03").text
    page = supervisor.get("/books/T1/periods/2026-03").text
    assert 'data-testid="opinion-form-v1"' in page
    said = supervisor.post("/books/T1/periods/2026-03/v1/opinion", {"kind": "objection", "text": "水电费分摊明细未附"},
                           page="/books/T1/periods/2026-03")
    shown = supervisor.get(said.headers["Location"]).text
    assert 'data-testid="opinion-objection"' in shown and "水电费分摊明细未附" in shown
    with ledger.tx() as s:
        o = s.query(PublicationOpinion).one()
        key = keys_for(s).public_key("T1")
        assert signature_ok(key, opinion_message("T1", "2026-03", 1, "objection", "watcher",
                                                 sha256_hex("水电费分摊明细未附".encode())), o.signature)
    with pytest.raises(Exception, match="append-only"):
        _raw(engine, "DELETE FROM publication_opinions", guards_off=False)


def test_a_folder_left_by_a_publish_that_died_is_set_aside_not_served(ledger, march, tmp_path):
    """A worker killed after writing the folder but before the commit leaves a folder no row knows; the next
    publish of that version sets it aside and writes its own."""
    store, att_id = march
    root = tmp_path / "pub"
    with ledger.tx() as s:
        vouchers.redact_voucher(s, ledger.user(s, "approver1"), ledger.book(s), s.get(Attachment, att_id), [], store)
    left = root / "T1" / "2026-03" / "v1"
    left.mkdir(parents=True)
    (left / "manifest.json").write_text("{}")
    pub = _publish(ledger, store, root)
    assert pub.version == 1 and json.loads((left / "manifest.json").read_text())["version"] == 1
    assert [p.name.startswith(".abandoned-v1-") for p in (root / "T1" / "2026-03").iterdir() if p.name != "v1"] == [True]
