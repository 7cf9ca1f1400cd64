"""units off the register, revenue contracts' new terms, budgets' resolution as a foreign key

Revision ID: 0017
Revises: 0016

- unit_status_changes: a unit taken off the register (sold and merged, demolished, entered in error) or put back,
  from a month's first day; append-only.
- revenue_terms: a revenue contract's amount and schedule from a date on; append-only.
- budgets.resolution_id references resolutions.id. A budget naming a resolution that does not exist stops the
  upgrade with its id (budgets are append-only: the migration changes no budget by itself).
"""
from alembic import op
import sqlalchemy as sa

from ledger.db.guards import create_guards, drop_guards

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

FK_NAME = "fk_budgets_resolution_id"


def _refuse_dangling(conn) -> None:
    dangling = conn.exec_driver_sql(
        "SELECT b.id, b.resolution_id FROM budgets b WHERE b.resolution_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM resolutions r WHERE r.id = b.resolution_id) ORDER BY b.id").all()
    if dangling:
        named = ", ".join(f"budget {b} -> resolution {r}" for b, r in dangling)
        raise RuntimeError(
            f"预算引用了不存在的业主大会决定，无法加外键：{named}。请先在数据库中核对这些预算（预算表只追加，迁移不会自行修改）。 / "
            f"budgets cite owners' resolutions that do not exist, so the foreign key cannot be added: {named}. "
            "Check these budgets in the database first (budgets are append-only; the migration changes none by itself).")


def _rebuild_budgets_sqlite(conn, add: bool) -> None:
    """SQLite adds or drops a foreign key only by rebuilding the table (batch mode). With foreign keys enforced,
    dropping the old budgets table would orphan budget_lines, so its rows wait in a temporary table meanwhile
    (same ids). The caller has dropped the guards (the rebuild deletes and copies rows) and re-creates them."""
    conn.exec_driver_sql("CREATE TEMP TABLE _budget_lines_0017 AS SELECT * FROM budget_lines")
    conn.exec_driver_sql("DELETE FROM budget_lines")
    with op.batch_alter_table("budgets", recreate="always") as batch:
        if add:
            batch.create_foreign_key(FK_NAME, "resolutions", ["resolution_id"], ["id"])
        else:
            batch.drop_constraint(FK_NAME, type_="foreignkey")
    columns = ", ".join(c["name"] for c in sa.inspect(conn).get_columns("budget_lines"))
    conn.exec_driver_sql(f"INSERT INTO budget_lines ({columns}) SELECT {columns} FROM _budget_lines_0017")
    conn.exec_driver_sql("DROP TABLE _budget_lines_0017")


def upgrade() -> None:
    conn = op.get_bind()
    op.create_table(
        "unit_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_unit_status_changes_book_id", "unit_status_changes", ["book_id"])
    op.create_index("ix_unit_status_changes_unit_id", "unit_status_changes", ["unit_id"])
    op.create_table(
        "revenue_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("schedule", sa.String(16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["revenue_contracts.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_revenue_terms_contract_id", "revenue_terms", ["contract_id"])
    _refuse_dangling(conn)
    drop_guards(conn)
    if conn.dialect.name == "sqlite":
        _rebuild_budgets_sqlite(conn, add=True)
    else:
        op.create_foreign_key(FK_NAME, "budgets", "resolutions", ["resolution_id"], ["id"])
    create_guards(conn)  # the new tables' guards, and on SQLite the rebuilt budgets table's again


def downgrade() -> None:
    conn = op.get_bind()
    drop_guards(conn)
    if conn.dialect.name == "sqlite":
        _rebuild_budgets_sqlite(conn, add=False)
    else:
        op.drop_constraint(FK_NAME, "budgets", type_="foreignkey")
    op.drop_index("ix_revenue_terms_contract_id", "revenue_terms")
    op.drop_table("revenue_terms")
    op.drop_index("ix_unit_status_changes_unit_id", "unit_status_changes")
    op.drop_index("ix_unit_status_changes_book_id", "unit_status_changes")
    op.drop_table("unit_status_changes")
    create_guards(conn)
