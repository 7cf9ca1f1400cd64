"""owners' resolutions and their votes

Revision ID: 0015
Revises: 0014

Resolutions (业主大会决定) and their per-unit votes, both append-only; a book's resolution threshold (an expense
above it must reference a passed resolution) and an entry's reference to the resolution that approved it.
"""
from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if "resolutions" in sa.inspect(conn).get_table_names():  # kept by a SQLite downgrade: see there
        create_guards(conn)
        return
    op.create_table(
        "resolutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("matter", sa.String(16), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tally", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_resolutions_book_id", "resolutions", ["book_id"])
    op.create_table(
        "resolution_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("vote", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(["resolution_id"], ["resolutions.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("resolution_id", "unit_id"),
    )
    op.create_index("ix_resolution_votes_resolution_id", "resolution_votes", ["resolution_id"])
    # Plain ADD COLUMN (no table rebuild, so the guards of books and entries stay); SQLite takes the
    # reference inline, PostgreSQL as a named constraint.
    def has(table, column):  # kept by a SQLite downgrade
        return column in {c["name"] for c in sa.inspect(conn).get_columns(table)}

    if not has("books", "resolution_threshold_fen"):
        op.add_column("books", sa.Column("resolution_threshold_fen", sa.BigInteger(), nullable=True))
    if conn.dialect.name == "sqlite":
        if not has("entries", "resolution_id"):
            conn.exec_driver_sql("ALTER TABLE entries ADD COLUMN resolution_id INTEGER REFERENCES resolutions (id)")
    else:
        op.add_column("entries", sa.Column("resolution_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_entries_resolution_id", "entries", "resolutions", ["resolution_id"], ["id"])
    create_guards(conn)


def downgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    if conn.dialect.name == "sqlite":
        # SQLite cannot drop a column that references another table without rebuilding entries (and its guards):
        # the columns stay, and so do the tables they reference, as 0005 keeps its column; upgrading again finds them.
        create_guards(conn)
        return
    op.drop_constraint("fk_entries_resolution_id", "entries", type_="foreignkey")
    op.drop_column("entries", "resolution_id")
    op.drop_column("books", "resolution_threshold_fen")
    op.drop_table("resolution_votes")
    op.drop_table("resolutions")
    create_guards(conn)
