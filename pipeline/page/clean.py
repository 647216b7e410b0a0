"""Cleanup stages: background (uneven light) normalisation, denoising, ink masks, blank pages.

All functions take and return uint8 greyscale arrays; dark ink on light paper.
"""

from __future__ import annotations

import cv2
import numpy as np


def to_grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def grey_without_seals(image: np.ndarray, dpi: float) -> np.ndarray:
    """Grey page for analysis and OCR with red seals turned to paper.

    Seals overlap the signer's title and name. Only red ink inside a seal-shaped region
    (a red component 15-60 mm across and roughly round; not a page frame) is whitened: red *text*
    (titles and serials of land-use certificates) is kept, and so is blue ink (forms are
    filled in by hand in blue). Black text under a seal stays dark in every channel.
    """
    grey = to_grey(image)
    if image.ndim == 2:
        return grey
    blue, green, red = (image[:, :, i].astype(np.int16) for i in range(3))
    reddish = (red - np.maximum(green, blue) > 60) & (red > 120)
    if not reddish.any():
        return grey
    grown = cv2.dilate(reddish.astype(np.uint8), np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    least, most = 15 / 25.4 * dpi, 60 / 25.4 * dpi  # seals are 30-45 mm across
    out = grey
    for x, y, w, h, _ in stats[1:]:
        if least <= w <= most and least <= h <= most and 0.7 <= w / h <= 1.4:
            if out is grey:
                out = grey.copy()
            box = (slice(y, y + h), slice(x, x + w))
            out[box][reddish[box]] = 255
    return out


def resize_to_dpi(image: np.ndarray, dpi: float, target_dpi: float) -> tuple[np.ndarray, float]:
    """Resample to ``target_dpi``; returns the image and the scale factor applied."""
    scale = target_dpi / dpi
    if abs(scale - 1.0) < 0.02:
        return image, 1.0
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=interp), scale


def normalize_background(grey: np.ndarray, dpi: float) -> np.ndarray:
    """Divide out the paper's brightness so uneven light and tinted paper become white.

    The background is estimated on a small copy: a grey closing with a kernel larger
    than any stroke removes the ink, a median smooths what is left. A black-and-white
    image (a 1-bit scan) is returned as it is, at no cost: the division leaves black at 0
    and white at 255 whatever the background (~0.1-0.2 s of CPU a page saved).
    """
    if grey.ndim == 2 and not cv2.countNonZero(cv2.inRange(grey, 1, 254)):
        return grey.copy()
    factor = max(1, round(dpi / 50))  # work at ~50 dpi
    small = cv2.resize(grey, (max(1, grey.shape[1] // factor), max(1, grey.shape[0] // factor)),
                       interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    background = cv2.medianBlur(background, 9)
    background = cv2.resize(background, (grey.shape[1], grey.shape[0]),
                            interpolation=cv2.INTER_LINEAR)
    # uint8 division (saturating): no full-page float copies, ~1 byte per pixel
    return cv2.divide(grey, np.maximum(background, 1), scale=255)


def denoise(norm: np.ndarray, dpi: float) -> np.ndarray:
    """Remove sensor noise and dust while keeping diacritics (dots are ~dpi/60 px wide)."""
    smooth = cv2.GaussianBlur(norm, (3, 3), 0) if dpi >= 250 else norm
    return cv2.medianBlur(smooth, 3)


def is_bilevel(image: np.ndarray) -> bool:
    """A 1-bit scan (CCITT, JBIG2, 1-bit PNG/TIFF): black and white pixels only."""
    if image.ndim != 2:
        return False
    sample = image[::7, ::7]
    return bool(((sample == 0) | (sample == 255)).all())


def paper_noise(norm: np.ndarray) -> float:
    """Mean grain of the paper: how far background pixels of a background-normalised
    page sit from their 3x3 median. Real 200-300 dpi scans measure 0.2-1.3 (JPEG
    grain); sensor-noisy scans 1-5."""
    smooth = cv2.medianBlur(norm, 3)
    paper = smooth > 200
    if not paper.any():
        return 0.0
    diff = cv2.absdiff(norm, smooth)
    return float(diff[paper].mean())


NOISY_PAPER = 1.0  # paper_noise above which a page of 250 dpi or more is smoothed
NOISY_PAPER_LOW_DPI = 2.0  # ... and a page of 150-250 dpi, whose strokes are thinner


def wants_denoise(image: np.ndarray, norm: np.ndarray, dpi: float) -> bool:
    """Whether the page is read better smoothed, decided per page.

    Measured on real scans (line CER against plain Tesseract): a 3-px median wipes out
    the strokes of 70-100 dpi screenshots and of clean 200-dpi scans (10-25 % CER where
    the raw image reads at 2-3 %), and on clean grey and colour JPEG scans at 300 dpi it
    helps on some pages and hurts on others about as much. It helps where there is
    something to remove: bilevel scans (jagged edges, salt specks; 1.7 % -> 0.95 %) and
    pages whose paper is grainy (sensor noise)."""
    if dpi < 150:
        return False
    if dpi >= 250 and is_bilevel(image):
        return True
    return paper_noise(norm) >= (NOISY_PAPER if dpi >= 250 else NOISY_PAPER_LOW_DPI)


def letter_height(grey: np.ndarray, dpi: float) -> float | None:
    """Median height in pixels of the letter-shaped ink blobs; None on a page with too
    few of them to tell. Office letters in 12-14 pt type measure 27-28 px at 300 dpi
    (tone marks are separate, smaller blobs and do not move the median)."""
    norm = normalize_background(grey, dpi)
    mask = ink_mask(norm).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    w, h, area = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    letters = (h >= 4) & (h <= 200) & (w >= 2) & (w <= 3 * h) & (h <= 4 * w) & \
        (area >= 0.15 * w * h)
    if int(letters.sum()) < 80:
        return None
    return float(np.median(h[letters]))


def ink_mask(norm: np.ndarray, *, threshold: int = 150) -> np.ndarray:
    """Boolean mask of ink pixels in a background-normalised image."""
    return norm < threshold


def _letter_boxes(mask: np.ndarray, dpi: float) -> np.ndarray:
    """Boxes (x, y, w, h) of blobs shaped like letters: not dust, scratches or scan edges."""
    scale = dpi / 300.0
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    height, width = mask.shape
    x, y, w, h, area = (stats[1:, i] for i in range(5))
    inside = (x > 0) & (y > 0) & (x + w < width) & (y + h < height)
    sized = (area >= 30 * scale * scale) & (h >= 8 * scale) & (h <= 120 * scale)
    shaped = (w <= 8 * h) & (h <= 6 * w) & (area >= 0.15 * w * h)
    keep = inside & sized & shaped
    return np.stack([x[keep], y[keep], w[keep], h[keep]], axis=1)


def text_like_blobs(mask: np.ndarray, dpi: float) -> int:
    """Letter-shaped blobs with a neighbour on the same line: how text looks, not dust.

    Lines may run across the page or, on a page scanned a quarter-turn off, down it:
    both are tried and the larger count is kept."""
    boxes = _letter_boxes(mask, dpi)
    if len(boxes) < 2:
        return 0
    x = boxes[:, 0] + boxes[:, 2] / 2
    y = boxes[:, 1] + boxes[:, 3] / 2
    across = _paired(x, y, boxes[:, 3].astype(np.float64))
    down = _paired(y, x, boxes[:, 2].astype(np.float64))
    return max(across, down)


def _paired(along: np.ndarray, across: np.ndarray, size: np.ndarray) -> int:
    """Blobs with another blob within 4 letter sizes along the line and half a letter
    size across it."""
    paired = 0
    for i in range(len(along)):
        near = (np.abs(along - along[i]) < 4 * size[i]) & \
            (np.abs(across - across[i]) < 0.5 * size[i])
        paired += int(near.sum() > 1)
    return paired


def is_blank(norm: np.ndarray, dpi: float) -> bool:
    """A page with no text: duplex backs, separator sheets.

    Faint bleed-through from the other side stays above the ink threshold after
    background normalisation; dust, hairs and scratches are not letter-shaped or have
    no neighbour on a line. A page whose only content is a few words is still text.
    """
    small, scale = resize_to_dpi(norm, dpi, 100)
    mask = ink_mask(cv2.medianBlur(small, 3), threshold=128)
    if mask.mean() > 0.01:
        return False
    return text_like_blobs(mask, dpi * scale) < 6
