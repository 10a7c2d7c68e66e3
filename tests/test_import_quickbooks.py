"""QuickBooks A/R Aging Detail: what a specialist sees after importing each export.

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


def by_document(result) -> dict[str, dict]:
    items = result.items
    return {row["document"]: row for row in items.to_dict("records")}


def day(value) -> dt.date:
    return value.date()


def checks(result) -> list[tuple[str, int | None, int, bool]]:
    return [(c.label, c.printed_cents, c.read_cents, c.ok) for c in result.control.checks]


@pytest.fixture
def qb(fixtures):
    return fixtures / "quickbooks"


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


# -- QuickBooks Online, CSV -----------------------------------------------------


def test_online_csv_reads_every_item_with_its_type_sign_and_due_date(qb):
    r = quickbooks.read(qb / "qbo_aging_detail.csv")
    items = by_document(r)
    assert len(r.items) == 9 and r.rejections.empty
    expected = {
        # document: customer, type, open cents, due date
        "1037": ("Sonnenschein Family Store", "invoice", 136207, D(2026, 11, 19)),
        "1040": ("Amy's Bird Sanctuary", "debit_memo", 7500, D(2026, 11, 12)),
        "Payment 10/30/2026": ("Amy's Bird Sanctuary", "payment", -10000, D(2026, 10, 30)),
        "1021": ("Freeman Sporting Goods:55 Twin Lane", "invoice", 125050, D(2026, 10, 15)),
        "1029": ("Freeman Sporting Goods:55 Twin Lane", "credit_memo", -15000, D(2026, 10, 5)),
        "JE-7": ("Cool Cars", "credit_memo", -4210, D(2026, 10, 1)),
        "1009": ("Cool Cars", "invoice", 400000, D(2026, 9, 19)),
        "JE-5": ("Cool Cars", "invoice", 2500, D(2026, 9, 1)),
        "1002": ("Bill's Windsurf Shop", "invoice", 8500, D(2026, 6, 1)),
    }
    got = {doc: (row["customer_name"], row["doc_type"], row["open_cents"], day(row["due_date"]))
           for doc, row in items.items()}
    assert got == expected
    # A partly paid invoice keeps its original amount beside what is open.
    assert items["1021"]["original_cents"] == 250000
    assert items["1021"]["terms"] == "Net 30"
    assert items["1037"]["doc_date"].date() == D(2026, 10, 20)
    assert items["1037"]["source_line"] == 7
    assert r.control.totals_read == {"USD": 650547}


def test_online_csv_checks_each_bucket_total_against_its_own_rows(qb):
    r = quickbooks.read(qb / "qbo_aging_detail.csv")
    assert checks(r) == [
        ("Total for Current", 133707, 133707, True),
        ("Total for 1 - 30 days past due", 105840, 105840, True),
        ("Total for 31 - 60 days past due", 402500, 402500, True),
        ("Total for 91 or more days past due", 8500, 8500, True),
        ("TOTAL", 650547, 650547, True),
    ]
    assert [c.line for c in r.control.checks] == [10, 15, 19, 22, 23]


def test_online_csv_accounts_for_every_line(qb):
    c = quickbooks.read(qb / "qbo_aging_detail.csv").control
    assert c.lines_accounted and c.ok
    assert c.lines_read == 25
    assert c.skipped == {"title or header": 5, "section header": 4, "subtotal": 4, "total": 1,
                         "blank": 1, "footer": 1}


def test_online_csv_reports_the_as_of_date_and_the_unnumbered_payment(qb):
    decisions = quickbooks.read(qb / "qbo_aging_detail.csv").control.decisions
    assert any("as of 2026-10-31" in d for d in decisions)
    assert any("no Num" in d and "Payment 10/30/2026" in d for d in decisions)


# -- QuickBooks Desktop, Excel ----------------------------------------------------


def test_desktop_xlsx_reads_past_spacer_columns_and_the_export_tips_sheet(qb):
    r = quickbooks.read(qb / "qbd_aging_detail.xlsx")
    assert r.rejections.empty
    got = {doc: (row["customer_name"], row["doc_type"], row["open_cents"], day(row["doc_date"]),
                 day(row["due_date"]))
           for doc, row in by_document(r).items()}
    assert got == {
        "71050": ("Ecker Designs:Office Repairs", "invoice", 234567, D(2026, 10, 20),
                  D(2026, 11, 19)),
        # Num typed as a number in Excel is still the document "4002".
        "4002": ("Ecker Designs:Office Repairs", "credit_memo", -10000, D(2026, 10, 25),
                 D(2026, 10, 25)),
        # Date as a bare serial number, due date as text.
        "71032": ("Teschner, Anton:Sun Room", "invoice", 150000, D(2026, 9, 20),
                  D(2026, 10, 20)),
        # A general journal entry with a negative balance is a credit.
        "GJ-104": ("Teschner, Anton:Sun Room", "credit_memo", -6050, D(2026, 10, 10),
                   D(2026, 10, 10)),
        "SC-12": ("Cook, Brian:Kitchen", "debit_memo", 41200, D(2026, 6, 30), D(2026, 7, 15)),
    }
    assert by_document(r)["71050"]["po_number"] == "PO-881"
    assert set(r.items["source_sheet"]) == {"Sheet1"}
    c = r.control
    assert c.lines_accounted and c.ok and c.lines_read == 17
    assert c.skipped == {"title or header": 4, "section header": 3, "subtotal": 3, "total": 1,
                         "repeated header": 1}
    assert checks(r) == [
        ("Total Current", 224567, 224567, True),
        ("Total 1 - 30", 143950, 143950, True),
        ("Total > 90", 41200, 41200, True),
        ("TOTAL", 409717, 409717, True),
    ]
    assert any("QuickBooks Export Tips" in d and "not read" in d for d in c.decisions)
    assert any("as of 2026-10-31" in d for d in c.decisions)


def test_two_row_header_is_read_as_one_and_past_due_is_not_a_due_date(qb):
    r = quickbooks.read(qb / "qbo_two_row_header.xlsx")
    assert r.rejections.empty
    got = {doc: (row["doc_type"], row["open_cents"], day(row["due_date"]))
           for doc, row in by_document(r).items()}
    assert got == {
        "1101": ("invoice", 88000, D(2026, 11, 21)),
        "1077": ("invoice", 31040, D(2026, 8, 4)),
        "1080": ("credit_memo", -1040, D(2026, 8, 1)),
    }
    assert checks(r) == [
        ("Total for Current", 88000, 88000, True),
        ("Total for 61 - 90 days past due", 30000, 30000, True),
        ("TOTAL", 118000, 118000, True),
    ]
    assert r.control.lines_accounted and r.control.lines_read == 14
    assert any("lines 5-6" in d and "'Open Balance'" in d for d in r.control.decisions)


# -- nasty text files -------------------------------------------------------------


def test_bom_file_rejects_the_exact_repeat_and_the_impossible_date(qb):
    r = quickbooks.read(qb / "qbo_bom_nasty.csv")
    assert sorted(r.items["document"]) == ["1985", "2001", "2002"]
    rej = r.rejections.set_index("line")
    assert list(rej.index) == [8, 13]
    assert "repeats line 7" in rej.loc[8, "reason"]
    assert "09/31/2026" in rej.loc[13, "reason"] and "document date" in rej.loc[13, "reason"]
    # The rejected row is shown as the file has it.
    assert rej.loc[13, "raw"] == "09/31/2026,Invoice,1990,Geeta Kalapatapu,10/31/2026,80.00,80.00"
    assert set(rej["file"]) == {"qbo_bom_nasty.csv"}
    c = r.control
    assert c.lines_accounted and c.lines_read == 18
    # The run stamp without quotes is still a footer, not a broken item.
    assert c.skipped == {"title or header": 5, "section header": 2, "subtotal": 2, "total": 1,
                         "blank": 2, "footer": 1}
    # The file's totals count the repeat, as QuickBooks printed it.
    assert checks(r) == [
        ("Total for Current", 225000, 225000, True),
        ("Total for 1 - 30 days past due", 178025, 178025, True),
        ("TOTAL", 403025, 403025, True),
    ]
    assert c.totals_read == {"USD": 295025}
    assert c.totals_rejected == {"USD": 108000}
    mark = by_document(r)["1985"]
    assert (mark["original_cents"], mark["open_cents"]) == (340000, 170025)


def test_windows_1252_names_keep_their_accents(qb):
    r = quickbooks.read(qb / "qb_cp1252.csv")
    assert sorted(r.items["customer_name"]) == ["Café Olé", "Peña Hermanos"]
    assert sorted(r.items["open_cents"]) == [4550, 120000]
    assert any("Windows-1252" in d for d in r.control.decisions)
    assert r.control.ok and r.control.lines_read == 10


def test_semicolons_and_decimal_commas(qb):
    r = quickbooks.read(qb / "qb_semicolon.csv")
    got = {doc: (row["doc_type"], row["original_cents"], row["open_cents"], day(row["due_date"]))
           for doc, row in by_document(r).items()}
    assert got == {
        "5001": ("invoice", 123456, 123456, D(2026, 11, 14)),
        "5002": ("credit_memo", -3456, -3456, D(2026, 10, 20)),
        "4990": ("invoice", 1250000, 1000000, D(2026, 9, 16)),
    }
    assert checks(r) == [
        ("Total for Current", 120000, 120000, True),
        ("Total for 31 - 60 days past due", 1000000, 1000000, True),
        ("TOTAL", 1120000, 1120000, True),
    ]
    d = r.control.decisions
    assert any("semicolons" in x for x in d) and any("','" in x for x in d)
    assert any("as of 2026-10-31" in x for x in d)


def test_a_wrong_printed_total_is_reported_with_its_difference(qb):
    r = quickbooks.read(qb / "qb_wrong_total.csv")
    assert len(r.items) == 4 and r.rejections.empty
    assert checks(r) == [
        ("Total Current", 250000, 250000, True),
        ("Total 1 - 30", 99000, 90000, False),
        ("TOTAL", 349000, 340000, False),
    ]
    bad = r.control.checks[1]
    assert "DOES NOT MATCH" in bad.describe() and "-$90.00" in bad.describe()
    assert r.control.lines_accounted and not r.control.ok
    # A Desktop payment has no due date: it counts from its own date.
    pay = by_document(r)["552"]
    assert (pay["doc_type"], pay["open_cents"], day(pay["due_date"])) == \
        ("payment", -10000, D(2026, 10, 25))


# -- recognising the layout ---------------------------------------------------------


QB_FILES = ["qbo_aging_detail.csv", "qbd_aging_detail.xlsx", "qbo_two_row_header.xlsx",
            "qbo_bom_nasty.csv", "qb_cp1252.csv", "qb_semicolon.csv", "qb_wrong_total.csv"]


@pytest.mark.parametrize("name", QB_FILES)
def test_sniff_recognises_every_quickbooks_export(qb, name):
    assert quickbooks.sniff(file_head(qb / name))
    assert not xero.sniff(file_head(qb / name))


def test_sniff_leaves_other_layouts_alone(fixtures, tmp_path):
    plain = tmp_path / "open_items.csv"
    plain.write_text("Customer,Invoice,Invoice Date,Due Date,Balance\n"
                     "Acme,1001,10/01/2026,10/31/2026,\"1,250.00\"\nTotal,,,,\"1,250.00\"\n")
    others = [plain, *sorted((fixtures / "xero").iterdir()),
              *sorted((fixtures / "generic").glob("*")), *sorted((fixtures / "sap").glob("*"))]
    assert [p.name for p in others if quickbooks.sniff(file_head(p))] == []


@pytest.mark.parametrize("name", QB_FILES)
def test_read_open_items_detects_quickbooks(qb, name, read_auto):
    r = read_auto(qb / name)
    assert r.control.layout == "quickbooks"
    assert len(r.items) == len(quickbooks.read(qb / name).items)
    assert r.control.lines_accounted


def test_a_file_that_is_not_the_report_says_what_was_looked_for(tmp_path):
    plain = tmp_path / "list.csv"
    plain.write_text("Customer,Invoice,Balance\nAcme,1001,10.00\n")
    with pytest.raises(ReadError, match="QuickBooks A/R Aging Detail.*Open Balance"):
        quickbooks.read(plain)


# -- any report QuickBooks could write ------------------------------------------------


BUCKETS = ["Current", "1 - 30 days past due", "31 - 60 days past due", "61 - 90 days past due",
           "91 or more days past due"]
TYPES = ["Invoice", "Credit Memo", "Payment", "Journal Entry", "Statement Charge"]


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


row_strategy = st.tuples(st.sampled_from(TYPES), st.integers(1, 10_000_000))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(row_strategy, min_size=0, max_size=5), min_size=1, max_size=5))
def test_every_generated_report_adds_up(tmp_path_factory, sections):
    """Whatever the rows, every line is accounted for and every total agrees to the cent."""
    path = tmp_path_factory.mktemp("qb") / "report.csv"
    lines = [["A/R Aging Detail"], ["As of October 31, 2026"], [],
             ["", "Date", "Transaction Type", "Num", "Customer", "Due Date", "Amount",
              "Open Balance"]]
    grand, n, expected = 0, 0, {}
    for bucket, rows in zip(BUCKETS, sections, strict=False):
        lines.append([bucket])
        total = 0
        for kind, size in rows:
            n += 1
            cents = -size if kind in ("Credit Memo", "Payment") else size
            lines.append(["", "10/01/2026", kind, f"D{n}", f"Customer {n % 3}", "10/31/2026",
                          _money(cents), _money(cents)])
            total += cents
            expected[f"D{n}"] = cents
        lines.append([f"Total for {bucket}", "", "", "", "", "", _money(total), _money(total)])
        grand += total
    lines.append(["TOTAL", "", "", "", "", "", _money(grand), _money(grand)])
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(lines)
    r = quickbooks.read(path)
    assert r.control.lines_accounted and r.control.lines_read == len(lines)
    assert r.control.ok, r.control.summary()
    assert dict(zip(r.items["document"], r.items["open_cents"], strict=True)) == expected
    assert int(r.items["open_cents"].sum()) == grand
