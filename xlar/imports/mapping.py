"""Column mappings: which column of an export holds which field.

A mapping is a small TOML file (or the same as a dict)::

    # how our ERP's CSV export is laid out
    sheet = "Aging"          # optional: which sheet of a workbook
    header_row = 3           # optional: 1-based row of the column headers
    currency = "EUR"         # currency of rows without a currency column
    decimal = ","            # optional: decimal separator ('.' or ',')
    date_order = "DMY"       # optional: DMY, MDY or YMD for dates like 01/02/2026

    [columns]                # field = "header text in the file"
    customer_id = "Cliente"
    document = "Nº Factura"
    due_date = "Vencimiento"
    open_amount = "Saldo"

    [doc_types]              # source type code = invoice / debit_memo / credit_memo / payment
    "FV" = "invoice"

    [terms]                  # source terms code = terms xlar knows
    "ZB30" = "NET 30"

Without a mapping, :func:`detect_columns` recognises the usual English and
Spanish headers (table :data:`HEADER_SYNONYMS`) and says what it chose.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from xlar.imports.common import FIELDS, ImportOptions
from xlar.imports.files import cell_text
from xlar.model import DOC_TYPES
from xlar.text import normalise_header

__all__ = ["ColumnMapping", "HEADER_SYNONYMS", "load_mapping", "detect_columns", "MappingError",
           "REQUIRED_ANY", "column_lookup", "fields_of", "two_row_labels", "match_header"]


class MappingError(ValueError):
    """A mapping that cannot be used; the message names the key and what is wrong."""


#: Field -> header spellings (normalised by :func:`xlar.text.normalise_header`).
#: Order matters only for readability; the longest matching spelling wins.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer id", "customer no", "customer number", "customer #", "customer code",
        "cust id", "cust no", "cust #", "account", "account no", "account number", "acct no",
        "customer account", "debtor", "debtor no", "contact id", "kunde", "kunnr", "customer",
        "cliente", "codigo cliente", "cod cliente", "no cliente", "n cliente", "id cliente",
        "numero cliente", "numero de cliente", "cuenta", "deudor",
    ),
    "customer_name": (
        "customer name", "name", "client", "client name", "contact", "contact name",
        "account name", "debtor name", "bill to", "company", "nombre", "nombre cliente",
        "nombre del cliente", "razon social", "cliente nombre",
    ),
    "document": (
        "invoice", "invoice no", "invoice number", "invoice #", "inv no", "inv #", "invoice id",
        "document", "document no", "document number", "doc no", "doc number", "doc #",
        "document #", "num", "number", "no", "ref no", "transaction no", "trx number",
        "factura", "no factura", "n factura", "numero factura", "numero de factura",
        "documento", "no documento", "numero documento", "folio", "comprobante",
    ),
    "doc_type": (
        "type", "doc type", "document type", "transaction type", "trx type", "tipo",
        "tipo documento", "tipo de documento", "tipo doc", "clase", "clase documento",
    ),
    "doc_date": (
        "date", "invoice date", "doc date", "document date", "transaction date", "trx date",
        "posting date", "fecha", "fecha factura", "fecha de factura", "fecha documento",
        "fecha emision", "fecha de emision",
    ),
    "due_date": (
        "due date", "due", "net due date", "payment due", "date due", "vencimiento",
        "fecha vencimiento", "fecha de vencimiento", "vto", "vence", "fecha vto",
    ),
    "original_amount": (
        "amount", "invoice amount", "original amount", "orig amount", "original trx amount",
        "document amount", "gross amount", "total amount", "importe", "importe original",
        "importe factura", "importe total", "monto", "monto original", "total factura",
    ),
    "open_amount": (
        "open balance", "open amount", "balance", "balance due", "amount due", "outstanding",
        "amount outstanding", "open", "remaining", "remaining amount", "current trx amount",
        "due amount", "saldo", "saldo pendiente", "importe pendiente", "pendiente",
        "saldo abierto", "saldo vencido", "monto pendiente", "por cobrar",
    ),
    "currency": ("currency", "curr", "ccy", "currency code", "moneda", "divisa"),
    "terms": (
        "terms", "payment terms", "pay terms", "terms code", "condiciones de pago",
        "condicion de pago", "terminos", "plazo", "forma de pago",
    ),
    "po_number": (
        "po", "po number", "po no", "po #", "purchase order", "customer po",
        "orden de compra", "oc", "pedido", "no pedido",
    ),
    "reference": (
        "reference", "ref", "memo", "description", "assignment", "text", "referencia",
        "concepto", "descripcion", "asignacion", "observaciones",
    ),
    "sales_partner": (
        "sales partner", "sales rep", "salesperson", "sales person", "rep", "partner",
        "salesperson id", "vendedor", "comercial", "representante", "socio comercial", "agente",
    ),
    "territory": ("territory", "region", "sales territory", "zona", "territorio", "region ventas"),
    "collector": ("collector", "credit controller", "cobrador", "gestor de cobro", "gestor"),
    "disputed": ("disputed", "dispute", "in dispute", "disputa", "en disputa", "reclamado"),
    "settled_date": ("settled date", "paid date", "date paid", "fecha de pago", "fecha cobro"),
}


def column_lookup(table: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Normalised header text -> field, from a table of field -> spellings.

    Every reader that recognises headers (this module's :data:`HEADER_SYNONYMS`,
    a layout's caption table, the customer master's) turns its table into one.
    """
    return {normalise_header(s): field for field, spellings in table.items() for s in spellings}


#: Longer than any header spelling with room to spare ("Fecha de vencimiento del documento").
MAX_HEADER_LABEL = 120


def fields_of(labels: Sequence, lookup: Mapping[str, str]) -> dict[str, int]:
    """Field -> column for one header row: the first column whose label names the field.

    A label may be a list of alternatives (a two-row header: the joined
    label, then the lower one, then the upper one); the first that names a
    field not yet taken counts.
    """
    found: dict[str, int] = {}
    # A broken line can have 100,000 cells or a 100 KB cell: normalise each
    # distinct label once, and never a label longer than any header spelling.
    normalised: dict = {}
    for i, label in enumerate(labels):
        for alt in label if isinstance(label, list) else [label]:
            if isinstance(alt, str) and len(alt) > MAX_HEADER_LABEL:
                continue
            key = normalised.get(alt)
            if key is None:
                key = normalised[alt] = normalise_header(alt)
            field = lookup.get(key)
            if field and field not in found:
                found[field] = i
                break
    return found


def two_row_labels(upper: list[str], lower: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The labels of a header written on two rows: (joined, upper, lower), column by column.

    The upper row is filled across its blank cells as a merged cell would be
    ("Amounts" over "Open" and "Original"), but not past its last cell: a
    shorter line above a header (a GP customer caption line over the
    document captions, in a text export) names only the columns it stands
    over.  A column reads "upper lower" ("Amounts Open"), or the upper label
    alone where the lower cell is blank.
    """
    filled, last = [], ""
    for u in upper:
        last = u or last
        filled.append(last)
    width = max(len(filled), len(lower))
    filled += [""] * (width - len(filled))
    lower = list(lower) + [""] * (width - len(lower))
    joined = [f"{u} {lo}".strip() if lo else u for u, lo in zip(filled, lower, strict=True)]
    return joined, filled, lower


_LOOKUP = column_lookup(HEADER_SYNONYMS)

#: A header row must name at least one field of each group.
REQUIRED_ANY = (("document", "customer_id", "customer_name"), ("open_amount", "original_amount"))


class ColumnMapping(NamedTuple):
    """Which column holds which field, and how to read values.

    Attributes:
      columns: field -> header text (as written in the file).
      options: how to read ambiguous values (currency, separators, dates).
      sheet: sheet to read, or None for the first that fits.
      header_row: 1-based header row, or None to find it.
      source: where the mapping came from ('auto' or a file name), for the Run Log.
    """

    columns: Mapping[str, str]
    options: ImportOptions = ImportOptions()
    sheet: str | None = None
    header_row: int | None = None
    source: str = "auto"


def _from_dict(data: Mapping, source: str) -> ColumnMapping:
    known = {"columns", "doc_types", "terms", "sheet", "header_row", "currency", "decimal",
             "date_order", "layout"}
    unknown = set(data) - known
    if unknown:
        raise MappingError(f"{source}: unknown setting(s) {', '.join(sorted(unknown))}; "
                           f"expected {', '.join(sorted(known))}")
    columns = dict(data.get("columns", {}))
    for field in columns:
        if field not in FIELDS:
            raise MappingError(f"{source}: [columns] has {field!r}, which is not a field; "
                               f"fields are {', '.join(FIELDS)}")
    doc_types = dict(data.get("doc_types", {}))
    for code, t in doc_types.items():
        if t not in DOC_TYPES and t != "by_sign":
            raise MappingError(f"{source}: [doc_types] maps {code!r} to {t!r}; use one of "
                               f"{', '.join(DOC_TYPES)} or by_sign")
    decimal = data.get("decimal")
    if decimal not in (None, ".", ","):
        raise MappingError(f"{source}: decimal must be '.' or ',', not {decimal!r}")
    order = data.get("date_order")
    if order not in (None, "DMY", "MDY", "YMD"):
        raise MappingError(f"{source}: date_order must be DMY, MDY or YMD, not {order!r}")
    header_row = data.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise MappingError(f"{source}: header_row must be a row number (1, 2, ...)")
    options = ImportOptions(
        currency=str(data.get("currency", "USD")).upper(), decimal=decimal, date_order=order,
        doc_types=doc_types, terms=dict(data.get("terms", {})),
    )
    return ColumnMapping(columns, options, data.get("sheet"), header_row, source)


def load_mapping(mapping: str | Path | Mapping | ColumnMapping | None) -> ColumnMapping | None:
    """A mapping from a TOML file, a dict, or None (auto-detect)."""
    if mapping is None or isinstance(mapping, ColumnMapping):
        return mapping
    if isinstance(mapping, Mapping):
        return _from_dict(mapping, "mapping")
    path = Path(mapping)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise MappingError(f"mapping file {path} not found") from None
    except tomllib.TOMLDecodeError as e:
        raise MappingError(f"mapping file {path.name}: {e}") from None
    return _from_dict(data, path.name)


def match_header(cells: list) -> dict[str, int]:
    """Fields recognised in one header row: field -> column index.

    A cell may be a list of alternative labels (for a two-row header: the
    joined label, then the lower one, then the upper one); the first that
    names a field not yet taken counts.  When two columns claim a field,
    the first wins; a bare 'Customer' column is the customer number if a
    name column exists, else the name.
    """
    found = fields_of(cells, _LOOKUP)
    # "Amount" alone, without an open-balance column, is the open amount.
    if "open_amount" not in found and "original_amount" in found:
        found["open_amount"] = found.pop("original_amount")
    if "customer_id" in found and "customer_name" not in found:
        # The label that named the column: its first alternative that names customer_id.
        cell = cells[found["customer_id"]]
        label = next(k for k in map(normalise_header, cell if isinstance(cell, list) else [cell])
                     if _LOOKUP.get(k) == "customer_id")
        if label in ("customer", "cliente", "contact", "client"):
            found["customer_name"] = found.pop("customer_id")
    return found


def header_score(found: Mapping[str, int]) -> int:
    if not all(any(f in found for f in group) for group in REQUIRED_ANY):
        return 0
    return len(found)


def detect_columns(rows: list[list], lines: list[int], limit: int = 30
                   ) -> tuple[int, int, list[str], dict[str, int]] | None:
    """Find the header in the first *limit* rows.

    Returns (row index, number of header rows, column labels, field -> column)
    or None.  Two-row headers ("Invoice" over "Date") are tried by joining
    each cell with the one above, the upper row filled across its blanks as
    a merged cell would be.
    """
    best = None
    for r in range(min(limit, len(rows))):
        labels = [cell_text(c) for c in rows[r]]
        cands = [(1, labels, labels)]
        if r + 1 < len(rows):
            joined, upper, lower = two_row_labels(labels, [cell_text(c) for c in rows[r + 1]])
            alternatives = [[j, lo, u] for j, lo, u in zip(joined, lower, upper, strict=True)]
            cands.append((2, alternatives, joined))
        for nrows, alts, labs in cands:
            found = match_header(alts)
            score = header_score(found) * 10 - nrows  # prefer one row on a tie
            if score > 0 and (best is None or score > best[0]):
                best = (score, r, nrows, labs, found)
    if best is None:
        return None
    _, r, nrows, labs, found = best
    return r, nrows, labs, found


def columns_from_mapping(labels: list[str],
                         mapping: ColumnMapping) -> tuple[dict[str, int], list[str]]:
    """Resolve a mapping's header texts to column indexes; returns (found, missing texts)."""
    norm = [normalise_header(x) for x in labels]
    found, missing = {}, []
    for field, header in mapping.columns.items():
        key = normalise_header(header)
        if key in norm:
            found[field] = norm.index(key)
        else:
            missing.append(f"{field} = {header!r}")
    return found, missing
