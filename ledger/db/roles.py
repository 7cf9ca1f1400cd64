"""The PostgreSQL roles production uses (`ledger db roles`): one for the back office, one for the public site.

The tables belong to the role that runs `ledger db upgrade` (the owner); the apps connect as roles that hold
only the privileges below, so that even a hole in the app cannot do what the app itself never needs:

- the back office may never UPDATE or DELETE a row of an append-only table (the guards' APPEND_ONLY_TABLES:
  approvals, the audit log, close records, flag replies, publications, their files and the supervisor's
  opinions), never DELETE a chain head or a month, never TRUNCATE anything, and owns nothing (an owner could
  drop the guards). Tables that hold drafts (entries, their lines, makers, vouchers and public copies) keep
  UPDATE and DELETE: a draft is edited and deleted; the guards refuse it once posted.
- the public site may SELECT the books and the publications' tables, nothing else: not users (so not the
  supervisor's name), not entries, drafts, vouchers or owners. It reads a published month from its frozen files.

Every table must be named here: a migration that adds one and forgets it makes the command refuse to run,
naming the table, and a test compares this map with the schema.
"""
from __future__ import annotations

import re

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from ..domain.errors import InvalidInput
from .guards import APPEND_ONLY_TABLES

READ = ("SELECT",)
APPEND = ("SELECT", "INSERT")
KEEP = ("SELECT", "INSERT", "UPDATE")  # changed in place, never deleted by the app
DRAFTS = ("SELECT", "INSERT", "UPDATE", "DELETE")

OFFICE_PRIVILEGES: dict[str, tuple[str, ...]] = {
    **{table: APPEND for table in APPEND_ONLY_TABLES},
    "alembic_version": READ,
    "book_heads": KEEP,  # moves forward; the guards refuse a DELETE
    "periods": KEEP,  # opened and closed, never removed
    "users": KEEP,  # deactivated, never deleted (their names stay on what they did)
    "books": KEEP,
    "memberships": KEEP,
    "funds": KEEP,
    "flags": KEEP,
    "bank_balances": KEEP,
    "api_tokens": KEEP,  # revoked, not deleted
    "voucher_waivers": KEEP,
    "accounts": DRAFTS,  # an account nobody used can be deleted (the guards refuse it once used)
    "entries": DRAFTS,
    "entry_lines": DRAFTS,
    "entry_makers": DRAFTS,
    "attachments": DRAFTS,
    "voucher_publics": DRAFTS,
    # The register: owners and units change (a sale, a corrected area) and a unit's owners with them.
    "owners": KEEP,
    "units": KEEP,
    "unit_owners": DRAFTS,
    # Fees and billing (0012)
    "entry_units": DRAFTS,  # written with its entry; the guards refuse a change once the entry is posted

    # The bank account (0013)
    "bank_profiles": APPEND, "bank_imports": APPEND, "bank_statement_rows": APPEND, "bank_matches": APPEND,

    # Remuneration, budgets and public revenues (0014)
    "revenue_contracts": KEEP,  # a contract's end may be set; never deleted
    "revenue_receipts": DRAFTS,  # the link goes with a draft deleted before it posted

    # Owners' resolutions (0015)
    "resolutions": APPEND,
    "resolution_votes": APPEND,
    # My unit (0016)
    "unit_access_codes": KEEP,  # revoked, never deleted
    # Units off the register and revenue terms (0017): append-only, in APPEND_ONLY_TABLES above

    # --- micro-projects and matching (issue 10, 0018): deposits, rule versions, budget lines, donations and refunds
    # are append-only (APPEND_ONLY_TABLES above). A pool's held/committed figures, a project's status and a match's
    # status move (the guards say how), never deleted.
    "matching_pools": KEEP,
    "projects": KEEP,
    "matches": KEEP,
    # --- grants (issue 10) (0019): every decided fact is append-only (in APPEND_ONLY_TABLES above); an
    # application's status moves (submitted -> awarded/declined -> closed), the row is never deleted.
    "grant_applications": KEEP,
}

# published_documents (0020): the newest SHA-256 of each micro-project document, which the public site checks.
PUBLIC_TABLES = ("books", "publications", "publication_files", "publication_opinions", "published_documents")

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidInput(f"角色名 {name!r} 只能用小写字母、数字和下划线，且不以数字开头",
                           f"the role name {name!r} may hold lower-case letters, digits and underscores, not starting "
                           "with a digit", "role")
    return f'"{name}"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def check_tables(tables: set[str]) -> None:
    """Refuse when the database holds a table this module does not decide on (a newer migration)."""
    unknown = sorted(tables - set(OFFICE_PRIVILEGES))
    if unknown:
        names = ", ".join(unknown)
        raise InvalidInput(f"ledger/db/roles.py 未规定这些表的权限：{names}；请先在 OFFICE_PRIVILEGES 中写明",
                           f"ledger/db/roles.py decides no privileges for these tables: {names}; add them to "
                           "OFFICE_PRIVILEGES first", "table")


def statements(database: str, office: str, public: str, tables: set[str], existing: set[str],
               office_password: str | None = None, public_password: str | None = None) -> list[str]:
    """The SQL that creates the roles missing from `existing` (or sets their passwords) and grants each exactly
    its privileges on the database's `tables`, revoking anything granted before (so it can run after every upgrade)."""
    check_tables(tables)
    o, p = _ident(office), _ident(public)
    if office == public:
        raise InvalidInput("后台与公示网站须用两个不同的角色", "the back office and the public site need two different roles", "role")
    out = []
    for name, quoted, password in ((office, o, office_password), (public, p, public_password)):
        verb = "ALTER" if name in existing else "CREATE"
        # No INHERIT: a role granted to it later would not silently widen what the app may do.
        out.append(f"{verb} ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS"
                   + (f" PASSWORD {_literal(password)}" if password else ""))
    db = '"' + database.replace('"', '""') + '"'
    for quoted in (o, p):
        out += [f"GRANT CONNECT ON DATABASE {db} TO {quoted}",
                f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}",
                f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted}",
                f"REVOKE CREATE ON SCHEMA public FROM {quoted}",
                f"GRANT USAGE ON SCHEMA public TO {quoted}"]
    for table in sorted(tables):
        out.append(f"GRANT {', '.join(OFFICE_PRIVILEGES[table])} ON TABLE public.{table} TO {o}")
    out.append(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {o}")  # new rows' ids
    for table in PUBLIC_TABLES:
        if table in tables:
            out.append(f"GRANT SELECT ON TABLE public.{table} TO {p}")
    return out


def apply(conn: Connection, office: str, public: str, office_password: str | None = None,
          public_password: str | None = None, dry_run: bool = False) -> list[str]:
    """Create or update both roles on the database `conn` is connected to, as the tables' owner. Returns the SQL
    run (passwords masked)."""
    if conn.dialect.name != "postgresql":
        raise InvalidInput("数据库角色只用于 PostgreSQL；SQLite 没有角色", "database roles are for PostgreSQL only; SQLite "
                           "has none", "database")
    tables = set(inspect(conn).get_table_names(schema="public"))
    if "alembic_version" not in tables:
        raise InvalidInput("这个数据库还没有账本的表：请先以表的所有者运行 ledger db upgrade",
                           "this database holds no ledger tables yet: run ledger db upgrade as their owner first",
                           "database")
    existing = {r[0] for r in conn.exec_driver_sql("SELECT rolname FROM pg_roles")}
    for name in (office, public):
        _ident(name)
        row = conn.exec_driver_sql(
            "SELECT r.rolsuper OR r.rolbypassrls, EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = 'public' "
            "AND t.tableowner = r.rolname) FROM pg_roles r WHERE r.rolname = %(n)s", {"n": name}).first()
        if row and (row[0] or row[1]):
            raise InvalidInput(
                f"角色 {name} 是超级用户或拥有账本的表，权限限制对它无效；请换一个新角色名",
                f"the role {name} is a superuser or owns the ledger's tables, so no grant can limit it; choose a new "
                "role name", "role")
    sql = statements(conn.exec_driver_sql("SELECT current_database()").scalar(), office, public, tables, existing, office_password, public_password)
    shown = [re.sub(r"PASSWORD '(?:[^']|'')*'", "PASSWORD '***'", s) for s in sql]
    if not dry_run:
        for statement in sql:
            conn.exec_driver_sql(statement.replace("%", "%%"))
    return shown
