"""Tests of the phone-photo generator (tests/scangen/photo.py): determinism, the stored EXIF
orientation, the truth of a photographed card side, the files and the CLI. No Tesseract."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.scangen.__main__ import main as cli_main
from tests.scangen.photo import encode_photo, make_photo


def test_same_seed_same_photo() -> None:
    a = make_photo(3, doc_type="van_ban_hanh_chinh", long_side=900)
    b = make_photo(3, doc_type="van_ban_hanh_chinh", long_side=900)
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))
    assert a.truth == b.truth and a.quad == b.quad


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_stored_sideways_shows_upright(orientation: int) -> None:
    shot = make_photo(4, doc_type="giay_khai_sinh", long_side=800, orientation=orientation)
    with Image.open(io.BytesIO(encode_photo(shot, quality=95))) as stored:
        assert stored.getexif().get(0x0112) == orientation
        if orientation in (6, 8):
            assert stored.size == shot.image.size[::-1]
        shown = ImageOps.exif_transpose(stored)
        assert shown.size == shot.image.size
        diff = np.abs(np.asarray(shown, np.int16) - np.asarray(shot.image, np.int16))
        assert float(diff.mean()) < 4  # the same picture, up to JPEG loss


def test_paper_corners_inside_the_frame() -> None:
    for seed in range(4):
        shot = make_photo(seed, long_side=900)
        w, h = shot.image.size
        quad = np.array(shot.quad)
        assert (quad[:, 0] > -0.05 * w).all() and (quad[:, 0] < 1.05 * w).all()
        assert (quad[:, 1] > -0.05 * h).all() and (quad[:, 1] < 1.05 * h).all()


def test_card_truth_keeps_what_the_front_shows() -> None:
    shot = make_photo(7, doc_type="can_cuoc", long_side=900)
    fields = shot.truth.fields
    assert {"so_dinh_danh", "ho_ten", "ngay_sinh"} <= set(fields)
    assert "ngay_cap" not in fields and "noi_cap" not in fields  # printed on the back
    assert fields["so_dinh_danh"] in shot.truth.text
    assert shot.paper_mm == (85.6, 54.0)


def test_cli_writes_photos(tmp_path) -> None:
    assert cli_main([str(tmp_path), "--photos", "--pages", "2", "--seed", "1"]) == 0
    entries = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert [e["file"] for e in entries] == ["photo_0000.jpg", "photo_0001.jpg"]
    assert entries[0]["truth"]["doc_type"] == "can_cuoc"
    assert len(entries[0]["photo"]["quad"]) == 4
    with Image.open(tmp_path / "photo_0001.jpg") as img:
        assert img.format == "JPEG"
