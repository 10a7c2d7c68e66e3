"""Adjustment documents remember the open amount of the item they adjusted.

A refresh re-reads the ERP's export, which does not show an adjustment posted in
xlar until the ERP has booked it; with the amount the posting started from, the
refresh can tell "not booked yet" (apply it again) from "booked" and "changed in
the ERP since" (see xlar.pending).  Documents posted before this revision have
NULL: the refresh cannot tell, so it leaves them to the ERP and says so.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("adjustment_documents") as batch:
        batch.add_column(sa.Column("open_before_cents", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("adjustment_documents") as batch:
        batch.drop_column("open_before_cents")
