"""A million open items end to end: time and peak memory of each step of a refresh.

    python benchmarks/scale.py [--items 1000000] [--customers 50000] [--small 100000]
                               [--baseline 100000] [--second]

Writes a demo ERP export (CSV) of *items* open items for *customers* customers, then
refreshes a new AR workbench from it in a fresh process, as ``xlar refresh`` does, and
prints per step: seconds and the process's peak resident memory so far.  The steps are
the refresh's own functions, timed where they are called:

* import (CSV): reading and typing the export (``read_ledger``);
* aging, summaries, worklist (``build_workbench``);
* workbench tables planned (``write_workbench``: Open Items, aging, customers, ...);
* dashboard and pivots (``refresh_dashboard``: KPIs, charts, five PivotTables);
* save: the .xlsx written (large tables streamed, xlar.workbench.stream) and replaced;
* letter preview: which customers get which dunning letter (``select_letters`` on the
  aged items: the engine behind Letter Preview).

The same is run for *small* items (the 100,000-item goal), optionally a second refresh
of that workbench (``--second``: it reads the workbench back, the sheets it rewrites
read by xlar.workbench.bigsheets; and the same with openpyxl loading every cell, the
baseline), and a naive baseline:
the Open Items table of *baseline* rows written cell by cell with openpyxl (what every
table cost before streaming).  Goals (issue 10, on 2 cores): the whole 1,000,000-item
refresh <= 60 s and <= 4 GiB; the 100,000-item refresh <= 5 s.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import table  # noqa: E402

STEPS = (("import (CSV)", "xlar.workbench.refresh", "read_ledger"),
         ("aging, summaries, worklist", "xlar.workbench.refresh", "build_workbench"),
         ("workbench tables planned", "xlar.workbench.refresh", "write_workbench"),
         ("dashboard and pivots", "xlar.workbench.dashboard", "refresh_dashboard"),
         ("save (.xlsx written)", "xlar.workbench.xlsx", "save_atomic"))


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(workbook: Path, export: Path, as_of: str, stream_rows: int | None,
          whole_load: bool = False) -> dict:
    """One refresh in this (fresh) process, each step timed where it is called.
    *whole_load*: openpyxl loads every sheet cell by cell (no thinning: the baseline)."""
    import importlib

    import xlar.workbench.refresh as refresh_module

    if whole_load:
        import xlar.workbench.bigsheets as bigsheets

        bigsheets.THIN_BYTES = 1 << 62

    if stream_rows is not None:
        import xlar.workbench.xlsx as xlsx

        xlsx.STREAM_ROWS = stream_rows
    done = []

    for label, module, name in STEPS:
        mod = importlib.import_module(module)
        real = getattr(mod, name)

        def timed(*a, _real=real, _label=label, **k):
            t0 = time.perf_counter()
            try:
                return _real(*a, **k)
            finally:
                done.append((_label, time.perf_counter() - t0, _peak_mib()))

        setattr(mod, name, functools.wraps(real)(timed))  # looked up at call time
    t0 = time.perf_counter()
    result = refresh_module.refresh(workbook, source=export, as_of=as_of)
    total = time.perf_counter() - t0
    peak = _peak_mib()
    from xlar.dunning import parse_policy
    from xlar.letters.history import letter_facts
    from xlar.letters.selection import select_letters
    from xlar.store.api import open_store

    w = result.workbench
    t0 = time.perf_counter()
    facts = letter_facts(open_store(None, workbook), w.as_of)
    sel = select_letters(w.items, w.customers, facts, parse_policy(w.settings.dunning_policy),
                         w.as_of)
    preview = time.perf_counter() - t0
    return {"steps": done, "total": total, "peak": peak, "preview": preview,
            "letters": int(len(sel.letters)), "items": int(len(w.items)),
            "size": workbook.stat().st_size / 2**20, "preview_peak": _peak_mib()}


_WRITE_TABLE = """
import sys, time
sys.path.insert(0, {root!r})
import xlar.workbench.xlsx as x
if {cell_by_cell}:
    x.STREAM_ROWS = 10**12
from pathlib import Path
from benchmarks.scale import open_items_plan
plan = open_items_plan({rows})
wb = x.open_workbook(Path({none!r}))
t0 = time.perf_counter()
x.apply_table_plan(wb, plan)
x.save_atomic(wb, Path({out!r}))
print(time.perf_counter() - t0)
"""


def write_table_seconds(rows: int, folder: Path, cell_by_cell: bool) -> float:
    """Seconds to write an Open Items table of *rows* rows into a new workbook: cell by
    cell with openpyxl (the naive baseline), or as xlar does (streamed)."""
    code = _WRITE_TABLE.format(root=str(ROOT), cell_by_cell=cell_by_cell, rows=rows,
                               none=str(folder / "none.xlsx"),
                               out=str(folder / f"table-{cell_by_cell}.xlsx"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def open_items_plan(rows: int):
    """The Open Items table plan of a demo ledger of *rows* items."""
    import pandas as pd

    from xlar.aging import age_open_items, make_buckets
    from xlar.demo import generate_ledger
    from xlar.workbench.layout import OPEN_ITEMS
    from xlar.workbench.plan import table_plan
    from xlar.workbench.refresh import _display_items

    ledger = generate_ledger(customers=max(rows // 20, 10), items=rows)
    aged = age_open_items(ledger.items, ledger.as_of, make_buckets("0,30,60,90,120", "due"))
    shown = _display_items(aged)
    for c in ("last_note", "next_action", "promise_status"):
        shown[c] = ""
    shown["next_action_date"] = pd.NaT
    return table_plan(OPEN_ITEMS, shown)


def run_child(folder: Path, export: Path, as_of: str, name: str,
              stream_rows: int | None = None, whole_load: bool = False) -> dict:
    args = [sys.executable, __file__, "--child", str(folder / name), str(export), as_of,
            str(stream_rows or 0), "whole" if whole_load else "thin"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(label: str, r: dict) -> list[tuple]:
    rows = [(f"{label}: {step}", f"{secs:.2f} s", f"{peak:,.0f} MiB")
            for step, secs, peak in r["steps"]]
    rows.append((f"{label}: letter preview ({r['letters']:,} letters)",
                 f"{r['preview']:.2f} s", f"{r['preview_peak']:,.0f} MiB"))
    rows.append((f"{label}: WHOLE REFRESH ({r['items']:,} items, {r['size']:.0f} MiB file)",
                 f"{r['total']:.2f} s", f"{r['peak']:,.0f} MiB"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=100_000)
    parser.add_argument("--second", action="store_true",
                        help="also refresh the small workbench a second time")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        wb, export, as_of, rows, load = args.child
        result = child(Path(wb), Path(export), as_of, int(rows) or None, load == "whole")
        print(json.dumps(result))
        return

    from xlar.demo import generate_ledger, write_demo_export

    rows = []
    with tempfile.TemporaryDirectory(prefix="xlar-scale-") as tmp:
        root = Path(tmp)
        for items, customers in ((args.small, max(args.small // 20, 10)),
                                 (args.items, args.customers)):
            t0 = time.perf_counter()
            ledger = generate_ledger(customers=customers, items=items)
            export = write_demo_export(ledger, root / f"open_items_{items}.csv")
            as_of = ledger.as_of.isoformat()
            del ledger
            made = time.perf_counter() - t0
            print(f"{items:,} items, {customers:,} customers: export written in {made:.1f} s "
                  f"({export.stat().st_size / 2**20:.0f} MiB)", flush=True)
            first = run_child(root, export, as_of, f"wb_{items}.xlsx")
            rows += report(f"{items:,}", first)
            if args.second and items == args.small:
                import shutil

                for suffix in (".xlsx", ".activity.sqlite"):  # the workbench and its store
                    if (root / f"wb_{items}{suffix}").exists():
                        shutil.copy(root / f"wb_{items}{suffix}",
                                    root / f"wb_{items}_baseline{suffix}")
                second = run_child(root, export, as_of, f"wb_{items}.xlsx")
                rows += report(f"{items:,} second refresh", second)
                naive = run_child(root, export, as_of, f"wb_{items}_baseline.xlsx",
                                  whole_load=True)
                rows.append((f"{items:,} second refresh, baseline: openpyxl loads every cell",
                             f"{naive['total']:.2f} s", f"{naive['peak']:,.0f} MiB"))
        if args.baseline:
            for naive, how in ((True, "baseline: openpyxl cell by cell"), (False, "streamed")):
                secs = write_table_seconds(args.baseline, root, naive)
                rows.append((f"Open Items table alone, {args.baseline:,} rows, {how}",
                             f"{secs:.2f} s", ""))
    print(f"{os.cpu_count()} cores; peak = the process's peak resident memory so far")
    print(table(rows, ("step", "time", "peak memory")))


if __name__ == "__main__":
    main()
