"""Xero Aged Receivables Detail, exported to Excel (or CSV).

The report (Excel; the CSV export has the same rows)::

    Aged Receivables Detail                   report name
    Bayside Traders Ltd                       organisation
    As at 31 October 2026                     report date
    Ageing by due date                        how it ages

    Invoice Date | Invoice Number | Invoice Reference | Due Date | Current | < 1 Month
        | 1 Month | 2 Months | 3 Months | Older | Total
    Bayside Club                              contact
    10 Oct 2026 | INV-0041 | Oct fees | 9 Nov 2026 | 1,250.00 | ... | 1,250.00
    28 Sep 2026 | CN-0003 | Refund |  |  | -150.00 | ... | -150.00
    Total Bayside Club |  |  |  | 1,250.00 | -150.00 | ... | 1,100.00     contact total
    Marine Systems                            next contact
    ...
    Total |  |  |  | ... | 5,432.10          report total
    Percentage of total |  |  |  | 40% | ...  (may follow)

Each contact is a block: a row with its name, its invoices and credit notes,
and a ``Total <contact>`` row.  An item's open amount is its Total column;
the aging columns (``Current``, ``< 1 Month``, ``1 Month`` ... ``Older``, or
``1 - 30 days`` ... ``Over 90 days`` when the organisation ages by days) must
add up to it, and a row where they do not is rejected, saying so.  Credit
notes are negative rows numbered ``CN-...`` and have no due date;
overpayments and prepayments are negative too.  Xero adds columns on request
(Contact Account Number, Expected Date, tracking categories); the known ones
are used, the rest ignored.  When the report has no Invoice Number column its
Reference column names the invoice.

Every contact total is checked against the contact's rows, the report total
against all rows.  The block walk is shared with QuickBooks
(:func:`xlar.imports.blocks.read_block_report`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from xlar.imports.blocks import BlockLayout, BlockReport, read_block_report
from xlar.imports.common import ImportOptions, ImportResult, RawRows, import_file, text_column
from xlar.money import detect_decimal_separator, parse_amounts
from xlar.progress import Progress, no_progress

__all__ = ["sniff", "read", "XERO", "XERO_DOC_TYPES"]

#: Aging column labels, normalised ("< 1 Month" reads "1 month", "Over 90 days" stays).
_BUCKET = (r"current|older|not yet due|future"
           r"|(?:over |more than |older than )?\d+(?: \d+)?(?: days?| months?)?"
           r"(?: and over| or more| and older| past due| overdue)?")

XERO = BlockLayout(
    report="Xero Aged Receivables Detail",
    columns=(
        ("doc_date", r"(?:invoice |transaction )?date"),
        ("due_date", r"due date"),
        ("ignore", r"expected date|planned date|overdue|days overdue|overdue by|outstanding tax"
                   r"|invoice seen|invoice sent"),
        ("document", r"invoice (?:number|no|#)|number|credit note number"),
        ("reference", r"(?:invoice )?reference|ref"),
        ("customer_id", r"(?:contact )?account (?:number|no)"),
        ("customer_name", r"contact(?: name)?|customer(?: name)?"),
        ("currency", r"currency"),
        ("doc_type", r"type|transaction type|invoice type"),
        ("bucket", _BUCKET),
        ("open_amount", r"total|total due"),
        ("original_amount", r"invoice total|invoice amount|gross"),
    ),
    required=("document", "open_amount", "bucket"),
    looked_for="Invoice Number or Reference, aging columns such as Current / < 1 Month / Older, "
               "and Total",
    fallbacks=(("document", "reference"),),
    # "Percentage of total": not a contact named "100% Juice".
    label_lines=(("percentage row", r"^(?:%|percent(?:age)?\b)"),),
    block_is_customer=True,
)

#: Words a Xero row may carry for its kind -> xlar types.
XERO_DOC_TYPES = {
    "Invoice": "invoice",
    "Accounts Receivable Invoice": "invoice",
    "ACCREC": "invoice",
    "Credit Note": "credit_memo",
    "ACCRECCREDIT": "credit_memo",
    "Overpayment": "payment",
    "Prepayment": "payment",
}

# Xero numbers credit notes CN-0001 by default; overpayments and
# prepayments are listed under those words.
_NUMBER_KINDS = (
    (re.compile(r"^cn\W*\d|credit\s*note", re.IGNORECASE), "Credit Note"),
    (re.compile(r"overpayment", re.IGNORECASE), "Overpayment"),
    (re.compile(r"prepayment", re.IGNORECASE), "Prepayment"),
)
_TITLE = re.compile(r"\baged\s+receivables\s+detail\b", re.IGNORECASE)

#: The bucket check parses at 4 decimals so that it is exact for any
#: currency (0, 2 or 3 decimals) without knowing the row's currency yet.
_CHECK_DIGITS = 4


def sniff(head: str) -> bool:
    """The report's name in the titles, or a header with Xero's month buckets."""
    if _TITLE.search(head):
        return True
    low = head.lower()
    return "< 1 month" in low and "older" in low and "total" in low


def read(path: str | Path, options: ImportOptions | None = None,
         progress: Progress = no_progress, display: str | None = None) -> ImportResult:
    """Read a Xero Aged Receivables Detail export (XLSX, XLS, CSV)."""
    options = options or ImportOptions()

    def raw_rows(p: Path, display: str) -> RawRows:
        return _kinds_from_numbers(_check_buckets(read_block_report(p, XERO, display), options))

    return import_file(path, display, "xero",
                       options._replace(doc_types={**XERO_DOC_TYPES, **options.doc_types}),
                       raw_rows, progress)


def _check_buckets(report: BlockReport, options: ImportOptions) -> RawRows:
    """Reject (through ``_reject``) each row whose aging columns do not add up to its Total."""
    raw, labels = report.raw, report.bucket_labels
    f = raw.frame.copy()
    bucket_cols = [f"_bucket{k}" for k in range(len(labels))]
    if f.empty:
        return raw._replace(frame=f.drop(columns=bucket_cols))
    # One separator for the whole row: a bucket holding "1.500" must be read
    # as the Total beside it is.
    values = pd.concat([f[c] for c in ["open_amount", *bucket_cols]], ignore_index=True)
    decimal = options.decimal or detect_decimal_separator(values.to_numpy(dtype=object))
    total = parse_amounts(f["open_amount"], decimal, _CHECK_DIGITS)
    added = np.zeros(len(f), np.int64)
    problems = [[] for _ in range(len(f))]
    for col, label in zip(bucket_cols, labels, strict=True):
        p = parse_amounts(f[col], decimal, _CHECK_DIGITS)
        empty = ~p.ok & (p.reason == "amount is empty")
        added += np.where(p.ok, p.cents, 0)
        for i in np.flatnonzero(~p.ok & ~empty):
            problems[i].append(f"the {label!r} column holds {f[col].iat[i]!r}, not an amount")
    for i in np.flatnonzero(total.ok & (added != total.cents)):
        if not problems[i]:
            problems[i].append(
                f"the aging columns ({', '.join(labels)}) add up to {_amount(added[i])} but the "
                f"Total column says {_amount(total.cents[i])}: the row does not add up")
    f["_reject"] = pd.Series(["; ".join(p) for p in problems], dtype=object, index=f.index)
    f = f.drop(columns=bucket_cols)
    decisions = [*raw.decisions,
                 f"each row's aging columns ({', '.join(labels)}) were checked against its Total"]
    return raw._replace(frame=f, decisions=decisions)


def _amount(units: int) -> str:
    """Check units (1/10,000) as the report prints them: 1,234.50."""
    d = Decimal(int(units)).scaleb(-_CHECK_DIGITS)
    cents = d.quantize(Decimal("0.01"))
    return f"{cents if cents == d else d.normalize():,}"


def _kinds_from_numbers(raw: RawRows) -> RawRows:
    """Credit notes, overpayments and prepayments, told by their number (no Type column).

    Rows the numbers say nothing about keep an empty type: they are invoices,
    or credit memos when negative.
    """
    f = raw.frame
    if f.empty or ("doc_type" in f.columns and (text_column(f["doc_type"]) != "").any()):
        return raw
    f = f.copy()
    # The number only: a free-text reference ("credit note to follow") says
    # nothing reliable about the row.
    f["doc_type"] = text_column(f["document"]).map(_kind_of).astype(object)
    return raw._replace(frame=f)


def _kind_of(text: str) -> str:
    return next((kind for pattern, kind in _NUMBER_KINDS if pattern.search(text)), "")

