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


def test_ribbon_vba_and_python_actions_form_one_chain(tmp_path):
    """Walk the three lists: onAction -> VBA Sub -> registered action, and back."""
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

    # ... and every registered action runs on the demo workbench through the file port.
    from xlar.demo_run import run_demo

    demo = run_demo(tmp_path / "demo", items=300, customers=30)
    for name in actions:
        outcome = run_on_file(name, demo.workbench)
        assert outcome.message and "Traceback" not in outcome.message, name
    assert package_problems(demo.workbench) == []


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
