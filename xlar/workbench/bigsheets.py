"""The big tables a refresh rewrites, read without building openpyxl's cell objects.

A second refresh of a 100,000-item workbench spent a minute in openpyxl: loading a
workbook builds a Python object for each of its two million cells, and the refresh
then throws most of them away, because it rewrites the Open Items, Worklist, aging
and Customers sheets anyway.  What it needs from them is small: each row's key, the
columns the user typed beside the table, and the whole of the rows that leave.

So, for an action that says which sheets it rewrites (``Action.rewrites``), those of
them that are large are *thinned*: openpyxl loads a copy of the workbook in which their
``<sheetData>`` is empty (sheet settings, widths and the Excel Table stay), and their
tables are read here from the sheet's XML.  A column is found with one regular
expression over the XML (cells are written ``<c r="C12" ...>`` by Excel, LibreOffice,
openpyxl and xlar), and each cell that matters is decoded by openpyxl's own cell
parser, so values, dates, shared strings and formulas come back exactly as
openpyxl would give them.  A sheet written any other way is not thinned.

A thinned sheet that was not rewritten would be saved empty: :func:`check_rewritten`
refuses to save it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Collection
from pathlib import Path
from typing import NamedTuple
from xml.etree.ElementTree import fromstring

import pandas as pd
from openpyxl.utils.cell import get_column_letter, range_boundaries

from xlar.workbench.merge import TableRead, UserCell, table_cell

__all__ = ["THIN_BYTES", "Thinned", "thinned_copy", "read_thin_table", "check_rewritten"]

#: Sheets with less XML than this are loaded by openpyxl as usual (fast enough, and
#: every feature of the sheet stays in its hands).
THIN_BYTES = 1 << 20

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


class Thinned(NamedTuple):
    """A sheet whose cells openpyxl did not load: its part and its XML."""

    sheet: str
    part: str
    xml: bytes


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the package (``xl/worksheets/sheet3.xml``)."""
    book = fromstring(archive.read("xl/workbook.xml"))
    rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{_PKG_REL}}}Relationship")}
    out = {}
    for s in book.iter(f"{{{_MAIN}}}sheet"):
        t = target.get(s.get(f"{{{_REL}}}id"), "")
        out[s.get("name")] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    return out


_UNREFERENCED = re.compile(rb'<(?:c|row)(?! r=")[ >/]')


def _thinnable(xml: bytes) -> tuple[int, int] | None:
    """(start, end) of the sheetData element's content, when every row and cell of it
    carries its reference first (what the regular expressions below rely on)."""
    start = xml.find(b"<sheetData>")
    end = xml.rfind(b"</sheetData>")
    if start < 0 or end < start:
        return None
    start += len(b"<sheetData>")
    if xml[start:start + 5] not in (b"<row ", b"</she"):
        return None
    # One pass: a row or cell without its reference first is read by openpyxl instead.
    if _UNREFERENCED.search(xml, start, end):
        return None
    return start, end


def thinned_copy(path: Path, sheets: Collection[str],
                 min_bytes: int | None = None) -> tuple[io.BytesIO | Path, dict[str, Thinned]]:
    """The workbook for openpyxl to load, and the sheets of *sheets* it holds thinned.

    When nothing is worth thinning, *path* itself is returned."""
    min_bytes = THIN_BYTES if min_bytes is None else min_bytes
    if not sheets:
        return path, {}
    with zipfile.ZipFile(path) as archive:
        try:
            parts = _sheet_parts(archive)
        except (KeyError, SyntaxError):
            return path, {}
        sizes = {i.filename: i.file_size for i in archive.infolist()}
        big = {name: part for name, part in parts.items()
               if name in sheets and sizes.get(part, 0) >= min_bytes}
        thinned: dict[str, Thinned] = {}
        new_parts: dict[str, bytes] = {}
        for name, part in big.items():
            xml = archive.read(part)
            where = _thinnable(xml)
            if where is None:
                continue
            start, end = where
            thinned[name] = Thinned(name, part, xml)
            new_parts[part] = xml[:start] + xml[end:]
        if not thinned:
            return path, {}
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
            for info in archive.infolist():
                data = new_parts.get(info.filename)
                if data is None:
                    data = archive.read(info.filename)
                # Level 1: this copy is only read back once, by openpyxl.
                copy.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    out.seek(0)
    return out, thinned


def _cells(xml: bytes, letter: str, first: int, last: int) -> list[tuple[int, bytes]]:
    """(row, cell XML) of column *letter* between rows *first* and *last*."""
    pattern = re.compile(rb'(<c r="' + letter.encode() + rb'(\d+)"[^>]*?(?:/>|>.*?</c>))', re.S)
    found = [(int(r), cell) for cell, r in pattern.findall(xml)]
    return [(r, cell) for r, cell in found if first <= r <= last]


#: The cells nearly every table is made of, read without an XML parser: text written
#: inline (xlar, openpyxl) or as a shared string (Excel, LibreOffice), and numbers.
_INLINE = re.compile(rb'<c r="[A-Z]+\d+"(?: s="\d+")? t="inlineStr"><is><t>([^<\r]*)</t></is></c>')
_SHARED = re.compile(rb'<c r="[A-Z]+\d+"(?: s="\d+")? t="s"><v>(\d+)</v></c>')
_NUMBER = re.compile(rb'<c r="[A-Z]+\d+"(?: s="(\d+)")?(?: t="n")?><v>([-+0-9.Ee]+)</v></c>')


class _Decoder:
    """Cells decoded as openpyxl's own worksheet parser decodes them."""

    def __init__(self, wb, xml: bytes, shared_strings: list[str]):
        from openpyxl.formula.translate import Translator
        from openpyxl.worksheet._reader import WorkSheetParser, _cast_number

        self.parser = WorkSheetParser(None, shared_strings, False, wb.epoch, wb._date_formats,
                                      wb._timedelta_formats)
        self.number = _cast_number
        self.dates = wb._date_formats
        self.strings = shared_strings
        if b't="shared"' in xml:
            # A shared formula's cells name their master, which may sit in a column that
            # is not read: know every master first.
            for m in re.finditer(rb'<c r="([A-Z]+\d+)"[^>]*>\s*<f ([^>]*)>([^<]*)</f>', xml):
                attrs = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(2)))
                if attrs.get(b"t") == b"shared" and b"si" in attrs and m.group(3):
                    text = "=" + _unescape(m.group(3).decode("utf-8"))
                    self.parser.shared_formulae[attrs[b"si"].decode()] = Translator(
                        text, m.group(1).decode())

    def _plain(self, snippet: bytes):
        """(value, "s" or "n") of a plain text or number cell, else None."""
        m = _INLINE.fullmatch(snippet)
        if m:
            return _unescape(m.group(1).decode("utf-8")), "s"
        m = _SHARED.fullmatch(snippet)
        if m:
            return self.strings[int(m.group(1))], "s"
        m = _NUMBER.fullmatch(snippet)
        if m and (m.group(1) is None or int(m.group(1)) not in self.dates):
            return self.number(m.group(2).decode()), "n"
        return None

    def cells(self, snippets: list[bytes]) -> list[dict]:
        """{'value', 'data_type'} of each cell, in order."""
        out: list = [None] * len(snippets)
        slow = []
        for i, s in enumerate(snippets):
            plain = self._plain(s)
            if plain is None:
                slow.append(i)
            else:
                out[i] = {"value": plain[0], "data_type": plain[1]}
        if slow:
            root = fromstring(b'<sheetData xmlns="' + _MAIN.encode() + b'">'
                              + b"".join(snippets[i] for i in slow) + b"</sheetData>")
            for i, c in zip(slow, root, strict=True):
                out[i] = self.parser.parse_cell(c)
        return out


def _unescape(text: str) -> str:
    import html

    return html.unescape(text) if "&" in text else text


def _value(cell: dict, owned: bool, row: int, cached=None):
    """What xlar.workbench.xlsx.read_table gives for the cell (the same rule)."""
    return table_cell(cell["value"], cell["data_type"] == "f", owned, row, cached)


def _cached(snippet: bytes):
    """The last calculated value of a formula cell, as its type says."""
    m = re.search(rb"<v>([^<]*)</v>", snippet)
    if m is None or not m.group(1):
        return None
    text = _unescape(m.group(1).decode("utf-8"))
    kind = re.search(rb' t="(\w+)"', snippet.split(b">", 1)[0])
    kind = kind.group(1).decode() if kind else "n"
    if kind == "b":
        return text == "1"
    if kind in ("str", "e", "inlineStr", "s"):
        return text
    try:
        n = float(text)
    except ValueError:
        return text
    return int(n) if n.is_integer() and "." not in text and "E" not in text.upper() else n


def read_thin_table(wb, thin: Thinned, ref: str, shared_strings: list[str],
                    owned: list[str] | None = None, key: str | None = None,
                    keep: Collection[str] | None = None) -> TableRead:
    """The table at *ref* of a thinned sheet, as :func:`xlar.workbench.xlsx.read_table`
    reads it.

    With *key* and *keep*, the owned columns other than the key are read only for the
    rows that leave the table: those whose key is empty, not in *keep*, or repeated
    (xlar.workbench.merge.carry_user_columns moves them to the closed list whole).  The
    owned values of the other rows are None: the caller rewrites them."""
    xml = thin.xml
    c0, r0, c1, r1 = range_boundaries(ref)
    decode = _Decoder(wb, xml, shared_strings)
    letters = [get_column_letter(c) for c in range(c0, c1 + 1)]
    head = dict(_cells_of_row(xml, r0))
    header_cells = decode.cells([head[x] for x in letters if x in head])
    by_letter = dict(zip([x for x in letters if x in head], header_cells, strict=True))
    headers = [str(by_letter[x]["value"] if x in by_letter and by_letter[x]["value"] is not None
                   else f"Column{i + 1}").strip() for i, x in enumerate(letters)]
    owned_set = {h.lower() for h in (owned or headers)}
    rows = range(r0 + 1, r1 + 1)
    data: dict[str, list] = {}

    def column(letter: str, header: str, only: set[int] | None = None) -> list:
        mine = header.lower() in owned_set
        found = [(r, s) for r, s in _cells(xml, letter, r0 + 1, r1) if only is None or r in only]
        cells = decode.cells([s for _, s in found])
        values: dict[int, object] = {}
        for (r, s), cell in zip(found, cells, strict=True):
            cached = _cached(s) if cell["data_type"] == "f" and not mine else None
            values[r] = _value(cell, mine, r, cached)
        if mine:
            return [values.get(r) for r in rows]
        return [values.get(r, UserCell(None, None, r)) for r in rows]

    partial = key is not None and keep is not None and key.lower() in owned_set \
        and key in headers
    whole: set[int] | None = None
    if partial:
        keys = _key_column(xml, letters[headers.index(key)], r0 + 1, r1, decode)
        data[key] = keys
        kept, seen = set(keep), set()
        whole = set()
        for r, k in zip(rows, keys, strict=True):
            k = "" if k is None or k != k else str(k).strip()
            if k == "" or k not in kept or k in seen:
                whole.add(r)
            seen.add(k)
    for letter, header in zip(letters, headers, strict=True):
        if header in data:
            continue
        if partial and header.lower() in owned_set:
            data[header] = column(letter, header, whole) if whole else [None] * len(rows)
        else:
            data[header] = column(letter, header)
    frame = pd.DataFrame(data, columns=headers)
    if partial:
        # Columns read for some rows only: keep their values as read (ints stay ints
        # beside the None of the rows not read, as openpyxl's full read gives them).
        for h in headers:
            if h != key and h.lower() in owned_set:
                frame[h] = pd.Series(data[h], dtype=object)
    return TableRead(frame, r0)


def _key_column(xml: bytes, letter: str, first: int, last: int, decode: _Decoder) -> list:
    """The key column's values, in one pass: keys are plain text xlar wrote inline, read
    straight from the match; any other cell (Excel's shared strings, a number) goes
    through the general reader."""
    cells = re.compile(rb'<c r="' + letter.encode() + rb'(\d+)"(?:(?: s="\d+")? t="inlineStr">'
                       rb'<is><t>([^<\r]*)</t></is></c>|([^>]*?(?:/>|>.*?</c>)))', re.S)
    found, other = {}, []
    for r, text, rest in cells.findall(xml):
        r = int(r)
        if first <= r <= last:
            if rest:
                other.append((r, b'<c r="' + letter.encode() + str(r).encode() + b'"' + rest))
            else:
                found[r] = _unescape(text.decode("utf-8"))
    values = decode.cells([c for _, c in other])
    found.update({r: _value(v, True, r) for (r, _), v in zip(other, values, strict=True)})
    return [found.get(r) for r in range(first, last + 1)]


def _cells_of_row(xml: bytes, row: int) -> list[tuple[str, bytes]]:
    """(column letter, cell XML) of one sheet row."""
    m = re.search(rb'<row r="' + str(row).encode() + rb'"[^>]*?(?:/>|>(.*?)</row>)', xml, re.S)
    if m is None or m.group(1) is None:
        return []
    return [(c.group(1).decode(), c.group(0)) for c in
            re.finditer(rb'<c r="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', m.group(1), re.S)]


def check_rewritten(wb, thinned: dict[str, object]) -> None:
    """Refuse to save a workbook in which a thinned sheet was kept (it would be empty)."""
    kept = [name for name, ws in thinned.items() if any(w is ws for w in wb.worksheets)]
    if kept:
        raise RuntimeError(f"xlar did not load the cells of {', '.join(kept)} (it was to "
                           "rewrite them) and did not: the workbook was not saved, so nothing "
                           "in it is lost. Please report this.")
