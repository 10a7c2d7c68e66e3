"""Letters: 1,000 letters (Word + one PDF each + the merged PDF + an .eml each), timed.

    python benchmarks/letters.py [--letters 1000] [--baseline-sample 20]

The letters come from the demo ledger (1,800 customers, 16,000 items: the first
1,000 past-due customers, a realistic mix of levels 1-4, English and Spanish, short
and long letters).  The goal is 30 s for 1,000 letters.

The baseline is what a mail merge usually does: one LibreOffice process per letter
(``soffice --convert-to pdf LETTER.docx``, its profile already warm, so each run
pays only the start).  It is measured on a sample of letters and projected to the
whole batch; the rest of the work (Word files, merging, e-mails) is taken as the
batched run measured it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import table  # noqa: E402


def _letters(n: int):
    import numpy as np

    from xlar.aging import age_open_items, make_buckets
    from xlar.demo import generate_ledger
    from xlar.dunning import DEFAULT_POLICY
    from xlar.letters.compose import batch_letters
    from xlar.letters.selection import no_facts, select_letters

    ledger = generate_ledger(seed=2026, customers=1800, items=16000)
    aged = age_open_items(ledger.items, ledger.as_of)
    sel = select_letters(aged, ledger.customers, no_facts(), DEFAULT_POLICY, ledger.as_of)
    letters = sel.letters[sel.letters["include"]].copy()
    # A batch as it is after some months of dunning: the levels the age calls for.
    letters["level"] = letters["level_due"]
    rng = np.random.default_rng(1)
    letters["delivery"] = "email"
    letters["email"] = letters["email"].where(letters["email"] != "",
                                              [f"ap{i}@example.com" for i in range(len(letters))])
    composed = batch_letters(sel._replace(letters=letters.head(n)), aged, None, DEFAULT_POLICY,
                             ledger.as_of, make_buckets())
    rng.shuffle(composed.letters)
    return composed.letters, ledger.as_of


def _batched(letters, as_of, root: Path) -> tuple[float, object]:
    from xlar.letters.batch import produce_batch
    from xlar.letters.documents import Company, Signature

    company = Company("Harbor Industrial Supply Co.",
                      "1200 Commerce Blvd; Suite 400; Chicago, IL 60607",
                      "ar@harborsupply.com", "+1 312 555 0147")
    t0 = time.perf_counter()
    result = produce_batch(letters, company, Signature("Alicia Gómez", "Credit & Collections"),
                           root, as_of, sender="ar@harborsupply.com")
    return time.perf_counter() - t0, result


def _one_process_per_letter(docx: list[Path], out: Path) -> float:
    """Seconds to convert *docx* with one soffice run per letter (profile warmed first)."""
    from xlar.letters.pdf import find_soffice

    soffice = find_soffice()
    profile = Path(tempfile.mkdtemp(prefix="xlar-bench-profile-"))
    cmd = [soffice, "--headless", "--norestore", "--nologo", "--nodefault",
           f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "pdf", "--outdir",
           str(out)]
    try:
        subprocess.run([*cmd, str(docx[0])], capture_output=True, timeout=300, check=True)
        t0 = time.perf_counter()
        for d in docx:
            subprocess.run([*cmd, str(d)], capture_output=True, timeout=300, check=True)
        return time.perf_counter() - t0
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--letters", type=int, default=1000)
    ap.add_argument("--baseline-sample", type=int, default=20)
    args = ap.parse_args()
    letters, as_of = _letters(args.letters)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} when the run started "
          "(other work on the machine slows LibreOffice down)")
    work = Path(tempfile.mkdtemp(prefix="xlar-bench-letters-"))
    try:
        seconds, result = _batched(letters, as_of, work)
        pages = result.pages
        folder = result.folder
        emls = len(list((folder / "email").glob("*.eml")))
        docx = sorted((folder / "docx").glob("*.docx"))
        sample = docx[: args.baseline_sample]
        base_sample = _one_process_per_letter(sample, work / "baseline")
        per_letter = base_sample / len(sample)
        # The per-letter conversion replaces the batch's one conversion; the rest stays.
        projected = per_letter * len(letters)
        languages = {x.language for x in letters}
        levels = sorted({x.level for x in letters})
        print(f"{len(letters)} letters ({', '.join(sorted(languages))}; levels "
              f"{', '.join(map(str, levels))}), {pages} pages, {emls} e-mails")
        print(table([
            ("xlar: one LibreOffice run for the batch", f"{seconds:.1f}",
             f"{len(letters) / seconds:.0f}", "goal <= 30 s: " + ("met" if seconds <= 30
                                                                  else "NOT met")),
            (f"baseline: one LibreOffice run per letter ({len(sample)} measured)",
             f"{projected:.1f} (projected; {per_letter:.2f} s a letter)",
             f"{1 / per_letter:.1f}", ""),
        ], ("", "seconds for the batch", "letters/s", "")))
        print(f"ratio: the batched run is {projected / seconds:.0f}x faster than one process "
              "per letter (conversion alone; the baseline does not even count writing the "
              "Word files and e-mails)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
