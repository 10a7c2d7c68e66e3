"""The first activity store: activity log, notes, disputes, promises, exceptions,
contacts, credit holds and payments received.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _who_when():
    return [sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("created_by", sa.String(120), nullable=False)]


def _versioned(name, *columns):
    op.create_table(
        name,
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("customer_id", sa.String(60), nullable=False),
        *columns,
        *_who_when(),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        sa.UniqueConstraint("record_id", "version", name=f"uq_{name}_record_version"),
    )
    op.create_index(f"ix_{name}_customer", name, ["customer_id"])


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("who", sa.String(120), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("customer_id", sa.String(60), nullable=False, server_default=""),
        sa.Column("document", sa.String(120), nullable=False, server_default=""),
        sa.Column("amount_cents", sa.BigInteger, nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("payload", sa.JSON, nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_activity"),
        sa.UniqueConstraint("idempotency_key", name="uq_activity_idempotency_key"),
    )
    op.create_index("ix_activity_customer", "activity", ["customer_id", "at"])
    _versioned(
        "notes",
        sa.Column("document", sa.String(120), nullable=False, server_default=""),
        sa.Column("note_date", sa.Date, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(60), nullable=False, server_default=""),
        sa.Column("contact", sa.String(120), nullable=False, server_default=""),
        sa.Column("next_action", sa.String(200), nullable=False, server_default=""),
        sa.Column("next_action_date", sa.Date, nullable=True),
    )
    _versioned(
        "disputes",
        sa.Column("document", sa.String(120), nullable=False, server_default=""),
        sa.Column("reason_code", sa.String(40), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False, server_default=""),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("resolved_on", sa.Date, nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    _versioned(
        "promises",
        sa.Column("document", sa.String(120), nullable=False, server_default=""),
        sa.Column("promised_on", sa.Date, nullable=False),
        sa.Column("promised_date", sa.Date, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("contact", sa.String(120), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("cancelled", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    _versioned(
        "exceptions",
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("until_date", sa.Date, nullable=True),
        sa.Column("approved_by", sa.String(120), nullable=False),
        sa.Column("ended", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    _versioned(
        "contacts",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(120), nullable=False, server_default=""),
        sa.Column("email", sa.String(200), nullable=False, server_default=""),
        sa.Column("phone", sa.String(60), nullable=False, server_default=""),
        sa.Column("language", sa.String(2), nullable=False, server_default="en"),
    )
    op.create_table(
        "credit_hold_events",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(60), nullable=False),
        sa.Column("event", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("rule", sa.String(60), nullable=False, server_default=""),
        *_who_when(),
        sa.PrimaryKeyConstraint("id", name="pk_credit_hold_events"),
    )
    op.create_index("ix_credit_hold_events_customer", "credit_hold_events", ["customer_id"])
    op.create_table(
        "payments_received",
        sa.Column("id", BIGID, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(60), nullable=False),
        sa.Column("document", sa.String(120), nullable=False, server_default=""),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("source", sa.String(200), nullable=False, server_default=""),
        *_who_when(),
        sa.PrimaryKeyConstraint("id", name="pk_payments_received"),
    )
    op.create_index("ix_payments_received_customer", "payments_received", ["customer_id"])


def downgrade() -> None:
    for name in ("payments_received", "credit_hold_events", "contacts", "exceptions",
                 "promises", "disputes", "notes", "activity"):
        op.drop_table(name)
