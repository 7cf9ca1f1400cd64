"""project spending by budget line (issue 10): project_spends

Revision ID: 0022
Revises: 0021

Each spend from a micro-project's restricted fund is allocated to the project's budget lines; append-only (guards:
APPEND_ONLY_TABLES). The posting check (services/project_spending.py, a BEFORE_POST hook) refuses an entry whose
expense lines on a project's fund are not covered exactly, that has no voucher, or that would take a line over.
"""
from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    op.create_table('project_spends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('budget_line_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name='ck_project_spends_amount'),
    sa.ForeignKeyConstraint(['budget_line_id'], ['project_budget_lines.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entry_id', 'budget_line_id')
    )
    op.create_index('ix_project_spends_entry_id', 'project_spends', ['entry_id'], unique=False)
    op.create_index('ix_project_spends_budget_line_id', 'project_spends', ['budget_line_id'], unique=False)
    create_guards(conn)  # the new table's append-only guard


def downgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    op.drop_index('ix_project_spends_budget_line_id', 'project_spends')
    op.drop_index('ix_project_spends_entry_id', 'project_spends')
    op.drop_table('project_spends')
    create_guards(conn)
