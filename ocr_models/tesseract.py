"""The Tesseract engine: every call to Tesseract goes through here.

Two ways to run the same engine, chosen once per process:

- **in process** (default when ``libtesseract`` — Debian's ``libtesseract5``, which the
  ``tesseract`` program runs on — and the models are found): its C API through ctypes, one
  Tesseract instance per thread and language set, model loaded once, the image handed
  over as raw pixels; the same library, so the same words as the program. A call costs
  ~0.1 s of CPU less than starting the program (model load, image file written and read
  back, TSV parsed): ~0.3-0.5 s a page with the field re-reads and the up/down check
  (``benchmarks/ocr_bench.py``).
- **the ``tesseract`` program** through pytesseract (``SOHOA_TESSERACT=cli``, or when the
  library is not found): a crash or a runaway page cannot take the worker with it.

Both read the Debian ``tesseract-ocr-*`` language models (``TESSDATA_PREFIX`` or where the
``tesseract`` program finds them) and give the same TSV columns, so everything above this
module is the same. The version and installed languages are probed once per process.
Tesseract runs with ``OMP_THREAD_LIMIT=1``: the orchestrator already runs one page per core,
and letting Tesseract spawn OpenMP threads as well oversubscribes the cores (OCRmyPDF issue
#217).
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import functools
import glob
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence

import cv2
import numpy as np
import pytesseract

from .base import OcrEngine, OcrEngineError, OcrResult, Word

log = logging.getLogger(__name__)

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-vie"
BACKEND_ENV = "SOHOA_TESSERACT"  # "cli": always run the tesseract program
TSV_KEYS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top",
            "width", "height", "conf", "text")


@functools.cache
def _probe() -> tuple[str, frozenset[str]]:
    """(version, installed languages) of the Tesseract that reads the pages."""
    inproc = _inprocess()
    if inproc is not None:
        return inproc.version, inproc.languages
    return _probe_cli()


@functools.cache
def _probe_cli() -> tuple[str, frozenset[str]]:
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        raise OcrEngineError(f"tesseract is not installed; install it with: {INSTALL_HINT}")
    try:
        version = str(pytesseract.get_tesseract_version())
        langs = frozenset(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractError, OSError) as exc:
        raise OcrEngineError(
            f"tesseract does not run: {exc}; reinstall with: {INSTALL_HINT}") from exc
    return version, langs


def tessdata_dir() -> str | None:
    """The folder of the installed language models: ``TESSDATA_PREFIX``, else where the
    ``tesseract`` program reads them, else Debian's and the usual places (the program is
    asked only when the variable does not say)."""
    for folder in _tessdata_candidates():
        if glob.glob(os.path.join(folder, "*.traineddata")):
            return folder.rstrip("/") + "/"
    return None


def _tessdata_candidates() -> Iterator[str]:
    env = os.environ.get("TESSDATA_PREFIX")
    if env:
        yield from (env, os.path.join(env, "tessdata"))
    exe = shutil.which(pytesseract.pytesseract.tesseract_cmd)
    if exe:
        try:
            listing = subprocess.run([exe, "--list-langs"], capture_output=True, text=True,
                                     timeout=30, check=False).stdout
            m = re.search(r'languages in "([^"]+)"', listing)
            if m:
                yield m.group(1)
        except (OSError, subprocess.SubprocessError):
            pass
    yield from sorted(glob.glob("/usr/share/tesseract-ocr/*/tessdata"), reverse=True)
    yield from ("/usr/share/tessdata", "/usr/local/share/tessdata")


class _InProcess:
    """Tesseract as a library: the ``libtesseract`` the ``tesseract`` program itself runs
    (Debian's ``libtesseract5``), called through its C API with ctypes — so the words, boxes
    and confidences are the program's, byte for byte. One API per thread and language set,
    the model loaded once; each image is set as raw pixels with its resolution, read with
    the page segmentation mode asked for, under a deadline, and returned as TSV columns."""

    def __init__(self, lib: ctypes.CDLL, path: str) -> None:
        self._lib = lib
        self.path = path
        self.version = lib.TessVersion().decode()
        self.languages = frozenset(
            os.path.basename(f)[:-len(".traineddata")]
            for f in glob.glob(os.path.join(path, "*.traineddata")))
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[int] = []
        atexit.register(self.close)

    def _api(self, languages: Sequence[str]) -> int:
        apis = self._local.__dict__.setdefault("apis", {})
        lang = "+".join(languages)
        if lang not in apis:
            lib = self._lib
            api = lib.TessBaseAPICreate()
            if lib.TessBaseAPIInit2(api, self.path.encode(), lang.encode(), _OEM_LSTM_ONLY):
                lib.TessBaseAPIDelete(api)
                raise OcrEngineError(f"tesseract cannot load the language model {lang!r} "
                                     f"from {self.path}; install it with: {INSTALL_HINT}")
            lib.TessBaseAPISetVariable(api, b"preserve_interword_spaces", b"0")
            # its notes ("Detected 349 diacritics") went to the program's stderr; not ours
            lib.TessBaseAPISetVariable(api, b"debug_file", os.devnull.encode())
            apis[lang] = api
            with self._lock:
                self._all.append(api)
        return apis[lang]

    def close(self) -> None:
        """Free every API made (at exit: Tesseract complains of leaked models otherwise)."""
        with self._lock:
            apis, self._all = self._all, []
        for api in apis:
            self._lib.TessBaseAPIEnd(api)
            self._lib.TessBaseAPIDelete(api)

    def read(self, image: np.ndarray, languages: Sequence[str], dpi: int, psm: int,
             timeout: float) -> dict[str, list]:
        lib, api = self._lib, self._api(languages)
        if image.dtype == np.uint16:  # as the 16-bit TIFF the program was given reads
            image = (image >> 8).astype(np.uint8)
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[:, :, 0]
        elif image.ndim == 3:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA if image.shape[2] == 4
                                 else cv2.COLOR_BGR2RGB)
        pixels = np.ascontiguousarray(image, dtype=np.uint8)
        height, width = pixels.shape[:2]
        depth = 1 if pixels.ndim == 2 else pixels.shape[2]
        lib.TessBaseAPISetPageSegMode(api, psm)
        lib.TessBaseAPISetImage(api, pixels.ctypes.data_as(ctypes.c_void_p), width, height,
                                depth, width * depth)
        lib.TessBaseAPISetSourceResolution(api, int(dpi))
        monitor = lib.TessMonitorCreate()
        try:
            started = time.monotonic()
            lib.TessMonitorSetDeadlineMSecs(monitor, max(1, int(timeout * 1000)))
            failed = lib.TessBaseAPIRecognize(api, monitor)
            if time.monotonic() - started >= timeout:
                raise OcrEngineError(f"tesseract timed out after {timeout:.0f} s")
            if failed:
                raise OcrEngineError("tesseract failed to read the image")
            text = lib.TessBaseAPIGetTsvText(api, 0)
            try:
                tsv = ctypes.string_at(text).decode("utf-8", "replace") if text else ""
            finally:
                if text:
                    lib.TessDeleteText(text)
            return _parse_tsv(tsv)
        finally:
            lib.TessMonitorDelete(monitor)
            lib.TessBaseAPIClear(api)


_OEM_LSTM_ONLY = 1


def _load_library() -> ctypes.CDLL | None:
    """Debian's ``libtesseract.so.5`` (or whichever the loader finds), with the C API's
    signatures declared; None when there is none."""
    names = ["libtesseract.so.5", ctypes.util.find_library("tesseract")]
    for name in filter(None, names):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        vp, ip, cp = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
        for fn, res, args in (
                ("TessVersion", cp, []),
                ("TessBaseAPICreate", vp, []),
                ("TessBaseAPIDelete", None, [vp]),
                ("TessBaseAPIInit2", ip, [vp, cp, cp, ip]),
                ("TessBaseAPISetVariable", ip, [vp, cp, cp]),
                ("TessBaseAPISetPageSegMode", None, [vp, ip]),
                ("TessBaseAPISetImage", None, [vp, vp, ip, ip, ip, ip]),
                ("TessBaseAPISetSourceResolution", None, [vp, ip]),
                ("TessBaseAPIRecognize", ip, [vp, vp]),
                ("TessBaseAPIGetTsvText", ctypes.POINTER(ctypes.c_char), [vp, ip]),
                ("TessDeleteText", None, [ctypes.POINTER(ctypes.c_char)]),
                ("TessBaseAPIClear", None, [vp]),
                ("TessBaseAPIEnd", None, [vp]),
                ("TessMonitorCreate", vp, []),
                ("TessMonitorDelete", None, [vp]),
                ("TessMonitorSetDeadlineMSecs", None, [vp, ip])):
            func = getattr(lib, fn, None)
            if func is None:
                log.debug("%s lacks %s: tesseract runs as a program", name, fn)
                break
            func.restype, func.argtypes = res, args
        else:
            return lib
    return None


def _parse_tsv(tsv: str) -> dict[str, list]:
    """Tesseract's TSV rows (no header) exactly as pytesseract's ``Output.DICT`` gives
    the program's."""
    data: dict[str, list] = {key: [] for key in TSV_KEYS}
    for row in tsv.splitlines():
        cells = row.split("\t")
        if len(cells) < len(TSV_KEYS) - 1:
            continue
        cells += [""] * (len(TSV_KEYS) - len(cells))
        for key, cell in zip(TSV_KEYS, cells, strict=False):
            # as pytesseract reads the program's TSV: numbers truncated to integers (the
            # confidence thresholds above this module were set on those)
            data[key].append(cell if key == "text" else int(float(cell)))
    return data


@functools.cache
def _inprocess() -> _InProcess | None:
    """The in-process backend, or None: asked for the program (``SOHOA_TESSERACT=cli``),
    no ``libtesseract`` found, or no language models found."""
    if os.environ.get(BACKEND_ENV, "").lower() == "cli":
        return None
    lib = _load_library()
    if lib is None:
        log.debug("libtesseract not found: tesseract runs as a program")
        return None
    path = tessdata_dir()
    if path is None:
        log.debug("no tessdata folder found: tesseract runs as a program")
        return None
    backend = _InProcess(lib, path)
    log.debug("tesseract %s in process, models in %s", backend.version, path)
    return backend


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
        inproc = _inprocess()
        if inproc is not None:
            return inproc.read(image, languages, dpi, psm, self.timeout)
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
        TIFF header, so crops of different resolutions share the run. In process: one
        after the other on the loaded model (nothing to share)."""
        inproc = _inprocess()
        if inproc is not None:
            return [inproc.read(image, languages, dpi, psm, self.timeout)
                    for image, dpi in zip(images, dpis, strict=True)]
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
