"""Sales-partner commission adjustments: when an invoice's value changes, so does the
partner's commission on it.

A credit memo, the credit-and-rebill pair, or a write-off changes the
partner's commissionable sales by the change in the invoice's value **net of
tax** (tax is not a sale).  The adjustment is that change at the partner's
rate (setting ``commission_rates``), rounded half away from zero.  Manual
invoices are new sales: the ERP's commission run pays them, so they make no
adjustment here.  Refunds move money, not sales: none either.

The report sums the adjustments per partner and currency: what to take off
(or add to) the next payout.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from xlar.adjustments.model import CommissionChange
from xlar.adjustments.policy import Policy, format_rate
from xlar.money import format_money, round_half_up

__all__ = ["commission_change", "payout_report"]


def commission_change(policy: Policy, partner: str, customer_id: str, document: str,
                      currency: str, base_cents: int, what: str) -> CommissionChange | None:
    """The commission change for a *base_cents* change of the partner's sales (None when
    there is no partner, no rate, or no change)."""
    rate = policy.commission_rate(partner)
    if not partner or rate == 0 or base_cents == 0:
        return None
    cents = int(round_half_up(Decimal(int(base_cents)) * rate))
    if cents == 0:
        return None
    direction = "down" if base_cents < 0 else "up"
    why = (f"{partner}'s commission {direction} {format_money(abs(cents), currency)}: "
           f"{what} changes {document}'s net value by {format_money(base_cents, currency)} "
           f"at {format_rate(rate)}")
    return CommissionChange(partner, customer_id, document, currency, int(base_cents), rate,
                            cents, why)


def payout_report(adjustments: pd.DataFrame) -> pd.DataFrame:
    """Per partner and currency: number of adjustments, change of sales, change of
    commission (what the next payout changes by).  *adjustments* has the store's
    columns partner, currency, base_cents, commission_cents."""
    cols = ["partner", "currency", "adjustments", "base_cents", "commission_cents"]
    if adjustments is None or adjustments.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("partner", "currency")
                                           else np.int64) for c in cols})
    g = adjustments.groupby(["partner", "currency"], sort=True)
    out = g.agg(adjustments=("commission_cents", "size"), base_cents=("base_cents", "sum"),
                commission_cents=("commission_cents", "sum")).reset_index()
    for c in ("adjustments", "base_cents", "commission_cents"):
        out[c] = out[c].astype(np.int64)
    return out[cols]
