"""BAI2 cash-management files: the bank's daily report of balances and transactions.

A BAI2 file (Bank Administration Institute, version 2; US and Canadian banks,
and some UK ones) is a tree of comma-separated records, each ending in '/':

    01 file header      sender, receiver, creation date and time, file id,
                        physical record length, block size, version (2)
    02 group header     receiver, originator, status, as-of date and time,
                        currency, as-of-date modifier
    03 account          account number, currency, then summaries: type code,
                        amount, item count, funds type (+ availability)
    16 transaction      type code, amount, funds type (+ availability), bank
                        reference, customer reference, text
    88 continuation     more of the record before it (its fields, or the 16's text)
    49 account trailer  control total, number of records
    98 group trailer    control total, number of accounts, number of records
    99 file trailer     control total, number of groups, number of records

What the real files taught this reader (each rule is tested on one):

* Amounts are whole numbers in the currency's minor units (cents; yen for
  JPY), without a decimal point.  A 16's amount is unsigned: whether money
  came in or went out is told by its type code (100-399 and 920-959 credits,
  400-699 and 960-999 debits).  The currency is the 03's, else the 02's,
  else USD.
* A 49 control total adds every amount of the account *as written*: the 03
  summaries (and their 88s) and the 16s, debits included, availability
  amounts not; 98 adds the 49s, 99 the 98s.  Record counts count physical
  records, 88s included; a 49 counts from its 03 to itself.
* The 16 text is the rest of the record, commas and slashes included; it
  ends at the end of the line (one trailing '/' dropped) or where another
  record starts on the same line ('/' then e.g. ``88,``).  Where a 16 stops
  before its text, an 88 carries on with the missing fields, then the text.
* An 88 of an 03 continues its fields, even in the middle of a summary (the
  spec's own example ends an 03 on a type code and gives its amount in the
  88).  Some banks end a record with one comma too many (``015,100,,,/``):
  an empty type code with nothing after it in that record is ignored.
* Text wrapped because it filled a whole physical record (80 characters,
  or the length the 01 gives) joins the next 88 without a break (NatWest
  cuts ``CLIE`` / ``NT``); other 88 lines are separate lines.
* Tagged text (``OBI:=INVOICE 123456``, ``ORG:``, ``BO1:``, ``PY:``) fills
  payer name, payer account, payer bank and remittance; invoice numbers named
  in the remittance (``INVOICE 123456``, ``RMR*IV*...``) become remittance
  rows.
* Times (``0829``, ``14:59:35``, ``2400``, ``9999``) only describe the
  report; they are not read.

Counting (:class:`~xlar.imports.common.Control`): the unit is the *logical
record*, a record with the 88s that continue it; ``lines_read`` counts those
plus blank lines.  Transactions (16) are the data rows: each is accepted as a
payment or rejected with its line and a reason, as is any other record that
cannot be read (an 03 or 02 with a bad field, an 88 with nothing before it,
a line that is not BAI2).  Headers and trailers are counted as skipped;
problems with a trailer's figures show as failed control checks, not as
rejections.  A transaction whose account or group record was rejected is
rejected too (its currency or date is unknown).  A 16 of type 890 (non-monetary
information) is counted as skipped ``information``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.cashapp.model import PaymentsResult, payment_frame, payment_id, remittance_frame
from xlar.imports.common import REJECTION_COLUMNS, Control, ControlCheck, empty_rejections
from xlar.imports.files import ReadError, read_text
from xlar.money import is_currency, minor_digits

__all__ = ["read_bai2", "read_bai2_text", "LAYOUT", "type_code_direction", "type_code_kind"]

LAYOUT = "BAI2"

#: BAI2's default when neither the group (02) nor the account (03) names a currency.
DEFAULT_CURRENCY = "USD"

#: Physical record length assumed when the 01 does not give one (a card image).
DEFAULT_RECORD_LENGTH = 80

RECORD_NAMES = {
    "01": "file header", "02": "group header", "03": "account", "16": "transaction",
    "49": "account trailer", "88": "continuation", "98": "group trailer", "99": "file trailer",
}

# --------------------------------------------------------------------------- type codes

#: Type code ranges and what a 16 with such a code is.  "credit"/"debit" give
#: the sign; the others are refused as transactions (see _TYPE_CODE_PROBLEMS).
_TYPE_CODE_RANGES = (
    (1, 99, "status"), (100, 399, "credit"), (400, 699, "debit"), (700, 889, "unused"),
    (890, 890, "information"), (891, 899, "unused"), (900, 919, "status"),
    (920, 959, "credit"), (960, 999, "debit"),
)

_TYPE_CODE_PROBLEMS = {
    "status": "is a balance (status) code, not a transaction",
    "unused": "is outside the BAI2 credit (100-399) and debit (400-699) ranges, so it is "
              "not known whether money came in or went out; ask the bank what it means",
}

#: Detail type codes -> kind of receipt (the rest are "other").
_KIND_OF_CODE = {
    code: kind
    for kind, codes in {
        "lockbox": "110 115 116 118 119",
        "wire": "190 191 195 196 198 208 490 491 493 495 496 508",
        "ach": "140 142 143 145 160 162 163 164 165 166 167 168 169 257 258 450 451 452 455 "
               "462 464 466 468 469 557 558",
        "card": "146 147",
        "check": "170 172 173 175 176 184 187 189 221 222 255 395 470 472 474 475 476 477 555",
    }.items()
    for code in codes.split()
}

#: Detail type codes that undo an earlier entry (returns, reversals).
_REVERSAL_CODES = frozenset("252 257 258 266 395 552 555 557 558 694".split())

#: Detail type codes whose customer reference is a check (cheque) number: the
#: check codes, and an item in a lockbox deposit (the deposit's own 115 carries
#: the lockbox number there instead).
_CHECK_NUMBER_CODES = frozenset(c for c, k in _KIND_OF_CODE.items() if k == "check") | {"116"}


def type_code_direction(code: str) -> str:
    """'credit', 'debit', 'status', 'information' or 'unused' for a 3-digit type code."""
    n = int(code)
    for low, high, what in _TYPE_CODE_RANGES:
        if low <= n <= high:
            return what
    return "unused"


def type_code_kind(code: str) -> str:
    """The kind of receipt a detail type code is (wire, ach, check, lockbox, card, other)."""
    return _KIND_OF_CODE.get(code, "other")


# --------------------------------------------------------------------------- splitting

class _Piece(NamedTuple):
    """One physical record: a record, or an 88 continuing one.

    Attributes:
      line: line of the file it is on.
      raw: the record as written.
      fields: its fields after the record code (for a 16: the fixed fields it holds).
      text: the 16 text it carries (None when it carries none).
      line_length: length of its line.
      cut: its text runs to the end of the line, not closed by '/' nor by
        padding: with a line exactly one physical record long, the bank cut
        the text there and the next 88 goes on with it.
    """

    line: int
    raw: str
    fields: tuple[str, ...]
    text: str | None
    line_length: int
    cut: bool


class _Record:
    """A logical record being gathered: the record and the 88s that continue it."""

    __slots__ = ("code", "line", "pieces", "fixed")

    def __init__(self, code: str, line: int):
        self.code = code
        self.line = line
        self.pieces: list[_Piece] = []
        self.fixed: list[str] = []  # a 16's fixed fields, across its 88s

    @property
    def raw(self) -> str:
        return " ".join(p.raw for p in self.pieces)

    @property
    def physical(self) -> int:
        return len(self.pieces)

    def fields(self) -> list[list[str]]:
        return [list(p.fields) for p in self.pieces]


_CODE = re.compile(r"([0-9]{2}),")
_FIELD_END = re.compile(r"[,/]")
# Another record starting on the same line after a 16's text.  Text may hold
# '/' itself, so what follows must look like a record's start (a 16 with its
# three-digit type code), not any two digits.
_NEXT_RECORD = re.compile(r"/[ \t]*(?=(?:0[123]|49|88|98|99),|16,[0-9]{3}[,/])")


def _detail_field_count(fields: list[str]) -> int | None:
    """How many fixed fields a 16 has, once enough of them are known.

    Type code, amount, funds type, then 0-n availability fields (S: three
    amounts; V: value date and time; D: a count and that many day/amount
    pairs), then bank and customer references.  None until the funds type
    (and a D's count) has been read.
    """
    if len(fields) < 3:
        return None
    funds = fields[2].strip().upper()
    if funds == "D":
        if len(fields) < 4:
            return None
        count = fields[3].strip()
        pairs = int(count) if count.isascii() and count.isdigit() else 0
        return 3 + 1 + 2 * min(pairs, _MAX_AVAILABILITY) + 2
    return 3 + {"S": 3, "V": 2}.get(funds, 0) + 2


_MAX_AVAILABILITY = 20


def _take_fields(line: str, pos: int) -> tuple[tuple[str, ...], int]:
    """Fields from *pos* to the record's '/' (or the end of the line)."""
    end = line.find("/", pos)
    if end < 0:
        return tuple(line[pos:].split(",")), len(line)
    return tuple(line[pos:end].split(",")), end + 1


def _take_text(line: str, pos: int) -> tuple[str, int, bool]:
    """A 16's text from *pos*: to the next record on the line, or the line's
    end; and whether it was cut there (see :class:`_Piece`)."""
    m = _NEXT_RECORD.search(line, pos)
    if m:
        text, end, cut = line[pos:m.start()], m.end(), False
    else:
        text, end = line[pos:], len(line)
        cut = bool(text) and not text.endswith(("/", " ", "\t"))
        text = text.rstrip()
    if text.endswith("/"):
        text = text[:-1]
    return text, end, cut


def _take_detail(rec: _Record, line: str, number: int, start: int, pos: int) -> int:
    """Read a 16 (or an 88 continuing one) from *pos*: fixed fields until the
    customer reference, then text.  Returns where the record ends."""
    fields_before = len(rec.fixed)
    text = None
    cut = False
    while True:
        need = _detail_field_count(rec.fixed)
        if need is not None and len(rec.fixed) >= need:
            text, pos, cut = _take_text(line, pos)
            break
        m = _FIELD_END.search(line, pos)
        if m is None:
            rec.fixed.append(line[pos:])
            pos = len(line)
            break
        rec.fixed.append(line[pos:m.start()])
        pos = m.end()
        if m.group() == "/":
            break
    rec.pieces.append(_Piece(number, line[start:pos].rstrip(), tuple(rec.fixed[fields_before:]),
                             text, len(line), cut))
    return pos


def split_records(text: str) -> tuple[list[_Record], int, int]:
    """The logical records of a BAI2 text, the number of blank lines, and of lines."""
    records: list[_Record] = []
    current: _Record | None = None
    blank = 0
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            blank += 1
            continue
        pos = 0
        while True:
            while pos < len(line) and line[pos] in " \t":
                pos += 1
            if pos >= len(line):
                break
            start = pos
            m = _CODE.match(line, pos)
            code = m.group(1) if m else ""
            body = m.end() if m else pos
            if code == "88" and current is not None:
                rec = current
            else:
                if current is not None:
                    records.append(current)
                rec = current = _Record(code, number)
            if rec.code == "16":
                pos = _take_detail(rec, line, number, start, body)
            else:
                fields, pos = _take_fields(line, body)
                rec.pieces.append(_Piece(number, line[start:pos].rstrip(), fields, None,
                                         len(line), False))
    if current is not None:
        records.append(current)
    return records, blank, len(lines)


# --------------------------------------------------------------------------- fields

_UNSIGNED = re.compile(r"\+?[0-9]{1,18}")
_SIGNED = re.compile(r"[+-]?[0-9]{1,18}")
_DIGITS = re.compile(r"[0-9]{1,9}")
_TYPE_CODE = re.compile(r"[0-9]{3}")
_FUNDS_TYPES = ("", "Z", "0", "1", "2", "S", "V", "D")


def _amount(text: str, signed: bool = True) -> tuple[int | None, str | None]:
    """An amount in minor units; (None, None) when empty, (None, reason) when bad."""
    t = text.strip()
    if not t:
        return None, None
    if (_SIGNED if signed else _UNSIGNED).fullmatch(t):
        return int(t), None
    if re.fullmatch(r"[+-]?[0-9]{19,}", t):
        return None, f"amount {t!r} is too large to be a real amount"
    if not signed and _SIGNED.fullmatch(t):
        return None, (f"amount {t!r} has a sign: a transaction's amount is unsigned, its type "
                      "code says whether it is a credit or a debit")
    return None, f"amount {t!r} is not a whole number of minor units (BAI2 has no decimal point)"


def bai2_date(text: str) -> dt.date | None:
    """YYMMDD (YYYYMMDD accepted too) as a date; None when it is not one."""
    t = text.strip()
    if len(t) == 6 and t.isascii() and t.isdigit():
        yy = int(t[:2])
        year, month, day = (2000 + yy if yy < 70 else 1900 + yy), int(t[2:4]), int(t[4:])
    elif len(t) == 8 and t.isascii() and t.isdigit():
        year, month, day = int(t[:4]), int(t[4:6]), int(t[6:])
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


class _Cursor:
    """Fields read one after another; a field past the end is empty (defaulted)."""

    def __init__(self, fields: list[str]):
        self.fields = fields
        self.i = 0

    def take(self) -> str:
        v = self.fields[self.i].strip() if self.i < len(self.fields) else ""
        self.i += 1
        return v

    @property
    def left(self) -> int:
        return len(self.fields) - self.i


class _Funds(NamedTuple):
    funds_type: str
    value_date: dt.date | None
    problem: str | None


def _read_funds(cur: _Cursor) -> _Funds:
    """A funds type and its availability fields; availability amounts are
    not part of any control total."""
    funds = cur.take().upper()
    if funds not in _FUNDS_TYPES:
        return _Funds(funds, None, f"funds type {funds!r} is not one of 0, 1, 2, S, V, D, Z")
    if funds == "S":
        for _ in range(3):
            v = cur.take()
            if _amount(v)[1]:
                return _Funds(funds, None, f"availability amount {v!r} is not a number")
    elif funds == "V":
        date_text = cur.take()
        cur.take()  # value time: not read
        value_date = bai2_date(date_text) if date_text else None
        if date_text and value_date is None:
            return _Funds(funds, None, f"value date {date_text!r} is not a date (YYMMDD)")
        return _Funds(funds, value_date, None)
    elif funds == "D":
        count = cur.take()
        if not _DIGITS.fullmatch(count) or int(count) > _MAX_AVAILABILITY:
            return _Funds(funds, None, f"number of availability distributions {count!r} is not "
                                       f"a number from 0 to {_MAX_AVAILABILITY}")
        for _ in range(int(count)):
            days, amount = cur.take(), cur.take()
            if not _DIGITS.fullmatch(days) or _amount(amount)[1]:
                return _Funds(funds, None, f"availability {days!r} days / {amount!r} is not "
                                           "read as days and an amount")
    return _Funds(funds, None, None)


class _Summary(NamedTuple):
    type_code: str
    amount: int | None


def _read_summaries(pieces: list[list[str]]) -> tuple[list[_Summary], str | None]:
    """The summaries of an 03 (its own fields after account and currency,
    then its 88s'), and the first problem found."""
    flat: list[str] = []
    piece_end: list[int] = []  # for each field, where its physical record ends in *flat*
    for fields in pieces:
        end = len(flat) + len(fields)
        flat += fields
        piece_end += [end] * len(fields)
    cur = _Cursor(flat)
    out: list[_Summary] = []
    while cur.left > 0:
        at = cur.i
        code = cur.take()
        if not code:
            # One comma too many at the end of a record ("015,100,,,/"): nothing follows in it.
            if all(not f.strip() for f in flat[at:piece_end[at]]):
                cur.i = piece_end[at]
                continue
            return out, "a summary has no type code"
        if not _TYPE_CODE.fullmatch(code):
            return out, f"summary type code {code!r} is not three digits"
        amount_text = cur.take()
        amount, bad = _amount(amount_text)
        if bad:
            return out, f"summary {code}: {bad}"
        count = cur.take()
        if count and not _DIGITS.fullmatch(count):
            return out, f"summary {code}: item count {count!r} is not a number"
        funds = _read_funds(cur)
        out.append(_Summary(code, amount))
        if funds.problem:
            return out, f"summary {code}: {funds.problem}"
    return out, None


class _Detail(NamedTuple):
    type_code: str
    amount: int | None  # as written (unsigned)
    value_date: dt.date | None
    bank_reference: str
    customer_reference: str
    problems: tuple[str, ...]


def _read_detail(fixed: list[str]) -> _Detail:
    cur = _Cursor(fixed)
    problems = []
    code = cur.take()
    if not code:
        problems.append("type code is missing")
    elif not _TYPE_CODE.fullmatch(code):
        problems.append(f"type code {code!r} is not three digits")
    else:
        what = type_code_direction(code)
        if what in _TYPE_CODE_PROBLEMS:
            problems.append(f"type code {code} {_TYPE_CODE_PROBLEMS[what]}")
    amount_text = cur.take()
    amount, bad = _amount(amount_text, signed=False)
    if bad:
        problems.append(bad)
    elif amount is None:
        problems.append("amount is missing")
    funds = _read_funds(cur)
    if funds.problem:
        problems.append(funds.problem)
    bank_ref, cust_ref = cur.take(), cur.take()
    return _Detail(code, amount, funds.value_date, bank_ref, cust_ref, tuple(problems))


# --------------------------------------------------------------------------- text

#: Tags banks write in 16/88 text ("OBI:", "ORG:=", "BO1:") -> the payment
#: column each fills (None: understood, fills nothing: the beneficiary is us,
#: or a detail cash application does not use).  Where several tags fill one
#: column, the one listed first wins; remittance tags are all kept, in order.
_TEXT_TAGS: dict[str, str | None] = {
    "ORIG CO NAME": "payer_name", "ORG NAME": "payer_name", "ORIGINATOR NAME": "payer_name",
    "ORG": "payer_name", "ORIGINATOR": "payer_name", "BO1": "payer_name", "B/O": "payer_name",
    "BY ORDER OF": "payer_name", "SENDER NAME": "payer_name", "REMITTER": "payer_name",
    "ORG ACCT": "payer_account", "ORIG ACCT": "payer_account", "SENDER ACCT": "payer_account",
    "BO": "payer_account",
    "SENDER ID": "payer_bank", "SENDER ABA": "payer_bank", "SENDER BIC": "payer_bank",
    "SENDER BNK": "payer_bank", "SENDER BANK": "payer_bank", "ORG BANK": "payer_bank",
    "OBI": "remittance", "RMT": "remittance", "REMIT": "remittance", "REMITTANCE": "remittance",
    "RMT INFO": "remittance", "PY": "remittance", "PMT DET": "remittance",
    "PAYMENT DETAILS": "remittance", "ADDENDA": "remittance", "ADDL INFO": "remittance",
    "FED NO": "bank_reference", "FED REF": "bank_reference", "IMAD": "bank_reference",
    "EREF": "end_to_end_id", "E2E ID": "end_to_end_id", "END TO END ID": "end_to_end_id",
    **dict.fromkeys((
        "BNF", "BNF ID", "BNF NAME", "BNF ADDRESS", "BNF ACCT", "REC FI", "REC ID", "REC BNK",
        "ORG ADDRESS", "ORG ID", "ORIG ID", "CO ENTRY DESCR", "ENTRY DESCR", "DESC DATE", "SEC",
        "TRACE#", "TRACE NO", "EED", "IND ID", "IND NAME", "FR", "ENDT", "TRID", "BI", "OB",
        "OB1", "OB2", "OB3", "BBI", "OMAD",
    )),
}
_TAG = re.compile(
    r"(?:^|(?<=\s))(" + "|".join(re.escape(t) for t in sorted(_TEXT_TAGS, key=len, reverse=True))
    + r") ?:=?", re.IGNORECASE)
_TAG_RANK = {t: i for i, t in enumerate(_TEXT_TAGS)}

_INVOICE = re.compile(
    r"\b(?:INVOICES?|INVS?|INV\.|FACTURAS?|FACT?)\b\.?[\s.:#=-]*(?:NOS?\b\.?|NUMBERS?\b|NBR\b|NUM\b)?"
    r"[\s.:#=-]*((?:[A-Z]{1,4}-?)?[0-9][A-Z0-9/-]*(?:\s*(?:,|&|\bAND\b)\s*(?:[A-Z]{1,4}-?)?[0-9]"
    r"[A-Z0-9/-]*)*)", re.IGNORECASE)
_LIST_SEP = re.compile(r"\s*(?:,|&|\bAND\b)\s*", re.IGNORECASE)
# X12 remittance segment (ACH CCD+/CTX addenda, lockbox):
# RMR*IV*<document>*PI*<paid>*<invoiced>*<discount>
_RMR = re.compile(r"RMR\*([A-Z0-9]{2})\*([^*\\~]+)\*[A-Z0-9]{0,2}\*(-?[0-9]+(?:\.[0-9]*)?)"
                  r"(?:\*(-?[0-9]*(?:\.[0-9]*)?))?(?:\*(-?[0-9]*(?:\.[0-9]*)?))?")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _text_lines(pieces: list[_Piece], record_length: int) -> list[str]:
    """The 16 text of a record, a line per physical record, wrapped lines rejoined."""
    lines: list[str] = []
    join_next = False
    for p in pieces:
        if p.text is None:
            continue
        if join_next and lines:
            lines[-1] += p.text
        else:
            lines.append(p.text)
        join_next = p.cut and p.line_length == record_length
    return [t for t in (_squash(x) for x in lines) if t]


class _TextFacts(NamedTuple):
    payer_name: str
    payer_account: str
    payer_bank: str
    remittance: str
    bank_reference: str
    end_to_end_id: str


def read_text_facts(lines: list[str]) -> _TextFacts:
    """Payer, references and remittance from a transaction's text lines."""
    found: dict[str, tuple[int, str]] = {}
    remittance: list[str] = []
    tagged = False
    for line in lines:
        matches = list(_TAG.finditer(line))
        head = line[:matches[0].start()] if matches else line
        if head.strip():
            remittance.append(head.strip())
        ends = [m.start() for m in matches[1:]] + [len(line)] if matches else []
        for m, end in zip(matches, ends, strict=True):
            tagged = True
            tag = " ".join(m.group(1).upper().split())
            value = _squash(line[m.end():end])
            column = _TEXT_TAGS.get(tag)
            if not value or column is None:
                continue
            if column == "remittance":
                remittance.append(value)
            elif column not in found or _TAG_RANK[tag] < found[column][0]:
                found[column] = (_TAG_RANK[tag], value)
    text = " / ".join(remittance)
    if not text and tagged:
        # Only tags that fill other columns: keep the whole text where a person reads it.
        text = " / ".join(lines)
    return _TextFacts(*(found.get(c, (0, ""))[1] for c in
                        ("payer_name", "payer_account", "payer_bank")), text,
                      found.get("bank_reference", (0, ""))[1],
                      found.get("end_to_end_id", (0, ""))[1])


def _x12_minor_units(text: str, currency: str) -> int | None:
    try:
        d = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if d.adjusted() >= 18:  # before scaling: a run of a million digits overflows Decimal
        return None
    units = d.scaleb(minor_digits(currency))
    return int(units) if units == units.to_integral_value() and abs(units) < 10**18 else None


def remittance_documents(text: str, amount_cents: int, currency: str) -> list[dict]:
    """Documents the remittance names: RMR segments with their amounts, else
    invoice numbers in the words ("INVOICE 123456", "INV# 1001, 1002").

    A document named alone in free text is taken as paid by the whole amount;
    several named without amounts get 0 each (the matcher decides).
    """
    docs = []
    for m in _RMR.finditer(text):
        paid = _x12_minor_units(m.group(3), currency)
        if paid is None:
            continue
        discount = _x12_minor_units(m.group(5), currency) if m.group(5) else 0
        credit = m.group(1).upper() == "CM"
        docs.append({"document": m.group(2).strip(),
                     "doc_type": "credit_memo" if credit else "invoice",
                     "amount_cents": -abs(paid) if credit else paid,
                     "discount_cents": discount or 0})
    if docs:
        return docs
    names: list[str] = []
    for m in _INVOICE.finditer(text):
        for name in _LIST_SEP.split(m.group(1)):
            name = name.strip().rstrip("/-")
            if name and name not in names:
                names.append(name)
    paid = amount_cents if len(names) == 1 else 0
    return [{"document": n, "doc_type": "invoice", "amount_cents": paid} for n in names]


# --------------------------------------------------------------------------- reading


class _Account:
    def __init__(self, number: str, currency: str, line: int, usable: str | None):
        self.number = number
        self.currency = currency
        self.line = line
        self.problem = usable  # why its transactions cannot be taken (None: they can)
        self.records = 0
        self.total = 0
        self.unreadable = 0
        self.rejected = 0


class _Group:
    def __init__(self, label: str, currency: str, as_of: dt.date | None, line: int,
                 problem: str | None):
        self.label = label
        self.currency = currency
        self.as_of = as_of
        self.line = line
        self.problem = problem
        self.records = 0
        self.total = 0
        self.accounts = 0
        self.currencies: set[str] = set()


class _File:
    def __init__(self, label: str, line: int):
        self.label = label
        self.line = line
        self.records = 0
        self.total = 0
        self.groups = 0
        self.currencies: set[str] = set()


class _Reader:
    """Walks the logical records in order, keeping the open file, group and account."""

    def __init__(self, display: str):
        self.display = display
        self.file: _File | None = None
        self.group: _Group | None = None
        self.account: _Account | None = None
        self.record_length = DEFAULT_RECORD_LENGTH
        self.payments: list[dict] = []
        self.remittances: list[dict] = []
        self.rejections: list[dict] = []
        self.checks: list[ControlCheck] = []
        self.decisions: list[str] = []
        self.skipped: Counter = Counter()
        self.totals_read: Counter = Counter()
        self.totals_rejected: Counter = Counter()
        self.seen_ids: Counter = Counter()
        self.last_trailer = {"49": 0}

    # ---- outcomes

    def reject(self, rec: _Record, reason: str) -> None:
        self.rejections.append({"file": self.display, "sheet": "", "line": rec.line,
                                "raw": rec.raw, "reason": reason})

    def skip(self, kind: str) -> None:
        self.skipped[kind] += 1

    # ---- dispatch

    def take(self, rec: _Record) -> None:
        code = rec.code
        if code == "01":
            self.open_file(rec)
        elif code == "02":
            self.open_group(rec)
        elif code == "03":
            self.open_account(rec)
        self.count(rec)
        if code == "16":
            self.read_transaction(rec)
        elif code == "49":
            self.close_account(rec)
        elif code == "98":
            self.close_group(rec)
        elif code == "99":
            self.close_file(rec)
        elif code == "88":
            self.reject(rec, "a continuation (88) with no record before it to continue")
        elif code not in RECORD_NAMES:
            self.reject(rec, f"record type {code!r} is not a BAI2 record (01, 02, 03, 16, 49, "
                             "88, 98, 99)" if code else
                        "not a BAI2 record: a record starts with its two-digit type and a comma")

    def count(self, rec: _Record) -> None:
        for scope in (self.file, self.group, self.account):
            if scope is not None:
                scope.records += rec.physical

    # ---- file

    def open_file(self, rec: _Record) -> None:
        if self.file is not None:
            self.end_file(rec.line, "the next file header (01)")
        f = rec.fields()[0] + [""] * 8
        sender, receiver, file_id, length, version = (f[0].strip(), f[1].strip(), f[4].strip(),
                                                      f[5].strip(), f[7].strip())
        self.file = _File(f"file {file_id or '?'} from {sender or '?'} to {receiver or '?'}",
                          rec.line)
        if _DIGITS.fullmatch(length) and int(length) > 0:
            self.record_length = int(length)
        if version and version != "2":
            self.decisions.append(f"the file header (line {rec.line}) says BAI version "
                                  f"{version!r}; read as BAI2")
        self.skip("file header")

    def ensure_file(self, rec: _Record) -> None:
        if self.file is None:
            self.file = _File("file (no file header)", rec.line)
            self.checks.append(ControlCheck(
                "file header (01)", "", rec.line, DEFAULT_CURRENCY, None, 0, False,
                f"the file has no file header (01) before line {rec.line}: it may have been "
                "cut short at the start, or several files were put together"))

    def close_file(self, rec: _Record) -> None:
        if self.file is None:
            self.ensure_file(rec)
            self.file.records += rec.physical
        self.end_group(rec.line, "the file trailer (99)")
        f = self.file
        total, groups, count = (rec.fields()[0] + ["", "", ""])[:3]
        currency = _one_currency(f.currencies)
        self.checks.append(_total_check(f"{f.label}: control total (99)", rec.line, currency,
                                        total, f.total, _mixed_note(f.currencies)))
        self.checks.append(_count_check(f"{f.label}: number of groups (99)", rec.line, groups,
                                        f.groups, "groups"))
        self.checks.append(_count_check(f"{f.label}: number of records (99)", rec.line, count,
                                        f.records, "records"))
        self.file = None
        self.skip("file trailer")

    def end_file(self, line: int, before: str) -> None:
        """A file that ends without its trailer: its totals cannot be checked."""
        self.end_group(line, before)
        f = self.file
        self.checks.append(ControlCheck(
            f"{f.label}: file trailer (99)", "", line, _one_currency(f.currencies), None, f.total,
            False, f"no file trailer (99) before {before} on line {line}: the file may have "
                   "been cut short"))
        self.file = None

    # ---- group

    def open_group(self, rec: _Record) -> None:
        if self.group is not None:
            self.end_group(rec.line, "the next group header (02)")
        self.ensure_file(rec)
        f = rec.fields()[0] + [""] * 7
        originator, status, date_text, currency, modifier = (
            f[1].strip(), f[2].strip(), f[3].strip(), f[5].strip().upper(), f[6].strip())
        as_of = bai2_date(date_text)
        problems = []
        if as_of is None:
            problems.append(f"as-of date {date_text!r} is not a date (YYMMDD)")
        named = bool(currency)
        if not currency:
            currency = DEFAULT_CURRENCY
        elif not is_currency(currency):
            problems.append(f"currency {currency!r} is not an ISO 4217 code")
            currency = DEFAULT_CURRENCY
        label = f"group {originator or '?'} as of {as_of.isoformat() if as_of else repr(date_text)}"
        problem = "; ".join(problems) or None
        self.group = _Group(label, currency, as_of, rec.line, problem)
        self.file.groups += 1
        if not named:
            self.decisions.append(f"{label} (line {rec.line}) names no currency: its accounts "
                                  f"that name none either are read as {DEFAULT_CURRENCY}, "
                                  "the BAI2 default")
        if status in _GROUP_STATUS_NOTES:
            self.decisions.append(f"{label} (line {rec.line}) {_GROUP_STATUS_NOTES[status]}")
        if modifier in ("3", "4"):
            self.decisions.append(f"{label} (line {rec.line}) is a same-day (intraday) report: "
                                  "its transactions may be reported again in the next "
                                  "previous-day file (their payment ids are the same)")
        if problem:
            self.reject(rec, f"group header: {problem}; its transactions are rejected too")
        else:
            self.skip("group header")

    def close_group(self, rec: _Record) -> None:
        if self.group is None:
            self.checks.append(ControlCheck(
                "group trailer (98)", "", rec.line, DEFAULT_CURRENCY, None, 0, False,
                "a group trailer (98) with no group header (02) before it"))
            self.skip("group trailer")
            return
        self.end_account(rec.line, "the group trailer (98)")
        g = self.group
        total, accounts, count = (rec.fields()[0] + ["", "", ""])[:3]
        note = _mixed_note(g.currencies)
        self.checks.append(_total_check(f"{g.label}: control total (98)", rec.line,
                                        _one_currency(g.currencies, g.currency), total, g.total,
                                        note))
        self.checks.append(_count_check(f"{g.label}: number of accounts (98)", rec.line,
                                        accounts, g.accounts, "accounts"))
        self.checks.append(_count_check(f"{g.label}: number of records (98)", rec.line, count,
                                        g.records, "records"))
        self.roll_up_group()
        self.skip("group trailer")

    def end_group(self, line: int, before: str) -> None:
        if self.group is None:
            return
        self.end_account(line, before)
        g = self.group
        self.checks.append(ControlCheck(
            f"{g.label}: group trailer (98)", "", line, _one_currency(g.currencies, g.currency),
            None, g.total, False,
            f"no group trailer (98) before {before} on line {line}: the group's totals cannot "
            "be checked"))
        self.roll_up_group()

    def roll_up_group(self) -> None:
        g = self.group
        if self.file is not None:
            self.file.total += g.total
            self.file.currencies |= g.currencies
        self.group = None

    # ---- account

    def open_account(self, rec: _Record) -> None:
        if self.account is not None:
            self.end_account(rec.line, "the next account (03)")
        pieces = rec.fields()
        first = pieces[0] + [""] * 2
        number, currency = first[0].strip(), first[1].strip().upper()
        summaries, summary_problem = _read_summaries([first[2:len(pieces[0])], *pieces[1:]])
        problems = []
        g = self.group
        if g is None:
            problems.append("an account (03) outside a group: no group header (02) before it")
        if not number:
            problems.append("the account number is missing")
        if not currency:
            currency = g.currency if g is not None else DEFAULT_CURRENCY
        elif not is_currency(currency):
            problems.append(f"currency {currency!r} is not an ISO 4217 code")
        own_problems = list(problems)
        usable = "; ".join(problems) or None
        if usable is None and g is not None and g.problem:
            usable = f"its group header (line {g.line}) was rejected: {g.problem}"
        acct = self.account = _Account(number, currency, rec.line, usable)
        acct.total = sum(s.amount for s in summaries if s.amount is not None)
        if g is not None:
            g.accounts += 1
            g.currencies.add(currency)
        if summary_problem:
            acct.unreadable += 1
            problems.append(summary_problem + "; the account's control total cannot agree")
        if problems:
            tail = "; its transactions are rejected too" if own_problems else ""
            self.reject(rec, "account: " + "; ".join(problems) + tail)
        else:
            self.skip("account")

    def close_account(self, rec: _Record) -> None:
        a = self.account
        if a is None:
            self.checks.append(ControlCheck(
                "account trailer (49)", "", rec.line, DEFAULT_CURRENCY, None, 0, False,
                "an account trailer (49) with no account (03) before it"))
            self.skip("account trailer")
            return
        total, count = (rec.fields()[0] + ["", ""])[:2]
        notes = []
        if a.rejected:
            notes.append(f"{a.rejected} transaction(s) of this account were rejected "
                         "(see Rejected Rows)")
        if a.unreadable:
            notes.append(f"{a.unreadable} amount(s) under this total could not be read")
        self.checks.append(_total_check(f"account {a.number}: control total (49)", rec.line,
                                        a.currency, total, a.total, "; ".join(notes)))
        self.checks.append(_count_check(f"account {a.number}: number of records (49)", rec.line,
                                        count, a.records, "records"))
        self.roll_up_account()
        self.last_trailer["49"] = rec.line
        self.skip("account trailer")

    def end_account(self, line: int, before: str) -> None:
        a = self.account
        if a is None:
            return
        self.checks.append(ControlCheck(
            f"account {a.number}: account trailer (49)", "", line, a.currency, None, a.total,
            False, f"no account trailer (49) before {before} on line {line}: the account's "
                   "totals cannot be checked"))
        self.roll_up_account()

    def roll_up_account(self) -> None:
        if self.group is not None:
            self.group.total += self.account.total
        self.account = None

    # ---- transactions

    def read_transaction(self, rec: _Record) -> None:
        a, g = self.account, self.group
        detail = _read_detail(rec.fixed)
        direction = (type_code_direction(detail.type_code)
                     if _TYPE_CODE.fullmatch(detail.type_code) else "")
        if a is not None and detail.amount is not None:
            a.total += detail.amount
        elif a is not None:
            a.unreadable += 1
        problems = list(detail.problems)
        if a is None:
            problems.insert(0, "a transaction (16) outside an account: no account (03) before it"
                            if not self.last_trailer["49"] else
                            "a transaction (16) outside an account: the account before it "
                            f"ended with its trailer (49) on line {self.last_trailer['49']}")
        elif a.problem:
            problems.insert(0, f"its account (line {a.line}) cannot be used: {a.problem}")
        currency = a.currency if a is not None else DEFAULT_CURRENCY
        if direction == "information" and not problems:
            self.skip("information")
            return
        sign = -1 if direction == "debit" else 1
        if problems:
            if a is not None:
                a.rejected += 1
            if detail.amount is not None:
                self.totals_rejected[currency] += sign * detail.amount
            self.reject(rec, "; ".join(problems))
            return
        self.accept_payment(rec, detail, a, g, sign)

    def accept_payment(self, rec: _Record, d: _Detail, a: _Account, g: _Group,
                       sign: int) -> None:
        amount = sign * d.amount
        lines = _text_lines(rec.pieces, self.record_length)
        facts = read_text_facts(lines)
        kind = type_code_kind(d.type_code)
        bank_ref = d.bank_reference or facts.bank_reference
        key = (a.number, a.currency, g.as_of.isoformat(), d.type_code, amount, bank_ref,
               d.customer_reference)
        self.seen_ids[key] += 1
        pid = payment_id(*key, self.seen_ids[key])
        self.payments.append({
            "payment_id": pid, "source_file": self.display, "source_sheet": "",
            "source_line": rec.line, "account": a.number, "booking_date": g.as_of,
            "value_date": d.value_date, "amount_cents": amount, "currency": a.currency,
            "kind": kind, "bank_code": d.type_code, "payer_name": facts.payer_name,
            "payer_account": facts.payer_account, "payer_bank": facts.payer_bank,
            "remittance": facts.remittance, "end_to_end_id": facts.end_to_end_id,
            "bank_reference": bank_ref, "creditor_reference": "",
            "customer_reference": d.customer_reference,
            "check_number": d.customer_reference if d.type_code in _CHECK_NUMBER_CODES else "",
            "reversal": d.type_code in _REVERSAL_CODES, "charges_cents": 0,
        })
        self.totals_read[a.currency] += amount
        if sign > 0 and facts.remittance:
            for doc in remittance_documents(facts.remittance, amount, a.currency):
                self.remittances.append({"payment_id": pid, "source_line": rec.line, **doc})

    # ---- end

    def finish(self, last_line: int) -> None:
        if self.file is not None:
            self.end_file(last_line, "the end of the file")
        elif self.group is not None:
            self.end_group(last_line, "the end of the file")
        elif self.account is not None:
            self.end_account(last_line, "the end of the file")


_GROUP_STATUS_NOTES = {
    "2": "is marked 'deletion' (status 2): it withdraws data reported before; its "
         "transactions are read as any others, check them against the earlier report",
    "3": "is marked 'correction' (status 3): it replaces data reported before",
    "4": "is marked 'test only' (status 4): do not post its payments",
}


def _one_currency(currencies: set[str], default: str = DEFAULT_CURRENCY) -> str:
    return next(iter(currencies)) if len(currencies) == 1 else default


def _mixed_note(currencies: set[str]) -> str:
    if len(currencies) > 1:
        return ("amounts of several currencies (" + ", ".join(sorted(currencies))
                + ") add up under one total, as BAI2 adds them")
    return ""


def _total_check(label: str, line: int, currency: str, printed_text: str, read: int,
                 note: str) -> ControlCheck:
    printed, bad = _amount(printed_text)
    if bad:
        return ControlCheck(label, "", line, currency, None, read, False,
                            f"the printed total cannot be read: {bad}")
    if printed is None:
        return ControlCheck(label, "", line, currency, None, read, True, "no total printed")
    return ControlCheck(label, "", line, currency, printed, read, printed == read, note)


def _count_check(label: str, line: int, printed_text: str, counted: int,
                 what: str) -> ControlCheck:
    """A count the trailer prints, against what was counted.  ControlCheck
    holds money, so the two numbers are in the note."""
    t = printed_text.strip()
    if not t:
        return ControlCheck(label, "", line, "", None, 0, True,
                            f"{what}: none printed, {counted} read")
    if not _DIGITS.fullmatch(t.lstrip("+")):
        return ControlCheck(label, "", line, "", None, 0, False,
                            f"{what}: the printed count {t!r} cannot be read; {counted} read")
    printed = int(t.lstrip("+"))
    if printed == counted:
        return ControlCheck(label, "", line, "", None, 0, True,
                            f"{what}: printed {printed}, read {counted} - matches")
    return ControlCheck(label, "", line, "", None, 0, False,
                        f"{what}: printed {printed}, read {counted} - DOES NOT MATCH")


def read_bai2_text(text: str, display: str = "", decisions: list[str] | tuple = ()
                   ) -> PaymentsResult:
    """Read a BAI2 file already in memory (see :func:`read_bai2`)."""
    records, blank, line_count = split_records(text)
    if not records:
        raise ReadError(f"{display}: the file is empty: there are no BAI2 records in it")
    if not any(r.code in RECORD_NAMES and r.code != "88" for r in records):
        first = records[0].raw[:60]
        raise ReadError(f"{display}: this is not a BAI2 file (no record starts with 01, 02, 03, "
                        f"16, 49, 98 or 99; the first line reads {first!r}); export the bank "
                        "file as BAI2, or choose the reader for its format")
    reader = _Reader(display)
    reader.decisions.extend(decisions)
    for rec in records:
        reader.take(rec)
    reader.finish(line_count)
    physical = sum(r.physical for r in records)
    if physical != line_count - blank:
        reader.decisions.append(f"{line_count - blank} lines hold {physical} BAI2 records "
                                "(records share lines)")
    if blank:
        reader.skipped["blank"] += blank

    accepted, rejected = len(reader.payments), len(reader.rejections)
    control = Control(
        file=display, layout=LAYOUT, lines_read=len(records) + blank,
        data_rows=accepted + rejected, accepted=accepted, rejected=rejected,
        skipped=dict(reader.skipped), totals_read=dict(reader.totals_read),
        totals_rejected=dict(reader.totals_rejected), checks=tuple(reader.checks),
        decisions=tuple(dict.fromkeys(reader.decisions)),
    )
    rejections = (pd.DataFrame(reader.rejections, columns=REJECTION_COLUMNS)
                  .astype({"line": np.int64}) if reader.rejections else empty_rejections())
    return PaymentsResult(payment_frame(reader.payments), remittance_frame(reader.remittances),
                          rejections, control)


def read_bai2(path: str | os.PathLike, display: str | None = None) -> PaymentsResult:
    """Read a BAI2 cash-management file into payments, remittances, rejections and control.

    Every transaction (16) is a payment (credits positive, debits negative)
    or a rejection with its line and reason; the account (49), group (98) and
    file (99) control totals and record counts are each checked.  Raises
    :class:`~xlar.imports.files.ReadError` only when the file as a whole
    cannot be read (missing, too large, empty, not BAI2).
    """
    p = Path(path)
    display = display or p.name
    text, _encoding, decisions = read_text(p, display)
    return read_bai2_text(text, display, decisions)
