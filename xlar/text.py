"""Small text rules shared by readers and writers.

Two jobs: recognising column headers whatever the export's spelling
(``Invoice #``, ``Nº Factura``, ``invoiceNumber``), and keeping text that came
from outside from ever becoming a formula in a spreadsheet or CSV file.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["text_from_codes", "join_text", "starts_with_pattern", "normalise_header",
           "looks_like_formula", "neutralise_csv_text", "strip_accents", "FORMULA_PREFIXES"]

#: A cell whose text starts with one of these is read as a formula by Excel,
#: LibreOffice or Google Sheets (OWASP "CSV injection").  Tab and CR are on the
#: list because some importers strip them and then see the next character.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9#%]+")


def strip_accents(text: str) -> str:
    if text.isascii():  # most text; and a broken line's megabyte costs nothing here
        return text
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
    string, and the text stays exactly as it came.)  A plain signed number
    (``-120.50``) is left as it is: no spreadsheet makes a formula of it, and
    the program reading the CSV must still see a number.
    """
    if looks_like_formula(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


_PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9.,]*")


def starts_with_pattern(values, pattern: str):
    """Bool array: which texts match *pattern* at their start, case-insensitive.

    Runs inside Arrow (RE2) for Arrow-backed text; pandas' ``str.match``
    would call Python's ``re`` once per row.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        arr = pa.array(values.array)
    else:
        # Text from a spreadsheet (object cells): into Arrow once, then the same RE2 pass.
        try:
            arr = pa.array(values.astype(str).to_numpy(object), type=pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return values.astype(str).str.match(pattern, case=False).to_numpy(bool) \
                if len(values) else np.zeros(0, bool)
    hit = pc.match_substring_regex(arr, "^(?:" + pattern + ")", ignore_case=True)
    return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)


def _is_arrow_text(values) -> bool:
    import pandas as pd

    return isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"


def text_from_codes(codes, names):
    """A text Series from small-integer *codes* into *names*, built inside Arrow
    (a million short strings made one by one would cost a second)."""
    import numpy as np
    import pandas as pd

    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return pd.Series(np.asarray(names, dtype=object)[codes], dtype="str")
    arr = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)),
                                         pa.array(list(names), pa.string())).cast(pa.string())
    return pd.Series(arr.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
                     .array, dtype="str")


def join_text(sep: str, *columns):
    """Row-wise ``a + sep + b + sep + c`` in one pass (Arrow), for keys."""
    import pandas as pd

    if all(_is_arrow_text(c) for c in columns):
        import pyarrow as pa
        import pyarrow.compute as pc

        arrays = [pa.array(c.array).cast(pa.large_string()) for c in columns]
        joined = pc.binary_join_element_wise(*arrays, pa.scalar(sep, pa.large_string()))
        return pd.Series(pd.arrays.ArrowStringArray(joined.cast(pa.large_string())),
                         index=columns[0].index).astype("str")
    out = columns[0].astype(str)
    for c in columns[1:]:
        out = out + sep + c.astype(str)
    return out
