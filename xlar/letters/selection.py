"""Which customers get a letter today, at which level, with which items, and why.

Pure: the aged open items (:func:`xlar.aging.age_open_items`), the customer master,
what the activity store knows (:class:`LetterFacts`: the letter history, promises,
payment plans, the exception list, disputes, credit holds) and the dunning policy
(:mod:`xlar.dunning`) in; one row per past-due customer out, each with a sentence
saying why it gets the letter it gets, or why it gets none.

**The rule**, per customer:

1. Items that cannot be dunned are set aside, each with its reason: an item
   in dispute (flagged in the ERP export, or an open dispute naming it), in a
   live payment plan that names it, or named by a promise to pay that is still
   pending.  (Each exclusion can be switched off in the policy.)
2. The account is left out altogether, with the reason, when it is on the
   exception list; when a pending promise, a live payment plan or an open
   dispute covers the whole account (names no document); when nothing past due
   is left after step 1; when, in every currency, the net past due after the
   account's credits is under the policy's minimum (or not positive).
3. The level the age calls for is the policy's level for the oldest past-due
   item still dunned.  Letters count as history only when sent after that
   item fell due: earlier ones were about items since paid.  The next level is
   the last level sent plus one, never more than the age calls for (unless the
   policy allows skipping); a customer at level 4 gets level 4 again.  No letter
   while inside the grace days, sooner than ``days_between`` days after the last
   letter, or when the next level is not due yet.
4. An account on credit hold that has not had a credit-hold notice since the
   hold was placed gets that notice instead of a dunning letter.

What a letter asks for, per currency: the past-due items still dunned plus every
open credit of the account (credit memos, payments on account), which the
customer may deduct.  That is "the amount now due"; it comes from the aged items
to the cent.  A late fee and interest, when the policy charges them, are shown
under it, never mixed into it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import namedtuple
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.dunning import DunningPolicy, dunning_levels
from xlar.letters.words import LEVEL_NAMES
from xlar.metrics import late_interest
from xlar.money import format_money, minor_digits

__all__ = ["LetterFacts", "Selection", "Line", "LETTER_COLUMNS", "LINE_COLUMNS",
           "select_letters", "no_facts", "documents_named", "MAX_LEVEL"]

MAX_LEVEL = 4  # the templates go to level 4; a policy with more thresholds stops there

LETTER_COLUMNS = ["customer_id", "customer_name", "language", "email", "address", "delivery",
                  "kind", "level", "level_due", "currency", "amount_cents", "amounts",
                  "items", "oldest_days", "last_level", "last_date", "last_letter", "why",
                  "excluded_reason", "fee_cents", "interest_cents", "include"]
LINE_COLUMNS = ["customer_id", "item_key", "document", "doc_type", "doc_date", "due_date",
                "days_past_due", "open_cents", "currency", "po_number", "reference", "role",
                "reason", "interest_cents"]


class LetterFacts(NamedTuple):
    """What the activity store says, as the selection needs it.

    Attributes:
      history: letters that went out: customer_id, day (date), kind ("dunning",
        "credit_hold", ...), level (1-4 for dunning, else 0).
      promises: :func:`xlar.collections.promise_status` output (status
        "pending" counts), with customer_id, document, promised_date,
        amount_cents, currency.
      plans: live payment plans (cancelled and fully paid ones left out):
        record_id, customer_id, documents (text naming invoices), next_due.
      exceptions: exceptions in force: customer_id, reason, until_date, approved_by.
      disputes: open disputes: customer_id, document, reason_code, opened_on.
      holds: customer on credit hold -> the day the hold was placed.
    """

    history: pd.DataFrame
    promises: pd.DataFrame
    plans: pd.DataFrame
    exceptions: pd.DataFrame
    disputes: pd.DataFrame
    holds: Mapping[str, dt.date]


def no_facts() -> LetterFacts:
    """Facts of an empty store: no history, no promises, plans, exceptions, disputes."""
    def empty(*cols):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})

    return LetterFacts(empty("customer_id", "day", "kind", "level"),
                       empty("customer_id", "document", "promised_date", "amount_cents",
                             "currency", "status"),
                       empty("record_id", "customer_id", "documents", "next_due"),
                       empty("customer_id", "reason", "until_date", "approved_by"),
                       empty("customer_id", "document", "reason_code", "opened_on"), {})


class Selection(NamedTuple):
    """The letters a batch would hold.

    Attributes:
      letters: one row per customer with anything past due (columns
        :data:`LETTER_COLUMNS`): ``include`` True for a letter, False with
        ``excluded_reason`` for an account left out.
      lines: the items of each customer's letter (columns :data:`LINE_COLUMNS`):
        ``role`` "due" (past due, asked for), "credit" (an open credit set
        against it) or "left out" (past due but excluded, ``reason`` says why).
    """

    letters: pd.DataFrame
    lines: pd.DataFrame


_SPLIT = re.compile(r"[,;\s]+")


def documents_named(text) -> set[str]:
    """The document numbers a plan's or promise's text names ('INV-1, INV-2' -> both)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return set()
    return {d for d in _SPLIT.split(str(text).strip()) if d}


def _day(value) -> dt.date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    try:
        t = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(t) else t.date()


def _money(cents: int, currency: str) -> str:
    return format_money(int(cents), currency)


def _units(amount: Decimal, currency: str) -> int:
    """Policy amounts (units of the account's currency) in minor units."""
    return int((amount * (10 ** minor_digits(currency))).to_integral_value())


class _Exclusions(NamedTuple):
    """Item- and account-level exclusions, looked up per customer."""

    items: dict[tuple[str, str], str]   # (customer, document) -> reason
    accounts: dict[str, str]            # customer -> reason


def _exclusions(facts: LetterFacts, policy: DunningPolicy, as_of: dt.date) -> _Exclusions:
    items: dict[tuple[str, str], str] = {}
    accounts: dict[str, str] = {}
    on = policy.exclusions
    if "exceptions" in on:
        for r in facts.exceptions.itertuples(index=False):
            until = _day(getattr(r, "until_date", None))
            when = f"until {until:%Y-%m-%d}" if until else "with no end date"
            who = f", approved by {r.approved_by}" if getattr(r, "approved_by", "") else ""
            accounts.setdefault(str(r.customer_id),
                                f"On the exception list {when}{who}: {r.reason}.")
    if "promises" in on and len(facts.promises):
        pending = facts.promises[facts.promises["status"].astype(str) == "pending"]
        for r in pending.itertuples(index=False):
            day = _day(r.promised_date)
            what = (f"promise to pay {_money(r.amount_cents, r.currency)} by "
                    f"{day:%Y-%m-%d}" if day else "promise to pay")
            docs = documents_named(getattr(r, "document", ""))
            if docs:
                for d in docs:
                    items.setdefault((str(r.customer_id), d), f"{what} (pending)")
            else:
                accounts.setdefault(str(r.customer_id),
                                    f"A {what} is pending: no letter until then.")
    if "plans" in on:
        for r in facts.plans.itertuples(index=False):
            docs = documents_named(getattr(r, "documents", ""))
            nxt = _day(getattr(r, "next_due", None))
            what = f"payment plan {r.record_id}" + (f", next installment {nxt:%Y-%m-%d}"
                                                     if nxt else "")
            if docs:
                for d in docs:
                    items.setdefault((str(r.customer_id), d), f"in {what}")
            else:
                accounts.setdefault(str(r.customer_id),
                                    f"On a {what}: the plan covers the account.")
    if "disputes" in on:
        for r in facts.disputes.itertuples(index=False):
            opened = _day(getattr(r, "opened_on", None))
            why = str(getattr(r, "reason_code", "") or "").replace("_", " ")
            what = "in dispute" + (f" ({why}" if why else "") + \
                (f", opened {opened:%Y-%m-%d})" if opened else (")" if why else ""))
            doc = str(getattr(r, "document", "") or "").strip()
            if doc:
                items.setdefault((str(r.customer_id), doc), what)
            else:
                about = why or "no document named"
                accounts.setdefault(str(r.customer_id),
                                    f"An open dispute covers the whole account ({about}): no "
                                    "letter until it is resolved.")
    return _Exclusions(items, accounts)


def _history(facts: LetterFacts) -> dict[str, pd.DataFrame]:
    h = facts.history
    if not len(h):
        return {}
    h = h.assign(day=pd.to_datetime(h["day"]).dt.date, level=h["level"].fillna(0).astype(int))
    return {str(c): g.sort_values("day", kind="stable") for c, g in h.groupby("customer_id")}


def _interest_rate(rate) -> Decimal | None:
    """The late_interest_rate setting in percent, by AR_LATE_INTEREST's rule."""
    from xlar.metrics import annual_rate_pct

    return annual_rate_pct(rate)


class _Customer(NamedTuple):
    name: str
    language: str
    email: str
    address: str


def _customer_table(customers: pd.DataFrame | None, aged: pd.DataFrame) -> dict[str, _Customer]:
    out = {}
    names = aged.groupby("customer_id", sort=False)["customer_name"].first().to_dict()
    for cid, name in names.items():
        out[str(cid)] = _Customer(str(name), "en", "", "")
    if customers is not None and len(customers):
        for r in customers.itertuples(index=False):
            cid = str(r.customer_id)
            lang = str(getattr(r, "language", "") or "en").strip().lower()
            out[cid] = _Customer(str(getattr(r, "customer_name", "") or out.get(
                cid, _Customer(cid, "en", "", "")).name),
                lang if lang in ("en", "es") else "en",
                str(getattr(r, "email", "") or "").strip(),
                str(getattr(r, "address", "") or ""))
    return out


def select_letters(aged: pd.DataFrame, customers: pd.DataFrame | None, facts: LetterFacts,
                   policy: DunningPolicy, as_of, delivery: str = "email",
                   interest_rate=None) -> Selection:
    """The letters due on *as_of* (see the module docstring for the rule).

    *aged* holds the open items with ``days_past_due``; *delivery* is the
    ``letter_delivery`` setting (``email`` sends to customers with an address,
    ``print`` posts every letter); *interest_rate* the yearly late-payment rate
    (``"10.15%"``; None: the EU rate, as ``AR_LATE_INTEREST``).
    """
    as_of = pd.Timestamp(as_of).date()
    rate = _interest_rate(interest_rate)
    people = _customer_table(customers, aged)
    excl = _exclusions(facts, policy, as_of)
    history = _history(facts)
    debit = aged["open_cents"].to_numpy(np.int64) > 0
    past = aged["days_past_due"].to_numpy(np.int64) > 0
    past_customers = sorted(set(aged.loc[debit & past, "customer_id"].astype(str)))
    rows, lines = [], []
    # The items of those customers as rows, read once and grouped by customer: reading
    # each customer's slice row by row (pandas' itertuples per group) took 6 s for 20,000
    # items, and itertuples itself reads Arrow columns a value at a time (1.7 s of 3.4 s
    # for 100,000 items); tolist() converts a column at once, to the same values.
    wanted = set(past_customers)
    ids = aged["customer_id"].astype(str).tolist()
    mine = np.fromiter((i in wanted for i in ids), dtype=bool, count=len(ids))
    plain = aged[mine]
    Item = namedtuple("Item", [str(c) for c in plain.columns], rename=True)
    values = [plain[c].tolist() for c in plain.columns]
    by_customer: dict[str, list] = {}
    for cid, r in zip((i for i, m in zip(ids, mine, strict=True) if m),
                      map(Item._make, zip(*values, strict=True)), strict=True):
        by_customer.setdefault(cid, []).append(r)
    for cid in past_customers:
        row, mine = _one_customer(cid, by_customer[cid], people.get(cid), excl, history.get(cid),
                                  facts.holds.get(cid), policy, as_of, delivery, rate)
        rows.append(row)
        lines.extend(mine)
    letters = pd.DataFrame(rows, columns=LETTER_COLUMNS) if rows else \
        pd.DataFrame({c: pd.Series(dtype=object) for c in LETTER_COLUMNS})
    for c in ("level", "level_due", "amount_cents", "items", "oldest_days", "last_level",
              "fee_cents", "interest_cents"):
        letters[c] = letters[c].astype(np.int64)
    letters["include"] = letters["include"].astype(bool)
    for c in ("customer_id", "customer_name", "language", "email", "address", "delivery",
              "kind", "currency", "last_letter", "why", "excluded_reason"):
        letters[c] = letters[c].astype(object)
    # Letters first (largest amount first within a currency), then the accounts left out.
    letters = letters.sort_values(["include", "currency", "amount_cents", "customer_id"],
                                  ascending=[False, True, False, True], kind="stable")
    line_frame = pd.DataFrame([tuple(ln) for ln in lines], columns=LINE_COLUMNS)
    for c in ("days_past_due", "open_cents", "interest_cents"):
        line_frame[c] = line_frame[c].astype(np.int64)
    return Selection(letters.reset_index(drop=True), line_frame)


class Line(NamedTuple):
    """One item of a customer's letter (the fields of :data:`LINE_COLUMNS`)."""

    customer_id: str
    item_key: str
    document: str
    doc_type: str
    doc_date: dt.date | None
    due_date: dt.date | None
    days_past_due: int
    open_cents: int
    currency: str
    po_number: str
    reference: str
    role: str
    reason: str = ""
    interest_cents: int = 0


def _line(cid: str, r, role: str, reason: str = "") -> Line:
    return Line(cid, r.item_key, r.document, r.doc_type, _day(r.doc_date), _day(r.due_date),
                int(r.days_past_due), int(r.open_cents), r.currency, r.po_number or "",
                r.reference or "", role, reason)


class _Items(NamedTuple):
    """A customer's items sorted for a letter, and the sums the decisions need."""

    lines: list[Line]
    left_out: list[tuple[str, str]]     # (document, reason) of past-due items excluded
    due: dict[str, int]                 # currency -> past-due cents still dunned
    credits: dict[str, int]             # currency -> open credits (negative)
    oldest: int                         # days past due of the oldest item dunned
    oldest_due: dt.date | None
    oldest_doc: str


def _sort_items(cid: str, items: list, excl: _Exclusions, policy: DunningPolicy) -> _Items:
    """*items*: the customer's open items as rows (namedtuples of the aged frame)."""
    lines, left_out, due, credits = [], [], {}, {}
    oldest, oldest_due, oldest_doc = 0, None, ""
    for r in items:
        cents = int(r.open_cents)
        if cents < 0:
            credits[r.currency] = credits.get(r.currency, 0) + cents
            lines.append(_line(cid, r, "credit"))
            continue
        if cents == 0 or int(r.days_past_due) <= 0:
            continue
        reason = "in dispute (flagged in the ERP)" \
            if "disputes" in policy.exclusions and bool(r.disputed) else \
            excl.items.get((cid, str(r.document)), "")
        if reason:
            lines.append(_line(cid, r, "left out", reason))
            left_out.append((str(r.document), reason))
            continue
        lines.append(_line(cid, r, "due"))
        due[r.currency] = due.get(r.currency, 0) + cents
        if int(r.days_past_due) > oldest:
            oldest, oldest_due, oldest_doc = int(r.days_past_due), _day(r.due_date), r.document
    # Credits count only in a currency that has something to ask for.
    lines = [ln for ln in lines if ln.role != "credit" or ln.currency in due]
    return _Items(lines, left_out, due, credits, oldest, oldest_due, oldest_doc)


class _History(NamedTuple):
    level: int                      # the level due today (0: none)
    last_level: int                 # last dunning level about these items (0: none)
    last_date: dt.date | None
    last_any: pd.Series | None      # the last letter of any kind, about anything


def _next_level(history: pd.DataFrame | None, oldest_due: dt.date | None, level_due: int,
                policy: DunningPolicy) -> _History:
    last_level, last_date, last_any = 0, None, None
    if history is not None and len(history):
        # Letters sent before the oldest item fell due were about items paid since.
        recent = history[history["day"] >= oldest_due] if oldest_due else history
        dunning = recent[recent["kind"] == "dunning"]
        if len(dunning):
            last_level, last_date = int(dunning["level"].iloc[-1]), dunning["day"].iloc[-1]
        last_any = history.iloc[-1]
    if level_due > last_level:
        by_age = policy.skip_levels or (policy.first_letter_by_age and last_level == 0)
        level = level_due if by_age else last_level + 1
    elif last_level >= MAX_LEVEL and level_due >= MAX_LEVEL:
        level = MAX_LEVEL  # the last level is repeated, not exceeded
    else:
        level = 0
    return _History(level, last_level, last_date, last_any)


def _left_out_because(cid: str, excl: _Exclusions, it: _Items, nets: dict[str, int],
                      kept: dict[str, int], level_due: int, h: _History,
                      policy: DunningPolicy, as_of: dt.date) -> str:
    """Why the account gets no letter today ('' when it gets one); the first reason."""
    if cid in excl.accounts:
        return excl.accounts[cid]
    if not it.due:
        reasons = "; ".join(f"{d} {why}" for d, why in it.left_out[:4])
        more = f" and {len(it.left_out) - 4} more" if len(it.left_out) > 4 else ""
        return f"Every past-due item is left out: {reasons}{more}."
    if not kept:
        parts = []
        for c, n in nets.items():
            credits = it.credits.get(c, 0)
            after = f" after credits of {_money(credits, c)}" if credits else ""
            if n <= 0:
                parts.append(f"credits of {_money(credits, c)} cover the "
                             f"{_money(it.due[c], c)} past due")
            else:
                parts.append(f"net past due {_money(n, c)}{after} is under the minimum of "
                             f"{_money(_units(policy.minimum, c), c)}")
        return "Nothing to ask for: " + "; ".join(parts) + "."
    if level_due == 0:
        first = policy.thresholds[0] + policy.grace_days
        return (f"Within the grace days: the oldest item ({it.oldest_doc}) is {it.oldest} days "
                f"past due; the first letter goes at {first} days.")
    last = h.last_any
    if last is not None and last["day"] >= as_of:
        return (f"A letter already went out on {last['day']:%Y-%m-%d}: one letter a day at "
                "most.")
    if last is not None and (as_of - last["day"]).days < policy.days_between:
        days = (as_of - last["day"]).days
        what = (f"level {int(last['level'])} letter" if last["kind"] == "dunning"
                else f"{str(last['kind']).replace('_', ' ')} letter")
        return (f"A {what} went out on {last['day']:%Y-%m-%d}, {days} days ago; the policy "
                f"waits {policy.days_between} days between letters.")
    if h.level == 0:
        nxt = min(h.last_level + 1, MAX_LEVEL)
        starts = policy.thresholds[nxt - 1] + policy.grace_days \
            if nxt - 1 < len(policy.thresholds) else None
        if starts is None:
            return f"Level {h.last_level} went out on {h.last_date:%Y-%m-%d}."
        return (f"Level {h.last_level} went out on {h.last_date:%Y-%m-%d}; level {nxt} starts "
                f"when the oldest item is {starts} days past due (now {it.oldest}).")
    return ""


def _one_customer(cid: str, items: list, who: _Customer | None, excl: _Exclusions,
                  history: pd.DataFrame | None, hold_since: dt.date | None,
                  policy: DunningPolicy, as_of: dt.date, delivery: str,
                  rate) -> tuple[dict, list[Line]]:
    who = who or _Customer(str(items[0].customer_name), "en", "", "")
    it = _sort_items(cid, items, excl, policy)
    nets = {c: it.due[c] + it.credits.get(c, 0) for c in sorted(it.due)}
    kept = {c: n for c, n in nets.items() if n > 0 and n >= _units(policy.minimum, c)}
    pool = kept or nets  # the currency asking for the most leads the letter
    lead = max(pool, key=lambda c: (pool[c], c)) if pool else str(items[0].currency)
    level_due = min(int(dunning_levels(np.array([it.oldest]), policy)[0]), MAX_LEVEL)
    h = _next_level(history, it.oldest_due, level_due, policy)
    excluded = _left_out_because(cid, excl, it, nets, kept, level_due, h, policy, as_of)

    kind = "dunning"
    if not excluded and hold_since is not None:
        noticed = history is not None and len(history) and (
            (history["kind"] == "credit_hold") & (history["day"] >= hold_since)).any()
        kind = "dunning" if noticed else "credit_hold"
    lines = it.lines
    fee = interest = 0
    if kind == "dunning" and not excluded:
        if policy.fee and h.level >= policy.fee_from:
            fee = _units(policy.fee, lead)
        if policy.interest_from and h.level >= policy.interest_from:
            lines = [ln._replace(interest_cents=late_interest(ln.open_cents, ln.days_past_due,
                                                              rate))
                     if ln.role == "due" and ln.currency == lead else ln for ln in lines]
            interest = sum(ln.interest_cents for ln in lines)
    amounts = tuple((c, kept[c]) for c in sorted(kept))
    if not excluded:  # the letter asks in the currencies kept; the rest stays out of it
        lines = [ln for ln in lines if ln.role == "left out" or ln.currency in kept]
    last = h.last_any
    row = {
        "customer_id": cid, "customer_name": who.name, "language": who.language,
        "email": who.email, "address": who.address,
        "delivery": "email" if delivery.strip().lower() != "print" and who.email else "print",
        "kind": kind, "level": 0 if excluded else h.level, "level_due": level_due,
        "currency": lead, "amount_cents": int(dict(amounts).get(lead, nets.get(lead, 0))),
        "amounts": amounts,
        "items": sum(1 for ln in lines if ln.role in ("due", "credit") and ln.currency in kept),
        "oldest_days": it.oldest, "last_level": h.last_level, "last_date": h.last_date,
        "last_letter": (f"Level {h.last_level} on {h.last_date:%Y-%m-%d}" if h.last_level else
                        f"{str(last['kind']).replace('_', ' ').capitalize()} on "
                        f"{last['day']:%Y-%m-%d}" if last is not None else ""),
        "why": _why(kind, h.level, level_due, h.last_level, h.last_date, it.oldest,
                    it.oldest_doc, policy, amounts, it.left_out, hold_since, as_of),
        "excluded_reason": excluded, "fee_cents": fee, "interest_cents": interest,
        "include": not excluded,
    }
    return row, lines


def _why(kind, level, level_due, last_level, last_date, oldest, oldest_doc, policy, amounts,
         left_out, hold_since, as_of) -> str:
    """One sentence: the facts that chose the letter."""
    parts = []
    if oldest:
        parts.append(f"oldest item {oldest_doc} is {oldest} days past due (the age calls for "
                     f"level {level_due})" if level_due else
                     f"oldest item {oldest_doc} is {oldest} days past due")
    if last_level:
        ago = (as_of - last_date).days
        parts.append(f"last letter: level {last_level} on {last_date:%Y-%m-%d} ({ago} days ago)")
    elif level > 1 and level == level_due and policy.first_letter_by_age \
            and not policy.skip_levels:
        parts.append("no letter about these items yet, and the policy starts the first "
                     "letter at the level the age calls for")
    else:
        parts.append("no letter about these items yet")
    if kind == "credit_hold":
        parts.append(f"on credit hold since {hold_since:%Y-%m-%d}, no notice sent yet: "
                     "credit-hold notice")
    elif level:
        name = LEVEL_NAMES.get(level, "")
        step = "" if policy.skip_levels or level == level_due else \
            f", not level {level_due}: levels are not skipped"
        parts.append(f"so level {level} ({name}){step}")
    if amounts:
        parts.append("asking for " + " and ".join(_money(c, cur) for cur, c in amounts))
    if left_out:
        parts.append(f"{len(left_out)} item(s) left out ("
                     + "; ".join(f"{d} {w}" for d, w in left_out[:3])
                     + (" ..." if len(left_out) > 3 else "") + ")")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."
