"""Guards that live in the database itself, so that not even direct SQL can make
the books lie: posted entries, their lines and vouchers are never updated or
deleted, an entry cannot be posted unless every fund in it balances, nothing is
posted into a closed period, and approvals and the audit log are append-only.

Alembic's batch mode on SQLite drops triggers when it rebuilds a table, so every
migration that touches a guarded table calls `create_guards` again.
"""
from __future__ import annotations

from sqlalchemy.engine import Connection

IMMUTABLE = "已过账凭证不可修改或删除 / a posted entry cannot be changed or deleted"
UNBALANCED = "凭证借贷不平（总额或某一基金内），不能过账 / entry does not balance in total or per fund; cannot post"
CLOSED = "会计期间已结账，不能过账 / the period is closed; cannot post"
INSERT_POSTED = "凭证须先录入再过账 / an entry must be inserted before it is posted"
APPEND_ONLY = "只能追加，不可修改或删除 / append-only: rows cannot be changed or deleted"

_SQLITE = [
    f"""CREATE TRIGGER guard_entries_insert BEFORE INSERT ON entries
    WHEN NEW.status = 'posted'
    BEGIN SELECT RAISE(ABORT, '{INSERT_POSTED}'); END""",
    f"""CREATE TRIGGER guard_entries_update BEFORE UPDATE ON entries
    WHEN OLD.status = 'posted'
    BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    f"""CREATE TRIGGER guard_entries_delete BEFORE DELETE ON entries
    WHEN OLD.status = 'posted'
    BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    f"""CREATE TRIGGER guard_entries_balanced BEFORE UPDATE OF status ON entries
    WHEN NEW.status = 'posted' AND (
        NOT EXISTS (SELECT 1 FROM entry_lines WHERE entry_id = NEW.id)
        OR EXISTS (SELECT 1 FROM entry_lines WHERE entry_id = NEW.id
                   GROUP BY fund_id HAVING SUM(amount_fen) <> 0))
    BEGIN SELECT RAISE(ABORT, '{UNBALANCED}'); END""",
    f"""CREATE TRIGGER guard_entries_open_period BEFORE UPDATE OF status ON entries
    WHEN NEW.status = 'posted'
        AND (SELECT status FROM periods WHERE id = NEW.period_id) <> 'open'
    BEGIN SELECT RAISE(ABORT, '{CLOSED}'); END""",
]
for _table in ("entry_lines", "attachments"):
    _SQLITE += [
        f"""CREATE TRIGGER guard_{_table}_insert BEFORE INSERT ON {_table}
        WHEN (SELECT status FROM entries WHERE id = NEW.entry_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
        f"""CREATE TRIGGER guard_{_table}_update BEFORE UPDATE ON {_table}
        WHEN (SELECT status FROM entries WHERE id = OLD.entry_id) = 'posted'
          OR (SELECT status FROM entries WHERE id = NEW.entry_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
        f"""CREATE TRIGGER guard_{_table}_delete BEFORE DELETE ON {_table}
        WHEN (SELECT status FROM entries WHERE id = OLD.entry_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    ]
for _table in ("approvals", "audit_log"):
    _SQLITE += [
        f"""CREATE TRIGGER guard_{_table}_update BEFORE UPDATE ON {_table}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
        f"""CREATE TRIGGER guard_{_table}_delete BEFORE DELETE ON {_table}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    ]

SQLITE_TRIGGERS = [s.split()[2] for s in _SQLITE]

_PG_FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION ledger_guard_entries() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'posted' THEN RAISE EXCEPTION '{INSERT_POSTED}'; END IF;
        RETURN NEW;
      END IF;
      IF OLD.status = 'posted' THEN
        RAISE EXCEPTION '{IMMUTABLE} (%)', OLD.number;
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      IF NEW.status = 'posted'
         AND (SELECT status FROM periods WHERE id = NEW.period_id) <> 'open' THEN
        RAISE EXCEPTION '{CLOSED}';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_entry_balanced() RETURNS trigger AS $$
    BEGIN
      -- OFFSET 0 keeps the planner on the entry_id index: without statistics (a fresh
      -- database filling inside one import) it would walk the fund index over every line.
      IF NOT EXISTS (SELECT 1 FROM entry_lines WHERE entry_id = NEW.id)
         OR EXISTS (SELECT 1 FROM (SELECT fund_id, amount_fen FROM entry_lines
                                   WHERE entry_id = NEW.id OFFSET 0) AS lines
                    GROUP BY fund_id HAVING SUM(amount_fen) <> 0) THEN
        RAISE EXCEPTION '{UNBALANCED} (entry id %)', NEW.id;
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_entry_children() RETURNS trigger AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') AND
         (SELECT status FROM entries WHERE id = OLD.entry_id) = 'posted' THEN
        RAISE EXCEPTION '{IMMUTABLE}';
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF (SELECT status FROM entries WHERE id = NEW.entry_id) = 'posted' THEN
          RAISE EXCEPTION '{IMMUTABLE}';
        END IF;
        RETURN NEW;
      END IF;
      RETURN OLD;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ledger_guard_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION '{APPEND_ONLY} (%)', TG_TABLE_NAME;
    END $$ LANGUAGE plpgsql""",
]

_PG_TRIGGERS = [
    ("guard_entries", "entries", """CREATE TRIGGER guard_entries
        BEFORE INSERT OR UPDATE OR DELETE ON entries
        FOR EACH ROW EXECUTE FUNCTION ledger_guard_entries()"""),
    ("guard_entries_balanced", "entries", """CREATE CONSTRAINT TRIGGER guard_entries_balanced
        AFTER INSERT OR UPDATE ON entries DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.status = 'posted')
        EXECUTE FUNCTION ledger_guard_entry_balanced()"""),
]
for _table in ("entry_lines", "attachments"):
    _PG_TRIGGERS.append((f"guard_{_table}", _table, f"""CREATE TRIGGER guard_{_table}
        BEFORE INSERT OR UPDATE OR DELETE ON {_table}
        FOR EACH ROW EXECUTE FUNCTION ledger_guard_entry_children()"""))
for _table in ("approvals", "audit_log"):
    _PG_TRIGGERS.append((f"guard_{_table}", _table, f"""CREATE TRIGGER guard_{_table}
        BEFORE UPDATE OR DELETE ON {_table}
        FOR EACH ROW EXECUTE FUNCTION ledger_guard_append_only()"""))
# Row triggers do not fire on TRUNCATE.
for _table in ("entries", "entry_lines", "attachments", "approvals", "audit_log"):
    _PG_TRIGGERS.append((f"guard_{_table}_truncate", _table, f"""CREATE TRIGGER guard_{_table}_truncate
        BEFORE TRUNCATE ON {_table}
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_guard_append_only()"""))

PG_TRIGGERS = [(name, table) for name, table, _ in _PG_TRIGGERS]


def create_guards(conn: Connection) -> None:
    drop_guards(conn)
    if conn.dialect.name == "sqlite":
        for sql in _SQLITE:
            conn.exec_driver_sql(sql)
    else:
        # psycopg reads % as a placeholder even without parameters; %% is a literal %.
        for sql in _PG_FUNCTIONS:
            conn.exec_driver_sql(sql.replace("%", "%%"))
        for _name, _table, sql in _PG_TRIGGERS:
            conn.exec_driver_sql(sql)


def drop_guards(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name, table in PG_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def installed_guards(conn: Connection) -> set[str]:
    """The names of the guard triggers present now (a test checks them after upgrade)."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    else:
        rows = conn.exec_driver_sql(
            "SELECT DISTINCT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'guard_%%'"
        )
    return {r[0] for r in rows}


def expected_guards(dialect: str) -> set[str]:
    return set(SQLITE_TRIGGERS) if dialect == "sqlite" else {n for n, _ in PG_TRIGGERS}
