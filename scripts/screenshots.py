"""Render the demo workbench to the PNG pictures the README shows (docs/*.png).

    python scripts/screenshots.py [--out docs]

Builds the demo (``xlar demo`` in a temporary folder) and its past-due report, then
for each view prints one area of one sheet to PDF with LibreOffice headless (a copy
of the workbench where only that sheet is visible, its print area set to the view,
fitted to one page) and turns the page into a PNG with pdftoppm.  LibreOffice
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

    out.mkdir(parents=True, exist_ok=True)
    made = []
    with tempfile.TemporaryDirectory(prefix="xlar-shots-") as tmp:
        work = Path(tmp)
        demo = run_demo(work / "demo")
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
