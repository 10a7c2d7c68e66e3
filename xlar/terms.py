"""Payment terms: read the words on an invoice, work out due dates and discounts.

Supported spellings (case and spacing are free):

============================  ==============================================
``NET 30``, ``N30``, ``Net 30 days``, ``30 días``, ``Neto 30``, ``Neto 30 días``,
``Pago a 30 días``, ``a 30 días``
                              due 30 days after the document date
``2/10 NET 30``, ``2% 10 Net 30``, ``2/10 N/30``, ``2/10 Neto 30``
                              2 % discount if paid within 10 days, else net 30
``EOM``                       due on the last day of the document's month
``NET 30 EOM``, ``Neto 30 FDM``, ``30 days after the end of the invoice month``,
``Pago a 30 días fin de mes``
                              due 30 days after the end of the document's month
``2/10 EOM``, ``2% 10 EOM``   2 % discount if paid by the 10th of the month after the
                              document's month, else due on the last day of that month
``15 MFI``, ``15th prox``, ``Prox 15``, ``15th of the following month``
                              due on day 15 of the month after the document
``Due on receipt``, ``COD``, ``CIA``, ``Contado``, ``Pago inmediato``
                              due on the document date
============================  ==============================================

``2/10 EOM`` is read in its common US sense: the discount window counts from the
end of the document's month (10 days after it, so it ends on the 10th of the next
month, whatever the document's day), and the net amount is due at the end of that
next month.  A firm whose "2/10 EOM" means something else maps it, in the ``[terms]``
table, to the spelling that says so (e.g. ``2/10 NET 30 EOM``: discount within 10 days
of the document date, net 30 days after the month end).

Unknown terms are not guessed: :func:`parse_terms` raises :class:`TermsError`
with a sentence saying what to do.  A site-specific code (SAP ``ZB30``, a GP
terms ID) is added through the *aliases* argument (the ``[terms]`` table of an
import mapping), which maps the code to one of the spellings above.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

import numpy as np

__all__ = ["PaymentTerms", "TermsError", "parse_terms", "due_date", "discount_earned",
           "due_dates"]


class TermsError(ValueError):
    """Payment terms that xlar will not guess at."""


class PaymentTerms(NamedTuple):
    """Parsed payment terms.

    Attributes:
      text: the terms as written in the source.
      net_days: days from the base date to the due date (0 = due on receipt).
      from_month_end: True when days count from the end of the document's month (EOM).
      day_of_next_month: for proximo / MFI terms, the day of the following
        month the invoice falls due; None otherwise.
      discount_pct: early-payment discount in percent (Decimal('2') for 2 %), or 0.
      discount_days: days after the document date within which the discount
        may be taken (0 when there is no discount).
      discount_from_month_end: True when those days count from the end of the
        document's month instead (``2/10 EOM``).
    """

    text: str
    net_days: int = 0
    from_month_end: bool = False
    day_of_next_month: int | None = None
    discount_pct: Decimal = Decimal(0)
    discount_days: int = 0
    discount_from_month_end: bool = False

    def due_date(self, doc_date: dt.date) -> dt.date:
        return due_date(self, doc_date)


_NUM = r"(\d{1,3})"
_PCT = r"(\d{1,2}(?:[.,]\d{1,2})?)"
_NET = r"(?:net|neto|n)"
_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^(?:due on receipt|upon receipt|on receipt|due upon receipt|immediate|"
                r"immediately|cod|c\.o\.d\.?|cia|cash in advance|cash|contado|pago inmediato|"
                r"pago de contado|al contado|net 0|neto 0|0 days?|0 d[ií]as)$"), "receipt"),
    (re.compile(rf"^{_PCT}\s*%?\s*/\s*{_NUM}\s*(?:eom|fdm|fin de mes)$"), "discount_eom"),
    (re.compile(rf"^{_PCT}\s*%\s*{_NUM}\s*(?:days?|d[ií]as)?\s*(?:eom|fdm|fin de mes)$"),
     "discount_eom"),
    (re.compile(rf"^{_PCT}\s*%?\s*/\s*{_NUM}\s*,?\s*{_NET}\s*/?\s*{_NUM}(?:\s*d[ií]as?|\s*days?)?"
                r"(\s*(?:eom|fdm|fin de mes))?$"), "discount"),
    (re.compile(rf"^{_PCT}\s*%\s*{_NUM}\s*(?:days?|d[ií]as)?\s*,?\s*{_NET}\s*/?\s*{_NUM}"
                r"(?:\s*d[ií]as?|\s*days?)?(\s*(?:eom|fdm|fin de mes))?$"), "discount"),
    (re.compile(rf"^{_NET}\s*/?\s*{_NUM}(?:\s*d[ií]as?|\s*days?)?"
                r"\s*(eom|fdm|fin de mes)?$"), "net"),
    # "Pago a 30 días": Spanish invoices name the payment before the period.
    (re.compile(rf"^(?:pago\s*a\s*|a\s*)?{_NUM}\s*(?:d[ií]as?|days?)(?:\s*net[oa]?)?"
                r"\s*(eom|fdm|fin de mes)?$"), "net"),
    (re.compile(rf"^{_NUM}\s*(?:days?|d[ií]as)\s*(?:after|after the|después del|desde)\s*"
                r"(?:the\s*)?(end of (?:the )?(?:invoice )?month|fin de mes)$"), "net_eom"),
    (re.compile(rf"^{_NUM}\s*days?\s*after\s*(?:the\s*)?invoice\s*date$"), "net"),
    (re.compile(r"^(?:eom|end of month|fin de mes|fdm)$"), "eom"),
    (re.compile(rf"^{_NUM}(?:st|nd|rd|th)?\s*(?:mfi|prox\.?|proximo|próximo)$"), "prox"),
    (re.compile(rf"^(?:mfi|prox\.?|proximo|próximo)\s*{_NUM}(?:st|nd|rd|th)?$"), "prox"),
    (re.compile(rf"^(?:due\s*(?:on\s*)?(?:the\s*)?)?{_NUM}(?:st|nd|rd|th)?\s*of\s*(?:the\s*)?"
                r"following month$"), "prox"),
    (re.compile(rf"^(?:el\s*)?d[ií]a\s*{_NUM}\s*del\s*mes\s*siguiente$"), "prox"),
]


def parse_terms(text: str, aliases: dict[str, str] | None = None) -> PaymentTerms:
    """Parse payment terms text; raise :class:`TermsError` for anything unknown."""
    if aliases:
        key = str(text).strip()
        for k, v in aliases.items():
            if k.strip().lower() == key.lower():
                return parse_terms(v)._replace(text=key)
    return _parse_terms_cached(str(text))


@lru_cache(maxsize=4096)
def _parse_terms_cached(text: str) -> PaymentTerms:
    raw = text.strip()
    t = re.sub(r"\s+", " ", raw.lower()).strip(" .")
    if not t:
        raise TermsError("payment terms are empty")
    for pattern, kind in _PATTERNS:
        m = pattern.match(t)
        if not m:
            continue
        g = m.groups()
        if kind == "receipt":
            return PaymentTerms(raw, 0)
        if kind == "net":
            return PaymentTerms(raw, int(g[0]), from_month_end=bool(g[1]) if len(g) > 1 else False)
        if kind == "net_eom":
            return PaymentTerms(raw, int(g[0]), from_month_end=True)
        if kind == "eom":
            return PaymentTerms(raw, 0, from_month_end=True)
        if kind == "prox":
            day = int(g[0])
            if not 1 <= day <= 31:
                raise TermsError(f"payment terms {raw!r}: day {day} of the month does not exist")
            return PaymentTerms(raw, 0, day_of_next_month=day)
        if kind == "discount_eom":
            pct, disc_days = Decimal(g[0].replace(",", ".")), int(g[1])
            if pct <= 0 or pct >= 100:
                raise TermsError(f"payment terms {raw!r}: discount {pct}% is not plausible")
            if disc_days > 28:
                raise TermsError(
                    f"payment terms {raw!r}: a discount window of {disc_days} days after the "
                    "month end would pass the due date (the end of the next month)")
            # Net due at the end of the next month: "31 MFI" is that month's last day.
            return PaymentTerms(raw, 0, day_of_next_month=31, discount_pct=pct,
                                discount_days=disc_days, discount_from_month_end=True)
        if kind == "discount":
            pct = Decimal(g[0].replace(",", "."))
            disc_days, net = int(g[1]), int(g[2])
            if pct <= 0 or pct >= 100:
                raise TermsError(f"payment terms {raw!r}: discount {pct}% is not plausible")
            if disc_days > net:
                raise TermsError(
                    f"payment terms {raw!r}: the discount window ({disc_days} days) is longer "
                    f"than the net period ({net} days)")
            return PaymentTerms(raw, net, from_month_end=bool(g[3]), discount_pct=pct,
                                discount_days=disc_days)
    if re.fullmatch(r"(?:mfi|prox\.?|proximo|próximo)", t):
        raise TermsError(f"payment terms {raw!r} need a day of the month (e.g. '20 MFI')")
    raise TermsError(
        f"payment terms {raw!r} not understood; use e.g. 'NET 30', '2/10 NET 30', "
        f"'NET 30 EOM', '15 MFI' or 'Due on receipt', or map the code in the [terms] table "
        f"of the import mapping")


def _end_of_month(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def due_date(terms: PaymentTerms, doc_date: dt.date) -> dt.date:
    """The due date of a document dated *doc_date* under *terms*."""
    if terms.day_of_next_month is not None:
        year, month = (doc_date.year + 1, 1) if doc_date.month == 12 else (
            doc_date.year, doc_date.month + 1)
        # "31 MFI" in a 30-day month means its last day.
        day = min(terms.day_of_next_month, calendar.monthrange(year, month)[1])
        return dt.date(year, month, day)
    base = _end_of_month(doc_date) if terms.from_month_end else doc_date
    return base + dt.timedelta(days=terms.net_days)


def due_dates(terms_text, doc_dates, aliases: dict[str, str] | None = None):
    """Vectorised :func:`due_date` over columns of terms and document dates.

    Returns ``(dates: datetime64[ns] array, reasons: object array)``; a
    reason is set where the terms were not understood or the date is missing.
    Terms are parsed once per distinct text, so a million rows with ten
    terms cost ten parses.
    """
    terms_arr = np.asarray(terms_text, dtype=object)
    docs = np.asarray(doc_dates).astype("datetime64[D]")
    out = np.full(len(docs), np.datetime64("NaT"), dtype="datetime64[D]")
    reasons = np.full(len(docs), None, dtype=object)
    keys = np.array(["" if v is None or (isinstance(v, float) and v != v) else str(v)
                     for v in terms_arr], dtype=object)
    for text in set(keys):
        rows = np.flatnonzero(keys == text)
        try:
            terms = parse_terms(text, aliases)
        except TermsError as e:
            reasons[rows] = str(e)
            continue
        d = docs[rows]
        if terms.day_of_next_month is None:
            base = d
            if terms.from_month_end:
                base = (d.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
            out[rows] = base + terms.net_days
        else:
            month = d.astype("datetime64[M]") + 1
            last = ((month + 1).astype("datetime64[D]") - 1)
            first = month.astype("datetime64[D]")
            day = np.minimum(terms.day_of_next_month - 1, (last - first).astype(np.int64))
            out[rows] = first + day
        missing = rows[np.isnat(d)]
        reasons[missing] = "document date is missing, so the due date cannot be worked out"
    return out.astype("datetime64[ns]"), reasons


def discount_earned(amount_cents: int, terms: PaymentTerms, doc_date: dt.date,
                    pay_date: dt.date) -> int:
    """Early-payment discount (in minor units) earned by paying on *pay_date*.

    Zero when the terms carry no discount or the payment is late.  Rounded
    half away from zero to the cent, as Excel's ROUND does, so the figure
    equals ``=ROUND(amount*pct/100, 2)`` in a cell.
    """
    start = _end_of_month(doc_date) if terms.discount_from_month_end else doc_date
    if terms.discount_pct == 0 or (pay_date - start).days > terms.discount_days:
        return 0
    from xlar.money import round_half_up

    return int(round_half_up(Decimal(amount_cents) * terms.discount_pct / 100))
