"""Crashes and files in use: real ``xlar`` processes killed with SIGKILL half-way.

Each test starts the command a specialist (or a nightly job) runs, kills it with
``kill -9`` at chosen and at random moments (while it saves the workbook, while it posts
to the activity store, after it wrote the ERP posting file, while it hands letters to a
mail server), and then checks what a person would find:

* the workbook opens (openpyxl, and :func:`xlar.ooxml.package_problems` finds nothing)
  and is either as it was or fully done, never half;
* the activity store holds no half-posted payment (a receipt without its applications
  or a deduction without its dispute) and nothing twice;
* running the same command again finishes the job, with nothing doubled: counts in the
  store, open amounts to the cent, each payment in exactly one ERP posting file, each
  letter sent at most once.

Kills are chained: each kill hits the state the previous one left, as a user who
retries after every crash would.  The moments are drawn from a seeded generator.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from xlar.ooxml import package_problems

ROOT = Path(__file__).resolve().parent.parent
WORKBENCH = "AR Workbench.xlsx"
RNG = random.Random(20261123)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "XLAR_DB_URL"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "200"
    return env


def xlar(*args: str | Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "xlar", *map(str, args)], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(*args: str | Path, codes=(0,)) -> str:
    """Run an xlar command to its end; its output (stdout + stderr)."""
    p = xlar(*args)
    out, err = p.communicate(timeout=180)
    assert p.returncode in codes, f"exit {p.returncode}:\n{out}\n{err}"
    assert "Traceback" not in out + err
    return " ".join((out + err).split())


def kill_when(proc: subprocess.Popen, moment: Callable[[], bool] | float,
              timeout: float = 120) -> bool:
    """SIGKILL *proc* once *moment()* is true (or *moment* seconds after the start).
    True when the process was still working when it was killed."""
    start = time.monotonic()
    while proc.poll() is None and time.monotonic() - start < timeout:
        if (time.monotonic() - start >= moment) if isinstance(moment, float) else moment():
            break
        time.sleep(0.002)
    alive = proc.poll() is None
    proc.kill()  # SIGKILL: no handler, no finally, no flush
    proc.communicate(timeout=30)
    return alive


def sound(path: Path) -> None:
    """The workbook opens, and its package is consistent."""
    assert package_problems(path) == []
    openpyxl.load_workbook(path).close()


def temp_file_of(path: Path) -> Callable[[], bool]:
    """True while a save of *path* is writing its temporary file."""
    return lambda: any(f.name.startswith(f".~{path.stem}-") for f in path.parent.iterdir())


def rows(path: Path, sheet: str, first_header: str) -> pd.DataFrame:
    """A table xlar wrote, read back with openpyxl (header row found by its first cell)."""
    book = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        if sheet not in book.sheetnames:
            return pd.DataFrame()
        found = list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()
    top = next(i for i, r in enumerate(found) if r and r[0] == first_header)
    frame = pd.DataFrame(found[top + 1:], columns=found[top])
    return frame[frame[first_header].notna()].reset_index(drop=True)


def cents(v) -> int:
    return int((Decimal(str(v or 0)) * 100).quantize(Decimal(1)))


def query(db: Path, sql: str) -> list[tuple]:
    """Read the SQLite store while a process writes it (WAL: readers never block it)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # the schema is being created: nothing there yet
        return []


# --------------------------------------------------------------------------- refresh


def _add_user_column(path: Path, header: str, every: int) -> dict[str, str]:
    """Type a column of notes beside Open Items, as a specialist does; {key: note}."""
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet.table import TableColumn

    book = openpyxl.load_workbook(path)
    ws = book["Open Items"]
    table = ws.tables["OpenItems"]
    c0, r0, c1, r1 = range_boundaries(table.ref)
    key_col = next(c for c in range(c0, c1 + 1) if ws.cell(r0, c).value == "Key")
    ws.cell(r0, c1 + 1, header)
    notes = {}
    for r in range(r0 + 1, r1 + 1, every):
        key = ws.cell(r, key_col).value
        notes[key] = ws.cell(r, c1 + 1, f"called about {key}").value
    table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name=header))
    table.ref = f"{table.ref.split(':')[0]}:{openpyxl.utils.get_column_letter(c1 + 1)}{r1}"
    table.autoFilter.ref = table.ref
    book.save(path)
    return notes


def refresh_state(path: Path) -> tuple:
    """What a refreshed workbench shows: open items with amounts and the user's notes,
    the closed list, and the number of Run Log lines."""
    items = rows(path, "Open Items", "Customer ID")
    closed = rows(path, "Closed Since Last Refresh", "Closed By Refresh Of")
    notes = {k: n for k, n in zip(items["Key"], items["My Note"], strict=True)
             if isinstance(n, str)}
    return (tuple(sorted(zip(items["Key"], map(cents, items["Open Amount"]), strict=True))),
            tuple(sorted(notes.items())), tuple(sorted(closed["Key"])),
            len(rows(path, "Run Log", rows_header(path, "Run Log"))))


def rows_header(path: Path, sheet: str) -> str:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return next(r[0] for r in book[sheet].iter_rows(values_only=True) if r and r[0])
    finally:
        book.close()


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """A workbench refreshed once, with the user's notes typed beside Open Items, and the
    next day's export (some items paid, so they leave for the closed list)."""
    from xlar.demo import generate_ledger, write_demo_export
    from xlar.workbench.refresh import refresh

    folder = tmp_path_factory.mktemp("refresh")
    ledger = generate_ledger(customers=25, items=300, seed=11)
    first = write_demo_export(ledger, folder / "monday.csv")
    wb = folder / WORKBENCH
    refresh(wb, source=first, as_of=ledger.as_of)
    notes = _add_user_column(wb, "My Note", 9)
    still_open = ledger.items.drop(ledger.items.index[::5]).reset_index(drop=True)
    write_demo_export(ledger._replace(items=still_open), folder / "tuesday.csv")
    return folder, notes


def test_a_refresh_killed_at_any_moment_leaves_the_old_or_the_new_workbench(refreshed,
                                                                             tmp_path):
    from xlar.store.api import open_store
    from xlar.workbench.refresh import refresh

    source, notes = refreshed
    expected_dir = tmp_path / "expected"
    shutil.copytree(source, expected_dir)
    refresh(expected_dir / WORKBENCH, source=expected_dir / "tuesday.csv")
    after = refresh_state(expected_dir / WORKBENCH)
    work = tmp_path / "work"
    shutil.copytree(source, work)
    wb = work / WORKBENCH
    before = refresh_state(wb)
    assert before != after and set(after[1]) <= set(before[1])  # notes kept where items stay

    timing = expected_dir / "timing.xlsx"
    shutil.copy(source / WORKBENCH, timing)
    t0 = time.monotonic()
    finish("refresh", timing, "--source", expected_dir / "tuesday.csv")
    full = time.monotonic() - t0
    # While it reads, at random, and while it writes the new file (when the poll catches
    # the temporary file: on a busy machine a small save can slip between two looks).
    moments = [RNG.uniform(0.2, 0.4) * full, temp_file_of(wb), RNG.uniform(0.4, 0.8) * full,
               temp_file_of(wb), RNG.uniform(0.7, 1.0) * full]
    outcomes = []
    for moment in moments:
        killed = kill_when(xlar("refresh", wb, "--source", work / "tuesday.csv"), moment)
        sound(wb)
        state = refresh_state(wb)
        assert state[:3] in (before[:3], after[:3]), "a half-refreshed workbench"
        if state[:3] == before[:3]:
            assert state[3] == before[3], "the Run Log of a refresh that never saved"
        else:  # a run that finished (this one, or one the kill came too late for) logs;
            assert state[3] >= after[3]  # a refresh run again on it logs again
        outcomes.append((killed, state[:3] == after[:3]))
    assert (True, False) in outcomes  # at least one kill hit a refresh before it had saved

    finish("refresh", wb, "--source", work / "tuesday.csv")
    sound(wb)
    state = refresh_state(wb)
    assert state[:3] == after[:3]  # items, amounts, notes and closed list as one clean run
    store = open_store(None, wb)
    snaps = store.snapshots()
    # one snapshot per distinct result, however many times the refresh ran or died
    assert not snaps.duplicated(["as_of", "source", "currency", "balance_cents"]).any()
    refreshes = store.activities("aging_refreshed")
    assert refreshes["idempotency_key"].is_unique and len(refreshes) == 2
    closed = rows(wb, "Closed Since Last Refresh", "Closed By Refresh Of")
    moved = {k: n for k, n in zip(closed["Key"], closed["My Note"], strict=True)
             if isinstance(n, str)}
    assert moved | dict(state[1]) == notes  # every note typed is still there, by its item
    assert moved and state[1]


# --------------------------------------------------------------------------- cash posting


def _store_is_whole(db: Path) -> tuple[int, int]:
    """No half-posted payment: every applied receipt's applications add up to it, every
    deduction has its dispute, and nothing is in twice.  (receipts, applications)."""
    receipts = query(db, "SELECT payment_id, amount_cents, on_account_cents, status "
                         "FROM cash_receipts")
    apps = query(db, "SELECT payment_id, item_key, apply_cents, deduction_cents "
                     "FROM cash_applications")
    applied: dict[str, int] = {}
    for pid, _, cents_, _ in apps:
        applied[pid] = applied.get(pid, 0) + cents_
    for pid, amount, on_account, status in receipts:
        if status == "applied":
            assert applied.get(pid, 0) + on_account == amount, f"{pid} is half posted"
    disputes = {k for (k,) in query(db, "SELECT idempotency_key FROM activity "
                                        "WHERE action = 'dispute_saved'")}
    for pid, item, _, deduction in apps:
        if deduction:
            assert f"deduction:{pid}:{item}" in disputes, f"{pid}: deduction without dispute"
    assert len({r[0] for r in receipts}) == len(receipts)
    assert len({(a[0], a[1]) for a in apps}) == len(apps)
    return len(receipts), len(apps)


def _posting_files(folder: Path) -> pd.DataFrame:
    files = sorted((folder / "xlar postings").glob("*.csv"))
    if not files:
        return pd.DataFrame(columns=["Payment ID", "file"])
    return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False).assign(file=f.name)
                      for f in files], ignore_index=True)


def cash_state(wb: Path) -> tuple:
    proposals = rows(wb, "Cash Proposals", "Approve")
    posted = rows(wb, "Receipts Posted", "Payment ID") if "Receipts Posted" in \
        openpyxl.load_workbook(wb, read_only=True).sheetnames else pd.DataFrame()
    return (tuple(sorted(set(proposals["Payment ID"]))) if len(proposals) else (),
            tuple(sorted(set(posted["Payment ID"]))) if len(posted) else ())


def test_posting_killed_at_any_moment_posts_each_payment_once(tmp_path, monkeypatch):
    from xlar.demo_run import run_demo

    monkeypatch.delenv("XLAR_DB_URL", raising=False)
    demo = run_demo(tmp_path / "demo", items=200, customers=20)
    wb, db = demo.workbench, demo.workbench.with_name("AR Workbench.activity.sqlite")
    proposals = rows(wb, "Cash Proposals", "Approve")
    approved = set(proposals.loc[proposals["Approve"] == "Yes", "Payment ID"])
    assert len(approved) >= 20
    before = cash_state(wb)
    done = (tuple(sorted(set(before[0]) - approved)), tuple(sorted(approved)))
    open_before = {k: cents(v) for k, v in
                   zip(*[rows(wb, "Open Items", "Customer ID")[c] for c in ("Key",
                                                                          "Open Amount")],
                       strict=True)}

    def posting_started():
        return bool(query(db, "SELECT 1 FROM cash_receipts LIMIT 1"))

    def file_written():
        return any((wb.parent / "xlar postings").glob("*.csv"))

    seen_half = False
    for moment in (posting_started, file_written, temp_file_of(wb), RNG.uniform(1.5, 4.0),
                   posting_started):
        killed = kill_when(xlar("cash", "post", wb), moment)
        sound(wb)
        n_receipts, _ = _store_is_whole(db)
        seen_half |= 0 < n_receipts < len(approved)
        state = cash_state(wb)
        assert state in (before, done), f"a half-posted workbook: {state}"
        assert killed or state == done

    out = finish("cash", "post", wb)
    assert "Traceback" not in out
    sound(wb)
    assert cash_state(wb) == done
    n_receipts, n_apps = _store_is_whole(db)
    assert n_receipts == len(approved)
    # each payment in exactly one posting file for the ERP: none missing, none twice
    files = _posting_files(wb.parent)
    per_payment = files.groupby("Payment ID")["file"].nunique()
    assert set(per_payment.index) == approved and (per_payment == 1).all()
    apps = query(db, "SELECT item_key, apply_cents + discount_cents + writeoff_cents, "
                     "payment_id FROM cash_applications")
    assert sum(cents(v) for v in files["Amount Applied"]) == \
        sum(a for _, _, a in query(db, "SELECT item_key, payment_id, apply_cents "
                                       "FROM cash_applications"))
    # open amounts to the cent: what was open, minus what was applied, is open now
    reduce: dict[str, int] = {}
    for key, amount, _ in apps:
        reduce[key] = reduce.get(key, 0) + amount
    now = rows(wb, "Open Items", "Customer ID")
    open_after = {k: cents(v) for k, v in zip(now["Key"], now["Open Amount"], strict=True)}
    for key, was in open_before.items():
        assert open_after.get(key, 0) == was - reduce.get(key, 0), key
    assert "Nothing approved" in finish("cash", "post", wb)
    assert _store_is_whole(db) == (n_receipts, n_apps)
    assert len(_posting_files(wb.parent)) == len(files)
    assert seen_half  # one kill at least landed between two payments


# --------------------------------------------------------------------------- letters


def test_sending_killed_at_any_moment_never_sends_a_letter_twice(tmp_path):
    try:
        from support.smtp import MailServer
    except ImportError:
        from tests.support.smtp import MailServer
    from test_letters_send import BATCH, _batch, _workbook

    from xlar.letters.history import batch_records
    from xlar.store.api import open_store

    # One store kind is enough here: test_letters_send kills a send on both at the worst
    # moment; this test is about many moments.
    store_url = f"sqlite:///{tmp_path / 'store.activity.sqlite'}"
    n = 16
    batch = _batch(tmp_path / "batch", n)
    everyone = {f"ap{i}@customer{i}.example" for i in range(1, n + 1)}
    with MailServer() as server:
        wb = _workbook(tmp_path, store_url, server.port)

        def arrived(k):
            return lambda: len(server.messages) >= k

        for moment in (arrived(3), RNG.uniform(1.6, 2.2), arrived(8), arrived(12)):
            kill_when(xlar("letters", "send", wb, "--batch", batch, "--send"), moment)
            sound(wb)
            received = [r[0] for r, _ in server.messages]
            assert len(received) == len(set(received)), "a letter went twice"
        out = finish("letters", "send", wb, "--batch", batch, "--send", codes=(0, 1))
        sound(wb)
        received = [r[0] for r, _ in server.messages]
        assert len(received) == len(set(received)), "a letter went twice"
        records = batch_records(open_store(store_url), BATCH)
        sent = {k for k, a in records.items() if a == "letter_sent"}
        uncertain = out.count("UNCERTAIN:")
        # every letter arrived once, or is named as uncertain for the specialist to check
        assert len(set(received)) + uncertain >= n and set(received) <= everyone
        assert len(sent) <= len(received)
        assert sum(a == "letter_posted" for a in records.values()) == 1  # the one to post
        again = finish("letters", "send", wb, "--batch", batch, "--send", codes=(0, 1))
        assert "0 e-mails sent" in again and len(server.messages) == len(received)


# --------------------------------------------------------------------------- files in use


@pytest.mark.parametrize("how", ["excel-lock", "read-only"])
def test_a_workbook_in_use_is_left_alone_and_the_result_saved_beside_it(refreshed, tmp_path,
                                                                         how):
    source, _ = refreshed
    work = tmp_path / "work"
    shutil.copytree(source, work)
    wb = work / WORKBENCH
    before = wb.read_bytes()
    if how == "excel-lock":
        (work / f"~${WORKBENCH}").write_bytes(b"\x0bAna Lopez")  # what Excel leaves
    else:
        wb.chmod(0o444)
    p = xlar("refresh", wb, "--source", work / "tuesday.csv")
    out, err = p.communicate(timeout=180)
    text = " ".join((out + err).split())
    assert p.returncode == 2 and "Traceback" not in text, text
    assert wb.read_bytes() == before
    why = "it is open in another program (lock file ~$" if how == "excel-lock" else \
        "it is marked read-only"
    assert f"{WORKBENCH} was not replaced: {why}" in text
    copies = list(work.glob("AR Workbench (xlar *).xlsx"))
    assert len(copies) == 1 and str(copies[0]) in text.replace("\n", "")
    sound(copies[0])
    assert len(rows(copies[0], "Open Items", "Customer ID")) < \
        len(rows(wb, "Open Items", "Customer ID"))  # the new result: paid items left
    wb.chmod(0o644)
