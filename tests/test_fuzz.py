"""Every reader against hostile and broken input (issue 10, fuzzing).

The property (tests/support/fuzzing.py): a reader either returns a result in
which every data row is accepted or rejected with a reason (rows in =
accepted + rejected; the control's lines accounted for), or refuses the file
with an error the CLI shows as a plain message; never another exception,
never past its deadline or a memory limit.

A few examples per reader run on every test run; the long run is

    XLAR_FUZZ_EXAMPLES=10000 python -m pytest -q tests/test_fuzz.py   (stops at the first crash)
    python benchmarks/fuzz.py --examples 10000 --report benchmarks/fuzz_report.md   (tallies)

Crashes found by fuzzing and fixed are kept below as regressions: each is a
fixture and the mutations that made it hostile, so it replays exactly.
The bombs (a zip bomb workbook, a sheet with cells far apart) are read in a
child process with its address space limited: if a reader ever takes them
in, the child dies, not the test run.
"""

from __future__ import annotations

import json
import os
import re
import resource
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from support import fuzzing as fz

from xlar.imports.archive import MAX_SHEET_CELLS, MAX_UNPACKED_BYTES
from xlar.imports.files import ReadError

EXAMPLES = int(os.environ.get("XLAR_FUZZ_EXAMPLES", "10"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

#: Readers that take a workbook (every open-items layout reads XLSX too).
WORKBOOK_READERS = [n for n in fz.READERS if n not in ("payments: bai2", "payments: camt",
                                                       "payments: mt940")]


# --------------------------------------------------------------------------- generated input

@pytest.mark.parametrize("name", list(fz.READERS))
def test_reader_reads_or_refuses_whatever_it_is_given(name, tmp_path):
    @FUZZ
    @given(case=fz.cases(name))
    def check(case):
        fz.run_case(name, case, tmp_path)

    check()


def test_card_sheet_reads_whatever_is_typed_in_it():
    @FUZZ
    @given(frame=fz.card_frames())
    def check(frame):
        fz.attempt(fz.read_cards, frame, fz.CARDS)

    check()


# --------------------------------------------------------------------------- regressions

#: (reader, fixture, mutations): inputs fuzzing found that crashed or hung a
#: reader before its fix.  Replayed from the fixture, so they stay small here.
REGRESSIONS = [
    # csv.Error "field larger than field limit" escaped the delimiter sniffer
    # (a quote opened and never closed, 200,000 characters before the end).
    ("open items: dynamics_gp", "gp/hatb_clean.csv", [("huge_field", 0.5, b'"', 200_000)]),
    ("customer master", "gp/hatb_clean.csv", [("huge_field", 0.3, b'"', 200_000)]),
    ("payments: remittance", "bank/remittance/rows_en.csv", [("huge_field", 0.2, b'"', 200_000)]),
    # KeyError: a customer master whose header is wider than every row under it.
    ("customer master", "customers/customers_en_es.csv", [("truncate", 0.5)]),
    # Header recognition normalised a 100,000-cell line again and again: a minute
    # (checks), and the generic reader added its extra columns one by one.
    ("payments: checks", "xero/xero_wrong_total.csv", [("huge_field", 0.08, b";", 100_000)]),
    ("open items: auto", "generic/wrong_total.csv", [("huge_field", 0.3, b",", 100_000),
                                                     ("huge_field", 0.3, b";", 100_000)]),
    # A line of a million separators: 20 s and more in the header search.
    ("payments: checks", "bank/remittance/block_es.csv", [("huge_field", 0.41, b";", 1_000_000)]),
    ("payments: remittance", "bank/remittance/rows_en.csv",
     [("huge_field", 0.85, b";", 1_000_000), ("line_ends", "crlf", 1482)]),
    ("open items: quickbooks", "bank/remittance/block_es.csv",
     [("huge_field", 0.92, b";", 1_000_000), ("huge_field", 0.92, b";", 1_000_000)]),
    # OutOfBoundsDatetime: a typed year 6026 (or 0001) overflowed the nanosecond dates.
    ("open items: sap_fbl5n", "sap/fbl5n_clean.txt", [("replace", b"05.10.2026", b"05.10.6026")]),
    ("open items: dynamics_gp", "gp/hatb_clean.csv", [("replace", b"8/20/2026", b"8/20/0001")]),
    # decimal.Overflow: an amount of a million digits.
    ("open items: auto", "generic/en_clean.csv",
     [("replace", b'"1,500.00"', b'"' + b"9" * 1_000_000 + b'"')]),
    # A date cell of 200,000 spaces: the "31 de octubre" pattern tried every space.
    ("open items: sap_fbl5n", "sap/fbl5n_tabs_us.txt",
     [("replace", b"10/20/2026\t", b"1" + b" " * 200_000 + b"\t")]),
    # A 70,000-letter word in a lockbox stub: the document pattern looked ahead to the
    # end of the word from every letter of it (minutes).
    ("payments: checks", "bank/checks/lockbox_en.csv",
     [("replace", b'"INV 1001,', b'"INV' + b"a" * 70_000 + b' 1001,')]),
    # An amount cell of a stray letter, 200,000 spaces and a number: the currency-code
    # suffix pattern (r"\s*[A-Z]{3}$") was tried from every space (past the 20 s limit).
    ("open items: sap_fbl5n", "sap/fbl5n_bom_wrong_total.txt",
     [("replace", b"|       250,00 |", b"|  s" + b" " * 200_000 + b"250,00 |")]),
    # decimal.Overflow: an RMR (remittance) amount of a million digits in a BAI2 88 record.
    ("payments: bai2", "bank/bai2/clean.bai2",
     [("replace", b"*PI*2500.00*", b"*PI*2500" + b"9" * 1_000_000 + b".00*")]),
    # IndexError in zipfile: a part whose name (in the zip's directory) starts with a
    # zero byte has the name "", and ZipInfo.is_dir() fails on it.
    ("open items: quickbooks", "quickbooks/qbo_two_row_header.xlsx", [("flip", [(0.9101, 0)])]),
    # calamine's Rust code panics on this damaged .xls (its shared strings run past their
    # record): pyo3's PanicException is a BaseException, and escaped as a traceback.
    ("open items: generic", "generic/es_partidas.xls", [("flip", [(0.5261, 76)])]),
    ("open items: auto", "generic/es_partidas.xls", [("flip", [(0.5261, 76)])]),
    # A customer master of 3,000 rows and one row of 200,000 commas: every row was
    # padded to the widest (1.4 GB, 16 s; past the memory limit).
    ("customer master", "generic/en_clean.csv",
     [("replace", b"1003,Fabrikam Inc,", b"1003,Fabrikam Inc," + b"," * 200_000),
      ("repeat_lines", 0.0, 3000)]),
]


@pytest.mark.parametrize("name,fixture,ops", REGRESSIONS,
                         ids=[f"{r[0]}-{r[1]}" for r in REGRESSIONS])
def test_inputs_that_crashed_a_reader_are_read_or_refused(name, fixture, ops, tmp_path):
    seed = fz.OWN / fixture
    data = seed.read_bytes()
    for op in ops:
        data = fz.mutate(data, op)
    outcome = fz.run_case(name, fz.Case(fixture, seed.suffix, data), tmp_path)
    assert outcome.seconds < 10


def test_a_year_nobody_means_is_a_rejection_with_its_reason(fixtures, tmp_path):
    from xlar.imports import read_open_items

    path = tmp_path / "fbl5n.txt"
    path.write_bytes(fz.mutate((fixtures / "sap" / "fbl5n_clean.txt").read_bytes(),
                               ("replace", b"05.10.2026", b"05.10.6026")))
    r = read_open_items(path, "sap_fbl5n")
    assert r.control.lines_accounted
    assert any("'05.10.6026' is outside the years 1900-2199" in x for x in r.rejections["reason"])


def test_an_amount_of_a_letter_and_200000_spaces_is_rejected_quickly(fixtures, tmp_path):
    from xlar.imports import read_open_items

    path = tmp_path / "fbl5n.txt"
    path.write_bytes(fz.mutate((fixtures / "sap" / "fbl5n_bom_wrong_total.txt").read_bytes(),
                               ("replace", b"|       250,00 |",
                                b"|  s" + b" " * 200_000 + b"250,00 |")))
    start = time.perf_counter()
    r = read_open_items(path, "sap_fbl5n")
    assert time.perf_counter() - start < 10
    assert r.control.lines_accounted and (r.control.accepted, r.control.rejected) == (3, 1)
    (rej,) = r.rejections.itertuples()
    assert rej.line == 10 and rej.reason.startswith("open amount 's ")
    assert rej.reason.endswith("250,00' is not a number")


def test_a_customer_master_with_short_rows_reads_them_all(tmp_path):
    from xlar.imports.customers import read_customers

    path = tmp_path / "customers.csv"
    path.write_text("Customer ID,Customer Name,Language,Email\nC1,Acme\nC2\n", encoding="utf-8")
    r = read_customers(path)
    assert list(r.customers["customer_id"]) == ["C1", "C2"]
    assert r.lines_read == 3 and r.rejections.empty


def test_a_line_of_a_million_separators_keeps_its_row(tmp_path):
    """The generic reader keeps such a row whole (rejected, with its text), at the
    header's width plus one column for the rest, in well under a second per MB."""
    from xlar.imports import read_open_items

    path = tmp_path / "items.csv"
    path.write_text("Customer,Invoice,Due Date,Balance\nAcme,I-1,2026-10-01,100.00\n"
                    "Acme,I-2,2026-10-01,5.00" + "," * 1_000_000 + "x\n"
                    "Acme,I-3,2026-10-02,7.00\n", encoding="utf-8")
    start = time.perf_counter()
    r = read_open_items(path)
    assert time.perf_counter() - start < 10
    assert r.control.lines_accounted and (r.control.accepted, r.control.rejected) == (2, 1)
    (rej,) = r.rejections.itertuples()
    assert rej.line == 3 and "more fields than the 4 columns" in rej.reason
    assert rej.raw.startswith("Acme | I-2 | 2026-10-01 | 5.00") and rej.raw.endswith("x")


# --------------------------------------------------------------------------- broken workbooks

def _workbook(path: Path, rows) -> Path:
    fz.write_workbook(path, rows)
    return path


ROWS = [["Customer", "Invoice", "Due Date", "Balance", "Check No", "Amount", "Customer ID"],
        ["Acme", "I-1", "2026-10-01", 100.0, "501", 100.0, "C1"]]


@pytest.mark.parametrize("damage", ["truncated", "central directory", "local header",
                                    "zip version", "nameless part", "not a zip", "empty"])
def test_a_damaged_workbook_is_refused_by_every_reader(damage, tmp_path):
    good = _workbook(tmp_path / "good.xlsx", ROWS).read_bytes()
    cd = good.rfind(b"PK\x01\x02")
    data = {
        "truncated": good[:len(good) // 2],
        "central directory": good[:cd] + b"\x00" * 46 + good[cd + 46:],
        "local header": b"XXXX" + good[4:],
        # a version no zip reader knows: zipfile raised NotImplementedError
        "zip version": good[:cd + 6] + struct.pack("<H", 179) + good[cd + 8:],
        # a zero byte starting a part's name: zipfile reads the name as "" (IndexError)
        "nameless part": good[:cd + 46] + b"\x00" + good[cd + 47:],
        "not a zip": b"Customer,Invoice\nAcme,I-1\n",
        "empty": b"",
    }[damage]
    for name in WORKBOOK_READERS:
        outcome = fz.run_case(name, fz.Case(damage, ".xlsx", data), tmp_path)
        assert outcome.kind == "refused", (name, outcome)


def test_a_workbook_without_cell_references_still_reads(tmp_path):
    """Some exporters leave out the r="A1" references; the cells are placed in order."""
    from xlar.imports import read_open_items

    path = _workbook(tmp_path / "norefs.xlsx", ROWS[:2])
    _rewrite_sheet(path, lambda xml: xml.replace(b' r="', b' x="'))
    r = read_open_items(path)
    assert r.control.accepted == 1 and r.items["open_cents"].tolist() == [10000]


def test_a_wide_workbook_is_not_mistaken_for_a_bomb(tmp_path):
    """400 columns (to OJ): the quick bound (99,999 rows by 400) is over the cell limit,
    the sheet laid out exactly is 101 rows by 400, read as usual."""
    header = ["Customer", "Invoice", "Due Date", "Balance"] + [f"Extra {i}" for i in range(396)]
    rows = [header] + [["Acme", f"I-{i}", "2026-10-01", 1.0] + [i] * 396 for i in range(100)]
    from xlar.imports import read_open_items

    r = read_open_items(_workbook(tmp_path / "wide.xlsx", rows))
    assert r.control.accepted == 100


def _rewrite_sheet(path: Path, change) -> None:
    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            z.writestr(info.filename, change(data) if "worksheets/sheet" in info.filename
                       else data)


# --------------------------------------------------------------------------- bombs

_SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
               b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = b"</sheetData></worksheet>"
_ODS_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:'
             b'oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:'
             b'opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
             b'text:1.0" office:version="1.2"><office:body><office:spreadsheet>'
             b'<table:table table:name="S">')
_ODS_TAIL = b"</table:table></office:spreadsheet></office:body></office:document-content>"


def _bomb_workbook(path: Path, template: Path, *, blocks: int, lie: bool) -> Path:
    """A workbook whose sheet unpacks to *blocks* MiB of one inline string.

    Written by hand: the sheet's deflate stream is one compressed MiB repeated
    (after a full flush a compressor gives the same bytes for the same block),
    so 1.1 GiB costs 1 MB on disk and no time to make.  With *lie* the zip's
    directory claims the sheet is 1 KB, as a hostile file would.
    """
    block = b"A" * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = _SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    tail = b"</t></is></c></row>" + _SHEET_TAIL
    start = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    middle = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + blocks * len(block) + len(tail)
    parts = []
    with zipfile.ZipFile(template) as z:
        for info in z.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                parts.append((info.filename, start + middle * blocks + end, crc,
                              1024 if lie else size))
            else:
                data = z.read(info.filename)
                d = zlib.compressobj(6, zlib.DEFLATED, -15)
                parts.append((info.filename, d.compress(data) + d.flush(), zlib.crc32(data),
                              len(data)))
    _write_zip(path, parts)
    return path


def _write_zip(path: Path, parts) -> None:
    central = []
    with path.open("wb") as f:
        for name, raw, crc, size in parts:
            offset, encoded = f.tell(), name.encode()
            f.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(raw),
                                size, len(encoded), 0) + encoded + raw)
            central.append(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21,
                                       crc, len(raw), size, len(encoded), 0, 0, 0, 0, 0,
                                       offset) + encoded)
        start = f.tell()
        f.write(b"".join(central))
        f.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(central), len(central),
                            f.tell() - start, start, 0))


def _sparse_workbook(path: Path, template: Path, sheet_data: bytes) -> Path:
    with zipfile.ZipFile(template) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(name, _SHEET_HEAD + sheet_data + _SHEET_TAIL
                       if name == "xl/worksheets/sheet1.xml" else data)
    return path


_CHILD = textwrap.dedent("""
    import json, resource, sys, time
    sys.path[:0] = {paths!r}
    from support import fuzzing as fz
    import xlar.imports.archive
    if {unpacked!r}:
        xlar.imports.archive.MAX_UNPACKED_BYTES = {unpacked!r}
    out = []
    for path in sys.argv[1:]:
        for name in {readers!r}:
            start = time.perf_counter()
            try:
                fz.READERS[name].read(__import__("pathlib").Path(path))
                result = "read"
            except fz.user_errors() as e:
                result = "refused: " + str(e)
            out.append([path, name, result, time.perf_counter() - start])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({{"results": out, "peak_mb": peak}}))
""")


def _read_in_child(paths: list[Path], readers: list[str], limit_gb: float = 3.0,
                   unpacked: int | None = None) -> dict:
    """Read each file with each reader in a child whose address space is limited
    (and, given *unpacked*, with that limit on what a workbook may unpack to)."""
    def limit() -> None:
        cap = int(limit_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    root = Path(__file__).resolve().parent
    code = _CHILD.format(paths=[str(root), str(root.parent)], readers=readers,
                         unpacked=unpacked)
    proc = subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True,
                          text=True, timeout=240, preexec_fn=limit)
    assert proc.returncode == 0, f"the reader died ({proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return _workbook(tmp_path_factory.mktemp("bomb") / "template.xlsx", ROWS)


def test_bombs_are_refused_by_size_without_taking_memory(template, tmp_path):
    """A zip bomb (1 MB unpacking to 1.1 GiB) and two sparse sheets (A1 and
    XFD1048576; 16,384 empty cells without references then 3,000 rows): each refused
    by its limit, by every reader that takes workbooks, in a child that never goes
    past a few hundred MB.  A bomb whose zip directory lies (1 KB declared) is caught
    by the bytes it unpacks to; shown against a 64 MiB limit, to keep the test short."""
    blocks = MAX_UNPACKED_BYTES // 2**20 + 64
    honest = _bomb_workbook(tmp_path / "bomb.xlsx", template, blocks=blocks, lie=False)
    liar = _bomb_workbook(tmp_path / "bomb_lies.xlsx", template, blocks=96, lie=True)
    assert honest.stat().st_size < 2 << 20
    far = _sparse_workbook(tmp_path / "far.xlsx", template,
                           b'<row r="1"><c r="A1" t="inlineStr"><is><t>Invoice</t></is></c></row>'
                           b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    # the same with a tab before r: still an attribute named r, still refused
    far_tab = _sparse_workbook(tmp_path / "far_tab.xlsx", template,
                               b'<row r="1"><c r="A1" t="inlineStr"><is><t>Invoice</t></is>'
                               b'</c></row><row r="1048576"><c\tr="XFD1048576"><v>1</v></c>'
                               b'</row>')
    positional = _sparse_workbook(tmp_path / "positional.xlsx", template,
                                  b"<row>" + b"<c/>" * 16_383 + b"<c><v>1</v></c></row>"
                                  + b"<row/>" * 3_000 + b"<row><c><v>2</v></c></row>")
    assert positional.stat().st_size < 64 << 10
    # OpenDocument: one number repeated 16,384 times across and 2,500 rows down
    ods = tmp_path / "repeated.ods"
    with zipfile.ZipFile(ods, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", _ODS_HEAD + b'<table:table-row table:number-rows-repeated='
                   b'"2500"><table:table-cell table:number-columns-repeated="16384" '
                   b'office:value-type="float" office:value="1"/></table:table-row>' + _ODS_TAIL)
    readers = ["open items: auto", "open items: generic", "customer master", "payments: auto",
               "payments: remittance"]
    report = _read_in_child([honest, far, far_tab, positional, ods], readers)
    liars = _read_in_child([liar], ["open items: generic", "payments: remittance"],
                           unpacked=64 << 20)
    report["results"] += liars["results"]
    report["peak_mb"] = max(report["peak_mb"], liars["peak_mb"])
    assert report["peak_mb"] < 600, report["peak_mb"]
    for path, name, result, seconds in report["results"]:
        expected = ("unpacks to more than" if Path(path).name.startswith("bomb")
                    else "by 16,384 columns")
        assert result.startswith("refused: ") and expected in result, (path, name, result)
        assert seconds < 30, (path, name, seconds)


def test_an_ods_saved_by_libreoffice_is_not_mistaken_for_a_bomb(tmp_path, libreoffice):
    """LibreOffice writes the unused rest of a sheet as empty repeated cells and rows
    (1,024 columns, a million rows): they span nothing."""
    from xlar.imports import read_open_items
    from xlar.imports.archive import ods_extent

    xlsx = _workbook(tmp_path / "items.xlsx", ROWS)
    ods = libreoffice.convert(xlsx, "ods", tmp_path)
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml")
    assert b"number-columns-repeated" in content or b"number-rows-repeated" in content
    assert tuple(ods_extent(iter([content]))) == (2, 7)
    assert read_open_items(ods).control.accepted == 1


def test_a_workbook_saved_by_libreoffice_takes_the_quick_check(tmp_path, libreoffice,
                                                                monkeypatch):
    """LibreOffice writes defaultGridColor="true", pageOrder="downThenOver" (and, with a
    print setup, useFirstPageNumber="true"): attributes ending in r, not references.
    Read as ones (column TRUE, DOWNTHENOVER), they sent every workbook LibreOffice saved
    down the exact layout pass: 100,000 rows took 6.5 s, not 3."""
    from xlar.imports import archive, read_open_items

    saved = libreoffice.convert(_workbook(tmp_path / "items.xlsx", ROWS), "xlsx",
                                tmp_path / "lo")
    with zipfile.ZipFile(saved) as z:   # what the earlier pattern took for far references
        assert re.search(rb'\w r="[A-Za-z]{2}|\wr="[A-Za-z]{2}',
                         z.read("xl/worksheets/sheet1.xml"))
    exact = []
    real = archive.sheet_extent
    monkeypatch.setattr(archive, "sheet_extent", lambda *a, **k: exact.append(1) or real(*a, **k))
    assert read_open_items(saved).control.accepted == 1
    assert exact == []


def test_sheet_extent_is_worked_out_as_the_reader_lays_cells_out():
    from xlar.imports.archive import sheet_extent

    def extent(xml: bytes):
        return tuple(sheet_extent(iter([_SHEET_HEAD + xml + _SHEET_TAIL])))

    assert extent(b'<row r="3"><c r="B3"/><c/></row>') == (3, 3)
    assert extent(b"<row><c/><c/></row><row/><row><c/></row>") == (3, 2)
    assert extent(b"<row r='7'><c r='xfd7'/></row>") == (7, 16_384)
    assert extent(b'<row r="2"><c r="C2"/></row><row><c r="A9"/></row>') == (9, 3)
    assert MAX_SHEET_CELLS == 1_048_576 * 32


def test_the_quick_bound_reads_only_attributes_named_r():
    """Far references (two letters, or six digits, after r=") leave the cheap bound
    whatever follows them, after any white space; an attribute that merely ends in r
    (defaultGridColor="true") is none."""
    from xlar.imports.archive import _quick_extent

    def bound(xml: bytes):
        extent, _ = _quick_extent(iter([_SHEET_HEAD + xml + _SHEET_TAIL]), "t")
        return tuple(extent)

    assert bound(b'<row r="1"><c r="A1"/></row><row r="2"><c r="XFD"/></row>') == \
        (99_999, 16_384)
    assert bound(b'<row\nr="1234567"><c r="A1"/></row>') == (1_234_567, 26)
    assert bound(b'<row r="1"><c r="A1"/></row><sheetView defaultGridColor="true" '
                 b'pageOrder="downThenOver"/>') == (99_999, 26)


# --------------------------------------------------------------------------- XML attacks

@pytest.mark.parametrize("attack", ["laughs", "external", "parameter", "xinclude", "pi"])
def test_camt_with_entities_or_includes_is_refused_or_read_without_them(attack, tmp_path):
    seed = fz.SHARED / "camt" / "camt053_v02_finland_fffs_sample.xml"
    if not seed.is_file():
        seed = fz.OWN / "bank" / "camt" / "camt053_v08_balanced.xml"
    data = fz.mutate_xml(seed.read_bytes(), ("xml_attack", attack))
    assert data != seed.read_bytes()
    for name in ("payments: camt", "payments: auto"):
        path = tmp_path / "statement.xml"
        path.write_bytes(data)
        outcome = fz.attempt(fz.READERS[name].read, path, name)
        if attack in ("laughs", "external", "parameter"):
            assert outcome.kind == "refused" and "DTD" in outcome.message, outcome
        else:  # nothing to expand: read as the bank wrote it, nothing fetched
            from xlar.cashapp.files import read_payments

            assert outcome.kind == "read", outcome
            frames = read_payments(path)[1]
            text = pd.concat([frames.payments.astype(str), frames.rejections.astype(str)],
                             axis=1).to_csv()
            assert "root:" not in text


def test_the_camt_fixtures_with_entities_are_refused(fixtures):
    for name in ("billion_laughs.xml", "xxe_external_entity.xml"):
        outcome = fz.attempt(fz.READERS["payments: camt"].read, fixtures / "bank" / "camt" / name)
        assert outcome.kind == "refused" and "DTD" in outcome.message


def test_a_refusal_is_a_read_error_with_a_message(tmp_path):
    path = tmp_path / "x.bai2"
    path.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(ReadError, match="x.bai2"):
        fz.READERS["payments: bai2"].read(path)
