"""Dates as ERP exports write them, read into real dates, vectorised.

A date column may hold real dates (from an XLSX), Excel serial numbers
(``45961``), compact SAP dates (``20261031``), ISO text, ``31.10.2026``,
``10/31/2026``, ``31-Oct-26`` or ``31 de octubre de 2026``.  The day/month
order of slashed dates is decided once per column from the values that prove
it (a first part above 12 means day first), and the decision is reported.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "ParsedDates",
    "parse_dates",
    "detect_date_order",
    "detect_column_order",
    "excel_serial_to_date",
    "date_to_excel_serial",
    "day_numbers",
    "EXCEL_EPOCH",
    "DATE_DTYPE",
]

#: The dtype of every date column in xlar's frames.
DATE_DTYPE = "datetime64[ns]"

# Excel's 1900 date system counts 1900-02-29, a day that never was; from serial
# 61 on, serial n is EXCEL_EPOCH + n days.
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000  # 1954-10-03 .. 2119-01-10: plausible AR dates
#: Dates outside these years are typing errors in any AR column.
_FIRST_DAY, _END_DAY = np.datetime64("1900-01-01", "D"), np.datetime64("2200-01-01", "D")

_MONTHS = {
    # English
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
    "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
    # Spanish
    "ene": 1, "enero": 1, "febrero": 2, "marzo": 3, "abr": 4, "abril": 4,
    "mayo": 5, "junio": 6, "julio": 7, "ago": 8, "agosto": 8, "septiembre": 9,
    "set": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "dic": 12,
    "diciembre": 12,
}
_MONTH_WORD = re.compile(r"[a-záéíóú]+", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"^(\d{1,4})/(\d{1,2})/(\d{1,4})$")


class ParsedDates(NamedTuple):
    """Result of parsing a column of dates.

    Attributes:
      dates: datetime64[ns] array, NaT where not parsed (or empty).
      ok: True where a date was read.
      empty: True where the cell was empty (not an error by itself; the
        caller decides whether the date was required).
      reason: None or why the value was refused.
      order: "DMY", "MDY" or "YMD": how slashed dates were read.
      order_proved: False when no value proved the order and it was assumed.
    """

    dates: np.ndarray
    ok: np.ndarray
    empty: np.ndarray
    reason: np.ndarray
    order: str
    order_proved: bool


def excel_serial_to_date(serial) -> np.ndarray:
    """Excel serial numbers (1900 system, fractions are times) to datetime64[D]."""
    s = np.floor(np.asarray(serial, dtype=np.float64)).astype(np.int64)
    # Serials below 61 predate Excel's phantom 1900-02-29.
    return np.where(s < 61, EXCEL_EPOCH + s + 1, EXCEL_EPOCH + s).astype("datetime64[D]")


def date_to_excel_serial(dates) -> np.ndarray:
    """datetime64 values to Excel serial numbers (int64; NaT becomes -1)."""
    d = np.asarray(dates).astype("datetime64[D]")
    out = (d - EXCEL_EPOCH).astype(np.int64)
    out[np.isnat(d)] = -1
    return out


def day_numbers(dates) -> np.ndarray:
    """Days since 1970-01-01 as int64 (NaT as the minimum int64): fast date arithmetic."""
    return np.asarray(dates).astype("datetime64[D]").astype(np.int64)


def _normalise_text(s: pd.Series) -> pd.Series:
    """Lower-case, turn '.', '-', ' ', ',' separators into '/', and month words into numbers."""
    t = s.str.strip().str.lower()
    # Drop a time part: "2026-10-31 00:00:00", "2026-10-31T08:00".
    t = t.str.replace(r"[t ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(am|pm)?$", "", regex=True)
    # "31 de octubre de 2026"; a match starts only at the first of several spaces, so a
    # cell of 200,000 spaces is one pass, not 200,000.
    t = t.str.replace(r"(?<!\s)\s+de\s+", " ", regex=True)
    if t.str.contains(r"[a-z]", regex=True).any():
        def month_no(m: re.Match) -> str:
            n = _MONTHS.get(m.group(0).lower())
            return f"m{n}" if n else m.group(0)

        t = t.str.replace(_MONTH_WORD, month_no, regex=True)
    t = t.str.replace(r"[.\-\s,]+", "/", regex=True).str.strip("/")
    return t


def _month_word_to_dmy(t: pd.Series) -> pd.Series:
    """'31/m10/2026' or 'm10/31/2026' -> '31/10/2026' (day first, unambiguous)."""
    dmy = t.str.replace(r"^(\d{1,2})/m(\d{1,2})/(\d{2,4})$", r"\1/\2/\3", regex=True)
    dmy = dmy.str.replace(r"^m(\d{1,2})/(\d{1,2})/(\d{2,4})$", r"\2/\1/\3", regex=True)
    return dmy


def detect_date_order(texts: pd.Series, default: str = "MDY") -> tuple[str, bool]:
    """Decide D/M/Y or M/D/Y for a column of slashed numeric dates.

    Returns (order, proved); never "YMD", which is only used when forced.  A
    value whose first part is above 12 proves day-first; whose second part is
    above 12 proves month-first.  A column that proves both is reported by
    the caller row by row as unreadable.
    """
    parts = texts.str.extract(_NUMERIC_DATE)
    if parts.empty:
        return default, False
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    # Year-first dates (2026/10/31) are read as such in any column and say
    # nothing about the order of the others.
    other = parts[0].str.len() != 4
    dmy = int(((first > 12) & (second <= 12) & other).sum())
    mdy = int(((second > 12) & (first <= 12) & other).sum())
    if dmy > mdy:
        return "DMY", True
    if mdy > dmy:
        return "MDY", True
    return default, False


def detect_column_order(columns, default: str = "MDY") -> tuple[str, bool]:
    """Decide the day/month order once for several date columns of one file.

    An export writes all its dates the same way, so a due date of 31.10.2026
    settles how 01.10.2026 in the document-date column is read.  Dates
    written with dots (01.10.2026) are day-first by convention when nothing
    else proves the order.
    """
    texts = []
    for values in columns:
        s = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
        s = pd.Series(pd.unique(s), dtype=object)
        s = s[s.map(lambda v: isinstance(v, str) and bool(v.strip()))]
        if len(s):
            texts.append(s.astype(str).str.strip())
    if not texts:
        return default, False
    text = pd.Series(pd.unique(pd.concat(texts, ignore_index=True)), dtype=object)
    norm = _normalise_text(text)
    order, proved = detect_date_order(norm[~norm.str.contains("m", regex=False)], default)
    if not proved and text.str.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2,4}").mean() > 0.5:
        return "DMY", True
    return order, proved


_FORMATS = {
    "DMY": ["%d/%m/%Y", "%d/%m/%y"],
    "MDY": ["%m/%d/%Y", "%m/%d/%y"],
    "YMD": ["%Y/%m/%d"],
}


def parse_dates(values, order: str | None = None, default_order: str = "MDY") -> ParsedDates:
    """Parse a column of dates of any of the shapes ERP exports use.

    *order* forces ``"DMY"``, ``"MDY"`` or ``"YMD"`` for slashed dates;
    by default it is detected from the column (falling back to
    *default_order*, which the caller reports as an assumption).
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    s = s.reset_index(drop=True)
    n = len(s)
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = np.zeros(n, dtype=bool)
    empty = np.zeros(n, dtype=bool)
    reason = np.full(n, None, dtype=object)
    if n == 0:
        return ParsedDates(days.astype(DATE_DTYPE), ok, empty, reason, order or default_order,
                           False)

    if s.dtype.kind == "M":
        d = s.to_numpy().astype("datetime64[D]")
        good = ~np.isnat(d)
        return ParsedDates(d.astype(DATE_DTYPE), good, ~good, reason, order or default_order, True)

    if n > 256:
        # A column of a million dates holds a few thousand distinct ones:
        # read each distinct text once and spread the results.
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        if len(uniques) == 0:  # nothing but empty cells
            return ParsedDates(np.full(n, np.datetime64("NaT"), dtype=DATE_DTYPE),
                               np.zeros(n, bool), np.ones(n, bool),
                               np.full(n, None, dtype=object), order or default_order, False)
        if len(uniques) < n // 2:
            u = parse_dates(pd.Series(np.asarray(uniques, dtype=object), dtype=object),
                            order, default_order)
            missing = codes < 0
            safe = np.where(missing, 0, codes)
            dates = np.where(missing, np.datetime64("NaT"), u.dates[safe]).astype(DATE_DTYPE)
            reason = np.where(missing, None, u.reason[safe]).astype(object)
            return ParsedDates(dates, ~missing & u.ok[safe], missing | u.empty[safe], reason,
                               u.order, u.order_proved)

    obj = s.to_numpy(dtype=object)
    kind = np.empty(n, dtype="U1")  # d=date-like, n=number, s=text, e=empty, x=other
    for i, v in enumerate(obj):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            kind[i] = "e"
        elif isinstance(v, (dt.date, np.datetime64, pd.Timestamp)):
            kind[i] = "d"
        elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            kind[i] = "n"
        elif isinstance(v, str):
            kind[i] = "e" if not v.strip() else "s"
        else:
            kind[i] = "x"
    empty = kind == "e"

    # Real dates (from XLSX cells).
    idx = np.flatnonzero(kind == "d")
    if idx.size:
        days[idx] = pd.to_datetime(pd.Series(obj[idx]), errors="coerce").to_numpy().astype(
            "datetime64[D]"
        )
        ok[idx] = ~np.isnat(days[idx])

    # Numbers: Excel serials, or yyyymmdd.
    idx = np.flatnonzero(kind == "n")
    if idx.size:
        _parse_numeric(obj[idx].astype(np.float64), idx, days, ok, reason,
                       [repr(v) for v in obj[idx]])

    # Text.
    result_order, result_proved = order or default_order, order is not None
    idx = np.flatnonzero(kind == "s")
    if idx.size:
        raw = pd.Series(obj[idx], dtype=object).astype(str).str.strip()
        numeric = raw.str.fullmatch(r"\d+(\.\d+)?").to_numpy()
        if numeric.any():
            _parse_numeric(raw[numeric].astype(float).to_numpy(), idx[numeric], days, ok, reason,
                           [repr(v) for v in raw[numeric]])
        if (~numeric).any():
            result_order, result_proved = _parse_text(
                raw[~numeric].reset_index(drop=True), idx[~numeric], days, ok, reason,
                order, default_order)

    for i in np.flatnonzero(kind == "x"):
        reason[i] = f"date {obj[i]!r} is not a date"
    # A typed year 6026 or 0001 is a typing error, and no date column holds it
    # (nanoseconds end in 2262): rejected with the reason, never wrapped round.
    far = ok & ((days < _FIRST_DAY) | (days >= _END_DAY))
    for i in np.flatnonzero(far):
        shown = obj[i].isoformat()[:10] if isinstance(obj[i], dt.date) else repr(obj[i])
        reason[i] = (f"date {shown} is outside the years {_FIRST_DAY.astype(object).year}-"
                     f"{_END_DAY.astype(object).year - 1} (a typing error?)")
    ok &= ~far
    days[far] = np.datetime64("NaT")
    return ParsedDates(days.astype(DATE_DTYPE), ok, empty, reason, result_order, result_proved)


def _parse_text(raw: pd.Series, idx: np.ndarray, days, ok, reason, order, default_order):
    words = _normalise_text(raw)
    # Dates written with a month name ('m10' after normalising) are made
    # day-first below; note which they were before the marker goes.
    has_word = words.str.contains("m", regex=False).to_numpy()
    norm = _month_word_to_dmy(words)
    if order is None:
        order, proved = detect_date_order(norm[~has_word], default_order)
    else:
        proved = True
    # Days, not nanoseconds: a year past 2262 parses, and is judged in parse_dates.
    parsed = np.full(len(norm), np.datetime64("NaT"), dtype="datetime64[D]")
    # Year-first ISO dates are never ambiguous: accepted in any column.
    attempts = [(f, ~has_word) for f in _FORMATS[order]] + [("%Y/%m/%d", ~has_word)]
    attempts += [(f, has_word) for f in _FORMATS["DMY"]]
    for fmt, allowed in attempts:
        todo = np.isnat(parsed) & allowed
        if todo.any():
            parsed[todo] = pd.to_datetime(norm[todo], format=fmt, errors="coerce") \
                .to_numpy().astype("datetime64[D]")
    got = ~np.isnat(parsed)
    days[idx[got]] = parsed[got]
    ok[idx[got]] = True
    for j in np.flatnonzero(~got):
        reason[idx[j]] = _why_not_a_date(raw.iloc[j], norm.iloc[j], order)
    return order, proved


def _parse_numeric(vals: np.ndarray, idx: np.ndarray, days, ok, reason, shown) -> None:
    compact = (vals >= 19000101) & (vals <= 21001231) & (vals == np.floor(vals))
    if compact.any():
        txt = pd.Series(vals[compact].astype(np.int64).astype(str))
        d = pd.to_datetime(txt, format="%Y%m%d", errors="coerce").to_numpy().astype("datetime64[D]")
        days[idx[compact]] = d
        ok[idx[compact]] = ~np.isnat(d)
        for j in np.flatnonzero(compact)[np.isnat(d)]:
            reason[idx[j]] = f"date {shown[j]} is not a real date (read as YYYYMMDD)"
    serial = ~compact & (vals >= _SERIAL_MIN) & (vals < _SERIAL_MAX)
    if serial.any():
        days[idx[serial]] = excel_serial_to_date(vals[serial])
        ok[idx[serial]] = True
    for j in np.flatnonzero(~compact & ~serial):
        reason[idx[j]] = (
            f"date {shown[j]} is a number that is neither an Excel date serial "
            f"({_SERIAL_MIN}-{_SERIAL_MAX}) nor YYYYMMDD"
        )


def _why_not_a_date(raw: str, norm: str, order: str) -> str:
    m = _NUMERIC_DATE.match(norm)
    if m:
        shape = {"DMY": "day/month/year", "MDY": "month/day/year", "YMD": "year/month/day"}[order]
        return f"date {raw!r} is not a real date (read as {shape})"
    return f"date {raw!r} not understood (expected e.g. 2026-10-31, 31.10.2026 or 10/31/2026)"
