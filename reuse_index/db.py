"""Engines and connections: URL handling, SQLite PRAGMAs, transactions, error translation.

One SQLAlchemy Core code path serves SQLite (embedded default) and PostgreSQL (psycopg 3).
SQLite connections run in WAL mode with foreign keys on; SQLAlchemy emits BEGIN itself
(pysqlite's own transaction handling is switched off) so DDL is transactional and write
transactions can take the write lock up front (``BEGIN IMMEDIATE``). PostgreSQL
connections time out after ``CONNECT_TIMEOUT_S`` so an unreachable server is reported fast.
Engines on a server or a SQLite file keep ``POOL_SIZE`` connections (plus up to
``POOL_MAX_OVERFLOW`` in bursts), sized for a web worker's concurrent requests.
Every database error leaves this module as an ``IndexStoreError``. Engines hide statement
parameters (citizen IDs, names) from SQLAlchemy's logs and error messages.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from common.private import private_file

from .errors import IndexStoreError, IndexUnavailableError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 3
SQLITE_BUSY_TIMEOUT_S = 30  # how long a writer waits for another process's write lock
SQLITE_CACHE_KIB = 65536
# Connections kept per process (engine), and how many more a burst may open for a while.
# A web worker runs up to 40 requests at once (its thread pool) and each holds a
# connection only while it queries; with SQLAlchemy's default 5 + 10 a busy worker kept
# opening and closing connections (on PostgreSQL a new server process each; on SQLite a
# cold page cache). 2 workers x (10 + 20) stays well under PostgreSQL's default
# max_connections (100), with room for the batch workers and the CLI.
POOL_SIZE = 10
POOL_MAX_OVERFLOW = 20
POOL_TIMEOUT_S = 30  # waiting for a free connection beyond that is an error


def normalise_url(url: str | URL) -> URL:
    """Parse a database URL; plain ``postgresql://`` / ``postgres://`` use psycopg 3."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise IndexUnavailableError(f"unsupported database URL scheme {parsed.drivername!r}")
    return parsed


def safe_url(url: URL) -> str:
    """The URL for messages and logs: password hidden."""
    return url.render_as_string(hide_password=True)


def make_engine(url: str | URL) -> Engine:
    """An engine for ``url`` with this module's connection settings and listeners."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return _postgres_engine(parsed)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexUnavailableError(f"{safe_url(url)}: {exc}") from exc
    pool: dict[str, Any] = {}
    if database and database != ":memory:" and url.query.get("mode") != "memory":
        pool = {"pool_size": POOL_SIZE, "max_overflow": POOL_MAX_OVERFLOW,
                "pool_timeout": POOL_TIMEOUT_S}  # a file: a QueuePool like PostgreSQL's
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
                           hide_parameters=True, **pool)
    event.listen(engine, "connect", _sqlite_on_connect)
    if pool:  # a file: accounts' password hashes and personal data, the service's only
        files = [Path(database).expanduser()]
        files += [files[0].with_name(files[0].name + suffix) for suffix in ("-wal", "-shm")]
        event.listen(engine, "connect", lambda *_: [private_file(f) for f in files])
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (see _sqlite_on_begin)
    cursor = dbapi_connection.cursor()
    try:
        _wal_mode(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL except on power loss
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    finally:
        cursor.close()


def _wal_mode(cursor: Any) -> None:
    """Put the database file in WAL mode (persistent: a no-op once any connection did it).

    Switching the journal mode needs the file to itself, and SQLite answers "database is
    locked" at once instead of waiting on its busy timeout: processes opening a new
    database together (workers starting, concurrent migrations) would fail. The mode is
    read first, and a refused switch is retried until the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    delay = 0.01
    while True:
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()
            if mode and str(mode[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def _sqlite_on_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("sohoa_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def _postgres_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {"application_name": "sohoa"}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True,
                         pool_size=POOL_SIZE, max_overflow=POOL_MAX_OVERFLOW,
                         pool_timeout=POOL_TIMEOUT_S, hide_parameters=True)


@contextlib.contextmanager
def translate_errors(url: URL) -> Iterator[None]:
    """Turn SQLAlchemy/driver errors into ``IndexStoreError`` (no personal data in them)."""
    try:
        yield
    except IndexStoreError:
        raise
    except sa_exc.DBAPIError as exc:
        detail = f"{safe_url(url)}: {type(exc.orig).__name__}: {_first_line(exc.orig)}"
        if exc.connection_invalidated:
            raise IndexUnavailableError(detail) from exc
        raise IndexStoreError(detail) from exc
    except sa_exc.SQLAlchemyError as exc:
        raise IndexStoreError(f"{safe_url(url)}: {type(exc).__name__}: {exc}") from exc


@contextlib.contextmanager
def connect(engine: Engine, *, write: bool = False) -> Iterator[Connection]:
    """A pooled connection; ``write=True`` makes SQLite take the write lock at BEGIN.

    Failing to connect at all raises ``IndexUnavailableError``.
    """
    try:
        conn = engine.connect()
    except sa_exc.DBAPIError as exc:
        detail = f"{safe_url(engine.url)}: {type(exc.orig).__name__}: {_first_line(exc.orig)}"
        raise IndexUnavailableError(detail) from exc
    with conn:
        if write:
            conn.execution_options(sohoa_write=True)
        with translate_errors(engine.url):
            yield conn


@contextlib.contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Connection]:
    """``connect`` plus one transaction, committed on success, rolled back on error."""
    with connect(engine, write=write) as conn, conn.begin():
        yield conn


def _first_line(exc: BaseException | None) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
