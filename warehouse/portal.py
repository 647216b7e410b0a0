"""The national portal's exchange record of one dossier (``sohoa export --format portal``,
``GET /api/reports/portal/{dossier}``).

An export built from what the index stores, never a change to it: our stored metadata
(shared/DESIGN.md "Stored metadata") stays as it is, this module maps it to the shape
systems synchronising with the portal send (``docs/scorecard-sources.md`` cites them):

- ``TaiLieuNop[]``: one item per file of a submitted component (a digitized paper of the
  dossier, or one taken from the warehouse), with the per-file flags as strings:
  ``DuocSoHoa`` "1" (every file we send is a digitized copy), ``DuocTaiSuDung`` "0" (not
  reused), "1" (taken from the warehouse) or "2" (taken from the warehouse *and* it is the
  result of an earlier procedure, named by ``MaKetQuaThayThe``), ``DuocLayTuKhoDMQG`` "0"
  (our warehouse is the province's, not the portal's personal store). ``ThongTinGiayTo``
  carries the paper's own record (the portal's digitized-paper fields: ``MaGiayTo`` the
  portal's result code, ``LoaiDinhDanhCHS`` a number, ``PhamViHieuLuc`` filled ...).
- ``DanhSachGiayToKetQua[]``: the dossier's result files with ``MaGiayToKetQua``.
- ``DinhDanhCHS[]``: the owners, ``{LoaiDinhDanh, SoDinhDanh}`` ("1" a 12-digit personal
  ID, "2" a 9-digit ID card number).
- ``CanhBao``: what could not be filled from a source (a type with no sourced portal
  code, a code outside the legal structure): never silently missing.

``RESULT_CODES`` maps our document types to the portal's result codes where a source gives
one; the JSON Schema ``warehouse/data/portal-dossier.schema.json`` is the contract (tests
validate every record against it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from common.dossier_code import DossierCodeError, parse
from common.vn import VN_TZ, vn_day_start
from pipeline.papers.doctypes import type_name
from reuse_index import DocumentRecord, ReuseIndex
from reuse_index.records import Dossier

SCHEMA_PATH = Path(__file__).parent / "data" / "portal-dossier.schema.json"
PORTAL_FORMAT_VERSION = 1

# Our document type → the portal's result code (mã kết quả, as in the national procedure
# database's MaKetQuaChinh), only where a public source gives it; see
# docs/scorecard-sources.md. Types absent here export MaGiayTo null with a warning.
RESULT_CODES: dict[str, str] = {
    "giay_khai_sinh": "KQ.G15.000031",  # Giấy khai sinh
    "giay_chung_nhan_ket_hon": "KQ.G15.000032",  # Giấy chứng nhận kết hôn
}
# Where a paper is valid (PhamViHieuLuc, required by the portal's digitized-paper record):
# civil-status papers, the citizen ID card and the land-use certificate are valid
# nationwide by law; a stored value (metadata PhamViHieuLuc) wins.
NATIONWIDE = "Toàn quốc"
SCOPE_BY_TYPE: dict[str, str] = {
    "can_cuoc": NATIONWIDE, "giay_khai_sinh": NATIONWIDE,
    "giay_chung_nhan_ket_hon": NATIONWIDE, "giay_xac_nhan_tinh_trang_hon_nhan": NATIONWIDE,
    "giay_chung_nhan_qsdd": NATIONWIDE,
}


def portal_time(moment: datetime | None) -> str | None:
    """``yyyyMMddHHmmss`` in Vietnam time, as the portal's synchronisation sends times."""
    if moment is None:
        return None
    return moment.astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


def id_kind(number: str | None) -> int | None:
    """The portal's kind of personal identifier: 1 a 12-digit personal ID (CCCD), 2 a
    9-digit ID card (CMND); ``None`` when the number is neither."""
    if number is None or not number.isdigit():
        return None
    return {12: 1, 9: 2}.get(len(number))


def _date_text(value: Any) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, str) and value else None


def paper_record(doc: DocumentRecord, warnings: list[str]) -> dict[str, Any]:
    """The portal's digitized-paper fields of one stored document."""
    meta = doc.metadata or {}
    code = RESULT_CODES.get(doc.doc_type)
    if code is None:
        warnings.append(f"{doc.id}: chưa có mã giấy tờ của Cổng cho loại {doc.doc_type} "
                        f"({type_name(doc.doc_type)}); MaGiayTo để trống")
    scope = meta.get("PhamViHieuLuc") or SCOPE_BY_TYPE.get(doc.doc_type) or NATIONWIDE
    if not meta.get("PhamViHieuLuc") and doc.doc_type not in SCOPE_BY_TYPE:
        warnings.append(f"{doc.id}: PhamViHieuLuc ghi mặc định '{NATIONWIDE}' (loại "
                        f"{doc.doc_type} không có phạm vi theo luật trong bảng)")
    owner_kind = id_kind(doc.owner_id)
    if doc.owner_id and owner_kind is None:
        warnings.append(f"{doc.id}: số định danh chủ giấy tờ không phải 12 hay 9 chữ số")
    return {
        "MaGiayTo": code,
        "TenGiayTo": meta.get("TenGiayTo") or type_name(doc.doc_type),
        "LoaiGiayToSohoa": doc.doc_type,
        "SoKyHieu": meta.get("SoKyHieu"),
        "TrichYeuNoiDung": meta.get("TrichYeuNoiDung"),
        "NgayCap": _date_text(meta.get("NgayCap")),
        "ThoiHanHieuLuc": doc.valid_until.isoformat() if doc.valid_until else None,
        "PhamViHieuLuc": scope,
        "MaCoQuan": meta.get("MaCoQuan") or doc.agency_code,
        "TenCoQuan": meta.get("TenCoQuan"),
        "LoaiDinhDanhCHS": owner_kind,
        "MaChuGiayTo": doc.owner_id,
        "TenChuGiayTo": doc.owner_name,
        "NgaySoHoa": portal_time(doc.digitized_at),
        "SHA256": doc.pdf_sha256,
    }


def _file_item(doc: DocumentRecord, *, component: str | None, reused: bool,
               warnings: list[str]) -> dict[str, Any]:
    replacing = RESULT_CODES.get(doc.doc_type) if reused else None
    flag = "0" if not reused else ("2" if replacing else "1")
    return {
        "TepDinhKemId": doc.id,
        "TenTepDinhKem": f"{doc.id}.pdf",
        "IsDeleted": "0",
        "MaThanhPhanHoSo": component or "",
        "DuongDanTaiTepTin": doc.pdf_key or "",
        "DuocSoHoa": "1",
        "DuocTaiSuDung": flag,
        "DuocLayTuKhoDMQG": "0",
        "MaKetQuaThayThe": replacing or "",
        "ThongTinGiayTo": paper_record(doc, warnings),
    }


def dossier_record(index: ReuseIndex, code: str, *,
                   dossier: Dossier | None = None) -> dict[str, Any] | None:
    """The portal exchange record of dossier ``code``; ``None`` when the index knows
    neither the dossier nor any document of it."""
    dossier = dossier or index.get_dossier(code)
    own = index.dossier_documents(code)
    events = index.events(dossier_code=code, kind=("reused", "result"))
    reused_ids = [e.document_id for e in reversed(events)
                  if e.kind == "reused" and e.document_id]
    result_ids = {e.document_id for e in events if e.kind == "result" and e.document_id}
    if dossier is None and not own and not reused_ids:
        return None
    warnings: list[str] = []
    try:
        parse(code)
        conforms = True
    except DossierCodeError:
        conforms = False
        warnings.append(f"mã hồ sơ {code!r} không theo cấu trúc Thông tư 01/2018/TT-VPCP")
    taken = index.get_many(dict.fromkeys(reused_ids))
    component = {d.id: (d.metadata or {}).get("MaThanhPhanHoSo") for d in own}
    files = [_file_item(d, component=component.get(d.id), reused=False, warnings=warnings)
             for d in own if d.id not in result_ids]
    seen = {d.id for d in own}
    files += [_file_item(taken[i], component=None, reused=True, warnings=warnings)
              for i in dict.fromkeys(reused_ids) if i in taken and i not in seen]
    results = [_result_item(d, warnings) for d in own if d.id in result_ids]
    received = dossier.received_at if dossier else None
    return {
        "MaHoSo": code,
        "MaHoSoDungCauTruc": conforms,
        "MaTTHC": (dossier.procedure_code if dossier else None)
        or next((d.procedure_code for d in own if d.procedure_code), None),
        "MaCoQuan": (dossier.agency_code if dossier else None)
        or next((d.agency_code for d in own if d.agency_code), None),
        "NgayTiepNhan": portal_time(received),
        "KenhThucHien": str(dossier.channel) if dossier and dossier.channel else None,
        "HoSoCoThanhPhanSoHoa": "1" if files else "0",
        "TaiLieuNop": files,
        "DanhSachGiayToKetQua": results,
        "DinhDanhCHS": _owners([*own, *taken.values()]),
        "CanhBao": warnings,
    }


def _result_item(doc: DocumentRecord, warnings: list[str]) -> dict[str, Any]:
    return {"TenGiayTo": type_name(doc.doc_type), "MaThanhPhanHoSo": "",
            "GiayToId": doc.id, "DuongDanTepTinKetQua": doc.pdf_key or "",
            "MaGiayToKetQua": RESULT_CODES.get(doc.doc_type),
            "ThongTinGiayTo": paper_record(doc, warnings)}


def _owners(docs: Iterable[DocumentRecord]) -> list[dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for doc in docs:
        kind = id_kind(doc.owner_id)
        if doc.owner_id and kind is not None:
            out.setdefault(doc.owner_id, {"LoaiDinhDanh": str(kind), "SoDinhDanh": doc.owner_id})
    return list(out.values())


def dossier_records(index: ReuseIndex, *, first_day: date, last_day: date,
                    agency: str | None = None) -> list[dict[str, Any]]:
    """The records of the dossiers received ``first_day``..``last_day`` (Vietnam days)."""
    from sqlalchemy import select

    from reuse_index.schema import dossiers

    since, until = vn_day_start(first_day), vn_day_start(date.fromordinal(
        last_day.toordinal() + 1))
    stmt = select(dossiers.c.code).where(dossiers.c.received_at >= since,
                                         dossiers.c.received_at < until)
    if agency is not None:
        stmt = stmt.where(dossiers.c.agency_code == agency)
    with index.snapshot() as conn:
        codes = [row[0] for row in conn.execute(stmt.order_by(dossiers.c.received_at,
                                                              dossiers.c.code))]
    return [r for r in (dossier_record(index, c) for c in codes) if r is not None]


def load_schema() -> dict[str, Any]:
    import json

    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


__all__ = ["PORTAL_FORMAT_VERSION", "RESULT_CODES", "SCHEMA_PATH", "dossier_record",
           "dossier_records", "id_kind", "load_schema", "paper_record", "portal_time"]
