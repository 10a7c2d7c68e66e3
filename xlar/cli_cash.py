"""CLI commands of cash application: ``xlar cash import | cards | post``.

Each runs the same action as the AR ribbon's Cash group on a workbench file
and saves it atomically, so a nightly job can import the bank's statement
and leave the proposals ready for the morning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlar.cli import _print_outcome, app, friendly, progress_bar

cash_app = typer.Typer(help="Cash application: bank files, card payments, posting.",
                       no_args_is_help=True)
app.add_typer(cash_app, name="cash")

WorkbookArg = Annotated[Path, typer.Argument(help="The AR workbench (.xlsx).")]


@cash_app.command("import")
@friendly
def cash_import(
    workbook: WorkbookArg,
    file: Annotated[Path, typer.Argument(
        help="Bank statement or remittance file: BAI2, camt.053/054, MT940, check register "
             "or remittance advice (CSV/XLSX).")],
):
    """Match the receipts of a bank or remittance file; write the Cash Proposals sheet."""
    from xlar.actions import run_on_file

    with progress_bar("matching") as report:
        outcome = run_on_file("import_bank_file", workbook, report, file=str(file))
    _print_outcome(outcome, workbook)


@cash_app.command("cards")
@friendly
def cash_cards(workbook: WorkbookArg):
    """Match the card payments typed on the Card Payments sheet."""
    from xlar.actions import run_on_file

    with progress_bar("matching") as report:
        outcome = run_on_file("match_card_payments", workbook, report)
    _print_outcome(outcome, workbook)


@cash_app.command("post")
@friendly
def cash_post(workbook: WorkbookArg):
    """Post the approved Cash Proposals, write the ERP posting file, refresh the aging."""
    from xlar.actions import run_on_file

    with progress_bar("posting") as report:
        outcome = run_on_file("post_payments", workbook, report)
    _print_outcome(outcome, workbook)
