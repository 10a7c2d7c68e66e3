"""BAI2 reader: real bank files, our own small files, and garbage.

Expected figures are worked out here from the file text (a hand count, or
the tiny parse in :func:`detail_lines`), never copied from the reader.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlar.cashapp.bai2 import read_bai2, read_bai2_text
from xlar.cashapp.model import PAYMENT_COLUMNS, REMITTANCE_COLUMNS
from xlar.imports.common import REJECTION_COLUMNS
from xlar.imports.files import ReadError

BANK = Path(__file__).resolve().parent / "fixtures" / "bank" / "bai2"


# --------------------------------------------------------------------------- helpers


def detail_lines(path: Path) -> list[tuple[int, int, int]]:
    """(line, type code, amount) of every 16 in a file that writes one record
    per line: a parse of our own, to check the reader against."""
    out = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.startswith("16,"):
            fields = line.split(",")
            out.append((number, int(fields[1]), int(fields[2])))
    return out


def credits_and_debits(path: Path) -> tuple[int, int]:
    details = detail_lines(path)
    credits = sum(a for _, code, a in details if 100 <= code <= 399)
    debits = sum(a for _, code, a in details if 400 <= code <= 699)
    return credits, -debits


def trailer_figures(path: Path) -> list[tuple[int, str, int]]:
    """(line, record code, printed control total) of every 49, 98 and 99."""
    out = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line[:3] in ("49,", "98,", "99,"):
            out.append((number, line[:2], int(line.split(",")[1].rstrip("/"))))
    return out


def assert_contract(result) -> None:
    """What every reader result keeps: columns, and every record accounted for."""
    payments, remittances, rejections, control = result
    assert list(payments.columns) == list(PAYMENT_COLUMNS)
    assert list(remittances.columns) == list(REMITTANCE_COLUMNS)
    assert list(rejections.columns) == REJECTION_COLUMNS
    assert control.lines_accounted, control
    assert len(payments) == control.accepted
    assert len(rejections) == control.rejected
    assert payments["payment_id"].is_unique
    assert set(remittances["payment_id"]) <= set(payments["payment_id"])
    by_currency = payments.groupby("currency")["amount_cents"].sum().to_dict()
    assert {k: int(v) for k, v in by_currency.items()} == control.totals_read


def assert_trailers_checked(result, path: Path) -> None:
    """Each printed control total is checked, agrees, and so does every count."""
    checks = result.control.checks
    for line, code, printed in trailer_figures(path):
        totals = [c for c in checks if c.line == line and c.printed_cents is not None]
        assert [c.printed_cents for c in totals] == [printed], (line, code)
        assert totals[0].read_cents == printed
        counts = [c for c in checks if c.line == line and c.printed_cents is None]
        assert len(counts) == (1 if code == "49" else 2)
    assert all(c.ok for c in checks), [c.describe() for c in checks if not c.ok]
    assert len(checks) == sum(2 if code == "49" else 3 for _, code, _ in trailer_figures(path))


def pd_date(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def payment_at(payments, line: int):
    rows = payments[payments["source_line"] == line]
    assert len(rows) == 1, line
    return rows.iloc[0]


# --------------------------------------------------------------------------- real files


def real(shared_fixtures: Path, name: str) -> Path:
    path = shared_fixtures / "bai2" / name
    assert path.is_file(), path
    return path


@pytest.mark.fixtures
def test_canadian_cad_padded_text(shared_fixtures):
    path = real(shared_fixtures, "bai2_canadian_cad_padded_text.txt")
    result = read_bai2(path)
    assert_contract(result)
    assert_trailers_checked(result, path)
    p = result.payments
    details = detail_lines(path)
    assert len(p) == len(details) == 17
    credits, debits = credits_and_debits(path)
    # Hand count: 108s 2035.00 + 25.00 + 25.00 + 115.00 + 1000.00; the 409s as much again.
    assert credits == 320000 and debits == -320000
    assert p.loc[p["amount_cents"] > 0, "amount_cents"].sum() == credits
    assert p.loc[p["amount_cents"] < 0, "amount_cents"].sum() == debits
    assert set(p["currency"]) == {"CAD"}
    first = payment_at(p, 5)  # 16,409,000000000002500,V,060316,,,,RETURNED CHEQUE     /
    assert first["amount_cents"] == -2500 and first["direction"] == "debit"
    assert first["remittance"] == "RETURNED CHEQUE"
    assert first["value_date"] == pd_date("2006-03-16")
    assert first["booking_date"] == pd_date("2006-03-17")
    assert payment_at(p, 14)["remittance"] == "GALERIES LA CAPITALE"
    assert payment_at(p, 19)["value_date"] == pd_date("2006-03-17")
    # 49 = every 03/88 summary and 16 amount: 2085.00 + 2085.00 in the 88, then the 16s.
    assert result.control.checks[0].read_cents == 208500 * 2 + 417000


@pytest.mark.fixtures
def test_citi_gbp_tagged_freeform(shared_fixtures):
    path = real(shared_fixtures, "bai2_citi_gbp_88_tagged_freeform.bai2")
    result = read_bai2(path)
    assert_contract(result)
    assert_trailers_checked(result, path)
    p = result.payments
    assert len(p) == len(detail_lines(path)) == 1
    pay = payment_at(p, 4)
    assert pay["amount_cents"] == 1 and pay["currency"] == "GBP"  # "001": one penny
    assert pay["bank_code"] == "191" and pay["kind"] == "wire"
    assert pay["bank_reference"] == "1234567890"
    assert pay["customer_reference"] == "RP12312312312312"
    assert pay["value_date"] == pd_date("2015-07-15")
    assert pay["payer_name"] == "DOE JO"  # BO1:
    assert pay["payer_account"] == "11111111"  # BO:
    assert "A1234BC 22/03/66" in pay["remittance"]  # PY:
    assert "BUCKINGHAM" not in pay["remittance"]


@pytest.mark.fixtures
def test_natwest_gbp_hhmmss_wrapped_text(shared_fixtures):
    path = real(shared_fixtures, "bai2_natwest_gbp_hhmmss_88_wrap.bai2")
    result = read_bai2(path)
    assert_contract(result)
    assert_trailers_checked(result, path)
    p = result.payments
    assert len(p) == len(detail_lines(path)) == 5
    credits, debits = credits_and_debits(path)
    assert (credits, debits) == (89, -(971 + 100 + 123 + 1571))
    assert p["amount_cents"].sum() == credits + debits
    assert set(p["currency"]) == {"GBP"}  # from the 03: the 02 names none
    assert set(p["booking_date"]) == {pd_date("2009-12-16")}
    # The 88 on line 14 fills a whole 80-character record and stops in a word.
    assert payment_at(p, 13)["remittance"].endswith("INTERNATIONAL-5373 CLIENT SECCY AC TFR")
    assert payment_at(p, 5)["remittance"].startswith("LVP XBANKGO24007664SJ")


@pytest.mark.fixtures
def test_spec_example_lockbox_and_funds_types(shared_fixtures):
    path = real(shared_fixtures, "bai2_spec_multi_group_lockbox_115_fundstypes.txt")
    result = read_bai2(path)
    assert_contract(result)
    assert_trailers_checked(result, path)
    p = result.payments
    details = detail_lines(path)
    assert len(p) == len(details) == 4
    credits, debits = credits_and_debits(path)
    assert (credits, debits) == (450000 + 500000 + 20000000 + 10000000, 0)
    assert p["amount_cents"].sum() == credits
    assert set(p["currency"]) == {"USD"}  # neither 02 nor 03 names one
    assert list(p["kind"]) == ["lockbox", "lockbox", "other", "wire"]
    assert payment_at(p, 10)["remittance"] == "LOCK BOX NO.68751"
    loc = payment_at(p, 16)
    assert (loc["bank_reference"], loc["customer_reference"]) == ("SP4738", "YRC065321")
    assert loc["value_date"] == pd_date("2004-06-22")
    assert loc["remittance"] == "PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO"
    # 4 groups, 5 accounts, in 31 physical records, every one counted.
    assert sum(1 for c in result.control.checks if "(49)" in c.label) == 10
    assert result.control.skipped["group header"] == 4


@pytest.mark.fixtures
def test_svb_two_groups_last_record_without_slash(shared_fixtures):
    path = real(shared_fixtures, "bai2_svb_two_groups_99_no_slash.bai2")
    result = read_bai2(path)
    assert_contract(result)
    assert_trailers_checked(result, path)
    p = result.payments
    assert len(p) == len(detail_lines(path)) == 2
    assert list(p["amount_cents"]) == [490196, 905800]
    assert list(p["booking_date"]) == [pd_date("2022-02-01"), pd_date("2022-02-02")]
    assert list(p["bank_reference"]) == ["172629", "150675"]
    assert set(p["kind"]) == {"ach"}
    assert set(p["remittance"]) == {"SOME PAYMENT ACH OFFSET"}
    file_total = [c for c in result.control.checks if c.line == 20 and c.printed_cents]
    assert file_total[0].printed_cents == 282030196 and file_total[0].ok


@pytest.mark.fixtures
def test_svb_wire_with_obi_invoice_crlf(shared_fixtures):
    path = real(shared_fixtures, "bai2_svb_wire_obi_invoice.bai2")
    assert b"\r\n" in path.read_bytes()
    result = read_bai2(path)
    assert_contract(result)
    assert_trailers_checked(result, path)
    p = result.payments
    assert len(p) == 1
    wire = payment_at(p, 4)
    assert wire["amount_cents"] == 8325982 and wire["kind"] == "wire"
    assert wire["payer_name"] == "OPTIONS LINK WIRE CLEARING"
    assert wire["payer_bank"] == "056073573"
    assert wire["bank_reference"] == "20100831L1B77D1CDSDSDJSIO15608310954FT01"
    assert wire["remittance"] == "INVOICE 123456"
    r = result.remittances
    assert list(r["document"]) == ["123456"]
    assert list(r["amount_cents"]) == [8325982]
    assert list(r["payment_id"]) == [wire["payment_id"]]


# --------------------------------------------------------------------------- our files


def test_clean_file():
    path = BANK / "clean.bai2"
    result = read_bai2(path)
    assert_contract(result)
    assert_trailers_checked(result, path)
    p = result.payments
    assert len(p) == 7
    usd = p[p["currency"] == "USD"]
    assert usd.loc[usd["amount_cents"] > 0, "amount_cents"].sum() == 1283600  # the 100 summary
    assert usd.loc[usd["amount_cents"] < 0, "amount_cents"].sum() == -133600  # the 400 summary
    assert payment_at(p, 16)[["amount_cents", "currency"]].tolist() == [150000, "JPY"]
    assert list(p["kind"]) == ["lockbox", "lockbox", "ach", "wire", "check", "other", "wire"]
    lockbox, item = payment_at(p, 4), payment_at(p, 5)
    assert lockbox["customer_reference"] == "4455" and lockbox["check_number"] == ""
    assert item["check_number"] == "10234"
    assert payment_at(p, 12)[["amount_cents", "check_number"]].tolist() == [-100000, "5012"]
    ach = payment_at(p, 6)
    assert ach["payer_name"] == "GLOBEX CORP"
    wire = payment_at(p, 8)
    assert wire["payer_name"] == "INITECH LLC, HOUSTON/TX"
    assert wire["payer_bank"] == "021000021"
    assert wire["bank_reference"] == "FW7788"  # the field wins over FED NO in the text
    assert wire["value_date"] == pd_date("2026-03-14")
    assert wire["remittance"] == "INV 3001, 3002 PO 55/A"
    assert payment_at(p, 13)["remittance"] == "MONTHLY FEE, ACCT ANALYSIS / MARCH"
    assert payment_at(p, 16)["payer_name"] == "TOYO TRADING KK"
    r = result.remittances
    docs = {(row.document, row.amount_cents, row.discount_cents) for row in r.itertuples()}
    assert docs == {("1001", 250000, 0), ("2001", 250000, 0), ("2002", 80000, 5000),
                    ("3001", 0, 0), ("3002", 0, 0), ("JP-77", 150000, 0)}


def test_wrong_account_total_is_reported():
    result = read_bai2(BANK / "wrong_account_total.bai2")
    assert_contract(result)
    control = result.control
    assert not control.totals_ok and control.lines_accounted
    bad = [c for c in control.checks if not c.ok]
    assert len(bad) == 1
    # 49 prints 1425.51; the 03 and 16s add up to 1000.00 + 250.00 + 175.50.
    assert (bad[0].line, bad[0].printed_cents, bad[0].read_cents) == (6, 142551, 142550)
    assert "DOES NOT MATCH" in bad[0].describe()
    assert len(result.payments) == 2  # the payments are still there


def test_malformed_transaction_is_rejected_and_the_rest_kept():
    result = read_bai2(BANK / "malformed_16.bai2")
    assert_contract(result)
    rej = result.rejections
    assert list(rej["line"]) == [3, 6]
    assert "outside an account" in rej.iloc[0]["reason"]
    assert "'12A4'" in rej.iloc[1]["reason"]
    assert rej.iloc[1]["raw"] == "16,142,12A4,,A2,,BAD AMOUNT/"
    assert set(rej["file"]) == {"malformed_16.bai2"}
    assert list(result.payments["bank_reference"]) == ["A1", "A3"]
    account_total = next(c for c in result.control.checks if c.line == 8 and c.printed_cents)
    assert not account_total.ok and "rejected" in account_total.note
    assert result.control.totals_rejected == {"USD": 10000}  # the 16 before any 03


def test_several_records_on_one_line():
    path = BANK / "several_per_line.bai2"
    result = read_bai2(path)
    assert_contract(result)
    assert all(c.ok for c in result.control.checks)
    # 01 02 | 03 16+88 16 49 | 98 99: eight records, the 88 counted with its 16.
    assert result.control.lines_read == 8
    p = result.payments
    assert list(p["amount_cents"]) == [120000, 80000]
    assert list(p["source_line"]) == [2, 2]
    assert p.iloc[0]["remittance"] == "PART 1/2, INV 4001 / INV 4003"
    assert p.iloc[1]["payer_name"] == "UMBRELLA CORP"
    assert sorted(result.remittances["document"]) == ["4001", "4003"]


def test_no_trailing_slashes_crlf_and_clock_times():
    path = BANK / "no_slash_crlf.bai2"
    assert b"/" not in path.read_bytes() and b"\r\n" in path.read_bytes()
    result = read_bai2(path)
    assert_contract(result)
    assert_trailers_checked(result, path)
    pay = payment_at(result.payments, 4)
    assert pay[["amount_cents", "currency", "kind", "payer_name"]].tolist() == [
        150000, "CAD", "ach", "MAPLE FOODS"]
    assert result.remittances[["document", "amount_cents"]].values.tolist() == [["7001", 150000]]


def test_summary_continued_on_88_and_distributed_availability():
    path = BANK / "summary_continued.bai2"
    result = read_bai2(path)
    assert_contract(result)
    assert_trailers_checked(result, path)
    # 03/88 summaries 10000.00 + 19000.00 + 10000.00 + 1000.00 + 50.00, details
    # 6000.00 + 4000.00 + 1000.00; availability amounts are not in the total.
    account = next(c for c in result.control.checks if c.line == 8 and c.printed_cents)
    assert account.read_cents == 1000000 + 1900000 + 1000000 + 100000 + 5000 + 1100000
    p = result.payments
    assert list(p["amount_cents"]) == [600000, 400000, -100000]
    assert list(p["bank_reference"]) == ["LBX9", "DEP1", "CK9"]
    assert payment_at(p, 7)["check_number"] == "8888"
    assert any("names no currency" in d for d in result.control.decisions)


# --------------------------------------------------------------------------- rules


CLEAN = (BANK / "clean.bai2").read_text()


def test_ids_do_not_depend_on_the_file_name():
    a = read_bai2_text(CLEAN, "statement.bai2").payments
    b = read_bai2_text(CLEAN, "statement (1).bai2").payments
    assert list(a["payment_id"]) == list(b["payment_id"])


def test_identical_transactions_get_distinct_ids():
    text = CLEAN.replace("16,699,33600,,,,MONTHLY FEE", "16,475,100000,,CK1,5012,CHECK PAID/\n"
                         "16,699,33600,,,,MONTHLY FEE")
    result = read_bai2_text(text, "x.bai2")
    assert_contract(result)
    assert (result.payments["bank_reference"] == "CK1").sum() == 2


def test_cut_file_fails_its_trailer_checks():
    text = "\n".join(CLEAN.splitlines()[:-2])  # no 98, no 99
    result = read_bai2_text(text, "cut.bai2")
    assert_contract(result)
    failed = [c.label for c in result.control.checks if not c.ok]
    assert any("group trailer (98)" in f for f in failed)
    assert any("file trailer (99)" in f for f in failed)
    assert len(result.payments) == 7


def test_transaction_after_account_trailer_is_rejected():
    lines = CLEAN.splitlines()
    lines.insert(14, "16,195,500,,LATE,,AFTER THE TRAILER/")  # after the first 49
    result = read_bai2_text("\n".join(lines), "late.bai2")
    assert_contract(result)
    rej = result.rejections
    assert list(rej["line"]) == [15]
    assert "trailer (49) on line 14" in rej.iloc[0]["reason"]


@pytest.mark.parametrize("record, reason", [
    ("16,015,100,,,,BALANCE/", "balance (status) code"),
    ("16,750,100,,,,LOAN/", "not known whether money came in"),
    ("16,195,-100,,,,SIGNED/", "has a sign"),
    ("16,195,100,Q,,,FUNDS/", "funds type 'Q'"),
    ("16,195,100,V,261399,,,,DATE/", "value date '261399'"),
    ("16,195,,,,,NO AMOUNT/", "amount is missing"),
    ("16,19X,100,,,,CODE/", "type code '19X'"),
    ("17,195,100/", "record type '17'"),
    ("HELLO WORLD", "not a BAI2 record"),
])
def test_bad_records_are_rejected_with_a_reason(record, reason):
    lines = CLEAN.splitlines()
    lines.insert(12, record)  # inside the first account, after the 475
    result = read_bai2_text("\n".join(lines), "bad.bai2")
    assert_contract(result)
    rej = result.rejections
    assert list(rej["line"]) == [13]
    assert reason in rej.iloc[0]["reason"]
    assert len(result.payments) == 7


def test_non_monetary_information_is_counted_not_paid():
    lines = CLEAN.splitlines()
    lines.insert(12, "16,890,0,,,,ACCOUNT NOTICE/")
    result = read_bai2_text("\n".join(lines), "info.bai2")
    assert_contract(result)
    assert result.control.skipped["information"] == 1
    assert len(result.payments) == 7 and result.control.rejected == 0


def test_bad_account_record_rejects_its_transactions():
    text = CLEAN.replace("03,99887766,JPY,", "03,99887766,XXQ,")
    result = read_bai2_text(text, "cur.bai2")
    assert_contract(result)
    rej = result.rejections
    assert list(rej["line"]) == [15, 16]
    assert "'XXQ'" in rej.iloc[0]["reason"]
    assert "account (line 15) cannot be used" in rej.iloc[1]["reason"]


def test_text_cut_at_the_record_length_is_joined():
    words = "PAYMENT FOR CONSULTING SERVICES RENDERED IN FEBRUARY AND MARCH 2026, INV 9001"
    record = "16,195,100,,W9,," + words
    first, rest = record[:80], record[80:]
    assert first[-1] != " " and rest[0] != " "  # the bank cut a word in two
    text = CLEAN.replace("16,475,100000,,CK1,5012,CHECK PAID/",
                         f"{first}\n88,{rest}\n16,475,100000,,CK1,5012,CHECK PAID/")
    result = read_bai2_text(text, "wrap.bai2")
    assert_contract(result)
    pay = payment_at(result.payments, 12)
    assert pay["remittance"] == words
    assert list(result.remittances.loc[result.remittances["payment_id"] == pay["payment_id"],
                                       "document"]) == ["9001"]


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_file_is_a_read_error(text):
    with pytest.raises(ReadError, match="empty"):
        read_bai2_text(text, "empty.bai2")


def test_other_format_is_a_read_error(tmp_path):
    path = tmp_path / "statement.csv"
    path.write_text("Date,Amount,Description\n2026-03-14,100.00,Payment\n")
    with pytest.raises(ReadError, match="not a BAI2 file"):
        read_bai2(path)
    with pytest.raises(ReadError, match="not found"):
        read_bai2(tmp_path / "missing.bai2")


def test_display_name_is_the_source():
    result = read_bai2(BANK / "malformed_16.bai2", display="bank-march.txt")
    assert set(result.payments["source_file"]) == {"bank-march.txt"}
    assert set(result.rejections["file"]) == {"bank-march.txt"}
    assert result.control.file == "bank-march.txt"


# --------------------------------------------------------------------------- garbage

_PIECES = ["01,", "02,", "03,", "16,", "88,", "49,", "98,", "99,", "16,195,", "16,890,",
           ",", "/", ",,", "V,", "S,", "D,", "Z", "260314", "100", "-5", "+7", "OBI:", "B/O:",
           "RMR*IV*1*PI*1.5", "ABC", " ", "99999999999999999999", "\t", "é", "0"]
_garbage_line = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join) | st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c"
                           "\x1c\x1d\x1e\x85\u2028\u2029"), max_size=30)
_edit = st.tuples(st.sampled_from(["replace", "insert", "delete", "splice", "join"]),
                  st.integers(min_value=0, max_value=40), _garbage_line)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(_edit, max_size=8))
def test_garbage_never_raises_and_every_record_is_accounted(edits):
    lines = CLEAN.splitlines()
    for op, at, junk in edits:
        i = at % (len(lines) + 1)
        if op == "replace" and i < len(lines):
            lines[i] = junk
        elif op == "insert":
            lines.insert(i, junk)
        elif op == "delete" and i < len(lines):
            del lines[i]
        elif op == "splice" and i < len(lines):
            cut = len(junk) % (len(lines[i]) + 1)
            lines[i] = lines[i][:cut] + junk + lines[i][cut:]
        elif op == "join" and i + 1 < len(lines):
            lines[i:i + 2] = [lines[i] + lines[i + 1]]
    text = "\n".join(lines)
    try:
        result = read_bai2_text(text, "fuzz.bai2")
    except ReadError:
        return
    assert_contract(result)
    # Every line that starts a transaction ends as a payment or a rejection
    # (or, for a clean 890, as counted information).
    seen = set(result.payments["source_line"]) | set(result.rejections["line"])
    for number, line in enumerate(text.splitlines(), start=1):
        start = line.lstrip(" \t")
        if start.startswith("16,") and not start.startswith("16,890,"):
            assert number in seen, (number, line)
    assert (result.rejections["reason"] != "").all()
    assert result.control.lines_read >= sum(
        1 for ln in text.splitlines() if ln.strip() and not ln.lstrip(" \t").startswith("88,"))
