"""Receipts with a known truth, made from a ledger: for measuring and testing matching.

:func:`simulate_receipts` writes the payments a bank file would carry for a
ledger's open items, the way customers really pay: clean references,
missing references, typos and swapped digits, one payment for several
invoices, short payments with a reason, discounts taken in and out of the
window, names spelled differently, one customer paying another's invoice,
duplicates of payments already posted, and payments nobody can place.
Alongside, the truth: what a careful specialist would apply.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.cashapp.model import payment_frame, payment_id, remittance_frame
from xlar.terms import TermsError, parse_terms

__all__ = ["Simulated", "simulate_receipts", "SCENARIOS", "score"]

#: Scenario -> share of receipts, a realistic day's mix.
SCENARIOS = {
    "clean reference": 0.40, "reference, name spelled differently": 0.10,
    "no reference": 0.10, "typo in reference": 0.06, "several invoices": 0.10,
    "short payment": 0.05, "discount in window": 0.05, "discount out of window": 0.02,
    "another customer's invoice": 0.03, "credit note netted": 0.03, "overpayment": 0.02,
    "duplicate": 0.02, "unidentified": 0.02,
}

_TYPO_FLIP = {"clean": None}


class Simulated(NamedTuple):
    """payments, remittances (structured lines), posted (earlier payments for the
    duplicate check), accounts (payer account -> customer learned earlier) and truth
    (payment_id, scenario, expect: apply / duplicate / unidentified / review, and the
    applications expected as 'doc:apply:discount:deduction' joined by ';')."""

    payments: pd.DataFrame
    remittances: pd.DataFrame
    posted: pd.DataFrame
    accounts: dict
    truth: pd.DataFrame


def _respell(name: str, rng) -> str:
    """The payer's bank writes the name its own way."""
    choices = [name.upper(), name.replace(",", "").replace(".", ""),
               " ".join(name.split()[:2]), name.split()[0].upper() + " " +
               " ".join(name.split()[1:]), name.lower()]
    return choices[rng.integers(len(choices))]


def _typo(doc: str, rng) -> str:
    digits = [i for i, c in enumerate(doc) if c.isdigit()]
    if len(digits) < 3:
        return doc
    k = rng.integers(len(digits) - 1)
    i, j = digits[k], digits[k + 1]
    if doc[i] == doc[j]:
        return doc[:i] + str((int(doc[i]) + 1) % 10) + doc[i + 1:]
    return doc[:i] + doc[j] + doc[i] + doc[j + 1:]


def _discount(terms: str):
    try:
        t = parse_terms(terms)
    except TermsError:
        return None
    return t if t.discount_pct > 0 else None


def simulate_receipts(items: pd.DataFrame, customers: pd.DataFrame, n: int, seed: int = 7,
                      as_of: dt.date | None = None, mix: dict | None = None) -> Simulated:
    rng = np.random.default_rng(seed)
    mix = mix or SCENARIOS
    names = dict(zip(customers["customer_id"], customers["customer_name"], strict=True))
    accounts = {f"DE{rng.integers(10**17, 10**18)}": c for c in customers["customer_id"]}
    acct_of = {c: a for a, c in accounts.items()}
    inv = items[(items["doc_type"] == "invoice") & (items["open_cents"] > 0)].reset_index(drop=True)
    credits = items[items["doc_type"] == "credit_memo"].reset_index(drop=True)
    by_cust = {c: g.index.to_numpy() for c, g in inv.groupby("customer_id")}
    as_of = as_of or pd.Timestamp(inv["due_date"].max()).date()
    used: set[str] = set()
    payments, remits, truth, posted = [], [], [], []
    kinds = list(mix)
    draws = rng.choice(len(kinds), size=n, p=np.array(list(mix.values())) / sum(mix.values()))

    def pick(pool=None):
        pool = pool if pool is not None else np.arange(len(inv))
        for _ in range(50):
            i = int(pool[rng.integers(len(pool))])
            if inv.at[i, "item_key"] not in used:
                used.add(inv.at[i, "item_key"])
                return i
        return None

    for k, draw in enumerate(draws):
        scenario = kinds[draw]
        pid = payment_id("sim", seed, k)
        pay = {"payment_id": pid, "source_file": "simulated", "source_line": k + 1,
               "account": "OURBANK", "booking_date": as_of, "value_date": as_of,
               "currency": "USD", "kind": "wire", "bank_reference": f"BR{seed}{k:07d}"}
        i = pick()
        if i is None:
            continue
        row = inv.loc[i]
        cust, doc, amount = row["customer_id"], row["document"], int(row["open_cents"])
        pay["currency"] = row["currency"]
        name = names.get(cust, cust)
        expect, apps = "apply", [(doc, amount, 0, 0)]
        pay.update(payer_name=name, payer_account=acct_of[cust] if rng.random() < 0.5 else "")
        text = f"INV {doc}"
        if scenario == "clean reference":
            pass
        elif scenario == "reference, name spelled differently":
            pay["payer_name"], pay["payer_account"] = _respell(name, rng), ""
        elif scenario == "no reference":
            text = "PAYMENT THANK YOU"
        elif scenario == "typo in reference":
            text = f"INV {_typo(doc, rng)}"
        elif scenario == "several invoices":
            pool = by_cust.get(cust, np.array([i]))
            extra = [j for j in (pick(pool) for _ in range(rng.integers(1, 4))) if j is not None]
            docs = [i, *extra]
            amount = int(sum(inv.at[j, "open_cents"] for j in docs))
            apps = [(inv.at[j, "document"], int(inv.at[j, "open_cents"]), 0, 0) for j in docs]
            if rng.random() < 0.5:
                text = "INV " + ", ".join(inv.at[j, "document"] for j in docs)
            else:
                text = "REMITTANCE ADVICE SENT"
                remits += [{"payment_id": pid, "document": inv.at[j, "document"],
                            "amount_cents": int(inv.at[j, "open_cents"])} for j in docs]
        elif scenario == "short payment":
            cut = int(amount * rng.uniform(0.03, 0.2))
            reason = ["damaged goods", "short shipped", "pricing error"][rng.integers(3)]
            code = {"damaged goods": "damaged", "short shipped": "quantity_short",
                    "pricing error": "pricing"}[reason]
            amount -= cut
            text = f"INV {doc} less {reason}"
            apps = [(doc, amount, 0, cut, code)]
        elif scenario in ("discount in window", "discount out of window"):
            terms = _discount(row["terms"]) if "terms" in row else None
            if terms is None or pd.isna(row["doc_date"]):
                scenario = "clean reference"
            else:
                disc = int((Decimal(amount) * terms.discount_pct / 100).quantize(Decimal(1),
                                                                                 "ROUND_HALF_UP"))
                doc_date = pd.Timestamp(row["doc_date"]).date()
                inside = scenario == "discount in window"
                day = doc_date + dt.timedelta(days=terms.discount_days if inside else
                                              terms.discount_days + 5)
                pay["booking_date"] = pay["value_date"] = day
                amount -= disc
                apps = [(doc, amount, disc, 0)] if inside else \
                    [(doc, amount, 0, disc, "short_payment")]
        elif scenario == "another customer's invoice":
            others = [c for c in by_cust if c != cust]
            if others:
                payer = others[rng.integers(len(others))]
                pay.update(payer_name=names.get(payer, payer), payer_account=acct_of[payer])
        elif scenario == "credit note netted":
            cn = credits[credits["customer_id"] == cust]
            if len(cn):
                c_row = cn.iloc[rng.integers(len(cn))]
                if c_row["item_key"] not in used and -c_row["open_cents"] < amount:
                    used.add(c_row["item_key"])
                    amount += int(c_row["open_cents"])
                    text = f"INV {doc} less CM {c_row['document']}"
                    apps = [(doc, int(row["open_cents"]), 0, 0),
                            (c_row["document"], int(c_row["open_cents"]), 0, 0)]
        elif scenario == "overpayment":
            over = int(rng.integers(1000, 50000))
            amount += over
            apps = [(doc, int(row["open_cents"]), 0, 0)]
        elif scenario == "duplicate":
            posted.append({"payment_id": pid, "payer_account": pay["payer_account"],
                           "amount_cents": amount, "value_date": as_of,
                           "bank_reference": pay["bank_reference"]})
            expect, apps = "duplicate", []
        elif scenario == "unidentified":
            used.discard(row["item_key"])
            pay.update(payer_name=f"UNKNOWN PAYER {k}", payer_account="")
            text = "TRANSFER"
            amount = int(rng.integers(1000, 10**6))
            expect, apps = "unidentified", []
        pay.update(amount_cents=amount, remittance=text)
        payments.append(pay)
        truth.append({"payment_id": pid, "scenario": scenario, "expect": expect,
                      "applications": ";".join(":".join(str(x) for x in a) for a in apps)})
    return Simulated(payment_frame(payments), remittance_frame(remits),
                     pd.DataFrame(posted, columns=["payment_id", "payer_account",
                                                   "amount_cents", "value_date",
                                                   "bank_reference"]),
                     {a: c for a, c in accounts.items()}, pd.DataFrame(truth))


def _applied(group: pd.DataFrame) -> str:
    parts = []
    for r in group.itertuples():
        if r.document:
            t = (r.document, int(r.apply_cents) + int(r.writeoff_cents), int(r.discount_cents),
                 int(r.deduction_cents))
            parts.append(":".join(str(x) for x in t) + (f":{r.deduction_reason}"
                                                         if r.deduction_cents else ""))
    return ";".join(sorted(parts))


def score(proposals: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per payment: outcome 'correct' (applied as the truth says, or rightly flagged as
    duplicate / unidentified), 'wrong' (pre-approved but not what the truth says) or
    'review' (left for a person)."""
    rows = []
    by_payment = {k: g for k, g in proposals.groupby("payment_id")}
    for t in truth.itertuples():
        g = by_payment.get(t.payment_id)
        action = g["action"].iloc[0] if g is not None else "missing"
        expected = ";".join(sorted(t.applications.split(";"))) if t.applications else ""
        if t.expect == "duplicate":
            outcome = "correct" if action == "duplicate" else \
                ("wrong" if action == "auto" else "review")
        elif t.expect == "unidentified":
            outcome = "correct" if action == "unidentified" else \
                ("wrong" if action == "auto" else "review")
        elif action == "auto":
            # deductions are compared by amount; the reason the engine reads may differ
            got = ";".join(sorted(":".join(p.split(":")[:4]) for p in _applied(g).split(";")))
            want = ";".join(sorted(":".join(p.split(":")[:4]) for p in expected.split(";")))
            outcome = "correct" if got == want else "wrong"
        else:
            outcome = "review"
        rows.append({"payment_id": t.payment_id, "scenario": t.scenario, "outcome": outcome,
                     "action": action})
    return pd.DataFrame(rows)


def bai2_statement(payments: pd.DataFrame, remittances: pd.DataFrame, as_of: dt.date,
                   bank: str = "XLARBANK", receiver: str = "XLARDEMO") -> str:
    """The receipts as the bank's BAI2 file would carry them: one account per currency,
    each receipt a 16 record (type 195, incoming wire) with the payer's name, account and
    remittance in 88 continuations, structured remittance as X12 RMR segments, and the
    account, group and file control totals the format requires."""
    day = f"{as_of:%y%m%d}"
    lines = [f"01,{bank},{receiver},{day},0600,1,80,,2/",
             f"02,{receiver},{bank},1,{day},2400,,2/"]
    group_total = accounts = 0
    remit = {k: g for k, g in remittances.groupby("payment_id")} if len(remittances) else {}
    for n, (cur, pays) in enumerate(payments.groupby("currency", sort=True)):
        account = [f"03,{9000000 + n},{cur},010,0,,/"]
        total = 0
        for p in pays.itertuples():
            amount = int(p.amount_cents)
            total += amount
            account.append(f"16,195,{amount},Z,{p.bank_reference},{p.customer_reference},")
            facts = [f"ORG:={p.payer_name}"] if p.payer_name else []
            if p.payer_account:
                facts.append(f"ORG ACCT:={p.payer_account}")
            if p.remittance:
                facts.append(f"OBI:={p.remittance}")
            for r in remit.get(p.payment_id, pd.DataFrame()).itertuples():
                digits = 10 ** 2
                kind = "CM" if r.doc_type == "credit_memo" else "IV"
                rmr = f"RMR*{kind}*{r.document}*PI*{abs(r.amount_cents) / digits:.2f}"
                if r.discount_cents:
                    full = (abs(r.amount_cents) + r.discount_cents) / digits
                    rmr += f"*{full:.2f}*{r.discount_cents / digits:.2f}"
                facts.append(rmr + "\\")
            account += [f"88,{f}" for f in facts]
        account.append(f"49,{total},{len(account) + 1}/")
        lines += account
        group_total += total
        accounts += 1
    lines.append(f"98,{group_total},{accounts},{len(lines)}/")
    lines.append(f"99,{group_total},1,{len(lines) + 1}/")
    return "\n".join(lines) + "\n"
