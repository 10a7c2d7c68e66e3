"""The AR ribbon add-in: a valid package, VBA that reads back, and a chain from every
ribbon button through its VBA callback to a registered Python action that runs."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlar.actions import RIBBON_GROUPS, registry, run_on_file
from xlar.addin import build_addin, install_addin, ribbon_buttons, vba_callbacks
from xlar.ooxml import package_problems

NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")

#: imageMso names found in a published list: the 8,899 names of Alton Lam's ImageMso
#: project, the union of Microsoft's "2007 Office System Add-In: Icons Gallery", "Office
#: 2010 Add-In: Icons Gallery" and the [MS-CUSTOMUI] imageMso table (file
#: src/Excel.Images/Images.settings of github.com/christianjunk/ImageMso, commit d1fc57d7;
#: none of these is in its list of names Office 2013 no longer has).  Only the names the
#: ribbon uses are copied here; add a name after finding it in that list.
CONFIRMED_IMAGEMSO = frozenset({
    "AcceptInvitation", "AccountingFormat", "DataTypeCurrency", "FileSave",
    "FileSaveAsPdfOrXps", "FileSendAsAttachment", "ImportTextFile",
    "MailMergeFinishAndMergeMenu", "MailMergeMergeToEMail", "MailMergeResultsPreview",
    "RecordsSaveRecord", "RefreshAll", "ReviewAcceptChange", "Spelling", "TableInsert",
})
#: Looked up in the same list and not there (the list has MailMergeFinishAndMergeMenu,
#: MailMergeRecipientsEditList, MailMergeSelectRecipients, no CreditCard, no MailSend).
NOT_IN_THE_LIST = frozenset({"CreditCard", "MailMergeRecipients", "MailMergeFinishAndMerge",
                             "MailSend"})


@pytest.fixture(scope="module")
def xlam(tmp_path_factory):
    return build_addin(tmp_path_factory.mktemp("addin") / "xlar.xlam")


def test_the_addin_is_a_sound_macro_enabled_addin_package(xlam):
    assert package_problems(xlam) == []
    import zipfile

    z = zipfile.ZipFile(xlam)
    assert "customUI/customUI14.xml" in z.namelist() and "xl/vbaProject.bin" in z.namelist()
    rels = z.read("_rels/.rels").decode()
    assert "relationships/ui/extensibility" in rels and "customUI/customUI14.xml" in rels


def test_every_button_is_complete_and_unique():
    buttons = ribbon_buttons()
    assert buttons, "the ribbon has no buttons"
    ids = [b.id for b in buttons]
    assert len(ids) == len(set(ids))
    for b in buttons:
        assert NCNAME.match(b.id) and b.label and b.image and b.on_action and b.screentip, b
        assert b.group in RIBBON_GROUPS, b


def test_every_ribbon_icon_is_a_published_office_icon(xlam):
    """An imageMso Office does not know shows no icon (or the tab fails to load): every
    button's icon is one of the published list, in the sources and in the built add-in."""
    import zipfile

    shown = {b.id: b.image for b in ribbon_buttons()}
    assert set(shown.values()) <= CONFIRMED_IMAGEMSO, set(shown.values()) - CONFIRMED_IMAGEMSO
    built = zipfile.ZipFile(xlam).read("customUI/customUI14.xml").decode()
    assert set(re.findall(r'imageMso="([^"]+)"', built)) <= CONFIRMED_IMAGEMSO
    for a in registry().values():   # what each action names is what the ribbon shows
        assert a.image in CONFIRMED_IMAGEMSO and a.image not in NOT_IN_THE_LIST, a.name


def test_the_ribbon_sources_in_the_repository_are_current():
    """workbooks/addin is what the registry produces (run 'xlar addin sources' if not)."""
    from xlar.addin import ADDIN_SOURCES, ribbon_vba, ribbon_xml

    assert (ADDIN_SOURCES / "customUI14.xml").read_text(encoding="utf-8") == ribbon_xml()
    modules = ribbon_vba()
    assert {p.name for p in (ADDIN_SOURCES / "vba").glob("*.bas")} == set(modules)
    for name, text in modules.items():
        assert (ADDIN_SOURCES / "vba" / name).read_text(encoding="cp1252") == text
        # one compressed chunk per module (xlar.addin.literal_compress)
        assert len(text.replace("\n", "\r\n").encode("cp1252")) <= 3640, name


@given(st.binary(max_size=13_000))
def test_vba_compression_round_trips_exactly(data):
    """What olevba (and Excel) decompress is exactly what was stored."""
    from oletools.olevba import decompress_stream

    from xlar.addin import AddinError, literal_compress

    try:
        packed = literal_compress(data)
    except AddinError:
        assert 3640 < len(data) % 4096
        return
    assert bytes(decompress_stream(bytearray(packed))) == data


def test_a_button_that_needs_a_file_asks_for_it_and_passes_it_on():
    from xlar.addin import ribbon_vba

    file_actions = [a for a in registry().values() if a.asks == "file"]
    assert file_actions, "no action asks for a file"
    vba = "\n".join(ribbon_vba().values())
    for a in file_actions:
        body = vba.split(f"Sub {'On' + ''.join(w.capitalize() for w in a.name.split('_'))}(")[1]
        body = body.split("End Sub")[0]
        assert "GetOpenFilename" in body and f'RunXlarAction "{a.name}", ", file="' in body


def test_ribbon_vba_and_python_actions_form_one_chain():
    """Walk the three lists: onAction -> VBA Sub -> registered action, and back.  The
    next test runs every registered action on the demo workbench."""
    buttons = ribbon_buttons()
    callbacks = vba_callbacks()
    actions = registry()
    for b in buttons:
        assert b.on_action in callbacks, f"{b.id}: no VBA Sub {b.on_action}(control)"
        name = callbacks[b.on_action]
        assert name in actions, f"{b.on_action} runs {name!r}, which is not a registered action"
        assert actions[name].label == b.label and actions[name].group == b.group
        assert actions[name].image == b.image
    assert set(callbacks.values()) == set(actions), "every action needs a button and a callback"
    assert {b.on_action for b in buttons} == set(callbacks)


def _type_rows(path, sheet, table, rows):
    """Type rows under an Excel table, as a specialist would (the table grows)."""
    from openpyxl import load_workbook
    from openpyxl.utils.cell import range_boundaries

    wb = load_workbook(path)
    ws = wb[sheet]
    t = ws.tables[table]
    c0, r0, c1, r1 = range_boundaries(t.ref)
    header = [ws.cell(r0, c).value for c in range(c0, c1 + 1)]
    blank = r1 > r0 and all(ws.cell(r1, c).value in (None, "") for c in range(c0, c1 + 1))
    start = r1 if blank else r1 + 1           # an empty table has one blank row: use it
    for i, row in enumerate(rows):
        for h, v in row.items():
            ws.cell(start + i, c0 + header.index(h), v)
    t.ref = f"{ws.cell(r0, c0).coordinate}:{ws.cell(start + len(rows) - 1, c1).coordinate}"
    wb.save(path)


def _number(pattern, message):
    """The count a message reports (*pattern* has one group of digits), or the test fails
    there."""
    m = re.search(pattern, message)
    assert m, f"{pattern!r} not in: {message}"
    return int(m.group(1).replace(",", ""))


def test_every_action_does_its_work_on_the_demo_workbench(tmp_path, monkeypatch, libreoffice):
    """The third list of the chain: every registered action, run on the demo workbench
    through the openpyxl port the way a specialist would use it (the input each needs
    typed or chosen first), reports real work (a count above zero, a sheet or file
    written), not just a message.  Producing letters, posted credit memos and the
    past-due report make PDFs with LibreOffice (hence the fixture); Send Letters Now
    sends through a real SMTP server on 127.0.0.1."""
    import datetime as dt

    from support.adjustments import add_requests
    from support.smtp import MailServer

    from xlar.demo_run import run_demo
    from xlar.store.api import open_store
    from xlar.workbench.layout import APPROVALS
    from xlar.workbench.plan import rows_plan
    from xlar.workbench.port import XlsxPort

    monkeypatch.delenv("XLAR_DB_URL", raising=False)
    demo = run_demo(tmp_path / "demo", items=200, customers=20)   # writes a day's bank file
    wb = demo.workbench
    done: dict[str, str] = {}

    def run(name, **options):
        outcome = run_on_file(name, wb, **options)
        assert "Traceback" not in outcome.message, (name, outcome.message)
        done[name] = outcome.message
        return outcome.message

    def sheet(table):
        return XlsxPort(wb).table_frame(table)

    def open_invoices(n, avoid=()):
        items = sheet("OpenItems")
        usd = items[(items["Type"] == "Invoice") & (items["Currency"] == "USD") &
                    (items["Open Amount"] > 500) & ~items["Document"].isin(avoid)]
        assert len(usd) >= n
        return [usd.iloc[i] for i in range(n)]

    # Aging: the settings letters need, an authority limit for the approver; refresh
    run("setup_workbench", company_name="Globex Supply", company_email="ar@globex.example",
        authority_limits="luis=1000000")
    settings = dict(zip(sheet("Settings")["Setting"], sheet("Settings")["Value"], strict=True))
    assert settings["company_name"] == "Globex Supply"
    assert settings["source_file"] == str(demo.export)              # kept, not reset
    items = _number(r"(\d+) open items", run("refresh_aging"))
    assert items == len(sheet("OpenItems")) > 0

    # Notes: a note typed on the Notes sheet
    (first,) = open_invoices(1)
    _type_rows(wb, "Notes", "Notes", [{"Customer ID": first["Customer ID"],
                                       "Note": "Called AP: invoice approved for Friday's run"}])
    assert "1 new" in run("save_to_store")
    notes = open_store(workbook=wb).latest("note")
    assert "Called AP: invoice approved for Friday's run" in set(notes["text"])

    # Cash: the demo's bank file, a card payment taken by phone, then post
    message = run("import_bank_file", file=str(demo.bank_file))
    assert _number(r"(\d+) receipts", message) == 40 and _number(r"(\d+) matched", message) > 0
    assert "Card Payments sheet" in run_on_file("match_card_payments", wb).message  # adds it
    (card,) = open_invoices(1, avoid=set(sheet("CashProposals")["Document"]))
    _type_rows(wb, "Card Payments", "CardPayments", [{
        "Date": dt.datetime(2026, 10, 31), "Customer ID": card["Customer ID"],
        "Invoices": card["Document"], "Amount": float(card["Open Amount"]), "Currency": "USD",
        "Authorisation Code": "A1B2C3", "Card Last Four": "4242", "Taken By": "ana"}])
    assert _number(r"(\d+) matched", run("match_card_payments")) == 1
    posted = _number(r"Posted (\d+) payments", run("post_payments"))
    assert posted > 0 and len(sheet("ReceiptsPosted")) >= posted

    # Adjustments: a credit memo within the poster's authority, a write-off above it
    day = dt.date(2026, 11, 2)                                      # numbers are by year
    run_on_file("validate_adjustments", wb, today=day)              # adds the sheet
    credit, written_off = open_invoices(2, avoid=[card["Document"]])
    add_requests(wb, [dict(kind="credit memo", customer_id=credit["Customer ID"],
                           document=credit["Document"], amount="100.00", reason_code="pricing"),
                      dict(kind="write-off", customer_id=written_off["Customer ID"],
                           document=written_off["Document"], reason_code="bad debt")])
    validated = run("validate_adjustments", today=day)
    assert "Validated 2 rows: 1 ready to post, 1 needs approval" in validated
    assert "1 posted, 1 waiting for approval" in run("post_adjustments", today=day)
    assert "CM-2026-000001" in set(sheet("Adjustments")["Numbers"].dropna())
    port = XlsxPort(wb)                                   # the manager types the decision
    approvals = port.read_table(APPROVALS.table).frame
    approvals["Decision"] = "approve"
    field = {c.header: c.field for c in APPROVALS.columns}
    port.write_table(rows_plan(APPROVALS, [{field[h]: v for h, v in r.items()}
                                           for r in approvals.to_dict("records")]))
    port.save()
    manager = open_store(workbook=wb, user="luis")
    try:
        assert "1 decision recorded by luis" in run("approve_adjustments", store=manager)
    finally:
        manager.engine.dispose()
    assert sheet("Approvals")["Status"].tolist() == ["approved"]
    assert _number(r"(\d+) write-offs proposed", run("recommend_bad_debt")) == \
        len(sheet("BadDebtReview")) > 0
    tb = tmp_path / "trial balance 2026-10.csv"
    tb.write_text("Account,Name,Balance\n1200,Accounts receivable,1950000.00\n"
                  "2450,Unapplied cash,-1000.00\n4000,Revenue,-1949000.00\n")
    assert "Reconciled 2026-10: GL $1,950,000.00" in run("reconcile_gl", gl=str(tb),
                                                         period="2026-10")

    # Letters: preview, make (Word, PDF, e-mails), dry run, send
    letters = _number(r"(\d+) letters", run("preview_letters"))
    assert letters == int((sheet("Letters")["Include"] != "No").sum()) > 0
    made = run_on_file("produce_letters", wb)
    done["produce_letters"] = made.message
    assert _number(r"(\d+) letters made", made.message) == letters, made.message
    batch = Path(next(d for d in made.details if d.startswith("batch folder: "))[14:])
    assert len(list((batch / "pdf").glob("*.pdf"))) == letters
    assert _number(r"(\d+) letters would be e-mailed", run("send_letters")) == letters
    with MailServer() as server:
        sent = run("send_letters_now", smtp_host="127.0.0.1", smtp_port=server.port,
                   starttls=False, rate=6000)
        assert _number(r"(\d+) e-mails sent", sent) == letters and "0 failed" in sent
        server.wait_for(letters)
    assert len(server.messages) == letters

    # the past-due report for management, as PDF
    message = run("management_report")
    pdf = Path(message.rsplit(": ", 1)[1].rstrip("."))
    assert pdf.suffix == ".pdf" and pdf.read_bytes()[:5] == b"%PDF-"

    assert set(done) == set(registry()), "give each new action its input and check here"
    assert package_problems(wb) == []


def test_olevba_reads_the_vba_modules_back(xlam):
    out = subprocess.run([sys.executable, "-m", "oletools.olevba", str(xlam)],
                         capture_output=True, text=True, timeout=120).stdout
    assert "VBA MACRO xlarRibbon.bas" in out
    for cb in vba_callbacks():
        assert f"Public Sub {cb}(control As IRibbonControl)" in out
    assert "xlwings.xlam!RunPython" in out


def test_building_again_gives_the_same_project(tmp_path):
    """ms-ovba appends to its own blank sheet modules on every build; xlar builds from
    a private copy, so the second add-in is the first one again, not a longer one."""
    from oletools.olevba import VBA_Parser

    from xlar.addin import build_addin

    def modules(path):
        parser = VBA_Parser(str(path))
        try:
            return {name: code for _, _, name, code in parser.extract_macros()}
        finally:
            parser.close()

    first = modules(build_addin(tmp_path / "a.xlam"))
    second = modules(build_addin(tmp_path / "b.xlam"))
    assert first == second
    assert first["Sheet1.cls"].count('Attribute VB_Name = "Sheet1"') == 1


def test_libreoffice_lists_the_vba_modules_with_their_source(xlam, tmp_path, libreoffice):
    # LibreOffice has no add-in (.xlam) filter: give it the same package as a macro
    # workbook, the one change being the main part's content type.
    import zipfile

    from xlar.addin import ADDIN_MAIN, ribbon_vba
    from xlar.ooxml import MAIN_CONTENT_TYPES

    copy = tmp_path / "xlar.xlsm"
    with zipfile.ZipFile(xlam) as src, zipfile.ZipFile(copy, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(ADDIN_MAIN.encode(), MAIN_CONTENT_TYPES[".xlsm"].encode())
            dst.writestr(info, data)
    assert package_problems(copy) == []
    with libreoffice.document(copy) as doc:
        libs = doc.BasicLibraries
        assert libs.hasByName("VBAProject")
        lib = libs.getByName("VBAProject")
        names = set(lib.getElementNames())
        modules = {Path(m).stem for m in ribbon_vba()}
        assert modules <= names
        source = "\n".join(lib.getByName(m) for m in sorted(modules))
    for cb in vba_callbacks():
        assert f"Sub {cb}" in source
    assert "RunXlarAction" in source


def test_install_says_what_to_do_on_this_system(xlam, monkeypatch, tmp_path):
    import xlar.addin as addin

    monkeypatch.setattr(addin, "addin_folder", lambda: None)
    assert "Windows or macOS" in install_addin(xlam)
    monkeypatch.setattr(addin, "addin_folder", lambda: tmp_path / "AddIns")
    assert "Installed" in install_addin(xlam)
    assert (tmp_path / "AddIns" / "xlar.xlam").read_bytes() == Path(xlam).read_bytes()


def test_the_cli_and_the_ribbon_name_the_same_actions():
    from typer.main import get_command

    from xlar.cli import app

    cli = get_command(app)
    commands = set()
    for name, cmd in cli.commands.items():
        commands.add(name)
        for sub in getattr(cmd, "commands", {}):
            commands.add(f"{name} {sub}")
    for a in registry().values():
        assert a.command in commands, f"{a.name}: no CLI command 'xlar {a.command}'"
    # and the CLI commands that change a workbook are exactly the registered actions' commands
    workbook_commands = {"refresh", "workbench new", "notes sync", "cash import", "cash cards",
                         "cash post", "letters preview", "letters make", "letters send",
                         "adjust validate", "adjust post", "adjust approve", "adjust recommend",
                         "adjust reconcile", "report management"}
    assert workbook_commands == {a.command for a in registry().values()}
