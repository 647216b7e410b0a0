"""Request and response bodies of the HTTP API (pydantic): what ``/openapi.json`` documents.

Building them from index records lives here too, so every endpoint shows a document the
same way: type and its Vietnamese name, owner, key fields, validity, signature.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.papers.doctypes import DOC_TYPES, type_name
from reuse_index import DocumentRecord, Event
from reuse_index.accounts import ROLES

DocType = Literal[tuple(DOC_TYPES)]  # type: ignore[valid-type]
Role = Literal[tuple(ROLES)]  # type: ignore[valid-type]

# The fields worth a glance in a results list, in the order shown.
KEY_FIELDS = ("ho_ten", "so_dinh_danh", "ngay_sinh", "gioi_tinh", "so", "so_ky_hieu",
              "so_phat_hanh", "ngay_ban_hanh", "ngay_dang_ky", "ngay_cap", "co_gia_tri_den",
              "co_quan_ban_hanh", "ho_ten_chong", "ho_ten_vo", "trich_yeu")
MAX_KEY_FIELDS = 6
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"


class ErrorBody(BaseModel):
    code: str = Field(description="unauthenticated, forbidden, not_found, invalid, expired, "
                                  "integrity, locked, unavailable")
    message: str = Field(description="Vietnamese message for the user")
    message_en: str
    errors: list[dict[str, Any]] | None = None


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    csrf_token: str | None = Field(None, description="send as X-CSRF-Token (session only)")
    via: str = Field(description="session or token:<label>")


class DocumentSummary(BaseModel):
    id: str
    type: str
    type_name: str
    owner_id: str | None
    owner_name: str | None
    birth_date: date | None
    key_fields: dict[str, str]
    needs_review: list[str]
    digitized_at: datetime
    valid_until: date | None
    expired: bool
    signed: bool
    pages: int
    dossier_code: str | None
    procedure_code: str | None
    agency_code: str | None
    agency_name: str | None
    thumbnail_url: str | None = Field(
        None, description="search results only: page 1 as a small JPEG (a link for this "
                          "user, valid minutes, like the previews of an opened paper)")


class SearchQuery(BaseModel):
    """A search, sent as the body of ``POST /api/documents/search`` so that personal
    identifiers never appear in URLs (proxy and server access logs keep URLs)."""

    model_config = ConfigDict(extra="forbid")
    owner_id: str | None = Field(None, max_length=32, description="personal ID, exact")
    name: str | None = Field(None, max_length=200, description=(
        "owner's name; case and diacritics ignored, whole words"))
    birth_date: date | None = None
    type: DocType | None = Field(None, description="document type key")
    agency: str | None = Field(None, max_length=64)
    digitized_from: date | None = Field(None, description="first day")
    digitized_to: date | None = Field(None, description="last day")
    text: str | None = Field(None, max_length=300, description=(
        "words in the OCR text or the fields; case and diacritics ignored, every word "
        "must occur, \"quoted words\" as a phrase"))
    number: str | None = Field(None, max_length=100, description=(
        "document number (so_ky_hieu ...), e.g. 576/QĐ-UBND; case, diacritics and spaces "
        "ignored"))
    limit: int = Field(50, ge=1, le=200)


class Snippet(BaseModel):
    text: str = Field(description="a piece of the document's text (as read, with diacritics)")
    highlights: list[tuple[int, int]] = Field(
        description="[start, end) offsets in text of the words the query matched")


class SearchHit(DocumentSummary):
    snippet: Snippet | None = Field(None, description="text searches: where the words are")


class SearchResults(BaseModel):
    results: list[SearchHit]
    count: int
    limit: int


class FieldOut(BaseModel):
    value: Any = None
    confidence: float | None = None
    needs_review: bool = False
    reasons: list[str] = []


class VerificationOut(BaseModel):
    ok: bool
    stored: bool
    hash_ok: bool
    signature: dict[str, Any] | None
    problems: list[str]
    checked_at: datetime


class PreviewLink(BaseModel):
    page: int
    url: str


class EventOut(BaseModel):
    id: int
    kind: str
    at: datetime
    document_id: str | None
    dossier_code: str | None
    actor: str | None
    detail: dict[str, Any]


class DocumentView(BaseModel):
    document: DocumentSummary
    fields: dict[str, FieldOut]
    metadata: dict[str, Any]
    verification: VerificationOut
    previews: list[PreviewLink]
    reuses: list[EventOut]


class DownloadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dossier_code: str | None = Field(None, pattern=CODE_PATTERN,
                                     description="the dossier the copy is for")


class DownloadLink(BaseModel):
    url: str
    expires_at: datetime


class ReuseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dossier_code: str = Field(pattern=CODE_PATTERN, description="the dossier being handled")
    component: str | None = Field(None, max_length=64, description="mã thành phần hồ sơ")
    procedure_code: str | None = Field(None, pattern=r"^\d\.\d{6}$", description="mã TTHC")
    agency_code: str | None = Field(None, pattern=CODE_PATTERN)


class FieldCorrection(BaseModel):
    """An officer's correction of one field (warehouse/corrections.py)."""

    model_config = ConfigDict(extra="forbid")
    value: str = Field(min_length=1, max_length=500,
                       description="the right value (dates dd/mm/yyyy or YYYY-MM-DD)")
    reason: str = Field(min_length=1, max_length=500, description="why (the access log)")


class CorrectionResult(BaseModel):
    id: str
    field: str
    old: Any = None
    new: Any = None
    version: int = Field(description="the metadata version now current (1: as signed)")
    metadata_key: str


class ReuseResult(BaseModel):
    document_id: str
    dossier_code: str
    component: str | None
    event_id: int
    valid_until: date | None
    reused: bool


class DossierOut(BaseModel):
    code: str
    procedure_code: str | None
    agency_code: str | None
    received_at: datetime | None
    channel: int | None


class ReusedPaper(BaseModel):
    event_id: int
    at: datetime
    actor: str | None
    component: str | None
    document_id: str | None
    document: DocumentSummary | None


class DossierRecord(BaseModel):
    code: str
    dossier: DossierOut | None
    documents: list[DocumentSummary]
    reused: list[ReusedPaper]
    events: list[EventOut]


class EventDocument(BaseModel):
    """The paper an access-log event is about, as the auditor reads it."""

    type: str
    type_name: str = Field(description="Vietnamese name of the document type")
    owner_name: str | None = None


class AuditEventOut(EventOut):
    document: EventDocument | None = Field(
        None, description="the paper of document_id (none when the event names no paper, "
                          "or it is no longer in the index)")


class AccessLog(BaseModel):
    events: list[AuditEventOut]
    next_before_id: int | None


class AccountOut(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class AccountList(BaseModel):
    accounts: list[AccountOut]


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,62}$")
    display_name: str = Field("", max_length=200)
    password: str | None = Field(None, max_length=1024,
                                 description="none: an account for API tokens only")
    roles: list[Role] = Field(min_length=1)


class AccountChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(None, max_length=200)
    roles: list[Role] | None = Field(None, min_length=1)
    active: bool | None = None
    password: str | None = Field(None, max_length=1024)


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=100)
    expires_days: int | None = Field(365, ge=1, le=3650, description="none: never expires")


class TokenOut(BaseModel):
    id: str
    username: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewToken(TokenOut):
    token: str = Field(description="shown once; only its SHA-256 is kept")


class TokenList(BaseModel):
    tokens: list[TokenOut]


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    checks: dict[str, str]
    version: str


# -- building -----------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A field's value whether stored plain or as ``{"value": ..., ...}``."""
    return value.get("value") if isinstance(value, dict) else value


def summary(record: DocumentRecord, *, today: date) -> DocumentSummary:
    fields = record.fields or {}
    key_fields: dict[str, str] = {}
    for key in KEY_FIELDS:
        value = plain(fields.get(key))
        if value not in (None, "") and len(key_fields) < MAX_KEY_FIELDS:
            text = str(value)
            key_fields[key] = text if len(text) <= 120 else text[:117] + "…"
    review = sorted(k for k, v in fields.items() if isinstance(v, dict) and v.get("needs_review"))
    return DocumentSummary(
        id=record.id, type=record.doc_type, type_name=type_name(record.doc_type),
        owner_id=record.owner_id, owner_name=record.owner_name,
        birth_date=_date(plain(fields.get("ngay_sinh"))), key_fields=key_fields,
        needs_review=review, digitized_at=record.digitized_at, valid_until=record.valid_until,
        expired=not record.is_valid_on(today), signed=record.signed, pages=record.pages,
        dossier_code=record.dossier_code, procedure_code=record.procedure_code,
        agency_code=record.agency_code,
        agency_name=(record.metadata or {}).get("TenCoQuan"))


def field_out(value: Any) -> FieldOut:
    if not isinstance(value, dict):
        return FieldOut(value=value, confidence=None)
    reasons = [r.get("message") or r.get("code") if isinstance(r, dict) else str(r)
               for r in value.get("reasons") or []]
    confidence = value.get("confidence")
    return FieldOut(value=value.get("value"),
                    confidence=float(confidence) if isinstance(confidence, int | float) else None,
                    needs_review=bool(value.get("needs_review")), reasons=reasons)


def event_out(event: Event) -> EventOut:
    return EventOut(id=event.id, kind=event.kind, at=event.at, document_id=event.document_id,
                    dossier_code=event.dossier_code, actor=event.actor, detail=event.detail)


def audit_events_out(events: list[Event],
                     papers: dict[str, DocumentRecord]) -> list[AuditEventOut]:
    """Events with the type and owner of their paper (``papers``: by document id)."""
    out = []
    for e in events:
        rec = papers.get(e.document_id) if e.document_id else None
        out.append(AuditEventOut(
            **event_out(e).model_dump(),
            document=EventDocument(type=rec.doc_type, type_name=type_name(rec.doc_type),
                                   owner_name=rec.owner_name) if rec else None))
    return out


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None
