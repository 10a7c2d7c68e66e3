"""Collections: promises to pay, payment plans, credit holds and the day's worklist.

Pure functions over the store's records (``Store.latest(kind)``,
``Store.payments()``) and the aging summary by customer
(:func:`xlar.aging.summarize_aging`): frames in, frames out, no I/O.  Every
row a function proposes carries one plain sentence saying why, with the
amounts written out, so a specialist can check it without opening the ledger.

Money stays in integer minor units of one currency: a payment only counts
for a promise or a plan in the same currency, and nothing here adds amounts
of two currencies.

**The worklist ranking rule** (:func:`worklist`):

1. A broken promise: a promise past its date with nothing or only part paid
   (``broken`` or ``partly kept``), unless the customer has made a new
   promise since it broke.
2. A promise due today, or a promise whose date has passed that is still
   ``pending`` in the promise status given (payment not seen yet).
3. Over the credit limit (balance above the limit, same currency) with
   something past due.
4. The oldest open item more than 90 days past due.
5. A dispute open more than 30 days.
6. Anything else past due.

An account takes the first tier that applies.  Inside a tier, accounts are
grouped by currency (the currency with the most accounts first, then by
currency code; or the order given), because amounts of two currencies are
never compared; then largest past due first, then oldest item first, then
customer number.  Accounts with nothing past due, on the exception list (its
until date not passed), or whose latest note sets a next action date in the
future (unless a promise broke since that note) are kept in the frame with
an ``excluded_reason`` and no rank, after the ranked ones.

A customer with items in several currencies is one row of the worklist: the
currency row with the first tier (then the oldest item, then the currency
code) leads, and the why sentence adds what is past due in the others.

(The module is named with the trade's word.  Imports are absolute, so
``import collections`` anywhere still means the standard library; only
putting the ``xlar/`` folder itself on ``sys.path`` could hide it, which
``python -m xlar.cli`` and the installed ``xlar`` command never do.)
"""

from __future__ import annotations

import calendar
import datetime as dt
import operator
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.dates import DATE_DTYPE
from xlar.money import format_moneys

__all__ = [
    "PROMISE_STATUSES",
    "INSTALLMENT_STATUSES",
    "FREQUENCIES",
    "TIERS",
    "WORKLIST_COLUMNS",
    "Installment",
    "HoldPolicy",
    "DEFAULT_HOLD_POLICY",
    "promise_status",
    "plan_schedule",
    "plan_status",
    "hold_candidates",
    "worklist",
]

PROMISE_STATUSES = ("kept", "pending", "partly kept", "broken", "cancelled")
INSTALLMENT_STATUSES = ("paid", "partly paid", "due", "overdue", "not yet due")

#: Plan frequency -> days between installments (None: same day each month).
FREQUENCIES: dict[str, int | None] = {"weekly": 7, "biweekly": 14, "monthly": None}

#: Worklist tier -> what puts an account in it (the module docstring has the rule).
TIERS = {
    1: "broken promise",
    2: "promise due",
    3: "over credit limit with past due",
    4: "oldest item over the day limit",
    5: "dispute open too long",
    6: "past due",
}

WORKLIST_COLUMNS = ["rank", "customer_id", "customer_name", "currency", "past_due_cents",
                    "balance_cents", "oldest_days", "tier", "why", "last_contact",
                    "next_action", "next_action_date", "promise_status", "open_disputes",
                    "on_hold", "excluded_reason"]

_NO_DAY = np.iinfo(np.int64).min  # day number standing for a missing date
_NOTHING = 9  # tier of a currency row with nothing past due (never shown)


# ---------------------------------------------------------------------------
# Small shared pieces: dates as day numbers, money as text, input checks
# ---------------------------------------------------------------------------


def _as_day(value) -> pd.Timestamp:
    try:
        day = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValueError(f"as-of date {value!r} is not a date (use YYYY-MM-DD)") from None
    if pd.isna(day):
        raise ValueError("the as-of date is empty")
    return day.normalize()


def _dates(values) -> pd.Series:
    """Any date column (date objects from the store, text, datetimes) as dates, NaT if none."""
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    return pd.to_datetime(s, errors="coerce").dt.normalize().astype(DATE_DTYPE)


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Days since 1970 as int64; missing dates are :data:`_NO_DAY`."""
    return dates.to_numpy("datetime64[D]").astype(np.int64)


def _day_number(day: pd.Timestamp) -> int:
    return int(np.datetime64(day.date(), "D").astype(np.int64))


def _iso(day_numbers: np.ndarray) -> np.ndarray:
    """Day numbers as ``YYYY-MM-DD`` text ('' for missing), vectorised."""
    d = np.asarray(day_numbers, dtype=np.int64)
    out = np.full(len(d), "", dtype=object)
    known = d != _NO_DAY
    if known.any():
        out[known] = np.datetime_as_string(d[known].astype("datetime64[D]")).astype(object)
    return out


def _days(n) -> str:
    """``1 day``, ``16 days``."""
    n = int(n)
    return f"{n} day" if n == 1 else f"{n} days"


def _day_text(day: pd.Timestamp) -> str:
    return day.strftime("%Y-%m-%d")


def _frame(columns: Mapping[str, object]) -> pd.DataFrame:
    """A result frame whose text columns stay ``object``, as :mod:`xlar.model` keeps them.

    (Converting 50,000 why sentences into pandas' Arrow strings would cost
    more than ranking the accounts.)
    """
    def column(v):
        if isinstance(v, list) or (isinstance(v, np.ndarray) and v.dtype == object):
            return pd.Series(v, dtype=object)
        return v

    return pd.DataFrame({c: column(v) for c, v in columns.items()})


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lack the column(s) {', '.join(missing)}; "
                         f"they need {', '.join(columns)}")


def _or_empty(frame: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    """*frame*, or an empty one with *columns* when there are no records at all
    (None, or a bare ``pd.DataFrame()`` from a store with nothing in it yet)."""
    if frame is None or (len(frame) == 0 and any(c not in frame.columns for c in columns)):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return frame


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A text column as stripped str objects ('' where missing or absent)."""
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame[column].fillna("").astype(str).str.strip().to_numpy(dtype=object)


def _flags(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[column].fillna(False).astype(bool).to_numpy()


def _cents(frame: pd.DataFrame, column: str, what: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce")
    if values.isna().any():
        bad = frame.index[values.isna()][:5].tolist()
        raise ValueError(f"{what}: {column} is empty or not a number in rows {bad}")
    return values.to_numpy(np.int64)


# ---------------------------------------------------------------------------
# Allocating payments to what was promised or planned
# ---------------------------------------------------------------------------


def _codes(*columns) -> np.ndarray:
    """One integer code per distinct combination of *columns* (0, 1, ... in order of appearance)."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        c, uniques = pd.factorize(np.asarray(col, dtype=object))
        code, _ = pd.factorize(code * max(len(uniques), 1) + c)
    return code.astype(np.int64)


def _groups(*columns) -> list[np.ndarray]:
    """The positions of each distinct combination of *columns*, in input order."""
    if not len(columns[0]):
        return []
    code = _codes(*columns)
    order = np.argsort(code, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(code[order])) + 1)


def _first_per(code: np.ndarray, size: int, *keys) -> np.ndarray:
    """Per code 0..size-1, the record that sorts first by *keys* (each ascending), -1 if none.

    Records with a negative code are ignored; ties keep input order.
    """
    out = np.full(size, -1, dtype=np.int64)
    idx = np.flatnonzero(np.asarray(code) >= 0)
    if not len(idx):
        return out
    order = idx[np.lexsort((*[np.asarray(k)[idx] for k in reversed(keys)], code[idx]))]
    c = code[order]
    first = np.r_[True, c[1:] != c[:-1]]
    out[c[first]] = order[first]
    return out


def _desc(days: np.ndarray) -> np.ndarray:
    """A sort key putting the latest day first and missing days last."""
    return np.where(days == _NO_DAY, np.iinfo(np.int64).max, -days)


def _take(values: np.ndarray, at: np.ndarray, fill):
    """``values[at]`` where *at* >= 0, else *fill*."""
    values = np.asarray(values)
    if not len(values):
        return np.full(len(at), fill, dtype=values.dtype if values.dtype != object else object)
    return np.where(at >= 0, values[np.maximum(at, 0)], fill)


class _Payments(NamedTuple):
    """One customer's payments in one currency, earliest first; ``left`` is consumed."""

    day: np.ndarray
    document: np.ndarray
    left: np.ndarray


def _payments_by_account(payments: pd.DataFrame | None, as_of: pd.Timestamp,
                         customers) -> dict[tuple[str, str], _Payments]:
    """The payments received by *as_of*, per (customer, currency), earliest first.

    Only positive amounts count: a reversal is not a payment towards a promise.
    """
    cols = ["customer_id", "paid_on", "amount_cents", "currency"]
    payments = _or_empty(payments, cols)
    _require(payments, cols, "payments")
    p = payments[payments["customer_id"].astype(str).isin(set(customers)).to_numpy()]
    day = _day_numbers(_dates(p["paid_on"]))
    amount = _cents(p, "amount_cents", "payments")
    keep = np.flatnonzero((day != _NO_DAY) & (day <= _day_number(as_of)) & (amount > 0))
    keep = keep[np.argsort(day[keep], kind="stable")]
    customer, currency = _text(p, "customer_id")[keep], _text(p, "currency")[keep]
    day, amount, document = day[keep], amount[keep], _text(p, "document")[keep]
    return {(customer[g[0]], currency[g[0]]): _Payments(day[g], document[g], amount[g].copy())
            for g in _groups(customer, currency)}


def _allocate(need: np.ndarray, from_day: np.ndarray, document: np.ndarray | None,
              pay: _Payments) -> tuple[np.ndarray, np.ndarray]:
    """Fill each obligation in the order given from the payments it may use, earliest first.

    An obligation may use a payment made on or after its *from_day* (and
    naming its document, when it names one).  What one obligation takes is
    gone for the next, so no cent is counted twice.  Returns the cents paid
    and the day each obligation was paid in full (:data:`_NO_DAY` if not).
    """
    paid = np.zeros(len(need), dtype=np.int64)
    done = np.full(len(need), _NO_DAY, dtype=np.int64)
    for i in range(len(need)):
        want = int(need[i])
        usable = (pay.day >= from_day[i]) & (pay.left > 0)
        if document is not None and document[i]:
            usable &= pay.document == document[i]
        for j in np.flatnonzero(usable):
            take = min(want, int(pay.left[j]))
            pay.left[j] -= take
            want -= take
            if want == 0:
                done[i] = pay.day[j]
                break
        paid[i] = int(need[i]) - want
    return paid, done


# ---------------------------------------------------------------------------
# Promises to pay
# ---------------------------------------------------------------------------

PROMISE_COLUMNS = ["customer_id", "promised_on", "promised_date", "amount_cents", "currency"]


def promise_status(promises: pd.DataFrame, payments: pd.DataFrame, as_of) -> pd.DataFrame:
    """Judge each promise to pay by the payments received up to *as_of*.

    A promise is paid by the customer's payments in its currency made on or
    after the day it was made (``promised_on``) and by *as_of*; when it
    names a document, only payments naming that document count.  A
    customer's payments go to that customer's promises oldest promised date
    first, earliest payment first, so one payment is never counted for two
    promises (a large payment may be split across them); the promises that
    name a document take their document's payments before the others take
    what is left.  Cancelled promises take nothing; payments of zero or
    less (reversals) keep nothing.

    Statuses: ``cancelled``; ``kept`` (paid in full by *as_of*: ``kept_on``
    is the day the total was reached, ``kept_late`` True when after the
    promised date); ``pending`` (*as_of* on or before the promised date,
    not yet paid in full); ``partly kept`` (date passed, part paid);
    ``broken`` (date passed, nothing paid).  ``days_overdue`` counts days
    since the promised date for partly kept and broken promises, else 0.

    Returns the promises (dates as dates) with ``status``, ``paid_cents``,
    ``kept_on``, ``kept_late``, ``days_overdue`` and ``reason`` added.
    Raises ValueError for a live promise without a date or a positive
    amount: it must be corrected (or cancelled) in the store.
    """
    as_of = _as_day(as_of)
    promises = _or_empty(promises, PROMISE_COLUMNS)
    _require(promises, PROMISE_COLUMNS, "promises")
    out = promises.reset_index(drop=True).copy()
    n = len(out)
    out["customer_id"] = out["customer_id"].astype(str)
    out["promised_on"] = _dates(out["promised_on"])
    out["promised_date"] = _dates(out["promised_date"])
    amount = _cents(out, "amount_cents", "promises")
    cancelled = _flags(out, "cancelled")
    made = _day_numbers(out["promised_on"])
    due = _day_numbers(out["promised_date"])
    document = _text(out, "document")
    record = _text(out, "record_id")
    bad = ~cancelled & ((made == _NO_DAY) | (due == _NO_DAY) | (amount <= 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"promise {record[i] or f'row {i + 1}'} of customer {out['customer_id'][i]} needs "
            "the day it was made, the promised date and a positive amount; correct the "
            f"promise (or cancel it) and run again ({int(bad.sum())} such promise(s))")

    paid = np.zeros(n, dtype=np.int64)
    kept_day = np.full(n, _NO_DAY, dtype=np.int64)
    live = np.flatnonzero(~cancelled)
    pays = _payments_by_account(payments, as_of, out["customer_id"].to_numpy()[live])
    customer, currency = _text(out, "customer_id"), _text(out, "currency")
    for group in _groups(customer[live], currency[live]):
        rows = live[group]
        key = (customer[rows[0]], currency[rows[0]])
        if key not in pays:
            continue
        # Promises naming a document first take the payments naming it (a
        # remittance for INV-7 keeps the promise about INV-7); then the
        # others, oldest promised date first, made first, as recorded.
        rows = rows[np.lexsort((rows, made[rows], due[rows], document[rows] == ""))]
        paid[rows], kept_day[rows] = _allocate(amount[rows], made[rows], document[rows],
                                               pays[key])

    today = _day_number(as_of)
    kept = ~cancelled & (paid >= amount)
    passed = today > due
    status = np.select(
        [cancelled, kept, ~passed, paid > 0],
        ["cancelled", "kept", "pending", "partly kept"], "broken").astype(object)
    late = np.isin(status, ["broken", "partly kept"])  # these always have a date
    overdue = np.where(late, today - np.where(late, due, today), 0)
    out["cancelled"] = cancelled
    out["status"] = pd.Series(status, dtype=object)
    out["paid_cents"] = paid
    out["kept_on"] = pd.Series(np.where(kept, kept_day, _NO_DAY).astype("datetime64[D]"))\
        .astype(DATE_DTYPE)
    out["kept_late"] = kept & (kept_day > due)
    out["days_overdue"] = overdue.astype(np.int64)
    out["reason"] = pd.Series(_promise_reasons(status, amount, paid, currency, due, kept_day,
                                               document, today, _day_text(as_of)), dtype=object)
    return out


def _promise_reasons(status, amount, paid, currency, due, kept_day, document, today,
                     as_of_text) -> list[str]:
    promised = format_moneys(amount, currency)
    got = format_moneys(paid, currency)
    missing = format_moneys(amount - paid, currency)
    due_text, kept_text = _iso(due), _iso(kept_day)
    reasons = []
    for i, s in enumerate(status):
        head = f"Promised {promised[i]} for {due_text[i] or 'no date'}"
        if document[i]:
            head += f" (document {document[i]})"
        if s == "cancelled":
            reasons.append(f"{head}; the promise was cancelled.")
        elif s == "kept":
            late = int(kept_day[i] - due[i])
            when = f", {_days(late)} late" if late > 0 else ""
            reasons.append(f"{head}; paid in full on {kept_text[i]}{when}.")
        elif s == "pending":
            left = int(due[i] - today)
            until = "due today" if left == 0 else f"{_days(left)} to go"
            so_far = f"{got[i]} paid so far, {missing[i]} still to come" if paid[i] else \
                "nothing paid yet"
            reasons.append(f"{head}; {so_far} ({until}).")
        elif s == "partly kept":
            reasons.append(f"{head}; {got[i]} paid by {as_of_text}; {missing[i]} still missing.")
        else:
            late = int(today - due[i])
            reasons.append(f"{head}; nothing paid by {as_of_text} "
                           f"({_days(late)} overdue).")
    return reasons


# ---------------------------------------------------------------------------
# Payment plans
# ---------------------------------------------------------------------------


class Installment(NamedTuple):
    """One installment of a payment plan.

    Attributes:
      number: 1 for the first installment.
      due_date: the day it is due.
      amount_cents: what is due, in minor units of the plan's currency.
    """

    number: int
    due_date: dt.date
    amount_cents: int


def _whole(value, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        if isinstance(value, float) and value.is_integer():
            return int(value)  # a count read from a spreadsheet cell
        raise ValueError(f"{what} must be a whole number, not {value!r}") from None


def _add_months(day: dt.date, months: int, anchor_day: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def plan_schedule(total_cents: int, installments: int, first_date, frequency: str
                  ) -> list[Installment]:
    """The installments of a payment plan, which add up to *total_cents* exactly.

    The total is split in whole cents: every installment gets the total
    divided by the number of installments, rounded down, and the cents left
    over go one each to the first installments (10000 in 3 -> 3334, 3333,
    3333).  *frequency* is ``weekly``, ``biweekly`` (every 14 days) or
    ``monthly``; a monthly plan keeps the day of month of *first_date*,
    moved back to the month's last day when the month is shorter (Jan 31,
    Feb 28, Mar 31, Apr 30 ...).

    Raises ValueError for a plan that cannot be: no installments, a total
    of zero or less, an unknown frequency, or more installments than cents.
    """
    total = _whole(total_cents, "the plan total (in cents)")
    n = _whole(installments, "the number of installments")
    freq = str(frequency).strip().lower()
    if n < 1:
        raise ValueError(f"a payment plan needs at least one installment, not {n}")
    if total <= 0:
        raise ValueError(f"a payment plan needs a total above zero, not {total} cents")
    if freq not in FREQUENCIES:
        raise ValueError(f"payment plan frequency {frequency!r} is unknown; use "
                         f"{', '.join(FREQUENCIES)}")
    if n > total:
        raise ValueError(f"{n} installments for a total of {total} cents would leave "
                         "installments of nothing; use fewer installments")
    try:
        first = pd.Timestamp(first_date).date()
    except (ValueError, TypeError):
        first = None
    if first is None or pd.isna(first_date):
        raise ValueError(f"the first installment date {first_date!r} is not a date")
    base, extra = divmod(total, n)
    step = FREQUENCIES[freq]
    out = []
    for k in range(n):
        due = first + dt.timedelta(days=step * k) if step else _add_months(first, k, first.day)
        out.append(Installment(k + 1, due, base + (1 if k < extra else 0)))
    return out


PLAN_COLUMNS = ["record_id", "customer_id", "total_cents", "currency", "installments",
                "first_date", "frequency"]


def plan_status(plans: pd.DataFrame, payments: pd.DataFrame, as_of) -> pd.DataFrame:
    """Each installment of each live payment plan, judged by the payments up to *as_of*.

    A plan counts the customer's payments in its currency made on or after
    the day it was created: ``created_on`` when the frame has it, else the
    date of ``created_at``.  (``Store.latest`` gives the ``created_at`` of
    the latest *version*: pass ``created_on`` = the first version's date
    when plans are edited, or payments between creation and edit are not
    counted.)  Payments go to installments in due-date order, earliest
    payment first; a customer's plans share the payments the same way.
    Cancelled plans are left out.

    One row per installment: ``record_id``, ``customer_id``, ``currency``,
    ``number``, ``due_date``, ``amount_cents``, ``paid_cents``,
    ``paid_on`` (day it was paid in full), ``status`` (paid, partly paid,
    due, overdue, not yet due), ``days_overdue`` and ``reason``.  Raises
    ValueError naming the plan when one cannot be scheduled.
    """
    as_of = _as_day(as_of)
    plans = _or_empty(plans, [*PLAN_COLUMNS, "created_on"])
    _require(plans, PLAN_COLUMNS, "payment plans")
    if "created_on" in plans.columns:
        created = _dates(plans["created_on"])
    elif "created_at" in plans.columns:
        created = _dates(plans["created_at"])
    else:
        raise ValueError("payment plans need the day each was created (created_on or "
                         "created_at): payments before it do not count")
    live = ~_flags(plans, "cancelled")
    rows = []
    for (_, p), made in zip(plans[live].iterrows(), _day_numbers(created[live]), strict=True):
        if made == _NO_DAY:
            raise ValueError(f"payment plan {p['record_id']} of customer {p['customer_id']} "
                             "has no creation date")
        try:
            schedule = plan_schedule(p["total_cents"], p["installments"], p["first_date"],
                                     p["frequency"])
        except ValueError as e:
            raise ValueError(f"payment plan {p['record_id']} of customer "
                             f"{p['customer_id']}: {e}") from None
        for inst in schedule:
            rows.append((str(p["record_id"]), str(p["customer_id"]), str(p["currency"]),
                         inst.number, len(schedule), inst.due_date, inst.amount_cents, made))
    cols = ["record_id", "customer_id", "currency", "number", "of", "due_date",
            "amount_cents", "made"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("record_id", "customer_id", "currency"):
        out[c] = out[c].astype(object)
    out["due_date"] = _dates(out["due_date"])
    for c in ("number", "of", "amount_cents", "made"):
        out[c] = out[c].astype(np.int64)
    due = _day_numbers(out["due_date"])
    amount = out["amount_cents"].to_numpy(np.int64)
    made = out["made"].to_numpy()
    paid = np.zeros(len(out), dtype=np.int64)
    done = np.full(len(out), _NO_DAY, dtype=np.int64)
    pays = _payments_by_account(payments, as_of, out["customer_id"].unique())
    customer, currency = _text(out, "customer_id"), _text(out, "currency")
    for idx in _groups(customer, currency):
        key = (customer[idx[0]], currency[idx[0]])
        if key not in pays:
            continue
        idx = idx[np.lexsort((out["number"].to_numpy()[idx], made[idx], due[idx]))]
        paid[idx], done[idx] = _allocate(amount[idx], made[idx], None, pays[key])

    today = _day_number(as_of)
    status = np.select([paid >= amount, paid > 0, due == today, due < today],
                       ["paid", "partly paid", "due", "overdue"], "not yet due").astype(object)
    overdue = np.where((paid < amount) & (due < today), today - due, 0).astype(np.int64)
    out["paid_cents"] = paid
    out["paid_on"] = pd.Series(done.astype("datetime64[D]")).astype(DATE_DTYPE)
    out["status"] = pd.Series(status, dtype=object)
    out["days_overdue"] = overdue
    out["reason"] = pd.Series(_installment_reasons(out, status, paid, done, due, today),
                              dtype=object)
    return out[["record_id", "customer_id", "currency", "number", "due_date", "amount_cents",
                "paid_cents", "paid_on", "status", "days_overdue", "reason"]]


def _installment_reasons(out, status, paid, done, due, today) -> list[str]:
    currency = out["currency"].to_numpy()
    amount = out["amount_cents"].to_numpy()
    owed, got = format_moneys(amount, currency), format_moneys(paid, currency)
    missing = format_moneys(amount - paid, currency)
    due_text, done_text = _iso(due), _iso(done)
    reasons = []
    for i, s in enumerate(status):
        head = (f"Installment {out['number'].iat[i]} of {out['of'].iat[i]}, {owed[i]} due "
                f"{due_text[i]}")
        late = int(today - due[i])
        when = (f"{_days(late)} overdue" if late > 0 else "due today" if late == 0
                else f"due in {_days(-late)}")
        if s == "paid":
            reasons.append(f"{head}: paid in full on {done_text[i]}.")
        elif s == "partly paid":
            reasons.append(f"{head}: {got[i]} paid, {missing[i]} still missing ({when}).")
        elif s == "due":
            reasons.append(f"{head}: due today, nothing paid yet.")
        elif s == "overdue":
            reasons.append(f"{head}: nothing paid, {when}.")
        else:
            reasons.append(f"{head}: not yet due ({when}).")
    return reasons


# ---------------------------------------------------------------------------
# Credit holds
# ---------------------------------------------------------------------------


class HoldPolicy(NamedTuple):
    """When an account should go on credit hold.

    Attributes:
      max_days_past_due: hold when the oldest open item is more than this
        many days past due (None: no such rule).
      over_limit: hold when the balance is above the credit limit (a limit
        of 0 means none).
    """

    max_days_past_due: int | None = 90
    over_limit: bool = True


DEFAULT_HOLD_POLICY = HoldPolicy()

BY_CUSTOMER_COLUMNS = ["customer_id", "currency", "balance_cents", "past_due_cents",
                       "oldest_days"]


class _Accounts(NamedTuple):
    """The aging rows (one per customer and currency) as arrays, with the credit limit.

    ``code`` numbers the customers 0..len(ids)-1 in the order of ``ids``
    (sorted), so facts about customers are arrays indexed by code.
    ``comparable`` is True where a limit is set in the row's currency,
    ``over`` where the balance is then above it.
    """

    ids: pd.Index
    code: np.ndarray
    customer_id: np.ndarray
    currency: np.ndarray
    balance: np.ndarray
    past_due: np.ndarray
    oldest: np.ndarray
    name: np.ndarray
    limit: np.ndarray
    limit_currency: np.ndarray
    comparable: np.ndarray
    over: np.ndarray


def _accounts(by_customer: pd.DataFrame, customers: pd.DataFrame | None) -> _Accounts:
    _require(by_customer, BY_CUSTOMER_COLUMNS, "the aging by customer")
    customer_id = _text(by_customer, "customer_id")
    code, ids = pd.factorize(customer_id, sort=True)
    customers = _or_empty(customers, ["customer_id"])
    _require(customers, ["customer_id"], "customers")
    master_ids = _text(customers, "customer_id")
    unique = ~pd.Index(master_ids).duplicated(keep="first")
    at = pd.Index(master_ids[unique]).get_indexer(customer_id)
    limits = (pd.to_numeric(customers["credit_limit_cents"], errors="coerce").fillna(0)
              .to_numpy(np.int64) if "credit_limit_cents" in customers
              else np.zeros(len(customers), dtype=np.int64))[unique]
    limit = _take(limits, at, 0).astype(np.int64)
    limit_currency = _take(_text(customers, "currency")[unique], at, "")
    name = _take(_text(customers, "customer_name")[unique], at, "")
    name = np.where(name != "", name, _text(by_customer, "customer_name")).astype(object)
    currency = _text(by_customer, "currency")
    balance = _cents(by_customer, "balance_cents", "aging by customer")
    comparable = (limit > 0) & (currency == limit_currency)
    return _Accounts(
        ids=pd.Index(ids, dtype=object), code=code.astype(np.int64), customer_id=customer_id,
        currency=currency, balance=balance,
        past_due=_cents(by_customer, "past_due_cents", "aging by customer"),
        oldest=_cents(by_customer, "oldest_days", "aging by customer"), name=name,
        limit=limit, limit_currency=limit_currency, comparable=comparable,
        over=comparable & (balance > limit))


def _per_customer(code: np.ndarray, size: int, mask: np.ndarray) -> np.ndarray:
    """True for customers with at least one row where *mask* holds."""
    return np.bincount(code[mask], minlength=size) > 0


def hold_candidates(by_customer: pd.DataFrame, customers: pd.DataFrame,
                    on_hold: Mapping[str, str], policy: HoldPolicy | None = None
                    ) -> pd.DataFrame:
    """Propose credit holds to place and to release, each with its rule and reason.

    *by_customer* is the aging summary by customer (one row per customer
    and currency); *customers* the master data with ``credit_limit_cents``
    in ``currency``; *on_hold* maps the customers on hold now to the reason.

    * ``place``: not on hold, and a rule of *policy* (default
      :data:`DEFAULT_HOLD_POLICY`) is broken in any currency: balance above
      the credit limit (same currency), or the oldest item more than
      ``max_days_past_due`` days past due.
    * ``release``: on hold, and no rule is broken any more (a customer on
      hold with no open items at all is released too).
    * ``check``: no rule is broken, but a positive balance is in another
      currency than the credit limit, so the two cannot be compared: a
      person decides.

    Customers whose state should not change are left out.  Columns:
    customer_id, action, rule, reason, currency, balance_cents,
    past_due_cents, credit_limit_cents, limit_currency, oldest_days,
    on_hold, hold_reason; places first, then checks, then releases, each
    by customer number.  For a customer with several currencies the row
    that breaks a rule (else the one that cannot be compared) is shown.
    """
    policy = policy or DEFAULT_HOLD_POLICY
    a = _accounts(by_customer, customers)
    size = len(a.ids)
    max_days = policy.max_days_past_due
    over = a.over & bool(policy.over_limit)
    old = a.oldest > max_days if max_days is not None else np.zeros(len(a.code), dtype=bool)
    mismatch = bool(policy.over_limit) & (a.limit > 0) & ~a.comparable & (a.balance > 0)
    breaks = over | old
    lead = _first_per(a.code, size, np.select([breaks, mismatch], [0, 1], 2))
    any_break = _per_customer(a.code, size, breaks)
    any_mismatch = _per_customer(a.code, size, mismatch)
    held = np.asarray(a.ids.isin(set(on_hold)))
    action = np.select([~held & any_break, ~any_break & any_mismatch, held & ~any_break],
                       ["place", "check", "release"], "")
    picked = np.flatnonzero(action != "")
    row = lead[picked]

    clauses = _hold_clauses(a, over, old, max_days, action == "place")
    needed = action[picked] != "place"
    bal = format_moneys(a.balance[row], a.currency[row], needed).tolist()
    lim = format_moneys(a.limit[row], a.limit_currency[row], needed).tolist()
    currency, limit_currency = a.currency[row].tolist(), a.limit_currency[row].tolist()
    comparable, oldest = a.comparable[row].tolist(), a.oldest[row].tolist()
    reasons, rules = [], []
    for k, (c, act) in enumerate(zip(picked.tolist(), action[picked].tolist(), strict=True)):
        if act == "place":
            mine = clauses[c]
            reasons.append("; ".join(t for t, _ in mine) + ".")
            rules.append(", ".join(dict.fromkeys(rule for _, rule in mine)))
        elif act == "check":
            reasons.append(
                f"Cannot compare the balance of {bal[k]} with the credit limit of {lim[k]}: they "
                f"are in different currencies ({currency[k]}, {limit_currency[k]}); check "
                "the exposure by hand.")
            rules.append("currency_mismatch")
        else:
            parts = []
            if policy.over_limit:
                parts.append(f"balance {bal[k]} is back under the credit limit of {lim[k]}"
                             if comparable[k] else "no credit limit is exceeded")
            if max_days is not None:
                parts.append(f"nothing is more than {max_days} days past due (oldest item "
                             f"{oldest[k]} days)")
            reasons.append("Release: " + " and ".join(parts or ["no hold rule applies"]) + ".")
            rules.append("release")

    # On hold with nothing open at all: nothing can break a rule any more.
    gone = sorted(set(map(str, on_hold)) - set(a.ids))
    n = len(gone)
    out = _frame({
        "customer_id": [*a.ids[picked], *gone],
        "action": [*action[picked], *["release"] * n],
        "rule": [*rules, *["release"] * n],
        "reason": [*reasons, *["Release: no open balance any more."] * n],
        "currency": [*a.currency[row], *[""] * n],
        "balance_cents": np.r_[a.balance[row], np.zeros(n, np.int64)].astype(np.int64),
        "past_due_cents": np.r_[a.past_due[row], np.zeros(n, np.int64)].astype(np.int64),
        "credit_limit_cents": np.r_[a.limit[row], np.zeros(n, np.int64)].astype(np.int64),
        "limit_currency": [*a.limit_currency[row], *[""] * n],
        "oldest_days": np.r_[a.oldest[row], np.zeros(n, np.int64)].astype(np.int64),
        "on_hold": np.r_[held[picked], np.ones(n, bool)].astype(bool),
    })
    out["hold_reason"] = pd.Series([str(on_hold.get(c, "")) for c in [*a.ids[picked], *gone]],
                                   dtype=object)
    step = np.select([out["action"] == "place", out["action"] == "check"], [0, 1], 2)
    # Customers of ``a.ids`` come sorted; the ones with nothing open follow, sorted too.
    order = np.lexsort((np.arange(len(out)), step))
    return out.iloc[order].reset_index(drop=True)


def _hold_clauses(a: _Accounts, over: np.ndarray, old: np.ndarray, max_days: int | None,
                  wanted: np.ndarray) -> dict[int, list[tuple[str, str]]]:
    """customer code -> [(clause, rule)] for every rule broken, in any of its currencies.

    Only for the customers *wanted* (by code).
    """
    rows = np.flatnonzero((over | old) & wanted[a.code])
    rows = rows[np.lexsort((a.currency[rows].astype(str), a.code[rows]))]
    bal = format_moneys(a.balance[rows], a.currency[rows], over[rows]).tolist()
    lim = format_moneys(a.limit[rows], a.limit_currency[rows], over[rows]).tolist()
    out: dict[int, list[tuple[str, str]]] = {}
    for k, (c, o, d, days) in enumerate(zip(a.code[rows].tolist(), over[rows].tolist(),
                                            old[rows].tolist(), a.oldest[rows].tolist(),
                                            strict=True)):
        mine = out.setdefault(c, [])
        if o:
            mine.append((f"Balance {bal[k]} is over the credit limit of {lim[k]}", "over_limit"))
        if d:
            clause = f"ldest item {days} days past due (rule: more than {max_days})"
            mine.append((("o" if mine else "O") + clause, "days_past_due"))
    return out


# ---------------------------------------------------------------------------
# The worklist
# ---------------------------------------------------------------------------


class _Facts(NamedTuple):
    """What the store says about each customer, as arrays indexed by customer code."""

    broken: np.ndarray        # the broken promise that counts (record index, -1 if none)
    due: np.ndarray           # a pending promise whose date has come (record index or -1)
    promises: dict            # the promise records those indices point into (arrays)
    promise_status: np.ndarray
    note: np.ndarray          # the latest note (record index or -1)
    notes: dict
    open_disputes: np.ndarray
    dispute: np.ndarray       # the oldest open dispute (record index or -1)
    disputes: dict
    exception: np.ndarray     # an exception in force (record index or -1)
    exceptions: dict


def _codes_in(ids: pd.Index, frame: pd.DataFrame) -> np.ndarray:
    """The customer code of each record of *frame* (-1 for customers not in *ids*)."""
    return ids.get_indexer(_text(frame, "customer_id")).astype(np.int64)


def _promise_facts(ids: pd.Index, promises: pd.DataFrame | None, today: int):
    cols = ["customer_id", "status", "promised_on", "promised_date", "amount_cents",
            "paid_cents", "currency"]
    promises = _or_empty(promises, cols)
    _require(promises, cols, "promises (the output of promise_status)")
    size = len(ids)
    code = _codes_in(ids, promises)
    status = _text(promises, "status")
    made = _day_numbers(_dates(promises["promised_on"]))
    promised = _day_numbers(_dates(promises["promised_date"]))
    live = (code >= 0) & (status != "cancelled")
    # A broken promise stops counting once the customer has promised again
    # after it broke: the new promise is what to follow up.
    last_made = np.full(size, _NO_DAY, dtype=np.int64)
    np.maximum.at(last_made, code[live], made[live])
    broken = live & np.isin(status, ["broken", "partly kept"]) & \
        (promised >= _take(last_made, code, _NO_DAY))
    pending = live & (status == "pending")
    b = _first_per(np.where(broken, code, -1), size, _desc(promised))
    d = _first_per(np.where(pending & (promised <= today), code, -1), size, promised)
    latest = _first_per(code, size, _desc(promised), _desc(made))
    shown = _take(status, latest, "")
    shown = np.where(_per_customer(np.maximum(code, 0), size, pending), "pending", shown)
    shown = np.where(b >= 0, _take(status, b, ""), shown).astype(object)
    table = {"amount": _cents(promises, "amount_cents", "promises"),
             "paid": _cents(promises, "paid_cents", "promises"),
             "promised": promised, "status": status, "currency": _text(promises, "currency")}
    return b, d, table, shown


def _facts(ids: pd.Index, notes, promises, disputes, exceptions, today: int) -> _Facts:
    size = len(ids)
    b, d, promise_table, shown = _promise_facts(ids, promises, today)

    note_cols = ["customer_id", "note_date", "next_action", "next_action_date"]
    notes = _or_empty(notes, note_cols)
    _require(notes, note_cols, "notes")
    note_day = _day_numbers(_dates(notes["note_date"]))
    code = np.where(note_day != _NO_DAY, _codes_in(ids, notes), -1)
    # The latest note by its date; of two on one day, the one recorded later.
    latest = _first_per(code, size, _desc(note_day), -np.arange(len(notes)))
    note_table = {"day": note_day, "next_action": _text(notes, "next_action"),
                  "next_day": _day_numbers(_dates(notes["next_action_date"]))}

    d_cols = ["customer_id", "status", "opened_on", "amount_cents", "currency"]
    disputes = _or_empty(disputes, d_cols)
    _require(disputes, d_cols, "disputes")
    code = np.where(np.char.lower(_text(disputes, "status").astype(str)) == "open",
                    _codes_in(ids, disputes), -1)
    opened = _day_numbers(_dates(disputes["opened_on"]))
    count = np.bincount(code[code >= 0], minlength=size).astype(np.int64)
    oldest = _first_per(np.where(opened != _NO_DAY, code, -1), size, opened)
    dispute_table = {"opened": opened, "amount": _cents(disputes, "amount_cents", "disputes"),
                     "currency": _text(disputes, "currency"),
                     "reason": _text(disputes, "reason_code")}

    e_cols = ["customer_id", "reason", "until_date"]
    exceptions = _or_empty(exceptions, e_cols)
    _require(exceptions, e_cols, "exceptions")
    until = _day_numbers(_dates(exceptions["until_date"]))
    active = ~_flags(exceptions, "ended") & ((until == _NO_DAY) | (until >= today))
    exception = _first_per(np.where(active, _codes_in(ids, exceptions), -1), size,
                           np.arange(len(exceptions)))
    exception_table = {"until": until, "reason": _text(exceptions, "reason"),
                       "approved_by": _text(exceptions, "approved_by")}
    return _Facts(b, d, promise_table, shown, latest, note_table, count, oldest, dispute_table,
                  exception, exception_table)


def _column(table: Mapping[str, np.ndarray], name: str, at: np.ndarray, fill):
    """The *name* values of the records at *at* (*fill* where -1)."""
    return _take(table[name], at, fill)


def worklist(by_customer: pd.DataFrame, customers: pd.DataFrame, notes: pd.DataFrame,
             promises: pd.DataFrame, disputes: pd.DataFrame, exceptions: pd.DataFrame,
             on_hold: Mapping[str, str], as_of, *, old_item_days: int = 90,
             dispute_days: int = 30, currency_order: Sequence[str] | None = None
             ) -> pd.DataFrame:
    """The accounts to call on *as_of*, ranked, each with one sentence saying why.

    The rule is in the module docstring (tiers 1-6, then currency, past due,
    oldest item).  *by_customer* is :func:`xlar.aging.summarize_aging` by
    customer; *customers* the master data (names, credit limits);
    *notes*, *disputes*, *exceptions* the latest versions from the store;
    *promises* the output of :func:`promise_status`; *on_hold* customer ->
    hold reason.  *old_item_days* and *dispute_days* are the limits of
    tiers 4 and 5; *currency_order* fixes the order of currencies inside a
    tier (currencies it does not name follow, by code).  Any of notes,
    promises, disputes, exceptions may be None.
    Records of customers that are not in *by_customer* are ignored.

    Every customer of *by_customer* is one row (columns
    :data:`WORKLIST_COLUMNS`): ranked (``rank`` 1, 2 ...), or excluded with
    ``excluded_reason`` and no rank, after the ranked ones.  ``tier`` is
    empty only when nothing is past due.
    """
    as_of = _as_day(as_of)
    today = _day_number(as_of)
    a = _accounts(by_customer, customers)
    size = len(a.ids)
    due = a.past_due > 0
    row_tier = np.select([due & a.over, due & (a.oldest > old_item_days), due], [3, 4, 6],
                         _NOTHING)
    # The row that leads a customer of several currencies: first tier, oldest item, code.
    lead = _first_per(a.code, size, row_tier, -a.oldest, pd.factorize(a.currency, sort=True)[0])
    f = _facts(a.ids, notes, promises, disputes, exceptions, today)

    cur = a.currency[lead]
    past = a.past_due[lead]
    oldest = a.oldest[lead]
    tier = row_tier[lead]
    anything = tier != _NOTHING
    opened = _column(f.disputes, "opened", f.dispute, _NO_DAY)
    tier = np.where(anything & (tier == 6) & (opened != _NO_DAY) & (today - opened > dispute_days),
                    5, tier)
    tier = np.where(anything & (f.due >= 0), np.minimum(tier, 2), tier)
    tier = np.where(anything & (f.broken >= 0), 1, tier)

    last_note = _column(f.notes, "day", f.note, _NO_DAY)
    next_day = _column(f.notes, "next_day", f.note, _NO_DAY)
    next_action = _column(f.notes, "next_action", f.note, "")
    # A promise that broke after the note was written outweighs the note's plan:
    # it broke the day after its date, so its date is on or after the note's.
    broke_since = (f.broken >= 0) & (_column(f.promises, "promised", f.broken, _NO_DAY)
                                     >= last_note)
    waiting = (next_day != _NO_DAY) & (next_day > today) & ~broke_since
    excepted = f.exception >= 0
    excluded = _excluded_reasons(a, lead, f, anything, excepted, waiting, last_note, next_day,
                                 next_action)
    is_out = excluded != ""

    also: dict[int, list[str]] = {}
    others = np.flatnonzero(due)
    others = others[others != lead[a.code[others]]]
    if len(others):
        others = others[np.lexsort((a.currency[others].astype(str), a.code[others]))]
        for c, t in zip(a.code[others], format_moneys(a.past_due[others], a.currency[others]),
                        strict=True):
            also.setdefault(int(c), []).append(t)
    why = _why_sentences(a, lead, f, tier, also, today, old_item_days)

    # Order: ranked first; tier; currency group; past due (largest); oldest; customer.
    if currency_order is None:
        counts = pd.Series(cur).value_counts()
        currency_order = sorted(counts.index, key=lambda c: (-counts[c], c))
    place = {c: k for k, c in enumerate(currency_order)}
    codes, uniques = pd.factorize(cur, sort=True)
    group = np.array([place.get(c, len(place)) for c in uniques], dtype=np.int64)[codes]
    order = np.lexsort((np.arange(size), -oldest, -past, codes, group, tier, is_out))
    ranked = int((~is_out).sum())
    held = np.asarray(a.ids.isin(set(on_hold)))
    return _frame({
        "rank": pd.arrays.IntegerArray(np.where(np.arange(size) < ranked,
                                                np.arange(1, size + 1), 0),
                                       np.arange(size) >= ranked),
        "customer_id": a.ids.to_numpy()[order],
        "customer_name": a.name[lead][order],
        "currency": cur[order],
        "past_due_cents": past[order],
        "balance_cents": a.balance[lead][order],
        "oldest_days": oldest[order],
        "tier": pd.arrays.IntegerArray(np.where(tier == _NOTHING, 0, tier)[order]
                                       .astype(np.int64), tier[order] == _NOTHING),
        "why": why[order],
        "last_contact": _as_dates(last_note[order]),
        "next_action": next_action[order],
        "next_action_date": _as_dates(next_day[order]),
        "promise_status": f.promise_status[order],
        "open_disputes": f.open_disputes[order],
        "on_hold": held[order],
        "excluded_reason": excluded[order],
    })


def _as_dates(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(DATE_DTYPE)


def _excluded_reasons(a, lead, f, anything, excepted, waiting, last_note, next_day,
                      next_action) -> np.ndarray:
    """Why an account is not called today ('' when it is); the first reason that applies."""
    out = np.full(len(lead), "", dtype=object)
    rows = np.flatnonzero(~anything | excepted | waiting)
    if not len(rows):
        return out
    balance = format_moneys(a.balance[lead[rows]], a.currency[lead[rows]], ~anything[rows])
    until = _iso(_column(f.exceptions, "until", f.exception[rows], _NO_DAY))
    reason = _column(f.exceptions, "reason", f.exception[rows], "")
    by = _column(f.exceptions, "approved_by", f.exception[rows], "")
    next_text, note_text = _iso(next_day[rows]), _iso(last_note[rows])
    for k, i in enumerate(rows):
        if not anything[i]:
            out[i] = f"Nothing past due (balance {balance[k]})."
        elif excepted[i]:
            when = f"until {until[k]}" if until[k] else "with no end date"
            who = f" (approved by {by[k]})" if by[k] else ""
            out[i] = f"On the exception list {when}{who}: {reason[k]}."
        else:
            what = f" “{next_action[i]}”" if next_action[i] else ""
            out[i] = f"Next action{what} planned for {next_text[k]} (note of {note_text[k]})."
    return out


def _why_sentences(a: _Accounts, lead: np.ndarray, f: _Facts, tier: np.ndarray,
                   also: dict[int, list[str]], today: int, old_item_days: int) -> np.ndarray:
    """One sentence per account: the fact that put it in its tier, and what is past due."""
    out = np.full(len(lead), "", dtype=object)
    rows = np.flatnonzero(tier != _NOTHING)
    r = lead[rows]
    t = tier[rows]
    past = format_moneys(a.past_due[r], a.currency[r])

    def promise(tier_no, at):
        at = np.where(t == tier_no, at, -1)
        amount = _column(f.promises, "amount", at, 0)
        paid = _column(f.promises, "paid", at, 0)
        currency = _column(f.promises, "currency", at, "")
        day = _column(f.promises, "promised", at, _NO_DAY)
        return (format_moneys(amount, currency, at >= 0),
                format_moneys(amount - paid, currency, at >= 0),
                format_moneys(paid, currency, at >= 0), paid, day, _iso(day))

    b_amount, b_missing, _, _, _, b_date = promise(1, f.broken[rows])
    b_status = _column(f.promises, "status", np.where(t == 1, f.broken[rows], -1), "")
    d_amount, _, d_paid, d_paid_cents, d_day, d_date = promise(2, f.due[rows])
    over = t == 3
    balance = format_moneys(a.balance[r], a.currency[r], over)
    limit = format_moneys(a.limit[r], a.limit_currency[r], over)
    at = np.where(t == 5, f.dispute[rows], -1)
    dispute = format_moneys(_column(f.disputes, "amount", at, 0),
                           _column(f.disputes, "currency", at, ""), at >= 0)
    opened = _column(f.disputes, "opened", at, _NO_DAY)
    opened_text = _iso(opened)
    kind = _column(f.disputes, "reason", at, "")
    oldest = a.oldest[r].tolist()
    sentences = []
    for k, (i, tk) in enumerate(zip(rows.tolist(), t.tolist(), strict=True)):
        p = past[k]
        if tk == 1:
            if b_status[k] == "broken":
                s = f"Promise of {b_amount[k]} for {b_date[k]} broken, nothing paid; {p} past due"
            else:
                s = (f"Promise of {b_amount[k]} for {b_date[k]} partly kept, {b_missing[k]} "
                     f"still missing; {p} past due")
        elif tk == 2:
            so_far = f"{d_paid[k]} paid so far" if d_paid_cents[k] else "nothing paid yet"
            when = "is due today" if d_day[k] == today else f"was due {_days(today - d_day[k])} ago"
            s = f"Promise of {d_amount[k]} for {d_date[k]} {when}, {so_far}; {p} past due"
        elif tk == 3:
            s = f"Balance {balance[k]} is over the credit limit of {limit[k]}, with {p} past due"
        elif tk == 4:
            s = (f"{p} past due; the oldest item is {oldest[k]} days past due "
                 f"(more than {old_item_days})")
        elif tk == 5:
            why = f" ({kind[k]})" if kind[k] else ""
            s = (f"{p} past due; a dispute of {dispute[k]}{why} has been open "
                 f"{_days(today - opened[k])}, since {opened_text[k]}")
        else:
            s = f"{p} past due; the oldest item is {oldest[k]} days past due"
        extra = also.get(i)
        sentences.append(f"{s}; also {' and '.join(extra)} past due." if extra else s + ".")
    out[rows] = sentences
    return out
