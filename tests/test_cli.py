"""The command line as a user meets it: real `xlar` processes, plain errors, exit codes."""

import os
import re
import subprocess
import sys

import pytest


def xlar(*args, cwd=None):
    # A wide terminal, so tables are not folded mid-sentence.
    env = {**os.environ, "COLUMNS": "220"}
    return subprocess.run([sys.executable, "-m", "xlar", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_import_reports_control_totals_and_rejections(fixtures):
    r = xlar("import", fixtures / "generic" / "es_cp1252_semicolon.csv")
    assert r.returncode == 0, r.stderr
    assert "4 items accepted, 2 rejected" in r.stdout
    assert "printed €4,444.22, read €4,444.22 - matches" in r.stdout
    assert "31.02.2026" in r.stdout and "repeats line 5" in r.stdout


def test_a_wrong_printed_total_makes_import_exit_non_zero(fixtures):
    r = xlar("import", fixtures / "generic" / "wrong_total.csv")
    assert r.returncode == 1 and "DOES NOT MATCH" in r.stdout


def test_import_writes_items_and_rejections(tmp_path, fixtures):
    out = tmp_path / "items.csv"
    r = xlar("import", fixtures / "generic" / "bom_tab_serials.txt", "--out", out)
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8-sig")
    # the formula-looking customer name is neutralised in the CSV
    assert "'=HYPERLINK" in text
    rejected = (tmp_path / "items.rejected.csv").read_text(encoding="utf-8-sig")
    assert "due date is missing" in rejected


@pytest.mark.parametrize("args, message", [
    (("import", "no-such-file.csv"), "no-such-file.csv: file not found"),
    (("aging", "{en}", "--edges", "0,x"), "bucket edges '0,x' must be whole numbers"),
    (("aging", "{en}", "--as-of", "tomorrow"), "as-of date 'tomorrow' is not a date"),
    (("refresh", "{tmp}/wb.xlsx"), "no source file"),
    (("import", "{en}", "--layout", "oracle"), "unknown layout 'oracle'"),
])
def test_errors_are_one_plain_sentence_without_a_traceback(tmp_path, fixtures, args, message):
    args = [a.format(en=fixtures / "generic" / "en_clean.csv", tmp=tmp_path) for a in args]
    r = xlar(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert message in " ".join(r.stderr.split())
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout


def test_debug_shows_the_traceback(tmp_path):
    r = xlar("--debug", "import", "no-such-file.csv", cwd=tmp_path)
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_aging_prints_buckets_to_the_cent(fixtures):
    r = xlar("aging", fixtures / "generic" / "en_clean.csv", "--as-of", "2026-10-31")
    assert r.returncode == 0, r.stderr
    # 1,500.00 (16 days) - 120.50 (29 days) - 300.00 (6 days) = 1,079.50 in 1-30
    assert "$1,079.50" in r.stdout and "$2,729.74" in r.stdout


def test_refresh_then_one_click_refresh_from_settings(tmp_path, fixtures):
    wb = tmp_path / "AR Workbench.xlsx"
    r = xlar("refresh", wb, "--source", fixtures / "generic" / "en_clean.csv",
             "--as-of", "2026-10-31")
    assert r.returncode == 0, r.stderr
    out = " ".join(r.stdout.split())
    assert "Aging refreshed at 2026-10-31: 6 open items" in out
    assert "Total (line 8): printed $2,729.74, read $2,729.74 - matches" in out
    r = xlar("refresh", wb)   # one step: everything else from the Settings sheet
    assert r.returncode == 0, r.stderr
    assert "Aging refreshed at 2026-10-31: 6 open items" in " ".join(r.stdout.split())


def test_workbench_new_then_run_an_action_by_its_ribbon_name(tmp_path, fixtures):
    wb = tmp_path / "new.xlsx"
    r = xlar("workbench", "new", wb, "--source", fixtures / "generic" / "en_clean.csv")
    assert r.returncode == 0, r.stderr
    assert "fill in the Settings sheet" in " ".join(r.stdout.split())
    r = xlar("workbench", "new", wb)
    assert r.returncode == 2 and "already exists" in r.stderr
    r = xlar("run", "refresh_aging", wb)
    assert r.returncode == 0, r.stderr
    assert "6 open items" in " ".join(r.stdout.split())
    r = xlar("run", "fly_to_the_moon", wb)
    assert r.returncode == 2 and "there is no action 'fly_to_the_moon'" in r.stderr


def test_demo_writes_a_workbench_an_export_and_a_report(tmp_path):
    r = xlar("demo", "--out", tmp_path / "demo", "--items", "400", "--customers", "40")
    assert r.returncode == 0, r.stderr
    for name in ("AR Workbench.xlsx", "run-report.md", "exports/open_items.csv",
                 "exports/customers.csv"):
        assert (tmp_path / "demo" / name).is_file(), name
    assert str(tmp_path / "demo") in " ".join(r.stdout.split())
    report = (tmp_path / "demo" / "run-report.md").read_text()
    assert "400 items accepted, 2 rejected" in report
    # and today's collection letters: made when LibreOffice is there, else said so
    from xlar.letters.pdf import find_soffice

    if find_soffice() is None:
        assert "LibreOffice, which is not installed here" in report
        return
    (batch,) = (tmp_path / "demo" / "Letters").iterdir()
    made = int(re.search(r"(\d+) letters made in batch", report).group(1))
    assert made > 0 and len(list((batch / "pdf").glob("*.pdf"))) == made
    assert len(list((batch / "email").glob("*.eml"))) + \
        int(re.search(r"(\d+) to post", report).group(1)) == made
    assert (batch / "letters-all.pdf").is_file() and str(batch) in " ".join(r.stdout.split())


def test_output_cut_short_by_a_closed_pipe_ends_quietly(tmp_path):
    """`xlar aging ... | head -2`: the reader stops after two lines; xlar stops too, with
    no error message and exit code 1, as a program whose output pipe closed does."""
    rows = "".join(f"C{n:05d},Customer {n},INV{n},2026-01-01,2026-02-01,100.00,100.00\n"
                   for n in range(3000))
    src = tmp_path / "big.csv"
    src.write_text("Customer ID,Customer Name,Invoice,Invoice Date,Due Date,"
                   "Original Amount,Open Balance\n" + rows)
    env = {**os.environ, "COLUMNS": "220"}
    # 3,000 table rows are far more than a pipe holds, so xlar is still writing when the
    # reader closes its end.
    p = subprocess.Popen([sys.executable, "-m", "xlar", "aging", str(src), "--as-of",
                          "2026-10-31", "--top", "3000"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    first, code, stderr = _read_two_lines_then_close(p)
    assert all(first) and b"Aging at 2026-10-31" in first[0]
    assert code == 1, stderr
    assert stderr.strip() == "", stderr


def _read_two_lines_then_close(p: subprocess.Popen) -> tuple[list[bytes], int, str]:
    """What `| head -2` does: read two lines, close the pipe, let the writer end."""
    first = [p.stdout.readline(), p.stdout.readline()]
    p.stdout.close()
    code = p.wait(timeout=300)
    stderr = p.stderr.read().decode()
    p.stderr.close()
    return first, code, stderr


def test_a_closed_pipe_met_by_plain_print_ends_quietly_too():
    """The same for output written without rich (a BrokenPipeError, not rich's exit)."""
    script = ("from xlar.cli import friendly\n"
              "@friendly\n"
              "def lines():\n"
              "    for n in range(200000):\n"
              "        print(f'line {n}')\n"
              "lines()\n")
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    first, code, stderr = _read_two_lines_then_close(p)
    assert first == [b"line 0\n", b"line 1\n"]
    assert code == 1 and stderr.strip() == "", stderr
