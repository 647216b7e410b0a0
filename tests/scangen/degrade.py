"""Scanner and paper degradations for the scan generator, and blank duplex backs.

:func:`degrade` turns a clean upright page into what a counter scanner delivers: paper tint,
the page fed in a quarter-turn (``rotation``, clockwise) and slightly skewed (``skew_deg``,
positive = content turned counter-clockwise, rotated about the centre with the canvas grown so
nothing is cut and the corners filled with the paper colour), uneven lighting, optical blur,
sensor noise, dust specks, optional grey conversion and JPEG recompression. The strength
parameters are in pixels and 8-bit levels; :mod:`tests.scangen.samples` scales them by dpi.
"""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
from PIL import Image


def _np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def paper_color(arr: np.ndarray) -> tuple[int, ...]:
    """The paper colour: per-channel median of a thin frame along the image border."""
    h, w = arr.shape[:2]
    b = max(2, min(h, w) // 100)
    frame = np.concatenate([arr[:b].reshape(-1, arr.shape[2]), arr[-b:].reshape(-1, arr.shape[2]),
                            arr[:, :b].reshape(-1, arr.shape[2]),
                            arr[:, -b:].reshape(-1, arr.shape[2])])
    return tuple(int(v) for v in np.median(frame, axis=0))


def rotate_quarter(arr: np.ndarray, rotation: int) -> np.ndarray:
    """Turn the page ``rotation`` degrees clockwise (0/90/180/270)."""
    if rotation % 90:
        raise ValueError(f"rotation must be a multiple of 90, got {rotation}")
    codes = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
    k = (rotation // 90) % 4
    return cv2.rotate(arr, codes[k]) if k else arr


def skew(arr: np.ndarray, angle_deg: float, fill: tuple[int, ...]) -> np.ndarray:
    """Rotate about the centre, counter-clockwise for positive angles, growing the canvas."""
    if abs(angle_deg) < 1e-6:
        return arr
    h, w = arr.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw = int(np.ceil(h * sin + w * cos))
    nh = int(np.ceil(h * cos + w * sin))
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(arr, m, (nw, nh), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=tuple(float(v) for v in fill))


def lighting_field(shape: tuple[int, int], strength: float, rng: random.Random) -> np.ndarray:
    """A smooth multiplicative field in [1 - strength, 1]: a linear falloff in a random
    direction, a vignette and a few soft blobs, made small and scaled up."""
    h, w = shape
    sh, sw = 48, max(8, round(48 * w / h))
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    yy /= sh - 1
    xx /= sw - 1
    a = rng.uniform(0, 2 * np.pi)
    lin = (np.cos(a) * (xx - 0.5) + np.sin(a) * (yy - 0.5)) + 0.5
    cx, cy = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)
    vig = ((xx - cx) ** 2 + (yy - cy) ** 2) * 2.0
    blobs = np.zeros_like(xx)
    for _ in range(rng.randint(1, 3)):
        bx, by, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.15, 0.4)
        blobs += np.exp(-((xx - bx) ** 2 + (yy - by) ** 2) / (2 * r * r)) * rng.uniform(0.2, 0.6)
    dark = rng.uniform(0.3, 0.7) * lin + rng.uniform(0.2, 0.6) * vig + blobs
    dark -= dark.min()
    dark /= max(float(dark.max()), 1e-6)
    small = 1.0 - strength * dark
    return cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def ink_cells(arr: np.ndarray, paper: tuple[int, ...], cell: int = 8) -> np.ndarray:
    """Where the page has ink: a boolean grid of ``cell``-pixel cells, grown by two cells."""
    grey = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    small = cv2.resize(grey, (max(1, w // cell), max(1, h // cell)), interpolation=cv2.INTER_AREA)
    level = 0.299 * paper[0] + 0.587 * paper[1] + 0.114 * paper[2]
    ink = (small < level - 12).astype(np.uint8)
    return cv2.dilate(ink, np.ones((5, 5), np.uint8)) > 0


def add_specks(arr: np.ndarray, rng: random.Random, count: int, scale: float,
               avoid: np.ndarray | None = None, cell: int = 8) -> None:
    """Dust: small dark dots and short hairs, plus a few light pinholes; in place. Specks
    never land on or right next to text (``avoid``: the :func:`ink_cells` grid), so that no
    speck can pass for a diacritic."""
    h, w = arr.shape[:2]

    def spot() -> tuple[int, int] | None:
        for _ in range(8):
            x, y = rng.randrange(w), rng.randrange(h)
            if avoid is None or not avoid[min(y // cell, avoid.shape[0] - 1),
                                          min(x // cell, avoid.shape[1] - 1)]:
                return x, y
        return None

    for _ in range(count):
        r = max(1, round(rng.uniform(0.5, 2.2) * scale))
        v = rng.randint(20, 120)
        hair = rng.random() < 0.15
        length = round(rng.uniform(6, 30) * scale)
        a = rng.uniform(0, np.pi)
        at = spot()
        if at is None:
            continue
        x, y = at
        color = (v,) * arr.shape[2]
        if hair:
            x2, y2 = int(x + length * np.cos(a)), int(y + length * np.sin(a))
            cv2.line(arr, (x, y), (x2, y2), color, max(1, round(scale * 0.8)), cv2.LINE_AA)
        else:
            cv2.circle(arr, (x, y), r, color, -1, cv2.LINE_AA)
    for _ in range(count // 4):
        at = spot()
        if at is not None:
            cv2.circle(arr, at, max(1, round(scale * 0.8)), (250,) * 3, -1)


def jpeg_roundtrip(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(quality))
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out


def degrade(image: Image.Image, rng: random.Random, *, rotation: int, skew_deg: float,
            blur: float, noise: float, lighting: float, jpeg_quality: int | None,
            grey: bool) -> Image.Image:
    """Scan ``image`` (a clean upright page): see the module docstring.

    ``blur`` is the gaussian sigma in pixels, ``noise`` the gaussian noise sigma in 8-bit levels
    (it also sets how many dust specks fall), ``lighting`` the depth of the lighting falloff
    (0.4 = darkest corner at 60 %). With every strength 0 the page only gets turned.
    """
    nrng = _np_rng(rng)
    arr = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    scale = max(image.width, image.height) / 3508  # 1.0 for A4 at 300 dpi
    if lighting > 0 or noise > 0:  # paper tint: a slightly warm/grey sheet
        tint = (rng.uniform(0.94, 1.0), rng.uniform(0.93, 0.995), rng.uniform(0.88, 0.985))
        top = max(tint)
        arr = cv2.multiply(arr, (tint[0] / top, tint[1] / top, tint[2] / top, 0.0))
    fill = paper_color(arr)
    arr = rotate_quarter(arr, rotation)
    arr = skew(arr, skew_deg, fill)
    busy = ink_cells(arr, fill) if noise > 0 else None
    if lighting > 0:
        field = lighting_field(arr.shape[:2], lighting, rng)
        field8 = np.clip(field * 255.0 + 0.5, 0, 255).astype(np.uint8)
        arr = cv2.multiply(arr, cv2.cvtColor(field8, cv2.COLOR_GRAY2RGB), scale=1 / 255)
    if blur > 0:
        arr = cv2.GaussianBlur(arr, (0, 0), sigmaX=blur, sigmaY=blur)
    if noise > 0:
        n = nrng.standard_normal(arr.shape[:2], dtype=np.float32)
        n *= np.float32(noise)
        arr = cv2.add(arr, cv2.cvtColor(n, cv2.COLOR_GRAY2RGB), dtype=cv2.CV_8U)
        add_specks(arr, rng, round(noise * rng.uniform(2, 5) * scale), scale * 3, busy)
    img = Image.fromarray(arr, "RGB")
    if grey:
        img = img.convert("L")
    if jpeg_quality is not None:
        img = jpeg_roundtrip(img, jpeg_quality)
    return img


def blank_page(size: tuple[int, int], rng: random.Random,
               bleed: Image.Image | None = None) -> Image.Image:
    """The back of a one-sided sheet, upright: tinted paper with a little grain, optionally the
    mirrored, blurred, very faint (2-5 % contrast) show-through of the page printed on the
    front, and a few specks of dust."""
    w, h = size
    scale = max(w, h) / 3508
    if bleed is None:
        grey = np.full((h, w), 255.0, dtype=np.float32)
    else:
        g = np.asarray(bleed.convert("L").resize((w, h)).transpose(Image.FLIP_LEFT_RIGHT),
                       dtype=np.float32)
        g = cv2.GaussianBlur(g, (0, 0), sigmaX=4.0 * scale)
        grey = 255.0 - (255.0 - g) * rng.uniform(0.02, 0.05)
    grey += _np_rng(rng).standard_normal((h, w), dtype=np.float32) * rng.uniform(1.0, 2.5)
    tint = (rng.uniform(0.95, 1.0), rng.uniform(0.94, 0.995), rng.uniform(0.9, 0.985))
    arr = np.clip(grey[:, :, None] * np.array(tint, dtype=np.float32) / max(tint), 0, 255)
    arr = np.ascontiguousarray(arr.astype(np.uint8))
    add_specks(arr, rng, rng.randint(3, 25), scale * 3)
    return Image.fromarray(arr, "RGB")
