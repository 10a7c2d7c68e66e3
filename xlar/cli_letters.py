"""``xlar letters ...``: the Letters actions of the AR ribbon, from the command line.

    xlar letters preview "AR Workbench.xlsx"          # the Letters sheet: who gets what
    xlar letters make "AR Workbench.xlsx"             # the batch folder, from the sheet
    xlar letters send "AR Workbench.xlsx"             # a dry run: what would be sent
    xlar letters send "AR Workbench.xlsx" --send      # send, and record each letter
    xlar letters one "AR Workbench.xlsx" statement C10001

The SMTP password comes from XLAR_SMTP_PASSWORD, never from an option or a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlar.cli import _print_outcome, app, console, friendly, progress_bar

letters_app = typer.Typer(help="Collection letters: preview, make and send a batch.",
                          no_args_is_help=True)
app.add_typer(letters_app, name="letters")

WorkbookArg = Annotated[Path, typer.Argument(help="The AR workbench (.xlsx).")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Letter date, YYYY-MM-DD "
                                                          "(default: the workbench's as-of).")]


def _existing(workbook: Path) -> Path:
    if not workbook.exists():
        raise FileNotFoundError(f"{workbook} does not exist; create it with xlar workbench new "
                                "and refresh it (xlar refresh)")
    return workbook


@letters_app.command("preview")
@friendly
def letters_preview(workbook: WorkbookArg, as_of: AsOf = None):
    """Write the Letters sheet: every past-due customer with the letter due, or why none."""
    from xlar.actions import run_on_file

    with progress_bar("letter preview") as report:
        outcome = run_on_file("preview_letters", _existing(workbook), report, as_of=as_of,
                              strict=True)
    _print_outcome(outcome, workbook)


@letters_app.command("make")
@friendly
def letters_make(workbook: WorkbookArg, as_of: AsOf = None,
                 out: Annotated[Path | None, typer.Option(
                     "--out", "-o", help="Folder for batches (default: the letter_folder "
                                         "setting, else Letters/ beside the workbook).")] = None):
    """Make the letters of the Letters sheet (as you edited it) into a batch folder."""
    from xlar.actions import run_on_file

    with progress_bar("making letters") as report:
        outcome = run_on_file("produce_letters", _existing(workbook), report, as_of=as_of,
                              folder=out, strict=True)
    _print_outcome(outcome, workbook)


@letters_app.command("send")
@friendly
def letters_send(
    workbook: WorkbookArg,
    batch: Annotated[Path | None, typer.Option(
        "--batch", "-b", help="The batch folder (default: the last one made).")] = None,
    smtp: Annotated[str | None, typer.Option(
        "--smtp", help="Mail server HOST or HOST:PORT (default: smtp_host on Settings).")] = None,
    user: Annotated[str | None, typer.Option("--user", help="SMTP login (password: "
                                                            "XLAR_SMTP_PASSWORD).")] = None,
    starttls: Annotated[bool | None, typer.Option(
        "--starttls/--no-starttls", help="Encrypt with STARTTLS before login.")] = None,
    rate: Annotated[float | None, typer.Option("--rate", help="Most e-mails a minute.")] = None,
    send: Annotated[bool, typer.Option("--send", help="Really send (without it: a dry run).")]
    = False,
    resend_uncertain: Annotated[bool, typer.Option(
        "--resend-uncertain", help="Also send the messages a stopped run may have sent (check "
                                   "the mail server's log first).")] = False,
):
    """Send the batch's e-mails and record every letter; a dry run unless --send."""
    from xlar.actions import run_on_file

    with progress_bar("sending letters") as report:
        outcome = run_on_file("send_letters", _existing(workbook), report, batch=batch,
                              send=send, resend_uncertain=resend_uncertain, smtp_host=smtp,
                              smtp_user=user, starttls=starttls, rate=rate, strict=True)
    _print_outcome(outcome, workbook)
    if any(line.startswith(("FAILED:", "UNCERTAIN:")) for line in outcome.details):
        raise typer.Exit(1)  # a nightly job must notice letters that did not go


@letters_app.command("one")
@friendly
def letters_one(
    workbook: WorkbookArg,
    kind: Annotated[str, typer.Argument(help="statement, special, credit-hold, receipt, plan, "
                                             "promise or credit-memo.")],
    customer: Annotated[str, typer.Argument(help="Customer ID.")],
    text: Annotated[str, typer.Option(help="Special letter: the text (blank line = new "
                                           "paragraph).")] = "",
    title: Annotated[str, typer.Option(help="Special letter: the subject.")] = "",
    with_items: Annotated[bool, typer.Option(
        "--with-items", help="Special letter: list the past-due items under the text.")]
    = False,
    amount: Annotated[str, typer.Option(help="Receipt: the amount paid.")] = "",
    currency: Annotated[str, typer.Option(help="Receipt: the currency.")] = "",
    invoices: Annotated[str, typer.Option(help="Receipt: INV-1=100.00,INV-2=50.00")] = "",
    auth: Annotated[str, typer.Option(help="Receipt: the authorisation code.")] = "",
    last4: Annotated[str, typer.Option(help="Receipt: the card's last four digits.")] = "",
    paid_on: Annotated[str | None, typer.Option(help="Receipt: payment date.")] = None,
    record: Annotated[str, typer.Option(help="Plan or promise: its ID (default: the "
                                             "latest).")] = "",
    document: Annotated[str, typer.Option(help="Credit memo: its number.")] = "",
    language: Annotated[str, typer.Option(help="en or es (default: the customer's).")] = "",
    as_of: AsOf = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for batches.")] = None,
):
    """Make one letter (a batch of one) for one customer; send it with letters send --batch."""
    from xlar.letters.actions import single_letter
    from xlar.workbench.port import XlsxPort

    port = XlsxPort(_existing(workbook))
    result = single_letter(port, kind, customer, as_of=as_of, folder=out, text=text,
                           title=title, with_items=with_items, amount=amount,
                           currency=currency, invoices=invoices,
                           auth_code=auth, last4=last4, paid_on=paid_on, record=record,
                           document=document, language=language)
    e = result.letters[0]
    console.print(f"[green]{e['letter_name']} for {e['customer_id']} {e['customer_name']} made"
                  f"[/green] in {result.folder}")
    console.print(f"  PDF: {result.folder / e['pdf']}")
    if e["eml"]:
        console.print(f"  E-mail to {e['email']}: {result.folder / e['eml']}")
    console.print(f'Send it with: xlar letters send "{workbook}" --batch "{result.folder}" '
                  "--send")
