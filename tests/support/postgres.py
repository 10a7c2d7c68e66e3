"""A throw-away PostgreSQL server for the tests: its own data dir, port and socket.

    with PostgresServer() as pg:                 # or the ``postgres_url`` pytest fixture
        url = pg.url()                           # postgresql+psycopg://xlar@127.0.0.1:PORT/xlar
        name = pg.create_database()              # a fresh, empty database
        ...
        pg.drop_database(name)

How it starts
-------------
``initdb -D TMP/data -A trust -U xlar --no-sync`` then
``pg_ctl -D TMP/data -l TMP/server.log -w start`` with ``-p PORT -k TMP
-c listen_addresses=127.0.0.1`` (and durability switched off: a test server loses
nothing worth keeping).  TMP is a fresh ``/tmp/xlar-pg-*`` directory.  ``initdb``
refuses to run as root, so as root every command runs as the ``postgres`` user
through ``runuser -u postgres --`` and TMP is handed to that user; as any other user
the commands run directly.  The port is one the OS just handed out; if another
process takes it before the server binds it, the start is tried again on another.

How it stops
------------
``pg_ctl -D TMP/data -m fast stop`` -- by its own data dir, never by process name --
then the postmaster's PID from ``postmaster.pid`` is killed if it is still there, and
TMP is removed.  ``stop()`` runs at the end of the fixture, when the start fails
half-way, and from ``atexit`` if the owner forgets.

A start that fails raises :class:`PostgresError` naming the log file (whose tail is
quoted); the log is then kept so it can be read (the data dir is removed).

Binaries: ``initdb``/``pg_ctl``/``postgres`` from ``$XLAR_PG_BIN``, PATH, or the newest
``/usr/lib/postgresql/*/bin`` (Debian's layout).  Measured here (2 cores, PostgreSQL
15, as root): initdb + start ~1.5 s, create database ~0.1 s, stop ~0.2 s.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

__all__ = ["PostgresError", "PostgresServer", "find_bin_dir", "unavailable_reason"]

USER = "xlar"
DATABASE = "xlar"
INSTALL_HINT = "apt-get install -y postgresql"


class PostgresError(RuntimeError):
    """The test server could not be started or used; the message says why and where."""


def _version(path: Path) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", path.parent.name) or [0])


def find_bin_dir() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, or None."""
    def complete(d: Path) -> bool:
        return all(os.access(d / exe, os.X_OK) for exe in ("initdb", "pg_ctl", "postgres"))

    candidates: list[Path] = []
    if os.environ.get("XLAR_PG_BIN"):
        candidates.append(Path(os.environ["XLAR_PG_BIN"]))
    found = shutil.which("pg_ctl")
    if found:  # /usr/local/bin/pg_ctl may be a symlink into Debian's versioned dir
        candidates += [Path(found).resolve().parent, Path(found).parent]
    candidates += sorted((p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")),
                         key=lambda d: _version(d / "x"), reverse=True)
    return next((d for d in candidates if complete(d)), None)


def unavailable_reason() -> str | None:
    """Why no test server can be started here, or None when it can."""
    if find_bin_dir() is None:
        return ("PostgreSQL server binaries (initdb, pg_ctl, postgres) are not on PATH nor "
                f"in /usr/lib/postgresql/*/bin; install them with: {INSTALL_HINT}")
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root, and runuser (util-linux) is missing to drop to postgres"
        try:
            import pwd
            pwd.getpwnam("postgres")
        except KeyError:
            return ("running as root, initdb refuses root, and there is no 'postgres' user "
                    f"to run it as ({INSTALL_HINT} creates one)")
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log written)"
    return "\n".join("    " + line for line in text[-lines:]) or "    (log is empty)"


class PostgresServer:
    """One PostgreSQL server in a temp dir; ``start()`` it, ``stop()`` it."""

    def __init__(self, start_timeout: float = 60.0):
        self.start_timeout = start_timeout
        self.bin_dir = find_bin_dir()
        self.root: Path | None = None
        self.port: int | None = None
        self._running = False
        self._as_postgres = os.geteuid() == 0

    # -- paths -------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        assert self.root is not None
        return self.root / "server.log"

    def url(self, database: str = DATABASE) -> str:
        """SQLAlchemy URL of *database* on this server (trust auth: no password)."""
        if not self._running:
            raise PostgresError("the test PostgreSQL server is not running")
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    # -- running commands --------------------------------------------------------------

    def _cmd(self, exe: str, *args: str) -> list[str]:
        assert self.bin_dir is not None
        cmd = [str(self.bin_dir / exe), *args]
        return ["runuser", "-u", "postgres", "--", *cmd] if self._as_postgres else cmd

    def _run(self, exe: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", TZ="UTC")
        return subprocess.run(self._cmd(exe, *args), cwd=self.root, env=env, timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              stdin=subprocess.DEVNULL)

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> PostgresServer:
        reason = unavailable_reason()
        if reason:
            raise PostgresError(reason)
        self.root = Path(tempfile.mkdtemp(prefix="xlar-pg-"))
        atexit.register(self.stop)
        try:
            if self._as_postgres:
                shutil.chown(self.root, "postgres", "postgres")
            init = self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", USER,
                             "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
            if init.returncode != 0:
                raise PostgresError(f"initdb failed in {self.data_dir} "
                                    f"(exit {init.returncode}):\n{init.stdout.strip()}")
            last = ""
            for _attempt in range(5):
                self.port = _free_port()
                started = self._run(
                    "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w",
                    "-t", str(int(self.start_timeout)),
                    "-o", (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                           "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                           "-c shared_buffers=32MB -c max_connections=50"),
                    "start", timeout=self.start_timeout + 10)
                if started.returncode == 0:
                    self._running = True
                    break
                last = started.stdout.strip()
                self._kill_postmaster()
                if "already in use" not in _tail(self.log_file, 40):
                    break  # not a port race: trying again will not help
            if not self._running:
                raise PostgresError(
                    f"PostgreSQL did not start (pg_ctl: {last or 'no output'}); "
                    f"see the server log {self.log_file}:\n{_tail(self.log_file)}")
            self._psql(f'CREATE DATABASE "{DATABASE}"')
        except BaseException as exc:
            keep = isinstance(exc, PostgresError)
            self.stop(keep_files=keep)  # keep the log to read when the start failed
            raise
        return self

    def _kill_postmaster(self) -> None:
        pid_file = self.data_dir / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int(pid_file.read_text().splitlines()[0])
            # only the postmaster of *this* data dir (a stale pid file may name another process)
            if str(self.data_dir) not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(
                    errors="replace").replace("\0", " "):
                return
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown of that postmaster only
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.05)
            os.kill(pid, signal.SIGKILL)

    def stop(self, keep_files: bool = False) -> None:
        """Stop the server by its data dir (idempotent) and remove its files."""
        atexit.unregister(self.stop)
        if self.root is None:
            return
        if self._running or (self.data_dir / "postmaster.pid").exists():
            try:
                done = self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w",
                                 "-t", "20", "stop", timeout=30)
                ok = done.returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                ok = False
            if not ok:
                self._kill_postmaster()
            self._running = False
        if keep_files:  # keep the log to read, not the data
            shutil.rmtree(self.data_dir, ignore_errors=True)
        else:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- databases ---------------------------------------------------------------------

    def _psql(self, sql: str) -> None:
        """Run *sql* on the maintenance database, outside a transaction."""
        import psycopg

        try:
            with psycopg.connect(host="127.0.0.1", port=self.port, user=USER,
                                 dbname="postgres", autocommit=True, connect_timeout=10) as c:
                c.execute(sql)
        except psycopg.Error as exc:
            raise PostgresError(f"{sql!r} failed on the test server (log: {self.log_file}): "
                                f"{exc}") from exc

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (a unique name unless given); returns its name."""
        name = name or f"xlar_{uuid.uuid4().hex[:12]}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"not a plain database name: {name!r}")
        self._psql(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        """Drop *name*, ending any connection a test left open to it."""
        self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
