"""Collection letters: dunning batches by level, statements, credit-hold notices,
receipts, confirmations and special letters, in English and Spanish, as Word, PDF
and e-mail, with sales-partner past-due lists.

One module per step:

* :mod:`~xlar.letters.selection`: who gets which letter today, and why (pure);
* :mod:`~xlar.letters.compose`: the letters themselves, as the specialist edited the
  Letters sheet, and the letters of one event (receipt, plan, promise, credit memo);
* :mod:`~xlar.letters.documents`: what a template is filled with (pure);
* :mod:`~xlar.letters.words`: the short texts per language, Babel formats;
* :mod:`~xlar.letters.render`: the Word templates filled (docxtpl, compiled once);
* :mod:`~xlar.letters.pdf`: LibreOffice, one run for a whole batch;
* :mod:`~xlar.letters.mail`: .eml messages and sending them exactly once;
* :mod:`~xlar.letters.partners`: the sales partners' past-due lists;
* :mod:`~xlar.letters.batch`: the batch folder, its manifest and report;
* :mod:`~xlar.letters.history`: what the activity store knows (the edge);
* :mod:`~xlar.letters.sheets`: the workbook's sheets (the edge);
* :mod:`~xlar.letters.actions`: the ribbon's and the CLI's actions.

The templates are ``workbooks/letters/{en,es}/*.docx`` (made by
``workbooks/letters/make_templates.py``); copy one into the folder named by the
``letter_templates`` setting to change its wording in Word.
"""
