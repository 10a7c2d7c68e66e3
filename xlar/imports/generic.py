"""Any CSV/TXT/XLSX/XLS list of open items, one item per row, with a mapping.

The header row is found (or taken from the mapping), title lines above it,
blank lines, repeated headers and "Total" lines inside it are counted and set
aside, and a "Total" line's figure is checked against the rows above it.

Large CSV files are read by pandas' C parser (a million rows in about a
second); anything it cannot take (a line with more fields than the header,
quoted line breaks) is read by the csv module instead, line numbers intact.
"""

from __future__ import annotations

import io
import re
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from xlar.imports.common import (
    ImportOptions,
    ImportResult,
    PrintedTotal,
    RawRows,
    finish_import,
)
from xlar.imports.files import (
    Grid,
    ReadError,
    _check_size,
    decode_text,
    is_spreadsheet,
    read_sheet_grids,
    sniff_delimiter,
    text_grid,
)
from xlar.imports.mapping import (
    ColumnMapping,
    columns_from_mapping,
    detect_columns,
    load_mapping,
)
from xlar.progress import Progress, no_progress

__all__ = ["read_generic", "TOTAL_WORDS"]

#: A row whose first text says one of these, and that has no document
#: number, is a total line, not an item.
TOTAL_WORDS = re.compile(
    r"^\s*(grand\s+total|report\s+total|total(es)?|suma(s)?|sum|subtotal|saldo\s+total|"
    r"total\s+general)\b", re.IGNORECASE)
_GRAND = re.compile(r"grand|general|report|^\s*totals?\s*$|^\s*totales\s*$", re.IGNORECASE)


def read_generic(path: str | Path, mapping=None, progress: Progress = no_progress,
                 display: str | None = None) -> ImportResult:
    """Read a one-item-per-row list of open items (CSV, TXT, XLSX, XLS, ODS)."""
    p = Path(path)
    display = display or p.name
    m = load_mapping(mapping)
    progress(0, 0, f"reading {display}")
    if is_spreadsheet(p):
        grids = read_sheet_grids(p, display, m.sheet if m else None)
        raw, mapping_used = _from_grids(grids, m, display)
    else:
        raw, mapping_used = _from_csv(p, m, display)
    progress(raw.lines_read, raw.lines_read, f"typing {len(raw.frame)} rows")
    options = mapping_used.options if mapping_used else ImportOptions()
    return finish_import(raw, display, "generic", options)


# ---------------------------------------------------------------------------


def _describe(found: dict[str, int], labels: list[str], source: str) -> str:
    pairs = ", ".join(f"{field} <- {labels[i]!r}" for field, i in
                      sorted(found.items(), key=lambda kv: kv[1]))
    how = "recognised the columns" if source == "auto" else f"used the mapping {source}"
    return f"{how}: {pairs}"


def _locate_header(rows: list[list], lines: list[int], m: ColumnMapping | None, display: str,
                   sheet: str) -> tuple[int, int, list[str], dict[str, int]] | str:
    """Header position and field columns, or a sentence saying why none was found."""
    where = f"{display}{', sheet ' + repr(sheet) if sheet else ''}"
    if m and m.columns:
        if m.header_row:
            r = m.header_row - 1
            if r >= len(rows):
                return f"{where}: header_row {m.header_row} is past the end of the data"
            labels = [str(c).strip() for c in rows[r]]
            found, missing = columns_from_mapping(labels, m)
            if missing:
                return (f"{where}: row {m.header_row} lacks the mapped column(s) "
                        f"{'; '.join(missing)}")
            return r, 1, labels, found
        for r in range(min(50, len(rows))):
            labels = [str(c).strip() for c in rows[r]]
            found, missing = columns_from_mapping(labels, m)
            if not missing:
                return r, 1, labels, found
        return (f"{where}: no row among the first 50 has all the mapped columns "
                f"({', '.join(repr(h) for h in m.columns.values())}); check the [columns] "
                "table of the mapping against the file's header")
    hit = detect_columns(rows, lines)
    if hit is None:
        return (f"{where}: no header row recognised (looked for columns like Invoice/Factura, "
                "Customer/Cliente, Due Date/Vencimiento, Balance/Saldo); give a mapping file "
                "with --mapping")
    if m and m.header_row:
        r = m.header_row - 1
        labels = [str(c).strip() for c in rows[r]]
        from xlar.imports.mapping import match_header

        return r, 1, labels, match_header(labels)
    return hit


def _from_grids(grids: list[Grid], m: ColumnMapping | None, display: str):
    problems = []
    for g in grids:
        hit = _locate_header(g.rows, g.lines, m, display, g.sheet)
        if isinstance(hit, str):
            problems.append(hit)
            continue
        r, nhdr, labels, found = hit
        decisions = list(g.decisions)
        if len(grids) > 1:
            decisions.append(f"read sheet {g.sheet!r} (the first with a recognised header)")
        decisions.append(_describe(found, labels, m.source if m and m.columns else "auto"))
        body = g.rows[r + nhdr:]
        width = max((len(x) for x in body), default=0)
        frame = pd.DataFrame([list(x) + [""] * (width - len(x)) for x in body], dtype=object)
        raw = _classify(frame, np.asarray(g.lines[r + nhdr:], dtype=np.int64), found, labels,
                        g.sheet, len(g.rows), r + nhdr, decisions)
        return raw, m or ColumnMapping({}, source="auto")
    raise ReadError(problems[0] if len(problems) == 1 else "; ".join(problems))


def _from_csv(p: Path, m: ColumnMapping | None, display: str):
    _check_size(p)
    text, _encoding, decisions = decode_text(p.read_bytes(), display)
    lines_head = text[:65536].splitlines()[:60]
    delimiter = sniff_delimiter(lines_head)
    head = text_grid("\n".join(lines_head), display, delimiter)
    hit = _locate_header(head.rows, head.lines, m, display, "")
    if isinstance(hit, str):
        raise ReadError(hit)
    r, nhdr, labels, found = hit
    header_line = head.lines[r]
    names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
    if delimiter != ",":
        decisions.append(f"fields are separated by {names[delimiter]}s")
    decisions.append(_describe(found, labels, m.source if m and m.columns else "auto"))
    skip = header_line - 1 + nhdr
    total_lines = len(text.splitlines())
    frame, line_numbers = None, None
    try:
        with warnings.catch_warnings():
            # pandas *drops* the surplus cells of a too-long first row and
            # only warns; here that is an error, so the careful path runs.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text), sep=delimiter, header=None, skiprows=skip, dtype=str,
                keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c",
                names=range(len(labels)), index_col=False, quoting=0,
            )
        line_numbers = np.arange(skip + 1, skip + 1 + len(frame), dtype=np.int64)
        if skip + len(frame) != total_lines:
            frame = None  # quoted line breaks: row n is not line n; take the careful path
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError):
        frame = None
    if frame is None:
        grid = text_grid(text, display, delimiter)
        first = next((i for i, ln in enumerate(grid.lines) if ln > skip), len(grid.lines))
        body = grid.rows[first:]
        width = max([len(labels), *(len(x) for x in body)])
        frame = pd.DataFrame([x + [""] * (width - len(x)) for x in body], dtype=object)
        line_numbers = np.asarray(grid.lines[first:], dtype=np.int64)
    raw = _classify(frame, line_numbers, found, labels, "", total_lines, skip, decisions)
    return raw, m or ColumnMapping({}, source="auto")


def _printed_totals(frame, total_rows, label_of, positions, found, line_numbers, sheet):
    """Each total line, with the data rows it adds up.

    A run of total lines with no data between them ("Total USD", "Total EUR")
    covers one range of rows, split by currency when a line names one.  A
    run that says "grand"/"general", or the last of several runs, covers
    every row; any other covers the rows since the previous run.
    """
    amount_col = found.get("open_amount", found.get("original_amount"))
    cur_col = found.get("currency")
    runs: list[list[int]] = []
    for t in total_rows:
        if runs and positions[t] == positions[runs[-1][-1]]:
            runs[-1].append(int(t))
        else:
            runs.append([int(t)])
    printed, start = [], 0
    for k, run in enumerate(runs):
        hi = int(positions[run[0]])
        grand = any(_GRAND.search(label_of[t]) for t in run) or (k == len(runs) - 1 and k > 0)
        rows = tuple(range(0 if grand else start, hi))
        for t in run:
            figure = frame.iat[t, amount_col] if amount_col is not None else None
            printed.append(PrintedTotal(label_of[t], sheet, int(line_numbers[t]), figure, rows,
                                        _currency_named(frame, t, cur_col, label_of[t])))
        if not grand:
            start = hi
    return printed


def _currency_named(frame, t, cur_col, label) -> str | None:
    """The currency a total line names, in the currency column or its label."""
    from xlar.money import is_currency

    candidates = [_cell(frame.iat[t, cur_col]).upper()] if cur_col is not None else []
    candidates += re.findall(r"\b[A-Z]{3}\b", label.upper())
    return next((c for c in candidates if is_currency(c)), None)


def _cell(v) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()


def _classify(frame: pd.DataFrame, line_numbers: np.ndarray, found: dict[str, int],
              labels: list[str], sheet: str, lines_read: int, lines_above: int,
              decisions: list[str]) -> RawRows:
    """Split body rows into items, blank lines, repeated headers and total lines.

    Only rows without a plain document number can be anything but an item,
    so the row-by-row look is limited to those: a clean million-row file
    costs two vectorised passes over one column.
    """
    skipped: Counter = Counter()
    skipped["title or header"] = lines_above
    n = len(frame)
    if n == 0:
        return RawRows(pd.DataFrame(), max(lines_read, lines_above), skipped, [], decisions)
    doc_col = found.get("document", found.get("customer_id", found.get("customer_name")))
    doc = frame[doc_col].map(_cell) if frame[doc_col].dtype == object and not \
        pd.api.types.is_string_dtype(frame[doc_col]) else frame[doc_col].str.strip()
    header_label = labels[doc_col].strip().lower() if doc_col < len(labels) else None
    cand = np.flatnonzero(((doc == "") | doc.str.match(TOTAL_WORDS)
                           | (doc.str.lower() == header_label)).to_numpy())
    blank = np.zeros(n, bool)
    total = np.zeros(n, bool)
    header_again = np.zeros(n, bool)
    label_of: dict[int, str] = {}
    for i in cand:
        cells = [_cell(v) for v in frame.iloc[i]]
        if not any(cells):
            blank[i] = True
        elif [c.lower() for c in cells[: len(labels)]] == [x.strip().lower() for x in labels]:
            header_again[i] = True
        else:
            texts = [c for c in cells[:4] if c]
            if texts and TOTAL_WORDS.match(texts[0]):
                total[i] = True
                label_of[i] = texts[0]
    data = ~blank & ~total & ~header_again
    skipped["blank"] = int(blank.sum())
    skipped["total"] = int(total.sum())
    skipped["repeated header"] = int(header_again.sum())

    positions = np.cumsum(data)  # data rows above and at each line
    printed = _printed_totals(frame, np.flatnonzero(total), label_of, positions, found,
                              line_numbers, sheet)

    out = pd.DataFrame({field: frame.iloc[data, col].to_numpy() for field, col in found.items()})
    if frame.shape[1] > len(labels):
        # More cells than headers: a separator inside an unquoted value has
        # shifted the row, so no cell of it can be trusted.
        extra = frame.iloc[data, len(labels):].map(_cell).ne("").any(axis=1).to_numpy()
        out["_reject"] = np.where(extra, f"has more fields than the {len(labels)} columns of the "
                                         "header (a separator inside an unquoted value?)", "")
    out["_sheet"] = sheet
    out["_line"] = line_numbers[data]
    lines_seen = lines_above + n
    if lines_read > lines_seen:
        # Records that span lines (a quoted memo with a line break): the
        # extra physical lines belong to the record above them.
        skipped["line inside a quoted field"] = lines_read - lines_seen
    return RawRows(out, max(lines_read, lines_seen), skipped, printed, decisions,
                   frame.iloc[data].reset_index(drop=True))
