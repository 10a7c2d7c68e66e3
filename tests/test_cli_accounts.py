"""Notes, promises, plans, holds, worklist and log from the command line."""

import os
import subprocess
import sys


def xlar(*args, cwd=None):
    # A wide terminal, so tables are not folded mid-sentence.
    env = {**os.environ, "COLUMNS": "220"}
    return subprocess.run([sys.executable, "-m", "xlar", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def out(r):
    return " ".join(r.stdout.split())


def test_notes_promises_plans_holds_and_the_log(tmp_path):
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    r = xlar("notes", "add", "C1", "Called Ann; pays Friday", "--next-action", "check bank",
             "--next-date", "2026-11-27", "--db", db, "--user", "ana")
    assert r.returncode == 0, r.stderr
    assert "Note recorded" in out(r)
    again = xlar("notes", "add", "C1", "Called Ann; pays Friday", "--next-action", "check bank",
                 "--next-date", "2026-11-27", "--db", db, "--user", "ana")
    # same note, same day: recorded once
    assert "already recorded earlier" in out(again)
    listed = xlar("notes", "list", "C1", "--db", db)
    assert "Called Ann; pays Friday" in out(listed) and "check bank 2026-11-27" in out(listed)

    r = xlar("promise", "add", "C1", "1,200.50", "2026-12-01", "--db", db)
    assert r.returncode == 0 and "Promise recorded" in out(r)
    r = xlar("plan", "create", "C1", "1000.00", "3", "2026-12-15", "--db", db)
    assert r.returncode == 0, r.stderr
    # 1,000.00 in three: 333.34, 333.33, 333.33 (the spare cent goes first), monthly
    text = out(r)
    assert "2026-12-15 $333.34" in text and "2027-01-15 $333.33" in text and \
        "2027-02-15 $333.33" in text
    bad = xlar("plan", "create", "C1", "1000", "0", "2026-12-15", "--db", db)
    assert bad.returncode == 2 and "installment" in bad.stderr.lower()

    assert "placed recorded" in out(xlar("hold", "place", "C1", "--reason", "over limit",
                                         "--db", db))
    assert "already on hold" in out(xlar("hold", "place", "C1", "--reason", "again", "--db", db))
    assert "released recorded" in out(xlar("hold", "release", "C1", "--reason", "paid",
                                           "--db", db))
    log = out(xlar("log", "C1", "--db", db))
    for action in ("note_saved", "promise_saved", "payment_plan_saved", "credit_hold_placed",
                   "credit_hold_released"):
        assert action in log
    assert "$1,200.50" in log and "ana" in log


def test_worklist_from_a_workbench(tmp_path, fixtures):
    wb = tmp_path / "AR Workbench.xlsx"
    r = xlar("refresh", wb, "--source", fixtures / "generic" / "en_clean.csv", "--as-of",
             "2026-10-31")
    assert r.returncode == 0, r.stderr
    r = xlar("worklist", wb)
    assert r.returncode == 0, r.stderr
    text = out(r)
    # Contoso's 750.25 is more than 90 days past due: it leads the list
    assert "Contoso Ltd" in text and "Worklist" in text
    first = [line for line in r.stdout.splitlines() if "│ 1 " in line]
    assert first and "Contoso" in first[0]


def test_hold_check_proposes_and_records_holds_by_rule(tmp_path):
    wb = tmp_path / "AR Workbench.xlsx"
    src = tmp_path / "export.csv"
    src.write_text("Customer ID,Customer Name,Invoice,Due Date,Open Balance\n"
                   "OLD,Old Co,I-1,2026-06-01,100.00\n"      # 152 days past due at Oct 31
                   "NEW,New Co,I-2,2026-10-20,100.00\n")     # 11 days
    assert xlar("refresh", wb, "--source", src, "--as-of", "2026-10-31").returncode == 0
    r = xlar("hold", "check", wb, "--apply")
    assert r.returncode == 0, r.stderr
    text = out(r)
    assert "│ OLD │ place │ Oldest item 152 days past due (rule: more than 90). │" in text
    assert "NEW" not in text
    log = out(xlar("log", "OLD", "--workbook", wb))
    assert "credit_hold_placed" in log
    again = out(xlar("hold", "check", wb))
    assert "No credit hold to place or release" in again


def test_contacts(tmp_path):
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    assert "Contact recorded" in out(xlar("contacts", "add", "C1", "Ann Lee", "--role", "AP",
                                          "--email", "ap@c1.example", "--language", "es",
                                          "--db", db))
    listed = out(xlar("contacts", "list", "C1", "--db", db))
    assert "Ann Lee" in listed and "ap@c1.example" in listed and " es " in listed
    bad = xlar("contacts", "add", "C1", "X", "--language", "fr", "--db", db)
    assert bad.returncode == 2 and "en or es" in bad.stderr


def test_worklist_amounts_in_currencies_without_two_decimals(tmp_path):
    """Yen have no minor unit and dinars three: the worklist shows what the sheet holds."""
    wb = tmp_path / "AR Workbench.xlsx"
    src = tmp_path / "export.csv"
    src.write_text("Customer ID,Customer Name,Invoice,Due Date,Open Balance,Currency\n"
                   "JP1,Yamada KK,I-1,2026-08-01,5000,JPY\n"
                   "KW1,Gulf Trading,I-2,2026-08-01,1.234,KWD\n"
                   "US1,Acme Inc,I-3,2026-08-01,12.50,USD\n")
    assert xlar("refresh", wb, "--source", src, "--as-of", "2026-10-31").returncode == 0
    r = xlar("worklist", wb)
    assert r.returncode == 0, r.stderr
    text = out(r)
    assert "¥5,000" in text and "¥500,000" not in text
    assert "KWD1.234" in text and "$12.50" in text
