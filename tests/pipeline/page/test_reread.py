"""Field re-reads: crops read together, and one by one when reading them together fails."""

from __future__ import annotations

import numpy as np

from ocr_models import OcrResult, Word
from ocr_models.fake import FakeEngine
from pipeline.page.process import OCR_DPI, PageOptions, _reread


class _Echo(FakeEngine):
    """Reads a crop as its size and mode; fails a whole batch when ``fail_many``."""

    def __init__(self, *, fail_many: bool = False) -> None:
        super().__init__()
        self.fail_many = fail_many
        self.batches: list[tuple[int, bool]] = []

    def _read(self, image: np.ndarray, dpi: int, mode: str) -> OcrResult:
        if image.shape[1] < 60:
            raise RuntimeError("too small")
        text = f"{mode}{image.shape[0]}x{image.shape[1]}@{dpi}"
        return OcrResult(words=(Word(text, 0, 0, 1, 1, 0.9),), engine="echo",
                         size=(image.shape[1], image.shape[0]))

    def recognize(self, image, *, languages=("vie",), dpi=300):
        return self._read(image, dpi, "page")

    def recognize_line(self, image, *, languages=("vie",), dpi=300):
        return self._read(image, dpi, "line")

    def recognize_many(self, images, *, dpis, languages=("vie",), line=False):
        self.batches.append((len(images), line))
        if self.fail_many:
            raise RuntimeError("batch failed")
        return super().recognize_many(images, dpis=dpis, languages=languages, line=line)


def _word(left: int, top: int, width: int, line: int) -> Word:
    return Word("x", left, top, width, 30, 0.9, 1, 1, line)


JOBS = [
    ([_word(100, 100, 300, 1)], 0.67),  # one line
    ([_word(100, 200, 300, 2), _word(100, 240, 300, 3)], 0.67),  # two lines: a page read
    ([_word(500, 100, 200, 1)], 0.5),
    ([_word(3000, 3000, 50, 4)], 0.67),  # outside the image: nothing to read
    ([_word(100, 400, 20, 5)], 0.5),  # a crop the engine refuses
]


def test_crops_read_together_by_mode() -> None:
    engine, image = _Echo(), np.full((1000, 1000), 255, np.uint8)
    texts = _reread(engine, image, JOBS, 1.0, PageOptions())
    assert sorted(engine.batches) == [(1, False), (3, True)]
    assert texts[0].startswith("line") and texts[0].endswith(f"@{round(OCR_DPI * 0.67)}")
    assert texts[1].startswith("page")
    assert texts[2].endswith(f"@{round(OCR_DPI * 0.5)}")
    assert texts[3] == ""


def test_a_failed_batch_is_read_crop_by_crop() -> None:
    image = np.full((1000, 1000), 255, np.uint8)
    jobs = JOBS[:3] + JOBS[4:]
    alone = _reread(_Echo(), image, JOBS[:3], 1.0, PageOptions())
    texts = _reread(_Echo(fail_many=True), image, jobs, 1.0, PageOptions())
    assert texts == [*alone, ""]  # the refused crop costs only its own reading
