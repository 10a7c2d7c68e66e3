"""Generic one-item-per-row exports: CSV/TXT/XLSX, English and Spanish, messy files."""

import datetime as dt

import pytest
from openpyxl import Workbook

from xlar.imports import read_open_items
from xlar.imports.files import ReadError
from xlar.imports.mapping import MappingError

D = dt.date


def by_doc(result):
    return {r.document: r for r in result.items.itertuples()}


def test_english_export_with_derived_due_dates_and_a_total(fixtures):
    r = read_open_items(fixtures / "generic" / "en_clean.csv")
    items = by_doc(r)
    assert set(items) == {"INV-5001", "INV-5002", "CM-77", "INV-5003", "PMT-9", "INV-5004"}
    assert items["INV-5001"].open_cents == 150000
    assert items["CM-77"].open_cents == -12050 and items["CM-77"].doc_type == "credit_memo"
    assert items["PMT-9"].doc_type == "payment" and items["PMT-9"].open_cents == -30000
    # partially paid: original 2,000.00, open 750.25; disputed
    assert (items["INV-5003"].original_cents, items["INV-5003"].open_cents) == (200000, 75025)
    assert items["INV-5003"].disputed and not items["INV-5004"].disputed
    # due dates the export left blank, worked out from the terms:
    # 2/10 NET 30 from Oct 20 -> Nov 19; 15 MFI from Aug 31 -> Sep 15
    assert items["INV-5002"].due_date.date() == D(2026, 11, 19)
    assert items["INV-5004"].due_date.date() == D(2026, 9, 15)
    c = r.control
    assert c.ok and c.lines_accounted and (c.accepted, c.rejected) == (6, 0)
    assert [(chk.printed_cents, chk.read_cents) for chk in c.checks] == [(272974, 272974)]
    assert any("worked out from the payment terms" in d for d in c.decisions)
    assert any("customer_id <- 'Customer ID'" in d for d in c.decisions)


def test_spanish_windows_1252_export_rejects_bad_rows_and_keeps_the_rest(fixtures):
    r = read_open_items(fixtures / "generic" / "es_cp1252_semicolon.csv")
    items = by_doc(r)
    assert sorted(items) == ["F-2026-001", "F-2026-003", "F-2026-004", "NC-2026-010"]
    assert items["F-2026-001"].customer_name == "Ferretería López"
    assert items["F-2026-001"].open_cents == 123456 and items["F-2026-001"].currency == "EUR"
    assert items["NC-2026-010"].open_cents == -10000  # "100,00-", an Abono
    assert items["NC-2026-010"].doc_type == "credit_memo"
    assert items["F-2026-003"].due_date.date() == D(2026, 11, 4)  # 04.11.2026, day first
    assert items["F-2026-001"].sales_partner == "Nuñez"
    rej = {row.line: row.reason for row in r.rejections.itertuples()}
    assert set(rej) == {6, 11}
    assert "31.02.2026" in rej[6] and "not a real date" in rej[6]
    assert "repeats line 5" in rej[11]
    c = r.control
    # 12 lines: 4 title/header lines, 1 blank, 1 total, 6 data rows (4 + 2)
    assert c.lines_read == 12 and c.lines_accounted
    assert c.skipped["blank"] == 1 and c.skipped["total"] == 1
    # the printed total covers all six data rows, rejected ones included
    assert c.checks[0].printed_cents == 444422 and c.checks[0].ok
    assert c.totals_read == {"EUR": 270966} and c.totals_rejected == {"EUR": 173456}
    assert any("Windows-1252" in d for d in c.decisions)


def test_bom_tab_separated_with_excel_serials_and_accounting_negatives(fixtures):
    r = read_open_items(fixtures / "generic" / "bom_tab_serials.txt")
    items = by_doc(r)
    assert items["D100"].open_cents == -25000 and items["D100"].doc_type == "credit_memo"
    assert items["D101"].open_cents == 100000
    assert items["D100"].doc_date.date() == D(2026, 9, 1)   # serial 46266
    assert items["D100"].due_date.date() == D(2026, 10, 1)  # serial 46296
    # a formula-looking name is kept as text, exactly
    assert items["D102"].customer_name == '=HYPERLINK("http://evil","x")'
    assert r.rejections["line"].tolist() == [5]
    assert "no payment terms" in r.rejections["reason"].iloc[0]
    assert r.control.lines_accounted


def test_a_wrong_printed_total_is_reported(fixtures):
    r = read_open_items(fixtures / "generic" / "wrong_total.csv")
    (chk,) = r.control.checks
    assert (chk.printed_cents, chk.read_cents, chk.ok) == (35000, 30000, False)
    assert "DOES NOT MATCH" in chk.describe() and not r.control.ok
    assert "difference -$50.00" in chk.describe()


def test_quoted_line_breaks_keep_true_line_numbers(fixtures):
    r = read_open_items(fixtures / "generic" / "crlf_quoted_newline.csv")
    assert r.items["source_line"].tolist() == [2, 4]
    assert r.items["reference"].iloc[0] == "first line\nsecond line"
    assert r.control.lines_accounted and r.control.lines_read == 4


def test_a_row_shifted_by_an_unquoted_separator_is_rejected_not_misread(tmp_path):
    f = tmp_path / "shift.csv"
    f.write_text("Customer,Invoice,Due Date,Balance\nAcme, Inc,I-1,2026-10-01,100.00\n"
                 "Acme,I-2,2026-10-15,200.00\n")
    r = read_open_items(f)
    assert r.items["document"].tolist() == ["I-2"]
    assert "more fields than the 4 columns" in r.rejections["reason"].iloc[0]


def test_xlsx_with_title_merged_two_row_header_real_dates_and_total(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Aging"
    ws.append(["Open items - Contoso"])
    ws.append([])
    ws.append(["Customer", None, "Invoice", None, "Amounts", None])
    ws.append(["ID", "Name", "Number", "Due Date", "Amount", "Balance"])
    ws.merge_cells("A3:B3")
    ws.merge_cells("C3:D3")
    ws.merge_cells("E3:F3")
    ws.append(["K1", "Kappa", "N-1", dt.datetime(2026, 9, 30), 100.5, 100.5])
    ws.append(["K1", "Kappa", "N-2", "10/15/2026", 20, 5.25])
    ws.append(["K2", "Lambda", "N-3", dt.datetime(2026, 10, 1), 300, 300])
    ws.append([None, None, None, None, None, None])
    ws.append(["Total", None, None, None, None, 405.75])
    ws2 = wb.create_sheet("Notes")
    ws2.append(["nothing to see"])
    path = tmp_path / "aging.xlsx"
    wb.save(path)
    r = read_open_items(path)
    items = by_doc(r)
    assert set(items) == {"N-1", "N-2", "N-3"}
    assert items["N-1"].customer_id == "K1" and items["N-1"].customer_name == "Kappa"
    assert (items["N-2"].original_cents, items["N-2"].open_cents) == (2000, 525)
    assert items["N-1"].due_date.date() == D(2026, 9, 30)
    assert items["N-2"].due_date.date() == D(2026, 10, 15)
    assert items["N-1"].source_sheet == "Aging" and items["N-3"].source_line == 7
    assert r.control.ok and r.control.checks[0].printed_cents == 40575


def test_xls_excel_97_export_in_spanish(fixtures):
    """es_partidas.xls: an Excel 97-2003 file (made by LibreOffice from the rows in
    tests/fixtures/make_xls_fixture.py), Spanish headers, real and text dates, a credit, a total."""
    path = fixtures / "generic" / "es_partidas.xls"
    assert path.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # OLE2: a real .xls
    r = read_open_items(path)
    assert r.control.layout == "generic"
    items = by_doc(r)
    assert set(items) == {"F-101", "F-102", "NC-7", "F-103"}
    assert {d: i.open_cents for d, i in items.items()} == {
        "F-101": 123456, "F-102": 30025, "NC-7": -10000, "F-103": 200000}
    assert items["F-102"].original_cents == 80000
    assert items["NC-7"].doc_type == "credit_memo" and items["F-101"].doc_type == "invoice"
    assert items["F-101"].due_date.date() == D(2026, 10, 1)       # a date cell
    assert items["F-103"].due_date.date() == D(2026, 11, 4)       # text, day first
    assert items["F-103"].customer_name == "Café Andaluz"
    assert {i.currency for i in items.values()} == {"EUR"}
    assert items["F-101"].source_sheet == "Partidas" and items["F-103"].source_line == 7
    # F-104's due date 31.02.2026 does not exist: rejected, with its line
    assert r.rejections["line"].tolist() == [8] and "F-104" in r.rejections["raw"].iloc[0]
    assert "31.02.2026" in r.rejections["reason"].iloc[0]
    assert r.rejections["sheet"].iloc[0] == "Partidas"
    c = r.control
    assert c.lines_read == 10 and c.lines_accounted and (c.accepted, c.rejected) == (4, 1)
    # 1.234,56 + 300,25 - 100,00 + 2.000,00 = 3.434,81 accepted; the printed 3.509,91
    # also counts the rejected 75,10
    assert c.totals_read == {"EUR": 343481}
    assert c.ok and [(k.printed_cents, k.read_cents) for k in c.checks] == [(350991, 350991)]


def test_mapping_file_names_the_columns(tmp_path):
    f = tmp_path / "odd.csv"
    f.write_text("Debtor Ref|Bill|Payable By|Left\nX1|B-1|31/10/2026|1.000,00\n", encoding="utf-8")
    m = tmp_path / "map.toml"
    m.write_text('currency = "EUR"\ndecimal = ","\ndate_order = "DMY"\n[columns]\n'
                 'customer_id = "Debtor Ref"\ndocument = "Bill"\ndue_date = "Payable By"\n'
                 'open_amount = "Left"\n')
    r = read_open_items(f, mapping=m)
    assert r.items["open_cents"].tolist() == [100000] and r.items["currency"].tolist() == ["EUR"]
    assert any("used the mapping map.toml" in d for d in r.control.decisions)
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\ninvoice_no = "Bill"\n')
    with pytest.raises(MappingError, match="not a field"):
        read_open_items(f, mapping=bad)
    missing = tmp_path / "missing.toml"
    missing.write_text('[columns]\ndocument = "Factura"\nopen_amount = "Left"\n')
    with pytest.raises(ReadError, match="mapped columns"):
        read_open_items(f, mapping=missing)


def test_a_file_without_a_recognisable_header_says_what_to_do(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ReadError, match="--mapping"):
        read_open_items(f)


def test_a_large_file_that_turns_out_not_to_be_utf8_is_read_as_windows_1252(tmp_path):
    # The first 64 KB are plain ASCII; "Peña" in Windows-1252 comes near the end.
    rows = [f"C{i},Cust {i},I-{i},2026-10-01,{i}.50" for i in range(3000)]
    rows.append("C9,Pe\xf1a SA,I-9999,2026-10-01,7.00")
    data = ("Customer ID,Customer Name,Invoice,Due Date,Balance\n" + "\n".join(rows) + "\n")
    f = tmp_path / "big.csv"
    f.write_bytes(data.encode("cp1252"))
    assert len(data) > 65536
    r = read_open_items(f)
    assert r.control.accepted == 3001 and r.control.lines_accounted
    assert r.items.set_index("document").loc["I-9999", "customer_name"] == "Peña SA"
    assert any("Windows-1252" in d for d in r.control.decisions)
    assert r.items["source_line"].iloc[-1] == 3002


def test_a_large_file_with_blank_short_and_long_lines_keeps_every_line(tmp_path):
    rows = [f"C{i},I-{i},2026-10-01,{i + 1}.00" for i in range(5000)]
    rows[100] = ""                                  # blank line
    rows[200] = "C200,I-200,2026-10-01"             # a field short: no amount
    rows[300] = "C300,I-300,2026-10-01,300.00,oops"  # a field too many
    f = tmp_path / "big.csv"
    f.write_text("Customer,Invoice,Due Date,Balance\n" + "\n".join(rows) + "\nTotal,,,0\n")
    r = read_open_items(f)
    c = r.control
    assert c.lines_accounted and c.lines_read == 5002
    assert c.skipped["blank"] == 1 and c.skipped["total"] == 1
    rej = dict(zip(r.rejections["line"], r.rejections["reason"], strict=True))
    assert set(rej) == {202, 302}
    assert "amount is empty" in rej[202] and "more fields" in rej[302]
    # item 150 is file row 151 + header line, + the blank line above it
    assert r.items["source_line"].iloc[150] == 153
