"""Payments in: the shape every bank, lockbox, remittance and card reader returns.

A reader turns a file into a :class:`PaymentsResult`:

* ``payments``: one row per money movement on the statement (credits, and
  debits too, so that nothing on the statement is lost; cash application
  only works on credits), columns :data:`PAYMENT_COLUMNS`;
* ``remittances``: what the payer said the money is for, one row per
  document named (structured remittance, a remittance advice, a lockbox
  detail), columns :data:`REMITTANCE_COLUMNS`;
* ``rejections``: lines or records that could not be read, with file,
  sheet, line, raw text and reason (as the open-items readers);
* ``control``: counts and the control totals the file itself carries
  (BAI2 group/account/file totals, camt/MT940 opening and closing
  balances), each checked against what was read
  (:class:`xlar.imports.common.Control`).

Money is integer minor units; credits positive, debits negative.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.dates import DATE_DTYPE
from xlar.imports.common import Control

__all__ = ["PAYMENT_COLUMNS", "REMITTANCE_COLUMNS", "PaymentsResult", "payment_frame",
           "remittance_frame", "payment_id", "KINDS"]

#: What kind of receipt a payment is (drives how it is matched and posted).
KINDS = ("wire", "ach", "sepa", "check", "lockbox", "card", "cash", "other")

#: name -> (kind, meaning)
PAYMENT_COLUMNS: dict[str, tuple[str, str]] = {
    "payment_id": ("str", "stable id: the same line of the same file always gets the same id"),
    "source_file": ("str", "file read"),
    "source_sheet": ("str", "sheet ('' for text and XML files)"),
    "source_line": ("int", "line (text), row (sheet) or entry number (XML) in the file"),
    "account": ("str", "our account the money came into (IBAN or account number)"),
    "booking_date": ("date", "date booked on the statement"),
    "value_date": ("date", "value date (the booking date when the file has none)"),
    "amount_cents": ("cents", "amount; credits (receipts) positive, debits negative"),
    "currency": ("str", "ISO currency"),
    "direction": ("str", "credit or debit"),
    "kind": ("str", "wire / ach / sepa / check / lockbox / card / cash / other"),
    "bank_code": ("str", "the bank's transaction code (BAI2 type, camt BkTxCd, MT940 code)"),
    "payer_name": ("str", "name of who paid, as the bank gives it"),
    "payer_account": ("str", "payer's IBAN / account number"),
    "payer_bank": ("str", "payer's bank (BIC or routing number)"),
    "remittance": ("str", "remittance text (unstructured), lines joined by ' / '"),
    "end_to_end_id": ("str", "payer's end-to-end reference"),
    "bank_reference": ("str", "the bank's reference of the transaction"),
    "creditor_reference": ("str", "structured creditor reference (RF, ISR/QR-reference, OCR)"),
    "customer_reference": ("str", "customer number given by the payer or the lockbox"),
    "check_number": ("str", "check number for checks and lockbox items"),
    "reversal": ("bool", "True when the entry reverses an earlier one"),
    "charges_cents": ("cents", "bank charges taken from the amount (0 if none)"),
}

REMITTANCE_COLUMNS: dict[str, tuple[str, str]] = {
    "payment_id": ("str", "the payment this line explains"),
    "document": ("str", "document (invoice, credit note) number as the payer wrote it"),
    "doc_type": ("str", "invoice or credit_memo (a credit note the payer nets)"),
    "amount_cents": ("cents", "amount paid for this document (credit notes negative)"),
    "discount_cents": ("cents", "early-payment discount taken"),
    "deduction_cents": ("cents", "amount withheld (short payment)"),
    "deduction_reason": ("str", "why it was withheld, as the payer says"),
    "source_line": ("int", "line of the remittance in the file"),
}

_FILL = {"str": "", "int": 0, "cents": 0, "bool": False}


class PaymentsResult(NamedTuple):
    payments: pd.DataFrame
    remittances: pd.DataFrame
    rejections: pd.DataFrame
    control: Control


def _frame(records: list[dict], columns: dict[str, tuple[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    for name, (kind, _) in columns.items():
        s = frame[name]
        if kind == "date":
            frame[name] = pd.to_datetime(s, errors="coerce").astype(DATE_DTYPE)
        elif kind in ("cents", "int"):
            frame[name] = s.fillna(0).astype(np.int64)
        elif kind == "bool":
            frame[name] = s.astype(object).fillna(False).astype(bool)
        else:
            frame[name] = s.map(lambda v: "" if v is None or (isinstance(v, float) and v != v)
                                else str(v)).astype(object)
    return frame


def payment_frame(records: list[dict]) -> pd.DataFrame:
    """Payments from dicts (missing keys filled: '' text, 0 cents, NaT dates)."""
    frame = _frame(records, PAYMENT_COLUMNS)
    frame["value_date"] = frame["value_date"].fillna(frame["booking_date"])
    frame["direction"] = np.where(frame["amount_cents"] < 0, "debit", "credit")
    return frame


def remittance_frame(records: list[dict]) -> pd.DataFrame:
    frame = _frame(records, REMITTANCE_COLUMNS)
    frame.loc[frame["doc_type"] == "", "doc_type"] = "invoice"
    return frame


def payment_id(*parts) -> str:
    """A stable id from what identifies a transaction on a statement.

    Give the account, booking date, amount, the bank's own reference (or
    end-to-end id, or check number) and the transaction's occurrence number
    among identical ones, **not** the file name: the same statement received
    twice, under another name, must give the same ids, which is what makes
    posting it twice a no-op.
    """
    from xlar.store.api import stable_key

    return "P" + stable_key(*parts)[:15]
