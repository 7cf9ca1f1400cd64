"""micro-projects with matching: pools, rule versions, projects, donations, refunds and matches (issue 10)

Revision ID: 0018
Revises: 0017

- matching_pools: a pool's held and committed figures; CHECK (committed_fen <= held_fen), and triggers on matches keep
  committed_fen (ledger/db/guards.py), so no match however written commits more than the pool holds.
- matching_pool_deposits, matching_rules, project_budget_lines, donations, donation_refunds: append-only.
- projects: each pins the rule version it runs under; matches: pending -> posted | voided, amounts fixed.
"""
from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    op.create_table('matching_pools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('book_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('funder', sa.String(length=200), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('held_fen', sa.BigInteger(), nullable=False),
    sa.Column('committed_fen', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('committed_fen >= 0 AND committed_fen <= held_fen', name='ck_matching_pools_committed'),
    sa.CheckConstraint('held_fen >= 0', name='ck_matching_pools_held'),
    sa.ForeignKeyConstraint(['book_id'], ['books.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('book_id', 'code')
    )
    op.create_index('ix_matching_pools_book_id', 'matching_pools', ['book_id'], unique=False)
    op.create_table('matching_pool_deposits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], ),
    sa.ForeignKeyConstraint(['pool_id'], ['matching_pools.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_matching_pool_deposits_pool_id', 'matching_pool_deposits', ['pool_id'], unique=False)
    op.create_table('matching_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('rule_json', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['pool_id'], ['matching_pools.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pool_id', 'version')
    )
    op.create_index('ix_matching_rules_pool_id', 'matching_rules', ['pool_id'], unique=False)
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('book_id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('story', sa.Text(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('team', sa.String(length=200), nullable=False),
    sa.Column('goal_fen', sa.BigInteger(), nullable=False),
    sa.Column('stretch_fen', sa.BigInteger(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('funding_mode', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('settled_at', sa.DateTime(), nullable=True),
    sa.Column('settle_entry_id', sa.Integer(), nullable=True),
    sa.Column('round_closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("funding_mode IN ('all_or_nothing', 'keep_what_you_raise')", name='ck_projects_mode'),
    sa.CheckConstraint("status IN ('open', 'funded', 'failed')", name='ck_projects_status'),
    sa.CheckConstraint('goal_fen > 0', name='ck_projects_goal'),
    sa.CheckConstraint('stretch_fen IS NULL OR stretch_fen > goal_fen', name='ck_projects_stretch'),
    sa.ForeignKeyConstraint(['book_id'], ['books.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], ),
    sa.ForeignKeyConstraint(['pool_id'], ['matching_pools.id'], ),
    sa.ForeignKeyConstraint(['rule_id'], ['matching_rules.id'], ),
    sa.ForeignKeyConstraint(['settle_entry_id'], ['entries.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('book_id', 'code')
    )
    op.create_index('ix_projects_book_id', 'projects', ['book_id'], unique=False)
    op.create_index('ix_projects_pool_id', 'projects', ['pool_id'], unique=False)
    op.create_table('donations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('book_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('display_name', sa.String(length=60), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('donor_key', sa.String(length=64), nullable=False),
    sa.Column('receipt_code', sa.String(length=20), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name='ck_donations_amount'),
    sa.ForeignKeyConstraint(['book_id'], ['books.id'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], ),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('receipt_code')
    )
    op.create_index('ix_donations_book_id', 'donations', ['book_id'], unique=False)
    op.create_index('ix_donations_donor_key', 'donations', ['donor_key'], unique=False)
    op.create_index('ix_donations_project_id', 'donations', ['project_id'], unique=False)
    op.create_table('project_budget_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_project_budget_lines_project_id', 'project_budget_lines', ['project_id'], unique=False)
    op.create_table('donation_refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donation_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name='ck_donation_refunds_amount'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['donation_id'], ['donations.id'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_donation_refunds_donation_id', 'donation_refunds', ['donation_id'], unique=False)
    op.create_table('matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('donation_id', sa.Integer(), nullable=False),
    sa.Column('raw_fen', sa.BigInteger(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('clawed_back_fen', sa.BigInteger(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'posted', 'voided')", name='ck_matches_status'),
    sa.CheckConstraint('amount_fen >= 0 AND raw_fen >= 0', name='ck_matches_amount'),
    sa.CheckConstraint('clawed_back_fen >= 0 AND clawed_back_fen <= amount_fen', name='ck_matches_clawed_back'),
    sa.ForeignKeyConstraint(['donation_id'], ['donations.id'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], ),
    sa.ForeignKeyConstraint(['pool_id'], ['matching_pools.id'], ),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('donation_id')
    )
    op.create_index('ix_matches_pool_id', 'matches', ['pool_id'], unique=False)
    op.create_index('ix_matches_project_id', 'matches', ['project_id'], unique=False)
    create_guards(conn)  # the new tables' guards and the pool's commitment triggers


def downgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    op.drop_index('ix_matches_pool_id', 'matches')
    op.drop_index('ix_matches_project_id', 'matches')
    op.drop_table('matches')
    op.drop_index('ix_donation_refunds_donation_id', 'donation_refunds')
    op.drop_table('donation_refunds')
    op.drop_index('ix_project_budget_lines_project_id', 'project_budget_lines')
    op.drop_table('project_budget_lines')
    op.drop_index('ix_donations_book_id', 'donations')
    op.drop_index('ix_donations_donor_key', 'donations')
    op.drop_index('ix_donations_project_id', 'donations')
    op.drop_table('donations')
    op.drop_index('ix_projects_book_id', 'projects')
    op.drop_index('ix_projects_pool_id', 'projects')
    op.drop_table('projects')
    op.drop_index('ix_matching_rules_pool_id', 'matching_rules')
    op.drop_table('matching_rules')
    op.drop_index('ix_matching_pool_deposits_pool_id', 'matching_pool_deposits')
    op.drop_table('matching_pool_deposits')
    op.drop_index('ix_matching_pools_book_id', 'matching_pools')
    op.drop_table('matching_pools')
    create_guards(conn)
