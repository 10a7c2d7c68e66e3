"""Reading SWIFT MT940 bank statements into payments.

One file may hold several statements (a statement per day, or per account),
each one ``:20:`` reference, ``:25:`` account, ``:28C:`` statement number,
``:60F:``/``:60M:`` opening balance, any number of ``:61:`` entries each
followed by its ``:86:`` details, and ``:62F:``/``:62M:`` closing balance.
Banks put their own lines around that: ``ABNANL2A``/``940`` headers (ABN
AMRO), ``:940:`` (Rabobank), SWIFT ``{1:..}{2:..}{4:`` blocks ending in
``-}`` (Deutsche Bank and most German banks), ``-`` between statements.

Every physical line is accounted for (:class:`~xlar.imports.common.Control`):

* a ``:61:`` line is a *data row*: it becomes a payment, or a rejection
  with its line and the reason (a value date that is no date, an amount
  without a decimal comma ...); the other entries of the statement are kept;
* every other line is counted by kind: ``header`` (bank and SWIFT headers
  outside a statement), ``statement`` (:20:/:21:/:25:/:28C:), ``balance``
  (:60F:/:60M:/:62F:/:62M:/:64:/:65:), ``transaction detail`` (the second
  line of a :61: and the :86: that follows it, with its continuation
  lines), ``statement information`` (an :86: that follows no :61:),
  ``other field`` (fields xlar does not use, as :34F:), ``end`` (``-``,
  ``-}``), ``blank``, and ``text outside any field`` (named in a decision).

Per statement, opening balance + credits - debits must equal the closing
balance (a :class:`~xlar.imports.common.ControlCheck`), and an opening
balance must carry on the closing balance of the account's previous
statement in the file.

The :86: details come in three shapes, told apart by how they start:

* German (DFUe agreement): ``166?00SEPA-GUTSCHRIFT?20EREF+..?21SVWZ+..``:
  a three-digit business code (GVC) and ``?nn`` subfields: ?20-?29 and
  ?60-?63 purpose, ?30 payer bank, ?31 payer account, ?32/?33 payer name;
  the purpose carries SEPA keywords (EREF+, KREF+, MREF+, SVWZ+ ...);
* Dutch tags (Rabobank, ABN AMRO SEPA, ING): ``/EREF/../NAME/../REMI/..``;
* free text (older ABN AMRO, most others): kept as it is, lines joined by
  `` / ``; SEPA keywords in it are still found.

What lands where: the remittance text (SVWZ+, /REMI/ or the free text) in
``remittance``; the end-to-end reference (EREF) in ``end_to_end_id``; the
counterparty in ``payer_name``/``payer_account``/``payer_bank`` (on a debit
that is whom we paid); other references the payer gave (KREF+, MREF+,
/CSID/, /MARF/ ...) are added to ``remittance`` after `` / `` so that
nothing they said is lost.  Amounts are integer minor units of the
statement's currency (from its balances); credits positive.  A reversal
(RC, RD) has ``reversal=True`` and the sign the standard gives it: RC
reverses a credit, so it is a debit; RD is a credit.

Why not the ``mt940`` package (mt-940 on PyPI, tried 2026-11-23): it reads
both real statements in ``../shared/fixtures/mt940`` but stops the whole file
with a ``RuntimeError`` at the first malformed ``:61:`` line (a value date of
``2613XX``), so one bad entry would lose the day's statement; xlar must keep
the other entries and reject that one with its line and reason.  Likewise the
``bai2`` package raises ``NotSupportedYetException`` on the lockbox type code
115 funds-type example in ``../shared/fixtures/bai2`` and has no row-by-row
rejection, so :mod:`xlar.cashapp.bai2` is xlar's own reader too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from xlar.cashapp.model import PaymentsResult, payment_frame, payment_id, remittance_frame
from xlar.imports.common import REJECTION_COLUMNS, Control, ControlCheck, empty_rejections
from xlar.imports.files import ReadError, read_text
from xlar.money import format_money, is_currency, minor_digits, parse_amount

__all__ = ["read_mt940", "LAYOUT"]

LAYOUT = "MT940"

# --------------------------------------------------------------------------- tables

#: Fields that name the statement (no money): reference, related reference,
#: account, statement number, MT942 date/time.
_STATEMENT_TAGS = frozenset({"20", "21", "25", "25P", "28", "28C", "13", "13D"})

#: Balance fields: which role each plays in the statement.
_BALANCE_ROLES = {"60F": "opening", "60M": "opening", "62F": "closing", "62M": "closing",
                  "64": "available", "65": "forward"}

#: After these fields the statement is over: untagged lines that follow are
#: headers of the next one (banks that omit the "-" separator).
_CLOSING_TAGS = frozenset({"62F", "62M", "64", "65"})

#: Skip kinds, as Control.skipped counts them.
HEADER, STATEMENT, BALANCE, DETAIL, INFO = ("header", "statement", "balance",
                                            "transaction detail", "statement information")
OTHER_FIELD, END, BLANK, STRAY = "other field", "end", "blank", "text outside any field"

#: SWIFT transaction type identification codes (the last three characters of
#: "NTRF", "NCHK" ...) that say what kind of receipt it is.
_KIND_BY_TYPE = {"CHK": "check", "TCK": "check", "LBX": "lockbox", "CAS": "cash",
                 "TRF": "wire", "BNK": "other", "COL": "other", "DDT": "other"}

#: Older ABN AMRO free text starts with the channel: BEA = card at a
#: payment terminal, GEA = cash machine.
_KIND_BY_ABN_CHANNEL = {"BEA": "card", "GEA": "cash"}

#: German purpose subfields, in the order they continue one another.
_PURPOSE_CODES = tuple(f"{n:02d}" for n in (*range(20, 30), *range(60, 64)))

#: A German ?nn subfield holds at most 27 characters: a full one was cut
#: by the bank in mid-text, a shorter one ended where the payer ended it.
_SUBFIELD_WIDTH = 27

#: SEPA keywords of the German purpose (DK "Belegung des Feldes 86").
_SEPA_KEYWORDS = ("EREF", "KREF", "MREF", "CRED", "DEBT", "SVWZ", "ABWA", "ABWE", "IBAN",
                  "BIC", "COAM", "OAMT", "PURP", "SQTP", "ORCR", "ORMR", "DDAT", "AREF")
_SEPA_KEY = re.compile(r"(?:^|(?<=\s))(" + "|".join(_SEPA_KEYWORDS) + r")\+", re.A)

#: Dutch :86: tags (Rabobank, ABN AMRO SEPA, ING). Party tags name whose
#: /NAME/, /ID/ and /ADDR/ follow.
_DUTCH_TAGS = ("EREF", "PREF", "MARF", "CSID", "CNTP", "REMI", "PURP", "ULTC", "ULTD", "ULTB",
               "BENM", "ORDP", "NAME", "ID", "ADDR", "IBAN", "BIC", "TRTP", "ISDT", "RTRN",
               "TRCD", "BUSP", "CDTRREFTP", "CDTRREF", "CD", "ISSR", "RTYP", "SVCL", "OCMT",
               "CHGS", "EXCH", "COAM", "ORIG")
_DUTCH_TAG = re.compile(r"/(" + "|".join(_DUTCH_TAGS) + r")/", re.A)
_PARTY_TAGS = frozenset({"ORDP", "BENM", "ULTD", "ULTC", "ULTB"})
#: Tags the payer gave that have no column of their own: kept in the
#: remittance text. Bank-side tags (TRTP, ISDT, TRCD ...) are not.
_PAYER_EXTRA_TAGS = ("PREF", "MARF", "CSID", "RTRN", "PURP")
_PAYER_EXTRA_KEYWORDS = ("KREF", "MREF", "CRED", "DEBT", "ABWA", "ABWE", "PURP", "COAM",
                         "OAMT", "SQTP", "ORCR", "ORMR", "DDAT", "AREF")

#: What a payer writes when there is no end-to-end reference.
_NO_REFERENCE = frozenset({"", "NONREF", "NOTPROVIDED", "NOT PROVIDED", "EREF"})

_TAG = re.compile(r":([0-9]{2}[A-Z]?):", re.A)
_END = re.compile(r"-\}?(\{5:.*)?", re.A)
_BALANCE = re.compile(r"([CD])([0-9]{6})([A-Z]{3})([0-9]+,[0-9]*)", re.A)
_DIGITS4 = re.compile(r"[0-9]{4}", re.A)
_MARK = re.compile(r"RC|RD|C|D")
_AMOUNT_TEXT = re.compile(r"[0-9][0-9,.]*", re.A)
_MT940_AMOUNT = re.compile(r"[0-9]+,[0-9]*", re.A)
_TYPE = re.compile(r"[A-Z][A-Z0-9]{3}", re.A)
_GERMAN = re.compile(r"\s*(?:[0-9]{3})?\?[0-9]{2}", re.A)
_SUBFIELD = re.compile(r"\?([0-9]{2})", re.A)
_ABN_ACCOUNT = re.compile(r"(GIRO +[0-9]+|[0-9]{1,3}\.[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,3})"
                          r"\s+(.*?)(?:\s{2,}|$)", re.A)
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", re.A)
_DUTCH_ACCOUNT = re.compile(r"P?[0-9]{7,10}", re.A)
_CHARGES = re.compile(r"/CHGS/([A-Z]{3})([0-9]+,[0-9]*)", re.A)
_LENIENT_AMOUNT = re.compile(r".{6}(?:[0-9]{4})?(RC|RD|C|D)[A-Z]?([0-9]+,[0-9]*)(?![0-9,])",
                             re.A)
_RF = re.compile(r"\bRF[0-9]{2}[0-9A-Z]{1,21}\b", re.A)


# --------------------------------------------------------------------------- records

class _Balance(NamedTuple):
    """A balance field as printed: ``C110522EUR3236,28``.

    Attributes:
      tag: 60F, 60M, 62F, 62M, 64 or 65.
      line: where it is.
      date: the balance date.
      currency: ISO code.
      cents: signed minor units (D balances negative).
    """

    tag: str
    line: int
    date: dt.date
    currency: str
    cents: int


@dataclass
class _Entry:
    """A :61: line with what belongs to it: its second line (supplementary
    details) and its :86: details, as the lines were written."""

    line: int
    text: str
    supplementary: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


@dataclass
class _Statement:
    """One statement (:20: to :62F:) as scanned, nothing typed yet but balances.

    ``opening``/``closing`` hold a :class:`_Balance`, or a sentence on why the
    printed balance could not be read, or None when the statement has none.
    """

    line: int
    reference: str = ""
    account: str = ""
    number: str = ""
    opening: _Balance | str | None = None
    closing: _Balance | str | None = None
    available: _Balance | str | None = None
    entries: list[_Entry] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    closed: bool = False

    @property
    def name(self) -> str:
        # Banks reuse numbers ("0" in every Rabobank statement): the line tells them apart.
        return f"{self.number or self.reference or '(no number)'} (from line {self.line})"

    @property
    def currency(self) -> str | None:
        for balance in (self.opening, self.closing, self.available):
            if isinstance(balance, _Balance):
                return balance.currency
        return None


@dataclass
class _Scan:
    """Where the scan of the lines stands, and what it found."""

    statements: list[_Statement] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    stray_lines: list[int] = field(default_factory=list)
    other_fields: list[tuple[str, int]] = field(default_factory=list)
    #: what an untagged line continues: "61", "86", "info", "other" or None
    open_field: str | None = None

    @property
    def current(self) -> _Statement | None:
        return self.statements[-1] if self.statements else None

    def start_statement(self, line: int) -> _Statement:
        self.statements.append(_Statement(line))
        return self.statements[-1]

    def close_statement(self) -> None:
        if self.statements:
            self.statements[-1].closed = True
        self.open_field = None


class _Line61(NamedTuple):
    """The subfields of a :61: line."""

    value_date: dt.date
    entry_date: dt.date | None
    mark: str
    funds_code: str
    amount_text: str
    type_code: str
    owner_reference: str
    bank_reference: str


class _Details(NamedTuple):
    """What the :86: details say, in xlar's terms."""

    shape: str  # "german", "dutch", "text" or "" (no details)
    payer_name: str = ""
    payer_account: str = ""
    payer_bank: str = ""
    remittance: str = ""
    end_to_end_id: str = ""
    creditor_reference: str = ""
    business_code: str = ""  # German GVC ("166"), Dutch TRTP text
    posting_text: str = ""  # German ?00 ("SEPA-GUTSCHRIFT"), ABN AMRO channel ("BEA")


# --------------------------------------------------------------------------- the reader

def read_mt940(path: str | PathLike, display: str | None = None) -> PaymentsResult:
    """Read an MT940 file (one or more statements) into payments.

    *display* is the file name shown in rejections and the control (the
    path's name when None).  Raises :class:`ReadError` only when the file as
    a whole cannot be read (missing, binary, no MT940 field in it); a bad
    line is a rejection.
    """
    p = Path(path)
    display = display or p.name
    text, _encoding, decisions = read_text(p, display)
    lines = physical_lines(text)
    scan = scan_statements(lines)
    if not any(s.entries or s.opening or s.closing or s.account for s in scan.statements):
        raise ReadError(f"{display}: this is not an MT940 statement (no :25:, :60F:, :61: or "
                        ":62F: field found); export the statement from online banking as "
                        "MT940 / SWIFT, or choose the reader for its format")

    records: list[dict] = []
    rejections: list[dict] = []
    checks: list[ControlCheck] = []
    totals_read: Counter = Counter()
    totals_rejected: Counter = Counter()
    shapes: Counter = Counter()
    for statement in scan.statements:
        accepted_cents = rejected_cents = n_rejected = 0
        for entry in statement.entries:
            record, reason = payment_of_entry(entry, statement, display)
            if record is None:
                n_rejected += 1
                rejections.append({"file": display, "sheet": "", "line": entry.line,
                                   "raw": lines[entry.line - 1].strip(), "reason": reason})
                cents = readable_amount(entry.text, statement.currency)
                if cents is not None:
                    totals_rejected[statement.currency] += cents
                    rejected_cents += cents
                continue
            records.append(record)
            shapes[record.pop("_shape")] += 1
            totals_read[record["currency"]] += record["amount_cents"]
            accepted_cents += record["amount_cents"]
        checks.append(balance_check(statement, accepted_cents, rejected_cents, n_rejected))
    checks += continuity_checks(scan.statements)
    _give_stable_ids(records)

    decisions = list(decisions) + scan_decisions(scan, shapes)
    payments = payment_frame(records)
    rejected = pd.DataFrame(rejections, columns=REJECTION_COLUMNS) if rejections \
        else empty_rejections()
    if rejections:
        rejected["line"] = rejected["line"].astype("int64")
    control = Control(
        file=display, layout=LAYOUT, lines_read=len(lines),
        data_rows=len(records) + len(rejections), accepted=len(records),
        rejected=len(rejections), skipped=dict(scan.skipped),
        totals_read=dict(totals_read), totals_rejected=dict(totals_rejected),
        checks=tuple(checks), decisions=tuple(dict.fromkeys(decisions)),
    )
    return PaymentsResult(payments, remittance_frame([]), rejected, control)


def physical_lines(text: str) -> list[str]:
    """The lines a text editor shows: CR LF, LF and a lone CR end a line;
    a last line without a line end still counts, an empty file has none.

    (``str.splitlines`` would also split at form feeds and other separators
    that editors show inside a line, and the line numbers would disagree.)
    """
    if not text:
        return []
    lines = re.split(r"\r\n|\r|\n", text)
    if lines[-1] == "":
        lines.pop()
    return lines


# --------------------------------------------------------------------------- scanning

def scan_statements(lines: list[str]) -> _Scan:
    """Split the lines into statements, counting every line that is not a :61:."""
    scan = _Scan()
    for number, line in enumerate(lines, start=1):
        kind = _place_line(scan, number, line)
        if kind is not None:
            scan.skipped[kind] += 1
    return scan


def _place_line(scan: _Scan, number: int, line: str) -> str | None:
    """File the line where it belongs; its skip kind, or None for a :61: line."""
    clean = line.replace("\x1a", "").strip()  # Ctrl-Z: the DOS end-of-file mark
    if not clean:
        return BLANK  # a blank line does not end the field it sits in
    if _END.fullmatch(clean):
        scan.close_statement()
        return END
    if line.startswith("{"):
        inner = _field_after_block_header(line)
        if inner is None:
            scan.close_statement()
            return END if clean.startswith("{5:") else HEADER
        line = inner
    m = _TAG.match(line)
    if m:
        return _place_field(scan, number, m.group(1), line[m.end():])
    return _place_continuation(scan, number, line)


def _field_after_block_header(line: str) -> str | None:
    """``{1:F01..}{2:I940..}{4::20:X`` carries a field after ``{4:``; the usual
    ``{1:..}{2:..}{4:`` line carries none."""
    i = line.find("{4:")
    if i >= 0 and line[i + 3:].startswith(":"):
        return line[i + 3:]
    return None


def _place_field(scan: _Scan, number: int, tag: str, value: str) -> str | None:
    st = scan.current
    starts_new = (tag == "20" or st is None
                  or (st.closed and tag not in ("64", "65", "86"))
                  or (tag in ("60F", "60M") and st.opening is not None))
    if starts_new:
        st = scan.start_statement(number)
    previous, scan.open_field = scan.open_field, None
    if tag in _STATEMENT_TAGS:
        _name_statement(st, tag, value.strip())
        return STATEMENT
    if tag in _BALANCE_ROLES:
        balance = read_balance(tag, number, value)
        role = _BALANCE_ROLES[tag]
        if role == "forward":
            pass  # forward available balances are information, not a control
        elif getattr(st, role) is None:
            setattr(st, role, balance)
        st.closed = st.closed or tag in _CLOSING_TAGS
        return BALANCE
    if tag == "61":
        st.entries.append(_Entry(number, value))
        scan.open_field = "61"
        return None
    if tag == "86":
        if previous in ("61", "86") and st.entries and not st.closed:
            st.entries[-1].details.append(value)
            scan.open_field = "86"
            return DETAIL
        st.info.append(value)
        scan.open_field = "info"
        return INFO
    scan.other_fields.append((tag, number))
    scan.open_field = "other"
    return OTHER_FIELD


def _name_statement(st: _Statement, tag: str, value: str) -> None:
    if tag == "20":
        st.reference = value
    elif tag in ("25", "25P"):
        st.account = st.account or value
    elif tag in ("28", "28C"):
        st.number = value


def _place_continuation(scan: _Scan, number: int, line: str) -> str:
    """An untagged line continues the field above it, if that field takes more lines."""
    st, open_field = scan.current, scan.open_field
    if open_field == "61":
        st.entries[-1].supplementary.append(line.strip())
        return DETAIL
    if open_field == "86":
        st.entries[-1].details.append(line)
        return DETAIL
    if open_field == "info":
        st.info.append(line)
        return INFO
    if open_field == "other":
        return OTHER_FIELD
    if st is None or st.closed:
        return HEADER
    scan.stray_lines.append(number)
    return STRAY


def read_balance(tag: str, line: int, value: str) -> _Balance | str:
    """A balance field, or a sentence on why it cannot be read."""
    text = value.strip()
    m = _BALANCE.fullmatch(text)
    if not m:
        return (f":{tag}: on line {line} ({text!r}) is not a balance "
                "(C or D, date YYMMDD, currency, amount with a decimal comma)")
    mark, date_text, currency, amount = m.groups()
    date = swift_date(date_text)
    if date is None:
        return f":{tag}: on line {line}: {date_text!r} is not a date (YYMMDD)"
    if not is_currency(currency):
        return f":{tag}: on line {line}: {currency!r} is not a currency code"
    cents, why = parse_amount(amount, ",", minor_digits(currency))
    if cents is None:
        return f":{tag}: on line {line}: {why}"
    return _Balance(tag, line, date, currency, -cents if mark == "D" else cents)


def swift_date(text: str) -> dt.date | None:
    """YYMMDD as a date; None when it is not one.

    SWIFT writes two-digit years; 80-99 are read as 1980-1999 so that old
    archived statements keep their century, the rest as 2000-2079.
    """
    if len(text) != 6 or not text.isascii() or not text.isdigit():
        return None
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:])
    try:
        return dt.date(1900 + yy if yy >= 80 else 2000 + yy, mm, dd)
    except ValueError:
        return None


def entry_date_near(value_date: dt.date, mmdd: str) -> dt.date | None:
    """The booking (entry) date a :61: gives as MMDD, in the year that puts
    it nearest the value date: value 31 Dec 2023 with entry 0102 is booked on
    2 Jan 2024, value 2 Jan 2024 with entry 1229 was booked on 29 Dec 2023."""
    month, day = int(mmdd[:2]), int(mmdd[2:])
    candidates = []
    for year in (value_date.year - 1, value_date.year, value_date.year + 1):
        try:
            candidates.append(dt.date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    return min(candidates, key=lambda d: abs((d - value_date).days))


# --------------------------------------------------------------------------- :61:

def parse_entry_line(text: str) -> tuple[_Line61 | None, str]:
    """The subfields of a :61: line (after the tag), or None and why not.

    Layout: value date YYMMDD, [entry date MMDD], mark C/D/RC/RD, [funds
    code letter], amount with a decimal comma, transaction type (N + 3,
    e.g. NTRF), reference for the account owner, [//bank reference].
    """
    shown = text.strip()
    value_text = shown[:6]
    value_date = swift_date(value_text)
    if value_date is None:
        return None, f"value date {value_text!r} is not a date (YYMMDD)"
    pos = 6
    entry_date = None
    m = _DIGITS4.match(shown, pos)
    if m:
        entry_date = entry_date_near(value_date, m.group())
        if entry_date is None:
            return None, f"entry date {m.group()!r} is not a date (MMDD)"
        pos = m.end()
    m = _MARK.match(shown, pos)
    if not m:
        return None, (f"debit/credit mark {shown[pos:pos + 2]!r} is not C, D, RC or RD "
                      "(expected after the dates)")
    mark, pos = m.group(), m.end()
    funds_code = ""
    if pos + 1 < len(shown) and "A" <= shown[pos] <= "Z" and "0" <= shown[pos + 1] <= "9":
        funds_code, pos = shown[pos], pos + 1
    m = _AMOUNT_TEXT.match(shown, pos)
    if not m:
        return None, f"amount missing after the debit/credit mark {mark!r}"
    amount_text, pos = m.group(), m.end()
    if not _MT940_AMOUNT.fullmatch(amount_text):
        return None, (f"amount {amount_text!r} is not an MT940 amount (digits with one "
                      "decimal comma, e.g. 1250,00)")
    m = _TYPE.match(shown, pos)
    if not m:
        return None, (f"transaction type (N and 3 characters, e.g. NTRF) missing after the "
                      f"amount, found {shown[pos:pos + 4]!r}")
    owner, _, bank = shown[m.end():].partition("//")
    return _Line61(value_date, entry_date, mark, funds_code, amount_text, m.group(),
                   owner.strip(), bank.strip()), ""


def payment_of_entry(entry: _Entry, st: _Statement, display: str) -> tuple[dict | None, str]:
    """A payment record for one :61: entry, or None and why not."""
    parsed, why = parse_entry_line(entry.text)
    if parsed is None:
        return None, why
    currency = st.currency
    if currency is None:
        return None, (f"statement {st.name} has no readable opening or closing balance, so "
                      "the currency of its entries is unknown")
    cents, why = parse_amount(parsed.amount_text, ",", minor_digits(currency))
    if cents is None:
        return None, why
    # RC reverses a credit (money leaves), RD reverses a debit (money comes back).
    if parsed.mark in ("D", "RC"):
        cents = -cents
    details = read_details(entry.details)
    supplementary = " ".join(s for s in entry.supplementary if s)
    payer_account = details.payer_account
    bank_reference = parsed.bank_reference
    charges = charges_in(supplementary, currency)
    if supplementary and not payer_account and _looks_like_account(supplementary):
        payer_account = supplementary  # Rabobank writes the counter-account here
    elif supplementary:
        # Other banks' own remarks on the entry (/OCMT/, /CHGS/, notes):
        # kept with the bank's reference, where a specialist looks for them.
        bank_reference = " / ".join(t for t in (bank_reference, supplementary) if t)
    kind = kind_of(parsed.type_code, details)
    owner = "" if parsed.owner_reference.upper() in _NO_REFERENCE else parsed.owner_reference
    # SWIFT usage rule: for a cheque, the reference for the account owner is
    # the cheque number; on other receipts it is mostly the payer's own
    # (end-to-end) reference, which :86: may not repeat.
    check_number = owner if kind == "check" else ""
    end_to_end = details.end_to_end_id or ("" if check_number else owner)
    record = {
        "_shape": details.shape or "none",
        "source_file": display, "source_sheet": "", "source_line": entry.line,
        "account": st.account,
        "booking_date": parsed.entry_date or parsed.value_date,
        "value_date": parsed.value_date,
        "amount_cents": cents, "currency": currency, "kind": kind,
        "bank_code": _bank_code(parsed.type_code, details.business_code, details.shape),
        "payer_name": details.payer_name, "payer_account": payer_account,
        "payer_bank": details.payer_bank, "remittance": details.remittance,
        "end_to_end_id": end_to_end, "bank_reference": bank_reference,
        "creditor_reference": details.creditor_reference,
        "customer_reference": "",
        "check_number": check_number,
        "reversal": parsed.mark in ("RC", "RD"),
        "charges_cents": charges,
    }
    return record, ""


def readable_amount(text: str, currency: str | None) -> int | None:
    """The signed amount of a rejected :61: line when it can still be read
    (a bad date leaves the amount readable), for the control totals."""
    m = _LENIENT_AMOUNT.match(text.strip())
    if not m or currency is None:
        return None
    cents, _ = parse_amount(m.group(2), ",", minor_digits(currency))
    if cents is None:
        return None
    return -cents if m.group(1) in ("D", "RC") else cents


def _looks_like_account(text: str) -> bool:
    compact = text.replace(" ", "")
    return bool(_IBAN_SHAPE.fullmatch(compact) or _DUTCH_ACCOUNT.fullmatch(compact))


def charges_in(supplementary: str, currency: str) -> int:
    """Bank charges a :61: second line states (``/CHGS/EUR2,50/``), in the
    statement's currency; 0 when none (or in another currency)."""
    m = _CHARGES.search(supplementary)
    if not m or m.group(1) != currency:
        return 0
    cents, _ = parse_amount(m.group(2), ",", minor_digits(currency))
    return cents or 0


def kind_of(type_code: str, details: _Details) -> str:
    """wire / sepa / check / card ... from the transaction type and the details."""
    kind = _KIND_BY_TYPE.get(type_code[1:], "other")
    if kind in ("check", "lockbox", "cash"):
        return kind
    if details.posting_text in _KIND_BY_ABN_CHANNEL:
        return _KIND_BY_ABN_CHANNEL[details.posting_text]
    sepa = (details.end_to_end_id
            or "SEPA" in details.posting_text.upper()
            or "SEPA" in details.business_code.upper()
            or (details.shape == "german" and details.business_code.startswith("1")))
    return "sepa" if sepa else kind


def _bank_code(type_code: str, business_code: str, shape: str) -> str:
    """The :61: transaction type; a German business code (GVC) that says
    more is added after a slash: ``NMSC/166``."""
    if shape == "german" and business_code and business_code not in type_code:
        return f"{type_code}/{business_code}"
    return type_code


# --------------------------------------------------------------------------- :86:

def read_details(lines: list[str]) -> _Details:
    """What the :86: lines of an entry say, whichever shape the bank used."""
    if not lines or not "".join(lines).strip():
        return _Details("")
    joined = "".join(lines)
    if _GERMAN.match(joined):
        return german_details(joined)
    if _DUTCH_TAG.match(joined.strip()):
        return dutch_details(joined.strip())
    return free_text_details(lines)


def german_details(text: str) -> _Details:
    """``166?00SEPA-GUTSCHRIFT?109310?20EREF+X?21SVWZ+Rechnung 4711?30BIC?31IBAN?32NAME``.

    The lines were joined as they are: a German bank breaks lines anywhere,
    even inside a subfield.
    """
    parts = _SUBFIELD.split(text)
    head = parts[0].strip()
    subfields: dict[str, str] = {}
    purpose: list[tuple[str, bool]] = []
    for code, value in zip(parts[1::2], parts[2::2], strict=True):
        if code in _PURPOSE_CODES:
            purpose.append((value, len(value) >= _SUBFIELD_WIDTH))
        else:
            subfields.setdefault(code, value)
    sections = sepa_sections(purpose)
    name = join_wrapped([(subfields.get(c, ""), len(subfields.get(c, "")) >= _SUBFIELD_WIDTH)
                         for c in ("32", "33")])
    account = subfields.get("31", "").strip() or subfields.get("38", "").strip()
    return _Details(
        "german",
        payer_name=name,
        payer_account=account or sections.get("IBAN", ""),
        payer_bank=subfields.get("30", "").strip() or sections.get("BIC", ""),
        remittance=_remittance_with_extras(sections.get("", ""), sections,
                                           _PAYER_EXTRA_KEYWORDS, "+"),
        end_to_end_id=_reference(sections.get("EREF", "")),
        creditor_reference=creditor_reference_in(sections.get("", "")),
        business_code=head[:3] if head[:3].isascii() and head[:3].isdigit() else "",
        posting_text=subfields.get("00", "").strip(),
    )


def sepa_sections(pieces: list[tuple[str, bool]]) -> dict[str, str]:
    """The purpose cut at its SEPA keywords: {"EREF": .., "SVWZ": .., "": text
    before any keyword}.  SVWZ+ (the remittance) and text with no keyword
    are both the remittance, under "".

    *pieces* are (text, wrapped): wrapped when the bank cut the text there
    in mid-word (the next piece follows without a space).
    """
    sections: list[tuple[str, list[tuple[str, bool]]]] = [("", [])]
    for text, wrapped in pieces:
        cuts = list(_SEPA_KEY.finditer(text))
        head = text[:cuts[0].start()] if cuts else text
        if head:
            sections[-1][1].append((head, wrapped if not cuts else False))
        for i, cut in enumerate(cuts):
            end = cuts[i + 1].start() if i + 1 < len(cuts) else len(text)
            last = i + 1 == len(cuts)
            sections.append((cut.group(1), [(text[cut.end():end], wrapped and last)]))
    out: dict[str, str] = {}
    for key, texts in sections:
        key = "" if key == "SVWZ" else key
        value = join_wrapped(texts)
        if value:
            out[key] = f"{out[key]} {value}" if out.get(key) else value
    return out


def join_wrapped(pieces: list[tuple[str, bool]]) -> str:
    """Pieces of text joined: directly after a piece the bank cut in mid-word,
    with a space after one that ended where the writer ended it."""
    text = ""
    for piece, wrapped in pieces:
        text += piece if wrapped else piece.rstrip() + " "
    return text.strip()


def dutch_details(text: str) -> _Details:
    """``/EREF/x/ORDP//NAME/y/REMI/USTD//Factuur 12/`` (Rabobank, ABN AMRO, ING).

    The lines were joined as they are: the bank cut them at 65 characters,
    often in mid-word ("CONTRA ACCOUN" + "T HOLDER").
    """
    cuts = list(_DUTCH_TAG.finditer(text))
    pairs = []
    for i, cut in enumerate(cuts):
        end = cuts[i + 1].start() if i + 1 < len(cuts) else len(text)
        pairs.append((cut.group(1), text[cut.end():end].strip().rstrip("/")))
    tags: dict[str, str] = {}
    names: dict[str, str] = {}
    party = ""
    for tag, value in pairs:
        if tag in _PARTY_TAGS:
            party = tag
        elif tag == "NAME":
            names.setdefault(party, value)
        elif tag not in ("ID", "ADDR"):
            tags.setdefault(tag, value)
    name = names.get("ORDP") or names.get("BENM") or names.get("", "")
    account, bank = tags.get("IBAN", ""), tags.get("BIC", "")
    if "CNTP" in tags:
        # ING: /CNTP/account/BIC/name/city/ (the name may itself hold a slash)
        head = tags["CNTP"].split("/", 2)
        account = account or head[0]
        bank = bank or (head[1] if len(head) > 1 else "")
        if len(head) > 2:
            name = name or head[2].rsplit("/", 1)[0]
    remittance, structured = _dutch_remittance(tags.get("REMI", ""))
    extras = {t: tags[t] for t in _PAYER_EXTRA_TAGS if tags.get(t)}
    for party_tag in ("ULTD", "ULTC", "ULTB"):
        if names.get(party_tag):
            extras[party_tag] = names[party_tag]
    return _Details(
        "dutch",
        payer_name=name.strip(), payer_account=account.strip(), payer_bank=bank.strip(),
        remittance=_remittance_with_extras(remittance, extras, tuple(extras), " "),
        end_to_end_id=_reference(tags.get("EREF", "")),
        creditor_reference=(tags.get("CDTRREF", "") or structured
                            or creditor_reference_in(remittance)),
        business_code=tags.get("TRTP", ""),
    )


def _dutch_remittance(remi: str) -> tuple[str, str]:
    """(text, creditor reference) of a /REMI/ value: ``USTD//text`` is
    unstructured text, ``STRD/CUR/RF18..`` a structured creditor reference."""
    if remi.startswith("USTD"):
        return remi[4:].lstrip("/").strip(), ""
    if remi.startswith("STRD"):
        return "", remi.rstrip("/").rsplit("/", 1)[-1].strip()
    return remi, ""


def free_text_details(lines: list[str]) -> _Details:
    """Unstructured :86: text, kept as written (lines joined by " / ").

    Older ABN AMRO text starts with the counter-account (``GIRO   428428``
    or ``52.89.39.882``) and name, or with the channel (``BEA``, ``GEA``).
    """
    text = " / ".join(ln.rstrip() for ln in lines if ln.strip())
    first = lines[0].strip() if lines else ""
    name = account = ""
    m = _ABN_ACCOUNT.match(first)
    if m:
        account = re.sub(r"\D", "", m.group(1), flags=re.A)
        name = m.group(2).strip()
    channel = first.split(" ", 1)[0] if first else ""
    sections = sepa_sections([(" ".join(ln.strip() for ln in lines), False)]) \
        if _SEPA_KEY.search(text) else {}
    if any(sections):  # a SEPA keyword was found
        return _Details(
            "text", payer_name=name, payer_account=account or sections.get("IBAN", ""),
            payer_bank=sections.get("BIC", ""),
            remittance=_remittance_with_extras(sections.get("", ""), sections,
                                               _PAYER_EXTRA_KEYWORDS, "+"),
            end_to_end_id=_reference(sections.get("EREF", "")),
            creditor_reference=creditor_reference_in(sections.get("", "")),
            posting_text=channel if channel in _KIND_BY_ABN_CHANNEL else "")
    return _Details("text", payer_name=name, payer_account=account, remittance=text,
                    creditor_reference=creditor_reference_in(text),
                    posting_text=channel if channel in _KIND_BY_ABN_CHANNEL else "")


def _remittance_with_extras(text: str, values: dict[str, str], keys: tuple[str, ...],
                            joiner: str) -> str:
    extras = [f"{k}{joiner}{values[k]}" for k in keys if values.get(k)]
    return " / ".join([t for t in (text,) if t] + extras)


def _reference(text: str) -> str:
    text = text.strip()
    return "" if text.upper() in _NO_REFERENCE else text


def creditor_reference_in(text: str) -> str:
    """An ISO 11649 creditor reference (``RF18 5390 0754 7034``) in the text,
    if its check digits are right; '' otherwise."""
    for m in _RF.finditer(text.upper().replace(" ", "")):
        ref = m.group()
        digits = "".join(str(int(c, 36)) for c in ref[4:] + ref[:4])
        if int(digits) % 97 == 1:
            return ref
    return ""


# --------------------------------------------------------------------------- controls

def balance_check(st: _Statement, accepted_cents: int, rejected_cents: int,
                  n_rejected: int) -> ControlCheck:
    """Opening balance + credits - debits read == closing balance printed."""
    label = (f"statement {st.name} of account {st.account or '(none)'}: "
             "opening balance + entries = closing balance")
    opening, closing = st.opening, st.closing
    line = closing.line if isinstance(closing, _Balance) else st.line
    currency = st.currency or ""
    problems = [b for b in (opening, closing) if isinstance(b, str)]
    if opening is None:
        problems.append("the statement has no opening balance (:60F:/:60M:)")
    if closing is None:
        problems.append("the statement has no closing balance (:62F:/:62M:)")
    read = accepted_cents + (opening.cents if isinstance(opening, _Balance) else 0)
    if problems:
        return ControlCheck(label, "", line, currency, None, read, False,
                            "; ".join(problems) + ": the entries cannot be checked")
    note = (f"opening {format_money(opening.cents, currency)} on {opening.date:%Y-%m-%d} "
            f"(:{opening.tag}: line {opening.line}), {len(st.entries)} entries")
    if n_rejected:
        note += (f"; {n_rejected} rejected, not counted"
                 + (f" ({format_money(rejected_cents, currency)} readable)"
                    if rejected_cents else ""))
    if opening.currency != closing.currency:
        return ControlCheck(label, "", line, closing.currency, closing.cents, read, False,
                            f"opening balance is in {opening.currency}, closing balance in "
                            f"{closing.currency}")
    return ControlCheck(label, "", line, currency, closing.cents, read,
                        read == closing.cents, note)


def continuity_checks(statements: list[_Statement]) -> list[ControlCheck]:
    """Each opening balance carries on the previous closing balance of the
    same account in the file: a gap means a statement is missing."""
    checks = []
    last_closing: dict[str, tuple[_Statement, _Balance]] = {}
    for st in statements:
        key = st.account
        if isinstance(st.opening, _Balance) and key in last_closing:
            prev, closing = last_closing[key]
            if closing.currency == st.opening.currency:
                checks.append(ControlCheck(
                    f"statement {st.name} of account {st.account}: opening balance = closing "
                    f"balance of statement {prev.name}", "", st.opening.line,
                    st.opening.currency, st.opening.cents, closing.cents,
                    st.opening.cents == closing.cents,
                    f"statements in the order the file lists them; previous closing on "
                    f"line {closing.line}"))
        if isinstance(st.closing, _Balance):
            last_closing[key] = (st, st.closing)
    return checks


def scan_decisions(scan: _Scan, shapes: Counter) -> list[str]:
    out = []
    accounts = sorted({s.account for s in scan.statements if s.account})
    out.append(f"{len(scan.statements)} statement(s) read"
               + (f" for account(s) {', '.join(accounts)}" if accounts else ""))
    names = {"german": "German ?20-?29 subfields", "dutch": "Dutch /TAG/ fields",
             "text": "free text", "none": "no :86: details"}
    if shapes:
        out.append("entry details read as " + ", ".join(
            f"{names[k]} ({v})" for k, v in sorted(shapes.items())))
    if scan.stray_lines:
        shown = ", ".join(map(str, scan.stray_lines[:10]))
        more = f" and {len(scan.stray_lines) - 10} more" if len(scan.stray_lines) > 10 else ""
        out.append(f"line(s) {shown}{more} belong to no MT940 field and were skipped: "
                   "check the file was not cut or edited by hand")
    if scan.other_fields:
        tags = Counter(t for t, _ in scan.other_fields)
        out.append("fields not used by xlar were skipped: "
                   + ", ".join(f":{t}: ({n})" for t, n in sorted(tags.items())))
    return out


def _give_stable_ids(records: list[dict]) -> None:
    """Ids from account, booking date, amount, reference and occurrence: not
    from the file name, so the same statement received twice gives the same ids."""
    seen: Counter = Counter()
    for r in records:
        reference = r["bank_reference"] or r["end_to_end_id"] or r["check_number"]
        key = (r["account"], r["booking_date"].isoformat(), r["value_date"].isoformat(),
               r["amount_cents"], r["currency"], reference)
        seen[key] += 1
        r["payment_id"] = payment_id(*key, seen[key])
