"""the supervisor's sign-off or objection on a publication, append-only and signed

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    op.create_table(
        "publication_opinions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(["publication_id"], ["publications.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_publication_opinions_publication_id", "publication_opinions", ["publication_id"])
    create_guards(conn)


def downgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    op.drop_index("ix_publication_opinions_publication_id", "publication_opinions")
    op.drop_table("publication_opinions")
    create_guards(conn)
