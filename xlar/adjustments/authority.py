"""Who may post or approve what.

* A write-off up to the user's authority (``authority_limits``, else
  ``default_authority_limit``, in the workbench currency) posts at once; above
  it, or in another currency, it goes to the approval queue.
* A refund pays money out: it always needs a second person's approval.
* An approver must not be the requester, and must have authority for the
  amount (their own limit is at least the amount; in another currency, only
  approvers named in ``authority_limits``).

Names are compared without regard to case or surrounding spaces.
"""

from __future__ import annotations

from xlar.adjustments.policy import Policy
from xlar.money import format_money

__all__ = ["approval_needed", "approval_refused", "same_person"]


def same_person(a: str, b: str) -> bool:
    return (a or "").strip().lower() == (b or "").strip().lower()


def approval_needed(policy: Policy, kind: str, amount_cents: int, currency: str,
                    user: str) -> str:
    """Why this adjustment needs a manager's approval ('' when the user may post it)."""
    if kind == "refund":
        return "a refund pays money out, so a second person approves every refund"
    if kind != "write_off":
        return ""
    limit = policy.limit(user)
    if currency != policy.currency:
        return (f"the write-off is in {currency}; authority limits are in {policy.currency}, so "
                "a manager approves it")
    if amount_cents > limit:
        return (f"the write-off of {format_money(amount_cents, currency)} is above "
                f"{user or 'your'}'s authority of {format_money(limit, currency)}")
    return ""


def approval_refused(policy: Policy, approver: str, requester: str, kind: str,
                     amount_cents: int, currency: str) -> str:
    """Why *approver* may not approve this request ('' when they may)."""
    if same_person(approver, requester):
        return (f"{approver} sent this request and cannot approve it too; another person with "
                "enough authority must decide")
    limit = policy.limit(approver)
    if currency == policy.currency and amount_cents > limit:
        return (f"{approver}'s authority of {format_money(limit, currency)} is below the "
                f"{format_money(amount_cents, currency)} asked; someone with a higher limit "
                "(setting authority_limits) must decide")
    if currency != policy.currency and (approver or "").strip().lower() not in policy.authority:
        # Limits are in the workbench currency: another currency needs a named manager.
        return (f"the request is in {currency}; only approvers named in the authority_limits "
                "setting may approve amounts in other currencies")
    return ""
