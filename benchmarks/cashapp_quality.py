"""Cash application quality: receipts with a known truth, matched by xlar and by a
baseline that only applies an exact reference.

    python benchmarks/cashapp_quality.py [--payments 2000] [--seed 7]

The ledger is the real IBM Watson AR data set (../shared/fixtures/datasets)
when present — its invoices as open items, 100 customers given company names
— else the demo ledger.  Prints, for each matcher: % auto-applied correctly,
% applied wrongly, % left for review, overall and per scenario.
Goal: >= 95 % correct, <= 0.5 % wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import table  # noqa: E402

from xlar.cashapp.matching import PROPOSAL_COLUMNS, match_payments  # noqa: E402
from xlar.cashapp.references import normal_document, reference_tokens  # noqa: E402
from xlar.cashapp.simulate import score, simulate_receipts  # noqa: E402

IBM = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "datasets" / \
    "ibm_watson_accounts_receivable_WA_Fn-UseC.csv"


def ledger():
    if IBM.exists():
        from xlar.imports import read_open_items

        r = read_open_items(IBM, mapping=Path(__file__).resolve().parents[1] / "workbooks" /
                            "mappings" / "ibm_watson_ar.toml")
        items = r.items.copy()
        items["terms"] = np.where(np.arange(len(items)) % 4 == 0, "2/10 NET 30", "NET 30")
        from xlar.demo import generate_ledger

        names = generate_ledger(customers=100, items=200).customers["customer_name"].tolist()
        ids = sorted(items["customer_id"].unique())
        customers = pd.DataFrame({"customer_id": ids, "customer_name": names[:len(ids)]})
        items["customer_name"] = items["customer_id"].map(
            dict(zip(ids, names[:len(ids)], strict=True)))
        return "IBM Watson AR data set (2,466 invoices)", items, customers
    from xlar.demo import generate_ledger

    led = generate_ledger()
    return "demo ledger (5,000 items)", led.items, led.customers


def exact_reference_only(payments, items) -> pd.DataFrame:
    """The baseline: apply a payment only when its text names one open document whose
    balance equals the amount; everything else goes to review."""
    index = {}
    for r in items.itertuples():
        index.setdefault(normal_document(r.document), []).append(r)
    rows = []
    for p in payments.itertuples():
        hits = [r for t in reference_tokens(p.remittance) for r in index.get(t, [])]
        ok = len(hits) == 1 and hits[0].open_cents == p.amount_cents
        rows.append({c: None for c in PROPOSAL_COLUMNS} | {
            "payment_id": p.payment_id, "document": hits[0].document if ok else "",
            "apply_cents": int(p.amount_cents) if ok else 0, "discount_cents": 0,
            "writeoff_cents": 0, "deduction_cents": 0, "deduction_reason": "",
            "action": "auto" if ok else "review"})
    return pd.DataFrame(rows)


def shares(scored: pd.DataFrame) -> tuple[str, str, str]:
    n = len(scored)
    c = (scored["outcome"] == "correct").sum() / n * 100
    w = (scored["outcome"] == "wrong").sum() / n * 100
    r = (scored["outcome"] == "review").sum() / n * 100
    return f"{c:.1f}%", f"{w:.2f}%", f"{r:.1f}%"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--payments", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    name, items, customers = ledger()
    sim = simulate_receipts(items, customers, args.payments, args.seed)
    proposals = match_payments(sim.payments, sim.remittances, items, customers, sim.accounts,
                               sim.posted)
    xlar = score(proposals, sim.truth)
    base = score(exact_reference_only(sim.payments, items), sim.truth)
    print(f"Ledger: {name}; {len(sim.payments):,} receipts (seed {args.seed})")
    print(table([("xlar", *shares(xlar)), ("exact reference only", *shares(base))],
                ("matcher", "auto-applied correctly", "applied wrongly", "left for review")))
    rows = []
    for scen, g in xlar.groupby("scenario"):
        b = base[base["scenario"] == scen]
        rows.append((scen, len(g), *shares(g), shares(b)[0]))
    print()
    print(table(rows, ("scenario", "n", "xlar correct", "xlar wrong", "xlar review",
                       "baseline correct")))
    wrong = xlar[xlar["outcome"] == "wrong"]
    if len(wrong):
        print("\nWrongly applied (first 10):")
        merged = wrong.merge(sim.truth, on=["payment_id", "scenario"]).head(10)
        for r in merged.itertuples():
            got = proposals[proposals["payment_id"] == r.payment_id]
            print(f"  {r.scenario}: expected {r.applications}; got "
                  f"{list(zip(got['document'], got['apply_cents'], got['rule'], strict=True))}")
    c, w, _ = shares(xlar)
    print(f"\ngoal >= 95% correct: {'met' if float(c[:-1]) >= 95 else 'NOT met'}; "
          f"<= 0.5% wrong: {'met' if float(w[:-1]) <= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
