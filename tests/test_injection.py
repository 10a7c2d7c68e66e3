"""Formula injection (issue 10): outside text written by every writer stays text.

Customer names, remittance text, memo lines, references and notes that came
from outside are written as ``=HYPERLINK("http://evil","x")``, ``+cmd|' /C
calc'!A0``, ``-2+3``, ``@SUM(1,2)`` and ``=1+1`` through every writer xlar
has: the workbench refresh (Open Items, Aging by Customer, Customers,
Rejected Rows, Run Log), cash application (Cash Proposals, Unidentified
Receipts, Bank File Rejections, Receipts Posted, the ERP posting files), the
account sheets (Notes and the rest), the Adjustments sheets and their
documents and journal exports, the Letters sheet and the letters, and the
CSV/XLSX exports.  LibreOffice (the oracle) opens each workbook and shows,
for every sheet, that no cell holding that text is a formula and that its
value is the literal text; amounts that are legitimately negative still
arrive as numbers.  In CSV the text gets a leading quote (the OWASP rule: a
CSV cannot say "this is text").
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from xlar.actions import run_on_file
from xlar.exports import write_frame
from xlar.text import neutralise_csv_text

PAYLOADS = ('=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "=1+1")
HYPERLINK, CMD, MINUS, AT, EQUALS = PAYLOADS
QUOTED_HYPERLINK = HYPERLINK.replace('"', '""')  # as a CSV field holds it
#: What a formula made from one of them would contain.
MARKERS = ("HYPERLINK", "evil", "cmd", "2+3", "SUM(1", "1+1")
AS_OF = dt.date(2026, 10, 31)


# --------------------------------------------------------------------------- the oracle

def sheets_seen_by(office, path: Path) -> dict[str, tuple[list[list], list[list[str]]]]:
    """sheet -> (values, formula texts) as LibreOffice loads and recalculates *path*,
    every sheet in one load."""
    with office._workbook(path, "reading values and formulas of") as doc:
        doc.calculateAll()
        flag = office._uno.getConstantByName("com.sun.star.sheet.CellFlags.FORMULA")
        sheets = doc.getSheets()
        out = {}
        for i in range(sheets.getCount()):
            sheet = sheets.getByIndex(i)
            rng = office._used(sheet)
            values = office._values(sheet, rng)
            formulas = [["" for _ in row] for row in values]
            if rng is not None:
                text = rng.getFormulaArray()
                for r, c in office._cells(rng.queryContentCells(flag)):
                    formulas[r][c] = text[r][c]
            out[sheet.getName()] = (values, formulas)
        return out


def assert_outside_text_is_text(office, path: Path, expected: dict[str, tuple[str, ...]],
                                numbers: dict[str, str] | None = None) -> dict:
    """No formula anywhere in *path* is made of a payload; every cell whose value shows
    a payload holds text, not a formula; each sheet in *expected* has a cell whose
    value is exactly each payload named for it; and each (sheet, header) in *numbers*
    has a negative number under that header.  Returns what LibreOffice saw."""
    seen = sheets_seen_by(office, path)
    for sheet, (values, formulas) in seen.items():
        for r, row in enumerate(formulas):
            for c, f in enumerate(row):
                where = f"{path.name} {sheet}!R{r + 1}C{c + 1}"
                assert not any(m in f for m in MARKERS), f"{where}: {f}"
                v = values[r][c]
                if isinstance(v, str) and any(p in v for p in PAYLOADS):
                    assert f == "", f"{sheet}!R{r + 1}C{c + 1} is a formula: {f}"
    for sheet, payloads in expected.items():
        assert sheet in seen, f"{path.name} has no sheet {sheet!r}: {sorted(seen)}"
        cells = {v for row in seen[sheet][0] for v in row if isinstance(v, str)}
        missing = [p for p in payloads if p not in cells]
        assert not missing, f"{path.name} {sheet}: no cell holds {missing} literally"
    for sheet, header in (numbers or {}).items():
        values = seen[sheet][0]
        top = next(i for i, row in enumerate(values) if header in row)
        col = values[top].index(header)
        below = [row[col] for row in values[top + 1:] if col < len(row)]
        assert any(isinstance(v, float) and v < 0 for v in below), (sheet, header, below[:10])
    return seen


# --------------------------------------------------------------------------- the data

def write_export(path: Path) -> Path:
    """An ERP export whose outside text is hostile: names, references, PO numbers; a
    credit memo (a legitimately negative amount); two lines that are rejected with the
    payload in their raw text or reason."""
    rows = [
        ["C1", HYPERLINK, "INV-1001", "Invoice", "2026-08-01", "2026-08-31", "1500.00", "USD",
         CMD, MINUS],
        ["C1", HYPERLINK, "CM-77", "Credit Memo", "2026-09-01", "2026-09-01", "-120.50", "USD",
         AT, EQUALS],
        ["C2", CMD, "INV-1002", "Invoice", "2026-09-15", "2026-10-15", "800.00", "USD",
         HYPERLINK, "PO-9"],
        ["C3", MINUS, "INV-1003", "Invoice", "2026-07-01", "2026-07-31", "950.00", "USD",
         EQUALS, AT],
        ["C4", AT, "INV-1004", "Invoice", "2026-06-01", "2026-07-01", "400.00", "USD", "", ""],
        ["C5", EQUALS, "INV-1005", "Invoice", "2026-05-01", "2026-05-31", "250.00", "USD", "",
         ""],
        ["C6", "Plain Name Ltd", "INV-1006", "Invoice", "2026-10-01", "2026-10-31", "99.00",
         "USD", "", ""],
        # rejected: the payload in the document number (due date 02/31), and as currency
        ["C6", "Plain Name Ltd", EQUALS, "Invoice", "2026-10-01", "02/31/2026", "10.00", "USD",
         "", ""],
        ["C6", "Plain Name Ltd", "INV-1007", "Invoice", "2026-10-01", "2026-10-31", "10.00",
         AT, "", ""],
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Customer ID", "Customer Name", "Invoice", "Type", "Invoice Date",
                    "Due Date", "Open Balance", "Currency", "Reference", "PO Number",
                    "Sales Rep"])
        w.writerows(r + [CMD if r[0] in ("C2", "C3") else "Ann"] for r in rows)
    return path


def write_master(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Customer ID", "Customer Name", "Language", "Email", "Address",
                    "Credit Limit", "Currency", "Terms", "Sales Rep"])
        for cid, name, lang in (("C1", HYPERLINK, "en"), ("C2", CMD, "es"), ("C3", MINUS, "en"),
                                ("C4", AT, "en"), ("C5", EQUALS, "es"),
                                ("C6", "Plain Name Ltd", "en")):
            w.writerow([cid, name, lang, f"ap@{cid.lower()}.example", f"{name}\n1 Main St",
                        "5000.00", "USD", "NET 30", CMD if cid == "C2" else "Ann"])
    return path


def _entry(number: int, amount: str, payer: str, lines: tuple[str, ...], ref: str = "") -> str:
    from xml.sax.saxutils import escape

    ustrd = "".join(f"<Ustrd>{escape(x)}</Ustrd>" for x in lines)
    return f"""
      <Ntry>
        <NtryRef>{number}</NtryRef>
        <Amt Ccy="USD">{amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-10-30</Dt></BookgDt>
        <ValDt><Dt>2026-10-30</Dt></ValDt>
        <AcctSvcrRef>{escape(ref or f"BANKREF-{number}")}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>
        </BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>E2E-{number}</EndToEndId></Refs>
          <Amt Ccy="USD">{amount}</Amt>
          <CdtDbtInd>CRDT</CdtDbtInd>
          <RltdPties><Dbtr><Pty><Nm>{escape(payer)}</Nm></Pty></Dbtr></RltdPties>
          <RmtInf>{ustrd}</RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""


def camt_statement() -> str:
    """A day's camt.053 whose payer names and remittance lines are hostile: a payment
    of INV-1001 (proposed with confidence), one of INV-1002, one nobody can place
    (Unidentified Receipts), and an entry with an unreadable amount (Bank File
    Rejections)."""
    entries = [
        _entry(1, "1500.00", HYPERLINK, ("INV-1001", CMD)),
        _entry(2, "800.00", MINUS, ("Invoice INV-1002", MINUS)),
        _entry(3, "77.77", EQUALS, (AT,)),
        _entry(4, "12,3x", AT, (EQUALS,), ref=EQUALS),
    ]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>INJECTION-1</MsgId><CreDtTm>2026-10-31T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-2026-10-30</Id>
      <CreDtTm>2026-10-31T06:00:00</CreDtTm>
      <Acct><Id><Othr><Id>123456789</Id></Othr></Id><Ccy>USD</Ccy></Acct>{"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


@pytest.fixture
def workbench(tmp_path, monkeypatch):
    """The workbench refreshed from the hostile export and customer master."""
    monkeypatch.delenv("XLAR_DB_URL", raising=False)
    wb = tmp_path / "AR Workbench.xlsx"
    run_on_file("setup_workbench", wb, db_url=f"sqlite:///{tmp_path / 'store.sqlite'}",
                company_name="Harbor Supply", company_email="ar@harbor.example")
    # the export's own name is outside text too: it is shown in Source and File columns
    run_on_file("refresh_aging", wb, source=str(write_export(tmp_path / f"{EQUALS}.csv")),
                customers=str(write_master(tmp_path / "customers.csv")), as_of=AS_OF)
    return wb


# --------------------------------------------------------------------------- the writers

def test_the_refreshed_workbench_holds_outside_text_as_text(workbench, libreoffice):
    seen = assert_outside_text_is_text(libreoffice, workbench, {
        "Open Items": PAYLOADS,
        "Aging by Customer": PAYLOADS,
        "Customers": PAYLOADS,
        "Rejected Rows": (f"{EQUALS}.csv",),
        "Run Log": (),
    }, numbers={"Open Items": "Open Amount"})
    rejected = " ".join(v for row in seen["Rejected Rows"][0] for v in row if isinstance(v, str))
    assert EQUALS in rejected and AT in rejected, rejected
    texts = [v for values, _ in seen.values() for row in values for v in row
             if isinstance(v, str)]
    assert any(v.startswith(f"{EQUALS}.csv:") for v in texts)  # Open Items' Source column
    assert any(EQUALS in v for v in (x for row in seen["Run Log"][0] for x in row
                                     if isinstance(x, str)))


def test_the_oracle_sees_a_formula_when_there_is_one(tmp_path, libreoffice):
    """The check above is not vacuous: a payload written as a formula is caught."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Open Items"
    book.active["A1"] = "Customer Name"
    book.active["A2"] = EQUALS  # openpyxl stores a text starting with '=' as a formula
    book.save(tmp_path / "bad.xlsx")
    with pytest.raises(AssertionError, match="1\\+1"):
        assert_outside_text_is_text(libreoffice, tmp_path / "bad.xlsx", {"Open Items": ()})


def test_the_excel_bridge_gives_outside_text_the_quote_prefix():
    """In Excel (xlwings), Range.Value = "'=1+1" stores the text =1+1; numbers stay numbers."""
    from xlar.excel import _cell_for_excel
    from xlar.workbench.plan import Formula

    assert [_cell_for_excel(p) for p in PAYLOADS] == ["'" + p for p in PAYLOADS]
    assert _cell_for_excel(-120.5) == -120.5 and _cell_for_excel("Acme") == "Acme"
    assert _cell_for_excel(Formula("=SUM(A1:A2)")) == "=SUM(A1:A2)"


def write_advice(path: Path) -> Path:
    """A customer's remittance advice: the payer's name, the payment reference and the
    reason for a deduction are hostile; one line cannot be read (its amount), and it
    starts with a payload, so the rejection's raw text does too."""
    path.write_text(
        "Remittance Advice\n"
        "Payer,Customer No,Payment Ref,Payment Date,Method,Invoice,Type,Amount Paid,Discount,"
        "Deduction,Reason\n"
        f'"{CMD}",C3,"{AT}",10/29/2026,ACH,INV-1003,Invoice,900.00,,50.00,"{QUOTED_HYPERLINK}"\n'
        f'"{EQUALS}",C4,PAY-2,10/29/2026,ACH,INV-1004,Invoice,abc,,,\n', encoding="utf-8")
    return path


def set_cells(path: Path, sheet: str, first_header: str, match: tuple[str, object],
              values: dict[str, object]) -> None:
    """Type *values* into the row of a table whose *match* column holds *match* value, as
    a specialist does in Excel (text typed as text, even when it starts with '=')."""
    book = load_workbook(path)
    ws = book[sheet]
    top = next(r for r in range(1, 10) if ws.cell(r, 1).value == first_header)
    header = [c.value for c in ws[top]]
    for r in range(top + 1, ws.max_row + 1):
        if ws.cell(r, header.index(match[0]) + 1).value == match[1]:
            for h, v in values.items():
                _type(ws.cell(r, header.index(h) + 1), v)
    book.save(path)


def _type(cell, value) -> None:
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def append_table_rows(path: Path, sheet: str, table: str, rows: list[dict]) -> None:
    """Type rows at the foot of a table (the blank row of an empty table first)."""
    from openpyxl.utils.cell import range_boundaries

    book = load_workbook(path)
    ws = book[sheet]
    t = ws.tables[table]
    c0, r0, c1, r1 = range_boundaries(t.ref)
    header = [ws.cell(r0, c).value for c in range(c0, c1 + 1)]
    empty = all(ws.cell(r0 + 1, c).value in (None, "") for c in range(c0, c1 + 1))
    start = r0 + 1 if empty else r1 + 1
    for i, row in enumerate(rows):
        for h, v in row.items():
            _type(ws.cell(start + i, c0 + header.index(h)), v)
    end = max(r1, start + len(rows) - 1)
    t.ref = f"{ws.cell(r0, c0).coordinate}:{ws.cell(end, c1).coordinate}"
    if t.autoFilter is not None:
        t.autoFilter.ref = t.ref
    book.save(path)


def test_cash_application_sheets_and_posting_files_hold_outside_text_as_text(
        workbench, tmp_path, libreoffice):
    statement = tmp_path / "statement.xml"
    statement.write_text(camt_statement(), encoding="utf-8")
    out = run_on_file("import_bank_file", workbench, file=str(statement))
    assert "3 receipts" in out.message and "1 lines rejected" in out.message
    assert_outside_text_is_text(libreoffice, workbench, {
        "Cash Proposals": (HYPERLINK, MINUS, EQUALS),
        "Unidentified Receipts": (EQUALS, AT),
        "Bank File Rejections": (),
    })
    assert run_on_file("post_payments", workbench).message.startswith("Posted 2 payments")

    # A remittance advice: the deduction's reason travels to the ERP's posting file.
    out = run_on_file("import_bank_file", workbench,
                      file=str(write_advice(tmp_path / "advice.csv")))
    assert "1 lines rejected" in out.message, out.message
    seen = assert_outside_text_is_text(libreoffice, workbench, {
        "Cash Proposals": (CMD, HYPERLINK),
        "Bank File Rejections": (),
        "Receipts Posted": (HYPERLINK, MINUS),
    })
    raw = [v for row in seen["Bank File Rejections"][0] for v in row
           if isinstance(v, str) and v.startswith(EQUALS)]
    assert raw, "the rejected line's raw text starts with the payload"
    set_cells(workbench, "Cash Proposals", "Approve", ("Document", "INV-1003"),
              {"Approve": "Yes"})
    assert run_on_file("post_payments", workbench).message.startswith("Posted 1 payments")
    assert_outside_text_is_text(libreoffice, workbench,
                                {"Receipts Posted": (HYPERLINK, MINUS, CMD)})

    postings = sorted((workbench.parent / "xlar postings").glob("*.csv"),
                      key=lambda p: p.stat().st_mtime)
    with postings[-1].open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["Deduction Reason"] for r in rows if r["Document"] == "INV-1003"] == \
        ["'" + HYPERLINK]
    assert_outside_text_is_text(libreoffice, postings[-1].with_suffix(".xlsx"),
                                {"Sheet": (HYPERLINK,)})


def test_card_payments_typed_with_outside_text_stay_text(workbench, libreoffice):
    run_on_file("match_card_payments", workbench)  # lays out the Card Payments sheet
    append_table_rows(workbench, "Card Payments", "CardPayments", [
        {"Date": dt.datetime(2026, 10, 30), "Customer ID": "C5", "Invoices": "INV-1005",
         "Amount": 250.0, "Currency": "USD", "Authorisation Code": "A1B2C3",
         "Card Last Four": "4242", "Taken By": EQUALS, "Note": HYPERLINK}])
    out = run_on_file("match_card_payments", workbench)
    assert "1 receipts" in out.message, out.message
    assert_outside_text_is_text(libreoffice, workbench, {"Card Payments": (EQUALS, HYPERLINK),
                                                         "Cash Proposals": ()})


def test_account_sheets_keep_typed_notes_as_text_through_the_store(workbench, libreoffice):
    """Notes, disputes, promises and exceptions typed with hostile text are saved to the
    activity store, and the refresh writes them back (and into the Worklist and Open
    Items columns fed by them) as text."""
    day = dt.datetime(2026, 10, 30)
    append_table_rows(workbench, "Notes", "Notes", [
        {"Customer ID": "C1", "Date": day, "Note": HYPERLINK, "Outcome": CMD, "Contact": AT,
         "Next Action": EQUALS, "Next Action Date": dt.datetime(2026, 11, 6)}])
    append_table_rows(workbench, "Disputes", "Disputes", [
        {"Customer ID": "C2", "Document": "INV-1002", "Reason Code": "pricing", "Amount": 100.0,
         "Currency": "USD", "Owner": CMD, "Opened On": day, "Note": MINUS}])
    append_table_rows(workbench, "Promises", "Promises", [
        {"Customer ID": "C3", "Promised On": day, "Pay By": dt.datetime(2026, 11, 20),
         "Amount": 950.0, "Currency": "USD", "Contact": EQUALS, "Note": AT}])
    append_table_rows(workbench, "Exceptions", "Exceptions", [
        {"Customer ID": "C4", "Reason": HYPERLINK, "Until": dt.datetime(2027, 1, 31),
         "Approved By": MINUS}])
    out = run_on_file("save_to_store", workbench)
    assert "4 new" in out.message and "NOT saved" not in out.message, out.message
    run_on_file("refresh_aging", workbench)
    assert_outside_text_is_text(libreoffice, workbench, {
        "Notes": (HYPERLINK, CMD, AT, EQUALS),
        "Disputes": (CMD, MINUS),
        "Promises": (EQUALS, AT),
        "Exceptions": (HYPERLINK, MINUS),
        "Worklist": (EQUALS,),
        "Open Items": PAYLOADS,
    }, numbers={"Open Items": "Open Amount"})
    # The past-due report for management lists the accounts with their last note.
    out = run_on_file("management_report", workbench, pdf=False)
    (report,) = (workbench.parent / "reports").glob("*.xlsx")
    seen = assert_outside_text_is_text(libreoffice, report, {})
    texts = [v for values, _ in seen.values() for row in values for v in row
             if isinstance(v, str)]
    for p in (HYPERLINK, MINUS, AT):  # "Name (ID)", text that starts with the payload
        assert f"{p} (" in " ".join(texts) and any(t.startswith(p) for t in texts), p
    assert CMD in texts, texts  # a sales partner
    assert f"{EQUALS} (2026-11-06)" in texts and f"2026-10-30: {HYPERLINK}" in texts  # C1's note


def test_adjustment_sheets_documents_and_journal_exports_keep_outside_text(
        tmp_path, libreoffice):
    from support.adjustments import item, write_workbench

    from xlar.adjustments.journal import export_journal
    from xlar.adjustments.policy import policy_from_settings
    from xlar.adjustments.sheets import _settings
    from xlar.store.adjustments import AdjustmentBook
    from xlar.store.api import open_store
    from xlar.workbench.port import XlsxPort

    day = dt.date(2026, 10, 15)
    items = [item("C1", "INV-1", amount=1082.50, open_=582.50, customer_name=HYPERLINK),
             item("C2", "INV-2", amount=300, customer_name=CMD),
             item(AT, "INV-3", amount=300, customer_name=MINUS)]
    customers = [dict(customer_id="C1", customer_name=HYPERLINK, terms="NET 30"),
                 dict(customer_id="C2", customer_name=CMD, terms="NET 30"),
                 dict(customer_id=AT, customer_name=MINUS, terms="NET 15")]
    rows = [dict(kind="Credit and rebill", customer_id="C1", document="INV-1", amount=500,
                 reason_code="pricing", note=EQUALS, po_number=CMD, bill_to=HYPERLINK),
            dict(kind="write-off", customer_id="C2", document="INV-2", reason_code="bad debt",
                 note=MINUS),
            dict(kind="invoice", customer_id=AT, lines="2 x Widget @ 10.00", note=AT)]
    path = write_workbench(tmp_path / "AR Workbench.xlsx", items, customers, rows,
                           {"authority_limits": "ana=100000"})
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}", user="ana")
    try:
        out = run_on_file("post_adjustments", path, store=store, today=day)
        assert "3 posted" in out.message, out.message
        assert_outside_text_is_text(libreoffice, path, {
            "Adjustments": (EQUALS, CMD, HYPERLINK, MINUS, AT),
            "Open Items": (HYPERLINK, CMD, MINUS, AT),
            "Journal": (AT,),
        }, numbers={"Open Items": "Open Amount"})

        # The documents: the names and texts are words on the page, not fields.
        docs = sorted((tmp_path / "AR Workbench documents").glob("*.docx"))
        assert len(docs) == 3  # the credit memo, the rebill, the invoice (no write-off form)
        text = "".join(docx_text(d) for d in docs)
        for p in (HYPERLINK, MINUS, CMD):
            assert p in text
        assert not any(docx_has_field(d) for d in docs)

        journal = AdjustmentBook(store).journal(None, None)
        policy = policy_from_settings(_settings(XlsxPort(path)))
        for fmt in ("generic", "gp", "sap"):
            out_csv = export_journal(journal, policy, fmt, tmp_path / f"journal-{fmt}.csv")
            cells = [c for row in csv.reader(out_csv.open(encoding="utf-8-sig", newline=""))
                     for c in row]
            assert not [c for c in cells if c[:1] in ("=", "+", "@") or
                        (c[:1] == "-" and not c[1:2].isdigit())], (fmt, cells)
            if fmt != "gp":  # GP's file names accounts, not customers
                assert "'" + AT in cells, (fmt, cells)
        xlsx = export_journal(journal, policy, "generic", tmp_path / "journal.xlsx")
        assert_outside_text_is_text(libreoffice, xlsx, {"Sheet": (AT,)})
    finally:
        store.engine.dispose()


def docx_text(path: Path) -> str:
    from docx import Document

    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def docx_has_field(path: Path) -> bool:
    """True when the document holds a field (HYPERLINK, DDE, formula) or a link made of a
    payload: the names and memo texts must be plain runs of text."""
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            data = z.read(name)
            if name.endswith(".rels") and b"evil" in data:  # a hyperlink's target
                return True
            if not name.endswith(".xml"):
                continue
            root = etree.fromstring(data)
            instructions = [e.text or "" for e in root.iter(f"{w}instrText")]
            instructions += [e.get(f"{w}instr") or "" for e in root.iter(f"{w}fldSimple")]
            if any(m in i for i in instructions for m in MARKERS):
                return True
    return False


def test_letters_sheet_letters_and_partner_lists_keep_outside_text(workbench, libreoffice):
    out = run_on_file("preview_letters", workbench)
    assert out.message.startswith("Letter preview at 2026-10-31: 5 letters"), out.message
    assert_outside_text_is_text(libreoffice, workbench, {"Letters": (HYPERLINK, CMD, MINUS, AT,
                                                                     EQUALS)})
    set_cells(workbench, "Letters", "Include", ("Customer ID", "C1"), {"Special Text": EQUALS})
    out = run_on_file("produce_letters", workbench)
    assert out.message.startswith("5 letters made"), out.message
    batch = next((workbench.parent / "Letters").iterdir())
    letters = sorted((batch / "docx").glob("*.docx"))
    assert len(letters) == 5
    text = "".join(docx_text(d) for d in letters)
    for p in PAYLOADS:
        assert p in text, p
    assert not any(docx_has_field(d) for d in letters)
    # the sales partner's past-due list, a workbook named after the partner
    (partner,) = [p for p in (batch / "partners").glob("*.xlsx") if "cmd" in p.name]
    assert partner.parent == batch / "partners"
    seen = sheets_seen_by(libreoffice, partner)
    for _values, formulas in seen.values():
        assert not any(m in f for row in formulas for f in row for m in MARKERS)
    shown = {v for values, _ in seen.values() for row in values for v in row}
    assert {CMD, MINUS} <= shown, shown


def test_exports_quote_outside_text_in_csv_and_keep_it_text_in_xlsx(tmp_path, libreoffice):
    frame = pd.DataFrame({
        "Customer": list(PAYLOADS) + ["Plain"],
        "Memo": ["\tTAB", "\rCR", "ok", "-12.50", "+1", "@x"],
        "Amount": [-120.5, 1500.0, -0.01, 3.0, 0.0, -2.0],
        "Count": [-3, 1, 2, 3, 4, 5],
    })
    csv_path = write_frame(frame, tmp_path / "out.csv")
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["Customer"] for r in rows] == ["'" + p for p in PAYLOADS] + ["Plain"]
    # a lone CR stays inside its quoted value (unquoted, it would start a new row);
    # a number written as text is left alone: no spreadsheet makes a formula of it
    assert [r["Memo"] for r in rows] == ["'\tTAB", "'\rCR", "ok", "-12.50", "+1", "'@x"]
    assert [r["Amount"] for r in rows][:3] == ["-120.5", "1500.0", "-0.01"]
    assert rows[0]["Count"] == "-3"
    assert all(neutralise_csv_text(neutralise_csv_text(p)) == "'" + p for p in PAYLOADS)
    # LibreOffice opening the CSV: the quoted texts are text, the amounts numbers
    seen = sheets_seen_by(libreoffice, csv_path)
    (values, formulas), = seen.values()
    assert all(f == "" for row in formulas for f in row)
    assert values[1][2] == -120.5 and values[1][3] == -3

    xlsx_path = write_frame(frame, tmp_path / "out.xlsx")
    seen = assert_outside_text_is_text(libreoffice, xlsx_path, {"Sheet": PAYLOADS},
                                       numbers={"Sheet": "Amount"})
    assert seen["Sheet"][0][1][2] == -120.5
