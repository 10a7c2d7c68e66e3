"""The adjustment settings, read once from the Settings sheet into one immutable record.

Every rate, account and limit an adjustment needs comes from here, so the
rules that decide a credit memo's tax or a write-off's approval sit in one
place and a wrong setting is reported once, by name, before anything posts.

Formats (``;`` or newlines between entries, ``=`` between name and value):

* ``tax_rates``: ``default=8.25%; West=7.25%; C0042=0%`` (a customer ID wins
  over a territory, which wins over ``default``; blank = no sales tax);
* ``commission_rates``: ``default=5%; Acme Reps=7.5%`` (by sales partner);
* ``gl_accounts``: ``ar=1200; revenue=4000; sales_tax=2200 ...`` (roles below);
* ``number_formats``: ``credit_memo=CM-{year}-{n:06}; invoice=INV-{year}-{n:06}``;
* ``authority_limits``: ``ana=500; luis=2500`` (others: ``default_authority_limit``);
* ``bad_debt_rules``: ``age=180; no_payment_days=120; broken_promises=2;
  small_balance=10.00; small_balance_age=90``.

Rates are percentages: ``7.5%`` and ``7.5`` both mean seven and a half percent.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from xlar.money import minor_digits, parse_amount
from xlar.settings import Settings, SettingsError

__all__ = ["AdjustmentError", "Policy", "BadDebtRules", "policy_from_settings", "ROLES",
           "DEFAULT_ACCOUNTS", "DEFAULT_NUMBER_FORMATS", "DOCUMENT_KINDS", "parse_pairs",
           "parse_rate", "format_rate"]


class AdjustmentError(ValueError):
    """An adjustment that cannot go ahead as asked; the message says why and what to do."""


#: GL account roles a journal entry uses, and what each is for.
ROLES = {
    "ar": "accounts receivable control account",
    "revenue": "sales revenue (credited by invoices)",
    "sales_returns": "sales returns and allowances (debited by credit memos; blank = revenue)",
    "sales_tax": "sales tax payable",
    "bad_debt": "bad-debt expense (direct write-off method)",
    "allowance": "allowance for doubtful accounts (allowance method)",
    "small_balance": "small-balance write-offs (expense, or income for small credits)",
    "refunds": "customer refunds payable (paid out by accounts payable)",
    "commission_expense": "sales-partner commission expense",
    "commission_payable": "sales-partner commission payable",
    "unapplied_cash": "unapplied cash, when the GL keeps it outside the AR control account",
}

DEFAULT_ACCOUNTS = ("ar=1200; revenue=4000; sales_tax=2200; bad_debt=6100; allowance=1250; "
                    "small_balance=6150; refunds=2100; commission_expense=6300; "
                    "commission_payable=2150; unapplied_cash=2450")

#: Documents an adjustment creates, each with its own number series.
DOCUMENT_KINDS = ("credit_memo", "invoice", "write_off", "refund")

DEFAULT_NUMBER_FORMATS = ("credit_memo=CM-{year}-{n:06}; invoice=INV-{year}-{n:06}; "
                          "write_off=WO-{year}-{n:06}; refund=RF-{year}-{n:06}")

DEFAULT_BAD_DEBT_RULES = ("age=180; no_payment_days=120; broken_promises=2; "
                          "small_balance=10.00; small_balance_age=90")


class BadDebtRules(NamedTuple):
    """When the bad-debt review proposes a write-off.

    Attributes:
      age: days past due from which an item is a bad-debt candidate.
      no_payment_days: the account has paid nothing for this many days.
      broken_promises: the account broke at least this many promises to pay.
      small_balance_cents: items whose open amount is at most this (either sign) ...
      small_balance_age: ... and at least this many days past due are small balances.
    """

    age: int = 180
    no_payment_days: int = 120
    broken_promises: int = 2
    small_balance_cents: int = 1000
    small_balance_age: int = 90


class Policy(NamedTuple):
    """The adjustment settings of a workbench, parsed.

    Attributes:
      currency: the workbench currency (authority limits are in it).
      tax_rates: lower-case customer ID / territory / ``default`` -> rate (0.0825).
      commission_rates: lower-case partner / ``default`` -> rate.
      accounts: role (see :data:`ROLES`) -> GL account code.
      bad_debt_method: ``allowance`` (debit the allowance) or ``direct`` (expense).
      number_formats: document kind -> format with ``{n}`` and optionally ``{year}``.
      authority: lower-case user -> write-off limit in minor units.
      default_authority: the limit of anyone not named.
      bad_debt: the review's rules.
      sap_company_code: company code (BUKRS) of the SAP export.
    """

    currency: str = "USD"
    tax_rates: dict = {}
    commission_rates: dict = {}
    accounts: dict = {}
    bad_debt_method: str = "allowance"
    number_formats: dict = {}
    authority: dict = {}
    default_authority: int = 25000
    bad_debt: BadDebtRules = BadDebtRules()
    sap_company_code: str = "1000"

    def tax_rate(self, customer_id: str, territory: str = "") -> tuple[Decimal, str]:
        """(rate, which setting gave it) for a customer."""
        for key, what in ((customer_id, "customer"), (territory, "territory")):
            if key and key.strip().lower() in self.tax_rates:
                return self.tax_rates[key.strip().lower()], f"{what} {key}"
        return self.tax_rates.get("default", Decimal(0)), "default"

    def commission_rate(self, partner: str) -> Decimal:
        if not partner:
            return Decimal(0)
        return self.commission_rates.get(partner.strip().lower(),
                                          self.commission_rates.get("default", Decimal(0)))

    def account(self, role: str) -> str:
        if role == "sales_returns" and not self.accounts.get("sales_returns"):
            role = "revenue"
        # 'ar=1200,1210' names several control accounts (the reconciliation reads them
        # all); postings go to the first.
        code = self.accounts.get(role, "").split(",")[0].strip()
        if not code:
            raise AdjustmentError(f"Settings: gl_accounts has no account for {role!r} "
                                  f"({ROLES.get(role, role)}); add e.g. '{role}=1234'")
        return code

    def limit(self, user: str) -> int:
        """The user's write-off authority in minor units of :attr:`currency`."""
        return self.authority.get((user or "").strip().lower(), self.default_authority)

    def number(self, kind: str, n: int, day: dt.date) -> str:
        """Document number *n* of *kind* in the year of *day*."""
        return self.number_formats[kind].format(n=n, year=day.year, yy=f"{day.year % 100:02d}")

    def series(self, kind: str, day: dt.date) -> str:
        """The counter a number is drawn from: per kind, and per year when the format
        shows the year (so each year starts again at 1 without reusing a number)."""
        fmt = self.number_formats[kind]
        return f"{kind}:{day.year}" if ("{year" in fmt or "{yy" in fmt) else kind


_PAIR = re.compile(r"^\s*([^=]+?)\s*=\s*(.*?)\s*$")


def parse_pairs(text: str, setting: str) -> dict[str, str]:
    """``a=1; b=2`` -> {'a': '1', 'b': '2'} (names lower-case); SettingsError otherwise."""
    out: dict[str, str] = {}
    for part in re.split(r"[;\n]", text or ""):
        if not part.strip():
            continue
        m = _PAIR.match(part)
        if m is None or not m.group(1):
            raise SettingsError(f"Settings: {setting} entry {part.strip()!r} is not "
                                "'name=value' (entries are separated by ';')")
        out[m.group(1).strip().lower()] = m.group(2)
    return out


def parse_rate(text: str, where: str) -> Decimal:
    """``'7.5%'`` or ``'7.5'`` -> Decimal('0.075')."""
    t = str(text).strip().rstrip("%").strip().replace(",", ".")
    try:
        pct = Decimal(t)
    except InvalidOperation:
        raise SettingsError(f"Settings: {where} {text!r} is not a percentage (e.g. 7.5%)") \
            from None
    if not pct.is_finite() or pct < 0 or pct > 100:
        raise SettingsError(f"Settings: {where} {text!r} must be between 0% and 100%")
    return pct / 100


def format_rate(rate: Decimal) -> str:
    """Decimal('0.0825') -> '8.25%'."""
    pct = (rate * 100).normalize()
    return f"{pct:f}%"


def _rates(text: str, setting: str) -> dict[str, Decimal]:
    if not text or not text.strip():
        return {}
    if "=" not in text:  # a lone rate ("8.25%") is everyone's
        return {"default": parse_rate(text, setting)}
    return {k: parse_rate(v, f"{setting} {k}") for k, v in parse_pairs(text, setting).items()}


def _money(text: str, currency: str, where: str) -> int:
    cents, why = parse_amount(text, ".", minor_digits(currency))
    if why or cents is None or cents < 0:
        raise SettingsError(f"Settings: {where} {text!r} is not an amount "
                            f"({why or 'it must not be negative'})")
    return cents


def _formats(text: str) -> dict[str, str]:
    formats = parse_pairs(DEFAULT_NUMBER_FORMATS, "number_formats")
    for kind, fmt in parse_pairs(text, "number_formats").items():
        if kind not in DOCUMENT_KINDS:
            raise SettingsError(f"Settings: number_formats names {kind!r}; the documents are "
                                f"{', '.join(DOCUMENT_KINDS)}")
        formats[kind] = fmt
    prefixes = {}
    for kind, fmt in formats.items():
        try:
            shown = fmt.format(n=1, year=2026, yy="26")
        except (KeyError, IndexError, ValueError) as e:
            raise SettingsError(f"Settings: number_formats {kind}={fmt!r} is not a number "
                                f"format ({e}); use {{n}} or {{n:06}}, and {{year}} or {{yy}}") \
                from None
        if "{n" not in fmt:
            raise SettingsError(f"Settings: number_formats {kind}={fmt!r} has no {{n}}: every "
                                "document needs its own number")
        prefixes[kind] = shown
    if len(set(prefixes.values())) < len(prefixes):
        raise SettingsError("Settings: two kinds of document in number_formats would get the "
                            "same numbers; give each its own prefix")
    return formats


def _bad_debt(text: str, currency: str) -> BadDebtRules:
    values = parse_pairs(DEFAULT_BAD_DEBT_RULES, "bad_debt_rules") | \
        parse_pairs(text, "bad_debt_rules")
    known = set(BadDebtRules._fields) - {"small_balance_cents"} | {"small_balance"}
    unknown = set(values) - known
    if unknown:
        raise SettingsError(f"Settings: bad_debt_rules has unknown rule(s) "
                            f"{', '.join(sorted(unknown))}; rules are {', '.join(sorted(known))}")
    out = {}
    for k, v in values.items():
        if k == "small_balance":
            out["small_balance_cents"] = _money(v, currency, "bad_debt_rules small_balance")
            continue
        if not str(v).strip().isdigit():
            raise SettingsError(f"Settings: bad_debt_rules {k}={v!r} must be a whole number "
                                "of days (or promises)")
        out[k] = int(v)
    return BadDebtRules(**out)


def policy_from_settings(s: Settings) -> Policy:
    """The adjustment policy of a workbench; SettingsError names a wrong setting."""
    currency = (s.currency or "USD").upper()
    accounts = parse_pairs(DEFAULT_ACCOUNTS, "gl_accounts") | parse_pairs(
        s.gl_accounts, "gl_accounts")
    unknown = set(accounts) - set(ROLES)
    if unknown:
        raise SettingsError(f"Settings: gl_accounts names unknown role(s) "
                            f"{', '.join(sorted(unknown))}; roles are {', '.join(ROLES)}")
    method = (s.bad_debt_method or "allowance").strip().lower()
    if method not in ("allowance", "direct"):
        raise SettingsError(f"Settings: bad_debt_method {method!r} is 'allowance' or 'direct'")
    authority = {user: _money(v, currency, f"authority_limits {user}")
                 for user, v in parse_pairs(s.authority_limits, "authority_limits").items()}
    return Policy(
        currency=currency,
        tax_rates=_rates(s.tax_rates, "tax_rates"),
        commission_rates=_rates(s.commission_rates, "commission_rates"),
        accounts={k: v.strip() for k, v in accounts.items()},
        bad_debt_method=method,
        number_formats=_formats(s.number_formats),
        authority=authority,
        default_authority=_money(s.default_authority_limit or "0", currency,
                                 "default_authority_limit"),
        bad_debt=_bad_debt(s.bad_debt_rules, currency),
        sap_company_code=(s.sap_company_code or "1000").strip(),
    )
