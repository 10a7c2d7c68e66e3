"""A deterministic sample AR ledger: customers and open items that look like a
real B2B receivables book, for ``xlar demo``, tests and benchmarks.

What makes it realistic, and why it matters to the code that uses it:

* **Customers** are companies with plausible English and Spanish names
  (``Northwind Traders LLC``, ``Distribuidora Peña S.A. de C.V.``,
  ``Ferretería López S.L.``), about 30 % Spanish-speaking (letters in
  Spanish, terms spelled ``Neto 30`` / ``Contado``), in the US, Mexico,
  Spain and Ireland, billed mostly in USD with some EUR and MXN accounts.
  Each has an e-mail address for statements (a few have none: a specialist
  has to chase it), a postal address in its country's format, a credit limit
  (about one in ten with a balance is over it; cash customers have none), a
  sales partner of its territory and a collector (the bilingual collector
  takes the Spanish accounts, the others split the alphabet).  A few
  US customers are tax exempt, with a certificate number and expiry date,
  and one of those certificates has expired.
* **Items per customer** are heavy-tailed: a few big accounts carry many
  invoices, most carry a handful, and some master records have no open item
  at all, as in any customer master.
* **Documents**: invoices, ~8 % credit memos, ~3 % unapplied payments on
  account and ~3 % debit memos (fees, freight, price differences).  Credits
  are negative.  Numbers run with the document date (``INV-104233`` is
  newer than ``INV-104101``) with gaps, because the paid invoices between
  them are no longer open.  Credit memos name the invoice they credit.
* **Dates** spread over about 14 months before the as-of date, recent ones
  much more likely (most of a ledger is current; a tail is very old), and
  never on a weekend.  Due dates are worked out from the terms by
  :mod:`xlar.terms`, so EOM and MFI terms behave as the importer would
  compute them.  Every default aging bucket has items (in a ledger of a
  few dozen items, an invoice is re-dated into any bucket left empty).
* **Amounts** are log-normal around each customer's typical order (bigger
  customers place bigger orders), with real cents; some invoices are round
  figures (services, deposits).  ~12 % of invoices are partly paid (short
  payments with a small deduction left, partial payments, payment plans),
  ~4 % are disputed (older items more often), and a few customers hold only
  credits (a credit balance: refund candidates).

Everything comes from ``numpy.random.default_rng(seed)``: the same arguments
give identical frames.  Generation is vectorised over items; the only Python
loops run over the small tables below (terms, territories, patterns), so a
million items take a couple of seconds.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlar.dates import DATE_DTYPE
from xlar.model import CUSTOMER_COLUMNS, OPEN_ITEM_COLUMNS
from xlar.money import minor_digits
from xlar.terms import due_dates, parse_terms
from xlar.text import FORMULA_PREFIXES, strip_accents

__all__ = ["DemoLedger", "generate_ledger", "write_demo_export", "write_demo_customers",
           "write_demo_files", "EXPORT_LAYOUTS", "format_amounts"]

# ---------------------------------------------------------------------------
# Word lists and mixes: the data that makes the ledger look real
# ---------------------------------------------------------------------------

#: First words of English company names (places, landmarks, family names).
EN_NAME_WORDS = (
    "Northwind", "Contoso", "Fabrikam", "Blue Ridge", "Summit", "Lakeside", "Harbor",
    "Pioneer", "Granite", "Cedar", "Redwood", "Atlas", "Keystone", "Evergreen", "Liberty",
    "Meridian", "Ironwood", "Silverline", "Westbrook", "Oakmont", "Riverbend", "Bayview",
    "Prairie", "Ridgeway", "Crescent", "Falcon", "Eagle", "Beacon", "Frontier", "Heritage",
    "Capitol", "Midland", "Coastal", "Great Lakes", "Sterling", "Tri-County", "Allied",
    "United", "Premier", "Apex", "Pinnacle", "Landmark", "Cornerstone", "Bluewater",
    "Copperfield", "Stonebridge", "Fairview", "Maplewood", "Brookside", "Lone Star",
    "Golden State", "Empire", "Patriot", "Canyon", "Timberline", "Seaboard", "Hudson",
    "Piedmont", "Sunbelt", "Gateway",
)
#: Family names for "Walker & Sons Hardware" and "Carter & Bennett Supply Co.".
EN_SURNAMES = (
    "Harrison", "Whitfield", "Carter", "Bennett", "Sullivan", "Hawthorne", "Kingsley",
    "Lawson", "Mercer", "Thornton", "Walker", "Fletcher", "Morgan", "Reed", "Porter", "Hale",
    "Gallagher", "Brennan", "Dawson", "Prescott",
)
#: What the company does.
EN_TRADES = (
    "Traders", "Supply", "Industrial Supply", "Logistics", "Manufacturing", "Foods",
    "Electric", "Hardware", "Distribution", "Builders", "Medical Supply", "Office Products",
    "Packaging", "Auto Parts", "Plastics", "Steel", "Machine Works", "Construction",
    "Wholesale", "Systems", "Printing", "Lumber", "Chemicals", "Tool & Die", "Fasteners",
    "HVAC", "Restaurant Supply", "Janitorial Supply", "Paper", "Fleet Services",
)
#: Spanish names put the trade first: "Distribuidora Peña", "Ferretería del Norte".
ES_TRADES = (
    "Distribuidora", "Ferretería", "Comercializadora", "Suministros", "Materiales",
    "Transportes", "Constructora", "Alimentos", "Grupo", "Industrias", "Papelería",
    "Refacciones", "Importadora", "Aceros", "Plásticos", "Laboratorios", "Agroindustrias",
    "Abarrotes", "Maquinaria", "Servicios Industriales", "Empaques", "Eléctrica",
    "Farmacéutica", "Textiles",
)
ES_SURNAMES = (
    "López", "García", "Martínez", "Hernández", "Peña", "Rodríguez", "Sánchez", "Ramírez",
    "Torres", "Flores", "Morales", "Ortiz", "Castillo", "Vargas", "Romero", "Navarro", "Ruiz",
    "Jiménez", "Domínguez", "Guerrero", "Medina", "Aguilar", "Delgado", "Herrera", "Cortés",
    "Ibáñez", "Salazar", "Zúñiga", "Cabrera", "Montoya",
)
#: Place phrases that agree with any trade word ("Distribuidora del Norte").
ES_PLACES = (
    "del Norte", "del Sur", "del Centro", "del Valle", "del Golfo", "del Pacífico",
    "de Occidente", "del Sureste", "de la Costa", "de Levante", "del Bajío", "del Atlántico",
)
#: Legal-form suffixes by country (and Spanish-speaking US firms), with weights.
LEGAL_FORMS = {
    "US": (("LLC", 32), ("Inc.", 30), ("Corp.", 10), ("Co.", 8), ("Company", 5), ("Group", 5),
           ("Ltd.", 3), ("Holdings LLC", 2), ("Partners", 2), ("LLP", 1)),
    "US-es": (("LLC", 55), ("Inc.", 35), ("Corp.", 10)),  # Hispanic-owned US firms
    "MX": (("S.A. de C.V.", 60), ("S. de R.L. de C.V.", 25), ("S.A.P.I. de C.V.", 8),
           ("S.C.", 7)),
    "ES": (("S.L.", 60), ("S.A.", 25), ("S.L.U.", 10), ("S.Coop.", 5)),
    "IE": (("Ltd.", 60), ("Limited", 25), ("DAC", 15)),
}

#: Countries: share of the customers of each language, and the currency mix.
#: Spanish-speaking accounts are Hispanic-owned US firms, Mexican firms (many
#: of them billed in USD, as maquiladoras are) and Spanish firms (EUR).
COUNTRY_MIX = {
    "en": (("US", 0.97), ("IE", 0.03)),
    "es": (("US", 0.40), ("MX", 0.40), ("ES", 0.20)),
}
CURRENCY_MIX = {
    "US": (("USD", 1.0),),
    "IE": (("EUR", 1.0),),
    "ES": (("EUR", 1.0),),
    "MX": (("MXN", 0.55), ("USD", 0.45)),
}
#: Units of each currency per USD, to keep order sizes alike across currencies.
FX_PER_USD = {"USD": 1.0, "EUR": 0.92, "MXN": 18.5}
SPANISH_SHARE = 0.30
TLD = {"US": "com", "MX": "com.mx", "ES": "es", "IE": "ie"}

#: city, state / province, postal-code prefix, territory.  Spanish-speaking
#: US customers are drawn from the cities marked True.
US_CITIES = (
    ("New York", "NY", "100", "Northeast", False), ("Boston", "MA", "021", "Northeast", False),
    ("Philadelphia", "PA", "191", "Northeast", False),
    ("Newark", "NJ", "071", "Northeast", True), ("Hartford", "CT", "061", "Northeast", False),
    ("Atlanta", "GA", "303", "Southeast", False), ("Miami", "FL", "331", "Southeast", True),
    ("Charlotte", "NC", "282", "Southeast", False), ("Orlando", "FL", "328", "Southeast", True),
    ("Nashville", "TN", "372", "Southeast", False), ("Chicago", "IL", "606", "Central", True),
    ("Detroit", "MI", "482", "Central", False), ("Columbus", "OH", "432", "Central", False),
    ("Dallas", "TX", "752", "Central", True), ("Houston", "TX", "770", "Central", True),
    ("San Antonio", "TX", "782", "Central", True), ("Kansas City", "MO", "641", "Central", False),
    ("Los Angeles", "CA", "900", "West", True), ("San Diego", "CA", "921", "West", True),
    ("Phoenix", "AZ", "850", "West", True), ("Denver", "CO", "802", "West", False),
    ("Seattle", "WA", "981", "West", False), ("Portland", "OR", "972", "West", False),
    ("El Paso", "TX", "799", "West", True),
)
MX_CITIES = (
    ("Monterrey", "N.L.", "64"), ("Guadalajara", "Jal.", "44"), ("Ciudad de México", "CDMX", "03"),
    ("Querétaro", "Qro.", "76"), ("Puebla", "Pue.", "72"), ("Tijuana", "B.C.", "22"),
    ("León", "Gto.", "37"), ("Saltillo", "Coah.", "25"),
)
ES_CITIES = (
    ("Madrid", "Madrid", "28"), ("Barcelona", "Barcelona", "08"), ("Valencia", "Valencia", "46"),
    ("Sevilla", "Sevilla", "41"), ("Bilbao", "Bizkaia", "48"), ("Zaragoza", "Zaragoza", "50"),
    ("Málaga", "Málaga", "29"),
)
IE_CITIES = (("Dublin", "", "D02"), ("Cork", "", "T12"), ("Galway", "", "H91"),
             ("Limerick", "", "V94"))
EN_STREETS = ("Industrial", "Commerce", "Market", "Oak", "Maple", "Lakeview", "Enterprise",
              "Technology", "Harbor", "Park", "Main", "Riverside", "Airport", "Distribution")
EN_STREET_TYPES = ("Blvd", "Ave", "St", "Pkwy", "Dr", "Rd", "Way")
ES_STREETS = ("Insurgentes", "Reforma", "Juárez", "Hidalgo", "Constitución", "Morelos",
              "de la Industria", "Alcalá", "del Puerto", "de los Olivos", "San Vicente")
MX_STREET_TYPES = ("Av.", "Calle", "Blvd.")
ES_STREET_TYPES = ("Calle", "Avenida", "Paseo")
MX_COLONIAS = ("Centro", "Industrial", "del Valle", "Obrera", "San Nicolás", "Las Américas")

#: Territory of each non-US country (US customers take their city's).
COUNTRY_TERRITORY = {"MX": "Mexico", "ES": "Europe", "IE": "Europe"}
#: Sales partners and the territories they cover.
SALES_PARTNERS = (
    ("Dana Whitaker", ("Northeast",)),
    ("Tom Kowalski", ("Northeast", "Central")),
    ("Priya Natarajan", ("Southeast",)),
    ("Marcus Reyes", ("Central", "West")),
    ("Janet Olsen", ("West",)),
    ("Carlos Mendoza", ("Mexico",)),
    ("Lucía Fernández", ("Europe", "Mexico")),
)
#: The bilingual collector takes every Spanish-speaking account; the others
#: split the English ones by the first letter of the name (A-L, M-Z).
COLLECTORS = ("Brian Mitchell", "Keisha Robinson", "Alicia Gómez")
EMAIL_BOXES = {
    "en": ("ap", "accountspayable", "invoices", "billing", "payables"),
    "es": ("cuentasporpagar", "pagos", "facturacion", "tesoreria", "proveedores"),
}
NO_EMAIL_SHARE = 0.02

#: Default payment terms per language, with weights (spellings xlar.terms reads).
TERMS_MIX = {
    "en": (("NET 30", 40), ("NET 45", 12), ("2/10 NET 30", 12), ("NET 30 EOM", 8),
           ("NET 60", 7), ("15 MFI", 5), ("NET 15", 5), ("Due on receipt", 6),
           ("1% 10 Net 45", 5)),
    "es": (("Neto 30", 40), ("30 días", 12), ("Neto 60", 10), ("Contado", 13),
           ("2/10 Neto 30", 8), ("Neto 30 FDM", 7), ("Neto 45", 10)),
}
#: Terms on which a customer gets no credit (limit 0) and single orders may go.
CASH_TERMS = {"en": "Due on receipt", "es": "Contado"}
#: Every spelling used, coded by position; code 0 = no terms (credits, payments).
TERMS_VOCAB = ("", *dict.fromkeys([*(t for mix in TERMS_MIX.values() for t, _ in mix),
                                    *CASH_TERMS.values()]))
CASH_ORDER_SHARE = 0.03  # invoices on cash terms although the account has credit

#: Document type mix of the open items (shares of all items).
DOC_TYPE_MIX = (("invoice", 0.86), ("credit_memo", 0.08), ("payment", 0.03),
                ("debit_memo", 0.03))
#: Document types as the generator codes them (index = code), in listing order.
TYPES = tuple(t for t, _ in DOC_TYPE_MIX)
INVOICE, CREDIT_MEMO, PAYMENT, DEBIT_MEMO = (TYPES.index(t) for t in
                                             ("invoice", "credit_memo", "payment", "debit_memo"))
DOC_PREFIX = {"invoice": "INV-", "credit_memo": "CM-", "payment": "PMT-", "debit_memo": "DM-"}
DOC_FIRST = {"invoice": 104000, "credit_memo": 21000, "payment": 560000, "debit_memo": 3000}
DOC_WIDTH = {"invoice": 6, "credit_memo": 6, "payment": 6, "debit_memo": 5}
#: Mean gap between consecutive open numbers (paid documents in between).
DOC_GAP = {"invoice": 2.5, "credit_memo": 1.5, "payment": 3.0, "debit_memo": 1.5}

#: Age of documents in days: most recent (exponential, scale per type), a
#: share spread evenly over ~14 months (the old tail collectors chase).
WINDOW_DAYS = 425
AGE_SCALE = {"invoice": 38.0, "credit_memo": 45.0, "payment": 25.0, "debit_memo": 40.0}
OLD_TAIL_SHARE = 0.18

#: Invoice amounts: median of a customer's orders (USD) and spreads.
INVOICE_MEDIAN_USD = 1400.0
INVOICE_SIGMA = 0.95
ROUND_INVOICE_SHARE = 0.12  # whole-unit invoices (services, deposits)
MIN_INVOICE_USD = 25.0
MAX_INVOICE_USD = 2_500_000.0
#: Typical amount of each type against the customer's typical invoice:
#: credit memos are small, payments on account about an invoice, debit memos
#: (fees, freight, price differences) smaller still.
MEDIAN_RATIO = {"invoice": 1.0, "credit_memo": 0.25, "payment": 1.0, "debit_memo": 0.12}

PARTIAL_SHARE = 0.12  # invoices partly paid
DISPUTED_SHARE = 0.04  # invoices in dispute
PAST_DUE_WEIGHT = 2.0  # disputes and partial payments: past-due items this much likelier
#: Kinds of partial payment, with weights.  A short payment leaves a small
#: deduction open, a partial payment a good part, a plan whole installments.
PARTIAL_KINDS = (("short", 0.35), ("partial", 0.40), ("plan", 0.25))
PLAN_INSTALLMENTS = (3, 4, 6, 12)

CREDIT_ONLY_SHARE = 0.01  # customers whose open items are all credits
OVER_LIMIT_SHARE = 0.10  # of customers with a balance
TAX_EXEMPT_SHARE = 0.04
EXPIRED_CERT_SHARE = 0.05

#: Reasons written in the reference of credits, debits, disputes (en, es).
CREDIT_REASONS = (("Return on", "Devolución s/"), ("Price adjustment", "Ajuste de precio"),
                  ("Damaged goods", "Mercancía dañada"), ("Short shipment", "Faltante"),
                  ("Billing error", "Error de facturación"))
PAYMENT_REFS = (("Check", "Cheque"), ("ACH", "Transferencia"), ("Wire", "SPEI"),
                ("Lockbox", "Depósito"))
#: Debit memo reasons (en, es, is a fixed fee from FEES_USD).
DEBIT_REASONS = (("Late payment fee", "Cargo por mora", True),
                 ("Returned check fee", "Comisión cheque devuelto", True),
                 ("Freight", "Flete", False), ("Price difference", "Diferencia de precio", False))
FEES_USD = (25, 35, 50, 75)
DISPUTE_REASONS = (("pricing", "precio"), ("damaged goods", "mercancía dañada"),
                   ("not received", "no recibido"), ("quantity short", "cantidad incompleta"),
                   ("duplicate billing", "factura duplicada"))
ORDER_REF_SHARE = 0.22  # invoices that carry the sales order number
PO_STYLES = ("", "PO-", "45", "P")  # none, "PO-48213", SAP-style "4500012345", "P031337"
PO_STYLE_WEIGHTS = (0.15, 0.40, 0.25, 0.20)
PO_PRESENT_SHARE = 0.88  # of the invoices of a customer who issues POs


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


class DemoLedger(NamedTuple):
    """A generated ledger.

    Attributes:
      items: open items, columns exactly :data:`xlar.model.OPEN_ITEM_COLUMNS`.
      customers: the customer master, columns exactly :data:`xlar.model.CUSTOMER_COLUMNS`.
      as_of: the date the ledger is open at (no document is dated later).
    """

    items: pd.DataFrame
    customers: pd.DataFrame
    as_of: dt.date


def generate_ledger(seed: int = 2026, customers: int = 300, items: int = 5000,
                    as_of: dt.date = dt.date(2026, 10, 31)) -> DemoLedger:
    """A realistic, deterministic AR ledger of *items* open items over *customers* customers.

    The same arguments always give identical frames.  See the module
    docstring for what is realistic about it.
    """
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if not isinstance(as_of, dt.date):
        raise TypeError(f"as_of must be a date, not {as_of!r}")
    if customers < 1:
        raise ValueError("a demo ledger needs at least 1 customer")
    if items < 0:
        raise ValueError("the number of items cannot be negative")
    rng = np.random.default_rng(seed)
    as_day = int(np.datetime64(as_of, "D").astype(np.int64))
    people = _draw_customers(rng, int(customers))
    drawn = _draw_items(rng, people, int(items), as_day)
    limits = _credit_limits(rng, people, drawn)
    cert, expiry = _tax_exemptions(rng, people, as_day)
    return DemoLedger(_item_frame(drawn, people), _customer_frame(people, limits, cert, expiry),
                      as_of)


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

_S = np.dtypes.StringDType()
_DAY = "datetime64[D]"


def _weighted(rng: np.random.Generator, table: Sequence[tuple], size: int) -> np.ndarray:
    """Indices into *table* (rows ending in a weight) drawn by weight."""
    w = np.asarray([row[-1] for row in table], dtype=np.float64)
    return rng.choice(len(table), size=size, p=w / w.sum())


def _col(table: Sequence[tuple], i: int = 0, dtype=object) -> np.ndarray:
    """Column *i* of a table as an array, for fancy indexing."""
    return np.array([row[i] for row in table], dtype=dtype)


def _words(words: Sequence[str]) -> np.ndarray:
    return np.array(words, dtype=object)


def _digits(values: np.ndarray, width: int = 0) -> np.ndarray:
    """Integers as text (numpy strings), zero-padded to *width*."""
    s = np.asarray(values, dtype=np.int64).astype(_S)
    return np.strings.zfill(s, width) if width else s


def _cat(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays and scalars (numpy strings, C speed)."""
    def text(p):
        return p if isinstance(p, str) else np.asarray(p).astype(_S, copy=False)
    out = text(parts[0])
    for p in parts[1:]:
        out = np.strings.add(out, text(p))
    return np.asarray(out, dtype=_S)


def _say(table: Sequence[tuple], pick: np.ndarray, es: np.ndarray) -> np.ndarray:
    """Row *pick* of an (English, Spanish, ...) table, in each item's language."""
    return np.where(es, _col(table, 1, _S)[pick], _col(table, 0, _S)[pick])


def _pick(rng: np.random.Generator, k: int, weights: np.ndarray) -> np.ndarray:
    """Exactly *k* distinct positions, chosen with probability proportional to *weights*.

    Efraimidis-Spirakis: the k smallest Exp(1)/w.  Exact counts keep a small
    ledger's proportions on target; O(n), so a million rows cost little.
    """
    weights = np.asarray(weights, dtype=np.float64)
    k = int(min(max(k, 0), int((weights > 0).sum())))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.full(len(weights), np.inf)
    pos = weights > 0
    keys[pos] = rng.exponential(size=int(pos.sum())) / weights[pos]
    return np.sort(np.argpartition(keys, k - 1)[:k])


def _order(*keys: np.ndarray) -> np.ndarray:
    """Positions that sort by *keys* (first key first), as ``np.lexsort(keys[::-1])``.

    Non-negative integer keys are packed into one int64 when their ranges
    allow, which sorts a million rows several times faster than lexsort.
    """
    keys = tuple(np.asarray(k, dtype=np.int64) for k in keys)
    if not keys[0].size:
        return np.zeros(0, dtype=np.int64)
    lows = [int(k.min()) for k in keys]
    sizes = [int(k.max()) - lo + 1 for k, lo in zip(keys, lows, strict=True)]
    if float(np.prod(np.array(sizes, dtype=np.float64))) >= 2.0**62:
        return np.lexsort(keys[::-1])
    packed = np.zeros(keys[0].size, dtype=np.int64)
    for k, lo, size in zip(keys, lows, sizes, strict=True):
        packed = packed * size + (k - lo)
    return np.argsort(packed, kind="stable")


def _slug(words: Sequence[str]) -> np.ndarray:
    """E-mail-safe form of each word: 'Peña' -> 'pena', 'Tri-County' -> 'tricounty'."""
    return np.array(["".join(c for c in strip_accents(w).lower() if c.isalnum()) for w in words],
                    dtype=object)


def _weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6 for day numbers since 1970-01-01 (a Thursday)."""
    return (days + 3) % 7


# ---------------------------------------------------------------------------
# Customers
# ---------------------------------------------------------------------------


class _People(NamedTuple):
    """Customer attributes as aligned arrays, with the hidden ones the items
    are drawn from (size, typical order, PO habit)."""

    ids: np.ndarray
    names: np.ndarray
    es: np.ndarray  # Spanish-speaking
    country: np.ndarray
    state: np.ndarray
    currency: np.ndarray
    fx: np.ndarray  # currency units per USD
    email: np.ndarray
    address: np.ndarray
    terms: np.ndarray  # codes into TERMS_VOCAB
    sales_partner: np.ndarray
    territory: np.ndarray
    collector: np.ndarray
    weight: np.ndarray  # relative number of open items
    median_cents: np.ndarray  # typical invoice, in the customer's currency
    po_style: np.ndarray  # index into PO_STYLES


def _draw_customers(rng: np.random.Generator, n: int) -> _People:
    es = np.zeros(n, dtype=bool)
    es[rng.permutation(n)[: round(SPANISH_SHARE * n)]] = True
    country = _countries(rng, es)
    currency = _currencies(rng, country)
    fx = np.ones(n)
    for code, rate in FX_PER_USD.items():
        fx[currency == code] = rate
    names, name_keys = _company_names(rng, es, country)
    city, state, territory, address = _addresses(rng, country, es)
    names = _unique_names(names, city)
    size = rng.standard_normal(n)
    median = INVOICE_MEDIAN_USD * np.exp(0.6 * size + 0.4 * rng.standard_normal(n)) * fx
    return _People(
        ids=_cat("C", _digits(np.arange(10001, 10001 + n))).astype(object),
        names=names, es=es, country=country, state=state, currency=currency, fx=fx,
        email=_emails(rng, name_keys, es, country), address=address,
        terms=_default_terms(rng, es), sales_partner=_sales_partners(rng, territory),
        territory=territory, collector=_collectors(names, es),
        weight=np.exp(1.1 * size), median_cents=np.rint(median * 100),
        po_style=rng.choice(len(PO_STYLES), size=n, p=PO_STYLE_WEIGHTS),
    )


def _countries(rng: np.random.Generator, es: np.ndarray) -> np.ndarray:
    out = np.empty(len(es), dtype=object)
    for lang, rows in (("en", np.flatnonzero(~es)), ("es", np.flatnonzero(es))):
        out[rows] = _col(COUNTRY_MIX[lang])[_weighted(rng, COUNTRY_MIX[lang], rows.size)]
    return out


def _currencies(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    out = np.empty(len(country), dtype=object)
    for c, mix in CURRENCY_MIX.items():
        rows = np.flatnonzero(country == c)
        out[rows] = _col(mix)[_weighted(rng, mix, rows.size)]
    return out


def _company_names(rng: np.random.Generator, es: np.ndarray, country: np.ndarray):
    """Names from the word lists, by language pattern, with the country's legal form.

    Returns (names, key words) where the key words make the e-mail domain
    ('Northwind Traders LLC' -> 'northwindtraders').
    """
    n = len(es)
    names, keys = np.empty(n, dtype=object), np.empty(n, dtype=object)
    en_rows, es_rows = np.flatnonzero(~es), np.flatnonzero(es)
    names[en_rows], keys[en_rows] = _english_names(rng, en_rows.size)
    names[es_rows], keys[es_rows] = _spanish_names(rng, es_rows.size)
    form_of = np.where((country == "US") & es, "US-es", country)
    for c, forms in LEGAL_FORMS.items():
        rows = np.flatnonzero(form_of == c)
        names[rows] = names[rows] + " " + _col(forms)[_weighted(rng, forms, rows.size)]
    return names, keys


def _english_names(rng: np.random.Generator, n: int):
    """'Northwind Traders' (75 %), 'Walker & Sons Hardware', 'Carter & Bennett Supply'."""
    word, trade = rng.integers(len(EN_NAME_WORDS), size=n), rng.integers(len(EN_TRADES), size=n)
    s1 = rng.integers(len(EN_SURNAMES), size=n)
    s2 = (s1 + rng.integers(1, len(EN_SURNAMES), size=n)) % len(EN_SURNAMES)
    pattern = rng.choice(3, size=n, p=[0.75, 0.12, 0.13])
    w, t, sur = _words(EN_NAME_WORDS), _words(EN_TRADES), _words(EN_SURNAMES)
    names = np.where(pattern == 0, w[word] + " " + t[trade],
                     np.where(pattern == 1, sur[s1] + " & Sons " + t[trade],
                              sur[s1] + " & " + sur[s2] + " " + t[trade]))
    ws, ts, ss = _slug(EN_NAME_WORDS), _slug(EN_TRADES), _slug(EN_SURNAMES)
    keys = np.where(pattern == 0, ws[word] + ts[trade],
                    np.where(pattern == 1, ss[s1] + "sons", ss[s1] + ss[s2]))
    return names.astype(object), keys.astype(object)


def _spanish_names(rng: np.random.Generator, n: int):
    """'Distribuidora Peña' (55 %), 'Ferretería del Norte', 'López Hermanos'."""
    trade, sur = rng.integers(len(ES_TRADES), size=n), rng.integers(len(ES_SURNAMES), size=n)
    place = rng.integers(len(ES_PLACES), size=n)
    brothers = rng.random(n) < 0.6
    family = np.where(brothers, " Hermanos", " e Hijos").astype(object)
    pattern = rng.choice(3, size=n, p=[0.55, 0.30, 0.15])
    t, s, p = _words(ES_TRADES), _words(ES_SURNAMES), _words(ES_PLACES)
    names = np.where(pattern == 0, t[trade] + " " + s[sur],
                     np.where(pattern == 1, t[trade] + " " + p[place], s[sur] + family))
    ts, ss, ps = _slug(ES_TRADES), _slug(ES_SURNAMES), _slug(ES_PLACES)
    family_key = np.where(brothers, "hnos", "hijos").astype(object)
    keys = np.where(pattern == 0, ts[trade] + ss[sur],
                    np.where(pattern == 1, ts[trade] + ps[place], ss[sur] + family_key))
    return names.astype(object), keys.astype(object)


def _unique_names(names: np.ndarray, city: np.ndarray) -> np.ndarray:
    """Two customers with one name are told apart as ERPs do: '... - Dallas', then '#2'."""
    s = pd.Series(names, dtype=object)
    dup = s.duplicated(keep="first").to_numpy()
    s[dup] = s[dup] + " - " + pd.Series(city, dtype=object)[dup]
    again = s.groupby(s).cumcount().to_numpy()
    s[again > 0] = s[again > 0] + " #" + (again[again > 0] + 1).astype(str).astype(object)
    return s.to_numpy(dtype=object)


def _addresses(rng: np.random.Generator, country: np.ndarray, es: np.ndarray):
    """Postal addresses in each country's format; returns (city, state, territory, address)."""
    n = len(country)
    city, state = np.empty(n, dtype=object), np.full(n, "", dtype=object)
    territory, address = np.empty(n, dtype=object), np.empty(n, dtype=object)
    number = rng.integers(100, 9900, size=n)
    sub = rng.integers(0, 1000, size=n)  # zip suffix, suite, colonia, eircode
    rows = np.flatnonzero(country == "US")
    city[rows], state[rows], territory[rows], address[rows] = _us_addresses(
        rng, es[rows], number[rows], sub[rows])
    for code, table, types, country_line in (("MX", MX_CITIES, MX_STREET_TYPES, "México"),
                                             ("ES", ES_CITIES, ES_STREET_TYPES, "España")):
        rows = np.flatnonzero(country == code)
        pick = rng.integers(len(table), size=rows.size)
        c, st = _col(table, 0)[pick], _col(table, 1)[pick]
        city[rows], state[rows], territory[rows] = c, st, COUNTRY_TERRITORY[code]
        street = (_words(types)[rng.integers(len(types), size=rows.size)] + " "
                  + _words(ES_STREETS)[rng.integers(len(ES_STREETS), size=rows.size)])
        cp = _cat(_col(table, 2)[pick], _digits(sub[rows], 3)).astype(object)
        num = _digits(number[rows] % 400 + 1).astype(object)
        if code == "MX":
            colonia = _words(MX_COLONIAS)[rng.integers(len(MX_COLONIAS), size=rows.size)]
            address[rows] = (street + " " + num + "\nCol. " + colonia + "\n" + cp + " " + c
                             + ", " + st + "\n" + country_line)
        else:
            address[rows] = (street + ", " + num + "\n" + cp + " " + c + " (" + st + ")\n"
                             + country_line)
    rows = np.flatnonzero(country == "IE")
    pick = rng.integers(len(IE_CITIES), size=rows.size)
    c = _col(IE_CITIES, 0)[pick]
    city[rows], territory[rows] = c, COUNTRY_TERRITORY["IE"]
    eircode = _cat(_col(IE_CITIES, 2)[pick], " X", _digits(sub[rows], 3)).astype(object)
    park = _words(EN_NAME_WORDS)[rng.integers(len(EN_NAME_WORDS), size=rows.size)]
    address[rows] = ("Unit " + _digits(number[rows] % 40 + 1).astype(object) + ", " + park
                     + " Business Park\n" + c + " " + eircode + "\nIreland")
    return city, state, territory, address


def _us_addresses(rng: np.random.Generator, es: np.ndarray, number: np.ndarray,
                  sub: np.ndarray):
    """'1852 Oak Blvd / Suite 140 / Miami, FL 33127'; Spanish-speaking firms in the
    cities with large Hispanic business communities."""
    hispanic = np.flatnonzero(_col(US_CITIES, 4).astype(bool))
    pick = rng.integers(len(US_CITIES), size=es.size)
    pick[es] = hispanic[rng.integers(hispanic.size, size=int(es.sum()))]
    city, state = _col(US_CITIES, 0)[pick], _col(US_CITIES, 1)[pick]
    street = (_words(EN_STREETS)[rng.integers(len(EN_STREETS), size=es.size)] + " "
              + _words(EN_STREET_TYPES)[rng.integers(len(EN_STREET_TYPES), size=es.size)])
    suite = np.where(sub < 400, "\nSuite " + _digits(sub % 40 * 10 + 100).astype(object), "")
    zipc = _cat(_col(US_CITIES, 2)[pick], _digits(sub % 100, 2)).astype(object)
    address = (_digits(number).astype(object) + " " + street + suite + "\n" + city + ", "
               + state + " " + zipc)
    return city, state, _col(US_CITIES, 3)[pick], address


def _emails(rng: np.random.Generator, keys: np.ndarray, es: np.ndarray,
            country: np.ndarray) -> np.ndarray:
    """AP mailbox at a domain made of the name ('ap@northwindtraders.com'); ~2 % have none."""
    n = len(keys)
    box = np.empty(n, dtype=object)
    for lang, rows in (("en", np.flatnonzero(~es)), ("es", np.flatnonzero(es))):
        boxes = EMAIL_BOXES[lang]
        box[rows] = _words(boxes)[rng.integers(len(boxes), size=rows.size)]
    tld = np.empty(n, dtype=object)
    for c, domain in TLD.items():
        tld[country == c] = domain
    email = box + "@" + keys + "." + tld
    email[rng.random(n) < NO_EMAIL_SHARE] = ""
    return email.astype(object)


def _default_terms(rng: np.random.Generator, es: np.ndarray) -> np.ndarray:
    """Each account's terms, as codes into TERMS_VOCAB, spelled in its language."""
    out = np.zeros(len(es), dtype=np.int64)
    for lang, rows in (("en", np.flatnonzero(~es)), ("es", np.flatnonzero(es))):
        mix = TERMS_MIX[lang]
        codes = np.array([TERMS_VOCAB.index(t) for t, _ in mix])
        out[rows] = codes[_weighted(rng, mix, rows.size)]
    return out


def _sales_partners(rng: np.random.Generator, territory: np.ndarray) -> np.ndarray:
    out = np.empty(len(territory), dtype=object)
    for t in pd.unique(territory):
        partners = _words([name for name, covers in SALES_PARTNERS if t in covers])
        rows = np.flatnonzero(territory == t)
        out[rows] = partners[rng.integers(len(partners), size=rows.size)]
    return out


def _collectors(names: np.ndarray, es: np.ndarray) -> np.ndarray:
    first = np.strings.slice(names.astype(_S), 0, 1)
    out = np.where(first < "M", COLLECTORS[0], COLLECTORS[1]).astype(object)
    out[es] = COLLECTORS[2]
    return out


# ---------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------


class _Items(NamedTuple):
    """Open items as aligned arrays, in export order (by customer, date, type, number)."""

    cust: np.ndarray  # index into _People
    kind: np.ndarray  # index into TYPES
    seq: np.ndarray  # numeric part of the document number
    document: np.ndarray  # numpy strings, like the other text below
    doc_day: np.ndarray  # int64 days since 1970-01-01
    due_day: np.ndarray
    terms: np.ndarray  # codes into TERMS_VOCAB
    original: np.ndarray  # int64 cents, signed
    open: np.ndarray
    po_number: np.ndarray
    reference: np.ndarray
    disputed: np.ndarray


def _draw_items(rng: np.random.Generator, people: _People, n: int, as_day: int) -> _Items:
    cust = rng.choice(len(people.ids), size=n, p=people.weight / people.weight.sum())
    kind = _doc_types(rng, cust, _credit_only_customers(rng, cust, len(people.ids)))
    doc_day = _doc_days(rng, kind, as_day)
    terms = _item_terms(rng, people, cust, kind)
    doc_day, due_day = _cover_every_bucket(rng, kind, terms, doc_day, as_day)
    seq = _document_sequence(rng, kind, doc_day)
    # From here on the items stand in the order an aging export lists them.
    order = _order(cust, doc_day, kind, seq)
    cust, kind, seq, doc_day, due_day, terms = (
        a[order] for a in (cust, kind, seq, doc_day, due_day, terms))
    past_due = due_day < as_day
    debit_reason = rng.integers(len(DEBIT_REASONS), size=n)
    original = _original_cents(rng, people, cust, kind, debit_reason)
    open_, plan = _partial_payments(rng, kind, original, past_due)
    disputed = _disputes(rng, kind, past_due)
    document = _document_text(kind, seq)
    reference = _references(rng, people.es[cust], cust, kind, doc_day, document, disputed,
                            plan, debit_reason)
    po = _po_numbers(rng, people.po_style[cust], kind)
    return _Items(cust, kind, seq, document, doc_day, due_day, terms, original, open_, po,
                  reference, disputed)


def _credit_only_customers(rng: np.random.Generator, cust: np.ndarray, n_customers: int
                           ) -> np.ndarray:
    """A few small accounts (1-4 items) whose open items are all credits."""
    counts = np.bincount(cust, minlength=n_customers)
    candidates = ((counts >= 1) & (counts <= 4)).astype(np.float64)
    k = max(3, round(CREDIT_ONLY_SHARE * n_customers)) if n_customers >= 50 else \
        int(n_customers >= 10)
    return _pick(rng, k, candidates)


def _doc_types(rng: np.random.Generator, cust: np.ndarray, credit_only: np.ndarray
               ) -> np.ndarray:
    """Type codes in exact counts (DOC_TYPE_MIX), so even a small ledger hits the mix.

    Credit-only accounts take their credits out of the credit quotas first.
    """
    n = len(cust)
    out = np.zeros(n, dtype=np.int64)
    forced = np.flatnonzero(np.isin(cust, credit_only))
    out[forced] = np.where(rng.random(forced.size) < 0.3, PAYMENT, CREDIT_MEMO)
    used = np.bincount(out[forced], minlength=len(TYPES))
    others = np.array([round(share * n) for _, share in DOC_TYPE_MIX], dtype=np.int64) - used
    others[INVOICE] = 0
    others = others.clip(0)
    rest = n - forced.size
    if others.sum() > rest:  # a tiny ledger: keep the non-invoice mix, shrunk
        others = np.floor(others * rest / others.sum()).astype(np.int64)
    others[INVOICE] = rest - others.sum()
    free = np.setdiff1d(np.arange(n), forced, assume_unique=True)
    out[free] = rng.permutation(np.repeat(np.arange(len(TYPES)), others))
    return out


def _doc_days(rng: np.random.Generator, kind: np.ndarray, as_day: int) -> np.ndarray:
    """Document dates: mostly recent, a tail over ~14 months, and on working days only
    (a weekend date moves to a day of that week)."""
    n = len(kind)
    scale = np.array([AGE_SCALE[t] for t in TYPES])[kind]
    recent = np.minimum(np.floor(rng.exponential(size=n) * scale), WINDOW_DAYS - 1)
    tail = rng.integers(0, WINDOW_DAYS, size=n)
    age = np.where(rng.random(n) < OLD_TAIL_SHARE, tail, recent).astype(np.int64)
    day = as_day - age
    wd = _weekday(day)
    weekend = wd >= 5
    day[weekend] += rng.integers(0, 5, size=int(weekend.sum())) - wd[weekend]
    return day


def _item_terms(rng: np.random.Generator, people: _People, cust: np.ndarray,
                kind: np.ndarray) -> np.ndarray:
    """The account's terms; a few orders on cash terms; none on credits and payments."""
    terms = people.terms[cust]
    cash = (rng.random(len(cust)) < CASH_ORDER_SHARE) & (kind == INVOICE)
    terms[cash] = np.where(people.es[cust[cash]], TERMS_VOCAB.index(CASH_TERMS["es"]),
                           TERMS_VOCAB.index(CASH_TERMS["en"]))
    terms[(kind == CREDIT_MEMO) | (kind == PAYMENT)] = 0
    return terms


def _due_days(terms: np.ndarray, doc_day: np.ndarray) -> np.ndarray:
    """Due dates by :func:`xlar.terms.due_dates`, once per distinct (terms, date) pair.

    Items without terms (credits, payments on account) are due at once.
    """
    due = doc_day.copy()
    rows = np.flatnonzero(terms > 0)
    if rows.size == 0:
        return due
    lo = int(doc_day[rows].min())
    span = int(doc_day[rows].max()) - lo + 1
    pairs, inverse = np.unique(terms[rows] * span + (doc_day[rows] - lo), return_inverse=True)
    texts = np.array(TERMS_VOCAB, dtype=object)[pairs // span]
    computed, why = due_dates(texts, (pairs % span + lo).astype(_DAY))
    bad = [w for w in why if w is not None]
    if bad:
        raise ValueError(f"the demo terms table holds terms xlar cannot read: {bad[0]}")
    due[rows] = computed.astype(_DAY).astype(np.int64)[inverse]
    return due


def _bucket_of(days_past_due: np.ndarray) -> np.ndarray:
    """Default aging bucket (0 = Not due ... 5 = Over 120) of days past due."""
    return np.searchsorted(np.array([0, 30, 60, 90, 120]), days_past_due, side="left")


#: A days-past-due figure inside each default bucket.
_BUCKET_TARGETS = (-10, 15, 45, 75, 105, 200)


def _plain_net_days() -> np.ndarray:
    """Net days of each TERMS_VOCAB entry whose due date is simply date + days (-1 if not)."""
    out = np.full(len(TERMS_VOCAB), -1, dtype=np.int64)
    for code, text in enumerate(TERMS_VOCAB[1:], start=1):
        t = parse_terms(text)
        if t.day_of_next_month is None and not t.from_month_end:
            out[code] = t.net_days
    return out


def _cover_every_bucket(rng: np.random.Generator, kind: np.ndarray, terms: np.ndarray,
                        doc_day: np.ndarray, as_day: int):
    """Due dates, after re-dating an invoice into each default bucket left empty.

    Only small ledgers need it.  The invoice moved is on plain net terms (its
    due date is its date plus the days) and leaves a bucket that keeps items.
    Returns (doc_day, due_day).
    """
    due = _due_days(terms, doc_day)
    bucket = _bucket_of(as_day - due)
    if len(kind) < len(_BUCKET_TARGETS) or np.unique(bucket).size == len(_BUCKET_TARGETS):
        return doc_day, due
    doc_day = doc_day.copy()
    net = _plain_net_days()[terms]
    for b, target in enumerate(_BUCKET_TARGETS):
        counts = np.bincount(bucket, minlength=len(_BUCKET_TARGETS))
        if counts[b]:
            continue
        ok = (kind == INVOICE) & (net >= 0) & (net + target >= 0) & (counts[bucket] > 1)
        cand = np.flatnonzero(ok)
        if cand.size:
            i = cand[rng.integers(cand.size)]
            day = as_day - target - net[i]
            # A weekend date goes back to Friday: two days keep it in the bucket.
            doc_day[i], bucket[i] = day - max(int(_weekday(day)) - 4, 0), b
    return doc_day, _due_days(terms, doc_day)


def _document_sequence(rng: np.random.Generator, kind: np.ndarray, doc_day: np.ndarray
                       ) -> np.ndarray:
    """Document numbers (numeric part) that grow with the date, with gaps where the
    documents now paid were."""
    seq = np.zeros(len(kind), dtype=np.int64)
    for code, t in enumerate(TYPES):
        rows = np.flatnonzero(kind == code)
        rows = rows[_order(doc_day[rows], rng.permutation(rows.size))]
        seq[rows] = DOC_FIRST[t] + np.cumsum(rng.geometric(1.0 / DOC_GAP[t], size=rows.size))
    return seq


def _document_text(kind: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """'INV-104233', 'CM-021044', 'PMT-560871', 'DM-03012'."""
    out = np.full(len(kind), "", dtype=_S)
    for code, t in enumerate(TYPES):
        rows = np.flatnonzero(kind == code)
        out[rows] = _cat(DOC_PREFIX[t], _digits(seq[rows], DOC_WIDTH[t]))
    return out


def _original_cents(rng: np.random.Generator, people: _People, cust: np.ndarray,
                    kind: np.ndarray, debit_reason: np.ndarray) -> np.ndarray:
    """Signed original amounts in cents: log-normal around the customer's typical order."""
    n = len(cust)
    ratio = np.array([MEDIAN_RATIO[t] for t in TYPES])[kind]
    fx = people.fx[cust]
    raw = people.median_cents[cust] * ratio * np.exp(INVOICE_SIGMA * rng.standard_normal(n))
    raw = np.clip(raw, MIN_INVOICE_USD * 100 * fx, MAX_INVOICE_USD * 100 * fx)
    cents = np.rint(raw).astype(np.int64)
    # Whole-unit amounts: service invoices, deposits, payments of round sums.
    whole = rng.random(n) < np.where(kind == PAYMENT, 0.4, ROUND_INVOICE_SHARE)
    cents[whole] = np.maximum(np.rint(cents[whole] / 100), 1).astype(np.int64) * 100
    # Fees come from the price list, converted to whole units of the currency.
    fee = (kind == DEBIT_MEMO) & _col(DEBIT_REASONS, 2, bool)[debit_reason]
    fee_usd = np.asarray(FEES_USD)[rng.integers(len(FEES_USD), size=int(fee.sum()))]
    cents[fee] = np.rint(fee_usd * fx[fee]).astype(np.int64) * 100
    return np.where((kind == CREDIT_MEMO) | (kind == PAYMENT), -cents, cents)


def _partial_payments(rng: np.random.Generator, kind: np.ndarray, original: np.ndarray,
                      past_due: np.ndarray):
    """Open amounts: exactly PARTIAL_SHARE of the invoices partly paid, past-due ones likelier.

    Returns (open cents, plan) where plan holds (installments, paid) for
    invoices on a payment plan and (0, 0) elsewhere.
    """
    open_ = original.copy()
    plan = np.zeros((len(original), 2), dtype=np.int64)
    invoice = kind == INVOICE
    weights = np.where(invoice & (original >= 200), 1.0 + PAST_DUE_WEIGHT * past_due, 0.0)
    rows = _pick(rng, round(PARTIAL_SHARE * int(invoice.sum())), weights)
    how = _weighted(rng, PARTIAL_KINDS, rows.size)
    orig = original[rows]
    share = np.where(how == 0, rng.uniform(0.01, 0.15, rows.size),
                     rng.uniform(0.2, 0.8, rows.size))
    left = np.rint(orig * share).astype(np.int64)
    inst = np.asarray(PLAN_INSTALLMENTS)[rng.integers(len(PLAN_INSTALLMENTS), size=rows.size)]
    paid = rng.integers(1, inst)  # installments paid so far, 1 .. inst-1
    on_plan = how == 2
    # Installments paid are whole shares; the last one carries the rounding.
    left = np.where(on_plan, orig - (orig // inst) * paid, left)
    open_[rows] = np.clip(left, 1, orig - 1)
    plan[rows[on_plan]] = np.column_stack([inst[on_plan], paid[on_plan]])
    return open_, plan


def _disputes(rng: np.random.Generator, kind: np.ndarray, past_due: np.ndarray) -> np.ndarray:
    """Exactly DISPUTED_SHARE of the invoices in dispute; past-due ones likelier."""
    invoice = kind == INVOICE
    weights = np.where(invoice, 1.0 + PAST_DUE_WEIGHT * past_due, 0.0)
    disputed = np.zeros(len(kind), dtype=bool)
    disputed[_pick(rng, round(DISPUTED_SHARE * int(invoice.sum())), weights)] = True
    return disputed


def _references(rng: np.random.Generator, es: np.ndarray, cust: np.ndarray, kind: np.ndarray,
                doc_day: np.ndarray, document: np.ndarray, disputed: np.ndarray,
                plan: np.ndarray, debit_reason: np.ndarray) -> np.ndarray:
    """Reference texts as an ERP carries them, in the customer's language.

    Credit memos name an invoice of the same customer dated no later
    (``Price adjustment INV-104233``); payments on account the remittance
    (``Check 48213 unapplied``); debit memos their reason; disputed invoices
    the dispute reason; payment-plan invoices the installments paid; a share
    of the other invoices the sales order.
    """
    ref = np.full(len(kind), "", dtype=_S)
    rows = np.flatnonzero((kind == INVOICE) & (rng.random(len(kind)) < ORDER_REF_SHARE))
    ref[rows] = _cat(np.where(es[rows], "Pedido ", "SO-"),
                     _digits(rng.integers(300000, 999999, size=rows.size)))
    rows = np.flatnonzero(plan[:, 0] > 0)
    ref[rows] = _cat(np.where(es[rows], "Plan de pagos ", "Payment plan "), _digits(plan[rows, 1]),
                     "/", _digits(plan[rows, 0]), np.where(es[rows], " pagado", " paid"))
    rows = np.flatnonzero(disputed)
    why = _say(DISPUTE_REASONS, rng.integers(len(DISPUTE_REASONS), size=rows.size), es[rows])
    ref[rows] = _cat(np.where(es[rows], "Disputa: ", "Dispute: "), why)
    rows = np.flatnonzero(kind == PAYMENT)
    ref[rows] = _cat(_say(PAYMENT_REFS, rng.integers(len(PAYMENT_REFS), size=rows.size), es[rows]),
                     " ", _digits(rng.integers(1000, 99999, size=rows.size)),
                     np.where(es[rows], " sin aplicar", " unapplied"))
    rows = np.flatnonzero(kind == DEBIT_MEMO)
    ref[rows] = _say(DEBIT_REASONS, debit_reason[rows], es[rows])
    rows = np.flatnonzero(kind == CREDIT_MEMO)
    invoice = _credited_invoice(rng, cust, kind, doc_day, document, rows)
    reason = _say(CREDIT_REASONS, rng.integers(len(CREDIT_REASONS), size=rows.size), es[rows])
    ref[rows] = np.where(invoice != "", _cat(reason, " ", invoice), reason)
    return ref


def _credited_invoice(rng: np.random.Generator, cust: np.ndarray, kind: np.ndarray,
                      doc_day: np.ndarray, document: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each credit memo in *rows*, an open invoice of its customer dated on or
    before it ('' when there is none)."""
    out = np.full(rows.size, "", dtype=_S)
    inv = np.flatnonzero(kind == INVOICE)
    if inv.size == 0 or rows.size == 0:
        return out
    lo = int(doc_day.min())
    span = int(doc_day.max()) - lo + 1
    key = cust[inv].astype(np.int64) * span + (doc_day[inv] - lo)
    order = np.argsort(key, kind="stable")
    key, inv = key[order], inv[order]
    first = np.searchsorted(key, cust[rows].astype(np.int64) * span, side="left")
    upto = np.searchsorted(key, cust[rows].astype(np.int64) * span + (doc_day[rows] - lo),
                           side="right")
    has = upto > first
    pos = first + np.floor(rng.random(rows.size) * (upto - first)).astype(np.int64)
    out[has] = document[inv[pos[has]]]
    return out


def _po_numbers(rng: np.random.Generator, style: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Customer PO numbers in each customer's own format, on invoices and debit memos."""
    n = len(style)
    po = np.full(n, "", dtype=_S)
    has = ((kind == INVOICE) | (kind == DEBIT_MEMO)) & (style > 0) & \
        (rng.random(n) < PO_PRESENT_SHARE)
    number = rng.integers(0, 100_000_000, size=n)
    digits = {"PO-": (100_000, 5), "45": (100_000_000, 8), "P": (1_000_000, 6)}
    for s, prefix in enumerate(PO_STYLES[1:], start=1):
        rows = np.flatnonzero(has & (style == s))
        modulo, width = digits[prefix]
        po[rows] = _cat(prefix, _digits(number[rows] % modulo, width))
    return po


# ---------------------------------------------------------------------------
# Credit limits and tax exemptions (they depend on the balances drawn)
# ---------------------------------------------------------------------------


def _nice_step(cents: np.ndarray) -> np.ndarray:
    """Credit limits are round figures: steps of 1,000 / 5,000 / 25,000 units."""
    return np.select([cents < 5_000_000, cents < 25_000_000], [100_000, 500_000], 2_500_000)


def _credit_limits(rng: np.random.Generator, people: _People, items: _Items) -> np.ndarray:
    """A limit above each account's usual exposure; ~10 % of those with a balance over it.

    Accounts on cash terms get no credit (limit 0, which means none).
    """
    n = len(people.ids)
    balance = np.zeros(n, dtype=np.int64)
    np.add.at(balance, items.cust, items.open)
    typical = people.median_cents * 6
    base = np.maximum(balance, typical) * rng.uniform(1.2, 3.0, n)
    step = _nice_step(base)
    limit = (np.ceil(base / step) * step).astype(np.int64)
    step_b = _nice_step(balance)
    cash = np.isin(people.terms, [TERMS_VOCAB.index(t) for t in CASH_TERMS.values()])
    can_exceed = (balance >= 2 * step_b) & ~cash
    over = _pick(rng, round(OVER_LIMIT_SHARE * int((balance > 0).sum())), can_exceed)
    below = balance[over] * rng.uniform(0.55, 0.95, over.size)
    limit[over] = np.maximum(np.floor(below / step_b[over]), 1).astype(np.int64) * step_b[over]
    limit[cash] = 0
    return limit


def _tax_exemptions(rng: np.random.Generator, people: _People, as_day: int):
    """A few US accounts hold a resale / exemption certificate; about one in twenty
    of those certificates (at least one) has expired and needs renewing."""
    n = len(people.ids)
    cert = np.full(n, "", dtype=object)
    expiry = np.full(n, np.datetime64("NaT"), dtype=_DAY)
    us = people.country == "US"
    k = max(1, round(TAX_EXEMPT_SHARE * n)) if n >= 10 else int(us.any())
    rows = _pick(rng, k, us)
    if rows.size:
        cert[rows] = _cat("EX-", people.state[rows].astype(_S), "-",
                          _digits(rng.integers(0, 10_000_000, size=rows.size), 7)).astype(object)
        days = as_day + rng.integers(60, 1200, size=rows.size)
        expired = rng.permutation(rows.size)[: max(1, round(EXPIRED_CERT_SHARE * rows.size))]
        days[expired] = as_day - rng.integers(5, 200, size=expired.size)
        expiry[rows] = days.astype(_DAY)
    return cert, expiry.astype(DATE_DTYPE)


# ---------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------


def _text(a) -> pd.Series:
    """A text column as xlar keeps them: object dtype, '' for missing."""
    a = np.asarray(a)
    return pd.Series(a if a.dtype == object else a.astype(object), dtype=object)


def _customer_frame(p: _People, limits: np.ndarray, cert: np.ndarray, expiry: np.ndarray
                    ) -> pd.DataFrame:
    cols = {
        "customer_id": _text(p.ids), "customer_name": _text(p.names),
        "language": _text(np.where(p.es, "es", "en")), "email": _text(p.email),
        "address": _text(p.address),
        "credit_limit_cents": pd.Series(limits, dtype=np.int64), "currency": _text(p.currency),
        "terms": _text(np.array(TERMS_VOCAB, dtype=object)[p.terms]),
        "sales_partner": _text(p.sales_partner), "territory": _text(p.territory),
        "collector": _text(p.collector), "tax_exempt_cert": _text(cert),
        "tax_exempt_expiry": pd.Series(expiry, dtype=DATE_DTYPE),
    }
    return pd.DataFrame(cols)[list(CUSTOMER_COLUMNS)]


def _item_frame(it: _Items, p: _People) -> pd.DataFrame:
    n, c = len(it.cust), it.cust
    types = np.array(TYPES, dtype=object)[it.kind]
    cols = {
        "customer_id": _text(p.ids[c]), "customer_name": _text(p.names[c]),
        "document": _text(it.document), "doc_type": _text(types),
        "doc_date": pd.Series(it.doc_day.astype(_DAY), dtype=DATE_DTYPE),
        "due_date": pd.Series(it.due_day.astype(_DAY), dtype=DATE_DTYPE),
        "original_cents": pd.Series(it.original, dtype=np.int64),
        "open_cents": pd.Series(it.open, dtype=np.int64),
        "currency": _text(p.currency[c]),
        "terms": _text(np.array(TERMS_VOCAB, dtype=object)[it.terms]),
        "po_number": _text(it.po_number), "reference": _text(it.reference),
        "sales_partner": _text(p.sales_partner[c]), "territory": _text(p.territory[c]),
        "collector": _text(p.collector[c]), "disputed": pd.Series(it.disputed, dtype=bool),
        "settled_date": pd.Series(np.full(n, np.datetime64("NaT"), dtype=DATE_DTYPE)),
        "source_file": _text(np.full(n, "demo", dtype=object)),
        "source_sheet": _text(np.full(n, "", dtype=object)),
        "source_line": pd.Series(np.arange(1, n + 1), dtype=np.int64),
        "item_key": _text(_item_keys(p.ids, c, it.kind, it.document)),
    }
    return pd.DataFrame(cols)[list(OPEN_ITEM_COLUMNS)]


def _item_keys(ids: np.ndarray, cust: np.ndarray, kind: np.ndarray, document: np.ndarray
               ) -> np.ndarray:
    """``customer|type|document``: the key :func:`xlar.model.item_keys` builds.

    Document numbers are unique by construction, so no key needs the '#n'
    of a repeat.  The ``customer|type|`` part is built once per pair in use,
    then joined to the numbers with numpy strings: item_keys' group-by would
    cost seconds at a million rows.
    """
    if len(document) == 0:
        return np.zeros(0, dtype=object)
    pair = cust.astype(np.int64) * len(TYPES) + kind
    used = np.bincount(pair, minlength=len(ids) * len(TYPES)) > 0
    pairs = np.flatnonzero(used)
    slot = np.cumsum(used) - 1  # pair -> row of *head*
    head = _cat(ids[pairs // len(TYPES)].astype(_S), "|",
                np.array(TYPES, dtype=_S)[pairs % len(TYPES)], "|")
    return _cat(head[slot[pair]], document)


# ---------------------------------------------------------------------------
# Export files (the edge: these write files)
# ---------------------------------------------------------------------------


class ExportLayout(NamedTuple):
    """How an ERP writes its open-items CSV.

    Attributes:
      columns: (header, field) in file order; fields are item columns.
      sep: field separator.
      decimal, thousands: amount separators ('' for no grouping).
      date_format: strftime format of dates.
      type_labels: doc type -> the word the ERP prints.
      yes, no: how the disputed flag is printed.
    """

    columns: tuple[tuple[str, str], ...]
    sep: str
    decimal: str
    thousands: str
    date_format: str
    type_labels: dict[str, str]
    yes: str
    no: str


#: The export layouts :func:`write_demo_export` writes; the importer reads both.
EXPORT_LAYOUTS = {
    # A US ERP's "Open AR" list: plain numbers, month/day/year.
    "generic_en": ExportLayout(
        columns=(("Customer ID", "customer_id"), ("Customer Name", "customer_name"),
                 ("Invoice", "document"), ("Type", "doc_type"), ("Invoice Date", "doc_date"),
                 ("Due Date", "due_date"), ("Terms", "terms"), ("PO Number", "po_number"),
                 ("Original Amount", "original_cents"), ("Open Balance", "open_cents"),
                 ("Currency", "currency"), ("Sales Rep", "sales_partner"),
                 ("Territory", "territory"), ("Collector", "collector"),
                 ("Disputed", "disputed"), ("Reference", "reference")),
        sep=",", decimal=".", thousands="", date_format="%m/%d/%Y",
        type_labels={"invoice": "Invoice", "debit_memo": "Debit Memo",
                     "credit_memo": "Credit Memo", "payment": "Payment on Account"},
        yes="Yes", no="No"),
    # A Spanish/Latin American ERP's "Cartera" list: ';' because ',' is the decimal mark.
    "generic_es": ExportLayout(
        columns=(("Cliente", "customer_id"), ("Nombre", "customer_name"),
                 ("Nº Factura", "document"), ("Tipo", "doc_type"), ("Fecha", "doc_date"),
                 ("Vencimiento", "due_date"), ("Condiciones de pago", "terms"),
                 ("Orden de compra", "po_number"), ("Importe", "original_cents"),
                 ("Saldo", "open_cents"), ("Moneda", "currency"), ("Vendedor", "sales_partner"),
                 ("Zona", "territory"), ("Cobrador", "collector"), ("Disputa", "disputed"),
                 ("Referencia", "reference")),
        sep=";", decimal=",", thousands=".", date_format="%d/%m/%Y",
        type_labels={"invoice": "Factura", "debit_memo": "Nota de débito",
                     "credit_memo": "Nota de crédito", "payment": "Pago"},
        yes="Sí", no="No"),
}


def format_amounts(cents, currencies, decimal: str = ".", thousands: str = "") -> np.ndarray:
    """Minor units to amount text, exactly: 123456 -> '1234.56' or '1.234,56'; -5 -> '-0.05'.

    Integer arithmetic only, so no float can creep in; the number of
    decimals follows each row's currency (JPY none, BHD three).
    """
    cents = np.asarray(cents, dtype=np.int64)
    cur = np.asarray(currencies, dtype=object)
    out = np.empty(len(cents), dtype=object)
    for code in pd.unique(cur):
        rows = np.flatnonzero(cur == code)
        digits = minor_digits(str(code))
        a = np.abs(cents[rows])
        units = _group_thousands(a // 10**digits, thousands)
        text = units if digits == 0 else _cat(units, decimal, _digits(a % 10**digits, digits))
        out[rows] = np.where(cents[rows] < 0, _cat("-", text), text).astype(object)
    return out


def _group_thousands(units: np.ndarray, sep: str) -> np.ndarray:
    """Whole units as text, with *sep* between groups of three digits when given.

    Built from the lowest group up: *lower* holds the groups so far padded
    to three digits (1.005,00 keeps its zeros), the top group is not.
    """
    if not sep:
        return _digits(units)
    text = _digits(units % 1000)
    lower = _digits(units % 1000, 3)
    rest = units // 1000
    while (rest > 0).any():
        group = _digits(rest % 1000)
        text = np.where(rest > 0, _cat(group, sep, lower), text)
        lower = _cat(np.strings.zfill(group, 3), sep, lower)
        rest = rest // 1000
    return text


def _format_dates(values: pd.Series, fmt: str) -> np.ndarray:
    """Dates to text once per distinct date; NaT becomes ''."""
    codes, uniques = pd.factorize(values)
    table = np.asarray(pd.DatetimeIndex(uniques).strftime(fmt), dtype=object)
    out = np.full(len(values), "", dtype=object)
    ok = codes >= 0
    out[ok] = table[codes[ok]]
    return out


def _csv_text(values: pd.Series) -> np.ndarray:
    """Text that came from outside, made safe for a spreadsheet (OWASP: quote a formula start)."""
    s = values.to_numpy(dtype=object)
    first = np.strings.slice(s.astype(_S), 0, 1)
    risky = np.isin(first, np.array(FORMULA_PREFIXES, dtype=_S))
    if risky.any():
        s = s.copy()
        s[risky] = "'" + s[risky]
    return s


def _export_frame(items: pd.DataFrame, layout: ExportLayout) -> pd.DataFrame:
    cols = {}
    for header, field in layout.columns:
        kind = OPEN_ITEM_COLUMNS[field][0]
        if field == "doc_type":
            value = items[field].map(layout.type_labels).to_numpy(dtype=object)
        elif kind == "cents":
            value = format_amounts(items[field], items["currency"], layout.decimal,
                                   layout.thousands)
        elif kind == "date":
            value = _format_dates(items[field], layout.date_format)
        elif kind == "bool":
            value = np.where(items[field].to_numpy(bool), layout.yes, layout.no).astype(object)
        else:
            value = _csv_text(items[field])
        cols[header] = pd.Series(value, dtype=object)
    return pd.DataFrame(cols)


def _write_atomically(frame: pd.DataFrame, path: str | os.PathLike, sep: str) -> Path:
    """Write a CSV (UTF-8 with a BOM, so Excel shows ñ and é; CRLF, as Windows ERPs do)
    to a temporary file beside *path*, then put it in place: a reader never sees half
    a file, and a failed write leaves the old one."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8-sig", newline="") as fh:
            frame.to_csv(fh, sep=sep, index=False, lineterminator="\r\n")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_demo_export(ledger: DemoLedger, path: str | os.PathLike,
                      layout: str = "generic_en") -> Path:
    """Write the ledger's items as an ERP open-items CSV that xlar's importer reads.

    *layout* is one of :data:`EXPORT_LAYOUTS`: ``generic_en`` (comma
    separated, English headers, ``1234.56``, ``10/31/2026``) or
    ``generic_es`` (semicolons, Spanish headers, ``1.234,56``,
    ``31/10/2026``).  Amounts are written from the cents exactly.
    """
    if layout not in EXPORT_LAYOUTS:
        raise ValueError(f"unknown demo export layout {layout!r}; use "
                         f"{' or '.join(EXPORT_LAYOUTS)}")
    spec = EXPORT_LAYOUTS[layout]
    return _write_atomically(_export_frame(ledger.items, spec), path, spec.sep)


#: Customer master CSV: (header, column).
CUSTOMER_EXPORT_COLUMNS = (
    ("Customer ID", "customer_id"), ("Customer Name", "customer_name"),
    ("Language", "language"), ("Email", "email"), ("Address", "address"),
    ("Credit Limit", "credit_limit_cents"), ("Currency", "currency"), ("Terms", "terms"),
    ("Sales Rep", "sales_partner"), ("Territory", "territory"), ("Collector", "collector"),
    ("Tax Exempt Certificate", "tax_exempt_cert"), ("Certificate Expiry", "tax_exempt_expiry"),
)


def write_demo_customers(ledger: DemoLedger, path: str | os.PathLike) -> Path:
    """Write the customer master as CSV: English headers, limits as ``25000.00`` in the
    customer's currency, expiry dates as ISO ``2027-06-30``, addresses as quoted
    multi-line cells (one line of the address per line, as a label prints it)."""
    c = ledger.customers
    cols = {}
    for header, field in CUSTOMER_EXPORT_COLUMNS:
        kind = CUSTOMER_COLUMNS[field][0]
        if kind == "cents":
            value = format_amounts(c[field], c["currency"])
        elif kind == "date":
            value = _format_dates(c[field], "%Y-%m-%d")
        else:
            value = _csv_text(c[field])
        cols[header] = pd.Series(value, dtype=object)
    return _write_atomically(pd.DataFrame(cols), path, ",")


def write_demo_files(directory: str | os.PathLike, ledger: DemoLedger | None = None
                     ) -> dict[str, Path]:
    """The demo set ``xlar demo`` lays out: both exports and the customer master."""
    ledger = ledger if ledger is not None else generate_ledger()
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    return {
        "generic_en": write_demo_export(ledger, d / "open_items_en.csv", "generic_en"),
        "generic_es": write_demo_export(ledger, d / "open_items_es.csv", "generic_es"),
        "customers": write_demo_customers(ledger, d / "customers.csv"),
    }
