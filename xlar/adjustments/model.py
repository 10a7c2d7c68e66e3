"""The records adjustments are made of: documents, drafts, and what the store remembers.

Money is integer minor units in the document's currency.  A document's
``net_cents`` and ``tax_cents`` are sizes (never negative); its effect on the
customer's balance is ``ar_cents``, signed: negative for a credit memo or a
write-off of an invoice, positive for an invoice or a refund.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from xlar.adjustments.requests import AdjustmentRequest

__all__ = ["DocLine", "DraftDocument", "CommissionChange", "Draft", "PostedRequest",
           "ApprovalState", "History", "STATUSES", "DOC_LABELS"]

#: How each document is named on sheets, in the journal and on paper.
DOC_LABELS = {"credit_memo": "Credit memo", "invoice": "Invoice", "write_off": "Write-off",
              "refund": "Refund"}

#: Where a request stands, in the words the sheet shows.
STATUSES = {
    "blocked": "cannot be posted: the reason is in Why",
    "ready": "ready to post",
    "needs approval": "above your authority: Post sends it for approval",
    "waiting for approval": "sent for approval, not decided yet",
    "approved": "approved: Post posts it",
    "rejected": "rejected by the approver",
    "posted": "posted",
    "not posted": "the store refused it: the reason is in Why",
}


class DocLine(NamedTuple):
    """A printed line: quantity x unit price = net (minor units)."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    net_cents: int


class DraftDocument(NamedTuple):
    """A document an adjustment makes.

    Attributes:
      kind: credit_memo, invoice, write_off or refund.
      customer_id, customer_name, currency: whose and in what.
      doc_date, due_date: the document's dates (due date for invoices only).
      net_cents, tax_cents: sizes; ``net + tax`` is the document's total.
      ar_cents: signed effect on the customer's balance.
      applies_to: item key of the open item it adjusts ('' for a new invoice).
      applies_document: that item's document number.
      lines: printed lines (invoices and credits typed by line).
      tax_rate: the rate the tax was worked out at.
      reason_code: why (credit and write-off reasons; refunds: overpayment ...).
      gl_role: the account role the non-AR side goes to (revenue, sales_returns,
        allowance, bad_debt, small_balance, refunds).
      sales_partner, territory, collector, terms, po_number, bill_to,
      refund_method, note: carried to the open item and the printed document.
      number: the document number, once posted ('' before).
    """

    kind: str
    customer_id: str
    customer_name: str
    currency: str
    doc_date: dt.date
    due_date: dt.date | None
    net_cents: int
    tax_cents: int
    ar_cents: int
    applies_to: str = ""
    applies_document: str = ""
    lines: tuple[DocLine, ...] = ()
    tax_rate: Decimal = Decimal(0)
    reason_code: str = ""
    gl_role: str = ""
    sales_partner: str = ""
    territory: str = ""
    collector: str = ""
    terms: str = ""
    po_number: str = ""
    bill_to: str = ""
    refund_method: str = ""
    note: str = ""
    number: str = ""

    @property
    def total_cents(self) -> int:
        return self.net_cents + self.tax_cents

    @property
    def label(self) -> str:
        return DOC_LABELS[self.kind]


class CommissionChange(NamedTuple):
    """What a sales partner's commission changes by, because an invoice's value changed.

    Attributes:
      partner, customer_id, document (the original invoice), currency.
      base_cents: change of the partner's commissionable sales, net of tax
        (negative when the invoice's value went down).
      rate: the partner's commission rate.
      commission_cents: base x rate, rounded half away from zero (signed).
      why: one sentence.
    """

    partner: str
    customer_id: str
    document: str
    currency: str
    base_cents: int
    rate: Decimal
    commission_cents: int
    why: str


class Draft(NamedTuple):
    """One request, worked out: its documents, or why it cannot go ahead.

    Attributes:
      request: the typed request.
      status: one of :data:`STATUSES`.
      why: what was decided and on what grounds (amounts, tax, authority).
      documents: the documents it makes (a rebill makes two).
      commission: the partner's commission change, if any.
      approval: why a manager must approve ('' when the user may post it).
      open_before, open_after: the adjusted item's open amount before and after
        (None for a new invoice).
      numbers: document numbers once posted.
      apply_to_sheet: True when its documents must still be applied to the
        Open Items sheet (posted now, or posted earlier from somewhere else).
    """

    request: AdjustmentRequest
    status: str
    why: str
    documents: tuple[DraftDocument, ...] = ()
    commission: CommissionChange | None = None
    approval: str = ""
    open_before: int | None = None
    open_after: int | None = None
    numbers: tuple[str, ...] = ()
    apply_to_sheet: bool = False

    @property
    def currency(self) -> str:
        return self.documents[0].currency if self.documents else ""

    @property
    def ar_cents(self) -> int:
        return sum(d.ar_cents for d in self.documents)

    @property
    def amount_cents(self) -> int:
        """The headline amount (the size of the main document): what authority is about."""
        return self.documents[-1].total_cents if self.documents else 0

    @property
    def key(self) -> str:
        return f"adjustment:{self.request.request_id}"


class PostedRequest(NamedTuple):
    """A request the store has posted: its documents (with numbers), who and when."""

    request_id: str
    documents: tuple[DraftDocument, ...]
    commission: CommissionChange | None
    posted_by: str
    posted_at: dt.datetime

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(d.number for d in self.documents)


class ApprovalState(NamedTuple):
    """Where a request stands in the approval queue.

    Attributes:
      status: pending, approved or rejected.
      requested_by, requested_at: who sent it, when.
      decided_by, decided_at, note: the decision ('' / None while pending).
      reason: why approval was needed.
      amount_cents, currency, kind, customer_id, document: what was asked.
    """

    request_id: str
    status: str
    requested_by: str
    requested_at: dt.datetime
    reason: str
    amount_cents: int
    currency: str
    kind: str
    customer_id: str
    document: str
    decided_by: str = ""
    decided_at: dt.datetime | None = None
    note: str = ""


class History(NamedTuple):
    """What the activity store knows that drafting needs.

    Attributes:
      posted: request ID -> what it posted.
      approvals: request ID -> its approval state.
      credited: (customer, document) -> minor units already credited by posted
        credit memos, so the same invoice cannot be credited twice over.
      invoices: (customer, number) -> (net, tax) of invoices xlar made, so a
        later credit reverses their exact tax.
    """

    posted: dict = {}
    approvals: dict = {}
    credited: dict = {}
    invoices: dict = {}
