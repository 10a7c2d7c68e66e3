"""Cash application speed: proposals for 10,000 payments against 200,000 open items.

    python benchmarks/cashapp_speed.py [--payments 10000] [--items 200000]

Prints the seconds for the proposal step (match_payments) and, for scale, a
naive baseline in the same run: for each payment, scan every open item for
its reference and amount (what a row-by-row macro does), timed on a sample
and projected.  Goal: <= 2 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import measure, table  # noqa: E402

from xlar.cashapp.matching import match_payments  # noqa: E402
from xlar.cashapp.references import normal_document, reference_tokens  # noqa: E402
from xlar.cashapp.simulate import score, simulate_receipts  # noqa: E402
from xlar.demo import generate_ledger  # noqa: E402


def naive(payments, items):
    docs = [normal_document(d) for d in items["document"]]
    amounts = items["open_cents"].tolist()
    out = []
    for p in payments.itertuples():
        tokens = reference_tokens(p.remittance)
        out.append([i for i, (d, a) in enumerate(zip(docs, amounts, strict=True))
                    if d in tokens and a == p.amount_cents])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--payments", type=int, default=10_000)
    ap.add_argument("--items", type=int, default=200_000)
    args = ap.parse_args()
    led = generate_ledger(items=args.items, customers=max(1000, args.items // 20))
    sim = simulate_receipts(led.items, led.customers, args.payments, seed=3)
    t, mem, proposals = measure(lambda: match_payments(
        sim.payments, sim.remittances, led.items, led.customers, sim.accounts, sim.posted), 3)
    sample = sim.payments.head(50)
    t0 = time.perf_counter()
    naive(sample, led.items)
    naive_total = (time.perf_counter() - t0) / len(sample) * len(sim.payments)
    outcomes = score(proposals, sim.truth)["outcome"].value_counts(normalize=True)
    print(f"{len(sim.payments):,} payments against {len(led.items):,} open items "
          f"({led.items['customer_id'].nunique():,} customers)")
    print(table([("xlar match_payments", f"{t:.2f}", f"{len(sim.payments) / t:,.0f}",
                  f"{mem:,.0f}"),
                 ("naive scan per payment (projected from 50)", f"{naive_total:.1f}",
                  f"{len(sim.payments) / naive_total:,.0f}", "n/a")],
                ("step", "seconds", "payments/s", "peak MiB")))
    print(f"ratio naive / xlar: {naive_total / t:,.0f}x; quality on this run: "
          f"{outcomes.get('correct', 0):.1%} correct, {outcomes.get('wrong', 0):.2%} wrong")
    print(f"goal <= 2 s: {'met' if t <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
