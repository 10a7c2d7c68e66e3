"""Collections: promises, payment plans, credit holds and the worklist, worked out by hand.

Each test is a small ledger whose expected statuses, amounts, order and
sentences were worked out on paper first; property tests then hold the
money rules (installments add up, no payment counted twice, nobody lost
from the worklist) on ledgers hypothesis makes up.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlar.collections import (
    HoldPolicy,
    Installment,
    hold_candidates,
    plan_schedule,
    plan_status,
    promise_status,
    worklist,
)
from xlar.money import format_money, format_moneys

AS_OF = dt.date(2026, 10, 31)
D = dt.date.fromisoformat


# ---------------------------------------------------------------------------
# Builders: frames with the store's columns, from short tuples
# ---------------------------------------------------------------------------


def promises_frame(rows):
    """rows: dicts with customer, made, date, cents and optional document/currency/cancelled."""
    return pd.DataFrame({
        "record_id": [r.get("id", f"P{i}") for i, r in enumerate(rows)],
        "customer_id": [r["customer"] for r in rows],
        "document": [r.get("document", "") for r in rows],
        "promised_on": [D(r["made"]) for r in rows],
        "promised_date": [D(r["date"]) for r in rows],
        "amount_cents": np.array([r["cents"] for r in rows], dtype=np.int64),
        "currency": [r.get("currency", "USD") for r in rows],
        "cancelled": [r.get("cancelled", False) for r in rows],
    }, columns=["record_id", "customer_id", "document", "promised_on", "promised_date",
                "amount_cents", "currency", "cancelled"])


def payments_frame(rows):
    """rows: (customer, paid_on, cents[, document[, currency]])"""
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "paid_on": [D(r[1]) for r in rows],
        "amount_cents": np.array([r[2] for r in rows], dtype=np.int64),
        "document": [r[3] if len(r) > 3 else "" for r in rows],
        "currency": [r[4] if len(r) > 4 else "USD" for r in rows],
    }, columns=["customer_id", "paid_on", "amount_cents", "document", "currency"])


NO_PAYMENTS = payments_frame([])


def by_customer_frame(rows):
    """rows: (customer, currency, balance, past due, oldest days)"""
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "customer_name": [f"Name {r[0]}" for r in rows],
        "currency": [r[1] for r in rows],
        "balance_cents": np.array([r[2] for r in rows], dtype=np.int64),
        "past_due_cents": np.array([r[3] for r in rows], dtype=np.int64),
        "oldest_days": np.array([r[4] for r in rows], dtype=np.int64),
    }, columns=["customer_id", "customer_name", "currency", "balance_cents", "past_due_cents",
                "oldest_days"])


def customers_frame(rows):
    """rows: (customer, name, credit limit cents, limit currency)"""
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "customer_name": [r[1] for r in rows],
        "credit_limit_cents": np.array([r[2] for r in rows], dtype=np.int64),
        "currency": [r[3] for r in rows],
    }, columns=["customer_id", "customer_name", "credit_limit_cents", "currency"])


def notes_frame(rows):
    """rows: (customer, note date, next action, next action date or None)"""
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "note_date": [D(r[1]) for r in rows],
        "text": "called",
        "next_action": [r[2] for r in rows],
        "next_action_date": [D(r[3]) if r[3] else None for r in rows],
    }, columns=["customer_id", "note_date", "text", "next_action", "next_action_date"])


def disputes_frame(rows):
    """rows: (customer, opened on, cents, reason code, status)"""
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "opened_on": [D(r[1]) for r in rows],
        "amount_cents": np.array([r[2] for r in rows], dtype=np.int64),
        "currency": "USD",
        "reason_code": [r[3] for r in rows],
        "status": [r[4] for r in rows],
    }, columns=["customer_id", "opened_on", "amount_cents", "currency", "reason_code",
                "status"])


def exceptions_frame(rows):
    """rows: (customer, reason, until date or None, approved by, ended)"""
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "reason": [r[1] for r in rows],
        "until_date": [D(r[2]) if r[2] else None for r in rows],
        "approved_by": [r[3] for r in rows],
        "ended": [r[4] for r in rows],
    }, columns=["customer_id", "reason", "until_date", "approved_by", "ended"])


def one(frame, **match):
    rows = frame
    for k, v in match.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, f"expected one row for {match}, found {len(rows)}"
    return rows.iloc[0]


# ---------------------------------------------------------------------------
# Promises to pay
# ---------------------------------------------------------------------------


def test_a_promise_recorded_then_paid_in_two_parts_goes_broken_partly_kept_kept(tmp_path):
    """Through the real store: a promise, a partial payment, then the rest."""
    from xlar.store.api import open_store

    store = open_store(f"sqlite:///{tmp_path / 'ar.sqlite'}", user="ana")
    store.save_version("promise", {
        "customer_id": "C1", "document": "", "promised_on": D("2026-10-10"),
        "promised_date": D("2026-10-20"), "amount_cents": 120000, "currency": "USD",
        "contact": "J. Pérez (AP)"})

    def status(as_of):
        return promise_status(store.latest("promise"), store.payments(), D(as_of)).iloc[0]

    before = status("2026-10-15")
    assert (before["status"], before["paid_cents"]) == ("pending", 0)
    assert before["reason"] == "Promised $1,200.00 for 2026-10-20; nothing paid yet (5 days to go)."

    broken = status("2026-10-21")
    assert (broken["status"], broken["paid_cents"], broken["days_overdue"]) == ("broken", 0, 1)
    assert broken["reason"] == ("Promised $1,200.00 for 2026-10-20; nothing paid by 2026-10-21 "
                                "(1 day overdue).")

    store.add_payment("C1", D("2026-10-25"), 50000, "USD", key="pay-1")
    partly = status("2026-10-31")
    assert (partly["status"], partly["paid_cents"], partly["days_overdue"]) == \
        ("partly kept", 50000, 11)
    assert partly["reason"] == ("Promised $1,200.00 for 2026-10-20; $500.00 paid by 2026-10-31; "
                                "$700.00 still missing.")
    assert pd.isna(partly["kept_on"]) and not partly["kept_late"]

    store.add_payment("C1", D("2026-11-05"), 70000, "USD", key="pay-2")
    # The second payment is later than 2026-10-31: judged then, it is not there yet.
    assert status("2026-10-31")["status"] == "partly kept"
    kept = status("2026-11-06")
    assert (kept["status"], kept["paid_cents"], kept["days_overdue"]) == ("kept", 120000, 0)
    assert kept["kept_on"] == pd.Timestamp("2026-11-05") and kept["kept_late"]
    assert kept["reason"] == ("Promised $1,200.00 for 2026-10-20; paid in full on 2026-11-05, "
                              "16 days late.")


def test_payments_go_to_the_oldest_promised_date_first_and_count_once():
    promises = promises_frame([
        {"id": "later", "customer": "C1", "made": "2026-10-05", "date": "2026-10-25",
         "cents": 50000},
        {"id": "first", "customer": "C1", "made": "2026-10-01", "date": "2026-10-20",
         "cents": 30000},
    ])
    payments = payments_frame([
        ("C1", "2026-09-30", 100000),   # before either promise was made: does not count
        ("C1", "2026-10-10", 60000),    # keeps 'first' (300) and gives 300 to 'later'
        ("C2", "2026-10-12", 99999),    # another customer's money
    ])
    out = promise_status(promises, payments, AS_OF).set_index("record_id")
    assert out.loc["first", "status"] == "kept"
    assert out.loc["first", "paid_cents"] == 30000
    assert out.loc["first", "kept_on"] == pd.Timestamp("2026-10-10")
    assert not out.loc["first", "kept_late"]
    assert out.loc["first", "reason"] == ("Promised $300.00 for 2026-10-20; paid in full on "
                                          "2026-10-10.")
    assert out.loc["later", "status"] == "partly kept"
    assert out.loc["later", "paid_cents"] == 30000
    assert out.loc["later", "reason"] == ("Promised $500.00 for 2026-10-25; $300.00 paid by "
                                          "2026-10-31; $200.00 still missing.")
    assert out["paid_cents"].sum() == 60000


def test_a_promise_on_a_document_counts_only_payments_for_it_in_its_currency():
    promises = promises_frame([
        {"id": "inv7", "customer": "C2", "made": "2026-10-01", "date": "2026-10-20",
         "cents": 40000, "document": "INV-7"},
        {"id": "any", "customer": "C2", "made": "2026-10-01", "date": "2026-10-22",
         "cents": 40000},
        {"id": "gone", "customer": "C2", "made": "2026-10-01", "date": "2026-10-10",
         "cents": 40000, "cancelled": True},
    ])
    payments = payments_frame([
        ("C2", "2026-10-15", 40000, "INV-8"),          # another document
        ("C2", "2026-10-16", 40000, "INV-7", "EUR"),   # the document, but in euros
    ])
    out = promise_status(promises, payments, AS_OF).set_index("record_id")
    assert out.loc["inv7", "status"] == "broken"
    assert out.loc["inv7", "reason"] == ("Promised $400.00 for 2026-10-20 (document INV-7); "
                                         "nothing paid by 2026-10-31 (11 days overdue).")
    # A promise naming no document takes any payment of the customer.
    assert (out.loc["any", "status"], out.loc["any", "paid_cents"]) == ("kept", 40000)
    assert out.loc["gone", "status"] == "cancelled" and out.loc["gone", "paid_cents"] == 0
    assert out.loc["gone", "reason"] == ("Promised $400.00 for 2026-10-10; the promise was "
                                         "cancelled.")


def test_a_payment_for_a_document_keeps_the_promise_about_that_document():
    promises = promises_frame([
        {"id": "general", "customer": "C3", "made": "2026-10-01", "date": "2026-10-15",
         "cents": 10000},
        {"id": "inv9", "customer": "C3", "made": "2026-10-01", "date": "2026-10-20",
         "cents": 20000, "document": "INV-9"},
    ])
    payments = payments_frame([("C3", "2026-10-14", 20000, "INV-9"),
                               ("C3", "2026-10-16", 10000)])
    out = promise_status(promises, payments, AS_OF).set_index("record_id")
    # Oldest date first alone would give 'general' half of the INV-9 remittance.
    assert out.loc["inv9", "kept_on"] == pd.Timestamp("2026-10-14")
    assert out.loc["general", "kept_on"] == pd.Timestamp("2026-10-16")
    assert out["status"].tolist() == ["kept", "kept"]
    assert out.loc["general", "reason"] == ("Promised $100.00 for 2026-10-15; paid in full on "
                                            "2026-10-16, 1 day late.")


def test_a_pending_promise_shows_what_is_paid_so_far():
    promises = promises_frame([{"customer": "C1", "made": "2026-10-25", "date": "2026-11-10",
                                "cents": 120000}])
    out = promise_status(promises, payments_frame([("C1", "2026-10-30", 20000)]), AS_OF)
    row = out.iloc[0]
    assert (row["status"], row["paid_cents"], row["days_overdue"]) == ("pending", 20000, 0)
    assert row["reason"] == ("Promised $1,200.00 for 2026-11-10; $200.00 paid so far, "
                             "$1,000.00 still to come (10 days to go).")
    due_today = promise_status(promises, NO_PAYMENTS, D("2026-11-10")).iloc[0]
    assert due_today["status"] == "pending"
    assert due_today["reason"].endswith("nothing paid yet (due today).")


def test_a_promise_without_a_positive_amount_is_refused_with_its_record():
    promises = promises_frame([{"id": "R9", "customer": "C1", "made": "2026-10-01",
                                "date": "2026-10-20", "cents": 0}])
    with pytest.raises(ValueError, match=r"promise R9 of customer C1 .*positive amount"):
        promise_status(promises, NO_PAYMENTS, AS_OF)
    # Cancelled, it harms nobody.
    assert promise_status(promises.assign(cancelled=True), NO_PAYMENTS, AS_OF)["status"]\
        .tolist() == ["cancelled"]


def test_missing_columns_are_named_and_no_records_at_all_is_fine():
    one_promise = promises_frame([{"customer": "C1", "made": "2026-10-01", "date": "2026-10-20",
                                   "cents": 100}])
    with pytest.raises(ValueError, match="promises lack the column.s. promised_date"):
        promise_status(one_promise.drop(columns=["promised_date"]), NO_PAYMENTS, AS_OF)
    # A store with nothing in it yet gives bare frames.
    assert len(promise_status(pd.DataFrame(), pd.DataFrame(), AS_OF)) == 0
    assert len(plan_status(pd.DataFrame(), pd.DataFrame(), AS_OF)) == 0


# ---------------------------------------------------------------------------
# Payment plans
# ---------------------------------------------------------------------------


def test_monthly_plan_keeps_the_day_of_month_clamped_to_the_month_end():
    plan = plan_schedule(100000, 5, D("2026-01-31"), "monthly")
    assert [i.due_date for i in plan] == [D("2026-01-31"), D("2026-02-28"), D("2026-03-31"),
                                          D("2026-04-30"), D("2026-05-31")]
    assert [i.amount_cents for i in plan] == [20000] * 5
    leap = plan_schedule(1000, 2, D("2028-01-30"), "monthly")
    assert [i.due_date for i in leap] == [D("2028-01-30"), D("2028-02-29")]
    over_new_year = plan_schedule(300, 3, D("2026-11-30"), "monthly")
    assert [i.due_date for i in over_new_year] == [D("2026-11-30"), D("2026-12-30"),
                                                   D("2027-01-30")]


def test_the_cents_left_over_go_to_the_first_installments():
    plan = plan_schedule(100000, 3, D("2026-11-01"), "weekly")
    assert plan == [Installment(1, D("2026-11-01"), 33334), Installment(2, D("2026-11-08"), 33333),
                    Installment(3, D("2026-11-15"), 33333)]
    plan = plan_schedule(1001, 4, "2026-11-01", "biweekly")
    assert [i.amount_cents for i in plan] == [251, 250, 250, 250]
    assert [i.due_date for i in plan] == [D("2026-11-01"), D("2026-11-15"), D("2026-11-29"),
                                          D("2026-12-13")]


@pytest.mark.parametrize("total, n, freq, message", [
    (100000, 0, "monthly", "at least one installment"),
    (0, 3, "monthly", "total above zero"),
    (-500, 3, "monthly", "total above zero"),
    (100000, 3, "daily", "frequency 'daily' is unknown; use weekly, biweekly, monthly"),
    (4, 5, "weekly", "5 installments for a total of 4 cents"),
    (100000, 2.5, "weekly", "whole number"),
])
def test_impossible_plans_are_refused_with_a_clear_error(total, n, freq, message):
    with pytest.raises(ValueError, match=message):
        plan_schedule(total, n, D("2026-11-01"), freq)


def plans_frame(rows):
    """rows: dicts with id, customer, cents, n, first, frequency, created and options."""
    return pd.DataFrame({
        "record_id": [r["id"] for r in rows],
        "customer_id": [r["customer"] for r in rows],
        "total_cents": np.array([r["cents"] for r in rows], dtype=np.int64),
        "currency": [r.get("currency", "USD") for r in rows],
        "installments": np.array([r["n"] for r in rows], dtype=np.int64),
        "first_date": [D(r["first"]) for r in rows],
        "frequency": [r.get("frequency", "monthly") for r in rows],
        "cancelled": [r.get("cancelled", False) for r in rows],
        "created_on": [D(r["created"]) for r in rows],
    })


def test_plan_installments_are_paid_in_order_from_payments_after_the_plan_was_made():
    plans = plans_frame([
        {"id": "PL1", "customer": "C1", "cents": 100000, "n": 4, "first": "2026-08-15",
         "created": "2026-08-01"},
        {"id": "OLD", "customer": "C1", "cents": 50000, "n": 2, "first": "2026-06-01",
         "created": "2026-05-20", "cancelled": True},
    ])
    payments = payments_frame([
        ("C1", "2026-07-20", 25000),   # before the plan: not counted
        ("C1", "2026-08-14", 25000),
        ("C1", "2026-09-20", 15000),
        ("C1", "2026-10-16", 99999),   # after the as-of date
    ])
    out = plan_status(plans, payments, D("2026-10-15"))
    assert out["record_id"].unique().tolist() == ["PL1"]  # the cancelled plan is left out
    assert out["status"].tolist() == ["paid", "partly paid", "due", "not yet due"]
    assert out["paid_cents"].tolist() == [25000, 15000, 0, 0]
    assert out["amount_cents"].tolist() == [25000] * 4
    assert out["reason"].tolist() == [
        "Installment 1 of 4, $250.00 due 2026-08-15: paid in full on 2026-08-14.",
        "Installment 2 of 4, $250.00 due 2026-09-15: $150.00 paid, $100.00 still missing "
        "(30 days overdue).",
        "Installment 3 of 4, $250.00 due 2026-10-15: due today, nothing paid yet.",
        "Installment 4 of 4, $250.00 due 2026-11-15: not yet due (due in 31 days).",
    ]
    # What the installments took is exactly what was paid in the window, to the cent.
    assert out["paid_cents"].sum() == 25000 + 15000
    later = plan_status(plans, payments.iloc[:3], D("2026-10-20"))
    assert later["status"].tolist() == ["paid", "partly paid", "overdue", "not yet due"]
    assert later["days_overdue"].tolist() == [0, 35, 5, 0]
    assert later["reason"].iat[2] == ("Installment 3 of 4, $250.00 due 2026-10-15: nothing paid, "
                                      "5 days overdue.")


def test_plan_counts_from_created_at_when_there_is_no_created_on():
    plans = plans_frame([{"id": "PL1", "customer": "C1", "cents": 20000, "n": 2,
                          "first": "2026-10-01", "created": "2026-09-01"}])
    plans = plans.drop(columns=["created_on"]).assign(
        created_at=[dt.datetime(2026, 9, 25, 14, 30)])
    payments = payments_frame([("C1", "2026-09-24", 10000), ("C1", "2026-09-25", 10000)])
    out = plan_status(plans, payments, AS_OF)
    assert out["paid_cents"].tolist() == [10000, 0]  # the payment on the 24th came before


def test_an_impossible_plan_in_the_store_is_named():
    plans = plans_frame([{"id": "BAD", "customer": "C7", "cents": 10000, "n": 0,
                          "first": "2026-10-01", "created": "2026-09-01"}])
    with pytest.raises(ValueError, match="payment plan BAD of customer C7: .*at least one"):
        plan_status(plans, NO_PAYMENTS, AS_OF)


# ---------------------------------------------------------------------------
# Credit holds
# ---------------------------------------------------------------------------


def test_hold_candidates_place_release_and_check_with_their_rules():
    aging = by_customer_frame([
        ("A", "USD", 1230000, 100000, 20),    # over the limit
        ("B", "USD", 50000, 50000, 95),       # oldest item too old
        ("C", "USD", 2000000, 900000, 120),   # both
        ("D", "USD", 800000, 10000, 30),      # on hold, back in policy
        ("E", "USD", 1500000, 10000, 30),     # on hold, still over: stays, not listed
        ("F", "EUR", 500000, 0, 10),          # limit in dollars, balance in euros
        ("H", "USD", 900000, 90000, 90),      # exactly 90 days: rule says more than 90
    ])
    customers = customers_frame([(c, f"Co {c}", 1000000, "USD") for c in "ABCDEFH"])
    on_hold = {"D": "over limit since March", "E": "over limit", "G": "90 days"}
    out = hold_candidates(aging, customers, on_hold, HoldPolicy())
    assert out[["customer_id", "action", "rule"]].values.tolist() == [
        ["A", "place", "over_limit"],
        ["B", "place", "days_past_due"],
        ["C", "place", "over_limit, days_past_due"],
        ["F", "check", "currency_mismatch"],
        ["D", "release", "release"],
        ["G", "release", "release"],
    ]
    reasons = dict(zip(out["customer_id"], out["reason"], strict=True))
    assert reasons["A"] == "Balance $12,300.00 is over the credit limit of $10,000.00."
    assert reasons["B"] == "Oldest item 95 days past due (rule: more than 90)."
    assert reasons["C"] == ("Balance $20,000.00 is over the credit limit of $10,000.00; oldest "
                            "item 120 days past due (rule: more than 90).")
    assert reasons["F"] == ("Cannot compare the balance of €5,000.00 with the credit limit of "
                            "$10,000.00: they are in different currencies (EUR, USD); check the "
                            "exposure by hand.")
    assert reasons["D"] == ("Release: balance $8,000.00 is back under the credit limit of "
                            "$10,000.00 and nothing is more than 90 days past due (oldest item "
                            "30 days).")
    assert reasons["G"] == "Release: no open balance any more."
    assert one(out, customer_id="D")["hold_reason"] == "over limit since March"
    assert one(out, customer_id="A")["credit_limit_cents"] == 1000000


def test_hold_policy_can_switch_the_limit_rule_off():
    aging = by_customer_frame([("A", "USD", 1230000, 100000, 20), ("B", "USD", 1, 1, 61)])
    customers = customers_frame([("A", "Co A", 1000000, "USD"), ("B", "Co B", 0, "USD")])
    out = hold_candidates(aging, customers, {}, HoldPolicy(max_days_past_due=60,
                                                          over_limit=False))
    assert out["customer_id"].tolist() == ["B"]
    assert out["reason"].iat[0] == "Oldest item 61 days past due (rule: more than 60)."


# ---------------------------------------------------------------------------
# The worklist
# ---------------------------------------------------------------------------

#: customer -> (currency, balance, past due, oldest days); C13 has a second (EUR) row below.
LEDGER = {
    "C01": ("USD", 150000, 100000, 40),     # broken promise
    "C02": ("USD", 400000, 300000, 50),     # partly kept promise
    "C03": ("USD", 20000, 20000, 35),       # note says wait, but the promise broke since
    "C04": ("USD", 50000, 50000, 10),       # promise due today
    "C05": ("USD", 1230000, 200000, 45),    # over the credit limit
    "C06": ("USD", 80000, 80000, 95),       # oldest item 95 days
    "C07": ("USD", 60000, 60000, 20),       # dispute open 46 days
    "C08": ("USD", 70000, 70000, 12),       # plain past due
    "C09": ("USD", 70000, 70000, 25),       # same amount, older: before C08
    "C10": ("USD", 30000, 30000, 16),       # broke a promise, then promised again
    "C11": ("USD", 10000, 10000, 5),        # exception ended yesterday
    "C12": ("USD", 900000, 900000, 200),    # on the exception list
    "C13": ("USD", 40000, 40000, 10),       # also EUR 300.00 100 days old
    "C14": ("USD", 500000, 500000, 60),     # next action next week
    "C15": ("USD", 0, 0, 0),                # paid up
    "C16": ("USD", -5000, 0, 0),            # only a credit
}


def worklist_inputs():
    rows = [(c, *v) for c, v in LEDGER.items()] + [("C13", "EUR", 30000, 30000, 100)]
    aging = by_customer_frame(rows)
    customers = customers_frame([(c, f"Customer {c[1:]}", 1000000 if c == "C05" else 0, "USD")
                                 for c in LEDGER])
    promises = promise_status(promises_frame([
        {"customer": "C01", "made": "2026-10-10", "date": "2026-10-20", "cents": 60000},
        {"customer": "C02", "made": "2026-10-10", "date": "2026-10-20", "cents": 120000},
        {"customer": "C03", "made": "2026-10-14", "date": "2026-10-20", "cents": 20000},
        {"customer": "C04", "made": "2026-10-25", "date": "2026-10-31", "cents": 50000},
        {"customer": "C10", "made": "2026-10-10", "date": "2026-10-15", "cents": 30000},
        {"customer": "C10", "made": "2026-10-20", "date": "2026-11-15", "cents": 30000},
    ]), payments_frame([("C02", "2026-10-25", 50000)]), AS_OF)
    notes = notes_frame([
        ("C03", "2026-10-15", "Call back", "2026-11-10"),
        ("C14", "2026-10-20", "Call CFO", "2026-10-25"),     # older note: not the latest
        ("C14", "2026-10-28", "Call back after the board meeting", "2026-11-05"),
        ("C08", "2026-10-29", "Sent copy of invoice", None),
    ])
    disputes = disputes_frame([
        ("C07", "2026-09-15", 40000, "pricing", "open"),
        ("C07", "2026-10-20", 5000, "damaged", "open"),
        ("C08", "2026-08-01", 7000, "tax", "resolved_valid"),
    ])
    exceptions = exceptions_frame([
        ("C11", "Payment run agreed", "2026-10-30", "M. Ruiz", False),
        ("C12", "Bankruptcy filing: legal handles it", "2026-12-31", "M. Ruiz", False),
        ("C06", "Ended early", None, "M. Ruiz", True),
    ])
    return aging, customers, notes, promises, disputes, exceptions


def test_worklist_ranks_by_tier_then_past_due_then_oldest_item():
    aging, customers, notes, promises, disputes, exceptions = worklist_inputs()
    out = worklist(aging, customers, notes, promises, disputes, exceptions,
                   {"C05": "over limit"}, AS_OF)
    ranked = out[out["rank"].notna()]
    assert ranked["customer_id"].tolist() == [
        "C02", "C01", "C03",   # 1 broken promises: $3,000, $1,000, $200 past due
        "C04",                 # 2 promise due today
        "C05",                 # 3 over the credit limit
        "C06", "C13",          # 4 oldest item over 90 days: dollars first, then euros
        "C07",                 # 5 dispute open 46 days
        "C09", "C08", "C10", "C11",  # 6 past due: $700 (25 days), $700 (12), $300, $100
    ]
    assert ranked["rank"].tolist() == list(range(1, 13))
    assert ranked["tier"].tolist() == [1, 1, 1, 2, 3, 4, 4, 5, 6, 6, 6, 6]
    assert ranked["excluded_reason"].tolist() == [""] * 12

    excluded = out[out["rank"].isna()]
    assert excluded["customer_id"].tolist() == ["C12", "C14", "C15", "C16"]
    reasons = dict(zip(excluded["customer_id"], excluded["excluded_reason"], strict=True))
    assert reasons == {
        "C12": "On the exception list until 2026-12-31 (approved by M. Ruiz): Bankruptcy "
               "filing: legal handles it.",
        "C14": "Next action “Call back after the board meeting” planned for 2026-11-05 "
               "(note of 2026-10-28).",
        "C15": "Nothing past due (balance $0.00).",
        "C16": "Nothing past due (balance -$50.00).",
    }
    assert excluded["tier"].tolist()[:2] == [4, 6]
    assert excluded["tier"].isna().tolist() == [False, False, True, True]


def test_worklist_says_why_in_one_sentence_with_the_amounts():
    aging, customers, notes, promises, disputes, exceptions = worklist_inputs()
    out = worklist(aging, customers, notes, promises, disputes, exceptions, {}, AS_OF)
    why = dict(zip(out["customer_id"], out["why"], strict=True))
    assert why["C01"] == ("Promise of $600.00 for 2026-10-20 broken, nothing paid; $1,000.00 "
                          "past due.")
    assert why["C02"] == ("Promise of $1,200.00 for 2026-10-20 partly kept, $700.00 still "
                          "missing; $3,000.00 past due.")
    assert why["C04"] == ("Promise of $500.00 for 2026-10-31 is due today, nothing paid yet; "
                          "$500.00 past due.")
    assert why["C05"] == ("Balance $12,300.00 is over the credit limit of $10,000.00, with "
                          "$2,000.00 past due.")
    assert why["C06"] == "$800.00 past due; the oldest item is 95 days past due (more than 90)."
    assert why["C13"] == ("€300.00 past due; the oldest item is 100 days past due (more than "
                          "90); also $400.00 past due.")
    assert why["C07"] == ("$600.00 past due; a dispute of $400.00 (pricing) has been open 46 "
                          "days, since 2026-09-15.")
    assert why["C08"] == "$700.00 past due; the oldest item is 12 days past due."
    assert why["C15"] == ""


def test_worklist_columns_show_the_account_at_a_glance():
    aging, customers, notes, promises, disputes, exceptions = worklist_inputs()
    out = worklist(aging, customers, notes, promises, disputes, exceptions,
                   {"C05": "over limit"}, AS_OF)
    assert out.columns.tolist() == [
        "rank", "customer_id", "customer_name", "currency", "past_due_cents", "balance_cents",
        "oldest_days", "tier", "why", "last_contact", "next_action", "next_action_date",
        "promise_status", "open_disputes", "on_hold", "excluded_reason"]
    c13 = one(out, customer_id="C13")
    assert (c13["currency"], c13["past_due_cents"], c13["oldest_days"]) == ("EUR", 30000, 100)
    c14 = one(out, customer_id="C14")
    assert c14["last_contact"] == pd.Timestamp("2026-10-28")
    assert c14["next_action"] == "Call back after the board meeting"
    assert c14["next_action_date"] == pd.Timestamp("2026-11-05")
    assert one(out, customer_id="C07")["open_disputes"] == 2
    assert one(out, customer_id="C08")["open_disputes"] == 0   # the resolved one is not open
    assert one(out, customer_id="C05")["on_hold"]
    assert not one(out, customer_id="C06")["on_hold"]
    assert one(out, customer_id="C01")["customer_name"] == "Customer 01"
    statuses = dict(zip(out["customer_id"], out["promise_status"], strict=True))
    assert (statuses["C01"], statuses["C02"], statuses["C04"], statuses["C10"],
            statuses["C08"]) == ("broken", "partly kept", "pending", "pending", "")
    assert pd.isna(one(out, customer_id="C06")["last_contact"])


def test_a_promise_status_from_an_earlier_day_still_puts_a_passed_promise_in_tier_two():
    aging = by_customer_frame([("C1", "USD", 50000, 50000, 10)])
    promises = promise_status(promises_frame([{"customer": "C1", "made": "2026-10-20",
                                               "date": "2026-10-29", "cents": 50000}]),
                              NO_PAYMENTS, D("2026-10-28"))
    out = worklist(aging, customers_frame([]), None, promises, None, None, {}, AS_OF)
    assert out["tier"].tolist() == [2]
    assert out["why"].iat[0] == ("Promise of $500.00 for 2026-10-29 was due 2 days ago, nothing "
                                 "paid yet; $500.00 past due.")


def test_currencies_are_never_compared_inside_a_tier():
    aging = by_customer_frame([
        ("E1", "EUR", 9000000, 9000000, 10),   # large, but in euros
        ("U1", "USD", 1000, 1000, 10),
        ("U2", "USD", 2000, 2000, 10),
    ])
    out = worklist(aging, customers_frame([]), None, None, None, None, {}, AS_OF)
    assert out["customer_id"].tolist() == ["U2", "U1", "E1"]  # dollars: the most accounts
    again = worklist(aging, customers_frame([]), None, None, None, None, {}, AS_OF,
                     currency_order=["EUR", "USD"])
    assert again["customer_id"].tolist() == ["E1", "U2", "U1"]


#: Words a why sentence must hold for the fact that put the account in its tier.
TIER_WORDS = {1: ("Promise", ("broken", "partly kept")), 2: ("Promise", ("due",)),
              3: ("credit limit", ("over",)), 4: ("days past due", ("more than",)),
              5: ("dispute", ("open",)), 6: ("past due", ("oldest item",))}


def assert_why_holds_amount_and_fact(out):
    for r in out[out["tier"].notna()].itertuples():
        assert format_money(r.past_due_cents, r.currency) in r.why, r.why
        word, facts = TIER_WORDS[r.tier]
        assert word in r.why and any(f in r.why for f in facts), (r.tier, r.why)
        if r.tier in (4, 6):
            assert f"{r.oldest_days} days" in r.why
        assert r.why.endswith(".") and r.why.count(". ") == 0


def test_every_why_mentions_the_amount_and_the_fact_of_its_tier():
    aging, customers, notes, promises, disputes, exceptions = worklist_inputs()
    out = worklist(aging, customers, notes, promises, disputes, exceptions, {}, AS_OF)
    assert set(out["tier"].dropna()) == {1, 2, 3, 4, 5, 6}
    assert_why_holds_amount_and_fact(out)


def test_worklist_from_the_store(tmp_path):
    """The store's own frames (dates as datetime.date) go straight in."""
    from xlar.store.api import open_store

    store = open_store(f"sqlite:///{tmp_path / 'ar.sqlite'}", user="ana")
    store.save_version("note", {"customer_id": "C1", "note_date": D("2026-10-30"),
                                "text": "Left a message", "next_action": "Call again",
                                "next_action_date": D("2026-11-02")})
    store.save_version("promise", {"customer_id": "C2", "promised_on": D("2026-10-01"),
                                   "promised_date": D("2026-10-15"), "amount_cents": 25000,
                                   "currency": "USD"})
    store.save_version("dispute", {"customer_id": "C3", "reason_code": "quantity_short",
                                   "amount_cents": 12000, "currency": "USD", "status": "open",
                                   "opened_on": D("2026-09-01")})
    store.save_version("exception", {"customer_id": "C4", "reason": "Parent company pays",
                                     "until_date": None, "approved_by": "L. Gómez"})
    store.add_payment("C2", D("2026-10-10"), 10000, "USD", key="p1")
    store.hold("C3", "placed", "90 days", key="h1")
    aging = by_customer_frame([(c, "USD", 100000, 100000, 20) for c in ("C1", "C2", "C3", "C4")])
    promises = promise_status(store.latest("promise"), store.payments(), AS_OF)
    out = worklist(aging, customers_frame([]), store.latest("note"), promises,
                   store.latest("dispute"), store.latest("exception"), store.on_hold(), AS_OF)
    assert out["customer_id"].tolist() == ["C2", "C3", "C1", "C4"]
    assert out["rank"].tolist()[:2] == [1, 2] and out["rank"].isna().tolist()[2:] == [True] * 2
    assert out["why"].iat[0] == ("Promise of $250.00 for 2026-10-15 partly kept, $150.00 still "
                                 "missing; $1,000.00 past due.")
    assert out["why"].iat[1] == ("$1,000.00 past due; a dispute of $120.00 (quantity_short) has "
                                 "been open 60 days, since 2026-09-01.")
    assert out["on_hold"].tolist() == [False, True, False, False]
    assert out["excluded_reason"].iat[2] == ("Next action “Call again” planned for 2026-11-02 "
                                             "(note of 2026-10-30).")
    assert out["excluded_reason"].iat[3] == ("On the exception list with no end date (approved "
                                             "by L. Gómez): Parent company pays.")


def test_worklist_and_holds_take_the_aging_summary_as_it_comes():
    from xlar.aging import age_open_items, summarize_aging

    items = pd.DataFrame({
        "customer_id": ["A", "A", "B", "C"],
        "customer_name": ["Acme", "Acme", "Bolt", "Cora"],
        "due_date": pd.to_datetime(["2026-07-01", "2026-10-20", "2026-10-25", "2026-11-30"]),
        "open_cents": np.array([500000, 250000, 30000, 90000], dtype=np.int64),
        "currency": "USD", "disputed": False, "doc_date": pd.NaT, "sales_partner": "",
        "collector": "",
    })
    by_customer = summarize_aging(age_open_items(items, AS_OF), keep=["customer_name"])
    customers = customers_frame([("A", "Acme Inc.", 600000, "USD")])
    out = worklist(by_customer, customers, None, None, None, None, {}, AS_OF)
    assert out["customer_id"].tolist() == ["A", "B", "C"]
    assert out["tier"].tolist()[:2] == [3, 6] and out["rank"].tolist()[:2] == [1, 2]
    assert out["excluded_reason"].iat[2] == "Nothing past due (balance $900.00)."
    assert out["customer_name"].tolist() == ["Acme Inc.", "Bolt", "Cora"]
    assert out["why"].iat[0] == ("Balance $7,500.00 is over the credit limit of $6,000.00, with "
                                 "$7,500.00 past due.")
    holds = hold_candidates(by_customer, customers, {})
    assert holds["customer_id"].tolist() == ["A"]
    assert holds["reason"].iat[0] == ("Balance $7,500.00 is over the credit limit of $6,000.00; "
                                      "oldest item 122 days past due (rule: more than 90).")


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

DAY0 = D("2026-09-01")
days = st.integers(0, 90).map(lambda n: DAY0 + dt.timedelta(days=n))


@settings(max_examples=300, deadline=None)
@given(total=st.integers(1, 10**11), n=st.integers(1, 400), first=st.dates(
    dt.date(2000, 1, 1), dt.date(2090, 12, 31)), freq=st.sampled_from(
    ["weekly", "biweekly", "monthly"]))
def test_installments_always_add_up_to_the_total(total, n, first, freq):
    if n > total:
        with pytest.raises(ValueError):
            plan_schedule(total, n, first, freq)
        return
    plan = plan_schedule(total, n, first, freq)
    amounts = [i.amount_cents for i in plan]
    assert sum(amounts) == total and len(plan) == n
    assert max(amounts) - min(amounts) <= 1 and amounts == sorted(amounts, reverse=True)
    dates = [i.due_date for i in plan]
    assert dates[0] == first and all(a < b for a, b in zip(dates, dates[1:], strict=False))
    if freq == "monthly":
        assert all(d.day == first.day or d.day < first.day and
                   (d + dt.timedelta(days=1)).day == 1 for d in dates)


promise_rows = st.lists(st.fixed_dictionaries({
    "customer": st.sampled_from(["A", "B", "C"]),
    "made": days, "lead": st.integers(0, 30), "cents": st.integers(1, 50000),
    "document": st.sampled_from(["", "", "INV1", "INV2"]),
    "currency": st.sampled_from(["USD", "USD", "EUR"]),
    "cancelled": st.booleans(),
}), max_size=8)
payment_rows = st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), days,
                                  st.integers(-5000, 60000),
                                  st.sampled_from(["", "INV1", "INV2"]),
                                  st.sampled_from(["USD", "USD", "EUR"])), max_size=10)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=promise_rows, pays=payment_rows, as_of=days)
def test_promises_never_use_more_than_was_paid(rows, pays, as_of):
    promises = promises_frame([dict(r, made=r["made"].isoformat(),
                                    date=(r["made"] + dt.timedelta(days=r["lead"])).isoformat())
                               for r in rows])
    payments = payments_frame([(c, d.isoformat(), a, doc, cur) for c, d, a, doc, cur in pays])
    out = promise_status(promises, payments, as_of)
    assert len(out) == len(rows)
    paid, amount = out["paid_cents"].to_numpy(), out["amount_cents"].to_numpy()
    assert ((0 <= paid) & (paid <= amount)).all()
    assert ((out["status"] == "kept") == (~out["cancelled"] & (paid == amount))).all()
    assert (paid[out["cancelled"].to_numpy()] == 0).all()
    live = out[~out["cancelled"]]
    for (cust, cur), mine in live.groupby(["customer_id", "currency"]):
        first = mine["promised_on"].min().date()
        counted = sum(a for c, d, a, _doc, k in pays
                      if c == cust and k == cur and a > 0 and first <= d <= as_of)
        assert mine["paid_cents"].sum() <= counted
    status = out["status"].to_numpy()
    passed = out["promised_date"].dt.date.to_numpy() < as_of
    assert set(status[passed & ~out["cancelled"].to_numpy()]) <= {"kept", "partly kept",
                                                                   "broken"}


accounts = st.lists(st.tuples(st.sampled_from([f"K{i}" for i in range(12)]),
                              st.sampled_from(["USD", "EUR", "MXN"]),
                              st.integers(-10**7, 10**7), st.integers(-10**6, 10**7),
                              st.integers(0, 400)),
                    min_size=1, max_size=20, unique_by=lambda t: (t[0], t[1]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=accounts, data=st.data())
def test_worklist_holds_every_customer_exactly_once(rows, data):
    ids = sorted({r[0] for r in rows})
    some = st.sampled_from(ids + ["ZZ"])  # ZZ: records of a customer with no open items
    aging = by_customer_frame(rows)
    customers = customers_frame([(c, c, data.draw(st.integers(0, 10**7)), "USD") for c in ids])
    notes = notes_frame(data.draw(st.lists(st.tuples(
        some, days.map(str), st.sampled_from(["", "Call"]),
        st.one_of(st.none(), days.map(str))), max_size=6)))
    prom = data.draw(promise_rows)
    promises = promise_status(promises_frame([dict(
        r, customer=data.draw(some), made=r["made"].isoformat(),
        date=(r["made"] + dt.timedelta(days=r["lead"])).isoformat()) for r in prom]),
        payments_frame([(c, d.isoformat(), a, doc, cur)
                        for c, d, a, doc, cur in data.draw(payment_rows)]), AS_OF)
    disputes = disputes_frame(data.draw(st.lists(st.tuples(
        some, days.map(str), st.integers(1, 10**6), st.just("pricing"),
        st.sampled_from(["open", "resolved_valid"])), max_size=4)))
    exceptions = exceptions_frame(data.draw(st.lists(st.tuples(
        some, st.just("Agreed"), st.one_of(st.none(), st.sampled_from(
            ["2026-10-30", "2026-10-31", "2026-11-30"])), st.just("M"), st.booleans()),
        max_size=3)))
    on_hold = {c: "hold" for c in data.draw(st.lists(some, max_size=3))}
    out = worklist(aging, customers, notes, promises, disputes, exceptions, on_hold, AS_OF)

    assert sorted(out["customer_id"]) == ids
    ranked = out["rank"].notna().to_numpy()
    k = int(ranked.sum())
    assert ranked.tolist() == [True] * k + [False] * (len(out) - k)
    assert out["rank"].iloc[:k].tolist() == list(range(1, k + 1))
    assert (out["excluded_reason"].iloc[:k] == "").all()
    assert (out["excluded_reason"].iloc[k:] != "").all()
    assert out["tier"].iloc[:k].notna().all()
    assert out["tier"].iloc[:k].is_monotonic_increasing
    past = aging.groupby("customer_id")["past_due_cents"].max()
    for r in out.itertuples():
        assert pd.isna(r.tier) == (past[r.customer_id] <= 0)
    assert_why_holds_amount_and_fact(out)


@given(cents=st.integers(-10**14, 10**14), currency=st.sampled_from(
    ["USD", "EUR", "JPY", "BHD", "CAD", "MXN", "GBP", "CHF", "CLP"]))
def test_fast_money_text_is_exactly_format_money(cents, currency):
    assert format_moneys([cents], [currency])[0] == format_money(cents, currency)


plan_rows = st.lists(st.fixed_dictionaries({
    "customer": st.sampled_from(["A", "B"]), "cents": st.integers(1, 10**6),
    "n": st.integers(1, 12), "first": days, "created": days,
    "frequency": st.sampled_from(["weekly", "biweekly", "monthly"]),
    "cancelled": st.booleans()}), max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=plan_rows, pays=payment_rows, as_of=days)
def test_installments_never_take_more_than_was_paid(rows, pays, as_of):
    rows = [dict(r, id=f"PL{i}", first=r["first"].isoformat(), created=r["created"].isoformat(),
                 n=min(r["n"], r["cents"])) for i, r in enumerate(rows)]
    payments = payments_frame([(c, d.isoformat(), a, doc, cur) for c, d, a, doc, cur in pays])
    out = plan_status(plans_frame(rows), payments, as_of)
    live = [r for r in rows if not r["cancelled"]]
    assert len(out) == sum(r["n"] for r in live)
    assert out.groupby("record_id")["amount_cents"].sum().to_dict() == {
        r["id"]: r["cents"] for r in live}
    assert ((0 <= out["paid_cents"]) & (out["paid_cents"] <= out["amount_cents"])).all()
    for cust, mine in out.groupby("customer_id"):
        first = min(D(r["created"]) for r in live if r["customer"] == cust)
        counted = sum(a for c, d, a, _doc, k in pays
                      if c == cust and k == "USD" and a > 0 and first <= d <= as_of)
        assert mine["paid_cents"].sum() <= counted
