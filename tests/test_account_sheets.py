"""The account sheets and the activity store, through the workbook as a specialist uses it."""

import datetime as dt

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from xlar.actions import run_on_file
from xlar.store.api import open_store
from xlar.workbench.refresh import refresh

EXPORT = ("Customer ID,Customer Name,Invoice,Invoice Date,Due Date,Open Balance\n"
          "A,Alpha Co,A1,2026-07-01,2026-07-31,1000.00\n"
          "A,Alpha Co,A2,2026-09-01,2026-10-01,500.00\n"
          "B,Beta SA,B1,2026-10-01,2026-11-30,250.00\n")


def table_rows(ws, name):
    c0, r0, c1, r1 = range_boundaries(ws.tables[name].ref)
    header = [ws.cell(r0, c).value for c in range(c0, c1 + 1)]
    return header, [[ws.cell(r, c).value for c in range(c0, c1 + 1)] for r in range(r0 + 1, r1 + 1)]


def append_rows(path, sheet, table, rows):
    """Type rows at the foot of an account sheet's table, as a specialist would."""
    wb = load_workbook(path)
    ws = wb[sheet]
    t = ws.tables[table]
    c0, r0, c1, r1 = range_boundaries(t.ref)
    header = [ws.cell(r0, c).value for c in range(c0, c1 + 1)]
    # an empty table has one blank row: start there
    start = r0 + 1 if all(ws.cell(r0 + 1, c).value in (None, "") for c in range(c0, c1 + 1)) \
        else r1 + 1
    for i, row in enumerate(rows):
        for h, v in row.items():
            ws.cell(start + i, c0 + header.index(h), v)
    t.ref = f"{ws.cell(r0, c0).coordinate}:{ws.cell(max(r1, start + len(rows) - 1), c1).coordinate}"
    wb.save(path)


def workbench(tmp_path):
    src = tmp_path / "export.csv"
    src.write_text(EXPORT)
    wb = tmp_path / "AR Workbench.xlsx"
    refresh(wb, source=src, as_of="2026-10-31")
    return wb


def test_save_to_store_is_idempotent_and_keeps_invalid_rows_with_their_reason(tmp_path):
    wb = workbench(tmp_path)
    append_rows(wb, "Notes", "Notes", [
        {"Customer ID": "A", "Date": dt.datetime(2026, 10, 30), "Note": "Called Ann, pays Friday",
         "Next Action": "check payment", "Next Action Date": dt.datetime(2026, 11, 6)},
        {"Customer ID": "B", "Note": "Left a voicemail"},
    ])
    append_rows(wb, "Promises", "Promises", [
        {"Customer ID": "A", "Pay By": dt.datetime.combine(dt.date.today(), dt.time())
         + dt.timedelta(days=10), "Amount": 1500, "Currency": "USD"},
        {"Customer ID": "B", "Amount": 250},                       # no Pay By date
    ])
    first = run_on_file("save_to_store", wb)
    assert "3 new" in first.message and "1 rows NOT saved" in first.message
    second = run_on_file("save_to_store", wb)
    assert "0 new, 0 edited, 3 unchanged" in second.message

    store = open_store(workbook=wb)
    assert len(store.latest("note")) == 2 and len(store.latest("promise")) == 1
    assert len(store.log()) >= 3  # one activity row per saved record, none for the rerun

    sheet = load_workbook(wb)
    header, rows = table_rows(sheet["Promises"], "Promises")
    saved = {r[header.index("Customer ID")]: r[header.index("Saved")] for r in rows}
    assert saved["A"].startswith("saved v1")
    assert saved["B"] == "NOT SAVED: the date promised (Pay By) is missing"
    ids = [r[header.index("Promise ID")] for r in rows]
    assert ids[0] and not ids[1]      # the saved row got its ID; the invalid one has none
    status = rows[0][header.index("Status")]
    assert status == "pending"        # saved today, to be paid in ten days


def test_an_edit_becomes_a_new_version_and_nothing_is_lost(tmp_path):
    wb = workbench(tmp_path)
    append_rows(wb, "Notes", "Notes", [{"Customer ID": "A", "Note": "first text"}])
    run_on_file("save_to_store", wb)
    book = load_workbook(wb)
    ws = book["Notes"]
    header, rows = table_rows(ws, "Notes")
    note_col = header.index("Note") + 1
    ws.cell(4, note_col, "second text")     # title, blank, header, then the row
    book.save(wb)
    out = run_on_file("save_to_store", wb)
    assert "1 edited" in out.message
    store = open_store(workbook=wb)
    latest = store.latest("note")
    assert latest["text"].tolist() == ["second text"] and latest["version"].tolist() == [2]
    assert store.history("note", latest["record_id"][0])["text"].tolist() == [
        "first text", "second text"]


def test_refresh_shows_the_latest_note_and_keeps_unsaved_rows(tmp_path):
    wb = workbench(tmp_path)
    append_rows(wb, "Notes", "Notes", [
        {"Customer ID": "A", "Date": dt.datetime(2026, 10, 30), "Note": "Pays Friday",
         "Next Action": "check payment", "Next Action Date": dt.datetime(2026, 11, 6)}])
    run_on_file("save_to_store", wb)
    append_rows(wb, "Notes", "Notes", [{"Customer ID": "B", "Note": "typed, not saved yet"}])
    refresh(wb, as_of="2026-10-31")
    book = load_workbook(wb)
    header, rows = table_rows(book["Notes"], "Notes")
    texts = {r[header.index("Note")]: r[header.index("Saved")] for r in rows}
    assert texts["typed, not saved yet"].startswith("new, not saved yet")
    assert texts["Pays Friday"].startswith("saved v1")
    header, rows = table_rows(book["Aging by Customer"], "AgingByCustomer")
    a = next(r for r in rows if r[0] == "A")
    assert a[header.index("Last Note")] == "2026-10-30: Pays Friday"
    assert a[header.index("Next Action")] == "check payment"
    header, rows = table_rows(book["Open Items"], "OpenItems")
    assert {r[header.index("Last Note")] for r in rows if r[0] == "A"} == {
        "2026-10-30: Pays Friday"}
    # the worklist: A is past due but has a next action in the future
    header, rows = table_rows(book["Worklist"], "Worklist")
    a = next(r for r in rows if r[1] == "A")
    assert a[header.index("Not Today Because")]


def test_each_refresh_stores_an_aging_snapshot_once(tmp_path):
    wb = workbench(tmp_path)
    refresh(wb, as_of="2026-10-31")   # the same export again: nothing new to remember
    store = open_store(workbook=wb)
    snaps = store.snapshots()
    assert len(snaps) == 1
    s = snaps.iloc[0]
    assert (s["balance_cents"], s["past_due_cents"], s["current_cents"]) == (175000, 150000, 25000)
    # A1 due Jul 31 is 92 days late at Oct 31; A2 due Oct 1 is 30; B1 is not due.
    assert s["buckets"] == {"Not due": 25000, "1-30": 50000, "31-60": 0, "61-90": 0,
                            "91-120": 100000, "Over 120": 0}
