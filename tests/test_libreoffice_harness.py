"""Proves the LibreOffice harness (tests/support/libreoffice.py) against real LibreOffice.

Every workbook here is built with openpyxl, the way xlar writes them, and every figure
checked was worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import missing_oracle
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.worksheet.table import Table, TableStyleInfo

try:
    from support import libreoffice as lo
except ImportError:  # tests/ became a package
    from tests.support import libreoffice as lo

pytestmark = pytest.mark.libreoffice

SUPPORT_DIR = Path(lo.__file__).resolve().parent

OPEN_ITEMS = [
    # customer, document, open amount, bucket
    ("C001 Acme Industrial", "INV-1001", "1250.10", "1-30"),
    ("C002 Bolt & Nut S.A.", "INV-1002", "0.10", "1-30"),
    ("C003 Cobre Andino", "INV-1003", "0.20", "1-30"),
    ("C004 Delta Freight", "INV-1004", "300.05", "31-60"),
    ("C005 Acme Industrial", "CM-2001", "-100.00", "1-30"),
    ("C006 Evergreen Farms", "INV-1005", "999.99", "1-30"),
    ("C007 Fjord Marine", "INV-1006", "75.50", "31-60"),
]
# By hand: 1-30 = 1250.10 + 0.10 + 0.20 - 100.00 + 999.99 = 2150.39
#          31-60 = 300.05 + 75.50 = 375.55;  all = 2525.94


def cents(value: float) -> int:
    """A float LibreOffice computed, as whole cents (what "to the cent" means)."""
    assert isinstance(value, float), f"expected a number, LibreOffice gave {value!r}"
    return int((Decimal(repr(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def open_items_workbook(path: Path) -> Path:
    """Sheet "Aging" with Excel Table OpenItems in A1:D8 and SUMIFS over it in G."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Aging"
    ws.append(["Customer", "Document", "Open Amount", "Bucket"])
    for customer, document, amount, bucket in OPEN_ITEMS:
        ws.append([customer, document, float(Decimal(amount)), bucket])
    table = Table(displayName="OpenItems", ref=f"A1:D{len(OPEN_ITEMS) + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    for column, width in zip("ABCDFG", (26, 12, 14, 8, 8, 12), strict=True):
        ws.column_dimensions[column].width = width
    ws["F2"], ws["G2"] = "1-30", '=SUMIFS(OpenItems[Open Amount],OpenItems[Bucket],"1-30")'
    ws["F3"], ws["G3"] = "31-60", '=SUMIFS(OpenItems[Open Amount],OpenItems[Bucket],"31-60")'
    ws["F4"], ws["G4"] = "Total", "=SUM(OpenItems[Open Amount])"
    wb.save(path)
    return path


def docx(path: Path, text: str) -> Path:
    """A minimal valid .docx with one paragraph (no python-docx needed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", textwrap.dedent("""\
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
            <Default Extension="rels"
             ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
            <Default Extension="xml" ContentType="application/xml"/>
            <Override PartName="/word/document.xml" ContentType="application/\
vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
            </Types>"""))
        z.writestr("_rels/.rels", textwrap.dedent("""\
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
            <Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.\
openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
            </Relationships>"""))
        z.writestr("word/document.xml", textwrap.dedent(f"""\
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
            <w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"""))
    return path


@pytest.fixture
def pdftotext():
    exe = shutil.which("pdftotext")
    if exe is None:
        missing_oracle("pdftotext (poppler-utils) is not installed")

    def read(pdf: Path) -> str:
        assert pdf.read_bytes()[:5] == b"%PDF-", f"{pdf} is not a PDF"
        return subprocess.run([exe, "-layout", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout

    return read


def living_processes_in_group(pgid: int) -> list[str]:
    """Processes of a process group that are not zombies.  (LibreOffice's gpgme spawns
    gpgconf/gpg double-forked; where PID 1 is slow to reap, they linger as zombies.)"""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:]
        state, _ppid, group = rest.split()[:3]
        if int(group) == pgid and state != "Z":
            found.append(f"{stat.parent.name} {name} {state}")
    return found


def no_lock_files(directory: Path) -> None:
    locks = [p.name for p in directory.iterdir() if p.name.startswith(".~lock.")]
    assert not locks, f"LibreOffice left lock files behind: {locks}"


# ------------------------------------------------------------------------- formulas


def test_sumifs_over_table_structured_reference_to_the_cent(libreoffice, tmp_path):
    book = open_items_workbook(tmp_path / "aging.xlsx")

    values = libreoffice.recalculated(book)

    assert list(values) == ["Aging"]
    grid = values["Aging"]
    assert not lo.cell_errors(values), lo.cell_errors(values)
    assert lo.cell_at(grid, "C1") == "Open Amount"
    assert cents(lo.cell_at(grid, "G2")) == 2150_39
    assert cents(lo.cell_at(grid, "G3")) == 375_55
    assert cents(lo.cell_at(grid, "G4")) == 2525_94
    # LibreOffice kept the structured references (it resolved the Table, no #NAME?)
    formulas = libreoffice.cell_formulas(book, "Aging")
    assert "OpenItems[Open Amount]" in lo.cell_at(formulas, "G2")
    assert "OpenItems[Bucket]" in lo.cell_at(formulas, "G2")
    no_lock_files(tmp_path)


def test_outside_text_that_looks_like_a_formula_stays_text(libreoffice, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Notes"
    ws["A1"] = "Memo"
    hostile = '=HYPERLINK("http://x","y")'
    ws["A2"].value = hostile
    ws["A2"].data_type = "s"           # written as text, as xlsx inline/shared string
    ws["A3"] = hostile                 # a real formula
    ws["A4"] = "+1+1"                  # plain text, starts like a formula in some apps
    book = tmp_path / "notes.xlsx"
    wb.save(book)

    formulas = libreoffice.cell_formulas(book, "Notes")
    values = libreoffice.recalculated(book)["Notes"]

    assert lo.cell_at(formulas, "A2") == "", "text became a formula"
    assert lo.cell_at(values, "A2") == hostile
    assert lo.cell_at(formulas, "A3").startswith("=HYPERLINK(")
    assert lo.cell_at(values, "A3") == "y"
    assert lo.cell_at(formulas, "A4") == ""
    assert lo.cell_at(values, "A4") == "+1+1"
    assert lo.cell_at(formulas, "A1") == ""


def test_broken_formulas_come_back_as_errors(libreoffice, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Broken"
    ws["A1"] = "text"
    ws["B1"] = "=A1+1"            # text in arithmetic
    ws["B2"] = "=1/0"
    ws["B3"] = "=NOSUCHFUNC(1)"
    ws["B4"] = "=SUM(1,"          # does not parse
    ws["B5"] = "=SQRT(-1)"        # Excel shows #NUM!, LibreOffice Err:502
    ws["B6"] = "=NA()"
    ws["B7"] = "=1+1"
    book = tmp_path / "broken.xlsx"
    wb.save(book)

    values = libreoffice.recalculated(book)
    grid = values["Broken"]

    expected = {"B1": ("#VALUE!", 519), "B2": ("#DIV/0!", 532), "B3": ("#NAME?", 525),
                "B4": ("Err:511", 511), "B5": ("Err:502", 502), "B6": ("#N/A", 32767)}
    for ref, (text, code) in expected.items():
        value = lo.cell_at(grid, ref)
        assert isinstance(value, lo.CellError), f"{ref}: {value!r}"
        assert (value, value.code) == (text, code), f"{ref}: {value!r}"
    assert lo.cell_at(grid, "B7") == 2.0
    assert lo.cell_errors(values) == [
        "Broken!B1: #VALUE! (code 519)", "Broken!B2: #DIV/0! (code 532)",
        "Broken!B3: #NAME? (code 525)", "Broken!B4: Err:511 (code 511)",
        "Broken!B5: Err:502 (code 502)", "Broken!B6: #N/A (code 32767)",
    ]


def test_values_are_plain_python_anchored_at_a1(libreoffice, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Types"
    ws["B2"] = 12.5
    ws["C2"] = "text"
    ws["D2"] = dt.date(2024, 1, 31)  # a real date: serial number 45322
    ws["E2"] = '=""'                 # empty text, not an empty cell
    ws["F2"] = True
    ws["A4"] = 7
    wb.create_sheet("Blank")
    book = tmp_path / "types.xlsx"
    wb.save(book)

    values = libreoffice.recalculated(book)

    assert values == {
        "Types": [
            [None, None, None, None, None, None],
            [None, 12.5, "text", 45322.0, "", 1.0],
            [None, None, None, None, None, None],
            [7.0, None, None, None, None, None],
        ],
        "Blank": [],
    }
    # quirk: an xlsx boolean cell is imported as the formula =TRUE()
    assert lo.cell_at(libreoffice.cell_formulas(book, "Types"), "F2") == "=TRUE()"
    assert libreoffice.cell_formulas(book, "Blank") == []


# ------------------------------------------------------------------------- pivots, charts


def test_pivot_tables_of_a_workbook_without_pivots_is_empty(libreoffice, tmp_path):
    book = open_items_workbook(tmp_path / "aging.xlsx")
    assert libreoffice.pivot_tables(book) == []


def test_pivot_tables_reads_back_a_pivot_saved_as_xlsx(libreoffice, tmp_path):
    """LibreOffice itself makes a DataPilot and saves it as xlsx; the harness lists it."""
    uno = lo.import_uno()
    source = open_items_workbook(tmp_path / "aging.xlsx")
    with libreoffice.document(source, read_only=False) as doc:
        sheet = doc.getSheets().getByName("Aging")
        pilots = sheet.getDataPilotTables()
        descriptor = pilots.createDataPilotDescriptor()
        descriptor.setSourceRange(uno.createUnoStruct(
            "com.sun.star.table.CellRangeAddress", 0, 0, 0, 3, len(OPEN_ITEMS)))
        fields = descriptor.getDataPilotFields()
        bucket, amount = fields.getByName("Bucket"), fields.getByName("Open Amount")
        bucket.Orientation = uno.Enum("com.sun.star.sheet.DataPilotFieldOrientation", "ROW")
        amount.Orientation = uno.Enum("com.sun.star.sheet.DataPilotFieldOrientation", "DATA")
        amount.Function = uno.Enum("com.sun.star.sheet.GeneralFunction", "SUM")
        pilots.insertNewByName("ByBucket", uno.createUnoStruct(
            "com.sun.star.table.CellAddress", 0, 9, 0), descriptor)
        doc.storeToURL((tmp_path / "pivot.xlsx").as_uri(),
                       libreoffice.props(FilterName="Calc MS Excel 2007 XML"))

    pivots = libreoffice.pivot_tables(tmp_path / "pivot.xlsx")

    assert len(pivots) == 1, pivots
    pivot = pivots[0]
    assert pivot["sheet"] == "Aging"
    assert pivot["source"] == "Aging!A1:D8"
    assert pivot["row_fields"] == ["Bucket"]
    assert pivot["column_fields"] == []
    assert pivot["data_fields"] == ["Sum - Open Amount"]
    assert pivot["data_functions"] == ["SUM"]
    assert pivot["output"].startswith("Aging!J")
    totals = {row[0]: cents(row[1]) for row in pivot["values"][1:]}
    assert totals == {"1-30": 2150_39, "31-60": 375_55, "Total Result": 2525_94}


def test_charts_lists_each_chart_with_type_and_series(libreoffice, tmp_path):
    book = open_items_workbook(tmp_path / "aging.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Aging"]
    bar = BarChart()
    bar.title = "Open by document"
    bar.add_data(Reference(ws, min_col=3, min_row=1, max_row=8), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=2, min_row=2, max_row=8))
    ws.add_chart(bar, "I2")
    trend = wb.create_sheet("Trend")
    trend.append(["Month", "DSO", "Target"])
    for month, dso in enumerate([41, 44, 39, 37], start=1):
        trend.append([month, dso, 40])
    line = LineChart()
    line.add_data(Reference(trend, min_col=2, max_col=3, min_row=1, max_row=5),
                  titles_from_data=True)
    trend.add_chart(line, "E2")
    wb.save(book)

    charts = libreoffice.charts(book)

    assert [(c["sheet"], c["type"], c["series"]) for c in charts] == [
        ("Aging", "com.sun.star.chart.BarDiagram", 1),
        ("Trend", "com.sun.star.chart.LineDiagram", 2),
    ], charts
    assert charts[0]["chart_types"] == ["com.sun.star.chart2.ColumnChartType"]
    assert charts[0]["title"] == "Open by document"
    assert charts[0]["ranges"] == ["Aging!B1:C8"]  # categories B2:B8 + data C1:C8
    assert charts[1]["chart_types"] == ["com.sun.star.chart2.LineChartType"]
    assert libreoffice.charts(tmp_path / "aging.xlsx") != []
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    assert libreoffice.charts(empty) == []


# ------------------------------------------------------------------------- converting


def test_convert_xlsx_to_pdf_with_the_running_office(libreoffice, tmp_path, pdftotext):
    book = open_items_workbook(tmp_path / "aging.xlsx")
    pid = libreoffice.pid

    pdf = libreoffice.convert(book, "pdf", tmp_path / "out")

    assert pdf == tmp_path / "out" / "aging.pdf"
    text = pdftotext(pdf)
    assert "C001 Acme Industrial" in text
    assert "2150.39" in text.replace(",", "")     # the SUMIFS result, as printed
    assert libreoffice.pid == pid
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["aging.pdf"]
    no_lock_files(tmp_path)


def test_convert_to_xlsx_stores_computed_values(libreoffice, tmp_path):
    book = open_items_workbook(tmp_path / "aging.xlsx")
    assert openpyxl.load_workbook(book, data_only=True)["Aging"]["G2"].value is None

    out = libreoffice.convert(book, "xlsx", tmp_path / "out")

    cached = openpyxl.load_workbook(out, data_only=True)["Aging"]
    assert cents(cached["G2"].value) == 2150_39


def test_convert_docx_to_pdf(libreoffice, tmp_path, pdftotext):
    letter = docx(tmp_path / "letter.docx", "Estimado cliente: factura INV-1004 vencida.")
    pdf = libreoffice.convert(letter, "pdf", tmp_path)
    assert "factura INV-1004 vencida" in pdftotext(pdf)


def test_convert_many_uses_one_process(libreoffice, tmp_path, pdftotext):
    docs = [
        docx(tmp_path / "letter-C001.docx", "Dear Acme Industrial, level 1 reminder."),
        docx(tmp_path / "letter-C004.docx", "Dear Delta Freight, level 2 reminder."),
        open_items_workbook(tmp_path / "statement.xlsx"),
    ]
    pid, starts = libreoffice.pid, libreoffice.starts

    pdfs = libreoffice.convert_many(docs, "pdf", tmp_path / "pdf")

    assert [p.name for p in pdfs] == ["letter-C001.pdf", "letter-C004.pdf", "statement.pdf"]
    assert "Acme Industrial, level 1" in pdftotext(pdfs[0])
    assert "Delta Freight, level 2" in pdftotext(pdfs[1])
    assert "C007 Fjord Marine" in pdftotext(pdfs[2])
    assert (libreoffice.pid, libreoffice.starts) == (pid, starts)


# ------------------------------------------------------------------------- readable failures


def test_failures_name_the_file_and_the_reason(libreoffice, tmp_path):
    missing = tmp_path / "missing.xlsx"
    with pytest.raises(lo.LibreOfficeError, match="missing.xlsx: no such file"):
        libreoffice.recalculated(missing)

    garbage = tmp_path / "garbage.xlsx"
    garbage.write_text("this is not a workbook\n")
    with pytest.raises(lo.LibreOfficeError,
                       match=r"garbage\.xlsx: LibreOffice opened it as a writer document"):
        libreoffice.recalculated(garbage)

    book = open_items_workbook(tmp_path / "aging.xlsx")
    with pytest.raises(lo.LibreOfficeError, match=r"no sheet 'Nope'.*\['Aging'\]"):
        libreoffice.cell_formulas(book, "Nope")

    letter = docx(tmp_path / "letter.docx", "x")
    with pytest.raises(lo.LibreOfficeError, match="cannot convert a writer document"):
        libreoffice.convert(letter, "xlsx", tmp_path / "out")
    with pytest.raises(lo.LibreOfficeError, match="would both be written"):
        libreoffice.convert_many([letter, tmp_path / "letter.xlsx"], "pdf", tmp_path / "o")
    with pytest.raises(lo.LibreOfficeError, match="would overwrite it"):
        libreoffice.convert(book, "xlsx", tmp_path)
    # the office is still usable after all that
    assert cents(lo.cell_at(libreoffice.recalculated(book)["Aging"], "G4")) == 2525_94


# ------------------------------------------------------------------------- process handling


def test_second_instance_does_not_collide_and_recovers_from_a_crash(libreoffice, tmp_path):
    book = open_items_workbook(tmp_path / "aging.xlsx")
    with lo.LibreOffice() as other:
        assert other.pid != libreoffice.pid and other.port != libreoffice.port
        profile_dir = other.log_path.parent
        assert cents(lo.cell_at(other.recalculated(book)["Aging"], "G2")) == 2150_39

        first_pid = other.pid
        first_pipe = Path("/tmp") / lo.ipc_pipe_name((profile_dir / "profile").as_uri())
        assert first_pipe.is_socket(), "soffice's IPC socket is not where we expect it"
        os.killpg(first_pid, signal.SIGKILL)          # soffice "crashes" between calls
        deadline = time.monotonic() + 10
        while other.alive and time.monotonic() < deadline:
            time.sleep(0.01)
        assert cents(lo.cell_at(other.recalculated(book)["Aging"], "G3")) == 375_55
        assert other.starts == 2 and other.pid != first_pid
        assert not profile_dir.exists(), "the dead office's profile was not removed"
        assert not first_pipe.exists(), f"the killed office left {first_pipe}"
        last = other.pid
        last_pipe = Path("/tmp") / lo.ipc_pipe_name((other.log_path.parent / "profile").as_uri())
        assert last_pipe.is_socket()
    assert not other.alive
    assert living_processes_in_group(last) == [], "soffice left processes behind"
    assert not last_pipe.exists(), f"the closed office left {last_pipe}"
    # the shared office never noticed
    assert cents(lo.cell_at(libreoffice.recalculated(book)["Aging"], "G4")) == 2525_94


def test_a_port_answered_by_another_office_is_not_used(libreoffice, monkeypatch, tmp_path):
    """Two workers may be handed the same port; the harness must notice it reached an
    office with another profile, leave that one alone, and start on a new port."""
    book = open_items_workbook(tmp_path / "aging.xlsx")
    ports = iter([libreoffice.port])
    free_port = lo._free_port
    monkeypatch.setattr(lo, "_free_port", lambda: next(ports, None) or free_port())
    with lo.LibreOffice() as other:
        assert other.port != libreoffice.port and other.starts == 1
        assert cents(lo.cell_at(other.recalculated(book)["Aging"], "G2")) == 2150_39
    assert libreoffice.alive
    assert cents(lo.cell_at(libreoffice.recalculated(book)["Aging"], "G3")) == 375_55


def test_uno_import_leaves_no_debian_packages_on_sys_path(libreoffice):
    assert "/usr/lib/python3/dist-packages" not in sys.path or \
        sys.executable.startswith("/usr/bin/")


@pytest.mark.skipif(os.geteuid() != 0, reason="already not root: the other tests prove it")
def test_works_for_a_user_other_than_root(libreoffice, tmp_path):
    """Root runs the harness as 'nobody' (with Debian's python3, stdlib + uno only)."""
    runuser, python = shutil.which("runuser"), "/usr/bin/python3"
    if runuser is None or not os.path.exists(python):
        missing_oracle("runuser or /usr/bin/python3 is missing")
    work = Path(tempfile.mkdtemp(prefix="xlar-lo-nobody-"))
    try:
        shutil.copytree(SUPPORT_DIR, work / "support",
                        ignore=shutil.ignore_patterns("__pycache__"))
        open_items_workbook(work / "aging.xlsx")
        (work / "run.py").write_text(textwrap.dedent("""\
            import os, sys
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from support.libreoffice import LibreOffice, cell_at
            with LibreOffice() as office:
                grid = office.recalculated(sys.argv[1])["Aging"]
                pdf = office.convert(sys.argv[1], "pdf", sys.argv[2])
            print(os.geteuid(), round(cell_at(grid, "G2"), 2), pdf.stat().st_size > 0)
            """))
        for p in [work, *work.rglob("*")]:
            p.chmod(0o777 if p.is_dir() else 0o666)
        done = subprocess.run(
            [runuser, "-u", "nobody", "--", python, str(work / "run.py"),
             str(work / "aging.xlsx"), str(work / "out")],
            capture_output=True, text=True, timeout=180, cwd=work)
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stdout.split() == ["65534", "2150.39", "True"], done.stdout
    finally:
        shutil.rmtree(work, ignore_errors=True)
