"""Mapping between value objects and table rows: NFC on the way in, JSON text, parsing.

Every string that enters the index (names, fields, metadata, codes, event details) is
normalised to Unicode NFC here; identifiers lose surrounding whitespace, personal ID
numbers lose all whitespace, SHA-256 digests are lowercased.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from .names import name_terms
from .records import DocumentRecord, Dossier, Event
from .textindex import number_rows, text_row

_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
_SPACES = re.compile(r"\s+")


def clean_key(value: str | None) -> str | None:
    """An identifier or code: NFC, stripped; empty becomes ``None``."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value).strip()
    return text or None


def clean_owner_id(value: str | None) -> str | None:
    """A personal ID number as stored and searched: NFC, no whitespace at all."""
    if value is None:
        return None
    return _SPACES.sub("", unicodedata.normalize("NFC", value)) or None


def clean_sha256(value: str) -> str:
    return value.strip().lower()


def aware(value: datetime | None, what: str) -> datetime | None:
    """``value`` unchanged if timezone-aware (or ``None``); a naive datetime is refused."""
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default)


def to_json(value: Any) -> str:
    """Compact JSON text in NFC (dict keys and every string value included).

    Normalising the whole text equals normalising each string: JSON's structural
    characters never compose with a neighbouring combining mark.
    """
    text = _ENCODER.encode(value)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def field_value(fields: Mapping[str, Any], key: str) -> Any:
    """A field's value, whether stored plain or as ``{"value": ..., "confidence": ...}``."""
    value = fields.get(key)
    if isinstance(value, Mapping):
        return value.get("value")
    return value


def parse_date(value: Any) -> date | None:
    """ISO ``YYYY-MM-DD`` or day-first ``dd/mm/yyyy``; anything else → ``None``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        pass
    match = _DAY_FIRST.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return None


def document_row(rec: DocumentRecord) -> dict[str, Any]:
    """The ``documents`` row of a record (NFC, JSON text, derived birth date)."""
    owner_name = clean_key(rec.owner_name)
    return {
        "id": clean_key(rec.id), "doc_type": clean_key(rec.doc_type),
        "owner_id": clean_owner_id(rec.owner_id), "owner_name": owner_name,
        "birth_date": parse_date(field_value(rec.fields, "ngay_sinh")),
        "fields_json": to_json(rec.fields), "metadata_json": to_json(rec.metadata),
        "pdf_key": clean_key(rec.pdf_key),
        "pdf_sha256": clean_sha256(rec.pdf_sha256) if rec.pdf_sha256 else None,
        "original_keys_json": to_json(list(rec.original_keys)),
        "original_sha256s_json": to_json([clean_sha256(s) for s in rec.original_sha256s]),
        "valid_until": rec.valid_until, "dossier_code": clean_key(rec.dossier_code),
        "procedure_code": clean_key(rec.procedure_code),
        "agency_code": clean_key(rec.agency_code),
        "digitized_at": aware(rec.digitized_at, "digitized_at"),
        "signed": bool(rec.signed), "pages": int(rec.pages),
    }


class IndexRows(NamedTuple):
    """Everything one document writes: its row, its name terms, its originals, its
    full-text row and its document numbers."""

    document: dict[str, Any]
    terms: list[dict[str, str]]
    originals: list[dict[str, str]]
    text: dict[str, Any]
    numbers: list[dict[str, str]]


def index_rows(rec: DocumentRecord, *, dialect: str = "sqlite") -> IndexRows:
    """The rows ``rec`` adds to ``documents``, ``name_terms``, ``originals``,
    ``document_text`` (its ``terms`` in ``dialect``'s form) and ``document_numbers``."""
    row = document_row(rec)
    doc_id = row["id"]
    terms = [{"term": t, "document_id": doc_id} for t in name_terms(row["owner_name"])]
    digests = dict.fromkeys(clean_sha256(s) for s in rec.original_sha256s)
    originals = [{"sha256": sha, "document_id": doc_id} for sha in digests]
    return IndexRows(row, terms, originals,
                     text_row(dialect, doc_id, rec.text, row["owner_name"], rec.fields),
                     number_rows(doc_id, rec.fields))


def record_from_row(row: Mapping[str, Any]) -> DocumentRecord:
    """A ``DocumentRecord`` from a ``documents`` row mapping."""
    return DocumentRecord(
        id=row["id"], doc_type=row["doc_type"], owner_id=row["owner_id"],
        owner_name=row["owner_name"], fields=json.loads(row["fields_json"]),
        metadata=json.loads(row["metadata_json"]), pdf_key=row["pdf_key"],
        pdf_sha256=row["pdf_sha256"],
        original_keys=tuple(json.loads(row["original_keys_json"])),
        original_sha256s=tuple(json.loads(row["original_sha256s_json"])),
        valid_until=row["valid_until"], dossier_code=row["dossier_code"],
        procedure_code=row["procedure_code"], agency_code=row["agency_code"],
        digitized_at=row["digitized_at"], signed=bool(row["signed"]), pages=row["pages"],
    )


def dossier_from_row(row: Mapping[str, Any]) -> Dossier:
    return Dossier(code=row["code"], procedure_code=row["procedure_code"],
                   agency_code=row["agency_code"], received_at=row["received_at"],
                   channel=row["channel"], returns_result=row["returns_result"])


def event_from_row(row: Mapping[str, Any]) -> Event:
    return Event(id=int(row["id"]), kind=row["kind"], at=row["at"],
                 document_id=row["document_id"], dossier_code=row["dossier_code"],
                 actor=row["actor"], detail=json.loads(row["detail_json"]))
