"""Balanced journal entries for posted adjustments, and their exports for the GL.

One entry per posted request, named by its first document's number.  Lines
(debit / credit, minor units, never both on one line):

=================  =====================================================================
credit memo        Dr sales returns (or revenue) net, Dr sales tax tax; Cr AR total
invoice            Dr AR total; Cr revenue net, Cr sales tax tax
write-off          Dr allowance / bad-debt expense / small balances / sales returns;
                   Cr AR (a written-off *credit* balance: the other way round)
refund             Dr AR; Cr refunds payable
commission down    Dr commission payable; Cr commission expense (up: the other way)
=================  =====================================================================

Every entry balances by construction, and :func:`unbalanced` checks it anyway
before anything is stored.

Exports (each a CSV or XLSX; amounts are exact decimal text in CSV):

**generic**: Entry, Line, Date (YYYY-MM-DD), Account, Account Role, Description,
Debit, Credit, Currency, Customer, Document, Request.

**Dynamics GP** (Integration Manager "General Journal" source file, one row per
distribution; map each column to the destination field of the same name):
Batch ID (``XLAR`` + posting date, 15 characters), Journal Entry (1, 2, ... per
file), Transaction Date (MM/DD/YYYY), Reference (document number, 30 chars),
Account Number, Debit Amount, Credit Amount, Distribution Reference (line text,
30 chars), Currency ID.

**SAP** (FB01 / BAPI_ACC_DOCUMENT_POST style upload, one row per line item):
BUKRS (company code), BLDAT (document date DD.MM.YYYY), BUDAT (posting date),
BLART (document type: DG credit memo, DR invoice, DA write-off and refund),
WAERS (currency), XBLNR (reference: our document number), BKTXT (header text),
BUZEI (line item), BSCHL (posting key: 01 customer debit, 11 customer credit,
40 G/L debit, 50 G/L credit), HKONT (G/L account, G/L lines), KUNNR (customer,
AR lines), WRBTR (amount, always positive: the posting key gives the side),
SGTXT (item text, 50 chars), ZUONR (assignment: the adjusted document).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.adjustments.model import CommissionChange, DraftDocument
from xlar.adjustments.policy import AdjustmentError, Policy
from xlar.adjustments.requests import reason_label
from xlar.money import cents_to_decimal

__all__ = ["JournalLine", "journal_entry", "unbalanced", "journal_frame", "export_journal",
           "EXPORT_FORMATS", "generic_layout", "gp_layout", "sap_layout", "JOURNAL_COLUMNS"]


class JournalLine(NamedTuple):
    """One line of a journal entry.

    Attributes:
      entry_id: the entry (the first document's number); line_no from 1.
      posted_on: posting date.
      account, role: GL account code and its role (see policy.ROLES).
      description: what the line is.
      debit_cents, credit_cents: one of them is zero.
      currency, customer_id, document (the document the line belongs to) and its
      doc_kind, applies_document (the document it adjusts), request_id.
    """

    entry_id: str
    line_no: int
    posted_on: dt.date
    account: str
    role: str
    description: str
    debit_cents: int
    credit_cents: int
    currency: str
    customer_id: str
    document: str
    doc_kind: str
    applies_document: str
    request_id: str


JOURNAL_COLUMNS = list(JournalLine._fields)


def _lines_of(doc: DraftDocument) -> list[tuple[str, int, str]]:
    """(role, signed amount: + debit / - credit, description) of one document."""
    about = ""
    if doc.applies_document:
        about = f" rebilling {doc.applies_document}" if doc.kind == "invoice" else \
            f" on {doc.applies_document}"
    why = f" ({reason_label(doc.reason_code)})" if doc.reason_code else ""
    head = f"{doc.label} {doc.number}{about}{why}"
    total = doc.total_cents
    if doc.kind == "credit_memo":
        return [("sales_returns", doc.net_cents, f"{head}: net"),
                ("sales_tax", doc.tax_cents, f"{head}: tax reversed"),
                ("ar", -total, head)]
    if doc.kind == "invoice":
        return [("ar", total, head), ("revenue", -doc.net_cents, f"{head}: net"),
                ("sales_tax", -doc.tax_cents, f"{head}: tax")]
    if doc.kind == "refund":
        method = f" by {doc.refund_method}" if doc.refund_method else ""
        return [("ar", doc.ar_cents, f"{head}{method}"),
                ("refunds", -doc.ar_cents, f"{head}{method}: payable")]
    # write-off: the AR side is the document's effect; the other side its role
    return [(doc.gl_role, -doc.ar_cents, head), ("ar", doc.ar_cents, head)]


def journal_entry(documents: Iterable[DraftDocument], commission: CommissionChange | None,
                  policy: Policy, posted_on: dt.date, request_id: str) -> list[JournalLine]:
    """The journal entry of one posted request (documents carry their numbers)."""
    docs = list(documents)
    if not docs:
        return []
    entry = docs[0].number
    raw: list[tuple[str, int, str, DraftDocument]] = []
    for doc in docs:
        raw += [(role, amt, text, doc) for role, amt, text in _lines_of(doc)]
    if commission is not None and commission.commission_cents:
        c = commission.commission_cents
        text = f"Commission {commission.partner} on {commission.document}"
        raw += [("commission_expense", c, text, docs[0]),
                ("commission_payable", -c, text, docs[0])]
    out = []
    for role, amount, text, doc in raw:
        if amount == 0:
            continue
        out.append(JournalLine(entry, len(out) + 1, posted_on, policy.account(role), role,
                               text[:200], max(amount, 0), max(-amount, 0), doc.currency,
                               doc.customer_id, doc.number, doc.kind, doc.applies_document,
                               request_id))
    problem = unbalanced(out)
    if problem:  # pragma: no cover - the lines above balance by construction
        raise AdjustmentError(f"journal entry {entry} does not balance ({problem}); nothing "
                              "was posted")
    return out


def unbalanced(lines: Iterable[JournalLine]) -> str:
    """'' when every entry's debits equal its credits (per currency), else which do not."""
    totals: dict[tuple[str, str], int] = {}
    for line in lines:
        if line.debit_cents < 0 or line.credit_cents < 0 or (line.debit_cents and
                                                               line.credit_cents):
            return f"line {line.line_no} of {line.entry_id} is not one positive side"
        k = (line.entry_id, line.currency)
        totals[k] = totals.get(k, 0) + line.debit_cents - line.credit_cents
    bad = [f"{e} {c} off by {v}" for (e, c), v in totals.items() if v != 0]
    return "; ".join(bad)


def journal_frame(lines: Iterable[JournalLine]) -> pd.DataFrame:
    frame = pd.DataFrame(list(lines), columns=JOURNAL_COLUMNS)
    for c in ("line_no", "debit_cents", "credit_cents"):
        frame[c] = frame[c].astype(np.int64)
    return frame


# -- exports ---------------------------------------------------------------------


def _amount_text(cents, currency) -> list[str]:
    return [f"{cents_to_decimal(int(c), cur):f}" if c else "" for c, cur in
            zip(cents, currency, strict=True)]


def _amounts(cents, currency, as_text: bool) -> list:
    if as_text:
        return _amount_text(cents, currency)
    return [cents_to_decimal(int(c), cur) if c else None for c, cur in
            zip(cents, currency, strict=True)]


def _dates(frame: pd.DataFrame, fmt: str) -> list[str]:
    return [pd.Timestamp(d).strftime(fmt) for d in frame["posted_on"]]


def generic_layout(journal: pd.DataFrame, policy: Policy, as_text: bool = True) -> pd.DataFrame:
    j = journal
    return pd.DataFrame({
        "Entry": j["entry_id"], "Line": j["line_no"], "Date": _dates(j, "%Y-%m-%d"),
        "Account": j["account"], "Account Role": j["role"], "Description": j["description"],
        "Debit": _amounts(j["debit_cents"], j["currency"], as_text),
        "Credit": _amounts(j["credit_cents"], j["currency"], as_text),
        "Currency": j["currency"], "Customer": j["customer_id"], "Document": j["document"],
        "Request": j["request_id"],
    })


def gp_layout(journal: pd.DataFrame, policy: Policy, as_text: bool = True) -> pd.DataFrame:
    j = journal
    entries = {e: i + 1 for i, e in enumerate(dict.fromkeys(j["entry_id"]))}
    return pd.DataFrame({
        "Batch ID": [f"XLAR{pd.Timestamp(d):%Y%m%d}"[:15] for d in j["posted_on"]],
        "Journal Entry": [entries[e] for e in j["entry_id"]],
        "Transaction Date": _dates(j, "%m/%d/%Y"),
        "Reference": [str(e)[:30] for e in j["entry_id"]],
        "Account Number": j["account"],
        "Debit Amount": _amount_text(j["debit_cents"], j["currency"]),
        "Credit Amount": _amount_text(j["credit_cents"], j["currency"]),
        "Distribution Reference": [str(t)[:30] for t in j["description"]],
        "Currency ID": j["currency"],
    })


#: SAP document type (BLART) of an entry, by the kind of its first document.
SAP_DOC_TYPES = {"credit_memo": "DG", "invoice": "DR", "write_off": "DA", "refund": "DA"}


def sap_layout(journal: pd.DataFrame, policy: Policy, as_text: bool = True) -> pd.DataFrame:
    j = journal
    is_ar = (j["role"] == "ar").to_numpy()
    debit = (j["debit_cents"] > 0).to_numpy()
    key = np.where(is_ar, np.where(debit, "01", "11"), np.where(debit, "40", "50"))
    amount = np.where(debit, j["debit_cents"], j["credit_cents"])
    first_kind = j.groupby("entry_id", sort=False)["doc_kind"].transform("first")
    return pd.DataFrame({
        "BUKRS": policy.sap_company_code,
        "BLDAT": _dates(j, "%d.%m.%Y"), "BUDAT": _dates(j, "%d.%m.%Y"),
        "BLART": [SAP_DOC_TYPES.get(k, "SA") for k in first_kind],
        "WAERS": j["currency"], "XBLNR": [str(e)[:16] for e in j["entry_id"]],
        "BKTXT": [f"xlar {r}"[:25] for r in j["request_id"]],
        "BUZEI": j["line_no"], "BSCHL": key,
        "HKONT": np.where(is_ar, "", j["account"]),
        "KUNNR": np.where(is_ar, j["customer_id"], ""),
        "WRBTR": _amount_text(amount, j["currency"]),
        "SGTXT": [str(t)[:50] for t in j["description"]],
        "ZUONR": [str(t)[:18] for t in j["applies_document"]],
    })


EXPORT_FORMATS = {"generic": generic_layout, "gp": gp_layout, "sap": sap_layout}


def export_journal(journal: pd.DataFrame, policy: Policy, fmt: str, path: str | Path) -> Path:
    """Write the journal lines in *fmt* (generic, gp, sap) to *path* (.csv or .xlsx)."""
    from xlar.exports import write_frame

    if fmt not in EXPORT_FORMATS:
        raise AdjustmentError(f"journal format {fmt!r} is one of {', '.join(EXPORT_FORMATS)}")
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise AdjustmentError(f"{path.name}: write the journal to a .csv or .xlsx file")
    as_text = path.suffix.lower() == ".csv"
    return write_frame(EXPORT_FORMATS[fmt](journal, policy, as_text), path)
