"""AR formula functions for Excel: =AR_DAYS_PAST_DUE(B2), =AR_BUCKET(B2:B5000) ...

Each function is one line over :mod:`xlar.formulas`, where the work and the
tests are.  Range arguments are taken *raw* (Excel's Value2: dates as serial
numbers), which is what keeps a 100,000-cell column fast; results come back
as numpy arrays that Excel spills.

To use them: in the xlwings add-in set "UDF Modules" to ``udfs.ar`` and click
"Import Functions" (see the README).  On a machine without Excel the
decorators do nothing and these are plain Python functions.
"""

import xlwings as xw

from xlar import formulas as f

CATEGORY = "xlar AR"


@xw.func(category=CATEGORY)
@xw.arg("due_date", "raw", doc="Due date, or a column of due dates")
@xw.arg("as_of", doc="Aging date (default: today)")
def AR_DAYS_PAST_DUE(due_date, as_of=None):  # noqa: N802 - Excel function names
    """Days past due at the as-of date: MAX(0, as_of - due date)."""
    return f.ar_days_past_due(due_date, as_of)


@xw.func(category=CATEGORY)
@xw.arg("due_date_or_days", "raw", doc="Due date(s) or days past due")
@xw.arg("as_of", doc="Aging date (default: today)")
@xw.arg("edges", doc='Bucket edges in days: text "0,30,60,90,120" (the default), or a cell '
        "or range holding the numbers")
def AR_BUCKET(due_date_or_days, as_of=None, edges=None):  # noqa: N802
    """Aging bucket label (Not due, 1-30, ..., Over 120)."""
    return f.ar_bucket(due_date_or_days, as_of, edges)


@xw.func(category=CATEGORY)
@xw.arg("doc_date", "raw", doc="Document (invoice) date(s)")
@xw.arg("terms", doc='Payment terms, e.g. "NET 30", "2/10 NET 30", "15 MFI", "Neto 30"')
def AR_DUE_DATE(doc_date, terms):  # noqa: N802
    """Due date worked out from the document date and the payment terms."""
    return f.ar_due_date(doc_date, terms)


@xw.func(category=CATEGORY)
@xw.arg("amount", "raw", doc="Invoice amount(s)")
@xw.arg("terms", doc='Payment terms with a discount, e.g. "2/10 NET 30"')
@xw.arg("doc_date", "raw", doc="Document date(s)")
@xw.arg("pay_date", "raw", doc="Payment date(s)")
def AR_DISCOUNT(amount, terms, doc_date, pay_date):  # noqa: N802
    """Early-payment discount earned when paid on the payment date (0 if late)."""
    return f.ar_discount(amount, terms, doc_date, pay_date)


@xw.func(category=CATEGORY)
@xw.arg("amount", "raw", doc="Amount(s) paid late")
@xw.arg("due_date", "raw", doc="Due date(s)")
@xw.arg("pay_date", "raw", doc="Payment date(s)")
@xw.arg("annual_rate", doc="Yearly rate: 10.15% or 0.1015 (below 1: a fraction), 10.15 (1 or "
        "more: percent, so 1 is 1%); default: ECB reference rate + 8 points")
@xw.arg("compensation", doc="TRUE to add the EU directive's fixed EUR 40 (amounts in EUR only)")
@xw.arg("currency", "raw", doc="Currency of the amount(s), e.g. EUR (the default), USD")
def AR_LATE_INTEREST(amount, due_date, pay_date, annual_rate=None, compensation=False,  # noqa: N802
                     currency=None):
    """Simple late-payment interest, actual/365, rounded to the currency's minor unit."""
    return f.ar_late_interest(amount, due_date, pay_date, annual_rate, compensation, currency)


@xw.func(category=CATEGORY)
@xw.arg("ar_balance", doc="AR balance at the end of the period")
@xw.arg("credit_sales", doc="Credit sales of the period")
@xw.arg("days", doc="Days in the period")
def AR_DSO(ar_balance, credit_sales, days):  # noqa: N802
    """Days sales outstanding = AR / credit sales x days."""
    return f.ar_dso(ar_balance, credit_sales, days)


@xw.func(category=CATEGORY)
@xw.arg("ar_balance", doc="AR balance now")
@xw.arg("monthly_sales", "raw", doc="Credit sales per month, most recent first "
        "(optional second column: days in the month)")
def AR_DSO_COUNTBACK(ar_balance, monthly_sales):  # noqa: N802
    """Countback DSO: months of sales it takes to account for the AR balance, in days."""
    return f.ar_dso_countback(ar_balance, monthly_sales)


@xw.func(category=CATEGORY)
@xw.arg("current_ar", doc="AR not yet due")
@xw.arg("credit_sales", doc="Credit sales of the period")
@xw.arg("days", doc="Days in the period")
def AR_BEST_DSO(current_ar, credit_sales, days):  # noqa: N802
    """Best-possible DSO = current AR / credit sales x days."""
    return f.ar_best_dso(current_ar, credit_sales, days)


@xw.func(category=CATEGORY)
@xw.arg("ar_balance", doc="AR balance")
@xw.arg("current_ar", doc="AR not yet due")
@xw.arg("credit_sales", doc="Credit sales of the period")
@xw.arg("days", doc="Days in the period")
def AR_ADD(ar_balance, current_ar, credit_sales, days):  # noqa: N802
    """Average days delinquent = DSO - best-possible DSO."""
    return f.ar_add(ar_balance, current_ar, credit_sales, days)


@xw.func(category=CATEGORY)
@xw.arg("begin_ar", doc="AR at the start of the period")
@xw.arg("credit_sales", doc="Credit sales of the period")
@xw.arg("end_ar", doc="Total AR at the end of the period")
@xw.arg("end_current_ar", doc="Current (not due) AR at the end of the period")
def AR_CEI(begin_ar, credit_sales, end_ar, end_current_ar):  # noqa: N802
    """Collection effectiveness index, in percent."""
    return f.ar_cei(begin_ar, credit_sales, end_ar, end_current_ar)


@xw.func(category=CATEGORY)
@xw.arg("open_items", "raw", doc="Open items with their header row (Customer, Due Date, "
        "Open Amount ...)")
@xw.arg("as_of", doc="Aging date (default: today)")
@xw.arg("edges", doc='Bucket edges: text "0,30,60,90,120" (the default), or a cell or range '
        "holding the numbers")
@xw.arg("by", doc='"customer" (default) or "sales partner"')
def AR_AGING(open_items, as_of=None, edges=None, by=None):  # noqa: N802
    """A whole aging table (spills): a row per customer, a column per bucket, totals."""
    return f.ar_aging(open_items, as_of, edges, by)


@xw.func(category=CATEGORY)
@xw.arg("days_past_due", "raw", doc="Days past due (a cell or a column)")
@xw.arg("policy", doc='Level thresholds in days, e.g. "1,30,60,90;grace=5" (the default)')
def AR_DUNNING_LEVEL(days_past_due, policy=None):  # noqa: N802
    """Dunning level: 0 no letter, 1 reminder, 2 second notice, 3 final demand, 4 pre-collection."""
    return f.ar_dunning_level(days_past_due, policy)


@xw.func(category=CATEGORY)
@xw.arg("customer", "raw", doc="Customer number or name (a cell or a column)")
@xw.arg("open_items", "raw", doc="Open items with their header row")
def AR_OPEN_BALANCE(customer, open_items):  # noqa: N802
    """Open balance of a customer in an open-items range."""
    return f.ar_open_balance(customer, open_items)
