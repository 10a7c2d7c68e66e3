"""The Letters actions of the AR ribbon (and ``xlar letters ...``): preview, produce, send.

1. **Letter Preview** reads the Open Items and Customers sheets, the Settings
   (dunning policy, delivery) and the activity store (letter history, promises,
   plans, exceptions, disputes, holds), and writes the *Letters* sheet: one row per
   past-due customer, with the letter proposed and why, or why none.
2. The specialist unticks rows (Include = No) or changes Letter, Level, Language,
   Delivery, E-mail, and types a Special Text where wanted.
3. **Produce Letters** makes the batch folder from the sheet as edited
   (:mod:`xlar.letters.batch`) and writes each row's status back.
4. **Send Letters** sends the batch's e-mails (a dry run unless told) and records
   each one, and the letters to post, in the activity store.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pandas as pd

from xlar.actions import Outcome, action
from xlar.aging import age_open_items
from xlar.dunning import describe_policy, parse_policy
from xlar.letters.errors import LetterError
from xlar.letters.sheets import (
    letters_frame_for_sheet,
    read_customers,
    read_letter_edits,
    read_open_items,
    read_settings,
)
from xlar.progress import Progress
from xlar.workbench.layout import LETTERS
from xlar.workbench.port import WorkbookPort

__all__ = ["preview_letters", "produce_letters", "send_letters", "send_letters_now",
           "letter_inputs", "company_of", "batch_root"]


class _Inputs:
    """Everything a preview or a batch is made from, read once."""

    def __init__(self, port: WorkbookPort, store=None, as_of=None):
        from xlar.letters.history import letter_facts
        from xlar.workbench.accounts import workbench_store

        self.settings = read_settings(port)
        self.as_of = pd.Timestamp(as_of).date() if as_of else self.settings.as_of_or_today()
        self.buckets = self.settings.buckets()
        self.policy = parse_policy(self.settings.dunning_policy)
        self.items = read_open_items(port)
        self.customers = read_customers(port)
        self.aged = age_open_items(self.items, self.as_of, self.buckets)
        self.store = store or workbench_store(port, self.settings)
        self.facts = letter_facts(self.store, self.as_of)
        _check_rate(self.settings.late_interest_rate)

    def selection(self):
        from xlar.letters.selection import select_letters

        return select_letters(self.aged, self.customers, self.facts, self.policy, self.as_of,
                              self.settings.letter_delivery,
                              self.settings.late_interest_rate or None)


def _said_plainly(fn):
    """Run a Letters action; what the specialist must fix first (no company name, no
    batch yet, no mail server) comes back as the action's message, for the ribbon's
    message box.  The CLI passes ``strict=True`` and gets the error (exit code 2)."""
    import functools

    @functools.wraps(fn)
    def run(port, progress, *args, strict: bool = False, **options):
        try:
            return fn(port, progress, *args, **options)
        except LetterError as e:
            if strict:
                raise
            return Outcome(f"Not done: {e}")

    return run


def letter_inputs(port: WorkbookPort, store=None, as_of=None) -> _Inputs:
    return _Inputs(port, store, as_of)


def _check_rate(rate: str) -> None:
    from decimal import Decimal, InvalidOperation

    if rate and rate.strip():
        try:
            Decimal(rate.strip().rstrip("%").strip())
        except InvalidOperation:
            raise LetterError(f"Settings: late_interest_rate {rate!r} is not a rate; write "
                              "e.g. 10.15% (or leave it blank for the ECB rate + 8)") from None


def company_of(settings):
    """Letterhead and signature from the Settings sheet; a letter needs a company name."""
    from xlar.letters.documents import Company, Signature

    if not settings.company_name.strip():
        raise LetterError("Settings: company_name is empty; the letters need your company's "
                          "name (and address, e-mail, phone) for the letterhead")
    return (Company(settings.company_name.strip(), settings.company_address.strip(),
                    settings.company_email.strip(), settings.company_phone.strip()),
            Signature(settings.signature_name.strip() or settings.user_name.strip(),
                      settings.signature_title.strip()))


def batch_root(port: WorkbookPort, settings, folder=None) -> Path:
    """Where batches go: *folder*, else the letter_folder setting, else Letters/ beside the
    workbook."""
    if folder:
        return Path(folder)
    base = port.path.parent if getattr(port, "path", None) is not None else Path.cwd()
    return settings.resolve(base, "letter_folder") or base / "Letters"


def _write_sheet(port: WorkbookPort, frame: pd.DataFrame) -> None:
    from xlar.workbench.merge import carry_user_columns
    from xlar.workbench.plan import table_plan

    owned = [c.header for c in LETTERS.columns]
    previous = port.read_table(LETTERS.table, owned)
    carried = carry_user_columns(frame["customer_id"].astype(str),
                                 previous.frame if previous is not None else None, owned,
                                 LETTERS.key)
    plan = table_plan(LETTERS, frame, carried.columns, carried.cells)
    port.write_table(plan)
    _choices(port, plan)
    if hasattr(port, "activate"):
        port.activate(LETTERS.sheet)


#: The Letters sheet's editable columns and what may be typed in them (a drop-down in Excel).
_CHOICES = {"Include": '"Yes,No"', "Letter": '"Dunning,Statement,Credit hold,Special"',
            "Level": '"1,2,3,4"', "Language": '"en,es"', "Delivery": '"email,print"'}


def _choices(port: WorkbookPort, plan) -> None:
    """Drop-down lists on the columns the specialist edits (Include works as a Yes/No
    tick box).  Only a file has them; a live Excel book keeps its own validation."""
    from xlar.workbench.port import XlsxPort

    if not isinstance(port, XlsxPort) or not plan.rows:
        return
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = port.wb[plan.sheet]
    first, last = plan.header_row + 1, plan.header_row + plan.rows
    for header, allowed in _CHOICES.items():
        col = get_column_letter(plan.headers.index(header) + 1)
        dv = DataValidation(type="list", formula1=allowed, allow_blank=True,
                            errorTitle=f"{header}", error=f"Choose one of {allowed.strip(chr(34))}")
        dv.add(f"{col}{first}:{col}{last}")
        ws.add_data_validation(dv)


def _counts(letters: pd.DataFrame) -> str:
    on = letters[letters["include"]]
    levels = Counter(int(x) for x in on.loc[on["kind"] == "dunning", "level"])
    parts = [f"level {k}: {v}" for k, v in sorted(levels.items())]
    holds = int((on["kind"] == "credit_hold").sum())
    if holds:
        parts.append(f"credit hold: {holds}")
    mail = int((on["delivery"] == "email").sum())
    return (f"{len(on)} letters ({', '.join(parts) or 'none'}; {mail} by e-mail, "
            f"{len(on) - mail} to post)")


@action("preview_letters", "Letter Preview", "Letters", "letters preview",
        "MailMergeResultsPreview",
        "List on the Letters sheet every past-due customer with the letter due today (level, "
        "language, amount, delivery) or the reason none is due; edit it before producing.")
@_said_plainly
def preview_letters(port: WorkbookPort, progress: Progress, store=None, as_of=None,
                    **_options) -> Outcome:
    progress(0, 3, "reading the open items and the activity store")
    inputs = _Inputs(port, store, as_of)
    progress(1, 3, "choosing the letters")
    sel = inputs.selection()
    progress(2, 3, "writing the Letters sheet")
    _write_sheet(port, letters_frame_for_sheet(sel.letters))
    progress(3, 3, "done")
    out = sel.letters[~sel.letters["include"]]
    details = (f"policy: {describe_policy(inputs.policy)}",
               *(f"{r.customer_id} {r.customer_name}: {r.excluded_reason}"
                 for r in out.head(30).itertuples()))
    return Outcome(f"Letter preview at {inputs.as_of:%Y-%m-%d}: {_counts(sel.letters)}; "
                   f"{len(out)} past-due accounts left out (see Not Sent Because). Review the "
                   "Letters sheet, then Produce Letters.", details)


def _status_of(result, composed) -> dict[str, str]:
    status = {}
    for e in result.letters:
        how = f"e-mail to {e['email']}" if e["delivery"] == "email" else \
            f"to post, page {e['post_page']} of letters-to-post.pdf"
        status[e["customer_id"]] = f"made in batch {result.batch_id} ({how})"
    for cid, why in composed.left_out:
        status.setdefault(cid, f"no letter: {why}")
    return status


def _sheet_after(sel, edits, status) -> pd.DataFrame:
    """The Letters sheet as the specialist left it, with each row's status."""
    frame = letters_frame_for_sheet(sel.letters, status)
    if edits:
        for i, cid in enumerate(frame["customer_id"]):
            e = edits.get(cid)
            if e is None:
                continue
            frame.loc[i, "include"] = "Yes" if e.include else "No"
            for field, value in (("letter", e.letter), ("language", e.language),
                                 ("delivery", e.delivery), ("email", e.email),
                                 ("special_text", e.special_text)):
                if value:
                    frame.loc[i, field] = value
            if e.level > 0:
                frame.loc[i, "level"] = e.level
    return frame


@action("produce_letters", "Produce Letters", "Letters", "letters make",
        "MailMergeFinishAndMergeMenu",
        "Make the letters of the Letters sheet as you left it: a Word file, a PDF and an "
        "e-mail per customer, one PDF to print, sales-partner lists and a batch report.")
@_said_plainly
def produce_letters(port: WorkbookPort, progress: Progress, store=None, as_of=None,
                    folder=None, **_options) -> Outcome:
    from xlar.letters.batch import produce_batch
    from xlar.letters.compose import batch_letters
    from xlar.letters.history import latest_notes
    from xlar.letters.partners import partner_emails, partner_lists
    from xlar.letters.words import KIND_NAMES

    progress(0, 100, "reading the Letters sheet")
    inputs = _Inputs(port, store, as_of)
    settings = inputs.settings
    company, signature = company_of(settings)
    sel = inputs.selection()
    edits = read_letter_edits(port)
    composed = batch_letters(sel, inputs.aged, edits, inputs.policy, inputs.as_of,
                             inputs.buckets, settings.late_interest_rate or None)
    today = {x.customer_id: KIND_NAMES["en"][x.kind] for x in composed.letters}
    lists = partner_lists(inputs.aged, today, latest_notes(inputs.store))
    root = batch_root(port, settings, folder)

    def report(done: int, total: int, message: str) -> None:
        progress(5 + int(90 * done / max(total, 1)), 100, message)

    result = produce_batch(
        composed.letters, company, signature, root, inputs.as_of,
        sender=(settings.smtp_from or settings.company_email).strip(),
        templates_folder=settings.resolve(port.path.parent if port.path else Path.cwd(),
                                          "letter_templates"),
        partners=lists, partner_addresses=partner_emails(settings.sales_partner_emails),
        left_out=composed.left_out, notes=composed.notes,
        policy_text=describe_policy(inputs.policy), progress=report)
    inputs.store.record("letter_batch_made", f"letter-batch:{result.batch_id}",
                        payload={"batch": result.batch_id, "folder": str(result.folder),
                                 "letters": len(result.letters),
                                 "partners": len(result.partners),
                                 "as_of": inputs.as_of.isoformat()})
    _write_sheet(port, _sheet_after(sel, edits, _status_of(result, composed)))
    progress(100, 100, "done")
    mail = sum(1 for e in result.letters if e["delivery"] == "email")
    post = len(result.letters) - mail
    details = (f"batch folder: {result.folder}", f"report: {result.report}",
               *(f"{c}: {t}" for c, t in composed.notes),
               *(f"{c}: no letter: {t}" for c, t in composed.left_out[:30]))
    return Outcome(f"{len(result.letters)} letters made in batch {result.batch_id}: {mail} to "
                   f"e-mail, {post} to post ({result.to_post_pages} pages in "
                   f"letters-to-post.pdf); {len(result.partners)} sales-partner lists. Check "
                   "them, then Send Letters.", details)


def _mark_sent(port: WorkbookPort, statuses: dict[str, str]) -> None:
    """Write the send step's outcome into the Letters sheet's Status column, leaving every
    other cell as the specialist left it."""
    from xlar.workbench.merge import user_columns_of
    from xlar.workbench.plan import cell_value_of, rows_plan

    owned = [c.header for c in LETTERS.columns]
    t = port.read_table(LETTERS.table, owned)
    if t is None or not statuses:
        return
    frame = t.frame
    rows = []
    for r in frame.to_dict("records"):
        row = {c.field: cell_value_of(r.get(c.header)) for c in LETTERS.columns}
        cid = str(row.get("customer_id") or "")
        if cid in statuses:
            row["status"] = statuses[cid]
        rows.append(row)
    user = user_columns_of(frame, owned)
    cells = [[frame[h].iloc[i] for h in user] for i in range(len(frame))]
    port.write_table(rows_plan(LETTERS, rows, user, cells))


@action("send_letters", "Send Letters (Dry Run)", "Letters", "letters send", "FileSendAsAttachment",
        "Say what sending the last batch would do: which e-mails go to whom, which letters are "
        "recorded as posted. Nothing is sent.")
@_said_plainly
def send_letters(port: WorkbookPort, progress: Progress, store=None, batch=None, send=False,
                 resend_uncertain=False, smtp_host=None, smtp_port=None, smtp_user=None,
                 starttls=None, rate=None, tls_context=None, folder=None,
                 **_options) -> Outcome:
    from xlar.letters.batch import latest_batch, outbox_of
    from xlar.letters.history import batch_records
    from xlar.letters.mail import send_outbox, smtp_settings
    from xlar.workbench.accounts import workbench_store

    settings = read_settings(port)
    where = Path(batch) if batch else latest_batch(batch_root(port, settings, folder))
    manifest, outbox = outbox_of(where)
    store = store or workbench_store(port, settings)
    smtp = smtp_settings(settings, smtp_host, int(smtp_port) if smtp_port else None, smtp_user,
                         starttls, rate=rate)
    result = send_outbox(outbox, smtp, store, batch_records(store, manifest["batch_id"]),
                         really=bool(send), resend_uncertain=bool(resend_uncertain),
                         progress=progress, tls_context=tls_context)
    lines = [*(f"sent: {t}" for _, t in result.sent), *(f"posted: {t}" for _, t in result.posted),
             *(f"FAILED: {t}" for _, t in result.failed),
             *(f"UNCERTAIN: {t}" for _, t in result.uncertain),
             *(f"already done: {t}" for _, t in result.skipped),
             *(f"dry run: {t}" for _, t in result.would_send)]
    if not result.dry_run:
        now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        by_key = {e["key"]: e["customer_id"] for e in manifest["letters"]}
        statuses = {by_key[k]: f"sent {now}" for k, _ in result.sent if k in by_key}
        statuses |= {by_key[k]: f"recorded as posted {now}" for k, _ in result.posted
                     if k in by_key}
        statuses |= {by_key[k]: f"NOT SENT: {t}" for k, t in result.failed if k in by_key}
        statuses |= {by_key[k]: f"UNCERTAIN: {t}" for k, t in result.uncertain if k in by_key}
        _mark_sent(port, statuses)
        lists = sum(1 for k, _ in result.sent if k.startswith("partner:"))
        message = (f"Batch {manifest['batch_id']}: {len(result.sent) - lists} e-mails sent, "
                   f"{len(result.posted)} letters recorded as posted, {lists} sales-partner "
                   f"lists sent, {len(result.skipped)} done before, {len(result.failed)} failed, "
                   f"{len(result.uncertain)} uncertain.")
        if result.failed:
            message += " Run Send Letters again later to retry the failed ones."
        if result.uncertain:
            message += (" Check the mail server's log for the uncertain ones before sending "
                        "them again (--resend-uncertain).")
    else:
        mails = sum(1 for k, t in result.would_send
                    if "would send" in t and not k.startswith("partner:"))
        lists = sum(1 for k, _ in result.would_send if k.startswith("partner:"))
        posted = sum(1 for _, t in result.would_send if "would record as posted" in t)
        message = (f"Dry run of batch {manifest['batch_id']}: {mails} letters would be e-mailed"
                   f"{f' and {lists} sales-partner lists' if lists else ''}, {posted} letters "
                   "recorded as posted "
                   f"({len(result.skipped)} done before"
                   + (f", {len(result.uncertain)} uncertain" if result.uncertain else "")
                   + "). Nothing was sent: use Send Letters Now (or --send) to send.")
    return Outcome(message, (f"batch folder: {where}", *lines))


@action("send_letters_now", "Send Letters Now", "Letters", "letters send", "MailMergeMergeToEMail",
        "Send the last batch's e-mails through the mail server on the Settings sheet and "
        "record each letter (and the letters to post) in the activity store; a batch that "
        "stopped half-way sends only what is left.")
@_said_plainly
def send_letters_now(port: WorkbookPort, progress: Progress, **options) -> Outcome:
    options["send"] = True
    return send_letters(port, progress, strict=True, **options)


#: Letters of one event, by the word the CLI takes.
SINGLE_KINDS = ("statement", "special", "credit-hold", "receipt", "plan", "promise",
                "credit-memo")


def single_letter(port: WorkbookPort, kind: str, customer_id: str, *, store=None, as_of=None,
                  folder=None, text: str = "", title: str = "", amount: str = "",
                  currency: str = "", invoices: str = "", auth_code: str = "",
                  last4: str = "", paid_on=None, record: str = "", document: str = "",
                  language: str = "", delivery: str | None = None, with_items: bool = False,
                  progress: Progress | None = None):
    """Make a batch of one letter to one customer (``xlar letters one``): a statement, a
    special letter, a credit-hold notice, a card receipt, a plan or promise confirmation,
    or a credit memo notice.  Returns the batch (send it with ``xlar letters send``)."""
    from xlar.letters.batch import produce_batch
    from xlar.letters.compose import (
        credit_memo_letter,
        plan_letter,
        promise_letter,
        receipt_letter,
        recipient_of,
        special_letter,
        statement_letter,
    )
    from xlar.letters.documents import Letter, LetterLine
    from xlar.money import minor_digits, parse_amount

    if kind not in SINGLE_KINDS:
        raise LetterError(f"there is no single letter {kind!r}; choose one of "
                          f"{', '.join(SINGLE_KINDS)}")
    inputs = _Inputs(port, store, as_of)
    company, signature = company_of(inputs.settings)
    aged = inputs.aged
    mine = aged[aged["customer_id"].astype(str) == customer_id]
    name = str(mine["customer_name"].iloc[0]) if len(mine) else ""
    who = recipient_of(inputs.customers, customer_id, name)
    if not len(mine) and not (inputs.customers is not None and
                              (inputs.customers["customer_id"] == customer_id).any()):
        raise LetterError(f"customer {customer_id} is neither on Open Items nor on Customers")
    if language:
        if language not in ("en", "es"):
            raise LetterError("language must be en or es")
        who = who._replace(language=language)

    def cents(text_amount: str, cur: str) -> int:
        value, why = parse_amount(text_amount, ".", minor_digits(cur))
        if why:
            raise LetterError(why)
        return value

    def latest(store_kind: str) -> dict:
        frame = inputs.store.latest(store_kind, customer_id)
        if record:
            frame = frame[frame["record_id"] == record]
        if not len(frame):
            raise LetterError(f"no {store_kind.replace('_', ' ')} of {customer_id} in the "
                              f"activity store{' with ID ' + record if record else ''}")
        return frame.sort_values("created_at").iloc[-1].to_dict()

    day = inputs.as_of
    if kind == "statement":
        letter = statement_letter(who, mine, inputs.buckets, day, delivery)
    elif kind == "special":
        letter = special_letter(who, text, day, mine if with_items else None, title, delivery)
    elif kind == "credit-hold":
        due = mine[(mine["open_cents"] > 0) & (mine["days_past_due"] > 0)]
        base = statement_letter(who, due, inputs.buckets, day, delivery)
        letter = base._replace(kind="credit_hold", buckets=(),
                               lines=tuple(ln._replace(role="due") for ln in base.lines))
    elif kind == "receipt":
        cur = (currency or (mine["currency"].iloc[0] if len(mine) else
                            inputs.settings.currency)).upper()
        total = cents(amount, cur)
        paid = []
        for part in [p.strip() for p in invoices.split(",") if p.strip()]:
            doc, _, value = part.partition("=")
            hit = mine[mine["document"] == doc.strip()]
            inv_day = hit["doc_date"].iloc[0] if len(hit) else None
            ref = str(hit["po_number"].iloc[0]) if len(hit) else ""
            paid.append((doc.strip(), None if inv_day is None or pd.isna(inv_day)
                         else pd.Timestamp(inv_day).date(), ref,
                         cents(value, cur) if value else None))
        if sum(1 for p in paid if p[3] is None) > 1:
            raise LetterError("give the amount paid on each invoice (INV-1=100.00,INV-2=50.00) "
                              "when a payment covers several")
        if paid and paid[-1][3] is None:
            rest = total - sum(p[3] for p in paid[:-1])
            paid[-1] = (*paid[-1][:3], rest)
        letter = receipt_letter(who, paid_on or day, total, cur, paid, auth_code, last4, day,
                                signature.name, delivery)
    elif kind == "plan":
        letter = plan_letter(who, latest("payment_plan"), day, delivery)
    elif kind == "promise":
        letter = promise_letter(who, latest("promise"), mine, day, delivery)
    else:
        letter = credit_memo_letter(who, document, mine, day, delivery)
    if not isinstance(letter, Letter) or not all(isinstance(x, LetterLine)
                                                 for x in letter.lines):
        raise LetterError("the letter could not be made")
    settings = inputs.settings
    result = produce_batch(
        [letter], company, signature, batch_root(port, settings, folder), day,
        sender=(settings.smtp_from or settings.company_email).strip(),
        templates_folder=settings.resolve(port.path.parent if port.path else Path.cwd(),
                                          "letter_templates"),
        progress=progress or (lambda *a: None))
    inputs.store.record("letter_batch_made", f"letter-batch:{result.batch_id}",
                        customer_id=customer_id,
                        payload={"batch": result.batch_id, "folder": str(result.folder),
                                 "letters": 1, "kind": letter.kind})
    return result
