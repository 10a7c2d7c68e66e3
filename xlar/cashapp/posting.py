"""Posting approved cash applications: what they do to the open items, checked first.

The specialist approves proposals on the *Cash Proposals* sheet (and may edit
the amounts); :func:`plan_postings` turns the approved rows into receipts and
applications, refusing what does not add up (pure).  Recording them (once per
payment, whatever happens) is :meth:`xlar.store.api.Store.post_receipt`; the
aging then shows them through :func:`cash_postings` (see below).

What an application does to its item, to the cent::

    open after = open before - applied - discount - small write-off

A deduction (short payment with a reason) is *not* a reduction: it stays
open on the item, which becomes disputed, and a dispute is opened for it.

Until the ERP has the payment too, the next export still shows the item
unpaid.  :func:`cash_postings` gives a refresh what it needs to notice (the
export's open amount is the one the application started from) and subtract it
again, so a refreshed aging shows what was posted; once the ERP's amount has
moved on, the ERP's figure stands (:mod:`xlar.pending`).
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from xlar.money import format_money
from xlar.pending import Posting, item_row

__all__ = ["PostingPlan", "plan_postings", "cash_postings", "cash_ar_entries",
           "reduction_cents", "APPLICATION_FIELDS"]

APPLICATION_FIELDS = ("payment_id", "customer_id", "document", "item_key", "currency",
                      "open_before_cents", "apply_cents", "discount_cents", "writeoff_cents",
                      "deduction_cents", "deduction_reason", "rule")


class PostingPlan(NamedTuple):
    """What posting the approved proposals will do.

    receipts: one row per payment to post (payment_id, customer_id, value_date,
      amount_cents, currency, payer_name, payer_account, bank_reference,
      on_account_cents, status: applied / on_account / unidentified).
    applications: one row per open item touched (:data:`APPLICATION_FIELDS`).
    refused: payments not posted, with the reason (payment_id, reason).
    """

    receipts: pd.DataFrame
    applications: pd.DataFrame
    refused: pd.DataFrame


def reduction_cents(app) -> int:
    """How much an application takes off its item's open amount."""
    return int(app["apply_cents"]) + int(app["discount_cents"]) + int(app["writeoff_cents"])


def plan_postings(approved: pd.DataFrame, payments: pd.DataFrame,
                  open_items: pd.DataFrame) -> PostingPlan:
    """Check the approved proposal rows (PROPOSAL_COLUMNS, as edited) and plan them.

    A payment is refused whole, never in part, when: its rows' applied
    amounts plus what is left on account do not equal the payment; an item
    it names is no longer open, or is in another currency; it would take an
    item below zero (or a credit above zero); or two payments in this batch
    would, together, take an item further than its balance.
    """
    pay = payments.set_index("payment_id") if len(payments) else payments
    items = open_items.set_index("item_key") if len(open_items) else open_items
    left = {k: int(v) for k, v in items["open_cents"].items()} if len(items) else {}
    receipts, apps, refused = [], [], []
    for pid, rows in approved.groupby("payment_id", sort=False):
        problem, planned = _check_payment(pid, rows, pay, items, left)
        if problem:
            refused.append({"payment_id": pid, "reason": problem})
            continue
        for a in planned:
            left[a["item_key"]] -= reduction_cents(a)
        apps += planned
        p = pay.loc[pid] if pid in pay.index else None
        first = rows.iloc[0]
        on_account = int(rows["on_account_cents"].sum())
        customer = str(first["customer_id"] or "")
        status = "applied" if planned else ("on_account" if customer else "unidentified")
        receipts.append({
            "payment_id": pid, "customer_id": customer,
            "value_date": first["value_date"], "amount_cents": int(first["payment_cents"]),
            "currency": first["currency"],
            "payer_name": str(p["payer_name"]) if p is not None else str(first["payer_name"]),
            "payer_account": str(p["payer_account"]) if p is not None else "",
            "bank_reference": str(p["bank_reference"]) if p is not None else "",
            "on_account_cents": on_account, "status": status,
            "source": ("" if p is None else str(p["source"]) if "source" in p.index
                       else f"{p['source_file']} line {p['source_line']}"),
        })
    return PostingPlan(
        pd.DataFrame(receipts, columns=["payment_id", "customer_id", "value_date",
                                        "amount_cents", "currency", "payer_name",
                                        "payer_account", "bank_reference",
                                        "on_account_cents", "status", "source"]),
        pd.DataFrame(apps, columns=list(APPLICATION_FIELDS)),
        pd.DataFrame(refused, columns=["payment_id", "reason"]))


def _check_payment(pid, rows: pd.DataFrame, pay, items, left: dict) -> tuple[str, list[dict]]:
    first = rows.iloc[0]
    cur, amount = str(first["currency"]), int(first["payment_cents"])
    money = lambda c: format_money(int(c), cur)  # noqa: E731
    if amount <= 0:
        return f"{money(amount)} is not a receipt", []
    applied = int(rows["apply_cents"].sum())
    on_account = int(rows["on_account_cents"].sum())
    if applied + on_account != amount:
        return (f"applied {money(applied)} + on account {money(on_account)} is not the payment's "
                f"{money(amount)}: correct the amounts and approve again"), []
    if (rows[["discount_cents", "writeoff_cents", "deduction_cents",
              "on_account_cents"]] < 0).any().any():
        return "an amount is negative: discounts, write-offs, deductions and amounts left " \
               "on account are entered as positive numbers", []
    planned = []
    named = rows.loc[rows["item_key"].astype(str) != "", "item_key"]
    twice = named[named.duplicated()]
    if len(twice):
        # Each row would be checked against the whole balance, so together they could
        # take the item below zero: one row per item and payment.
        doc = rows.loc[rows["item_key"] == twice.iloc[0], "document"].iloc[0]
        return f"{doc} is on two rows of this payment: put it on one row", []
    for r in rows[rows["item_key"].astype(str) != ""].to_dict("records"):
        key = r["item_key"]
        if key not in left:
            return f"{r['document']} is no longer open (refresh the aging, then match again)", []
        item = items.loc[key]
        if str(item["currency"]) != cur:
            return f"{r['document']} is in {item['currency']}, the payment in {cur}", []
        before = left[key]
        # A credit note the payer netted is applied as a negative amount: it takes the
        # credit toward zero, as the payment takes the invoices.
        if (int(r["apply_cents"]) < 0) != (before < 0) and int(r["apply_cents"]):
            return (f"{r['document']} has {money(before)} open: apply "
                    + ("a credit note as a negative amount" if before < 0 else
                       "a positive amount to an invoice (only a credit note netted by the "
                       "payer is applied as a negative amount)")), []
        reduce = reduction_cents(r)
        after = before - reduce
        if (before > 0 and (after < 0 or after < int(r["deduction_cents"]))) or \
                (before < 0 and after > 0):
            return (f"{r['document']} has {money(before)} open; this would take off "
                    f"{money(reduce)}"
                    + (f" and leave {money(int(r['deduction_cents']))} as a deduction"
                       if int(r["deduction_cents"]) else "")), []
        planned.append({
            "payment_id": pid, "customer_id": str(item["customer_id"]),
            "document": str(item["document"]), "item_key": key, "currency": cur,
            "open_before_cents": before, "apply_cents": int(r["apply_cents"]),
            "discount_cents": int(r["discount_cents"]),
            "writeoff_cents": int(r["writeoff_cents"]),
            "deduction_cents": int(r["deduction_cents"]),
            "deduction_reason": str(r["deduction_reason"] or ""), "rule": str(r["rule"] or ""),
        })
    return "", planned


def left_on_account(receipt) -> int:
    """What a posted receipt (a cash_receipts row) left on account: its on-account
    amount, or all of it when nothing was applied."""
    return int(receipt["on_account_cents"]) or (
        int(receipt["amount_cents"]) if receipt["status"] == "on_account" else 0)


def receipt_day(receipt) -> pd.Timestamp:
    """The day a posted receipt counts from: its value date, else when it was posted."""
    v = receipt["value_date"]
    return pd.Timestamp(v if v is not None and not pd.isna(v) else receipt["created_at"])


def cash_postings(receipts: pd.DataFrame, applications: pd.DataFrame,
                  columns) -> list[Posting]:
    """The posted cash as :class:`xlar.pending.Posting` records, for a refresh.

    Each application reduces its item from the open amount it started from; what a
    payment left on account is an item of its own (a credit of type payment, under
    the payment id, known to the ERP by its bank reference) until the ERP has it.
    *columns*: the open-item columns new items get.
    """
    out = [Posting(a["created_at"], "cash application", str(a["customer_id"]), "",
                   str(a["item_key"]), int(a["open_before_cents"]), -reduction_cents(a),
                   disputes=bool(int(a["deduction_cents"])))
           for a in applications.to_dict("records")] if len(applications) else []
    for r in receipts.to_dict("records") if len(receipts) else []:
        left = left_on_account(r)
        if not left or not str(r["customer_id"] or ""):
            continue   # nothing on account, or unidentified: cash in suspense, not AR
        day = receipt_day(r).normalize()
        customer, pid = str(r["customer_id"]), str(r["payment_id"])
        item = item_row(columns, customer_id=customer, document=pid, doc_type="payment",
                        doc_date=day, due_date=day, original_cents=-left, open_cents=-left,
                        currency=r["currency"], reference=str(r["bank_reference"] or ""),
                        item_key=f"{customer}|payment|{pid}")
        out.append(Posting(r["created_at"], "payment left on account", customer, pid, "",
                           None, 0, item, known_as=(str(r["bank_reference"] or ""),)))
    return out


def cash_ar_entries(receipts: pd.DataFrame, applications: pd.DataFrame) -> pd.DataFrame:
    """What each posted receipt did to AR, for the month-end reconciliation: the amounts
    it applied, discounted and wrote off, and what it left on account of an identified
    customer (an unidentified receipt is cash in suspense, not AR).  *effect* is in
    cents and negative (AR goes down).  Columns: payment_id, bank_reference, day,
    currency, customer_id, effect."""
    cols = ["payment_id", "bank_reference", "day", "currency", "customer_id", "effect"]
    if not len(receipts):
        return pd.DataFrame(columns=cols)
    reduced: dict[str, int] = {}
    for a in applications.to_dict("records") if len(applications) else []:
        reduced[a["payment_id"]] = reduced.get(a["payment_id"], 0) + reduction_cents(a)
    rows = []
    for r in receipts.to_dict("records"):
        customer = str(r["customer_id"] or "")
        effect = -(reduced.get(r["payment_id"], 0) + (left_on_account(r) if customer else 0))
        rows.append({"payment_id": str(r["payment_id"]),
                     "bank_reference": str(r["bank_reference"] or ""),
                     "day": receipt_day(r).date(), "currency": r["currency"],
                     "customer_id": customer, "effect": effect})
    return pd.DataFrame(rows, columns=cols)
