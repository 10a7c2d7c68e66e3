"""What letters say, per language: names, subjects, e-mail bodies, and how money and dates
are written (Babel, per language and currency).

One table per kind of text, English and Spanish side by side, so a translator reads
them together.  The Spanish is written as a Spanish-speaking credit controller would
write it, not word for word.  The long letter texts live in the Word templates
(``workbooks/letters/{en,es}``); here are only the short texts that the e-mail, the
Letters sheet and the batch report need.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from xlar.money import format_money

__all__ = ["LANGUAGES", "KINDS", "KIND_NAMES", "LEVEL_NAMES", "DOC_TYPE_WORDS", "PAY_DAYS",
           "locale_of", "money_text", "date_text", "short_date_text", "kind_label",
           "subject_line", "email_paragraphs", "EMAIL_CLOSING", "SALUTATIONS",
           "parse_kind"]

LANGUAGES = ("en", "es")

#: The kinds of letter, by their file name in workbooks/letters/{en,es}/NAME.docx.
KINDS = ("dunning_1", "dunning_2", "dunning_3", "dunning_4", "statement", "credit_hold",
         "payment_receipt", "payment_plan", "promise_to_pay", "credit_memo", "special")

KIND_NAMES = {
    "en": {
        "dunning_1": "Friendly reminder", "dunning_2": "Second notice",
        "dunning_3": "Final demand", "dunning_4": "Notice before collection",
        "statement": "Statement of account", "credit_hold": "Credit hold notice",
        "payment_receipt": "Payment receipt", "payment_plan": "Payment plan confirmation",
        "promise_to_pay": "Payment commitment confirmation",
        "credit_memo": "Credit memo notice", "special": "Letter",
    },
    "es": {
        "dunning_1": "Recordatorio de pago", "dunning_2": "Segundo aviso",
        "dunning_3": "Último requerimiento de pago", "dunning_4": "Aviso previo a reclamación",
        "statement": "Extracto de cuenta", "credit_hold": "Bloqueo de cuenta",
        "payment_receipt": "Justificante de pago", "payment_plan": "Confirmación del plan de pagos",
        "promise_to_pay": "Confirmación de compromiso de pago",
        "credit_memo": "Aviso de abono", "special": "Carta",
    },
}

#: Dunning level -> name, as the Letters sheet shows it (the specialist's language).
LEVEL_NAMES = {1: "Friendly reminder", 2: "Second notice", 3: "Final demand",
               4: "Notice before collection"}

#: Days the customer is given to pay, by dunning level ("please pay by ...").
PAY_DAYS = {1: 14, 2: 10, 3: 7, 4: 7}

DOC_TYPE_WORDS = {
    "en": {"invoice": "Invoice", "debit_memo": "Debit memo", "credit_memo": "Credit memo",
           "payment": "On account"},
    "es": {"invoice": "Factura", "debit_memo": "Nota de cargo", "credit_memo": "Abono",
           "payment": "Pago a cuenta"},
}

SALUTATIONS = {"en": "Dear Accounts Payable team,", "es": "Estimados señores:"}
EMAIL_CLOSING = {"en": "Kind regards,", "es": "Un cordial saludo,"}

#: (language, currency) -> Babel locale: how amounts and dates are written.  An Irish
#: customer reads "22 November 2026" and "€1,234.56"; a Spanish one "1.234,56 €"; a
#: Mexican one billed in pesos "$1,234.56".  A Spanish-speaking customer billed in US
#: dollars gets "USD 1,234.56": "$" alone would read as pesos in Mexico.
_LOCALES = {
    ("en", "USD"): "en_US", ("en", "EUR"): "en_IE", ("en", "GBP"): "en_GB",
    ("en", "MXN"): "en_US", ("en", "CAD"): "en_CA",
    ("es", "EUR"): "es_ES", ("es", "MXN"): "es_MX", ("es", "USD"): "es_MX",
}
_DEFAULT_LOCALE = {"en": "en_US", "es": "es_ES"}


def locale_of(language: str, currency: str = "") -> str:
    """The Babel locale for a customer's language and currency."""
    language = language if language in LANGUAGES else "en"
    return _LOCALES.get((language, currency.upper()), _DEFAULT_LOCALE[language])


_GLUED_CODE = re.compile(r"^(-?)([A-Z]{3})(\d)")


@cache
def _money_locale(language: str, currency: str) -> str:
    return locale_of(language, currency)


def money_text(cents: int, currency: str, language: str = "en") -> str:
    """``$1,234.56`` / ``1.234,56 €`` / ``USD 1,234.56``, exactly from the cents."""
    text = format_money(int(cents), currency, _money_locale(language, currency))
    # CLDR glues an ISO code to the digits in some locales ("USD1,234.56"): a space reads better.
    return _GLUED_CODE.sub("\\1\\2\u00a0\\3", text)


def date_text(day: dt.date, language: str = "en", currency: str = "") -> str:
    """``November 22, 2026`` / ``22 de noviembre de 2026`` (the long form letters use)."""
    from babel.dates import format_date

    return format_date(day, "long", locale=locale_of(language, currency))


def short_date_text(day: dt.date | None, language: str = "en", currency: str = "") -> str:
    """``Nov 22, 2026`` / ``22 nov 2026``: dates in tables ('' when there is none)."""
    if day is None:
        return ""
    from babel.dates import format_date

    return format_date(day, "medium", locale=locale_of(language, currency))


def kind_label(kind: str, language: str = "en") -> str:
    return KIND_NAMES[language if language in LANGUAGES else "en"][kind]


_KIND_WORDS = {
    "dunning": "dunning", "reminder": "dunning", "letter": "dunning", "level": "dunning",
    "statement": "statement", "statement of account": "statement",
    "credit hold": "credit_hold", "credit_hold": "credit_hold", "hold": "credit_hold",
    "credit hold notice": "credit_hold",
    "special": "special", "special letter": "special",
}


def parse_kind(text: str) -> str | None:
    """What a specialist typed in the Letters sheet's *Letter* column -> a kind family
    (dunning, statement, credit_hold, special), or None when it is not one."""
    return _KIND_WORDS.get(" ".join(str(text or "").strip().lower().split()) or "dunning")


# -- Subjects and e-mail bodies ------------------------------------------------------------

_SUBJECTS = {
    "en": {
        "dunning_1": "Friendly reminder: past-due invoices on account {customer_id}",
        "dunning_2": "Second notice: past-due balance on account {customer_id}",
        "dunning_3": "Final demand: payment due by {pay_by}, account {customer_id}",
        "dunning_4": "Notice before collection: account {customer_id}",
        "statement": "Statement of account {customer_id} as of {date}",
        "credit_hold": "Your account {customer_id} has been placed on credit hold",
        "payment_receipt": "Receipt for your card payment of {amount}",
        "payment_plan": "Confirmation of your payment plan, account {customer_id}",
        "promise_to_pay": "Confirmation of your payment commitment, account {customer_id}",
        "credit_memo": "Credit memo {document} issued to your account {customer_id}",
        "special": "{title}",
    },
    "es": {
        "dunning_1": "Recordatorio: facturas vencidas en la cuenta {customer_id}",
        "dunning_2": "Segundo aviso: saldo vencido en la cuenta {customer_id}",
        "dunning_3": "Último requerimiento: pago antes del {pay_by}, cuenta {customer_id}",
        "dunning_4": "Aviso previo a reclamación: cuenta {customer_id}",
        "statement": "Extracto de la cuenta {customer_id} a {date}",
        "credit_hold": "Su cuenta {customer_id} ha quedado bloqueada para nuevos pedidos",
        "payment_receipt": "Justificante de su pago con tarjeta de {amount}",
        "payment_plan": "Confirmación de su plan de pagos, cuenta {customer_id}",
        "promise_to_pay": "Confirmación de su compromiso de pago, cuenta {customer_id}",
        "credit_memo": "Abono {document} emitido en su cuenta {customer_id}",
        "special": "{title}",
    },
}


def subject_line(kind: str, language: str, **values) -> str:
    return _SUBJECTS[language][kind].format(**values)


#: The e-mail's own text (the letter itself is the attached PDF): a short paragraph or two
#: in the customer's language, with the amount written out.
_EMAIL = {
    "en": {
        "intro": "Please find attached our letter about your account {customer_id} "
                 "({letter}).",
        "dunning": "The amount now due is {amount}. If you have already sent payment, thank "
                   "you, and please disregard this message.",
        "dunning_late": "The amount now due is {amount}; please pay by {pay_by}. If there is "
                        "a reason these invoices have not been paid, reply to this message "
                        "and we will look into it straight away.",
        "statement": "Your balance on {date} is {amount}.",
        "credit_hold": "The past-due amount is {amount}. We will release your account as "
                       "soon as it is paid.",
        "payment_receipt": "Thank you for your payment of {amount}.",
        "payment_plan": "The plan covers {amount} in {installments} installments; the first "
                        "is due on {first_date}.",
        "promise_to_pay": "Thank you for your commitment to pay {amount} by {promised_date}.",
        "credit_memo": "We have issued a credit of {amount} to your account.",
        "special": "",
        "questions": "If you have any questions, please reply to this e-mail or call us on "
                     "{phone}.",
    },
    "es": {
        "intro": "Les adjuntamos nuestra carta en relación con su cuenta {customer_id} "
                 "({letter}).",
        "dunning": "El importe vencido asciende a {amount}. Si ya han realizado el pago, les "
                   "rogamos que no tengan en cuenta este mensaje y les damos las gracias.",
        "dunning_late": "El importe vencido asciende a {amount}; les rogamos que lo abonen "
                        "antes del {pay_by}. Si existe algún motivo por el que estas facturas "
                        "no se hayan pagado, respondan a este mensaje y lo revisaremos de "
                        "inmediato.",
        "statement": "El saldo de su cuenta a {date} es de {amount}.",
        "credit_hold": "El importe vencido es de {amount}. Desbloquearemos su cuenta en "
                       "cuanto recibamos el pago.",
        "payment_receipt": "Les agradecemos su pago de {amount}.",
        "payment_plan": "El plan cubre {amount} en {installments} plazos; el primero vence el "
                        "{first_date}.",
        "promise_to_pay": "Les agradecemos su compromiso de abonar {amount} antes del "
                          "{promised_date}.",
        "credit_memo": "Hemos emitido un abono de {amount} a favor de su cuenta.",
        "special": "",
        "questions": "Para cualquier consulta, pueden responder a este correo o llamarnos al "
                     "{phone}.",
    },
}


def email_paragraphs(kind: str, language: str, **values) -> list[str]:
    """The paragraphs of the e-mail that carries a letter (salutation and closing apart)."""
    words = _EMAIL[language]
    family = "dunning" if kind == "dunning_1" else \
        "dunning_late" if kind.startswith("dunning_") else kind
    out = [words["intro"].format(**values)]
    body = words[family].format(**values)
    if body:
        out.append(body)
    if values.get("phone"):
        out.append(words["questions"].format(**values))
    return out
