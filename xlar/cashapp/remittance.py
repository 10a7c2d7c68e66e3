"""Remittance advices: what a customer says a payment is for.

A customer sends a CSV or a workbook with the payment.  Two shapes are
common, and one file may mix them:

* **one row per document**: payer (or customer), payment reference or
  check number, payment date, document number, amount paid, discount
  taken, deduction and its reason.  The rows that share a payment
  reference (or check number) are one payment; a reference left blank
  under another one continues it, as people type them.  Without any
  reference, the lines of one payer on one date are one payment.
* **a header block**, then the document lines::

      Payer:          Acme Corp
      Payment date:   10/20/2026
      Check number:   50231
      Payment total:  1,234.56
      Invoice | Amount Paid | Discount | Deduction | Reason
      ...

  The block's values apply to every line under it; the next block starts
  a new payment.

Headers are recognised in English and Spanish (Customer/Cliente,
Invoice/Factura, Amount Paid/Importe pagado, Discount/Descuento,
Deduction/Deducción, Reason/Motivo ...; table :data:`REMITTANCE_HEADERS`),
separators and encodings as :func:`xlar.imports.files.read_grids` finds
them, ``1,234.56`` and ``1.234,56`` alike.

What comes out (:class:`~xlar.cashapp.model.PaymentsResult`):

* one payment per payment reference, its amount the sum of its accepted
  lines, ``kind`` from a method column or line ("check", "wire" ...) or
  "check" when only a check number identifies it, else "other";
* one remittance row per document: credit notes negative, the discount and
  the deduction (a short payment) with the payer's reason;
* every line that cannot be used, rejected with its line and a reason;
* each printed total (a block's payment total, a "Total" line) checked
  against the accepted lines it covers: a rejected line makes the check
  fail, because the payment as read is then short of what the payer sent.

The second half of this module holds the steps every cash reader of
sheets and CSV files shares (:func:`scan_sheet` and its helpers);
:mod:`xlar.cashapp.checks` and :mod:`xlar.cashapp.cards` use them.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.cashapp.model import (
    KINDS,
    PaymentsResult,
    payment_frame,
    payment_id,
    remittance_frame,
)
from xlar.dates import detect_column_order, parse_dates
from xlar.imports.common import (
    Control,
    ControlCheck,
    doc_type_of,
    empty_rejections,
)
from xlar.imports.files import Grid, ReadError, cell_text, is_blank_row, read_grids, row_text
from xlar.imports.generic import TOTAL_WORDS
from xlar.imports.mapping import HEADER_SYNONYMS, column_lookup, fields_of, two_row_labels
from xlar.model import CREDIT_TYPES
from xlar.money import detect_decimal_separator, is_currency, minor_digits, parse_amount
from xlar.text import normalise_header

__all__ = [
    "read_remittance_advice",
    "REMITTANCE_HEADERS",
    "METHOD_KINDS",
    "kind_of_method",
    "scan_sheet",
    "SheetScan",
    "TableRow",
    "PrintedFigure",
    "Rejected",
    "rejection_frame",
    "numbered_payment_ids",
    "file_decimal",
    "read_dates",
    "check_printed_totals",
    "cash_control",
    "CUSTOMER_WORDS",
    "sums_by_currency",
    "first_table",
    "resolve_customer_column",
]

#: The words people write for "customer" alone: the customer's name in a
#: remittance advice, the customer number in a check register.
CUSTOMER_WORDS = ("customer", "client", "cliente")

#: Field -> header spellings of a remittance advice's document table.
REMITTANCE_HEADERS: dict[str, tuple[str, ...]] = {
    "payer_name": (
        "payer", "payer name", "paid by", "remitter", "customer name", "company", "company name",
        "pagador", "ordenante", "nombre", "nombre cliente", "nombre del cliente", "razon social",
        "empresa",
    ),
    "customer": CUSTOMER_WORDS,
    "customer_id": (
        "customer id", "customer no", "customer number", "customer #", "customer code",
        "cust no", "cust #", "account", "account no", "account number", "customer account",
        "no cliente", "n cliente", "numero cliente", "numero de cliente", "codigo cliente",
        "cod cliente", "id cliente", "cuenta",
    ),
    "reference": (
        "payment reference", "payment ref", "reference", "ref", "payment no", "payment number",
        "payment #", "payment id", "remittance no", "remittance number", "advice no",
        "advice number", "referencia", "referencia de pago", "referencia pago", "ref pago",
        "no pago", "n pago", "numero de pago", "numero pago", "no remesa", "remesa",
    ),
    "check_number": (
        "check", "check no", "check number", "check #", "cheque", "cheque no", "cheque number",
        "cheque #", "no cheque", "n cheque", "numero de cheque", "numero cheque", "talon",
    ),
    "date": (
        "payment date", "date paid", "paid date", "paid on", "date", "value date", "fecha",
        "fecha de pago", "fecha pago", "fecha valor", "fecha de cobro",
    ),
    "document": (*HEADER_SYNONYMS["document"], "your invoice", "invoice ref", "our invoice",
                 "su factura", "documento pagado", "factura pagada"),
    "doc_type": HEADER_SYNONYMS["doc_type"],
    "amount": (
        "amount paid", "paid", "paid amount", "payment amount", "amount", "net amount",
        "net paid", "amount applied", "importe pagado", "pagado", "importe", "monto pagado",
        "monto", "importe neto", "neto", "importe aplicado", "total pagado",
    ),
    "gross": (
        "invoice amount", "gross amount", "gross", "original amount", "document amount",
        "importe factura", "importe bruto", "bruto", "importe original", "total factura",
        "monto factura",
    ),
    "discount": (
        "discount", "discount taken", "disc", "disc taken", "cash discount",
        "early payment discount",
        "descuento", "dto", "descuento pronto pago", "dto pp", "descuento aplicado",
    ),
    "deduction": (
        "deduction", "deductions", "deduction amount", "short pay", "short paid", "short payment",
        "withheld", "amount withheld", "adjustment", "deduccion", "deducciones",
        "importe deducido", "retencion", "ajuste",
    ),
    "reason": (
        "reason", "deduction reason", "reason code", "comment", "comments", "remarks", "note",
        "motivo", "motivo deduccion", "motivo de la deduccion", "razon", "observaciones",
        "comentario", "comentarios",
    ),
    "method": (
        "method", "payment method", "payment type", "pay method", "forma de pago",
        "medio de pago", "metodo de pago", "tipo de pago",
    ),
    "currency": HEADER_SYNONYMS["currency"],
}

#: Labels of a header block ("Payer: Acme Corp") -> the field they give.
REMITTANCE_BLOCK_LABELS: dict[str, tuple[str, ...]] = {
    "payer_name": ("payer", "payer name", "paid by", "remitter", "from", "customer",
                   "customer name", "company", "client", "pagador", "ordenante", "remitente",
                   "cliente", "empresa", "razon social"),
    "customer_id": ("customer number", "customer no", "customer id", "customer #",
                    "account number", "account no", "our account number", "no cliente",
                    "numero de cliente", "numero cliente", "codigo cliente"),
    "date": ("payment date", "date", "date paid", "value date", "fecha", "fecha de pago",
             "fecha pago", "fecha valor"),
    "reference": ("payment reference", "payment ref", "reference", "payment no", "payment number",
                  "remittance no", "remittance number", "advice no", "advice number",
                  "referencia", "referencia de pago", "no pago", "numero de pago", "no remesa"),
    "check_number": REMITTANCE_HEADERS["check_number"],
    "total": ("total", "payment total", "total payment", "total paid", "amount", "payment amount",
              "total amount", "amount paid", "importe", "importe total", "total pagado",
              "importe pagado", "total pago", "importe del pago", "monto", "monto total"),
    "method": REMITTANCE_HEADERS["method"],
    "currency": HEADER_SYNONYMS["currency"],
}

#: Payment method words -> kind (normalised: lower case, no accents).
METHOD_KINDS: dict[str, str] = {
    "check": "check", "cheque": "check", "chk": "check", "chq": "check", "talon": "check",
    "wire": "wire", "wire transfer": "wire", "transfer": "wire", "bank transfer": "wire",
    "swift": "wire", "transferencia": "wire", "transferencia bancaria": "wire",
    "ach": "ach", "eft": "ach", "direct deposit": "ach", "ccd": "ach", "ctx": "ach",
    "ach credit": "ach", "sepa": "sepa", "sepa transfer": "sepa",
    "sepa credit transfer": "sepa", "transferencia sepa": "sepa", "card": "card",
    "credit card": "card", "debit card": "card", "visa": "card", "mastercard": "card",
    "amex": "card", "tarjeta": "card", "tarjeta de credito": "card", "cash": "cash",
    "efectivo": "cash", "lockbox": "lockbox", "other": "other", "otro": "other",
}
assert set(METHOD_KINDS.values()) <= set(KINDS)

_LOOKUP = column_lookup(REMITTANCE_HEADERS)
_BLOCK_LOOKUP = column_lookup(REMITTANCE_BLOCK_LABELS)
_REQUIRED = (("document",), ("amount", "gross"))
#: Fields a block line can give to the lines under it.
_SHARED = ("payer_name", "customer_id", "date", "reference", "check_number", "method", "currency")


def kind_of_method(word: str) -> str | None:
    """The payment kind a method word names ("Cheque" -> check), None when unknown."""
    key = normalise_header(word)
    if not key:
        return None
    return METHOD_KINDS.get(key) or METHOD_KINDS.get(key.split()[0])


def read_remittance_advice(path: str | os.PathLike, display: str | None = None, *,
                           currency: str = "USD") -> PaymentsResult:
    """Read a customer's remittance advice (CSV, TXT, XLSX, XLS, ODS).

    *display* names the file in every message (its own name by default);
    *currency* is the currency of lines that name none.  A file that cannot
    be read at all (missing, not a spreadsheet, no document table) raises
    :class:`~xlar.imports.files.ReadError`; a line that cannot be used is
    rejected, the rest is read.
    """
    p = Path(path)
    display = display or p.name
    scan = first_table(read_grids(p), display, _LOOKUP, _REQUIRED, _BLOCK_LOOKUP,
                       key_field="document", amount_field="amount",
                       what="a document table (columns like Invoice/Factura and "
                            "Amount Paid/Importe pagado)")
    scan = resolve_customer_column(scan, prefer=("payer_name", "customer_id"))
    return _payments_of_advice(scan, display, currency.upper())


# ---------------------------------------------------------------------------
# From table rows to payments


class _Line(NamedTuple):
    """A document line with every value it has or inherits, typed."""

    row: int              # position in scan.rows
    key: tuple            # the payment it belongs to
    payer: str
    customer: str
    reference: str
    check_number: str
    method: str
    currency: str
    document: str
    doc_type: str
    amount: int
    discount: int
    deduction: int
    reason: str
    problems: tuple[str, ...]


def _payments_of_advice(scan: SheetScan, display: str, default_currency: str) -> PaymentsResult:
    rows = scan.rows
    decisions = list(scan.decisions)
    amount_texts = [r.cells.get(f) for r in rows for f in ("amount", "gross", "discount",
                                                           "deduction")]
    decimal, why = file_decimal([*amount_texts, *(t.figure for t in scan.totals)])
    decisions += why
    dates, why = read_dates([_inherited(scan, r, "date") for r in rows])
    decisions += why
    if "gross" in scan.found and "amount" not in scan.found:
        decisions.append("the advice has no amount-paid column: amount paid = invoice amount "
                         "- discount - deduction")

    lines, carried = _typed_lines(scan, decimal, default_currency)
    if "reference" in scan.found or "check_number" in scan.found:
        if carried:
            decisions.append("lines with a blank payment reference belong to the payment on the "
                             "line above them")
    elif rows and not any(b.values.get("reference") or b.values.get("check_number")
                          for b in scan.blocks):
        decisions.append("the advice names no payment reference: the lines of one payer and "
                         "date are one payment")

    # A payment's facts come from its first line that states them; a later
    # line stating something else cannot be part of the same payment.
    problems = {ln.row: list(ln.problems) for ln in lines}
    facts: dict[tuple, dict[str, tuple[object, int]]] = {}
    for ln in lines:
        f = facts.setdefault(ln.key, {})
        for name, value in (("payer", ln.payer), ("customer", ln.customer),
                            ("currency", ln.currency), ("method", ln.method),
                            ("check_number", ln.check_number),
                            ("date", dates.dates[ln.row] if dates.ok[ln.row] else None)):
            if value in ("", None):
                continue
            first = f.setdefault(name, (value, rows[ln.row].line))
            if first[0] != value:
                problems[ln.row].append(
                    f"the payment {_payment_name(ln)} has {_shown(name, first[0])} on line "
                    f"{first[1]}, this line says {_shown(name, value)}")
        if not dates.ok[ln.row] and not dates.empty[ln.row]:
            problems[ln.row].append(f"payment {dates.reason[ln.row]}")
    for ln in lines:
        if "date" not in facts[ln.key]:
            problems[ln.row].append("payment date is missing (no date on the line, on the other "
                                    "lines of its payment or above the table)")

    accepted = [ln for ln in lines if not problems[ln.row]]
    payments, remittances = [], []
    by_key: dict[tuple, list[_Line]] = {}
    for ln in accepted:
        by_key.setdefault(ln.key, []).append(ln)
    id_parts = []
    for key, group in by_key.items():
        f = facts[key]
        first = group[0]
        total = sum(ln.amount for ln in group)
        date = f["date"][0]
        cur = f.get("currency", (default_currency, 0))[0]
        check = f.get("check_number", ("", 0))[0]
        method = f.get("method", ("", 0))[0]
        kind = kind_of_method(method) or ("check" if check else "other")
        payments.append({
            "source_file": display, "source_sheet": scan.sheet,
            "source_line": rows[first.row].line, "booking_date": date, "value_date": date,
            "amount_cents": total, "currency": cur, "kind": kind,
            "payer_name": f.get("payer", ("", 0))[0],
            "customer_reference": f.get("customer", ("", 0))[0],
            "end_to_end_id": first.reference, "check_number": check,
        })
        id_parts.append(("remittance", payments[-1]["payer_name"],
                         payments[-1]["customer_reference"], str(date)[:10], cur,
                         first.reference, check, total))
        for ln in group:
            remittances.append({
                "payment_index": len(payments) - 1, "document": ln.document,
                "doc_type": ln.doc_type, "amount_cents": ln.amount,
                "discount_cents": ln.discount, "deduction_cents": ln.deduction,
                "deduction_reason": ln.reason, "source_line": rows[ln.row].line,
            })
    unknown_methods = sorted({ln.method for ln in accepted
                              if ln.method and kind_of_method(ln.method) is None})
    if unknown_methods:
        decisions.append("payment method(s) not known, read as 'other': "
                         + ", ".join(map(repr, unknown_methods)))
    ids = numbered_payment_ids(id_parts)
    for rec, pid in zip(payments, ids, strict=True):
        rec["payment_id"] = pid
    for rec in remittances:
        rec["payment_id"] = ids[rec.pop("payment_index")]

    rejected = [Rejected(scan.sheet, rows[ln.row].line, row_text(rows[ln.row].raw),
                         "; ".join(problems[ln.row])) for ln in lines if problems[ln.row]]
    ok_rows = {ln.row for ln in accepted}
    amounts = {ln.row: (ln.amount, ln.currency) for ln in lines if not _amount_unread(ln)}
    checks = check_printed_totals(scan, amounts, ok_rows, decimal, default_currency)
    control = cash_control(
        display, "remittance advice", scan, accepted=len(accepted), rejected=len(rejected),
        totals_read=sums_by_currency((ln.amount, ln.currency) for ln in accepted),
        totals_rejected=sums_by_currency(amounts[ln.row] for ln in lines
                                     if problems[ln.row] and ln.row in amounts),
        checks=checks, decisions=decisions)
    return PaymentsResult(payment_frame(payments), remittance_frame(remittances),
                          rejection_frame(display, rejected), control)


def _inherited(scan: SheetScan, row: TableRow, field: str):
    """A line's own value for *field*, or its block's when the line leaves it blank."""
    own = row.cells.get(field)
    if cell_text(own):
        return own
    return scan.blocks[row.block].values.get(field, "")


def _typed_lines(scan: SheetScan, decimal: str, default_currency: str
                 ) -> tuple[list[_Line], int]:
    """Every table row with its amounts in cents, its payment key and its problems;
    and how many lines took their payment reference from the line above."""
    out: list[_Line] = []
    carried = 0
    previous_ref: dict[int, tuple[str, str]] = {}  # block -> last (reference, check number)
    types, known = (doc_type_of(pd.Series([cell_text(r.cells.get("doc_type")) for r in scan.rows],
                                          dtype=object), {})
                    if scan.rows else ([], []))
    for i, r in enumerate(scan.rows):
        problems: list[str] = []
        text = {f: cell_text(_inherited(scan, r, f)) for f in _SHARED}
        ref, check = text["reference"], text["check_number"]
        if not ref and not check and r.block in previous_ref:
            ref, check = previous_ref[r.block]  # a reference typed once, for the lines below
            carried += 1
        if ref or check:
            previous_ref[r.block] = (ref, check)
        cur = text["currency"].upper() or default_currency
        if not is_currency(cur):
            problems.append(f"currency {text['currency']!r} is not an ISO 4217 code")
            cur = default_currency
        digits = minor_digits(cur)
        document = cell_text(r.cells.get("document"))
        if not document:
            problems.append("document number is missing (which invoice does this line pay?)")

        cells = r.cells
        discount = abs(_cents(cells.get("discount"), "discount:", decimal, digits, problems, 0)
                       or 0)
        deduction = abs(_cents(cells.get("deduction"), "deduction:", decimal, digits, problems,
                               0) or 0)
        amount = _cents(cells.get("amount"), "amount paid:", decimal, digits, problems, None)
        if amount is None and not cell_text(cells.get("amount")):
            # No amount paid: what the invoice was, less what the payer kept.
            gross = _cents(cells.get("gross"), "invoice amount:", decimal, digits, problems,
                           None)
            if gross is not None:
                amount = (abs(gross) - discount - deduction) * (-1 if gross < 0 else 1)
            elif not cell_text(cells.get("gross")):
                problems.append("amount paid is empty")
        amount = amount or 0
        code = cell_text(r.cells.get("doc_type"))
        doc_type = "credit_memo" if amount < 0 else "invoice"
        if code:
            if not known[i]:
                problems.append(f"document type {code!r} is not known (use Invoice or Credit "
                                "Note / Factura or Abono)")
            elif types[i] in CREDIT_TYPES:
                doc_type = "credit_memo"
        if doc_type == "credit_memo":
            amount = -abs(amount)
        key = (r.block, ref or check) if (ref or check) else \
            (r.block, "", text["payer_name"], text["customer_id"], text["date"])
        out.append(_Line(i, key, text["payer_name"], text["customer_id"], ref, check,
                         text["method"], cur, document, doc_type, amount, discount, deduction,
                         cell_text(r.cells.get("reason")), tuple(problems)))
    return out, carried


def _cents(value, label: str, decimal: str, digits: int, problems: list[str],
           empty: int | None) -> int | None:
    """An amount cell in minor units; *empty* for a blank cell; None (and a problem
    noted after *label*) when it cannot be read."""
    if not cell_text(value):
        return empty
    cents, why = parse_amount(value, decimal, digits)
    if why:
        problems.append(f"{label} {why}")
    return cents


def _amount_unread(ln: _Line) -> bool:
    return any(p.startswith(("amount paid", "invoice amount")) for p in ln.problems)


def _payment_name(ln: _Line) -> str:
    return repr(ln.reference or ln.check_number) if (ln.reference or ln.check_number) else \
        "of these lines"


def _shown(name: str, value) -> str:
    if name == "date":
        return f"date {str(value)[:10]}"
    return f"{name.replace('_', ' ')} {value!r}"


def sums_by_currency(pairs: Iterable[tuple[int, str]]) -> dict[str, int]:
    """Exact sums of (cents, currency) pairs, per currency."""
    sums: dict[str, int] = {}
    for cents, cur in pairs:
        sums[cur] = sums.get(cur, 0) + int(cents)
    return sums


# ---------------------------------------------------------------------------
# Steps every cash reader of sheets and CSV files shares


class TableRow(NamedTuple):
    """A line of a sheet's table, as written.

    Attributes:
      line: the line (text) or row (sheet) number a specialist sees.
      cells: field -> the cell's value (str, float, date ...), for the
        columns the header names.
      raw: every cell of the line, to show a rejected line whole.
      block: index into :attr:`SheetScan.blocks` of the block it stands under.
    """

    line: int
    cells: dict
    raw: tuple
    block: int


class Block(NamedTuple):
    """Values written above a table ("Payer: Acme Corp") that apply to the lines under it.

    Attributes:
      values: field -> value as written (a date cell stays a date).
      line: the block's first line (1 for the part of a file above any block).
    """

    values: dict
    line: int


class PrintedFigure(NamedTuple):
    """A total the file prints, and the table rows (positions in
    :attr:`SheetScan.rows`) it should add up."""

    label: str
    line: int
    figure: object
    rows: tuple[int, ...]


class SheetScan(NamedTuple):
    """One sheet or text file, every line accounted for.

    Attributes:
      file, sheet: where the lines are.
      lines_read: lines (rows) seen.
      found: field -> column of the table header.
      labels: the header's column labels.
      rows: the table's data lines.
      blocks: the header blocks (block 0: whatever stands above the first).
      totals: printed totals: total lines, and each block's stated total.
      skipped: kind of line -> how many (title or header, blank, total,
        payment header, repeated header).
      decisions: what was recognised, for the Run Log.
    """

    file: str
    sheet: str
    lines_read: int
    found: dict
    labels: list
    rows: list
    blocks: list
    totals: list
    skipped: Counter
    decisions: list


class Rejected(NamedTuple):
    """A line that was not accepted, as the rejection frame shows it."""

    sheet: str
    line: int
    raw: str
    reason: str


def rejection_frame(file: str, rejected: Sequence[Rejected]) -> pd.DataFrame:
    """The rejections of one file in the columns every reader uses."""
    if not rejected:
        return empty_rejections()
    return pd.DataFrame({
        "file": pd.Series([file] * len(rejected), dtype=object),
        "sheet": pd.Series([r.sheet for r in rejected], dtype=object),
        "line": np.array([r.line for r in rejected], dtype=np.int64),
        "raw": pd.Series([r.raw for r in rejected], dtype=object),
        "reason": pd.Series([r.reason for r in rejected], dtype=object),
    })


def numbered_payment_ids(parts: Sequence[tuple]) -> list[str]:
    """A payment id for each tuple of identifying facts, numbering repeats.

    Two identical checks in one deposit are two payments: the second gets
    occurrence 2, so the ids differ; the same file read again gives the
    same ids (no file name goes in).
    """
    seen: Counter = Counter()
    ids = []
    for p in parts:
        seen[p] += 1
        ids.append(payment_id(*p, seen[p]))
    return ids


def file_decimal(values: Iterable) -> tuple[str, list[str]]:
    """The decimal separator of a file's amounts, voted over all of them, and the decision."""
    texts = [v for v in values if isinstance(v, str) and v.strip()]
    decimal = detect_decimal_separator(texts, ".")
    why = ["amounts use ',' as the decimal separator (detected from the values)"] \
        if decimal == "," else []
    return decimal, why


_ORDER_WORDS = {"DMY": "day/month/year", "MDY": "month/day/year", "YMD": "year/month/day"}


def read_dates(values: Sequence, default_order: str = "MDY"):
    """Dates as :func:`xlar.dates.parse_dates` reads them, the day/month order decided
    once for the whole file; returns (ParsedDates, decisions)."""
    s = pd.Series(list(values), dtype=object)
    order, proved = detect_column_order([s], default_order)
    parsed = parse_dates(s, order)
    why = []
    if not proved and s.map(lambda v: isinstance(v, str) and v.count("/") == 2).any():
        why.append(f"dates like 01/02/2026 were read as {_ORDER_WORDS[order]}: no date in the "
                   "file proved the order")
    return parsed, why


def first_table(grids: Sequence[Grid], display: str, lookup: Mapping[str, str],
                required: Sequence[Sequence[str]], block_lookup: Mapping[str, str], *,
                key_field: str, amount_field: str, what: str,
                total_words: re.Pattern = TOTAL_WORDS) -> SheetScan:
    """The scan of the first sheet whose table header is recognised; ReadError when none is."""
    for g in grids:
        scan = scan_sheet(g, lookup, required, block_lookup, key_field=key_field,
                          amount_field=amount_field, total_words=total_words)
        if scan is not None:
            if len(grids) > 1:
                scan.decisions.insert(0, f"read sheet {g.sheet!r} (the first with a recognised "
                                         "header)")
            return scan
    where = display if len(grids) <= 1 or not grids else f"{display} (any sheet)"
    raise ReadError(f"{where}: no header row recognised; looked for {what}")


def resolve_customer_column(scan: SheetScan, prefer: Sequence[str]) -> SheetScan:
    """A column headed just "Customer"/"Cliente" gives the first field of *prefer*
    that no other column gives (a name in an advice, a number in a register)."""
    if "customer" not in scan.found:
        return scan
    found = dict(scan.found)
    col = found.pop("customer")
    target = next((f for f in prefer if f not in found), None)
    if target is None:
        return scan._replace(found=found)
    found[target] = col
    rows = []
    for r in scan.rows:
        cells = dict(r.cells)
        value = cells.pop("customer", None)
        cells.setdefault(target, value)
        rows.append(r._replace(cells=cells))
    decisions = [_describe(found, scan.labels) if d.startswith("recognised the columns") else d
                 for d in scan.decisions]
    return scan._replace(found=found, rows=rows, decisions=decisions)


def _describe(found: Mapping[str, int], labels: Sequence[str]) -> str:
    pairs = ", ".join(f"{field} <- {labels[i]!r}"
                      for field, i in sorted(found.items(), key=lambda kv: kv[1]))
    return f"recognised the columns: {pairs}"


def _texts(cells: Sequence) -> list[str]:
    return [cell_text(c) for c in cells]


def table_header(rows: Sequence[Sequence], r: int, lookup: Mapping[str, str],
                 required: Sequence[Sequence[str]]) -> tuple[int, list[str], dict] | None:
    """The table header at row *r* (one row, or two read together), or None.

    A header names a field of every *required* group, and at least half
    of its filled cells are recognised: a data line holding the words
    "Check" and "Invoice" is not a header.
    """
    labels = _texts(rows[r])
    hit = _qualifies(labels, fields_of(labels, lookup), required)
    if hit:
        return 1, labels, hit
    if r + 1 < len(rows):
        lower = _texts(rows[r + 1])
        if _qualifies(lower, fields_of(lower, lookup), required):
            return None  # the next row is a header by itself; this one is a title
        joined, upper, low = two_row_labels(labels, lower)
        alternatives = [[j, lo, u] for j, lo, u in zip(joined, low, upper, strict=True)]
        hit = _qualifies(joined, fields_of(alternatives, lookup), required)
        if hit:
            return 2, joined, hit
    return None


def _qualifies(labels: list[str], found: dict, required) -> dict | None:
    filled = sum(1 for x in labels if x)
    if not all(any(f in found for f in group) for group in required):
        return None
    return found if 2 * len(found) >= filled else None


def block_values(cells: Sequence, block_lookup: Mapping[str, str]) -> dict | None:
    """The label/value pairs of a block line ("Payer: | Acme Corp", "Date: 10/20/2026"),
    or None when the line does not start with a known label."""
    tokens: list[tuple[str | None, object]] = []  # (field or None, value)
    for c in cells:
        text = cell_text(c)
        if not text:
            continue
        field = block_lookup.get(normalise_header(text))
        if field is None and ":" in text:
            head, _, tail = text.partition(":")
            field = block_lookup.get(normalise_header(head))
            if field is not None:
                tokens.append((field, None))
                if tail.strip():
                    tokens.append((None, tail.strip()))
                continue
        tokens.append((field, None) if field else (None, c))
    if not tokens or tokens[0][0] is None:
        return None
    values: dict = {}
    for k, (field, _) in enumerate(tokens):
        if field is None:
            continue
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        values.setdefault(field, nxt[1] if nxt and nxt[0] is None else "")
    return values


_GRAND = re.compile(r"grand|general|report|file|archivo|informe", re.IGNORECASE)


def scan_sheet(grid: Grid, lookup: Mapping[str, str], required: Sequence[Sequence[str]],
               block_lookup: Mapping[str, str], *, key_field: str, amount_field: str,
               total_words: re.Pattern = TOTAL_WORDS) -> SheetScan | None:
    """Every line of a sheet classified: header, block line, data line, total, blank, title.

    *lookup* recognises the table's column headers, *block_lookup* the
    labels of block lines; *key_field* is the column a data line always
    fills (the document, the check number): a line without it may be a
    total or a block line.  A total line adds up the data lines since the
    previous total in its block; one right after another total, or one
    that says "grand"/"general", adds up more (its block; the whole file).
    Returns None when no table header is found.
    """
    rows, lines = grid.rows, grid.lines
    skipped: Counter = Counter()
    found: dict | None = None
    labels: list[str] = []
    blocks: list[dict] = [{"values": {}, "line": lines[0] if lines else 1, "rows": []}]
    totals: list[PrintedFigure] = []
    data: list[TableRow] = []
    block_totals: list[tuple[int, str, int, object]] = []  # (block, label, line, figure)
    since: list[int] = []          # data rows since the last total of this block
    last_total = False
    i = 0
    while i < len(rows):
        cells, line = rows[i], lines[i]
        if is_blank_row(cells):
            skipped["blank"] += 1
            i += 1
            continue
        texts = _texts(cells)
        if found is not None and texts[: len(labels)] == labels and \
                not any(texts[len(labels):]):
            skipped["repeated header"] += 1
            i += 1
            continue
        hdr = table_header(rows, i, lookup, required)
        if hdr is not None and (hdr[0] == 1 or block_values(cells, block_lookup) is None):
            nrows, labels, found = hdr
            skipped["title or header"] += nrows
            i += nrows
            continue
        key = cell_text(cells[found[key_field]]) if found and found[key_field] < len(cells) else ""
        filled = [t for t in texts if t]
        label = next((t for t in filled[:3] if total_words.match(t)), None) if found else None
        values = block_values(cells, block_lookup)
        # A block line may start in the key column ("Cliente:" under "Factura").
        key_is_label = values is not None and bool(key) and key == filled[0]
        if found is not None and label and (not key or total_words.match(key)):
            figure = _figure(cells, texts, found.get(amount_field), label)
            block = blocks[-1]
            if not block["rows"] and block["values"]:
                # "Total: 1,234.56" in a payment's header block, above its lines
                block_totals.append((len(blocks) - 1, label, line, figure))
                skipped["payment header"] += 1
                i += 1
                continue
            if _GRAND.search(label):
                covered = tuple(range(len(data)))
            elif last_total:
                covered = tuple(block["rows"])
            else:
                covered = tuple(since)
            totals.append(PrintedFigure(label, line, figure, covered))
            since = []
            skipped["total"] += 1
            last_total = True
            i += 1
            continue
        if values is not None and (found is None or not key or key_is_label):
            block = blocks[-1]
            if set(values) == {"total"} and block["rows"]:
                # "Amount: 1,234.56" under the lines: their total, not a new payment
                totals.append(PrintedFigure(filled[0].rstrip(": "), line, values["total"],
                                            tuple(since if not last_total else block["rows"])))
                since = []
                skipped["total"] += 1
                last_total = True
                i += 1
                continue
            if block["rows"] or any(k in block["values"] for k in values):
                blocks.append({"values": {}, "line": line, "rows": []})
                block = blocks[-1]
                since = []
            for k, v in values.items():
                if k == "total":
                    block_totals.append((len(blocks) - 1, filled[0].rstrip(": "), line, v))
                else:
                    block["values"][k] = v
            skipped["payment header"] += 1
            last_total = False
            i += 1
            continue
        if found is None:
            skipped["title or header"] += 1
            i += 1
            continue
        cell_of = {f: (cells[c] if c < len(cells) else "") for f, c in found.items()}
        blocks[-1]["rows"].append(len(data))
        since.append(len(data))
        data.append(TableRow(line, cell_of, tuple(cells), len(blocks) - 1))
        last_total = False
        i += 1
    if found is None:
        return None
    for b, label, line, figure in block_totals:
        totals.append(PrintedFigure(label, line, figure, tuple(blocks[b]["rows"])))
    totals.sort(key=lambda t: t.line)
    decisions = list(grid.decisions) + [_describe(found, labels)]
    return SheetScan(grid.file, grid.sheet, len(rows), found, labels, data,
                     [Block(b["values"], b["line"]) for b in blocks], totals, skipped,
                     decisions)


def _figure(cells: Sequence, texts: list[str], amount_col: int | None, label: str):
    """The figure of a total line: in the amount column, else the last cell after its label."""
    if amount_col is not None and amount_col < len(cells) and texts[amount_col]:
        return cells[amount_col]
    start = texts.index(label) + 1
    after = [k for k in range(start, len(texts)) if texts[k]]
    if after:
        return cells[after[-1]]
    head, _, tail = label.partition(":")
    return tail.strip()


def check_printed_totals(scan: SheetScan, amounts: Mapping[int, tuple[int, str]],
                         accepted: set[int], decimal: str,
                         default_currency: str) -> tuple[ControlCheck, ...]:
    """Each printed total against the accepted lines it covers.

    *amounts* maps a row (position in ``scan.rows``) to its (cents,
    currency) where the amount could be read; *accepted* is the set of
    rows accepted.  A rejected line under a total is not in what was read:
    the check fails and says why.
    """
    checks = []
    for t in scan.totals:
        rows = [r for r in t.rows if r in amounts]
        currencies = {amounts[r][1] for r in rows}
        currency = next(iter(currencies)) if len(currencies) == 1 else default_currency
        read = sum(amounts[r][0] for r in t.rows if r in accepted)
        rejected = sum(1 for r in t.rows if r not in accepted)
        if not cell_text(t.figure):
            checks.append(ControlCheck(t.label, scan.sheet, t.line, currency, None, read, True,
                                       "no figure printed"))
            continue
        printed, why = parse_amount(t.figure, decimal, minor_digits(currency))
        if why:
            checks.append(ControlCheck(t.label, scan.sheet, t.line, currency, None, read, False,
                                       f"the printed total cannot be read: {why}"))
            continue
        notes = []
        if len(currencies) > 1:
            notes.append("lines of several currencies add up under one total")
        if rejected:
            notes.append(f"{rejected} line(s) under this total were rejected (see Rejected Rows)")
        if not t.rows:
            notes.append("no lines under this total")
        checks.append(ControlCheck(t.label, scan.sheet, t.line, currency, printed, read,
                                   printed == read, "; ".join(notes)))
    return tuple(checks)


def cash_control(file: str, layout: str, scan: SheetScan, *, accepted: int, rejected: int,
                 totals_read: dict, totals_rejected: dict, checks: tuple,
                 decisions: Sequence[str]) -> Control:
    """The :class:`~xlar.imports.common.Control` of a scanned sheet."""
    return Control(
        file=file, layout=layout, lines_read=scan.lines_read, data_rows=len(scan.rows),
        accepted=accepted, rejected=rejected, skipped=dict(scan.skipped),
        totals_read=totals_read, totals_rejected=totals_rejected, checks=checks,
        decisions=tuple(dict.fromkeys(decisions)))

