"""A covering index for trial balances: (book_id, account_id, amount_fen) on entry_lines

Revision ID: 0003
Revises: 0002
"""
from alembic import op

from ledger.db.guards import create_guards

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain CREATE/DROP INDEX, not batch mode: SQLite does not rebuild the guarded table.
    op.create_index("ix_lines_book_account_amount", "entry_lines", ["book_id", "account_id", "amount_fen"])
    op.drop_index("ix_lines_book_account", table_name="entry_lines")
    create_guards(op.get_bind())


def downgrade() -> None:
    op.create_index("ix_lines_book_account", "entry_lines", ["book_id", "account_id"])
    op.drop_index("ix_lines_book_account_amount", table_name="entry_lines")
