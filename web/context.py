"""What every request handler shares: the warehouse, the link signer, errors, the clock.

``Service`` is built once per server process by ``create_app`` and kept in
``app.state.service``; handlers reach it through the ``service`` dependency.

The access log is written two ways: ``record`` (before answering; attaches, refusals,
account changes, exports) and ``record_read`` (the reads: searches, views, download
links), buffered per process by ``eventlog.EventWriter``. Whatever reads the log calls
``flush_events`` first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request

from common.settings import Settings
from common.vn import vn_day_start, vn_today
from warehouse.access import Warehouse

from .eventlog import EventWriter
from .security import LinkSigner

log = logging.getLogger(__name__)

SESSION_HOURS = 10  # one working day; then sign in again
PREVIEW_TTL_S = 600
DOWNLOAD_TTL_S = 300


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
    events: EventWriter = field(init=False)  # the reads' access-log events, buffered

    def __post_init__(self) -> None:
        self.events = EventWriter(self.warehouse.index)

    def close(self) -> None:
        try:
            self.events.close()  # while the index is still open
        finally:
            if self.jobs is not None:
                self.jobs.close()
            self.warehouse.close()

    @staticmethod
    def today() -> date:
        return vn_today()

    def record(self, kind: str, request: Request, *, actor: str, via: str,
               document_id: str | None = None, dossier_code: str | None = None,
               **detail: Any) -> int:
        """Append to the access log: who, when, which document, for which dossier, how."""
        detail = {k: v for k, v in detail.items() if v is not None}
        detail.update(via=via, ip=request.client.host if request.client else None)
        return self.warehouse.index.record_event(kind, document_id=document_id,
                                                 dossier_code=dossier_code, actor=actor,
                                                 detail=detail)

    def record_read(self, request: Request, *, actor: str, via: str, action: str,
                    document_id: str | None = None, dossier_code: str | None = None,
                    **detail: Any) -> None:
        """An ``accessed`` event of a read (search, view, download link), stamped now and
        written with others (within about 0.1 s; at once when the service is idle)."""
        detail = {"action": action, **{k: v for k, v in detail.items() if v is not None}}
        detail.update(via=via, ip=request.client.host if request.client else None)
        self.events.record("accessed", document_id=document_id, dossier_code=dossier_code,
                           actor=actor, detail=detail)

    def flush_events(self) -> None:
        """Before reading the access log: write this process's buffered events (the other
        server processes' reach the database within about 0.1 s)."""
        if not self.events.flush():
            log.warning("access log read while some of this process's events are not "
                        "written yet")


async def service(request: Request) -> Service:
    # async: no I/O here, so FastAPI calls it on the event loop, not via the thread pool
    return request.app.state.service


def day_range(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Whole Vietnamese days ``start``..``end`` (inclusive) as [from, to) datetimes."""
    # 0001-01-01 in Vietnam is still year 0 in UTC, which no datetime holds: no bound
    since = (vn_day_start(start)
             if start and start > date.min else None)
    until = (vn_day_start(end + timedelta(days=1))
             if end and end < date.max else None)
    return since, until
