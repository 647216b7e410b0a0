"""Blank-page detection on generated duplex backs (dust, scratches, bleed-through)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import clean
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
