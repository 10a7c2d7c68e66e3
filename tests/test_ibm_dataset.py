"""The real IBM Watson AR sample (2,466 invoices) through a mapping, checked against
figures computed here straight from the raw CSV with the csv module and Decimal."""

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from xlar.aging import age_open_items, aging_totals, make_buckets, open_items_at
from xlar.imports import read_open_items

MAPPING = Path(__file__).resolve().parents[1] / "workbooks" / "mappings" / "ibm_watson_ar.toml"


def mdy(text):
    m, d, y = (int(x) for x in text.split("/"))
    return dt.date(y, m, d)


def raw_rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_ibm_dataset_imports_like_an_independent_computation(shared_fixtures):
    path = shared_fixtures / "datasets" / "ibm_watson_accounts_receivable_WA_Fn-UseC.csv"
    raw = raw_rows(path)
    total = sum(Decimal(r["InvoiceAmount"]) for r in raw)

    r = read_open_items(path, mapping=MAPPING)
    assert len(raw) == 2466 and r.control.accepted == 2466 and r.control.rejected == 0
    assert r.control.lines_accounted
    assert r.items["open_cents"].sum() == int(total * 100)
    assert r.items["customer_id"].nunique() == len({x["customerID"] for x in raw}) == 100
    assert r.items["disputed"].sum() == sum(x["Disputed"] == "Yes" for x in raw)


@pytest.fixture
def ibm_items(shared_fixtures):
    path = shared_fixtures / "datasets" / "ibm_watson_accounts_receivable_WA_Fn-UseC.csv"
    return read_open_items(path, mapping=MAPPING).items


# The invoices are settled within 45 days of their due date at most, so a year-end has
# few open items and none far past due: a mid-year date has more (84), 2012-03-20 is
# the one date with an item over 30 days past due, and the document-date basis with
# short buckets spreads the open items over four buckets.
@pytest.mark.parametrize("as_of, edges, basis, open_count, buckets_used", [
    (dt.date(2013, 12, 31), (0, 30, 60, 90, 120), "due", 13, 2),
    (dt.date(2013, 6, 30), (0, 30, 60, 90, 120), "due", 84, 2),
    (dt.date(2012, 3, 20), (0, 30, 60, 90, 120), "due", 109, 3),
    (dt.date(2013, 6, 30), (0, 15, 30, 45, 60), "document", 84, 4),
])
def test_ibm_dataset_ages_like_an_independent_computation(shared_fixtures, ibm_items, as_of,
                                                          edges, basis, open_count,
                                                          buckets_used):
    path = shared_fixtures / "datasets" / "ibm_watson_accounts_receivable_WA_Fn-UseC.csv"
    raw = raw_rows(path)
    # Open at the as-of date: issued by then and settled after it.
    open_rows = [x for x in raw if mdy(x["InvoiceDate"]) <= as_of < mdy(x["SettledDate"])]
    column = "DueDate" if basis == "due" else "InvoiceDate"
    amounts, counts = [Decimal(0)] * (len(edges) + 1), [0] * (len(edges) + 1)
    for x in open_rows:
        days = (as_of - mdy(x[column])).days
        b = sum(days > e for e in edges)  # bucket i holds edges[i-1] < days <= edges[i]
        amounts[b] += Decimal(x["InvoiceAmount"])
        counts[b] += 1
    past_due = sum(Decimal(x["InvoiceAmount"]) for x in open_rows
                   if (as_of - mdy(x[column])).days > 0)

    aged = age_open_items(open_items_at(ibm_items, as_of), as_of, make_buckets(edges, basis))
    t = aging_totals(aged).iloc[0]
    assert t["items"] == len(open_rows) == open_count
    assert t["balance_cents"] == int(sum(amounts) * 100)
    assert t["past_due_cents"] == int(past_due * 100)
    labels = aged.attrs["buckets"].labels
    assert [t[label] for label in labels] == [int(a * 100) for a in amounts]
    assert [t[f"count {label}"] for label in labels] == counts
    assert sum(c > 0 for c in counts) == buckets_used

