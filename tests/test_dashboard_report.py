"""The management past-due report: its figures are the engine's, its PDF is one or two
pages made by LibreOffice, and a missing LibreOffice gets a plain answer, not a crash."""

from __future__ import annotations

import subprocess
import sys

import pytest
from openpyxl import load_workbook

from xlar.actions import run
from xlar.demo_run import run_demo
from xlar.money import format_money
from xlar.reports import office
from xlar.reports.office import OfficeError, convert_to_pdf
from xlar.workbench.port import XlsxPort


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("report") / "demo", items=500, customers=50)


def test_the_report_pdf_shows_the_engines_figures_on_two_pages_at_most(demo, tmp_path):
    from conftest import missing_oracle

    if office.find_soffice() is None:
        missing_oracle("LibreOffice (soffice) is not installed")
    out = tmp_path / "reports"
    done = subprocess.run([sys.executable, "-m", "xlar", "report", "management",
                           str(demo.workbench), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = next(out.glob("Past-Due Report *.pdf"))
    xlsx = next(out.glob("Past-Due Report *.xlsx"))

    from pypdf import PdfReader

    reader = PdfReader(pdf)
    assert 1 <= len(reader.pages) <= 2
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    w = demo.workbench_result.workbench
    usd = w.totals.set_index("currency").loc["USD"]
    for phrase in ("Past-Due Report", "Aging by bucket", "Top 20 past-due accounts (USD)",
                   "Open disputes by reason", "Promises to pay", "Trend (USD)"):
        assert phrase in text, phrase
    assert format_money(int(usd["past_due_cents"]), "USD") in text

    # The .xlsx holds the engine's aging to the cent, and its top accounts in order.
    ws = load_workbook(xlsx)["Past-Due Report"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    labels = list(w.buckets.labels)
    for cur, t in w.totals.set_index("currency").iterrows():
        row = next(r for r in rows if r[0] == cur)
        assert [round(v * 100) for v in row[1:1 + len(labels)]] == [int(t[x]) for x in labels]
        assert round(row[1 + len(labels)] * 100) == int(t["balance_cents"])
        assert round(row[2 + len(labels)] * 100) == int(t["past_due_cents"])
    start = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Top 20"))
    shown = [r[0] for r in rows[start + 2:start + 22]]
    by = w.by_customer[(w.by_customer["currency"] == "USD") & (w.by_customer["past_due_cents"] > 0)]
    top = by.sort_values(["past_due_cents", "customer_id"], ascending=[False, True]).head(20)
    assert shown == [f"{n} ({c})" for n, c in zip(top["customer_name"], top["customer_id"],
                                                   strict=True)]
    # the demo's collector notes travel with their accounts
    noted = {r[0]: r[5] for r in rows[start + 2:start + 22] if r[5]}
    assert noted and all(str(v)[:4] == "2026" for v in noted.values())


def test_without_libreoffice_the_report_says_so_and_keeps_the_xlsx(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(office, "find_soffice", lambda: None)
    with pytest.raises(OfficeError, match="LibreOffice \\(soffice\\) was not found; install"):
        convert_to_pdf(demo.workbench, tmp_path)
    outcome = run("management_report", XlsxPort(demo.workbench), out=tmp_path)
    assert "No PDF" in outcome.message and "was not found" in outcome.message
    assert list(tmp_path.glob("Past-Due Report *.xlsx")) and not list(tmp_path.glob("*.pdf"))


def test_a_workbench_never_refreshed_gets_a_plain_answer(tmp_path):
    from xlar.reports.management import ReportError

    with pytest.raises(ReportError, match="refresh it first"):
        run("management_report", XlsxPort(tmp_path / "new.xlsx"), out=tmp_path, pdf=False)
