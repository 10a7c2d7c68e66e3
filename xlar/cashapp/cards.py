"""Card payments taken by phone, as the specialist types them.

The workbook has a ``Card Payments`` sheet: Date, Customer ID, Invoices,
Amount, Currency, Authorisation Code, Card Last Four, Taken By, Note.  The
caller reads the sheet into a DataFrame (header texts as columns) and
:func:`read_card_payments` turns it into payments (``kind="card"``, the
authorisation code as ``bank_reference``) and remittances: one per invoice
listed; when several invoices share one amount, their amounts are left 0,
meaning "apply in order".

**A full card number is never stored.**  Card data may not sit in a
workbook, a log or the activity store (PCI DSS allows the last four digits,
no more).  A row where any cell holds something that looks like a card
number is rejected, and the number is masked (``**** **** **** 1111``) in
the rejection's raw text; it appears nowhere in what this module returns.
:func:`looks_like_card_number` and :func:`mask_card_numbers` are the rule,
for anyone who keeps text that a person typed (notes, logs, the store).

What looks like a card number: 13 to 19 digits, single spaces or dashes
between them allowed, passing the Luhn check (the check digit every card
number carries, which catches most numbers that are not card numbers);
also such a number at the start or the end of a longer run of digit groups
("4111 1111 1111 1111 123": the card and its security code), unless the
run is glued to letters (an IBAN, "DE89 3704 0044 0532 0130 00").  A
number typed into a cell as a number is checked too, and one of 16 to 19
digits always counts: Excel keeps only 15 significant digits, so a card
number typed as a number has lost its check digit but is still a card number.

The card field itself (Card Last Four) is held to more: any run of 13 or
more digits there is taken for a card number, Luhn or not
(:func:`card_field_has_card_number`), because a card number with a typo in
it fails the Luhn check and is still the customer's card number.  Free text
(notes, invoice lists, references) keeps the Luhn rule: there a long number
that fails it is far more often an order or reference number than a card.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd

from xlar.cashapp.checks import documents_in_text
from xlar.cashapp.model import PaymentsResult, payment_frame, remittance_frame
from xlar.cashapp.remittance import (
    Rejected,
    file_decimal,
    numbered_payment_ids,
    read_dates,
    rejection_frame,
    sums_by_currency,
)
from xlar.imports.common import Control
from xlar.imports.files import cell_text, row_text
from xlar.imports.mapping import HEADER_SYNONYMS, column_lookup, fields_of
from xlar.money import format_money, is_currency, minor_digits, parse_amount

__all__ = ["read_card_payments", "looks_like_card_number", "mask_card_numbers",
           "card_field_has_card_number", "mask_card_field", "CARD_HEADERS",
           "FULL_CARD_NUMBER"]

#: The reason a row with a full card number is rejected.
FULL_CARD_NUMBER = "a full card number was typed; enter only the last four digits"

#: Field -> header spellings of the Card Payments sheet.
CARD_HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("date", "payment date", "date taken", "fecha", "fecha de pago", "fecha pago"),
    "customer_id": ("customer id", "customer", "customer no", "customer number", "customer #",
                    "account", "account no", "cliente", "no cliente", "id cliente",
                    "numero de cliente", "codigo cliente"),
    "invoices": ("invoices", "invoice", "invoice numbers", "invoice no", "invoices paid",
                 "facturas", "factura", "documentos"),
    "amount": ("amount", "amount paid", "importe", "monto", "importe pagado"),
    "currency": HEADER_SYNONYMS["currency"],
    "authorisation": ("authorisation code", "authorization code", "authorisation",
                      "authorization", "auth code", "auth", "auth no", "approval code",
                      "approval", "codigo de autorizacion", "codigo autorizacion",
                      "autorizacion", "cod autorizacion"),
    "last_four": ("card last four", "last four", "last 4", "card last 4", "last four digits",
                  "card ending", "ultimos cuatro", "ultimos 4", "ultimos cuatro digitos",
                  "ultimos 4 digitos"),
    "taken_by": ("taken by", "entered by", "agent", "user", "specialist", "tomado por",
                 "recibido por", "atendido por", "usuario"),
    "note": ("note", "notes", "memo", "comment", "comments", "nota", "notas", "observaciones",
             "comentario", "comentarios"),
}
_LOOKUP = column_lookup(CARD_HEADERS)
_REQUIRED = {"date": "Date", "customer_id": "Customer ID", "amount": "Amount",
             "authorisation": "Authorisation Code", "last_four": "Card Last Four"}

# ---------------------------------------------------------------------------
# The card number rule

#: One character that may stand between two digits of a typed card number:
#: spaces (plain, no-break, thin) and dashes (hyphen, en/em dash, minus).
DIGIT_SEPARATORS = " \t\u00a0\u2007\u2009\u202f-\u2010\u2011\u2012\u2013\u2014\u2212"
_SEP = "[" + re.escape(DIGIT_SEPARATORS) + "]"
_DIGIT_RUN = re.compile(rf"\d(?:{_SEP}?\d)*")
_GROUP = re.compile(r"\d+")
_MIN_DIGITS, _MAX_DIGITS = 13, 19


def _luhn_ok(digits: str) -> bool:
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch)  # any Unicode decimal digit: a full-width ４ is a 4 to a person
        if k % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_card(digits: str) -> bool:
    return _MIN_DIGITS <= len(digits) <= _MAX_DIGITS and _luhn_ok(digits)


def _card_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of every card number in *text*, left to right, not overlapping."""
    spans = []
    for run in _DIGIT_RUN.finditer(text):
        groups = [(run.start() + g.start(), run.start() + g.end(), g.group())
                  for g in _GROUP.finditer(run.group())]
        whole = "".join(g[2] for g in groups)
        if _is_card(whole):
            spans.append((run.start(), run.end(), whole))
            continue
        before = text[run.start() - 1] if run.start() else ""
        after = text[run.end()] if run.end() < len(text) else ""
        if len(groups) < 2 or before.isalpha() or after.isalpha():
            continue
        # A card followed by its security code or expiry, or preceded by a
        # short number: the longest run of whole groups at either end.
        for k in range(len(groups) - 1, 0, -1):
            digits = "".join(g[2] for g in groups[:k])
            if _is_card(digits):
                spans.append((groups[0][0], groups[k - 1][1], digits))
                break
        for k in range(1, len(groups)):
            digits = "".join(g[2] for g in groups[k:])
            if _is_card(digits) and (not spans or spans[-1][1] <= groups[k][0]):
                spans.append((groups[k][0], groups[-1][1], digits))
                break
    return spans


def _typed_as_number(value) -> str | None:
    """The digits of a whole number held as a number (not text), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return str(abs(int(value)))
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and \
            float(value).is_integer():
        return str(abs(int(value)))
    return None


def _number_is_card(digits: str) -> bool:
    # Excel keeps 15 significant digits: 4111111111111111 typed into a cell
    # is stored as 4111111111111110, which fails the Luhn check but is
    # still the first fifteen digits of a card.
    return 16 <= len(digits) <= _MAX_DIGITS or _is_card(digits)


def looks_like_card_number(text) -> bool:
    """True when *text* holds something that looks like a full payment card number.

    *text* may be any cell value: a number typed into a cell is checked as
    a number (see the module docstring); None and NaN are not card numbers.
    """
    digits = _typed_as_number(text)
    if digits is not None:
        return _number_is_card(digits)
    return bool(_card_spans(_text_of(text)))


def mask_card_numbers(text) -> str:
    """*text* with every card number in it masked as ``**** **** **** 1234``.

    Text without a card number comes back unchanged.  Masking repeats until
    nothing card-like is left, so the last four digits shown can never join
    the digits next to them into another card number.
    """
    digits = _typed_as_number(text)
    if digits is not None:
        return _mask(digits) if _number_is_card(digits) else _text_of(text)
    out = _text_of(text)
    while True:
        spans = _card_spans(out)
        if not spans:
            return out
        for start, end, digits in reversed(spans):
            out = out[:start] + _mask(digits) + out[end:]


def _long_runs(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of every run of 13 or more digits in *text*, Luhn or not."""
    out = []
    for run in _DIGIT_RUN.finditer(text):
        digits = "".join(_GROUP.findall(run.group()))
        if len(digits) >= _MIN_DIGITS:
            out.append((run.start(), run.end(), digits))
    return out


def card_field_has_card_number(value) -> bool:
    """True when the card field (Card Last Four) holds more than a card's last digits:
    13 or more digits in a run (spaces or dashes between groups allowed), whether
    or not they pass the Luhn check, typed as text or as a number."""
    digits = _typed_as_number(value)
    if digits is not None:
        return len(digits) >= _MIN_DIGITS
    return bool(_long_runs(_text_of(value))) or looks_like_card_number(value)


def mask_card_field(value) -> str:
    """The card field's text with every run of 13 or more digits masked
    (``**** **** **** 1112``), and any card number as :func:`mask_card_numbers` does."""
    digits = _typed_as_number(value)
    if digits is not None:
        return _mask(digits) if len(digits) >= _MIN_DIGITS else _text_of(value)
    out = _text_of(value)
    while spans := _long_runs(out):
        for start, end, digits in reversed(spans):
            out = out[:start] + _mask(digits) + out[end:]
    return mask_card_numbers(out)


def _mask(digits: str) -> str:
    return "**** **** **** " + digits[-4:]


def _text_of(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return value if isinstance(value, str) else cell_text(value)


# ---------------------------------------------------------------------------
# The sheet


#: An authorisation code as a terminal or gateway shows it: six letters and
#: digits on most networks (ISO 8583 field 38); 4 to 8 are accepted, with
#: at least one digit, so "OK", "approved" or "yes" are not taken for one.
_AUTH_CODE = re.compile(r"(?=[A-Z]*\d)[A-Z0-9]{4,8}")
_LAST_FOUR = re.compile(r"[0-9]{4}")


def read_card_payments(frame: pd.DataFrame, display: str = "Card Payments",
                       sheet: str = "Card Payments", *, currency: str = "USD",
                       first_line: int = 2) -> PaymentsResult:
    """Card payments from the typed sheet (its header texts as the frame's columns).

    *display* and *sheet* name where the rows came from in every message;
    *first_line* is the sheet row of the frame's first row (2: the header
    is row 1); *currency* is the currency of rows that name none.  Every
    row is accepted or rejected; blank rows are counted and skipped.
    """
    labels = [_text_of(c) for c in frame.columns]
    found = fields_of(labels, _LOOKUP)
    shown = [mask_card_numbers(x) for x in labels]
    decisions = ["recognised the columns: " + ", ".join(
        f"{f} <- {shown[i]!r}" for f, i in sorted(found.items(), key=lambda kv: kv[1]))]
    unknown = [shown[i] for i, x in enumerate(labels) if x and i not in found.values()]
    if unknown:
        decisions.append("columns not read: " + ", ".join(map(repr, unknown)))
    missing = [name for f, name in _REQUIRED.items() if f not in found]
    if missing:
        decisions.append(f"the sheet has no {', '.join(missing)} column: every row is rejected")

    cells = frame.to_numpy(dtype=object)
    n = len(cells)

    def column(field: str) -> list:
        return [row[found[field]] for row in cells] if field in found else [""] * n

    decimal, why = file_decimal(column("amount"))
    decisions += why
    dates, why = read_dates(column("date"))
    decisions += why

    skipped: Counter = Counter()
    rejected: list[Rejected] = []
    payments, remittances, id_parts = [], [], []
    amounts_rejected: list[tuple[int, str]] = []
    first_auth: dict[str, int] = {}
    in_order = 0
    # The column where only a card's last four digits belong: held to the strict rule.
    card_field = found.get("last_four")
    for i, row in enumerate(cells):
        line = first_line + i
        if not any(_text_of(v) for v in row):
            skipped["blank"] += 1
            continue
        raw = mask_card_numbers(row_text(
            mask_card_field(v) if c == card_field else mask_card_numbers(v)
            for c, v in enumerate(row)))
        if any(card_field_has_card_number(v) if c == card_field else looks_like_card_number(v)
               for c, v in enumerate(row)):
            # Nothing else of the row is said back: any other message could quote the number.
            rejected.append(Rejected(sheet, line, raw, FULL_CARD_NUMBER))
            continue
        value = {f: row[c] for f, c in found.items()}
        problems = [f"the sheet has no {name} column" for name in missing]
        text = {f: _text_of(value.get(f)) for f in CARD_HEADERS}
        cur = text["currency"].upper() or currency.upper()
        if not is_currency(cur):
            problems.append(f"currency {text['currency']!r} is not an ISO 4217 code")
            cur = currency.upper()
        digits = minor_digits(cur)
        if "date" in found and not dates.ok[i]:
            problems.append("date is missing" if dates.empty[i] else dates.reason[i])
        if "customer_id" in found and not text["customer_id"]:
            problems.append("Customer ID is missing")
        amount = None
        if "amount" in found:
            amount, bad = parse_amount(value["amount"], decimal, digits)
            if bad:
                problems.append(bad)
            elif amount <= 0:
                problems.append(f"amount {text['amount']!r} is not a payment (must be more "
                                "than 0; a refund is not entered here)")
        auth = text["authorisation"].upper()
        if "authorisation" in found:
            if not auth:
                problems.append("Authorisation Code is missing (the code the card terminal "
                                "or gateway gave when it approved the payment)")
            elif not _AUTH_CODE.fullmatch(auth):
                problems.append(f"Authorisation Code {text['authorisation']!r} is not one: "
                                "4 to 8 letters and digits, as the terminal shows it")
        last_four = _last_four_text(value.get("last_four"))
        if "last_four" in found and not _LAST_FOUR.fullmatch(last_four):
            problems.append(_last_four_problem(value.get("last_four"), last_four))
        docs, bad_docs = documents_in_text(text["invoices"], decimal, digits)
        problems += bad_docs
        stated = [d.amount_cents for d in docs]
        if amount is not None and any(a is not None for a in stated):
            if None in stated:
                problems.append("give an amount for every invoice listed, or for none")
            elif sum(stated) != amount:
                problems.append(f"the invoice amounts add up to {format_money(sum(stated), cur)}"
                                f", the payment is {format_money(amount, cur)}")
        if not problems and auth in first_auth:
            problems.append(f"Authorisation Code {auth} was already entered on row "
                            f"{first_auth[auth]} (the same payment twice?)")
        if problems:
            rejected.append(Rejected(sheet, line, raw, "; ".join(problems)))
            if amount is not None:
                amounts_rejected.append((amount, cur))
            continue
        first_auth[auth] = line
        date = dates.dates[i]
        payments.append({
            "source_file": display, "source_sheet": sheet, "source_line": line,
            "booking_date": date, "value_date": date, "amount_cents": amount, "currency": cur,
            "kind": "card", "bank_reference": auth, "payer_account": "**** " + last_four,
            "customer_reference": text["customer_id"],
            "remittance": " / ".join(t for t in (text["invoices"], text["note"],
                                                 f"taken by {text['taken_by']}"
                                                 if text["taken_by"] else "") if t),
        })
        id_parts.append(("card", str(date)[:10], text["customer_id"], auth, last_four, cur,
                         amount))
        if len(docs) > 1 and all(a is None for a in stated):
            in_order += 1
        for d in docs:
            share = d.amount_cents if d.amount_cents is not None else \
                (amount if len(docs) == 1 else 0)
            remittances.append({"payment_index": len(payments) - 1, "document": d.document,
                                "doc_type": d.doc_type, "amount_cents": share,
                                "source_line": line})
    if in_order:
        decisions.append(f"{in_order} payment(s) list several invoices and one amount: their "
                         "invoice amounts are left 0, to be applied in the order listed")
    ids = numbered_payment_ids(id_parts)
    for rec, pid in zip(payments, ids, strict=True):
        rec["payment_id"] = pid
    for rec in remittances:
        rec["payment_id"] = ids[rec.pop("payment_index")]

    control = Control(
        file=display, layout="card payments", lines_read=n, data_rows=n - skipped["blank"],
        accepted=len(payments), rejected=len(rejected), skipped=dict(skipped),
        totals_read=sums_by_currency((p["amount_cents"], p["currency"]) for p in payments),
        totals_rejected=sums_by_currency(amounts_rejected), checks=(),
        decisions=tuple(dict.fromkeys(decisions)))
    return PaymentsResult(payment_frame(payments), remittance_frame(remittances),
                          rejection_frame(display, rejected), control)


def _last_four_text(value) -> str:
    digits = _typed_as_number(value)
    return digits if digits is not None else _text_of(value)


def _last_four_problem(value, text: str) -> str:
    if not text:
        return "Card Last Four is missing (the last four digits of the card)"
    hint = ""
    if _typed_as_number(value) is not None and len(text) < 4:
        hint = " (a number lost its leading zeros: format the column as Text)"
    return f"Card Last Four must be exactly four digits, not {text!r}{hint}"
