"""Shared test fixtures: paths, and the real components (oracles) tests start.

Tests that need LibreOffice, PostgreSQL or ../shared/fixtures skip with a
reason when those are absent, except when XLAR_REQUIRE_ORACLES=1 (CI), where
a missing one fails the test instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"


def require_oracles() -> bool:
    return os.environ.get("XLAR_REQUIRE_ORACLES", "") == "1"


def missing_oracle(reason: str) -> None:
    """Skip the test, or fail it when oracles are required."""
    if require_oracles():
        pytest.fail(f"XLAR_REQUIRE_ORACLES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def fixtures() -> Path:
    """This project's own small fixtures (tests/fixtures)."""
    return FIXTURES


@pytest.fixture
def shared_fixtures() -> Path:
    """Real files published by others (../shared/fixtures), never copied into the repo."""
    if not SHARED_FIXTURES.is_dir():
        missing_oracle(f"{SHARED_FIXTURES} is absent (real-world sample files live beside the "
                       "checkout, not in it)")
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def libreoffice():
    """One headless LibreOffice for the whole test process (one per xdist worker).

    See tests/support/libreoffice.py.  Skips (or fails under XLAR_REQUIRE_ORACLES=1)
    when soffice or python3-uno is not installed.
    """
    try:
        from support import libreoffice as lo  # tests/ on sys.path (no tests/__init__.py)
    except ImportError:
        from tests.support import libreoffice as lo

    reason = lo.unavailable_reason()
    if reason:
        missing_oracle(reason)
    office = lo.LibreOffice()
    try:
        office.start()
    except lo.LibreOfficeUnavailable as exc:
        missing_oracle(str(exc))
    yield office
    office.close()


# --------------------------------------------------------------------------- PostgreSQL

def _postgres_support():
    try:
        from support import postgres as pg  # tests/ on sys.path (no tests/__init__.py)
    except ImportError:
        from tests.support import postgres as pg
    return pg


@pytest.fixture(scope="session")
def postgres_server():
    """One throw-away PostgreSQL server per test process (per xdist worker).

    See tests/support/postgres.py.  Skips (or fails under XLAR_REQUIRE_ORACLES=1) when
    the server binaries are not installed; a server that is installed but does not
    start is an error naming its log file.
    """
    pg = _postgres_support()
    reason = pg.unavailable_reason()
    if reason:
        missing_oracle(reason)
    server = pg.PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server) -> str:
    """SQLAlchemy URL of the session server's ``xlar`` database (shared by the session)."""
    return postgres_server.url()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    """An empty activity store, once as an SQLite file and once as a fresh PostgreSQL
    database (created for this test, dropped after it), so store tests run on both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.activity.sqlite'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = server.create_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)
