"""Month-end AR -> GL reconciliation on a prepared month whose differences are known:
each is listed, in its category, with its amount, and nothing is left unexplained."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from support.adjustments import (
    GL_DETAIL,
    MONTH_CREDIT,
    MONTH_CREDIT_DAY,
    MONTH_CUSTOMERS,
    MONTH_DIFFERENCES,
    MONTH_GL_CENTS,
    MONTH_ITEMS,
    MONTH_SUBLEDGER_CENTS,
    customers_frame,
    items_frame,
    write_month,
)

from xlar.adjustments.drafts import draft_adjustments
from xlar.adjustments.journal import journal_entry, journal_frame
from xlar.adjustments.ledger import apply_documents
from xlar.adjustments.model import History
from xlar.adjustments.policy import AdjustmentError, policy_from_settings
from xlar.adjustments.reconciliation import (
    period_bounds,
    read_gl_detail,
    read_trial_balance,
    reconcile,
)
from xlar.adjustments.requests import parse_request
from xlar.settings import Settings

POLICY = policy_from_settings(Settings(tax_rates="8.25%"))
END = dt.date(2026, 10, 31)


def month_after_the_credit():
    """The sub-ledger with the xlar credit memo posted, and its journal."""
    items = items_frame(MONTH_ITEMS)
    (d,) = draft_adjustments([parse_request(1, MONTH_CREDIT)], items,
                             customers_frame(MONTH_CUSTOMERS), POLICY, History(), "ana",
                             MONTH_CREDIT_DAY)
    assert d.status == "ready", d.why
    docs = [d.documents[0]._replace(number="CM-2026-000001")]
    journal = journal_frame(journal_entry(docs, None, POLICY, MONTH_CREDIT_DAY, "ADJ-X"))
    return apply_documents(items, docs), journal


def test_prepared_month_lists_each_difference_and_leaves_nothing_unexplained(tmp_path):
    tb_path, detail_path = write_month(tmp_path)
    tb, detail = read_trial_balance(tb_path), read_gl_detail(detail_path)
    # the trial balance's own total line is checked, not added
    assert tb.rejections["reason"].tolist() == ["a total line: checked against the rows, "
                                                "not added"]
    assert any("the file's total $0.00 matches" in x for x in tb.decisions)
    assert len(detail.frame) == len(GL_DETAIL.strip().splitlines()) - 1
    subledger, journal = month_after_the_credit()
    rec = reconcile(subledger, tb.frame, detail.frame, journal, POLICY, END)
    assert (rec.gl_total, rec.subledger_total) == (MONTH_GL_CENTS, MONTH_SUBLEDGER_CENTS)
    assert rec.difference == MONTH_GL_CENTS - MONTH_SUBLEDGER_CENTS == 76325
    got = {(r.category, r.reference, r.amount_cents) for r in rec.items.itertuples()}
    assert got == MONTH_DIFFERENCES
    assert len(rec.items) == len(MONTH_DIFFERENCES)  # each difference once
    assert (rec.explained, rec.unexplained) == (rec.difference, 0)
    why = dict(zip(rec.items["reference"], rec.items["description"], strict=True))
    assert why["I-1031"] == "invoice of C3 dated 2026-10-31, in the GL on 2026-11-02"
    assert why["I-1101"] == "Invoice I-1101: in the GL on 2026-10-31, in the sub-ledger on " \
                            "2026-11-01"
    assert why["I-1020"] == "I-1020 is $800.00 in the sub-ledger and $780.00 in the GL"
    assert why["ACCR-10"] == "Accrued rebate reclass (source GJ)"
    assert "export it (xlar adjust journal)" in why["CM-2026-000001"]
    assert "unapplied cash (2450)" in why["P-1022"]


def test_once_the_gl_has_the_journal_only_the_other_differences_remain(tmp_path):
    tb_path, detail_path = write_month(tmp_path)
    subledger, journal = month_after_the_credit()
    # the journal was exported and imported: the GL has the credit, its balance is lower
    detail = read_gl_detail(detail_path).frame
    imported = pd.DataFrame([{"account": "1200", "amount_cents": -10825, "line": 99,
                              "posted_on": MONTH_CREDIT_DAY, "reference": "CM-2026-000001",
                              "description": "xlar credit memo", "source": "XLAR"}])
    detail = pd.concat([detail, imported], ignore_index=True)
    tb = read_trial_balance(tb_path).frame
    tb.loc[tb["account"] == "1200", "balance_cents"] -= 10825
    rec = reconcile(subledger, tb, detail, journal, POLICY, END)
    refs = set(rec.items["reference"])
    assert "CM-2026-000001" not in refs and len(refs) == len(MONTH_DIFFERENCES) - 1
    assert rec.unexplained == 0


def test_an_unexplained_difference_stays_visible_and_brought_forward_explains_it(tmp_path):
    tb_path, detail_path = write_month(tmp_path)
    subledger, journal = month_after_the_credit()
    tb = read_trial_balance(tb_path).frame
    tb.loc[tb["account"] == "1200", "balance_cents"] += 1234  # an old, unknown difference
    detail = read_gl_detail(detail_path).frame
    rec = reconcile(subledger, tb, detail, journal, POLICY, END)
    assert rec.unexplained == 1234
    rec = reconcile(subledger, tb, detail, journal, POLICY, END, brought_forward_cents=1234)
    assert rec.unexplained == 0 and "brought forward" in set(rec.items["category"])


def test_bad_gl_files_are_clear_errors(tmp_path):
    p = tmp_path / "tb.csv"
    p.write_text("Konto;Saldo\n1200;5\n", encoding="utf-8")
    with pytest.raises(AdjustmentError, match="no header row found with the columns account"):
        read_trial_balance(p)
    p.write_text("Account,Balance\n1000,5.00\n", encoding="utf-8")
    subledger, journal = month_after_the_credit()
    with pytest.raises(AdjustmentError, match="no line for AR control account.s. 1200"):
        reconcile(subledger, read_trial_balance(p).frame, None, journal, POLICY, END)
    with pytest.raises(AdjustmentError, match="is not a month"):
        period_bounds("October")
    assert period_bounds("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    d = tmp_path / "detail.csv"
    d.write_text("Account,Date,Reference,Amount\n1200,31/31/2026,X,5\n1200,10/01/2026,Y,"
                 "abc\n1200,10/02/2026,Z,7.00\n", encoding="utf-8")
    read = read_gl_detail(d)
    assert read.frame["reference"].tolist() == ["Z"]
    assert sorted(read.rejections["line"].tolist()) == [2, 3]


def test_cash_posted_in_xlar_and_not_yet_in_the_gl_is_explained(tmp_path):
    """A receipt posted in xlar on 10/29 paid 500.00 of I-1005 and left 20.00 on account:
    the sub-ledger shows it, the GL will when the ERP imports the posting file."""
    from xlar.cashapp.posting import cash_ar_entries

    tb_path, detail_path = write_month(tmp_path)
    subledger, journal = month_after_the_credit()
    subledger.loc[subledger["document"] == "I-1005", "open_cents"] -= 50000
    on_account = subledger.iloc[[0]].assign(document="PAY-77", doc_type="payment",
                                            original_cents=-2000, open_cents=-2000,
                                            doc_date=pd.Timestamp("2026-10-29"))
    subledger = pd.concat([subledger, on_account], ignore_index=True)
    receipts = pd.DataFrame([{"payment_id": "PAY-77", "customer_id": "C1",
                              "value_date": dt.date(2026, 10, 29), "amount_cents": 52000,
                              "currency": "USD", "bank_reference": "CHK 4411",
                              "on_account_cents": 2000, "status": "applied",
                              "created_at": pd.Timestamp("2026-10-29 15:00")}])
    applications = pd.DataFrame([{"payment_id": "PAY-77", "apply_cents": 50000,
                                  "discount_cents": 0, "writeoff_cents": 0}])
    tb, detail = read_trial_balance(tb_path).frame, read_gl_detail(detail_path).frame

    # without what xlar posted, the 500.00 applied is left unexplained (the 20.00 on
    # account passes for cash the GL keeps in unapplied cash, which it is not)
    assert reconcile(subledger, tb, detail, journal, POLICY, END).unexplained == 50000
    rec = reconcile(subledger, tb, detail, journal, POLICY, END,
                    cash=cash_ar_entries(receipts, applications))
    got = {(r.category, r.reference, r.amount_cents) for r in rec.items.itertuples()}
    assert got == MONTH_DIFFERENCES | {("in sub-ledger, not in GL", "PAY-77", 52000)}
    assert rec.unexplained == 0
    why = dict(zip(rec.items["reference"], rec.items["description"], strict=True))
    assert why["PAY-77"].startswith("xlar cash receipt PAY-77 of C1 ($520.00 off AR): not in "
                                    "the GL")

    # the ERP imported it (the GL detail names the check) and the TB moved: nothing to say
    imported = pd.DataFrame([{"account": "1200", "amount_cents": -52000, "line": 98,
                              "posted_on": dt.date(2026, 10, 30), "reference": "CHK 4411",
                              "description": "Cash receipt", "source": "CR"}])
    tb.loc[tb["account"] == "1200", "balance_cents"] -= 52000
    rec = reconcile(subledger, tb, pd.concat([detail, imported], ignore_index=True), journal,
                    POLICY, END, cash=cash_ar_entries(receipts, applications))
    assert "PAY-77" not in set(rec.items["reference"]) and rec.unexplained == 0
