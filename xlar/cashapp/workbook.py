"""Cash application in the workbench: Import Bank File, Match Card Payments, Post Payments.

**Import Bank File** (ribbon: AR > Cash; CLI: ``xlar cash import``) reads a
BAI2, camt, MT940, lockbox/check register or remittance advice file, matches
its receipts against the open items (the ERP export named on the Settings
sheet, with what xlar posted since) and writes the *Cash Proposals* sheet:
one row per payment and open item, with the rule, the evidence and the
confidence.  Proposals the engine is sure of (confidence at or above the
Settings sheet's ``cash_auto_confidence``; ``cash_tolerance``,
``cash_tolerance_pct`` and ``cash_name_score`` set how bold it is, and the
command's options override them for one run) say ``Approve = Yes``; the rest
wait for the specialist.  Receipts nobody can place go to *Unidentified
Receipts*; lines of the file that could not be read to *Bank File
Rejections*.  Proposals of earlier files that were not posted stay.

**Match Card Payments** does the same for the rows typed on the *Card
Payments* sheet.  A row with a full card number is rejected and the number
masked in the sheet itself, so it is not kept anywhere.

**Post Payments** (``xlar cash post``) posts the approved rows: each payment
once (its id is the idempotency key: posting the same file again changes
nothing), deductions opened as disputes, an ERP posting file written
(CSV and XLSX), *Receipts Posted* rewritten from the store, and the aging
refreshed so the open items show the payments.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from xlar.actions import Outcome, action
from xlar.cashapp.files import BANK_FILE_FILTER, read_payments
from xlar.cashapp.matching import DEFAULT_MATCH_SETTINGS, MatchSettings, match_payments
from xlar.cashapp.model import PaymentsResult
from xlar.cashapp.posting import plan_postings
from xlar.exports import write_frame
from xlar.model import customers_from_items, overlay_customers
from xlar.money import format_money, minor_digits, parse_amount
from xlar.progress import Progress
from xlar.settings import Settings, SettingsError, settings_from_table
from xlar.store.api import PostingConflict
from xlar.workbench.layout import (
    BANK_REJECTED,
    CASH_PROPOSALS,
    RECEIPTS_POSTED,
    SETTINGS,
    UNIDENTIFIED_RECEIPTS,
)
from xlar.workbench.plan import table_plan
from xlar.workbench.port import WorkbookPort

__all__ = ["import_bank_file", "match_card_payments", "post_payments", "propose",
           "read_proposals", "match_settings", "CARD_SHEET", "CASH_SETTINGS"]

#: The sheet where card payments taken by phone are typed, and its table.
CARD_SHEET, CARD_TABLE = "Card Payments", "CardPayments"
CARD_COLUMNS = ("Date", "Customer ID", "Invoices", "Amount", "Currency", "Authorisation Code",
                "Card Last Four", "Taken By", "Note", "Status")

_MONEY = ("payment_cents", "open_cents", "apply_cents", "discount_cents", "writeoff_cents",
          "deduction_cents", "on_account_cents")
_YES = {"yes", "y", "si", "sí", "x", "true", "1", "ok", "approve", "approved"}


def _settings(port: WorkbookPort) -> Settings:
    t = port.read_table(SETTINGS.table)
    return settings_from_table(t.frame if t is not None else None)


#: The Settings sheet's cash-matching settings; a run's options of the same names
#: (``xlar cash import --auto-confidence ...``) override them for that run.
CASH_SETTINGS = ("cash_auto_confidence", "cash_tolerance", "cash_tolerance_pct",
                 "cash_name_score")


def match_settings(settings: Settings) -> MatchSettings:
    """How bold matching may be, from the Settings sheet (see xlar.settings); a value
    that cannot be used is a SettingsError naming the setting."""
    currency = (settings.currency or "USD").strip().upper()
    tolerance, why = parse_amount(str(settings.cash_tolerance).strip(), ".",
                                  minor_digits(currency))
    if why or tolerance is None or tolerance < 0:
        raise SettingsError(f"Settings: cash_tolerance {settings.cash_tolerance!r} is not an "
                            f"amount ({why or 'it must not be negative'}), e.g. 5.00")
    confidence = _number(settings.cash_auto_confidence, "cash_auto_confidence",
                         "a confidence between 0 and 1, e.g. 0.90 or 90%", in_percent=False)
    if not 0 <= confidence <= 1:
        raise SettingsError(f"Settings: cash_auto_confidence {settings.cash_auto_confidence!r} "
                            "must be between 0 and 1 (e.g. 0.90 or 90%)")
    share = _number(settings.cash_tolerance_pct, "cash_tolerance_pct",
                    "a percentage, e.g. 1% or 0.5%", in_percent=True)
    # Basis points (1 % = 100) keep the tolerance in whole numbers: cents x bp // 10,000.
    bp = share * 100
    if not 0 <= share <= 100 or bp != bp.to_integral_value():
        raise SettingsError(f"Settings: cash_tolerance_pct {settings.cash_tolerance_pct!r} "
                            "must be between 0% and 100%, with at most two decimals")
    score = _number(settings.cash_name_score, "cash_name_score",
                    "a whole number from 0 to 100, e.g. 90", in_percent=True)
    if not 0 <= score <= 100 or score != score.to_integral_value():
        raise SettingsError(f"Settings: cash_name_score {settings.cash_name_score!r} must be "
                            "a whole number from 0 to 100, e.g. 90")
    return DEFAULT_MATCH_SETTINGS._replace(
        auto_confidence=float(confidence), tolerance_cents=int(tolerance),
        tolerance_bp=int(bp), name_score=int(score))


def _number(value, setting: str, what: str, in_percent: bool) -> Decimal:
    """A setting's number, typed '0.90', '0,90' or '90%'.  With *in_percent* the number
    is in per cent already ('1%' and '1' alike); otherwise '90%' is the share 0.90."""
    text = str(value).strip()
    pct = text.endswith("%")
    try:
        n = Decimal(text.rstrip("%").strip().replace(",", "."))
    except InvalidOperation:
        raise SettingsError(f"Settings: {setting} {value!r} is not {what}") from None
    if not n.is_finite():
        raise SettingsError(f"Settings: {setting} {value!r} is not {what}")
    return n / 100 if pct and not in_percent else n


def _cash_options(port: WorkbookPort, options: dict) -> MatchSettings:
    """The matching settings of a run: the Settings sheet's, with the run's options."""
    given = {k: str(v) for k, v in options.items() if k in CASH_SETTINGS and v is not None}
    return match_settings(_settings(port)._replace(**given))


def _ledger(port: WorkbookPort, settings: Settings, store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Open items (the ERP export plus what xlar posted since) and customers."""
    from xlar.workbench.refresh import read_ledger, with_postings

    _, result, master = read_ledger(port, settings)
    result = with_postings(result, store)
    customers = customers_from_items(result.items)
    if master is not None:
        customers = overlay_customers(customers, master)
    return result.items, customers


def _posted_frame(store) -> pd.DataFrame:
    r = store.cash_receipts()
    return r[["payment_id", "payer_account", "amount_cents", "value_date", "bank_reference"]] \
        if len(r) else pd.DataFrame(columns=["payment_id", "payer_account", "amount_cents",
                                             "value_date", "bank_reference"])


def propose(read: PaymentsResult, items: pd.DataFrame, customers: pd.DataFrame, store,
            settings: MatchSettings = DEFAULT_MATCH_SETTINGS) -> pd.DataFrame:
    """Proposals for the receipts of *read*, in Cash Proposals form (approve, status,
    payer account, bank reference, source and a row key added)."""
    p = match_payments(read.payments, read.remittances, items, customers,
                       store.learned_accounts(), _posted_frame(store), settings)
    pay = read.payments.set_index("payment_id")
    p["approve"] = np.where(p["action"] == "auto", "Yes",
                            np.where(p["action"].isin(["duplicate", "ignore"]), "No", ""))
    p["status"] = ""
    for col in ("payer_account", "bank_reference", "remittance"):
        p[col] = p["payment_id"].map(pay[col]).fillna("")
    p["source"] = p["payment_id"].map(
        pay["source_file"] + " line " + pay["source_line"].astype(str)).fillna("")
    p["line"] = p["payment_id"] + ":" + p["item_key"].astype(str)
    return p


def read_proposals(port: WorkbookPort) -> pd.DataFrame:
    """The Cash Proposals table as the specialist left it, in engine form (cents)."""
    t = port.read_table(CASH_PROPOSALS.table)
    if t is None or not len(t.frame):
        return pd.DataFrame(columns=[c.field for c in CASH_PROPOSALS.columns])
    by_header = {c.header: c.field for c in CASH_PROPOSALS.columns}
    f = t.frame.rename(columns=by_header)
    f = f[[c for c in f.columns if c in by_header.values()]].copy()
    f = f[f["payment_id"].map(lambda v: v is not None and str(v).strip() != "")]
    for c in f.columns:
        if c not in _MONEY and c not in ("value_date", "confidence"):
            f[c] = f[c].map(lambda v: "" if v is None or (isinstance(v, float) and v != v)
                            else str(v).strip())
    for c in _MONEY:
        f[c] = [_cents(v, cur) for v, cur in zip(f[c], f["currency"], strict=True)]
    return f.reset_index(drop=True)


def _cents(value, currency: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, float) and value != value:
        return 0
    cents, why = parse_amount(value, ".", minor_digits(currency or "USD"))
    if why:
        raise ValueError(f"Cash Proposals: {value!r} is not an amount ({why})")
    return int(cents)


def _write_proposals(port: WorkbookPort, proposals: pd.DataFrame) -> None:
    """Rewrite Cash Proposals, keeping the specialist's own columns beside their rows."""
    t = port.read_table(CASH_PROPOSALS.table, CASH_PROPOSALS.headers)
    frame = proposals.reset_index(drop=True)
    users = [h for h in t.frame.columns if h not in CASH_PROPOSALS.headers] if t else []
    if not users:
        port.write_table(table_plan(CASH_PROPOSALS, frame))
        return
    by_line = {str(k): i for i, k in enumerate(t.frame["Line"])}
    at = [by_line.get(str(k)) for k in frame["line"]]
    cells = [[_user_cell(t.frame[u].iloc[i] if i is not None else None) for i in at]
             for u in users]
    port.write_table(table_plan(CASH_PROPOSALS, frame, users, cells))


def _file_outcome(fmt: str, read: PaymentsResult, proposals: pd.DataFrame,
                  what: str) -> Outcome:
    first = proposals.drop_duplicates("payment_id")
    counts = first["action"].value_counts()
    receipts = int((read.payments["direction"] == "credit").sum()) if len(read.payments) else 0
    c = read.control
    check = "control totals agree" if c.totals_ok else "CONTROL TOTALS DO NOT AGREE (see details)"
    rejected = f"; {c.rejected} lines rejected (see Bank File Rejections)" if c.rejected else ""
    msg = (f"{what} ({fmt}): {receipts} receipts. {counts.get('auto', 0)} matched and "
           f"pre-approved, {counts.get('review', 0)} for review, "
           f"{counts.get('unidentified', 0)} unidentified, {counts.get('duplicate', 0)} already "
           f"posted{rejected}; {check}. Check the Cash Proposals sheet, then Post Payments.")
    details = (*c.summary().splitlines(), *(f"decided: {d}" for d in c.decisions))
    return Outcome(msg, details)


def _propose_and_write(port: WorkbookPort, read: PaymentsResult, source: str,
                       progress: Progress, match: MatchSettings) -> pd.DataFrame:
    from xlar.workbench.accounts import workbench_store

    settings = _settings(port)
    store = workbench_store(port, settings)
    progress(1, 4, "reading the open items")
    items, customers = _ledger(port, settings, store)
    progress(2, 4, "matching")
    proposals = propose(read, items, customers, store, match)
    progress(3, 4, "writing Cash Proposals")
    earlier = read_proposals(port)
    posted = set(store.cash_receipts()["payment_id"]) if len(store.cash_receipts()) else set()
    kept = earlier[~earlier["payment_id"].isin(set(proposals["payment_id"]) | posted)]
    _write_proposals(port, pd.concat([kept, proposals[[c.field for c in CASH_PROPOSALS.columns]]],
                                     ignore_index=True))
    unidentified = proposals[proposals["action"] == "unidentified"].rename(
        columns={"payment_cents": "amount_cents"})
    port.write_table(table_plan(UNIDENTIFIED_RECEIPTS, unidentified.reset_index(drop=True)))
    port.write_table(table_plan(BANK_REJECTED, read.rejections.reset_index(drop=True)))
    store.record("bank_file_imported", key=f"import:{source}:{dt.datetime.now():%Y%m%d%H%M%S%f}",
                 payload={"source": source, "receipts": int(len(read.payments)),
                          "rejected": int(read.control.rejected),
                          "auto": int((proposals.drop_duplicates("payment_id")["action"]
                                       == "auto").sum())})
    progress(4, 4, "done")
    return proposals


@action("import_bank_file", "Import Bank File", "Cash", "cash import", "ImportTextFile",
        "Read a bank statement, lockbox file or remittance advice (BAI2, camt.053/054, MT940, "
        "CSV/XLSX), match every receipt to open items and list the proposals with the reason "
        "for each.", asks="file", file_filter=BANK_FILE_FILTER)
def import_bank_file(port: WorkbookPort, progress: Progress, file: str | None = None,
                     **options) -> Outcome:
    if not file:
        return Outcome("Choose the bank or remittance file to import (the button asks for it; "
                       "on the command line: xlar cash import WORKBOOK FILE).")
    match = _cash_options(port, options)  # a wrong setting stops before the file is read
    progress(0, 4, f"reading {Path(file).name}")
    fmt, read = read_payments(file, currency=_settings(port).currency)
    proposals = _propose_and_write(port, read, Path(file).name, progress, match)
    return _file_outcome(fmt, read, proposals, f"{Path(file).name} read")


@action("match_card_payments", "Match Card Payments", "Cash", "cash cards", "DataTypeCurrency",
        "Match the card payments typed on the Card Payments sheet (last four digits only) to "
        "open items and add them to Cash Proposals.")
def match_card_payments(port: WorkbookPort, progress: Progress, **options) -> Outcome:
    from xlar.cashapp.cards import (
        CARD_HEADERS,
        card_field_has_card_number,
        mask_card_field,
        mask_card_numbers,
        read_card_payments,
    )
    from xlar.text import normalise_header

    match = _cash_options(port, options)
    t = port.read_table(CARD_TABLE)
    if t is None or not len(t.frame):
        port.write_table(_card_plan(pd.DataFrame(columns=list(CARD_COLUMNS))))
        return Outcome(f"Type the card payments on the {CARD_SHEET} sheet (one row each: date, "
                       "customer, invoices, amount, authorisation code, last four digits), then "
                       "click Match Card Payments again.")
    frame = t.frame
    typed = frame.drop(columns=[c for c in ("Status",) if c in frame.columns])
    read = read_card_payments(typed, currency=_settings(port).currency,
                              first_line=t.header_row + 1)
    # Nothing that looks like a card number stays in the workbook: mask it in place.  The
    # card field is held to more: any long number there is a card number, Luhn or not.
    masked = frame.map(lambda v: mask_card_numbers(v) if isinstance(v, (str, int, float))
                       and not isinstance(v, bool) else v)
    for col in [c for c in frame.columns
                if normalise_header(c) in CARD_HEADERS["last_four"]]:
        masked[col] = frame[col].map(lambda v: mask_card_field(v) if card_field_has_card_number(v)
                                     else v)
    status = [""] * len(frame)
    for r in read.rejections.itertuples():
        at = int(r.line) - (t.header_row + 1)
        if 0 <= at < len(status):
            status[at] = f"not matched: {r.reason}"
    masked["Status"] = status
    proposals = _propose_and_write(port, read, CARD_SHEET, progress, match) \
        if len(read.payments) \
        else pd.DataFrame(columns=["payment_id", "action"])
    port.write_table(_card_plan(masked))
    return _file_outcome("card payments", read, proposals, f"{CARD_SHEET} sheet read") \
        if len(proposals) else Outcome(f"No card payment could be read: see the Status column "
                                       f"of the {CARD_SHEET} sheet.")


def _card_plan(frame: pd.DataFrame):
    from xlar.workbench.layout import Col, TableLayout

    layout = TableLayout(CARD_SHEET, CARD_TABLE, tuple(
        Col(h, h, "text", 18 if h not in ("Note", "Status") else 40) for h in CARD_COLUMNS),
        title="Card payments taken by phone. Never type the full card number: the last four "
              "digits only. Then AR > Match Card Payments.")
    for h in CARD_COLUMNS:
        if h not in frame.columns:
            frame[h] = ""
    users = [c for c in frame.columns if c not in CARD_COLUMNS]
    out = frame[list(CARD_COLUMNS)].copy()
    for c in out.columns:
        out[c] = out[c].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else v)
    return table_plan(layout, out.reset_index(drop=True), users,
                      [[_user_cell(v) for v in frame[u]] for u in users] if users else None)


def _user_cell(v):
    from xlar.workbench.merge import UserCell

    return v if isinstance(v, UserCell) else UserCell(v)


@action("post_payments", "Post Payments", "Cash", "cash post", "AcceptInvitation",
        "Post the approved rows of Cash Proposals: open items reduced, deductions opened as "
        "disputes, a posting file for the ERP written, and the aging refreshed. Posting the "
        "same payment twice does nothing.")
def post_payments(port: WorkbookPort, progress: Progress, **options) -> Outcome:
    from xlar.workbench.accounts import workbench_store
    from xlar.workbench.refresh import refresh_workbook

    settings = _settings(port)
    store = workbench_store(port, settings)
    proposals = read_proposals(port)
    approved = proposals[proposals["approve"].str.lower().isin(_YES)]
    if not len(approved):
        return Outcome("Nothing approved on Cash Proposals: type Yes in the Approve column of "
                       "the rows to post, then Post Payments.")
    progress(0, 4, "checking the approved rows")
    # Payments already in the store (a run that stopped before saving the workbook, or
    # another specialist) are left alone, not planned again against balances they moved.
    posted = store.cash_receipts()
    before = set(posted["payment_id"]) if len(posted) else set()
    again = sorted(set(approved["payment_id"]) & before)
    seen = store.last_application_id()  # before the open items: see Store.post_receipt
    items, _ = _ledger(port, settings, store)
    todo = approved[~approved["payment_id"].isin(before)]
    payments = todo.drop_duplicates("payment_id").rename(
        columns={"payment_cents": "amount_cents"})
    plan = plan_postings(todo, payments[["payment_id", "payer_name", "payer_account",
                                         "bank_reference", "source"]], items)
    progress(1, 4, "posting")
    done = []
    refused = dict(zip(plan.refused["payment_id"], plan.refused["reason"], strict=True))
    apps_by = {k: g.to_dict("records") for k, g in plan.applications.groupby("payment_id")}
    batch = tuple(plan.receipts["payment_id"])
    for r in plan.receipts.to_dict("records"):
        apps = apps_by.get(r["payment_id"], [])
        try:
            w = store.post_receipt(r, apps, _deduction_disputes(r, apps), seen, batch)
        except PostingConflict as e:
            refused[r["payment_id"]] = str(e)
            continue
        (done if w.new else again).append(r["payment_id"])
    progress(2, 4, "writing the posting file and sheets")
    files = _export_postings(port, store, [*done, *again])
    left = proposals[~proposals["payment_id"].isin(set(done) | set(again))].copy()
    left["status"] = [refused.get(p, s) for p, s in zip(left["payment_id"], left["status"],
                                                         strict=True)]
    _write_proposals(port, left)
    write_receipts_posted(port, store)
    progress(3, 4, "refreshing the aging")
    refresh_workbook(port, store=store)
    progress(4, 4, "done")
    posted_now = plan.applications[plan.applications["payment_id"].isin(done)]
    money = "; ".join(f"{format_money(int(v), c)} applied"
                      for c, v in posted_now.groupby("currency")["apply_cents"].sum().items())
    msg = (f"Posted {len(done)} payments ({money or 'nothing applied'}); "
           f"{len(again)} were posted before and were left alone; {len(refused)} refused "
           "(reason in their Status column). ")
    msg += f"Posting file for the ERP: {files[0]}." if files else ""
    return Outcome(msg.strip(), tuple(f"{k}: {v}" for k, v in refused.items()))


def _deduction_disputes(receipt: dict, apps: list[dict]) -> list[tuple[str, dict]]:
    """The disputes a payment's deductions open, posted with the payment itself."""
    return [(f"deduction:{receipt['payment_id']}:{a['item_key']}", {
        "customer_id": a["customer_id"], "document": a["document"],
        "reason_code": _reason_code(a["deduction_reason"]),
        "amount_cents": int(a["deduction_cents"]), "currency": a["currency"],
        "status": "open", "opened_on": _day(receipt["value_date"]),
        "note": f"deduction taken on payment {receipt['payment_id']}"})
        for a in apps if a["deduction_cents"]]


def _export_postings(port: WorkbookPort, store, payments: list[str]) -> list[Path]:
    """The ERP posting file for the posted *payments* that are in no posting file yet.

    Posting and writing the file cannot be one step, so the file's content and name
    come from the store alone, and writing it is recorded after: a run stopped between
    the two writes the same file again under the same name, never a second copy, and a
    run stopped before the file writes it at the next run."""
    from xlar.store.api import stable_key

    written = store.activities("cash_posting_file")
    exported = {p for payload in written["payload"] for p in (payload or {}).get("payments", [])} \
        if len(written) else set()
    pending = sorted(set(payments) - exported)
    if not pending:
        return []
    receipts = store.cash_receipts()
    receipts = receipts[receipts["payment_id"].isin(pending)]
    apps = store.cash_applications()
    apps = apps[apps["payment_id"].isin(pending)] if len(apps) else apps
    digest = stable_key(*pending)
    stem = f"cash postings {receipts['created_at'].min():%Y-%m-%d %H%M%S} {digest[:8]}"
    files = _posting_files(port, apps, receipts, stem)
    store.record("cash_posting_file", key=f"posting-file:{digest}",
                 payload={"file": files[0].name, "payments": pending})
    return files


def _day(v) -> dt.date:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return dt.date.today()
    return pd.Timestamp(v).date()


def _reason_code(text: str) -> str:
    from xlar.store.schema import DISPUTE_REASONS

    return text if text in DISPUTE_REASONS else "other"


def _posting_files(port: WorkbookPort, apps: pd.DataFrame, receipts: pd.DataFrame,
                   stem: str) -> list[Path]:
    """The ERP's cash receipt import: one row per application, and one per amount left on
    account, in units of the currency (CSV and XLSX, same content)."""
    rows = []
    pay = receipts.set_index("payment_id")
    for a in apps.to_dict("records"):
        d = 10 ** minor_digits(a["currency"])
        rows.append({"Payment ID": a["payment_id"], "Value Date": _day(pay.loc[a["payment_id"],
                                                                               "value_date"]),
                     "Customer ID": a["customer_id"], "Document": a["document"],
                     "Currency": a["currency"], "Amount Applied": a["apply_cents"] / d,
                     "Discount": a["discount_cents"] / d, "Write-off": a["writeoff_cents"] / d,
                     "Deduction": a["deduction_cents"] / d,
                     "Deduction Reason": a["deduction_reason"], "Unapplied": 0.0})
    for r in receipts.to_dict("records"):
        if r["on_account_cents"] or r["status"] != "applied":
            d = 10 ** minor_digits(r["currency"])
            rows.append({"Payment ID": r["payment_id"], "Value Date": _day(r["value_date"]),
                         "Customer ID": r["customer_id"], "Document": "",
                         "Currency": r["currency"], "Amount Applied": 0.0, "Discount": 0.0,
                         "Write-off": 0.0, "Deduction": 0.0, "Deduction Reason": "",
                         "Unapplied": (r["on_account_cents"] or r["amount_cents"]) / d})
    frame = pd.DataFrame(rows)
    base = port.path.parent if port.path is not None else Path.cwd()
    folder = base / "xlar postings"
    folder.mkdir(parents=True, exist_ok=True)
    return [write_frame(frame, folder / f"{stem}.csv"), write_frame(frame, folder / f"{stem}.xlsx")]


def write_receipts_posted(port: WorkbookPort, store) -> None:
    """Receipts Posted, from the store: one row per application or amount on account."""
    r = store.cash_receipts()
    a = store.cash_applications()
    if not len(r):
        port.write_table(table_plan(RECEIPTS_POSTED, pd.DataFrame(
            columns=[c.field for c in RECEIPTS_POSTED.columns])))
        return
    head = r.rename(columns={"customer_id": "payer_customer"})
    rows = a.merge(head[["payment_id", "value_date", "payer_name", "amount_cents", "status",
                         "source"]], on="payment_id", how="left") if len(a) else a
    if len(rows):
        rows["on_account_cents"] = 0
    on_acct = r[(r["on_account_cents"] != 0) | (r["status"] != "applied")].assign(
        document="", apply_cents=0, discount_cents=0, writeoff_cents=0, deduction_cents=0,
        deduction_reason="", rule="", item_key="")
    on_acct["on_account_cents"] = np.where(on_acct["status"] == "applied",
                                           on_acct["on_account_cents"], on_acct["amount_cents"])
    out = pd.concat([rows, on_acct], ignore_index=True)
    out["line"] = out["payment_id"] + ":" + out["item_key"].fillna("").astype(str)
    out = out.sort_values(["created_at", "id"], ascending=False, kind="stable")
    port.write_table(table_plan(RECEIPTS_POSTED, out.reset_index(drop=True)))
