"""Checking an Office Open XML package (xlsx, xlsm, xlam) the way Excel would open it.

Excel shows a "We found a problem with some content" repair prompt when a
package is inconsistent.  Without Excel at hand, :func:`package_problems`
checks the causes of that prompt that can be checked from outside:

* every part is well-formed XML (except binary parts);
* every part has a content type (a Default by extension or an Override);
* every Override names a part that exists;
* every internal relationship target exists;
* every part is reached through relationships from the package's root
  (``_rels/.rels``): a part nothing points to (an "orphan", e.g. a pivot cache left
  behind when its pivot table was removed) is one Excel drops with a repair prompt;
* the main workbook part has the content type its file extension needs.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

__all__ = ["package_problems", "orphan_parts", "MAIN_CONTENT_TYPES"]

_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

MAIN_CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ".xlam": "application/vnd.ms-excel.addin.macroEnabled.main+xml",
}
_BINARY = (".bin", ".png", ".jpeg", ".jpg", ".gif", ".emf", ".wmf")


def _rels_base(rels_name: str) -> str:
    """'xl/_rels/workbook.xml.rels' -> 'xl' (targets are relative to the source's folder)."""
    folder = posixpath.dirname(posixpath.dirname(rels_name))
    return folder


def _rels_of(part: str) -> str:
    """'xl/workbook.xml' -> 'xl/_rels/workbook.xml.rels'; '' (the package) -> '_rels/.rels'."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _targets(z: zipfile.ZipFile, rels_name: str, names: set[str]) -> list[str]:
    """The internal targets of one relationships part that are in the package."""
    try:
        rels = ET.fromstring(z.read(rels_name))
    except (KeyError, ET.ParseError):
        return []
    base = _rels_base(rels_name)
    return [full for _, full in _internal_targets(rels, base) if full in names]


def _internal_targets(rels: ET.Element, base: str) -> list[tuple[str | None, str]]:
    """(relationship id, the part it points to) for each internal relationship."""
    out = []
    for r in rels.iter(f"{_REL}Relationship"):
        if r.get("TargetMode") == "External":
            continue
        target = r.get("Target", "")
        out.append((r.get("Id"), target.lstrip("/") if target.startswith("/") else
                    posixpath.normpath(posixpath.join(base, target))))
    return out


def orphan_parts(z: zipfile.ZipFile) -> list[str]:
    """Parts no relationship reaches from the package's root (relationship parts and
    [Content_Types].xml are not parts that anything points to)."""
    names = {n for n in z.namelist() if not n.endswith("/")}
    reached: set[str] = set()
    todo = _targets(z, "_rels/.rels", names)
    while todo:
        part = todo.pop()
        if part in reached:
            continue
        reached.add(part)
        todo.extend(_targets(z, _rels_of(part), names))
    return sorted(n for n in names - reached
                  if n != "[Content_Types].xml" and not n.endswith(".rels"))


def package_problems(path: str | Path) -> list[str]:
    """Sentences describing what is wrong with the package; [] when it looks sound."""
    problems: list[str] = []
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        return [f"not a zip package: {e}"]
    names = set(z.namelist())
    if "[Content_Types].xml" not in names:
        return ["[Content_Types].xml is missing"]
    ct = ET.fromstring(z.read("[Content_Types].xml"))
    defaults = {d.get("Extension", "").lower(): d.get("ContentType")
                for d in ct.iter(f"{_CT}Default")}
    overrides = {o.get("PartName", ""): o.get("ContentType") for o in ct.iter(f"{_CT}Override")}
    for part in overrides:
        if part.lstrip("/") not in names:
            problems.append(f"[Content_Types].xml names {part}, which is not in the package")
    for name in sorted(names):
        if name.endswith("/") or name == "[Content_Types].xml":
            continue
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if f"/{name}" not in overrides and ext not in defaults:
            problems.append(f"{name} has no content type")
        if not name.lower().endswith(_BINARY):
            try:
                ET.fromstring(z.read(name))
            except ET.ParseError as e:
                problems.append(f"{name} is not well-formed XML ({e})")
    for name in sorted(n for n in names if n.endswith(".rels")):
        try:
            rels = ET.fromstring(z.read(name))
        except ET.ParseError:
            continue  # reported above
        for rid, full in _internal_targets(rels, _rels_base(name)):
            if full not in names:
                problems.append(f"{name}: relationship {rid} points to {full}, which is "
                                "not in the package")
    for name in orphan_parts(z):
        problems.append(f"{name} is in the package but no relationship points to it (Excel "
                        "drops it, with a repair prompt)")
    main = MAIN_CONTENT_TYPES.get(Path(path).suffix.lower())
    if main and overrides.get("/xl/workbook.xml") != main:
        problems.append(f"xl/workbook.xml has content type {overrides.get('/xl/workbook.xml')}; a "
                        f"{Path(path).suffix} file needs {main}")
    return problems
