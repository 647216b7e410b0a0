"""The OCR engine interface and the result types every engine returns.

An engine turns one cleaned, upright page image into words with boxes and confidences.
It knows nothing about files, PDFs or the orchestrator. New abilities are added as
optional methods with defaults, so older engines keep working (cf. OCRmyPDF's
``OcrEngine`` in ``pluginspec.py``).
"""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class Word:
    """One recognised word, in pixel coordinates of the image that was OCR'd."""

    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float  # 0..1
    block: int = 0
    par: int = 0
    line: int = 0
    # Other readings of the same box by a second reader that disagreed: the word is
    # disputed (ocr_models/combine.py); fields built from it should be flagged.
    alternatives: tuple[str, ...] = ()

    @property
    def line_key(self) -> tuple[int, int, int]:
        return (self.block, self.par, self.line)

    def with_text(self, text: str) -> Word:
        return replace(self, text=text)


@dataclass(frozen=True)
class OcrResult:
    """Words of one page in reading order (block, paragraph, line, word)."""

    words: tuple[Word, ...]
    engine: str
    size: tuple[int, int]  # (width, height) of the OCR'd image in pixels
    meta: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[list[Word]]:
        """Words grouped into text lines, in reading order."""
        grouped: list[list[Word]] = []
        last: tuple[int, int, int] | None = None
        for word in self.words:
            if word.line_key != last:
                grouped.append([])
                last = word.line_key
            grouped[-1].append(word)
        return grouped

    @property
    def text(self) -> str:
        """Page text: words joined by spaces, lines by newlines, NFC."""
        body = "\n".join(" ".join(w.text for w in line) for line in self.lines())
        return unicodedata.normalize("NFC", body)

    @property
    def confidence(self) -> float:
        """Character-weighted mean word confidence (0 when there are no words)."""
        total = sum(len(w.text) for w in self.words)
        if not total:
            return 0.0
        return sum(w.confidence * len(w.text) for w in self.words) / total


class OcrEngineError(RuntimeError):
    """The engine is missing, misconfigured or failed on a page."""


class OcrEngine(ABC):
    """What the pipeline needs from an OCR engine."""

    name: str = "abstract"

    @abstractmethod
    def version(self) -> str:
        """Engine version string (probed once)."""

    @abstractmethod
    def languages(self) -> set[str]:
        """Installed language codes."""

    @abstractmethod
    def recognize(self, image: np.ndarray, *, languages: Sequence[str] = ("vie",),
                  dpi: int = 300) -> OcrResult:
        """OCR an upright page image (uint8 grey or BGR)."""

    def check(self, languages: Sequence[str] = ("vie",)) -> None:
        """Raise :class:`OcrEngineError` with an install hint if the engine cannot run."""
        missing = set(languages) - self.languages()
        if missing:
            raise OcrEngineError(f"{self.name}: missing language data {sorted(missing)}")

    def recognize_line(self, image: np.ndarray, *, languages: Sequence[str] = ("vie",),
                       dpi: int = 300) -> OcrResult:
        """Optional: OCR a crop holding one line of text (a field value re-read).

        The default reads it as a page; engines with a single-line mode override this.
        """
        return self.recognize(image, languages=languages, dpi=dpi)

    def recognize_many(self, images: Sequence[np.ndarray], *, dpis: Sequence[int],
                       languages: Sequence[str] = ("vie",), line: bool = False
                       ) -> list[OcrResult]:
        """Optional: several crops read in one go, each at its own resolution, with
        :meth:`recognize_line` (``line``) or :meth:`recognize`; one result per image.

        The default reads them one by one; an engine with a per-call cost (a program to
        start, a model to load) overrides this to pay it once.
        """
        read = self.recognize_line if line else self.recognize
        return [read(image, languages=languages, dpi=dpi)
                for image, dpi in zip(images, dpis, strict=True)]

    def orientation_scores(self, image: np.ndarray, *, languages: Sequence[str] = ("vie",)
                           ) -> dict[int, float] | None:
        """Optional: a plausibility score per quarter-turn (0/180) of a text sample.

        Returns ``None`` when the engine cannot judge; the pipeline then relies on
        geometric cues alone.
        """
        return None
