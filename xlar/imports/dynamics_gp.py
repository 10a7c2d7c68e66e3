"""Dynamics GP Historical / Aged Trial Balance (Receivables Management), as
exported to Excel or to a CSV/TXT file.

The report is organised in customer blocks under a two-part page header::

    Fabrikam, Inc.
    HISTORICAL AGED TRIAL BALANCE FOR RECEIVABLES MANAGEMENT
    Customer ID   Name                   Class ID     Terms   Credit Limit
    Document Number Type Date     Due Date   Document Amount  Current Trx Amount  Current ...
    ------------------------------------------------------------------------------------
    AARONFIT0001  Aaron Fitz Electrical  USA-ILMO-T1  Net 30  $25,000.00
    STDINV2262    SLS  10/12/2026 11/11/2026  $4,111.28  $4,111.28  $4,111.28  $0.00 ...
    PYMNT0042     PMT  10/20/2026             ($500.00)  ($500.00)  ($500.00)  $0.00 ...
                                   Customer Total:       $3,611.28  $3,611.28  $0.00 ...
                                   Grand Totals:         ...

How it is read:

* The document caption line (Document Number, Type, Date, Due Date,
  Document Amount, Current Trx Amount, then the aging periods) places the
  columns.  In a workbook it may be split over two rows ("Document" over
  "Number", "Aging Periods" merged over the periods): the rows are joined.
* A customer header line starts each block: under the customer caption
  line when the report has one (Customer ID, Name, Class ID, Phone 1,
  Salesperson ID, Terms, Credit Limit), or labelled ("Customer ID:"
  "AARONFIT0001" "Name:" ...), possibly continued on a second labelled line
  ("Terms: Net 30", "Credit Limit: ...").  Its customer, terms and
  salesperson go on every document below it.
* Document types are GP's codes: SLS, DR, FIN, SVC, WRN, SCP (debits),
  CR, RTN, PMT (credits).  Negative amounts are in parentheses.
* "Customer Total:" and "Grand Totals:" lines are printed totals, checked
  against the Current Trx Amount of the documents they cover.
* Each document's aging columns must add up to its Current Trx Amount; a
  document whose columns do not is rejected, with both figures, because one
  of them is wrong and nobody can tell which from the file.  (Some report
  versions print a credit's amounts positive but its aging negative; that
  is accepted.)
* Page breaks repeat the title lines and captions; each is counted.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from xlar.imports.common import ImportOptions, ImportResult, RawRows, import_file, text_column
from xlar.imports.files import Grid, ReadError, cell_text, read_grids, row_text
from xlar.imports.mapping import column_lookup, fields_of
from xlar.imports.reports import Header, ReportRows, cell_at, find_header, is_rule
from xlar.model import CREDIT_TYPES
from xlar.money import format_money, is_currency, minor_digits, parse_amounts
from xlar.progress import Progress, no_progress
from xlar.text import normalise_header

__all__ = ["LAYOUT", "GP_DOC_TYPES", "GP_TERMS", "sniff", "read"]

LAYOUT = "dynamics_gp"

#: GP Receivables document types (RM Document Type-All 1-9): the report's
#: short codes and the long names SmartList and some exports print.
GP_DOC_TYPES: dict[str, str] = {
    "SLS": "invoice", "Sales / Invoices": "invoice", "Sales Invoice": "invoice",
    "SCP": "invoice", "Scheduled Payments": "invoice",
    "DR": "debit_memo", "Debit Memos": "debit_memo", "Debit Memo": "debit_memo",
    "FIN": "debit_memo", "Finance Charges": "debit_memo", "Finance Charge": "debit_memo",
    "SVC": "invoice", "Service / Repairs": "invoice", "Service Repairs": "invoice",
    "WRN": "invoice", "Warranties": "invoice", "Warranty": "invoice",
    "CR": "credit_memo", "Credit Memos": "credit_memo", "Credit Memo": "credit_memo",
    "RTN": "credit_memo", "Returns": "credit_memo", "Return": "credit_memo",
    "PMT": "payment", "Payments": "payment", "Payment": "payment",
}

#: GP payment terms IDs of the sample company that xlar's terms reader
#: would not take as written.
GP_TERMS: dict[str, str] = {
    "2% 10/Net 30": "2/10 NET 30",
    "2% EOM/Net 30": "NET 30",
}

#: Captions of the document line.
GP_COLUMNS: dict[str, tuple[str, ...]] = {
    "document": ("Document Number", "Document No", "Document No.", "Doc Number", "Doc No",
                 "Document #"),
    "doc_type": ("Type", "Document Type", "Doc Type", "Trx Type", "RM Document Type"),
    "doc_date": ("Date", "Document Date", "Doc Date", "Trx Date"),
    "due_date": ("Due Date", "Due"),
    "original_amount": ("Document Amount", "Original Trx Amount", "Original Amount",
                        "Orig Trx Amount", "Doc Amount", "Amount"),
    "open_amount": ("Current Trx Amount", "Current Trx Amt", "Current Amount",
                    "Remaining Amount", "Unapplied Amount"),
    "currency": ("Currency ID", "Currency"),
}

#: Captions and labels of the customer header line.  Only the first group
#: goes onto the items; the rest are recognised so that a labelled
#: continuation line ("Credit Limit: $25,000.00") is known for what it is.
GP_CUSTOMER_LABELS: dict[str, tuple[str, ...]] = {
    "customer_id": ("Customer ID", "Customer Number", "Customer No", "Customer"),
    "customer_name": ("Name", "Customer Name"),
    "terms": ("Terms", "Payment Terms", "Payment Terms ID"),
    "sales_partner": ("Salesperson", "Salesperson ID"),
    "territory": ("Territory", "Territory ID", "Sales Territory"),
    "_class": ("Class", "Class ID"),
    "_phone": ("Phone", "Phone 1", "Phone Number"),
    "_limit": ("Credit Limit",),
    "_user": ("User-Defined 1", "User Defined 1", "User-Defined 2", "User Defined 2"),
    "_account": ("Account Type", "Balance Type"),
}
_CUSTOMER_FIELDS = ("customer_id", "customer_name", "terms", "sales_partner", "territory")

_DOC_LOOKUP = column_lookup(GP_COLUMNS)
_CUSTOMER_LOOKUP = column_lookup(GP_CUSTOMER_LABELS)
_TYPE_LOOKUP = {normalise_header(k): v for k, v in GP_DOC_TYPES.items()}

_TITLE = re.compile(r"aged\s+trial\s+balance", re.IGNORECASE)
_GP_MARKS = re.compile(r"receivables\s+management|current\s+trx\s+am|customer\s+id",
                       re.IGNORECASE)
# "Customer Total:", "Grand Totals:", "Totals" - but not a customer called "Total Fitness".
_TOTAL_LABEL = re.compile(r"^(?:(?P<kind>customer|grand|report|company)\s+)?totals?"
                          r"(?:\s+for\s+.*)?\s*:?$", re.IGNORECASE)
_GRAND = ("grand", "report", "company")
_LABEL = re.compile(r"^(?P<label>[^:]{2,40}?)\s*:\s*(?P<value>.*)$")
_DATE_TEXT = re.compile(r"^\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}$")
_CODE = re.compile(r"^[A-Za-z]{2,5}$")

# Aging-period captions: "Current", "0 - 30 Days", "31 - 60 Days", "91 and Over", "Over 90".
_BUCKET = re.compile(r"^(?:.*\s)?(?:current|\d+\s+\d+\s+days?|\d+\s+(?:and\s+)?over|"
                     r"over\s+\d+(?:\s+days?)?|\d+\s+days?\s+and\s+over)$")
_NOT_BUCKET = re.compile(r"\b(?:trx|amount|amt|balance)\b")


def sniff(head: str) -> bool:
    """True for an aged trial balance that GP printed (its title and a GP caption)."""
    return bool(_TITLE.search(head) and _GP_MARKS.search(head)) or bool(
        re.search(r"current\s+trx\s+am", head, re.IGNORECASE)
        and re.search(r"customer\s+totals?\s*:", head, re.IGNORECASE))


def read(path: str | Path, options: ImportOptions | None = None,
         progress: Progress = no_progress, display: str | None = None) -> ImportResult:
    """Read a GP Historical/Aged Trial Balance export (XLSX, XLS, CSV or TXT)."""
    options = options or ImportOptions()
    o = options._replace(doc_types={**GP_DOC_TYPES, **options.doc_types},
                         terms={**GP_TERMS, **options.terms})

    def raw_rows(p: Path, display: str) -> RawRows:
        grid, header = _report_grid(read_grids(p), display)
        return _collect(grid, header, o)

    return import_file(path, display, LAYOUT, o, raw_rows, progress)


def _recognise_documents(labels: list[str]) -> dict[str, int] | None:
    found = fields_of(labels, _DOC_LOOKUP)
    if "document" in found and "open_amount" in found and (
            "doc_type" in found or "doc_date" in found):
        return found
    return None


def _recognise_customers(labels: list[str]) -> dict[str, int] | None:
    if any(label.endswith(":") for label in labels):
        return None  # "Customer ID:" labels a value on a customer line, not a column
    found = fields_of(labels, _CUSTOMER_LOOKUP)
    return found if "customer_id" in found and "customer_name" in found else None


def _report_grid(grids: list[Grid], display: str) -> tuple[Grid, Header]:
    for g in grids:
        header = find_header(g.rows, _recognise_documents)
        if header is not None:
            return g, header
    raise ReadError(f"{display}: no GP document caption line found (looked for Document "
                    "Number, Type, Date and Current Trx Amount); export the Historical Aged "
                    "Trial Balance in detail, or read the file as a generic list with a mapping")


def _buckets(rows: list[list], header: Header) -> list[tuple[int, str]]:
    """The aging-period columns: (index, caption as printed over the column)."""
    taken = set(header.columns.values())
    out = []
    for i, label in enumerate(header.labels):
        key = normalise_header(label)
        if i not in taken and _BUCKET.match(key) and not _NOT_BUCKET.search(key):
            # Of "Aging Periods" over "31 - 60 Days", the lower row names the column.
            lower = rows[header.row + 1][i] if header.nrows == 2 else ""
            out.append((i, cell_text(lower) or label))
    return out


def _customer_captions(rows: list[list], header: Header) -> dict[str, int] | None:
    """The customer caption line, looked for just above and below the document captions."""
    lo, hi = max(0, header.row - 4), min(len(rows), header.row + header.nrows + 2)
    for r in range(lo, hi):
        if header.row <= r < header.row + header.nrows:
            continue
        found = _recognise_customers([cell_text(c) for c in rows[r]])
        if found:
            return {"row": r, **found}
    return None


def _collect(grid: Grid, header: Header, options: ImportOptions) -> RawRows:
    """Sort every row of the report into items and counted structure lines.

    In the body a row is tried as a document first (a GP type code or a
    code beside a date), then as a total, then as a customer header; a row
    that is none of them is a title (a page header, a "Page: 2" line).
    """
    cols = header.columns
    buckets = _buckets(grid.rows, header)
    caps = _customer_captions(grid.rows, header)
    body_start = header.row + header.nrows
    decisions = list(grid.decisions)
    if grid.sheet:
        decisions.append(f"GP aged trial balance read from sheet {grid.sheet!r}")
    if buckets:
        decisions.append("aging columns checked against each document's Current Trx Amount: "
                         + ", ".join(label for _, label in buckets))
    else:
        decisions.append("the report has no aging columns: documents are not cross-checked")

    # Caption lines and title lines come back after each page break.
    captions = {row_text(grid.rows[r], from_first_filled=True)
                for r in range(header.row, body_start)}
    if caps:
        captions.add(row_text(grid.rows[caps.pop("row")], from_first_filled=True))
    decisions.append("customers read from " + ("the lines under the customer captions"
                                               if caps else "labelled customer lines"))
    titles: set[str] = set()
    seen_captions: set[str] = set()
    out = ReportRows(grid.sheet)
    customer: dict[str, str] = {}
    cust_start = grand_start = 0
    bucket_values: list[list] = []
    for r, (number, cells) in enumerate(zip(grid.lines, grid.rows, strict=True)):
        texts = [cell_text(c) for c in cells]
        filled = [t for t in texts if t]
        text = row_text(texts, from_first_filled=True)  # cell texts read again are the same
        if not filled:
            out.skip("blank")
        elif all(is_rule(t) for t in filled):
            out.skip("rule")
        elif text in captions:
            out.skip("repeated header" if text in seen_captions else "title or header")
            seen_captions.add(text)
        elif r < body_start:
            titles.add(text)
            out.skip("title or header")
        elif text in titles:
            out.skip("title or header")  # the page title again, after a page break
        elif _is_document(cells, cols) or _looks_like_item(cells, cols, caps):
            values = {f: cell_at(cells, i) for f, i in cols.items()}
            values.update({f: customer.get(f, "") for f in _CUSTOMER_FIELDS})
            out.item(values, number, text)
            bucket_values.append([cell_at(cells, i) for i, _ in buckets])
        elif (kind := _total_kind(cells, cols["open_amount"])):
            if kind == "grand":
                rows, label = range(grand_start, len(out)), "Grand total"
                grand_start = cust_start = len(out)
            else:
                rows = range(cust_start, len(out))
                label = f"Customer total {customer.get('customer_id', '')}".strip()
                cust_start = len(out)
            out.total(label, number, cell_at(cells, cols["open_amount"]), rows)
            out.skip("subtotal" if kind == "customer" else "total")
        elif (found := _customer_header(cells, caps)) is not None:
            new, info = found
            if new:
                customer, cust_start = {}, len(out)
            customer.update(info)
            out.skip("customer header")
        else:
            out.skip("title or header")

    frame = out.frame()
    if len(frame) and buckets:
        frame["_reject"] = _aging_mismatches(frame, bucket_values, [b for _, b in buckets],
                                             options)
    return out.raw_rows(len(grid.rows), decisions, frame)


def _is_date_like(v) -> bool:
    if isinstance(v, str):
        return bool(_DATE_TEXT.match(v.strip()))
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return 20000 <= v < 80000  # an Excel date serial
    return hasattr(v, "year")


def _is_document(cells: list, cols: dict[str, int]) -> bool:
    """A document line: a document number, and a GP type code or a type-like
    code beside a date.  A customer line (id, name, class ...) has neither."""
    doc = cell_text(cell_at(cells, cols["document"]))
    if not doc or doc.endswith(":") or _TOTAL_LABEL.match(doc):
        return False
    typ = cell_text(cell_at(cells, cols["doc_type"])) if "doc_type" in cols else ""
    date = cell_at(cells, cols["doc_date"]) if "doc_date" in cols else ""
    if typ and normalise_header(typ) in _TYPE_LOOKUP:
        return True
    if "doc_type" not in cols:
        return _is_date_like(date)
    return bool(_CODE.match(typ)) and _is_date_like(date)


def _looks_like_item(cells: list, cols: dict[str, int], caps) -> bool:
    """A line that is not clearly a document but carries a document number
    and an amount: kept as an item, so that what is wrong with it (a type
    or date missing) is reported instead of the line being passed over."""
    if _customer_header(cells, caps) is not None:
        return False
    doc = cell_text(cell_at(cells, cols["document"]))
    amount = cell_text(cell_at(cells, cols["open_amount"]))
    return bool(doc) and not doc.endswith(":") and bool(re.search(r"\d", amount)) \
        and not _TOTAL_LABEL.match(doc) and _total_kind(cells, cols["open_amount"]) is None


def _total_kind(cells: list, open_col: int) -> str | None:
    """'customer' or 'grand' for a total line (its label left of the amounts)."""
    for c in cells[:open_col]:
        hit = _TOTAL_LABEL.match(cell_text(c))
        if hit:
            kind = (hit["kind"] or "").lower()
            return "grand" if kind in _GRAND else "customer"
    return None


def _labelled(cells: list) -> tuple[dict[str, str], int]:
    """Label/value pairs of a customer line: "Terms: Net 30" in one cell, or
    "Terms:" then "Net 30" in the next.  Returns (field -> value, cells used)."""
    texts = [cell_text(c) for c in cells]
    found: dict[str, str] = {}
    used = 0
    i = 0
    while i < len(texts):
        hit = _LABEL.match(texts[i])
        field = _CUSTOMER_LOOKUP.get(normalise_header(hit["label"])) if hit else None
        if field is None:
            i += 1
            continue
        value, used = hit["value"].strip(), used + 1
        if not value:
            j = next((k for k in range(i + 1, len(texts)) if texts[k]), None)
            if j is not None and not _LABEL.match(texts[j]):
                value, used, i = texts[j], used + 1, j
        found.setdefault(field, value)
        i += 1
    return found, used


def _customer_header(cells: list, caps: dict[str, int] | None
                     ) -> tuple[bool, dict[str, str]] | None:
    """(starts a new customer?, its fields) for a customer line, else None."""
    labelled, used = _labelled(cells)
    filled = sum(1 for c in cells if cell_text(c))
    info = {f: v for f, v in labelled.items() if f in _CUSTOMER_FIELDS}
    if labelled.get("customer_id"):
        return True, info
    if labelled and used == filled:
        return False, info  # "Terms: Net 30  Credit Limit: ..." continues the header
    if caps:
        cid = cell_text(cell_at(cells, caps["customer_id"]))
        name = cell_text(cell_at(cells, caps["customer_name"]))
        if not cid or not name or _LABEL.match(cid):
            return None
        positional = {f: cell_text(cell_at(cells, caps[f])) for f in _CUSTOMER_FIELDS if f in caps}
        return True, {**positional, **info}
    texts = [t for t in (cell_text(c) for c in cells) if t]
    if len(texts) >= 2 and " " not in texts[0] and not _LABEL.match(texts[0]):
        return True, {"customer_id": texts[0], "customer_name": texts[1], **info}
    return None


def _distinct_amounts(values: pd.Series, decimal: str, digits: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Parse each distinct aging value once ("$0.00" fills most of the
    columns); an empty cell is 0.  Returns (cents, readable)."""
    codes, uniques = pd.factorize(values.map(lambda v: "0" if cell_text(v) == "" else v))
    p = parse_amounts(pd.Series(uniques, dtype=object), decimal, digits)
    return p.cents[codes], p.ok[codes]


def _aging_mismatches(frame: pd.DataFrame, bucket_values: list[list], labels: list[str],
                      options: ImportOptions) -> pd.Series:
    """Per document: '' when its aging columns add up to its Current Trx
    Amount, else a sentence with both figures."""
    n = len(frame)
    cur = (text_column(frame["currency"]).str.upper() if "currency" in frame.columns
           else pd.Series([""] * n, dtype=object))
    cur = cur.where(cur.map(is_currency).astype(bool), options.currency)
    table = {normalise_header(k): v for k, v in options.doc_types.items()}
    credit = (text_column(frame["doc_type"]).map(lambda c: table.get(normalise_header(c)))
              .isin(CREDIT_TYPES).to_numpy() if "doc_type" in frame.columns
              else np.zeros(n, bool))
    reasons = np.full(n, "", dtype=object)
    digits = cur.map(minor_digits).to_numpy()
    for d in np.unique(digits):
        rows = np.flatnonzero(digits == d)
        opened = parse_amounts(frame["open_amount"].iloc[rows].reset_index(drop=True),
                               options.decimal, int(d))
        total = np.zeros(rows.size, np.int64)
        unreadable: list[list[str]] = [[] for _ in rows]
        for k, label in enumerate(labels):
            vals = pd.Series([bucket_values[i][k] for i in rows], dtype=object)
            cents, ok = _distinct_amounts(vals, opened.decimal, int(d))
            total += np.where(ok, cents, 0)
            for j in np.flatnonzero(~ok):
                unreadable[j].append(f"{label} {cell_text(vals.iat[j])!r}")
        # A credit printed positive with negative aging (or the reverse) adds up too.
        off = opened.ok & (total != opened.cents) & ~(credit[rows] & (total == -opened.cents))
        for j in np.flatnonzero(off):
            currency = cur.iat[rows[j]]
            reasons[rows[j]] = (f"the aging columns add up to {format_money(total[j], currency)}"
                                " but the Current Trx Amount is "
                                f"{format_money(opened.cents[j], currency)}: one of them is "
                                "wrong; check the document in GP")
        for j in (j for j, u in enumerate(unreadable) if u):
            reasons[rows[j]] = ("aging column(s) that are not amounts: " + ", ".join(unreadable[j])
                                + "; the document cannot be checked against its aging")
    return pd.Series(reasons, index=frame.index, dtype=object)
