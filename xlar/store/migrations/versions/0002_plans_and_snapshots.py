"""Payment plans, and aging snapshots taken at every refresh (for DSO and past-due trends).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "payment_plans",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("customer_id", sa.String(60), nullable=False),
        sa.Column("total_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("installments", sa.Integer, nullable=False),
        sa.Column("first_date", sa.Date, nullable=False),
        sa.Column("frequency", sa.String(20), nullable=False),
        sa.Column("documents", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("cancelled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payment_plans"),
        sa.UniqueConstraint("record_id", "version", name="uq_payment_plans_record_version"),
    )
    op.create_index("ix_payment_plans_customer", "payment_plans", ["customer_id"])
    op.create_table(
        "aging_snapshots",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("taken_at", sa.DateTime, nullable=False),
        sa.Column("source", sa.String(300), nullable=False, server_default=""),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("items", sa.Integer, nullable=False),
        sa.Column("customers", sa.Integer, nullable=False),
        sa.Column("balance_cents", sa.BigInteger, nullable=False),
        sa.Column("current_cents", sa.BigInteger, nullable=False),
        sa.Column("past_due_cents", sa.BigInteger, nullable=False),
        sa.Column("disputed_cents", sa.BigInteger, nullable=False),
        sa.Column("buckets", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_aging_snapshots"),
    )
    op.create_index("ix_aging_snapshots_as_of", "aging_snapshots", ["as_of"])


def downgrade() -> None:
    op.drop_table("aging_snapshots")
    op.drop_table("payment_plans")
