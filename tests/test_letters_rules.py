"""The letter rules on small hand-made ledgers (pure, fast), the dunning policy's text,
the templates (current, and rendered exactly as docxtpl renders them), and the words
of each language."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from docx import Document

from xlar.aging import age_open_items
from xlar.dunning import DEFAULT_POLICY, PolicyError, describe_policy, parse_policy
from xlar.letters.compose import Recipient, batch_letters, receipt_letter
from xlar.letters.documents import Company, Signature, letter_context
from xlar.letters.errors import LetterError
from xlar.letters.render import TEMPLATE_ROOT, CompiledTemplate, template_path
from xlar.letters.selection import LetterFacts, no_facts, select_letters
from xlar.letters.words import KINDS, money_text
from xlar.model import empty_open_items

AS_OF = dt.date(2026, 10, 31)


def _items(rows) -> pd.DataFrame:
    """rows: (customer, document, days past due, amount, currency[, disputed])."""
    base = empty_open_items()
    recs = []
    for i, r in enumerate(rows):
        cid, doc, days, amount, cur, *rest = r
        due = pd.Timestamp(AS_OF - dt.timedelta(days=days))
        recs.append({"customer_id": cid, "customer_name": f"Customer {cid}", "document": doc,
                     "doc_type": "invoice" if amount > 0 else "credit_memo",
                     "doc_date": due - pd.Timedelta(days=30), "due_date": due,
                     "original_cents": amount, "open_cents": amount, "currency": cur,
                     "terms": "NET 30", "po_number": f"PO-{i}", "reference": "",
                     "sales_partner": "Dana", "territory": "", "collector": "",
                     "disputed": bool(rest[0]) if rest else False, "settled_date": pd.NaT,
                     "source_file": "", "source_sheet": "", "source_line": i + 1,
                     "item_key": f"{cid}|{doc}"})
    frame = pd.concat([base, pd.DataFrame(recs)], ignore_index=True)
    for c in ("original_cents", "open_cents", "source_line"):
        frame[c] = frame[c].astype(np.int64)
    frame["disputed"] = frame["disputed"].astype(bool)
    return age_open_items(frame, AS_OF)


def _facts(history=(), promises=(), plans=(), exceptions=(), disputes=(), holds=None):
    empty = no_facts()
    return LetterFacts(
        pd.DataFrame(list(history), columns=["customer_id", "day", "kind", "level"])
        if history else empty.history,
        pd.DataFrame(list(promises), columns=["customer_id", "document", "promised_date",
                                              "amount_cents", "currency", "status"])
        if promises else empty.promises,
        pd.DataFrame(list(plans), columns=["record_id", "customer_id", "documents", "next_due"])
        if plans else empty.plans,
        pd.DataFrame(list(exceptions), columns=["customer_id", "reason", "until_date",
                                                "approved_by"]) if exceptions else empty.exceptions,
        pd.DataFrame(list(disputes), columns=["customer_id", "document", "reason_code",
                                              "opened_on"]) if disputes else empty.disputes,
        holds or {})


def _days_ago(n: int) -> dt.date:
    return AS_OF - dt.timedelta(days=n)


def test_the_level_comes_from_age_and_history_never_skipping():
    aged = _items([
        ("A", "A1", 40, 10000, "USD"),        # age says 2, nothing sent yet: level 1
        ("B", "B1", 40, 10000, "USD"),        # level 1 sent 30 days ago: level 2
        ("C", "C1", 200, 10000, "USD"),       # at level 4 already: level 4 again
        ("D", "D1", 70, 10000, "USD"),        # level 2 sent 10 days ago: too soon
        ("E", "E1", 3, 10000, "USD"),         # within the grace days
        ("F", "F1", 50, 10000, "USD"),        # level 2 sent: level 3 not due until 65 days
        ("G", "G1", 20, 10000, "USD"),        # a letter before the item fell due: not history
        ("H", "H1", 100, 5000, "USD"), ("H", "H2", 10, 5000, "USD"),
    ])
    facts = _facts(history=[("B", _days_ago(30), "dunning", 1),
                            ("C", _days_ago(90), "dunning", 3),
                            ("C", _days_ago(30), "dunning", 4),
                            ("D", _days_ago(10), "dunning", 2),
                            ("F", _days_ago(15), "dunning", 2),
                            ("G", _days_ago(60), "dunning", 3)])
    sel = select_letters(aged, None, facts, DEFAULT_POLICY, AS_OF).letters.set_index(
        "customer_id")
    assert sel.loc["A", "level"] == 1 and sel.loc["A", "level_due"] == 2
    assert "not level 2: levels are not skipped" in sel.loc["A", "why"]
    assert sel.loc["B", "level"] == 2
    assert sel.loc["C", "level"] == 4
    assert not sel.loc["D", "include"]
    assert "waits 14 days between letters" in sel.loc["D", "excluded_reason"]
    assert "Within the grace days" in sel.loc["E", "excluded_reason"]
    assert "level 3 starts when the oldest item is 65 days past due (now 50)" in \
        sel.loc["F", "excluded_reason"]
    assert sel.loc["G", "level"] == 1  # the level-3 letter was about items paid since
    assert sel.loc["H", "level"] == 1 and sel.loc["H", "amount_cents"] == 10000
    skipping = parse_policy("1,30,60,90;grace=5;skip_levels=yes")
    sel2 = select_letters(aged, None, facts, skipping, AS_OF).letters.set_index("customer_id")
    assert sel2.loc["A", "level"] == 2 and sel2.loc["G", "level"] == 1


def test_exclusions_each_with_its_reason():
    aged = _items([
        ("A", "A1", 40, 10000, "USD", True), ("A", "A2", 40, 2500, "USD"),   # one disputed
        ("B", "B1", 40, 10000, "USD", True),                                  # only disputed
        ("C", "C1", 40, 10000, "USD"),                                        # exception list
        ("D", "D1", 40, 10000, "USD"), ("D", "D2", 40, 7000, "USD"),          # promise on D1
        ("E", "E1", 40, 10000, "USD"),                                        # promise: account
        ("F", "F1", 40, 10000, "USD"), ("F", "F2", 40, 3000, "USD"),          # plan names F1
        ("G", "G1", 40, 4000, "USD"), ("G", "G9", 0, -3000, "USD"),           # under minimum
        ("H", "H1", 40, 4000, "USD"), ("H", "H9", 0, -5000, "USD"),           # credits cover
        ("J", "J1", 40, 9000, "EUR"),
        ("K", "K1", 40, 9000, "USD"),                                         # dispute record
    ])
    facts = _facts(
        promises=[("D", "D1", AS_OF + dt.timedelta(days=5), 10000, "USD", "pending"),
                  ("E", "", AS_OF + dt.timedelta(days=5), 10000, "USD", "pending"),
                  ("J", "", AS_OF - dt.timedelta(days=5), 9000, "EUR", "broken")],
        plans=[("P1", "F", "F1", AS_OF + dt.timedelta(days=20))],
        exceptions=[("C", "In liquidation", AS_OF + dt.timedelta(days=90), "CFO")],
        disputes=[("K", "K1", "pricing", AS_OF - dt.timedelta(days=3))])
    policy = parse_policy("1,30,60,90;grace=5;minimum=20")
    sel = select_letters(aged, None, facts, policy, AS_OF)
    rows = sel.letters.set_index("customer_id")
    why = rows["excluded_reason"]
    assert rows.loc["A", "include"] and rows.loc["A", "amount_cents"] == 2500
    assert "A1 in dispute (flagged in the ERP)" in rows.loc["A", "why"]
    assert "Every past-due item is left out: B1 in dispute" in why["B"]
    assert why["C"] == "On the exception list until 2027-01-29, approved by CFO: In liquidation."
    assert rows.loc["D", "include"] and rows.loc["D", "amount_cents"] == 7000
    assert "promise to pay" in why["E"] and "pending" in why["E"]
    assert rows.loc["F", "amount_cents"] == 3000
    assert "in payment plan P1, next installment 2026-11-20" in rows.loc["F", "why"]
    assert why["G"] == ("Nothing to ask for: net past due $10.00 after credits of -$30.00 is "
                        "under the minimum of $20.00.")
    assert why["H"] == "Nothing to ask for: credits of -$50.00 cover the $40.00 past due."
    assert rows.loc["J", "include"]  # a broken promise does not protect the account
    assert "Every past-due item is left out: K1 in dispute (pricing, opened 2026-10-28)" in \
        why["K"]
    lines = sel.lines
    left = lines[lines["role"] == "left out"].set_index("document")["reason"]
    assert left["D1"].startswith("promise to pay $100.00 by 2026-11-05")
    # With the exclusions switched off the policy no longer leaves those out.
    loose = parse_policy("1,30,60,90;grace=5;exclude=none")
    rows2 = select_letters(aged, None, facts, loose, AS_OF).letters.set_index("customer_id")
    assert rows2.loc["B", "include"] and rows2.loc["C", "include"]
    assert rows2.loc["A", "amount_cents"] == 12500


def test_fee_and_interest_from_their_level_and_credit_hold_notices():
    aged = _items([("A", "A1", 100, 100000, "USD"), ("B", "B1", 100, 100000, "USD")])
    facts = _facts(history=[("A", _days_ago(40), "dunning", 2)],
                   holds={"B": _days_ago(2)})
    policy = parse_policy("1,30,60,90; grace=5; fee=25 from 3; interest from 3")
    sel = select_letters(aged, None, facts, policy, AS_OF, interest_rate="10%")
    rows = sel.letters.set_index("customer_id")
    assert rows.loc["A", "level"] == 3 and rows.loc["A", "fee_cents"] == 2500
    # AR_LATE_INTEREST: 1,000.00 x 10 % x 100 / 365 = 27.397... -> 27.40
    assert rows.loc["A", "interest_cents"] == 2740
    assert rows.loc["B", "kind"] == "credit_hold" and rows.loc["B", "fee_cents"] == 0
    composed = batch_letters(sel, aged, None, policy, AS_OF,
                             __import__("xlar.aging", fromlist=["x"]).make_buckets(), "10%")
    a = next(x for x in composed.letters if x.customer_id == "A")
    ctx = letter_context(a, Company("Harbor"), Signature("Ana"))
    assert ctx["amount_due"] == "$1,000.00" and ctx["groups"][0]["total"] == "$1,000.00"
    assert ctx["charges"] == ("In line with our terms of sale, a late-payment fee of $25.00 and "
                              "interest of $27.40 (10% a year on each past-due invoice from "
                              "its due date to October 31, 2026) have been added, bringing "
                              "the total to pay to $1,052.40.")
    b = next(x for x in composed.letters if x.customer_id == "B")
    assert b.kind == "credit_hold"
    # the setting is read as AR_LATE_INTEREST reads its rate: 1 is 1 % a year, not 100 %
    # (1,000.00 x 1 % x 100 / 365 = 2.739... -> 2.74), and 0.1 is 10 %
    for typed, cents in (("1", 274), (0.1, 2740), ("0.5%", 137)):
        sel = select_letters(aged, None, facts, policy, AS_OF, interest_rate=typed)
        assert sel.letters.set_index("customer_id").loc["A", "interest_cents"] == cents, typed


def test_policy_text_round_trip_and_clear_errors():
    assert parse_policy("1,30,60,90;grace=5") == DEFAULT_POLICY
    p = parse_policy("1,20,40,60; grace=2; minimum=50.00; days_between=10; fee=15 from 2; "
                     "interest from 4; skip_levels=yes; exclude=disputes,plans")
    assert (p.grace_days, p.minimum, p.days_between, p.fee, p.fee_from, p.interest_from,
            p.skip_levels, p.exclusions) == (2, Decimal("50.00"), 10, Decimal("15"), 2, 4, True,
                                              frozenset({"disputes", "plans"}))
    assert "level 1 from 3 days" in describe_policy(p)
    for bad, said in (("1,30;colour=red", "'colour=red' is not understood"),
                      ("1,30;fee=ten", "the fee 'ten' is not an amount"),
                      ("1,30;exclude=lawyers", "exclude names lawyers"),
                      ("1,30;interest from 7", "write interest as e.g. 'from 3'"),
                      ("30,1", "thresholds must increase")):
        with pytest.raises(PolicyError, match=said):
            parse_policy(bad)


def test_money_and_dates_per_language():
    from xlar.letters.words import date_text

    assert money_text(123456, "EUR", "es") == "1.234,56\u00a0€"
    assert money_text(123456, "USD", "en") == "$1,234.56"
    assert money_text(123456, "MXN", "es") == "$1,234.56"
    assert money_text(-123456, "USD", "es") == "-USD\u00a01,234.56"
    assert money_text(123456, "EUR", "en") == "€1,234.56"
    assert date_text(dt.date(2026, 11, 22), "es") == "22 de noviembre de 2026"
    assert date_text(dt.date(2026, 11, 22), "en") == "November 22, 2026"
    assert date_text(dt.date(2026, 11, 22), "en", "EUR") == "22 November 2026"


def test_a_receipt_never_shows_a_card_number():
    who = Recipient("C1", "Acme", "en", "ap@acme.example")
    with pytest.raises(LetterError, match="last four digits"):
        receipt_letter(who, AS_OF, 1000, "USD", [], "A1", "4111111111111111")
    with pytest.raises(LetterError, match="must agree"):
        receipt_letter(who, AS_OF, 1000, "USD", [("INV-1", None, "", 900)], "A1", "1111")
    r = receipt_letter(who, AS_OF, 1000, "USD", [("INV-1", None, "", 1000)], "A1", "1111")
    ctx = letter_context(r, Company("Harbor"), Signature("Ana"))
    assert ctx["receipt"]["last4"] == "1111" and ctx["groups"][0]["total"] == "$10.00"


def _paragraphs(data: bytes) -> list[str]:
    doc = Document(io.BytesIO(data))
    out = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            out.append(" | ".join(c.text for c in row.cells))
    out += [p.text for s in doc.sections for p in s.footer.paragraphs]
    return out


def test_templates_render_exactly_as_docxtpl_renders_them(tmp_path):
    from docxtpl import DocxTemplate

    aged = _items([("A", "A1", 100, 123456, "USD"), ("A", "A2", 40, 10000, "USD"),
                   ("A", "CM1", 0, -5000, "USD"), ("A", "A9", 40, 777, "USD", True)])
    sel = select_letters(aged, None, _facts(), DEFAULT_POLICY, AS_OF)
    letter = batch_letters(sel, aged, None, DEFAULT_POLICY, AS_OF,
                           __import__("xlar.aging", fromlist=["x"]).make_buckets()).letters[0]
    company = Company("Walker & Sons <Supply>", "1 Main St; Springfield", "ar@w.example", "555")
    for language in ("en", "es"):
        ctx = letter_context(letter._replace(language=language), company, Signature("Ana"))
        path = template_path("dunning_1", language)
        fast = CompiledTemplate(path).render(ctx).docx()
        slow = DocxTemplate(path)
        slow.render(ctx, autoescape=True)
        buf = io.BytesIO()
        slow.save(buf)
        assert _paragraphs(fast) == _paragraphs(buf.getvalue())
        text = "\n".join(_paragraphs(fast))
        assert "Walker & Sons <Supply>" in text  # escaped in the XML, intact in Word
        assert "A9 (" in text and ("in dispute" in text or "en reclamación" in text)
        assert "{{" not in text and "{%" not in text


def test_committed_templates_are_what_the_script_makes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_templates",
                                                  TEMPLATE_ROOT / "make_templates.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for language in ("en", "es"):
        for kind in KINDS:
            committed = TEMPLATE_ROOT / language / f"{kind}.docx"
            assert committed.is_file(), committed
            fresh = tmp_path / f"{language}-{kind}.docx"
            mod.build_template(kind, language).save(fresh)
            mod._slim(fresh)
            with zipfile.ZipFile(committed) as a, zipfile.ZipFile(fresh) as b:
                assert a.read("word/document.xml") == b.read("word/document.xml"), \
                    f"{committed} is stale: run python workbooks/letters/make_templates.py"
                # ...and so are its headers, footers, styles and the parts' relationships.
                names = sorted(n for n in b.namelist() if n.startswith("word/"))
                assert sorted(n for n in a.namelist() if n.startswith("word/")) == names
                for name in names:
                    assert a.read(name) == b.read(name), f"{committed}: {name} is stale"
            CompiledTemplate(committed)  # every template compiles


def test_sheet_edits_untick_change_level_force_and_stale_rows():
    from xlar.aging import make_buckets
    from xlar.letters.sheets import LetterEdit

    aged = _items([("A", "A1", 40, 10000, "USD"), ("B", "B1", 40, 10000, "USD"),
                   ("C", "C1", 40, 10000, "USD"), ("D", "D1", 40, 10000, "USD"),
                   ("E", "E1", 40, 10000, "USD")])
    facts = _facts(history=[("C", AS_OF, "dunning", 1), ("D", AS_OF, "dunning", 1)],
                   exceptions=[("E", "Legal", None, "CFO")])

    def edit(cid, include=True, level=0, letter="", reason=""):
        return LetterEdit(cid, include, letter, level, "", "", "", "", "", 0, reason)

    sel = select_letters(aged, None, facts, DEFAULT_POLICY, AS_OF)
    edits = {"A": edit("A", include=False), "B": edit("B", level=3),
             "C": edit("C", reason="A letter already went out on 2026-10-31"),  # overridden
             "D": edit("D"),                                 # stale: Yes from an older sheet
             "E": edit("E", letter="Statement", reason="On the exception list")}
    out = batch_letters(sel, aged, edits, DEFAULT_POLICY, AS_OF, make_buckets())
    made = {x.customer_id: x for x in out.letters}
    left = dict(out.left_out)
    notes = dict(out.notes)
    assert left["A"] == "Set to No on the Letters sheet."
    assert made["B"].kind == "dunning_3" and "Level 3 as set" in notes["B"]
    assert made["C"].kind == "dunning_2"  # the next level after the one sent
    assert "Made although the preview left it out" in notes["C"]
    assert "the Letters sheet is older than this: run Letter Preview again" in left["D"]
    assert made["E"].kind == "statement" and made["E"].lines[0].role == "open"


def test_first_letter_by_age_is_a_policy_option_and_off_by_default():
    """A customer's first letter about a year-old invoice: a friendly reminder unless the
    policy says first_letter_by_age=yes; after a first letter, levels climb one by one."""
    from xlar.aging import make_buckets

    aged = _items([("A", "A1", 400, 10000, "USD"),       # a year past due, never dunned
                   ("B", "B1", 70, 10000, "USD"),        # the age says 3, nothing sent
                   ("C", "C1", 200, 10000, "USD"),       # level 1 went 20 days ago
                   ("D", "D1", 10, 10000, "USD")])       # the age says 1
    facts = _facts(history=[("C", _days_ago(20), "dunning", 1)])
    usual = select_letters(aged, None, facts, DEFAULT_POLICY, AS_OF).letters \
        .set_index("customer_id")
    assert list(usual.loc[["A", "B", "C", "D"], "level"]) == [1, 1, 2, 1]
    assert "so level 1 (Friendly reminder), not level 4: levels are not skipped" in \
        usual.loc["A", "why"]
    assert "no level is skipped" in describe_policy(DEFAULT_POLICY)

    by_age = parse_policy("1,30,60,90; grace=5; first_letter_by_age=yes")
    assert by_age.first_letter_by_age and not by_age.skip_levels
    assert parse_policy("1,30,60,90;grace=5;first_letter_by_age=no") == DEFAULT_POLICY
    sel = select_letters(aged, None, facts, by_age, AS_OF)
    rows = sel.letters.set_index("customer_id")
    # 400 days: level 4 starts at 90 + 5 days; 70 days: level 3 starts at 65.
    assert list(rows.loc[["A", "B", "C", "D"], "level"]) == [4, 3, 2, 1]
    assert "the policy starts the first letter at the level the age calls for" in \
        rows.loc["A", "why"]
    assert "so level 4 (Notice before collection)" in rows.loc["A", "why"]
    assert "then no level is skipped" in describe_policy(by_age)
    made = {x.customer_id: x.kind for x in
            batch_letters(sel, aged, None, by_age, AS_OF, make_buckets()).letters}
    assert made == {"A": "dunning_4", "B": "dunning_3", "C": "dunning_2", "D": "dunning_1"}
    with pytest.raises(PolicyError, match="first_letter_by_age is yes or no"):
        parse_policy("1,30,60,90; first_letter_by_age=maybe")


def test_a_print_document_stores_each_letters_page_count_in_its_footer():
    """In one document of many letters, "of y" is the letter's own page count, written
    into the section's page-count field; fields Word split into pieces too."""
    from xlar.letters.render import count_pages

    simple = ('<w:ftr><w:p><w:r><w:t>Page </w:t></w:r><w:fldSimple w:instr=" PAGE "><w:r>'
              '<w:t>1</w:t></w:r></w:fldSimple><w:r><w:t> of </w:t></w:r><w:fldSimple '
              'w:instr=" NUMPAGES "><w:r><w:rPr><w:sz w:val="15"/></w:rPr><w:t>1</w:t></w:r>'
              '</w:fldSimple></w:p></w:ftr>')
    assert count_pages(simple, 3) == simple.replace(
        'w:instr=" NUMPAGES "><w:r><w:rPr><w:sz w:val="15"/></w:rPr><w:t>1',
        'w:instr=" SECTIONPAGES "><w:r><w:rPr><w:sz w:val="15"/></w:rPr><w:t>3')
    pieces = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText '
              'xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar '
              'w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar '
              'w:fldCharType="end"/></w:r><w:r><w:t> of </w:t></w:r><w:r><w:fldChar '
              'w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> NUMPAGES '
              '\\* Arabic </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/>'
              '</w:r><w:r><w:t>1</w:t></w:r><w:r><w:t>0</w:t></w:r><w:r><w:fldChar '
              'w:fldCharType="end"/></w:r></w:p>')
    got = count_pages(pieces, 2)
    assert got.count("<w:t>1</w:t>") == 1  # PAGE's result is left as it was
    assert '> SECTIONPAGES </w:instrText>' in got and "NUMPAGES" not in got
    assert got.endswith('<w:r><w:t>2</w:t></w:r><w:r><w:t></w:t></w:r><w:r><w:fldChar '
                        'w:fldCharType="end"/></w:r></w:p>')
    empty = '<w:p><w:fldSimple w:instr="NUMPAGES"/></w:p>'
    assert count_pages(empty, 4) == ('<w:p><w:fldSimple w:instr=" SECTIONPAGES ">'
                                     '<w:r><w:t>4</w:t></w:r></w:fldSimple></w:p>')
    no_count = '<w:p><w:fldSimple w:instr=" PAGE "/></w:p>'
    assert count_pages(no_count, 4) == no_count
