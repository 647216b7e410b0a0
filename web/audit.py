"""The access log for auditors: list with filters (paged back by event id) and CSV export.

The log is the index's ``events`` table: searches, views, downloads and dossier lookups
(``accessed``, ``detail.action``), attaches (``reused`` / ``reuse_refused``), account
changes (``account``), and the scanning events (``received``, ``digitized``).

Searches, views and downloads are buffered per server process (``eventlog.EventWriter``):
both endpoints flush this process's buffer before reading, so they show every event this
process recorded; events buffered by the other server processes are in the database
within about 0.1 s of their request.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from common.fanout import chunks
from common.private import safe_writer
from common.vn import VN_TZ
from pipeline.papers.doctypes import type_name
from reuse_index import EVENT_KINDS, DocumentRecord, Event, refusal_text

from .auth import Principal, require
from .context import Service, day_range, service
from .models import AccessLog, audit_events_out

router = APIRouter(prefix="/api", tags=["audit"])
Svc = Annotated[Service, Depends(service)]
Auditor = Annotated[Principal, Depends(require("auditor"))]
EventKind = Annotated[str | None, Query(pattern="^(" + "|".join(sorted(EVENT_KINDS)) + ")$")]
Text64 = Annotated[str | None, Query(max_length=128)]
CSV_COLUMNS = ("id", "at", "kind", "action", "actor", "document_id", "dossier_code", "via",
               "ip", "detail", "document_type", "owner_name", "refusal_reason")


def _filters(since: date | None, until: date | None, actor: str | None,
             document_id: str | None, dossier_code: str | None, kind: str | None,
             action: str | None) -> dict[str, Any]:
    start, end = day_range(since, until)
    return {"since": start, "until": end, "actor": actor or None,
            "document_id": document_id or None, "dossier_code": dossier_code or None,
            "kind": kind or None, "action": action or None}


@router.get("/access-log", response_model=AccessLog,
            summary="The access log, newest first (page back with next_before_id)")
def access_log(svc: Svc, who: Auditor, since: date | None = None, until: date | None = None,
               actor: Text64 = None, document_id: Text64 = None, dossier_code: Text64 = None,
               kind: EventKind = None, action: Annotated[str | None, Query(max_length=32)] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> AccessLog:
    filters = _filters(since, until, actor, document_id, dossier_code, kind, action)
    svc.flush_events()
    index = svc.warehouse.index
    found = index.events(before_id=before_id, limit=limit, **filters)
    papers = index.get_many({e.document_id for e in found if e.document_id})
    return AccessLog(events=audit_events_out(found, papers),
                     next_before_id=found[-1].id if len(found) == limit else None)


@router.get("/access-log.csv", response_class=StreamingResponse,
            summary="Export the access log as CSV (UTF-8 with BOM, opens in Excel)",
            responses={200: {"content": {"text/csv": {}}}})
def access_log_csv(request: Request, svc: Svc, who: Auditor, since: date | None = None,
                   until: date | None = None, actor: Text64 = None,
                   document_id: Text64 = None, dossier_code: Text64 = None,
                   kind: EventKind = None,
                   action: Annotated[str | None, Query(max_length=32)] = None
                   ) -> StreamingResponse:
    filters = _filters(since, until, actor, document_id, dossier_code, kind, action)
    svc.record("accessed", request, actor=who.username, via=who.via, action="export",
               filters={k: str(v) for k, v in filters.items() if v is not None})
    svc.flush_events()
    index = svc.warehouse.index
    rows = index.iter_events(**filters)
    name = f"nhat-ky-truy-cap-{svc.today():%Y%m%d}.csv"
    return StreamingResponse(_csv(rows, index.get_many), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"',
                                      "Cache-Control": "no-store"})


def _csv(events: Iterator[Event],
         papers_of: Callable[[Iterable[str]], dict[str, DocumentRecord]]) -> Iterator[str]:
    """The rows, 500 at a time, each with its paper's type name and owner and, for a
    refused attach, why in Vietnamese (columns added last)."""
    buffer = io.StringIO()
    writer = safe_writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    for chunk in chunks(events, 500):
        papers = papers_of({e.document_id for e in chunk if e.document_id})
        for event in chunk:
            detail = dict(event.detail)
            paper = papers.get(event.document_id) if event.document_id else None
            writer.writerow((event.id, event.at.astimezone(VN_TZ).isoformat(), event.kind,
                             detail.pop("action", ""), event.actor or "",
                             event.document_id or "", event.dossier_code or "",
                             detail.pop("via", ""), detail.pop("ip", ""),
                             json.dumps(detail, ensure_ascii=False, sort_keys=True),
                             type_name(paper.doc_type) if paper else "",
                             (paper.owner_name or "") if paper else "",
                             (refusal_text(event.detail) or "")
                             if event.kind == "reuse_refused" else ""))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()

