"""Collection metrics: DSO and its relatives, CEI, and late-payment interest.

Definitions used (and shown in the workbook as formulas a user can audit):

* **DSO** (standard) = AR balance / credit sales of the period x days in the period.
* **Countback DSO**: walk back month by month, taking each month's credit sales
  out of the AR balance; every month fully used adds its days, the month that
  is only partly used adds its share of days.  Less distorted by a sales spike.
* **Best-possible DSO** = current (not yet due) AR / credit sales x days: the DSO
  if every customer paid exactly on time.
* **ADD** (average days delinquent) = DSO - best-possible DSO.
* **CEI** (collection effectiveness index), in percent =
  (begin AR + credit sales - end total AR) / (begin AR + credit sales - end current AR) x 100.
* **Late interest** (simple, actual/365) = amount x annual rate x days late / 365,
  rounded half up to the cent; the EU late-payment directive's default rate is
  the ECB reference rate + 8 points, with a fixed EUR 40 compensation per invoice
  (in euros: added only to amounts in EUR).

Money arguments are integer minor units; ratios come back as floats (days,
percent), which are not money.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from xlar.money import round_half_up

__all__ = [
    "MetricError",
    "dso",
    "countback_dso",
    "best_possible_dso",
    "average_days_delinquent",
    "cei",
    "late_interest",
    "annual_rate_pct",
    "EU_REFERENCE_RATE",
    "EU_MARGIN_POINTS",
    "EU_COMPENSATION_CENTS",
]

#: ECB main refinancing rate used when no rate is given (a setting can override it).
EU_REFERENCE_RATE = Decimal("2.15")
EU_MARGIN_POINTS = Decimal(8)
#: Fixed compensation for recovery costs per late invoice (Directive 2011/7/EU, art. 6).
EU_COMPENSATION_CENTS = 4000


class MetricError(ValueError):
    """A metric that cannot be computed from the figures given (e.g. no sales)."""


def dso(ar_cents: int, credit_sales_cents: int, days: int) -> float:
    if credit_sales_cents <= 0:
        raise MetricError("DSO needs credit sales above zero for the period")
    if days <= 0:
        raise MetricError("DSO needs a period of at least one day")
    return ar_cents / credit_sales_cents * days


def countback_dso(ar_cents: int, monthly_sales_cents: Sequence[int],
                  days_in_month: Sequence[int] | None = None) -> float:
    """Countback DSO; *monthly_sales_cents* most recent month first."""
    if ar_cents < 0:
        raise MetricError("countback DSO needs an AR balance of zero or more")
    if not monthly_sales_cents:
        raise MetricError("countback DSO needs at least one month of credit sales")
    days_in_month = list(days_in_month or [30] * len(monthly_sales_cents))
    if len(days_in_month) != len(monthly_sales_cents):
        raise MetricError("give as many month lengths as months of sales")
    left = ar_cents
    total = 0.0
    for sales, days in zip(monthly_sales_cents, days_in_month, strict=True):
        if left <= 0:
            break
        if sales <= 0:
            total += days  # a month without sales: the balance is older than it
            continue
        if left >= sales:
            total += days
            left -= sales
        else:
            total += left / sales * days
            left = 0
    if left > 0:
        raise MetricError("the AR balance is larger than all the months of sales given; "
                          "give more months")
    return total


def best_possible_dso(current_ar_cents: int, credit_sales_cents: int, days: int) -> float:
    return dso(current_ar_cents, credit_sales_cents, days)


def average_days_delinquent(ar_cents: int, current_ar_cents: int, credit_sales_cents: int,
                            days: int) -> float:
    return dso(ar_cents, credit_sales_cents, days) - best_possible_dso(
        current_ar_cents, credit_sales_cents, days)


def cei(begin_ar_cents: int, credit_sales_cents: int, end_ar_cents: int,
        end_current_ar_cents: int) -> float:
    collectible = begin_ar_cents + credit_sales_cents - end_current_ar_cents
    if collectible <= 0:
        raise MetricError("CEI needs something to collect: beginning AR plus sales must exceed "
                          "the current AR at the end")
    return (begin_ar_cents + credit_sales_cents - end_ar_cents) / collectible * 100


def annual_rate_pct(value) -> Decimal | None:
    """A yearly interest rate as a user types it (or Excel sends it), in percent, by one
    rule (None for empty: the caller's default):

    * text with a % sign is percent as written: "10.15%" is 10.15 %, "0.5%" is 0.5 %;
    * a number below 1 is a fraction, which is what Excel sends for a cell shown as a
      percentage: 0.1015 (a cell showing 10.15%) is 10.15 %;
    * a number of 1 or more is percent: 10.15 is 10.15 %, and exactly 1 is 1 %.

    So the one reading nobody means, 100 % a year, is never chosen: a cell showing 100%
    (which sends 1) is 1 %.  A rate under 1 % is typed as "0.5%" or 0.005, not 0.5.
    """
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise MetricError(f"interest rate {value!r} is not a number")
    text = str(value).strip()
    if not text or text.lower() == "nan":
        return None
    percent = text.endswith("%")
    try:
        r = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        raise MetricError(f"interest rate {value!r} is not a number") from None
    if not r.is_finite() or r < 0:
        raise MetricError(f"interest rate {value!r} must be a rate of 0 or more")
    return r if percent or r >= 1 else r * 100


def late_interest(amount_cents: int, days_late: int, annual_rate_pct: Decimal | None = None,
                  compensation: bool = False, currency: str = "EUR") -> int:
    """Simple late-payment interest in minor units of *currency* (actual/365, rounded
    half up).

    *annual_rate_pct* is in percent (10.15 for 10.15 %) and defaults to the EU rate
    (reference rate + 8 points).  *compensation* adds the fixed EUR 40 of Directive
    2011/7/EU when the payment is late at all.  That sum is in euros: for an amount in
    another currency it is refused (MetricError) rather than added as 4,000 of that
    currency's minor units (40 dollars, or 4,000 yen).
    """
    if compensation and currency != "EUR":
        raise MetricError(f"the fixed EUR 40 compensation (EU late-payment directive) is in "
                          f"euros and this amount is in {currency}; leave compensation FALSE")
    if days_late <= 0 or amount_cents <= 0:
        return 0
    rate = annual_rate_pct if annual_rate_pct is not None else EU_REFERENCE_RATE + EU_MARGIN_POINTS
    interest = round_half_up(Decimal(amount_cents) * Decimal(rate) / 100 * days_late / 365)
    return int(interest) + (EU_COMPENSATION_CENTS if compensation else 0)
