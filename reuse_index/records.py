"""Value objects of the index: ``DocumentRecord``, ``Dossier``, ``Event``, and event kinds.

Plain frozen dataclasses with JSON round trips; they know nothing about the database.
Datetimes are timezone-aware (the index returns them in UTC); dates are ``date``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# ``account``: an admin created or changed an account or API token (the web service).
# ``result``: the dossier's result was issued (detail: electronic / digitized).
# ``merged`` / ``superseded``: split papers joined into a new document (warehouse/merge.py).
# ``corrected``: an officer corrected a field (warehouse/corrections.py).
EVENT_KINDS = frozenset({"received", "digitized", "accessed", "reused", "reuse_refused",
                         "account", "result", "scan_cancelled", "merged", "superseded",
                         "corrected"})
WORK_STATES = ("queued", "running", "done", "failed", "dead")

# Why an attach was refused: ``reason_code`` in a ``reuse_refused`` event's detail, with the
# Vietnamese and English words for it. ``reason`` keeps the English sentence earlier events
# carry ("expired on 2020-01-01", "integrity: sha256 mismatch"), for whoever reads it.
REFUSAL_REASONS: dict[str, tuple[str, str]] = {
    "expired": ("hết hiệu lực", "expired"),
    "integrity": ("không đạt kiểm tra toàn vẹn / chữ ký số", "failed the integrity check"),
}
_LEGACY_EXPIRED = re.compile(r"^expired on (\d{4}-\d{2}-\d{2})$")


def refusal(code: str, *, valid_until: date | None = None,
            problems: Sequence[str] = ()) -> dict[str, Any]:
    """The detail keys of a refused attach: its code, the English sentence, the problems
    an integrity check found (the paper's ``valid_until`` is in the detail already)."""
    if code == "expired":
        if valid_until is None:
            raise ValueError("an expired paper's refusal needs its valid_until")
        return {"reason_code": code, "reason": f"expired on {valid_until.isoformat()}"}
    if code == "integrity":
        return {"reason_code": code, "reason": "integrity: " + ", ".join(problems),
                "problems": list(problems)}
    raise ValueError(f"unknown refusal reason {code!r}")


def refusal_text(detail: Mapping[str, Any], lang: str = "vi") -> str | None:
    """A refused attach's reason as people read it, in Vietnamese (``lang="vi"``) or
    English; events recorded before reason codes are read from their English sentence.
    None when the detail has no reason."""
    reason = str(detail.get("reason") or "")
    code = detail.get("reason_code")
    until = detail.get("valid_until")
    problems = detail.get("problems")
    if code is None:  # recorded before reason codes
        expired = _LEGACY_EXPIRED.match(reason)
        if expired:
            code, until = "expired", expired.group(1)
        elif reason.startswith("integrity: "):
            code, problems = "integrity", reason.removeprefix("integrity: ").split(", ")
    if code not in REFUSAL_REASONS:
        return reason or None
    words = REFUSAL_REASONS[code][0 if lang == "vi" else 1]
    if code == "expired" and until:
        day = date.fromisoformat(str(until)[:10])
        return (f"{words} (có giá trị đến hết ngày {day:%d/%m/%Y})" if lang == "vi"
                else f"{words} (valid until {day.isoformat()})")
    if code == "integrity" and problems:
        return f"{words} ({', '.join(map(str, problems))})"
    return words


@dataclass(frozen=True, kw_only=True)
class DocumentRecord:
    """One digitized document: who it belongs to, what it is, where its files are.

    ``fields`` uses the contract's field keys (``ho_ten``, ``ngay_sinh``, ...; a value may
    be plain or ``{"value": ..., "confidence": ...}``); ``metadata`` the portal's keys
    (``MaGiayTo``, ``ThoiHanHieuLuc``, ...). ``original_sha256s`` are the SHA-256 of the
    original files the document was scanned from (a re-scan of the same bytes finds it).
    Keyword-only construction; ``id``, ``doc_type``, ``owner_id``, ``owner_name`` and
    ``digitized_at`` (timezone-aware) are required. ``text`` is the OCR text to index.
    """

    id: str
    doc_type: str
    owner_id: str | None
    owner_name: str | None
    fields: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    pdf_key: str | None = None
    pdf_sha256: str | None = None
    original_keys: tuple[str, ...] = ()
    original_sha256s: tuple[str, ...] = ()
    valid_until: date | None = None
    dossier_code: str | None = None
    procedure_code: str | None = None
    agency_code: str | None = None
    digitized_at: datetime
    signed: bool = False
    pages: int = 0
    # The OCR text to index for full-text search (pages in order, NFC). Write-only: the
    # index keeps it apart (``ReuseIndex.texts``), records read back carry ``None``, and
    # ``update_document`` with ``None`` keeps the stored text. Not part of ``to_dict``.
    text: str | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (ISO dates and datetimes, lists for tuples)."""
        return {
            "id": self.id, "doc_type": self.doc_type, "owner_id": self.owner_id,
            "owner_name": self.owner_name, "fields": self.fields, "metadata": self.metadata,
            "pdf_key": self.pdf_key, "pdf_sha256": self.pdf_sha256,
            "original_keys": list(self.original_keys),
            "original_sha256s": list(self.original_sha256s),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "dossier_code": self.dossier_code, "procedure_code": self.procedure_code,
            "agency_code": self.agency_code, "digitized_at": self.digitized_at.isoformat(),
            "signed": self.signed, "pages": self.pages,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentRecord:
        """Inverse of ``to_dict``."""
        valid_until = data.get("valid_until")
        return cls(
            id=data["id"], doc_type=data["doc_type"], owner_id=data.get("owner_id"),
            owner_name=data.get("owner_name"),
            digitized_at=datetime.fromisoformat(data["digitized_at"]),
            fields=dict(data.get("fields") or {}), metadata=dict(data.get("metadata") or {}),
            pdf_key=data.get("pdf_key"), pdf_sha256=data.get("pdf_sha256"),
            original_keys=tuple(data.get("original_keys") or ()),
            original_sha256s=tuple(data.get("original_sha256s") or ()),
            valid_until=date.fromisoformat(valid_until) if valid_until else None,
            dossier_code=data.get("dossier_code"), procedure_code=data.get("procedure_code"),
            agency_code=data.get("agency_code"), signed=bool(data.get("signed", False)),
            pages=int(data.get("pages", 0)),
        )

    def is_valid_on(self, day: date) -> bool:
        """False once the paper has expired (``ThoiHanHieuLuc``); reuse must refuse it."""
        return self.valid_until is None or day <= self.valid_until


@dataclass(frozen=True)
class Dossier:
    """A dossier (hồ sơ) handled at the counter, the denominator of the indicators."""

    code: str
    procedure_code: str | None
    agency_code: str | None
    received_at: datetime | None
    channel: int | None
    returns_result: bool | None


@dataclass(frozen=True)
class Event:
    """One audit event: a dossier received, a document digitized, accessed or reused."""

    id: int
    kind: str
    at: datetime
    document_id: str | None
    dossier_code: str | None
    actor: str | None
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "at": self.at.isoformat(),
                "document_id": self.document_id, "dossier_code": self.dossier_code,
                "actor": self.actor, "detail": self.detail}
