"""Filled declarations with the personal ID handwritten into a row of boxes.

A CT01-like form ("TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", or a birth-registration
declaration): printed labels and values, and after an ID label ("Số định danh cá nhân",
"Số CMND/CCCD", "Mã số định danh", …) a row of 12 printed boxes, each holding one
handwritten digit, on the label's line or on the next one; sometimes a second row for the
householder's ID.

``layout`` varies how the ID is asked for: ``"boxes"`` (the row of 12 boxes above),
``"cmnd9"`` (an old 9-digit CMND number into a row of 9 boxes), ``"freehand"`` (no boxes:
the number written freehand on a printed fill-in line of dots, dashes or a rule, on the
label's line or on the next one) and ``"blank"`` (that fill-in line left empty: no value).

The handwriting is MNIST digits that the digit model was never trained on
(``tests/data/handdigits/mnist_heldout.npz``, written by
``scripts/digits/heldout_sheet.py`` from the model's held-out split): in blue or black
pen, scaled, slanted and placed with jitter, some touching or crossing the box lines.
:func:`make_idbox_scan` then scans the page (skew, blur, noise, grey or 1-bit, 150–300 dpi).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .degrade import degrade
from .documents import (
    SIGN_NOTE,
    Style,
    _born_adult,
    commune_issuer,
    kv,
    national_header,
    new_page,
    signature_row,
    signer,
    title_block,
)
from .layout import Page
from .people import LATEST, dmy, long_date, random_date, random_person, random_place

HELD_OUT = Path(__file__).resolve().parents[1] / "data" / "handdigits" / "mnist_heldout.npz"
LABELS = ("Số định danh cá nhân", "Số định danh cá nhân/CMND", "Số CCCD", "Mã số định danh",
          "Số CMND/CCCD")
PENS = ((25, 45, 160), (20, 60, 190), (30, 30, 40), (15, 15, 20))  # blue and black


@lru_cache(maxsize=1)
def held_out_digits() -> tuple[np.ndarray, np.ndarray]:
    """(images N×28×28 uint8 ink-high, labels N) the digit model never saw."""
    with np.load(HELD_OUT) as d:
        return d["x"], d["y"]


@dataclass
class IdBoxTruth:
    """One box row drawn on the page: the ID written, the field key, the cells' boxes."""

    key: str
    value: str
    cells: list[tuple[int, int, int, int]] = field(default_factory=list)  # page pixels


def _digit_op(box: tuple[int, int, int, int], digit: int, rng: random.Random,
              pen: tuple[int, int, int], pitch: int, touch: bool):
    """Draw one held-out handwritten digit into the cell ``box`` (left, top, right, bottom)."""
    xs, ys = held_out_digits()
    pick = rng.choice(np.nonzero(ys == digit)[0].tolist())
    ink = xs[pick].astype(np.float32)
    ys_, xs_ = np.nonzero(ink > 40)
    ink = ink[ys_.min(): ys_.max() + 1, xs_.min(): xs_.max() + 1]
    x0, y0, x1, y1 = box
    cell_h = y1 - y0
    h = max(6, round(cell_h * rng.uniform(0.62, 0.92)))
    w = max(2, round(ink.shape[1] * h / ink.shape[0] * rng.uniform(0.85, 1.15)))
    w = min(w, round(pitch * 0.95))
    img = Image.fromarray(ink.astype(np.uint8)).resize((w, h), Image.BILINEAR)
    img = img.rotate(rng.uniform(-8, 8), resample=Image.BILINEAR, expand=True)
    cx = (x0 + x1) / 2 + rng.uniform(-0.12, 0.12) * pitch
    cy = (y0 + y1) / 2 + rng.uniform(-0.1, 0.1) * cell_h
    if touch:  # written over the box's top rule or one of its sides
        if rng.random() < 0.6:
            cy -= (y1 - y0 - img.height) / 2 + rng.uniform(0.05, 0.2) * cell_h
        else:
            # its edge over the side by a little, its centre still well inside the cell
            cx += rng.choice((-1, 1)) * min((x1 - x0 - img.width) / 2 + 0.05 * pitch,
                                            0.25 * pitch)
    left, top = round(cx - img.width / 2), round(cy - img.height / 2)
    strength = rng.uniform(0.85, 1.0)

    def op(page_img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        mask = img.point(lambda v: int(min(255, v * 1.3 * strength)))
        page_img.paste(Image.new("RGB", img.size, pen), (left, top), mask)

    return op


def _box_row(page: Page, x: float, bottom: float, pitch: int, height: int, n: int,
             thick: int, color: tuple[int, int, int]) -> list[tuple[int, int, int, int]]:
    cells = [(round(x + k * pitch), round(bottom - height), round(x + (k + 1) * pitch),
              round(bottom)) for k in range(n)]

    def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        x0, x1 = cells[0][0], cells[-1][2]
        y0, y1 = cells[0][1], cells[0][3]
        draw.rectangle((x0, y0, x1 + thick - 1, y0 + thick - 1), fill=color)
        draw.rectangle((x0, y1, x1 + thick - 1, y1 + thick - 1), fill=color)
        for k in range(n + 1):
            xx = x0 + k * pitch
            draw.rectangle((xx, y0, xx + thick - 1, y1 + thick - 1), fill=color)

    page.ops.append(op)
    return cells


LAYOUTS = ("boxes", "cmnd9", "freehand", "blank")


def _fill_in_line(page: Page, x0: float, x1: float, baseline: float, cap: float, kind: str,
                  color: tuple[int, int, int]) -> None:
    """A printed fill-in line from x0 to x1 on the baseline: dots ("……"), dashes or a
    rule ("____")."""
    def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        if kind == "rule":
            t = max(1, round(cap * 0.06))
            draw.rectangle((x0, baseline + 1, x1, baseline + t), fill=color)
            return
        step = cap * (0.38 if kind == "dots" else 0.7)
        r = max(1.0, cap * 0.07)
        x = x0
        while x < x1:
            if kind == "dots":
                draw.ellipse((x - r, baseline - 2 * r, x + r, baseline), fill=color)
            else:
                draw.rectangle((x, baseline - cap * 0.4, x + step * 0.55,
                                baseline - cap * 0.4 + max(1, round(cap * 0.07))), fill=color)
            x += step

    page.ops.append(op)


def render_idbox_form(rng: random.Random, dpi: int = 300, layout: str = "boxes"
                      ) -> tuple[Image.Image, str, dict[str, str], list[IdBoxTruth]]:
    """A clean filled form: (RGB image, printed text, printed field values, ID rows; a
    ``"blank"`` row's value is "")."""
    st = Style.draw(rng)
    home = random_place(rng)
    issuer = commune_issuer(home)
    made = random_date(rng, date(2021, 7, 1), LATEST)
    person = random_person(rng, born=_born_adult(rng, made, 18, 70), residence=home)
    head = random_person(rng, born=_born_adult(rng, made, 30, 75), residence=home)
    with_head = rng.random() < 0.5
    kind = rng.random()
    title = ["TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ"] if kind < 0.7 else ["TỜ KHAI ĐĂNG KÝ CƯ TRÚ"]
    page, flow = new_page(st, dpi)
    national_header(flow, st, None)
    flow.skip_pt(10)
    title_block(flow, st, title)
    flow.para(f"Kính gửi: Công an {issuer.unit}", st.body, align="center", spacing=st.spacing,
              after_pt=6)
    para_kw = {"size": st.body, "spacing": st.spacing, "after_pt": 3}
    pen = rng.choice(PENS)
    box_color = (22, 22, 26) if rng.random() < 0.8 else (60, 60, 70)
    rows: list[IdBoxTruth] = []
    fields = {"ho_ten": person.name, "ngay_sinh": person.born.isoformat(),
              "gioi_tinh": person.sex}

    def id_row(number: str, label: str, key: str, pid: str) -> None:
        if layout in ("freehand", "blank"):
            return written_row(number, label, key, pid)
        if layout == "cmnd9":  # an old 9-digit identity card number
            pid = str(rng.randrange(1, 4)) + "".join(str(rng.randrange(10)) for _ in range(8))
            owner = " của chủ hộ" if label.endswith("chủ hộ") else ""
            label = rng.choice(("Số CMND", "Số CMND/CCCD", "Số chứng minh nhân dân")) + owner
        spans = flow.para(f"{number}. {label}:", **para_kw)
        x_end, baseline = spans[-1][1], spans[-1][2]
        cap = page.pt(st.body) * 0.7
        pitch = page.mm(rng.uniform(5.5, 7.5))
        height = round(pitch * rng.uniform(1.0, 1.3))
        thick = max(1, page.pt(rng.uniform(0.5, 1.1)))
        x = x_end + page.mm(rng.uniform(2.0, 6.0))
        if x + 12 * pitch > flow.x1 or rng.random() < 0.15:  # the row on the next line
            x = flow.x0 + page.mm(rng.uniform(0, 20))
            bottom = flow.y + height + page.mm(1)
            flow.y = round(bottom + page.mm(3))
        else:
            bottom = baseline + 0.35 * cap + (height - 1.4 * cap) / 2
            flow.y = max(flow.y, round(bottom + page.mm(3)))
        cells = _box_row(page, x, bottom, pitch, height, len(pid), thick, box_color)
        for cell, digit in zip(cells, pid, strict=True):
            page.ops.append(_digit_op(cell, int(digit), rng, pen, pitch, rng.random() < 0.15))
        rows.append(IdBoxTruth(key, pid, cells))

    def written_row(number: str, label: str, key: str, pid: str) -> None:
        """The label, then a fill-in line (on its line, or the next one when the label
        ends the line) with the number written freehand on it (or left blank)."""
        cap = page.pt(st.body) * 0.7
        spans = flow.para(f"{number}. {label}:", **para_kw)
        x_end, baseline = spans[-1][1], spans[-1][2]
        kind = rng.choice(("dots", "dots", "dots", "dashes", "rule"))
        color = (22, 22, 26)
        if rng.random() < 0.3:  # the fill-in line on the next line
            x = flow.x0 + page.mm(rng.uniform(0, 8))
            baseline = round(flow.y + page.pt(st.body) * 0.93 + page.mm(1))
            flow.y = round(baseline + page.mm(3))
        else:
            x = x_end + page.mm(rng.uniform(1.0, 2.5))
            flow.y = max(flow.y, round(baseline + page.mm(3)))
        _fill_in_line(page, x, flow.x1, baseline, cap, kind, color)
        if layout == "blank":
            rows.append(IdBoxTruth(key, ""))
            return
        cell_h = cap * rng.uniform(1.4, 2.0)  # a digit is 0.62–0.92 of it
        pitch = cell_h * rng.uniform(0.5, 0.7)
        groups = rng.random() < 0.3  # "079 203 001 234"
        xx = x + page.mm(rng.uniform(1, 8))
        lift = cap * rng.uniform(-0.1, 0.25)  # above the dots, or sitting on them
        cells = []
        for k, digit in enumerate(pid):
            if groups and k and k % 3 == 0:
                xx += pitch * 0.6
            bottom = baseline - lift + rng.uniform(-0.08, 0.08) * cell_h
            cell = (round(xx), round(bottom - cell_h), round(xx + pitch), round(bottom))
            cells.append(cell)
            page.ops.append(_digit_op(cell, int(digit), rng, pen, round(pitch), False))
            xx += pitch * rng.uniform(0.9, 1.1)
        rows.append(IdBoxTruth(key, pid, cells))

    flow.para(kv("1. Họ, chữ đệm và tên", person.name_upper, "b"), **para_kw)
    flow.para(kv("2. Ngày, tháng, năm sinh", dmy(person.born)) + [("\t", "r")]
              + kv("3. Giới tính", person.sex), **para_kw)
    id_row("4", rng.choice(LABELS), "so_dinh_danh", person.pid)
    phone = "0" + "".join(str(rng.randrange(10)) for _ in range(9))
    flow.para(kv("5. Số điện thoại liên hệ", phone), **para_kw)
    flow.para(kv("6. Nơi thường trú", home.full()), **para_kw)
    flow.para(kv("7. Nghề nghiệp, nơi làm việc", rng.choice(
        ("Nông dân", "Công nhân", "Giáo viên", "Kinh doanh tự do", "Học sinh"))), **para_kw)
    if with_head:
        flow.para(kv("8. Họ, chữ đệm và tên chủ hộ", head.name_upper), **para_kw)
        id_row("9", "Số định danh cá nhân của chủ hộ", "so_dinh_danh_chu_ho", head.pid)
    flow.para(kv("10. Nội dung đề nghị", "Đăng ký thường trú"), **para_kw)
    flow.skip_pt(6)
    flow.para(f"{issuer.town}, {long_date(made)}", st.body, style="i", align="right",
              spacing=1.3)
    signature_row(flow, st, right=lambda f: signer(f, st, rng.getrandbits(32),
                                                   ["NGƯỜI KÊ KHAI"], person.name,
                                                   note=SIGN_NOTE))
    text = "\n".join(" ".join(ln.split()) for ln in flow.lines if ln.strip())
    return page.render(), text, fields, rows


@dataclass(frozen=True)
class IdBoxScan:
    """A scanned filled form and what was written on it."""

    image: bytes  # PNG
    dpi: int
    bilevel: bool
    skew_deg: float
    fields: dict[str, str]
    rows: list[IdBoxTruth]


def make_idbox_scan(seed: int, *, dpi: int | None = None, bilevel: bool | None = None,
                    layout: str = "boxes") -> IdBoxScan:
    """One scanned form (every random choice from ``random.Random(seed)``; ``layout`` one
    of :data:`LAYOUTS`)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    rng = random.Random(seed)
    dpi_ = rng.choice((150, 200, 200, 300))
    bilevel_ = rng.random() < 0.4
    dpi, bilevel = dpi or dpi_, bilevel_ if bilevel is None else bilevel
    image, _, fields, rows = render_idbox_form(rng, dpi, layout)
    skew_deg = rng.uniform(-1.5, 1.5)
    scanned = degrade(image, rng, rotation=0, skew_deg=skew_deg, blur=rng.uniform(0.2, 0.8),
                      noise=rng.uniform(0, 5), lighting=rng.uniform(0, 0.15),
                      jpeg_quality=None, grey=bilevel or rng.random() < 0.5)
    if bilevel:
        scanned = scanned.convert("L").point(lambda v: 255 if v > 150 else 0).convert("1")
    buf = io.BytesIO()
    scanned.save(buf, "PNG", dpi=(dpi, dpi))
    return IdBoxScan(buf.getvalue(), dpi, bilevel, skew_deg, fields, rows)
