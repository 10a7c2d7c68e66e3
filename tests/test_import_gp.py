"""Dynamics GP Historical Aged Trial Balance exports: what a specialist sees.

Every figure below is worked out by hand from the fixture text in
tests/fixtures/gp (or from the workbook or file a test writes), never
copied from the reader's output.  The reports are aged as of 10/31/2026.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from xlar.imports import dynamics_gp as gp
from xlar.imports import file_head, read_open_items, sap
from xlar.imports.files import ReadError

D = pd.Timestamp
CAPTIONS = ("Document Number,Type,Date,Due Date,Document Amount,Current Trx Amount,"
            "Current,31 - 60 Days,61 - 90 Days,91 and Over")


def by_document(result):
    return result.items.set_index("document")


def rejected(result) -> dict[int, str]:
    return dict(zip(result.rejections["line"], result.rejections["reason"], strict=True))


def checks(result) -> dict[int, tuple[int | None, int, bool]]:
    """Printed total line -> (printed cents, read cents, ok)."""
    return {c.line: (c.printed_cents, c.read_cents, c.ok) for c in result.control.checks}


# ---------------------------------------------------------------------------
# hatb_clean.csv: two customers under caption lines, all document types
# ---------------------------------------------------------------------------


def test_clean_report_amounts_and_types(fixtures):
    r = gp.read(fixtures / "gp" / "hatb_clean.csv")
    items = by_document(r)
    assert len(items) == 8 and r.rejections.empty
    assert items["open_cents"].to_dict() == {
        "STDINV2262": 411128, "STDINV2263": 75000, "DM10001": 20000, "FIN0005": 3550,
        "PYMNT0042": -50000, "STDINV2300": 234000, "RTN1001": -14000, "CR2001": -6000}
    # Document Amount: STDINV2263 was $1,500.00, $750.00 of it still open.
    assert items.loc["STDINV2263", "original_cents"] == 150000
    assert items["doc_type"].to_dict() == {
        "STDINV2262": "invoice", "STDINV2263": "invoice", "DM10001": "debit_memo",
        "FIN0005": "debit_memo", "PYMNT0042": "payment", "STDINV2300": "invoice",
        "RTN1001": "credit_memo", "CR2001": "credit_memo"}
    assert (items["currency"] == "USD").all()


def test_clean_report_customers_terms_and_dates(fixtures):
    items = by_document(gp.read(fixtures / "gp" / "hatb_clean.csv"))
    inv = items.loc["STDINV2262"]
    assert inv[["customer_id", "customer_name", "terms", "sales_partner"]].tolist() == [
        "AARONFIT0001", "Aaron Fitz Electrical", "Net 30", "GREG E."]
    assert items.loc["CR2001", ["customer_id", "customer_name", "terms"]].tolist() == [
        "BERTHOLD0001", "Berthold Bakery Supply", "Net 15"]
    assert inv["doc_date"] == D("2026-10-12") and inv["due_date"] == D("2026-11-11")
    assert items.loc["STDINV2300", "due_date"] == D("2026-11-09")
    # GP prints no due date on a credit: it counts from its document date.
    assert items.loc["PYMNT0042", "due_date"] == D("2026-10-20")
    assert items.loc["CR2001", "due_date"] == D("2026-09-01")
    assert inv["source_line"] == 12 and items.loc["CR2001", "source_line"] == 22


def test_clean_report_lines_accounted_and_totals_checked(fixtures):
    r = gp.read(fixtures / "gp" / "hatb_clean.csv")
    c = r.control
    assert c.lines_read == 25 and c.lines_accounted and c.ok
    assert c.skipped == {"title or header": 7, "blank": 4, "rule": 1, "customer header": 2,
                         "subtotal": 2, "total": 1}
    # 4,111.28 + 750 + 200 + 35.50 - 500 = 4,596.78; 2,340 - 140 - 60 = 2,140.00
    assert checks(r) == {17: (459678, 459678, True), 23: (214000, 214000, True),
                         25: (673678, 673678, True)}
    assert [k.label for k in c.checks] == ["Customer total AARONFIT0001",
                                           "Customer total BERTHOLD0001", "Grand total"]
    assert any("aging columns checked" in d for d in c.decisions)


# ---------------------------------------------------------------------------
# hatb_semicolon_cp1252.csv: ';', Windows-1252, labelled customer lines,
# a page break, and three bad documents
# ---------------------------------------------------------------------------


def test_semicolon_report_in_windows_1252(fixtures):
    r = gp.read(fixtures / "gp" / "hatb_semicolon_cp1252.csv")
    items = by_document(r)
    assert sorted(items.index) == ["FC-0091", "INV-7001", "INV-7003", "PMT-3301"]
    assert items.loc["INV-7001", "customer_name"] == "Café Noël Distribución"
    assert items.loc["PMT-3301", "customer_id"] == "PEÑAFIEL0001"
    assert items.loc["PMT-3301", "customer_name"] == "Bodegas Peñafiel S.L."
    # "Terms:" and "Salesperson ID:" come from the second customer line.
    assert items.loc["INV-7001", ["terms", "sales_partner"]].tolist() == ["Net 30", "MARÍA G."]
    assert items.loc["FC-0091", "terms"] == "Net 15"
    assert items["open_cents"].to_dict() == {"INV-7001": 98000, "INV-7003": 120000,
                                             "PMT-3301": -75000, "FC-0091": 1240}
    assert any("semicolon" in d for d in r.control.decisions)
    assert any("Windows-1252" in d for d in r.control.decisions)


def test_semicolon_report_rejections_say_what_is_wrong(fixtures):
    r = gp.read(fixtures / "gp" / "hatb_semicolon_cp1252.csv")
    reasons = rejected(r)
    assert sorted(reasons) == [9, 11, 20]
    assert "2/30/2026" in reasons[9] and "not a real date" in reasons[9]
    assert "repeats line 10" in reasons[11]
    # INV-7100: $2,000.00 + $400.00 in the aging columns against $2,500.00.
    assert "aging columns add up to $2,400.00" in reasons[20]
    assert "Current Trx Amount is $2,500.00" in reasons[20]
    c = r.control
    assert c.accepted == 4 and c.rejected == 3
    # $410.00 + $1,200.00 + $2,500.00 are not in the ledger.
    assert c.totals_rejected == {"USD": 411000}
    assert c.totals_read == {"USD": 144240}


def test_semicolon_report_page_break_and_totals(fixtures):
    r = gp.read(fixtures / "gp" / "hatb_semicolon_cp1252.csv")
    c = r.control
    assert c.lines_read == 24 and c.lines_accounted and c.totals_ok
    # The second page repeats two title lines and the captions (plus a rule).
    assert c.skipped == {"title or header": 6, "rule": 2, "blank": 1, "repeated header": 1,
                         "customer header": 4, "subtotal": 2, "total": 1}
    # GP's totals add up what it printed: 980 + 410 + 1,200 + 1,200 = 3,790.00;
    # 2,500 - 750 + 12.40 = 1,762.40
    assert checks(r) == {12: (379000, 379000, True), 23: (176240, 176240, True),
                         24: (555240, 555240, True)}


# ---------------------------------------------------------------------------
# hatb_bom_tabs_wrong_total.txt: BOM, tabs, a wrong customer total
# ---------------------------------------------------------------------------


def test_wrong_customer_total_is_reported_with_the_difference(fixtures):
    r = gp.read(fixtures / "gp" / "hatb_bom_tabs_wrong_total.txt")
    c = r.control
    assert c.lines_read == 9 and c.lines_accounted and not c.totals_ok
    # 600 + 320 + 45 = 965.00, printed 1,065.00
    assert checks(r) == {8: (106500, 96500, False), 9: (96500, 96500, True)}
    wrong = c.checks[0]
    assert wrong.read_cents - wrong.printed_cents == -10000
    assert "DOES NOT MATCH" in wrong.describe() and "-$100.00" in wrong.describe()


def test_bom_tab_report_terms_fill_a_missing_due_date(fixtures):
    items = by_document(gp.read(fixtures / "gp" / "hatb_bom_tabs_wrong_total.txt"))
    assert (items["customer_id"] == "GREENLEAF0001").all()
    # GL-501 has no due date: 10/1/2026 + Net 30.
    assert items.loc["GL-501", "due_date"] == D("2026-10-31")
    assert items.loc["GL-503", ["original_cents", "open_cents"]].tolist() == [9000, 4500]
    assert items.loc["GL-502", "doc_type"] == "invoice"  # SVC
    assert items.loc["GL-503", "doc_type"] == "invoice"  # WRN


# ---------------------------------------------------------------------------
# Excel export, written here: two-row captions with a merged "Aging Periods"
# ---------------------------------------------------------------------------

SEP_1 = (dt.date(2026, 9, 1) - dt.date(1899, 12, 30)).days  # Excel serial of 9/1/2026


def write_hatb_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "HATB"
    ws.append(["Fabrikam, Inc."])
    ws.append(["Historical Aged Trial Balance for Receivables Management"])
    ws.append([])
    ws.append(["Document", None, None, "Due", "Document", "Current Trx", "Aging Periods"])
    ws.merge_cells("A4:C4")
    ws.merge_cells("G4:J4")
    ws.append(["Number", "Type", "Date", "Date", "Amount", "Amount", "Current",
               "31 - 60 Days", "61 - 90 Days", "91 and Over"])
    ws.append(["Customer ID: HARBOR0001", None, "Name: Harbor Marine Supply", None,
               "Terms: Net 30"])
    ws.append(["HB-1", "SLS", dt.datetime(2026, 10, 2), dt.datetime(2026, 11, 1),
               1800.0, 1800.0, 1800.0, 0, 0, 0])
    ws.append(["HB-2", "DR", SEP_1, "10/1/2026", 250.0, 250.0, 250.0, 0, 0, 0])
    ws.append(["HB-3", "CR", "9/20/2026", None, "($125.00)", "($125.00)", 0, "($125.00)", 0, 0])
    ws.append([None, None, None, None, "Customer Total:", 1925.0, 2050.0, -125.0, 0, 0])
    ws.append([None, None, None, None, "Grand Totals:", 1925.0, 2050.0, -125.0, 0, 0])
    wb.save(path)
    return path


def test_workbook_with_merged_two_row_captions(tmp_path):
    r = gp.read(write_hatb_xlsx(tmp_path / "hatb.xlsx"))
    items = by_document(r)
    assert items["doc_date"].to_dict() == {"HB-1": D("2026-10-02"), "HB-2": D("2026-09-01"),
                                           "HB-3": D("2026-09-20")}
    assert items["due_date"].to_dict() == {"HB-1": D("2026-11-01"), "HB-2": D("2026-10-01"),
                                           "HB-3": D("2026-09-20")}
    assert items["open_cents"].to_dict() == {"HB-1": 180000, "HB-2": 25000, "HB-3": -12500}
    assert items["doc_type"].to_dict() == {"HB-1": "invoice", "HB-2": "debit_memo",
                                           "HB-3": "credit_memo"}
    assert items.loc["HB-1", ["customer_id", "customer_name", "terms"]].tolist() == [
        "HARBOR0001", "Harbor Marine Supply", "Net 30"]
    assert (items["source_sheet"] == "HATB").all()
    c = r.control
    assert c.lines_read == 11 and c.lines_accounted and c.ok
    # 1,800 + 250 - 125 = 1,925.00
    assert checks(r) == {10: (192500, 192500, True), 11: (192500, 192500, True)}
    # The aging columns were found under the merged caption, named by the lower row.
    assert any("Current, 31 - 60 Days, 61 - 90 Days, 91 and Over" in d for d in c.decisions)


# ---------------------------------------------------------------------------
# Smaller cases, written here
# ---------------------------------------------------------------------------


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_credit_printed_positive_with_negative_aging_is_accepted(tmp_path):
    path = write(tmp_path, "hatb.csv", [
        "HISTORICAL AGED TRIAL BALANCE FOR RECEIVABLES MANAGEMENT",
        "Customer ID,Name,Terms",
        CAPTIONS,
        "TOTALFIT0001,Total Fitness Inc,Net 30",
        "PMT-1,PMT,10/20/2026,,$300.00,$300.00,($300.00),$0.00,$0.00,$0.00",
        "INV-1,SLS,10/01/2026,10/31/2026,$500.00,$500.00,$500.00,$0.00,$0.00,$0.00",
        ",,,,Customer Total:,$200.00,$200.00,$0.00,$0.00,$0.00",
    ])
    r = gp.read(path)
    items = by_document(r)
    assert r.rejections.empty
    # Credits are stored negative whatever sign the report printed.
    assert items["open_cents"].to_dict() == {"PMT-1": -30000, "INV-1": 50000}
    # A customer called "Total Fitness" is a customer, not a total line.
    assert (items["customer_name"] == "Total Fitness Inc").all()
    assert r.control.skipped == {"title or header": 3, "customer header": 1, "subtotal": 1}
    assert r.control.lines_accounted


def test_aging_column_that_is_not_an_amount_is_rejected(tmp_path):
    path = write(tmp_path, "hatb.csv", [
        "HISTORICAL AGED TRIAL BALANCE FOR RECEIVABLES MANAGEMENT",
        CAPTIONS,
        "Customer ID:,ZETA0001,Name:,Zeta Tools",
        "INV-9,SLS,10/01/2026,10/31/2026,$80.00,$80.00,n/a,$0.00,$0.00,$0.00",
        "INV-10,SLS,10/02/2026,11/01/2026,$20.00,$20.00,$20.00,,,",
    ])
    r = gp.read(path)
    reasons = rejected(r)
    assert list(reasons) == [4]
    assert "aging" in reasons[4] and "'n/a'" in reasons[4]
    # Empty aging cells count as zero: INV-10 adds up.
    assert by_document(r).loc["INV-10", "open_cents"] == 2000
    assert r.control.lines_accounted


def test_document_before_any_customer_is_rejected_not_lost(tmp_path):
    path = write(tmp_path, "hatb.csv", [
        "HISTORICAL AGED TRIAL BALANCE FOR RECEIVABLES MANAGEMENT",
        CAPTIONS,
        "INV-1,SLS,10/01/2026,10/31/2026,$80.00,$80.00,$80.00,$0.00,$0.00,$0.00",
    ])
    r = gp.read(path)
    assert "customer is missing" in rejected(r)[3]
    assert r.control.lines_accounted


def test_file_without_gp_captions_is_refused(tmp_path):
    path = write(tmp_path, "notes.csv", ["HISTORICAL AGED TRIAL BALANCE", "nothing to report"])
    with pytest.raises(ReadError, match="GP document caption"):
        gp.read(path)


# ---------------------------------------------------------------------------
# Layout detection
# ---------------------------------------------------------------------------

GP_FILES = ["hatb_clean.csv", "hatb_semicolon_cp1252.csv", "hatb_bom_tabs_wrong_total.txt"]
SAP_FILES = ["fbl5n_clean.txt", "fbl5n_de_cp1252.txt", "fbl5n_bom_wrong_total.txt",
             "fbl5n_tabs_us.txt"]


@pytest.mark.parametrize("name", GP_FILES)
def test_sniff_and_auto_detection_take_gp_reports(fixtures, name):
    path = fixtures / "gp" / name
    assert gp.sniff(file_head(path))
    assert not sap.sniff(file_head(path))
    r = read_open_items(path)
    assert r.control.layout == "dynamics_gp" and r.control.lines_accounted


def test_auto_detection_takes_the_workbook(tmp_path):
    path = write_hatb_xlsx(tmp_path / "hatb.xlsx")
    assert gp.sniff(file_head(path))
    assert read_open_items(path).control.layout == "dynamics_gp"


@pytest.mark.parametrize("name", SAP_FILES)
def test_sniff_leaves_sap_lists_alone(fixtures, name):
    assert not gp.sniff(file_head(fixtures / "sap" / name))


@pytest.mark.parametrize("text", [
    # a one-item-per-row list, even with GP's column names
    "Customer Number,Document Number,Document Date,Due Date,Current Trx Amount\n"
    "AARONFIT0001,STDINV2262,10/12/2026,11/11/2026,4111.28\n",
    # other ERPs' aging reports
    "A/R Aging Detail\nType,Date,Num,Name,Due Date,Open Balance\n",
    "Aged Receivables Detail\nContact,Invoice Date,Due Date,Invoice Number,Total\n",
])
def test_sniff_leaves_other_files_alone(tmp_path, text):
    path = tmp_path / "other.csv"
    path.write_text(text)
    assert not gp.sniff(file_head(path))
