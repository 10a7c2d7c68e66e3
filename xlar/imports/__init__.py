"""Importing open items from ERP exports.

:func:`read_open_items` is the one entry point: it recognises the layout
(or takes the one named), reads the file and returns an
:class:`~xlar.imports.common.ImportResult` ``(items, rejections, control)``.

Layouts:

==============  ==============================================================
``generic``     any CSV/TXT/XLSX/XLS with one item per row (auto-detected
                English/Spanish headers, or a column mapping)
``sap_fbl5n``   SAP FBL5N customer line items, list export (pipe text)
``dynamics_gp`` Dynamics GP aged trial balance (customer blocks)
``quickbooks``  QuickBooks A/R Aging Detail (bucket sections)
``xero``        Xero Aged Receivables Detail (contact blocks)
==============  ==============================================================
"""

from __future__ import annotations

import importlib
from pathlib import Path

from xlar.imports.common import ImportOptions, ImportResult
from xlar.imports.files import (
    ReadError,
    cell_text,
    decode_text,
    forget_grids,
    is_spreadsheet,
    read_sheet_grids,
)
from xlar.imports.mapping import ColumnMapping, MappingError, load_mapping
from xlar.progress import Progress, no_progress

__all__ = ["read_open_items", "detect_layout", "LAYOUTS", "ReadError", "MappingError",
           "ImportResult"]

#: layout name -> module under xlar.imports.  Each module has
#: ``sniff(head: str) -> bool`` and
#: ``read(path, options, progress, display) -> ImportResult``.
LAYOUTS = {
    "sap_fbl5n": "sap",
    "dynamics_gp": "dynamics_gp",
    "quickbooks": "quickbooks",
    "xero": "xero",
}


def _module(layout: str):
    return importlib.import_module(f"xlar.imports.{LAYOUTS[layout]}")


def file_head(path: Path, limit: int = 16384) -> str:
    """The first part of a file as text, for layout sniffing (spreadsheets: first 40 rows)."""
    if is_spreadsheet(path):
        try:
            grids = read_sheet_grids(path, path.name)
        except ReadError:
            return ""
        rows = grids[0].rows[:40] if grids else []
        return "\n".join("\t".join(cell_text(c) for c in r) for r in rows)
    with open(path, "rb") as fh:
        data = fh.read(limit)
    try:
        return decode_text(data, path.name)[0]
    except ReadError:
        return ""


def detect_layout(path: str | Path) -> str:
    """The layout of an export: a report layout that recognises it, else ``generic``."""
    head = file_head(Path(path))
    for layout in LAYOUTS:
        if _module(layout).sniff(head):
            return layout
    return "generic"


def read_open_items(path: str | Path, layout: str = "auto",
                    mapping: str | Path | dict | ColumnMapping | None = None,
                    progress: Progress = no_progress, display: str | None = None,
                    ) -> ImportResult:
    """Read an ERP open-items / aging export.

    *layout* is ``auto`` or one of ``generic`` and :data:`LAYOUTS`; a
    *mapping* (TOML file or dict) applies to the generic layout's columns
    and to every layout's value options (currency, separators, type codes,
    terms codes).  Raises :class:`ReadError` / :class:`MappingError` only
    when the file as a whole cannot be read; bad rows are rejections.
    """
    try:
        return _read(Path(path), layout, mapping, progress, display)
    finally:
        forget_grids()


def _read(p: Path, layout, mapping, progress, display) -> ImportResult:
    if not p.exists():
        raise ReadError(f"{p}: file not found")
    m = load_mapping(mapping)
    if layout == "auto":
        layout = "generic" if m is not None and m.columns else detect_layout(p)
    if layout == "generic":
        from xlar.imports.generic import read_generic

        return read_generic(p, m, progress, display)
    if layout not in LAYOUTS:
        raise ReadError(f"unknown layout {layout!r}; use auto, generic or "
                        f"{', '.join(LAYOUTS)}")
    options = m.options if m else ImportOptions()
    return _module(layout).read(p, options, progress, display or p.name)
