"""Intake: recognise input files by their bytes, list their pages, load one page at a time.

Files are recognised by content (magic bytes), never by extension, so a Word file renamed
``.pdf`` is refused with a clear message. Image dimensions are checked from headers
*before* decoding (decompression bombs). Pages are loaded one at a time, in whatever
process asks, so a 500-page PDF never sits decoded in memory.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image, ImageOps, UnidentifiedImageError

from common.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedPdfError,
    ImageTooLargeError,
    MissingFileError,
    UnsupportedFileError,
)
from pipeline.page import poppler

log = logging.getLogger(__name__)

MAX_PIXELS = 300_000_000  # one page image; above this we refuse before decoding
RASTER_DPI = 300  # for PDF pages that are not one plain scanned image
A4_LONG_INCH = 297 / 25.4

# Pillow's own guard stays on, set just above ours so our message is the one users see.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),  # BigTIFF
    (b"MM\x00+", "tiff"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)


@dataclass(frozen=True)
class PageRef:
    """One page of one input file: enough to load it anywhere (picklable, no pixels)."""

    source: str  # path as given
    index: int  # 0-based page number within the file
    kind: str  # "pdf" | "tiff" | "jpeg" | "png"
    count: int  # pages in the file


@dataclass
class LoadedPage:
    image: np.ndarray  # uint8, grey (H, W) or BGR (H, W, 3)
    dpi: float
    colour: bool
    # False when ``dpi`` is a guess or a tag not to be believed (none, 72, 96, or a page
    # size no paper has): :func:`judge_resolution` then reads it from the letters.
    dpi_trusted: bool = True


def sniff(path: Path) -> str:
    """The file's kind from its first bytes; raises an :class:`InputFileError`."""
    name = str(path)
    if not path.exists():
        raise MissingFileError(name)
    if path.is_dir():
        raise UnsupportedFileError(name, detail="is a directory")
    if path.stat().st_size == 0:
        raise EmptyFileError(name)
    with path.open("rb") as fh:
        head = fh.read(1024)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"%PDF-" in head:  # PDF allows junk before the header
        return "pdf"
    raise UnsupportedFileError(name, detail=f"unrecognised header {head[:8]!r}")


def list_pages(path: Path) -> list[PageRef]:
    """Validate a file and list its pages without decoding any image."""
    kind = sniff(path)
    name = str(path)
    if kind == "pdf":
        with _open_pdf(path) as pdf:
            count = len(pdf.pages)
    else:
        with _open_image(path) as img:
            count = getattr(img, "n_frames", 1)
    if count == 0:
        raise CorruptFileError(name, detail="no pages")
    return [PageRef(name, i, kind, count) for i in range(count)]


def load_page(ref: PageRef, *, max_pixels: int = MAX_PIXELS) -> LoadedPage:
    """Decode one page to pixels (what a viewer shows, before any correction)."""
    path = Path(ref.source)
    if ref.kind == "pdf":
        return _load_pdf_page(path, ref.index, max_pixels)
    with _open_image(path) as img:
        try:
            img.seek(ref.index)
        except EOFError as exc:
            raise CorruptFileError(ref.source, page=ref.index, detail="missing frame") from exc
        _check_pixels(img.size, max_pixels, ref.source, ref.index)
        try:
            img.load()
            dpi, trusted = _tag_dpi(img)
            loaded = _to_array(_exif_upright(img), dpi)
            loaded.dpi_trusted = trusted
            return loaded
        except (OSError, ValueError, SyntaxError) as exc:
            raise CorruptFileError(ref.source, page=ref.index, detail=str(exc)) from exc


# --- EXIF orientation and capture hints (phone photos) --------------------------------------

_ORIENTATION = 0x0112
_MAKE, _MODEL = 0x010F, 0x0110


def _exif_upright(img: Image.Image) -> Image.Image:
    """The image as a viewer shows it: phones store photos sideways with an EXIF Orientation
    tag (JPEG, PNG eXIf, TIFF, WebP). Only a turning tag (2..8) costs a copy; the resolution
    was read before and a quarter-turn keeps it."""
    try:
        orientation = int(img.getexif().get(_ORIENTATION, 1) or 1)
    except (ValueError, TypeError, SyntaxError, OSError):  # a broken EXIF block is no tag
        return img
    if orientation in (2, 3, 4, 5, 6, 7, 8):
        return ImageOps.exif_transpose(img)
    return img


@dataclass(frozen=True)
class CaptureHints:
    """What the file says about how it was captured, for telling photos from scans."""

    scanner_dpi: bool  # carries a resolution of 100 dpi or more (scanners, PDF pages)
    camera: bool  # EXIF names a camera make or model


def capture_hints(ref: PageRef) -> CaptureHints:
    """Read from the file's header only (no pixels decoded); a PDF page counts as having a
    scanner resolution: its size is known in points."""
    if ref.kind == "pdf":
        return CaptureHints(scanner_dpi=True, camera=False)
    try:
        with _open_image(Path(ref.source)) as img:
            dpi = img.info.get("dpi")
            try:
                value = float(dpi[0]) if dpi else 0.0
            except (TypeError, ValueError, IndexError):
                value = 0.0
            exif = img.getexif()
            camera = bool(exif.get(_MAKE) or exif.get(_MODEL))
    except Exception as exc:  # noqa: BLE001 - hints are optional; the page itself loaded
        log.debug("no capture hints for %s: %s", ref.source, exc)
        return CaptureHints(scanner_dpi=True, camera=False)
    # phones write 72 dpi (JFIF default); 96 is a screen's
    return CaptureHints(scanner_dpi=value >= 100 and not camera, camera=camera)


def _open_image(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():  # our own check below gives the user's message
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(str(path), detail=str(exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptFileError(str(path), detail=str(exc)) from exc
    _check_pixels(img.size, MAX_PIXELS, str(path), None)
    return img


def _open_pdf(path: Path) -> pikepdf.Pdf:
    try:
        return pikepdf.open(path)
    except pikepdf.PasswordError as exc:
        raise EncryptedPdfError(str(path), detail=str(exc)) from exc
    except (pikepdf.PdfError, OSError, ValueError, RecursionError) as exc:
        raise CorruptFileError(str(path), detail=str(exc)) from exc


def _check_pixels(size: tuple[int, int], max_pixels: int, source: str, page: int | None) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise CorruptFileError(source, page=page, detail=f"image size {width}x{height}")
    if width * height > max_pixels:
        raise ImageTooLargeError(source, page=page,
                                 detail=f"{width}x{height} = {width * height / 1e6:.0f} MP")


# --- resolution ------------------------------------------------------------------------
# Real files carry wrong resolution tags: PDF image extractors and screenshot tools write
# 72 or 96 dpi whatever the scan was (a 200-dpi 1-bit scan tagged 72 dpi is read as a
# poster, upscaled 4x and OCR'd badly), and screenshots carry none. Such tags are kept
# only as a first guess; the letters on the page decide.

DEFAULT_SCREEN_TAGS = (72.0, 96.0)  # what tools write when they do not know
PLAUSIBLE_LONG_INCH = (2.5, 17.5)  # a business card ... A3 (16.5 in)
LETTER_PX_PER_DPI = 0.108  # median letter height: 27-28 px on 300-dpi office letters
# A4, US Letter, A5 (long, short side)
PAPER_SIZES_INCH = ((297 / 25.4, 210 / 25.4), (11.0, 8.5), (210 / 25.4, 148 / 25.4))
PAPER_FIT = 0.04  # pixel aspect within 4 % of a paper size
PAPER_AGREE = 0.45  # paper-size resolution within 45 % of the letters' reading


def _tag_dpi(img: Image.Image) -> tuple[float, bool]:
    """The file's resolution tag and whether it can be believed."""
    dpi = img.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    if not 50 <= value <= 1200:
        return _guess_dpi(img.size), False
    return value, tag_trusted(value, img.size)


def tag_trusted(dpi: float, size: tuple[int, int]) -> bool:
    """A tag is believed unless it is a default screen value or makes a paper no one
    prints on (a 2338-px page at 72 dpi would be 32 inches long)."""
    if any(abs(dpi - default) < 1.0 for default in DEFAULT_SCREEN_TAGS):
        return False
    long_inch = max(size) / dpi
    return PLAUSIBLE_LONG_INCH[0] <= long_inch <= PLAUSIBLE_LONG_INCH[1]


def judge_resolution(loaded: LoadedPage, letter_height: float | None) -> float:
    """The page's resolution when its tag is not trusted, from the median letter height
    in pixels; snapped to the resolution at which the image is a whole standard paper
    size when the two agree (a full A4 scan), so the output PDF keeps its paper size."""
    if loaded.dpi_trusted or not letter_height:
        return loaded.dpi
    from_letters = letter_height / LETTER_PX_PER_DPI
    height, width = loaded.image.shape[:2]
    long_px, short_px = max(height, width), min(height, width)
    for long_in, short_in in PAPER_SIZES_INCH:
        if abs((long_px / short_px) / (long_in / short_in) - 1) <= PAPER_FIT:
            paper = long_px / long_in
            if abs(paper / from_letters - 1) <= PAPER_AGREE:
                return paper
    return max(50.0, min(1200.0, from_letters))


def _guess_dpi(size: tuple[int, int]) -> float:
    """No usable resolution in the file: assume the page is A4."""
    return max(72.0, min(1200.0, max(size) / A4_LONG_INCH))


def _to_array(img: Image.Image, dpi: float) -> LoadedPage:
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float32)
        top = float(arr.max()) or 1.0
        img = Image.fromarray((arr * (255.0 / top)).astype(np.uint8))
    if img.mode in ("RGBA", "LA", "P", "PA"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba).convert("RGB")
    elif img.mode not in ("L", "RGB"):
        colour = img.mode in ("CMYK", "YCbCr", "LAB", "HSV")
        img = img.convert("RGB" if colour else "L")
    arr = np.asarray(img)
    if arr.ndim == 3:
        if _is_grey(arr):
            return LoadedPage(np.ascontiguousarray(arr[:, :, 1]), dpi, False)
        return LoadedPage(np.ascontiguousarray(arr[:, :, ::-1]), dpi, True)
    return LoadedPage(np.ascontiguousarray(arr), dpi, False)


def _is_grey(rgb: np.ndarray) -> bool:
    """True when an RGB scan carries no real colour (no seal, no photo)."""
    sample = rgb[::8, ::8].astype(np.int16)
    spread = sample.max(axis=2) - sample.min(axis=2)
    return float((spread > 40).mean()) < 0.0005


# --- PDF pages ---------------------------------------------------------------------------

def _load_pdf_page(path: Path, index: int, max_pixels: int) -> LoadedPage:
    with _open_pdf(path) as pdf:
        try:
            page = pdf.pages[index]
            direct = _single_scan_image(page, max_pixels, str(path), index)
            box = [float(v) for v in page.mediabox]
            rotate = int(page.obj.get("/Rotate", 0)) % 360
        except (pikepdf.PdfError, ValueError, KeyError, TypeError, RecursionError) as exc:
            log.debug("page %d of %s: structure problem %s; rasterising", index, path, exc)
            direct, box, rotate = None, [0.0, 0.0, 612.0, 792.0], 0
    width_pt, height_pt = abs(box[2] - box[0]), abs(box[3] - box[1])
    if direct is not None:
        image = direct
        if rotate in (90, 180, 270):
            image = image.rotate(-rotate, expand=True)
        page_w_in = (height_pt if rotate in (90, 270) else width_pt) / 72.0
        dpi = image.size[0] / page_w_in if page_w_in > 0 else _guess_dpi(image.size)
        return _to_array(image, dpi if 50 <= dpi <= 1200 else _guess_dpi(image.size))
    return _rasterise(path, index, width_pt, height_pt, max_pixels)


def _single_scan_image(page: pikepdf.Page, max_pixels: int, source: str,
                       index: int) -> Image.Image | None:
    """The page's one image if the page is a plain scan (one image, no text), else None."""
    images = list(page.get_images(recursive=False).values())
    if len(images) != 1:
        return None
    ops = {str(op) for _, op in pikepdf.parse_content_stream(page)}
    if not ops <= {"q", "Q", "cm", "Do", "gs", "w", "i", "ri"}:
        return None
    for operands, op in pikepdf.parse_content_stream(page, "cm"):
        del op
        if abs(float(operands[1])) > 1e-6 or abs(float(operands[2])) > 1e-6:
            return None  # rotated/sheared placement: let poppler render it
        if float(operands[0]) < 0 or float(operands[3]) < 0:
            return None  # mirrored placement
    stream = images[0]
    width, height = int(stream.get("/Width", 0)), int(stream.get("/Height", 0))
    _check_pixels((width, height), max_pixels, source, index)
    if stream.get("/ImageMask") or stream.get("/SMask") is not None:
        return None
    try:
        return pikepdf.PdfImage(stream).as_pil_image()
    except Exception as exc:  # noqa: BLE001 - any decoder gap: poppler renders instead
        log.debug("page %d of %s: image not extractable (%s); rasterising", index, source, exc)
        return None


def _rasterise(path: Path, index: int, width_pt: float, height_pt: float,
               max_pixels: int) -> LoadedPage:
    source = str(path)
    dpi = RASTER_DPI
    pixels = (width_pt / 72 * dpi) * (height_pt / 72 * dpi)
    if pixels > max_pixels or width_pt <= 0 or height_pt <= 0:
        if pixels > max_pixels:
            raise ImageTooLargeError(source, page=index,
                                     detail=f"page {width_pt:.0f}x{height_pt:.0f} pt")
        raise CorruptFileError(source, page=index, detail="page has no size")
    png = poppler.rasterise_png(path, index, dpi=dpi)
    with Image.open(io.BytesIO(png)) as img:
        img.load()
        return _to_array(img, float(dpi))


def render_page_jpeg(path: Path, index: int, *, longest_px: int = 1100,
                     quality: int = 80) -> bytes:
    """Page ``index`` of a PDF as a JPEG whose longer side is ``longest_px`` (previews)."""
    return poppler.render_jpeg(path, index, longest_px=longest_px, quality=quality)
