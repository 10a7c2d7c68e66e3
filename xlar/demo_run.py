"""``xlar demo``: the whole daily job on a generated sample ledger.

Writes into one folder:

* ``exports/open_items.csv``: the sample ledger as an ERP export (with two
  faulty lines and a printed total, as real exports have);
* ``exports/customers.csv``: the customer master (languages, e-mails, limits);
* ``AR Workbench.xlsx``: the workbench, refreshed from that export;
* ``run-report.md``: what was read, rejected and checked, and the aging.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import NamedTuple

from xlar.money import format_money
from xlar.progress import Progress, no_progress

__all__ = ["run_demo", "DemoResult", "WORKBENCH_NAME"]

WORKBENCH_NAME = "AR Workbench.xlsx"


class DemoResult(NamedTuple):
    folder: Path
    workbench: Path
    export: Path
    customers: Path
    report: Path
    report_text: str
    workbench_result: object
    bank_file: Path | None = None
    cash_message: str = ""
    letters_folder: Path | None = None
    letters_message: str = ""


def _add_faults_and_total(export: Path) -> None:
    """Append what real exports contain: a mistyped date, a repeated line, a Total line.

    The total is the sum of every data line as printed, so the control check
    passes while the two faulty lines are rejected with their reasons.
    """
    from decimal import Decimal

    with open(export, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    col = {h: i for i, h in enumerate(header)}
    bad_date = list(body[0])
    bad_date[col["Invoice"]] = "INV-DEMO-BADDATE"
    bad_date[col["Due Date"]] = "02/31/2026"
    repeat = list(body[1])
    body += [bad_date, repeat]
    totals: dict[str, Decimal] = {}
    for r in body:
        cur = r[col["Currency"]]
        totals[cur] = totals.get(cur, Decimal(0)) + Decimal(r[col["Open Balance"]])
    with open(export, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(body)
        w.writerow([])
        for cur, total in sorted(totals.items()):  # one total per currency, as ERPs print
            footer = [""] * len(header)
            footer[0] = f"Total {cur}"
            footer[col["Currency"]] = cur
            footer[col["Open Balance"]] = str(total)
            w.writerow(footer)


#: The sample company the demo's letters come from (Settings sheet: edit it there).
DEMO_COMPANY = {"company_name": "Harbor Industrial Supply Co.",
                "company_address": "1200 Harbor Boulevard; Long Beach, CA 90802; United States",
                "company_email": "ar@harbor-supply.example", "company_phone": "+1 562 555 0140",
                "signature_name": "Laura Méndez", "signature_title": "Credit & Collections"}


def run_demo(out: str | Path = "xlar-demo", seed: int = 2026, items: int = 5000,
             customers: int = 300, progress: Progress = no_progress,
             bank_statement: bool = True, letters: bool = False) -> DemoResult:
    from xlar.demo import generate_ledger, write_demo_customers, write_demo_export
    from xlar.workbench.refresh import refresh

    folder = Path(out).resolve()
    (folder / "exports").mkdir(parents=True, exist_ok=True)
    progress(0, 5, "generating the sample ledger")
    ledger = generate_ledger(seed=seed, customers=customers, items=items)
    export = folder / "exports" / "open_items.csv"
    write_demo_export(ledger, export, layout="generic_en")
    _add_faults_and_total(export)
    cust = folder / "exports" / "customers.csv"
    write_demo_customers(ledger, cust)
    progress(1, 5, "refreshing the workbench")
    workbench = folder / WORKBENCH_NAME
    from xlar.demo_history import seed_demo_history

    seed_demo_history(workbench, seed, customers, items, ledger.as_of)  # trend and DSO inputs
    from xlar.actions import run_on_file

    run_on_file("setup_workbench", workbench, **DEMO_COMPANY)     # the letters' letterhead
    res = refresh(workbench, source=export, as_of=ledger.as_of, customers=cust,
                  progress=lambda d, t, m: progress(1, 5, m))
    progress(2, 5, "matching a day's bank statement")
    bank, cash = _demo_cash(workbench, ledger, folder, seed) if bank_statement else (None, "")
    progress(3, 5, "preparing the collection letters")
    letters_folder, said = _demo_letters(workbench, folder) if letters else (None, "")
    progress(4, 5, "writing the run report")
    report = folder / "run-report.md"
    text = _report(res, folder, export, cust, seed)
    text += "" if bank is None else (
        f"\n## Cash application\n\nThe bank statement `{bank}` (BAI2) was imported "
        f"and matched:\n\n> {cash}\n\nReview the *Cash Proposals* sheet, then post with "
        f'`xlar cash post "{workbench}"` (or AR > Post Payments).\n')
    text += "" if not said else (
        "\n## Collection letters\n\n" + "\n\n".join(f"> {x}" for x in said.split("\n"))
        + (f"\n\nThe batch is in `{letters_folder}`: a Word file, a PDF and an e-mail "
           "(.eml) per customer, `letters-to-post.pdf` to print, the sales-partner lists and "
           "a batch report. Nothing was sent: `xlar letters send` shows what it would send, "
           "and sends with --send.\n" if letters_folder else "\n"))
    report.write_text(text, encoding="utf-8")
    progress(5, 5, "done")
    return DemoResult(folder, workbench, export, cust, report, text, res, bank, cash,
                      letters_folder, said)


def _demo_letters(workbench: Path, folder: Path) -> tuple[Path | None, str]:
    """Today's dunning letters for the sample ledger: the Letters sheet filled (Letter
    Preview), then, when LibreOffice is there to make the PDFs, the batch made where the
    workbench puts it (Letters/ beside it: Produce Letters).  Nothing is sent."""
    from xlar.actions import run_on_file
    from xlar.letters.pdf import find_soffice

    preview = run_on_file("preview_letters", workbench).message
    if find_soffice() is None:
        return None, (f"{preview}\nThe letters themselves (Word, PDF, e-mail) are made by "
                      "LibreOffice, which is not installed here: install it, then run xlar "
                      f'letters make "{workbench}".')
    made = run_on_file("produce_letters", workbench)
    batch = next((d.split(": ", 1)[1] for d in made.details
                  if d.startswith("batch folder: ")), str(folder / "Letters"))
    return Path(batch), f"{preview}\n{made.message}"


def _demo_cash(workbench: Path, ledger, folder: Path, seed: int) -> tuple[Path, str]:
    """A day's receipts for the sample ledger as the bank's BAI2 file, imported into the
    workbench (proposals left for review, nothing posted)."""
    from xlar.actions import run_on_file
    from xlar.cashapp.simulate import bai2_statement, simulate_receipts

    sim = simulate_receipts(ledger.items, ledger.customers, 40, seed, as_of=ledger.as_of)
    bank = folder / "exports" / f"bank-statement-{ledger.as_of:%Y%m%d}.bai2"
    bank.write_text(bai2_statement(sim.payments, sim.remittances, ledger.as_of),
                    encoding="utf-8")
    return bank, run_on_file("import_bank_file", workbench, file=str(bank)).message


def _report(res, folder: Path, export: Path, cust: Path, seed: int) -> str:
    w = res.workbench
    c = w.control
    lines = [
        "# xlar demo run",
        "",
        f"Generated {dt.datetime.now():%Y-%m-%d %H:%M} from the sample ledger (seed {seed}).",
        "",
        f"- Workbench: `{res.path}`",
        f"- ERP export it was refreshed from: `{export}`",
        f"- Customer master: `{cust}`",
        "",
        "## Import",
        "",
        "```",
        c.summary(),
        "```",
        "",
    ]
    if c.decisions:
        lines += ["What xlar decided on its own:", ""] + [f"- {d}" for d in c.decisions] + [""]
    if len(w.rejections):
        lines += ["Rejected rows (also on the *Rejected Rows* sheet):", ""]
        lines += [f"- line {r.line}: {r.reason}" for r in w.rejections.itertuples()] + [""]
    lines += [f"## Aging at {w.as_of:%Y-%m-%d}", ""]
    for _, t in w.totals.iterrows():
        cur = t["currency"]
        lines += [f"### {cur}", "", "| Bucket | Amount | Items |", "|---|---:|---:|"]
        for label in w.buckets.labels:
            lines.append(f"| {label} | {format_money(int(t[label]), cur)} | "
                         f"{t[f'count {label}']} |")
        lines.append(f"| **Balance** | **{format_money(int(t['balance_cents']), cur)}** | "
                     f"{t['items']} |")
        lines.append(f"| Past due | {format_money(int(t['past_due_cents']), cur)} | "
                     f"{t['pct_past_due']:.1%} of balance |")
        lines.append("")
    lines += ["## Largest past-due customers, per currency", "",
              "| Customer | Partner | Past due | Oldest |", "|---|---|---:|---:|"]
    top = w.by_customer.groupby("currency", sort=True, group_keys=False).head(5)
    for _, g in top.sort_values(["currency", "past_due_cents"], ascending=[True, False]).iterrows():
        lines.append(f"| {g['customer_name']} ({g['customer_id']}) | {g['sales_partner']} | "
                     f"{format_money(int(g['past_due_cents']), g['currency'])} | "
                     f"{g['oldest_days']} days |")
    lines += ["", "## In the workbench", ""]
    lines += [
        "- *Summary*: totals per bucket as SUMIFS formulas over the OpenItems table, "
        "beside xlar's own figures and a check column.",
        f"- *Open Items*: {len(w.items)} items in the Excel table `OpenItems` (filter, sort, "
        "add your own columns: refresh keeps them).",
        f"- *Aging by Customer* ({len(w.by_customer)} rows) and *Aging by Sales Partner* "
        f"({len(w.by_partner)} rows).",
        f"- *Customers* ({len(w.customers)}): language, e-mail, credit limit.",
        "- *Closed Since Last Refresh*, *Rejected Rows*, *Run Log*, *Settings*.",
        "",
        f"Refresh it again with: `xlar refresh \"{res.path}\"`",
        "",
    ]
    return "\n".join(lines)
