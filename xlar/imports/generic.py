"""Any CSV/TXT/XLSX/XLS list of open items, one item per row, with a mapping.

The header row is found (or taken from the mapping), title lines above it,
blank lines, repeated headers and "Total" lines inside it are counted and set
aside, and a "Total" line's figure is checked against the rows above it.

Large CSV files are read by pandas' C parser (a million rows in about a
second); anything it cannot take (a line with more fields than the header,
quoted line breaks) is read by the csv module instead, line numbers intact.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from xlar.imports.common import (
    ImportOptions,
    ImportResult,
    PrintedTotal,
    RawRows,
    import_file,
)
from xlar.imports.files import (
    Grid,
    ReadError,
    _check_size,
    cell_text,
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
from xlar.text import starts_with_pattern

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
    m = load_mapping(mapping)

    def raw_rows(p: Path, display: str) -> RawRows:
        if is_spreadsheet(p):
            return _from_grids(read_sheet_grids(p, display, m.sheet if m else None), m, display)
        return _from_csv(p, m, display)

    return import_file(path, display, "generic", m.options if m else ImportOptions(), raw_rows,
                       progress)


# ---------------------------------------------------------------------------


def _rectangle(rows: list[list], width: int) -> pd.DataFrame:
    """Rows as a frame of *width* columns (short rows padded with ''), plus one last
    column holding, joined by ' | ', whatever cells a row has beyond them.

    Cells past the header are only ever shown (the row is rejected for them), so
    one broken line of 100,000 separators costs one long text, not 100,000 columns
    for every row of the file.
    """
    lengths = {len(x) for x in rows}
    if lengths <= {width}:
        # A spreadsheet's rows come as one rectangle: nothing to pad or fold.
        return pd.DataFrame(rows, dtype=object).reindex(columns=range(width), fill_value="")
    wider = max(lengths) > width
    return pd.DataFrame([_fit(list(x), width, wider) for x in rows], dtype=object)


def _fit(cells: list, width: int, extra_column: bool) -> list:
    if len(cells) <= width:
        return cells + [""] * (width - len(cells) + extra_column)
    rest = cells[width:]
    return cells[:width] + [" | ".join(map(cell_text, rest)) if any(map(cell_text, rest)) else ""]


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
            labels = [cell_text(c) for c in rows[r]]
            found, missing = columns_from_mapping(labels, m)
            if missing:
                return (f"{where}: row {m.header_row} lacks the mapped column(s) "
                        f"{'; '.join(missing)}")
            return r, 1, labels, found
        for r in range(min(50, len(rows))):
            labels = [cell_text(c) for c in rows[r]]
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
        labels = [cell_text(c) for c in rows[r]]
        from xlar.imports.mapping import match_header

        return r, 1, labels, match_header(labels)
    return hit


def _from_grids(grids: list[Grid], m: ColumnMapping | None, display: str) -> RawRows:
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
        frame = _rectangle(body, len(labels))
        return _classify(frame, np.asarray(g.lines[r + nhdr:], dtype=np.int64), found, labels,
                         g.sheet, len(g.rows), r + nhdr, decisions)
    raise ReadError(problems[0] if len(problems) == 1 else "; ".join(problems))


def _from_csv(p: Path, m: ColumnMapping | None, display: str) -> RawRows:
    _check_size(p)
    data = p.read_bytes()
    # The header is found in the first 64 KB; Arrow checks the rest is valid
    # UTF-8 as it reads, so a large clean file is decoded once, not twice.
    head_bytes = data[:65536]
    if len(data) > len(head_bytes) and b"\x00" not in head_bytes:
        head_bytes = head_bytes[: head_bytes.rfind(b"\n") + 1] or head_bytes
    head_text, encoding, decisions = decode_text(head_bytes, display)
    lines_head = head_text.splitlines()[:60]
    delimiter = sniff_delimiter(lines_head)
    head = text_grid("\n".join(lines_head), display, delimiter)
    hit = _locate_header(head.rows, head.lines, m, display, "")
    if isinstance(hit, str):
        raise ReadError(hit)
    r, nhdr, labels, found = hit
    names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
    skip = head.lines[r] - 1 + nhdr
    eight_bit = encoding in ("utf-8", "utf-8-sig", "cp1252")
    total_lines = count_lines(data) if eight_bit else None
    fast = None
    if eight_bit:
        fast = _read_body_fast(p, encoding, delimiter, skip, len(labels), total_lines)
    if fast is None:  # not UTF-8 after all, another encoding, or an irregular file
        tried = encoding if eight_bit else None
        text, encoding, decisions = decode_text(data, display)
        total_lines = count_lines(text)
        if encoding != tried and encoding in ("utf-8", "utf-8-sig", "cp1252"):
            fast = _read_body_fast(p, encoding, delimiter, skip, len(labels), total_lines)
    if delimiter != ",":
        decisions.append(f"fields are separated by {names[delimiter]}s")
    decisions.append(_describe(found, labels, m.source if m and m.columns else "auto"))
    if fast is not None:
        frame, line_numbers = fast
    else:
        grid = text_grid(text, display, delimiter)
        first = next((i for i, ln in enumerate(grid.lines) if ln > skip), len(grid.lines))
        frame = _rectangle(grid.rows[first:], len(labels))
        line_numbers = np.asarray(grid.lines[first:], dtype=np.int64)
    return _classify(frame, line_numbers, found, labels, "", total_lines, skip, decisions)


def count_lines(text: str | bytes) -> int:
    """Physical lines as a text editor counts them (LF, CRLF and lone CR all end one).

    Bytes of an 8-bit or UTF-8 file are counted with numpy, several times
    faster than ``bytes.count(b"\\r\\n")``, with the same answer.
    """
    if not text:
        return 0
    if isinstance(text, str):
        ends = text.count("\n") + text.count("\r") - text.count("\r\n")
        return ends + (0 if text[-1] in "\r\n" else 1)
    a = np.frombuffer(text, dtype=np.uint8)
    cr = np.flatnonzero(a == 13)
    crlf = int(np.count_nonzero(a[cr[cr < len(a) - 1] + 1] == 10))
    ends = int(np.count_nonzero(a == 10)) + len(cr) - crlf
    return ends + (0 if a[-1] in (10, 13) else 1)


def _read_body_fast(path: Path, encoding: str, delimiter: str, skip: int, width: int,
                    total_lines: int):
    """The rows below the header, read by Arrow's multi-threaded CSV reader.

    Returns (frame of text, line numbers) or None when the file is not
    regular enough to number its rows safely (a value with a line break,
    a field larger than a read block): the caller then takes the careful
    csv-module path.  Rows with too few or too many fields are not dropped:
    Arrow hands them over, and they are put back at their line, as text.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(width)]
    irregular: list = []

    def keep(row):  # Arrow would skip it; we record it and put it back below
        irregular.append(row)
        return "skip"

    def read(threads: bool):
        irregular.clear()
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=skip, column_names=names,
                                           use_threads=threads,
                                           encoding="utf-8" if encoding.startswith("utf-8")
                                           else encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                             newlines_in_values=False, invalid_row_handler=keep),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        )

    # An irregular row that is not valid UTF-8 cannot be handed to keep(): Arrow
    # reports that as "unraisable" and skips the row.  Note it, and take the careful path.
    undecodable: list = []
    previous = sys.unraisablehook

    def note(u) -> None:
        if isinstance(u.exc_value, UnicodeDecodeError):
            undecodable.append(u)
        else:
            previous(u)

    sys.unraisablehook = note
    try:
        table = read(True)
        if irregular:  # their line numbers are only known single-threaded
            table = read(False)
    except (pa.ArrowInvalid, pa.ArrowException, UnicodeError):
        return None
    finally:
        sys.unraisablehook = previous
    if undecodable:
        return None
    if table.num_rows + len(irregular) != total_lines - skip:
        return None  # a record spans lines: row n is not line n
    frame = table.to_pandas()
    frame.columns = range(width)
    lines = np.arange(skip + 1, total_lines + 1, dtype=np.int64)
    if not irregular:
        return frame, lines
    try:
        odd = {row.number: next(csv.reader([row.text], delimiter=delimiter), [])
               for row in irregular}
    except csv.Error:  # a field past the csv module's limit: the careful path says where
        return None
    if None in odd:
        return None
    regular = lines[~np.isin(lines, list(odd))]
    frame = frame.astype(object)
    extra = _rectangle(list(odd.values()), width)
    if extra.shape[1] > width:
        frame[width] = ""
    frame = pd.concat([frame, extra], ignore_index=True)
    order = np.argsort(np.concatenate([regular, np.fromiter(odd, np.int64)]), kind="stable")
    return frame.iloc[order].reset_index(drop=True), lines


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

    candidates = [cell_text(frame.iat[t, cur_col]).upper()] if cur_col is not None else []
    candidates += re.findall(r"\b[A-Z]{3}\b", label.upper())
    return next((c for c in candidates if is_currency(c)), None)


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
    doc = frame[doc_col].map(cell_text) if frame[doc_col].dtype == object and not \
        pd.api.types.is_string_dtype(frame[doc_col]) else frame[doc_col].str.strip()
    header_label = labels[doc_col].strip().lower() if doc_col < len(labels) else None
    # A plain pattern with case=False runs inside Arrow (RE2), not once per row in Python.
    cand = np.flatnonzero((doc == "").to_numpy(bool) | starts_with_pattern(doc, TOTAL_WORDS.pattern)
                          | (doc.str.lower() == header_label).to_numpy(bool))
    blank = np.zeros(n, bool)
    total = np.zeros(n, bool)
    header_again = np.zeros(n, bool)
    label_of: dict[int, str] = {}
    for i in cand:
        cells = [cell_text(v) for v in frame.iloc[i]]
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

    body = frame if data.all() else frame[data]
    out = pd.DataFrame({field: body[col].reset_index(drop=True) for field, col in found.items()})
    if frame.shape[1] > len(labels):
        # More cells than headers: a separator inside an unquoted value has
        # shifted the row, so no cell of it can be trusted.
        extra = frame.iloc[data, len(labels):].map(cell_text).ne("").any(axis=1).to_numpy()
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
