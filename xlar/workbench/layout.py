"""What the AR workbench contains: its sheets, tables and columns.

Each table xlar writes is declared here once: sheet name, Excel Table name,
and its columns with the engine field they show and how they are formatted.
Columns not declared here belong to the user (a "My Notes" column, a
follow-up date): refresh keeps them attached to their row's key.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "Col",
    "TableLayout",
    "OPEN_ITEMS",
    "CLOSED_ITEMS",
    "aging_by_customer",
    "aging_by_partner",
    "CUSTOMERS",
    "REJECTED",
    "RUN_LOG",
    "SETTINGS",
    "SUMMARY_SHEET",
    "SHEET_ORDER",
    "FORMS",
    "NOTES",
    "PROMISES",
    "DISPUTES",
    "PAYMENT_PLANS",
    "PLAN_INSTALLMENTS",
    "EXCEPTIONS",
    "WORKLIST",
    "ADJUSTMENTS",
    "APPROVALS",
    "JOURNAL",
    "COMMISSION_ADJUSTMENTS",
    "COMMISSION_PAYOUT",
    "BAD_DEBT_REVIEW",
    "RECONCILIATION_SHEET",
    "ADJUSTMENT_SHEETS",
    "LETTERS",
    "CASH_PROPOSALS",
    "RECEIPTS_POSTED",
    "UNIDENTIFIED_RECEIPTS",
    "BANK_REJECTED",
    "NUMBER_FORMATS",
    "aging_columns",
    "DASHBOARD_SHEET",
    "PIVOT_SHEETS",
    "CREDIT_SALES",
    "PAYMENT_BEHAVIOUR",
]

#: Excel number formats by column kind.  Dates use built-in format 14, which
#: Excel shows in the user's own short-date order (10/31/2026 or 31/10/2026).
NUMBER_FORMATS = {
    "money": '_(* #,##0.00_);_(* (#,##0.00);_(* "-"??_);_(@_)',
    "money0": '_(* #,##0_);_(* (#,##0);_(* "-"??_);_(@_)',
    "money3": '_(* #,##0.000_);_(* (#,##0.000);_(* "-"??_);_(@_)',
    "float1": "#,##0.0",
    "date": "mm-dd-yy",
    "datetime": "yyyy-mm-dd hh:mm",
    "int": "#,##0",
    "pct": "0.0%",
    "text": "@",
    "bool": "General",
}


class Col(NamedTuple):
    """A column xlar owns.

    Attributes:
      header: the header text in Excel.
      field: the column of the engine frame it shows.
      kind: text, date, datetime, money (cents, shown in units of the row's
        currency), int, pct, bool (Yes/No).
      width: column width in characters.
    """

    header: str
    field: str
    kind: str = "text"
    width: int = 12


class TableLayout(NamedTuple):
    """A sheet holding one Excel Table.

    Attributes:
      sheet: sheet name.  table: Excel Table (ListObject) name.
      columns: the columns xlar owns, in order.
      key: header of the column that identifies a row across refreshes
        (None when rows are not matched, e.g. the Run Log).
      title: optional line above the table.
    """

    sheet: str
    table: str
    columns: tuple[Col, ...]
    key: str | None = None
    title: str | None = None

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


_ITEM_COLUMNS = (
    Col("Customer ID", "customer_id", "text", 13),
    Col("Customer Name", "customer_name", "text", 30),
    Col("Document", "document", "text", 14),
    Col("Type", "doc_type_label", "text", 12),
    Col("Doc Date", "doc_date", "date", 11),
    Col("Due Date", "due_date", "date", 11),
    Col("Terms", "terms", "text", 12),
    Col("Original Amount", "original_cents", "money", 15),
    Col("Open Amount", "open_cents", "money", 15),
    Col("Currency", "currency", "text", 9),
    Col("Days Past Due", "days_past_due", "int", 9),
    Col("Bucket", "bucket", "text", 10),
    Col("Disputed", "disputed", "bool", 9),
    Col("PO Number", "po_number", "text", 12),
    Col("Reference", "reference", "text", 20),
    Col("Sales Partner", "sales_partner", "text", 16),
    Col("Territory", "territory", "text", 12),
    Col("Collector", "collector", "text", 12),
    Col("Last Note", "last_note", "text", 30),
    Col("Next Action", "next_action", "text", 20),
    Col("Next Action Date", "next_action_date", "date", 12),
    Col("Promise", "promise_status", "text", 16),
    Col("Source", "source", "text", 18),
    Col("Key", "item_key", "text", 24),
)

OPEN_ITEMS = TableLayout("Open Items", "OpenItems", _ITEM_COLUMNS, key="Key")

CLOSED_ITEMS = TableLayout(
    "Closed Since Last Refresh", "ClosedItems",
    (Col("Closed By Refresh Of", "closed_as_of", "date", 12), *_ITEM_COLUMNS),
    key="Key",
    title="Items that were open at an earlier refresh and are no longer in the export, "
          "with what you had typed beside them.",
)


_ACCOUNT_COLUMNS = (
    Col("Last Note", "last_note", "text", 30),
    Col("Next Action", "next_action", "text", 20),
    Col("Next Action Date", "next_action_date", "date", 12),
    Col("Promise", "promise_status", "text", 16),
    Col("On Hold", "on_hold", "bool", 8),
)


def aging_columns(group_cols: tuple[Col, ...], labels: tuple[str, ...],
                  extra: tuple[Col, ...] = ()) -> tuple[Col, ...]:
    return (
        *group_cols,
        Col("Currency", "currency", "text", 9),
        Col("Items", "items", "int", 7),
        Col("Balance", "balance_cents", "money", 15),
        *(Col(label, label, "money", 13) for label in labels),
        Col("Past Due", "past_due_cents", "money", 15),
        Col("% Past Due", "pct_past_due", "pct", 9),
        Col("Disputed", "disputed_cents", "money", 13),
        Col("Credits", "credit_cents", "money", 13),
        Col("Oldest (days)", "oldest_days", "int", 9),
        *extra,
    )


_CUSTOMER_GROUP = (
    Col("Customer ID", "customer_id", "text", 13),
    Col("Customer Name", "customer_name", "text", 30),
    Col("Sales Partner", "sales_partner", "text", 16),
    Col("Collector", "collector", "text", 12),
)
_PARTNER_GROUP = (Col("Sales Partner", "sales_partner", "text", 18),)


def aging_by_customer(labels: tuple[str, ...]) -> TableLayout:
    return TableLayout("Aging by Customer", "AgingByCustomer",
                       aging_columns(_CUSTOMER_GROUP, labels, _ACCOUNT_COLUMNS),
                       key="Customer ID")


def aging_by_partner(labels: tuple[str, ...]) -> TableLayout:
    return TableLayout("Aging by Sales Partner", "AgingBySalesPartner",
                       aging_columns(_PARTNER_GROUP, labels), key="Sales Partner")


CUSTOMERS = TableLayout("Customers", "Customers", (
    Col("Customer ID", "customer_id", "text", 13),
    Col("Customer Name", "customer_name", "text", 30),
    Col("Language", "language", "text", 9),
    Col("E-mail", "email", "text", 28),
    Col("Address", "address", "text", 36),
    Col("Credit Limit", "credit_limit_cents", "money", 14),
    Col("Currency", "currency", "text", 9),
    Col("Terms", "terms", "text", 12),
    Col("Sales Partner", "sales_partner", "text", 16),
    Col("Territory", "territory", "text", 12),
    Col("Collector", "collector", "text", 12),
    Col("Tax Exempt Cert", "tax_exempt_cert", "text", 14),
    Col("Cert Expiry", "tax_exempt_expiry", "date", 11),
), key="Customer ID")

REJECTED = TableLayout("Rejected Rows", "RejectedRows", (
    Col("File", "file", "text", 22),
    Col("Sheet", "sheet", "text", 12),
    Col("Line", "line", "int", 7),
    Col("Reason", "reason", "text", 60),
    Col("Raw Row", "raw", "text", 80),
), title="Rows of the export that were not taken, and why. Fix them in the ERP or the file, "
         "then refresh.")

RUN_LOG = TableLayout("Run Log", "RunLog", (
    Col("Run At (UTC)", "run_at", "datetime", 17),
    Col("User", "user", "text", 12),
    Col("xlar", "version", "text", 8),
    Col("Action", "action", "text", 10),
    Col("As Of", "as_of", "date", 11),
    Col("Source", "source", "text", 26),
    Col("Kind", "kind", "text", 10),
    Col("Message", "message", "text", 100),
))

SETTINGS = TableLayout("Settings", "Settings", (
    Col("Setting", "Setting", "text", 18),
    Col("Value", "Value", "text", 40),
    Col("Meaning", "Meaning", "text", 70),
), key="Setting")

# -- The specialist's records, saved to the activity store ----------------------
# Columns "... ID" and "Version", "Saved" and computed ones (Status) are xlar's; the
# rest are typed by the specialist and saved with "Save to Store".

_SAVED = Col("Saved", "saved", "text", 36)

NOTES = TableLayout("Notes", "Notes", (
    Col("Note ID", "record_id", "text", 17),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Document", "document", "text", 14),
    Col("Date", "note_date", "date", 11),
    Col("Note", "text", "text", 50),
    Col("Outcome", "outcome", "text", 16),
    Col("Contact", "contact", "text", 18),
    Col("Next Action", "next_action", "text", 24),
    Col("Next Action Date", "next_action_date", "date", 12),
    Col("Version", "version", "int", 8),
    _SAVED,
), key="Note ID", title="Account notes: type new notes in new rows (Note ID empty), edit any "
                         "row, then AR > Save to Store. Every edit is kept as a new version.")

PROMISES = TableLayout("Promises", "Promises", (
    Col("Promise ID", "record_id", "text", 17),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Document", "document", "text", 14),
    Col("Promised On", "promised_on", "date", 11),
    Col("Pay By", "promised_date", "date", 11),
    Col("Amount", "amount_cents", "money", 14),
    Col("Currency", "currency", "text", 9),
    Col("Contact", "contact", "text", 18),
    Col("Note", "note", "text", 30),
    Col("Cancelled", "cancelled", "bool", 9),
    Col("Status", "status", "text", 12),
    Col("Paid So Far", "paid_cents", "money", 14),
    Col("Why", "reason", "text", 50),
    Col("Version", "version", "int", 8),
    _SAVED,
), key="Promise ID", title="Promises to pay. Status is worked out from the payments recorded "
                           "since the promise was made.")

DISPUTES = TableLayout("Disputes", "Disputes", (
    Col("Dispute ID", "record_id", "text", 17),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Document", "document", "text", 14),
    Col("Reason Code", "reason_code", "text", 18),
    Col("Amount", "amount_cents", "money", 14),
    Col("Currency", "currency", "text", 9),
    Col("Status", "status", "text", 16),
    Col("Owner", "owner", "text", 14),
    Col("Opened On", "opened_on", "date", 11),
    Col("Resolved On", "resolved_on", "date", 11),
    Col("Note", "note", "text", 40),
    Col("Days Open", "days_open", "int", 9),
    Col("Version", "version", "int", 8),
    _SAVED,
), key="Dispute ID", title="Disputes and deductions. Reason codes: pricing, quantity short, "
                           "damaged, not received, tax, promotion/allowance, duplicate billing, "
                           "other. Status: open, resolved valid, resolved invalid.")

PAYMENT_PLANS = TableLayout("Payment Plans", "PaymentPlans", (
    Col("Plan ID", "record_id", "text", 17),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Total", "total_cents", "money", 14),
    Col("Currency", "currency", "text", 9),
    Col("Installments", "installments", "int", 11),
    Col("First Date", "first_date", "date", 11),
    Col("Frequency", "frequency", "text", 11),
    Col("Documents", "documents", "text", 24),
    Col("Note", "note", "text", 30),
    Col("Cancelled", "cancelled", "bool", 9),
    Col("Next Due", "next_due", "date", 11),
    Col("Behind", "behind_cents", "money", 14),
    Col("Version", "version", "int", 8),
    _SAVED,
), key="Plan ID", title="Payment plans: total, number of installments, first date and "
                        "frequency (weekly, biweekly, monthly). The schedule is on "
                        "Plan Installments.")

PLAN_INSTALLMENTS = TableLayout("Plan Installments", "PlanInstallments", (
    Col("Plan ID", "record_id", "text", 17),
    Col("Customer ID", "customer_id", "text", 13),
    Col("No.", "number", "int", 6),
    Col("Due Date", "due_date", "date", 11),
    Col("Amount", "amount_cents", "money", 14),
    Col("Currency", "currency", "text", 9),
    Col("Paid", "paid_cents", "money", 14),
    Col("Status", "status", "text", 13),
    Col("Why", "reason", "text", 50),
))

EXCEPTIONS = TableLayout("Exceptions", "Exceptions", (
    Col("Exception ID", "record_id", "text", 17),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Reason", "reason", "text", 50),
    Col("Until", "until_date", "date", 11),
    Col("Approved By", "approved_by", "text", 16),
    Col("Ended", "ended", "bool", 8),
    Col("Version", "version", "int", 8),
    _SAVED,
), key="Exception ID", title="Accounts handled outside the standard procedure: no letters, "
                             "not on the worklist, until the date given.")

WORKLIST = TableLayout("Worklist", "Worklist", (
    Col("Rank", "rank", "int", 6),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Customer Name", "customer_name", "text", 28),
    Col("Currency", "currency", "text", 9),
    Col("Past Due", "past_due_cents", "money", 14),
    Col("Balance", "balance_cents", "money", 14),
    Col("Oldest (days)", "oldest_days", "int", 9),
    Col("Why", "why", "text", 70),
    Col("Last Contact", "last_contact", "date", 11),
    Col("Next Action", "next_action", "text", 24),
    Col("Next Action Date", "next_action_date", "date", 12),
    Col("Promise", "promise_status", "text", 12),
    Col("Open Disputes", "open_disputes", "int", 9),
    Col("On Hold", "on_hold", "bool", 8),
    Col("Not Today Because", "excluded_reason", "text", 40),
), key="Customer ID", title="Accounts to call today, most urgent first, each with the reason.")

CASH_PROPOSALS = TableLayout("Cash Proposals", "CashProposals", (
    Col("Approve", "approve", "text", 9),
    Col("Payment ID", "payment_id", "text", 17),
    Col("Value Date", "value_date", "date", 11),
    Col("Payer", "payer_name", "text", 28),
    Col("Payment", "payment_cents", "money", 14),
    Col("Currency", "currency", "text", 9),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Document", "document", "text", 14),
    Col("Open Amount", "open_cents", "money", 14),
    Col("Apply", "apply_cents", "money", 14),
    Col("Discount", "discount_cents", "money", 12),
    Col("Write-off", "writeoff_cents", "money", 12),
    Col("Deduction", "deduction_cents", "money", 12),
    Col("Deduction Reason", "deduction_reason", "text", 16),
    Col("On Account", "on_account_cents", "money", 13),
    Col("Rule", "rule", "text", 18),
    Col("Confidence", "confidence", "pct", 10),
    Col("Proposed", "action", "text", 12),
    Col("Why", "evidence", "text", 70),
    Col("Status", "status", "text", 30),
    Col("Payer Account", "payer_account", "text", 22),
    Col("Bank Reference", "bank_reference", "text", 18),
    Col("Source", "source", "text", 24),
    Col("Item Key", "item_key", "text", 24),
    Col("Line", "line", "text", 30),
), key="Line", title="Payments matched to open items. Approve = Yes posts the row (edit amounts "
                     "if you need to), then AR > Post Payments. Rows of one payment post "
                     "together.")

RECEIPTS_POSTED = TableLayout("Receipts Posted", "ReceiptsPosted", (
    Col("Payment ID", "payment_id", "text", 17),
    Col("Value Date", "value_date", "date", 11),
    Col("Payer", "payer_name", "text", 28),
    Col("Payment", "amount_cents", "money", 14),
    Col("Currency", "currency", "text", 9),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Document", "document", "text", 14),
    Col("Applied", "apply_cents", "money", 14),
    Col("Discount", "discount_cents", "money", 12),
    Col("Write-off", "writeoff_cents", "money", 12),
    Col("Deduction", "deduction_cents", "money", 12),
    Col("Deduction Reason", "deduction_reason", "text", 16),
    Col("On Account", "on_account_cents", "money", 13),
    Col("Status", "status", "text", 12),
    Col("Rule", "rule", "text", 18),
    Col("Posted At (UTC)", "created_at", "datetime", 17),
    Col("Posted By", "created_by", "text", 14),
    Col("Source", "source", "text", 24),
    Col("Line", "line", "text", 30),
), key="Line", title="Payments posted by xlar (from the activity store), newest first.")

UNIDENTIFIED_RECEIPTS = TableLayout("Unidentified Receipts", "UnidentifiedReceipts", (
    Col("Payment ID", "payment_id", "text", 17),
    Col("Value Date", "value_date", "date", 11),
    Col("Payer", "payer_name", "text", 28),
    Col("Payer Account", "payer_account", "text", 22),
    Col("Amount", "amount_cents", "money", 14),
    Col("Currency", "currency", "text", 9),
    Col("Remittance", "remittance", "text", 50),
    Col("Bank Reference", "bank_reference", "text", 18),
    Col("Source", "source", "text", 24),
    Col("Why", "evidence", "text", 50),
), key="Payment ID", title="Receipts nobody could place. Find the customer, type it in the Cash "
                           "Proposals row, approve it and post.")

BANK_REJECTED = TableLayout("Bank File Rejections", "BankFileRejections", (
    Col("File", "file", "text", 28),
    Col("Sheet", "sheet", "text", 12),
    Col("Line", "line", "int", 7),
    Col("Raw", "raw", "text", 60),
    Col("Reason", "reason", "text", 60),
), title="Lines of the last bank or remittance file that could not be read; everything else "
         "was.")

SUMMARY_SHEET = "Summary"

# -- Dashboard, PivotTables and the inputs of the KPIs (xlar.workbench.dashboard, .pivots) --

DASHBOARD_SHEET = "Dashboard"
#: The sheets holding xlar's PivotTables over the OpenItems table, one pivot each.
PIVOT_SHEETS = ("Pivot Customers", "Pivot Partners", "Pivot Territory", "Pivot Disputes",
                "Pivot Top Past Due")

CREDIT_SALES = TableLayout("Credit Sales", "CreditSales", (
    Col("Month", "month", "date", 11),
    Col("Currency", "currency", "text", 9),
    Col("Credit Sales", "credit_sales_cents", "money", 16),
    Col("Source", "source", "text", 10),
), key="Month", title="Credit sales per month (the current month: to date), from the general "
                      "ledger. Type or paste them here (Source: typed); DSO and CEI use them. "
                      "An export with settled dates fills the months itself (Source: export).")

PAYMENT_BEHAVIOUR = TableLayout("Payment Behaviour", "PaymentBehaviour", (
    Col("Customer ID", "customer_id", "text", 13),
    Col("Customer Name", "customer_name", "text", 30),
    Col("Currency", "currency", "text", 9),
    Col("Invoices Paid", "invoices", "int", 9),
    Col("Amount Paid", "paid_cents", "money", 15),
    Col("Avg Days to Pay", "avg_days_to_pay", "float1", 10),
    Col("Weighted Avg Days Late", "weighted_days_late", "float1", 12),
    Col("Paid Late", "late_invoices", "int", 8),
), key="Customer ID", title="How each customer pays: invoices settled by the as-of date (from an "
                            "export with settled dates). Days late are weighted by the amount.")

LETTERS = TableLayout("Letters", "Letters", (
    Col("Include", "include", "text", 8),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Customer Name", "customer_name", "text", 28),
    Col("Letter", "letter", "text", 12),
    Col("Level", "level", "int", 6),
    Col("Language", "language", "text", 9),
    Col("Delivery", "delivery", "text", 9),
    Col("E-mail", "email", "text", 26),
    Col("Currency", "currency", "text", 9),
    Col("Items", "items", "int", 7),
    Col("Amount Due", "amount_cents", "money", 14),
    Col("Oldest (days)", "oldest_days", "int", 9),
    Col("Last Letter", "last_letter", "text", 22),
    Col("Why", "why", "text", 60),
    Col("Not Sent Because", "excluded_reason", "text", 50),
    Col("Special Text", "special_text", "text", 30),
    Col("Status", "status", "text", 40),
), key="Customer ID", title="Letters due today. Set Include to No to leave a customer out, or "
                            "change Letter (Dunning, Statement, Credit hold, Special), Level "
                            "(1-4), Language, Delivery (email/print) or E-mail; then AR > "
                            "Produce Letters. Accounts left out are listed with the reason.")

#: Sheets xlar writes, in the order a new workbench shows them.
SHEET_ORDER = (SUMMARY_SHEET, WORKLIST.sheet, OPEN_ITEMS.sheet, DASHBOARD_SHEET,
               *PIVOT_SHEETS, "Aging by Customer",
               "Aging by Sales Partner", PAYMENT_BEHAVIOUR.sheet, CUSTOMERS.sheet,
               CREDIT_SALES.sheet, NOTES.sheet, PROMISES.sheet,
               DISPUTES.sheet, PAYMENT_PLANS.sheet, PLAN_INSTALLMENTS.sheet, EXCEPTIONS.sheet,
               "Adjustments", "Approvals", "Journal", "Commission Adjustments",
               "Commission Payout", "Bad Debt Review", "Reconciliation",
               LETTERS.sheet, CLOSED_ITEMS.sheet, REJECTED.sheet, RUN_LOG.sheet, SETTINGS.sheet)

#: The account sheets the specialist types into, by store kind.
FORMS = {"note": NOTES, "promise": PROMISES, "dispute": DISPUTES,
         "payment_plan": PAYMENT_PLANS, "exception": EXCEPTIONS}


# -- Adjustments (xlar.adjustments.sheets) -----------------------------------------
# On Adjustments the specialist types the first columns (Type ... Note); xlar fills the
# rest on Validate and Post.  On Approvals the approver types Decision and Decision Note.

ADJUSTMENTS = TableLayout("Adjustments", "Adjustments", (
    Col("Type", "kind", "text", 16),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Document", "document", "text", 14),
    Col("Amount", "amount", "money", 13),
    Col("Quantity", "quantity", "text", 9),
    Col("Unit Price", "unit_price", "money", 12),
    Col("Lines", "lines", "text", 28),
    Col("Reason Code", "reason_code", "text", 15),
    Col("Tax", "tax", "text", 9),
    Col("New PO", "po_number", "text", 12),
    Col("Bill To", "bill_to", "text", 20),
    Col("Refund Method", "refund_method", "text", 10),
    Col("Note", "note", "text", 24),
    Col("Status", "status", "text", 20),
    Col("Numbers", "numbers", "text", 30),
    Col("Currency", "currency", "text", 9),
    Col("Net", "net_cents", "money", 13),
    Col("Tax Amount", "tax_cents", "money", 12),
    Col("Balance Change", "ar_cents", "money", 14),
    Col("Open Before", "open_before", "money", 13),
    Col("Open After", "open_after", "money", 13),
    Col("Commission", "commission_cents", "money", 12),
    Col("Why", "why", "text", 80),
    Col("Request ID", "request_id", "text", 17),
    Col("Checked", "checked", "text", 30),
), key="Request ID", title="Adjustments: one request per row (Type: credit memo, credit and "
                           "rebill, invoice, write-off, refund). Amount: tax included for "
                           "credits, write-offs and refunds; before tax for invoices and "
                           "rebills. Then AR > Validate, AR > Post.")

APPROVALS = TableLayout("Approvals", "Approvals", (
    Col("Request ID", "request_id", "text", 17),
    Col("Status", "status", "text", 11),
    Col("Decision", "decision", "text", 10),
    Col("Decision Note", "decision_note", "text", 28),
    Col("Type", "kind_label", "text", 12),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Document", "document", "text", 14),
    Col("Amount", "amount_cents", "money", 13),
    Col("Currency", "currency", "text", 9),
    Col("Why Approval", "reason", "text", 50),
    Col("Requested By", "requested_by", "text", 13),
    Col("Requested At (UTC)", "requested_at", "datetime", 17),
    Col("Decided By", "decided_by", "text", 13),
    Col("Decided At (UTC)", "decided_at", "datetime", 17),
    Col("Saved", "saved", "text", 40),
), key="Request ID", title="Approval queue: type approve or reject in Decision (and a note), "
                           "then AR > Approve. Nobody decides on their own requests.")

JOURNAL = TableLayout("Journal", "Journal", (
    Col("Entry", "entry_id", "text", 17),
    Col("Line", "line_no", "int", 6),
    Col("Date", "posted_on", "date", 11),
    Col("Account", "account", "text", 10),
    Col("Role", "role", "text", 18),
    Col("Description", "description", "text", 50),
    Col("Debit", "debit_cents", "money", 13),
    Col("Credit", "credit_cents", "money", 13),
    Col("Currency", "currency", "text", 9),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Document", "document", "text", 17),
    Col("Adjusts", "applies_document", "text", 14),
    Col("Request ID", "request_id", "text", 17),
    Col("Entry Balance", "entry_balance", "money", 13),
), title="Journal entries of posted adjustments. Entry Balance (the entry's debits minus its "
         "credits, a formula) is 0 on every line. Export: xlar adjust journal.")

COMMISSION_ADJUSTMENTS = TableLayout("Commission Adjustments", "CommissionAdjustments", (
    Col("Entry", "entry_id", "text", 17),
    Col("Date", "posted_on", "date", 11),
    Col("Sales Partner", "partner", "text", 18),
    Col("Customer ID", "customer_id", "text", 13),
    Col("Document", "document", "text", 14),
    Col("Currency", "currency", "text", 9),
    Col("Sales Change", "base_cents", "money", 14),
    Col("Rate", "rate", "pct", 8),
    Col("Commission Change", "commission_cents", "money", 14),
    Col("Why", "why", "text", 70),
    Col("Request ID", "request_id", "text", 17),
), title="Commission changes when an invoice's value changed (credit, rebill, write-off).")

COMMISSION_PAYOUT = TableLayout("Commission Payout", "CommissionPayout", (
    Col("Sales Partner", "partner", "text", 18),
    Col("Currency", "currency", "text", 9),
    Col("Adjustments", "adjustments", "int", 11),
    Col("Sales Change", "base_cents", "money", 14),
    Col("Commission Change", "commission_cents", "money", 16),
), title="Per sales partner: what the next commission payout changes by (formulas over "
         "Commission Adjustments).")

BAD_DEBT_REVIEW = TableLayout("Bad Debt Review", "BadDebtReview", (
    Col("Customer ID", "customer_id", "text", 13),
    Col("Customer Name", "customer_name", "text", 26),
    Col("Document", "document", "text", 14),
    Col("Days Past Due", "days_past_due", "int", 9),
    Col("Open Amount", "open_cents", "money", 14),
    Col("Currency", "currency", "text", 9),
    Col("Type", "suggested_type", "text", 10),
    Col("Amount", "suggested_cents", "money", 13),
    Col("Reason Code", "reason_code", "text", 14),
    Col("Rules", "rules", "text", 30),
    Col("Why", "why", "text", 80),
    Col("Last Payment", "last_payment", "date", 11),
    Col("Broken Promises", "broken_promises", "int", 9),
), title="Proposed write-offs, each with the rules it meets and why. To write one off, copy "
         "Customer ID, Document, Type, Amount and Reason Code to the Adjustments sheet.")

RECONCILIATION_SHEET = "Reconciliation"

#: The adjustment sheets, in the order a workbench shows them.
ADJUSTMENT_SHEETS = (ADJUSTMENTS.sheet, APPROVALS.sheet, JOURNAL.sheet,
                     COMMISSION_ADJUSTMENTS.sheet, COMMISSION_PAYOUT.sheet,
                     BAD_DEBT_REVIEW.sheet, RECONCILIATION_SHEET)
