"""The Summary sheet: totals per bucket as SUMIFS formulas a user can audit.

Every figure on this sheet is a formula over the ``OpenItems`` Table, so it
recalculates in Excel and a specialist can click it to see how it is made.
Beside each formula stands the engine's own figure at refresh time and a
check cell, so a filter or an edit that breaks the agreement shows at once.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl.styles import Font

from xlar.aging import Buckets
from xlar.money import minor_digits
from xlar.workbench.layout import NUMBER_FORMATS, OPEN_ITEMS, SUMMARY_SHEET
from xlar.workbench.xlsx import (
    BOLD_FONT,
    HEADER_FILL,
    HEADER_FONT,
    TITLE_FONT,
    print_setup,
    replace_sheet,
    write_text,
)

__all__ = ["write_summary", "SUMMARY_HEADER_ROW"]

SUMMARY_HEADER_ROW = 7
_T = OPEN_ITEMS.table


def _money_format(currency: str) -> str:
    d = minor_digits(currency)
    return NUMBER_FORMATS["money" if d == 2 else f"money{d}"]


def write_summary(wb, totals: pd.DataFrame, buckets: Buckets, as_of: dt.date, source: str,
                  index: int = 0) -> None:
    """Write the Summary sheet: one block per currency (buckets, balance, past due, disputed)."""
    ws = replace_sheet(wb, SUMMARY_SHEET, index)
    ws["A1"] = "AR Aging Summary"
    ws["A1"].font = TITLE_FONT
    ws["A2"], ws["B2"] = "As of", as_of
    ws["B2"].number_format = NUMBER_FORMATS["date"]
    ws["A3"] = "Source"
    write_text(ws["B3"], source)
    ws["A4"] = "Aging basis"
    ws["B4"] = "days past due date" if buckets.basis == "due" else "days since document date"
    ws["A5"] = ("Amount and Items are formulas over the OpenItems table; xlar Amount is the "
                "engine's figure at refresh; Check says whether they agree.")
    ws["A5"].font = Font(name="Calibri", italic=True, color="595959")
    headers = ["Currency", "Bucket", "Amount", "Items", "% of Balance", "xlar Amount", "Check"]
    for j, h in enumerate(headers, start=1):
        c = ws.cell(SUMMARY_HEADER_ROW, j, h)
        c.font, c.fill = HEADER_FONT, HEADER_FILL
    for col, width in zip("ABCDEFG", (10, 16, 17, 9, 12, 17, 9), strict=True):
        ws.column_dimensions[col].width = width
    r = SUMMARY_HEADER_ROW + 1
    for _, tot in totals.iterrows():
        cur = str(tot["currency"])
        fmt = _money_format(cur)
        units = 10 ** minor_digits(cur)
        first = r
        balance_row = r + len(buckets.labels)
        for label in buckets.labels:
            _row(ws, r, cur, label,
                 f'=SUMIFS({_T}[Open Amount],{_T}[Currency],$A{r},{_T}[Bucket],$B{r})',
                 f'=COUNTIFS({_T}[Currency],$A{r},{_T}[Bucket],$B{r})',
                 f"=IF($C${balance_row}=0,0,C{r}/$C${balance_row})",
                 int(tot[label]) / units, fmt)
            r += 1
        _row(ws, r, cur, "Balance", f"=SUMIFS({_T}[Open Amount],{_T}[Currency],$A{r})",
             f"=COUNTIFS({_T}[Currency],$A{r})",
             # 100% when the buckets above add up to the balance.
             f"=IF(C{r}=0,0,SUM(C{first}:C{r - 1})/C{r})",
             int(tot["balance_cents"]) / units, fmt, bold=True)
        r += 1
        _row(ws, r, cur, "Past due",
             f'=SUMIFS({_T}[Open Amount],{_T}[Currency],$A{r},{_T}[Days Past Due],">0")',
             f'=COUNTIFS({_T}[Currency],$A{r},{_T}[Days Past Due],">0")',
             f"=IF($C${balance_row}=0,0,C{r}/$C${balance_row})",
             int(tot["past_due_cents"]) / units, fmt, bold=True)
        r += 1
        _row(ws, r, cur, "Disputed",
             f'=SUMIFS({_T}[Open Amount],{_T}[Currency],$A{r},{_T}[Disputed],"Yes")',
             f'=COUNTIFS({_T}[Currency],$A{r},{_T}[Disputed],"Yes")',
             f"=IF($C${balance_row}=0,0,C{r}/$C${balance_row})",
             int(tot["disputed_cents"]) / units, fmt)
        r += 2
    ws.freeze_panes = ws.cell(SUMMARY_HEADER_ROW + 1, 1)
    print_setup(ws, SUMMARY_HEADER_ROW)


def _row(ws, r, currency, label, amount, items, share, engine, fmt, bold=False) -> None:
    ws.cell(r, 1, currency)
    ws.cell(r, 2, label)
    ws.cell(r, 3, amount).number_format = fmt
    ws.cell(r, 4, items).number_format = NUMBER_FORMATS["int"]
    ws.cell(r, 5, share).number_format = NUMBER_FORMATS["pct"]
    ws.cell(r, 6, engine).number_format = fmt
    ws.cell(r, 7, f'=IF(ROUND(C{r}-F{r},2)=0,"OK","CHECK")')
    if bold:
        for j in (2, 3, 6):
            ws.cell(r, j).font = BOLD_FONT
