"""Connecting to the activity store, and bringing its schema up to date.

Where the store lives, first match wins:

1. a URL given by the caller (``--db``);
2. the environment variable ``XLAR_DB_URL`` (a team's PostgreSQL:
   ``postgresql+psycopg://collections@dbhost/ar``);
3. the workbench's ``db_url`` setting (a relative SQLite path in it, such as
   ``sqlite:///team.sqlite``, is relative to the workbench's folder, as the
   Settings sheet's file paths are: the same store whichever folder Excel or the
   command line was started from);
4. an SQLite file beside the workbench: ``<workbench name>.activity.sqlite``
   (or ``~/.xlar/activity.sqlite`` without a workbench).

Passwords are never part of a stored URL: ``XLAR_DB_PASSWORD`` from the
environment, or the system keyring (see xlar.credentials), is added at
connection time, and URLs are shown with the password masked.

SQLite runs in WAL mode with a busy timeout, so two people on a shared
folder, or two processes, wait for each other instead of failing.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

__all__ = ["resolve_url", "connect", "upgrade", "head_revision", "current_revision",
           "StoreError", "MIGRATIONS", "display_url"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
MIGRATION_LOCK = 0x78_6C_61_72_00_00_00_01  # "xlar" + 1: PostgreSQL advisory lock id


class StoreError(RuntimeError):
    """The store cannot be reached or used; the message says what to check."""


def resolve_url(url: str | None = None, workbook: Path | None = None,
                setting: str | None = None) -> URL:
    """The store's URL by the order of precedence above, password from the environment."""
    text = url or os.environ.get("XLAR_DB_URL") or setting
    if not text:
        if workbook is not None:
            path = Path(workbook).with_name(f"{Path(workbook).stem}.activity.sqlite")
        else:
            path = Path.home() / ".xlar" / "activity.sqlite"
            path.parent.mkdir(parents=True, exist_ok=True)
        return make_url(f"sqlite:///{path}")
    try:
        u = make_url(text)
    except Exception:
        shown = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", text)  # never echo a password
        raise StoreError(f"the store URL {shown!r} is not a database URL (e.g. "
                         "postgresql+psycopg://user@host/db or sqlite:///path)") from None
    from_setting = not url and not os.environ.get("XLAR_DB_URL")
    if from_setting and workbook is not None:
        u = _beside_workbook(u, Path(workbook))
    if u.drivername == "postgresql":  # psycopg 3 is the driver xlar ships with
        u = u.set(drivername="postgresql+psycopg")
    if u.password is None and not u.drivername.startswith("sqlite"):
        from xlar.credentials import DATABASE, password

        found = password(DATABASE, u.host or "", u.username or "")
        if found:
            u = u.set(password=found)
    return u


def _beside_workbook(u: URL, workbook: Path) -> URL:
    """A relative SQLite file named on the Settings sheet, made relative to the workbench.

    The sheet travels with the workbook: resolved against the current directory, the
    same setting would open a different (new, empty) store depending on where Excel
    or the command line was started.  Absolute paths, ``~``, in-memory databases and
    ``file:`` URIs are left as written; a URL from ``--db`` or ``XLAR_DB_URL`` is the
    caller's, relative to where the caller is.
    """
    db = u.database or ""
    if not u.drivername.startswith("sqlite") or db in ("", ":memory:") or db.startswith("file:"):
        return u
    path = Path(db).expanduser()
    if path.is_absolute():
        return u.set(database=str(path))
    return u.set(database=str(workbook.absolute().parent / path))


def display_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Switching to WAL takes an exclusive lock, and SQLite reports "database is locked"
    # at once (no busy wait) while another program switches it or closes the store:
    # the mode is persistent, so set it only when needed, and wait our turn.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as e:
            if "locked" not in str(e).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def connect(url: URL) -> Engine:
    """An engine for *url*; SQLite gets WAL and a busy timeout on every connection."""
    if url.drivername.startswith("sqlite"):
        db = url.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take the write lock at the
        # start of each transaction so two writers queue instead of failing mid-way.
        sa.event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))

        @sa.event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
    else:
        try:
            engine = sa.create_engine(url, pool_pre_ping=True)
        except Exception as e:  # an unknown database kind, or its driver not installed
            raise StoreError(f"cannot use the activity store at {display_url(url)}: {e} "
                             "(xlar supports sqlite:///path and postgresql+psycopg://...)") \
                from None
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as e:
        why = str(e).splitlines()[0][:200]
        if "password" in why.lower() and url.username:
            from xlar.credentials import DATABASE, where_to_put

            why += f" (the password: {where_to_put(DATABASE, url.host or '', url.username)})"
        raise StoreError(f"cannot reach the activity store at {display_url(url)}: {why}") \
            from None
    return engine


def _config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to *revision* (default: the latest), keeping all data."""
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two programs opening a new store at once: the second waits here, then
            # finds the schema at head and does nothing (SQLite: BEGIN IMMEDIATE).
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        command.upgrade(_config(conn), revision)


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
