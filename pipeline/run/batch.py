"""A day's stack: a folder with one sub-folder per dossier, scanned in one run.

Owns the batch layout and manifest, the dossiers found in a batch folder
(:class:`DossierJob`) and what a batch did (:class:`BatchSummary`). The work itself is
run here (:mod:`pipeline.run.local`) or queued to the workers (:mod:`pipeline.run.queue`);
:func:`pipeline.run.submit.submit` picks.

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
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common.errors import InvalidRequestError, SohoaError
from common.vn import VN_TZ
from pipeline.page.intake import list_pages
from pipeline.scan import ScanRequest

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
    partial: int = 0  # of the done ones, dossiers with a file that failed
    files: int = 0  # scan files taken
    files_failed: int = 0  # of those, not digitized (each one is in ``problems``)
    not_taken: int = 0  # files of the batch folder that are not scans (in ``problems``)
    pages: int = 0
    documents: int = 0
    skipped: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    queued: bool = False

    def problem(self, dossier: str, error: SohoaError | str, *, source: str | None = None,
                page: int | None = None, en: str | None = None,
                code: str = "Problem") -> None:
        if isinstance(error, SohoaError):
            source = source or (Path(error.source).name if error.source else None)
            page = error.page if page is None else page
            entry = {"message": error.describe("vi"), "message_en": error.describe("en"),
                     "code": type(error).__name__}
        else:
            entry = {"message": error, "message_en": en or error, "code": code}
        self.problems.append({"dossier": dossier, "source": source, "page": page, **entry})

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"dossiers": self.dossiers, "done": self.done,
                                "failed": self.failed, "partial": self.partial,
                                "files": self.files,
                                "files_failed": self.files_failed,
                                "not_taken": self.not_taken, "pages": self.pages,
                                "documents": self.documents, "skipped": self.skipped,
                                "problems": self.problems}
        if self.interrupted:
            data["interrupted"] = True
        if self.queued:
            data["queued"] = True
        return data


class BatchLayoutError(InvalidRequestError):
    message_vi = ("Tệp quét nằm ngay trong thư mục lô. Mỗi hồ sơ cần một thư mục con mang "
                  "mã hồ sơ, chứa các tệp quét của hồ sơ đó, ví dụ: LÔ/000.00.19.H12-261122-"
                  "0001/trang1.pdf")
    message_en = ("Scans lie directly in the batch folder. Put each dossier's scans in a "
                  "sub-folder named after its dossier code, e.g. "
                  "BATCH/000.00.19.H12-261122-0001/page1.pdf")


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
    loose = sorted(p.name for p in root.iterdir()
                   if p.is_file() and p.suffix.lower() in SCAN_SUFFIXES)
    if loose:  # nothing is scanned: a half-taken batch would be worse than a clear stop
        shown = ", ".join(loose[:5]) + (f" (+{len(loose) - 5})" if len(loose) > 5 else "")
        raise BatchLayoutError(detail=f"{len(loose)} tệp: {shown}")
    rows = read_manifest(manifest) if manifest.exists() else {}
    jobs = []
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for other in sorted(p for p in root.iterdir() if p.is_file() and p != manifest
                        and not _hidden(p)):
        summary.not_taken += 1
        summary.problem("", NOT_A_SCAN, source=other.name, en=NOT_A_SCAN_EN, code="NotTaken")
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
        for other in sorted(p for p in folder.iterdir() if p not in files and not _hidden(p)):
            summary.not_taken += 1
            folder_inside = other.is_dir()
            summary.problem(folder.name, NOT_A_FOLDER if folder_inside else NOT_A_SCAN,
                            source=other.name, code="NotTaken",
                            en=NOT_A_FOLDER_EN if folder_inside else NOT_A_SCAN_EN)
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


NOT_A_SCAN = ("Không lấy tệp này: không phải tệp quét (chỉ nhận "
              + ", ".join(sorted(SCAN_SUFFIXES)) + ")")
NOT_A_SCAN_EN = "Not taken: not a scan (" + ", ".join(sorted(SCAN_SUFFIXES)) + ")"
NOT_A_FOLDER = "Không lấy thư mục con trong thư mục hồ sơ: đặt các tệp quét ngay trong đó"
NOT_A_FOLDER_EN = "Not taken: a folder inside a dossier folder (put the scans directly in it)"
_SYSTEM_FILES = {"thumbs.db", "desktop.ini"}


def _hidden(path: Path) -> bool:
    """Files the operating system leaves in folders (not the clerk's)."""
    return path.name.startswith(".") or path.name.lower() in _SYSTEM_FILES


def count_pages(jobs: list[DossierJob]) -> Iterator[tuple[DossierJob, Path, int]]:
    for job in jobs:
        for path in job.files:
            try:
                n = len(list_pages(path))
            except SohoaError:
                n = 0  # reported when the file is scanned
            yield job, path, n
