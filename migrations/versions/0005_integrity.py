"""integrity: a book's first month and key, entry makers, signatures, close records, the signed chain head, session versions

Revision ID: 0005
Revises: 0004

Existing posted history is adopted by `ledger db upgrade` right after the schema
changes (ledger.services.signing.adopt_unsigned_history): it needs the books'
signing keys, which live outside the database.
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _new_columns() -> list[tuple[str, sa.Column]]:
    return [
        ("books", sa.Column("start_date", sa.Date(), nullable=True)),
        ("books", sa.Column("public_key", sa.String(64), nullable=True)),
        ("users", sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")),
        ("entries", sa.Column("signature", sa.String(128), nullable=True)),
    ]


def upgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    for table, column in _new_columns():
        if column.name not in {c["name"] for c in sa.inspect(conn).get_columns(table)}:  # kept by a SQLite downgrade
            op.add_column(table, column)

    op.create_table(
        "entry_makers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("entries.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("entry_id", "user_id"),
    )
    op.create_table(
        "period_closes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("book_id", sa.Integer(), sa.ForeignKey("books.id"), nullable=False),
        sa.Column("period_id", sa.Integer(), sa.ForeignKey("periods.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("through_date", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("chain_seq", sa.Integer(), nullable=False),
        sa.Column("chain_head", sa.String(64), nullable=False),
        sa.Column("trial_balance", sa.Text(), nullable=False),
        sa.Column("trial_balance_hash", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.UniqueConstraint("book_id", "year", "month"),
    )
    op.create_index("ix_period_closes_book_through", "period_closes", ["book_id", "through_date"])
    op.create_table(
        "book_heads",
        sa.Column("book_id", sa.Integer(), sa.ForeignKey("books.id"), primary_key=True),
        sa.Column("chain_seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )

    # Every entry made so far was made by its maker alone, as far as the rows tell.
    conn.exec_driver_sql(
        "INSERT INTO entry_makers (entry_id, user_id, at) SELECT id, maker_id, created_at FROM entries"
    )
    # A book's first month: its earliest period, else the month it was created.
    for book_id, created_at in conn.exec_driver_sql("SELECT id, created_at FROM books").fetchall():
        first = conn.execute(
            sa.text("SELECT year, month FROM periods WHERE book_id = :id ORDER BY year, month LIMIT 1"), {"id": book_id}
        ).first()
        year, month = (int(first[0]), int(first[1])) if first else (int(str(created_at)[:4]), int(str(created_at)[5:7]))
        conn.execute(sa.text("UPDATE books SET start_date = :d WHERE id = :id"), {"d": dt.date(year, month, 1), "id": book_id})
    create_guards(conn)


def downgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    op.drop_table("book_heads")
    op.drop_index("ix_period_closes_book_through", "period_closes")
    op.drop_table("period_closes")
    op.drop_table("entry_makers")
    if conn.dialect.name != "sqlite":
        # SQLite would rebuild these tables to drop a column, which other tables' foreign keys
        # forbid while they are on; the columns are harmless to 0004 and `upgrade` reuses them.
        for table, column in reversed(_new_columns()):
            op.drop_column(table, column.name)
    create_guards(conn)
