"""Exact money: integer minor units (cents) with an ISO 4217 currency.

Amounts live in int64 columns of minor units inside the engine.  Text from the
outside world is turned into minor units here, once, exactly; Decimal is used
only at the edges (reading, formatting).  Nothing in xlar sums money as float.

The reader side is written for messy ERP exports: ``1.234,56-`` (SAP trailing
minus), ``(1,234.56)`` and ``($1,234.56)`` (accounting negatives), ``1'234.50``
(Swiss), ``1 234,56`` (French, with a no-break space), ``USD 12.00``, ``12.00 CR``.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "Money",
    "ParsedAmounts",
    "minor_digits",
    "is_currency",
    "parse_amount",
    "parse_amounts",
    "detect_decimal_separator",
    "cents_to_decimal",
    "cents_to_units",
    "round_half_up",
    "format_money",
    "format_moneys",
]


class Money(NamedTuple):
    """An exact amount.

    Attributes:
      cents: the amount in the currency's minor units (cents for USD/EUR,
        yen for JPY, fils for BHD); negative for credits.
      currency: ISO 4217 code, upper case.
    """

    cents: int
    currency: str

    def __str__(self) -> str:
        return f"{cents_to_decimal(self.cents, self.currency)} {self.currency}"


@cache
def minor_digits(currency: str) -> int:
    """Number of decimals of a currency (2 for USD/EUR, 0 for JPY, 3 for BHD)."""
    from babel.numbers import get_currency_precision

    return get_currency_precision(currency.upper())


@cache
def _known_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    """True when *code* is an ISO 4217 currency code known to CLDR."""
    return isinstance(code, str) and code.upper() in _known_currencies()


def cents_to_decimal(cents: int, currency: str = "USD") -> Decimal:
    """Minor units to a Decimal in major units: 123456 USD -> Decimal('1234.56')."""
    return Decimal(int(cents)).scaleb(-minor_digits(currency))


def cents_to_units(cents: np.ndarray | pd.Series, currency: str = "USD") -> np.ndarray:
    """Minor units to floats in major units, for display cells only.

    Excel stores every number as a binary double, so this is the one place money
    becomes a float: on its way into a cell.  It is never summed back.
    """
    return np.asarray(cents, dtype=np.int64) / (10 ** minor_digits(currency))


def round_half_up(value: Decimal, places: int = 0) -> Decimal:
    """Round half away from zero, like Excel's ROUND (not banker's rounding)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _babel_money(cents: int, currency: str, locale: str) -> str:
    from babel.numbers import format_currency

    return format_currency(cents_to_decimal(cents, currency), currency, locale=locale)


@cache
def _money_layout(currency: str, locale: str) -> tuple[str, str, int] | None:
    """(prefix, suffix, decimals) of the money format of *currency* in *locale*, when it is
    the plain ``prefix 1,234,567.89 suffix`` shape; None otherwise (babel then formats).

    Learnt from babel once and checked against it on a few amounts, so the
    fast path writes exactly what babel writes.
    """
    text = _babel_money(0, currency, locale)
    m = re.fullmatch(r"([^\d-]*)0(?:\.(0+))?([^\d]*)", text)
    if m is None:
        return None
    layout = (m.group(1), m.group(3), len(m.group(2) or ""))
    for sample in (-123456789, 123456789, 5, -5, 100000, 1234):
        if _fast_money(sample, *layout) != _babel_money(sample, currency, locale):
            return None
    return layout


def _fast_money(cents: int, prefix: str, suffix: str, digits: int) -> str:
    whole, frac = divmod(abs(int(cents)), 10 ** digits)
    sign = "-" if cents < 0 else ""
    tail = f".{frac:0{digits}d}" if digits else ""
    return f"{sign}{prefix}{whole:,}{tail}{suffix}"


def format_money(cents: int, currency: str, locale: str = "en_US") -> str:
    """Format for people: ``$1,234.56`` (en_US) or ``1.234,56 €`` (es_ES).

    The shape comes from CLDR (babel); for the common shapes it is learnt
    once per currency and written with integer arithmetic (babel costs tens
    of microseconds an amount, and a worklist writes hundreds of thousands).
    """
    layout = _money_layout(currency, locale)
    if layout is None:
        return _babel_money(cents, currency, locale)
    return _fast_money(cents, *layout)


def format_moneys(cents, currencies, where=None, locale: str = "en_US") -> np.ndarray:
    """:func:`format_money` over columns (object array of text); with *where*, only
    those rows are written ('' elsewhere)."""
    cents = np.asarray(cents, dtype=np.int64)
    cur = np.broadcast_to(np.asarray(currencies, dtype=object), cents.shape)
    out = np.full(len(cents), "", dtype=object)
    wanted = np.ones(len(cents), dtype=bool) if where is None else np.asarray(where, dtype=bool)
    for code in pd.unique(cur[wanted]):
        at = np.flatnonzero(wanted & (cur == code))
        if not (isinstance(code, str) and code):
            out[at] = [str(c) for c in cents[at].tolist()]
            continue
        out[at] = [format_money(c, code, locale) for c in cents[at].tolist()]
    return out


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


class ParsedAmounts(NamedTuple):
    """Result of parsing a column of amounts.

    Attributes:
      cents: int64 array of minor units; 0 where the value could not be parsed.
      ok: bool array, True where ``cents`` holds a real amount.
      reason: object array of ``None`` or a sentence saying why a value was refused.
      decimal: the decimal separator that was used for ambiguous values.
    """

    cents: np.ndarray
    ok: np.ndarray
    reason: np.ndarray
    decimal: str


# Negative markers seen in real exports, checked in this order.
_CURRENCY_SYMBOLS = "$€£¥₩₹"
# A currency code before the amount (with the spaces after it), or after it.
_CURRENCY_PREFIX = re.compile(r"^(?:[A-Z]{2}\$|[A-Z]{3})\s*")
_CURRENCY_SUFFIX = re.compile(r"[A-Z]{3}$")
_NUMBER_BODY = re.compile(r"^\d[\d.,' ]*$|^[.,]\d+$")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t")


def _clean_sign(text: str) -> tuple[str, bool, str | None]:
    """Strip sign markers and currency decorations; return (body, negative, error)."""
    t = text.strip().replace("\u2212", "-")  # Unicode minus sign
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1].strip()
    upper = t.upper()
    if upper.endswith("CR"):
        negative, t = True, t[:-2].strip()
    elif upper.endswith("DR"):
        t = t[:-2].strip()
    if t.endswith("-"):
        negative, t = not negative, t[:-1].strip()
    elif t.endswith("+"):
        t = t[:-1].strip()
    t = t.strip(_CURRENCY_SYMBOLS).strip()
    if t.startswith("-"):
        negative, t = not negative, t[1:].strip()
    elif t.startswith("+"):
        t = t[1:].strip()
    # "($1,234.56)" and "-$5.00": the symbol may sit inside the sign.
    if t.startswith("(") and t.endswith(")"):
        negative, t = not negative, t[1:-1].strip()
    t = t.strip(_CURRENCY_SYMBOLS).strip()
    t = _CURRENCY_PREFIX.sub("", t.upper(), count=1)
    # The suffix's spaces are stripped, not matched: r"\s*[A-Z]{3}$" was tried from
    # every space of a long run of them, minutes for one cell of 200,000 spaces.
    if suffix := _CURRENCY_SUFFIX.search(t):
        t = t[:suffix.start()].rstrip() + t[suffix.end():]
    t = t.strip(_CURRENCY_SYMBOLS).strip()
    if not t:
        return "", negative, "no digits"
    if "-" in t or "(" in t or ")" in t:
        return t, negative, "more than one minus sign or bracket"
    return t, negative, None


def _decimal_of_value(body: str) -> str | None:
    """The decimal separator a single value proves, or None when it proves nothing.

    ``1.234,56`` proves ``,``; ``1,234.56`` proves ``.``; ``12,5`` proves ``,``;
    ``1,234`` proves nothing (thousands, or three decimals?).
    """
    last_dot, last_comma = body.rfind("."), body.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        return "." if last_dot > last_comma else ","
    pos = max(last_dot, last_comma)
    if pos < 0:
        return None
    sep = body[pos]
    if body.count(sep) > 1:  # "1.234.567" : repeated means thousands
        return "," if sep == "." else "."
    if len(body) - pos - 1 != 3:
        return sep
    return None


def detect_decimal_separator(values, default: str = ".") -> str:
    """Vote on a column's decimal separator from the values that prove one."""
    votes = {".": 0, ",": 0}
    for v in values:
        if isinstance(v, str):
            body, _, err = _clean_sign(v)
            if err is None:
                sep = _decimal_of_value(body.translate(_SPACES).replace("'", ""))
                if sep:
                    votes[sep] += 1
    if votes[","] > votes["."]:
        return ","
    if votes["."] > votes[","]:
        return "."
    return default


def parse_amount(value, decimal: str = ".", digits: int = 2) -> tuple[int | None, str | None]:
    """Parse one amount into minor units.  Returns ``(cents, None)`` or ``(None, reason)``.

    *value* may be text, an int, a float (as Excel stores numbers) or a Decimal.
    *decimal* is the separator to assume when the text itself does not prove one.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None, "amount is empty"
    if isinstance(value, bool):
        return None, f"amount {value!r} is not a number"
    if isinstance(value, (int, np.integer)):
        return int(value) * 10**digits, None
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return None, f"amount {value!r} is not a finite number"
        # An Excel cell holds the double nearest to what was typed; rounding
        # value*10^digits recovers the typed cents exactly for any amount
        # below 10^13, far above any invoice.
        if abs(value) >= 1e13:
            return None, f"amount {value!r} is too large"
        return int(np.rint(value * 10**digits)), None
    if isinstance(value, Decimal):
        return _decimal_to_minor(value, digits, str(value))
    text = str(value)
    if not text.strip():
        return None, "amount is empty"
    body, negative, err = _clean_sign(text)
    if err:
        return None, f"amount {text.strip()!r} is not a number ({err})"
    body = body.translate(_SPACES).replace("'", "")
    if not _NUMBER_BODY.match(body):
        return None, f"amount {text.strip()!r} is not a number"
    sep = _decimal_of_value(body) or decimal
    thousands = "," if sep == "." else "."
    if body.count(sep) > 1:
        return None, f"amount {text.strip()!r} has more than one decimal separator"
    if sep in body and thousands in body.split(sep)[1]:
        return None, f"amount {text.strip()!r} mixes separators"
    plain = body.replace(thousands, "").replace(sep, ".")
    try:
        d = Decimal(plain)
    except InvalidOperation:
        return None, f"amount {text.strip()!r} is not a number"
    return _decimal_to_minor(-d if negative else d, digits, text.strip())


def _decimal_to_minor(d: Decimal, digits: int, shown: str) -> tuple[int | None, str | None]:
    if not d.is_finite():
        return None, f"amount {shown!r} is not a finite number"
    if d.adjusted() >= 15:  # before scaling: a run of a million digits overflows Decimal
        return None, f"amount {shown!r} is too large"
    scaled = d.scaleb(digits)
    if scaled != scaled.to_integral_value():
        return None, f"amount {shown!r} has more than {digits} decimals"
    if abs(scaled) >= Decimal(10) ** 15:
        return None, f"amount {shown!r} is too large"
    return int(scaled), None


def parse_amounts(values, decimal: str | None = None, digits: int = 2) -> ParsedAmounts:
    """Parse a column of amounts into int64 minor units, vectorised where it can be.

    Plain values (``-1234.56``, or numbers already read as such) take a C-speed
    path; anything decorated (separators, brackets, trailing minus, symbols)
    goes through :func:`parse_amount` one by one.  Every refused value gets a
    reason; none is silently turned into zero.
    """
    s = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values
    n = len(s)
    cents = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    reason = np.full(n, None, dtype=object)
    if n == 0:
        return ParsedAmounts(cents, ok, reason, decimal or ".")

    if s.dtype.kind in "iu":
        return ParsedAmounts(s.to_numpy(np.int64) * 10**digits, np.ones(n, bool), reason,
                             decimal or ".")
    if s.dtype.kind == "f":
        arr = s.to_numpy(np.float64)
        good = np.isfinite(arr) & (np.abs(arr) < 1e13)
        cents[good] = np.rint(arr[good] * 10**digits).astype(np.int64)
        ok[good] = True
        reason[~good & np.isnan(arr)] = "amount is empty"
        reason[~good & ~np.isnan(arr)] = "amount is not a finite number below 10^13"
        return ParsedAmounts(cents, ok, reason, decimal or ".")

    arrow = _arrow_plain(s, decimal, digits)
    if arrow is not None:
        cents, ok = arrow
        if ok.all():
            return ParsedAmounts(cents, ok, reason, decimal or ".")
        todo = ~ok
        rest = parse_amounts(s[todo], decimal, digits)  # decorated or bad: the paths below
        cents[todo], ok[todo], reason[todo] = rest.cents, rest.ok, rest.reason
        return ParsedAmounts(cents, ok, reason, rest.decimal)

    obj = s.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        is_str = ~pd.isna(s).to_numpy()
    else:
        is_str = np.fromiter((isinstance(v, str) for v in obj), bool, n)
    if decimal is None:
        sample = obj[is_str]
        decimal = detect_decimal_separator(sample[: 20000]) if sample.size else "."

    fast = np.zeros(n, dtype=bool)
    # Numbers from spreadsheet cells (floats, ints) and empty cells, vectorised.
    if not is_str.all():
        kind = np.fromiter((0 if v is None or v == "" else
                            1 if type(v) in (float, int, np.float64, np.int64) else 2
                            for v in obj), np.int8, n)
        nums = np.flatnonzero(kind == 1)
        if nums.size:
            x = obj[nums].astype(np.float64)
            good = np.isfinite(x) & (np.abs(x) < 1e13)
            cents[nums[good]] = np.rint(x[good] * 10**digits).astype(np.int64)
            ok[nums[good]] = True
            fast[nums] = good  # the rest (inf, huge) get their reason below
        empty = np.flatnonzero(kind == 0)
        reason[empty] = "amount is empty"
        fast[empty] = True
    if is_str.any():
        idx = np.flatnonzero(is_str)
        x, plain = _vector_parse(np.array(obj[idx], dtype=np.dtypes.StringDType()), decimal,
                                 digits)
        idx = idx[plain]
        cents[idx] = np.rint(x[plain] * 10**digits).astype(np.int64)
        ok[idx] = True
        fast[idx] = True

    # What the vectorised path did not take (numbers from a spreadsheet, "USD 5",
    # "12 CR", garbage) is parsed one by one, with a reason for each refusal.
    for i in np.flatnonzero(~fast):
        c, why = parse_amount(obj[i], decimal, digits)
        if why is None:
            cents[i], ok[i] = c, True
        else:
            reason[i] = why
    return ParsedAmounts(cents, ok, reason, decimal)


def _arrow_plain(s: pd.Series, decimal: str | None, digits: int):
    """Plain ``-1234.56`` text held by Arrow, turned into minor units inside Arrow.

    Exact decimal work, no float: the text is checked by a regular
    expression, cast to Arrow's decimal128 with *digits* decimals, scaled by
    10^digits and cast to int64.  Returns (cents, read mask) or None when the
    column is not Arrow text or its decimal separator is not '.'.
    """
    if decimal not in (None, ".") or not isinstance(s.dtype, pd.StringDtype) or \
            s.dtype.storage != "pyarrow":
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.utf8_trim_whitespace(pa.array(s.array).cast(pa.string()))
    pattern = rf"^-?\d{{1,13}}(\.\d{{0,{digits}}})?$" if digits else r"^-?\d{1,13}\.?$"
    plain = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    if not pc.any(plain).as_py():
        return None
    exact = pc.cast(pc.filter(arr, plain), pa.decimal128(18, digits))
    scale = pa.scalar(Decimal(10**digits), pa.decimal128(4, 0))
    ok = plain.to_numpy(zero_copy_only=False)
    cents = np.zeros(len(s), dtype=np.int64)
    cents[ok] = pc.cast(pc.multiply_checked(exact, scale), pa.int64()).to_numpy()
    return cents, ok


def _to_float(s: np.ndarray) -> np.ndarray:
    """Text of the shape ``digits[.digits]`` to float in C; NaN for anything else.

    Only text made of digits and one dot is converted, so no exponent,
    'nan' or 'inf' can slip through, and numpy's conversion cannot fail.
    """
    st = np.strings
    good = st.isdecimal(st.replace(s, ".", "", 1)) & (st.str_len(s) > 0)
    x = np.full(len(s), np.nan)
    if good.any():
        try:
            x[good] = s[good].astype(np.float64)
        except ValueError:
            # Non-ASCII digits ('٣', '²'): leave them to the one-by-one reader.
            ascii_only = np.array([v.isascii() for v in s[good]], dtype=bool)
            idx = np.flatnonzero(good)[ascii_only]
            x[idx] = s[idx].astype(np.float64)
    return x


def _vector_parse(s: np.ndarray, decimal: str, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised reading of the usual spellings: ``-1234.56``, ``1,234.56``,
    ``(1,234.56)``, ``$1,234.56``, ``1.234,56-``, ``1 234,56``.

    Returns (values as float, mask of values read).  A value is taken only
    when its reading is unambiguous under the column's *decimal* separator:
    at most one sign marker, thousands groups of three, at most *digits*
    decimals.  Everything else is left for :func:`parse_amount`, so both
    paths always agree (a property test holds them to it).

    Float is exact here: the text has at most *digits* decimals and the
    value is below 10^13, so the nearest double times 10^digits rounds to
    the typed integer of minor units.
    """
    st = np.strings
    s = st.strip(s)
    x = np.full(len(s), np.nan)
    plain = np.zeros(len(s), dtype=bool)
    if decimal == ".":
        # Most exports write plain "-1234.56": a few C passes settle them.
        minus = st.startswith(s, "-")
        x = _to_float(np.where(minus, st.lstrip(s, "-"), s))
        x = np.where(minus & (st.count(s, "-") == 1), -x, np.where(minus, np.nan, x))
        dot = st.rfind(s, ".")
        ndec = np.where(dot >= 0, st.str_len(s) - dot - 1, 0)
        plain = np.isfinite(x) & (ndec <= digits) & (np.abs(x) < 1e13)
    rest = np.flatnonzero(~plain)
    if rest.size:
        y, ok = _vector_parse_decorated(s[rest], decimal, digits)
        x[rest], plain[rest] = y, ok
    return x, plain


def _vector_parse_decorated(s: np.ndarray, decimal: str, digits: int):
    st = np.strings
    # Thousands written with spaces or apostrophes (rarer spaces go one by one).
    for ch in (" ", "\u00a0", "'"):
        has = st.find(s, ch) >= 0
        if has.any():
            s = s.copy()
            s[has] = st.replace(s[has], ch, "")
    n_minus, n_open, n_close = st.count(s, "-"), st.count(s, "("), st.count(s, ")")
    lead, trail = st.startswith(s, "-"), st.endswith(s, "-")
    paren = st.startswith(s, "(") & st.endswith(s, ")")
    simple = ((n_minus == 0) | ((n_minus == 1) & (lead | trail))) & (n_open == n_close) & (
        (n_open == 0) | ((n_open == 1) & paren))
    negative = (lead | trail) ^ paren
    body = st.strip(s, "-()+$€£¥")
    thousands = "," if decimal == "." else "."
    ipart, sep, fpart = st.partition(body, np.asarray(decimal, dtype=body.dtype))
    has_dec = st.str_len(sep) > 0
    last = st.rfind(ipart, thousands)
    grouped = (last < 0) | (st.str_len(ipart) - last - 1 == 3)
    clean_frac = (st.count(fpart, thousands) == 0) & (st.count(fpart, decimal) == 0)
    whole = st.replace(ipart, thousands, "")
    canonical = np.where(has_dec, st.add(st.add(whole, "."), fpart), whole)
    x = _to_float(canonical)
    ndec = np.where(has_dec, st.str_len(fpart), 0)
    plain = (simple & grouped & clean_frac & np.isfinite(x) & (ndec <= digits)
             & (np.abs(x) < 1e13))
    return np.where(negative, -x, x), plain
