"""Resolution judged from the page itself when the file's tag cannot be believed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.page import clean
from pipeline.page.intake import judge_resolution, list_pages, load_page, tag_trusted
from tests.scangen import make_sample


def _judged(path: Path) -> tuple[float, bool]:
    loaded = load_page(list_pages(path)[0])
    trusted = loaded.dpi_trusted
    height = clean.letter_height(clean.to_grey(loaded.image), loaded.dpi)
    return judge_resolution(loaded, height), trusted


@pytest.fixture(scope="module")
def letter_200dpi() -> Image.Image:
    """A generated official letter scanned at 200 dpi, clean, as a 1-bit image."""
    sample = make_sample(3, doc_type="van_ban_hanh_chinh", dpi=200, level="clean")
    return sample.image.convert("L").point(lambda v: 255 if v > 160 else 0).convert("1")


def test_bilevel_page_with_a_wrong_72_dpi_tag_is_read_at_its_real_resolution(
        tmp_path: Path, letter_200dpi: Image.Image) -> None:
    # what pdfimages writes for a JBIG2/CCITT page: the pixels of a 200-dpi scan, "72 dpi"
    path = tmp_path / "scan.png"
    letter_200dpi.save(path, dpi=(72, 72))
    dpi, trusted = _judged(path)
    assert not trusted
    assert dpi == pytest.approx(200, rel=0.03)  # a whole A4 page: the paper size decides


def test_a_crop_without_tag_is_judged_from_its_letters(
        tmp_path: Path, letter_200dpi: Image.Image) -> None:
    width, height = letter_200dpi.size
    crop = letter_200dpi.crop((0, 0, width, height // 2))  # no paper size to lean on
    path = tmp_path / "crop.png"
    crop.save(path)
    dpi, trusted = _judged(path)
    assert not trusted
    assert 200 / 1.5 <= dpi <= 200 * 1.3  # near enough to bring letters to OCR size


def test_a_low_resolution_screenshot_is_judged_low(tmp_path: Path,
                                                   letter_200dpi: Image.Image) -> None:
    width, height = letter_200dpi.size
    small = letter_200dpi.convert("L").crop((0, 0, width, height * 2 // 3)).resize(
        (round(width * 0.375), round(height * 2 / 3 * 0.375)), Image.Resampling.LANCZOS)
    path = tmp_path / "screen.png"
    small.save(path, dpi=(96, 96))  # ~75 dpi, tagged as a screen
    dpi, trusted = _judged(path)
    assert not trusted
    assert 55 <= dpi <= 95


def test_a_believable_tag_is_kept(tmp_path: Path, letter_200dpi: Image.Image) -> None:
    path = tmp_path / "tagged.png"
    letter_200dpi.save(path, dpi=(200, 200))
    dpi, trusted = _judged(path)
    assert trusted and dpi == pytest.approx(200, abs=0.01)


def test_tag_trust_rules() -> None:
    assert not tag_trusted(72, (1664, 2338))  # default screen value
    assert not tag_trusted(96.0, (800, 500))
    assert not tag_trusted(150, (5000, 7000))  # a 47-inch "page"
    assert tag_trusted(300, (2480, 3508))
    assert tag_trusted(200, (1654, 2339))


def test_too_few_letters_give_no_height() -> None:
    page = np.full((400, 300), 255, np.uint8)
    page[100:120, 50:60] = 0
    assert clean.letter_height(page, 100) is None
