"""From what was decided to the letters themselves: pure functions returning
:class:`~xlar.letters.documents.Letter` records.

:func:`batch_letters` applies what the specialist did on the Letters sheet to the
selection (a row set to No is left out, a level or language changed is taken as
typed, a Statement or Special letter replaces the reminder) and says, for every
change, what was done.  The other functions make the letters that come from one
event rather than from the aging: a card payment's receipt, a payment plan's or a
promise's confirmation, a credit memo notice, a statement, a special letter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

import pandas as pd

from xlar.dunning import DunningPolicy
from xlar.letters.documents import Letter, LetterLine, installment_lines, reason_code
from xlar.letters.errors import LetterError
from xlar.letters.selection import MAX_LEVEL, Selection
from xlar.letters.words import parse_kind
from xlar.metrics import annual_rate_pct, late_interest
from xlar.money import minor_digits

__all__ = ["Recipient", "Composed", "batch_letters", "recipient_of", "statement_letter",
           "special_letter", "receipt_letter", "plan_letter", "promise_letter",
           "credit_memo_letter", "bucket_pairs", "FAMILY_OF"]

#: The kind family a template belongs to (what the history records).
FAMILY_OF = {f"dunning_{n}": "dunning" for n in range(1, MAX_LEVEL + 1)}


class Recipient(NamedTuple):
    """Who a letter goes to, from the customer master."""

    customer_id: str
    customer_name: str
    language: str = "en"
    email: str = ""
    address: str = ""


def recipient_of(customers: pd.DataFrame | None, customer_id: str, name: str = "") -> Recipient:
    if customers is not None and len(customers):
        hit = customers[customers["customer_id"].astype(str) == str(customer_id)]
        if len(hit):
            r = hit.iloc[0]
            lang = str(r.get("language", "en") or "en").lower()
            return Recipient(str(customer_id), str(r.get("customer_name") or name),
                             lang if lang in ("en", "es") else "en",
                             str(r.get("email", "") or ""), str(r.get("address", "") or ""))
    return Recipient(str(customer_id), name or str(customer_id))


def bucket_pairs(buckets) -> tuple[tuple[str, int | None], ...]:
    """Aging buckets as (label, upper edge) pairs, the last with no edge."""
    return tuple(zip(buckets.labels, [*buckets.edges, None], strict=True))


class Composed(NamedTuple):
    """The letters of a batch, and what happened to the other rows.

    Attributes:
      letters: the letters to make, in the Letters sheet's order.
      left_out: (customer, reason) for every past-due customer without a letter.
      notes: (customer, sentence) for every change the specialist made, and for
        anything done differently from what the row asked (no e-mail: posted).
    """

    letters: list[Letter]
    left_out: list[tuple[str, str]]
    notes: list[tuple[str, str]]


def _lines(frame: pd.DataFrame, roles: Sequence[str]) -> tuple[LetterLine, ...]:
    rows = frame[frame["role"].isin(list(roles))]
    return tuple(LetterLine(r.document, r.doc_type, r.doc_date, r.due_date, int(r.days_past_due),
                            r.po_number or r.reference, int(r.open_cents), r.currency, r.role,
                            int(r.interest_cents))
                 for r in rows.itertuples(index=False))


def _open_lines(items: pd.DataFrame) -> tuple[LetterLine, ...]:
    """Every open item of a customer, as a statement lists them (oldest due first)."""
    items = items.sort_values(["currency", "due_date", "document"], kind="stable")
    return tuple(
        LetterLine(r.document, r.doc_type, _day(r.doc_date), _day(r.due_date),
                   int(r.days_past_due), r.po_number or r.reference, int(r.open_cents),
                   r.currency, "open") for r in items.itertuples(index=False)
        if int(r.open_cents) != 0)


def _day(value) -> dt.date | None:
    if value is None or value is pd.NaT:
        return None
    t = pd.Timestamp(value)
    return None if pd.isna(t) else t.date()


def _rate_text(rate, language: str) -> str:
    from xlar.metrics import EU_MARGIN_POINTS, EU_REFERENCE_RATE

    value = annual_rate_pct(rate)
    if value is None:
        value = Decimal(EU_REFERENCE_RATE) + Decimal(EU_MARGIN_POINTS)
    text = f"{value.normalize():f}"
    return (text.replace(".", ",") + " %") if language == "es" else f"{text}%"


def _charged(lines: tuple[LetterLine, ...], level: int, policy: DunningPolicy, lead: str,
             rate) -> tuple[tuple[LetterLine, ...], int]:
    """The lines with interest where the policy charges it at *level*, and the fee."""
    fee = 0
    if policy.fee and level >= policy.fee_from and lead:
        fee = int((policy.fee * 10 ** minor_digits(lead)).to_integral_value())
    if not policy.interest_from or level < policy.interest_from:
        return tuple(ln._replace(interest_cents=0) for ln in lines), fee
    r = annual_rate_pct(rate)
    return tuple(ln._replace(interest_cents=late_interest(ln.cents, ln.days_past_due, r)
                             if ln.role == "due" and ln.currency == lead else 0)
                 for ln in lines), fee


def batch_letters(selection: Selection, aged: pd.DataFrame, edits: Mapping | None,
                  policy: DunningPolicy, as_of, buckets, interest_rate=None) -> Composed:
    """The letters of a batch: the selection, as the specialist edited it on the sheet."""
    as_of = pd.Timestamp(as_of).date()
    letters: list[Letter] = []
    left_out: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    lines_by = {c: g for c, g in selection.lines.groupby("customer_id", sort=False)}
    items_by = {str(c): g for c, g in aged.groupby("customer_id", sort=False)}
    seen = set()
    pairs = bucket_pairs(buckets)
    for row in selection.letters.itertuples(index=False):
        cid = row.customer_id
        seen.add(cid)
        edit = (edits or {}).get(cid)
        include = edit.include if edit is not None else bool(row.include)
        if not include:
            left_out.append((cid, "Set to No on the Letters sheet." if row.include else
                             row.excluded_reason))
            continue
        if not row.include:
            if not edit.reason_shown:
                # The sheet proposed a letter that is no longer due (one went out since,
                # a promise came in): the sheet is older than the facts.
                left_out.append((cid, f"{row.excluded_reason} (the Letters sheet is older "
                                      "than this: run Letter Preview again)"))
                continue
            notes.append((cid, f"Made although the preview left it out ({row.excluded_reason}), "
                               "because Include says Yes."))
        proposed = "credit_hold" if row.kind == "credit_hold" else "dunning"
        family = parse_kind(edit.letter) if edit is not None and edit.letter else proposed
        if family is None:
            left_out.append((cid, f"Letter {edit.letter!r} is not one of Dunning, Statement, "
                                  "Credit hold, Special; correct the row and make the batch "
                                  "again."))
            continue
        level = int(row.level or row.level_due or 1)
        if family == "dunning" and edit is not None and edit.level:
            if not 1 <= edit.level <= MAX_LEVEL:
                left_out.append((cid, f"Level must be 1 to {MAX_LEVEL} on the Letters sheet."))
                continue
            if edit.level != level:
                notes.append((cid, f"Level {edit.level} as set on the Letters sheet (proposed: "
                                   f"{level})."))
            level = edit.level
        if family != proposed:
            notes.append((cid, f"{family.replace('_', ' ').capitalize()} letter as set on the "
                               f"Letters sheet (proposed: {proposed.replace('_', ' ')})."))
        language = row.language
        if edit is not None and edit.language:
            if edit.language not in ("en", "es"):
                notes.append((cid, f"Language {edit.language!r} is not en or es: "
                                   f"{row.language} used."))
            else:
                language = edit.language
        email = (edit.email if edit is not None and edit.email else row.email) or ""
        delivery = (edit.delivery if edit is not None and edit.delivery in ("email", "print")
                    else row.delivery)
        if delivery == "email" and not email:
            delivery = "print"
            notes.append((cid, "No e-mail address: the letter is to be posted."))
        mine = lines_by.get(cid, selection.lines.iloc[0:0])
        not_included = tuple((r.document, reason_code(r.reason))
                             for r in mine[mine["role"] == "left out"].itertuples(index=False))
        base = dict(customer_id=cid, customer_name=row.customer_name, language=language,
                    address=row.address, email=email, delivery=delivery, as_of=as_of)
        if family == "statement":
            letters.append(Letter(kind="statement", level=0,
                                  lines=_open_lines(items_by[cid]), buckets=pairs, **base))
            continue
        lines = _lines(mine, ("due", "credit"))
        if family == "special":
            text = edit.special_text if edit is not None else ""
            if not text:
                left_out.append((cid, "Special letter without text: type it in the Special "
                                      "Text column."))
                continue
            letters.append(Letter(kind="special", level=0, lines=lines,
                                  not_included=not_included,
                                  details={"text": text}, **base))
            continue
        if not any(ln.role == "due" for ln in lines):
            left_out.append((cid, "Nothing past due to ask for (" + row.excluded_reason + ")"))
            continue
        if family == "credit_hold":
            letters.append(Letter(kind="credit_hold", level=0, lines=lines,
                                  not_included=not_included, **base))
            continue
        lines, fee = _charged(lines, level, policy, row.currency, interest_rate)
        letters.append(Letter(kind=f"dunning_{level}", level=level, lines=lines,
                              fee_cents=fee, fee_currency=row.currency,
                              interest_rate=_rate_text(interest_rate, language),
                              last_letter_date=_day(row.last_date),
                              not_included=not_included, **base))
    for cid, edit in (edits or {}).items():
        if cid not in seen and edit.include:
            family = parse_kind(edit.letter) or "dunning"
            if family == "statement" and cid in items_by:
                g = items_by[cid]
                who = Recipient(cid, str(g["customer_name"].iloc[0]),
                                edit.language if edit.language in ("en", "es") else "en",
                                edit.email)
                letters.append(statement_letter(who, g, buckets, as_of,
                                                "email" if edit.email else "print"))
                notes.append((cid, "Statement as asked on the Letters sheet."))
            else:
                left_out.append((cid, "Nothing is past due any more (or the customer is gone "
                                      "from Open Items): run Letter Preview again."))
    return Composed(letters, left_out, notes)


# ---------------------------------------------------------------------------
# Letters of one event
# ---------------------------------------------------------------------------


def _base(who: Recipient, as_of, delivery: str | None) -> dict:
    return dict(customer_id=who.customer_id, customer_name=who.customer_name,
                language=who.language, address=who.address, email=who.email,
                delivery=delivery or ("email" if who.email else "print"),
                as_of=pd.Timestamp(as_of).date())


def statement_letter(who: Recipient, items: pd.DataFrame, buckets, as_of,
                     delivery: str | None = None) -> Letter:
    """A statement of account: every open item of the customer (aged), with the aging."""
    return Letter(kind="statement", level=0, lines=_open_lines(items),
                  buckets=bucket_pairs(buckets), **_base(who, as_of, delivery))


def special_letter(who: Recipient, text: str, as_of, items: pd.DataFrame | None = None,
                   title: str = "", delivery: str | None = None) -> Letter:
    """A letter of free text; with *items*, their past-due ones are listed under it."""
    if not str(text).strip():
        raise LetterError("a special letter needs its text")
    lines: tuple[LetterLine, ...] = ()
    if items is not None and len(items):
        due = items[(items["open_cents"] > 0) & (items["days_past_due"] > 0)]
        lines = tuple(ln._replace(role="due") for ln in _open_lines(due))
    return Letter(kind="special", level=0, lines=lines,
                  details={"text": str(text), "title": title}, **_base(who, as_of, delivery))


def receipt_letter(who: Recipient, paid_on, amount_cents: int, currency: str,
                   invoices: Sequence[tuple[str, dt.date | None, str, int]], auth_code: str,
                   last4: str, as_of=None, taken_by: str = "",
                   delivery: str | None = None) -> Letter:
    """The receipt of a card payment taken by phone.

    *invoices* are (document, invoice date, reference, cents paid); they must add up
    to the amount.  *last4* must be exactly the card's last four digits: a letter
    never carries a card number (PCI DSS).
    """
    from xlar.cashapp.cards import looks_like_card_number

    last4 = str(last4).strip()
    if looks_like_card_number(last4) or not (len(last4) == 4 and last4.isdigit()):
        raise LetterError("a receipt shows only the card's last four digits (e.g. 1111), never "
                          "the card number")
    if int(amount_cents) <= 0:
        raise LetterError("a receipt needs the amount paid (more than zero)")
    total = sum(int(c) for *_, c in invoices)
    if invoices and total != int(amount_cents):
        raise LetterError(f"the invoices paid add up to {total} cents, the payment is "
                          f"{int(amount_cents)}: they must agree")
    lines = tuple(LetterLine(doc, "invoice", day, None, 0, ref, int(c), currency, "paid")
                  for doc, day, ref, c in invoices) or \
        (LetterLine("", "payment", None, None, 0, "", int(amount_cents), currency, "paid"),)
    details = {"paid_on": pd.Timestamp(paid_on).date(), "amount_cents": int(amount_cents),
               "currency": currency, "last4": last4, "auth_code": str(auth_code).strip(),
               "taken_by": taken_by}
    return Letter(kind="payment_receipt", level=0, lines=lines, details=details,
                  **_base(who, as_of or paid_on, delivery))


def plan_letter(who: Recipient, plan: Mapping, as_of, delivery: str | None = None) -> Letter:
    """The confirmation of a payment plan (a record as ``Store.latest('payment_plan')``)."""
    from xlar.collections import plan_schedule

    try:
        schedule = plan_schedule(int(plan["total_cents"]), int(plan["installments"]),
                                 plan["first_date"], str(plan["frequency"]))
    except ValueError as e:
        raise LetterError(f"payment plan {plan.get('record_id', '')}: {e}") from None
    currency = str(plan["currency"])
    details = {"total_cents": int(plan["total_cents"]), "currency": currency,
               "installments": int(plan["installments"]),
               "frequency": str(plan["frequency"]).lower(),
               "first_date": pd.Timestamp(plan["first_date"]).date(),
               "documents": str(plan.get("documents", "") or "")}
    return Letter(kind="payment_plan", level=0,
                  lines=installment_lines(schedule, currency, who.language), details=details,
                  **_base(who, as_of, delivery))


def promise_letter(who: Recipient, promise: Mapping, items: pd.DataFrame, as_of,
                   delivery: str | None = None) -> Letter:
    """The confirmation of a promise to pay; lists the items it names (or, when it names
    none, the customer's past-due items in its currency)."""
    from xlar.letters.selection import documents_named

    docs = documents_named(promise.get("document", ""))
    cur = str(promise["currency"])
    mine = items[items["currency"] == cur]
    mine = mine[mine["document"].isin(docs)] if docs else \
        mine[(mine["open_cents"] > 0) & (mine["days_past_due"] > 0)]
    details = {"amount_cents": int(promise["amount_cents"]), "currency": cur,
               "promised_date": pd.Timestamp(promise["promised_date"]).date(),
               "promised_on": pd.Timestamp(promise.get("promised_on") or as_of).date(),
               "contact": str(promise.get("contact", "") or "")}
    return Letter(kind="promise_to_pay", level=0,
                  lines=tuple(ln._replace(role="due") for ln in _open_lines(mine)),
                  details=details, **_base(who, as_of, delivery))


_DOCUMENT_LIKE = re.compile(r"\b[A-Z]{2,}[-/]?\d{3,}\b")


def _invoice_named(reference: str, documents: set[str]) -> str:
    """The invoice a credit memo's reference names ("Price adjustment INV-104012"):
    a word that is one of the customer's documents, else one shaped like a number."""
    words = [w.strip(".,;:()") for w in reference.split()]
    for w in words:
        if w in documents:
            return w
    m = _DOCUMENT_LIKE.search(reference)
    return m.group(0) if m else ""


def credit_memo_letter(who: Recipient, document: str, items: pd.DataFrame, as_of,
                       delivery: str | None = None) -> Letter:
    """The notice of a credit memo: the credit, and the customer's open items after it.

    Only a credit memo gets one: a payment on account (unapplied cash, PMT-...) is
    the customer's own money, and a letter calling it a credit memo (an "abono" in
    Spanish) would tell the customer it was granted a credit it was not.  Such a
    document is refused with what to send instead.
    """
    from xlar.model import DOC_TYPE_LABELS

    hit = items[(items["document"].astype(str) == str(document)) & (items["open_cents"] < 0)]
    if not len(hit):
        raise LetterError(f"credit memo {document} is not among {who.customer_id}'s open "
                          "credits on the Open Items sheet")
    cm = hit.iloc[0]
    if str(cm["doc_type"]) != "credit_memo":
        kind = DOC_TYPE_LABELS.get(str(cm["doc_type"]), str(cm["doc_type"])).lower()
        raise LetterError(f"{document} is a {kind}, not a credit memo: a credit memo notice "
                          "would call it a credit. Send a statement of account (it lists "
                          f"{document} as {kind}), or apply it to the invoices it pays")
    details = {"document": str(document), "date": _day(cm["doc_date"]),
               "amount_cents": int(cm["open_cents"]), "currency": cm["currency"],
               "invoice": _invoice_named(str(cm.get("reference", "") or ""),
                                         set(items["document"].astype(str)))}
    return Letter(kind="credit_memo", level=0,
                  lines=_open_lines(items[items["currency"] == cm["currency"]]),
                  details=details, **_base(who, as_of, delivery))
