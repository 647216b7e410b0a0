"""A day's stack: a folder with one sub-folder per dossier, scanned in one run.

Owns the batch layout and manifest, the local runner (one process pool for the whole
batch, progress over all pages, a summary) and the enqueuing of the same work to dramatiq
workers (:mod:`pipeline.actors`) when a broker is configured.

Layout: ``ROOT/<dossier code>/*.pdf|tif|jpg|png`` (the folder name is the dossier code),
and optionally ``ROOT/manifest.csv`` with a header row and the columns ``dossier,
procedure, agency, component, received_at, channel`` (Vietnamese headers ``ma_ho_so,
ma_tthc, ma_co_quan, ma_thanh_phan, ngay_nhan, kenh`` are accepted too; channel 1 counter,
2 online, 3 postal). Without a manifest row, the command line gives procedure and agency.

Rerunning a batch redoes nothing already done: an original whose papers are all stored
(by SHA-256) is skipped; one interrupted half-way is completed without duplicates.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common.errors import InvalidRequestError, SohoaError
from common.vn import VN_TZ

from .dossier import DossierScanner, ScannedDocument, ScanRequest
from .intake import list_pages
from .orchestrator import make_pool
from .page import PageResult

log = logging.getLogger(__name__)

SCAN_SUFFIXES = {".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png"}
COLUMNS = {
    "dossier": ("dossier", "ma_ho_so", "mã hồ sơ"),
    "procedure": ("procedure", "ma_tthc", "mã tthc"),
    "agency": ("agency", "ma_co_quan", "mã cơ quan"),
    "component": ("component", "ma_thanh_phan", "mã thành phần"),
    "received_at": ("received_at", "ngay_nhan", "ngày nhận"),
    "channel": ("channel", "kenh", "kênh"),
    "returns_result": ("returns_result", "co_ket_qua", "có kết quả"),
}
_YES = {"1", "true", "yes", "x", "có", "co"}
_NO = {"0", "false", "no", "không", "khong"}


@dataclass
class DossierJob:
    """One dossier of a batch: its request and its files, in name order."""

    request: ScanRequest
    files: list[Path]


@dataclass
class BatchSummary:
    """What a batch did; ``to_json`` is the ``batch --json`` contract."""

    dossiers: int = 0
    done: int = 0
    failed: int = 0
    pages: int = 0
    documents: int = 0
    skipped: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    queued: bool = False

    def problem(self, dossier: str, error: SohoaError | str, *, source: str | None = None,
                page: int | None = None) -> None:
        if isinstance(error, SohoaError):
            source = source or (Path(error.source).name if error.source else None)
            page = error.page if page is None else page
            entry = {"message": error.describe("vi"), "message_en": error.describe("en"),
                     "code": type(error).__name__}
        else:
            entry = {"message": error, "message_en": error, "code": "Problem"}
        self.problems.append({"dossier": dossier, "source": source, "page": page, **entry})

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"dossiers": self.dossiers, "done": self.done,
                                "failed": self.failed, "pages": self.pages,
                                "documents": self.documents, "skipped": self.skipped,
                                "problems": self.problems}
        if self.interrupted:
            data["interrupted"] = True
        if self.queued:
            data["queued"] = True
        return data


class ManifestError(InvalidRequestError):
    message_vi = "Tệp manifest.csv không hợp lệ"
    message_en = "Invalid manifest.csv"


def _parse_time(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d/%m/%Y %H:%M",
                "%d/%m/%Y"):
        try:
            value = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if value.tzinfo is None:  # counters record local time (UTC+7)
            value = value.replace(tzinfo=VN_TZ)
        return value.astimezone(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"ngày nhận {text!r} không đọc được") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """Rows of a manifest by dossier code."""
    rows: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
        names = {key: next((header[a] for a in aliases if a in header), None)
                 for key, aliases in COLUMNS.items()}
        if names["dossier"] is None:
            raise ManifestError(detail=f"{path.name}: no 'dossier' (ma_ho_so) column")
        for line, row in enumerate(reader, start=2):
            values = {k: (row.get(col) or "").strip() if col else "" for k, col in names.items()}
            if not values["dossier"]:
                continue
            try:
                values["received_at"] = _parse_time(values["received_at"])
                values["channel"] = int(values["channel"]) if values["channel"] else None
                values["returns_result"] = _yes_no(values["returns_result"])
            except ValueError as exc:
                raise ManifestError(detail=f"{path.name}, dòng {line}: {exc}") from exc
            if values["channel"] not in (None, 1, 2, 3):
                raise ManifestError(detail=f"{path.name}, dòng {line}: kênh phải là 1, 2 hoặc 3")
            rows[values["dossier"]] = values
    return rows


def _yes_no(text: str) -> bool | None:
    value = text.strip().lower()
    if not value:
        return None
    if value in _YES or value in _NO:
        return value in _YES
    raise ValueError(f"returns_result (có kết quả) {text!r}: dùng 1/0 hoặc có/không")


def discover(root: Path, template: ScanRequest,
             summary: BatchSummary) -> list[DossierJob]:
    """The dossiers of a batch folder; a dossier with nothing usable is a problem."""
    root = Path(root)
    if not root.is_dir():
        raise InvalidRequestError(detail=f"{root}: không phải thư mục")
    manifest = root / "manifest.csv"
    rows = read_manifest(manifest) if manifest.exists() else {}
    jobs = []
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        row = rows.get(folder.name, {})
        request = replace(template, dossier=folder.name,
                          procedure=row.get("procedure") or template.procedure,
                          agency=row.get("agency") or template.agency,
                          component=row.get("component") or template.component,
                          received_at=row.get("received_at"), channel=row.get("channel"),
                          returns_result=row.get("returns_result", template.returns_result))
        files = sorted(p for p in folder.iterdir()
                       if p.is_file() and p.suffix.lower() in SCAN_SUFFIXES)
        summary.dossiers += 1
        try:
            request.validate()
        except InvalidRequestError as exc:
            summary.failed += 1
            summary.problem(folder.name, exc)
            continue
        if not files:
            summary.failed += 1
            summary.problem(folder.name, "Thư mục hồ sơ không có tệp quét nào")
            continue
        jobs.append(DossierJob(request, files))
    for code in sorted(set(rows) - {f.name for f in folders}):
        summary.problem(code, "manifest.csv có hồ sơ này nhưng không có thư mục")
    return jobs


def count_pages(jobs: list[DossierJob]) -> Iterator[tuple[DossierJob, Path, int]]:
    for job in jobs:
        for path in job.files:
            try:
                n = len(list_pages(path))
            except SohoaError:
                n = 0  # reported when the file is scanned
            yield job, path, n


def run_local(jobs: list[DossierJob], scanner_factory: Callable[..., DossierScanner], *,
              workers: int | None, summary: BatchSummary,
              on_page: Callable[[PageResult, int], None] | None = None,
              on_document: Callable[[ScannedDocument], None] | None = None) -> BatchSummary:
    """Scan every dossier here with one process pool; Ctrl-C stops after cleaning up.
    ``on_page`` hears of each page done (and the total), ``on_document`` of each paper."""
    total = sum(n for _, _, n in count_pages(jobs))
    pool = make_pool(workers)

    def page_done(page: PageResult, _total: int) -> None:
        if on_page:
            on_page(page, total)

    scanner = scanner_factory(executor=pool, on_page=page_done)
    try:
        for job in jobs:
            request = job.request
            scanner.receive(request, len(job.files))
            failed = 0
            for path, outcome in scanner.scan_files(job.files, request):
                if isinstance(outcome, SohoaError):
                    log.warning("%s: %s", path.name, outcome.describe("en"))
                    failed += 1
                    summary.problem(request.dossier, outcome, source=path.name)
                    continue
                for doc in outcome:
                    if on_document:
                        on_document(doc)
                    summary.documents += not doc.skipped
                    summary.skipped += doc.skipped
                    summary.pages += len(doc.pages)
                    for error in doc.page_errors:
                        summary.problem(request.dossier, error, source=path.name)
            if failed == len(job.files):
                summary.failed += 1
            else:
                summary.done += 1
    except KeyboardInterrupt:
        summary.interrupted = True
        log.warning("batch interrupted; a rerun finishes the rest")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return summary


def enqueue(jobs: list[DossierJob], scanner: DossierScanner, send_page: Callable[..., None],
            send_assemble: Callable[..., None], *, summary: BatchSummary) -> BatchSummary:
    """Store every original, record its pages as work, and queue one message per page
    (ids and object keys only); workers assemble each original when its pages are done."""
    summary.queued = True
    for job in jobs:
        request = job.request
        scanner.receive(request, len(job.files))
        failed = 0
        for path in job.files:
            try:
                sha, okey = scanner.store_original(path)
                if scanner.finished(sha) is not None:
                    summary.skipped += 1
                    continue
                n = len(list_pages(path))
            except SohoaError as exc:
                failed += 1
                summary.problem(request.dossier, exc, source=path.name)
                continue
            scanner.index.work.add(sha, dossier_code=request.dossier, source=path.name,
                                   pages_total=n)
            sent = 0
            for page in range(n):
                if scanner.index.work.state(sha, page) in ("done", "failed"):
                    continue
                send_page(sha, okey, path.name, page, request.to_dict())
                sent += 1
            if not sent:  # pages all done before: only the assembly is left
                send_assemble(sha, okey, path.name, request.to_dict())
            summary.pages += n
        if failed and failed == len(job.files):
            summary.failed += 1
        else:
            summary.done += 1
    return summary
