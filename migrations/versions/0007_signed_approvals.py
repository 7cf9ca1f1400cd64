"""signed submissions, approvals and public voucher copies

Revision ID: 0007
Revises: 0006

A submission is signed with the content it submits (entries.submit_digest, submit_signature); each
approval signs that digest (approvals.content_digest, signature); each public voucher copy is
signed for its attachment (voucher_publics.signature). Rows from before have none: an entry that
was waiting for approval must be sent back and submitted again, and `ledger verify` names public
copies made before (redraw their boxes to sign them).
"""
from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _new_columns() -> list[tuple[str, sa.Column]]:
    return [
        ("entries", sa.Column("submit_digest", sa.String(64), nullable=True)),
        ("entries", sa.Column("submit_signature", sa.String(128), nullable=True)),
        ("approvals", sa.Column("content_digest", sa.String(64), nullable=True)),
        ("approvals", sa.Column("signature", sa.String(128), nullable=True)),
        ("voucher_publics", sa.Column("signature", sa.String(128), nullable=True)),
        ("voucher_publics", sa.Column("seq", sa.Integer(), nullable=True)),
    ]


def upgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    for table, column in _new_columns():
        if column.name not in {c["name"] for c in sa.inspect(conn).get_columns(table)}:  # kept by a SQLite downgrade
            op.add_column(table, column)
    create_guards(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        return  # as in 0005: dropping a column rebuilds the table; the columns are harmless and `upgrade` reuses them
    drop_guards(conn)
    for table, column in reversed(_new_columns()):
        op.drop_column(table, column.name)
    create_guards(conn)
