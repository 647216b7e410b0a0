"""Merging papers that were stored split (a card's front and back digitized as two
documents before the scan flow grouped pages across files) into one document.

Signed PDFs are write-once, so nothing stored is changed: the originals of the split
documents (still in the store, checked first) go through the page pipeline again as one
paper of the first document's type, which is stored like any scan — a new signed PDF whose
binding lists every original, a new metadata file, a new index row and a ``digitized``
event. A ``merged`` event on the new document names the old ones, and a ``superseded``
event on each old one names the new one; search leaves superseded documents out, and
reuse of one points to the new document. The id of the merged document is derived from
the merged ids, so running the same merge twice makes nothing new.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from common.errors import DocumentIntegrityError, InvalidRequestError
from pipeline.page.pool import process_files
from pipeline.papers.fields import documents_for_pages
from pipeline.scan import DossierScanner, Original, ScanRequest
from reuse_index import DocumentRecord
from warehouse.access import Warehouse

log = logging.getLogger(__name__)

MERGED, SUPERSEDED = "merged", "superseded"


def merged_id(doc_ids: Sequence[str]) -> str:
    """The merged document's id: the same for the same documents in the same order."""
    tag = "sohoa-merge:" + ",".join(doc_ids)
    return hashlib.sha256(tag.encode()).hexdigest()[:24]


def superseded_by(warehouse: Warehouse, doc_id: str) -> str | None:
    """The document that replaced ``doc_id`` (a merge), or None."""
    found = warehouse.index.events(document_id=doc_id, kind=SUPERSEDED, limit=1)
    return found[0].detail.get("by") if found else None


def merge_documents(warehouse: Warehouse, scanner: DossierScanner, doc_ids: Sequence[str],
                    *, actor: str, agency_name: str, reason: str | None = None
                    ) -> DocumentRecord:
    """One new document from the originals of ``doc_ids`` (in that order); see above."""
    if len(doc_ids) < 2 or len(set(doc_ids)) != len(doc_ids):
        raise InvalidRequestError(detail="cần ít nhất hai mã giấy tờ khác nhau để gộp")
    records = [warehouse.document(d) for d in doc_ids]
    new_id = merged_id([r.id for r in records])
    done = warehouse.index.get(new_id)
    if done is not None:
        return done
    for rec in records:
        later = superseded_by(warehouse, rec.id)
        if later is not None:
            raise InvalidRequestError(detail=f"{rec.id} đã được gộp vào {later}")
        check, _ = warehouse.verify(rec)
        if not check.ok:  # never build on a paper that is not intact
            raise DocumentIntegrityError(detail=f"{rec.id}: " + ", ".join(check.problems))
    dossiers = {r.dossier_code for r in records}
    if len(dossiers) != 1:
        raise InvalidRequestError(detail="chỉ gộp được giấy tờ của cùng một hồ sơ")
    first = records[0]
    request = ScanRequest(dossier=first.dossier_code or "", procedure=first.procedure_code
                          or "", agency=first.agency_code or "", agency_name=agency_name,
                          actor=actor, doc_type=first.doc_type,
                          component=first.metadata.get("MaThanhPhanHoSo"),
                          owner_id=None, owner_name=None)
    keys = list(dict.fromkeys(k for r in records for k in r.original_keys))
    shas = {k: s for r in records for k, s in zip(r.original_keys, r.original_sha256s,
                                                  strict=False)}
    with tempfile.TemporaryDirectory(prefix="sohoa-merge-") as tmp:
        paths = []
        for n, key in enumerate(keys):
            path = Path(tmp) / f"goc-{n}{Path(key).suffix}"
            path.write_bytes(warehouse.store.get_bytes(key))
            paths.append(path)
        files = process_files(paths, replace(scanner.options, workdir=tmp), workers=1)
        originals = [Original(p, shas[k], k, f.pages)
                     for p, k, f in zip(paths, keys, files, strict=True)]
        pages = [p for o in originals for p in o.pages]
        papers = documents_for_pages(pages, force_type=first.doc_type)
        if not papers:
            raise InvalidRequestError(detail="các bản gốc không còn trang đọc được")
        doc = scanner._store_document(originals, request, new_id, papers[0], pages,
                                      Path(tmp) / "ocr.pdf", Path(tmp) / "signed.pdf")
    ids = [r.id for r in records]
    warehouse.index.record_event(MERGED, document_id=new_id, dossier_code=request.dossier,
                                 actor=actor, detail={"from": ids, "reason": reason})
    for rec in records:
        warehouse.index.record_event(SUPERSEDED, document_id=rec.id,
                                     dossier_code=request.dossier, actor=actor,
                                     detail={"by": new_id, "reason": reason})
    log.info("merged %d documents into %s", len(ids), new_id)
    return doc.record
