"""Adjustments, the pure core: requests, drafts, tax, authority, commission, journal entries
and their exports, the ledger, the bad-debt review.  Each test reads like a small ledger:
open items and typed rows in, documents, amounts and reasons out."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.adjustments import customers_frame, item, items_frame

from xlar.adjustments.bad_debt import recommend_write_offs
from xlar.adjustments.commission import payout_report
from xlar.adjustments.drafts import draft_adjustments
from xlar.adjustments.journal import export_journal, journal_entry, journal_frame, unbalanced
from xlar.adjustments.ledger import apply_documents, document_effect
from xlar.adjustments.model import ApprovalState, History
from xlar.adjustments.policy import policy_from_settings
from xlar.adjustments.requests import parse_lines, parse_request
from xlar.settings import Settings, SettingsError

D = dt.date
TODAY = D(2026, 10, 15)
POLICY = policy_from_settings(Settings(
    tax_rates="default=8.25%; West=7.25%", commission_rates="default=5%; Acme Reps=7.5%",
    authority_limits="ana=500; luis=5000", default_authority_limit="250.00"))


def requests(*rows: dict):
    return [parse_request(i + 1, r) for i, r in enumerate(rows)]


def draft(items, customers, *rows, user="ana", history=None, policy=POLICY):
    return draft_adjustments(requests(*rows), items_frame(items), customers_frame(customers),
                             policy, history or History(), user, TODAY)


def numbered(d, start=1):
    return [doc._replace(number=f"{doc.kind[:3].upper()}-{start + i}")
            for i, doc in enumerate(d.documents)]


ACME = dict(customer_id="C1", customer_name="Acme", territory="", terms="NET 30")
EXEMPT = dict(customer_id="C2", customer_name="Exento SA", language="es",
              tax_exempt_cert="TX-2231", tax_exempt_expiry="2027-03-31", terms="NET 30")
EXPIRED = dict(customer_id="C3", customer_name="Lapsed Inc", tax_exempt_cert="TX-0099",
               tax_exempt_expiry="2026-06-30", terms="NET 30")


# -- credit and rebill -------------------------------------------------------------------


def test_credit_and_rebill_nets_to_the_price_difference_with_the_partners_commission():
    # 1,000.00 net + 8.25% tax = 1,082.50, partly paid; the price should have been 900.00.
    items = [item("C1", "INV-100", amount=1082.50, open_=582.50, sales_partner="Acme Reps",
                  po_number="PO-7")]
    (d,) = draft(items, [ACME], dict(kind="Credit and rebill", customer_id="C1",
                                     document="INV-100", amount="900.00", reason_code="pricing",
                                     po_number="PO-7B"))
    assert d.status == "ready", d.why
    credit, invoice = d.documents
    # the original is credited in full ...
    assert (credit.kind, credit.net_cents, credit.tax_cents, credit.ar_cents) == \
        ("credit_memo", 100000, 8250, -108250)
    # ... the new invoice is open for the corrected price plus tax ...
    assert (invoice.kind, invoice.net_cents, invoice.tax_cents, invoice.ar_cents) == \
        ("invoice", 90000, 7425, 97425)
    assert invoice.applies_document == "INV-100" and invoice.po_number == "PO-7B"
    assert invoice.due_date == TODAY + dt.timedelta(days=30)
    # ... and the pair nets to the price difference (tax included).
    assert d.ar_cents == -10825 == (90000 - 100000) * 1.0825
    assert "the pair nets to -$108.25" in d.why
    # Commission: the partner's sales went down 100.00 at Acme Reps' 7.5%.
    c = d.commission
    assert (c.partner, c.base_cents, c.rate, c.commission_cents) == \
        ("Acme Reps", -10000, Decimal("0.075"), -750)
    # Posted: the original is fully credited (its open 582.50 goes to zero and the
    # 500.00 already paid stays as a credit), the new invoice is open.
    docs = numbered(d)
    after = apply_documents(items_frame(items), docs)
    by_doc = dict(zip(after["document"], after["open_cents"], strict=True))
    assert by_doc == {"INV-100": 0, "CRE-1": -50000, "INV-2": 97425}
    assert after["open_cents"].sum() - 58250 == d.ar_cents
    lines = journal_entry(docs, d.commission, POLICY, TODAY, d.request.request_id)
    assert unbalanced(lines) == ""
    commission = {(x.role, x.debit_cents, x.credit_cents) for x in lines
                  if x.role.startswith("commission")}
    assert commission == {("commission_payable", 750, 0), ("commission_expense", 0, 750)}


def test_rebill_of_a_credited_invoice_credits_only_what_is_left():
    items = [item("C1", "INV-1", amount=108.25)]
    hist = History(credited={("C1", "INV-1"): 2165})
    (d,) = draft(items, [ACME], dict(kind="rebill", customer_id="C1", document="INV-1",
                                     lines="1 x Service @ 80"), history=hist)
    credit, invoice = d.documents
    assert credit.total_cents == 10825 - 2165
    assert invoice.total_cents == 8000 + 660


# -- credit memos and tax -----------------------------------------------------------------


def test_partial_credit_reverses_tax_in_proportion():
    items = [item("C1", "INV-1", amount=1082.50)]
    d1, d2, d3 = draft(items, [ACME],
                       dict(kind="CM", customer_id="C1", document="INV-1", amount="108.25",
                            reason_code="damaged"),
                       dict(kind="credit memo", customer_id="C1", document="inv-1",
                            lines="2 x Widget @ 50", reason_code="returned goods"),
                       dict(kind="Nota de crédito", customer_id="C1", document="INV-1",
                            amount=10, reason_code="impuesto"))
    assert (d1.documents[0].net_cents, d1.documents[0].tax_cents) == (10000, 825)
    assert (d2.documents[0].net_cents, d2.documents[0].tax_cents) == (10000, 825)
    assert (d3.documents[0].net_cents, d3.documents[0].tax_cents) == (0, 1000)
    assert "reversed in proportion" in d1.why and "8.25%" in d1.why
    # each credit saw what the one before it left open
    assert [d.open_before for d in (d1, d2, d3)] == [108250, 97425, 86600]
    assert d3.open_after == 85600


def test_credit_memo_limits_and_reasons_are_clear():
    items = [item("C1", "INV-1", amount=100), item("C1", "PAY-1", "payment", -20)]
    a, b, c, e = draft(items, [ACME],
                       dict(kind="credit memo", customer_id="C1", document="INV-1", amount=101,
                            reason_code="pricing"),
                       dict(kind="credit memo", customer_id="C1", document="INV-1", amount=5),
                       dict(kind="credit memo", customer_id="C1", document="PAY-1", amount=5,
                            reason_code="pricing"),
                       dict(kind="credit memo", customer_id="C1", document="INV-404",
                            amount=5, reason_code="pricing"))
    assert a.status == "blocked" and "more than the $100.00 left to credit on INV-1" in a.why
    assert b.status == "blocked" and b.why.startswith("a credit memo needs a reason code")
    assert c.status == "blocked" and "is a payment" in c.why
    assert e.status == "blocked" and "INV-404 of customer C1 is not on the" in e.why


def test_tax_exempt_customer_with_a_valid_certificate_pays_no_tax():
    (d,) = draft([], [EXEMPT], dict(kind="Factura", customer_id="C2",
                                    lines="3 x Widget @ 12.50; Freight @ 7.5"))
    assert d.status == "ready", d.why
    doc = d.documents[0]
    assert (doc.net_cents, doc.tax_cents, doc.ar_cents) == (4500, 0, 4500)
    assert "tax-exempt (certificate TX-2231, valid until 2027-03-31)" in d.why


def test_expired_certificate_blocks_the_invoice_and_says_why():
    (d,) = draft([], [EXPIRED], dict(kind="invoice", customer_id="C3", amount=100))
    assert d.status == "blocked" and not d.documents
    assert d.why == ("customer C3's tax-exemption certificate TX-0099 expired on 2026-06-30, "
                     "before this document's date 2026-10-15: renew the certificate (Customers "
                     "sheet, Cert Expiry) or type 'taxable' in the Tax column to charge tax")
    # a rebill for that customer is blocked the same way; typing 'taxable' charges tax
    items = [item("C3", "INV-9", amount=108.25)]
    rebill, taxed = draft(items, [EXPIRED],
                          dict(kind="credit and rebill", customer_id="C3", document="INV-9",
                               amount=90),
                          dict(kind="invoice", customer_id="C3", amount=100, tax="taxable"))
    assert rebill.status == "blocked" and "TX-0099 expired on 2026-06-30" in rebill.why
    assert taxed.status == "ready" and taxed.documents[0].tax_cents == 825


def test_tax_rate_by_territory_and_exempt_without_certificate():
    west = dict(ACME, customer_id="W1", territory="West")
    a, b = draft([], [west, ACME], dict(kind="invoice", customer_id="W1", amount=200),
                 dict(kind="invoice", customer_id="C1", amount=200, tax="exempt"))
    assert a.documents[0].tax_cents == 1450 and "territory West" in a.why
    assert b.status == "blocked" and "has no tax-exemption certificate" in b.why


def test_credit_of_an_invoice_issued_while_exempt_reverses_no_tax():
    items = [item("C2", "F-1", amount=500, doc_date="2026-09-01")]
    (d,) = draft(items, [EXEMPT], dict(kind="credit memo", customer_id="C2", document="F-1",
                                       amount=50, reason_code="pricing"))
    assert d.documents[0].tax_cents == 0 and "carried no tax" in d.why


# -- write-offs, refunds, authority ------------------------------------------------------------


def test_write_off_within_and_above_authority():
    items = [item("C1", "INV-1", amount=400), item("C1", "INV-2", amount=900),
             item("C1", "CM-1", "credit_memo", -3)]
    small, big, credit = draft(items, [ACME],
                               dict(kind="write-off", customer_id="C1", document="INV-1",
                                    reason_code="bad debt"),
                               dict(kind="Castigo", customer_id="C1", document="INV-2",
                                    reason_code="incobrable"),
                               dict(kind="write off", customer_id="C1", document="CM-1",
                                    reason_code="small balance"))
    assert small.status == "ready" and small.documents[0].ar_cents == -40000
    assert small.documents[0].gl_role == "allowance"
    assert big.status == "needs approval"
    assert big.approval == "the write-off of $900.00 is above ana's authority of $500.00"
    assert credit.status == "ready" and credit.documents[0].ar_cents == 300
    # luis may write off 900.00 himself; someone without a limit of their own has 250.00
    (luis,) = draft(items, [ACME], dict(kind="write-off", customer_id="C1", document="INV-2",
                                        reason_code="bad debt"), user="luis")
    assert luis.status == "ready"
    (other,) = draft(items, [ACME], dict(kind="write-off", customer_id="C1", document="INV-1",
                                         amount=251, reason_code="bad debt"), user="pat")
    assert other.status == "needs approval" and "pat's authority of $250.00" in other.approval


def test_approval_states_decide_the_status():
    items = [item("C1", "INV-2", amount=900)]
    row = dict(kind="write-off", customer_id="C1", document="INV-2", reason_code="bad debt")
    rid = parse_request(1, row).request_id
    at = dt.datetime(2026, 10, 15, 9, 0)

    def state(status, by=""):
        return {rid: ApprovalState(rid, status, "ana", at, "above", 90000, "USD", "write_off",
                                   "C1", "INV-2", by, at if by else None, "ok")}

    assert draft(items, [ACME], row, history=History(approvals=state("pending")))[0].status \
        == "waiting for approval"
    approved = draft(items, [ACME], row, history=History(approvals=state("approved", "luis")))
    assert approved[0].status == "approved" and "Approved by luis (ok)" in approved[0].why
    rejected = draft(items, [ACME], row, history=History(approvals=state("rejected", "luis")))
    assert rejected[0].status == "rejected" and rejected[0].why == "rejected by luis: ok"


def test_refunds_need_a_method_a_credit_and_always_an_approval():
    items = [item("C1", "PAY-1", "payment", -120), item("C1", "INV-1", amount=50)]
    ok, too_much, no_method, not_credit = draft(
        items, [ACME],
        dict(kind="refund", customer_id="C1", document="PAY-1", amount=20,
             refund_method="cheque"),
        dict(kind="reembolso", customer_id="C1", document="PAY-1", amount=200,
             refund_method="ach"),
        dict(kind="refund", customer_id="C1", document="PAY-1", note="x"),
        dict(kind="refund", customer_id="C1", document="INV-1", refund_method="wire"))
    assert ok.status == "needs approval" and "second person approves every refund" in ok.why
    assert ok.documents[0].refund_method == "check" and ok.documents[0].ar_cents == 2000
    assert ok.documents[0].reason_code == "overpayment"
    assert too_much.status == "blocked" and "more than the credit of $120.00" in too_much.why
    assert no_method.status == "blocked" and "Refund Method" in no_method.why
    assert not_credit.status == "blocked" and not_credit.why == (
        "INV-1 of customer C1 is an invoice; only a payment or a credit memo can be used to "
        "refund")


# -- the rows themselves ---------------------------------------------------------------


def test_typed_rows_are_parsed_loosely_and_refused_with_reasons():
    lines, errors = parse_lines("2 x Widget @ 15.00; 1.5 × Labour @ $80; Freight @ 5; bad")
    assert [(d, str(q), str(p)) for d, q, p in lines] == [
        ("Widget", "2", "15"), ("Labour", "1.5", "80"), ("Freight", "1", "5")]
    assert errors == ["line 'bad' is not 'quantity x description @ price'"]
    r = parse_request(3, dict(kind="teleport", customer_id="", amount="1O.00", tax="maybe",
                              refund_method="bitcoin", quantity=2))
    assert r.errors == (
        "type 'teleport' is not one of Credit memo, Credit and rebill, Invoice, Write-off, "
        "Refund", "the customer is missing",
        "amount: amount '1O.00' is not a number",
        "give both Quantity and Unit Price (or neither)",
        "Tax 'maybe' is 'taxable', 'exempt' or blank (the customer's status)",
        "refund method 'bitcoin' is one of check, ach, wire, card")
    assert parse_request(1, {"note": None, "kind": ""}) is None  # a blank row
    same = [parse_request(i, dict(kind="Credit Memo", customer_id="c1", document="inv-1",
                                  amount=v, reason_code="Pricing")) for i, v in
            ((1, 10), (2, "10.00"), (3, 10.0))]
    assert len({r.request_id for r in same}) == 1


def test_a_row_typed_twice_is_posted_once_and_an_edited_posted_row_is_refused():
    items = [item("C1", "INV-1", amount=100)]
    row = dict(kind="credit memo", customer_id="C1", document="INV-1", amount=10,
               reason_code="pricing")
    first, twice = draft(items, [ACME], row, row)
    assert first.status == "ready"
    assert twice.status == "blocked" and twice.why.startswith("the same as row 1")
    from xlar.adjustments.model import PostedRequest

    posted = PostedRequest(first.request.request_id, tuple(numbered(first)), None, "ana",
                           dt.datetime(2026, 10, 15, 9))
    edited = dict(row, amount=11, request_id=first.request.request_id)
    (d,) = draft(items, [ACME], edited, history=History(posted={posted.request_id: posted}))
    assert d.status == "blocked" and "posted as CRE-1 and has been changed since" in d.why


def test_settings_that_cannot_be_used_name_the_setting():
    for s, text in ((Settings(tax_rates="default=eight"), "tax_rates default"),
                    (Settings(tax_rates="West"), "tax_rates"),
                    (Settings(commission_rates="a=200%"), "between 0% and 100%"),
                    (Settings(gl_accounts="cash=1000"), "unknown role(s) cash"),
                    (Settings(number_formats="credit_memo=CM-{n}; invoice=CM-{n}"),
                     "same numbers"),
                    (Settings(number_formats="refund=RF-{year}"), "has no {n}"),
                    (Settings(authority_limits="ana"), "authority_limits entry 'ana'"),
                    (Settings(bad_debt_rules="age=old"), "bad_debt_rules age='old'")):
        with pytest.raises(SettingsError, match="Settings: ") as e:
            policy_from_settings(s)
        assert text in str(e.value), (s, str(e.value))


# -- every journal entry balances; balances move exactly by the amounts (hypothesis) ------------


CUSTOMERS = [dict(ACME, sales_partner="Acme Reps"), dict(EXEMPT, sales_partner="Zeta"),
             dict(customer_id="C4", customer_name="West Co", territory="West", terms="2/10 NET 30")]
KINDS = ["credit memo", "credit and rebill", "invoice", "write-off", "refund"]
REASONS = {"credit memo": ["pricing", "damaged", "tax", "returned goods"],
           "credit and rebill": ["", "pricing", "quantity"], "invoice": [""],
           "write-off": ["bad debt", "small balance", "dispute lost"],
           "refund": ["", "overpayment"]}


@st.composite
def ledgers(draw):
    rows = []
    for c in CUSTOMERS:
        cid = c["customer_id"]
        for n in range(draw(st.integers(0, 3))):
            original = draw(st.integers(1, 500_000))
            open_ = draw(st.sampled_from([original, original // 2, 1, draw(
                st.integers(1, original))]))
            rows.append(item(cid, f"{cid}-INV-{n}", amount=original / 100, open_=open_ / 100,
                             sales_partner=c.get("sales_partner", ""),
                             territory=c.get("territory", "")))
        for n in range(draw(st.integers(0, 2))):
            amount = draw(st.integers(1, 200_000))
            rows.append(item(cid, f"{cid}-PAY-{n}", draw(st.sampled_from(["payment",
                                                                          "credit_memo"])),
                             amount=-amount / 100))
    docs = [(r["customer_id"], r["document"]) for r in rows]
    reqs = []
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(KINDS))
        cid, doc = draw(st.sampled_from(docs)) if docs and kind != "invoice" else (
            draw(st.sampled_from([c["customer_id"] for c in CUSTOMERS])), "")
        row = dict(kind=kind, customer_id=cid, document=doc,
                   reason_code=draw(st.sampled_from(REASONS[kind])), refund_method="check",
                   note=str(len(reqs)))
        shape = draw(st.sampled_from(["blank", "amount", "lines"]))
        if shape == "amount" or (shape == "blank" and kind in ("invoice", "credit and rebill")):
            row["amount"] = f"{draw(st.integers(1, 600_000)) / 100:.2f}"
        elif shape == "lines" and kind in ("invoice", "credit and rebill", "credit memo"):
            row["lines"] = "; ".join(
                f"{draw(st.integers(1, 20))} x Item @ {draw(st.integers(1, 99_999)) / 100:.2f}"
                for _ in range(draw(st.integers(1, 3))))
        reqs.append(row)
    return rows, reqs


CUSTOMER_FRAME = customers_frame(CUSTOMERS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_every_entry_balances_and_balances_change_exactly_by_the_adjustments(ledger):
    rows, typed = ledger
    items = items_frame(rows) if rows else items_frame([item("C9", "X", amount=1)])
    drafts = draft_adjustments(requests(*typed), items, CUSTOMER_FRAME, POLICY,
                               History(), "luis", TODAY)
    posted, n = [], 0
    current = items.copy()
    for d in drafts:
        if d.status not in ("ready", "approved", "needs approval"):
            assert not d.documents and d.why
            continue
        docs = []
        for doc in d.documents:
            n += 1
            docs.append(doc._replace(number=f"N{n}"))
        lines = journal_entry(docs, d.commission, POLICY, TODAY, d.request.request_id)
        # debits = credits to the cent, one positive side per line
        assert unbalanced(lines) == ""
        assert sum(x.debit_cents for x in lines) == sum(x.credit_cents for x in lines) > 0
        ar = sum(x.debit_cents - x.credit_cents for x in lines if x.role == "ar")
        assert ar == d.ar_cents
        tax = sum(x.credit_cents - x.debit_cents for x in lines if x.role == "sales_tax")
        assert tax == sum(doc.tax_cents * (1 if doc.kind == "invoice" else -1)
                          for doc in d.documents if doc.kind in ("invoice", "credit_memo"))
        if d.status == "needs approval":
            continue  # not posted: the open items do not move
        before = current
        current = apply_documents(current, docs)
        # the item adjusted moved exactly as drafted, without changing sign
        if d.open_before is not None:
            target = d.documents[0].applies_to
            if target:
                now = int(current.loc[current["item_key"] == target, "open_cents"].iloc[0])
                assert now == d.open_after
                assert now == 0 or np.sign(now) == np.sign(d.open_before)
        # per customer, open after - open before = the documents' effect
        cid = d.documents[0].customer_id
        delta = int(current.loc[current["customer_id"] == cid, "open_cents"].sum()) - \
            int(before.loc[before["customer_id"] == cid, "open_cents"].sum())
        assert delta == d.ar_cents
        posted.append(d)
    total = int(current["open_cents"].sum()) - int(items["open_cents"].sum())
    assert total == sum(d.ar_cents for d in posted)
    # credits never exceed what was invoiced
    for d in posted:
        for doc in d.documents:
            if doc.kind == "credit_memo":
                original = int(items.loc[items["item_key"] == doc.applies_to,
                                         "original_cents"].iloc[0])
                assert doc.total_cents <= original


def test_document_effect_of_a_credit_larger_than_what_is_open():
    from xlar.adjustments.model import DraftDocument

    cm = DraftDocument("credit_memo", "C1", "", "USD", TODAY, None, 900, 100, -1000, "k", "I")
    assert document_effect(cm, 300) == (-300, -700)
    assert document_effect(cm, 0) == (0, -1000)


# -- exports -------------------------------------------------------------------------


def _posted_sample():
    items = [item("C1", "INV-100", amount=1082.50, sales_partner="Acme Reps")]
    (d,) = draft(items, [ACME], dict(kind="credit and rebill", customer_id="C1",
                                     document="INV-100", amount=900))
    docs = [d.documents[0]._replace(number="CM-2026-000007"),
            d.documents[1]._replace(number="INV-2026-000003")]
    return journal_frame(journal_entry(docs, d.commission, POLICY, TODAY, "ADJ-1"))


def _csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_journal_exports_generic_gp_and_sap_layouts(tmp_path):
    journal = _posted_sample()
    generic = _csv(export_journal(journal, POLICY, "generic", tmp_path / "g.csv"))
    assert list(generic[0]) == ["Entry", "Line", "Date", "Account", "Account Role",
                                "Description", "Debit", "Credit", "Currency", "Customer",
                                "Document", "Request"]
    assert [(r["Account"], r["Debit"], r["Credit"]) for r in generic] == [
        ("4000", "1000.00", ""), ("2200", "82.50", ""), ("1200", "", "1082.50"),
        ("1200", "974.25", ""), ("4000", "", "900.00"), ("2200", "", "74.25"),
        ("6300", "", "7.50"), ("2150", "7.50", "")]
    gp = _csv(export_journal(journal, POLICY, "gp", tmp_path / "gp.csv"))
    assert list(gp[0]) == ["Batch ID", "Journal Entry", "Transaction Date", "Reference",
                           "Account Number", "Debit Amount", "Credit Amount",
                           "Distribution Reference", "Currency ID"]
    assert {(r["Batch ID"], r["Journal Entry"], r["Transaction Date"], r["Reference"])
            for r in gp} == {("XLAR20261015", "1", "10/15/2026", "CM-2026-000007")}
    assert all(len(r["Distribution Reference"]) <= 30 for r in gp)
    sap = _csv(export_journal(journal, POLICY, "sap", tmp_path / "sap.csv"))
    assert list(sap[0]) == ["BUKRS", "BLDAT", "BUDAT", "BLART", "WAERS", "XBLNR", "BKTXT",
                            "BUZEI", "BSCHL", "HKONT", "KUNNR", "WRBTR", "SGTXT", "ZUONR"]
    assert [(r["BSCHL"], r["HKONT"], r["KUNNR"], r["WRBTR"]) for r in sap] == [
        ("40", "4000", "", "1000.00"), ("40", "2200", "", "82.50"), ("11", "", "C1", "1082.50"),
        ("01", "", "C1", "974.25"), ("50", "4000", "", "900.00"), ("50", "2200", "", "74.25"),
        ("50", "6300", "", "7.50"), ("40", "2150", "", "7.50")]
    assert {(r["BUKRS"], r["BLDAT"], r["BLART"], r["ZUONR"]) for r in sap} == {
        ("1000", "15.10.2026", "DG", "INV-100")}
    # an xlsx carries numbers, not text
    from openpyxl import load_workbook

    ws = load_workbook(export_journal(journal, POLICY, "generic", tmp_path / "g.xlsx")).active
    assert ws["G2"].value == 1000 and ws["H4"].value == 1082.5


def test_commission_payout_report_sums_per_partner():
    rows = pd.DataFrame({"partner": ["B", "A", "A"], "currency": ["USD"] * 3,
                         "base_cents": [-1000, -20000, 5000],
                         "commission_cents": [-50, -1500, 375]})
    out = payout_report(rows)
    assert out.to_dict("records") == [
        {"partner": "A", "currency": "USD", "adjustments": 2, "base_cents": -15000,
         "commission_cents": -1125},
        {"partner": "B", "currency": "USD", "adjustments": 1, "base_cents": -1000,
         "commission_cents": -50}]


# -- bad-debt review ----------------------------------------------------------------------


def test_bad_debt_review_proposes_by_rule_with_the_reason_per_account():
    rules = POLICY.bad_debt  # age 180, no payment 120 days, 2 broken promises, 10.00 / 90 days
    old = "2026-01-01"  # due 2026-01-31: 257 days past due on TODAY
    items = items_frame([
        item("A", "A-1", amount=800, doc_date=old),           # no payment on record
        item("B", "B-1", amount=500, doc_date=old),           # paid recently, 2 broken
        item("C", "C-1", amount=300, doc_date=old),           # paid recently, kept promises
        item("D", "D-1", amount=6.40, doc_date="2026-05-01"),  # small balance
        item("D", "D-2", "credit_memo", -3.10, doc_date="2026-05-01"),
        item("E", "E-1", amount=1000, doc_date="2026-09-01"),  # dispute lost
        item("F", "F-1", amount=900, doc_date=old),           # on a payment plan
    ])
    payments = pd.DataFrame({"customer_id": ["B", "C", "A"], "amount_cents": [100, 100, -5],
                             "paid_on": [D(2026, 9, 1), D(2026, 9, 1), D(2026, 9, 1)]})
    promises = pd.DataFrame({"customer_id": ["B", "B", "C"], "status": ["broken"] * 2 + ["kept"],
                             "promised_date": [D(2026, 3, 1), D(2026, 5, 1), D(2026, 6, 1)]})
    disputes = pd.DataFrame({"customer_id": ["E"], "document": ["E-1"],
                             "status": ["resolved_valid"], "amount_cents": [25000],
                             "reason_code": ["pricing"]})
    plans = pd.DataFrame({"customer_id": ["F"], "cancelled": [False]})
    review = recommend_write_offs(items, rules, TODAY, payments, promises, disputes, plans)
    got = {r["document"]: (r["reason_code"], r["suggested_cents"], r["why"])
           for r in review.proposals.to_dict("records")}
    assert got == {
        "A-1": ("bad debt", 80000, "A-1 is 257 days past due; no payment on record"),
        "B-1": ("bad debt", 50000, "B-1 is 257 days past due; 2 broken promises (last due "
                                   "2026-05-01)"),
        "D-1": ("small balance", 640, "D-1 leaves a small balance of $6.40, 137 days past "
                                      "due (rule: at most $10.00, 90+ days)"),
        "D-2": ("small balance", 310, "D-2 leaves a small credit of $3.10, 137 days past due "
                                      "(rule: at most $10.00, 90+ days)"),
        "E-1": ("dispute lost", 25000, "the dispute on E-1 (pricing) was resolved in the "
                                       "customer's favour: write off $250.00"),
    }
    assert review.skipped.to_dict("records") == [
        {"customer_id": "F", "why": "customer F is on an active payment plan: not proposed "
                                    "for write-off"}]
