"""A fake OCR engine for fast tests: it returns scripted text instead of reading pixels.

It returns the scripted lines (``FakeEngine.script``) laid out from the top-left of
any page, so every other stage (geometry, PDF text layer, CLI) can be tested quickly
and without Tesseract installed.
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
        text_h = max(2, dpi // 6)  # ~12 pt text at the page's resolution
        words: list[Word] = []
        for n, line in enumerate(self.script, start=1):
            x, top = width // 10, n * 2 * text_h
            for token in line.split():
                w = max(1, len(token) * text_h * 6 // 10)
                words.append(Word(token, x, top, w, text_h, self.confidence, 1, 1, n))
                x += w + text_h * 3 // 10
        return OcrResult(words=tuple(words), engine="fake", size=(width, height))

    def recognize_line(self, image: np.ndarray, *, languages: Sequence[str] = ("vie",),
                       dpi: int = 300) -> OcrResult:
        """Scripted pages have no pixels to re-read: no second reading."""
        height, width = image.shape[:2]
        return OcrResult(words=(), engine="fake", size=(width, height))
