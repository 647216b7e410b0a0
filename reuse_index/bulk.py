"""Fast bulk writes of many documents: COPY on PostgreSQL, raw executemany on SQLite.

Used by ``ReuseIndex.bulk_add`` (imports, benchmarks). Rows are built by ``rows.py``
exactly as for single inserts and converted with the same SQLAlchemy column types
(their bind processors), so both paths store the same thing; only SQLAlchemy's per-row
statement machinery is skipped. Each batch is one transaction.

A load into empty tables can drop the secondary indexes (and, on PostgreSQL, the foreign
keys of ``name_terms``/``originals``) first and rebuild them once at the end, which is
much faster than maintaining them row by row. ``restore`` rebuilds whatever is missing;
opening the index runs it too, so a load that died half-way heals on the next start.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, ForeignKeyConstraint, Index, Table, inspect
from sqlalchemy import exc as sa_exc
from sqlalchemy.schema import AddConstraint, CreateIndex, DropIndex

from .db import SQLITE_CACHE_KIB
from .records import DocumentRecord
from .rows import index_rows
from .schema import (
    BULK_TABLES,
    document_numbers,
    document_text,
    documents,
    name_terms,
    originals,
)
from .textindex import PG_INDEXES

SQLITE_BULK_CACHE_KIB = 262144  # larger page cache during a load


@dataclass(frozen=True)
class PreparedBatch:
    """One batch of documents as value tuples per table, ready for the driver."""

    size: int
    tables: tuple[tuple[Table, tuple[str, ...], list[tuple[Any, ...]]], ...]
    dossier_codes: frozenset[str] = frozenset()  # their facts are refreshed with the batch


def prepare(dialect: Dialect, records: Sequence[DocumentRecord]) -> PreparedBatch:
    """Rows of ``records`` for every table, converted for ``dialect``."""
    built = [index_rows(rec, dialect=dialect.name) for rec in records]
    rows = ((documents, [item.document for item in built]),
            (name_terms, [row for item in built for row in item.terms]),
            (originals, [row for item in built for row in item.originals]),
            (document_text, [item.text for item in built]),  # no id: numbered on insert
            (document_numbers, [row for item in built for row in item.numbers]))
    codes = frozenset(item.document["dossier_code"] for item in built
                      if item.document["dossier_code"])
    return PreparedBatch(len(built), tuple((table, *_tuples(dialect, table, table_rows))
                                           for table, table_rows in rows), codes)


def prepared_batches(records: Iterable[DocumentRecord], *, batch: int,
                     dialect: Dialect) -> Iterator[PreparedBatch]:
    """``prepare``d batches; on PostgreSQL the next one is built while the caller writes.

    While the server works on a COPY, building rows (pure Python) goes on in a worker
    thread. Not on SQLite: its driver releases and retakes the GIL at every row, which a
    busy second thread turns into waits (GIL convoy). Errors surface in the caller.
    """
    iterator = iter(records)

    def build() -> PreparedBatch:
        return prepare(dialect, list(islice(iterator, batch)))

    if dialect.name != "postgresql":
        while (ready := build()).size:
            yield ready
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sohoa-bulk") as pool:
        pending = pool.submit(build)
        while (ready := pending.result()).size:
            pending = pool.submit(build)
            yield ready


@contextlib.contextmanager
def load_settings(conn: Connection, *, fresh: bool) -> Iterator[None]:
    """Session settings for a bulk load on ``conn`` (no transaction open), undone after.

    SQLite: a larger page cache; for a ``fresh`` load (into empty tables, which a crash
    loses nothing of) also no fsync and no per-row foreign-key lookups (the rows of a
    document are written together), then a checkpoint that syncs. PostgreSQL: commits
    do not wait for the WAL flush (a crash can lose the last batches, never corrupt).
    """
    if conn.dialect.name == "postgresql":
        with conn.begin():
            conn.exec_driver_sql("SET synchronous_commit TO off")
        try:
            yield
        finally:
            with conn.begin():
                conn.exec_driver_sql("RESET synchronous_commit")
        return
    raw = conn.connection.driver_connection  # outside SQLAlchemy's transaction: PRAGMAs
    settings = [f"PRAGMA cache_size=-{SQLITE_BULK_CACHE_KIB}"]
    if fresh:
        settings += ["PRAGMA synchronous=OFF", "PRAGMA foreign_keys=OFF"]
    conn.rollback()
    for statement in settings:
        raw.execute(statement)
    try:
        yield
    finally:
        conn.rollback()
        raw.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def write_batch(conn: Connection, prepared: PreparedBatch) -> None:
    """Insert one prepared batch (inside the caller's transaction)."""
    for table, names, rows in prepared.tables:
        if not rows:
            continue
        if conn.dialect.name == "postgresql":
            _copy(conn, table, names, rows)
        else:
            _executemany(conn, table, names, rows)


def _tuples(dialect: Dialect, table: Table, rows: Sequence[dict[str, Any]]
            ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The columns the rows give (in table order) and the rows as tuples of them,
    converted as SQLAlchemy would convert them (each column's bind processor)."""
    if not rows:
        return (), []
    columns = [column for column in table.columns if column.name in rows[0]]
    names = tuple(column.name for column in columns)
    getter = itemgetter(*names)  # tables have 2+ columns
    processors: list[Callable[[Any], Any] | None] = [
        column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    converters = [(i, proc) for i, proc in enumerate(processors) if proc]
    if not converters:
        return names, [getter(row) for row in rows]
    out = []
    for row in rows:
        values = list(getter(row))
        for i, proc in converters:
            values[i] = proc(values[i])
        out.append(tuple(values))
    return names, out


def _executemany(conn: Connection, table: Table, names: Sequence[str],
                 rows: list[tuple[Any, ...]]) -> None:
    statement = (f"INSERT INTO {table.name} ({', '.join(names)}) "
                 f"VALUES ({', '.join('?' for _ in names)})")
    conn.exec_driver_sql(statement, rows)


def _copy(conn: Connection, table: Table, names: Sequence[str],
          rows: list[tuple[Any, ...]]) -> None:
    """``COPY table FROM STDIN`` through psycopg, in the connection's transaction."""
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    dbapi_error = conn.dialect.loaded_dbapi.Error
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi_error as exc:  # raw driver call: wrap as SQLAlchemy would
        raise sa_exc.DBAPIError.instance(statement, None, exc, dbapi_error,
                                         dialect=conn.dialect) from exc
    finally:
        cursor.close()


def secondary_indexes() -> list[Index]:
    """The non-key indexes of the bulk-loaded tables."""
    return [index for table in BULK_TABLES
            for index in sorted(table.indexes, key=lambda i: str(i.name))]


def droppable_foreign_keys(conn: Connection) -> list[ForeignKeyConstraint]:
    """Foreign keys a bulk load may drop: PostgreSQL only (SQLite cannot drop them)."""
    if conn.dialect.name != "postgresql":
        return []
    return [fk for table in BULK_TABLES
            for fk in sorted(table.foreign_key_constraints, key=lambda f: str(f.name))]


def drop_deferrable(conn: Connection) -> None:
    """Drop the secondary indexes (and PostgreSQL foreign keys) before a bulk load."""
    for fk in droppable_foreign_keys(conn):
        conn.exec_driver_sql(f"ALTER TABLE {fk.table.name} DROP CONSTRAINT IF EXISTS {fk.name}")
    for index in secondary_indexes():
        conn.execute(DropIndex(index, if_exists=True))
    if conn.dialect.name == "postgresql":
        for name in PG_INDEXES:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


def missing(conn: Connection) -> tuple[list[Index], list[ForeignKeyConstraint], list[str]]:
    """The secondary indexes, foreign keys and backend-only indexes (the full-text GIN
    index, textindex.py) that should exist and do not."""
    inspector = inspect(conn)
    indexes = []
    raw: list[str] = []
    for table in BULK_TABLES:
        if not inspector.has_table(table.name):  # an older schema, being migrated
            continue
        present = {found["name"] for found in inspector.get_indexes(table.name)}
        indexes += [index for index in table.indexes if index.name not in present]
        if conn.dialect.name == "postgresql" and table is document_text:
            raw += [name for name in PG_INDEXES if name not in present]
    fks = []
    for fk in droppable_foreign_keys(conn):
        present = {found["name"] for found in inspector.get_foreign_keys(fk.table.name)}
        if fk.name not in present:
            fks.append(fk)
    return indexes, fks, raw


def restore(conn: Connection) -> int:
    """Create whichever secondary index or foreign key is missing; return how many."""
    indexes, fks, raw = missing(conn)
    if conn.dialect.name == "postgresql" and (indexes or raw):
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")  # GIN builds
    for index in indexes:
        conn.execute(CreateIndex(index, if_not_exists=True))
    for fk in fks:
        conn.execute(AddConstraint(fk))
    for name in raw:
        conn.exec_driver_sql(PG_INDEXES[name])
    return len(indexes) + len(fks) + len(raw)
