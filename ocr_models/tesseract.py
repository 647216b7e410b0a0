"""The Tesseract engine: every call to the ``tesseract`` program goes through here.

The version and installed languages are probed once per process. Tesseract runs with
``OMP_THREAD_LIMIT=1``: the orchestrator already runs one page per core, and letting
Tesseract spawn OpenMP threads as well oversubscribes the cores (OCRmyPDF issue #217).
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence

import cv2
import numpy as np
import pytesseract

from .base import OcrEngine, OcrEngineError, OcrResult, Word

log = logging.getLogger(__name__)

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-vie"


@functools.cache
def _probe() -> tuple[str, frozenset[str]]:
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        raise OcrEngineError(f"tesseract is not installed; install it with: {INSTALL_HINT}")
    try:
        version = str(pytesseract.get_tesseract_version())
        langs = frozenset(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractError, OSError) as exc:
        raise OcrEngineError(
            f"tesseract does not run: {exc}; reinstall with: {INSTALL_HINT}") from exc
    return version, langs


class TesseractEngine(OcrEngine):
    """Tesseract 4/5 LSTM through pytesseract, with word boxes and confidences."""

    name = "tesseract"

    def __init__(self, *, timeout: float = 180.0, psm: int = 3) -> None:
        self.timeout = timeout
        self.psm = psm

    def version(self) -> str:
        return _probe()[0]

    def languages(self) -> set[str]:
        return set(_probe()[1])

    def check(self, languages: Sequence[str] = ("vie",)) -> None:
        missing = set(languages) - self.languages()
        if missing:
            packages = " ".join(f"tesseract-ocr-{lang}" for lang in sorted(missing))
            raise OcrEngineError(
                f"Tesseract language data missing: {', '.join(sorted(missing))}; "
                f"install it with: apt-get install {packages}"
            )

    def _data(self, image: np.ndarray, languages: Sequence[str], dpi: int,
              psm: int) -> dict[str, list]:
        config = f"--oem 1 --psm {psm} --dpi {dpi} -c preserve_interword_spaces=0"
        # pytesseract would PNG-encode an array (~1.5 s for an A4 page at 300 dpi); an
        # uncompressed TIFF costs milliseconds to write and to read (Leptonica reads a
        # PNM file byte by byte: ~0.2 s of Tesseract's time on an A4 page).
        with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as tmp:
            path = os.path.join(tmp, "page.tif")
            if not cv2.imwrite(path, image, _tiff_params(dpi)):
                raise OcrEngineError("cannot write the page image for tesseract")
            return self._run(path, languages, config)

    def _run(self, path: str, languages: Sequence[str], config: str) -> dict[str, list]:
        try:
            return pytesseract.image_to_data(
                path, lang="+".join(languages), config=config,
                output_type=pytesseract.Output.DICT, timeout=self.timeout,
            )
        except RuntimeError as exc:  # pytesseract raises RuntimeError on timeout
            raise OcrEngineError(f"tesseract timed out after {self.timeout:.0f} s") from exc
        except pytesseract.TesseractError as exc:
            raise OcrEngineError(f"tesseract failed: {exc.message}") from exc

    def recognize(self, image: np.ndarray, *, languages: Sequence[str] = ("vie",),
                  dpi: int = 300) -> OcrResult:
        data = self._data(image, languages, dpi, self.psm)
        words = tuple(_words(data))
        height, width = image.shape[:2]
        return OcrResult(words=words, engine=f"tesseract {self.version()}",
                         size=(width, height))

    def recognize_line(self, image: np.ndarray, *, languages: Sequence[str] = ("vie",),
                       dpi: int = 300) -> OcrResult:
        data = self._data(image, languages, dpi, 7)
        height, width = image.shape[:2]
        return OcrResult(words=tuple(_words(data)), engine=f"tesseract {self.version()}",
                         size=(width, height))

    def recognize_many(self, images: Sequence[np.ndarray], *, dpis: Sequence[int],
                       languages: Sequence[str] = ("vie",), line: bool = False
                       ) -> list[OcrResult]:
        """Several crops in one ``tesseract`` run (one start and model load instead of
        one per crop: ~0.08 s of CPU each), each read exactly as alone."""
        if len(images) < 2:
            return super().recognize_many(images, dpis=dpis, languages=languages, line=line)
        readings = self._data_many(images, dpis, languages, 7 if line else self.psm)
        engine = f"tesseract {self.version()}"
        return [OcrResult(words=tuple(_words(data)), engine=engine,
                          size=(image.shape[1], image.shape[0]))
                for image, data in zip(images, readings, strict=True)]

    def _data_many(self, images: Sequence[np.ndarray], dpis: Sequence[int],
                   languages: Sequence[str], psm: int) -> list[dict[str, list]]:
        """One ``tesseract`` run over a list of images (Tesseract reads a text file of
        image paths as a multi-page input); each image carries its resolution in its
        TIFF header, so crops of different resolutions share the run."""
        config = f"--oem 1 --psm {psm} -c preserve_interword_spaces=0"
        with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as tmp:
            paths = []
            for n, (image, dpi) in enumerate(zip(images, dpis, strict=True)):
                path = os.path.join(tmp, f"crop{n:04d}.tif")
                if not cv2.imwrite(path, image, _tiff_params(dpi)):
                    raise OcrEngineError("cannot write an image for tesseract")
                paths.append(path)
            listing = os.path.join(tmp, "images.txt")
            with open(listing, "w", encoding="utf-8") as fh:
                fh.write("\n".join(paths) + "\n")
            return _split_pages(self._run(listing, languages, config), len(paths))

    def orientation_scores(self, image: np.ndarray, *, languages: Sequence[str] = ("vie",)
                           ) -> dict[int, float]:
        """Mean word confidence of a text sample read as is (0) and turned over (180)."""
        turned = np.ascontiguousarray(image[::-1, ::-1])
        readings = self._data_many([image, turned], [300, 300], languages, 6)
        scores: dict[int, float] = {}
        for turn, data in zip((0, 180), readings, strict=True):
            words = list(_words(data))
            chars = sum(len(w.text) for w in words)
            scores[turn] = (sum(w.confidence * len(w.text) for w in words) / chars
                            if chars else 0.0)
        return scores


def _words(data: dict[str, list]) -> list[Word]:
    words = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        words.append(Word(
            text=text, left=int(data["left"][i]), top=int(data["top"][i]),
            width=int(data["width"][i]), height=int(data["height"][i]),
            confidence=max(0.0, min(1.0, conf / 100.0)),
            block=int(data["block_num"][i]), par=int(data["par_num"][i]),
            line=int(data["line_num"][i]),
        ))
    return words


def _tiff_params(dpi: int) -> list[int]:
    """Uncompressed TIFF (written and read in milliseconds) with its resolution tagged."""
    return [cv2.IMWRITE_TIFF_COMPRESSION, 1, cv2.IMWRITE_TIFF_RESUNIT, 2,
            cv2.IMWRITE_TIFF_XDPI, int(dpi), cv2.IMWRITE_TIFF_YDPI, int(dpi)]


def _split_pages(data: dict[str, list], pages: int) -> list[dict[str, list]]:
    """Tesseract's TSV of a multi-page run, cut into one dict per page (``page_num``)."""
    out: list[dict[str, list]] = [{key: [] for key in data} for _ in range(pages)]
    for i, page in enumerate(data["page_num"]):
        n = int(page) - 1
        if not 0 <= n < pages:
            raise OcrEngineError(f"tesseract returned page {page} of {pages}")
        for key, values in data.items():
            out[n][key].append(values[i])
    return out
