"""Every importer's output fits the documented schema (xlar.model), on every fixture of ours.

The schema is what the aging engine, the workbench and the exports rely on: a column
missing, money as float, a null in a text column or a duplicate item key would surface
later as a wrong figure.  Checked here for every open-items layout and the customer
master, on each file in tests/fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlar.imports import detect_layout, read_open_items
from xlar.imports.customers import read_customers
from xlar.model import OPEN_ITEM_COLUMNS, validate_customers, validate_open_items

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LAYOUT_OF_FOLDER = {"generic": "generic", "sap": "sap_fbl5n", "gp": "dynamics_gp",
                    "quickbooks": "quickbooks", "xero": "xero"}
EXPORTS = sorted(p for folder in LAYOUT_OF_FOLDER for p in (FIXTURES / folder).iterdir()
                 if p.suffix != ".py")


def test_every_layout_has_fixtures():
    assert {p.parent.name for p in EXPORTS} == set(LAYOUT_OF_FOLDER)
    assert len(EXPORTS) >= 20


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_imported_items_fit_the_schema(path):
    layout = LAYOUT_OF_FOLDER[path.parent.name]
    assert detect_layout(path) == layout  # read by the reader its folder is for
    r = read_open_items(path, layout=layout)
    assert len(r.items) > 0
    assert set(OPEN_ITEM_COLUMNS) <= set(r.items.columns)
    validate_open_items(r.items)


@pytest.mark.parametrize("path", sorted((FIXTURES / "customers").iterdir()),
                         ids=lambda p: p.name)
def test_imported_customers_fit_the_schema(path):
    r = read_customers(path)
    assert len(r.customers) > 0
    validate_customers(r.customers)
