"""Build the letter templates: workbooks/letters/{en,es}/KIND.docx.

    python workbooks/letters/make_templates.py

The .docx files this writes are committed beside it, so a user who wants other
wording copies one into their own template folder (the ``letter_templates``
setting), opens it in Word and edits it: the ``{{ ... }}`` fields are filled by
xlar (docxtpl, Jinja syntax), ``{%p ... %}`` / ``{%tr ... %}`` lines repeat or hide
a paragraph or a table row.  The fields a template may use are listed in
``xlar/letters/documents.py``.

All templates share one layout: letterhead (company name, address, phone, e-mail
from the Settings sheet), the customer's address beside the date and account
number, the subject, the body, a table of the items with totals, the signature,
and a footer with the company line.  A letter longer than a page has a continuation
header on every page after the first: the customer's name and number, the letter's
date and "Page 2 of 3", so a page that comes loose from a long statement still says
whose it is (a one-page letter, most of them, carries no page number).  English letters are US
Letter, Spanish ones A4; both have the same 6.5-inch text width, so the tables are
the same.

Each table row that repeats is one Word row holding one field per cell, and each
field sits in a single run: a field split across runs (which Word does when one
edits half of it) is not a field any more, so keep ``{{ name }}`` in one piece when
editing.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

HERE = Path(__file__).resolve().parent

NAVY = RGBColor(0x1F, 0x3A, 0x5F)
GREY = RGBColor(0x59, 0x59, 0x59)
FONT = "Arial"  # LibreOffice shows it with the metric-compatible Liberation Sans
TEXT_WIDTH = 6.5  # inches, on both paper sizes

# -- Tables.  Each row of a letter's table is one Word table row holding one cell, whose
# text runs across tab stops: LibreOffice lays out a one-cell row about twice as fast as
# a row of seven cells, which makes a batch of 1,000 letters twice as fast; on paper it is
# the same table.  A column is (field, English header, Spanish header, position in inches
# of its left edge, or of its right edge when right-aligned, right-aligned?).  To move a
# column, change its tab stop in the "Item Row" and "Item Heading" styles in Word.

ITEMS = (
    ("document", "Document", "Documento", 0.0, False),
    ("type", "Type", "Tipo", 1.12, False),
    ("date", "Date", "Fecha", 2.05, False),
    ("due", "Due date", "Vencimiento", 2.98, False),
    ("days", "Days late", "Días", 4.33, True),
    ("ref", "Your ref.", "Su ref.", 4.5, False),
    ("amount", "Amount", "Importe", 6.36, True),
)
# A statement lists the same columns; its amount is what is still open.
STATEMENT = (*ITEMS[:-1], ("amount", "Open amount", "Pendiente", 6.36, True))
RECEIPT = (
    ("document", "Invoice", "Factura", 0.0, False),
    ("date", "Invoice date", "Fecha de factura", 1.6, False),
    ("ref", "Your ref.", "Su ref.", 3.2, False),
    ("amount", "Amount paid", "Importe pagado", 6.36, True),
)
PLAN = (
    ("number", "Installment", "Plazo", 0.0, False),
    ("due", "Due date", "Vencimiento", 1.6, False),
    ("amount", "Amount", "Importe", 6.36, True),
)
#: Where the label of a total ends (right-aligned), left of the amount column.
TOTAL_LABEL_END = 5.1

# -- What each letter says.  "P:" marks a paragraph; "TABLE" the items table;
# "IF:name" ... "END" a block shown only when the field has a value. -----------------------

CHARGES = ["IF:charges", "P:{{ charges }}", "END"]
NOT_INCLUDED = {
    "en": ["IF:not_included", "P:Not included in this letter: {{ not_included }}.", "END"],
    "es": ["IF:not_included", "P:No se incluyen en esta carta: {{ not_included }}.", "END"],
}

TEXTS: dict[str, dict[str, list[str]]] = {
    "dunning_1": {
        "en": [
            "P:Our records show that the invoices listed below are past due. We understand "
            "that an invoice can easily be overlooked, so this is simply a friendly reminder.",
            "TABLE",
            "P:The amount now due is {{ amount_due }}. We would be grateful if you could "
            "arrange payment by {{ pay_by }}. If you have already sent it, thank you, and "
            "please disregard this letter.",
            *CHARGES, *NOT_INCLUDED["en"],
            "P:If you have any questions about these invoices, or if there is a reason they "
            "have not been paid, please contact us at {{ company.phone }} or "
            "{{ company.email }}. We will be glad to help.",
        ],
        "es": [
            "P:Al revisar su cuenta hemos comprobado que las facturas que se detallan a "
            "continuación se encuentran vencidas. Entendemos que puede tratarse de un simple "
            "descuido, por lo que les enviamos este recordatorio.",
            "TABLE",
            "P:El importe pendiente asciende a {{ amount_due }}. Les agradeceríamos que "
            "realizaran el pago antes del {{ pay_by }}. Si ya lo han efectuado, les rogamos "
            "que no tengan en cuenta esta carta y les damos las gracias.",
            *CHARGES, *NOT_INCLUDED["es"],
            "P:Si tienen alguna duda sobre estas facturas o existe algún motivo por el que no "
            "se hayan abonado, no duden en ponerse en contacto con nosotros en el teléfono "
            "{{ company.phone }} o en {{ company.email }}. Estaremos encantados de ayudarles.",
        ],
    },
    "dunning_2": {
        "en": [
            "P:{% if last_letter_date %}On {{ last_letter_date }} we wrote to you about the "
            "past-due invoices listed below.{% else %}We have written to you before about the "
            "past-due invoices listed below.{% endif %} We have not yet received your payment, "
            "nor heard from you about them.",
            "TABLE",
            "P:The amount now due is {{ amount_due }}. Please make sure that it reaches us by "
            "{{ pay_by }}, or contact us before that date so that we can agree together how it "
            "will be settled.",
            *CHARGES, *NOT_INCLUDED["en"],
            "P:You can reach us at {{ company.phone }} or {{ company.email }}.",
        ],
        "es": [
            "P:{% if last_letter_date %}El pasado {{ last_letter_date }} nos dirigimos a ustedes "
            "en relación con las facturas vencidas que se detallan a continuación.{% else %}Ya "
            "nos hemos dirigido a ustedes en relación con las facturas vencidas que se detallan "
            "a continuación.{% endif %} Hasta la fecha no hemos recibido el pago ni noticias "
            "suyas al respecto.",
            "TABLE",
            "P:El importe pendiente asciende a {{ amount_due }}. Les rogamos que efectúen el "
            "pago antes del {{ pay_by }} o que se pongan en contacto con nosotros antes de esa "
            "fecha para acordar la forma de liquidarlo.",
            *CHARGES, *NOT_INCLUDED["es"],
            "P:Pueden contactar con nosotros en el teléfono {{ company.phone }} o en "
            "{{ company.email }}.",
        ],
    },
    "dunning_3": {
        "en": [
            "P:Despite our previous reminders{% if last_letter_date %}, the last of them on "
            "{{ last_letter_date }}{% endif %}, the invoices listed below remain unpaid. This "
            "letter is our final demand for payment.",
            "TABLE",
            "P:Unless we receive {{ total_to_pay }} by {{ pay_by }}, we will place your account "
            "on credit hold and may refer the debt to a collection agency without further "
            "notice.",
            *CHARGES, *NOT_INCLUDED["en"],
            "P:If you cannot pay the full amount by that date, please call us at "
            "{{ company.phone }} before then: we are still willing to agree a payment plan "
            "with you.",
        ],
        "es": [
            "P:A pesar de nuestros recordatorios anteriores{% if last_letter_date %}, el último "
            "de ellos del {{ last_letter_date }}{% endif %}, las facturas que se detallan a "
            "continuación siguen pendientes de pago. Por medio de la presente les requerimos "
            "formalmente su pago.",
            "TABLE",
            "P:Si no recibimos {{ total_to_pay }} antes del {{ pay_by }}, procederemos a "
            "bloquear su cuenta para nuevos pedidos y podremos encomendar el cobro de la deuda "
            "a una agencia de recobro sin más aviso.",
            *CHARGES, *NOT_INCLUDED["es"],
            "P:Si no pueden abonar la totalidad del importe en ese plazo, llámennos al "
            "{{ company.phone }} antes de dicha fecha: seguimos dispuestos a acordar con "
            "ustedes un plan de pagos.",
        ],
    },
    "dunning_4": {
        "en": [
            "P:Your account remains seriously past due despite our letters{% if "
            "last_letter_date %}, the most recent of {{ last_letter_date }}{% endif %}. The "
            "invoices listed below are still unpaid.",
            "TABLE",
            "P:This is formal notice that, unless {{ total_to_pay }} is paid in full by "
            "{{ pay_by }}, your account will be placed on credit hold, no further orders will "
            "be shipped, and the debt will be passed to our collection agency. Collection costs "
            "may then be added to the amount you owe.",
            *CHARGES, *NOT_INCLUDED["en"],
            "P:To avoid this, please pay now or call {{ signature.name }} on "
            "{{ company.phone }} today.",
        ],
        "es": [
            "P:Su cuenta sigue presentando un importe vencido considerable pese a nuestras "
            "cartas{% if last_letter_date %}, la última de ellas del {{ last_letter_date }}"
            "{% endif %}. Las facturas que se detallan a continuación continúan sin pagarse.",
            "TABLE",
            "P:Por la presente les comunicamos que, si el importe de {{ total_to_pay }} no está "
            "totalmente abonado el {{ pay_by }}, bloquearemos su cuenta, dejaremos de servir "
            "pedidos y trasladaremos la deuda a nuestra agencia de recobro. Los gastos de "
            "gestión de cobro podrían añadirse entonces al importe adeudado.",
            *CHARGES, *NOT_INCLUDED["es"],
            "P:Para evitarlo, les rogamos que realicen el pago de inmediato o que llamen hoy "
            "mismo a {{ signature.name }} al {{ company.phone }}.",
        ],
    },
    "statement": {
        "en": [
            "P:Below is the statement of your account as of {{ date }}, listing every open "
            "item. Credits are shown with a minus sign.",
            "TABLE",
            "P:Your balance is {{ amount_due }}. Please check this statement against your "
            "records; if anything does not match, let us know so that we can reconcile it.",
        ],
        "es": [
            "P:A continuación les remitimos el extracto de su cuenta a {{ date }}, con todas "
            "las partidas abiertas. Los abonos figuran con signo negativo.",
            "TABLE",
            "P:El saldo de su cuenta es de {{ amount_due }}. Les rogamos que cotejen este "
            "extracto con su contabilidad y nos comuniquen cualquier discrepancia para poder "
            "conciliarla.",
        ],
    },
    "credit_hold": {
        "en": [
            "P:We regret to inform you that your account has been placed on credit hold. "
            "Until it is released, we cannot ship new orders on credit.",
            "TABLE",
            "P:The amount now due is {{ amount_due }}. As soon as it is paid, we will release "
            "your account and process any orders that are waiting.",
            *NOT_INCLUDED["en"],
            "P:If you believe this is an error, or if you would like to discuss a payment "
            "arrangement, please contact {{ signature.name }} on {{ company.phone }} or at "
            "{{ company.email }}.",
        ],
        "es": [
            "P:Lamentamos comunicarles que su cuenta ha quedado bloqueada para nuevos pedidos "
            "a crédito. Mientras se mantenga el bloqueo, no podremos servirles nuevos pedidos "
            "con pago aplazado.",
            "TABLE",
            "P:El importe pendiente asciende a {{ amount_due }}. En cuanto recibamos el pago, "
            "desbloquearemos su cuenta y tramitaremos los pedidos que estén a la espera.",
            *NOT_INCLUDED["es"],
            "P:Si consideran que se trata de un error o desean acordar un plan de pagos, "
            "pónganse en contacto con {{ signature.name }} en el {{ company.phone }} o en "
            "{{ company.email }}.",
        ],
    },
    "payment_receipt": {
        "en": [
            "P:Thank you for your card payment, taken by telephone on {{ receipt.paid_on }}. "
            "This letter is your receipt.",
            "FACTS:Amount paid={{ receipt.amount }}|Card=ending in {{ receipt.last4 }}|"
            "Authorisation code={{ receipt.auth_code }}|Taken by={{ receipt.taken_by }}",
            "TABLE",
            "P:Please keep this receipt for your records. For your security, we never keep "
            "your full card number.",
        ],
        "es": [
            "P:Les agradecemos el pago con tarjeta que realizaron por teléfono el "
            "{{ receipt.paid_on }}. Esta carta sirve como justificante del pago.",
            "FACTS:Importe abonado={{ receipt.amount }}|Tarjeta=terminada en "
            "{{ receipt.last4 }}|Código de autorización={{ receipt.auth_code }}|"
            "Atendido por={{ receipt.taken_by }}",
            "TABLE",
            "P:Conserven este justificante para su contabilidad. Por su seguridad, nunca "
            "guardamos el número completo de la tarjeta.",
        ],
    },
    "payment_plan": {
        "en": [
            "P:Thank you for agreeing a payment plan with us. As discussed, the balance of "
            "{{ plan.total }} will be paid in {{ plan.installments }} {{ plan.frequency }} "
            "installments, as follows:",
            "TABLE",
            "P:Please make each payment by its due date, quoting your account number "
            "{{ customer.id }}. While the plan is kept, we will not send you reminders for the "
            "invoices it covers{% if plan.documents %} ({{ plan.documents }}){% endif %}. If a "
            "payment is missed, the whole remaining balance becomes due at once.",
        ],
        "es": [
            "P:Les agradecemos que hayan acordado con nosotros un plan de pagos. Tal como "
            "convinimos, el saldo de {{ plan.total }} se abonará en {{ plan.installments }} "
            "plazos {{ plan.frequency }}, según el siguiente calendario:",
            "TABLE",
            "P:Les rogamos que realicen cada pago en su fecha de vencimiento, indicando su "
            "número de cliente {{ customer.id }}. Mientras se cumpla el plan, no les "
            "enviaremos recordatorios por las facturas que incluye{% if plan.documents %} "
            "({{ plan.documents }}){% endif %}. Si se incumple algún plazo, la totalidad del "
            "saldo pendiente será exigible de inmediato.",
        ],
    },
    "promise_to_pay": {
        "en": [
            "P:Thank you for speaking with us on {{ promise.promised_on }}{% if promise.contact "
            "%} ({{ promise.contact }}){% endif %}. This letter confirms your commitment to pay "
            "{{ promise.amount }} by {{ promise.promised_date }} for the items listed below.",
            "TABLE",
            "P:We will not send further reminders for these items until that date. If "
            "anything changes, please let us know before then.",
        ],
        "es": [
            "P:Les agradecemos la conversación mantenida el {{ promise.promised_on }}{% if "
            "promise.contact %} con {{ promise.contact }}{% endif %}. Por la presente "
            "confirmamos su compromiso de abonar {{ promise.amount }} antes del "
            "{{ promise.promised_date }} por las partidas que se detallan a continuación.",
            "TABLE",
            "P:Hasta esa fecha no les enviaremos nuevos recordatorios por estas partidas. Si "
            "hubiera algún cambio, les rogamos que nos lo comuniquen con antelación.",
        ],
    },
    "credit_memo": {
        "en": [
            "P:We have issued credit memo {{ credit.document }}, dated {{ credit.date }}, for "
            "{{ credit.amount }} to your account{% if credit.invoice %}, relating to invoice "
            "{{ credit.invoice }}{% endif %}. Your open items after this credit are listed "
            "below.",
            "TABLE",
            "P:The credit will be set against your open invoices{% if credit.invoice %}, "
            "starting with {{ credit.invoice }}{% endif %}; you do not need to do anything. If "
            "you would prefer a refund, please let us know.",
        ],
        "es": [
            "P:Les informamos de que hemos emitido a su favor el abono {{ credit.document }}, "
            "de fecha {{ credit.date }}, por importe de {{ credit.amount }}{% if credit.invoice "
            "%}, correspondiente a la factura {{ credit.invoice }}{% endif %}. A continuación "
            "detallamos las partidas abiertas de su cuenta tras este abono.",
            "TABLE",
            "P:El abono se compensará con sus facturas pendientes{% if credit.invoice %}, "
            "empezando por la {{ credit.invoice }}{% endif %}, sin que tengan que hacer nada. "
            "Si prefieren que se lo reembolsemos, no duden en indicárnoslo.",
        ],
    },
    "special": {
        "en": ["LOOP:special_paragraphs", "TABLE"],
        "es": ["LOOP:special_paragraphs", "TABLE"],
    },
}

TABLES = {"statement": STATEMENT, "payment_receipt": RECEIPT, "payment_plan": PLAN}

WORDS = {
    "en": {"account": "Customer no.", "contact": "Your contact", "closing": "Sincerely,",
           "currency": "Amounts in", "page": "Page", "of": "of"},
    "es": {"account": "N.º de cliente", "contact": "Su contacto", "closing": "Atentamente,",
           "currency": "Importes en", "page": "Página", "of": "de"},
}


# -- Low-level helpers (python-docx has no API for borders, shading, widths) -----------------

def _el(tag: str, **attrs) -> OxmlElement:
    e = OxmlElement(tag)
    for k, v in attrs.items():
        e.set(qn(f"w:{k}"), str(v))
    return e


def _twips(inches: float) -> int:
    return round(inches * 1440)


def _borders(parent, tag: str, **sides) -> None:
    """sides: top/bottom/left/right/insideH/insideV -> (size in eighths of a point, colour)
    or None for no border."""
    box = _el(tag)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        if side not in sides:
            continue
        spec = sides[side]
        if spec is None:
            box.append(_el(f"w:{side}", val="nil"))
        else:
            size, colour = spec
            box.append(_el(f"w:{side}", val="single", sz=size, space=0, color=colour))
    parent.append(box)


def _run(paragraph, text: str, bold: bool = False, size: float | None = None,
         colour: RGBColor | None = None, italic: bool = False):
    r = paragraph.add_run(text)  # one run per field: docxtpl needs {{ }} in one piece
    r.bold = bold or None
    r.italic = italic or None
    if size:
        r.font.size = Pt(size)
    if colour is not None:
        r.font.color.rgb = colour
    return r


def _para(container, text: str = "", bold: bool = False, size: float | None = None,
          colour: RGBColor | None = None, align=None, after: float | None = None,
          before: float | None = None, keep: bool = False, style: str | None = None):
    p = container.add_paragraph(style=style)
    if text:
        _run(p, text, bold, size, colour)
    fmt = p.paragraph_format
    if align is not None:
        p.alignment = align
    if after is not None:
        fmt.space_after = Pt(after)
    if before is not None:
        fmt.space_before = Pt(before)
    if keep:
        fmt.keep_with_next = True
    return p


def _cell_setup(cell, width: float, shade: str | None = None, **borders) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    for old in tc_pr.findall(qn("w:tcW")):
        tc_pr.remove(old)
    tc_pr.append(_el("w:tcW", w=_twips(width), type="dxa"))
    if borders:
        _borders(tc_pr, "w:tcBorders", **borders)
    if shade:
        tc_pr.append(_el("w:shd", val="clear", color="auto", fill=shade))


def _field(name: str) -> str:
    """A Jinja field as docxtpl reads it: ``{{ name }}``."""
    return "{{ " + name + " }}"


def _cell_text(cell, text: str, style: str = "Table Text") -> None:
    """Text in a cell, formatted by a paragraph style: a table of a hundred rows then
    holds no formatting per cell, which keeps letters small and quick to lay out."""
    p = cell.paragraphs[0]
    p.style = cell.part.document.styles[style]
    if text:
        p.add_run(text)


def _table(doc, widths: list[float], rows: int):
    t = doc.add_table(rows=rows, cols=len(widths))
    t.alignment = WD_TABLE_ALIGNMENT.LEFT
    t.autofit = False
    tbl_pr = t._tbl.tblPr
    tbl_pr.append(_el("w:tblW", w=_twips(sum(widths)), type="dxa"))
    tbl_pr.append(_el("w:tblLayout", type="fixed"))
    margins = _el("w:tblCellMar")
    for side in ("left", "right"):
        margins.append(_el(f"w:{side}", w=70, type="dxa"))
    for side in ("top", "bottom"):
        margins.append(_el(f"w:{side}", w=40, type="dxa"))
    tbl_pr.append(margins)
    grid = t._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(_twips(w)))
    return t


def _row_flags(row, header: bool = False) -> None:
    """Rows never break across pages; the header row repeats on every page."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_el("w:cantSplit"))
    if header:
        tr_pr.append(_el("w:tblHeader"))


# -- The parts of a letter -------------------------------------------------------------------

def _item_styles(doc, columns) -> None:
    """The table's paragraph styles, with a tab stop per column (and the totals' two)."""
    for name, base, bold, colour, size in (("Item Heading", "Table Heading", True, NAVY, 8.5),
                                           ("Item Row", "Table Text", False, None, 9),
                                           ("Item Total", "Table Text", False, None, 9),
                                           ("Item Grand Total", "Table Text", True, None, 9)):
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = doc.styles[base]
        st.font.bold = bold
        st.font.size = Pt(size)
        if colour is not None:
            st.font.color.rgb = colour
        stops = st.paragraph_format.tab_stops
        if name in ("Item Heading", "Item Row"):
            for _, _, _, at, right in columns[1:]:
                stops.add_tab_stop(Inches(at), WD_TAB_ALIGNMENT.RIGHT if right
                                   else WD_TAB_ALIGNMENT.LEFT)
        else:
            stops.add_tab_stop(Inches(TOTAL_LABEL_END), WD_TAB_ALIGNMENT.RIGHT)
            stops.add_tab_stop(Inches(columns[-1][3]), WD_TAB_ALIGNMENT.RIGHT)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{attr}"), FONT)
    pf = normal.paragraph_format
    pf.space_after = Pt(7)
    pf.space_before = Pt(0)
    pf.line_spacing = 1.1
    pf.widow_control = True
    # The tables' text: edit these styles in Word to change every table at once.
    for name, base, size, bold, colour, right in (
            ("Table Text", "Normal", 9, False, None, False),
            ("Table Heading", "Table Text", 8.5, True, NAVY, False),
            ("Table Label", "Table Text", 9.5, False, GREY, False),
            ("Table Value", "Table Text", 9.5, True, None, False)):
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = doc.styles[base]
        st.paragraph_format.space_after = Pt(0)
        st.paragraph_format.space_before = Pt(0)
        st.paragraph_format.line_spacing = 1.0
        if size:
            st.font.size = Pt(size)
        if bold is not None:
            st.font.bold = bold
        if colour is not None:
            st.font.color.rgb = colour
        if right:
            st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _page(doc, language: str) -> None:
    s = doc.sections[0]
    if language == "en":  # US Letter
        s.page_width, s.page_height = Inches(8.5), Inches(11)
    else:  # A4
        s.page_width, s.page_height = Inches(8.27), Inches(11.69)
    side = (s.page_width.inches - TEXT_WIDTH) / 2
    s.left_margin = s.right_margin = Inches(side)
    s.top_margin = Inches(0.7)
    s.bottom_margin = Inches(0.8)
    s.header_distance = Inches(0.4)
    s.footer_distance = Inches(0.4)
    s.start_type = WD_SECTION.NEW_PAGE
    # The first page has the letterhead in the body; the pages after it have a header.
    s.different_first_page_header_footer = True


def _page_field(paragraph, instr: str) -> None:
    """A Word field (PAGE, NUMPAGES) in *paragraph*, formatted like the text around it;
    its shown value is 1 until Word or LibreOffice lays the letter out."""
    run = _run(paragraph, "1", size=7.5, colour=GREY)
    field = _el("w:fldSimple", instr=f" {instr} ")
    run._r.addprevious(field)
    field.append(run._r)


def _page_x_of_y(paragraph, language: str) -> None:
    """"Page 2 of 3": the page of this letter, and how many pages the letter has.  (In a
    batch's print document each long letter is a section of its own; xlar writes its page
    count there, see xlar/letters/render.py.)"""
    w = WORDS[language]
    _run(paragraph, f"{w['page']} ", size=7.5, colour=GREY)
    _page_field(paragraph, "PAGE")
    _run(paragraph, f" {w['of']} ", size=7.5, colour=GREY)
    _page_field(paragraph, "NUMPAGES")


def _footer(doc, language: str) -> None:
    """The company's line at the foot of every page (the first page's footer is a part
    of its own, the same)."""
    s = doc.sections[0]
    for footer in (s.first_page_footer, s.footer):
        p = footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _borders(p._p.get_or_add_pPr(), "w:pBdr", top=(4, "A6A6A6"))
        _run(p, "{{ company.footer_line }}", size=7.5, colour=GREY)


def _continuation_header(doc, language: str) -> None:
    """On the pages after the first: whose letter it is (name, customer number, date)
    and "Page x of y"; the first page's header is empty (the letterhead is there).
    (A batch prints its one-page letters with the first page's header and footer only,
    see xlar/letters/render.py.)"""
    s = doc.sections[0]
    s.first_page_header.paragraphs[0].paragraph_format.space_after = Pt(0)
    p = s.header.paragraphs[0]
    fmt = p.paragraph_format
    fmt.space_after = Pt(0)
    fmt.tab_stops.add_tab_stop(Inches(TEXT_WIDTH), WD_TAB_ALIGNMENT.RIGHT)
    _borders(p._p.get_or_add_pPr(), "w:pBdr", bottom=(4, "A6A6A6"))
    _run(p, "{{ customer.name }}", size=7.5, bold=True, colour=GREY)
    _run(p, f"   ·   {WORDS[language]['account']}: ", size=7.5, colour=GREY)
    _run(p, "{{ customer.id }}", size=7.5, colour=GREY)
    _run(p, "   ·   ", size=7.5, colour=GREY)
    _run(p, "{{ date }}", size=7.5, colour=GREY)
    p.add_run().add_tab()
    _page_x_of_y(p, language)


def _letterhead(doc) -> None:
    _para(doc, "{{ company.name }}", bold=True, size=17, colour=NAVY, after=1)
    p = _para(doc, "{{ company.address_line }}", size=8.5, colour=GREY, after=0)
    p = _para(doc, "{{ company.contact_line }}", size=8.5, colour=GREY, after=18)
    _borders(p._p.get_or_add_pPr(), "w:pBdr", bottom=(8, "1F3A5F"))
    p.paragraph_format.space_after = Pt(20)


def _address_and_date(doc, language: str) -> None:
    """The date on the right; the customer's name and address; the account line.  (No
    table: a two-cell table on every letter costs LibreOffice a sixth of a batch's time.)"""
    w = WORDS[language]
    _para(doc, "{{ date }}", align=WD_ALIGN_PARAGRAPH.RIGHT, after=10)
    _para(doc, "{{ customer.name }}", bold=True, after=0)
    _para(doc, "{%p for line in customer.address_lines %}", after=0)
    _para(doc, "{{ line }}", after=0)
    _para(doc, "{%p endfor %}", after=0)
    p = _para(doc, "", before=10, after=14)
    _run(p, f"{w['account']}: ", size=8.5, colour=GREY)
    _run(p, "{{ customer.id }}", size=8.5)
    _run(p, f"   ·   {w['contact']}: ", size=8.5, colour=GREY)
    _run(p, "{{ signature.name }}", size=8.5)


def _subject(doc, language: str) -> None:
    _para(doc, "{{ subject }}", bold=True, size=11, colour=NAVY, after=10, keep=True)
    _para(doc, "{{ salutation }}", after=8)


def _facts(doc, spec: str) -> None:
    """A small two-column block of labelled facts (the receipt's amount, card, code)."""
    pairs = [part.split("=", 1) for part in spec.split("|")]
    t = _table(doc, [2.0, 4.5], len(pairs))
    for row, (label, value) in zip(t.rows, pairs, strict=True):
        _row_flags(row)
        a, b = row.cells
        _cell_setup(a, 2.0)
        _cell_setup(b, 4.5)
        _cell_text(a, label, "Table Label")
        _cell_text(b, value, "Table Value")
    _para(doc, "", after=4)


def _tabbed(cell, style: str, parts: list[str]) -> None:
    """One paragraph in *cell*: the *parts* separated by tabs, each in a run of its own."""
    p = cell.paragraphs[0]
    p.style = cell.part.document.styles[style]
    for k, text in enumerate(parts):
        if k:
            p.add_run().add_tab()
        if text:
            p.add_run(text)


def _items_table(doc, columns, language: str) -> None:
    """The items, one table per currency, with the totals under the amount column."""
    width = TEXT_WIDTH
    line = (4, "BFBFBF")
    rule = (8, "1F3A5F")
    _para(doc, "{%p for g in groups %}", after=0)
    _para(doc, "{%p if groups|length > 1 %}", after=0)
    heading = _para(doc, "", after=3, keep=True)
    _run(heading, f"{WORDS[language]['currency']} ", size=9, colour=GREY)
    _run(heading, "{{ g.currency }}", size=9, bold=True, colour=GREY)
    _para(doc, "{%p endif %}", after=0)
    # header, loop start, item row, loop end, totals loop start, totals row, loop end, total
    t = _table(doc, [width], 8)
    header = t.rows[0]
    _row_flags(header, header=True)
    _cell_setup(header.cells[0], width, shade="E8EDF3", bottom=rule)
    _tabbed(header.cells[0], "Item Heading",
            [en if language == "en" else es for _, en, es, _, _ in columns])
    control = {1: "{%tr for r in g.rows %}", 3: "{%tr endfor %}",
               4: "{%tr for t in g.totals %}", 6: "{%tr endfor %}"}
    for i, text in control.items():
        _cell_setup(t.rows[i].cells[0], width)
        _cell_text(t.rows[i].cells[0], text)  # the row is replaced by the loop tag
    item = t.rows[2]
    _row_flags(item)
    _cell_setup(item.cells[0], width, bottom=line)
    _tabbed(item.cells[0], "Item Row", [_field(f"r.{c[0]}") for c in columns])
    for index, style, top in ((5, "Item Total", None), (7, "Item Grand Total", rule)):
        row = t.rows[index]
        _row_flags(row)
        _cell_setup(row.cells[0], width, **({"top": top} if top else {}))
        name, value = ("t.label", "t.amount") if index == 5 else ("g.total_label", "g.total")
        _tabbed(row.cells[0], style, ["", _field(name), _field(value)])
    _para(doc, "", after=6)
    _para(doc, "{%p endfor %}", after=0)


def _body(doc, kind: str, language: str) -> None:
    lines = TEXTS[kind][language]
    columns = TABLES.get(kind, ITEMS)
    for line in lines:
        if line == "TABLE":
            _items_table(doc, columns, language)
        elif line.startswith("IF:"):
            _para(doc, "{%p if " + line[3:] + " %}", after=0)
        elif line == "END":
            _para(doc, "{%p endif %}", after=0)
        elif line.startswith("LOOP:"):
            _para(doc, "{%p for para in " + line[5:] + " %}", after=0)
            _para(doc, "{{ para }}")
            _para(doc, "{%p endfor %}", after=0)
        elif line.startswith("FACTS:"):
            _facts(doc, line[6:])
        else:
            _para(doc, line[2:])


def _signature(doc, language: str) -> None:
    _para(doc, WORDS[language]["closing"], before=6, after=30, keep=True)
    _para(doc, "{{ signature.name }}", bold=True, after=0, keep=True)
    _para(doc, "{{ signature.title }}", after=0, keep=True)
    _para(doc, "{{ company.name }}", after=0)


def build_template(kind: str, language: str) -> Document:
    doc = Document()
    _styles(doc)
    _item_styles(doc, TABLES.get(kind, ITEMS))
    _page(doc, language)
    _letterhead(doc)
    _address_and_date(doc, language)
    _subject(doc, language)
    _body(doc, kind, language)
    _signature(doc, language)
    _continuation_header(doc, language)
    _footer(doc, language)
    props = doc.core_properties
    props.title = f"xlar letter template: {kind} ({language})"
    props.author = "xlar"
    # No Jinja tags here: docxtpl renders the document properties too.
    props.comments = ("Fields in double curly braces are filled by xlar; lines starting with "
                      "a curly brace and a percent sign repeat or hide paragraphs and table "
                      "rows. Keep each field in one piece when editing.")
    return doc


#: Parts of python-docx's blank document that a letter does not need: Word 2010's second copy
#: of the styles, a thumbnail and a custom XML item.  Left out, every letter is smaller and
#: quicker to write; Word opens the file the same.
_DROP = ("word/stylesWithEffects.xml", "docProps/thumbnail.jpeg", "customXml/")


def _used_styles(parts: dict[str, bytes]) -> set[str]:
    import re

    used = set()
    for name, data in parts.items():
        if name.startswith("word/") and name.endswith(".xml") and name != "word/styles.xml":
            used |= set(re.findall(rb'w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"', data))
    return {u.decode() for u in used}


def _slim_styles(xml: bytes, used: set[str]) -> bytes:
    """Keep the default styles and the ones the letter uses (and what they are based on);
    drop the hundreds of latent and built-in styles of the blank document."""
    from lxml import etree

    root = etree.fromstring(xml)
    latent = root.find(qn("w:latentStyles"))
    if latent is not None:
        root.remove(latent)
    styles = {s.get(qn("w:styleId")): s for s in root.findall(qn("w:style"))}
    keep = {sid for sid, s in styles.items() if s.get(qn("w:default")) == "1"} | used
    todo = list(keep)
    while todo:  # a kept style keeps the styles it is based on and links to
        s = styles.get(todo.pop())
        if s is None:
            continue
        for tag in ("w:basedOn", "w:link", "w:next"):
            e = s.find(qn(tag))
            if e is not None and e.get(qn("w:val")) not in keep:
                keep.add(e.get(qn("w:val")))
                todo.append(e.get(qn("w:val")))
    for sid, s in styles.items():
        if sid not in keep:
            root.remove(s)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _slim(path: Path) -> None:
    """Rewrite *path* without the parts of :data:`_DROP` and with only the styles it uses."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts = {n: d for n, d in parts.items() if not n.startswith(_DROP)}
    dropped = "|".join(re.escape(d.split("/")[-1] or d.split("/")[-2]) for d in _DROP)
    for name in list(parts):
        if name.endswith(".rels") or name == "[Content_Types].xml":
            parts[name] = re.sub(rb"<(?:Relationship|Override)[^>]*(?:" + dropped.encode() +
                                 rb")[^>]*/>", b"", parts[name])
    parts["word/styles.xml"] = _slim_styles(parts["word/styles.xml"], _used_styles(parts))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def main() -> None:
    for language in ("en", "es"):
        folder = HERE / language
        folder.mkdir(exist_ok=True)
        for kind in TEXTS:
            target = folder / f"{kind}.docx"
            build_template(kind, language).save(target)
            _slim(target)
    print(f"templates written to {HERE}/en and {HERE}/es")


if __name__ == "__main__":
    main()
