"""The AR formula functions, called the way xlwings calls them, checked to the cent/day."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import udfs.ar as xl
from xlar.aging import age_open_items
from xlar.dates import date_to_excel_serial

D = dt.date
AS_OF = D(2026, 10, 31)
SERIAL = float((AS_OF - D(1899, 12, 30)).days)  # 46326


def col(values):
    """A column as xlwings' raw converter delivers it: a tuple of 1-tuples (Value2)."""
    return tuple((v,) for v in values)


def flat(result):
    return [r[0] for r in np.asarray(result, dtype=object).tolist()]


def test_days_past_due_for_a_column_with_bad_cells():
    cells = col([SERIAL - 10, SERIAL, SERIAL + 5, None, "2026-10-01", "soon",
                 dt.datetime(2026, 9, 30), "46316"])
    got = flat(xl.AR_DAYS_PAST_DUE(cells, SERIAL))
    assert got == [10, 0, 0, "#VALUE! due date missing", 30,
                   "#VALUE! due date 'soon' is not a date", 31, 10]


def test_single_cells_and_default_as_of():
    assert xl.AR_DAYS_PAST_DUE(SERIAL - 3, SERIAL) == 3
    assert xl.AR_DAYS_PAST_DUE(D(2000, 1, 1)) > 9000  # as of today
    assert xl.AR_DAYS_PAST_DUE(SERIAL, "not a date").startswith("#VALUE! as-of date")


def test_buckets_from_dates_and_from_days_agree_with_the_engine():
    dues = [SERIAL + 3, SERIAL, SERIAL - 1, SERIAL - 30, SERIAL - 31, SERIAL - 120, SERIAL - 121]
    by_date = flat(xl.AR_BUCKET(col(dues), SERIAL))
    by_days = flat(xl.AR_BUCKET(col([0, 0, 1, 30, 31, 120, 121])))
    assert by_date == by_days == ["Not due", "Not due", "1-30", "1-30", "31-60", "91-120",
                                  "Over 120"]
    # the engine, on the same due dates
    items = pd.DataFrame({"due_date": pd.to_datetime([D(1899, 12, 30) + dt.timedelta(days=d)
                                                       for d in dues]),
                          "doc_date": pd.NaT, "open_cents": 1})
    assert age_open_items(items, AS_OF)["bucket"].astype(str).tolist() == by_date
    assert xl.AR_BUCKET(45, edges="0,15,30,60") == "31-60"
    assert xl.AR_BUCKET(-2) == "#VALUE! days past due cannot be negative"
    assert xl.AR_BUCKET(5, edges="0,x").startswith("#VALUE! bucket edges")


def test_due_dates_from_terms():
    got = flat(xl.AR_DUE_DATE(col([dt.datetime(2026, 1, 31), 46023.0, None]), "2/10 NET 30"))
    # 46023 = 2026-01-01
    assert got == [D(2026, 3, 2), D(2026, 1, 31), "#VALUE! document date missing"]
    assert xl.AR_DUE_DATE(D(2026, 12, 20), "15 MFI") == D(2027, 1, 15)
    assert "not understood" in xl.AR_DUE_DATE(D(2026, 1, 1), "ZB99")


def test_discount_in_and_out_of_the_window():
    # 2 % of 1,234.56 = 24.6912 -> 24.69, paid on day 10; nothing on day 11
    got = flat(xl.AR_DISCOUNT(col([1234.56, 1234.56, "abc"]), "2/10 NET 30",
                              col([D(2026, 10, 1)] * 3),
                              col([D(2026, 10, 11), D(2026, 10, 12), D(2026, 10, 2)])))
    assert got == [24.69, 0.0, "#VALUE! amount 'abc' is not a number"]


def test_late_interest_simple_actual_365():
    # 10,000.00 x 10.15 % x 364 / 365 = 1,012.2192 -> 1,012.22 (+ 40.00 compensation)
    assert xl.AR_LATE_INTEREST(10000, D(2026, 1, 1), D(2026, 12, 31), 0.1015) == 1012.22
    assert xl.AR_LATE_INTEREST(10000, D(2026, 1, 1), D(2026, 12, 31), 10.15, True) == 1052.22
    # default: EU rate = 2.15 reference + 8 points = 10.15 %
    assert xl.AR_LATE_INTEREST(10000, D(2026, 1, 1), D(2026, 12, 31)) == 1012.22
    assert xl.AR_LATE_INTEREST(10000, D(2026, 1, 1), D(2025, 12, 1), 0.1) == 0.0  # paid early
    assert xl.AR_LATE_INTEREST(10000, D(2026, 1, 1), D(2026, 2, 1), "ten").startswith("#VALUE!")


def test_dso_family_on_a_hand_worked_quarter():
    # Quarter of 90 days, credit sales 300,000.00, AR 100,000.00 of which 40,000.00 current.
    assert xl.AR_DSO(100000, 300000, 90) == pytest.approx(30.0)           # 100/300 x 90
    assert xl.AR_BEST_DSO(40000, 300000, 90) == pytest.approx(12.0)       # 40/300 x 90
    assert xl.AR_ADD(100000, 40000, 300000, 90) == pytest.approx(18.0)    # 30 - 12
    # CEI: begin 50,000 + sales 300,000 - end 100,000 = 250,000 collected
    #      out of 50,000 + 300,000 - 40,000 current = 310,000 collectible -> 80.645 %
    assert xl.AR_CEI(50000, 300000, 100000, 40000) == pytest.approx(250 / 310 * 100)
    assert xl.AR_DSO(100, 0, 90).startswith("#VALUE!")


def test_countback_dso():
    # AR 250 against monthly sales 100, 100, 100 (30-day months): 30 + 30 + 15 = 75 days
    assert xl.AR_DSO_COUNTBACK(250, col([100, 100, 100])) == pytest.approx(75)
    # with real month lengths 31, 30, 31: 31 + 30 + 0.5 x 31 = 76.5
    assert xl.AR_DSO_COUNTBACK(250, ((100, 31), (100, 30), (100, 31))) == pytest.approx(76.5)
    assert "more months" in xl.AR_DSO_COUNTBACK(500, col([100]))


def test_dunning_levels():
    assert flat(xl.AR_DUNNING_LEVEL(col([0, 5, 6, 34, 35, 65, 95, None]))) == [
        0, 0, 1, 1, 2, 3, 4, "#VALUE! days past due missing"]
    assert xl.AR_DUNNING_LEVEL(25, "10,20,30;grace=0") == 2
    assert xl.AR_DUNNING_LEVEL(25, "30,20").startswith("#VALUE!")


RANGE = (
    ("Customer", "Invoice", "Due Date", "Open Balance", "Sales Rep"),
    ("Acme", "I-1", SERIAL - 100, 100.0, "Ann"),
    ("Acme", "I-2", SERIAL - 10, 50.5, "Ann"),
    ("Beta", "I-3", dt.datetime(2026, 11, 15), 20.0, "Bo"),
    ("Beta", "I-4", None, 1.0, "Bo"),
    ("Acme", "C-9", SERIAL - 40, -25.25, "Ann"),
)


def test_aging_table_spills_with_totals_and_reports_skipped_rows():
    rows = xl.AR_AGING(RANGE, SERIAL)
    assert rows[0] == ["Customer", "Currency", "Not due", "1-30", "31-60", "61-90", "91-120",
                       "Over 120", "Total"]
    assert rows[1] == ["Acme", "USD", 0.0, 50.5, -25.25, 0.0, 100.0, 0.0, 125.25]
    assert rows[2] == ["Beta", "USD", 20.0, 0.0, 0.0, 0.0, 0.0, 0.0, 20.0]
    assert rows[3] == ["Total", "USD", 20.0, 50.5, -25.25, 0.0, 100.0, 0.0, 145.25]
    assert rows[4][0].startswith("#VALUE! 1 row(s) not aged")
    by_partner = xl.AR_AGING(RANGE, SERIAL, None, "sales partner")
    assert [r[0] for r in by_partner[1:3]] == ["Ann", "Bo"]
    assert xl.AR_AGING((("Name", "Amount"), ("x", 1)), SERIAL).startswith("#VALUE!")


def test_open_balance_by_number_or_name():
    got = flat(xl.AR_OPEN_BALANCE(col(["Acme", "beta", "Nobody", None]), RANGE))
    # Beta's I-4 has no due date but is open all the same: 20.00 + 1.00
    assert got == [125.25, 21.0, 0.0, "#VALUE! customer missing"]


def test_serial_conversion_matches_excel():
    assert date_to_excel_serial(np.array(["2026-10-31"], dtype="datetime64[D]"))[0] == SERIAL


# Customer numbers as Excel sends them: a cell holding 1001 arrives as the float 1001.0.
NUMERIC_IDS = (
    ("Customer ID", "Customer Name", "Due Date", "Open Amount"),
    (1001.0, "Acme", SERIAL - 10, 10.0),
    (1001.0, "Acme", SERIAL - 45, 2.5),
    (1002.0, "Beta", SERIAL + 5, 7.0),
)


def test_numeric_customer_ids_match_in_the_range_and_the_argument():
    assert xl.AR_OPEN_BALANCE(1001.0, NUMERIC_IDS) == 12.5
    assert xl.AR_OPEN_BALANCE("1002", NUMERIC_IDS) == 7.0       # typed as text
    assert xl.AR_OPEN_BALANCE(1002, NUMERIC_IDS) == 7.0         # an int
    assert flat(xl.AR_OPEN_BALANCE(col([1001.0, 1002.0, 1003.0]), NUMERIC_IDS)) == [
        12.5, 7.0, 0.0]
    rows = xl.AR_AGING(NUMERIC_IDS, SERIAL)
    assert [r[0] for r in rows[1:3]] == ["1001", "1002"]        # the number as the user sees it
    assert rows[1][2:] == [0.0, 10.0, 2.5, 0.0, 0.0, 0.0, 12.5]


def test_late_interest_rate_follows_one_documented_rule():
    due, paid = D(2026, 1, 1), D(2027, 1, 1)                    # 365 days late
    # below 1: a fraction (what a cell formatted 10% sends); 1 or more: percent
    assert xl.AR_LATE_INTEREST(1000, due, paid, 0.1) == 100.0
    assert xl.AR_LATE_INTEREST(1000, due, paid, 10) == 100.0
    assert xl.AR_LATE_INTEREST(1000, due, paid, 1) == 10.0      # exactly 1 is 1 %, not 100 %
    assert xl.AR_LATE_INTEREST(1000, due, paid, 1.0) == 10.0
    # text with % is percent as written, also below 1 %
    assert xl.AR_LATE_INTEREST(1000, due, paid, "10%") == 100.0
    assert xl.AR_LATE_INTEREST(1000, due, paid, "0.5%") == 5.0
    assert xl.AR_LATE_INTEREST(1000, due, paid, 0.005) == 5.0
    assert xl.AR_LATE_INTEREST(1000, due, paid, -2).startswith("#VALUE! interest rate")


def test_late_interest_compensation_flag_as_excel_sends_it():
    due, paid = D(2026, 1, 1), D(2027, 1, 1)
    plain = 100.0                                               # 1,000 x 10 % x 365/365
    for false in (False, "FALSE", "false", 0, 0.0, None, "", "no"):
        assert xl.AR_LATE_INTEREST(1000, due, paid, 10, false) == plain, false
    for true in (True, "TRUE", "true", 1, 1.0, "yes"):
        assert xl.AR_LATE_INTEREST(1000, due, paid, 10, true) == plain + 40, true
    assert xl.AR_LATE_INTEREST(1000, due, paid, 10, "maybe") == \
        "#VALUE! compensation must be TRUE or FALSE, not 'maybe'"


def test_the_fixed_40_euros_are_added_to_euro_amounts_only():
    due, paid = D(2026, 1, 1), D(2027, 1, 1)
    assert xl.AR_LATE_INTEREST(1000, due, paid, 10, True) == 140.0          # default EUR
    assert xl.AR_LATE_INTEREST(1000, due, paid, 10, True, "EUR") == 140.0
    assert xl.AR_LATE_INTEREST(1000, due, paid, 10, False, "USD") == 100.0
    refused = xl.AR_LATE_INTEREST(1000, due, paid, 10, True, "USD")
    assert refused.startswith("#VALUE!") and "EUR 40" in refused and "USD" in refused
    # per cell: yen have no minor unit (10 % of 5,000 yen = 500 yen, not 5.00)
    got = flat(xl.AR_LATE_INTEREST(col([1000, 5000]), due, paid, 10, False,
                                   col(["EUR", "JPY"])))
    assert got == [100.0, 500.0]
    assert xl.AR_LATE_INTEREST(1000, due, paid, 10, False, "EURO").startswith(
        "#VALUE! currency 'EURO'")


def test_one_value_arguments_refuse_a_range_of_several_cells():
    block = ((100000.0, 5.0), (7.0, 8.0))                      # raw 2 x 2
    row = [300000.0, 1.0]                                       # default converter, one row
    for got in (xl.AR_DSO(block, 300000, 90), xl.AR_DSO(100000, row, 90),
                xl.AR_DSO(100000, 300000, col([90, 30])),
                xl.AR_BEST_DSO(col([40000, 1]), 300000, 90),
                xl.AR_ADD(100000, 40000, 300000, [[90.0, 91.0]]),
                xl.AR_CEI(50000, 300000, 100000, col([40000, 0])),
                xl.AR_DSO_COUNTBACK(col([250, 1]), col([100, 100, 100]))):
        assert isinstance(got, str) and got.startswith("#VALUE!") and "one cell" in got, got
    assert xl.AR_DSO(block, 300000, 90) == \
        "#VALUE! AR balance must be one cell, not a range of 4 cells"
    # a one-cell range (raw: a 1 x 1 tuple) is that cell; countback's months stay a range
    assert xl.AR_DSO(((100000.0,),), 300000, 90) == pytest.approx(30.0)
    assert xl.AR_DSO_COUNTBACK(((250.0,),), col([100, 100, 100])) == pytest.approx(75)
    assert xl.AR_DAYS_PAST_DUE(SERIAL - 3, col([SERIAL, SERIAL])).startswith(
        "#VALUE! as-of date must be one cell")


def test_bucket_edges_from_a_number_or_a_range_of_numbers():
    assert xl.AR_BUCKET(45, edges="0,15,30,60") == "31-60"
    assert xl.AR_BUCKET(45, edges=[[0.0, 15.0, 30.0, 60.0]]) == "31-60"      # a row range
    assert xl.AR_BUCKET(45, edges=col([0.0, 15.0, 30.0, 60.0, None])) == "31-60"  # a column
    assert xl.AR_BUCKET(45, edges=[0.0, 15.0, 30.0, 60.0]) == "31-60"        # 1-D list
    assert xl.AR_BUCKET(45, edges=30.0) == "Over 30"                         # one cell
    assert xl.AR_BUCKET(20, edges=30.0) == "1-30" and xl.AR_BUCKET(0, edges=30.0) == "Not due"
    assert xl.AR_BUCKET(45, edges=[[0.0, 7.5]]).startswith("#VALUE! bucket edges")
    assert xl.AR_BUCKET(45, edges=[[0.0, "soon"]]).startswith("#VALUE! bucket edges")
    rows = xl.AR_AGING(NUMERIC_IDS, SERIAL, [[0.0, 30.0]])
    assert rows[0] == ["Customer", "Currency", "Not due", "1-30", "Over 30", "Total"]
    assert rows[1] == ["1001", "USD", 0.0, 10.0, 2.5, 12.5]
