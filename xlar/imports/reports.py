"""Steps shared by the readers of printed reports: SAP FBL5N lists and Dynamics
GP aged trial balances.

A printed report is not a table with one header on top: it has title lines,
rule lines, a column caption (on one row or two) that comes back after every
page break, header lines that name the customer of the rows below them, and
total lines.  A report reader finds the caption (:func:`find_header`), then
walks every line and hands each to a :class:`ReportRows`, as an item or as a
counted structural line, so that the control of lines read always adds up.

The QuickBooks and Xero reports are built differently (sections that open
with a label line and close with a total line); their walk is in
:mod:`xlar.imports.blocks`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.imports.common import PrintedTotal, RawRows
from xlar.imports.files import cell_text, is_blank_row
from xlar.imports.mapping import two_row_labels

__all__ = ["Header", "ReportRows", "cell_at", "find_header", "is_rule"]

_RULE = re.compile(r"^[\s|+]*[-=_]{3,}[-=_\s|+]*$")


def is_rule(text: str) -> bool:
    """A ruled line: ``-----``, ``|-----|``, ``=====``, ``+---+---+``."""
    return bool(_RULE.match(text))


def cell_at(cells: list, col: int | None):
    """The value in column *col* of a line, text stripped; '' when the line
    is shorter, the cell empty, or the report has no such column (None)."""
    if col is None or col >= len(cells):
        return ""
    v = cells[col]
    return v.strip() if isinstance(v, str) else ("" if v is None else v)


class Header(NamedTuple):
    """A report's column header.

    Attributes:
      row: index (in the report's lines) of its first row.
      nrows: 1, or 2 for a caption split over two rows.
      labels: the caption of each column (two rows joined).
      columns: field -> column index.
    """

    row: int
    nrows: int
    labels: list[str]
    columns: dict[str, int]


def _labels(rows: list[list], r: int, nrows: int) -> list[str]:
    """Row *r*'s captions; with ``nrows == 2`` joined with the row below
    (:func:`~xlar.imports.mapping.two_row_labels`)."""
    upper = [cell_text(c) for c in rows[r]]
    if nrows == 1:
        return upper
    return two_row_labels(upper, [cell_text(c) for c in rows[r + 1]])[0]


def find_header(rows: list[list], recognise: Callable[[list[str]], dict[str, int] | None],
                limit: int = 80, two_rows: bool = True) -> Header | None:
    """The first row (or pair of rows) among the first *limit* that *recognise*
    accepts; *recognise* returns field -> column, or None.  A single row
    wins over a pair when both are recognised with as many fields.

    A report's caption is the first row that names its columns: the title
    lines above it name none.  (A plain list, where any row may be the
    header, takes the best-scoring row instead:
    :func:`xlar.imports.mapping.detect_columns`.)
    """
    for r in range(min(limit, len(rows))):
        if is_blank_row(rows[r]):
            continue
        best = None
        for nrows in (1, 2) if two_rows else (1,):
            if r + nrows > len(rows):
                continue
            labels = _labels(rows, r, nrows)
            found = recognise(labels)
            if found and (best is None or len(found) > len(best.columns)):
                best = Header(r, nrows, labels, found)
        if best is not None:
            return best
    return None


class ReportRows:
    """Collects a report's lines into :class:`RawRows`, line by line.

    Every line goes to exactly one place: an item row (:meth:`item`) or a
    counted structural line (:meth:`skip`), so the control of lines read
    always adds up.  Printed totals name the item rows they cover.
    """

    def __init__(self, sheet: str = ""):
        self.sheet = sheet
        self.records: list[dict] = []
        self.lines: list[int] = []
        self.raws: list[str] = []
        self.skipped: Counter = Counter()
        self.totals: list[PrintedTotal] = []

    def __len__(self) -> int:
        return len(self.records)

    def skip(self, kind: str) -> None:
        self.skipped[kind] += 1

    def item(self, values: dict, line: int, raw: str) -> int:
        """Add an item row; returns its position."""
        self.records.append(values)
        self.lines.append(line)
        self.raws.append(raw)
        return len(self.records) - 1

    def total(self, label: str, line: int, figure, rows: Iterable[int],
              currency: str | None = None) -> None:
        self.totals.append(PrintedTotal(label, self.sheet, line, figure, tuple(rows), currency))

    def frame(self) -> pd.DataFrame:
        f = pd.DataFrame.from_records(self.records) if self.records else pd.DataFrame()
        f = f.astype(object) if len(f.columns) else f
        f["_sheet"] = self.sheet
        f["_line"] = np.asarray(self.lines, dtype=np.int64)
        f["_raw"] = pd.Series(self.raws, dtype=object)
        return f

    def raw_rows(self, lines_read: int, decisions: list[str],
                 frame: pd.DataFrame | None = None) -> RawRows:
        f = self.frame() if frame is None else frame
        return RawRows(f, lines_read, self.skipped, self.totals, decisions)
