"""Collection KPIs at the as-of date, per currency, and their trend by aging snapshot.

What management asks of an AR team, worked out by the engine (the Dashboard
shows the same figures again as Excel formulas, so a specialist can audit them):

* **DSO** (standard): AR balance / credit sales of the last :data:`DSO_MONTHS`
  months x the days of those months (the as-of month counts up to the as-of day).
* **Countback DSO**: walk back month by month through credit sales until the AR
  balance is used up (see :func:`xlar.metrics.countback_dso`).
* **Best-possible DSO**: current (not yet due) AR, the same way.  **ADD** (average
  days delinquent) = DSO - best-possible DSO.
* **CEI** for the period since the latest aging at or before the end of the previous
  month: (begin AR + credit sales - end AR) / (begin AR + credit sales - end current AR).
* **% current**, **% over 90** (days past due > 90, whatever the bucket edges), % past due.
* **Credit-limit utilisation**: balance of the customers that have a limit / their limits.
* **Average days to pay** and **weighted average days late** per customer, from the
  invoices the export shows as settled (a history such as the IBM sample).

Credit sales per month come from the workbench's *Credit Sales* sheet (typed from the
general ledger) or, for an export that is a history with settled dates, from the
invoices themselves.  Money is integer cents; days and ratios are floats.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.aging import Buckets, age_open_items, aging_totals, open_items_at
from xlar.metrics import MetricError, cei, countback_dso, dso

__all__ = [
    "DSO_MONTHS",
    "COUNTBACK_MONTHS",
    "TREND_POINTS",
    "OVER_DAYS",
    "Kpis",
    "SALES_COLUMNS",
    "month_start",
    "month_end",
    "period_months",
    "credit_sales_from_history",
    "merge_credit_sales",
    "currency_kpis",
    "kpis_by_currency",
    "trend",
    "history_snapshots",
    "payment_behaviour",
    "credit_limit_use",
]

#: Months of credit sales in the standard DSO (the as-of month and the two before it).
DSO_MONTHS = 3
#: Months of credit sales the countback walks through at most.
COUNTBACK_MONTHS = 12
#: Aging dates the trend keeps (a year of month ends and today's).
TREND_POINTS = 13
#: "% over 90": share of the balance more than this many days past due.
OVER_DAYS = 90

#: Columns of a credit-sales frame: one row per month and currency.
SALES_COLUMNS = ["month", "currency", "credit_sales_cents", "source"]


class Kpis(NamedTuple):
    """The KPIs of one currency at the as-of date.

    Attributes:
      currency, as_of: what they are for.
      balance_cents, current_cents, past_due_cents, over_90_cents: the aging.
      pct_current, pct_past_due, pct_over_90: shares of the balance (None if it is 0 or less).
      period_start: first day of the DSO period; period_days: its days up to the as-of date.
      sales_cents: credit sales of the DSO period (None when no month of it is known).
      dso, best_dso, add: days (None without credit sales).
      countback_dso: days (None when the months given do not cover the balance).
      cei_begin_date, cei_begin_cents, cei_sales_cents: the CEI period's start.
      cei: percent (None without an aging at the period's start).
      limit_customers, limit_balance_cents, limit_cents, over_limit: credit limits.
      limit_use: limit_balance / limit (None without limits).
      why: what is missing for the KPIs that are None, in plain words.
    """

    currency: str
    as_of: dt.date
    balance_cents: int
    current_cents: int
    past_due_cents: int
    over_90_cents: int
    pct_current: float | None
    pct_past_due: float | None
    pct_over_90: float | None
    period_start: dt.date
    period_days: int
    sales_cents: int | None
    dso: float | None
    best_dso: float | None
    add: float | None
    countback_dso: float | None
    cei_begin_date: dt.date | None
    cei_begin_cents: int | None
    cei_sales_cents: int | None
    cei: float | None
    limit_customers: int
    limit_balance_cents: int
    limit_cents: int
    over_limit: int
    limit_use: float | None
    why: tuple[str, ...]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: dt.date, n: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


def period_months(as_of: dt.date, months: int) -> list[tuple[dt.date, int]]:
    """The *months* months ending with the as-of month, most recent first, each with the
    days it counts: the as-of month up to the as-of day, the others whole."""
    out = []
    for k in range(months):
        first = _add_months(month_start(as_of), -k)
        days = as_of.day if k == 0 else calendar.monthrange(first.year, first.month)[1]
        out.append((first, days))
    return out


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole > 0 else None


# -- credit sales ----------------------------------------------------------------------


def _empty_sales() -> pd.DataFrame:
    return pd.DataFrame({"month": pd.Series(dtype="datetime64[s]"),
                         "currency": pd.Series(dtype=object),
                         "credit_sales_cents": pd.Series(dtype=np.int64),
                         "source": pd.Series(dtype=object)})


def credit_sales_from_history(items: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Credit sales per month and currency from an export that is a history (it has
    settled dates, so paid invoices are in it too): invoices and debit memos by the
    month of their document date, up to the as-of date.  An open-items export (no
    settled dates) says nothing about sales: the frame is empty."""
    if not len(items) or not items["settled_date"].notna().any():
        return _empty_sales()
    sold = items[items["doc_type"].isin(["invoice", "debit_memo"]) & items["doc_date"].notna()
                 & (items["doc_date"] <= pd.Timestamp(as_of))]
    amount = np.where(sold["original_cents"].to_numpy(np.int64) != 0,
                      sold["original_cents"].to_numpy(np.int64),
                      sold["open_cents"].to_numpy(np.int64))
    frame = pd.DataFrame({"month": pd.to_datetime(sold["doc_date"]).dt.to_period("M")
                          .dt.start_time.to_numpy(), "currency": sold["currency"].to_numpy(object),
                          "credit_sales_cents": amount})
    out = frame.groupby(["month", "currency"], sort=True, as_index=False)[
        "credit_sales_cents"].sum()
    out["credit_sales_cents"] = out["credit_sales_cents"].astype(np.int64)
    out["source"] = "export"
    return out[SALES_COLUMNS]


def merge_credit_sales(typed: pd.DataFrame | None, derived: pd.DataFrame) -> pd.DataFrame:
    """Typed months (from the general ledger) win over months derived from the export:
    the ledger is the book of record for sales."""
    frames = [f for f in (typed, derived) if f is not None and len(f)]
    if not frames:
        return _empty_sales()
    both = pd.concat([f[SALES_COLUMNS] for f in frames], ignore_index=True)
    both["month"] = pd.to_datetime(both["month"]).dt.to_period("M").dt.start_time
    both["rank"] = (both["source"] != "typed").astype(int)
    both = both.sort_values(["month", "currency", "rank"], kind="stable")
    out = both.drop_duplicates(["month", "currency"], keep="first").drop(columns="rank")
    return out.sort_values(["currency", "month"]).reset_index(drop=True)


def _monthly(sales: pd.DataFrame, currency: str) -> dict[dt.date, int]:
    s = sales[sales["currency"] == currency]
    return {pd.Timestamp(m).date(): int(c) for m, c in zip(s["month"], s["credit_sales_cents"],
                                                          strict=True)}


# -- KPIs -------------------------------------------------------------------------------


def credit_limit_use(by_customer: pd.DataFrame, customers: pd.DataFrame,
                     currency: str) -> tuple[int, int, int, int]:
    """(customers with a limit, their balance, their limits, how many are over) in *currency*."""
    if not len(customers) or "credit_limit_cents" not in customers:
        return 0, 0, 0, 0
    lim = customers[(customers["currency"] == currency) & (customers["credit_limit_cents"] > 0)]
    if not len(lim):
        return 0, 0, 0, 0
    bal = by_customer[by_customer["currency"] == currency].groupby("customer_id")[
        "balance_cents"].sum()
    limits = lim.groupby("customer_id")["credit_limit_cents"].sum()
    balance = bal.reindex(limits.index).fillna(0).astype(np.int64)
    return (len(limits), int(balance.sum()), int(limits.sum()),
            int((balance > limits).sum()))


def currency_kpis(totals: pd.Series, buckets: Buckets, as_of: dt.date, over_90_cents: int,
                  sales: pd.DataFrame, begin: tuple[dt.date, int] | None,
                  limits: tuple[int, int, int, int] = (0, 0, 0, 0)) -> Kpis:
    """The KPIs of one currency from its aging totals (a row of
    :func:`xlar.aging.aging_totals`), its credit sales and the aging at the CEI
    period's start (*begin*: its date and balance, or None)."""
    cur = str(totals["currency"])
    balance = int(totals["balance_cents"])
    current = int(totals[buckets.labels[0]])
    past_due = int(totals["past_due_cents"])
    months = period_months(as_of, COUNTBACK_MONTHS)
    monthly = _monthly(sales, cur)
    why: list[str] = []

    dso_months = months[:DSO_MONTHS]
    period_days = sum(d for _, d in dso_months)
    known = [monthly[m] for m, _ in dso_months if m in monthly]
    sales_cents = sum(known) if len(known) == DSO_MONTHS else None
    dso_v = best = add = None
    if sales_cents is None:
        missing = [f"{m:%Y-%m}" for m, _ in dso_months if m not in monthly]
        why.append(f"DSO needs {cur} credit sales for {', '.join(missing)} (Credit Sales sheet)")
    else:
        try:
            dso_v = dso(balance, sales_cents, period_days)
            best = dso(current, sales_cents, period_days)
            add = dso_v - best
        except MetricError as e:
            why.append(f"DSO: {e}")

    countback = None
    cb_sales, cb_days = [], []
    for m, d in months:
        if m not in monthly:
            break
        cb_sales.append(monthly[m])
        cb_days.append(d)
    if cb_sales and balance >= 0:
        try:
            countback = countback_dso(balance, cb_sales, cb_days)
        except MetricError as e:
            why.append(f"countback DSO: {e}")
    elif balance >= 0:
        why.append(f"countback DSO needs {cur} credit sales of {as_of:%Y-%m} and the months "
                   "before it")

    cei_v = cei_sales = None
    begin_date = begin_cents = None
    if begin is None:
        why.append(f"CEI needs an aging of {cur} at or before {month_end(_add_months(as_of, -1))}"
                   " (each refresh keeps one)")
    else:
        begin_date, begin_cents = begin
        period = [m for m, _ in months if m > month_start(begin_date)]
        if all(m in monthly for m in period):
            cei_sales = sum(monthly[m] for m in period)
            try:
                cei_v = cei(begin_cents, cei_sales, balance, current)
            except MetricError as e:
                why.append(f"CEI: {e}")
        else:
            why.append(f"CEI needs {cur} credit sales from {_add_months(begin_date, 1):%Y-%m} to "
                       f"{as_of:%Y-%m}")

    n_lim, lim_bal, lim, over = limits
    return Kpis(cur, as_of, balance, current, past_due, over_90_cents,
                _share(current, balance), _share(past_due, balance),
                _share(over_90_cents, balance), months[DSO_MONTHS - 1][0], period_days,
                sales_cents, dso_v, best, add, countback, begin_date, begin_cents, cei_sales,
                cei_v, n_lim, lim_bal, lim, over, _share(lim_bal, lim), tuple(why))


def _begin_aging(snapshots: pd.DataFrame, currency: str, as_of: dt.date
                 ) -> tuple[dt.date, int] | None:
    """The latest aging of *currency* at or before the end of the month before *as_of*."""
    if snapshots is None or not len(snapshots):
        return None
    limit = month_end(_add_months(month_start(as_of), -1))
    s = snapshots[(snapshots["currency"] == currency)
                  & (pd.to_datetime(snapshots["as_of"]).dt.date <= limit)]
    if not len(s):
        return None
    last = s.sort_values(["as_of"], kind="stable").iloc[-1]
    return pd.Timestamp(last["as_of"]).date(), int(last["balance_cents"])


def kpis_by_currency(aged: pd.DataFrame, totals: pd.DataFrame, by_customer: pd.DataFrame,
                     customers: pd.DataFrame, buckets: Buckets, as_of: dt.date,
                     sales: pd.DataFrame, snapshots: pd.DataFrame | None) -> list[Kpis]:
    """KPIs of every currency of the aging, in the order of *totals*."""
    over = aged[aged["days_past_due"] > OVER_DAYS].groupby("currency")["open_cents"].sum()
    out = []
    for _, t in totals.iterrows():
        cur = str(t["currency"])
        out.append(currency_kpis(t, buckets, as_of, int(over.get(cur, 0)), sales,
                                 _begin_aging(snapshots, cur, as_of),
                                 credit_limit_use(by_customer, customers, cur)))
    return out


# -- trend ------------------------------------------------------------------------------


def history_snapshots(items: pd.DataFrame, as_of: dt.date, buckets: Buckets,
                      points: int = TREND_POINTS) -> pd.DataFrame:
    """Agings of a history export at each month end before *as_of* (and at *as_of*), in the
    shape of the store's snapshots: what the trend would have shown had xlar been
    refreshed at every month end.  Empty for an open-items export."""
    if not len(items) or not items["settled_date"].notna().any():
        return pd.DataFrame()
    dates = [as_of] + [month_end(_add_months(month_start(as_of), -k)) for k in range(1, points)]
    rows = []
    for day in sorted(set(dates)):
        open_then = open_items_at(items, day)
        if not len(open_then):
            continue
        aged = age_open_items(open_then, day, buckets)
        for _, t in aging_totals(aged).iterrows():
            rows.append({"as_of": day, "currency": t["currency"], "items": int(t["items"]),
                         "balance_cents": int(t["balance_cents"]),
                         "current_cents": int(t[buckets.labels[0]]),
                         "past_due_cents": int(t["past_due_cents"]),
                         "disputed_cents": int(t["disputed_cents"]), "source": "history",
                         # each bucket too, so the store can keep it as a refresh's aging
                         **{label: int(t[label]) for label in buckets.labels}})
    return pd.DataFrame(rows)


_FIRST_DAY = re.compile(r"(\d+)")


def over_90_cents(snapshot) -> int | None:
    """What an aging snapshot holds more than 90 days past due: its buckets whose first
    day is past 90 ("91-120", "Over 120"; with edges 0,15,30,60,90,180: "91-180",
    "Over 180").  A bucket that straddles day 90 (edges without 90, e.g. "61-100")
    cannot be split: then None, not a guess.  *snapshot*: a store snapshot (its
    ``buckets`` by label) or a history row (one column per label)."""
    buckets = snapshot.get("buckets") if hasattr(snapshot, "get") else None
    if not isinstance(buckets, dict):
        buckets = {k: v for k, v in snapshot.items()
                   if isinstance(k, str) and (k.startswith("Over ") or "-" in k)
                   and _FIRST_DAY.match(k.removeprefix("Over "))}
    if not buckets:
        return None
    total = 0
    for label, cents in buckets.items():
        m = _FIRST_DAY.match(label.removeprefix("Over "))
        if m is None:
            continue            # "Not due"
        first = int(m.group(1)) + (1 if label.startswith("Over ") else 0)
        last = None if label.startswith("Over ") else int(label.rsplit("-", 1)[1])
        if first > 90:
            total += int(cents)
        elif last is not None and last > 90:
            return None
    return total


def trend(snapshots: pd.DataFrame | None, sales: pd.DataFrame,
          points: int = TREND_POINTS) -> pd.DataFrame:
    """One row per aging date and currency (the last *points* dates): balance, current,
    past due and its share, more than 90 days past due and its share (see
    :func:`over_90_cents`), DSO / best-possible DSO / ADD from the credit sales of the
    three months ending then, and CEI against the row before it (the previous aging)."""
    cols = ["as_of", "currency", "balance_cents", "current_cents", "past_due_cents",
            "pct_past_due", "sales_cents", "period_days", "dso", "best_dso", "add",
            "begin_cents", "cei_sales_cents", "cei", "over_90_cents", "pct_over_90"]
    if snapshots is None or not len(snapshots):
        return pd.DataFrame(columns=cols)
    s = snapshots.copy()
    s["as_of"] = pd.to_datetime(s["as_of"]).dt.date
    # The latest aging taken at each date is the one that counts.
    order = ["as_of", "currency"] + (["taken_at"] if "taken_at" in s else [])
    s = s.sort_values(order, kind="stable").drop_duplicates(["as_of", "currency"], keep="last")
    keep = sorted(s["as_of"].unique())[-points:]
    s = s[s["as_of"].isin(keep)]
    rows = []
    for cur, g in s.groupby("currency", sort=True):
        monthly = _monthly(sales, cur)
        prev = None
        for _, r in g.sort_values("as_of").iterrows():
            day = r["as_of"]
            bal, now_current = int(r["balance_cents"]), int(r["current_cents"])
            months = period_months(day, DSO_MONTHS)
            days = sum(d for _, d in months)
            sold = [monthly.get(m) for m, _ in months]
            sales_cents = sum(sold) if all(v is not None for v in sold) else None
            dso_v = best = add = None
            if sales_cents:
                dso_v = bal / sales_cents * days
                best = now_current / sales_cents * days
                add = dso_v - best
            begin = cei_sales = cei_v = None
            if prev is not None:
                begin = int(prev["balance_cents"])
                period = [m for m, _ in period_months(day, COUNTBACK_MONTHS)
                          if m > month_start(prev["as_of"])]
                if period and all(m in monthly for m in period):
                    cei_sales = sum(monthly[m] for m in period)
                    try:
                        cei_v = cei(begin, cei_sales, bal, now_current)
                    except MetricError:
                        cei_v = None
            rows.append({"as_of": day, "currency": cur, "balance_cents": bal,
                         "current_cents": now_current,
                         "past_due_cents": int(r["past_due_cents"]),
                         "pct_past_due": _share(int(r["past_due_cents"]), bal),
                         "sales_cents": sales_cents, "period_days": days, "dso": dso_v,
                         "best_dso": best, "add": add, "begin_cents": begin,
                         "cei_sales_cents": cei_sales, "cei": cei_v,
                         "over_90_cents": (over := over_90_cents(r)),
                         "pct_over_90": None if over is None else _share(over, bal)})
            prev = r
    return pd.DataFrame(rows, columns=cols)


# -- payment behaviour ----------------------------------------------------------------


def _paid_invoices(items: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Invoices and debit memos settled by *as_of*, with amount, days to pay and days late."""
    if not len(items) or not items["settled_date"].notna().any():
        return pd.DataFrame()
    paid = items[items["doc_type"].isin(["invoice", "debit_memo"])
                 & items["settled_date"].notna()
                 & (items["settled_date"] <= pd.Timestamp(as_of))]
    if not len(paid):
        return pd.DataFrame()
    amount = np.where(paid["original_cents"].to_numpy(np.int64) != 0,
                      paid["original_cents"].to_numpy(np.int64),
                      paid["open_cents"].to_numpy(np.int64))
    settled = pd.to_datetime(paid["settled_date"])
    late = np.maximum((settled - pd.to_datetime(paid["due_date"])).dt.days.to_numpy(), 0)
    return paid.assign(amount=amount, late_x_amount=late.astype(np.int64) * amount,
                       to_pay=(settled - pd.to_datetime(paid["doc_date"])).dt.days,
                       late=(late > 0).astype(np.int64))


def payment_behaviour(items: pd.DataFrame, as_of: dt.date,
                      by: tuple[str, ...] = ("customer_id", "currency")) -> pd.DataFrame:
    """Per customer and currency (or per *by*), from the invoices settled by *as_of* (a
    history export): invoices paid, amount paid, average days to pay (document date to
    settlement), weighted average days late (days after the due date, 0 when paid on
    time, weighted by the invoice amount) and how many were paid late.  Empty when the
    export has no settled dates."""
    keys = list(by)
    names = ["customer_name"] if "customer_id" in keys else []
    cols = [*keys, *names, "invoices", "paid_cents", "avg_days_to_pay", "weighted_days_late",
            "late_invoices"]
    paid = _paid_invoices(items, as_of)
    if not len(paid):
        return pd.DataFrame(columns=cols)
    g = paid.groupby(keys, sort=True)
    out = pd.DataFrame({
        **({"customer_name": g["customer_name"].first()} if names else {}),
        "invoices": g.size().astype(np.int64),
        "paid_cents": g["amount"].sum().astype(np.int64),
        "avg_days_to_pay": g["to_pay"].mean(),
        # Integer sums first, one division last: no float rounding on the way.
        "weighted_days_late": g["late_x_amount"].sum() / g["amount"].sum(),
        "late_invoices": g["late"].sum().astype(np.int64),
    }).reset_index()
    return out.sort_values(["weighted_days_late", "paid_cents"],
                           ascending=[False, False]).reset_index(drop=True)[cols]
