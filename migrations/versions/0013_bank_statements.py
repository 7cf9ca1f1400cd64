"""the co-managed bank account: statement profiles, rows, matches

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    op.create_table(
        "bank_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("book_id", "name", "version"),
    )
    op.create_index("ix_bank_profiles_book_id", "bank_profiles", ["book_id"])
    op.create_table(
        "bank_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("profile_name", sa.String(64), nullable=False),
        sa.Column("profile_version", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["imported_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bank_imports_book_id", "bank_imports", ["book_id"])
    op.create_table(
        "bank_statement_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("counterparty", sa.String(200), nullable=False),
        sa.Column("memo", sa.String(500), nullable=False),
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(48), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["import_id"], ["bank_imports.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("book_id", "fingerprint"),
    )
    op.create_index("ix_bank_statement_rows_import_id", "bank_statement_rows", ["import_id"])
    op.create_index("ix_bank_statement_rows_account_date", "bank_statement_rows", ["book_id", "account_id", "date"])
    op.create_table(
        "bank_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("how", sa.String(16), nullable=False),
        sa.Column("matched_by_id", sa.Integer(), nullable=False),
        sa.Column("matched_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"]),
        sa.ForeignKeyConstraint(["row_id"], ["bank_statement_rows.id"]),
        sa.ForeignKeyConstraint(["matched_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bank_matches_book_id", "bank_matches", ["book_id"])
    op.create_index("ix_bank_matches_row_id", "bank_matches", ["row_id"])
    op.create_index("ix_bank_matches_entry_id", "bank_matches", ["entry_id"])
    create_guards(conn)


def downgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    op.drop_table("bank_matches")
    op.drop_table("bank_statement_rows")
    op.drop_table("bank_imports")
    op.drop_table("bank_profiles")
    create_guards(conn)
