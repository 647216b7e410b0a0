"""The paper types of the scan generator: what each Vietnamese administrative paper says and
where it says it, and :func:`render_page`, which turns a type into a clean upright A4 image,
its ground-truth text and its fields.

Layout rules that keep the ground truth unambiguous for an OCR engine: a page is one column
of lines except the header, where the issuing body (left) and the national motto (right)
stand side by side, far apart, the right block half a line lower so that no two lines share
a height; the text lists the whole left block, then the right one. At the foot, the
recipients list ("Nơi nhận") sits beside the signer's signature space, level with none of
the signer's text lines, and reads between the signer's titles and name; two signers are
stacked, never side by side. Seals and signatures never cover text.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from PIL import Image

from . import vocab
from .layout import (
    DOCUMENT_FAMILIES,
    Flow,
    Page,
    box_op,
    guilloche_op,
    pick_weighted,
    seal_op,
    signature_op,
)
from .people import (
    LATEST,
    Person,
    Place,
    add_years,
    dmy,
    long_date,
    nfc,
    province_long,
    random_date,
    random_person,
    random_place,
    upper,
)

DOC_TYPES: tuple[str, ...] = (
    "can_cuoc",
    "giay_khai_sinh",
    "to_khai",
    "giay_chung_nhan_ket_hon",
    "giay_xac_nhan_tinh_trang_hon_nhan",
    "giay_chung_nhan_qsdd",
    "van_ban_hanh_chinh",
)

MOTTO_1 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"
SIGN_NOTE = "(Ký, ghi rõ họ, chữ đệm, tên)"


@dataclass
class Style:
    """Typographic choices of one page."""

    family: str
    body: float  # body size, pt
    header: float  # header block size, pt
    title: float
    spacing: float  # line height / font size
    left: float  # margins, mm
    right: float
    top: float
    bottom: float
    indent: float  # first-line indent of paragraphs, mm

    @classmethod
    def draw(cls, rng: random.Random) -> Style:
        family = pick_weighted(rng, DOCUMENT_FAMILIES)
        wide = family.startswith("DejaVu") or family.startswith("Noto")
        body = rng.choice((13.0, 13.0, 13.5, 14.0)) - (1.0 if wide else 0.0)
        return cls(
            family=family,
            body=body,
            header=rng.choice((12.0, 12.5, 13.0)) - (1.0 if wide else 0.0),
            title=rng.choice((14.0, 14.5, 15.0)),
            spacing=rng.uniform(1.18, 1.4),
            left=rng.uniform(27.0, 33.0),
            right=rng.uniform(15.0, 20.0),
            top=rng.uniform(14.0, 22.0),
            bottom=rng.uniform(15.0, 22.0),
            indent=rng.choice((10.0, 12.7, 12.7, 15.0)),
        )


@dataclass
class Issuer:
    """An issuing body: header lines, its name as a field value, and the town of the date line."""

    lines: list[tuple[str, str]]  # (upper-case text, style) for the header
    name: str  # "Ủy ban nhân dân xã Tân Phú"
    town: str  # "Tân Phú"
    chief: tuple[str, str]  # ("CHỦ TỊCH", "PHÓ CHỦ TỊCH") / ("GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    body: str  # "ỦY BAN NHÂN DÂN" / "SỞ TƯ PHÁP" for "TM." lines
    code: str  # "UBND" / "STP" in document numbers
    unit: str  # "xã Tân Phú" for prose
    level: str  # "xa" | "huyen" | "so"


def commune_issuer(place: Place) -> Issuer:
    unit = place.commune[0].lower() + place.commune[1:]
    return Issuer(
        lines=[("ỦY BAN NHÂN DÂN", "b"), (upper(place.commune), "b")],
        name=f"Ủy ban nhân dân {unit}",
        town=place.commune_name,
        chief=("CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
        body="ỦY BAN NHÂN DÂN",
        code="UBND",
        unit=unit,
        level="xa",
    )


def district_issuer(place: Place) -> Issuer:
    unit = place.district[0].lower() + place.district[1:]
    return Issuer(
        lines=[("ỦY BAN NHÂN DÂN", "b"), (upper(place.district), "b")],
        name=f"Ủy ban nhân dân {unit}",
        town=place.district_name,
        chief=("CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
        body="ỦY BAN NHÂN DÂN",
        code="UBND",
        unit=unit,
        level="huyen",
    )


DEPARTMENTS = (
    ("SỞ TƯ PHÁP", "Sở Tư pháp", "STP"),
    ("SỞ NỘI VỤ", "Sở Nội vụ", "SNV"),
    ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "Sở Tài nguyên và Môi trường", "STNMT"),
)


def department_issuer(rng: random.Random, province: str) -> Issuer:
    caps, name, code = rng.choice(DEPARTMENTS)
    prov = vocab.PROVINCE_CODES[province]
    kind = "THÀNH PHỐ" if province in vocab.CITIES else "TỈNH"
    return Issuer(
        lines=[(f"UBND {kind} {upper(prov)}", "r"), (caps, "b")],
        name=f"{name} {province_long(province)[0].lower()}{province_long(province)[1:]}",
        town=f"Thành phố {prov}" if province == "079" else prov,
        chief=("GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
        body=caps,
        code=code,
        unit=f"{kind.lower()} {prov}",
        level="so",
    )


# -- building blocks ------------------------------------------------------------------------------


def kv(label: str, value: str, vstyle: str = "r") -> list[tuple[str, str]]:
    return [(f"{label}: ", "r"), (value, vstyle)]


def national_header(flow: Flow, st: Style, issuer: Issuer | None, *, number: str | None = None,
                    subject: str | None = None, date_line: str | None = None) -> None:
    """The two header blocks (or the centred motto alone when ``issuer`` is None).

    Both blocks advance by the same pitch and the right one starts half a pitch lower, so no
    line of one block shares a baseline with a line of the other: layout analysis then keeps
    them apart and reads the left block (it starts higher) first, as the ground truth says."""
    page = flow.page
    if issuer is None:
        size = flow.fit_size(MOTTO_1, st.header + 0.5, page.mm(125), "b")
        flow.para(MOTTO_1, size, style="b", align="center", spacing=1.2)
        spans = flow.para(MOTTO_2, size + 1, style="b", align="center", spacing=1.2)
        flow.rule(spans[0][0], spans[0][1], spans[0][2], size + 1)
        return
    # the left column is at least 62 mm wide, 12 mm clear of the right one; the motto and the
    # date line shrink to fit the rest
    span_x0 = flow.x0 - page.mm(12)
    rw = min(page.mm(100), flow.x1 - span_x0 - page.mm(62 + 12))
    size = flow.fit_size(MOTTO_1, st.header, rw - page.mm(2), "b")
    right = flow.child(flow.x1 - rw, flow.x1)
    left = flow.child(span_x0, flow.x1 - rw - page.mm(12))
    for text, _ in issuer.lines:  # short lines never wrap; long unit names may
        if len(text) <= 24:
            size = min(size, left.fit_size(text, size, left.width - page.mm(2), "b"))
    pitch = page.pt(size) * 1.3
    left.pitch = right.pitch = pitch
    right.y = flow.y + round(pitch / 2)
    issuer_and_motto(page, left, right, issuer, size)
    if number:
        left.para(number, size, align="center")
    if subject:
        left.para(subject, size - 1, align="center")
    if date_line:
        right.para(date_line, right.fit_size(date_line, st.body, right.width, "i", 11.0),
                   style="i", align="center")
    flow.merge(left, right)
    flow.skip_pt(6)


def title_block(flow: Flow, st: Style, lines: list[str], *, sub: str | None = None,
                color: tuple[int, int, int] | None = None, rule: bool = False) -> None:
    for line in lines:
        flow.para(line, st.title, style="b", align="center", spacing=1.25, color=color,
                  max_width=flow.page.mm(150))
    if sub:
        spans = flow.para(sub, st.body + 0.5, style="b", align="center", spacing=1.25,
                          max_width=flow.page.mm(140))
        if rule:
            mid = (spans[-1][0] + spans[-1][1]) / 2
            flow.rule(mid - flow.page.mm(15), mid + flow.page.mm(15),
                      spans[-1][2] + flow.page.pt(st.body) // 3, st.body + 0.5)
    flow.skip_pt(8)


def signer(flow: Flow, st: Style, rng_seed: int, titles: list[str], name: str, *,
           note: str | None = None, seal: bool = False, sig: bool = True,
           gap_mm: float | None = None) -> None:
    """One signature block: titles, space with signature (and seal), the signer's name.

    The space is a whole number of line pitches so that a block beside it stays staggered."""
    page = flow.page
    pitch = flow.pitch or page.pt(st.body) * 1.3
    for t in titles:
        flow.para(t, st.body, style="b", align="center", pitch=pitch)
    if note:
        flow.para(note, st.body - 1.5, style="i", align="center", pitch=pitch)
    rng = random.Random(rng_seed)
    radius = page.mm(rng.uniform(14.0, 16.0))
    need = 2 * radius + page.mm(4) if seal else page.mm(rng.uniform(22.0, 28.0))
    if gap_mm is not None:
        need = page.mm(gap_mm)
    need = max(need, flow.min_gap)
    gap = round(-(-need // pitch) * pitch)
    top = round(flow.y)
    flow.gap_at = (len(flow.lines), top)
    cx = (flow.x0 + flow.x1) // 2
    if sig:
        sw, sh = page.mm(rng.uniform(30, 42)), page.mm(rng.uniform(12, 16))
        sx = cx - sw // 2 + page.mm(rng.uniform(-4, 6))
        sy = top + (gap - sh) // 2 + page.mm(rng.uniform(-2, 2))
        ink = (28, 46, 140) if rng.random() < 0.75 else (25, 25, 30)
        page.ops.append(signature_op(sx, sy, sw, sh, max(2, page.mm(0.35)), rng.getrandbits(32),
                                     ink))
    if seal:
        scx = cx - page.mm(rng.uniform(10, 16))
        page.ops.append(seal_op(scx, top + gap // 2, radius, rng.getrandbits(32)))
    flow.y = flow.y + gap
    flow.para(name, st.body, style="b", align="center", pitch=pitch)


def signature_row(flow: Flow, st: Style, right: Callable[[Flow], None],
                  left: Callable[[Flow], None] | None = None, *, left_lines: int = 0,
                  split: float = 0.45) -> None:
    """The bottom row: a signer block ``right`` and optionally a ``left`` block of
    ``left_lines`` plain lines (the recipients list).

    As in real letters (Decree 30/2020), the left block starts level with the signer's
    title, half a line lower, and the two are side-by-side columns: the whole left block
    reads first. (The pipeline's layout stage splits lines an OCR engine merges across
    the gap.) Two signers side by side are still avoided; stack them."""
    page = flow.page
    pitch = page.pt(st.body) * 1.3
    cut = flow.x0 + round(flow.width * split)
    rflow = flow.child(cut, flow.x1 + page.mm(5))
    rflow.pitch = pitch
    if left is None:
        right(rflow)
        flow.merge(rflow)
        return
    lflow = flow.child(flow.x0 - page.mm(5), cut - page.mm(14))
    lflow.pitch = pitch
    right(rflow)
    lflow.y = flow.y + round(pitch * 0.5)  # level with the signer's title (Decree 30/2020)
    left(lflow)
    flow.merge(lflow, rflow)  # side by side: the whole left block reads first


def recipients(lines: list[str], st: Style) -> Callable[[Flow], None]:
    """The "Nơi nhận:" list of an official letter (1 + len(lines) lines)."""

    def draw(f: Flow) -> None:
        f.para("Nơi nhận:", st.body - 1, style="bi")
        for line in lines:
            f.para(line, st.body - 2)

    return draw


def fit(lay: Callable[[int], tuple[Page, Flow]], most: int, st: Style) -> tuple[Page, Flow]:
    """Lay the page out with ``most`` optional items, dropping them until it fits; then
    tighten the line spacing and the body size (``st`` is shared with ``lay``)."""
    page, flow = lay(most)
    k = most
    while flow.y > page.h - page.mm(12):
        if k > 0:
            k -= 1
        elif st.spacing > 1.12:
            st.spacing = max(1.1, st.spacing - 0.06)
        elif st.body > 11.5:
            st.body -= 0.5
        else:
            break
        page, flow = lay(k)
    return page, flow


def new_page(st: Style, dpi: int, paper: tuple[int, int, int] = (255, 255, 255),
             ink: tuple[int, int, int] | None = None) -> tuple[Page, Flow]:
    page = Page(dpi, st.family, paper=paper, ink=ink or (22, 22, 26))
    flow = page.flow(st.left, 210 - st.right, st.top)
    return page, flow


def _born_adult(rng: random.Random, at: date, lo: int = 18, hi: int = 70) -> date:
    return random_date(rng, add_years(at, -hi), add_years(at, -lo))


Rendered = tuple[Page, list[str], dict[str, str]]


# -- giấy khai sinh --------------------------------------------------------------------------------


def _khai_sinh(rng: random.Random, dpi: int) -> Rendered:
    st = Style.draw(rng)
    reg = random_place(rng, detail=False)
    issuer = commune_issuer(reg)
    if rng.random() < 0.6:
        born = random_date(rng, date(2000, 1, 1), LATEST - timedelta(days=70))
    else:
        born = random_date(rng, date(1960, 1, 1), date(1999, 12, 31))
    child = random_person(rng, born=born, province=reg.province)
    father = random_person(rng, male=True, family=child.family, ethnicity=child.ethnicity,
                           born_between=(add_years(born, -45), add_years(born, -20)),
                           province=child.origin.province)
    mother = random_person(rng, male=False, residence=father.residence,
                           ethnicity=child.ethnicity if rng.random() < 0.85 else None,
                           born_between=(add_years(born, -40), add_years(born, -18)))
    reg_date = born + timedelta(days=rng.randint(3, 58))
    number = f"{rng.randint(1, 480)}/{reg_date.year}"
    where = rng.choice((
        f"Trạm Y tế {reg.commune[0].lower()}{reg.commune[1:]}, {reg.district}, "
        f"{province_long(reg.province)}",
        f"Bệnh viện Đa khoa {province_long(reg.province)[0].lower()}"
        f"{province_long(reg.province)[1:]}",
        f"Trung tâm Y tế {reg.district[0].lower()}{reg.district[1:]}, "
        f"{province_long(reg.province)}",
    ))
    que_quan = child.origin.full()
    declarant = father if rng.random() < 0.6 else mother
    with_father = rng.random() < 0.92
    sig_seed = rng.getrandbits(32)
    seal = rng.random() < 0.85
    official = random_person(rng)
    title = rng.choice((["PHÓ CHỦ TỊCH"], ["CHỦ TỊCH"], ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]))

    def lay(k: int) -> tuple[Page, Flow]:
        page, flow = new_page(st, dpi)
        national_header(flow, st, issuer, number=f"Số: {number}")
        title_block(flow, st, ["GIẤY KHAI SINH"])
        s = st.body
        para = {"size": s, "spacing": st.spacing, "after_pt": 2}
        flow.para(kv("Họ, chữ đệm, tên", child.name_upper, "b"), **para)
        flow.para(kv("Ngày, tháng, năm sinh", dmy(born)) + [
            ("\tghi bằng chữ: " + vocab.date_words(born.day, born.month, born.year), "r")], **para)
        flow.para(kv("Giới tính", child.sex) + [("\t", "r")] + kv("Dân tộc", child.ethnicity)
                  + [("\t", "r")] + kv("Quốc tịch", child.nationality), **para)
        flow.para(kv("Nơi sinh", where), **para)
        flow.para(kv("Quê quán", que_quan), **para)
        flow.para(kv("Số định danh cá nhân", child.pid, "b"), **para)
        flow.skip_pt(4)
        for role, p in (("mẹ", mother), ("cha", father)):
            if role == "cha" and not with_father:
                continue
            flow.para(kv(f"Họ, chữ đệm, tên người {role}", p.name_upper, "b"), **para)
            flow.para(kv("Năm sinh", str(p.born.year)) + [("\t", "r")]
                      + kv("Dân tộc", p.ethnicity) + [("\t", "r")]
                      + kv("Quốc tịch", p.nationality), **para)
            flow.para(kv("Nơi cư trú", p.residence.full()), **para)
            flow.skip_pt(4)
        if k >= 1:
            flow.para(kv("Họ, chữ đệm, tên người đi khai sinh", declarant.name), **para)
        flow.para(kv("Nơi đăng ký khai sinh", issuer.name + ", " + reg.district + ", "
                     + province_long(reg.province)), **para)
        flow.para(kv("Ngày, tháng, năm đăng ký", dmy(reg_date)), **para)
        flow.skip_pt(10)
        signature_row(flow, st, right=lambda f: signer(
            f, st, sig_seed, ["NGƯỜI KÝ GIẤY KHAI SINH", *title], official.name, seal=seal))
        return page, flow

    page, flow = fit(lay, 1, st)
    fields = {
        "ho_ten": child.name, "ngay_sinh": born.isoformat(), "gioi_tinh": child.sex,
        "dan_toc": child.ethnicity, "quoc_tich": child.nationality, "que_quan": que_quan,
        "so_dinh_danh": child.pid, "ho_ten_me": mother.name, "so": number,
        "ngay_dang_ky": reg_date.isoformat(), "co_quan_ban_hanh": issuer.name,
    }
    if with_father:
        fields["ho_ten_cha"] = father.name
    return page, flow.lines, fields


# -- giấy chứng nhận kết hôn -----------------------------------------------------------------------


def _ket_hon(rng: random.Random, dpi: int) -> Rendered:
    st = Style.draw(rng)
    reg = random_place(rng, detail=False)
    issuer = commune_issuer(reg)
    reg_date = random_date(rng, date(2012, 1, 1), LATEST)
    home = random_place(rng, reg.province)
    wife = random_person(rng, male=False, born=_born_adult(rng, reg_date, 18, 40), residence=home)
    husband = random_person(rng, male=True, born=_born_adult(rng, reg_date, 20, 45))
    number = f"{rng.randint(1, 160)}/{reg_date.year}"
    seed = rng.getrandbits(32)
    seal = rng.random() < 0.85
    official = random_person(rng)
    title = rng.choice((["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
                        ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]))

    def lay(k: int) -> tuple[Page, Flow]:
        page, flow = new_page(st, dpi)
        national_header(flow, st, issuer, number=f"Số: {number}")
        title_block(flow, st, ["GIẤY CHỨNG NHẬN KẾT HÔN"])
        para = {"size": st.body, "spacing": st.spacing, "after_pt": 2}
        for role, p in (("vợ", wife), ("chồng", husband)):
            flow.para(kv(f"Họ, chữ đệm, tên {role}", p.name_upper, "b"), **para)
            flow.para(kv("Ngày, tháng, năm sinh", dmy(p.born)), **para)
            flow.para(kv("Dân tộc", p.ethnicity) + [("\t", "r")]
                      + kv("Quốc tịch", p.nationality), **para)
            flow.para(kv("Nơi cư trú", p.residence.full()), **para)
            flow.para(kv("Số định danh cá nhân", p.pid), **para)
            flow.skip_pt(6)
        flow.para(kv("Nơi đăng ký kết hôn", f"{issuer.name}, {reg.district}, "
                     f"{province_long(reg.province)}"), **para)
        flow.para(kv("Ngày, tháng, năm đăng ký", dmy(reg_date)), **para)
        flow.skip_pt(8)
        signature_row(flow, st, right=lambda f: signer(f, st, seed, title, official.name,
                                                       seal=seal))
        return page, flow

    page, flow = fit(lay, 1, st)
    fields = {
        "ho_ten_vo": wife.name, "ho_ten_chong": husband.name,
        "so_dinh_danh_vo": wife.pid, "so_dinh_danh_chong": husband.pid,
        "so": number, "ngay_dang_ky": reg_date.isoformat(), "co_quan_ban_hanh": issuer.name,
    }
    return page, flow.lines, fields


# -- giấy xác nhận tình trạng hôn nhân -------------------------------------------------------------


def _xac_nhan_hon_nhan(rng: random.Random, dpi: int) -> Rendered:
    st = Style.draw(rng)
    home = random_place(rng)
    issuer = commune_issuer(home)
    issued = random_date(rng, date(2016, 1, 1), LATEST)
    person = random_person(rng, born=_born_adult(rng, issued, 18, 55), residence=home,
                           province=home.province if rng.random() < 0.7 else None)
    number = f"{rng.randint(1, 300)}/XNTTHN"
    spouse = random_person(rng, male=not person.male, born=_born_adult(rng, issued, 18, 50))
    status = rng.choice(vocab.MARITAL_STATUS).format(
        n=rng.randint(10, 250), year=issued.year - rng.randint(1, 6),
        district=home.district[0].lower() + home.district[1:])
    purpose = rng.choice(vocab.PURPOSES).format(
        spouse_title="anh" if spouse.male else "chị", spouse=spouse.name,
        spouse_year=spouse.born.year)
    seed = rng.getrandbits(32)
    seal = rng.random() < 0.85
    official = random_person(rng)
    title = rng.choice((["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
                        ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]))
    stay = random_date(rng, add_years(person.born, 18), issued - timedelta(days=30))

    def lay(k: int) -> tuple[Page, Flow]:
        page, flow = new_page(st, dpi)
        national_header(flow, st, issuer, number=f"Số: {number}",
                        date_line=f"{issuer.town}, {long_date(issued)}")
        title_block(flow, st, ["GIẤY XÁC NHẬN", "TÌNH TRẠNG HÔN NHÂN"])
        para = {"size": st.body, "spacing": st.spacing, "after_pt": 3}
        flow.para(f"{upper(issuer.name)}", st.body, style="b", align="center",
                  spacing=st.spacing, after_pt=4)
        if k >= 2:
            flow.para(f"Xét đề nghị của {person.title.lower()} {person.name} về việc cấp Giấy "
                      f"xác nhận tình trạng hôn nhân,", st.body, align="justify",
                      first_indent_mm=st.indent, spacing=st.spacing, after_pt=3)
        flow.para("XÁC NHẬN:", st.body, style="b", align="center", spacing=st.spacing,
                  after_pt=3)
        flow.para(kv("Họ, chữ đệm, tên", person.name_upper, "b"), **para)
        flow.para(kv("Ngày, tháng, năm sinh", dmy(person.born)), **para)
        flow.para(kv("Giới tính", person.sex) + [("\t", "r")] + kv("Dân tộc", person.ethnicity)
                  + [("\t", "r")] + kv("Quốc tịch", person.nationality), **para)
        flow.para(kv("Số định danh cá nhân", person.pid), **para)
        flow.para(kv("Nơi cư trú", home.full()), **para)
        if k >= 1:
            flow.para(f"Trong thời gian cư trú tại {home.full(lower_units=True, detail=False)} "
                      f"từ ngày {dmy(stay)} đến ngày "
                      f"{dmy(issued)}.", st.body, align="justify", spacing=st.spacing,
                      after_pt=3)
        flow.para(kv("Tình trạng hôn nhân", status), **para)
        flow.para(kv("Giấy này được cấp để", purpose), **para)
        flow.para("Giấy này có giá trị sử dụng trong thời hạn 6 tháng, kể từ ngày cấp.",
                  st.body, style="i", spacing=st.spacing, after_pt=3)
        flow.skip_pt(8)
        signature_row(flow, st, right=lambda f: signer(f, st, seed, title, official.name,
                                                       seal=seal))
        return page, flow

    page, flow = fit(lay, 2, st)
    fields = {
        "ho_ten": person.name, "ngay_sinh": person.born.isoformat(), "gioi_tinh": person.sex,
        "dan_toc": person.ethnicity, "quoc_tich": person.nationality,
        "so_dinh_danh": person.pid, "noi_cu_tru": home.full(), "so": number,
        "ngay_cap": issued.isoformat(), "co_quan_ban_hanh": issuer.name,
    }
    return page, flow.lines, fields


# -- tờ khai ---------------------------------------------------------------------------------


def _id_paper(p: Person, issued: date) -> str:
    if issued >= date(2024, 7, 1):
        return f"Thẻ căn cước số {p.pid}, cấp ngày {dmy(issued)}, nơi cấp: Bộ Công an"
    return (f"Căn cước công dân số {p.pid}, cấp ngày {dmy(issued)}, nơi cấp: Cục Cảnh sát "
            f"quản lý hành chính về trật tự xã hội")


def _to_khai(rng: random.Random, dpi: int) -> Rendered:
    st = Style.draw(rng)
    home = random_place(rng)
    issuer = commune_issuer(home)
    made = random_date(rng, date(2021, 7, 1), LATEST)
    kind = rng.choice(("khai_sinh", "ket_hon", "xac_nhan"))
    seed = rng.getrandbits(32)
    addressee = f"Kính gửi: {issuer.name}, {home.district[0].lower()}{home.district[1:]}, " \
                f"{province_long(home.province)[0].lower()}{province_long(home.province)[1:]}"
    para_kw = {"size": st.body, "spacing": st.spacing, "after_pt": 2}
    fields: dict[str, str] = {}
    blocks: list[Callable[[Flow, int], None]] = []

    def card_issued(p: Person) -> date:
        lo = max(add_years(p.born, 14), date(2021, 1, 1))
        return random_date(rng, lo, made) if lo < made else made

    def requester_lines(f: Flow, req: Person, relation: str | None, issued: date) -> None:
        f.para(kv("Họ, chữ đệm, tên người yêu cầu", req.name_upper, "b"), **para_kw)
        f.para(kv("Nơi cư trú", req.residence.full()), **para_kw)
        f.para(kv("Giấy tờ tùy thân", _id_paper(req, issued)), **para_kw)
        if relation:
            f.para(kv("Quan hệ với người được khai sinh", relation), **para_kw)

    if kind == "khai_sinh":
        title = ["TỜ KHAI ĐĂNG KÝ KHAI SINH"]
        born = random_date(rng, made - timedelta(days=60), made - timedelta(days=2))
        req = random_person(rng, born=_born_adult(rng, made, 20, 40), residence=home)
        other = random_person(rng, male=not req.male, born=_born_adult(rng, made, 20, 42),
                              residence=home,
                              ethnicity=req.ethnicity if rng.random() < 0.85 else None)
        father, mother = (req, other) if req.male else (other, req)
        child = random_person(rng, born=born, family=father.family, residence=home,
                              province=home.province, ethnicity=father.ethnicity)
        issued = card_issued(req)
        where = f"Trạm Y tế {issuer.unit}, {home.district}, {province_long(home.province)}"

        def body(f: Flow, k: int) -> None:
            requester_lines(f, req, "Cha" if req.male else "Mẹ", issued)
            f.para("Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:", st.body, style="b",
                   spacing=st.spacing, after_pt=3)
            f.para(kv("Họ, chữ đệm, tên", child.name_upper, "b"), **para_kw)
            f.para(kv("Ngày, tháng, năm sinh", dmy(born)) + [
                ("\tghi bằng chữ: " + vocab.date_words(born.day, born.month, born.year), "r")],
                **para_kw)
            f.para(kv("Giới tính", child.sex) + [("\t", "r")] + kv("Dân tộc", child.ethnicity)
                   + [("\t", "r")] + kv("Quốc tịch", child.nationality), **para_kw)
            f.para(kv("Nơi sinh", where), **para_kw)
            f.para(kv("Quê quán", child.origin.full()), **para_kw)
            f.para(kv("Họ, chữ đệm, tên người mẹ", mother.name_upper), **para_kw)
            if k >= 1:
                f.para(kv("Năm sinh", str(mother.born.year)) + [("\t", "r")]
                       + kv("Dân tộc", mother.ethnicity) + [("\t", "r")]
                       + kv("Quốc tịch", mother.nationality), **para_kw)
            f.para(kv("Họ, chữ đệm, tên người cha", father.name_upper), **para_kw)
            if k >= 1:
                f.para(kv("Năm sinh", str(father.born.year)) + [("\t", "r")]
                       + kv("Dân tộc", father.ethnicity) + [("\t", "r")]
                       + kv("Quốc tịch", father.nationality), **para_kw)

        blocks.append(body)
        fields.update({
            "ho_ten_nguoi_yeu_cau": req.name, "so_dinh_danh_nguoi_yeu_cau": req.pid,
            "noi_cu_tru": home.full(), "ho_ten": child.name, "ngay_sinh": born.isoformat(),
            "gioi_tinh": child.sex, "dan_toc": child.ethnicity, "quoc_tich": child.nationality,
            "que_quan": child.origin.full(), "ho_ten_me": mother.name,
            "ho_ten_cha": father.name,
        })
        signer_name = req.name
    elif kind == "ket_hon":
        title = ["TỜ KHAI ĐĂNG KÝ KẾT HÔN"]
        wife = random_person(rng, male=False, born=_born_adult(rng, made, 19, 40), residence=home)
        husband = random_person(rng, male=True, born=_born_adult(rng, made, 21, 45))
        issued_w, issued_h = card_issued(wife), card_issued(husband)

        def body(f: Flow, k: int) -> None:
            for label, p, issued in (("BÊN NỮ", wife, issued_w), ("BÊN NAM", husband, issued_h)):
                f.para(f"Thông tin {label.lower()}:", st.body, style="bi", spacing=st.spacing,
                       after_pt=2)
                f.para(kv("Họ, chữ đệm, tên", p.name_upper, "b"), **para_kw)
                f.para(kv("Ngày, tháng, năm sinh", dmy(p.born)), **para_kw)
                f.para(kv("Dân tộc", p.ethnicity) + [("\t", "r")]
                       + kv("Quốc tịch", p.nationality), **para_kw)
                f.para(kv("Nơi cư trú", p.residence.full()), **para_kw)
                f.para(kv("Giấy tờ tùy thân", _id_paper(p, issued)), **para_kw)
                if k >= 1:
                    f.para(kv("Kết hôn lần thứ mấy", "Lần thứ nhất"), **para_kw)
                f.skip_pt(4)
            f.para("Chúng tôi cam đoan những lời khai trên đây là đúng sự thật, việc kết hôn của "
                   "chúng tôi là tự nguyện, không vi phạm quy định của Luật Hôn nhân và gia đình "
                   "Việt Nam.", st.body, align="justify", first_indent_mm=st.indent,
                   spacing=st.spacing, after_pt=2)

        blocks.append(body)
        fields.update({
            "ho_ten_vo": wife.name, "ho_ten_chong": husband.name,
            "so_dinh_danh_vo": wife.pid, "so_dinh_danh_chong": husband.pid,
        })
        signer_name = ""
    else:
        title = ["TỜ KHAI CẤP GIẤY XÁC NHẬN", "TÌNH TRẠNG HÔN NHÂN"]
        req = random_person(rng, born=_born_adult(rng, made, 18, 60), residence=home)
        issued = card_issued(req)
        status = "Chưa đăng ký kết hôn với ai" if rng.random() < 0.7 else \
            "Đã ly hôn, hiện tại chưa đăng ký kết hôn với ai"
        purpose = rng.choice(vocab.PURPOSES[1:])

        def body(f: Flow, k: int) -> None:
            requester_lines(f, req, None, issued)
            if k >= 1:
                f.para(kv("Quan hệ với người được cấp Giấy xác nhận tình trạng hôn nhân",
                          "Bản thân"), **para_kw)
            f.para("Đề nghị cấp Giấy xác nhận tình trạng hôn nhân cho người có tên dưới đây:",
                   st.body, style="b", spacing=st.spacing, after_pt=3)
            f.para(kv("Họ, chữ đệm, tên", req.name_upper, "b"), **para_kw)
            f.para(kv("Ngày, tháng, năm sinh", dmy(req.born)), **para_kw)
            f.para(kv("Giới tính", req.sex) + [("\t", "r")] + kv("Dân tộc", req.ethnicity)
                   + [("\t", "r")] + kv("Quốc tịch", req.nationality), **para_kw)
            f.para(kv("Số định danh cá nhân", req.pid), **para_kw)
            f.para(kv("Tình trạng hôn nhân", status), **para_kw)
            f.para(kv("Mục đích sử dụng Giấy xác nhận tình trạng hôn nhân", purpose), **para_kw)

        blocks.append(body)
        fields.update({
            "ho_ten_nguoi_yeu_cau": req.name, "so_dinh_danh_nguoi_yeu_cau": req.pid,
            "noi_cu_tru": home.full(), "ho_ten": req.name, "ngay_sinh": req.born.isoformat(),
            "gioi_tinh": req.sex, "dan_toc": req.ethnicity, "quoc_tich": req.nationality,
            "so_dinh_danh": req.pid,
        })
        signer_name = req.name

    pledge = ("Tôi cam đoan nội dung đề nghị trên đây là đúng sự thật và chịu hoàn toàn trách "
              "nhiệm trước pháp luật về cam đoan của mình.")

    def lay(k: int) -> tuple[Page, Flow]:
        page, flow = new_page(st, dpi)
        national_header(flow, st, None)
        flow.skip_pt(14)
        title_block(flow, st, title)
        flow.para(addressee, st.body, align="center", spacing=st.spacing, after_pt=8,
                  max_width=page.mm(150))
        for b in blocks:
            b(flow, k)
        if signer_name:
            flow.para(pledge, st.body, align="justify", first_indent_mm=st.indent,
                      spacing=st.spacing, after_pt=4)
        made_line = f"Làm tại: {issuer.town}, {long_date(made)}"
        flow.para(made_line, st.body, style="i", align="right", spacing=1.3)
        if signer_name:
            flow.skip_pt(4)
            signature_row(flow, st, right=lambda f: signer(f, st, seed, ["Người yêu cầu"],
                                                           signer_name, note=SIGN_NOTE))
        else:
            for i, (who, key) in enumerate((("Bên nữ", "ho_ten_vo"),
                                            ("Bên nam", "ho_ten_chong"))):
                flow.skip_pt(6 if i == 0 else 12)
                signature_row(flow, st, right=lambda f, w=who, n=fields[key], i=i: signer(
                    f, st, seed + i, [w], n, note=SIGN_NOTE, gap_mm=18.0))
        return page, flow

    page, flow = fit(lay, 1, st)
    return page, flow.lines, fields


# -- giấy chứng nhận quyền sử dụng đất -------------------------------------------------------------


def _qsdd(rng: random.Random, dpi: int) -> Rendered:
    st = Style.draw(rng)
    land = random_place(rng)
    issued = random_date(rng, date(2010, 1, 1), LATEST)
    by_department = rng.random() < 0.35
    if by_department:
        prov = province_long(land.province)
        issuer = Issuer(
            lines=[], name=f"Sở Tài nguyên và Môi trường {prov[0].lower()}{prov[1:]}",
            town=land.province_name, chief=("GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
            body="SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", code="STNMT", unit="", level="so")
        signer_titles = ["SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", upper(prov)] + rng.choice(
            (["GIÁM ĐỐC"], ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]))
    else:
        issuer = district_issuer(land)
        # the issuing body is printed in the signature block, the unit on a line of its own
        signer_titles = rng.choice((["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
                                    ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]))
        signer_titles.insert(1, upper(land.district))
    owner = random_person(rng, born=_born_adult(rng, issued, 25, 70), residence=land)
    spouse = random_person(rng, male=not owner.male, born=_born_adult(rng, issued, 23, 68),
                           residence=land) if rng.random() < 0.6 else None
    letters = rng.choice(("AA", "AB", "AC", "BA", "BB", "BK", "CA", "CB", "CD", "CE", "CH", "CK",
                          "DA", "DB", "DC"))
    serial = f"{letters} {rng.randrange(10**8):08d}"
    book = f"{rng.choice(('CS', 'CH', 'CT', 'VP'))} {rng.randint(1, 99999):05d}"
    parcel = str(rng.randint(1, 1200))
    sheet = str(rng.randint(1, 85))
    area_int = rng.choice((rng.randint(60, 400), rng.randint(400, 3000)))
    area_dec = rng.choice((0, 0, 5, 2, 8))
    area = f"{area_int},{area_dec}" if area_dec else str(area_int)
    area_words = vocab.number_words(area_int)
    if area_dec:
        area_words += f" phẩy {vocab.number_words(area_dec)}"
    area_words = area_words[0].upper() + area_words[1:] + " mét vuông"
    purpose = rng.choice(vocab.LAND_PURPOSES)
    origin = rng.choice(vocab.LAND_ORIGINS)
    term = "Lâu dài" if purpose.startswith("Đất ở") else f"Đến ngày {dmy(add_years(issued, 50))}"
    seed = rng.getrandbits(32)
    official = random_person(rng)
    pink = (252, rng.randint(232, 240), rng.randint(232, 240))
    red = (rng.randint(185, 210), 30, 40)

    def person_line(p: Person) -> list[tuple[str, str]]:
        return [(f"{p.title}: ", "r"), (p.name_upper, "b"),
                (f", sinh năm {p.born.year}, CCCD số: {p.pid}", "r")]

    def lay(k: int) -> tuple[Page, Flow]:
        page, flow = new_page(st, dpi, paper=pink)
        frame = page.mm(9)
        page.ops.append(guilloche_op((frame, frame, page.w - frame, page.h - frame),
                                     (pink[0] - 10, pink[1] - 14, pink[2] - 10), seed,
                                     page.mm(2.2)))
        page.ops.append(box_op((frame, frame, page.w - frame, page.h - frame), fill=None,
                               outline=red, width=page.mm(0.9)))
        inner = frame + page.mm(1.8)
        page.ops.append(box_op((inner, inner, page.w - inner, page.h - inner), fill=None,
                               outline=red, width=max(1, page.mm(0.3))))
        flow.skip_mm(6)
        national_header(flow, st, None)
        flow.skip_pt(12)
        for line in ("GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT",
                     "QUYỀN SỞ HỮU NHÀ Ở VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT"):
            flow.para(line, st.title + (2 if line == "GIẤY CHỨNG NHẬN" else 0), style="b",
                      align="center", color=red, spacing=1.3, max_width=page.mm(160))
        flow.skip_pt(12)
        para = {"size": st.body, "spacing": st.spacing, "after_pt": 3}
        flow.para("I. Người sử dụng đất, chủ sở hữu nhà ở và tài sản khác gắn liền với đất",
                  st.body, style="b", spacing=st.spacing, after_pt=4)
        flow.para(person_line(owner), **para)
        if spouse:
            flow.para(person_line(spouse), **para)
        flow.para(kv("Địa chỉ thường trú", land.full()), **para)
        flow.skip_pt(6)
        flow.para("II. Thửa đất, nhà ở và tài sản khác gắn liền với đất", st.body, style="b",
                  spacing=st.spacing, after_pt=4)
        flow.para("1. Thửa đất:", st.body, style="bi", spacing=st.spacing, after_pt=2)
        flow.para(f"a) Thửa đất số: {parcel},\ttờ bản đồ số: {sheet};", **para)
        flow.para(f"b) Địa chỉ: {land.full(detail=False)};", **para)
        flow.para(f"c) Diện tích: {area} m², (bằng chữ: {area_words});", **para)
        flow.para("d) Hình thức sử dụng: Sử dụng riêng;", **para)
        flow.para(f"đ) Mục đích sử dụng: {purpose};", **para)
        flow.para(f"e) Thời hạn sử dụng: {term};", **para)
        if k >= 1:
            flow.para(f"g) Nguồn gốc sử dụng: {origin}.", **para)
        flow.para("2. Nhà ở: -/-", **para)
        if k >= 2:
            flow.para("3. Ghi chú: -/-", **para)
        flow.skip_pt(8)
        date_line = f"{issuer.town}, {long_date(issued)}"
        signature_row(flow, st, right=lambda f: (
            f.para(date_line, st.body, style="i", align="center", spacing=1.3),
            signer(f, st, seed, signer_titles, official.name, seal=True)))
        flow.skip_pt(6)
        flow.para(serial, st.body + 1, style="b", color=red, spacing=1.3)
        flow.para(f"Số vào sổ cấp GCN: {book}", st.body, spacing=1.3)
        return page, flow

    page, flow = fit(lay, 2, st)
    fields = {
        "ho_ten": owner.name, "so_dinh_danh": owner.pid, "noi_thuong_tru": land.full(),
        "so_phat_hanh": serial, "so_vao_so": book, "thua_dat_so": parcel, "to_ban_do_so": sheet,
        "ngay_cap": issued.isoformat(), "co_quan_ban_hanh": issuer.name,
    }
    return page, flow.lines, fields


# -- văn bản hành chính -----------------------------------------------------------------------


def _van_ban(rng: random.Random, dpi: int) -> Rendered:
    st = Style.draw(rng)
    place = random_place(rng, detail=False)
    level = rng.choice(("xa", "huyen", "huyen", "so"))
    if level == "xa":
        issuer = commune_issuer(place)
    elif level == "huyen":
        issuer = district_issuer(place)
    else:
        issuer = department_issuer(rng, place.province)
    issued = random_date(rng, date(2019, 1, 1), LATEST)
    decision = rng.random() < 0.5
    topic = rng.choice(vocab.TOPICS)
    deadline = issued + timedelta(days=rng.randint(15, 60))
    slots = {
        "org": issuer.name, "unit": issuer.unit, "year": issued.year, "pct": rng.randint(35, 92),
        "pct2": rng.randint(10, 60), "n": rng.randint(7, 60), "day": f"{deadline.day:02d}",
        "month": str(deadline.month),
    }

    def fmt(text: object) -> str:
        return nfc(str(text).format(**slots))

    seed = rng.getrandbits(32)
    seal = rng.random() < 0.85
    official = random_person(rng)
    number_n = rng.randint(1, 2400)
    body_size = st.body + rng.choice((0.0, 0.5, 1.0))
    if issuer.level == "so":
        chief_titles = rng.choice(([issuer.chief[0]], ["KT. GIÁM ĐỐC", issuer.chief[1]]))
    else:
        chief_titles = rng.choice((["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
                                   ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
                                   ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]))
    date_line = f"{issuer.town}, {long_date(issued)}"
    # an official letter's issuer as printed (upper case, lines joined); a department's
    # province line above it is its parent body (shared/realdev conventions)
    printed = [text for text, _ in issuer.lines]
    fields: dict[str, str] = {"ngay_ban_hanh": issued.isoformat(),
                              "co_quan_ban_hanh": " ".join(printed)}
    if issuer.level == "so":
        fields.update({"co_quan_chu_quan": printed[0], "co_quan_ban_hanh": printed[1]})
    fields["loai_van_ban"] = "QUYẾT ĐỊNH" if decision else "công văn"
    if decision:
        symbol = f"{number_n}/QĐ-{issuer.code}"
        subject = fmt(topic["decision"])
        bases = rng.sample(vocab.LEGAL_BASES, rng.randint(2, 4))
        bases.sort(key=vocab.LEGAL_BASES.index)
        proposer = rng.choice(("Trưởng phòng Tư pháp", "Trưởng phòng Nội vụ",
                               "Chánh Văn phòng", "Trưởng phòng Tài chính - Kế hoạch"))
        if issuer.level == "xa":
            proposer = rng.choice(("công chức Văn phòng - Thống kê", "công chức Tư pháp - Hộ tịch"))
        bases.append(f"Theo đề nghị của {proposer}.")
        articles = [
            ("Điều 1. ", fmt(topic["article"])),
            ("Điều 2. ", "Quyết định này có hiệu lực kể từ ngày ký."),
            ("Điều 3. ", fmt(
                "Chánh Văn phòng, Thủ trưởng các cơ quan, đơn vị có liên quan và các cá nhân có "
                "tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.")),
        ]
        authority = upper(f"{issuer.chief[0]} {issuer.name}") if issuer.level != "so" else \
            upper(f"Giám đốc {issuer.name}")
        recips = ["- Như Điều 3;", "- Lưu: VT."]
        if issuer.level != "xa":
            recips.insert(1, "- UBND tỉnh (để b/c);")
        fields.update({"so_ky_hieu": symbol, "trich_yeu": subject})

        def lay(k: int) -> tuple[Page, Flow]:
            page, flow = new_page(st, dpi)
            national_header(flow, st, issuer, number=f"Số: {symbol}", date_line=date_line)
            flow.skip_pt(6)
            title_block(flow, st, ["QUYẾT ĐỊNH"], sub=subject, rule=True)
            flow.para(authority, body_size, style="b", align="center", spacing=st.spacing,
                      after_pt=6, max_width=page.mm(150))
            for b in bases[len(bases) - 1 - min(k, len(bases) - 1):]:
                flow.para(b, body_size, style="i", align="justify", first_indent_mm=st.indent,
                          spacing=st.spacing, after_pt=4)
            flow.para("QUYẾT ĐỊNH:", body_size, style="b", align="center", spacing=st.spacing,
                      after_pt=6)
            for head, text in articles:
                flow.para([(head, "b"), (text, "r")], body_size, align="justify",
                          first_indent_mm=st.indent, spacing=st.spacing, after_pt=4)
            flow.skip_pt(6)
            signature_row(flow, st, left=recipients(recips, st), left_lines=len(recips) + 1,
                          right=lambda f: signer(f, st, seed, chief_titles, official.name,
                                                 seal=seal))
            return page, flow

        page, flow = fit(lay, len(bases) - 1, st)
    else:
        suffix = {"UBND": ("VP", "TP", "NV", "VX", "KT"), "STP": ("VP", "HCTP", "BTTP"),
                  "SNV": ("VP", "CCVC", "TĐKT"), "STNMT": ("VP", "QLĐĐ", "ĐĐBĐ")}[issuer.code]
        if issuer.level == "xa":
            suffix = ("VP", "TP")
        symbol = f"{number_n}/{issuer.code}-{rng.choice(suffix)}"
        subject = fmt(topic["letter"])
        body = [fmt(s) for s in topic["body"]]  # type: ignore[union-attr]
        body = body[: rng.randint(2, min(6, len(body)))]
        closing = fmt(rng.choice(vocab.LETTER_CLOSINGS))
        if issuer.level == "xa":
            to = ["Các ban, ngành, đoàn thể xã;", "Trưởng các thôn, tổ dân phố."]
        elif issuer.level == "so":
            to = ["Ủy ban nhân dân các huyện, thị xã, thành phố;", "Các phòng, đơn vị thuộc Sở."]
        else:
            to = ["Các phòng, ban, ngành cấp huyện;", "Ủy ban nhân dân các xã, thị trấn."]
        recips = ["- Như trên;", "- Lưu: VT."]
        fields.update({"so_ky_hieu": symbol, "trich_yeu": subject})

        def lay(k: int) -> tuple[Page, Flow]:
            page, flow = new_page(st, dpi)
            national_header(flow, st, issuer, number=f"Số: {symbol}", subject=subject,
                            date_line=date_line)
            flow.skip_pt(10)
            kg = flow.child(flow.x0 + page.mm(20), flow.x1)
            kg.para([("Kính gửi: ", "r"), (f"- {to[0]}", "r")], body_size, spacing=st.spacing)
            pad = round(kg.text_width("Kính gửi: ", body_size))
            kg2 = kg.child(kg.x0 + pad, kg.x1)
            kg2.para(f"- {to[1]}", body_size, spacing=st.spacing)
            flow.merge(kg, kg2)
            flow.skip_pt(8)
            for text in body[: 2 + k]:
                flow.para(text, body_size, align="justify", first_indent_mm=st.indent,
                          spacing=st.spacing, after_pt=4)
            flow.para(closing, body_size, align="justify", first_indent_mm=st.indent,
                      spacing=st.spacing, after_pt=4)
            flow.skip_pt(6)
            signature_row(flow, st, left=recipients(recips, st), left_lines=len(recips) + 1,
                          right=lambda f: signer(f, st, seed, chief_titles, official.name,
                                                 seal=seal))
            return page, flow

        page, flow = fit(lay, max(0, len(body) - 2), st)
    return page, flow.lines, fields


# -- entry point -----------------------------------------------------------------------------------

Builder = Callable[[random.Random, int], Rendered]


def _builders() -> dict[str, Builder]:
    from .card import build_can_cuoc

    return {
        "can_cuoc": build_can_cuoc,
        "giay_khai_sinh": _khai_sinh,
        "to_khai": _to_khai,
        "giay_chung_nhan_ket_hon": _ket_hon,
        "giay_xac_nhan_tinh_trang_hon_nhan": _xac_nhan_hon_nhan,
        "giay_chung_nhan_qsdd": _qsdd,
        "van_ban_hanh_chinh": _van_ban,
    }


def _continuation(rng: random.Random, dpi: int, number: int = 2) -> Rendered:
    """Page ``number`` of a long letter: the page number at the top centre (Decree 30/2020),
    then body paragraphs; no header, no title — it only makes sense after page 1."""
    st = Style.draw(rng)
    topic = rng.choice(vocab.TOPICS)
    slots = {"org": "Ủy ban nhân dân", "unit": "địa bàn", "year": rng.randint(2019, 2025),
             "pct": rng.randint(35, 92), "pct2": rng.randint(10, 60), "n": rng.randint(7, 60),
             "day": f"{rng.randint(1, 28):02d}", "month": str(rng.randint(1, 12))}
    body = [nfc(str(t).format(**slots)) for t in topic["body"]]  # type: ignore[union-attr]
    closing = nfc(rng.choice(vocab.LETTER_CLOSINGS).format(**slots))

    def lay(k: int) -> tuple[Page, Flow]:
        page, flow = new_page(st, dpi)
        flow.para(str(number), st.body, align="center", spacing=1.3, after_pt=10)
        for text in body[: 2 + k]:
            flow.para(text, st.body, align="justify", first_indent_mm=st.indent,
                      spacing=st.spacing, after_pt=4)
        flow.para(closing, st.body, align="justify", first_indent_mm=st.indent,
                  spacing=st.spacing, after_pt=4)
        return page, flow

    page, flow = fit(lay, max(0, len(body) - 2), st)
    return page, flow.lines, {}


def render_continuation(rng: random.Random, *, dpi: int = 300,
                        number: int = 2) -> tuple[Image.Image, str]:
    """A clean continuation page (page ``number`` of a letter): (image, text)."""
    page, lines, _ = _continuation(rng, dpi, number)
    return page.render(), nfc("\n".join(" ".join(ln.split()) for ln in lines if ln.strip()))


def render_page(doc_type: str, rng: random.Random, *, dpi: int = 300,
                side: str = "both") -> tuple[Image.Image, str, dict[str, str]]:
    """A clean upright A4 page of ``doc_type`` at ``dpi``: (RGB image, ground-truth text,
    fields). The text is every drawn line in reading order, NFC, words single-spaced.
    ``side`` (ID cards only): "front" or "back" alone on the sheet."""
    builders = _builders()
    if doc_type not in builders:
        raise ValueError(f"unknown doc_type {doc_type!r}; expected one of {DOC_TYPES}")
    if doc_type == "can_cuoc":
        from .card import build_can_cuoc

        page, lines, fields = build_can_cuoc(rng, dpi, side)
    else:
        page, lines, fields = builders[doc_type](rng, dpi)
    text = nfc("\n".join(" ".join(line.split()) for line in lines if line.strip()))
    fields = {k: nfc(" ".join(v.split())) for k, v in fields.items()}
    return page.render(), text, fields


def issuer_and_motto(page, left, right, issuer, size: float) -> None:
    """The two header blocks of an official paper: the issuer's lines centred in ``left``
    with the short rule under them, the national motto in ``right`` with its rule; both
    columns then move on by 0.3 of their line pitch (``left.pitch``)."""
    spans: list[tuple[float, float, int]] = []
    for text, style in issuer.lines:
        spans = left.para(text, size, style=style, align="center")
    x0, x1, base = spans[-1]
    mid, half = (x0 + x1) / 2, max((x1 - x0) / 5, page.mm(8))
    left.rule(mid - half, mid + half, base, size, advance=False)
    right.para(MOTTO_1, size, style="b", align="center")
    spans = right.para(MOTTO_2, size, style="b", align="center")
    right.rule(spans[0][0], spans[0][1], spans[0][2], size, advance=False)
    for f in (left, right):
        f.y += round(left.pitch * 0.3)
