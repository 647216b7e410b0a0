"""``ReuseIndex``: the index of digitized documents, dossiers and events, and its queries.

Opening an index (the constructor) applies pending schema migrations unless told not to
(``migrate=False``); ``migrate()`` can also be called explicitly and is idempotent.
Nothing here logs personal data (ID numbers, names) at INFO or above.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Select, delete, exists, func, insert, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite

from . import bulk, facts, fulltext, indicators, migrations, textindex
from .accounts import AccountStore
from .db import connect, make_engine, safe_url, transaction
from .errors import DuplicateDocumentError
from .names import term_range
from .records import EVENT_KINDS, DocumentRecord, Dossier, Event
from .rows import (
    aware,
    clean_key,
    clean_owner_id,
    clean_sha256,
    dossier_from_row,
    event_from_row,
    index_rows,
    record_from_row,
    to_json,
)
from .schema import (
    document_numbers,
    document_text,
    documents,
    dossiers,
    events,
    name_terms,
    originals,
)
from .work import WorkTable

log = logging.getLogger(__name__)

ENV_URL = "SOHOA_DATABASE_URL"
MAX_LIMIT = 10_000
BULK_BATCH = 5_000  # documents per bulk transaction, indexes maintained
FRESH_BULK_BATCH = 50_000  # ... loading an empty index: fewer, larger commits


class ReuseIndex:
    """The reuse index on SQLite (``sqlite:///path``) or PostgreSQL (``postgresql://...``)."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self._engine = make_engine(url)
        self._url = self._engine.url
        try:
            if migrate:
                self.migrate()
        except BaseException:
            self._engine.dispose()
            raise

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, home: Path, migrate: bool = True
                 ) -> ReuseIndex:
        """``SOHOA_DATABASE_URL`` if set, else SQLite at ``home/index.db``."""
        url = env.get(ENV_URL, "").strip() or f"sqlite:///{Path(home) / 'index.db'}"
        return cls(url, migrate=migrate)

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return safe_url(self._url)

    @property
    def accounts(self) -> AccountStore:
        """Web accounts, API tokens and sessions (same database)."""
        return AccountStore(self._engine)

    @property
    def work(self) -> WorkTable:
        """The batch queue's work state per page and original (same database)."""
        return WorkTable(self._engine)

    def ping(self) -> None:
        """Raise ``IndexStoreError`` unless the database answers a trivial query."""
        with connect(self._engine) as conn:
            conn.execute(select(1))

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    # -- schema ---------------------------------------------------------------------------

    def migrate(self) -> int:
        """Apply pending migrations (idempotent, safe across processes); return the version.

        Also rebuilds any secondary index a bulk load dropped and did not get to rebuild.
        """
        version = migrations.migrate(self._engine)
        with connect(self._engine) as conn:
            incomplete = any(bulk.missing(conn))
            conn.rollback()
        if incomplete:
            with transaction(self._engine) as conn:
                rebuilt = bulk.restore(conn)
            log.warning("rebuilt %d index(es) left out by an interrupted bulk load", rebuilt)
        return version

    def schema_version(self) -> int:
        with connect(self._engine) as conn:
            return migrations.current_version(conn)

    # -- documents ------------------------------------------------------------------------

    def add_document(self, rec: DocumentRecord) -> None:
        """Index one document; an id already indexed raises ``DuplicateDocumentError``."""
        rows = index_rows(rec, dialect=self.dialect)
        with transaction(self._engine) as conn:
            try:
                conn.execute(insert(documents), rows.document)
            except sa_exc.IntegrityError as exc:
                raise DuplicateDocumentError(f"document id {rows.document['id']!r}") from exc
            if rows.terms:
                conn.execute(insert(name_terms), rows.terms)
            if rows.originals:
                conn.execute(insert(originals), rows.originals)
            textindex.add(conn, rows.text, rows.numbers)
            if rows.document["dossier_code"]:
                facts.note_digitized(conn, rows.document["dossier_code"],
                                     rows.document["digitized_at"])
        log.debug("indexed one document of type %s", rows.document["doc_type"])

    def update_document(self, rec: DocumentRecord) -> None:
        """Rewrite an indexed document's row, name terms, numbers and full-text entry (a
        corrected field, warehouse/corrections.py): its files, originals and dossier stay as
        they were, and so does its OCR text unless ``rec.text`` gives a new one."""
        rows = index_rows(rec, dialect=self.dialect)
        keep = ("pdf_key", "pdf_sha256", "original_keys_json", "original_sha256s_json",
                "dossier_code", "digitized_at")
        values = {k: v for k, v in rows.document.items() if k != "id" and k not in keep}
        with transaction(self._engine) as conn:
            done = conn.execute(update(documents).where(documents.c.id == rows.document["id"])
                                .values(values))
            if done.rowcount != 1:
                raise KeyError(rec.id)
            conn.execute(delete(name_terms).where(
                name_terms.c.document_id == rows.document["id"]))
            if rows.terms:
                conn.execute(insert(name_terms), rows.terms)
            textindex.replace(conn, rows.document["id"], rec.text, rows.document["owner_name"],
                              rec.fields, keep_text=rec.text is None)
        log.debug("updated one document of type %s", rows.document["doc_type"])

    def set_text(self, doc_id: str, text: str) -> None:
        """Index a stored document's OCR text (read back from its PDF: ``sohoa reindex``)."""
        record = self.get(doc_id)
        if record is None:
            raise KeyError(doc_id)
        with transaction(self._engine) as conn:
            textindex.replace(conn, record.id, text, record.owner_name, record.fields,
                              keep_text=False)

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document from the index (erasure): its row, name terms, originals,
        numbers and full-text entry; the audit events stay. False if it was not indexed."""
        key = clean_key(doc_id)
        with transaction(self._engine) as conn:
            # the dependent rows are deleted by name, not left to ON DELETE CASCADE alone:
            # the full-text entry goes with its document_text row's trigger, whatever the
            # connection's foreign_keys setting
            for table in (document_text, document_numbers, name_terms, originals):
                conn.execute(delete(table).where(table.c.document_id == key))
            done = conn.execute(delete(documents).where(documents.c.id == key))
        log.debug("deleted %d document(s)", done.rowcount)
        return done.rowcount == 1

    def texts(self, doc_ids: Iterable[str]) -> dict[str, str | None]:
        """The indexed OCR text of these documents (``None``: not read back yet)."""
        with connect(self._engine) as conn:
            return textindex.texts(conn, (k for k in map(clean_key, doc_ids) if k))

    def snippets(self, records: Iterable[DocumentRecord], query: str
                 ) -> dict[str, fulltext.Snippet]:
        """For each record that ``query`` (a ``search(text=...)``) found: the piece of its
        OCR text, or else of its fields, where the query's words are, to highlight."""
        groups = fulltext.parse_query(query)
        records = list(records)
        stored = self.texts(r.id for r in records) if groups else {}
        out: dict[str, fulltext.Snippet] = {}
        for rec in records:
            found = [s for s in (
                fulltext.snippet(stored.get(rec.id) or "", groups),
                fulltext.snippet(fulltext.fields_line(rec.owner_name, rec.fields), groups))
                if s is not None]
            if found:  # the OCR text's, unless the fields show more of the query
                out[rec.id] = max(found, key=lambda s: s.matched)
        return out

    def ids_without_text(self, *, after: str = "", limit: int = 500) -> list[str]:
        """Ids of documents whose OCR text is not indexed yet, in id order after ``after``
        (indexed before full-text search existed: ``sohoa reindex`` reads it back)."""
        with connect(self._engine) as conn:
            return list(conn.execute(
                select(documents.c.id).outerjoin(document_text,
                                                 document_text.c.document_id == documents.c.id)
                .where(document_text.c.text.is_(None), documents.c.id > after)
                .order_by(documents.c.id).limit(_check_limit(limit))).scalars())

    def bulk_add(self, records: Iterable[DocumentRecord], *, batch: int | None = None,
                 defer_indexes: bool | None = None) -> int:
        """Index many documents fast (COPY / executemany); return how many were added.

        ``batch`` documents make one transaction (default ``BULK_BATCH``, or
        ``FRESH_BULK_BATCH`` for a load into an empty index): a duplicate id fails its
        batch (``DuplicateDocumentError``) and leaves earlier batches committed.
        ``defer_indexes`` (default: when no document is indexed yet) drops the secondary
        indexes during the load and rebuilds them at the end; searches in between are
        correct but slow.
        """
        if batch is not None and batch < 1:
            raise ValueError("batch must be at least 1")
        if defer_indexes is None:
            defer_indexes = self._is_empty()
        if batch is None:
            batch = FRESH_BULK_BATCH if defer_indexes else BULK_BATCH
        if defer_indexes:
            with transaction(self._engine) as conn:
                bulk.drop_deferrable(conn)
        try:
            with connect(self._engine, write=True) as conn, \
                    bulk.load_settings(conn, fresh=defer_indexes):
                added = self._bulk_batches(conn, records, batch,
                                           refresh_facts=not defer_indexes)
        finally:
            if defer_indexes:
                with transaction(self._engine) as conn:
                    bulk.restore(conn)
                    # one grouped pass instead of one per batch over unindexed tables
                    facts.refresh_digitized_all(conn)
        log.info("bulk-indexed %d documents", added)
        return added

    @staticmethod
    def _bulk_batches(conn: Connection, records: Iterable[DocumentRecord], batch: int, *,
                      refresh_facts: bool) -> int:
        added = 0
        for prepared in bulk.prepared_batches(records, batch=batch, dialect=conn.dialect):
            with conn.begin():
                try:
                    bulk.write_batch(conn, prepared)
                except sa_exc.IntegrityError as exc:
                    raise DuplicateDocumentError(
                        f"duplicate document id in the batch after {added} added") from exc
                if refresh_facts and prepared.dossier_codes:
                    facts.refresh_digitized(conn, set(prepared.dossier_codes))
            added += prepared.size
        return added

    def refresh_dossier_facts(self) -> None:
        """Recompute every dossier's indicator facts from the documents and events."""
        with transaction(self._engine) as conn:
            facts.refresh_all(conn)

    def _is_empty(self) -> bool:
        with connect(self._engine) as conn:
            return conn.execute(select(documents.c.id).limit(1)).first() is None

    def get(self, doc_id: str) -> DocumentRecord | None:
        key = clean_key(doc_id)
        if key is None:
            return None
        with connect(self._engine) as conn:
            row = conn.execute(select(documents).where(documents.c.id == key)).mappings().first()
        return record_from_row(row) if row else None

    def find_by_original(self, sha256: str) -> DocumentRecord | None:
        """The earliest-digitized document scanned from the original with this SHA-256."""
        found = self.find_all_by_original(sha256, limit=1)
        return found[0] if found else None

    def find_all_by_original(self, sha256: str, *, limit: int = 100) -> list[DocumentRecord]:
        """Every document scanned from that original (one file can hold a whole dossier)."""
        stmt = (select(documents)
                .join(originals, originals.c.document_id == documents.c.id)
                .where(originals.c.sha256 == clean_sha256(sha256))
                .order_by(documents.c.digitized_at, documents.c.id)
                .limit(_check_limit(limit)))
        return self._records(stmt)

    def get_many(self, doc_ids: Iterable[str]) -> dict[str, DocumentRecord]:
        """The documents among ``doc_ids`` that exist, by id."""
        keys = sorted({k for k in (clean_key(d) for d in doc_ids) if k})
        found: dict[str, DocumentRecord] = {}
        for start in range(0, len(keys), 500):
            stmt = select(documents).where(documents.c.id.in_(keys[start:start + 500]))
            found.update((r.id, r) for r in self._records(stmt))
        return found

    def dossier_documents(self, code: str, *, limit: int = 1000) -> list[DocumentRecord]:
        """Documents digitized into dossier ``code``, oldest first."""
        stmt = (select(documents).where(documents.c.dossier_code == clean_key(code))
                .order_by(documents.c.digitized_at, documents.c.id).limit(_check_limit(limit)))
        return self._records(stmt)

    def search(self, *, owner_id: str | None = None, name: str | None = None,
               doc_type: str | None = None, agency: str | None = None,
               birth_date: date | None = None, digitized_from: datetime | None = None,
               digitized_to: datetime | None = None, text: str | None = None,
               number: str | None = None, limit: int = 50) -> list[DocumentRecord]:
        """Documents matching every criterion given.

        ``digitized_from`` ≤ digitized_at < ``digitized_to`` (timezone-aware datetimes).

        ``owner_id`` matches exactly (whitespace ignored). ``name`` ignores case and
        diacritics and matches whole tokens from any token of the owner's name on
        ("hong nhung" finds "Nguyễn Thị Hồng Nhung"); a name without any letter or digit
        matches nothing. Name-only searches come back in the order of the matched name
        part (shortest, i.e. closest, first), everything else newest first.

        ``text`` searches the OCR text, the owner's name and every field value, ignoring
        case and diacritics: every word must occur (whole words), a quoted run of words or
        a word with punctuation inside ("576/QĐ-UBND") as a phrase; newest indexed first
        (``snippets`` shows where). ``number`` matches a document number (``so_ky_hieu``,
        ``so``, ...) ignoring case, diacritics and spaces, whole or up to a separator
        ("576/qd" finds "576/QĐ-UBND"). A text or number without any letter or digit
        matches nothing.
        """
        limit = _check_limit(limit)
        bounds = term_range(name) if name is not None else None
        if name is not None and bounds is None:
            return []
        groups = fulltext.parse_query(text) if text is not None else None
        if groups is not None and not groups:
            return []
        conditions = _filters(owner_id=owner_id, doc_type=doc_type, agency=agency,
                              birth_date=birth_date)
        if number is not None:
            by_number = textindex.number_condition(number)
            if by_number is None:
                return []
            conditions.append(by_number)
        if digitized_from is not None:
            conditions.append(documents.c.digitized_at >= aware(digitized_from, "from"))
        if digitized_to is not None:
            conditions.append(documents.c.digitized_at < aware(digitized_to, "to"))
        if groups:
            if bounds is not None:
                conditions.append(_has_term(*bounds))
            return self._search_by_text(groups, conditions, limit)
        if bounds is None or owner_id is not None:
            if bounds is not None:
                conditions.append(_has_term(*bounds))
            stmt = (select(documents).where(*conditions)
                    .order_by(documents.c.digitized_at.desc(), documents.c.id.desc())
                    .limit(limit))
            return self._records(stmt)
        return self._search_by_name(bounds, conditions, limit)

    def iter_documents(self, *, batch: int = 1000) -> Iterator[DocumentRecord]:
        """Every document in id order, fetched ``batch`` at a time (keyset pagination)."""
        if batch < 1:
            raise ValueError("batch must be at least 1")
        last: str | None = None
        while True:
            stmt = select(documents).order_by(documents.c.id).limit(batch)
            if last is not None:
                stmt = stmt.where(documents.c.id > last)
            page = self._records(stmt)
            yield from page
            if len(page) < batch:
                return
            last = page[-1].id

    def analyze(self, *, optimize: bool = True) -> None:
        """Refresh the query planner's statistics; worth calling after a big import.

        SQLite: ``optimize`` also merges the full-text index into one segment (a rewrite
        of it: minutes at a million documents; FTS5 merges as it goes anyway)."""
        with transaction(self._engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("ANALYZE documents, name_terms, originals, dossiers, "
                                     "document_text, document_numbers")
            else:
                conn.exec_driver_sql("PRAGMA analysis_limit=1000")
                conn.exec_driver_sql("ANALYZE")
                if optimize:  # one segment: fewer lookups per word
                    conn.exec_driver_sql("INSERT INTO document_fts(document_fts) VALUES "
                                         "('optimize')")

    def count_documents(self) -> int:
        with connect(self._engine) as conn:
            return int(conn.execute(select(func.count()).select_from(documents)).scalar() or 0)

    # -- dossiers -------------------------------------------------------------------------

    def upsert_dossier(self, code: str, *, procedure_code: str | None,
                       agency_code: str | None, received_at: datetime | None,
                       channel: int | None = None, returns_result: bool | None = None) -> None:
        """Create or update a dossier; ``None`` keeps the value already stored."""
        key = clean_key(code)
        if key is None:
            raise ValueError("dossier code is empty")
        values = {"code": key, "procedure_code": clean_key(procedure_code),
                  "agency_code": clean_key(agency_code),
                  "received_at": aware(received_at, "received_at"),
                  "channel": channel, "returns_result": returns_result,
                  "updated_at": datetime.now(UTC)}
        with transaction(self._engine) as conn:
            conn.execute(_upsert_dossier_stmt(conn, values))

    def known_dossiers(self, codes: Iterable[str]) -> set[str]:
        """The codes among ``codes`` that have a dossier row."""
        keys = sorted({k for k in (clean_key(c) for c in codes) if k})
        found: set[str] = set()
        with connect(self._engine) as conn:
            for start in range(0, len(keys), 500):
                found.update(conn.execute(select(dossiers.c.code).where(
                    dossiers.c.code.in_(keys[start:start + 500]))).scalars())
        return found

    def indicator_counts(self, *, since: datetime, until: datetime,
                         agency: str | None = None) -> list[indicators.DossierCounts]:
        """Dossiers received in [since, until) per agency, procedure and month, and how
        many were digitized, reused, return a result, got it electronically (as of
        ``until``; see ``indicators.py``)."""
        with connect(self._engine) as conn:
            return indicators.counts(conn, since=aware(since, "since"),
                                     until=aware(until, "until"), agency=clean_key(agency))

    def get_dossier(self, code: str) -> Dossier | None:
        key = clean_key(code)
        with connect(self._engine) as conn:
            row = conn.execute(select(dossiers).where(dossiers.c.code == key)).mappings().first()
        return dossier_from_row(row) if row else None

    # -- events ---------------------------------------------------------------------------

    def record_event(self, kind: str, *, document_id: str | None = None,
                     dossier_code: str | None = None, actor: str | None = None,
                     detail: dict[str, Any] | None = None, at: datetime | None = None) -> int:
        """Append an audit event (kinds: ``EVENT_KINDS``); return its id."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}; expected one of "
                             f"{sorted(EVENT_KINDS)}")
        values = {"kind": kind, "at": aware(at, "at") or datetime.now(UTC),
                  "document_id": clean_key(document_id),
                  "dossier_code": clean_key(dossier_code), "actor": clean_key(actor),
                  "detail_json": to_json(detail or {})}
        with transaction(self._engine) as conn:
            result = conn.execute(insert(events).values(values))
            event_id = int(result.inserted_primary_key[0])
            facts.note_event(conn, kind, values["dossier_code"], values["at"], detail or {})
        log.debug("recorded a %s event", kind)
        return event_id

    def record_events(self, batch: Iterable[Mapping[str, Any]]) -> int:
        """Append many audit events in one transaction; return how many.

        Each item has ``kind`` and optionally ``document_id``, ``dossier_code``, ``actor``,
        ``detail`` and ``at`` (default: now), as ``record_event`` takes them. For writers
        that gather events (the web service's access log) instead of one commit each.
        """
        rows: list[dict[str, Any]] = []
        for item in batch:
            kind = item["kind"]
            if kind not in EVENT_KINDS:
                raise ValueError(f"unknown event kind {kind!r}")
            rows.append({"kind": kind, "at": aware(item.get("at"), "at") or datetime.now(UTC),
                         "document_id": clean_key(item.get("document_id")),
                         "dossier_code": clean_key(item.get("dossier_code")),
                         "actor": clean_key(item.get("actor")),
                         "detail_json": to_json(item.get("detail") or {})})
        if not rows:
            return 0
        with transaction(self._engine) as conn:
            conn.execute(insert(events), rows)
            for row in rows:
                if row["kind"] in ("reused", facts.RESULT_KIND):
                    facts.note_event(conn, row["kind"], row["dossier_code"], row["at"],
                                     json.loads(row["detail_json"]))
        log.debug("recorded %d events", len(rows))
        return len(rows)

    def events(self, *, document_id: str | None = None, dossier_code: str | None = None,
               kind: str | Iterable[str] | None = None, actor: str | None = None,
               action: str | None = None, since: datetime | None = None,
               until: datetime | None = None, before_id: int | None = None,
               limit: int = 1000) -> list[Event]:
        """Events matching every filter, last recorded first (``since`` ≤ at < ``until``).

        ``action`` matches ``detail["action"]`` (searches, views, downloads ...);
        ``before_id`` pages back through the log (events with a smaller id).
        """
        conditions = _event_filters(document_id=document_id, dossier_code=dossier_code,
                                    kind=kind, actor=actor, since=since, until=until)
        if before_id is not None:
            conditions.append(events.c.id < before_id)
        want = _check_limit(limit)
        stmt = (select(events).where(*conditions)
                .order_by(events.c.id.desc()).limit(want if action is None else MAX_LIMIT))
        out: list[Event] = []
        with connect(self._engine) as conn:
            while True:
                rows = conn.execute(stmt).mappings().all()
                for row in rows:
                    event = event_from_row(row)
                    if action is None or event.detail.get("action") == action:
                        out.append(event)
                        if len(out) == want:
                            return out
                if action is None or len(rows) < MAX_LIMIT:
                    return out
                stmt = stmt.where(events.c.id < rows[-1]["id"])

    def iter_events(self, *, batch: int = 2000, **filters: Any) -> Iterator[Event]:
        """Every event matching ``events``' filters, newest first, fetched in batches."""
        before: int | None = filters.pop("before_id", None)
        while True:
            page = self.events(before_id=before, limit=batch, **filters)
            yield from page
            if len(page) < batch:
                return
            before = page[-1].id

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> ReuseIndex:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ReuseIndex({self.url!r})"

    # -- helpers --------------------------------------------------------------------------

    def _records(self, stmt: Select[Any]) -> list[DocumentRecord]:
        with connect(self._engine) as conn:
            return [record_from_row(row) for row in conn.execute(stmt).mappings()]

    def _search_by_name(self, bounds: tuple[str, str], conditions: list[Any],
                        limit: int) -> list[DocumentRecord]:
        """Walk ``name_terms`` in term order (an index range scan), join the documents.

        A name can match at two positions ("văn" in "Nguyễn Văn Văn"); such repeats are
        dropped and the page refetched larger until ``limit`` distinct documents are found.
        """
        fetch = limit
        while True:
            stmt = name_search_statement(bounds, conditions, limit=fetch)
            with connect(self._engine) as conn:
                rows = conn.execute(stmt).mappings().all()
            unique = list({row["id"]: row for row in rows}.values())
            if len(unique) >= limit or len(rows) < fetch:
                return [record_from_row(row) for row in unique[:limit]]
            fetch *= 2

    def _search_by_text(self, groups: list[tuple[str, ...]], conditions: list[Any],
                        limit: int) -> list[DocumentRecord]:
        """The newest matches from the text index, then their documents within the other
        criteria; the text page is refetched larger until ``limit`` documents pass them
        (or every match was seen; at most the newest 100,000 matches are looked at)."""
        fetch = limit
        while True:
            with connect(self._engine) as conn:
                ids = textindex.match_ids(conn, groups, limit=fetch)
                rows = {row["id"]: row for start in range(0, len(ids), 500)
                        for row in conn.execute(select(documents).where(
                            documents.c.id.in_(ids[start:start + 500]), *conditions))
                        .mappings()}
            found = [record_from_row(rows[i]) for i in ids if i in rows]
            if len(found) >= limit or len(ids) < fetch or fetch >= MAX_LIMIT * 10:
                return found[:limit]
            fetch *= 8

    # -- export ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """One read transaction on a consistent snapshot of the index, for long streaming
        reads (``pipeline/export.py``): run Core selects on it (``yield_per`` streams),
        never write. PostgreSQL: REPEATABLE READ, READ ONLY; SQLite: a WAL read snapshot."""
        with connect(self._engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ",
                                       postgresql_readonly=True)
            with conn.begin():
                yield conn


def name_search_statement(bounds: tuple[str, str], conditions: list[Any], *,
                          limit: int) -> Select[Any]:
    """Documents whose name terms fall in ``bounds``, in term order (the PK index order)."""
    low, high = bounds
    return (select(documents)
            .join(name_terms, name_terms.c.document_id == documents.c.id)
            .where(name_terms.c.term >= low, name_terms.c.term < high, *conditions)
            .order_by(name_terms.c.term, name_terms.c.document_id)
            .limit(limit))


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def _filters(*, owner_id: str | None, doc_type: str | None, agency: str | None,
             birth_date: date | None) -> list[Any]:
    conditions: list[Any] = []
    if owner_id is not None:
        conditions.append(documents.c.owner_id == clean_owner_id(owner_id))
    if doc_type is not None:
        conditions.append(documents.c.doc_type == clean_key(doc_type))
    if agency is not None:
        conditions.append(documents.c.agency_code == clean_key(agency))
    if birth_date is not None:
        conditions.append(documents.c.birth_date == birth_date)
    # a paper merged into another (warehouse/merge.py) is found through the merged one
    conditions.append(~exists().where(events.c.document_id == documents.c.id,
                                      events.c.kind == "superseded"))
    return conditions


def _event_filters(*, document_id: str | None, dossier_code: str | None,
                   kind: str | Iterable[str] | None, actor: str | None,
                   since: datetime | None, until: datetime | None) -> list[Any]:
    conditions: list[Any] = []
    if document_id is not None:
        conditions.append(events.c.document_id == clean_key(document_id))
    if dossier_code is not None:
        conditions.append(events.c.dossier_code == clean_key(dossier_code))
    if isinstance(kind, str):
        conditions.append(events.c.kind == kind)
    elif kind is not None:
        conditions.append(events.c.kind.in_(list(kind)))
    if actor is not None:
        conditions.append(events.c.actor == clean_key(actor))
    if since is not None:
        conditions.append(events.c.at >= aware(since, "since"))
    if until is not None:
        conditions.append(events.c.at < aware(until, "until"))
    return conditions


def _has_term(low: str, high: str) -> Any:
    return exists().where(name_terms.c.document_id == documents.c.id,
                          name_terms.c.term >= low, name_terms.c.term < high)


def _upsert_dossier_stmt(conn: Connection, values: dict[str, Any]) -> Any:
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(dossiers).values(values)
    keep = ("procedure_code", "agency_code", "received_at", "channel", "returns_result")
    updates = {name: _coalesce(stmt.excluded[name], dossiers.c[name]) for name in keep}
    updates["updated_at"] = stmt.excluded.updated_at
    return stmt.on_conflict_do_update(index_elements=[dossiers.c.code], set_=updates)


def _coalesce(new: Any, old: Any) -> Any:
    return func.coalesce(new, old)
