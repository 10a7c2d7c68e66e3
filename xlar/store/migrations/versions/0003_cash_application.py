"""Cash application: payments posted from bank files and the applications they made.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "cash_receipts",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("payment_id", sa.String(40), nullable=False),
        sa.Column("customer_id", sa.String(60), nullable=False, server_default=""),
        sa.Column("value_date", sa.Date, nullable=True),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payer_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("payer_account", sa.String(60), nullable=False, server_default=""),
        sa.Column("bank_reference", sa.String(120), nullable=False, server_default=""),
        sa.Column("on_account_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source", sa.String(300), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cash_receipts"),
        sa.UniqueConstraint("payment_id", name="uq_cash_receipts_payment_id"),
    )
    op.create_index("ix_cash_receipts_customer", "cash_receipts", ["customer_id"])
    op.create_table(
        "cash_applications",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("payment_id", sa.String(40), nullable=False),
        sa.Column("customer_id", sa.String(60), nullable=False),
        sa.Column("document", sa.String(120), nullable=False),
        sa.Column("item_key", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("open_before_cents", sa.BigInteger, nullable=False),
        sa.Column("apply_cents", sa.BigInteger, nullable=False),
        sa.Column("discount_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("writeoff_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("deduction_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("deduction_reason", sa.String(40), nullable=False, server_default=""),
        sa.Column("rule", sa.String(60), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cash_applications"),
        sa.UniqueConstraint("payment_id", "item_key", name="uq_cash_applications_payment_item"),
    )
    op.create_index("ix_cash_applications_customer", "cash_applications", ["customer_id"])
    op.create_index("ix_cash_applications_item_key", "cash_applications", ["item_key"])


def downgrade() -> None:
    op.drop_table("cash_applications")
    op.drop_table("cash_receipts")
