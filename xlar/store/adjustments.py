"""Posting adjustments to the activity store: documents, numbers, journal, approvals.

Posting a request is one transaction: draw the document numbers, write the
documents, their journal lines and the commission change, and the activity
row with the request's idempotency key (``adjustment:<request id>``).  So:

* posting the same request twice posts it once; the second call is told the
  numbers the first one drew;
* a number is drawn from its series inside that transaction (SQLite: the
  whole transaction holds the write lock, ``BEGIN IMMEDIATE``; PostgreSQL:
  the series row is locked by its ``UPDATE`` until commit).  A transaction that
  fails or finds its key taken rolls back and gives its number back, so two
  people posting at once get consecutive numbers: no gap, no duplicate (and a
  unique constraint on the number makes a duplicate impossible anyway);
* a request that needs approval is refused inside the same transaction unless
  the approval queue holds an ``approved`` decision for exactly that request.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

import pandas as pd
import sqlalchemy as sa

from xlar.adjustments.journal import JOURNAL_COLUMNS, JournalLine, journal_entry
from xlar.adjustments.ledger import document_effect
from xlar.adjustments.model import (
    ApprovalState,
    CommissionChange,
    DocLine,
    Draft,
    DraftDocument,
    History,
    PostedRequest,
)
from xlar.adjustments.policy import AdjustmentError, Policy
from xlar.store import schema as s
from xlar.store.api import Store, Written, utc_now

__all__ = ["AdjustmentBook", "Posted", "draw_number"]


class Posted(NamedTuple):
    """The result of posting one request.

    Attributes:
      new: False when it had been posted before (nothing was written now).
      numbers: its document numbers (the first is the journal entry's).
      documents: the documents as posted (numbers filled in).
      journal: its journal lines (empty when not new).
    """

    new: bool
    numbers: tuple[str, ...]
    documents: tuple[DraftDocument, ...] = ()
    journal: tuple[JournalLine, ...] = ()


class _NotApproved(Exception):
    pass


def draw_number(conn: sa.Connection, series: str) -> int:
    """The next number of *series*, inside the caller's transaction (see module doc)."""
    t = s.number_series
    now = utc_now()
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(t).values(series=series, last_number=0, updated_at=now)
                 .on_conflict_do_nothing(index_elements=["series"]))
    return int(conn.execute(sa.update(t).where(t.c.series == series)
                            .values(last_number=t.c.last_number + 1, updated_at=now)
                            .returning(t.c.last_number)).scalar_one())


def _lines_json(lines: tuple[DocLine, ...]) -> list | None:
    if not lines:
        return None
    return [[li.description, f"{li.quantity:f}", f"{li.unit_price:f}", li.net_cents]
            for li in lines]


def _lines_of(value) -> tuple[DocLine, ...]:
    if not value:
        return ()
    return tuple(DocLine(d, Decimal(q), Decimal(p), int(n)) for d, q, p, n in value)


def _document(r: dict) -> DraftDocument:
    """A posted document, from its adjustment_documents row."""
    return DraftDocument(
        r["kind"], r["customer_id"], r["customer_name"], r["currency"],
        _date(r["doc_date"]), _date(r["due_date"]), int(r["net_cents"]),
        int(r["tax_cents"]), int(r["ar_cents"]), r["applies_to"],
        r["applies_document"], _lines_of(r["lines"]), Decimal(r["tax_rate"]),
        r["reason_code"], r["gl_role"], r["sales_partner"], r["territory"],
        r["collector"], r["terms"], r["po_number"], r["bill_to"],
        r["refund_method"], r["note"], r["number"])


def _date(v) -> dt.date | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return None
    return pd.Timestamp(v).date()


class AdjustmentBook:
    """The adjustments of one activity store, acting as the store's user."""

    def __init__(self, store: Store):
        self.store = store

    @property
    def user(self) -> str:
        return self.store.user

    # -- posting -----------------------------------------------------------------------

    def post(self, draft: Draft, policy: Policy, posted_on: dt.date) -> Posted:
        """Post one drafted request (status ready or approved), once."""
        if draft.status not in ("ready", "approved", "posted"):
            raise AdjustmentError(f"row {draft.request.row}: a request that is "
                                  f"{draft.status} is not posted ({draft.why})")
        earlier = self._posted_numbers(draft.key)
        if earlier is not None:
            return Posted(False, earlier)
        rid = draft.request.request_id
        payload: dict = {"request_id": rid, "kind": draft.request.kind, "why": draft.why[:2000]}
        made: dict = {}

        def body(conn):
            if draft.approval:
                # Checked again here: the decision must exist when the posting commits.
                a = s.approvals
                decision = conn.execute(sa.select(a.c.decision).where(
                    a.c.request_id == rid, a.c.step == "decided")).scalar()
                if decision != "approved":
                    raise _NotApproved(decision or "not decided")
            # Lock series in one order (by name) so two posters never wait on each other
            # in a circle; numbers then go to the documents in their own order.
            series = [policy.series(d.kind, posted_on) for d in draft.documents]
            drawn = {name: [] for name in series}
            for name in sorted(series):
                drawn[name].append(draw_number(conn, name))
            docs = []
            # The adjusted item's open amount as each document meets it (a request's
            # documents adjust one item, in order): a refresh compares the ERP's figure
            # with it to know whether the ERP has booked the document yet.
            running = draft.open_before
            for doc, name in zip(draft.documents, series, strict=True):
                before = None
                if doc.applies_to:
                    before = running if running is not None else 0
                    running = before + document_effect(doc, before)[0]
                n = drawn[name].pop(0)
                number = policy.number(doc.kind, n, posted_on)
                doc = doc._replace(number=number, doc_date=posted_on)
                docs.append(doc)
                conn.execute(s.adjustment_documents.insert().values(
                    request_id=rid, number=number, series=name, seq=n, kind=doc.kind,
                    customer_id=doc.customer_id, customer_name=doc.customer_name[:200],
                    currency=doc.currency, doc_date=posted_on, due_date=doc.due_date,
                    net_cents=doc.net_cents, tax_cents=doc.tax_cents, ar_cents=doc.ar_cents,
                    tax_rate=f"{doc.tax_rate:f}", applies_to=doc.applies_to,
                    applies_document=doc.applies_document, reason_code=doc.reason_code,
                    gl_role=doc.gl_role, sales_partner=doc.sales_partner,
                    territory=doc.territory, collector=doc.collector, terms=doc.terms,
                    po_number=doc.po_number, bill_to=doc.bill_to,
                    refund_method=doc.refund_method, note=doc.note,
                    lines=_lines_json(doc.lines), open_before_cents=before,
                    created_at=utc_now(), created_by=self.user))
            lines = journal_entry(docs, draft.commission, policy, posted_on, rid)
            if lines:
                conn.execute(s.journal_lines.insert(), [
                    line._asdict() | {"created_at": utc_now(), "created_by": self.user}
                    for line in lines])
            c = draft.commission
            if c is not None:
                conn.execute(s.commission_adjustments.insert().values(
                    request_id=rid, entry_id=docs[0].number, partner=c.partner,
                    customer_id=c.customer_id, document=c.document, currency=c.currency,
                    base_cents=c.base_cents, rate=f"{c.rate:f}",
                    commission_cents=c.commission_cents, posted_on=posted_on, why=c.why,
                    created_at=utc_now(), created_by=self.user))
            numbers = [d.number for d in docs]
            # _write copies the payload after this body ran: the activity row names the
            # numbers drawn.
            payload.update(numbers=numbers, record_id=numbers[0],
                           ar_cents=int(sum(d.ar_cents for d in docs)))
            made.update(docs=tuple(docs), lines=tuple(lines))
            return numbers[0], 0

        first = draft.documents[0]
        try:
            w = self.store._write(draft.key, "adjustment_posted", body, first.customer_id,
                                  first.applies_document, draft.ar_cents, first.currency,
                                  payload)
        except _NotApproved as e:
            raise AdjustmentError(f"row {draft.request.row}: {draft.request.request_id} needs "
                                  f"approval and is {e.args[0]}; nothing was posted") from None
        if not w.new:
            return Posted(False, self._posted_numbers(draft.key) or ())
        return Posted(True, tuple(payload["numbers"]), made["docs"], made["lines"])

    def _posted_numbers(self, key: str) -> tuple[str, ...] | None:
        a = s.activity
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(a.c.payload).where(a.c.idempotency_key == key)).first()
        if row is None:
            return None
        payload = row.payload if isinstance(row.payload, dict) else {}
        return tuple(payload.get("numbers", ()))

    # -- approvals ---------------------------------------------------------------------

    def request_approval(self, draft: Draft) -> Written:
        """Put a request that needs approval in the queue (once)."""
        rid = draft.request.request_id
        first = draft.documents[0]
        values = dict(request_id=rid, step="requested", decision="", kind=draft.request.kind,
                      customer_id=first.customer_id, document=first.applies_document,
                      amount_cents=draft.amount_cents, currency=first.currency,
                      reason=draft.approval, note=draft.request.note,
                      details={"why": draft.why, "row": draft.request.row})

        def body(conn):
            conn.execute(s.approvals.insert().values(**values, created_at=utc_now(),
                                                     created_by=self.user))
            return rid, 0

        return self.store._write(f"approval:{rid}:requested", "adjustment_approval_requested",
                                 body, first.customer_id, first.applies_document,
                                 draft.amount_cents, first.currency,
                                 {"request_id": rid, "reason": draft.approval})

    def decide(self, request_id: str, decision: str, policy: Policy, note: str = "") -> Written:
        """Record the store's user's decision on a queued request (approved / rejected).

        Refused with a reason when the request is not in the queue, the approver
        sent it, or their authority is too low.  A second decision (even by someone
        else, at the same moment) records nothing: ``Written.new`` is False.
        """
        from xlar.adjustments.authority import approval_refused, same_person

        decision = {"approve": "approved", "approved": "approved", "yes": "approved",
                    "reject": "rejected", "rejected": "rejected", "no": "rejected"}.get(
            decision.strip().lower())
        if decision is None:
            raise AdjustmentError("a decision is 'approve' or 'reject'")
        state = self.approvals_state().get(request_id)
        if state is None:
            raise AdjustmentError(f"{request_id} is not in the approval queue")
        if state.status != "pending":
            return Written(False, 0, request_id)
        if same_person(self.user, state.requested_by):
            raise AdjustmentError(f"{self.user} sent {request_id} and cannot decide on it too; "
                                  "another person must approve or reject it")
        refused = approval_refused(policy, self.user, state.requested_by, state.kind,
                                   state.amount_cents, state.currency)
        if refused and decision == "approved":  # anyone else may say no
            raise AdjustmentError(refused)

        def body(conn):
            conn.execute(s.approvals.insert().values(
                request_id=request_id, step="decided", decision=decision, kind=state.kind,
                customer_id=state.customer_id, document=state.document,
                amount_cents=state.amount_cents, currency=state.currency, reason=state.reason,
                note=note, details=None, created_at=utc_now(), created_by=self.user))
            return request_id, 0

        return self.store._write(f"approval:{request_id}:decided", f"adjustment_{decision}",
                                 body, state.customer_id, state.document, state.amount_cents,
                                 state.currency, {"request_id": request_id, "note": note})

    def approvals_state(self) -> dict[str, ApprovalState]:
        a = s.approvals
        rows = self.store._frame(sa.select(a).order_by(a.c.id))
        out: dict[str, ApprovalState] = {}
        for r in rows.to_dict("records"):
            if r["step"] == "requested":
                out[r["request_id"]] = ApprovalState(
                    r["request_id"], "pending", r["created_by"], r["created_at"], r["reason"],
                    int(r["amount_cents"]), r["currency"], r["kind"], r["customer_id"],
                    r["document"])
        for r in rows.to_dict("records"):
            if r["step"] == "decided" and r["request_id"] in out:
                out[r["request_id"]] = out[r["request_id"]]._replace(
                    status=r["decision"], decided_by=r["created_by"],
                    decided_at=r["created_at"], note=r["note"])
        return out

    def approvals(self) -> pd.DataFrame:
        """The queue as a table: pending first (oldest first), then decided (newest first)."""
        cols = list(ApprovalState._fields)
        states = list(self.approvals_state().values())
        frame = pd.DataFrame(states, columns=cols)
        if frame.empty:
            return frame
        pending = frame[frame["status"] == "pending"].sort_values("requested_at", kind="stable")
        decided = frame[frame["status"] != "pending"].sort_values("decided_at", ascending=False,
                                                                  kind="stable")
        return pd.concat([pending, decided], ignore_index=True)

    # -- reading -----------------------------------------------------------------------

    def documents(self) -> pd.DataFrame:
        t = s.adjustment_documents
        return self.store._frame(sa.select(t).order_by(t.c.id))

    def postings(self) -> list[tuple[dt.datetime, DraftDocument, int | None]]:
        """Every posted document in posting order, with when it was posted and the
        adjusted item's open amount it started from (None: not recorded, posted
        before migration 0005)."""
        return [(r["created_at"], _document(r),
                 None if pd.isna(r["open_before_cents"]) else int(r["open_before_cents"]))
                for r in self.documents().to_dict("records")]

    def journal(self, date_from: dt.date | None = None,
                date_to: dt.date | None = None) -> pd.DataFrame:
        """Journal lines posted in [date_from, date_to], in posting order."""
        t = s.journal_lines
        q = sa.select(t.c.id, *[t.c[c] for c in JOURNAL_COLUMNS])
        if date_from is not None:
            q = q.where(t.c.posted_on >= date_from)
        if date_to is not None:
            q = q.where(t.c.posted_on <= date_to)
        frame = self.store._frame(q.order_by(t.c.id))
        if frame.empty:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in JOURNAL_COLUMNS})
        frame["posted_on"] = pd.to_datetime(frame["posted_on"]).dt.date
        # Entries in posting order, each one's lines together (two postings committing at
        # the same moment may have drawn interleaved row ids).
        first = frame.groupby("entry_id")["id"].transform("min")
        frame = frame.assign(first=first).sort_values(["first", "line_no"], kind="stable")
        return frame[JOURNAL_COLUMNS].reset_index(drop=True)

    def commissions(self, date_from: dt.date | None = None,
                    date_to: dt.date | None = None) -> pd.DataFrame:
        t = s.commission_adjustments
        q = sa.select(t)
        if date_from is not None:
            q = q.where(t.c.posted_on >= date_from)
        if date_to is not None:
            q = q.where(t.c.posted_on <= date_to)
        return self.store._frame(q.order_by(t.c.id))

    def history(self) -> History:
        """What drafting needs to know: posted requests, approvals, credits, our invoices."""
        docs = self.documents()
        commissions = {r["request_id"]: r for r in self.commissions().to_dict("records")}
        posted: dict[str, PostedRequest] = {}
        credited: dict[tuple, int] = {}
        invoices: dict[tuple, tuple[int, int]] = {}
        for rid, group in (docs.groupby("request_id", sort=False) if len(docs) else []):
            made = []
            for r in group.sort_values("id").to_dict("records"):
                d = _document(r)
                made.append(d)
                if d.kind == "credit_memo":
                    k = (d.customer_id.upper(), d.applies_document.upper())
                    credited[k] = credited.get(k, 0) + d.total_cents
                elif d.kind == "invoice":
                    invoices[(d.customer_id.upper(), d.number.upper())] = (d.net_cents,
                                                                           d.tax_cents)
            c = commissions.get(rid)
            change = None if c is None else CommissionChange(
                c["partner"], c["customer_id"], c["document"], c["currency"],
                int(c["base_cents"]), Decimal(c["rate"]), int(c["commission_cents"]), c["why"])
            first = group.sort_values("id").iloc[0]
            posted[rid] = PostedRequest(rid, tuple(made), change, first["created_by"],
                                        first["created_at"])
        return History(posted, self.approvals_state(), credited, invoices)
