"""Workbench settings: what a specialist sets once on the Settings sheet.

Settings live in the workbench itself (sheet ``Settings``, a two-column table
Setting / Value), so the ribbon, the CLI and a nightly job read the same
values.  The CLI's options override them for one run.  Each setting has a
default and a one-line meaning, shown beside it on the sheet.

Passwords never live here: SMTP and database passwords come from the
environment (see the README).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from xlar.aging import AgingError, Buckets, make_buckets

__all__ = ["Settings", "SETTING_HELP", "SettingsError", "settings_from_table", "settings_rows"]


class SettingsError(ValueError):
    """A setting with a value xlar cannot use; the message names the setting."""


class Settings(NamedTuple):
    """Attributes are the setting names on the sheet (see :data:`SETTING_HELP`)."""

    as_of: dt.date | None = None
    source_file: str = ""
    layout: str = "auto"
    mapping_file: str = ""
    customers_file: str = ""
    bucket_edges: str = "0,30,60,90,120"
    aging_basis: str = "due"
    currency: str = "USD"
    user_name: str = ""
    default_authority_limit: str = "250.00"
    authority_limits: str = ""
    dunning_policy: str = "1,30,60,90;grace=5"
    late_interest_rate: str = ""
    company_name: str = ""
    company_address: str = ""
    company_email: str = ""
    company_phone: str = ""
    signature_name: str = ""
    signature_title: str = ""
    letter_delivery: str = "email"
    letter_templates: str = ""
    letter_folder: str = ""
    smtp_host: str = ""
    smtp_port: str = "587"
    smtp_user: str = ""
    smtp_starttls: str = "yes"
    smtp_from: str = ""
    smtp_rate_per_minute: str = "30"
    sales_partner_emails: str = ""
    db_url: str = ""
    tax_rates: str = ""
    commission_rates: str = ""
    gl_accounts: str = ""
    bad_debt_method: str = "allowance"
    number_formats: str = ""
    bad_debt_rules: str = ""
    sap_company_code: str = "1000"
    gl_trial_balance_file: str = ""
    gl_detail_file: str = ""
    documents_folder: str = ""
    documents_pdf: str = "yes"
    cash_auto_confidence: str = "0.90"
    cash_tolerance: str = "5.00"
    cash_tolerance_pct: str = "1%"
    cash_name_score: str = "90"

    def buckets(self) -> Buckets:
        try:
            return make_buckets(self.bucket_edges, self.aging_basis)
        except AgingError as e:
            raise SettingsError(f"Settings: {e}") from None

    def as_of_or_today(self) -> dt.date:
        return self.as_of or dt.date.today()

    def resolve(self, base: Path, name: str) -> Path | None:
        """A file setting as a path; relative paths are relative to the workbench."""
        value = getattr(self, name)
        if not value:
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else (base / p)


SETTING_HELP = {
    "as_of": "Aging date (blank = today)",
    "source_file": "ERP open-items export to refresh from (path; relative to this workbook)",
    "layout": "auto, generic, sap_fbl5n, dynamics_gp, quickbooks or xero",
    "mapping_file": "Optional column mapping (TOML) for the generic layout",
    "customers_file": "Optional customer master (CSV/XLSX): language, e-mail, credit limit",
    "bucket_edges": "Upper edges of the aging buckets in days, e.g. 0,30,60,90,120",
    "aging_basis": "due (days past due date) or document (days since document date)",
    "currency": "Currency of exports that have no currency column",
    "user_name": "Your name for the activity log (blank = your login name)",
    "default_authority_limit": "Largest write-off a user may post without approval",
    "authority_limits": "Per-user limits, e.g. 'ana=500; luis=2500' (others: the default)",
    "dunning_policy": "Days past due where letter levels 1-4 start, then options after ';': "
                      "grace=5; minimum=50.00; days_between=14; fee=25 from 3; interest from "
                      "3; skip_levels=no; first_letter_by_age=no; exclude=disputes,plans,"
                      "promises,exceptions",
    "late_interest_rate": "Yearly late-payment interest, e.g. 10.15% (blank = ECB rate + 8)",
    "company_name": "Your company's name, as the letters' letterhead shows it",
    "company_address": "Letterhead address (lines separated by ';')",
    "company_email": "Reply-to e-mail address on letters",
    "company_phone": "Phone number on letters",
    "signature_name": "Name that signs the letters",
    "signature_title": "Title under the signature, e.g. Credit & Collections",
    "letter_delivery": "email or print: how letters go when a customer has an e-mail",
    "letter_templates": "Folder of your own letter templates (en/, es/); blank = xlar's own",
    "letter_folder": "Where letter batches are written (blank = 'Letters' beside this workbook)",
    "smtp_host": "Mail server that sends letters, e.g. smtp.office365.com",
    "smtp_port": "Its port: 587 (STARTTLS), 465 (SSL) or 25",
    "smtp_user": "Login on the mail server (blank = none); the password is never kept here: "
                 "set XLAR_SMTP_PASSWORD in the environment",
    "smtp_starttls": "yes or no: switch to an encrypted connection (STARTTLS) before login",
    "smtp_from": "Sender address of letters (blank = company_email)",
    "smtp_rate_per_minute": "Most e-mails sent per minute (mail servers limit this)",
    "sales_partner_emails": "Where past-due lists go, e.g. 'Dana Whitaker=dana@x.com; "
                            "Tom Kowalski=tom@x.com'",
    "db_url": "Team activity store (blank = a file beside this workbook); no password here: "
              "set XLAR_DB_PASSWORD in the environment",
    "tax_rates": "Sales tax in %, e.g. 'default=8.25%; West=7.25%; C0042=0%' (by customer ID "
                 "or territory; blank = no tax)",
    "commission_rates": "Sales-partner commission in %, e.g. 'default=5%; Acme Reps=7.5%'",
    "gl_accounts": "GL accounts by role, e.g. 'ar=1200; revenue=4000; sales_tax=2200' (blank "
                   "roles: see the README's adjustments section)",
    "bad_debt_method": "allowance (write-offs debit the allowance) or direct (bad-debt expense)",
    "number_formats": "Document numbers, e.g. 'credit_memo=CM-{year}-{n:06}; "
                      "invoice=INV-{year}-{n:06}' (no gaps, no duplicates)",
    "bad_debt_rules": "Bad-debt review, e.g. 'age=180; no_payment_days=120; broken_promises=2; "
                      "small_balance=10.00; small_balance_age=90'",
    "sap_company_code": "Company code (BUKRS) in the SAP journal export",
    "gl_trial_balance_file": "GL trial balance (CSV/XLSX) for the month-end reconciliation",
    "gl_detail_file": "GL detail of the AR control account(s) (CSV/XLSX), to explain differences",
    "documents_folder": "Where credit notes and invoices are written (blank = beside this "
                        "workbook)",
    "documents_pdf": "yes or no: also write each credit note and invoice as PDF (needs "
                     "LibreOffice; without it they are written as Word files only)",
    "cash_auto_confidence": "Cash proposals this sure (0-1, e.g. 0.90 or 90%) are pre-approved "
                            "(Approve = Yes); less sure ones wait for your review",
    "cash_tolerance": "Largest short payment written off as a small difference (an amount, "
                      "e.g. 5.00)",
    "cash_tolerance_pct": "Largest short payment written off, as a share of the invoice's "
                          "balance (e.g. 1%): the smaller of this and cash_tolerance counts",
    "cash_name_score": "Lowest name likeness (0-100) for a payer's name to identify a "
                       "customer when nothing else does, e.g. 90",
}


def settings_from_table(table: pd.DataFrame | dict | None) -> Settings:
    """Settings from the sheet's rows (Setting, Value) or a dict; unknown rows are ignored
    so that a newer workbench still opens with an older xlar."""
    if table is None:
        return Settings()
    if isinstance(table, pd.DataFrame):
        if table.empty:
            return Settings()
        values = dict(zip(table.iloc[:, 0].astype(str).str.strip(), table.iloc[:, 1], strict=True))
    else:
        values = dict(table)
    out = {}
    for name in Settings._fields:
        v = values.get(name)
        if (v is None or (isinstance(v, float) and pd.isna(v))
                or (isinstance(v, str) and not v.strip())):
            continue
        if name == "db_url":
            from xlar.credentials import without_password

            # A password typed into the URL is dropped here, so it is never used from the
            # workbook and the next save no longer holds it (see xlar.credentials).
            out[name] = without_password(str(v).strip())[0]
        elif name == "as_of":
            try:
                out[name] = pd.Timestamp(v).date()
            except (ValueError, TypeError):
                raise SettingsError(
                    f"Settings: as_of {v!r} is not a date (use YYYY-MM-DD)") from None
        else:
            out[name] = str(v).strip()
    s = Settings(**out)
    s.buckets()  # fail early, with the setting's name, on bad edges
    return s


def settings_rows(s: Settings) -> pd.DataFrame:
    """The rows the Settings sheet shows: Setting, Value, Meaning (never a password)."""
    from xlar.credentials import without_password

    s = s._replace(db_url=without_password(s.db_url)[0])
    return pd.DataFrame({
        "Setting": list(Settings._fields),
        "Value": [getattr(s, f) if getattr(s, f) is not None else "" for f in Settings._fields],
        "Meaning": [SETTING_HELP[f] for f in Settings._fields],
    })
