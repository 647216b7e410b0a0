"""Shared fixtures and the suite's rules.

Fixtures: generated scans, hostile inputs (tests/data/hostile-pdf), a clean SOHOA_HOME for
CLI flows and the CLI runner those flows use, and the live services (PostgreSQL database
and schemas, the SeaweedFS S3 server).

Markers: ``slow`` (real Tesseract on generated scans, big inputs, fuzzing) and
``integration`` (live services on loopback — PostgreSQL, Redis, RabbitMQ, an S3 server —,
Chromium). Tests using the service fixtures are marked
``integration`` here automatically. ``make check`` runs neither; ``make test`` (CI) runs
all. With ``CI=true`` a skipped test is a failure: CI must never pass because a service
or a tool it was meant to test against was missing.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image

from tests.storage.s3_server import s3_server_fixture  # noqa: F401  (fixture "s3_server")

try:
    import psycopg
    import psycopg.conninfo
except ImportError:  # SQLite tests still run; PostgreSQL ones skip (fail in CI)
    psycopg = None

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
PG_ADMIN_URL = os.environ.get("SOHOA_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/postgres")


needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="tesseract not installed")


@pytest.fixture(scope="session")
def hostile_pdfs() -> list[Path]:
    """The hostile and malformed PDFs of tests/data/hostile-pdf (qpdf's own test and fuzz
    files, Apache-2.0; see its README)."""
    files = sorted(p for p in (DATA / "hostile-pdf").rglob("*")
                   if p.is_file() and p.name != "README.md")
    assert files, "hostile corpus is empty"
    return files


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty SOHOA_HOME, no other SOHOA_* settings, a named actor for the access log."""
    for key in list(os.environ):
        if key.startswith("SOHOA_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SOHOA_USER", "can-bo-mot-cua")
    return tmp_path / "home"


def run_cli(capsys, *argv: str) -> tuple[int, dict | list | None, str]:
    """Run ``sohoa argv``: (exit code, parsed JSON stdout or None, stderr)."""
    from cli import main

    code = main(list(argv))
    captured = capsys.readouterr()
    out = captured.out.strip()
    return code, (json.loads(out) if out.startswith(("{", "[")) else None), captured.err


def lined_page(path: Path, shade: int) -> Path:
    """An A4 page at 100 dpi with text-like lines (for the fake OCR engine)."""
    arr = np.full((1169, 827), 240, np.uint8)
    for y in range(150, 900, 40):
        arr[y:y + 10, 90:740] = shade
        arr[y - 5:y - 2, 100:120] = shade
    Image.fromarray(arr).save(path, dpi=(100, 100))
    return path


# -- PostgreSQL: one fresh database per session, one fresh schema per test -----------------


def admin_conninfo(dbname: str | None = None) -> str:
    url = PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql")
    info = psycopg.conninfo.conninfo_to_dict(url)
    if dbname:
        info["dbname"] = dbname
    info.setdefault("connect_timeout", "3")
    return psycopg.conninfo.make_conninfo(**info)


def _create_database(name: str) -> None:
    with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
        try:  # a Vietnamese-collated database: the index must not depend on "C" defaults
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 LOCALE_PROVIDER icu '
                         "ICU_LOCALE 'vi-VN' LOCALE 'C.UTF-8'")
        except psycopg.Error:
            conn.execute(f'CREATE DATABASE "{name}"')


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """Name of a fresh PostgreSQL database for this session; dropped at the end."""
    if psycopg is None:
        pytest.skip("psycopg not installed")
    try:
        psycopg.connect(admin_conninfo(), autocommit=True).close()
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc}")
    name = f"sohoa_test_{uuid.uuid4().hex[:12]}"
    _create_database(name)
    try:
        yield name
    finally:
        with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_url(database: str) -> str:
    """A URL to a new, empty schema of ``database`` (set as the search_path)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_conninfo(database), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    info = psycopg.conninfo.conninfo_to_dict(admin_conninfo(database))
    user = quote(info.get("user", "postgres"))
    password = f":{quote(info['password'])}" if info.get("password") else ""
    host, port = info.get("host", "127.0.0.1"), info.get("port", "5432")
    options = quote(f"-csearch_path={schema}")
    return f"postgresql+psycopg://{user}{password}@{host}:{port}/{database}?options={options}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'index.db'}"
    return _pg_url(request.getfixturevalue("pg_database"))


# -- markers and the CI rule ------------------------------------------------------------------

INTEGRATION_FIXTURES = {"pg_database", "s3_server", "pg_url"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that use a live-service fixture are integration tests."""
    for item in items:
        if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """In CI a skip is a failure (a missing service, tool or corpus must not pass)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        kind = "integration test" if item.get_closest_marker("integration") else "test"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"{kind} skipped in CI (CI=true), which fails the run: {reason}"
