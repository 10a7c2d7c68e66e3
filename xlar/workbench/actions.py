"""The workbench's own actions: refresh the aging, set up a workbench."""

from __future__ import annotations

from xlar.actions import Outcome, action
from xlar.money import format_money
from xlar.progress import Progress
from xlar.settings import settings_from_table, settings_rows
from xlar.workbench.layout import SETTINGS, SUMMARY_SHEET
from xlar.workbench.plan import Cell, SheetPlan, table_plan
from xlar.workbench.port import WorkbookPort
from xlar.workbench.refresh import REFRESH_REWRITES, refresh_workbook


@action("refresh_aging", "Refresh Aging", "Aging", "refresh", "RefreshAll",
        "Re-import the ERP export named on the Settings sheet, age it at the as-of date and "
        "rebuild the aging sheets, keeping your own columns and notes.",
        rewrites=REFRESH_REWRITES)
def refresh_aging(port: WorkbookPort, progress: Progress, **options) -> Outcome:
    w = refresh_workbook(port, progress=progress, **options)
    balances = "; ".join(
        f"{t['currency']} balance {format_money(int(t['balance_cents']), t['currency'])}, "
        f"past due {format_money(int(t['past_due_cents']), t['currency'])}"
        for _, t in w.totals.iterrows())
    rejected = f", {w.control.rejected} rows rejected (see Rejected Rows)" \
        if w.control.rejected else ""
    check = "" if w.control.totals_ok else " The file's printed totals DO NOT MATCH: see Run Log."
    details = (*w.control.summary().splitlines(),
               *(f"decided: {d}" for d in w.control.decisions),
               *(f"line {r.line}: {r.reason}" for r in w.rejections.head(20).itertuples()),
               f"{len(w.carried.leaving)} items closed since the last refresh; "
               f"{len(w.carried.columns)} of your own columns kept")
    return Outcome(f"Aging refreshed at {w.as_of:%Y-%m-%d}: {len(w.items)} open items"
                   f"{rejected}. {balances}.{check}", details)


@action("setup_workbench", "Set Up Workbench", "Aging", "workbench new", "TableInsert",
        "Add the Settings sheet (as-of date, source file, bucket edges, authority limits, "
        "letter options) to this workbook, keeping any values already set.")
def setup_workbench(port: WorkbookPort, progress: Progress, **options) -> Outcome:
    progress(0, 1, "setting up the workbench")
    current = port.read_table(SETTINGS.table)
    settings = settings_from_table(current.frame if current is not None else None)
    settings = settings._replace(**{k: v for k, v in options.items() if v is not None})
    if port.read_table("OpenItems") is None:
        port.write_sheet(SheetPlan(SUMMARY_SHEET, [
            Cell(1, 1, "AR Workbench", style="title"),
            Cell(3, 1, "1. On the Settings sheet, set source_file to your ERP's open-items "
                       "export (and the other settings you need)."),
            Cell(4, 1, "2. Click AR > Refresh Aging (or run: xlar refresh \"this file\")."),
        ], {"A": 90}))
    port.write_table(table_plan(SETTINGS, settings_rows(settings)))
    progress(1, 1, "done")
    return Outcome("Workbench set up: fill in the Settings sheet, then click Refresh Aging.")
