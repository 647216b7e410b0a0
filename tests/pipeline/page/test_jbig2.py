"""The JBIG2 encoder (pipeline.page.jbig2): what it writes must decode to the same pixels in
the decoders PDF readers use (jbig2dec: Ghostscript, MuPDF, pikepdf; poppler's own), and
be smaller than CCITT Group 4 on text."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.page.jbig2 import jbig2_generic

needs_jbig2dec = pytest.mark.skipif(shutil.which("jbig2dec") is None,
                                    reason="needs jbig2dec (scripts/install-system-deps.sh)")
needs_poppler = pytest.mark.skipif(shutil.which("pdfimages") is None, reason="needs poppler")
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")


def _jbig2dec(data: bytes, tmp: Path) -> np.ndarray:
    stream = tmp / "page.jb2"
    stream.write_bytes(data)
    subprocess.run(["jbig2dec", "-e", "-q", "-t", "pbm", "-o", str(tmp / "page.pbm"),
                    str(stream)], check=True, capture_output=True, timeout=60)
    with Image.open(tmp / "page.pbm") as img:
        return np.asarray(img.convert("L")) < 128


def _text_page(dpi: int = 300) -> np.ndarray:
    """Half an A4 page of 12-pt Vietnamese text with scanner specks, True = ink."""
    img = Image.new("L", (round(8.27 * dpi), round(5.8 * dpi)), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), round(12 / 72 * dpi)) if FONT.is_file() \
        else ImageFont.load_default()
    for i in range(18):
        draw.text((round(0.8 * dpi), round((0.4 + 0.28 * i) * dpi)),
                  "Ủy ban nhân dân xã Tân Lập quyết định cấp giấy chứng nhận số 1234/QĐ", font=font,
                  fill=0)
    ink = np.asarray(img) < 128
    ink |= np.random.default_rng(3).random(ink.shape) < 0.0005
    return ink


@needs_jbig2dec
@pytest.mark.parametrize("shape, density", [((37, 53), 0.3), ((1, 9), 0.5), ((9, 1), 0.5),
                                            ((64, 64), 0.0), ((40, 70), 1.0),
                                            ((301, 1003), 0.02)])
def test_every_pixel_comes_back_from_jbig2dec(tmp_path: Path, shape: tuple[int, int],
                                              density: float) -> None:
    ink = np.random.default_rng(shape[0]).random(shape) < density
    ink[shape[0] // 2:] = ink[shape[0] // 2 - 1]  # repeated rows: the typical-prediction path
    assert np.array_equal(_jbig2dec(jbig2_generic(ink), tmp_path), ink)


@needs_jbig2dec
@needs_poppler
def test_a_text_page_in_a_pdf_decodes_exactly_and_beats_group_4(tmp_path: Path) -> None:
    ink = _text_page()
    data = jbig2_generic(ink)
    assert np.array_equal(_jbig2dec(data, tmp_path), ink)
    pdf = pikepdf.new()
    image = pdf.make_stream(data, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                            Width=ink.shape[1], Height=ink.shape[0], BitsPerComponent=1,
                            ColorSpace=pikepdf.Name.DeviceGray, Filter=pikepdf.Name.JBIG2Decode)
    width, height = ink.shape[1] * 72 / 300, ink.shape[0] * 72 / 300
    pdf.add_blank_page(page_size=(width, height))
    pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    pdf.pages[0].Contents = pdf.make_stream(f"q {width} 0 0 {height} 0 0 cm /Im0 Do Q".encode())
    pdf.save(tmp_path / "page.pdf")
    # poppler's own decoder, as PDF readers see the image (1 = ink in JBIG2 shows black)
    subprocess.run(["pdfimages", "-png", str(tmp_path / "page.pdf"), str(tmp_path / "img")],
                   check=True, capture_output=True, timeout=60)
    with Image.open(tmp_path / "img-000.png") as img:
        assert np.array_equal(np.asarray(img.convert("L")) < 128, ink)
    g4 = io.BytesIO()
    Image.fromarray(~ink).save(g4, "TIFF", compression="group4")
    assert len(data) < 0.85 * len(g4.getvalue())


def test_empty_input_is_refused() -> None:
    with pytest.raises(ValueError):
        jbig2_generic(np.zeros((0, 5), bool))
