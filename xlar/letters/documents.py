"""Letters as data: one :class:`Letter` per customer, and the fields its template fills.

Pure.  :func:`letter_context` turns a letter into the dictionary a template
(``workbooks/letters/{en,es}/KIND.docx``) is filled from, every amount and date
already written in the customer's language (:mod:`xlar.letters.words`).  The
totals are summed here from integer cents, so the figures in a letter are the
aging's to the cent.

Fields every template may use::

    company.name  company.address_line  company.contact_line  company.phone
    company.email  company.footer_line  signature.name  signature.title
    customer.id  customer.name  customer.address_lines (a list: one line each)
    date  subject  salutation  letter_name
    groups: one per currency, each with currency, rows (the table rows), totals
        (label/amount rows under the items), total_label, total
    amount_due  total_to_pay  pay_by  last_letter_date  charges  not_included

and, by kind: ``receipt`` (paid_on, amount, last4, auth_code, taken_by),
``plan`` (total, installments, frequency, first_date, documents), ``promise``
(amount, promised_date, promised_on, contact), ``credit`` (document, date,
amount, invoice), ``special_paragraphs`` (the free text, one paragraph each).
Table rows have document, type, date, due, days, ref, amount (the plan's rows:
number, due, amount).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

from xlar.letters.words import (
    DOC_TYPE_WORDS,
    KIND_NAMES,
    PAY_DAYS,
    SALUTATIONS,
    money_text,
    subject_line,
)

__all__ = ["Company", "Signature", "LetterLine", "Letter", "letter_context", "letter_subject",
           "amounts_by_currency", "NOT_INCLUDED_WORDS", "reason_code", "file_stem"]


class Company(NamedTuple):
    """The letterhead, from the Settings sheet (company_name, company_address ...)."""

    name: str
    address: str = ""
    email: str = ""
    phone: str = ""

    @property
    def address_lines(self) -> list[str]:
        return [p.strip() for p in self.address.replace("\n", ";").split(";") if p.strip()]


class Signature(NamedTuple):
    name: str
    title: str = ""


class LetterLine(NamedTuple):
    """One row of a letter's table.

    Attributes:
      role: "due" (past due, asked for), "credit" (set against it), "open" (a
        statement's or credit notice's open item), "paid" (a receipt's invoice),
        "installment" (a payment plan's).
      days_past_due: 0 when not due.  reference: the customer's PO or reference.
      cents: the amount shown, in minor units of *currency* (credits negative).
    """

    document: str
    doc_type: str
    doc_date: dt.date | None
    due_date: dt.date | None
    days_past_due: int
    reference: str
    cents: int
    currency: str
    role: str = "due"
    interest_cents: int = 0


class Letter(NamedTuple):
    """One letter to one customer.

    Attributes:
      kind: the template's name (dunning_1 ... dunning_4, statement, credit_hold,
        payment_receipt, payment_plan, promise_to_pay, credit_memo, special).
      level: 1-4 for dunning letters, else 0.
      address: postal address, lines separated by newlines.
      delivery: "email" or "print".
      as_of: the letter's date.
      fee_cents / fee_currency: a late fee the policy charges (0 = none).
      interest_rate: the yearly rate the interest was worked out at (text).
      last_letter_date: when the previous dunning letter about these items went.
      not_included: (document, reason code) of past-due items left out
        (reason codes: dispute, plan, promise).
      details: what a receipt, plan, promise, credit or special letter says
        (see the module docstring); empty for dunning letters.
      buckets: the aging bucket labels and edges, for a statement's totals.
    """

    customer_id: str
    customer_name: str
    kind: str
    language: str
    level: int
    address: str
    email: str
    delivery: str
    as_of: dt.date
    lines: tuple[LetterLine, ...]
    fee_cents: int = 0
    fee_currency: str = ""
    interest_rate: str = ""
    last_letter_date: dt.date | None = None
    not_included: tuple[tuple[str, str], ...] = ()
    details: Mapping | None = None
    buckets: tuple[tuple[str, int | None], ...] = ()


#: How a letter names an item it leaves out, per reason code.
NOT_INCLUDED_WORDS = {
    "en": {"dispute": "in dispute", "plan": "in a payment plan",
           "promise": "covered by your payment commitment"},
    "es": {"dispute": "en reclamación", "plan": "incluida en un plan de pagos",
           "promise": "cubierta por su compromiso de pago"},
}

_TOTAL_WORDS = {
    "en": {"past_due": "Invoices past due", "credits": "Credits", "due": "Amount now due",
           "balance": "Balance", "paid": "Total paid", "plan": "Total", "days": "days",
           "over": "Over {n} days", "not_due": "Not yet due", "and": "and",
           "of": "of"},
    "es": {"past_due": "Facturas vencidas", "credits": "Abonos", "due": "Importe pendiente",
           "balance": "Saldo", "paid": "Total pagado", "plan": "Total", "days": "días",
           "over": "Más de {n} días", "not_due": "No vencido", "and": "y", "of": "de"},
}

_CHARGES = {
    "en": {"fee": "a late-payment fee of {fee}",
           "interest": "interest of {interest} ({rate} a year on each past-due invoice from "
                       "its due date to {date})",
           "sentence": "In line with our terms of sale, {what} {verb} been added, bringing the "
                       "total to pay to {total}."},
    "es": {"fee": "un recargo por demora de {fee}",
           "interest": "intereses de demora de {interest} (al {rate} anual sobre cada factura "
                       "vencida, desde su vencimiento hasta el {date})",
           "sentence": "Conforme a nuestras condiciones de venta, se {verb} añadido {what}, "
                       "con lo que el total a pagar asciende a {total}."},
}

_FREQUENCY = {"en": {"weekly": "weekly", "biweekly": "fortnightly", "monthly": "monthly"},
              "es": {"weekly": "semanales", "biweekly": "quincenales", "monthly": "mensuales"}}


def reason_code(reason: str) -> str:
    """The reason code of a selection's "left out" sentence (dispute, plan, promise)."""
    text = reason.lower()
    if "dispute" in text:
        return "dispute"
    if "plan" in text:
        return "plan"
    return "promise"


def file_stem(letter: Letter) -> str:
    """A file name for the letter: the customer number and the kind, safe on any disk."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in letter.customer_id)
    return f"{safe}-{letter.kind}"


@lru_cache(maxsize=4096)
def _long(day: dt.date, language: str, currency: str) -> str:
    from xlar.letters.words import date_text

    return date_text(day, language, currency)


@lru_cache(maxsize=4096)
def _short(day: dt.date | None, language: str, currency: str) -> str:
    from xlar.letters.words import short_date_text

    return short_date_text(day, language, currency)


def amounts_by_currency(lines, roles=("due", "credit")) -> dict[str, int]:
    """Sum of the lines of *roles* per currency, exact."""
    out: dict[str, int] = {}
    for ln in lines:
        if ln.role in roles:
            out[ln.currency] = out.get(ln.currency, 0) + int(ln.cents)
    return out


def _joined(parts: list[str], language: str) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {_TOTAL_WORDS[language]['and']} " + parts[-1]


def _main_currency(letter: Letter) -> str:
    totals = amounts_by_currency(letter.lines, ("due", "credit", "open", "paid", "installment"))
    if not totals:
        return letter.fee_currency or ""
    return max(totals, key=lambda c: (totals[c], c))


def _bucket_label(label: str, language: str) -> str:
    w = _TOTAL_WORDS[language]
    if label in ("Not due", "Not yet issued"):
        return w["not_due"]
    if label.startswith("Over "):
        return w["over"].format(n=label[5:])
    return f"{label} {w['days']}"


_ROLE_ORDER = {"due": 0, "open": 0, "paid": 0, "installment": 0, "credit": 1}


def _in_order(lines) -> list[LetterLine]:
    """Past-due items oldest first, then the credits; a statement's items by due date; a
    receipt's and a plan's as given."""
    far = dt.date.max
    return sorted(lines, key=lambda ln: (_ROLE_ORDER.get(ln.role, 0),
                                         ln.due_date or far if ln.role in ("due", "open",
                                                                           "credit") else far))


#: Characters of the customer's reference that fit its column (the rest is cut, marked …).
_REF_CHARS = 16


def _fit(text: str, width: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _rows(letter: Letter, cur: str) -> list[dict]:
    lang = letter.language
    types = DOC_TYPE_WORDS[lang]
    day = _main_currency(letter)  # one way of writing dates per letter, whatever the currency
    rows = []
    for ln in _in_order(letter.lines):
        if ln.currency != cur:
            continue
        if ln.role == "installment":
            rows.append({"number": ln.document, "due": _long(ln.due_date, lang, day),
                         "amount": money_text(ln.cents, cur, lang), "document": ln.document,
                         "type": "", "date": "", "days": "", "ref": ""})
            continue
        rows.append({
            "document": ln.document, "type": types.get(ln.doc_type, ln.doc_type),
            "date": _short(ln.doc_date, lang, day), "due": _short(ln.due_date, lang, day),
            # Days overdue mean something for what the customer owes, not for a credit.
            "days": str(ln.days_past_due) if ln.days_past_due > 0 and ln.cents > 0 else "",
            "ref": _fit(ln.reference, _REF_CHARS), "amount": money_text(ln.cents, cur, lang),
            "number": "",
        })
    return rows


def _group(letter: Letter, cur: str) -> dict:
    """One currency's table: rows, the totals under them, and the final total."""
    lang = letter.language
    w = _TOTAL_WORDS[lang]
    mine = [ln for ln in letter.lines if ln.currency == cur]
    totals: list[dict] = []
    if letter.kind == "statement":
        label, total = w["balance"], sum(ln.cents for ln in mine)
        for name, _edge, cents in _bucket_sums(letter, mine):
            totals.append({"label": _bucket_label(name, lang),
                           "amount": money_text(cents, cur, lang)})
    elif letter.kind == "credit_memo":
        label, total = w["balance"], sum(ln.cents for ln in mine)
    elif letter.kind == "payment_receipt":
        label, total = w["paid"], sum(ln.cents for ln in mine)
    elif letter.kind == "payment_plan":
        label, total = w["plan"], sum(ln.cents for ln in mine)
    else:
        debits = sum(ln.cents for ln in mine if ln.role == "due")
        credits = sum(ln.cents for ln in mine if ln.role == "credit")
        if credits:
            totals = [{"label": w["past_due"], "amount": money_text(debits, cur, lang)},
                      {"label": w["credits"], "amount": money_text(credits, cur, lang)}]
        label, total = w["due"], debits + credits
    return {"currency": cur, "rows": _rows(letter, cur), "totals": totals,
            "total_label": label, "total": money_text(total, cur, lang), "total_cents": total}


def _bucket_sums(letter: Letter, lines) -> list[tuple[str, int | None, int]]:
    """A statement's aging: (label, upper edge, cents) for every bucket with items."""
    out = []
    lower = None
    for label, edge in letter.buckets:
        cents = sum(ln.cents for ln in lines
                    if (lower is None or ln.days_past_due > lower)
                    and (edge is None or ln.days_past_due <= edge))
        if cents:
            out.append((label, edge, cents))
        lower = edge
    return out


def letter_subject(letter: Letter, groups: list[dict] | None = None) -> str:
    lang, cur = letter.language, _main_currency(letter)
    groups = groups if groups is not None else [_group(letter, c) for c in _currencies(letter)]
    details = dict(letter.details or {})
    amount = _joined([g["total"] for g in groups], lang)
    level = letter.level or 1
    return subject_line(letter.kind, lang, customer_id=letter.customer_id,
                        pay_by=_long(letter.as_of + dt.timedelta(days=PAY_DAYS[level]), lang,
                                     cur),
                        date=_long(letter.as_of, lang, cur), amount=amount,
                        document=details.get("document", ""),
                        title=details.get("title") or KIND_NAMES[lang]["special"])


def _currencies(letter: Letter) -> list[str]:
    return sorted({ln.currency for ln in letter.lines})


def _charges(letter: Letter, groups: list[dict]) -> tuple[str, str]:
    """(the sentence about a fee and interest, the total to pay), in the letter's language."""
    lang = letter.language
    interest = sum(ln.interest_cents for ln in letter.lines)
    due = {g["currency"]: g["total_cents"] for g in groups}
    cur = letter.fee_currency or _main_currency(letter)
    if not letter.fee_cents and not interest:
        return "", _joined([g["total"] for g in groups], lang)
    words = _CHARGES[lang]
    what = []
    if letter.fee_cents:
        what.append(words["fee"].format(fee=money_text(letter.fee_cents, cur, lang)))
    if interest:
        what.append(words["interest"].format(interest=money_text(interest, cur, lang),
                                             rate=letter.interest_rate,
                                             date=_long(letter.as_of, lang, cur)))
    due[cur] = due.get(cur, 0) + letter.fee_cents + interest
    total = _joined([money_text(v, c, lang) for c, v in sorted(due.items())], lang)
    plural = len(what) > 1
    verb = ("have" if plural else "has") if lang == "en" else ("han" if plural else "ha")
    return words["sentence"].format(what=_joined(what, lang), verb=verb, total=total), total


def letter_context(letter: Letter, company: Company, signature: Signature) -> dict:
    """Everything the letter's template is filled with (see the module docstring)."""
    lang = letter.language
    cur = _main_currency(letter)
    groups = [_group(letter, c) for c in _currencies(letter)]
    level = letter.level or 1
    charges, total_to_pay = _charges(letter, groups)
    contact = " · ".join(p for p in (company.phone, company.email) if p)
    footer = " · ".join(p for p in (company.name, ", ".join(company.address_lines[:2]),
                                    company.email) if p)
    words = NOT_INCLUDED_WORDS[lang]
    ctx = {
        "company": {"name": company.name, "address_line": " · ".join(company.address_lines),
                    "contact_line": contact, "phone": company.phone, "email": company.email,
                    "footer_line": footer},
        "signature": {"name": signature.name, "title": signature.title},
        "customer": {"id": letter.customer_id, "name": letter.customer_name,
                     "address_lines": [x.strip() for x in letter.address.splitlines()
                                       if x.strip()]},
        "date": _long(letter.as_of, lang, cur),
        "subject": letter_subject(letter, groups),
        "salutation": SALUTATIONS[lang],
        "letter_name": KIND_NAMES[lang][letter.kind],
        "groups": groups,
        "amount_due": _joined([g["total"] for g in groups], lang),
        "total_to_pay": total_to_pay,
        "charges": charges,
        "pay_by": _long(letter.as_of + dt.timedelta(days=PAY_DAYS[level]), lang, cur),
        "last_letter_date": _long(letter.last_letter_date, lang, cur)
        if letter.last_letter_date else "",
        "not_included": ", ".join(f"{d} ({words.get(code, code)})"
                                  for d, code in letter.not_included),
        "special_paragraphs": [],
    }
    details = dict(letter.details or {})
    if letter.kind == "payment_receipt":
        ctx["receipt"] = {
            "paid_on": _long(details["paid_on"], lang, cur),
            "amount": money_text(details["amount_cents"], details["currency"], lang),
            "last4": details["last4"], "auth_code": details.get("auth_code", ""),
            "taken_by": details.get("taken_by", "") or signature.name}
    elif letter.kind == "payment_plan":
        ctx["plan"] = {
            "total": money_text(details["total_cents"], details["currency"], lang),
            "installments": details["installments"],
            "frequency": _FREQUENCY[lang].get(details["frequency"], details["frequency"]),
            "first_date": _long(details["first_date"], lang, cur),
            "documents": details.get("documents", "")}
    elif letter.kind == "promise_to_pay":
        ctx["promise"] = {
            "amount": money_text(details["amount_cents"], details["currency"], lang),
            "promised_date": _long(details["promised_date"], lang, cur),
            "promised_on": _long(details["promised_on"], lang, cur),
            "contact": details.get("contact", "")}
    elif letter.kind == "credit_memo":
        ctx["credit"] = {
            "document": details["document"],
            "date": _long(details["date"], lang, cur) if details.get("date") else "",
            "amount": money_text(abs(details["amount_cents"]), details["currency"], lang),
            "invoice": details.get("invoice", "")}
    elif letter.kind == "special":
        text = str(details.get("text", ""))
        ctx["special_paragraphs"] = [p.strip() for p in text.replace("\r", "").split("\n\n")
                                     if p.strip()] or [text]
    return ctx


def installment_lines(schedule, currency: str, language: str) -> tuple[LetterLine, ...]:
    """A payment plan's schedule (:func:`xlar.collections.plan_schedule`) as table rows."""
    of = _TOTAL_WORDS[language]["of"]
    n = len(schedule)
    return tuple(LetterLine(f"{i.number} {of} {n}", "", None, i.due_date, 0, "",
                            int(i.amount_cents), currency, "installment") for i in schedule)
