"""LibreOffice opens the workbench, recalculates every formula, and the Summary's
SUMIFS/COUNTIFS agree with the engine's aging to the cent."""

import random

from openpyxl import load_workbook

from xlar.workbench.refresh import refresh
from xlar.workbench.summary import SUMMARY_HEADER_ROW


def make_export(path, n=120, seed=7):
    rnd = random.Random(seed)
    lines = ["Customer ID,Customer Name,Invoice,Type,Invoice Date,Due Date,Open Balance,"
             "Currency,Sales Rep,Disputed"]
    for i in range(n):
        cust = rnd.choice(["C1", "C2", "C3", "C4", "C5"])
        cur = "EUR" if cust in ("C4", "C5") else "USD"
        kind = rnd.choices(["Invoice", "Credit Memo", "Payment"], [8, 1, 1])[0]
        cents = rnd.randint(1, 500000) * (-1 if kind != "Invoice" else 1)
        due = f"2026-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        name = "=cmd|' /C calc'!A0" if cust == "C3" else f"Customer {cust}"
        lines.append(f"{cust},\"{name}\",D{i:04d},{kind},2026-01-01,{due},"
                     f"{cents / 100:.2f},{cur},{rnd.choice(['Ann', 'Bo'])},"
                     f"{rnd.choice(['Yes', 'No', 'No', 'No'])}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_summary_formulas_equal_the_engine_through_libreoffice(tmp_path, libreoffice):
    wbpath = tmp_path / "AR Workbench.xlsx"
    res = refresh(wbpath, source=make_export(tmp_path / "export.csv"), as_of="2026-10-31",
                  edges="0,15,30,60,90,180")
    w = res.workbench
    labels = list(w.buckets.labels)
    sheets = libreoffice.recalculated(wbpath)
    grid = sheets["Summary"]
    rows = [r for r in grid[SUMMARY_HEADER_ROW:] if r and r[0] in ("USD", "EUR")]
    assert {r[0] for r in rows} == {"USD", "EUR"}
    seen = 0
    for cur, label, amount, count, _share, engine, check in (r[:7] for r in rows):
        t = w.totals.set_index("currency").loc[cur]
        expected = {**{x: (t[x], t[f"count {x}"]) for x in labels},
                    "Balance": (t["balance_cents"], t["items"]),
                    "Past due": (t["past_due_cents"], sum(t[f"count {x}"] for x in labels[1:])),
                    "Disputed": (t["disputed_cents"], None)}[label]
        assert round(amount * 100) == expected[0], (cur, label)   # LibreOffice's SUMIFS
        assert round(engine * 100) == expected[0], (cur, label)   # the value xlar wrote
        if expected[1] is not None:
            assert count == expected[1], (cur, label)
        assert check == "OK", (cur, label)
        seen += 1
    assert seen == 2 * (len(labels) + 3)

    # the share column of the Balance row says the buckets add up to 100 %
    for r in rows:
        if r[1] == "Balance":
            assert abs(r[4] - 1.0) < 1e-12

    # no formula anywhere came out as an error
    from support.libreoffice import cell_errors  # noqa: PLC0415
    assert cell_errors(sheets) == []


def test_outside_text_never_becomes_a_formula_in_libreoffice(tmp_path, libreoffice):
    wbpath = tmp_path / "wb.xlsx"
    refresh(wbpath, source=make_export(tmp_path / "export.csv"), as_of="2026-10-31")
    formulas = libreoffice.cell_formulas(wbpath, "Open Items")
    values = libreoffice.recalculated(wbpath)["Open Items"]
    header = values[0]
    name_col = header.index("Customer Name")
    hostile = [r for r in values[1:] if r[name_col] and r[name_col].startswith("=cmd")]
    assert hostile and all(r[name_col] == "=cmd|' /C calc'!A0" for r in hostile)
    # not one cell of the Open Items sheet holds a formula
    assert all(f == "" for row in formulas for f in row)
    # and negative amounts still arrive as numbers
    amount_col = header.index("Open Amount")
    assert any(isinstance(r[amount_col], float) and r[amount_col] < 0 for r in values[1:])
    wb = load_workbook(wbpath)
    assert wb["Open Items"].tables["OpenItems"].ref.startswith("A1:")


def test_the_demo_workbench_recalculates_in_libreoffice(tmp_path, libreoffice):
    from xlar.demo_run import run_demo

    res = run_demo(tmp_path / "demo", items=600, customers=60)
    w = res.workbench_result.workbench
    sheets = libreoffice.recalculated(res.workbench)
    from support.libreoffice import cell_errors  # noqa: PLC0415
    assert cell_errors(sheets) == []
    summary = [r for r in sheets["Summary"][SUMMARY_HEADER_ROW:] if r and r[0]]
    totals = w.totals.set_index("currency")
    balances = {r[0]: r for r in summary if r[1] == "Balance"}
    assert set(balances) == set(totals.index)
    for cur, row in balances.items():
        assert round(row[2] * 100) == totals.loc[cur, "balance_cents"]
    assert all(r[6] == "OK" for r in summary)
    assert len(sheets["Open Items"]) - 1 == len(w.items) == 600
