"""``xlar report ...``: reports made from a refreshed workbench (the ribbon's Past-Due Report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlar.cli import app, console, friendly, progress_bar

report_app = typer.Typer(no_args_is_help=True, help="Reports for management, from a workbench.")
app.add_typer(report_app, name="report")


@report_app.command("management")
@friendly
def management_cmd(
    workbook: Annotated[Path, typer.Argument(help="The refreshed workbench (.xlsx).")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder for the report (default: 'reports' beside the workbench).")]
    = None,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also make the PDF "
                                      "(needs LibreOffice).")] = True,
):
    """The past-due report for management: aging, top 20 past-due accounts with notes,
    disputes, promises and the trend, as PDF (one or two pages) and .xlsx."""
    from xlar.actions import run
    from xlar.workbench.port import XlsxPort

    if not workbook.exists():
        raise FileNotFoundError(2, "no such workbook", str(workbook))
    with progress_bar("past-due report") as report:
        # Reading only: the workbench itself is not saved again.
        outcome = run("management_report", XlsxPort(workbook), report, out=out, pdf=pdf)
    for line in outcome.details:
        console.print(f"  {line}")
    console.print(f"[green]{outcome.message}[/green]")
