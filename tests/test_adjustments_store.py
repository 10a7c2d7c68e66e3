"""Posting adjustments to the activity store, on SQLite and PostgreSQL: once per request,
balanced journal lines, approvals recorded, and document numbers without gaps or duplicates
when two real processes post at the same moment."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.adjustments import customers_frame, item, items_frame
from support.processes import run_together

from xlar.adjustments.drafts import draft_adjustments
from xlar.adjustments.journal import unbalanced
from xlar.adjustments.ledger import apply_documents
from xlar.adjustments.policy import AdjustmentError, policy_from_settings
from xlar.adjustments.requests import parse_request
from xlar.settings import Settings
from xlar.store import schema as s
from xlar.store.adjustments import AdjustmentBook
from xlar.store.api import open_store

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 10, 15)
POLICY = policy_from_settings(Settings(
    tax_rates="8.25%", commission_rates="default=5%",
    authority_limits="ana=500; luis=5000", default_authority_limit="250.00"))
ITEMS = [item("C1", "INV-1", amount=1082.50, sales_partner="North"),
         item("C1", "INV-2", amount=900, sales_partner="North"),
         item("C1", "PAY-1", "payment", -75)]
CUSTOMERS = [dict(customer_id="C1", customer_name="Acme", terms="NET 30")]


@pytest.fixture
def books(store_url):
    opened = []

    def book(user: str) -> AdjustmentBook:
        store = open_store(store_url, user=user)
        opened.append(store)
        return AdjustmentBook(store)

    yield book
    for store in opened:
        store.engine.dispose()


def drafts(book: AdjustmentBook, *rows, user=None):
    reqs = [parse_request(i + 1, r) for i, r in enumerate(rows)]
    return draft_adjustments(reqs, items_frame(ITEMS), customers_frame(CUSTOMERS), POLICY,
                             book.history(), user or book.user, DAY)


def count(book: AdjustmentBook, table) -> int:
    with book.store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


REBILL = dict(kind="credit and rebill", customer_id="C1", document="INV-1", amount=900)
BIG_WRITE_OFF = dict(kind="write-off", customer_id="C1", document="INV-2",
                     reason_code="bad debt")


def test_a_posting_is_recorded_once_with_its_numbers_and_a_balanced_entry(books):
    book = books("ana")
    (d,) = drafts(book, REBILL)
    first = book.post(d, POLICY, DAY)
    assert first.new and first.numbers == ("CM-2026-000001", "INV-2026-000001")
    again = book.post(d, POLICY, DAY)
    assert (again.new, again.numbers, again.journal) == (False, first.numbers, ())
    # a second program drafting the same row sees it posted, and posting it changes nothing
    (seen,) = drafts(books("luis"), REBILL)
    assert seen.status == "posted" and seen.numbers == first.numbers
    assert "posted as CM-2026-000001 and INV-2026-000001" in seen.why
    assert not books("luis").post(seen, POLICY, DAY).new
    journal = book.journal()
    assert len(journal) == 8 and unbalanced(journal.itertuples(index=False)) == ""
    assert journal["entry_id"].unique().tolist() == ["CM-2026-000001"]
    assert count(book, s.adjustment_documents) == 2 and count(book, s.journal_lines) == 8
    log = book.store.log()
    posted = log[log["action"] == "adjustment_posted"]
    assert len(posted) == 1 and posted.iloc[0]["who"] == "ana"
    assert posted.iloc[0]["payload"]["numbers"] == list(first.numbers)
    assert posted.iloc[0]["amount_cents"] == -10825
    # what the store remembers for the next drafting
    h = book.history()
    assert h.credited == {("C1", "INV-1"): 108250}
    assert h.invoices == {("C1", "INV-2026-000001"): (90000, 7425)}
    assert h.posted[d.request.request_id].commission.commission_cents == -500
    assert book.commissions()[["partner", "base_cents", "commission_cents"]].values.tolist() \
        == [["North", -10000, -500]]


def test_write_off_above_authority_waits_for_approval_which_is_recorded(books):
    ana, luis, pat, marta = books("ana"), books("luis"), books("pat"), books("marta")
    (d,) = drafts(ana, BIG_WRITE_OFF)
    assert d.status == "needs approval"
    assert d.approval == "the write-off of $900.00 is above ana's authority of $500.00"
    with pytest.raises(AdjustmentError, match="is needs approval is not posted"):
        ana.post(d, POLICY, DAY)
    # Forcing it (a tampered status) is refused inside the posting transaction.
    with pytest.raises(AdjustmentError, match="needs approval and is not decided; nothing"):
        ana.post(d._replace(status="approved"), POLICY, DAY)
    assert count(ana, s.adjustment_documents) == count(ana, s.journal_lines) == 0
    assert count(ana, s.number_series) == 0  # no number was drawn for good
    assert ana.request_approval(d).new and not ana.request_approval(d).new
    rid = d.request.request_id
    (waiting,) = drafts(ana, BIG_WRITE_OFF)
    assert waiting.status == "waiting for approval"
    with pytest.raises(AdjustmentError, match="ana sent .* and cannot decide on it too"):
        ana.decide(rid, "approve", POLICY)
    with pytest.raises(AdjustmentError, match=r"pat's authority of \$250.00 is below the "
                                              r"\$900.00 asked"):
        pat.decide(rid, "approve", POLICY)
    w = luis.decide(rid, "approve", POLICY, "customer in liquidation")
    assert w.new
    assert not marta.decide(rid, "reject", POLICY).new  # decided already: nothing recorded
    state = ana.approvals_state()[rid]
    assert (state.status, state.decided_by, state.requested_by, state.note) == \
        ("approved", "luis", "ana", "customer in liquidation")
    log = ana.store.log()
    assert log[log["action"] == "adjustment_approved"]["who"].tolist() == ["luis"]
    # posted by the next Post, once
    (approved,) = drafts(ana, BIG_WRITE_OFF)
    assert approved.status == "approved" and "Approved by luis" in approved.why
    posted = ana.post(approved, POLICY, DAY)
    assert posted.new and posted.numbers == ("WO-2026-000001",)
    assert not ana.post(approved, POLICY, DAY).new
    (after,) = drafts(ana, BIG_WRITE_OFF)
    assert after.status == "posted"
    # the partner's commission goes down with the net part of what was written off
    assert [(r.role, r.debit_cents, r.credit_cents) for r in ana.journal().itertuples()] == [
        ("allowance", 90000, 0), ("ar", 0, 90000), ("commission_expense", 0, 4157),
        ("commission_payable", 4157, 0)]


def test_a_rejected_request_is_not_posted(books):
    ana, luis = books("ana"), books("luis")
    refund = dict(kind="refund", customer_id="C1", document="PAY-1", refund_method="ach")
    (d,) = drafts(ana, refund)
    ana.request_approval(d)
    assert luis.decide(d.request.request_id, "reject", POLICY, "pay it against INV-2").new
    (again,) = drafts(ana, refund)
    assert again.status == "rejected" and again.why == "rejected by luis: pay it against INV-2"
    with pytest.raises(AdjustmentError):
        ana.post(again, POLICY, DAY)
    assert count(ana, s.adjustment_documents) == 0


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["credit memo", "credit and rebill", "write-off",
                                           "invoice"]),
                          st.sampled_from(["INV-1", "INV-2"]), st.integers(1, 150_000)),
                min_size=1, max_size=6))
def test_posted_entries_balance_and_move_balances_by_their_amounts(tmp_path_factory, rows):
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('h') / 'store.sqlite'}",
                       user="luis")
    book = AdjustmentBook(store)
    typed = [dict(kind=k, customer_id="C1", document="" if k == "invoice" else doc,
                  amount=f"{cents / 100:.2f}", reason_code="bad debt" if k == "write-off" else
                  "pricing", note=str(i)) for i, (k, doc, cents) in enumerate(rows)]
    for d in drafts(book, *typed):
        if d.status in ("ready", "approved"):
            book.post(d, POLICY, DAY)
    journal = book.journal()
    history = book.history()
    assert unbalanced(journal.itertuples(index=False)) == ""
    docs = [doc for p in history.posted.values() for doc in p.documents]
    ar = journal[journal["role"] == "ar"]
    assert int((ar["debit_cents"] - ar["credit_cents"]).sum()) == sum(d.ar_cents for d in docs)
    before = items_frame(ITEMS)
    after = apply_documents(before, docs)
    assert int(after["open_cents"].sum() - before["open_cents"].sum()) == \
        sum(d.ar_cents for d in docs)
    store.engine.dispose()


# -- two people posting at once ---------------------------------------------------------------

WRITER = textwrap.dedent('''
    import datetime as dt, json, sys, time
    from xlar.adjustments.model import Draft, DraftDocument
    from xlar.adjustments.policy import policy_from_settings
    from xlar.adjustments.requests import AdjustmentRequest
    from xlar.settings import Settings
    from xlar.store.adjustments import AdjustmentBook
    from xlar.store.api import open_store

    url, me, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = open_store(url, user=me)
    book, policy = AdjustmentBook(store), policy_from_settings(Settings())
    day = dt.date(2026, 10, 15)

    def draft(rid, rebill):
        req = AdjustmentRequest(1, rid, "rebill" if rebill else "credit_memo", "C1", "INV-1",
                                None, (), "pricing", "", "", "", "", "")
        docs = [DraftDocument("credit_memo", "C1", "Acme", "USD", day, None, 1000, 0, -1000,
                              "C1|invoice|INV-1", "INV-1", gl_role="sales_returns")]
        if rebill:
            docs.append(DraftDocument("invoice", "C1", "Acme", "USD", day, day, 900, 0, 900,
                                      "", "INV-1", gl_role="revenue"))
        return Draft(req, "ready", "concurrency test", tuple(docs))

    print("ready", flush=True)
    sys.stdin.readline()
    out = []
    for i in range(n):
        for rid in [f"ADJ-{me}-{i}"] + ([f"ADJ-BOTH-{i}"] if i % 4 == 0 else []):
            p = book.post(draft(rid, i % 3 == 0), policy, day)
            out.append([rid, p.new, list(p.numbers)])
            time.sleep(0.003)  # a breath between clicks lets the other writer in (SQLite's
            #                    lock is not fair: a tight loop would keep taking it)
    store.engine.dispose()
    print(json.dumps(out), flush=True)
''')


def test_two_processes_posting_at_once_get_numbers_without_gaps_or_duplicates(books,
                                                                              store_url):
    n = 30
    book = books("check")  # creates the schema before the writers start
    results = run_together(WRITER, {me: [store_url, me, str(n)] for me in ("a", "b")},
                           timeout=120)
    rows = [(me, rid, new, tuple(nums)) for me, rs in results.items() for rid, new, nums in rs]
    # each request posted exactly once; the shared ones: one writer posted, the other was
    # told the same numbers
    by_request: dict[str, list] = {}
    for _me, rid, new, nums in rows:
        by_request.setdefault(rid, []).append((new, nums))
    for rid, seen in by_request.items():
        assert sorted(new for new, _ in seen) == ([False, True] if "BOTH" in rid else [True])
        assert len({nums for _, nums in seen}) == 1, rid
    docs = book.documents()
    assert len(docs) == len(set(docs["number"]))  # no duplicates
    for series, group in docs.groupby("series"):
        seqs = sorted(group["seq"].tolist())
        assert seqs == list(range(1, len(seqs) + 1)), series  # no gaps
    expected = {"credit_memo:2026": len(by_request),
                "invoice:2026": sum(1 for rid in by_request if int(rid.rsplit("-", 1)[1]) % 3 == 0)}
    assert docs.groupby("series").size().to_dict() == expected
    with book.store.engine.connect() as conn:
        last = dict(conn.execute(sa.select(s.number_series.c.series,
                                           s.number_series.c.last_number)).all())
    assert last == expected  # the counters drew nothing that was given back and lost
    journal = book.journal()
    assert unbalanced(journal.itertuples(index=False)) == ""
    assert journal["entry_id"].nunique() == len(by_request)
    numbers = pd.Series([nums[0] for seen in by_request.values() for _, nums in seen[:1]])
    assert numbers.is_unique
