"""How a page image is stored in the PDF: the smallest encoding that shows it without visible
loss, chosen per page.

This module owns :func:`encode_page`, which turns the upright page image (the array the page
stage OCR'd, grey or BGR) into one or more image layers for :mod:`pipeline.pdfa`:

- **bilevel** pages (1-bit scans, also after deskewing has greyed their edges; grey pages
  whose paper is pure white and that hold no photo): one 1-bit image, JBIG2 (lossless generic
  region, :mod:`pipeline.page.jbig2`), at full resolution. A 300-dpi text page is ~30–70 KB
  instead of ~1 MB as JPEG (and 20–30 % less than as CCITT Group 4).
- **mrc** (mixed raster content) for grey and colour scans: a full-resolution 1-bit mask of
  the dark, neutral ink (text, lines, black signatures), JBIG2, painted as a stencil in
  the ink's own tone over a background JPEG at half resolution from which that ink was
  removed. Coloured marks (red seals, blue signatures and stamps) are not ink of the mask:
  they stay in the background, which is kept at a quality that shows them well.
- **jpeg**: one JPEG of the page, when the mask would not pay (photos, halftones, pages with
  more mask than text could make) or the page is low-resolution (below 200 dpi a binarised
  mask makes letters jagged). Below 200 dpi the paper's grain is smoothed away first
  (:func:`flatten_paper`: the writing stays as scanned), and a page of 140 dpi or more
  that still exceeds 250 KB steps down to quality 65, then 55;
- **lossless**: below 200 dpi, the page Flate-compressed when that costs at most 1.5 times
  the JPEG (screenshots: JPEG ringing around small letters costs the OCR dearly).

``mode="jpeg"`` (``SOHOA_PDF_IMAGES=jpeg``) asks for the former encoding: one full-resolution
JPEG per page at the page options' quality, for sites that want no binarisation at all.

Every layer covers the whole page; :mod:`pipeline.pdfa` draws them in order. Nothing here
needs a PDF library: JBIG2 data comes from :mod:`pipeline.page.jbig2`, JPEG from OpenCV's
libjpeg-turbo.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import cv2
import numpy as np

from pipeline.page.jbig2 import jbig2_generic

__all__ = ["IMAGE_MODES", "EncodedPage", "Layer", "encode_page"]

IMAGE_MODES = ("compact", "jpeg")

MIN_MRC_DPI = 200  # below this a page is one JPEG at its own resolution
BACKGROUND_DPI = 150  # the MRC background's resolution (colour and grey tones only)
BACKGROUND_QUALITY = 55  # JPEG quality of the MRC background: paper, seals, photos
PLAIN_QUALITY = 70  # JPEG quality when a page of 200 dpi or more is one JPEG (compact mode)
LOW_DPI_QUALITY = 75  # ... and below 200 dpi, where every pixel is part of a letter
# A page one JPEG must not exceed (bytes), when lower qualities can keep it under: a dense
# 150-dpi page at quality 75 is 300-350 KB. Only from STEP_DOWN_MIN_DPI: on 100-dpi pages a
# lower quality cost Tesseract up to 15 % CER, on 150-dpi ones nothing measurable.
PLAIN_BUDGET = 250_000
STEP_DOWN_QUALITIES = (65, 55)
STEP_DOWN_MIN_DPI = 140
LOSSLESS_MAX_RATIO = 1.5  # below 200 dpi: lossless (Flate) if at most this much larger
PLAIN_MAX_DPI = 200  # a page that falls back to one JPEG is not stored above this
MASK_MAX_SHARE = 0.25  # a mask covering more of the page than this is a photo, not text
BILEVEL_MID_PER_BLACK = 2.0  # see _is_bilevel
COLOUR_SPREAD = 48  # max-min over B,G,R above this: a coloured pixel (seal), not ink
# ink is darker than this share of the paper's brightness around it ... The stencil paints
# the mask in the ink's full tone while the background keeps the grey stroke edges outside
# it, so a mask cut half-way between paper and ink (0.6) drew letters 2-7 % heavier than the
# scan (ink summed near the text); at 0.5 they carry the scan's ink within 3 %, and plain
# Tesseract read 17 real and 21 generated 200-300 dpi pages a little better (pooled)
INK_DARKNESS = 0.5
INK_MAX_GREY = 170  # ... and darker than this in absolute terms
# Paper grain: pixels within FLAT_FROM noise deviations of the paper's tone become the paper's
# smooth tone, those past FLAT_TO keep theirs, a blend between (see flatten_paper)
FLAT_FROM, FLAT_TO = 2.5, 5.0
FLAT_MIN_NOISE = 1.0  # grain below this (grey levels) is left alone


@dataclass
class Layer:
    """One image XObject drawn over the whole page."""

    data: bytes
    filter: str  # "/JBIG2Decode" | "/DCTDecode" | "/FlateDecode"
    width: int
    height: int
    colour_space: str | None  # "/DeviceGray" | "/DeviceRGB"; None for a stencil mask
    bits: int = 8
    decode_parms: dict = field(default_factory=dict)
    stencil_fill: tuple[float, ...] | None = None  # a stencil mask painted in this colour


@dataclass
class EncodedPage:
    kind: str  # bilevel | mrc | jpeg | lossless
    width: int  # full-resolution pixels: what the page size and the words refer to
    height: int
    layers: list[Layer]

    @property
    def size(self) -> int:
        return sum(len(layer.data) for layer in self.layers)


# --------------------------------------------------------------------------- encoders


def _jpeg(image: np.ndarray, quality: int) -> bytes:
    """Baseline JPEG with optimised Huffman tables (lossless, 2-7 % smaller than libjpeg's
    default tables)."""
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality),
                                            cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    if not ok:
        raise RuntimeError("cannot encode JPEG")
    return data.tobytes()


def _jpeg_layer(image: np.ndarray, quality: int) -> Layer:
    height, width = image.shape[:2]
    return Layer(_jpeg(image, quality), "/DCTDecode", width, height,
                 "/DeviceRGB" if image.ndim == 3 else "/DeviceGray")


def _bilevel_layer(ink: np.ndarray) -> Layer:
    """1-bit image of ``ink`` (True = black), lossless JBIG2."""
    return Layer(jbig2_generic(ink), "/JBIG2Decode", ink.shape[1], ink.shape[0],
                 "/DeviceGray", 1)


# --------------------------------------------------------------------------- analysis


def effective_dpi(shape: tuple[int, ...], dpi: float) -> float:
    """The resolution to plan the encoding with: the file's, unless it would make the page
    smaller than 4 or larger than 20 inches (a 72-dpi tag on a 300-dpi scan); then the
    resolution that makes the long side an A4's."""
    long_side = max(shape[:2])
    if dpi > 0 and 4 <= long_side / dpi <= 20:
        return float(dpi)
    return long_side / 11.69


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def _has_colour(image: np.ndarray) -> bool:
    if image.ndim != 3:
        return False
    sample = np.ascontiguousarray(image[::4, ::4])
    return float((_spread(sample) > COLOUR_SPREAD).mean()) > 0.0005


def _is_bilevel(grey: np.ndarray) -> bool:
    """A 1-bit scan (maybe greyed at its edges by deskewing), or a grey page as clean:
    the paper is exactly white, mid-tones are no more than anti-aliased stroke edges, and
    no block of the page is mid-tone (a photo)."""
    sample = grey[::2, ::2]
    if float((sample >= 247).mean()) < 0.6:
        return False
    # a scan has noise: its ink is rarely pure black; a 1-bit page's ink is, and its only
    # mid-tones are the stroke edges that deskewing interpolated. On the real pages: 0.5-1.5
    # mid-tone pixels per black one on deskewed 1-bit scans, 2.6 and more on grey scans.
    mid = (sample > 8) & (sample < 247)
    if float(mid.mean()) > max(BILEVEL_MID_PER_BLACK * float((sample <= 8).mean()), 0.002):
        return False
    h, w = mid.shape
    block = 16
    hb, wb = h // block, w // block
    if hb and wb:
        density = mid[:hb * block, :wb * block].reshape(hb, block, wb, block).mean(axis=(1, 3))
        if float(density.max()) > 0.5:
            return False
    return True


def _background(grey: np.ndarray, dpi: float) -> np.ndarray:
    """The paper's brightness without the ink (a grey closing on a ~50-dpi copy)."""
    factor = max(1, round(dpi / 50))
    small = cv2.resize(grey, (max(1, grey.shape[1] // factor), max(1, grey.shape[0] // factor)),
                       interpolation=cv2.INTER_AREA)
    small = cv2.morphologyEx(small, cv2.MORPH_CLOSE,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    small = cv2.medianBlur(small, 9)
    return cv2.resize(small, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)


def ink_mask(image: np.ndarray, dpi: float) -> np.ndarray:
    """Dark, neutral ink at full resolution (True = ink): pixels clearly darker than the
    paper around them, and not coloured (seals and coloured ink stay in the background)."""
    grey = _grey(image)
    # darker than the paper by half the paper's brightness, and dark in absolute terms:
    # a little past half-way from paper to ink, so that mask + the grey edges left in the
    # background weigh what the scan's strokes weigh (see INK_DARKNESS)
    threshold = cv2.convertScaleAbs(_background(grey, dpi), alpha=INK_DARKNESS)
    ink = (grey < threshold) & (grey < INK_MAX_GREY)
    if image.ndim == 3:
        ink &= _spread(image) <= COLOUR_SPREAD
    return ink


def flatten_paper(image: np.ndarray, dpi: float) -> np.ndarray:
    """The page with the grain of its paper smoothed away, for a JPEG that spends its bytes
    on the writing, not on noise (a grainy 100-dpi scan at quality 75: 190 KB, flattened
    100 KB).

    Each pixel is compared with the paper's smooth tone around it (:func:`_background`, per
    channel): ``dev`` is how much darker it is in its darkest-going channel, so a red or
    yellow mark counts as much as a grey one. The page's noise is the spread of ``dev`` over
    the paper (median absolute deviation); pixels within ``FLAT_FROM`` deviations of the
    paper become the smooth paper tone, pixels past ``FLAT_TO`` (letters, their anti-aliased
    edges, seals) stay exactly as scanned, with a blend between. A clean page (noise below
    ``FLAT_MIN_NOISE``) is returned as it is. Only the stored picture is flattened, after
    OCR: in the page stage's own tests, Tesseract read the flattened pages as well as or
    better than the grainy ones."""
    channels = list(cv2.split(image)) if image.ndim == 3 else [image]
    paper = [_background(c, dpi) for c in channels]
    dev = paper[0].astype(np.int16) - channels[0]
    for tone, c in zip(paper[1:], channels[1:], strict=True):
        dev = np.maximum(dev, tone.astype(np.int16) - c)
    sample = dev[::2, ::2]
    sample = sample[np.abs(sample) < 40]  # the paper, not the writing
    if sample.size < 1000:
        return image
    centre = float(np.median(sample))
    noise = 1.4826 * float(np.median(np.abs(sample - centre)))
    if noise < FLAT_MIN_NOISE:
        return image
    low, high = centre + FLAT_FROM * noise, centre + FLAT_TO * noise
    keep = np.clip((dev - low) / (high - low), 0, 1).astype(np.float32)
    out = [cv2.convertScaleAbs(t + keep * (c.astype(np.float32) - t))
           for t, c in zip(paper, channels, strict=True)]
    return cv2.merge(out) if image.ndim == 3 else out[0]


def _spread(image: np.ndarray) -> np.ndarray:
    """max - min over the colour channels (0 for neutral grey), with OpenCV: numpy's
    reductions over a 3-long last axis are ten times slower on a full page."""
    b, g, r = cv2.split(image)
    return cv2.subtract(cv2.max(cv2.max(b, g), r), cv2.min(cv2.min(b, g), r))


# --------------------------------------------------------------------------- per page


def _mrc(image: np.ndarray, dpi: float, ink: np.ndarray) -> EncodedPage:
    height, width = image.shape[:2]
    mask_layer = _bilevel_layer(ink)
    mask_layer.colour_space, mask_layer.stencil_fill = None, _ink_tone(image, ink)
    # the background without the ink: masked pixels take the lightest value around them, so
    # the JPEG spends little on text. The grey stroke edges outside the mask stay: at 150 dpi
    # they are the letters' anti-aliasing, which keeps tone marks legible (on dev-01, erasing
    # them too saved 25 % of the page and doubled Tesseract's differences from the scan)
    lighter = cv2.dilate(image, np.ones((7, 7), np.uint8))
    clean = image.copy()
    clean[ink] = lighter[ink]
    factor = dpi / BACKGROUND_DPI
    if factor > 1.2:
        clean = cv2.resize(clean, (max(1, round(width / factor)), max(1, round(height / factor))),
                           interpolation=cv2.INTER_AREA)
    if clean.ndim == 3 and not _has_colour(clean):
        clean = _grey(clean)
    # grainy paper costs the background JPEG a fifth of its size on noisy scans (nothing on
    # the real scans of ../shared/realdev, whose grain at 150 dpi is below a grey level)
    background = _jpeg_layer(flatten_paper(clean, min(dpi, BACKGROUND_DPI)), BACKGROUND_QUALITY)
    return EncodedPage("mrc", width, height, [background, mask_layer])


def _ink_tone(image: np.ndarray, ink: np.ndarray) -> tuple[float, ...]:
    """The ink's median colour (0..1, gray or RGB), so the stencil is the scan's tone."""
    if not ink.any():
        return (0.0,)
    if image.ndim == 2:
        return (float(np.median(image[ink])) / 255,)
    step = max(1, int(ink.sum()) // 200_000)  # a sample is enough for a median
    picked = image[ink][::step]
    b, g, r = (float(np.median(picked[:, c])) / 255 for c in range(3))
    return (r, g, b)


def _plain(image: np.ndarray, dpi: float) -> EncodedPage:
    height, width = image.shape[:2]
    small = image
    if dpi > PLAIN_MAX_DPI * 1.1:
        factor = dpi / PLAIN_MAX_DPI
        small = cv2.resize(image, (round(width / factor), round(height / factor)),
                           interpolation=cv2.INTER_AREA)
    if small.ndim == 3 and not _has_colour(small):
        small = _grey(small)
    if dpi >= MIN_MRC_DPI:  # photos, halftones, texture: as they are
        return EncodedPage("jpeg", width, height, [_jpeg_layer(small, PLAIN_QUALITY)])
    flat = flatten_paper(small, dpi)
    layer = _jpeg_layer(flat, LOW_DPI_QUALITY)
    if dpi >= STEP_DOWN_MIN_DPI:
        for quality in STEP_DOWN_QUALITIES:
            if len(layer.data) <= PLAIN_BUDGET:
                break
            layer = _jpeg_layer(flat, quality)
    # screenshots and small scans: every pixel is part of a letter and JPEG's ringing costs
    # the OCR more than the few bytes it saves; lossless (the page exactly as it came) when
    # that is not much larger
    exact = _flate_layer(small)
    if len(exact.data) <= LOSSLESS_MAX_RATIO * len(layer.data):
        return EncodedPage("lossless", width, height, [exact])
    return EncodedPage("jpeg", width, height, [layer])


def _flate_layer(image: np.ndarray) -> Layer:
    height, width = image.shape[:2]
    samples = image[:, :, ::-1].tobytes() if image.ndim == 3 else image.tobytes()  # BGR->RGB
    return Layer(zlib.compress(samples, 9), "/FlateDecode", width, height,
                 "/DeviceRGB" if image.ndim == 3 else "/DeviceGray")


def encode_page(image: np.ndarray, dpi: float, mode: str = "compact", *,
                jpeg_quality: int = 80) -> EncodedPage:
    """The page image's layers (see the module docstring). ``image``: uint8 grey (2-D) or
    BGR (3-D) as OpenCV holds it; ``dpi``: its resolution as the page stage knows it."""
    if mode not in IMAGE_MODES:
        raise ValueError(f"unknown PDF image mode {mode!r} (one of {', '.join(IMAGE_MODES)})")
    image = np.ascontiguousarray(image)
    if image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    height, width = image.shape[:2]
    if mode == "jpeg":
        return EncodedPage("jpeg", width, height, [_jpeg_layer(image, jpeg_quality)])
    dpi = effective_dpi(image.shape, dpi)
    colour = _has_colour(image)
    grey = _grey(image)
    if not colour and _is_bilevel(grey):
        return EncodedPage("bilevel", width, height, [_bilevel_layer(grey < 128)])
    if dpi < MIN_MRC_DPI:
        return _plain(image if colour else grey, dpi)
    ink = ink_mask(image if colour else grey, dpi)
    if float(ink.mean()) > MASK_MAX_SHARE:
        return _plain(image if colour else grey, dpi)
    page = _mrc(image if colour else grey, dpi, ink)
    plain = _plain(image if colour else grey, dpi)
    # a mask that costs more than the whole page as one JPEG is texture, not text
    return page if page.layers[1].data and len(page.layers[1].data) < plain.size else plain
