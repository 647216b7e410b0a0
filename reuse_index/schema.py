"""The index's tables (SQLAlchemy Core) and the column types shared by SQLite and PostgreSQL.

These ``Table`` objects describe the *current* schema and are what queries use. Migration
version 1 creates them as they are here. Rule for later changes: a new migration step
(``migrations.py``) changes the database, and this file is edited to match; before editing
a table that version 1 creates, freeze a copy of its version-1 definition in
``migrations.py`` so a fresh database still goes through every version.

Conventions: identifiers and codes are ``KEY`` columns (binary "C" collation on PostgreSQL,
so range scans and ordering are byte-wise as on SQLite); datetimes are stored in UTC;
``fields``/``metadata``/``detail`` are JSON text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.types import TypeDecorator, TypeEngine


def key_type() -> TypeEngine[str]:
    """Identifier/code text: binary collation on PostgreSQL whatever the database locale."""
    return String().with_variant(String(collation="C"), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored in UTC; naive datetimes are refused (ambiguous)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: give a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", UtcDateTime, nullable=False),
)

documents = Table(
    "documents", metadata,
    Column("id", key_type(), primary_key=True),
    Column("doc_type", key_type(), nullable=False),
    Column("owner_id", key_type()),
    Column("owner_name", Text),
    Column("birth_date", Date),  # from fields["ngay_sinh"], for search
    Column("fields_json", Text, nullable=False),
    Column("metadata_json", Text, nullable=False),
    Column("pdf_key", Text),
    Column("pdf_sha256", key_type()),
    Column("original_keys_json", Text, nullable=False),
    Column("original_sha256s_json", Text, nullable=False),
    Column("valid_until", Date),
    Column("dossier_code", key_type()),
    Column("procedure_code", key_type()),
    Column("agency_code", key_type()),
    Column("digitized_at", UtcDateTime, nullable=False),
    Column("signed", Boolean, nullable=False),
    Column("pages", Integer, nullable=False),
)

# Every suffix of the owner's folded name tokens (see names.py), for prefix-from-any-token
# search as an index range scan. SQLite: WITHOUT ROWID, so the primary key is the table.
name_terms = Table(
    "name_terms", metadata,
    Column("term", key_type(), nullable=False),
    Column("document_id", key_type(),
           ForeignKey("documents.id", ondelete="CASCADE", name="fk_name_terms_document"),
           nullable=False),
    PrimaryKeyConstraint("term", "document_id", name="pk_name_terms"),
    sqlite_with_rowid=False,
)

# Original file SHA-256 → documents scanned from it. One original (a whole dossier scanned
# into one PDF) can hold several documents, hence (sha256, document_id) as the key.
originals = Table(
    "originals", metadata,
    Column("sha256", key_type(), nullable=False),
    Column("document_id", key_type(),
           ForeignKey("documents.id", ondelete="CASCADE", name="fk_originals_document"),
           nullable=False),
    PrimaryKeyConstraint("sha256", "document_id", name="pk_originals"),
    sqlite_with_rowid=False,
)

dossiers = Table(
    "dossiers", metadata,
    Column("code", key_type(), primary_key=True),
    Column("procedure_code", key_type()),
    Column("agency_code", key_type()),
    Column("received_at", UtcDateTime),
    Column("channel", SmallInteger),
    Column("returns_result", Boolean),
    Column("updated_at", UtcDateTime, nullable=False),
    # Migration 4: the dossier's facts for the indicators, kept up to date by the index as
    # documents and events arrive (and recomputable: ReuseIndex.refresh_dossier_facts).
    Column("first_digitized_at", UtcDateTime),  # first component digitized here
    Column("first_reused_at", UtcDateTime),  # first component reused from the warehouse
    Column("result_issued_at", UtcDateTime),  # result issued (paper or electronic)
    Column("result_digitized_at", UtcDateTime),  # result exists as a digitized/electronic file
    Column("result_electronic_at", UtcDateTime),  # result issued as an electronic file
)
FACT_COLUMNS = ("first_digitized_at", "first_reused_at", "result_issued_at",
                "result_digitized_at", "result_electronic_at")

# Audit log; no foreign keys on purpose: recording an access or a reuse must never fail
# because the document or dossier is indexed elsewhere or later.
events = Table(
    "events", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("kind", key_type(), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("document_id", key_type()),
    Column("dossier_code", key_type()),
    Column("actor", Text),
    Column("detail_json", Text, nullable=False),
)

# Batch work (migration 2): one row per page of an original, and one (page = -1) for
# assembling the original's papers once its pages are done. States: queued, running,
# done, failed (permanent: not retried), dead (retries exhausted).
work = Table(
    "work", metadata,
    Column("sha256", key_type(), nullable=False),
    Column("page", Integer, nullable=False),
    Column("dossier_code", key_type(), nullable=False),
    Column("source", Text, nullable=False),
    Column("pages_total", Integer, nullable=False),
    Column("state", key_type(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("sha256", "page", name="pk_work"),
)

# Accounts of the web service (migration 3). Passwords are stored as Argon2id hashes,
# session and API tokens only as SHA-256 digests (they are long random secrets).
accounts = Table(
    "accounts", metadata,
    Column("username", key_type(), primary_key=True),
    Column("display_name", Text, nullable=False),
    Column("password_hash", Text),  # None: token-only account (a system caller)
    Column("roles", Text, nullable=False),  # comma-separated role names
    Column("active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("last_login_at", UtcDateTime),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", key_type(), primary_key=True),  # public id, part of the token text
    Column("token_sha256", key_type(), nullable=False, unique=True),
    Column("username", key_type(),
           ForeignKey("accounts.username", ondelete="CASCADE", name="fk_api_tokens_account"),
           nullable=False),
    Column("label", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Column("last_used_at", UtcDateTime),
)

sessions = Table(
    "sessions", metadata,
    Column("token_sha256", key_type(), primary_key=True),
    Column("username", key_type(),
           ForeignKey("accounts.username", ondelete="CASCADE", name="fk_sessions_account"),
           nullable=False),
    Column("csrf_token", key_type(), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# Sign-in throttling (migration 6): one row per key, "a:<address>" or
# "u:<username>|a:<address>" (unknown usernames too: same answer for them).
login_throttle = Table(
    "login_throttle", metadata,
    Column("key", key_type(), primary_key=True),
    Column("failures", Integer, nullable=False),  # wrong passwords since the last lock
    Column("locks", Integer, nullable=False),  # locks in a row (the next one lasts longer)
    Column("locked_until", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Full-text search (migration 7, reuse_index/fulltext.py and textindex.py): one row per
# document with its OCR text as read (NFC, for snippets) and ``terms``, what is searched:
# SQLite: the folded words, indexed by the FTS5 table ``document_fts`` (external content,
# kept in sync by triggers); PostgreSQL: a ``tsvector`` of them with a GIN index. ``text``
# is NULL for a document indexed before migration 7 whose text ``sohoa reindex`` has not
# read back from its stored PDF yet (its fields are searchable already).
document_text = Table(
    "document_text", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),  # SQLite: the FTS5 rowid (an INTEGER PRIMARY KEY alias)
    Column("document_id", key_type(),
           ForeignKey("documents.id", ondelete="CASCADE", name="fk_document_text_document"),
           nullable=False, unique=True),
    Column("text", Text),
    Column("terms", Text().with_variant(TSVECTOR(), "postgresql"), nullable=False),
)

# Document numbers (so_ky_hieu, so, ...) folded, without spaces: "576/qd-ubnd".
document_numbers = Table(
    "document_numbers", metadata,
    Column("number", key_type(), nullable=False),
    Column("document_id", key_type(),
           ForeignKey("documents.id", ondelete="CASCADE", name="fk_document_numbers_document"),
           nullable=False),
    PrimaryKeyConstraint("number", "document_id", name="pk_document_numbers"),
    sqlite_with_rowid=False,
)

Index("ix_documents_owner_id", documents.c.owner_id, documents.c.digitized_at)
Index("ix_documents_digitized_at", documents.c.digitized_at)
Index("ix_documents_dossier_code", documents.c.dossier_code)
Index("ix_documents_agency_code", documents.c.agency_code, documents.c.digitized_at)
Index("ix_name_terms_document_id", name_terms.c.document_id)
Index("ix_originals_document_id", originals.c.document_id)
Index("ix_document_numbers_document_id", document_numbers.c.document_id)
Index("ix_dossiers_received_at", dossiers.c.received_at)
Index("ix_dossiers_agency_code", dossiers.c.agency_code, dossiers.c.received_at)
Index("ix_events_document_id", events.c.document_id, events.c.at)
Index("ix_events_dossier_code", events.c.dossier_code, events.c.at)
Index("ix_events_kind_at", events.c.kind, events.c.at)
Index("ix_work_state", work.c.state, work.c.updated_at)
Index("ix_work_dossier", work.c.dossier_code)
IX_API_TOKENS_USERNAME = Index("ix_api_tokens_username", api_tokens.c.username)
IX_SESSIONS_EXPIRES = Index("ix_sessions_expires_at", sessions.c.expires_at)
# Migration 3 also adds ix_events_actor (actor, at) on events, the access log by person, as
# SQL text: an Index object here would make version 1's ``events.create`` build it early.

VERSION_1_TABLES = (documents, name_terms, originals, events)  # + dossiers as frozen in
# migrations.py (version 4 added columns to it)
VERSION_2_TABLES = (work,)
VERSION_3_TABLES = (accounts, api_tokens, sessions)
VERSION_6_TABLES = (login_throttle,)
VERSION_7_TABLES = (document_text, document_numbers)

# What a bulk load into empty tables may drop and rebuild afterwards (see bulk.py).
BULK_TABLES = (documents, name_terms, originals, document_text, document_numbers)
