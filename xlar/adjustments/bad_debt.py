"""The bad-debt review: which open items to write off, by rule, each with its reason.

Rules (thresholds in the ``bad_debt_rules`` setting), one proposal per item:

1. **dispute lost**: a dispute on the item was resolved in the customer's favour
   (status *resolved valid*): write off the disputed amount (at most what is open);
2. **bad debt**: the item is at least ``age`` days past due, and the account
   has paid nothing for ``no_payment_days`` days (or ever), or broke at least
   ``broken_promises`` promises to pay;
3. **small balance**: at most ``small_balance`` open (either sign) and at least
   ``small_balance_age`` days past due.

Accounts on an active payment plan or on the exception list are not proposed;
they are listed as skipped, with the reason.  Nothing is written off here: the
specialist copies the rows wanted to the Adjustments sheet, where authority and
approval apply as for any write-off.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.adjustments.policy import BadDebtRules
from xlar.aging import days_past_due
from xlar.money import format_money

__all__ = ["BadDebtReview", "recommend_write_offs", "REVIEW_COLUMNS"]

REVIEW_COLUMNS = ["customer_id", "customer_name", "document", "days_past_due", "open_cents",
                  "currency", "suggested_type", "suggested_cents", "reason_code", "rules", "why",
                  "last_payment", "broken_promises"]


class BadDebtReview(NamedTuple):
    """Proposals (columns :data:`REVIEW_COLUMNS`) and skipped accounts (customer, why)."""

    proposals: pd.DataFrame
    skipped: pd.DataFrame


def _frame(frame: pd.DataFrame | None, cols: list[str]) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    return frame


def _active_accounts(plans: pd.DataFrame | None, exceptions: pd.DataFrame | None,
                     as_of: dt.date) -> dict[str, str]:
    out: dict[str, str] = {}
    plans = _frame(plans, ["customer_id", "cancelled"])
    for r in plans.to_dict("records"):
        if not bool(r.get("cancelled")):
            out[str(r["customer_id"])] = "on an active payment plan"
    exc = _frame(exceptions, ["customer_id", "ended", "until_date", "reason"])
    for r in exc.to_dict("records"):
        until = r.get("until_date")
        live = not bool(r.get("ended")) and (until is None or pd.isna(until) or
                                              pd.Timestamp(until).date() >= as_of)
        if live:
            out[str(r["customer_id"])] = f"on the exception list ({r.get('reason', '')})"
    return out


def recommend_write_offs(items: pd.DataFrame, rules: BadDebtRules, as_of: dt.date,
                         payments: pd.DataFrame | None = None,
                         promises: pd.DataFrame | None = None,
                         disputes: pd.DataFrame | None = None,
                         plans: pd.DataFrame | None = None,
                         exceptions: pd.DataFrame | None = None) -> BadDebtReview:
    """Proposed write-offs for the open *items* at *as_of*.

    *payments*: payments received (customer_id, paid_on); *promises*: promises
    judged by :func:`xlar.collections.promise_status` (status 'broken' counts);
    *disputes*: latest dispute records (status, document, amount_cents);
    *plans*, *exceptions*: accounts handled otherwise (skipped).
    """
    skip = _active_accounts(plans, exceptions, as_of)
    open_items = items[items["open_cents"] != 0].reset_index(drop=True)
    days = days_past_due(pd.to_datetime(open_items["due_date"]).to_numpy(), as_of)
    days = np.where(days == np.iinfo(np.int64).min, 0, days)

    pays = _frame(payments, ["customer_id", "paid_on", "amount_cents"])
    pays = pays[pd.to_numeric(pays["amount_cents"], errors="coerce").fillna(0) > 0]
    last_paid = {str(k): pd.Timestamp(v).date() for k, v in
                 pays.groupby("customer_id")["paid_on"].max().items()} if len(pays) else {}
    prom = _frame(promises, ["customer_id", "status", "promised_date"])
    broken_rows = prom[prom["status"] == "broken"]
    broken = broken_rows.groupby("customer_id").size().to_dict() if len(broken_rows) else {}
    last_broken = ({str(k): pd.Timestamp(v).date() for k, v in
                    broken_rows.groupby("customer_id")["promised_date"].max().items()}
                   if len(broken_rows) else {})
    disp = _frame(disputes, ["customer_id", "document", "status", "amount_cents", "reason_code"])
    lost = {(str(r["customer_id"]), str(r["document"])): r for r in disp.to_dict("records")
            if r["status"] == "resolved_valid" and str(r["document"])}

    rows, skipped = [], {}
    for i, item in enumerate(open_items.to_dict("records")):
        cid, doc, cur = str(item["customer_id"]), str(item["document"]), str(item["currency"])
        open_cents, age = int(item["open_cents"]), int(days[i])
        paid = last_paid.get(cid)
        n_broken = int(broken.get(cid, 0))
        quiet = (as_of - paid).days if paid else None
        proposal = None
        dispute = lost.get((cid, doc))
        if dispute is not None and open_cents > 0:
            amount = min(int(dispute["amount_cents"]), open_cents)
            why = str(dispute.get("reason_code", "")).replace("_", " ")
            proposal = ("dispute_lost", amount, ["dispute lost"],
                        f"the dispute on {doc} ({why}) was resolved in the customer's favour: "
                        f"write off {format_money(amount, cur)}")
        elif open_cents > 0 and age >= rules.age:
            evidence = []
            if quiet is None:
                evidence.append("no payment on record")
            elif quiet >= rules.no_payment_days:
                evidence.append(f"no payment since {paid:%Y-%m-%d} ({quiet} days)")
            if n_broken >= rules.broken_promises:
                evidence.append(f"{n_broken} broken promises (last due "
                                f"{last_broken[cid]:%Y-%m-%d})")
            if evidence:
                names = [f"{rules.age}+ days past due"] + [
                    "no payment" if e.startswith("no payment") else "broken promises"
                    for e in evidence]
                proposal = ("bad_debt", open_cents, names,
                            f"{doc} is {age} days past due; " + "; ".join(evidence))
        if proposal is None and abs(open_cents) <= rules.small_balance_cents and \
                age >= rules.small_balance_age:
            side = "credit" if open_cents < 0 else "balance"
            proposal = ("small_balance", abs(open_cents), ["small balance"],
                        f"{doc} leaves a small {side} of {format_money(abs(open_cents), cur)}, "
                        f"{age} days past due (rule: at most "
                        f"{format_money(rules.small_balance_cents, cur)}, "
                        f"{rules.small_balance_age}+ days)")
        if proposal is None:
            continue
        if cid in skip:
            skipped[cid] = f"customer {cid} is {skip[cid]}: not proposed for write-off"
            continue
        code, amount, names, why = proposal
        rows.append({
            "customer_id": cid, "customer_name": item.get("customer_name", ""), "document": doc,
            "days_past_due": age, "open_cents": open_cents, "currency": cur,
            "suggested_type": "Write-off", "suggested_cents": amount,
            "reason_code": code.replace("_", " "), "rules": ", ".join(names), "why": why,
            "last_payment": pd.Timestamp(paid) if paid else pd.NaT,
            "broken_promises": n_broken})
    proposals = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    for c in ("days_past_due", "open_cents", "suggested_cents", "broken_promises"):
        proposals[c] = proposals[c].astype(np.int64)
    proposals["last_payment"] = pd.to_datetime(proposals["last_payment"])
    proposals = proposals.sort_values(["customer_id", "days_past_due"], ascending=[True, False],
                                      kind="stable").reset_index(drop=True)
    return BadDebtReview(proposals, pd.DataFrame(
        {"customer_id": list(skipped), "why": list(skipped.values())}))
