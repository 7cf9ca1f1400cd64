"""The PostgreSQL roles production uses (`ledger db roles`, ledger/db/roles.py): the back office does its real work
without being able to rewrite what is posted, and the public site reads publications and is refused the users.

The database is this module's own (a copy of the migrated template, owned by the test server's user), and the
roles, cluster-wide, get names of their own; both are dropped afterwards."""
from __future__ import annotations

import datetime as dt
import re
import uuid

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from ledger.db.engine import make_engine, make_sessionmaker, transaction
from ledger.db.roles import OFFICE_PRIVILEGES, PUBLIC_TABLES
from ledger.db.schema import Base, Entry, Publication
from ledger.domain.model import EntryInput, Line
from ledger.services import access, entries, tokens, users, vouchers
from ledger.services.demo import demo_password, load_demo

from ..conftest import RUN_ID, SignedIn, _pg_admin_engine, _pg_create, _pg_drop, _pg_url

REFUSED = "42501"  # insufficient_privilege: the grant refuses, before any trigger is asked


def test_every_table_has_its_privileges_decided_and_none_may_be_truncated():
    assert set(OFFICE_PRIVILEGES) == set(Base.metadata.tables) | {"alembic_version"}
    assert not any("TRUNCATE" in p or "TRIGGER" in p or "REFERENCES" in p for p in OFFICE_PRIVILEGES.values())
    for table in ("approvals", "audit_log", "period_closes", "publications", "publication_files", "publication_opinions"):
        assert OFFICE_PRIVILEGES[table] == ("SELECT", "INSERT")
    assert "users" not in PUBLIC_TABLES and "entries" not in PUBLIC_TABLES


def _with_login(url: str, role: str, password: str) -> str:
    return make_url(url).set(username=role, password=password).render_as_string(hide_password=False)


pytestmark = pytest.mark.xdist_group("pg_roles")  # one worker builds the roles database once for the module


def _connect(url: str) -> psycopg.Connection:
    """A plain psycopg connection (no SQLAlchemy between the role and the server)."""
    return psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))


@pytest.fixture(scope="session")  # not "module": xdist interleaves other modules, which rebuilds a module fixture
def roles_db(pg_template, tmp_path_factory):
    """A migrated database, the two roles made by `ledger db roles` as its owner, and the demo loaded, vouchers and
    publications included, by the back office's role."""
    from ledger.cli import main

    name = f"ledger_roles_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    suffix = uuid.uuid4().hex[:8]
    office, public = f"ledger_office_{suffix}", f"ledger_public_{suffix}"
    office_password, public_password = uuid.uuid4().hex, uuid.uuid4().hex
    _pg_create(name, pg_template)
    owner_url = _pg_url(name)
    folder = tmp_path_factory.mktemp("roles")
    try:
        result = CliRunner().invoke(main, ["db", "roles", "--office", office, "--public", public], env={
            "LEDGER_DATABASE_URL": owner_url, "LEDGER_OFFICE_DB_PASSWORD": office_password,
            "LEDGER_PUBLIC_DB_PASSWORD": public_password})
        assert result.exit_code == 0, result.output
        assert "PASSWORD '***'" in result.output and office_password not in result.output
        office_url = _with_login(owner_url, office, office_password)
        engine = make_engine(office_url)
        factory = make_sessionmaker(engine)
        factory.configure(info={"key_dir": str(folder / "keys")})
        with transaction(factory) as s:  # posting, approving, vouchers, redaction, closing, publishing, opinions
            assert s.execute(text("SELECT current_user")).scalar() == office
            load_demo(s, store=vouchers.VoucherStore(folder / "v"), publications_root=folder / "pub", compound=False)
        engine.dispose()
        yield {"owner": owner_url, "office": office_url, "public": _with_login(owner_url, public, public_password),
               "office_role": office, "public_role": public, "folder": folder, "factory_info": {"key_dir": str(folder / "keys")}}
    finally:
        _pg_drop(name)
        admin = _pg_admin_engine()
        with admin.connect() as conn:
            for role in (office, public):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def _refused(url: str, sql: str) -> str:
    """The SQLSTATE with which `sql` fails as the URL's role (None if it ran)."""
    with _connect(url) as conn:
        try:
            conn.execute(sql)
        except psycopg.Error as e:
            return e.sqlstate
        finally:
            conn.rollback()
    return None


def test_the_public_role_reads_publications_and_is_refused_the_users(roles_db):
    url = roles_db["public"]
    with _connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM publications").fetchone()[0] >= 2
        assert conn.execute("SELECT count(*) FROM publication_opinions").fetchone()[0] >= 2
    for table in ("users", "entries", "entry_lines", "attachments", "voucher_publics", "audit_log", "memberships",
                  "api_tokens", "flags"):
        assert _refused(url, f"SELECT * FROM {table} LIMIT 1") == REFUSED, table
    assert _refused(url, "SELECT p.id, u.display_name FROM publication_opinions p JOIN users u ON u.id = p.user_id") == REFUSED
    assert _refused(url, "INSERT INTO books (code, name_zh, name_en, kind, approval_threshold_fen, created_at, start_date) "
                         "VALUES ('X', 'x', 'x', 'trust', 0, now(), now())") == REFUSED


def test_the_public_site_served_over_the_public_role_shows_a_published_month(roles_db):
    from public_site import create_app

    app = create_app({"DATABASE_URL": roles_db["public"], "PUBLICATIONS_DIR": str(roles_db["folder"] / "pub"), "TESTING": True})
    try:
        client = app.test_client()
        assert "锦城花园小区信托账簿" in client.get("/").text
        book = client.get("/JCHY/").text
        periods = re.findall(r'data-testid="pub-(\d{4}-\d{2})-v(\d+)"', book)
        assert periods and "已被更正" in book
        latest = periods[0][0]
        page = client.get(f"/JCHY/{latest}/")
        assert page.status_code == 200
        assert re.search(r'data-testid="total-expense">(<a [^>]*>)?[\d,]+\.\d\d<', page.text)
        assert 'data-testid="opinion-objection"' in page.text and "供电局电费分摊明细" in page.text
        manifest = client.get(f"/JCHY/{latest}/v{periods[0][1]}/files/manifest.json")
        assert manifest.status_code == 200 and manifest.json["period"] == latest
        manifest.close()
    finally:
        app.extensions["ledger_engine"].dispose()


@pytest.mark.parametrize("sql", [
    "UPDATE publications SET folder = 'x'", "DELETE FROM publications", "TRUNCATE publications CASCADE",
    "UPDATE publication_files SET sha256 = 'x'", "DELETE FROM publication_opinions",
    "UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log",
    "UPDATE approvals SET user_id = user_id", "DELETE FROM period_closes", "DELETE FROM book_heads",
    "DELETE FROM periods", "TRUNCATE entries CASCADE", "TRUNCATE entry_lines", "TRUNCATE users CASCADE",
    "DROP TRIGGER guard_entries ON entries", "ALTER TABLE entries DISABLE TRIGGER ALL",
    "CREATE TABLE public.sneaky (id int)",
])
def test_the_back_office_role_cannot_rewrite_what_is_posted(roles_db, sql):
    assert _refused(roles_db["office"], sql) == REFUSED


def test_a_posted_entry_is_still_refused_by_its_guard_for_the_back_office_role(roles_db):
    """UPDATE stays granted on entries (drafts change): for a posted one the trigger refuses, as for anyone."""
    with _connect(roles_db["office"]) as conn:
        with pytest.raises(psycopg.Error, match="已过账凭证不可修改或删除"):
            conn.execute("UPDATE entries SET summary = 'x' WHERE status = 'posted'")


def test_the_back_office_role_edits_and_deletes_a_draft_and_its_voucher_and_signs_in(roles_db, tmp_path):
    from ledger.app import create_app

    engine = make_engine(roles_db["office"])
    factory = make_sessionmaker(engine)
    factory.configure(info=roles_db["factory_info"])
    store = vouchers.VoucherStore(roles_db["folder"] / "v")
    today = dt.date.today()
    try:
        with transaction(factory) as s:
            book, maker = access.get_book(s, "JCHY"), users.get_user(s, "caiwu")
            lines = (Line("5101", "GEN", 1000), Line("1002", "GEN", -1000))
            entry = entries.create_entry(s, maker, book, EntryInput(date=today, summary="草稿", lines=lines))
            entries.update_draft(s, maker, book, entry, EntryInput(date=today, summary="草稿（改）",
                                                                 lines=(Line("5101", "GEN", 2000), Line("1002", "GEN", -2000))))
            jpeg = next((roles_db["folder"] / "pub").rglob("*.jpg")).read_bytes()
            attachment = vouchers.upload_voucher(s, maker, book, entry, jpeg, "发票.jpg", store, 20 * 1024 * 1024)
            vouchers.delete_voucher(s, maker, book, attachment, store)
            entries.delete_draft(s, maker, book, entry)
            token, _plain = tokens.create_token(s, maker, maker, "对接")
            tokens.revoke_token(s, maker, token.id)
        with transaction(factory) as s:
            assert s.scalar(select(Entry).where(Entry.summary.startswith("草稿"))) is None
            assert s.scalar(select(Publication).limit(1)) is not None
    finally:
        engine.dispose()
    app = create_app({"DATABASE_URL": roles_db["office"], "SECRET_KEY": "test", "TESTING": True,
                      "VOUCHER_DIR": str(roles_db["folder"] / "v"), "KEY_DIR": roles_db["factory_info"]["key_dir"]})
    try:
        member = SignedIn(app, "caiwu", demo_password("caiwu"))
        assert "锦城花园" in member.get("/books/JCHY").text
        assert member.post("/logout", {}).status_code in (302, 303)
    finally:
        app.extensions["ledger_engine"].dispose()


def test_roles_refuse_a_role_that_owns_the_tables(roles_db):
    from ledger.cli import main

    owner = make_url(roles_db["owner"]).username
    result = CliRunner().invoke(main, ["db", "roles", "--office", owner, "--public", roles_db["public_role"]],
                                env={"LEDGER_DATABASE_URL": roles_db["owner"]})
    assert result.exit_code == 1 and "超级用户或拥有账本的表" in result.output and "no grant can limit it" in result.output
    bad = CliRunner().invoke(main, ["db", "roles", "--office", "Robert'); DROP", "--public", "x"],
                             env={"LEDGER_DATABASE_URL": roles_db["owner"]})
    assert bad.exit_code == 1 and "角色名" in bad.output
    blank = f"ledger_blank_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    _pg_create(blank)
    try:
        empty = CliRunner().invoke(main, ["db", "roles", "--office", "a_role", "--public", "b_role"],
                                   env={"LEDGER_DATABASE_URL": _pg_url(blank)})
    finally:
        _pg_drop(blank)
    assert empty.exit_code == 1 and "ledger db upgrade" in empty.output


def test_the_public_role_checks_the_newest_recorded_project_documents(roles_db):
    """The micro-projects' pages over the public role: it reads published_documents (a project document is shown only
    if its bytes are the newest recorded) and may not write it."""
    from public_site import create_app

    app = create_app({"DATABASE_URL": roles_db["public"], "PUBLICATIONS_DIR": str(roles_db["folder"] / "pub"), "TESTING": True})
    try:
        client = app.test_client()
        listed = client.get("/YLSQ/projects/")
        assert listed.status_code == 200
        codes = re.findall(r'data-testid="project-([A-Za-z0-9_-]+)"', listed.text)
        assert codes, listed.text
        page = client.get(f"/YLSQ/projects/{codes[0]}/")
        assert page.status_code == 200
        pool = re.search(r'href="(/YLSQ/pools/[A-Za-z0-9_-]+/)"', page.text).group(1)
        assert client.get(pool).status_code == 200
    finally:
        app.extensions["ledger_engine"].dispose()
    assert _refused(roles_db["public"], "INSERT INTO published_documents (book_id, path, sha256, seq, published_at) "
                                        "SELECT id, 'x.json', 'ab', 99, now() FROM books LIMIT 1") == REFUSED
    assert _refused(roles_db["office"], "UPDATE published_documents SET sha256 = 'x'") == REFUSED
