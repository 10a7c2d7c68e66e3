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
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from xlar.text import looks_like_formula
from xlar.workbench.merge import TableRead, table_cell
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


def open_workbook(path: Path, rewrites=()) -> Workbook:
    """The existing workbench, or a new empty workbook when there is none.

    Large sheets named in *rewrites* (the caller replaces them) are loaded without
    their cells (xlar.workbench.bigsheets); ``wb._xlar_thinned`` maps their names to
    their XML, and their tables are read from it."""
    if not path.exists():
        wb = Workbook()
        wb.remove(wb.active)
        wb._xlar_thinned = {}
        return wb
    from xlar.workbench.bigsheets import thinned_copy
    from xlar.workbench.pivots import read_caches_once

    read_caches_once()  # openpyxl re-reads pivot caches for every sheet otherwise
    try:
        source, thinned = thinned_copy(path, rewrites)
        wb = load_workbook(source, keep_vba=path.suffix.lower() == ".xlsm", keep_links=True)
    except PermissionError:
        raise WorkbookLocked(f"{path} cannot be read: it is locked by another program") from None
    except Exception as e:
        raise WorkbookLocked(f"{path} is not a workbook xlar can open ({type(e).__name__}: "
                             f"{str(e)[:120]})") from None
    wb._xlar_thinned = {name: (wb[name], t) for name, t in thinned.items()}
    return wb


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
    if getattr(ws, "_xlar_body", None) is not None:
        return _plan_table(ws._xlar_body, owned)
    from openpyxl.utils.cell import range_boundaries

    c0, r0, c1, r1 = range_boundaries(table.ref)
    headers = [str(ws.cell(r0, c).value or f"Column{c - c0 + 1}").strip()
               for c in range(c0, c1 + 1)]
    owned_set = {h.lower() for h in (owned or headers)}
    data: dict[str, list] = {h: [] for h in headers}
    for r, row in enumerate(ws.iter_rows(min_row=r0 + 1, max_row=r1, min_col=c0, max_col=c1),
                            start=r0 + 1):
        for h, cell in zip(headers, row, strict=True):
            v = cell.value
            is_formula = cell.data_type == "f" or (isinstance(v, str) and v.startswith("=")
                                                    and cell.data_type != "s")
            cached = values.get((r, cell.column)) if values and is_formula else None
            data[h].append(table_cell(v, is_formula, h.lower() in owned_set, r, cached))
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


#: Tables with more rows than this are not built cell by cell in openpyxl: their rows
#: are written straight into the file when it is saved (xlar.workbench.stream).
STREAM_ROWS = 200


def apply_table_plan(wb: Workbook, plan: TablePlan, index: int | None = None):
    """Replace *plan*'s sheet with an Excel Table holding its cells.

    A large table's rows are kept as the plan (``ws._xlar_body``) and written when the
    workbook is saved with :func:`save_atomic`; everything else of the sheet is set here.
    """
    ws = replace_sheet(wb, plan.sheet, index)
    top = plan.header_row
    if plan.title:
        ws.cell(1, 1, plan.title).font = TITLE_FONT
    for j, h in enumerate(plan.headers, start=1):
        cell = ws.cell(top, j, h)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    streamed = plan.rows > STREAM_ROWS
    for j, (values, fmt, width) in enumerate(zip(plan.columns, plan.formats, plan.widths,
                                                 strict=True), start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
        if streamed:
            continue
        per_cell = isinstance(fmt, list)
        for i, v in enumerate(values):
            cell = ws.cell(top + 1 + i, j)
            put_value(cell, v)
            f = fmt[i] if per_cell else fmt
            if f:
                cell.number_format = f
    if streamed:
        ws._xlar_body = (plan, top)
    ref = f"A{top}:{get_column_letter(len(plan.headers))}{top + max(plan.rows, 1)}"
    table = Table(displayName=plan.table, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    # Named here, not by openpyxl at save time: it would read (and create) every cell
    # of the table's range to find the header names.
    table.tableColumns = [TableColumn(id=j, name=str(h))
                          for j, h in enumerate(plan.headers, start=1)]
    table.autoFilter = AutoFilter(ref=ref)
    ws.add_table(table)
    ws.freeze_panes = f"A{top + 1}"  # a coordinate: a cell object here would add a row
    print_setup(ws, top)
    return ws


def _plan_table(body, owned: list[str] | None) -> TableRead:
    """A streamed table read back before the save, as :func:`read_table` reads a file."""
    plan, top = body
    owned_set = {h.lower() for h in (owned or plan.headers)}
    data = {}
    for h, values in zip(plan.headers, plan.columns, strict=True):
        out = []
        for i, v in enumerate(values):
            v = dt.datetime.combine(v, dt.time()) if type(v) is dt.date else v
            v = None if v == "" else v
            out.append(table_cell(v, isinstance(v, Formula), h.lower() in owned_set, top + 1 + i))
        data[h] = out
    return TableRead(pd.DataFrame(data, columns=list(plan.headers)), top)


def table_column(ws, ref: str, offset: int) -> list:
    """The values of the table column *offset* (0-based) of the table at *ref* on *ws*,
    whether its rows are cells yet or still a streamed plan."""
    from openpyxl.utils.cell import range_boundaries

    body = getattr(ws, "_xlar_body", None)
    if body is not None:
        return [None if v == "" else v for v in body[0].columns[offset]]
    c0, r0, _, r1 = range_boundaries(ref)
    return [row[0] for row in ws.iter_rows(min_row=r0 + 1, max_row=r1, min_col=c0 + offset,
                                           max_col=c0 + offset, values_only=True)]


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


#: A temporary file of a save older than this was left by a run that was killed.
STALE_TEMP_SECONDS = 600


def _sweep_stale_temps(folder: Path, path: Path) -> None:
    """Remove what saves of *path* killed half-way left behind (``.~Name-xxxx.xlsx``); a
    young one may belong to a save running now in another process, so it stays."""
    import time

    prefix, limit = f".~{path.stem}-", time.time() - STALE_TEMP_SECONDS
    for f in folder.iterdir():
        if f.name.startswith(prefix) and f.name.endswith(path.suffix):
            try:
                if f.stat().st_mtime < limit:
                    f.unlink()
            except OSError:
                pass  # another program has it: not ours to fight over


def _read_only(path: Path) -> bool:
    """True when the user marked *path* read-only (no write bit for anyone).  POSIX lets
    a file be replaced whatever its own mode, so this is checked, not left to the OS."""
    try:
        return not stat.S_IMODE(path.stat().st_mode) & 0o222
    except FileNotFoundError:
        return False


def _style_ids(wb: Workbook):
    """style_id(number format, quote prefix) -> the workbook's cell-format index, adding
    the format when it is new (what setting ``cell.number_format`` does for one cell)."""
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, BUILTIN_FORMATS_REVERSE

    known: dict[tuple, int] = {}

    def style_id(fmt: str | None, quote: bool) -> int:
        if (fmt, quote) not in known:
            style = StyleArray()
            if fmt:
                style.numFmtId = BUILTIN_FORMATS_REVERSE[fmt] if fmt in BUILTIN_FORMATS_REVERSE \
                    else wb._number_formats.add(fmt) + BUILTIN_FORMATS_MAX_SIZE
            if quote:
                style.quotePrefix = 1
            known[fmt, quote] = wb._cell_styles.add(style)
        return known[fmt, quote]

    return style_id


def _save(wb: Workbook, path: str) -> None:
    """What ``wb.save(path)`` does, with the streamed tables' rows written in."""
    import zipfile

    from xlar.workbench.stream import StreamingWriter

    wb.properties.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        StreamingWriter(wb, archive, _style_ids(wb)).write_data()


def save_atomic(wb: Workbook, path: Path) -> None:
    """Save to a temporary file beside *path*, then replace *path* in one step.

    If *path* is open in another program, marked read-only, or the replace
    fails (read-only folder, Windows lock), the old file is untouched and the
    new one is kept beside it under a name the error gives, so no work is lost.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    _sweep_stale_temps(folder, path)
    fd, tmp = tempfile.mkstemp(prefix=f".~{path.stem}-", suffix=path.suffix, dir=folder)
    os.close(fd)
    from xlar.workbench.pivots import ready_for_save

    ready_for_save(wb)  # openpyxl slips with pivot caches, see there
    try:
        _save(wb, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        _keep_mode(Path(tmp), path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    lock = lock_owner(path)
    todo = f"check that you may write to {folder.resolve()}"
    try:
        if lock is not None:
            todo = f"close {path.name} in the other program"
            raise PermissionError(f"it is open in another program (lock file {lock.name})")
        if _read_only(path):
            todo = f"make {path.name} writable"
            raise PermissionError("it is marked read-only")
        os.replace(tmp, path)
    except OSError as e:
        keep = path.with_name(f"{path.stem} (xlar {dt.datetime.now():%Y-%m-%d %H%M%S})"
                              f"{path.suffix}")
        try:
            os.replace(tmp, keep)
        except OSError:
            keep = Path(tmp)
        why = e.strerror or str(e)
        raise WorkbookLocked(
            f"{path.name} was not replaced: {why}. Your workbook is unchanged; this run's "
            f"result was saved as {keep}. To update {path.name} itself, {todo} and run again "
            "(or carry on in the saved copy)") from None
