"""The real IBM Watson AR sample (2,466 invoices) through a mapping, checked against
figures computed here straight from the raw CSV with the csv module and Decimal."""

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from xlar.aging import age_open_items, aging_totals, open_items_at
from xlar.imports import read_open_items

MAPPING = Path(__file__).resolve().parents[1] / "workbooks" / "mappings" / "ibm_watson_ar.toml"
AS_OF = dt.date(2013, 12, 31)


def mdy(text):
    m, d, y = (int(x) for x in text.split("/"))
    return dt.date(y, m, d)


def test_ibm_dataset_imports_and_ages_like_an_independent_computation(shared_fixtures):
    path = shared_fixtures / "datasets" / "ibm_watson_accounts_receivable_WA_Fn-UseC.csv"
    with open(path, newline="") as fh:
        raw = list(csv.DictReader(fh))
    total = sum(Decimal(r["InvoiceAmount"]) for r in raw)

    r = read_open_items(path, mapping=MAPPING)
    assert len(raw) == 2466 and r.control.accepted == 2466 and r.control.rejected == 0
    assert r.control.lines_accounted
    assert r.items["open_cents"].sum() == int(total * 100)
    assert r.items["customer_id"].nunique() == len({x["customerID"] for x in raw}) == 100
    assert r.items["disputed"].sum() == sum(x["Disputed"] == "Yes" for x in raw)

    # Open at the as-of date: issued by then and settled after it.
    open_rows = [x for x in raw if mdy(x["InvoiceDate"]) <= AS_OF < mdy(x["SettledDate"])]
    expected_open = sum(Decimal(x["InvoiceAmount"]) for x in open_rows)
    expected_past_due = sum(Decimal(x["InvoiceAmount"]) for x in open_rows
                            if (AS_OF - mdy(x["DueDate"])).days > 0)
    edges = [0, 30, 60, 90, 120]
    expected_buckets = [Decimal(0)] * 6
    for x in open_rows:
        days = (AS_OF - mdy(x["DueDate"])).days
        expected_buckets[sum(days > e for e in edges)] += Decimal(x["InvoiceAmount"])

    aged = age_open_items(open_items_at(r.items, AS_OF), AS_OF)
    t = aging_totals(aged).iloc[0]
    assert t["items"] == len(open_rows) > 0
    assert t["balance_cents"] == int(expected_open * 100)
    assert t["past_due_cents"] == int(expected_past_due * 100)
    labels = ["Not due", "1-30", "31-60", "61-90", "91-120", "Over 120"]
    assert [t[label] for label in labels] == [int(b * 100) for b in expected_buckets]
