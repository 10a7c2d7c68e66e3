"""The demo ledger: deterministic, valid, realistic, and readable by xlar's own importer."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from xlar.demo import (
    DemoLedger,
    format_amounts,
    generate_ledger,
    write_demo_customers,
    write_demo_export,
    write_demo_files,
)
from xlar.imports import read_open_items
from xlar.imports.customers import read_customers
from xlar.model import (
    CUSTOMER_COLUMNS,
    OPEN_ITEM_COLUMNS,
    item_keys,
    validate_customers,
    validate_open_items,
)
from xlar.money import parse_amounts
from xlar.terms import due_date, parse_terms

AS_OF = dt.date(2026, 10, 31)
BUCKETS = ("Not due", "1-30", "31-60", "61-90", "91-120", "Over 120")


@pytest.fixture(scope="module")
def ledger() -> DemoLedger:
    return generate_ledger()


@pytest.fixture(scope="module")
def items(ledger) -> pd.DataFrame:
    return ledger.items


@pytest.fixture(scope="module")
def customers(ledger) -> pd.DataFrame:
    return ledger.customers


def bucket_of(days_past_due: int) -> str:
    """The default bucket, written out plainly (not with xlar.aging)."""
    for edge, label in zip((0, 30, 60, 90, 120), BUCKETS, strict=False):
        if days_past_due <= edge:
            return label
    return "Over 120"


def plain_days_past_due(items: pd.DataFrame, as_of: dt.date) -> list[int]:
    return [(as_of - d.date()).days for d in items["due_date"]]


def balances(items: pd.DataFrame) -> pd.Series:
    return items.groupby("customer_id")["open_cents"].sum()


# ---------------------------------------------------------------------------
# Determinism and schema
# ---------------------------------------------------------------------------


def test_same_seed_gives_identical_frames(ledger):
    again = generate_ledger()
    pd.testing.assert_frame_equal(ledger.items, again.items)
    pd.testing.assert_frame_equal(ledger.customers, again.customers)
    assert again.as_of == AS_OF


def test_another_seed_gives_another_ledger(items):
    other = generate_ledger(seed=7)
    assert not other.items["document"].equals(items["document"])
    assert not other.items["open_cents"].equals(items["open_cents"])


def test_sizes_and_as_of_follow_the_arguments():
    small = generate_ledger(seed=3, customers=40, items=500, as_of=dt.date(2025, 6, 30))
    assert len(small.items) == 500 and len(small.customers) == 40
    assert small.as_of == dt.date(2025, 6, 30)
    assert small.items["doc_date"].max() <= pd.Timestamp("2025-06-30")


def test_frames_fit_the_schema(items, customers):
    validate_open_items(items)
    validate_customers(customers)
    assert list(items.columns) == list(OPEN_ITEM_COLUMNS)
    assert list(customers.columns) == list(CUSTOMER_COLUMNS)
    for frame, schema in ((items, OPEN_ITEM_COLUMNS), (customers, CUSTOMER_COLUMNS)):
        for col, (kind, _meaning) in schema.items():
            expected = {"str": object, "date": np.dtype("datetime64[ns]"),
                        "cents": np.dtype(np.int64), "int": np.dtype(np.int64),
                        "bool": np.dtype(bool)}[kind]
            assert frame[col].dtype == expected, col
            if kind == "str":
                assert frame[col].map(type).eq(str).all(), col


def test_item_bookkeeping_columns(items):
    assert items["settled_date"].isna().all()
    assert (items["source_file"] == "demo").all()
    assert (items["source_sheet"] == "").all()
    assert items["source_line"].tolist() == list(range(1, len(items) + 1))
    expected = item_keys(items["customer_id"], items["doc_type"], items["document"])
    assert items["item_key"].tolist() == expected.tolist()
    assert items["item_key"].is_unique and items["document"].is_unique


def test_items_belong_to_master_customers_with_their_attributes(items, customers):
    master = customers.set_index("customer_id")
    assert items["customer_id"].isin(master.index).all()
    for col in ("customer_name", "currency", "sales_partner", "territory", "collector"):
        assert (items[col].to_numpy() == master[col].reindex(items["customer_id"]).to_numpy()
                ).all(), col


def test_items_are_listed_like_an_aging_export(items):
    ordered = items.sort_values(["customer_id", "doc_date"], kind="stable")
    assert ordered.index.equals(items.index)


@pytest.mark.parametrize("customers_n,items_n", [(1, 0), (1, 1), (5, 12), (12, 40), (2, 300)])
def test_small_ledgers_are_valid(customers_n, items_n):
    small = generate_ledger(seed=11, customers=customers_n, items=items_n)
    validate_open_items(small.items)
    validate_customers(small.customers)
    assert len(small.items) == items_n and len(small.customers) == customers_n


def test_bad_arguments_get_a_clear_error():
    with pytest.raises(ValueError, match="at least 1 customer"):
        generate_ledger(customers=0)
    with pytest.raises(ValueError, match="cannot be negative"):
        generate_ledger(items=-1)
    with pytest.raises(TypeError, match="must be a date"):
        generate_ledger(as_of="2026-10-31")


# ---------------------------------------------------------------------------
# Aging
# ---------------------------------------------------------------------------


def test_every_default_bucket_has_items(ledger):
    counts = pd.Series([bucket_of(d) for d in plain_days_past_due(ledger.items, ledger.as_of)]
                       ).value_counts()
    assert set(counts.index) == set(BUCKETS)
    assert counts["Not due"] == counts.max()  # most of a ledger is current
    assert counts["Over 120"] >= 0.03 * len(ledger.items)  # and a tail to chase


@pytest.mark.parametrize("seed", range(6))
def test_every_bucket_has_items_even_in_a_small_ledger(seed):
    small = generate_ledger(seed=seed, customers=8, items=30)
    found = {bucket_of(d) for d in plain_days_past_due(small.items, small.as_of)}
    assert found == set(BUCKETS)
    assert not small.items["doc_date"].dt.day_of_week.isin([5, 6]).any()


def test_dates_spread_over_fourteen_months_recent_ones_likelier(items):
    age = (pd.Timestamp(AS_OF) - items["doc_date"]).dt.days
    assert age.min() >= 0
    assert 365 <= age.max() <= 14 * 31 + 3
    assert (age < 90).sum() > 3 * ((age >= 270) & (age < 360)).sum()
    assert not items["doc_date"].dt.day_of_week.isin([5, 6]).any()  # no weekend documents


def test_due_dates_come_from_the_terms(items):
    with_terms = items[items["terms"] != ""]
    for row in with_terms.sample(400, random_state=1).itertuples():
        assert row.due_date.date() == due_date(parse_terms(row.terms), row.doc_date.date())
    credits = items[items["doc_type"].isin(["credit_memo", "payment"])]
    assert (credits["due_date"] == credits["doc_date"]).all()
    assert (credits["terms"] == "").all()


# ---------------------------------------------------------------------------
# Proportions and realism
# ---------------------------------------------------------------------------


def test_document_mix(items):
    share = items["doc_type"].value_counts(normalize=True)
    assert 0.06 <= share["credit_memo"] <= 0.10
    assert 0.02 <= share["payment"] <= 0.045
    assert 0.02 <= share["debit_memo"] <= 0.045
    assert 0.80 <= share["invoice"] <= 0.90


def test_signs_and_open_amounts(items):
    credit = items["doc_type"].isin(["credit_memo", "payment"])
    assert (items.loc[credit, "original_cents"] < 0).all()
    assert (items.loc[~credit, "original_cents"] > 0).all()
    assert (np.sign(items["open_cents"]) == np.sign(items["original_cents"])).all()
    assert (items["open_cents"].abs() <= items["original_cents"].abs()).all()
    assert (items["open_cents"] != 0).all()


def test_partial_payments_and_disputes(items):
    invoices = items[items["doc_type"] == "invoice"]
    partial = invoices["open_cents"] < invoices["original_cents"]
    assert 0.09 <= partial.mean() <= 0.15
    assert 0.025 <= invoices["disputed"].mean() <= 0.06
    assert not items.loc[items["doc_type"] != "invoice", "disputed"].any()
    plans = invoices["reference"].str.match(r"^(Payment plan|Plan de pagos) \d+/\d+ ")
    assert plans.any() and (invoices.loc[plans, "open_cents"]
                            < invoices.loc[plans, "original_cents"]).all()
    disputed_refs = invoices.loc[invoices["disputed"], "reference"]
    assert disputed_refs.str.match(r"^(Dispute|Disputa): ").all()


def test_amounts_look_like_real_invoices(items):
    invoices = items[items["doc_type"] == "invoice"]["original_cents"]
    assert invoices.min() >= 25_00 // 2  # no invoice of a few cents
    assert 500_00 <= invoices.median() <= 10_000_00
    assert invoices.max() > 20 * invoices.median()  # a long tail of big orders
    whole = (invoices % 100 == 0).mean()
    assert 0.08 <= whole <= 0.30  # real cents on most, round figures on some


def test_customers_language_and_currency(customers):
    assert 0.25 <= (customers["language"] == "es").mean() <= 0.35
    cur = customers["currency"].value_counts(normalize=True)
    assert cur["USD"] > 0.75 and cur.get("EUR", 0) > 0 and cur.get("MXN", 0) > 0


def test_company_names_and_terms_by_language(customers):
    en = customers[customers["language"] == "en"]
    es = customers[customers["language"] == "es"]
    assert customers["customer_name"].is_unique
    assert en["customer_name"].str.contains(r"\b(?:LLC|Inc\.|Corp\.|Co\.|Ltd\.)").mean() > 0.6
    assert es["customer_name"].str.contains("S.A. de C.V.", regex=False).any()
    assert es["customer_name"].str.contains(r"S\.L\.$").any()
    assert es["customer_name"].str.contains(r"[áéíóúñ]").any()
    spanish_terms = {"Neto 30", "30 días", "Neto 60", "Contado", "2/10 Neto 30", "Neto 30 FDM",
                     "Neto 45"}
    assert es["terms"].isin(spanish_terms).all()
    assert not en["terms"].isin(spanish_terms).any()
    for t in customers["terms"].unique():
        parse_terms(t)  # every spelling is one xlar reads
    assert {"NET 30", "2/10 NET 30", "NET 30 EOM", "15 MFI", "Due on receipt", "Neto 30",
            "Contado"} <= set(customers["terms"])


def test_contact_data(customers):
    email = customers["email"]
    assert (email == "").mean() <= 0.05
    assert email[email != ""].str.fullmatch(r"[a-z]+@[a-z0-9]+\.(com|com\.mx|es|ie)").all()
    assert customers["address"].str.count("\n").ge(1).all()
    mx = customers[customers["address"].str.endswith("México")]
    assert mx["address"].str.contains(r"\nCol\. ").all()


def test_sales_organisation(items, customers):
    assert 5 <= customers["sales_partner"].nunique() <= 8
    assert 4 <= customers["territory"].nunique() <= 6
    assert customers["collector"].nunique() == 3
    # The bilingual collector takes every Spanish-speaking account.
    es_collectors = customers.loc[customers["language"] == "es", "collector"].unique()
    assert len(es_collectors) == 1
    assert items["sales_partner"].nunique() == customers["sales_partner"].nunique()


def test_credit_limits_some_customers_over(items, customers):
    bal = balances(items).reindex(customers["customer_id"]).fillna(0).to_numpy()
    limit = customers["credit_limit_cents"].to_numpy()
    has_limit = limit > 0
    over = has_limit & (bal > limit)
    assert 0.03 <= over.sum() / (bal > 0).sum() <= 0.20
    assert (limit[has_limit] % 100_000 == 0).all()  # round figures
    cash = customers["terms"].isin(["Due on receipt", "Contado"]).to_numpy()
    assert (limit[cash] == 0).all()


def test_a_few_customers_hold_only_credits(items):
    only_credits = items.groupby("customer_id")["open_cents"].max() < 0
    assert 2 <= only_credits.sum() <= 0.05 * items["customer_id"].nunique()
    assert (balances(items)[only_credits[only_credits].index] < 0).all()


def test_tax_exempt_customers_one_expired(customers):
    exempt = customers[customers["tax_exempt_cert"] != ""]
    assert 3 <= len(exempt) <= 0.08 * len(customers)
    assert exempt["tax_exempt_cert"].str.fullmatch(r"EX-[A-Z]{2}-\d{7}").all()
    assert exempt["tax_exempt_expiry"].notna().all()
    assert customers.loc[customers["tax_exempt_cert"] == "", "tax_exempt_expiry"].isna().all()
    expired = exempt["tax_exempt_expiry"] < pd.Timestamp(AS_OF)
    assert expired.sum() == 1


def test_document_numbers_and_references(items):
    patterns = {"invoice": r"INV-\d{6,}", "credit_memo": r"CM-\d{6,}",
                "payment": r"PMT-\d{6,}", "debit_memo": r"DM-\d{5,}"}
    for t, pattern in patterns.items():
        docs = items[items["doc_type"] == t]
        assert docs["document"].str.fullmatch(pattern).all(), t
        # Numbers grow with the document date.
        by_number = docs.assign(n=docs["document"].str.extract(r"(\d+)$")[0].astype(int))
        dates = by_number.sort_values("n")["doc_date"]
        assert dates.is_monotonic_increasing, t
    po = items.loc[items["doc_type"] == "invoice", "po_number"]
    assert 0.5 <= (po != "").mean() <= 0.95
    assert (items.loc[items["doc_type"].isin(["credit_memo", "payment"]), "po_number"] == ""
            ).all()
    assert 0.15 <= (items["reference"] != "").mean() <= 0.6
    # A credit memo names an invoice of its own customer, dated no later.
    cms = items[items["doc_type"] == "credit_memo"]
    named = cms["reference"].str.extract(r"(INV-\d+)$")[0]
    assert named.notna().mean() > 0.8
    inv = items[items["doc_type"] == "invoice"].set_index("document")
    hit = cms[named.notna()].assign(inv=named[named.notna()])
    assert (inv.loc[hit["inv"], "customer_id"].to_numpy() == hit["customer_id"].to_numpy()).all()
    assert (inv.loc[hit["inv"], "doc_date"].to_numpy() <= hit["doc_date"].to_numpy()).all()
    payments = items.loc[items["doc_type"] == "payment", "reference"]
    assert payments.str.contains(r"\d+ (?:unapplied|sin aplicar)$").all()


def test_every_amount_is_whole_cents(items, customers):
    for col in ("original_cents", "open_cents"):
        assert items[col].dtype == np.int64
    assert customers["credit_limit_cents"].dtype == np.int64


# ---------------------------------------------------------------------------
# Export files and the importer
# ---------------------------------------------------------------------------

#: The columns an export carries (the source_* columns say where it was read).
EXPORTED = [c for c in OPEN_ITEM_COLUMNS if not c.startswith("source_")]


@pytest.mark.parametrize("layout", ["generic_en", "generic_es"])
def test_export_round_trips_through_the_importer(ledger, tmp_path, layout):
    path = write_demo_export(ledger, tmp_path / f"{layout}.csv", layout)
    result = read_open_items(path)
    assert len(result.rejections) == 0, result.rejections.head().to_string()
    assert result.control.lines_accounted
    assert result.control.lines_read == len(ledger.items) + 1
    # Text comes back as pandas' text dtype (Arrow-backed); compare the values.
    got = result.items[EXPORTED].reset_index(drop=True)
    text = [c for c in EXPORTED if got[c].dtype != ledger.items[c].dtype]
    got = got.astype({c: object for c in text})
    pd.testing.assert_frame_equal(got, ledger.items[EXPORTED].reset_index(drop=True))
    for cur, cents in result.control.totals_read.items():
        assert cents == int(ledger.items.loc[ledger.items["currency"] == cur, "open_cents"].sum())


def test_english_export_looks_like_a_us_erp(ledger, tmp_path):
    raw = write_demo_export(ledger, tmp_path / "en.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel shows the accents
    text = raw.decode("utf-8-sig")
    assert text.count("\r\n") == len(ledger.items) + 1  # CRLF lines, as Windows ERPs write
    header = text.split("\r\n", 1)[0]
    assert header == ("Customer ID,Customer Name,Invoice,Type,Invoice Date,Due Date,Terms,"
                      "PO Number,Original Amount,Open Balance,Currency,Sales Rep,Territory,"
                      "Collector,Disputed,Reference")
    assert re.search(r",\d{2}/\d{2}/2026,", text)
    assert re.search(r",-\d+\.\d{2},", text)  # a credit
    assert ",Payment on Account," in text and ",Yes," in text


def test_spanish_export_looks_like_a_spanish_erp(ledger, tmp_path):
    text = write_demo_export(ledger, tmp_path / "es.csv", "generic_es").read_bytes().decode(
        "utf-8-sig")
    header = text.split("\r\n", 1)[0].split(";")
    for h in ("Cliente", "Nombre", "Nº Factura", "Tipo", "Fecha", "Vencimiento",
              "Condiciones de pago", "Importe", "Saldo", "Moneda", "Vendedor", "Zona",
              "Cobrador", "Disputa"):
        assert h in header
    assert re.search(r";\d{1,3}(\.\d{3})+,\d{2};", text)  # 1.234,56
    assert re.search(r";(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])/20\d\d;", text)
    assert ";Nota de crédito;" in text and ";Sí;" in text


def test_amounts_are_written_exactly_from_cents():
    cents = [0, 5, -5, 99, 123456, -100500000, 123456789012, 2**53 + 1]
    assert list(format_amounts(cents, ["USD"] * len(cents))) == [
        "0.00", "0.05", "-0.05", "0.99", "1234.56", "-1005000.00", "1234567890.12",
        "90071992547409.93"]
    assert list(format_amounts(cents, ["EUR"] * len(cents), ",", ".")) == [
        "0,00", "0,05", "-0,05", "0,99", "1.234,56", "-1.005.000,00", "1.234.567.890,12",
        "90.071.992.547.409,93"]
    assert list(format_amounts([1234, -7, 1234], ["JPY", "JPY", "BHD"])) == [
        "1234", "-7", "1.234"]


def test_customer_master_round_trips(ledger, tmp_path):
    path = write_demo_customers(ledger, tmp_path / "customers.csv")
    back = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    c = ledger.customers
    assert len(back) == len(c)
    assert back["Customer ID"].tolist() == c["customer_id"].tolist()
    assert back["Customer Name"].tolist() == c["customer_name"].tolist()
    assert back["Address"].tolist() == c["address"].tolist()  # multi-line cells survive
    assert back["Email"].tolist() == c["email"].tolist()
    assert back["Terms"].tolist() == c["terms"].tolist()
    limits = parse_amounts(back["Credit Limit"], ".")
    assert limits.ok.all() and (limits.cents == c["credit_limit_cents"].to_numpy()).all()
    expiry = pd.to_datetime(back["Certificate Expiry"].replace("", None), format="%Y-%m-%d")
    assert expiry.astype("datetime64[ns]").equals(c["tax_exempt_expiry"].rename(
        "Certificate Expiry"))


def test_customer_master_reads_back_through_xlars_reader(ledger, tmp_path):
    result = read_customers(write_demo_customers(ledger, tmp_path / "customers.csv"))
    assert len(result.rejections) == 0
    pd.testing.assert_frame_equal(result.customers.reset_index(drop=True),
                                  ledger.customers.reset_index(drop=True))


def test_demo_files_are_written_together(tmp_path):
    small = generate_ledger(customers=20, items=200)
    paths = write_demo_files(tmp_path / "demo", small)
    assert set(paths) == {"generic_en", "generic_es", "customers"}
    assert all(p.exists() for p in paths.values())
    assert not list((tmp_path / "demo").glob(".*.tmp"))  # no temporary file left behind


def test_unknown_layout_is_refused(ledger, tmp_path):
    with pytest.raises(ValueError, match="generic_en or generic_es"):
        write_demo_export(ledger, tmp_path / "x.csv", "sap")


# ---------------------------------------------------------------------------
# Scale
# ---------------------------------------------------------------------------


def test_a_large_ledger_keeps_its_invariants():
    # Timing is measured by the benchmarks (benchmarks/aging.py generates a million items);
    # here a ledger large enough for the proportions to settle keeps its promises.
    big = generate_ledger(items=200_000, customers=10_000)
    assert len(big.items) == 200_000 and len(big.customers) == 10_000
    assert big.items["item_key"].is_unique
    assert big.customers["customer_name"].is_unique
    share = big.items["doc_type"].value_counts(normalize=True)
    assert abs(share["credit_memo"] - 0.08) < 0.005
