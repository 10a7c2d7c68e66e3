"""Reading what a specialist typed on the account sheets (Notes, Promises, Disputes,
Payment Plans, Exceptions) into values the activity store can keep.

Pure: a row of cells in, store values or a reason out.  A row that cannot be
saved keeps its place on the sheet with the reason in its *Saved* column, so
nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd

from xlar.dates import parse_dates
from xlar.money import is_currency, minor_digits, parse_amount
from xlar.store.schema import DISPUTE_REASONS, DISPUTE_STATUSES
from xlar.text import normalise_header
from xlar.workbench.layout import FORMS
from xlar.workbench.merge import UserCell

__all__ = ["FormRow", "FormDefaults", "read_form", "FREQUENCIES", "editable_fields"]

FREQUENCIES = ("weekly", "biweekly", "monthly")


class FormDefaults(NamedTuple):
    """What an empty cell means: today's date, the workbench currency, the user."""

    today: dt.date
    currency: str = "USD"
    user: str = ""


class FormRow(NamedTuple):
    """One row of an account sheet.

    Attributes:
      position: the row's index in the sheet's table (0-based).
      record_id: the ID cell ('' for a new row).
      values: the store values (None when the row has an error).
      error: why the row cannot be saved, or None.
      blank: True for an empty row (nothing to save, nothing to keep).
      user_cells: the row's cells in the user's own columns, to keep beside it.
      cells: the row's own cells as typed (field -> value), to show a row that
        could not be saved exactly as the user left it.
    """

    position: int
    record_id: str
    values: dict | None
    error: str | None
    blank: bool
    user_cells: dict[str, UserCell]
    cells: dict


def editable_fields(kind: str) -> list[str]:
    """The store fields a specialist types for *kind* (the rest are xlar's)."""
    computed = {"record_id", "version", "saved", "status", "paid_cents", "reason", "days_open",
                "next_due", "behind_cents"}
    return [c.field for c in FORMS[kind].columns if c.field not in computed]


def _plain(v):
    """A cell's value, with pandas' missing markers (NaT, NaN) as None."""
    v = v.value if isinstance(v, UserCell) else v
    try:
        return None if pd.isna(v) else v
    except (TypeError, ValueError):  # list-like values: not a missing marker
        return v


def _text(v) -> str:
    v = _plain(v)
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()[:10]
    return str(v).strip()


def _date(v, label: str, required: bool, default: dt.date | None = None):
    v = _plain(v)
    if isinstance(v, dt.datetime):
        return v.date(), None
    if isinstance(v, dt.date):
        return v, None
    if _text(v) == "":
        if required and default is None:
            return None, f"{label} is missing"
        return default, None
    p = parse_dates(pd.Series([v], dtype=object))
    if not p.ok[0]:
        return None, f"{label}: {p.reason[0]}"
    return pd.Timestamp(p.dates[0]).date(), None


def _money(v, currency: str, label: str, required: bool = True):
    v = _plain(v)
    if _text(v) == "":
        return (None, f"{label} is missing") if required else (0, None)
    cents, why = parse_amount(v, ".", minor_digits(currency))
    if why:
        return None, f"{label}: {why}"
    return cents, None


def _flag(v) -> bool:
    return _text(v).lower() in ("yes", "y", "true", "1", "x", "si", "sí")


_REASON_WORDS = {normalise_header(r.replace("_", " ")): r for r in DISPUTE_REASONS} | {
    "promotion": "promotion_allowance", "allowance": "promotion_allowance",
    "short": "quantity_short", "quantity": "quantity_short", "duplicate": "duplicate_billing",
    "price": "pricing", "damage": "damaged", "not delivered": "not_received",
    "precio": "pricing", "cantidad": "quantity_short", "danado": "damaged",
    "no recibido": "not_received", "impuesto": "tax", "duplicado": "duplicate_billing",
}
_STATUS_WORDS = {normalise_header(x.replace("_", " ")): x for x in DISPUTE_STATUSES} | {
    "valid": "resolved_valid", "invalid": "resolved_invalid", "": "open"}


def _parse(kind: str, cell: Mapping, d: FormDefaults) -> tuple[dict | None, str | None]:
    """Store values for one row of *kind*, or the reasons it cannot be saved."""
    errors: list[str] = []

    def need(field: str, label: str) -> str:
        value = _text(cell.get(field))
        if not value:
            errors.append(f"{label} is missing")
        return value

    def date(field: str, label: str, required: bool, default=None):
        value, err = _date(cell.get(field), label, required, default)
        if err:
            errors.append(err)
        return value

    def currency() -> str:
        c = (_text(cell.get("currency")) or d.currency).upper()
        if not is_currency(c):
            errors.append(f"currency {c!r} is not an ISO code")
            return d.currency
        return c

    def money(field: str, label: str, cur: str, required: bool = True):
        value, err = _money(cell.get(field), cur, label, required)
        if err:
            errors.append(err)
        return value

    values: dict = {"customer_id": need("customer_id", "customer")}
    if kind == "note":
        values |= {
            "document": _text(cell.get("document")),
            "note_date": date("note_date", "date", False, d.today),
            "text": need("text", "the note"),
            "outcome": _text(cell.get("outcome")), "contact": _text(cell.get("contact")),
            "next_action": _text(cell.get("next_action")),
            "next_action_date": date("next_action_date", "next action date", False),
        }
    elif kind == "promise":
        cur = currency()
        values |= {
            "document": _text(cell.get("document")),
            "promised_on": date("promised_on", "the date of the promise", False, d.today),
            "promised_date": date("promised_date", "the date promised (Pay By)", True),
            "amount_cents": money("amount_cents", "amount", cur),
            "currency": cur, "contact": _text(cell.get("contact")),
            "note": _text(cell.get("note")), "cancelled": _flag(cell.get("cancelled")),
        }
        if values["amount_cents"] is not None and values["amount_cents"] <= 0:
            errors.append("amount must be more than zero")
    elif kind == "dispute":
        cur = currency()
        reason = _REASON_WORDS.get(normalise_header(_text(cell.get("reason_code"))))
        if reason is None:
            errors.append(f"reason code {_text(cell.get('reason_code'))!r} is not one of "
                          f"{', '.join(r.replace('_', ' ') for r in DISPUTE_REASONS)}")
        status = _STATUS_WORDS.get(normalise_header(_text(cell.get("status"))))
        if status is None:
            errors.append(f"status {_text(cell.get('status'))!r} is not open, resolved valid "
                          "or resolved invalid")
        values |= {
            "document": _text(cell.get("document")), "reason_code": reason or "",
            "amount_cents": money("amount_cents", "amount", cur), "currency": cur,
            "status": status or "open", "owner": _text(cell.get("owner")) or d.user,
            "opened_on": date("opened_on", "opened on", False, d.today),
            "resolved_on": date("resolved_on", "resolved on", False),
            "note": _text(cell.get("note")),
        }
        if status and status != "open" and values["resolved_on"] is None:
            values["resolved_on"] = d.today
    elif kind == "payment_plan":
        cur = currency()
        n = _text(cell.get("installments"))
        freq = _text(cell.get("frequency")).lower() or "monthly"
        if freq not in FREQUENCIES:
            errors.append(f"frequency {freq!r} is not weekly, biweekly or monthly")
        if not n.isdigit() or int(n) < 1:
            errors.append(f"installments {n!r} must be a whole number of 1 or more")
        values |= {
            "total_cents": money("total_cents", "total", cur), "currency": cur,
            "installments": int(n) if n.isdigit() else 0,
            "first_date": date("first_date", "first date", True), "frequency": freq,
            "documents": _text(cell.get("documents")), "note": _text(cell.get("note")),
            "cancelled": _flag(cell.get("cancelled")),
        }
    elif kind == "exception":
        values |= {
            "reason": need("reason", "the reason"),
            "until_date": date("until_date", "until", False),
            "approved_by": need("approved_by", "who approved it"),
            "ended": _flag(cell.get("ended")),
        }
    else:
        raise ValueError(f"unknown account sheet kind {kind!r}")
    return (None, "; ".join(errors)) if errors else (values, None)


def read_form(kind: str, frame: pd.DataFrame | None, defaults: FormDefaults) -> list[FormRow]:
    """Every row of an account sheet's table, parsed (blank rows marked blank)."""
    if frame is None or frame.empty:
        return []
    layout = FORMS[kind]
    by_header = {c.header.lower(): c.field for c in layout.columns}
    owned = {c.header.lower() for c in layout.columns}
    editable = set(editable_fields(kind))
    rows = []
    for i, r in enumerate(frame.to_dict("records")):
        cell = {by_header[h.lower()]: v for h, v in r.items() if h.lower() in by_header}
        user = {h: (v if isinstance(v, UserCell) else UserCell(v)) for h, v in r.items()
                if h.lower() not in owned}
        rid = _text(cell.get("record_id"))
        blank = not rid and all(_text(cell.get(f)) == "" for f in editable)
        if blank:
            rows.append(FormRow(i, "", None, None, True, user, cell))
            continue
        values, error = _parse(kind, cell, defaults)
        rows.append(FormRow(i, rid, values, error, False, user,
                            {k: _plain(v) for k, v in cell.items()}))
    return rows
