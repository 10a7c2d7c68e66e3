"""What to write into a workbook, as plain data: the bridge between the engine and a port.

The engine's frames hold cents, numpy dates and booleans; a sheet holds
numbers in currency units, dates, "Yes"/"No", formulas and text.  This module
turns one into the other once, so the two workbook ports (an .xlsx file
through openpyxl, a live Excel book through xlwings) only copy cells:

* :class:`TablePlan`: one Excel Table on its own sheet (header row, columns of
  values, a number format per cell or column, widths, optional title);
* :class:`SheetPlan`: free-form cells (the Summary sheet);
* :class:`Formula`: a cell value that must become a formula.  Every other
  ``str`` is text and a port must store it as text, never as a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.money import minor_digits
from xlar.workbench.layout import NUMBER_FORMATS, TableLayout
from xlar.workbench.merge import UserCell

__all__ = ["Formula", "Cell", "TablePlan", "SheetPlan", "ColumnValues", "table_plan",
           "rows_plan", "display_value", "column_letter", "cell_value_of"]


class Formula(str):
    """A formula (``=...``) the workbook must calculate.  Plain ``str`` is text."""


class Cell(NamedTuple):
    """One cell of a :class:`SheetPlan` (1-based row and column).

    ``style`` is one of None, "title", "header", "bold", "note".
    """

    row: int
    col: int
    value: object
    number_format: str | None = None
    style: str | None = None


class TablePlan(NamedTuple):
    """An Excel Table filling its own sheet.

    Attributes:
      sheet, table: names.
      title: a line above the table (row 1) or None; the header row is then 3.
      headers: column headers.
      columns: one list of cell values per column (all of the same length).
      formats: per column, a number format for the whole column (str), a
        list with one per cell, or None for General.
      widths: column widths in characters.
    """

    sheet: str
    table: str
    title: str | None
    headers: list[str]
    columns: list[list]
    formats: list
    widths: list[int]

    @property
    def header_row(self) -> int:
        return 3 if self.title else 1

    @property
    def rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0


class SheetPlan(NamedTuple):
    """Free-form cells on a sheet xlar owns entirely."""

    sheet: str
    cells: list[Cell]
    widths: dict[str, int]
    freeze_row: int | None = None


def column_letter(n: int) -> str:
    """1 -> A, 27 -> AA."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


class ColumnValues(Sequence):
    """The cells of one owned column, kept as one array in display form.

    A million-row column stays one array (floats in currency units, datetime64,
    bools, Arrow text) that the streaming writer (xlar.workbench.stream) turns into
    cells in bulk, instead of a million Python objects.  Read one by one, or as a
    list, it gives what a list of cell values would: float, date, datetime, int,
    'Yes'/'No', str, or None for an empty cell.

    Attributes:
      kind: the column's kind (see xlar.workbench.layout.Col).
      array: float64 (money, pct, float1, int; NaN = empty), datetime64[ns] (date,
        datetime; NaT = empty), bool (bool), or a pyarrow string array (text, '' =
        empty).
    """

    __slots__ = ("kind", "array")
    __hash__ = None

    def __init__(self, kind: str, array):
        self.kind, self.array = kind, array

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return ColumnValues(self.kind, self.array[i]).tolist()
        if self.kind == "text":
            return self.array[i].as_py()
        return ColumnValues(self.kind, self.array[i:i + 1 or None]).tolist()[0]

    def __iter__(self):
        return iter(self.tolist())

    def __eq__(self, other) -> bool:
        if isinstance(other, (list, tuple, ColumnValues)):
            return self.tolist() == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"ColumnValues({self.kind!r}, {len(self)} cells)"

    def tolist(self) -> list:
        a, kind = self.array, self.kind
        if kind == "text":
            return a.to_pylist()
        if kind == "bool":
            return np.where(a, "Yes", "No").tolist()
        if kind in ("date", "datetime"):
            return a.astype("datetime64[D]" if kind == "date" else "datetime64[us]").tolist()
        out = a.tolist()
        if kind == "int":
            return [None if v != v else int(v) for v in out]
        return [None if v != v else v for v in out]


def _text_array(s: pd.Series):
    """Text cells as a pyarrow string array: missing -> '', anything else str(v)."""
    import pyarrow as pa

    try:
        arr = pa.array(s, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers or other objects among the text
        arr = pa.array([v if isinstance(v, str) else ("" if v is None or v != v else str(v))
                        for v in s.astype(object)], type=pa.large_string())
    return arr.fill_null("") if arr.null_count else arr


def _values(frame: pd.DataFrame, field: str, kind: str) -> tuple[ColumnValues, object]:
    """Cell values and number format(s) for one owned column."""
    s = frame[field]
    if kind == "money":
        digits = (pd.Series(frame["currency"]).map(minor_digits).to_numpy(np.int64)
                  if "currency" in frame.columns else np.full(len(s), 2))
        # The one place money becomes a float: Excel stores doubles.
        units = s.to_numpy(np.int64) / np.power(10.0, digits)
        fmts = [NUMBER_FORMATS["money" if d == 2 else f"money{int(d)}"] for d in digits] \
            if (digits != 2).any() else NUMBER_FORMATS["money"]
        return ColumnValues(kind, units), fmts
    if kind in ("date", "datetime"):
        vals = pd.to_datetime(s, errors="coerce")
        if getattr(vals.dtype, "tz", None) is not None:
            vals = vals.dt.tz_localize(None)
        return ColumnValues(kind, vals.to_numpy("datetime64[ns]")), NUMBER_FORMATS[kind]
    if kind in ("int", "pct", "float1"):
        return ColumnValues(kind, pd.to_numeric(s, errors="coerce").to_numpy(np.float64,
                                                                             na_value=np.nan)), \
            NUMBER_FORMATS[kind]
    if kind == "bool":
        return ColumnValues(kind, s.map(bool).to_numpy(bool)), None
    return ColumnValues("text", _text_array(s)), None


def cell_value_of(v) -> object:
    """A user cell moved off its table (to the closed list): its value, or, for a
    formula never calculated, the formula's text, kept as text."""
    if isinstance(v, UserCell):
        return v.value if v.value is not None or not v.formula else str(v.formula)
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def _add_user_columns(headers, columns, formats, widths, top, n, user_columns, user_cells):
    """Append the user's own columns, their formulas moved to the rows' new places."""
    from openpyxl.formula.translate import Translator

    base = len(headers) + 1
    for j, h in enumerate(user_columns or []):
        letter = column_letter(base + j)
        values = []
        for i in range(n):
            uc = user_cells[i][j] if user_cells else UserCell(None)
            if uc.formula:
                here = f"{letter}{top + 1 + i}"
                moved = Translator(uc.formula, origin=f"{letter}{uc.row or top + 1 + i}")
                values.append(Formula(moved.translate_formula(here)))
            else:
                values.append(cell_value_of(uc))
        headers.append(h)
        columns.append(values)
        formats.append([NUMBER_FORMATS["date"] if isinstance(v, dt.date) else None
                        for v in values])
        widths.append(max(12, min(40, len(h) + 4)))


def display_value(value, kind: str, currency: str = "USD"):
    """One engine value as its cell shows it (cents -> units, Yes/No, date)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if kind == "money":
        return int(value) / 10 ** minor_digits(currency or "USD")
    if kind == "bool":
        return "Yes" if bool(value) else "No"
    if kind in ("date", "datetime"):
        t = pd.Timestamp(value)
        return t.date() if kind == "date" else t.to_pydatetime()
    if kind == "int":
        return int(value)
    if kind == "pct":
        return float(value)
    return value if isinstance(value, str) else str(value)


def rows_plan(layout: TableLayout, rows: list[dict], user_columns: list[str] | None = None,
              user_cells: list[list[UserCell]] | None = None) -> TablePlan:
    """A plan from rows already in display form (field -> cell value), for sheets whose
    rows mix saved records and rows kept exactly as typed."""
    top = 3 if layout.title else 1
    headers = [c.header for c in layout.columns]
    columns = [[r.get(c.field) for r in rows] for c in layout.columns]
    formats = [NUMBER_FORMATS[c.kind] if c.kind in ("date", "datetime", "int", "pct", "money")
               else None for c in layout.columns]
    widths = [c.width for c in layout.columns]
    _add_user_columns(headers, columns, formats, widths, top, len(rows), user_columns,
                      user_cells)
    return TablePlan(layout.sheet, layout.table, layout.title, headers, columns, formats, widths)


def table_plan(layout: TableLayout, frame: pd.DataFrame, user_columns: list[str] | None = None,
               user_cells: list[list[UserCell]] | None = None,
               extra_columns: pd.DataFrame | None = None) -> TablePlan:
    """The plan for *layout* filled with *frame*.

    *user_columns* / *user_cells*: the user's own columns, formulas moved to
    their rows' new places.  *extra_columns*: plain values beside the rows
    (a closed row's old user cells).
    """
    top = 3 if layout.title else 1
    headers = [c.header for c in layout.columns]
    columns, formats, widths = [], [], []
    for col in layout.columns:
        values, fmt = _values(frame, col.field, col.kind)
        columns.append(values)
        formats.append(fmt)
        widths.append(col.width)
    _add_user_columns(headers, columns, formats, widths, top, len(frame), user_columns,
                      user_cells)
    if extra_columns is not None:
        for h in extra_columns.columns:
            values = [cell_value_of(v) for v in extra_columns[h]]
            headers.append(str(h))
            columns.append(values)
            formats.append([NUMBER_FORMATS["date"] if isinstance(v, dt.date) else None
                            for v in values])
            widths.append(max(12, min(40, len(str(h)) + 4)))
    return TablePlan(layout.sheet, layout.table, layout.title, headers, columns, formats, widths)
