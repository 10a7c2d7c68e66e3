"""The Adjustments group of the workbench, as a specialist uses it: type rows, Validate, Post,
Approve, Bad-Debt Review, Reconcile GL; through the workbook port, the command line, and a
real LibreOffice that recalculates what was written."""

from __future__ import annotations

import datetime as dt

import pytest
from support.adjustments import (
    MONTH_CREDIT,
    MONTH_CREDIT_DAY,
    MONTH_CUSTOMERS,
    MONTH_DIFFERENCES,
    MONTH_GL_CENTS,
    MONTH_ITEMS,
    MONTH_SUBLEDGER_CENTS,
    add_requests,
    item,
    write_month,
    write_workbench,
)
from typer.testing import CliRunner

from xlar.actions import run_on_file
from xlar.adjustments.commission import payout_report
from xlar.store.adjustments import AdjustmentBook
from xlar.store.api import open_store
from xlar.workbench.port import XlsxPort

DAY = dt.date(2026, 10, 15)
ITEMS = [item("C1", "INV-1", amount=1082.50, open_=582.50, sales_partner="Acme Reps"),
         item("C1", "PAY-9", "payment", -50), item("C2", "INV-2", amount=900),
         item("C3", "INV-3", amount=300, territory="West")]
CUSTOMERS = [dict(customer_id="C1", customer_name="Acme", terms="NET 30"),
             dict(customer_id="C2", customer_name="Bravo", terms="NET 30",
                  tax_exempt_cert="TX-9", tax_exempt_expiry="2026-06-30"),
             dict(customer_id="C3", customer_name="Exento SA", language="es", territory="West",
                  tax_exempt_cert="TX-10", tax_exempt_expiry="2027-06-30", terms="NET 15")]
ROWS = [dict(kind="Credit and rebill", customer_id="C1", document="INV-1", amount=900,
             reason_code="pricing"),
        dict(kind="write-off", customer_id="C2", document="INV-2", reason_code="bad debt"),
        dict(kind="refund", customer_id="C1", document="PAY-9", refund_method="check"),
        dict(kind="invoice", customer_id="C2", lines="2 x Widget @ 10.00"),
        dict(kind="Factura", customer_id="C3", lines="4 x Widget @ 12.50"),
        {}]


def frame(path, table):
    return XlsxPort(path).table_frame(table)


@pytest.fixture
def book(tmp_path):
    path = write_workbench(tmp_path / "AR Workbench.xlsx", ITEMS, CUSTOMERS, ROWS)
    stores = {}

    def store(user):
        if user not in stores:
            stores[user] = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}", user=user)
        return stores[user]

    yield path, store
    for s in stores.values():
        s.engine.dispose()


def test_validate_post_approve_post_on_the_workbench(book, tmp_path):
    path, store = book
    v = run_on_file("validate_adjustments", path, store=store("ana"), today=DAY)
    assert v.message == ("Validated 5 rows: 2 ready to post, 2 needs approval, 1 blocked. "
                         "Nothing was posted.")
    adj = frame(path, "Adjustments")
    assert adj["Status"].tolist()[:5] == ["ready to post", "needs approval", "needs approval",
                                          "blocked", "ready to post"]
    assert adj.iloc[5].isna().all()  # the blank row the user left stays blank
    assert "above ana's authority of $500.00" in adj["Why"][1]
    assert "TX-9 expired on 2026-06-30" in adj["Why"][3]
    assert adj["Balance Change"][0] == -108.25 and adj["Commission"][0] == -7.5
    assert AdjustmentBook(store("ana")).documents().empty  # validating posts nothing

    p = run_on_file("post_adjustments", path, store=store("ana"), today=DAY)
    assert p.message.startswith("Adjustments: 2 posted, 2 waiting for approval, 1 blocked. "
                                "Open Items updated with 3 documents. 3 documents written to")
    adj = frame(path, "Adjustments")
    assert adj["Numbers"].tolist()[:1] == ["CM-2026-000001 / INV-2026-000001"]
    assert adj["Numbers"][4] == "INV-2026-000002"
    items = frame(path, "OpenItems").set_index("Document")
    assert items.loc["INV-1", "Open Amount"] == 0  # 582.50 open, credited in full ...
    assert items.loc["CM-2026-000001", "Open Amount"] == -500  # ... what was paid stays a credit
    assert items.loc["INV-2026-000001", "Open Amount"] == 974.25
    assert items.loc["INV-2026-000002", "Open Amount"] == 50  # exempt: no tax
    assert items.loc["INV-2026-000002", "Source"] == "xlar INV-2026-000002 (not in the ERP yet)"
    assert items.loc["INV-1", "My Notes"] == "note on INV-1"  # the user's column stays put
    assert items.loc["INV-2", "Open Amount"] == 900  # waiting for approval: not moved
    docs = sorted(x.name for x in (tmp_path / "AR Workbench documents").glob("*.docx"))
    assert docs == ["CM-2026-000001.docx", "INV-2026-000001.docx", "INV-2026-000002.docx"]
    from docx import Document

    text = "\n".join(x.text for x in Document(tmp_path / "AR Workbench documents" /
                                             "INV-2026-000002.docx").paragraphs)
    assert "FACTURA" in text and "Exento SA" in text and "Vencimiento: 2026-10-30" in text
    approvals = frame(path, "Approvals")
    assert approvals["Status"].tolist() == ["pending", "pending"]
    journal = frame(path, "Journal")
    assert len(journal) == 8 + 2 and journal["Debit"].sum() == pytest.approx(
        journal["Credit"].sum())

    # Post again: nothing changes.
    before_items = frame(path, "OpenItems")
    again = run_on_file("post_adjustments", path, store=store("ana"), today=DAY)
    assert "Open Items updated" not in again.message and "documents written" not in again.message
    assert frame(path, "OpenItems").equals(before_items)
    assert len(AdjustmentBook(store("ana")).journal()) == 10

    # ana cannot approve her own requests; luis can, from the Approvals sheet.
    def decide(user, decisions):
        port = XlsxPort(path)
        t = port.read_table("Approvals")
        f = t.frame
        for rid, decision in decisions.items():
            f.loc[f["Request ID"] == rid, "Decision"] = decision
        from xlar.workbench.layout import APPROVALS
        from xlar.workbench.plan import rows_plan

        by_header = {c.header: c.field for c in APPROVALS.columns}
        port.write_table(rows_plan(APPROVALS, [{by_header[h]: v for h, v in r.items()}
                                               for r in f.to_dict("records")]))
        port.save()
        return run_on_file("approve_adjustments", path, store=store(user))

    ids = approvals["Request ID"].tolist()
    mine = decide("ana", dict.fromkeys(ids, "approve"))
    assert mine.message.startswith("0 decisions recorded by ana. 2 NOT recorded")
    assert frame(path, "Approvals")["Saved"].str.contains("cannot decide on it too").all()
    theirs = decide("luis", dict.fromkeys(ids, "approve"))
    assert theirs.message.startswith("2 decisions recorded by luis.")
    assert frame(path, "Approvals")["Status"].tolist() == ["approved", "approved"]
    last = run_on_file("post_adjustments", path, store=store("ana"), today=DAY)
    assert last.message.startswith("Adjustments: 4 posted, 1 blocked. Open Items updated with "
                                   "2 documents.")
    items = frame(path, "OpenItems").set_index("Document")
    assert items.loc["INV-2", "Open Amount"] == 0 and items.loc["PAY-9", "Open Amount"] == 0
    assert frame(path, "Adjustments")["Numbers"].tolist()[1:3] == ["WO-2026-000001",
                                                                   "RF-2026-000001"]


def test_rows_typed_later_and_a_posted_row_edited(book):
    path, store = book
    run_on_file("post_adjustments", path, store=store("luis"), today=DAY)
    add_requests(path, [dict(kind="credit memo", customer_id="C3", document="INV-3",
                             amount=30, reason_code="damaged", note="2 boxes")])
    port = XlsxPort(path)  # edit the posted invoice row: it must not post again
    ws = port.wb["Adjustments"]
    header = [c.value for c in ws[3]]
    ws.cell(4 + 4, header.index("Lines") + 1, "5 x Widget @ 12.50")
    port.save()
    out = run_on_file("post_adjustments", path, store=store("luis"), today=DAY)
    assert out.message.startswith("Adjustments: 3 posted, 1 waiting for approval, 2 blocked. "
                                  "Open Items updated with 1 document. 1 document written")
    adj = frame(path, "Adjustments")
    assert adj["Status"][4] == "blocked" and "posted as INV-2026-000002 and has been changed " \
                                             "since" in adj["Why"][4]
    assert adj["Status"][6] == "posted" and adj["Numbers"][6] == "CM-2026-000002"
    assert adj["Why"][6].startswith("posted now as CM-2026-000002: credit memo of $30.00")
    # a formula typed in a cell of the sheet is still a formula after xlar rewrote it
    from openpyxl import load_workbook

    ws = load_workbook(path)["Adjustments"]
    note = [c.value for c in ws[3]].index("Note") + 1
    ws.cell(4 + 6, note).value = '="box "&2'
    ws.parent.save(path)
    run_on_file("validate_adjustments", path, store=store("luis"), today=DAY)
    assert load_workbook(path)["Adjustments"].cell(4 + 6, note).value == '="box "&2'


def test_the_written_workbook_calculates_in_libreoffice(tmp_path, libreoffice):
    """Journal entry balances, the partner payout and the reconciliation are formulas:
    LibreOffice recalculates them and gets the engine's figures to the cent."""
    customers = [dict(c, sales_partner="Acme Reps") if c["customer_id"] == "C1" else c
                 for c in MONTH_CUSTOMERS]
    path = write_workbench(tmp_path / "Month.xlsx", MONTH_ITEMS + [
        item("C1", "I-1102", amount=5, doc_date="2026-11-02")], customers, [MONTH_CREDIT],
        settings=dict(as_of=dt.date(2026, 10, 31), tax_rates="8.25%",
                      authority_limits="ana=5000"))
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}", user="ana")
    try:
        out = run_on_file("post_adjustments", path, store=store, today=MONTH_CREDIT_DAY)
        assert out.message.startswith("Adjustments: 1 posted."), out.details
        # November: a rebill with the partner's commission, and a small write-off (both
        # after the period, so the October reconciliation does not see them)
        add_requests(path, [dict(kind="credit and rebill", customer_id="C1",
                                 document="I-1101", amount=900),
                            dict(kind="write-off", customer_id="C1", document="I-1102",
                                 reason_code="small balance")])
        out = run_on_file("post_adjustments", path, store=store, today=dt.date(2026, 11, 3))
        assert out.message.startswith("Adjustments: 3 posted."), out.details
        tb, detail = write_month(tmp_path)
        rec = run_on_file("reconcile_gl", path, store=store, period="2026-10", gl=tb,
                          gl_detail=detail)
        assert "unexplained $0.00" in rec.message, rec.details
        book = AdjustmentBook(store)
        journal, commissions = book.journal(), book.commissions()
    finally:
        store.engine.dispose()
    sheets = libreoffice.recalculated(path)
    from support.libreoffice import cell_errors

    assert not cell_errors(sheets), cell_errors(sheets)
    # Journal: header on row 3; Entry Balance (last column) is 0 on every line
    grid = sheets["Journal"]
    header = grid[2]
    rows = [r for r in grid[3:] if r[0]]
    assert len(rows) == len(journal)
    balance = [r[header.index("Entry Balance")] for r in rows]
    assert balance == [0.0] * len(rows)
    assert round(sum(r[header.index("Debit")] for r in rows), 2) == \
        journal["debit_cents"].sum() / 100
    # Commission Payout: COUNTIFS / SUMIFS equal the engine's report
    grid = sheets["Commission Payout"]
    header = grid[2]
    report = payout_report(commissions)
    got = [(r[0], r[1], r[header.index("Adjustments")], round(r[header.index("Sales Change")], 2),
            round(r[header.index("Commission Change")], 2)) for r in grid[3:] if r[0]]
    assert got == [(r.partner, r.currency, r.adjustments, r.base_cents / 100,
                    r.commission_cents / 100) for r in report.itertuples()]
    assert len(got) == 1 and got[0][2] == 2 and got[0][4] < 0
    # Reconciliation: the difference and what is left, as LibreOffice computes them
    grid = sheets["Reconciliation"]
    labels = {r[0]: r[4] for r in grid if r and r[0]}
    assert round(labels["GL total"], 2) == MONTH_GL_CENTS / 100
    assert round(labels["Difference (GL - sub-ledger)"], 2) == \
        (MONTH_GL_CENTS - MONTH_SUBLEDGER_CENTS) / 100
    assert round(labels["Unexplained (difference - explained)"], 2) == 0
    categories = {r[0] for r in grid if r and r[0]} & {c for c, _, _ in MONTH_DIFFERENCES}
    assert categories == {c for c, _, _ in MONTH_DIFFERENCES}
    # Post wrote each credit note and invoice as PDF too, next to the Word file
    assert "each as Word and PDF" in out.message
    made = sorted(p.name for p in (tmp_path / "Month documents").iterdir())
    assert made == ["CM-2026-000001.docx", "CM-2026-000001.pdf", "CM-2026-000002.docx",
                    "CM-2026-000002.pdf", "INV-2026-000001.docx", "INV-2026-000001.pdf"]
    pdf = tmp_path / "Month documents" / "CM-2026-000001.pdf"
    from pypdf import PdfReader

    text = PdfReader(pdf).pages[0].extract_text()
    assert "CREDIT NOTE" in text and "CM-2026-000001" in text and "$108.25" in text


# -- the command line -----------------------------------------------------------------------


def cli(*args):
    from xlar.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    return result.exit_code, " ".join(result.stdout.split()), " ".join(result.stderr.split())


def test_adjust_commands(book, tmp_path, monkeypatch):
    path, _store = book
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    code, out, err = cli("adjust", "validate", path, "--db", db, "--user", "ana",
                         "--date", "2026-10-15")
    assert code == 0, err
    assert "Validated 5 rows: 2 ready to post, 2 needs approval, 1 blocked" in out
    code, out, err = cli("adjust", "post", path, "--db", db, "--user", "ana",
                         "--date", "2026-10-15", "--documents", tmp_path / "docs")
    assert code == 0, err
    assert "2 posted, 2 waiting for approval" in out
    assert sorted(x.name for x in (tmp_path / "docs").iterdir())[0] == "CM-2026-000001.docx"
    rid = frame(path, "Approvals")["Request ID"][0]
    code, out, err = cli("adjust", "approve", "--request", rid, "--db", db, "--user", "ana")
    assert code == 2 and "ana sent" in err and "Traceback" not in err
    code, out, err = cli("adjust", "approve", path, "--request", rid, "--db", db,
                         "--user", "luis", "--note", "ok")
    assert code == 0 and f"{rid} approved by luis" in out, err
    for fmt, first in (("generic", "Entry,Line,Date"), ("gp", "Batch ID,Journal Entry"),
                       ("sap", "BUKRS,BLDAT,BUDAT")):
        target = tmp_path / f"journal-{fmt}.csv"
        code, out, err = cli("adjust", "journal", "--out", target, "--format", fmt, "--db", db)
        assert code == 0, err
        assert "2 journal entries (10 lines)" in out
        assert target.read_text(encoding="utf-8-sig").startswith(first)
    code, out, err = cli("adjust", "journal", "--out", tmp_path / "x.csv", "--db", db,
                         "--from", "2027-01-01")
    assert code == 2 and "no journal lines were posted in that period" in err
    code, out, err = cli("adjust", "commissions", "--db", db)
    assert code == 0 and "│ Acme Reps │ USD │ 1 │ -$100.00 │ -$7.50 │" in out, out
    code, out, err = cli("adjust", "recommend", path, "--db", db, "--date", "2027-06-30")
    assert code == 0, err
    assert "write-offs proposed" in out
    code, out, err = cli("adjust", "reconcile", path, "--db", db, "--period", "October")
    assert code == 2 and "no GL trial balance" in err
    code, out, err = cli("adjust", "post", tmp_path / "missing.xlsx", "--db", db)
    assert code == 2 and "missing.xlsx" in err and "Traceback" not in err


def test_a_new_workbench_gets_an_adjustments_sheet_and_bad_settings_say_which(tmp_path):
    path = write_workbench(tmp_path / "New.xlsx", ITEMS, CUSTOMERS, [])
    port = XlsxPort(path)
    del port.wb["Adjustments"]
    port.save()
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}", user="ana")
    try:
        out = run_on_file("post_adjustments", path, store=store)
        assert out.message.startswith("Added the Adjustments sheet")
        assert frame(path, "Adjustments").isna().all().all()  # one empty row to type in
        review = run_on_file("recommend_bad_debt", path, store=store,
                             today=dt.date(2027, 6, 30))
        proposals = frame(path, "BadDebtReview")
        assert review.message == ("Bad-debt review at 2027-06-30: 3 write-offs proposed (3 bad "
                                  "debt); 0 accounts skipped.")
        assert proposals[["Document", "Reason Code", "Amount"]].values.tolist() == [
            ["INV-1", "bad debt", 582.5], ["INV-2", "bad debt", 900.0],
            ["INV-3", "bad debt", 300.0]]
        assert proposals["Why"][0] == "INV-1 is 272 days past due; no payment on record"
    finally:
        store.engine.dispose()
    bad = write_workbench(tmp_path / "Bad.xlsx", ITEMS, CUSTOMERS, ROWS,
                          settings=dict(tax_rates="default=lots"))
    code, out, err = cli("adjust", "validate", bad, "--db", f"sqlite:///{tmp_path / 'b.sqlite'}")
    assert code == 2 and "Settings: tax_rates default 'lots' is not a percentage" in err


def test_posted_adjustments_survive_a_refresh_until_the_erp_has_them(tmp_path, monkeypatch):
    """The ERP learns of a credit memo days later: until its export shows it, a refresh
    keeps what was posted in xlar; once it does, nothing is taken off twice."""
    import pandas as pd

    from xlar.demo_run import run_demo

    monkeypatch.delenv("XLAR_DB_URL", raising=False)
    demo = run_demo(tmp_path / "demo", items=300, customers=30, bank_statement=False)
    wb = demo.workbench
    export = pd.read_csv(demo.export, dtype=str, keep_default_na=False)
    money = export["Open Balance"].map(lambda v: int(round(float(v) * 100)))
    invoices = export[(export["Type"] == "Invoice") & (money > 20000) &
                      (export["Currency"] == "USD")]
    credit_row, rebill_row = invoices.iloc[0], invoices.iloc[1]
    credit_cents = int(round(float(credit_row["Open Balance"]) * 100))
    rebill_cents = int(round(float(rebill_row["Open Balance"]) * 100))

    run_on_file("post_adjustments", wb)            # adds the Adjustments sheet
    add_requests(wb, [dict(kind="credit memo", customer_id=credit_row["Customer ID"],
                           document=credit_row["Invoice"], amount="100.00",
                           reason_code="pricing"),
                      dict(kind="credit and rebill", customer_id=rebill_row["Customer ID"],
                           document=rebill_row["Invoice"],
                           amount=f"{(rebill_cents - 5000) / 100:.2f}", reason_code="pricing")])
    out = run_on_file("post_adjustments", wb, today=dt.date(2026, 11, 20))
    assert out.message.startswith("Adjustments: 2 posted."), out.details

    def open_items():
        f = frame(wb, "OpenItems")
        return {(c, d): round(float(v) * 100) for c, d, v in   # paid in full: not open
                zip(f["Customer ID"], f["Document"], f["Open Amount"], strict=True) if v}

    posted = open_items()
    credit_key = (credit_row["Customer ID"], credit_row["Invoice"])
    rebill_key = (rebill_row["Customer ID"], rebill_row["Invoice"])
    assert posted[credit_key] == credit_cents - 10000
    assert rebill_key not in posted                        # credited in full
    rebills = {k: v for k, v in posted.items() if k[1].startswith("INV-2026-")}
    assert list(rebills.values()) == [rebill_cents - 5000]
    (rebill_number,) = [k[1] for k in rebills]

    # the ERP has not booked them: a refresh from the same export keeps them
    run_on_file("refresh_aging", wb)
    assert open_items() == posted
    def last_decisions():
        log = frame(wb, "RunLog")
        start = log.index[log["Kind"] == "import"][-1]
        return [m for k, m in zip(log["Kind"][start:], log["Message"][start:], strict=True)
                if k == "decision" and "posted in xlar" in m]

    assert last_decisions() == [
        "2 credit memos (CM-2026-000001, CM-2026-000002) posted in xlar, not in the ERP "
        "export yet: applied to the aging",
        f"1 invoice ({rebill_number}) posted in xlar, not in the ERP export yet: applied to "
        "the aging"]

    # the ERP books the credit memo against the invoice, and the rebill under its number
    export.loc[credit_row.name, "Open Balance"] = f"{(credit_cents - 10000) / 100:.2f}"
    export = export.drop(index=rebill_row.name)
    extra = rebill_row.copy()
    extra["Invoice"] = rebill_number
    extra["Open Balance"] = f"{(rebill_cents - 5000) / 100:.2f}"
    export = pd.concat([export, extra.to_frame().T], ignore_index=True)
    export.to_csv(demo.export, index=False)
    run_on_file("refresh_aging", wb)
    assert open_items() == posted                          # nothing taken off twice
    assert last_decisions() == [
        "2 credit memos (CM-2026-000001, CM-2026-000002) posted in xlar, already in the ERP "
        "export",
        f"1 invoice ({rebill_number}) posted in xlar, already in the ERP export"]
