"""A past for the demo workbench: month-end agings and monthly credit sales.

A real workbench gains its trend one refresh at a time, and its DSO needs credit
sales from the general ledger.  The demo has neither on its first day, so it makes
them the way they would have arisen: the sample ledger is generated as it stood at
each of the previous month ends (same size of book, another draw), aged there, and
kept in the activity store as that refresh would have kept it; and each month's
credit sales are that month's invoices in the ledger of its month end, grossed up
for the share already paid within the month (:data:`PAID_WITHIN_MONTH`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from xlar.aging import age_open_items, aging_totals, make_buckets
from xlar.kpis import COUNTBACK_MONTHS, SALES_COLUMNS, month_end, period_months

__all__ = ["PAID_WITHIN_MONTH", "TREND_MONTHS", "demo_history", "seed_demo_history",
           "seed_demo_accounts"]

#: Share of a month's invoices the demo assumes paid before the month ends.
PAID_WITHIN_MONTH = 0.15
#: Month ends before the as-of date the demo's trend starts from.
TREND_MONTHS = 6


def _ledger_at(seed: int, customers: int, items: int, day: dt.date, k: int):
    from xlar.demo import generate_ledger

    # A book that grows a little from month to month, with its own draw each month.
    size = max(10, int(items * (1 - 0.02 * k)))
    return generate_ledger(seed=seed + 101 * k, customers=customers, items=size, as_of=day)


def demo_history(seed: int, customers: int, items: int, as_of: dt.date
                 ) -> tuple[pd.DataFrame, list[tuple[dt.date, pd.DataFrame]]]:
    """(credit sales per month and currency, [(month end, aging totals)])."""
    buckets = make_buckets()
    months = period_months(as_of, COUNTBACK_MONTHS)
    sales_rows = []
    agings = []
    for k, (first, _) in enumerate(months):
        day = as_of if k == 0 else month_end(first)
        ledger = _ledger_at(seed, customers, items, day, k)
        it = ledger.items
        sold = it[it["doc_type"].isin(["invoice", "debit_memo"])
                  & (pd.to_datetime(it["doc_date"]) >= pd.Timestamp(first))]
        for cur, cents in sold.groupby("currency")["original_cents"].sum().items():
            gross = int(np.int64(cents) * 100 // int(100 * (1 - PAID_WITHIN_MONTH)))
            sales_rows.append({"month": pd.Timestamp(first), "currency": cur,
                               "credit_sales_cents": gross, "source": "typed"})
        if 1 <= k <= TREND_MONTHS:
            agings.append((day, aging_totals(age_open_items(it, day, buckets))))
    sales = pd.DataFrame(sales_rows, columns=SALES_COLUMNS).sort_values(
        ["currency", "month"]).reset_index(drop=True)
    return sales, sorted(agings, key=lambda a: a[0])


def seed_demo_history(workbench: Path, seed: int, customers: int, items: int,
                      as_of: dt.date) -> None:
    """Write the demo's credit sales onto a new workbench's Credit Sales sheet and keep
    its past month-end agings in the workbench's activity store."""
    from xlar.store.api import open_store
    from xlar.workbench.layout import CREDIT_SALES
    from xlar.workbench.plan import table_plan
    from xlar.workbench.port import XlsxPort

    sales, agings = demo_history(seed, customers, items, as_of)
    port = XlsxPort(workbench)
    port.write_table(table_plan(CREDIT_SALES, sales))
    port.save()
    store = open_store(workbook=workbench)
    from xlar.demo import generate_ledger

    ledger_items = generate_ledger(seed, customers, items, as_of).items
    seed_demo_accounts(store, ledger_items, as_of)
    seed_demo_letters(store, ledger_items, as_of)
    labels = list(make_buckets().labels)
    for day, totals in agings:
        store.add_snapshot(day, totals, labels, "demo history", key=f"demo-snapshot:{day}",
                           customers=customers)


def seed_demo_letters(store, items: pd.DataFrame, as_of: dt.date) -> None:
    """The reminders sent in the weeks before: most past-due customers already had one
    letter (level 1, 45 days ago) or more (level 2, 28 days ago; level 3, 16 days ago),
    as their oldest item's age would have brought, so today's batch holds every level.
    One customer in four has had none yet (a first reminder today)."""
    aged = age_open_items(items, as_of, make_buckets())
    oldest = aged[(aged["days_past_due"] > 0) & (aged["open_cents"] > 0)] \
        .groupby("customer_id")["days_past_due"].max()
    sent = ((1, 45, 50), (2, 28, 80), (3, 16, 110))   # level, days ago, age it needed then
    for k, (customer, days) in enumerate(oldest.sort_index().items()):
        if k % 4 == 3:
            continue
        for level, ago, needed in sent:
            if days < needed:
                break
            day = as_of - dt.timedelta(days=ago)
            store.record("letter_sent", key=f"demo-letter:{customer}:{level}",
                         customer_id=str(customer),
                         payload={"letter_date": day.isoformat(), "family": "dunning",
                                  "level": level, "kind": f"dunning_{level}", "demo": True})


#: What collectors write after a call, and what they plan next (demo notes).
_CALLS = (
    ("Spoke to AP clerk: invoices approved, in next payment run.", "Confirm payment run",
     "promise"),
    ("Left voicemail for the controller; second attempt this week.", "Call again", "no answer"),
    ("AP says the PO was closed early; they need a new PO reference.", "Send copy invoices",
     "dispute"),
    ("Customer short on cash this month, asked for a payment plan.", "Propose a 3-month plan",
     "plan"),
    ("E-mailed statement and copies of the oldest invoices.", "Follow up by phone", "sent"),
    ("Controller disputes freight charges on two invoices.", "Ask sales for proof of delivery",
     "dispute"),
)
_REASONS = ("pricing", "quantity_short", "damaged", "not_received", "duplicate_billing")


def seed_demo_accounts(store, items: pd.DataFrame, as_of: dt.date, currency: str = "USD",
                       accounts: int = 14) -> None:
    """A collector's last weeks on the largest past-due accounts: call notes with next
    actions, promises to pay (some already broken) and disputes on disputed items."""
    aged = age_open_items(items[items["currency"] == currency], as_of, make_buckets())
    past = aged[aged["days_past_due"] > 0]
    top = past.groupby("customer_id")["open_cents"].sum().sort_values(ascending=False)
    for k, customer in enumerate(top.index[:accounts]):
        mine = past[(past["customer_id"] == customer) & (past["open_cents"] > 0)] \
            .sort_values("days_past_due", ascending=False)
        if not len(mine):
            continue
        oldest = mine.iloc[0]
        text, nxt, outcome = _CALLS[k % len(_CALLS)]
        day = as_of - dt.timedelta(days=2 + 3 * (k % 5))
        store.save_version("note", {
            "customer_id": customer, "document": str(oldest["document"]), "note_date": day,
            "text": text, "outcome": outcome, "contact": "Accounts payable",
            "next_action": nxt, "next_action_date": as_of + dt.timedelta(days=1 + k % 6)},
            key=f"demo-note:{customer}")
        if outcome == "promise" or k % 4 == 1:
            # Promised before the as-of date and not paid: broken; otherwise still open.
            broken = k % 3 == 1
            store.save_version("promise", {
                "customer_id": customer, "document": str(oldest["document"]),
                "promised_on": day, "promised_date": as_of + dt.timedelta(
                    days=-5 if broken else 7), "amount_cents": int(oldest["open_cents"]),
                "currency": currency, "contact": "Accounts payable",
                "note": "Promised on the phone"}, key=f"demo-promise:{customer}")
    disputed = past[past["disputed"] & (past["open_cents"] > 0)]
    disputed = disputed.sort_values("open_cents", ascending=False).head(8)
    for k, item in enumerate(disputed.itertuples(index=False)):
        store.save_version("dispute", {
            "customer_id": item.customer_id, "document": str(item.document),
            "reason_code": _REASONS[k % len(_REASONS)], "amount_cents": int(item.open_cents),
            "currency": currency, "status": "open", "owner": "Credit & Collections",
            "opened_on": as_of - dt.timedelta(days=int(min(item.days_past_due, 60))),
            "note": "Customer withholds payment until resolved"},
            key=f"demo-dispute:{item.customer_id}:{item.document}")
