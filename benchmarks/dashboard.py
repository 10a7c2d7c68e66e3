"""Refresh time of a large workbench with and without the Dashboard, charts and pivots.

    python benchmarks/dashboard.py [--items 100000] [--customers 5000]

Writes a demo export of *items* open items, then refreshes a new workbench from it
twice (the second refresh reads back the first one's pivots, charts and tables) and
prints the seconds of each, once as xlar does it and once with the Dashboard step
switched off (what a refresh cost before the Dashboard existed), measured in the
same run, with the share the Dashboard, its pivots and charts add.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import table  # noqa: E402

from xlar.demo import generate_ledger, write_demo_export  # noqa: E402
from xlar.workbench.refresh import refresh  # noqa: E402


def _two_refreshes(folder: Path, export: Path, as_of) -> tuple[float, float]:
    path = folder / "AR Workbench.xlsx"
    t0 = time.perf_counter()
    refresh(path, source=export, as_of=as_of)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    refresh(path, source=export, as_of=as_of)
    return first, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=5_000)
    args = parser.parse_args()
    ledger = generate_ledger(customers=args.customers, items=args.items)
    with tempfile.TemporaryDirectory(prefix="xlar-bench-") as tmp:
        root = Path(tmp)
        export = write_demo_export(ledger, root / "open_items.csv")
        for name in ("warm", "before", "after"):
            (root / name).mkdir()
        # Warm up (imports, first-use caches) so neither side pays for them.
        small = generate_ledger(customers=50, items=500)
        _two_refreshes(root / "warm", write_demo_export(small, root / "warm.csv"), small.as_of)
        with mock.patch("xlar.workbench.dashboard.refresh_dashboard", lambda *a, **k: None):
            before = _two_refreshes(root / "before", export, ledger.as_of)
        import xlar.workbench.dashboard as dashboard

        step = []
        real = dashboard.refresh_dashboard

        def timed(*a, **k):
            t0 = time.perf_counter()
            try:
                return real(*a, **k)
            finally:
                step.append(time.perf_counter() - t0)

        with mock.patch("xlar.workbench.dashboard.refresh_dashboard", timed):
            after = _two_refreshes(root / "after", export, ledger.as_of)
        size = (root / "after" / "AR Workbench.xlsx").stat().st_size / 2**20
        size0 = (root / "before" / "AR Workbench.xlsx").stat().st_size / 2**20
    rows = [
        ["first refresh (new workbench)", f"{before[0]:.2f} s", f"{after[0]:.2f} s",
         f"{(after[0] / before[0] - 1):+.0%}"],
        ["second refresh (reads it back)", f"{before[1]:.2f} s", f"{after[1]:.2f} s",
         f"{(after[1] / before[1] - 1):+.0%}"],
        ["of which building the Dashboard, charts, pivots", "-",
         " / ".join(f"{x:.2f} s" for x in step), ""],
        ["file size", f"{size0:.1f} MiB", f"{size:.1f} MiB", f"{(size / size0 - 1):+.0%}"],
    ]
    print(f"{args.items:,} open items, {args.customers:,} customers")
    print(table(rows, ("", "without Dashboard", "with Dashboard, pivots, charts", "added")))


if __name__ == "__main__":
    main()
