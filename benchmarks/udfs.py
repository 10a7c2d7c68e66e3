"""AR_DAYS_PAST_DUE and AR_BUCKET over 100,000 cells, as xlwings passes them.

    python benchmarks/udfs.py [--cells 100000]

The input is what xlwings' raw converter delivers for a column of dates:
a tuple of 1-tuples of Excel serial numbers (Value2), a few empty cells
among them.  The baseline is the same work one cell at a time, the way a
naive UDF does it (date conversion and bucket lookup in Python per cell).
Goal: <= 50 ms per function.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import measure, table  # noqa: E402

import udfs.ar as xl  # noqa: E402

EPOCH = dt.date(1899, 12, 30)
LABELS = ["Not due", "1-30", "31-60", "61-90", "91-120", "Over 120"]


def per_cell_days(cells, as_of: dt.date):
    out = []
    for (v,) in cells:
        if v is None:
            out.append(("#VALUE! due date missing",))
            continue
        due = EPOCH + dt.timedelta(days=int(v))
        out.append((max(0, (as_of - due).days),))
    return out


def per_cell_bucket(cells, as_of: dt.date):
    out = []
    for (v,) in cells:
        if v is None:
            out.append(("#VALUE! due date missing",))
            continue
        days = (as_of - (EPOCH + dt.timedelta(days=int(v)))).days
        i = 0
        for edge in (0, 30, 60, 90, 120):
            if days > edge:
                i += 1
        out.append((LABELS[i],))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=100_000)
    args = ap.parse_args()
    rnd = random.Random(1)
    as_of = dt.date(2026, 10, 31)
    as_of_serial = float((as_of - EPOCH).days)
    cells = tuple(((as_of_serial - rnd.randint(-60, 400)) if rnd.random() > 0.001 else None,)
                  for _ in range(args.cells))

    t_days, _, days = measure(lambda: xl.AR_DAYS_PAST_DUE(cells, as_of_serial), 7, memory=False)
    t_bucket, _, buckets = measure(lambda: xl.AR_BUCKET(cells, as_of_serial), 7, memory=False)
    b_days, _, base_days = measure(lambda: per_cell_days(cells, as_of), 3, memory=False)
    b_bucket, _, base_buckets = measure(lambda: per_cell_bucket(cells, as_of), 3, memory=False)
    assert [r[0] for r in days.tolist()] == [r[0] for r in base_days]
    assert [r[0] for r in buckets.tolist()] == [r[0] for r in base_buckets]

    ms = lambda s: f"{s * 1000:.1f}"  # noqa: E731
    print(f"{args.cells:,} cells (raw Excel serials, {sum(c[0] is None for c in cells)} empty)")
    print(table([
        ("AR_DAYS_PAST_DUE", ms(t_days), ms(b_days), f"{b_days / t_days:.1f}x"),
        ("AR_BUCKET", ms(t_bucket), ms(b_bucket), f"{b_bucket / t_bucket:.1f}x"),
    ], ("function", "xlar ms", "per-cell ms", "ratio")))
    ok = t_days <= 0.05 and t_bucket <= 0.05
    print(f"goal <= 50 ms each: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
