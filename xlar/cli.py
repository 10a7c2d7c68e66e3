"""The ``xlar`` command line.

Every command calls the same engine functions as the Excel ribbon.  Errors
are printed as one or two plain sentences naming the file and line, with a
non-zero exit code; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import functools
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from typer.exceptions import TyperException

from xlar import __version__

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="xlar: accounts receivable in Excel. Import ERP aging exports, age them, and keep "
         "the AR workbench up to date.",
)
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

_state = {"debug": False}

#: Errors that are the user's to fix: shown as a plain sentence, exit code 2
#: (the ribbon shows them in a message box).
_USER_ERRORS: tuple[type[BaseException], ...] = ()


def user_error_types() -> tuple[type[BaseException], ...]:
    global _USER_ERRORS
    if not _USER_ERRORS:
        from xlar.actions import UnknownAction
        from xlar.adjustments.policy import AdjustmentError
        from xlar.aging import AgingError
        from xlar.dunning import PolicyError
        from xlar.formulas import FormulaError
        from xlar.imports.files import ReadError
        from xlar.imports.mapping import MappingError
        from xlar.letters.errors import LetterError
        from xlar.metrics import MetricError
        from xlar.model import SchemaError
        from xlar.reports.office import OfficeError
        from xlar.settings import SettingsError
        from xlar.store.db import StoreError
        from xlar.terms import TermsError
        from xlar.workbench.refresh import RefreshError
        from xlar.workbench.xlsx import WorkbookLocked

        _USER_ERRORS = (StoreError, UnknownAction, PolicyError, FormulaError, MetricError,
                        ReadError, MappingError, SchemaError, SettingsError, AgingError,
                        TermsError, RefreshError, WorkbookLocked, FileNotFoundError,
                        FileExistsError, PermissionError, IsADirectoryError, AdjustmentError,
                        LetterError, OfficeError)
    return _USER_ERRORS


def friendly(fn):
    """Run a command; turn exceptions into a short message and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, TyperException):
            raise  # click shows its own usage errors (bad option values), exit code 2
        except KeyboardInterrupt:
            err.print("Stopped.")
            raise typer.Exit(130) from None
        except SystemExit:
            # Not a failure: an exit someone chose, e.g. rich's when the reader of the
            # output went away (`xlar aging ... | head -2`); it already did what is needed.
            raise
        except BrokenPipeError:
            _output_closed()
        except BaseException as e:  # noqa: BLE001 - the point is to catch everything
            if _state["debug"]:
                raise
            if isinstance(e, user_error_types()):
                msg = str(e)
                if isinstance(e, OSError) and e.filename:
                    msg = f"{e.filename}: {e.strerror}"
                err.print(f"[red]Error:[/red] {msg}")
                raise typer.Exit(2) from None
            err.print(f"[red]xlar hit an unexpected problem[/red] ({type(e).__name__}: {e}). "
                      "Nothing was saved by the step that failed. Run the same command with "
                      "--debug to see the details, and send them to whoever looks after xlar.")
            raise typer.Exit(3) from None

    return wrapper


def _output_closed() -> NoReturn:
    """The reader of the output went away (``| head``): stop quietly, as rich does and
    Python's documentation advises: stdout to devnull, so that the flush at exit does not
    fail a second time, then exit code 1."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(1) from None


@contextmanager
def progress_bar(label: str):
    """A rich progress bar fed by xlar's progress callback."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def report(done: int, total: int, message: str) -> None:
            bar.update(task, completed=done, total=total or None, description=message)

        yield report


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
):
    _state["debug"] = debug
    if version:
        console.print(f"xlar {__version__}")
        raise typer.Exit()


def _money(cents: int, currency: str) -> str:
    from xlar.money import format_money

    return format_money(int(cents), currency)


def _print_control(control) -> None:
    console.print(control.summary())
    for d in control.decisions:
        console.print(f"  [dim]decided:[/dim] {d}")


def _print_rejections(rejections, limit: int = 15) -> None:
    if not len(rejections):
        return
    t = Table(title=f"Rejected rows ({len(rejections)})", show_lines=False)
    for c in ("File", "Line", "Reason"):
        t.add_column(c, overflow="fold")
    for r in rejections.head(limit).itertuples():
        where = f"{r.sheet}!{r.line}" if r.sheet else str(r.line)
        t.add_row(r.file, where, r.reason)
    console.print(t)
    if len(rejections) > limit:
        console.print(f"  ... and {len(rejections) - limit} more (use --out to save them all)")


LayoutOpt = Annotated[str, typer.Option(
    "--layout", "-l", help="auto, generic, sap_fbl5n, dynamics_gp, quickbooks or xero.")]
MappingOpt = Annotated[Path | None, typer.Option(
    "--mapping", "-m", help="Column mapping (TOML) for the generic layout.")]
AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="Aging date, YYYY-MM-DD (default today).")]
EdgesOpt = Annotated[str | None, typer.Option(
    "--edges", help="Bucket edges in days, e.g. 0,30,60,90,120.")]
BasisOpt = Annotated[str | None, typer.Option("--basis", help="due (default) or document.")]


@app.command("import")
@friendly
def import_cmd(
    file: Annotated[Path, typer.Argument(help="ERP export (CSV, TXT, XLSX, XLS).")],
    layout: LayoutOpt = "auto",
    mapping: MappingOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the items (and a .rejected file) as CSV or XLSX.")] = None,
):
    """Read an export and report what was accepted, rejected, and whether totals agree."""
    from xlar.imports import read_open_items

    with progress_bar(f"reading {file.name}") as report:
        result = read_open_items(file, layout, mapping, report)
    _print_control(result.control)
    _print_rejections(result.rejections)
    if out is not None:
        from xlar.exports import write_frame

        write_frame(result.items, out)
        rej = out.with_name(f"{out.stem}.rejected{out.suffix}")
        write_frame(result.rejections, rej)
        console.print(f"Items written to {out}; rejected rows to {rej}")
    if not result.control.ok:
        raise typer.Exit(1)


@app.command("aging")
@friendly
def aging_cmd(
    file: Annotated[Path, typer.Argument(help="ERP export to age.")],
    as_of: AsOfOpt = None,
    edges: EdgesOpt = None,
    basis: BasisOpt = None,
    by: Annotated[str, typer.Option(
        "--by", help="customer, sales_partner, territory or collector.")] = "customer",
    top: Annotated[int, typer.Option("--top", help="Rows to show.")] = 20,
    layout: LayoutOpt = "auto",
    mapping: MappingOpt = None,
):
    """Age an export at a date and print the totals and the largest past-due groups."""
    import datetime as dt

    from xlar.aging import (
        SUMMARY_GROUPS,
        AgingError,
        age_open_items,
        aging_totals,
        as_of_date,
        make_buckets,
        open_items_at,
        summarize_aging,
    )
    from xlar.imports import read_open_items

    if by not in SUMMARY_GROUPS:
        raise AgingError(f"--by must be one of {', '.join(SUMMARY_GROUPS)}")
    day = as_of_date(as_of) if as_of else dt.date.today()
    buckets = make_buckets(edges or "0,30,60,90,120", basis or "due")
    with progress_bar(f"reading {file.name}") as report:
        result = read_open_items(file, layout, mapping, report)
    items = result.items
    if items["settled_date"].notna().any():
        items = open_items_at(items, day)
    aged = age_open_items(items, day, buckets)
    totals = aging_totals(aged)
    column, keep = SUMMARY_GROUPS[by]
    groups = summarize_aging(aged, column, keep[:1])
    console.print(f"[bold]Aging at {day:%Y-%m-%d}[/bold] ({len(aged)} items; "
                  f"{result.control.rejected} rows rejected)")
    for _, t in totals.iterrows():
        cur = t["currency"]
        tab = Table(title=f"Totals ({cur})")
        for label in ("Bucket", "Amount", "Items"):
            tab.add_column(label, justify="right" if label != "Bucket" else "left")
        for label in buckets.labels:
            tab.add_row(label, _money(t[label], cur), str(t[f"count {label}"]))
        tab.add_row("[bold]Balance[/bold]", _money(t["balance_cents"], cur), str(t["items"]))
        tab.add_row("Past due", _money(t["past_due_cents"], cur),
                    f"{t['pct_past_due']:.1%}" if t["pct_past_due"] == t["pct_past_due"] else "")
        console.print(tab)
    tab = Table(title=f"Largest past due by {by}")
    for label in (by, *keep[:1], "Past due", "Balance", "Oldest (days)"):
        tab.add_column(label)
    for _, g in groups.head(top).iterrows():
        tab.add_row(str(g[column]), *[str(g[k]) for k in keep[:1]],
                    _money(g["past_due_cents"], g["currency"]),
                    _money(g["balance_cents"], g["currency"]), str(g["oldest_days"]))
    console.print(tab)


@app.command("refresh")
@friendly
def refresh_cmd(
    workbook: Annotated[Path, typer.Argument(help="The AR workbench (.xlsx); created if missing.")],
    source: Annotated[Path | None, typer.Option(
        "--source", "-s", help="ERP export (default: source_file on the Settings sheet).")] = None,
    as_of: AsOfOpt = None,
    layout: Annotated[str | None, typer.Option(
        "--layout", "-l", help="Layout of the export.")] = None,
    mapping: MappingOpt = None,
    customers: Annotated[Path | None, typer.Option(
        "--customers", help="Customer master (CSV/XLSX).")] = None,
    edges: EdgesOpt = None,
    basis: BasisOpt = None,
):
    """Re-import the export and rewrite the workbench, keeping what you typed in it."""
    from xlar.actions import run_on_file

    with progress_bar("refreshing") as report:
        outcome = run_on_file("refresh_aging", workbook, report, source=source, as_of=as_of,
                              layout=layout, mapping=mapping, customers=customers, edges=edges,
                              basis=basis)
    _print_outcome(outcome, workbook)


def _print_outcome(outcome, workbook: Path | None = None) -> None:
    for line in outcome.details:
        console.print(f"  {line}")
    console.print(f"[green]{outcome.message}[/green]")
    if workbook is not None:
        console.print(f"Saved: {workbook.resolve()}")


@app.command("run")
@friendly
def run_cmd(
    action: Annotated[str, typer.Argument(help="Action name, as the ribbon calls it.")],
    workbook: Annotated[Path, typer.Argument(help="The workbench (.xlsx).")],
):
    """Run any ribbon action on a workbook file (what the AR tab's buttons do in Excel)."""
    from xlar.actions import run_on_file

    with progress_bar(action) as report:
        outcome = run_on_file(action, workbook, report)
    _print_outcome(outcome, workbook)


@app.command("actions")
@friendly
def actions_cmd():
    """List the actions of the AR ribbon tab and the commands that run them here."""
    from xlar.actions import registry

    tab = Table(title="AR ribbon actions")
    for c in ("Action", "Group", "Button", "Command", "What it does"):
        tab.add_column(c, overflow="fold")
    for a in registry().values():
        tab.add_row(a.name, a.group, a.label, f"xlar {a.command}", a.help)
    console.print(tab)


workbench_app = typer.Typer(help="Create and set up AR workbench workbooks.",
                            no_args_is_help=True)
app.add_typer(workbench_app, name="workbench")


@workbench_app.command("new")
@friendly
def workbench_new(
    workbook: Annotated[Path, typer.Argument(help="The workbook to create (.xlsx).")],
    source: Annotated[Path | None, typer.Option("--source", "-s",
                                                help="ERP export to refresh from.")] = None,
):
    """Create a workbench with its Settings sheet, ready for the AR ribbon."""
    from xlar.actions import run_on_file

    if workbook.exists():
        raise FileExistsError(f"{workbook} already exists; use 'xlar run setup_workbench' to add "
                              "the Settings sheet to an existing workbook")
    outcome = run_on_file("setup_workbench", workbook,
                          source_file=str(source.resolve()) if source else None)
    _print_outcome(outcome, workbook)


addin_app = typer.Typer(help="Build and install the AR ribbon add-in (xlar.xlam).",
                        no_args_is_help=True)
app.add_typer(addin_app, name="addin")


@addin_app.command("build")
@friendly
def addin_build(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write xlar.xlam.")] = Path(
        "xlar.xlam"),
):
    """Build xlar.xlam: the AR ribbon tab and its VBA, from the sources in workbooks/addin."""
    from xlar.addin import build_addin

    path = build_addin(out)
    console.print(f"[green]Add-in written:[/green] {path.resolve()}")
    console.print("Install it with: xlar addin install (Windows, macOS), see the README.")


@addin_app.command("sources")
@friendly
def addin_sources():
    """Rewrite workbooks/addin (ribbon XML and VBA callbacks) from the registered actions."""
    from xlar.actions import registry
    from xlar.addin import write_sources

    for path in write_sources():
        console.print(f"wrote {path}")
    console.print(f"{len(registry())} actions on the ribbon")


@addin_app.command("install")
@friendly
def addin_install(
    addin: Annotated[Path, typer.Option("--addin", help="The add-in to install.")] = Path(
        "xlar.xlam"),
):
    """Copy xlar.xlam into Excel's add-in folder (Windows and macOS)."""
    from xlar.addin import install_addin

    console.print(install_addin(addin))


@app.command("demo")
@friendly
def demo_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path(
        "xlar-demo"),
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sample ledger.")] = 2026,
    items: Annotated[int, typer.Option("--items", help="Number of open items.")] = 5000,
    customers: Annotated[int, typer.Option("--customers", help="Number of customers.")] = 300,
):
    """Build a sample ledger, import it, and write a complete AR workbench, today's collection
    letters and a run report into a folder."""
    from xlar.demo_run import run_demo

    with progress_bar("building the demo") as report:
        result = run_demo(out, seed=seed, items=items, customers=customers, progress=report,
                          letters=True)
    w = result.workbench_result.workbench
    console.print(f"[green]Demo written to {result.folder}[/green]")
    console.print(f"  AR workbench:  {result.workbench}")
    console.print(f"  ERP export:    {result.export}  ({w.control.accepted} items, "
                  f"{w.control.rejected} rejected on purpose: see Rejected Rows)")
    console.print(f"  Customers:     {result.customers}")
    console.print(f"  Run report:    {result.report}")
    if result.bank_file:
        console.print(f"  Bank file:     {result.bank_file}")
        console.print(f"  Cash:          {result.cash_message}")
    if result.letters_folder:
        console.print(f"  Letters:       {result.letters_folder}")
    if result.letters_message:
        console.print(f"  Letters:       {' '.join(result.letters_message.splitlines())}")
    for _, t in w.totals.iterrows():
        console.print(f"  {t['currency']}: balance {_money(t['balance_cents'], t['currency'])}, "
                      f"past due {_money(t['past_due_cents'], t['currency'])} "
                      f"({t['pct_past_due']:.0%})")
    console.print("Open the workbench in Excel (or LibreOffice); refresh it with "
                  f'xlar refresh "{result.workbench}"')


# Commands over the activity store live in their own module; importing it registers them.
# The order is the order of the commands in `xlar --help`, so it is kept as is (not sorted).
# isort: off
from xlar import cli_accounts  # noqa: E402, F401
from xlar import cli_cash  # noqa: E402, F401
from xlar import cli_adjust  # noqa: E402, F401
from xlar import cli_letters  # noqa: E402, F401
from xlar import cli_reports  # noqa: E402, F401
# isort: on


def main() -> None:
    try:
        app()
    except SystemExit as e:
        sys.exit(e.code)


if __name__ == "__main__":
    # Run the app of the imported module: commands in other modules register there.
    from xlar.cli import main as registered_main

    registered_main()
