"""grants (治理创新基金, issue 10): programmes, applications, reviews, decisions, tranches, reports, closures

Revision ID: 0019
Revises: 0018

One migration for every table of the grants. Every decided fact is append-only (guards: APPEND_ONLY_TABLES); an
application's status moves. A trigger on grant_decisions and grant_closures refuses a row that would take what a
programme has committed over its pool (guards.GRANT_POOL).
"""
from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TABLES = ['grant_report_expenses', 'grant_report_decisions', 'grant_reports', 'grant_releases', 'grant_tranches', 'grant_reviews', 'grant_decisions', 'grant_conflicts', 'grant_closures', 'grant_budget_lines', 'grant_reviewers', 'grant_applications', 'grant_programmes']


def upgrade() -> None:
    conn = op.get_bind()
    op.create_table('grant_programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('book_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('pool_fen', sa.BigInteger(), nullable=False),
    sa.Column('ceiling_fen', sa.BigInteger(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('ceiling_fen > 0 AND ceiling_fen <= pool_fen', name='ck_grant_programmes_ceiling'),
    sa.CheckConstraint('closes_on >= opens_on', name='ck_grant_programmes_call'),
    sa.CheckConstraint('pool_fen > 0', name='ck_grant_programmes_pool'),
    sa.ForeignKeyConstraint(['book_id'], ['books.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('book_id', 'code')
    )
    op.create_index(op.f('ix_grant_programmes_book_id'), 'grant_programmes', ['book_id'], unique=False)
    op.create_table('grant_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('applicant', sa.String(length=200), nullable=False),
    sa.Column('community', sa.String(length=200), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name='ck_grant_applications_amount'),
    sa.ForeignKeyConstraint(['programme_id'], ['grant_programmes.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_grant_applications_programme_id'), 'grant_applications', ['programme_id'], unique=False)
    op.create_table('grant_reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['grant_programmes.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id', 'user_id')
    )
    op.create_index(op.f('ix_grant_reviewers_programme_id'), 'grant_reviewers', ['programme_id'], unique=False)
    op.create_table('grant_budget_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name='ck_grant_budget_lines_amount'),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'line_no')
    )
    op.create_index(op.f('ix_grant_budget_lines_application_id'), 'grant_budget_lines', ['application_id'], unique=False)
    op.create_table('grant_closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('spent_fen', sa.BigInteger(), nullable=False),
    sa.Column('returned_fen', sa.BigInteger(), nullable=False),
    sa.Column('decommitted_fen', sa.BigInteger(), nullable=False),
    sa.Column('regranted_fen', sa.BigInteger(), nullable=False),
    sa.Column('regrant_to_id', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(mode = 'complete' AND decommitted_fen = 0) OR (mode <> 'complete' AND decommitted_fen > 0)", name='ck_grant_closures_unspent'),
    sa.CheckConstraint("(mode = 'regrant' AND regranted_fen = decommitted_fen AND regrant_to_id IS NOT NULL) OR (mode <> 'regrant' AND regranted_fen = 0 AND regrant_to_id IS NULL)", name='ck_grant_closures_regrant'),
    sa.CheckConstraint("mode IN ('complete', 'return', 'regrant')", name='ck_grant_closures_mode'),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], ),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['grant_programmes.id'], ),
    sa.ForeignKeyConstraint(['regrant_to_id'], ['grant_applications.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id')
    )
    op.create_index(op.f('ix_grant_closures_programme_id'), 'grant_closures', ['programme_id'], unique=False)
    op.create_table('grant_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'user_id')
    )
    op.create_index(op.f('ix_grant_conflicts_application_id'), 'grant_conflicts', ['application_id'], unique=False)
    op.create_table('grant_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(decision = 'award' AND amount_fen > 0) OR (decision = 'decline' AND amount_fen = 0)", name='ck_grant_decisions_amount'),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['grant_programmes.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id')
    )
    op.create_index(op.f('ix_grant_decisions_programme_id'), 'grant_decisions', ['programme_id'], unique=False)
    op.create_table('grant_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('score >= 0 AND score <= 100', name='ck_grant_reviews_score'),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'user_id')
    )
    op.create_index(op.f('ix_grant_reviews_application_id'), 'grant_reviews', ['application_id'], unique=False)
    op.create_table('grant_tranches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('planned_fen', sa.BigInteger(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('planned_fen > 0', name='ck_grant_tranches_planned'),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'seq')
    )
    op.create_index(op.f('ix_grant_tranches_application_id'), 'grant_tranches', ['application_id'], unique=False)
    op.create_table('grant_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tranche_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('released_on', sa.Date(), nullable=False),
    sa.Column('released_by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], ),
    sa.ForeignKeyConstraint(['released_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['tranche_id'], ['grant_tranches.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_grant_releases_tranche_id'), 'grant_releases', ['tranche_id'], unique=False)
    op.create_table('grant_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tranche_id', sa.Integer(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['tranche_id'], ['grant_tranches.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_grant_reports_tranche_id'), 'grant_reports', ['tranche_id'], unique=False)
    op.create_table('grant_report_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['report_id'], ['grant_reports.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('report_id')
    )
    op.create_table('grant_report_expenses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('voucher', sa.String(length=200), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name='ck_grant_report_expenses_amount'),
    sa.ForeignKeyConstraint(['report_id'], ['grant_reports.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('report_id', 'line_no')
    )
    op.create_index(op.f('ix_grant_report_expenses_report_id'), 'grant_report_expenses', ['report_id'], unique=False)
    create_guards(conn)  # the new tables' guards and the pool's trigger


def downgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    for table in TABLES:
        op.drop_table(table)
    create_guards(conn)
