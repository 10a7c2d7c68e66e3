"""Dunning levels: which collection letter an item's age calls for.

A policy gives the days past due at which each level starts, after a grace
period.  The default ``(1, 30, 60, 90)`` with 5 grace days means: level 1
(friendly reminder) from 6 days past due, level 2 (second notice) from 35,
level 3 (final demand) from 65, level 4 (pre-collection / credit hold) from 95.
Level 0 means no letter yet.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["DunningPolicy", "DEFAULT_POLICY", "parse_policy", "dunning_levels", "LEVEL_NAMES",
           "PolicyError"]

LEVEL_NAMES = {0: "No letter", 1: "Friendly reminder", 2: "Second notice", 3: "Final demand",
               4: "Pre-collection notice"}


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


DEFAULT_POLICY = DunningPolicy()


def parse_policy(text: str | None, grace_days: int | None = None) -> DunningPolicy:
    """``"1,30,60,90"`` (optionally ``"...;grace=5"``) -> a policy."""
    if text is None or not str(text).strip():
        p = DEFAULT_POLICY
    else:
        body, _, grace = str(text).partition(";")
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
        g = DEFAULT_POLICY.grace_days
        if grace.strip():
            key, _, value = grace.partition("=")
            if key.strip().lower() != "grace" or not value.strip().isdigit():
                raise PolicyError(f"dunning policy {text!r}: write the grace days as ';grace=5'")
            g = int(value)
        p = DunningPolicy(thresholds, g)
    return p._replace(grace_days=grace_days) if grace_days is not None else p


def dunning_levels(days_past_due, policy: DunningPolicy = DEFAULT_POLICY) -> np.ndarray:
    """Level per item (0 = none) for an array of days past due, vectorised."""
    days = np.asarray(days_past_due)
    edges = np.asarray(policy.thresholds, dtype=np.float64) + policy.grace_days
    return np.searchsorted(edges, days, side="right").astype(np.int64)
