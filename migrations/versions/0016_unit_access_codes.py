"""unit access codes ("my unit")

Revision ID: 0016
Revises: 0015

Each unit's access code for the "my unit" page, kept only as sha256(salt + code); revoked, never deleted.
"""
from alembic import op
import sqlalchemy as sa

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_access_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_unit_access_codes_book_id", "unit_access_codes", ["book_id"])
    op.create_index("ix_unit_access_codes_unit_id", "unit_access_codes", ["unit_id"])


def downgrade() -> None:
    op.drop_index("ix_unit_access_codes_unit_id", "unit_access_codes")
    op.drop_index("ix_unit_access_codes_book_id", "unit_access_codes")
    op.drop_table("unit_access_codes")
