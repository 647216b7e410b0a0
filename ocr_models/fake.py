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
        line_h = max(2, min(height // (len(self.script) + 2), width // 40))
        words: list[Word] = []
        for n, line in enumerate(self.script, start=1):
            x = width // 10
            for token in line.split():
                w = max(1, len(token) * line_h // 2)
                words.append(Word(token, x, n * line_h, w, line_h // 2, self.confidence, 1, 1, n))
                x += w + line_h // 2
        return OcrResult(words=tuple(words), engine="fake", size=(width, height))
