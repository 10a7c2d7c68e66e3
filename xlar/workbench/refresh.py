"""Refresh the AR workbench: import the export, age it, rewrite the workbook.

:func:`build_workbench` is the pure part: import result + what the workbook
held before -> everything the workbook should hold now.  :func:`refresh`
wraps it with reading the old workbook and saving the new one atomically.

What a refresh promises the specialist:

* every sheet xlar owns is rebuilt from the export, aged at the as-of date;
* columns the user added to Open Items keep their cells beside the same
  documents, formulas moved with their rows;
* items that left the export move to *Closed Since Last Refresh* with
  what was typed beside them; an item that reappears gets its cells back;
* the Customers sheet keeps what the user maintained there (language,
  e-mail, credit limit) unless a customer master file overrides it;
* other sheets are left alone; the Run Log gains this run's lines.
"""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar import __version__
from xlar.aging import (
    Buckets,
    age_open_items,
    aging_totals,
    open_items_at,
    summarize_aging,
)
from xlar.imports import read_open_items
from xlar.imports.common import Control, ImportResult
from xlar.model import DOC_TYPE_LABELS, customers_from_items, overlay_customers
from xlar.money import format_money
from xlar.progress import Progress, no_progress
from xlar.settings import Settings, settings_from_table, settings_rows
from xlar.workbench.layout import (
    CLOSED_ITEMS,
    CUSTOMERS,
    OPEN_ITEMS,
    REJECTED,
    RUN_LOG,
    SETTINGS,
    SUMMARY_SHEET,
    WORKLIST,
    aging_by_customer,
    aging_by_partner,
)
from xlar.workbench.merge import (
    CarriedColumns,
    UserCell,
    carry_by_group,
    carry_user_columns,
    merge_closed,
    reopened,
    user_columns_of,
)
from xlar.workbench.plan import table_plan
from xlar.workbench.port import WorkbookPort, XlsxPort
from xlar.workbench.summary import summary_plan

__all__ = ["Workbench", "Previous", "build_workbench", "refresh", "refresh_workbook",
           "RefreshResult", "RefreshError", "run_log_rows", "read_previous", "write_workbench",
           "REFRESH_REWRITES", "items_shown", "read_previous_items"]


#: The sheets a refresh replaces whole (write_workbench): a workbook file need not load
#: their cells (xlar.workbench.bigsheets).
REFRESH_REWRITES = (SUMMARY_SHEET, WORKLIST.sheet, OPEN_ITEMS.sheet, aging_by_customer(()).sheet,
                    aging_by_partner(()).sheet, CUSTOMERS.sheet, CLOSED_ITEMS.sheet,
                    REJECTED.sheet, RUN_LOG.sheet, SETTINGS.sheet)


class RefreshError(ValueError):
    """A refresh that cannot start (no source file, bad settings): a plain sentence."""


class Previous(NamedTuple):
    """What an existing workbench held, as read before a refresh (None when new)."""

    open_items: pd.DataFrame | None = None
    closed: pd.DataFrame | None = None
    customers: pd.DataFrame | None = None
    run_log: pd.DataFrame | None = None
    settings: pd.DataFrame | None = None
    #: summary tables (Aging by Customer, Aging by Sales Partner, Worklist) by table
    #: name: only their user columns are carried (see merge.carry_by_group).
    summaries: dict | None = None


class Workbench(NamedTuple):
    """Everything a refreshed workbench shows, ready to write.

    Attributes:
      settings, as_of, buckets: how it was made.
      items: aged open items with display columns (doc_type_label, source).
      carried: the user's columns for the items, and the rows that left.
      closed: the closed list (engine columns + user columns, newest first).
      by_customer, by_partner, totals: aging summaries (cents).
      customers: customer master as the workbench will show it.
      rejections: rejected rows of this import.
      run_log: previous log rows plus this run's.
      control: the import's control record.
      worklist: accounts to call today, ranked, each with why.
      accounts: the activity store's records shown on the account sheets.
    """

    settings: Settings
    as_of: dt.date
    buckets: Buckets
    items: pd.DataFrame
    carried: CarriedColumns
    closed: pd.DataFrame
    by_customer: pd.DataFrame
    by_partner: pd.DataFrame
    totals: pd.DataFrame
    customers: pd.DataFrame
    rejections: pd.DataFrame
    run_log: pd.DataFrame
    control: Control
    worklist: pd.DataFrame
    accounts: dict
    #: KPIs, trend and charts (xlar.workbench.dashboard.Dashboard), set by the file edge.
    dashboard: object = None
    #: the user's columns on the summary tables, by table name (merge.carry_by_group).
    summary_carried: dict | None = None


def _display_items(aged: pd.DataFrame) -> pd.DataFrame:
    out = aged.copy()
    out["doc_type_label"] = out["doc_type"].map(DOC_TYPE_LABELS)
    sheet = out["source_sheet"].where(out["source_sheet"] == "", "!" + out["source_sheet"])
    out["source"] = out["source_file"] + sheet + ":" + out["source_line"].astype(str)
    out["bucket"] = out["bucket"].astype(str)
    # Same order every time: by customer, then due date, then document.
    return out.sort_values(["customer_id", "due_date", "document", "item_key"],
                           kind="stable").reset_index(drop=True)


def _owned_headers(layout) -> list[str]:
    return [c.header for c in layout.columns]


#: Customer fields a specialist maintains on the Customers sheet; a refresh
#: keeps them.  The rest (name, partner, terms ...) follow the export.
USER_MAINTAINED = ["language", "email", "address", "credit_limit_cents", "tax_exempt_cert",
                   "tax_exempt_expiry"]


def _customers(items: pd.DataFrame, previous: Previous,
               master: pd.DataFrame | None) -> pd.DataFrame:
    """Customers from the items, then what the user typed on the sheet, then a master file."""
    out = customers_from_items(items)
    if previous.customers is not None and len(previous.customers):
        by_header = {c.header: c.field for c in CUSTOMERS.columns}
        prev = previous.customers.rename(columns=by_header)
        prev = prev[[c for c in prev.columns if c in by_header.values()]].copy()
        if "credit_limit_cents" in prev:
            prev["credit_limit_cents"] = _units_to_cents(prev["credit_limit_cents"],
                                                         prev.get("currency"))
        prev["customer_id"] = prev["customer_id"].map(lambda v: "" if v is None else str(v))
        out = overlay_customers(out, prev[prev["customer_id"] != ""], USER_MAINTAINED)
    return overlay_customers(out, master)


def _units_to_cents(values: pd.Series, currency: pd.Series | None) -> pd.Series:
    from xlar.money import minor_digits, parse_amount

    out = []
    curs = currency if currency is not None else pd.Series(["USD"] * len(values))
    for v, c in zip(values, curs, strict=True):
        cents, _ = parse_amount(v, ".", minor_digits(c) if isinstance(c, str) and c else 2)
        out.append(cents or 0)
    return pd.Series(out, index=values.index, dtype=np.int64)


def run_log_rows(action: str, as_of: dt.date, source: str, messages: list[tuple[str, str]],
                 user: str, now: dt.datetime | None = None) -> pd.DataFrame:
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    return pd.DataFrame({
        "run_at": [now] * len(messages), "user": user, "version": __version__, "action": action,
        "as_of": pd.Timestamp(as_of), "source": source,
        "kind": [k for k, _ in messages], "message": [m for _, m in messages],
    })


def _import_messages(result: ImportResult, history: bool, open_count: int) -> list[tuple[str, str]]:
    c = result.control
    msgs = [("import", c.summary().splitlines()[0])]
    msgs += [("decision", d) for d in c.decisions]
    for cur, cents in sorted(c.totals_read.items()):
        msgs.append(("control", f"open amount read ({cur}): {format_money(cents, cur)}"))
    if not c.checks:
        msgs.append(("control", "the file prints no totals to check against"))
    for chk in c.checks:
        msgs.append(("control" if chk.ok else "warning", chk.describe()))
    if not c.lines_accounted:
        msgs.append(("warning", "lines not accounted for: please report this to the xlar team"))
    if c.rejected:
        msgs.append(("warning", f"{c.rejected} rows rejected: see the Rejected Rows sheet"))
    if history:
        msgs.append(("decision", f"the export is a history with settled dates: {open_count} "
                                 "items were open at the as-of date"))
    return msgs


def account_notes(frames: dict[str, pd.DataFrame] | None, on_hold: dict[str, str] | None
                  ) -> pd.DataFrame:
    """Per customer: the latest note and next action, the latest promise's status, holds.

    What the Open Items and Aging by Customer sheets show beside each account.
    """
    cols = ["customer_id", "last_note", "next_action", "next_action_date", "promise_status",
            "on_hold"]
    frames = frames or {}
    notes = frames.get("note", pd.DataFrame())
    out = pd.DataFrame({"customer_id": pd.Series(dtype=object)})
    if len(notes):
        latest = notes.sort_values(["note_date", "created_at"]).groupby("customer_id").tail(1)
        out = latest.assign(last_note=latest["note_date"].astype(str) + ": " + latest["text"])[
            ["customer_id", "last_note", "next_action", "next_action_date"]]
    promises = frames.get("promise", pd.DataFrame())
    if len(promises) and "status" in promises:
        p = promises.sort_values(["promised_date", "created_at"]).groupby("customer_id").tail(1)
        p = p.assign(promise_status=p["status"] + " (" + p["promised_date"].astype(str) + ")")
        out = out.merge(p[["customer_id", "promise_status"]], on="customer_id", how="outer")
    held = pd.DataFrame({"customer_id": pd.Series(list(on_hold or {}), dtype=object),
                         "on_hold": True})
    out = out.merge(held, on="customer_id", how="outer")
    for c in cols:
        if c not in out:
            out[c] = None
    out["on_hold"] = out["on_hold"].fillna(False).astype(bool)
    for c in ("last_note", "next_action", "promise_status"):
        out[c] = out[c].fillna("").astype(object)
    out["next_action_date"] = pd.to_datetime(out["next_action_date"], errors="coerce")
    return out[cols]


def _annotate(frame: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    notes = notes.astype({"customer_id": object})
    out = frame.astype({"customer_id": object}).merge(notes, on="customer_id", how="left")
    for c in ("last_note", "next_action", "promise_status"):
        out[c] = out[c].fillna("")
    out["on_hold"] = out["on_hold"].fillna(False).astype(bool)
    return out


def items_shown(items: pd.DataFrame, as_of: dt.date) -> tuple[pd.DataFrame, bool]:
    """The items the workbench shows at *as_of*, and whether the export had history
    (settled items too: then only those open at *as_of* are shown)."""
    history = bool(items["settled_date"].notna().any())
    return (open_items_at(items, as_of) if history else items), history


def build_workbench(result: ImportResult, settings: Settings, as_of: dt.date,
                    previous: Previous, master: pd.DataFrame | None = None,
                    user: str = "", source_name: str = "",
                    accounts: dict[str, pd.DataFrame] | None = None,
                    on_hold: dict[str, str] | None = None) -> Workbench:
    """Everything the refreshed workbench shows.  Pure: no file is touched.

    *accounts* are the activity store's records (latest notes, promises with
    their status, disputes, exceptions; see xlar.workbench.accounts) and
    *on_hold* the customers on credit hold: they annotate the aging and make
    the worklist.
    """
    buckets = settings.buckets()
    items, history = items_shown(result.items, as_of)
    aged = age_open_items(items, as_of, buckets)
    notes = account_notes(accounts, on_hold)
    display = _annotate(_display_items(aged), notes)

    owned = _owned_headers(OPEN_ITEMS)
    prev_open = previous.open_items
    back = reopened(previous.closed, display["item_key"], OPEN_ITEMS.key, owned)
    if len(back):
        back = back.drop(columns=[c for c in back.columns if c == CLOSED_ITEMS.columns[0].header])
        prev_open = pd.concat([f for f in (prev_open, back) if f is not None], ignore_index=True,
                              sort=False)
    carried = carry_user_columns(display["item_key"], prev_open, owned, OPEN_ITEMS.key)
    leaving = carried.leaving.copy()
    if len(leaving):
        leaving.insert(0, CLOSED_ITEMS.columns[0].header, pd.Timestamp(as_of))
    closed = merge_closed(previous.closed, leaving, set(back[OPEN_ITEMS.key].astype(str))
                          if len(back) else set(), OPEN_ITEMS.key, _CLOSED_BLANK)

    by_customer = summarize_aging(aged, "customer_id",
                                  ["customer_name", "sales_partner", "collector"])
    by_customer_shown = _annotate(by_customer, notes)
    by_partner = summarize_aging(aged, "sales_partner")
    totals = aging_totals(aged) if len(aged) else aging_totals(aged.assign())
    customers = _customers(result.items, previous, master)

    messages = _import_messages(result, history, len(items))
    messages.append(("refresh", f"aged {len(aged)} items of {aged['customer_id'].nunique()} "
                                f"customers at {as_of:%Y-%m-%d}; {len(leaving)} closed since the "
                                f"last refresh; {len(back)} reopened"))
    for _, t in totals.iterrows():
        balance = format_money(int(t["balance_cents"]), t["currency"])
        past_due = format_money(int(t["past_due_cents"]), t["currency"])
        messages.append(("refresh", f"balance {balance}, past due {past_due}"))
    log = run_log_rows("refresh", as_of, source_name or result.control.file, messages,
                       user or _user_name(settings))
    if previous.run_log is not None and len(previous.run_log):
        by_header = {c.header: c.field for c in RUN_LOG.columns}
        prev_log = previous.run_log.rename(columns=by_header)
        log = pd.concat([prev_log[[c for c in log.columns if c in prev_log.columns]], log],
                        ignore_index=True)
    worklist = _worklist(by_customer, customers, accounts or {}, on_hold or {}, as_of)
    summary_carried = {}
    also_owned = _earlier_labels(previous, buckets)
    for layout, name in ((aging_by_customer(buckets.labels), "by_customer"),
                         (aging_by_partner(buckets.labels), "by_partner"), (WORKLIST, "worklist")):
        group = ("sales_partner",) if name == "by_partner" else ("customer_id",)
        frame = {"by_customer": by_customer_shown, "by_partner": by_partner,
                 "worklist": worklist}[name]
        rows, kept = carry_by_group(frame, (previous.summaries or {}).get(layout.table),
                                    layout.columns, group, also_owned)
        if len(kept.leaving):
            log = pd.concat([log, run_log_rows("refresh", as_of, source_name or
                                               result.control.file, [(
                "refresh", f"{layout.sheet}: {len(kept.leaving)} rows no longer in it are "
                "kept with zero figures, for what you typed beside them")],
                user or _user_name(settings))], ignore_index=True)
        summary_carried[layout.table] = kept
        if name == "by_customer":
            by_customer_shown = rows
        elif name == "by_partner":
            by_partner = rows
        else:
            worklist = rows
    return Workbench(settings, as_of, buckets, display, carried, closed, by_customer_shown,
                     by_partner, totals, customers, result.rejections, log, result.control,
                     worklist, accounts or {}, summary_carried=summary_carried)


def _earlier_labels(previous: Previous, buckets) -> tuple[str, ...]:
    """Bucket labels the summary tables were written with, if the edges changed since:
    those columns were xlar's, not the user's."""
    if previous.settings is None:
        return ()
    try:
        labels = settings_from_table(previous.settings).buckets().labels
    except Exception:  # settings the user broke: the refresh itself says so
        return ()
    return tuple(label for label in labels if label not in buckets.labels)


#: What _closed_frame made of an empty cell before the closed list dropped its blank row
#: (0.00 amounts, Disputed "No"): in a row without a key these are not content.
_CLOSED_BLANK = {c.header: (0,) if c.kind == "money" else ("No", False)
                 for c in CLOSED_ITEMS.columns if c.kind in ("money", "bool")}


def _worklist(by_customer, customers, accounts, on_hold, as_of) -> pd.DataFrame:
    from xlar.collections import worklist

    def frame(kind):
        return accounts.get(kind, pd.DataFrame())

    return worklist(by_customer, customers, frame("note"), frame("promise"), frame("dispute"),
                    frame("exception"), on_hold, as_of)


def _user_name(settings: Settings) -> str:
    if settings.user_name:
        return settings.user_name
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers and services
        return "unknown"


# ---------------------------------------------------------------------------
# File edge
# ---------------------------------------------------------------------------


class RefreshResult(NamedTuple):
    path: Path
    workbench: Workbench


def read_previous(port: WorkbookPort, open_items: bool = True) -> Previous:
    """The tables a refresh builds on, as the workbook holds them now (the Open Items
    table only with *open_items*: see :func:`read_previous_items`)."""

    def table(layout, owned=None):
        t = port.read_table(layout.table, owned)
        return t.frame if t is not None else None

    return Previous(
        open_items=read_previous_items(port) if open_items else None,
        closed=table(CLOSED_ITEMS, _owned_headers(CLOSED_ITEMS)),
        customers=table(CUSTOMERS),
        run_log=table(RUN_LOG),
        settings=table(SETTINGS),
        summaries={layout.table: table(layout, _owned_headers(layout)) for layout in
                   (aging_by_customer(_LABELS), aging_by_partner(_LABELS), WORKLIST)},
    )


#: Bucket labels do not matter for reading a summary table back (its user columns are
#: found against the labels of the edges it was written with, see _summary_carry).
_LABELS: tuple[str, ...] = ()


def read_previous_items(port: WorkbookPort, keep=None) -> pd.DataFrame | None:
    """The Open Items table as the workbook holds it.  *keep*: the keys the refresh
    shows again; their rows' owned columns, which it rewrites, need not be read (a big
    sheet in a file is then read fast, see xlar.workbench.bigsheets)."""
    t = port.read_table(OPEN_ITEMS.table, _owned_headers(OPEN_ITEMS), OPEN_ITEMS.key, keep)
    return t.frame if t is not None else None


def write_workbench(port: WorkbookPort, w: Workbench, source_name: str) -> None:
    """Write every aging sheet xlar owns through *port* (the account sheets, which
    hold what the user typed, are written by xlar.workbench.accounts)."""
    port.write_sheet(summary_plan(w.totals, w.buckets, w.as_of, source_name))
    kept = w.summary_carried or {}

    def summary(layout, frame):
        c = kept.get(layout.table)
        port.write_table(table_plan(layout, frame, c.columns if c else None,
                                    c.cells if c and c.columns else None))

    summary(WORKLIST, w.worklist)
    port.write_table(table_plan(OPEN_ITEMS, w.items, w.carried.columns, w.carried.cells))
    labels = w.buckets.labels
    summary(aging_by_customer(labels), w.by_customer)
    summary(aging_by_partner(labels), w.by_partner)
    port.write_table(table_plan(CUSTOMERS, w.customers))
    closed, closed_user = _closed_frame(w.closed)
    port.write_table(table_plan(CLOSED_ITEMS, closed, extra_columns=closed_user))
    port.write_table(table_plan(REJECTED, w.rejections))
    port.write_table(table_plan(RUN_LOG, w.run_log))
    port.write_table(table_plan(SETTINGS, settings_rows(w.settings)))
    if hasattr(port, "activate"):
        port.activate(SUMMARY_SHEET)


def _closed_frame(closed: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Closed rows (as read from sheets: headers, values in units) back to engine
    fields for the owned columns, and the user columns beside them."""
    from xlar.money import minor_digits

    fields = {c.header: c for c in CLOSED_ITEMS.columns}
    n = len(closed)
    out = pd.DataFrame(index=range(n))
    for header, col in fields.items():
        vals = closed[header] if header in closed.columns else pd.Series([None] * n)
        vals = vals.map(lambda v: v.value if isinstance(v, UserCell) else v).reset_index(drop=True)
        if col.kind == "money":
            cur = closed["Currency"].reset_index(drop=True) if "Currency" in closed else None
            out[col.field] = [
                0 if v is None or v == "" or v != v else
                int(round(float(v) * 10 ** minor_digits(str(cur[i]) if cur is not None else "USD")))
                for i, v in enumerate(vals)]
        elif col.kind == "bool":
            out[col.field] = vals.map(lambda v: str(v).strip().lower() in ("yes", "true", "1"))
        elif col.kind in ("date", "datetime"):
            out[col.field] = pd.to_datetime(vals, errors="coerce")
        elif col.kind == "int":
            out[col.field] = vals.map(lambda v: None if v is None or v == "" or v != v else int(v))
        else:
            out[col.field] = vals.map(lambda v: "" if v is None or v != v else str(v))
    user = user_columns_of(closed, list(fields)) if n else []
    return out, closed[user].reset_index(drop=True)


def refresh_workbook(port: WorkbookPort, source: str | Path | None = None, as_of=None,
                     layout: str | None = None, mapping=None,
                     customers: str | Path | None = None, edges: str | None = None,
                     basis: str | None = None, progress: Progress = no_progress,
                     user: str = "", store=None) -> Workbench:
    """Refresh the workbench behind *port* from an ERP export (the Refresh Aging action).

    Arguments left None come from the workbench's Settings sheet; what is
    given here is written back to it, so the next one-click refresh (ribbon
    or ``xlar refresh WORKBOOK``) repeats this one.  The caller saves.
    """
    progress(0, 5, "reading the workbench")
    previous = read_previous(port, open_items=False)
    settings = settings_from_table(previous.settings)
    overrides = {k: v for k, v in {
        "source_file": str(source) if source else None, "layout": layout,
        "mapping_file": str(mapping) if isinstance(mapping, (str, Path)) else None,
        "customers_file": str(customers) if customers else None,
        "bucket_edges": edges, "aging_basis": basis,
        "as_of": pd.Timestamp(as_of).date() if as_of else None}.items() if v is not None}
    settings = settings._replace(**overrides)
    settings.buckets()
    src, result, master = read_ledger(port, settings, mapping, progress)
    progress(2, 5, "aging")
    from xlar.workbench.accounts import (
        account_frames,
        read_account_sheets,
        workbench_store,
        write_account_sheets,
    )
    from xlar.workbench.forms import FormDefaults

    as_of_day = settings.as_of_or_today()
    store = store or workbench_store(port, settings)
    result = with_postings(result, store)
    shown, _ = items_shown(result.items, as_of_day)
    previous = previous._replace(open_items=read_previous_items(
        port, keep=set(shown["item_key"].astype(str))))
    accounts = account_frames(store, as_of_day)
    w = build_workbench(result, settings, as_of_day, previous, master, user or store.user,
                        src.name, accounts, store.on_hold())
    _remember(store, w, src.name)
    from xlar.kpis import history_snapshots

    month_ends = history_snapshots(result.items, w.as_of, w.buckets)  # empty: no history
    _remember_month_ends(store, month_ends, w, src.name)
    progress(3, 5, "writing the workbench")
    typed = read_account_sheets(port, FormDefaults(as_of_day, settings.currency, store.user))
    write_workbench(port, w, src.name)
    write_account_sheets(port, w.accounts, typed)
    from xlar.workbench.dashboard import refresh_dashboard

    w = w._replace(dashboard=refresh_dashboard(port, w, store, result.items, src.name,
                                               month_ends))
    return w


def read_ledger(port: WorkbookPort, settings: Settings, mapping=None,
                progress: Progress = no_progress
                ) -> tuple[Path, ImportResult, pd.DataFrame | None]:
    """The ERP export and customer master the Settings name: (export path, import result
    with the master's rejections added, master or None)."""
    from xlar.imports.customers import read_customers

    base = port.path.parent if port.path is not None else Path.cwd()
    src = settings.resolve(base, "source_file")
    if src is None:
        raise RefreshError("no source file: give one with --source, or set source_file on the "
                           "Settings sheet")
    progress(1, 5, f"importing {src.name}")
    mapping_arg = mapping if mapping is not None and not isinstance(mapping, (str, Path)) else \
        settings.resolve(base, "mapping_file")
    result = read_open_items(src, settings.layout or "auto", mapping_arg, progress)
    master = None
    cust_path = settings.resolve(base, "customers_file")
    if cust_path is not None:
        cres = read_customers(cust_path, settings.currency)
        master = cres.customers
        if len(cres.rejections):
            result = result._replace(rejections=pd.concat([result.rejections, cres.rejections],
                                                          ignore_index=True))
    return src, result, master


def with_postings(result: ImportResult, store) -> ImportResult:
    """The export with the cash and adjustments posted in xlar that the ERP does not
    show yet (see xlar.pending); what was done is a decision in the Run Log."""
    from xlar.adjustments.ledger import adjustment_postings
    from xlar.cashapp.posting import cash_postings
    from xlar.pending import reflect
    from xlar.store.adjustments import AdjustmentBook

    columns = list(result.items.columns)
    postings = [*cash_postings(store.cash_receipts(), store.cash_applications(), columns),
                *adjustment_postings(AdjustmentBook(store).postings(), columns)]
    items, notes = reflect(result.items, postings)
    if not notes:
        return result
    return result._replace(items=items, control=result.control._replace(
        decisions=(*result.control.decisions, *notes)))


def _remember(store, w: Workbench, source: str) -> None:
    """Record the refresh and its aging snapshot in the activity store, once per
    distinct result (refreshing the same export twice records it once)."""
    from xlar.store.api import stable_key

    fingerprint = stable_key(source, w.as_of, *[(t["currency"], int(t["balance_cents"]),
                                                  int(t["items"])) for _, t in w.totals.iterrows()])
    store.add_snapshot(w.as_of, w.totals, list(w.buckets.labels), source,
                       key=f"snapshot:{w.as_of}:{fingerprint}",
                       customers=int(w.items["customer_id"].nunique()))
    store.record("aging_refreshed", key=f"refresh:{w.as_of}:{fingerprint}",
                 payload={"source": source, "as_of": w.as_of.isoformat(),
                          "items": len(w.items), "rejected": int(w.control.rejected),
                          "totals_ok": bool(w.control.totals_ok)})


def _remember_month_ends(store, past: pd.DataFrame, w: Workbench, source: str) -> None:
    """A history export (with settled dates) holds the agings of every month end
    (*past*, from xlar.kpis.history_snapshots): keep them as the refreshes' own are kept,
    so that what reads the trend from the store (the past-due report) shows what the
    Dashboard shows.  Once per distinct aging."""
    from xlar.store.api import stable_key

    if not len(past):
        return
    labels = list(w.buckets.labels)
    for day, g in past.groupby("as_of", sort=True):
        if day == w.as_of:
            continue            # the refresh's own aging, kept by _remember
        fingerprint = stable_key(source, day, *[(t["currency"], int(t["balance_cents"]),
                                                 int(t["items"])) for _, t in g.iterrows()])
        store.add_snapshot(day, g, labels, f"{source} (month end)",
                           key=f"snapshot:{day}:{fingerprint}")


def refresh(path: str | Path, source: str | Path | None = None, as_of=None,
            layout: str | None = None, mapping=None, customers: str | Path | None = None,
            edges: str | None = None, basis: str | None = None,
            progress: Progress = no_progress, user: str = "") -> RefreshResult:
    """Refresh (or create) the workbench file at *path*, saving it atomically."""
    port = XlsxPort(path, rewrites=REFRESH_REWRITES)
    w = refresh_workbook(port, source, as_of, layout, mapping, customers, edges, basis,
                         progress, user)
    progress(4, 5, "saving")
    port.save()
    progress(5, 5, "done")
    return RefreshResult(port.path, w)
