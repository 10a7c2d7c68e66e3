"""Check registers and lockbox listings: one check per line.

A bank's lockbox listing, or the register a specialist keeps of the checks
that came in the mail, is a table (CSV or workbook) with, per check: the
batch or deposit it went in with, the check number, the payer's name, the
payer's bank account and routing number, the customer number, the amount,
the deposit date, and the invoice numbers written on the stub
("INV 1001, 1002").  A "Batch 001 total" or "Deposit total" line closes a
batch; a "Batch: 001" / "Deposit date: 10/20/2026" line above a group of
checks gives them its values.  English and Spanish headers (Check
No/Nº cheque, Payer/Librador, Amount/Importe, Invoices/Facturas ...; table
:data:`CHECK_HEADERS`), ``1,234.56`` and ``1.234,56``.

What comes out (:class:`~xlar.cashapp.model.PaymentsResult`):

* one payment per check: ``kind="lockbox"`` when it came with a lockbox or
  batch/deposit id (that id is its ``bank_reference``), ``"check"``
  otherwise; ``check_number``, ``customer_reference``, ``payer_account``
  and ``payer_bank`` (routing) as written; the stub text in ``remittance``;
  a negative amount (a returned or voided check) is read as a reversal;
* one remittance row per document on the stub, **with amount 0 when the
  stub gives none**: a stub names what is paid, rarely how much of each;
  the matching engine applies the check to them in order.  A stub that
  writes amounts ("1001 = 500.00; 1002 $250.00") gives them;
* each batch or deposit total checked against the accepted checks it
  covers (:class:`~xlar.imports.common.ControlCheck`);
* every line that is not a usable check, rejected with line and reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from xlar.cashapp.model import PaymentsResult, payment_frame, remittance_frame
from xlar.cashapp.remittance import (
    CUSTOMER_WORDS,
    REMITTANCE_HEADERS,
    Rejected,
    SheetScan,
    cash_control,
    check_printed_totals,
    file_decimal,
    first_table,
    numbered_payment_ids,
    read_dates,
    rejection_frame,
    resolve_customer_column,
    sums_by_currency,
)
from xlar.imports.files import cell_text, read_grids, row_text
from xlar.imports.generic import TOTAL_WORDS
from xlar.imports.mapping import HEADER_SYNONYMS, column_lookup
from xlar.money import is_currency, minor_digits, parse_amount

__all__ = ["read_check_register", "CHECK_HEADERS", "StubDocument", "documents_in_text"]

#: Field -> header spellings of a check register or lockbox listing.
CHECK_HEADERS: dict[str, tuple[str, ...]] = {
    "batch": (
        "batch", "batch no", "batch id", "batch number", "batch #", "deposit", "deposit id",
        "deposit no", "deposit number", "deposit #", "deposit ticket", "lote", "no lote",
        "numero de lote", "id lote", "deposito", "no deposito", "numero de deposito", "remesa",
    ),
    "lockbox": ("lockbox", "lockbox no", "lockbox number", "lockbox id", "lockbox #", "caja",
                "apartado"),
    "item": ("item", "item no", "item #", "seq", "sequence", "item seq", "item sequence",
             "secuencia", "no item"),
    "check_number": REMITTANCE_HEADERS["check_number"],
    "payer_name": (
        "payer", "payer name", "remitter", "drawer", "drawer name", "customer name", "name",
        "company", "paid by", "pagador", "librador", "nombre", "nombre cliente", "razon social",
        "ordenante",
    ),
    "customer": CUSTOMER_WORDS,
    "customer_id": (
        "customer no", "customer number", "customer id", "customer #", "cust no", "cust #",
        "customer account", "customer code", "no cliente", "n cliente", "numero de cliente",
        "numero cliente", "codigo cliente", "cod cliente", "id cliente",
    ),
    "payer_account": (
        "account", "payer account", "account no", "account number", "acct", "acct no",
        "acct #", "dda", "checking account", "bank account", "cuenta", "cuenta pagador",
        "no cuenta", "numero de cuenta", "cuenta bancaria",
    ),
    "payer_bank": (
        "routing", "routing no", "routing number", "routing #", "aba", "aba no", "aba number",
        "transit", "transit routing", "rt", "rtn", "bank", "bank code", "banco", "ruta",
        "codigo banco", "codigo de banco", "bic", "swift", "entidad",
    ),
    "amount": (
        "amount", "check amount", "amount paid", "payment amount", "amount received",
        "importe", "importe cheque", "monto", "valor", "importe recibido",
    ),
    "deposit_date": (
        "deposit date", "date", "processing date", "process date", "received", "date received",
        "received date", "fecha", "fecha deposito", "fecha de deposito", "fecha recibido",
        "fecha de proceso",
    ),
    "check_date": ("check date", "cheque date", "fecha cheque", "fecha del cheque",
                   "fecha de emision"),
    "invoices": (
        "invoices", "invoice", "invoice numbers", "invoice no", "invoice nos", "invoice #",
        "invoices paid", "stub", "remittance", "memo", "documents", "documents paid",
        "facturas", "factura", "facturas pagadas", "documentos", "concepto", "comprobantes",
        "talon stub",
    ),
    "currency": HEADER_SYNONYMS["currency"],
}

#: Labels of a line above a group of checks ("Batch: 001", "Deposit date: 10/20/2026").
CHECK_BLOCK_LABELS: dict[str, tuple[str, ...]] = {
    "batch": ("batch", "batch no", "batch id", "batch number", "deposit", "deposit no",
              "deposit id", "deposit number", "lote", "no lote", "deposito", "no deposito"),
    "lockbox": ("lockbox", "lockbox no", "lockbox number", "lockbox id"),
    "deposit_date": ("deposit date", "date", "processing date", "fecha", "fecha deposito",
                     "fecha de deposito"),
    "currency": HEADER_SYNONYMS["currency"],
}

_LOOKUP = column_lookup(CHECK_HEADERS)
_BLOCK_LOOKUP = column_lookup(CHECK_BLOCK_LABELS)
_REQUIRED = (("amount",), ("check_number",))
#: Total lines of a register: the usual words, and "Batch 001 total", "Total lote 1".
_TOTAL_LINE = re.compile(
    TOTAL_WORDS.pattern + r"|^\s*(batch|deposit|lockbox|lote|dep[oó]sito|remesa)\b.*\btotal\b",
    re.IGNORECASE)
_BATCH_IN_LABEL = re.compile(
    r"\b(?:batch|deposit|lockbox|lote|dep[oó]sito|remesa)\s*(?:no\.?|n[º°]|#)?\s*([A-Z0-9-]+)",
    re.IGNORECASE)


def read_check_register(path: str | os.PathLike, display: str | None = None, *,
                        currency: str = "USD") -> PaymentsResult:
    """Read a check register or lockbox listing (CSV, TXT, XLSX, XLS, ODS).

    *display* names the file in every message (its own name by default);
    *currency* is the currency of lines that name none.  The documents on a
    stub become remittance rows with amount 0 unless the stub writes an
    amount beside them (see the module docstring).
    """
    p = Path(path)
    display = display or p.name
    scan = first_table(read_grids(p), display, _LOOKUP, _REQUIRED, _BLOCK_LOOKUP,
                       key_field="check_number", amount_field="amount",
                       what="a check register (columns like Check No/Nº cheque and "
                            "Amount/Importe)", total_words=_TOTAL_LINE)
    scan = resolve_customer_column(scan, prefer=("customer_id", "payer_name"))
    return _payments_of_register(scan, display, currency.upper())


class _Check(NamedTuple):
    row: int
    batch: str
    lockbox: str
    item: str
    check_number: str
    payer: str
    customer: str
    account: str
    routing: str
    currency: str
    amount: int | None
    stub: str
    documents: tuple
    problems: tuple[str, ...]


def _payments_of_register(scan: SheetScan, display: str, default_currency: str
                          ) -> PaymentsResult:
    rows = scan.rows
    decisions = list(scan.decisions)
    decimal, why = file_decimal([r.cells.get("amount") for r in rows]
                                + [t.figure for t in scan.totals])
    decisions += why

    def value(r, field):
        own = r.cells.get(field)
        return own if cell_text(own) else scan.blocks[r.block].values.get(field, "")

    deposit = [value(r, "deposit_date") for r in rows]
    undated = sum(1 for d, r in zip(deposit, rows, strict=True)
                  if not cell_text(d) and cell_text(r.cells.get("check_date")))
    dates, why = read_dates([d if cell_text(d) else r.cells.get("check_date", "")
                             for d, r in zip(deposit, rows, strict=True)])
    decisions += why
    if undated:
        # A check is cash from the day it is deposited; its own date is the best
        # guess only when the register does not say when that was.
        decisions.append(f"{undated} check(s) have no deposit date: their check date is used")

    checks: list[_Check] = []
    first_seen: dict[tuple, int] = {}
    for i, r in enumerate(rows):
        problems: list[str] = []
        text = {f: cell_text(value(r, f)) for f in (
            "batch", "lockbox", "item", "check_number", "payer_name", "customer_id",
            "payer_account", "payer_bank", "currency", "invoices")}
        cur = text["currency"].upper() or default_currency
        if not is_currency(cur):
            problems.append(f"currency {text['currency']!r} is not an ISO 4217 code")
            cur = default_currency
        digits = minor_digits(cur)
        if not text["check_number"]:
            problems.append("check number is missing")
        amount = None
        if not cell_text(r.cells.get("amount")):
            problems.append("amount is empty")
        else:
            amount, bad = parse_amount(r.cells.get("amount"), decimal, digits)
            if bad:
                problems.append(bad)
            elif amount == 0:
                problems.append("amount is 0.00: a check for nothing (a void?)")
        if not dates.ok[i]:
            problems.append("deposit date is missing" if dates.empty[i]
                            else f"deposit {dates.reason[i]}")
        docs, bad_docs = documents_in_text(text["invoices"], decimal, digits)
        problems += bad_docs
        # The same check listed twice (a double scan) is one check.
        same = tuple(row_text(r.raw).split(" | ")) + (text["batch"],)
        if same in first_seen and not problems:
            problems.append(f"repeats line {first_seen[same]} exactly: counted once")
        first_seen.setdefault(same, r.line)
        checks.append(_Check(i, text["batch"], text["lockbox"], text["item"],
                             text["check_number"], text["payer_name"], text["customer_id"],
                             text["payer_account"], text["payer_bank"], cur, amount,
                             text["invoices"], tuple(docs), tuple(problems)))

    accepted = [c for c in checks if not c.problems]
    payments, remittances, id_parts = [], [], []
    for c in accepted:
        date = dates.dates[c.row]
        batch = c.batch or c.lockbox
        payments.append({
            "source_file": display, "source_sheet": scan.sheet, "source_line": rows[c.row].line,
            "booking_date": date, "value_date": date, "amount_cents": c.amount,
            "currency": c.currency, "kind": "lockbox" if batch else "check",
            "payer_name": c.payer, "payer_account": c.account, "payer_bank": c.routing,
            "customer_reference": c.customer, "check_number": c.check_number,
            "bank_reference": batch, "remittance": c.stub, "reversal": c.amount < 0,
        })
        id_parts.append(("check", c.lockbox, c.batch, c.item, str(date)[:10], c.routing,
                         c.account, c.check_number, c.currency, c.amount))
        for d in c.documents:
            remittances.append({"payment_index": len(payments) - 1, "document": d.document,
                                "doc_type": d.doc_type, "amount_cents": d.amount_cents or 0,
                                "source_line": rows[c.row].line})
        stated = [d.amount_cents for d in c.documents]
        if stated and all(a is not None for a in stated) and sum(stated) != c.amount:
            decisions.append(f"line {rows[c.row].line}: the amounts on the stub add up to "
                             f"{sum(stated)} cents, the check is {c.amount} cents")
    reversals = sum(1 for c in accepted if c.amount < 0)
    if reversals:
        decisions.append(f"{reversals} check(s) with a negative amount read as reversals "
                         "(returned or voided checks)")
    ids = numbered_payment_ids(id_parts)
    for rec, pid in zip(payments, ids, strict=True):
        rec["payment_id"] = pid
    for rec in remittances:
        rec["payment_id"] = ids[rec.pop("payment_index")]

    amounts = {c.row: (c.amount, c.currency) for c in checks if c.amount is not None}
    ok_rows = {c.row for c in accepted}
    scan = _batch_totals(scan, checks)
    control = cash_control(
        display, "check register", scan, accepted=len(accepted),
        rejected=len(checks) - len(accepted),
        totals_read=sums_by_currency((c.amount, c.currency) for c in accepted),
        totals_rejected=sums_by_currency(amounts[c.row] for c in checks
                                         if c.problems and c.row in amounts),
        checks=check_printed_totals(scan, amounts, ok_rows, decimal, default_currency),
        decisions=decisions)
    rejected = [Rejected(scan.sheet, rows[c.row].line, row_text(rows[c.row].raw),
                         "; ".join(c.problems)) for c in checks if c.problems]
    return PaymentsResult(payment_frame(payments), remittance_frame(remittances),
                          rejection_frame(display, rejected), control)


def _batch_totals(scan: SheetScan, checks: Sequence[_Check]) -> SheetScan:
    """A total line that names a batch ("Batch 001 total", or the batch in its batch
    column) covers that batch's checks wherever they stand; others keep the lines
    above them (see :func:`~xlar.cashapp.remittance.scan_sheet`)."""
    batches = {c.batch for c in checks if c.batch} | {c.lockbox for c in checks if c.lockbox}
    if not batches:
        return scan
    totals = []
    for t in scan.totals:
        named = {m.group(1) for m in _BATCH_IN_LABEL.finditer(t.label)} & batches
        if len(named) == 1:
            b = named.pop()
            t = t._replace(rows=tuple(c.row for c in checks if b in (c.batch, c.lockbox)))
        totals.append(t)
    return scan._replace(totals=totals)


# ---------------------------------------------------------------------------
# Documents written on a stub


class StubDocument(NamedTuple):
    """A document a payer named on a stub or in a list.

    Attributes:
      document: the number as written, without a label word ("INV 1001" -> "1001";
        "INV-1001", written as one word, stays whole).
      doc_type: invoice, or credit_memo after a credit label (CM, credit, NC, abono).
      amount_cents: the amount written beside it ("1001 = 500.00"), None when none;
        negative for a credit memo.
    """

    document: str
    doc_type: str
    amount_cents: int | None


_LABELS = (r"invoices?|invs?|facturas?|fact|fac|fras?|ft|bills?|docs?|documents?|documentos?|"
           r"n[oº°]s?|nums?|numbers?|n[uú]meros?|ref|"
           r"credit\s+memos?|credit\s+notes?|credits?|cms?|cns?|ncs?|abonos?|"
           r"notas?\s+de\s+cr[eé]dito")
_CREDIT_LABEL = re.compile(r"^(credit|cm|cn|nc|abono|nota)", re.IGNORECASE)
_STUB_ITEM = re.compile(
    rf"""(?P<label>\b(?:{_LABELS})\b\.?(?:\s*[#:])?\s*)?
        \#?\s*
        (?P<doc>(?<!\w)(?=[\w\-.]{{0,63}}\d)[^\W_](?:[\w\-.]*[^\W_])?)
        (?:\s*(?:=|:|@|\$|€|£)\s*[$€£]?\s*
           (?P<amount>\(?-?(?:\d{{1,3}}(?:[,.'\u00a0 ]\d{{3}})+|\d+)(?:[.,]\d{{1,2}})?\)?(?!\d)))?
    """, re.IGNORECASE | re.VERBOSE)
# A document starts at the start of a word, and has a digit within its first 64
# characters: without both bounds, a 70,000-letter stub took minutes (every
# position looked ahead to the end of the run).
_DATES = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b")
#: A bare number shorter than this is a quantity or a day, not a document
#: ("2 invoices"); after a label ("CM 55") any length counts.
_MIN_BARE_DIGITS = 3


def documents_in_text(text: str, decimal: str = ".", digits: int = 2
                      ) -> tuple[list[StubDocument], list[str]]:
    """The documents a payer lists in free text, and any amount that cannot be read.

    Understands "INV 1001, 1002", "Invoices: 1001/1002 & 1003", "1001 1002",
    "CM 55" (a credit memo; later bare numbers stay credit memos until
    another label), "1001 = 500.00; 1002 $250.00" (amounts after =, :, $ or
    €).  Dates are skipped; a range ("1001-1003") is one document as
    written, not expanded.  Returns (documents, problems).
    """
    docs: list[StubDocument] = []
    problems: list[str] = []
    if not text:
        return docs, problems
    credit = False
    for m in _STUB_ITEM.finditer(_DATES.sub(" ", text)):
        label, doc, amount = m.group("label"), m.group("doc"), m.group("amount")
        if label:
            credit = bool(_CREDIT_LABEL.match(label.strip()))
        elif sum(ch.isdigit() for ch in doc) < _MIN_BARE_DIGITS:
            continue
        cents = None
        if amount:
            cents, why = parse_amount(amount, decimal, digits)
            if why:
                problems.append(f"the stub's amount for {doc}: {why}")
                continue
        if credit and cents is not None:
            cents = -abs(cents)
        docs.append(StubDocument(doc, "credit_memo" if credit else "invoice", cents))
    return docs, problems
