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


def edit_cell(path, sheet, table, row, header, value):
    """Overtype one cell of the *row*-th data row (0 = first) of an account sheet's table."""
    wb = load_workbook(path)
    ws = wb[sheet]
    c0, r0, c1, _r1 = range_boundaries(ws.tables[table].ref)
    names = [ws.cell(r0, c).value for c in range(c0, c1 + 1)]
    ws.cell(r0 + 1 + row, c0 + names.index(header), value)
    wb.save(path)


def column(path, sheet, table, *headers):
    header, rows = table_rows(load_workbook(path)[sheet], table)
    return [tuple(r[header.index(h)] for h in headers) for r in rows]


def test_a_new_row_like_an_earlier_version_of_an_edited_note_is_saved_as_its_own(tmp_path):
    wb = workbench(tmp_path)
    first = {"Customer ID": "A", "Date": dt.datetime(2026, 10, 30), "Note": "Left a voicemail"}
    append_rows(wb, "Notes", "Notes", [first])
    run_on_file("save_to_store", wb)
    edit_cell(wb, "Notes", "Notes", 0, "Note", "Spoke to Ann, pays Friday")
    assert "1 edited" in run_on_file("save_to_store", wb).message
    # a week later the specialist types the first note's text again, as a new row
    append_rows(wb, "Notes", "Notes", [first])
    out = run_on_file("save_to_store", wb)
    assert "1 new, 0 edited, 1 unchanged" in out.message

    rows = column(wb, "Notes", "Notes", "Note ID", "Note", "Version")
    assert [(text, version) for _, text, version in rows] == [
        ("Spoke to Ann, pays Friday", 2), ("Left a voicemail", 1)]   # the typed row kept
    assert rows[0][0] != rows[1][0]                                  # with an ID of its own
    latest = open_store(workbook=wb).latest("note")
    assert sorted(latest["text"]) == ["Left a voicemail", "Spoke to Ann, pays Friday"]
    again = run_on_file("save_to_store", wb)                          # and saving is idempotent
    assert "0 new, 0 edited, 2 unchanged" in again.message
    assert len(open_store(workbook=wb).latest("note")) == 2


def test_the_same_promise_typed_on_two_rows_is_two_records(tmp_path):
    wb = workbench(tmp_path)
    pay_by = dt.datetime.combine(dt.date.today(), dt.time()) + dt.timedelta(days=7)
    row = {"Customer ID": "A", "Pay By": pay_by, "Amount": 500, "Currency": "USD"}
    append_rows(wb, "Promises", "Promises", [row, row])    # two instalments, same words
    assert "2 new" in run_on_file("save_to_store", wb).message
    ids = [i for (i,) in column(wb, "Promises", "Promises", "Promise ID")]
    assert len(set(ids)) == 2 and all(ids)
    assert len(open_store(workbook=wb).latest("promise")) == 2
    assert "0 new, 0 edited, 2 unchanged" in run_on_file("save_to_store", wb).message


def test_a_rerun_after_the_ids_were_not_written_back_makes_no_duplicate(tmp_path):
    """Saved to the store, then the workbook was not written (Excel closed, a crash):
    the next Save to Store finds the records instead of adding them again."""
    import shutil

    wb = workbench(tmp_path)
    append_rows(wb, "Notes", "Notes", [{"Customer ID": "A", "Note": "Called, no answer"},
                                       {"Customer ID": "B", "Note": "Sent statement"}])
    before = tmp_path / "as typed.xlsx"
    shutil.copy(wb, before)
    run_on_file("save_to_store", wb)
    shutil.copy(before, wb)                                    # the IDs never reached the sheet
    out = run_on_file("save_to_store", wb)
    assert "0 new, 0 edited, 2 unchanged" in out.message
    assert any("already in the activity store as Note ID" in d for d in out.details)
    assert len(open_store(workbook=wb).latest("note")) == 2
    assert all(i for (i,) in column(wb, "Notes", "Notes", "Note ID"))


def test_disputes_new_edited_and_invalid_rows(tmp_path):
    wb = workbench(tmp_path)
    append_rows(wb, "Disputes", "Disputes", [
        {"Customer ID": "A", "Document": "A1", "Reason Code": "pricing", "Amount": 100,
         "Note": "price list 2026"},
        {"Customer ID": "A", "Document": "A2", "Reason Code": "weather", "Amount": 50},
    ])
    out = run_on_file("save_to_store", wb)
    assert "1 new" in out.message and "1 rows NOT saved" in out.message
    rows = column(wb, "Disputes", "Disputes", "Dispute ID", "Reason Code", "Status", "Amount",
                  "Saved")
    assert rows[0][1:4] == ("pricing", "open", 100) and rows[0][4].startswith("saved v1")
    assert rows[1][0] is None and rows[1][1] == "weather"            # kept as typed
    assert rows[1][4].startswith("NOT SAVED: reason code 'weather' is not one of pricing")

    edit_cell(wb, "Disputes", "Disputes", 0, "Status", "resolved valid")
    edit_cell(wb, "Disputes", "Disputes", 1, "Reason Code", "damaged")  # the fix
    out = run_on_file("save_to_store", wb)
    assert "1 new, 1 edited, 0 unchanged" in out.message and "NOT" not in out.message
    store = open_store(workbook=wb)
    latest = store.latest("dispute").set_index("document")
    assert latest.loc["A1", "status"] == "resolved_valid" and latest.loc["A1", "version"] == 2
    assert latest.loc["A1", "resolved_on"] is not None               # resolving dates it
    assert latest.loc["A2", "reason_code"] == "damaged" and latest.loc["A2", "amount_cents"] == 5000
    assert store.history("dispute", latest.loc["A1", "record_id"])["status"].tolist() == [
        "open", "resolved_valid"]
    assert column(wb, "Disputes", "Disputes", "Saved")[0][0].startswith("saved v2")


def test_payment_plans_new_edited_and_invalid_rows(tmp_path):
    wb = workbench(tmp_path)
    append_rows(wb, "Payment Plans", "PaymentPlans", [
        {"Customer ID": "A", "Total": 1000, "Installments": 3,
         "First Date": dt.datetime(2026, 11, 15), "Frequency": "monthly"},
        {"Customer ID": "B", "Total": 250, "Installments": 0,
         "First Date": dt.datetime(2026, 11, 15)},
    ])
    out = run_on_file("save_to_store", wb)
    assert "1 new" in out.message and "1 rows NOT saved" in out.message
    plan_id, saved = column(wb, "Payment Plans", "PaymentPlans", "Plan ID", "Saved")[0]
    assert plan_id and saved.startswith("saved v1")
    assert column(wb, "Payment Plans", "PaymentPlans", "Saved")[1][0] == \
        "NOT SAVED: installments '0' must be a whole number of 1 or more"
    # 1,000.00 in three monthly installments: 333.34 + 333.33 + 333.33 (the cent goes first)
    schedule = column(wb, "Plan Installments", "PlanInstallments", "Plan ID", "No.", "Due Date",
                      "Amount")
    assert schedule == [(plan_id, 1, dt.datetime(2026, 11, 15), 333.34),
                        (plan_id, 2, dt.datetime(2026, 12, 15), 333.33),
                        (plan_id, 3, dt.datetime(2027, 1, 15), 333.33)]

    edit_cell(wb, "Payment Plans", "PaymentPlans", 0, "Installments", 2)   # renegotiated
    out = run_on_file("save_to_store", wb)
    assert "0 new, 1 edited" in out.message and "1 rows NOT saved" in out.message
    schedule = column(wb, "Plan Installments", "PlanInstallments", "Plan ID", "No.", "Amount")
    assert schedule == [(plan_id, 1, 500.0), (plan_id, 2, 500.0)]
    plans = open_store(workbook=wb).latest("payment_plan")
    assert plans["installments"].tolist() == [2] and plans["version"].tolist() == [2]


def test_exceptions_new_edited_and_invalid_rows(tmp_path):
    wb = workbench(tmp_path)
    append_rows(wb, "Exceptions", "Exceptions", [
        {"Customer ID": "B", "Reason": "Bankruptcy filed; legal handles it",
         "Until": dt.datetime(2027, 1, 31), "Approved By": "CFO"},
        {"Customer ID": "A", "Reason": "Key account"},                       # nobody approved
    ])
    out = run_on_file("save_to_store", wb)
    assert "1 new" in out.message and "1 rows NOT saved" in out.message
    rows = column(wb, "Exceptions", "Exceptions", "Exception ID", "Customer ID", "Ended", "Saved")
    assert rows[0][0] and rows[0][2] == "No" and rows[0][3].startswith("saved v1")
    assert rows[1] == (None, "A", None, "NOT SAVED: who approved it is missing")

    edit_cell(wb, "Exceptions", "Exceptions", 0, "Ended", "yes")
    edit_cell(wb, "Exceptions", "Exceptions", 1, "Approved By", "Head of AR")
    out = run_on_file("save_to_store", wb)
    assert "1 new, 1 edited, 0 unchanged" in out.message
    latest = open_store(workbook=wb).latest("exception").set_index("customer_id")
    assert bool(latest.loc["B", "ended"]) and latest.loc["B", "version"] == 2
    assert latest.loc["A", "approved_by"] == "Head of AR"
    assert column(wb, "Exceptions", "Exceptions", "Ended") == [("Yes",), ("No",)]
