"""Big sheets a refresh rewrites are read from their XML, giving what openpyxl gives.

The second refresh of a 100,000-item workbench took a minute while openpyxl built its
cells (issue 10: the 100,000-item refresh <= 5 s); xlar.workbench.bigsheets reads those
tables itself.  These tests hold it to openpyxl's answers on workbooks written by
xlar, by openpyxl after a specialist's edits, by LibreOffice (shared strings, its own
cell layout) and by hand with Excel's shared formulas.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

import xlar.workbench.bigsheets as bigsheets
from xlar.workbench.layout import OPEN_ITEMS
from xlar.workbench.merge import UserCell
from xlar.workbench.port import XlsxPort
from xlar.workbench.refresh import REFRESH_REWRITES, refresh

HEADER = "Customer ID,Customer Name,Invoice,Invoice Date,Due Date,Original Amount,Open Balance\n"
OWNED = [c.header for c in OPEN_ITEMS.columns]


def _workbench(tmp_path, rows=40):
    src = tmp_path / "export.csv"
    lines = [f"C{i % 7},Customer {i % 7} & Sons <ltd>,INV-{i},2026-0{1 + i % 9}-01,"
             f"2026-{10 + i % 2}-0{1 + i % 9},{100 + i}.25,{50 + i}.10" for i in range(rows)]
    src.write_text(HEADER + "\n".join(lines) + "\n")
    path = tmp_path / "AR Workbench.xlsx"
    refresh(path, source=src, as_of="2026-10-31")
    return path, src


def _add_user_columns(path, note_every=3):
    """A note on some rows, a follow-up date, a number, and a formula filled down."""
    wb = load_workbook(path)
    ws = wb["Open Items"]
    table = ws.tables["OpenItems"]
    from openpyxl.utils.cell import get_column_letter, range_boundaries
    from openpyxl.worksheet.table import TableColumn

    c0, r0, c1, r1 = range_boundaries(table.ref)
    open_letter = get_column_letter(OWNED.index("Open Amount") + 1)
    for j, name in enumerate(("Note", "Follow-up", "Score", "Twice"), start=c1 + 1):
        ws.cell(r0, j, name)
        table.tableColumns.append(TableColumn(id=j, name=name))
    table.ref = f"A{r0}:{get_column_letter(c1 + 4)}{r1}"
    for r in range(r0 + 1, r1 + 1):
        if r % note_every == 0:
            ws.cell(r, c1 + 1, f"call back, row {r} & 'quotes' <here>")
        if r % 5 == 0:
            ws.cell(r, c1 + 2, dt.datetime(2026, 12, r % 28 + 1))
        if r % 4 == 0:
            ws.cell(r, c1 + 3, r * 1.5)
        ws.cell(r, c1 + 4, f"={open_letter}{r}*2")
    wb.save(path)
    return r1


def _frames(path, keep=None):
    """The Open Items table read by openpyxl and by bigsheets."""
    full = XlsxPort(path).read_table(OPEN_ITEMS.table, OWNED).frame
    thin = XlsxPort(path, rewrites=REFRESH_REWRITES)
    assert "Open Items" in thin.wb._xlar_thinned
    fast = thin.read_table(OPEN_ITEMS.table, OWNED, OPEN_ITEMS.key, keep).frame
    return full, fast


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        for i, (x, y) in enumerate(zip(a[col], b[col], strict=True)):
            if isinstance(x, UserCell) and isinstance(y, UserCell):
                # openpyxl's path takes a formula's last value from calamine, which gives
                # floats; the XML holds the number as written.
                assert (x.formula, x.row) == (y.formula, y.row), (col, i)
                assert x.value == y.value or (x.value is None and y.value in ("", None)), (col, i)
            else:
                assert x == y or (pd.isna(x) and pd.isna(y)), (col, i, x, y)


@pytest.fixture
def thin_everything(monkeypatch):
    monkeypatch.setattr(bigsheets, "THIN_BYTES", 0)


def test_a_table_xlar_and_openpyxl_wrote_reads_the_same_both_ways(tmp_path, thin_everything):
    path, _ = _workbench(tmp_path)
    _add_user_columns(path)
    full, fast = _frames(path)
    _same(full, fast)
    assert fast["Note"].map(lambda c: c.value).str.contains("& 'quotes' <here>").sum() > 0
    assert fast["Twice"].iloc[0].formula.endswith("2*2")


def test_owned_values_are_read_only_for_the_rows_that_leave(tmp_path, thin_everything):
    path, _ = _workbench(tmp_path)
    _add_user_columns(path)
    full, _ = _frames(path)
    keys = full["Key"].tolist()
    keep = set(keys[3:])  # the first three rows leave
    _, fast = _frames(path, keep)
    assert fast["Key"].tolist() == keys
    leaving, staying = fast.iloc[:3], fast.iloc[3:]
    _same(full.iloc[:3], leaving)
    assert staying["Open Amount"].isna().all() and staying["Customer Name"].isna().all()
    # the user's columns are read for every row
    _same(full[["Note", "Follow-up", "Score", "Twice"]], fast[["Note", "Follow-up", "Score",
                                                              "Twice"]])


def test_shared_formulas_and_shared_strings_are_read_as_openpyxl_reads_them(
        tmp_path, thin_everything):
    """Excel writes a filled-down formula once (a shared formula) and text as shared
    strings: the same workbook rewritten that way reads the same."""
    path, _ = _workbench(tmp_path)
    last = _add_user_columns(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet")
                 and b"Twice" in parts[n])
    xml = parts[sheet].decode()
    letter = re.search(r'<c r="([A-Z]+)1"[^>]*><is><t>Twice</t>', xml).group(1)
    formulas = list(re.finditer(rf'<c r="{letter}(\d+)"([^>]*)><f>([^<]*)</f><v>[^<]*</v></c>',
                                xml))
    assert len(formulas) == last - 1
    first = formulas[0]

    def shared(m):
        if m.group(1) == first.group(1):
            return (f'<c r="{letter}{m.group(1)}"{m.group(2)}><f t="shared" ref="{letter}'
                    f'{first.group(1)}:{letter}{last}" si="0">{m.group(3)}</f><v>1</v></c>')
        return f'<c r="{letter}{m.group(1)}"{m.group(2)}><f t="shared" si="0"/><v>1</v></c>'

    xml = re.sub(rf'<c r="{letter}(\d+)"([^>]*)><f>([^<]*)</f><v>[^<]*</v></c>', shared, xml)
    # Customer names as shared strings.
    strings: list[str] = []

    def to_shared(m):
        strings.append(m.group(3))
        return f'<c r="{m.group(1)}"{m.group(2)} t="s"><v>{len(strings) - 1}</v></c>'

    xml = re.sub(r'<c r="(B\d+)"([^>]*?) t="inlineStr"><is><t>([^<]*)</t></is></c>', to_shared,
                 xml)
    assert strings
    parts[sheet] = xml.encode()
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    parts["xl/sharedStrings.xml"] = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>').encode()
    types = parts["[Content_Types].xml"].decode().replace(
        "</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["[Content_Types].xml"] = types.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode().replace(
        "</Relationships>", '<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>")
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)

    full, fast = _frames(path)
    _same(full, fast)
    open_letter = chr(ord("A") + OWNED.index("Open Amount"))
    assert [c.formula for c in fast["Twice"]] == [f"={open_letter}{c.row}*2"
                                                  for c in fast["Twice"]]
    assert fast["Customer Name"].iloc[0].startswith("Customer ")


def test_a_workbook_libreoffice_saved_reads_the_same_both_ways(tmp_path, libreoffice,
                                                               thin_everything):
    from support.libreoffice import FILTERS

    path, _ = _workbench(tmp_path)
    _add_user_columns(path)
    saved = tmp_path / "saved by LibreOffice.xlsx"
    with libreoffice.document(path, read_only=False) as doc:
        doc.storeToURL(saved.as_uri(), libreoffice.props(FilterName=FILTERS[("calc", "xlsx")],
                                                         Overwrite=True))
    with zipfile.ZipFile(saved) as z:
        assert "xl/sharedStrings.xml" in z.namelist()  # LibreOffice's own way of writing
    full, fast = _frames(saved)
    _same(full, fast)
    assert fast["Note"].map(lambda c: c.value).notna().sum() > 0


def _by_document(rows):
    at = next(i for i, r in enumerate(rows) if "Document" in r)  # the table's header row
    header, doc = rows[at], rows[at].index("Document")
    return {r[doc]: dict(zip(header, r, strict=True)) for r in rows[at + 1:] if r[doc]}


def test_a_second_refresh_is_the_same_with_and_without_thinning(tmp_path, monkeypatch):
    """The whole workbench after a second refresh (three items paid, one new), and the
    paid ones on the closed list with what the specialist typed beside them."""
    results, notes = {}, {}
    for how, limit in (("openpyxl", 10**12), ("thinned", 0)):
        folder = tmp_path / how
        folder.mkdir()
        monkeypatch.setattr(bigsheets, "THIN_BYTES", limit)
        path, src = _workbench(folder)
        _add_user_columns(path, note_every=1)
        before = _by_document([tuple(c.value for c in row)
                               for row in load_workbook(path)["Open Items"].iter_rows()])
        notes[how] = {doc: (r["Note"], r["Follow-up"], r["Open Amount"])
                      for doc, r in before.items()}
        lines = src.read_text().splitlines()
        src.write_text("\n".join([lines[0], *lines[4:], "C9,New One,INV-999,2026-10-01,"
                                  "2026-10-31,10.00,10.00"]) + "\n")
        refresh(path, as_of="2026-10-31")
        wb = load_workbook(path)
        results[how] = {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()]
                        for ws in wb
                        if ws.title not in ("Run Log", "Summary", "Dashboard", "Settings")}
    assert results["openpyxl"] == results["thinned"]
    closed = _by_document(results["thinned"]["Closed Since Last Refresh"])
    assert set(closed) == {"INV-0", "INV-1", "INV-2"}
    for doc, row in closed.items():
        assert (row["Note"], row["Follow-up"], row["Open Amount"]) == notes["thinned"][doc]
    assert all(row["Note"].startswith("call back") for row in closed.values())
    now = _by_document(results["thinned"]["Open Items"])
    assert "INV-999" in now and now["INV-999"]["Note"] is None
    for doc, row in now.items():
        if doc != "INV-999":
            assert row["Note"] == notes["thinned"][doc][0], doc


def test_a_thinned_sheet_that_was_not_rewritten_is_never_saved(tmp_path, thin_everything):
    path, _ = _workbench(tmp_path)
    before = path.read_bytes()
    port = XlsxPort(path, rewrites=REFRESH_REWRITES)
    with pytest.raises(RuntimeError, match="not saved, so nothing in it is lost"):
        port.save()
    assert path.read_bytes() == before


def test_a_sheet_whose_cells_do_not_say_where_they_are_is_left_to_openpyxl():
    ok = b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
    assert bigsheets._thinnable(ok) is not None
    for bad in (b'<worksheet><sheetData><row r="1"><c><v>1</v></c></row></sheetData></worksheet>',
                b'<worksheet><sheetData><row><c r="A1"><v>1</v></c></row></sheetData></worksheet>',
                b'<worksheet><sheetData><row r="1"><c s="1" r="A1"><v>1</v></c></row>'
                b'</sheetData></worksheet>',
                b'<x:worksheet><x:sheetData><x:row r="1"/></x:sheetData></x:worksheet>'):
        assert bigsheets._thinnable(bad) is None, bad


@given(st.lists(st.binary(max_size=3000), max_size=8), st.binary(max_size=200),
       st.binary(max_size=200))
@settings(max_examples=60, deadline=None)
def test_blocks_deflated_apart_make_one_entry_any_zip_reader_reads(blocks, head, tail):
    """A big sheet is compressed a block at a time in threads (xlar.workbench.stream):
    the pieces must form one entry whose bytes and CRC any reader accepts."""
    import io

    from xlar.workbench.stream import _deflate, _fast_entry, _write_deflated

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z, z.open(_fast_entry("sheet.xml"), "w") as out:
        _write_deflated(out, iter([(b, _deflate(b)) for b in blocks]), head, tail)
    with zipfile.ZipFile(buf) as z:
        assert z.testzip() is None
        assert z.read("sheet.xml") == head + b"".join(blocks) + tail
