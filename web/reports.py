"""Reports for auditors over HTTP: the scorecard indicators and the OCR quality audit.

The same objects as ``sohoa report --format json`` and ``sohoa review --format json``
(``pipeline/report.py``, ``pipeline/review.py``), and the report's HTML page. Auditor role
only; each request is recorded in the access log (``action: report`` / ``review``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from pipeline.papers.fields import REVIEW_CONFIDENCE
from warehouse.review import build_review
from warehouse.scorecard import ReportRequest, build_report, render_csv

from .auth import Principal, require
from .context import Service, invalid, not_found, service
from .models import CODE_PATTERN

router = APIRouter(prefix="/api/reports", tags=["reports"])
Svc = Annotated[Service, Depends(service)]
Auditor = Annotated[Principal, Depends(require("auditor"))]
Day = Annotated[date, Query(ge=date(1900, 1, 1), le=date(9000, 12, 31))]
Agency = Annotated[str | None, Query(max_length=64)]
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


def _period(date_from: date, date_to: date) -> None:
    if date_to < date_from:
        raise invalid("Ngày cuối kỳ (to) trước ngày đầu kỳ (from)", "'to' is before 'from'")


@router.get("/scorecard", summary="Scorecard indicators (Decision 766) per agency, "
            "procedure and month", responses={200: {"content": {
                "application/json": {}, "text/html": {}, "text/csv": {}}}})
def scorecard(request: Request, svc: Svc, who: Auditor, date_from: Annotated[Day, Query(
        alias="from")], date_to: Annotated[Day, Query(alias="to")], agency: Agency = None,
              format: Literal["json", "html", "csv"] = "json",
              profile: Literal["portal-2026", "written-2026", "legacy"] = "portal-2026"
              ) -> Response:
    _period(date_from, date_to)
    report = build_report(svc.warehouse.index, ReportRequest(
        date_from=date_from, date_to=date_to, agency=agency or None, profile=profile))
    svc.record("accessed", request, actor=who.username, via=who.via, action="report",
               period=f"{date_from}..{date_to}", agency=agency or None)
    if format == "html":
        from warehouse.scorecard_html import render_html

        # the page is self-contained: inline styles, charts as data: images, nothing else
        return HTMLResponse(render_html(report), headers={
            "Cache-Control": "no-store", "Content-Security-Policy": REPORT_CSP})
    if format == "csv":
        name = f"chi-so-{date_from:%Y%m%d}-{date_to:%Y%m%d}.csv"
        return Response(render_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return JSONResponse(report)


@router.get("/portal/{dossier_code}", summary="One dossier as the national public-service "
            "portal exchanges it (TaiLieuNop with per-file DuocSoHoa / DuocTaiSuDung, result "
            "codes, DinhDanhCHS); schema warehouse/data/portal-dossier.schema.json")
def portal_dossier(request: Request, svc: Svc, who: Auditor,
                   dossier_code: Annotated[str, Path(pattern=CODE_PATTERN)]) -> dict[str, Any]:
    from warehouse.portal import dossier_record

    record = dossier_record(svc.warehouse.index, dossier_code)
    if record is None:
        raise not_found("hồ sơ", "dossier")
    svc.record("accessed", request, actor=who.username, via=who.via, action="portal",
               dossier_code=dossier_code)
    return record


@router.get("/review", summary="OCR quality audit: pages and fields to re-check, lowest "
            "confidence first")
def review(request: Request, svc: Svc, who: Auditor,
           date_from: Annotated[Day, Query(alias="from")],
           date_to: Annotated[Day, Query(alias="to")], agency: Agency = None,
           threshold: Annotated[float, Query(gt=0, le=1)] = REVIEW_CONFIDENCE,
           limit: Annotated[int, Query(ge=0, le=5000)] = 200) -> dict[str, Any]:
    _period(date_from, date_to)
    result = build_review(svc.warehouse.index, first_day=date_from, last_day=date_to,
                          agency=agency or None, threshold=threshold, limit=limit)
    svc.record("accessed", request, actor=who.username, via=who.via, action="review",
               period=f"{date_from}..{date_to}", agency=agency or None)
    return result
