"""The contract every reader of open items keeps, and the steps they share.

A reader turns a file into :class:`RawRows`: one row of raw cell values per
line that looked like an item, each with its sheet and line number, plus a
count of every other line it saw (titles, headers, blank lines, rule lines,
subtotals) and the totals the file itself printed.  :func:`finish_import`
then does the typing all layouts share (amounts, dates, terms, document
types, signs, duplicates) and returns an :class:`ImportResult`:

* ``items``: the accepted open items (see :data:`xlar.model.OPEN_ITEM_COLUMNS`);
* ``rejections``: every row that was not accepted, with file, sheet, line,
  the raw text and a reason a specialist can act on;
* ``control``: lines accounted for, and each printed total compared with
  what was read.

Every data row is in exactly one of ``items`` or ``rejections``, and every
line of the file is either a data row or a counted structural line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.dates import DATE_DTYPE, detect_column_order, parse_dates
from xlar.imports.files import cell_text, row_text
from xlar.model import CREDIT_TYPES, DOC_TYPES, OPEN_ITEM_COLUMNS, item_key_base, item_keys
from xlar.money import format_money, is_currency, minor_digits, parse_amounts
from xlar.progress import Progress
from xlar.terms import due_dates
from xlar.text import normalise_header, text_from_codes

__all__ = [
    "FIELDS",
    "REJECTION_COLUMNS",
    "PrintedTotal",
    "ControlCheck",
    "Control",
    "RawRows",
    "ImportOptions",
    "ImportResult",
    "finish_import",
    "import_file",
    "empty_rejections",
    "doc_type_of",
    "parse_flags",
    "map_unique",
    "text_column",
]

#: Canonical raw fields a reader may fill, in addition to the typed columns.
FIELDS = (
    "customer_id", "customer_name", "document", "doc_type", "doc_date", "due_date",
    "original_amount", "open_amount", "currency", "terms", "po_number", "reference",
    "sales_partner", "territory", "collector", "disputed", "settled_date",
)
_TEXT_FIELDS = ("customer_id", "customer_name", "document", "terms", "po_number", "reference",
                "sales_partner", "territory", "collector")

REJECTION_COLUMNS = ["file", "sheet", "line", "raw", "reason"]


def empty_rejections() -> pd.DataFrame:
    return pd.DataFrame({"file": pd.Series(dtype=object), "sheet": pd.Series(dtype=object),
                         "line": pd.Series(dtype=np.int64), "raw": pd.Series(dtype=object),
                         "reason": pd.Series(dtype=object)})


class PrintedTotal(NamedTuple):
    """A total the file prints, to be checked against the rows it covers.

    Attributes:
      label: what the file calls it ("Total Acme Corp", "Grand total", "Total 1 - 30").
      sheet, line: where it is.
      text: the printed figure as written (None when the line had no figure).
      rows: positions (in ``RawRows.frame``) of the data rows it adds up.
      currency: currency the total names ("Total EUR"): only rows of that
        currency count; None when it names none (then all its rows count).
    """

    label: str
    sheet: str
    line: int
    text: object
    rows: tuple[int, ...]
    currency: str | None = None


class ControlCheck(NamedTuple):
    """One printed total against what xlar read."""

    label: str
    sheet: str
    line: int
    currency: str
    printed_cents: int | None
    read_cents: int
    ok: bool
    note: str

    def describe(self) -> str:
        where = f"{self.sheet + ', ' if self.sheet else ''}line {self.line}"
        if self.printed_cents is None:
            return f"{self.label} ({where}): {self.note}"
        state = "matches" if self.ok else "DOES NOT MATCH"
        diff = self.read_cents - self.printed_cents
        extra = "" if self.ok else f" (difference {format_money(diff, self.currency)})"
        note = f"; {self.note}" if self.note else ""
        return (f"{self.label} ({where}): printed {format_money(self.printed_cents, self.currency)}"
                f", read {format_money(self.read_cents, self.currency)} - {state}{extra}{note}")


class Control(NamedTuple):
    """Where every line of a file went, and whether its printed totals agree.

    Attributes:
      file, layout: what was read and how.
      lines_read: physical lines (text) or rows (spreadsheet) seen.
      data_rows: of those, rows that looked like items (accepted + rejected).
      accepted, rejected: how the data rows ended.
      skipped: counts of the other lines by kind (title, header, blank, rule,
        subtotal, total).
      totals_read: currency -> open amount of the accepted items (cents).
      totals_rejected: currency -> open amount of rejected rows whose amount
        could be read (cents); what is missing from the ledger.
      checks: each printed total against the rows it covers.
      decisions: what the reader decided on its own (mapping, separators,
        date order); shown in the Run Log so nobody has to guess.
    """

    file: str
    layout: str
    lines_read: int
    data_rows: int
    accepted: int
    rejected: int
    skipped: dict[str, int]
    totals_read: dict[str, int]
    totals_rejected: dict[str, int]
    checks: tuple[ControlCheck, ...]
    decisions: tuple[str, ...]

    @property
    def lines_accounted(self) -> bool:
        return (self.lines_read == self.data_rows + sum(self.skipped.values())
                and self.data_rows == self.accepted + self.rejected)

    @property
    def totals_ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def ok(self) -> bool:
        return self.lines_accounted and self.totals_ok

    def summary(self) -> str:
        skipped = ", ".join(f"{v} {k}" for k, v in sorted(self.skipped.items()) if v)
        lines = [
            f"{self.file} ({self.layout}): {self.lines_read} lines: {self.accepted} items "
            f"accepted, {self.rejected} rejected" + (f", {skipped}" if skipped else ""),
        ]
        for cur, cents in sorted(self.totals_read.items()):
            lines.append(f"  open amount read: {format_money(cents, cur)}")
        for cur, cents in sorted(self.totals_rejected.items()):
            if cents:
                lines.append(f"  open amount in rejected rows: {format_money(cents, cur)}")
        if not self.checks:
            lines.append("  the file prints no totals to check against")
        lines += [f"  {c.describe()}" for c in self.checks]
        if not self.lines_accounted:
            lines.append("  LINES NOT ACCOUNTED FOR: this is a bug in xlar; please report it")
        return "\n".join(lines)


class RawRows(NamedTuple):
    """What a layout reader hands to :func:`finish_import`.

    Attributes:
      frame: one row per data line; columns from :data:`FIELDS` (missing ones
        are fine) plus ``_sheet`` (str), ``_line`` (int), ``_raw`` (str), and
        optionally ``_reject`` (str): a reason the reader itself found to
        reject the row ('' for none), e.g. aging buckets that do not add up.
      lines_read: physical lines or rows seen in the file.
      skipped: kind -> count of lines that are not items.
      printed_totals: totals the file prints.
      decisions: sentences on what the reader decided (mapping chosen ...).
      source_rows: the data rows as they stand in the file (every column),
        aligned with *frame*, to show a rejected row whole; None when
        *frame* has a ``_raw`` column or its own columns are enough.
    """

    frame: pd.DataFrame
    lines_read: int
    skipped: Counter
    printed_totals: list[PrintedTotal]
    decisions: list[str]
    source_rows: pd.DataFrame | None = None


class ImportOptions(NamedTuple):
    """How to read values that the file itself does not make unambiguous.

    Attributes:
      currency: currency of rows without a currency column.
      decimal: decimal separator ('.' or ','); None to detect per column.
      date_order: 'DMY', 'MDY' or 'YMD' to force; None to detect per column.
      default_date_order: order assumed when no value proves one (reported).
      doc_types: source type code -> canonical type, on top of the built-in words;
        ``"by_sign"`` for a code used for both (an invoice when positive, a
        credit memo when negative, as SAP's RV).
      terms: terms alias -> spelling xlar knows (e.g. {"ZB30": "NET 30"}).
    """

    currency: str = "USD"
    decimal: str | None = None
    date_order: str | None = None
    default_date_order: str = "MDY"
    doc_types: Mapping[str, str] = {}
    terms: Mapping[str, str] = {}


class ImportResult(NamedTuple):
    items: pd.DataFrame
    rejections: pd.DataFrame
    control: Control


# Document type words every layout understands (normalised: lower case, no accents).
_DOC_TYPE_WORDS = {
    "invoice": "invoice", "inv": "invoice", "in": "invoice", "factura": "invoice",
    "fac": "invoice", "fra": "invoice", "ft": "invoice", "bill": "invoice", "sls": "invoice",
    "sale": "invoice", "sales": "invoice", "venta": "invoice",
    "statement charge": "debit_memo",
    "debit memo": "debit_memo", "debit note": "debit_memo", "dm": "debit_memo",
    "dr": "debit_memo", "nota de debito": "debit_memo", "nd": "debit_memo",
    "finance charge": "debit_memo", "fin": "debit_memo", "cargo": "debit_memo",
    "credit memo": "credit_memo", "credit note": "credit_memo", "credit": "credit_memo",
    "cm": "credit_memo", "cn": "credit_memo", "cr": "credit_memo", "return": "credit_memo",
    "rtn": "credit_memo", "nota de credito": "credit_memo", "nc": "credit_memo",
    "abono": "credit_memo", "devolucion": "credit_memo",
    "payment": "payment", "pmt": "payment", "pago": "payment", "cobro": "payment",
    "unapplied payment": "payment", "payment on account": "payment", "prepayment": "payment",
    "overpayment": "payment", "anticipo": "payment", "cash": "payment", "receipt": "payment",
}

_TRUE = {"yes", "y", "true", "1", "x", "si", "s", "disputed", "verdadero", "t", "1 0"}
_FALSE = {"no", "n", "false", "0", "", "f", "falso", "0 0", "none", "nan"}


def per_unique(values: pd.Series, func, dtype=object) -> np.ndarray:
    """*func* applied once per distinct value, spread back to every row.

    A million rows with ten distinct codes cost ten calls.  Missing cells
    are passed to *func* as None.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    # The result for None goes last, where code -1 points.
    results = np.array([func(u) for u in uniques] + [func(None)], dtype=dtype)
    return results[codes]


def map_unique(values: pd.Series, func) -> pd.Series:
    """:func:`per_unique` as an object Series aligned with *values*."""
    return pd.Series(per_unique(values, func), index=values.index, dtype=object)


def doc_type_of(codes: pd.Series, extra: Mapping[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Map source type codes to canonical types; returns (types, known mask).

    Unknown codes get '' in *types*.
    """
    table = dict(_DOC_TYPE_WORDS)
    table.update({normalise_header(k): v for k, v in extra.items()})
    types = per_unique(codes, lambda c: table.get(normalise_header(c), ""), dtype="U11")
    return types, types != ""


def _flag_word(v) -> int:
    """1 for yes, 0 for no, -1 for a word that is neither."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return 0
    if isinstance(v, bool):
        return int(v)
    word = normalise_header(v)
    return 1 if word in _TRUE else 0 if word in _FALSE else -1


def parse_flags(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Yes/No, Sí/No, True/False, 1/0, X/blank -> (bool array, understood mask)."""
    flags = per_unique(values, _flag_word, dtype=np.int8)
    return flags == 1, flags >= 0


def text_column(s: pd.Series) -> pd.Series:
    """Cell values to clean text (object dtype), by :func:`~xlar.imports.files.cell_text`:
    None/NaN -> '', 1000.0 -> '1000'."""
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind in ("string", "empty"):
        if s.dtype == object:   # str.strip over a list: twice pandas' speed on objects
            return pd.Series([v.strip() if isinstance(v, str) else "" for v in s.tolist()],
                             index=s.index, dtype=object)
        return s.fillna("").str.strip()
    return map_unique(s, cell_text)


def import_file(path: str | Path, display: str | None, layout: str, options: ImportOptions,
                raw_rows: Callable[[Path, str], RawRows], progress: Progress) -> ImportResult:
    """What every layout's ``read`` does around its own step.

    The file is named *display* (its own name when None) in every message;
    *raw_rows(path, display)* is the layout's step, from the file to
    :class:`RawRows`; :func:`finish_import` types them with *options*.
    Progress is reported before reading and before typing.
    """
    p = Path(path)
    display = display or p.name
    progress(0, 0, f"reading {display}")
    raw = raw_rows(p, display)
    progress(raw.lines_read, raw.lines_read, f"typing {len(raw.frame)} rows")
    return finish_import(raw, display, layout, options)


def finish_import(raw: RawRows, file: str, layout: str, options: ImportOptions) -> ImportResult:
    """Type, check and split the raw rows of any layout into items and rejections."""
    f = raw.frame.reset_index(drop=True)
    n = len(f)
    decisions = list(raw.decisions)
    reasons: dict[int, list[str]] = {}

    def has(name: str) -> bool:
        return name in f.columns

    def col(name: str) -> pd.Series:
        return f[name] if has(name) else pd.Series([None] * n, dtype=object)

    def flag(mask, message) -> None:
        """Add a reason to each row in *mask*; *message* is text or row -> text."""
        for i in np.flatnonzero(np.asarray(mask)):
            reasons.setdefault(int(i), []).append(
                message if isinstance(message, str) else message(int(i)))

    if has("_reject"):  # the reader already knows the row is broken
        pre = text_column(f["_reject"])
        flag((pre != "").to_numpy(), lambda i: pre.iat[i])

    out = pd.DataFrame(index=range(n))
    for name in _TEXT_FIELDS:
        out[name] = text_column(f[name]) if has(name) else ""

    # Customer: the number, or the name where the export has no number.
    if n and not has("customer_id"):
        decisions.append("the file has no customer number column: the customer name is used as "
                         "the customer id")
    no_id = (out["customer_id"] == "").to_numpy(bool)
    if no_id.any():
        out.loc[no_id, "customer_id"] = out.loc[no_id, "customer_name"]
    no_name = (out["customer_name"] == "").to_numpy(bool)
    if no_name.any():
        out.loc[no_name, "customer_name"] = out.loc[no_name, "customer_id"]
    flag(out["customer_id"] == "", "customer is missing (no customer number or name)")
    flag(out["document"] == "", "document number is missing")

    # Currency.
    cur = text_column(f["currency"]).str.upper() if has("currency") else None
    if cur is None or (cur == "").all():
        cur = pd.Series([options.currency] * n, dtype=object)
    else:
        cur = cur.where(cur != "", options.currency)
    bad_cur = ~per_unique(cur, is_currency, dtype=bool)
    flag(bad_cur, lambda i: f"currency {cur.iat[i]!r} is not an ISO 4217 code")
    if bad_cur.any():
        cur = cur.where(~bad_cur, options.currency)
    out["currency"] = cur
    cur_codes, cur_names = pd.factorize(cur)
    cur_names = np.asarray(cur_names, dtype=object)

    # Amounts, parsed per number of decimals (JPY has none, BHD three).
    open_c, open_ok = np.zeros(n, np.int64), np.zeros(n, bool)
    orig_c, orig_ok = np.zeros(n, np.int64), np.zeros(n, bool)
    if n and not has("original_amount"):
        decisions.append("the file has no original-amount column: original amount = open amount")
    digits_of_row = np.array([minor_digits(c) for c in cur_names], dtype=np.int64)[cur_codes]
    decimal = options.decimal
    for digits in map(int, np.unique(digits_of_row)):
        rows = np.flatnonzero(digits_of_row == digits)
        every = len(rows) == n  # the usual case: one currency precision, no copy

        def part(name: str, rows=rows, every=every) -> pd.Series:
            c = col(name)
            return c if every else c.iloc[rows].reset_index(drop=True)

        p = parse_amounts(part("open_amount"), decimal, digits)
        decimal = decimal or p.decimal
        open_c[rows], open_ok[rows] = p.cents, p.ok
        for j in np.flatnonzero(~p.ok):
            reasons.setdefault(int(rows[j]), []).append(f"open {p.reason[j]}")
        if has("original_amount"):
            q = parse_amounts(part("original_amount"), decimal, digits)
            empty = ~q.ok & (q.reason == "amount is empty")
            orig_c[rows] = np.where(empty, p.cents, q.cents)
            orig_ok[rows] = q.ok | empty
            for j in np.flatnonzero(~q.ok & ~empty):
                reasons.setdefault(int(rows[j]), []).append(f"original {q.reason[j]}")
        else:
            orig_c[rows], orig_ok[rows] = p.cents, p.ok
    if decimal == "," and options.decimal is None:
        decisions.append("amounts use ',' as the decimal separator (detected from the values)")

    # Document types and signs, as codes into DOC_TYPES.
    invoice, credit_memo = DOC_TYPES.index("invoice"), DOC_TYPES.index("credit_memo")
    by_sign = np.where(open_c < 0, credit_memo, invoice).astype(np.int8)
    codes = text_column(f["doc_type"]) if has("doc_type") else None
    if codes is not None and (codes != "").any():
        types, known = doc_type_of(codes, options.doc_types)
        missing_code = (codes == "").to_numpy(bool)
        flag(~known & ~missing_code,
             lambda i: f"document type {codes.iat[i]!r} is not known; map it in the [doc_types] "
                       "table of the mapping")
        # '' (missing) and "by_sign" (SAP RV, a bare "adjustment"): the sign decides.
        type_code = per_unique(pd.Series(types), lambda t: DOC_TYPES.index(t)
                               if t in DOC_TYPES else -1, dtype=np.int8)
        type_code = np.where(type_code < 0, by_sign, type_code)
    else:
        type_code = by_sign
        if n:
            decisions.append("the file has no document-type column: negative amounts are "
                             "credit memos, the rest invoices")
    credit = np.isin(type_code, [DOC_TYPES.index(t) for t in CREDIT_TYPES])
    flipped = credit & (open_c > 0)
    if flipped.any():
        decisions.append(f"{int(flipped.sum())} credit memos/payments were exported as positive "
                         "amounts; xlar stores credits as negative amounts")
    open_c = np.where(credit, -np.abs(open_c), open_c)
    orig_c = np.where(credit, -np.abs(orig_c), orig_c)
    out["doc_type"] = text_from_codes(type_code, DOC_TYPES)

    # Dates: the document dates decide the day/month order for the others
    # when they prove it.
    date_cols = [f[c] for c in ("doc_date", "due_date", "settled_date") if has(c)]
    order, proved = (options.date_order, True) if options.date_order else \
        detect_column_order(date_cols, options.default_date_order)
    doc = parse_dates(col("doc_date"), order)
    due = parse_dates(col("due_date"), order)
    settled = parse_dates(col("settled_date"), order)
    for label, p in (("document", doc), ("due", due), ("settled", settled)):
        flag(~p.ok & ~p.empty, lambda i, p=p, label=label: f"{label} {p.reason[i]}")
    if not proved and any(c.map(lambda v: isinstance(v, str) and v.count("/") == 2).any()
                          for c in date_cols):
        decisions.append(f"dates like 01/02/2026 were read as {_ORDER_WORDS[order]}: no date "
                         "in the file proved the order (set date_order in a mapping to change it)")
    due_arr = due.dates.copy()
    # A credit memo or payment has no due date of its own (QuickBooks and Xero
    # leave it blank): it can be applied from the day it was issued.
    undated_credit = due.empty & credit & ~doc.empty
    due_arr[undated_credit] = doc.dates[undated_credit]
    if undated_credit.any():
        decisions.append(f"{int(undated_credit.sum())} credit memos/payments have no due date: "
                         "they count from their document date")
    if (due.empty & ~undated_credit).any():
        idx = np.flatnonzero(due.empty & ~undated_credit)
        derived, why = due_dates(out["terms"].to_numpy()[idx], doc.dates[idx], options.terms)
        due_arr[idx] = derived
        terms_arr = out["terms"].to_numpy()
        for j, w in zip(idx, why, strict=True):
            if w is None:
                continue
            if terms_arr[j] == "":
                what = "payment terms" if not doc.empty[j] else "document date and payment terms"
                reasons.setdefault(int(j), []).append(
                    f"due date is missing, and there are no {what} to work it out from")
            elif not doc.empty[j] or "document date" not in w:
                reasons.setdefault(int(j), []).append(f"due date is missing and {w}")
            else:
                reasons.setdefault(int(j), []).append(
                    "due date is missing, and there is no document date to work it out from")
        worked = int((~np.isnat(derived)).sum())
        if worked:
            decisions.append(f"{worked} due dates were worked out from the payment terms")
    out["doc_date"] = pd.Series(doc.dates, dtype=DATE_DTYPE)
    out["due_date"] = pd.Series(due_arr, dtype=DATE_DTYPE)
    out["settled_date"] = pd.Series(settled.dates, dtype=DATE_DTYPE)

    # Disputed flag.
    if has("disputed"):
        disputed, known = parse_flags(f["disputed"])
        flag(~known, lambda i: f"disputed value {f['disputed'].iat[i]!r} not understood "
                               "(use Yes/No)")
    else:
        disputed = np.zeros(n, bool)
    out["disputed"] = disputed

    out["original_cents"] = orig_c
    out["open_cents"] = open_c
    flag(open_ok & (open_c == 0), "open amount is 0.00: the item is fully paid, nothing to collect")

    out["source_file"] = file
    out["source_sheet"] = text_column(f["_sheet"]) if has("_sheet") else ""
    out["source_line"] = f["_line"].to_numpy(np.int64) if has("_line") else np.arange(1, n + 1)

    shared_key = _shares_a_key(out)
    _reject_exact_repeats(out, shared_key, reasons)

    rejected = np.zeros(n, bool)
    rejected[list(reasons)] = True
    accepted = ~rejected
    items = out[accepted].reset_index(drop=True)
    if shared_key.any():
        items["item_key"] = item_keys(items["customer_id"], items["doc_type"], items["document"])
    else:  # every key is unique already: no '#n' to add
        items["item_key"] = item_key_base(items["customer_id"], items["doc_type"],
                                          items["document"])
    items = items[list(OPEN_ITEM_COLUMNS)]

    rej_idx = np.flatnonzero(rejected)
    rejections = pd.DataFrame({
        "file": pd.Series([file] * rej_idx.size, dtype=object),
        "sheet": out["source_sheet"].to_numpy()[rej_idx].astype(object),
        "line": out["source_line"].to_numpy()[rej_idx].astype(np.int64),
        "raw": pd.Series(_raw_text(raw, f, rej_idx), dtype=object),
        "reason": pd.Series(["; ".join(reasons[int(i)]) for i in rej_idx], dtype=object),
    })

    totals_read = _sum_by_currency(open_c, cur_codes, cur_names, accepted)
    totals_rejected = _sum_by_currency(open_c, cur_codes, cur_names, rejected & open_ok)
    cur_arr = cur_names[cur_codes] if raw.printed_totals else None
    checks = tuple(_check(t, open_c, open_ok, cur_arr, decimal, options.currency)
                   for t in raw.printed_totals)
    control = Control(
        file=file, layout=layout, lines_read=raw.lines_read, data_rows=n,
        accepted=int(accepted.sum()), rejected=int(rejected.sum()),
        skipped=dict(raw.skipped), totals_read=totals_read, totals_rejected=totals_rejected,
        checks=checks, decisions=tuple(dict.fromkeys(decisions)),
    )
    return ImportResult(items, rejections, control)


_ORDER_WORDS = {"DMY": "day/month/year", "MDY": "month/day/year", "YMD": "year/month/day"}


def _reject_exact_repeats(out: pd.DataFrame, maybe: np.ndarray,
                          reasons: dict[int, list[str]]) -> None:
    """An exact repeat of a line is an export glitch, not a second item.

    The same document number with different content (installments of one
    invoice) is kept; its key gets '#2'.  Only rows sharing a document key
    are compared in full, so a clean million-row file costs one hash pass.
    """
    key = ["customer_id", "doc_type", "document"]
    if not maybe.any():
        return
    same = [*key, "doc_date", "due_date", "open_cents", "original_cents", "currency"]
    cand = out[maybe & ~np.isin(np.arange(len(out)), list(reasons))]
    first_line = cand.groupby(same, dropna=False)["source_line"].transform("first")
    repeat = cand.duplicated(same, keep="first").to_numpy()
    for i, line in zip(cand.index[repeat], first_line.to_numpy()[repeat], strict=True):
        reasons.setdefault(int(i), []).append(
            f"repeats line {line} exactly (same customer, document, dates and amounts): "
            "counted once")


def _raw_text(raw: RawRows, f: pd.DataFrame, rows: np.ndarray) -> list[str]:
    """The rejected rows as the file has them, cells joined by ' | '."""
    if "_raw" in f.columns:
        return [str(v) for v in f["_raw"].to_numpy()[rows]]
    src = raw.source_rows
    if src is None:
        src = f[[c for c in f.columns if not str(c).startswith("_")]]
    return [row_text(src.iloc[int(i)]) for i in rows]


def _sum_by_currency(cents: np.ndarray, codes: np.ndarray, names: np.ndarray,
                     mask: np.ndarray) -> dict[str, int]:
    """Exact int64 sums of *cents* per currency, over the rows in *mask*."""
    sums = np.zeros(len(names), dtype=np.int64)
    np.add.at(sums, codes[mask], cents[mask])
    present = np.bincount(codes[mask], minlength=len(names)) > 0
    return {str(names[i]): int(sums[i]) for i in np.flatnonzero(present)}


def _shares_a_key(out: pd.DataFrame) -> np.ndarray:
    """Rows whose customer, type and document number another row has too.

    Hashes integer codes, not joined strings: a million distinct documents
    cost three factorisations.
    """
    if not out["document"].duplicated().any():  # document numbers alone are unique
        return np.zeros(len(out), dtype=bool)
    key = np.zeros(len(out), dtype=np.int64)
    for c in ("customer_id", "doc_type", "document"):
        codes, uniques = pd.factorize(out[c])
        key = key * (len(uniques) + 1) + codes
    return pd.Series(key).duplicated(keep=False).to_numpy()


def _check(t: PrintedTotal, open_c, open_ok, cur, decimal, default_currency) -> ControlCheck:
    rows = np.asarray(t.rows, dtype=np.int64)
    if t.currency and rows.size:  # "Total EUR": only the EUR rows under it
        rows = rows[cur[rows] == t.currency]
    currencies = set(pd.unique(cur[rows])) if rows.size else set()
    currency = t.currency or (next(iter(currencies)) if len(currencies) == 1 else default_currency)
    read = int(open_c[rows][open_ok[rows]].sum()) if rows.size else 0
    unreadable = int((~open_ok[rows]).sum()) if rows.size else 0
    if not cell_text(t.text):
        return ControlCheck(t.label, t.sheet, t.line, currency, None, read, True,
                            "no figure printed")
    p = parse_amounts(pd.Series([t.text], dtype=object), decimal, minor_digits(currency))
    if not p.ok[0]:
        return ControlCheck(t.label, t.sheet, t.line, currency, None, read, False,
                            f"the printed total cannot be read: {p.reason[0]}")
    printed = int(p.cents[0])
    note = ""
    if len(currencies) > 1:
        note = "rows of several currencies add up under one total"
    if unreadable:
        note = (f"{unreadable} row(s) under this total have an amount that cannot be read "
                "(see Rejected Rows)")
    return ControlCheck(t.label, t.sheet, t.line, currency, printed, read, printed == read, note)
