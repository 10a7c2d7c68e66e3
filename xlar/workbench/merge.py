"""Keeping what the user typed across a refresh.  Pure functions, no I/O.

A table xlar writes has columns it owns (declared in :mod:`layout`) and may
have columns the user added: notes, a follow-up date, a formula.  On refresh
the user's cells stay with their row's key (the document), wherever the row
moves.  A row whose key is no longer in the export goes to the closed list
with everything typed beside it, instead of vanishing.

A user cell is a :class:`UserCell`: its value and, when it was a formula,
the formula and the row it was on, so that it can be moved to its new row
(``=K5*2`` on row 5 becomes ``=K9*2`` on row 9, as Excel would do).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["UserCell", "TableRead", "table_cell", "CarriedColumns", "carry_user_columns",
           "carry_by_group", "merge_closed", "user_columns_of"]


class UserCell(NamedTuple):
    """One cell of a user column.

    Attributes:
      value: the cell's value as last calculated/saved (None when empty or
        when a formula was never calculated).
      formula: the formula text (``=...``) or None for a constant.
      row: the sheet row the cell was on (to move relative references).
    """

    value: object
    formula: str | None = None
    row: int = 0

    @property
    def empty(self) -> bool:
        return self.formula is None and (self.value is None or self.value == "")


def table_cell(value, is_formula: bool, owned: bool, row: int, cached=None):
    """A cell as a table read gives it: an owned column's plain value (a formula there is
    not the user's: None), a user column's :class:`UserCell` (a formula with its last
    calculated value *cached*)."""
    if owned:
        return None if is_formula else value
    if is_formula:
        return UserCell(cached, str(value), row)
    return UserCell(value, None, row)


class TableRead(NamedTuple):
    """A table as found in an existing workbook.

    Attributes:
      frame: one column per header, cell values (formulas as UserCell in
        user columns; owned columns as plain values).
      header_row: sheet row of the header (rows below count from it).
    """

    frame: pd.DataFrame
    header_row: int = 1


class CarriedColumns(NamedTuple):
    """User columns to write beside the new rows, and the rows that left.

    Attributes:
      columns: user column headers, in the order the user had them.
      cells: one list of UserCell per new row (aligned with the new keys).
      leaving: previous rows (whole, owned and user columns) whose key is
        not among the new keys.
    """

    columns: list[str]
    cells: list[list[UserCell]]
    leaving: pd.DataFrame


def user_columns_of(frame: pd.DataFrame, owned: list[str]) -> list[str]:
    """Headers in *frame* that xlar does not own, in sheet order."""
    owned_set = {h.strip().lower() for h in owned}
    return [c for c in frame.columns if str(c).strip().lower() not in owned_set]


def _has_content(row: pd.Series, columns: list[str],
                 blank: dict[str, tuple] | None = None) -> bool:
    for c in columns:
        v = row[c]
        if isinstance(v, UserCell):
            if not v.empty:
                return True
        elif v is not None and v == v and v != "" and not (blank and v in blank.get(c, ())):
            return True
    return False


def carry_user_columns(new_keys: pd.Series, previous: pd.DataFrame | None, owned: list[str],
                       key: str) -> CarriedColumns:
    """Attach the previous table's user columns to the new rows by key.

    * a key present before and now keeps its user cells;
    * a new key gets empty cells, except in a *calculated column* (a user
      column whose formulas all agree, as Excel fills it down a Table):
      there it gets the same formula;
    * a previous row whose key is gone, or that has no key but has content,
      is returned in ``leaving``; rows repeating a key after the first also
      leave, so nothing typed is dropped.
    """
    if previous is None or previous.empty or key not in previous.columns:
        return CarriedColumns([], [[] for _ in range(len(new_keys))], _empty_like(previous))
    user = user_columns_of(previous, owned)
    prev = previous.copy()
    # Plain lists: a workbench has 100,000 rows, and pandas' per-element access to
    # Arrow-backed columns costs microseconds a row.
    prev_keys = ["" if v is None or v != v else str(v).strip() for v in prev[key].tolist()]
    first, by_key = [], {}
    for pos, k in enumerate(prev_keys):
        is_first = k != "" and k not in by_key
        if is_first:
            by_key[k] = pos
        first.append(is_first)
    new = new_keys.astype(str).tolist()
    wanted = set(new)
    calculated = {c: _calculated_formula(prev[c]) for c in user}
    values = {c: prev[c].tolist() for c in user}

    cells: list[list[UserCell]] = [] if user else [[] for _ in new]
    for k in new if user else ():
        i = by_key.get(k)
        if i is None:
            cells.append([calculated[c] or UserCell(None) for c in user])
        else:
            cells.append([_as_cell(values[c][i]) for c in user])

    gone = np.array([not f or k not in wanted for k, f in zip(prev_keys, first, strict=True)],
                    dtype=bool)
    leaving = prev[gone]
    # A keyless, empty row (the blank row at the foot of a Table) is no loss.
    content_cols = [c for c in prev.columns]
    leaving = leaving[[_has_content(r, content_cols) for _, r in leaving.iterrows()]]
    return CarriedColumns(user, cells, leaving.reset_index(drop=True))


def carry_by_group(new: pd.DataFrame, previous: pd.DataFrame | None, columns,
                   group: tuple[str, ...], also_owned: tuple[str, ...] = ()
                   ) -> tuple[pd.DataFrame, CarriedColumns]:
    """The user's columns of a summary table (one row per customer or partner and
    currency: Aging by Customer, Aging by Sales Partner, Worklist), kept with their
    group across a refresh.

    *columns*: the table's owned columns (layout ``Col`` records); *group*: the
    fields that, with the currency, name a row; *also_owned*: headers xlar wrote
    before that it no longer writes (bucket labels before the edges changed).
    A group no longer in the summary that has something typed beside it stays
    as a row of its own, its figures zero (nothing of it is open), so what was
    typed is not lost.  Returns the rows to write (*new* plus those) and the
    user cells for them.
    """
    empty = CarriedColumns([], [[] for _ in range(len(new))], _empty_like(previous))
    headers = {c.field: c.header for c in columns}
    key_fields = (*group, "currency")
    if previous is None or previous.empty or any(headers[f] not in previous.columns
                                                  for f in key_fields):
        return new, empty
    owned = [*headers.values(), *also_owned]
    user = user_columns_of(previous, owned)
    if not user:
        return new, empty

    def joined(frame: pd.DataFrame, names) -> pd.Series:
        parts = [frame[n].map(lambda v: "" if v is None or v != v else str(v).strip())
                 for n in names]
        out = parts[0]
        for p in parts[1:]:
            out = out + "\x1f" + p
        return out.reset_index(drop=True)

    prev = previous.reset_index(drop=True).assign(
        _group_key=joined(previous, [headers[f] for f in key_fields]))
    carried = carry_user_columns(joined(new, key_fields), prev, [*owned, "_group_key"],
                                 "_group_key")
    gone = carried.leaving
    gone = gone[[_has_content(r, user) for _, r in gone.iterrows()]] if len(gone) else gone
    if not len(gone):
        return new, carried._replace(leaving=_empty_like(previous))
    blank = {"money": 0, "int": np.nan, "pct": 0.0, "float1": np.nan, "bool": False,
             "date": pd.NaT, "datetime": pd.NaT}
    named = {*key_fields, "customer_name", "sales_partner", "collector"}
    kept = pd.DataFrame([{c.field: (r[c.header] if c.field in named and c.header in r.index
                                    else blank.get(c.kind, ""))
                          for c in columns} for _, r in gone.iterrows()])
    kept["currency"] = kept["currency"].map(lambda v: v or "")
    for c in columns:
        if c.kind == "money":
            kept[c.field] = kept[c.field].astype(np.int64)
        elif c.kind == "text":
            kept[c.field] = kept[c.field].map(lambda v: "" if v is None or v != v else str(v))
    rows = pd.concat([new, kept[[c for c in kept.columns if c in new.columns]]],
                     ignore_index=True)
    cells = carried.cells + [[_as_cell(r[c]) for c in user] for _, r in gone.iterrows()]
    return rows, CarriedColumns(user, cells, gone.reset_index(drop=True))


def _as_cell(v) -> UserCell:
    if isinstance(v, UserCell):
        return v
    if v is None or (isinstance(v, float) and v != v):
        return UserCell(None)
    return UserCell(v)


def _calculated_formula(column: pd.Series) -> UserCell | None:
    """The column's formula when every non-empty cell holds the same moved formula."""
    from openpyxl.formula.translate import Translator

    seen = None
    for v in column:
        if not isinstance(v, UserCell) or v.empty:
            continue
        if v.formula is None:
            return None
        # Bring every formula to row 1 to compare them.
        here = Translator(v.formula, origin=f"A{v.row}").translate_formula("A1") if v.row \
            else v.formula
        if seen is None:
            seen = here
        elif here != seen:
            return None
    return UserCell(None, seen, 1) if seen else None


def _empty_like(previous: pd.DataFrame | None) -> pd.DataFrame:
    return pd.DataFrame(columns=list(previous.columns) if previous is not None else [])


def merge_closed(previous_closed: pd.DataFrame | None, leaving: pd.DataFrame,
                 reopened_keys: set[str], key: str,
                 blank: dict[str, tuple] | None = None) -> pd.DataFrame:
    """The closed list after a refresh: what was there, plus what left now,
    minus items that are open again (their cells came back to Open Items).

    A previous row without a key and without content is dropped: it is the blank
    row an Excel Table keeps when it has no data, not an item, and kept it would
    come back as a row of its own on every refresh.  *blank* names values that
    count as empty in such a row (header -> values): earlier versions wrote that
    blank row back as 0.00, 0.00 and "No", which is nothing the user typed either.
    A keyless row with anything else in it stays (nothing typed is dropped).

    Newest first.  Columns are the union of both frames' columns.
    """
    if previous_closed is not None and len(previous_closed) and key in previous_closed.columns:
        # Only keyless rows are looked at cell by cell: a closed list may hold many rows.
        columns = list(previous_closed.columns)
        keep = np.ones(len(previous_closed), dtype=bool)
        for i, k in enumerate(previous_closed[key].tolist()):
            if _is_blank_key(k):
                keep[i] = _has_content(previous_closed.iloc[i], columns, blank)
        previous_closed = previous_closed[keep]
    frames = [f for f in (leaving, previous_closed) if f is not None and len(f)]
    if not frames:
        return pd.DataFrame(columns=list(leaving.columns))
    out = pd.concat(frames, ignore_index=True, sort=False)
    if key in out.columns:
        keys = out[key].map(lambda v: "" if v is None or v != v else str(v))
        out = out[~_member(keys, set(reopened_keys)) | (keys == "")]
    return out.reset_index(drop=True)


def _is_blank_key(v) -> bool:
    return v is None or v != v or str(v).strip() == ""


def reopened(previous_closed: pd.DataFrame | None, new_keys: pd.Series, key: str,
             owned: list[str]) -> pd.DataFrame:
    """Closed rows whose key is open again: their user cells go back to Open Items."""
    if previous_closed is None or previous_closed.empty or key not in previous_closed.columns:
        return pd.DataFrame()
    keys = previous_closed[key].map(lambda v: "" if v is None or v != v else str(v))
    return previous_closed[_member(keys, set(new_keys.astype(str).tolist()))]


def _member(keys: pd.Series, wanted: set) -> np.ndarray:
    """keys.isin(wanted) without pandas' Arrow-string isin, which converts the set one
    scalar at a time (0.6 s for 100,000 keys; a set lookup each takes 10 ms)."""
    return np.fromiter((k in wanted for k in keys.tolist()), dtype=bool, count=len(keys))
