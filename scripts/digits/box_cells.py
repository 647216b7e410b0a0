"""Training samples that look like ID-box cells as the reader sees them (development tool).

A personal ID handwritten into a row of printed boxes is read cell by cell after the box
lines are taken out (:func:`pipeline.page.idbox.cell_glyphs`). What reaches the model is
not a clean MNIST digit: bits of the rules stay where the line removal missed them (a
rule thicker than estimated, a skewed rule, a side found a pixel off), a stroke that
crossed a rule is cut or keeps a stub of it, a digit written over the top rule loses the
part lying on it, and an empty cell can leave a fragment of a line.

This module draws rows of boxes (pitch, height, line thickness and darkness, pen
darkness and width, skew all drawn at random), writes handwritten digits into them —
placed off-centre, scaled, rotated, elastically distorted, thickened or thinned, some
over a rule or a side — degrades the row as a scan (blur, noise, a lower resolution
brought back to 300 dpi, 1-bit), then finds the row with :func:`pipeline.page.idbox.row_in`
and cuts the cells with :func:`~pipeline.page.idbox.cell_glyphs`, the reader's own code.
Each cut glyph is a sample: the digit written there, or "not a digit" for what an empty
cell left.

    from box_cells import box_cell_samples
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from pipeline.page.idbox import BoxRow, cell_glyphs, row_in  # noqa: E402

CELLS = 8  # boxes per drawn row (the reader wants at least 6)


def elastic(img: np.ndarray, rng: np.random.Generator, alpha: float = 1.2,
            sigma: float = 4.0) -> np.ndarray:
    """Elastic distortion (Simard et al. 2003): a smooth random displacement field;
    ``alpha`` is the displacement in pixels per 28 px of image side."""
    h, w = img.shape
    k = h / 28.0  # (the image's scale against MNIST's 28 px)
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma * k)
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma * k)
    # normalise the field so alpha means the same at any sigma
    norm = max(float(np.abs(dx).max()), float(np.abs(dy).max()), 1e-6)
    dx, dy = dx / norm * alpha * k, dy / norm * alpha * k
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(img, gx + dx, gy + dy, cv2.INTER_LINEAR, borderValue=0)


def pen(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 28×28 handwritten digit (ink high, 0..1) at 3× with another pen width, slant,
    rotation and an elastic distortion: the ink cropped to its box."""
    big = cv2.resize(img, (84, 84), interpolation=cv2.INTER_LINEAR)
    big = np.pad(big, 12)
    if rng.random() < 0.7:
        big = elastic(big, rng, alpha=rng.uniform(0.8, 2.2), sigma=5.0)
    r = rng.random()
    k = int(rng.integers(2, 6))
    if r < 0.3:
        big = cv2.dilate(big, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    elif r < 0.55:
        big = cv2.erode(big, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    h, w = big.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-12, 12), 1.0)
    shear = rng.uniform(-0.3, 0.3)
    m[0, 1] += shear
    m[0, 2] -= shear * h / 2
    big = cv2.warpAffine(big, m, (w, h))
    ys, xs = np.nonzero(big > 0.25)
    if not len(ys):
        return big
    return big[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]


def _row_image(digits: list[np.ndarray | None], rng: np.random.Generator
               ) -> tuple[np.ndarray, BoxRow, list[bool]]:
    """A grey 300-dpi-like image of one row of boxes with the given inks written in
    (``None``: an empty cell); the row's true geometry; which cells hold a digit."""
    pitch = rng.uniform(40, 100)
    height = pitch * rng.uniform(0.9, 1.45)
    t = int(rng.integers(1, 6)) if rng.random() < 0.85 else int(rng.integers(1, 3))
    slope = np.tan(np.radians(rng.uniform(-1.2, 1.2)))
    margin_x, margin_y = pitch * rng.uniform(0.6, 1.5), height * rng.uniform(0.7, 1.2)
    w = int(2 * margin_x + len(digits) * pitch + t + 2)
    h = int(2 * margin_y + height + t + 2)
    paper = rng.uniform(225, 255)
    img = np.full((h, w), paper, np.float32)
    line = rng.uniform(0, 100)
    x0, y0 = margin_x, margin_y
    sides = [x0 + k * pitch for k in range(len(digits) + 1)]

    def y_top(x: float) -> float:
        return y0 + slope * (x - w / 2)

    def y_bottom(x: float) -> float:
        return y0 + height + slope * (x - w / 2)

    # box lines (drawn as thick polylines; the ink of the line is 1 where drawn)
    lines = np.zeros((h, w), np.float32)
    tt = int(t + rng.integers(-1, 2)) if rng.random() < 0.3 else t  # rules ≠ sides
    tt = max(1, tt)
    for y_of in (y_top, y_bottom):
        cv2.line(lines, (int(sides[0]), int(round(y_of(sides[0])))),
                 (int(sides[-1] + t), int(round(y_of(sides[-1])))), 1.0, tt)
    for sx in sides:
        cv2.line(lines, (int(round(sx)), int(round(y_top(sx)))),
                 (int(round(sx - slope * height)), int(round(y_bottom(sx)))), 1.0, t)
    if rng.random() < 0.3:  # a worn print: broken, uneven lines
        lines *= (rng.random((h, w)) > rng.uniform(0, 0.15)).astype(np.float32)
    img = img * (1 - lines) + line * lines
    pen_grey = rng.uniform(0, 120)
    filled = []
    for k, ink in enumerate(digits):
        if ink is None:
            filled.append(False)
            continue
        filled.append(True)
        ch = height * rng.uniform(0.55, 0.95)
        scale = ch / ink.shape[0]
        cw = min(pitch * 0.95, ink.shape[1] * scale * rng.uniform(0.85, 1.15))
        glyph = cv2.resize(ink, (max(2, int(round(cw))), max(4, int(round(ch)))),
                           interpolation=cv2.INTER_AREA)
        cx = (sides[k] + sides[k + 1]) / 2 + rng.uniform(-0.13, 0.13) * pitch
        cy = (y_top(cx) + y_bottom(cx)) / 2 + rng.uniform(-0.12, 0.12) * height
        r = rng.random()
        if r < 0.12:  # over the top rule
            cy -= (height - glyph.shape[0]) / 2 + rng.uniform(0.0, 0.22) * height
        elif r < 0.17:  # over the bottom rule
            cy += (height - glyph.shape[0]) / 2 + rng.uniform(0.0, 0.15) * height
        elif r < 0.25:  # over a side, its centre still inside
            cx += rng.choice((-1, 1)) * min((pitch - glyph.shape[1]) / 2 + 0.05 * pitch,
                                            0.25 * pitch)
        gx, gy = int(round(cx - glyph.shape[1] / 2)), int(round(cy - glyph.shape[0] / 2))
        gx0, gy0 = max(0, gx), max(0, gy)
        gx1, gy1 = min(w, gx + glyph.shape[1]), min(h, gy + glyph.shape[0])
        a = np.clip(glyph[gy0 - gy: gy1 - gy, gx0 - gx: gx1 - gx] * rng.uniform(0.8, 1.3),
                    0, 1)
        region = img[gy0:gy1, gx0:gx1]
        img[gy0:gy1, gx0:gx1] = np.minimum(region, region * (1 - a) + pen_grey * a)
    img = _scan(img, rng)
    row = BoxRow(tuple(sides), (y0 - slope * w / 2, slope), (y0 + height - slope * w / 2, slope),
                 t)
    return img, row, filled


def _scan(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blur, noise, a lower scan resolution brought back up, sometimes 1-bit."""
    h, w = img.shape
    if rng.random() < 0.5:  # scanned at 150-250 dpi, read at 300
        f = rng.uniform(0.5, 0.85)
        small = cv2.resize(img, (max(8, int(w * f)), max(8, int(h * f))),
                           interpolation=cv2.INTER_AREA)
        if rng.random() < 0.35:
            small = np.where(small > rng.uniform(120, 170), 255.0, 0.0).astype(np.float32)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.7:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.1))
    img = img + rng.normal(0, rng.uniform(0, 7), img.shape).astype(np.float32)
    if rng.random() < 0.3:
        img = np.where(img > rng.uniform(120, 170), 255.0, 0.0).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def _found_row(img: np.ndarray, truth: BoxRow, rng: np.random.Generator) -> BoxRow:
    """The row as the reader finds it (its own estimates of the sides, the rules and
    their thickness); the true geometry with a pixel or two of error when it finds none."""
    height = truth.y_bottom(truth.sides[0]) - truth.y_top(truth.sides[0])
    found = row_in(img, height / rng.uniform(1.5, 2.6))
    if found is not None and len(found.sides) == len(truth.sides) and \
            abs(found.sides[0] - truth.sides[0]) < 0.3 * truth.pitch:
        return found
    jitter = rng.uniform(-1.5, 1.5, len(truth.sides))
    return BoxRow(tuple(s + j for s, j in zip(truth.sides, jitter, strict=True)),
                  (truth.top[0] + rng.uniform(-1.5, 1.5), truth.top[1]),
                  (truth.bottom[0] + rng.uniform(-1.5, 1.5), truth.bottom[1]),
                  max(1, truth.thickness + int(rng.integers(-1, 2))))


def box_cell_samples(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator,
                     empty_share: float = 0.12) -> Iterator[tuple[np.ndarray, int]]:
    """(cut glyph, label) for every cell of rows written with ``images`` (28×28, ink
    high, 0..1) in order; label 10 for what an empty cell left. A digit cell that yields
    nothing is skipped."""
    i = 0
    while i < len(images):
        inks: list[np.ndarray | None] = []
        cell_labels: list[int] = []
        while len(inks) < CELLS:
            if rng.random() < empty_share or i >= len(images):
                inks.append(None)
                cell_labels.append(10)
            else:
                inks.append(pen(images[i], rng))
                cell_labels.append(int(labels[i]))
                i += 1
        img, truth, _ = _row_image(inks, rng)
        row = _found_row(img, truth, rng)
        for glyph, label in zip(cell_glyphs(img, row), cell_labels, strict=True):
            if glyph is not None:
                yield glyph.astype(np.float32), label
