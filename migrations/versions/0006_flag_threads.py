"""flag threads: the replies to a flag (answers, follow-ups, the closing note), append-only; who closed a flag, when

Revision ID: 0006
Revises: 0005

Answers given so far become the first reply of their flag's thread.
"""
from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _new_columns() -> list[sa.Column]:
    return [
        sa.Column("closed_by_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_flags_closed_by_id_users"), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    present = {c["name"] for c in sa.inspect(conn).get_columns("flags")}
    missing = [c for c in _new_columns() if c.name not in present]  # kept by a SQLite downgrade
    if missing:
        if conn.dialect.name == "sqlite":
            # SQLite adds a column with a foreign key only as a plain ALTER TABLE ... ADD COLUMN with
            # REFERENCES, which Alembic's add_column does not emit; write it out.
            for column in missing:
                kind = "INTEGER REFERENCES users (id)" if column.name == "closed_by_id" else "DATETIME"
                conn.exec_driver_sql(f"ALTER TABLE flags ADD COLUMN {column.name} {kind}")
        else:
            for column in missing:
                op.add_column("flags", column)
    op.create_table(
        "flag_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("flag_id", sa.Integer(), sa.ForeignKey("flags.id"), nullable=False),
        sa.Column("book_id", sa.Integer(), sa.ForeignKey("books.id"), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_flag_replies_flag_id", "flag_replies", ["flag_id"])
    conn.exec_driver_sql(
        "INSERT INTO flag_replies (flag_id, book_id, author_id, at, kind, text) "
        "SELECT id, book_id, answered_by_id, answered_at, 'answer', answer FROM flags "
        "WHERE answer IS NOT NULL AND answered_by_id IS NOT NULL AND answered_at IS NOT NULL ORDER BY id"
    )
    create_guards(conn)


def downgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    op.drop_index("ix_flag_replies_flag_id", "flag_replies")
    op.drop_table("flag_replies")
    if conn.dialect.name != "sqlite":
        # As in 0005: SQLite would rebuild the table to drop a column; the columns are harmless to 0005
        # and `upgrade` reuses them.
        op.drop_constraint("fk_flags_closed_by_id_users", "flags", type_="foreignkey")
        for column in reversed(_new_columns()):
            op.drop_column("flags", column.name)
    create_guards(conn)
