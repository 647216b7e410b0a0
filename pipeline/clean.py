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
    than any stroke removes the ink, a median smooths what is left.
    """
    factor = max(1, round(dpi / 50))  # work at ~50 dpi
    small = cv2.resize(grey, (max(1, grey.shape[1] // factor), max(1, grey.shape[0] // factor)),
                       interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    background = cv2.medianBlur(background, 9)
    background = cv2.resize(background, (grey.shape[1], grey.shape[0]),
                            interpolation=cv2.INTER_LINEAR)
    background = np.maximum(background, 1).astype(np.float32)
    norm = grey.astype(np.float32) * (255.0 / background)
    return np.clip(norm, 0, 255).astype(np.uint8)


def denoise(norm: np.ndarray, dpi: float) -> np.ndarray:
    """Remove sensor noise and dust while keeping diacritics (dots are ~dpi/60 px wide)."""
    smooth = cv2.GaussianBlur(norm, (3, 3), 0) if dpi >= 250 else norm
    return cv2.medianBlur(smooth, 3)


def ink_mask(norm: np.ndarray, *, threshold: int = 150) -> np.ndarray:
    """Boolean mask of ink pixels in a background-normalised image."""
    return norm < threshold


def significant_components(mask: np.ndarray, dpi: float) -> int:
    """Connected ink blobs large enough to be text or marks (not dust, not scan edges)."""
    scale = dpi / 300.0
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    height, width = mask.shape
    keep = 0
    for x, y, w, h, area in stats[1:]:
        if x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue  # scanner edge or shadow
        if area >= 30 * scale * scale and h >= 8 * scale:
            keep += 1
    return keep


def is_blank(norm: np.ndarray, dpi: float) -> bool:
    """A page with (almost) no ink: duplex backs, separator sheets.

    Faint bleed-through from the other side stays above the ink threshold after
    background normalisation; dust specks are too small to count.
    """
    small, scale = resize_to_dpi(norm, dpi, 100)
    mask = ink_mask(cv2.medianBlur(small, 3), threshold=128)
    if mask.mean() > 0.01:
        return False
    return significant_components(mask, dpi * scale) < 8
