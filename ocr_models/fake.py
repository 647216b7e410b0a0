"""A fake OCR engine for fast tests: it reads text from a sidecar instead of pixels.

Tests register the text a page should produce (``FakeEngine.script``); without a script
the engine returns one word per dark connected blob row, so geometry still flows
through the pipeline without Tesseract installed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import OcrEngine, OcrResult, Word


class FakeEngine(OcrEngine):
    """Returns scripted lines of text laid out top to bottom on the page."""

    name = "fake"

    def __init__(self, lines: Sequence[str] = ("Văn bản mẫu",), confidence: float = 0.99) -> None:
        self.script = list(lines)
        self.confidence = confidence

    def version(self) -> str:
        return "fake 1.0"

    def languages(self) -> set[str]:
        return {"vie", "eng"}

    def recognize(self, image: np.ndarray, *, languages: Sequence[str] = ("vie",),
                  dpi: int = 300) -> OcrResult:
        height, width = image.shape[:2]
        line_h = max(1, height // (len(self.script) + 2))
        words: list[Word] = []
        for n, line in enumerate(self.script, start=1):
            x = width // 10
            for token in line.split():
                w = max(1, len(token) * line_h // 3)
                words.append(Word(token, x, n * line_h, w, line_h // 2, self.confidence, 1, 1, n))
                x += w + line_h // 3
        return OcrResult(words=tuple(words), engine="fake", size=(width, height))
