"""Aging 1,000,000 open items: the vectorised engine against a row-by-row baseline.

    python benchmarks/aging.py [--items 1000000] [--customers 50000]

Prints the time to age every item (days past due and bucket), the time for
the per-customer summary, and the same per-item work done with a row-by-row
``DataFrame.apply`` (the way a spreadsheet macro or a naive script does it),
measured in the same run, with the ratio.  Goal: aging <= 0.3 s, ratio >= 50x.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import measure, table  # noqa: E402

from xlar.aging import age_open_items, make_buckets, summarize_aging  # noqa: E402
from xlar.demo import generate_ledger  # noqa: E402


def baseline_age(items, as_of: dt.date, edges=(0, 30, 60, 90, 120)):
    """Row by row: what the engine does, one Python call per item."""
    labels = ["Not due", "1-30", "31-60", "61-90", "91-120", "Over 120"]
    as_of_ts = dt.datetime.combine(as_of, dt.time())

    def one(row):
        days = (as_of_ts - row["due_date"].to_pydatetime()).days
        i = 0
        while i < len(edges) and days > edges[i]:
            i += 1
        return max(days, 0), labels[i]

    return items.apply(one, axis=1, result_type="expand")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    ledger = generate_ledger(items=args.items, customers=args.customers)
    items, as_of = ledger.items, ledger.as_of
    buckets = make_buckets()
    print(f"{len(items):,} open items, {items['customer_id'].nunique():,} customers, "
          f"as of {as_of}")

    t_age, m_age, aged = measure(lambda: age_open_items(items, as_of, buckets), args.repeat)
    t_sum, m_sum, _ = measure(lambda: summarize_aging(aged, "customer_id", ["customer_name"]),
                              args.repeat)
    t_base, m_base, base = measure(lambda: baseline_age(items, as_of), 1, memory=False)

    # Same answer, or the comparison means nothing.
    assert (base[0].to_numpy() == aged["days_past_due"].to_numpy()).all()
    assert (base[1].to_numpy() == aged["bucket"].astype(str).to_numpy()).all()

    rows = [
        ("xlar age_open_items", f"{t_age:.3f}", f"{len(items) / t_age:,.0f}", f"{m_age:,.0f}"),
        ("xlar summary by customer", f"{t_sum:.3f}", f"{len(items) / t_sum:,.0f}",
         f"{m_sum:,.0f}"),
        ("baseline DataFrame.apply", f"{t_base:.3f}", f"{len(items) / t_base:,.0f}",
         "n/a"),
    ]
    print(table(rows, ("step", "seconds", "items/s", "peak MiB")))
    print(f"ratio baseline / xlar aging: {t_base / t_age:,.0f}x (goal >= 50x); "
          f"aging goal <= 0.3 s: {'met' if t_age <= 0.3 else 'NOT met'}")


if __name__ == "__main__":
    main()
