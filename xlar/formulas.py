"""The AR formula functions, as plain Python over what Excel sends.

``udfs/`` wraps each of these in one xlwings decorator; everything they do
happens here, so the functions are tested without Excel and give the same
answers as the engine (they call it).

What Excel sends, and what comes back:

* a single cell (a number, text, a date, None) or a whole range (a list of
  rows); dates as Excel serial numbers (the fast, raw way) or as
  ``datetime``; numbers typed as text; empty cells as None;
* a range comes back as a list of rows of the same shape, a cell as a value;
* a bad cell gives an Excel-style error text in that cell only, e.g.
  ``#VALUE! due date missing``, and the rest of the range is computed;
* an argument that is one value (an as-of date, a DSO figure, a rate) given a
  range of several cells is an error, never silently the range's first cell;
* a customer number comes as a float (a cell holding 1001 sends 1001.0): keys
  are compared as the text the user sees, "1001" (:func:`_key_text`).

Vectorised: a column of 100,000 due dates is one numpy pass, not 100,000 calls.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

from xlar import metrics
from xlar.aging import AgingError, Buckets, make_buckets, parse_edges
from xlar.dates import EXCEL_EPOCH, parse_dates
from xlar.dunning import PolicyError, dunning_levels, parse_policy
from xlar.money import is_currency, minor_digits, parse_amount
from xlar.terms import TermsError, discount_earned, parse_terms

__all__ = [
    "ar_days_past_due", "ar_bucket", "ar_due_date", "ar_discount", "ar_late_interest",
    "ar_dso", "ar_dso_countback", "ar_best_dso", "ar_add", "ar_cei", "ar_aging",
    "ar_dunning_level", "ar_open_balance", "FormulaError",
]

_EPOCH = dt.date(1899, 12, 30)


class FormulaError(ValueError):
    """A bad argument that spoils the whole result (not one cell of a range)."""


# ---------------------------------------------------------------------------
# What Excel sends
# ---------------------------------------------------------------------------


def _grid(values) -> tuple[np.ndarray, bool]:
    """A 2-D object array of the cells, and whether a single cell was given."""
    if not isinstance(values, (list, tuple, np.ndarray)):
        return np.array([[values]], dtype=object), True
    if len(values) == 0:
        return np.empty((0, 0), dtype=object), False
    try:
        arr = np.array(values, dtype=object)
        if arr.ndim == 2:
            return arr, False
    except ValueError:  # ragged rows
        pass
    rows = [list(r) if isinstance(r, (list, tuple, np.ndarray)) else [r] for r in values]
    arr = np.full((len(rows), max(len(r) for r in rows)), None, dtype=object)
    for i, r in enumerate(rows):
        arr[i, : len(r)] = r
    return arr, False


def _float_grid(values) -> np.ndarray | None:
    """The cells as floats in one C pass (NaN for empty), or None if any is not a number.

    This is the path Excel's raw values (Value2) take: 100,000 serials in a
    few milliseconds, no Python per cell.
    """
    if not isinstance(values, (list, tuple, np.ndarray)) or len(values) == 0:
        return None
    try:
        x = np.array(values, dtype=np.float64)
    except (ValueError, TypeError):
        return None
    return x.reshape(-1, 1) if x.ndim == 1 else (x if x.ndim == 2 else None)


def _shaped(out: np.ndarray, scalar: bool):
    """A cell's value, or the 2-D array xlwings writes back as a range (no Python list
    of 100,000 rows is built on the way)."""
    return out[0, 0] if scalar else out


def _is_empty(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or \
        (isinstance(v, float) and np.isnan(v))


def _serial_of(v) -> float | str:
    """One cell as an Excel serial day number, or the reason it is not a date."""
    if _is_empty(v):
        return "missing"
    if isinstance(v, bool):
        return f"{v!r} is not a date"
    if isinstance(v, dt.datetime):
        return float((v.date() - _EPOCH).days)
    if isinstance(v, dt.date):
        return float((v - _EPOCH).days)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(np.floor(v)) if v >= 1 else f"{v!r} is not a date"
    text = str(v).strip()
    try:
        return _serial_of(float(text))
    except ValueError:
        pass
    p = parse_dates(pd.Series([text], dtype=object))
    if p.ok[0]:
        return float((pd.Timestamp(p.dates[0]).date() - _EPOCH).days)
    return f"{text!r} is not a date"


def _serials(values, what: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """(serials with NaN where bad, error texts or None, scalar?)."""
    fast = _float_grid(values)
    if fast is not None:
        serial = np.floor(fast)
        errors = _errors_where(np.isnan(serial), f"#VALUE! {what} missing")
        bad = ~np.isnan(serial) & (serial < 1)
        if bad.any():
            errors[bad] = f"#VALUE! {what} is not a date"
            serial[bad] = np.nan
        return serial, errors, False
    cells, scalar = _grid(values)  # text, datetimes, a single cell: cell by cell
    serial = np.full(cells.shape, np.nan)
    errors = np.full(cells.shape, None, dtype=object)
    for idx, v in np.ndenumerate(cells):
        s = _serial_of(v)
        if isinstance(s, str):
            errors[idx] = f"#VALUE! {what} {s}"
        else:
            serial[idx] = s
    return serial, errors, scalar


def _one_cell(value, what: str):
    """The value of an argument that is one cell.  A range of several cells is an error:
    taking its first cell would answer a question the user did not ask."""
    if not isinstance(value, (list, tuple, np.ndarray)):
        return value
    cells, _ = _grid(value)
    if cells.size == 0:
        raise FormulaError(f"#VALUE! {what} missing")
    if cells.size > 1:
        raise FormulaError(f"#VALUE! {what} must be one cell, not a range of {cells.size} "
                           "cells")
    return cells[0, 0]


def _key_text(v) -> str:
    """A cell as the text a customer number or name is matched by.

    Excel sends every number as a float, so a cell holding 1001 arrives as 1001.0;
    ``str()`` would make that "1001.0" and it would match neither "1001" typed as
    text nor 1001 elsewhere.  Whole numbers become their integer's text, here for
    both sides of every comparison.
    """
    if _is_empty(v):
        return ""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def _one_serial(value, what: str, default_today: bool = True) -> float:
    value = _one_cell(value, what)
    if _is_empty(value) and default_today:
        return float((dt.date.today() - _EPOCH).days)
    s = _serial_of(value)
    if isinstance(s, str):
        raise FormulaError(f"#VALUE! {what} {s}")
    return s


def _numbers(values, what: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """Numbers (numbers typed as text accepted) with NaN where bad, errors, scalar?"""
    fast = _float_grid(values)
    if fast is not None:
        return fast, _errors_where(np.isnan(fast), f"#VALUE! {what} missing"), False
    cells, scalar = _grid(values)  # text, a single cell: cell by cell
    x = np.full(cells.shape, np.nan)
    errors = np.full(cells.shape, None, dtype=object)
    for idx, v in np.ndenumerate(cells):
        if _is_empty(v):
            errors[idx] = f"#VALUE! {what} missing"
            continue
        cents, why = parse_amount(v, ".", 6) if not isinstance(v, bool) else (None, "")
        if why is None:
            x[idx] = cents / 1e6
        else:
            errors[idx] = f"#VALUE! {what} {v!r} is not a number"
    return x, errors, scalar


def _errors_where(mask: np.ndarray, text: str) -> np.ndarray:
    errors = np.full(mask.shape, None, dtype=object)
    if mask.any():
        errors[mask] = text
    return errors


def _with_errors(result: np.ndarray, errors: np.ndarray) -> np.ndarray:
    out = result.astype(object)
    bad = errors != None  # noqa: E711 - elementwise test on an object array
    if bad.any():
        out[bad] = errors[bad]
    return out


def _as_error(e: Exception) -> str:
    text = str(e)
    return text if text.startswith("#") else f"#VALUE! {text}"


def _safe(fn):
    """A whole-result error (bad as-of date, bad edges) becomes one Excel error text."""
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (FormulaError, AgingError, PolicyError, TermsError, metrics.MetricError) as e:
            return _as_error(e)
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


def _cents(x: float, currency: str = "USD") -> int:
    cents, why = parse_amount(float(x), ".", minor_digits(currency))
    if why:
        raise FormulaError(f"#VALUE! {why}")
    return cents


# ---------------------------------------------------------------------------
# Dates and buckets
# ---------------------------------------------------------------------------


def _buckets_arg(edges) -> Buckets:
    """Aging buckets from the *edges* argument as Excel sends it: text ("0,30,60"), one
    number (a cell holding 30 sends 30.0) or a range of numbers ([[0.0, 30.0, 60.0]]);
    empty cells of a range are skipped; nothing at all gives 0,30,60,90,120."""
    if _is_empty(edges):
        return make_buckets((0, 30, 60, 90, 120))
    if isinstance(edges, str):
        return make_buckets(parse_edges(edges))
    days = []
    for v in _grid(edges)[0].ravel():
        if _is_empty(v):
            continue
        try:
            x = float(v) if not isinstance(v, bool) else float("nan")
        except (TypeError, ValueError):
            x = float("nan")
        if not x.is_integer():  # NaN too: text that is not a number, a date, TRUE
            raise AgingError(f"bucket edges must be whole numbers of days, e.g. 0,30,60,90,120; "
                             f"{v!r} is not one")
        days.append(int(x))
    return make_buckets(tuple(days))


@_safe
def ar_days_past_due(due_date, as_of=None):
    """Days past due at *as_of* (default today): MAX(0, as_of - due date)."""
    due, errors, scalar = _serials(due_date, "due date")
    today = _one_serial(as_of, "as-of date")
    days = np.maximum(today - due, 0)
    return _shaped(_with_errors(np.where(np.isnan(days), 0, days).astype(np.int64), errors),
                   scalar)


@_safe
def ar_bucket(due_date_or_days, as_of=None, edges=None):
    """Aging bucket label: from a due date (with *as_of*) or from days past due.

    Numbers below 20,000 are read as days past due, larger ones and dates as
    due dates.  *edges*: text "0,30,60,90,120" (the default), or a cell or range
    holding the numbers of days.
    """
    buckets = _buckets_arg(edges)
    fast = _float_grid(due_date_or_days)
    if fast is not None:  # raw values: numbers (days or serials) and empty cells
        num, num_err, scalar = (fast, _errors_where(np.isnan(fast), "#VALUE! due date missing"),
                                False)
    else:
        num, num_err, scalar = _numbers(due_date_or_days, "days")
    # Numbers below 20,000 are days past due (serial 20000 is 1954), larger ones dates.
    is_days = (num_err == None) & (num < 20000)  # noqa: E711
    if is_days.all():
        errors, days = num_err, num
    else:
        if fast is not None:
            serial, errors = np.floor(fast), num_err
        else:
            serial, errors, _ = _serials(due_date_or_days, "due date")
        today = _one_serial(as_of, "as-of date")
        days = np.where(is_days, num, today - np.where(np.isnan(serial), today, serial))
        errors[is_days] = None
    errors[is_days & (num < 0)] = "#VALUE! days past due cannot be negative"
    labels = np.array(buckets.labels, dtype=object)
    idx = np.searchsorted(np.asarray(buckets.edges, dtype=np.float64), days, side="left")
    return _shaped(_with_errors(labels[idx], errors), scalar)


@_safe
def ar_due_date(doc_date, terms):
    """Due date of a document dated *doc_date* under payment *terms* ("2/10 NET 30" ...)."""
    serial, errors, scalar = _serials(doc_date, "document date")
    t_cells, t_scalar = _grid(terms)
    out = np.empty(serial.shape, dtype=object)
    for idx in np.ndindex(serial.shape):
        if errors[idx] is not None:
            out[idx] = errors[idx]
            continue
        t = t_cells[0, 0] if t_scalar else t_cells[idx]
        try:
            doc = _EPOCH + dt.timedelta(days=int(serial[idx]))
            out[idx] = parse_terms(str(t)).due_date(doc)
        except TermsError as e:
            out[idx] = _as_error(e)
    return _shaped(out, scalar)


@_safe
def ar_dunning_level(days_past_due, policy=None):
    """Dunning level (0 = no letter, 1-4) for days past due under *policy*
    ("1,30,60,90;grace=5", the default)."""
    p = parse_policy(None if _is_empty(policy) else str(policy))
    days, errors, scalar = _numbers(days_past_due, "days past due")
    levels = dunning_levels(np.where(np.isnan(days), 0, days), p)
    return _shaped(_with_errors(levels, errors), scalar)


# ---------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------


@_safe
def ar_discount(amount, terms, doc_date, pay_date):
    """Early-payment discount earned by paying on *pay_date* (0 when late or no discount)."""
    amounts, a_err, scalar = _numbers(amount, "amount")
    docs, d_err, _ = _serials(doc_date, "document date")
    pays, p_err, _ = _serials(pay_date, "payment date")
    t_cells, t_scalar = _grid(terms)
    out = np.empty(amounts.shape, dtype=object)
    for idx in np.ndindex(amounts.shape):
        err = a_err[idx] or _pick(d_err, idx) or _pick(p_err, idx)
        if err:
            out[idx] = err
            continue
        try:
            t = parse_terms(str(t_cells[0, 0] if t_scalar else t_cells[idx]))
            doc = _EPOCH + dt.timedelta(days=int(_pick(docs, idx)))
            pay = _EPOCH + dt.timedelta(days=int(_pick(pays, idx)))
            out[idx] = discount_earned(_cents(amounts[idx]), t, doc, pay) / 100
        except (TermsError, FormulaError) as e:
            out[idx] = _as_error(e)
    return _shaped(out, scalar)


def _pick(arr: np.ndarray, idx):
    """A cell of a same-shaped range, or the single cell of a one-cell argument."""
    return arr[0, 0] if arr.shape == (1, 1) else arr[idx]


def _rate_pct(rate) -> Decimal | None:
    """The yearly rate in percent (None: the EU default), by the one rule of
    :func:`xlar.metrics.annual_rate_pct`: below 1 a fraction (0.1015, what a cell showing
    10.15% sends), 1 or more percent (10.15; exactly 1 is 1 %), text with % percent."""
    return metrics.annual_rate_pct(_one_cell(rate, "interest rate"))


_TRUE_WORDS = {"true", "verdadero", "yes", "si", "sí", "y", "x", "1"}
_FALSE_WORDS = {"false", "falso", "no", "n", "0", ""}


def _flag_arg(value, what: str) -> bool:
    """TRUE/FALSE as Excel sends it: a boolean, 1/0, or the words typed as text ("FALSE"
    is false, not a non-empty string that Python would call true); empty is FALSE."""
    value = _one_cell(value, what)
    if value is None or isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        if value != value:  # an empty cell read raw
            return False
        if value in (0, 1):
            return bool(value)
    elif str(value).strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
        return str(value).strip().lower() in _TRUE_WORDS
    raise FormulaError(f"#VALUE! {what} must be TRUE or FALSE, not {value!r}")


@_safe
def ar_late_interest(amount, due_date, pay_date, annual_rate=None, compensation=False,
                     currency=None):
    """Simple late-payment interest, actual/365, rounded to the currency's minor unit.

    *annual_rate* (one rule, see :func:`_rate_pct`): a number below 1 is a fraction
    (0.1015, what a cell showing 10.15% sends), 1 or more is percent (10.15; 1 is 1 %),
    text with % is percent ("0.5%"); empty: the EU rate (ECB reference rate + 8 points).
    *compensation* TRUE adds the fixed EUR 40 of the EU late-payment directive when the
    payment is late; it is in euros, so it is added only to amounts in EUR (another
    currency gives an error in that cell instead of a mixed sum).  *currency* of the
    amounts (a cell, or a range like *amount*): default EUR.
    """
    rate = _rate_pct(annual_rate)
    fixed = _flag_arg(compensation, "compensation")
    amounts, a_err, scalar = _numbers(amount, "amount")
    dues, d_err, _ = _serials(due_date, "due date")
    pays, p_err, _ = _serials(pay_date, "payment date")
    cur_cells, _ = _grid(currency)
    out = np.empty(amounts.shape, dtype=object)
    for idx in np.ndindex(amounts.shape):
        err = a_err[idx] or _pick(d_err, idx) or _pick(p_err, idx)
        if err:
            out[idx] = err
            continue
        cur_cell = _pick(cur_cells, idx)
        cur = "EUR" if _is_empty(cur_cell) else str(cur_cell).strip().upper()
        if not is_currency(cur):
            out[idx] = f"#VALUE! currency {cur_cell!r} is not an ISO code (EUR, USD ...)"
            continue
        days = int(_pick(pays, idx) - _pick(dues, idx))
        try:
            cents = metrics.late_interest(_cents(amounts[idx], cur), days, rate, fixed, cur)
        except (FormulaError, metrics.MetricError) as e:
            out[idx] = _as_error(e)
            continue
        out[idx] = cents / 10 ** minor_digits(cur)
    return _shaped(out, scalar)


def _money_arg(v, what: str) -> int:
    x, err, _ = _numbers(_one_cell(v, what), what)
    if err[0, 0]:
        raise FormulaError(err[0, 0])
    return _cents(x[0, 0])


def _days_arg(v, what: str = "days") -> int:
    x, err, _ = _numbers(_one_cell(v, what), what)
    if err[0, 0]:
        raise FormulaError(err[0, 0])
    return int(x[0, 0])


@_safe
def ar_dso(ar_balance, credit_sales, days):
    """Days sales outstanding: AR balance / credit sales x days."""
    return metrics.dso(_money_arg(ar_balance, "AR balance"),
                       _money_arg(credit_sales, "credit sales"),
                       _days_arg(days))


@_safe
def ar_best_dso(current_ar, credit_sales, days):
    """Best-possible DSO: current (not yet due) AR / credit sales x days."""
    return metrics.best_possible_dso(_money_arg(current_ar, "current AR"),
                                     _money_arg(credit_sales, "credit sales"), _days_arg(days))


@_safe
def ar_add(ar_balance, current_ar, credit_sales, days):
    """Average days delinquent: DSO - best-possible DSO."""
    return metrics.average_days_delinquent(
        _money_arg(ar_balance, "AR balance"), _money_arg(current_ar, "current AR"),
        _money_arg(credit_sales, "credit sales"), _days_arg(days))


@_safe
def ar_cei(begin_ar, credit_sales, end_ar, end_current_ar):
    """Collection effectiveness index, in percent."""
    return metrics.cei(_money_arg(begin_ar, "beginning AR"),
                       _money_arg(credit_sales, "credit sales"),
                       _money_arg(end_ar, "ending AR"),
                       _money_arg(end_current_ar, "ending current AR"))


@_safe
def ar_dso_countback(ar_balance, monthly_sales):
    """Countback DSO.  *monthly_sales*: credit sales per month, most recent first; a second
    column may give each month's days (else 30)."""
    cells, _ = _grid(monthly_sales)
    sales, days = [], []
    for row in cells:
        if _is_empty(row[0]):
            continue
        sales.append(_money_arg(row[0], "monthly sales"))
        days.append(_days_arg(row[1], "days in the month")
                    if len(row) > 1 and not _is_empty(row[1]) else 30)
    return metrics.countback_dso(_money_arg(ar_balance, "AR balance"), sales, days)


# ---------------------------------------------------------------------------
# Over an open-items range (with its header row)
# ---------------------------------------------------------------------------


def _items_of_range(open_items, need_due: bool = True) -> pd.DataFrame:
    """An open-items range (header row first) as customer / due / cents / currency frame.

    Rows whose amount (or, when *need_due*, due date) cannot be read are left
    out and counted in ``attrs["skipped"]``.
    """
    from xlar.imports.mapping import match_header

    cells, _ = _grid(open_items)
    if cells.shape[0] < 1:
        raise FormulaError("#VALUE! the open-items range is empty")
    header = ["" if v is None else str(v) for v in cells[0]]
    found = match_header(header)
    needed = (("open_amount", "an open amount"), ("due_date", "a due date"))
    for field, label in needed if need_due else needed[:1]:
        if field not in found:
            raise FormulaError(f"#VALUE! the range's first row has no {label} column header")
    body = cells[1:]
    cust_col = found.get("customer_id", found.get("customer_name"))
    frame = pd.DataFrame({
        "customer_id": [_key_text(v) for v in body[:, cust_col]] if cust_col is not None else "",
        "customer_name": [_key_text(v) for v in body[:, found.get("customer_name", cust_col)]]
        if cust_col is not None else "",
        "sales_partner": [_key_text(v) for v in body[:, found["sales_partner"]]]
        if "sales_partner" in found else "",
        "currency": [str(v).strip().upper() if not _is_empty(v) else "USD"
                     for v in body[:, found["currency"]]] if "currency" in found else "USD",
    })
    amounts, a_err, _ = _numbers(body[:, [found["open_amount"]]], "open amount")
    if "due_date" in found:
        dues, d_err, _ = _serials(body[:, [found["due_date"]]], "due date")
    else:
        dues, d_err = np.ones((len(body), 1)), np.full((len(body), 1), None, dtype=object)
    ok = (a_err[:, 0] == None) & ((d_err[:, 0] == None) | (not need_due))  # noqa: E711
    frame = frame[ok].reset_index(drop=True)
    digits = frame["currency"].map(minor_digits).to_numpy(np.int64)
    frame["open_cents"] = np.rint(amounts[ok, 0] * np.power(10.0, digits)).astype(np.int64)
    frame["due_date"] = (np.datetime64(_EPOCH, "D") + np.nan_to_num(dues[ok, 0], nan=1)
                         .astype(np.int64)).astype("datetime64[ns]")
    frame["doc_date"] = frame["due_date"]
    frame["disputed"] = False
    frame.attrs["skipped"] = int((~ok).sum())
    return frame


@_safe
def ar_aging(open_items, as_of=None, edges=None, by=None):
    """A whole aging table from an open-items range (spills): one row per customer (or
    *by*: "customer", "sales partner"), a column per bucket, a total row."""
    from xlar.aging import age_open_items, summarize_aging

    items = _items_of_range(open_items)
    buckets = _buckets_arg(edges)
    day = EXCEL_EPOCH + int(_one_serial(as_of, "as-of date"))
    key = {"": "customer_id", "customer": "customer_id", "cliente": "customer_id",
           "sales partner": "sales_partner", "partner": "sales_partner",
           "vendedor": "sales_partner"}.get(str(by or "").strip().lower())
    if key is None:
        raise FormulaError("#VALUE! by must be 'customer' or 'sales partner'")
    aged = age_open_items(items, pd.Timestamp(day).date(), buckets)
    table = summarize_aging(aged, key).sort_values([key, "currency"], kind="stable")
    labels = list(buckets.labels)
    head = ["Customer" if key == "customer_id" else "Sales Partner", "Currency", *labels,
            "Total"]
    rows = [head]
    for _, r in table.iterrows():
        units = 10 ** minor_digits(r["currency"])
        rows.append([r[key], r["currency"], *[int(r[x]) / units for x in labels],
                     int(r["balance_cents"]) / units])
    for cur, group in table.groupby("currency", sort=True):
        units = 10 ** minor_digits(cur)
        rows.append(["Total", cur, *[int(group[x].sum()) / units for x in labels],
                     int(group["balance_cents"].sum()) / units])
    if items.attrs["skipped"]:
        rows.append([f"#VALUE! {items.attrs['skipped']} row(s) not aged: due date or open amount "
                     "missing or not understood", *[""] * (len(head) - 1)])
    return rows


@_safe
def ar_open_balance(customer, open_items):
    """Open balance of *customer* (number or name) in an open-items range."""
    items = _items_of_range(open_items, need_due=False)
    cells, scalar = _grid(customer)
    ids = items["customer_id"].str.lower().to_numpy()
    names = items["customer_name"].str.lower().to_numpy()
    cents = items["open_cents"].to_numpy()
    units = 10 ** items["currency"].map(minor_digits).to_numpy()
    out = np.empty(cells.shape, dtype=object)
    for idx, v in np.ndenumerate(cells):
        if _is_empty(v):
            out[idx] = "#VALUE! customer missing"
            continue
        key = _key_text(v).lower()
        hit = (ids == key) | (names == key)
        currencies = set(items["currency"][hit])
        if len(currencies) > 1:
            out[idx] = "#VALUE! the customer has items in several currencies"
        else:
            out[idx] = float(int(cents[hit].sum()) / (units[hit][0] if hit.any() else 100))
    return _shaped(out, scalar)
