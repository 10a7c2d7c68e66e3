"""The activity store's tables (SQLAlchemy Core), as the latest migration leaves them.

Two kinds of table:

* **logs**, append-only: ``activity`` (every change of AR state, with who,
  when and an idempotency key), ``credit_hold_events``, ``payments_received``,
  ``aging_snapshots``.  Rows are never updated or deleted; a correction is a
  new row.
* **versioned records** typed by people: notes, disputes, promises, payment
  plans, exceptions, contacts.  Each edit is a new row with the same
  ``record_id`` and the next ``version``; the latest version is the record.

Money is BIGINT minor units with a currency; dates are DATE; moments are UTC
timestamps.  The schema is created by the Alembic migrations in
``xlar/store/migrations``, never by ``create_all``; a test checks that the
migrations' head matches this module.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["metadata", "activity", "notes", "disputes", "promises", "payment_plans",
           "exceptions", "contacts", "credit_hold_events", "payments_received",
           "aging_snapshots", "cash_receipts", "cash_applications", "number_series",
           "adjustment_documents", "journal_lines", "commission_adjustments", "approvals",
           "VERSIONED", "DISPUTE_REASONS", "DISPUTE_STATUSES"]

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
})

#: Reason codes of disputes and deductions.
DISPUTE_REASONS = ("pricing", "quantity_short", "damaged", "not_received", "tax",
                   "promotion_allowance", "duplicate_billing", "other")
DISPUTE_STATUSES = ("open", "resolved_valid", "resolved_invalid")


def _who_when():
    return [
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
    ]


activity = sa.Table(
    "activity", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("who", sa.String(120), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("customer_id", sa.String(60), nullable=False, server_default=""),
    sa.Column("document", sa.String(120), nullable=False, server_default=""),
    sa.Column("amount_cents", sa.BigInteger, nullable=True),
    sa.Column("currency", sa.String(3), nullable=True),
    sa.Column("payload", sa.JSON, nullable=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
)
sa.Index("ix_activity_customer", activity.c.customer_id, activity.c.at)


def _versioned(name: str, *columns: sa.Column) -> sa.Table:
    t = sa.Table(
        name, metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("record_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("customer_id", sa.String(60), nullable=False),
        *columns,
        *_who_when(),
        sa.UniqueConstraint("record_id", "version", name=f"uq_{name}_record_version"),
    )
    sa.Index(f"ix_{name}_customer", t.c.customer_id)
    return t


notes = _versioned(
    "notes",
    sa.Column("document", sa.String(120), nullable=False, server_default=""),
    sa.Column("note_date", sa.Date, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(60), nullable=False, server_default=""),
    sa.Column("contact", sa.String(120), nullable=False, server_default=""),
    sa.Column("next_action", sa.String(200), nullable=False, server_default=""),
    sa.Column("next_action_date", sa.Date, nullable=True),
)

disputes = _versioned(
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

promises = _versioned(
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

payment_plans = _versioned(
    "payment_plans",
    sa.Column("total_cents", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("installments", sa.Integer, nullable=False),
    sa.Column("first_date", sa.Date, nullable=False),
    sa.Column("frequency", sa.String(20), nullable=False),
    sa.Column("documents", sa.Text, nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("cancelled", sa.Boolean, nullable=False, server_default=sa.false()),
)

exceptions = _versioned(
    "exceptions",
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("until_date", sa.Date, nullable=True),
    sa.Column("approved_by", sa.String(120), nullable=False),
    sa.Column("ended", sa.Boolean, nullable=False, server_default=sa.false()),
)

contacts = _versioned(
    "contacts",
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(120), nullable=False, server_default=""),
    sa.Column("email", sa.String(200), nullable=False, server_default=""),
    sa.Column("phone", sa.String(60), nullable=False, server_default=""),
    sa.Column("language", sa.String(2), nullable=False, server_default="en"),
)

credit_hold_events = sa.Table(
    "credit_hold_events", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("customer_id", sa.String(60), nullable=False),
    sa.Column("event", sa.String(10), nullable=False),  # placed / released
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("rule", sa.String(60), nullable=False, server_default=""),
    *_who_when(),
)
sa.Index("ix_credit_hold_events_customer", credit_hold_events.c.customer_id)

payments_received = sa.Table(
    "payments_received", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("customer_id", sa.String(60), nullable=False),
    sa.Column("document", sa.String(120), nullable=False, server_default=""),
    sa.Column("paid_on", sa.Date, nullable=False),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("source", sa.String(200), nullable=False, server_default=""),
    *_who_when(),
)
sa.Index("ix_payments_received_customer", payments_received.c.customer_id)

aging_snapshots = sa.Table(
    "aging_snapshots", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
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
)
sa.Index("ix_aging_snapshots_as_of", aging_snapshots.c.as_of)

# Cash application (migration 0003): one row per payment posted from a bank file,
# lockbox, check register or card sheet, and one per open item it was applied to.
# Unique on payment_id / (payment_id, item_key): posting a file twice cannot apply twice.
cash_receipts = sa.Table(
    "cash_receipts", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("payment_id", sa.String(40), nullable=False),
    sa.Column("customer_id", sa.String(60), nullable=False, server_default=""),
    sa.Column("value_date", sa.Date, nullable=True),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("payer_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("payer_account", sa.String(60), nullable=False, server_default=""),
    sa.Column("bank_reference", sa.String(120), nullable=False, server_default=""),
    sa.Column("on_account_cents", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("status", sa.String(20), nullable=False),  # applied / on_account / unidentified
    sa.Column("source", sa.String(300), nullable=False, server_default=""),
    *_who_when(),
    sa.UniqueConstraint("payment_id", name="uq_cash_receipts_payment_id"),
)
sa.Index("ix_cash_receipts_customer", cash_receipts.c.customer_id)

cash_applications = sa.Table(
    "cash_applications", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
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
    *_who_when(),
    sa.UniqueConstraint("payment_id", "item_key", name="uq_cash_applications_payment_item"),
)
sa.Index("ix_cash_applications_customer", cash_applications.c.customer_id)
sa.Index("ix_cash_applications_item_key", cash_applications.c.item_key)

# Adjustments (migration 0004).  Posted documents, their journal lines and commission
# changes are logs; the number series is the one table updated in place: a counter per
# series, raised inside the posting transaction, so numbers have no gaps and no repeats.
number_series = sa.Table(
    "number_series", metadata,
    sa.Column("series", sa.String(60), primary_key=True),
    sa.Column("last_number", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

adjustment_documents = sa.Table(
    "adjustment_documents", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
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
    # The adjusted item's open amount when this was posted (migration 0005; NULL before,
    # and for documents that adjust no item): how a refresh knows whether the ERP has it.
    sa.Column("open_before_cents", sa.BigInteger, nullable=True),
    sa.UniqueConstraint("number", name="uq_adjustment_documents_number"),
    sa.UniqueConstraint("series", "seq", name="uq_adjustment_documents_series_seq"),
)
sa.Index("ix_adjustment_documents_customer", adjustment_documents.c.customer_id)
sa.Index("ix_adjustment_documents_request", adjustment_documents.c.request_id)

journal_lines = sa.Table(
    "journal_lines", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
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
    sa.UniqueConstraint("entry_id", "line_no", name="uq_journal_lines_entry_line"),
)
sa.Index("ix_journal_lines_posted_on", journal_lines.c.posted_on)

commission_adjustments = sa.Table(
    "commission_adjustments", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
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
    sa.UniqueConstraint("request_id", name="uq_commission_adjustments_request_id"),
)
sa.Index("ix_commission_adjustments_partner", commission_adjustments.c.partner)

# The approval queue: one 'requested' row, then at most one 'decided' row per request
# (unique), so two approvers deciding at once cannot both win.
approvals = sa.Table(
    "approvals", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("request_id", sa.String(40), nullable=False),
    sa.Column("step", sa.String(10), nullable=False),  # requested / decided
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
    sa.UniqueConstraint("request_id", "step", name="uq_approvals_request_step"),
)
sa.Index("ix_approvals_customer", approvals.c.customer_id)

#: Versioned record tables by kind.
VERSIONED = {"note": notes, "dispute": disputes, "promise": promises,
             "payment_plan": payment_plans, "exception": exceptions, "contact": contacts}
