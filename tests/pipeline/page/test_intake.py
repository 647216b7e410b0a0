"""Intake: every kind of bad input gets a clear, typed error naming the file (and page)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from common import errors
from pipeline.page.intake import MAX_PIXELS, list_pages, load_page, sniff


def _page_image(width: int = 800, height: int = 1100, colour: bool = False) -> Image.Image:
    img = Image.new("RGB" if colour else "L", (width, height), "white")
    arr = np.array(img)
    arr[100:110, 100:700] = 0  # a "text line"
    if colour:
        arr[300:360, 300:360] = (200, 20, 20)  # a red seal
    return Image.fromarray(arr)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _bomb_png(path: Path, width: int, height: int) -> Path:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
                     + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))
    return path


def test_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "empty.pdf"
    f.write_bytes(b"")
    with pytest.raises(errors.EmptyFileError) as exc:
        list_pages(f)
    assert "empty.pdf" in exc.value.describe("vi") and "rỗng" in exc.value.describe("vi")


def test_wrong_type_renamed_pdf(tmp_path: Path) -> None:
    f = tmp_path / "hoso.pdf"
    f.write_bytes(b"PK\x03\x04" + b"\x00" * 200)  # a .docx (zip) renamed .pdf
    with pytest.raises(errors.UnsupportedFileError) as exc:
        sniff(f)
    assert "hoso.pdf" in exc.value.describe("vi")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(errors.MissingFileError):
        list_pages(tmp_path / "nope.jpg")


def test_encrypted_pdf(tmp_path: Path) -> None:
    f = tmp_path / "secret.pdf"
    _page_image().save(f, "PDF", resolution=100)
    with pikepdf.open(f, allow_overwriting_input=True) as pdf:
        pdf.save(f, encryption=pikepdf.Encryption(user="matkhau", owner="chu"))
    with pytest.raises(errors.EncryptedPdfError) as exc:
        list_pages(f)
    assert "mật khẩu" in exc.value.describe("vi") and "qpdf --decrypt" in exc.value.describe("vi")


def test_truncated_pdf(tmp_path: Path) -> None:
    whole = tmp_path / "whole.pdf"
    _page_image().save(whole, "PDF", resolution=100)
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole.read_bytes()[:300])
    with pytest.raises(errors.CorruptFileError) as exc:
        refs = list_pages(cut)
        for ref in refs:
            load_page(ref)
    assert "cut.pdf" in exc.value.describe("vi")


def test_decompression_bomb_png_refused_before_decoding(tmp_path: Path) -> None:
    f = _bomb_png(tmp_path / "bomb.png", 20_000, 20_000)  # 400 MP claimed, 100-byte file
    assert f.stat().st_size < 200
    with pytest.raises(errors.ImageTooLargeError) as exc:
        refs = list_pages(f)
        load_page(refs[0])
    assert "bomb.png" in exc.value.describe("vi")


def test_decompression_bomb_inside_pdf(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    huge = pikepdf.Stream(pdf, zlib.compress(b"\x00" * 1000))
    huge.Type, huge.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    huge.Width, huge.Height, huge.BitsPerComponent = 30_000, 30_000, 8
    huge.ColorSpace, huge.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.FlateDecode
    page = pdf.add_blank_page(page_size=(595, 842))
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=huge))
    page.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    f = tmp_path / "bomb.pdf"
    pdf.save(f)
    refs = list_pages(f)
    with pytest.raises(errors.ImageTooLargeError) as exc:
        load_page(refs[0])
    assert exc.value.page == 0 and "(trang 1)" in exc.value.describe("vi")
    assert MAX_PIXELS < 30_000 * 30_000


def test_multipage_tiff_and_dpi(tmp_path: Path) -> None:
    f = tmp_path / "stack.tif"
    pages = [_page_image(), _page_image(colour=True), _page_image()]
    pages[0].save(f, save_all=True, append_images=pages[1:], dpi=(200, 200),
                  compression="tiff_lzw")
    refs = list_pages(f)
    assert [r.index for r in refs] == [0, 1, 2]
    grey, colour = load_page(refs[0]), load_page(refs[1])
    assert grey.image.ndim == 2 and not grey.colour and grey.dpi == pytest.approx(200)
    assert colour.image.ndim == 3 and colour.colour


def test_scanned_pdf_uses_embedded_image_at_its_resolution(tmp_path: Path) -> None:
    f = tmp_path / "scan.pdf"
    _page_image(1654, 2339).save(f, "PDF", resolution=200)  # A4 at 200 dpi
    page = load_page(list_pages(f)[0])
    assert page.image.shape == (2339, 1654)
    assert page.dpi == pytest.approx(200, rel=0.01)


def test_pdf_page_rotate_is_applied(tmp_path: Path) -> None:
    f = tmp_path / "rot.pdf"
    _page_image(1654, 2339).save(f, "PDF", resolution=200)
    with pikepdf.open(f, allow_overwriting_input=True) as pdf:
        pdf.pages[0].Rotate = 90
        pdf.save(f)
    page = load_page(list_pages(f)[0])
    assert page.image.shape == (1654, 2339)  # what a viewer shows: landscape
    assert page.dpi == pytest.approx(200, rel=0.01)


def test_text_pdf_is_rasterised(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    page.Contents = pdf.make_stream(b"0 0 0 rg 100 700 300 20 re f")
    f = tmp_path / "vector.pdf"
    pdf.save(f)
    loaded = load_page(list_pages(f)[0])
    assert loaded.dpi == 300 and loaded.image.shape[0] == pytest.approx(3508, abs=2)
    assert loaded.image.min() < 50  # the rectangle was drawn
