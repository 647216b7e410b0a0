"""The Tesseract engine: several crops read in one run read exactly as one by one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr_models.tesseract import TesseractEngine
from tests.conftest import needs_tesseract

pytestmark = needs_tesseract

FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
LINES = ("Họ và tên: Nguyễn Thị Hồng Nhung", "Số: 573/TTr-SNV ngày 12/03/2025",
         "QUYẾT ĐỊNH VỀ VIỆC BỔ SUNG KINH PHÍ")


def _crop(lines: tuple[str, ...], size: int) -> np.ndarray:
    """A grey crop with ``lines`` of text ``size`` px high, on a white margin."""
    font = ImageFont.truetype(str(FONT), size)
    width = 40 + int(max(font.getlength(t) for t in lines))
    canvas = Image.new("L", (width, size * (2 * len(lines) + 1)), 255)
    draw = ImageDraw.Draw(canvas)
    for n, text in enumerate(lines):
        draw.text((20, size * (2 * n + 1)), text, font=font, fill=25)
    return np.asarray(canvas)


def _same(a, b) -> None:
    assert [(w.text, w.left, w.top, w.width, w.height, w.confidence, w.line_key)
            for w in a.words] == [(w.text, w.left, w.top, w.width, w.height, w.confidence,
                                   w.line_key) for w in b.words]
    assert a.size == b.size


def test_lines_read_together_as_alone() -> None:
    engine = TesseractEngine()
    crops = [_crop((text,), size) for text, size in zip(LINES, (22, 30, 40), strict=True)]
    dpis = [150, 201, 240]  # each crop at its own resolution, as the field re-reads are
    together = engine.recognize_many(crops, dpis=dpis, line=True)
    assert len(together) == len(crops)
    for crop, dpi, read in zip(crops, dpis, together, strict=True):
        _same(read, engine.recognize_line(crop, dpi=dpi))
    assert "Nguyễn" in together[0].text and "573/TTr-SNV" in together[1].text


def test_blocks_read_together_as_alone_with_an_empty_crop() -> None:
    engine = TesseractEngine()
    crops = [_crop(LINES[:2], 30), np.full((60, 200), 255, np.uint8), _crop(LINES[1:], 34)]
    together = engine.recognize_many(crops, dpis=[201, 201, 201])
    assert [len(r.words) > 0 for r in together] == [True, False, True]
    for crop, read in zip(crops, together, strict=True):
        _same(read, engine.recognize(crop, dpi=201))


def test_orientation_prefers_upright_text() -> None:
    scores = TesseractEngine().orientation_scores(_crop(LINES, 36))
    assert scores is not None and scores[0] > scores[180] + 0.1


@pytest.mark.parametrize("count", [0, 1])
def test_fewer_than_two_crops(count: int) -> None:
    crops = [_crop(LINES[:1], 30)] * count
    assert len(TesseractEngine().recognize_many(crops, dpis=[201] * count, line=True)) == count
