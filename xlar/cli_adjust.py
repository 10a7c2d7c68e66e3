"""``xlar adjust ...``: the Adjustments ribbon group from the command line.

validate / post / recommend / reconcile run the same actions as the ribbon on a
workbench file; approve records decisions (from the Approvals sheet, or one
request given by its ID); journal exports the posted journal lines for the GL
(generic, Dynamics GP or SAP layout); commissions prints the payout report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xlar.cli import app, console, friendly
from xlar.cli_accounts import DbOpt, UserOpt, WorkbookOpt, _date, _store

adjust_app = typer.Typer(
    help="Adjustments: credit memos, credit and rebill, invoices, write-offs, refunds, "
         "approvals, the journal for the GL, and the month-end reconciliation.",
    no_args_is_help=True)
app.add_typer(adjust_app, name="adjust")

BookArg = Annotated[Path, typer.Argument(help="The AR workbench (.xlsx).")]
TodayOpt = Annotated[str | None, typer.Option(
    "--date", help="Posting date, YYYY-MM-DD (default today).")]


def _existing(workbook: Path) -> Path:
    if not workbook.exists():
        raise FileNotFoundError(2, "no such workbook", str(workbook))
    return workbook


def _run(name: str, workbook: Path, user: str | None = None, db: str | None = None,
         **options) -> None:
    from xlar.actions import run_on_file
    from xlar.cli import _print_outcome, progress_bar

    _existing(workbook)
    if user or db:
        options["store"] = _store(db, workbook, user)
    with progress_bar(name.replace("_", " ")) as report:
        outcome = run_on_file(name, workbook, report, **options)
    _print_outcome(outcome, workbook)


@adjust_app.command("validate")
@friendly
def validate_cmd(workbook: BookArg, date: TodayOpt = None, user: UserOpt = None,
                 db: DbOpt = None):
    """Check every row of the Adjustments sheet (nothing is posted)."""
    _run("validate_adjustments", workbook, user, db, today=_date(date, "date"))


@adjust_app.command("post")
@friendly
def post_cmd(workbook: BookArg, date: TodayOpt = None,
             documents: Annotated[Path | None, typer.Option(
                 "--documents", help="Folder for credit notes and invoices (.docx).")] = None,
             user: UserOpt = None, db: DbOpt = None):
    """Post the ready rows; send those above your authority for approval."""
    _run("post_adjustments", workbook, user, db, today=_date(date, "date"),
         documents=documents)


@adjust_app.command("approve")
@friendly
def approve_cmd(
    workbook: Annotated[Path | None, typer.Argument(
        help="Workbench whose Approvals sheet holds the decisions.")] = None,
    request: Annotated[str | None, typer.Option(
        "--request", help="Decide one request by its ID instead (ADJ-...).")] = None,
    reject: Annotated[bool, typer.Option("--reject", help="Reject (default: approve).")] = False,
    note: Annotated[str, typer.Option("--note", help="Why.")] = "",
    user: UserOpt = None, db: DbOpt = None,
):
    """Record approval decisions: from the Approvals sheet, or --request ID [--reject]."""
    if request is None:
        if workbook is None:
            raise typer.BadParameter("give the workbench, or --request ID")
        _run("approve_adjustments", workbook, user, db)
        return
    from xlar.adjustments.policy import policy_from_settings
    from xlar.settings import Settings
    from xlar.store.adjustments import AdjustmentBook

    where = workbook
    settings = Settings()
    if where is not None and _existing(where):
        from xlar.adjustments.sheets import _settings
        from xlar.workbench.port import XlsxPort

        settings = _settings(XlsxPort(where))
    book = AdjustmentBook(_store(db, where, user))
    w = book.decide(request, "reject" if reject else "approve", policy_from_settings(settings),
                    note)
    if w.new:
        console.print(f"[green]{request} {'rejected' if reject else 'approved'}[/green] by "
                      f"{book.user}." + ("" if reject else " The next Post posts it."))
    else:
        console.print(f"{request} was decided earlier; nothing recorded.")


@adjust_app.command("journal")
@friendly
def journal_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write (.csv or .xlsx).")],
    fmt: Annotated[str, typer.Option(
        "--format", "-f", help="generic, gp (Dynamics GP) or sap.")] = "generic",
    date_from: Annotated[str | None, typer.Option("--from", help="First posting date.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last posting date.")] = None,
    db: DbOpt = None, workbook: WorkbookOpt = None,
):
    """Export the journal entries of posted adjustments for the GL."""
    from xlar.adjustments.journal import export_journal, unbalanced
    from xlar.adjustments.policy import AdjustmentError, policy_from_settings
    from xlar.settings import Settings
    from xlar.store.adjustments import AdjustmentBook

    settings = Settings()
    if workbook is not None and workbook.exists():
        from xlar.adjustments.sheets import _settings
        from xlar.workbench.port import XlsxPort

        settings = _settings(XlsxPort(workbook))
    journal = AdjustmentBook(_store(db, workbook, None)).journal(
        _date(date_from, "--from"), _date(date_to, "--to"))
    if journal.empty:
        raise AdjustmentError("no journal lines were posted in that period; nothing written")
    problem = unbalanced(journal.itertuples(index=False))
    if problem:
        raise AdjustmentError(f"the stored journal does not balance ({problem}); not exported")
    from xlar.money import format_money

    path = export_journal(journal, policy_from_settings(settings), fmt, out)
    entries = journal["entry_id"].nunique()
    totals = ", ".join(format_money(int(c), cur) for cur, c in
                       journal.groupby("currency")["debit_cents"].sum().items())
    console.print(f"[green]{entries} journal entries ({len(journal)} lines) written to "
                  f"{path}[/green] in the {fmt} layout; debits = credits = {totals}.")


@adjust_app.command("commissions")
@friendly
def commissions_cmd(
    date_from: Annotated[str | None, typer.Option("--from", help="First posting date.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last posting date.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Also write CSV/XLSX.")] = None,
    db: DbOpt = None, workbook: WorkbookOpt = None,
):
    """The commission adjustment report: what each partner's payout changes by."""
    from xlar.adjustments.commission import payout_report
    from xlar.money import format_money
    from xlar.store.adjustments import AdjustmentBook

    rows = AdjustmentBook(_store(db, workbook, None)).commissions(
        _date(date_from, "--from"), _date(date_to, "--to"))
    report = payout_report(rows)
    t = Table(title="Commission adjustments by sales partner")
    for c in ("Partner", "Currency"):
        t.add_column(c)
    for c in ("Adjustments", "Sales change", "Commission change"):
        t.add_column(c, justify="right")
    for r in report.itertuples():
        t.add_row(r.partner, r.currency, str(r.adjustments),
                  format_money(r.base_cents, r.currency),
                  format_money(r.commission_cents, r.currency))
    console.print(t)
    if out is not None:
        from xlar.exports import write_frame

        console.print(f"Written: {write_frame(rows.drop(columns=['id']), out)}")


@adjust_app.command("recommend")
@friendly
def recommend_cmd(workbook: BookArg, date: Annotated[str | None, typer.Option(
        "--date", help="Review date (default: the workbench's as-of date, else today).")] = None,
                  db: DbOpt = None):
    """Propose write-offs by the bad-debt rules (sheet Bad Debt Review)."""
    _run("recommend_bad_debt", workbook, None, db, today=_date(date, "date"))


@adjust_app.command("reconcile")
@friendly
def reconcile_cmd(
    workbook: BookArg,
    gl: Annotated[Path | None, typer.Option(
        "--gl", help="GL trial balance (CSV/XLSX); default: setting gl_trial_balance_file.")
    ] = None,
    gl_detail: Annotated[Path | None, typer.Option(
        "--gl-detail", help="GL detail of the AR control account(s) (CSV/XLSX).")] = None,
    period: Annotated[str | None, typer.Option(
        "--period", help="Month, YYYY-MM (default: the workbench's as-of month).")] = None,
    brought_forward: Annotated[str | None, typer.Option(
        "--brought-forward", help="Difference left from earlier months (GL - sub-ledger).")
    ] = None,
    db: DbOpt = None,
):
    """Month-end AR sub-ledger to GL reconciliation (sheet Reconciliation)."""
    from xlar.adjustments.policy import AdjustmentError
    from xlar.adjustments.sheets import _settings
    from xlar.workbench.port import XlsxPort

    if gl is None and not _settings(XlsxPort(_existing(workbook))).gl_trial_balance_file:
        raise AdjustmentError("no GL trial balance: give one with --gl, or set "
                              "gl_trial_balance_file on the Settings sheet")
    _run("reconcile_gl", workbook, None, db, gl=gl, gl_detail=gl_detail, period=period,
         brought_forward=brought_forward)
