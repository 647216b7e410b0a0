"""Access to the warehouse: open the configured store and index, verify stored documents
(hash and signature), hand out verified copies and attach papers to new dossiers (reuse),
recording every access and every reuse. ``with Warehouse.open(settings) as warehouse:``
is the one way the CLI and the web service reach what is stored.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from common.errors import (
    DocumentIntegrityError,
    DocumentNotFoundError,
    ExpiredDocumentError,
    InvalidRequestError,
)
from common.settings import Settings
from common.vn import vn_today
from pipeline.run.submit import open_store_checked, signing_config
from reuse_index import DocumentRecord, ReuseIndex, refusal
from storage import ObjectNotFoundError, ObjectStore
from warehouse.integrity import Parts, check_parts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verification:
    document_id: str
    stored: bool
    hash_ok: bool
    signature: dict | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.stored and self.hash_ok and not self.problems

    def to_json(self) -> dict:
        return {"id": self.document_id, "ok": self.ok, "stored": self.stored,
                "hash_ok": self.hash_ok, "signature": self.signature,
                "problems": list(self.problems)}


@dataclass
class Warehouse:
    settings: Settings
    store: ObjectStore
    index: ReuseIndex
    trust_roots: tuple[Path, ...]

    @classmethod
    def open(cls, settings: Settings) -> Warehouse:
        """The configured store (probed) and index, and the trusted roots."""
        store = open_store_checked(settings)
        index = ReuseIndex.from_env(settings.env, home=settings.home)
        return cls(settings, store, index, tuple(signing_config(settings).trust_roots))

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def document(self, doc_id: str) -> DocumentRecord:
        record = self.index.get(doc_id)
        if record is None:
            raise DocumentNotFoundError(detail=doc_id)
        return record

    def verify(self, record: DocumentRecord, *, originals: bool = True
               ) -> tuple[Verification, bytes | None]:
        """Check everything stored for ``record``: the signed PDF (its SHA-256 and
        signature), what the PDF is bound to (its document id, originals and metadata
        hash, common/binding.py), the metadata file against the index row, and (unless
        ``originals`` is false) every original's bytes against its SHA-256."""
        try:
            data = self.store.get_bytes(record.pdf_key or "")
        except ObjectNotFoundError:
            return Verification(record.id, False, False, None, ("object missing",)), None
        hash_ok = hashlib.sha256(data).hexdigest() == record.pdf_sha256
        from pipeline.signing.verify import verify_pdf  # pyHanko: only where verifying

        report = verify_pdf(data, trust_roots=self.trust_roots)
        problems = [] if hash_ok else ["sha256 mismatch"]
        if not report.ok:
            problems.extend(report.problems or ("signature not valid",))
        issues = check_parts(self.store, Parts.of(record), data, signature_ok=report.ok,
                             originals=originals)
        problems.extend(issue.detail for issue in issues)
        return Verification(record.id, True, hash_ok, report.to_dict(), tuple(problems)), data

    def verify_all(self) -> Iterator[Verification]:
        for record in self.index.iter_documents():
            yield self.verify(record)[0]

    def fetch(self, doc_id: str, *, actor: str, dossier: str | None = None) -> bytes:
        """A verified copy of the signed PDF; the access is recorded either way."""
        record = self.document(doc_id)
        check, data = self.verify(record)
        self.index.record_event("accessed", document_id=doc_id, dossier_code=dossier,
                                actor=actor, detail={"action": "get", "ok": check.ok})
        if not check.ok or data is None:
            raise DocumentIntegrityError(detail=", ".join(check.problems))
        return data

    def reuse(self, doc_id: str, *, dossier: str, actor: str, component: str | None = None,
              on: date | None = None, extra: dict | None = None) -> DocumentRecord:
        """Attach a stored paper to a new dossier: checked intact and signed, and still
        valid on ``on`` (today); recorded as a ``reused`` event (``DuocTaiSuDung``) or, when
        refused, a ``reuse_refused`` event with the reason (``extra`` joins the event's
        detail: how the caller signed in, from where). The stored document is never
        copied or changed."""
        record = self.document(doc_id)
        merged = self.index.events(document_id=doc_id, kind="superseded", limit=1)
        if merged:  # split papers joined later (warehouse/merge.py): attach the new one
            raise InvalidRequestError(detail=f"{doc_id} đã được gộp vào "
                                             f"{merged[0].detail.get('by')}; hãy dùng mã đó")
        day = on or vn_today()
        check, _ = self.verify(record)
        reason = None
        if not check.ok:
            reason = refusal("integrity", problems=check.problems)
        elif not record.is_valid_on(day):
            reason = refusal("expired", valid_until=record.valid_until)
        detail = {"component": component, "valid_until": record.valid_until.isoformat()
                  if record.valid_until else None, "checked_on": day.isoformat(),
                  "action": "attach", **(extra or {})}
        if reason:
            self.index.record_event("reuse_refused", document_id=doc_id, dossier_code=dossier,
                                    actor=actor, detail={**detail, **reason})
            if not check.ok:
                raise DocumentIntegrityError(detail=", ".join(check.problems))
            raise ExpiredDocumentError(detail=f"{doc_id}: hết hạn ngày "
                                              f"{record.valid_until:%d/%m/%Y}")
        self.index.record_event("reused", document_id=doc_id, dossier_code=dossier,
                                actor=actor, detail={**detail, "DuocTaiSuDung": True})
        return record

