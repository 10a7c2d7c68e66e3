"""PDF through LibreOffice headless: one ``soffice --convert-to pdf`` per call.

Each conversion runs with its own throw-away user profile (two conversions at once
would otherwise collide on the default profile and one would silently do nothing),
under a time limit, and says plainly what to install when LibreOffice is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["OfficeError", "find_soffice", "convert_to_pdf", "INSTALL_HINT"]

INSTALL_HINT = ("install LibreOffice (Debian/Ubuntu: apt-get install -y libreoffice-calc-nogui "
                "libreoffice-writer-nogui; Windows/macOS: libreoffice.org), or make 'soffice' "
                "findable on PATH or through XLAR_SOFFICE")


class OfficeError(RuntimeError):
    """A PDF could not be made: LibreOffice is missing, failed or took too long."""


def find_soffice() -> str | None:
    """soffice from XLAR_SOFFICE, PATH, or the usual install folders."""
    named = os.environ.get("XLAR_SOFFICE")
    if named:
        return named if Path(named).exists() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in ("/usr/lib/libreoffice/program/soffice",
                      "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                      r"C:\Program Files\LibreOffice\program\soffice.exe"):
        if Path(candidate).exists():
            return candidate
    return None


def convert_to_pdf(path: str | Path, outdir: str | Path | None = None,
                   timeout: float = 120.0) -> Path:
    """Convert *path* (xlsx, docx ...) to PDF beside it (or in *outdir*); the PDF's path."""
    src = Path(path).resolve()
    out = Path(outdir).resolve() if outdir else src.parent
    soffice = find_soffice()
    if soffice is None:
        raise OfficeError(f"cannot make {src.stem}.pdf: LibreOffice (soffice) was not found; "
                          f"{INSTALL_HINT}. The .xlsx report was written: {src}")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlar-soffice-") as profile:
        work = Path(profile) / "out"
        cmd = [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
               f"-env:UserInstallation={Path(profile, 'user').as_uri()}",
               "--convert-to", "pdf", "--outdir", str(work), str(src)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  start_new_session=True)
        except subprocess.TimeoutExpired:
            raise OfficeError(f"LibreOffice did not finish converting {src.name} to PDF within "
                              f"{timeout:.0f} s; try again, or open the .xlsx and print it to "
                              "PDF") from None
        made = work / f"{src.stem}.pdf"
        if done.returncode != 0 or not made.is_file() or made.stat().st_size == 0:
            said = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
            raise OfficeError(f"LibreOffice could not convert {src.name} to PDF (exit code "
                              f"{done.returncode}{': ' + ' / '.join(said) if said else ''})")
        target = out / made.name
        os.replace(made, target) if made.stat().st_dev == out.stat().st_dev else \
            shutil.move(made, target)
    return target
