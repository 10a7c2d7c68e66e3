"""The activity store, on SQLite and on a real PostgreSQL server (``store_url``).

What a user would notice: the same action done twice is recorded once and says
so; an edit is a new version and nothing is ever overwritten; money, dates and
bucket figures come back exactly; two people (two processes) writing to the same
account at the same moment lose nothing; an old store upgrades and keeps its
data; the store's location follows the documented order and a password never
shows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from support.processes import run_together

from xlar.store import schema as s
from xlar.store.api import Store, open_store
from xlar.store.db import (
    StoreError,
    connect,
    current_revision,
    display_url,
    head_revision,
    resolve_url,
    upgrade,
)

ROOT = Path(__file__).resolve().parent.parent
D = dt.date


@pytest.fixture
def opened():
    """open_store(...) that disposes every engine it made when the test ends."""
    stores: list[Store] = []

    def _open(url, **kw) -> Store:
        store = open_store(url, **kw)
        stores.append(store)
        return store

    yield _open
    for store in stores:
        store.engine.dispose()


@pytest.fixture
def store(store_url, opened) -> Store:
    return opened(store_url, user="ana")


def count(store: Store, table: sa.Table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


DAY = D(2026, 3, 2)


def note(customer="C001", text="Called, left voicemail", day=DAY, **kw) -> dict:
    return dict(customer_id=customer, note_date=day, text=text, **kw)


# --------------------------------------------------------------------------- idempotency

def test_same_key_twice_is_recorded_once_and_says_so(store):
    first = store.record("letter_sent", key="letter:C001:L2:2026-03-02", customer_id="C001",
                         document="INV-1001", amount_cents=125_00, currency="USD",
                         payload={"level": 2})
    again = store.record("letter_sent", key="letter:C001:L2:2026-03-02", customer_id="C001",
                         document="INV-1001", amount_cents=125_00, currency="USD",
                         payload={"level": 2})
    assert first.new and first.message == "recorded"
    assert not again.new
    assert again.message == "already recorded earlier: nothing done"
    assert again.activity_id == first.activity_id
    assert count(store, s.activity) == 1

    # the same for a payment (no second payment row) and a versioned record (no v2)
    p1 = store.add_payment("C001", D(2026, 3, 3), 500_00, "USD", key="lockbox:0303:17")
    p2 = store.add_payment("C001", D(2026, 3, 3), 500_00, "USD", key="lockbox:0303:17")
    n1 = store.save_version("note", note(), key="note:abc")
    n2 = store.save_version("note", note(), key="note:abc")
    assert (p1.new, p2.new, n1.new, n2.new) == (True, False, True, False)
    assert n2.activity_id == n1.activity_id
    assert (n2.record_id, n2.version) == (n1.record_id, 1)  # the caller learns which record
    assert count(store, s.payments_received) == 1
    assert count(store, s.notes) == 1
    assert count(store, s.activity) == 3


def test_missing_required_field_is_a_clear_error_at_once(store):
    with pytest.raises(ValueError, match="note: missing fields note_date"):
        store.save_version("note", {"customer_id": "C001", "text": "no date"}, key="k")
    with pytest.raises(ValueError, match="unknown fields colour"):
        store.save_version("note", note(colour="red"), key="k2")
    assert count(store, s.activity) == 0


# --------------------------------------------------------------------------- versions

def test_an_edit_is_a_new_version_and_nothing_is_overwritten(store):
    first = store.save_version("note", note(text="Promised to pay Friday"), key="n1")
    assert first.new and first.version == 1 and first.record_id
    edit = store.save_version("note", note(text="Promised to pay Friday; confirmed by email",
                                           outcome="promise"),
                              record_id=first.record_id, key="n1-edit")
    assert edit.new and (edit.record_id, edit.version) == (first.record_id, 2)

    latest = store.latest("note")
    assert len(latest) == 1
    row = latest.iloc[0]
    assert row["version"] == 2
    assert row["text"] == "Promised to pay Friday; confirmed by email"
    assert row["outcome"] == "promise"
    assert row["created_by"] == "ana"
    assert store.latest("note", "C001")["record_id"].tolist() == [first.record_id]
    assert store.latest("note", "C999").empty

    hist = store.history("note", first.record_id)
    assert hist["version"].tolist() == [1, 2]
    assert hist["text"].tolist() == ["Promised to pay Friday",
                                     "Promised to pay Friday; confirmed by email"]
    assert hist["note_date"].tolist() == [D(2026, 3, 2)] * 2
    # two rows in the table, two activity entries: an append, not an update
    assert count(store, s.notes) == 2
    assert count(store, s.activity) == 2
    assert store.log()["action"].tolist() == ["note_saved", "note_saved"]


def test_editing_back_and_forth_without_keys_records_every_edit(store):
    """Default keys name the version edited: A -> B -> A -> B is four versions."""
    rid = store.save_version("note", note(text="A")).record_id
    texts = ["B", "A", "B"]
    for text in texts:
        assert store.save_version("note", note(text=text), record_id=rid).new
    assert store.history("note", rid)["text"].tolist() == ["A", "B", "A", "B"]


def test_other_kinds_round_trip(store):
    promise = dict(customer_id="C002", document="INV-7", promised_on=D(2026, 3, 1),
                   promised_date=D(2026, 3, 15), amount_cents=1_234_567_89, currency="EUR",
                   contact="Jo", note="half now")
    dispute = dict(customer_id="C002", document="INV-8", reason_code="pricing",
                   amount_cents=-45_01, currency="EUR", status="open", opened_on=D(2026, 2, 27))
    plan = dict(customer_id="C003", total_cents=9_000_00, currency="USD", installments=3,
                first_date=D(2026, 4, 1), frequency="monthly", documents="INV-1;INV-2")
    for kind, values in (("promise", promise), ("dispute", dispute), ("payment_plan", plan)):
        w = store.save_version(kind, values, key=f"{kind}:1")
        got = store.latest(kind).iloc[0].to_dict()
        assert {k: got[k] for k in values} == values
        assert got["record_id"] == w.record_id and got["version"] == 1
    assert bool(store.latest("promise").iloc[0]["cancelled"]) is False
    assert store.latest("dispute").iloc[0]["resolved_on"] is None
    log = store.log()
    assert log.set_index("action")["amount_cents"].to_dict() == {
        "promise_saved": 1_234_567_89, "dispute_saved": -45_01, "payment_plan_saved": 9_000_00}


# --------------------------------------------------------------------------- logs

def test_payments_holds_and_snapshots_round_trip(store):
    store.add_payment("C001", D(2026, 3, 3), 1_000_000_000_01, "USD", key="p1",
                      document="INV-1", source="lockbox 0303")
    store.add_payment("C001", D(2026, 3, 1), -12_34, "USD", key="p2", source="reversal")
    store.add_payment("C002", D(2026, 3, 2), 7, "JPY", key="p3")
    pays = store.payments()
    assert pays["paid_on"].tolist() == [D(2026, 3, 1), D(2026, 3, 2), D(2026, 3, 3)]
    assert pays["amount_cents"].tolist() == [-12_34, 7, 1_000_000_000_01]
    assert pays["currency"].tolist() == ["USD", "JPY", "USD"]
    assert pays["source"].tolist() == ["reversal", "", "lockbox 0303"]
    assert store.payments("C001")["amount_cents"].sum() == 1_000_000_000_01 - 12_34

    store.hold("C001", "placed", "91+ days past due", key="h1", rule="over_90")
    store.hold("C002", "placed", "over credit limit", key="h2")
    assert store.on_hold() == {"C001": "91+ days past due", "C002": "over credit limit"}
    store.hold("C001", "released", "paid in full", key="h3")
    assert store.on_hold() == {"C002": "over credit limit"}
    store.hold("C001", "placed", "promise broken", key="h4")
    assert store.on_hold() == {"C001": "promise broken", "C002": "over credit limit"}
    assert store.holds()["event"].tolist() == ["placed", "placed", "released", "placed"]
    with pytest.raises(ValueError, match="placed.*released"):
        store.hold("C001", "lifted", "x", key="h5")

    labels = ["Current", "1-30", "31-60", "61-90", "91+"]
    totals = pd.DataFrame([
        {"currency": "USD", "items": 12, "balance_cents": 10_000_000_00_01,
         "past_due_cents": 4_000_00, "disputed_cents": 45_01,
         "Current": 10_000_000_00_01 - 4_000_00,
         "1-30": 1_000_00, "31-60": 2_000_00, "61-90": 999_99, "91+": 1},
        {"currency": "EUR", "items": 1, "balance_cents": -5, "past_due_cents": 0,
         "disputed_cents": 0, "Current": -5, "1-30": 0, "31-60": 0, "61-90": 0, "91+": 0},
    ])
    store.add_snapshot(D(2026, 3, 31), totals, labels, "aging.xlsx", key="snap-0331",
                       customers=5)
    snaps = store.snapshots()
    assert len(snaps) == 2
    usd = snaps[snaps["currency"] == "USD"].iloc[0]
    assert usd["as_of"] == D(2026, 3, 31)
    assert usd["items"] == 12 and usd["customers"] == 5
    assert usd["balance_cents"] == 10_000_000_00_01
    assert usd["current_cents"] == 10_000_000_00_01 - 4_000_00
    assert usd["past_due_cents"] == 4_000_00 and usd["disputed_cents"] == 45_01
    assert usd["buckets"] == {"Current": 10_000_000_00_01 - 4_000_00, "1-30": 1_000_00,
                              "31-60": 2_000_00, "61-90": 999_99, "91+": 1}
    assert list(usd["buckets"]) == labels  # bucket order kept
    eur = snaps[snaps["currency"] == "EUR"].iloc[0]
    assert eur["buckets"]["Current"] == -5
    # the snapshot is one action: repeated, nothing is added
    assert not store.add_snapshot(D(2026, 3, 31), totals, labels, "aging.xlsx",
                                  key="snap-0331").new
    assert len(store.snapshots()) == 2


def test_activity_log_says_who_when_what_for_every_write(store, opened, store_url):
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    store.add_payment("C001", D(2026, 3, 3), 250_00, "USD", key="p1", document="INV-1",
                      source="check 1001")
    store.hold("C001", "placed", "91+ past due", key="h1")
    w = store.save_version("promise", dict(customer_id="C001", document="INV-1",
                                           promised_on=D(2026, 3, 3),
                                           promised_date=D(2026, 3, 10),
                                           amount_cents=100_00, currency="USD"), key="pr1")
    bob = opened(store_url, user="bob")
    bob.record("letter_sent", key="l1", customer_id="C002", payload={"level": 1, "lang": "es"})
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=1)

    log = store.log()
    assert len(log) == 4
    assert log["action"].tolist() == ["letter_sent", "promise_saved", "credit_hold_placed",
                                      "payment_received"]  # newest first
    assert log["who"].tolist() == ["bob", "ana", "ana", "ana"]
    assert log["customer_id"].tolist() == ["C002", "C001", "C001", "C001"]
    assert all(before <= at.to_pydatetime() <= after for at in log["at"])
    assert log["idempotency_key"].tolist() == ["l1", "pr1", "h1", "p1"]
    by = log.set_index("action")
    assert by.loc["payment_received", "amount_cents"] == 250_00
    assert by.loc["payment_received", "currency"] == "USD"
    assert by.loc["payment_received", "document"] == "INV-1"
    assert by.loc["payment_received", "payload"] == {"paid_on": "2026-03-03",
                                                     "source": "check 1001"}
    assert by.loc["credit_hold_placed", "payload"] == {"reason": "91+ past due", "rule": ""}
    assert by.loc["promise_saved", "amount_cents"] == 100_00
    assert by.loc["promise_saved", "payload"]["promised_date"] == "2026-03-10"
    assert by.loc["promise_saved", "payload"]["record_id"] == w.record_id
    assert by.loc["letter_sent", "payload"] == {"level": 1, "lang": "es"}
    assert pd.isna(by.loc["letter_sent", "amount_cents"])
    assert store.log("C002")["action"].tolist() == ["letter_sent"]
    assert store.log(limit=2)["idempotency_key"].tolist() == ["l1", "pr1"]


# --------------------------------------------------------------------------- concurrency

WRITER = textwrap.dedent('''
    import datetime as dt, json, sys
    from xlar.store.api import open_store

    url, me, n, shared = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    store = open_store(url, user=me, migrate=False)
    print("ready", flush=True)
    sys.stdin.readline()  # the go signal: both writers start together
    out = []

    def keep(tag, w):
        out.append([tag, w.new, w.record_id, w.version])

    day = dt.date(2026, 3, 2)
    for i in range(n):
        keep(f"{me}:note:{i}", store.save_version(
            "note", dict(customer_id="C1", note_date=day, text=f"{me} note {i}"),
            key=f"{me}:note:{i}"))
        keep(f"{me}:edit:{i}", store.save_version(
            "note", dict(customer_id="C1", note_date=day, text=f"{me} edit {i}"),
            record_id=shared, key=f"{me}:edit:{i}"))
        keep(f"{me}:promise:{i}", store.save_version(
            "promise", dict(customer_id="C1", promised_on=day, promised_date=day,
                            amount_cents=1000 + i, currency="USD"), key=f"{me}:promise:{i}"))
        keep(f"{me}:pay:{i}", store.add_payment("C1", day, 100 + i, "USD", key=f"{me}:pay:{i}"))
        if i % 5 == 0:  # the same action from both writers: a double-posted lockbox line
            keep(f"both:pay:{i}", store.add_payment("C1", day, 7, "USD", key=f"both:pay:{i}"))
            keep(f"both:note:{i}", store.save_version(
                "note", dict(customer_id="C1", note_date=day, text=f"shared {i}"),
                key=f"both:note:{i}"))
        if i % 10 == 0:  # and one of its own, repeated
            keep(f"again:{me}:pay:{i}",
                 store.add_payment("C1", day, 100 + i, "USD", key=f"{me}:pay:{i}"))
    store.engine.dispose()
    print(json.dumps(out), flush=True)
''')


def test_two_processes_writing_to_one_account_lose_nothing(store, store_url):
    n = 50  # per writer: 50 notes + 50 edits of one record + 50 promises + 50 payments
    shared = store.save_version("note", note(customer="C1", text="start"), key="shared").record_id
    results = run_together(WRITER, {me: [store_url, me, str(n), shared] for me in ("a", "b")},
                           timeout=120)

    rows = [(me, *r) for me, rs in results.items() for r in rs]
    # every distinct write present, each key exactly once
    keys = {r[1].removeprefix("again:") for r in rows} | {"shared"}
    with store.engine.connect() as conn:
        logged = conn.execute(sa.select(s.activity.c.idempotency_key)).scalars().all()
    assert len(logged) == len(set(logged)) == len(keys) == 1 + 2 * 4 * n + 2 * (n // 5)
    assert set(logged) == keys

    # the writes made by both: exactly one writer recorded each, the other was told so
    for i in range(0, n, 5):
        for tag in (f"both:pay:{i}", f"both:note:{i}"):
            news = sorted(r[2] for r in rows if r[1] == tag)
            assert news == [False, True], tag
    assert all(not r[2] for r in rows if r[1].startswith("again:"))
    assert all(r[2] for r in rows if not r[1].startswith(("again:", "both:")))

    # the one record both edited: versions 1..2n+1, no gap, no duplicate, all edits kept
    hist = store.history("note", shared)
    assert hist["version"].tolist() == list(range(1, 2 * n + 2))
    assert sorted(hist["text"].tolist()[1:]) == sorted(f"{me} edit {i}" for me in "ab"
                                                       for i in range(n))
    told = sorted(r[4] for r in rows if ":edit:" in r[1])
    assert told == list(range(2, 2 * n + 2))  # each writer was told its own version
    assert store.latest("note", "C1")["record_id"].nunique() == 1 + 2 * n + n // 5

    # money: every payment once, to the cent
    pays = store.payments("C1")
    assert len(pays) == 2 * n + n // 5
    assert pays["amount_cents"].sum() == 2 * sum(100 + i for i in range(n)) + 7 * (n // 5)
    assert count(store, s.promises) == 2 * n
    assert count(store, s.notes) == (1 + 2 * n) + 2 * n + n // 5


# --------------------------------------------------------------------------- migrations

ALL_TABLES = {t.name for t in s.metadata.sorted_tables}


def test_empty_database_upgrades_to_head(store_url, opened):
    store = opened(store_url)
    assert current_revision(store.engine) == head_revision() == "0005"
    names = set(sa.inspect(store.engine).get_table_names())
    assert names == ALL_TABLES | {"alembic_version"}
    # opening again changes nothing
    assert current_revision(opened(store_url).engine) == head_revision()


def test_store_at_0001_with_data_upgrades_and_keeps_it(store_url, opened):
    engine = connect(resolve_url(store_url))
    try:
        upgrade(engine, "0001")
        assert current_revision(engine) == "0001"
        names = set(sa.inspect(engine).get_table_names())
        assert "payment_plans" not in names and "aging_snapshots" not in names
        with engine.begin() as conn:  # what an 0001-era xlar wrote, in plain SQL
            conn.execute(sa.text(
                "INSERT INTO notes (record_id, version, customer_id, document, note_date, text,"
                " outcome, contact, next_action, created_at, created_by) VALUES "
                "('r1', 1, 'C001', 'INV-9', :d, 'old note', '', '', '', :t, 'ana'),"
                "('r1', 2, 'C001', 'INV-9', :d, 'old note, edited', '', '', '', :t, 'ana')"),
                {"d": D(2025, 12, 1), "t": dt.datetime(2025, 12, 1, 9, 30)})
            conn.execute(sa.text(
                "INSERT INTO activity (at, who, action, customer_id, document, amount_cents,"
                " currency, payload, idempotency_key) VALUES "
                "(:t, 'ana', 'note_saved', 'C001', 'INV-9', NULL, NULL, :p, 'old-1'),"
                "(:t, 'ana', 'note_saved', 'C001', 'INV-9', NULL, NULL, :p, 'old-2')"),
                {"t": dt.datetime(2025, 12, 1, 9, 30), "p": json.dumps({"record_id": "r1"})})
            conn.execute(sa.text(
                "INSERT INTO payments_received (customer_id, paid_on, amount_cents, currency,"
                " created_at, created_by) VALUES ('C001', :d, 123456789012, 'USD', :t, 'ana')"),
                {"d": D(2025, 12, 2), "t": dt.datetime(2025, 12, 2, 10, 0)})
    finally:
        engine.dispose()

    store = opened(store_url, user="bob")  # upgrades on open
    assert current_revision(store.engine) == head_revision()
    assert ALL_TABLES <= set(sa.inspect(store.engine).get_table_names())
    # the old data is there, and behaves like new data
    hist = store.history("note", "r1")
    assert hist["text"].tolist() == ["old note", "old note, edited"]
    assert hist["note_date"].tolist() == [D(2025, 12, 1)] * 2
    assert store.log()["idempotency_key"].tolist() == ["old-2", "old-1"]
    assert store.log()["payload"].tolist() == [{"record_id": "r1"}] * 2
    assert store.payments()["amount_cents"].tolist() == [123456789012]
    assert not store.record("note_saved", key="old-1").new
    w = store.save_version("note", note(text="new edit", document="INV-9"), record_id="r1",
                           key="new-edit")
    assert (w.new, w.version) == (True, 3)
    assert store.add_payment("C001", D(2026, 1, 1), 1, "USD", key="new-pay").new
    # and the new tables work
    assert store.save_version("payment_plan", dict(
        customer_id="C001", total_cents=300_00, currency="USD", installments=3,
        first_date=D(2026, 2, 1), frequency="monthly"), key="plan").version == 1
    assert len(store.latest("payment_plan")) == 1
    assert count(store, s.activity) == 5


def test_store_at_0004_with_a_posted_adjustment_upgrades_and_keeps_it(store_url, opened):
    """0005 adds the open amount an adjustment started from; a document posted before
    keeps everything it had, and a refresh leaves it to the ERP's figures, saying so."""
    from xlar.adjustments.ledger import adjustment_postings
    from xlar.model import OPEN_ITEM_COLUMNS
    from xlar.pending import reflect
    from xlar.store.adjustments import AdjustmentBook

    engine = connect(resolve_url(store_url))
    try:
        upgrade(engine, "0004")
        with engine.begin() as conn:  # what a 0004-era xlar wrote when it posted a credit
            conn.execute(sa.text(
                "INSERT INTO adjustment_documents (request_id, number, series, seq, kind,"
                " customer_id, customer_name, currency, doc_date, net_cents, tax_cents,"
                " ar_cents, applies_to, applies_document, gl_role, created_at, created_by)"
                " VALUES ('ADJ-1', 'CM-2026-000001', 'CM-2026', 1, 'credit_memo', 'C001',"
                " 'Acme', 'USD', :d, 10000, 0, -10000, 'C001|invoice|INV-9', 'INV-9',"
                " 'revenue', :t, 'ana')"),
                {"d": D(2026, 11, 2), "t": dt.datetime(2026, 11, 2, 9, 0)})
    finally:
        engine.dispose()

    store = opened(store_url)
    assert current_revision(store.engine) == head_revision()
    (at, doc, before), = AdjustmentBook(store).postings()
    assert (doc.number, doc.ar_cents, doc.applies_document, before) == \
        ("CM-2026-000001", -10000, "INV-9", None)
    items = pd.DataFrame([{"customer_id": "C001", "document": "INV-9",
                           "item_key": "C001|invoice|INV-9", "open_cents": 50000}])
    after, notes = reflect(items, adjustment_postings([(at, doc, before)],
                                                      list(OPEN_ITEM_COLUMNS)))
    assert after["open_cents"].tolist() == [50000]
    assert notes == ["1 credit memo (CM-2026-000001) posted in xlar before it recorded the "
                     "amounts it started from: left to the ERP's figures"]


OPENER = textwrap.dedent('''
    import sys
    from xlar.store.api import open_store
    print("ready", flush=True)
    sys.stdin.readline()
    store = open_store(sys.argv[1], user=sys.argv[2])
    print(store.record("opened", key=sys.argv[2]).new, flush=True)
    store.engine.dispose()
''')


def test_two_programs_opening_a_new_store_at_once(store_url, opened):
    """Both upgrade an empty store at the same moment: one migrates, the other waits."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, store_url, who],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for who in ("a", "b")]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready", p.stderr.read()
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            out, err = p.communicate(timeout=60)
            assert (p.returncode, out.strip()) == (0, "True"), err
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    store = opened(store_url)
    assert current_revision(store.engine) == head_revision()
    assert sorted(store.log()["who"]) == ["a", "b"]


def _reflected(engine: sa.Engine, schema: str | None = None) -> dict:
    """Tables as the database reports them: columns, types, defaults, keys, indexes."""
    insp = sa.inspect(engine)
    out = {}
    for name in sorted(set(insp.get_table_names(schema)) - {"alembic_version"}):
        cols = [(c["name"], str(c["type"]), c["nullable"],
                 str(c.get("default")).replace(f"{schema}.", "") if schema else
                 str(c.get("default")))
                for c in insp.get_columns(name, schema)]
        out[name] = {
            "columns": cols,
            "pk": insp.get_pk_constraint(name, schema),
            "unique": sorted((u["name"], tuple(u["column_names"]))
                             for u in insp.get_unique_constraints(name, schema)),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in insp.get_indexes(name, schema)),
            "fks": insp.get_foreign_keys(name, schema),
        }
    return out


def _ddl(rows) -> list:
    """SQLite's stored CREATE statements as (type, name, sorted clauses): a column a
    migration added with ALTER TABLE is stored after the constraints, and a table
    renamed by a migration has its name quoted; neither changes the table."""
    out = []
    for kind, name, sql in rows:
        head, _, body = (sql or "").partition("(")
        clauses, depth, part = [], 0, ""
        for ch in body.rsplit(")", 1)[0] + ",":
            depth += (ch == "(") - (ch == ")")
            if ch == "," and depth == 0:
                clauses.append(" ".join(part.split()))
                part = ""
            else:
                part += ch
        out.append((kind, name, head.replace('"', "").strip(), sorted(filter(None, clauses))))
    return out


def test_head_schema_equals_schema_module(store_url, opened, tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = opened(store_url)
    pg = store.engine.dialect.name == "postgresql"
    with store.engine.connect() as conn:
        # Alembic misreads SQLite's DEFAULT '' as a changed default; the DDL check
        # below covers defaults there.
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "compare_server_default": pg})
        diff = compare_metadata(ctx, s.metadata)
    assert diff == []

    # and, field by field, the same tables as schema.py creates directly
    if pg:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("CREATE SCHEMA ref")
        ref = store.engine.execution_options(schema_translate_map={None: "ref"})
        s.metadata.create_all(ref)
        assert _reflected(store.engine) == _reflected(store.engine, "ref")
    else:
        ref = sa.create_engine(f"sqlite:///{tmp_path / 'ref.sqlite'}")
        s.metadata.create_all(ref)
        assert _reflected(store.engine) == _reflected(ref)
        ddl = "SELECT type, name, sql FROM sqlite_master WHERE tbl_name != 'alembic_version'" \
              " ORDER BY name"
        with store.engine.connect() as a, ref.connect() as b:
            assert _ddl(a.exec_driver_sql(ddl).all()) == _ddl(b.exec_driver_sql(ddl).all())
        ref.dispose()


# --------------------------------------------------------------------------- URLs

def test_url_order_of_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv("XLAR_DB_URL", raising=False)
    monkeypatch.delenv("XLAR_DB_PASSWORD", raising=False)
    workbook = tmp_path / "AR Workbench 2026.xlsm"
    default = resolve_url(workbook=workbook)
    assert default.drivername == "sqlite"
    assert Path(default.database) == tmp_path / "AR Workbench 2026.activity.sqlite"
    # the Settings sheet's relative file is beside the workbench (see the next test)
    assert Path(resolve_url(workbook=workbook, setting="sqlite:///team.sqlite").database) == \
        tmp_path / "team.sqlite"

    monkeypatch.setenv("XLAR_DB_URL", "postgresql://collections@dbhost/ar")
    env = resolve_url(workbook=workbook, setting="sqlite:///team.sqlite")
    assert (env.drivername, env.host, env.database) == ("postgresql+psycopg", "dbhost", "ar")
    # a URL the caller gives (--db) wins over everything
    assert resolve_url("sqlite:///cli.sqlite", workbook, "sqlite:///team.sqlite").database == \
        "cli.sqlite"


def test_a_relative_sqlite_file_in_the_settings_is_beside_the_workbench(tmp_path, monkeypatch):
    """The Settings sheet travels with the workbook: 'sqlite:///team.sqlite' there means the
    file in the workbench's folder, whichever folder Excel or the CLI was started from."""
    monkeypatch.delenv("XLAR_DB_URL", raising=False)
    books, elsewhere = tmp_path / "books", tmp_path / "elsewhere"
    books.mkdir()
    elsewhere.mkdir()
    workbook = books / "AR Workbench.xlsx"
    monkeypatch.chdir(elsewhere)
    first = open_store(workbook=workbook, setting="sqlite:///team.sqlite", user="ana")
    first.record("note_saved", key="k1")
    first.engine.dispose()
    assert (books / "team.sqlite").is_file() and not (elsewhere / "team.sqlite").exists()
    monkeypatch.chdir(tmp_path)      # started from another folder: the same store
    again = open_store(workbook=workbook, setting="sqlite:///team.sqlite")
    assert not again.record("note_saved", key="k1").new
    again.engine.dispose()
    resolved = resolve_url(workbook=workbook, setting="sqlite:///data/team.sqlite")
    assert Path(resolved.database) == books / "data" / "team.sqlite"
    # an absolute path stays; a URL given on the command line is the caller's, as typed
    absolute = tmp_path / "shared" / "ar.sqlite"
    assert Path(resolve_url(workbook=workbook, setting=f"sqlite:///{absolute}").database) == \
        absolute
    assert resolve_url("sqlite:///cli.sqlite", workbook, "sqlite:///team.sqlite").database == \
        "cli.sqlite"


def test_default_store_is_created_beside_the_workbook(tmp_path, monkeypatch, opened):
    monkeypatch.delenv("XLAR_DB_URL", raising=False)
    workbook = tmp_path / "Collections.xlsx"
    store = opened(None, workbook=workbook)
    store.record("opened", key="k")
    assert (tmp_path / "Collections.activity.sqlite").is_file()
    assert store.url == f"sqlite:///{tmp_path / 'Collections.activity.sqlite'}"


def test_password_comes_from_the_environment_and_never_shows(monkeypatch):
    monkeypatch.delenv("XLAR_DB_URL", raising=False)
    monkeypatch.setenv("XLAR_DB_PASSWORD", "s3cr:et@/x")
    u = resolve_url("postgresql+psycopg://collections@dbhost:5433/ar")
    assert u.password == "s3cr:et@/x"
    assert u.username == "collections" and u.port == 5433
    shown = display_url(u)
    assert "s3cr" not in shown
    assert shown == "postgresql+psycopg://collections:***@dbhost:5433/ar"
    # a URL that carries its own password keeps it; SQLite gets none
    assert resolve_url("postgresql://u:own@h/db").password == "own"
    assert resolve_url("sqlite:///x.sqlite").password is None


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_server_is_a_store_error_naming_the_masked_url(monkeypatch):
    monkeypatch.delenv("XLAR_DB_URL", raising=False)
    monkeypatch.setenv("XLAR_DB_PASSWORD", "hunter2")
    port = _closed_port()
    with pytest.raises(StoreError) as info:
        open_store(f"postgresql://collections@127.0.0.1:{port}/ar")
    msg = str(info.value)
    assert f"postgresql+psycopg://collections:***@127.0.0.1:{port}/ar" in msg
    assert "hunter2" not in msg
    assert "cannot reach the activity store" in msg


def test_bad_urls_are_store_errors_without_the_password():
    with pytest.raises(StoreError, match="not a database URL") as info:
        resolve_url("postgresql://u:hunter2@host:notaport/db")
    assert "hunter2" not in str(info.value)
    with pytest.raises(StoreError, match="nosuchdb") as info:
        open_store("nosuchdb://u:hunter2@host/db")
    assert "hunter2" not in str(info.value)
