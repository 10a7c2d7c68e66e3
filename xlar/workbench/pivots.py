"""Native PivotTables over the ``OpenItems`` table, rebuilt at every refresh.

Specialists live in pivot tables: these are real Excel PivotTables (pivot cache +
pivot table parts), not static summaries, so a user can drag fields, filter and
drill down as usual.  What xlar writes, and why:

* **one pivot cache** for all of xlar's pivots, sourced on the Table by name
  (``worksheetSource name="OpenItems"``), so a refresh that grows or shrinks the
  table needs no range edits; one ``cacheField`` per table column, in order, with
  the values of the fields the pivots use as shared items.  Pivots on one source
  share one cache deliberately (two equal caches confuse openpyxl and LibreOffice);
* **no cached records** and ``saveData="0" refreshOnLoad="1"``: Excel rebuilds the
  cache from the table when the file opens (a records part would double the file and
  be stale at the first edit anyway); LibreOffice always rebuilds pivots on load;
* the pivots themselves (:func:`workbench_pivots`): aging by customer x bucket, by
  sales partner x bucket, by territory and collector, disputed vs undisputed past
  due, and the top past-due customers.  Currency is always the outer row field, so
  no figure adds up different currencies; with more than one currency the
  grand-total row (which would) is switched off;
* bucket items in bucket order (Not due, 1-30, ... Over 120), not alphabetical;
* each pivot on a sheet of its own (:data:`xlar.workbench.layout.PIVOT_SHEETS`): a
  pivot that grows at refresh can never run into another one.

Pivots the user made on other sheets are kept (openpyxl carries them through a
save); those whose source is the OpenItems table or the Open Items sheet are set
to refresh on open, and a sheet-range source is stretched to the table's new size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple
from xml.etree.ElementTree import Element, SubElement

import numpy as np
import pandas as pd
from openpyxl.pivot.cache import CacheDefinition

from xlar.workbench.layout import OPEN_ITEMS, PIVOT_SHEETS

__all__ = ["PivotPlan", "workbench_pivots", "apply_pivots", "PIVOT_ANCHOR_ROW",
           "follow_table", "ready_for_save", "read_caches_once"]

#: Row of each pivot sheet where the pivot starts (a title and a note stand above it).
PIVOT_ANCHOR_ROW = 4
#: Built-in number format 43: accounting, two decimals, no currency symbol (what the
#: Open Items sheet shows).
_ACCOUNTING = 43
_VALUE = "Open Amount"
#: Columns after the row labels given a width on a pivot sheet (buckets and the total).
_VALUE_COLUMNS = 12


class PivotPlan(NamedTuple):
    """One PivotTable xlar keeps in the workbench.

    Attributes:
      name: the PivotTable's name (Excel shows it in PivotTable Analyze).
      sheet: the sheet it stands on (xlar's own; rewritten at each refresh).
      title: the line above it.
      rows, columns: OpenItems headers on the row and column axes, outermost first.
      value: the header summed in the data area.
      hidden: (header, items) pairs hidden by the pivot's filter, e.g. the Not due
        bucket in a past-due pivot.
      top: keep only the *top* items of the innermost row field by the value (0: all).
    """

    name: str
    sheet: str
    title: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    value: str = _VALUE
    hidden: tuple[tuple[str, tuple[str, ...]], ...] = ()
    top: int = 0


def workbench_pivots(labels: tuple[str, ...], top: int = 20) -> tuple[PivotPlan, ...]:
    """The pivots of the workbench, for buckets *labels* (the first is "not yet due")."""
    past_due = (("Bucket", (labels[0],)),)
    customers, partners, territory, disputes, top_sheet = PIVOT_SHEETS
    return (
        PivotPlan("AgingByCustomerPivot", customers, "Aging by customer and bucket",
                  ("Currency", "Customer Name"), ("Bucket",)),
        PivotPlan("AgingByPartnerPivot", partners, "Aging by sales partner and bucket",
                  ("Currency", "Sales Partner"), ("Bucket",)),
        PivotPlan("TerritoryCollectorPivot", territory, "Aging by territory and collector",
                  ("Currency", "Territory", "Collector"), ("Bucket",)),
        PivotPlan("DisputedPastDuePivot", disputes, "Past due: disputed and undisputed",
                  ("Currency", "Disputed"), ("Bucket",), hidden=past_due),
        PivotPlan("TopPastDuePivot", top_sheet, f"Top {top} past-due customers",
                  ("Currency", "Customer Name"), ("Bucket",), hidden=past_due, top=top),
    )


# ---------------------------------------------------------------------------
# openpyxl edge
# ---------------------------------------------------------------------------


def _el(parent: Element | None, tag: str, **attrs) -> Element:
    attrs = {k: str(int(v) if isinstance(v, bool) else v) for k, v in attrs.items()
             if v is not None}
    return Element(tag, attrs) if parent is None else SubElement(parent, tag, attrs)


def _blank(v) -> bool:
    return v is None or v == ""


def _column_values(ws, ref: str, headers: list[str], wanted: set[str]
                   ) -> dict[str, pd.Series]:
    """The values of the table's columns named in *wanted*, read from the sheet (or from
    the rows it will be saved with, for a large table: xlar.workbench.stream)."""
    from xlar.workbench.xlsx import table_column

    return {h: pd.Series(table_column(ws, ref, j), dtype=object)
            for j, h in enumerate(headers) if h in wanted}


def _shared_items(values, order: tuple[str, ...] = ()) -> list:
    """Distinct values in display order: *order* first (e.g. bucket labels), then the
    rest sorted as text; a blank (missing) item last."""
    seen = {"" if _blank(v) else v for v in pd.unique(pd.Series(values, dtype=object))}
    blank = "" in seen
    seen.discard("")
    first = list(order)  # every bucket, so the columns are the same at every refresh
    rest = sorted((v for v in seen if v not in set(order)), key=lambda v: str(v).lower())
    return first + rest + ([None] if blank else [])


class _SharedCache(CacheDefinition):
    """xlar's one cache, shared by its pivots: equal and hashed by identity.  openpyxl
    hashes and compares caches field by field while saving, which for a cache of 50,000
    customer names took longer than writing a million rows."""

    # openpyxl's metaclass lists a class's fields from its own body: name the parent's.
    __attrs__ = CacheDefinition.__attrs__
    __nested__ = CacheDefinition.__nested__
    __elements__ = CacheDefinition.__elements__
    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def same_as(self, other) -> bool:
        """Equal field by field to *other* (a user's pivot cache), as openpyxl compares."""
        return isinstance(other, CacheDefinition) and dict(self) == dict(other) and all(
            getattr(self, el) == getattr(other, el) for el in self.__elements__)


def _cache_element(table: str, headers: list[str], items: dict[str, list]) -> Element:
    root = _el(None, "pivotCacheDefinition", saveData=False, refreshOnLoad=True,
               refreshedBy="xlar", createdVersion=3, refreshedVersion=3,
               minRefreshableVersion=3, recordCount=0)
    src = _el(root, "cacheSource", type="worksheet")
    _el(src, "worksheetSource", name=table)
    fields = _el(root, "cacheFields", count=len(headers))
    for h in headers:
        f = _el(fields, "cacheField", name=h, numFmtId=0)
        if h not in items:
            _el(f, "sharedItems")
            continue
        vals = items[h]
        shared = _el(f, "sharedItems", count=len(vals),
                     containsBlank=True if None in vals else None)
        for v in vals:
            if v is None:
                _el(shared, "m")
            elif isinstance(v, bool):
                _el(shared, "b", v=v)
            elif isinstance(v, (int, float)):
                _el(shared, "n", v=v)
            else:
                _el(shared, "s", v=str(v))
    return root


def _output_size(plan: PivotPlan, items: dict[str, list], values: dict[str, list]
                 ) -> tuple[int, int]:
    """(rows, columns) the pivot will fill in Excel's tabular form, for its location.
    Excel recomputes it on refresh; a right size keeps the file tidy until then."""
    hidden = {h: set(v) for h, v in plan.hidden}
    frame = pd.DataFrame({h: values[h] for h in plan.rows}).astype(object)
    keep = np.ones(len(frame), bool)
    for h, off in hidden.items():
        if h in values:
            keep &= ~pd.Series(values[h], dtype=object).isin(off).to_numpy()
    # Blanks as one key: a row label is a blank item whether the cell held None or NaN.
    combos = frame[keep].fillna("\0").drop_duplicates()
    body = len(combos)
    if plan.top:
        outer = list(plan.rows[:-1])
        per_outer = combos.groupby(outer, sort=False).size() if outer else \
            pd.Series([len(combos)])
        body = int(np.minimum(per_outer.to_numpy(), plan.top).sum())
    subtotals = sum(len(combos[list(plan.rows[:k])].drop_duplicates())
                    for k in range(1, len(plan.rows)))
    columns = 1
    for h in plan.columns:
        columns *= len([v for v in items[h] if v not in hidden.get(h, set())])
    return 2 + body + subtotals + 1, len(plan.rows) + columns + 1


def _pivot_element(plan: PivotPlan, cache_id: int, headers: list[str],
                   items: dict[str, list], size: tuple[int, int], grand_total_row: bool
                   ) -> Element:
    from openpyxl.utils import get_column_letter

    root = _el(None, "pivotTableDefinition", name=plan.name, cacheId=cache_id,
               applyNumberFormats=False, applyBorderFormats=False, applyFontFormats=False,
               applyPatternFormats=False, applyAlignmentFormats=False,
               applyWidthHeightFormats=True, dataCaption="Values", updatedVersion=3,
               minRefreshableVersion=3, createdVersion=3, useAutoFormatting=True,
               itemPrintTitles=True, indent=0, compact=False, compactData=False,
               outline=True, outlineData=True, gridDropZones=False,
               multipleFieldFilters=False, rowGrandTotals=grand_total_row,
               rowHeaderCaption=None)
    rows, cols = size
    top = PIVOT_ANCHOR_ROW
    _el(root, "location", ref=f"A{top}:{get_column_letter(cols)}{top + rows - 1}",
        firstHeaderRow=1, firstDataRow=2, firstDataCol=len(plan.rows))
    hidden = dict(plan.hidden)
    value_index = headers.index(plan.value)
    fields = _el(root, "pivotFields", count=len(headers))
    for h in headers:
        axis = "axisRow" if h in plan.rows else "axisCol" if h in plan.columns else None
        sort_here = bool(plan.top) and h == plan.rows[-1]
        f = _el(fields, "pivotField", axis=axis, dataField=True if h == plan.value else None,
                compact=False, outline=False, showAll=False,
                sortType="descending" if sort_here else None)
        if axis is None:
            continue
        its = _el(f, "items", count=len(items[h]) + 1)
        for i, v in enumerate(items[h]):
            _el(its, "item", x=i, h=True if v in hidden.get(h, ()) else None)
        _el(its, "item", t="default")
        if sort_here:
            # Sort the customers by the data field (Sum of Open Amount), largest first.
            scope = _el(f, "autoSortScope")
            area = _el(scope, "pivotArea", dataOnly=False, outline=False, fieldPosition=0)
            refs = _el(area, "references", count=1)
            ref = _el(refs, "reference", field=4294967294, count=1, selected=False)
            _el(ref, "x", v=0)
    for tag, names in (("rowFields", plan.rows), ("colFields", plan.columns)):
        group = _el(root, tag, count=len(names))
        for h in names:
            _el(group, "field", x=headers.index(h))
    data = _el(root, "dataFields", count=1)
    _el(data, "dataField", name=f"Sum of {plan.value}", fld=value_index, subtotal="sum",
        baseField=0, baseItem=0, numFmtId=_ACCOUNTING)
    _el(root, "pivotTableStyleInfo", name="PivotStyleMedium2", showRowHeaders=True,
        showColHeaders=True, showRowStripes=False, showColStripes=False, showLastColumn=True)
    if plan.top:
        filters = _el(root, "filters", count=1)
        flt = _el(filters, "filter", fld=headers.index(plan.rows[-1]), type="count",
                  evalOrder=-1, id=1, iMeasureFld=0)
        auto = _el(flt, "autoFilter", ref="A1")
        col = _el(auto, "filterColumn", colId=0)
        _el(col, "top10", val=plan.top, filterVal=plan.top)
    return root


def _next_cache_id(wb) -> int:
    ids = [p.cacheId for ws in wb.worksheets for p in ws._pivots]
    return max(ids, default=0) + 1


def follow_table(wb, table_name: str, sheet: str, ref: str) -> int:
    """Make the user's own pivots on *table_name* (or its sheet) follow the new data:
    refresh on open, and a sheet-range source stretched to the table's rows.  Returns
    how many caches were touched."""
    from openpyxl.utils.cell import range_boundaries

    _, _, _, last_row = range_boundaries(ref)
    touched = set()
    for ws in wb.worksheets:
        for p in ws._pivots:
            cache = p.cache
            src = getattr(getattr(cache, "cacheSource", None), "worksheetSource", None)
            if src is None or id(cache) in touched:
                continue
            on_table = (src.name or "").lower() == table_name.lower()
            on_sheet = src.sheet == sheet and src.ref and not src.name
            if not (on_table or on_sheet):
                continue
            if on_sheet:
                c0, r0, c1, _ = range_boundaries(src.ref)
                from openpyxl.utils import get_column_letter

                src.ref = f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{last_row}"
            cache.refreshOnLoad = True
            # Its cached records describe the old data: Excel rebuilds them on open anyway.
            cache.records, cache.id, cache.saveData = None, None, False
            touched.add(id(cache))
    return len(touched)


def read_caches_once() -> None:
    """Make openpyxl parse a workbook's pivot caches once per load, not once per sheet.

    openpyxl 3.1's reader asks its ``pivot_caches`` property again for every
    worksheet, and the property parses every cache part each time: a workbench of 25
    sheets parsed its caches 25 times (seconds for a cache of thousands of customer
    names).  One parse per load gives the same caches (the file does not change while
    it is read), now shared by the pivots that name them, as in the file.
    """
    import functools

    from openpyxl.reader.workbook import WorkbookParser

    if isinstance(WorkbookParser.__dict__.get("pivot_caches"), functools.cached_property):
        return
    once = functools.cached_property(WorkbookParser.pivot_caches.fget)
    once.__set_name__(WorkbookParser, "pivot_caches")
    WorkbookParser.pivot_caches = once


def ready_for_save(wb) -> None:
    """Work around two openpyxl 3.1 slips before saving a workbook with pivots.

    * it adds every pivot to ``wb._pivots`` while saving and never clears the list, so
      a second save of the same workbook lists each cache twice;
    * it names a cache's records part by the cache's *old* number in the relationship
      but writes the part under its *new* one, so a workbook whose caches are
      renumbered (one of ours added before a user's) points at a missing part and
      cannot be opened again.  The new number is the cache's place among the distinct
      caches in sheet order: give its records that number before the writer looks.
    """
    wb._pivots = []
    seen = []
    for ws in wb.worksheets:
        for p in ws._pivots:
            if p.cache not in seen:
                seen.append(p.cache)
                if p.cache.records is not None:
                    p.cache.records._id = len(seen)


def apply_pivots(wb, plans: tuple[PivotPlan, ...], position: Callable[[str], int] | None = None,
                 order: dict[str, tuple[str, ...]] | None = None) -> None:
    """Write *plans* into *wb* over the OpenItems table: one shared cache, each pivot
    on its own (replaced) sheet.  *order* gives the item order of fields whose order
    is not alphabetical (the buckets)."""
    from openpyxl.pivot.table import TableDefinition
    from openpyxl.utils.cell import range_boundaries

    from xlar.workbench.xlsx import TITLE_FONT, find_table, replace_sheet

    src_ws, table = find_table(wb, OPEN_ITEMS.table)
    if table is None:
        return
    c0, r0, c1, _ = range_boundaries(table.ref)
    headers = [str(src_ws.cell(r0, c).value) for c in range(c0, c1 + 1)]
    used = {h for p in plans for h in (*p.rows, *p.columns)}
    values = _column_values(src_ws, table.ref, headers, used)
    items = {h: _shared_items(values[h], (order or {}).get(h, ())) for h in used}
    # Replace xlar's pivot sheets first, so their old pivots do not count below.
    sheets = {}
    for plan in plans:
        sheets[plan.name] = replace_sheet(wb, plan.sheet, position(plan.sheet) if position
                                          else None)
    cache = _SharedCache.from_tree(_cache_element(OPEN_ITEMS.table, headers, items))
    cache_id = _next_cache_id(wb)
    follow_table(wb, OPEN_ITEMS.table, OPEN_ITEMS.sheet, table.ref)
    for ws in wb.worksheets:
        for p in ws._pivots:
            if p.cache is not cache and cache.same_as(p.cache):
                # openpyxl writes equal caches once: one pivot would lose its cache.
                p.cache, p.cacheId = cache, cache_id
    several = len({v for v in pd.unique(values["Currency"]) if not _blank(v)}) > 1 \
        if "Currency" in values else False
    for plan in plans:
        ws = sheets[plan.name]
        ws.cell(1, 1, plan.title).font = TITLE_FONT
        ws.cell(2, 1, "A PivotTable over the OpenItems table: it refreshes when the workbook "
                      "opens; drag fields or filter as you like (xlar rebuilds it at the next "
                      "refresh; make your own pivots on your own sheets).")
        # Row labels, then one column per bucket and the total (set wide enough for
        # millions: an unset width shows ### in LibreOffice).
        from openpyxl.utils import get_column_letter

        widths = [12] + [28] * (len(plan.rows) - 1) + [16] * _VALUE_COLUMNS
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = width
        size = _output_size(plan, items, values)
        pivot = TableDefinition.from_tree(_pivot_element(plan, cache_id, headers, items, size,
                                                         not several))
        pivot.cache = cache
        ws.add_pivot(pivot)
