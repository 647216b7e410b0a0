"""Blank-page detection on generated duplex backs (dust, scratches, bleed-through)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.page import clean
from tests.scangen import DOC_TYPES, make_sample


def _norm(sample) -> tuple[np.ndarray, float]:
    image = np.asarray(sample.image.convert("L"))
    return clean.normalize_background(image, sample.truth.dpi), sample.truth.dpi


@pytest.mark.parametrize("seed", range(6))
def test_duplex_backs_are_blank(seed: int) -> None:
    norm, dpi = _norm(make_sample(100 + seed, blank=True))
    assert clean.is_blank(norm, dpi)


@pytest.mark.parametrize("doc_type", DOC_TYPES)
def test_text_pages_are_not_blank(doc_type: str) -> None:
    norm, dpi = _norm(make_sample(7, doc_type=doc_type, level="degraded"))
    assert not clean.is_blank(norm, dpi)


def test_a_few_words_are_not_blank() -> None:
    page = np.full((1169, 827), 245, np.uint8)  # A4 at 100 dpi
    for i in range(8):  # one short line of eight letter-sized blobs
        page[500:512, 100 + i * 14:110 + i * 14] = 20
    assert not clean.is_blank(clean.normalize_background(page, 100), 100)


def test_a_short_page_turned_a_quarter_is_not_blank() -> None:
    """A continuation page (a few paragraphs) scanned sideways, 13° skewed, faint: its
    lines run down the scan, and it was once taken for a blank back."""
    from tests.scangen.samples import make_document

    page = make_document(11 * 1_000_003 + 6, doc_type="van_ban_hanh_chinh", pages=2)[1]
    assert page.truth.rotation in (90, 270)
    norm, dpi = _norm(page)
    assert not clean.is_blank(norm, dpi)


def test_only_seal_shaped_red_ink_is_removed_for_ocr() -> None:
    import cv2

    page = np.full((1169, 827, 3), 250, np.uint8)  # A4 at 100 dpi, BGR
    red = (30, 30, 210)
    cv2.rectangle(page, (10, 10), (816, 1158), red, 4)  # a land certificate's red frame
    cv2.putText(page, "GIAY CHUNG NHAN", (150, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.2, red, 3)
    cv2.circle(page, (600, 900), 70, red, 5)  # a 35 mm seal
    cv2.putText(page, "CHU TICH", (540, 905), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (20, 20, 20), 2)
    grey = clean.grey_without_seals(page, 100)
    assert grey[900, 530] == 255  # the seal ring is gone
    assert grey[12, 400] < 200  # the frame stays
    assert (grey[170:205, 150:450] < 150).sum() > 500  # the red title stays
    assert (grey[885:910, 540:640] < 100).sum() > 100  # black text under the seal stays


def test_denoise_is_decided_per_page() -> None:
    rng = np.random.default_rng(5)
    page = np.full((600, 500), 250, np.uint8)
    for row in range(100, 500, 40):  # lines of letter-sized strokes
        for col in range(50, 450, 16):
            page[row:row + 12, col:col + 3] = 30
    clean_norm = clean.normalize_background(page, 300)
    assert not clean.wants_denoise(page, clean_norm, 300)  # nothing to remove
    grainy = np.clip(page + rng.normal(0, 12, page.shape), 0, 255).astype(np.uint8)
    grainy_norm = clean.normalize_background(grainy, 300)
    assert clean.wants_denoise(grainy, grainy_norm, 300)
    assert not clean.wants_denoise(grainy, grainy_norm, 100)  # strokes too thin to smooth
    bilevel = np.where(page < 128, 0, 255).astype(np.uint8)
    assert clean.is_bilevel(bilevel) and not clean.is_bilevel(grainy)
    assert clean.wants_denoise(bilevel, clean.normalize_background(bilevel, 300), 300)


def test_a_black_and_white_page_is_its_own_normalised_background() -> None:
    """The shortcut for 1-bit scans gives exactly what the division gives (black stays 0,
    white stays 255 whatever the background), big black areas included; a grey page is
    still divided."""
    import cv2

    rng = np.random.default_rng(0)
    page = np.where(rng.random((600, 500)) < 0.3, 0, 255).astype(np.uint8)
    page[100:400, 50:450] = 0  # a black block: the background estimate is dark there
    for dpi in (72.0, 300.0):
        norm = clean.normalize_background(page, dpi)
        assert norm is not page and np.array_equal(norm, page)
        grey = page.copy()
        grey[0, 0] = 128  # one grey pixel: the full estimate runs
        factor = max(1, round(dpi / 50))
        small = cv2.resize(grey, (grey.shape[1] // factor, grey.shape[0] // factor),
                           interpolation=cv2.INTER_AREA)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
        back = cv2.medianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel), 9)
        back = cv2.resize(back, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)
        divided = cv2.divide(grey, np.maximum(back, 1), scale=255)
        assert np.array_equal(clean.normalize_background(grey, dpi), divided)
        assert np.array_equal(divided[1:, 1:], page[1:, 1:])  # what the shortcut returns
