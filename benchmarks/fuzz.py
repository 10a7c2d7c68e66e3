"""The long fuzz run: thousands of hostile inputs per reader, and the tally.

    python benchmarks/fuzz.py [--examples 10000] [--readers "payments: bai2" ...]
                              [--jobs 1] [--minutes M] [--report benchmarks/fuzz_report.md]
                              [--seed N]

Generates inputs with the same strategies as tests/test_fuzz.py
(tests/support/fuzzing.py: mutated copies of every real and own fixture,
generated text, garbage, generated workbooks; generated Card Payments sheets)
and reads each one.  Unlike the test, a failure does not stop the run: it is
counted, described, and its input kept under --keep (default
/tmp/xlar-fuzz-crashes) to replay.

Every input ends in exactly one column: *read* (a result in which rows in =
accepted + rejected with a reason), *refused* (a user-facing error for the
whole file), *unexplained* (a result whose rows do not add up; the table also
gives how many rows), or *crash* (any other exception, a broken property, a
deadline or memory limit passed).  Per reader it also prints the slowest read
and the worker's peak memory (each reader runs in a fresh process, so that
peak is that reader's).  --report writes the table and the most frequent
refusals as Markdown.

Inputs are generated in chunks of --chunk examples, each chunk a hypothesis
run with its own seed, until the reader has --examples inputs: hypothesis may
end a run early (too many duplicate or oversized draws), and the count is what
the report promises.  --minutes caps each reader's time (the run then reports
fewer inputs than asked, and says so).

One process per reader at a time, --jobs at once (10,000 inputs for each of
the 14 readers: 57 minutes in one process on a shared 2-core machine).
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


def run_reader(args: tuple[str, int, int, str, int, float | None]) -> dict:
    """Fuzz one reader; the tally as a dict (runs in a worker process)."""
    name, examples, seed, keep, chunk, minutes = args
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed
    from support import fuzzing as fz

    import xlar

    assert Path(xlar.__file__).resolve().parent.parent == ROOT, xlar.__file__
    tally = fz.Tally()
    keep_dir = Path(keep)
    started = time.perf_counter()
    strategy = fz.card_frames() if name == fz.CARDS else fz.cases(name)
    budget = minutes * 60 if minutes else float("inf")

    def one(case) -> None:
        with fz.scratch() as d:
            try:
                if name == fz.CARDS:
                    outcome = fz.attempt(fz.read_cards, case, name)
                else:
                    outcome = fz.run_case(name, case, d)
            except fz.Unexplained as e:  # rows lost or invented: count them, keep the input
                tally.unaccounted(e, f"{e.rows} rows: {str(e)[:300]} <- {_describe(case)}")
                _keep(keep_dir, name, f"unexplained-{tally.unexplained}", case)
                return
            except (Exception, fz.TimeLimit) as e:  # a crash: count it, keep the input
                tally.crash(f"{fz.describe_exception(e)} <- {_describe(case)}")
                _keep(keep_dir, name, f"crash-{tally.crashes}", case)
                return
            if outcome.seconds > tally.slowest:  # which input, to replay a near-deadline read
                slowest_case[0] = _describe(case)
            tally.add(outcome)

    slowest_case = [""]
    run = 0
    while tally.inputs < examples and time.perf_counter() - started < budget:
        before = tally.inputs

        # A seed of our own per chunk (no example database): the run replays exactly.
        @hseed(seed + run)
        @settings(max_examples=min(chunk, examples - tally.inputs), deadline=None,
                  database=None, suppress_health_check=list(HealthCheck), phases=["generate"])
        @given(strategy)
        def fuzz_chunk(case) -> None:
            one(case)

        fuzz_chunk()
        run += 1
        if tally.inputs == before:  # nothing new drawn: do not spin
            break
    return {"name": name, "inputs": tally.inputs, "read": tally.read, "rows": tally.rows,
            "rejected": tally.rejected, "read_with_rejections": tally.read_with_rejections,
            "refused": tally.refused, "crashes": tally.crashes,
            "unexplained": tally.unexplained, "unexplained_rows": tally.unexplained_rows,
            "slowest": tally.slowest, "slowest_case": slowest_case[0], "peak_mb": fz.peak_mb(),
            "crash_notes": tally.crash_notes[:20],
            "unexplained_notes": tally.unexplained_notes[:20], "refusals": tally.refusals,
            "seconds": time.perf_counter() - started}


def _describe(case) -> str:
    """One line for the report: a Case names its fixture and mutations; a card sheet
    (a DataFrame, whose repr takes many lines) its size and headers (kept as .pkl)."""
    if hasattr(case, "write"):
        return repr(case)
    return f"card sheet, {len(case)} rows, columns {list(case.columns)!r}"[:300]


def _keep(directory: Path, name: str, number: str, case) -> None:
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
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=20261031)
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--minutes", type=float, default=None,
                    help="stop each reader after this long, even short of --examples")
    ap.add_argument("--keep", default="/tmp/xlar-fuzz-crashes")
    ap.add_argument("--report", type=Path, default=None)
    args = ap.parse_args(argv)

    work = [(n, args.examples, args.seed, args.keep, args.chunk, args.minutes)
            for n in args.readers]
    started = time.perf_counter()
    with mp.get_context("spawn").Pool(args.jobs, maxtasksperchild=1) as pool:
        results = []
        for r in pool.imap_unordered(run_reader, work):
            results.append(r)
            print(f"  {r['name']}: {r['inputs']:,} inputs, {r['crashes']} crashes, "
                  f"{r['unexplained_rows']} unexplained rows ({r['seconds']:.0f} s)", flush=True)
    seconds = time.perf_counter() - started
    order = {n: i for i, n in enumerate(args.readers)}
    results.sort(key=lambda r: order[r["name"]])
    rows = [(r["name"], f"{r['inputs']:,}", f"{r['read']:,}", f"{r['rows']:,}",
             f"{r['rejected']:,}", f"{r['refused']:,}", r["crashes"],
             f"{r['unexplained_rows']:,} ({r['unexplained']})", f"{r['slowest']:.2f}",
             f"{r['peak_mb']:.0f}", f"{r['seconds'] / 60:.1f}") for r in results]
    headers = ("reader", "inputs", "read OK", "data rows", "rows rejected", "refused",
               "crashes", "unexplained rows (inputs)", "max s/input", "peak MB", "minutes")
    text = table(rows, headers)
    print(text)
    for r in results:
        print(f"SLOWEST {r['name']}: {r['slowest']:.2f} s <- {r['slowest_case']}")
    for r in results:
        for note in r["crash_notes"]:
            print(f"CRASH {r['name']}: {note}")
        for note in r["unexplained_notes"]:
            print(f"UNEXPLAINED {r['name']}: {note}")
    total = sum(r["inputs"] for r in results)
    crashes = sum(r["crashes"] for r in results)
    unexplained = sum(r["unexplained_rows"] for r in results)
    short = [r["name"] for r in results if r["inputs"] < args.examples]
    print(f"{total:,} inputs, {crashes} crashes, {unexplained} unexplained rows, "
          f"{seconds:.0f} s wall")
    if short:
        print(f"SHORT of {args.examples:,} inputs: {', '.join(short)}")
    if args.report:
        args.report.write_text(_markdown(results, headers, rows, args, total, crashes,
                                         unexplained, short, seconds))
    return 1 if crashes or unexplained or short else 0


def _markdown(results, headers, rows, args, total, crashes, unexplained, short,
              seconds) -> str:
    command = f"python benchmarks/fuzz.py --examples {args.examples} --seed {args.seed} " \
        f"--jobs {args.jobs}" + (f" --minutes {args.minutes:g}" if args.minutes else "")
    lines = [
        "# Fuzz run: every reader against hostile input",
        "",
        f"Run {dt.date.today().isoformat()} with `{command}`: {seconds / 60:.0f} min wall, "
        f"{args.jobs} worker process{'es' if args.jobs > 1 else ''} on a shared 2-core machine.",
        "Inputs come from tests/support/fuzzing.py: mutated copies of every fixture in "
        "tests/fixtures and ../shared/fixtures (truncated, bytes flipped, re-encoded, BOMs, "
        "CR-only and mixed line ends, huge fields, binary junk, lines duplicated/dropped/swapped/"
        "repeated, "
        "fields replaced, files spliced; camt also has its XML tree mutated and entity/XInclude "
        "attacks written in), lines of the fixtures in random order with fields "
        "replaced, garbage bytes and text, and XLSX workbooks built from the table fixtures "
        "with cells replaced; the card sheet gets generated frames.",
        "",
        "*read OK*: the reader returned a result in which every data row is accepted or "
        "rejected with a reason (rows in = accepted + rejected; the control's lines accounted "
        "for). *refused*: the file as a whole was refused with a user-facing error (ReadError "
        "and the other errors the CLI shows as a message). *crashes*: any other exception, a "
        "broken property, or a read past its deadline or memory limit. *unexplained rows*: "
        "rows of a returned result that are neither accepted nor rejected with a reason (and "
        "how many inputs had any). *max s/input*: the slowest read. *peak MB*: the worker "
        "process's peak resident memory over all of the reader's inputs (Python, pandas and "
        "the reader's modules included).",
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
        *("| " + " | ".join(str(x) for x in r) + " |" for r in rows),
        "",
        f"**{total:,} inputs, {crashes} crashes, {unexplained} unexplained rows.**",
    ]
    if short:
        lines += ["", f"Short of {args.examples:,} inputs (time cap): {', '.join(short)}."]
    lines += ["", "## Most frequent refusals per reader", ""]
    for r in results:
        top = sorted(r["refusals"].items(), key=lambda kv: -kv[1])[:4]
        if top:
            lines.append(f"- {r['name']}: " + "; ".join(f"{n:,}x \"{m}\"" for m, n in top))
    lines += ["", "## Slowest read per reader", ""]
    lines += [f"- {r['name']}: {r['slowest']:.2f} s, {r['slowest_case']}" for r in results]
    if crashes:
        lines += ["", "## Crashes", ""]
        for r in results:
            lines += [f"- {r['name']}: {n}" for n in r["crash_notes"]]
    if unexplained:
        lines += ["", "## Unexplained rows", ""]
        for r in results:
            lines += [f"- {r['name']}: {n}" for n in r["unexplained_notes"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
