"""The Excel bridge: ribbon buttons run actions on the open workbook through xlwings.

The ribbon's VBA calls, through the xlwings add-in's RunPython::

    RunPython "import xlar.excel; xlar.excel.run('refresh_aging')"

:func:`run` finds the workbook the user is looking at, wraps it in
:class:`XlwingsPort` and runs the action from :mod:`xlar.actions`, the same
function the CLI runs on a file.  Progress goes to Excel's status bar; the
result or a plain error sentence to a message box.  This module is kept
small and obvious on purpose: it cannot be exercised without Excel, so all
the logic it relies on lives (and is tested) elsewhere.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from xlar.text import looks_like_formula
from xlar.workbench.merge import TableRead, UserCell
from xlar.workbench.plan import Formula, SheetPlan, TablePlan, column_letter

__all__ = ["run", "XlwingsPort"]


def _cell_for_excel(v):
    """A planned value as Excel's Range.Value wants it: outside text that looks like a
    formula gets Excel's quote prefix, so it stays text."""
    if isinstance(v, Formula):
        return str(v)
    if isinstance(v, str) and looks_like_formula(v):
        return "'" + v
    return v


class XlwingsPort:
    """A workbook open in Excel, as a :class:`xlar.workbench.port.WorkbookPort`."""

    def __init__(self, book):
        self.book = book
        full = Path(book.fullname)
        self.path = full if full.is_absolute() and full.exists() else None

    def _sheet(self, name: str):
        names = [s.name for s in self.book.sheets]
        if name in names:
            sheet = self.book.sheets[name]
            for t in list(sheet.tables):
                t.delete()
            sheet.clear()
            return sheet
        return self.book.sheets.add(name, after=self.book.sheets[len(names) - 1])

    def read_table(self, name: str, owned: list[str] | None = None, key: str | None = None,
                   keep=None) -> TableRead | None:
        import pandas as pd

        for sheet in self.book.sheets:
            for t in sheet.tables:
                if t.name.lower() != name.lower():
                    continue
                rng = t.range
                values = rng.options(ndim=2).value
                formulas = rng.formula
                top = rng.row
                header = [str(h) for h in values[0]]
                keep = {h.lower() for h in (owned or header)}
                data = {h: [] for h in header}
                for i, (vrow, frow) in enumerate(zip(values[1:], formulas[1:], strict=True)):
                    for h, v, f in zip(header, vrow, frow, strict=True):
                        is_formula = isinstance(f, str) and f.startswith("=")
                        if h.lower() in keep:
                            data[h].append(None if is_formula else v)
                        else:
                            data[h].append(UserCell(v, f if is_formula else None, top + 1 + i))
                return TableRead(pd.DataFrame(data, columns=header), top)
        return None

    def write_table(self, plan: TablePlan) -> None:
        sheet = self._sheet(plan.sheet)
        top = plan.header_row
        if plan.title:
            sheet.range((1, 1)).value = plan.title
        rows = [list(plan.headers)] + [[_cell_for_excel(col[i]) for col in plan.columns]
                                       for i in range(plan.rows)]
        if plan.rows == 0:
            rows.append([None] * len(plan.headers))
        sheet.range((top, 1)).value = rows
        for j, (fmt, width) in enumerate(zip(plan.formats, plan.widths, strict=True), start=1):
            letter = column_letter(j)
            if isinstance(fmt, str):
                sheet.range(
                    f"{letter}{top + 1}:{letter}{top + max(plan.rows, 1)}").number_format = fmt
            elif isinstance(fmt, list):
                for i, f in enumerate(fmt):
                    if f:
                        sheet.range((top + 1 + i, j)).number_format = f
            sheet.range((1, j)).column_width = width
        area = sheet.range((top, 1)).resize(max(plan.rows, 1) + 1, len(plan.headers))
        sheet.tables.add(source=area, name=plan.table, table_style_name="TableStyleMedium2")

    def write_sheet(self, plan: SheetPlan) -> None:
        sheet = self._sheet(plan.sheet)
        for c in plan.cells:
            cell = sheet.range((c.row, c.col))
            cell.value = _cell_for_excel(c.value)
            if c.number_format:
                cell.number_format = c.number_format
            if c.style in ("title", "header", "bold"):
                cell.font.bold = True
        for col, width in plan.widths.items():
            sheet.range(f"{col}1").column_width = width

    def write_pivots(self, plans, order=None) -> None:
        """Refresh the workbook's PivotTables from the tables just written.  (xlar creates
        its pivots when it refreshes the file (xlar refresh, a nightly job); in Excel their
        caches are refreshed here, so they follow the new OpenItems table.)"""
        self.book.api.RefreshAll()

    def activate(self, sheet: str) -> None:
        self.book.sheets[sheet].activate()

    def status(self, done: int, total: int, message: str) -> None:
        self.book.app.status_bar = f"xlar: {message}" + (f" ({done}/{total})" if total else "")

    def message(self, text: str) -> None:
        self.book.app.alert(text, title="xlar")

    def save(self) -> None:
        """Nothing: the user saves the workbook in Excel when they are happy with it."""


def _target_book():
    """The workbook the user is looking at: the caller, unless the caller is an add-in
    (the ribbon lives in xlar.xlam), then the active workbook."""
    import xlwings as xw

    book = xw.Book.caller()
    if book.name.lower().endswith(".xlam"):
        book = book.app.books.active
    return book


def run(name: str, **options) -> None:
    """Entry point for the ribbon (``RunPython``): run action *name* on the open workbook
    (*options*: what the button asked for, e.g. ``file=`` from an open-file dialog)."""
    from xlar.actions import run as run_action
    from xlar.cli import user_error_types

    book = _target_book()
    port = XlwingsPort(book)
    try:
        port.message(run_action(name, port, port.status, **options).message)
    except user_error_types() as e:
        port.message(f"{e}")
    except Exception as e:  # noqa: BLE001 - a message box instead of a Python traceback
        log = Path.home() / "xlar-error.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        port.message(f"xlar hit an unexpected problem ({type(e).__name__}: {e}). Details were "
                     f"saved in {log}; please send that file to whoever looks after xlar.")
    finally:
        book.app.status_bar = False
