"""Remittance advices, check registers / lockbox listings, and card payments typed by phone.

Fixtures: tests/fixtures/bank/remittance and tests/fixtures/bank/checks (the
workbooks are written by the make_xlsx.py beside them; every figure below is
worked out in their comments or in the CSV files themselves).
"""

import datetime as dt
import re
import shutil

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlar.cashapp.cards import (
    FULL_CARD_NUMBER,
    card_field_has_card_number,
    looks_like_card_number,
    mask_card_field,
    mask_card_numbers,
    read_card_payments,
)
from xlar.cashapp.checks import documents_in_text, read_check_register
from xlar.cashapp.model import PAYMENT_COLUMNS, REMITTANCE_COLUMNS
from xlar.cashapp.remittance import read_remittance_advice
from xlar.imports.files import ReadError

D = dt.date


def day(value) -> D:
    return pd.Timestamp(value).date()


def by_document(result):
    return {r.document: r for r in result.remittances.itertuples()}


def assert_shape(result):
    """The frames every cash reader returns, and every line accounted for."""
    assert list(result.payments.columns) == list(PAYMENT_COLUMNS)
    assert list(result.remittances.columns) == list(REMITTANCE_COLUMNS)
    assert list(result.rejections.columns) == ["file", "sheet", "line", "raw", "reason"]
    assert set(result.remittances["payment_id"]) <= set(result.payments["payment_id"])
    c = result.control
    assert c.lines_accounted
    assert c.accepted + c.rejected == c.data_rows
    assert c.rejected == len(result.rejections)


# ---------------------------------------------------------------------------
# Remittance advices


def test_one_row_per_document_makes_one_payment_per_reference(fixtures):
    r = read_remittance_advice(fixtures / "bank" / "remittance" / "rows_en.csv")
    assert_shape(r)
    pays = {p.end_to_end_id: p for p in r.payments.itertuples()}
    assert set(pays) == {"PAY-7781", "PAY-7790"}
    # 1,000.00 + 450.00 - 120.50 (a credit note the payer nets)
    first = pays["PAY-7781"]
    assert (first.amount_cents, first.currency, first.kind) == (132950, "USD", "ach")
    assert (first.payer_name, first.customer_reference) == ("Acme Corp", "C100")
    assert day(first.booking_date) == D(2026, 10, 20) and first.source_line == 3
    assert pays["PAY-7790"].kind == "check" and pays["PAY-7790"].amount_cents == 80000
    docs = by_document(r)
    assert docs["INV-1001"].discount_cents == 2000 and docs["INV-1001"].amount_cents == 100000
    assert (docs["INV-1002"].deduction_cents, docs["INV-1002"].deduction_reason) == \
        (5000, "Damaged goods")
    assert (docs["CM-0077"].doc_type, docs["CM-0077"].amount_cents) == ("credit_memo", -12050)
    # The lines under a reference (its cell left blank) belong to it.
    assert {docs[d].payment_id for d in ("INV-1001", "INV-1002", "CM-0077")} == \
        {first.payment_id}
    c = r.control
    assert c.ok and (c.lines_read, c.accepted, c.rejected) == (8, 4, 0)
    assert [(k.label, k.printed_cents, k.read_cents) for k in c.checks] == [
        ("Total PAY-7781", 132950, 132950), ("Total PAY-7790", 80000, 80000)]
    assert any("line above" in d for d in c.decisions)


def test_spanish_header_blocks_semicolons_and_decimal_commas(fixtures):
    r = read_remittance_advice(fixtures / "bank" / "remittance" / "block_es.csv", currency="EUR")
    assert_shape(r)
    pays = {p.end_to_end_id: p for p in r.payments.itertuples()}
    assert set(pays) == {"TRF-55012", "TRF-55020"}
    p1 = pays["TRF-55012"]
    assert p1.payer_name == "Ferretería López S.L."  # Windows-1252 read right
    assert (p1.customer_reference, p1.kind, p1.currency) == ("C-2040", "wire", "EUR")
    assert day(p1.booking_date) == D(2026, 10, 20)  # 20/10/2026, day first
    assert p1.amount_cents == 223456  # 1.234,56 + 1.100,00 - 100,00 (Abono)
    assert pays["TRF-55020"].amount_cents == 50000 and pays["TRF-55020"].kind == "other"
    docs = by_document(r)
    assert docs["F-2026-003"].deduction_cents == 10000
    assert docs["F-2026-003"].deduction_reason == "Portes no aceptados"
    assert docs["NC-2026-010"].amount_cents == -10000
    assert docs["F-2026-004"].discount_cents == 918
    c = r.control
    assert c.ok and [(k.printed_cents, k.line) for k in c.checks] == [(223456, 7), (50000, 17)]
    assert c.skipped == {"title or header": 2, "payment header": 10, "blank": 2,
                         "repeated header": 1}
    assert any("decimal separator" in d for d in c.decisions)
    assert any("semicolons" in d for d in c.decisions)


def test_a_printed_total_that_does_not_add_up_is_reported(fixtures):
    r = read_remittance_advice(fixtures / "bank" / "remittance" / "wrong_total.csv")
    assert_shape(r)
    (p,) = r.payments.itertuples()
    assert (p.amount_cents, p.kind, p.payer_name) == (145000, "wire", "Initech Inc")
    (k,) = r.control.checks
    assert (k.printed_cents, k.read_cents, k.ok, k.line) == (150000, 145000, False, 6)
    assert not r.control.ok and r.control.lines_accounted
    assert "DOES NOT MATCH" in k.describe()


def test_workbook_advice_rejects_a_line_without_a_document(fixtures):
    r = read_remittance_advice(fixtures / "bank" / "remittance" / "advice.xlsx")
    assert_shape(r)
    (p,) = r.payments.itertuples()
    assert (p.check_number, p.kind, p.amount_cents) == ("99120", "check", 217500)
    assert day(p.booking_date) == D(2026, 11, 2) and p.source_sheet == "Remittance"
    assert by_document(r)["G-502"].deduction_reason == "Short shipment"
    (rej,) = r.rejections.itertuples()
    assert (rej.file, rej.sheet, rej.line) == ("advice.xlsx", "Remittance", 9)
    assert "document number is missing" in rej.reason
    (k,) = r.control.checks
    assert (k.printed_cents, k.read_cents, k.ok) == (247500, 217500, False)
    assert "1 line(s) under this total were rejected" in k.note
    assert r.control.totals_rejected == {"USD": 30000}


def test_payment_ids_do_not_depend_on_the_file_name(fixtures, tmp_path):
    src = fixtures / "bank" / "remittance" / "rows_en.csv"
    copy = tmp_path / "received_again.csv"
    shutil.copy(src, copy)
    a, b = read_remittance_advice(src), read_remittance_advice(copy, display="Inbox/advice.csv")
    assert a.payments["payment_id"].tolist() == b.payments["payment_id"].tolist()
    assert set(b.payments["source_file"]) == {"Inbox/advice.csv"}


def test_lines_of_one_reference_that_disagree_are_rejected(tmp_path):
    path = tmp_path / "advice.csv"
    path.write_text(
        "Payment Reference,Payment Date,Invoice,Type,Amount Paid,Discount\n"
        "R-1,2026-10-01,A-1,Invoice,100.00,\n"
        "R-1,2026-10-02,A-2,Invoice,50.00,\n"       # another date under the same reference
        "R-1,,A-3,Widget,10.00,\n"                  # unknown document type
        "R-1,,A-4,Invoice,ten,\n"                   # amount not a number
        "R-1,,A-5,Invoice,5.00,x\n"                 # discount not a number
        "R-2,,B-1,Invoice,7.00,\n",                 # no date anywhere
        encoding="utf-8")
    r = read_remittance_advice(path)
    assert_shape(r)
    assert r.payments["amount_cents"].tolist() == [10000]
    why = dict(zip(r.rejections["line"], r.rejections["reason"], strict=True))
    assert set(why) == {3, 4, 5, 6, 7}
    assert "'R-1' has date 2026-10-01 on line 2" in why[3]
    assert "document type 'Widget' is not known" in why[4]
    assert "amount paid: amount 'ten' is not a number" in why[5]
    assert "discount:" in why[6]
    assert "payment date is missing" in why[7]


def test_a_file_without_a_document_table_is_a_clear_error(tmp_path):
    path = tmp_path / "letter.csv"
    path.write_text("Dear supplier,\nplease find our payment.\n", encoding="utf-8")
    with pytest.raises(ReadError, match="no header row recognised"):
        read_remittance_advice(path)


# ---------------------------------------------------------------------------
# Check registers and lockbox listings


def test_lockbox_listing_with_batch_totals(fixtures):
    r = read_check_register(fixtures / "bank" / "checks" / "lockbox_en.csv")
    assert_shape(r)
    pays = {p.check_number: p for p in r.payments.itertuples()}
    assert set(pays) == {"50231", "8812", "1204", "1205"}
    acme = pays["50231"]
    assert (acme.kind, acme.bank_reference, acme.amount_cents) == ("lockbox", "001", 132950)
    assert (acme.payer_name, acme.payer_account, acme.payer_bank, acme.customer_reference) == \
        ("Acme Corp", "000123456789", "021000021", "C100")
    assert acme.remittance == "INV 1001, 1002, CM 77"
    assert day(acme.booking_date) == D(2026, 10, 20)
    rem = r.remittances
    on_stub = rem[rem["payment_id"] == acme.payment_id]
    # The stub names the documents, not their amounts: 0, to be applied in order.
    assert on_stub[["document", "doc_type", "amount_cents"]].values.tolist() == [
        ["1001", "invoice", 0], ["1002", "invoice", 0], ["77", "credit_memo", 0]]
    dunn = rem[rem["payment_id"] == pays["1204"].payment_id]
    assert dunn[["document", "amount_cents"]].values.tolist() == [["1030", 60000],
                                                                   ["1031", 40000]]
    assert not (rem["payment_id"] == pays["1205"].payment_id).any()
    c = r.control
    assert c.ok and [(k.label, k.read_cents) for k in c.checks] == [
        ("Batch 001 Total", 212950), ("Batch 002 Total", 107525), ("Grand Total", 320475)]
    assert c.skipped == {"title or header": 2, "total": 3}


def test_spanish_register_with_a_batch_total_that_is_off(fixtures):
    r = read_check_register(fixtures / "bank" / "checks" / "registro_es.csv", currency="EUR")
    assert_shape(r)
    pays = {p.check_number: p for p in r.payments.itertuples()}
    assert set(pays) == {"000451", "000452"}  # leading zeros kept
    assert pays["000451"].amount_cents == 123456 and pays["000451"].currency == "EUR"
    assert pays["000451"].payer_name == "Ferretería López S.L."
    assert day(pays["000452"].booking_date) == D(2026, 10, 20)
    docs = r.remittances[r.remittances["payment_id"] == pays["000452"].payment_id]
    assert docs["document"].tolist() == ["F-2026-010", "F-2026-011"]
    (k,) = r.control.checks
    assert (k.label, k.printed_cents, k.read_cents, k.ok) == \
        ("Total lote L7", 383456, 373456, False)


def test_workbook_register_dates_checks_from_the_line_above_and_rejects_a_bad_amount(fixtures):
    r = read_check_register(fixtures / "bank" / "checks" / "register.xlsx")
    assert_shape(r)
    assert r.payments["check_number"].tolist() == ["7001", "7003"]
    assert set(r.payments["kind"]) == {"check"}  # no batch or lockbox id
    assert {day(d) for d in r.payments["booking_date"]} == {D(2026, 10, 22)}
    assert r.payments["customer_reference"].tolist() == ["C100", "C300"]
    (rej,) = r.rejections.itertuples()
    assert (rej.sheet, rej.line) == ("Checks", 6)
    assert rej.reason == "amount '12O.00' is not a number"
    assert rej.raw.startswith("7002 | C200 | Bolt Industries | 12O.00")
    (k,) = r.control.checks
    assert (k.printed_cents, k.read_cents, k.ok) == (187000, 175000, False)
    assert "rejected" in k.note


def test_check_ids_are_stable_and_distinct(fixtures, tmp_path):
    src = fixtures / "bank" / "checks" / "lockbox_en.csv"
    shutil.copy(src, tmp_path / "other_name.csv")
    a = read_check_register(src).payments["payment_id"]
    b = read_check_register(tmp_path / "other_name.csv").payments["payment_id"]
    assert a.tolist() == b.tolist() and a.is_unique


@pytest.mark.parametrize("text, expected", [
    ("INV 1001, 1002", [("1001", "invoice", None), ("1002", "invoice", None)]),
    ("Invoice #1001 / 1002 & 1003", [("1001", "invoice", None), ("1002", "invoice", None),
                                     ("1003", "invoice", None)]),
    ("INV-1001", [("INV-1001", "invoice", None)]),
    ("paid 1001 and CM 55", [("1001", "invoice", None), ("55", "credit_memo", None)]),
    ("1001 = 1,234.56; 1002 $50", [("1001", "invoice", 123456), ("1002", "invoice", 5000)]),
    ("Facturas F-2026-010 y F-2026-011", [("F-2026-010", "invoice", None),
                                          ("F-2026-011", "invoice", None)]),
    ("thanks, 2 invoices dated 10/20/2026", []),
    ("", []),
])
def test_documents_written_on_a_stub(text, expected):
    docs, problems = documents_in_text(text)
    assert [tuple(d) for d in docs] == expected and problems == []


def test_stub_amounts_with_decimal_commas():
    docs, _ = documents_in_text("F-101 = 1.234,56; F-102: 10,00", decimal=",")
    assert [(d.document, d.amount_cents) for d in docs] == [("F-101", 123456), ("F-102", 1000)]


# ---------------------------------------------------------------------------
# Card payments taken by phone

VISA = "4111 1111 1111 1111"
COLUMNS = ["Date", "Customer ID", "Invoices", "Amount", "Currency", "Authorisation Code",
           "Card Last Four", "Taken By", "Note"]


def card_sheet(*rows) -> pd.DataFrame:
    return pd.DataFrame([list(r) for r in rows], columns=COLUMNS, dtype=object)


GOOD = ("10/20/2026", "C100", "INV 1001", "250.00", "USD", "A1B2C3", "4242", "JS", "")


def all_text(result) -> str:
    """Everything a reader returned, as text: the frames whole, and the control."""
    frames = (result.payments, result.remittances, result.rejections)
    with pd.option_context("display.max_columns", None, "display.max_colwidth", None,
                           "display.width", 10000):
        text = "\n".join(repr(f) for f in frames)
    text += "\n".join(f.to_csv() for f in frames)
    return text + repr(result.control)


def test_a_typed_card_number_is_rejected_and_appears_nowhere():
    r = read_card_payments(card_sheet(
        GOOD,
        ("10/20/2026", "C200", "1010", "99.00", "USD", "Z9Y8X7", "1111", "MR",
         f"card {VISA} exp 12/28"),
    ))
    assert_shape(r)
    assert len(r.payments) == 1
    (rej,) = r.rejections.itertuples()
    assert (rej.sheet, rej.line, rej.reason) == ("Card Payments", 3, FULL_CARD_NUMBER)
    assert "**** **** **** 1111" in rej.raw
    text = all_text(r)
    digits_only = re.sub(r"\D", "", VISA)
    for shown in (VISA, digits_only, "4111-1111-1111-1111", "411111111111"):
        assert shown not in text
    cells = [v for f in (r.payments, r.remittances, r.rejections) for v in f.to_numpy().ravel()]
    assert not any(looks_like_card_number(v) for v in cells)


def test_a_card_number_typed_as_a_number_is_caught_though_excel_dropped_a_digit():
    # Excel keeps 15 significant digits: 4111111111111111 is stored as 4111111111111110.
    row = list(GOOD)
    row[6] = 4111111111111110.0
    r = read_card_payments(card_sheet(row))
    assert r.rejections["reason"].tolist() == [FULL_CARD_NUMBER]
    assert "411111111111111" not in all_text(r)


# A card number with its last digit mistyped: 4111 1111 1111 1111 is Luhn-valid, so
# changing one digit makes it fail the check (asserted below with the test's own Luhn).
MISTYPED = "4111 1111 1111 1112"


@pytest.mark.parametrize("typed", [
    MISTYPED,
    "4111-1111-1111-1112",
    "4111111111111112 exp 12/28",
    "1234 5678 9012 3",                 # 13 digits, fails the Luhn check
    4111111111111112,                   # typed as a number
])
def test_any_long_number_in_the_card_field_is_rejected_luhn_or_not(typed):
    digits = re.sub(r"\D", "", str(typed))[:16]
    assert len(digits) >= 13 and not luhn_ok(digits)
    row = list(GOOD)
    row[6] = typed
    r = read_card_payments(card_sheet(row, GOOD[:5] + ("B7C8D9",) + GOOD[6:]))
    assert_shape(r)
    (rej,) = r.rejections.itertuples()
    assert (rej.line, rej.reason) == (2, FULL_CARD_NUMBER)
    assert "**** **** **** " + digits[-4:] in rej.raw
    # The other row is read; the typed number is stored nowhere, in no spelling.
    assert r.payments["bank_reference"].tolist() == ["B7C8D9"]
    text = all_text(r)
    for shown in (str(typed), digits, digits[:12], "-".join(re.findall(r"\d{4}", digits))):
        assert shown not in text


def test_a_long_number_in_a_note_is_kept_unless_it_is_a_card_number():
    # Free text keeps the Luhn rule: a 16-digit order number that fails it is not a card.
    order = list(GOOD)
    order[8] = f"PO {MISTYPED}"
    card = list(GOOD)
    card[5], card[8] = "Q1W2E3", f"card {VISA}"
    assert not luhn_ok(MISTYPED.replace(" ", "")) and luhn_ok(VISA.replace(" ", ""))
    r = read_card_payments(card_sheet(order, card))
    assert r.payments["remittance"].tolist() == [f"INV 1001 / PO {MISTYPED} / taken by JS"]
    assert r.rejections[["line", "reason"]].values.tolist() == [[3, FULL_CARD_NUMBER]]
    assert VISA not in all_text(r)


def test_a_valid_row_is_a_card_payment_with_the_last_four_only():
    r = read_card_payments(card_sheet(
        GOOD,
        ("10/21/2026", "C300", "INV 2001, 2002", "1,000.00", "", "998877", "0005", "MR",
         "split"),
    ), currency="USD")
    assert_shape(r)
    p = {x.customer_reference: x for x in r.payments.itertuples()}
    one = p["C100"]
    assert (one.kind, one.bank_reference, one.payer_account, one.amount_cents) == \
        ("card", "A1B2C3", "**** 4242", 25000)
    assert day(one.booking_date) == D(2026, 10, 20) and one.source_line == 2
    assert one.source_sheet == "Card Payments"
    docs = r.remittances
    assert docs[docs["payment_id"] == one.payment_id][["document", "amount_cents"]] \
        .values.tolist() == [["1001", 25000]]
    # Several invoices, one amount: 0 each, applied in the order listed.
    two = docs[docs["payment_id"] == p["C300"].payment_id]
    assert two[["document", "amount_cents"]].values.tolist() == [["2001", 0], ["2002", 0]]
    assert any("in the order listed" in d for d in r.control.decisions)


@pytest.mark.parametrize("code, expected", [
    ("OK", "Authorisation Code 'OK' is not one"),
    ("approved", "Authorisation Code 'approved' is not one"),
    ("12 34", "Authorisation Code '12 34' is not one"),
    ("", "Authorisation Code is missing"),
])
def test_an_invalid_authorisation_code_is_rejected(code, expected):
    row = list(GOOD)
    row[5] = code
    r = read_card_payments(card_sheet(row))
    assert r.payments.empty
    assert expected in r.rejections["reason"].iloc[0]


def test_other_mistakes_are_rejected_with_their_row():
    rows = [list(GOOD) for _ in range(6)]
    rows[0][6] = 42.0                     # last four typed as a number: leading zeros lost
    rows[1][6] = "12345"
    rows[2][3] = "-20.00"
    rows[3][1] = ""
    rows[4][2], rows[4][3] = "1001 = 100.00; 1002 = 100.00", "250.00"
    rows[5] = list(GOOD)                  # the same authorisation code again
    r = read_card_payments(card_sheet(GOOD, *rows, [None] * 9), first_line=5)
    assert_shape(r)
    assert len(r.payments) == 1 and r.control.skipped == {"blank": 1}
    why = dict(zip(r.rejections["line"], r.rejections["reason"], strict=True))
    assert "format the column as Text" in why[6]
    assert "exactly four digits, not '12345'" in why[7]
    assert "must be more than 0" in why[8]
    assert "Customer ID is missing" in why[9]
    assert "add up to $200.00, the payment is $250.00" in why[10]
    assert "already entered on row 5" in why[11]


def test_a_sheet_without_an_authorisation_column_rejects_every_row():
    r = read_card_payments(card_sheet(GOOD).drop(columns=["Authorisation Code"]))
    assert r.payments.empty
    assert "no Authorisation Code column" in r.rejections["reason"].iloc[0]


@pytest.mark.parametrize("text, expected", [
    (VISA, True),
    ("4111-1111-1111-1111", True),
    ("4222222222222", True),                      # 13-digit Visa test number
    ("3782 822463 10005", True),                  # Amex, 4-6-5
    (f"{VISA} 123", True),                        # with its security code
    ("ref 12 " + VISA, True),
    ("4111 1111 1111 1112", False),               # fails the Luhn check
    ("INV 1001, 1002, 1003", False),
    ("DE89 3704 0044 0532 0130 00", False),       # an IBAN
    ("1,234.56", False),
    (4111111111111111, True),
    (None, False),
])
def test_what_looks_like_a_card_number(text, expected):
    assert looks_like_card_number(text) is expected
    assert looks_like_card_number(mask_card_numbers(text)) is False


# A digit run as the brief defines it: digits with single spaces or dashes
# between them (the same separators the module accepts).
_SEPARATORS = " \t\u00a0\u2007\u2009\u202f-\u2010\u2011\u2012\u2013\u2014\u2212"
_RUN = re.compile(r"\d(?:[" + re.escape(_SEPARATORS) + r"]?\d)*")


def luhn_ok(digits: str) -> bool:
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if k % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def card_like_runs(text: str) -> list[str]:
    runs = ("".join(ch for ch in m.group() if ch.isdecimal()) for m in _RUN.finditer(text))
    return [r for r in runs if 13 <= len(r) <= 19 and luhn_ok(r)]


@st.composite
def card_numbers(draw) -> str:
    """A Luhn-valid number of 13 to 19 digits, written with random separators."""
    body = draw(st.lists(st.sampled_from("0123456789"), min_size=12, max_size=18))
    for check in "0123456789":
        if luhn_ok("".join(body) + check):
            break
    digits = "".join(body) + check
    out = digits[0]
    for ch in digits[1:]:
        out += draw(st.sampled_from(["", "", "", " ", "-", "\u2013"])) + ch
    return out


pieces = st.one_of(card_numbers(), st.text(alphabet="0123456789 -x/", max_size=12),
                   st.text(max_size=8))


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=6).map("".join))
def test_masking_leaves_no_card_number(text):
    masked = mask_card_numbers(text)
    assert card_like_runs(masked) == []
    assert not looks_like_card_number(masked)
    if card_like_runs(text):
        assert looks_like_card_number(text)
    else:
        assert masked == text or looks_like_card_number(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.floats(), st.none()))
def test_random_input_never_raises(value):
    assert isinstance(looks_like_card_number(value), bool)
    assert isinstance(mask_card_numbers(value), str)
    assert isinstance(card_field_has_card_number(value), bool)
    assert not card_field_has_card_number(mask_card_field(value))


@settings(max_examples=200, deadline=None)
@given(st.lists(pieces, max_size=6).map("".join))
def test_the_card_field_masked_keeps_no_run_of_13_digits(text):
    masked = mask_card_field(text)
    runs = ("".join(ch for ch in m.group() if ch.isdecimal()) for m in _RUN.finditer(masked))
    assert all(len(run) < 13 for run in runs)
    assert card_field_has_card_number(text) or masked == text
