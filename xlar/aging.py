"""The aging engine: days past due, buckets, and summaries by customer,
sales partner, territory and collector.

Pure and vectorised: open items in, aged items and summaries out, no row
loops, no I/O.  Credits and unapplied payments are aged by their own dates
like every other item, so the buckets of any group always add up to its
balance, to the cent.  Sums never mix currencies: every summary row is one
group in one currency.

Buckets are given by their upper edges in days past due.  The default
``(0, 30, 60, 90, 120)`` makes the six buckets Not due (<= 0 days), 1-30,
31-60, 61-90, 91-120 and Over 120.  Labels avoid ``>120`` on purpose: in a
SUMIFS criterion that would mean "greater than 120", not the label.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.dates import DATE_DTYPE, day_numbers

__all__ = [
    "DEFAULT_EDGES",
    "Buckets",
    "AgingError",
    "make_buckets",
    "parse_edges",
    "bucket_numbers",
    "days_past_due",
    "age_open_items",
    "open_items_at",
    "summarize_aging",
    "aging_totals",
    "SUMMARY_GROUPS",
]

DEFAULT_EDGES = (0, 30, 60, 90, 120)

#: Summaries the workbench shows: name -> (group column, label columns kept).
SUMMARY_GROUPS = {
    "customer": ("customer_id", ["customer_name", "sales_partner", "collector"]),
    "sales_partner": ("sales_partner", []),
    "territory": ("territory", []),
    "collector": ("collector", []),
}


class AgingError(ValueError):
    """Bucket edges or an as-of date that cannot be used."""


class Buckets(NamedTuple):
    """Aging buckets.

    Attributes:
      edges: increasing upper edges in days past due; bucket *i* holds items
        with ``edges[i-1] < days <= edges[i]``; the last bucket has no edge.
      labels: one label per bucket (``len(edges) + 1`` of them).
      basis: "due" (days past the due date) or "document" (days since the
        document date).
    """

    edges: tuple[int, ...]
    labels: tuple[str, ...]
    basis: str = "due"


def make_buckets(edges=DEFAULT_EDGES, basis: str = "due") -> Buckets:
    """Buckets from edges such as ``(0, 30, 60, 90, 120)`` or ``"0,15,30,60,90,180"``."""
    e = parse_edges(edges) if isinstance(edges, str) else tuple(int(x) for x in edges)
    if not e:
        raise AgingError("bucket edges are empty; give e.g. 0,30,60,90,120")
    if any(b <= a for a, b in zip(e, e[1:], strict=False)):
        raise AgingError(f"bucket edges must increase: {','.join(map(str, e))}")
    if e[0] < 0:
        raise AgingError("the first bucket edge must be 0 or more")
    if basis not in ("due", "document"):
        raise AgingError(f"aging basis must be 'due' or 'document', not {basis!r}")
    if e[0] != 0:
        e = (0, *e)
    first = "Not due" if basis == "due" else "Not yet issued"
    labels = [first] + [f"{lo + 1}-{hi}" for lo, hi in zip(e, e[1:], strict=False)]
    labels.append(f"Over {e[-1]}")
    return Buckets(e, tuple(labels), basis)


def parse_edges(text: str) -> tuple[int, ...]:
    """``"0,15,30,60"`` (commas, semicolons or spaces) -> ``(0, 15, 30, 60)``."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p.strip()]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise AgingError(f"bucket edges {text!r} must be whole numbers of days, "
                         "e.g. 0,30,60,90,120") from None


def _as_day(as_of) -> int:
    try:
        return int(np.datetime64(pd.Timestamp(as_of).date(), "D").astype(np.int64))
    except (ValueError, TypeError):
        raise AgingError(f"as-of date {as_of!r} is not a date") from None


def days_past_due(basis_dates, as_of) -> np.ndarray:
    """Signed days from *basis_dates* to *as_of* (positive = past due), int64.

    Missing dates give the minimum int64; callers treat them as not aged.
    """
    d = day_numbers(basis_dates)
    out = _as_day(as_of) - d
    out[np.isnat(np.asarray(basis_dates).astype("datetime64[D]"))] = np.iinfo(np.int64).min
    return out


def bucket_numbers(days: np.ndarray, buckets: Buckets) -> np.ndarray:
    """Bucket index per item: 0 for days <= edges[0], ... len(edges) beyond the last edge."""
    return np.searchsorted(np.asarray(buckets.edges, dtype=np.int64), days, side="left")


def age_open_items(items: pd.DataFrame, as_of, buckets: Buckets | None = None) -> pd.DataFrame:
    """Add ``days_past_due`` (0 when not due), ``age_days`` (signed) and ``bucket``.

    With the document-date basis, an item without a document date is aged
    by its due date (an export that lacks the document date cannot be aged
    otherwise), and it still lands in a bucket: no item is left out.
    """
    b = buckets or make_buckets()
    basis = items["due_date"]
    if b.basis == "document":
        basis = items["doc_date"].where(items["doc_date"].notna(), items["due_date"])
    age = days_past_due(basis.to_numpy(), as_of)
    missing = age == np.iinfo(np.int64).min
    age = np.where(missing, 0, age)  # undated items count as not yet due
    no = bucket_numbers(age, b)
    out = items.copy()
    out["age_days"] = age
    out["days_past_due"] = np.maximum(age, 0)
    out["bucket_no"] = no.astype(np.int64)
    out["bucket"] = pd.Categorical.from_codes(no, categories=list(b.labels))
    out.attrs["buckets"] = b
    out.attrs["as_of"] = pd.Timestamp(as_of).date()
    return out


def open_items_at(history: pd.DataFrame, as_of) -> pd.DataFrame:
    """The items of a history (with settled dates) that were open on *as_of*.

    For a ledger history such as a paid-invoice data set: issued on or
    before *as_of* and not settled by then.  An open-items export (no
    settled dates) is returned as it is.
    """
    day = np.datetime64(pd.Timestamp(as_of).date(), "D").astype(DATE_DTYPE)
    issued = history["doc_date"].isna() | (history["doc_date"] <= day)
    unsettled = history["settled_date"].isna() | (history["settled_date"] > day)
    return history[issued & unsettled].reset_index(drop=True)


def _group_codes(aged: pd.DataFrame, by: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Group code per row for (by, currency), and the groups in (by, currency) order.

    Codes come from sorted factorisation, so group order is key order
    without sorting a million strings.
    """
    c_by, u_by = pd.factorize(aged[by], sort=True)
    c_cur, u_cur = pd.factorize(aged["currency"], sort=True)
    codes = c_by.astype(np.int64) * len(u_cur) + c_cur
    present = np.flatnonzero(np.bincount(codes, minlength=len(u_by) * len(u_cur)))
    dense = np.full(len(u_by) * len(u_cur), -1, dtype=np.int64)
    dense[present] = np.arange(len(present))
    frame = pd.DataFrame({by: np.asarray(u_by, dtype=object)[present // len(u_cur)],
                          "currency": np.asarray(u_cur, dtype=object)[present % len(u_cur)]})
    return dense[codes], frame


def _sum_by(codes: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    """Exact int64 sums per group (np.add.at: no float on the way)."""
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, codes, values.astype(np.int64, copy=False))
    return out


def summarize_aging(aged: pd.DataFrame, by: str = "customer_id",
                    keep: list[str] | None = None) -> pd.DataFrame:
    """One row per group and currency: balance, buckets, past due, oldest item.

    Columns: *by*, *keep* (first value per group, e.g. the customer name),
    ``currency``, ``items``, ``balance_cents``, one column of cents per
    bucket label, ``past_due_cents``, ``pct_past_due`` (of the balance,
    None when the balance is not positive), ``disputed_cents``,
    ``oldest_days`` (days past due of the oldest open debit, 0 if none),
    ``credit_cents`` (credits and unapplied payments), and
    ``count <label>`` per bucket.  Sorted by past due, largest first.
    """
    b: Buckets = aged.attrs.get("buckets") or make_buckets()
    keep = [k for k in (keep or []) if k not in (by, "currency")]
    codes, frame = _group_codes(aged, by)
    n = len(frame)
    if keep:
        first = np.full(n, len(aged), dtype=np.int64)
        np.minimum.at(first, codes, np.arange(len(aged)))
        for k in keep:
            frame[k] = aged[k].to_numpy()[first]
    cents = aged["open_cents"].to_numpy(np.int64)
    nb = len(b.labels)
    cell = codes * nb + aged["bucket_no"].to_numpy()
    sums = _sum_by(cell, n * nb, cents).reshape(n, nb)
    counts = np.bincount(cell, minlength=n * nb).reshape(n, nb).astype(np.int64)
    labels = list(b.labels)
    for i, label in enumerate(labels):
        frame[label] = sums[:, i]
    frame["items"] = counts.sum(axis=1)
    frame["balance_cents"] = sums.sum(axis=1)
    frame["past_due_cents"] = sums[:, 1:].sum(axis=1)
    debit = cents > 0
    frame["disputed_cents"] = _sum_by(codes, n, np.where(aged["disputed"].to_numpy(bool), cents, 0))
    frame["credit_cents"] = _sum_by(codes, n, np.where(debit, 0, cents))
    oldest = np.zeros(n, dtype=np.int64)
    np.maximum.at(oldest, codes, np.where(debit, aged["days_past_due"].to_numpy(np.int64), 0))
    frame["oldest_days"] = oldest
    bal = frame["balance_cents"].to_numpy()
    frame["pct_past_due"] = np.where(bal > 0, frame["past_due_cents"] / np.where(bal > 0, bal, 1),
                                     np.nan)
    for i, label in enumerate(labels):
        frame[f"count {label}"] = counts[:, i]
    cols = [by, *keep, "currency", "items", "balance_cents", *labels, "past_due_cents",
            "pct_past_due", "disputed_cents", "credit_cents", "oldest_days",
            *[f"count {x}" for x in labels]]
    # Largest past due first; ties by balance, then by key (group order).
    order = np.lexsort((np.arange(n), -frame["balance_cents"].to_numpy(),
                        -frame["past_due_cents"].to_numpy()))
    frame = frame[cols].iloc[order].reset_index(drop=True)
    frame.attrs["buckets"] = b
    return frame


def aging_totals(aged: pd.DataFrame) -> pd.DataFrame:
    """Totals per currency: one row per currency, the same columns as a summary."""
    aged = aged.assign(_all="All")
    totals = summarize_aging(aged, by="_all").drop(columns=["_all"])
    return totals.sort_values("currency").reset_index(drop=True)


def as_of_date(value) -> dt.date:
    """Any date-like value (text in ISO form, date, Timestamp) -> date, or AgingError."""
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise AgingError(f"as-of date {value!r} is not a date (use YYYY-MM-DD)") from None
