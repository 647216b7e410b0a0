"""Scanning a dossier to the warehouse: originals first, then OCR, PDF/A, signature,
store and index.

Order matters and is the contract of shared/DESIGN.md: each original's bytes are written
to the object store (write-once, keyed by SHA-256) *before* any processing, so nothing
later can lose them; re-submitting the same bytes finds the earlier document instead of
making a second one. Signing is the last change to the PDF. The index entry is written
last: a crash before it leaves stored objects that a rerun finds and reuses.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from common.binding import Binding, metadata_digest
from common.errors import (
    InvalidRequestError,
    PageProcessingError,
    SohoaError,
    TooManyPagesError,
)
from common.vn import VN_TZ, vn_today
from pipeline.page.intake import list_pages, load_page, sniff
from pipeline.page.pool import process_files, settle_text
from pipeline.page.process import PageOptions, PageResult
from pipeline.papers.doctypes import PROCEDURE_CODE, type_name
from pipeline.papers.fields import Document, documents_for_pages, portal_value
from pipeline.pdfa import assemble_pdfa
from reuse_index import DocumentRecord, ReuseIndex, refusal
from reuse_index.rows import field_value
from storage import ObjectStore
from storage.keys import document_key, done_key, original_key

if TYPE_CHECKING:
    from pipeline.signing.sign import AgencySigner

log = logging.getLogger(__name__)

CONTENT_TYPES = {"pdf": "application/pdf", "tiff": "image/tiff", "jpeg": "image/jpeg",
                 "png": "image/png"}
EXTENSIONS = {"pdf": "pdf", "tiff": "tif", "jpeg": "jpg", "png": "png"}


@dataclass(frozen=True)
class ScanRequest:
    """What the counter clerk says about the dossier being scanned."""

    dossier: str
    procedure: str
    agency: str
    agency_name: str
    actor: str
    doc_type: str | None = None  # None: classify; a type: each file is one paper of it
    component: str | None = None
    owner_id: str | None = None
    owner_name: str | None = None
    received_at: datetime | None = None  # when the counter received it (default: now)
    channel: int | None = None  # 1 counter, 2 online, 3 postal (default 1)
    returns_result: bool | None = None  # the procedure returns a paper (indicators)
    is_result: bool = False  # these files are the dossier's result, digitized

    def to_dict(self) -> dict:
        """Plain values for a queue message (the received time as ISO 8601)."""
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat() if self.received_at else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ScanRequest:
        received = data.get("received_at")
        return cls(**{**data, "received_at": datetime.fromisoformat(received)
                      if received else None})

    def validate(self) -> None:
        if not self.dossier.strip():
            raise InvalidRequestError(detail="--dossier (mã hồ sơ) is required")
        if not PROCEDURE_CODE.match(self.procedure):
            raise InvalidRequestError(
                detail=f"mã TTHC {self.procedure!r} phải có dạng 1.001193")
        if not self.agency.strip():
            raise InvalidRequestError(detail="--agency (mã cơ quan) is required")


@dataclass(frozen=True)
class Original:
    """One stored original of a dossier and its processed pages."""

    path: Path
    sha: str
    key: str
    pages: list[PageResult]


@dataclass
class ScannedDocument:
    record: DocumentRecord
    source: str
    skipped: bool = False  # found already digitized (same original bytes)
    pages: list[PageResult] = field(default_factory=list)
    page_errors: list[SohoaError] = field(default_factory=list)  # unreadable pages of its files
    reused: bool = False  # stored earlier for another dossier, linked to this one by reuse
    sources: list[str] = field(default_factory=list)  # every file its pages came from

    def to_json(self) -> dict:
        rec = self.record
        return {
            "id": rec.id, "type": rec.doc_type, "source": Path(self.source).name,
            "pages": list(range(rec.pages)), "fields": rec.fields, "sha256": rec.pdf_sha256,
            "pdf_key": rec.pdf_key, "original_keys": list(rec.original_keys),
            "sources": [Path(s).name for s in self.sources or [self.source]],
            "signed": rec.signed, "skipped": self.skipped, "reused": self.reused,
            "owner_id": rec.owner_id,
            "owner_name": rec.owner_name, "metadata": rec.metadata,
        }


@dataclass
class ScanResult:
    dossier: str
    documents: list[ScannedDocument] = field(default_factory=list)
    errors: list[SohoaError] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "dossier": self.dossier,
            "documents": [d.to_json() for d in self.documents],
            "errors": [{"source": Path(e.source).name, "page": e.page, "code": type(e).__name__,
                        "message": e.describe("vi"), "message_en": e.describe("en")}
                       for e in self.errors],
        }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def document_id(original_sha256: str, first_page: int = 0) -> str:
    """Stable id of the paper starting at ``first_page`` of one original: a rescan computes
    the same (the paper at page 0 keeps the id one-paper-per-file scans had)."""
    tag = f"sohoa-doc:{original_sha256}" + (f":{first_page}" if first_page else "")
    return hashlib.sha256(tag.encode()).hexdigest()[:24]


class DossierScanner:
    """Runs the scan flow with an already opened store, index and signer."""

    def __init__(self, *, store: ObjectStore, index: ReuseIndex, signer: AgencySigner,
                 options: PageOptions, workers: int | None = None,
                 on_page: Callable[[PageResult, int], None] | None = None,
                 executor: Executor | None = None, max_pages: int = 500) -> None:
        self.store, self.index, self.signer = store, index, signer
        self.options, self.workers, self.on_page = options, workers, on_page
        self.executor = executor  # a pool shared by a whole batch, else one per call
        self.max_pages = max_pages

    def receive(self, request: ScanRequest, files: int) -> None:
        """Record the dossier (received time and channel) and a ``received`` event."""
        request.validate()
        known = self.index.get_dossier(request.dossier)
        received = request.received_at or (None if known and known.received_at
                                           else datetime.now(UTC))  # first receipt stays
        self.index.upsert_dossier(request.dossier, procedure_code=request.procedure,
                                  agency_code=request.agency, received_at=received,
                                  channel=request.channel or (None if known else 1),
                                  returns_result=request.returns_result)
        self.index.record_event("received", dossier_code=request.dossier, actor=request.actor,
                                detail={"files": files})

    def scan(self, files: Sequence[Path], request: ScanRequest) -> ScanResult:
        self.receive(request, len(files))
        result = ScanResult(dossier=request.dossier)
        for path, outcome in self.scan_files([Path(p) for p in files], request):
            if isinstance(outcome, SohoaError):
                # file names often carry a person's name or ID: not in logs at WARNING
                log.warning("a file of dossier %s was not digitized: %s", request.dossier,
                            outcome.message_en)
                log.debug("%s: %s", path, outcome.describe("en"))
                result.errors.append(outcome)
                continue
            result.documents.extend(outcome)
            for doc in outcome:
                result.errors.extend(doc.page_errors)
        return result

    def scan_files(self, paths: Sequence[Path], request: ScanRequest
                   ) -> Iterator[tuple[Path, list[ScannedDocument] | SohoaError]]:
        """The files of a received dossier: every original stored first, then the pages
        of all files not done yet go through the pool together (both cores busy even when
        each file is one page), then the papers are stored, in file order.

        Pages are grouped into papers across the files of the dossier as ``sohoa ocr``
        groups them (``group_pages``): a card's back joins its front, and an untitled page
        (no title, no national motto) continues the paper before it, even from another
        file; on the real two-file letters of realdev each page 2 joins its page 1 and
        each page 1 (motto) starts its own. When the clerk gave the type, each file is one
        paper of it. A paper is yielded with the
        file it starts in; a file whose pages all joined an earlier file's paper yields
        an empty list. Papers found already stored for *another* dossier are linked to
        this one as reused (``link_reused``), never dropped."""
        pending: list[Original] = []
        for path, outcome in self.intake(paths, request):
            if isinstance(outcome, Original):
                pending.append(outcome)
            else:
                yield path, outcome
        if not pending:
            return
        with tempfile.TemporaryDirectory(prefix="sohoa-scan-") as tmp:
            files = process_files([o.path for o in pending],
                                  replace(self.options, workdir=tmp), workers=self.workers,
                                  on_page=self.on_page, executor=self.executor)
            readable: list[Original] = []
            for one, done in zip(pending, files, strict=True):
                if done.error:
                    yield one.path, done.error
                else:
                    readable.append(replace(one, pages=done.pages))
            yield from self.store_originals(readable, request, Path(tmp))

    def intake(self, paths: Sequence[Path], request: ScanRequest
               ) -> Iterator[tuple[Path, Original | list[ScannedDocument] | SohoaError]]:
        """The first step on each file of a received dossier, in order: its original
        stored (``store_original``). Yields the file with an :class:`Original` to process
        (no pages yet), or the papers it was already digitized into (linked to this
        dossier, ``link_reused``; a paper of two files, both done, comes once), or the
        error that refused it. Local scans and the queue both start here."""
        seen: set[str] = set()
        for path in paths:
            try:
                sha, okey = self.store_original(path)
                earlier = self.finished(sha)
            except SohoaError as exc:
                yield path, exc
                continue
            if earlier is None:
                yield path, Original(path, sha, okey, [])
                continue
            fresh = [replace(d, source=str(path)) for d in earlier if d.record.id not in seen]
            seen.update(d.record.id for d in fresh)
            yield path, self.link_reused(fresh, request)

    def store_originals(self, originals: list[Original], request: ScanRequest, tmp: Path
                        ) -> Iterator[tuple[Path, list[ScannedDocument] | SohoaError]]:
        """The processed originals of one dossier into stored papers, one yield per
        original in order: grouped across the files (``store_dossier``), or, when the
        clerk gave the type, each file one paper of it. Local scans and the queue's
        dossier assembly both end here, so both store the same papers."""
        if request.doc_type is None:
            yield from self.store_dossier(originals, request, tmp)
            return
        for one in originals:
            try:
                yield one.path, self.store_papers(one.path, request, one.sha, one.key,
                                                  one.pages, tmp)
            except SohoaError as exc:
                yield one.path, exc

    def store_original(self, path: Path) -> tuple[str, str]:
        """Write the original's bytes to the store (write-once, by SHA-256): always first
        of the work on a file, but only once the file has proved readable (``probe``):
        junk never enters the write-once store."""
        self.probe(path)
        kind = sniff(path)
        sha = sha256_file(path)
        okey = original_key(sha, EXTENSIONS[kind])
        self.store.put_file(okey, path, content_type=CONTENT_TYPES[kind])
        return sha, okey

    def probe(self, path: Path) -> None:
        """Refuse, with a message naming the file, what cannot be a scan: a wrong type, an
        empty, corrupt or encrypted file, an image over the pixel limit or whose first
        page does not decode, more pages than ``max_pages``."""
        refs = list_pages(path)
        if len(refs) > self.max_pages:
            raise TooManyPagesError(str(path), detail=f"{len(refs)} > {self.max_pages}")
        if refs[0].kind != "pdf":  # PDFs were parsed whole by list_pages
            load_page(refs[0])

    def finished(self, sha: str) -> list[ScannedDocument] | None:
        """The papers of an original already fully digitized, or None to (re)do it."""
        if not self.store.exists(done_key(sha)):
            return None
        earlier = [e for e in self.index.find_all_by_original(sha)  # merged ones left out
                   if not self.index.events(document_id=e.id, kind="superseded", limit=1)]
        if not earlier:
            return None
        log.info("original %s already digitized as %s", sha[:12],
                 ", ".join(e.id for e in earlier))
        return [ScannedDocument(record=e, source="", skipped=True) for e in earlier]

    def link_reused(self, docs: list[ScannedDocument], request: ScanRequest
                    ) -> list[ScannedDocument]:
        """Papers found already stored, scanned again for ``request``'s dossier: one
        digitized for another dossier is this dossier's component digitized by reuse — a
        ``reused`` event (detail ``found_by: rescan``; the reuse indicator and the
        dossier's digitized component count it), once per dossier and paper. An expired
        paper is refused (``reuse_refused``), as ``reuse`` would."""
        out = []
        for doc in docs:
            rec = doc.record
            if rec.dossier_code == request.dossier:
                out.append(doc)  # this dossier's own paper, scanned again
                continue
            day = vn_today()
            detail = {"action": "rescan", "found_by": "rescan", "component": request.component,
                      "valid_until": rec.valid_until.isoformat() if rec.valid_until else None,
                      "checked_on": day.isoformat(), "from_dossier": rec.dossier_code}
            if not rec.is_valid_on(day):
                if not self.index.events(document_id=rec.id, dossier_code=request.dossier,
                                         kind="reuse_refused", limit=1):
                    self.index.record_event(
                        "reuse_refused", document_id=rec.id, dossier_code=request.dossier,
                        actor=request.actor,
                        detail={**detail, **refusal("expired", valid_until=rec.valid_until)})
                out.append(doc)
                continue
            if not self.index.events(document_id=rec.id, dossier_code=request.dossier,
                                     kind="reused", limit=1):
                self.index.record_event("reused", document_id=rec.id,
                                        dossier_code=request.dossier, actor=request.actor,
                                        detail={**detail, "DuocTaiSuDung": True})
            out.append(replace(doc, reused=True))
        return out

    def store_papers(self, path: Path, request: ScanRequest, sha: str, okey: str,
                     pages: list[PageResult], tmp: Path) -> list[ScannedDocument]:
        """One original's processed pages into papers, stored (the queue's ``assemble``
        and a clerk-typed scan: each original on its own)."""
        for _, outcome in self.store_dossier([Original(path, sha, okey, pages)], request,
                                             tmp):
            if isinstance(outcome, SohoaError):
                raise outcome
            return outcome
        return []

    def store_dossier(self, originals: list[Original], request: ScanRequest, tmp: Path
                      ) -> Iterator[tuple[Path, list[ScannedDocument] | SohoaError]]:
        """Group the processed pages of one or more originals into papers (across files,
        see ``scan_files``) and store each one (PDF/A, signature, store, index); papers
        already indexed are kept as they are, so a rerun after a crash completes the
        dossier without duplicates. Yields each original with the papers starting in it."""
        pages = [p for o in originals for p in o.pages]
        where = [(n, i) for n, o in enumerate(originals) for i in range(len(o.pages))]
        papers = documents_for_pages(pages, force_type=request.doc_type)
        settle_text(pages, papers)  # settled field values into the text layers
        by_file: dict[int, list[ScannedDocument]] = {n: [] for n in range(len(originals))}
        cover: dict[int, ScannedDocument] = {}  # file → the first paper holding its pages
        failed: dict[int, SohoaError] = {}
        for paper in papers:
            files = list(dict.fromkeys(where[i][0] for i in paper.pages))
            parts = [originals[n] for n in files]
            doc_id = document_id(parts[0].sha, where[paper.pages[0]][1])
            try:
                existing = self.index.get(doc_id)
                if existing is not None:
                    doc = self.link_reused([ScannedDocument(
                        record=existing, source=str(parts[0].path), skipped=True,
                        sources=[str(o.path) for o in parts])], request)[0]
                else:
                    n0 = paper.pages[0]
                    doc = self._store_document(parts, request, doc_id, paper,
                                               [pages[i] for i in paper.pages],
                                               tmp / f"ocr-{n0}.pdf", tmp / f"signed-{n0}.pdf")
            except SohoaError as exc:
                failed.setdefault(files[0], exc)
                continue
            by_file[files[0]].append(doc)
            for n in files:
                cover.setdefault(n, doc)
        for n, original in enumerate(originals):  # every unreadable page, reported once
            if n in cover:
                cover[n].page_errors.extend(p.error for p in original.pages if p.error)
        for n, original in enumerate(originals):
            if n in failed:
                yield original.path, failed[n]
            elif n not in cover:
                yield original.path, PageProcessingError(str(original.path),
                                                         detail="no readable page")
            else:
                self._mark_done(original.sha, by_file)
                yield original.path, by_file[n]  # empty: its pages joined an earlier file

    def _mark_done(self, sha: str, by_file: dict[int, list[ScannedDocument]]) -> None:
        """The original's papers are all stored: a rescan finds them (``finished``)."""
        ids = [d.record.id for docs in by_file.values() for d in docs
               if sha in d.record.original_sha256s]
        marker = json.dumps({"documents": ids}).encode()
        if not self.store.exists(done_key(sha)):
            self.store.put_bytes(done_key(sha), marker, content_type="application/json")

    def _store_document(self, parts: list[Original], request: ScanRequest, doc_id: str,
                        paper: Document, pages: list[PageResult], plain: Path,
                        signed: Path) -> ScannedDocument:
        """One paper (its pages from one or more originals): PDF/A, signature, store,
        metadata, index, events. The binding lists every original it was scanned from."""
        path = parts[0].path
        shas = tuple(o.sha for o in parts)
        digitized_at = datetime.now(UTC)
        pdf_key = document_key(request.agency, digitized_at.astimezone(VN_TZ), doc_id, ".pdf")
        owner_id, owner_name = paper.owner()
        record = DocumentRecord(
            id=doc_id, doc_type=paper.doc_type, owner_id=request.owner_id or owner_id,
            owner_name=request.owner_name or owner_name,
            fields={k: f.to_json() for k, f in paper.fields.items()}, metadata={},
            pdf_key=pdf_key, pdf_sha256=None,
            original_keys=tuple(o.key for o in parts), original_sha256s=shas,
            valid_until=paper.valid_until(),
            dossier_code=request.dossier, procedure_code=request.procedure,
            agency_code=request.agency, digitized_at=digitized_at, signed=True,
            pages=sum(1 for p in pages if p.pdf and not p.error),
            text=document_text(pages),  # for full-text search (reuse_index/fulltext.py)
        )
        metadata = portal_metadata(record, request)
        # sohoa extension: each page's OCR confidence, for the quality audit (review.py)
        metadata["DoTinCayOCR"] = [round(p.confidence, 3) for p in pages
                                   if p.pdf and not p.error]
        # The signed PDF names its document, originals and metadata (common/binding.py):
        # verify then notices an edited sidecar or index row, or a swapped PDF.
        binding = Binding(doc_id, tuple(sorted(shas)), metadata_digest(metadata))
        assemble_pdfa([Path(p.pdf) for p in pages if p.pdf], plain,
                      title=f"{request.dossier} {path.name}", relations=binding.relations())
        self.signer.sign_pdf(plain, signed, agency_name=request.agency_name,
                             when=digitized_at)
        pdf_sha = sha256_file(signed)
        json_key = pdf_key[: -len(".pdf")] + ".json"
        if self.store.exists(pdf_key):  # a crashed earlier run stored it but never indexed
            pdf_sha = self.store.stat(pdf_key).sha256 or pdf_sha
            log.info("document %s already stored; reusing the stored copy", doc_id)
            if self.store.exists(json_key):  # and its metadata: the one its PDF is bound to
                earlier = json.loads(self.store.get_bytes(json_key))
                metadata = {**metadata, **earlier}
                digitized_at = datetime.fromisoformat(earlier["NgaySoHoa"]).astimezone(UTC)
                record = replace(record, digitized_at=digitized_at)
        else:
            self.store.put_file(pdf_key, signed, content_type="application/pdf")
        metadata["SHA256"] = pdf_sha
        record = replace(record, pdf_sha256=pdf_sha, metadata=metadata)
        body = json.dumps(metadata, ensure_ascii=False, indent=1).encode()
        if not self.store.exists(json_key):
            self.store.put_bytes(json_key, body, content_type="application/json")
        self.index.add_document(record)
        self.index.record_event("digitized", document_id=doc_id, dossier_code=request.dossier,
                                actor=request.actor)
        if request.is_result:  # the procedure's result, issued on paper and digitized here
            self.index.record_event("result", document_id=doc_id, dossier_code=request.dossier,
                                    actor=request.actor,
                                    detail={"electronic": False, "digitized": True})
        return ScannedDocument(record=record, source=str(path), pages=pages,
                               sources=[str(o.path) for o in parts])


def document_text(pages: list[PageResult]) -> str:
    """A paper's OCR text as its PDF's text layer holds it: its read pages in order."""
    return "\n\n".join(p.text.strip() for p in pages if p.pdf and not p.error and p.text)


def portal_metadata(record: DocumentRecord, request: ScanRequest) -> dict:
    """The fields the national portal exchanges (shared/DESIGN.md, "Stored metadata")."""
    fields = {k: portal_value(k, field_value(record.fields, k)) for k in record.fields}
    review = sorted(k for k, v in record.fields.items()
                    if isinstance(v, dict) and v.get("needs_review"))
    return {
        "MaGiayTo": record.doc_type,
        "TenGiayTo": type_name(record.doc_type),
        "SoKyHieu": fields.get("so_ky_hieu") or fields.get("so") or fields.get("so_phat_hanh"),
        "TrichYeuNoiDung": fields.get("trich_yeu"),
        "NgayCap": fields.get("ngay_cap") or fields.get("ngay_ban_hanh")
        or fields.get("ngay_dang_ky"),
        "ThoiHanHieuLuc": record.valid_until.isoformat() if record.valid_until else None,
        "PhamViHieuLuc": None,
        "MaCoQuan": request.agency,
        "TenCoQuan": request.agency_name,
        "LoaiDinhDanhCHS": "CCCD" if record.owner_id else None,
        "MaChuGiayTo": record.owner_id,
        "TenChuGiayTo": record.owner_name,
        "NgaySoHoa": record.digitized_at.astimezone(VN_TZ).isoformat(timespec="seconds"),
        "MaHoSo": request.dossier,
        "MaTTHC": request.procedure,
        "MaThanhPhanHoSo": request.component,
        "DuocSoHoa": True,
        "DuocTaiSuDung": False,
        "SHA256": record.pdf_sha256,
        "SHA256BanGoc": list(record.original_sha256s),
        "CoQuanBanHanh": fields.get("co_quan_ban_hanh"),
        "CanKiemTra": review,  # fields an officer must check (needs_review)
    }


__all__ = ["DossierScanner", "InvalidRequestError", "ScanRequest",
           "ScanResult", "ScannedDocument", "document_id", "portal_metadata", "sha256_file"]
