"""Filling the Word templates: one .docx per letter, and one document per template for
printing the whole batch.

Templates are docxtpl templates (Jinja tags in Word text, ``{%p %}`` / ``{%tr %}``
for paragraphs and table rows).  docxtpl re-reads and re-parses the template for
every document it renders, about 25 ms a letter; a batch of 1,000 letters would
spend most of its time there.  So :class:`CompiledTemplate` runs docxtpl's own
preprocessing (``DocxTemplate.patch_xml``) once per template, compiles the
resulting XML with Jinja once, and per letter only renders the text parts
(the document body, headers, footers) and zips them with the template's other
parts, which are copied as they are.  The output is what docxtpl writes; a test
renders the same context both ways and compares the text.

For printing, :func:`print_document` puts the letters made from one template
into one document, each from a new page and beginning with a bookmark
``xlarL00001``... (each letter its own section, with its own footer and page
numbers starting at 1, only when the template's header or footer differs from
letter to letter or numbers the pages: sections cost LibreOffice a third more time).
LibreOffice turns the bookmarks into PDF destinations, which tell where each
letter starts when the PDF is cut back into one PDF per letter
(:mod:`xlar.letters.pdf`).  One conversion per template instead of one per
letter is what makes a batch of 1,000 letters take seconds, not minutes.

Long letters: xlar's templates give the pages after the first a header of their own
(Word's "different first page": the customer, the date, "Page 2 of 3").  A letter's
own file counts its pages with Word's NUMPAGES field; in a print document NUMPAGES
would count the whole batch, and the field that counts a section's pages
(SECTIONPAGES) is one LibreOffice 7 shows but does not work out (it shows the value
stored in the field).  So a batch lays its letters out twice at most
(:mod:`xlar.letters.batch`): first every letter as a one-page letter (the first
page's header and footer on every page, so that most batches are one section and
print fast); then only the letters that came out longer than a page, each a section
of its own with its continuation header and its page count stored in SECTIONPAGES
(:func:`count_pages`): right in Word, and right in LibreOffice.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path
from typing import NamedTuple

from xlar.letters.errors import LetterError
from xlar.letters.words import KINDS, LANGUAGES

__all__ = ["CompiledTemplate", "TemplateError", "TEMPLATE_ROOT", "template_path",
           "Templates", "print_document", "bookmark_name", "RenderedLetter", "count_pages",
           "lays_out_again"]

#: xlar's own templates (workbooks/letters/en, workbooks/letters/es in the checkout).
TEMPLATE_ROOT = Path(__file__).resolve().parent.parent.parent / "workbooks" / "letters"

_TEXT_PART = re.compile(r"word/(document|header\d*|footer\d*)\.xml$")
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class TemplateError(LetterError):
    """A template that is missing or that Word/Jinja cannot read; the message names it."""


def template_path(kind: str, language: str, folder: Path | None = None) -> Path:
    """The template of *kind* in *language*: the user's folder first (the
    ``letter_templates`` setting, laid out as en/, es/), else xlar's own."""
    if kind not in KINDS:
        raise TemplateError(f"there is no letter kind {kind!r}; kinds are {', '.join(KINDS)}")
    language = language if language in LANGUAGES else "en"
    for root in (folder, TEMPLATE_ROOT):
        if root is not None:
            p = Path(root) / language / f"{kind}.docx"
            if p.is_file():
                return p
    raise TemplateError(f"no template {language}/{kind}.docx in "
                        f"{folder or TEMPLATE_ROOT}; copy it from {TEMPLATE_ROOT}")


def _environment():
    from jinja2 import Environment

    # Autoescape: a customer called "Walker & Sons" must not break the XML.
    return Environment(autoescape=True)


def _finish(xml: str) -> str:
    """What docxtpl does to a rendered part after Jinja (see DocxTemplate.render_xml_part)."""
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    return xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%") \
        .replace("%_}", "%}")


class RenderedLetter(NamedTuple):
    """A letter's text parts as rendered (part name -> XML text), and its template."""

    template: CompiledTemplate
    parts: dict[str, str]

    def docx(self) -> bytes:
        return self.template.package(self.parts)


class CompiledTemplate:
    """A template read, preprocessed and compiled once; render it for any number of letters."""

    def __init__(self, path: Path):
        from docxtpl import DocxTemplate
        from jinja2 import TemplateSyntaxError

        self.path = Path(path)
        try:
            with zipfile.ZipFile(self.path) as z:
                self.entries = [(info, z.read(info)) for info in z.infolist()]
        except (OSError, zipfile.BadZipFile) as e:
            raise TemplateError(f"letter template {self.path} cannot be read: {e}") from None
        names = {info.filename for info, _ in self.entries}
        if "word/document.xml" not in names:
            raise TemplateError(f"letter template {self.path} is not a Word document")
        patcher = DocxTemplate(self.path)
        env = _environment()
        self.compiled = {}
        for info, data in self.entries:
            if _TEXT_PART.match(info.filename):
                xml = patcher.patch_xml(data.decode("utf-8"))
                xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
                try:
                    self.compiled[info.filename] = env.from_string(xml)
                except TemplateSyntaxError as e:
                    raise TemplateError(
                        f"letter template {self.path}: a field is broken near "
                        f"'{_text_near(xml, e.lineno)}' ({e.message}); in Word, retype the "
                        "field in one go so that it stays in one piece") from None
        self.key = hashlib.sha256(b"".join(d for _, d in self.entries)).hexdigest()[:12]
        self.continuation = _continuation_parts(dict((i.filename, d) for i, d in self.entries))

    def render(self, context: dict) -> RenderedLetter:
        from jinja2 import TemplateError as JinjaError

        parts = {}
        for name, template in self.compiled.items():
            try:
                xml = _finish(template.render(context))
            except JinjaError as e:
                raise TemplateError(f"letter template {self.path}: {e}") from None
            if any(ch in xml for ch in "\t\a\f") or "\n" in xml.split("?>", 1)[-1]:
                from docxtpl import DocxTemplate

                xml = DocxTemplate.resolve_listing(None, xml)  # line breaks inside values
            parts[name] = xml
        return RenderedLetter(self, parts)

    def package(self, parts: dict[str, str], extra: dict[str, bytes] | None = None,
                replace: dict[str, bytes] | None = None) -> bytes:
        """The .docx: the template's parts, with *parts* (rendered text) in place,
        *replace* (raw bytes) swapped in, and *extra* parts added."""
        buf = io.BytesIO()
        replace = replace or {}
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for info, data in self.entries:
                name = info.filename
                if name in parts:
                    z.writestr(name, parts[name].encode("utf-8"))
                else:
                    z.writestr(name, replace.get(name, data))
            for name, data in (extra or {}).items():
                z.writestr(name, data)
        return buf.getvalue()


def _continuation_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """{header or footer of the pages after the first: the first page's} of a template
    whose first page has a header and footer of its own (Word's "different first
    page"); '' when the first page has none.  Empty for other templates."""
    from lxml import etree

    try:
        body = etree.fromstring(parts["word/document.xml"]).find(_q("body"))
        rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
    except (KeyError, etree.XMLSyntaxError):
        return {}
    sect = body.find(_q("sectPr")) if body is not None else None
    title = sect.find(_q("titlePg")) if sect is not None else None
    if title is None or title.get(_q("val"), "1").lower() in ("0", "false", "off"):
        return {}
    target = {r.get("Id"): "word/" + r.get("Target", "").lstrip("/").removeprefix("word/")
              for r in rels}
    refs = {(etree.QName(ref).localname, ref.get(_q("type"))): target.get(ref.get(f"{{{_R}}}id"))
            for ref in sect if etree.QName(ref).localname in ("headerReference",
                                                              "footerReference")}
    out = {}
    for kind in ("headerReference", "footerReference"):
        later = refs.get((kind, "default"))
        if later:
            out[later] = refs.get((kind, "first")) or ""
    return out


def lays_out_again(letter: RenderedLetter) -> bool:
    """True when the letter, once it turns out longer than a page, must be laid out again
    for its pages after the first (a header of their own, or "of y" pages)."""
    return bool(letter.template.continuation) or any(
        _COUNT_FIELD.search(xml) for name, xml in letter.parts.items()
        if name != "word/document.xml")


def _as_one_page(letter: RenderedLetter) -> RenderedLetter:
    """The letter as a one-page letter shows it: its first page's header and footer on
    every page."""
    parts = dict(letter.parts)
    for later, first in letter.template.continuation.items():
        if later not in parts:
            continue
        if first and first in parts:
            parts[later] = parts[first]
        else:  # no header on the first page: an empty one
            parts[later] = re.sub(r"(<w:(?:hdr|ftr)\b[^>]*>).*(</w:(?:hdr|ftr)>)",
                                  r"\1<w:p/>\2", parts[later], flags=re.S)
    return RenderedLetter(letter.template, parts)


def _text_near(xml: str, line: int | None) -> str:
    lines = xml.splitlines()
    if not line or line > len(lines):
        return "?"
    return re.sub(r"<[^>]+>", "", lines[line - 1])[:60]


class Templates:
    """The compiled templates of a batch, each compiled once."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self._cache: dict[tuple[str, str], CompiledTemplate] = {}

    def get(self, kind: str, language: str) -> CompiledTemplate:
        key = (kind, language)
        if key not in self._cache:
            self._cache[key] = CompiledTemplate(template_path(kind, language, self.folder))
        return self._cache[key]


# ---------------------------------------------------------------------------
# One document per template, for printing and for the PDF of every letter
# ---------------------------------------------------------------------------


def bookmark_name(index: int) -> str:
    """The bookmark at the start of the *index*-th letter of a print document."""
    return f"xlarL{index:05d}"


def _q(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def _sect_pr_order() -> list[str]:
    return ["headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz",
            "pgMar", "paperSrc", "pgBorders", "lnNumType", "pgNumType", "cols", "formProt",
            "vAlign", "noEndnote", "titlePg", "textDirection", "bidi", "rtlGutter", "docGrid",
            "printerSettings", "sectPrChange"]


def _restart_pages(sect_pr) -> None:
    """Page numbers of the section start at 1 (each letter counts its own pages)."""
    from lxml import etree

    old = sect_pr.find(_q("pgNumType"))
    if old is None:
        old = etree.Element(_q("pgNumType"))
        order = _sect_pr_order()
        at = len(sect_pr)
        for i, child in enumerate(sect_pr):
            name = etree.QName(child).localname
            if name in order and order.index(name) > order.index("pgNumType"):
                at = i
                break
        sect_pr.insert(at, old)
    old.set(_q("start"), "1")


def _mark_start(body, index: int) -> None:
    """A bookmark at the very start of the letter's first paragraph."""
    from lxml import etree

    first = next(body.iter(_q("p")), None)
    if first is None:
        return
    ppr = first.find(_q("pPr"))
    at = 1 if ppr is not None and first.index(ppr) == 0 else 0
    start = etree.Element(_q("bookmarkStart"))
    start.set(_q("id"), str(900000 + index))
    start.set(_q("name"), bookmark_name(index))
    end = etree.Element(_q("bookmarkEnd"))
    end.set(_q("id"), str(900000 + index))
    first.insert(at, end)
    first.insert(at, start)


def _end_section(children: list, sect_pr) -> None:
    """Close the letter's section: its section properties go into its last paragraph
    (as Word does), or into a paragraph of their own after a closing table."""
    from lxml import etree

    last = children[-1] if children else None
    if last is None or etree.QName(last).localname != "p":
        last = etree.Element(_q("p"))
        children.append(last)
    ppr = last.find(_q("pPr"))
    if ppr is None:
        ppr = etree.Element(_q("pPr"))
        last.insert(0, ppr)
    old = ppr.find(_q("sectPr"))
    if old is not None:
        ppr.remove(old)
    change = ppr.find(_q("pPrChange"))
    if change is not None:
        change.addprevious(sect_pr)
    else:
        ppr.append(sect_pr)


_PAGE_FIELD = re.compile(r'(?:instr="|<w:instrText[^>]*>)\s*(?:PAGE|NUMPAGES|SECTIONPAGES)\b')
_COUNT_FIELD = re.compile(r'(?:instr="|<w:instrText[^>]*>)\s*(?:NUMPAGES|SECTIONPAGES)\b')
_COUNT_INSTRUCTION = re.compile(r"(<w:instrText\b[^>]*>)\s*(?:NUMPAGES|SECTIONPAGES)\b[^<]*")
_SIMPLE_COUNT = re.compile(
    r'<w:fldSimple\b([^>]*?)w:instr="\s*(?:NUMPAGES|SECTIONPAGES)\b[^"]*"([^>]*?)'
    r'(?:/>|>(.*?)</w:fldSimple>)', re.S)


def _stored(result: str, count: int, simple: bool) -> str:
    """A field's result (its runs) showing *count*: the first text shows it, any other
    text of the result is emptied, and a result without text gets a run."""
    first = True

    def one(m: re.Match) -> str:
        nonlocal first
        text, first = (str(count) if first else ""), False
        return f"{m.group(1)}{text}</w:t>"

    if "<w:t" in result:
        return re.sub(r"(<w:t\b[^>]*>)[^<]*</w:t>", one, result)
    run = f"<w:r><w:t>{count}</w:t></w:r>"
    # A result of a field in pieces starts by closing the "separate" run.
    return result + run if simple else result.replace("</w:r>", "</w:r>" + run, 1)


def count_pages(xml: str, count: int) -> str:
    """A header or footer whose page count (NUMPAGES) is turned into the section's page
    count (SECTIONPAGES) showing *count*: see the module docstring."""
    if not _COUNT_FIELD.search(xml):
        return xml

    def simple(m: re.Match) -> str:
        return (f'<w:fldSimple{m.group(1)}w:instr=" SECTIONPAGES "{m.group(2)}>'
                f"{_stored(m.group(3) or '', count, True)}</w:fldSimple>")

    xml = _SIMPLE_COUNT.sub(simple, xml)
    if "instrText" not in xml:
        return xml
    # A field Word wrote in pieces: begin, instruction, separate, result runs, end.
    out, state = [], ""
    for part in re.split(r"(<w:fldChar\b[^>]*/>)", xml):
        char = re.match(r'<w:fldChar\b[^>]*w:fldCharType="(\w+)"', part)
        if char is not None:
            step = char.group(1)
            state = {"begin": "instruction", "end": ""}.get(step, state)
            if step == "separate" and state == "count":
                state = "result"
        elif state == "instruction" and _COUNT_INSTRUCTION.search(part):
            part = _COUNT_INSTRUCTION.sub(r"\1 SECTIONPAGES ", part)
            state = "count"
        elif state == "result":
            part, state = _stored(part, count, False), "shown"
        out.append(part)
    return "".join(out)


def _same_pages(letters: list[RenderedLetter]) -> bool:
    """True when the letters can share one section: the same headers and footers, with no
    page numbers in them (which would count on from letter to letter), each letter opening
    with a paragraph (which can start a new page)."""
    first = letters[0].parts
    for name, xml in first.items():
        if name == "word/document.xml":
            continue
        if _PAGE_FIELD.search(xml) or any(x.parts.get(name) != xml for x in letters[1:]):
            return False
    return all(re.search(r"<w:body>\s*<w:p[ >]", x.parts["word/document.xml"]) for x in letters)


def _page_break_before(paragraph) -> None:
    """The paragraph starts a new page (no empty line, unlike a page-break character)."""
    from lxml import etree

    ppr = paragraph.find(_q("pPr"))
    if ppr is None:
        ppr = etree.Element(_q("pPr"))
        paragraph.insert(0, ppr)
    if ppr.find(_q("pageBreakBefore")) is not None:
        return
    at = 0
    for i, child in enumerate(ppr):  # after pStyle, keepNext, keepLines (schema order)
        if etree.QName(child).localname in ("pStyle", "keepNext", "keepLines"):
            at = i + 1
    ppr.insert(at, etree.Element(_q("pageBreakBefore")))


def _one_section_document(letters: list[RenderedLetter], first_index: int) -> bytes:
    """The letters one after the other in one section, each from a new page."""
    from lxml import etree

    parts, head, tail = [], b"", b""
    for k, letter in enumerate(letters):
        text = letter.parts["word/document.xml"].encode("utf-8")
        body = etree.fromstring(text).find(_q("body"))
        _mark_start(body, first_index + k)
        children = [c for c in body if etree.QName(c).localname != "sectPr"]
        if k:
            _page_break_before(children[0])
        parts.append(b"".join(etree.tostring(c) for c in children))
        if k == 0:
            head = text[: text.index(b">", text.index(b"<w:body")) + 1]
            sect = body.find(_q("sectPr"))
            tail = (etree.tostring(sect) if sect is not None else b"") + \
                text[text.rindex(b"</w:body>"):]
    template = letters[0].template
    rendered = {n: x for n, x in letters[0].parts.items() if n != "word/document.xml"}
    return template.package(rendered, None,
                            {"word/document.xml": head + b"".join(parts) + tail})


def print_document(letters: list[RenderedLetter], first_index: int = 0,
                   pages: list[int] | None = None) -> bytes:
    """One .docx holding *letters* (all made from one template), one section each.

    Headers and footers are rendered per letter; letters whose header or footer
    came out the same share one part, so a batch with the company's footer on
    every letter holds one footer part, not a thousand.  *pages*: each letter's page
    count, once a first layout told it (shown where the template says "of y"); None
    for the first layout, which lays every letter out as a one-page letter (see the
    module docstring).
    """
    from lxml import etree

    if not letters:
        raise ValueError("a print document needs at least one letter")
    if pages is None:
        letters = [_as_one_page(x) for x in letters]
    if _same_pages(letters):
        # A section per letter costs LibreOffice a third more time: only when needed.
        return _one_section_document(letters, first_index)
    template = letters[0].template
    rels_name = "word/_rels/document.xml.rels"
    entries = {info.filename: data for info, data in template.entries}
    rels = etree.fromstring(entries[rels_name])
    by_target = {r.get("Target"): r.get("Id") for r in rels}
    types = etree.fromstring(entries["[Content_Types].xml"])
    ct_ns = types.nsmap.get(None, "")
    variants: dict[tuple[str, bytes], str] = {}   # (part, content) -> relationship id
    extra: dict[str, bytes] = {}
    body_xml: list[bytes] = []
    head = tail = b""
    for k, letter in enumerate(letters):
        remap: dict[str, str] = {}
        count = pages[k] if pages is not None else 1
        for name, xml in letter.parts.items():
            if name == "word/document.xml":
                continue
            data = count_pages(xml, count).encode("utf-8")
            target = name.split("/", 1)[1]
            original = by_target.get(target)
            if original is None:
                continue
            key = (name, hashlib.sha256(data).digest())
            if key not in variants:
                if not any(v == original for v in variants.values()):
                    variants[key] = original
                    extra_name = name
                else:
                    n = len(variants)
                    stem = Path(target).stem
                    new_target = f"{stem}_x{n}.xml"
                    new_id = f"rIdXlar{n}"
                    rel = etree.SubElement(rels, rels[0].tag if len(rels) else "Relationship")
                    rel.set("Id", new_id)
                    rel.set("Type", next(r.get("Type") for r in rels
                                         if r.get("Id") == original))
                    rel.set("Target", new_target)
                    part_rels = f"word/_rels/{target}.rels"
                    if part_rels in entries:
                        extra[f"word/_rels/{new_target}.rels"] = entries[part_rels]
                    override = etree.SubElement(types, f"{{{ct_ns}}}Override")
                    override.set("PartName", f"/word/{new_target}")
                    override.set("ContentType", next(
                        o.get("ContentType") for o in types
                        if o.get("PartName") == f"/{name}"))
                    variants[key] = new_id
                    extra_name = f"word/{new_target}"
                extra[extra_name] = data
            if variants[key] != original:
                remap[original] = variants[key]
        doc = etree.fromstring(letter.parts["word/document.xml"].encode("utf-8"))
        body = doc.find(_q("body"))
        children = list(body)
        sect_pr = children.pop() if children and etree.QName(children[-1]).localname == \
            "sectPr" else etree.Element(_q("sectPr"))
        for ref in sect_pr:
            rid = ref.get(f"{{{_R}}}id")
            if rid in remap:
                ref.set(f"{{{_R}}}id", remap[rid])
        _restart_pages(sect_pr)
        _mark_start(body, first_index + k)
        children = [c for c in body if c is not sect_pr]
        if k < len(letters) - 1:
            _end_section(children, sect_pr)
            final = b""
        else:
            final = etree.tostring(sect_pr)
        body_xml.append(b"".join(etree.tostring(c) for c in children) + final)
        if k == 0:
            text = letter.parts["word/document.xml"].encode("utf-8")
            head = text[: text.index(b">", text.index(b"<w:body")) + 1]
            tail = text[text.rindex(b"</w:body>"):]
    document = head + b"".join(body_xml) + tail
    replace = {rels_name: etree.tostring(rels, xml_declaration=True, encoding="UTF-8",
                                         standalone=True),
               "[Content_Types].xml": etree.tostring(types, xml_declaration=True,
                                                     encoding="UTF-8", standalone=True)}
    replace.update({n: d for n, d in extra.items() if n in entries})
    added = {n: d for n, d in extra.items() if n not in entries}
    return template.package({}, added, {**replace, "word/document.xml": document})
