"""Reading files as they come: text in any of the usual encodings and separators,
spreadsheets of any Excel flavour (through python-calamine).

Everything here returns *grids*: the rows of one sheet (or text file) as
lists of cell values, with the sheet name and the 1-based row numbers a
specialist sees in Excel or a text editor.  Layout readers work on grids, so
an export saved as CSV or as XLSX is read by the same code.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "Grid",
    "ReadError",
    "cell_text",
    "row_text",
    "is_blank_row",
    "SPREADSHEET_SUFFIXES",
    "decode_text",
    "read_text",
    "sniff_delimiter",
    "read_grids",
    "is_spreadsheet",
    "MAX_FILE_BYTES",
    "MAX_FIELDS",
]

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}

#: Files above this size are refused before reading (a ledger export of a
#: million lines is about 150 MB).
MAX_FILE_BYTES = 1 << 30

#: Excel's last column is the 16,384th.  A text line split into more fields
#: than that is broken (a run of separators); its fields from here on are
#: kept joined in the last one, so the line is still shown whole, and no
#: reader walks a million empty columns.
MAX_FIELDS = 16_384


class ReadError(Exception):
    """The file as a whole cannot be read; the message says why and what to do."""


class Grid(NamedTuple):
    """The cells of one sheet or text file.

    Attributes:
      file: the file's name as given by the user.
      sheet: sheet name ('' for a text file).
      rows: list of rows, each a list of cell values (str for text files;
        str / float / bool / date / datetime for spreadsheets; '' when empty).
      lines: the 1-based line (text) or row (sheet) number of each row.
      decisions: what the reader decided (encoding, separator).
    """

    file: str
    sheet: str
    rows: list[list]
    lines: list[int]
    decisions: tuple[str, ...] = ()


def cell_text(value, keep_time: bool = False) -> str:
    """A cell as the text a person reads in it: the one rule every reader uses.

    '' for an empty cell (None, NaN); a whole float without its '.0' (a
    number typed into a text column, or a document number a spreadsheet
    stored as a number: 1037.0 -> '1037'); a date or datetime as its ISO date
    (2026-10-20); text stripped.  With *keep_time*, a datetime that is not at
    midnight keeps its time of day (2026-10-20T10:31:00): the block reports
    (QuickBooks, Xero) show and name rows by it.  The result read again gives
    itself, so texts may be passed where cells are expected.
    """
    if isinstance(value, str):
        return value.strip()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):  # datetime and pandas Timestamp too
        text = value.isoformat()
        return text if keep_time and not text.endswith("T00:00:00") else text[:10]
    return str(value).strip()


def row_text(cells: Iterable, keep_time: bool = False, from_first_filled: bool = False) -> str:
    """A row's cells joined by ' | ', as a rejected row is shown; trailing empty cells dropped.

    Leading empty cells stay (' | 10/20/2026 | Invoice'), so the text shows
    which column a value stands in; *from_first_filled* drops them too, for
    a line matched by its text wherever it starts (SAP and GP title lines,
    captions repeated after a page break).
    """
    text = " | ".join(cell_text(c, keep_time) for c in cells)
    return text.strip(" |") if from_first_filled else text.rstrip(" |")


def is_blank_row(cells: Iterable) -> bool:
    """True when no cell of the row shows any text."""
    return not any(cell_text(c) for c in cells)


def is_spreadsheet(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in SPREADSHEET_SUFFIXES


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ReadError(f"{path}: file not found") from None
    except OSError as e:
        raise ReadError(f"{path}: cannot be opened ({e.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise ReadError(f"{path}: {size / 2**20:.0f} MB is more than xlar reads at once "
                        f"({MAX_FILE_BYTES / 2**20:.0f} MB); split the export")


def decode_text(data: bytes, name: str = "") -> tuple[str, str, list[str]]:
    """Bytes to text: BOMs honoured, UTF-8 tried, Windows-1252 as the fall-back.

    Returns (text, encoding, decisions).  Windows-1252 decodes any byte, so a
    file that is not UTF-8 is still read, and the decision says so: a
    specialist seeing odd characters knows where to look.
    """
    decisions: list[str] = []
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc, decisions
            except UnicodeDecodeError as e:
                raise ReadError(f"{name}: starts with a {enc} mark but is not {enc} "
                                f"(byte {e.start})") from None
    if b"\x00" in data[:4096]:
        # UTF-16 without a BOM: every other byte of ASCII text is NUL.
        even, odd = data[:4096:2].count(0), data[1:4096:2].count(0)
        enc = "utf-16-le" if odd > even else "utf-16-be"
        try:
            return data.decode(enc), enc, [f"read as {enc} (no byte-order mark)"]
        except UnicodeDecodeError:
            raise ReadError(f"{name}: this is not a text file (it contains binary data); "
                            "export the report as CSV, TXT or XLSX") from None
    try:
        return data.decode("utf-8"), "utf-8", decisions
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        decisions.append("the file is not UTF-8: read as Windows-1252 (ñ, é, € as Excel on "
                         "Windows writes them)")
        return text, "cp1252", decisions


_DELIMITERS = (",", ";", "\t", "|")


def sniff_delimiter(lines: list[str]) -> str:
    """The separator that splits the most sample lines into the same number (>1) of fields."""
    best, best_score = ",", -1
    sample = [ln for ln in lines[:200] if ln.strip()]
    for d in _DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(sample, delimiter=d)]
        except csv.Error:  # a field past the csv limit: this separator splits nothing usable
            continue
        if not counts:
            continue
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        modal = max(set(multi), key=multi.count)
        score = multi.count(modal) * 1000 + modal
        if score > best_score:
            best, best_score = d, score
    return best


def read_text(path: Path, display: str) -> tuple[str, str, list[str]]:
    """A text file's contents, after the size check: (text, encoding, decisions)
    as :func:`decode_text` returns them."""
    _check_size(path)
    return decode_text(path.read_bytes(), display)


def read_text_grid(path: Path, display: str, delimiter: str | None = None) -> Grid:
    text, encoding, decisions = read_text(path, display)
    return text_grid(text, display, delimiter, decisions, encoding)


def text_grid(text: str, display: str, delimiter: str | None = None,
              decisions: list[str] | None = None, encoding: str = "utf-8") -> Grid:
    """Split text into rows of fields; CR-only, LF and CRLF line ends all count."""
    decisions = list(decisions or [])
    lines = text.splitlines()
    if delimiter is None:
        delimiter = sniff_delimiter(lines)
        names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
        if delimiter != ",":
            decisions.append(f"fields are separated by {names[delimiter]}s")
    rows: list[list] = []
    numbers: list[int] = []
    # csv.reader keeps quoted line breaks inside one record; track the
    # physical line each record starts on.
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    try:
        for record in reader:
            numbers.append(reader.line_num - _extra_lines(record))
            if len(record) > MAX_FIELDS:
                record[MAX_FIELDS - 1:] = [delimiter.join(record[MAX_FIELDS - 1:])]
            rows.append(record)
    except csv.Error as e:
        if "field limit" in str(e):  # usually a quote opened and never closed
            raise ReadError(f"{display}, near line {reader.line_num}: a value runs on for more "
                            f"than {csv.field_size_limit():,} characters (a quote that is never "
                            "closed?); fix that line or export the file again") from None
        raise ReadError(f"{display}, line {reader.line_num}: {e}") from None
    return Grid(display, "", rows, numbers, tuple(decisions))


def _extra_lines(record: list[str]) -> int:
    return sum(f.count("\n") for f in record)


_LAST_READ: dict = {}


def read_sheet_grids(path: Path, display: str, sheet: str | None = None) -> list[Grid]:
    """Every sheet (or the named one) of a spreadsheet, with merged headers filled.

    The last workbook read is kept for the next call (by path, size and
    modification time), so recognising a layout and then reading it parse
    the file once; the next call takes it (a reader may change its rows),
    and :func:`forget_grids` drops it.
    """
    try:
        st = Path(path).stat()
        key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns, display, sheet)
    except OSError:
        key = None
    if key is not None and key in _LAST_READ:
        return _LAST_READ.pop(key)
    grids = _read_sheet_grids(Path(path), display, sheet)
    _LAST_READ.clear()
    if key is not None:
        _LAST_READ[key] = grids
    return grids


def forget_grids() -> None:
    """Drop the workbook kept by :func:`read_sheet_grids`."""
    _LAST_READ.clear()


def _read_sheet_grids(path: Path, display: str, sheet: str | None = None) -> list[Grid]:
    import python_calamine as pc

    from xlar.imports.archive import check_workbook_archive

    _check_size(path)
    # calamine aborts the process when a sheet is too large to allocate: refuse
    # zip bombs and far-flung cells before it sees the file.
    check_workbook_archive(path, display)
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except BaseException as e:  # calamine raises several error types for one cause
        if not calamine_failed(e):
            raise
        raise ReadError(f"{display}: cannot be opened as a spreadsheet ({_short(e)}); is it "
                        "really an Excel file, and not open in another program?") from None
    names = wb.sheet_names
    if sheet is not None:
        if sheet not in names:
            raise ReadError(f"{display}: has no sheet {sheet!r}; its sheets are "
                            f"{', '.join(map(repr, names))}")
        names = [sheet]
    grids = []
    for name in names:
        try:
            s = wb.get_sheet_by_name(name)
            rows = s.to_python(skip_empty_area=False)
        except BaseException as e:
            if not calamine_failed(e):
                raise
            raise ReadError(f"{display}, sheet {name!r}: cannot be read ({_short(e)})") from None
        for (r0, c0), (r1, c1) in getattr(s, "merged_cell_ranges", None) or []:
            # A merged header ("Amounts" over three columns) names each column.
            if r0 < len(rows):
                value = rows[r0][c0] if c0 < len(rows[r0]) else ""
                for r in range(r0, min(r1, len(rows) - 1) + 1):
                    for c in range(c0, min(c1, len(rows[r]) - 1) + 1):
                        if rows[r][c] in ("", None):
                            rows[r][c] = value
        grids.append(Grid(display, name, rows, list(range(1, len(rows) + 1))))
    return grids


def calamine_failed(e: BaseException) -> bool:
    """Whether *e* is calamine saying it cannot read a file: its errors, and the panic
    its Rust code raises on some damaged files (an .xls whose directory points past its
    end), which Python sees as pyo3's PanicException, a BaseException.  Interrupts and
    exits are not failures of the file."""
    return isinstance(e, Exception) or type(e).__name__ == "PanicException"


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:160]


def read_grids(path: str | os.PathLike, sheet: str | None = None,
               delimiter: str | None = None) -> list[Grid]:
    """The grids of any supported file: one per sheet of a workbook, one for text."""
    p = Path(path)
    display = p.name
    if is_spreadsheet(p):
        return read_sheet_grids(p, display, sheet)
    return [read_text_grid(p, display, delimiter)]
