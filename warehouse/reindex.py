"""Making stored documents searchable by their text (``sohoa reindex``).

Documents indexed before full-text search existed have their owner, fields and numbers
indexed by the index's migration, but not their OCR text: the index never kept it. The
text is in the signed PDF's text layer, so it is read back from there (``pdftotext``),
from a copy whose SHA-256 matches the index (a damaged file is reported, not indexed).
Only the revision before the first signature is read: a signature's visible stamp
("Bản sao điện tử", the agency, the time) is no text of the paper.
Only documents still without text are read unless ``everything`` is asked; a run that
stops half-way is simply run again.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from common.errors import SohoaError
from pipeline.page.poppler import pdf_text
from storage import ObjectNotFoundError
from warehouse.access import Warehouse

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class ReindexReport:
    done: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (document id, why)

    def to_json(self) -> dict:
        return {"indexed": self.done, "failed": len(self.problems),
                "problems": [{"id": d, "problem": p} for d, p in self.problems]}


def _ids(warehouse: Warehouse, everything: bool) -> Iterator[str]:
    if everything:
        yield from (r.id for r in warehouse.index.iter_documents())
        return
    after = ""
    while page := warehouse.index.ids_without_text(after=after, limit=500):
        yield from page
        after = page[-1]


def reindex(warehouse: Warehouse, *, everything: bool = False,
            progress: Progress | None = None) -> ReindexReport:
    """Index the OCR text of stored documents that have none indexed (or of all)."""
    total = (warehouse.index.count_documents() if everything
             else len(list(_ids(warehouse, everything=False))))
    report = ReindexReport()
    with tempfile.TemporaryDirectory(prefix="sohoa-reindex-") as tmp:
        pdf = Path(tmp) / "doc.pdf"
        for n, doc_id in enumerate(_ids(warehouse, everything), start=1):
            problem = _one(warehouse, doc_id, pdf)
            if problem:
                report.problems.append((doc_id, problem))
            else:
                report.done += 1
            if progress:
                progress(n, total)
    log.info("reindexed the text of %d documents, %d failed", report.done,
             len(report.problems))
    return report


def _one(warehouse: Warehouse, doc_id: str, pdf: Path) -> str | None:
    record = warehouse.index.get(doc_id)
    if record is None or not record.pdf_key:
        return "no stored PDF"
    try:
        data = warehouse.store.get_bytes(record.pdf_key)
    except ObjectNotFoundError:
        return "object missing"
    if hashlib.sha256(data).hexdigest() != record.pdf_sha256:
        return "sha256 mismatch"
    pdf.write_bytes(unsigned_revision(data))
    try:
        text = pdf_text(pdf)
    except SohoaError as exc:
        return f"text layer unreadable: {exc.detail}"
    pages = ["\n".join(" ".join(line.split()) for line in page.splitlines() if line.strip())
             for page in text.split("\f")]
    warehouse.index.set_text(doc_id, "\n\n".join(p for p in pages if p))
    return None


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[")
_EOF = re.compile(rb"%%EOF[ \t]*(?:\r\n|\r|\n)?")


def unsigned_revision(data: bytes) -> bytes:
    """The PDF as it was before its first signature: a signature is an incremental update
    after the document's ``%%EOF``, so the bytes up to the last ``%%EOF`` before the first
    signature dictionary are the whole unsigned document. An unsigned PDF, or one where
    no such marker is found, is returned whole."""
    first = _BYTE_RANGE.search(data)
    if first is None:
        return data
    ends = [m.end() for m in _EOF.finditer(data, 0, first.start())]
    return data[:ends[-1]] if ends else data
