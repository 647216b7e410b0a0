"""Correcting a field an officer checked (``sohoa fix``, ``PATCH /api/documents/{id}/
fields/{key}``): the value read by OCR is replaced by the one the officer typed, with a
reason, and nothing signed is touched.

Versions of the metadata (checked by warehouse/integrity.py):

- ``<id>.json`` — version 1, the metadata the signed PDF is bound to (common/binding.py);
  it never changes.
- ``<id>.v2.json``, ``<id>.v3.json``, … — one write-once file per correction: the whole
  metadata, plus ``PhienBan`` (its version number), ``SuaDoi`` (field, old, new, reason,
  by, at) and ``MetadataTruoc`` (``metadata_digest`` of the previous version): a hash
  chain from what was signed to what the index shows.

The index row carries the latest version's metadata and the corrected field (value,
``needs_review`` cleared, who and when), so search, the review list and the portal
metadata show the current value; a ``corrected`` event records who, old, new and why.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from common.binding import metadata_digest
from common.errors import DocumentIntegrityError, InvalidRequestError
from common.vn import VN_TZ
from reuse_index import DocumentRecord
from reuse_index.rows import field_value
from storage import ObjectExistsError
from warehouse.access import Warehouse
from warehouse.integrity import PREVIOUS_KEY, VERSION_KEY, Parts, row_version

log = logging.getLogger(__name__)

CHANGE_KEY = "SuaDoi"
REVIEW_KEY = "CanKiemTra"
FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
ID_KEY = re.compile(r"^so_dinh_danh(_\w+)?$")
MAX_VALUE = 500

# portal metadata key → the fields it is read from, first present wins (pipeline/scan.py
# ``portal_metadata``): a correction of one of these fields updates the portal key too
PORTAL_FROM_FIELDS: dict[str, tuple[str, ...]] = {
    "SoKyHieu": ("so_ky_hieu", "so", "so_phat_hanh"),
    "TrichYeuNoiDung": ("trich_yeu",),
    "NgayCap": ("ngay_cap", "ngay_ban_hanh", "ngay_dang_ky"),
    "CoQuanBanHanh": ("co_quan_ban_hanh",),
}


class CorrectionError(InvalidRequestError):
    message_vi = "Không sửa được trường"
    message_en = "The field cannot be corrected"


@dataclass(frozen=True)
class Correction:
    """What one correction did."""

    document_id: str
    field: str
    old: Any
    new: Any
    version: int
    metadata_key: str
    record: DocumentRecord

    def to_json(self) -> dict[str, Any]:
        return {"id": self.document_id, "field": self.field, "old": self.old,
                "new": self.new, "version": self.version, "metadata_key": self.metadata_key}


def is_date_key(key: str) -> bool:
    return key.startswith("ngay_") or key == "co_gia_tri_den"


def clean_value(key: str, value: str) -> str:
    """The typed value, NFC, checked and in the stored form (dates ISO)."""
    text = unicodedata.normalize("NFC", " ".join(str(value).split()))
    if not text:
        raise CorrectionError(detail="giá trị mới đang trống")
    if len(text) > MAX_VALUE:
        raise CorrectionError(detail=f"giá trị quá dài (tối đa {MAX_VALUE} ký tự)")
    if ID_KEY.match(key):
        digits = text.replace(" ", "")
        if not re.fullmatch(r"\d{12}", digits):
            raise CorrectionError(detail="số định danh phải có đúng 12 chữ số")
        return digits
    if key == "gioi_tinh":
        sex = {"nam": "Nam", "nu": "Nữ", "nữ": "Nữ"}.get(text.lower())
        if sex is None:
            raise CorrectionError(detail="giới tính là Nam hoặc Nữ")
        return sex
    if is_date_key(key) and re.match(r"^\d", text):
        return _iso_date(text)
    return text


def _iso_date(text: str) -> str:
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise CorrectionError(detail=f"ngày {text!r} phải có dạng dd/mm/yyyy")


def correct_field(warehouse: Warehouse, doc_id: str, key: str, value: str, *, actor: str,
                  reason: str, via: str | None = None) -> Correction:
    """Correct one field of a stored document (see the module docstring)."""
    if not FIELD_KEY.match(key or ""):
        raise CorrectionError(detail=f"khoá trường {key!r} không hợp lệ (ví dụ: ngay_sinh)")
    reason = unicodedata.normalize("NFC", " ".join((reason or "").split()))
    if not reason:
        raise CorrectionError(detail="cần ghi lý do sửa")
    record = warehouse.document(doc_id)
    if record.pdf_key is None:
        raise CorrectionError(detail=f"{doc_id}: giấy tờ không có bản lưu")
    check, _ = warehouse.verify(record, originals=False)
    if not check.ok:  # never chain a new version onto metadata that was tampered with
        raise DocumentIntegrityError(detail=", ".join(check.problems))
    new = clean_value(key, value)
    old = field_value(record.fields, key)
    if old == new and not _needs_review(record.fields.get(key)):
        raise CorrectionError(detail="giá trị mới giống giá trị đang lưu")
    now = datetime.now(UTC)
    at = now.astimezone(VN_TZ).isoformat(timespec="seconds")
    fields = dict(record.fields)
    fields[key] = {"value": new, "confidence": 1.0, "needs_review": False,
                   "corrected": {"by": actor, "at": at, "old": old, "reason": reason}}
    record = _owner_and_validity(record, key, old, new)
    record = replace(record, fields=fields)
    previous = record.metadata
    version = row_version(previous) + 1
    metadata = {**previous, **_portal_keys(record, key)}
    metadata[REVIEW_KEY] = sorted(k for k, v in fields.items()
                                  if isinstance(v, dict) and v.get("needs_review"))
    metadata[VERSION_KEY] = version
    metadata[CHANGE_KEY] = {"field": key, "old": old, "new": new, "reason": reason,
                            "by": actor, "at": at}
    metadata[PREVIOUS_KEY] = metadata_digest(previous)
    record = replace(record, metadata=metadata)
    meta_key = Parts.of(record).version_key(version)
    body = json.dumps(metadata, ensure_ascii=False, indent=1).encode()
    try:
        warehouse.store.put_bytes(meta_key, body, content_type="application/json")
    except ObjectExistsError as exc:  # another officer corrected it at the same moment
        raise CorrectionError(detail="giấy tờ vừa được người khác sửa; tải lại rồi sửa "
                                     "lại") from exc
    warehouse.index.update_document(record)
    warehouse.index.record_event(
        "corrected", document_id=record.id, dossier_code=record.dossier_code, actor=actor,
        detail={"action": "fix", "field": key, "old": old, "new": new, "reason": reason,
                "version": version, **({"via": via} if via else {})})
    log.info("corrected field %s of %s (metadata version %d)", key, record.id, version)
    return Correction(record.id, key, old, new, version, meta_key, record)


def _needs_review(value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("needs_review"))


def _owner_and_validity(record: DocumentRecord, key: str, old: Any, new: str
                        ) -> DocumentRecord:
    """The row's owner and validity follow a corrected field they were read from."""
    if key == "so_dinh_danh" and record.owner_id in (None, old):
        record = replace(record, owner_id=new)
    elif key == "ho_ten" and record.owner_name in (None, old):
        record = replace(record, owner_name=new)
    elif key == "co_gia_tri_den":
        try:
            record = replace(record, valid_until=date.fromisoformat(new))
        except ValueError:  # "Không thời hạn": valid without end
            record = replace(record, valid_until=None)
    return record


def _portal_keys(record: DocumentRecord, key: str) -> dict[str, Any]:
    """The portal metadata keys the corrected field feeds."""
    out: dict[str, Any] = {}
    for portal, sources in PORTAL_FROM_FIELDS.items():
        if key in sources:
            out[portal] = next((field_value(record.fields, k) for k in sources
                                if field_value(record.fields, k)), None)
    if key in ("so_dinh_danh", "ho_ten"):
        out.update(MaChuGiayTo=record.owner_id, TenChuGiayTo=record.owner_name,
                   LoaiDinhDanhCHS="CCCD" if record.owner_id else None)
    if key == "co_gia_tri_den":
        out["ThoiHanHieuLuc"] = record.valid_until.isoformat() if record.valid_until else None
    return out
