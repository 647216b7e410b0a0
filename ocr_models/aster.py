"""AsterNet, a second line reader: a CRNN/CTC Vietnamese line recogniser run with onnxruntime.

The model comes from the ``asterocr`` wheel (pinned by hash in ``requirements-models.txt``,
installed with ``--no-deps``). Only two files of that package are used, found through the
installed distribution's metadata without importing it (its ``__init__`` pulls in Pillow
helpers and, elsewhere, torch and a model-hub client): ``asterocr/assets/asternet.onnx``
(10.6 M parameters, input ``images`` of shape (batch, 3, 32, width) in [0, 1], output
``log_probs`` of shape (time, batch, 227)) and ``asterocr/assets/vocab.json`` (the CTC
alphabet, index 0 the blank).

What this module owns: cutting a line strip out of a page image, the model's input
(x/255 — the package's own ``predict()`` scales to [-1, 1], which is not what the model
was trained on), splitting strips wider than the model accepts (1024 px after scaling)
at word gaps, greedy CTC decoding (as good as the package's beam search on our pages),
and per-character confidences with their x positions on the page, so that a reading can
be aligned with Tesseract's word boxes.

One onnxruntime session per process, created on first use, with one intra-op thread:
the orchestrator already runs one page per core (the same rule as Tesseract's
``OMP_THREAD_LIMIT=1``).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import unicodedata
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import cv2
import numpy as np

from .base import OcrEngineError

log = logging.getLogger(__name__)

PACKAGE = "asterocr"
MODEL_FILE = "asterocr/assets/asternet.onnx"
VOCAB_FILE = "asterocr/assets/vocab.json"
INSTALL_HINT = "pip install --no-deps --require-hashes -r requirements-models.txt"

STRIP_HEIGHT = 32  # the model's input height
MAX_STRIP_WIDTH = 1024  # wider inputs crash the exported model
FRAME_PX = 4  # the CNN downsamples width by 4: one CTC frame per 4 input pixels
PAD_Y = 0.2  # vertical margin around a line box, as a share of its height
PAD_X = 0.3  # horizontal margin, as a share of the line height
COLUMN_GAP = 1.5  # a gap wider than this many line heights parts columns: read apart


@dataclass(frozen=True)
class Char:
    """One decoded character, its probability and its x span in page pixels."""

    text: str
    confidence: float
    left: float
    right: float


@dataclass(frozen=True)
class LineReading:
    """AsterNet's reading of one line strip."""

    chars: tuple[Char, ...]

    @property
    def text(self) -> str:
        return unicodedata.normalize("NFC", " ".join("".join(c.text for c in self.chars).split()))

    def words(self) -> list[tuple[str, float, float, float]]:
        """(text, confidence, left, right) of each space-separated word; the word's
        confidence is its least sure character's."""
        out: list[tuple[str, float, float, float]] = []
        current: list[Char] = []
        for char in (*self.chars, Char(" ", 1.0, 0.0, 0.0)):
            if char.text == " ":
                if current:
                    out.append((unicodedata.normalize("NFC", "".join(c.text for c in current)),
                                min(c.confidence for c in current),
                                current[0].left, current[-1].right))
                current = []
            else:
                current.append(char)
        return out


def _asset(relative: str) -> Path:
    try:
        dist = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError:
        raise OcrEngineError(
            f"the AsterNet model package ({PACKAGE}) is not installed; install it with: "
            f"{INSTALL_HINT}") from None
    path = Path(str(dist.locate_file(relative)))
    if not path.is_file():
        raise OcrEngineError(f"{PACKAGE} is installed but {relative} is missing; "
                             f"reinstall it with: {INSTALL_HINT}")
    return path


def model_version() -> str:
    """The installed model package's version, or raise :class:`OcrEngineError`."""
    _asset(MODEL_FILE)
    return metadata.version(PACKAGE)


def available() -> bool:
    """Whether the model package and onnxruntime are installed (nothing is loaded)."""
    try:
        _asset(MODEL_FILE)
        _asset(VOCAB_FILE)
    except OcrEngineError:
        return False
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


@functools.cache
def _alphabet() -> tuple[str, ...]:
    with _asset(VOCAB_FILE).open(encoding="utf-8") as fh:
        chars = json.load(fh)["chars"]
    if not chars or chars[0] != "<blank>":
        raise OcrEngineError(f"{VOCAB_FILE}: index 0 is not the CTC blank")
    return ("",) + tuple(unicodedata.normalize("NFC", c) for c in chars[1:])


_SESSION_LOCK = threading.Lock()


@functools.cache
def _session():
    try:
        import onnxruntime as ort
    except ImportError:
        raise OcrEngineError("onnxruntime is not installed; install it with: "
                             "pip install onnxruntime") from None
    path = _asset(MODEL_FILE)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # one page per core, like Tesseract
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), sess_options=options,
                                   providers=["CPUExecutionProvider"])
    outputs = session.get_outputs()[0].shape
    if outputs[-1] != len(_alphabet()):
        raise OcrEngineError(f"{MODEL_FILE} has {outputs[-1]} classes, "
                             f"{VOCAB_FILE} {len(_alphabet())}")
    log.debug("AsterNet session created from %s", path)
    return session


class AsterReader:
    """Reads line strips cut from a page image (grey or BGR uint8)."""

    def version(self) -> str:
        return f"asternet {model_version()}"

    def check(self) -> None:
        """Raise :class:`OcrEngineError` if the model cannot be loaded."""
        _asset(MODEL_FILE)
        _alphabet()
        with _SESSION_LOCK:
            _session()

    def read_line(self, page: np.ndarray, box: tuple[int, int, int, int],
                  gaps: list[tuple[int, int]] | None = None) -> LineReading:
        """Read the line inside ``box`` = (left, top, right, bottom) of ``page``.

        ``gaps`` are (left, right) x spans between words (Tesseract's boxes): a strip
        that would be wider than the model accepts is cut in the middle of the widest
        gaps. Character x positions are returned in ``page`` pixels.
        """
        left, top, right, bottom = box
        height = max(1, bottom - top)
        h, w = page.shape[:2]
        y0, y1 = max(0, int(top - PAD_Y * height)), min(h, int(bottom + PAD_Y * height) + 1)
        scale = STRIP_HEIGHT / max(1, y1 - y0)
        pieces = _cut(left, right, gaps or [], scale, PAD_X * height, COLUMN_GAP * height)
        chars: list[Char] = []
        for x0, x1 in pieces:
            x0, x1 = max(0, int(x0)), min(w, int(x1) + 1)
            if x1 - x0 < 2:
                continue
            if chars:
                chars.append(Char(" ", 1.0, x0, x0))
            chars.extend(self._read(page[y0:y1, x0:x1], x0))
        return LineReading(tuple(chars))

    def _read(self, crop: np.ndarray, x_offset: float) -> list[Char]:
        strip, x_scale = _strip(crop)
        with _SESSION_LOCK:
            session = _session()
        log_probs = session.run(None, {"images": strip})[0][:, 0, :]  # (time, classes)
        return _decode(log_probs, _alphabet(), FRAME_PX / x_scale, x_offset)


def _cut(left: float, right: float, gaps: list[tuple[int, int]], scale: float,
         pad: float, column_gap: float) -> list[tuple[float, float]]:
    """Split [left, right] at column gaps, then in the middle of word gaps until every
    piece fits the model's width. Outer edges and column edges get ``pad`` of margin;
    a cut in a word gap already has half the gap as margin on each side."""
    pieces: list[list[float]] = []  # [left, right, left pad, right pad]
    start = left
    for g0, g1 in sorted(gaps):
        if g1 - g0 > column_gap and left < g0 and g1 < right:
            pieces.append([start, g0, pad, pad])
            start = g1
    pieces.append([start, right, pad, pad])
    limit = (MAX_STRIP_WIDTH - 8) / scale
    while True:
        widest = max(range(len(pieces)), key=lambda i: pieces[i][1] - pieces[i][0]
                     + pieces[i][2] + pieces[i][3])
        a, b, pa, pb = pieces[widest]
        if b - a + pa + pb <= limit:
            break
        inside = [(g1 - g0, (g0 + g1) / 2) for g0, g1 in gaps if a < g0 and g1 < b]
        # the widest gap nearest the middle: halves of similar width, a real word gap;
        # no word gap at all (a 1024-px run of letters is rare): cut blindly
        middle = (a + b) / 2
        cut = max(inside, key=lambda g: g[0] - 0.1 * abs(g[1] - middle))[1] \
            if inside else middle
        pieces[widest:widest + 1] = [[a, cut, pa, 0.0], [cut, b, 0.0, pb]]
    return [(a - pa, b + pb) for a, b, pa, pb in pieces]


def _strip(crop: np.ndarray) -> tuple[np.ndarray, float]:
    """The model input for one crop: RGB, 32 px high, width a multiple of 4, in [0, 1]."""
    if crop.ndim == 2:
        rgb = cv2.cvtColor(crop, cv2.COLOR_GRAY2RGB)
    else:
        rgb = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)
    h, w = rgb.shape[:2]
    width = max(16, round(w * STRIP_HEIGHT / h))
    width = min(MAX_STRIP_WIDTH, (width + 3) // 4 * 4)
    interp = cv2.INTER_AREA if h > STRIP_HEIGHT else cv2.INTER_LINEAR
    resized = cv2.resize(rgb, (width, STRIP_HEIGHT), interpolation=interp)
    tensor = resized.astype(np.float32).transpose(2, 0, 1)[np.newaxis] / 255.0
    return np.ascontiguousarray(tensor), width / w


def _decode(log_probs: np.ndarray, alphabet: tuple[str, ...], px_per_frame: float,
            x_offset: float) -> list[Char]:
    """Greedy CTC: the best class per frame, repeats merged, blanks dropped; a character's
    confidence is the highest probability it reached over its frames."""
    probs = np.exp(log_probs - log_probs.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    best = probs.argmax(axis=1)
    chars: list[Char] = []
    start = 0
    for t in range(1, len(best) + 1):
        if t < len(best) and best[t] == best[start]:
            continue
        cls = int(best[start])
        if cls != 0:
            conf = float(probs[start:t, cls].max())
            chars.append(Char(alphabet[cls], conf, x_offset + start * px_per_frame,
                              x_offset + t * px_per_frame))
        start = t
    return chars
