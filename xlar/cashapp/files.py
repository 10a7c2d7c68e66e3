"""Which reader a payments file needs, told from its content (not its name).

Banks name files as they please (``STMT_20261122.txt`` may be BAI2 or
MT940), so the first bytes decide: ``01,`` is BAI2, an XML document with a
``camt.05x`` namespace is ISO 20022, ``:20:`` / ``{1:`` / a bank header
line before ``:20:`` is MT940.  A spreadsheet or CSV is a check register when
its header names check numbers, otherwise a remittance advice.
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path

from xlar.cashapp.model import PaymentsResult
from xlar.imports.files import ReadError

__all__ = ["payment_file_format", "read_payments", "FORMATS", "BANK_FILE_FILTER"]

FORMATS = ("bai2", "camt", "mt940", "checks", "remittance")

#: The open-file dialog filter of the Import Bank File button.
BANK_FILE_FILTER = ("Bank and remittance files (*.bai;*.bai2;*.txt;*.xml;*.sta;*.940;*.mt940;"
                    "*.csv;*.xlsx;*.xls),*.bai;*.bai2;*.txt;*.xml;*.sta;*.940;*.mt940;*.csv;"
                    "*.xlsx;*.xls,All files (*.*),*.*")

_SPREADSHEET = (".xlsx", ".xlsm", ".xls", ".ods")


def payment_file_format(path: str | PathLike) -> str:
    """One of :data:`FORMATS` for the file at *path*; ReadError when none fits."""
    p = Path(path)
    if not p.exists():
        raise ReadError(f"{p.name}: file not found ({p})")
    if p.suffix.lower() in _SPREADSHEET:
        return _table_kind(p)
    head = p.read_bytes()[:4096]
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text.startswith("01,"):
        return "bai2"
    if text.startswith("<") and b"camt.05" in head:
        return "camt"
    if text.startswith("<"):
        raise ReadError(f"{p.name}: an XML file that is not an ISO 20022 camt.052/053/054 "
                        "statement or notification")
    if re.search(r"^(:20:|\{1:|:940:)", text, re.M) or re.search(r"\n:20:", text):
        return "mt940"
    return _table_kind(p)


def _table_kind(p: Path) -> str:
    """A table of documents paid is a remittance advice; a table of checks without a
    document column is a check register or lockbox listing."""
    from xlar.cashapp import checks, remittance
    from xlar.imports.files import read_grids
    from xlar.imports.mapping import fields_of

    try:
        grids = read_grids(p)
    except ReadError:
        return "remittance"  # its reader says what is wrong with the file
    for g in grids:
        for row in g.rows[:15]:
            if "document" in fields_of(row, remittance._LOOKUP):
                return "remittance"
            found = fields_of(row, checks._LOOKUP)
            if "check_number" in found and "amount" in found:
                return "checks"
    return "remittance"


def read_payments(path: str | PathLike, display: str | None = None, *,
                  currency: str = "USD", fmt: str | None = None) -> tuple[str, PaymentsResult]:
    """Read any payments file: (the format read, payments + remittances + rejections +
    control).  *currency* is for lines of spreadsheets that name none."""
    fmt = fmt or payment_file_format(path)
    if fmt == "bai2":
        from xlar.cashapp.bai2 import read_bai2

        return fmt, read_bai2(path, display)
    if fmt == "camt":
        from xlar.cashapp.camt import read_camt

        return fmt, read_camt(path, display)
    if fmt == "mt940":
        from xlar.cashapp.mt940 import read_mt940

        return fmt, read_mt940(path, display)
    if fmt == "checks":
        from xlar.cashapp.checks import read_check_register

        return fmt, read_check_register(path, display, currency=currency)
    if fmt == "remittance":
        from xlar.cashapp.remittance import read_remittance_advice

        return fmt, read_remittance_advice(path, display, currency=currency)
    raise ReadError(f"unknown payments format {fmt!r}; formats are {', '.join(FORMATS)}")
