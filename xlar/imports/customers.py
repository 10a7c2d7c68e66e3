"""Reading a customer master (CSV/XLSX): language, e-mail, address, credit limit, tax status.

Same contract as the open-items readers: every data row is accepted or
rejected with its line and a reason; headers are recognised in English and
Spanish.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.dates import DATE_DTYPE, detect_column_order, parse_dates
from xlar.imports.common import empty_rejections, map_unique, text_column
from xlar.imports.files import ReadError, is_blank_row, read_grids, row_text
from xlar.imports.mapping import column_lookup, fields_of
from xlar.imports.reports import find_header
from xlar.model import CUSTOMER_COLUMNS, empty_customers
from xlar.money import is_currency, minor_digits, parse_amounts
from xlar.text import normalise_header

__all__ = ["read_customers", "CustomersResult", "LANGUAGE_WORDS"]

_SYNONYMS = {
    "customer_id": ("customer id", "customer no", "customer number", "customer", "account",
                    "cliente", "codigo cliente", "no cliente", "id cliente", "cuenta"),
    "customer_name": ("customer name", "name", "company", "nombre", "nombre cliente",
                      "razon social"),
    "language": ("language", "lang", "idioma", "lengua"),
    "email": ("email", "e mail", "email address", "correo", "correo electronico", "mail"),
    "address": ("address", "billing address", "direccion", "domicilio"),
    "credit_limit_cents": ("credit limit", "limit", "limite de credito", "limite credito",
                           "limite"),
    "currency": ("currency", "curr", "moneda", "divisa"),
    "terms": ("terms", "payment terms", "condiciones de pago", "plazo"),
    "sales_partner": ("sales partner", "sales rep", "salesperson", "vendedor", "comercial"),
    "territory": ("territory", "region", "zona", "territorio"),
    "collector": ("collector", "cobrador", "gestor de cobro"),
    "tax_exempt_cert": ("tax exempt cert", "tax exempt certificate", "exemption certificate",
                        "certificado exencion", "tax exempt"),
    "tax_exempt_expiry": ("cert expiry", "certificate expiry", "exemption expiry",
                          "tax exempt expiry", "vencimiento certificado"),
}
_LOOKUP = column_lookup(_SYNONYMS)

#: What people type in a language column.
LANGUAGE_WORDS = {"en": "en", "english": "en", "ingles": "en", "eng": "en", "es": "es",
                  "spanish": "es", "espanol": "es", "castellano": "es", "spa": "es", "sp": "es"}


class CustomersResult(NamedTuple):
    customers: pd.DataFrame
    rejections: pd.DataFrame
    lines_read: int
    skipped: dict[str, int]


def _recognise(labels: list[str]) -> dict[str, int] | None:
    found = fields_of(labels, _LOOKUP)
    return found if "customer_id" in found and len(found) >= 2 else None


def read_customers(path: str | Path, default_currency: str = "USD") -> CustomersResult:
    grid = read_grids(path)[0]
    header = find_header(grid.rows, _recognise, limit=30, two_rows=False)
    if header is None:
        raise ReadError(f"{grid.file}: no header with a customer number column found (e.g. "
                        "'Customer ID' / 'Cliente') in the first 30 rows")
    r, found = header.row, header.columns
    body = grid.rows[r + 1:]
    lines = grid.lines[r + 1:]
    skipped: Counter = Counter({"title or header": r + 1})
    keep = [i for i, row in enumerate(body) if not is_blank_row(row)]
    skipped["blank"] = len(body) - len(keep)
    # The columns the header names, in every row: rows cut short (a truncated export)
    # are padded.  Not as wide as the widest row: one line of 200,000 commas made every
    # row that wide (gigabytes).  A rejected row shows all its cells (below).
    width = max(found.values()) + 1
    frame = pd.DataFrame([[*body[i][:width], *[""] * (width - len(body[i]))] for i in keep],
                         dtype=object)
    n = len(frame)
    line_no = np.asarray([lines[i] for i in keep], dtype=np.int64)
    reasons: dict[int, list[str]] = {}
    out = pd.DataFrame(index=range(n))

    def col(field):
        return frame[found[field]] if field in found and n else pd.Series([""] * n, dtype=object)

    for field, (kind, _) in CUSTOMER_COLUMNS.items():
        if kind == "str":
            out[field] = text_column(col(field)) if n else pd.Series(dtype=object)
    for i in np.flatnonzero((out["customer_id"] == "").to_numpy()):
        reasons.setdefault(int(i), []).append("customer number is missing")
    lang = map_unique(out["language"], lambda v: LANGUAGE_WORDS.get(normalise_header(v), None)
                      if v else "en")
    for i in np.flatnonzero(lang.isna().to_numpy()):
        reasons.setdefault(int(i), []).append(
            f"language {out['language'].iat[i]!r} not understood (use en or es)")
    out["language"] = lang.fillna("en").astype(object)
    cur = out["currency"].str.upper().where(out["currency"] != "", default_currency)
    for i in np.flatnonzero(~cur.map(is_currency).to_numpy(bool)):
        reasons.setdefault(int(i), []).append(f"currency {cur.iat[i]!r} is not an ISO code")
        cur.iat[i] = default_currency
    out["currency"] = cur.astype(object)
    limits = np.zeros(n, np.int64)
    if "credit_limit_cents" in found and n:
        digits = cur.map(minor_digits).to_numpy()
        for d in map(int, np.unique(digits)):
            rows = np.flatnonzero(digits == d)
            p = parse_amounts(col("credit_limit_cents").iloc[rows].reset_index(drop=True), None, d)
            empty = p.reason == "amount is empty"
            limits[rows] = np.where(p.ok, p.cents, 0)
            for j in np.flatnonzero(~p.ok & ~empty):
                reasons.setdefault(int(rows[j]), []).append(f"credit limit: {p.reason[j]}")
    out["credit_limit_cents"] = limits
    expiry_raw = col("tax_exempt_expiry")
    order, _ = detect_column_order([expiry_raw])
    exp = parse_dates(expiry_raw, order)
    for j in np.flatnonzero(~exp.ok & ~exp.empty):
        reasons.setdefault(int(j), []).append(f"certificate expiry: {exp.reason[j]}")
    out["tax_exempt_expiry"] = pd.Series(exp.dates, dtype=DATE_DTYPE)
    dup = out["customer_id"].duplicated(keep="first") & (out["customer_id"] != "")
    for i in np.flatnonzero(dup.to_numpy()):
        reasons.setdefault(int(i), []).append(
            f"customer {out['customer_id'].iat[i]!r} appears twice; the first row is used")
    bad = np.zeros(n, bool)
    bad[list(reasons)] = True
    customers = out[~bad][list(CUSTOMER_COLUMNS)].reset_index(drop=True) if n else empty_customers()
    rej_rows = np.flatnonzero(bad)
    rejections = pd.DataFrame({
        "file": [grid.file] * len(rej_rows), "sheet": [grid.sheet] * len(rej_rows),
        "line": line_no[rej_rows],
        "raw": [row_text(body[keep[i]]) for i in rej_rows],
        "reason": ["; ".join(reasons[int(i)]) for i in rej_rows],
    }) if len(rej_rows) else empty_rejections()
    return CustomersResult(customers, rejections, len(grid.rows), dict(skipped))
