"""Two specialists working the same customers at the same moment, as two real processes.

Each specialist has a workbench of their own; both point at one activity store, either
a team's PostgreSQL or an SQLite file in a shared folder.  They receive the same
customers' money in two bank files (a payment the bank sent twice, or two payers
settling one invoice), each matches and approves it, and both press Post Payments at
the same instant.  Right after, both save edits of the same account note and post
credit memos for the same customer.

What must hold (what tests/test_store.py and tests/test_adjustments_store.py prove for
notes and numbers alone is not repeated here):

* no double application: each invoice gets one application, the other specialist's
  payment is refused with a reason naming the invoice and who posted it, and every open
  amount equals what was open minus what was applied, to the cent;
* no lost update: every note edit is a version, numbered without gaps;
* no duplicate document number: credit memos numbered without gaps or repeats.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from support.processes import run_together

from xlar.actions import run_on_file
from xlar.cashapp.simulate import bai2_statement, simulate_receipts
from xlar.demo import generate_ledger, write_demo_export
from xlar.imports import read_open_items
from xlar.model import customers_from_items
from xlar.store import schema as s
from xlar.store.api import open_store

ROOT = Path(__file__).resolve().parent.parent

SPECIALIST = textwrap.dedent('''
    import datetime as dt, json, sys
    import xlar.cashapp.workbook as cash
    from xlar.actions import run_on_file

    wb, me, note_id, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    planned = cash.plan_postings

    def plan_then_wait(*args, **kwargs):
        # Both have read the open items and planned their postings: now both post at once.
        plan = planned(*args, **kwargs)
        print("ready", flush=True)
        sys.stdin.readline()
        return plan

    cash.plan_postings = plan_then_wait
    outcome = run_on_file("post_payments", wb)

    from xlar.adjustments.model import Draft, DraftDocument
    from xlar.adjustments.policy import policy_from_settings
    from xlar.adjustments.requests import AdjustmentRequest
    from xlar.settings import Settings
    from xlar.store.adjustments import AdjustmentBook
    from xlar.workbench.accounts import workbench_store
    from xlar.workbench.port import XlsxPort

    store = workbench_store(XlsxPort(wb))  # the team's store, acting as *me*
    book, policy = AdjustmentBook(store), policy_from_settings(Settings())
    day = dt.date(2026, 10, 31)
    versions, numbers = [], []
    for i in range(n):
        w = store.save_version("note", dict(customer_id="C10001", note_date=day,
                                            text=f"{me} call {i}"), record_id=note_id,
                               key=f"{me}:note:{i}")
        versions.append(w.version)
        req = AdjustmentRequest(1, f"ADJ-{me}-{i}", "credit_memo", "C10001", "INV-1", None, (),
                                "pricing", "", "", "", "", "")
        doc = DraftDocument("credit_memo", "C10001", "Acme", "USD", day, None, 500, 0, -500,
                            "C10001|invoice|INV-1", "INV-1", gl_role="sales_returns")
        numbers += list(book.post(Draft(req, "ready", "test", (doc,)), policy, day).numbers)
    print(json.dumps({"message": outcome.message, "details": list(outcome.details),
                      "versions": versions, "numbers": numbers}), flush=True)
''')


@pytest.fixture(params=["sqlite-shared-folder", pytest.param("postgresql",
                                                            marks=pytest.mark.postgres)])
def team(request, tmp_path, monkeypatch):
    """Two workbenches on one export, one store for both, and two bank files paying the
    same invoices (the second under other bank references, so other payment ids)."""
    monkeypatch.delenv("XLAR_DB_URL", raising=False)
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        name = server.create_database()
        request.addfinalizer(lambda: server.drop_database(name))
        url = server.url(name)
    else:
        (tmp_path / "shared").mkdir()
        url = f"sqlite:///{tmp_path / 'shared' / 'team.activity.sqlite'}"
    ledger = generate_ledger(customers=12, items=150, seed=31)
    export = write_demo_export(ledger, tmp_path / "open_items.csv")
    items = read_open_items(export).items
    sim = simulate_receipts(items, customers_from_items(items), 25, 3, as_of=ledger.as_of)
    books = []
    for me, suffix in (("ana", ""), ("ben", "B")):
        (tmp_path / me).mkdir()
        wb = tmp_path / me / "AR Workbench.xlsx"
        run_on_file("setup_workbench", wb, db_url=url, source_file=str(export),
                    as_of=ledger.as_of.isoformat(), user_name=me)
        run_on_file("refresh_aging", wb)
        statement = tmp_path / me / "statement.bai2"
        payments = sim.payments.assign(bank_reference=sim.payments["bank_reference"] + suffix)
        statement.write_text(bai2_statement(payments, sim.remittances, ledger.as_of), "utf-8")
        run_on_file("import_bank_file", wb, file=str(statement))
        books.append((me, wb))
    return url, items, books


def _approved(wb: Path) -> pd.DataFrame:
    from xlar.cashapp.workbook import read_proposals
    from xlar.workbench.port import XlsxPort

    p = read_proposals(XlsxPort(wb))
    return p[p["approve"] == "Yes"]


def test_two_specialists_post_to_the_same_invoices_at_once_and_nothing_is_applied_twice(team):
    url, items, books = team
    approved = {me: _approved(wb) for me, wb in books}
    shared_items = set(approved["ana"]["item_key"]) & set(approved["ben"]["item_key"]) - {""}
    assert len(shared_items) >= 10  # both approved payments for the same invoices
    store = open_store(url)
    note_id = store.save_version("note", dict(customer_id="C10001", note_date=pd.Timestamp(
        "2026-10-31").date(), text="start"), key="team:start").record_id
    n = 12
    results = run_together(SPECIALIST, {me: [str(wb), me, note_id, str(n)] for me, wb in books},
                           timeout=180, drop_env=("XLAR_DB_URL",))

    with store.engine.connect() as conn:
        apps = pd.read_sql(sa.select(s.cash_applications), conn)
        receipts = pd.read_sql(sa.select(s.cash_receipts), conn)
    # no double application: one application per invoice, never two from one balance
    assert apps["item_key"].is_unique, apps[apps["item_key"].duplicated(keep=False)]
    opened = items.set_index("item_key")["open_cents"]
    reduce = (apps["apply_cents"] + apps["discount_cents"] + apps["writeoff_cents"]) \
        .groupby(apps["item_key"]).sum()
    for key, cut in reduce.items():
        assert 0 <= opened[key] - cut <= opened[key] or opened[key] < 0, key
    # each shared invoice was paid by exactly one of the two; the other was told why
    by_whom = receipts.set_index("payment_id")["created_by"]
    winners = apps.assign(who=apps["payment_id"].map(by_whom)).set_index("item_key")["who"]
    assert set(winners.reindex(sorted(shared_items)).dropna()) <= {"ana", "ben"}
    assert winners.reindex(sorted(shared_items)).notna().all()
    refused = [d for r in results.values() for d in r["details"]]
    losers = sum(1 for key in shared_items for me in ("ana", "ben")
                 if winners[key] != me and key in set(approved[me]["item_key"]))
    conflicts = [d for d in refused if "while this posting was being prepared" in d]
    assert conflicts and len(conflicts) <= losers
    assert all("posted by ana" in d or "posted by ben" in d for d in conflicts)
    # every receipt whole: applied + on account = the payment
    per = apps.groupby("payment_id")["apply_cents"].sum()
    for r in receipts.itertuples():
        if r.status == "applied":
            assert per.get(r.payment_id, 0) + r.on_account_cents == r.amount_cents

    # both workbenches show the same open amounts: the export less what was applied
    from xlar.workbench.port import XlsxPort

    for _, wb in books:
        f = XlsxPort(wb).table_frame("OpenItems")
        shown = {k: round(float(v) * 100) for k, v in zip(f["Key"], f["Open Amount"],
                                                           strict=True)}
        for key, was in opened.items():
            assert shown.get(key, 0) == was - int(reduce.get(key, 0)), key

    # no lost update: every edit of the shared note is a version, 1..2n+1 without gaps
    hist = store.history("note", note_id)
    assert hist["version"].tolist() == list(range(1, 2 * n + 2))
    assert sorted(v for r in results.values() for v in r["versions"]) == \
        list(range(2, 2 * n + 2))
    # no duplicate document number, no gap
    numbers = [x for r in results.values() for x in r["numbers"]]
    assert len(numbers) == len(set(numbers)) == 2 * n
    docs = pd.read_sql(sa.select(s.adjustment_documents), store.engine.connect())
    assert sorted(docs["seq"]) == list(range(1, 2 * n + 1))
    store.engine.dispose()
