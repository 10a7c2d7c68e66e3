"""The Dashboard, its PivotTables and charts, proved with a real spreadsheet application.

LibreOffice (headless, over UNO) opens the workbench xlar wrote, finds each PivotTable
(DataPilot) with its source and fields, refreshes it and reads its totals; recalculates
every KPI formula; lists the charts.  Each figure is compared with the engine's, to the
cent for money.  One workbench per module (a module-scoped fixture) keeps this fast.

How "no repair prompt" is checked without Excel: Excel's repair prompt comes from an
inconsistent package or XML that breaks the schema.  Two independent checks stand in
for it: :func:`xlar.ooxml.package_problems` (every part has a content type, every
relationship target exists, every Override names a part) and ``openxml-audit``, a
port of Microsoft's Open XML SDK validator (the SDK's schemas and semantic rules),
on every part of the package.  Its only findings are ones that a plain openpyxl
workbook (no xlar in it) gets too, listed one by one in :data:`KNOWN_OPENPYXL` and
proved in the test by validating such a workbook; plus the pivot-specific rules Excel
applies: every pivot's cacheId is in workbook.xml's pivotCaches with a relationship
to an existing cache part, the cache has one field per source column, no stale
records, and refreshOnLoad; and no part is an orphan (one no relationship reaches).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from xlar.aging import make_buckets
from xlar.imports import read_open_items
from xlar.kpis import currency_kpis, payment_behaviour
from xlar.ooxml import package_problems
from xlar.store.api import open_store
from xlar.workbench.dashboard import KPI_HEADER_ROW
from xlar.workbench.layout import CREDIT_SALES
from xlar.workbench.pivots import workbench_pivots
from xlar.workbench.plan import table_plan
from xlar.workbench.port import XlsxPort
from xlar.workbench.refresh import refresh

AS_OF = "2026-10-31"
EDGES = "0,30,60,90,120"
LABELS = make_buckets(EDGES).labels
ROOT = Path(__file__).resolve().parents[1]


def write_export(path: Path, n: int, seed: int, currencies=("USD", "EUR")) -> Path:
    rnd = random.Random(seed)
    lines = ["Customer ID,Customer Name,Invoice,Type,Invoice Date,Due Date,Open Balance,"
             "Currency,Sales Rep,Territory,Collector,Disputed"]
    for i in range(n):
        c = rnd.randint(1, 40)
        cur = currencies[c % len(currencies)]
        kind = rnd.choices(["Invoice", "Credit Memo"], [9, 1])[0]
        cents = rnd.randint(100, 900000) * (-1 if kind != "Invoice" else 1)
        due = dt.date(2026, 10, 31) - dt.timedelta(days=rnd.randint(-60, 200))
        lines.append(f"C{c:03d},Customer {c:03d},D{seed}-{i:05d},{kind},2026-01-01,{due},"
                     f"{cents / 100:.2f},{cur},{rnd.choice(['Ann', 'Bo', 'Cy'])},"
                     f"{rnd.choice(['North', 'South'])},{rnd.choice(['Kim', 'Lee'])},"
                     f"{rnd.choice(['Yes', 'No', 'No', 'No'])}")
    path.write_text("\n".join(lines) + "\n")
    return path


def typed_sales(rows) -> pd.DataFrame:
    return pd.DataFrame([{"month": pd.Timestamp(m), "currency": c, "credit_sales_cents": v,
                          "source": "typed"} for m, c, v in rows])


def prepare(path: Path, sales: pd.DataFrame, snapshots=()) -> None:
    """What a specialist has before a refresh: credit sales typed on the Credit Sales sheet,
    and agings kept by earlier refreshes in the activity store."""
    port = XlsxPort(path)
    port.write_table(table_plan(CREDIT_SALES, sales))
    port.save()
    store = open_store(workbook=path)
    for day, totals in snapshots:
        store.add_snapshot(day, totals, list(LABELS), "earlier refresh", key=f"t:{day}")


def cents(v) -> int:
    return int(round(float(v) * 100))


@pytest.fixture(scope="module")
def bench(tmp_path_factory, libreoffice):
    """One workbench in two currencies, refreshed once, read back by LibreOffice once."""
    folder = tmp_path_factory.mktemp("dashboard")
    path = folder / "AR Workbench.xlsx"
    months = ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01",
              "2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01"]
    september = pd.DataFrame([{"currency": cur, "items": 10, "balance_cents": 120_000_000,
                               "past_due_cents": 50_000_000, "disputed_cents": 0,
                               **{x: 0 for x in LABELS}, LABELS[0]: 70_000_000,
                               LABELS[1]: 50_000_000} for cur in ("EUR", "USD")])
    prepare(path, typed_sales([(m, cur, 30_000_000 + 1_000_000 * i)
                               for i, m in enumerate(months) for cur in ("USD", "EUR")]),
            [(dt.date(2026, 9, 30), september)])
    limits = folder / "customers.csv"
    limits.write_text("Customer ID,Credit Limit,Currency\n" + "".join(
        f"C{c:03d},{20000 + 1000 * c},{('USD', 'EUR')[c % 2]}\n" for c in range(1, 41, 3)))
    res = refresh(path, source=write_export(folder / "export.csv", 400, 1), as_of=AS_OF,
                  edges=EDGES, customers=limits)
    return {
        "path": path, "folder": folder, "w": res.workbench,
        "pivots": {p["name"]: p for p in libreoffice.pivot_tables(path)},
        "sheets": libreoffice.recalculated(path),
        "charts": libreoffice.charts(path),
    }


def test_every_pivot_is_a_datapilot_with_its_source_fields_and_engine_totals(bench):
    w = bench["w"]
    n = len(w.items)
    plans = workbench_pivots(LABELS)
    assert set(bench["pivots"]) == {p.name for p in plans}
    totals = w.totals.set_index("currency")
    for plan in plans:
        p = bench["pivots"][plan.name]
        assert p["sheet"] == plan.sheet
        assert p["source"] == f"'Open Items'!A1:X{n + 1}"
        assert set(p["row_fields"]) == set(plan.rows)
        assert p["column_fields"] == list(plan.columns)
        assert p["data_fields"] == ["Sum of Open Amount"]
        header = p["values"][1]
        shown = [x for x in LABELS if not any(x in h for _, h in plan.hidden)]
        # Buckets come in bucket order, hidden ones (Not due in past-due pivots) are gone.
        assert header[len(plan.rows):len(plan.rows) + len(shown)] == shown
        assert header[-1] == "Total Result"
        if plan.top:
            continue  # the top-N pivot's subtotals cover the customers it shows
        # Two currencies: no grand-total row that would add EUR to USD ...
        assert not any(r[0] == "Total Result" for r in p["values"])
        # ... and each currency's subtotal row equals the engine's aging to the cent.
        subtotal = {r[0][:3]: r for r in p["values"] if str(r[0]).endswith(" Result")}
        assert set(subtotal) == set(totals.index)
        for cur, row in subtotal.items():
            for j, label in enumerate(shown):
                got = row[len(plan.rows) + j]
                assert cents(got or 0) == int(totals.loc[cur, label]), (plan.name, cur, label)
            expected = int(totals.loc[cur, "balance_cents"]) if not plan.hidden else \
                int(totals.loc[cur, "past_due_cents"])
            assert cents(row[-1]) == expected, (plan.name, cur)


def test_disputed_pivot_splits_past_due_like_the_engine(bench):
    w = bench["w"]
    p = bench["pivots"]["DisputedPastDuePivot"]
    past = w.items[w.items["days_past_due"] > 0]
    cur = None
    for row in p["values"][2:]:
        if row[0] and not str(row[0]).endswith("Result"):
            cur = row[0]
        if row[1] in ("Yes", "No"):
            mine = past[(past["currency"] == cur) & (past["disputed"] == (row[1] == "Yes"))]
            assert cents(row[-1]) == int(mine["open_cents"].sum()), (cur, row[1])


def test_top_past_due_pivot_lists_the_engines_largest_debtors(bench):
    w = bench["w"]
    p = bench["pivots"]["TopPastDuePivot"]
    cur, shown = None, {}
    for row in p["values"][2:]:
        if row[0] and not str(row[0]).endswith("Result"):
            cur = row[0]
        if row[1]:
            shown.setdefault(cur, []).append((row[1], cents(row[-1])))
    past = w.items[w.items["days_past_due"] > 0]
    for c, got in shown.items():
        by_name = past[past["currency"] == c].groupby("customer_name")["open_cents"].sum()
        expected = by_name.sort_values(ascending=False, kind="stable").head(20)
        assert len(got) == min(20, len(by_name))
        assert [v for _, v in got] == sorted((v for _, v in got), reverse=True)
        assert {name: v for name, v in got} == {k: int(v) for k, v in expected.items()}


def test_kpi_formulas_calculated_by_libreoffice_equal_the_engine(bench):
    from support.libreoffice import cell_errors  # noqa: PLC0415

    sheets, d = bench["sheets"], bench["w"].dashboard
    assert cell_errors(sheets) == []
    grid = sheets["Dashboard"]
    kpis = {k.currency: k for k in d.kpis}
    checked = 0
    for row in grid[KPI_HEADER_ROW:]:
        if not row or row[0] not in kpis or not isinstance(row[1], str) or row[4] is None:
            continue
        cur, label, formula, engine, check = row[:5]
        assert check == "OK", (cur, label, formula, engine)
        if engine is None:
            assert formula in ("", None), (cur, label)
            continue
        if isinstance(engine, float) and abs(engine) >= 1 and label.startswith(("AR", "Current",
                                                                             "Past", "More",
                                                                             "Credit sales")):
            assert cents(formula) == cents(engine), (cur, label)
        else:
            assert formula == pytest.approx(engine, rel=1e-9, abs=1e-9), (cur, label)
        checked += 1
    # every KPI of both currencies is there, DSO, countback and CEI included
    # every KPI of both currencies (all but the two that need settled invoices)
    assert checked == 2 * 18
    usd = kpis["USD"]
    assert None not in (usd.dso, usd.countback_dso, usd.cei, usd.limit_use)


#: What openxml-audit finds in any workbook openpyxl writes, xlar or not: (part, where,
#: finding), numbers written N.  The fonts: openpyxl writes a font's name before its
#: bold/italic/colour, which Excel reads (the validator's schema wants another order).
#: The strings: openpyxl writes text as inline strings, which Excel reads and moves to
#: a shared-strings table when it saves the file.
KNOWN_OPENPYXL = {
    ("/xl/styles.xml", "/styleSheet[N]/fonts[N]/font[N]", "Unexpected element 'b' found"),
    ("/xl/styles.xml", "/styleSheet[N]/fonts[N]/font[N]", "Unexpected element 'i' found"),
    ("/xl/styles.xml", "/styleSheet[N]/fonts[N]/font[N]", "Unexpected element 'color' found"),
    ("/xl/worksheets/sheetN.xml", "",
     "Worksheet sheetN.xml has N inline-string cell(s) (`<c t=\"inlineStr\">`) but the "
     "package has no populated `xl/sharedStrings.xml`. Excel will move every inline string "
     "to a freshly-created shared-strings table on the next save, rewriting both the "
     "worksheet and adding the SST part. Emit shared strings instead of inlineStr cells to "
     "avoid the silent rewrite."),
}


def audit_findings(path: Path) -> set[tuple[str, str, str]]:
    """openxml-audit's findings on every part of *path*, numbers written N."""
    from openxml_audit import OpenXmlValidator

    result = OpenXmlValidator(max_errors=10000).validate(str(path))
    return {tuple(re.sub(r"\d+", "N", str(x or "")) for x in (e.part_uri, e.path,
                                                              e.description))
            for e in result.errors}


def plain_openpyxl_workbook(path: Path) -> Path:
    """A workbook made with openpyxl alone, using what xlar's workbench uses: text, bold,
    italic and coloured fonts, fills, number formats, an Excel Table, a frozen pane, a
    drop-down list, a bar and a line chart."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.table import Table, TableStyleInfo

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Customer", "Bucket", "Amount"])
    for i in range(1, 11):
        ws.append([f"C{i:03d}", ("Not due", "1-30")[i % 2], 100.5 * i])
        ws.cell(i + 1, 3).number_format = "#,##0.00"
    for cell in ws[1]:
        cell.font = Font(name="Calibri", bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F3A5F")
    ws["E1"], ws["E2"] = "Note", "Title"
    ws["E1"].font = Font(name="Calibri", italic=True, color="595959")
    ws["E2"].font = Font(name="Calibri", bold=True, size=14)
    ws.add_table(Table(displayName="Plain", ref="A1:C11",
                       tableStyleInfo=TableStyleInfo(name="TableStyleMedium2")))
    ws.freeze_panes = "A2"
    choice = DataValidation(type="list", formula1='"Yes,No"')
    choice.add("D2:D11")
    ws.add_data_validation(choice)
    charts = wb.create_sheet("Charts")
    for chart, at in ((BarChart(), "A1"), (LineChart(), "J1")):
        chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=11), titles_from_data=True)
        charts.add_chart(chart, at)
    wb.save(path)
    return path


def test_the_package_validates_as_excel_would_open_it(bench, tmp_path):
    path = bench["path"]
    assert package_problems(path) == []
    # Every finding allowed is one openpyxl's own output has (proved here), and xlar's
    # workbench, every part of it (workbook.xml with its pivotCaches too), has no other.
    plain = audit_findings(plain_openpyxl_workbook(tmp_path / "plain.xlsx"))
    assert KNOWN_OPENPYXL <= plain, sorted(KNOWN_OPENPYXL - plain)
    ours = audit_findings(path)
    assert ours - KNOWN_OPENPYXL == set(), sorted(ours - KNOWN_OPENPYXL)
    z = zipfile.ZipFile(path)
    workbook = z.read("xl/workbook.xml").decode()
    caches = dict(re.findall(r'<pivotCache[^>]*cacheId="(\d+)"[^>]*r:id="(rId\d+)"', workbook))
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    for name in (n for n in z.namelist() if re.match(r"xl/pivotTables/pivotTable\d+\.xml$", n)):
        cache_id = re.search(r'cacheId="(\d+)"', z.read(name).decode()).group(1)
        rid = caches[cache_id]
        target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"',
                           rels)
        assert target is not None, name
    defs = [n for n in z.namelist() if re.match(r"xl/pivotCache/pivotCacheDefinition\d+", n)]
    assert len(defs) == 1  # one cache shared by xlar's pivots
    cache = z.read(defs[0]).decode()
    assert 'refreshOnLoad="1"' in cache and 'saveData="0"' in cache
    assert not any("pivotCacheRecords" in n for n in z.namelist())
    assert cache.count("<cacheField ") == 24  # one per OpenItems column


def test_a_part_no_relationship_reaches_is_reported(tmp_path):
    """A chart whose sheet no longer points to its drawing: the drawing and the chart are
    orphans, which Excel removes with a repair prompt."""
    good = plain_openpyxl_workbook(tmp_path / "good.xlsx")
    assert package_problems(good) == []
    bad = tmp_path / "orphans.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        sheet = next(n for n in src.namelist() if re.match(r"xl/worksheets/_rels/sheet\d+"
                                                           r"\.xml\.rels$", n)
                     and b"drawing" in src.read(n))
        for info in src.infolist():
            data = src.read(info)
            if info.filename == sheet:
                data = re.sub(rb"<Relationship [^>]*drawing[^>]*/>", b"", data)
            elif info.filename == sheet.replace("_rels/", "").removesuffix(".rels"):
                data = re.sub(rb"<drawing [^>]*/>", b"", data)
            dst.writestr(info, data)
    with zipfile.ZipFile(bad) as z:
        drawing = [n for n in z.namelist() if n.startswith("xl/drawings/drawing")]
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(drawing) == 1 and len(charts) == 2
    problems = package_problems(bad)
    assert sorted(problems) == sorted(
        f"{n} is in the package but no relationship points to it (Excel drops it, with a "
        "repair prompt)" for n in drawing + charts)


def test_charts_draw_the_dashboard(bench):
    charts = {c["title"]: c for c in bench["charts"]}
    assert set(charts) == {"Aging by bucket (share of balance)",
                           "Past due by sales partner (USD)", "DSO trend (USD, days)",
                           "CEI, % past due and % over 90 (USD)"}
    assert charts["Aging by bucket (share of balance)"]["series"] == len(LABELS)
    # CEI, % past due and % over 90 when every point has them
    trend = bench["w"].dashboard.trend
    usd = trend[trend["currency"] == "USD"]
    plotted = usd[usd["cei"].notna()] if usd["cei"].notna().any() else usd
    assert plotted["pct_over_90"].notna().all()
    assert charts["CEI, % past due and % over 90 (USD)"]["series"] == \
        2 + int(usd["cei"].notna().any())
    assert charts["Past due by sales partner (USD)"]["series"] == len(LABELS) - 1
    assert all(c["sheet"] == "Dashboard" for c in charts.values())


def test_dso_and_cei_on_a_hand_worked_example(tmp_path, libreoffice):
    """USD book at 2026-10-31: one invoice not yet due 90,000.00, one past due 60,000.00.

    Credit sales: Aug 100,000.00, Sep 120,000.00, Oct 80,000.00.  AR at 2026-09-30 was
    140,000.00 (an earlier refresh kept it).

    * AR balance = 90,000 + 60,000 = 150,000.00; current = 90,000.00
    * DSO period: Aug 1 to Oct 31 = 31 + 30 + 31 = 92 days; sales = 300,000.00
    * DSO = 150,000 / 300,000 x 92 = 46.0 days
    * best-possible DSO = 90,000 / 300,000 x 92 = 27.6 days;  ADD = 46.0 - 27.6 = 18.4
    * countback: October takes 80,000 of the 150,000 (31 days), 70,000 left;
      September's 120,000 covers it: 70,000 / 120,000 x 30 = 17.5 days -> 48.5 days
    * CEI for October = (140,000 + 80,000 - 150,000) / (140,000 + 80,000 - 90,000)
      = 70,000 / 130,000 = 53.846 %
    """
    src = tmp_path / "export.csv"
    src.write_text("Customer ID,Customer Name,Invoice,Invoice Date,Due Date,Open Balance,"
                   "Currency\nC1,Alpha,INV-1,2026-10-15,2026-11-14,90000.00,USD\n"
                   "C2,Beta,INV-2,2026-08-20,2026-09-19,60000.00,USD\n")
    sept = pd.DataFrame([{"currency": "USD", "items": 1, "balance_cents": 14_000_000,
                          "past_due_cents": 0, "disputed_cents": 0,
                          **{x: 14_000_000 if x == LABELS[0] else 0 for x in LABELS}}])
    path = tmp_path / "AR Workbench.xlsx"
    prepare(path, typed_sales([("2026-08-01", "USD", 10_000_000),
                               ("2026-09-01", "USD", 12_000_000),
                               ("2026-10-01", "USD", 8_000_000)]),
            [(dt.date(2026, 9, 30), sept)])
    k = refresh(path, source=src, as_of=AS_OF).workbench.dashboard.kpis[0]
    assert (k.balance_cents, k.current_cents, k.sales_cents, k.period_days) == \
        (15_000_000, 9_000_000, 30_000_000, 92)
    assert k.dso == pytest.approx(46.0)
    assert k.best_dso == pytest.approx(27.6)
    assert k.add == pytest.approx(18.4)
    assert k.countback_dso == pytest.approx(48.5)
    assert (k.cei_begin_date, k.cei_begin_cents, k.cei_sales_cents) == \
        (dt.date(2026, 9, 30), 14_000_000, 8_000_000)
    assert k.cei == pytest.approx(70_000 / 130_000 * 100)
    assert k.cei == pytest.approx(53.846, abs=0.001)

    # the same arithmetic, done by LibreOffice from the Dashboard's formulas
    grid = libreoffice.recalculated(path)["Dashboard"]
    shown = {r[1]: r[2] for r in grid[KPI_HEADER_ROW:] if r and r[0] == "USD"}
    assert shown["DSO (days)"] == pytest.approx(46.0)
    assert shown["Best-possible DSO (days)"] == pytest.approx(27.6)
    assert shown["Average days delinquent (ADD)"] == pytest.approx(18.4)
    assert shown["Countback DSO (days)"] == pytest.approx(48.5)
    assert shown["Collection effectiveness index (CEI)"] == pytest.approx(70 / 130)
    # the trend rows: INV-2 is 42 days late, so nothing is over 90 days: 0 % both dates
    head = next(i for i, r in enumerate(grid) if r and "% Over 90" in r)
    col = grid[head].index("% Over 90")
    over = [r[col] for r in grid[head + 1:] if r and r[1] == "USD"]
    assert over == [0.0, 0.0]

    # and the engine function alone, without a workbook
    t = pd.Series({"currency": "USD", "balance_cents": 15_000_000, "past_due_cents": 6_000_000,
                   **{x: 0 for x in LABELS}, LABELS[0]: 9_000_000})
    again = currency_kpis(t, make_buckets(EDGES), dt.date(2026, 10, 31), 0,
                          typed_sales([("2026-08-01", "USD", 10_000_000),
                                       ("2026-09-01", "USD", 12_000_000),
                                       ("2026-10-01", "USD", 8_000_000)]),
                          (dt.date(2026, 9, 30), 14_000_000))
    assert (again.dso, again.countback_dso, again.cei) == (k.dso, k.countback_dso, k.cei)


def test_the_trend_shows_more_than_90_days_past_due_and_its_share():
    """Two agings kept by refreshes (cents): on 09-30 with the default edges, Not due
    100.00, 1-30 50.00, 91-120 30.00, Over 120 20.00: balance 200.00, over 90 days
    30 + 20 = 50.00, 25 %.  On 10-31 with edges 0,45,100 the bucket 46-100 straddles
    day 90: no figure rather than a guess."""
    from xlar.kpis import trend

    snaps = pd.DataFrame([
        {"as_of": dt.date(2026, 9, 30), "currency": "USD", "balance_cents": 20_000,
         "current_cents": 10_000, "past_due_cents": 10_000,
         "buckets": {"Not due": 10_000, "1-30": 5_000, "31-60": 0, "61-90": 0,
                     "91-120": 3_000, "Over 120": 2_000}},
        {"as_of": dt.date(2026, 10, 31), "currency": "USD", "balance_cents": 20_000,
         "current_cents": 10_000, "past_due_cents": 10_000,
         "buckets": {"Not due": 10_000, "1-45": 5_000, "46-100": 3_000, "Over 100": 2_000}},
    ])
    t = trend(snaps, typed_sales([("2026-10-01", "EUR", 1)]))   # no USD sales: no DSO
    assert t["over_90_cents"].iloc[0] == 5_000 and t["pct_over_90"].iloc[0] == \
        pytest.approx(0.25)
    assert t["over_90_cents"].isna().iloc[1] and t["pct_over_90"].isna().iloc[1]


IBM_MAPPING = ROOT / "workbooks" / "mappings" / "ibm_watson_ar.toml"
IBM_AS_OF = dt.date(2013, 12, 31)


def mdy(text):
    m, d, y = (int(x) for x in text.split("/"))
    return dt.date(y, m, d)


def test_ibm_weighted_days_late_matches_its_dayslate_column(shared_fixtures, tmp_path,
                                                            libreoffice):
    """Weighted average days late and average days to pay per customer, from the real IBM
    sample, against a computation straight from its DaysLate and DaysToSettle columns
    (csv module, Decimal)."""
    data = shared_fixtures / "datasets" / "ibm_watson_accounts_receivable_WA_Fn-UseC.csv"
    with open(data, newline="") as fh:
        raw = [r for r in csv.DictReader(fh) if mdy(r["SettledDate"]) <= IBM_AS_OF]
    expected: dict[str, tuple[Decimal, Decimal, int]] = {}
    to_settle: dict[str, tuple[int, int]] = {}
    for r in raw:
        amount, late = Decimal(r["InvoiceAmount"]), int(r["DaysLate"])
        a, x, n = expected.get(r["customerID"], (Decimal(0), Decimal(0), 0))
        expected[r["customerID"]] = (a + amount, x + amount * late, n + 1)
        days, k = to_settle.get(r["customerID"], (0, 0))
        to_settle[r["customerID"]] = (days + int(r["DaysToSettle"]), k + 1)

    path = tmp_path / "ibm.xlsx"
    w = refresh(path, source=data, mapping=IBM_MAPPING, as_of=IBM_AS_OF).workbench
    got = w.dashboard.behaviour.set_index("customer_id")
    assert set(got.index) == set(expected)
    for cust, (amount, weighted, n) in expected.items():
        assert got.loc[cust, "invoices"] == n
        assert got.loc[cust, "paid_cents"] == int(amount * 100)
        assert got.loc[cust, "weighted_days_late"] == pytest.approx(float(weighted / amount),
                                                                    rel=1e-12)
        days, k = to_settle[cust]
        assert got.loc[cust, "avg_days_to_pay"] == pytest.approx(float(Decimal(days) / k),
                                                                 rel=1e-12)
    total = sum(e[1] for e in expected.values()) / sum(e[0] for e in expected.values())
    overall = payment_behaviour(read_open_items(data, mapping=IBM_MAPPING).items, IBM_AS_OF,
                                by=("currency",))
    assert overall.iloc[0]["weighted_days_late"] == pytest.approx(float(total), rel=1e-12)
    # Average days to pay over every invoice paid (not the mean of the customers' means).
    avg_to_pay = Decimal(sum(int(r["DaysToSettle"]) for r in raw)) / len(raw)
    assert overall.iloc[0]["avg_days_to_pay"] == pytest.approx(float(avg_to_pay), rel=1e-12)
    assert w.dashboard.behaviour_totals.iloc[0]["avg_days_to_pay"] == \
        pytest.approx(float(avg_to_pay), rel=1e-12)

    # The past-due report reads its trend from the activity store: a history export's
    # month ends are kept there, so it shows the Dashboard's trend, not a shorter one.
    from xlar.reports.management import report_from_workbench
    from xlar.workbench.port import XlsxPort

    report = report_from_workbench(XlsxPort(path)).trend      # its last agings
    dash = w.dashboard.trend.tail(len(report))
    assert len(report) > 3 and list(report["as_of"]) == list(dash["as_of"])
    assert list(report["cei"].round(9)) == list(dash["cei"].round(9))
    assert list(report["dso"].round(9)) == list(dash["dso"].round(9))

    # A history export: sales, month-end agings and CEI come from the data itself, and
    # LibreOffice agrees with every KPI; one currency, so the pivots show grand totals.
    k = w.dashboard.kpis[0]
    assert k.dso is not None and k.cei is not None and k.countback_dso is not None
    grid = libreoffice.recalculated(path)["Dashboard"]
    rows = [r for r in grid[KPI_HEADER_ROW:] if r and r[0] == "USD" and r[4] in ("OK", "CHECK")]
    assert rows and all(r[4] == "OK" for r in rows)
    wadl = next(r for r in rows if r[1] == "Weighted average days late")
    assert wadl[2] == pytest.approx(float(total), rel=1e-9)
    to_pay = next(r for r in rows if r[1] == "Average days to pay")
    assert to_pay[2] == pytest.approx(float(avg_to_pay), rel=1e-9)  # LibreOffice's formula
    assert to_pay[3] == pytest.approx(float(avg_to_pay), rel=1e-9)  # xlar's figure
    t = w.totals.iloc[0]
    pivot = next(p for p in libreoffice.pivot_tables(path) if p["name"] == "AgingByCustomerPivot")
    grand = next(r for r in pivot["values"] if r[0] == "Total Result")
    by_bucket = dict(zip(pivot["values"][1][2:-1], grand[2:-1], strict=True))  # buckets with items
    assert {x: cents(v) for x, v in by_bucket.items()} == {x: int(t[x]) for x in LABELS if t[x]}
    assert cents(grand[-1]) == int(t["balance_cents"])


def test_refresh_with_a_new_source_pivots_and_charts_follow_user_pivot_kept(bench, tmp_path,
                                                                          libreoffice):
    """A user adds a pivot of their own on a new sheet (in LibreOffice, which rewrites the
    file), then refreshes from a new export: xlar's pivots and charts show the new data,
    and the user's pivot is still there, on the new data too."""
    folder = tmp_path / "wb"
    folder.mkdir()
    for f in bench["folder"].iterdir():
        if f.name.startswith("AR Workbench.activity"):
            shutil.copy(f, folder / f.name)
    path = libreoffice.add_data_pilot(bench["path"], folder / "AR Workbench.xlsx",
                                      sheet="My Pivot", name="MyPivot",
                                      source_sheet="Open Items", rows=["Collector"],
                                      columns=["Currency"], data="Open Amount")
    new = write_export(folder / "new.csv", 250, 99, currencies=("USD",))
    w = refresh(path, source=new, as_of=AS_OF, edges=EDGES).workbench
    assert len(w.items) == 250 and list(w.totals["currency"]) == ["USD"]

    pivots = {p["name"]: p for p in libreoffice.pivot_tables(path)}
    assert set(pivots) == {p.name for p in workbench_pivots(LABELS)} | {"MyPivot"}
    t = w.totals.iloc[0]
    for plan in workbench_pivots(LABELS)[:3]:
        p = pivots[plan.name]
        assert p["source"] == "'Open Items'!A1:X251"
        grand = next(r for r in p["values"] if r[0] == "Total Result")  # one currency now
        assert cents(grand[-1]) == int(t["balance_cents"])
        assert [cents(v or 0) for v in grand[len(plan.rows):len(plan.rows) + len(LABELS)]] \
            == [int(t[x]) for x in LABELS]
    mine = pivots["MyPivot"]
    assert mine["sheet"] == "My Pivot" and mine["row_fields"] == ["Collector"]
    assert mine["source"].endswith("A1:X251")
    grand = next(r for r in mine["values"] if r[0] == "Total Result")
    assert cents(grand[-1]) == int(t["balance_cents"])

    charts = {c["title"]: c for c in libreoffice.charts(path)}
    aging = charts["Aging by bucket (share of balance)"]
    grid = libreoffice.recalculated(path)["Dashboard"]
    # the chart's range: its header row and one row per currency, now the single USD row
    first, last = (int(x) for x in re.search(r"A(\d+):[A-Z]+(\d+)", aging["ranges"][0]).groups())
    assert grid[first - 1][0] == "Currency" and last == first + 1 and grid[last - 1][0] == "USD"
    assert cents(grid[last - 1][1 + len(LABELS)]) == int(t["balance_cents"])
    assert len(charts) == 4
