"""Table rows written straight into the sheet's XML: a million open items in seconds.

openpyxl keeps every cell as a Python object and writes it one by one (about 20 us a
cell: a 100,000-row Open Items table took a minute).  A large table's sheet is instead
set up in openpyxl with everything but its data rows (title, header, widths, frozen
pane, the Excel Table, print setup), and its rows are added while the file is saved:
:func:`sheet_rows` turns the plan's columns into ``<row>`` elements in bulk with Arrow's
string kernels, a block of rows at a time, and :class:`StreamingWriter` splices them
into the sheet part that openpyxl wrote, compressing one block while the next is made.

The cells are those openpyxl would write: numbers with the column's number format,
dates as serial numbers with a date format, text as inline strings (outside text
that looks like a formula gets Excel's quote prefix and stays text), formulas of the
user's columns as formulas.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from xml.sax.saxutils import escape

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.writer.excel import ExcelWriter

from xlar.text import FORMULA_PREFIXES, looks_like_formula
from xlar.workbench.plan import ColumnValues, Formula, TablePlan, column_letter

__all__ = ["sheet_rows", "StreamingWriter", "CHUNK_ROWS"]

#: Rows made (and compressed) at a time: big enough for Arrow to pay off, small enough
#: that a million-row table never sits in memory as XML.
CHUNK_ROWS = 20_000
_EXCEL_EPOCH = np.datetime64("1899-12-30", "ns")
_NS_PER_DAY = 86_400 * 10**9
_ILLEGAL = "[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x{FFFE}\\x{FFFF}]"  # not allowed in XML 1.0
_ILLEGAL_PY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORMULA_START = "^[" + re.escape("".join(FORMULA_PREFIXES)) + "]"

#: style_id(number_format or None, quote_prefix) -> index of the cell format (cellXfs).
StyleId = Callable[[str | None, bool], int]


def _join(*parts):
    return pc.binary_join_element_wise(*parts, "", null_handling="emit_null")


def _numbers(values: np.ndarray, keep: np.ndarray | None = None):
    """Numbers as text, null where NaN (or not *keep*)."""
    mask = np.isnan(values) if keep is None else ~keep
    return pc.cast(pa.array(values, mask=mask if mask.any() else None), pa.string())


def _style_attr(fmt, n: int, style_id: StyleId):
    """' s="N"' per cell (an Arrow array) or for the whole column (a str)."""
    if isinstance(fmt, list):
        ids = {f: f' s="{style_id(f, False)}"' if f else "" for f in set(fmt)}
        return pa.array([ids[f] for f in fmt], pa.string()) if n else ""
    sid = style_id(fmt, False) if fmt else 0
    return f' s="{sid}"' if sid else ""


def _text_cells(letter: str, rows, text, style_id: StyleId, base_fmt=None):
    """Inline-string cells; '' -> no cell; formula-looking text keeps Excel's quote prefix."""
    text = text.cast(pa.string())
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    if pc.any(pc.match_substring_regex(text, _ILLEGAL)).as_py():
        text = pc.replace_substring_regex(text, _ILLEGAL, "")
    if pc.any(pc.match_substring_regex(text, "[&<>]")).as_py():
        for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
            text = pc.replace_substring(text, old, new)
    quoted = pc.match_substring_regex(text, _FORMULA_START)
    plain = f' s="{style_id(base_fmt, False)}"' if base_fmt else ""
    if pc.any(quoted).as_py():
        style = pc.if_else(quoted, f' s="{style_id(base_fmt, True)}"', plain)
    else:
        style = plain
    spaced = pc.any(pc.not_equal(pc.utf8_trim_whitespace(text), text)).as_py()
    open_t = '<is><t xml:space="preserve">' if spaced else "<is><t>"
    return _join(f'<c r="{letter}', rows, '"', style, f' t="inlineStr">{open_t}', text,
                 "</t></is></c>")


def _owned_cells(letter: str, rows, col: ColumnValues, fmt, a: int, b: int,
                 style_id: StyleId):
    kind, part = col.kind, col.array[a:b]
    if kind == "text":
        return _text_cells(letter, rows, part, style_id, fmt if isinstance(fmt, str) else None)
    if kind == "bool":
        return _text_cells(letter, rows, pa.array(np.where(part, "Yes", "No"),
                                                  pa.string()), style_id)
    if kind in ("date", "datetime"):
        known = ~np.isnat(part)
        days = (part - _EXCEL_EPOCH).astype(np.int64)
        values = days // _NS_PER_DAY if kind == "date" else days / _NS_PER_DAY
        text = _numbers(values.astype(np.float64) if kind == "datetime" else values, known)
    elif kind == "int":
        keep = ~np.isnan(part)
        text = _numbers(np.where(keep, part, 0).astype(np.int64), keep)
    else:
        text = _numbers(part)
    style = _style_attr(fmt[a:b] if isinstance(fmt, list) else fmt, b - a, style_id)
    cells = _join(f'<c r="{letter}', rows, '"', style, "><v>", text, "</v></c>")
    if style and cells.null_count:  # an empty cell keeps its format, for what is typed later
        cells = pc.coalesce(cells, _join(f'<c r="{letter}', rows, '"', style, "/>"))
    return cells


def _cell(ref: str, value, fmt, style_id: StyleId) -> str:
    """One cell of a user column (or of a small plan's list), as openpyxl would write it."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    s = f' s="{style_id(fmt, False)}"' if fmt else ""
    if isinstance(value, Formula):
        return f'<c r="{ref}"{s}><f>{escape(_ILLEGAL_PY.sub("", str(value)[1:]))}</f></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>' if not isinstance(
            value, (np.integer, np.floating)) else f'<c r="{ref}"{s}><v>{value.item()!r}</v></c>'
    if isinstance(value, (dt.datetime, dt.date)):
        day = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        serial = (day - dt.datetime(1899, 12, 30)).total_seconds() / 86_400
        serial = int(serial) if serial == int(serial) else serial
        return f'<c r="{ref}" s="{style_id(fmt or "yyyy-mm-dd", False)}"><v>{serial}</v></c>'
    text = _ILLEGAL_PY.sub("", str(value))
    if text == "":
        return ""
    if looks_like_formula(text):
        s = f' s="{style_id(fmt, True)}"'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def _list_cells(letter: str, first: int, values, fmt, a: int, b: int, style_id: StyleId):
    per_cell = isinstance(fmt, list)
    out = [_cell(f"{letter}{first + i}", values[i], fmt[i] if per_cell else fmt, style_id)
           for i in range(a, b)]
    return pa.array(out, pa.string())


def _chunk(plan: TablePlan, first: int, a: int, b: int, style_id: StyleId) -> bytes:
    """Rows *a*..*b* of the plan (0-based) as XML, the first data row being *first*."""
    rows = pc.cast(pa.array(np.arange(first + a, first + b)), pa.string())
    cells = []
    for j, (values, fmt) in enumerate(zip(plan.columns, plan.formats, strict=True), start=1):
        letter = column_letter(j)
        if isinstance(values, ColumnValues):
            cell = _owned_cells(letter, rows, values, fmt, a, b, style_id)
        else:
            cell = _list_cells(letter, first, values, fmt, a, b, style_id)
        cells.append(pc.fill_null(cell, ""))
    xml = _join('<row r="', rows, '">', *cells, "</row>")
    return _data(xml)


def _data(arr) -> bytes:
    """The concatenated text of a fresh Arrow string array (its data buffer)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if len(arr) == 0:
        return b""
    wide = pa.types.is_large_string(arr.type)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if wide else np.int32)[
        arr.offset:arr.offset + len(arr) + 1]
    return arr.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]]


def sheet_rows(plan: TablePlan, first: int, style_id: StyleId,
               chunk_rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """The plan's data rows as ``<row>`` XML, a block at a time; *first* is the sheet row
    of the first one.  The next block is made in a thread while the caller writes this
    one (Arrow and zlib both let go of the GIL, so the two cores share the work)."""
    n = plan.rows
    bounds = [(a, min(a + chunk_rows, n)) for a in range(0, n, chunk_rows)]
    with ThreadPoolExecutor(1) as pool:
        ahead = [pool.submit(_chunk, plan, first, a, b, style_id) for a, b in bounds[:2]]
        for k in range(len(bounds)):
            block = ahead[k].result()
            ahead[k] = None
            if k + 2 < len(bounds):
                a, b = bounds[k + 2]
                ahead.append(pool.submit(_chunk, plan, first, a, b, style_id))
            yield block


def _fast_entry(name: str) -> zipfile.ZipInfo:
    """A deflated zip entry at level 1: a large sheet is mostly repeated markup, which the
    fastest level already shrinks about fifteenfold; the default level takes four times
    as long for a fifth less."""
    info = zipfile.ZipInfo(name, time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    for name in ("compress_level", "_compresslevel"):  # 3.13 and later; before
        try:
            setattr(info, name, 1)
            break
        except AttributeError:
            continue
    return info


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


class StreamingWriter(ExcelWriter):
    """openpyxl's package writer, with the rows of streamed tables spliced into their
    sheets (see :func:`xlar.workbench.xlsx.apply_table_plan`)."""

    def __init__(self, workbook, archive, style_id: StyleId):
        super().__init__(workbook, archive)
        self.style_id = style_id

    def write_worksheet(self, ws):
        body = getattr(ws, "_xlar_body", None)
        if body is None:
            return super().write_worksheet(ws)
        from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
        from openpyxl.worksheet._writer import WorksheetWriter

        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws)
        writer.write()
        ws._rels = writer._rels
        plan, top = body
        with open(writer.out, "rb") as fh:
            xml = fh.read()
        last = f"{column_letter(len(plan.headers))}{top + max(plan.rows, 1)}"
        xml = _DIMENSION.sub(f'<dimension ref="A1:{last}"/>'.encode(), xml, count=1)
        if b"<sheetData/>" in xml:
            xml = xml.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
        head, tail = xml.split(b"</sheetData>", 1)
        with self._archive.open(_fast_entry(ws.path[1:]), "w", force_zip64=True) as out:
            out.write(head)
            for block in sheet_rows(plan, top + 1, self.style_id):
                out.write(block)
            out.write(b"</sheetData>" + tail)
        self.manifest.append(ws)
        writer.cleanup()
