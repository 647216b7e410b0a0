"""Full-text search, the database side: the tables' extras per backend, writes, queries.

``document_text`` holds each document's OCR text and ``terms`` (see ``fulltext.py``);
``document_numbers`` its document numbers. On SQLite an FTS5 table with external content
(``document_fts``, rowid = ``document_text.id``) indexes ``terms``; triggers keep it in
step with every insert, update and delete of ``document_text`` (a document deleted takes
its rows along by foreign-key cascade, and so its words out of the FTS index). On
PostgreSQL ``terms`` is a ``tsvector`` with a GIN index: no extension is needed
(``unaccent`` and ``pg_trgm`` may be missing or need a superuser), the folding is done in
Python alike for both backends.

Results come newest-indexed first (``document_text.id`` descending): FTS5 returns that
order without sorting every match, so a query of two common words stops after ``limit``
matches; on PostgreSQL ``_pg_match_ids`` picks between walking the newest rows and the
GIN index by how many documents are estimated to match.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    column,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
    update,
)
from sqlalchemy.sql import cast

from . import fulltext
from .schema import document_numbers, document_text, documents

log = logging.getLogger(__name__)

BACKFILL_BATCH = 5_000

# The FTS5 table (SQLite only): not a SQLAlchemy Table of the schema, created as SQL.
document_fts = table("document_fts", column("rowid"), column("terms"))

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS document_fts USING fts5(terms, "
    "content='document_text', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS document_text_ai AFTER INSERT ON document_text BEGIN "
    "INSERT INTO document_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER IF NOT EXISTS document_text_ad AFTER DELETE ON document_text BEGIN "
    "INSERT INTO document_fts(document_fts, rowid, terms) VALUES ('delete', old.id, "
    "old.terms); END",
    "CREATE TRIGGER IF NOT EXISTS document_text_au AFTER UPDATE OF terms ON document_text "
    "BEGIN INSERT INTO document_fts(document_fts, rowid, terms) VALUES ('delete', old.id, "
    "old.terms); INSERT INTO document_fts(rowid, terms) VALUES (new.id, new.terms); END",
)

# PG_PENDING_NOTE: GIN collects new entries in a pending list that every query reads
# through, merged into the index only past gin_pending_list_limit (4 MB by default: a
# query took 40 ms more after a few thousand inserts) or by (auto)vacuum. 256 kB keeps
# that read short while inserts still go into the index a hundred documents at a time
# (fastupdate off made each insert ten times slower).
# PostgreSQL's GIN index: created as SQL (an Index object would also build a useless
# B-tree on SQLite); a bulk load drops and rebuilds it like the other secondary indexes.
PG_INDEXES = {
    "ix_document_text_terms":
        "CREATE INDEX IF NOT EXISTS ix_document_text_terms ON document_text USING gin (terms) "
        "WITH (gin_pending_list_limit = 256)",  # kB: see PG_PENDING_NOTE
}


def terms_value(dialect: str, searchable: str) -> str:
    """``document_text.terms`` for this backend."""
    if dialect == "postgresql":
        return fulltext.tsvector_literal(searchable)
    return fulltext.index_terms(searchable)


def text_row(dialect: str, document_id: str, ocr_text: str | None, owner_name: str | None,
             fields: Mapping[str, Any]) -> dict[str, Any]:
    """The ``document_text`` row of a document (no ``id``: the database numbers it)."""
    searchable = fulltext.searchable_text(ocr_text, owner_name, fields)
    return {"document_id": document_id,
            "text": fulltext.nfc(ocr_text) if ocr_text is not None else None,
            "terms": terms_value(dialect, searchable)}


def number_rows(document_id: str, fields: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"number": key, "document_id": document_id}
            for key in fulltext.number_keys(fields)]


# -- schema --------------------------------------------------------------------------------


def create(conn: Connection) -> None:
    """Migration 7: the tables, the backend's index, then every stored document's fields."""
    for tbl in (document_text, document_numbers):
        tbl.create(conn)
    if conn.dialect.name == "postgresql":
        # the OCR text and the terms out of line: the rows the GIN way visits stay narrow
        conn.exec_driver_sql("ALTER TABLE document_text SET (toast_tuple_target = 128)")
        for ddl in PG_INDEXES.values():
            conn.exec_driver_sql(ddl)
    else:
        for ddl in SQLITE_DDL:
            conn.exec_driver_sql(ddl)
    backfill_fields(conn)


def backfill_fields(conn: Connection) -> int:
    """Index the owner and fields of every document that has no ``document_text`` row
    (indexed before full-text search existed); their OCR text comes later, read back from
    the stored PDFs (``sohoa reindex``). Returns how many were indexed."""
    total = int(conn.execute(select(func.count()).select_from(documents)).scalar() or 0)
    done, last = 0, ""
    while True:
        rows = conn.execute(
            select(documents.c.id, documents.c.owner_name, documents.c.fields_json)
            .where(documents.c.id > last).order_by(documents.c.id).limit(BACKFILL_BATCH)
        ).all()
        if not rows:
            break
        texts, numbers = [], []
        for doc_id, owner_name, fields_json in rows:
            fields = json.loads(fields_json)
            texts.append(text_row(conn.dialect.name, doc_id, None, owner_name, fields))
            numbers += number_rows(doc_id, fields)
        _insert_text(conn, texts)
        if numbers:
            conn.execute(insert(document_numbers), numbers)
        done += len(rows)
        last = rows[-1][0]
        log.info("search index: fields of %d/%d stored documents", done, total)
    return done


# -- writes --------------------------------------------------------------------------------


def _insert_text(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        stmt = insert(document_text).values(
            document_id=bindparam("document_id"), text=bindparam("text"),
            terms=cast(bindparam("terms"), document_text.c.terms.type))
        conn.execute(stmt, rows)
    else:
        conn.execute(insert(document_text), rows)


def add(conn: Connection, text: dict[str, Any], numbers: list[dict[str, str]]) -> None:
    """Index one new document's text and numbers (in the caller's transaction)."""
    _insert_text(conn, [text])
    if numbers:
        conn.execute(insert(document_numbers), numbers)


def replace(conn: Connection, document_id: str, ocr_text: str | None, owner_name: str | None,
            fields: Mapping[str, Any], *, keep_text: bool) -> None:
    """Re-index a document after a change of its fields (``keep_text``: its stored OCR
    text stays) or of its text (read back by ``sohoa reindex``)."""
    dialect = conn.dialect.name
    if keep_text:
        ocr_text = conn.execute(select(document_text.c.text).where(
            document_text.c.document_id == document_id)).scalar()
    row = text_row(dialect, document_id, ocr_text, owner_name, fields)
    terms: Any = row["terms"]
    if dialect == "postgresql":
        terms = cast(terms, document_text.c.terms.type)
    done = conn.execute(update(document_text)
                        .where(document_text.c.document_id == document_id)
                        .values(text=row["text"], terms=terms))
    if done.rowcount == 0:
        _insert_text(conn, [row])
    conn.execute(delete(document_numbers).where(document_numbers.c.document_id == document_id))
    numbers = number_rows(document_id, fields)
    if numbers:
        conn.execute(insert(document_numbers), numbers)


# -- queries -------------------------------------------------------------------------------


def match_ids(conn: Connection, groups: list[tuple[str, ...]], *, limit: int) -> list[str]:
    """Ids of the ``limit`` newest-indexed documents having every group."""
    if conn.dialect.name == "postgresql":
        return _pg_match_ids(conn, fulltext.tsquery_literal(groups), limit)
    match = literal_column("document_fts").op("MATCH")(
        bindparam("fts", fulltext.fts5_query(groups)))
    stmt = (select(document_text.c.document_id)
            .select_from(document_fts.join(document_text,
                                           document_text.c.id == document_fts.c.rowid))
            .where(match).order_by(document_fts.c.rowid.desc()).limit(limit))
    return list(conn.execute(stmt).scalars())


# PostgreSQL: how to find the newest matches is chosen here, from the planner's estimate of
# how many documents match, not left to the planner: it costs reading a row's tsvector as
# nothing and would walk the newest rows one by one for a pair matching 1 % of them
# (a 5,000-row walk: 360 ms at 100,000 documents). A frequent query walks the newest rows
# (it meets ``limit`` matches soon); any other collects every match from the GIN index and
# keeps the newest (the rows are narrow: toast_tuple_target moves text and terms out).
PG_WALK_MAX_ROWS = 2_000  # newest rows a walk may read before the GIN way is cheaper


def _pg_match_ids(conn: Connection, tsquery: str, limit: int) -> list[str]:
    params = {"q": tsquery, "n": limit}
    plan = conn.execute(text("EXPLAIN (FORMAT JSON) SELECT 1 FROM document_text "
                             "WHERE terms @@ CAST(:q AS tsquery)"), params).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    estimated = max(1.0, float(plan[0]["Plan"]["Plan Rows"]))
    total = float(conn.execute(text(
        "SELECT greatest(reltuples, 1) FROM pg_class WHERE oid = 'document_text'::regclass"
    )).scalar() or 1)
    if total / estimated * limit <= PG_WALK_MAX_ROWS:
        walk = ("SELECT document_id FROM (SELECT id, document_id, terms FROM document_text "
                "ORDER BY id DESC LIMIT :w) newest WHERE terms @@ CAST(:q AS tsquery) "
                "ORDER BY id DESC LIMIT :n")
        found = list(conn.execute(text(walk), {**params, "w": PG_WALK_MAX_ROWS}).scalars())
        if len(found) == limit:
            return found
    return list(conn.execute(text(
        "WITH m AS MATERIALIZED (SELECT id, document_id FROM document_text "
        "WHERE terms @@ CAST(:q AS tsquery)) "
        "SELECT document_id FROM m ORDER BY id DESC LIMIT :n"), params).scalars())


def number_condition(number: str) -> Any | None:
    """Documents with this number, or whose number continues it after a separator
    ("576/qd" finds "576/qd-ubnd"; "576" finds "576/2019" but not "5760/2019")."""
    key = fulltext.number_key(number)
    if key is None:
        return None
    # "-", "." and "/" are consecutive code points: one range covers "key" + any of them
    match = or_(document_numbers.c.number == key,
                and_(document_numbers.c.number >= key + "-",
                     document_numbers.c.number < key + "0"))
    return documents.c.id.in_(select(document_numbers.c.document_id).where(match))


def texts(conn: Connection, document_ids: Iterable[str]) -> dict[str, str | None]:
    """The stored OCR text of these documents (``None``: not read back yet)."""
    ids = list(dict.fromkeys(document_ids))
    out: dict[str, str | None] = {}
    for start in range(0, len(ids), 500):
        rows = conn.execute(select(document_text.c.document_id, document_text.c.text)
                            .where(document_text.c.document_id.in_(ids[start:start + 500])))
        out.update((doc_id, body) for doc_id, body in rows)
    return out
