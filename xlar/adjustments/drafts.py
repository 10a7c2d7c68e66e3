"""From typed requests to documents: every amount worked out, or the reason it cannot be.

:func:`draft_adjustments` is the pure heart of Validate and Post.  It reads the
requests in sheet order against a running copy of the open items, so two
rows on one invoice are judged one after the other (the second credit sees
what the first left).  Each request comes back as a :class:`Draft` with a
status and a *why* a specialist can check: amounts, how the tax was found,
whose authority, what the approver said.

Nothing here writes: posting is :mod:`xlar.store.adjustments`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import pandas as pd

from xlar.adjustments.authority import approval_needed
from xlar.adjustments.commission import commission_change
from xlar.adjustments.ledger import document_effect
from xlar.adjustments.model import DocLine, Draft, DraftDocument, History
from xlar.adjustments.policy import Policy
from xlar.adjustments.refunds import REFUNDABLE_TYPES, draft_refund
from xlar.adjustments.requests import (
    CREDIT_REASONS,
    WRITE_OFF_REASONS,
    AdjustmentRequest,
    reason_label,
)
from xlar.adjustments.tax import InvoiceTax, proportional_tax, tax_on, tax_status
from xlar.money import format_money, minor_digits, round_half_up

__all__ = ["draft_adjustments", "CUSTOMER_FIELDS"]

CUSTOMER_FIELDS = ("customer_id", "customer_name", "currency", "terms", "sales_partner",
                   "territory", "collector", "tax_exempt_cert", "tax_exempt_expiry", "address",
                   "language")
_INVOICE_TYPES = ("invoice", "debit_memo")


class _Blocked(Exception):
    """A request that cannot go ahead; the message is the reason shown in Why."""


def _a(doc_type: str) -> str:
    """'an invoice', 'a credit memo'."""
    words = doc_type.replace("_", " ")
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def _key(*parts: str) -> tuple[str, ...]:
    return tuple(str(p).strip().upper() for p in parts)


def _day(v) -> dt.date | None:
    if v is None or v is pd.NaT:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return pd.Timestamp(v).date()


class _Book:
    """The open items as drafting goes: open amounts move as earlier rows are taken."""

    def __init__(self, items: pd.DataFrame, closed: pd.DataFrame | None,
                 customers: pd.DataFrame | None, history: History, wanted: set[str]):
        def upper(s: pd.Series) -> pd.Series:
            return s.astype(str).str.strip().str.upper()

        # Only the accounts the sheet names, and row dicts only for the documents it
        # names: a sheet of requests against a ledger of a million items stays quick.
        parts = [f[upper(f["customer_id"]).isin(wanted).to_numpy()].assign(is_open=is_open)
                 for f, is_open in ((items, True), (closed, False))
                 if f is not None and not f.empty]
        frame = (parts[0].reset_index(drop=True) if len(parts) == 1 else
                 pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
                     columns=["customer_id", "document", "item_key", "open_cents", "is_open"]))
        # Plain lists, one per column: a row's dict is made only when a request names it.
        self._columns = {c: frame[c].tolist() for c in frame.columns}
        self._rows: dict[int, dict] = {}
        self._where: dict[tuple, list[int]] = {}
        for i, k in enumerate(zip(upper(frame["customer_id"]), upper(frame["document"]),
                                  strict=True)):
            self._where.setdefault(k, []).append(i)
        live = frame[frame["is_open"].astype(bool)]
        self.open: dict[str, int] = dict(zip(live["item_key"], live["open_cents"].astype(int),
                                             strict=True))
        self.customers: dict[tuple, dict] = {}
        firsts = frame.drop_duplicates("customer_id")
        for r in firsts[[c for c in CUSTOMER_FIELDS if c in firsts]].to_dict("records"):
            self.customers.setdefault(_key(r["customer_id"]), r)
        if customers is not None and not customers.empty:
            chosen = customers[upper(customers["customer_id"]).isin(wanted).to_numpy()]
            for c in chosen.to_dict("records"):
                merged = dict(self.customers.get(_key(c["customer_id"]), {}))
                for f in CUSTOMER_FIELDS:
                    v = c.get(f)
                    if v is not None and not (isinstance(v, float) and v != v) and \
                            v is not pd.NaT and str(v) != "":
                        merged[f] = v
                self.customers[_key(c["customer_id"])] = merged
        self.credited = dict(history.credited)
        self.invoices = dict(history.invoices)

    def _row(self, i: int) -> dict:
        if i not in self._rows:
            # a text field one of the two frames lacks comes back as NaN: make it ''
            self._rows[i] = {k: "" if isinstance(v, float) and v != v else v
                             for k, v in ((c, col[i]) for c, col in self._columns.items())}
        return self._rows[i]

    def customer(self, customer_id: str) -> dict:
        c = self.customers.get(_key(customer_id))
        if c is None:
            raise _Blocked(f"customer {customer_id!r} is not on the Customers or Open Items "
                           "sheet; check the customer ID")
        return c

    def target(self, req: AdjustmentRequest, types: tuple[str, ...], what: str,
               open_only: bool = True) -> dict:
        if not req.document:
            raise _Blocked(f"say which document to {what}: the Document column is empty")
        found = [self._row(i) for i in self._where.get(_key(req.customer_id, req.document), [])]
        fits = [r for r in found if r["doc_type"] in types and (r["is_open"] or not open_only)]
        if not fits:
            if found:
                kinds = " and ".join(sorted({_a(r["doc_type"]) for r in found}))
                raise _Blocked(f"{req.document} of customer {req.customer_id} is {kinds}; "
                               f"only {' or '.join(_a(t) for t in types)} can be used to {what}")
            where = "Open Items" if open_only else "Open Items or Closed Since Last Refresh"
            raise _Blocked(f"{req.document} of customer {req.customer_id} is not on the {where} "
                           "sheet; check the document number and customer, or refresh the "
                           "aging")
        # An open one first (the same number may have been closed and reissued).
        fits.sort(key=lambda r: (not r["is_open"], self.open.get(r["item_key"], 0) == 0))
        return fits[0]

    def open_of(self, row: dict) -> int:
        return self.open.get(row["item_key"], 0) if row["is_open"] else 0

    def invoice_tax(self, row: dict, policy: Policy) -> InvoiceTax:
        known = self.invoices.get(_key(row["customer_id"], row["document"]))
        if known is not None:
            net, tax = known
            rate = Decimal(tax) / Decimal(net) if net else Decimal(0)
            return InvoiceTax(net, tax, rate, "the invoice's tax as xlar drafted it")
        customer = self.customers.get(_key(row["customer_id"]), {}) | {
            "territory": row.get("territory", "")}
        return InvoiceTax.of_erp_invoice(policy, customer, int(row["original_cents"]),
                                         _day(row.get("doc_date")))

    def take(self, docs: Iterable[DraftDocument], posted: bool = False) -> None:
        """Apply documents to the running open amounts (as posting will).  Credits the
        store has *posted* are in the history's credited totals already."""
        for doc in docs:
            if doc.applies_to in self.open:
                change, _left = document_effect(doc, self.open[doc.applies_to])
                self.open[doc.applies_to] += change
            if doc.kind == "credit_memo" and not posted:
                k = _key(doc.customer_id, doc.applies_document)
                self.credited[k] = self.credited.get(k, 0) + doc.total_cents


# -- amounts ------------------------------------------------------------------------


def _cents(amount: Decimal, currency: str, label: str = "amount") -> int:
    digits = minor_digits(currency)
    scaled = amount.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise _Blocked(f"{label} {amount:f} has more than {digits} decimals for {currency}")
    return int(scaled)


def _doc_lines(req: AdjustmentRequest, currency: str) -> tuple[DocLine, ...]:
    digits = minor_digits(currency)
    return tuple(DocLine(d, q, p, int(round_half_up((q * p).scaleb(digits))))
                 for d, q, p in req.lines)


def _money(cents: int, currency: str) -> str:
    return format_money(cents, currency)


def _split_credit(gross: int, inv: InvoiceTax, original: int, reason: str) -> tuple[int, int]:
    if reason == "tax":
        return 0, gross
    tax = proportional_tax(gross, original, inv.tax_cents)
    return gross - tax, tax


def _due(terms_text: str, day: dt.date, customer_id: str) -> dt.date:
    from xlar.terms import TermsError, parse_terms

    if not terms_text:
        return day
    try:
        return parse_terms(terms_text).due_date(day)
    except TermsError:
        raise _Blocked(f"customer {customer_id}'s payment terms {terms_text!r} are not "
                       "understood, so the invoice has no due date; correct the terms on the "
                       "Customers sheet") from None


# -- one kind each ------------------------------------------------------------------


def _credit_memo(req, book: _Book, policy: Policy, today: dt.date):
    target = book.target(req, _INVOICE_TYPES, "credit", open_only=False)
    cid, doc_no, currency = target["customer_id"], target["document"], target["currency"]
    customer = book.customer(cid)
    if not req.reason_code:
        raise _Blocked("a credit memo needs a reason code: " +
                       ", ".join(reason_label(r) for r in CREDIT_REASONS))
    if req.reason_code not in CREDIT_REASONS:
        raise _Blocked(f"{reason_label(req.reason_code)!r} is not a credit memo reason; use " +
                       ", ".join(reason_label(r) for r in CREDIT_REASONS))
    original = int(target["original_cents"])
    credited = book.credited.get(_key(cid, doc_no), 0)
    creditable = original - credited
    inv = book.invoice_tax(target, policy)
    open_now = book.open_of(target)
    if req.lines:
        if req.reason_code == "tax":
            raise _Blocked("a tax credit is one amount (the tax to give back): use Amount, "
                           "not lines")
        lines = _doc_lines(req, currency)
        net = sum(li.net_cents for li in lines)
        tax = proportional_tax(net, inv.net_cents, inv.tax_cents) if inv.net_cents else 0
        gross = net + tax
    else:
        lines = ()
        if req.amount is not None:
            gross = _cents(req.amount, currency)
        elif open_now > 0:
            gross = min(open_now, creditable)
        else:
            raise _Blocked(f"nothing is open on {doc_no}: type the amount to credit")
        net, tax = _split_credit(gross, inv, original, req.reason_code)
    if gross <= 0:
        raise _Blocked("the amount to credit must be more than zero")
    if gross > creditable:
        before = f" (credited before: {_money(credited, currency)})" if credited else ""
        raise _Blocked(f"the credit of {_money(gross, currency)} is more than the "
                       f"{_money(creditable, currency)} left to credit on {doc_no}, invoiced at "
                       f"{_money(original, currency)}{before}")
    partner = target.get("sales_partner") or customer.get("sales_partner", "")
    doc = DraftDocument(
        "credit_memo", cid, customer.get("customer_name", ""), currency, today, None, net, tax,
        -gross, target["item_key"] if target["is_open"] else "", doc_no, lines, inv.rate,
        req.reason_code, "sales_returns", partner, target.get("territory", ""),
        target.get("collector", ""), target.get("terms", ""), target.get("po_number", ""),
        req.bill_to or customer.get("address", ""), "", req.note)
    tax_text = ("all of it tax given back" if req.reason_code == "tax" else
                f"net {_money(net, currency)} + tax {_money(tax, currency)}, the tax "
                f"reversed in proportion; {inv.why}")
    left = (f"; {_money(gross - max(open_now, 0), currency)} of it stays open as a credit "
            "balance" if gross > max(open_now, 0) else "")
    why = (f"credit memo of {_money(gross, currency)} on {doc_no} "
           f"({reason_label(req.reason_code)}): {tax_text}{left}")
    commission = commission_change(policy, partner, cid, doc_no, currency, -net,
                                   "the credit memo")
    return (doc,), commission, why, open_now


def _rebill(req, book: _Book, policy: Policy, today: dt.date):
    target = book.target(req, _INVOICE_TYPES, "credit and rebill", open_only=False)
    cid, doc_no, currency = target["customer_id"], target["document"], target["currency"]
    customer = book.customer(cid)
    reason = req.reason_code or "billing_error"
    if reason not in CREDIT_REASONS:
        raise _Blocked(f"{reason_label(reason)!r} is not a credit reason; use " +
                       ", ".join(reason_label(r) for r in CREDIT_REASONS))
    original = int(target["original_cents"])
    credited = book.credited.get(_key(cid, doc_no), 0)
    creditable = original - credited
    if creditable <= 0:
        raise _Blocked(f"{doc_no} has been credited in full already; enter a new invoice "
                       "instead")
    if req.lines:
        lines = _doc_lines(req, currency)
        new_net = sum(li.net_cents for li in lines)
    elif req.amount is not None:
        lines = ()
        new_net = _cents(req.amount, currency)
    else:
        raise _Blocked("give the corrected price: Amount (before tax), Quantity and Unit Price, "
                       "or Lines")
    if new_net <= 0:
        raise _Blocked("the rebilled amount must be more than zero (to cancel an invoice, use "
                       "a credit memo)")
    customer_now = customer | {"territory": target.get("territory") or
                               customer.get("territory", "")}
    status = tax_status(policy, customer_now, today, req.tax)
    if status.blocked:
        raise _Blocked(status.blocked)
    inv = book.invoice_tax(target, policy)
    credit_net, credit_tax = _split_credit(creditable, inv, original, "pricing")
    new_tax = 0 if status.exempt else tax_on(new_net, status.rate)
    partner = target.get("sales_partner") or customer.get("sales_partner", "")
    terms = target.get("terms") or customer.get("terms", "")
    common = dict(customer_id=cid, customer_name=customer.get("customer_name", ""),
                  currency=currency, doc_date=today, sales_partner=partner,
                  territory=target.get("territory", ""), collector=target.get("collector", ""),
                  terms=terms, bill_to=req.bill_to or customer.get("address", ""),
                  applies_document=doc_no, note=req.note, reason_code=reason)
    open_now = book.open_of(target)
    credit = DraftDocument(kind="credit_memo", due_date=None, net_cents=credit_net,
                           tax_cents=credit_tax, ar_cents=-creditable,
                           applies_to=target["item_key"] if target["is_open"] else "",
                           tax_rate=inv.rate, gl_role="sales_returns",
                           po_number=target.get("po_number", ""), **common)
    invoice = DraftDocument(kind="invoice", due_date=_due(terms, today, cid), net_cents=new_net,
                            tax_cents=new_tax, ar_cents=new_net + new_tax, lines=lines,
                            tax_rate=Decimal(0) if status.exempt else status.rate,
                            gl_role="revenue",
                            po_number=req.po_number or target.get("po_number", ""), **common)
    pair = invoice.ar_cents - creditable
    why = (f"credits {doc_no} in full ({_money(creditable, currency)}: net "
           f"{_money(credit_net, currency)} + tax {_money(credit_tax, currency)}) and rebills it "
           f"for {_money(invoice.ar_cents, currency)} (net {_money(new_net, currency)} + tax "
           f"{_money(new_tax, currency)}, {status.why}); the pair nets to "
           f"{_money(pair, currency)}")
    commission = commission_change(policy, partner, cid, doc_no, currency, new_net - credit_net,
                                   "the credit and rebill")
    return (credit, invoice), commission, why, open_now


def _invoice(req, book: _Book, policy: Policy, today: dt.date):
    if req.document:
        raise _Blocked("a new invoice gets its number when posted: leave Document empty (to "
                       "correct an existing invoice, use Credit and rebill)")
    customer = book.customer(req.customer_id)
    cid = str(customer.get("customer_id") or req.customer_id)
    currency = str(customer.get("currency") or policy.currency)
    if req.lines:
        lines = _doc_lines(req, currency)
        net = sum(li.net_cents for li in lines)
    elif req.amount is not None:
        lines = ()
        net = _cents(req.amount, currency)
    else:
        raise _Blocked("give what to invoice: Amount (before tax), Quantity and Unit Price, or "
                       "Lines")
    if net <= 0:
        raise _Blocked("an invoice must be for more than zero (to credit, use a credit memo)")
    status = tax_status(policy, customer, today, req.tax)
    if status.blocked:
        raise _Blocked(status.blocked)
    tax = 0 if status.exempt else tax_on(net, status.rate)
    terms = str(customer.get("terms") or "")
    doc = DraftDocument(
        "invoice", cid, customer.get("customer_name", ""), currency, today,
        _due(terms, today, cid), net, tax, net + tax, "", "", lines,
        Decimal(0) if status.exempt else status.rate, req.reason_code, "revenue",
        customer.get("sales_partner", ""), customer.get("territory", ""),
        customer.get("collector", ""), terms, req.po_number,
        req.bill_to or customer.get("address", ""), "", req.note)
    why = (f"invoice of {_money(net + tax, currency)}: net {_money(net, currency)} + tax "
           f"{_money(tax, currency)}, {status.why}")
    return (doc,), None, why, None


def _write_off(req, book: _Book, policy: Policy, today: dt.date):
    types = ("invoice", "debit_memo", "credit_memo", "payment")
    target = book.target(req, types, "write off")
    cid, doc_no, currency = target["customer_id"], target["document"], target["currency"]
    customer = book.customer(cid)
    open_now = book.open_of(target)
    if open_now == 0:
        raise _Blocked(f"nothing is open on {doc_no}")
    amount = abs(open_now) if req.amount is None else _cents(req.amount, currency)
    if amount <= 0:
        raise _Blocked("the amount to write off must be more than zero")
    if amount > abs(open_now):
        raise _Blocked(f"the write-off of {_money(amount, currency)} is more than the "
                       f"{_money(abs(open_now), currency)} open on {doc_no}")
    if not req.reason_code:
        raise _Blocked("a write-off needs a reason code: " +
                       ", ".join(reason_label(r) for r in WRITE_OFF_REASONS))
    if req.reason_code not in WRITE_OFF_REASONS:
        raise _Blocked(f"{reason_label(req.reason_code)!r} is not a write-off reason; use " +
                       ", ".join(reason_label(r) for r in WRITE_OFF_REASONS))
    credit_balance = open_now < 0
    if credit_balance and req.reason_code != "small_balance":
        raise _Blocked(f"{doc_no} is a credit balance: refund it, or write it off as a small "
                       "balance")
    role = {"small_balance": "small_balance", "dispute_lost": "sales_returns",
            "bad_debt": "allowance" if policy.bad_debt_method == "allowance" else "bad_debt"}[
        req.reason_code]
    partner = target.get("sales_partner") or customer.get("sales_partner", "")
    doc = DraftDocument(
        "write_off", cid, customer.get("customer_name", ""), currency, today, None, amount, 0,
        amount if credit_balance else -amount, target["item_key"], doc_no,
        reason_code=req.reason_code, gl_role=role, sales_partner=partner,
        territory=target.get("territory", ""), collector=target.get("collector", ""),
        note=req.note)
    commission = None
    if not credit_balance and target["doc_type"] in _INVOICE_TYPES:
        inv = book.invoice_tax(target, policy)
        net_part = amount - proportional_tax(amount, int(target["original_cents"]),
                                             inv.tax_cents)
        commission = commission_change(policy, partner, cid, doc_no, currency, -net_part,
                                       "the write-off")
    side = "credit balance taken to income" if credit_balance else "written off"
    why = (f"{_money(amount, currency)} of {doc_no} {side} ({reason_label(req.reason_code)}, "
           f"account role {role})")
    return (doc,), commission, why, open_now


def _refund(req, book: _Book, policy: Policy, today: dt.date):
    target = book.target(req, REFUNDABLE_TYPES, "refund")
    customer = book.customer(target["customer_id"])
    open_now = book.open_of(target)
    amount = None if req.amount is None else _cents(req.amount, target["currency"])
    doc, why_not = draft_refund(req, target, open_now, amount, customer, today)
    if doc is None:
        raise _Blocked(why_not)
    why = (f"refund of {_money(doc.ar_cents, doc.currency)} from the credit on "
           f"{target['document']} by {doc.refund_method} "
           f"({reason_label(doc.reason_code)})")
    return (doc,), None, why, open_now


_DRAFTERS = {"credit_memo": _credit_memo, "rebill": _rebill, "invoice": _invoice,
             "write_off": _write_off, "refund": _refund}


def _after(docs, open_before: int | None) -> int | None:
    if open_before is None:
        return None
    out = open_before
    for d in docs:
        if d.applies_to:
            change, _ = document_effect(d, out)
            out += change
    return out


def draft_adjustments(requests: Iterable[AdjustmentRequest], items: pd.DataFrame,
                      customers: pd.DataFrame | None, policy: Policy, history: History,
                      user: str, today: dt.date, sheet_posted: frozenset[str] = frozenset(),
                      closed: pd.DataFrame | None = None) -> list[Draft]:
    """Work out every request, in order, against the open items.

    *items*: the open items (engine columns, ``item_key`` included); *closed*:
    items no longer open (credits may still be given on them).  *customers*: the
    customer master (tax-exemption certificates, terms, address).  *history*:
    what the store has posted and decided.  *user*: who posts (their authority
    applies).  *today*: the posting date.  *sheet_posted*: requests the sheet
    already shows as posted (their effect is in *items* already).
    """
    requests = list(requests)
    book = _Book(items, closed, customers, history,
                 {r.customer_id.strip().upper() for r in requests})
    seen: dict[str, int] = {}
    out = []
    for req in requests:
        posted = history.posted.get(req.request_id)
        if posted is not None:
            apply = req.request_id not in sheet_posted
            if apply:
                book.take(posted.documents, posted=True)
            when = pd.Timestamp(posted.posted_at)
            out.append(Draft(req, "posted", f"posted as {' and '.join(posted.numbers)} on "
                                            f"{when:%Y-%m-%d %H:%M} UTC by {posted.posted_by}",
                             posted.documents, posted.commission, numbers=posted.numbers,
                             apply_to_sheet=apply))
            continue
        if req.typed_id and req.typed_id != req.request_id and req.typed_id in history.posted:
            earlier = history.posted[req.typed_id]
            out.append(Draft(req, "blocked", f"this row was posted as "
                                             f"{' and '.join(earlier.numbers)} and has been "
                                             "changed since; a posted adjustment is not edited: "
                                             "type a new row for a further adjustment, and put "
                                             "this row back as it was"))
            continue
        if req.request_id in seen:
            out.append(Draft(req, "blocked", f"the same as row {seen[req.request_id]}: typed "
                                              "twice? To make both, tell them apart in Note"))
            continue
        seen[req.request_id] = req.row
        if req.errors:
            out.append(Draft(req, "blocked", "; ".join(req.errors)))
            continue
        try:
            docs, commission, why, open_before = _DRAFTERS[req.kind](req, book, policy, today)
        except _Blocked as e:
            out.append(Draft(req, "blocked", str(e)))
            continue
        draft = Draft(req, "ready", why, docs, commission, open_before=open_before,
                      open_after=_after(docs, open_before))
        if commission is not None:
            draft = draft._replace(why=f"{why}; {commission.why}")
        need = approval_needed(policy, req.kind, draft.amount_cents, draft.currency, user)
        state = history.approvals.get(req.request_id)
        if need:
            draft = draft._replace(approval=need)
            if state is None:
                draft = draft._replace(status="needs approval", why=f"{draft.why}. Needs "
                                                                     f"approval: {need}")
            elif state.status == "pending":
                draft = draft._replace(status="waiting for approval",
                                       why=f"{draft.why}. Sent for approval by "
                                           f"{state.requested_by} ({need})")
            elif state.status == "rejected":
                note = f": {state.note}" if state.note else ""
                draft = draft._replace(status="rejected", why=f"rejected by {state.decided_by}"
                                                              f"{note}")
            else:
                note = f" ({state.note})" if state.note else ""
                draft = draft._replace(status="approved", why=f"{draft.why}. Approved by "
                                                               f"{state.decided_by}{note}")
        if draft.status in ("ready", "approved"):
            book.take(docs)
        out.append(draft)
    return out
