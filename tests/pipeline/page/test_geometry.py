"""Quarter-turn and skew estimation on generated scans (no OCR engine needed)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.page import clean, geometry
from pipeline.page.process import UPDOWN_SURE
from tests.scangen import DOC_TYPES, make_sample


def _estimate(sample) -> geometry.Geometry:
    grey = np.asarray(sample.image.convert("L"))
    norm = clean.normalize_background(grey, sample.truth.dpi)
    return geometry.estimate_geometry(clean.ink_mask(norm), sample.truth.dpi)


@pytest.mark.parametrize("seed", range(14))
def test_skew_and_turn_are_found_or_flagged_unsure(seed: int) -> None:
    doc_type = DOC_TYPES[seed % len(DOC_TYPES)]
    sample = make_sample(200 + seed, doc_type=doc_type, rotation=(seed * 90) % 360,
                         level="degraded")
    geo = _estimate(sample)
    assert geo.skew_deg == pytest.approx(sample.truth.skew_deg, abs=0.25)
    # lines across vs. down is always right; on full-page papers up vs. down may only be
    # wrong when unsure. ID-card photocopies (little, small text) are settled by the OCR
    # engine's confidence instead (tests/test_pipeline_tesseract.py).
    assert geo.rotation % 180 == sample.truth.rotation % 180
    if geo.rotation != sample.truth.rotation:
        assert doc_type == "can_cuoc" or geo.updown_score < UPDOWN_SURE


@pytest.mark.parametrize("skew", [-14.5, -3.3, 0.0, 0.7, 9.9])
def test_skew_sign_convention(skew: float) -> None:
    sample = make_sample(300, doc_type="to_khai", rotation=0, skew_deg=skew, level="clean")
    geo = _estimate(sample)
    assert geo.rotation == 0
    assert geo.skew_deg == pytest.approx(skew, abs=0.1)  # positive: counter-clockwise


def test_turn_to_upright_undoes_a_clockwise_quarter_turn() -> None:
    page = np.arange(12).reshape(3, 4)
    scanned = np.rot90(page, -1)  # the paper was turned 90° clockwise
    assert np.array_equal(geometry.turn_to_upright(scanned, 90), page)
