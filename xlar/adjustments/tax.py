"""Sales tax on adjustments: who is exempt, at what rate, and how much a credit reverses.

Rules:

* A customer with a tax-exemption certificate that is valid on the document
  date pays no tax.  A certificate that has expired **blocks** the invoice,
  with the certificate's number and expiry date in the reason: charging tax
  silently, or not charging it, would both be wrong; the specialist renews
  the certificate or types ``taxable`` in the row's Tax column.
* Otherwise the rate comes from the ``tax_rates`` setting (customer, then
  territory, then default).
* A credit reverses tax in proportion: crediting a third of an invoice
  reverses a third of its tax.  For invoices xlar drafted, the tax is known;
  for invoices from the ERP it is worked out from the invoice's total at the
  rate that applied to the customer (and none when the customer was exempt on
  the invoice date).

All amounts are integer minor units; rounding is half away from zero, per
document, as invoices are printed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

import pandas as pd

from xlar.adjustments.policy import Policy, format_rate
from xlar.money import round_half_up

__all__ = ["TaxStatus", "tax_status", "tax_on", "split_gross", "proportional_tax",
           "InvoiceTax"]


class TaxStatus(NamedTuple):
    """Whether a document for a customer on a day carries tax.

    Attributes:
      rate: the rate to charge (0 when exempt).
      exempt: True when a valid certificate (or nothing to charge) means no tax.
      blocked: why no document may be made ('' when it may).
      why: one sentence for the specialist.
    """

    rate: Decimal
    exempt: bool
    blocked: str
    why: str


def _day(value) -> dt.date | None:
    if value is None or value is pd.NaT:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return pd.Timestamp(value).date()


def tax_status(policy: Policy, customer: dict, on: dt.date, override: str = "") -> TaxStatus:
    """The tax a document dated *on* carries for *customer* (a dict of customer fields).

    *override* is what the row's Tax column says: '' (the customer's status),
    'taxable' (charge tax even with a certificate) or 'exempt' (which needs a
    valid certificate).
    """
    cid = str(customer.get("customer_id", ""))
    rate, source = policy.tax_rate(cid, str(customer.get("territory", "") or ""))
    cert = str(customer.get("tax_exempt_cert", "") or "").strip()
    expiry = _day(customer.get("tax_exempt_expiry"))
    if override == "taxable":
        return TaxStatus(rate, False, "", f"taxed at {format_rate(rate)}, the {source} rate, as "
                                          "the row's Tax column asks")
    if cert:
        if expiry is not None and expiry < on:
            return TaxStatus(rate, False,
                             f"customer {cid}'s tax-exemption certificate {cert} expired on "
                             f"{expiry:%Y-%m-%d}, before this document's date {on:%Y-%m-%d}: "
                             "renew the certificate (Customers sheet, Cert Expiry) or type "
                             "'taxable' in the Tax column to charge tax", "")
        until = f"valid until {expiry:%Y-%m-%d}" if expiry else "no expiry date on file"
        return TaxStatus(Decimal(0), True, "", f"no tax: customer {cid} is tax-exempt "
                                               f"(certificate {cert}, {until})")
    if override == "exempt":
        return TaxStatus(rate, False, f"customer {cid} has no tax-exemption certificate on file: "
                                      "add its number and expiry on the Customers sheet, or "
                                      "clear the Tax column", "")
    if rate == 0:
        return TaxStatus(rate, False, "", f"no tax: the {source} rate is 0%")
    return TaxStatus(rate, False, "", f"taxed at {format_rate(rate)}, the {source} rate")


def tax_on(net_cents: int, rate: Decimal) -> int:
    """Tax on a net amount, rounded half away from zero to the minor unit."""
    return int(round_half_up(Decimal(int(net_cents)) * rate))


def split_gross(gross_cents: int, rate: Decimal) -> tuple[int, int]:
    """(net, tax) of a total that includes tax at *rate*; net + tax == gross exactly."""
    net = int(round_half_up(Decimal(int(gross_cents)) / (1 + rate)))
    return net, int(gross_cents) - net


def proportional_tax(part_cents: int, whole_cents: int, whole_tax_cents: int) -> int:
    """The tax share of *part* of a document whose *whole* carries *whole_tax*."""
    if whole_cents == 0:
        return 0
    return int(round_half_up(Decimal(int(part_cents)) * whole_tax_cents / whole_cents))


class InvoiceTax(NamedTuple):
    """An invoice's total split into net and tax, and how that was known."""

    net_cents: int
    tax_cents: int
    rate: Decimal
    why: str

    @classmethod
    def of_erp_invoice(cls, policy: Policy, customer: dict, total_cents: int,
                       doc_date: dt.date | None) -> InvoiceTax:
        status = tax_status(policy, customer, doc_date or dt.date.today())
        if status.exempt or status.rate == 0:
            return cls(total_cents, 0, Decimal(0), "the invoice carried no tax: " +
                       status.why.removeprefix("no tax: "))
        net, tax = split_gross(total_cents, status.rate)
        return cls(net, tax, status.rate, "the invoice's tax is taken as " +
                   status.why.removeprefix("taxed at ") + " on its net")
