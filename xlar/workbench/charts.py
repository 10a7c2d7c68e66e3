"""Native Excel charts on the Dashboard: aging by bucket, past due by sales partner, trends.

A chart is planned as plain data (:class:`ChartPlan`: kind, title, the cell ranges of
its categories and series) by :mod:`xlar.workbench.dashboard`, which knows where it
wrote the figures; this module only turns plans into openpyxl chart objects.  The
charts read cells of the Dashboard, which are formulas over the workbook's tables
or the trend rows, so they follow the data at every refresh and recalculation.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Series", "ChartPlan", "add_charts", "CHART_KINDS"]

#: kind -> (openpyxl chart, bar direction, grouping)
CHART_KINDS = {
    "bar_share": ("bar", "bar", "percentStacked"),     # each bar 100 %: where the money sits
    "bar_stacked": ("bar", "bar", "stacked"),
    "line": ("line", None, "standard"),
}

#: Bucket colours from green (current) to dark red (oldest); more buckets reuse the last.
_BUCKET_COLOURS = ("70AD47", "FFC000", "ED7D31", "E15759", "C00000", "7B0000", "4A0000")
_LINE_COLOURS = ("1F4E78", "70AD47", "C00000", "7F7F7F")


class Series(NamedTuple):
    """One series: its name cell and its values (1-based rows and columns on the sheet;
    a series runs down one column or along one row)."""

    name_row: int
    name_col: int
    first_row: int
    first_col: int
    last_row: int
    last_col: int


class ChartPlan(NamedTuple):
    """A chart on *sheet* anchored at *anchor* (e.g. ``"H3"``).

    Attributes:
      kind: one of :data:`CHART_KINDS`.
      categories: (first_row, first_col, last_row, last_col) of the category labels.
      series: the series, in legend order.
      y_title, number_format: the value axis.
      colours: "buckets" (green to red) or "lines".
      width, height: in centimetres.
      top_down: list the categories from the top (a ranking), not from the bottom.
    """

    sheet: str
    anchor: str
    kind: str
    title: str
    categories: tuple[int, int, int, int]
    series: tuple[Series, ...]
    y_title: str = ""
    number_format: str = "#,##0"
    colours: str = "lines"
    width: float = 17.0
    height: float = 8.0
    #: largest first from the top in a horizontal bar chart (bars plot bottom-up).
    top_down: bool = False


def _chart(plan: ChartPlan):
    from openpyxl.chart import BarChart, LineChart

    family, direction, grouping = CHART_KINDS[plan.kind]
    if family == "bar":
        chart = BarChart()
        chart.type = direction
        chart.grouping = grouping
        chart.overlap = 100  # stacked bars must overlap fully
        chart.gapWidth = 60
    else:
        chart = LineChart()
        chart.grouping = grouping
    chart.title = plan.title
    chart.y_axis.title = plan.y_title or None
    chart.y_axis.numFmt = plan.number_format
    chart.y_axis.majorGridlines = chart.y_axis.majorGridlines  # keep the default gridlines
    # openpyxl 3.1 hides axes unless told otherwise (delete=True by default).
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"
    chart.width, chart.height = plan.width, plan.height
    if plan.top_down:
        chart.x_axis.scaling.orientation = "maxMin"
    return chart


def add_charts(wb, plans: list[ChartPlan]) -> None:
    """Add the planned charts to their sheets (which exist and hold the cells)."""
    from openpyxl.chart import Reference
    from openpyxl.chart.data_source import StrRef
    from openpyxl.chart.series import SeriesLabel
    from openpyxl.chart.shapes import GraphicalProperties

    from xlar.workbench.plan import column_letter

    def absolute(ws, r, c):
        return f"{_quote(ws.title)}!${column_letter(c)}${r}"

    for plan in plans:
        ws = wb[plan.sheet]
        chart = _chart(plan)
        colours = _BUCKET_COLOURS if plan.colours == "buckets" else _LINE_COLOURS
        for k, s in enumerate(plan.series):
            ref = Reference(ws, min_col=s.first_col, min_row=s.first_row, max_col=s.last_col,
                            max_row=s.last_row)
            chart.add_data(ref, titles_from_data=False, from_rows=s.first_row == s.last_row
                           and s.first_col != s.last_col)
            ser = chart.series[-1]
            ser.tx = SeriesLabel(strRef=StrRef(absolute(ws, s.name_row, s.name_col)))
            colour = colours[min(k, len(colours) - 1)]
            ser.graphicalProperties = GraphicalProperties(solidFill=colour)
            ser.graphicalProperties.line.solidFill = colour
            if CHART_KINDS[plan.kind][0] == "line":
                ser.graphicalProperties.line.width = 28575  # 2.25 pt
                ser.smooth = False
        r0, c0, r1, c1 = plan.categories
        chart.set_categories(Reference(ws, min_col=c0, min_row=r0, max_col=c1, max_row=r1))
        ws.add_chart(chart, plan.anchor)


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"
