"""Tests of phone-photo handling (pipeline/page/photo.py) and EXIF orientation at intake."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from pipeline.page import photo
from pipeline.page.intake import capture_hints, list_pages, load_page
from tests.scangen import make_sample
from tests.scangen.photo import encode_photo, make_photo

# EXIF Orientation -> the transpose that stores an upright picture sideways
STORE = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
         8: Image.Transpose.ROTATE_270}


def _marked() -> Image.Image:
    """An upright picture with a dark block at the top left (so any turn shows)."""
    arr = np.full((300, 200, 3), 250, np.uint8)
    arr[10:60, 10:80] = 0
    return Image.fromarray(arr)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF"])
@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_honoured(tmp_path: Path, fmt: str, orientation: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"img.{fmt.lower()}"
    _marked().transpose(STORE[orientation]).save(path, fmt, exif=exif.tobytes())
    loaded = load_page(list_pages(path)[0])
    assert loaded.image.shape[:2] == (300, 200)
    grey = loaded.image if loaded.image.ndim == 2 else loaded.image.mean(axis=2)
    assert grey[10:60, 10:80].mean() < 40  # the block is back at the top left
    assert grey[-60:, -80:].mean() > 200


def test_exif_rotated_photo_comes_out_upright(tmp_path: Path) -> None:
    shot = make_photo(2, doc_type="van_ban_hanh_chinh", long_side=1000, orientation=6)
    path = tmp_path / "sideways.jpg"
    path.write_bytes(encode_photo(shot, quality=95))
    with Image.open(path) as raw:
        assert raw.size == shot.image.size[::-1]
    loaded = load_page(list_pages(path)[0])
    assert loaded.image.shape[1::-1] == shot.image.size
    hints = capture_hints(list_pages(path)[0])
    assert hints.camera and not hints.scanner_dpi


CAMERA = photo.CaptureHints(scanner_dpi=False, camera=True)


def _card_aspect(page: np.ndarray) -> float:
    h, w = page.shape[:2]
    return min(h, w) / max(h, w)


@pytest.mark.parametrize("seed", [2, 3, 5])
def test_card_photo_rectified_to_card_aspect(seed: int) -> None:
    shot = make_photo(seed, doc_type="can_cuoc", long_side=1400)
    found = photo.find_photo(_loaded(shot), CAMERA)
    assert found is not None and found.kind == "card"
    # the corners found are the card's: the paper's own aspect, seen through the homography
    truth = photo.order_corners(np.array(shot.quad, np.float32))
    assert np.abs(found.quad - truth).max() < 0.025 * 1400
    width, height = photo._rect_size(found.quad)
    assert abs(min(width, height) / max(width, height) - 54.0 / 85.6) < 0.08  # perspective
    assert abs(_card_aspect(found.page.image) - 54.0 / 85.6) < 0.01
    # resolution from the card's width: 85.6 mm across the rectified long side
    long_px = max(found.page.image.shape[:2]) / (1 - 2 * photo.INSET)
    assert found.page.dpi == pytest.approx(long_px / (85.6 / 25.4), rel=0.02)


def test_sheet_photo_rectified_to_a4() -> None:
    shot = make_photo(6, doc_type="giay_khai_sinh", long_side=1400)
    found = photo.find_photo(_loaded(shot), CAMERA)
    assert found is not None and found.kind == "sheet"
    assert abs(_card_aspect(found.page.image) - 210 / 297) < 0.03


def _loaded(shot):
    from pipeline.page.intake import LoadedPage

    rgb = np.asarray(shot.image)
    return LoadedPage(np.ascontiguousarray(rgb[:, :, ::-1]), 72.0, True)


@pytest.mark.parametrize("seed", range(4))
def test_flatbed_scans_are_not_photos(seed: int) -> None:
    """Generated scans (turned, skewed, uneven light, a card on a photocopy) stay scans."""
    doc = ("can_cuoc", "giay_chung_nhan_qsdd", "van_ban_hanh_chinh")[seed % 3]
    sample = make_sample(seed, doc_type=doc, dpi=150, level="degraded")
    rgb = np.asarray(sample.image.convert("RGB"))
    from pipeline.page.intake import LoadedPage

    loaded = LoadedPage(np.ascontiguousarray(rgb[:, :, ::-1]), 150.0, True)
    hints = photo.CaptureHints(scanner_dpi=True, camera=False)
    assert photo.find_photo(loaded, hints) is None


def test_no_outline_keeps_the_whole_page() -> None:
    """A dim, unevenly lit page filling the frame with no resolution tag: a photo kept
    whole; the same page with a scanner's tag: a scan."""
    from pipeline.page.intake import LoadedPage

    yy, xx = np.mgrid[0:800, 0:600]
    grey = (150 + 40 * xx / 600 + 10 * yy / 800).astype(np.uint8)
    cv2.putText(grey, "CHINH PHU", (50, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 20, 3)
    loaded = LoadedPage(grey, 80.0, False)
    found = photo.find_photo(loaded, photo.CaptureHints(scanner_dpi=False, camera=False))
    assert found is not None and found.kind == "frame"
    assert found.page.image is loaded.image and found.page.dpi == pytest.approx(800 / (297 / 25.4))
    assert photo.find_photo(loaded, photo.CaptureHints(scanner_dpi=True, camera=False)) is None


def test_grey_for_ocr_drops_guilloche_keeps_print() -> None:
    img = np.full((60, 200, 3), 250, np.uint8)
    img[10:12, :] = (170, 150, 236)  # a pink guilloche line (BGR)
    img[30:40, 20:60] = (20, 20, 20)  # black print
    img[30:40, 100:140] = (140, 40, 30)  # blue ballpoint
    grey = photo.grey_for_ocr(img, 300)
    assert grey[10:12].min() > 220
    assert grey[30:40, 20:60].max() < 60
    assert grey[30:40, 100:140].max() < 110


@pytest.mark.slow
def test_card_photo_typed_can_cuoc(tmp_path: Path) -> None:
    from pipeline.page.process import PageOptions, process_page

    shot = make_photo(4, doc_type="can_cuoc", long_side=2400, orientation=8)
    path = tmp_path / "card.jpg"
    path.write_bytes(encode_photo(shot, quality=88))
    result = process_page(list_pages(path)[0], PageOptions())
    assert result.error is None
    assert result.facts is not None and result.facts.page_class.doc_type == "can_cuoc"
    assert shot.truth.fields["so_dinh_danh"] in result.text.replace(" ", "")
