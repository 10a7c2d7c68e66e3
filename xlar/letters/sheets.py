"""The workbook edge of letters: the Open Items and Customers sheets read back into
engine frames, and the Letters sheet written and read with the specialist's edits.

Cells hold money in currency units, dates, "Yes"/"No"; the engine wants cents, numpy
dates and booleans.  The conversion is exact: a cell's double is turned back into
the cents it was written from (:func:`xlar.money.parse_amount` rounds to the
currency's minor unit).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.dates import DATE_DTYPE
from xlar.letters.errors import LetterError
from xlar.model import CUSTOMER_COLUMNS, DOC_TYPE_LABELS
from xlar.money import minor_digits
from xlar.workbench.layout import CUSTOMERS, LETTERS, OPEN_ITEMS, SETTINGS, TableLayout
from xlar.workbench.merge import UserCell

__all__ = ["read_settings", "read_open_items", "read_customers", "read_letter_edits",
           "LetterEdit", "letters_frame_for_sheet", "YES"]

YES = {"yes", "y", "true", "1", "x", "si", "sí", "✓", "☑"}


def _plain(v):
    v = v.value if isinstance(v, UserCell) else v
    try:
        return None if pd.isna(v) else v
    except (TypeError, ValueError):
        return v


def _text(v) -> str:
    v = _plain(v)
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_settings(port):
    from xlar.settings import settings_from_table

    t = port.read_table(SETTINGS.table)
    return settings_from_table(t.frame if t is not None else None)


def _frame(port, layout: TableLayout, what: str) -> pd.DataFrame:
    t = port.read_table(layout.table, [c.header for c in layout.columns])
    if t is None:
        raise LetterError(f"the workbook has no {layout.sheet} sheet ({what}); refresh the "
                          "aging first (AR > Refresh Aging, or: xlar refresh WORKBOOK)")
    return t.frame


def _cents(values, currencies) -> np.ndarray:
    out = np.zeros(len(values), dtype=np.int64)
    for i, (v, cur) in enumerate(zip(values, currencies, strict=True)):
        v = _plain(v)
        if v is None or v == "":
            continue
        digits = minor_digits(cur) if isinstance(cur, str) and len(cur) == 3 else 2
        out[i] = int(round(float(v) * 10 ** digits))
    return out


def _dates(values) -> pd.Series:
    return pd.to_datetime(pd.Series([_plain(v) for v in values], dtype=object),
                          errors="coerce").dt.normalize().astype(DATE_DTYPE)


def read_open_items(port) -> pd.DataFrame:
    """The Open Items sheet as open items (engine columns, cents, dates, flags)."""
    raw = _frame(port, OPEN_ITEMS, "the open items letters are made from")
    n = len(raw)
    cols = {c.header: c for c in OPEN_ITEMS.columns}
    out = pd.DataFrame(index=range(n))
    currency = [(_text(v) or "USD").upper() for v in raw.get("Currency", [""] * n)]
    labels = {v.lower(): k for k, v in DOC_TYPE_LABELS.items()}
    for header, col in cols.items():
        values = raw[header].tolist() if header in raw.columns else [None] * n
        if col.kind == "money":
            out[col.field] = _cents(values, currency)
        elif col.kind in ("date", "datetime"):
            out[col.field] = _dates(values)
        elif col.kind == "bool":
            out[col.field] = np.array([_text(v).lower() in YES for v in values], dtype=bool)
        elif col.kind == "int":
            out[col.field] = np.array([int(_plain(v) or 0) for v in values], dtype=np.int64)
        else:
            out[col.field] = pd.Series([_text(v) for v in values], dtype=object)
    out["currency"] = pd.Series(currency, dtype=object)
    out["doc_type"] = pd.Series([labels.get(str(t).lower(), "invoice")
                                 for t in out.pop("doc_type_label")], dtype=object)
    if "item_key" not in out or (out["item_key"] == "").any():
        out["item_key"] = out["customer_id"] + "|" + out["doc_type"] + "|" + out["document"]
    return out[out["customer_id"] != ""].reset_index(drop=True)


def read_customers(port) -> pd.DataFrame | None:
    """The Customers sheet (language, e-mail, address), or None when there is none."""
    t = port.read_table(CUSTOMERS.table, [c.header for c in CUSTOMERS.columns])
    if t is None:
        return None
    raw = t.frame
    out = pd.DataFrame(index=range(len(raw)))
    for c in CUSTOMERS.columns:
        if CUSTOMER_COLUMNS.get(c.field, ("str",))[0] == "str":
            vals = raw[c.header].tolist() if c.header in raw.columns else [""] * len(raw)
            out[c.field] = pd.Series([_text(v) for v in vals], dtype=object)
    out["language"] = out["language"].str.lower().where(out["language"].str.lower().isin(
        ["en", "es"]), "en")
    return out[out["customer_id"] != ""].reset_index(drop=True)


class LetterEdit(NamedTuple):
    """One row of the Letters sheet as the specialist left it.

    Attributes:
      include: True when the row says Yes.
      letter: what the Letter column says ('' = as proposed).
      level, language, delivery, email, special_text: the cells ('' / 0 when empty).
      status: the Status cell (what the last step did with the row).
      reason_shown: the Not Sent Because cell: what the preview said when it left the
        account out (a Yes typed over it is the specialist overriding that reason).
    """

    customer_id: str
    include: bool
    letter: str
    level: int
    language: str
    delivery: str
    email: str
    special_text: str
    status: str
    row: int
    reason_shown: str = ""


def read_letter_edits(port) -> dict[str, LetterEdit] | None:
    """Customer -> the row of the Letters sheet, or None when there is no Letters sheet."""
    t = port.read_table(LETTERS.table, [c.header for c in LETTERS.columns])
    if t is None:
        return None
    out = {}
    for i, r in enumerate(t.frame.to_dict("records")):
        cid = _text(r.get("Customer ID"))
        if not cid:
            continue
        level = _plain(r.get("Level"))
        try:
            level = int(float(level)) if level not in (None, "") else 0
        except (TypeError, ValueError):
            level = -1  # not a number: reported when the batch is made
        out[cid] = LetterEdit(cid, _text(r.get("Include")).lower() in YES, _text(r.get("Letter")),
                              level, _text(r.get("Language")).lower(),
                              _text(r.get("Delivery")).lower(), _text(r.get("E-mail")),
                              _text(r.get("Special Text")), _text(r.get("Status")),
                              t.header_row + 1 + i, _text(r.get("Not Sent Because")))
    return out


def letters_frame_for_sheet(letters: pd.DataFrame, status: dict[str, str] | None = None,
                            special: dict[str, str] | None = None) -> pd.DataFrame:
    """The selection's letters as the Letters sheet shows them."""
    status, special = status or {}, special or {}
    out = pd.DataFrame({
        "include": np.where(letters["include"], "Yes", "No").astype(object),
        "customer_id": letters["customer_id"].astype(object),
        "customer_name": letters["customer_name"].astype(object),
        "letter": [("Credit hold" if k == "credit_hold" else
                    "Statement" if k == "statement" else
                    "Special" if k == "special" else "Dunning") if inc else ""
                   for k, inc in zip(letters["kind"], letters["include"], strict=True)],
        "level": pd.array([int(x) if x else None for x in letters["level"]], dtype="Int64"),
        "language": letters["language"].astype(object),
        "delivery": letters["delivery"].astype(object),
        "email": letters["email"].astype(object),
        "currency": letters["currency"].astype(object),
        "items": letters["items"].astype(np.int64),
        "amount_cents": letters["amount_cents"].astype(np.int64),
        "oldest_days": letters["oldest_days"].astype(np.int64),
        "last_letter": letters["last_letter"].astype(object),
        "why": letters["why"].astype(object),
        "excluded_reason": letters["excluded_reason"].astype(object),
        "special_text": [special.get(c, "") for c in letters["customer_id"]],
        "status": [status.get(c, "") for c in letters["customer_id"]],
    })
    return out
