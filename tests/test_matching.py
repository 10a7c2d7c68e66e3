"""The matching engine: which invoice a payment goes to, and why."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlar.cashapp.checks import read_check_register
from xlar.cashapp.matching import MatchSettings, match_payments
from xlar.cashapp.model import payment_frame, remittance_frame
from xlar.cashapp.posting import plan_postings
from xlar.cashapp.references import reference_tokens
from xlar.cashapp.simulate import score, simulate_receipts
from xlar.cashapp.workbook import _posted_frame
from xlar.store.api import open_store

D = dt.date


def items(rows):
    """rows: (customer, document, open cents[, terms[, doc date[, type]]])"""
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows], "customer_name": [f"{r[0]} Corp" for r in rows],
        "document": [r[1] for r in rows], "open_cents": [r[2] for r in rows],
        "terms": [r[3] if len(r) > 3 else "NET 30" for r in rows],
        "doc_date": pd.to_datetime([r[4] if len(r) > 4 else "2026-10-01" for r in rows]),
        "due_date": pd.to_datetime([r[4] if len(r) > 4 else "2026-10-31" for r in rows]),
        "doc_type": [r[5] if len(r) > 5 else ("invoice" if r[2] > 0 else "credit_memo")
                     for r in rows],
        "currency": "USD", "item_key": [f"{r[0]}|{r[1]}" for r in rows],
    })


CUSTOMERS = pd.DataFrame({"customer_id": ["ACME", "BETA", "GAMMA"],
                          "customer_name": ["Acme Industrial Supply LLC", "Beta Foods SA",
                                            "Gamma Tools Inc"]})


def pay(amount, text="", name="", account="", customer_ref="", day="2026-10-20", pid="P1"):
    return {"payment_id": pid, "amount_cents": amount, "currency": "USD", "remittance": text,
            "payer_name": name, "payer_account": account, "customer_reference": customer_ref,
            "booking_date": day, "value_date": day, "bank_reference": f"B{pid}"}


def run(payments, led, remits=(), accounts=None, posted=None, **kw):
    return match_payments(payment_frame(payments), remittance_frame(list(remits)), led,
                          CUSTOMERS, accounts or {}, posted, MatchSettings(**kw))


def test_a_reference_to_the_newer_invoice_beats_an_equal_amount_on_the_older_one():
    led = items([("ACME", "INV-1001", 50000, "NET 30", "2026-08-01"),
                 ("ACME", "INV-1007", 50000, "NET 30", "2026-09-15")])
    p = run([pay(50000, "Payment for invoice 1007", "ACME INDUSTRIAL SUPPLY")], led)
    assert p["document"].tolist() == ["INV-1007"] and p["action"].tolist() == ["auto"]
    assert p["rule"].iloc[0] == "reference" and "INV-1007" in p["evidence"].iloc[0]
    # without the reference, two items of 500.00: review, never a guess
    q = run([pay(50000, "thanks", "Acme Industrial Supply LLC")], led)
    assert q["action"].tolist() == ["review"] and q["apply_cents"].sum() == 0
    assert "2 open items of $500.00" in q["evidence"].iloc[0]


def test_discount_earned_in_the_window_and_short_payment_out_of_it():
    led = items([("BETA", "F-2026-045", 123456, "2/10 NET 30", "2026-10-01")])
    in_window = run([pay(120987, "F-2026-045", day="2026-10-11")], led)
    # 2 % of 1,234.56 = 24.69 earned when paid within 10 days
    assert in_window[["apply_cents", "discount_cents", "deduction_cents"]].iloc[0].tolist() \
        == [120987, 2469, 0]
    late = run([pay(120987, "F-2026-045", day="2026-10-20")], led)
    assert late[["apply_cents", "discount_cents", "deduction_cents"]].iloc[0].tolist() \
        == [120987, 0, 2469]
    assert "short payment" in late["evidence"].iloc[0]


def test_short_payment_with_a_reason_becomes_a_deduction_with_that_reason():
    led = items([("ACME", "INV-2001", 100000)])
    p = run([pay(90000, "INV 2001 less damaged goods")], led)
    r = p.iloc[0]
    assert (r.apply_cents, r.deduction_cents, r.deduction_reason) == (90000, 10000, "damaged")


def test_small_differences_are_written_off_only_when_small():
    led = items([("ACME", "INV-3001", 100000)])
    p = run([pay(99750, "INV 3001")], led)           # 2.50 short of 1,000.00: <= 1 %, <= 5.00
    assert p[["apply_cents", "writeoff_cents", "deduction_cents"]].iloc[0].tolist() == \
        [99750, 250, 0]
    q = run([pay(99000, "INV 3001")], led)           # 10.00 short: a deduction
    assert q[["apply_cents", "writeoff_cents", "deduction_cents"]].iloc[0].tolist() == \
        [99000, 0, 1000]


def test_overpayment_leaves_the_rest_on_account():
    led = items([("GAMMA", "INV-4001", 10000)])
    p = run([pay(12500, "INV 4001", "Gamma Tools")], led)
    assert p[["apply_cents", "on_account_cents"]].iloc[0].tolist() == [10000, 2500]
    assert "refund candidate" in p["evidence"].iloc[0]


def test_a_typo_in_the_reference_counts_only_when_the_amount_agrees():
    led = items([("ACME", "INV-104233", 77700), ("ACME", "INV-104323", 55500)])
    # "104323" exists, so a payment naming it goes there ...
    assert run([pay(55500, "INV 104323")], led)["document"].tolist() == ["INV-104323"]
    # ... "102433" swaps two digits of 104233, whose amount agrees
    p = run([pay(77700, "inv 102433")], led)
    assert p["document"].tolist() == ["INV-104233"]
    assert "one keystroke" in p["evidence"].iloc[0]
    # a near miss whose amount fits nothing: not applied
    assert run([pay(12300, "inv 102433")], led)["apply_cents"].sum() == 0
    # "104333" is one digit from both documents: the amount decides, 555.00 -> INV-104323
    assert run([pay(55500, "inv 104333")], led)["document"].tolist() == ["INV-104323"]


def test_customer_by_learned_account_then_combination_of_items():
    led = items([("BETA", "A-1", 10000), ("BETA", "A-2", 25000), ("BETA", "A-3", 40000)])
    p = run([pay(35000, "", "", account="ES12 3456 7890")], led,
            accounts={"ES1234567890": "BETA"})
    assert sorted(p["document"]) == ["A-1", "A-2"] and set(p["action"]) == {"auto"}
    assert p["rule"].iloc[0] == "customer+combination"
    # two combinations make 50,000 (A-1+A-3 and ...?) -> if ambiguous, review
    led2 = items([("BETA", "B-1", 10000), ("BETA", "B-2", 20000), ("BETA", "B-3", 30000)])
    q = run([pay(30000, "", "", account="ES1234567890")], led2, accounts={"ES1234567890": "BETA"})
    assert q["action"].tolist() == ["review"]      # B-3 alone, or B-1 + B-2


def test_remittance_advice_with_credit_note_netting():
    led = items([("ACME", "INV-5001", 100000), ("ACME", "CM-77", -20000)])
    remits = [{"payment_id": "P1", "document": "5001", "amount_cents": 100000},
              {"payment_id": "P1", "document": "CM 77", "amount_cents": -20000,
               "doc_type": "credit_memo"}]
    p = run([pay(80000, "see advice")], led, remits)
    assert dict(zip(p["document"], p["apply_cents"], strict=True)) == {"INV-5001": 100000,
                                                                       "CM-77": -20000}
    assert p["rule"].iloc[0] == "remittance advice" and set(p["action"]) == {"auto"}


def test_duplicates_unidentified_and_debits_are_not_applied():
    led = items([("ACME", "INV-6001", 10000)])
    posted = pd.DataFrame([{"payment_id": "P1", "payer_account": "", "amount_cents": 10000,
                            "value_date": pd.Timestamp("2026-10-20"), "bank_reference": "BP1"}])
    dup = run([pay(10000, "INV 6001")], led, posted=posted)
    assert dup["action"].tolist() == ["duplicate"] and dup["apply_cents"].sum() == 0
    unknown = run([pay(4321, "TRANSFER", "NOBODY KNOWN")], led)
    assert unknown["action"].tolist() == ["unidentified"]
    debit = run([pay(-5000, "FEE")], led)
    assert debit["action"].tolist() == ["ignore"]


# --------------------------------------------------------------------------- through the store

@pytest.fixture
def store(tmp_path):
    opened = open_store(f"sqlite:///{tmp_path / 'activity.sqlite'}", user="ana")
    yield opened
    opened.engine.dispose()


def propose_with(store, payments, remittances, led, customers=CUSTOMERS):
    """Proposals as Import Bank File makes them: with what the store learned and posted."""
    return match_payments(payments, remittances, led, customers, store.learned_accounts(),
                          _posted_frame(store))


def post_sure_ones(store, proposals, payments, led) -> list[str]:
    """Post the proposals the engine was sure of, as Post Payments does; their ids."""
    plan = plan_postings(proposals[proposals["action"] == "auto"], payments, led)
    assert plan.refused.empty, plan.refused.to_dict("records")
    apps = {k: g.to_dict("records") for k, g in plan.applications.groupby("payment_id")}
    for r in plan.receipts.to_dict("records"):
        assert store.post_receipt(r, apps.get(r["payment_id"], [])).new
    return plan.receipts["payment_id"].tolist()


LOCKBOX = """Lockbox 4471 - First Bank - Deposit Listing
Batch,Item,Check No,Payer Name,Account,Routing,Customer No,Amount,Deposit Date,Invoices
001,{a},8812,Bolt Industries,44556677,011000138,C200,800.00,10/20/2026,INV-1010
001,{b},1204,Dunn & Sons,12121212,026009593,C400,"1,000.00",10/20/2026,"1030 = 600; 1031 = 400"
Batch 001 Total,,,,,,,"1,800.00",,
"""


def test_a_posted_payment_that_comes_back_under_another_id_is_flagged_duplicate(store,
                                                                              tmp_path):
    led = items([("C200", "INV-1010", 80_000), ("C400", "INV-1030", 60_000),
                 ("C400", "INV-1031", 40_000), ("C500", "INV-1050", 7_525)])
    customers = pd.DataFrame({"customer_id": ["C200", "C400", "C500"],
                              "customer_name": ["Bolt Industries", "Dunn & Sons", "Evans Co"]})
    first_file = tmp_path / "lockbox_1020.csv"
    first_file.write_text(LOCKBOX.format(a=1, b=2), encoding="utf-8")
    first = read_check_register(first_file)
    posted = post_sure_ones(store, propose_with(store, first.payments, first.remittances,
                                                led, customers), first.payments, led)
    assert sorted(posted) == sorted(first.payments["payment_id"])

    # The bank re-exports the day's listing with the items numbered on from the
    # morning's (3 and 4, not 1 and 2), and a new check added: the same two checks
    # now have other payment ids.
    again = tmp_path / "lockbox_1020_reexport.csv"
    again.write_text(LOCKBOX.format(a=3, b=4).replace(
        "Batch 001 Total", "001,5,3390,Evans Co,34343434,026009593,C500,75.25,10/20/2026,"
        "INV-1050\nBatch 001 Total").replace("1,800.00", "1,875.25"), encoding="utf-8")
    second = read_check_register(again)
    assert not set(second.payments["payment_id"]) & set(posted)
    p = propose_with(store, second.payments, second.remittances, led, customers)
    by_payer = {second.payments.set_index("payment_id").loc[r.payment_id, "payer_name"]: r
                for r in p.itertuples()}
    for payer, earlier in zip(["Bolt Industries", "Dunn & Sons"], posted, strict=True):
        r = by_payer[payer]
        # Same payer account, amount, value date and reference (the lockbox batch):
        # nothing applied, the specialist decides, told which payment it repeats.
        assert (r.rule, r.action, r.apply_cents, r.document) == ("duplicate", "review", 0, "")
        assert r.evidence == (f"same payer, amount, date and reference as payment {earlier} "
                              "posted before")
    # The new check is no duplicate: it is matched as usual.
    new = by_payer["Evans Co"]
    assert (new.rule, new.document, new.action) == ("reference", "INV-1050", "auto")


def test_a_payer_account_learned_from_postings_identifies_a_later_payment(store):
    led = items([("ACME", "INV-1001", 50_000), ("ACME", "INV-1005", 43_210),
                 ("BETA", "INV-2001", 70_000), ("BETA", "INV-2005", 43_210),
                 ("GAMMA", "INV-3001", 90_000), ("GAMMA", "INV-3005", 43_210)])
    acme_iban = "GB29 NWBK 6016 1331 9268 19"   # as ACME's bank printed it
    parent = "NL91ABNA0417164300"                # pays for both BETA and GAMMA
    earlier = payment_frame([
        pay(50_000, "INV 1001", account=acme_iban, pid="E1", day="2026-10-01"),
        pay(70_000, "INV 2001", account=parent, pid="E2", day="2026-10-02"),
        pay(90_000, "INV 3001", account=parent, pid="E3", day="2026-10-03"),
    ])
    p = propose_with(store, earlier, remittance_frame([]), led)
    assert post_sure_ones(store, p, earlier, led) == ["E1", "E2", "E3"]
    # Worked out by hand: only the account that paid one customer is learned.
    assert store.learned_accounts() == {acme_iban: "ACME"}

    # Later: no reference, no name, an amount three customers have open.
    later = payment_frame([pay(43_210, account="GB29NWBK60161331926819", pid="L1"),
                           pay(43_210, account=parent, pid="L2")])
    q = propose_with(store, later, remittance_frame([]), led)
    acme = q[q["payment_id"] == "L1"]
    assert acme[["customer_id", "document", "apply_cents", "action"]].values.tolist() == [
        ["ACME", "INV-1005", 43_210, "auto"]]
    assert "payer account GB29NWBK60161331926819 was used by ACME before" in \
        acme["evidence"].iloc[0]
    # The parent's account identifies nobody: nothing is applied on its strength.
    other = q[q["payment_id"] == "L2"]
    assert other["action"].tolist() != ["auto"] and other["apply_cents"].sum() == 0
    assert not other["evidence"].str.contains("payer account").any()


def test_a_similar_name_is_not_enough_when_two_customers_look_alike():
    custs = pd.DataFrame({"customer_id": ["L1", "L2"],
                          "customer_name": ["Lopez Hermanos SA", "Lopez Hermanos SL"]})
    led = items([("L1", "X-1", 10000), ("L2", "X-2", 10000)])
    p = match_payments(payment_frame([pay(10000, "", "LOPEZ HERMANOS")]),
                       remittance_frame([]), led, custs)
    assert p["action"].tolist() != ["auto"]


def _thirty_items(second_pair_sum: int = 1_000_003):
    """30 open items of BETA, oldest first: D1000 + D1001 make 10,000.03, and so may
    D1025 + D1026 (the newest but three).  Every other item ends in 0 cents and is over
    1,000.00, so no other combination can make an amount ending in 3."""
    rows = [("BETA", f"D{1000 + k}", 150_000 + 10_000 * k, "NET 30",
             f"2026-{1 + k // 28:02d}-{1 + k % 28:02d}") for k in range(30)]
    rows[0], rows[1] = rows[0][:2] + (400_001,) + rows[0][3:], rows[1][:2] + (600_002,) + \
        rows[1][3:]
    rows[25] = rows[25][:2] + (300_001,) + rows[25][3:]
    rows[26] = rows[26][:2] + (second_pair_sum - 300_001,) + rows[26][3:]
    return items(rows)


def test_a_combination_is_only_the_only_one_when_every_item_was_searched():
    accounts = {"ES1234567890": "BETA"}
    payment = [pay(1_000_003, "", "", account="ES1234567890")]
    # D1000 + D1001 and D1025 + D1026 both make 10,000.03: review, never a guess
    p = run(payment, _thirty_items(), accounts=accounts)
    assert p["action"].tolist() == ["review"] and p["apply_cents"].sum() == 0
    assert "several combinations" in p["evidence"].iloc[0]
    # with D1026 changed, D1000 + D1001 is the only one, and all 30 items were searched
    q = run(payment, _thirty_items(1_000_103), accounts=accounts)
    assert sorted(q["document"]) == ["D1000", "D1001"] and set(q["action"]) == {"auto"}
    assert "the only combination" in q["evidence"].iloc[0]
    # a search of 10 of the 30 items cannot know: the one found waits for the specialist,
    # whatever the threshold, and the evidence says how much was searched
    r = run(payment, _thirty_items(), accounts=accounts, max_combination_items=10,
            auto_confidence=0.1)
    assert sorted(r["document"]) == ["D1000", "D1001"] and set(r["action"]) == {"review"}
    assert "only the 10 oldest of the 30 open items" in r["evidence"].iloc[0]
    assert "the only combination" not in r["evidence"].iloc[0]


def test_an_rf_creditor_reference_anywhere_in_the_text_names_its_document():
    assert reference_tokens("Payment RF18539007547034") == {"539007547034"}
    # printed in groups of four: one reference, not the documents 5390 and 7034
    assert reference_tokens("RF18 5390 0754 7034 / E2E-1") == {"539007547034"}
    assert reference_tokens("rf18 5390 0754 7034 thanks, INV 104233") == \
        {"539007547034", "104233"}
    led = items([("ACME", "539007547034", 120_000), ("ACME", "INV-1", 120_000),
                 ("BETA", "INV-5390", 120_000), ("GAMMA", "INV-7034", 120_000)])
    for text in ("Payment RF18539007547034", "RF18 5390 0754 7034 / E2E-1"):
        p = run([pay(120_000, text)], led)
        assert p["document"].tolist() == ["539007547034"], text
        assert p["rule"].iloc[0] == "reference" and p["action"].iloc[0] == "auto"


def test_an_rf_reference_whose_check_digits_fail_is_no_reference():
    assert reference_tokens("RF19 5390 0754 7034 / E2E-1") == set()
    assert reference_tokens("RF19539007547034") == set()
    led = items([("ACME", "539007547034", 120_000), ("BETA", "INV-5390", 120_000),
                 ("GAMMA", "INV-7034", 120_000)])
    p = run([pay(120_000, "RF19 5390 0754 7034 / E2E-1")], led)
    assert p["apply_cents"].sum() == 0 and p["action"].iloc[0] != "auto"
    assert "RF19 5390 0754 7034 is not a valid RF creditor reference" in p["evidence"].iloc[0]


def test_a_payer_name_misspelt_in_two_words_still_identifies_the_customer():
    led = items([("ACME", "INV-7001", 43_210), ("ACME", "INV-7002", 99_000),
                 ("GAMMA", "INV-7003", 43_210)])
    p = run([pay(43_210, "thank you", "Acme Industial Suply Co")], led)
    assert p["document"].tolist() == ["INV-7001"] and p["action"].tolist() == ["auto"]
    assert p["rule"].iloc[0] == "customer+amount" and p["customer_id"].iloc[0] == "ACME"
    assert "'Acme Industrial Supply LLC' (95%)" in p["evidence"].iloc[0]
    # nothing like any customer's name still places nobody
    assert run([pay(43_210, "thank you", "Zqx Vrbl Mnop")], led)["action"].tolist() == \
        ["unidentified"]


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=1, max_value=10_000))
def test_never_more_applied_than_paid_and_every_receipt_has_a_proposal(seed):
    from xlar.demo import generate_ledger

    led = generate_ledger(customers=40, items=400, seed=seed % 5)
    sim = simulate_receipts(led.items, led.customers, 60, seed)
    p = match_payments(sim.payments, sim.remittances, led.items, led.customers, sim.accounts,
                       sim.posted)
    assert set(p["payment_id"]) == set(sim.payments["payment_id"])
    for _pid, g in p.groupby("payment_id"):
        amount = int(g["payment_cents"].iloc[0])
        if g["action"].iloc[0] in ("auto", "review") and g["document"].ne("").any():
            # cash in = cash applied + cash left on account, to the cent
            assert int(g["apply_cents"].sum()) + int(g["on_account_cents"].sum()) == amount
        # nothing reduces an item by more than it owes
        for r in g[g["document"] != ""].itertuples():
            reduce = r.apply_cents + r.discount_cents + r.writeoff_cents + r.deduction_cents
            assert abs(reduce) <= abs(r.open_cents)
    outcomes = score(p, sim.truth)
    assert (outcomes["outcome"] == "wrong").mean() <= 0.02
    assert np.isin(p["action"], ["auto", "review", "unidentified", "duplicate", "ignore"]).all()
