"""Train the digit CNN and write its weights (development tool): with the sets of today's
``build_data.py`` (ID-box cells included) they are ``ocr_models/data/digits_box_cnn.npz``.

Needs torch (training only, not a project dependency) and the set that
``build_data.py`` wrote. The architecture must match :class:`ocr_models.digits.DigitModel`:
conv1..conv3 (3×3, same padding) each followed by ReLU and 2×2 max-pool, then fc1 (ReLU)
and fc2. After training the float16 weights are checked again through the numpy
inference (the held-out accuracy printed at the end is the shipped model's).

    python scripts/digits/train.py /work/scratch/digits/digits_data.npz \
        ocr_models/data/digits_box_cnn.npz
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from ocr_models.digits import DigitModel  # noqa: E402

SEED = 14
EPOCHS = 12
SOURCES = ("mnist", "uci", "font", "reject", "cell")


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 3 * 3, 64)
        self.fc2 = nn.Linear(64, 11)
        self.pool = nn.MaxPool2d(2)
        self.drop = nn.Dropout(0.25)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in (self.conv1, self.conv2, self.conv3):
            x = self.pool(torch.relu(conv(x)))
        x = self.drop(torch.relu(self.fc1(x.flatten(1))))
        return self.fc2(x)


def shift(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Segmentation is never exact: jitter by up to 2 px."""
    dx, dy = (int(v) for v in torch.randint(-2, 3, (2,), generator=gen))
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


def main(data: Path, out: Path) -> None:
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(SEED)
    d = np.load(data)
    x = torch.from_numpy(d["x"].astype(np.float32) / 255.0)[:, None]
    y = torch.from_numpy(d["y"].astype(np.int64))
    test = torch.from_numpy(d["test"])
    xtr, ytr = x[~test], y[~test]
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3, weight_decay=1e-5)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 4e-3, pct_start=0.15, total_steps=EPOCHS *
                                                ((len(xtr) + 127) // 128))
    for epoch in range(EPOCHS):
        net.train()
        order = torch.randperm(len(xtr), generator=gen)
        total = 0.0
        for i in range(0, len(order), 128):
            idx = order[i: i + 128]
            loss = nn.functional.cross_entropy(net(shift(xtr[idx], gen)), ytr[idx],
                                               label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        print(f"epoch {epoch + 1}: loss {total / len(xtr):.4f}", flush=True)
    state = {k: v.detach().numpy().astype(np.float16) for k, v in net.state_dict().items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **state)
    print(f"{out}: {out.stat().st_size} bytes, "
          f"{sum(v.size for v in state.values())} parameters")
    # the shipped float16 weights, through the numpy inference
    model = DigitModel(out, verify=False)
    xt, yt, st = d["x"][d["test"]] / 255.0, d["y"][d["test"]], d["src"][d["test"]]
    pred = np.concatenate([model.probabilities(xt[i: i + 512]).argmax(1)
                           for i in range(0, len(xt), 512)])
    print(f"held-out accuracy (numpy, float16 weights): {np.mean(pred == yt):.4f} "
          f"on {len(yt)}")
    for i, name in enumerate(SOURCES):
        sel = st == i
        if sel.any():
            print(f"  {name}: {np.mean(pred[sel] == yt[sel]):.4f} on {int(sel.sum())}")
    digits = yt < 10
    print(f"  digits read as 'not a digit': {np.mean(pred[digits] == 10):.4f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
