"""The account sheets and the activity store: Save to Store, and showing what is stored.

**Save to Store** (ribbon: AR > Notes > Save to Store; CLI: ``xlar notes sync``)
reads the Notes, Promises, Disputes, Payment Plans and Exceptions sheets:

* a row without an ID is a new record (its ID is written back), even when its
  text repeats another row's or an earlier version's;
* a row whose cells differ from the stored record becomes its next version;
* an unchanged row does nothing, so saving twice changes nothing;
* a row that cannot be saved (a promise with no date …) stays where it is,
  as typed, with the reason in its *Saved* column.

Then each sheet is rewritten from the store (latest versions, with computed
columns such as a promise's status), in the user's row order, with the
user's own columns beside their rows, and records added elsewhere (CLI,
a colleague) at the end.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd

from xlar.actions import Outcome, action
from xlar.progress import Progress
from xlar.settings import Settings, settings_from_table
from xlar.store.api import Store, open_store, stable_key
from xlar.workbench.forms import FormDefaults, FormRow, editable_fields, read_form
from xlar.workbench.layout import FORMS, PLAN_INSTALLMENTS, SETTINGS
from xlar.workbench.merge import UserCell
from xlar.workbench.plan import display_value, rows_plan, table_plan
from xlar.workbench.port import WorkbookPort

__all__ = ["workbench_store", "save_to_store", "account_frames", "write_account_sheets",
           "read_account_sheets", "stored_display_rows"]


def _settings(port: WorkbookPort) -> Settings:
    t = port.read_table(SETTINGS.table)
    return settings_from_table(t.frame if t is not None else None)


def workbench_store(port: WorkbookPort, settings: Settings | None = None,
                    url: str | None = None) -> Store:
    """The activity store of the workbench behind *port* (see xlar.store.db)."""
    settings = settings or _settings(port)
    return open_store(url, port.path, settings.db_url or None, settings.user_name or None)


def account_frames(store: Store, as_of: dt.date) -> dict[str, pd.DataFrame]:
    """Latest stored records per kind, with the computed columns the sheets show."""
    from xlar.collections import plan_status, promise_status

    frames = {kind: store.latest(kind) for kind in FORMS}
    payments = store.payments()
    frames["promise"] = promise_status(frames["promise"], payments, as_of)
    d = frames["dispute"]
    if len(d):
        end = pd.to_datetime(d["resolved_on"]).fillna(pd.Timestamp(as_of))
        d["days_open"] = (end - pd.to_datetime(d["opened_on"])).dt.days
    plans = frames["payment_plan"]
    frames["installment"] = plan_status(plans, payments, as_of)
    if len(plans):
        inst = frames["installment"]
        open_inst = inst[~inst["status"].isin(["paid"])]
        nxt = open_inst.groupby("record_id")["due_date"].min()
        overdue = inst[inst["status"].isin(["overdue", "partly paid"]) &
                       (pd.to_datetime(inst["due_date"]) < pd.Timestamp(as_of))]
        behind = (overdue["amount_cents"] - overdue["paid_cents"]).groupby(
            overdue["record_id"]).sum()
        plans["next_due"] = plans["record_id"].map(nxt)
        plans["behind_cents"] = plans["record_id"].map(behind).fillna(0).astype("int64")
    return frames


def _saved_text(rec) -> str:
    at = pd.Timestamp(rec["created_at"])
    return f"saved v{int(rec['version'])}, {at:%Y-%m-%d %H:%M} UTC by {rec['created_by']}"


def stored_display_rows(kind: str, frame: pd.DataFrame) -> dict[str, dict]:
    """record_id -> the row as the sheet shows it (cells in display form)."""
    layout = FORMS[kind]
    out = {}
    for rec in frame.to_dict("records"):
        row = {}
        for c in layout.columns:
            if c.field == "saved":
                row["saved"] = _saved_text(rec)
            else:
                row[c.field] = display_value(rec.get(c.field), c.kind, rec.get("currency", "USD"))
        out[rec["record_id"]] = row
    return out


def _same(values: dict, stored: dict, fields: list[str]) -> bool:
    def norm(v):
        if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
            return None
        if isinstance(v, pd.Timestamp):
            return v.date()
        if isinstance(v, dt.datetime):
            return v.date()
        return v
    return all(norm(values.get(f)) == norm(stored.get(f)) for f in fields
               if f not in ("record_id",))


def _save_rows(store: Store, kind: str, rows: list[FormRow], stored: pd.DataFrame):
    """Save what changed; returns (row -> record id or None, counts, reasons by row, notes).

    A new row (no ID yet) is keyed by its content, so a rerun after a crash between
    saving and writing the IDs back finds the record it made instead of a duplicate.
    The key alone is not enough, though: the same text typed again as a new row (the
    same note next week, a second identical promise, an earlier version of a record
    that was edited since) is a new record the user wants, not the old one.  So a
    record the key finds is taken for this row only when no other row of the sheet
    shows it and it still holds exactly what the row says; otherwise the row gets a
    record of its own (the key's next occurrence).  Either way every typed row keeps
    its own text and gets its own ID: nothing typed is lost or replaced.
    """
    by_id = {r["record_id"]: r for r in stored.to_dict("records")}
    fields = [f for f in editable_fields(kind) if f != "record_id"]
    result: dict[int, str | None] = {}
    errors: dict[int, str] = {}
    notes: dict[int, str] = {}
    counts = {"new": 0, "edited": 0, "unchanged": 0, "not saved": 0}
    # Records the sheet already shows (rows with their ID), and those taken in this pass.
    taken = {row.record_id for row in rows if row.record_id and not row.blank}
    for row in rows:
        if row.blank:
            continue
        if row.error:
            errors[row.position] = row.error
            counts["not saved"] += 1
            continue
        if row.record_id:
            current = by_id.get(row.record_id)
            if current is None:
                errors[row.position] = (f"ID {row.record_id} is not in the activity store; clear "
                                        "the ID cell to save this row as a new record")
                counts["not saved"] += 1
                continue
            if _same(row.values, current, fields):
                result[row.position] = row.record_id
                counts["unchanged"] += 1
                continue
            # The key names the version edited, so saving the same edit twice is one
            # version, and editing back to an earlier text later is a new one.
            key = f"{kind}:{row.record_id}:after-v{int(current['version'])}:" \
                  f"{stable_key(*sorted(row.values.items()))}"
            store.save_version(kind, row.values, record_id=row.record_id, key=key)
            result[row.position] = row.record_id
            counts["edited"] += 1
            continue
        base = f"{kind}:new:{stable_key(*sorted(row.values.items()))}"
        for n in itertools.count(1):
            key = base if n == 1 else f"{base}:{n}"
            w = store.save_version(kind, row.values, key=key)
            rid = w.record_id or _record_of(kind, key)
            if w.new:
                counts["new"] += 1
                break
            earlier = by_id.get(rid)
            if rid not in taken and earlier is not None and _same(row.values, earlier, fields):
                # Saved before with exactly this content and shown on no row: a run that
                # stopped before writing the ID back (or a colleague's identical entry).
                counts["unchanged"] += 1
                notes[row.position] = (f"already in the activity store as {FORMS[kind].key} "
                                       f"{rid}, the same content saved "
                                       f"{pd.Timestamp(earlier['created_at']):%Y-%m-%d %H:%M} "
                                       f"UTC by {earlier['created_by']}; the row now shows it")
                break
        taken.add(rid)
        result[row.position] = rid
    return result, counts, errors, notes


def _record_of(kind: str, key: str) -> str:
    """The record an earlier save under *key* created (for activity rows that predate
    the record id in their payload): Store.save_version derives it from the key."""
    return stable_key(kind, key)[:16]


def _sheet_rows(kind: str, typed: list[FormRow], saved: dict[int, str | None],
                stored_frame: pd.DataFrame):
    """The rows a sheet shows, in the user's order, and each row's user cells."""
    layout_fields = [f for f in editable_fields(kind) if f != "record_id"]
    stored = stored_display_rows(kind, stored_frame)
    raw = {r["record_id"]: r for r in stored_frame.to_dict("records")}
    rows, user_rows, shown = [], [], set()
    for row in typed:
        if row.blank:
            if any(not c.empty for c in row.user_cells.values()):
                rows.append({})
                user_rows.append(row.user_cells)
            continue
        rid = saved.get(row.position) or row.record_id
        if rid in stored and (row.position in saved or
                              (row.values is not None and _same(row.values, raw[rid],
                                                                layout_fields))):
            rows.append(stored[rid])
            shown.add(rid)
        else:
            kept = dict(row.cells)
            if row.error:
                kept["saved"] = f"NOT SAVED: {row.error}"
            elif rid in stored:
                kept["saved"] = "edited, not saved yet (AR > Save to Store)"
                shown.add(rid)
            else:
                kept["saved"] = "new, not saved yet (AR > Save to Store)"
            rows.append(kept)
        user_rows.append(row.user_cells)
    for rid, row in stored.items():
        if rid not in shown:
            rows.append(row)
            user_rows.append({})
    return rows, user_rows


def write_account_sheets(port: WorkbookPort, frames: dict[str, pd.DataFrame],
                         typed: dict[str, list[FormRow]] | None = None,
                         saved: dict[str, dict[int, str | None]] | None = None) -> None:
    """Rewrite the account sheets: the user's rows in their order (saved or unchanged
    ones as stored, with fresh computed columns; unsaved ones exactly as typed, saying
    why), then stored records not on the sheet yet (added from the CLI, a colleague)."""
    typed, saved = typed or {}, saved or {}
    for kind, layout in FORMS.items():
        rows, user_rows = _sheet_rows(kind, typed.get(kind, []), saved.get(kind, {}),
                                      frames.get(kind, pd.DataFrame(columns=["record_id"])))
        user_columns = list(dict.fromkeys(h for u in user_rows for h in u))
        cells = [[u.get(h, UserCell(None)) for h in user_columns] for u in user_rows]
        port.write_table(rows_plan(layout, rows, user_columns, cells))
    inst = frames.get("installment")
    port.write_table(table_plan(PLAN_INSTALLMENTS, inst if inst is not None and len(inst) else
                                _empty_installments()))


def read_account_sheets(port: WorkbookPort, defaults: FormDefaults) -> dict[str, list[FormRow]]:
    """What is typed on every account sheet now."""
    out = {}
    for kind, layout in FORMS.items():
        t = port.read_table(layout.table, [c.header for c in layout.columns])
        out[kind] = read_form(kind, t.frame if t is not None else None, defaults)
    return out


def _empty_installments() -> pd.DataFrame:
    return pd.DataFrame({c.field: pd.Series(dtype="int64" if c.kind in ("int", "money")
                                            else "datetime64[ns]" if c.kind == "date"
                                            else object)
                         for c in PLAN_INSTALLMENTS.columns})


@action("save_to_store", "Save to Store", "Notes", "notes sync", "FileSave",
        "Save the notes, promises, disputes, payment plans and exceptions typed on their "
        "sheets to the activity store; rows that cannot be saved stay with the reason.")
def save_to_store(port: WorkbookPort, progress: Progress, store: Store | None = None,
                  today: dt.date | None = None, **_options) -> Outcome:
    settings = _settings(port)
    store = store or workbench_store(port, settings)
    today = today or dt.date.today()
    defaults = FormDefaults(today, settings.currency, store.user)
    typed = read_account_sheets(port, defaults)
    saved, errors, notes = {}, {}, {}
    totals = {"new": 0, "edited": 0, "unchanged": 0, "not saved": 0}
    for i, kind in enumerate(FORMS):
        progress(i, len(FORMS) + 1, f"saving {FORMS[kind].sheet}")
        saved[kind], counts, errors[kind], notes[kind] = _save_rows(
            store, kind, typed[kind], store.latest(kind))
        for k, v in counts.items():
            totals[k] += v
    progress(len(FORMS), len(FORMS) + 1, "rewriting the sheets")
    # A row whose ID the store does not know is not saved: show it with that reason.
    for kind, errs in errors.items():
        typed[kind] = [r._replace(error=errs[r.position]) if r.position in errs and not r.error
                       else r for r in typed[kind]]
    write_account_sheets(port, account_frames(store, today), typed, saved)
    details = tuple(f"{FORMS[k].sheet} row {p + 1}: NOT SAVED: {why}"
                    for k, e in errors.items() for p, why in sorted(e.items())) + \
        tuple(f"{FORMS[k].sheet} row {p + 1}: {what}"
              for k, n in notes.items() for p, what in sorted(n.items()))
    message = (f"Saved to the activity store ({store.url}): {totals['new']} new, "
               f"{totals['edited']} edited, {totals['unchanged']} unchanged")
    if totals["not saved"]:
        message += f"; {totals['not saved']} rows NOT saved (the reason is in their Saved column)"
    return Outcome(message + ".", details)
