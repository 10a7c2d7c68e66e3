"""Render the demo workbench to the PNG pictures the README shows (docs/*.png).

    python scripts/screenshots.py [--out docs]

Builds the demo (``xlar demo`` in a temporary folder), refreshes it once more from
the demo ledger's *history* export (the same open items, plus the invoices the demo
customers paid in the last 14 months, with the day each was settled: what an ERP's
"all invoices" report gives), so that the payment-behaviour KPIs (average days to
pay, weighted average days late) have paid invoices to work on, and makes its
past-due report.  Then for each view it prints one area of one sheet to PDF with
LibreOffice headless (a copy of the workbench where only that sheet is visible, its
print area set to the view, fitted to one page, a table's header row tall enough for
its wrapped headings) and turns the page into a PNG with pdftoppm.  LibreOffice
calculates every formula and rebuilds every PivotTable while it does so, so the
pictures show what a user sees on opening the file.  Needs LibreOffice and
poppler-utils (pdftoppm).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]


class View(NamedTuple):
    """A picture: *sheet*'s *area*, saved as docs/<name>.png."""

    name: str
    sheet: str
    area: str


VIEWS = (
    View("workbench-summary", "Summary", "A1:G17"),
    View("workbench-open-items", "Open Items", "A1:M28"),
    View("dashboard-kpis", "Dashboard", "A1:F27"),
    View("dashboard-charts", "Dashboard", "P2:Z70"),
    View("pivot-aging-by-partner", "Pivot Partners", "A1:J20"),
)


#: Months of paid invoices in the history export (the trend shows 13 month ends).
HISTORY_MONTHS = 14


def history_export(target: Path, seed: int = 2026) -> Path:
    """The demo ledger as an ERP's history export: its open items, and the invoices paid
    in the last :data:`HISTORY_MONTHS` months, with a Settled Date column.

    The paid invoices are drawn from the ledger's own invoices (customers, amounts,
    terms), as many each month as make that month's credit sales on the demo's Credit
    Sales sheet together with the invoices of the month still open; each customer pays
    with a habit of its own, from a few days early to two months late.  A paid invoice
    carries its amount as the open balance it had until it was settled, as a history
    export does; one settled after the as-of date would still be open, so none is."""
    import numpy as np
    import pandas as pd

    from xlar.demo import EXPORT_LAYOUTS, format_amounts, generate_ledger
    from xlar.demo_history import demo_history

    ledger = generate_ledger(seed=seed)
    items, as_of = ledger.items, pd.Timestamp(ledger.as_of)
    sales, _ = demo_history(seed, len(ledger.customers), len(items), ledger.as_of)
    monthly = sales.groupby("currency")["credit_sales_cents"].mean()
    rng = np.random.default_rng(seed + 7)
    habit = dict(zip(ledger.customers["customer_id"],
                     rng.choice([-4, 0, 3, 8, 15, 30, 60], len(ledger.customers),
                                p=[.1, .25, .2, .2, .12, .09, .04]), strict=True))
    invoices = items[items["doc_type"] == "invoice"]
    month_of = pd.to_datetime(invoices["doc_date"]).dt.to_period("M")
    drawn = []
    for cur, pool in invoices.groupby("currency"):
        for k in range(HISTORY_MONTHS):
            month = (as_of - pd.DateOffset(months=k)).to_period("M")
            still_open = pool.loc[month_of[pool.index] == month, "original_cents"].sum()
            need = int(monthly.get(cur, 0)) - int(still_open)
            if need <= 0:
                continue
            mean = max(int(pool["original_cents"].mean()), 1)
            take = pool.iloc[rng.integers(0, len(pool), 2 * need // mean + 1)]
            take = take[take["original_cents"].cumsum() <= need]
            first = month.start_time
            days = (month.end_time.normalize() - first).days + 1
            issued = first + pd.to_timedelta(rng.integers(0, days, len(take)), unit="D")
            terms = (take["due_date"] - take["doc_date"]).fillna(pd.Timedelta(days=30))
            drawn.append(take.assign(doc_date=issued.to_numpy(),
                                     due_date=(issued + terms.to_numpy()).to_numpy()))
    paid = pd.concat(drawn, ignore_index=True)
    terms = (paid["due_date"] - paid["doc_date"]).dt.days.to_numpy()
    late = np.array([habit[c] for c in paid["customer_id"]]) + rng.normal(0, 4, len(paid))
    late = np.maximum(np.rint(late), 1 - terms)  # at the earliest, the day after issue
    paid = paid.assign(document=[f"INV-{900000 + i}" for i in range(len(paid))],
                       settled_date=paid["due_date"] + pd.to_timedelta(late, unit="D"),
                       open_cents=paid["original_cents"], disputed=False, po_number="",
                       reference="")
    paid = paid[paid["settled_date"] <= as_of]
    frame = pd.concat([items, paid], ignore_index=True)
    spec = EXPORT_LAYOUTS["generic_en"]
    out = pd.DataFrame()
    for header, field in spec.columns:
        if field == "doc_type":
            out[header] = frame[field].map(spec.type_labels)
        elif field in ("original_cents", "open_cents"):
            out[header] = format_amounts(frame[field], frame["currency"])
        elif field in ("doc_date", "due_date"):
            out[header] = pd.to_datetime(frame[field]).dt.strftime("%m/%d/%Y").fillna("")
        elif field == "disputed":
            out[header] = np.where(frame[field].astype(bool), spec.yes, spec.no)
        else:
            out[header] = frame[field].fillna("").astype(str)
    out["Settled Date"] = pd.to_datetime(frame["settled_date"]).dt.strftime("%m/%d/%Y") \
        .fillna("")
    out.to_csv(target, index=False, encoding="utf-8-sig")
    return target


def _header_rows_fit(ws) -> None:
    """Each table's header row tall enough for its wrapped headings (LibreOffice keeps a
    row's height as it is on opening, and a two-line heading would show half)."""
    from math import ceil

    from openpyxl.utils import range_boundaries

    for table in ws.tables.values():
        first_col, row, last_col, _ = range_boundaries(table.ref)
        lines = 1
        for col in range(first_col, last_col + 1):
            text = str(ws.cell(row, col).value or "")
            letter = ws.cell(row, col).column_letter
            width = ws.column_dimensions[letter].width or 8.43
            # Bold headings: about 1.15 character widths per character, words kept whole.
            used, count = 0.0, 1
            for word in text.split():
                need = 1.15 * len(word) + (1.15 if used else 0)
                if used and used + need > width - 1:
                    count, used = count + 1, 1.15 * len(word)
                else:
                    used += need
            lines = max(lines, count)
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 15,
                                            ceil(15 * lines))


def _sheet_only(workbench: Path, view: View, out: Path) -> Path:
    """A copy of the workbench showing only *view*'s sheet, printing only its area."""
    from openpyxl import load_workbook

    from xlar.workbench.xlsx import save_atomic

    wb = load_workbook(workbench)
    for ws in wb.worksheets:
        ws.sheet_state = "visible" if ws.title == view.sheet else "hidden"
    ws = wb[view.sheet]
    wb.active = wb.sheetnames.index(view.sheet)
    ws.print_area = view.area
    ws.print_title_rows = None
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = ws.oddFooter.center.text = ""
    ws.print_options.gridLines = view.sheet not in ("Dashboard",) and not view.sheet.startswith(
        "Pivot")
    _header_rows_fit(ws)
    path = out / f"{view.name}.xlsx"
    save_atomic(wb, path)
    return path


def _png(pdf: Path, target: Path, dpi: int = 110) -> None:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        sys.exit("pdftoppm is missing: apt-get install -y poppler-utils")
    stem = target.with_suffix("")
    subprocess.run([pdftoppm, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
                    "-cropbox", str(pdf), str(stem)], check=True, timeout=120)


def render(out: Path) -> list[Path]:
    from xlar.actions import run
    from xlar.demo_run import run_demo
    from xlar.reports.office import convert_to_pdf
    from xlar.workbench.port import XlsxPort
    from xlar.workbench.refresh import refresh

    out.mkdir(parents=True, exist_ok=True)
    made = []
    with tempfile.TemporaryDirectory(prefix="xlar-shots-") as tmp:
        work = Path(tmp)
        demo = run_demo(work / "demo")
        history = history_export(demo.folder / "exports" / "invoice_history.csv")
        refresh(demo.workbench, source=history, customers=demo.customers)
        for view in VIEWS:
            pdf = convert_to_pdf(_sheet_only(demo.workbench, view, work), work)
            _png(pdf, out / f"{view.name}.png")
            made.append(out / f"{view.name}.png")
        run("management_report", XlsxPort(demo.workbench), out=work / "reports")
        report = next((work / "reports").glob("*.pdf"))
        _png(report, out / "management-report.png", dpi=90)
        made.append(out / "management-report.png")
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    for path in render(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
