"""The walk through a *block report*, shared by the QuickBooks A/R Aging Detail
and the Xero Aged Receivables Detail readers.

A block report has title lines, a column header (on one row or two), then
sections: a label line opens one (a QuickBooks aging bucket, a Xero contact),
item rows follow, and a total line closes it; a grand total and a footer end
the report::

    A/R Aging Detail                                 title
    As of October 31, 2026                           report date (reported)

    ,Date,Transaction Type,Num,Customer,Due Date,Amount,Open Balance
    Current                                          section header
    ,10/20/2026,Invoice,1037,Sonnenschein,11/19/2026,"1,362.07","1,362.07"
    Total for Current,,,,,,"$1,362.07","$1,362.07"   subtotal (checked)
    TOTAL,,,,,,"$1,362.07","$1,362.07"               total (checked)

A :class:`BlockLayout` says what one report's header and label lines look
like; :func:`read_block_report` reads a file into :class:`BlockReport`, with
every line accounted for and every printed total tied to the rows it adds up.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.dates import parse_dates
from xlar.imports.common import FIELDS, PrintedTotal, RawRows
from xlar.imports.files import (
    Grid,
    ReadError,
    cell_text,
    is_spreadsheet,
    read_sheet_grids,
    read_text,
    row_text,
    text_grid,
)
from xlar.text import normalise_header

__all__ = ["BlockLayout", "BlockReport", "read_block_report"]


class BlockLayout(NamedTuple):
    """What one block report looks like.

    Attributes:
      report: the report's name, for messages ("QuickBooks A/R Aging Detail").
      columns: (field, pattern) pairs tried in order against each header label
        (normalised by :func:`xlar.text.normalise_header`; the whole label must
        match).  A field is one of :data:`FIELDS`, ``"bucket"`` (an aging
        column; a report may have several) or ``"ignore"`` (a column xlar
        knows and does not need, like days past due).
      required: fields the header row must have.
      looked_for: the header words to name when no header is found.
      fallbacks: (field, other) pairs: when the header has no column for
        *field*, the column found for *other* serves as *field*.
      label_lines: (kind, pattern) pairs for label lines that are neither
        sections nor totals (a run stamp, a percentages line).
      block_is_customer: True when a section label names the customer of its
        rows (Xero contacts); False when it names something else (QuickBooks
        aging buckets).
    """

    report: str
    columns: tuple[tuple[str, str], ...]
    required: tuple[str, ...]
    looked_for: str
    fallbacks: tuple[tuple[str, str], ...] = ()
    label_lines: tuple[tuple[str, str], ...] = ()
    block_is_customer: bool = False


class BlockReport(NamedTuple):
    """A block report read into raw rows.

    Attributes:
      raw: the rows for :func:`~xlar.imports.common.finish_import`; aging
        columns, when the report has them, are in ``frame`` as ``_bucket0``,
        ``_bucket1`` ... (in file order).
      bucket_labels: the header label of each aging column.
    """

    raw: RawRows
    bucket_labels: list[str]


#: Fields whose cells carry money: a label line may have them (its totals).
_FIGURES = frozenset({"open_amount", "original_amount", "bucket"})
#: "TOTAL" / "Total" alone, or "Grand Total": the whole report.
_GRAND_TOTAL = re.compile(r"(?:grand\s+|report\s+)?total", re.IGNORECASE)
#: "Total for 1 - 30 days past due", "Total 1 - 30", "Total Bayside Club": one block.
_BLOCK_TOTAL = re.compile(r"total\s+\S", re.IGNORECASE)
_AS_OF = re.compile(r"^\s*as\s+(?:of|at)\s+(?P<date>.+?)\s*$", re.IGNORECASE)
_AGEING_BY = re.compile(r"^\s*age?ing\s+by\s+(?P<what>.+?)\s*$", re.IGNORECASE)
#: Cell texts that are values, never labels: dates (10/20/2026, 2026-10-20,
#: 12 Oct 2026, October 31, 2026) and amounts ($1,234.56, (150.00)).
_VALUE_TEXT = re.compile(
    r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}"
    r"|\d{1,2}[ -][^\W\d_]{3,9}\.?[ -]\d{2,4}|[^\W\d_]{3,9}\.? \d{1,2},? \d{4}"
    r"|[-+(]?[$€£]?-?\d[\d,.' ]*\)?(?:\s*(?:cr|dr))?", re.IGNORECASE)


class _Sheet(NamedTuple):
    """A grid, and for text files the physical lines behind it (to show a line as written)."""

    grid: Grid
    text_lines: list[str] | None
    lines_read: int


class _Header(NamedTuple):
    top: int  # index in grid.rows of the header's first row
    height: int  # 1, or 2 for a header written on two rows
    columns: dict[str, list[int]]  # field -> column(s)
    labels: dict[int, str]  # column -> the header text that named it
    words: list[str]  # the header's last row, normalised: to spot it repeated


def read_block_report(path: str | Path, layout: BlockLayout, display: str) -> BlockReport:
    """Read the first sheet of *path* that has *layout*'s header into raw rows.

    Lines above the header are titles (the "As of" date and an "Ageing by"
    line are reported); below it every line is a data row or one of: blank,
    repeated header, section header, subtotal (closes the section: its figure
    is checked against the section's rows), total (checked against every row
    above it), percentage row, or one of the layout's own label lines.
    """
    sheets = _report_sheets(Path(path), display)
    for k, sheet in enumerate(sheets):
        header = _find_header(sheet.grid.rows, layout)
        if header is None:
            continue
        decisions = list(sheet.grid.decisions)
        others = [s.grid.sheet for j, s in enumerate(sheets) if j != k]
        if others:
            decisions.append(f"read sheet {sheet.grid.sheet!r}; "
                             f"{', '.join(map(repr, others))} not read (no {layout.report} "
                             "header)")
        return _walk(sheet, header, layout, decisions)
    raise ReadError(f"{display}: this is not a {layout.report} export: no column header among the "
                    f"first 40 rows (looked for {layout.looked_for}); export the report again "
                    "with its standard columns, or read the file with the generic layout")


def _report_sheets(path: Path, display: str) -> list[_Sheet]:
    if is_spreadsheet(path):
        return [_Sheet(g, None, len(g.rows)) for g in read_sheet_grids(path, display)]
    text, _encoding, decisions = read_text(path, display)
    lines = text.splitlines()
    return [_Sheet(text_grid(text, display, None, decisions), lines, len(lines))]


def _shown(v) -> str:
    """A cell as a block report shows it: :func:`~xlar.imports.files.cell_text`,
    a datetime with its time of day when it has one."""
    return cell_text(v, keep_time=True)


# -- the header ---------------------------------------------------------------


def _find_header(rows: list[list], layout: BlockLayout, limit: int = 40) -> _Header | None:
    """The header: one row, or two rows read together ("Due" over "Date").

    Two rows are taken together only when the upper one has several labels
    and together they name more columns than the lower one alone: a title
    merged across the columns is never glued onto the header, and "Due" over
    "Date" is not read as a second "Date".

    Not :func:`xlar.imports.reports.find_header` (nor the generic
    :func:`~xlar.imports.mapping.detect_columns`), for a reason: these
    reports put their titles straight above the header, merged across every
    column, and group titles ("Ageing") over some columns.  Filling the upper
    row across its blanks, as those two do, would glue the title or the group
    onto every label; here a blank upper cell leaves the lower label alone,
    and the layout's patterns see each column's labels as alternatives.
    """
    def words(row: list) -> list[str]:
        return [normalise_header(_shown(c)) for c in row]

    for r in range(min(limit, len(rows))):
        alone = _match_header([[_shown(c)] for c in rows[r]], layout)
        if alone:
            return _Header(r, 1, *alone, words(rows[r]))
        if r + 1 < len(rows) and len({_shown(c) for c in rows[r]} - {""}) > 1:
            two = _match_header(_stacked(rows[r], rows[r + 1]), layout)
            below = two and _match_header([[_shown(c)] for c in rows[r + 1]], layout)
            if two and (below is None or len(two[1]) > len(below[1])):
                return _Header(r, 2, *two, words(rows[r + 1]))
    return None


def _stacked(top: list, bottom: list) -> list[list[str]]:
    """Each column's possible labels when the header takes two rows.

    "Open" over "Balance" reads "Open Balance"; a group title over several
    columns ("Ageing" over "Current", "1 Month" ...) leaves the lower label.
    """
    out = []
    for j in range(max(len(top), len(bottom))):
        t = _shown(top[j]) if j < len(top) else ""
        b = _shown(bottom[j]) if j < len(bottom) else ""
        if t and b and normalise_header(t) != normalise_header(b):
            out.append([f"{t} {b}", b])
        else:
            out.append([x for x in (b or t,) if x])
    return out


def _match_header(columns: list[list[str]], layout: BlockLayout):
    """(field -> columns, column -> label) when the labels make *layout*'s header, else None."""
    patterns = [(field, re.compile(p)) for field, p in layout.columns]
    found: dict[str, list[int]] = {}
    labels: dict[int, str] = {}
    for j, variants in enumerate(columns):
        for label in variants:
            key = normalise_header(label)
            field = next((f for f, p in patterns if key and p.fullmatch(key)), None)
            if field is None:
                continue
            # The first column of a name is the one; a second "Date" is not the document date.
            if field == "bucket" or field not in found:
                found.setdefault(field, []).append(j)
                labels[j] = label
            break
    for field, other in layout.fallbacks:
        if field not in found and other in found:
            found[field] = found.pop(other)
    if not all(f in found for f in layout.required):
        return None
    return found, labels


def _describe_header(header: _Header, lines: list[int]) -> str:
    first, last = lines[header.top], lines[header.top + header.height - 1]
    where = f"line {first}" if first == last else f"lines {first}-{last}"
    pairs = ", ".join(f"{field} <- {header.labels[j]!r}"
                      for field, cols in sorted(header.columns.items(), key=lambda kv: kv[1][0])
                      if field != "ignore" for j in cols)
    return f"column header on {where}: {pairs}"


def _title_texts(sheet: _Sheet, i: int) -> list[str]:
    """The texts of title line *i*: the whole line of a text file, for an
    unquoted "As of October 31, 2026" is split at its comma; each distinct
    cell of a sheet (the corner stamp and the centred titles)."""
    if sheet.text_lines is not None:
        line = sheet.text_lines[sheet.grid.lines[i] - 1]
        return [line.strip().rstrip(",;\t| ").strip('"').strip()]
    return list(dict.fromkeys(t for t in map(_shown, sheet.grid.rows[i]) if t))


def _title_decisions(sheet: _Sheet, top: int) -> list[str]:
    """What the title lines say about the report: its date, how it ages."""
    out = []
    for i in range(top):
        line = sheet.grid.lines[i]
        for text in _title_texts(sheet, i):
            m = _AS_OF.match(text)
            if m:
                p = parse_dates(pd.Series([m["date"]], dtype=object))
                if p.ok[0]:
                    day = pd.Timestamp(p.dates[0]).date().isoformat()
                    out.append(f"the report is as of {day} (line {line}: {text!r})")
                else:
                    out.append(f"the report date on line {line} is not understood: {text!r}")
            m = _AGEING_BY.match(text)
            if m:
                out.append(f"the report ages items by {m['what'].lower()} (line {line}); "
                           "xlar ages them again from their due dates")
    return out


# -- the lines below the header -----------------------------------------------


def _walk(sheet: _Sheet, header: _Header, layout: BlockLayout, decisions: list[str]) -> BlockReport:
    rows, lines, name = sheet.grid.rows, sheet.grid.lines, sheet.grid.sheet
    cols = header.columns
    single = {f: c[0] for f, c in cols.items() if f in FIELDS}
    buckets = cols.get("bucket", [])
    mapped = {j for c in cols.values() for j in c}
    figures = {j for f, c in cols.items() if f in _FIGURES for j in c}
    identity = mapped - figures
    open_col = single.get("open_amount")
    label_lines = [(kind, re.compile(p, re.IGNORECASE)) for kind, p in layout.label_lines]
    width = max((len(r) for r in rows), default=0)

    skipped: Counter = Counter()
    skipped["title or header"] = header.top + header.height
    decisions += _title_decisions(sheet, header.top)
    decisions.append(_describe_header(header, lines))
    spans = _spans(lines, sheet.lines_read)
    extra = sum(spans[: header.top + header.height]) - header.top - header.height
    records: list[dict] = []
    printed: list[PrintedTotal] = []
    block, block_start = "", 0  # the open section's label, and its first row

    for i in range(header.top + header.height, len(rows)):
        cells = list(rows[i]) + [""] * (width - len(rows[i]))
        extra += spans[i] - 1
        kind, label = _line_kind(cells, header, identity, figures, label_lines)
        if kind == "data":
            record = {f: cells[j] for f, j in single.items()}
            record.update({f"_bucket{k}": cells[j] for k, j in enumerate(buckets)})
            if layout.block_is_customer and block and not _shown(record.get("customer_name")):
                record["customer_name"] = block
            record["_line"] = lines[i]
            record["_raw"] = _raw_line(sheet, cells, lines[i], spans[i])
            records.append(record)
            continue
        skipped[kind] += 1
        if kind == "section header":
            block, block_start = label, len(records)
        elif kind in ("subtotal", "total"):
            # A section total adds up its own section; the report total, everything.
            first = block_start if kind == "subtotal" else 0
            figure = cells[open_col] if open_col is not None else None
            printed.append(PrintedTotal(label, name, lines[i], figure,
                                        tuple(range(first, len(records)))))
            block, block_start = "", len(records)
    if extra:
        skipped["line break inside a quoted cell"] += extra

    columns = [f for f in FIELDS if f in single]
    if layout.block_is_customer and "customer_name" not in columns:
        columns.append("customer_name")
    columns += [f"_bucket{k}" for k in range(len(buckets))]
    raw = RawRows(_raw_frame(records, columns, name), sheet.lines_read, skipped, printed,
                  decisions)
    return BlockReport(raw, [header.labels[j] for j in buckets])


def _raw_frame(records: list[dict], columns: list[str], sheet: str) -> pd.DataFrame:
    """The data rows as raw cell values (object columns), with where each came from."""
    frame = pd.DataFrame({c: pd.Series([r.get(c, "") for r in records], dtype=object)
                          for c in columns})
    frame["_sheet"] = sheet
    frame["_line"] = pd.Series([r["_line"] for r in records], dtype=np.int64)
    frame["_raw"] = pd.Series([r["_raw"] for r in records], dtype=object)
    return frame


def _spans(lines: list[int], lines_read: int) -> list[int]:
    """Physical lines each record takes (more than one when a quoted cell holds a line break)."""
    ends = [*lines[1:], lines_read + 1]
    return [max(1, e - s) for s, e in zip(lines, ends, strict=True)]


def _raw_line(sheet: _Sheet, cells: list, line: int, span: int) -> str:
    if sheet.text_lines is not None:
        return "\n".join(sheet.text_lines[line - 1: line - 1 + span])
    return row_text(cells, keep_time=True)


def _line_kind(cells: list, header: _Header, identity: set[int], figures: set[int],
               label_lines) -> tuple[str, str]:
    """What a line below the header is, and its label text.

    A label line has its text in the first column (or in a column of no
    field) and nothing in the columns that identify an item (type, number,
    dates, customer); anything else is a data row, so a damaged item is
    rejected with its reasons rather than mistaken for a heading.
    """
    filled = [(j, v) for j, v in enumerate(cells) if _shown(v)]
    if not filled:
        return "blank", ""
    if [normalise_header(_shown(c)) for c in cells[: len(header.words)]] == header.words:
        return "repeated header", ""
    if all(isinstance(v, str) and v.strip().endswith("%") for _, v in filled):
        return "percentage row", ""
    j0, v0 = filled[0]
    label = _shown(v0)
    if not (isinstance(v0, str) and not _VALUE_TEXT.fullmatch(label)
            and (j0 == 0 or j0 not in identity | figures)):
        return "data", ""
    # Before looking at the other cells: a run stamp written without quotes
    # spills its commas into the next columns ("Accrual Basis Monday",
    # " November 2", ...), and its first cell says what it is.
    for kind, pattern in label_lines:
        if pattern.search(label):
            return kind, label
    # A label merged across several cells repeats in each of them.
    others = [j for j, v in filled[1:] if _shown(v) != label]
    if any(j in identity for j in others):
        return "data", ""
    if _GRAND_TOTAL.fullmatch(label):
        return "total", label
    if any(j in figures for j in others) and _BLOCK_TOTAL.match(label):
        return "subtotal", label
    if not others:
        return "section header", label
    return "data", ""
