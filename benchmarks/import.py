"""Importing large exports: a 1,000,000-row CSV and a 100,000-row XLSX.

    python benchmarks/import.py [--csv-rows 1000000] [--xlsx-rows 100000]

For each, prints seconds, rows/s and peak memory of ``read_open_items`` and of
a naive baseline measured in the same run (csv.DictReader with Decimal and
strptime per row; openpyxl's read-only cell loop for XLSX).  Goals: CSV
<= 2 s, XLSX <= 3 s.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import measure, table  # noqa: E402

from xlar.demo import generate_ledger, write_demo_export  # noqa: E402
from xlar.imports import read_open_items  # noqa: E402


def naive_csv(path: Path) -> int:
    """What a hand-written script does: every row through Python, one by one."""
    n = 0
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if not row.get("Invoice"):
                continue
            int(Decimal(row["Open Balance"].replace(",", "")) * 100)
            dt.datetime.strptime(row["Due Date"], "%m/%d/%Y") if "/" in row["Due Date"] else \
                dt.date.fromisoformat(row["Due Date"])
            n += 1
    return n


def naive_xlsx(path: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    n = 0
    for row in wb.active.iter_rows(min_row=2, values_only=True):
        if row[2]:
            n += 1
    wb.close()
    return n


def csv_to_xlsx(src: Path, dst: Path, rows: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Open Items")
    with open(src, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        ws.append(header)
        amount_cols = {i for i, h in enumerate(header) if "Amount" in h or "Balance" in h}
        for i, r in enumerate(reader):
            if i >= rows:
                break
            ws.append([float(v) if j in amount_cols and v else v for j, v in enumerate(r)])
    wb.save(dst)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv-rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ledger = generate_ledger(items=args.csv_rows, customers=max(1000, args.csv_rows // 20))
        big = tmp / "open_items.csv"
        write_demo_export(ledger, big, layout="generic_en")
        xlsx = tmp / "open_items.xlsx"
        csv_to_xlsx(big, xlsx, args.xlsx_rows)
        print(f"CSV: {args.csv_rows:,} rows, {big.stat().st_size / 2**20:,.0f} MiB; "
              f"XLSX: {args.xlsx_rows:,} rows, {xlsx.stat().st_size / 2**20:,.1f} MiB")

        t_csv, m_csv, r = measure(lambda: read_open_items(big), args.repeat)
        assert r.control.accepted == args.csv_rows and r.control.lines_accounted
        t_ncsv, m_ncsv, n = measure(lambda: naive_csv(big), 1, memory=False)
        assert n == args.csv_rows
        t_x, m_x, rx = measure(lambda: read_open_items(xlsx), args.repeat)
        assert rx.control.accepted == args.xlsx_rows and rx.control.lines_accounted
        t_nx, m_nx, nx = measure(lambda: naive_xlsx(xlsx), 1, memory=False)
        assert nx == args.xlsx_rows

    rows = [
        ("xlar CSV", f"{t_csv:.2f}", f"{args.csv_rows / t_csv:,.0f}", f"{m_csv:,.0f}"),
        ("naive csv.DictReader", f"{t_ncsv:.2f}", f"{args.csv_rows / t_ncsv:,.0f}",
         "n/a"),
        ("xlar XLSX (calamine)", f"{t_x:.2f}", f"{args.xlsx_rows / t_x:,.0f}", f"{m_x:,.0f}"),
        ("openpyxl cell loop", f"{t_nx:.2f}", f"{args.xlsx_rows / t_nx:,.0f}", "n/a"),
    ]
    print(table(rows, ("reader", "seconds", "rows/s", "peak MiB")))
    print(f"CSV goal <= 2 s: {'met' if t_csv <= 2 else 'NOT met'} "
          f"(naive / xlar = {t_ncsv / t_csv:.1f}x); "
          f"XLSX goal <= 3 s: {'met' if t_x <= 3 else 'NOT met'} "
          f"(openpyxl loop / xlar = {t_nx / t_x:.1f}x, and the loop only counts rows)")


if __name__ == "__main__":
    main()
