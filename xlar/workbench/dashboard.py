"""The Dashboard sheet: KPIs twice (as auditable formulas and by the engine), the trend,
the charts, and the PivotTables, rebuilt at every refresh.

Every KPI row shows a formula over the workbook's own tables (OpenItems, Credit
Sales, Customers, Aging by Customer, Payment Behaviour) that a specialist can click
and follow, beside it xlar's figure at refresh, and a Check cell that says OK when
they agree.  Below the KPIs: the aging by currency and the past due by sales partner
that the bar charts draw, the trend by aging date that the line charts draw, and the
countback worked month by month.

:func:`build_dashboard` is pure (engine frames in, a :class:`Dashboard` out);
:func:`dashboard_plan` lays it out as cells and charts; :func:`refresh_dashboard` is
the edge a refresh calls: it reads the typed credit sales and the store's snapshots,
writes the sheets, the charts and the pivots through the workbook port.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.aging import Buckets
from xlar.kpis import (
    COUNTBACK_MONTHS,
    DSO_MONTHS,
    OVER_DAYS,
    SALES_COLUMNS,
    Kpis,
    credit_sales_from_history,
    history_snapshots,
    kpis_by_currency,
    merge_credit_sales,
    month_start,
    payment_behaviour,
    period_months,
    trend,
)
from xlar.money import minor_digits
from xlar.workbench.charts import ChartPlan, Series
from xlar.workbench.layout import (
    CREDIT_SALES,
    CUSTOMERS,
    DASHBOARD_SHEET,
    NUMBER_FORMATS,
    OPEN_ITEMS,
    PAYMENT_BEHAVIOUR,
)
from xlar.workbench.plan import Cell, Formula, SheetPlan, column_letter, table_plan

__all__ = ["Dashboard", "KpiRow", "build_dashboard", "dashboard_plan",
           "refresh_dashboard", "read_typed_sales", "KPI_HEADER_ROW", "TOP_PARTNERS"]

KPI_HEADER_ROW = 6
#: Sales partners the past-due chart shows (largest past due first).
TOP_PARTNERS = 10
_T = OPEN_ITEMS.table
_S = CREDIT_SALES.table
_C = CUSTOMERS.table
_A = "AgingByCustomer"
_P = PAYMENT_BEHAVIOUR.table


class Dashboard(NamedTuple):
    """What the Dashboard shows.

    Attributes:
      as_of, buckets, main_currency: the charts draw *main_currency* (the settings'
        currency when the aging has it, else the one with most items).
      kpis: one :class:`xlar.kpis.Kpis` per currency.
      totals: the aging totals per currency (cents).
      partners: past due by sales partner and bucket in the main currency (top ones).
      trend: one row per aging date and currency (see :func:`xlar.kpis.trend`).
      sales: credit sales per month and currency (typed and derived).
      behaviour: payment behaviour per customer; behaviour_totals: per currency.
    """

    as_of: dt.date
    buckets: Buckets
    main_currency: str
    kpis: list[Kpis]
    totals: pd.DataFrame
    partners: pd.DataFrame
    trend: pd.DataFrame
    sales: pd.DataFrame
    behaviour: pd.DataFrame
    behaviour_totals: pd.DataFrame


def _main_currency(totals: pd.DataFrame, preferred: str) -> str:
    if not len(totals):
        return preferred
    if preferred in set(totals["currency"]):
        return preferred
    return str(totals.sort_values(["items", "currency"], ascending=[False, True])
               .iloc[0]["currency"])


def build_dashboard(items: pd.DataFrame, totals: pd.DataFrame, by_customer: pd.DataFrame,
                    by_partner: pd.DataFrame, customers: pd.DataFrame, buckets: Buckets,
                    as_of: dt.date, history: pd.DataFrame, typed_sales: pd.DataFrame | None,
                    snapshots: pd.DataFrame | None, currency: str = "USD",
                    month_ends: pd.DataFrame | None = None) -> Dashboard:
    """Everything the Dashboard shows.  Pure.

    *items* are the aged open items, *history* the export as read (with settled
    dates when it is a history: then credit sales, the payment behaviour and the
    month-end agings come from it), *typed_sales* the Credit Sales sheet's typed
    rows, *snapshots* the agings the activity store kept at earlier refreshes;
    *month_ends* the history's own agings when the caller has worked them out already
    (:func:`xlar.kpis.history_snapshots`).
    """
    sales = merge_credit_sales(typed_sales, credit_sales_from_history(history, as_of))
    past = history_snapshots(history, as_of, buckets) if month_ends is None else month_ends
    points = snapshots if snapshots is not None and len(snapshots) else pd.DataFrame()
    if len(past):
        # A history's own agings replace what a refresh kept for the same dates.
        if len(points):
            keyed = past.set_index(["as_of", "currency"]).index
            mask = ~pd.MultiIndex.from_arrays(
                [pd.to_datetime(points["as_of"]).dt.date, points["currency"]]).isin(keyed)
            points = pd.concat([points[mask], past], ignore_index=True)
        else:
            points = past
    kpis = kpis_by_currency(items, totals, by_customer, customers, buckets, as_of, sales,
                            points)
    main = _main_currency(totals, currency)
    kpis.sort(key=lambda k: k.currency != main)  # the main currency's block first
    labels = list(buckets.labels)
    partners = by_partner[(by_partner["currency"] == main)
                          & (by_partner["sales_partner"].astype(str) != "")
                          & (by_partner["past_due_cents"] > 0)]
    partners = partners.sort_values(["past_due_cents", "sales_partner"],
                                    ascending=[False, True]).head(TOP_PARTNERS)
    partners = partners[["sales_partner", "currency", *labels[1:], "past_due_cents"]]
    return Dashboard(as_of, buckets, main, kpis, totals.reset_index(drop=True),
                     partners.reset_index(drop=True), trend(points, sales), sales,
                     payment_behaviour(history, as_of),
                     payment_behaviour(history, as_of, by=("currency",)))


# ---------------------------------------------------------------------------
# Layout: cells and charts
# ---------------------------------------------------------------------------


class KpiRow(NamedTuple):
    """A KPI row of a currency block: key (Kpis field or behaviour total), label, kind
    (money, pct, days, int), and how it is worked out, in words."""

    key: str
    label: str
    kind: str
    how: str


def _kpi_rows(d: Dashboard, k: Kpis) -> list[KpiRow]:
    first = d.buckets.labels[0]
    start, end = k.period_start, d.as_of
    cei_from = f"{k.cei_begin_date:%Y-%m-%d}" if k.cei_begin_date else "the previous month end"
    return [
        KpiRow("balance_cents", "AR balance", "money", "Sum of Open Amount of this currency"),
        KpiRow("current_cents", "Current (not yet due)", "money", f"Open Amount in bucket {first}"),
        KpiRow("past_due_cents", "Past due", "money", "Open Amount with Days Past Due > 0"),
        KpiRow("over_90_cents", f"More than {OVER_DAYS} days past due", "money",
               f"Open Amount with Days Past Due > {OVER_DAYS}"),
        KpiRow("pct_current", "% current", "pct", "Current / AR balance"),
        KpiRow("pct_past_due", "% past due", "pct", "Past due / AR balance"),
        KpiRow("pct_over_90", f"% over {OVER_DAYS} days", "pct",
               f"More than {OVER_DAYS} days past due / AR balance"),
        KpiRow("sales_cents", f"Credit sales {start:%b %Y} to {end:%b %Y}", "money",
               f"Credit Sales sheet, the {DSO_MONTHS} months ending with the as-of month "
               "(blank when a month is missing)"),
        KpiRow("period_days", "Days in that period", "int",
               f"From {start:%Y-%m-%d} to the as-of date"),
        KpiRow("dso", "DSO (days)", "days", "AR balance / credit sales x days"),
        KpiRow("best_dso", "Best-possible DSO (days)", "days",
               "Current AR / credit sales x days: DSO if everyone paid on time"),
        KpiRow("add", "Average days delinquent (ADD)", "days", "DSO - best-possible DSO"),
        KpiRow("countback_dso", "Countback DSO (days)", "days",
               "Walk back month by month through credit sales until the balance is used "
               "up (worked out under Countback below)"),
        KpiRow("cei_begin_cents", f"AR at {cei_from} (CEI start)", "money",
               "The aging kept at that date (each refresh keeps one)"),
        KpiRow("cei_sales_cents", "Credit sales since then", "money",
               "Credit Sales sheet, the months after that date up to the as-of month"),
        KpiRow("cei", "Collection effectiveness index (CEI)", "pct",
               "(AR at start + credit sales - AR now) / (AR at start + credit sales - "
               "current AR now)"),
        KpiRow("limit_use", "Credit-limit utilisation", "pct",
               "Balance of the customers with a credit limit / their limits (Customers "
               "and Aging by Customer sheets)"),
        KpiRow("over_limit", "Customers over their credit limit", "int",
               "Customers whose balance is above their limit"),
        KpiRow("avg_days_to_pay", "Average days to pay", "days",
               "Paid invoices: days from invoice date to settlement (Payment Behaviour)"),
        KpiRow("weighted_days_late", "Weighted average days late", "days",
               "Paid invoices: days after the due date, weighted by amount (Payment "
               "Behaviour)"),
    ]


def _engine_value(d: Dashboard, k: Kpis, key: str):
    """xlar's figure for a KPI row, in the cell's units (money in currency units)."""
    if key in ("avg_days_to_pay", "weighted_days_late"):
        t = d.behaviour_totals
        row = t[t["currency"] == k.currency] if len(t) else t
        return float(row.iloc[0][key]) if len(row) else None
    v = getattr(k, key)
    if v is None:
        return None
    if key.endswith("_cents"):
        return int(v) / 10 ** minor_digits(k.currency)
    if key == "cei":
        return float(v) / 100  # shown as a percentage cell
    if key in ("period_days", "over_limit"):
        return int(v)
    return float(v)


def _money_format(currency: str) -> str:
    digits = minor_digits(currency)
    return NUMBER_FORMATS["money" if digits == 2 else f"money{digits}"]


def _date(day: dt.date) -> str:
    return f"DATE({day.year},{day.month},{day.day})"


def _kpi_formulas(d: Dashboard, k: Kpis, rows: dict[str, int], countback: tuple[int, int] | None
                  ) -> dict[str, str | None]:
    """The formula of each KPI row (None: the engine's input value is shown instead)."""
    def c(key):
        return f"C{rows[key]}"

    cur = f"$A{rows['balance_cents']}"
    first = d.buckets.labels[0]
    start = k.period_start
    months = f'{_S}[Currency],{cur},{_S}[Month],">="&{_date(start)},{_S}[Month],"<="&' \
             f"{_date(month_start(d.as_of))}"
    limited = (f"({_C}[Currency]={cur})*({_C}[Credit Limit]>0)*SUMIFS({_A}[Balance],"
               f"{_A}[Customer ID],{_C}[Customer ID],{_A}[Currency],{cur})")
    out = {
        "balance_cents": f"=SUMIFS({_T}[Open Amount],{_T}[Currency],{cur})",
        "current_cents": f'=SUMIFS({_T}[Open Amount],{_T}[Currency],{cur},{_T}[Bucket],"{first}")',
        "past_due_cents": f'=SUMIFS({_T}[Open Amount],{_T}[Currency],{cur},{_T}[Days Past Due],'
                          '">0")',
        "over_90_cents": f'=SUMIFS({_T}[Open Amount],{_T}[Currency],{cur},{_T}[Days Past Due],'
                         f'">{OVER_DAYS}")',
        "pct_current": f'=IF({c("balance_cents")}>0,{c("current_cents")}/{c("balance_cents")},"")',
        "pct_past_due": f'=IF({c("balance_cents")}>0,{c("past_due_cents")}/{c("balance_cents")},'
                        '"")',
        "pct_over_90": f'=IF({c("balance_cents")}>0,{c("over_90_cents")}/{c("balance_cents")},"")',
        # Blank unless every month of the period is there, as the engine does.
        "sales_cents": f'=IF(COUNTIFS({months})<{DSO_MONTHS},"",SUMIFS({_S}[Credit Sales],'
                       f"{months}))",
        "period_days": f"=$B$2-{_date(start)}+1",
        "dso": f'=IF(N({c("sales_cents")})<=0,"",{c("balance_cents")}/{c("sales_cents")}'
               f'*{c("period_days")})',
        "best_dso": f'=IF(N({c("sales_cents")})<=0,"",{c("current_cents")}/{c("sales_cents")}'
                    f'*{c("period_days")})',
        "add": f'=IF({c("dso")}="","",{c("dso")}-{c("best_dso")})',
        "countback_dso": '=""' if countback is None else
        f'=IF(F{countback[1]}>0,"",SUM(G{countback[0]}:G{countback[1]}))',
        "cei_begin_cents": None,
        "cei": f'=IF(OR({c("cei_begin_cents")}="",{c("cei_sales_cents")}=""),"",'
               f'({c("cei_begin_cents")}+{c("cei_sales_cents")}-{c("balance_cents")})/'
               f'({c("cei_begin_cents")}+{c("cei_sales_cents")}-{c("current_cents")}))',
        "limit_use": f'=IFERROR(SUMPRODUCT({limited})/SUMIFS({_C}[Credit Limit],{_C}[Currency],'
                     f'{cur},{_C}[Credit Limit],">0"),"")',
        "over_limit": f"=SUMPRODUCT(({limited}>{_C}[Credit Limit])*1)",
        "avg_days_to_pay": f'=IFERROR(SUMPRODUCT(({_P}[Currency]={cur})*{_P}[Invoices Paid]*'
                           f'{_P}[Avg Days to Pay])/SUMIFS({_P}[Invoices Paid],{_P}[Currency],'
                           f'{cur}),"")',
        "weighted_days_late": f'=IFERROR(SUMPRODUCT(({_P}[Currency]={cur})*{_P}[Amount Paid]*'
                              f'{_P}[Weighted Avg Days Late])/SUMIFS({_P}[Amount Paid],'
                              f'{_P}[Currency],{cur}),"")',
    }
    if k.cei_begin_date is None:
        out["cei_sales_cents"] = '=""'
    else:
        period = [m for m, _ in period_months(d.as_of, COUNTBACK_MONTHS)
                  if m > month_start(k.cei_begin_date)]
        if not period:
            out["cei_sales_cents"] = "=0"
        else:
            since = (f'{_S}[Currency],{cur},{_S}[Month],">="&{_date(period[-1])},{_S}[Month],'
                     f'"<="&{_date(period[0])}')
            out["cei_sales_cents"] = (f'=IF(COUNTIFS({since})<{len(period)},"",'
                                      f"SUMIFS({_S}[Credit Sales],{since}))")
    return out


def _check(r: int, kind: str) -> Formula:
    close = f"ROUND(C{r}-D{r},2)=0" if kind == "money" else \
        f"ABS(C{r}-D{r})<=0.000001*MAX(1,ABS(D{r}))"
    return Formula(f'=IF(AND(C{r}="",D{r}=""),"OK",IF(OR(C{r}="",D{r}=""),"CHECK",'
                   f'IF({close},"OK","CHECK")))')


def _formats(kind: str, currency: str) -> str:
    return {"money": _money_format(currency), "pct": NUMBER_FORMATS["pct"],
            "days": NUMBER_FORMATS["float1"], "int": NUMBER_FORMATS["int"]}[kind]


class _Sheet:
    """Cells being laid out, top to bottom."""

    def __init__(self):
        self.cells: list[Cell] = []

    def put(self, r, c, v, fmt=None, style=None):
        self.cells.append(Cell(r, c, v, fmt, style))

    def header(self, r, names, first_col=1):
        for j, h in enumerate(names):
            self.put(r, first_col + j, h, style="header")


def _countback_rows(d: Dashboard, k: Kpis) -> list[tuple[dt.date, int]]:
    """The months the countback walks (known credit sales, most recent first)."""
    known = set(pd.to_datetime(d.sales.loc[d.sales["currency"] == k.currency, "month"]).dt.date)
    out = []
    for m, days in period_months(d.as_of, COUNTBACK_MONTHS):
        if m not in known:
            break
        out.append((m, days))
    return out


def dashboard_plan(d: Dashboard, source: str) -> tuple[SheetPlan, list[ChartPlan]]:
    """The Dashboard's cells and its charts."""
    s = _Sheet()
    s.put(1, 1, "AR Dashboard", style="title")
    s.put(2, 1, "As of")
    s.put(2, 2, d.as_of, NUMBER_FORMATS["date"])
    s.put(3, 1, "Source")
    s.put(3, 2, source)
    s.put(4, 1, "Formula is worked out in the workbook from its tables (click it to see "
                "how); xlar is the engine's figure at refresh; Check says whether they agree. "
                "DSO and CEI need credit sales (Credit Sales sheet).", style="note")
    s.header(KPI_HEADER_ROW, ["Currency", "KPI", "Formula", "xlar", "Check",
                              "How it is worked out"])
    r = KPI_HEADER_ROW + 1
    blocks = []
    for k in d.kpis:
        rows_ = _kpi_rows(d, k)
        rows = {row.key: r + i for i, row in enumerate(rows_)}
        blocks.append((k, rows_, rows))
        r += len(rows_) + 1

    # Aging by currency: what the bucket chart draws.
    labels = list(d.buckets.labels)
    r += 1
    s.put(r, 1, "Aging by currency", style="bold")
    r += 1
    aging_head = r
    s.header(r, ["Currency", *labels, "Balance"])
    for i, (_, t) in enumerate(d.totals.iterrows()):
        rr = r + 1 + i
        cur = str(t["currency"])
        fmt = _money_format(cur)
        s.put(rr, 1, cur)
        for j, label in enumerate(labels):
            s.put(rr, 2 + j, Formula(f'=SUMIFS({_T}[Open Amount],{_T}[Currency],$A{rr},'
                                     f'{_T}[Bucket],"{label}")'), fmt)
        s.put(rr, 2 + len(labels), Formula(f"=SUM(B{rr}:{column_letter(1 + len(labels))}{rr})"),
              fmt, "bold")
    aging_last = r + max(len(d.totals), 1)
    r = aging_last + 2

    # Past due by sales partner, main currency.
    s.put(r, 1, f"Past due by sales partner ({d.main_currency}, largest {TOP_PARTNERS})",
          style="bold")
    r += 1
    partner_head = r
    s.header(r, ["Sales Partner", *labels[1:], "Past Due"])
    fmt = _money_format(d.main_currency)
    for i, p in enumerate(d.partners.itertuples(index=False)):
        rr = r + 1 + i
        s.put(rr, 1, str(p.sales_partner))
        for j, label in enumerate(labels[1:]):
            s.put(rr, 2 + j, Formula(f'=SUMIFS({_T}[Open Amount],{_T}[Currency],'
                                     f'"{d.main_currency}",{_T}[Sales Partner],$A{rr},'
                                     f'{_T}[Bucket],"{label}")'), fmt)
        s.put(rr, 1 + len(labels), Formula(f"=SUM(B{rr}:{column_letter(len(labels))}{rr})"), fmt,
              "bold")
    partner_last = r + len(d.partners)
    r = partner_last + 2 if len(d.partners) else r + 2

    # Trend by aging date.
    s.put(r, 1, "Trend by aging date (each refresh keeps its aging; a history export gives "
                "its month ends)", style="bold")
    r += 1
    trend_head = r
    s.header(r, ["As Of", "Currency", "Balance", "Current", "Past Due", "% Past Due",
                 f"Credit Sales ({DSO_MONTHS} mo.)", "Days", "DSO", "Best DSO", "ADD",
                 "AR at Previous", "Sales Since", "CEI", "Over 90", "% Over 90"])
    trend_rows: dict[str, list[int]] = {}
    for i, t in enumerate(d.trend.itertuples(index=False)):
        rr = r + 1 + i
        units = 10 ** minor_digits(t.currency)
        fmt = _money_format(t.currency)
        trend_rows.setdefault(t.currency, []).append(rr)
        s.put(rr, 1, t.as_of, NUMBER_FORMATS["date"])
        s.put(rr, 2, t.currency)
        for col, v in ((3, t.balance_cents), (4, t.current_cents), (5, t.past_due_cents),
                       (7, t.sales_cents), (12, t.begin_cents), (13, t.cei_sales_cents),
                       (15, t.over_90_cents)):
            if v is not None and not pd.isna(v):
                s.put(rr, col, int(v) / units, fmt)
        s.put(rr, 6, Formula(f'=IF(C{rr}>0,E{rr}/C{rr},"")'), NUMBER_FORMATS["pct"])
        s.put(rr, 8, int(t.period_days), NUMBER_FORMATS["int"])
        s.put(rr, 9, Formula(f'=IF(N(G{rr})<=0,"",C{rr}/G{rr}*H{rr})'), NUMBER_FORMATS["float1"])
        s.put(rr, 10, Formula(f'=IF(N(G{rr})<=0,"",D{rr}/G{rr}*H{rr})'), NUMBER_FORMATS["float1"])
        s.put(rr, 11, Formula(f'=IF(I{rr}="","",I{rr}-J{rr})'), NUMBER_FORMATS["float1"])
        s.put(rr, 14, Formula(f'=IF(OR(L{rr}="",M{rr}=""),"",(L{rr}+M{rr}-C{rr})/'
                              f'(L{rr}+M{rr}-D{rr}))'), NUMBER_FORMATS["pct"])
        s.put(rr, 16, Formula(f'=IF(OR(O{rr}="",N(C{rr})<=0),"",O{rr}/C{rr})'),
              NUMBER_FORMATS["pct"])
    r = r + len(d.trend) + 2

    # Countback, worked month by month, per currency.
    countback: dict[str, tuple[int, int] | None] = {}
    s.put(r, 1, "Countback DSO, month by month (most recent first)", style="bold")
    r += 1
    s.header(r, ["Currency", "Month", "Credit Sales", "Days", "AR Left Before", "AR Left After",
                 "Days Counted"])
    r += 1
    for k, _, rows in blocks:
        months = _countback_rows(d, k) if k.balance_cents >= 0 else []
        if not months:
            countback[k.currency] = None
            continue
        fmt = _money_format(k.currency)
        first = r
        for i, (m, days) in enumerate(months):
            rr = r + i
            s.put(rr, 1, k.currency)
            s.put(rr, 2, m, "mmm yyyy")
            s.put(rr, 3, Formula(f'=SUMIFS({_S}[Credit Sales],{_S}[Currency],$A{rr},{_S}[Month],'
                                 f"B{rr})"), fmt)
            s.put(rr, 4, days, NUMBER_FORMATS["int"])
            before = f"C{rows['balance_cents']}" if i == 0 else f"F{rr - 1}"
            s.put(rr, 5, Formula(f"={before}"), fmt)
            # A month without sales: the balance is older than it; it counts whole.
            s.put(rr, 6, Formula(f"=IF(C{rr}<=0,E{rr},MAX(E{rr}-C{rr},0))"), fmt)
            s.put(rr, 7, Formula(f"=IF(E{rr}<=0,0,IF(C{rr}<=0,D{rr},IF(E{rr}>=C{rr},D{rr},"
                                 f"E{rr}/C{rr}*D{rr})))"), NUMBER_FORMATS["float1"])
        countback[k.currency] = (first, r + len(months) - 1)
        r += len(months) + 1

    for k, rows_, rows in blocks:
        formulas = _kpi_formulas(d, k, rows, countback[k.currency])
        for row in rows_:
            rr = rows[row.key]
            fmt = _formats(row.kind, k.currency)
            engine = _engine_value(d, k, row.key)
            style = "bold" if row.key in ("balance_cents", "dso", "cei") else None
            s.put(rr, 1, k.currency)
            s.put(rr, 2, row.label, style=style)
            f = formulas[row.key]
            s.put(rr, 3, Formula(f) if f is not None else engine, fmt, style)
            s.put(rr, 4, engine, fmt)
            s.put(rr, 5, _check(rr, row.kind))
            s.put(rr, 6, row.how, style="note")

    widths = {"A": 13, "B": 36, "C": 16, "D": 16, "E": 13, "F": 58, "G": 14, "H": 9,
              "I": 9, "J": 9, "K": 9, "L": 15, "M": 15, "N": 9}
    sheet = SheetPlan(DASHBOARD_SHEET, s.cells, widths, KPI_HEADER_ROW + 1)
    charts = _charts(d, aging_head, aging_last, partner_head, partner_last, trend_head,
                     trend_rows.get(d.main_currency, []))
    return sheet, charts


def _tail(rows: list[int], ok: Callable[[int], bool]) -> list[int]:
    """The last rows for which every charted value is known (a line chart would draw an
    unknown as zero)."""
    out: list[int] = []
    for rr in reversed(rows):
        if not ok(rr):
            break
        out.insert(0, rr)
    return out


def _charts(d: Dashboard, aging_head, aging_last, partner_head, partner_last, trend_head,
            main_rows: list[int]) -> list[ChartPlan]:
    labels = list(d.buckets.labels)
    n = len(labels)
    out = [ChartPlan(DASHBOARD_SHEET, "P3", "bar_share", "Aging by bucket (share of balance)",
                     (aging_head + 1, 1, aging_last, 1),
                     tuple(Series(aging_head, 2 + j, aging_head + 1, 2 + j, aging_last, 2 + j)
                           for j in range(n)), "", "0%", "buckets")]
    if len(d.partners):
        out.append(ChartPlan(DASHBOARD_SHEET, "P20", "bar_stacked",
                             f"Past due by sales partner ({d.main_currency})",
                             (partner_head + 1, 1, partner_last, 1),
                             tuple(Series(partner_head, 2 + j, partner_head + 1, 2 + j,
                                          partner_last, 2 + j) for j in range(n - 1)),
                             d.main_currency, "#,##0", "buckets", top_down=True))
    by_row = {}
    start = trend_head + 1
    for i, t in enumerate(d.trend.itertuples(index=False)):
        by_row[start + i] = t
    dso_rows = _tail(main_rows, lambda rr: by_row[rr].dso is not None
                     and not pd.isna(by_row[rr].dso))
    if dso_rows:
        out.append(ChartPlan(DASHBOARD_SHEET, "P37", "line",
                             f"DSO trend ({d.main_currency}, days)",
                             (dso_rows[0], 1, dso_rows[-1], 1),
                             tuple(Series(trend_head, c, dso_rows[0], c, dso_rows[-1], c)
                                   for c in (9, 10, 11)), "days", "0"))
    cei_rows = _tail(main_rows, lambda rr: by_row[rr].cei is not None
                     and not pd.isna(by_row[rr].cei))
    pct_rows = cei_rows or main_rows
    if pct_rows:
        series = [Series(trend_head, 6, pct_rows[0], 6, pct_rows[-1], 6)]
        if cei_rows:
            series.insert(0, Series(trend_head, 14, cei_rows[0], 14, cei_rows[-1], 14))
        if all(by_row[rr].pct_over_90 is not None and not pd.isna(by_row[rr].pct_over_90)
               for rr in pct_rows):
            series.append(Series(trend_head, 16, pct_rows[0], 16, pct_rows[-1], 16))
        out.append(ChartPlan(DASHBOARD_SHEET, "P54", "line",
                             f"CEI, % past due and % over 90 ({d.main_currency})",
                             (pct_rows[0], 1, pct_rows[-1], 1), tuple(series), "", "0%"))
    return out


# ---------------------------------------------------------------------------
# The edge a refresh calls
# ---------------------------------------------------------------------------


def read_typed_sales(port) -> pd.DataFrame | None:
    """The Credit Sales rows the user typed (Source other than "export"), in cents."""
    t = port.read_table(CREDIT_SALES.table)
    if t is None or not len(t.frame):
        return None
    f = t.frame
    rows = []
    for _, r in f.iterrows():
        month, cur, amount = r.get("Month"), r.get("Currency"), r.get("Credit Sales")
        source = str(r.get("Source") or "").strip().lower()
        if source == "export" or month is None or amount is None or not cur:
            continue
        try:
            day = pd.Timestamp(month)
            value = float(amount)
        except (TypeError, ValueError):
            continue
        if pd.isna(day) or np.isnan(value):
            continue
        cur = str(cur).strip().upper()
        rows.append({"month": day.to_period("M").start_time, "currency": cur,
                     "credit_sales_cents": int(round(value * 10 ** minor_digits(cur))),
                     "source": "typed"})
    return pd.DataFrame(rows, columns=SALES_COLUMNS) if rows else None


def refresh_dashboard(port, w, store, history: pd.DataFrame, source: str,
                      month_ends: pd.DataFrame | None = None) -> Dashboard:
    """Build and write the Dashboard, Credit Sales, Payment Behaviour, the charts and
    the pivots for the refreshed workbench *w* (a :class:`xlar.workbench.refresh.Workbench`)."""
    from xlar.workbench.pivots import workbench_pivots

    d = build_dashboard(w.items, w.totals, w.by_customer, w.by_partner, w.customers,
                        w.buckets, w.as_of, history, read_typed_sales(port),
                        store.snapshots() if store is not None else None,
                        w.settings.currency, month_ends)
    port.write_table(table_plan(CREDIT_SALES, d.sales))
    port.write_table(table_plan(PAYMENT_BEHAVIOUR, d.behaviour))
    sheet, charts = dashboard_plan(d, source)
    port.write_sheet(sheet)
    if hasattr(port, "add_charts"):
        port.add_charts(charts)
    if hasattr(port, "write_pivots"):
        port.write_pivots(workbench_pivots(w.buckets.labels), {"Bucket": w.buckets.labels})
    return d
