"""CLI commands over the activity store: notes, promises, plans, holds, worklist, log.

Each finds the store the same way the workbench does: ``--db URL``, else
``XLAR_DB_URL``, else the workbench's ``db_url`` setting, else the SQLite file
beside the workbench given with ``--workbook`` (or ``~/.xlar``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from xlar.cli import app, console, friendly

DbOpt = Annotated[str | None, typer.Option("--db", help="Activity store URL.")]
WorkbookOpt = Annotated[Path | None, typer.Option(
    "--workbook", "-w", help="The workbench whose store to use.")]
UserOpt = Annotated[str | None, typer.Option("--user", help="Your name for the log.")]


def _store(db: str | None, workbook: Path | None, user: str | None):
    from xlar.store.api import open_store

    setting = None
    if workbook is not None and workbook.exists():
        from xlar.workbench.accounts import _settings
        from xlar.workbench.port import XlsxPort

        s = _settings(XlsxPort(workbook))
        setting, user = s.db_url or None, user or s.user_name or None
    return open_store(db, workbook, setting, user)


def _date(text: str | None, what: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{what} {text!r} is not a date (use YYYY-MM-DD)") from None


def _cents(text: str, currency: str) -> int:
    from xlar.money import minor_digits, parse_amount

    cents, why = parse_amount(text, ".", minor_digits(currency))
    if why:
        raise typer.BadParameter(why)
    return cents


def _key(*parts) -> str:
    from xlar.store.api import stable_key

    return stable_key(*parts)


def _said(w, what: str) -> None:
    if w.new:
        console.print(f"[green]{what} recorded[/green] (ID {w.record_id or w.activity_id}).")
    else:
        console.print(f"{what}: already recorded earlier (same details); nothing done.")


notes_app = typer.Typer(help="Account notes.", no_args_is_help=True)
app.add_typer(notes_app, name="notes")


@notes_app.command("add")
@friendly
def notes_add(customer: str, text: str,
              outcome: Annotated[str, typer.Option(help="Call outcome.")] = "",
              contact: Annotated[str, typer.Option(help="Who you spoke to.")] = "",
              next_action: Annotated[str, typer.Option(help="What happens next.")] = "",
              next_date: Annotated[str | None, typer.Option(help="When (YYYY-MM-DD).")] = None,
              document: Annotated[str, typer.Option(help="Document it is about.")] = "",
              date: Annotated[str | None, typer.Option(help="Note date (default today).")] = None,
              db: DbOpt = None, workbook: WorkbookOpt = None, user: UserOpt = None):
    """Add a note to a customer's account."""
    store = _store(db, workbook, user)
    values = dict(customer_id=customer, document=document,
                  note_date=_date(date, "date") or dt.date.today(), text=text, outcome=outcome,
                  contact=contact, next_action=next_action,
                  next_action_date=_date(next_date, "next date"))
    _said(store.save_version("note", values,
                             key=f"note:new:{_key(*sorted(values.items()))}"), "Note")


@notes_app.command("list")
@friendly
def notes_list(customer: Annotated[str | None, typer.Argument()] = None,
               db: DbOpt = None, workbook: WorkbookOpt = None):
    """List the latest version of each note (of one customer, or all)."""
    frame = _store(db, workbook, None).latest("note", customer)
    t = Table(title=f"Notes{' of ' + customer if customer else ''} ({len(frame)})")
    for c in ("Customer", "Date", "Note", "Next action", "v", "By"):
        t.add_column(c, overflow="fold")
    for r in frame.sort_values(["customer_id", "note_date"]).itertuples():
        nxt = f"{r.next_action} {r.next_action_date or ''}".strip()
        t.add_row(r.customer_id, str(r.note_date), r.text, nxt, str(r.version), r.created_by)
    console.print(t)


@notes_app.command("sync")
@friendly
def notes_sync(workbook: Path):
    """Save to Store: save what was typed on the account sheets of a workbench."""
    from xlar.actions import run_on_file
    from xlar.cli import _print_outcome

    _print_outcome(run_on_file("save_to_store", workbook), workbook)


promise_app = typer.Typer(help="Promises to pay.", no_args_is_help=True)
app.add_typer(promise_app, name="promise")


@promise_app.command("add")
@friendly
def promise_add(customer: str, amount: str, pay_by: str,
                currency: Annotated[str, typer.Option(help="Currency.")] = "USD",
                document: Annotated[str, typer.Option(help="Document promised.")] = "",
                contact: Annotated[str, typer.Option(help="Who promised.")] = "",
                db: DbOpt = None, workbook: WorkbookOpt = None, user: UserOpt = None):
    """Record a promise to pay AMOUNT by PAY_BY (YYYY-MM-DD)."""
    store = _store(db, workbook, user)
    values = dict(customer_id=customer, document=document, promised_on=dt.date.today(),
                  promised_date=_date(pay_by, "pay-by date"),
                  amount_cents=_cents(amount, currency.upper()), currency=currency.upper(),
                  contact=contact, note="", cancelled=False)
    _said(store.save_version("promise", values,
                             key=f"promise:new:{_key(*sorted(values.items()))}"), "Promise")


plan_app = typer.Typer(help="Payment plans.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")


@plan_app.command("create")
@friendly
def plan_create(customer: str, total: str, installments: int, first_date: str,
                frequency: Annotated[str, typer.Option(help="weekly, biweekly or monthly")] =
                "monthly",
                currency: Annotated[str, typer.Option(help="Currency.")] = "USD",
                db: DbOpt = None, workbook: WorkbookOpt = None, user: UserOpt = None):
    """Create a payment plan: TOTAL in INSTALLMENTS from FIRST_DATE."""
    from xlar.collections import plan_schedule
    from xlar.money import format_money

    first = _date(first_date, "first date")
    cents = _cents(total, currency.upper())
    try:
        schedule = plan_schedule(cents, installments, first, frequency)  # checks the plan
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    store = _store(db, workbook, user)
    values = dict(customer_id=customer, total_cents=cents, currency=currency.upper(),
                  installments=installments, first_date=first, frequency=frequency,
                  documents="", note="", cancelled=False)
    _said(store.save_version("payment_plan", values,
                             key=f"payment_plan:new:{_key(*sorted(values.items()))}"), "Plan")
    for i in schedule:
        console.print(f"  {i.number:>3}  {i.due_date}  {format_money(i.amount_cents, currency)}")


hold_app = typer.Typer(help="Credit holds.", no_args_is_help=True)
app.add_typer(hold_app, name="hold")


def _hold(event: str, customer: str, reason: str, db, workbook, user) -> None:
    store = _store(db, workbook, user)
    current = store.on_hold()
    if event == "placed" and customer in current:
        console.print(f"{customer} is already on hold ({current[customer]}); nothing done.")
        return
    if event == "released" and customer not in current:
        console.print(f"{customer} is not on hold; nothing done.")
        return
    n = len(store.holds())
    _said(store.hold(customer, event, reason, key=f"hold:{customer}:{event}:{n}"),
          f"Credit hold {event}")


@hold_app.command("place")
@friendly
def hold_place(customer: str, reason: Annotated[str, typer.Option(help="Why.")],
               db: DbOpt = None, workbook: WorkbookOpt = None, user: UserOpt = None):
    """Put a customer on credit hold."""
    _hold("placed", customer, reason, db, workbook, user)


@hold_app.command("release")
@friendly
def hold_release(customer: str, reason: Annotated[str, typer.Option(help="Why.")],
                 db: DbOpt = None, workbook: WorkbookOpt = None, user: UserOpt = None):
    """Release a customer's credit hold."""
    _hold("released", customer, reason, db, workbook, user)


@hold_app.command("check")
@friendly
def hold_check(workbook: Path,
               max_days: Annotated[int, typer.Option(
                   help="Hold when the oldest item is more days past due than this.")] = 90,
               apply: Annotated[bool, typer.Option(
                   "--apply", help="Place and release the holds proposed.")] = False,
               db: DbOpt = None, user: UserOpt = None):
    """Propose credit holds from the rules (over the credit limit; too old past due),
    on the aging as the workbench was last refreshed."""
    from xlar.collections import HoldPolicy, hold_candidates
    from xlar.workbench.refresh import read_previous

    store = _store(db, workbook, user)
    from xlar.workbench.port import XlsxPort

    port = XlsxPort(workbook)
    prev = read_previous(port)
    by_customer = _aging_by_customer(port)
    customers = _customers_frame(prev.customers)
    proposals = hold_candidates(by_customer, customers, store.on_hold(),
                                HoldPolicy(max_days_past_due=max_days))
    if proposals.empty:
        console.print("No credit hold to place or release.")
        return
    t = Table(title="Credit holds proposed")
    for c in ("Customer", "Action", "Why"):
        t.add_column(c, overflow="fold")
    for r in proposals.itertuples():
        t.add_row(r.customer_id, r.action, r.reason)
    console.print(t)
    if apply:
        n = len(store.holds())
        for i, r in enumerate(proposals.itertuples()):
            if r.action in ("place", "release"):
                event = "placed" if r.action == "place" else "released"
                store.hold(r.customer_id, event, r.reason, key=f"hold:{r.customer_id}:{event}:"
                           f"{n + i}", rule=r.rule)
        console.print("Holds applied and recorded in the activity log ('check' rows need a "
                      "person: the limit is in another currency).")


def _aging_by_customer(port):
    """The Aging by Customer table back in engine units (cents) for the rules."""
    from xlar.money import minor_digits

    f = port.table_frame("AgingByCustomer")
    units = f["Currency"].map(lambda c: 10 ** minor_digits(c))
    out = pd.DataFrame({
        "customer_id": f["Customer ID"].astype(str), "currency": f["Currency"],
        "balance_cents": (f["Balance"] * units).round().astype("int64"),
        "past_due_cents": (f["Past Due"] * units).round().astype("int64"),
        "oldest_days": f["Oldest (days)"].fillna(0).astype("int64"),
    })
    return out


def _customers_frame(prev_customers):
    from xlar.money import minor_digits

    f = prev_customers
    units = f["Currency"].map(lambda c: 10 ** minor_digits(c))
    return pd.DataFrame({"customer_id": f["Customer ID"].astype(str),
                         "credit_limit_cents": (f["Credit Limit"].fillna(0) * units).round()
                         .astype("int64"), "currency": f["Currency"]})


contacts_app = typer.Typer(help="Customer contacts.", no_args_is_help=True)
app.add_typer(contacts_app, name="contacts")


@contacts_app.command("add")
@friendly
def contacts_add(customer: str, name: str,
                 role: Annotated[str, typer.Option(help="e.g. AP clerk.")] = "",
                 email: Annotated[str, typer.Option(help="E-mail.")] = "",
                 phone: Annotated[str, typer.Option(help="Phone.")] = "",
                 language: Annotated[str, typer.Option(help="en or es.")] = "en",
                 db: DbOpt = None, workbook: WorkbookOpt = None, user: UserOpt = None):
    """Add a contact person to a customer."""
    if language not in ("en", "es"):
        raise typer.BadParameter("language must be en or es")
    store = _store(db, workbook, user)
    values = dict(customer_id=customer, name=name, role=role, email=email, phone=phone,
                  language=language)
    _said(store.save_version("contact", values,
                             key=f"contact:new:{_key(*sorted(values.items()))}"), "Contact")


@contacts_app.command("list")
@friendly
def contacts_list(customer: Annotated[str | None, typer.Argument()] = None,
                  db: DbOpt = None, workbook: WorkbookOpt = None):
    """List contacts (of one customer, or all)."""
    frame = _store(db, workbook, None).latest("contact", customer)
    t = Table(title=f"Contacts ({len(frame)})")
    for c in ("Customer", "Name", "Role", "E-mail", "Phone", "Lang"):
        t.add_column(c, overflow="fold")
    for r in frame.itertuples():
        t.add_row(r.customer_id, r.name, r.role, r.email, r.phone, r.language)
    console.print(t)


@app.command("worklist")
@friendly
def worklist_cmd(workbook: Path, top: Annotated[int, typer.Option(help="Rows to show.")] = 25):
    """Show today's worklist of a workbench (refreshes it first)."""
    from xlar.actions import run_on_file
    from xlar.money import format_money, minor_digits
    from xlar.workbench.port import XlsxPort

    run_on_file("refresh_aging", workbook)
    frame = XlsxPort(workbook).table_frame("Worklist")
    t = Table(title="Worklist")
    for c in ("#", "Customer", "Past due", "Why"):
        t.add_column(c, overflow="fold")
    ranked = frame[frame["Rank"].notna()].head(top)
    for r in ranked.to_dict("records"):
        # The sheet holds the amount in the currency's units: yen have no minor unit,
        # dinars three, so the scale is the currency's, not a fixed 100.
        past_due = 0 if pd.isna(r["Past Due"]) else r["Past Due"]
        minor = round(past_due * 10 ** minor_digits(r["Currency"]))
        t.add_row(str(int(r["Rank"])), f"{r['Customer Name']} ({r['Customer ID']})",
                  format_money(minor, r["Currency"]), r["Why"])
    console.print(t)


@app.command("log")
@friendly
def log_cmd(customer: Annotated[str | None, typer.Argument()] = None,
            limit: Annotated[int, typer.Option(help="Entries to show.")] = 30,
            db: DbOpt = None, workbook: WorkbookOpt = None):
    """Show the activity log (newest first)."""
    from xlar.money import format_money

    frame = _store(db, workbook, None).log(customer, limit)
    t = Table(title="Activity log")
    for c in ("When (UTC)", "Who", "Action", "Customer", "Document", "Amount"):
        t.add_column(c, overflow="fold")
    for r in frame.itertuples():
        amount = format_money(int(r.amount_cents), r.currency) \
            if pd.notna(r.amount_cents) and isinstance(r.currency, str) and r.currency else ""
        t.add_row(str(r.at), r.who, r.action, r.customer_id, r.document, amount)
    console.print(t)
