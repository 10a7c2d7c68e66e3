"""The aging engine: days past due, buckets, summaries that add up to the cent."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlar.aging import (
    AgingError,
    age_open_items,
    aging_totals,
    make_buckets,
    open_items_at,
    summarize_aging,
)


def ledger(rows):
    """rows: (customer, due 'YYYY-MM-DD', cents[, partner[, disputed[, doc date]]])"""
    frame = pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "customer_name": [f"Name {r[0]}" for r in rows],
        "due_date": pd.to_datetime([r[1] for r in rows]),
        "open_cents": np.array([r[2] for r in rows], dtype=np.int64),
        "sales_partner": [r[3] if len(r) > 3 else "P1" for r in rows],
        "disputed": [r[4] if len(r) > 4 else False for r in rows],
        "doc_date": pd.to_datetime([r[5] if len(r) > 5 else None for r in rows]),
        "currency": "USD",
        "collector": "",
        "territory": "",
    })
    return frame


AS_OF = dt.date(2026, 10, 31)


def test_items_land_in_the_buckets_a_specialist_would_put_them_in():
    items = ledger([
        ("A", "2026-11-15", 10000),   # not due yet
        ("A", "2026-10-31", 20000),   # due today: not past due
        ("A", "2026-10-30", 30000),   # 1 day
        ("A", "2026-10-01", 40000),   # 30 days: still 1-30
        ("A", "2026-09-30", 50000),   # 31 days
        ("A", "2026-07-03", 60000),   # 120 days
        ("A", "2026-07-02", 70000),   # 121 days
    ])
    aged = age_open_items(items, AS_OF)
    assert aged["days_past_due"].tolist() == [0, 0, 1, 30, 31, 120, 121]
    assert aged["bucket"].astype(str).tolist() == [
        "Not due", "Not due", "1-30", "1-30", "31-60", "91-120", "Over 120"]


def test_credits_age_by_their_date_so_buckets_add_up_to_the_balance():
    items = ledger([
        ("A", "2026-09-01", 100000),
        ("A", "2026-08-15", -25000),   # credit memo, 77 days old
        ("A", "2026-11-20", 5000),
        ("B", "2026-10-20", -3000),    # B has only an unapplied payment
    ])
    s = summarize_aging(age_open_items(items, AS_OF), "customer_id", ["customer_name"])
    a = s.set_index("customer_id").loc["A"]
    assert a["balance_cents"] == 80000
    assert (a["Not due"], a["31-60"], a["61-90"]) == (5000, 100000, -25000)
    assert a["past_due_cents"] == 75000
    assert a["pct_past_due"] == pytest.approx(75000 / 80000)
    assert a["credit_cents"] == -25000 and a["oldest_days"] == 60
    b = s.set_index("customer_id").loc["B"]
    assert b["balance_cents"] == -3000 and np.isnan(b["pct_past_due"])


def test_largest_past_due_first():
    items = ledger([("A", "2026-10-01", 100), ("B", "2026-10-01", 900), ("C", "2026-12-01", 5000)])
    s = summarize_aging(age_open_items(items, AS_OF))
    assert s["customer_id"].tolist() == ["B", "A", "C"]


def test_custom_edges_and_document_basis():
    b = make_buckets("0,15,30,60,90,180")
    assert b.labels == ("Not due", "1-15", "16-30", "31-60", "61-90", "91-180", "Over 180")
    items = ledger([("A", "2026-10-31", 100, "P", False, "2026-10-15")])
    aged = age_open_items(items, AS_OF, make_buckets("0,15,30", "document"))
    assert aged["days_past_due"].tolist() == [16] and aged["bucket"].tolist() == ["16-30"]
    with pytest.raises(AgingError, match="increase"):
        make_buckets("0,30,30")
    with pytest.raises(AgingError, match="whole numbers"):
        make_buckets("0,thirty")


def test_history_items_open_at_a_past_date():
    items = ledger([("A", "2026-01-31", 100, "P", False, "2026-01-01"),
                    ("A", "2026-03-31", 200, "P", False, "2026-03-01")])
    items["settled_date"] = pd.to_datetime(["2026-02-15", None])
    # On Feb 1st: the first is open (settled later), the second not yet issued.
    assert open_items_at(items, "2026-02-01")["open_cents"].tolist() == [100]
    assert open_items_at(items, "2026-03-05")["open_cents"].tolist() == [200]


item = st.tuples(
    st.sampled_from(["C1", "C2", "C3", "C4"]),
    st.integers(min_value=-400, max_value=400),          # days past due
    st.integers(min_value=-10**9, max_value=10**9),       # cents, credits included
    st.sampled_from(["USD", "EUR"]),
    st.sampled_from(["P1", "P2", ""]),
    st.sampled_from(["North", "South", ""]),               # territory
    st.sampled_from(["Ann", "Bob", ""]),                   # collector
)

GROUP_FIELD = {"customer_id": 0, "sales_partner": 4, "territory": 5, "collector": 6}


@settings(max_examples=200, deadline=None)
@given(st.lists(item, min_size=0, max_size=60),
       st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=6, unique=True))
def test_buckets_always_add_up_to_the_balance_to_the_cent(rows, edges):
    items = pd.DataFrame({
        "customer_id": [r[0] for r in rows], "customer_name": [r[0] for r in rows],
        "due_date": pd.to_datetime([AS_OF - dt.timedelta(days=r[1]) for r in rows]),
        "doc_date": pd.to_datetime([AS_OF - dt.timedelta(days=r[1] + 30) for r in rows]),
        "open_cents": np.array([r[2] for r in rows], dtype=np.int64),
        "currency": [r[3] for r in rows], "sales_partner": [r[4] for r in rows],
        "disputed": [r[2] % 3 == 0 for r in rows], "territory": [r[5] for r in rows],
        "collector": [r[6] for r in rows],
    })
    edges = sorted({0, *edges})
    b = make_buckets(edges)
    aged = age_open_items(items, AS_OF, b)

    # The same figures from the input rows with plain ints: per group and currency, the
    # open amounts and counts per bucket (bucket i holds edges[i-1] < days <= edges[i]).
    for by, field in GROUP_FIELD.items():
        expected: dict[tuple[str, str], list[int]] = {}
        counts: dict[tuple[str, str], list[int]] = {}
        for r in rows:
            k = (r[field], r[3])
            i = sum(r[1] > e for e in edges)
            expected.setdefault(k, [0] * len(b.labels))[i] += r[2]
            counts.setdefault(k, [0] * len(b.labels))[i] += 1
        s = summarize_aging(aged, by)
        got = {(g[by], g["currency"]): g for _, g in s.iterrows()}
        assert set(got) == set(expected)
        for k, amounts in expected.items():
            g = got[k]
            balance = sum(r[2] for r in rows if (r[field], r[3]) == k)
            assert g["balance_cents"] == balance, (by, k)
            assert [g[x] for x in b.labels] == amounts, (by, k)
            assert sum(g[x] for x in b.labels) == balance, (by, k)  # to the cent
            assert [g[f"count {x}"] for x in b.labels] == counts[k], (by, k)
            assert g["items"] == sum(counts[k])
            assert g["past_due_cents"] == sum(r[2] for r in rows
                                              if (r[field], r[3]) == k and r[1] > 0)
    totals = aging_totals(aged)
    assert totals["items"].sum() == len(rows)
    for cur in ("USD", "EUR"):
        assert totals.loc[totals["currency"] == cur, "balance_cents"].sum() == \
            sum(r[2] for r in rows if r[3] == cur)


def test_territory_and_collector_summaries():
    items = ledger([
        ("A", "2026-10-21", 10000),    # 10 days past due
        ("B", "2026-08-01", 25000),    # 91 days
        ("B", "2026-11-30", -4000),    # credit, not due
        ("C", "2026-10-31", 7000),     # due today: not past due
        ("D", "2026-09-15", 1500),     # 46 days
    ])
    items["territory"] = ["North", "North", "North", "South", "South"]
    items["collector"] = ["Ann", "Bob", "Bob", "Ann", ""]
    aged = age_open_items(items, AS_OF)

    t = summarize_aging(aged, "territory").set_index("territory")
    # North: 100.00 + 250.00 - 40.00 = 310.00, of which 350.00 past due
    assert t.loc["North", "balance_cents"] == 31000 and t.loc["North", "items"] == 3
    assert (t.loc["North", "Not due"], t.loc["North", "1-30"], t.loc["North", "91-120"]) == \
        (-4000, 10000, 25000)
    assert t.loc["North", "past_due_cents"] == 35000
    # South: 70.00 not due + 15.00 at 46 days
    assert (t.loc["South", "balance_cents"], t.loc["South", "past_due_cents"]) == (8500, 1500)
    assert t.loc["South", "31-60"] == 1500 and t.loc["South", "oldest_days"] == 46
    assert t.index.tolist() == ["North", "South"]  # largest past due first

    c = summarize_aging(aged, "collector").set_index("collector")
    assert set(c.index) == {"Ann", "Bob", ""}       # items with no collector are a group too
    assert (c.loc["Ann", "balance_cents"], c.loc["Ann", "past_due_cents"]) == (17000, 10000)
    assert (c.loc["Bob", "balance_cents"], c.loc["Bob", "past_due_cents"]) == (21000, 25000)
    assert c.loc["Bob", "credit_cents"] == -4000 and c.loc["Bob", "oldest_days"] == 91
    assert c.loc["", "balance_cents"] == 1500
    assert c["balance_cents"].sum() == 10000 + 25000 - 4000 + 7000 + 1500
