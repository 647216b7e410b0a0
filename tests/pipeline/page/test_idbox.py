"""ID boxes (pipeline/page/idbox.py): the box row after an ID label is found from the
label's words and the image, wherever it sits, its cells cut inside their borders and the
handwritten digits read; rows of boxes without a label, tables and empty boxes are not
taken for an ID."""

from __future__ import annotations

import importlib.util
import io
import random
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from benchmarks.realdev import default_root
from ocr_models.base import Word
from pipeline.page.idbox import read_id_boxes
from tests.scangen.idbox import _box_row, _digit_op, held_out_digits
from tests.scangen.layout import Page

PRINT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
PID = "079203001234"
# right of the 72 digits of test_held_out_handwriting_in_boxes: 66 and 67 (grey, 1-bit)
# when the box model was trained; the model before box cells read 61-65
RIGHT_OF_72 = 66


class _Form:
    """A 300-dpi page with printed label words (returned as OCR words) and box rows with
    held-out handwritten digits drawn through the test generator's own drawing ops."""

    def __init__(self, seed: int = 5) -> None:
        self.page = Page(300, "Liberation Serif")
        self.rng = random.Random(seed)
        self.words: list[Word] = []
        self.font = ImageFont.truetype(str(PRINT), 46)
        self.texts: list[tuple[int, int, str]] = []

    def label(self, x: int, y: int, text: str, line: int) -> int:
        probe = ImageDraw.Draw(Image.new("L", (10, 10)))
        for word in text.split():
            left, top, right, bottom = probe.textbbox((x, y), word, font=self.font)
            self.texts.append((x, y, word))
            self.words.append(Word(word, left, top, right - left, bottom - top, 0.95, 1, 1,
                                   line))
            x = right + 14
        return x

    def row(self, x: int, bottom: int, digits: str, pitch: int = 80, height: int = 92,
            thick: int = 3, touch: bool = False) -> None:
        cells = _box_row(self.page, x, bottom, pitch, height, 12, thick, (20, 20, 24))
        for cell, d in zip(cells, digits, strict=False):
            if d != " ":
                self.page.ops.append(_digit_op(cell, int(d), self.rng, (25, 45, 160), pitch,
                                               touch))

    def image(self, bilevel: bool = False, skew: float = 0.0) -> np.ndarray:
        img = self.page.render()
        draw = ImageDraw.Draw(img)
        for x, y, word in self.texts:
            draw.text((x, y), word, fill=(20, 20, 20), font=self.font)
        grey = np.asarray(img.convert("L"))
        if skew:
            h, w = grey.shape
            m = cv2.getRotationMatrix2D((w / 2, h / 2), skew, 1.0)
            grey = cv2.warpAffine(grey, m, (w, h), borderValue=255)
        if bilevel:
            grey = np.where(grey > 150, 255, 0).astype(np.uint8)
        return grey


def _check(reading, truth: str, least: int = 10) -> None:
    """Twelve cells, one reading per digit: at least ``least`` right, at most one digit
    read wrong with confidence (handwriting: some MNIST digits pass for others, which is
    why every reading of the boxes is flagged for review)."""
    assert reading.cells == 12
    assert len(reading.text) == len(truth)
    right = sum(r == t for r, t in zip(reading.text, truth, strict=True))
    wrong = sum(r not in (t, "?") for r, t in zip(reading.text, truth, strict=True))
    assert right >= least and wrong <= 1, (reading.text, truth)


@pytest.mark.parametrize("x", [260, 1250])  # the left or the right column
def test_row_on_the_label_line_is_read(x: int) -> None:
    form = _Form()
    end = form.label(x, 600, "Số định danh cá nhân:", 1) if x < 1000 else \
        form.label(x, 600, "Số CCCD:", 1)
    form.row(end + 30, 700, PID, pitch=70 if x > 1000 else 80)
    readings = read_id_boxes(form.image(), form.words)
    assert len(readings) == 1
    _check(readings[0], PID)
    assert readings[0].suffix == ""


def test_row_on_the_next_line_and_the_owner_from_the_label() -> None:
    form = _Form(seed=8)
    form.label(260, 900, "Số định danh cá nhân của chủ hộ:", 3)
    form.row(300, 1080, PID)
    readings = read_id_boxes(form.image(), form.words)
    assert len(readings) == 1
    _check(readings[0], PID)
    assert readings[0].suffix == "_chu_ho"


@pytest.mark.parametrize("bilevel,skew", [(True, 0.0), (False, 0.6), (True, -0.5)])
def test_one_bit_and_skewed_rows(bilevel: bool, skew: float) -> None:
    form = _Form(seed=11)
    end = form.label(260, 600, "Mã số định danh:", 1)
    form.row(end + 30, 700, PID, touch=True)
    readings = read_id_boxes(form.image(bilevel, skew), form.words)
    assert len(readings) == 1
    _check(readings[0], PID, least=9)


@pytest.mark.parametrize("bilevel", [False, True])
def test_held_out_handwriting_in_boxes(bilevel: bool) -> None:
    """Six rows of boxes of different sizes written with held-out digits (every digit
    seven times or more), some over the rules: nearly every digit read, very few read
    wrong with confidence."""
    form = _Form(seed=21)
    truth = ["012345678901", "234567890123", "456789012345", "678901234567",
             "890123456789", "097531864207"]
    for i, digits in enumerate(truth):
        y = 400 + 300 * i
        end = form.label(260, y, "Số định danh cá nhân:", i + 1)
        pitch = (64, 72, 80, 88, 70, 76)[i]
        form.row(end + 30, y + 100, digits, pitch=pitch, height=int(pitch * 1.2),
                 thick=(2, 3, 4, 3, 2, 5)[i], touch=i % 2 == 1)
    readings = read_id_boxes(form.image(bilevel), form.words)
    assert [r.cells for r in readings] == [12] * 6
    assert [len(r.text) for r in readings] == [12] * 6
    pairs = [(r, t) for reading, row in zip(readings, truth, strict=True)
             for r, t in zip(reading.text, row, strict=True)]
    right = sum(r == t for r, t in pairs)
    wrong = sum(r not in (t, "?") for r, t in pairs)
    assert right >= RIGHT_OF_72 and wrong <= 2, [r.text for r in readings]


def test_empty_boxes_and_a_partly_filled_row() -> None:
    form = _Form()
    end = form.label(260, 600, "Số CMND/CCCD:", 1)
    form.row(end + 30, 700, " " * 12)
    end = form.label(260, 1000, "Số định danh cá nhân:", 2)
    form.row(end + 30, 1100, "0792030     ")
    empty, partial = read_id_boxes(form.image(), form.words)
    assert empty.cells == 12 and empty.text == ""
    assert partial.cells == 12 and partial.filled == 7


def test_no_label_no_row_and_a_table_is_not_a_box_row() -> None:
    form = _Form()
    form.row(300, 700, PID)  # boxes, but no ID label anywhere
    form.label(260, 1200, "Họ và tên:", 2)
    assert read_id_boxes(form.image(), form.words) == []
    # a label in a table's header: the grid's columns are not a row of boxes
    form = _Form()
    end = form.label(260, 600, "Số định danh cá nhân:", 1)
    page = form.page

    def grid(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        for xx in (end + 20, end + 260, end + 330, end + 700, end + 820, end + 1000):
            draw.rectangle((xx, 560, xx + 2, 760), fill=(0, 0, 0))
        for yy in (560, 760):
            draw.rectangle((end + 20, yy, end + 1000, yy + 2), fill=(0, 0, 0))

    page.ops.append(grid)
    assert read_id_boxes(form.image(), form.words) == []


@pytest.mark.parametrize("end", ["first", "last"])
def test_a_side_lost_under_a_bold_digit_at_the_row_end_is_put_back(end: str) -> None:
    """A bold digit touching the first or last side of the row makes one blob of the
    two: the side is found again one pitch beyond the others (both rules run on to it),
    so the row keeps its 12 cells and no digit is lost."""
    form = _Form(seed=6)
    x, pitch, bottom = 640, 80, 700
    label_end = form.label(260, 600, "Số CCCD:", 1)
    assert label_end < x
    form.row(x, bottom, PID)
    side = x if end == "first" else x + 12 * pitch

    def blob(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        inward = 1 if end == "first" else -1
        a, b = sorted((side - inward * 10, side + inward * 50))  # over the side a little
        draw.ellipse((a, bottom - 80, b, bottom - 12), outline=(15, 15, 20), width=22)

    form.page.ops.append(blob)
    readings = read_id_boxes(form.image(), form.words)
    assert len(readings) == 1 and readings[0].cells == 12
    assert len(readings[0].text) == 12


def test_a_label_line_the_engine_dropped_is_read_again() -> None:
    """The engine returned no word of the label's line (the boxes on it threw it): the
    lines of ink without words are read again one by one, and the label found there
    leads to the row. Without a reader, or on a page about no person, nothing."""
    form = _Form(seed=8)
    form.label(260, 450, "1. Họ và tên: NGUYỄN VĂN AN", 0)
    end = form.label(260, 600, "4. Số CMND/CCCD:", 1)
    form.label(260, 850, "5. Số điện thoại liên hệ: 0912345678", 2)
    form.row(end + 30, 700, PID)
    dropped = [w for w in form.words if w.line != 1]
    calls: list[list[np.ndarray]] = []

    def read_lines(crops: list[np.ndarray]) -> list[list[Word]]:
        calls.append(crops)
        # what the engine reads in a line crop: the label at its left (crop pixels)
        out = []
        for crop in crops:
            ys, xs = np.nonzero(crop < 128)
            x, top = int(xs.min()), int(ys.min())
            out.append([Word("4.", x, top + 30, 40, 46, 0.95), Word("Số", x + 60, top + 30,
                                                                     60, 46, 0.95),
                        Word("CMND/CCCD:", x + 140, top + 30, end - 400, 46, 0.93)])
        return out

    image = form.image()
    assert read_id_boxes(image, dropped) == []
    readings = read_id_boxes(image, dropped, read_lines=read_lines)
    assert len(calls) == 1  # one engine call for every crop
    assert len(readings) == 1 and readings[0].cells == 12
    _check(readings[0], PID)
    no_person = [w for w in dropped if w.line == 2]
    calls.clear()
    assert read_id_boxes(image, no_person, read_lines=read_lines) == [] and not calls


def test_a_final_d_read_as_p_still_makes_the_label() -> None:
    form = _Form()
    end = form.label(260, 600, "4. Số cccp:", 1)
    form.row(end + 30, 700, PID)
    readings = read_id_boxes(form.image(), form.words)
    assert len(readings) == 1 and readings[0].cells == 12


def test_held_out_digits_were_never_trained_on() -> None:
    """The generator's digits are the digit model's held-out MNIST split: the first draw
    of ``default_rng(14)`` over the 10,000 digits, as scripts/digits/build_data.py makes
    it (a retrained model on another split fails here)."""
    with np.load(Path(__file__).parents[2] / "data" / "handdigits" / "mnist_heldout.npz") as d:
        index = d["index"]
    held = np.random.default_rng(14).random(10_000) < 0.15
    assert held[index].all()
    spec = importlib.util.spec_from_file_location(
        "build_data", Path(__file__).parents[3] / "scripts" / "digits" / "build_data.py")
    build_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_data)
    assert (build_data.held_out_mnist(10_000) == held).all()  # the split trained on
    xs, ys = held_out_digits()
    assert len(xs) == len(ys) == len(index) and set(ys.tolist()) == set(range(10))


def test_real_blank_form_rows_are_found_empty() -> None:
    """The real CT01 form of the development set (a rendering at ~80 dpi): both rows of 12
    empty boxes, the second the householder's, read from Tesseract's words."""
    from ocr_models.registry import get_engine

    image = default_root() / "images" / "dev-35.png"
    if not image.exists():
        pytest.skip("real development set not beside the checkout")
    grey = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
    crop = cv2.resize(grey[140:380, :], None, fx=3.75, fy=3.75, interpolation=cv2.INTER_CUBIC)
    words = get_engine("tesseract").recognize(crop, languages=("vie",), dpi=300).words
    rows = read_id_boxes(crop, words)
    assert [(r.cells, r.text, r.suffix) for r in rows] == [(12, "", ""), (12, "", "_chu_ho")]


def test_generated_scan_is_reproducible_and_its_ids_are_real() -> None:
    from pipeline.papers.validate import check_personal_id
    from tests.scangen.idbox import make_idbox_scan

    a, b = make_idbox_scan(7, dpi=150), make_idbox_scan(7, dpi=150)
    assert a.image == b.image and [r.value for r in a.rows] == [r.value for r in b.rows]
    assert a.rows[0].key == "so_dinh_danh"
    assert all(not check_personal_id(r.value) and len(r.cells) == 12 for r in a.rows)
    one_bit = make_idbox_scan(7, dpi=150, bilevel=True)
    assert Image.open(io.BytesIO(one_bit.image)).mode == "1"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_ocr_json_of_a_form_with_a_handwritten_id(tmp_path: Path, capsys) -> None:
    """A generated form through the CLI: the ID handwritten into boxes is never a missing
    field and never an unflagged value."""
    from tests.conftest import run_cli
    from tests.scangen.idbox import make_idbox_scan

    scan = make_idbox_scan(11, dpi=200, bilevel=False)
    path = tmp_path / "form.png"
    path.write_bytes(scan.image)
    code, out, _ = run_cli(capsys, "ocr", str(path), "--json", "--quiet")
    assert code == 0 and out["documents"][0]["type"] == "to_khai"
    fields = out["documents"][0]["fields"]
    for row in scan.rows:
        got = fields[row.key]
        assert got["needs_review"] is True
        assert "handwritten" in {r["code"] for r in got["reasons"]}
        assert len(got["value"]) == 12
        assert sum(a == b for a, b in zip(got["value"], row.value, strict=True)) >= 10


def test_label_without_boxes_gives_the_engine_reading_or_nothing() -> None:
    form = _Form()
    form.label(260, 600, "Số CCCD: 079203001234", 1)
    form.label(260, 800, "Số CMND: ..................", 2)
    readings = read_id_boxes(form.image(), form.words)
    assert [(r.cells, r.text, r.engine_digits) for r in readings] == [(0, "?", PID)]


# -- a number written freehand on a fill-in line (no boxes) ----------------------------------------


def _fill_in(form: _Form, x0: int, x1: int, baseline: int, kind: str = "dots") -> None:
    from tests.scangen.idbox import _fill_in_line

    _fill_in_line(form.page, x0, x1, baseline, 33.0, kind, (20, 20, 24))


def _freehand(form: _Form, x: int, baseline: int, digits: str, height: int = 70,
              pitch: int = 42) -> None:
    for k, d in enumerate(digits):
        cell = (x + k * pitch, baseline - height, x + (k + 1) * pitch, baseline)
        form.page.ops.append(_digit_op(cell, int(d), form.rng, (25, 45, 160), pitch, False))


def _matched(text: str, truth: str) -> int:
    """Digits read right, in order (a glyph lost or split shifts the rest)."""
    from difflib import SequenceMatcher

    return sum(b.size for b in SequenceMatcher(None, text, truth).get_matching_blocks())


@pytest.mark.parametrize("kind,bilevel", [("dots", False), ("dashes", True), ("rule", False)])
def test_number_written_freehand_on_a_fill_in_line_is_read(kind: str, bilevel: bool) -> None:
    """No boxes after "Số CCCD:", the number written freehand over the dots, dashes or
    rule of the fill-in line: a reading of no cells, marked freehand, the digit model's
    reading of the ink (the printed-text engine read nothing there)."""
    form = _Form(seed=3)
    end = form.label(260, 600, "Số CCCD:", 1)
    _fill_in(form, end + 20, 2200, 645, kind)
    _freehand(form, end + 60, 640, PID)
    readings = read_id_boxes(form.image(bilevel), form.words)
    assert len(readings) == 1
    r = readings[0]
    assert r.cells == 0 and r.freehand and r.suffix == ""
    assert 10 <= len(r.text) <= 13 and _matched(r.text, PID) >= 9, r.text


def test_number_written_on_the_next_line_when_the_label_ends_its_line() -> None:
    form = _Form(seed=4)
    form.label(260, 500, "8. Họ và tên chủ hộ: NGUYỄN VĂN AN", 0)
    form.label(260, 600, "9. Số định danh cá nhân của chủ hộ:", 1)
    form.label(260, 900, "10. Nơi thường trú: Hà Nội", 3)  # the line after the blank
    _fill_in(form, 280, 2200, 760)
    _freehand(form, 320, 755, PID)
    readings = read_id_boxes(form.image(), form.words)
    assert len(readings) == 1 and readings[0].freehand and readings[0].suffix == "_chu_ho"
    # 9 of 12 with the letters' digit model, 8 with the box model read now (which reads
    # more whole freehand IDs over the benchmark's 30 rows)
    assert _matched(readings[0].text, PID) >= 8, readings[0].text


@pytest.mark.parametrize("kind", ["dots", "dashes", "rule"])
def test_blank_fill_in_line_makes_no_reading(kind: str) -> None:
    """A blank form stays blank: dots, dashes or a rule after the label, the next item's
    printed label and number, a date blank's slashes and a placeholder are no writing."""
    form = _Form(seed=6)
    end = form.label(260, 600, "4. Số CMND:", 1)
    _fill_in(form, end + 20, 1300, 645, kind)
    end = form.label(1320, 600, "5. Ngày cấp:", 1)
    _fill_in(form, end + 20, 2200, 645, kind)
    end = form.label(260, 800, "Mã số định danh (6):", 2)
    _fill_in(form, end + 20, 900, 845, kind)
    form.label(900, 800, "/", 2)
    _fill_in(form, 940, 1400, 845, kind)
    form.label(1400, 800, "/", 2)
    _fill_in(form, 1440, 2000, 845, kind)
    assert read_id_boxes(form.image(), form.words) == []
    assert read_id_boxes(form.image(bilevel=True), form.words) == []


def test_real_blank_forms_have_no_writing_after_any_label() -> None:
    """The development set's two real blank forms (renderings at 60–80 dpi, read at
    ~300 dpi): after every label that ends in ":" the fill-in line holds no writing."""
    from ocr_models.registry import get_engine
    from pipeline.page.idbox import written_freehand
    from pipeline.page.slots import _lines, _page_cap

    root = default_root() / "images"
    if not (root / "dev-35.png").exists():
        pytest.skip("real development set not beside the checkout")
    labels = 0
    for name, fx in (("dev-34.png", 5.0), ("dev-35.png", 3.75)):
        grey = cv2.imread(str(root / name), cv2.IMREAD_GRAYSCALE)
        grey = cv2.resize(grey, None, fx=fx, fy=fx, interpolation=cv2.INTER_CUBIC)
        words = list(get_engine("tesseract").recognize(grey, languages=("vie",),
                                                       dpi=300).words)
        cap = _page_cap(words) or float(np.median([w.height for w in words]))
        rows = [r.box for r in read_id_boxes(grey, words) if r.cells]  # the CT01's boxes
        for line in _lines(words):
            for i, w in enumerate(line):
                if w.text.endswith(":"):
                    labels += 1
                    assert written_freehand(grey, line[max(0, i - 2): i + 1], words,
                                            cap, avoid=rows) is None, (name, w.text)
    assert labels >= 10


def test_nine_box_cmnd_row_is_read() -> None:
    form = _Form(seed=9)
    end = form.label(260, 600, "Số CMND:", 1)
    cells = _box_row(form.page, end + 30, 700, 80, 92, 9, 3, (20, 20, 24))
    for cell, d in zip(cells, "123456789", strict=True):
        form.page.ops.append(_digit_op(cell, int(d), form.rng, (25, 45, 160), 80, False))
    readings = read_id_boxes(form.image(), form.words)
    assert len(readings) == 1 and readings[0].cells == 9 and readings[0].filled == 9


def test_dashes_the_engine_read_as_unsure_digits_are_no_reading() -> None:
    """A blank dashed line after "Số CMND/CCCD:" that the engine read as "3121911211911"
    with no confidence (as on a generated blank form): no writing, no reading; the same
    digits read surely (a printed number) are kept as the engine's."""
    form = _Form(seed=6)
    end = form.label(260, 600, "Số CMND/CCCD:", 1)
    _fill_in(form, end + 20, 2200, 645, "dashes")
    for conf, expected in ((0.2, []), (0.9, [(0, "?", "3121911211911")])):
        words = [*form.words, Word("3121911211911", end + 200, 620, 600, 30, conf, 1, 1, 1)]
        readings = read_id_boxes(form.image(), words)
        assert [(r.cells, r.text, r.engine_digits) for r in readings] == expected


# -- a name or place written by hand, only the dots read -------------------------------------------


@pytest.mark.parametrize("kind,bilevel", [("dots", False), ("dashes", True)])
def test_writing_on_a_blank_read_as_dots_is_seen(kind: str, bilevel: bool) -> None:
    """"Họ và tên: ……" with only the dots read (the engine dropped the handwriting): the
    candidate is marked written when ink other than the leader sits on the line, and not
    when the line is blank."""
    from pipeline.page.idbox import mark_written_blanks
    from pipeline.papers.extract import Candidate

    for written in (True, False):
        form = _Form(seed=6)
        end = form.label(260, 600, "Họ và tên:", 1)
        _fill_in(form, end + 20, 2200, 645, kind)
        if written:  # a handwritten name: held-out digits stand in for cursive letters
            _freehand(form, end + 80, 640, "3859", height=60, pitch=90)
            _freehand(form, end + 560, 640, "0762", height=60, pitch=90)
        dots = Word("." * 60 if kind == "dots" else "-" * 30, end + 20, 630, 2200 - end - 20,
                    18, 0.4, 1, 1, 1)
        cand = Candidate("ho_ten", dots.text, "name", [dots])
        mark_written_blanks(form.image(bilevel), [*form.words, dots], 1.0, [cand])
        assert cand.written is written
