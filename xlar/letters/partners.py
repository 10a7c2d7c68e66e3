"""Sales-partner past-due lists: collections are worked together with the partners.

For each sales partner, the past-due items of their customers, with the last note
and the next action from the account notes and the letter each customer gets in
this batch, as a workbook (an Excel table, one row per item) and its PDF, e-mailed
to the partner with the batch's letters.  The frames are made here (pure); the
files are written by :mod:`xlar.letters.batch`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.letters.errors import LetterError
from xlar.workbench.layout import Col, TableLayout

__all__ = ["PARTNER_LIST", "partner_lists", "partner_emails", "write_partner_workbook",
           "PartnerList", "partner_file_stem"]

PARTNER_LIST = TableLayout("Past Due", "PastDue", (
    Col("Customer ID", "customer_id", "text", 11),
    Col("Customer Name", "customer_name", "text", 28),
    Col("Document", "document", "text", 12),
    Col("Type", "doc_type_label", "text", 9),
    Col("Due Date", "due_date", "date", 10),
    Col("Days Late", "days_past_due", "int", 7),
    Col("Open Amount", "open_cents", "money", 13),
    Col("Cur.", "currency", "text", 6),
    Col("Disputed", "disputed", "bool", 9),
    Col("Last Note", "last_note", "text", 30),
    Col("Next Action", "next_action", "text", 18),
    Col("Next Action Date", "next_action_date", "date", 11),
    Col("Letter Today", "letter_today", "text", 17),
))


class PartnerList(NamedTuple):
    """One partner's list.

    Attributes:
      partner: the sales partner's name.  items: the rows (PARTNER_LIST's fields).
      totals: currency -> past-due cents.  customers: how many customers.
    """

    partner: str
    items: pd.DataFrame
    totals: dict[str, int]
    customers: int


def partner_lists(aged: pd.DataFrame, letter_today: dict[str, str],
                  notes: pd.DataFrame | None = None) -> list[PartnerList]:
    """The past-due lists of every sales partner with past-due customers.

    *aged*: the open items with ``days_past_due`` (and ``last_note``,
    ``next_action``, ``next_action_date`` when the workbook has them, as of its last
    refresh); *letter_today*: customer -> the letter it gets in this batch ('' for
    none); *notes*: each customer's latest note now (customer_id, last_note,
    next_action, next_action_date, :func:`xlar.letters.history.latest_notes`), which
    wins over what the sheet showed at the last refresh.
    """
    from xlar.model import DOC_TYPE_LABELS

    due = aged[(aged["open_cents"] > 0) & (aged["days_past_due"] > 0)].copy()
    if not len(due):
        return []
    for c in ("last_note", "next_action"):
        if c not in due:
            due[c] = ""
        due[c] = due[c].fillna("").astype(object)
    if "next_action_date" not in due:
        due["next_action_date"] = pd.NaT
    due["next_action_date"] = pd.to_datetime(due["next_action_date"], errors="coerce")
    if notes is not None and len(notes):
        latest = notes.drop_duplicates("customer_id", keep="last").set_index("customer_id")
        has = due["customer_id"].astype(str).isin(latest.index).to_numpy()
        cid = due.loc[has, "customer_id"].astype(str)
        for c in ("last_note", "next_action"):
            due.loc[has, c] = cid.map(latest[c]).fillna("").to_numpy(object)
        due.loc[has, "next_action_date"] = pd.to_datetime(
            cid.map(latest["next_action_date"]), errors="coerce").to_numpy()
    due["sales_partner"] = due["sales_partner"].fillna("").astype(str).str.strip()
    due["doc_type_label"] = due["doc_type"].map(DOC_TYPE_LABELS).fillna(due["doc_type"])
    due["letter_today"] = [letter_today.get(c, "") for c in due["customer_id"]]
    out = []
    for partner, g in due.groupby("sales_partner", sort=True):
        g = g.sort_values(["customer_name", "customer_id", "days_past_due"],
                          ascending=[True, True, False], kind="stable").reset_index(drop=True)
        totals = {c: int(v) for c, v in g.groupby("currency")["open_cents"].sum().items()}
        out.append(PartnerList(str(partner) or "(no sales partner)",
                               g[[c.field for c in PARTNER_LIST.columns]], totals,
                               int(g["customer_id"].nunique())))
    return out


def partner_emails(text: str) -> dict[str, str]:
    """``"Dana Whitaker=dana@x.com; Tom Kowalski=tom@x.com"`` -> name -> address."""
    out = {}
    for part in re.split(r"[;\n]", text or ""):
        if not part.strip():
            continue
        name, sep, address = part.partition("=")
        if not sep or "@" not in address:
            raise LetterError(f"Settings: sales_partner_emails part {part.strip()!r} should read "
                              "'Name=address@example.com'")
        out[name.strip()] = address.strip()
    return out


def partner_file_stem(partner: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in " -_." else "_" for ch in partner).strip()
    return f"Past due - {safe or 'no partner'}"


def write_partner_workbook(lst: PartnerList, path: Path, as_of, company: str = "") -> None:
    """The partner's list as a workbook: a title line, then an Excel table (filters,
    frozen header, accounting formats), set up to print landscape on one page wide."""
    from openpyxl import Workbook

    from xlar.workbench.plan import table_plan
    from xlar.workbench.xlsx import apply_table_plan

    title = (f"{company + ': ' if company else ''}past-due items of {lst.partner}'s customers "
             f"at {pd.Timestamp(as_of):%Y-%m-%d} ({lst.customers} customers, "
             f"{len(lst.items)} items)")
    layout = PARTNER_LIST._replace(title=title)
    frame = lst.items.copy()
    frame["days_past_due"] = frame["days_past_due"].astype(np.int64)
    wb = Workbook()
    wb.remove(wb.active)
    plan = table_plan(layout, frame)
    ws = apply_table_plan(wb, plan, 0)
    ws.row_dimensions[plan.header_row].height = 27  # two lines: headers wrap, not clipped
    wb.save(path)
