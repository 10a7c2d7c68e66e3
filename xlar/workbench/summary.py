"""The Summary sheet: totals per bucket as SUMIFS formulas a user can audit.

Every figure on this sheet is a formula over the ``OpenItems`` Table, so it
recalculates in Excel and a specialist can click it to see how it is made.
Beside each formula stands the engine's own figure at refresh time and a
check cell, so a filter or an edit that breaks the agreement shows at once.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from xlar.aging import Buckets
from xlar.money import minor_digits
from xlar.workbench.layout import NUMBER_FORMATS, OPEN_ITEMS, SUMMARY_SHEET
from xlar.workbench.plan import Cell, Formula, SheetPlan

__all__ = ["summary_plan", "SUMMARY_HEADER_ROW"]

SUMMARY_HEADER_ROW = 7
_T = OPEN_ITEMS.table


def _money_format(currency: str) -> str:
    d = minor_digits(currency)
    return NUMBER_FORMATS["money" if d == 2 else f"money{d}"]


def summary_plan(totals: pd.DataFrame, buckets: Buckets, as_of: dt.date,
                 source: str) -> SheetPlan:
    """The Summary sheet: one block per currency (buckets, balance, past due, disputed)."""
    cells = [
        Cell(1, 1, "AR Aging Summary", style="title"),
        Cell(2, 1, "As of"), Cell(2, 2, as_of, NUMBER_FORMATS["date"]),
        Cell(3, 1, "Source"), Cell(3, 2, source),
        Cell(4, 1, "Aging basis"),
        Cell(4, 2, "days past due date" if buckets.basis == "due" else "days since document date"),
        Cell(5, 1, "Amount and Items are formulas over the OpenItems table; xlar Amount is the "
                   "engine's figure at refresh; Check says whether they agree.", style="note"),
    ]
    headers = ["Currency", "Bucket", "Amount", "Items", "% of Balance", "xlar Amount", "Check"]
    cells += [Cell(SUMMARY_HEADER_ROW, j, h, style="header") for j, h in enumerate(headers, 1)]
    r = SUMMARY_HEADER_ROW + 1
    for _, tot in totals.iterrows():
        cur = str(tot["currency"])
        fmt = _money_format(cur)
        units = 10 ** minor_digits(cur)
        first = r
        balance_row = r + len(buckets.labels)
        for label in buckets.labels:
            cells += _row(r, cur, label,
                          f"=SUMIFS({_T}[Open Amount],{_T}[Currency],$A{r},{_T}[Bucket],$B{r})",
                          f"=COUNTIFS({_T}[Currency],$A{r},{_T}[Bucket],$B{r})",
                          f"=IF($C${balance_row}=0,0,C{r}/$C${balance_row})",
                          int(tot[label]) / units, fmt)
            r += 1
        cells += _row(r, cur, "Balance", f"=SUMIFS({_T}[Open Amount],{_T}[Currency],$A{r})",
                      f"=COUNTIFS({_T}[Currency],$A{r})",
                      # 100% when the buckets above add up to the balance.
                      f"=IF(C{r}=0,0,SUM(C{first}:C{r - 1})/C{r})",
                      int(tot["balance_cents"]) / units, fmt, bold=True)
        r += 1
        cells += _row(r, cur, "Past due",
                      f'=SUMIFS({_T}[Open Amount],{_T}[Currency],$A{r},{_T}[Days Past Due],">0")',
                      f'=COUNTIFS({_T}[Currency],$A{r},{_T}[Days Past Due],">0")',
                      f"=IF($C${balance_row}=0,0,C{r}/$C${balance_row})",
                      int(tot["past_due_cents"]) / units, fmt, bold=True)
        r += 1
        cells += _row(r, cur, "Disputed",
                      f'=SUMIFS({_T}[Open Amount],{_T}[Currency],$A{r},{_T}[Disputed],"Yes")',
                      f'=COUNTIFS({_T}[Currency],$A{r},{_T}[Disputed],"Yes")',
                      f"=IF($C${balance_row}=0,0,C{r}/$C${balance_row})",
                      int(tot["disputed_cents"]) / units, fmt)
        r += 2
    widths = dict(zip("ABCDEFG", (10, 16, 17, 9, 12, 17, 9), strict=True))
    return SheetPlan(SUMMARY_SHEET, cells, widths, SUMMARY_HEADER_ROW + 1)


def _row(r, currency, label, amount, items, share, engine, fmt, bold=False) -> list[Cell]:
    style = "bold" if bold else None
    return [
        Cell(r, 1, currency), Cell(r, 2, label, style=style),
        Cell(r, 3, Formula(amount), fmt, style), Cell(r, 4, Formula(items), NUMBER_FORMATS["int"]),
        Cell(r, 5, Formula(share), NUMBER_FORMATS["pct"]), Cell(r, 6, engine, fmt, style),
        Cell(r, 7, Formula(f'=IF(ROUND(C{r}-F{r},2)=0,"OK","CHECK")')),
    ]
