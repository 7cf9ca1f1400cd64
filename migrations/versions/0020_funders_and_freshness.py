"""funders' codes and the published documents' freshness (issue 10)

Revision ID: 0020
Revises: 0019

- funder_codes: a donor's random funder code per book (append-only), the key to their page across projects.
- published_documents: every version of a signed public document of the micro-projects (path, SHA-256, sequence),
  append-only; the public site shows only the newest recorded bytes of a path.
"""
import datetime as dt
import secrets

from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLES = ["published_documents", "funder_codes"]
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # services/projects.RECEIPT_ALPHABET


def _code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(10))
    return f"JF-{body[:5]}-{body[5:]}"


def upgrade() -> None:
    conn = op.get_bind()
    op.create_table('funder_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('book_id', sa.Integer(), nullable=False),
    sa.Column('donor_key', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['book_id'], ['books.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('book_id', 'donor_key'),
    sa.UniqueConstraint('code')
    )
    op.create_index(op.f('ix_funder_codes_book_id'), 'funder_codes', ['book_id'], unique=False)
    op.create_table('published_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('book_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('seq > 0', name='ck_published_documents_seq'),
    sa.ForeignKeyConstraint(['book_id'], ['books.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('path', 'seq')
    )
    op.create_index(op.f('ix_published_documents_book_id'), 'published_documents', ['book_id'], unique=False)
    # Every donor so far gets a code, as a new donor does at their first donation.
    taken = set()
    for book_id, key in conn.execute(sa.text("SELECT DISTINCT book_id, donor_key FROM donations ORDER BY book_id, donor_key")):
        code = _code()
        while code in taken:
            code = _code()
        taken.add(code)
        conn.execute(sa.text("INSERT INTO funder_codes (book_id, donor_key, code, created_at) VALUES (:b, :k, :c, :t)"),
                     {"b": book_id, "k": key, "c": code, "t": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)})
    create_guards(conn)  # the new tables are append-only


def downgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    for table in TABLES:
        op.drop_table(table)
    create_guards(conn)
