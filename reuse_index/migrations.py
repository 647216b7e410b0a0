"""Versioned schema migrations, applied in one transaction and recorded in ``schema_version``.

``MIGRATIONS`` lists ``(version, steps)``; a step is SQL text (portable to SQLite and
PostgreSQL) or a callable taking the connection. Released steps are never edited: a schema
change is a new version at the end. ``migrate`` is idempotent and safe when several
processes call it at once: PostgreSQL serialises them with a transaction-scoped advisory
lock, SQLite with ``BEGIN IMMEDIATE`` (the write lock); the loser then sees the new
version and applies nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    MetaData,
    SmallInteger,
    Table,
    func,
    insert,
    inspect,
    select,
    text,
)

from .db import connect, transaction
from .errors import SchemaTooNewError
from .schema import (
    FACT_COLUMNS,
    VERSION_1_TABLES,
    VERSION_2_TABLES,
    VERSION_3_TABLES,
    VERSION_6_TABLES,
    UtcDateTime,
    key_type,
    schema_version,
)

log = logging.getLogger(__name__)

Step = str | Callable[[Connection], None]

ADVISORY_LOCK_KEY = 0x736F686F612D6978  # "sohoa-ix": serialises migrations per database


# ``dossiers`` as version 1 created it (version 4 adds the fact columns).
_V1 = MetaData()
DOSSIERS_V1 = Table(
    "dossiers", _V1,
    Column("code", key_type(), primary_key=True),
    Column("procedure_code", key_type()),
    Column("agency_code", key_type()),
    Column("received_at", UtcDateTime),
    Column("channel", SmallInteger),
    Column("returns_result", Boolean),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_dossiers_received_at", DOSSIERS_V1.c.received_at)
Index("ix_dossiers_agency_code", DOSSIERS_V1.c.agency_code, DOSSIERS_V1.c.received_at)


def _create_version_1(conn: Connection) -> None:
    for table in (*VERSION_1_TABLES, DOSSIERS_V1):
        table.create(conn)  # with its indexes


def _create_version_2(conn: Connection) -> None:
    for table in VERSION_2_TABLES:
        table.create(conn)


def _create_version_3(conn: Connection) -> None:
    for table in VERSION_3_TABLES:
        table.create(conn)
    conn.exec_driver_sql("CREATE INDEX ix_events_actor ON events (actor, at)")


def _add_dossier_facts(conn: Connection) -> None:
    kind = UtcDateTime().compile(dialect=conn.dialect)
    for name in FACT_COLUMNS:
        conn.exec_driver_sql(f"ALTER TABLE dossiers ADD COLUMN {name} {kind}")
    from .facts import refresh_all  # the same recomputation the index offers later

    refresh_all(conn)


# SQLite groups the report's dossiers by sorting them all unless an index gives that order:
# this one does, and covers every column the report reads (indicators.counts). The month
# expression must stay exactly ``indicators._month_key``'s. PostgreSQL hash-aggregates
# without it.
REPORT_INDEX_SQLITE = (
    "CREATE INDEX IF NOT EXISTS ix_dossiers_report ON dossiers (agency_code, "
    "procedure_code, strftime('%Y-%m', received_at, '+7 hours'), received_at, "
    "returns_result, first_digitized_at, first_reused_at, result_digitized_at, "
    "result_electronic_at)")


def _add_report_index(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(REPORT_INDEX_SQLITE)


def _create_version_6(conn: Connection) -> None:
    for table in VERSION_6_TABLES:
        table.create(conn)


def _create_version_7(conn: Connection) -> None:
    from .textindex import create  # full-text search; indexes every stored document's fields

    create(conn)


MIGRATIONS: tuple[tuple[int, tuple[Step, ...]], ...] = (
    (1, (_create_version_1,)),
    (2, (_create_version_2,)),  # batch work tracking
    (3, (_create_version_3,)),  # web accounts, API tokens, sessions; access log by actor
    (4, (_add_dossier_facts,)),  # dossier facts for the indicators (digitized, reused, result)
    (5, (_add_report_index,)),  # SQLite: the report's grouping order from an index
    (6, (_create_version_6,)),  # sign-in throttling by account + address and by address
    (7, (_create_version_7,)),  # full-text search (OCR text, fields) and document numbers
)

LATEST_VERSION = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    """The highest applied version; 0 for an empty database."""
    if not inspect(conn).has_table(schema_version.name):
        return 0
    return int(conn.execute(select(func.max(schema_version.c.version))).scalar() or 0)


def migrate(engine: Engine) -> int:
    """Apply every pending migration; return the schema version now in force."""
    with connect(engine) as conn:
        version = current_version(conn)
        conn.rollback()
    _check_not_newer(version)
    if version == LATEST_VERSION:
        return version
    with transaction(engine, write=True) as conn:
        _lock(conn)
        schema_version.create(conn, checkfirst=True)
        before = current_version(conn)
        _check_not_newer(before)
        for step_version, steps in MIGRATIONS:
            if step_version > before:
                _apply(conn, step_version, steps)
    if before < LATEST_VERSION:
        log.info("index schema migrated from version %d to %d", before, LATEST_VERSION)
    return LATEST_VERSION


def _check_not_newer(version: int) -> None:
    if version > LATEST_VERSION:
        raise SchemaTooNewError(
            f"database schema version {version}, this sohoa knows up to {LATEST_VERSION}")


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    # SQLite: the connection began with BEGIN IMMEDIATE and already holds the write lock.


def _apply(conn: Connection, version: int, steps: tuple[Step, ...]) -> None:
    for step in steps:
        if isinstance(step, str):
            conn.exec_driver_sql(step)
        else:
            step(conn)
    conn.execute(insert(schema_version).values(version=version, applied_at=datetime.now(UTC)))
    log.debug("applied index schema version %d", version)
