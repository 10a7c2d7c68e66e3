"""What the activity store knows that letters need: the letters sent before, and the
promises, payment plans, exceptions, disputes and credit holds that keep an account
out of a batch.  The edge between :mod:`xlar.store` and the pure selection.

A letter is history once it went out: ``letter_sent`` (e-mailed, recorded by the
send step when the mail server took it) or ``letter_posted`` (a printed letter,
recorded by the send step when the batch is confirmed).  Making a batch is not
sending it: a batch made and thrown away leaves no history.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from xlar.letters.selection import LetterFacts

__all__ = ["letter_facts", "letter_history", "batch_records", "latest_notes", "SENT_ACTIONS"]

#: Activity actions that mean a letter reached (or was posted to) the customer.
SENT_ACTIONS = ("letter_sent", "letter_posted")


def letter_history(store) -> pd.DataFrame:
    """customer_id, day, kind, level of every letter sent or posted, oldest first."""
    from xlar.store import schema as s

    t = s.activity
    q = sa.select(t.c.customer_id, t.c.at, t.c.payload).where(
        t.c.action.in_(SENT_ACTIONS)).order_by(t.c.id)
    with store.engine.connect() as conn:
        rows = conn.execute(q).fetchall()
    out = []
    for r in rows:
        p = r.payload if isinstance(r.payload, dict) else {}
        day = p.get("letter_date") or (r.at.date().isoformat() if r.at else None)
        out.append((str(r.customer_id), pd.Timestamp(day).date() if day else None,
                    str(p.get("family", "dunning")), int(p.get("level", 0) or 0)))
    return pd.DataFrame(out, columns=["customer_id", "day", "kind", "level"]).astype(
        {"customer_id": object, "kind": object})


def batch_records(store, batch_id: str) -> dict[str, str]:
    """Idempotency key -> action of every record of one batch (sent, claimed, failed)."""
    from xlar.store import schema as s

    t = s.activity
    prefixes = (f"letter:{batch_id}:", f"partner:{batch_id}:")
    q = sa.select(t.c.idempotency_key, t.c.action).where(
        sa.or_(*[t.c.idempotency_key.startswith(p) for p in prefixes]))
    with store.engine.connect() as conn:
        return {r.idempotency_key: r.action for r in conn.execute(q)}


def latest_notes(store) -> pd.DataFrame:
    """customer_id, last_note ("2026-10-30: text"), next_action, next_action_date: each
    customer's latest account note in the activity store.

    The Open Items sheet shows the notes as they were at the last refresh; a note
    written since (after a call this morning) is only in the store, and a sales
    partner's list made today must show it."""
    cols = ["customer_id", "last_note", "next_action", "next_action_date"]
    notes = store.latest("note")
    if not len(notes):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    notes = notes.assign(day=pd.to_datetime(notes["note_date"], errors="coerce"))
    latest = notes.sort_values(["day", "created_at", "id"], kind="stable") \
        .groupby("customer_id", sort=True).tail(1)
    day = latest["day"].dt.strftime("%Y-%m-%d").fillna("")
    text = latest["text"].fillna("").astype(str)
    return pd.DataFrame({
        "customer_id": latest["customer_id"].astype(str).to_numpy(object),
        "last_note": [f"{d}: {t}" if d else t for d, t in zip(day, text, strict=True)],
        "next_action": latest["next_action"].fillna("").astype(str).to_numpy(object),
        "next_action_date": pd.to_datetime(latest["next_action_date"], errors="coerce")
        .to_numpy(),
    }).reset_index(drop=True)


def _holds_since(store) -> dict[str, dt.date]:
    """Customer on credit hold now -> the day the current hold was placed."""
    since: dict[str, dt.date] = {}
    for r in store.holds().itertuples():
        if r.event == "placed":
            since.setdefault(str(r.customer_id), pd.Timestamp(r.created_at).date())
        else:
            since.pop(str(r.customer_id), None)
    return since


def letter_facts(store, as_of: dt.date) -> LetterFacts:
    """Everything :func:`xlar.letters.selection.select_letters` needs from *store*."""
    from xlar.collections import plan_status, promise_status

    as_of = pd.Timestamp(as_of).date()
    payments = store.payments()
    promises = promise_status(store.latest("promise"), payments, as_of)
    plans = store.latest("payment_plan")
    if len(plans):
        plans = plans[~plans["cancelled"].fillna(False).astype(bool)].reset_index(drop=True)
    if len(plans):
        status = plan_status(plans, payments, as_of)
        unpaid = status[status["status"] != "paid"]
        nxt = unpaid.groupby("record_id")["due_date"].min()
        plans = plans[plans["record_id"].isin(set(unpaid["record_id"]))].copy()
        plans["next_due"] = plans["record_id"].map(nxt)
    else:
        plans = pd.DataFrame(columns=["record_id", "customer_id", "documents", "next_due"])
    exceptions = store.latest("exception")
    if len(exceptions):
        until = pd.to_datetime(exceptions["until_date"]).dt.date
        live = ~exceptions["ended"].fillna(False).astype(bool) & \
            (until.isna() | (until >= as_of))
        exceptions = exceptions[live.to_numpy()].reset_index(drop=True)
    else:
        exceptions = pd.DataFrame(columns=["customer_id", "reason", "until_date", "approved_by"])
    disputes = store.latest("dispute")
    if len(disputes):
        disputes = disputes[disputes["status"].astype(str) == "open"].reset_index(drop=True)
    else:
        disputes = pd.DataFrame(columns=["customer_id", "document", "reason_code", "opened_on"])
    return LetterFacts(letter_history(store), promises, plans, exceptions, disputes,
                       _holds_since(store))
