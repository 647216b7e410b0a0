"""Dossier facts for the indicators: when a dossier first had a component digitized here,
first reused one from the warehouse, and when its result was issued, digitized or issued
as an electronic file.

They live in ``dossiers`` (columns added by migration 4) so the scorecard report is one
grouped scan of that table. The index keeps them current in the same transaction as the
document or event that changes them (``note_digitized``, ``note_event``);
``refresh_all`` recomputes every dossier from the documents and events themselves (the
migration's backfill, and after bulk loads).

A ``result`` event's detail says how the result was issued: ``{"electronic": true}`` (an
electronic file), ``{"digitized": true}`` (a paper result that was digitized), or neither.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .schema import UtcDateTime, documents, dossiers, events

RESULT_KIND = "result"


def ensure_row(conn: Connection, code: str) -> None:
    """A dossiers row for ``code`` (only the code) unless there is one."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(dialect_insert(dossiers).values(code=code, updated_at=datetime.now(UTC))
                 .on_conflict_do_nothing(index_elements=[dossiers.c.code]))


def _earliest(conn: Connection, code: str, column: str, at: datetime) -> None:
    col = dossiers.c[column]
    conn.execute(update(dossiers).where(dossiers.c.code == code,
                                        or_(col.is_(None), col > at)).values({column: at}))


def note_digitized(conn: Connection, code: str, at: datetime) -> None:
    ensure_row(conn, code)
    _earliest(conn, code, "first_digitized_at", at)


def note_event(conn: Connection, kind: str, code: str | None, at: datetime,
               detail: dict[str, Any]) -> None:
    """Update the facts an event changes (``reused`` and ``result`` events)."""
    if code is None or kind not in ("reused", RESULT_KIND):
        return
    ensure_row(conn, code)
    if kind == "reused":
        _earliest(conn, code, "first_reused_at", at)
        return
    _earliest(conn, code, "result_issued_at", at)
    if detail.get("electronic") is True:
        _earliest(conn, code, "result_electronic_at", at)
        _earliest(conn, code, "result_digitized_at", at)
    elif detail.get("digitized") is True:
        _earliest(conn, code, "result_digitized_at", at)


def refresh_digitized(conn: Connection, codes: set[str]) -> None:
    """Recompute ``first_digitized_at`` of these dossiers (after a bulk load)."""
    now = datetime.now(UTC)
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    ordered = sorted(codes)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        conn.execute(dialect_insert(dossiers).on_conflict_do_nothing(
            index_elements=[dossiers.c.code]), [{"code": c, "updated_at": now} for c in chunk])
        first_doc = (select(func.min(documents.c.digitized_at))
                     .where(documents.c.dossier_code == dossiers.c.code).scalar_subquery())
        conn.execute(update(dossiers).where(dossiers.c.code.in_(chunk))
                     .values(first_digitized_at=first_doc))


def refresh_digitized_all(conn: Connection) -> None:
    """Recompute ``first_digitized_at`` of every dossier in two set-based statements
    (after a bulk load into an empty index, where per-batch refreshes would rescan the
    unindexed documents table)."""
    now = datetime.now(UTC)
    doc_codes = (select(documents.c.dossier_code).distinct()
                 .where(documents.c.dossier_code.is_not(None),
                        documents.c.dossier_code.not_in(select(dossiers.c.code))))
    conn.execute(_insert_codes(doc_codes, now))
    firsts = (select(documents.c.dossier_code.label("code"),
                     func.min(documents.c.digitized_at).label("first"))
              .where(documents.c.dossier_code.is_not(None))
              .group_by(documents.c.dossier_code).subquery())
    conn.execute(update(dossiers).where(dossiers.c.code == firsts.c.code)
                 .values(first_digitized_at=firsts.c.first))


def refresh_all(conn: Connection) -> None:
    """Recompute every dossier's facts from the documents and events."""
    now = datetime.now(UTC)
    known = select(dossiers.c.code)
    doc_codes = (select(documents.c.dossier_code).distinct()
                 .where(documents.c.dossier_code.is_not(None),
                        documents.c.dossier_code.not_in(known)))
    conn.execute(_insert_codes(doc_codes, now))
    event_codes = (select(events.c.dossier_code).distinct()
                   .where(events.c.kind.in_(("reused", RESULT_KIND)),
                          events.c.dossier_code.is_not(None),
                          events.c.dossier_code.not_in(known)))
    conn.execute(_insert_codes(event_codes, now))
    first_doc = (select(func.min(documents.c.digitized_at))
                 .where(documents.c.dossier_code == dossiers.c.code).scalar_subquery())
    first_reuse = (select(func.min(events.c.at))
                   .where(and_(events.c.kind == "reused",
                               events.c.dossier_code == dossiers.c.code)).scalar_subquery())
    conn.execute(update(dossiers).values(
        first_digitized_at=first_doc, first_reused_at=first_reuse, result_issued_at=None,
        result_digitized_at=None, result_electronic_at=None))
    results = (select(events.c.dossier_code, events.c.at, events.c.detail_json)
               .where(events.c.kind == RESULT_KIND, events.c.dossier_code.is_not(None))
               .order_by(events.c.id))
    for code, at, detail in conn.execute(results).all():
        note_event(conn, RESULT_KIND, code, at, json.loads(detail or "{}"))


def _insert_codes(codes: Any, now: datetime) -> Any:
    """INSERT INTO dossiers (code, updated_at) SELECT code, now FROM (codes)."""
    sub = codes.subquery()
    return insert(dossiers).from_select(
        ["code", "updated_at"], select(sub.c[0], literal(now, type_=UtcDateTime())))
