"""The workbook port: what an action may do to a workbook, and its .xlsx implementation.

Every user-level action (refresh the aging, save notes, produce letters …)
talks to the workbook only through these few calls, so the same action runs
on a file (CLI, tests, nightly jobs: :class:`XlsxPort`) and on the book open
in Excel (the ribbon: :class:`xlar.excel.XlwingsPort`).

=====================  ======================================================
``read_table(name)``   an Excel Table as a DataFrame (user columns as UserCell)
``write_table(plan)``  replace a sheet with an Excel Table (TablePlan)
``write_sheet(plan)``  replace a sheet with free-form cells (SheetPlan)
``message(text)``      tell the user something
``save()``             make it stick (atomic for files; Excel: nothing to do)
=====================  ======================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import pandas as pd

from xlar.workbench.layout import SHEET_ORDER
from xlar.workbench.merge import TableRead
from xlar.workbench.plan import SheetPlan, TablePlan

__all__ = ["WorkbookPort", "XlsxPort"]


class WorkbookPort(Protocol):
    #: the workbook's file (None for an unsaved Excel book); relative paths in
    #: its settings are relative to its folder.
    path: Path | None

    def read_table(self, name: str, owned: list[str] | None = None, key: str | None = None,
                   keep=None) -> TableRead | None: ...

    def write_table(self, plan: TablePlan) -> None: ...

    def write_sheet(self, plan: SheetPlan) -> None: ...

    def message(self, text: str) -> None: ...

    def save(self) -> None: ...


class XlsxPort:
    """An .xlsx/.xlsm file through openpyxl; :meth:`save` replaces the file atomically.

    *rewrites* names the sheets the caller will replace whole (an action's
    ``rewrites``): the large ones are not loaded cell by cell (xlar.workbench.bigsheets).
    """

    def __init__(self, path: str | Path, messages: list[str] | None = None,
                 rewrites=()):
        from xlar.workbench.xlsx import open_workbook

        self.path = Path(path)
        self.wb = open_workbook(self.path, rewrites)
        self.messages = messages if messages is not None else []
        self._values = None
        self._strings = None

    @property
    def folder(self) -> Path:
        return self.path.parent

    def read_table(self, name: str, owned: list[str] | None = None, key: str | None = None,
                   keep=None) -> TableRead | None:
        """The table *name*; see xlar.workbench.xlsx.read_table.  With *key* and *keep* (the
        keys that stay), a big table's owned columns may be read only for the rows that
        leave (xlar.workbench.bigsheets.read_thin_table)."""
        from xlar.workbench.xlsx import find_table, read_table

        if not self.path.exists():
            return None
        ws, table = find_table(self.wb, name)
        if ws is None:
            return None
        thin = getattr(self.wb, "_xlar_thinned", {}).get(ws.title)
        if thin is not None and thin[0] is ws and getattr(ws, "_xlar_body", None) is None:
            from xlar.workbench.bigsheets import read_thin_table

            return read_thin_table(self.wb, thin[1], table.ref, self._shared_strings(), owned,
                                   key, keep)
        return read_table(self.wb, name, self._cached_values(ws.title), owned)

    def _shared_strings(self) -> list[str]:
        if self._strings is None:
            import zipfile

            from openpyxl.reader.strings import read_string_table

            with zipfile.ZipFile(self.path) as archive:
                names = {n.lower(): n for n in archive.namelist()}
                part = names.get("xl/sharedstrings.xml")
                self._strings = []
                if part:
                    with archive.open(part) as src:
                        self._strings = read_string_table(src)
        return self._strings

    def _cached_values(self, sheet: str) -> dict:
        """Last calculated values of formula cells on *sheet* (openpyxl gives formulas
        only); read with calamine, only where a formula exists."""
        ws = self.wb[sheet]
        cells = [(c.row, c.column) for row in ws.iter_rows() for c in row if c.data_type == "f"]
        if not cells:
            return {}
        import python_calamine as pc

        from xlar.imports.files import calamine_failed

        try:
            grid = pc.CalamineWorkbook.from_path(str(self.path)).get_sheet_by_name(
                sheet).to_python(skip_empty_area=False)
        except BaseException as e:  # values are a nicety; the formulas are kept regardless
            if not calamine_failed(e):
                raise
            return {}
        out = {}
        for r, c in cells:
            if r - 1 < len(grid) and c - 1 < len(grid[r - 1]):
                v = grid[r - 1][c - 1]
                out[(r, c)] = None if v == "" else v
        return out

    def _position(self, sheet: str) -> int:
        """New sheets go where SHEET_ORDER puts them among the sheets that exist."""
        existing = self.wb.sheetnames
        if sheet in existing or sheet not in SHEET_ORDER:
            return existing.index(sheet) if sheet in existing else len(existing)
        before = [s for s in SHEET_ORDER[: SHEET_ORDER.index(sheet)] if s in existing]
        return existing.index(before[-1]) + 1 if before else 0

    def write_table(self, plan: TablePlan) -> None:
        from xlar.workbench.xlsx import apply_table_plan

        apply_table_plan(self.wb, plan, self._position(plan.sheet))

    def write_sheet(self, plan: SheetPlan) -> None:
        from xlar.workbench.xlsx import apply_sheet_plan

        apply_sheet_plan(self.wb, plan, self._position(plan.sheet))

    def write_pivots(self, plans, order=None) -> None:
        """xlar's PivotTables over OpenItems (see xlar.workbench.pivots)."""
        from xlar.workbench.pivots import apply_pivots

        apply_pivots(self.wb, plans, self._position, order)

    def add_charts(self, plans) -> None:
        """Charts over cells already written (see xlar.workbench.charts)."""
        from xlar.workbench.charts import add_charts

        add_charts(self.wb, plans)

    def message(self, text: str) -> None:
        self.messages.append(text)

    def activate(self, sheet: str) -> None:
        if sheet in self.wb.sheetnames:
            self.wb.active = self.wb.sheetnames.index(sheet)

    def save(self) -> None:
        from xlar.workbench.bigsheets import check_rewritten
        from xlar.workbench.xlsx import save_atomic

        thinned = getattr(self.wb, "_xlar_thinned", {})
        check_rewritten(self.wb, {name: ws for name, (ws, _) in thinned.items()})
        save_atomic(self.wb, self.path)

    def table_frame(self, name: str) -> pd.DataFrame | None:
        """Convenience for tests and callers that only need the values."""
        t = self.read_table(name)
        return None if t is None else t.frame
