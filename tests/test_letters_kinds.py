"""Every letter of one event, rendered: credit-hold notice, card receipt, payment plan,
promise to pay, credit memo notice and special letter, in English and Spanish.

The letters are made the way a batch makes them (:func:`xlar.letters.batch.produce_batch`:
the Word file of each letter, and its PDF cut from one LibreOffice run for all twelve),
then read back: the Word text with python-docx, the PDF text with pypdf.  The oracle is
a small hand-made ledger whose figures are written out here by hand, the English way
(``$1,234.56``, ``November 20, 2026``) and the Spanish way (``1.234,56 €``,
``20 de noviembre de 2026``), not by xlar's formatter.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from docx import Document
from pypdf import PdfReader

from xlar.aging import age_open_items, make_buckets
from xlar.dunning import DEFAULT_POLICY
from xlar.letters.batch import produce_batch
from xlar.letters.compose import (
    Recipient,
    batch_letters,
    credit_memo_letter,
    plan_letter,
    promise_letter,
    receipt_letter,
    special_letter,
)
from xlar.letters.documents import Company, Signature
from xlar.letters.errors import LetterError
from xlar.letters.pdf import find_soffice
from xlar.letters.selection import no_facts, select_letters
from xlar.model import empty_open_items

AS_OF = dt.date(2026, 10, 31)
COMPANY = Company("Harbor Industrial Supply Co.", "1200 Commerce Blvd; Chicago, IL 60607",
                  "ar@harborsupply.com", "+1 312 555 0147")
SIGNATURE = Signature("Alicia Gómez", "Credit & Collections")
CURRENCY = {"en": "USD", "es": "EUR"}
KINDS = ("credit_hold", "payment_receipt", "payment_plan", "promise_to_pay", "credit_memo",
         "special")

# The ledger of each customer (document, type, days past due, cents, reference).
ROWS = (("INV-7001", "invoice", 40, 123456, "PO-5501"),
        ("INV-7002", "invoice", 10, 200000, "PO-5502"),
        ("INV-7003", "invoice", -20, 50000, "PO-5503"),
        ("CM-7009", "credit_memo", 5, -15000, "Price adjustment INV-7001"),
        ("PMT-7010", "payment", 2, -9900, "Wire 0415"))


def _aged(customer: str, currency: str) -> pd.DataFrame:
    recs = []
    for i, (doc, kind, days, cents, ref) in enumerate(ROWS):
        due = pd.Timestamp(AS_OF - dt.timedelta(days=days))
        recs.append({"customer_id": customer, "customer_name": "Delgado Industrial S.L.",
                     "document": doc, "doc_type": kind, "doc_date": due - pd.Timedelta(days=30),
                     "due_date": due, "original_cents": cents, "open_cents": cents,
                     "currency": currency, "terms": "NET 30", "po_number": "",
                     "reference": ref, "sales_partner": "Dana", "territory": "",
                     "collector": "", "disputed": False, "settled_date": pd.NaT,
                     "source_file": "", "source_sheet": "", "source_line": i + 1,
                     "item_key": f"{customer}|{doc}"})
    frame = pd.concat([empty_open_items(), pd.DataFrame(recs)], ignore_index=True)
    for c in ("original_cents", "open_cents", "source_line"):
        frame[c] = frame[c].astype(np.int64)
    frame["disputed"] = frame["disputed"].astype(bool)
    return age_open_items(frame, AS_OF)


def _letters(language: str) -> list:
    cur = CURRENCY[language]
    cid = f"K-{language.upper()}"
    who = Recipient(cid, "Delgado Industrial S.L.", language, "",
                    "Calle Mayor 12\n28013 Madrid")
    aged = _aged(cid, cur)
    # A credit-hold notice as a batch makes it: the account was put on hold yesterday.
    facts = no_facts()._replace(holds={cid: AS_OF - dt.timedelta(days=1)})
    sel = select_letters(aged, None, facts, DEFAULT_POLICY, AS_OF)
    hold = batch_letters(sel, aged, None, DEFAULT_POLICY, AS_OF, make_buckets()).letters
    assert [x.kind for x in hold] == ["credit_hold"]
    paid_on = dt.date(2026, 10, 30)
    invoice_day = (AS_OF - dt.timedelta(days=70)).isoformat()
    return [
        hold[0]._replace(language=language, customer_name=who.customer_name,
                         address=who.address),
        receipt_letter(who, paid_on, 323456, cur,
                       [("INV-7001", dt.date.fromisoformat(invoice_day), "PO-5501", 123456),
                        ("INV-7002", None, "PO-5502", 200000)], "AUTH77Q", "4242", AS_OF,
                       "Alicia Gómez"),
        plan_letter(who, {"total_cents": 300000, "installments": 3, "currency": cur,
                          "first_date": dt.date(2026, 11, 15), "frequency": "monthly",
                          "documents": "INV-7001, INV-7002"}, AS_OF),
        promise_letter(who, {"amount_cents": 323456, "currency": cur,
                             "promised_date": dt.date(2026, 11, 20),
                             "promised_on": dt.date(2026, 10, 29), "contact": "Ana Ruiz",
                             "document": "INV-7001 INV-7002"}, aged, AS_OF),
        credit_memo_letter(who, "CM-7009", aged, AS_OF),
        special_letter(who, "We are moving our bank account on 1 December.\n\nPlease "
                       "update your records." if language == "en" else
                       "El 1 de diciembre cambiamos de cuenta bancaria.\n\nLes rogamos que "
                       "actualicen sus datos.", AS_OF, aged, "New bank account"),
    ]


def _normal(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The twelve letters, made in one batch: one LibreOffice run converts them all."""
    if find_soffice() is None:
        from conftest import missing_oracle

        missing_oracle("LibreOffice (soffice) is not installed")
    letters = [x for language in ("en", "es") for x in _letters(language)]
    result = produce_batch(letters, COMPANY, SIGNATURE, tmp_path_factory.mktemp("kinds"), AS_OF)
    return {(e["kind"], e["language"]): e for e in result.letters}, result.folder


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return _normal(" ".join(parts))


def _pdf_text(path: Path) -> str:
    # A line that breaks after the hyphen of "INV-7002" reads back as "INV-\n7002".
    text = " ".join(p.extract_text() for p in PdfReader(path).pages)
    return _normal(text.replace("-\n", "-"))


#: What each letter must say, written out by hand: (English, Spanish) phrases.
EXPECTED = {
    "credit_hold": (
        ["has been placed on credit hold", "INV-7001", "INV-7002", "CM-7009", "PMT-7010",
         "Invoices past due $3,234.56", "Credits -$249.00", "Amount now due $2,985.56",
         "The amount now due is $2,985.56"],
        ["ha quedado bloqueada para nuevos pedidos", "INV-7001", "INV-7002", "CM-7009",
         "PMT-7010", "Facturas vencidas 3.234,56 €", "Abonos -249,00 €",
         "Importe pendiente 2.985,56 €", "El importe pendiente asciende a 2.985,56 €"]),
    "payment_receipt": (
        ["Thank you for your card payment, taken by telephone on October 30, 2026",
         "Amount paid $3,234.56", "ending in 4242", "AUTH77Q", "INV-7001", "INV-7002",
         "$1,234.56", "$2,000.00", "Total paid $3,234.56"],
        ["realizaron por teléfono el 30 de octubre de 2026", "Importe abonado 3.234,56 €",
         "terminada en 4242", "AUTH77Q", "INV-7001", "INV-7002", "1.234,56 €", "2.000,00 €",
         "Total pagado 3.234,56 €"]),
    "payment_plan": (
        ["the balance of $3,000.00 will be paid in 3 monthly installments",
         "1 of 3 November 15, 2026 $1,000.00", "2 of 3 December 15, 2026 $1,000.00",
         "3 of 3 January 15, 2027 $1,000.00", "Total $3,000.00", "(INV-7001, INV-7002)"],
        ["el saldo de 3.000,00 € se abonará en 3 plazos mensuales",
         "1 de 3 15 de noviembre de 2026 1.000,00 €", "2 de 3 15 de diciembre de 2026 "
         "1.000,00 €", "3 de 3 15 de enero de 2027 1.000,00 €", "Total 3.000,00 €",
         "(INV-7001, INV-7002)"]),
    "promise_to_pay": (
        ["Thank you for speaking with us on October 29, 2026 (Ana Ruiz)",
         "your commitment to pay $3,234.56 by November 20, 2026", "INV-7001", "INV-7002",
         "$1,234.56", "$2,000.00"],
        ["la conversación mantenida el 29 de octubre de 2026 con Ana Ruiz",
         "su compromiso de abonar 3.234,56 € antes del 20 de noviembre de 2026", "INV-7001",
         "INV-7002", "1.234,56 €", "2.000,00 €"]),
    "credit_memo": (
        ["We have issued credit memo CM-7009", "for $150.00 to your account, relating to "
         "invoice INV-7001", "INV-7002", "INV-7003", "PMT-7010", "Balance $3,485.56"],
        ["hemos emitido a su favor el abono CM-7009", "por importe de 150,00 €, "
         "correspondiente a la factura INV-7001", "INV-7002", "INV-7003", "PMT-7010",
         "Saldo 3.485,56 €"]),
    "special": (
        ["We are moving our bank account on 1 December.", "Please update your records.",
         "INV-7001", "INV-7002", "Amount now due $3,234.56"],
        ["El 1 de diciembre cambiamos de cuenta bancaria.",
         "Les rogamos que actualicen sus datos.", "INV-7001", "INV-7002",
         "Importe pendiente 3.234,56 €"]),
}

#: Words of the language every letter has, and words of the other that none may have.
LANGUAGE_WORDS = {"en": (["Dear Accounts Payable team,", "Sincerely,", "October 31, 2026"],
                         ["Estimados", "Atentamente", "€", "octubre"]),
                  "es": (["Estimados señores:", "Atentamente,", "31 de octubre de 2026"],
                         ["Dear ", "Sincerely", "$", "October"])}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", KINDS)
def test_each_letter_shows_its_figures_in_its_language(batch, kind, language):
    entries, folder = batch
    e = entries[(kind, language)]
    docx = _docx_text(folder / e["docx"])
    pdf = _pdf_text(folder / e["pdf"])
    phrases = EXPECTED[kind][0 if language == "en" else 1]
    must, must_not = LANGUAGE_WORDS[language]
    for text, where in ((docx, "Word"), (pdf, "PDF")):
        for phrase in [*phrases, *must, "Harbor Industrial Supply Co.", "Alicia Gómez"]:
            assert phrase in text, f"{kind}/{language} {where}: {phrase!r} missing in {text}"
        for word in must_not:
            assert word not in text, f"{kind}/{language} {where}: {word!r} in {text}"
        assert "{{" not in text and "{%" not in text
    assert e["pages"] == 1
    if kind == "payment_receipt":  # only the last four digits, never more of the card
        assert "4111" not in pdf and "**** 4242" not in pdf


def test_a_credit_memo_notice_is_refused_for_a_payment_on_account():
    aged = _aged("K-ES", "EUR")
    who = Recipient("K-ES", "Delgado Industrial S.L.", "es")
    with pytest.raises(LetterError, match="PMT-7010 is a payment on account, not a credit "
                                          "memo"):
        credit_memo_letter(who, "PMT-7010", aged, AS_OF)
    # The credit memo itself is still a credit memo notice.
    assert credit_memo_letter(who, "CM-7009", aged, AS_OF).details["amount_cents"] == -15000


def _long_statement(customer: str, language: str, items: int):
    """A statement of *items* invoices, one a day past due (two or three pages)."""
    from xlar.letters.compose import statement_letter

    base = _aged(customer, CURRENCY[language]).iloc[[0]]
    frame = pd.concat([base.assign(document=f"INV-{80000 + i}", item_key=f"{customer}|{i}",
                                   due_date=pd.Timestamp(AS_OF - dt.timedelta(days=100 - i)),
                                   open_cents=np.int64(10000 + i),
                                   original_cents=np.int64(10000 + i), reference=f"PO-{i}")
                       for i in range(items)], ignore_index=True)
    aged = age_open_items(frame.drop(columns=["age_days", "days_past_due", "bucket_no",
                                              "bucket"]), AS_OF)
    who = Recipient(customer, "Delgado Industrial S.L.", language, "",
                    "Calle Mayor 12\n28013 Madrid")
    return statement_letter(who, aged, make_buckets(), AS_OF)


def test_long_letters_number_their_pages_and_name_the_customer_on_each(tmp_path):
    """The pages after a letter's first say whose letter it is (name, customer number,
    date) and "Page x of y", counting the letter's own pages although the batch prints
    as one document; a one-page letter carries no page number."""
    if find_soffice() is None:
        from conftest import missing_oracle

        missing_oracle("LibreOffice (soffice) is not installed")
    letters = [_long_statement("L-EN", "en", 95), _letters("en")[1],
               _long_statement("L-ES", "es", 60), _letters("es")[4]]
    result = produce_batch(letters, COMPANY, SIGNATURE, tmp_path, AS_OF)
    words = {"en": ("Page {k} of {n}", "Delgado Industrial S.L. · Customer no.: {cid} · "
                                       "October 31, 2026"),
             "es": ("Página {k} de {n}", "Delgado Industrial S.L. · N.º de cliente: {cid} · "
                                         "31 de octubre de 2026")}
    counts = {}
    for e in result.letters:
        pages = [_normal(p.extract_text()) for p in PdfReader(result.folder / e["pdf"]).pages]
        counts[e["customer_id"]] = n = len(pages)
        assert e["pages"] == n
        page, header = words[e["language"]]
        for k, text in enumerate(pages, start=1):
            # The continuation header on every page but the first: who, and the page.
            assert (header.format(cid=e["customer_id"]) in text) == (k > 1), text[:300]
            shown = {(j, m) for j in range(1, 5) for m in range(1, 5)
                     if page.format(k=j, n=m) in text}
            assert shown == ({(k, n)} if k > 1 else set()), (e["customer_id"], k, text)
    assert counts["L-EN"] >= 3 and counts["L-ES"] >= 2
    assert counts["K-EN"] == counts["K-ES"] == 1
    assert len(PdfReader(result.folder / "letters-all.pdf").pages) == sum(counts.values())
    # The Word file counts its own pages: Word's PAGE and NUMPAGES fields.
    import zipfile

    with zipfile.ZipFile(result.folder / result.letters[0]["docx"]) as z:
        heads = " ".join(z.read(n).decode() for n in z.namelist()
                         if re.match(r"word/(header|footer)\d+\.xml", n))
    assert heads.count('w:instr=" PAGE "') == 1 and heads.count('w:instr=" NUMPAGES "') == 1
    assert "SECTIONPAGES" not in heads
