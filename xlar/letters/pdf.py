"""PDF through LibreOffice, headless: a whole batch in one process, then cut and joined.

``soffice --convert-to pdf`` costs about a second to start and ~75 ms per
document it converts; a letter batch therefore converts one *print document per
template* (:func:`xlar.letters.render.print_document`), all of them in a single
soffice run, and cuts the result into one PDF per letter at the bookmarks each
letter starts with (LibreOffice writes them as PDF named destinations).  The
merged PDF for printing is then put together from those pages with pypdf.

soffice runs with its own throw-away profile (``-env:UserInstallation``), so it
never collides with a LibreOffice the user has open, nor with another batch,
under a time limit; when LibreOffice is not installed the error says what to
install.  Windows limits a command line to 32,767 characters: files are named
relative to the folder soffice runs in and split over several runs only when a
batch would not fit on one line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from xlar.letters.errors import LetterError

__all__ = ["PdfError", "find_soffice", "convert_to_pdf", "start_conversion",
           "finish_conversion", "Conversion", "split_at_bookmarks", "join_pdfs", "pdf_page_count",
           "letter_pages", "write_pages"]

_WINDOWS_PATHS = (r"C:\Program Files\LibreOffice\program\soffice.exe",
                  r"C:\Program Files (x86)\LibreOffice\program\soffice.exe")
_MAC_PATH = "/Applications/LibreOffice.app/Contents/MacOS/soffice"
_LINE_LIMIT = 30000  # characters of file names per soffice run (Windows allows 32,767)

#: writer_pdf_Export options: Writer bookmarks become PDF named destinations, which
#: is how a print document is cut back into letters.
_WRITER_PDF = "pdf:writer_pdf_Export:" + json.dumps(
    {"ExportBookmarksToPDFDestination": {"type": "boolean", "value": "true"}})


class PdfError(LetterError):
    """LibreOffice missing, failing or too slow; the message says what to do."""


def find_soffice() -> str | None:
    """The LibreOffice program, or None.  ``XLAR_SOFFICE`` names it when it is elsewhere."""
    named = os.environ.get("XLAR_SOFFICE")
    if named:
        return named if Path(named).exists() or shutil.which(named) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for p in (*(_WINDOWS_PATHS if sys.platform == "win32" else ()), _MAC_PATH):
        if Path(p).exists():
            return p
    return None


def _batches(names: Sequence[str]) -> list[list[str]]:
    out, line, size = [], [], 0
    for n in names:
        if line and size + len(n) + 3 > _LINE_LIMIT:
            out.append(line)
            line, size = [], 0
        line.append(n)
        size += len(n) + 3
    if line:
        out.append(line)
    return out


def _stop(proc: subprocess.Popen) -> None:
    """End soffice and everything it started (the PID is a launcher, oosplash)."""
    try:
        if sys.platform == "win32":
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


class Conversion(NamedTuple):
    """A conversion under way: the soffice runs still to start or running, and their files."""

    files: list[Path]
    outdir: Path
    profile: Path
    runs: list[list[str]]
    command: list[str]
    started: float
    timeout: float
    procs: list


def start_conversion(files: Sequence[Path], outdir: Path, timeout: float = 900,
                     bookmarks: bool = True) -> Conversion:
    """Start converting *files* (all in one folder) to PDFs in *outdir*, in one soffice
    process (more only when the names would not fit on one Windows command line).
    Finish with :func:`finish_conversion`; two conversions may run at once."""
    files = [Path(f) for f in files]
    soffice = find_soffice()
    if soffice is None:
        raise PdfError("LibreOffice is needed to make PDFs and was not found. Install it "
                       "(Windows/macOS: libreoffice.org; Debian/Ubuntu: apt-get install "
                       "libreoffice-writer-nogui libreoffice-calc-nogui), or set XLAR_SOFFICE "
                       "to the soffice program. The Word letters were written.")
    folder = files[0].parent if files else Path.cwd()
    if any(f.parent != folder for f in files):
        raise ValueError("a conversion takes the files of one folder")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="xlar-soffice-"))
    command = [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
               "--nolockcheck", f"-env:UserInstallation={profile.as_uri()}",
               "--convert-to", _WRITER_PDF if bookmarks else "pdf",
               "--outdir", str(outdir.resolve())]
    conv = Conversion(files, outdir, profile, _batches([f.name for f in files]), command,
                      time.monotonic(), timeout, [])
    if conv.runs:
        conv.procs.append(_launch(conv, conv.runs[0]))
    return conv


def _launch(conv: Conversion, names: list[str]) -> subprocess.Popen:
    return subprocess.Popen([*conv.command, *names], cwd=conv.files[0].parent,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=sys.platform != "win32")


def finish_conversion(conv: Conversion) -> list[Path]:
    """Wait for a conversion; returns the PDFs in the order of its files, or raises
    :class:`PdfError` naming the files LibreOffice did not convert."""
    log: list[str] = []
    try:
        for i in range(len(conv.runs)):
            proc = conv.procs[i] if i < len(conv.procs) else _launch(conv, conv.runs[i])
            left = conv.timeout - (time.monotonic() - conv.started)
            try:
                out, _ = proc.communicate(timeout=max(1.0, left))
            except subprocess.TimeoutExpired:
                _stop(proc)
                raise PdfError(f"LibreOffice took more than {conv.timeout:.0f} s to convert "
                               f"{len(conv.files)} documents and was stopped; try a smaller "
                               "batch or a faster machine. The Word letters were written."
                               ) from None
            log.append(out.decode("utf-8", "replace"))
    finally:
        shutil.rmtree(conv.profile, ignore_errors=True)
    pdfs = [conv.outdir / f"{f.stem}.pdf" for f in conv.files]
    missing = [f.name for f, p in zip(conv.files, pdfs, strict=True) if not p.exists()]
    if missing:
        said = " ".join(line for line in "".join(log).splitlines()
                        if "javaldx" not in line)[-400:]
        raise PdfError(f"LibreOffice did not convert {', '.join(missing[:5])}"
                       f"{' ...' if len(missing) > 5 else ''} ({said.strip() or 'no message'})")
    return pdfs


def convert_to_pdf(files: Sequence[Path], outdir: Path, timeout: float = 900,
                   bookmarks: bool = True) -> list[Path]:
    """Convert *files* (all in one folder) to PDFs in *outdir*, in one soffice process.

    *bookmarks*: Writer documents keep their bookmarks as PDF destinations
    (spreadsheets are converted with False).  Returns the PDFs, in the order of
    *files*; raises :class:`PdfError` naming the files LibreOffice did not convert.
    """
    if not files:
        return []
    return finish_conversion(start_conversion(files, outdir, timeout, bookmarks))


def split_at_bookmarks(pdf: Path, names: Sequence[str], targets: Sequence[Path]) -> list[int]:
    """Cut *pdf* into one file per bookmark: *names[i]* starts *targets[i]*, which ends
    where the next one starts.  Returns the page count of each part."""
    reader, ranges = letter_pages(pdf, names)
    return [write_pages((reader.pages[p] for p in r), t)
            for r, t in zip(ranges, targets, strict=True)]


def letter_pages(pdf: Path, names: Sequence[str]):
    """(reader, one page range per name): where each bookmarked letter of *pdf* starts and
    ends (it ends where the next one starts)."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    # pypdf names them as PDF names ("/xlarL00001"); other readers without the slash.
    found = {str(k).lstrip("/"): v for k, v in reader.named_destinations.items()}
    starts = []
    for n in names:
        if n not in found:
            raise PdfError(f"{pdf.name}: the start of letter {n} is not marked in the PDF; "
                           "LibreOffice may be too old (7.4 or newer is needed)")
        starts.append(reader.get_destination_page_number(found[n]))
    if starts != sorted(starts) or (starts and starts[0] != 0):
        raise PdfError(f"{pdf.name}: the letters' start pages are out of order ({starts[:6]})")
    ends = [*starts[1:], len(reader.pages)]
    return reader, [range(a, b) for a, b in zip(starts, ends, strict=True)]


def write_pages(pages, target: Path) -> int:
    """Write *pages* (pypdf page objects, from any readers) as one PDF; returns the count."""
    from pypdf import PdfWriter

    w = PdfWriter()
    for page in pages:
        w.add_page(page)
    with open(target, "wb") as fh:
        w.write(fh)
    return len(w.pages)


def join_pdfs(parts: Sequence[Path], target: Path) -> int:
    """Concatenate PDFs into *target*; returns its page count."""
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    for p in parts:
        for page in PdfReader(p).pages:
            w.add_page(page)
    with open(target, "wb") as fh:
        w.write(fh)
    return len(w.pages)


def pdf_page_count(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)
