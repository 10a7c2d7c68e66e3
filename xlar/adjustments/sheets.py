"""The adjustment actions of the AR workbench: Validate, Post, Approve, Bad-Debt Review,
Reconcile GL.  The ribbon and ``xlar adjust ...`` run the same functions.

**Validate** reads the Adjustments sheet and says, row by row, what Post would do
(amounts, tax, commission, authority), writing nothing to the store.

**Post** posts the rows that are ready (or approved), sends those above the
user's authority to the approval queue, and then:

* updates the Open Items sheet (the credited invoice's open amount, new rows for
  rebills and left-over credits), so the workbench shows the balances at once,
  until the ERP has the journal and the next refresh brings its own figures;
* writes each credit note and invoice as a Word document;
* rewrites the Approvals, Journal, Commission Adjustments and Commission Payout
  sheets from the store.

A row posted before shows its numbers and is not posted again.  The Open Items
sheet and the Adjustments sheet are saved together, so a row marked posted on
the sheet is already in Open Items; a row the store has posted but the sheet
does not show as posted (posted from the command line, or a run that stopped)
is applied to Open Items on the next Post.  Columns the user added beside any
of these tables stay with their rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from xlar.actions import Outcome, action
from xlar.adjustments.bad_debt import recommend_write_offs
from xlar.adjustments.commission import payout_report
from xlar.adjustments.drafts import draft_adjustments
from xlar.adjustments.model import Draft
from xlar.adjustments.policy import AdjustmentError, Policy, policy_from_settings
from xlar.adjustments.requests import KIND_LABELS, REQUEST_FIELDS, parse_request
from xlar.money import minor_digits, parse_amount
from xlar.progress import Progress
from xlar.settings import Settings, settings_from_table
from xlar.store.db import StoreError
from xlar.workbench.layout import (
    ADJUSTMENTS,
    APPROVALS,
    BAD_DEBT_REVIEW,
    CLOSED_ITEMS,
    COMMISSION_ADJUSTMENTS,
    COMMISSION_PAYOUT,
    CUSTOMERS,
    JOURNAL,
    OPEN_ITEMS,
    RECONCILIATION_SHEET,
    SETTINGS,
)
from xlar.workbench.merge import UserCell, user_columns_of
from xlar.workbench.plan import (
    Cell,
    Formula,
    SheetPlan,
    column_letter,
    display_value,
    rows_plan,
    table_plan,
)
from xlar.workbench.port import WorkbookPort

__all__ = ["validate_adjustments", "post_adjustments", "approve_adjustments",
           "recommend_bad_debt", "reconcile_gl", "sheet_items", "write_adjustment_views",
           "reconciliation_plan"]

_STATUS_TEXT = {"ready": "ready to post", "needs approval": "needs approval",
                "waiting for approval": "waiting for approval", "approved": "approved",
                "rejected": "rejected", "posted": "posted", "blocked": "blocked",
                "not posted": "NOT posted"}


# -- reading the workbench ------------------------------------------------------------


def _settings(port: WorkbookPort) -> Settings:
    t = port.read_table(SETTINGS.table)
    return settings_from_table(t.frame if t is not None else None)


def _plain(v):
    return v.value if isinstance(v, UserCell) else v


def _engine_column(values: list, kind: str, currency: list | None) -> pd.Series:
    if kind == "money":
        # Cells hold doubles in currency units: rounding units x 10^digits recovers the
        # exact minor units (see xlar.money.parse_amount); text cells are parsed one by one.
        nums = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
        digits = np.array([minor_digits(c) if c else 2 for c in (currency or [""] * len(values))],
                          dtype=np.int64)
        out = np.rint(nums.fillna(0).to_numpy(np.float64) * 10.0 ** digits).astype(np.int64)
        for i in np.flatnonzero(nums.isna().to_numpy()):
            v = values[i]
            if v not in (None, "") and not (isinstance(v, float) and v != v):
                cents, _why = parse_amount(v, ".", int(digits[i]))
                out[i] = cents or 0
        return pd.Series(out, dtype=np.int64)
    if kind in ("date", "datetime"):
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), errors="coerce"),
                         dtype="datetime64[ns]")
    if kind == "bool":
        return pd.Series([str(v).strip().lower() in ("yes", "true", "1", "si", "sí")
                          for v in values], dtype=bool)
    if kind == "int":
        return pd.Series([None if v is None or v == "" or (isinstance(v, float) and v != v)
                          else int(v) for v in values], dtype=object)
    if kind == "pct":
        return pd.Series([None if v in (None, "") else float(v) for v in values], dtype=object)
    return pd.Series(["" if v is None or (isinstance(v, float) and v != v) else
                      (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                      for v in values], dtype=object)


def _engine_frame(read: pd.DataFrame, layout) -> pd.DataFrame:
    """A table as read (headers, units) back to engine fields (cents, dates)."""
    n = len(read)
    cur = None
    if "Currency" in read.columns:
        cur = ["" if _plain(v) is None else str(_plain(v)) for v in read["Currency"]]
    out = {}
    for col in layout.columns:
        vals = [_plain(v) for v in read[col.header]] if col.header in read.columns else \
            [None] * n
        out[col.field] = _engine_column(vals, col.kind, cur)
    return pd.DataFrame(out)


_LABEL_TYPES = {"invoice": "invoice", "debit memo": "debit_memo", "credit memo": "credit_memo",
                "payment on account": "payment", "payment": "payment"}


def _with_doc_types(frame: pd.DataFrame) -> pd.DataFrame:
    """The doc_type of each row, from its key (customer|type|document) or its type label."""
    from_key = frame["item_key"].map(lambda k: k.split("|")[1] if k.count("|") >= 2 else "")
    from_label = frame["doc_type_label"].map(lambda t: _LABEL_TYPES.get(str(t).strip().lower(),
                                                                       ""))
    frame["doc_type"] = from_key.where(from_key.isin(list(_LABEL_TYPES.values())), from_label)
    return frame


class SheetItems:
    """The Open Items sheet as read: engine rows, the user's columns, the header row."""

    def __init__(self, port: WorkbookPort):
        t = port.read_table(OPEN_ITEMS.table, [c.header for c in OPEN_ITEMS.columns])
        self.found = t is not None
        read = t.frame if t is not None else pd.DataFrame(columns=OPEN_ITEMS.headers)
        self.items = _with_doc_types(_engine_frame(read, OPEN_ITEMS))
        self.user_columns = user_columns_of(read, OPEN_ITEMS.headers) if len(read) else []
        self.user_cells = [[v if isinstance(v, UserCell) else UserCell(v)
                            for v in row] for row in read[self.user_columns].itertuples(
            index=False)] if self.user_columns else []


def sheet_items(port: WorkbookPort) -> pd.DataFrame:
    """The open items of the workbench (engine columns), from its Open Items sheet."""
    return SheetItems(port).items


def _closed_items(port: WorkbookPort) -> pd.DataFrame | None:
    t = port.read_table(CLOSED_ITEMS.table, [c.header for c in CLOSED_ITEMS.columns])
    if t is None or t.frame.empty:
        return None
    return _with_doc_types(_engine_frame(t.frame, CLOSED_ITEMS))


def _customers(port: WorkbookPort) -> pd.DataFrame | None:
    t = port.read_table(CUSTOMERS.table)
    if t is None or t.frame.empty:
        return None
    frame = _engine_frame(t.frame, CUSTOMERS)
    return frame[frame["customer_id"] != ""].reset_index(drop=True)


class _Typed:
    """One row of the Adjustments sheet as typed (a formula typed in a cell is kept)."""

    def __init__(self, position: int, cells: dict, formulas: dict, user: dict):
        self.position = position
        self.cells = cells
        self.formulas = formulas
        self.user = user
        self.request = parse_request(position + 1, cells)
        self.status = str(cells.get("status") or "")

    def typed(self) -> dict:
        """The typed cells as they go back on the sheet."""
        return {f: Formula(self.formulas[f]) if self.formulas.get(f) else self.cells.get(f)
                for f in REQUEST_FIELDS}


def _read_adjustments(port: WorkbookPort) -> list[_Typed]:
    # The typed columns are read like the user's own (value and formula), so a formula
    # typed in Amount survives the rewrite; xlar's columns are read as values.
    computed = [c.header for c in ADJUSTMENTS.columns if c.field not in REQUEST_FIELDS]
    t = port.read_table(ADJUSTMENTS.table, computed)
    if t is None or t.frame.empty:
        return []
    by_header = {c.header.lower(): c.field for c in ADJUSTMENTS.columns}
    rows = []
    for i, r in enumerate(t.frame.to_dict("records")):
        cells = {by_header[h.lower()]: _plain(v) for h, v in r.items() if h.lower() in by_header}
        formulas = {by_header[h.lower()]: v.formula for h, v in r.items()
                    if h.lower() in by_header and isinstance(v, UserCell) and v.formula}
        user = {h: (v if isinstance(v, UserCell) else UserCell(v)) for h, v in r.items()
                if h.lower() not in by_header}
        rows.append(_Typed(i, cells, formulas, user))
    return rows


# -- writing --------------------------------------------------------------------------


def _money(cents, currency: str):
    return None if cents is None else display_value(int(cents), "money", currency or "USD")


def _draft_cells(d: Draft, checked: str) -> dict:
    cur = d.currency
    tax = sum(doc.tax_cents if doc.kind == "invoice" else -doc.tax_cents
              for doc in d.documents if doc.kind in ("invoice", "credit_memo"))
    has = bool(d.documents)
    return {
        "status": _STATUS_TEXT.get(d.status, d.status),
        "numbers": " / ".join(d.numbers), "currency": cur,
        "net_cents": _money(d.ar_cents - tax, cur) if has else None,
        "tax_cents": _money(tax, cur) if has else None,
        "ar_cents": _money(d.ar_cents, cur) if has else None,
        "open_before": _money(d.open_before, cur), "open_after": _money(d.open_after, cur),
        "commission_cents": _money(d.commission.commission_cents, d.commission.currency)
        if d.commission else None,
        "why": d.why, "request_id": d.request.request_id, "checked": checked,
    }


def _write_adjustments(port: WorkbookPort, typed: list[_Typed], drafts: dict[int, Draft],
                       checked: str) -> None:
    rows, user_rows = [], []
    for row in typed:  # every row stays where it is, blank ones too
        cells = row.typed()
        d = drafts.get(row.position)
        if d is not None:
            cells |= _draft_cells(d, checked)
        rows.append(cells)
        user_rows.append(row.user)
    user_columns = list(dict.fromkeys(h for u in user_rows for h in u))
    cells = [[u.get(h, UserCell(None)) for h in user_columns] for u in user_rows]
    port.write_table(rows_plan(ADJUSTMENTS, rows, user_columns, cells))


def _journal_rows(journal: pd.DataFrame) -> list[dict]:
    """Journal lines as the sheet shows them; Entry Balance sums the entry's own rows
    (its lines are consecutive), so a long journal stays quick to calculate."""
    top = 4  # title row 1, blank row 2, header row 3
    cols = {c.field: column_letter(i + 1) for i, c in enumerate(JOURNAL.columns)}
    dr, cr = cols["debit_cents"], cols["credit_cents"]
    records = journal.to_dict("records")
    span: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        span.setdefault(r["entry_id"], []).append(top + i)
    rows = []
    for r in records:
        first, last = span[r["entry_id"]][0], span[r["entry_id"]][-1]
        row = {c.field: display_value(r.get(c.field), c.kind, r["currency"])
               for c in JOURNAL.columns if c.field in r}
        row["entry_balance"] = Formula(f"=SUM(${dr}${first}:${dr}${last})"
                                       f"-SUM(${cr}${first}:${cr}${last})")
        rows.append(row)
    return rows


def _commission_rows(commissions: pd.DataFrame) -> list[dict]:
    rows = []
    for r in commissions.to_dict("records"):
        row = {c.field: display_value(r.get(c.field), c.kind, r["currency"])
               for c in COMMISSION_ADJUSTMENTS.columns if c.field not in ("rate",)}
        row["rate"] = float(r["rate"])
        rows.append(row)
    return rows


def _payout_rows(commissions: pd.DataFrame) -> list[dict]:
    """One row per partner and currency, its sums as formulas over Commission Adjustments."""
    report = payout_report(commissions)
    n = len(commissions)
    top, last = 4, 4 + max(n, 1) - 1
    cols = {c.field: column_letter(i + 1) for i, c in enumerate(COMMISSION_ADJUSTMENTS.columns)}
    sheet = f"'{COMMISSION_ADJUSTMENTS.sheet}'"

    def rng(field):
        letter = cols[field]
        return f"{sheet}!${letter}${top}:${letter}${last}"

    crit = f"{rng('partner')},A{{at}},{rng('currency')},B{{at}}"
    rows = []
    for i, r in enumerate(report.to_dict("records")):
        at = top + i
        c = crit.format(at=at)
        rows.append({"partner": r["partner"], "currency": r["currency"],
                     "adjustments": Formula(f"=COUNTIFS({c})"),
                     "base_cents": Formula(f"=SUMIFS({rng('base_cents')},{c})"),
                     "commission_cents": Formula(f"=SUMIFS({rng('commission_cents')},{c})")})
    return rows


def _approval_rows(queue: pd.DataFrame, kept: dict[str, dict]) -> list[dict]:
    rows = []
    for r in queue.to_dict("records"):
        row = {"request_id": r["request_id"], "status": r["status"],
               "decision": "", "decision_note": r["note"] if r["status"] != "pending" else "",
               "kind_label": KIND_LABELS.get(r["kind"], r["kind"]),
               "customer_id": r["customer_id"], "document": r["document"],
               "amount_cents": display_value(r["amount_cents"], "money", r["currency"]),
               "currency": r["currency"], "reason": r["reason"],
               "requested_by": r["requested_by"],
               "requested_at": display_value(r["requested_at"], "datetime"),
               "decided_by": r["decided_by"],
               "decided_at": display_value(r["decided_at"], "datetime"),
               "saved": "" if r["status"] == "pending" else f"{r['status']} by {r['decided_by']}"}
        if r["request_id"] in kept:
            row |= kept[r["request_id"]]
        rows.append(row)
    return rows


def write_adjustment_views(port: WorkbookPort, book, kept_decisions: dict | None = None) -> None:
    """Rewrite Approvals, Journal, Commission Adjustments and Commission Payout from the
    store (the user's own columns beside Approvals rows are kept)."""
    t = port.read_table(APPROVALS.table, APPROVALS.headers)
    user_cols, user_by_id = [], {}
    if t is not None and len(t.frame):
        user_cols = user_columns_of(t.frame, APPROVALS.headers)
        for r in t.frame.to_dict("records"):
            user_by_id[str(_plain(r.get("Request ID")) or "")] = [
                r[h] if isinstance(r[h], UserCell) else UserCell(r[h]) for h in user_cols]
    rows = _approval_rows(book.approvals(), kept_decisions or {})
    cells = [user_by_id.get(r["request_id"], [UserCell(None)] * len(user_cols)) for r in rows]
    port.write_table(rows_plan(APPROVALS, rows, user_cols, cells))
    port.write_table(rows_plan(JOURNAL, _journal_rows(book.journal())))
    commissions = book.commissions()
    port.write_table(rows_plan(COMMISSION_ADJUSTMENTS, _commission_rows(commissions)))
    port.write_table(rows_plan(COMMISSION_PAYOUT, _payout_rows(commissions)))


def _write_open_items(port: WorkbookPort, sheet: SheetItems, after: pd.DataFrame,
                      settings: Settings, today: dt.date) -> None:
    from xlar.aging import age_open_items
    from xlar.model import DOC_TYPE_LABELS

    n_old = len(sheet.items)
    new = after.iloc[n_old:].copy()
    if len(new):
        aged = age_open_items(new.reset_index(drop=True), settings.as_of or today,
                              settings.buckets())
        new["days_past_due"] = aged["days_past_due"].astype(object).to_numpy()
        new["bucket"] = aged["bucket"].astype(str).to_numpy()
        new["doc_type_label"] = new["doc_type"].map(DOC_TYPE_LABELS).to_numpy()
        new["source"] = [f"xlar {d} (not in the ERP yet)" for d in new["document"]]
        for c in OPEN_ITEMS.columns:
            if c.kind == "text":
                new[c.field] = new[c.field].map(lambda v: "" if v is None or
                                                (isinstance(v, float) and v != v) else str(v))
        after = pd.concat([after.iloc[:n_old], new], ignore_index=True)
    frame = pd.DataFrame({c.field: after[c.field] for c in OPEN_ITEMS.columns})
    for c in OPEN_ITEMS.columns:
        if c.kind == "money":
            frame[c.field] = frame[c.field].fillna(0).astype(np.int64)
        elif c.kind == "bool":
            frame[c.field] = frame[c.field].fillna(False).astype(bool)
        elif c.kind == "text":
            frame[c.field] = frame[c.field].fillna("").astype(object)
    frame["currency"] = after["currency"].to_numpy()
    empty = [UserCell(None)] * len(sheet.user_columns)
    cells = sheet.user_cells + [empty] * (len(frame) - n_old)
    port.write_table(table_plan(OPEN_ITEMS, frame, sheet.user_columns or None,
                                cells if sheet.user_columns else None))


# -- drafting the sheet -----------------------------------------------------------------


class _Context:
    def __init__(self, port: WorkbookPort, store=None, today: dt.date | None = None):
        from xlar.store.adjustments import AdjustmentBook
        from xlar.workbench.accounts import workbench_store

        self.port = port
        self.settings = _settings(port)
        self.policy: Policy = policy_from_settings(self.settings)
        self.today = today or dt.date.today()
        self.store = store or workbench_store(port, self.settings)
        self.book = AdjustmentBook(self.store)
        self.sheet = SheetItems(port)
        self.typed = _read_adjustments(port)

    def drafts(self) -> dict[int, Draft]:
        requests = [r.request for r in self.typed if r.request is not None]
        sheet_posted = frozenset(r.request.request_id for r in self.typed
                                 if r.request is not None and r.status == "posted" and
                                 str(r.cells.get("request_id") or "") == r.request.request_id)
        out = draft_adjustments(requests, self.sheet.items, _customers(self.port), self.policy,
                                self.book.history(), self.store.user, self.today, sheet_posted,
                                _closed_items(self.port))
        return {d.request.row - 1: d for d in out}


def _counts(drafts) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in drafts:
        out[d.status] = out.get(d.status, 0) + 1
    return out


def _summary(counts: dict[str, int]) -> str:
    order = ["posted", "ready", "approved", "needs approval", "waiting for approval",
             "rejected", "blocked", "not posted"]
    return ", ".join(f"{counts[k]} {_STATUS_TEXT.get(k, k)}" for k in order if counts.get(k))


def _details(drafts) -> tuple[str, ...]:
    return tuple(f"row {d.request.row}: {_STATUS_TEXT.get(d.status, d.status)}: {d.why}"
                 for d in drafts)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _stamp(what: str, user: str) -> str:
    return f"{what} {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by {user}"


@action("validate_adjustments", "Validate", "Adjustments", "adjust validate", "Spelling",
        "Check every row of the Adjustments sheet: amounts, tax, commission, authority. Nothing "
        "is posted.")
def validate_adjustments(port: WorkbookPort, progress: Progress, store=None,
                         today: dt.date | None = None, **_options) -> Outcome:
    progress(0, 2, "reading the Adjustments sheet")
    ctx = _Context(port, store, today)
    if not any(r.request is not None for r in ctx.typed):
        return _no_rows(port)
    drafts = ctx.drafts()
    progress(1, 2, "writing the results")
    _write_adjustments(port, ctx.typed, drafts, _stamp("validated", ctx.store.user))
    return Outcome(f"Validated {len(drafts)} rows: {_summary(_counts(drafts.values()))}. "
                   "Nothing was posted.", _details(drafts.values()))


def _no_rows(port: WorkbookPort) -> Outcome:
    if port.read_table(ADJUSTMENTS.table) is None:
        port.write_table(rows_plan(ADJUSTMENTS, []))
        return Outcome("Added the Adjustments sheet: type one request per row (type, customer, "
                       "document, amount or lines, reason code), then Validate.")
    return Outcome("The Adjustments sheet has no rows: type one request per row, then "
                   "Validate; nothing was posted.")


def _documents_folder(port: WorkbookPort, settings: Settings, folder) -> Path:
    if folder:
        return Path(folder)
    base = port.path.parent if port.path is not None else Path.cwd()
    if settings.documents_folder:
        return settings.resolve(base, "documents_folder")
    stem = port.path.stem if port.path is not None else "xlar"
    return base / f"{stem} documents"


@action("post_adjustments", "Post", "Adjustments", "adjust post", "RecordsSaveRecord",
        "Post the ready rows of the Adjustments sheet (balanced journal entry, numbered "
        "documents), send those above your authority for approval, and update Open Items.")
def post_adjustments(port: WorkbookPort, progress: Progress, store=None,
                     today: dt.date | None = None, documents: str | Path | None = None,
                     **_options) -> Outcome:
    from xlar.adjustments.documents import write_document
    from xlar.adjustments.ledger import apply_documents

    progress(0, 4, "reading the Adjustments sheet")
    ctx = _Context(port, store, today)
    if not any(r.request is not None for r in ctx.typed):
        return _no_rows(port)
    drafts = ctx.drafts()
    new_docs, problems = [], []
    for i, (pos, d) in enumerate(drafts.items()):
        progress(1, 4, f"posting row {d.request.row} ({i + 1} of {len(drafts)})")
        try:
            if d.status in ("ready", "approved"):
                posted = ctx.book.post(d, ctx.policy, ctx.today)
                if posted.new:
                    new_docs += posted.documents
            elif d.status == "needs approval":
                ctx.book.request_approval(d)
                drafts[pos] = d._replace(status="waiting for approval",
                                         why=d.why.replace("Needs approval:",
                                                           "Sent for approval:"))
        except (StoreError, AdjustmentError) as e:
            drafts[pos] = d._replace(status="not posted", why=f"{e}")
            problems.append(f"row {d.request.row}: NOT posted: {e}")
    progress(2, 4, "updating Open Items")
    history = ctx.book.history()
    to_apply = []
    for pos, d in drafts.items():
        p = history.posted.get(d.request.request_id)
        if p is None:
            continue
        fresh = d.status != "posted"
        if fresh or d.apply_to_sheet:
            to_apply += p.documents
        when = "now" if fresh else "earlier"
        drafts[pos] = d._replace(status="posted", numbers=p.numbers, documents=p.documents,
                                 commission=p.commission,
                                 why=(f"posted {when} as {' and '.join(p.numbers)}: {d.why}"
                                      if fresh else d.why))
    if to_apply and ctx.sheet.found:
        after = apply_documents(ctx.sheet.items, to_apply)
        _write_open_items(port, ctx.sheet, after, ctx.settings, ctx.today)
    progress(3, 4, "writing documents and sheets")
    folder = _documents_folder(port, ctx.settings, documents)
    languages = {}
    customers = _customers(port)
    if customers is not None:
        languages = dict(zip(customers["customer_id"], customers["language"], strict=True))
    company = {"name": ctx.settings.company_name,
               "address": ctx.settings.company_address}
    written = [write_document(doc, folder, company, languages.get(doc.customer_id, "en"))
               for doc in new_docs if doc.kind in ("credit_memo", "invoice")]
    pdfs, pdf_note = _pdf_documents(written, folder, ctx.settings)
    _write_adjustments(port, ctx.typed, drafts, _stamp("checked", ctx.store.user))
    write_adjustment_views(port, ctx.book)
    counts = _counts(drafts.values())
    message = f"Adjustments: {_summary(counts)}."
    if to_apply:
        message += f" Open Items updated with {_n(len(to_apply), 'document')}."
    if written:
        message += f" {_n(len(written), 'document')} written to {folder}{pdf_note}."
    if not ctx.sheet.found and to_apply:
        message += " (This workbook has no Open Items sheet to update.)"
    return Outcome(message, (*problems, *_details(drafts.values()),
                             *(f"document: {p}" for p in [*written, *pdfs])))


def _pdf_documents(written: list[Path], folder: Path, settings: Settings
                   ) -> tuple[list[Path], str]:
    """The documents as PDF too (what goes to the customer), in one LibreOffice run; the
    Word files stay for editing.  Returns the PDFs and a note for the message."""
    from xlar.letters.pdf import PdfError, convert_to_pdf, find_soffice

    if not written or str(settings.documents_pdf or "yes").strip().lower() in ("no", "n",
                                                                                "false", "0"):
        return [], ""
    if find_soffice() is None:
        return [], " (as Word files only: LibreOffice, which makes the PDFs, is not installed)"
    try:
        pdfs = convert_to_pdf(written, folder, bookmarks=False)
    except PdfError as e:
        return [], f" (as Word files only: {e})"
    return pdfs, ", each as Word and PDF"


@action("approve_adjustments", "Approve", "Adjustments", "adjust approve", "AcceptInvitation",
        "Record the decisions typed on the Approvals sheet (approve or reject); approved rows "
        "are posted by the next Post.")
def approve_adjustments(port: WorkbookPort, progress: Progress, store=None, **_options) -> Outcome:
    from xlar.store.adjustments import AdjustmentBook
    from xlar.workbench.accounts import workbench_store

    settings = _settings(port)
    policy = policy_from_settings(settings)
    store = store or workbench_store(port, settings)
    book = AdjustmentBook(store)
    t = port.read_table(APPROVALS.table, APPROVALS.headers)
    kept, done, details = {}, [], []
    rows = t.frame.to_dict("records") if t is not None else []
    for i, r in enumerate(rows):
        progress(i, len(rows), "recording decisions")
        rid = str(_plain(r.get("Request ID")) or "").strip()
        decision = str(_plain(r.get("Decision")) or "").strip()
        note = str(_plain(r.get("Decision Note")) or "").strip()
        if not rid or not decision:
            continue
        try:
            w = book.decide(rid, decision, policy, note)
        except (AdjustmentError, StoreError) as e:
            kept[rid] = {"decision": decision, "decision_note": note,
                         "saved": f"NOT recorded: {e}"}
            details.append(f"{rid}: NOT recorded: {e}")
            continue
        if w.new:
            done.append(rid)
            details.append(f"{rid}: {decision} recorded")
        else:
            details.append(f"{rid}: already decided earlier; nothing recorded")
    write_adjustment_views(port, book, kept)
    message = f"{_n(len(done), 'decision')} recorded by {store.user}."
    if kept:
        message += f" {len(kept)} NOT recorded (the reason is in their Saved column)."
    if done:
        message += " Approved rows are posted by the next Post."
    return Outcome(message, tuple(details))


@action("recommend_bad_debt", "Bad-Debt Review", "Adjustments", "adjust recommend",
        "ReviewAcceptChange", "Propose write-offs by rule (age, no payment, broken promises, "
        "lost disputes, small balances), each with its reason.")
def recommend_bad_debt(port: WorkbookPort, progress: Progress, store=None,
                       today: dt.date | None = None, **_options) -> Outcome:
    from xlar.collections import promise_status
    from xlar.workbench.accounts import workbench_store

    settings = _settings(port)
    policy = policy_from_settings(settings)
    as_of = today or settings.as_of or dt.date.today()
    store = store or workbench_store(port, settings)
    progress(0, 2, "reading open items and account history")
    items = sheet_items(port)
    payments = store.payments()
    review = recommend_write_offs(
        items, policy.bad_debt, as_of, payments,
        promise_status(store.latest("promise"), payments, as_of), store.latest("dispute"),
        store.latest("payment_plan"), store.latest("exception"))
    progress(1, 2, "writing Bad Debt Review")
    port.write_table(table_plan(BAD_DEBT_REVIEW, review.proposals))
    by_code = review.proposals.groupby("reason_code").size().to_dict()
    text = ", ".join(f"{n} {k}" for k, n in sorted(by_code.items())) or "none"
    return Outcome(f"Bad-debt review at {as_of:%Y-%m-%d}: {len(review.proposals)} write-offs "
                   f"proposed ({text}); {len(review.skipped)} accounts skipped.",
                   tuple(review.skipped["why"]))


# -- reconciliation ----------------------------------------------------------------------


def reconciliation_plan(rec) -> SheetPlan:
    """The Reconciliation sheet: totals, difference, explained items and what is left, with
    formulas a controller can audit."""
    from xlar.money import format_money

    fmt = '_(* #,##0.00_);_(* (#,##0.00);_(* "-"??_);_(@_)'
    digits = minor_digits(rec.currency)

    def units(cents):
        return int(cents) / 10 ** digits

    cells = [Cell(1, 1, f"AR to GL reconciliation, {rec.period_start:%Y-%m-%d} to "
                        f"{rec.period_end:%Y-%m-%d} ({rec.currency})", style="title"),
             Cell(3, 1, "GL AR control account", style="header"),
             Cell(3, 2, "Name", style="header"), Cell(3, 5, "Balance", style="header")]
    row = 4
    first = row
    for b in rec.gl_balances.to_dict("records"):
        cells += [Cell(row, 1, str(b["account"])), Cell(row, 2, str(b["name"])),
                  Cell(row, 5, units(b["balance_cents"]), fmt)]
        row += 1
    gl_row = row
    cells += [Cell(gl_row, 1, "GL total", style="bold"),
              Cell(gl_row, 5, Formula(f"=SUM(E{first}:E{row - 1})"), fmt, "bold")]
    sl_row = gl_row + 1
    cells += [Cell(sl_row, 1, f"Sub-ledger total (open items at {rec.period_end:%Y-%m-%d})",
                   style="bold"), Cell(sl_row, 5, units(rec.subledger_total), fmt, "bold")]
    diff_row = sl_row + 1
    cells += [Cell(diff_row, 1, "Difference (GL - sub-ledger)", style="bold"),
              Cell(diff_row, 5, Formula(f"=E{gl_row}-E{sl_row}"), fmt, "bold")]
    head = diff_row + 2
    for j, h in enumerate(("Category", "Reference", "Date", "Description", "Amount",
                           "Found in"), start=1):
        cells.append(Cell(head, j, h, style="header"))
    r = head + 1
    for it in rec.items.to_dict("records"):
        cells += [Cell(r, 1, it["category"]), Cell(r, 2, str(it["reference"])),
                  Cell(r, 3, it["date"], "yyyy-mm-dd"), Cell(r, 4, it["description"]),
                  Cell(r, 5, units(it["amount_cents"]), fmt), Cell(r, 6, it["found_in"])]
        r += 1
    last_item = max(r - 1, head + 1)
    exp_row = r + 1
    cells += [Cell(exp_row, 1, "Explained", style="bold"),
              Cell(exp_row, 5, Formula(f"=SUM(E{head + 1}:E{last_item})"), fmt, "bold"),
              Cell(exp_row + 1, 1, "Unexplained (difference - explained)", style="bold"),
              Cell(exp_row + 1, 5, Formula(f"=E{diff_row}-E{exp_row}"), fmt, "bold")]
    by = exp_row + 3
    cells.append(Cell(by, 1, "By category", style="header"))
    cells.append(Cell(by, 5, "Amount", style="header"))
    for k, cat in enumerate(dict.fromkeys(rec.items["category"]), start=1):
        cells += [Cell(by + k, 1, cat),
                  Cell(by + k, 5, Formula(f'=SUMIF(A{head + 1}:A{last_item},A{by + k},'
                                          f'E{head + 1}:E{last_item})'), fmt)]
    note_row = by + len(set(rec.items["category"])) + 2
    notes = list(rec.notes) + [f"GL file {x.file} line {x.line}: {x.reason}"
                               for x in rec.rejections.itertuples()]
    notes.append(f"Engine figures: GL {format_money(rec.gl_total, rec.currency)}, sub-ledger "
                 f"{format_money(rec.subledger_total, rec.currency)}, unexplained "
                 f"{format_money(rec.unexplained, rec.currency)}")
    for k, text in enumerate(notes):
        cells.append(Cell(note_row + k, 1, text, style="note"))
    # freeze_row also sets the print layout: landscape, one page wide, title repeated
    return SheetPlan(RECONCILIATION_SHEET, cells, {"A": 30, "B": 18, "C": 11, "D": 62,
                                                   "E": 15, "F": 24}, freeze_row=2)


@action("reconcile_gl", "Reconcile GL", "Adjustments", "adjust reconcile", "AccountingFormat",
        "Reconcile the AR sub-ledger to a GL trial balance (you choose the file) at month end: "
        "both totals, the difference, each explained item and what is left unexplained.",
        asks="file", file_filter="GL trial balance (*.csv;*.xlsx;*.xls),*.csv;*.xlsx;*.xls")
def reconcile_gl(port: WorkbookPort, progress: Progress, store=None, period=None,
                 gl: str | Path | None = None, gl_detail: str | Path | None = None,
                 brought_forward: str | None = None, file: str | Path | None = None,
                 **_options) -> Outcome:
    from xlar.adjustments.reconciliation import (
        period_bounds,
        read_gl_detail,
        read_trial_balance,
        reconcile,
    )
    from xlar.store.adjustments import AdjustmentBook
    from xlar.store.api import stable_key
    from xlar.workbench.accounts import workbench_store

    settings = _settings(port)
    policy = policy_from_settings(settings)
    base = port.path.parent if port.path is not None else Path.cwd()
    chosen = gl or file  # the ribbon passes the file the user picked as file=
    tb_path = Path(chosen) if chosen else settings.resolve(base, "gl_trial_balance_file")
    if tb_path is None:
        return Outcome("Nothing reconciled: choose the GL trial balance (CSV or XLSX) when "
                       "asked, give it with --gl, or set gl_trial_balance_file on the Settings "
                       "sheet.")
    detail_path = Path(gl_detail) if gl_detail else settings.resolve(base, "gl_detail_file")
    as_of = settings.as_of or dt.date.today()
    start, end = period_bounds(period or as_of)
    progress(0, 3, f"reading {tb_path.name}")
    tb = read_trial_balance(tb_path, policy.currency)
    detail = read_gl_detail(detail_path, policy.currency) if detail_path else None
    store = store or workbench_store(port, settings)
    journal = AdjustmentBook(store).journal()
    forward = 0
    if brought_forward:
        forward, why = parse_amount(brought_forward, ".", minor_digits(policy.currency))
        if why:
            raise AdjustmentError(f"brought-forward difference: {why}")
    progress(1, 3, "reconciling")
    rejections = pd.concat([tb.rejections, *(() if detail is None else (detail.rejections,))],
                           ignore_index=True)
    from xlar.cashapp.posting import cash_ar_entries

    cash = cash_ar_entries(store.cash_receipts(), store.cash_applications())
    rec = reconcile(sheet_items(port), tb.frame, None if detail is None else detail.frame,
                    journal, policy, end, start, policy.currency, forward,
                    _closed_items(port), rejections, cash)
    rec = rec._replace(notes=(*tb.decisions, *(detail.decisions if detail else ()),
                              *rec.notes))
    progress(2, 3, "writing Reconciliation")
    port.write_sheet(reconciliation_plan(rec))
    from xlar.money import format_money

    store.record("gl_reconciled", key=f"reconcile:{end}:" + stable_key(
        rec.gl_total, rec.subledger_total, rec.explained, len(rec.items)),
        amount_cents=rec.unexplained, currency=rec.currency,
        payload={"period_end": end.isoformat(), "gl_total": rec.gl_total,
                 "subledger_total": rec.subledger_total, "difference": rec.difference,
                 "explained": rec.explained, "unexplained": rec.unexplained,
                 "items": len(rec.items)})
    money = lambda c: format_money(c, rec.currency)  # noqa: E731
    return Outcome(f"Reconciled {end:%Y-%m}: GL {money(rec.gl_total)}, sub-ledger "
                   f"{money(rec.subledger_total)}, difference {money(rec.difference)}; "
                   f"{len(rec.items)} items explain {money(rec.explained)}, unexplained "
                   f"{money(rec.unexplained)}.",
                   tuple(f"{i.category}: {i.reference} {money(i.amount_cents)}: {i.description}"
                         for i in rec.items.itertuples()) + rec.notes)
