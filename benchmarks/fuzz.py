"""The long fuzz run: thousands of hostile inputs per reader, and the tally.

    python benchmarks/fuzz.py [--examples 10000] [--readers "payments: bai2" ...]
                              [--jobs 2] [--report benchmarks/fuzz_report.md] [--seed N]

Generates inputs with the same strategies as tests/test_fuzz.py
(tests/support/fuzzing.py: mutated copies of every real and own fixture,
generated text, garbage, generated workbooks; generated Card Payments sheets)
and reads each one.  Unlike the test, a failure does not stop the run: it is
counted as a crash, described, and its input kept under --keep (default
/tmp/xlar-fuzz-crashes) to replay.  Prints per reader: inputs, read (with how
many data rows, and how many rejected with a reason), refused with a
user-facing message, crashes (any other exception, a broken property, a
deadline or memory limit passed), and the slowest read.  --report writes the
table and the most frequent refusals as Markdown.

One process per reader at a time, --jobs at once (2 cores: 10,000 inputs for
each of the 14 readers take about an hour).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This checkout's xlar, not one installed from elsewhere; and the tests' support code.
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(Path(__file__).resolve().parent)]

from _common import table  # noqa: E402


def run_reader(args: tuple[str, int, int, str]) -> dict:
    """Fuzz one reader; the tally as a dict (runs in a worker process)."""
    name, examples, seed, keep = args
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed
    from support import fuzzing as fz

    import xlar

    assert Path(xlar.__file__).resolve().parent.parent == ROOT, xlar.__file__
    tally = fz.Tally()
    keep_dir = Path(keep)
    started = time.perf_counter()
    strategy = fz.card_frames() if name == fz.CARDS else fz.cases(name)

    @hseed(seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=["generate"])
    @given(strategy)
    def one(case) -> None:
        with fz.scratch() as d:
            try:
                if name == fz.CARDS:
                    outcome = fz.attempt(fz.read_cards, case, name)
                else:
                    outcome = fz.run_case(name, case, d)
            except (Exception, fz.TimeLimit) as e:  # a crash: count it, keep the input
                note = f"{fz.describe_exception(e)} <- {case!r}"
                tally.crash(note)
                _keep(keep_dir, name, tally.crashes, case)
                return
            tally.add(outcome)

    one()
    return {"name": name, "inputs": tally.inputs, "read": tally.read, "rows": tally.rows,
            "rejected": tally.rejected, "read_with_rejections": tally.read_with_rejections,
            "refused": tally.refused, "crashes": tally.crashes, "slowest": tally.slowest,
            "crash_notes": tally.crash_notes[:20], "refusals": tally.refusals,
            "seconds": time.perf_counter() - started}


def _keep(directory: Path, name: str, number: int, case) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    stem = name.replace(": ", "-").replace(" ", "_") + f"-{number}"
    if hasattr(case, "write"):
        case.write(directory).rename(directory / f"{stem}{case.suffix}")
    else:
        case.to_pickle(directory / f"{stem}.pkl")


def main(argv: list[str] | None = None) -> int:
    from support import fuzzing as fz

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--examples", type=int, default=10_000)
    ap.add_argument("--readers", nargs="*", default=list(fz.ALL_READERS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20261031)
    ap.add_argument("--keep", default="/tmp/xlar-fuzz-crashes")
    ap.add_argument("--report", type=Path, default=None)
    args = ap.parse_args(argv)

    work = [(n, args.examples, args.seed, args.keep) for n in args.readers]
    started = time.perf_counter()
    with mp.get_context("spawn").Pool(args.jobs, maxtasksperchild=1) as pool:
        results = []
        for r in pool.imap_unordered(run_reader, work):
            results.append(r)
            print(f"  {r['name']}: {r['inputs']:,} inputs, {r['crashes']} crashes "
                  f"({r['seconds']:.0f} s)", flush=True)
    order = {n: i for i, n in enumerate(args.readers)}
    results.sort(key=lambda r: order[r["name"]])
    rows = [(r["name"], f"{r['inputs']:,}", f"{r['read']:,}", f"{r['rows']:,}",
             f"{r['rejected']:,}", f"{r['read_with_rejections']:,}", f"{r['refused']:,}",
             r["crashes"], f"{r['slowest']:.2f}") for r in results]
    headers = ("reader", "inputs", "read", "data rows", "rows rejected", "reads with rejections",
               "refused", "crashes", "slowest s")
    text = table(rows, headers)
    print(text)
    for r in results:
        for note in r["crash_notes"]:
            print(f"CRASH {r['name']}: {note}")
    total = sum(r["inputs"] for r in results)
    crashes = sum(r["crashes"] for r in results)
    print(f"{total:,} inputs, {crashes} crashes, {time.perf_counter() - started:.0f} s")
    if args.report:
        args.report.write_text(_markdown(results, headers, rows, args, total, crashes,
                                         time.perf_counter() - started))
    return 1 if crashes else 0


def _markdown(results, headers, rows, args, total, crashes, seconds) -> str:
    lines = [
        "# Fuzz run: every reader against hostile input",
        "",
        f"Run {dt.date.today().isoformat()} with `python benchmarks/fuzz.py --examples "
        f"{args.examples} --seed {args.seed}` ({seconds / 60:.0f} min on 2 cores).",
        "Inputs come from tests/support/fuzzing.py: mutated copies of every fixture in "
        "tests/fixtures and ../shared/fixtures (truncated, bytes flipped, re-encoded, BOMs, "
        "CR-only and mixed line ends, huge fields, binary junk, lines duplicated/dropped/swapped/"
        "repeated, "
        "fields replaced, files spliced), lines of the fixtures in random order with fields "
        "replaced, garbage bytes and text, and XLSX workbooks built from the table fixtures "
        "with cells replaced.",
        "",
        "*read*: the reader returned a result in which every data row is accepted or rejected "
        "with a reason (rows in = accepted + rejected; the control's lines accounted for). "
        "*refused*: the file as a whole was refused with a user-facing error (ReadError and the "
        "other errors the CLI shows as a message). *crashes*: any other exception, a broken "
        "property, or a read past its deadline or memory limit.",
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
        *("| " + " | ".join(str(x) for x in r) + " |" for r in rows),
        "",
        f"**{total:,} inputs, {crashes} crashes.**",
        "",
        "## Most frequent refusals per reader",
        "",
    ]
    for r in results:
        top = sorted(r["refusals"].items(), key=lambda kv: -kv[1])[:4]
        if top:
            lines.append(f"- {r['name']}: " + "; ".join(f"{n:,}x \"{m}\"" for m, n in top))
    if crashes:
        lines += ["", "## Crashes", ""]
        for r in results:
            lines += [f"- {r['name']}: {n}" for n in r["crash_notes"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
