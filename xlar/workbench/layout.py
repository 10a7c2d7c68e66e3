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
    "NUMBER_FORMATS",
    "aging_columns",
]

#: Excel number formats by column kind.  Dates use built-in format 14, which
#: Excel shows in the user's own short-date order (10/31/2026 or 31/10/2026).
NUMBER_FORMATS = {
    "money": '_(* #,##0.00_);_(* (#,##0.00);_(* "-"??_);_(@_)',
    "money0": '_(* #,##0_);_(* (#,##0);_(* "-"??_);_(@_)',
    "money3": '_(* #,##0.000_);_(* (#,##0.000);_(* "-"??_);_(@_)',
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


def aging_columns(group_cols: tuple[Col, ...], labels: tuple[str, ...]) -> tuple[Col, ...]:
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
                       aging_columns(_CUSTOMER_GROUP, labels), key="Customer ID")


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

SUMMARY_SHEET = "Summary"

#: Sheets xlar writes, in the order a new workbench shows them.
SHEET_ORDER = (SUMMARY_SHEET, OPEN_ITEMS.sheet, "Aging by Customer", "Aging by Sales Partner",
               CUSTOMERS.sheet, CLOSED_ITEMS.sheet, REJECTED.sheet, RUN_LOG.sheet,
               SETTINGS.sheet)
