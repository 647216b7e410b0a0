"""The ``can_cuoc`` page: an A4 photocopy carrying the front (and usually the back) of a chip
identity card at its real size, 85.6 x 54 mm, one above the other.

Two card models: the 2021 "CĂN CƯỚC CÔNG DÂN" (number "Số / No.", place of origin and of
residence on the front, issue date and the Police Department's signature on the back) and the
2024 "CĂN CƯỚC" (number labelled "Số định danh cá nhân / Personal identification number",
residence, issue and expiry dates on the back, "BỘ CÔNG AN"). Both backs carry the three-line
machine-readable zone. Text reads top to bottom; the photo, emblem, chip and fingerprint boxes
stand beside text but are not text.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from .documents import Rendered
from .layout import (
    CARD_FAMILIES,
    Flow,
    Page,
    box_op,
    chip_op,
    emblem_op,
    fingerprint_op,
    guilloche_op,
    photo_op,
    pick_weighted,
    qr_op,
    signature_op,
)
from .people import (
    LATEST,
    add_years,
    card_expiry,
    dmy,
    mrz_lines,
    random_date,
    random_person,
)
from .vocab import MARKS

CARD_W, CARD_H = 85.6, 54.0
QR_MM = 14.0  # the front's QR code, top right
RED_TITLE = (190, 30, 40)


def build_can_cuoc(rng: random.Random, dpi: int, side: str = "both") -> Rendered:
    """A photocopy of a card; ``side`` "front" or "back" copies that side alone on its own
    sheet (the same card as "both" for the same rng), with the whole card's fields."""
    if side not in ("both", "front", "back"):
        raise ValueError(f"side must be both, front or back, got {side!r}")
    model = "cccd" if rng.random() < 0.55 else "cc"
    photocopy = rng.random() < 0.6
    with_back = rng.random() < 0.75
    family = pick_weighted(rng, CARD_FAMILIES)
    if model == "cccd":
        issued = random_date(rng, date(2021, 1, 15), date(2024, 6, 28))
    else:
        issued = random_date(rng, date(2024, 7, 1), LATEST)
    born = random_date(rng, add_years(issued, -57), add_years(issued, -14))
    person = random_person(rng, born=born, ethnicity="Kinh" if rng.random() < 0.85 else None)
    expiry = card_expiry(born, issued)
    mark = rng.choice(MARKS)
    officer = random_person(rng, male=True)
    seeds = [rng.getrandbits(32) for _ in range(4)]

    paper = (rng.randint(236, 246),) * 3 if photocopy else (255, 255, 255)
    page = Page(dpi, family, paper=paper, ink=(15, 15, 18) if photocopy else (25, 25, 35))
    if photocopy:
        card_fill = (rng.randint(200, 220),) * 3
        pattern = tuple(c - 7 for c in card_fill)
    else:
        card_fill = (rng.randint(222, 232), rng.randint(232, 240), rng.randint(236, 246))
        pattern = (card_fill[0] - 10, card_fill[1] - 6, card_fill[2] - 3)
    title_color = (40, 40, 40) if photocopy else RED_TITLE
    x = rng.uniform(18.0, 60.0)
    y = rng.uniform(15.0, 35.0)
    y_back = y + CARD_H + rng.uniform(12.0, 35.0)

    fields: dict[str, str] = {
        "so_dinh_danh": person.pid, "ho_ten": person.name, "ngay_sinh": born.isoformat(),
        "gioi_tinh": person.sex, "quoc_tich": person.nationality,
    }

    def card_base(cy: float, seed: int) -> None:
        box = (page.mm(x), page.mm(cy), page.mm(x + CARD_W), page.mm(cy + CARD_H))
        edge = (90, 90, 90) if photocopy else (150, 160, 170)
        page.ops.append(box_op(box, fill=card_fill, outline=edge, width=max(2, page.mm(0.3)),
                               radius=page.mm(3.2)))
        inset = page.mm(1.5)
        page.ops.append(guilloche_op((box[0] + inset, box[1] + inset, box[2] - inset,
                                      box[3] - inset), pattern, seed, page.mm(1.6)))

    def col(x0: float, x1: float, y0: float) -> Flow:
        return page.flow(x + x0, x + x1, y0, family)

    sp = 1.12

    def front(k: float) -> tuple[list[str], int]:
        """Lay the front out with every size scaled by k; (lines, bottom y)."""
        lines: list[str] = []
        card_base(y, seeds[0])
        page.ops.append(emblem_op(page.mm(x + 9.5), page.mm(y + 9.0), page.mm(6.3), photocopy))
        page.ops.append(qr_op(page.mm(x + CARD_W - QR_MM - 2.0), page.mm(y + 2.0),
                              page.mm(QR_MM), qr_payload, photocopy))
        head = col(17.0, CARD_W - QR_MM - 3.0, y + 1.8)
        head.para("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 6.5 * k, style="b", align="center",
                  spacing=sp)
        head.para("SOCIALIST REPUBLIC OF VIET NAM", 5.5 * k, style="b", align="center",
                  spacing=sp)
        if model == "cccd":
            head.para("Độc lập - Tự do - Hạnh phúc", 6.0 * k, style="b", align="center",
                      spacing=sp)
            head.para("Independence - Freedom - Happiness", 5.5 * k, align="center", spacing=sp)
            head.skip_mm(0.5)
            head.para("CĂN CƯỚC CÔNG DÂN", 9.5 * k, style="b", align="center", spacing=1.1,
                      color=title_color)
            head.para("Citizen Identity Card", 6.5 * k, style="b", align="center", spacing=sp)
        else:
            head.skip_mm(1.0)
            head.para("CĂN CƯỚC", 12.0 * k, style="b", align="center", spacing=1.1,
                      color=title_color)
            head.para("IDENTITY CARD", 7.0 * k, style="b", align="center", spacing=sp)
        lines.extend(head.lines)
        top = max(round(head.y), page.mm(y + 18.5))
        photo_box = (page.mm(x + 3.0), top + page.mm(0.5), page.mm(x + 22.5),
                     top + page.mm(26.0))
        page.ops.append(photo_op(photo_box, seeds[1], photocopy))
        right = col(24.5, CARD_W - 2.5, 0)
        right.y = top
        lab, val = 6.5 * k, 8.0 * k
        sex_line = [("Giới tính / Sex: ", "r"), (person.sex, "b"), ("\t", "r"),
                    ("Quốc tịch / Nationality: ", "r"), (person.nationality, "b")]
        if model == "cccd":
            right.para([("Số / No.: ", "r"), (person.pid, "b")], 9.0 * k, spacing=1.15)
            right.para("Họ và tên / Full name:", lab, spacing=sp)
            right.para(person.name_upper, val + 0.5 * k, style="b", spacing=1.2)
            right.para([("Ngày sinh / Date of birth: ", "r"), (dmy(born), "b")], lab,
                       spacing=1.2)
            right.para(sex_line, lab, spacing=1.2)
            right.para("Quê quán / Place of origin:", lab, spacing=sp)
            right.para(origin, val, style="b", spacing=1.15)
            right.para("Nơi thường trú / Place of residence:", lab, spacing=sp)
            right.para(residence, val, style="b", spacing=1.15)
            lines.extend(right.lines)
            below = col(2.5, CARD_W - 2.5, 0)
            below.y = max(round(right.y), photo_box[3] + page.mm(0.6))
            below.para([("Có giá trị đến / Date of expiry: ", "r"), (dmy(expiry), "b")], lab,
                       spacing=sp)
            lines.extend(below.lines)
            return lines, round(below.y)
        right.para("Số định danh cá nhân / Personal identification number", lab - 0.5 * k,
                   spacing=sp)
        right.para(person.pid, 10.0 * k, style="b", spacing=1.2)
        right.para("Họ, chữ đệm và tên khai sinh / Full name", lab - 0.5 * k, spacing=sp)
        right.para(person.name_upper, val + 0.5 * k, style="b", spacing=1.25)
        right.para("Ngày, tháng, năm sinh / Date of birth", lab - 0.5 * k, spacing=sp)
        right.para(dmy(born), val, style="b", spacing=1.2)
        right.para(sex_line, lab, spacing=1.2)
        lines.extend(right.lines)
        return lines, max(round(right.y), photo_box[3])

    def back(k: float) -> tuple[list[str], int]:
        lines: list[str] = []
        card_base(y_back, seeds[2])
        chip = (page.mm(x + 5.0), page.mm(y_back + 5.0), page.mm(x + 17.0),
                page.mm(y_back + 14.5))
        page.ops.append(chip_op(chip, photocopy))
        lab = 6.5 * k
        if model == "cccd":
            for i in range(2):
                fx = x + 47.0 + i * 19.0
                page.ops.append(box_op((page.mm(fx), page.mm(y_back + 2.5), page.mm(fx + 16.5),
                                        page.mm(y_back + 16.5)), fill=None,
                                       outline=(120, 120, 120), width=max(1, page.mm(0.2))))
                page.ops.append(fingerprint_op((page.mm(fx + 2.5), page.mm(y_back + 4.0),
                                                page.mm(fx + 14.0), page.mm(y_back + 15.5)),
                                               seeds[3] + i))
            info = col(3.0, CARD_W - 3.0, y_back + 17.5)
            info.para([("Đặc điểm nhân dạng / Personal identification: ", "r"), (mark, "b")],
                      lab, spacing=sp)
            info.para([("Ngày, tháng, năm / Date, month, year: ", "r"), (dmy(issued), "b")],
                      lab, spacing=sp)
            auth = col(3.0, 62.0, 0)
            auth.y = info.y
            auth.para("CỤC TRƯỞNG CỤC CẢNH SÁT", lab, style="b", align="center", spacing=sp)
            auth.para("QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", lab, style="b", align="center",
                      spacing=sp)
            sig_y = round(auth.y)
            page.ops.append(signature_op(page.mm(x + 24.0), sig_y, page.mm(16.0), page.mm(4.0),
                                         max(1, page.mm(0.25)), seeds[3], (30, 30, 40)))
            auth.y = sig_y + page.mm(4.2)
            auth.para(officer.name, lab + 0.5 * k, style="b", align="center", spacing=sp)
            lines.extend(info.lines + auth.lines)
            bottom = round(auth.y)
        else:
            info = col(19.5, CARD_W - 3.0, y_back + 3.0)
            info.para("Nơi cư trú / Place of residence:", lab - 0.5 * k, spacing=sp)
            info.para(residence, lab + 1.0 * k, style="b", spacing=1.15)
            info.para("Nơi đăng ký khai sinh / Place of birth:", lab - 0.5 * k, spacing=sp)
            info.para(origin, lab + 1.0 * k, style="b", spacing=1.15)
            info.para([("Ngày, tháng, năm cấp / Date of issue: ", "r"), (dmy(issued), "b")],
                      lab - 0.5 * k, spacing=sp)
            info.para([("Ngày, tháng, năm hết hạn / Date of expiry: ", "r"),
                       (dmy(expiry), "b")], lab - 0.5 * k, spacing=sp)
            info.para("BỘ CÔNG AN", lab + 0.5 * k, style="b", spacing=sp)
            info.para("MINISTRY OF PUBLIC SECURITY", lab - 0.5 * k, spacing=sp)
            lines.extend(info.lines)
            bottom = round(info.y)
        mrz = page.flow(x + 5.5, x + CARD_W - 2.0, y_back + CARD_H - 12.6, "Liberation Mono")
        if mrz.y < bottom + page.mm(0.5):
            return lines, page.h  # no room: shrink
        for line in mrz_lines(person, expiry):
            mrz.para(line, 10.0, spacing=1.0)
        lines.extend(mrz.lines)
        return lines, round(mrz.y)

    def fitted(build: Callable[[float], tuple[list[str], int]], bottom_mm: float) -> list[str]:
        mark_ops = len(page.ops)
        for k in (1.0, 0.94, 0.88, 0.82, 0.76, 0.7):
            del page.ops[mark_ops:]
            lines, bottom = build(k)
            if bottom <= page.mm(bottom_mm):
                break
        return lines

    origin = person.origin.short(detail=False)
    residence = person.residence.short()
    old_id = f"{seeds[1] % 10**9:09d}" if model == "cccd" and seeds[1] % 3 else ""
    qr_payload = "|".join((person.pid, old_id, person.name, born.strftime("%d%m%Y"), person.sex,
                           residence, issued.strftime("%d%m%Y")))
    lines = fitted(front, y + CARD_H - 0.8) if side != "back" else []
    if model == "cccd":
        fields.update({"que_quan": origin, "noi_thuong_tru": residence,
                       "co_gia_tri_den": expiry.isoformat()})
    if side != "both":
        with_back = True  # one side per sheet: the paper is both sheets
    if with_back:
        if side != "front":
            lines += fitted(back, y_back + CARD_H - 0.3)
        if model == "cccd":
            fields.update({"ngay_cap": issued.isoformat(),
                           "noi_cap": "Cục Cảnh sát quản lý hành chính về trật tự xã hội"})
        else:
            fields.update({"noi_cu_tru": residence, "ngay_cap": issued.isoformat(),
                           "noi_cap": "Bộ Công an", "co_gia_tri_den": expiry.isoformat()})
    return page, lines, fields
