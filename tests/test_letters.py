"""Collection letters, end to end: demo ledger -> preview -> (edits) -> make -> send.

Real components: LibreOffice makes the PDFs, an SMTP server on 127.0.0.1 (aiosmtpd)
receives the e-mails, the activity store is SQLite and PostgreSQL (``store_url``).
The oracle for the amounts is the aging itself, worked out here from the demo
ledger's items with pandas, independently of the letters code; the PDFs' text is
read back with pypdf.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from babel.numbers import format_currency
from docx import Document
from pypdf import PdfReader

from xlar.actions import run_on_file
from xlar.aging import age_open_items
from xlar.demo import generate_ledger, write_demo_customers, write_demo_export
from xlar.letters.pdf import find_soffice
from xlar.money import minor_digits
from xlar.store.api import open_store
from xlar.workbench.port import XlsxPort
from xlar.workbench.refresh import refresh

try:
    from support.smtp import MailServer
except ImportError:
    from tests.support.smtp import MailServer

AS_OF = dt.date(2026, 10, 31)
COMPANY = dict(company_name="Harbor Industrial Supply Co.",
               company_address="1200 Commerce Blvd; Suite 400; Chicago, IL 60607",
               company_email="ar@harborsupply.com", company_phone="+1 312 555 0147",
               signature_name="Alicia Gómez", signature_title="Credit & Collections")


@pytest.fixture
def soffice():
    if find_soffice() is None:
        from conftest import missing_oracle

        missing_oracle("LibreOffice (soffice) is not installed")


#: The Spanish customer billed in euros, and its one invoice (made 15 days past due below).
ES_EUR = ("C10023", "INV-104313", 108388)


def _ledger():
    # 26 customers, about a third Spanish-speaking, in USD, EUR and MXN.
    ledger = generate_ledger(seed=11, customers=26, items=230, as_of=AS_OF)
    # With this seed the one Spanish customer billed in euros owes nothing past due: its
    # invoice is made to fall due on 16 October, so a Spanish letter in euros is certain.
    cid, doc, cents = ES_EUR
    who = ledger.customers.set_index("customer_id").loc[cid]
    assert (who["language"], who["currency"]) == ("es", "EUR")
    items = ledger.items.copy()
    mine = items["customer_id"] == cid
    assert list(items.loc[mine, "document"]) == [doc]
    assert list(items.loc[mine, "open_cents"]) == [cents]
    items.loc[mine, "due_date"] = pd.Timestamp(2026, 10, 16)
    items.loc[mine, "doc_date"] = pd.Timestamp(2026, 9, 16)
    return ledger._replace(items=items)


def _workbench(tmp_path: Path, store_url: str, smtp_port: int | None = None, **settings):
    ledger = _ledger()
    export, master = tmp_path / "open_items.csv", tmp_path / "customers.csv"
    write_demo_export(ledger, export)
    write_demo_customers(ledger, master)
    wb = tmp_path / "AR Workbench.xlsx"
    extra = {"smtp_host": "127.0.0.1", "smtp_port": str(smtp_port), "smtp_starttls": "no",
             "smtp_rate_per_minute": "6000"} if smtp_port else {}
    run_on_file("setup_workbench", wb, db_url=store_url,
                sales_partner_emails="Dana Whitaker=dana@harborsupply.com; "
                                     "Lucía Fernández=lucia@harborsupply.com",
                **COMPANY, **extra, **settings)
    refresh(wb, source=export, as_of=AS_OF, customers=master)
    return wb, ledger


def _aged(ledger) -> pd.DataFrame:
    return age_open_items(ledger.items, AS_OF)


def _seed(store, aged: pd.DataFrame) -> dict:
    """Give the store a history: earlier letters, a dispute, a promise, a plan, an
    exception.  Returns what was seeded, by role, for the expectations."""
    debit_past = aged[(aged["open_cents"] > 0) & (aged["days_past_due"] > 0)
                      & ~aged["disputed"]]
    oldest = debit_past.groupby("customer_id")["days_past_due"].max().sort_values()
    credits = aged[aged["open_cents"] < 0].groupby("customer_id")["open_cents"].sum()
    due = debit_past.groupby("customer_id")["open_cents"].sum()
    # Customers whose letter is surely positive after credits, oldest item first.
    clear = [c for c in oldest.index if due[c] + credits.get(c, 0) > 0]
    old = [c for c in clear if oldest[c] >= 100]
    mid = [c for c in clear if 40 <= oldest[c] < 100]
    seeded = {"level2": mid[0], "level4": old[0], "gap": old[1], "exception": old[2],
              "promise": old[3], "plan": mid[1]}

    def sent(cid, level, day):
        store.record("letter_sent", f"letter:earlier:{cid}:{level}:{day}", cid,
                     payload={"family": "dunning", "level": level,
                              "letter_date": day.isoformat()})

    sent(seeded["level2"], 1, AS_OF - dt.timedelta(days=30))     # level 1 a month ago -> 2
    sent(seeded["level4"], 3, AS_OF - dt.timedelta(days=60))
    sent(seeded["level4"], 4, AS_OF - dt.timedelta(days=30))     # at level 4: 4 again
    sent(seeded["gap"], 1, AS_OF - dt.timedelta(days=5))         # too soon for another
    # A call note written this morning, after the last refresh: only the store has it.
    store.save_version("note", {"customer_id": seeded["level2"], "document": "",
                                "note_date": AS_OF - dt.timedelta(days=1),
                                "text": "AP promised a wire", "outcome": "promise",
                                "contact": "AP clerk", "next_action": "Call AP Monday",
                                "next_action_date": AS_OF + dt.timedelta(days=3)})
    store.save_version("exception", {"customer_id": seeded["exception"],
                                     "reason": "Bankruptcy filing: legal handles it",
                                     "until_date": AS_OF + dt.timedelta(days=60),
                                     "approved_by": "CFO", "ended": False})
    store.save_version("promise", {"customer_id": seeded["promise"], "document": "",
                                   "promised_on": AS_OF - dt.timedelta(days=2),
                                   "promised_date": AS_OF + dt.timedelta(days=10),
                                   "amount_cents": 100000, "currency": "USD", "contact": "",
                                   "note": "", "cancelled": False})
    store.save_version("payment_plan", {"customer_id": seeded["plan"], "total_cents": 500000,
                                        "currency": "USD", "installments": 3,
                                        "first_date": AS_OF + dt.timedelta(days=15),
                                        "frequency": "monthly", "documents": "",
                                        "note": "", "cancelled": False})
    # A dispute on one document of a customer who still gets a letter for the rest.
    rest = [c for c in clear if c not in seeded.values()
            and (debit_past["customer_id"] == c).sum() >= 2]
    cid = rest[0]
    doc = debit_past[debit_past["customer_id"] == cid].sort_values("document")["document"].iloc[0]
    store.save_version("dispute", {"customer_id": cid, "document": doc, "reason_code": "pricing",
                                   "amount_cents": 1000, "currency": "USD", "status": "open",
                                   "owner": "ana", "opened_on": AS_OF - dt.timedelta(days=9),
                                   "note": ""})
    seeded["disputed_doc"] = (cid, doc)
    return seeded


def _expected(aged: pd.DataFrame, seeded: dict) -> pd.DataFrame:
    """Per customer: the amount due per currency (the aging's figures) and the level,
    restating the policy's rule (1,30,60,90 + 5 grace days; no skipping)."""
    cid_d, doc_d = seeded["disputed_doc"]
    left_out = aged["disputed"] | ((aged["customer_id"] == cid_d) & (aged["document"] == doc_d))
    dunned = aged[(aged["open_cents"] > 0) & (aged["days_past_due"] > 0) & ~left_out]
    rows = []
    for cid, g in dunned.groupby("customer_id"):
        oldest = int(g["days_past_due"].max())
        credits = aged[(aged["customer_id"] == cid) & (aged["open_cents"] < 0)]
        amounts = {}
        for cur, cg in g.groupby("currency"):
            net = int(cg["open_cents"].sum()) + int(
                credits.loc[credits["currency"] == cur, "open_cents"].sum())
            if net > 0:
                amounts[cur] = net
        by_age = sum(oldest >= t + 5 for t in (1, 30, 60, 90))
        level = {seeded["level2"]: 2, seeded["level4"]: 4}.get(cid, 1)
        rows.append((cid, oldest, amounts, min(level, by_age)))
    return pd.DataFrame(rows, columns=["customer_id", "oldest", "amounts", "level"]) \
        .set_index("customer_id")


def _text(pdf: Path) -> str:
    """A PDF's text, spaces normalised (a no-break space reads back as a space)."""
    return " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())


def _money(cents: int, currency: str, language: str) -> str:
    locale = {"en": {"EUR": "en_IE"}, "es": {"EUR": "es_ES", "MXN": "es_MX",
                                              "USD": "es_MX"}}[language].get(currency, "en_US")
    text = format_currency(Decimal(cents).scaleb(-minor_digits(currency)), currency,
                           locale=locale)
    # CLDR glues the code to the digits ("USD1,234.56"); letters put a space between.
    return " ".join(re.sub(r"^([A-Z]{3})(\d)", r"\1 \2", text).split())


def _euros_es(cents: int) -> str:
    """An amount in euros as Spanish letters write it (1.234,56 €): worked out by hand."""
    units, rest = divmod(cents, 100)
    return f"{units:,}".replace(",", ".") + f",{rest:02d} €"


def _edit_letters_sheet(wb: Path, changes: dict[str, dict[str, object]]) -> None:
    """Change cells of the Letters sheet as a specialist would in Excel."""
    from openpyxl import load_workbook

    book = load_workbook(wb)
    ws = book["Letters"]
    header_row = next(r for r in range(1, 6) if ws.cell(r, 1).value == "Include")
    headers = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    for r in range(header_row + 1, ws.max_row + 1):
        cid = ws.cell(r, headers["Customer ID"]).value
        for header, value in changes.get(cid, {}).items():
            ws.cell(r, headers[header]).value = value
    book.save(wb)


def test_preview_make_send_every_past_due_customer_once_at_the_right_level(
        tmp_path, store_url, soffice):
    with MailServer() as server:
        wb, ledger = _workbench(tmp_path, store_url, server.port)
        store = open_store(store_url)
        aged = _aged(ledger)
        seeded = _seed(store, aged)
        expected = _expected(aged, seeded)

        # -- Preview: one row per past-due customer, with the level or the reason.
        outcome = run_on_file("preview_letters", wb)
        sheet = XlsxPort(wb).table_frame("Letters")
        assert sheet["Customer ID"].is_unique
        past_due = set(aged.loc[(aged["open_cents"] > 0) & (aged["days_past_due"] > 0),
                                "customer_id"])
        assert set(sheet["Customer ID"]) == past_due
        rows = sheet.set_index("Customer ID")
        why_not = rows["Not Sent Because"].fillna("")
        assert "exception list" in why_not[seeded["exception"]]
        assert "Bankruptcy filing" in why_not[seeded["exception"]]
        assert "promise to pay" in why_not[seeded["promise"]]
        assert "payment plan" in why_not[seeded["plan"]]
        assert "waits 14 days" in why_not[seeded["gap"]]
        excluded_here = {seeded[k] for k in ("exception", "promise", "plan", "gap")}
        letters_expected = {c for c, e in expected.iterrows()
                            if c not in excluded_here and e["amounts"] and e["level"] >= 1}
        proposed = set(rows.index[rows["Include"] == "Yes"])
        assert proposed == letters_expected
        for cid in past_due - proposed:
            assert why_not[cid], f"{cid} is left out without a reason"
        for cid in proposed:
            assert int(rows.loc[cid, "Level"]) == expected.loc[cid, "level"], cid
        assert int(rows.loc[seeded["level2"], "Level"]) == 2
        assert int(rows.loc[seeded["level4"], "Level"]) == 4
        assert "levels are not skipped" in rows.loc[seeded["level2"], "Why"] or \
            expected.loc[seeded["level2"], "oldest"] < 65
        cid_d, doc_d = seeded["disputed_doc"]
        assert f"{doc_d} in dispute (pricing" in rows.loc[cid_d, "Why"]
        assert outcome.message.startswith("Letter preview at 2026-10-31")

        # -- The specialist unticks one letter and raises one level.
        ordinary = sorted(proposed - {seeded["level2"], seeded["level4"], cid_d})
        untick, raise_ = ordinary[0], ordinary[1]
        _edit_letters_sheet(wb, {untick: {"Include": "No"}, raise_: {"Level": 2}})
        made = run_on_file("produce_letters", wb)
        folder = Path(re.search(r"batch folder: (.*)", "\n".join(made.details)).group(1))
        manifest = __import__("json").loads((folder / "batch.json").read_text("utf-8"))
        letters = {e["customer_id"]: e for e in manifest["letters"]}
        assert set(letters) == proposed - {untick}
        assert letters[raise_]["level"] == 2 and letters[raise_]["kind"] == "dunning_2"
        for cid, e in letters.items():
            if cid != raise_:
                assert e["level"] == expected.loc[cid, "level"], cid
            assert (folder / e["docx"]).is_file() and (folder / e["pdf"]).is_file()
            assert bool(e["eml"]) == bool(e["email"])

        # -- Totals in each letter equal the aging, to the cent (from the PDF's text).
        merged = PdfReader(folder / "letters-all.pdf")
        assert len(merged.pages) == sum(e["pages"] for e in letters.values())
        for cid, e in letters.items():
            assert e["amounts"] == expected.loc[cid, "amounts"], cid
            text = _text(folder / e["pdf"])
            label = "Importe pendiente" if e["language"] == "es" else "Amount now due"
            for cur, cents in e["amounts"].items():
                assert f"{label} {_money(cents, cur, e['language'])}" in text, (cid, text[-400:])
            assert cid in text
        assert f"{doc_d} (in dispute)" in _text(folder / letters[cid_d]["pdf"]) or \
            f"{doc_d} (en reclamación)" in _text(folder / letters[cid_d]["pdf"])

        # -- A Spanish customer gets a Spanish letter: Spanish dates and amounts.
        cid_es, doc_es, cents_es = ES_EUR
        es = letters[cid_es]
        assert es["language"] == "es" and es["amounts"] == {"EUR": cents_es}
        text = _text(folder / es["pdf"])
        # Written out by hand: 1,083.88 euros the Spanish way, the dates in Spanish words.
        assert _euros_es(cents_es) == "1.083,88 €"
        assert f"Importe pendiente {_euros_es(cents_es)}" in text, text[-600:]
        assert f"{doc_es} Factura 16 sept 2026 16 oct 2026 15" in text, text
        assert "31 de octubre de 2026" in text          # the letter's date
        assert "antes del 14 de noviembre de 2026" in text  # pay within 14 days
        assert "Estimados señores" in text and "Atentamente" in text
        assert "Dear" not in text and "October" not in text and "$" not in text

        # -- The sheet now says what was made; the report lists everything.
        after = XlsxPort(wb).table_frame("Letters").set_index("Customer ID")
        assert after.loc[untick, "Include"] == "No"
        assert after.loc[raise_, "Level"] == 2
        assert manifest["batch_id"] in after.loc[raise_, "Status"]
        report = (folder / "report.md").read_text("utf-8")
        assert f"| {untick} | Set to No on the Letters sheet. |" in report
        assert "Bankruptcy filing" in report

        # -- Sales-partner lists: a workbook and a PDF each, e-mailed where an address is set.
        partners = {p["partner"]: p for p in manifest["partners"]}
        due_by_partner = aged[(aged["open_cents"] > 0) & (aged["days_past_due"] > 0)] \
            .groupby("sales_partner")["open_cents"].count()
        assert {p: v["items"] for p, v in partners.items()} == due_by_partner.to_dict()
        for p in partners.values():
            assert (folder / p["xlsx"]).is_file() and (folder / p["pdf"]).is_file()
            assert bool(p["eml"]) == (p["partner"] in ("Dana Whitaker", "Lucía Fernández"))
        # The note written after the refresh is on its partner's list: last note, next action.
        noted = seeded["level2"]
        partner = aged.loc[aged["customer_id"] == noted, "sales_partner"].iloc[0]
        book = XlsxPort(folder / partners[partner]["xlsx"]).table_frame("PastDue")
        rows_noted = book[book["Customer ID"] == noted]
        assert len(rows_noted) == (due_items := int(((aged["customer_id"] == noted)
                                                     & (aged["open_cents"] > 0)
                                                     & (aged["days_past_due"] > 0)).sum()))
        assert due_items and set(rows_noted["Last Note"]) == {"2026-10-30: AP promised a wire"}
        assert set(rows_noted["Next Action"]) == {"Call AP Monday"}
        assert {pd.Timestamp(d).date() for d in rows_noted["Next Action Date"]} == \
            {dt.date(2026, 11, 3)}
        partner_pdf = _text(folder / partners[partner]["pdf"])
        assert "2026-10-30: AP promised a wire Call AP Monday 11/3/2026" in partner_pdf, \
            partner_pdf[:800]

        # -- Send: a dry run sends nothing; then every e-mail goes, once.
        dry = run_on_file("send_letters", wb)
        assert dry.message.startswith("Dry run") and not server.messages
        assert (store.log()["action"] == "letter_sent").sum() == 4  # only the seeded ones
        sent = run_on_file("send_letters_now", wb)
        emailed = {cid: e for cid, e in letters.items() if e["delivery"] == "email"}
        partner_mails = [p for p in partners.values() if p["eml"]]
        server.wait_for(len(emailed) + len(partner_mails))
        assert len(server.messages) == len(emailed) + len(partner_mails), sent.details
        by_to = {}
        for rcpt, msg in server.messages:
            assert len(rcpt) == 1
            by_to.setdefault(rcpt[0], []).append(msg)
        assert all(len(v) == 1 for v in by_to.values())
        one = next(iter(emailed.values()))
        got = tmp_path / "attachment.pdf"
        got.write_bytes(next(by_to[one["email"]][0].iter_attachments()).get_content())
        assert len(PdfReader(got).pages) == one["pages"]
        money = next(iter(one["amounts"].items()))
        assert _money(money[1], money[0], one["language"]) in _text(got)
        for e in emailed.values():
            msg = by_to[e["email"]][0]
            assert msg["Subject"] == e["subject"] and msg["Content-Language"] == e["language"]
            plain = msg.get_body(("plain",)).get_content()
            html = msg.get_body(("html",)).get_content()
            pdfs = [a for a in msg.iter_attachments()
                    if a.get_content_type() == "application/pdf"]
            assert len(pdfs) == 1
            # The attachment is the letter's PDF (whose text was checked above), intact.
            assert pdfs[0].get_content() == (folder / e["pdf"]).read_bytes()
            for cur, cents in e["amounts"].items():
                assert _money(cents, cur, e["language"]) in " ".join(plain.split())
            if e["language"] == "es":
                assert "Les adjuntamos" in plain and "lang=\"es\"" in html
            else:
                assert "Please find attached" in plain
        log = store.log()
        sent_rows = log[log["action"] == "letter_sent"]
        assert len(sent_rows) == len(emailed) + 4  # and the 4 seeded earlier letters
        posted = log[log["action"] == "letter_posted"]
        assert len(posted) == len(letters) - len(emailed)
        assert sent.message.startswith(f"Batch {manifest['batch_id']}: {len(emailed)} e-mails "
                                       "sent")

        # -- Sending again sends nobody twice; the next preview sees the letters sent.
        again = run_on_file("send_letters_now", wb)
        assert len(server.messages) == len(emailed) + len(partner_mails)
        assert ", 0 e-mails sent" in again.message or ": 0 e-mails sent" in again.message
        # A batch made again from the same (now stale) sheet writes nobody again.
        stale = run_on_file("produce_letters", wb)
        assert stale.message.startswith("Not done: there is no letter to make"), stale.message
        run_on_file("preview_letters", wb)
        later = XlsxPort(wb).table_frame("Letters").set_index("Customer ID")
        some = next(iter(emailed))
        assert "went out on 2026-" in later.loc[some, "Not Sent Because"]


def test_letters_cli_plain_errors_and_a_dry_run(tmp_path, soffice):
    import os
    import subprocess
    import sys

    from typer.testing import CliRunner

    from xlar.cli import app

    def xlar(*args):
        r = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
        return r.exit_code, " ".join(r.output.split())

    empty = tmp_path / "empty.xlsx"
    assert xlar("workbench", "new", empty)[0] == 0
    # The installed entry point itself: a plain sentence and exit code 2, no traceback.
    r = subprocess.run([sys.executable, "-m", "xlar", "letters", "preview", str(empty)],
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 2 and "refresh the aging first" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    code, out = xlar("letters", "send", empty)
    assert code == 2 and "there is no letter batch" in out

    wb, _ = _workbench(tmp_path, f"sqlite:///{tmp_path / 'store.sqlite'}")
    code, out = xlar("letters", "preview", wb)
    assert code == 0 and "Letter preview at 2026-10-31" in out
    code, out = xlar("letters", "make", wb)
    assert code == 0 and "letters made in batch" in out, out
    code, out = xlar("letters", "send", wb)
    assert code == 0 and "Dry run" in out and "Nothing was sent" in out
    code, out = xlar("letters", "send", wb, "--send", "--smtp", "127.0.0.1:1", "--no-starttls")
    assert code == 1 and "cannot reach the mail server 127.0.0.1:1" in out
    assert "Traceback" not in out
    code, out = xlar("letters", "one", wb, "receipt", "C10001", "--amount", "10", "--last4",
                     "4111 1111 1111 1111")
    assert code == 2 and "last four digits" in out
    code, out = xlar("letters", "one", wb, "statement", "C10001", "--language", "es")
    assert code == 0 and "Statement of account for C10001" in out
    (pdf,) = (tmp_path / "Letters").glob("*/pdf/C10001-statement.pdf")
    assert "Extracto de la cuenta C10001 a 31 de octubre de 2026" in _text(pdf)


def _edit_settings(wb: Path, values: dict[str, str]) -> None:
    """Type values into the Settings sheet's Value column, as a specialist does in Excel."""
    from openpyxl import load_workbook

    book = load_workbook(wb)
    ws = book["Settings"]
    header_row = next(r for r in range(1, 6) if ws.cell(r, 1).value == "Setting")
    rows = {ws.cell(r, 1).value: r for r in range(header_row + 1, ws.max_row + 1)}
    for name, value in values.items():
        ws.cell(rows[name], 2).value = value
    book.save(wb)


def test_letterhead_from_settings_and_a_template_the_user_edited(tmp_path, soffice):
    """The company typed on the Settings sheet heads the letter; a copy of a template
    edited in Word, in the folder named by letter_templates, is the one used."""
    from xlar.letters.actions import single_letter
    from xlar.letters.render import TEMPLATE_ROOT

    wb, _ = _workbench(tmp_path, f"sqlite:///{tmp_path / 'store.sqlite'}")
    # The user copies the Spanish statement into a folder of their own and rewords it.
    mine = tmp_path / "Our letters"
    (mine / "es").mkdir(parents=True)
    copy = mine / "es" / "statement.docx"
    copy.write_bytes((TEMPLATE_ROOT / "es" / "statement.docx").read_bytes())
    doc = Document(str(copy))
    para = next(p for p in doc.paragraphs if "A continuación les remitimos" in p.text)
    run = next(r for r in para.runs if "A continuación les remitimos" in r.text)
    run.text = run.text.replace("A continuación les remitimos",
                                "Como cada trimestre, les enviamos")
    doc.save(str(copy))
    _edit_settings(wb, {"company_name": "Ribera Suministros Industriales S.L.",
                        "company_address": "Calle de Alcalá 48; 28014 Madrid; España",
                        "company_phone": "+34 915 550 123",
                        "company_email": "cobros@riberasuministros.es",
                        "letter_templates": "Our letters"})   # relative to the workbook

    result = single_letter(XlsxPort(wb), "statement", "C10001", language="es")
    (entry,) = result.letters
    pdf = _text(result.folder / entry["pdf"])
    word = Document(str(result.folder / entry["docx"]))
    docx = " ".join(" ".join(p.text.split()) for p in word.paragraphs)
    footer = " ".join(p.text for s in word.sections for p in s.footer.paragraphs)
    for text in (pdf, docx):
        assert text.startswith("Ribera Suministros Industriales S.L. Calle de Alcalá 48 · "
                               "28014 Madrid · España +34 915 550 123 · "
                               "cobros@riberasuministros.es"), text[:200]
        assert "Como cada trimestre, les enviamos el extracto de su cuenta a 31 de octubre " \
               "de 2026" in text
        assert "A continuación les remitimos" not in text
        assert "Harbor Industrial Supply" not in text
    assert "Ribera Suministros Industriales S.L. · Calle de Alcalá 48, 28014 Madrid · " \
           "cobros@riberasuministros.es" in " ".join(footer.split())
    # The other templates still come from xlar's own folder.
    assert not (mine / "en").exists()
