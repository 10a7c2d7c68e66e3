"""Hostile and broken input for every reader xlar has, and the one property they all keep.

The property: a reader either returns a result in which every data row is
accepted or rejected with a reason (rows in = accepted + rejected, the
control's lines accounted for), or raises one of the errors the CLI shows a
user as a plain message (:func:`xlar.cli.user_error_types`): never any other
exception, and within a time limit.

Inputs are real files (``../shared/fixtures``) and the project's own
(``tests/fixtures``), mutated: truncated, bytes flipped, re-encoded (Latin-1,
UTF-16, BOMs), line endings changed (CR only, mixed), huge fields, binary
junk, lines duplicated, dropped or swapped, fields replaced, two files
spliced; plus generated text, bytes and workbooks.  A mutation is a small
tuple (``("truncate", 0.4)``) drawn by hypothesis and applied here, so a
failing example prints as something a person can replay.

Used by ``tests/test_fuzz.py`` (a few examples per reader on every run) and
``benchmarks/fuzz.py`` (10,000 and more per reader, with the tally).
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import functools
import os
import resource
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
OWN = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared" / "fixtures"
REGRESSIONS = OWN / "fuzz"

#: Seconds one read may take (a 2 MB hostile file read on a busy 2-core machine).
DEADLINE = float(os.environ.get("XLAR_FUZZ_DEADLINE", "20"))
#: How far one read may push the process's peak memory above where it was.
MEMORY_GROWTH_MB = float(os.environ.get("XLAR_FUZZ_MEMORY_MB", "768"))


# --------------------------------------------------------------------------- the readers

class Reader(NamedTuple):
    """One way into xlar for a file from outside.

    Attributes:
      name: as the report names it.
      read: path -> result (ImportResult, PaymentsResult or CustomersResult).
      seeds: globs (under tests/fixtures, and ../shared/fixtures) of the files
        mutated for it; every reader also gets other readers' files now and then.
      table: True when it reads CSV/XLSX tables (it gets generated workbooks).
    """

    name: str
    read: Callable[[Path], object]
    seeds: tuple[str, ...]
    table: bool = False


def _open_items(layout: str):
    def read(path: Path):
        from xlar.imports import read_open_items

        return read_open_items(path, layout)
    return read


def _payments(fmt: str | None):
    def read(path: Path):
        from xlar.cashapp.files import read_payments

        return read_payments(path, fmt=fmt)[1]
    return read


def _customers(path: Path):
    from xlar.imports.customers import read_customers

    return read_customers(path)


_OPEN_ITEM_SEEDS = ("generic/*", "sap/*", "gp/*", "quickbooks/*", "xero/*", "customers/*",
                    "fuzz/*", "datasets/*")
_BANK_SEEDS = ("bank/bai2/*", "bai2/*", "bank/mt940/*", "mt940/*", "bank/camt/*", "camt/*",
               "bank/checks/*", "bank/remittance/*", "fuzz/*")

READERS: dict[str, Reader] = {r.name: r for r in (
    Reader("open items: auto", _open_items("auto"), _OPEN_ITEM_SEEDS, True),
    Reader("open items: generic", _open_items("generic"),
           ("generic/*", "customers/*", "datasets/*", "fuzz/*"), True),
    Reader("open items: sap_fbl5n", _open_items("sap_fbl5n"), ("sap/*", "fuzz/*")),
    Reader("open items: dynamics_gp", _open_items("dynamics_gp"), ("gp/*", "fuzz/*")),
    Reader("open items: quickbooks", _open_items("quickbooks"), ("quickbooks/*", "fuzz/*"), True),
    Reader("open items: xero", _open_items("xero"), ("xero/*", "fuzz/*"), True),
    Reader("customer master", _customers, ("customers/*", "generic/*", "fuzz/*"), True),
    Reader("payments: auto", _payments(None), _BANK_SEEDS, True),
    Reader("payments: bai2", _payments("bai2"), ("bank/bai2/*", "bai2/*", "fuzz/*")),
    Reader("payments: camt", _payments("camt"), ("bank/camt/*", "camt/*", "fuzz/*")),
    Reader("payments: mt940", _payments("mt940"), ("bank/mt940/*", "mt940/*", "fuzz/*")),
    Reader("payments: checks", _payments("checks"), ("bank/checks/*", "fuzz/*"), True),
    Reader("payments: remittance", _payments("remittance"), ("bank/remittance/*", "fuzz/*"),
           True),
)}
#: The card sheet is read from a frame the workbook hands over, not from a file.
CARDS = "payments: card sheet"
ALL_READERS = (*READERS, CARDS)


@functools.cache
def all_seeds() -> tuple[Path, ...]:
    """Every fixture file a reader could be handed (not the scripts that make them)."""
    files = [p for base in (OWN, SHARED) if base.is_dir() for p in sorted(base.rglob("*"))
             if p.is_file() and p.suffix not in (".py", ".md")]
    return tuple(files)


@functools.cache
def seeds_of(name: str) -> tuple[Path, ...]:
    reader = READERS[name]
    found = []
    for pattern in reader.seeds:
        for base in (OWN, SHARED):
            found += [p for p in sorted(base.glob(pattern)) if p.is_file()
                      and p.suffix not in (".py", ".md")]
    return tuple(dict.fromkeys(found)) or all_seeds()


@functools.cache
def seed_bytes(path: Path) -> bytes:
    return path.read_bytes()


# --------------------------------------------------------------------------- the property

class Outcome(NamedTuple):
    """How one read ended.

    Attributes:
      kind: "read" (a result came back) or "refused" (a user-facing error).
      rows: data rows the result holds (accepted + rejected); 0 when refused.
      rejected: of those, rejected with a reason.
      message: the refusal's message ('' when read).
      seconds: how long the read took.
    """

    kind: str
    rows: int
    rejected: int
    message: str
    seconds: float


class Unexplained(AssertionError):
    """A result whose rows do not add up: rows in != accepted + rejected (with a
    reason), or lines neither data nor skipped.  Raised by :func:`check_result`;
    an AssertionError, so the tests fail on it, but its own class, so the long
    run can count these apart from crashes.

    Attributes:
      rows: how many rows are unaccounted for (the largest of the gaps found; the
        gaps often describe the same rows twice, so they are not added up).
    """

    def __init__(self, message: str, rows: int) -> None:
        super().__init__(message)
        self.rows = rows


class TimeLimit(BaseException):
    """A read ran past its deadline (a BaseException, so no reader's ``except
    Exception`` can swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after *seconds* (main thread: SIGALRM); elsewhere the
    caller checks the elapsed time afterwards."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal,
                                                                                "setitimer"):
        yield
        return

    def expired(signum, frame):
        raise TimeLimit(f"still reading after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expired)
    # Again every second after: an alarm that lands in a gc callback is swallowed there.
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@functools.cache
def user_errors() -> tuple[type[BaseException], ...]:
    from xlar.cli import user_error_types

    return user_error_types()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def attempt(read: Callable[[object], object], source, name: str = "",
            deadline: float = DEADLINE) -> Outcome:
    """Read *source*, and check the property on what came back.

    Returns the outcome; raises AssertionError when the result breaks the
    property, TimeLimit past the deadline, and lets any exception that is
    not a user error through: that is a crash.
    """
    before = peak_mb()
    start = time.perf_counter()
    with time_limit(deadline):
        try:
            result = read(source)
        except user_errors() as e:
            message = str(e)
            assert message.strip(), f"{type(e).__name__} without a message"
            outcome = Outcome("refused", 0, 0, message, time.perf_counter() - start)
        else:
            outcome = check_result(result, name)._replace(seconds=time.perf_counter() - start)
    assert outcome.seconds <= deadline, f"took {outcome.seconds:.1f} s (limit {deadline:.0f} s)"
    grew = peak_mb() - before
    assert grew <= MEMORY_GROWTH_MB, f"peak memory grew by {grew:.0f} MB in one read"
    return outcome


def check_result(result, name: str = "") -> Outcome:
    """The property on a returned result: every data row accepted or rejected with a
    reason, and the counts agree with the frames.  Rows that do not add up raise
    :class:`Unexplained`; anything else wrong with the result an AssertionError."""
    from xlar.cashapp.model import PaymentsResult
    from xlar.imports.common import ImportResult
    from xlar.imports.customers import CustomersResult

    if isinstance(result, CustomersResult):
        rej = result.rejections
        _check_rejections(rej)
        rows = len(result.customers) + len(rej)
        skipped = sum(result.skipped.values())
        _explained([(f"customer master: {result.lines_read} lines read, {skipped} skipped, "
                     f"{rows} rows: some lines unaccounted for",
                     result.lines_read - skipped - rows)])
        assert not result.customers["customer_id"].duplicated().any()
        return Outcome("read", rows, len(rej), "", 0.0)
    assert isinstance(result, ImportResult | PaymentsResult), type(result)
    c = result.control
    rej = result.rejections
    _check_rejections(rej)
    if isinstance(result, ImportResult):
        accepted = result.items
    else:
        # A remittance advice counts the documents it names; the other
        # readers count the payments on the statement.
        accepted = result.remittances if name.endswith("remittance") or \
            c.layout.startswith("remittance") else result.payments
        assert set(result.remittances["payment_id"]) <= set(result.payments["payment_id"]), \
            "a remittance line explains a payment that is not there"
        assert (result.payments["payment_id"] != "").all(), "a payment without an id"
    _explained([
        (f"lines not accounted for: {c.summary()}",
         c.lines_read - c.data_rows - sum(c.skipped.values())),
        (f"{c.data_rows} data rows, {c.accepted} accepted + {c.rejected} rejected",
         c.data_rows - c.accepted - c.rejected),
        (f"control says {c.rejected} rejected, {len(rej)} listed", c.rejected - len(rej)),
        (f"control says {c.accepted} accepted, the result holds {len(accepted)}",
         c.accepted - len(accepted)),
    ])
    return Outcome("read", c.data_rows, c.rejected, "", 0.0)


def _explained(gaps: list[tuple[str, int]]) -> None:
    """Raise :class:`Unexplained` naming every gap that is not zero."""
    found = [(text, n) for text, n in gaps if n]
    if found:
        raise Unexplained("; ".join(text for text, _ in found),
                          max(abs(n) for _, n in found))


def _check_rejections(rej: pd.DataFrame) -> None:
    assert list(rej.columns) == ["file", "sheet", "line", "raw", "reason"], list(rej.columns)
    if len(rej):
        reasons = rej["reason"].map(lambda r: isinstance(r, str) and bool(r.strip()))
        if not reasons.all():  # rejected, but nobody can say why: not explained either
            raise Unexplained(f"rejected without a reason: {rej[~reasons].head(3).to_dict()}",
                              int((~reasons).sum()))


# --------------------------------------------------------------------------- mutations

_ENCODINGS = ("latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32",
              "cp437", "mac-roman", "ascii")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
         b"\xef\xbb", b"\xff")
_SEPARATORS = (b",", b";", b"\t", b"|", b":", b"/", b"'", b'"', b"\\")

fraction = st.floats(0, 1, allow_nan=False)
field_text = st.one_of(
    st.sampled_from(["", " ", "-", "0", "-0.00", "1,234.56", "1.234,56", "(99.00)", "99-",
                     "9" * 25, "1e308", "NaN", "inf", "-1", "31/02/2026", "2026-13-45",
                     "00/00/0000", "12/31/9999", "0001-01-01", "45000", "-45000", "USD", "XXX",
                     "EUR", "€", "Total", "Grand Total", "Saldo", "=1+1", "+cmd|' /C calc'!A0",
                     '"', '""', "'", "\x00", "\u202e", "NET 30", "2/10 NET 30", "Yes", "Sí",
                     "Invoice", "Credit Memo", "RV", "DZ", ":61:", "16,", "88,", "99,",
                     "4111 1111 1111 1111", "<Ntry>", "&amp;", "]]>", "\ufeff"]),
    st.text(max_size=40),
    st.integers(-10**20, 10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=2).map(str),
)

mutation = st.one_of(
    st.tuples(st.just("truncate"), fraction),
    st.tuples(st.just("flip"), st.lists(st.tuples(fraction, st.integers(0, 255)), min_size=1,
                                        max_size=12)),
    st.tuples(st.just("encode"), st.sampled_from(_ENCODINGS)),
    st.tuples(st.just("bom"), st.sampled_from(_BOMS)),
    st.tuples(st.just("line_ends"), st.sampled_from(["cr", "crlf", "lf", "mixed", "none"]),
              st.integers(0, 2**16)),
    st.tuples(st.just("huge_field"), fraction, st.sampled_from([b"A", b"9", b" ", b",", b";",
                                                                b'"', b"\xe9", b"|", b"0"]),
              st.sampled_from([1_000, 70_000, 200_000, 1_000_000])),
    st.tuples(st.just("junk"), fraction, st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("duplicate_line"), fraction, fraction),
    st.tuples(st.just("drop_line"), fraction),
    st.tuples(st.just("swap_lines"), fraction, fraction),
    st.tuples(st.just("repeat_lines"), fraction, st.integers(2, 3000)),
    st.tuples(st.just("field"), fraction, st.integers(0, 20), field_text),
    st.tuples(st.just("splice"), st.integers(0, 10**6), fraction, fraction),
)

#: Mutations of an XML document's tree (camt): elements dropped, repeated, moved,
#: renamed or given other text; and the classic attacks written into it.
xml_mutation = st.one_of(
    st.tuples(st.just("xml_drop"), fraction),
    st.tuples(st.just("xml_duplicate"), fraction, st.integers(1, 200)),
    st.tuples(st.just("xml_text"), fraction, field_text),
    st.tuples(st.just("xml_rename"), fraction, st.sampled_from(
        ["Ntry", "TxDtls", "Amt", "CdtDbtInd", "Bal", "Stmt", "Ntfctn", "Rpt", "RmtInf",
         "Ustrd", "Strd", "BookgDt", "ValDt", "Dt", "DtTm", "Ccy", "NbOfNtries", "Sum", "X"])),
    st.tuples(st.just("xml_attr"), fraction, st.sampled_from(["Ccy", "xmlns", "x"]), field_text),
    st.tuples(st.just("xml_move"), fraction, fraction),
    st.tuples(st.just("xml_nest"), fraction, st.sampled_from([10, 300, 3_000])),
    st.tuples(st.just("xml_attack"), st.sampled_from(["laughs", "external", "parameter",
                                                      "xinclude", "pi", "cdata"])),
)


_ATTACKS = {
    # Billion laughs: ten levels of ten references, a gigabyte of "lol" if expanded.
    "laughs": b'<!DOCTYPE Document [<!ENTITY a "lol">' + b"".join(
        b'<!ENTITY %c "%s">' % (98 + i, b"".join(b"&%c;" % (97 + i) for _ in range(10)))
        for i in range(9)) + b"]>",
    "external": b'<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    "parameter": b'<!DOCTYPE Document [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>',
}


def mutate_xml(data: bytes, op: tuple) -> bytes:
    """*data* (an XML document) with one tree mutation applied; unchanged when it
    does not parse."""
    from lxml import etree

    kind, *args = op
    if kind == "xml_attack":
        return _xml_attack(data, args[0])
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True,
                                                      load_dtd=False, huge_tree=False))
    except (etree.XMLSyntaxError, ValueError):
        return data
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    el = elements[_at(len(elements), args[0])]
    parent = el.getparent()
    if kind == "xml_drop" and parent is not None:
        parent.remove(el)
    elif kind == "xml_duplicate" and parent is not None:
        for _ in range(args[1]):
            parent.insert(parent.index(el), copy.deepcopy(el))
    elif kind == "xml_text":
        el.text = _xml_safe(args[1])
    elif kind == "xml_rename":
        el.tag = etree.QName(el).namespace and f"{{{etree.QName(el).namespace}}}{args[1]}" \
            or args[1]
    elif kind == "xml_attr":
        el.set(args[1], _xml_safe(args[2]))
    elif kind == "xml_move" and parent is not None:
        target = elements[_at(len(elements), args[1])]
        if el not in target.iterancestors() and el is not target:
            parent.remove(el)
            target.append(el)
    elif kind == "xml_nest":
        inner = el
        for _ in range(args[1]):
            inner = etree.SubElement(inner, "N")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _xml_safe(text: str) -> str:
    return "".join(c for c in text if c in "\t\n\r" or (" " <= c <= "\ud7ff")
                   or ("\ue000" <= c <= "\ufffd"))


def _xml_attack(data: bytes, attack: str) -> bytes:
    start = data.find(b"<Document")
    if start < 0:
        start = data.find(b"<", data.find(b"?>") + 1 if b"?>" in data[:200] else 0)
    head, body = data[:max(start, 0)], data[max(start, 0):]
    if attack in _ATTACKS:
        ref = {"laughs": b"&j;", "external": b"&x;", "parameter": b""}[attack]
        body = body.replace(b"<Ustrd>", b"<Ustrd>" + ref, 1) if b"<Ustrd>" in body else \
            body.replace(b">", b">" + ref, 1)
        return head + _ATTACKS[attack] + body
    if attack == "xinclude":
        return head + body.replace(b">", b' xmlns:xi="http://www.w3.org/2001/XInclude">'
                                   b'<xi:include href="file:///etc/passwd" parse="text"/>', 1)
    if attack == "pi":
        return head + b'<?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?>' + body
    return head + body.replace(b"<Ustrd>", b"<Ustrd><![CDATA[<Ntry>]]>", 1)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _at(seq_len: int, f: float) -> int:
    return min(int(f * seq_len), max(seq_len - 1, 0))


def _as_text(data: bytes) -> str:
    for enc in ("utf-8-sig", "utf-16"):
        with contextlib.suppress(UnicodeDecodeError):
            if enc == "utf-16" and not data.startswith((codecs.BOM_UTF16_LE,
                                                         codecs.BOM_UTF16_BE)):
                continue
            return data.decode(enc)
    return data.decode("cp1252", errors="replace")


def mutate(data: bytes, op: tuple) -> bytes:
    """*data* with one mutation applied (see :data:`mutation`)."""
    kind, *args = op
    if kind == "truncate":
        return data[:_at(len(data) + 1, args[0])]
    if kind == "flip":
        b = bytearray(data)
        for f, value in args[0]:
            if b:
                b[_at(len(b), f)] = value
        return bytes(b)
    if kind == "encode":
        return _as_text(data).encode(args[0], errors="replace")
    if kind == "bom":
        return args[0] + data
    if kind == "line_ends":
        style, seed = args
        lines = [ln.rstrip(b"\r\n") for ln in _lines(data)]
        ends = {"cr": [b"\r"], "crlf": [b"\r\n"], "lf": [b"\n"], "none": [b""],
                "mixed": [b"\r", b"\n", b"\r\n", b"\n\r"]}[style]
        return b"".join(ln + ends[(seed >> (i % 16)) % len(ends)] for i, ln in enumerate(lines))
    if kind == "huge_field":
        f, char, n = args
        i = _at(len(data) + 1, f)
        return data[:i] + char * n + data[i:]
    if kind == "replace":  # a regression's exact edit: the first occurrence only
        return data.replace(args[0], args[1], 1)
    if kind == "junk":
        f, junk = args
        i = _at(len(data) + 1, f)
        return data[:i] + junk + data[i:]
    lines = _lines(data)
    if not lines:
        return data
    if kind == "duplicate_line":
        lines.insert(_at(len(lines), args[0]), lines[_at(len(lines), args[1])])
    elif kind == "drop_line":
        del lines[_at(len(lines), args[0])]
    elif kind == "swap_lines":
        i, j = _at(len(lines), args[0]), _at(len(lines), args[1])
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "repeat_lines":
        i = _at(len(lines), args[0])
        lines[i:i + 1] = [lines[i]] * args[1]
    elif kind == "field":
        f, k, value = args
        i = _at(len(lines), f)
        lines[i] = _replace_field(lines[i], k, value.encode("utf-8", "replace"))
    elif kind == "splice":
        pick, f, g = args
        other = _lines(seed_bytes(all_seeds()[pick % len(all_seeds())]))
        if other:
            lines = lines[:_at(len(lines) + 1, f)] + other[_at(len(other), g):]
    return b"".join(lines)


def _replace_field(line: bytes, k: int, value: bytes) -> bytes:
    end = len(line) - len(line.rstrip(b"\r\n"))
    body, tail = (line[:-end], line[-end:]) if end else (line, b"")
    sep = max(_SEPARATORS, key=body.count)
    fields = body.split(sep)
    fields[k % len(fields)] = value
    return sep.join(fields) + tail


# --------------------------------------------------------------------------- cases

class Case(NamedTuple):
    """One input: where it came from and what was done to it, and its bytes.

    ``data`` is None for a generated workbook (``cells`` holds its rows).
    """

    origin: str
    suffix: str
    data: bytes | None
    cells: tuple | None = None

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        size = f"{len(self.data)} bytes" if self.data is not None else f"{len(self.cells)} rows"
        return f"Case({self.origin}, {self.suffix}, {size})"

    def write(self, directory: Path) -> Path:
        path = directory / f"input{self.suffix}"
        if self.data is not None:
            path.write_bytes(self.data)
        else:
            write_workbook(path, self.cells)
        return path


_SUFFIXES = (".csv", ".txt", ".xlsx", ".bai2", ".sta", ".xml", ".xls", ".ods", ".940", "")


@st.composite
def mutated_seed(draw, name: str) -> Case:
    """A real or own fixture, mutated one to four times (now and then another
    reader's file, or under another suffix)."""
    pool = seeds_of(name) if draw(st.integers(0, 9)) < 8 else all_seeds()
    seed = pool[draw(st.integers(0, len(pool) - 1))]
    xml = seed.suffix == ".xml"
    ops = draw(st.lists(st.one_of(xml_mutation, xml_mutation, xml_mutation, mutation) if xml
                        else mutation,
                        min_size=1, max_size=4))
    data = seed_bytes(seed)
    for op in ops:
        data = mutate_xml(data, op) if op[0].startswith("xml_") else mutate(data, op)
        if len(data) > 8 << 20:  # keep one example to a few MB
            data = data[:8 << 20]
    suffix = seed.suffix
    if draw(st.integers(0, 19)) == 0:
        suffix = draw(st.sampled_from(_SUFFIXES))
    return Case(f"{seed.name} {ops!r}"[:400], suffix, data)


@st.composite
def generated_text(draw, name: str) -> Case:
    """Lines picked from the reader's fixtures, in any order, with fields replaced."""
    pool = [ln for s in seeds_of(name) if s.suffix not in (".xlsx", ".xls")
            for ln in _lines(seed_bytes(s))] or [b"\n"]
    picks = draw(st.lists(st.integers(0, len(pool) - 1), min_size=0, max_size=40))
    lines = [pool[i] for i in picks]
    for f, k, value in draw(st.lists(st.tuples(fraction, st.integers(0, 20), field_text),
                                     max_size=8)):
        if lines:
            i = _at(len(lines), f)
            lines[i] = _replace_field(lines[i], k, value.encode("utf-8", "replace"))
    suffix = draw(st.sampled_from([s.suffix for s in seeds_of(name)] or [".txt"]))
    return Case(f"{len(lines)} lines from {name} fixtures", suffix, b"".join(lines))


@st.composite
def garbage(draw) -> Case:
    """Bytes with no structure at all, or text with almost none."""
    data = draw(st.one_of(
        st.binary(max_size=4096),
        st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.lists(st.sampled_from([b"01,", b"16,", b"88,", b"99,", b":20:", b":61:", b":86:",
                                  b"{1:", b"-}", b"<Document>", b"<Ntry>", b"Invoice,",
                                  b"Total,", b"\n", b"\r", b",", b";", b'"', b"\x00"]),
                 max_size=200).map(b"".join),
    ))
    return Case("garbage", draw(st.sampled_from(_SUFFIXES)), data)


# Workbooks: the rows of a table fixture, cells replaced by anything a cell can hold.
cell_value = st.one_of(
    field_text,
    st.none(),
    st.floats(allow_nan=True, allow_infinity=False, width=64),
    st.integers(-10**15, 10**15),
    st.booleans(),
    st.dates(min_value=pd.Timestamp("1900-03-01").date()),
    st.datetimes(min_value=pd.Timestamp("1900-03-01").to_pydatetime()),
    st.sampled_from(["x" * 32_767, "=SUM(A1:A2)", "#N/A", "#REF!"]),
)


@functools.cache
def table_rows(path: Path) -> tuple[tuple, ...]:
    """The cells of a table fixture (first sheet), as the spreadsheet reader sees them."""
    from xlar.imports.files import ReadError, read_grids

    try:
        grid = read_grids(path)[0]
    except (ReadError, IndexError):
        return ()
    return tuple(tuple(r) for r in grid.rows[:200])


@st.composite
def generated_workbook(draw, name: str) -> Case:
    """An XLSX made from a table fixture's rows, with cells replaced, rows dropped or
    repeated, and columns added."""
    pool = [s for s in seeds_of(name) if table_rows(s)] or \
        [s for s in all_seeds() if s.suffix == ".csv" and table_rows(s)]
    seed = pool[draw(st.integers(0, len(pool) - 1))]
    rows = [list(r) for r in table_rows(seed)]
    for f, k, value in draw(st.lists(st.tuples(fraction, st.integers(0, 30), cell_value),
                                     max_size=12)):
        if rows:
            row = rows[_at(len(rows), f)]
            if k < len(row):
                row[k] = value
            else:
                row.append(value)
    for f in draw(st.lists(fraction, max_size=3)):
        if rows:
            del rows[_at(len(rows), f)]
    for f, n in draw(st.lists(st.tuples(fraction, st.integers(2, 200)), max_size=2)):
        if rows:
            i = _at(len(rows), f)
            rows[i:i + 1] = [rows[i]] * n
    return Case(f"workbook from {seed.name}", ".xlsx", None, tuple(tuple(r) for r in rows))


def write_workbook(path: Path, rows) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append([_storable(v) for v in r])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):  # '=...' from outside is text here too
                cell.data_type = "s"
    wb.save(path)


def _storable(v):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, str):
        return ILLEGAL_CHARACTERS_RE.sub("", v)
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53:
        return str(v)
    return v


def cases(name: str) -> st.SearchStrategy[Case]:
    """Every kind of input for the reader *name*."""
    kinds = [mutated_seed(name), mutated_seed(name), mutated_seed(name), garbage()]
    if name != "payments: camt":  # lines of XML in any order are only ever refused
        kinds.append(generated_text(name))
    if READERS[name].table:
        kinds.append(generated_workbook(name))
    return st.one_of(*kinds)


# --------------------------------------------------------------------------- card sheets

_CARD_COLUMNS = ["Date", "Customer ID", "Invoices", "Amount", "Currency", "Authorisation Code",
                 "Card Last Four", "Taken By", "Note"]
_CARD_ROW = ("10/20/2026", "C100", "INV 1001", "250.00", "USD", "A1B2C3", "4242", "JS", "")


@st.composite
def card_frames(draw) -> pd.DataFrame:
    """The Card Payments sheet as the workbook hands it over, with anything typed in it."""
    columns = list(_CARD_COLUMNS)
    for f, value in draw(st.lists(st.tuples(fraction, st.one_of(field_text, st.integers())),
                                  max_size=2)):
        columns[_at(len(columns), f)] = value
    if draw(st.booleans()):
        columns = columns[:draw(st.integers(0, len(columns)))]
    n = draw(st.integers(0, 12))
    rows = [list(_CARD_ROW[:len(columns)]) + [""] * (len(columns) - len(_CARD_ROW))
            for _ in range(n)]
    for f, k, value in draw(st.lists(st.tuples(fraction, st.integers(0, 10), st.one_of(
            cell_value, st.just(float("nan")), st.just(pd.NaT),
            st.sampled_from(["4111111111111111", "4111 1111 1111 1111 123", "1,2", "INV 1, 2",
                             "", "  "]))), max_size=20)):
        if rows and columns:
            rows[_at(len(rows), f)][k % len(columns)] = value
    frame = pd.DataFrame(rows, columns=range(len(columns)), dtype=object)
    frame.columns = columns
    return frame


def read_cards(frame: pd.DataFrame):
    from xlar.cashapp.cards import read_card_payments

    return read_card_payments(frame)


# --------------------------------------------------------------------------- running

class Tally:
    """Counts for the fuzz report: inputs, read, rows, rejected, refused, unexplained,
    crashes.  Every input lands in exactly one of read, refused, unexplained, crashes."""

    def __init__(self) -> None:
        self.inputs = self.read = self.refused = self.crashes = 0
        self.rows = self.rejected = self.read_with_rejections = 0
        self.unexplained = self.unexplained_rows = 0
        self.slowest = 0.0
        self.crash_notes: list[str] = []
        self.unexplained_notes: list[str] = []
        self.refusals: dict[str, int] = {}

    def add(self, outcome: Outcome) -> None:
        self.inputs += 1
        self.slowest = max(self.slowest, outcome.seconds)
        if outcome.kind == "refused":
            self.refused += 1
            key = outcome.message.split(": ", 1)[-1][:60]
            self.refusals[key] = self.refusals.get(key, 0) + 1
        else:
            self.read += 1
            self.rows += outcome.rows
            self.rejected += outcome.rejected
            self.read_with_rejections += outcome.rejected > 0

    def crash(self, note: str) -> None:
        self.inputs += 1
        self.crashes += 1
        self.crash_notes.append(note)

    def unaccounted(self, e: Unexplained, note: str) -> None:
        self.inputs += 1
        self.unexplained += 1
        self.unexplained_rows += e.rows
        self.unexplained_notes.append(note)


def run_case(name: str, case: Case, directory: Path) -> Outcome:
    """Write *case* and read it with the reader *name*, checking the property."""
    path = case.write(directory)
    try:
        return attempt(READERS[name].read, path, name)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="xlar-fuzz-") as d:
        yield Path(d)


def describe_exception(e: BaseException) -> str:
    import traceback

    tb = traceback.extract_tb(e.__traceback__)
    where = next((f"{Path(f.filename).name}:{f.lineno}" for f in reversed(tb)
                  if "/xlar/" in f.filename), "?")
    return f"{type(e).__name__} at {where}: {str(e)[:200]}"


__all__ = ["READERS", "ALL_READERS", "CARDS", "Case", "Outcome", "Tally", "TimeLimit",
           "Unexplained", "attempt", "card_frames", "cases", "check_result", "describe_exception",
           "mutate", "read_cards", "run_case", "scratch", "seeds_of"]
