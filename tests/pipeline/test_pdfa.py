"""Searchable PDF/A output (pipeline.pdfa): text layer, images, PDF/A structure, assembly.

Fast: synthetic images made with Pillow, no Tesseract. Text checks use poppler's
``pdftotext`` and structure checks ``qpdf --check``; tests needing them skip without them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageOps

from ocr_models.base import Word
from pipeline import pdfa
from pipeline.pdfa import assemble_pdfa, write_page_pdf

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler")
needs_qpdf = pytest.mark.skipif(shutil.which("qpdf") is None, reason="needs qpdf")

DPI = 150


def _w(text: str, left: int, top: int, width: int, height: int, line: int,
       block: int = 0) -> Word:
    return Word(text, left, top, width, height, 0.95, block, 0, line)


# Three lines, in pixels at 150 dpi on an A5-ish page (874 x 1240 px).
WORDS = [
    _w("QUYẾT", 100, 100, 200, 50, 0), _w("ĐỊNH", 330, 100, 160, 50, 0),
    _w("Nguyễn", 100, 220, 150, 40, 1), _w("Thị", 270, 220, 70, 40, 1),
    _w("Hồng", 360, 220, 110, 40, 1), _w("Nhung", 490, 220, 130, 40, 1),
    _w("Độc", 100, 330, 80, 36, 2), _w("lập", 195, 330, 70, 36, 2), _w("-", 280, 330, 20, 36, 2),
    _w("Tự", 315, 330, 50, 36, 2), _w("do", 380, 330, 50, 36, 2), _w("-", 445, 330, 20, 36, 2),
    _w("Hạnh", 480, 330, 100, 36, 2), _w("phúc", 595, 330, 95, 36, 2),
]
LINES = ["QUYẾT ĐỊNH", "Nguyễn Thị Hồng Nhung", "Độc lập - Tự do - Hạnh phúc"]


def _page_image(mode: str = "L", size: tuple[int, int] = (874, 1240)) -> Image.Image:
    colour = {"1": 1, "L": 255, "RGB": (255, 255, 255), "RGBA": (255, 255, 255, 255)}[mode]
    black = {"1": 0, "L": 0, "RGB": (0, 0, 0), "RGBA": (0, 0, 0, 255)}[mode]
    img = Image.new(mode, size, colour)
    draw = ImageDraw.Draw(img)
    for word in WORDS:
        draw.rectangle([word.left, word.top, word.left + word.width - 1,
                        word.top + word.height - 1], fill=black)
    if mode == "RGB":
        draw.rectangle([600, 900, 800, 1100], fill=(200, 20, 20))  # a red seal
    return img


def _pdftotext(pdf: Path, *args: str) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", *args, str(pdf), "-"],
                         capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def _bbox_words(pdf: Path) -> list[tuple[str, float, float, float, float]]:
    html = _pdftotext(pdf, "-bbox")
    pattern = (r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
               r"(.*?)</word>")
    return [(m[5], float(m[1]), float(m[2]), float(m[3]), float(m[4]))
            for m in re.finditer(pattern, html)]


@pytest.fixture
def grey_jpeg(tmp_path: Path) -> Path:
    path = tmp_path / "page.jpg"
    _page_image("L").save(path, quality=90, dpi=(DPI, DPI))
    return path


@pytest.fixture
def page_pdf(tmp_path: Path, grey_jpeg: Path) -> Path:
    return write_page_pdf(grey_jpeg, tmp_path / "page.pdf", dpi=DPI, words=WORDS)


@needs_poppler
def test_text_layer_gives_back_exact_nfc_words_with_spaces(page_pdf: Path) -> None:
    for args in ((), ("-layout",)):
        text = _pdftotext(page_pdf, *args)
        assert unicodedata.is_normalized("NFC", text)
        lines = [re.sub(r" +", " ", line).strip() for line in text.splitlines()]
        lines = [line for line in lines if line]
        assert lines == LINES, args


@needs_poppler
def test_words_sit_on_their_boxes(page_pdf: Path) -> None:
    scale = 72 / DPI
    found = _bbox_words(page_pdf)
    assert [text for text, *_ in found] == [w.text for w in WORDS]
    for (_text, x0, y0, x1, y1), word in zip(found, WORDS, strict=True):
        assert x0 == pytest.approx(word.left * scale, abs=1.0)
        assert x1 == pytest.approx((word.left + word.width) * scale, abs=1.0)
        assert y0 == pytest.approx(word.top * scale, abs=1.0)
        assert y1 == pytest.approx((word.top + word.height) * scale, abs=1.0)


def test_page_size_follows_dpi(tmp_path: Path, grey_jpeg: Path) -> None:
    for dpi in (150, 300, 72.5):
        out = write_page_pdf(grey_jpeg, tmp_path / f"p{dpi}.pdf", dpi=dpi, words=WORDS)
        with pikepdf.open(out) as pdf:
            box = [float(v) for v in pdf.pages[0].mediabox]
        assert box[:2] == [0, 0]
        assert box[2] == pytest.approx(874 / dpi * 72, abs=1e-3)
        assert box[3] == pytest.approx(1240 / dpi * 72, abs=1e-3)
    with pytest.raises(ValueError):
        write_page_pdf(grey_jpeg, tmp_path / "bad.pdf", dpi=0, words=WORDS)


def _only_image(pdf: pikepdf.Pdf) -> pikepdf.Object:
    images = [obj for obj in pdf.pages[0].Resources.XObject.values()
              if obj.get("/Subtype") == pikepdf.Name.Image]
    assert len(images) == 1
    return images[0]


def test_jpeg_is_embedded_without_reencoding(tmp_path: Path, grey_jpeg: Path) -> None:
    rgb = tmp_path / "colour.jpg"
    _page_image("RGB").save(rgb, quality=80)
    for src, space in ((grey_jpeg, "/DeviceGray"), (rgb, "/DeviceRGB")):
        out = write_page_pdf(src, tmp_path / (src.stem + ".pdf"), dpi=DPI, words=WORDS)
        with pikepdf.open(out) as pdf:
            image = _only_image(pdf)
            assert image.Filter == pikepdf.Name.DCTDecode
            assert image.ColorSpace == pikepdf.Name(space)
            assert image.read_raw_bytes() == src.read_bytes()
            assert "/Interpolate" not in image and "/SMask" not in image


@pytest.mark.parametrize(("mode", "space", "bits"), [
    ("L", "/DeviceGray", 8), ("1", "/DeviceGray", 1), ("RGB", "/DeviceRGB", 8),
    ("RGBA", "/DeviceRGB", 8),
])
def test_png_keeps_its_colour_kind(tmp_path: Path, mode: str, space: str, bits: int) -> None:
    src = tmp_path / f"page-{mode}.png"
    original = _page_image(mode)
    original.save(src)
    out = write_page_pdf(src, tmp_path / f"page-{mode}.pdf", dpi=DPI, words=WORDS)
    with pikepdf.open(out) as pdf:
        image = _only_image(pdf)
        assert image.ColorSpace == pikepdf.Name(space)
        assert int(image.BitsPerComponent) == bits
        assert image.Filter == pikepdf.Name.FlateDecode
        assert "/SMask" not in image
        decoded = pikepdf.PdfImage(image).as_pil_image()
    expected = original.convert("RGB") if mode == "RGBA" else original
    assert np.array_equal(np.asarray(decoded.convert(expected.mode)), np.asarray(expected))


def test_grey_palette_png_becomes_grey(tmp_path: Path) -> None:
    src = tmp_path / "palette.png"
    _page_image("L").convert("P").save(src)
    out = write_page_pdf(src, tmp_path / "palette.pdf", dpi=DPI, words=[])
    with pikepdf.open(out) as pdf:
        image = _only_image(pdf)
        assert image.ColorSpace == pikepdf.Name.DeviceGray
        assert "/Font" not in pdf.pages[0].Resources  # no words, no text layer


@needs_poppler
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_shows_upright(tmp_path: Path, orientation: int) -> None:
    """A JPEG with an EXIF orientation is embedded as is but shown as intake loads it."""
    stored = Image.new("L", (120, 80), 255)
    draw = ImageDraw.Draw(stored)
    draw.rectangle([0, 0, 39, 39], fill=0)
    draw.rectangle([80, 40, 119, 79], fill=128)
    exif = Image.Exif()
    exif[0x0112] = orientation
    src = tmp_path / "rotated.jpg"
    stored.save(src, quality=95, exif=exif)
    out = write_page_pdf(src, tmp_path / "rotated.pdf", dpi=72, words=[])
    with Image.open(src) as img:
        upright = np.asarray(ImageOps.exif_transpose(img).convert("L"), dtype=float)
    subprocess.run(["pdftoppm", "-r", "72", "-gray", "-singlefile", str(out),
                    str(tmp_path / "render")], check=True, capture_output=True)
    rendered = np.asarray(Image.open(tmp_path / "render.pgm"), dtype=float)
    assert rendered.shape == upright.shape
    assert np.abs(rendered - upright).mean() < 8


@needs_poppler
@needs_qpdf
def test_assembled_file_is_pdfa_2b(tmp_path: Path, grey_jpeg: Path) -> None:
    pages = [write_page_pdf(grey_jpeg, tmp_path / f"p{i}.pdf", dpi=DPI, words=WORDS)
             for i in range(3)]
    title = "Quyết định số 15/QĐ-UBND"
    out = assemble_pdfa(pages, tmp_path / "out" / "doc.pdf", title=title)
    check = subprocess.run(["qpdf", "--check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors" in check.stdout
    assert out.read_bytes().startswith(b"%PDF-1.7\n%")
    with pikepdf.open(out) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == title
        assert meta["pdf:Producer"] == "sohoa"
        assert str(pdf.docinfo.Title) == title
        assert str(pdf.docinfo.Producer) == "sohoa"
        created = pikepdf.models.metadata.decode_pdf_date(str(pdf.docinfo.CreationDate))
        assert created.isoformat() == meta["xmp:CreateDate"]
        assert "/Filter" not in pdf.Root.Metadata  # PDF/A: metadata stream unfiltered
        [intent] = list(pdf.Root.OutputIntents)
        assert intent.S == pikepdf.Name.GTS_PDFA1
        profile = intent.DestOutputProfile
        assert int(profile.N) == 3
        assert profile.read_bytes()[36:40] == b"acsp"
        assert profile.read_bytes()[16:20] == b"RGB "
        assert str(pdf.Root.Lang) == "vi-VN"
        assert len(pdf.trailer.ID) == 2
        assert not pdf.is_encrypted
        for page in pdf.pages:
            assert "/Group" not in page.obj
            font = page.Resources.Font.F0
            assert font.Subtype == pikepdf.Name.Type0
            assert font.Encoding == pikepdf.Name("/Identity-H")
            cid_font = font.DescendantFonts[0]
            assert cid_font.Subtype == pikepdf.Name.CIDFontType2
            assert "/CIDToGIDMap" in cid_font
            assert "/FontFile2" in cid_font.FontDescriptor  # embedded
            for image in page.Resources.XObject.values():
                assert not bool(image.get("/Interpolate", False))
    assert [line for line in _pdftotext(out, "-f", "3", "-l", "3").splitlines() if line] \
        == LINES


@needs_poppler
def test_assembly_keeps_page_order(tmp_path: Path, grey_jpeg: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pages = [write_page_pdf(grey_jpeg, tmp_path / f"p{i}.pdf", dpi=DPI,
                            words=[_w(f"Trang{i}", 100, 100, 300, 50, 0)])
             for i in range(7)]
    out = assemble_pdfa(pages, tmp_path / "ordered.pdf")
    expected = [f"Trang{i}" for i in range(7)]
    assert _pdftotext(out).split() == expected
    monkeypatch.setattr(pdfa, "KEEP_FILES_OPEN_THRESHOLD", 2)  # qpdf reopens files as needed
    reopened = assemble_pdfa(pages, tmp_path / "reopened.pdf", title="x")
    assert _pdftotext(reopened).split() == expected
    assert not list(tmp_path.glob(".pdfa-*"))  # temporary files cleaned up


def test_assembly_refuses_bad_input(tmp_path: Path, page_pdf: Path) -> None:
    with pytest.raises(ValueError):
        assemble_pdfa([], tmp_path / "empty.pdf")
    with pytest.raises(FileNotFoundError):
        assemble_pdfa([page_pdf, tmp_path / "missing.pdf"], tmp_path / "missing-out.pdf")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\ngarbage")
    out = tmp_path / "broken-out.pdf"
    with pytest.raises(pikepdf.PdfError):
        assemble_pdfa([page_pdf, broken], out)
    assert not out.exists()
    assert not list(tmp_path.glob(".pdfa-*"))


@needs_poppler
def test_odd_words_are_handled(tmp_path: Path, grey_jpeg: Path) -> None:
    words = [
        _w("", 100, 100, 50, 50, 0),                  # empty: skipped
        _w("\x00\x07", 100, 100, 50, 50, 0),          # only control characters: skipped
        _w("𠀀𝐀😀", 200, 100, 120, 50, 0),            # outside the BMP (surrogate pairs)
        _w("ễặỹĐ", 340, 100, 120, 50, 0),
        _w("Ngày", 470, 100, 0, 0, 0),                # zero-size box
        _w("A", 100, 300, -5, 40, 1),                 # negative width
        _w("\ud800", 200, 300, 50, 40, 1),            # lone surrogate: skipped
    ]
    out = write_page_pdf(grey_jpeg, tmp_path / "odd.pdf", dpi=DPI, words=words)
    lines = [line for line in _pdftotext(out).splitlines() if line.strip()]
    assert lines == ["𠀀𝐀😀 ễặỹĐ Ngày", "A"]


@needs_poppler
def test_lines_without_line_keys_stay_separate(tmp_path: Path, grey_jpeg: Path) -> None:
    words = [Word("một", 100, 100, 100, 40, 0.9), Word("hai", 220, 100, 100, 40, 0.9),
             Word("ba", 100, 200, 100, 40, 0.9), Word("bốn", 220, 200, 100, 40, 0.9)]
    out = write_page_pdf(grey_jpeg, tmp_path / "nokeys.pdf", dpi=DPI, words=words)
    lines = [line for line in _pdftotext(out).splitlines() if line.strip()]
    assert lines == ["một hai", "ba bốn"]


def test_glyphless_font_widths_match_the_font_program() -> None:
    data, advance = pdfa._font_metrics()
    assert data == pdfa.GLYPHLESS_FONT.read_bytes()
    assert advance == 500  # 1024 / 2048 em


@needs_poppler
def test_text_layer_is_invisible(tmp_path: Path, grey_jpeg: Path) -> None:
    """Rendering the page shows the scan only: render mode 3 paints no glyph boxes."""
    with_text = write_page_pdf(grey_jpeg, tmp_path / "text.pdf", dpi=DPI, words=WORDS)
    without = write_page_pdf(grey_jpeg, tmp_path / "none.pdf", dpi=DPI, words=[])
    renders = []
    for pdf in (with_text, without):
        subprocess.run(["pdftoppm", "-r", "50", "-gray", "-singlefile", str(pdf),
                        str(pdf.with_suffix(""))], check=True, capture_output=True)
        renders.append(np.asarray(Image.open(pdf.with_suffix(".pgm")), dtype=int))
    assert np.array_equal(renders[0], renders[1])


def test_other_image_kinds_are_decoded(tmp_path: Path) -> None:
    sixteen = tmp_path / "grey16.png"
    Image.fromarray(np.full((40, 60), 65535, dtype=np.uint16)).save(sixteen)
    cmyk = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (60, 40), (0, 0, 0, 0)).save(cmyk, quality=95)
    for src, space in ((sixteen, "/DeviceGray"), (cmyk, "/DeviceRGB")):
        out = write_page_pdf(src, tmp_path / (src.stem + ".pdf"), dpi=72, words=[])
        with pikepdf.open(out) as pdf:
            image = _only_image(pdf)
            assert image.ColorSpace == pikepdf.Name(space)
            assert int(image.BitsPerComponent) == 8
            assert image.Filter == pikepdf.Name.FlateDecode
            pixels = np.asarray(pikepdf.PdfImage(image).as_pil_image())
        assert pixels.min() >= 250  # white stays white (scaled, not clipped or inverted)


@needs_poppler
def test_whitespace_in_words(tmp_path: Path, grey_jpeg: Path) -> None:
    words = [_w("  ", 100, 100, 50, 50, 0), _w("Hà\tNội ", 100, 100, 200, 50, 0),
             _w("Việt", 320, 100, 100, 50, 0)]
    out = write_page_pdf(grey_jpeg, tmp_path / "spaces.pdf", dpi=DPI, words=words)
    assert _pdftotext(out).split() == ["Hà", "Nội", "Việt"]


@needs_poppler
def test_tounicode_maps_only_the_blocks_the_page_uses(tmp_path: Path, grey_jpeg: Path) -> None:
    """A Vietnamese page uses a handful of 256-character blocks (Latin, Latin-1, Latin
    Extended-A/B, Latin Extended Additional, punctuation): its ToUnicode maps those, so it
    costs a few hundred bytes instead of 1.7 KB, and every character still comes back."""
    words = [_w("Đồng", 100, 100, 120, 50, 0), _w("–", 240, 100, 20, 50, 0),
             _w("5€", 280, 100, 60, 50, 0), _w("Thửa", 360, 100, 120, 50, 0),
             _w("mới", 500, 100, 50, 50, 0), _w("𠀀", 560, 100, 40, 50, 0)]
    out = write_page_pdf(grey_jpeg, tmp_path / "blocks.pdf", dpi=DPI, words=words)
    lines = [line for line in _pdftotext(out).splitlines() if line.strip()]
    assert lines == ["Đồng – 5€ Thửa mới 𠀀"]
    with pikepdf.open(out) as pdf:
        cmap = pdf.pages[0].Resources.Font.F0.ToUnicode
        assert len(cmap.read_raw_bytes()) < 400
        text = cmap.read_bytes().decode("ascii")
    ranges = set(re.findall(r"<([0-9A-F]{2})00> <\1FF>", text))
    # Đ ư in 01, ồ ử ớ in 1E, – € in 20 (𠀀 has a private CID)
    assert ranges == {"00", "01", "1E", "20"}


@needs_poppler
def test_a_long_line_places_every_word_from_one_position(tmp_path: Path,
                                                          grey_jpeg: Path) -> None:
    """Words of a line after the first are placed by the stretched space before them, not
    by a position of their own: no drift along 14 words (uneven gaps and widths), and an
    overlapping word gets its own position back."""
    rng = np.random.default_rng(4)
    words, left = [], 20
    for i in range(14):  # across the 874-px page
        text = ["Nguyễn", "Thị", "Hồng", "Nhung", "số", "1234/QĐ-UBND"][i % 6]
        width = len(text) * int(rng.integers(5, 8))
        words.append(Word(text, left, 400, width, 30, 0.9, 1, 1, 1))
        left += width + int(rng.integers(4, 12))
    last = words[-1]
    words.append(Word("chồng", last.left + last.width - 2, 400, 40, 30, 0.9, 1, 1, 1))
    out = write_page_pdf(grey_jpeg, tmp_path / "long.pdf", dpi=DPI, words=words)
    scale = 72 / DPI
    found = _bbox_words(out)
    assert [text for text, *_ in found] == [w.text for w in words]
    for (_text, x0, _y0, x1, _y1), word in zip(found, words, strict=True):
        assert x0 == pytest.approx(word.left * scale, abs=0.1)
        assert x1 == pytest.approx((word.left + word.width) * scale, abs=0.1)
    with pikepdf.open(out) as pdf:
        ops = pdf.pages[0].Contents[1].read_bytes().decode("ascii")
    assert ops.count(" Tm") == 2  # the line's start and the word that overlaps the last
