"""Credit notes and (revised) invoices as Word documents, filled from a template.

The template is a ``.docx`` with Jinja tags (docxtpl): a company may give its
own (put ``credit_note.docx`` or ``invoice.docx`` in the documents folder and it
is used); otherwise xlar builds a plain one.  Labels follow the customer's language (English or
Spanish).  A document is written to a temporary file and then moved into
place, so a crash never leaves half a document.

Tags available to a template: ``company_name``, ``company_address`` (lines),
``title``, ``number``, ``date``, ``due``, ``customer_name``, ``customer_id``,
``bill_to`` (lines), ``reference`` (the original invoice), ``po``, ``reason``,
``lines`` (each with ``description``, ``quantity``, ``unit_price``, ``amount``),
``net``, ``tax``, ``tax_rate``, ``total``, ``note`` and ``labels`` (the words).
"""

from __future__ import annotations

import io
import os
import tempfile
from decimal import Decimal
from pathlib import Path

from xlar.adjustments.model import DraftDocument
from xlar.adjustments.policy import format_rate
from xlar.adjustments.requests import reason_label
from xlar.money import format_money, minor_digits

__all__ = ["LABELS", "document_context", "write_document", "default_template"]

LABELS = {
    "en": {"credit_memo": "CREDIT NOTE", "invoice": "INVOICE",
           "revised_invoice": "REVISED INVOICE", "number": "Number", "date": "Date",
           "due": "Due date", "bill_to": "Bill to", "reference": "Original invoice",
           "po": "PO number", "reason": "Reason", "description": "Description",
           "quantity": "Qty", "unit_price": "Unit price", "amount": "Amount", "net": "Net",
           "tax": "Tax", "total": "Total", "credit_total": "Total credited",
           "note": "Note"},
    "es": {"credit_memo": "NOTA DE CRÉDITO", "invoice": "FACTURA",
           "revised_invoice": "FACTURA RECTIFICATIVA", "number": "Número", "date": "Fecha",
           "due": "Vencimiento", "bill_to": "Facturar a", "reference": "Factura original",
           "po": "Orden de compra", "reason": "Motivo", "description": "Descripción",
           "quantity": "Cant.", "unit_price": "Precio unitario", "amount": "Importe",
           "net": "Neto", "tax": "Impuesto", "total": "Total",
           "credit_total": "Total acreditado", "note": "Nota"},
}

_REASONS_ES = {"pricing": "precio", "quantity": "cantidad", "returned_goods": "devolución",
               "damaged": "mercancía dañada", "tax": "impuesto", "promotion": "promoción",
               "billing_error": "error de facturación"}


def _lines_text(text: str) -> list[str]:
    return [p.strip() for p in str(text or "").replace(";", "\n").splitlines() if p.strip()]


def document_context(doc: DraftDocument, company: dict, language: str = "en") -> dict:
    """What a template is filled with (amounts as text in the customer's locale)."""
    lang = language if language in LABELS else "en"
    labels = LABELS[lang]
    locale = "es_ES" if lang == "es" else "en_US"

    def money(cents: int) -> str:
        return format_money(int(cents), doc.currency, locale)

    if doc.kind == "credit_memo":
        title = labels["credit_memo"]
    else:
        title = labels["revised_invoice"] if doc.applies_document else labels["invoice"]
    digits = Decimal(1).scaleb(-minor_digits(doc.currency))

    def price(p: Decimal) -> str:
        # Shown with the currency's decimals, unless the price has more (0.125 a unit).
        return f"{p.quantize(digits) if p == p.quantize(digits) else p:f}"

    lines = [{"description": li.description, "quantity": f"{li.quantity.normalize():f}",
              "unit_price": price(li.unit_price), "amount": money(li.net_cents)}
             for li in doc.lines]
    reason = _REASONS_ES.get(doc.reason_code, reason_label(doc.reason_code)) if lang == "es" \
        else reason_label(doc.reason_code)
    if not lines:
        what = reason.capitalize() if reason else title.capitalize()
        lines = [{"description": what, "quantity": "1", "unit_price": "",
                  "amount": money(doc.net_cents)}]
    return {
        "labels": labels, "title": title, "number": doc.number,
        "date": f"{doc.doc_date:%Y-%m-%d}",
        "due": f"{doc.due_date:%Y-%m-%d}" if doc.due_date and doc.kind == "invoice" else "",
        "company_name": company.get("name", ""),
        "company_address": _lines_text(company.get("address", "")),
        "customer_name": doc.customer_name, "customer_id": doc.customer_id,
        "bill_to": _lines_text(doc.bill_to), "reference": doc.applies_document,
        "po": doc.po_number, "reason": reason, "lines": lines,
        "net": money(doc.net_cents), "tax": money(doc.tax_cents),
        "tax_rate": format_rate(doc.tax_rate), "total": money(doc.total_cents),
        "total_label": labels["credit_total"] if doc.kind == "credit_memo" else labels["total"],
        "note": doc.note,
    }


def default_template() -> bytes:
    """A plain template (python-docx), with the tags of the module doc."""
    from docx import Document
    from docx.shared import Pt

    d = Document()
    d.styles["Normal"].font.name = "Calibri"
    d.styles["Normal"].font.size = Pt(10)
    d.add_paragraph("{{ company_name }}").runs[0].bold = True
    d.add_paragraph("{% for a in company_address %}{{ a }}\n{% endfor %}")
    d.add_heading("{{ title }}", level=1)
    d.add_paragraph("{{ labels.number }}: {{ number }}    {{ labels.date }}: {{ date }}"
                    "{% if due %}    {{ labels.due }}: {{ due }}{% endif %}")
    d.add_paragraph("{{ labels.bill_to }}: {{ customer_name }} ({{ customer_id }})"
                    "{% for a in bill_to %}\n{{ a }}{% endfor %}")
    d.add_paragraph("{% if reference %}{{ labels.reference }}: {{ reference }}{% endif %}"
                    "{% if po %}    {{ labels.po }}: {{ po }}{% endif %}"
                    "{% if reason %}    {{ labels.reason }}: {{ reason }}{% endif %}")
    table = d.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    heads = ["{{ labels.description }}", "{{ labels.quantity }}", "{{ labels.unit_price }}",
             "{{ labels.amount }}"]
    for cell, text in zip(table.rows[0].cells, heads, strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for l in lines %}"
    for cell, text in zip(table.rows[2].cells, ["{{ l.description }}", "{{ l.quantity }}",
                                                "{{ l.unit_price }}", "{{ l.amount }}"],
                          strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    d.add_paragraph("{{ labels.net }}: {{ net }}")
    d.add_paragraph("{{ labels.tax }} ({{ tax_rate }}): {{ tax }}")
    d.add_paragraph("{{ total_label }}: {{ total }}").runs[0].bold = True
    d.add_paragraph("{% if note %}{{ labels.note }}: {{ note }}{% endif %}")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def write_document(doc: DraftDocument, folder: str | Path, company: dict,
                   language: str = "en", template: str | Path | None = None) -> Path:
    """Write the document as ``<folder>/<number>.docx``; returns its path."""
    from docxtpl import DocxTemplate

    if not doc.number:
        raise ValueError("only a posted document (with a number) is printed")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = "credit_note.docx" if doc.kind == "credit_memo" else "invoice.docx"
    own = Path(template) if template else folder / name
    source = str(own) if own.is_file() else io.BytesIO(default_template())
    tpl = DocxTemplate(source)
    tpl.render(document_context(doc, company, language), autoescape=True)
    path = folder / f"{doc.number}.docx"
    fd, tmp = tempfile.mkstemp(prefix=f".~{doc.number}-", suffix=".docx", dir=folder)
    os.close(fd)
    try:
        tpl.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
