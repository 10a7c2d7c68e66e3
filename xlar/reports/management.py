"""The management past-due report: one or two pages for managers, as .xlsx and PDF.

What a credit manager reads on Monday morning: the aging by bucket per currency, the
key figures (past due, % past due, DSO, CEI), the 20 largest past-due accounts with
the collector's last note and next action, open disputes by reason, promises to pay
by status, and the trend of past due and DSO over the last agings.

:func:`management_report` gathers it (pure: tables in, a :class:`ManagementReport`
out); :func:`write_report_xlsx` lays it out print-ready (landscape, one page wide);
:func:`xlar.reports.office.convert_to_pdf` makes the PDF with LibreOffice headless.
The ``management_report`` action (ribbon: AR > Aging > Past-Due Report; CLI:
``xlar report management WORKBOOK``) reads the refreshed workbench and its store.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.actions import Outcome, action
from xlar.money import format_money, minor_digits
from xlar.progress import Progress
from xlar.workbench.refresh import RefreshError

__all__ = ["ManagementReport", "management_report", "write_report_xlsx",
           "report_from_workbench", "TOP_ACCOUNTS", "ReportError"]

TOP_ACCOUNTS = 20
#: Agings the trend shows.
TREND_POINTS = 7


class ReportError(RefreshError):
    """The workbench has nothing to report on yet (never refreshed)."""


class ManagementReport(NamedTuple):
    """Everything on the report.  Money in cents.

    Attributes:
      title, as_of, source, prepared_by: the heading.
      labels: bucket labels; main_currency: the one whose accounts and trend are shown.
      aging: per currency: items, balance, one column per bucket, past due, % past due.
      top: the largest past-due accounts of the main currency, with last note, next
        action (and its date) and promise.
      disputes: open disputes per reason code and currency: count, amount, oldest days.
      promises: promises per status and currency: count, amount.
      trend: the main currency's last agings (see xlar.kpis.trend).
      other_currencies: accounts past due in the other currencies (count), a pointer.
    """

    title: str
    as_of: dt.date
    source: str
    prepared_by: str
    labels: tuple[str, ...]
    main_currency: str
    aging: pd.DataFrame
    top: pd.DataFrame
    disputes: pd.DataFrame
    promises: pd.DataFrame
    trend: pd.DataFrame
    other_currencies: dict


def management_report(by_customer: pd.DataFrame, labels: tuple[str, ...], as_of: dt.date,
                      disputes: pd.DataFrame, promises: pd.DataFrame, trend: pd.DataFrame,
                      company: str = "", source: str = "", prepared_by: str = "",
                      currency: str = "USD", top: int = TOP_ACCOUNTS) -> ManagementReport:
    """The report from the aging by customer (engine columns, cents) and the store's
    disputes, promises and trend.  Pure."""
    labels = tuple(labels)
    agg = by_customer.groupby("currency", sort=True)
    aging = agg[["items", "balance_cents", *labels, "past_due_cents"]].sum().reset_index()
    aging["pct_past_due"] = np.where(aging["balance_cents"] > 0, aging["past_due_cents"]
                                     / aging["balance_cents"].where(aging["balance_cents"] > 0, 1),
                                     np.nan)
    currencies = list(aging["currency"])
    main = currency if currency in currencies else (
        str(aging.sort_values("past_due_cents", ascending=False).iloc[0]["currency"])
        if currencies else currency)
    due = by_customer[(by_customer["currency"] == main) & (by_customer["past_due_cents"] > 0)]
    top_rows = due.sort_values(["past_due_cents", "customer_id"], ascending=[False, True]).head(top)
    others = {c: int(((by_customer["currency"] == c) & (by_customer["past_due_cents"] > 0)).sum())
              for c in currencies if c != main}

    open_disputes = disputes[disputes["status"] == "open"] if len(disputes) else disputes
    if len(open_disputes):
        d = open_disputes.groupby(["currency", "reason_code"], sort=True).agg(
            count=("record_id", "size"), amount_cents=("amount_cents", "sum"),
            oldest_days=("days_open", "max")).reset_index()
    else:
        d = pd.DataFrame(columns=["currency", "reason_code", "count", "amount_cents",
                                  "oldest_days"])
    if len(promises):
        p = promises.groupby(["currency", "status"], sort=True).agg(
            count=("record_id", "size"), amount_cents=("amount_cents", "sum")).reset_index()
    else:
        p = pd.DataFrame(columns=["currency", "status", "count", "amount_cents"])
    t = trend[trend["currency"] == main].tail(TREND_POINTS) if len(trend) else trend
    title = f"{company}: Past-Due Report" if company else "Accounts Receivable: Past-Due Report"
    return ManagementReport(title, as_of, source, prepared_by, labels, main, aging,
                            top_rows.reset_index(drop=True), d, p, t.reset_index(drop=True),
                            others)


# ---------------------------------------------------------------------------
# The .xlsx, print-ready
# ---------------------------------------------------------------------------

_NAVY = "1F4E78"
_LIGHT = "DDEBF7"


def write_report_xlsx(r: ManagementReport, path: str | Path) -> Path:
    """Lay the report out on one sheet, landscape, one page wide, and save it atomically."""
    from openpyxl import Workbook
    from openpyxl.chart import LineChart, Reference
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.properties import PageSetupProperties

    from xlar.workbench.layout import NUMBER_FORMATS
    from xlar.workbench.xlsx import save_atomic, write_text

    wb = Workbook()
    ws = wb.active
    ws.title = "Past-Due Report"
    thin = Side(style="thin", color="BFBFBF")
    head_font = Font(name="Calibri", bold=True, color="FFFFFF", size=9)
    head_fill = PatternFill("solid", fgColor=_NAVY)
    body = Font(name="Calibri", size=9)
    bold = Font(name="Calibri", size=9, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    ncols = max(10, len(r.labels) + 4)

    def money_fmt(cur: str) -> str:
        d = minor_digits(cur)
        return NUMBER_FORMATS["money" if d == 2 else f"money{d}"]

    def cell(row, col, value, font=body, fmt=None, align=None, fill=None):
        c = ws.cell(row, col)
        if isinstance(value, str):
            write_text(c, value)
        elif value is not None and not (isinstance(value, float) and np.isnan(value)):
            c.value = value
        c.font = font
        if fmt:
            c.number_format = fmt
        if align:
            c.alignment = align
        if fill:
            c.fill = PatternFill("solid", fgColor=fill)
        c.border = Border(bottom=thin)
        return c

    def header(row, names, first=1):
        for j, name in enumerate(names):
            c = cell(row, first + j, name, head_font, align=Alignment(wrap_text=True,
                                                                       vertical="center"))
            c.fill = head_fill

    def section(row, text):
        c = ws.cell(row, 1, text)
        c.font = Font(name="Calibri", size=11, bold=True, color=_NAVY)
        return row + 1

    ws.cell(1, 1, r.title).font = Font(name="Calibri", size=16, bold=True, color=_NAVY)
    sub = f"Aging at {r.as_of:%B %d, %Y}"
    if r.source:
        sub += f" from {r.source}"
    sub += f"; prepared {dt.date.today():%Y-%m-%d}"
    if r.prepared_by:
        sub += f" by {r.prepared_by}"
    ws.cell(2, 1, sub).font = Font(name="Calibri", size=9, italic=True, color="595959")

    # Key figures of the main currency, in words a manager reads in one glance.
    row = 4
    main = r.aging[r.aging["currency"] == r.main_currency]
    if len(main):
        m = main.iloc[0]
        last = r.trend.iloc[-1] if len(r.trend) else None
        figures = [("Balance", format_money(int(m["balance_cents"]), r.main_currency)),
                   ("Past due", format_money(int(m["past_due_cents"]), r.main_currency)),
                   ("% past due", f"{m['pct_past_due']:.1%}" if not pd.isna(m["pct_past_due"])
                    else "-")]
        if last is not None:
            figures += [("DSO", f"{last['dso']:.1f} days" if _known(last["dso"]) else "-"),
                        ("CEI", f"{last['cei']:.1f}%" if _known(last["cei"]) else "-")]
        # One tile per figure: its name above, the figure below, two columns wide.
        for j, (name, value) in enumerate(figures):
            col = 1 + 2 * j
            for c in (col, col + 1):
                cell(row, c, None, fill=_LIGHT)
                cell(row + 1, c, None, fill=_LIGHT)
            cell(row, col, name, Font(name="Calibri", size=9, color="595959"), fill=_LIGHT)
            cell(row + 1, col, value, Font(name="Calibri", size=13, bold=True, color=_NAVY),
                 fill=_LIGHT, align=Alignment(horizontal="left"))
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + 1)
            ws.merge_cells(start_row=row + 1, start_column=col, end_row=row + 1,
                           end_column=col + 1)
        ws.row_dimensions[row + 1].height = 20
        row += 3

    row = section(row, "Aging by bucket")
    header(row, ["Currency", *r.labels, "Balance", "Past due", "% past due"])
    for _, a in r.aging.iterrows():
        row += 1
        cur = str(a["currency"])
        units = 10 ** minor_digits(cur)
        cell(row, 1, cur, bold)
        for j, label in enumerate(r.labels):
            cell(row, 2 + j, int(a[label]) / units, fmt=money_fmt(cur))
        cell(row, 2 + len(r.labels), int(a["balance_cents"]) / units, bold, money_fmt(cur))
        cell(row, 3 + len(r.labels), int(a["past_due_cents"]) / units, bold, money_fmt(cur))
        cell(row, 4 + len(r.labels), None if pd.isna(a["pct_past_due"])
             else float(a["pct_past_due"]), fmt=NUMBER_FORMATS["pct"])
    row += 2

    row = section(row, f"Top {len(r.top)} past-due accounts ({r.main_currency})")
    header(row, ["Customer", "Sales partner", "Past due", "Balance", "Oldest days",
                 "Last note", "", "", "Next action", "Promise"])
    ws.merge_cells(start_row=row, start_column=6, end_row=row, end_column=8)
    fmt = money_fmt(r.main_currency)
    units = 10 ** minor_digits(r.main_currency)
    for t in r.top.itertuples(index=False):
        row += 1
        cell(row, 1, f"{t.customer_name} ({t.customer_id})", align=wrap)
        cell(row, 2, str(t.sales_partner or ""), align=wrap)
        cell(row, 3, int(t.past_due_cents) / units, bold, fmt, Alignment(vertical="top"))
        cell(row, 4, int(t.balance_cents) / units, fmt=fmt, align=Alignment(vertical="top"))
        cell(row, 5, int(t.oldest_days), fmt="#,##0", align=Alignment(horizontal="center",
                                                                       vertical="top"))
        for col in (6, 7, 8):
            cell(row, col, None)
        cell(row, 6, str(getattr(t, "last_note", "") or ""), align=wrap)
        ws.merge_cells(start_row=row, start_column=6, end_row=row, end_column=8)
        nxt = str(getattr(t, "next_action", "") or "")
        when = getattr(t, "next_action_date", None)
        if nxt and when is not None and not pd.isna(when):
            nxt += f" ({pd.Timestamp(when):%Y-%m-%d})"
        cell(row, 9, nxt, align=wrap)
        cell(row, 10, str(getattr(t, "promise_status", "") or ""), align=wrap)
        # Wrapped cells need their row tall enough: LibreOffice and Excel do not grow
        # rows by themselves for a file they did not lay out.
        lines = max(len(str(getattr(t, "last_note", "") or "")) / 62, len(nxt) / 24,
                    (len(str(t.customer_name)) + len(str(t.customer_id)) + 3) / 34, 1)
        ws.row_dimensions[row].height = 12 * min(3, int(np.ceil(lines)))
    if not len(r.top):
        row += 1
        cell(row, 1, "No account is past due.")
    if r.other_currencies:
        row += 1
        ws.cell(row, 1, "Past-due accounts in other currencies: " + ", ".join(
            f"{c} {n}" for c, n in r.other_currencies.items()) + " (see the workbench).").font = \
            Font(name="Calibri", size=8, italic=True, color="595959")
    row += 2

    # Disputes, promises and the trend start the second page, whole.
    from openpyxl.worksheet.pagebreak import Break

    ws.row_breaks.append(Break(id=row - 1))
    start = row
    row = section(row, "Open disputes by reason")
    header(row, ["Reason", "Currency", "Open", "Amount", "Oldest days"])
    for d in r.disputes.itertuples(index=False):
        row += 1
        cell(row, 1, str(d.reason_code).replace("_", " "))
        cell(row, 2, d.currency)
        cell(row, 3, int(d.count), fmt="#,##0")
        cell(row, 4, int(d.amount_cents) / 10 ** minor_digits(d.currency),
             fmt=money_fmt(d.currency))
        cell(row, 5, None if pd.isna(d.oldest_days) else int(d.oldest_days), fmt="#,##0")
    if not len(r.disputes):
        row += 1
        cell(row, 1, "No open disputes.")
    row += 2
    row = section(row, "Promises to pay")
    header(row, ["Status", "Currency", "Promises", "Amount"])
    for p in r.promises.itertuples(index=False):
        row += 1
        cell(row, 1, str(p.status))
        cell(row, 2, p.currency)
        cell(row, 3, int(p.count), fmt="#,##0")
        cell(row, 4, int(p.amount_cents) / 10 ** minor_digits(p.currency),
             fmt=money_fmt(p.currency))
    if not len(r.promises):
        row += 1
        cell(row, 1, "No promises recorded.")
    row += 2

    # Trend: a small table and its chart beside the disputes and promises.
    row = section(row, f"Trend ({r.main_currency})")
    header(row, ["As of", "Past due", "% past due", "DSO"])
    first_trend = row + 1
    for t in r.trend.itertuples(index=False):
        row += 1
        cell(row, 1, t.as_of, fmt=NUMBER_FORMATS["date"], align=Alignment(horizontal="left"))
        cell(row, 2, int(t.past_due_cents) / units, fmt=fmt)
        cell(row, 3, float(t.pct_past_due) if _known(t.pct_past_due) else None,
             fmt=NUMBER_FORMATS["pct"])
        cell(row, 4, float(t.dso) if _known(t.dso) else None, fmt="0.0")
    if len(r.trend) >= 2:
        chart = LineChart()
        chart.title = f"Past due ({r.main_currency}) and DSO"
        chart.add_data(Reference(ws, min_col=2, min_row=first_trend - 1, max_row=row),
                       titles_from_data=True)
        dso = LineChart()
        dso.add_data(Reference(ws, min_col=4, min_row=first_trend - 1, max_row=row),
                     titles_from_data=True)
        dso.y_axis.axId = 200
        dso.y_axis.title = "DSO (days)"
        dso.y_axis.crosses = "max"
        chart.y_axis.title = r.main_currency
        chart.y_axis.numFmt = "#,##0"
        chart.set_categories(Reference(ws, min_col=1, min_row=first_trend, max_row=row))
        chart.x_axis.number_format = "mmm d"
        for axis in (chart.x_axis, chart.y_axis, dso.y_axis):
            axis.delete = False
        for ser in (*chart.series, *dso.series):
            ser.smooth = False
        chart.series[0].graphicalProperties.line.solidFill = _NAVY
        chart.series[0].graphicalProperties.line.width = 28575
        dso.series[0].graphicalProperties.line.solidFill = "C00000"
        dso.series[0].graphicalProperties.line.width = 28575
        chart += dso
        chart.legend.position = "b"
        chart.width, chart.height = 15.5, 7.5
        ws.add_chart(chart, f"F{start}")
    elif not len(r.trend):
        row += 1
        cell(row, 1, "No earlier agings kept yet: each refresh keeps one.")

    widths = [27, 13, 13, 13, 12, 12, 12, 12, 21, 15][:ncols] + [12] * (ncols - 10)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[_col(j)].width = w
    ws.print_area = f"A1:{_col(ncols)}{row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    # One page wide, as many pages tall as the content needs (two: the page break above).
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "&P of &N"
    ws.oddFooter.center.size = 8
    ws.sheet_view.showGridLines = False
    path = Path(path)
    save_atomic(wb, path)
    return path


def _known(v) -> bool:
    return v is not None and not pd.isna(v)


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


# ---------------------------------------------------------------------------
# From the workbench (the action)
# ---------------------------------------------------------------------------


def _cents_of(frame: pd.DataFrame, header: str) -> pd.Series:
    units = frame["Currency"].map(lambda c: 10 ** minor_digits(str(c)))
    return (pd.to_numeric(frame[header], errors="coerce").fillna(0) * units).round().astype(
        np.int64)


def report_from_workbench(port, store=None) -> ManagementReport:
    """The report for the workbench behind *port*, as its last refresh left it."""
    from xlar.kpis import trend
    from xlar.settings import settings_from_table
    from xlar.workbench.accounts import account_frames, workbench_store
    from xlar.workbench.layout import CREDIT_SALES, SETTINGS, aging_by_customer

    s = port.read_table(SETTINGS.table)
    settings = settings_from_table(s.frame if s is not None else None)
    labels = settings.buckets().labels
    layout = aging_by_customer(labels)
    t = port.read_table(layout.table)
    if t is None:
        raise ReportError("the workbench has no Aging by Customer sheet yet: refresh it first "
                          "(AR > Refresh Aging, or xlar refresh WORKBOOK)")
    f = t.frame
    frame = pd.DataFrame({c.field: f[c.header] for c in layout.columns if c.header in f})
    for c in layout.columns:
        if c.kind == "money" and c.header in f:
            frame[c.field] = _cents_of(f, c.header)
    frame["items"] = pd.to_numeric(frame["items"], errors="coerce").fillna(0).astype(np.int64)
    frame["oldest_days"] = pd.to_numeric(frame["oldest_days"], errors="coerce").fillna(0)
    for c in ("customer_id", "customer_name", "sales_partner", "currency", "last_note",
              "next_action", "promise_status"):
        frame[c] = frame[c].map(lambda v: "" if v is None or v != v else str(v))
    as_of = settings.as_of_or_today()
    store = store or workbench_store(port, settings)
    frames = account_frames(store, as_of)
    sales = port.read_table(CREDIT_SALES.table)
    sales_frame = pd.DataFrame(columns=["month", "currency", "credit_sales_cents", "source"])
    if sales is not None and len(sales.frame):
        sf = sales.frame.dropna(subset=["Month"])
        # astype(bool): an empty object mask would select columns, not rows (no 'Month'
        # left), when the table holds only its blank row
        sf = sf[sf["Currency"].map(lambda v: bool(v)).astype(bool)]
        sales_frame = pd.DataFrame({"month": pd.to_datetime(sf["Month"]),
                                    "currency": sf["Currency"].astype(str),
                                    "credit_sales_cents": _cents_of(sf, "Credit Sales"),
                                    "source": sf["Source"]})
    return management_report(frame, labels, as_of, frames["dispute"], frames["promise"],
                             trend(store.snapshots(), sales_frame), settings.company_name,
                             Path(settings.source_file).name if settings.source_file else "",
                             store.user, settings.currency)


@action("management_report", "Past-Due Report", "Aging", "report management",
        "FileSaveAsPdfOrXps",
        "Make the one- or two-page past-due report for management (PDF and Excel): aging, "
        "top 20 past-due accounts with notes, disputes, promises and the trend.")
def management_report_action(port, progress: Progress, out: str | Path | None = None,
                             pdf: bool = True, **_options) -> Outcome:
    from xlar.reports.office import OfficeError, convert_to_pdf

    progress(0, 3, "reading the workbench")
    r = report_from_workbench(port)
    folder = Path(out) if out else ((port.path.parent if port.path else Path.cwd()) / "reports")
    folder.mkdir(parents=True, exist_ok=True)
    progress(1, 3, "writing the report")
    xlsx = write_report_xlsx(r, folder / f"Past-Due Report {r.as_of:%Y-%m-%d}.xlsx")
    made, missing = [xlsx], ""
    if pdf:
        progress(2, 3, "making the PDF")
        try:
            made.append(convert_to_pdf(xlsx, folder))
        except OfficeError as e:  # the .xlsx is there all the same: say so, and why no PDF
            missing = f" No PDF: {e}"
    progress(3, 3, "done")
    main = r.aging[r.aging["currency"] == r.main_currency]
    past = format_money(int(main.iloc[0]["past_due_cents"]), r.main_currency) if len(main) \
        else "nothing"
    return Outcome(f"Past-due report at {r.as_of:%Y-%m-%d} written ({r.main_currency} past due "
                   f"{past}, {len(r.top)} top accounts): {made[-1]}.{missing}",
                   tuple(f"wrote {p}" for p in made))
