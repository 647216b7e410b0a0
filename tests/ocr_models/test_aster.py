"""AsterNet, the second line reader, and the engine registry's choice of engine.

The reading test needs the pinned model package (``requirements-models.txt``); without it
the test skips, which fails the run under CI=true (tests/conftest.py).
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from common.settings import Settings
from ocr_models import OcrEngineError, aster, get_engine, registry
from ocr_models.aster import AsterReader, _cut

FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
LINE = "Ủy ban nhân dân tỉnh Quảng Ngãi đề nghị bổ sung kinh phí năm 2025"

needs_model = pytest.mark.skipif(not aster.available(),
                                 reason="AsterNet model package not installed "
                                        f"({aster.INSTALL_HINT})")


def _render(text: str, size: int = 40) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """A grey page strip with ``text`` at ``size`` px, and each word's box."""
    font = ImageFont.truetype(str(FONT), size)
    canvas = Image.new("L", (60 + int(font.getlength(text)) + 60, size * 3), 255)
    draw = ImageDraw.Draw(canvas)
    x, y = 60, size
    boxes = []
    for word in text.split():
        draw.text((x, y), word, font=font, fill=20)
        left, top, right, bottom = draw.textbbox((x, y), word, font=font)
        boxes.append((left, top, right, bottom))
        x += int(font.getlength(word + " "))
    return np.asarray(canvas), boxes


@needs_model
@pytest.mark.parametrize("size", [28, 44])
def test_reads_a_rendered_vietnamese_line(size: int) -> None:
    image, boxes = _render(LINE, size)
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes),
           max(b[2] for b in boxes), max(b[3] for b in boxes))
    gaps = [(a[2], b[0]) for a, b in zip(boxes, boxes[1:], strict=False)]
    reading = AsterReader().read_line(image, box, gaps)
    errors = Levenshtein.distance(reading.text, LINE)
    assert errors <= 2, reading.text
    words = reading.words()
    assert len(words) == len(LINE.split())
    for (text, conf, left, right), word_box in zip(words, boxes, strict=True):
        assert 0.0 < conf <= 1.0
        centre = (left + right) / 2  # character positions map back to page pixels
        assert word_box[0] - size < centre < word_box[2] + size, text


@needs_model
def test_wide_line_is_cut_at_word_gaps_and_read_whole() -> None:
    text = " ".join([LINE] * 3)  # ~3000 px at 44 px: beyond the model's 1024-px limit
    image, boxes = _render(text, 44)
    box = (boxes[0][0], min(b[1] for b in boxes), boxes[-1][2], max(b[3] for b in boxes))
    gaps = [(a[2], b[0]) for a, b in zip(boxes, boxes[1:], strict=False)]
    reading = AsterReader().read_line(image, box, gaps)
    assert Levenshtein.distance(reading.text, text) <= 6, reading.text


def test_cut_keeps_pieces_within_the_model_width() -> None:
    gaps = [(x, x + 20) for x in range(200, 6000, 150)]
    pieces = _cut(100, 6000, gaps, scale=0.5, pad=10, column_gap=100)
    assert pieces[0][0] == 90 and pieces[-1][1] == 6010
    assert all((b - a) * 0.5 <= aster.MAX_STRIP_WIDTH for a, b in pieces)
    # every inner cut is in the middle of a word gap, never through a word
    for (_, end), (start, _) in zip(pieces, pieces[1:], strict=False):
        assert end == start and any(g0 < end < g1 for g0, g1 in gaps)


def test_column_gap_always_cuts() -> None:
    pieces = _cut(0, 1000, [(300, 310), (400, 700)], scale=0.01, pad=5, column_gap=100)
    assert pieces == [(-5, 405), (695, 1005)]


def test_missing_model_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(aster.metadata, "distribution", missing)
    assert not aster.available()
    assert registry.default_engine() == "tesseract"
    with pytest.raises(OcrEngineError, match="requirements-models.txt"):
        AsterReader().check()
    with pytest.raises(OcrEngineError, match="requirements-models.txt"):
        get_engine("tesseract+aster").check()


def test_registry_names_and_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {"tesseract", "tesseract+aster", "fake"} <= set(registry.available())
    assert get_engine("tesseract").name == "tesseract"
    assert get_engine("tesseract+aster").name == "tesseract+aster"
    with pytest.raises(OcrEngineError, match="auto"):
        get_engine("khong-co")
    monkeypatch.setattr(aster, "available", lambda: True)
    assert registry.resolve(None) == registry.resolve("auto") == "tesseract+aster"
    assert get_engine().name == "tesseract+aster"
    monkeypatch.setattr(aster, "available", lambda: False)
    assert get_engine("auto").name == "tesseract"
    assert registry.resolve("tesseract+aster") == "tesseract+aster"  # asked for by name


def test_settings_default_engine_is_auto_and_selectable() -> None:
    assert Settings.from_env({}).ocr_engine == "auto"
    assert Settings.from_env({"SOHOA_OCR_ENGINE": "tesseract"}).ocr_engine == "tesseract"
    assert Settings.from_env({"SOHOA_OCR_ENGINE": "tesseract+aster"}).ocr_engine == \
        "tesseract+aster"
