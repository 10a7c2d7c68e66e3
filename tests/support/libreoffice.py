"""A real spreadsheet application for the tests: LibreOffice, headless, driven over UNO.

What it proves
--------------
Every workbook xlar writes is opened by LibreOffice, which recalculates all formulas
(``calculateAll()``) and hands back what *it* computed; a test compares that with the
engine's figures to the cent.  The same running office also lists PivotTables
(DataPilots, refreshed) and charts, reads back formula text (so a test can show that
outside text was written as text, not as a formula), and converts documents
(XLSX/DOCX -> PDF, XLSX, DOCX, ...) without starting a new process per file.

    with LibreOffice() as office:                  # or the ``libreoffice`` pytest fixture
        values = office.recalculated("aging.xlsx")  # {"Aging": [[...], ...], ...}
        assert round(cell_at(values["Aging"], "E2"), 2) == 160.14
        assert not cell_errors(values), cell_errors(values)
        office.convert_many(letters, "pdf", outdir)

Costs measured here (2 cores): start + connect 1.3-1.7 s (once per test process), first
load after start ~0.45 s, then a small workbook ~0.09 s for any read, a 20,000-row one
~0.6 s, xlsx -> pdf ~0.09 s, docx -> pdf ~0.04 s (50 letters in ~2.2 s), stop ~0.13 s.

Grids are anchored at A1 (``grid[0][0]`` is A1, ``grid[r][c]`` is row r+1, column c+1) and
reach to the end of the sheet's used area.  Values: numbers (and dates, booleans) as
``float``, text as ``str``, empty cells as ``None``, a formula that evaluated to an error
as a :class:`CellError` (a ``str`` such as ``"#VALUE!"`` or ``"Err:502"`` with the numeric
``code`` LibreOffice reports via ``XCell.getError()``).

How soffice is started and stopped
----------------------------------
``soffice --headless --invisible --norestore --nologo --nodefault
--accept=socket,host=127.0.0.1,port=PORT;urp; -env:UserInstallation=file:///tmp/xlar-lo-*/profile``
in a new session (its own process group), with a port the OS just handed out and a
fresh profile, so several instances (pytest-xdist workers) never share a profile.
The harness connects with the UNO resolver, retrying until the office answers (60 s
by default, then a clear error with soffice's own output).  Because a port can be taken
again between choosing it and soffice binding it, the harness checks that the office it
reached uses *its* profile (``PathSettings.UserConfig``) and otherwise starts again on
another port.  Stopping: close documents, ``desktop.terminate()``, wait for the PID that
was started (that PID is ``oosplash``, which waits for ``soffice.bin``), and kill the
process group if it does not end in time; the temp profile is removed.  An ``atexit`` hook
does the same if the owner forgets.  Every UNO call runs under a watchdog
(``call_timeout``, 120 s): a hung office is killed and the call fails naming the file; a
dead office is started again on the next call.  Runs as root and as any other user.

Only the standard library and Debian's ``python3-uno`` are needed.  ``uno`` is imported
from ``/usr/lib/python3/dist-packages`` (plus ``/usr/lib/libreoffice/program``, which
``uno.py`` adds itself); the dist-packages entry is removed from ``sys.path`` again
right after, so Debian's other Python packages cannot hide a missing dependency.

LibreOffice 7.4 quirks met here
-------------------------------
* A file that is not a spreadsheet (garbage, a truncated download) does not fail to
  load: LibreOffice opens it as a *text document*.  The harness checks the document
  type and says which filter LibreOffice picked.  A missing file fails with "type
  detection failed"; the harness checks existence first.
* ``getDataArray()`` gives ``''`` for empty cells and ``None`` for error results; the
  harness asks LibreOffice which cells are empty (``queryEmptyCells``) and which
  formulas ended in an error (``queryFormulaCells(ERROR)``), so ``''`` from ``=""`` stays
  ``''`` and errors come back as text plus code.
* Formula text is LibreOffice's API syntax, not Excel's: arguments separated by ``;``,
  e.g. ``=SUMIFS(OpenItems[Open Amount];OpenItems[Bucket];"1-30")``; unknown function
  names come back lower-cased (``=foobar(1)``, value ``#NAME?``).  Excel Table structured
  references survive the import.
* An xlsx boolean cell (``t="b"``, what openpyxl writes for ``True``) is imported as the
  formula ``=TRUE()`` (value ``1.0``), so it shows up in :meth:`LibreOffice.cell_formulas`.
* Opening read-only (``ReadOnly=True``) leaves no ``.~lock.NAME#`` file beside the
  workbook; ``calculateAll()``, ``refresh()`` of pivots and ``storeToURL`` still work.
* LibreOffice rebuilds every pivot from its source on load; its data field names are
  labels like ``"Sum - Open Amount"``, and the grand total row is ``"Total Result"``.
* Error texts differ from Excel's: ``=SQRT(-1)`` gives ``Err:502`` (Excel ``#NUM!``), a
  formula that does not parse (``=SUM(1,``) ``Err:511``, ``=NA()`` ``#N/A`` with code 32767.
* A chart's ``ranges`` are merged by LibreOffice: categories B2:B8 plus data C1:C8 are
  reported as ``B1:C8``.
* The PID ``subprocess`` gets is ``oosplash``; killing only it leaves ``soffice.bin``
  running, hence the process group.  A port already in use makes soffice hang silently
  rather than fail.  "failed to launch javaldx" on stderr is harmless.  A killed soffice
  leaves its ``/tmp/OSL_PIPE_*_SingleOfficeIPC_*`` socket behind; the harness removes it.
* On the first document load soffice runs ``gpgconf``/``gpg``/``gpgsm`` (signature
  support) double-forked, in its process group; where PID 1 reaps slowly they linger a
  moment as zombies.  They hold nothing; a check for leftovers must ignore state ``Z``.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "CellError",
    "LibreOffice",
    "LibreOfficeError",
    "LibreOfficeUnavailable",
    "cell_at",
    "cell_errors",
    "find_soffice",
    "import_uno",
    "ipc_pipe_name",
    "unavailable_reason",
]

UNO_PATHS = ("/usr/lib/python3/dist-packages", "/usr/lib/libreoffice/program")
INSTALL_HINT = (
    "apt-get install -y libreoffice-calc-nogui libreoffice-writer-nogui python3-uno"
)

# (document kind, target format) -> LibreOffice export filter
FILTERS: dict[tuple[str, str], str] = {
    ("calc", "pdf"): "calc_pdf_Export",
    ("calc", "xlsx"): "Calc MS Excel 2007 XML",
    ("calc", "ods"): "calc8",
    ("calc", "csv"): "Text - txt - csv (StarCalc)",  # first sheet only
    ("writer", "pdf"): "writer_pdf_Export",
    ("writer", "docx"): "MS Word 2007 XML",
    ("writer", "odt"): "writer8",
    ("impress", "pdf"): "impress_pdf_Export",
    ("draw", "pdf"): "draw_pdf_Export",
}

_KINDS = (
    ("com.sun.star.sheet.SpreadsheetDocument", "calc"),
    ("com.sun.star.text.TextDocument", "writer"),
    ("com.sun.star.presentation.PresentationDocument", "impress"),
    ("com.sun.star.drawing.DrawingDocument", "draw"),
)


class LibreOfficeError(RuntimeError):
    """LibreOffice could not do what was asked; the message says which file and why."""


class LibreOfficeUnavailable(LibreOfficeError):
    """soffice or the uno module is not installed here."""


class CellError(str):
    """A formula result that is an error, e.g. ``#VALUE!`` (code 519) or ``Err:502``."""

    code: int

    def __new__(cls, text: str, code: int) -> CellError:
        obj = super().__new__(cls, text)
        obj.code = int(code)
        return obj

    def __repr__(self) -> str:
        return f"CellError({str(self)!r}, code={self.code})"


# --------------------------------------------------------------------------- discovery

def find_soffice() -> str | None:
    """Path of ``soffice`` ($XLAR_SOFFICE, PATH, Debian's location), or None."""
    for candidate in (os.environ.get("XLAR_SOFFICE"), shutil.which("soffice"),
                      "/usr/lib/libreoffice/program/soffice"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


_uno_module: Any = None


def import_uno() -> Any:
    """Import Debian's ``uno`` into this Python without leaving dist-packages on sys.path."""
    global _uno_module
    if _uno_module is not None:
        return _uno_module
    added = [p for p in UNO_PATHS if p not in sys.path and os.path.isdir(p)]
    sys.path.extend(added)
    try:
        import uno
        import unohelper  # noqa: F401  (LibreOffice's helpers import it later)
    except ImportError as exc:
        raise LibreOfficeUnavailable(
            f"the uno module (python3-uno) cannot be imported by {sys.executable} "
            f"(Python {sys.version.split()[0]}): {exc}; install it with: {INSTALL_HINT}"
        ) from exc
    finally:
        # uno.py appends the program dir itself; that one holds only LibreOffice's own
        # scripts.  Debian's dist-packages must not linger: it would mask missing deps.
        if UNO_PATHS[0] in added and UNO_PATHS[0] in sys.path:
            sys.path.remove(UNO_PATHS[0])
    _uno_module = uno
    return uno


def unavailable_reason() -> str | None:
    """Why LibreOffice cannot be used here, or None when it can."""
    if find_soffice() is None:
        return f"LibreOffice (soffice) is not installed; install it with: {INSTALL_HINT}"
    try:
        import_uno()
    except LibreOfficeUnavailable as exc:
        return str(exc)
    return None


# --------------------------------------------------------------------------- A1 helpers

def column_letters(col: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _sheet_ref(name: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name):
        return name
    return "'" + name.replace("'", "''") + "'"


def range_a1(sheet: str, start_col: int, start_row: int, end_col: int, end_row: int) -> str:
    start = f"{column_letters(start_col)}{start_row + 1}"
    end = f"{column_letters(end_col)}{end_row + 1}"
    return f"{_sheet_ref(sheet)}!{start}" + ("" if start == end else f":{end}")


def cell_at(grid: list[list[Any]], ref: str) -> Any:
    """The value at an A1 reference (``"E2"``) in a grid anchored at A1; None outside it."""
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", ref.strip())
    if not m:
        raise ValueError(f"not an A1 cell reference: {ref!r}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    row, col = int(m.group(2)) - 1, col - 1
    if row < len(grid) and col < len(grid[row]):
        return grid[row][col]
    return None


def cell_errors(values: dict[str, list[list[Any]]]) -> list[str]:
    """Every error cell as ``"Sheet!E2: #DIV/0! (code 532)"``: handy in an assert message."""
    found = []
    for sheet, grid in values.items():
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if isinstance(value, CellError):
                    found.append(f"{range_a1(sheet, c, r, c, r)}: {value} (code {value.code})")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ipc_pipe_name(profile_uri: str) -> str:
    """Name of the single-instance socket soffice binds in /tmp for a profile:
    ``OSL_PIPE_<uid>_SingleOfficeIPC_<md5>``, the MD5 of the profile URL in UTF-16LE as
    hex bytes without zero padding."""
    digest = hashlib.md5(profile_uri.encode("utf-16-le"), usedforsecurity=False).digest()
    return f"OSL_PIPE_{os.getuid()}_SingleOfficeIPC_" + "".join(f"{b:x}" for b in digest)


def _remove_ipc_pipe(profile_uri: str) -> None:
    """Remove the socket a killed soffice leaves in /tmp (a clean exit removes it).  The
    name is unique to our profile, so this touches no other office."""
    name = ipc_pipe_name(profile_uri)
    for directory in {"/tmp", tempfile.gettempdir()}:
        pipe = Path(directory) / name
        with contextlib.suppress(OSError):
            if stat.S_ISSOCK(pipe.lstat().st_mode):
                pipe.unlink()


def _kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class _WrongOffice(Exception):
    """The port answered, but with somebody else's office."""


# --------------------------------------------------------------------------- the office

class LibreOffice:
    """One headless soffice process, driven over UNO.  Use as a context manager."""

    def __init__(self, *, soffice: str | None = None, start_timeout: float = 60.0,
                 call_timeout: float = 120.0, stop_timeout: float = 15.0) -> None:
        self.soffice = soffice
        self.start_timeout = start_timeout
        self.call_timeout = call_timeout
        self.stop_timeout = stop_timeout
        self.starts = 0                 # how many soffice processes this object started
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: Path | None = None
        self._ctx: Any = None
        self._desktop: Any = None
        self._uno: Any = None
        self._owner = os.getpid()
        self._timed_out: str | None = None

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> LibreOffice:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = f"pid {self.pid}, port {self.port}" if self.alive else "not running"
        return f"<LibreOffice {state}>"

    @property
    def pid(self) -> int | None:
        """PID of the started process (oosplash; its process group holds soffice.bin)."""
        return self._proc.pid if self._proc is not None else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def log_path(self) -> Path | None:
        return self._tmp / "soffice.log" if self._tmp else None

    def start(self) -> LibreOffice:
        """Start soffice (if not running) and connect to it."""
        if self.alive:
            return self
        self._discard()  # a previous process that died
        soffice = self.soffice or find_soffice()
        if soffice is None:
            raise LibreOfficeUnavailable(
                f"LibreOffice (soffice) is not installed; install it with: {INSTALL_HINT}")
        self._uno = import_uno()
        for _attempt in range(3):
            try:
                self._spawn_and_connect(soffice)
            except _WrongOffice:
                self._discard()
                continue
            except BaseException:
                self._discard()
                raise
            self.starts += 1
            atexit.unregister(self.close)
            atexit.register(self.close)
            return self
        raise LibreOfficeError("could not get a port of its own for soffice in 3 tries")

    def _spawn_and_connect(self, soffice: str) -> None:
        uno = self._uno
        self._tmp = Path(tempfile.mkdtemp(prefix="xlar-lo-"))
        profile = self._tmp / "profile"
        self.port = port = _free_port()
        cmd = [
            soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
            f"--accept=socket,host=127.0.0.1,port={port};urp;",
            f"-env:UserInstallation={profile.as_uri()}",
        ]
        with open(self._tmp / "soffice.log", "wb") as log:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self._tmp, start_new_session=True,
            )
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        url = f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext"
        # A bridge torn down mid-handshake (DisposedException) happens when another office
        # briefly answers on the port or ours is still starting: try again, like no answer.
        transient = (uno.getClass("com.sun.star.connection.NoConnectException"),
                     uno.getClass("com.sun.star.lang.DisposedException"))
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                ctx = resolver.resolve(url)
                break
            except transient:
                pass
            code = self._proc.poll()
            if code is not None:
                raise LibreOfficeError(
                    f"soffice exited with code {code} before answering on port {port}; "
                    f"command: {' '.join(cmd)}; its output: {self._log_tail()}")
            if time.monotonic() > deadline:
                raise LibreOfficeError(
                    f"soffice (pid {self._proc.pid}) did not answer on 127.0.0.1:{port} "
                    f"within {self.start_timeout:g} s; its output: {self._log_tail()}")
            time.sleep(0.05)
        smgr = ctx.ServiceManager
        paths = smgr.createInstanceWithContext("com.sun.star.util.PathSettings", ctx)
        if not str(paths.UserConfig).startswith(profile.as_uri()):
            raise _WrongOffice(paths.UserConfig)
        self._ctx = ctx
        self._desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)

    def close(self) -> None:
        """Terminate soffice (politely, then by force) and remove its profile."""
        with contextlib.suppress(Exception):
            atexit.unregister(self.close)
        if os.getpid() != self._owner:  # a forked child must not stop its parent's office
            return
        proc, desktop = self._proc, self._desktop
        if proc is not None and proc.poll() is None:
            if desktop is not None:
                timer = threading.Timer(self.stop_timeout, _kill_group, (proc.pid,))
                timer.daemon = True
                timer.start()
                try:
                    with contextlib.suppress(Exception):  # the bridge goes away mid-call
                        desktop.terminate()
                finally:
                    timer.cancel()
            try:
                proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    _kill_group(proc.pid)
        self._discard()

    def _discard(self) -> None:
        """Forget the current process: make sure it and its group are gone, remove temp."""
        proc, tmp = self._proc, self._tmp
        self._proc = self._tmp = self._ctx = self._desktop = None
        if proc is not None:
            if proc.poll() is None:
                _kill_group(proc.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            _kill_group(proc.pid)  # anything left in its group (soffice.bin)
        if tmp is not None:
            _remove_ipc_pipe((tmp / "profile").as_uri())
            shutil.rmtree(tmp, ignore_errors=True)

    def _log_tail(self, limit: int = 2000) -> str:
        try:
            text = (self._tmp / "soffice.log").read_bytes()[-limit:]  # type: ignore[operator]
        except (OSError, TypeError):
            return "(no output)"
        return text.decode("utf-8", "replace").strip() or "(no output)"

    # -- guarded calls ---------------------------------------------------------------

    @contextlib.contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """Run UNO calls with a watchdog; turn UNO failures into readable errors."""
        self.start()
        proc = self._proc
        assert proc is not None
        self._timed_out = None

        def on_timeout() -> None:
            self._timed_out = what
            _kill_group(proc.pid)

        timer = threading.Timer(self.call_timeout, on_timeout)
        timer.daemon = True
        timer.start()
        try:
            yield
        except LibreOfficeError:
            raise
        except Exception as exc:
            uno_exception = self._uno.getClass("com.sun.star.uno.Exception")
            if self._timed_out:
                log = self._log_tail()
                self._discard()
                raise LibreOfficeError(
                    f"LibreOffice did not finish {what} within {self.call_timeout:g} s and "
                    f"was killed (a new one starts on the next call); its output: {log}"
                ) from exc
            if proc.poll() is not None:
                log = self._log_tail()
                code = proc.returncode
                self._discard()
                raise LibreOfficeError(
                    f"LibreOffice died (exit code {code}) while {what} (a new one starts on "
                    f"the next call); its output: {log}") from exc
            if isinstance(exc, uno_exception):
                message = getattr(exc, "Message", "") or str(exc)
                raise LibreOfficeError(
                    f"LibreOffice failed while {what}: {type(exc).__name__}: {message}"
                ) from exc
            raise
        finally:
            timer.cancel()

    def props(self, **values: Any) -> tuple[Any, ...]:
        """UNO PropertyValues from keywords, e.g. ``props(FilterName="calc8")``."""
        props = []
        for name, value in values.items():
            prop = self._uno.createUnoStruct("com.sun.star.beans.PropertyValue")
            prop.Name, prop.Value = name, value
            props.append(prop)
        return tuple(props)

    @contextlib.contextmanager
    def document(self, path: str | os.PathLike[str], *, read_only: bool = True,
                 what: str | None = None) -> Iterator[Any]:
        """Open a document hidden (read-only by default: no lock file), yield its UNO
        model, close it afterwards.  Errors name the file.  The watchdog
        (``call_timeout``) covers the whole ``with`` block."""
        path = Path(path).resolve()
        what = what or f"working on {path}"
        if not path.is_file():
            raise LibreOfficeError(f"{path}: no such file")
        with self._guard(what):
            doc = self._desktop.loadComponentFromURL(
                path.as_uri(), "_blank", 0,
                self.props(Hidden=True, ReadOnly=read_only,
                            MacroExecutionMode=0,  # NEVER_EXECUTE
                            UpdateDocMode=0))      # NO_UPDATE of external links
            if doc is None:
                raise LibreOfficeError(f"LibreOffice could not open {path} (no document came "
                                       "back from loadComponentFromURL)")
            try:
                yield doc
            finally:
                with contextlib.suppress(Exception):
                    doc.close(True)

    @staticmethod
    def kind(doc: Any) -> str:
        """'calc', 'writer', 'impress', 'draw' or 'other'."""
        for service, kind in _KINDS:
            if doc.supportsService(service):
                return kind
        return "other"

    @staticmethod
    def filter_name(doc: Any) -> str:
        """The import filter LibreOffice chose for a loaded document."""
        for prop in doc.getArgs():
            if prop.Name == "FilterName":
                return str(prop.Value)
        return "?"

    @contextlib.contextmanager
    def _workbook(self, path: str | os.PathLike[str], what: str) -> Iterator[Any]:
        with self.document(path, what=f"{what} {Path(path).resolve()}") as doc:
            kind = self.kind(doc)
            if kind != "calc":
                raise LibreOfficeError(
                    f"{Path(path).resolve()}: LibreOffice opened it as a {kind} document "
                    f"(import filter {self.filter_name(doc)!r}), not as a spreadsheet; "
                    "is it a valid workbook?")
            yield doc

    # -- reading workbooks -----------------------------------------------------------

    def recalculated(self, path: str | os.PathLike[str]) -> dict[str, list[list[Any]]]:
        """Load, recalculate every formula, return each sheet's values (grid from A1)."""
        with self._workbook(path, "recalculating") as doc:
            doc.calculateAll()
            sheets = doc.getSheets()
            return {sheet.getName(): self._values(sheet, self._used(sheet))
                    for sheet in (sheets.getByIndex(i) for i in range(sheets.getCount()))}

    def cell_formulas(self, path: str | os.PathLike[str], sheet: str) -> list[list[str]]:
        """Formula text of each cell of one sheet (grid from A1); '' where there is none."""
        with self._workbook(path, f"reading formulas of sheet {sheet!r} in") as doc:
            sheets = doc.getSheets()
            if not sheets.hasByName(sheet):
                raise LibreOfficeError(
                    f"{Path(path).resolve()}: no sheet {sheet!r}; LibreOffice sees "
                    f"{list(sheets.getElementNames())}")
            ws = sheets.getByName(sheet)
            rng = self._used(ws)
            if rng is None:
                return []
            text = rng.getFormulaArray()
            grid = [["" for _ in row] for row in text]
            flag = self._uno.getConstantByName("com.sun.star.sheet.CellFlags.FORMULA")
            for r, c in self._cells(rng.queryContentCells(flag)):
                grid[r][c] = text[r][c]
            return grid

    def pivot_tables(self, path: str | os.PathLike[str]) -> list[dict[str, Any]]:
        """Every DataPilot, refreshed: sheet, name, source, fields, output and its values."""
        found = []
        with self._workbook(path, "reading pivot tables in") as doc:
            sheets = doc.getSheets()
            names = sheets.getElementNames()
            for sheet in (sheets.getByIndex(i) for i in range(sheets.getCount())):
                pilots = sheet.getDataPilotTables()
                for name in pilots.getElementNames():
                    pilot = pilots.getByName(name)
                    pilot.refresh()
                    src, out = pilot.getSourceRange(), pilot.getOutputRange()
                    out_sheet = sheets.getByIndex(out.Sheet)
                    found.append({
                        "sheet": sheet.getName(),
                        "name": name,
                        "source": self._address(names, src),
                        "row_fields": [f.getName() for f in pilot.getRowFields()],
                        "column_fields": [f.getName() for f in pilot.getColumnFields()],
                        "page_fields": [f.getName() for f in pilot.getPageFields()],
                        "data_fields": [f.getName() for f in pilot.getDataFields()],
                        "data_functions": [f.Function.value for f in pilot.getDataFields()],
                        "output": self._address(names, out),
                        "values": self._values(out_sheet, out_sheet.getCellRangeByPosition(
                            out.StartColumn, out.StartRow, out.EndColumn, out.EndRow)),
                    })
        return found

    def add_data_pilot(self, path: str | os.PathLike[str], out: str | os.PathLike[str], *,
                       sheet: str, name: str, source_sheet: str, rows: list[str],
                       columns: list[str], data: str) -> Path:
        """Do what a user does: add a new sheet with a DataPilot (PivotTable) over the used
        area of ``source_sheet`` (rows, columns, the sum of ``data``), and save the
        workbook as xlsx to ``out`` (LibreOffice writes every part itself)."""
        out = Path(out).resolve()
        # A read-only document refuses new pivot tables ("Failed to create pivot table").
        with self.document(path, read_only=False, what=f"adding a pivot table to {path}") as doc:
            sheets = doc.getSheets()
            sheets.insertNewByName(sheet, sheets.getCount())
            src = self._used(sheets.getByName(source_sheet)).getRangeAddress()
            target = sheets.getByName(sheet)
            pilots = target.getDataPilotTables()
            desc = pilots.createDataPilotDescriptor()
            desc.setSourceRange(src)
            fields = desc.getDataPilotFields()
            orient = "com.sun.star.sheet.DataPilotFieldOrientation."
            for names, kind in ((rows, "ROW"), (columns, "COLUMN"), ([data], "DATA")):
                for n in names:
                    field = fields.getByName(n)
                    field.Orientation = self._uno.Enum(orient[:-1], kind)
                    if kind == "DATA":
                        field.Function = self._uno.Enum(
                            "com.sun.star.sheet.GeneralFunction", "SUM")
            addr = self._uno.createUnoStruct("com.sun.star.table.CellAddress")
            addr.Sheet, addr.Column, addr.Row = sheets.getCount() - 1, 0, 2
            pilots.insertNewByName(name, addr, desc)
            doc.storeToURL(out.as_uri(), self.props(FilterName=FILTERS[("calc", "xlsx")],
                                                    Overwrite=True))
        return out

    def charts(self, path: str | os.PathLike[str]) -> list[dict[str, Any]]:
        """Every chart object: sheet, name, diagram type, chart2 types, series, title."""
        found = []
        with self._workbook(path, "reading charts in") as doc:
            sheets = doc.getSheets()
            names = sheets.getElementNames()
            for sheet in (sheets.getByIndex(i) for i in range(sheets.getCount())):
                charts = sheet.getCharts()
                for name in charts.getElementNames():
                    chart = charts.getByName(name)
                    model = chart.getEmbeddedObject()
                    info: dict[str, Any] = {
                        "sheet": sheet.getName(), "name": name, "type": None,
                        "chart_types": [], "series": 0, "title": None,
                        "ranges": [self._address(names, r) for r in chart.getRanges()],
                    }
                    if model is not None:
                        info["type"] = model.getDiagram().getDiagramType()
                        for system in model.getFirstDiagram().getCoordinateSystems():
                            for chart_type in system.getChartTypes():
                                info["chart_types"].append(chart_type.getChartType())
                                info["series"] += len(chart_type.getDataSeries())
                        if model.HasMainTitle:
                            info["title"] = model.getTitle().String
                    found.append(info)
        return found

    # -- converting ------------------------------------------------------------------

    def convert(self, path: str | os.PathLike[str], fmt: str,
                outdir: str | os.PathLike[str]) -> Path:
        """Convert one document to ``fmt`` (pdf, xlsx, docx, ods, odt, csv) in ``outdir``."""
        return self.convert_many([path], fmt, outdir)[0]

    def convert_many(self, paths: Iterable[str | os.PathLike[str]], fmt: str,
                     outdir: str | os.PathLike[str]) -> list[Path]:
        """Convert many documents with this one office; returns the written files, in
        order.  Each output is ``outdir/<stem>.<fmt>``, written atomically."""
        fmt = fmt.lower().lstrip(".")
        out_dir = Path(outdir).resolve()
        out_dir.mkdir(parents=True, exist_ok=True)
        jobs: list[tuple[Path, Path]] = []
        taken: dict[Path, Path] = {}
        for p in paths:
            src = Path(p).resolve()
            dst = out_dir / f"{src.stem}.{fmt}"
            if dst == src:
                raise LibreOfficeError(f"{src}: converting it to {fmt} in {out_dir} would "
                                       "overwrite it; choose another outdir")
            if dst in taken:
                raise LibreOfficeError(f"{taken[dst]} and {src} would both be written to "
                                       f"{dst}")
            taken[dst] = src
            jobs.append((src, dst))
        written = []
        for src, dst in jobs:
            part = dst.with_name(f".{dst.name}.{os.getpid()}.part")
            try:
                with self.document(src, what=f"converting {src} to {fmt}") as doc:
                    kind = self.kind(doc)
                    flt = FILTERS.get((kind, fmt))
                    if flt is None:
                        supported = sorted(f for k, f in FILTERS if k == kind)
                        raise LibreOfficeError(
                            f"{src}: cannot convert a {kind} document (import filter "
                            f"{self.filter_name(doc)!r}) to {fmt!r}; supported: {supported}")
                    doc.storeToURL(part.as_uri(), self.props(FilterName=flt, Overwrite=True))
                if not part.is_file() or part.stat().st_size == 0:
                    raise LibreOfficeError(f"{src}: LibreOffice wrote no {fmt} output "
                                           f"(filter {flt!r})")
                os.replace(part, dst)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    part.unlink()
            written.append(dst)
        return written

    # -- cell ranges -----------------------------------------------------------------

    @staticmethod
    def _used(sheet: Any) -> Any:
        """The range from A1 to the end of the used area, or None for an empty sheet."""
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.getRangeAddress()
        if end.EndColumn == 0 and end.EndRow == 0 and \
                sheet.getCellByPosition(0, 0).getType().value == "EMPTY":
            return None
        return sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow)

    @staticmethod
    def _cells(ranges: Any, origin: Any = None) -> Iterator[tuple[int, int]]:
        """(row, col) offsets, relative to ``origin`` (a CellRangeAddress), of every cell in
        an XSheetCellRanges."""
        r0 = origin.StartRow if origin is not None else 0
        c0 = origin.StartColumn if origin is not None else 0
        for addr in ranges.getRangeAddresses():
            for r in range(addr.StartRow, addr.EndRow + 1):
                for c in range(addr.StartColumn, addr.EndColumn + 1):
                    yield r - r0, c - c0

    def _values(self, sheet: Any, rng: Any) -> list[list[Any]]:
        if rng is None:
            return []
        origin = rng.getRangeAddress()
        grid = [list(row) for row in rng.getDataArray()]
        for r, c in self._cells(rng.queryEmptyCells(), origin):
            grid[r][c] = None
        error = self._uno.getConstantByName("com.sun.star.sheet.FormulaResult.ERROR")
        for r, c in self._cells(rng.queryFormulaCells(error), origin):
            cell = sheet.getCellByPosition(origin.StartColumn + c, origin.StartRow + r)
            grid[r][c] = CellError(cell.getString(), cell.getError())
        return grid

    @staticmethod
    def _address(sheet_names: tuple[str, ...], addr: Any) -> str:
        return range_a1(sheet_names[addr.Sheet], addr.StartColumn, addr.StartRow,
                        addr.EndColumn, addr.EndRow)
