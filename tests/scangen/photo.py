"""Phone photos of papers for the scan generator: what a citizen sends instead of a scan.

:func:`make_photo` takes a generated paper (a chip ID card's front, a birth certificate, a
land-use certificate or an official letter) and photographs it: the paper lies on a textured
table or floor, turned by any small angle (sometimes a quarter-turn), seen in perspective;
certificate paper carries a coloured guilloche under the print; another paper lies partly in
frame, a finger holds an edge, a lamp or window leaves a glare blob and a shading gradient;
the camera adds blur, noise and JPEG compression. Some files are stored sideways with an EXIF
Orientation tag, as phones do. The paper's fields (its truth) never change; a card's truth
keeps only the fields printed on the photographed side.

:func:`generate_photos` writes a set and ``truth.json`` (entries as
:func:`tests.scangen.samples.generate_set` plus a ``photo`` record: the paper's corners in the
displayed image, the EXIF orientation, the paper's physical size).
"""

from __future__ import annotations

import io
import json
import math
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from .card import CARD_H, CARD_W
from .documents import render_page
from .samples import Truth, sample_seeds

PHOTO_KINDS = ("can_cuoc", "giay_khai_sinh", "giay_chung_nhan_qsdd", "van_ban_hanh_chinh")
GUILLOCHE_KINDS = ("giay_khai_sinh", "giay_chung_nhan_qsdd")
A4_MM = (210.0, 297.0)
# EXIF Orientation -> how the stored pixels are turned from the upright photo (PIL transpose)
_STORE = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
          8: Image.Transpose.ROTATE_270}


@dataclass
class Photo:
    image: Image.Image  # the photo as displayed (EXIF orientation already applied), RGB
    truth: Truth
    quad: list[tuple[float, float]]  # paper corners in ``image``: top-left, top-right, ...
    orientation: int  # EXIF Orientation the file is stored with (1 = as displayed)
    paper_mm: tuple[float, float]  # physical width, height of the (upright) paper

    def record(self) -> dict:
        return {"quad": [[round(x, 1), round(y, 1)] for x, y in self.quad],
                "exif_orientation": self.orientation,
                "paper_mm": list(self.paper_mm)}


# -- the paper ---------------------------------------------------------------------------------

def _card_front(rng: random.Random, dpi: int) -> tuple[np.ndarray, np.ndarray, str, dict]:
    """A chip ID card's front alone (RGB, with an alpha mask for its rounded corners), its
    text and the fields printed on it. Photocopied cards are re-drawn: a card is photographed
    itself, in colour."""
    for _ in range(20):  # looked at cheaply at 40 dpi: the same card at any resolution
        seed = rng.getrandbits(64)
        page, _, _ = render_page("can_cuoc", random.Random(seed), dpi=40, side="front")
        crop = _card_crop(np.asarray(page), 40)
        sat = crop.max(axis=2).astype(int) - crop.min(axis=2)
        if float(np.median(sat)) >= 6:  # a real card's tint, not a grey photocopy
            break
    page, text, fields = render_page("can_cuoc", random.Random(seed), dpi=dpi, side="front")
    crop = _card_crop(np.asarray(page), dpi)
    h, w = crop.shape[:2]
    alpha = np.zeros((h, w), np.uint8)
    r = round(3.2 * dpi / 25.4)
    cv2.rectangle(alpha, (r, 0), (w - 1 - r, h - 1), 255, -1)
    cv2.rectangle(alpha, (0, r), (w - 1, h - 1 - r), 255, -1)
    for cx, cy in ((r, r), (w - 1 - r, r), (r, h - 1 - r), (w - 1 - r, h - 1 - r)):
        cv2.circle(alpha, (cx, cy), r, 255, -1, cv2.LINE_AA)
    return crop, alpha, text, _visible_fields(fields, text)


def _card_crop(arr: np.ndarray, dpi: int) -> np.ndarray:
    """The card on its A4 sheet: the largest region that differs from the sheet's paper,
    cut to the card's real size (its outline is drawn on the box edge)."""
    paper = arr[3, 3].astype(np.int16)
    diff = np.abs(arr.astype(np.int16) - paper).max(axis=2) > 5
    diff = cv2.morphologyEx(diff.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(diff, connectivity=8)
    best = max(range(1, count), key=lambda i: stats[i, cv2.CC_STAT_AREA])
    x, y = stats[best, 0], stats[best, 1]
    w, h = round(CARD_W * dpi / 25.4), round(CARD_H * dpi / 25.4)
    return np.ascontiguousarray(arr[y:y + h, x:x + w])


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


def _visible_fields(fields: dict[str, str], text: str) -> dict[str, str]:
    """The fields whose value is printed on this side (dates as dd/mm/yyyy)."""
    seen = _fold(text)
    keep = {}
    for key, value in fields.items():
        shown = value
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            shown = f"{value[8:10]}/{value[5:7]}/{value[:4]}"
        if _fold(shown) in seen:
            keep[key] = value
    return keep


def guilloche(shape: tuple[int, int], rng: random.Random, scale: float) -> np.ndarray:
    """A coloured security background (RGB multiplier in [0, 1]): interlaced rosettes and
    wave bands in one or two light inks, as on birth and land-use certificate paper."""
    h, w = shape
    layer = np.full((h, w, 3), 255, np.uint8)
    inks = [(236, 150, 170), (140, 200, 150), (150, 175, 230), (230, 190, 120)]
    rng.shuffle(inks)
    width = max(1, round(scale))
    for ink in inks[:rng.randint(1, 2)]:
        period = rng.uniform(0.04, 0.09) * w
        amp = rng.uniform(0.01, 0.03) * h
        step = max(4, round(rng.uniform(6, 11) * scale))
        phase = rng.uniform(0, 2 * math.pi)
        xs = np.arange(0, w + step, step, dtype=np.float64)
        for y0 in range(-round(amp), h + round(amp), step):
            ys = y0 + amp * np.sin(2 * math.pi * xs / period + phase + y0 * 0.02)
            pts = np.stack([xs, ys], axis=1).round().astype(np.int32)
            cv2.polylines(layer, [pts], False, ink, width, cv2.LINE_AA)
        cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
        big = rng.uniform(0.2, 0.35) * min(w, h)
        t = np.linspace(0, 2 * math.pi, 1500)
        for k in range(24):
            a = k * math.pi / 12
            rr = big * (0.75 + 0.25 * np.cos(7 * t + a))
            pts = np.stack([cx + rr * np.cos(t + a / 7), cy + rr * np.sin(t + a / 7)], axis=1)
            cv2.polylines(layer, [pts.round().astype(np.int32)], True, ink, width, cv2.LINE_AA)
    # light: the pattern shows, but far fainter than print
    strength = rng.uniform(0.35, 0.7)
    mult = 1.0 - strength * (1.0 - layer.astype(np.float32) / 255.0)
    return mult


# -- the scene ---------------------------------------------------------------------------------

def _background(w: int, h: int, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """A table or floor: wood grain, tiles or a cloth, darker or more coloured than paper."""
    kind = rng.choice(("wood", "tiles", "cloth"))
    if kind == "wood":
        base = np.array([rng.randint(90, 170), rng.randint(60, 120), rng.randint(30, 80)],
                        np.float32)
    elif kind == "tiles":
        v = rng.randint(110, 190)
        base = np.array([v, v - rng.randint(0, 20), v - rng.randint(0, 35)], np.float32)
    else:
        base = np.array([rng.randint(20, 120), rng.randint(30, 120), rng.randint(40, 150)],
                        np.float32)
    small = nrng.standard_normal((max(2, h // 16), max(2, w // 16))).astype(np.float32)
    if kind == "wood":  # grain: noise stretched along one direction
        small = cv2.resize(small, (max(2, w // 160), max(2, h // 16)))
    texture = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    fine = nrng.standard_normal((h, w)).astype(np.float32)
    shade = texture * rng.uniform(8, 18) + fine * rng.uniform(2, 6)
    img = np.clip(base[None, None, :] + shade[:, :, None], 0, 255)
    if kind == "tiles":
        tile = rng.randint(w // 5, w // 2)
        off = rng.randrange(tile)
        for x in range(off, w, tile):
            img[:, x:x + max(2, tile // 60)] *= 0.7
        for y in range(off, h, tile):
            img[y:y + max(2, tile // 60)] *= 0.7
    return img


def _corners(w: float, h: float, frame: tuple[int, int], fill: float, angle: float,
             tilt: float, rng: random.Random) -> np.ndarray:
    """Where the paper's corners (TL, TR, BR, BL of the upright paper) land in the frame:
    scaled to ``fill`` of the frame, turned by ``angle`` degrees, seen with perspective
    (the far edge shorter by up to ``tilt``), a little off-centre."""
    fw, fh = frame
    a = math.radians(angle)
    bw = abs(w * math.cos(a)) + abs(h * math.sin(a))
    bh = abs(w * math.sin(a)) + abs(h * math.cos(a))
    s = fill * min(fw / bw, fh / bh)
    pts = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]]) * s
    # perspective: one side (towards the camera's far side) shrinks; a random side
    side = rng.randrange(4)
    k = 1.0 - tilt
    if side == 0:
        pts[:2, 0] *= k
    elif side == 1:
        pts[1:3, 1] *= k
    elif side == 2:
        pts[2:, 0] *= k
    else:
        pts[[0, 3], 1] *= k
    pts += np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)]) * 0.01 * s * w
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    pts = pts @ rot.T
    span = pts.max(axis=0) - pts.min(axis=0)
    room = np.array([fw, fh]) - span
    centre = np.array([fw, fh]) / 2 + np.array([rng.uniform(-0.4, 0.4) * room[0],
                                                rng.uniform(-0.4, 0.4) * room[1]])
    return (pts + centre).astype(np.float32)


def _paste(scene: np.ndarray, paper: np.ndarray, alpha: np.ndarray, dst: np.ndarray) -> None:
    """Warp ``paper`` onto ``dst`` corners of ``scene``, in place, with a soft shadow."""
    h, w = paper.shape[:2]
    src = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    size = (scene.shape[1], scene.shape[0])
    warped = cv2.warpPerspective(paper, m, size, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(alpha, m, size, flags=cv2.INTER_LINEAR).astype(np.float32) / 255
    shadow = cv2.GaussianBlur(mask, (0, 0), max(2.0, 0.004 * size[0]))
    shift = np.roll(np.roll(shadow, round(0.004 * size[1]), axis=0), round(0.003 * size[0]),
                    axis=1)
    scene *= (1.0 - 0.35 * shift)[:, :, None]
    scene[:] = scene * (1 - mask[:, :, None]) + warped.astype(np.float32) * mask[:, :, None]


def _other_paper(scene: np.ndarray, rng: random.Random, avoid: np.ndarray) -> None:
    """Another sheet lying partly out of frame on the side away from the paper: white with
    grey text-like bars."""
    fh, fw = scene.shape[:2]
    pw, ph = rng.uniform(0.3, 0.5) * fw, rng.uniform(0.4, 0.6) * fh
    sheet = np.full((round(ph), round(pw), 3), rng.randint(215, 240), np.uint8)
    for y in range(round(0.08 * ph), round(0.9 * ph), max(6, round(ph / 40))):
        x1 = round(rng.uniform(0.4, 0.9) * pw)
        cv2.rectangle(sheet, (round(0.1 * pw), y), (x1, y + max(2, round(ph / 120))),
                      (90, 90, 90), -1)
    centre = avoid.mean(axis=0)
    # the far side of the frame from the paper, mostly outside it
    cx = -0.25 * pw if centre[0] > fw / 2 else fw + 0.25 * pw
    cy = rng.uniform(0.2, 0.8) * fh
    a = math.radians(rng.uniform(-30, 30))
    corners = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    dst = (corners @ rot.T + np.array([cx, cy])).astype(np.float32)
    _paste(scene, sheet, np.full(sheet.shape[:2], 255, np.uint8), dst)


def _finger(scene: np.ndarray, quad: np.ndarray, rng: random.Random) -> None:
    """A fingertip holding the paper at one edge: a skin-coloured rounded blob coming from
    outside the paper and covering a little of its margin."""
    i = rng.randrange(4)
    a, b = quad[i], quad[(i + 1) % 4]
    t = rng.uniform(0.2, 0.8)
    edge = a + t * (b - a)
    centre = quad.mean(axis=0)
    out = edge - centre
    out /= np.linalg.norm(out) + 1e-6
    span = float(np.linalg.norm(b - a))
    width = rng.uniform(0.05, 0.08) * max(span, 0.3 * min(scene.shape[:2]))
    tip = edge - out * width * rng.uniform(0.2, 0.5)
    base = edge + out * width * 6
    skin = np.array([rng.randint(200, 235), rng.randint(150, 185), rng.randint(120, 160)],
                    np.float32)
    mask = np.zeros(scene.shape[:2], np.uint8)
    cv2.line(mask, tuple(int(v) for v in tip), tuple(int(v) for v in base), 255,
             int(width), cv2.LINE_AA)
    cv2.circle(mask, tuple(int(v) for v in tip), int(width / 2), 255, -1, cv2.LINE_AA)
    m = cv2.GaussianBlur(mask, (0, 0), max(1.0, width / 25)).astype(np.float32)[:, :, None] / 255
    yy = np.linspace(0.85, 1.05, scene.shape[0], dtype=np.float32)[:, None, None]
    scene[:] = scene * (1 - m) + np.clip(skin * yy, 0, 255) * m


def _light(scene: np.ndarray, rng: random.Random) -> None:
    """Shading across the frame and a glare blob (a lamp's or window's reflection)."""
    h, w = scene.shape[:2]
    yy, xx = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    a = rng.uniform(0, 2 * math.pi)
    lin = (math.cos(a) * xx / w + math.sin(a) * yy / h)
    lin = (lin - lin.min()) / max(1e-6, float(lin.max() - lin.min()))
    shade = 1.0 - rng.uniform(0.1, 0.35) * lin
    gx, gy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    gr = rng.uniform(0.05, 0.14) * min(w, h)
    glare = np.exp(-((xx - gx) ** 2 + ((yy - gy) * rng.uniform(0.6, 1.6)) ** 2) / (2 * gr * gr))
    shade = cv2.resize(shade.astype(np.float32), (w, h))
    glare = cv2.resize((glare * rng.uniform(0.5, 0.95)).astype(np.float32), (w, h))
    scene *= shade[:, :, None]
    scene[:] = scene + (255.0 - scene) * glare[:, :, None]


@dataclass(frozen=True)
class Hardship:
    """What makes a hard photo harder (:func:`hardship`); neutral values change nothing."""

    exposure: float = 1.0  # the whole frame's brightness: < 1 a dim room, > 1 over-exposed
    shade: float = 0.0  # extra darkening towards one side of the frame (0..1)
    cast: tuple[float, float, float] = (1.0, 1.0, 1.0)  # lamp colour (B, G, R multipliers)
    tilt: float = 0.0  # extra perspective: the far edge shorter by this much more
    long_side: float = 1.0  # the camera's resolution, as a share of the normal one
    quality: int | None = None  # JPEG quality the phone stores with
    occluders: int = 0  # objects (a pen, a phone's edge) lying across the paper's margin
    motion: float = 0.0  # motion blur length, in pixels of a 3000-px frame


def hardship(seed: int) -> Hardship:
    """A drawn set of harder conditions: dim or over-exposed light with a colour cast and
    deep shading, stronger perspective, a low-resolution camera, heavy JPEG compression,
    objects over the margin and a shaken hand, each on some of the photos."""
    rng = random.Random(seed ^ 0x5EED)
    bright = rng.random() < 0.35
    return Hardship(
        exposure=rng.uniform(1.1, 1.3) if bright else rng.uniform(0.45, 0.8),
        shade=rng.uniform(0.1, 0.45),
        cast=(rng.uniform(0.75, 1.0), rng.uniform(0.88, 1.0), 1.0),
        tilt=rng.uniform(0.0, 0.15),
        long_side=rng.uniform(0.5, 0.8),
        quality=rng.randint(35, 65),
        occluders=rng.choice((0, 1, 1, 2)),
        motion=rng.choice((0.0, 0.0, rng.uniform(3, 9))))


def _occluder(scene: np.ndarray, quad: np.ndarray, rng: random.Random) -> None:
    """A pen or a phone's edge lying across one corner of the paper: a dark or coloured
    bar that covers the margin (a few per cent of the paper), not the print's middle."""
    i = rng.randrange(4)
    corner, centre = quad[i], quad.mean(axis=0)
    inward = (centre - corner) / (np.linalg.norm(centre - corner) + 1e-6)
    side = float(np.linalg.norm(quad[(i + 1) % 4] - quad[i]))
    at = corner + inward * side * rng.uniform(0.03, 0.08)
    across = np.array([-inward[1], inward[0]]) * side * rng.uniform(0.3, 0.6)
    width = max(3, round(side * rng.uniform(0.02, 0.05)))
    colour = rng.choice(((30, 30, 30), (40, 40, 160), (150, 60, 20), (200, 200, 205)))
    a, b = (at - across).astype(int), (at + across).astype(int)
    cv2.line(scene, tuple(int(v) for v in a), tuple(int(v) for v in b),
             tuple(float(c) for c in colour), width, cv2.LINE_AA)


def _hard_light(scene: np.ndarray, hard: Hardship, rng: random.Random) -> None:
    """The room's light: exposure, a lamp's colour cast and a deep shadow over one side."""
    if hard.exposure == 1.0 and not hard.shade and hard.cast == (1.0, 1.0, 1.0):
        return
    h, w = scene.shape[:2]
    yy, xx = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    a = rng.uniform(0, 2 * math.pi)
    lin = math.cos(a) * xx / w + math.sin(a) * yy / h
    lin = (lin - lin.min()) / max(1e-6, float(lin.max() - lin.min()))
    shade = cv2.resize((1.0 - hard.shade * lin ** 1.5).astype(np.float32), (w, h))
    scene *= shade[:, :, None] * np.array(hard.cast, np.float32)[None, None, :] * hard.exposure
    np.clip(scene, 0, 255, out=scene)


def _motion_blur(scene: np.ndarray, length: float, rng: random.Random) -> np.ndarray:
    """A shaken hand: a line blur of ``length`` pixels in a random direction."""
    n = max(3, round(length)) | 1
    kernel = np.zeros((n, n), np.float32)
    a = rng.uniform(0, math.pi)
    c = n // 2
    dx, dy = math.cos(a) * c, math.sin(a) * c
    cv2.line(kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1)
    return cv2.filter2D(scene, -1, kernel / kernel.sum())


def make_photo(seed: int, *, doc_type: str | None = None, long_side: int = 3000,
               orientation: int | None = None, hard: Hardship | None = None) -> Photo:
    """One phone photo of one paper, deterministic per ``seed``; ``None`` arguments drawn.

    ``orientation``: the EXIF Orientation to store the file with (1, 3, 6 or 8); drawn
    (about one in four sideways) when None. The returned image is what a viewer shows.
    ``hard``: harder conditions on top of the usual ones (:func:`hardship`); the same
    seed gives the same paper and scene otherwise.
    """
    hard = hard or Hardship()
    long_side = round(long_side * hard.long_side)
    rng = random.Random(seed)
    drawn_type = rng.choice(PHOTO_KINDS)
    doc_type = doc_type or drawn_type
    if doc_type not in PHOTO_KINDS:
        raise ValueError(f"doc_type must be one of {PHOTO_KINDS}, got {doc_type!r}")
    u = [rng.random() for _ in range(10)]
    drawn_orientation = 1 if u[0] < 0.75 else (6, 8, 3)[int(u[1] * 3) % 3]
    orientation = drawn_orientation if orientation is None else int(orientation)
    if orientation not in (1, 3, 6, 8):
        raise ValueError(f"orientation must be 1, 3, 6 or 8, got {orientation}")
    quarter = 90 if u[4] < 0.15 else 0  # the paper lies across the frame
    landscape_frame = u[2] < (0.7 if doc_type == "can_cuoc" else 0.2)
    if doc_type != "can_cuoc" and quarter:
        landscape_frame = True  # a sheet lying across is photographed across
    frame = (long_side, round(long_side * 0.75))
    if not landscape_frame:
        frame = frame[::-1]
    paper_rng = random.Random(rng.getrandbits(64))
    scene_rng = random.Random(rng.getrandbits(64))
    nrng = np.random.default_rng(rng.getrandbits(64))

    if doc_type == "can_cuoc":
        dpi = 500
        paper, alpha, text, fields = _card_front(paper_rng, dpi)
        paper_mm = (CARD_W, CARD_H)
        fill = 0.55 + 0.3 * u[3]
    else:
        dpi = 200
        page, text, fields = render_page(doc_type, paper_rng, dpi=dpi)
        paper = np.asarray(page)
        alpha = np.full(paper.shape[:2], 255, np.uint8)
        paper_mm = A4_MM
        fill = 0.7 + 0.22 * u[3]
        if doc_type in GUILLOCHE_KINDS:
            mult = guilloche(paper.shape[:2], scene_rng, dpi / 200)
            paper = (paper.astype(np.float32) * mult).astype(np.uint8)
    angle = quarter + (u[5] * 2 - 1) * 20
    tilt = 0.02 + 0.12 * u[6] + hard.tilt
    ph, pw = paper.shape[:2]
    quad = _corners(pw, ph, frame, fill, angle, tilt, scene_rng)

    scene = _background(frame[0], frame[1], scene_rng, nrng)
    if u[7] < 0.6:
        _other_paper(scene, scene_rng, quad)
    _paste(scene, paper, alpha, quad)
    if u[8] < 0.6:
        _finger(scene, quad, scene_rng)
    for k in range(hard.occluders):
        _occluder(scene, quad, random.Random(seed * 31 + k))
    _light(scene, scene_rng)
    _hard_light(scene, hard, random.Random(seed * 17))
    blur = scene_rng.uniform(0.4, 1.3) * long_side / 2600
    scene = cv2.GaussianBlur(scene, (0, 0), blur)
    if hard.motion:
        scene = _motion_blur(scene, hard.motion * long_side / 3000, random.Random(seed * 7))
    scene += nrng.standard_normal(scene.shape[:2]).astype(np.float32)[:, :, None] * \
        scene_rng.uniform(2, 6)
    image = Image.fromarray(np.clip(scene, 0, 255).astype(np.uint8), "RGB")

    eff_dpi = float(np.linalg.norm(quad[1] - quad[0])) / (paper_mm[0] / 25.4)
    skew = -((angle + 45) % 90 - 45)  # content turned clockwise by angle: negative skew
    rotation = 90 if quarter else 0
    truth = Truth(doc_type=doc_type, text=unicodedata.normalize("NFC", text), fields=fields,
                  rotation=rotation, skew_deg=round(skew, 2), dpi=round(eff_dpi))
    return Photo(image, truth, [(float(x), float(y)) for x, y in quad], orientation, paper_mm)


def encode_photo(photo: Photo, quality: int = 85) -> bytes:
    """The photo as a phone stores it: JPEG with EXIF (camera, Orientation), pixels turned
    so that a viewer honouring the tag shows :attr:`Photo.image`; 72-dpi JFIF as phones write."""
    stored = photo.image
    if photo.orientation in _STORE:
        stored = stored.transpose(_STORE[photo.orientation])
    exif = Image.Exif()
    exif[0x0112] = photo.orientation
    exif[0x010F] = "Generic"  # Make
    exif[0x0110] = "Phone camera"  # Model
    buf = io.BytesIO()
    stored.save(buf, "JPEG", quality=quality, exif=exif.tobytes(), dpi=(72, 72))
    return buf.getvalue()


def generate_photos(out_dir: Path, n: int, *, seed: int = 0,
                    kinds: tuple[str, ...] = PHOTO_KINDS,
                    hard: bool = False) -> list[tuple[Path, Truth]]:
    """Write ``n`` photos, the ``kinds`` in turn, as ``photo_0000.jpg`` ... and truth.json;
    ``hard``: each under its own drawn :func:`hardship`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[tuple[Path, Truth]] = []
    entries: list[dict] = []
    for i, s in enumerate(sample_seeds(seed, n)):
        trouble = hardship(s) if hard else None
        photo = make_photo(s, doc_type=kinds[i % len(kinds)], hard=trouble)
        quality = trouble.quality if trouble and trouble.quality else 70 + s % 23
        path = out_dir / f"photo_{i:04d}.jpg"
        path.write_bytes(encode_photo(photo, quality))
        entries.append({"file": path.name, "truth": photo.truth.to_dict(),
                        "photo": photo.record()})
        results.append((path, photo.truth))
    (out_dir / "truth.json").write_text(json.dumps(entries, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
    return results
