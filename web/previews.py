"""Page previews of stored signed PDFs: rendered once by poppler, cached on local disk.

The cache (``SOHOA_HOME/cache/previews``) is keyed by the PDF's SHA-256, so a preview can
never show bytes other than the stored, recorded document; it can be deleted at any time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from common.errors import SohoaError
from common.private import private_dir
from pipeline.page.intake import render_page_jpeg
from reuse_index import DocumentRecord
from storage import ObjectStore

LONGEST_PX = 1100  # sharp enough to read at 1366×768, small enough to send quickly


class PreviewError(Exception):
    """The stored PDF could not be rendered or does not match its recorded digest."""


def page_jpeg(store: ObjectStore, record: DocumentRecord, page: int, *, cache: Path) -> bytes:
    """Page ``page`` (1-based) of the document's signed PDF as a JPEG."""
    digest = record.pdf_sha256 or ""
    folder = cache / "previews" / digest[:2] / digest
    image = folder / f"{page}-{LONGEST_PX}.jpg"
    if image.exists():
        return image.read_bytes()
    pdf = folder / "document.pdf"
    if not pdf.exists():
        data = store.get_bytes(record.pdf_key or "")
        if hashlib.sha256(data).hexdigest() != digest:
            raise PreviewError("sha256 mismatch")
        _write_atomic(pdf, data)
    try:
        jpeg = render_page_jpeg(pdf, page - 1, longest_px=LONGEST_PX)
    except SohoaError as exc:
        raise PreviewError(f"page {page}: {exc.detail}") from exc
    _write_atomic(image, jpeg)
    return jpeg


def _write_atomic(path: Path, data: bytes) -> None:
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
