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


@pytest.fixture
def backend(monkeypatch):
    """Switch the Tesseract backend for one test (``inproc`` or ``cli``)."""
    from ocr_models import tesseract

    def use(name: str) -> None:
        monkeypatch.setenv(tesseract.BACKEND_ENV, name)
        tesseract._inprocess.cache_clear()
        tesseract._probe.cache_clear()

    yield use
    monkeypatch.delenv(tesseract.BACKEND_ENV, raising=False)
    tesseract._inprocess.cache_clear()
    tesseract._probe.cache_clear()


def test_in_process_and_program_read_alike(backend) -> None:
    """The library in process and the program read the same words, boxes and
    confidences (the program runs on the same libtesseract), page and crops alike."""
    from ocr_models import tesseract

    page, crops = _crop(LINES, 34), [_crop((t,), 30) for t in LINES]
    readings = {}
    for mode in ("inproc", "cli"):
        backend(mode)
        assert (tesseract._inprocess() is not None) == (mode == "inproc")
        engine = TesseractEngine()
        readings[mode] = [engine.recognize(page, dpi=201),
                          *engine.recognize_many(crops, dpis=[150, 201, 240], line=True)]
    for inproc, program in zip(readings["inproc"], readings["cli"], strict=True):
        _same(inproc, program)
    assert "Nguyễn Thị Hồng Nhung" in readings["inproc"][0].text


def test_in_process_runaway_page_is_stopped(backend) -> None:
    """A page that takes longer than the engine's time limit is an engine error, as a
    timed-out program is: the batch goes on."""
    from ocr_models import tesseract
    from ocr_models.base import OcrEngineError

    backend("inproc")
    assert tesseract._inprocess() is not None
    page = np.vstack([_crop(LINES, 30)] * 12)
    engine = TesseractEngine(timeout=0.001)
    with pytest.raises(OcrEngineError, match="timed out"):
        engine.recognize(page)


def test_tsv_rows_parse_as_pytesseract_gives_them() -> None:
    from ocr_models.tesseract import _parse_tsv

    data = _parse_tsv("1\t1\t0\t0\t0\t0\t0\t0\t10\t10\t-1\t\n"
                      "5\t1\t1\t1\t1\t1\t3\t4\t5\t6\t91.5\t2024\n")
    assert data["text"] == ["", "2024"] and data["conf"] == [-1, 91]
    assert data["left"] == [0, 3] and data["line_num"] == [0, 1]
