"""Digit slots (pipeline/page/slots.py) on synthetic lines: the slot is found from the
label words' boxes, wherever the line sits, and the digits written into it are read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr_models.base import Word
from ocr_models.digits import DigitGuess
from pipeline.page.slots import SlotReadings, read_slots

FONTS = Path("/usr/share/fonts/truetype")
PRINT = FONTS / "liberation2/LiberationSerif-Regular.ttf"
HAND = FONTS / "noto/NotoSans-Italic.ttf"  # stands in for a pen: bigger, slanted, another face

pytestmark = pytest.mark.skipif(not (PRINT.exists() and HAND.exists()),
                                reason="test fonts not installed")


class _Page:
    """A white page on which printed words (returned as OCR words) and 'handwritten'
    digits (not returned: the engine missed them) are drawn."""

    def __init__(self, width: int = 2400, height: int = 3000) -> None:
        self.img = Image.new("L", (width, height), 255)
        self.draw = ImageDraw.Draw(self.img)
        self.words: list[Word] = []
        self.printed = ImageFont.truetype(str(PRINT), 44)
        self.hand = ImageFont.truetype(str(HAND), 64)

    def word(self, x: int, y: int, text: str, line: int, conf: float = 0.96) -> int:
        left, top, right, bottom = self.draw.textbbox((x, y), text, font=self.printed)
        self.draw.text((x, y), text, fill=0, font=self.printed)
        self.words.append(Word(text, left, top, right - left, bottom - top, conf, 1, 1, line))
        return right

    def write(self, x: int, y: int, text: str) -> int:
        self.draw.text((x, y - 14), text, fill=40, font=self.hand)
        return int(self.draw.textbbox((x, y - 14), text, font=self.hand)[2])

    @property
    def array(self) -> np.ndarray:
        return np.asarray(self.img)


def _number_line(page: _Page, x: int, y: int, digits: str, line: int = 1) -> tuple[int, int]:
    label_right = page.word(x, y, "Số:", line)
    end = page.write(label_right + 30, y, digits)
    code_left = end + 25
    page.word(code_left, y, "/CT-UBND", line)
    return label_right, code_left


@pytest.mark.parametrize("x", [120, 1300])  # in the left column or under the motto
def test_number_slot_between_label_and_code(x: int) -> None:
    page = _Page()
    label_right, code_left = _number_line(page, x, 400, "27")
    got = read_slots(page.array, page.words)
    assert got.number is not None
    left, _, right, _ = got.number.box
    assert label_right - 5 <= left and right <= code_left + 5
    assert got.number.ink
    assert got.number.text == "27", got.number
    assert got.number.sure
    assert got.number.engine_text == ""


def test_date_slots_between_ngay_thang_nam() -> None:
    page = _Page()
    y = 380
    x = page.word(1150, y, "Quảng", 2) + 16
    x = page.word(x, y, "Ngãi,", 2) + 16
    x = page.word(x, y, "ngày", 2) + 20
    x = page.write(x, y, "15") + 20
    x = page.word(x, y, "tháng", 2) + 16
    x = page.word(x, y, "3", 2) + 16
    x = page.word(x, y, "năm", 2) + 16
    page.word(x, y, "2024", 2)
    got = read_slots(page.array, page.words)
    assert got.day is not None and got.month is not None
    assert got.day.text == "15", got.day
    assert got.day.engine_text == ""
    assert got.month.engine_digits == "3"
    assert got.year == "2024"


def test_body_text_number_is_not_a_slot() -> None:
    page = _Page()
    x = page.word(200, 400, "Nghị", 1) + 16
    x = page.word(x, 400, "định", 1) + 16
    x = page.word(x, 400, "số", 1) + 16
    page.word(x, 400, "08/2016/NĐ-CP", 1)
    assert read_slots(page.array, page.words).number is None


def test_slot_without_ink_reads_nothing() -> None:
    page = _Page()
    page.word(200, 400, "Số:", 1)
    page.word(420, 400, "/QĐ-UBND", 1)

    class NoModel:
        def read(self, inks):  # pragma: no cover - must not be asked
            raise AssertionError("an empty slot was sent to the model")

    got = read_slots(page.array, page.words, model=NoModel())
    assert got.number is not None and not got.number.ink and got.number.text == ""


def test_scale_maps_words_to_the_image() -> None:
    page = _Page()
    _number_line(page, 200, 400, "5")
    half = [Word(w.text, w.left // 2, w.top // 2, w.width // 2, w.height // 2, w.confidence,
                 w.block, w.par, w.line) for w in page.words]
    seen: list[int] = []

    class Spy:
        def read(self, inks):
            seen.extend(i.shape[0] for i in inks)
            return [DigitGuess("5", 0.99, "6", 0.01) for _ in inks]

    got = read_slots(page.array, half, scale=2.0, model=Spy())
    assert isinstance(got, SlotReadings) and got.number.text == "5"
    assert seen and max(seen) > 30  # the glyph was cut from the full-size image
