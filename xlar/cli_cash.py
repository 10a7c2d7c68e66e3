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

# How bold matching may be, for this run only (default: the Settings sheet's cash_* values).
# Text, not numbers: the engine reads them as it reads the sheet, and says which is wrong.
AutoOpt = Annotated[str | None, typer.Option(
    "--auto-confidence", help="Pre-approve proposals this sure, e.g. 0.95 or 95% "
                              "(Settings: cash_auto_confidence).")]
ToleranceOpt = Annotated[str | None, typer.Option(
    "--tolerance", help="Largest short payment written off, e.g. 5.00 "
                        "(Settings: cash_tolerance).")]
TolerancePctOpt = Annotated[str | None, typer.Option(
    "--tolerance-pct", help="... and at most this share of the balance, e.g. 1% "
                            "(Settings: cash_tolerance_pct).")]
NameScoreOpt = Annotated[str | None, typer.Option(
    "--name-score", help="Lowest name likeness (0-100) to identify a payer by name "
                         "(Settings: cash_name_score).")]


def _cash_options(auto, tolerance, tolerance_pct, name_score) -> dict:
    return {"cash_auto_confidence": auto, "cash_tolerance": tolerance,
            "cash_tolerance_pct": tolerance_pct, "cash_name_score": name_score}


@cash_app.command("import")
@friendly
def cash_import(
    workbook: WorkbookArg,
    file: Annotated[Path, typer.Argument(
        help="Bank statement or remittance file: BAI2, camt.053/054, MT940, check register "
             "or remittance advice (CSV/XLSX).")],
    auto_confidence: AutoOpt = None,
    tolerance: ToleranceOpt = None,
    tolerance_pct: TolerancePctOpt = None,
    name_score: NameScoreOpt = None,
):
    """Match the receipts of a bank or remittance file; write the Cash Proposals sheet."""
    from xlar.actions import run_on_file

    with progress_bar("matching") as report:
        outcome = run_on_file("import_bank_file", workbook, report, file=str(file),
                              **_cash_options(auto_confidence, tolerance, tolerance_pct,
                                              name_score))
    _print_outcome(outcome, workbook)


@cash_app.command("cards")
@friendly
def cash_cards(workbook: WorkbookArg, auto_confidence: AutoOpt = None,
               tolerance: ToleranceOpt = None, tolerance_pct: TolerancePctOpt = None,
               name_score: NameScoreOpt = None):
    """Match the card payments typed on the Card Payments sheet."""
    from xlar.actions import run_on_file

    with progress_bar("matching") as report:
        outcome = run_on_file("match_card_payments", workbook, report,
                              **_cash_options(auto_confidence, tolerance, tolerance_pct,
                                              name_score))
    _print_outcome(outcome, workbook)


@cash_app.command("post")
@friendly
def cash_post(workbook: WorkbookArg):
    """Post the approved Cash Proposals, write the ERP posting file, refresh the aging."""
    from xlar.actions import run_on_file

    with progress_bar("posting") as report:
        outcome = run_on_file("post_payments", workbook, report)
    _print_outcome(outcome, workbook)
