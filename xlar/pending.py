"""What xlar posted that the ERP's export does not show yet.

xlar posts cash (xlar.cashapp) and adjustments (xlar.adjustments) in its activity
store; the ERP learns of them from the posting files and journals, a day or a
month later.  Until then each fresh export still shows the items as they were, and
a refresh that took the export at its word would undo the specialist's work: a
credit memo posted this morning would vanish from the aging, and the next bank
file could apply cash to an invoice already credited.

So every posting remembers the open amount its item had when it was posted, and a
refresh replays the postings in the order they were made:

* the export still shows that amount: the ERP has not booked it, apply it again;
* the export shows that amount after the posting: the ERP has it, nothing to do;
* anything else: the ERP changed the item another way; its amount stands and the
  Run Log says so (the specialist looks at it, xlar does not guess).

A posting that makes an item of its own (a rebill or a manual invoice, what is
left of a credit memo, a payment left on account) adds that item until the
export holds a document of the same number for the customer, or one whose
reference names it.

Pure: :func:`reflect` takes the export's items and the postings and returns new
items and one sentence per kind of outcome for the Run Log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.dates import DATE_DTYPE
from xlar.model import OPEN_ITEM_COLUMNS

__all__ = ["Posting", "reflect", "item_row"]


class Posting(NamedTuple):
    """One change xlar made to the open items.

    Attributes:
      at: when it was posted (postings are replayed in this order).
      what: what it is, in the Run Log's words ("cash application", "credit memo" ...).
      customer_id: whose.
      number: the document xlar made ('' when it made none): once the export holds
        it, the ERP has booked the posting.
      item_key: the open item it changed ('' when none).
      before: that item's open amount when it was posted (None: not recorded, so it
        cannot be told whether the ERP has it; left to the ERP).
      change: what it did to that item's open amount (negative reduces an invoice).
      new_item: the item it made, as a row of open-item columns, or None.
      known_as: other numbers the ERP may book it under (a payment left on
        account: its bank reference).
      disputes: True when what is left open on the item is now in dispute (a
        deduction).
    """

    at: dt.datetime
    what: str
    customer_id: str
    number: str
    item_key: str
    before: int | None
    change: int
    new_item: dict | None = None
    disputes: bool = False
    known_as: tuple[str, ...] = ()


def item_row(columns: Iterable[str], **values) -> dict:
    """A new open item with every column of *columns*: text empty, no dates, given values."""
    row = {c: "" for c, (kind, _m) in OPEN_ITEM_COLUMNS.items() if kind == "str"}
    row |= {"disputed": False, "settled_date": pd.NaT, "source_file": "xlar",
            "source_sheet": "", "source_line": 0}
    row |= values
    return {c: row.get(c) for c in columns}


def _in_export(items: pd.DataFrame) -> set[tuple[str, str]]:
    """(customer, document) pairs the export names, by document number or reference."""
    out: set[tuple[str, str]] = set()
    customers = items["customer_id"].astype(str).str.upper().tolist()
    for col in ("document", "reference"):
        if col in items:
            out.update(zip(customers, items[col].astype(str).str.strip().str.upper().tolist(),
                           strict=True))
    return out


def reflect(items: pd.DataFrame, postings: Iterable[Posting]) -> tuple[pd.DataFrame, list[str]]:
    """The export's *items* with the postings the ERP does not show yet.

    Items brought to zero are removed; new items get every column *items* has.
    Returns the items and one Run Log sentence per kind of posting and outcome.
    """
    postings = sorted(postings, key=lambda p: p.at)
    if not postings:
        return items, []
    at = dict(zip(items["item_key"], items["open_cents"].astype(np.int64), strict=True))
    present = _in_export(items)
    columns = list(dict.fromkeys([*items.columns, *OPEN_ITEM_COLUMNS]))
    counts: dict[tuple[str, str], list[str]] = {}
    disputed: set[str] = set()
    new_rows: list[dict] = []

    def tally(p: Posting, outcome: str) -> None:
        counts.setdefault((p.what, outcome), []).append(p.number)

    for p in postings:
        if any((p.customer_id.upper(), n.strip().upper()) in present
               for n in (p.number, *p.known_as) if n.strip()):
            tally(p, "booked")
            continue
        if p.item_key:
            if p.before is None:
                tally(p, "unknown")
                continue
            now = int(at.get(p.item_key, 0))
            if now == p.before + p.change and p.change:
                tally(p, "booked")
                continue
            if now != p.before:
                tally(p, "changed")
                continue
            if p.item_key in at:
                at[p.item_key] = now + p.change
            if p.disputes:
                disputed.add(p.item_key)
        if p.new_item is not None:
            new_rows.append({c: p.new_item.get(c) for c in columns})
        tally(p, "pending")

    out = items.copy()
    out["open_cents"] = out["item_key"].map(at).astype(np.int64)
    if disputed and "disputed" in out:
        out.loc[out["item_key"].isin(disputed), "disputed"] = True
    if new_rows:
        out = pd.concat([out, _new_items(new_rows, items, columns)], ignore_index=True)
    out = out[out["open_cents"] != 0].reset_index(drop=True)
    return out, [_sentence(what, outcome, numbers)
                 for (what, outcome), numbers in counts.items()]


def _new_items(rows: list[dict], items: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    new = pd.DataFrame(rows, columns=columns)
    # An item xlar made carries what the export says of its customer where the
    # posting did not know it (a payment left on account knows only the customer id).
    if len(items):
        known = items.drop_duplicates("customer_id").set_index("customer_id")
        for c in ("customer_name", "sales_partner", "territory", "collector"):
            if c in new and c in known:
                blank = new[c].isna() | (new[c].astype(str) == "")
                new.loc[blank, c] = new.loc[blank, "customer_id"].map(known[c]).fillna("")
    for c in ("doc_date", "due_date", "settled_date"):
        if c in new:
            new[c] = pd.to_datetime(new[c]).astype(DATE_DTYPE)
    for c in ("original_cents", "open_cents", "source_line"):
        if c in new:
            new[c] = new[c].astype(np.int64)
    if "disputed" in new:
        new["disputed"] = new["disputed"].fillna(False).astype(bool)
    return new[[c for c in new.columns if c in items.columns or c in OPEN_ITEM_COLUMNS]]


_OUTCOMES = {
    "pending": "posted in xlar, not in the ERP export yet: applied to the aging",
    "booked": "posted in xlar, already in the ERP export",
    "changed": "posted in xlar on items the ERP has changed since: the ERP's amounts are "
               "shown",
    "unknown": "posted in xlar before it recorded the amounts it started from: left to "
               "the ERP's figures",
}


def _sentence(what: str, outcome: str, numbers: list[str]) -> str:
    n = len(numbers)
    named = [x for x in numbers if x][:5]
    listed = f" ({', '.join(named)}{', ...' if n > len(named) else ''})" if named else ""
    return f"{n} {what}{'' if n == 1 else 's'}{listed} {_OUTCOMES[outcome]}"
