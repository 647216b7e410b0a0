"""Fast bulk writes of many documents: COPY on PostgreSQL, raw executemany on SQLite.

Used by ``ReuseIndex.bulk_add`` (imports, benchmarks). Rows are built by ``rows.py``
exactly as for single inserts and converted with the same SQLAlchemy column types
(their bind processors), so both paths store the same thing; only SQLAlchemy's per-row
statement machinery is skipped. Each batch is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy import exc as sa_exc

from .rows import IndexRows
from .schema import documents, name_terms, originals

SQLITE_BULK_CACHE_KIB = 262144  # larger page cache while a batch loads


def write_batch(conn: Connection, batch: Sequence[IndexRows]) -> None:
    """Insert one batch of documents with their terms and originals (inside a transaction)."""
    tables = ((documents, [item.document for item in batch]),
              (name_terms, [row for item in batch for row in item.terms]),
              (originals, [row for item in batch for row in item.originals]))
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_BULK_CACHE_KIB}")
    for table, rows in tables:
        if not rows:
            continue
        if conn.dialect.name == "postgresql":
            _copy(conn, table, rows)
        else:
            _executemany(conn, table, rows)


def _processors(conn: Connection, table: Table) -> list[Callable[[Any], Any] | None]:
    """Each column's bind processor for this dialect (what SQLAlchemy applies itself)."""
    dialect = conn.dialect
    return [column.type.dialect_impl(dialect).bind_processor(dialect)
            for column in table.columns]


def _tuples(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
            ) -> list[tuple[Any, ...]]:
    names = [column.name for column in table.columns]
    pairs = list(zip(names, _processors(conn, table), strict=True))
    if all(proc is None for _, proc in pairs):
        return [tuple(row[name] for name in names) for row in rows]
    return [tuple(row[name] if proc is None else proc(row[name]) for name, proc in pairs)
            for row in rows]


def _executemany(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    names = [column.name for column in table.columns]
    statement = (f"INSERT INTO {table.name} ({', '.join(names)}) "
                 f"VALUES ({', '.join('?' for _ in names)})")
    conn.exec_driver_sql(statement, _tuples(conn, table, rows))


def _copy(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``COPY table FROM STDIN`` through psycopg, in the connection's transaction."""
    names = [column.name for column in table.columns]
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    dbapi_error = conn.dialect.loaded_dbapi.Error
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for row in _tuples(conn, table, rows):
                copy.write_row(row)
    except dbapi_error as exc:  # raw driver call: wrap as SQLAlchemy would
        raise sa_exc.DBAPIError.instance(statement, None, exc, dbapi_error,
                                         dialect=conn.dialect) from exc
    finally:
        cursor.close()
