"""Refunds of an overpayment or a credit balance.

A refund takes a credit that is open on the account (a payment on account, an
overpayment, a credit memo left over after the invoice was paid), pays it out
by check, ACH, wire or card, and consumes the credit: the item's open amount
goes toward zero by the amount refunded.  It always needs a second person's
approval (see :mod:`xlar.adjustments.authority`), and a refund method.

Journal: Dr AR (the credit balance is used up), Cr refunds payable (accounts
payable pays the customer).
"""

from __future__ import annotations

import datetime as dt

from xlar.adjustments.model import DraftDocument
from xlar.adjustments.requests import REFUND_METHODS, REFUND_REASONS, AdjustmentRequest
from xlar.money import format_money

__all__ = ["draft_refund", "REFUNDABLE_TYPES"]

#: Open items a refund may consume.
REFUNDABLE_TYPES = ("payment", "credit_memo")


def draft_refund(req: AdjustmentRequest, target: dict, open_cents: int, amount_cents: int | None,
                 customer: dict, today: dt.date) -> tuple[DraftDocument | None, str]:
    """The refund document, or why there can be none.  *target* is the credit refunded,
    *open_cents* its open amount now (negative for a credit), *amount_cents* what was
    typed (None: all of the credit)."""
    currency = target["currency"]
    if open_cents >= 0:
        return None, (f"{target['document']} has no credit balance open "
                      f"({format_money(open_cents, currency)}); only a credit can be refunded")
    available = -open_cents
    amount = available if amount_cents is None else amount_cents
    if amount <= 0:
        return None, "the amount to refund must be more than zero"
    if amount > available:
        return None, (f"the refund of {format_money(amount, currency)} is more than the credit "
                      f"of {format_money(available, currency)} open on {target['document']}")
    if not req.refund_method:
        return None, f"say how the refund is paid: Refund Method {', '.join(REFUND_METHODS)}"
    reason = req.reason_code or ("overpayment" if target["doc_type"] == "payment" else
                                 "credit_balance")
    if reason not in REFUND_REASONS:
        return None, (f"reason code {reason.replace('_', ' ')!r} is not a refund reason; use "
                      f"{' or '.join(r.replace('_', ' ') for r in REFUND_REASONS)}")
    doc = DraftDocument(
        "refund", target["customer_id"], customer.get("customer_name", ""), currency, today,
        None, amount, 0, amount, target["item_key"], target["document"], reason_code=reason,
        gl_role="refunds", sales_partner=target.get("sales_partner", ""),
        territory=target.get("territory", ""), collector=target.get("collector", ""),
        bill_to=req.bill_to or customer.get("address", ""), refund_method=req.refund_method,
        note=req.note)
    return doc, ""
