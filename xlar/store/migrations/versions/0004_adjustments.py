"""Adjustments: number series, posted adjustment documents, journal lines, commission
adjustments and the approval queue.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _who_when():
    return [sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("created_by", sa.String(120), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "number_series",
        sa.Column("series", sa.String(60), primary_key=True),
        sa.Column("last_number", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("series", name="pk_number_series"),
    )
    op.create_table(
        "adjustment_documents",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("series", sa.String(60), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("customer_id", sa.String(60), nullable=False),
        sa.Column("customer_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("doc_date", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("net_cents", sa.BigInteger, nullable=False),
        sa.Column("tax_cents", sa.BigInteger, nullable=False),
        sa.Column("ar_cents", sa.BigInteger, nullable=False),
        sa.Column("tax_rate", sa.String(20), nullable=False, server_default="0"),
        sa.Column("applies_to", sa.String(200), nullable=False, server_default=""),
        sa.Column("applies_document", sa.String(120), nullable=False, server_default=""),
        sa.Column("reason_code", sa.String(40), nullable=False, server_default=""),
        sa.Column("gl_role", sa.String(40), nullable=False),
        sa.Column("sales_partner", sa.String(120), nullable=False, server_default=""),
        sa.Column("territory", sa.String(120), nullable=False, server_default=""),
        sa.Column("collector", sa.String(120), nullable=False, server_default=""),
        sa.Column("terms", sa.String(60), nullable=False, server_default=""),
        sa.Column("po_number", sa.String(120), nullable=False, server_default=""),
        sa.Column("bill_to", sa.Text, nullable=False, server_default=""),
        sa.Column("refund_method", sa.String(20), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("lines", sa.JSON, nullable=True),
        *_who_when(),
        sa.PrimaryKeyConstraint("id", name="pk_adjustment_documents"),
        sa.UniqueConstraint("number", name="uq_adjustment_documents_number"),
        sa.UniqueConstraint("series", "seq", name="uq_adjustment_documents_series_seq"),
    )
    op.create_index("ix_adjustment_documents_customer", "adjustment_documents",
                    ["customer_id"])
    op.create_index("ix_adjustment_documents_request", "adjustment_documents", ["request_id"])
    op.create_table(
        "journal_lines",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.String(40), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("posted_on", sa.Date, nullable=False),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("description", sa.String(200), nullable=False, server_default=""),
        sa.Column("debit_cents", sa.BigInteger, nullable=False),
        sa.Column("credit_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("customer_id", sa.String(60), nullable=False, server_default=""),
        sa.Column("document", sa.String(120), nullable=False, server_default=""),
        sa.Column("doc_kind", sa.String(20), nullable=False, server_default=""),
        sa.Column("applies_document", sa.String(120), nullable=False, server_default=""),
        sa.Column("request_id", sa.String(40), nullable=False),
        *_who_when(),
        sa.PrimaryKeyConstraint("id", name="pk_journal_lines"),
        sa.UniqueConstraint("entry_id", "line_no", name="uq_journal_lines_entry_line"),
    )
    op.create_index("ix_journal_lines_posted_on", "journal_lines", ["posted_on"])
    op.create_table(
        "commission_adjustments",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("entry_id", sa.String(40), nullable=False),
        sa.Column("partner", sa.String(120), nullable=False),
        sa.Column("customer_id", sa.String(60), nullable=False),
        sa.Column("document", sa.String(120), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("base_cents", sa.BigInteger, nullable=False),
        sa.Column("rate", sa.String(20), nullable=False),
        sa.Column("commission_cents", sa.BigInteger, nullable=False),
        sa.Column("posted_on", sa.Date, nullable=False),
        sa.Column("why", sa.Text, nullable=False, server_default=""),
        *_who_when(),
        sa.PrimaryKeyConstraint("id", name="pk_commission_adjustments"),
        sa.UniqueConstraint("request_id", name="uq_commission_adjustments_request_id"),
    )
    op.create_index("ix_commission_adjustments_partner", "commission_adjustments", ["partner"])
    op.create_table(
        "approvals",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("step", sa.String(10), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False, server_default=""),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("customer_id", sa.String(60), nullable=False),
        sa.Column("document", sa.String(120), nullable=False, server_default=""),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("details", sa.JSON, nullable=True),
        *_who_when(),
        sa.PrimaryKeyConstraint("id", name="pk_approvals"),
        sa.UniqueConstraint("request_id", "step", name="uq_approvals_request_step"),
    )
    op.create_index("ix_approvals_customer", "approvals", ["customer_id"])


def downgrade() -> None:
    op.drop_table("approvals")
    op.drop_table("commission_adjustments")
    op.drop_table("journal_lines")
    op.drop_table("adjustment_documents")
    op.drop_table("number_series")
