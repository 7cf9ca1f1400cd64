"""fee rates, billing runs, payments and the per-unit sub-ledger

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_guards(op.get_bind())
    op.create_table(
        "fee_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("use", sa.String(16), nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),
        sa.Column("rate_centi_fen", sa.BigInteger(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_fee_rates_book_id", "fee_rates", ["book_id"])
    op.create_table(
        "entry_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("account_code", sa.String(32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("billed_year", sa.Integer(), nullable=True),
        sa.Column("billed_month", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(60), nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["entries.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_entry_units_entry_id", "entry_units", ["entry_id"])
    op.create_index("ix_entry_units_book_id", "entry_units", ["book_id"])
    op.create_index("ix_entry_units_unit", "entry_units", ["unit_id"])
    create_guards(op.get_bind())


def downgrade() -> None:
    drop_guards(op.get_bind())
    op.drop_table("entry_units")
    op.drop_table("fee_rates")
    create_guards(op.get_bind())
