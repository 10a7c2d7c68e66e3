"""Writing engine frames to CSV or XLSX files for other systems.

Text that came from outside is neutralised on the way out: in a CSV a
leading ``=``, ``+``, ``-`` or ``@`` gets a quote in front (a CSV cannot mark a
cell as text); in an XLSX the cell is stored as a string.  Negative numbers
stay numbers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from xlar.text import neutralise_csv_text

__all__ = ["write_frame"]


def write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write *frame* to *path* (.csv or .xlsx), atomically."""
    path = Path(path)
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].map(lambda v: neutralise_csv_text(v) if isinstance(v, str) else v)
    tmp = path.with_name(f".~{path.name}")
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        from xlar.workbench.xlsx import save_atomic, write_text

        wb = Workbook()
        ws = wb.active
        ws.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([None if v is None or (isinstance(v, float) and v != v) else
                       (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for v in row])
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    write_text(cell, cell.value)
        save_atomic(wb, path)
        return path
    # CRLF ends rows (RFC 4180), and so a value holding a lone CR is quoted: written
    # bare, a spreadsheet or ERP import would start a new row there, and that row's
    # first text ("=1+1" after a CR in a memo) would escape the quote above.
    out.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    tmp.replace(path)
    return path
