"""The domain constants the web page shows: ``GET /api/meta`` (any signed-in role).

The page (``web/static/js/meta.js``) loads them once after sign-in and carries no copies.
What Python already owns is imported from its owner: document types
(``pipeline/papers/doctypes.py``), roles (``reuse_index/accounts.py``, names from
``web/auth.py``), the input patterns the server enforces, the scorecard's indicators and
full-points threshold (``warehouse/scorecard.py``), the OCR review confidence
(``pipeline/papers/fields.py``), event kinds (``reuse_index/records.py``) and the scan file
suffixes (``pipeline/run/batch.py``). The Vietnamese labels only the page shows are owned
here: field keys, portal-metadata keys, review reasons, event kinds and actions, search
terms, scan job states and reception channels.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from pipeline.papers.doctypes import DOC_TYPES, PERSONAL_ID, PROCEDURE_CODE
from pipeline.papers.fields import REVIEW_CONFIDENCE
from pipeline.run.batch import SCAN_SUFFIXES
from reuse_index import EVENT_KINDS
from reuse_index.accounts import ROLES, USERNAME_RE
from warehouse.scorecard import INDICATORS, NAMES_VI, THRESHOLD

from .auth import ROLE_NAMES, Principal, principal
from .models import CODE_PATTERN

# The contract's field keys (shared/DESIGN.md), as labelled on the page, in the order a
# document's fields are shown (keys without a label follow, sorted).
FIELD_LABELS: dict[str, str] = {
    "ho_ten": "Họ và tên",
    "so_dinh_danh": "Số định danh",
    "ngay_sinh": "Ngày sinh",
    "ngay_sinh_bang_chu": "Ngày sinh (bằng chữ)",
    "nam_sinh": "Năm sinh",
    "gioi_tinh": "Giới tính",
    "dan_toc": "Dân tộc",
    "quoc_tich": "Quốc tịch",
    "que_quan": "Quê quán",
    "noi_sinh": "Nơi sinh",
    "noi_thuong_tru": "Nơi thường trú",
    "noi_cu_tru": "Nơi cư trú",
    "dac_diem_nhan_dang": "Đặc điểm nhận dạng",
    "co_gia_tri_den": "Có giá trị đến",
    "so": "Số",
    "so_ky_hieu": "Số, ký hiệu",
    "so_hieu": "Số hiệu",
    "so_phat_hanh": "Số phát hành",
    "so_vao_so": "Số vào sổ",
    "ngay_cap": "Ngày cấp",
    "noi_cap": "Nơi cấp",
    "ngay_ban_hanh": "Ngày ban hành",
    "ngay_dang_ky": "Ngày đăng ký",
    "ngay_ghi": "Ngày ghi",
    "ngay_lam": "Ngày làm",
    "co_quan_ban_hanh": "Cơ quan ban hành",
    "co_quan_chu_quan": "Cơ quan chủ quản",
    "loai_van_ban": "Loại văn bản",
    "trich_yeu": "Trích yếu",
    "ho_ten_me": "Họ tên mẹ",
    "ho_ten_cha": "Họ tên cha",
    "ho_ten_chong": "Họ tên chồng",
    "ho_ten_vo": "Họ tên vợ",
    "ho_ten_nguoi_di_khai_sinh": "Người đi khai sinh",
    "noi_dang_ky_khai_sinh": "Nơi đăng ký khai sinh",
    "noi_dang_ky_ket_hon": "Nơi đăng ký kết hôn",
    "tinh_trang_hon_nhan": "Tình trạng hôn nhân",
    "nguoi_yeu_cau": "Người yêu cầu",
    "thua_dat_so": "Thửa đất số",
    "to_ban_do_so": "Tờ bản đồ số",
}

# The portal's metadata keys (``pipeline/scan.py`` ``portal_metadata``), as labelled.
METADATA_LABELS: dict[str, str] = {
    "MaGiayTo": "Mã loại giấy tờ",
    "TenGiayTo": "Tên giấy tờ",
    "SoKyHieu": "Số, ký hiệu",
    "TrichYeuNoiDung": "Trích yếu nội dung",
    "NgayCap": "Ngày cấp",
    "ThoiHanHieuLuc": "Thời hạn hiệu lực",
    "PhamViHieuLuc": "Phạm vi hiệu lực",
    "MaCoQuan": "Mã cơ quan số hoá",
    "TenCoQuan": "Tên cơ quan số hoá",
    "CoQuanBanHanh": "Cơ quan ban hành",
    "LoaiDinhDanhCHS": "Loại định danh chủ sở hữu",
    "MaChuGiayTo": "Mã chủ giấy tờ",
    "TenChuGiayTo": "Tên chủ giấy tờ",
    "NgaySoHoa": "Ngày số hoá",
    "MaHoSo": "Mã hồ sơ",
    "MaTTHC": "Mã thủ tục hành chính",
    "MaThanhPhanHoSo": "Mã thành phần hồ sơ",
    "DuocSoHoa": "Được số hoá",
    "DuocTaiSuDung": "Được tái sử dụng",
    "SHA256": "Mã băm SHA-256 (bản PDF)",
    "SHA256BanGoc": "Mã băm SHA-256 (bản quét gốc)",
    "CanKiemTra": "Trường cần kiểm tra",
    "DoTinCayOCR": "Độ tin cậy OCR từng trang",  # a sohoa extension (warehouse/review.py)
    # a corrected field's metadata version (warehouse/corrections.py)
    "PhienBan": "Phiên bản siêu dữ liệu",
    "SuaDoi": "Lần sửa gần nhất",
    "MetadataTruoc": "Mã băm phiên bản trước",
}

# Why a field was marked for review: the ``Problem`` codes of pipeline/papers/fields.py and
# pipeline/papers/validate.py, in a few words.
REASON_NAMES: dict[str, str] = {
    "low_confidence": "đọc không chắc chắn",
    "readings_differ": "hai lần đọc khác nhau",
    "disagrees": "không khớp thông tin khác",
    "date_invalid": "ngày không hợp lệ",
    "date_future": "ngày ở tương lai",
    "date_implausible": "ngày không hợp lý",
    "id_format": "số định danh sai dạng",
    "id_province": "mã tỉnh không có trong danh mục",
    "id_century": "chữ số thế kỷ không khớp",
    "id_sex": "chữ số giới tính không khớp",
    "id_year": "năm sinh không khớp số định danh",
    "name_length": "họ tên sai độ dài",
    "name_family": "họ ít gặp",
    "name_syllable": "không phải tiếng Việt",
    "name_partial": "có chữ không đọc được cạnh họ tên",
    "name_corrected": "họ đã được sửa tự động",
    "not_in_list": "không có trong danh mục",
    "format": "sai dạng",
    "handwritten": "viết tay, cần nhập hoặc kiểm tra",
    "unreadable": "có phần không đọc được (dấu ?)",
    "spelling": "có chữ đọc không chắc chắn",
}

# The access log's event kinds (``reuse_index.EVENT_KINDS``), in the order offered.
KIND_NAMES: dict[str, str] = {
    "accessed": "Truy cập",
    "reused": "Gắn vào hồ sơ",
    "reuse_refused": "Từ chối gắn vào hồ sơ",
    "received": "Tiếp nhận hồ sơ",
    "digitized": "Số hoá",
    "result": "Trả kết quả",
    "account": "Tài khoản",
    "scan_cancelled": "Huỷ lượt số hoá",
    "merged": "Gộp giấy tờ",
    "superseded": "Đã gộp vào giấy tờ khác",
    "corrected": "Sửa trường",
}

# ``detail.action`` of ``accessed`` and ``account`` events (recorded by web/*.py).
ACTION_NAMES: dict[str, str] = {
    "search": "Tra cứu",
    "view": "Xem giấy tờ",
    "download": "Tải bản PDF",
    "dossier": "Xem hồ sơ",
    "export": "Xuất nhật ký",
    "create": "Tạo tài khoản",
    "change": "Sửa tài khoản",
    "token_issued": "Cấp mã truy cập API",
    "token_revoked": "Thu hồi mã truy cập API",
    "report": "Xem báo cáo chỉ số",
    "portal": "Xem hồ sơ theo mẫu trao đổi của Cổng DVCQG",
    "review": "Xem danh sách cần xem lại (OCR)",
}

# The search and filter terms recorded in ``detail.query`` / ``detail.filters``.
TERM_NAMES: dict[str, str] = {
    "owner_id": "số định danh",
    "name": "họ tên",
    "birth_date": "ngày sinh",
    "type": "loại",
    "agency": "cơ quan",
    "digitized_from": "từ ngày",
    "digitized_to": "đến ngày",
    "text": "nội dung",
    "number": "số, ký hiệu",
    "since": "từ",
    "until": "đến",
    "actor": "người",
    "document_id": "giấy tờ",
    "dossier_code": "hồ sơ",
    "kind": "loại",
    "action": "hành động",
}

# An upload's job states (web/scans.py ``ScanJob.state``): name, badge tone, still moving.
JOB_STATES: dict[str, tuple[str, Literal["info", "ok", "bad"], bool]] = {
    "queued": ("Đang chờ số hoá", "info", True),
    "running": ("Đang số hoá", "info", True),
    "done": ("Đã số hoá xong", "ok", False),
    "failed": ("Không số hoá được", "bad", False),
    "interrupted": ("Bị gián đoạn", "bad", False),
    "queued_to_workers": ("Đã chuyển cho hàng đợi xử lý", "ok", False),
    "cancelled": ("Đã huỷ", "bad", False),
}

# What each scorecard rate counts (numerator / denominator).
INDICATOR_RATIOS: dict[str, str] = {
    "digitization": "hồ sơ đã số hoá / hồ sơ tiếp nhận",
    "reuse": "hồ sơ tái sử dụng dữ liệu số hoá / hồ sơ tiếp nhận",
    "electronic_results": "hồ sơ có tệp kết quả điện tử / hồ sơ tiếp nhận (Cổng DVCQG)",
}

# How a dossier was received (``Dossier.channel``; ``sohoa batch`` column ``channel``).
CHANNELS: dict[int, str] = {1: "Trực tiếp tại Bộ phận Một cửa", 2: "Trực tuyến",
                            3: "Bưu chính"}


class Label(BaseModel):
    key: str
    name: str = Field(description="Vietnamese, as shown")


class JobState(Label):
    tone: Literal["info", "ok", "bad"] = Field(description="badge colour")
    active: bool = Field(description="still moving: the page keeps following the job")


class Indicator(Label):
    ratio: str = Field(description="what the rate counts: numerator / denominator")


class Channel(BaseModel):
    code: int
    name: str


class Patterns(BaseModel):
    """The input patterns the server enforces (JavaScript-compatible regular expressions)."""

    dossier_code: str
    agency_code: str
    procedure_code: str = Field(description="mã TTHC, e.g. 1.001193")
    username: str
    personal_id: str = Field(description="số định danh cá nhân: 12 digits")


class Meta(BaseModel):
    """The domain constants of the web page; lists are in the order shown."""

    doc_types: list[Label]
    roles: list[Label]
    patterns: Patterns
    job_states: list[JobState]
    indicators: list[Indicator]
    full_points_rate: float = Field(description="percent: an indicator at or above it earns "
                                                "full points")
    review_confidence: float = Field(description="default OCR review threshold (0..1)")
    review_reasons: list[Label]
    field_labels: list[Label] = Field(description="the contract's field keys")
    metadata_labels: list[Label] = Field(description="the portal-metadata keys")
    event_kinds: list[Label]
    event_actions: list[Label]
    search_terms: list[Label] = Field(description="query and filter keys in event details")
    channels: list[Channel]
    scan_suffixes: list[str] = Field(description="file types the scanners read")


router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/meta", response_model=Meta,
            summary="Domain constants for the web page (types, roles, patterns, labels)")
async def meta(who: Annotated[Principal, Depends(principal)]) -> Meta:
    # async: nothing to wait for; the answer is built once per process
    return build_meta()


@cache
def build_meta() -> Meta:
    def labels(names: dict[str, str]) -> list[Label]:
        return [Label(key=k, name=v) for k, v in names.items()]

    kinds = [k for k in KIND_NAMES if k in EVENT_KINDS] + sorted(EVENT_KINDS - set(KIND_NAMES))
    return Meta(
        doc_types=labels(DOC_TYPES),
        roles=[Label(key=r, name=_capitalized(ROLE_NAMES.get(r, r))) for r in ROLES],
        patterns=Patterns(dossier_code=CODE_PATTERN, agency_code=CODE_PATTERN,
                          procedure_code=PROCEDURE_CODE.pattern,
                          username=USERNAME_RE.pattern, personal_id=PERSONAL_ID.pattern),
        job_states=[JobState(key=k, name=name, tone=tone, active=active)
                    for k, (name, tone, active) in JOB_STATES.items()],
        indicators=[Indicator(key=k, name=NAMES_VI[k], ratio=INDICATOR_RATIOS[k])
                    for k in INDICATORS],
        full_points_rate=float(THRESHOLD),
        review_confidence=REVIEW_CONFIDENCE,
        review_reasons=labels(REASON_NAMES),
        field_labels=labels(FIELD_LABELS),
        metadata_labels=labels(METADATA_LABELS),
        event_kinds=[Label(key=k, name=KIND_NAMES.get(k, k)) for k in kinds],
        event_actions=labels(ACTION_NAMES),
        search_terms=labels(TERM_NAMES),
        channels=[Channel(code=c, name=n) for c, n in CHANNELS.items()],
        scan_suffixes=sorted(s.lstrip(".") for s in SCAN_SUFFIXES),
    )


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]
