"""Finding document numbers in what payers write.

Payers write ``INV-00104233``, ``Inv #104233``, ``factura 104233``, ``F104233``,
``104233/104240`` or put the number in an RF creditor reference.  Documents
are compared in a *normal form*: upper case, no separators, the usual
prefixes (INV, INVOICE, FACT, FACTURA, FRA, NO, NUM, #) and leading zeros
removed.  ``INV-00104233`` and ``inv 104233`` are both ``104233``.

Typos are the other half: a transposed pair (``104323``) or one wrong digit
is *one edit* away; the matching engine accepts such a near miss only with
other evidence (same customer, same amount), never alone.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["normal_document", "normal_documents", "reference_tokens", "one_edit_apart",
           "strip_rf"]

_PREFIX = re.compile(
    r"^(?:INVOICE|INVOIC|INV|FACTURA|FACT|FAC|FRA|FT|BILL|DOC|DOCUMENT|NUMERO|NUM|NO|NR|N|"
    r"REF|RECHNUNG|RE|CM|DM|PMT|CREDITNOTE|CREDIT|NC)(?=\d)")
_SEPARATORS = re.compile(r"[\s\-_./#:]+")


def normal_document(doc: str) -> str:
    """A document number in the form it is compared in (see the module docstring)."""
    t = _SEPARATORS.sub("", str(doc).upper())
    t = _PREFIX.sub("", t)
    stripped = t.lstrip("0")
    return stripped or t


def normal_documents(docs) -> np.ndarray:
    """:func:`normal_document` for a whole column at once (Arrow kernels: a ledger of
    200,000 documents in about 0.15 s, where the loop takes half a second)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    a = pc.utf8_upper(pa.array([str(d) for d in docs], type=pa.string()))
    a = pc.replace_substring_regex(a, _SEPARATORS.pattern, "")
    # RE2 has no look-ahead: the digit after the prefix is captured and put back.
    a = pc.replace_substring_regex(a, _PREFIX.pattern.replace("(?=\\d)", "(\\d)"), r"\1")
    stripped = pc.utf8_ltrim(a, characters="0")
    a = pc.if_else(pc.equal(stripped, ""), a, stripped)
    return np.asarray(a.to_numpy(zero_copy_only=False), dtype=object)


def strip_rf(reference: str) -> str:
    """An RF creditor reference's own part: 'RF18 5390 0754 7034' -> '539007547034'."""
    t = str(reference).replace(" ", "").upper()
    if re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", t):
        return t[4:]
    return t


_WORD_SPLIT = re.compile(r"[\s,;:()\[\]{}\"']+")
_MIN_DIGITS = 4  # shorter numbers are quantities, days, years: not documents


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def reference_tokens(*texts: str) -> set[str]:
    """Every plausible document number in the texts, in normal form.

    A word with at least four digits is a candidate (``INV-00104233``,
    ``F-2026-001``, ``104233/104240`` and each of its parts).  Dates
    (``2026-10-31``, ``31.10.2026``) and amounts (``1,234.56``) are not
    document numbers and are left out; so is an RF creditor reference's
    check digits (its own part is kept).
    """
    out: set[str] = set()
    for text in texts:
        if not text:
            continue
        t = str(text)
        t = re.sub(r"\b\d{1,4}[-./]\d{1,2}[-./]\d{1,4}\b", " ", t)       # dates
        t = re.sub(r"\b\d{1,3}(?:[.,]\d{3})*[.,]\d{2}\b", " ", t)          # amounts
        compact = t.replace(" ", "").upper()
        rf = strip_rf(compact)
        if rf != compact:
            out.add(normal_document(rf))
            continue
        for word in _WORD_SPLIT.split(t):
            if _digits(word) < _MIN_DIGITS:
                continue
            n = normal_document(word)
            if _digits(n) >= _MIN_DIGITS:
                out.add(n)
            parts = re.split(r"[/+&]", word)
            if len(parts) > 1:
                for part in parts:
                    p = normal_document(part)
                    if _digits(p) >= _MIN_DIGITS:
                        out.add(p)
    return out


def one_edit_apart(a: str, b: str) -> bool:
    """True when *b* is *a* with one character changed, added, dropped, or two
    neighbours swapped (the usual keying mistakes)."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if la < lb else (b, a)
    for i in range(len(long_)):
        if long_[:i] + long_[i + 1:] == short:
            return True
    return False
