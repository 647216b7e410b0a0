"""Counter staff upload a dossier's scans through the API; the server digitizes them.

``POST /api/scans`` saves the uploaded files, answers 202 with a job, and digitizes them in
the background exactly like ``sohoa batch`` would: in local processes (one job at a time
per server process), or, when ``SOHOA_BROKER_URL`` is set, by queueing the pages for the
dramatiq workers. ``GET /api/scans/{job}`` follows the job. Job state is a JSON file under
``SOHOA_HOME/jobs`` so every server process on the machine can answer for any job. The
uploads are deleted once their originals are in the store (originals are stored first).

Fairness: each server process runs one job at a time, taking the next from its counter
accounts in turn (round robin), so one clerk's large upload does not hold back another's.
``DELETE /api/scans/{job}`` cancels a job (queued: never started; running: stopped after
the page in hand, papers already finished stay stored). A job cut off by a server stop
is resumed when a server starts again on the machine (its uploads are still there, and
the scan flow skips what was already stored); a job whose uploads are gone is reported
``interrupted`` with what was kept.
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
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from common.errors import DiskFullError, SohoaError, disk_full
from common.private import private_dir
from pipeline.page.process import PageOptions, PageResult
from pipeline.run.batch import BatchSummary, DossierJob
from pipeline.run.submit import page_options, signing_config, submit
from pipeline.scan import ScannedDocument, ScanRequest, sha256_file

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
                                   "interrupted, cancelled")
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


class JobCancelled(Exception):
    """Raised from a running job's progress callback once its cancel was asked for."""


Task = tuple[str, Callable[..., None], tuple[Any, ...]]  # job id, function, arguments


class Jobs:
    """Job files (``<id>.json``) and upload folders under ``root``, and this process's
    runner: one job at a time, the next taken from the account queues in turn."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Condition()
        self._queues: dict[str, deque[Task]] = {}
        self._turns: deque[str] = deque()  # accounts with queued jobs, next first
        self._cancelled: set[str] = set()
        self._thread: threading.Thread | None = None
        self._closing = False

    def path(self, job_id: str) -> Path:
        return self.root / f"{job_id}.json"

    def uploads(self, job_id: str) -> Path:
        return self.root / "uploads" / job_id

    def save(self, job: ScanJob, **extra: Any) -> None:
        job.updated_at = datetime.now(UTC)
        previous = self._raw(job.id) or {}
        data = {k: v for k, v in previous.items() if k in ("request", "originals")}
        data |= job.model_dump(mode="json") | {"pid": os.getpid(), "host": HOST, **extra}
        private_dir(self.root)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{job.id}.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        os.replace(tmp, self.path(job.id))

    def _raw(self, job_id: str) -> dict[str, Any] | None:
        try:
            return json.loads(self.path(job_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def load(self, job_id: str) -> ScanJob | None:
        if not JOB_ID.match(job_id) or not self.path(job_id).exists():
            return None
        data = self._raw(job_id) or {}
        job = ScanJob.model_validate(data)
        if job.state in ("queued", "running") and not _alive(data.get("host"), data.get("pid")):
            job.state = "interrupted"
            job.message = INTERRUPTED
        return job

    def submit(self, job_id: str, actor: str, fn: Callable[..., None], *args: Any) -> None:
        """Queue ``fn(*args)`` behind ``actor``'s earlier jobs."""
        with self._lock:
            if actor not in self._queues or not self._queues[actor]:
                self._queues.setdefault(actor, deque())
                self._turns.append(actor)
            self._queues[actor].append((job_id, fn, args))
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="scan-jobs",
                                                daemon=True)
                self._thread.start()
            self._lock.notify()

    def cancel(self, job_id: str) -> bool:
        """Ask ``job_id`` to stop; True if it was still queued here (it never starts)."""
        with self._lock:
            self._cancelled.add(job_id)
            for actor, queue in self._queues.items():
                for task in list(queue):
                    if task[0] == job_id:
                        queue.remove(task)
                        if not queue and actor in self._turns:
                            self._turns.remove(actor)
                        return True
        return False

    def check_cancelled(self, job_id: str) -> None:
        if job_id in self._cancelled:
            raise JobCancelled(job_id)

    def _next(self) -> Task | None:
        with self._lock:
            while not self._turns and not self._closing:
                self._lock.wait()
            if self._closing:
                return None
            actor = self._turns.popleft()
            task = self._queues[actor].popleft()
            if self._queues[actor]:
                self._turns.append(actor)  # its next job waits for the others' turns
            return task

    def _work(self) -> None:
        while (task := self._next()) is not None:
            job_id, fn, args = task
            try:
                fn(*args)
            except Exception:  # noqa: BLE001 - the job records its own failure
                log.exception("scan job %s crashed", job_id)

    def close(self) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify_all()


INTERRUPTED = ("Máy chủ đã dừng giữa chừng và tệp tải lên không còn để làm tiếp. Tải lên "
               "lại: bản gốc đã lưu được giữ nguyên và phần đã xong không làm lại.")


def resume_jobs(svc: Service) -> int:
    """At server start: take over this machine's jobs cut off by a stop (their process is
    gone) and queue them again. Each job is claimed by one server process (an exclusive
    claim file), so several workers starting together resume it once. Returns how many."""
    jobs = jobs_of(svc)
    if not jobs.root.is_dir():
        return 0
    resumed = 0
    for path in sorted(jobs.root.glob("*.json")):
        data = jobs._raw(path.stem)  # noqa: SLF001 - same module
        if not data or data.get("state") not in ("queued", "running"):
            continue
        if data.get("host") != HOST or _alive(data.get("host"), data.get("pid")):
            continue
        if not _claim(jobs.root / f"{path.stem}.claim"):
            continue
        job = ScanJob.model_validate(data)
        folder = jobs.uploads(job.id)
        files = [folder / n for n in job.files]
        request = data.get("request")
        if not request or not all(f.exists() for f in files):
            job.state, job.message = "interrupted", INTERRUPTED
            jobs.save(job)
            continue
        job.state = "queued"
        job.message = "Máy chủ khởi động lại; đang làm tiếp phần còn lại."
        jobs.save(job)
        jobs.submit(job.id, job.actor, _run, svc, jobs, job, ScanRequest.from_dict(request),
                    files)
        log.info("scan job %s resumed after a restart", job.id)
        resumed += 1
    return resumed


def _claim(path: Path) -> bool:
    """Create ``path`` holding our pid; a claim whose process is gone is taken over."""
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            try:
                pid = int(path.read_text() or "0")
            except (OSError, ValueError):
                pid = 0
            if pid == os.getpid():
                return False
            if pid and _alive(HOST, pid):
                return False
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as out:
            out.write(str(os.getpid()))
        return True
    return False


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


def _check_dossier_code(code: str, allow_legacy: bool) -> None:
    """The code's legal structure (``common/dossier_code.py``), before any file is kept."""
    from common.dossier_code import DossierCodeError, check

    try:
        check(code, allow_legacy=allow_legacy)
    except DossierCodeError as exc:
        raise ApiError(422, "invalid", f"Mã hồ sơ không hợp lệ: {exc.detail}",
                       "Invalid dossier code (Circular 01/2018/TT-VPCP, Art. 19)") from exc


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
           owner_name: Annotated[str | None, Form(max_length=200)] = None,
           allow_legacy_code: Annotated[bool, Form(
               description="accept a dossier code not in the Circular 01/2018/TT-VPCP "
                           "structure (an older code)")] = False) -> ScanJob:
    _check_dossier_code(dossier_code, allow_legacy_code)
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
    scan_request = ScanRequest(
        dossier=dossier_code, procedure=procedure_code, agency=agency_code,
        agency_name=agency_name or svc.settings.agency_name or signing.agency_name
        or agency_code, actor=who.username, doc_type=doc_type, component=component,
        owner_id=owner_id, owner_name=owner_name, received_at=now, channel=1)
    jobs.save(job, request=scan_request.to_dict())  # kept to resume after a restart
    jobs.submit(job.id, who.username, _run, svc, jobs, job, scan_request,
                [folder / n for n in names])
    log.info("scan job %s queued: %d files", job_id, len(names))
    return job


@router.delete("/scans/{job_id}", response_model=ScanJob, summary="Cancel an upload's job")
def cancel_job(job_id: str, request: Request, svc: Svc, who: Counter) -> ScanJob:
    """Queued: it never starts. Running: it stops after the page in hand; papers already
    finished stay stored (write-once). Only the uploader or an admin may cancel."""
    jobs = jobs_of(svc)
    job = jobs.load(job_id)
    if job is None:
        raise not_found("lượt tải lên", "scan job")
    if job.actor != who.username and "admin" not in who.roles:
        raise ApiError(403, "forbidden", "Chỉ người tải lên (hoặc quản trị) được huỷ",
                       "Only the uploader or an admin may cancel this job")
    if job.state not in ("queued", "running"):
        raise ApiError(409, "finished", "Lượt tải lên này đã kết thúc, không huỷ được",
                       "This job has already ended")
    if jobs.cancel(job_id):
        job.state, job.message = "cancelled", "Đã huỷ trước khi bắt đầu."
        shutil.rmtree(jobs.uploads(job_id), ignore_errors=True)
        jobs.save(job)
    svc.record("scan_cancelled", request, actor=who.username, via=who.via,
               dossier_code=job.dossier_code, job=job_id)
    return jobs.load(job_id) or job


@router.get("/scans/{job_id}", response_model=ScanJob, summary="Follow an upload's job")
def job_status(job_id: str, svc: Svc, who: Counter) -> ScanJob:
    jobs = jobs_of(svc)
    job = jobs.load(job_id)
    if job is None:
        raise not_found("lượt tải lên", "scan job")
    if job.state == "queued_to_workers":
        _follow_workers(svc, jobs, job)
    return job


def _follow_workers(svc: Service, jobs: Jobs, job: ScanJob) -> None:
    """A job handed to the queue's workers: its pages done from the work table, and once
    every file's assembly has finished, ``done`` (or ``failed``: no file assembled) with
    the papers stored and each file's failure among the problems."""
    originals: dict[str, str] = (jobs._raw(job.id) or {}).get("originals") or {}  # noqa: SLF001
    if not originals:
        return
    work = svc.warehouse.index.work
    states = {name: work.state(sha, -1) for name, sha in originals.items()}
    job.pages_done = min(sum(work.pages_finished(sha)[0] for sha in originals.values()),
                         job.pages_total)
    if any(state not in ("done", "failed", "dead") for state in states.values()):
        return
    failed = [name for name, state in states.items() if state != "done"]
    if failed:
        errors = {p["source"]: p["error"] for p in work.problems(limit=1000)
                  if p["dossier"] == job.dossier_code and p["page"] is None}
        job.problems += [{"dossier": job.dossier_code, "source": name, "page": None,
                          "message": f"{name}: {errors.get(name) or 'không số hoá được'}",
                          "message_en": f"{name}: not digitized", "code": "WorkFailed"}
                         for name in failed]
    names = {sha: name for name, sha in originals.items()}
    found: dict[str, dict[str, Any]] = {}
    for sha in originals.values():
        for rec in svc.warehouse.index.find_all_by_original(sha):
            found.setdefault(rec.id, {"id": rec.id, "type": rec.doc_type,
                                      "source": names.get(rec.original_sha256s[0], names[sha]),
                                      "pages": rec.pages, "skipped": False})
    job.documents = list(found.values())
    job.state = "failed" if len(failed) == len(originals) else "done"
    job.message = ""
    jobs.save(job)


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
    if job.id in jobs._cancelled:  # noqa: SLF001 - cancelled between queue and start
        return
    job.state = "running"
    jobs.save(job)
    summary = BatchSummary(dossiers=1)
    extra: dict[str, Any] = {}
    try:
        settings, warehouse = svc.settings, svc.warehouse
        queued = bool(settings.broker_url)
        # queued: the workers OCR, so this server needs no engine (and no key)
        options = PageOptions(engine=settings.ocr_engine) if queued else \
            page_options(settings)

        def page_done(page: PageResult, total: int) -> None:
            jobs.check_cancelled(job.id)
            job.pages_done, job.pages_total = job.pages_done + 1, total
            jobs.save(job)

        def paper(doc: ScannedDocument) -> None:
            job.documents.append({"id": doc.record.id, "type": doc.record.doc_type,
                                  "source": Path(doc.source).name,
                                  "pages": doc.record.pages, "skipped": doc.skipped})

        originals = {str(p): sha256_file(p) for p in paths} if queued else {}
        submit([DossierJob(request, paths)], settings, warehouse.store, warehouse.index,
               options=options, summary=summary, workers=settings.scan_workers,
               on_page=page_done, on_document=paper,
               isolated=True)  # an OCR engine crash must not take the server down
        if queued:
            job.state, job.pages_total = "queued_to_workers", summary.pages
            job.message = ("Đã chuyển cho các worker xử lý; xem lại lượt tải lên này để "
                           "biết kết quả.")
            # the files the workers assemble (those found already stored are not queued)
            work = warehouse.index.work
            extra = {"originals": {p.name: originals[str(p)] for p in paths
                                   if work.state(originals[str(p)], -1) is not None}}
            if not extra["originals"]:  # every file already stored, or refused
                job.state, job.message = ("failed" if summary.failed else "done"), ""
        else:
            job.state = "failed" if summary.failed else "done"
        job.problems = [_without_server_paths(p, jobs.uploads(job.id))
                        for p in summary.problems]
        if extra:
            jobs.save(job, **extra)
    except JobCancelled:
        job.state = "cancelled"
        job.message = (f"Đã huỷ sau {job.pages_done} trang; các giấy tờ đã xong vẫn được lưu "
                       f"({len(job.documents)}).")
    except SohoaError as exc:
        log.warning("scan job %s failed: %s", job.id, exc.message_en)
        job.state, job.message = "failed", (DiskFullError().describe("vi") if disk_full(exc)
                                            else exc.describe("vi"))
    except OSError as exc:
        if not disk_full(exc):
            log.exception("scan job %s failed", job.id)
        job.state, job.message = "failed", (DiskFullError().describe("vi") if disk_full(exc)
                                            else "Lỗi đọc ghi trên máy chủ; xem nhật ký")
    except Exception:
        log.exception("scan job %s failed", job.id)
        job.state, job.message = "failed", "Lỗi không xác định; xem nhật ký máy chủ"
    finally:
        shutil.rmtree(jobs.uploads(job.id), ignore_errors=True)
    jobs.save(job)
