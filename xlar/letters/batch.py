"""A letter batch on disk: everything the specialist prints, e-mails and files.

:func:`produce_batch` writes one folder per batch::

    Letters/2026-10-31 20261031-1a2b3c4d/
        docx/C10001-dunning_2.docx      one Word letter per customer (edit and reprint)
        pdf/C10001-dunning_2.pdf        one PDF per customer
        email/C10001-dunning_2.eml      one e-mail per customer with an address (PDF attached)
        letters-to-post.pdf             the letters to post, merged, for the printer
        letters-all.pdf                 every letter of the batch, merged, for the file
        partners/Past due - NAME.xlsx   each sales partner's past-due list, its PDF and e-mail
        batch.json                      what the send step reads (the outbox)
        report.md                       the batch report

The batch id is made from the letters themselves (customers, letters, levels,
amounts): making the same batch again gives the same id and the same folder, and
sending it again sends nobody twice.  PDFs come from one LibreOffice run for the
whole batch (:mod:`xlar.letters.pdf`); the letters that come out longer than a page
are laid out once more, with the header of their later pages and "Page x of y" (a
second, smaller run: see :mod:`xlar.letters.render`).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from xlar.letters.compose import FAMILY_OF
from xlar.letters.documents import (
    Company,
    Letter,
    Signature,
    amounts_by_currency,
    file_stem,
    letter_context,
)
from xlar.letters.errors import LetterError
from xlar.letters.mail import (
    PLACEHOLDER,
    Outgoing,
    fill_placeholder,
    letter_message,
    message_bytes,
)
from xlar.letters.partners import PartnerList, partner_file_stem, write_partner_workbook
from xlar.letters.pdf import finish_conversion, letter_pages, start_conversion, write_pages
from xlar.letters.render import Templates, bookmark_name, lays_out_again, print_document
from xlar.letters.words import EMAIL_CLOSING, KIND_NAMES, SALUTATIONS, email_paragraphs
from xlar.money import format_money
from xlar.progress import Progress, no_progress

__all__ = ["BatchResult", "produce_batch", "batch_id_of", "read_manifest", "outbox_of",
           "latest_batch", "letter_key", "MANIFEST"]

MANIFEST = "batch.json"


class BatchResult(NamedTuple):
    """A batch as written.

    Attributes:
      batch_id, folder: the batch and its folder.
      letters: one entry per letter (what batch.json holds).
      partners: one entry per sales-partner list.
      pages, to_post_pages: pages of letters-all.pdf and letters-to-post.pdf.
      report: the report file.
    """

    batch_id: str
    folder: Path
    letters: list[dict]
    partners: list[dict]
    pages: int
    to_post_pages: int
    report: Path


def letter_key(batch_id: str, letter: Letter) -> str:
    """``letter:BATCH:CUSTOMER:LEVEL`` (the kind for letters without a level)."""
    return f"letter:{batch_id}:{letter.customer_id}:{letter.level or letter.kind}"


def batch_id_of(letters: Sequence[Letter], as_of: dt.date) -> str:
    from xlar.store.api import stable_key

    facts = [(x.customer_id, x.kind, x.level, x.language, x.delivery, x.email,
              sorted(amounts_by_currency(x.lines, ("due", "credit", "open", "paid",
                                                   "installment")).items()),
              x.fee_cents, sum(ln.interest_cents for ln in x.lines), dict(x.details or {}))
             for x in letters]
    return f"{as_of:%Y%m%d}-{stable_key(as_of, facts)[:8]}"


def _email(letter: Letter, ctx: dict, company: Company, signature: Signature, sender: str,
           key: str, pdf: bytes) -> bytes:
    lang = letter.language
    details = dict(letter.details or {})
    values = {"customer_id": letter.customer_id, "letter": ctx["letter_name"],
              "amount": ctx["amount_due"], "pay_by": ctx["pay_by"], "date": ctx["date"],
              "phone": company.phone, "installments": details.get("installments", ""),
              "first_date": (ctx.get("plan") or {}).get("first_date", ""),
              "promised_date": (ctx.get("promise") or {}).get("promised_date", "")}
    if letter.kind in ("payment_receipt", "payment_plan", "promise_to_pay", "credit_memo"):
        values["amount"] = (ctx.get("receipt") or ctx.get("plan") or ctx.get("promise") or
                            ctx.get("credit") or {}).get("amount") or \
            (ctx.get("plan") or {}).get("total", "")
    if ctx.get("total_to_pay") and ctx["total_to_pay"] != ctx["amount_due"]:
        values["amount"] = ctx["total_to_pay"]
    paragraphs = email_paragraphs(letter.kind, lang, **values)
    if letter.kind == "special":
        paragraphs += ctx["special_paragraphs"]
    msg = letter_message(
        to=letter.email, sender=sender, reply_to=company.email, subject=ctx["subject"],
        language=lang, salutation=SALUTATIONS[lang], paragraphs=paragraphs,
        closing=EMAIL_CLOSING[lang], signature=[signature.name, signature.title, company.name],
        attachments=[(f"{KIND_NAMES[lang][letter.kind]} {letter.customer_id}.pdf", pdf,
                      "application/pdf")], key=key)
    return message_bytes(msg)


def produce_batch(letters: Sequence[Letter], company: Company, signature: Signature,
                  root: Path, as_of: dt.date, *, sender: str = "",
                  templates_folder: Path | None = None,
                  partners: Sequence[PartnerList] = (), partner_addresses: dict | None = None,
                  left_out: Sequence[tuple[str, str]] = (),
                  notes: Sequence[tuple[str, str]] = (), policy_text: str = "",
                  progress: Progress = no_progress) -> BatchResult:
    """Write the batch folder for *letters* (see the module docstring)."""
    if not letters:
        raise LetterError("there is no letter to make: every row of the Letters sheet is set to "
                          "No or left out (see Not Sent Because and the Status column)")
    as_of = dt.date.fromisoformat(str(as_of)[:10])
    batch_id = batch_id_of(letters, as_of)
    folder = Path(root) / f"{as_of:%Y-%m-%d} {batch_id}"
    work = folder / ".work"
    for sub in ("docx", "pdf", "email"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    sender = sender or company.email
    n = len(letters)
    steps = 3 * n + 2
    templates = Templates(templates_folder)
    rendered, contexts = [], []
    for i, letter in enumerate(letters):
        if i % 25 == 0:
            progress(i, steps, f"filling letter {i + 1} of {n}")
        ctx = letter_context(letter, company, signature)
        rendered.append(templates.get(letter.kind, letter.language).render(ctx))
        contexts.append(ctx)
    # One print document per template: a whole batch is a handful of conversions.
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rendered):
        groups.setdefault(str(r.template.path), []).append(i)
    docs = []
    for g, (_, idx) in enumerate(groups.items()):
        path = work / f"print-{g:02d}.docx"
        path.write_bytes(print_document([rendered[i] for i in idx]))
        docs.append((path, idx))
    progress(n, steps, f"making the PDFs of {n} letters (LibreOffice)")
    # The partners' lists (spreadsheets) convert in a second LibreOffice at the same time,
    # and while both run, the Word files and the e-mails (but their PDFs) are written.
    books = _partner_books(partners, folder, as_of, company)
    running = start_conversion([p for p, _ in docs], work / "pdf") if docs else None
    lists = start_conversion(books, folder / "partners", bookmarks=False) if books else None
    keys = [letter_key(batch_id, x) for x in letters]
    emails: list[bytes | None] = []
    for i, (letter, r, ctx) in enumerate(zip(letters, rendered, contexts, strict=True)):
        if i % 25 == 0:
            progress(n + i, steps, f"writing letter {i + 1} of {n} (Word, e-mail)")
        (folder / "docx" / f"{file_stem(letter)}.docx").write_bytes(r.docx())
        emails.append(_email(letter, ctx, company, signature, sender, keys[i], PLACEHOLDER)
                      if letter.email else None)
    pdfs = finish_conversion(running) if running else []
    book_pdfs = finish_conversion(lists) if lists else []
    progress(2 * n, steps, "cutting the PDF into letters, merging the PDFs for printing")
    pages_of: list = [None] * n
    _cut(docs, pdfs, pages_of)
    _count_pages_again(rendered, pages_of, work, progress, (2 * n, steps))
    pages = []
    for i, letter in enumerate(letters):
        pdf_path = folder / "pdf" / f"{file_stem(letter)}.pdf"
        pages.append(write_pages(pages_of[i], pdf_path))
        if emails[i] is not None:
            (folder / "email" / f"{file_stem(letter)}.eml").write_bytes(
                fill_placeholder(emails[i], pdf_path.read_bytes()))
    total_pages = write_pages((p for ps in pages_of for p in ps),
                              folder / "letters-all.pdf") if letters else 0
    to_post = folder / "letters-to-post.pdf"
    to_post.unlink(missing_ok=True)
    post = [ps for ps, x in zip(pages_of, letters, strict=True) if x.delivery == "print"]
    post_pages = write_pages((p for ps in post for p in ps), to_post) if post else 0
    entries = []
    page_no, post_no = 1, 1
    for i, (letter, ctx) in enumerate(zip(letters, contexts, strict=True)):
        stem = file_stem(letter)
        interest = sum(ln.interest_cents for ln in letter.lines)
        entries.append({
            "key": keys[i], "customer_id": letter.customer_id,
            "customer_name": letter.customer_name, "kind": letter.kind,
            "family": FAMILY_OF.get(letter.kind, letter.kind), "level": letter.level,
            "letter_name": KIND_NAMES["en"][letter.kind], "language": letter.language,
            "delivery": letter.delivery, "email": letter.email, "subject": ctx["subject"],
            "docx": f"docx/{stem}.docx", "pdf": f"pdf/{stem}.pdf",
            "eml": f"email/{stem}.eml" if letter.email else "",
            "pages": pages[i], "first_page": page_no,
            "post_page": post_no if letter.delivery == "print" else 0,
            "amounts": {g["currency"]: g["total_cents"] for g in ctx["groups"]},
            "fee_cents": letter.fee_cents, "interest_cents": interest,
        })
        page_no += pages[i]
        post_no += pages[i] if letter.delivery == "print" else 0
    partner_entries = _partners(partners, books, book_pdfs, partner_addresses or {}, batch_id,
                                as_of, company, signature, sender)
    manifest = {"batch_id": batch_id, "as_of": as_of.isoformat(),
                "made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "letters": entries, "partners": partner_entries}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False),
                                   encoding="utf-8")
    report = folder / "report.md"
    report.write_text(_report(manifest, folder, left_out, notes, policy_text, total_pages,
                              post_pages), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    progress(steps, steps, "done")
    return BatchResult(batch_id, folder, entries, partner_entries, total_pages, post_pages,
                       report)


def _cut(docs, pdfs, pages_of: list) -> None:
    """Each letter's pages (pypdf pages) from the print documents' PDFs, into *pages_of*."""
    for (_, idx), pdf in zip(docs, pdfs, strict=True):
        reader, ranges = letter_pages(pdf, [bookmark_name(k) for k in range(len(idx))])
        for i, r in zip(idx, ranges, strict=True):
            pages_of[i] = [reader.pages[p] for p in r]


def _count_pages_again(rendered, pages_of: list, work: Path, progress: Progress,
                       at: tuple[int, int]) -> None:
    """Lay out again the letters that came out longer than a page: now with the header of
    their pages after the first, and their page count for "Page x of y"."""
    shown = [1] * len(rendered)
    for attempt in (1, 2):  # a count of 10 pages instead of 2 may, rarely, add a page
        wrong = [i for i, r in enumerate(rendered)
                 if len(pages_of[i]) != shown[i] and lays_out_again(r)]
        if not wrong:
            return
        progress(*at, f"numbering the pages of {len(wrong)} letters longer than a page")
        for i in wrong:
            shown[i] = len(pages_of[i])
        groups: dict[str, list[int]] = {}
        for i in wrong:
            groups.setdefault(str(rendered[i].template.path), []).append(i)
        docs = []
        for g, idx in enumerate(groups.values()):
            path = work / f"pages-{attempt}-{g:02d}.docx"
            path.write_bytes(print_document([rendered[i] for i in idx],
                                            pages=[shown[i] for i in idx]))
            docs.append((path, idx))
        pdfs = finish_conversion(start_conversion([p for p, _ in docs], work / f"pdf{attempt}"))
        _cut(docs, pdfs, pages_of)


def _partner_books(lists, folder: Path, as_of, company) -> list[Path]:
    """Each sales partner's list as a workbook in partners/."""
    if not lists:
        return []
    out_dir = folder / "partners"
    out_dir.mkdir(exist_ok=True)
    books = []
    for lst in lists:
        path = out_dir / f"{partner_file_stem(lst.partner)}.xlsx"
        write_partner_workbook(lst, path, as_of, company.name)
        books.append(path)
    return books


def _partners(lists, books, pdfs, addresses, batch_id: str, as_of, company, signature,
              sender) -> list[dict]:
    entries = []
    for lst, book, pdf in zip(lists, books, pdfs, strict=True):
        to = addresses.get(lst.partner, "")
        key = f"partner:{batch_id}:{lst.partner}"
        eml = ""
        if to:
            owed = " and ".join(format_money(v, c) for c, v in sorted(lst.totals.items()))
            text = [f"Attached is the list of your customers' past-due items at {as_of:%B %d, %Y}"
                    f": {len(lst.items)} items of {lst.customers} customers, {owed} past due, "
                    "with the last note and next action of each account and the letter each "
                    "customer gets today.",
                    "A word from you to the customers you know best often settles an account "
                    "faster than a letter; please let us know what you hear."]
            msg = letter_message(
                to=to, sender=sender, reply_to=company.email,
                subject=f"Past-due list of your customers at {as_of:%Y-%m-%d}", language="en",
                salutation=f"Dear {lst.partner.split()[0]},", paragraphs=text,
                closing="Kind regards,", signature=[signature.name, signature.title,
                                                    company.name],
                attachments=[(book.name, book.read_bytes(), "application/vnd.openxmlformats-"
                              "officedocument.spreadsheetml.sheet"),
                             (pdf.name, pdf.read_bytes(), "application/pdf")], key=key)
            eml_path = book.with_suffix(".eml")
            eml_path.write_bytes(message_bytes(msg))
            eml = f"partners/{eml_path.name}"
        entries.append({"key": key, "partner": lst.partner, "email": to,
                        "xlsx": f"partners/{book.name}", "pdf": f"partners/{pdf.name}",
                        "eml": eml, "items": len(lst.items), "customers": lst.customers,
                        "totals": lst.totals})
    return entries


def _report(m: dict, folder: Path, left_out, notes, policy_text: str, pages: int,
            post_pages: int) -> str:
    letters = m["letters"]
    lines = [f"# Letter batch {m['batch_id']}", "",
             f"As of {m['as_of']}; made {m['made_at']} UTC; folder `{folder}`.", ""]
    if policy_text:
        lines += [f"Policy: {policy_text}", ""]
    by: dict[tuple[str, str], list[int]] = {}
    for e in letters:
        for cur, cents in e["amounts"].items():
            by.setdefault((e["letter_name"], cur), []).append(cents)
    lines += ["## Summary", "", "| Letter | Currency | Letters | Amount |", "|---|---|---:|---:|"]
    for (name, cur), values in sorted(by.items()):
        lines.append(f"| {name} | {cur} | {len(values)} | {format_money(sum(values), cur)} |")
    emailed = sum(1 for e in letters if e["delivery"] == "email")
    lines += ["", f"- {len(letters)} letters: {emailed} by e-mail, {len(letters) - emailed} to "
                  f"post ({post_pages} pages in letters-to-post.pdf); {pages} pages in "
                  "letters-all.pdf.",
              f"- {len(left_out)} past-due accounts without a letter (below).", ""]
    lines += ["## Letters", "", "| Customer | Name | Letter | Lang. | Delivery | Amount | "
              "Pages |", "|---|---|---|---|---|---:|---:|"]
    for e in letters:
        amount = " + ".join(format_money(v, c) for c, v in e["amounts"].items())
        how = e["email"] if e["delivery"] == "email" else \
            f"post (letters-to-post.pdf p. {e['post_page']})"
        lines.append(f"| {e['customer_id']} | {e['customer_name']} | {e['letter_name']} | "
                     f"{e['language']} | {how} | {amount} | {e['pages']} |")
    if notes:
        lines += ["", "## Changes and decisions", ""] + [f"- {c}: {t}" for c, t in notes]
    if left_out:
        lines += ["", "## Accounts without a letter", "", "| Customer | Why |", "|---|---|"]
        lines += [f"| {c} | {t} |" for c, t in left_out]
    if m["partners"]:
        lines += ["", "## Sales-partner lists", "", "| Partner | Customers | Items | Past due | "
                  "E-mail |", "|---|---:|---:|---:|---|"]
        for p in m["partners"]:
            owed = " + ".join(format_money(v, c) for c, v in sorted(p["totals"].items()))
            lines.append(f"| {p['partner']} | {p['customers']} | {p['items']} | {owed} | "
                         f"{p['email'] or 'no address (set sales_partner_emails)'} |")
    lines += ["", "## Next", "",
              "1. Check the letters (pdf/ or letters-all.pdf).",
              "2. Send: AR > Send Letters (or `xlar letters send WORKBOOK`): a dry run first, "
              "then with --send. Each e-mail is recorded in the activity store, so a send "
              "that stops half-way can be run again without sending anyone twice.",
              "3. Print letters-to-post.pdf and post it; the send step records those letters "
              "as posted.", ""]
    return "\n".join(lines)


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise LetterError(f"{folder} is not a letter batch (no {MANIFEST}); make one with "
                          "AR > Produce Letters or xlar letters make")
    return json.loads(path.read_text(encoding="utf-8"))


def latest_batch(root: Path) -> Path:
    """The most recently made batch under *root*."""
    found = sorted(Path(root).glob(f"*/{MANIFEST}"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise LetterError(f"there is no letter batch in {root}; make one first (AR > Produce "
                          "Letters, or xlar letters make)")
    return found[-1].parent


def outbox_of(folder: Path) -> tuple[dict, list[Outgoing]]:
    """The batch's manifest and what the send step sends (letters, then partner lists)."""
    m = read_manifest(folder)
    out = []
    for e in m["letters"]:
        amounts = e.get("amounts") or {}
        cur = next(iter(amounts), None)
        payload = {"batch": m["batch_id"], "family": e["family"], "level": e["level"],
                   "kind": e["kind"], "letter_date": m["as_of"], "letter_name": e["letter_name"],
                   "customer_name": e["customer_name"], "language": e["language"],
                   "subject": e["subject"], "pdf": e["pdf"], "amounts": amounts}
        if e["delivery"] == "email" and e["eml"]:
            out.append(Outgoing(e["key"], Path(folder) / e["eml"], e["email"], "letter_sent",
                                e["customer_id"], amounts.get(cur) if cur else None, cur,
                                payload))
        else:
            out.append(Outgoing(e["key"], None, "", "letter_posted", e["customer_id"],
                                amounts.get(cur) if cur else None, cur, payload))
    for p in m.get("partners", []):
        if p["eml"]:
            out.append(Outgoing(p["key"], Path(folder) / p["eml"], p["email"],
                                "partner_list_sent", "",
                                payload={"batch": m["batch_id"], "partner": p["partner"],
                                         "items": p["items"]}))
    return m, out
