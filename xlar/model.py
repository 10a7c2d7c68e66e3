"""The shapes of xlar's data: open items and customers.

Both live as pandas DataFrames whose columns are listed here once, with what
each means.  :func:`validate_open_items` and :func:`validate_customers` check a
frame against its schema (pandera).  They run in the tests, not at run time:
tests/test_schema.py validates every importer's output on every fixture of
tests/fixtures, tests/test_demo.py the demo ledger.  The importers build these
frames themselves (xlar.imports.common.finish_import), so a mismatch is a bug in
xlar, not in the user's file (bad rows are rejected one by one, with a reason);
and the check costs about 0.8-1.0 s on 1,000,000 items (measured on a 2-core
machine), more than aging them, which is meant to take 0.3 s.

Money columns end in ``_cents`` and hold int64 minor units of the row's
``currency``; dates are ``datetime64[ns]`` with no time.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.dates import DATE_DTYPE

__all__ = [
    "DOC_TYPES",
    "CREDIT_TYPES",
    "DOC_TYPE_LABELS",
    "OPEN_ITEM_COLUMNS",
    "CUSTOMER_COLUMNS",
    "OpenItem",
    "Customer",
    "empty_open_items",
    "empty_customers",
    "validate_open_items",
    "validate_customers",
    "customers_from_items",
    "overlay_customers",
    "item_keys",
    "item_key_base",
    "SchemaError",
]

#: Document types, in the order they are listed.  Debits are positive,
#: credits (credit memos, payments on account) negative.
DOC_TYPES = ("invoice", "debit_memo", "credit_memo", "payment")
CREDIT_TYPES = frozenset({"credit_memo", "payment"})
DOC_TYPE_LABELS = {
    "invoice": "Invoice",
    "debit_memo": "Debit Memo",
    "credit_memo": "Credit Memo",
    "payment": "Payment on Account",
}

#: name -> (dtype kind, meaning).  Kinds: "str", "date", "cents", "bool", "int".
OPEN_ITEM_COLUMNS: dict[str, tuple[str, str]] = {
    "customer_id": ("str", "customer number in the ERP (the name when the export has none)"),
    "customer_name": ("str", "customer name as exported"),
    "document": ("str", "document number (invoice, credit memo, payment)"),
    "doc_type": ("str", "invoice / debit_memo / credit_memo / payment"),
    "doc_date": ("date", "document (invoice) date; NaT when the export has none"),
    "due_date": ("date", "net due date, from the export or derived from the terms"),
    "original_cents": ("cents", "original document amount, signed (credits negative)"),
    "open_cents": ("cents", "amount still open, signed (credits negative)"),
    "currency": ("str", "ISO 4217 currency of the amounts"),
    "terms": ("str", "payment terms as written (e.g. '2/10 NET 30')"),
    "po_number": ("str", "customer's purchase order number"),
    "reference": ("str", "free reference / assignment text from the ERP"),
    "sales_partner": ("str", "sales partner / rep responsible for the customer"),
    "territory": ("str", "sales territory or region"),
    "collector": ("str", "collector (AR specialist) assigned"),
    "disputed": ("bool", "True when the item is in dispute"),
    "settled_date": ("date", "date the item was fully paid, for histories (NaT when open)"),
    "source_file": ("str", "file the item was read from"),
    "source_sheet": ("str", "sheet of that file ('' for text files)"),
    "source_line": ("int", "1-based line or row in that file/sheet"),
    "item_key": ("str", "stable key: customer|type|document, '#n' added for repeats"),
}

CUSTOMER_COLUMNS: dict[str, tuple[str, str]] = {
    "customer_id": ("str", "customer number"),
    "customer_name": ("str", "customer name"),
    "language": ("str", "'en' or 'es': language of letters"),
    "email": ("str", "e-mail address for statements and letters"),
    "address": ("str", "postal address, lines separated by newlines"),
    "credit_limit_cents": ("cents", "credit limit in minor units of 'currency' (0 = none)"),
    "currency": ("str", "currency of the credit limit"),
    "terms": ("str", "default payment terms"),
    "sales_partner": ("str", "sales partner"),
    "territory": ("str", "territory"),
    "collector": ("str", "collector assigned"),
    "tax_exempt_cert": ("str", "tax-exemption certificate number ('' when taxable)"),
    "tax_exempt_expiry": ("date", "certificate expiry date (NaT when none)"),
}


class OpenItem(NamedTuple):
    """One open item, for code that handles a single document (letters, matching)."""

    customer_id: str
    customer_name: str
    document: str
    doc_type: str
    doc_date: dt.date | None
    due_date: dt.date | None
    original_cents: int
    open_cents: int
    currency: str
    terms: str = ""
    po_number: str = ""
    reference: str = ""
    sales_partner: str = ""
    territory: str = ""
    collector: str = ""
    disputed: bool = False
    source_file: str = ""
    source_sheet: str = ""
    source_line: int = 0
    item_key: str = ""


class Customer(NamedTuple):
    """A customer of the master data."""

    customer_id: str
    customer_name: str
    language: str = "en"
    email: str = ""
    address: str = ""
    credit_limit_cents: int = 0
    currency: str = "USD"
    terms: str = ""
    sales_partner: str = ""
    territory: str = ""
    collector: str = ""
    tax_exempt_cert: str = ""
    tax_exempt_expiry: dt.date | None = None


_DTYPES = {"str": object, "date": DATE_DTYPE, "cents": np.int64, "bool": bool, "int": np.int64}


def _empty(columns: dict[str, tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_DTYPES[k]) for c, (k, _) in columns.items()})


def empty_open_items() -> pd.DataFrame:
    return _empty(OPEN_ITEM_COLUMNS)


def empty_customers() -> pd.DataFrame:
    return _empty(CUSTOMER_COLUMNS)


class SchemaError(ValueError):
    """A frame does not have the shape xlar needs; the message says which column and rows."""


def _schema(columns: dict[str, tuple[str, str]], checks: dict):
    import pandera.pandas as pa

    def col(kind: str):
        if kind == "str":
            # Text columns may be pandas' "str" dtype or object; nulls are
            # not allowed (missing text is "").  Checked on the dtype, not per
            # cell, so a million rows validate in milliseconds.
            return pa.Column(None, nullable=False, checks=[pa.Check(
                lambda s: pd.api.types.is_string_dtype(s.dtype) or s.dtype == object,
                error="must be text")])
        if kind == "date":
            return pa.Column("datetime64[ns]", nullable=True)
        if kind in ("cents", "int"):
            return pa.Column(np.int64, nullable=False)
        return pa.Column(bool, nullable=False)

    cols = {}
    for name, (kind, _meaning) in columns.items():
        c = col(kind)
        if name in checks:
            c = pa.Column(c.dtype, nullable=c.nullable, checks=[*c.checks, *checks[name]])
        cols[name] = c
    return pa.DataFrameSchema(cols, strict=False, ordered=False)


def validate_open_items(items: pd.DataFrame) -> pd.DataFrame:
    """Check *items* against :data:`OPEN_ITEM_COLUMNS`; raise :class:`SchemaError`."""
    import pandera.pandas as pa
    from pandera.errors import SchemaError as PaSchemaError
    from pandera.errors import SchemaErrors

    checks = {
        "doc_type": [pa.Check.isin(DOC_TYPES)],
        "currency": [pa.Check.str_matches(r"^[A-Z]{3}$")],
        "document": [pa.Check(lambda s: s.str.len() > 0, error="document number is empty")],
        "item_key": [pa.Check(lambda s: ~s.duplicated(), error="item keys must be unique")],
    }
    try:
        _schema(OPEN_ITEM_COLUMNS, checks).validate(items, lazy=True)
    except (SchemaErrors, PaSchemaError) as e:
        raise SchemaError(f"open items do not fit the schema: {_first_lines(e)}") from None
    return items


def validate_customers(customers: pd.DataFrame) -> pd.DataFrame:
    import pandera.pandas as pa
    from pandera.errors import SchemaError as PaSchemaError
    from pandera.errors import SchemaErrors

    checks = {
        "language": [pa.Check.isin(["en", "es"])],
        "customer_id": [pa.Check(lambda s: ~s.duplicated(), error="customer ids must be unique")],
    }
    try:
        _schema(CUSTOMER_COLUMNS, checks).validate(customers, lazy=True)
    except (SchemaErrors, PaSchemaError) as e:
        raise SchemaError(f"customers do not fit the schema: {_first_lines(e)}") from None
    return customers


def _first_lines(e: Exception, n: int = 6) -> str:
    failures = getattr(e, "failure_cases", None)
    if failures is not None and len(failures):
        rows = failures.head(n)
        return "; ".join(
            f"column {r.column!r}: {r.check} (e.g. {r.failure_case!r})"
            for r in rows.itertuples()
        )
    return str(e).splitlines()[0]


def item_key_base(customer_id: pd.Series, doc_type: pd.Series, document: pd.Series) -> pd.Series:
    """``customer|type|document`` for each row (no '#n' yet)."""
    from xlar.text import join_text

    return join_text("|", customer_id, doc_type, document)


def item_keys(customer_id: pd.Series, doc_type: pd.Series, document: pd.Series) -> pd.Series:
    """Stable keys ``customer|type|document``; the n-th repeat of a key gets ``#n``.

    The key ties what a user typed beside an item to that item across
    refreshes, so it must not depend on row order in the export.
    """
    base = item_key_base(customer_id, doc_type, document)
    repeated = base.duplicated(keep="first")
    if not repeated.any():  # the usual case: one pass, no group-by
        return base
    shared = base.duplicated(keep=False)
    n = base[shared].groupby(base[shared], sort=False).cumcount()
    out = base.copy()
    out[n.index] = base[n.index].where(n == 0, base[n.index] + "#" + (n + 1).astype(str))
    return out


def _typed_customers(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c, (kind, _m) in CUSTOMER_COLUMNS.items():
        if c not in out:
            out[c] = {"str": "", "cents": 0, "date": pd.NaT}[kind]
        if kind == "str":
            out[c] = out[c].fillna("").astype(str).astype(object)
        elif kind == "cents":
            out[c] = out[c].fillna(0).astype(np.int64)
        elif kind == "date":
            out[c] = pd.to_datetime(out[c], errors="coerce").astype(DATE_DTYPE)
    return out[list(CUSTOMER_COLUMNS)].reset_index(drop=True)


def overlay_customers(base: pd.DataFrame, top: pd.DataFrame | None,
                      fields: list[str] | None = None) -> pd.DataFrame:
    """*base* with the non-empty values of *top* laid over it, customer by customer.

    Customers only in *top* are added.  *fields* limits which columns *top*
    may set (e.g. only what a user maintains by hand).  Empty text, NaT and
    NaN in *top* never erase a value of *base*.
    """
    if top is None or not len(top):
        return base
    top = top.drop_duplicates("customer_id", keep="first").set_index("customer_id")
    out = base.set_index("customer_id")
    new_ids = top.index.difference(out.index)
    if len(new_ids):
        out = pd.concat([out, _typed_customers(top.loc[new_ids].reset_index())
                         .set_index("customer_id")])
    for c in fields or [c for c in top.columns if c in out.columns]:
        if c not in top.columns or c not in out.columns:
            continue
        upd = top[c].reindex(out.index)
        has = upd.notna()
        if upd.dtype == object or pd.api.types.is_string_dtype(upd.dtype):
            has &= upd.astype(str).str.strip() != ""
        out.loc[has, c] = upd[has]
    return _typed_customers(out.reset_index())


def customers_from_items(items: pd.DataFrame, master: pd.DataFrame | None = None) -> pd.DataFrame:
    """The customer list: what the items tell, with the master data laid over it.

    A customer who has items but is missing from the master still appears
    (language 'en', no e-mail), so nobody with a balance is forgotten.
    """
    cols = ["customer_id", "customer_name", "terms", "sales_partner", "territory", "collector",
            "currency"]
    from_items = (items[cols].sort_values("customer_id", kind="stable")
                  .groupby("customer_id", sort=True).first().reset_index())
    base = _typed_customers(from_items.assign(language="en"))
    return overlay_customers(base, master)
