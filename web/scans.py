"""Counter staff upload a dossier's scans through the API; the server digitizes them.

``POST /api/scans`` saves the uploaded files, answers 202 with a job, and digitizes them in
the background exactly like ``sohoa batch`` would: in local processes (one job at a time
per server process), or, when ``SOHOA_BROKER_URL`` is set, by queueing the pages for the
dramatiq workers. ``GET /api/scans/{job}`` follows the job. Job state is a JSON file under
``SOHOA_HOME/jobs`` so every server process on the machine can answer for any job. The
uploads are deleted once their originals are in the store (originals are stored first).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import socket
import tempfile
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from common.errors import SohoaError
from common.private import private_dir
from pipeline.page.process import PageOptions, PageResult
from pipeline.run.batch import BatchSummary, DossierJob
from pipeline.run.submit import page_options, signing_config, submit
from pipeline.scan import ScannedDocument, ScanRequest

from .auth import Principal, require
from .context import ApiError, Service, not_found, service
from .models import CODE_PATTERN, DocType

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["scans"])
Svc = Annotated[Service, Depends(service)]
Counter = Annotated[Principal, Depends(require("counter"))]
JOB_ID = re.compile(r"^[0-9a-f]{16}$")
CHUNK = 1 << 20
HOST = socket.gethostname()


class ScanJob(BaseModel):
    id: str
    state: str = Field(description="queued, running, done, failed, queued_to_workers, "
                                   "interrupted")
    dossier_code: str
    procedure_code: str
    agency_code: str
    actor: str
    files: list[str]
    created_at: datetime
    updated_at: datetime
    pages_done: int = 0
    pages_total: int = 0
    documents: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    message: str = ""


class Jobs:
    """Job files (``<id>.json``) and upload folders under ``root``; one lock per process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def path(self, job_id: str) -> Path:
        return self.root / f"{job_id}.json"

    def uploads(self, job_id: str) -> Path:
        return self.root / "uploads" / job_id

    def save(self, job: ScanJob, **extra: Any) -> None:
        job.updated_at = datetime.now(UTC)
        data = job.model_dump(mode="json") | {"pid": os.getpid(), "host": HOST, **extra}
        private_dir(self.root)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{job.id}.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        os.replace(tmp, self.path(job.id))

    def load(self, job_id: str) -> ScanJob | None:
        if not JOB_ID.match(job_id) or not self.path(job_id).exists():
            return None
        data = json.loads(self.path(job_id).read_text(encoding="utf-8"))
        job = ScanJob.model_validate(data)
        if job.state in ("queued", "running") and not _alive(data.get("host"), data.get("pid")):
            job.state = "interrupted"
            job.message = ("Máy chủ đã dừng giữa chừng. Tải lên lại: bản gốc đã lưu được giữ "
                           "nguyên và phần đã xong không làm lại.")
        return job

    def submit(self, fn: Any, *args: Any) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scan")
            self._executor.submit(fn, *args)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


def _alive(host: str | None, pid: int | None) -> bool:
    if host != HOST or not isinstance(pid, int):
        return True  # another machine's job: trust its file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def jobs_of(svc: Service) -> Jobs:
    return svc.jobs


@router.post("/scans", response_model=ScanJob, status_code=202,
             summary="Upload a dossier's scans (PDF, TIFF, JPEG, PNG) to be digitized",
             responses={413: {"description": "the upload is larger than allowed"}})
def upload(request: Request, svc: Svc, who: Counter,
           files: Annotated[list[UploadFile], File(description="the scanned files")],
           dossier_code: Annotated[str, Form(pattern=CODE_PATTERN)],
           procedure_code: Annotated[str, Form(pattern=r"^\d\.\d{6}$")],
           agency_code: Annotated[str, Form(pattern=CODE_PATTERN)],
           agency_name: Annotated[str | None, Form(max_length=200)] = None,
           doc_type: Annotated[DocType | None, Form()] = None,
           component: Annotated[str | None, Form(max_length=64)] = None,
           owner_id: Annotated[str | None, Form(pattern=r"^\d{12}$")] = None,
           owner_name: Annotated[str | None, Form(max_length=200)] = None) -> ScanJob:
    signing = signing_config(svc.settings)
    if not signing.configured():
        raise ApiError(503, "unavailable", "Chưa cấu hình khoá ký số của cơ quan nên chưa "
                       "số hoá được", "No agency signing key is configured")
    if not files:
        raise ApiError(422, "invalid", "Chưa chọn tệp nào", "No file uploaded")
    jobs = jobs_of(svc)
    job_id = secrets.token_hex(8)
    folder = jobs.uploads(job_id)
    folder.mkdir(parents=True)
    limit = svc.settings.max_upload_mb << 20
    names: list[str] = []
    total = 0
    try:
        for upload_file in files:
            name = _safe_name(upload_file.filename or "", taken=names)
            with open(folder / name, "wb") as out:
                while chunk := upload_file.file.read(CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise ApiError(413, "too_large", f"Tệp tải lên quá lớn (tối đa "
                                       f"{limit >> 20} MB mỗi lần)", "Upload too large")
                    out.write(chunk)
            names.append(name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    now = datetime.now(UTC)
    job = ScanJob(id=job_id, state="queued", dossier_code=dossier_code,
                  procedure_code=procedure_code, agency_code=agency_code, actor=who.username,
                  files=names, created_at=now, updated_at=now)
    jobs.save(job)
    scan_request = ScanRequest(
        dossier=dossier_code, procedure=procedure_code, agency=agency_code,
        agency_name=agency_name or svc.settings.agency_name or signing.agency_name
        or agency_code, actor=who.username, doc_type=doc_type, component=component,
        owner_id=owner_id, owner_name=owner_name, received_at=now, channel=1)
    jobs.submit(_run, svc, jobs, job, scan_request, [folder / n for n in names])
    log.info("scan job %s queued: %d files", job_id, len(names))
    return job


@router.get("/scans/{job_id}", response_model=ScanJob, summary="Follow an upload's job")
def job_status(job_id: str, svc: Svc, who: Counter) -> ScanJob:
    job = jobs_of(svc).load(job_id)
    if job is None:
        raise not_found("lượt tải lên", "scan job")
    return job


def _safe_name(filename: str, *, taken: list[str]) -> str:
    """The file's own name without folders or odd characters, unique within the job."""
    base = unicodedata.normalize("NFC", Path(filename.replace("\\", "/")).name).strip()
    base = re.sub(r"[^\w.\- ]+", "_", base)[:120].lstrip(".") or "tep"
    name, n = base, 1
    while name in taken:
        n += 1
        stem, dot, ext = base.rpartition(".")
        name = f"{stem}-{n}.{ext}" if dot else f"{base}-{n}"
    return name


def _without_server_paths(problem: dict[str, Any], folder: Path) -> dict[str, Any]:
    """A batch problem as the uploader may see it: file names, never server folders."""
    prefix = f"{folder}/"
    return {key: value.replace(prefix, "") if isinstance(value, str) else value
            for key, value in problem.items()}


def _run(svc: Service, jobs: Jobs, job: ScanJob, request: ScanRequest,
         paths: list[Path]) -> None:
    """The background half of an upload: the same code paths as ``sohoa batch``."""
    job.state = "running"
    jobs.save(job)
    summary = BatchSummary(dossiers=1)
    try:
        settings, warehouse = svc.settings, svc.warehouse
        queued = bool(settings.broker_url)
        # queued: the workers OCR, so this server needs no engine (and no key)
        options = PageOptions(engine=settings.ocr_engine) if queued else \
            page_options(settings)

        def page_done(page: PageResult, total: int) -> None:
            job.pages_done, job.pages_total = job.pages_done + 1, total
            jobs.save(job)

        def paper(doc: ScannedDocument) -> None:
            job.documents.append({"id": doc.record.id, "type": doc.record.doc_type,
                                  "source": Path(doc.source).name,
                                  "pages": doc.record.pages, "skipped": doc.skipped})

        submit([DossierJob(request, paths)], settings, warehouse.store, warehouse.index,
               options=options, summary=summary, workers=settings.scan_workers,
               on_page=page_done, on_document=paper)
        if queued:
            job.state, job.pages_total = "queued_to_workers", summary.pages
            job.message = "Đã chuyển cho các worker; theo dõi bằng sohoa status."
        else:
            job.state = "failed" if summary.failed else "done"
        job.problems = [_without_server_paths(p, jobs.uploads(job.id))
                        for p in summary.problems]
    except SohoaError as exc:
        log.warning("scan job %s failed: %s", job.id, exc.describe("en"))
        job.state, job.message = "failed", exc.describe("vi")
    except Exception:
        log.exception("scan job %s failed", job.id)
        job.state, job.message = "failed", "Lỗi không xác định; xem nhật ký máy chủ"
    finally:
        shutil.rmtree(jobs.uploads(job.id), ignore_errors=True)
    jobs.save(job)
