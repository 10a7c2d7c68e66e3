"""Dunning levels: which collection letter an item's age calls for, and the rest of
the dunning policy a letter batch follows.

A policy gives the days past due at which each level starts, after a grace
period.  The default ``(1, 30, 60, 90)`` with 5 grace days means: level 1
(friendly reminder) from 6 days past due, level 2 (second notice) from 35,
level 3 (final demand) from 65, level 4 (pre-collection / credit hold) from 95.
Level 0 means no letter yet.

The Settings sheet holds the whole policy in one cell, thresholds first, then
``name=value`` parts separated by ``;`` (any order, all optional)::

    1,30,60,90; grace=5; minimum=50; days_between=14; fee=25 from 3;
    interest from 3; skip_levels=no; first_letter_by_age=no;
    exclude=disputes,plans,promises,exceptions

``minimum`` is the net past-due amount (after credits, in the account's own
currency) below which no letter goes; ``days_between`` the least number of days
between two letters to one customer; ``fee`` a late fee added from the level
named; ``interest`` late-payment interest (the ``AR_LATE_INTEREST`` rule, at the
``late_interest_rate`` setting) from the level named; ``skip_levels=yes`` lets a
customer get the level its age calls for even when the one before was never
sent; ``first_letter_by_age=yes`` does so only for a customer's first letter about
its past-due items (after that, no level is skipped); ``exclude`` the exclusions in
force (by default all four).

Why a customer's first letter is a friendly reminder by default, however old the
debt: each level's letter says the earlier ones went unanswered ("despite our
previous reminders"), and a final demand or a pre-collection notice threatens credit
hold and a collection agency, which a customer should not read before any reminder
(collection agencies and credit insurers ask to see the escalation; the issue's rule
is "never skipping a level unless the policy says so").  The first letter for
year-old debt is rare in a workbench that has been dunning all along; it is the
usual case on the day a team starts using xlar, when the letters of the old system
are not in the activity store.  Such a team sets ``first_letter_by_age=yes``: the
first letter then matches the debt's age (a 400-day-old invoice gets the
pre-collection notice, not "perhaps this slipped your attention"), and later letters
climb one level at a time as usual.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import NamedTuple

import numpy as np

__all__ = ["DunningPolicy", "DEFAULT_POLICY", "parse_policy", "dunning_levels", "LEVEL_NAMES",
           "PolicyError", "EXCLUSIONS", "describe_policy"]

LEVEL_NAMES = {0: "No letter", 1: "Friendly reminder", 2: "Second notice", 3: "Final demand",
               4: "Pre-collection notice"}


#: What keeps an item or an account out of a letter batch, by its word in the policy.
EXCLUSIONS = {
    "disputes": "items in dispute",
    "plans": "items (or accounts) in a payment plan",
    "promises": "items (or accounts) with a promise to pay that is still pending",
    "exceptions": "accounts on the exception list",
}


class PolicyError(ValueError):
    """A dunning policy that cannot be used."""


class DunningPolicy(NamedTuple):
    """When each dunning level starts.

    Attributes:
      thresholds: days past due at which levels 1, 2, 3, 4 start (increasing).
      grace_days: days added to every threshold before a letter goes out.
    """

    thresholds: tuple[int, ...] = (1, 30, 60, 90)
    grace_days: int = 5
    #: net past due (after credits) below which no letter goes, in units of the
    #: account's currency (50 = $50.00 or 50,00 €)
    minimum: Decimal = Decimal(0)
    #: least number of days between two letters to one customer
    days_between: int = 14
    #: late fee in units of the account's currency, added from level ``fee_from``
    fee: Decimal = Decimal(0)
    fee_from: int = 3
    #: late-payment interest from this level (0 = none)
    interest_from: int = 0
    #: True: the level the age calls for, even when the one before was never sent
    skip_levels: bool = False
    #: True: a customer's first letter (no dunning letter about these items yet) is at
    #: the level the age calls for; later ones climb one level at a time
    first_letter_by_age: bool = False
    #: exclusions in force (keys of EXCLUSIONS)
    exclusions: frozenset[str] = frozenset(EXCLUSIONS)


DEFAULT_POLICY = DunningPolicy()

_KEYS = {
    "grace": "grace_days", "grace_days": "grace_days",
    "minimum": "minimum", "min": "minimum", "min_amount": "minimum",
    "days_between": "days_between", "gap": "days_between", "min_days_between": "days_between",
    "fee": "fee", "interest": "interest_from",
    "skip_levels": "skip_levels", "skip": "skip_levels",
    "first_letter_by_age": "first_letter_by_age",
    "exclude": "exclusions", "exclusions": "exclusions",
}
_YES = {"yes": True, "y": True, "true": True, "1": True, "si": True, "sí": True,
        "no": False, "n": False, "false": False, "0": False}


def _whole_days(text: str, what: str, policy: str) -> int:
    if not text.strip().isdigit():
        raise PolicyError(f"dunning policy {policy!r}: {what} must be a whole number of days, "
                          f"not {text.strip()!r}")
    return int(text)


def _level_from(text: str, policy: str, what: str) -> int | None:
    """``"from 3"`` -> 3; ``""`` -> None."""
    words = text.lower().split()
    if not words:
        return None
    if len(words) == 2 and words[0] == "from" and words[1] in ("1", "2", "3", "4"):
        return int(words[1])
    raise PolicyError(f"dunning policy {policy!r}: write {what} as e.g. 'from 3' (a level "
                      "from 1 to 4)")


def _amount(text: str, policy: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise PolicyError(f"dunning policy {policy!r}: {what} {text.strip()!r} is not an "
                          "amount (write e.g. 50 or 25.00)") from None
    if value < 0 or not value.is_finite():
        raise PolicyError(f"dunning policy {policy!r}: {what} cannot be negative")
    return value


def _option(p: DunningPolicy, part: str, policy: str) -> DunningPolicy:
    """Apply one ``name=value`` (or ``interest from 3``) part of the policy text."""
    head, sep, value = part.partition("=")
    name = head.strip().lower()
    if not sep:  # "interest from 3", "fee 25 from 3"
        name, _, value = part.strip().partition(" ")
        name = name.lower()
    field = _KEYS.get(name)
    if field is None:
        raise PolicyError(f"dunning policy {policy!r}: {part.strip()!r} is not understood; "
                          f"the parts are {', '.join(sorted(set(_KEYS) - {'min', 'gap', 'skip'}))}")
    if field == "grace_days":
        return p._replace(grace_days=_whole_days(value, "grace", policy))
    if field == "days_between":
        return p._replace(days_between=_whole_days(value, "days_between", policy))
    if field == "minimum":
        return p._replace(minimum=_amount(value, policy, "the minimum"))
    if field == "fee":
        amount, _, level = value.strip().partition(" ")
        return p._replace(fee=_amount(amount, policy, "the fee"),
                          fee_from=_level_from(level, policy, "the fee's level") or p.fee_from)
    if field == "interest_from":
        text = value.strip().lower()
        if text in _YES:
            return p._replace(interest_from=(3 if _YES[text] else 0))
        return p._replace(interest_from=_level_from(text, policy, "interest") or 0)
    if field in ("skip_levels", "first_letter_by_age"):
        if value.strip().lower() not in _YES:
            raise PolicyError(f"dunning policy {policy!r}: {name} is yes or no")
        return p._replace(**{field: _YES[value.strip().lower()]})
    words = {w.strip().lower() for w in value.replace(" ", ",").split(",") if w.strip()}
    if words == {"none"}:
        return p._replace(exclusions=frozenset())
    unknown = words - set(EXCLUSIONS)
    if unknown:
        raise PolicyError(f"dunning policy {policy!r}: exclude names {', '.join(sorted(unknown))}"
                          f"; it takes {', '.join(EXCLUSIONS)} (or none)")
    return p._replace(exclusions=frozenset(words))


def parse_policy(text: str | None, grace_days: int | None = None) -> DunningPolicy:
    """``"1,30,60,90"`` (optionally ``"...;grace=5"``) -> a policy."""
    if text is None or not str(text).strip():
        p = DEFAULT_POLICY
    else:
        body, *parts = str(text).split(";")
        try:
            thresholds = tuple(int(float(x)) for x in body.replace(" ", "").split(",") if x)
        except ValueError:
            raise PolicyError(f"dunning policy {text!r}: thresholds must be whole numbers of "
                              "days, e.g. 1,30,60,90") from None
        if not thresholds or any(b <= a for a, b in zip(thresholds, thresholds[1:], strict=False)):
            raise PolicyError(f"dunning policy {text!r}: thresholds must increase")
        if thresholds[0] < 1:
            raise PolicyError(f"dunning policy {text!r}: the first level cannot start before "
                              "the item is past due (1 day)")
        p = DEFAULT_POLICY._replace(thresholds=thresholds)
        for part in parts:
            if part.strip():
                p = _option(p, part, str(text))
    return p._replace(grace_days=grace_days) if grace_days is not None else p


def describe_policy(p: DunningPolicy, currency: str = "") -> str:
    """The policy in one sentence, for the batch report."""
    unit = f" {currency}" if currency else ""
    starts = ", ".join(f"level {i} from {t + p.grace_days} days"
                       for i, t in enumerate(p.thresholds, start=1))
    parts = [f"{starts} past due (thresholds {','.join(map(str, p.thresholds))} plus "
             f"{p.grace_days} grace days)"]
    parts.append(f"at least {p.days_between} days between letters")
    if p.minimum:
        parts.append(f"no letter when the net past due is under {p.minimum}{unit}")
    if p.fee:
        parts.append(f"a fee of {p.fee}{unit} from level {p.fee_from}")
    if p.interest_from:
        parts.append(f"late-payment interest from level {p.interest_from}")
    if p.skip_levels:
        parts.append("levels may be skipped")
    elif p.first_letter_by_age:
        parts.append("the first letter is at the level the age calls for, then no level is "
                     "skipped")
    else:
        parts.append("no level is skipped")
    excluded = [EXCLUSIONS[k] for k in EXCLUSIONS if k in p.exclusions]
    parts.append("excluded: " + ("; ".join(excluded) if excluded else "nothing"))
    return "; ".join(parts) + "."


def dunning_levels(days_past_due, policy: DunningPolicy = DEFAULT_POLICY) -> np.ndarray:
    """Level per item (0 = none) for an array of days past due, vectorised."""
    days = np.asarray(days_past_due)
    edges = np.asarray(policy.thresholds, dtype=np.float64) + policy.grace_days
    return np.searchsorted(edges, days, side="right").astype(np.int64)
