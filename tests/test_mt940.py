"""MT940 bank statements: real bank files, our own small files, and garbage.

Expected figures for the real files are worked out here from the file text
(regexes over the lines, amounts summed as Decimal), never copied from what
the reader returned.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlar.cashapp.model import PAYMENT_COLUMNS
from xlar.cashapp.mt940 import entry_date_near, parse_entry_line, read_mt940
from xlar.imports.files import ReadError

D = dt.date
OWN = Path(__file__).resolve().parent / "fixtures" / "bank" / "mt940"
RABOBANK = "mt940/mt940_nl_rabobank_remi_tags.sta"
ABN_AMRO = "mt940/mt940_nl_abnamro_factuur_header_lines.sta"


# --------------------------------------------------------------------------- by hand

ENTRY = re.compile(r"^:61:(\d{6})(\d{4})?(RC|RD|C|D)[A-Z]?(\d+,\d*)", re.M)
BALANCE = re.compile(r"^:(60[FM]|62[FM]):([CD])(\d{6})([A-Z]{3})(\d+,\d*)\s*$", re.M)


def cents_by_hand(mark: str, amount: str) -> int:
    """'D' '9,' -> -900; RC reverses a credit, so it takes money out."""
    value = int(Decimal(amount.replace(",", ".")) * 100)
    return -value if mark in ("D", "RC") else value


def statements_by_hand(text: str) -> list[dict]:
    """Opening, closing and entries of each statement (cut at :20:)."""
    out = []
    for chunk in re.split(r"^:20:", text, flags=re.M)[1:]:
        bal = {tag[:2]: cents_by_hand(mark, amount)
               for tag, mark, _, _, amount in BALANCE.findall(chunk)}
        entries = [cents_by_hand(m.group(3), m.group(4)) for m in ENTRY.finditer(chunk)]
        out.append({"opening": bal["60"], "closing": bal["62"], "entries": entries})
    return out


def editor_lines(text: str) -> list[str]:
    """Lines as an editor numbers them: CR LF, LF or CR end a line."""
    if not text:
        return []
    parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return parts[:-1] if parts[-1] == "" else parts


def entry_line_numbers(text: str) -> list[int]:
    """Lines holding a :61: field (also after a SWIFT '{4:' block opener)."""
    out = []
    for n, line in enumerate(editor_lines(text), start=1):
        after_block = line[line.find("{4:") + 3:] if line.startswith("{") and "{4:" in line \
            else ""
        if line.startswith(":61:") or after_block.startswith(":61:"):
            out.append(n)
    return out


def assert_accounted(r) -> None:
    c = r.control
    assert c.lines_accounted, c.summary()
    assert len(r.payments) == c.accepted and len(r.rejections) == c.rejected
    assert list(r.payments.columns) == list(PAYMENT_COLUMNS)
    assert r.payments["payment_id"].is_unique


# --------------------------------------------------------------------------- real files

def test_rabobank_file_eref_remi_and_balances(shared_fixtures):
    path = shared_fixtures / RABOBANK
    text = path.read_text()
    r = read_mt940(path)
    assert_accounted(r)
    hand = statements_by_hand(text)
    all_entries = [c for s in hand for c in s["entries"]]
    p, c = r.payments, r.control

    assert len(p) == len(ENTRY.findall(text)) == 4 and c.rejected == 0
    assert c.lines_read == len(text.splitlines())
    assert sorted(p["amount_cents"]) == sorted(all_entries)
    assert c.totals_read == {"EUR": sum(all_entries)}
    assert int(p.loc[p.amount_cents > 0, "amount_cents"].sum()) == sum(x for x in all_entries
                                                                      if x > 0)
    # one balance check per statement, then the second opens where the first closed
    balance_checks = c.checks[:2]
    for check, s in zip(balance_checks, hand, strict=True):
        assert check.printed_cents == s["closing"]
        assert check.read_cents == s["opening"] + sum(s["entries"])
        assert check.ok == (s["opening"] + sum(s["entries"]) == s["closing"])
    assert c.checks[2].ok == (hand[1]["opening"] == hand[0]["closing"])
    assert c.ok

    first = p.iloc[0]
    eref = re.search(r"/EREF/(.*?)/BENM/", text).group(1)
    assert first["end_to_end_id"] == eref == "01-01-2013 12:00 0030000987654321"
    # the name is cut over two lines in mid-word: "CONTRA ACCOUN" + "T HOLDER"
    assert first["payer_name"] == "CONTRA ACCOUNT HOLDER"
    assert first["payer_account"] == "NL70ABNA0987654321"  # the :61: second line
    assert first["remittance"] == ""  # /REMI/ is empty there
    assert first["value_date"].date() == D(2013, 1, 1) and first["bank_code"] == "N102"
    second = p.iloc[1]
    remi = re.search(r"/REMI/(.*?)/ISDT/", text.split(":61:130102")[1]).group(1)
    assert second["remittance"] == remi == "Reference 201301234"
    assert second["payer_name"] == "JOHN DOE" and second["end_to_end_id"] == ""
    assert second["payer_account"] == "P001234567"
    assert c.skipped["header"] == len(re.findall(r"^:940:$", text, re.M)) == 1


def test_abn_amro_file_header_lines_invoice_text_and_balances_that_do_not_add_up(
        shared_fixtures):
    path = shared_fixtures / ABN_AMRO
    text = path.read_text()
    lines = text.splitlines()
    r = read_mt940(path)
    assert_accounted(r)
    p, c = r.payments, r.control
    hand = statements_by_hand(text)
    all_entries = [x for s in hand for x in s["entries"]]

    assert len(p) == len(ENTRY.findall(text)) == 10 and c.rejected == 0
    assert c.lines_read == len(lines)
    assert list(p["amount_cents"]) == all_entries
    assert c.totals_read == {"EUR": sum(all_entries)}
    assert all(p["direction"] == "debit")
    # "D9," "D107," "D11,8": amounts with no or one decimal
    assert {-900, -10700, -1180} <= set(p["amount_cents"])
    # bank header lines before each :20:, the "-" ending each statement, one blank line
    assert c.skipped["header"] == sum(ln in ("ABNANL2A", "940") for ln in lines) == 6
    assert c.skipped["end"] == lines.count("-") == 2
    assert c.skipped["blank"] == lines.count("") == 1
    assert c.skipped["statement"] == len(re.findall(r"^:(20|25|28C?):", text, re.M))
    assert c.skipped["balance"] == len(BALANCE.findall(text)) == 4

    # Both statements print closing balances their entries do not add up to
    # (the published sample was anonymised): the checks say so.
    for check, s in zip(c.checks[:2], hand, strict=True):
        assert check.printed_cents == s["closing"]
        assert check.read_cents == s["opening"] + sum(s["entries"])
        assert s["opening"] + sum(s["entries"]) != s["closing"] and not check.ok
    # the second statement's :60M:/:62M: (intermediate) balances are read too
    assert c.checks[1].printed_cents == hand[1]["closing"] == 184975
    assert c.checks[2].printed_cents == hand[1]["opening"]
    assert c.checks[2].read_cents == hand[0]["closing"] and not c.checks[2].ok
    assert not c.ok and c.lines_accounted

    kpn = p.iloc[0]
    assert kpn["booking_date"].date() == D(2011, 5, 24) == kpn["value_date"].date()
    assert kpn["payer_account"] == "428428" and kpn["payer_name"] == "KPN - DIGITENNE"
    # the free text is kept as written, its three lines joined by " / "
    assert kpn["remittance"].split(" / ") == [lines[8][4:], lines[9], lines[10]]
    assert "BETALINGSKENM.  000000042188659" in kpn["remittance"]
    assert "BETREFT FACTUUR D.D. 20-05-2011" in kpn["remittance"]
    # card payments (BEA) with their entry date before the value date's next day
    dirx = p[p.remittance.str.contains("DIRX")].iloc[0]
    assert dirx["kind"] == "card" and dirx["remittance"].endswith("PAS999")
    assert dirx["value_date"].date() == D(2011, 5, 21)
    assert dirx["booking_date"].date() == D(2011, 5, 23)
    last = p.iloc[-1]
    assert (last["payer_account"], last["payer_name"]) == ("528939882", "MYCOM DEN HAAG")
    assert set(p["account"]) == {"517852257"}


# --------------------------------------------------------------------------- own files

def test_german_structured_subfields_with_svwz_over_several_subfields():
    r = read_mt940(OWN / "de_structured_svwz_subfields.sta")
    assert_accounted(r)
    p, c = r.payments, r.control
    assert c.ok and c.rejected == 0 and c.lines_read == 25
    assert c.skipped == {"header": 1, "statement": 3, "balance": 2,
                         "transaction detail": 13, "end": 2}
    assert list(p["amount_cents"]) == [125000, -8990, 48000, 7550]

    credit = p.iloc[0]
    # SVWZ+ cut over ?21, ?22 and ?23 at 27 characters, in mid-number
    assert credit["remittance"] == "Rechnungen RE-2024-0815 und RE-2024-0816, Kunde 10042"
    assert credit["end_to_end_id"] == "RE-2024-0815"
    assert credit["payer_name"] == "Mustermann Maschinenbau GmbH"  # ?32 + ?33
    assert credit["payer_account"] == "DE89370400440532013000"  # ?31
    assert credit["payer_bank"] == "COBADEFFXXX"  # ?30
    assert credit["bank_reference"] == "0315A1B2C3"
    assert (credit["kind"], credit["bank_code"]) == ("sepa", "NTRF/166")
    assert credit["account"] == "37040044/0532013000"

    debit = p.iloc[1]  # a direct debit: mandate and creditor id kept after the text
    assert debit["remittance"] == "Strom Maerz 2024 / MREF+M-55-2019 / CRED+DE98ZZZ09999999999"
    assert debit["end_to_end_id"] == "V2024031800123"
    assert debit["payer_name"] == "Stadtwerke Muenchen" and debit["direction"] == "debit"

    rf = p.iloc[2]  # line break inside ?31; EREF+NOTPROVIDED is no reference
    assert rf["payer_account"] == "DE44500105175407324931"
    assert rf["end_to_end_id"] == "" and rf["creditor_reference"] == "RF18539007547034"
    assert rf["remittance"] == "RF18 5390 0754 7034 / KREF+K-2024-77"

    old = p.iloc[3]  # no keywords: the purpose subfields are the remittance
    assert old["remittance"] == "RE 4711 KD-NR 815" and old["payer_name"] == "Kleinkunde Meier"


def test_reversals_rc_and_rd_take_the_sign_the_standard_gives_them():
    r = read_mt940(OWN / "nl_ing_reversals_rc_rd.sta")  # CRLF line ends
    assert_accounted(r)
    p, c = r.payments, r.control
    assert c.ok and c.lines_read == 16
    assert list(p["amount_cents"]) == [25000, -25000, 4000]
    assert list(p["reversal"]) == [False, True, True]
    assert list(p["direction"]) == ["credit", "debit", "credit"]
    assert set(p["payer_name"]) == {"Klant B.V."}  # ING /CNTP/account/BIC/name/city/
    assert set(p["payer_account"]) == {"NL91ABNA0417164300"}
    assert set(p["payer_bank"]) == {"ABNANL2A"}
    assert p.iloc[0]["remittance"] == "Factuur INV-1001"
    assert p.iloc[1]["remittance"] == "Factuur INV-1001 / RTRN AC04"  # the return reason
    assert p.iloc[0]["end_to_end_id"] == p.iloc[1]["end_to_end_id"] == "INV-1001-PAY"
    assert p.iloc[2]["creditor_reference"] == "RF18539007547034"  # /REMI/STRD/CUR/...
    assert p.iloc[0]["bank_reference"].startswith("P24040201")


def test_closing_balance_that_does_not_add_up_fails_its_check():
    r = read_mt940(OWN / "closing_balance_does_not_add_up.sta")
    assert_accounted(r)
    c = r.control
    (check,) = c.checks
    assert (check.printed_cents, check.read_cents, check.ok) == (109000, 108000, False)
    assert "DOES NOT MATCH" in check.describe() and "difference" in check.describe()
    assert not c.ok and c.lines_accounted
    # :64: is a balance; the :86: after the closing balance is about the statement
    assert c.skipped["balance"] == 3 and c.skipped["statement information"] == 2
    assert list(r.payments["remittance"]) == ["Factuur 2024-0042", "Payment of office supplies"]
    assert r.payments.iloc[0]["payer_name"] == "Klant A"


def test_malformed_entry_lines_are_rejected_with_line_and_reason_and_the_rest_kept():
    r = read_mt940(OWN / "malformed_61_rest_kept.sta")  # Windows-1252, CRLF
    assert_accounted(r)
    p, c, rej = r.payments, r.control, r.rejections
    assert (c.accepted, c.rejected, c.lines_read) == (2, 2, 15)
    assert list(p["source_line"]) == [6, 12]
    assert list(p["remittance"]) == ["Zahlung 1 Müller", "Gebühr"]
    rows = {row.line: row for row in rej.itertuples()}
    assert set(rows) == {8, 10} and set(rej["file"]) == {"malformed_61_rest_kept.sta"}
    assert "'241302' is not a date" in rows[8].reason
    assert "'12.50' is not an MT940 amount" in rows[10].reason
    assert rows[10].raw == ":61:240603C12.50NTRFNONREF"
    # the stray line is counted and named, not glued onto a field
    assert c.skipped["text outside any field"] == 1
    assert any("line(s) 4 belong to no MT940 field" in d for d in c.decisions)
    # what was rejected is missing from the statement: the check shows it
    (check,) = c.checks
    assert (check.printed_cents, check.read_cents, check.ok) == (17750, 14500, False)
    assert c.totals_rejected == {"EUR": 2000}  # the bad date's amount is readable
    assert "2 rejected" in check.note


def test_entry_date_in_january_for_a_december_value_date_is_next_year():
    r = read_mt940(OWN / "year_end_rollover.sta")
    assert_accounted(r)
    p = r.payments
    assert r.control.ok
    pairs = [(v.date(), b.date()) for v, b in zip(p["value_date"], p["booking_date"],
                                                   strict=True)]
    assert pairs == [(D(2023, 12, 29), D(2023, 12, 29)),
                     (D(2023, 12, 31), D(2024, 1, 2)),
                     (D(2024, 1, 2), D(2023, 12, 29))]


@pytest.mark.parametrize("value, mmdd, booked", [
    (D(2023, 12, 31), "0102", D(2024, 1, 2)),
    (D(2024, 1, 2), "1229", D(2023, 12, 29)),
    (D(2024, 5, 21), "0523", D(2024, 5, 23)),
    (D(2024, 3, 1), "0229", D(2024, 2, 29)),
    (D(2023, 3, 1), "0230", None),
    (D(2023, 3, 1), "1301", None),
])
def test_entry_date_year(value, mmdd, booked):
    assert entry_date_near(value, mmdd) == booked


@pytest.mark.parametrize("line, why", [
    ("2405010230C1,00NTRFNONREF", "entry date '0230' is not a date"),
    ("240501X1,00NTRFNONREF", "mark 'X1' is not C, D, RC or RD"),
    ("240501C1,00", "transaction type"),
    ("240501C1,0,0NTRF", "not an MT940 amount"),
    ("240501CNTRF", "amount missing"),
    ("24050", "value date '24050' is not a date"),
])
def test_entry_line_reasons(line, why):
    parsed, reason = parse_entry_line(line)
    assert parsed is None and why in reason


def test_entry_line_subfields():
    parsed, _ = parse_entry_line("2312310102CR1250,00NTRFMYREF123//BANKREF9 ")
    assert parsed.value_date == D(2023, 12, 31) and parsed.entry_date == D(2024, 1, 2)
    assert (parsed.mark, parsed.funds_code, parsed.amount_text) == ("C", "R", "1250,00")
    assert (parsed.type_code, parsed.owner_reference, parsed.bank_reference) == (
        "NTRF", "MYREF123", "BANKREF9")


def write(tmp_path: Path, text: str, name: str = "s.sta") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cheque_charges_swift_block_on_one_line_and_a_zero_decimal_currency(tmp_path):
    text = ("{1:F01BANKJPJTAXXX0000000000}{2:I940BANKJPJTXXXXN}{4::20:JPY1\n"
            ":25:1234567\n:28C:1/1\n:60F:C240102JPY100000,\n"
            ":61:240103C5000,NCHK000123//B1\n/CHGS/JPY300,/\n:86:cheque deposit\n"
            ":61:240103D1200,NMSCNONREF\n:62F:C240103JPY103800,\n-}\n")
    r = read_mt940(write(tmp_path, text))
    assert_accounted(r)
    p = r.payments
    assert r.control.ok and list(p["amount_cents"]) == [5000, -1200]  # yen: no minor unit
    assert p.iloc[0]["kind"] == "check" and p.iloc[0]["check_number"] == "000123"
    assert p.iloc[0]["end_to_end_id"] == "" and p.iloc[0]["bank_reference"].startswith("B1")
    assert p.iloc[0]["charges_cents"] == 300
    assert r.control.skipped["statement"] == 3  # the {4: line carries :20:


def test_references_from_the_entry_line_and_keywords_in_free_text(tmp_path):
    text = (":20:R\n:25:DE02120300000000202051\n:28C:7\n:60F:C240501EUR0,00\n"
            ":61:240502C10,00NTRFPAYER-REF-9\n:86:Danke\n"
            ":61:240502C5,00NTRFNONREF\n:86:EREF+E-55 KREF+K1 SVWZ+Rechnung 4711\nvom 2.5.\n"
            ":62F:C240502EUR15,00\n")
    r = read_mt940(write(tmp_path, text))
    assert_accounted(r)
    p = r.payments
    assert r.control.ok
    assert (p.iloc[0]["end_to_end_id"], p.iloc[0]["remittance"]) == ("PAYER-REF-9", "Danke")
    assert p.iloc[1]["end_to_end_id"] == "E-55"
    assert p.iloc[1]["remittance"] == "Rechnung 4711 vom 2.5. / KREF+K1"


def test_statement_without_balances_cannot_know_its_currency(tmp_path):
    r = read_mt940(write(tmp_path, ":20:X\n:25:ACC\n:61:240103C50,00NTRFNONREF\n"))
    assert_accounted(r)
    assert r.control.rejected == 1 and "currency" in r.rejections.iloc[0]["reason"]
    (check,) = r.control.checks
    assert not check.ok and check.printed_cents is None and "no opening balance" in check.note


def test_payment_ids_do_not_depend_on_the_file_name(tmp_path):
    source = OWN / "de_structured_svwz_subfields.sta"
    copy = tmp_path / "statement received again.txt"
    shutil.copy(source, copy)
    a, b = read_mt940(source), read_mt940(copy, display="again.sta")
    assert list(a.payments["payment_id"]) == list(b.payments["payment_id"])
    assert set(b.payments["source_file"]) == {"again.sta"}


@pytest.mark.parametrize("content", [b"", b"Customer,Amount\nACME,12.00\n", b"\n\n-\n"])
def test_a_file_that_is_not_mt940_is_a_read_error(tmp_path, content):
    path = tmp_path / "x.sta"
    path.write_bytes(content)
    with pytest.raises(ReadError, match="not an MT940 statement"):
        read_mt940(path)


def test_a_missing_file_is_a_read_error(tmp_path):
    with pytest.raises(ReadError, match="not found"):
        read_mt940(tmp_path / "nope.sta")


# --------------------------------------------------------------------------- garbage

BASES = [f.read_text(encoding="cp1252" if "malformed" in f.name else "utf-8")
         for f in sorted(OWN.glob("*.sta"))]
NOISE = st.characters(blacklist_characters="\x00\ufeff", blacklist_categories=("Cs",))
SNIPPETS = st.sampled_from([
    ":20:X", ":25:ACC", ":28C:1", ":60F:C240101EUR1,00", ":60M:D240101EUR0,", ":62F:C240101EUR",
    ":61:", ":61:2401010101RC1,NTRF", ":61:999999C1,00NTRF", ":61:240101C١,00NTRF", ":86:",
    ":86:?20SVWZ+", "?2", "/REMI/", "-", "-}", "{4:", "{1:X}{4::61:240101C1,00NMSC", "{5:}",
    ":64:C", ":65:", ":34F:EUR0,", "", " ", "\x1a", "ABNANL2A",
])


@st.composite
def mangled_statements(draw):
    lines = editor_lines(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(0, 10))):
        op = draw(st.sampled_from(["delete", "repeat", "garble", "insert", "cut"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines.append(draw(SNIPPETS))
        elif op == "delete":
            del lines[i]
        elif op == "repeat":
            lines.insert(i, lines[i])
        elif op == "garble" and lines[i]:
            j = draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:j] + draw(st.text(NOISE, max_size=3)) + lines[i][j + 1:]
        elif op == "insert":
            lines.insert(i, draw(SNIPPETS | st.text(NOISE, max_size=30)))
        else:
            lines[i] = lines[i][:draw(st.integers(0, len(lines[i])))]
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines) + draw(
        st.sampled_from(["", "\n"]))


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mangled_statements() | st.text(NOISE, max_size=400))
def test_garbage_in_never_breaks_the_reader_and_every_line_is_accounted(tmp_path, text):
    path = write(tmp_path, text, "garbage.sta")
    try:
        r = read_mt940(path)
    except ReadError:
        return
    assert_accounted(r)
    c = r.control
    assert c.lines_read == len(editor_lines(text))
    lines_61 = entry_line_numbers(text)
    assert c.data_rows == len(lines_61)
    assert sorted([*r.payments["source_line"], *r.rejections["line"]]) == lines_61
    assert (r.rejections["reason"] != "").all()
    if c.totals_ok:
        assert len(c.checks) >= 1


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_any_bytes_give_a_result_or_a_read_error(tmp_path, data):
    path = tmp_path / "bytes.sta"
    path.write_bytes(data)
    try:
        r = read_mt940(path)
    except ReadError:
        return
    assert_accounted(r)
