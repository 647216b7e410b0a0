"""The officer's work: search, open (verified, with page previews), download, attach to a
dossier (reuse), and a dossier's record. Every search, view, download and attach is
recorded in the access log with who, when, which document and for which dossier: attaches
(and refusals) and dossier lookups before the answer, searches, views and downloads through
the process's buffered writer (``Service.record_read``; written within about 0.1 s).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse

from common.errors import DocumentIntegrityError, DocumentNotFoundError, ExpiredDocumentError
from reuse_index import DocumentRecord
from storage import ObjectNotFoundError

from . import previews
from .auth import Principal, require
from .context import (
    DOWNLOAD_TTL_S,
    PREVIEW_TTL_S,
    ApiError,
    Service,
    day_range,
    invalid,
    not_found,
    service,
)
from .models import (
    CODE_PATTERN,
    CorrectionResult,
    DocType,
    DocumentView,
    DossierOut,
    DossierRecord,
    DownloadLink,
    DownloadRequest,
    FieldCorrection,
    PreviewLink,
    ReusedPaper,
    ReuseRequest,
    ReuseResult,
    SearchHit,
    SearchQuery,
    SearchResults,
    VerificationOut,
    event_out,
    field_out,
    summary,
)

router = APIRouter(prefix="/api", tags=["documents"])
Svc = Annotated[Service, Depends(service)]
Officer = Annotated[Principal, Depends(require("officer"))]
DocId = Annotated[str, Query(max_length=128)]


@router.post("/documents/search", response_model=SearchResults,
             summary="Search digitized papers (criteria in the body, never in the URL)")
def search_post(body: SearchQuery, request: Request, svc: Svc, who: Officer) -> SearchResults:
    return _search(body, request, svc, who)


@router.get("/documents", response_model=SearchResults,
            summary="Search by non-personal criteria (type, agency, dates)",
            description="Personal criteria (owner_id, name, birth_date) are refused here: "
            "URLs end up in proxy and server logs. Send them to POST /api/documents/search.")
def search(request: Request, svc: Svc, who: Officer,
           type: Annotated[DocType | None, Query(description="document type key")] = None,  # noqa: A002
           agency: Annotated[str | None, Query(max_length=64)] = None,
           digitized_from: Annotated[date | None, Query(description="first day")] = None,
           digitized_to: Annotated[date | None, Query(description="last day")] = None,
           limit: Annotated[int, Query(ge=1, le=200)] = 50) -> SearchResults:
    personal = sorted({"owner_id", "name", "birth_date", "text"} & set(request.query_params))
    if personal:
        raise ApiError(400, "personal_data_in_url", "Không gửi số định danh, họ tên, ngày "
                       "sinh, nội dung cần tìm trên địa chỉ URL; dùng POST /api/documents/search",
                       f"Personal criteria ({', '.join(personal)}) are not accepted in URLs; "
                       "use POST /api/documents/search")
    return _search(SearchQuery(type=type, agency=agency, digitized_from=digitized_from,
                               digitized_to=digitized_to, limit=limit), request, svc, who)


def _search(q: SearchQuery, request: Request, svc: Service, who: Principal) -> SearchResults:
    owner_id = (q.owner_id or "").strip() or None
    name = (q.name or "").strip() or None
    agency = (q.agency or "").strip() or None
    text = (q.text or "").strip() or None
    number = (q.number or "").strip() or None
    if not any((owner_id, name, q.birth_date, q.type, agency, q.digitized_from,
                q.digitized_to, text, number)):
        raise invalid("Nhập ít nhất một điều kiện tìm kiếm (số định danh, họ tên, ...)",
                      "Give at least one search criterion")
    since, until = day_range(q.digitized_from, q.digitized_to)
    found = svc.warehouse.index.search(owner_id=owner_id, name=name, doc_type=q.type,
                                       agency=agency, birth_date=q.birth_date,
                                       digitized_from=since, digitized_to=until, text=text,
                                       number=number, limit=q.limit)
    snippets = svc.warehouse.index.snippets(found, text) if text else {}
    query = {"owner_id": owner_id, "name": name, "birth_date": q.birth_date, "type": q.type,
             "agency": agency, "digitized_from": q.digitized_from,
             "digitized_to": q.digitized_to, "text": text, "number": number}
    # the papers whose thumbnails this answer lets the user see are named in the log, as
    # an opened paper is for its previews
    svc.record_read(request, actor=who.username, via=who.via, action="search",
                    query={k: str(v) for k, v in query.items() if v is not None},
                    results=len(found), shown=[r.id for r in found])
    today = svc.today()
    hits = []
    for r in found:
        hit = SearchHit(**summary(r, today=today).model_dump(),
                        snippet=snippets[r.id].to_dict() if r.id in snippets else None)
        if r.pages and r.pdf_sha256:
            hit.thumbnail_url = "/api/thumbnails/" + svc.links.sign(
                "thumbnail", {"d": r.id, "u": who.username}, ttl_s=PREVIEW_TTL_S)
        hits.append(hit)
    return SearchResults(results=hits, count=len(found), limit=q.limit)


@router.get("/documents/{doc_id}", response_model=DocumentView,
            summary="Open a document: fields, validity, hash and signature checked now")
def view(doc_id: str, request: Request, svc: Svc, who: Officer,
         dossier: Annotated[str | None, Query(pattern=CODE_PATTERN,
                                              description="for which dossier")] = None
         ) -> DocumentView:
    record = _document(svc, doc_id)
    check, _ = svc.warehouse.verify(record)
    svc.record_read(request, actor=who.username, via=who.via, action="view",
                    document_id=record.id, dossier_code=dossier, ok=check.ok)
    links = [PreviewLink(page=n, url="/api/previews/" + svc.links.sign(
        "preview", {"d": record.id, "n": n, "u": who.username}, ttl_s=PREVIEW_TTL_S))
        for n in range(1, record.pages + 1)] if check.stored else []
    reuses = svc.warehouse.index.events(document_id=record.id,
                                        kind=("reused", "reuse_refused"), limit=100)
    return DocumentView(
        document=summary(record, today=svc.today()),
        fields={k: field_out(v) for k, v in (record.fields or {}).items()},
        metadata=record.metadata or {},
        verification=VerificationOut(ok=check.ok, stored=check.stored, hash_ok=check.hash_ok,
                                     signature=check.signature, problems=list(check.problems),
                                     checked_at=datetime.now(UTC)),
        previews=links, reuses=[event_out(e) for e in reuses])


@router.post("/documents/{doc_id}/download", response_model=DownloadLink,
             summary="A short-lived link to the signed PDF (recorded)")
def download(doc_id: str, request: Request, svc: Svc, who: Officer,
             body: DownloadRequest | None = None) -> DownloadLink:
    record = _document(svc, doc_id)
    dossier = body.dossier_code if body else None
    expires = datetime.now(UTC) + timedelta(seconds=DOWNLOAD_TTL_S)
    if svc.download_mode == "presigned":
        try:
            url = svc.warehouse.store.presigned_get_url(
                record.pdf_key or "", expires=timedelta(seconds=DOWNLOAD_TTL_S))
        except ObjectNotFoundError as exc:
            raise _integrity("object missing") from exc
    else:
        url = "/api/files/" + svc.links.sign("file", {"d": record.id, "u": who.username},
                                             ttl_s=DOWNLOAD_TTL_S)
    svc.record_read(request, actor=who.username, via=who.via, action="download",
                    document_id=record.id, dossier_code=dossier, link=svc.download_mode)
    return DownloadLink(url=url, expires_at=expires)


@router.post("/documents/{doc_id}/reuse", response_model=ReuseResult,
             summary="Attach a stored paper to a dossier (reuse; never copied or changed)",
             responses={409: {"description": "refused: expired, or the stored copy failed "
                                              "its hash or signature check"}})
def reuse(doc_id: str, body: ReuseRequest, request: Request, svc: Svc,
          who: Officer) -> ReuseResult:
    index = svc.warehouse.index
    if body.procedure_code or body.agency_code or index.get_dossier(body.dossier_code) is None:
        index.upsert_dossier(body.dossier_code, procedure_code=body.procedure_code,
                             agency_code=body.agency_code, received_at=None)
    try:
        record = svc.warehouse.reuse(doc_id, dossier=body.dossier_code, actor=who.username,
                                     component=body.component,
                                     extra={"via": who.via, "ip": _ip(request)})
    except DocumentNotFoundError as exc:
        raise not_found() from exc
    except ExpiredDocumentError as exc:
        raise ApiError(409, "expired", f"Giấy tờ đã hết hiệu lực nên không được tái sử dụng "
                       f"({exc.detail})", "The paper has expired; reuse refused") from exc
    except DocumentIntegrityError as exc:
        raise _integrity(str(exc.detail)) from exc
    event = index.events(document_id=record.id, dossier_code=body.dossier_code,
                         kind="reused", limit=1)[0]
    return ReuseResult(document_id=record.id, dossier_code=body.dossier_code,
                       component=body.component, event_id=event.id,
                       valid_until=record.valid_until, reused=True)


@router.patch("/documents/{doc_id}/fields/{key}", response_model=CorrectionResult,
              summary="Correct a field (a new metadata version; the signed PDF is untouched)",
              responses={409: {"description": "the stored copy failed its integrity check, "
                                              "or another officer corrected it just now"}})
def correct(doc_id: str, key: str, body: FieldCorrection, request: Request, svc: Svc,
            who: Officer) -> CorrectionResult:
    from warehouse.corrections import CorrectionError, correct_field

    _document(svc, doc_id)
    try:
        done = correct_field(svc.warehouse, doc_id, key, body.value, actor=who.username,
                             reason=body.reason, via=who.via)
    except CorrectionError as exc:
        raise invalid(exc.describe("vi"), exc.describe("en")) from exc
    except DocumentIntegrityError as exc:
        raise _integrity(str(exc.detail)) from exc
    return CorrectionResult(**done.to_json())


@router.get("/dossiers/{code:path}", response_model=DossierRecord,
            summary="A dossier's record: papers digitized in it, papers reused into it")
def dossier_record(code: str, request: Request, svc: Svc, who: Officer) -> DossierRecord:
    index = svc.warehouse.index
    code = code.strip()
    if not code or len(code) > 64:
        raise not_found("hồ sơ", "dossier")
    dossier = index.get_dossier(code)
    svc.flush_events()  # its events include the (buffered) views for this dossier
    events = index.events(dossier_code=code, limit=500)
    if dossier is None and not events:
        raise not_found("hồ sơ", "dossier")
    today = svc.today()
    reused = [e for e in events if e.kind == "reused"]
    docs = index.get_many(e.document_id for e in reused if e.document_id)
    svc.record("accessed", request, actor=who.username, via=who.via, action="dossier",
               dossier_code=code)
    return DossierRecord(
        code=code,
        dossier=DossierOut(code=dossier.code, procedure_code=dossier.procedure_code,
                           agency_code=dossier.agency_code, received_at=dossier.received_at,
                           channel=dossier.channel) if dossier else None,
        documents=[summary(r, today=today) for r in index.dossier_documents(code)],
        reused=[ReusedPaper(event_id=e.id, at=e.at, actor=e.actor,
                            component=e.detail.get("component"), document_id=e.document_id,
                            document=summary(docs[e.document_id], today=today)
                            if e.document_id in docs else None) for e in reused],
        events=[event_out(e) for e in events])


# -- signed links (no session needed: the link is the credential, for minutes) ---------------


@router.get("/previews/{token}", response_class=Response, tags=["links"],
            summary="A page preview (JPEG) from a link issued with the document",
            responses={200: {"content": {"image/jpeg": {}}}})
def preview(token: str, svc: Svc) -> Response:
    claim = svc.links.check("preview", token)
    if claim is None:
        raise _bad_link()
    record = svc.warehouse.index.get(str(claim.get("d")))
    page = claim.get("n")
    if record is None or not isinstance(page, int) or not 1 <= page <= record.pages:
        raise not_found("trang", "page")
    return _page_jpeg(svc, record, page)


def _page_jpeg(svc: Service, record: DocumentRecord, page: int, **size: int) -> Response:
    """One page of a stored paper as a JPEG response (a preview, or a thumbnail with
    ``longest_px``), the stored file's absence and a failed check said as such."""
    try:
        image = previews.page_jpeg(svc.warehouse.store, record, page, cache=svc.cache_dir,
                                   key=svc.links.key, **size)
    except ObjectNotFoundError as exc:
        raise not_found("tệp lưu trữ", "stored file") from exc
    except previews.PreviewError as exc:
        raise _integrity(str(exc)) from exc
    return Response(image, media_type="image/jpeg",
                    headers={"Cache-Control": f"private, max-age={PREVIEW_TTL_S}"})


@router.get("/thumbnails/{token}", response_class=Response, tags=["links"],
            summary="Page 1 of a search result as a small JPEG (the link and the session of "
                    "the officer it was issued to)",
            responses={200: {"content": {"image/jpeg": {}}}})
def thumbnail(token: str, svc: Svc, who: Officer) -> Response:
    claim = svc.links.check("thumbnail", token)
    if claim is None or claim.get("u") != who.username:
        raise _bad_link()
    record = svc.warehouse.index.get(str(claim.get("d")))
    if record is None or record.pages < 1:
        raise not_found("trang", "page")
    return _page_jpeg(svc, record, 1, longest_px=previews.THUMB_PX)


@router.get("/files/{token}", response_class=FileResponse, tags=["links"],
            summary="The signed PDF from a download link (local store)",
            responses={200: {"content": {"application/pdf": {}}}})
def file_link(token: str, svc: Svc) -> Response:
    claim = svc.links.check("file", token)
    if claim is None:
        raise _bad_link()
    record = svc.warehouse.index.get(str(claim.get("d")))
    if record is None:
        raise not_found()
    try:
        data = svc.warehouse.store.get_bytes(record.pdf_key or "")
    except ObjectNotFoundError as exc:
        raise _integrity("object missing") from exc
    if hashlib.sha256(data).hexdigest() != record.pdf_sha256:
        raise _integrity("sha256 mismatch")
    name = f"{record.doc_type}-{record.id}.pdf"
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})


def _document(svc: Service, doc_id: str):
    record = svc.warehouse.index.get(doc_id) if len(doc_id) <= 128 else None
    if record is None:
        raise not_found()
    return record


def _integrity(detail: str) -> ApiError:
    return ApiError(409, "integrity", "Tài liệu lưu trữ không còn nguyên vẹn hoặc chữ ký "
                    f"không hợp lệ; không cấp bản sao ({detail})",
                    f"The stored document failed its integrity check ({detail})")


def _bad_link() -> ApiError:
    return ApiError(403, "forbidden", "Liên kết không hợp lệ hoặc đã hết hạn; mở lại tài liệu",
                    "The link is invalid or has expired; open the document again")


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None
