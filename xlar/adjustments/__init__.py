"""Adjustments: credit memos, credit-and-rebill, manual invoices, write-offs, refunds,
sales-partner commission adjustments, their journal entries, and the month-end
AR-to-GL reconciliation.

The pure core, one module per capability:

=================  ===========================================================
``policy``         the adjustment settings read once: tax and commission rates,
                   GL accounts, number formats, authority limits, bad-debt rules
``requests``       what a specialist typed on the Adjustments sheet, parsed
``tax``            tax status (exempt, expired certificate) and tax amounts
``drafts``         requests -> documents with amounts, or the reason they are blocked
``authority``      who may post or approve what
``commission``     the partner's commission adjustment and the payout report
``refunds``        refund methods and the credit a refund consumes
``ledger``         posted documents applied to open items (balances change exactly)
``journal``        balanced journal entries; generic, Dynamics GP and SAP exports
``numbering``      document number formats and series (the counter is in the store)
``bad_debt``       write-off recommendations by rule, each with its reason
``reconciliation`` AR sub-ledger vs GL trial balance at month end
``documents``      credit notes and (revised) invoices as DOCX
=================  ===========================================================

The edges: :mod:`xlar.store.adjustments` (posting, approvals, gap-free numbers),
:mod:`xlar.adjustments.sheets` (the workbench actions) and :mod:`xlar.cli_adjust`.
"""
