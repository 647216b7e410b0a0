"""Page previews of stored signed PDFs: rendered once by poppler, cached on local disk.

The cache (``SOHOA_HOME/cache/previews``) is keyed by the PDF's SHA-256; the PDF is
checked against that digest before it is rendered, and every cached JPEG carries an
HMAC under the server's secret key (``.mac`` beside it), checked each time it is served:
a JPEG replaced on disk is rendered again, never served. It can be deleted at any time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from pathlib import Path

from common.errors import SohoaError
from common.private import private_dir
from pipeline.page.intake import render_page_jpeg
from reuse_index import DocumentRecord
from storage import ObjectStore

LONGEST_PX = 1100  # sharp enough to read at 1366×768, small enough to send quickly
THUMB_PX = 200  # a result list's thumbnail: the paper's shape and layout, not its text


class PreviewError(Exception):
    """The stored PDF could not be rendered or does not match its recorded digest."""


def page_jpeg(store: ObjectStore, record: DocumentRecord, page: int, *, cache: Path,
              key: bytes, longest_px: int = LONGEST_PX) -> bytes:
    """Page ``page`` (1-based) of the document's signed PDF as a JPEG whose longer side is
    ``longest_px`` (``LONGEST_PX`` to read, ``THUMB_PX`` for a thumbnail)."""
    digest = record.pdf_sha256 or ""
    folder = cache / "previews" / digest[:2] / digest
    image = folder / f"{page}-{longest_px}.jpg"
    mac_file = image.with_suffix(".mac")
    if image.exists() and mac_file.exists():
        jpeg = image.read_bytes()
        if hmac.compare_digest(mac_file.read_text().strip(),
                               _mac(key, digest, page, longest_px, jpeg)):
            return jpeg
    data = store.get_bytes(record.pdf_key or "")  # rendered from checked bytes, every time
    if hashlib.sha256(data).hexdigest() != digest:
        raise PreviewError("sha256 mismatch")
    with tempfile.TemporaryDirectory(prefix="sohoa-preview-") as tmp:
        pdf = Path(tmp) / "document.pdf"
        pdf.write_bytes(data)
        try:
            jpeg = render_page_jpeg(pdf, page - 1, longest_px=longest_px)
        except SohoaError as exc:
            raise PreviewError(f"page {page}: {exc.detail}") from exc
    _write_atomic(image, jpeg)
    _write_atomic(mac_file, _mac(key, digest, page, longest_px, jpeg).encode("ascii"))
    return jpeg


def _mac(key: bytes, digest: str, page: int, longest_px: int, jpeg: bytes) -> str:
    message = f"{digest}:{page}:{longest_px}:".encode("ascii") + jpeg
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
