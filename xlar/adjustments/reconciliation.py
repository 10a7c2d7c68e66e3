"""Month-end reconciliation of the AR sub-ledger to the general ledger.

Inputs: the sub-ledger (open items at the period end), the GL trial balance
(the AR control account balances), the GL detail of the control accounts
(lines with date, reference, amount and source: the period, and ideally a
few days after it), and xlar's own journal entries.

The difference is GL total - sub-ledger total.  Each explained item carries
the amount it contributes to that difference, in one of these categories:

=========================  ==================================================================
in sub-ledger, not in GL   a document of the period (or an xlar posting) the GL does not have
in GL, not in sub-ledger   a GL line from another journal naming no sub-ledger document
timing                     in both, but on either side of the period end
unapplied cash             a payment on account the GL keeps in its unapplied-cash account
manual GL entry            a line keyed by hand in the GL (source GJ, JE, manual ...)
amounts differ             the same document posted for different amounts
brought forward            the difference at the start of the period (given by the user)
=========================  ==================================================================

and *unexplained* is what is left: difference - explained.  The rules assume
the previous month reconciled (or its difference is given as brought forward);
documents dated before the period are not re-examined, except xlar postings
and unapplied cash, which are balances.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.adjustments.policy import AdjustmentError, Policy
from xlar.dates import parse_dates
from xlar.money import format_money, minor_digits, parse_amount
from xlar.text import normalise_header

__all__ = ["GLRead", "read_trial_balance", "read_gl_detail", "reconcile", "Reconciliation",
           "CATEGORIES", "MANUAL_SOURCES", "SUBLEDGER_SOURCES", "ITEM_COLUMNS", "period_bounds"]

CATEGORIES = {
    "not_in_gl": "in sub-ledger, not in GL",
    "not_in_subledger": "in GL, not in sub-ledger",
    "timing": "timing",
    "unapplied_cash": "unapplied cash",
    "manual": "manual GL entry",
    "amount": "amounts differ",
    "brought_forward": "brought forward",
}

#: GL sources (journal codes) that mean "keyed by hand in the GL".
MANUAL_SOURCES = {"gj", "je", "mj", "manual", "gl", "general journal", "sa", "adj", "journal"}
#: GL sources that mean "posted from the AR sub-ledger" (Dynamics GP RM, sales and cash
#: receipts journals, SAP customer documents DR/DG/DZ, xlar's own export).
SUBLEDGER_SOURCES = {"rm", "ar", "sj", "cr", "crj", "sls", "sales", "receipts", "dr", "dg", "dz",
                     "da", "xlar", "sd"}

ITEM_COLUMNS = ["category", "reference", "date", "description", "amount_cents", "found_in"]

_HEADERS = {
    "account": ("account", "account number", "gl account", "account no", "acct", "cuenta",
                "account id", "hkont"),
    "name": ("account name", "name", "account description", "nombre"),
    "balance": ("balance", "ending balance", "closing balance", "saldo", "saldo final",
                "net balance", "period end balance"),
    "debit": ("debit", "debe", "dr", "debit amount", "debits"),
    "credit": ("credit", "haber", "cr", "credit amount", "credits"),
    "amount": ("amount", "importe", "net amount", "net", "wrbtr"),
    "date": ("date", "posting date", "trx date", "transaction date", "fecha", "gl date",
             "budat"),
    "reference": ("reference", "document", "document number", "doc no", "referencia", "ref",
                  "xblnr", "document no", "journal reference"),
    "description": ("description", "memo", "text", "concepto", "line description", "sgtxt"),
    "source": ("source", "journal", "source code", "series", "origen", "source document",
               "blart", "document type"),
}


class GLRead(NamedTuple):
    """A GL file read: its rows, and the rows that could not be taken, with reasons."""

    frame: pd.DataFrame
    rejections: pd.DataFrame
    decisions: tuple[str, ...]


def period_bounds(period: str | dt.date) -> tuple[dt.date, dt.date]:
    """'2026-10' (or any day of it) -> (2026-10-01, 2026-10-31)."""
    if isinstance(period, dt.date):
        day = period
    else:
        text = str(period).strip()
        try:
            day = dt.date.fromisoformat(text + "-01" if len(text) == 7 else text)
        except ValueError:
            raise AdjustmentError(f"period {text!r} is not a month: use YYYY-MM (e.g. 2026-10)") \
                from None
    start = day.replace(day=1)
    end = (pd.Timestamp(start) + pd.offsets.MonthEnd(1)).date()
    return start, end


def _grid(path: Path):
    from xlar.imports.files import ReadError, read_grids

    try:
        grids = read_grids(path)
    except ReadError as e:
        raise AdjustmentError(str(e)) from None
    except FileNotFoundError:
        raise AdjustmentError(f"{path}: file not found") from None
    grids = [g for g in grids if any(any(str(c).strip() for c in r) for r in g.rows)]
    if not grids:
        raise AdjustmentError(f"{path.name}: the file is empty")
    return grids[0]


def _columns(header: list, wanted: Iterable[str]) -> dict[str, int]:
    names = [normalise_header(h) for h in header]
    out = {}
    for field in wanted:
        for i, n in enumerate(names):
            if n in _HEADERS[field] and i not in out.values():
                out[field] = i
                break
    return out


def _find_header(grid, need: tuple[str, ...], either: tuple[str, ...]):
    for at, row in enumerate(grid.rows[:30]):
        cols = _columns(row, _HEADERS)
        if all(f in cols for f in need) and any(f in cols for f in either):
            return at, cols
    raise AdjustmentError(
        f"{grid.file}: no header row found with the columns "
        f"{', '.join(need)} and one of {', '.join(either)} (e.g. Account, Balance or Debit / "
        "Credit); name the columns in the first rows of the file")


def _amount(row: list, cols: dict[str, int], digits: int) -> tuple[int | None, str | None]:
    def cell(f):
        i = cols.get(f)
        return row[i] if i is not None and i < len(row) else ""

    for f in ("balance", "amount"):
        if f in cols:
            return parse_amount(cell(f), ".", digits)
    dr, why_dr = parse_amount(cell("debit"), ".", digits) if str(cell("debit")).strip() else (0,
                                                                                             None)
    cr, why_cr = parse_amount(cell("credit"), ".", digits) if str(cell("credit")).strip() else (
        0, None)
    if why_dr or why_cr:
        return None, why_dr or why_cr
    return (dr or 0) - (cr or 0), None


def _read(path: str | Path, currency: str, need: tuple[str, ...], either: tuple[str, ...],
          fields: tuple[str, ...]) -> GLRead:
    from xlar.imports.files import cell_text, row_text

    path = Path(path)
    grid = _grid(path)
    at, cols = _find_header(grid, need, either)
    digits = minor_digits(currency)
    rows, rejected = [], []
    decisions = [f"{grid.file}: header on line {grid.lines[at]}; columns " +
                 ", ".join(f"{f}={grid.rows[at][i]!s}" for f, i in sorted(cols.items(),
                                                                          key=lambda x: x[1]))]
    printed_total = None
    for row, line in zip(grid.rows[at + 1:], grid.lines[at + 1:], strict=True):
        texts = [cell_text(c) for c in row]
        if not any(texts):
            continue
        account = texts[cols["account"]] if cols["account"] < len(texts) else ""
        amount, why = _amount(row, cols, digits)
        if "total" in account.lower() or (not account and any("total" in t.lower()
                                                              for t in texts)):
            if amount is not None:
                printed_total = amount
            rejected.append((grid.file, line, "a total line: checked against the rows, "
                                              "not added", row_text(row)))
            continue
        if not account:
            rejected.append((grid.file, line, "no account on this line", row_text(row)))
            continue
        if why:
            rejected.append((grid.file, line, why, row_text(row)))
            continue
        rec = {"account": account, "amount_cents": int(amount), "line": line}
        for f in fields:
            i = cols.get(f)
            rec[f] = row[i] if i is not None and i < len(row) else ""
        rows.append(rec)
    frame = pd.DataFrame(rows, columns=["account", "amount_cents", "line", *fields])
    frame["amount_cents"] = frame["amount_cents"].astype(np.int64)
    if printed_total is not None:
        read = int(frame["amount_cents"].sum())
        state = "matches" if read == printed_total else "DOES NOT MATCH"
        decisions.append(f"{grid.file}: the file's total {format_money(printed_total, currency)} "
                         f"{state} the lines read ({format_money(read, currency)})")
    rej = pd.DataFrame(rejected, columns=["file", "line", "reason", "raw"])
    return GLRead(frame, rej, tuple(decisions))


def read_trial_balance(path: str | Path, currency: str = "USD") -> GLRead:
    """A trial balance: account, (name), balance or debit/credit (debit balances positive)."""
    r = _read(path, currency, ("account",), ("balance", "debit", "amount"), ("name",))
    frame = r.frame.rename(columns={"amount_cents": "balance_cents"})
    frame["name"] = frame["name"].map(lambda v: "" if v is None else str(v).strip())
    return r._replace(frame=frame)


def read_gl_detail(path: str | Path, currency: str = "USD") -> GLRead:
    """GL lines: account, date, reference, description, amount or debit/credit, source."""
    r = _read(path, currency, ("account", "date"), ("amount", "debit"),
              ("date", "reference", "description", "source"))
    frame = r.frame
    parsed = parse_dates(frame["date"].astype(object))
    bad = ~parsed.ok
    rej = r.rejections
    if bad.any():
        extra = pd.DataFrame({"file": Path(path).name, "line": frame.loc[bad, "line"],
                              "reason": [f"date: {x or 'missing'}" for x in parsed.reason[bad]],
                              "raw": frame.loc[bad, "date"].astype(str)})
        rej = pd.concat([rej, extra], ignore_index=True)
    frame = frame.assign(posted_on=pd.Series(parsed.dates).dt.date)[~bad].reset_index(drop=True)
    for c in ("reference", "description", "source"):
        frame[c] = frame[c].map(lambda v: "" if v is None or (isinstance(v, float) and v != v)
                                else (str(int(v)) if isinstance(v, float) and v.is_integer()
                                      else str(v).strip()))
    return GLRead(frame.drop(columns=["date"]), rej, r.decisions)


class Reconciliation(NamedTuple):
    """The month-end reconciliation.

    Attributes:
      period_start, period_end, currency: what was reconciled.
      control_accounts: the AR control accounts.
      gl_balances: TB rows of the control accounts (account, name, balance_cents).
      gl_total, subledger_total, difference (GL - sub-ledger): minor units.
      items: the explained differences (:data:`ITEM_COLUMNS`).
      explained, unexplained: their sum, and difference - explained.
      notes: what was decided (files read, checks that could not be made).
      rejections: GL lines that could not be read.
    """

    period_start: dt.date
    period_end: dt.date
    currency: str
    control_accounts: tuple[str, ...]
    gl_balances: pd.DataFrame
    gl_total: int
    subledger_total: int
    difference: int
    items: pd.DataFrame
    explained: int
    unexplained: int
    notes: tuple[str, ...]
    rejections: pd.DataFrame


def _norm(ref) -> str:
    return str(ref or "").strip().upper()


def reconcile(subledger: pd.DataFrame, trial_balance: pd.DataFrame, detail: pd.DataFrame | None,
              journal: pd.DataFrame | None, policy: Policy, period_end: dt.date,
              period_start: dt.date | None = None, currency: str | None = None,
              brought_forward_cents: int = 0, closed: pd.DataFrame | None = None,
              rejections: pd.DataFrame | None = None,
              cash: pd.DataFrame | None = None) -> Reconciliation:
    """Reconcile the sub-ledger at *period_end* to the GL (see the module doc).

    *cash*: receipts posted in xlar and what each did to AR
    (:func:`xlar.cashapp.posting.cash_ar_entries`): the sub-ledger shows them
    before the ERP, and so the GL, has them."""
    currency = currency or policy.currency
    start = period_start or period_end.replace(day=1)
    control = tuple(a.strip() for a in policy.accounts.get("ar", "").split(",") if a.strip())
    if not control:
        raise AdjustmentError("Settings: gl_accounts has no 'ar' account: name the AR control "
                              "account(s), e.g. 'ar=1200' or 'ar=1200,1210'")
    unapplied_acct = policy.accounts.get("unapplied_cash", "").strip()
    notes: list[str] = []
    items: list[dict] = []

    def item(cat, ref, day, text, cents, found):
        items.append({"category": CATEGORIES[cat], "reference": ref, "date": day,
                      "description": text, "amount_cents": int(cents), "found_in": found})

    # -- totals ----------------------------------------------------------------------
    sl = subledger[subledger["currency"] == currency].copy()
    other = len(subledger) - len(sl)
    if other:
        notes.append(f"{other} sub-ledger items in other currencies are not part of this "
                     f"{currency} reconciliation")
    sl_dates = pd.to_datetime(sl["doc_date"]).dt.date
    later_sl = sl[sl_dates > period_end]
    sl = sl[sl_dates <= period_end]
    sl_total = int(sl["open_cents"].sum())
    tb = trial_balance.copy()
    tb["account"] = tb["account"].astype(str).str.strip()
    balances = tb[tb["account"].isin(control)]
    missing = [a for a in control if a not in set(balances["account"])]
    if missing:
        raise AdjustmentError(f"the trial balance has no line for AR control account(s) "
                              f"{', '.join(missing)} (setting gl_accounts 'ar'); check the "
                              "file or the setting")
    gl_total = int(balances["balance_cents"].sum())
    difference = gl_total - sl_total
    has_unapplied = bool(unapplied_acct) and unapplied_acct not in control and \
        unapplied_acct in set(tb["account"])

    # -- what each side knows --------------------------------------------------------
    det = detail if detail is not None else pd.DataFrame(
        columns=["account", "amount_cents", "line", "posted_on", "reference", "description",
                 "source"])
    det = det[det["account"].astype(str).str.strip().isin(control)].copy()
    det["ref"] = det["reference"].map(_norm)
    det_days = pd.to_datetime(det["posted_on"]).dt.date if len(det) else pd.Series(dtype=object)
    upto_end = det[(det_days <= period_end).to_numpy()] if len(det) else det
    in_period = det[((det_days >= start) & (det_days <= period_end)).to_numpy()] if len(det) \
        else det
    after_end = det[(det_days > period_end).to_numpy()] if len(det) else det
    gl_refs_upto = set(upto_end["ref"])
    gl_after = {r: d for r, d in zip(after_end["ref"], after_end["posted_on"], strict=True)}

    xlar_docs: set[str] = set()
    entries = pd.DataFrame()
    if journal is not None and len(journal):
        j = journal[(journal["currency"] == currency) &
                    (pd.to_datetime(journal["posted_on"]).dt.date <= period_end)]
        xlar_docs = set(j["document"].map(_norm)) | set(j["entry_id"].map(_norm))
        ar = j[j["role"] == "ar"]
        entries = ar.assign(effect=ar["debit_cents"] - ar["credit_cents"]).groupby(
            "entry_id", sort=False).agg(effect=("effect", "sum"), posted_on=("posted_on", "first"),
                                        documents=("document", lambda d: sorted(set(d))),
                                        description=("description", "first")).reset_index()
    receipts = pd.DataFrame()
    if cash is not None and len(cash):
        receipts = cash[(cash["currency"] == currency) &
                        (pd.to_datetime(cash["day"]).dt.date <= period_end)]
        for col in ("payment_id", "bank_reference"):
            xlar_docs |= set(receipts[col].map(_norm)) - {""}
    known_sl = set(sl["document"].map(_norm)) | xlar_docs | set(later_sl["document"].map(_norm))
    if closed is not None and len(closed):
        known_sl |= set(closed["document"].map(_norm))
    names_sl_docs = bool(set(det["ref"]) & (set(sl["document"].map(_norm)) |
                                            set(later_sl["document"].map(_norm))))
    if detail is None:
        notes.append("no GL detail was given: only xlar postings and unapplied cash could be "
                      "examined")
    elif not names_sl_docs:
        notes.append("the GL detail names no sub-ledger document, so sub-ledger documents could "
                      "not be compared one by one")

    # -- what xlar posted (journal entries, cash) that the GL has not got -----------
    def posted_in_xlar(ref, day, refs, effect, what, missing, source):
        """One xlar posting judged against the GL detail: nothing when the GL names it
        by the period end, timing when it does only after, else not in the GL."""
        if refs & gl_refs_upto or effect == 0:
            return
        later = next((gl_after[x] for x in refs if x in gl_after), None)
        if later is not None:
            item("timing", ref, day, f"{what}: in the GL on {later:%Y-%m-%d}, after the "
                 "period end", -effect, f"{source}, GL detail")
        elif detail is not None:
            item("not_in_gl", ref, day, f"{what}{missing}", -effect, source)

    for e in entries.to_dict("records"):
        docs = " / ".join(e["documents"])
        posted_in_xlar(e["entry_id"], e["posted_on"],
                       {_norm(e["entry_id"]), *map(_norm, e["documents"])}, e["effect"],
                       f"xlar entry {docs}", f" ({e['description']}): not in the GL; export "
                       "it (xlar adjust journal) and import it", "xlar journal")
    for r in receipts.to_dict("records") if len(receipts) else []:
        off = format_money(-r["effect"], currency)
        posted_in_xlar(r["payment_id"], r["day"],
                       {_norm(r["payment_id"]), _norm(r["bank_reference"])} - {""},
                       r["effect"], f"xlar cash receipt {r['payment_id']}"
                       + (f" of {r['customer_id']}" if r["customer_id"] else ""),
                       f" ({off} off AR): not in the GL; import its posting file (folder "
                       "'xlar postings') into the ERP", "xlar cash")

    # -- sub-ledger documents of the period the GL has not got ---------------------
    sl_rows = sl.to_dict("records")
    for r in sl_rows:
        ref = _norm(r["document"])
        if ref in xlar_docs:
            continue  # an xlar posting: judged by its journal entry above
        day = pd.Timestamp(r["doc_date"]).date()
        if r["doc_type"] == "payment":
            if has_unapplied and ref not in gl_refs_upto:
                item("unapplied_cash", r["document"], day,
                     f"payment on account of {r['customer_id']}: the GL keeps it in unapplied "
                     f"cash ({unapplied_acct}), the sub-ledger in AR", -int(r["open_cents"]),
                     "sub-ledger, trial balance")
            continue
        if detail is None or not names_sl_docs or day < start or ref in gl_refs_upto:
            continue
        if ref in gl_after:
            item("timing", r["document"], day, f"{r['doc_type'].replace('_', ' ')} of "
                 f"{r['customer_id']} dated {day:%Y-%m-%d}, in the GL on "
                 f"{gl_after[ref]:%Y-%m-%d}", -int(r["original_cents"]),
                 "sub-ledger, GL detail")
        else:
            item("not_in_gl", r["document"], day, f"{r['doc_type'].replace('_', ' ')} of "
                 f"{r['customer_id']} dated {day:%Y-%m-%d}: not in the GL",
                 -int(r["original_cents"]), "sub-ledger")

    # -- the same document, different amounts ----------------------------------------
    if detail is not None and names_sl_docs:
        by_ref = upto_end.groupby("ref")["amount_cents"]
        for r in sl_rows:
            ref = _norm(r["document"])
            day = pd.Timestamp(r["doc_date"]).date()
            if ref in xlar_docs or r["doc_type"] == "payment" or day < start or \
                    ref not in gl_refs_upto:
                continue
            original = int(r["original_cents"])
            lines = by_ref.get_group(ref)
            posted = int(lines[np.sign(lines) == np.sign(original)].sum())
            if posted != original:
                item("amount", r["document"], day, f"{r['document']} is "
                     f"{format_money(original, currency)} in the sub-ledger and "
                     f"{format_money(posted, currency)} in the GL", posted - original,
                     "sub-ledger, GL detail")

    # -- GL lines the sub-ledger has not got ---------------------------------------
    later_dates = {_norm(d): pd.Timestamp(x).date() for d, x in
                   zip(later_sl["document"], later_sl["doc_date"], strict=True)}
    for g in in_period.to_dict("records"):
        ref, src = g["ref"], normalise_header(g["source"])
        where = f"GL detail line {g['line']}"
        text = g["description"] or g["reference"] or "(no text)"
        if ref in later_dates:
            item("timing", g["reference"], g["posted_on"], f"{text}: in the GL on "
                 f"{g['posted_on']:%Y-%m-%d}, in the sub-ledger on {later_dates[ref]:%Y-%m-%d}",
                 g["amount_cents"], where)
        elif ref and ref in known_sl:
            continue
        elif src in MANUAL_SOURCES or not ref:
            item("manual", g["reference"], g["posted_on"], f"{text} (source "
                 f"{g['source'] or 'none'})", g["amount_cents"], where)
        elif src in SUBLEDGER_SOURCES:
            continue  # posted from the sub-ledger (cash receipts of closed invoices ...)
        else:
            item("not_in_subledger", g["reference"], g["posted_on"], f"{text} (source "
                 f"{g['source'] or 'none'})", g["amount_cents"], where)

    if brought_forward_cents:
        item("brought_forward", "", start, "difference at the start of the period",
             brought_forward_cents, "given")
    frame = pd.DataFrame(items, columns=ITEM_COLUMNS)
    frame["amount_cents"] = frame["amount_cents"].astype(np.int64)
    explained = int(frame["amount_cents"].sum())
    rej = rejections if rejections is not None else pd.DataFrame(
        columns=["file", "line", "reason", "raw"])
    return Reconciliation(start, period_end, currency, control,
                          balances[["account", "name", "balance_cents"]].reset_index(drop=True),
                          gl_total, sl_total, difference, frame, explained,
                          difference - explained, tuple(notes), rej)
