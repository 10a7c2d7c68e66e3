"""Adjustments: drafting a sheet of requests, posting them, and two people posting at once.

    python benchmarks/adjustments.py [--items 100000] [--requests 5000] [--posts 500]
                                     [--db sqlite|URL]

Prints, for the demo ledger:

* the time to draft (validate) a sheet of mixed requests against the open items
  (credit memos, rebills, write-offs, refunds, invoices), rows per second;
* posting throughput: requests posted per second into the activity store
  (each one transaction: numbers drawn, documents, journal lines, activity row);
* the same with two processes posting at the same moment, and a check that the
  document numbers have no gap and no duplicate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import measure, table  # noqa: E402

from xlar.adjustments.drafts import draft_adjustments  # noqa: E402
from xlar.adjustments.model import History  # noqa: E402
from xlar.adjustments.policy import policy_from_settings  # noqa: E402
from xlar.adjustments.requests import parse_request  # noqa: E402
from xlar.demo import generate_ledger  # noqa: E402
from xlar.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POLICY = policy_from_settings(Settings(tax_rates="default=8.25%; West=7.25%",
                                       commission_rates="default=5%",
                                       authority_limits="bench=1000000"))
DAY = dt.date(2026, 10, 31)


def typed_rows(items, n: int) -> list[dict]:
    """A realistic mix of requests on the ledger's documents."""
    invoices = items[items["doc_type"] == "invoice"].reset_index(drop=True)
    credits = items[items["open_cents"] < 0].reset_index(drop=True)
    rows = []
    for i in range(n):
        inv = invoices.iloc[(i * 7919) % len(invoices)]
        kind = i % 10
        if kind < 4:
            rows.append(dict(kind="credit memo", customer_id=inv.customer_id,
                             document=inv.document, amount=f"{(inv.open_cents % 5000 + 100) / 100}",
                             reason_code="pricing", note=str(i)))
        elif kind < 6:
            rows.append(dict(kind="credit and rebill", customer_id=inv.customer_id,
                             document=inv.document, lines="3 x Widget @ 19.99", note=str(i)))
        elif kind < 8:
            rows.append(dict(kind="write-off", customer_id=inv.customer_id,
                             document=inv.document, amount="1.00", reason_code="small balance",
                             note=str(i)))
        elif kind < 9 and len(credits):
            c = credits.iloc[i % len(credits)]
            rows.append(dict(kind="refund", customer_id=c.customer_id, document=c.document,
                             amount="0.50", refund_method="check", note=str(i)))
        else:
            rows.append(dict(kind="invoice", customer_id=inv.customer_id,
                             lines="2 x Service @ 120.00", note=str(i)))
    return rows


WRITER = '''
import json, sys
sys.path.insert(0, sys.argv[4])
from adjustments import post_some
print(json.dumps(post_some(sys.argv[1], sys.argv[2], int(sys.argv[3]), wait=True)))
'''


def post_some(url: str, user: str, n: int, wait: bool = False) -> dict:
    from xlar.adjustments.model import Draft, DraftDocument
    from xlar.adjustments.requests import AdjustmentRequest
    from xlar.store.adjustments import AdjustmentBook
    from xlar.store.api import open_store

    store = open_store(url, user=user)
    book = AdjustmentBook(store)
    drafts = []
    for i in range(n):
        req = AdjustmentRequest(1, f"ADJ-{user}-{i}", "credit_memo", "C1", "INV-1", None, (),
                                "pricing", "", "", "", "", "")
        doc = DraftDocument("credit_memo", "C1", "Acme", "USD", DAY, None, 10000, 825, -10825,
                            "C1|invoice|INV-1", "INV-1", gl_role="sales_returns")
        drafts.append(Draft(req, "ready", "benchmark", (doc,)))
    if wait:
        print("ready", flush=True)
        sys.stdin.readline()
    t0 = time.perf_counter()
    for d in drafts:
        book.post(d, POLICY, DAY)
    seconds = time.perf_counter() - t0
    store.engine.dispose()
    return {"user": user, "posted": n, "seconds": seconds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--customers", type=int, default=5_000)
    ap.add_argument("--requests", type=int, default=5_000)
    ap.add_argument("--posts", type=int, default=500)
    ap.add_argument("--db", default="sqlite", help="sqlite (a temp file) or a store URL")
    args = ap.parse_args()

    ledger = generate_ledger(items=args.items, customers=args.customers, as_of=DAY)
    rows = typed_rows(ledger.items, args.requests)
    reqs = [parse_request(i + 1, r) for i, r in enumerate(rows)]
    seconds, peak, drafts = measure(lambda: draft_adjustments(
        reqs, ledger.items, ledger.customers, POLICY, History(), "bench", DAY), repeat=3)
    statuses: dict[str, int] = {}
    for d in drafts:
        statuses[d.status] = statuses.get(d.status, 0) + 1

    folder = Path(tempfile.mkdtemp(prefix="xlar-bench-"))
    url = f"sqlite:///{folder / 'store.sqlite'}" if args.db == "sqlite" else args.db
    one = post_some(url, "solo", args.posts)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, who, str(args.posts),
                               str(Path(__file__).resolve().parent)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
             for who in ("a", "b")]
    for p in procs:
        p.stdout.readline()
    t0 = time.perf_counter()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        p.communicate()
    wall = time.perf_counter() - t0

    from xlar.store.adjustments import AdjustmentBook
    from xlar.store.api import open_store

    docs = AdjustmentBook(open_store(url, user="check")).documents()
    seqs = sorted(docs["seq"].tolist())
    gap_free = seqs == list(range(1, len(seqs) + 1)) and docs["number"].is_unique

    print(f"Ledger: {len(ledger.items):,} open items, {len(ledger.customers):,} customers; "
          f"{len(reqs):,} requests ({', '.join(f'{v} {k}' for k, v in statuses.items())})")
    print(table([
        ("draft (validate) the sheet", f"{seconds:.3f} s", f"{len(reqs) / seconds:,.0f} rows/s",
         f"{peak:.0f} MiB"),
        (f"post {args.posts} requests, one user", f"{one['seconds']:.2f} s",
         f"{args.posts / one['seconds']:,.0f} posts/s", ""),
        (f"post {args.posts} + {args.posts}, two processes at once", f"{wall:.2f} s",
         f"{2 * args.posts / wall:,.0f} posts/s", ""),
        ("numbers after all postings", f"{len(seqs)} documents",
         "no gap, no duplicate" if gap_free else "GAP OR DUPLICATE", ""),
    ], ("step", "time", "rate", "peak memory")))
    print(f"store: {url if args.db != 'sqlite' else 'SQLite file ' + str(folder)}")


if __name__ == "__main__":
    main()
