"""Page geometry: find the quarter-turn and the small skew, then apply them.

*Estimating* and *applying* are separate functions (as in OCRmyPDF), so each can be
tested alone. Conventions (the JSON contract):

- ``rotation``: the clockwise quarter-turn the scan was found in; correcting turns the
  page counter-clockwise by that much.
- ``skew_deg``: the skew left after the quarter-turn; positive means the content is
  rotated counter-clockwise, and the correction turns it clockwise.

Skew is found by projection profiles: the angle at which the ink's horizontal profile is
sharpest is the angle of the text lines. The profile is computed from ink pixel
coordinates, so trying an angle costs a multiply and a ``bincount``, not an image
rotation. Whether lines run across or down the page follows from comparing the best
profiles of the page and of the page turned a quarter. Up versus down follows from the
shape of the lines: Vietnamese letters carry far more ink above the x-height (capitals,
ascenders, tone marks) than below it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_SKEW = 15.0
MIN_DESKEW = 0.5  # degrees: smaller skews are left in the image (see skew_to_correct)


@dataclass(frozen=True)
class Geometry:
    rotation: int  # 0/90/180/270
    skew_deg: float
    updown_score: float  # > 0: upright; |score| small means unsure
    line_score: float  # horizontal/vertical profile ratio (>1: lines run across)


def _points(mask: np.ndarray, limit: int, seed: int = 0) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    if len(xs) > limit:
        pick = np.random.default_rng(seed).choice(len(xs), limit, replace=False)
        xs, ys = xs[pick], ys[pick]
    pts = np.stack([xs, ys]).astype(np.float32)
    pts -= np.array([[mask.shape[1] / 2], [mask.shape[0] / 2]], dtype=np.float32)
    return pts


def _profile_scores(pts: np.ndarray, angles_deg: np.ndarray, bin_px: float = 1.0) -> np.ndarray:
    """Sharpness (sum of squared bin counts) of the horizontal profile at each angle."""
    if pts.shape[1] == 0:
        return np.zeros(len(angles_deg))
    x, y = pts
    reach = float(np.hypot(np.abs(x).max(), np.abs(y).max())) + 2
    offset = reach / bin_px
    size = int(2 * offset) + 2
    scores = np.empty(len(angles_deg))
    for i, angle in enumerate(np.deg2rad(angles_deg)):
        proj = (x * np.sin(angle) + y * np.cos(angle)) / bin_px + offset
        hist = np.bincount(proj.astype(np.int32), minlength=size).astype(np.float64)
        scores[i] = float(np.dot(hist, hist))
    return scores


def _refine(pts: np.ndarray, centre: float, half_width: float, step: float,
            bin_px: float = 1.0) -> tuple[float, float]:
    angles = np.arange(centre - half_width, centre + half_width + step / 2, step)
    scores = _profile_scores(pts, angles, bin_px)
    i = int(np.argmax(scores))
    best = float(angles[i])
    if 0 < i < len(angles) - 1:  # parabolic interpolation between neighbours
        a, b, c = scores[i - 1], scores[i], scores[i + 1]
        denom = a - 2 * b + c
        if denom < 0:
            best += step * 0.5 * (a - c) / denom
    return best, float(scores[i])


def estimate_skew(mask: np.ndarray, *, max_skew: float = MAX_SKEW,
                  coarse_mask: np.ndarray | None = None) -> tuple[float, float]:
    """Skew in degrees (positive: content turned counter-clockwise) and its score.

    ``coarse_mask`` is an optional downscaled copy for the wide search; the fine search
    runs on ``mask`` itself.
    """
    small = coarse_mask if coarse_mask is not None else mask
    pts_small = _points(small, 60_000)
    angle, score = _refine(pts_small, 0.0, max_skew, 0.5)
    angle, score = _refine(pts_small, angle, 0.6, 0.1)
    pts = _points(mask, 400_000, seed=1)
    angle, score = _refine(pts, angle, 0.15, 0.025)
    return float(np.clip(angle, -max_skew, max_skew)), score


def _contrast(pts: np.ndarray, angles: np.ndarray) -> float:
    """Best profile sharpness normalised by the profile's extent: 1 + CV² over the span.

    Raw sums of squares favour whichever direction the ink spans fewer bins in; this
    measure only rewards the gaps between lines.
    """
    best = int(np.argmax(_profile_scores(pts, angles)))
    angle = np.deg2rad(angles[best])
    proj = pts[0] * np.sin(angle) + pts[1] * np.cos(angle)
    low, high = np.percentile(proj, [1, 99])
    hist = np.bincount((np.clip(proj, low, high) - low).astype(np.int32)).astype(np.float64)
    return float(np.dot(hist, hist) * len(hist) / hist.sum() ** 2)


def line_direction_ratio(small_mask: np.ndarray, max_skew: float = MAX_SKEW) -> float:
    """Profile contrast across over profile contrast down the page (>1: lines across)."""
    pts = _points(small_mask, 60_000)
    if pts.shape[1] < 50:
        return 1.0
    angles = np.arange(-max_skew, max_skew + 0.25, 0.5)
    return _contrast(pts, angles) / _contrast(pts[::-1].copy(), angles)


def updown_score(mask: np.ndarray, dpi: float) -> float:
    """> 0 when the text lines look upright, < 0 when upside down, near 0 when unsure.

    For each text line (a band of rows with ink), the x-height core is the run of rows
    at least half as dense as the densest row; ink above the core (capitals, ascenders,
    tone marks) is compared with ink below it (descenders, the dot below).
    """
    rows = mask.sum(axis=1).astype(np.float64)
    if rows.max() <= 0:
        return 0.0
    on = rows > max(2.0, 0.02 * rows.max())
    min_height = max(4, round(6 * dpi / 300))
    above = below = 0.0
    y, n = 0, len(on)
    while y < n:
        if not on[y]:
            y += 1
            continue
        start = y
        while y < n and on[y]:
            y += 1
        band = rows[start:y]
        if len(band) < min_height or len(band) > 12 * min_height * 3:
            continue
        core = np.nonzero(band >= 0.5 * band.max())[0]
        top, bottom = int(core[0]), int(core[-1])
        above += float(band[:top].sum())
        below += float(band[bottom + 1:].sum())
    total = above + below
    return (above - below) / total if total else 0.0


def letters_only(mask: np.ndarray, dpi: float) -> np.ndarray:
    """Keep letter-sized blobs: card outlines, photos, grey fills and rules would
    otherwise dominate the row profiles."""
    scale = dpi / 300.0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    w, h, area = stats[:, 2], stats[:, 3], stats[:, 4]
    keep = (h <= 90 * scale) & (w <= 8 * np.maximum(h, 1)) & (area >= 3) \
        & (area <= 0.8 * w * h + 1)
    keep[0] = False
    return keep[labels]


def turn_to_upright(image: np.ndarray, rotation: int) -> np.ndarray:
    """Undo a clockwise quarter-turn of ``rotation`` degrees."""
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(image, k)) if k else image


def skew_to_correct(skew_deg: float) -> float:
    """The part of a measured skew worth turning the image for: none below MIN_DESKEW.

    Turning resamples every pixel; on real scans that fades thin tone marks (số → sô,
    điều → điêu) and costs more than a few tenths of a degree cost Tesseract, whose line
    finding follows such slopes by itself."""
    return skew_deg if abs(skew_deg) >= MIN_DESKEW else 0.0


def deskew(image: np.ndarray, skew_deg: float, *, fill: int | tuple[int, int, int] = 255
           ) -> np.ndarray:
    """Turn the content clockwise by ``skew_deg`` (same canvas, filled with paper colour)."""
    if abs(skew_deg) < 0.005:
        return image
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -skew_deg, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def estimate_geometry(mask: np.ndarray, dpi: float, *, coarse_dpi: float = 75.0,
                      direction_from_letters: bool = False) -> Geometry:
    """Quarter-turn and skew of a page from its ink mask (ink = True).

    ``direction_from_letters``: which way the lines run is judged on letter-sized blobs
    only (:func:`letters_only`), for a rectified photo of a paper whose printed frame
    (a land-use certificate's double border) would otherwise outweigh its text."""
    factor = max(1, round(dpi / coarse_dpi))
    small = _downscale_mask(mask, factor)
    ratio = line_direction_ratio(_downscale_mask(letters_only(mask, dpi), factor)
                                 if direction_from_letters else small)
    k = 0 if ratio >= 1.0 else 1  # np.rot90 count that makes lines run across
    mask_k = turn_to_upright(mask, 90 * k)
    small_k = turn_to_upright(small, 90 * k)
    skew, _ = estimate_skew(mask_k, coarse_mask=small_k)
    factor = max(1, round(dpi / 150))
    straight = _downscale_mask(deskew(mask_k.astype(np.uint8) * 255, skew, fill=0) > 127,
                               factor)
    score = updown_score(letters_only(straight, dpi / factor), dpi / factor)
    if score < 0:
        k += 2
        score = -score
        # turning the page over keeps the skew angle (a half-turn preserves direction)
    return Geometry(rotation=90 * (k % 4), skew_deg=round(skew, 3), updown_score=score,
                    line_score=ratio if ratio >= 1 else 1 / ratio)


def _downscale_mask(mask: np.ndarray, factor: int) -> np.ndarray:
    if factor <= 1:
        return mask
    height, width = mask.shape
    small = cv2.resize(mask.astype(np.uint8) * 255, (max(1, width // factor),
                       max(1, height // factor)), interpolation=cv2.INTER_AREA)
    return small > 40
