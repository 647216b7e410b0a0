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


def test_grey_for_ocr_keeps_a_red_title_whole() -> None:
    """A land-use certificate's red title: its strokes stay dark through their middle (the
    brightest channel, red, would hollow them out), while a pink pattern line still fades."""
    img = np.full((80, 300, 3), 245, np.uint8)
    img[10:12, :] = (190, 175, 240)  # a pink guilloche line (BGR)
    img[40:60, 20:280:12] = (90, 80, 235)  # red title strokes in room light, 1/12 of the width
    grey = photo.grey_for_ocr(img, 300)
    assert grey[10:12].min() > 215
    assert grey[40:60, 20:280:12].max() < 140  # its luminance, not its red channel (235)


def _lines_of_print(depth_by_column: np.ndarray) -> np.ndarray:
    """A 300-dpi grey page of text-like strokes whose darkness follows ``depth_by_column``."""
    page = np.full((600, len(depth_by_column)), 240, np.float32)
    for y in range(60, 560, 40):
        for x in range(40, page.shape[1] - 40, 14):
            page[y:y + 24, x:x + 4] = 240 - depth_by_column[x]
    return page.astype(np.uint8)


def test_print_washed_out_by_glare_gets_its_contrast_back() -> None:
    depth = np.full(900, 200.0)
    depth[500:800] = 60.0  # a glare over this part: print at 180 on 240 paper
    page = _lines_of_print(depth)
    page[300:560, 100:400] = 240  # blank paper, with some grain
    grain = np.random.default_rng(1).normal(0, 2, (260, 300))
    page[300:560, 100:400] = np.clip(240 + grain, 0, 255).astype(np.uint8)
    out = photo.restore_contrast(page, 300)
    glare_strokes = out[60:84, 600:700][page[60:84, 600:700] < 200]
    assert glare_strokes.mean() < 120  # deepened, close to the rest of the print
    assert out[100:124, 40:300][page[100:124, 40:300] < 100].mean() < 60  # normal print kept
    assert out[300:560, 100:400].min() > 215  # blank paper not raised into print
    assert out[60:84, 600:700][page[60:84, 600:700] > 230].mean() > 225  # paper between


def test_paper_touching_another_one_is_found_by_its_sides() -> None:
    """A sheet whose corner touches another sheet: the two merge into one outline with no
    four paper corners, yet the sheet is found from its straight sides."""
    from pipeline.page.intake import LoadedPage

    rng = np.random.default_rng(3)
    frame = np.clip(rng.normal(0, 6, (900, 1200, 1)) + (70, 95, 130), 0, 255).astype(np.uint8)
    sheet = np.array([[260, 110], [780, 150], [740, 860], [210, 830]], np.float32)
    other = np.array([[770, 60], [1250, 20], [1290, 420], [772, 380]], np.int32)
    cv2.fillConvexPoly(frame, other, (236, 238, 240))  # as white as the sheet
    cv2.fillConvexPoly(frame, sheet.astype(np.int32), (236, 238, 240))
    for y in range(200, 780, 30):  # print
        cv2.line(frame, (300, y), (650, y + 20), (30, 30, 30), 4)
    found = photo.find_photo(LoadedPage(frame, 72.0, True), CAMERA)
    assert found is not None and found.kind == "sheet"
    assert np.abs(found.quad - sheet).max() < 0.03 * 1200


def test_paper_shaded_at_one_end_is_found_whole() -> None:
    """A land-use certificate lying across the frame, its far end shaded and tinted by the
    guilloche: that end falls below Otsu's split of the frame with the floor tiles, and
    the outline found at that level has a side drawn across the paper; a lower level finds
    the whole sheet."""
    shot = make_photo(6000024, doc_type="giay_chung_nhan_qsdd", long_side=3000)
    found = photo.find_photo(_loaded(shot), CAMERA)
    assert found is not None and found.kind == "sheet"
    truth = photo.order_corners(np.array(shot.quad, np.float32))
    error = min(np.abs(np.roll(truth, k, axis=0) - found.quad).max() for k in range(4))
    assert error < 0.03 * 3000


def test_grey_for_ocr_fades_guilloche_in_a_dim_room() -> None:
    """Under dim light the paper is at ~120 and a pattern line darker than 110: still a
    pattern line (its brightest channel near the paper's), faded; black print stays."""
    img = np.full((60, 200, 3), (112, 118, 124), np.uint8)  # dim, slightly warm paper
    img[10:12, :] = (78, 70, 120)  # a pink guilloche line, dim (BGR)
    img[30:40, 20:60] = (15, 15, 15)  # black print
    grey = photo.grey_for_ocr(img, 300)
    assert grey[10:12].min() >= 115
    assert grey[30:40, 20:60].max() < 40


def test_sharpen_enlarged_only_when_enlarged_much() -> None:
    page = np.full((200, 200), 240, np.uint8)
    page[90:110, 50:150] = 60
    soft = cv2.GaussianBlur(page, (0, 0), 3)
    assert photo.sharpen_enlarged(soft, 1.5) is soft  # a 200-dpi photo: left alone
    sharp = photo.sharpen_enlarged(soft, 2.5)
    edge = slice(85, 115), 100
    assert np.abs(np.diff(sharp[edge].astype(int))).max() > \
        np.abs(np.diff(soft[edge].astype(int))).max()


class _Rereader:
    """An engine whose block re-read of a crop returns the given words (crop coordinates)."""

    name = "test"

    def __init__(self, words):
        self.words, self.crops = words, []

    def recognize_many(self, crops, *, dpis, languages, line):
        from ocr_models import OcrResult

        assert not line
        self.crops += crops
        return [OcrResult(tuple(self.words), "test", (c.shape[1], c.shape[0])) for c in crops]


def _page_words(merged_confidence: float):
    """A page's words at 300 dpi: 30 body words 40 px tall, and an issuer block of two tight
    lines read as one line of unsure words 90 px tall beside the (separate) motto."""
    from ocr_models import Word

    body = [Word("chữ", 100 + 80 * (i % 10), 600 + 60 * (i // 10), 60, 40, 0.95, 3, 1,
                 1 + i // 10) for i in range(30)]
    merged = [Word("ỦY", 200, 100, 60, 42, 0.96, 1, 1, 1),
              Word("inânánh...", 270, 96, 300, 90, merged_confidence, 1, 1, 1),
              Word("CỘNG", 1200, 100, 120, 42, 0.96, 1, 1, 1)]
    fragment = Word("Y2", 300, 130, 50, 40, 0.3, 2, 1, 1)  # a piece of the lower line
    return body + merged + [fragment]


def test_merged_issuer_lines_read_again() -> None:
    from ocr_models import OcrResult, Word
    from pipeline.page.process import PageOptions, _split_merged_lines

    reread = [Word("ỦY", 40, 14, 60, 40, 0.95, 1, 1, 1),
              Word("BAN", 110, 14, 80, 40, 0.95, 1, 1, 1),
              Word("THÀNH", 20, 66, 120, 40, 0.93, 1, 1, 2),
              Word("PHỐ", 150, 66, 80, 40, 0.94, 1, 1, 2)]
    engine = _Rereader(reread)
    ocr = OcrResult(tuple(_page_words(0.1)), "test", (1600, 2200))
    out = _split_merged_lines(engine, ocr, np.full((2200, 1600), 255, np.uint8), PageOptions())
    texts = [w.text for w in out.words]
    assert "inânánh..." not in texts and "Y2" not in texts  # the run, and its fragment
    assert {"BAN", "THÀNH", "PHỐ"} <= set(texts) and "CỘNG" in texts  # the motto stays
    assert len(engine.crops) == 1 and engine.crops[0].shape[1] < 600  # not the motto
    thanh = next(w for w in out.words if w.text == "THÀNH")
    assert thanh.top > 100 and thanh.left < 200  # page coordinates, the longer lower line


def test_merged_line_kept_when_the_reread_is_no_surer() -> None:
    from ocr_models import OcrResult, Word
    from pipeline.page.process import PageOptions, _split_merged_lines

    ocr = OcrResult(tuple(_page_words(0.45)), "test", (1600, 2200))
    page = np.full((2200, 1600), 255, np.uint8)
    unsure = _Rereader([Word("S8", 10, 10, 60, 40, 0.5, 1, 1, 1)])
    assert _split_merged_lines(unsure, ocr, page, PageOptions()) is ocr
    tall = _Rereader([Word("seal", 10, 10, 200, 120, 0.95, 1, 1, 1)])  # a seal read again
    assert _split_merged_lines(tall, ocr, page, PageOptions()) is ocr
    plain = OcrResult(tuple(_page_words(0.9)), "test", (1600, 2200))  # read surely: no re-read
    engine = _Rereader([])
    assert _split_merged_lines(engine, plain, page, PageOptions()) is plain and not engine.crops


def test_sideways_certificate_direction_judged_on_letters() -> None:
    """A land-use certificate lying across: its double printed border runs along and
    across the page and weighs as much as its text lines in the row and column profiles;
    judged on letter-sized blobs (as for photos), the lines clearly run down the page."""
    import random

    from pipeline.page import clean, geometry
    from tests.scangen.documents import render_page

    page, _, _ = render_page("giay_chung_nhan_qsdd", random.Random(0), dpi=150)
    grey = cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2GRAY)
    mask = clean.ink_mask(clean.normalize_background(np.ascontiguousarray(np.rot90(grey, -1)),
                                                     150))
    plain = geometry.estimate_geometry(mask, 150)
    letters = geometry.estimate_geometry(mask, 150, direction_from_letters=True)
    assert letters.rotation in (90, 270)
    assert letters.line_score > 2.0 > 1.5 > plain.line_score  # the border blurs the cue
