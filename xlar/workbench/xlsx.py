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

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from xlar.money import minor_digits
from xlar.text import looks_like_formula
from xlar.workbench.layout import NUMBER_FORMATS, TableLayout
from xlar.workbench.merge import TableRead, UserCell

__all__ = ["WorkbookLocked", "lock_owner", "open_workbook", "read_table", "write_table", "save_atomic",
           "replace_sheet", "find_table", "HEADER_FONT", "HEADER_FILL", "BOLD_FONT", "write_text",
           "print_setup"]

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


def _column_values(frame: pd.DataFrame, field: str, kind: str, currency: np.ndarray | None):
    """Cell values for one column: units for money, datetimes for dates, Yes/No."""
    s = frame[field]
    if kind == "money":
        digits = (pd.Series(currency).map(minor_digits).to_numpy()
                  if currency is not None else np.full(len(s), 2))
        cents = s.to_numpy(dtype=np.int64)
        # The one place money becomes a float: Excel stores doubles.
        return [int(c) / 10**int(d) for c, d in zip(cents, digits, strict=True)], digits
    if kind in ("date", "datetime"):
        vals = pd.to_datetime(s, errors="coerce")
        out = []
        for v in vals:
            if pd.isna(v):
                out.append(None)
            else:
                out.append(v.to_pydatetime() if kind == "datetime" else v.date())
        return out, None
    if kind == "int":
        return [None if pd.isna(v) else int(v) for v in s], None
    if kind == "pct":
        return [None if pd.isna(v) else float(v) for v in s], None
    if kind == "bool":
        return ["Yes" if bool(v) else "No" for v in s], None
    return [("" if v is None or (isinstance(v, float) and np.isnan(v)) else
             (v if isinstance(v, str) else str(v))) for v in s], None


def write_table(wb: Workbook, layout: TableLayout, frame: pd.DataFrame,
                user_columns: list[str] | None = None,
                user_cells: list[list[UserCell]] | None = None,
                extra_columns: pd.DataFrame | None = None, index: int | None = None):
    """Replace *layout*'s sheet with *frame* as an Excel Table.

    *user_columns* / *user_cells* are the user's columns, written after the
    owned ones with their formulas moved to the new rows.  *extra_columns*
    are columns of plain values (e.g. a closed row's old user cells).
    """
    from openpyxl.formula.translate import Translator

    ws = replace_sheet(wb, layout.sheet, index)
    top = 1
    if layout.title:
        ws.cell(1, 1, layout.title).font = TITLE_FONT
        top = 3
    cols = list(layout.columns)
    user_columns = list(user_columns or [])
    extra = list(extra_columns.columns) if extra_columns is not None else []
    headers = [c.header for c in cols] + user_columns + extra
    for j, h in enumerate(headers, start=1):
        cell = ws.cell(top, j, h)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    n = len(frame)
    currency = frame["currency"].to_numpy() if "currency" in frame.columns else None
    for j, col in enumerate(cols, start=1):
        values, digits = _column_values(frame, col.field, col.kind, currency)
        fmt = NUMBER_FORMATS[col.kind if col.kind != "bool" else "text"]
        for i, v in enumerate(values):
            cell = ws.cell(top + 1 + i, j)
            if col.kind == "text":
                write_text(cell, v)
            else:
                cell.value = v
            if col.kind == "money" and digits is not None and digits[i] != 2:
                cell.number_format = NUMBER_FORMATS[f"money{int(digits[i])}"]
            elif col.kind != "text" and col.kind != "bool":
                cell.number_format = fmt
        ws.column_dimensions[get_column_letter(j)].width = col.width
    base = len(cols)
    for j, h in enumerate(user_columns, start=base + 1):
        for i in range(n):
            uc = user_cells[i][j - base - 1] if user_cells else UserCell(None)
            cell = ws.cell(top + 1 + i, j)
            if uc.formula:
                origin = f"{get_column_letter(j)}{uc.row or top + 1 + i}"
                cell.value = Translator(uc.formula, origin=origin).translate_formula(
                    f"{get_column_letter(j)}{top + 1 + i}")
            else:
                _write_user_value(cell, uc.value)
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(40, len(h) + 4))
    for j, h in enumerate(extra, start=base + len(user_columns) + 1):
        for i, v in enumerate(extra_columns[h]):
            _write_user_value(ws.cell(top + 1 + i, j), _settled_value(v))
    last_col = get_column_letter(len(headers))
    ref = f"A{top}:{last_col}{top + max(n, 1)}"
    table = Table(displayName=layout.table, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = ws.cell(top + 1, 1)
    print_setup(ws, top)
    return ws


def _settled_value(v):
    """A user cell moved off its table (to the closed list): its value, or, for a
    formula never calculated, the formula's text, kept as text."""
    if isinstance(v, UserCell):
        return v.value if v.value is not None or not v.formula else v.formula
    return v


def _write_user_value(cell, v) -> None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return
    if isinstance(v, str):
        write_text(cell, v)
    elif isinstance(v, (dt.date, dt.datetime, int, float, bool)):
        cell.value = v
        if isinstance(v, (dt.date, dt.datetime)):
            cell.number_format = NUMBER_FORMATS["date"]
    else:
        write_text(cell, str(v))


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
