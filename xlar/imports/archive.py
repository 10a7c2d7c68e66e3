"""Refusing hostile workbooks before the spreadsheet reader sees them.

An XLSX (XLSM, XLSB, ODS) file is a zip of parts.  Two kinds of small file
could take every byte of memory in the reader, and one of them kills the
process outright (python-calamine aborts when it cannot allocate, with no
exception to catch):

* a *zip bomb*: kilobytes that unpack to gigabytes.  Every part is
  unpacked here, as a stream, and the bytes counted as they come: the sizes
  the zip's directory declares are not trusted, because they can lie.
* a *sparse sheet*: a few cells placed far apart (``A1`` and ``XFD1048576``,
  or 16,000 empty ``<c/>`` cells without references).  The reader lays a
  sheet out as a rectangle from A1, so two cells become seventeen billion.
  The rectangle each worksheet part spans is worked out from its cell
  references and positions, and refused above :data:`MAX_SHEET_CELLS`.

Costs about a third of a second per 100,000 rows of a typical export (the
unpacking is most of it); a file that is not a zip (XLS) is left to the reader.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from xlar.imports.files import ReadError

__all__ = ["check_workbook_archive", "sheet_extent", "ods_extent", "MAX_UNPACKED_BYTES",
           "MAX_SHEET_CELLS"]

#: What all parts of one workbook may hold unpacked.  A 100,000-row export
#: is about 90 MB of sheet XML, so this allows about a million rows.
MAX_UNPACKED_BYTES = 1 << 30

#: Cells one sheet may span, empty ones included: 1,048,576 rows (Excel's
#: maximum) of 32 columns.  Laid out by the reader, that is about 1.3 GB.
MAX_SHEET_CELLS = 1 << 25

_CHUNK = 1 << 22
#: No tag in a sheet is this long; a part without a '<' for that long is not XML.
_MAX_TAG = 1 << 26
#: References that leave the cheap bound (columns A-Z, rows below 100,000): two or
#: more letters, or six or more digits.  Any attribute whose name ends in r matches the
#: literal too (LibreOffice's defaultGridColor="true", which sent every file it saved
#: down the slow exact pass); only an attribute named r, after white space, is a
#: reference (see _quick_extent).
_FAR_REF = re.compile(rb'r="(?:[A-Za-z]{2}|[A-Za-z]?[0-9]{6})')
_SPACE = frozenset(b" \t\r\n")
_REF_VALUE = re.compile(rb'r="([A-Za-z]*[0-9]*)')
_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")
_R_ATTR = re.compile(rb'(?:^|\s)r\s*=\s*["\']([A-Za-z]*)([0-9]*)["\']')


class Extent(NamedTuple):
    """The rectangle a sheet spans from A1: rows and columns (1-based counts)."""

    rows: int
    columns: int

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def check_workbook_archive(path: str | Path, display: str) -> None:
    """Raise :class:`ReadError` when the workbook at *path* unpacks to more than
    :data:`MAX_UNPACKED_BYTES` or a sheet spans more than :data:`MAX_SHEET_CELLS`.

    A file that is not a zip is not checked here (an XLS workbook: at most
    65,536 x 256 cells by its format); a damaged zip is refused.
    """
    path = Path(path)
    if not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as z, path.open("rb") as fh:
            declared = sum(i.file_size for i in z.infolist())
            if declared > MAX_UNPACKED_BYTES:
                raise ReadError(_too_much(display))
            unpacked = 0
            for info in z.infolist():
                if not info.filename:  # a name starting with a zero byte: is_dir() would fail
                    raise zipfile.BadZipFile("a part has no name")
                if info.is_dir():
                    continue
                unpacked = _check_part(fh, info, unpacked, display)
    except ReadError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error,
            NotImplementedError, RuntimeError) as e:  # zipfile's ways of saying "damaged"
        why = e.strerror if isinstance(e, OSError) and e.strerror else e
        raise ReadError(f"{display}: the workbook is damaged and cannot be opened ({why}); "
                        "export or save it again") from None


def _check_part(fh: BinaryIO, info: zipfile.ZipInfo, unpacked: int, display: str) -> int:
    """Unpack one part, counting its bytes and laying out any sheet in it; the new total.

    Every part is looked at, whatever its name: the reader finds sheets
    through the workbook's relationships, not by name.
    """
    def counted() -> Iterator[bytes]:
        nonlocal unpacked
        for block in _unpacked_chunks(fh, info, display):
            unpacked += len(block)
            if unpacked > MAX_UNPACKED_BYTES:  # whatever the directory claimed
                raise ReadError(_too_much(display))
            yield block

    extent, ods = _quick_extent(counted(), display)
    if ods:  # an OpenDocument sheet: its cells repeat by count, laid out exactly
        extent = ods_extent(_unpacked_chunks(fh, info, display), display)
    elif extent is None or extent.cells > MAX_SHEET_CELLS:
        # The quick bound was not enough (cells without references, or far
        # references): lay the sheet out exactly, unpacking it once more.
        extent = sheet_extent(_unpacked_chunks(fh, info, display), display)
    if extent.cells > MAX_SHEET_CELLS:
        raise ReadError(
            f"{display}: a sheet ({info.filename}) spans {extent.rows:,} rows by "
            f"{extent.columns:,} columns ({extent.cells:,} cells), more than xlar lays out "
            f"({MAX_SHEET_CELLS:,}); delete stray cells far below or to the right of the "
            "data, or save the report as CSV")
    return unpacked


def _too_much(display: str) -> str:
    return (f"{display}: unpacks to more than {MAX_UNPACKED_BYTES / 2**20:,.0f} MB (a "
            "spreadsheet cannot hold that much data in so small a file: it may be a 'zip "
            "bomb'); refused. Save the report as CSV, or split it")


def _unpacked_chunks(fh: BinaryIO, info: zipfile.ZipInfo, display: str) -> Iterator[bytes]:
    """The part's bytes as the compressed data gives them, whatever sizes the directory claims."""
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"no local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        while left > 0:
            block = fh.read(min(_CHUNK, left))
            if not block:
                return
            left -= len(block)
            yield block
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise ReadError(f"{display}: its part {info.filename} is packed with a method Excel "
                        f"does not use (zip method {info.compress_type}); save it again from "
                        "Excel")
    inflater = zlib.decompressobj(-15)
    pending = b""
    while not inflater.eof:
        if not pending:
            if left <= 0:
                return
            pending = fh.read(min(1 << 20, left))
            if not pending:
                return
            left -= len(pending)
        block = inflater.decompress(pending, _CHUNK)
        pending = inflater.unconsumed_tail
        if block:
            yield block


def _tag_aligned(chunks: Iterator[bytes], display: str) -> Iterator[bytes]:
    """The chunks re-cut so that no tag is split between two of them."""
    tail = b""
    for block in chunks:
        data = tail + block
        cut = data.rfind(b"<")
        if cut < 0 or data.find(b">", cut) >= 0:  # no tag left open: text may end anywhere
            tail = b""
            yield data
        elif cut > 0:
            tail = data[cut:]
            yield data[:cut]
        else:
            tail = data
            if len(tail) > _MAX_TAG:
                raise ReadError(f"{display}: a part of the workbook has a tag longer than "
                                "64 MB; it is not a spreadsheet")
    if tail:
        yield tail


def _quick_extent(chunks: Iterator[bytes], display: str) -> tuple[Extent | None, bool]:
    """A bound on the extent of any XLSX sheet in a part, from C-speed scans (None when
    its cells are not all written as ``<c r="...``, the form spreadsheet programs
    write: then only the exact layout can tell); and whether the part holds
    OpenDocument table rows.  The reader takes XLSX cells only from the first
    ``<sheetData>`` and only without a namespace prefix."""
    rows, cols = 99_999, 26  # what references outside _FAR_REF can reach
    cells = with_ref = 0
    state = "before"
    ods = False
    for body in _tag_aligned(chunks, display):
        ods = ods or b"<table:table-row" in body
        start, end = 0, len(body)
        if state == "before":
            start = body.find(b"<sheetData")
            state = "inside" if start >= 0 else state
        if state == "inside":
            close = body.find(b"</sheetData", start)
            if close >= 0:
                end, state = close, "after"
            # '<c' also starts <color> in rich text: a mismatch only costs the exact pass.
            cells += body.count(b"<c", start, end)
            with_ref += body.count(b'<c r="', start, end)
        for m in _FAR_REF.finditer(body):
            if m.start() == 0 or body[m.start() - 1] not in _SPACE:
                continue            # useFirstPageNumber="true": not an attribute named r
            r, c = _cell_of(_REF_VALUE.match(body, m.start()).group(1))
            rows, cols = max(rows, r), max(cols, c)
    if cells != with_ref:
        return None, ods
    return Extent(rows, cols), ods


_ODS_TAG = re.compile(rb"<(/?)table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])"
                      rb"([^>]*?)(/?)>")
_REPEATED = re.compile(rb'number-(?:rows|columns)-repeated\s*=\s*["\'](\d+)')


def ods_extent(chunks: Iterator[bytes], display: str = "") -> Extent:
    """The largest rectangle from A1 any sheet of an OpenDocument part spans up to its
    last cell with a value, repeats counted: 800 bytes can repeat one number 16,384
    times across and 20,000 rows down.  Empty repeated cells and rows (how
    LibreOffice writes the unused rest of a sheet) span nothing."""
    best = Extent(0, 0)
    row = col = max_row = max_col = 0
    repeat, valued = 1, False
    for body in _tag_aligned(chunks, display):
        for m in _ODS_TAG.finditer(body):
            closing, kind, attrs, empty = m.groups()
            if kind == b"table":
                if closing or empty:
                    best = max(best, Extent(max_row, max_col), key=lambda e: e.cells)
                row = col = max_row = max_col = 0
            elif kind == b"table-row":
                if closing or empty:
                    if closing and valued:
                        max_row = max(max_row, row + repeat)
                    row += repeat if closing else _repeats(attrs)
                else:
                    repeat, col, valued = _repeats(attrs), 0, False
            elif not closing:
                n = _repeats(attrs)
                if not empty or b"value-type" in attrs:  # content, or a typed value
                    max_col, valued = max(max_col, col + n), True
                col += n
    return max(best, Extent(max_row, max_col), key=lambda e: e.cells)


def _repeats(attrs: bytes) -> int:
    m = _REPEATED.search(attrs)
    return int(m.group(1)) if m else 1


def sheet_extent(chunks: Iterator[bytes], display: str = "") -> Extent:
    """The rectangle from A1 a worksheet part's cells span, as a reader lays them out:
    a cell without a reference takes the column after the previous one, a row
    without one the row after the previous one."""
    row = col = max_row = max_col = 0
    for body in _tag_aligned(chunks, display):
        for m in _TAG.finditer(body):
            kind, attrs = m.group(1), m.group(2)
            ref = _R_ATTR.search(attrs)
            if kind == b"row":
                row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                col = 0
                continue
            if ref and (ref.group(1) or ref.group(2)):
                r, c = _cell_of(ref.group(1) + ref.group(2))
                row, col = r or row, c or col + 1
            else:
                col += 1
            max_row, max_col = max(max_row, row), max(max_col, col)
    return Extent(max_row, max_col)


def _cell_of(ref: bytes) -> tuple[int, int]:
    """(row, column), 1-based, of a reference like b'XFD1048576' (row 0 when absent)."""
    letters = ref.rstrip(b"0123456789")
    col = 0
    for ch in letters.upper():
        col = col * 26 + ch - 64
    digits = ref[len(letters):]
    return (int(digits) if digits else 0), col
