"""Searchable PDF/A-2b output: one-page PDFs (scan image + invisible text) and their assembly.

This module owns:

- :func:`write_page_pdf`: one page = the page image covering the whole page plus an invisible
  text layer (render mode 3) that puts each OCR word over its box. A page array is stored
  compactly (:mod:`pipeline.page.encode`: JBIG2 for bilevel pages, a JBIG2 text mask over a
  half-resolution JPEG for scans); image files are embedded as they are (JPEG as DCTDecode,
  no re-encode; anything else decoded with Pillow and Flate-compressed).
- :func:`replace_text_layer`: rewrites a one-page PDF's text layer alone, for the words the
  field stage settled (:mod:`pipeline.papers.settle`) after the page PDF was written.
- :func:`assemble_pdfa`: concatenates one-page PDFs, in order, into one PDF/A-2b file
  (XMP with pdfaid, an sRGB OutputIntent, /Lang, DocInfo consistent with the XMP), streaming
  page data so that 500 pages never sit in memory together.

The text layer uses a Type0 font (Identity-H) over a CIDFontType2 that embeds the glyphless
TrueType font of ``data/glyphless.ttf``. Text is written as UTF-16BE code units used as CIDs
and every CID maps to the font's single glyph, so any Unicode text (Vietnamese NFC letters
such as ễ ặ ỹ Đ) is placed without real glyphs; the ToUnicode CMap gives it back exactly.
Characters outside the BMP get private CIDs in the surrogate range (D800-DFFF, never a
valid BMP character) that the page's ToUnicode maps to the full character.

Words of one line share a baseline (the line's bottom) and a font size (the line's height);
each word is stretched horizontally (``Tz``) to span its box, and a stretched space joins it
to the next word of the line, so text extraction, search and copy see "word word word".
Positions are written to 0.01 pt and stretches to 0.1 %; a word's position is written only at
the start of its line or where the stretched space before it could not end exactly on it
(overlapping boxes), since the space already brings the pen there: a dense page's text layer
is then ~6 KB instead of ~10 KB.
"""

from __future__ import annotations

import io
import math
import os
import struct
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
import pikepdf
from pikepdf import Array, Dictionary, Name, StreamDecodeLevel
from PIL import Image, ImageCms, ImageOps

from ocr_models.base import Word

__all__ = ["GLYPHLESS_FONT", "assemble_pdfa", "replace_text_layer", "write_page_pdf"]

GLYPHLESS_FONT = Path(__file__).with_name("data") / "glyphless.ttf"
FONT_NAME = "GlyphLessFont"  # /BaseFont and /FontName of the text-layer font

FLATE_LEVEL = 6  # zlib level for decoded page images and small streams
PEN_TOLERANCE = 0.05  # points: a word this close to where the last one left the pen needs no Tm
KEEP_FILES_OPEN_THRESHOLD = 200  # past this many inputs qpdf reopens files as it needs them
_JPEG_FORMATS = {"JPEG", "MPO"}
_JPEG_MODES = {"L": "/DeviceGray", "RGB": "/DeviceRGB"}
_EXIF_ORIENTATION = 0x0112
_PUA_FIRST, _PUA_LAST = 0xD800, 0xDFFF  # CIDs for characters outside the BMP
_SRGB_ID = "sRGB IEC61966-2.1"


# --------------------------------------------------------------------------- font data


@lru_cache(maxsize=1)
def _font_metrics() -> tuple[bytes, int]:
    """(font file bytes, advance width of GID 1 in 1/1000 em), read from the font itself."""
    data = GLYPHLESS_FONT.read_bytes()
    num_tables = struct.unpack(">H", data[4:6])[0]
    tables: dict[bytes, int] = {}
    for i in range(num_tables):
        tag, _checksum, offset, _length = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
        tables[tag] = offset
    units_per_em = struct.unpack(">H", data[tables[b"head"] + 18:tables[b"head"] + 20])[0]
    num_hmetrics = struct.unpack(">H", data[tables[b"hhea"] + 34:tables[b"hhea"] + 36])[0]
    gid = min(1, num_hmetrics - 1)  # glyphs past numberOfHMetrics repeat the last advance
    advance = struct.unpack(">H", data[tables[b"hmtx"] + 4 * gid:tables[b"hmtx"] + 4 * gid + 2])[0]
    return data, round(advance * 1000 / units_per_em)


@lru_cache(maxsize=1)
def _cid_to_gid_map() -> bytes:
    """Flate-compressed CIDToGIDMap: all 65536 CIDs -> GID 1 (never .notdef)."""
    return zlib.compress(b"\x00\x01" * 65536, 9)


def _tounicode_cmap(blocks: Iterable[int], extra: dict[int, int]) -> bytes:
    """ToUnicode CMap: identity for the BMP code units of the 256-unit ``blocks`` (high bytes)
    the page uses, plus ``extra`` (CID -> code point). Only the used blocks: a Vietnamese page
    needs four to six of them, and the whole BMP would cost 1.7 KB a page."""
    ranges = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>"
              for hi in sorted(set(blocks)) if not _PUA_FIRST >> 8 <= hi <= _PUA_LAST >> 8]
    parts = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    for i in range(0, len(ranges), 100):  # at most 100 entries per block
        chunk = ranges[i:i + 100]
        parts += [f"{len(chunk)} beginbfrange", *chunk, "endbfrange"]
    items = sorted(extra.items())
    for i in range(0, len(items), 100):
        chunk = items[i:i + 100]
        parts.append(f"{len(chunk)} beginbfchar")
        parts += [f"<{cid:04X}> <{chr(cp).encode('utf-16-be').hex().upper()}>"
                  for cid, cp in chunk]
        parts.append("endbfchar")
    parts += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end", ""]
    return zlib.compress("\n".join(parts).encode("ascii"), 9)


def _add_font(pdf: pikepdf.Pdf, blocks: Iterable[int], extra: dict[int, int]
              ) -> pikepdf.Object:
    """The Type0 glyphless font (indirect), with its ToUnicode CMap for the CIDs in use
    (``blocks``: their high bytes; ``extra``: private CIDs of non-BMP characters)."""
    font_data, advance = _font_metrics()
    font_file = pdf.make_stream(b"", Length1=len(font_data))
    font_file.write(zlib.compress(font_data, 9), filter=Name.FlateDecode)
    descriptor = pdf.make_indirect(Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/" + FONT_NAME), Flags=5,
        FontBBox=Array([0, 0, advance, 1000]), ItalicAngle=0, Ascent=1000, Descent=-1,
        CapHeight=1000, StemV=80, FontFile2=font_file,
    ))
    cid_map = pdf.make_stream(b"")
    cid_map.write(_cid_to_gid_map(), filter=Name.FlateDecode)
    cid_font = pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name("/" + FONT_NAME),
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"),
                                 Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=descriptor, DW=advance, CIDToGIDMap=cid_map,
    ))
    to_unicode = pdf.make_stream(b"")
    to_unicode.write(_tounicode_cmap(blocks, extra), filter=Name.FlateDecode)
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name("/" + FONT_NAME),
        Encoding=Name("/Identity-H"), DescendantFonts=Array([cid_font]), ToUnicode=to_unicode,
    ))


# --------------------------------------------------------------------------- text layer


def _num(value: float, digits: int = 3) -> str:
    """Compact decimal for content streams (no exponent, at most ``digits`` decimals)."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


class _Encoder:
    """Unicode text -> CIDs (UTF-16 code units; private CIDs for non-BMP characters)."""

    def __init__(self) -> None:
        self.extra: dict[int, int] = {}  # CID -> code point, for the ToUnicode CMap
        self.blocks: set[int] = {0x00}  # high bytes of the BMP CIDs used (0x00: the space)
        self._by_cp: dict[int, int] = {}

    def encode(self, text: str) -> list[int]:
        cids: list[int] = []
        for ch in text.strip():
            cp = ord(ch)
            if ch in "\t\n\r\v\f":
                cp = 0x20
            elif cp < 0x20 or 0x7F <= cp < 0xA0 or _PUA_FIRST <= cp <= _PUA_LAST:
                continue  # control characters and lone surrogates: nothing to show
            if cp <= 0xFFFF:
                cids.append(cp)
                self.blocks.add(cp >> 8)
                continue
            cid = self._by_cp.get(cp)
            if cid is None:
                cid = _PUA_FIRST + len(self.extra)
                if cid > _PUA_LAST:  # > 2048 distinct non-BMP characters on one page
                    cids.append(0xFFFD)
                    self.blocks.add(0xFF)
                    continue
                self.extra[cid] = cp
                self._by_cp[cp] = cid
            cids.append(cid)
        return cids


_Coded = tuple[Word, list[int]]  # a word and its CIDs


def _lines(words: Sequence[_Coded]) -> Iterator[list[_Coded]]:
    """Group words into lines: same (block, par, line), vertically overlapping, left to right.

    The extra checks keep engines that leave the keys at 0 from putting a whole page on one
    baseline.
    """
    line: list[_Coded] = []
    top = bottom = 0
    for item in words:
        word = item[0]
        w_top, w_bottom = word.top, word.top + max(word.height, 1)
        if line:
            last = line[-1][0]
            overlaps = (top <= (w_top + w_bottom) / 2 <= bottom
                        or w_top <= (top + bottom) / 2 <= w_bottom)
            if word.line_key == last.line_key and overlaps and word.left >= last.left:
                line.append(item)
                top, bottom = min(top, w_top), max(bottom, w_bottom)
                continue
            yield line
        line, top, bottom = [item], w_top, w_bottom
    if line:
        yield line


def _text_layer(words: Sequence[Word], scale: float, page_h: float, advance: int
                ) -> tuple[str, _Encoder] | None:
    """Content-stream text operators for ``words`` (pixel boxes, origin top-left)."""
    encoder = _Encoder()
    coded = [(w, encoder.encode(w.text)) for w in words if w.text]
    kept = [(w, cids) for w, cids in coded if any(c != 0x20 for c in cids)]
    if not kept:
        return None
    em = advance / 1000  # glyph advance per unit of font size
    space = "<0020>"
    ops = ["BT", "3 Tr"]
    for line in _lines(kept):
        top = min(w.top for w, _ in line)
        bottom = max(w.top + max(w.height, 1) for w, _ in line)
        size_text = _num(max(bottom - top, 1) * scale, 2)
        size = float(size_text)  # as written: the pen below moves by what readers compute
        baseline = _num(page_h - bottom * scale, 2)
        ops.append(f"/F0 {size_text} Tf")
        pen = math.nan  # where the text matrix stands after the last glyph drawn
        for i, (word, cids) in enumerate(line):
            left = word.left * scale
            if not abs(pen - left) <= PEN_TOLERANCE:  # a new line, or words that overlap
                ops.append(f"1 0 0 1 {_num(left, 2)} {baseline} Tm")
                pen = float(_num(left, 2))
            stretch = _num(100 * max(word.width, 1) * scale / (len(cids) * size * em), 1)
            ops.append(f"{stretch} Tz")
            ops.append("<" + b"".join(c.to_bytes(2, "big") for c in cids).hex() + "> Tj")
            pen += len(cids) * size * em * float(stretch) / 100
            if i + 1 < len(line):
                # the space spans the gap to the next word, so the pen lands on its left
                # edge and the next word needs no Tm of its own (a third of the layer's size)
                gap = max(line[i + 1][0].left * scale - pen, 0.05 * size)
                stretch = _num(100 * gap / (size * em), 1)
                ops.append(f"{stretch} Tz {space} Tj")
                pen += size * em * float(stretch) / 100
    ops.append("ET")
    return "\n".join(ops), encoder


# --------------------------------------------------------------------------- page image


def _exif_orientation(img: Image.Image) -> int:
    try:
        value = img.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # broken EXIF must not stop the page
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _to_display(orientation: int, x: float, y: float, w: int, h: int) -> tuple[float, float]:
    """Stored-image point -> the point in the upright image (EXIF orientation applied)."""
    return {
        1: (x, y), 2: (w - x, y), 3: (w - x, h - y), 4: (x, h - y),
        5: (y, x), 6: (h - y, x), 7: (h - y, w - x), 8: (y, w - x),
    }[orientation]


def _image_matrix(orientation: int, w: int, h: int, scale: float, page_h: float) -> list[float]:
    """``cm`` matrix that maps the image's unit square onto the upright page."""

    def point(u: float, v: float) -> tuple[float, float]:
        # Unit square (u right, v up) -> stored pixel -> upright pixel -> PDF point.
        x, y = _to_display(orientation, u * w, (1 - v) * h, w, h)
        return x * scale, page_h - y * scale

    e, f = point(0, 0)
    ax, ay = point(1, 0)
    cx, cy = point(0, 1)
    return [ax - e, ay - f, cx - e, cy - f, e, f]


def _flatten_alpha(img: Image.Image) -> Image.Image:
    """Composite an image with alpha onto white (PDF/A: no transparency)."""
    rgba = img.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def _decoded_image(img: Image.Image) -> tuple[bytes, str, int]:
    """Decode to (raw samples, colour space, bits per component) that PDF takes as is."""
    mode = img.mode
    if mode == "P":
        if "transparency" in img.info:
            img = _flatten_alpha(img)
        else:
            palette = img.getpalette() or []
            used = img.getcolors(256) or []
            rgb = {tuple(palette[3 * i:3 * i + 3]) for _, i in used}
            if all(r == g == b for r, g, b in rgb):
                levels = {r for r, _, _ in rgb}
                img = img.convert("1" if levels <= {0, 255} else "L")
            else:
                img = img.convert("RGB")
    elif mode in ("RGBA", "RGBa", "LA", "La", "PA"):
        grey = mode in ("LA", "La")
        img = _flatten_alpha(img)
        if grey:
            img = img.convert("L")
    elif mode.startswith("I;16") or mode in ("I", "F"):
        img = _sixteen_to_eight(img)
    elif mode not in ("1", "L", "RGB"):
        img = img.convert("RGB")  # CMYK, YCbCr, LAB, HSV
    if img.mode == "1":
        return img.tobytes(), "/DeviceGray", 1
    return img.tobytes(), "/DeviceGray" if img.mode == "L" else "/DeviceRGB", 8


def _sixteen_to_eight(img: Image.Image) -> Image.Image:
    """16-bit / 32-bit / float grey -> 8-bit grey (Pillow's convert would clip, not scale)."""
    arr = np.asarray(img)
    if arr.dtype.kind == "f":
        peak = float(arr.max()) if arr.size else 0.0
        arr = arr * (255.0 if peak <= 1.0 else 255.0 / 65535.0)
    elif arr.size and int(arr.max()) > 255:
        arr = arr.astype(np.uint32) >> 8
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")


def _add_image(pdf: pikepdf.Pdf, data: bytes, img: Image.Image
               ) -> tuple[pikepdf.Object, int, int, int]:
    """Image XObject for the page; returns (xobject, width, height, EXIF orientation)."""
    width, height = img.size
    if img.format in _JPEG_FORMATS and img.mode in _JPEG_MODES:
        xobject = pdf.make_stream(b"", Type=Name.XObject, Subtype=Name.Image, Width=width,
                                  Height=height, ColorSpace=Name(_JPEG_MODES[img.mode]),
                                  BitsPerComponent=8)
        xobject.write(data, filter=Name.DCTDecode)
        return xobject, width, height, _exif_orientation(img)
    if img.format in _JPEG_FORMATS:  # CMYK/YCCK JPEG: decode; turn it upright like intake
        img = ImageOps.exif_transpose(img)
        width, height = img.size
    samples, colour_space, bits = _decoded_image(img)
    xobject = pdf.make_stream(b"", Type=Name.XObject, Subtype=Name.Image, Width=width,
                              Height=height, ColorSpace=Name(colour_space),
                              BitsPerComponent=bits)
    xobject.write(zlib.compress(samples, FLATE_LEVEL), filter=Name.FlateDecode)
    return xobject, width, height, 1


# --------------------------------------------------------------------------- public API


class ImageLayer(Protocol):
    """One encoded image drawn over the whole page (made by :mod:`pipeline.page.encode`)."""

    data: bytes
    filter: str  # "/JBIG2Decode" | "/DCTDecode" | "/FlateDecode"
    width: int
    height: int
    colour_space: str | None  # None for a stencil mask
    bits: int
    decode_parms: Mapping
    stencil_fill: tuple[float, ...] | None  # a stencil mask painted in this colour


class LayeredImage(Protocol):
    """A page image as encoded layers, drawn in order; its size in full-resolution pixels."""

    width: int
    height: int
    layers: Sequence[ImageLayer]


def _add_layer(pdf: pikepdf.Pdf, layer: ImageLayer) -> pikepdf.Object:
    """Image XObject of one encoded layer."""
    xobject = pdf.make_stream(b"", Type=Name.XObject, Subtype=Name.Image, Width=layer.width,
                              Height=layer.height, BitsPerComponent=layer.bits)
    if layer.stencil_fill is not None:
        xobject.ImageMask = True
        xobject.BitsPerComponent = 1
    else:
        xobject.ColorSpace = Name(layer.colour_space or "/DeviceGray")
    parms = Dictionary({"/" + k: v for k, v in layer.decode_parms.items()}) \
        if layer.decode_parms else None
    xobject.write(layer.data, filter=Name(layer.filter), decode_parms=parms)
    return xobject


def _fill_op(fill: tuple[float, ...]) -> str:
    if len(fill) == 1:
        return f"{_num(fill[0])} g"
    return " ".join(_num(v) for v in fill) + " rg"


def write_page_pdf(image: Path | str | LayeredImage, out_pdf: Path, *, dpi: float,
                   words: Sequence[Word]) -> Path:
    """One-page PDF: the page image covering the whole page and an invisible text layer.

    ``image`` is an image file or a page image already encoded as layers
    (:func:`pipeline.page.encode.encode_page`: JBIG2 for bilevel pages, a JBIG2 text mask
    over a half-resolution JPEG for scans, or one JPEG), drawn in order over the page.

    A file is embedded as it is: JPEG without re-encoding (DCTDecode; an EXIF orientation is
    shown upright, as intake loads it, through the placement matrix); other files decoded
    with Pillow and Flate-compressed: grey stays DeviceGray, colour is DeviceRGB, 1-bit stays
    1-bit, alpha is flattened onto white.

    The page is ``pixels / dpi * 72`` points. Word boxes are pixels of the upright image,
    origin top-left; words with empty text are skipped. The image drawing and the text layer
    are separate content streams, so :func:`replace_text_layer` can rewrite the text alone.
    """
    scale = _scale(dpi)
    out_pdf = Path(out_pdf)
    pdf = pikepdf.new()
    resources = Dictionary(XObject=Dictionary())
    if not isinstance(image, str | Path):
        upright_w, upright_h = image.width, image.height
        page_h = upright_h * scale
        ops = []
        for i, layer in enumerate(image.layers):
            resources.XObject[f"/Im{i}"] = _add_layer(pdf, layer)
            fill = _fill_op(layer.stencil_fill) + " " if layer.stencil_fill else ""
            ops.append(f"q {fill}{_num(upright_w * scale)} 0 0 {_num(page_h)} 0 0 cm "
                       f"/Im{i} Do Q")
        image_ops = "\n".join(ops)
    else:
        data = Path(image).read_bytes()
        with Image.open(io.BytesIO(data)) as img:
            xobject, width, height, orientation = _add_image(pdf, data, img)
        del data
        upright_w, upright_h = (height, width) if orientation >= 5 else (width, height)
        page_h = upright_h * scale
        matrix = " ".join(_num(v) for v in _image_matrix(orientation, width, height, scale,
                                                          page_h))
        image_ops = f"q {matrix} cm /Im0 Do Q"
        resources.XObject.Im0 = xobject
    page_w = upright_w * scale
    page = pdf.make_indirect(Dictionary(
        Type=Name.Page, MediaBox=Array([0, 0, round(page_w, 4), round(page_h, 4)]),
        Resources=resources, Contents=Array([_content_stream(pdf, image_ops)]),
    ))
    _set_text_layer(pdf, page, words, scale, page_h)
    pdf.pages.append(pikepdf.Page(page))
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    _save_page(pdf, out_pdf)
    return out_pdf


def replace_text_layer(page_pdf: Path, words: Sequence[Word], *, dpi: float) -> Path:
    """Rewrite the invisible text layer of a one-page PDF made by :func:`write_page_pdf`
    with ``words`` (e.g. after the field stage settled a better reading of some of them);
    the image data is copied as it is."""
    page_pdf = Path(page_pdf)
    scale = _scale(dpi)
    with pikepdf.open(page_pdf) as pdf:
        page = pdf.pages[0].obj
        contents = page.Contents
        first = contents[0] if isinstance(contents, Array) else contents
        page.Contents = Array([first])
        if "/Font" in page.Resources:
            del page.Resources["/Font"]
        _set_text_layer(pdf, page, words, scale, float(page.MediaBox[3]))
        partial = page_pdf.with_name(page_pdf.name + ".part")
        _save_page(pdf, partial)
    os.replace(partial, page_pdf)
    return page_pdf


def _scale(dpi: float) -> float:
    try:
        scale = 72.0 / float(dpi)
    except (TypeError, ValueError, ZeroDivisionError):
        scale = math.nan
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"dpi must be a positive number, got {dpi!r}")
    return scale


def _content_stream(pdf: pikepdf.Pdf, text: str) -> pikepdf.Object:
    stream = pdf.make_stream(b"")
    stream.write(zlib.compress(text.encode("ascii"), 9), filter=Name.FlateDecode)
    return stream


def _set_text_layer(pdf: pikepdf.Pdf, page: pikepdf.Object, words: Sequence[Word],
                    scale: float, page_h: float) -> None:
    _, advance = _font_metrics()
    layer = _text_layer(words, scale, page_h, advance)
    if layer is None:
        return
    text_ops, encoder = layer
    page.Contents.append(_content_stream(pdf, text_ops))
    page.Resources.Font = Dictionary(F0=_add_font(pdf, encoder.blocks, encoder.extra))


def _save_page(pdf: pikepdf.Pdf, out: Path) -> None:
    pdf.save(out, compress_streams=False, stream_decode_level=StreamDecodeLevel.none,
             fix_metadata_version=False, min_version="1.7")


def assemble_pdfa(page_pdfs: Sequence[Path], out_pdf: Path, *, title: str | None = None,
                  producer: str = "sohoa", lang: str = "vi-VN",
                  relations: Sequence[str] = ()) -> Path:
    """Concatenate one-page PDFs (in order) into one PDF/A-2b file.

    The document level (XMP with pdfaid 2B, sRGB OutputIntent, /Lang, DocInfo) is written
    into a small template; qpdf's job runner then takes the pages of every input after it,
    reading page data from the inputs while it writes (memory stays bounded; past 200
    inputs qpdf opens files only when it needs them). The result is written to a temporary
    name and renamed, so ``out_pdf`` is never left half-written.
    """
    paths = [Path(p) for p in page_pdfs]
    if not paths:
        raise ValueError("assemble_pdfa needs at least one page PDF")
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(path)
    out_pdf = Path(out_pdf)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".pdfa-", dir=out_pdf.parent) as tmp:
        template = Path(tmp) / "template.pdf"
        partial = Path(tmp) / "out.pdf"
        _write_template(template, title, producer, lang, relations)
        job = pikepdf.Job({
            "inputFile": str(template),
            "outputFile": str(partial),
            "pages": [{"file": str(path.resolve()), "range": "1-z"} for path in paths],
            "objectStreams": "generate",
            "decodeLevel": "none",  # copy image and font data as they are
            "compressStreams": "y",
            "forceVersion": "1.7",
            "newlineBeforeEndstream": "",  # PDF/A 6.1.7.1
            "keepFilesOpenThreshold": str(KEEP_FILES_OPEN_THRESHOLD),
            "noWarn": "",
        })
        job.run()
        if job.exit_code not in (0, pikepdf.Job.EXIT_WARNING) or not partial.is_file():
            raise RuntimeError(f"qpdf could not assemble {len(paths)} pages "
                               f"(exit code {job.exit_code})")
        os.replace(partial, out_pdf)
    return out_pdf


# --------------------------------------------------------------------------- PDF/A level


def _write_template(path: Path, title: str | None, producer: str, lang: str,
                    relations: Sequence[str] = ()) -> None:
    """A one-blank-page PDF carrying everything PDF/A-2b asks of the document level;
    ``relations`` go into the XMP as ``dc:relation`` (a PDF/A-predefined property)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    _make_pdfa(pdf, title, producer, lang, relations)
    pdf.save(path, fix_metadata_version=False)


@lru_cache(maxsize=1)
def srgb_icc() -> bytes:
    """An sRGB ICC profile (LittleCMS built-in, via Pillow) for the PDF/A OutputIntent."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _make_pdfa(pdf: pikepdf.Pdf, title: str | None, producer: str, lang: str,
               relations: Sequence[str] = ()) -> None:
    icc = pdf.make_stream(b"", N=3, Alternate=Name.DeviceRGB)
    icc.write(zlib.compress(srgb_icc(), 9), filter=Name.FlateDecode)
    pdf.Root.OutputIntents = Array([Dictionary(
        Type=Name.OutputIntent, S=Name.GTS_PDFA1, OutputConditionIdentifier=_SRGB_ID,
        Info=_SRGB_ID, RegistryName="http://www.color.org", DestOutputProfile=icc,
    )])
    pdf.Root.Lang = pikepdf.String(lang)
    now = datetime.now().astimezone().replace(microsecond=0)
    stamp = now.isoformat()
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        if title:
            meta["dc:title"] = title
        if relations:
            meta["dc:relation"] = list(relations)
        meta["pdf:Producer"] = producer
        meta["xmp:CreatorTool"] = producer
        meta["xmp:CreateDate"] = stamp
        meta["xmp:ModifyDate"] = stamp
        meta["xmp:MetadataDate"] = stamp
