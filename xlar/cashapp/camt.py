"""ISO 20022 bank-to-customer messages: camt.053 statements, camt.054
debit/credit notifications (and camt.052 intraday reports, which share their
shape), versions 02 to 08, recognised by their namespace
(``urn:iso:std:iso:20022:tech:xsd:camt.053.001.08``).

Why xlar reads camt itself (libraries tried 2026-11-23 on ``../shared/fixtures/camt``):
``pycamt`` 1.1.1 reads camt.053 only (``Camt053ParseError`` on both camt.054 files) and,
on the Finnish statement takes the instructed USD 3,200.00 and EUR 5,500.00 for the booked
EUR 2,120.00 and 5,455.00 and gives 10,000.00 as the closing balance (23,644.83); ``camt053``
0.0.20 gets entries and balances right but keeps no transaction amounts, remittance,
references or charges.  Neither checks a control total nor rejects a bad amount ('6O0.00').

What a statement carries, and where it goes::

    Document/BkToCstmrStmt/Stmt            one account, one currency   (Ntfctn, Rpt)
      Acct/Id/IBAN | Acct/Id/Othr/Id       -> account
      Bal (OPBD, PRCD, CLBD, ITBD)         -> opening + entries = closing, a check
      TxsSummry (TtlCdtNtries, ...)        -> entry counts and sums, checks
      Ntry                                 one booking on the account
        Amt@Ccy, CdtDbtInd, RvslInd        -> amount_cents (credits +), reversal
        BookgDt, ValDt (Dt or DtTm)        -> booking_date, value_date
        BkTxCd Domn/Fmly/SubFmlyCd, Prtry  -> bank_code, kind
        AcctSvcrRef, NtryRef               -> bank_reference
        NtryDtls/Btch NbOfTxs, TtlAmt      -> checked against the TxDtls given with it
        NtryDtls/TxDtls                    the payments booked together (a batch)
          Amt | AmtDtls/TxAmt/Amt          -> the transaction's own amount
          Refs/EndToEndId, AcctSvcrRef     -> end_to_end_id, bank_reference
          RltdPties/Dbtr, DbtrAcct         -> payer_name, payer_account
          RltdAgts/DbtrAgt                 -> payer_bank
          RmtInf/Ustrd                     -> remittance (lines joined by ' / ')
          RmtInf/Strd/CdtrRefInf/Ref       -> creditor_reference (RF, ISR/QR)
          RmtInf/Strd/RfrdDocInf+RfrdDocAmt-> one row of ``remittances`` each
          Chrgs                            -> charges_cents

**Batches.**  An entry whose transaction details each carry an amount
becomes one payment per transaction, and the entry's amount is checked
against their sum (a control check).  An entry without details, or whose
several transactions do not all say their amount, stays one payment of the
entry's amount: the money cannot be split without inventing figures, and
their texts and references are all kept on it.  A batch's own count and
total (``Btch/NbOfTxs``, ``Btch/TtlAmt``) are checked against the
transaction details given with it; a batch the bank reports as one booking
with no more than one detail (the transactions themselves sent apart, in a
camt.054) has nothing to count, and a decision says so.

**Rows, for** :class:`~xlar.imports.common.Control`.  An XML file has no lines a
specialist counts, so the reader counts the records it walked:
``lines_read`` = statements (``Stmt``/``Ntfctn``/``Rpt``) + balances (``Bal``)
+ entries (``Ntry``) + the transactions of entries split into payments.  The
data rows are the entries kept whole and the transactions of split entries;
each ends as one payment or one rejection.  Statements, balances and split
entries (the batch around their transactions) are counted under ``skipped``.
A payment's ``source_line`` and a rejection's ``line`` is the entry's number
in the file (1 for the first ``Ntry``); reasons also give the XML line, for
an editor.

**Counterparty.**  ``payer_*`` is the party on the other side of our
account: the debtor of a credit, the creditor of a debit (so a refund shows
who it went to), or the debtor of a returned payment, which keeps its
original roles (see :func:`counterparty`).

**Safety.**  Bank files come from outside.  A file that declares a DTD is
refused (a statement never has one; DTDs are what entity-expansion
"billion laughs" and external-entity (XXE) attacks need), entities are never
resolved, nothing is fetched from the network, and files above
:data:`MAX_CAMT_BYTES` are refused before they are read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from lxml import etree

from xlar.cashapp.model import PaymentsResult, payment_frame, payment_id, remittance_frame
from xlar.imports.common import REJECTION_COLUMNS, Control, ControlCheck, empty_rejections
from xlar.imports.files import ReadError
from xlar.money import format_money, is_currency, minor_digits, parse_amount

__all__ = ["read_camt", "MAX_CAMT_BYTES", "CAMT_NAMESPACE", "kind_of_bank_code"]

#: A camt file is parsed whole in memory (some ten times its size); a large
#: bank's daily statement of 50,000 entries is some 100 MB.
MAX_CAMT_BYTES = 200 * 2**20

#: camt.052 account report, camt.053 statement, camt.054 notification; any version.
CAMT_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(\d{2})$")

#: Versions read and tested; others are read too, with a decision saying so.
KNOWN_VERSIONS = range(2, 9)

#: message type -> (message element, report element, what a bank calls it)
MESSAGES = {
    "052": ("BkToCstmrAcctRpt", "Rpt", "account report"),
    "053": ("BkToCstmrStmt", "Stmt", "statement"),
    "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn", "notification"),
}

# Bank transaction codes (ISO 20022 external code list) -> kind.  The family
# says what moved (a received credit transfer, a cheque); the sub-family,
# when it names a scheme, says through which rails it came.
KIND_BY_FAMILY = {
    "RCDT": "wire", "ICDT": "wire", "RRCT": "wire", "IRCT": "wire",
    "RCHQ": "check", "ICHQ": "check", "DRFT": "check",
    # Direct debits clear in batches like an ACH; SEPA ones are "sepa" below.
    "RDDT": "ach", "IDDT": "ach",
    "CCRD": "card", "MCRD": "card",
    "CNTR": "cash",
    "LBOX": "lockbox",
}
KIND_BY_SUBFAMILY = {
    "ESCT": "sepa", "ESDD": "sepa", "BBDD": "sepa",
    "ACDT": "ach", "ADBT": "ach", "ACOR": "ach", "APAC": "ach", "ARET": "ach",
    "AREV": "ach", "ASET": "ach", "ATXN": "ach",
    "CCHQ": "check", "CCCH": "check", "BCHQ": "check", "CRCQ": "check", "URCQ": "check",
    "UPCQ": "check", "CQRV": "check", "OPCQ": "check", "ORCQ": "check", "XBCQ": "check",
    "CLCQ": "check",
}
# Proprietary codes, when a bank gives no ISO code: the SWIFT MT940 ones
# (NTRF, NCHK ...) that many banks carry over into camt.
KIND_BY_SWIFT_CODE = {"TRF": "wire", "CHK": "check", "DDT": "ach", "STO": "wire"}

# Referred document types (RfrdDocInf/Tp/CdOrPrtry/Cd) a payer nets against
# invoices; every other type (CINV, DEBN, SOAC ...) is paid as an invoice.
CREDIT_NOTE_CODES = {"CREN", "CNFA"}

CREDIT, DEBIT = "CRDT", "DBIT"
BOOKED = "BOOK"
# What PostFinance puts in AddtlRmtInf of every ISR payment ("?REJECT?0": no
# rejection asked for): a processing flag, not words from the payer.
_BANK_FLAG = re.compile(r"^\?REJECT\?\d$")
# An ISO 20022 amount (xs:decimal, at least 0): digits, '.' for decimals.
_XML_AMOUNT = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_XML_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?$")
# Dates outside these years are typing errors (and beyond what a date column holds).
_PLAUSIBLE_YEARS = range(1900, 2200)
_NOT_PROVIDED = {"NOTPROVIDED", "NOT PROVIDED"}
_COUNT = re.compile(r"[0-9]{1,15}")

_SAFE_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False,
                            dtd_validation=False, huge_tree=False, remove_comments=True,
                            remove_pis=True)


# --------------------------------------------------------------------------- records

class Amount(NamedTuple):
    """An amount element read: signed cents, or why it could not be read."""

    cents: int | None
    currency: str
    error: str | None


class Party(NamedTuple):
    """The other side of a transaction."""

    name: str
    account: str
    bank: str


class Document(NamedTuple):
    """A document the payer names in structured remittance (RfrdDocInf)."""

    number: str
    doc_type: str
    amount_cents: int | None  # None: the payer gave no amount for it
    discount_cents: int
    deduction_cents: int
    deduction_reason: str


class Details(NamedTuple):
    """What the transaction details (or the entry itself) say about a payment."""

    end_to_end_id: str
    bank_reference: str
    check_number: str
    bank_code: str
    kind: str
    party: Party
    remittance: str
    creditor_reference: str
    documents: tuple[Document, ...]
    charges_cents: int
    notes: tuple[str, ...]  # what could not be read in the details (not the money)


class EntryHead(NamedTuple):
    """The booking itself: what every payment of the entry shares."""

    number: int
    xml_line: int
    amount: Amount
    booked: bool
    status: str
    reversal: bool
    booking_date: str | None
    value_date: str | None
    reference: str
    raw: str


# --------------------------------------------------------------------------- reading

def read_camt(path, display: str | None = None, *,
              max_bytes: int = MAX_CAMT_BYTES) -> PaymentsResult:
    """Read a camt.053 statement or camt.054 notification into payments.

    *display* is the file name shown in sources and messages (the path's
    name by default).  Raises :class:`ReadError` only for the file as a
    whole (missing, too large, not XML, a DTD, not camt); every entry
    otherwise ends as payments or as a rejection with its reason.
    """
    p = Path(path)
    display = display or p.name
    root = parse_xml_safely(read_limited(p, display, max_bytes), display)
    reading = _Reading(display)
    for document, message, version in camt_documents(root, display):
        reading.decisions.append(f"read as camt.{message} version {version:02d} "
                                 f"({MESSAGES[message][2]})")
        if version not in KNOWN_VERSIONS:
            reading.decisions.append(f"camt.{message} version {version:02d} is outside the "
                                     "versions xlar is tested on (02-08): check the result")
        reading.layouts.append(f"camt.{message}.001.{version:02d}")
        for report in _reports(document):
            _read_report(report, reading)
    return reading.result()


def read_limited(path: Path, display: str, max_bytes: int) -> bytes:
    """The file's bytes, refusing a file larger than *max_bytes* before reading it."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ReadError(_too_large(display, size, max_bytes))
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise ReadError(f"{display}: file not found") from None
    except IsADirectoryError:
        raise ReadError(f"{display}: is a folder, not a file") from None
    except OSError as e:
        raise ReadError(f"{display}: cannot be opened ({e.strerror})") from None
    if len(data) > max_bytes:  # it grew while we looked
        raise ReadError(_too_large(display, len(data), max_bytes))
    return data


def _too_large(display: str, size: int, max_bytes: int) -> str:
    return (f"{display}: {size / 2**20:.1f} MB is more than xlar reads as one camt file "
            f"({max_bytes / 2**20:.1f} MB); ask the bank for daily files")


_DTD_REFUSED = ("declares a DTD (<!DOCTYPE ...>), which no bank statement has; refused for "
                "safety (DTDs carry entity-expansion and external-entity attacks). Ask the "
                "sender for the file as the bank issued it")
_ROOT_START = re.compile(r"<[A-Za-z_]")


def parse_xml_safely(data: bytes, display: str) -> etree._Element:
    """Parse XML without DTDs, entity expansion, external entities or network access."""
    if _declares_dtd(data):
        raise ReadError(f"{display}: {_DTD_REFUSED}")
    parser = etree.XMLParser(**_SAFE_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        if "entit" in str(e).lower():
            raise ReadError(f"{display}: uses XML entities, which no bank statement needs; "
                            f"refused for safety ({_first_line(e)})") from None
        raise ReadError(f"{display}: is not well-formed XML (line {e.lineno}: "
                        f"{_first_line(e)}); is the file complete?") from None
    except ValueError as e:  # e.g. an XML declaration naming an unknown encoding
        raise ReadError(f"{display}: cannot be read as XML ({e})") from None
    if root is None:
        raise ReadError(f"{display}: is empty")
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        raise ReadError(f"{display}: {_DTD_REFUSED}")
    return root


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__


def _declares_dtd(data: bytes) -> bool:
    """True when the prolog (before the first element) has a <!DOCTYPE.

    Checked before parsing so a hostile file is refused without handing it
    to the parser at all; the parsed tree is checked again after.
    """
    text = _prolog_text(data[:65536])
    root = _ROOT_START.search(text)
    return "<!DOCTYPE" in (text[:root.start()] if root else text).upper()


def _prolog_text(head: bytes) -> str:
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(encoding, errors="ignore")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", errors="ignore")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", errors="ignore")
    return head.decode("latin-1")  # any byte; the markup is ASCII in UTF-8 and 8-bit sets


def camt_documents(root: etree._Element, display: str) -> list[tuple[etree._Element, str, int]]:
    """The camt Documents in the file (the root, or inside a bank's envelope),
    each with its message type ('053') and version, namespaces stripped."""
    found = []
    # A bank's envelope (a SWIFT AppHdr wrapper) may hold the Document deeper.
    for el in ([root] if etree.QName(root).localname == "Document" else root.iter()):
        if not isinstance(el.tag, str):
            continue
        q = etree.QName(el)
        m = CAMT_NAMESPACE.match(q.namespace or "")
        if q.localname == "Document" and m:
            found.append((el, m.group(1), int(m.group(2))))
    if not found:
        q = etree.QName(root)
        ns = f" in namespace {q.namespace}" if q.namespace else " without a namespace"
        raise ReadError(f"{display}: is not an ISO 20022 camt.053 statement or camt.054 "
                        f"notification (its root element is {q.localname}{ns}); export the "
                        "statement as camt.053 or camt.054 XML")
    for el, _, _ in found:
        _strip_namespaces(el)
    return found


def _strip_namespaces(element: etree._Element) -> None:
    # The namespace was checked once on the Document; inside it, element
    # paths read as the message definitions print them.
    for el in element.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = el.tag.split("}", 1)[1]


def _reports(document: etree._Element) -> Iterable[etree._Element]:
    """The statements (notifications, reports) of a Document."""
    for msg in document:
        if not isinstance(msg.tag, str):
            continue
        for report in msg:
            if isinstance(report.tag, str) and report.tag in ("Stmt", "Ntfctn", "Rpt"):
                yield report


class _Reading:
    """What has been read so far from one file."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.layouts: list[str] = []
        self.payments: list[dict] = []
        self.remittances: list[tuple[int, dict]] = []  # (payment position, row)
        self.rejections: list[dict] = []
        self.checks: list[ControlCheck] = []
        self.decisions: list[str] = []
        self.counts: Counter = Counter()  # statement, balance, entry, batch, transaction
        self.rejected_totals: Counter = Counter()

    def reject(self, line: int, raw: str, reason: str, amount: Amount | None = None) -> None:
        self.rejections.append({"file": self.display, "sheet": "", "line": line,
                                "raw": raw, "reason": reason})
        if amount is not None and amount.cents is not None:
            self.rejected_totals[amount.currency] += amount.cents

    def result(self) -> PaymentsResult:
        ids = _payment_ids(self.payments)
        for record, pid in zip(self.payments, ids, strict=True):
            record["payment_id"] = pid
        payments = payment_frame([{k: v for k, v in r.items() if not k.startswith("_")}
                                  for r in self.payments])
        remittances = remittance_frame([{**row, "payment_id": ids[pos]}
                                        for pos, row in self.remittances])
        rejections = (pd.DataFrame(self.rejections, columns=REJECTION_COLUMNS)
                      .astype({"line": "int64"}) if self.rejections else empty_rejections())
        c = self.counts
        totals_read: Counter = Counter()
        for r in self.payments:
            totals_read[r["currency"]] += r["amount_cents"]
        control = Control(
            file=self.display,
            layout=", ".join(dict.fromkeys(self.layouts)),
            lines_read=c["statement"] + c["balance"] + c["entry"] + c["transaction"],
            data_rows=c["entry"] - c["batch"] + c["transaction"],
            accepted=len(payments),
            rejected=len(rejections),
            skipped={"statement": c["statement"], "balance": c["balance"],
                     "batch": c["batch"]},
            totals_read=dict(totals_read),
            totals_rejected=dict(self.rejected_totals),
            checks=tuple(self.checks),
            decisions=tuple(dict.fromkeys(self.decisions)),
        )
        return PaymentsResult(payments, remittances, rejections, control)


def _payment_ids(payments: list[dict]) -> list[str]:
    # The same booking twice on one statement (two equal charges) is told
    # apart by its occurrence, so ids stay stable and distinct.
    seen: Counter = Counter()
    ids = []
    for r in payments:
        key = (r["account"], r["currency"], r["booking_date"] or "", r["amount_cents"],
               r["_id_reference"])
        seen[key] += 1
        ids.append(payment_id(*key, seen[key]))
    return ids


# --------------------------------------------------------------------------- statements

class _Statement(NamedTuple):
    id: str
    account: str
    currency: str


class _Booked(NamedTuple):
    """An entry that made it into payments, for the statement's checks."""

    cents: int
    currency: str
    booked: bool


def _read_report(report: etree._Element, reading: _Reading) -> None:
    reading.counts["statement"] += 1
    stmt = _Statement(_text(report, "Id"), account_id(report.find("Acct")),
                      _text(report, "Acct/Ccy").upper())
    balances = report.findall("Bal")
    reading.counts["balance"] += len(balances)
    kept: list[_Booked] = []
    rejected_entries = 0
    for ntry in report.findall("Ntry"):
        reading.counts["entry"] += 1
        before = len(reading.payments)
        head = _read_entry(ntry, reading.counts["entry"], stmt, reading)
        if len(reading.payments) > before and head is not None:
            kept.append(_Booked(head.amount.cents, head.amount.currency, head.booked))
        else:
            rejected_entries += 1
    where = f"{MESSAGES_BY_REPORT[report.tag]} {stmt.id or '(no id)'}"
    check = balance_check(balances, kept, rejected_entries, where, stmt)
    if check is not None:
        reading.checks.append(check)
    reading.checks.extend(summary_checks(report.find("TxsSummry"), kept, rejected_entries,
                                         where, stmt))


MESSAGES_BY_REPORT = {"Stmt": "statement", "Ntfctn": "notification", "Rpt": "report"}


def account_id(acct: etree._Element | None) -> str:
    """An account's IBAN, or its other identifier (a local account number)."""
    if acct is None:
        return ""
    return _text(acct, "Id/IBAN") or _text(acct, "Id/Othr/Id")


# Which balance opens and which closes the period: the booked opening
# balance, else the previous statement's closing one; camt.052 reports
# close (and paginated statements open) with an interim booked balance.
_OPENING_CODES = ("OPBD", "PRCD", "ITBD")
_CLOSING_CODES = ("CLBD", "ITBD")


class Balance(NamedTuple):
    code: str
    cents: int | None
    currency: str
    date: str
    xml_line: int
    error: str | None


def read_balance(bal: etree._Element, default_currency: str) -> Balance:
    code = (_text(bal, "Tp/CdOrPrtry/Cd") or _text(bal, "Tp/CdOrPrtry/Prtry")).upper()
    amount = read_amount(bal.find("Amt"), _text(bal, "CdtDbtInd"), default_currency)
    date = _text(bal, "Dt/Dt") or _text(bal, "Dt/DtTm")[:10]
    return Balance(code, amount.cents, amount.currency, date, bal.sourceline or 0, amount.error)


def balance_check(balances: list[etree._Element], kept: list[_Booked], rejected_entries: int,
                  where: str, stmt: _Statement) -> ControlCheck | None:
    """Opening balance + booked entries read = closing balance, when the file gives both."""
    read = [read_balance(b, stmt.currency) for b in balances]
    opening = next((b for code in _OPENING_CODES for b in read if b.code == code), None)
    closing = next((b for code in _CLOSING_CODES for b in reversed(read)
                    if b.code == code and b is not opening), None)
    if opening is None or closing is None:
        return None
    label = (f"{where}: opening balance {opening.code} {opening.date} + entries = "
             f"closing balance {closing.code} {closing.date}")
    currency = closing.currency or opening.currency or stmt.currency or "EUR"
    booked = [k for k in kept if k.booked]
    moved = sum(k.cents for k in booked if k.currency == currency)
    for b in (opening, closing):
        if b.error:
            return ControlCheck(label, "", b.xml_line, currency, None, moved, False,
                                f"the {b.code} balance cannot be read: {b.error}")
    read_cents = opening.cents + moved
    ok = closing.cents == read_cents
    notes = []
    if opening.currency != closing.currency:
        notes.append(f"the balances are in {opening.currency} and {closing.currency}")
    other = sum(1 for k in booked if k.currency != currency)
    if other:
        notes.append(f"{_entries(other)} in another currency than {currency} not counted")
    if rejected_entries and not ok:
        notes.append(_rejected_note(rejected_entries))
    return ControlCheck(label, "", closing.xml_line, currency, closing.cents, read_cents, ok,
                        "; ".join(notes))


def _entries(n: int) -> str:
    return f"{n} entry" if n == 1 else f"{n} entries"


def _rejected_note(n: int) -> str:
    # Why a total may not match: what is missing is in the Rejected Rows.
    return f"{_entries(n)} rejected (see Rejected Rows)" if n else ""


def summary_checks(summary: etree._Element | None, kept: list[_Booked], rejected_entries: int,
                   where: str, stmt: _Statement) -> list[ControlCheck]:
    """The statement's own entry counts and sums (TxsSummry) against the entries read."""
    if summary is None:
        return []
    currencies = {k.currency for k in kept}
    currency = stmt.currency or (next(iter(currencies)) if len(currencies) == 1 else "EUR")
    note = _rejected_note(rejected_entries)
    groups = {
        "TtlNtries": ("all entries", kept),
        "TtlCdtNtries": ("credit entries", [k for k in kept if k.cents >= 0]),
        "TtlDbtNtries": ("debit entries", [k for k in kept if k.cents < 0]),
    }
    checks = []
    for tag, (what, entries) in groups.items():
        el = summary.find(tag)
        if el is None:
            continue
        line = el.sourceline or 0
        count = _text(el, "NbOfNtries")
        if count:
            checks.append(_count_check(f"{where}: number of {what} ({tag})", line, currency,
                                       count, len(entries), note))
        total = _text(el, "Sum")
        if total:
            read = sum(abs(k.cents) for k in entries)
            checks.append(_sum_check(f"{where}: sum of {what} ({tag})", line, currency,
                                     total, read, note))
        net = el.find("TtlNetNtry")
        net_text = _text(net, "Amt") if net is not None else _text(el, "TtlNetNtryAmt")
        if net_text:
            sign = _text(net, "CdtDbtInd") if net is not None else _text(el, "CdtDbtInd")
            read = sum(k.cents for k in entries)
            checks.append(_sum_check(f"{where}: net of {what} ({tag})", line, currency,
                                     net_text, read, note, negative=sign == DEBIT))
    return checks


def _is_count(text: str) -> bool:
    # Max15NumericText, as NbOfNtries and NbOfTxs are defined: str.isdigit() would
    # also take '²', which int() cannot read.
    return _COUNT.fullmatch(text) is not None


def _count_check(label: str, line: int, currency: str, printed: str, read: int,
                 note: str) -> ControlCheck:
    # A count is not money: it goes in the note, which describe() shows as is.
    if not _is_count(printed):
        return ControlCheck(label, "", line, currency, None, read, False,
                            f"the printed count {printed!r} is not a number; {read} read")
    ok = int(printed) == read
    state = "matches" if ok else "DOES NOT MATCH"
    text = f"printed {int(printed)}, read {read} - {state}" + (
        f"; {note}" if note and not ok else "")
    return ControlCheck(label, "", line, currency, None, read, ok, text)


def _sum_check(label: str, line: int, currency: str, printed: str, read: int, note: str,
               negative: bool = False) -> ControlCheck:
    cents, error = _cents(printed, currency)
    if error:
        return ControlCheck(label, "", line, currency, None, read, False,
                            f"the printed total cannot be read: {error}")
    cents = -cents if negative else cents
    ok = cents == read
    return ControlCheck(label, "", line, currency, cents, read, ok, "" if ok else note)


# --------------------------------------------------------------------------- entries

def _read_entry(ntry: etree._Element, number: int, stmt: _Statement,
                reading: _Reading) -> EntryHead | None:
    """Add the entry's payments (or its rejection) to *reading*; its head when read."""
    head, error = read_entry_head(ntry, number, stmt.currency)
    if error:
        reading.reject(number, head.raw, error, head.amount)
        return None
    if not head.booked:
        reading.reject(number, head.raw, f"entry {number}: {_not_booked(head.status)}",
                       head.amount)
        return None
    batch_checks(ntry, head, reading)
    txs = ntry.findall("NtryDtls/TxDtls")
    if len(txs) >= 2 and all(_own_amount(tx) is not None for tx in txs):
        _read_batch(ntry, txs, head, stmt, reading)
        return head
    if len(txs) >= 2:
        reading.decisions.append(
            f"entry {number}: {len(txs)} transactions do not each give their amount; kept as "
            "one payment of the entry's amount, with all their references")
    if len(txs) == 1 and _own_amount(txs[0]) is not None:
        _compare_single_transaction(ntry, txs[0], head, reading)
    details = read_details(txs or [ntry], ntry, head.amount.currency,
                           credit=head.amount.cents >= 0, whole_entry=True,
                           own_account=stmt.account)
    _add_payment(reading, head, head.amount, details, stmt, head.reference or f"entry {number}")
    return head


def batch_checks(ntry: etree._Element, head: EntryHead, reading: _Reading) -> None:
    """Each ``NtryDtls/Btch`` of a booked entry against the transaction details beside it.

    ``NbOfTxs`` is compared with how many ``TxDtls`` the block gives and
    ``TtlAmt`` with what their own amounts add up to (with the entry's
    amount when they give none and the batch is the entry's only block).
    A count the file cannot be held to is said in a decision, not checked:
    banks that book a batch as one amount often give one summary detail or
    none and send the transactions in a separate camt.054 (the Finnish
    sample's salary and incoming-payment batches do), which is not an error.
    """
    blocks = ntry.findall("NtryDtls")
    for block in blocks:
        btch = block.find("Btch")
        if btch is None:
            continue
        txs = block.findall("TxDtls")
        line = btch.sourceline or head.xml_line
        name = _text(btch, "PmtInfId") or _text(btch, "MsgId")
        where = f"entry {head.number}: batch{' ' + name if name else ''}"
        currency = head.amount.currency
        printed = _text(btch, "NbOfTxs")
        if printed:
            if _is_count(printed) and (not txs or len(txs) == 1 < int(printed)):
                reading.decisions.append(
                    f"{where} ({printed} transaction(s), Btch/NbOfTxs) is reported as one "
                    f"booking with {len(txs) or 'no'} transaction detail: nothing to count "
                    "them against; it is one payment of the entry's amount (the bank sends "
                    "the transactions apart, e.g. in a camt.054)")
            else:
                missing = (int(printed) - len(txs)) if _is_count(printed) else 0
                note = ("transactions the bank counted are missing from the file"
                        if missing > 0 else "the file gives more transactions than the bank "
                        "counted" if missing < 0 else "")
                reading.checks.append(_count_check(
                    f"{where}: number of transactions (Btch/NbOfTxs)", line, currency,
                    printed, len(txs), note))
        total_el = btch.find("TtlAmt")
        if total_el is not None:
            check = _batch_total_check(btch, total_el, txs, ntry, head, where, line,
                                       only_block=len(blocks) == 1)
            if isinstance(check, str):
                reading.decisions.append(check)
            else:
                reading.checks.append(check)


def _batch_total_check(btch: etree._Element, total_el: etree._Element,
                       txs: list[etree._Element], ntry: etree._Element, head: EntryHead,
                       where: str, line: int, only_block: bool) -> ControlCheck | str:
    """``Btch/TtlAmt`` against the batch's transactions (a decision when it cannot be)."""
    label = f"{where}: total (Btch/TtlAmt)"
    entry_sign = _text(ntry, "CdtDbtInd")
    # Btch/CdtDbtInd is optional: without it the batch goes the entry's way.
    printed = read_amount(total_el, _text(btch, "CdtDbtInd") or entry_sign,
                          head.amount.currency)
    currency = printed.currency or head.amount.currency
    if printed.error:
        return ControlCheck(label, "", line, currency, None, 0, False,
                            f"the printed total cannot be read: {printed.error}")
    if txs and all(_own_amount(tx) is not None for tx in txs):
        read, notes = 0, []
        for tx in txs:
            amount = read_amount(_own_amount(tx), _text(tx, "CdtDbtInd") or entry_sign,
                                 currency)
            if amount.error:
                notes.append("a transaction's amount cannot be read")
            elif amount.currency != currency:
                notes.append(f"a transaction in {amount.currency} is not added")
            else:
                read += amount.cents
        ok = read == printed.cents and not notes
        return ControlCheck(label, "", line, currency, printed.cents, read, ok,
                            "; ".join(dict.fromkeys(notes)))
    if only_block and head.amount.currency == currency:
        # No amounts of their own: the batch is the whole booking.
        ok = head.amount.cents == printed.cents
        return ControlCheck(label, "", line, currency, printed.cents, head.amount.cents, ok,
                            "" if ok else "compared with the entry's amount (the "
                            "transactions give none of their own)")
    return (f"{where}: its total {_money(printed)} (Btch/TtlAmt) cannot be checked: the "
            "transactions give no amounts of their own and the entry holds other batches")


def _compare_single_transaction(ntry: etree._Element, tx: etree._Element, head: EntryHead,
                                reading: _Reading) -> None:
    # One transaction is the whole entry: the booked amount is taken, and a
    # transaction that says otherwise is shown, not silently overruled.
    own = read_amount(_own_amount(tx), _text(tx, "CdtDbtInd") or _text(ntry, "CdtDbtInd"),
                      head.amount.currency)
    if own.error:
        reading.decisions.append(f"entry {head.number}: the transaction's own amount cannot "
                                 f"be read ({own.error}); the entry's amount is taken")
    elif (own.cents, own.currency) != (head.amount.cents, head.amount.currency):
        reading.checks.append(ControlCheck(
            f"entry {head.number}: the transaction's amount against the entry's", "",
            tx.sourceline or 0, head.amount.currency, head.amount.cents,
            own.cents if own.currency == head.amount.currency else 0, False,
            f"the transaction says {_money(own)}; the entry's {_money(head.amount)} is taken"))


def read_entry_head(ntry: etree._Element, number: int,
                    default_currency: str) -> tuple[EntryHead, str | None]:
    """The entry's own fields, and the first reason it cannot be taken (or None)."""
    amount = read_amount(ntry.find("Amt"), _text(ntry, "CdtDbtInd"), default_currency)
    status = (_text(ntry, "Sts/Cd") or _text(ntry, "Sts/Prtry") or _text(ntry, "Sts")).upper()
    reversal_text = _text(ntry, "RvslInd").lower()
    booking, booking_error = read_date(ntry.find("BookgDt"), "booking date")
    value, value_error = read_date(ntry.find("ValDt"), "value date")
    reference = _text(ntry, "AcctSvcrRef") or _text(ntry, "NtryRef")
    line = ntry.sourceline or 0
    raw = (f"entry {number} (XML line {line}): {_text(ntry, 'Amt') or '(no amount)'} "
           f"{amount.currency or '(no currency)'} {_text(ntry, 'CdtDbtInd') or '(no CRDT/DBIT)'}"
           f", booked {booking or _text(ntry, 'BookgDt/Dt') or '-'}, ref {reference or '-'}")
    head = EntryHead(number, line, amount, status in ("", BOOKED), status,
                     reversal_text in ("true", "1"), booking, value, reference, raw)
    error = amount.error or booking_error or value_error
    if error is None and reversal_text not in ("", "true", "false", "1", "0"):
        error = f"reversal indicator {_text(ntry, 'RvslInd')!r} is neither true nor false"
    if error:
        return head, f"entry {number}: {error}"
    return head, None


def _not_booked(status: str) -> str:
    if status == "PDNG":
        return ("pending (status PDNG): not booked yet, so not applied; it comes again "
                "on the statement that books it")
    if status == "INFO":
        return "information only (status INFO): not a booking on the account"
    return f"entry status {status!r} is not booked (BOOK): not applied"


def _own_amount(tx: etree._Element) -> etree._Element | None:
    # camt v03+ carry Amt in TxDtls; v02 only AmtDtls/TxAmt.  Neither InstdAmt
    # (what the payer sent, perhaps in another currency) nor CntrValAmt is
    # what reached the account.
    own = tx.find("Amt")
    return own if own is not None else tx.find("AmtDtls/TxAmt/Amt")


def _read_batch(ntry: etree._Element, txs: list[etree._Element], head: EntryHead,
                stmt: _Statement, reading: _Reading) -> None:
    """One payment per transaction of a batch entry, and the entry checked against them."""
    reading.counts["batch"] += 1
    reading.counts["transaction"] += len(txs)
    entry_sign = _text(ntry, "CdtDbtInd")
    total, failed, other_currency = 0, 0, 0
    entry_charges = ntry.find("Chrgs") is not None
    for k, tx in enumerate(txs, start=1):
        amount = read_amount(_own_amount(tx), _text(tx, "CdtDbtInd") or entry_sign,
                             head.amount.currency)
        line = tx.sourceline or 0
        raw = (f"entry {head.number}, transaction {k} of {len(txs)} (XML line {line}): "
               f"{_text(_own_amount(tx)) or '(no amount)'} {amount.currency}, "
               f"entry ref {head.reference or '-'}")
        if amount.error:
            reading.reject(head.number, raw,
                           f"entry {head.number}, transaction {k}: {amount.error}", amount)
            failed += 1
            continue
        if amount.currency != head.amount.currency:
            other_currency += 1
        else:
            total += amount.cents
        details = read_details([tx], ntry, amount.currency, credit=amount.cents >= 0,
                               whole_entry=False, own_account=stmt.account)
        reference = (details.bank_reference or details.end_to_end_id
                     or f"{head.reference or f'entry {head.number}'}#{k}")
        _add_payment(reading, head, amount, details, stmt, reference)
    if entry_charges and not any(tx.find("Chrgs") is not None for tx in txs):
        reading.decisions.append(f"entry {head.number}: charges given for the whole batch "
                                 "are not split over its transactions")
    notes = []
    if failed:
        notes.append(f"{failed} transaction(s) cannot be read (see Rejected Rows)")
    if other_currency:
        notes.append(f"{other_currency} transaction(s) in another currency are not added")
    reading.checks.append(ControlCheck(
        f"entry {head.number}: batch of {len(txs)} transactions against the entry amount",
        "", head.xml_line, head.amount.currency, head.amount.cents, total,
        total == head.amount.cents and not failed and not other_currency, "; ".join(notes)))


def _add_payment(reading: _Reading, head: EntryHead, amount: Amount, details: Details,
                 stmt: _Statement, id_reference: str) -> None:
    position = len(reading.payments)
    reading.payments.append({
        "source_file": reading.display,
        "source_sheet": "",
        "source_line": head.number,
        "account": stmt.account,
        "booking_date": head.booking_date,
        "value_date": head.value_date,
        "amount_cents": amount.cents,
        "currency": amount.currency,
        "kind": details.kind,
        "bank_code": details.bank_code,
        "payer_name": details.party.name,
        "payer_account": details.party.account,
        "payer_bank": details.party.bank,
        "remittance": details.remittance,
        "end_to_end_id": details.end_to_end_id,
        "bank_reference": details.bank_reference or head.reference,
        "creditor_reference": details.creditor_reference,
        "customer_reference": "",
        "check_number": details.check_number,
        "reversal": head.reversal,
        "charges_cents": details.charges_cents,
        "_id_reference": id_reference,
    })
    for note in details.notes:
        reading.decisions.append(f"entry {head.number}: {note}")
    documents = details.documents
    for doc in documents:
        paid = doc.amount_cents
        if paid is None:
            # A lone document with no amount is what the whole payment paid.
            paid = abs(amount.cents) if len(documents) == 1 else 0
            if doc.doc_type == "credit_memo":
                paid = -paid
        reading.remittances.append((position, {
            "document": doc.number, "doc_type": doc.doc_type, "amount_cents": paid,
            "discount_cents": doc.discount_cents, "deduction_cents": doc.deduction_cents,
            "deduction_reason": doc.deduction_reason, "source_line": head.number,
        }))


# --------------------------------------------------------------------------- details

def read_details(sources: list[etree._Element], entry: etree._Element, currency: str, *,
                 credit: bool, whole_entry: bool, own_account: str = "") -> Details:
    """What the transaction details *sources* say about one payment (merged
    when several; the entry itself when it has none).

    *whole_entry*: the payment is the entire entry, so what the entry says
    of itself (its charges, its bank text) is the payment's too; for one
    transaction of a batch it is not.
    """
    notes: list[str] = []
    own_codes = [s.find("BkTxCd") for s in sources if s.find("BkTxCd") is not None]
    # A transaction's own code is more precise than the entry's, but several
    # transactions kept as one payment are described by the entry's.
    code = own_codes[0] if len(sources) == 1 and own_codes else entry.find("BkTxCd")
    bank_code, kind = bank_code_and_kind(code)
    remittance_lines, references, documents = [], [], []
    for rmt in (s.find("RmtInf") for s in sources):
        if rmt is None:
            continue
        remittance_lines += remittance_text(rmt)
        references += creditor_references(rmt)
        docs, doc_notes = referred_documents(rmt, currency)
        documents += docs
        notes += doc_notes
    if not remittance_lines:
        # No words from the payer: the bank's own text about the booking is
        # the best a specialist has to go on.
        remittance_lines = [_text(s, "AddtlTxInf") for s in sources]
        if whole_entry and not any(remittance_lines):
            remittance_lines = [_text(entry, "AddtlNtryInf")]
    charge_sources = [s for s in sources if s.find("Chrgs") is not None]
    if not charge_sources and whole_entry and entry.find("Chrgs") is not None:
        charge_sources = [entry]
    charges = 0
    for s in charge_sources:
        cents, charge_notes = charges_taken(s.findall("Chrgs"), currency)
        charges += cents
        notes += charge_notes
    return Details(
        end_to_end_id=_joined(_end_to_end_id(s) for s in sources),
        bank_reference=_joined(_text(s, "Refs/AcctSvcrRef") for s in sources),
        check_number=_joined(_text(s, "Refs/ChqNb") for s in sources),
        bank_code=bank_code, kind=kind,
        party=_joined_party([counterparty(s, credit, own_account) for s in sources]),
        remittance=" / ".join(line for line in remittance_lines if line),
        creditor_reference=_joined(references),
        documents=tuple(documents),
        charges_cents=charges,
        notes=tuple(notes),
    )


def _end_to_end_id(tx: etree._Element) -> str:
    # SEPA fills the mandatory field with NOTPROVIDED when the payer gave none.
    e2e = _text(tx, "Refs/EndToEndId")
    return "" if e2e.upper() in _NOT_PROVIDED else e2e


def _joined(values: Iterable[str]) -> str:
    """Distinct non-empty values in order, joined by ' / ' (one value: itself)."""
    return " / ".join(dict.fromkeys(v for v in values if v))


def _joined_party(parties: list[Party]) -> Party:
    return Party(_joined(p.name for p in parties), _joined(p.account for p in parties),
                 _joined(p.bank for p in parties))


def bank_code_and_kind(code: etree._Element | None) -> tuple[str, str]:
    """The bank transaction code as text ('PMNT/RCDT/ESCT') and the kind it means."""
    if code is None:
        return "", "other"
    domain, family = _text(code, "Domn/Cd"), _text(code, "Domn/Fmly/Cd")
    sub = _text(code, "Domn/Fmly/SubFmlyCd")
    proprietary = _text(code, "Prtry/Cd")
    iso = "/".join(p for p in (domain, family, sub) if p)
    text = "; ".join(p for p in (iso, proprietary) if p)
    return text, kind_of_bank_code(family, sub, proprietary)


def kind_of_bank_code(family: str, sub_family: str = "", proprietary: str = "") -> str:
    """wire / ach / sepa / check / card / cash / lockbox / other, from a BkTxCd."""
    kind = KIND_BY_SUBFAMILY.get(sub_family.upper()) or KIND_BY_FAMILY.get(family.upper())
    if kind:
        return kind
    # 'NTRF+705...' (Finland), 'NCHK': a SWIFT code after the N.
    swift = re.split(r"[^A-Za-z]", proprietary.upper(), maxsplit=1)[0]
    if len(swift) == 4 and swift.startswith("N"):
        swift = swift[1:]
    return KIND_BY_SWIFT_CODE.get(swift, "other")


def counterparty(tx: etree._Element, credit: bool, own_account: str = "") -> Party:
    """The party on the other side of our account.

    That is the debtor of a credit and the creditor of a debit, except when
    that side is missing or is our own account: a returned or reversed
    payment keeps the original roles (the customer stays the debtor of a
    debit that sends their money back).
    """
    expected, other = ("Dbtr", "Cdtr") if credit else ("Cdtr", "Dbtr")
    first = _party(tx, expected)
    if first.account and first.account == own_account or not (first.name or first.account):
        second = _party(tx, other)
        if (second.name or second.account) and second.account != own_account:
            return second
    return first


def _party(tx: etree._Element, side: str) -> Party:
    parties, agents = tx.find("RltdPties"), tx.find("RltdAgts")
    name = account = bank = ""
    if parties is not None:
        # v08 wraps the party: Dbtr/Pty/Nm; earlier versions Dbtr/Nm.
        name = (_text(parties, f"{side}/Nm") or _text(parties, f"{side}/Pty/Nm")
                or _text(parties, f"Ultmt{side}/Nm") or _text(parties, f"Ultmt{side}/Pty/Nm"))
        account = account_id(parties.find(f"{side}Acct"))
    fi = agents.find(f"{side}Agt/FinInstnId") if agents is not None else None
    if fi is not None:
        bank = (_text(fi, "BICFI") or _text(fi, "BIC") or _text(fi, "ClrSysMmbId/MmbId")
                or _text(fi, "Nm"))
    return Party(name, account, bank)


def remittance_text(rmt: etree._Element) -> list[str]:
    """The payer's words, in order: each Ustrd line, and the additional text of Strd blocks."""
    lines = []
    for el in rmt:
        if el.tag == "Ustrd":
            lines.append(_text(el))
        elif el.tag == "Strd":
            lines += [t for t in (_text(a) for a in el.findall("AddtlRmtInf"))
                      if not _BANK_FLAG.match(t)]
    return [line for line in lines if line]


def creditor_references(rmt: etree._Element) -> list[str]:
    """Structured creditor references (RF..., 27-digit ISR/QR), spaces removed
    (payers copy them from a slip printed in groups of five)."""
    refs = (re.sub(r"\s+", "", _text(r)) for r in rmt.findall("Strd/CdtrRefInf/Ref"))
    return [r for r in refs if r]


def referred_documents(rmt: etree._Element, currency: str) -> tuple[list[Document], list[str]]:
    """One Document per RfrdDocInf; the amounts of a Strd block go to its first document."""
    documents: list[Document] = []
    notes: list[str] = []
    for strd in rmt.findall("Strd"):
        infos = strd.findall("RfrdDocInf")
        if not infos:
            continue
        amounts = strd.find("RfrdDocAmt")
        if len(infos) > 1 and amounts is not None:
            notes.append(f"one set of amounts for {len(infos)} documents "
                         f"({', '.join(_text(i, 'Nb') for i in infos)}): put on the first")
        for i, info in enumerate(infos):
            number = _text(info, "Nb")
            code = (_text(info, "Tp/CdOrPrtry/Cd") or _text(info, "Tp/CdOrPrtry/Prtry")).upper()
            credit_note = code in CREDIT_NOTE_CODES
            doc, doc_notes = document_amounts(amounts if i == 0 else None, number, credit_note,
                                              currency)
            documents.append(doc)
            notes += doc_notes
    return documents, notes


def document_amounts(amounts: etree._Element | None, number: str, credit_note: bool,
                     currency: str) -> tuple[Document, list[str]]:
    """What was paid for one document, its discount and what was withheld.

    Paid is the remitted amount (RmtdAmt); without it, the amount due less
    discount, credit note and adjustments.  A credit note counts negative.
    An adjustment is a deduction unless marked CRDT (an increase).  A credit
    note amount given on an invoice is withheld from that invoice.
    """
    doc_type = "credit_memo" if credit_note else "invoice"
    if amounts is None:
        return Document(number, doc_type, None, 0, 0, ""), []
    notes: list[str] = []

    def cents(path: str) -> int | None:
        total = None
        for el in amounts.findall(path):
            # v03+ wrap some amounts (DscntApldAmt/Amt), v02 does not.
            node = el.find("Amt") if el.find("Amt") is not None else el
            value, error = _cents(_text(node), currency)
            if error:
                notes.append(f"document {number or '(no number)'}: {path} {error}; left out")
                continue
            total = (total or 0) + value
        return total

    remitted, due = cents("RmtdAmt"), cents("DuePyblAmt")
    discount, credit_amount = cents("DscntApldAmt") or 0, cents("CdtNoteAmt")
    deduction, reasons = 0, []
    for adj in amounts.findall("AdjstmntAmtAndRsn"):
        value, error = _cents(_text(adj, "Amt"), currency)
        if error:
            notes.append(f"document {number or '(no number)'}: adjustment {error}; left out")
            continue
        deduction += -value if _text(adj, "CdtDbtInd") == CREDIT else value
        reasons.append(" ".join(t for t in (_text(adj, "Rsn"), _text(adj, "AddtlInf")) if t))
    if credit_note:
        paid = next((v for v in (remitted, credit_amount, due) if v is not None), None)
        paid = -paid if paid is not None else None
    else:
        if credit_amount:
            deduction += credit_amount
            reasons.append("credit note")
        if remitted is not None:
            paid = remitted
        elif due is not None:
            paid = due - discount - deduction
        else:
            paid = None
    return Document(number, doc_type, paid, discount, deduction,
                    "; ".join(r for r in reasons if r)), notes


def charges_taken(chrgs: list[etree._Element], currency: str) -> tuple[int, list[str]]:
    """Bank charges taken from the amount (cents, and what could not be read).

    camt v03+ give ``Chrgs/Rcrd`` records (and a total); v02 repeats ``Chrgs``
    with an ``Amt`` each.  A record marked ``ChrgInclInd false`` was charged
    apart, not taken from this amount, so it is left out; a CRDT record
    gives charges back.
    """
    records = [r for c in chrgs for r in c.findall("Rcrd")]
    if not records:
        records = chrgs
    total, notes = 0, []
    for rec in records:
        if _text(rec, "ChrgInclInd").lower() in ("false", "0"):
            continue
        text = _text(rec, "Amt") or _text(rec, "TtlChrgsAndTaxAmt")
        if not text:
            continue
        value, error = _cents(text, currency)
        if error:
            notes.append(f"charges {error}; left out")
            continue
        total += -value if _text(rec, "CdtDbtInd") == CREDIT else value
    return total, notes


# --------------------------------------------------------------------------- values

def read_amount(el: etree._Element | None, indicator: str, default_currency: str) -> Amount:
    """An amount element with its credit/debit indicator: credits positive."""
    currency = ((el.get("Ccy") if el is not None else None) or default_currency or "").strip()
    currency = currency.upper()
    if el is None:
        return Amount(None, currency, "the amount is missing")
    if not currency:
        return Amount(None, currency, f"amount {_text(el)!r} has no currency")
    if not is_currency(currency):
        return Amount(None, currency, f"currency {currency!r} is not an ISO 4217 code")
    cents, error = _cents(_text(el), currency)
    if error:
        return Amount(None, currency, error)
    if indicator not in (CREDIT, DEBIT):
        shown = f"{indicator!r}" if indicator else "missing"
        return Amount(cents, currency, f"credit/debit indicator is {shown}, not CRDT or DBIT")
    return Amount(cents if indicator == CREDIT else -cents, currency, None)


def _cents(text: str, currency: str) -> tuple[int | None, str | None]:
    if not text:
        return None, "the amount is empty"
    if len(text) > 40:
        return None, f"amount {text[:40]!r}... is too long to be an amount"
    if not _XML_AMOUNT.match(text):
        return None, (f"amount {text[:40]!r} is not a number (a camt amount is digits with '.' "
                      "for decimals; the sign is in CRDT/DBIT)")
    digits = minor_digits(currency) if is_currency(currency) else 2
    return parse_amount(text, ".", digits)


def read_date(el: etree._Element | None, what: str) -> tuple[str | None, str | None]:
    """ISO date of a date element (``Dt``, or ``DtTm`` taken as the bank wrote it)."""
    if el is None:
        return None, None
    text = _text(el, "Dt") or _text(el, "DtTm")
    if not text:
        return None, None
    m = _XML_DATE.match(text)
    try:
        day = dt.date.fromisoformat(m.group(1)) if m else None
    except ValueError:
        day = None
    if day is None:
        return None, f"{what} {text[:40]!r} is not a date (YYYY-MM-DD)"
    if day.year not in _PLAUSIBLE_YEARS:
        return None, f"{what} {text[:40]!r} is not a plausible date"
    return day.isoformat(), None


def _text(el: etree._Element | None, path: str | None = None) -> str:
    if el is None:
        return ""
    node = el if path is None else el.find(path)
    if node is None or node.text is None:
        return ""
    return node.text.strip()


def _money(amount: Amount) -> str:
    return format_money(amount.cents, amount.currency) if amount.cents is not None else "?"
