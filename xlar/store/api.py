"""The activity store: what xlar remembers about each account, and every change it made.

One rule governs every write: it goes into one transaction together with an
``activity`` row carrying an **idempotency key**.  The key is unique in the
database, so doing the same thing twice (a retried batch, a double click, two
people saving the same sheet) records it once; the second call returns
``Written(new=False)`` and says so.  Nothing is updated or deleted: an edit of
a note, a dispute or a promise is a new *version* of that record.

All functions take and return plain values or DataFrames; dates are
``datetime.date``, money integer minor units with a currency.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from xlar.store import schema as s
from xlar.store.db import (
    StoreError,
    connect,
    current_revision,
    display_url,
    head_revision,
    resolve_url,
    upgrade,
)

__all__ = ["Store", "Written", "PostingConflict", "open_store", "stable_key", "utc_now"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def stable_key(*parts) -> str:
    """A short, stable hash of *parts*: the same facts give the same key."""
    text = json.dumps([str(p) for p in parts], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class Written(NamedTuple):
    """Result of a write.

    Attributes:
      new: False when the idempotency key was recorded before (nothing written).
      activity_id: the activity row (the earlier one when not new).
      record_id, version: for versioned records.
    """

    new: bool
    activity_id: int
    record_id: str = ""
    version: int = 0

    @property
    def message(self) -> str:
        return "recorded" if self.new else "already recorded earlier: nothing done"


class PostingConflict(StoreError):
    """A payment not posted because another specialist posted to the same open item after
    this one read the open items: its amounts may no longer be right.  Nothing was written;
    the message names the item and who posted it."""


def _unique_clash(e: IntegrityError) -> bool:
    """True for a unique-constraint violation (key or version taken), not e.g. NOT NULL."""
    orig = e.orig
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)


def _lock_id(*parts) -> int:
    """A signed 64-bit number naming *parts*, for PostgreSQL's advisory locks."""
    digest = hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some services
        return "unknown"


class Store:
    """A connection to the activity store, acting for one user."""

    def __init__(self, engine: sa.Engine, user: str | None = None):
        self.engine = engine
        self.user = user or _user()

    @property
    def url(self) -> str:
        return display_url(self.engine.url)

    # -- writing ---------------------------------------------------------------

    def _existing(self, key: str) -> Written | None:
        """What the earlier write with *key* recorded (its record and version), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(s.activity.c.id, s.activity.c.payload).where(
                s.activity.c.idempotency_key == key)).first()
        if row is None:
            return None
        payload = row.payload if isinstance(row.payload, dict) else {}
        return Written(False, int(row.id), str(payload.get("record_id", "")),
                       int(payload.get("version", 0) or 0))

    def _write(self, key: str, action: str, body, customer_id: str = "", document: str = "",
               amount_cents: int | None = None, currency: str | None = None,
               payload: Mapping | None = None, attempts: int = 8) -> Written:
        """Run *body(conn)* and record the activity in one transaction, once per *key*.

        *body* returns (record_id, version) or None.  A clash on a record
        version (two people editing one record) is retried with the next
        version; a clash on the key means it was done already.  Any other
        database error is a :class:`StoreError` saying what was not recorded.
        """
        last = ""
        for attempt in range(attempts):
            try:
                with self.engine.begin() as conn:
                    result = body(conn) or ("", 0)
                    logged = _masked(payload or {})
                    if result[1]:
                        logged["version"] = result[1]
                    row = conn.execute(s.activity.insert().values(
                        at=utc_now(), who=self.user, action=action, customer_id=customer_id,
                        document=document, amount_cents=amount_cents, currency=currency,
                        payload=logged, idempotency_key=key,
                    ).returning(s.activity.c.id))
                    return Written(True, int(row.scalar_one()), *result)
            except IntegrityError as e:
                if not _unique_clash(e):
                    raise StoreError(f"{action} was not recorded in {self.url}: "
                                     f"{str(e.orig).splitlines()[0][:300]}") from None
                earlier = self._existing(key)
                if earlier is not None:
                    return earlier
                last = str(e.orig).splitlines()[0][:200]
                time.sleep(0.01 * (attempt + 1))  # another version won the race: try again
            except OperationalError as e:
                last = str(e.orig).splitlines()[0][:200] if e.orig else str(e)
                if "locked" not in last.lower() or attempt == attempts - 1:
                    raise StoreError(f"{action} was not recorded in {self.url}: {last}") from None
                time.sleep(0.05 * (attempt + 1))
            except DBAPIError as e:  # a value the database refuses (e.g. text too long)
                raise StoreError(f"{action} was not recorded in {self.url}: "
                                 f"{str(e.orig).splitlines()[0][:300]}") from None
        raise StoreError(f"could not record {action} in {self.url} after {attempts} attempts "
                         f"({last}); try again")

    def record(self, action: str, key: str, customer_id: str = "", document: str = "",
               amount_cents: int | None = None, currency: str | None = None,
               payload: Mapping | None = None) -> Written:
        """Append an activity entry (no other table), once per *key*."""
        return self._write(key, action, lambda conn: None, customer_id, document, amount_cents,
                           currency, payload)

    def save_version(self, kind: str, values: Mapping, record_id: str | None = None,
                     key: str | None = None) -> Written:
        """Save a note, dispute, promise, payment plan, exception or contact.

        A new record when *record_id* is None (its id derived from the key, so
        a retried save finds the same record); else the next version of it.
        """
        table = s.VERSIONED[kind]
        fields = {c.name for c in table.columns} - {"id", "record_id", "version", "created_at",
                                                     "created_by"}
        values = _masked(values)
        unknown = set(values) - fields
        if unknown:
            raise ValueError(f"{kind}: unknown fields {', '.join(sorted(unknown))}")
        required = {c.name for c in table.columns if c.name in fields and not c.nullable
                    and c.server_default is None and c.default is None}
        missing = sorted(f for f in required if values.get(f) is None)
        if missing:
            raise ValueError(f"{kind}: missing fields {', '.join(missing)}")
        if key is None:
            # The same edit of the same version is one version; the same text typed
            # again later (A -> B -> A -> B) is a new one, so the key names the base.
            if record_id is None:
                key = f"{kind}:{stable_key('', *sorted(values.items()))}"
            else:
                with self.engine.connect() as conn:
                    base = conn.execute(sa.select(sa.func.max(table.c.version)).where(
                        table.c.record_id == record_id)).scalar() or 0
                key = f"{kind}:{stable_key(record_id, f'after-v{base}', *sorted(values.items()))}"
        rid = record_id or stable_key(kind, key)[:16]

        def body(conn):
            if conn.dialect.name == "postgresql":
                # Editors of one record queue here instead of clashing on its next
                # version and retrying (SQLite's BEGIN IMMEDIATE already queues them).
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_id(table.name, rid))))
            latest = conn.execute(sa.select(sa.func.max(table.c.version)).where(
                table.c.record_id == rid)).scalar()
            version = (latest or 0) + 1
            conn.execute(table.insert().values(record_id=rid, version=version,
                                               created_at=utc_now(), created_by=self.user,
                                               **values))
            return rid, version

        amount = values.get("amount_cents", values.get("total_cents"))
        return self._write(key, f"{kind}_saved", body, values.get("customer_id", ""),
                           values.get("document", ""), amount, values.get("currency"),
                           {k: (v.isoformat() if isinstance(v, dt.date) else v)
                            for k, v in values.items()} | {"record_id": rid})

    def add_payment(self, customer_id: str, paid_on: dt.date, amount_cents: int,
                    currency: str, key: str, document: str = "", source: str = "") -> Written:
        """A payment received (cash application records these; promises are judged by them)."""
        source = _masked({"source": source})["source"]

        def body(conn):
            conn.execute(s.payments_received.insert().values(
                customer_id=customer_id, document=document, paid_on=paid_on,
                amount_cents=amount_cents, currency=currency, source=source,
                created_at=utc_now(), created_by=self.user))
        return self._write(key, "payment_received", body, customer_id, document, amount_cents,
                           currency, {"paid_on": paid_on.isoformat(), "source": source})

    def hold(self, customer_id: str, event: str, reason: str, key: str, rule: str = "") -> Written:
        """Place or release a credit hold (``event`` is "placed" or "released")."""
        if event not in ("placed", "released"):
            raise ValueError("a credit hold is 'placed' or 'released'")
        reason = _masked({"reason": reason})["reason"]

        def body(conn):
            conn.execute(s.credit_hold_events.insert().values(
                customer_id=customer_id, event=event, reason=reason, rule=rule,
                created_at=utc_now(), created_by=self.user))
        return self._write(key, f"credit_hold_{event}", body, customer_id,
                           payload={"reason": reason, "rule": rule})

    def post_receipt(self, receipt: Mapping, applications: list[Mapping],
                     disputes: list[tuple[str, Mapping]] = (), seen_through: int | None = None,
                     batch: tuple[str, ...] = ()) -> Written:
        """Post one payment, its applications and the disputes its deductions open, in one
        transaction, once.

        The idempotency key is the payment id: a bank file imported and posted
        twice (under any name) posts nothing the second time, and says so.
        Each application is also a payment received on its customer's account
        (promises to pay are judged by those).  *disputes* are (key, values)
        of the disputes the deductions open: written with the payment or not at
        all, so a run stopped half-way never leaves a deduction without its dispute.

        *seen_through* is the last cash application id the caller had read when
        it worked out the open amounts (:meth:`last_application_id`): if anyone
        posted to one of the same items since (other than the payments of the
        caller's own *batch*), the amounts may be stale, and the payment is not
        posted (:class:`PostingConflict`) instead of being applied twice.
        """
        receipt = {**_masked(receipt), **{k: receipt[k] for k in _IDS if k in receipt}}
        disputes = [(k, _masked(v)) for k, v in disputes]
        pid = str(receipt["payment_id"])
        when = receipt.get("value_date")
        paid_on = when if isinstance(when, dt.date) else \
            (pd.Timestamp(when).date() if when is not None and not pd.isna(when) else None)
        items = sorted({str(a["item_key"]) for a in applications})

        def body(conn):
            if seen_through is not None and items:
                _no_later_application(conn, items, seen_through, {pid, *batch})
            conn.execute(s.cash_receipts.insert().values(
                payment_id=pid, customer_id=receipt.get("customer_id", "") or "",
                value_date=paid_on, amount_cents=int(receipt["amount_cents"]),
                currency=receipt["currency"], payer_name=str(receipt.get("payer_name", ""))[:200],
                payer_account=str(receipt.get("payer_account", ""))[:60],
                bank_reference=str(receipt.get("bank_reference", ""))[:120],
                on_account_cents=int(receipt.get("on_account_cents", 0)),
                status=receipt.get("status", "applied"),
                source=str(receipt.get("source", ""))[:300],
                created_at=utc_now(), created_by=self.user))
            for a in applications:
                conn.execute(s.cash_applications.insert().values(
                    payment_id=pid, customer_id=a["customer_id"], document=a["document"],
                    item_key=a["item_key"], currency=a["currency"],
                    open_before_cents=int(a["open_before_cents"]),
                    apply_cents=int(a["apply_cents"]), discount_cents=int(a["discount_cents"]),
                    writeoff_cents=int(a["writeoff_cents"]),
                    deduction_cents=int(a["deduction_cents"]),
                    deduction_reason=a.get("deduction_reason", "") or "",
                    rule=str(a.get("rule", ""))[:60], created_at=utc_now(),
                    created_by=self.user))
            for customer, paid in _paid_by_customer(receipt, applications).items():
                conn.execute(s.payments_received.insert().values(
                    customer_id=customer, document=pid, paid_on=paid_on or utc_now().date(),
                    amount_cents=paid, currency=receipt["currency"],
                    source=str(receipt.get("source", ""))[:200], created_at=utc_now(),
                    created_by=self.user))
            for key, values in disputes:
                self._first_version(conn, "dispute", key, values)
        return self._write(f"cash:{pid}", "payment_posted", body,
                           receipt.get("customer_id", "") or "", pid,
                           int(receipt["amount_cents"]), receipt["currency"],
                           {"status": receipt.get("status", "applied"),
                            "applications": len(applications),
                            "on_account_cents": int(receipt.get("on_account_cents", 0))})

    def _first_version(self, conn, kind: str, key: str, values: Mapping) -> None:
        """Version 1 of a new record and its activity row, inside the caller's transaction
        (the record id derived from *key* as :meth:`save_version` derives it)."""
        rid = stable_key(kind, key)[:16]
        conn.execute(s.VERSIONED[kind].insert().values(
            record_id=rid, version=1, created_at=utc_now(), created_by=self.user, **values))
        conn.execute(s.activity.insert().values(
            at=utc_now(), who=self.user, action=f"{kind}_saved",
            customer_id=values.get("customer_id", ""), document=values.get("document", ""),
            amount_cents=values.get("amount_cents"), currency=values.get("currency"),
            payload={k: (v.isoformat() if isinstance(v, dt.date) else v)
                     for k, v in values.items()} | {"record_id": rid, "version": 1},
            idempotency_key=key))

    def last_application_id(self) -> int:
        """The newest cash application's id (0 when none): read it *before* the open items,
        and give it to :meth:`post_receipt` as ``seen_through``."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(s.cash_applications.c.id))).scalar()
                       or 0)

    def activities(self, action: str) -> pd.DataFrame:
        """The activity rows of one *action*, oldest first."""
        t = s.activity
        return self._frame(sa.select(t).where(t.c.action == action).order_by(t.c.id))

    def cash_receipts(self) -> pd.DataFrame:
        """Payments posted (for the duplicate check and the Receipts Posted sheet)."""
        t = s.cash_receipts
        return self._frame(sa.select(t).order_by(t.c.id))

    def cash_applications(self, item_keys: list[str] | None = None) -> pd.DataFrame:
        """Applications posted, oldest first (optionally only to these items)."""
        t = s.cash_applications
        q = sa.select(t)
        if item_keys is not None:
            q = q.where(t.c.item_key.in_(list(item_keys)))
        return self._frame(q.order_by(t.c.id))

    def learned_accounts(self) -> dict[str, str]:
        """payer account -> customer, from payments posted to exactly one customer.

        An account that paid for two customers (a parent paying for its
        subsidiaries) identifies neither: it is left out.
        """
        t = s.cash_receipts
        rows = self._frame(sa.select(t.c.payer_account, t.c.customer_id).distinct().where(
            t.c.payer_account != "", t.c.customer_id != ""))
        counts = rows["payer_account"].value_counts()
        single = rows[rows["payer_account"].map(counts) == 1]
        return dict(zip(single["payer_account"], single["customer_id"], strict=True))

    def add_snapshot(self, as_of: dt.date, totals: pd.DataFrame, labels: list[str],
                     source: str, key: str, customers: int = 0) -> Written:
        """Store one aging summary (per currency) for trends."""
        def body(conn):
            for _, t in totals.iterrows():
                conn.execute(s.aging_snapshots.insert().values(
                    as_of=as_of, taken_at=utc_now(), source=source, currency=t["currency"],
                    items=int(t["items"]), customers=customers,
                    balance_cents=int(t["balance_cents"]), current_cents=int(t[labels[0]]),
                    past_due_cents=int(t["past_due_cents"]),
                    disputed_cents=int(t["disputed_cents"]),
                    buckets={lab: int(t[lab]) for lab in labels}))
        return self._write(key, "aging_snapshot", body, payload={"as_of": as_of.isoformat(),
                                                                 "source": source})

    # -- reading ---------------------------------------------------------------

    def _frame(self, query) -> pd.DataFrame:
        with self.engine.connect() as conn:
            result = conn.execute(query)
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def latest(self, kind: str, customer_id: str | None = None) -> pd.DataFrame:
        """The latest version of every record of *kind* (optionally one customer's).

        ``created_on`` is the date of the record's *first* version (when a
        promise was made, a plan agreed), ``created_at`` that of the latest.
        """
        table = s.VERSIONED[kind]
        newest = sa.select(table.c.record_id, sa.func.max(table.c.version).label("v"),
                           sa.func.min(table.c.created_at).label("first_at")) \
            .group_by(table.c.record_id).subquery()
        q = sa.select(table, newest.c.first_at).join(
            newest, sa.and_(table.c.record_id == newest.c.record_id,
                            table.c.version == newest.c.v))
        if customer_id is not None:
            q = q.where(table.c.customer_id == customer_id)
        frame = self._frame(q.order_by(table.c.customer_id, table.c.id))
        frame["created_on"] = pd.to_datetime(frame.pop("first_at")).dt.date
        return frame

    def history(self, kind: str, record_id: str) -> pd.DataFrame:
        table = s.VERSIONED[kind]
        return self._frame(sa.select(table).where(table.c.record_id == record_id)
                           .order_by(table.c.version))

    def payments(self, customer_id: str | None = None) -> pd.DataFrame:
        t = s.payments_received
        q = sa.select(t)
        if customer_id is not None:
            q = q.where(t.c.customer_id == customer_id)
        return self._frame(q.order_by(t.c.paid_on, t.c.id))

    def holds(self) -> pd.DataFrame:
        """Credit-hold events, oldest first (the last event per customer is its state)."""
        t = s.credit_hold_events
        return self._frame(sa.select(t).order_by(t.c.id))

    def on_hold(self) -> dict[str, str]:
        """customer -> reason, for customers whose last hold event is 'placed'."""
        state: dict[str, str] = {}
        for r in self.holds().itertuples():
            if r.event == "placed":
                state[r.customer_id] = r.reason
            else:
                state.pop(r.customer_id, None)
        return state

    def snapshots(self) -> pd.DataFrame:
        t = s.aging_snapshots
        return self._frame(sa.select(t).order_by(t.c.as_of, t.c.id))

    def log(self, customer_id: str | None = None, limit: int | None = None) -> pd.DataFrame:
        t = s.activity
        q = sa.select(t)
        if customer_id is not None:
            q = q.where(t.c.customer_id == customer_id)
        q = q.order_by(t.c.id.desc())
        if limit:
            q = q.limit(limit)
        return self._frame(q)


#: A receipt's identifiers: compared, never free text, so never masked.
_IDS = ("payment_id", "customer_id", "currency")


def _masked(values: Mapping) -> dict:
    """*values* with any full card number in their text masked (``**** **** **** 1111``):
    whatever a specialist typed or a bank file carried, the store never holds one."""
    from xlar.cashapp.cards import mask_card_numbers

    return {k: mask_card_numbers(v) if isinstance(v, str) else v for k, v in values.items()}


def _no_later_application(conn, items: list[str], seen_through: int, mine: set[str]) -> None:
    """Raise PostingConflict when an item of *items* got an application after
    *seen_through* from a payment not in *mine*.  PostgreSQL: posters to one item queue
    on a lock per item (taken in key order, so never in a circle) and the second sees
    the first's application; SQLite's BEGIN IMMEDIATE already queues every writer."""
    t = s.cash_applications
    if conn.dialect.name == "postgresql":
        for key in items:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_id("cash_item", key))))
    later = conn.execute(sa.select(t.c.document, t.c.payment_id, t.c.created_by).where(
        t.c.item_key.in_(items), t.c.id > seen_through,
        t.c.payment_id.not_in(sorted(mine))).order_by(t.c.id)).first()
    if later is not None:
        raise PostingConflict(
            f"{later.document} was paid by payment {later.payment_id}, posted by "
            f"{later.created_by} while this posting was being prepared; its open amount has "
            "changed: refresh, check the proposal and approve it again")


def _paid_by_customer(receipt: Mapping, applications: list[Mapping]) -> dict[str, int]:
    """Cash per customer account: what was applied to each, plus what was left on account
    with the payer's customer."""
    out: dict[str, int] = {}
    for a in applications:
        out[a["customer_id"]] = out.get(a["customer_id"], 0) + int(a["apply_cents"])
    rest = int(receipt.get("on_account_cents", 0))
    customer = receipt.get("customer_id", "") or ""
    if rest and customer:
        out[customer] = out.get(customer, 0) + rest
    return {c: v for c, v in out.items() if v}


def open_store(url: str | None = None, workbook: str | Path | None = None,
               setting: str | None = None, user: str | None = None,
               migrate: bool = True) -> Store:
    """Connect (see :func:`xlar.store.db.resolve_url`) and bring the schema up to date."""
    engine = connect(resolve_url(url, Path(workbook) if workbook else None, setting))
    if migrate and current_revision(engine) != head_revision():
        upgrade(engine)
    return Store(engine, user)
