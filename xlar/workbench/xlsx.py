"""The workbench as an .xlsx file: reading tables back, writing them, saving atomically.

This is the openpyxl edge of the workbook layer.  It knows cells, styles and
Excel Tables; it knows nothing of aging or customers.  What it guarantees:

* data goes into real Excel Tables (ListObjects) with a header row, filters,
  a frozen header, real dates and numbers, accounting formats;
* text is written as text: a customer called ``=HYPERLINK(...)`` is stored as
  a string cell (with Excel's quote prefix, so editing it keeps it text),
  never as a formula;
* sheets xlar does not write are left as openpyxl keeps them;
* the file is replaced atomically: written to a temporary file in the same
  folder, then moved over the old one, so a crash leaves the old workbook.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import tempfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from xlar.text import looks_like_formula
from xlar.workbench.merge import TableRead, UserCell
from xlar.workbench.plan import Formula, SheetPlan, TablePlan

__all__ = ["WorkbookLocked", "lock_owner", "open_workbook", "read_table", "apply_table_plan",
           "apply_sheet_plan", "save_atomic", "replace_sheet", "find_table", "write_text",
           "put_value", "print_setup"]

# A named font: without one, LibreOffice falls back to a serif for bold cells.
HEADER_FONT = Font(name="Calibri", bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
TITLE_FONT = Font(name="Calibri", bold=True, size=12, color="1F4E78")
BOLD_FONT = Font(name="Calibri", bold=True)


def print_setup(ws, header_row: int | None = None) -> None:
    """Landscape, one page wide, header repeated on every printed page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"


class WorkbookLocked(OSError):
    """The workbook cannot be replaced (open in Excel, read-only, no permission)."""


def open_workbook(path: Path) -> Workbook:
    """The existing workbench, or a new empty workbook when there is none."""
    if not path.exists():
        wb = Workbook()
        wb.remove(wb.active)
        return wb
    from xlar.workbench.pivots import read_caches_once

    read_caches_once()  # openpyxl re-reads pivot caches for every sheet otherwise
    try:
        return load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", keep_links=True)
    except PermissionError:
        raise WorkbookLocked(f"{path} cannot be read: it is locked by another program") from None
    except Exception as e:
        raise WorkbookLocked(f"{path} is not a workbook xlar can open ({type(e).__name__}: "
                             f"{str(e)[:120]})") from None


def find_table(wb: Workbook, name: str):
    """(worksheet, table) for an Excel Table by name (case-insensitive), or (None, None)."""
    for ws in wb.worksheets:
        for table in ws.tables.values():  # .items() gives (name, ref), not tables
            if table.displayName.lower() == name.lower():
                return ws, table
    return None, None


def read_table(wb: Workbook, name: str, values: dict[tuple[int, int], object] | None = None,
               owned: list[str] | None = None) -> TableRead | None:
    """An Excel Table as a DataFrame.

    Owned columns (*owned* headers) come back as plain values; other columns
    as :class:`UserCell` (value, formula, row), so formulas the user typed can
    be moved with their row.  *values* optionally gives cached results of
    formula cells by (row, column), read from the file by a value reader.
    """
    ws, table = find_table(wb, name)
    if table is None:
        return None
    from openpyxl.utils.cell import range_boundaries

    c0, r0, c1, r1 = range_boundaries(table.ref)
    headers = [str(ws.cell(r0, c).value or f"Column{c - c0 + 1}").strip() for c in range(c0, c1 + 1)]
    owned_set = {h.lower() for h in (owned or headers)}
    data: dict[str, list] = {h: [] for h in headers}
    for r, row in enumerate(ws.iter_rows(min_row=r0 + 1, max_row=r1, min_col=c0, max_col=c1),
                            start=r0 + 1):
        for h, cell in zip(headers, row, strict=True):
            v = cell.value
            is_formula = cell.data_type == "f" or (isinstance(v, str) and v.startswith("=")
                                                    and cell.data_type != "s")
            if h.lower() in owned_set:
                data[h].append(None if is_formula else v)
            elif is_formula:
                cached = values.get((r, cell.column)) if values else None
                data[h].append(UserCell(cached, str(v), r))
            else:
                data[h].append(UserCell(v, None, r))
    frame = pd.DataFrame(data, columns=headers)
    return TableRead(frame, r0)


def replace_sheet(wb: Workbook, name: str, index: int | None = None):
    """A fresh sheet *name* at the old sheet's position (or *index* for a new one)."""
    if name in wb.sheetnames:
        old = wb[name]
        pos = wb.index(old)
        wb.remove(old)
        return wb.create_sheet(name, pos)
    return wb.create_sheet(name, index if index is not None else len(wb.sheetnames))


def write_text(cell, value: str) -> None:
    """Put outside text in a cell as text, never as a formula."""
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True


_STYLES = {
    "title": (TITLE_FONT, None),
    "header": (HEADER_FONT, HEADER_FILL),
    "bold": (BOLD_FONT, None),
    "note": (Font(name="Calibri", italic=True, color="595959"), None),
}


def put_value(cell, value) -> None:
    """Write one planned value: a Formula as a formula, any other text as text."""
    if isinstance(value, Formula):
        cell.value = str(value)
    elif isinstance(value, str):
        write_text(cell, value)
    elif value is not None:
        cell.value = value


def apply_table_plan(wb: Workbook, plan: TablePlan, index: int | None = None):
    """Replace *plan*'s sheet with an Excel Table holding its cells."""
    ws = replace_sheet(wb, plan.sheet, index)
    top = plan.header_row
    if plan.title:
        ws.cell(1, 1, plan.title).font = TITLE_FONT
    for j, h in enumerate(plan.headers, start=1):
        cell = ws.cell(top, j, h)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for j, (values, fmt, width) in enumerate(zip(plan.columns, plan.formats, plan.widths,
                                                 strict=True), start=1):
        per_cell = isinstance(fmt, list)
        for i, v in enumerate(values):
            cell = ws.cell(top + 1 + i, j)
            put_value(cell, v)
            f = fmt[i] if per_cell else fmt
            if f:
                cell.number_format = f
        ws.column_dimensions[get_column_letter(j)].width = width
    ref = f"A{top}:{get_column_letter(len(plan.headers))}{top + max(plan.rows, 1)}"
    table = Table(displayName=plan.table, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = ws.cell(top + 1, 1)
    print_setup(ws, top)
    return ws


def apply_sheet_plan(wb: Workbook, plan: SheetPlan, index: int | None = None):
    """Replace *plan*'s sheet with its cells."""
    ws = replace_sheet(wb, plan.sheet, index)
    for c in plan.cells:
        cell = ws.cell(c.row, c.col)
        put_value(cell, c.value)
        if c.number_format:
            cell.number_format = c.number_format
        if c.style:
            font, fill = _STYLES[c.style]
            cell.font = font
            if fill is not None:
                cell.fill = fill
    for col, width in plan.widths.items():
        ws.column_dimensions[col].width = width
    if plan.freeze_row:
        ws.freeze_panes = ws.cell(plan.freeze_row, 1)
        print_setup(ws, plan.freeze_row - 1)
    return ws


def lock_owner(path: Path) -> Path | None:
    """The lock file an office program keeps beside a workbook it has open, if any.

    Excel writes ``~$Name.xlsx``, LibreOffice ``.~lock.Name.xlsx#``.  A
    workbook open in Excel must not be replaced under it: the user's next
    Save in Excel would silently overwrite the refresh.
    """
    for name in (f"~${path.name}", f".~lock.{path.name}#"):
        lock = path.with_name(name)
        if lock.exists():
            return lock
    return None


def _keep_mode(tmp: Path, path: Path) -> None:
    """Give the new file the old one's permissions (mkstemp makes it private)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)


def save_atomic(wb: Workbook, path: Path) -> None:
    """Save to a temporary file beside *path*, then replace *path* in one step.

    If *path* is open in another program, or the replace fails (read-only
    folder, Windows lock), the old file is untouched and the new one is
    kept beside it under a name the error gives, so no work is lost.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".~{path.stem}-", suffix=path.suffix, dir=folder)
    os.close(fd)
    from xlar.workbench.pivots import ready_for_save

    ready_for_save(wb)  # openpyxl slips with pivot caches, see there
    try:
        wb.save(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        _keep_mode(Path(tmp), path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    lock = lock_owner(path)
    try:
        if lock is not None:
            raise PermissionError(f"it is open in another program (lock file {lock.name})")
        os.replace(tmp, path)
    except OSError as e:
        keep = path.with_name(f"{path.stem} (xlar {dt.datetime.now():%Y-%m-%d %H%M%S}){path.suffix}")
        try:
            os.replace(tmp, keep)
        except OSError:
            keep = Path(tmp)
        why = e.strerror or str(e)
        raise WorkbookLocked(
            f"{path.name} was not replaced: {why}. Close it and run again; your workbook is "
            f"unchanged, and this run's result was saved as {keep}") from None
