"""Small text rules shared by readers and writers.

Two jobs: recognising column headers whatever the export's spelling
(``Invoice #``, ``Nº Factura``, ``invoiceNumber``), and keeping text that came
from outside from ever becoming a formula in a spreadsheet or CSV file.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise_header", "looks_like_formula", "neutralise_csv_text", "strip_accents",
           "FORMULA_PREFIXES"]

#: A cell whose text starts with one of these is read as a formula by Excel,
#: LibreOffice or Google Sheets (OWASP "CSV injection").  Tab and CR are on the
#: list because some importers strip them and then see the next character.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9#%]+")


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalise_header(text: object) -> str:
    """``'Nº  Factura'`` -> ``'no factura'``; ``'invoiceNumber'`` -> ``'invoice number'``."""
    if text is None:
        return ""
    t = str(text).strip()
    t = _CAMEL.sub(" ", t)
    t = t.replace("º", "o").replace("°", "o").replace("nº", "no")
    t = strip_accents(t).lower()
    t = t.replace("p. o.", "po").replace("p.o.", "po")
    t = _NON_WORD.sub(" ", t).strip()
    return t


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would take *text* for a formula or command."""
    return isinstance(text, str) and text.startswith(FORMULA_PREFIXES)


def neutralise_csv_text(text: str) -> str:
    """Make outside text safe in a CSV that someone will open in a spreadsheet.

    A CSV cannot say "this is text", so the OWASP rule applies: prefix a
    single quote.  (Workbooks do better: their writer stores the cell as a
    string, and the text stays exactly as it came.)
    """
    if looks_like_formula(text):
        return "'" + text
    return text
