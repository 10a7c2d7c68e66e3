"""Xero Aged Receivables Detail: what a specialist sees after importing each export.

Every expected figure is worked out by hand from the fixture's rows (see the
comments in tests/fixtures/make_report_fixtures.py), never copied from a run.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlar import imports
from xlar.imports import file_head, quickbooks, xero
from xlar.imports.files import ReadError

D = dt.date
HEADER = ["Invoice Date", "Invoice Number", "Invoice Reference", "Due Date", "Current",
          "< 1 Month", "1 Month", "2 Months", "3 Months", "Older", "Total"]


def by_document(result) -> dict[str, dict]:
    return {row["document"]: row for row in result.items.to_dict("records")}


def day(value) -> dt.date:
    return value.date()


def checks(result) -> list[tuple[str, int | None, int, bool]]:
    return [(c.label, c.printed_cents, c.read_cents, c.ok) for c in result.control.checks]


def summary(result) -> dict[str, tuple]:
    """document -> customer, type, open cents, document date, due date."""
    return {doc: (row["customer_name"], row["doc_type"], row["open_cents"], day(row["doc_date"]),
                  day(row["due_date"]))
            for doc, row in by_document(result).items()}


@pytest.fixture
def xr(fixtures):
    return fixtures / "xero"


@pytest.fixture
def read_auto(monkeypatch):
    """read_open_items with auto-detection over the layouts whose readers are in this checkout.

    Readers of other layouts are written in parallel; one not on disk yet
    would fail to import, which says nothing about this reader.
    """
    present = {name: module for name, module in imports.LAYOUTS.items()
               if importlib.util.find_spec(f"xlar.imports.{module}") is not None}
    monkeypatch.setattr(imports, "LAYOUTS", present)
    return imports.read_open_items


def write_csv(path, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


# -- the clean Excel export -----------------------------------------------------------


def test_excel_export_reads_each_contacts_invoices_and_credit_notes(xr):
    r = xero.read(xr / "xero_aged_receivables.xlsx")
    assert r.rejections.empty
    assert summary(r) == {
        "INV-0041": ("Bayside Club", "invoice", 125000, D(2026, 10, 10), D(2026, 11, 9)),
        # A credit note is negative and, having no due date, counts from its own date.
        "CN-0003": ("Bayside Club", "credit_memo", -15000, D(2026, 9, 28), D(2026, 9, 28)),
        "INV-0032": ("Marine Systems", "invoice", 220000, D(2026, 8, 1), D(2026, 8, 31)),
        "INV-0019": ("Marine Systems", "invoice", 47525, D(2026, 5, 15), D(2026, 6, 14)),
    }
    assert by_document(r)["INV-0019"]["reference"] == "Spring order"
    assert list(r.items["source_line"]) == [8, 9, 13, 14]
    assert r.control.totals_read == {"USD": 377525}


def test_excel_export_checks_each_contact_total_and_the_report_total(xr):
    r = xero.read(xr / "xero_aged_receivables.xlsx")
    assert checks(r) == [
        ("Total Bayside Club", 110000, 110000, True),
        ("Total Marine Systems", 267525, 267525, True),
        ("Total", 377525, 377525, True),
    ]
    c = r.control
    assert c.lines_accounted and c.ok and c.lines_read == 18
    assert c.skipped == {"title or header": 6, "section header": 2, "subtotal": 2, "total": 1,
                         "blank": 2, "percentage row": 1}
    assert any("as of 2026-10-31" in d for d in c.decisions)
    assert any("checked against its Total" in d for d in c.decisions)


# -- text exports -------------------------------------------------------------------------


def test_bom_csv_with_day_buckets_and_month_name_dates(xr):
    r = xero.read(xr / "xero_days_bom.csv")
    assert r.rejections.empty
    assert summary(r) == {
        "INV-0101": ("Ridgeway University", "invoice", 240000, D(2026, 10, 12), D(2026, 11, 11)),
        "INV-0093": ("Ridgeway University", "invoice", 99000, D(2026, 9, 15), D(2026, 10, 15)),
        "CN-0007": ("Ridgeway University", "credit_memo", -9000, D(2026, 10, 20),
                    D(2026, 10, 20)),
        "INV-0050": ("City Limousines", "invoice", 112540, D(2026, 6, 1), D(2026, 7, 1)),
    }
    assert checks(r) == [
        ("Total Ridgeway University", 330000, 330000, True),
        ("Total City Limousines", 112540, 112540, True),
        ("Total", 442540, 442540, True),
    ]
    assert r.control.skipped["percentage row"] == 1
    assert r.control.lines_accounted and r.control.lines_read == 16
    assert any("'Over 90 days'" in d for d in r.control.decisions)


def test_windows_1252_contact_names_keep_their_accents(xr):
    r = xero.read(xr / "xero_cp1252.csv")
    assert summary(r) == {
        "INV-0201": ("Muñoz & Peña Ltda", "invoice", 30000, D(2026, 10, 5), D(2026, 11, 4)),
        "INV-0188": ("Crème Brûlée Café", "invoice", 8000, D(2026, 9, 20), D(2026, 10, 20)),
    }
    assert [c.label for c in r.control.checks] == [
        "Total Muñoz & Peña Ltda", "Total Crème Brûlée Café", "Total"]
    assert r.control.ok and r.control.lines_read == 13
    assert any("Windows-1252" in d for d in r.control.decisions)


def test_semicolons_and_decimal_commas(xr):
    r = xero.read(xr / "xero_semicolon.csv")
    assert summary(r) == {
        "INV-0301": ("Zagreb Hotels", "invoice", 123456, D(2026, 10, 10), D(2026, 11, 9)),
        "INV-0270": ("Zagreb Hotels", "invoice", 200000, D(2026, 8, 1), D(2026, 8, 31)),
        "CN-0012": ("Zagreb Hotels", "credit_memo", -23456, D(2026, 10, 25), D(2026, 10, 25)),
    }
    assert checks(r) == [("Total Zagreb Hotels", 300000, 300000, True),
                         ("Total", 300000, 300000, True)]
    assert r.control.lines_accounted and r.control.lines_read == 12


# -- the nasty workbook -----------------------------------------------------------------


def test_nasty_workbook_reads_serial_and_text_dates_under_a_two_row_header(xr):
    r = xero.read(xr / "xero_nasty.xlsx")
    assert summary(r) == {
        # Dates stored as bare serial numbers.
        "INV-0401": ("Pacific Fisheries", "invoice", 50000, D(2026, 10, 5), D(2026, 11, 4)),
        # Dates typed as text: ISO, and Xero's "10 Oct 2026".
        "INV-0388": ("Pacific Fisheries", "invoice", 64000, D(2026, 9, 10), D(2026, 10, 10)),
    }
    assert any("lines 5-6" in d and "'Due Date'" in d for d in r.control.decisions)


def test_nasty_workbook_rejects_what_does_not_add_up_with_the_reason(xr):
    r = xero.read(xr / "xero_nasty.xlsx")
    rej = r.rejections.set_index("line")
    assert list(rej.index) == [10, 11, 12]
    assert set(rej["sheet"]) == {"Aged Receivables Detail"}
    # The aging columns say 300.00 + 50.00; the Total says 400.00.
    assert "add up to 350.00" in rej.loc[10, "reason"]
    assert "Total column says 400.00" in rej.loc[10, "reason"]
    assert "INV-0380" in rej.loc[10, "raw"] and "Nets" in rej.loc[10, "raw"]
    assert "2026-02-30" in rej.loc[11, "reason"] and "document date" in rej.loc[11, "reason"]
    assert "repeats line 8" in rej.loc[12, "reason"]
    c = r.control
    assert c.lines_accounted and c.lines_read == 14
    assert c.skipped == {"title or header": 6, "section header": 1, "subtotal": 1, "total": 1}
    # The file's totals count every row it prints, the rejected ones too.
    assert checks(r) == [("Total Pacific Fisheries", 216000, 216000, True),
                         ("Total", 216000, 216000, True)]
    assert c.totals_read == {"USD": 114000}
    assert c.totals_rejected == {"USD": 102000}


def test_a_wrong_contact_total_is_reported_with_its_difference(xr):
    r = xero.read(xr / "xero_wrong_total.csv")
    assert sorted(r.items["open_cents"]) == [12000, 45000]
    assert checks(r) == [("Total Orbit Cafe", 50700, 57000, False), ("Total", 57000, 57000, True)]
    text = r.control.checks[0].describe()
    assert "DOES NOT MATCH" in text and "$63.00" in text
    assert r.control.lines_accounted and not r.control.ok


# -- quirks -----------------------------------------------------------------------------


def test_a_contact_whose_name_starts_with_total_is_still_a_contact(tmp_path):
    path = tmp_path / "aged.csv"
    write_csv(path, [
        ["Aged Receivables Detail"], [], HEADER,
        ["Total Fitness Ltd"],
        ["01 Oct 2026", "INV-1", "", "31 Oct 2026", "99.00", "", "", "", "", "", "99.00"],
        ["Total Total Fitness Ltd", "", "", "", "99.00", "", "", "", "", "", "99.00"],
        ["Total", "", "", "", "99.00", "", "", "", "", "", "99.00"],
    ])
    r = xero.read(path)
    assert list(r.items["customer_name"]) == ["Total Fitness Ltd"]
    assert checks(r) == [("Total Total Fitness Ltd", 9900, 9900, True), ("Total", 9900, 9900, True)]
    assert r.control.lines_accounted


def test_extra_xero_columns_are_used_or_ignored(tmp_path):
    """Contact Account Number, Expected Date, Outstanding Tax and an unnamed
    column, as Xero adds them on request; a contact named "100% Juice"."""
    path = tmp_path / "aged.csv"
    write_csv(path, [
        ["Aged Receivables Detail"], ["As at 31 October 2026"], [],
        ["Contact Account Number", "Phone", "Invoice Date", "Due Date", "Expected Date",
         "Invoice Number", "Invoice Reference", "< 1 Month", "1 Month", "2 Months", "3 Months",
         "Older", "", "Total", "Outstanding Tax"],
        ["100% Juice"],
        ["C-042", "555-0101", "01 Sep 2026", "01 Oct 2026", "15 Nov 2026", "INV-9", "",
         "212.30", "", "", "", "", "", "212.30", "19.30"],
        ["Total 100% Juice", "", "", "", "", "", "", "212.30", "", "", "", "", "", "212.30", ""],
        ["Total", "", "", "", "", "", "", "212.30", "", "", "", "", "", "212.30", ""],
        ["Percentage of total", "", "", "", "", "", "", "100%", "", "", "", "", "", "100%", ""],
    ])
    r = xero.read(path)
    item = by_document(r)["INV-9"]
    assert (item["customer_id"], item["customer_name"], item["open_cents"]) == \
        ("C-042", "100% Juice", 21230)
    # The expected date is the customer's promise, not the due date.
    assert day(item["due_date"]) == D(2026, 10, 1)
    assert r.control.ok and r.control.skipped["percentage row"] == 1


def test_reference_names_the_invoice_when_there_is_no_number_column(tmp_path):
    path = tmp_path / "aged.csv"
    write_csv(path, [
        ["Aged Receivables Detail"],
        ["Date", "Reference", "Due Date", "Current", "Older", "Total"],
        ["Harbour Bar"],
        ["01 Oct 2026", "INV-77", "31 Oct 2026", "10.00", "", "10.00"],
        ["Total Harbour Bar", "", "", "10.00", "", "10.00"],
        ["Total", "", "", "10.00", "", "10.00"],
    ])
    r = xero.read(path)
    assert list(r.items["document"]) == ["INV-77"]
    assert r.control.ok


# -- recognising the layout ---------------------------------------------------------------


XERO_FILES = ["xero_aged_receivables.xlsx", "xero_days_bom.csv", "xero_cp1252.csv",
              "xero_semicolon.csv", "xero_nasty.xlsx", "xero_wrong_total.csv"]


@pytest.mark.parametrize("name", XERO_FILES)
def test_sniff_recognises_every_xero_export(xr, name):
    assert xero.sniff(file_head(xr / name))
    assert not quickbooks.sniff(file_head(xr / name))


def test_sniff_leaves_other_layouts_alone(fixtures, tmp_path):
    plain = tmp_path / "open_items.csv"
    plain.write_text("Customer,Invoice,Invoice Date,Due Date,Balance\n"
                     "Acme,1001,10/01/2026,10/31/2026,\"1,250.00\"\nTotal,,,,\"1,250.00\"\n")
    others = [plain, *sorted((fixtures / "quickbooks").iterdir()),
              *sorted((fixtures / "generic").glob("*")), *sorted((fixtures / "sap").glob("*"))]
    assert [p.name for p in others if xero.sniff(file_head(p))] == []


@pytest.mark.parametrize("name", XERO_FILES)
def test_read_open_items_detects_xero(xr, name, read_auto):
    r = read_auto(xr / name)
    assert r.control.layout == "xero"
    assert len(r.items) == len(xero.read(xr / name).items)
    assert r.control.lines_accounted


def test_an_aged_summary_is_not_taken_for_the_detail(tmp_path):
    path = tmp_path / "summary.csv"
    write_csv(path, [["Contact", "Current", "Older", "Total"],
                     ["Harbour Bar", "10.00", "", "10.00"]])
    with pytest.raises(ReadError, match="Xero Aged Receivables Detail"):
        xero.read(path)


# -- any report Xero could write ------------------------------------------------------------


cells = st.lists(st.integers(-500_000, 5_000_000).filter(bool), min_size=0, max_size=4)


def _amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cells, min_size=1, max_size=4), st.integers(0, 5))
def test_every_generated_report_adds_up(tmp_path_factory, contacts, bucket):
    """Whatever the rows and whichever aging column holds them, every total agrees to the cent."""
    path = tmp_path_factory.mktemp("xero") / "aged.csv"
    rows = [["Aged Receivables Detail"], ["As at 31 October 2026"], [], HEADER]
    grand, n, expected = 0, 0, {}
    for k, amounts in enumerate(contacts):
        rows.append([f"Contact {k}"])
        for cents in amounts:
            n += 1
            line = ["01 Oct 2026", f"INV-{n}", "", "31 Oct 2026"] + [""] * 7
            line[4 + bucket] = line[10] = _amount(cents)
            rows.append(line)
            expected[f"INV-{n}"] = (f"Contact {k}", cents)
        total = sum(amounts)
        rows.append([f"Total Contact {k}", "", "", ""] + [""] * 6 + [_amount(total)])
        grand += total
    rows.append(["Total", "", "", ""] + [""] * 6 + [_amount(grand)])
    write_csv(path, rows)
    r = xero.read(path)
    assert r.control.lines_accounted and r.control.lines_read == len(rows)
    assert r.control.ok, r.control.summary()
    got = {d: (c, v) for d, c, v in zip(r.items["document"], r.items["customer_name"],
                                        r.items["open_cents"], strict=True)}
    assert got == expected
