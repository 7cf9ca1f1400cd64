"""The PostgreSQL balance guard looks an entry's lines up by entry_id, never by walking the fund index

Revision ID: 0004
Revises: 0003
"""
from alembic import op

from ledger.db.guards import create_guards

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_guards(op.get_bind())  # CREATE OR REPLACE FUNCTION ledger_guard_entry_balanced


def downgrade() -> None:
    create_guards(op.get_bind())
