"""Amounts as ERP exports write them, read to the cent."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlar.money import (
    cents_to_decimal,
    detect_decimal_separator,
    format_money,
    minor_digits,
    parse_amount,
    parse_amounts,
)


@pytest.mark.parametrize("text, cents", [
    ("1.234,56-", -123456),          # SAP trailing minus, comma decimals
    ("(1,234.56)", -123456),         # accounting negative
    ("($1,234.56)", -123456),        # Dynamics GP
    ("$1,234.56", 123456),           # QuickBooks
    ("1'234.50", 123450),            # Swiss thousands separator
    ("1\u00a0234,56", 123456),       # French/Spanish with a no-break space
    ("USD 12.00", 1200),
    ("12.00 CR", -1200),             # credit suffix
    ("-€ 5,00", -500),
    ("\u22125.00", -500),            # Unicode minus
    ("1.234.567,89", 123456789),
    (".5", 50),
    ("7", 700),
])
def test_messy_amounts_read_to_the_cent(text, cents):
    assert parse_amount(text, ".") == (cents, None)


@pytest.mark.parametrize("text, why", [
    ("1.005", "more than 2 decimals"),
    ("abc", "not a number"),
    ("", "empty"),
    ("--5", "more than one minus"),
    ("1e5", "not a number"),
    ("12,34,5.6.7", "more than one decimal separator"),
])
def test_refused_amounts_say_why(text, why):
    cents, reason = parse_amount(text, ".")
    assert cents is None and why in reason


def test_yen_has_no_decimals_and_bahraini_dinar_three():
    assert minor_digits("JPY") == 0 and minor_digits("BHD") == 3
    assert parse_amount("1,234", ".", 0) == (1234, None)
    assert parse_amount("1.234", ",", 3)[0] == 1234000  # thousands separator, whole dinars
    assert parse_amount("12.345", ".", 3) == (12345, None)


def test_a_column_decides_its_decimal_separator_from_the_values_that_prove_it():
    # "1.234" alone could be either; "12,50" proves comma decimals.
    assert detect_decimal_separator(["1.234", "12,50", "3.000"]) == ","
    assert detect_decimal_separator(["1,234", "12.50"]) == "."
    parsed = parse_amounts(["1.234", "12,50", "3.000"])
    assert parsed.cents.tolist() == [123400, 1250, 300000]


def test_column_parse_keeps_every_row_and_explains_refusals():
    p = parse_amounts(["10.00", "x", None, "-2.5", 3.1, "1,000.01"])
    assert p.ok.tolist() == [True, False, False, True, True, True]
    assert p.cents[p.ok].tolist() == [1000, -250, 310, 100001]
    assert "not a number" in p.reason[1] and p.reason[2] == "amount is empty"


def test_excel_doubles_become_the_cents_that_were_typed():
    # 0.1 + 0.2 style doubles: what Excel stores for 1234.57 is not exact.
    values = pd.Series([1234.57, 0.29, -0.07, 99999999.99])
    assert parse_amounts(values).cents.tolist() == [123457, 29, -7, 9999999999]


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_plain_text_path_is_exact_for_any_amount(cents):
    text = str(cents_to_decimal(cents, "USD"))
    # through the vectorised fast path (a column) and the one-by-one path
    assert parse_amounts(pd.Series([text], dtype=object)).cents[0] == cents
    assert parse_amount(text)[0] == cents


@given(st.integers(min_value=-10**11, max_value=10**11))
def test_sap_and_accounting_spellings_are_exact(cents):
    d = cents_to_decimal(abs(cents), "EUR")
    whole, frac = f"{d:.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    sap = f"{grouped},{frac}{'-' if cents < 0 else ''}"
    accounting = f"({int(whole):,}.{frac})" if cents < 0 else f"{int(whole):,}.{frac}"
    assert parse_amount(sap, ",")[0] == cents
    assert parse_amount(accounting, ".")[0] == cents


@given(st.text(max_size=30))
def test_garbage_never_raises_and_is_either_read_or_explained(text):
    cents, reason = parse_amount(text)
    assert (cents is None) != (reason is None)
    p = parse_amounts(pd.Series([text], dtype=object))
    assert p.ok[0] == (p.reason[0] is None)


def test_formatting_follows_the_language():
    assert format_money(123456, "USD", "en_US") == "$1,234.56"
    assert format_money(123456, "EUR", "es_ES") == "1234,56\u00a0€" or \
        format_money(123456, "EUR", "es_ES") == "1.234,56\u00a0€"
    assert cents_to_decimal(-5, "USD") == Decimal("-0.05")
    assert np.int64(5) == parse_amounts(pd.Series([0.05])).cents[0]


_decorations = st.sampled_from([
    "{}", "-{}", "{}-", "({})", "${}", "-${}", "(${})", "{} ", " {}", "€ {}", "{}CR", "+{}",
    "--{}", "{}--", "({}", "USD {}", "{}e2", "1{}", "{}.5",
])


@given(st.integers(min_value=0, max_value=10**11), st.sampled_from([".", ","]),
       st.booleans(), _decorations, st.sampled_from([0, 2, 3]))
def test_vectorised_and_one_by_one_readers_always_agree(cents, sep, grouped, deco, digits):
    """The fast column reader must take exactly the values the careful reader takes,
    with the same result: otherwise a value could read differently by row count."""
    whole, frac = divmod(cents, 100)
    thousands = "," if sep == "." else "."
    body = f"{whole:,}".replace(",", thousands) if grouped else str(whole)
    text = deco.format(f"{body}{sep}{frac:02d}")
    one_cents, one_reason = parse_amount(text, sep, digits)
    # object column (numpy path) and text column (Arrow path when pyarrow is there)
    for col in (parse_amounts(pd.Series([text, text], dtype=object), sep, digits),
                parse_amounts(pd.Series([text, text], dtype="str"), sep, digits)):
        assert (col.cents[0] if col.ok[0] else None) == one_cents
        assert col.ok[0] == (one_reason is None)
