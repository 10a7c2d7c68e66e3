"""What a specialist types on the Adjustments sheet, one request a row, parsed.

Pure: a row's cells in (field -> value, as the sheet holds them), an
:class:`AdjustmentRequest` out, with the reasons it cannot go ahead when the
cells themselves are wrong (an unknown type, an amount that is not a number).
Whether the request makes sense against the ledger (does the invoice exist,
is it within authority) is decided later, in :mod:`xlar.adjustments.drafts`.

Words are matched loosely, in English and Spanish: ``Credit Memo``, ``CM``,
``Nota de crédito``; ``Credit and rebill``, ``Revised invoice``; ``Write-off``,
``Castigo``; ``Refund``, ``Reembolso``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from xlar.money import parse_amount
from xlar.store.api import stable_key
from xlar.text import normalise_header

__all__ = ["KINDS", "KIND_LABELS", "CREDIT_REASONS", "WRITE_OFF_REASONS", "REFUND_REASONS",
           "REFUND_METHODS", "RequestLine", "AdjustmentRequest", "parse_request",
           "parse_lines", "request_id", "REQUEST_FIELDS", "reason_label"]

#: The kinds of request, and how the sheet shows them.
KIND_LABELS = {
    "credit_memo": "Credit memo",
    "rebill": "Credit and rebill",
    "invoice": "Invoice",
    "write_off": "Write-off",
    "refund": "Refund",
}
KINDS = tuple(KIND_LABELS)

_KIND_WORDS = {
    "credit memo": "credit_memo", "credit": "credit_memo", "cm": "credit_memo",
    "credit note": "credit_memo", "nota de credito": "credit_memo", "abono": "credit_memo",
    "credit and rebill": "rebill", "credit rebill": "rebill", "rebill": "rebill",
    "credit re bill": "rebill", "revised invoice": "rebill", "refacturacion": "rebill",
    "factura corregida": "rebill", "factura rectificativa": "rebill",
    "invoice": "invoice", "manual invoice": "invoice", "factura": "invoice",
    "write off": "write_off", "writeoff": "write_off", "wo": "write_off",
    "castigo": "write_off", "cancelacion": "write_off", "bad debt": "write_off",
    "refund": "refund", "reembolso": "refund", "devolucion": "refund",
}

#: Reason codes a credit memo (or the credit of a rebill) may carry.
CREDIT_REASONS = ("pricing", "quantity", "returned_goods", "damaged", "tax", "promotion",
                  "billing_error")
#: Reason codes of write-offs.
WRITE_OFF_REASONS = ("small_balance", "bad_debt", "dispute_lost")
#: Reason codes of refunds.
REFUND_REASONS = ("overpayment", "credit_balance")
#: How a refund is paid out.
REFUND_METHODS = ("check", "ach", "wire", "card")

_REASON_WORDS = {normalise_header(r.replace("_", " ")): r
                 for r in (*CREDIT_REASONS, *WRITE_OFF_REASONS, *REFUND_REASONS)} | {
    "price": "pricing", "precio": "pricing", "qty": "quantity", "cantidad": "quantity",
    "quantity short": "quantity", "return": "returned_goods", "returned": "returned_goods",
    "returns": "returned_goods", "devolucion": "returned_goods", "damage": "damaged",
    "danado": "damaged", "danada": "damaged", "impuesto": "tax", "promo": "promotion",
    "promocion": "promotion", "allowance": "promotion", "billing": "billing_error",
    "error": "billing_error", "error de facturacion": "billing_error",
    "small": "small_balance", "saldo menor": "small_balance", "bad": "bad_debt",
    "incobrable": "bad_debt", "dispute": "dispute_lost", "disputa perdida": "dispute_lost",
    "overpaid": "overpayment", "pago en exceso": "overpayment", "credit": "credit_balance",
    "saldo a favor": "credit_balance",
}
_METHOD_WORDS = {"check": "check", "cheque": "check", "ach": "ach", "eft": "ach",
                 "wire": "wire", "transfer": "wire", "transferencia": "wire", "card": "card",
                 "credit card": "card", "tarjeta": "card"}
_TAX_WORDS = {"": "", "taxable": "taxable", "tax": "taxable", "yes": "taxable",
              "gravado": "taxable", "exempt": "exempt", "tax exempt": "exempt", "no": "exempt",
              "exento": "exempt"}

#: The sheet fields a specialist types (the rest of the Adjustments table is xlar's).
REQUEST_FIELDS = ("kind", "customer_id", "document", "amount", "quantity", "unit_price",
                  "lines", "reason_code", "tax", "po_number", "bill_to", "refund_method", "note")


def reason_label(code: str) -> str:
    return code.replace("_", " ")


class RequestLine(NamedTuple):
    """One line of an invoice or credit: quantity x unit price (in currency units)."""

    description: str
    quantity: Decimal
    unit_price: Decimal


class AdjustmentRequest(NamedTuple):
    """One row of the Adjustments sheet.

    Attributes:
      row: the row's position in the sheet's table (1-based), for messages.
      request_id: stable ID from what was typed: the same row typed twice, or
        posted twice, is one request (the idempotency key of its posting).
      kind: one of :data:`KINDS` ('' when not understood).
      customer_id, document: the account, and the document adjusted (the
        original invoice of a credit or rebill, the item written off, the
        credit refunded); '' for a new invoice.
      amount: typed amount in currency units, or None when blank.  Credit
        memos, write-offs and refunds: the amount off (or onto) the balance,
        tax included; invoices and rebills: the new price before tax.
      lines: invoice or rebill lines (from Quantity/Unit Price or Lines).
      reason_code, tax ('', 'taxable', 'exempt'), po_number, bill_to,
      refund_method, note: as typed, normalised.
      typed_id: the Request ID cell as found (links a row to what it posted).
      errors: what is wrong with the cells themselves.
    """

    row: int
    request_id: str
    kind: str
    customer_id: str
    document: str
    amount: Decimal | None
    lines: tuple[RequestLine, ...]
    reason_code: str
    tax: str
    po_number: str
    bill_to: str
    refund_method: str
    note: str
    typed_id: str = ""
    errors: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, "adjustment")


def _text(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()[:10]
    return str(v).strip()


def _decimal(v, label: str, errors: list[str]) -> Decimal | None:
    """A typed number as a Decimal in currency units (up to 4 decimals, for unit prices)."""
    if _text(v) == "":
        return None
    cents, why = parse_amount(v, ".", 4)
    if why:
        errors.append(f"{label}: {why}")
        return None
    d = Decimal(cents).scaleb(-4).normalize()
    # 80, not 8E+1: the same number always reads (and hashes) the same
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d


_LINE = re.compile(r"^\s*(?:(?P<qty>\d+(?:[.,]\d+)?)\s*(?:x|×|\*)\s*)?(?P<desc>.*?)\s*@\s*"
                   r"(?P<price>.+?)\s*$", re.IGNORECASE)


def parse_lines(text: str) -> tuple[tuple[RequestLine, ...], list[str]]:
    """``'2 x Widget @ 15.00; 1 x Freight @ 5.00'`` -> lines, and what could not be read."""
    lines, errors = [], []
    for part in re.split(r"[;\n]", text or ""):
        if not part.strip():
            continue
        m = _LINE.match(part)
        if m is None:
            errors.append(f"line {part.strip()!r} is not 'quantity x description @ price'")
            continue
        price = _decimal(m.group("price"), f"price of line {part.strip()!r}", errors)
        try:
            qty = Decimal((m.group("qty") or "1").replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
            qty = None
        if price is None or qty is None:
            continue
        if qty <= 0:
            errors.append(f"line {part.strip()!r}: quantity must be more than zero")
            continue
        lines.append(RequestLine(m.group("desc").strip() or "Item", qty, price))
    return tuple(lines), errors


def request_id(kind, customer_id, document, amount, lines, reason, tax, po, bill_to,
               method, note) -> str:
    """The request's stable ID: a hash of what was typed (after normalising)."""
    key = stable_key(kind, customer_id.upper(), document.upper(),
                     "" if amount is None else f"{amount:f}",
                     [(d, f"{q:f}", f"{p:f}") for d, q, p in lines], reason, tax, po, bill_to,
                     method, note)
    return "ADJ-" + key[:12].upper()


def parse_request(row: int, cells: dict) -> AdjustmentRequest | None:
    """One typed row -> a request (None for a blank row)."""
    typed = {f: _text(cells.get(f)) for f in REQUEST_FIELDS}
    if not any(typed.values()):
        return None
    errors: list[str] = []
    kind_text = typed["kind"]
    kind = _KIND_WORDS.get(normalise_header(kind_text), "")
    if not kind:
        choices = ", ".join(KIND_LABELS.values())
        errors.append(f"type {kind_text!r} is not one of {choices}" if kind_text else
                      f"the type is missing: use one of {choices}")
    customer = typed["customer_id"]
    if not customer:
        errors.append("the customer is missing")
    amount = _decimal(cells.get("amount"), "amount", errors)
    lines, line_errors = parse_lines(typed["lines"])
    errors += line_errors
    qty = _decimal(cells.get("quantity"), "quantity", errors)
    price = _decimal(cells.get("unit_price"), "unit price", errors)
    if qty is not None or price is not None:
        if qty is None or price is None:
            errors.append("give both Quantity and Unit Price (or neither)")
        elif qty <= 0:
            errors.append("quantity must be more than zero")
        else:
            desc = typed["note"] or reason_label(typed["reason_code"]) or "Item"
            lines = (RequestLine(desc, qty, price), *lines)
    reason = ""
    if typed["reason_code"]:
        reason = _REASON_WORDS.get(normalise_header(typed["reason_code"]), "")
        if not reason:
            errors.append(f"reason code {typed['reason_code']!r} is not known; use one of "
                          f"{', '.join(reason_label(r) for r in _reasons_for(kind))}")
    tax = _TAX_WORDS.get(normalise_header(typed["tax"]))
    if tax is None:
        errors.append(f"Tax {typed['tax']!r} is 'taxable', 'exempt' or blank (the customer's "
                      "status)")
        tax = ""
    method = ""
    if typed["refund_method"]:
        method = _METHOD_WORDS.get(normalise_header(typed["refund_method"]), "")
        if not method:
            errors.append(f"refund method {typed['refund_method']!r} is one of "
                          f"{', '.join(REFUND_METHODS)}")
    rid = request_id(kind or kind_text, customer, typed["document"], amount, lines, reason, tax,
                     typed["po_number"], typed["bill_to"], method, typed["note"])
    return AdjustmentRequest(row, rid, kind, customer, typed["document"], amount, lines, reason,
                             tax, typed["po_number"], typed["bill_to"], method, typed["note"],
                             _text(cells.get("request_id")), tuple(errors))


def _reasons_for(kind: str) -> tuple[str, ...]:
    return {"write_off": WRITE_OFF_REASONS, "refund": REFUND_REASONS}.get(kind, CREDIT_REASONS)
