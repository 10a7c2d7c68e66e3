"""Dates in every shape exports use, and payment terms -> due dates and discounts."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlar.dates import detect_column_order, excel_serial_to_date, parse_dates
from xlar.terms import TermsError, discount_earned, due_date, due_dates, parse_terms

D = dt.date


def as_dates(parsed):
    return [None if pd.isna(x) else pd.Timestamp(x).date() for x in parsed.dates]


def test_every_shape_of_date_reads_to_the_same_day():
    values = ["31.10.2026", "2026-10-31", "20261031", "46326", 46326.75, "31-Oct-26",
              "31 de octubre de 2026", "Oct 31, 2026", D(2026, 10, 31), "2026-10-31 00:00:00"]
    p = parse_dates(values)
    assert as_dates(p) == [D(2026, 10, 31)] * len(values)
    assert p.ok.all()


def test_excel_serials_follow_the_1900_system():
    # 1 = 1900-01-01, 60 = the phantom 1900-02-29, 61 = 1900-03-01, 45292 = 2024-01-01
    got = excel_serial_to_date([1, 61, 45292]).tolist()
    assert got == [D(1900, 1, 1), D(1900, 3, 1), D(2024, 1, 1)]


def test_a_day_above_12_decides_the_order_for_the_whole_file():
    # Document dates alone are ambiguous; a due date of 31/10 proves day-first.
    order, proved = detect_column_order([pd.Series(["01/10/2026", "05/10/2026"]),
                                         pd.Series(["31/10/2026"])])
    assert (order, proved) == ("DMY", True)
    order, proved = detect_column_order([pd.Series(["1/5/2013", "12/31/2013"])])
    assert (order, proved) == ("MDY", True)
    assert detect_column_order([pd.Series(["01.02.2026"])]) == ("DMY", True)  # dots: day first
    assert detect_column_order([pd.Series(["01/02/2026"])], "MDY") == ("MDY", False)


def test_bad_dates_are_refused_with_a_reason_and_empties_are_not_errors():
    p = parse_dates(["31.02.2026", "soon", "", None, 12, "2026-02-28"], order="DMY")
    assert p.ok.tolist() == [False, False, False, False, False, True]
    assert p.empty.tolist() == [False, False, True, True, False, False]
    assert "not a real date" in p.reason[0]
    assert "not understood" in p.reason[1]
    assert "neither an Excel date serial" in p.reason[4]


@given(st.lists(st.one_of(st.text(max_size=12), st.floats(allow_nan=True), st.integers(),
                          st.none()), max_size=20))
def test_garbage_dates_never_raise_and_every_value_is_accounted_for(values):
    p = parse_dates(pd.Series(values, dtype=object))
    assert len(p.dates) == len(values)
    # each value is exactly one of: read, empty, or refused with a reason
    refused = np.array([r is not None for r in p.reason])
    assert ((p.ok.astype(int) + p.empty.astype(int) + refused.astype(int)) == 1).all()


@pytest.mark.parametrize("terms, doc, due", [
    ("NET 30", D(2026, 1, 31), D(2026, 3, 2)),
    ("Neto 30", D(2026, 1, 31), D(2026, 3, 2)),
    ("2/10 NET 30", D(2026, 10, 1), D(2026, 10, 31)),
    ("2% 10 Net 30", D(2026, 10, 1), D(2026, 10, 31)),
    ("EOM", D(2026, 2, 10), D(2026, 2, 28)),
    ("NET 30 EOM", D(2026, 1, 15), D(2026, 3, 2)),        # Jan 31 + 30 days
    ("Neto 30 FDM", D(2026, 1, 15), D(2026, 3, 2)),
    ("Due on receipt", D(2026, 5, 5), D(2026, 5, 5)),
    ("Contado", D(2026, 5, 5), D(2026, 5, 5)),
    ("15 MFI", D(2026, 12, 20), D(2027, 1, 15)),          # over the year end
    ("31 MFI", D(2026, 1, 10), D(2026, 2, 28)),           # no Feb 31st: last day
    ("10th prox", D(2026, 3, 31), D(2026, 4, 10)),
    ("20th of the following month", D(2026, 6, 1), D(2026, 7, 20)),
    ("30 días", D(2026, 6, 1), D(2026, 7, 1)),
    ("Neto 30 días", D(2026, 6, 1), D(2026, 7, 1)),
    ("Pago a 30 días", D(2026, 6, 1), D(2026, 7, 1)),
    ("pago a 60 dias", D(2026, 6, 1), D(2026, 7, 31)),
    ("Pago a 30 días fin de mes", D(2026, 6, 10), D(2026, 7, 30)),   # Jun 30 + 30 days
    # 2/10 EOM: net due on the last day of the month after the document's month
    ("2/10 EOM", D(2026, 1, 5), D(2026, 2, 28)),
    ("2/10 EOM", D(2026, 1, 31), D(2026, 2, 28)),
    ("2% 10 EOM", D(2026, 12, 15), D(2027, 1, 31)),      # over the year end
])
def test_terms_give_the_due_date(terms, doc, due):
    assert due_date(parse_terms(terms), doc) == due


def test_2_10_eom_discount_runs_to_the_10th_of_the_following_month():
    t = parse_terms("2/10 EOM")
    assert t.discount_pct == Decimal(2)
    # an invoice of 1,000.00 dated Jan 5th: 2 % (20.00) if paid by Feb 10th, not after
    assert discount_earned(100000, t, D(2026, 1, 5), D(2026, 1, 20)) == 2000
    assert discount_earned(100000, t, D(2026, 1, 5), D(2026, 2, 10)) == 2000
    assert discount_earned(100000, t, D(2026, 1, 5), D(2026, 2, 11)) == 0
    # dated Jan 31st: the same window, Feb 10th
    assert discount_earned(100000, t, D(2026, 1, 31), D(2026, 2, 10)) == 2000
    # dated Dec 20th: Jan 10th of the next year
    assert discount_earned(100000, t, D(2026, 12, 20), D(2027, 1, 10)) == 2000
    assert discount_earned(100000, t, D(2026, 12, 20), D(2027, 1, 11)) == 0


def test_spanish_and_eom_discount_terms_derive_due_dates_in_bulk():
    terms = ["Pago a 30 días", "2/10 EOM", "2/10 EOM", "Neto 30 días"]
    docs = np.array(["2026-06-01", "2026-01-05", "2026-11-30", "2026-06-01"],
                    dtype="datetime64[D]")
    dates, why = due_dates(terms, docs)
    assert [pd.Timestamp(d).date() for d in dates] == [
        D(2026, 7, 1), D(2026, 2, 28), D(2026, 12, 31), D(2026, 7, 1)]
    assert list(why) == [None] * 4


def test_unknown_terms_are_refused_not_guessed():
    with pytest.raises(TermsError, match="not understood"):
        parse_terms("ZB01")
    with pytest.raises(TermsError, match="day of the month"):
        parse_terms("MFI")
    with pytest.raises(TermsError, match="longer than the net period"):
        parse_terms("2/45 NET 30")
    with pytest.raises(TermsError, match="would pass the due date"):
        parse_terms("2/31 EOM")
    # a site code mapped to known terms is fine
    assert parse_terms("ZB01", {"ZB01": "2/10 NET 30"}).discount_pct == Decimal(2)


def test_vectorised_due_dates_match_one_by_one_and_explain_failures():
    terms = ["NET 30", "15 MFI", "bogus", "NET 30 EOM", "NET 30"]
    docs = np.array(["2026-01-31", "2026-12-20", "2026-01-01", "2026-01-15", "NaT"],
                    dtype="datetime64[D]")
    dates, why = due_dates(terms, docs)
    got = [None if np.isnat(d) else pd.Timestamp(d).date() for d in dates]
    assert got == [D(2026, 3, 2), D(2027, 1, 15), None, D(2026, 3, 2), None]
    assert why[0] is None and "not understood" in why[2] and "document date is missing" in why[4]


def test_early_payment_discount_inside_and_outside_the_window():
    t = parse_terms("2/10 NET 30")
    # 2 % of 1,234.56 = 24.6912 -> 24.69
    assert discount_earned(123456, t, D(2026, 10, 1), D(2026, 10, 11)) == 2469
    assert discount_earned(123456, t, D(2026, 10, 1), D(2026, 10, 12)) == 0
    # half a cent rounds away from zero, as Excel's ROUND does: 2% of 0.25 = 0.005 -> 0.01
    assert discount_earned(25, t, D(2026, 10, 1), D(2026, 10, 1)) == 1
    assert discount_earned(123456, parse_terms("NET 30"), D(2026, 10, 1), D(2026, 10, 2)) == 0
