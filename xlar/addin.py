"""Building and installing xlar.xlam, the Excel add-in that adds the AR ribbon tab.

The ribbon is not drawn by hand: every registered action (:mod:`xlar.actions`)
is a button, in its group, with its label, icon and screentip, and a VBA
callback that runs it.  :func:`ribbon_xml` and :func:`ribbon_vba` write them;
``xlar addin sources`` keeps readable copies in the repository
(``workbooks/addin/customUI14.xml`` and ``workbooks/addin/vba/xlarRibbon.bas``;
a test checks they are current), and the add-in is built from those.

The VBA project (``vbaProject.bin``) is compiled from the ``.bas`` files with
the ``ms-ovba`` package; the workbook part is written by openpyxl; this module
puts them together as an Office Open XML package of the add-in type, with the
ribbon part and its relationship.
"""

from __future__ import annotations

import io
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree as ET

from xlar import __version__

__all__ = ["ADDIN_SOURCES", "build_addin", "install_addin", "ribbon_buttons", "vba_callbacks",
           "RibbonButton", "AddinError", "addin_folder", "ribbon_xml", "ribbon_vba",
           "write_sources"]

ADDIN_SOURCES = Path(__file__).resolve().parent.parent / "workbooks" / "addin"
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
REL_UI = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
ADDIN_MAIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
VBA_TYPE = "application/vnd.ms-office.vbaProject"


class AddinError(RuntimeError):
    """The add-in cannot be built or installed; the message says why."""


class RibbonButton(NamedTuple):
    id: str
    label: str
    image: str
    on_action: str
    group: str
    screentip: str


def ribbon_buttons(customui: Path | None = None) -> list[RibbonButton]:
    """The buttons of the ribbon XML, with the group each sits in."""
    path = customui or ADDIN_SOURCES / "customUI14.xml"
    root = ET.parse(path).getroot()
    ns = {"c": CUSTOMUI_NS}
    out = []
    for group in root.iterfind(".//c:group", ns):
        for b in group.iterfind("c:button", ns):
            out.append(RibbonButton(b.get("id", ""), b.get("label", ""), b.get("imageMso", ""),
                                    b.get("onAction", ""), group.get("label", ""),
                                    b.get("screentip", "")))
    return out


def vba_callbacks(folder: Path | None = None) -> dict[str, str]:
    """Ribbon callbacks in the .bas sources: procedure name -> the action it runs.

    A callback is a ``Public Sub Name(control As IRibbonControl)`` whose body
    calls ``RunXlarAction "action_name"``.
    """
    import re

    folder = folder or ADDIN_SOURCES / "vba"
    found: dict[str, str] = {}
    sub = re.compile(r"^\s*Public Sub (\w+)\(control As IRibbonControl\)\s*$", re.IGNORECASE)
    call = re.compile(r'^\s*RunXlarAction\s+"(\w+)"', re.IGNORECASE)
    for bas in sorted(folder.glob("*.bas")):
        current = None
        for line in bas.read_text(encoding="cp1252").splitlines():
            m = sub.match(line)
            if m:
                current = m.group(1)
                found[current] = ""
                continue
            m = call.match(line)
            if m and current:
                found[current] = m.group(1)
            if line.strip().lower() == "end sub":
                current = None
    return found


_VBA_HEADER = """Attribute VB_Name = "{module}"
' {what}  Written by 'xlar addin sources' from xlar's action registry:
' do not edit by hand, add an action instead.
'
' Each button runs one xlar action in Python through the xlwings add-in:
'     RunPython "import xlar.excel; xlar.excel.run('refresh_aging')"
' The action names are those of xlar's registry; "xlar actions" lists them.
Option Explicit
"""

_VBA_RUNNER = """
Public Sub RunXlarAction(ByVal actionName As String, Optional ByVal options As String = "")
    Dim code As String
    code = "import xlar.excel; xlar.excel.run('" & actionName & "'" & options & ")"
    On Error GoTo NoPython
    Application.Run "xlwings.xlam!RunPython", code
    Exit Sub
NoPython:
    MsgBox "xlar could not start Python for '" & actionName & "'." & vbCrLf & vbCrLf & _
           "Check that Python with xlar is installed (pip install xlar) and that the " & _
           "xlwings add-in is installed (xlwings addin install)." & vbCrLf & vbCrLf & _
           "Excel said: " & Err.Description, vbExclamation, "xlar"
End Sub

Public Function PyText(ByVal text As String) As String
    ' A Python string literal: backslashes and quotes doubled/escaped.
    PyText = "'" & Replace(Replace(text, "\\", "\\\\"), "'", "\\'") & "'"
End Function
"""


def _callback(name: str) -> str:
    return "On" + "".join(part.capitalize() for part in name.split("_"))


def _ordered(actions) -> list:
    from xlar.actions import RIBBON_GROUPS

    return sorted(actions, key=lambda a: (RIBBON_GROUPS.index(a.group), a.name))


def ribbon_xml(actions=None) -> str:
    """The ribbon (customUI14.xml) for the registered *actions*: tab AR, one group per
    ribbon group that has actions, the first button of a group large."""
    from xml.sax.saxutils import quoteattr

    from xlar.actions import RIBBON_GROUPS, registry

    acts = _ordered((actions or registry()).values())
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
             "<!-- The AR ribbon tab of xlar.xlam, written by 'xlar addin sources' from xlar's",
             "     action registry.  Each button's onAction is a Sub in vba/xlarRibbon.bas. -->",
             f'<customUI xmlns="{CUSTOMUI_NS}">', "  <ribbon>", "    <tabs>",
             '      <tab id="xlarTab" label="AR" keytip="R">']
    for group in RIBBON_GROUPS:
        members = [a for a in acts if a.group == group]
        if not members:
            continue
        lines.append(f'        <group id="xlar{group}" label="{group}">')
        for n, a in enumerate(members):
            button = "xlar" + _callback(a.name)[2:]
            lines.append(
                f'          <button id="{button}" label={quoteattr(a.label)} '
                f'size="{"large" if n == 0 else "normal"}" imageMso="{a.image}"\n'
                f'                  screentip={quoteattr(a.label)}\n'
                f'                  supertip={quoteattr(a.help)}\n'
                f'                  onAction="{_callback(a.name)}"/>')
        lines.append("        </group>")
    lines += ["      </tab>", "    </tabs>", "  </ribbon>", "</customUI>", ""]
    return "\n".join(lines)


def ribbon_vba(actions=None) -> dict[str, str]:
    """The VBA modules for the registered *actions*: file name -> source.

    ``xlarRibbon.bas`` holds the runner; each ribbon group's callbacks sit in a
    module of their own (``xlarCash.bas`` ...), small enough for one compressed
    chunk each (see :func:`literal_compress`).
    """
    from xlar.actions import registry

    acts = _ordered((actions or registry()).values())
    out = {"xlarRibbon.bas": _VBA_HEADER.format(
        module="xlarRibbon", what="The runner of the xlar add-in's ribbon callbacks.")
        + _VBA_RUNNER}
    for group in dict.fromkeys(a.group for a in acts):
        module = f"xlar{group}"
        text = [_VBA_HEADER.format(module=module,
                                   what=f"Callbacks of the AR tab's {group} group.")]
        for a in (a for a in acts if a.group == group):
            text.append(f"Public Sub {_callback(a.name)}(control As IRibbonControl)")
            if a.asks == "file":
                vba_filter = a.file_filter.replace('"', '""') or "All files (*.*),*.*"
                text += ["    Dim chosen As Variant",
                         f'    chosen = Application.GetOpenFilename("{vba_filter}", , '
                         f'"{a.label}")',
                         "    If VarType(chosen) = vbBoolean Then Exit Sub",
                         f'    RunXlarAction "{a.name}", ", file=" & PyText(CStr(chosen))']
            else:
                text.append(f'    RunXlarAction "{a.name}"')
            text += ["End Sub", ""]
        out[f"{module}.bas"] = "\n".join(text)
    return out


def write_sources(folder: Path | None = None) -> list[Path]:
    """Write customUI14.xml and the vba/*.bas modules for the current registry (modules
    of groups that no longer exist are removed)."""
    folder = folder or ADDIN_SOURCES
    vba = folder / "vba"
    vba.mkdir(parents=True, exist_ok=True)
    xml = folder / "customUI14.xml"
    xml.write_text(ribbon_xml(), encoding="utf-8")
    modules = ribbon_vba()
    for old in vba.glob("*.bas"):
        if old.name not in modules:
            old.unlink()
    written = [xml]
    for name, text in modules.items():
        (vba / name).write_bytes(text.replace("\r\n", "\n").encode("cp1252"))
        written.append(vba / name)
    return written


def literal_compress(data: bytes) -> bytes:
    """An MS-OVBA compressed container (MS-OVBA 2.4.1) holding *data* without copy
    tokens: full 4096-byte chunks stored raw, the last one as literal tokens.  Larger
    than real compression, and exact.  The last chunk must fit a compressed chunk
    (3,640 bytes of literals); a module source is split so that it does."""
    out = bytearray(b"\x01")
    full, rest = divmod(len(data), 4096)
    if rest > 3640:
        raise AddinError(f"a VBA module of {len(data)} bytes cannot be stored: keep modules "
                         "under 3,640 bytes past a multiple of 4,096")
    for n in range(full):
        out += (0x3000 | 4095).to_bytes(2, "little") + data[n * 4096:(n + 1) * 4096]
    if rest:
        tail = data[full * 4096:]
        body = b"".join(b"\x00" + tail[i:i + 8] for i in range(0, len(tail), 8))
        out += (0xB000 | (len(body) + 2 - 3)).to_bytes(2, "little") + body
    return bytes(out)


def _vba_project(folder: Path) -> bytes:
    """vbaProject.bin compiled from the .bas files by ms-ovba, in a scratch folder.

    ms-ovba writes its intermediate files next to its inputs, including its own blank
    Sheet1/ThisWorkbook modules inside the installed package, and *appends* to them: each
    build made those modules longer (20 KB after a few hundred builds) and two builds at
    once mixed them.  So it runs from a private copy of the package."""
    import ms_ovba

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for bas in folder.glob("*.bas"):
            # VBA source is Windows-1252 with CRLF line ends.
            text = bas.read_text(encoding="cp1252").replace("\r\n", "\n").replace("\n", "\r\n")
            (src / bas.name).write_bytes(text.encode("cp1252"))
        shutil.copytree(Path(ms_ovba.__file__).parent, Path(tmp) / "pkg" / "ms_ovba",
                        ignore=shutil.ignore_patterns("*.new", "*.bin", "__pycache__"))
        # ms-ovba's own compressor garbles some modules (a copy token off by a byte:
        # "OnValidateAdjustments" came back "OnValidatveAdjustments"); it runs here with
        # literal_compress, which cannot be wrong, in its place.
        runner = (f"import runpy, sys; sys.path.insert(0, {str(Path(tmp) / 'pkg')!r}); "
                  "from ms_ovba_compression.ms_ovba import MsOvba; "
                  "from xlar.addin import literal_compress; "
                  "MsOvba.compress = lambda self, data: literal_compress(bytes(data)); "
                  f"sys.argv = ['ms_ovba', {str(src)!r}]; runpy.run_module('ms_ovba', "
                  "run_name='__main__')")
        done = subprocess.run([sys.executable, "-c", runner], cwd=tmp,
                              capture_output=True, text=True, timeout=120)
        out = Path(tmp) / "vbaProject.bin"
        if done.returncode != 0 or not out.exists():
            raise AddinError(f"the VBA project could not be built: {done.stderr.strip()[-300:]}")
        return out.read_bytes()


def _workbook_part() -> bytes:
    """A one-sheet workbook saying what the add-in is (its sheet is hidden by Excel)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "xlar"
    ws["A1"] = f"xlar {__version__}: the AR ribbon tab. See the README of xlar."
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _register(xml: bytes, rel_id: str, rel_type: str, target: str) -> bytes:
    ET.register_namespace("", REL_NS)
    root = ET.fromstring(xml)
    ET.SubElement(root, f"{{{REL_NS}}}Relationship", Id=rel_id, Type=rel_type, Target=target)
    return ET.tostring(root, xml_declaration=True, encoding="UTF-8")


def _content_types(xml: bytes) -> bytes:
    ET.register_namespace("", CT_NS)
    root = ET.fromstring(xml)
    for o in root.iterfind(f"{{{CT_NS}}}Override"):
        if o.get("PartName") == "/xl/workbook.xml":
            o.set("ContentType", ADDIN_MAIN)
    if not any(d.get("Extension") == "bin" for d in root.iterfind(f"{{{CT_NS}}}Default")):
        ET.SubElement(root, f"{{{CT_NS}}}Default", Extension="bin", ContentType=VBA_TYPE)
    if not any(d.get("Extension") == "xml" for d in root.iterfind(f"{{{CT_NS}}}Default")):
        ET.SubElement(root, f"{{{CT_NS}}}Default", Extension="xml", ContentType="application/xml")
    return ET.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_addin(out: str | Path = "xlar.xlam", sources: Path | None = None) -> Path:
    """Write xlar.xlam from the ribbon XML and the VBA sources; returns its path."""
    sources = sources or ADDIN_SOURCES
    customui = sources / "customUI14.xml"
    if not customui.exists():
        raise AddinError(f"add-in sources not found in {sources}: build the add-in from a "
                         "checkout of xlar (workbooks/addin)")
    ET.parse(customui)  # a malformed ribbon fails here, not in Excel
    vba = _vba_project(sources / "vba")
    base = zipfile.ZipFile(io.BytesIO(_workbook_part()))
    out = Path(out)
    tmp = out.with_name(f".~{out.name}")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for info in base.infolist():
            data = base.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = _content_types(data)
            elif info.filename == "_rels/.rels":
                data = _register(data, "rIdXlarUI", REL_UI, "customUI/customUI14.xml")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = _register(data, "rIdXlarVBA", REL_VBA, "vbaProject.bin")
            z.writestr(info.filename, data)
        z.writestr("xl/vbaProject.bin", vba)
        z.writestr("customUI/customUI14.xml", customui.read_bytes())
    os.replace(tmp, out)
    return out


def addin_folder() -> Path | None:
    """Excel's add-in folder for this user, or None on a system without Excel."""
    system = platform.system()
    if system == "Windows":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / \
            "Microsoft" / "AddIns"
    if system == "Darwin":
        return Path.home() / "Library" / "Group Containers" / "UBF8T346G9.Office" / \
            "User Content" / "Add-Ins"
    return None


def install_addin(addin: str | Path = "xlar.xlam") -> str:
    """Copy the add-in into Excel's add-in folder; returns what to do next."""
    addin = Path(addin)
    if not addin.exists():
        raise AddinError(f"{addin} not found: build it first with 'xlar addin build'")
    folder = addin_folder()
    if folder is None:
        return (f"Excel add-ins install on Windows or macOS. Copy {addin.resolve()} to that "
                "computer and run 'xlar addin install' there, or load it in Excel with "
                "File > Options > Add-ins > Go... > Browse.")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / addin.name
    shutil.copy2(addin, target)
    return (f"Installed {target}. In Excel: File > Options > Add-ins > Manage Excel Add-ins > "
            "Go..., tick 'Xlar', OK. The AR tab appears on the ribbon.")
