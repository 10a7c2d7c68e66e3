"""Posted adjustments applied to the open items: balances change exactly by the amounts.

How each document moves the open items:

* **credit memo**: applied to the invoice it credits, up to what is still open
  there; whatever is left (the invoice was partly or fully paid) stays open as
  a credit balance under the credit memo's own number;
* **invoice** (manual, or the rebill of a credit-and-rebill): a new open item;
* **write-off**: the item's open amount goes toward zero by the amount;
* **refund**: the credit's open amount goes toward zero by the amount.

So for every customer, open after - open before = the sum of the documents'
``ar_cents``, to the cent (a hypothesis test says so).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from xlar.adjustments.model import DraftDocument
from xlar.dates import DATE_DTYPE
from xlar.model import OPEN_ITEM_COLUMNS
from xlar.pending import Posting, item_row

__all__ = ["document_effect", "apply_documents", "new_item_key", "adjustment_postings"]


def document_effect(doc: DraftDocument, target_open: int) -> tuple[int, int]:
    """(change of the adjusted item's open amount, open amount of the new item it leaves).

    *target_open* is the adjusted item's open amount now (0 when it is no longer open).
    """
    if doc.kind == "invoice":
        return 0, doc.ar_cents
    if doc.kind == "credit_memo":
        applied = min(doc.total_cents, max(int(target_open), 0))
        return -applied, -(doc.total_cents - applied)
    # write-offs and refunds move the item itself toward zero
    return doc.ar_cents, 0


def new_item_key(customer_id: str, doc_type: str, document: str) -> str:
    return f"{customer_id}|{doc_type}|{document}"


def _new_item(doc: DraftDocument, open_cents: int, columns) -> dict:
    doc_type = "invoice" if doc.kind == "invoice" else "credit_memo"
    reference = (f"rebill of {doc.applies_document}" if doc.kind == "invoice" and
                 doc.applies_document else
                 f"credit memo for {doc.applies_document}" if doc.applies_document else
                 "manual invoice")
    return item_row(
        columns, customer_id=doc.customer_id, customer_name=doc.customer_name,
        document=doc.number, doc_type=doc_type, doc_date=pd.Timestamp(doc.doc_date),
        due_date=pd.Timestamp(doc.due_date or doc.doc_date), original_cents=int(doc.ar_cents),
        open_cents=int(open_cents), currency=doc.currency, terms=doc.terms,
        po_number=doc.po_number, reference=reference, sales_partner=doc.sales_partner,
        territory=doc.territory, collector=doc.collector,
        item_key=new_item_key(doc.customer_id, doc_type, doc.number))


_WHAT = {"credit_memo": "credit memo", "invoice": "invoice", "write_off": "write-off",
         "refund": "refund"}


def adjustment_postings(posted: Iterable[tuple], columns) -> list[Posting]:
    """Posted documents (when, document, the adjusted item's open amount then; see
    :meth:`xlar.store.adjustments.AdjustmentBook.postings`) as
    :class:`xlar.pending.Posting` records, for a refresh.  *columns*: the open-item
    columns new items get."""
    out = []
    for at, doc, before in posted:
        what = _WHAT.get(doc.kind, doc.kind)
        if not doc.applies_to:   # a new invoice: an item of its own
            out.append(Posting(at, what, doc.customer_id, doc.number, "", None, 0,
                               _new_item(doc, doc.ar_cents, columns)))
            continue
        change, left = document_effect(doc, before if before is not None else 0)
        out.append(Posting(at, what, doc.customer_id, doc.number, doc.applies_to, before,
                           change, _new_item(doc, left, columns) if left else None))
    return out


def apply_documents(items: pd.DataFrame, documents: Iterable[DraftDocument]) -> pd.DataFrame:
    """The open items after posting *documents* (in order).  Pure: *items* is not changed.

    *items* needs ``item_key``, ``customer_id`` and ``open_cents``; new rows get
    every column *items* has (and the open-item columns).  Posted documents must
    carry their numbers.  A document whose item is not in *items* changes nothing
    there (its item is closed; a credit memo then stays open in full).
    """
    out = items.copy()
    columns = list(dict.fromkeys([*out.columns, *OPEN_ITEM_COLUMNS]))
    where = {k: i for i, k in enumerate(out["item_key"].tolist())}
    open_cents = out["open_cents"].to_numpy(np.int64).copy()
    new_rows: list[dict] = []
    for doc in documents:
        if not doc.number:
            raise ValueError(f"{doc.label} for {doc.customer_id} has no number: only posted "
                             "documents change the open items")
        at = where.get(doc.applies_to) if doc.applies_to else None
        change, left = document_effect(doc, open_cents[at] if at is not None else 0)
        if at is not None:
            open_cents[at] += change
        if left != 0:
            new_rows.append(_new_item(doc, left, columns))
    out["open_cents"] = open_cents
    if not new_rows:
        return out
    new = pd.DataFrame(new_rows, columns=columns)
    for c in ("doc_date", "due_date", "settled_date"):
        if c in new:
            new[c] = pd.to_datetime(new[c]).astype(DATE_DTYPE)
    for c in ("original_cents", "open_cents", "source_line"):
        new[c] = new[c].astype(np.int64)
    new["disputed"] = new["disputed"].astype(bool)
    # Columns only the sheet has (days past due, notes ...) stay empty for new rows.
    return pd.concat([out, new[[c for c in new.columns if c in out.columns or
                                c in OPEN_ITEM_COLUMNS]]], ignore_index=True)
