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
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple
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

#: style_id(number_format or None, quote_prefix) -> index of the cell format (cellXfs).
StyleId = Callable[[str | None, bool], int]


def _join(*parts):
    return pc.binary_join_element_wise(*parts, "", null_handling="emit_null")


def _numbers(values: np.ndarray, keep: np.ndarray | None = None):
    """Numbers as text, null where NaN (or not *keep*)."""
    mask = np.isnan(values) if keep is None else ~keep
    return pc.cast(pa.array(values, mask=mask if mask.any() else None), pa.string())


def _style_attr(fmt, style_id: StyleId):
    """' s="N"' for the whole column (a str), or per cell (an Arrow array)."""
    if isinstance(fmt, list):
        ids = {f: f' s="{style_id(f, False)}"' if f else "" for f in set(fmt)}
        return pa.array([ids[f] for f in fmt], pa.string())
    sid = style_id(fmt, False) if fmt else 0
    return f' s="{sid}"' if sid else ""


class _Column(NamedTuple):
    """One column made ready once for all its blocks of rows.

    head: the cell's opening up to the row number (``<c r="B``); style: the
    attributes after it (a str, or an Arrow array for per-cell styles); middle: up to
    the value; value: the values as text (null = no cell); tail: the closing tags;
    empty: for a column with a number format, what an empty cell is (keeps the format).
    cells: for a column of Python values (the user's), a function making its cells.
    """

    head: str = ""
    style: object = ""
    middle: str = ""
    value: object = None
    tail: str = ""
    empty: str = ""
    cells: Callable | None = None


def _text_column(letter: str, text, style_id: StyleId, base_fmt=None) -> _Column:
    """Inline-string cells; '' -> no cell; formula-looking text keeps Excel's quote prefix."""
    text = text.cast(pa.string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    # One scan says whether anything needs fixing; most columns need nothing.
    if pc.any(pc.match_substring_regex(text, _ILLEGAL[:-1] + "&<>]")).as_py():
        text = pc.replace_substring_regex(text, _ILLEGAL, "")
        for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
            text = pc.replace_substring(text, old, new)
    first, last = pc.utf8_slice_codeunits(text, 0, 1), pc.utf8_slice_codeunits(text, -1)
    quoted = pc.fill_null(pc.is_in(first, pa.array(FORMULA_PREFIXES, pa.string())), False)
    plain = f' s="{style_id(base_fmt, False)}"' if base_fmt else ""
    style = pc.if_else(quoted, f' s="{style_id(base_fmt, True)}"', plain) \
        if pc.any(quoted).as_py() else plain
    blank = pa.array([" ", "\t", "\n", "\r"], pa.string())
    spaced = pc.any(pc.or_(pc.is_in(first, blank), pc.is_in(last, blank))).as_py()
    open_t = '<is><t xml:space="preserve">' if spaced else "<is><t>"
    return _Column(f'<c r="{letter}', style, f' t="inlineStr">{open_t}', text, "</t></is></c>")


def _owned_column(letter: str, col: ColumnValues, fmt, style_id: StyleId) -> _Column:
    kind, part = col.kind, col.array
    if kind == "text":
        return _text_column(letter, part, style_id, fmt if isinstance(fmt, str) else None)
    if kind == "bool":
        return _text_column(letter, pa.array(np.where(part, "Yes", "No"), pa.string()),
                            style_id)
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
    style = _style_attr(fmt, style_id)
    empty = "/>" if (isinstance(style, str) and style) or not isinstance(style, str) else ""
    return _Column(f'<c r="{letter}', style, "><v>", text, "</v></c>", empty)


def _cell(ref: str, value, fmt, style_id: StyleId) -> str:
    """One cell of a user column (or of a small plan's list), as openpyxl would write it."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    s = f' s="{style_id(fmt, False)}"' if fmt else ""
    if isinstance(value, Formula):
        return f'<c r="{ref}"{s}><f>{escape(_ILLEGAL_PY.sub("", str(value)[1:]))}</f></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
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


def _list_column(letter: str, first: int, values, fmt, style_id: StyleId) -> _Column:
    per_cell = isinstance(fmt, list)

    def cells(a: int, b: int):
        return pa.array([_cell(f"{letter}{first + i}", values[i], fmt[i] if per_cell else fmt,
                               style_id) for i in range(a, b)], pa.string())

    return _Column(cells=cells)


def _columns(plan: TablePlan, first: int, style_id: StyleId) -> list[_Column]:
    out = []
    for j, (values, fmt) in enumerate(zip(plan.columns, plan.formats, strict=True), start=1):
        letter = column_letter(j)
        out.append(_owned_column(letter, values, fmt, style_id)
                   if isinstance(values, ColumnValues) else
                   _list_column(letter, first, values, fmt, style_id))
    return out


def _chunk(columns: list[_Column], first: int, a: int, b: int) -> bytes:
    """Rows *a*..*b* (0-based) as XML, the first data row being sheet row *first*.

    One string join per block: a column without empty cells adds its pieces to the
    row's join directly; a column with some makes its cells first (an empty one
    becomes nothing, or a bare cell that keeps the column's number format)."""
    rows = pc.cast(pa.array(np.arange(first + a, first + b)), pa.string())
    parts: list = ['<row r="', rows, '">']
    for c in columns:
        if c.cells is not None:
            parts.append(c.cells(a, b))
            continue
        style = c.style if isinstance(c.style, str) else c.style[a:b]
        value = c.value[a:b]
        pieces = [c.head, rows, '"', style, c.middle, value, c.tail]
        if not value.null_count:
            parts += pieces
            continue
        cells = _join(*pieces)
        if c.empty:
            cells = pc.coalesce(cells, _join(c.head, rows, '"', style, c.empty))
        parts.append(pc.fill_null(cells, ""))
    parts.append("</row>")
    merged: list = []
    for p in parts:  # adjacent constants as one piece: fewer arguments to join
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        elif not (isinstance(p, str) and p == ""):
            merged.append(p)
    return _data(_join(*merged))


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
               chunk_rows: int = CHUNK_ROWS, deflate: bool = False) -> Iterator:
    """The plan's data rows as ``<row>`` XML, a block at a time; *first* is the sheet row
    of the first one.  The next blocks are made in threads while the caller writes this
    one (Arrow and zlib both let go of the GIL, so the two cores share the work).
    *deflate*: each block comes as (xml, its raw-deflate bytes), compressed in the thread
    too (see :class:`_Deflated`)."""
    n = plan.rows
    columns = _columns(plan, first, style_id)
    bounds = [(a, min(a + chunk_rows, n)) for a in range(0, n, chunk_rows)]

    def make(a: int, b: int):
        block = _chunk(columns, first, a, b)
        return (block, _deflate(block)) if deflate else block

    with ThreadPoolExecutor(2) as pool:
        ahead = [pool.submit(make, a, b) for a, b in bounds[:3]]
        for k in range(len(bounds)):
            block = ahead[k].result()
            ahead[k] = None
            if k + 3 < len(bounds):
                a, b = bounds[k + 3]
                ahead.append(pool.submit(make, a, b))
            yield block


def _deflate(data: bytes) -> bytes:
    """*data* as raw deflate blocks that end on a byte boundary and do not finish the
    stream: such pieces, each from a fresh compressor, concatenate into one valid
    stream (what pigz does), so they can be made in parallel."""
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)


class _Deflated:
    """Stands in for the zip entry's compressor: each write hands over data whose
    deflate bytes were made beforehand (in a thread), and the entry records the CRC
    and sizes of the data itself as usual."""

    def __init__(self):
        self.ready = b""

    def compress(self, data) -> bytes:
        out, self.ready = self.ready, b""
        return out

    def flush(self) -> bytes:
        return zlib.compressobj(1, zlib.DEFLATED, -15).flush()  # the final, empty block


def _write_deflated(out, blocks: Iterator, head: bytes, tail: bytes) -> None:
    """Write head, blocks and tail to the zip entry *out*, compressing in parallel when
    the entry lets its compressor be replaced (CPython's zipfile; otherwise serially)."""
    if getattr(out, "_compressor", None) is None:
        out.write(head)
        for block in blocks:
            out.write(block[0] if isinstance(block, tuple) else block)
        out.write(tail)
        return
    stand_in = out._compressor = _Deflated()
    stand_in.ready = _deflate(head)
    out.write(head)
    for xml, packed in blocks:
        stand_in.ready = packed
        out.write(xml)
    stand_in.ready = _deflate(tail)
    out.write(tail)


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
            blocks = sheet_rows(plan, top + 1, self.style_id, deflate=True)
            _write_deflated(out, blocks, head, b"</sheetData>" + tail)
        self.manifest.append(ws)
        writer.cleanup()
