"""SAP FBL5N list exports: what a specialist sees after importing one.

Every figure below is worked out by hand from the fixture text in
tests/fixtures/sap (or from the workbook a test writes), never copied from
the reader's output.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from xlar.imports import dynamics_gp, file_head, read_open_items, sap
from xlar.imports.files import ReadError

D = pd.Timestamp


def by_document(result):
    return result.items.set_index("document")


def rejected(result) -> dict[int, str]:
    return dict(zip(result.rejections["line"], result.rejections["reason"], strict=True))


def checks(result) -> dict[int, tuple[int | None, int, bool]]:
    """Printed total line -> (printed cents, read cents, ok)."""
    return {c.line: (c.printed_cents, c.read_cents, c.ok) for c in result.control.checks}


# ---------------------------------------------------------------------------
# fbl5n_clean.txt: two customer blocks, header lines for the customer
# ---------------------------------------------------------------------------


def test_clean_list_items_amounts_and_types(fixtures):
    r = sap.read(fixtures / "sap" / "fbl5n_clean.txt")
    items = by_document(r)
    assert len(items) == 8 and r.rejections.empty
    # 1.234,56 / 12.500,00 / 300,00- / 45,90 / 150,00- / 1.000,00- / 2.000,00 / 99,99
    assert items["open_cents"].to_dict() == {
        "0090001001": 123456, "0090001002": 1250000, "0090001003": -30000,
        "1800000010": 4590, "1600000020": -15000, "1400000030": -100000,
        "0090001010": 200000, "0090001011": 9999,
    }
    # RV is an invoice when positive and a credit memo when negative.
    assert items["doc_type"].to_dict() == {
        "0090001001": "invoice", "0090001002": "invoice", "0090001003": "credit_memo",
        "1800000010": "invoice", "1600000020": "credit_memo", "1400000030": "payment",
        "0090001010": "invoice", "0090001011": "invoice",
    }
    assert (items["original_cents"] == items["open_cents"]).all()
    assert (items["currency"] == "EUR").all()


def test_clean_list_dates_customers_terms_references(fixtures):
    items = by_document(sap.read(fixtures / "sap" / "fbl5n_clean.txt"))
    first = items.loc["0090001001"]
    assert first["doc_date"] == D("2026-09-15") and first["due_date"] == D("2026-10-15")
    assert items.loc["1800000010", "due_date"] == D("2026-10-31")
    assert items.loc["0090001011", "doc_date"] == D("2026-10-03")
    # The customer comes from the "Customer" / "Name" lines above each block.
    assert first["customer_id"] == "100001" and first["customer_name"] == "Acme Industries Ltd"
    assert items.loc["0090001010", ["customer_id", "customer_name"]].tolist() == [
        "100002", "Beta Handels GmbH"]
    assert first["terms"] == "ZB01" and items.loc["0090001011", "terms"] == "0001"
    # Reference when there is one, else the item text.
    assert first["reference"] == "0090001001"
    assert items.loc["1600000020", "reference"] == "Damaged goods"
    assert first["source_line"] == 11 and items.loc["0090001011", "source_line"] == 30


def test_clean_list_every_line_accounted_and_totals_checked(fixtures):
    c = sap.read(fixtures / "sap" / "fbl5n_clean.txt").control
    assert c.lines_read == 35 and c.lines_accounted and c.ok
    assert c.skipped == {"title or header": 5, "customer header": 4, "blank": 5, "rule": 9,
                         "repeated header": 1, "subtotal": 2, "total": 1}
    # * 12.330,46 (customer 100001), * 2.099,99 (100002), ** 14.430,45
    assert {k.line: (k.printed_cents, k.ok) for k in c.checks} == {
        18: (1233046, True), 32: (209999, True), 34: (1443045, True)}
    assert [k.label for k in c.checks] == ["Subtotal customer 100001 (EUR)",
                                           "Subtotal customer 100002 (EUR)", "Grand total (EUR)"]
    assert c.totals_read == {"EUR": 1443045}


# ---------------------------------------------------------------------------
# fbl5n_de_cp1252.txt: German captions, Windows-1252, the awkward lines
# ---------------------------------------------------------------------------


def test_german_list_in_windows_1252(fixtures):
    r = sap.read(fixtures / "sap" / "fbl5n_de_cp1252.txt")
    items = by_document(r)
    assert len(items) == 6
    assert items.loc["0090002001", "customer_name"] == "Compañía Eléctrica S.A."
    assert items.loc["0090002010", "customer_name"] == "Café Noël SARL"
    assert items.loc["1600002001", "reference"] == "Gutschrift für Rücksendung"
    assert any("Windows-1252" in d for d in r.control.decisions)
    # Betrag in HW / HWähr: the local-currency amount, said so.
    assert any("local-currency" in d for d in r.control.decisions)
    assert items["open_cents"].to_dict() == {
        "0090002001": 500000, "1600002001": -125000, "1800002001": 32000,
        "1400002001": -200000, "0090002010": 88050, "0100002010": -8050}
    assert items["doc_type"].to_dict() == {
        "0090002001": "invoice", "1600002001": "credit_memo", "1800002001": "invoice",
        "1400002001": "payment", "0090002010": "invoice", "0100002010": "credit_memo"}


def test_german_list_rejects_broken_date_and_exact_repeat(fixtures):
    r = sap.read(fixtures / "sap" / "fbl5n_de_cp1252.txt")
    reasons = rejected(r)
    assert sorted(reasons) == [10, 13]
    assert "31.02.2026" in reasons[10] and "not a real date" in reasons[10]
    assert "repeats line 12" in reasons[13]
    assert r.control.rejected == 2 and r.control.accepted == 6
    # 750,00 (line 10) + 320,00 (line 13) are missing from the ledger.
    assert r.control.totals_rejected == {"EUR": 107000}
    assert r.control.totals_read == {"EUR": 287000}


def test_german_list_pipe_inside_text_and_terms_due_date(fixtures):
    items = by_document(sap.read(fixtures / "sap" / "fbl5n_de_cp1252.txt"))
    # "Zahlung | Teilbetrag": cut at the header's bar positions, not shifted.
    pay = items.loc["1400002001"]
    assert pay["reference"] == "Zahlung | Teilbetrag" and pay["open_cents"] == -200000
    assert pay["due_date"] == D("2026-09-20")
    # No Nettofälligkeit, terms 0002 (2 % 14 days, 30 days net): 15.09. + 30 days.
    assert items.loc["1800002001", "due_date"] == D("2026-10-15")
    # The customer column (Konto) is filled on every row.
    assert items.loc["0100002010", "customer_id"] == "200002"


def test_german_list_totals_include_what_the_list_showed(fixtures):
    c = sap.read(fixtures / "sap" / "fbl5n_de_cp1252.txt").control
    assert c.lines_read == 28 and c.lines_accounted
    assert c.skipped == {"title or header": 3, "customer header": 2, "blank": 3, "rule": 8,
                         "repeated header": 1, "subtotal": 2, "total": 1}
    # The ALV sums every line it shows, the bad-date and repeated ones too:
    # 5.000 + 750 - 1.250 + 320 + 320 - 2.000 = 3.140,00
    assert {k.line: (k.printed_cents, k.read_cents, k.ok) for k in c.checks} == {
        16: (314000, 314000, True), 26: (80000, 80000, True), 27: (394000, 394000, True)}


# ---------------------------------------------------------------------------
# fbl5n_bom_wrong_total.txt: BOM, two currencies, one wrong subtotal
# ---------------------------------------------------------------------------


def test_wrong_subtotal_is_reported_with_the_difference(fixtures):
    r = sap.read(fixtures / "sap" / "fbl5n_bom_wrong_total.txt")
    c = r.control
    assert c.lines_read == 17 and c.lines_accounted
    assert not c.totals_ok and not c.ok
    # Per currency: EUR 1.000 + 250; USD 2.000 - 500 (printed 1.520,00).
    assert checks(r) == {12: (125000, 125000, True), 13: (152000, 150000, False),
                         15: (125000, 125000, True), 16: (150000, 150000, True)}
    wrong = next(k for k in c.checks if not k.ok)
    assert wrong.currency == "USD" and wrong.read_cents - wrong.printed_cents == -2000
    text = wrong.describe()
    assert "DOES NOT MATCH" in text and "-$20.00" in text
    assert "DOES NOT MATCH" in c.summary()


def test_bom_list_two_currencies_document_currency_amounts(fixtures):
    r = sap.read(fixtures / "sap" / "fbl5n_bom_wrong_total.txt")
    items = by_document(r)
    # The BOM does not hide the first line: the customer line is read.
    assert (items["customer_id"] == "300001").all()
    assert (items["customer_name"] == "Gamma Trading").all()
    assert items["currency"].to_dict() == {"0090003001": "EUR", "0090003002": "USD",
                                           "1600003001": "USD", "0090003003": "EUR"}
    # Amount in DC, not Amt in loc.cur. (1.840,00 EUR for the USD invoice).
    assert items.loc["0090003002", "open_cents"] == 200000
    assert items.loc["1600003001", "open_cents"] == -50000
    assert r.control.totals_read == {"EUR": 125000, "USD": 150000}


# ---------------------------------------------------------------------------
# fbl5n_tabs_us.txt: "Text with Tabs", a US user's formats
# ---------------------------------------------------------------------------


def test_text_with_tabs_us_formats(fixtures):
    r = sap.read(fixtures / "sap" / "fbl5n_tabs_us.txt")
    items = by_document(r)
    # 09/15/2026 proves month first, whatever SAP's usual day-first.
    assert items.loc["0090004001", "doc_date"] == D("2026-09-15")
    assert items.loc["1800004001", "doc_date"] == D("2026-10-01")
    assert items.loc["1800004001", "due_date"] == D("2026-10-31")
    assert items["open_cents"].to_dict() == {"0090004001": 321000, "1400004001": -21000,
                                             "1800004001": 7525}
    assert items["customer_id"].to_dict() == {"0090004001": "400001", "1400004001": "400001",
                                              "1800004001": "400002"}
    c = r.control
    assert c.lines_read == 9 and c.lines_accounted and c.ok
    assert checks(r) == {6: (300000, 300000, True), 8: (7525, 7525, True),
                         9: (307525, 307525, True)}


# ---------------------------------------------------------------------------
# Spreadsheet export, written here
# ---------------------------------------------------------------------------

SEP_15 = (dt.date(2026, 9, 15) - dt.date(1899, 12, 30)).days  # Excel serial of 15.09.2026


def write_fbl5n_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "FBL5N"
    ws.append(["Customer Line Item Display"])
    ws.append(["Customer 500001 Delta Foods"])
    ws.append([])
    ws.append(["St", "Assignment", "DocumentNo", "Type", "Doc. Date", "Net due dt",
               "Amount in DC", "Curr.", "Text"])
    ws.append([None, "PO-1", "0090005001", "RV", dt.datetime(2026, 9, 1), "01.10.2026",
               1500.0, "EUR", "Ware"])
    ws.append([None, None, "0090005002", "RV", SEP_15, "15.10.2026", -200.5, "EUR",
               "Preisnachlass"])
    ws.append([None, None, "1400005001", "DZ", dt.datetime(2026, 10, 5), "05.10.2026",
               "1.000,00-", "EUR", "Zahlung"])
    ws.append(["*", None, None, None, None, None, 299.5, "EUR", None])
    wb.save(path)
    return path


def test_spreadsheet_export_dates_as_cells_serials_and_text(tmp_path):
    r = sap.read(write_fbl5n_xlsx(tmp_path / "fbl5n.xlsx"))
    items = by_document(r)
    assert items["doc_date"].to_dict() == {"0090005001": D("2026-09-01"),
                                           "0090005002": D("2026-09-15"),
                                           "1400005001": D("2026-10-05")}
    assert items["due_date"].to_dict() == {"0090005001": D("2026-10-01"),
                                           "0090005002": D("2026-10-15"),
                                           "1400005001": D("2026-10-05")}
    assert items["open_cents"].to_dict() == {"0090005001": 150000, "0090005002": -20050,
                                             "1400005001": -100000}
    assert items["doc_type"].tolist() == ["invoice", "credit_memo", "payment"]
    assert (items["customer_id"] == "500001").all()
    assert (items["source_sheet"] == "FBL5N").all()
    assert items.loc["0090005001", "source_line"] == 5
    c = r.control
    assert c.lines_read == 8 and c.lines_accounted and c.ok
    # 1.500,00 - 200,50 - 1.000,00 = 299,50
    assert checks(r) == {8: (29950, 29950, True)}


# ---------------------------------------------------------------------------
# Lines that cannot be read, and files that are not FBL5N lists
# ---------------------------------------------------------------------------


def test_line_whose_bars_do_not_fit_the_header_is_rejected(fixtures, tmp_path):
    lines = (fixtures / "sap" / "fbl5n_clean.txt").read_text().splitlines()
    # A '|' typed into the text of line 14 that also pushed the line out of shape.
    assert lines[13].endswith("|Freight charge      |")
    lines[13] = lines[13].replace("|Freight charge      |", "|Freight | charge |")
    path = tmp_path / "shifted.txt"
    path.write_text("\n".join(lines) + "\n")
    r = sap.read(path)
    reasons = rejected(r)
    assert list(reasons) == [14] and "'|'" in reasons[14]
    assert r.control.lines_accounted and r.control.accepted == 7


def test_line_without_bars_inside_the_table_is_rejected_not_skipped(fixtures, tmp_path):
    lines = (fixtures / "sap" / "fbl5n_clean.txt").read_text().splitlines()
    # An item of 777,00 pasted between two items of customer 100001 without its bars.
    assert lines[11].startswith("|  |  |4500012346        |0090001002|")
    lines.insert(12, "     4500099999        0090009999 RV  15.09.2026 15.10.2026 16"
                     "           777,00  EUR  ZB01")
    path = tmp_path / "nobars.txt"
    path.write_text("\n".join(lines) + "\n")
    r = sap.read(path)
    reasons = rejected(r)
    assert list(reasons) == [13] and "'|'" in reasons[13]
    assert "0090009999" in r.rejections.set_index("line").loc[13, "raw"]
    c = r.control
    # The 8 items of the clean list, the new line rejected, the rest as before.
    assert c.lines_read == 36 and c.lines_accounted and c.accepted == 8 and c.rejected == 1
    assert c.skipped["title or header"] == 5
    # The printed subtotal leaves the 777,00 out, and still names its customer.
    assert checks(r)[19] == (1233046, 1233046, True)
    assert [k.label for k in c.checks][0] == "Subtotal customer 100001 (EUR)"


def test_tab_list_line_without_tabs_inside_the_table_is_rejected(fixtures, tmp_path):
    lines = (fixtures / "sap" / "fbl5n_tabs_us.txt").read_text().splitlines()
    lines.insert(4, " 400001 0090004002 RV 09/16/2026 10/16/2026 50.00 USD")
    path = tmp_path / "notabs.txt"
    path.write_text("\n".join(lines) + "\n")
    r = sap.read(path)
    assert list(rejected(r)) == [5] and "tab" in rejected(r)[5]
    assert r.control.lines_accounted and r.control.accepted == 3
    # Title line 1 is still a title, not a rejection.
    assert r.control.skipped["title or header"] >= 1


def test_spreadsheet_row_in_one_cell_inside_the_table_is_rejected(tmp_path):
    path = write_fbl5n_xlsx(tmp_path / "fbl5n.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["FBL5N"]
    ws.insert_rows(6)
    ws.cell(6, 2, "0090005009 RV 01.09.2026 01.10.2026 777,00 EUR")
    wb.save(path)
    r = sap.read(path)
    assert list(rejected(r)) == [6] and "one cell" in rejected(r)[6]
    assert r.control.lines_accounted and r.control.accepted == 3
    assert r.control.skipped["title or header"] == 2  # the title line and the header


def test_user_type_codes_win_over_sap_defaults(fixtures):
    r = read_open_items(fixtures / "sap" / "fbl5n_clean.txt",
                        mapping={"doc_types": {"DR": "debit_memo"}})
    assert by_document(r).loc["1800000010", "doc_type"] == "debit_memo"


def test_file_without_fbl5n_header_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Customer Line Item Display\n\nno items selected\n")
    with pytest.raises(ReadError, match="FBL5N"):
        sap.read(path)


SAP_FILES = ["fbl5n_clean.txt", "fbl5n_de_cp1252.txt", "fbl5n_bom_wrong_total.txt",
             "fbl5n_tabs_us.txt"]
GP_FILES = ["hatb_clean.csv", "hatb_semicolon_cp1252.csv", "hatb_bom_tabs_wrong_total.txt"]


@pytest.mark.parametrize("name", SAP_FILES)
def test_sniff_and_auto_detection_take_fbl5n_lists(fixtures, name):
    path = fixtures / "sap" / name
    assert sap.sniff(file_head(path))
    assert not dynamics_gp.sniff(file_head(path))
    r = read_open_items(path)
    assert r.control.layout == "sap_fbl5n" and r.control.lines_accounted


def test_sniff_takes_the_spreadsheet_export(tmp_path):
    path = write_fbl5n_xlsx(tmp_path / "fbl5n.xlsx")
    assert sap.sniff(file_head(path))
    assert read_open_items(path).control.layout == "sap_fbl5n"


@pytest.mark.parametrize("name", GP_FILES)
def test_sniff_leaves_gp_reports_alone(fixtures, name):
    assert not sap.sniff(file_head(fixtures / "gp" / name))


def test_sniff_leaves_a_generic_list_alone(tmp_path):
    path = tmp_path / "open_items.csv"
    path.write_text("Customer,Document No,Type,Document Date,Due Date,Amount,Currency\n"
                    "C001,INV-1,Invoice,2026-10-01,2026-10-31,100.00,EUR\n")
    assert not sap.sniff(file_head(path))
