"""grant report files and rebookings (issue 10): a tranche report's receipts as files (originals private, public copies
only once reviewed for redaction), a rejected grant entry booked again, and the API's
idempotency keys for grant requests

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TABLES = ["grant_api_keys", "grant_rebookings", "grant_report_file_publics", "grant_report_files"]


def upgrade() -> None:
    conn = op.get_bind()
    op.create_table('grant_report_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['grant_reports.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('report_id', 'sha256')
    )
    op.create_index(op.f('ix_grant_report_files_report_id'), 'grant_report_files', ['report_id'], unique=False)
    op.create_table('grant_report_file_publics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('redactions', sa.Text(), nullable=False),
    sa.Column('pages', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('seq >= 1', name='ck_grant_report_file_publics_seq'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['file_id'], ['grant_report_files.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('file_id', 'seq')
    )
    op.create_index(op.f('ix_grant_report_file_publics_file_id'), 'grant_report_file_publics', ['file_id'], unique=False)
    op.create_table('grant_rebookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('rejected_entry_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('award', 'close')", name='ck_grant_rebookings_kind'),
    sa.ForeignKeyConstraint(['application_id'], ['grant_applications.id'], ),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], ),
    sa.ForeignKeyConstraint(['rejected_entry_id'], ['entries.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entry_id'),
    sa.UniqueConstraint('rejected_entry_id')
    )
    op.create_index(op.f('ix_grant_rebookings_application_id'), 'grant_rebookings', ['application_id'], unique=False)
    op.create_table('grant_api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('book_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('operation', sa.String(length=32), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['book_id'], ['books.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('book_id', 'key')
    )
    create_guards(conn)  # the new tables are append-only (guards.APPEND_ONLY_TABLES)


def downgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    for table in TABLES:
        op.drop_table(table)
    create_guards(conn)
