"""Building and installing xlar.xlam, the Excel add-in that adds the AR ribbon tab.

The add-in is built from sources kept in the repository, nothing binary:

* ``workbooks/addin/customUI14.xml``: the ribbon (tab AR, groups, buttons);
* ``workbooks/addin/vba/*.bas``: the VBA callbacks the buttons call, which run
  xlar actions through the xlwings add-in's ``RunPython``.

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
           "RibbonButton", "AddinError", "addin_folder"]

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


def _vba_project(folder: Path) -> bytes:
    """vbaProject.bin compiled from the .bas files by ms-ovba (in a scratch folder:
    it writes its intermediate files next to the sources)."""
    with tempfile.TemporaryDirectory() as tmp:
        for bas in folder.glob("*.bas"):
            # VBA source is Windows-1252 with CRLF line ends.
            text = bas.read_text(encoding="cp1252").replace("\r\n", "\n").replace("\n", "\r\n")
            (Path(tmp) / bas.name).write_bytes(text.encode("cp1252"))
        done = subprocess.run([sys.executable, "-m", "ms_ovba", tmp], cwd=tmp,
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
