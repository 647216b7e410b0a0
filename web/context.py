"""What every request handler shares: the warehouse, the link signer, errors, the clock.

``Service`` is built once per server process by ``create_app`` and kept in
``app.state.service``; handlers reach it through the ``service`` dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request

from pipeline.config import Settings
from pipeline.warehouse import Warehouse

from .security import LinkSigner

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SESSION_HOURS = 10  # one working day; then sign in again
PREVIEW_TTL_S = 600
DOWNLOAD_TTL_S = 300
LOCK_AFTER_FAILURES = 5
LOCK_MINUTES = 5


class ApiError(Exception):
    """An error answer: HTTP status, code, Vietnamese and English messages."""

    def __init__(self, status: int, code: str, message: str, message_en: str, *,
                 errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message_en)
        self.status, self.code = status, code
        self.message, self.message_en = message, message_en
        self.errors, self.headers = errors, headers

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message,
                               "message_en": self.message_en}
        if self.errors is not None:
            out["errors"] = self.errors
        return out


def not_found(what: str = "tài liệu", what_en: str = "document") -> ApiError:
    return ApiError(404, "not_found", f"Không tìm thấy {what}", f"No such {what_en}")


def invalid(message: str, message_en: str) -> ApiError:
    return ApiError(422, "invalid", message, message_en)


@dataclass
class Service:
    settings: Settings
    warehouse: Warehouse
    links: LinkSigner
    cache_dir: Path
    download_mode: str  # "presigned" (S3 URL) or "server" (signed link to this server)
    jobs: Any = None  # scans.Jobs: uploads being digitized

    def close(self) -> None:
        if self.jobs is not None:
            self.jobs.close()
        self.warehouse.close()

    @staticmethod
    def today() -> date:
        return datetime.now(VN_TZ).date()

    def record(self, kind: str, request: Request, *, actor: str, via: str,
               document_id: str | None = None, dossier_code: str | None = None,
               **detail: Any) -> int:
        """Append to the access log: who, when, which document, for which dossier, how."""
        detail = {k: v for k, v in detail.items() if v is not None}
        detail.update(via=via, ip=request.client.host if request.client else None)
        return self.warehouse.index.record_event(kind, document_id=document_id,
                                                 dossier_code=dossier_code, actor=actor,
                                                 detail=detail)


def service(request: Request) -> Service:
    return request.app.state.service


def day_range(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Whole Vietnamese days ``start``..``end`` (inclusive) as [from, to) datetimes."""
    since = datetime.combine(start, datetime.min.time(), VN_TZ) if start else None
    until = (datetime.combine(end + timedelta(days=1), datetime.min.time(), VN_TZ)
             if end and end < date.max else None)
    return since, until
