"""A small AR workbench for the adjustment tests: Settings, Customers, Open Items and an
Adjustments sheet typed as a specialist would, written through the real workbook port."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from xlar.aging import age_open_items
from xlar.model import DOC_TYPE_LABELS, OPEN_ITEM_COLUMNS, item_keys
from xlar.settings import Settings, settings_rows
from xlar.workbench.layout import ADJUSTMENTS, CUSTOMERS, OPEN_ITEMS, SETTINGS
from xlar.workbench.merge import UserCell
from xlar.workbench.plan import rows_plan, table_plan
from xlar.workbench.port import XlsxPort

AS_OF = dt.date(2026, 10, 15)

SETTINGS_VALUES = dict(
    as_of=AS_OF, currency="USD", user_name="ana", default_authority_limit="250.00",
    authority_limits="ana=500; luis=5000; marta=100000",
    tax_rates="default=8.25%; West=7.25%", commission_rates="default=5%; Acme Reps=7.5%",
    company_name="Globex Supply", company_address="1 Main St; Springfield",
)


def item(customer_id, document, doc_type="invoice", amount=0, open_=None, doc_date="2026-09-01",
         due_date=None, **extra) -> dict:
    cents = int(round(amount * 100))
    return dict(customer_id=customer_id, customer_name=extra.pop("customer_name",
                                                                  f"Customer {customer_id}"),
                document=document, doc_type=doc_type, doc_date=pd.Timestamp(doc_date),
                due_date=pd.Timestamp(due_date or doc_date) + (pd.Timedelta(days=30) if
                                                               due_date is None else
                                                               pd.Timedelta(0)),
                original_cents=cents, open_cents=cents if open_ is None else
                int(round(open_ * 100)), currency="USD", **extra)


_ITEM_DEFAULTS = {c: {"str": "", "date": pd.NaT, "cents": 0, "bool": False, "int": 0}[kind]
                  for c, (kind, _m) in OPEN_ITEM_COLUMNS.items()}


def items_frame(records: list[dict]) -> pd.DataFrame:
    rows = [_ITEM_DEFAULTS | r | {"source_file": "erp.csv", "source_line": i + 2}
            for i, r in enumerate(records)]
    frame = pd.DataFrame.from_records(rows, columns=list(OPEN_ITEM_COLUMNS))
    for c, (kind, _m) in OPEN_ITEM_COLUMNS.items():
        if kind == "str":
            frame[c] = frame[c].astype(object)
        elif kind == "date":
            frame[c] = pd.to_datetime(frame[c]).astype("datetime64[ns]")
        elif kind in ("cents", "int"):
            frame[c] = frame[c].astype(np.int64)
    frame["disputed"] = frame["disputed"].astype(bool)
    frame["item_key"] = item_keys(frame["customer_id"], frame["doc_type"], frame["document"])
    return frame


def customers_frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(records)
    for c in CUSTOMERS.columns:
        if c.field not in frame:
            frame[c.field] = {"money": 0, "date": pd.NaT}.get(c.kind, "")
    frame["tax_exempt_expiry"] = pd.to_datetime(frame["tax_exempt_expiry"])
    for c in CUSTOMERS.columns:
        if c.kind == "text":
            frame[c.field] = frame[c.field].fillna("").astype(object)
    frame["currency"] = frame["currency"].replace("", "USD")
    frame["language"] = frame["language"].replace("", "en")
    return frame


def write_workbench(path: Path, items: list[dict], customers: list[dict],
                    requests: list[dict], settings: dict | None = None) -> Path:
    port = XlsxPort(path)
    s = Settings(**(SETTINGS_VALUES | (settings or {})))
    port.write_table(table_plan(SETTINGS, settings_rows(s)))
    frame = age_open_items(items_frame(items), s.as_of, s.buckets())
    frame["doc_type_label"] = frame["doc_type"].map(DOC_TYPE_LABELS)
    frame["bucket"] = frame["bucket"].astype(str)
    frame["source"] = frame["source_file"] + ":" + frame["source_line"].astype(str)
    for c in ("last_note", "next_action", "promise_status"):
        frame[c] = ""
    frame["next_action_date"] = pd.NaT
    notes = [[UserCell(f"note on {d}")] for d in frame["document"]]
    port.write_table(table_plan(OPEN_ITEMS, frame, ["My Notes"], notes))
    port.write_table(table_plan(CUSTOMERS, customers_frame(customers)))
    port.write_table(rows_plan(ADJUSTMENTS, requests))
    port.save()
    return path


def add_requests(path: Path, requests: list[dict]) -> None:
    """Type more rows under the Adjustments table, as a user would."""
    port = XlsxPort(path)
    t = port.read_table(ADJUSTMENTS.table, ADJUSTMENTS.headers)
    by_header = {c.header: c.field for c in ADJUSTMENTS.columns}
    rows = [{by_header.get(h, h): v for h, v in r.items()} for r in t.frame.to_dict("records")]
    port.write_table(rows_plan(ADJUSTMENTS, rows + requests))
    port.save()


# -- a prepared month for the AR -> GL reconciliation -------------------------------------
#
# October 2026, USD, AR control 1200, unapplied cash 2450.  Known differences, as
# GL - sub-ledger: the xlar credit memo CM-2026-000001 (108.25 on I-1012) not yet in the GL,
# I-1020 booked at 780.00 in the GL against 800.00, I-1031 dated 10/31 but in the GL on
# 11/02, I-1101 in the GL on 10/31 but dated 11/01 in the sub-ledger, the payment on
# account P-1022 kept in unapplied cash, a manual accrual ACCR-10 and a stray AP posting
# FA-77.  Everything else agrees.

MONTH_ITEMS = [
    item("C1", "I-0901", amount=1000, open_=400, doc_date="2026-09-10"),
    item("C1", "I-1005", amount=2500, doc_date="2026-10-05"),
    item("C2", "I-1012", amount=1200, doc_date="2026-10-12"),
    item("C2", "I-1020", amount=800, doc_date="2026-10-20"),
    item("C3", "I-1031", amount=950, doc_date="2026-10-31"),
    item("C3", "P-1022", "payment", -300, doc_date="2026-10-22"),
    item("C1", "I-1101", amount=1500, doc_date="2026-11-01"),
]
MONTH_CUSTOMERS = [dict(customer_id=c, customer_name=f"Customer {c}") for c in ("C1", "C2", "C3")]
MONTH_CREDIT = dict(kind="credit memo", customer_id="C2", document="I-1012", amount="108.25",
                    reason_code="pricing")
MONTH_CREDIT_DAY = dt.date(2026, 10, 28)

#: (category, reference, amount GL - sub-ledger in cents)
MONTH_DIFFERENCES = {
    ("in sub-ledger, not in GL", "CM-2026-000001", 10825),
    ("amounts differ", "I-1020", -2000),
    ("timing", "I-1031", -95000),
    ("unapplied cash", "P-1022", 30000),
    ("timing", "I-1101", 150000),
    ("manual GL entry", "ACCR-10", -25000),
    ("in GL, not in sub-ledger", "FA-77", 7500),
}
MONTH_SUBLEDGER_CENTS = 40000 + 250000 + (120000 - 10825) + 80000 + 95000 - 30000
MONTH_GL_CENTS = MONTH_SUBLEDGER_CENTS + sum(c for _, _, c in MONTH_DIFFERENCES)

TRIAL_BALANCE = f"""Globex Supply - Trial balance as of 10/31/2026
Account,Account Name,Balance
1000,Cash,"25,000.00"
1200,Accounts Receivable,"{MONTH_GL_CENTS / 100:,.2f}"
2450,Unapplied cash,(300.00)
4000,Revenue,"({25000 + MONTH_GL_CENTS / 100 - 300:,.2f})"
Total,,0.00
"""

GL_DETAIL = """Account,Date,Reference,Description,Debit,Credit,Source
1200,10/03/2026,BATCH-1003,Cash receipts batch,,"2,000.00",CR
1200,10/05/2026,I-1005,Invoice I-1005,"2,500.00",,SJ
1200,10/12/2026,I-1012,Invoice I-1012,"1,200.00",,SJ
1200,10/15/2026,I-0901,Payment on I-0901,,600.00,CR
1200,10/20/2026,I-1020,Invoice I-1020,780.00,,SJ
2450,10/22/2026,P-1022,Unapplied receipt,,300.00,CR
1200,10/25/2026,FA-77,Vendor refund posted to AR,75.00,,AP
1200,10/31/2026,I-1101,Invoice I-1101,"1,500.00",,SJ
1200,10/31/2026,ACCR-10,Accrued rebate reclass,,250.00,GJ
1200,11/02/2026,I-1031,Invoice I-1031,950.00,,SJ
"""


def write_month(folder: Path) -> tuple[Path, Path]:
    tb, detail = folder / "trial_balance.csv", folder / "gl_detail.csv"
    tb.write_text(TRIAL_BALANCE, encoding="utf-8")
    detail.write_text(GL_DETAIL, encoding="utf-8")
    return tb, detail
