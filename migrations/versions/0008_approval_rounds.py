"""approvals per submission round; public voucher copies guarded

Revision ID: 0008
Revises: 0007

An entry sent back after its first approval is submitted again and approved again: each submission is
a round (entries.submission_round, which never goes down), named in the signed submission digest, and
an approval counts only for the digest it signed; approvals are no longer unique per (entry, user).
Public voucher copies become append-only, and cannot be removed once their entry is submitted (the
guards, recreated here).
"""
from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_COLUMNS = "id, entry_id, user_id, decided_at, content_digest, signature"


def _rebuild_sqlite(conn, unique: bool) -> None:
    """SQLite cannot drop a table constraint: the table is made again (nothing refers to approvals)."""
    conn.exec_driver_sql(f"""CREATE TABLE approvals_new (
        id INTEGER NOT NULL PRIMARY KEY,
        entry_id INTEGER NOT NULL REFERENCES entries (id),
        user_id INTEGER NOT NULL REFERENCES users (id),
        decided_at DATETIME NOT NULL,
        content_digest VARCHAR(64),
        signature VARCHAR(128){', UNIQUE (entry_id, user_id)' if unique else ''})""")
    conn.exec_driver_sql(f"INSERT INTO approvals_new ({_COLUMNS}) SELECT {_COLUMNS} FROM approvals")
    conn.exec_driver_sql("DROP TABLE approvals")
    conn.exec_driver_sql("ALTER TABLE approvals_new RENAME TO approvals")
    conn.exec_driver_sql("CREATE INDEX ix_approvals_entry ON approvals (entry_id)")


def upgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    if "submission_round" not in {c["name"] for c in sa.inspect(conn).get_columns("entries")}:  # kept by a SQLite downgrade
        op.add_column("entries", sa.Column("submission_round", sa.Integer(), nullable=False, server_default="0"))
    if conn.dialect.name == "sqlite":
        _rebuild_sqlite(conn, unique=False)
    else:
        for uc in sa.inspect(conn).get_unique_constraints("approvals"):
            if sorted(uc["column_names"]) == ["entry_id", "user_id"]:
                op.drop_constraint(uc["name"], "approvals", type_="unique")
        op.create_index("ix_approvals_entry", "approvals", ["entry_id"])
    create_guards(conn)


def downgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_approvals_entry")
        _rebuild_sqlite(conn, unique=True)  # fails, and changes nothing, if someone approved twice since
        conn.exec_driver_sql("DROP INDEX ix_approvals_entry")
    else:
        op.drop_index("ix_approvals_entry", "approvals")
        op.create_unique_constraint("approvals_entry_id_user_id_key", "approvals", ["entry_id", "user_id"])
        op.drop_column("entries", "submission_round")  # SQLite keeps it (a rebuild of entries), as in 0005
    create_guards(conn)
