"""Refreshing the AR workbench keeps what the specialist typed, and moves closed items aside."""

import datetime as dt

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.table import TableColumn

from xlar.workbench.refresh import RefreshError, refresh
from xlar.workbench.xlsx import WorkbookLocked


@pytest.fixture(autouse=True, params=["openpyxl", "thinned"])
def reader(request, monkeypatch):
    """Every test twice: the workbench read back by openpyxl, and with the sheets a
    refresh rewrites read by xlar.workbench.bigsheets (which big workbooks use)."""
    if request.param != "thinned":
        yield request.param
        return
    import xlar.workbench.bigsheets as bigsheets

    monkeypatch.setattr(bigsheets, "THIN_BYTES", 0)
    real, read = bigsheets.read_thin_table, []

    def counted(*a, **k):
        read.append(a[1].sheet)
        return real(*a, **k)

    real_copy, thinned = bigsheets.thinned_copy, []

    def copied(*a, **k):
        out = real_copy(*a, **k)
        thinned.extend(out[1])
        return out

    monkeypatch.setattr(bigsheets, "read_thin_table", counted)
    monkeypatch.setattr(bigsheets, "thinned_copy", copied)
    yield request.param
    if "Open Items" in thinned:  # a refresh of an existing workbench
        assert "Open Items" in read, "the thinned Open Items sheet was not read by bigsheets"


HEADER = "Customer ID,Customer Name,Invoice,Invoice Date,Due Date,Original Amount,Open Balance\n"


def export(path, rows):
    path.write_text(HEADER + "".join(",".join(r) + "\n" for r in rows))
    return path


V1 = [
    ("A", "Alpha Co", "A1", "2026-08-01", "2026-08-31", "1000.00", "1000.00"),
    ("A", "Alpha Co", "A2", "2026-09-01", "2026-10-01", "500.00", "500.00"),
    ("B", "Beta SA", "B1", "2026-10-01", "2026-11-30", "250.00", "250.00"),
    ("B", "Beta SA", "B2", "2026-07-01", "2026-07-31", "75.50", "75.50"),
]
# A1 partly paid, A2 paid (gone), B unchanged, C1 new.
V2 = [
    ("A", "Alpha Co", "A1", "2026-08-01", "2026-08-31", "1000.00", "400.00"),
    ("B", "Beta SA", "B1", "2026-10-01", "2026-11-30", "250.00", "250.00"),
    ("B", "Beta SA", "B2", "2026-07-01", "2026-07-31", "75.50", "75.50"),
    ("C", "Gamma =1+1", "C1", "2026-10-15", "2026-11-14", "60.00", "60.00"),
]


def rows_by_doc(ws, table="OpenItems"):
    from openpyxl.utils.cell import range_boundaries

    t = ws.tables[table]
    c0, r0, c1, r1 = range_boundaries(t.ref)
    header = [ws.cell(r0, c).value for c in range(c0, c1 + 1)]
    out = {}
    for r in range(r0 + 1, r1 + 1):
        cells = {h: ws.cell(r, c0 + j) for j, h in enumerate(header)}
        if cells.get("Document") and cells["Document"].value:
            out[cells["Document"].value] = cells
    return header, out


def table_rows(ws, table):
    """Every data row of the table a user sees: a row with any value in it counts, with or
    without a Document (rows_by_doc would not show a row without one)."""
    from openpyxl.utils.cell import range_boundaries

    c0, r0, c1, r1 = range_boundaries(ws.tables[table].ref)
    rows = [tuple(ws.cell(r, c).value for c in range(c0, c1 + 1)) for r in range(r0 + 1, r1 + 1)]
    return [r for r in rows if any(v not in (None, "") for v in r)]


def user_edits(path):
    """What a specialist does between refreshes, done with openpyxl like Excel would."""
    wb = load_workbook(path)
    ws = wb["Open Items"]
    t = ws.tables["OpenItems"]
    header, rows = rows_by_doc(ws)
    notes_col, follow_col, calc_col = len(header) + 1, len(header) + 2, len(header) + 3
    for col, name in ((notes_col, "My Notes"), (follow_col, "Follow-up"), (calc_col, "Double")):
        ws.cell(1, col, name)
        t.tableColumns.append(TableColumn(id=col, name=name))
    last = ws.max_row
    t.ref = f"A1:{ws.cell(1, calc_col).column_letter}{last}"
    rows["A1"]["Key"].parent.cell(rows["A1"]["Key"].row, notes_col, "called Ann, pays Friday")
    rows["B2"]["Key"].parent.cell(rows["B2"]["Key"].row, notes_col, "=not a formula, just text")
    ws.cell(rows["B2"]["Key"].row, notes_col).data_type = "s"
    ws.cell(rows["A2"]["Key"].row, follow_col, dt.datetime(2026, 11, 5))
    open_col = header.index("Open Amount") + 1
    letter = ws.cell(1, open_col).column_letter
    for r in range(2, last + 1):
        ws.cell(r, calc_col, f"={letter}{r}*2")
    wb["Customers"].cell(2, 4, "ap@alpha.example")  # E-mail of the first customer (A)
    mine = wb.create_sheet("My Analysis")
    mine["A1"] = "my own sheet"
    mine["B2"] = "=SUM('Open Items'!I:I)"
    wb.save(path)


def test_refresh_twice_keeps_user_columns_and_lists_closed_items(tmp_path):
    wbpath = tmp_path / "AR Workbench.xlsx"
    src = export(tmp_path / "v1.csv", V1)
    r1 = refresh(wbpath, source=src, as_of="2026-10-31")
    assert len(r1.workbench.items) == 4
    user_edits(wbpath)

    export(src, V2)
    r2 = refresh(wbpath, as_of="2026-10-31")  # source comes from the Settings sheet now
    assert r2.workbench.carried.columns == ["My Notes", "Follow-up", "Double"]

    wb = load_workbook(wbpath)
    header, rows = rows_by_doc(wb["Open Items"])
    assert set(rows) == {"A1", "B1", "B2", "C1"}
    assert rows["A1"]["Open Amount"].value == 400          # owned column follows the export
    assert rows["A1"]["My Notes"].value == "called Ann, pays Friday"
    assert rows["B2"]["My Notes"].value == "=not a formula, just text"
    assert rows["B2"]["My Notes"].data_type == "s"         # still text, not a formula
    assert rows["C1"]["My Notes"].value is None
    # the calculated column followed its rows and filled the new one
    for doc, cells in rows.items():
        r = cells["Double"].row
        letter = cells["Open Amount"].column_letter
        assert cells["Double"].value == f"={letter}{r}*2", doc
    # outside text that looks like a formula stays text
    assert rows["C1"]["Customer Name"].value == "Gamma =1+1"

    # A2 left the export: it is on the closed list with its follow-up date
    _, closed = rows_by_doc(wb["Closed Since Last Refresh"], "ClosedItems")
    assert set(closed) == {"A2"}
    assert len(table_rows(wb["Closed Since Last Refresh"], "ClosedItems")) == 1  # no blank row
    assert closed["A2"]["Follow-up"].value == dt.datetime(2026, 11, 5)
    assert closed["A2"]["Open Amount"].value == 500
    assert closed["A2"]["Closed By Refresh Of"].value == dt.datetime(2026, 10, 31)

    # the user's own sheet and the e-mail typed on Customers survive
    assert wb["My Analysis"]["A1"].value == "my own sheet"
    assert wb["My Analysis"]["B2"].value == "=SUM('Open Items'!I:I)"
    cust = {wb["Customers"].cell(r, 1).value: wb["Customers"].cell(r, 4).value
            for r in range(2, wb["Customers"].max_row + 1)}
    assert cust["A"] == "ap@alpha.example" and cust["C"] in (None, "")

    # Run Log: both runs are there
    log = [c.value for c in wb["Run Log"]["D"][1:]]
    assert log.count("refresh") >= 2 and len({c.value for c in wb["Run Log"]["A"][1:]}) >= 1

    # A third refresh with the same export changes nothing but the log.
    before = _snapshot(wbpath)
    refresh(wbpath, as_of="2026-10-31")
    after = _snapshot(wbpath)
    assert {k: v for k, v in after.items() if k != "Run Log"} == \
        {k: v for k, v in before.items() if k != "Run Log"}
    assert len(after["Run Log"]) > len(before["Run Log"])


def _snapshot(path):
    wb = load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in wb}


def test_an_item_that_comes_back_gets_its_notes_back(tmp_path):
    wbpath = tmp_path / "wb.xlsx"
    src = export(tmp_path / "s.csv", V1)
    refresh(wbpath, source=src, as_of="2026-10-31")
    user_edits(wbpath)
    export(src, V2)
    refresh(wbpath, as_of="2026-10-31")
    export(src, V1)          # A2 is open again (a payment was reversed)
    refresh(wbpath, as_of="2026-10-31")
    wb = load_workbook(wbpath)
    _, rows = rows_by_doc(wb["Open Items"])
    assert rows["A2"]["Follow-up"].value == dt.datetime(2026, 11, 5)
    _, closed = rows_by_doc(wb["Closed Since Last Refresh"], "ClosedItems")
    assert "A2" not in closed and "C1" in closed


def test_workbench_structure_and_types(tmp_path):
    wbpath = tmp_path / "wb.xlsx"
    refresh(wbpath, source=export(tmp_path / "s.csv", V1), as_of="2026-10-31")
    wb = load_workbook(wbpath)
    assert wb.sheetnames[:3] == ["Summary", "Worklist", "Open Items"]
    for name in ("Aging by Customer", "Aging by Sales Partner", "Customers", "Rejected Rows",
                 "Run Log", "Settings", "Closed Since Last Refresh"):
        assert name in wb.sheetnames
    ws = wb["Open Items"]
    assert ws.freeze_panes == "A2"
    _, rows = rows_by_doc(ws)
    a1 = rows["A1"]
    assert isinstance(a1["Due Date"].value, dt.datetime)
    assert a1["Due Date"].number_format == "mm-dd-yy"
    assert a1["Open Amount"].value == 1000 and "#,##0.00" in a1["Open Amount"].number_format
    assert a1["Days Past Due"].value == 61 and a1["Bucket"].value == "61-90"
    settings = {ws.cell(r, 1).value: ws.cell(r, 2).value for ws in [wb["Settings"]]
                for r in range(2, ws.max_row + 1)}
    assert settings["source_file"].endswith("s.csv")
    assert settings["bucket_edges"] == "0,30,60,90,120"


def test_refresh_without_a_source_says_what_to_do(tmp_path):
    with pytest.raises(RefreshError, match="--source"):
        refresh(tmp_path / "new.xlsx")


def test_a_workbook_open_in_excel_is_not_replaced_and_nothing_is_lost(tmp_path):
    wbpath = tmp_path / "wb.xlsx"
    src = export(tmp_path / "s.csv", V1)
    refresh(wbpath, source=src, as_of="2026-10-31")
    before = wbpath.read_bytes()
    (tmp_path / "~$wb.xlsx").write_bytes(b"owner")       # Excel's lock file
    export(src, V2)
    with pytest.raises(WorkbookLocked, match="open in another program") as e:
        refresh(wbpath, as_of="2026-10-31")
    assert wbpath.read_bytes() == before
    saved = [p for p in tmp_path.glob("wb (xlar *).xlsx")]
    assert len(saved) == 1 and str(saved[0].name) in str(e.value)
    _, rows = rows_by_doc(load_workbook(saved[0])["Open Items"])
    assert "C1" in rows


def test_an_empty_closed_list_stays_empty_across_refreshes(tmp_path):
    wbpath = tmp_path / "wb.xlsx"
    src = export(tmp_path / "s.csv", V1)
    for _ in range(3):  # nothing closes: the list has no row, however often it is refreshed
        refresh(wbpath, source=src, as_of="2026-10-31")
        wb = load_workbook(wbpath)
        assert table_rows(wb["Closed Since Last Refresh"], "ClosedItems") == []
    export(src, V2)
    refresh(wbpath, as_of="2026-10-31")
    refresh(wbpath, as_of="2026-10-31")
    closed = table_rows(load_workbook(wbpath)["Closed Since Last Refresh"], "ClosedItems")
    assert [r[3] for r in closed] == ["A2"]


def test_a_blank_closed_row_left_by_an_earlier_version_goes_away(tmp_path):
    """Earlier versions turned the empty table's blank row into a row of 0.00, 0.00, "No"
    with no document: a refresh removes it (there is nothing in it to keep)."""
    wbpath = tmp_path / "wb.xlsx"
    src = export(tmp_path / "s.csv", V1)
    refresh(wbpath, source=src, as_of="2026-10-31")
    wb = load_workbook(wbpath)
    ws = wb["Closed Since Last Refresh"]
    header, _ = rows_by_doc(ws, "ClosedItems")
    row = ws.tables["ClosedItems"].ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    for name, value in (("Original Amount", 0), ("Open Amount", 0), ("Disputed", "No")):
        ws.cell(int(row), header.index(name) + 1, value)
    wb.save(wbpath)
    export(src, V2)
    refresh(wbpath, as_of="2026-10-31")
    closed = table_rows(load_workbook(wbpath)["Closed Since Last Refresh"], "ClosedItems")
    assert [r[3] for r in closed] == ["A2"]


def _add_column(ws, table, name, values_by_key, key_header):
    """Add a column *name* to the right of *table* and type values beside the rows whose
    *key_header* cell is a key of *values_by_key*, as a user would in Excel."""
    from openpyxl.utils.cell import range_boundaries

    t = ws.tables[table]
    c0, r0, c1, r1 = range_boundaries(t.ref)
    header = [ws.cell(r0, c).value for c in range(c0, c1 + 1)]
    col = c1 + 1
    ws.cell(r0, col, name)
    t.tableColumns.append(TableColumn(id=len(header) + 1, name=name))
    t.ref = f"{ws.cell(r0, c0).coordinate}:{ws.cell(r1, col).coordinate}"
    at = header.index(key_header)
    for r in range(r0 + 1, r1 + 1):
        v = values_by_key.get(ws.cell(r, c0 + at).value)
        if v is not None:
            ws.cell(r, col, v)


def _column(ws, table, key_header, name):
    from openpyxl.utils.cell import range_boundaries

    c0, r0, c1, r1 = range_boundaries(ws.tables[table].ref)
    header = [ws.cell(r0, c).value for c in range(c0, c1 + 1)]
    return {ws.cell(r, c0 + header.index(key_header)).value:
            ws.cell(r, c0 + header.index(name)).value for r in range(r0 + 1, r1 + 1)}


def test_columns_typed_beside_the_aging_summaries_stay_with_their_customer(tmp_path):
    wbpath = tmp_path / "AR Workbench.xlsx"
    src = export(tmp_path / "v1.csv", V1)
    refresh(wbpath, source=src, as_of="2026-10-31")
    wb = load_workbook(wbpath)
    _add_column(wb["Aging by Customer"], "AgingByCustomer", "Called On",
                {"A": "2026-11-02 Ann", "B": "left a message"}, "Customer ID")
    _add_column(wb["Worklist"], "Worklist", "Mine", {"B": "me"}, "Customer ID")
    wb.save(wbpath)

    # B pays everything and leaves the aging; A stays; C is new
    export(src, [r for r in V2 if r[0] != "B"])
    r2 = refresh(wbpath, as_of="2026-10-31")
    wb = load_workbook(wbpath)
    called = _column(wb["Aging by Customer"], "AgingByCustomer", "Customer ID", "Called On")
    assert called == {"A": "2026-11-02 Ann", "C": None, "B": "left a message"}
    balance = _column(wb["Aging by Customer"], "AgingByCustomer", "Customer ID", "Balance")
    assert balance == {"A": 400, "C": 60, "B": 0}     # B kept for its note, nothing open
    assert _column(wb["Worklist"], "Worklist", "Customer ID", "Mine")["B"] == "me"
    log = [c.value for c in wb["Run Log"]["H"][1:]]
    assert "Aging by Customer: 1 rows no longer in it are kept with zero figures, for what " \
           "you typed beside them" in log
    assert r2.workbench.summary_carried["AgingByCustomer"].columns == ["Called On"]

    # once the user clears the note, the row of B goes at the next refresh
    ws = wb["Aging by Customer"]
    for row in ws.iter_rows():
        if row[0].value == "B":
            row[-1].value = None
    wb.save(wbpath)
    refresh(wbpath, as_of="2026-10-31")
    wb = load_workbook(wbpath)
    assert set(_column(wb["Aging by Customer"], "AgingByCustomer", "Customer ID",
                       "Balance")) == {"A", "C"}
