"""QuickBooks A/R Aging Detail, exported to CSV or Excel (QuickBooks Online and Desktop).

QuickBooks Online writes the report like this (CSV; the Excel export has the
same rows)::

    Craig's Design and Landscaping Services              company
    A/R Aging Detail                                     report name
    As of October 31, 2026                               report date

    ,Date,Transaction Type,Num,Customer,Due Date,Past Due,Amount,Open Balance
    Current                                              bucket section
    ,10/20/2026,Invoice,1037,Sonnenschein Family Store,11/19/2026,-19,"1,362.07","1,362.07"
    ,10/30/2026,Payment,,Amy's Bird Sanctuary,,,-100.00,-100.00
    Total for Current,,,,,,,"$1,262.07","$1,262.07"      section total
    1 - 30 days past due
    ...
    91 or more days past due
    ...
    TOTAL,,,,,,,"$6,505.47","$6,505.47"                  grand total

    Accrual Basis Monday, November 2, 2026 10:31 AM GMT-05:00      run stamp

QuickBooks Desktop differs a little: the run time, date and basis stand in the
top left corner above the titles; empty spacer columns sit between the real
ones (``,,,Type,,Date,,Num,,P. O. #,,Name,,Terms,,Due Date,,Aging,,Open
Balance``); the sections are ``Current``, ``1 - 30`` ... ``> 90`` and their
totals ``Total Current``, ``Total 1 - 30``; the customer is ``Customer:Job``;
and an Excel export carries a second sheet, "QuickBooks Export Tips".

Amounts come with thousands separators and sometimes ``$``; credit memos and
payments are negative; a journal entry is a debit or a credit by its sign.
QuickBooks leaves Num blank on payments and journal entries entered without
a reference number: such a row is named by its type and date ("Payment
10/30/2026") rather than lost.

Every bucket total is checked against the rows of its section and TOTAL
against all rows; the "As of" date is reported in the decisions.

The walk through the report (titles, header, bucket sections, totals) is the
one Xero's Aged Receivables Detail takes too: :mod:`xlar.imports.blocks`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from xlar.imports.blocks import BlockLayout, read_block_report
from xlar.imports.common import ImportOptions, ImportResult, RawRows, import_file
from xlar.imports.files import cell_text
from xlar.progress import Progress, no_progress

__all__ = ["sniff", "read", "QUICKBOOKS", "QUICKBOOKS_DOC_TYPES"]

#: QuickBooks transaction types (Online and Desktop spellings) -> xlar types.
#: A journal entry, deposit or check posted to A/R is a debit or a credit by
#: its sign; Desktop calls a journal entry "General Journal".
QUICKBOOKS_DOC_TYPES = {
    "Invoice": "invoice",
    "Statement Charge": "debit_memo",
    "Stmt Charge": "debit_memo",
    "Finance Charge": "debit_memo",
    "Credit Memo": "credit_memo",
    "Payment": "payment",
    "Journal Entry": "by_sign",
    "General Journal": "by_sign",
    "Deposit": "by_sign",
    "Check": "by_sign",
}

QUICKBOOKS = BlockLayout(
    report="QuickBooks A/R Aging Detail",
    columns=(
        ("doc_type", r"(?:transaction |trans |txn )?type"),
        ("due_date", r"due(?: date)?"),
        ("doc_date", r"(?:transaction |txn |invoice )?date"),
        ("document", r"num|no|number|ref no|doc num|invoice no"),
        ("po_number", r"po(?: #| no| number)?|customer po"),
        ("customer_name", r"customer|name|customer (?:full |display )?name|customer job"),
        ("terms", r"terms"),
        ("ignore", r"aging|past due|days past due|ship date|open balance foreign"),
        ("original_amount", r"amount|original amount"),
        ("open_amount", r"open balance|open bal|balance|open amount"),
        ("reference", r"memo|memo description|description"),
        ("sales_partner", r"rep|sales rep"),
        ("territory", r"location|location full name|class"),
        ("currency", r"currency"),
    ),
    required=("doc_type", "document", "open_amount"),
    looked_for="Type or Transaction Type, Num, Open Balance",
    label_lines=(
        # The run stamp Online adds under TOTAL:
        # "Accrual Basis Monday, November 2, 2026 10:31 AM GMT-05:00".
        ("footer", r"^(?:accrual|cash)\s+basis\b|\b\d{1,2}:\d{2}\s*[ap]m\b|\bgmt[+-]\d"),
    ),
)

_TITLE = re.compile(r"\b(?:a/r|accounts\s+receivable)\s+aging\s+detail\b", re.IGNORECASE)
_SECTION_TOTAL = re.compile(
    r"""^[\s,;|\t"]*total\s+(?:for\s+)?(?:current|\d+\s*-\s*\d+|>\s*\d+|\d+\s+or\s+more)""",
    re.IGNORECASE | re.MULTILINE)


def sniff(head: str) -> bool:
    """The report's name in the titles, or (a Desktop CSV without titles) an
    Open Balance header with a bucket total such as "Total 1 - 30"."""
    if _TITLE.search(head):
        return True
    return "open balance" in head.lower() and bool(_SECTION_TOTAL.search(head))


def read(path: str | Path, options: ImportOptions | None = None,
         progress: Progress = no_progress, display: str | None = None) -> ImportResult:
    """Read a QuickBooks A/R Aging Detail export (CSV, XLSX, XLS)."""
    options = options or ImportOptions()
    options = options._replace(doc_types={**QUICKBOOKS_DOC_TYPES, **options.doc_types})

    def raw_rows(p: Path, display: str) -> RawRows:
        return _name_unnumbered(read_block_report(p, QUICKBOOKS, display).raw)

    return import_file(path, display, "quickbooks", options, raw_rows, progress)


def _name_unnumbered(raw: RawRows) -> RawRows:
    """Give a row without a Num a name from its type and date ("Payment 10/30/2026").

    QuickBooks leaves Num empty on a payment or journal entry entered without
    a reference number; rejecting those would drop unapplied cash from the
    ledger.  The type and date name the row the way a specialist finds it in
    QuickBooks, and stay the same from one export to the next.
    """
    f = raw.frame
    if "document" not in f.columns or "doc_type" not in f.columns or f.empty:
        return raw
    def shown(v) -> str:  # as the report shows it: a time of day stays in the name
        return cell_text(v, keep_time=True)

    doc = f["document"].map(shown)
    kind = f["doc_type"].map(shown)
    date = f["doc_date"].map(shown) if "doc_date" in f.columns else pd.Series("", index=f.index)
    todo = (doc == "") & (kind != "")
    if not todo.any():
        return raw
    f = f.copy()
    f.loc[todo, "document"] = (kind[todo] + " " + date[todo]).str.strip()
    example = f.loc[todo, "document"].iloc[0]
    decisions = [*raw.decisions,
                 f"{int(todo.sum())} rows have no Num (QuickBooks leaves it empty on payments and "
                 f"journal entries without a reference number): they are named by type and date, "
                 f"e.g. {example!r}"]
    return raw._replace(frame=f, decisions=decisions)
