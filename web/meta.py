"""The domain constants the web page shows: ``GET /api/meta`` (any signed-in role).

The page (``web/static/js/meta.js``) loads them once after sign-in and carries no copies.
What Python already owns is imported from its owner: document types
(``pipeline/papers/doctypes.py``), roles (``reuse_index/accounts.py``, names from
``web/auth.py``), the input patterns the server enforces, the scorecard's indicators and
full-points threshold (``warehouse/scorecard.py``), the OCR review confidence
(``pipeline/papers/fields.py``), event kinds (``reuse_index/records.py``) and the scan file
suffixes (``pipeline/run/batch.py``), and the labels of field keys, portal-metadata keys and
review reasons (``pipeline/papers/labels.py``, shared with the CLI, the reports and the
exports). The Vietnamese labels only the page shows are owned here: event kinds and
actions, search terms, scan job states and reception channels.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from pipeline.papers.doctypes import DOC_TYPES, PERSONAL_ID, PROCEDURE_CODE
from pipeline.papers.fields import REVIEW_CONFIDENCE
from pipeline.papers.labels import FIELD_LABELS, METADATA_LABELS, REASON_NAMES
from pipeline.run.batch import SCAN_SUFFIXES
from reuse_index import EVENT_KINDS, REFUSAL_REASONS
from reuse_index.accounts import ROLES, USERNAME_RE
from warehouse.scorecard import INDICATORS, NAMES_VI, THRESHOLD

from .auth import ROLE_NAMES, Principal, principal
from .models import CODE_PATTERN

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

# An upload's job states (web/scans.py ``ScanJob.state``): name, badge tone, still moving
# (the page keeps asking ``GET /api/scans/{job}``), can still be cancelled here. A job handed
# to the queue's workers still moves: the server follows the workers' pages on every GET
# until each file is assembled (``done`` / ``failed``), but only the workers can stop it.
JOB_STATES: dict[str, tuple[str, Literal["info", "ok", "bad"], bool, bool]] = {
    "queued": ("Đang chờ số hoá", "info", True, True),
    "running": ("Đang số hoá", "info", True, True),
    "done": ("Đã số hoá xong", "ok", False, False),
    "failed": ("Không số hoá được", "bad", False, False),
    "interrupted": ("Bị gián đoạn", "bad", False, False),
    "queued_to_workers": ("Đã chuyển cho hàng đợi xử lý", "info", True, False),
    "cancelled": ("Đã huỷ", "bad", False, False),
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
    cancellable: bool = Field(description="DELETE /api/scans/{job} may still stop it")


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
    refusal_reasons: list[Label] = Field(
        default_factory=list, description="why an attach was refused (``reason_code`` "
                                          "of a reuse_refused event's detail)")


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
        job_states=[JobState(key=k, name=name, tone=tone, active=active, cancellable=stop)
                    for k, (name, tone, active, stop) in JOB_STATES.items()],
        indicators=[Indicator(key=k, name=NAMES_VI[k], ratio=INDICATOR_RATIOS[k])
                    for k in INDICATORS],
        full_points_rate=float(THRESHOLD),
        review_confidence=REVIEW_CONFIDENCE,
        review_reasons=labels(REASON_NAMES),
        refusal_reasons=labels({k: vi for k, (vi, _en) in REFUSAL_REASONS.items()}),
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
