"""SAP FBL5N customer line items, as the list export writes them.

FBL5N (Customer Line Item Display) is where an SAP shop's AR team sees its
open items.  Users export it in three ways, and this reader takes all three:

* **List > Export > Local file > Unconverted** (the usual one): the ALV list
  as text, one line per list line, cells between ``|``, rule lines of
  dashes, a title block above the table::

      Customer Line Item Display

      Company Code       1000
      Customer           100001
      Name               Acme Industries Ltd

      ---------------------------------------------------------------------
      |  |St|Assignment|DocumentNo|Type|Doc. Date |Net due dt|   Amount in DC|Curr.|
      ---------------------------------------------------------------------
      |  |  |4500012345|0090001001|RV  |15.09.2026|15.10.2026|     1.234,56 |EUR  |
      |  |  |          |1400000030|DZ  |10.10.2026|10.10.2026|     1.000,00-|EUR  |
      ---------------------------------------------------------------------
      |* |  |          |          |    |          |          |       234,56 |EUR  |
      |**|  |          |          |    |          |          |       234,56 |EUR  |

* **Local file > Text with Tabs**: the same lines with tabs between cells
  and no rules;
* **Spreadsheet**: an XLSX with the same columns, dates as real dates or
  text, amounts as numbers.

What the list does that a plain table does not, and how it is read:

* Title block: company code, key date, and the customer (``Customer 100001
  Acme`` or ``Konto 100001``; a ``Name`` line names it).  With several
  customers, each block starts with its own customer lines; a customer
  column (Account / Konto), when the layout has one, wins over them.
* The column header is printed again after every page break; each repeat
  is counted as such.
* Totals: ``*`` in the first cell is a subtotal (per customer, and per
  currency: a customer with EUR and USD items gets one ``*`` line for each),
  ``**`` the grand total.  Each becomes a printed total checked against the
  lines it adds up.
* Numbers are in the user's SAP format: ``1.234,56`` or ``1,234.56``, with
  a trailing minus for credits (``300,00-``); dates ``31.10.2026`` (day
  first, unless the values prove otherwise).
* Captions are English or German (``Belegnr``, ``Art``, ``Belegdatum``,
  ``Nettofälligkeit``, ``Betrag in HW``, ``Zuordnung``, ``Konto``).
* A ``|`` typed into a text field shifts the cells of its line; the line
  is then cut at the header's column positions instead (the unconverted
  export is fixed-width), or rejected when it cannot be.
* A line amid the table's lines with no separator at all (an item pasted or
  edited without its bars or tabs) is rejected, not taken for a title.

The steps it shares with the Dynamics GP reader (rule lines, header search,
collecting rows and totals) are in :mod:`xlar.imports.reports`.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

from xlar.imports.common import ImportOptions, ImportResult, RawRows, import_file
from xlar.imports.files import (
    ReadError,
    cell_text,
    is_blank_row,
    is_spreadsheet,
    read_grids,
    read_text,
    row_text,
)
from xlar.imports.mapping import column_lookup, fields_of
from xlar.imports.reports import Header, ReportRows, cell_at, find_header, is_rule
from xlar.progress import Progress, no_progress
from xlar.text import normalise_header

__all__ = [
    "LAYOUT",
    "SAP_DOC_TYPES",
    "SAP_TERMS",
    "SAP_COLUMNS",
    "sniff",
    "read",
    "split_cells",
]

LAYOUT = "sap_fbl5n"

#: FBL5N document types -> xlar types.  RV (billing document from SD) and
#: the general customer documents carry invoices and credit memos alike:
#: the sign decides.
SAP_DOC_TYPES: dict[str, str] = {
    "RV": "by_sign",      # billing document transfer (SD invoice or credit memo)
    "DR": "invoice",      # customer invoice (FI)
    "DG": "credit_memo",  # customer credit memo
    "DZ": "payment",      # customer payment
    "ZP": "payment",      # payment posting (payment program)
    "DA": "by_sign",      # customer document
    "AB": "by_sign",      # accounting document (clearing, reset clearing)
    "ZV": "by_sign",      # payment clearing
    "SA": "by_sign",      # G/L account document posted to the customer
}

#: SAP standard payment terms keys -> spellings xlar knows.  Only the net
#: period matters for a due date; terms with two discount tiers (ZB01:
#: 14 days 3 %, 20 days 2 %, 30 days net) are entered by their net part.
#: FBL5N normally prints the net due date, so these are a fall-back.
SAP_TERMS: dict[str, str] = {
    "0001": "Due on receipt",   # payable immediately, due net
    "ZB00": "Due on receipt",
    "0002": "2/14 NET 30",      # 14 days 2 % cash discount, 30 days net
    "ZB01": "NET 30",
}

#: Captions of the FBL5N list (English and German ALV headings) per field.
#: ``local_amount`` / ``local_currency`` (amount in local currency) are used
#: when the layout has no document-currency amount; ``assignment`` and
#: ``text`` stand in for a missing reference.
SAP_COLUMNS: dict[str, tuple[str, ...]] = {
    "document": ("DocumentNo", "Document No", "Document Number", "Doc. No.", "Belegnr",
                 "Belegnummer", "Beleg-Nr."),
    "doc_type": ("Type", "Typ", "Doc. Type", "Document Type", "Art", "Belegart", "BA"),
    "doc_date": ("Doc. Date", "Document Date", "Belegdatum", "Beldat."),
    "due_date": ("Net due dt", "Net Due Date", "Due Date", "Due on", "Nettofälligkeit",
                 "Nettofälligk.", "Netto-Fälligkeit", "Fälligkeit"),
    "open_amount": ("Amount in DC", "Amount in doc. curr.", "Amt in doc. curr.", "Betrag in BW",
                    "Betrag in Belegwährung"),
    "local_amount": ("Amt in loc.cur.", "Amount in LC", "Amount in local currency",
                     "Betrag in HW", "Betrag in Hauswährung"),
    "currency": ("Curr.", "Currency", "Crcy", "Währg", "Währung", "Belegwährung"),
    "local_currency": ("LCurr", "Local Currency", "LCrcy", "HWähr", "Hauswährung"),
    "customer_id": ("Account", "Customer", "Cust.", "Konto", "Debitor", "Kunde"),
    "customer_name": ("Name", "Name 1", "Customer Name", "Name 1 des Kunden"),
    "reference": ("Reference", "Referenz"),
    "assignment": ("Assignment", "Zuordnung"),
    "text": ("Text",),
    "terms": ("PmtTerms", "Pmt Terms", "Payment Terms", "Terms of Payment", "PayT", "Pmnt terms",
              "Zahlungsbed.", "Zahlungsbedingung", "ZBd.", "ZTerm"),
}

# Spellings that mark an FBL5N export in a file's head; two distinct ones
# must show up, so a generic list with a "Document No" column is not taken.
_SAP_MARKS = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"\bDocumentNo\b", r"\bBelegnr\b|\bBelegnummer\b", r"\bAmount in DC\b",
    r"\bAmt in loc\.?\s*cur", r"\bBetrag in [HB]W\b", r"\bNet due dt\b", r"\bNettof(ä|ae|a)llig",
    r"\bLCurr\b", r"\bHW(ä|ae|a)hr\b", r"Customer Line Item Display", r"Einzelposten", r"\bFBL5N\b",
))


def sniff(head: str) -> bool:
    """True when the head of a file reads like an FBL5N list export."""
    return sum(1 for p in _SAP_MARKS if p.search(head)) >= 2


# ---------------------------------------------------------------------------
# FBL5N
# ---------------------------------------------------------------------------

_LOOKUP = column_lookup(SAP_COLUMNS)

# "Customer 100001 Acme Industries", "Konto: 100001", "Account 100001":
# the id must hold a digit, so "Customer Line Item Display" is a title.
_CUSTOMER_LINE = re.compile(
    r"^\s*(?:customer|account|konto|debitor|kunde)(?:\s*(?:no\.?|nr\.?|number|account))?\s*:?"
    r"\s+(?P<id>[^\s:]*\d[^\s:]*)(?:\s+[-–—:]?\s*(?P<name>.*?))?\s*$", re.IGNORECASE)
_NAME_LINE = re.compile(r"^\s*name(?:\s*1)?\s*:?\s+(?P<name>\S.*?)\s*$", re.IGNORECASE)
_STARS = re.compile(r"^\*{1,3}$")


class Line(NamedTuple):
    """One physical line of a list (or row of a sheet).

    Attributes:
      number: 1-based line (text) or row (sheet) number.
      cells: the cell values (text: the line split at the separator).
      text: the line as written (text files) or its cells joined (sheets).
      in_table: False for a line outside the table grid (a title line of a
        text list, or a sheet row with a single filled cell that is not an
        item's document number or amount).
    """

    number: int
    cells: list
    text: str
    in_table: bool


def _recognise(labels: list[str]) -> dict[str, int] | None:
    found = fields_of(labels, _LOOKUP)
    if "document" in found and ("open_amount" in found or "local_amount" in found):
        return found
    return None


class _Customer(NamedTuple):
    id: str = ""
    name: str = ""


def read(path: str | Path, options: ImportOptions | None = None,
         progress: Progress = no_progress, display: str | None = None) -> ImportResult:
    """Read an FBL5N export (unconverted list, text with tabs, or spreadsheet)."""
    return import_file(path, display, LAYOUT, _sap_options(options or ImportOptions()),
                       _raw_rows, progress)


def _raw_rows(p: Path, display: str) -> RawRows:
    if is_spreadsheet(p):
        lines, header, sheet, decisions = _sheet_lines(p, display)
        fixed_width = False
    else:
        lines, header, sep, decisions = _text_lines(p, display)
        sheet, fixed_width = "", sep == "|"
    return _collect(lines, header, sheet, decisions, fixed_width)


def _sap_options(options: ImportOptions) -> ImportOptions:
    """SAP's type codes and terms keys under the user's own; dates day first
    unless told otherwise (SAP's dotted dates are day-first)."""
    o = options._replace(doc_types={**SAP_DOC_TYPES, **options.doc_types},
                         terms={**SAP_TERMS, **options.terms})
    return o._replace(default_date_order="DMY") if options.date_order is None else o


def _no_header(display: str) -> ReadError:
    return ReadError(f"{display}: no FBL5N column header found (looked for DocumentNo/Belegnr "
                     "and Amount in DC/Amt in loc.cur./Betrag in HW); export the list with "
                     "List > Export > Local file > Unconverted, or read it as a generic list "
                     "with a mapping")


def _text_lines(p: Path, display: str) -> tuple[list[Line], Header, str, list[str]]:
    text, _encoding, decisions = read_text(p, display)
    physical = text.splitlines()
    sep, header = _find_table(physical, display)
    decisions.append(f"FBL5N list: cells separated by {'tabs' if sep == chr(9) else repr(sep)}")
    cut = _Cutter(physical[header.row]) if sep == "|" else None
    lines = []
    for n, t in enumerate(physical, start=1):
        in_table = sep in t and not is_rule(t)
        cells = (cut(t) if cut else split_cells(t, sep)) if in_table else [t.strip()]
        lines.append(Line(n, cells, t, in_table))
    return lines, header, sep, decisions


def _find_table(physical: list[str], display: str) -> tuple[str, Header]:
    """The separator and header of a text list: '|' (unconverted) or tabs."""
    for sep in ("|", "\t"):
        rows = [split_cells(ln, sep) if sep in ln and not is_rule(ln) else [] for ln in physical]
        header = find_header(rows, _recognise, limit=200, two_rows=False)
        if header is not None:
            return sep, header
    raise _no_header(display)


def split_cells(text: str, sep: str = "|") -> list[str]:
    """``|a |b|`` -> ``['a', 'b']``: the cells of a list line, outer bars dropped."""
    if sep != "|":
        # Leading tabs are empty cells (the status column), not padding.
        return [c.strip() for c in text.rstrip("\r\n").split(sep)]
    t = text.strip()
    t = t[1:] if t.startswith("|") else t
    t = t[:-1] if t.endswith("|") else t
    return [c.strip() for c in t.split(sep)]


class _Cutter:
    """Splits the lines of an unconverted (fixed-width) list like its header.

    A line with as many cells as the header is split at its bars.  One whose
    count is off but whose bars stand exactly where the header's do had a
    '|' typed into a text field: it is cut at the header's bar positions.
    A line that fits neither way keeps its own split and is rejected for it.
    """

    def __init__(self, header_line: str):
        self.width = len(split_cells(header_line))
        self.bars = [i for i, c in enumerate(header_line) if c == "|"]
        self.lead = not header_line[: self.bars[0]].strip()
        self.trail = not header_line[self.bars[-1] + 1:].strip()

    def __call__(self, text: str) -> list[str]:
        cells = split_cells(text)
        if len(cells) == self.width or not all(
                i < len(text) and text[i] == "|" for i in self.bars):
            return cells
        b = self.bars
        pieces = [text[: b[0]]] + [text[x + 1:y] for x, y in pairwise(b)] + [text[b[-1] + 1:]]
        pieces = pieces[1 if self.lead else 0: len(pieces) - (1 if self.trail else 0)]
        return [c.strip() for c in pieces]


def _sheet_lines(p: Path, display: str) -> tuple[list[Line], Header, str, list[str]]:
    for grid in read_grids(p):
        header = find_header(grid.rows, _recognise, two_rows=False)
        if header is None:
            continue
        key_cols = {header.columns.get(f) for f in ("document", "open_amount", "local_amount")}
        lines = []
        for n, row in zip(grid.lines, grid.rows, strict=True):
            filled = [i for i, c in enumerate(row) if cell_text(c)]
            # A lone title cell ("Customer 100001 Acme") is not a table row;
            # a lone document number or amount is, and will be rejected.
            in_table = len(filled) > 1 or (len(filled) == 1 and filled[0] in key_cols)
            cells = list(row) if in_table else [cell_text(row[filled[0]])] if filled else []
            lines.append(Line(n, cells, row_text(row, from_first_filled=True), in_table))
        decisions = list(grid.decisions) + [f"FBL5N list read from sheet {grid.sheet!r}"]
        return lines, header, grid.sheet, decisions
    raise _no_header(display)


def _collect(lines: list[Line], header: Header, sheet: str, decisions: list[str],
             fixed_width: bool) -> RawRows:
    """Sort every line of the list into items and counted structure lines.

    A ``*`` line adds up the items since the last total run of its level or
    higher: a customer's ``*`` lines (one per currency) cover that customer,
    ``**`` everything since the start (or the last ``**``).
    """
    cols = header.columns
    header_key = [normalise_header(x) for x in header.labels]
    doc_caption = header.labels[cols["document"]].lower()
    amount_col = cols.get("open_amount", cols.get("local_amount"))
    currency_col = cols.get("currency") if "open_amount" in cols else cols.get("local_currency")
    if "open_amount" not in cols:
        decisions.append("amounts read from the local-currency column (the layout has no "
                         "amount in document currency)")
    elif "local_amount" in cols:
        decisions.append("amounts read in document currency (Amount in DC); the local-currency "
                         "column is not used")
    if "customer_id" not in cols:
        decisions.append("customer taken from the list's header lines (Customer/Konto ...)")
    # Only the fixed-width list proves a line's cell count wrong; tab and sheet
    # rows may drop trailing empty cells.
    width = len(header.labels) if fixed_width else None
    unsplit = ("has all its text in one cell" if sheet else
               f"has no {'|' if fixed_width else 'tab'!r} between its cells")

    out = ReportRows(sheet)
    customer = _Customer()
    start: dict[int, int] = {}   # total level -> first row it covers
    reset_upto = 0               # levels whose span restarts at the next item
    for k, line in enumerate(lines):
        cells, text = line.cells, line.text
        if is_blank_row(cells) or not text.strip():
            out.skip("blank")
        elif is_rule(text):
            out.skip("rule")
        elif not line.in_table:
            hit = _CUSTOMER_LINE.match(text)
            if hit:
                customer = _Customer(hit["id"], (hit["name"] or "").strip())
                out.skip("customer header")
            elif (name := _NAME_LINE.match(text)) and customer.id and not customer.name:
                customer = customer._replace(name=name["name"])
                out.skip("customer header")
            elif k > header.row and _between_table_lines(lines, k):
                # Amid the table's lines it is a row that lost its separators (an edit, a
                # paste), not a title: its cells cannot be told apart, so it is rejected
                # where a specialist will see it rather than skipped.
                out.item({"customer_id": customer.id, "customer_name": customer.name,
                          "_reject": f"the line is inside the table but {unsplit}, so its "
                                     "columns cannot be told apart; "
                                     "correct the line in the file (or export the list again) "
                                     "and import it again"}, line.number, text)
            else:
                out.skip("title or header")
        elif k <= header.row:
            out.skip("title or header")
        elif cell_text(cell_at(cells, cols["document"])).lower() == doc_caption and [
                normalise_header(cell_text(c)) for c in cells] == header_key:
            out.skip("repeated header")
        elif (level := _total_level(cells, cols["document"])):
            currency = cell_text(cell_at(cells, currency_col)).upper() or None
            rows = range(start.get(level, 0), len(out))
            label = _total_label(level, out, rows, currency)
            out.total(label, line.number, cell_at(cells, amount_col),
                      [i for i in rows if currency is None or
                       str(out.records[i].get("currency", "")).upper() in ("", currency)],
                      currency)
            out.skip("subtotal" if level == 1 else "total")
            reset_upto = max(reset_upto, level)
        else:
            if reset_upto:
                for lv in range(1, reset_upto + 1):
                    start[lv] = len(out)
                reset_upto = 0
            out.item(_item(cells, cols, amount_col, currency_col, customer, width),
                     line.number, text)
    return out.raw_rows(len(lines), decisions)


def _between_table_lines(lines: list[Line], k: int) -> bool:
    """True when the lines right above and below line *k* are table lines (cells or
    rules): title and customer lines stand apart from the table, after or before a blank
    line or other title lines."""
    def table_line(j: int) -> bool:
        return 0 <= j < len(lines) and (lines[j].in_table or is_rule(lines[j].text))

    return table_line(k - 1) and table_line(k + 1)


def _total_level(cells: list, doc_col: int) -> int:
    """1 for a ``*`` subtotal line, 2 for ``**``, 0 for any other line."""
    if cell_text(cell_at(cells, doc_col)).strip("*"):
        return 0
    for c in cells[: doc_col + 1]:
        t = cell_text(c)
        if _STARS.match(t):
            return len(t)
    return 0


def _total_label(level: int, out: ReportRows, rows: range, currency: str | None) -> str:
    cur = f" ({currency})" if currency else ""
    if level >= 2:
        return f"Grand total{cur}"
    ids = {out.records[i].get("customer_id", "") for i in rows}
    who = f" customer {ids.pop()}" if len(ids) == 1 and "" not in ids else ""
    return f"Subtotal{who}{cur}"


def _item(cells: list, cols: dict[str, int], amount_col: int, currency_col: int | None,
          customer: _Customer, width: int | None) -> dict:
    v = {f: cell_at(cells, cols[f]) for f in ("document", "doc_type", "doc_date", "due_date",
                                              "terms") if f in cols}
    v["open_amount"] = cell_at(cells, amount_col)
    v["currency"] = cell_at(cells, currency_col)
    cid = cell_text(cell_at(cells, cols.get("customer_id")))
    v["customer_id"] = cid or customer.id
    name = cell_text(cell_at(cells, cols.get("customer_name")))
    v["customer_name"] = name or (customer.name if v["customer_id"] == customer.id else "")
    # FBL5N's Reference is the billing document or the customer's reference;
    # without it, the assignment, then the item text, is what people quote.
    v["reference"] = next((t for t in (cell_text(cell_at(cells, cols.get(f)))
                                       for f in ("reference", "assignment", "text")) if t), "")
    v["_reject"] = (f"the line has {len(cells)} cells where the header has {width}: a '|' typed "
                    "into a text field shifted its columns; correct the line in SAP or in the "
                    "file") if width is not None and len(cells) != width else ""
    return v
