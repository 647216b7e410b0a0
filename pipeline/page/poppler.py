"""poppler's ``pdftoppm`` and ``pdftotext``: every call to them goes through here.

The program is probed once per process (``pdftoppm -v``); each call has a timeout and
turns every failure into a typed error naming the file and page: a missing program says
how to install it, a timeout or a refusal is a damaged page. Used to rasterise PDF pages
that are not one plain scanned image, and to draw page previews.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from common.errors import CorruptFileError, InputFileError

log = logging.getLogger(__name__)

TIMEOUT_S = 120
INSTALL_HINT = "apt-get install poppler-utils"


@functools.cache
def version() -> str:
    """pdftoppm's version line; raises :class:`InputFileError` when it is not installed."""
    program = shutil.which("pdftoppm")
    if program is None:
        raise InputFileError(detail=f"pdftoppm missing: {INSTALL_HINT}")
    proc = subprocess.run([program, "-v"], capture_output=True, timeout=30, check=False)
    text = (proc.stderr or proc.stdout).decode(errors="replace").strip()
    return text.splitlines()[0] if text else "pdftoppm"


def _render(source: str, index: int, options: list[str], suffix: str) -> bytes:
    """Page ``index`` of ``source`` rendered by ``pdftoppm options``; the output's bytes."""
    try:
        version()
    except InputFileError as exc:
        raise InputFileError(source, page=index, detail=exc.detail) from exc
    with tempfile.TemporaryDirectory(prefix="sohoa-pdftoppm-") as tmp:
        root = Path(tmp) / "page"
        cmd = ["pdftoppm", *options, "-f", str(index + 1), "-l", str(index + 1),
               "-singlefile", source, str(root)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, check=False)
        except FileNotFoundError as exc:
            raise InputFileError(source, page=index,
                                 detail=f"pdftoppm missing: {INSTALL_HINT}") from exc
        except subprocess.TimeoutExpired as exc:
            raise CorruptFileError(source, page=index, detail="pdftoppm timed out") from exc
        out = root.with_suffix(suffix)
        if proc.returncode != 0 or not out.exists():
            raise CorruptFileError(source, page=index,
                                   detail=proc.stderr.decode(errors="replace")[-300:])
        log.debug("pdftoppm %s page %d: %d bytes", " ".join(options), index + 1,
                  out.stat().st_size)
        return out.read_bytes()


def rasterise_png(path: Path, index: int, *, dpi: int) -> bytes:
    """Page ``index`` of a PDF as a PNG at ``dpi``."""
    return _render(str(path), index, ["-r", str(dpi), "-png"], ".png")


def render_jpeg(path: Path, index: int, *, longest_px: int, quality: int) -> bytes:
    """Page ``index`` of a PDF as a JPEG whose longer side is ``longest_px``."""
    return _render(str(path), index, ["-scale-to", str(longest_px), "-jpeg", "-jpegopt",
                                      f"quality={quality}"], ".jpg")


def pdf_text(path: Path) -> str:
    """The text layer of a whole PDF (``pdftotext``, UTF-8, pages split by ``\\f``): how a
    stored document's OCR text is read back to index it (``sohoa reindex``)."""
    program = shutil.which("pdftotext")
    if program is None:
        raise InputFileError(str(path), detail=f"pdftotext missing: {INSTALL_HINT}")
    try:
        proc = subprocess.run([program, "-enc", "UTF-8", "-q", str(path), "-"],
                              capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise CorruptFileError(str(path), detail="pdftotext timed out") from exc
    if proc.returncode != 0:
        raise CorruptFileError(str(path), detail=proc.stderr.decode(errors="replace")[-300:])
    return proc.stdout.decode("utf-8", errors="replace")
