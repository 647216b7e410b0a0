"""The second page family of the scan generator: pages laid out and scanned unlike the first
family (:mod:`.documents`), so that a benchmark does not only measure what our own generator
taught the pipeline.

What differs from the first family:

- **fonts and sizes**: sans and serif families in equal shares (Liberation, DejaVu, Noto, their
  condensed and display cuts), body text from 10 pt (book pages) to 14 pt;
- **scans**: 100, 150, 200, 240 and 300 dpi; 1-bit (thresholded) pages, some carrying the
  72-dpi tag that PDF image extractors write; any quarter-turn, skew within ±6°;
- **prose**: typeset book and report pages (running head, chapter heading, justified
  paragraphs, page number) from :mod:`.prose`;
- **official letters with the header elsewhere**: "Số: …" on the right under the motto; a
  three-line "V/v" subject under the number; the issuer set close to the motto, level with
  it (no half-line stagger), so that an engine may merge the two blocks' lines.

Each page has its exact text truth (every drawn line, reading order: left header block, then
the right one, then the page top to bottom) and, for letters, the fields of the first family's
letters (``so_ky_hieu``, ``trich_yeu``, ``ngay_ban_hanh``, ``co_quan_ban_hanh``). A seed
always gives the same page. Run ``python -m tests.scangen OUT --family 2``.
"""

from __future__ import annotations

import io
import json
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from . import prose, vocab
from .degrade import degrade
from .documents import (
    MOTTO_1,
    Issuer,
    Style,
    commune_issuer,
    department_issuer,
    district_issuer,
    fit,
    issuer_and_motto,
    new_page,
    recipients,
    signature_row,
    signer,
)
from .layout import FAMILIES, Flow, Page, pick_weighted
from .people import LATEST, long_date, nfc, random_date, random_person, random_place
from .samples import Truth, sample_seeds

# Cuts of the installed families that the first family never uses (Debian fonts-dejavu-core
# and fonts-noto-core ship them); registered here so layout.get_font finds them.
FAMILIES.update({
    "DejaVu Sans": {
        "r": "dejavu/DejaVuSans.ttf", "b": "dejavu/DejaVuSans-Bold.ttf",
        "i": "dejavu/DejaVuSans-Oblique.ttf", "bi": "dejavu/DejaVuSans-BoldOblique.ttf",
    },
    "DejaVu Serif Condensed": {
        "r": "dejavu/DejaVuSerifCondensed.ttf", "b": "dejavu/DejaVuSerifCondensed-Bold.ttf",
        "i": "dejavu/DejaVuSerifCondensed-Italic.ttf",
        "bi": "dejavu/DejaVuSerifCondensed-BoldItalic.ttf",
    },
    "Noto Serif Display": {
        "r": "noto/NotoSerifDisplay-Regular.ttf", "b": "noto/NotoSerifDisplay-Bold.ttf",
        "i": "noto/NotoSerifDisplay-Italic.ttf", "bi": "noto/NotoSerifDisplay-BoldItalic.ttf",
    },
    "Noto Sans Display": {
        "r": "noto/NotoSansDisplay-Regular.ttf", "b": "noto/NotoSansDisplay-Bold.ttf",
        "i": "noto/NotoSansDisplay-Italic.ttf", "bi": "noto/NotoSansDisplay-BoldItalic.ttf",
    },
})

FONTS: tuple[tuple[str, float], ...] = (
    ("Liberation Serif", 1.0), ("Liberation Sans", 1.0), ("DejaVu Serif", 1.0),
    ("DejaVu Sans", 1.0), ("DejaVu Serif Condensed", 0.7), ("DejaVu Sans Condensed", 0.7),
    ("Noto Serif", 1.0), ("Noto Sans", 1.0), ("Noto Serif Display", 0.6),
    ("Noto Sans Display", 0.6),
)
DPIS: tuple[tuple[str, float], ...] = (
    ("100", 0.2), ("150", 0.15), ("200", 0.25), ("240", 0.15), ("300", 0.25),
)
KINDS = ("prose", "letter")
HEADERS = ("number_right", "vv_three", "merged")


@dataclass(frozen=True)
class Scan2:
    """How a family-2 page was scanned (beside its :class:`Truth`)."""

    kind: str  # "prose" | "letter"
    header: str  # one of HEADERS for letters, "" for prose
    font: str
    body_pt: float
    bits: int  # 1 (thresholded), 8 (grey) or 24 (colour)
    dpi_tag: int  # the dpi written in the file (72 on some 1-bit pages, else the true dpi)
    fmt: str  # "png" (1-bit) or "jpg"

    def to_dict(self) -> dict:
        return {"family": 2, "kind": self.kind, "header": self.header, "font": self.font,
                "body_pt": self.body_pt, "bits": self.bits, "dpi_tag": self.dpi_tag,
                "fmt": self.fmt}


@dataclass
class Page2:
    image: Image.Image  # "1", "L" or "RGB"
    truth: Truth
    scan: Scan2
    extra: dict = field(default_factory=dict)


def _style(rng: random.Random, kind: str) -> Style:
    family = pick_weighted(rng, FONTS)
    if kind == "prose":
        body = rng.choice((10.0, 10.5, 11.0, 11.5, 12.0, 12.5))
        margins = (rng.uniform(18, 30), rng.uniform(18, 30), rng.uniform(15, 25),
                   rng.uniform(18, 28))
    else:
        body = rng.choice((12.0, 12.5, 13.0, 13.5, 14.0))
        margins = (rng.uniform(20, 32), rng.uniform(12, 20), rng.uniform(10, 20),
                   rng.uniform(12, 20))
    return Style(family=family, body=body, header=rng.choice((11.0, 11.5, 12.0, 12.5, 13.0)),
                 title=body + rng.choice((1.0, 2.0, 3.0)), spacing=rng.uniform(1.1, 1.45),
                 left=margins[0], right=margins[1], top=margins[2], bottom=margins[3],
                 indent=rng.choice((0.0, 7.5, 10.0, 12.7)))


def _fill(text: str, rng: random.Random, year: int) -> str:
    return nfc(text.format(n=rng.randint(3, 95), year=year, pct=rng.randint(12, 97)))


# -- prose pages ------------------------------------------------------------------------------


def _prose(rng: random.Random, dpi: int) -> tuple[Page, list[str], dict[str, str], Style]:
    st = _style(rng, "prose")
    year = rng.randint(1995, 2025)
    order = list(prose.SENTENCES)
    rng.shuffle(order)
    paras: list[str] = []
    at = 0
    for _ in range(12):
        k = rng.randint(2, 5)
        paras.append(" ".join(_fill(s, rng, year) for s in order[at:at + k]))
        at = (at + k) % max(1, len(order) - 6)
    running = rng.choice(prose.BOOK_TITLES) if rng.random() < 0.6 else None
    heading = _fill(rng.choice(prose.HEADINGS), rng, year) if rng.random() < 0.5 else None
    chapter = rng.randint(1, 12)
    numbered = rng.random() < 0.5
    number = rng.randint(5, 320)
    centred_heading = rng.random() < 0.5
    after = rng.choice((0.0, 2.0, 4.0, 6.0))  # paragraph spacing, pt

    def lay(k: int) -> tuple[Page, Flow]:
        page, flow = new_page(st, dpi)
        if running:
            spans = flow.para(running, st.body - 1, style="i", align="center", spacing=1.2)
            flow.rule(flow.x0, flow.x1, spans[0][2], st.body - 1)
            flow.skip_pt(10)  # clear of the rule: a rule touching a line is no fair test
        if heading:
            if centred_heading:
                flow.para(f"Chương {chapter}", st.title, style="b", align="center",
                          spacing=1.3)
                flow.para(heading.upper(), st.title, style="b", align="center", spacing=1.3,
                          after_pt=10)
            else:
                flow.para(f"{chapter}. {heading}", st.title, style="b", spacing=1.3,
                          after_pt=6)
        for text in paras[: 2 + k]:
            flow.para(text, st.body, align="justify", first_indent_mm=st.indent,
                      spacing=st.spacing, after_pt=after)
        if numbered:
            flow.y = max(flow.y, page.h - page.mm(st.bottom) - page.pt(st.body) * 2)
            flow.para(str(number), st.body - 1, align="center", spacing=1.2)
        return page, flow

    page, flow = fit(lay, 10, st)
    return page, flow.lines, {}, st


# -- official letters --------------------------------------------------------------------------


def _measure_lines(page: Page, text: str, size: float, width: int, family: str) -> int:
    """How many lines ``text`` wraps to in a column ``width`` px wide (nothing drawn)."""
    scratch = Page(page.dpi, family)
    f = Flow(scratch, 0, width, 0)
    return len(f.para(text, size, align="center"))


def _header(flow: Flow, st: Style, issuer: Issuer, variant: str, *, number: str,
            subject: str, date_line: str, stagger: bool) -> None:
    """The two header blocks in one of the family-2 arrangements (see the module docstring).

    The text lists the whole left block (issuer, and the number and subject where they sit
    on the left), then the whole right block (motto, number where it sits on the right, date
    line), as real letters are read and as ``realdev`` transcribes them."""
    page = flow.page
    gap = page.mm(4) if variant == "merged" else page.mm(_column_gap(st))
    span_x0 = flow.x0 - page.mm(10)
    rw = min(page.mm(98), flow.x1 - span_x0 - page.mm(60) - gap)
    size = flow.fit_size(MOTTO_1, st.header, rw - page.mm(1), "b")
    right = flow.child(flow.x1 - rw, flow.x1)
    left = flow.child(span_x0, flow.x1 - rw - gap)
    pitch = page.pt(size) * 1.3
    left.pitch = right.pitch = pitch
    if stagger:
        right.y = flow.y + round(pitch / 2)
    issuer_and_motto(page, left, right, issuer, size)
    if variant == "number_right":
        right.y += round(pitch * 0.45)  # clear of the rule under the motto (its accents)
        right.para(number, size, align="center")
        left.para(subject, size - 1, align="center")
    else:
        left.para(number, size, align="center")
        if variant == "vv_three":
            # narrow the subject until it takes exactly three lines (or the column ends)
            width = left.width
            while (_measure_lines(page, subject, size - 1, width, left.family) < 3
                   and width > page.mm(40)):
                width -= page.mm(2)
            left.para(subject, size - 1, align="center", max_width=width)
        else:
            left.para(subject, size - 1, align="center")
    right.para(date_line, right.fit_size(date_line, st.body, right.width, "i", 10.0),
               style="i", align="center")
    flow.merge(left, right)
    flow.skip_pt(8)


def _column_gap(st: Style) -> float:
    """Gap between the header columns, mm: wide for the left margins that allow it."""
    return 8.0 if st.left < 26 else 12.0


def _letter(rng: random.Random, dpi: int,
            variant: str) -> tuple[Page, list[str], dict[str, str], Style]:
    st = _style(rng, "letter")
    place = random_place(rng, detail=False)
    level = rng.choice(("xa", "huyen", "so"))
    if level == "xa":
        issuer = commune_issuer(place)
    elif level == "huyen":
        issuer = district_issuer(place)
    else:
        issuer = department_issuer(rng, place.province)
    issued = random_date(rng, date(2019, 1, 1), LATEST)
    topic = rng.choice(vocab.TOPICS)
    deadline = issued + timedelta(days=rng.randint(15, 60))
    slots = {"org": issuer.name, "unit": issuer.unit, "year": issued.year,
             "pct": rng.randint(35, 92), "pct2": rng.randint(10, 60), "n": rng.randint(7, 60),
             "day": f"{deadline.day:02d}", "month": str(deadline.month)}

    def fmt(text: object) -> str:
        return nfc(str(text).format(**slots))

    subject = fmt(topic["letter"])
    if variant == "vv_three":
        subject = f"{subject} trên địa bàn {issuer.unit}"
    suffix = rng.choice(("VP", "TP", "NV", "VX", "KT")) if issuer.code == "UBND" else "VP"
    symbol = f"{rng.randint(1, 2400)}/{issuer.code}-{suffix}"
    date_line = f"{issuer.town}, {long_date(issued)}"
    body = [fmt(s) for s in topic["body"]]  # type: ignore[union-attr]
    closing = fmt(rng.choice(vocab.LETTER_CLOSINGS))
    to = rng.choice(("Ủy ban nhân dân các xã, thị trấn.", "Các phòng, ban, ngành cấp huyện.",
                     "Các cơ quan, đơn vị có liên quan."))
    seed = rng.getrandbits(32)
    seal = rng.random() < 0.7
    official = random_person(rng)
    if issuer.level == "so":
        titles = rng.choice((["GIÁM ĐỐC"], ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]))
    else:
        titles = rng.choice((["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], ["KT. CHỦ TỊCH",
                                                                 "PHÓ CHỦ TỊCH"]))
    recips = ["- Như trên;", "- Lưu: VT."]
    stagger = variant != "merged" and rng.random() < 0.5

    def lay(k: int) -> tuple[Page, Flow]:
        page, flow = new_page(st, dpi)
        _header(flow, st, issuer, variant, number=f"Số: {symbol}", subject=subject,
                date_line=date_line, stagger=stagger)
        flow.para([("Kính gửi: ", "b"), (to, "r")], st.body, align="center",
                  spacing=st.spacing, after_pt=8)
        for text in body[: 2 + k]:
            flow.para(text, st.body, align="justify", first_indent_mm=st.indent,
                      spacing=st.spacing, after_pt=4)
        flow.para(closing, st.body, align="justify", first_indent_mm=st.indent,
                  spacing=st.spacing, after_pt=4)
        flow.skip_pt(6)
        signature_row(flow, st, left=recipients(recips, st), left_lines=len(recips) + 1,
                      right=lambda f: signer(f, st, seed, titles, official.name, seal=seal))
        return page, flow

    page, flow = fit(lay, max(0, len(body) - 2), st)
    fields = {"so_ky_hieu": symbol, "trich_yeu": subject, "ngay_ban_hanh": issued.isoformat(),
              "co_quan_ban_hanh": issuer.name}
    return page, flow.lines, fields, st


# -- scanning ----------------------------------------------------------------------------------


def to_bilevel(image: Image.Image) -> Image.Image:
    """Threshold a scan to 1 bit as a bilevel scanner does (Otsu on the grey image)."""
    grey = np.asarray(image.convert("L"))
    _, bw = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return Image.fromarray(bw).convert("1", dither=Image.Dither.NONE)


def make_page2(seed: int, *, kind: str | None = None) -> Page2:
    """One family-2 page, deterministic per ``seed``; ``kind`` ("prose" | "letter") is drawn
    from it when None (the draw happens either way, so forcing it changes nothing else)."""
    rng = random.Random(seed)
    drawn_kind = rng.choice(KINDS)
    kind = kind or drawn_kind
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    variant = rng.choice(HEADERS)
    dpi = int(pick_weighted(rng, DPIS))
    u = [rng.random() for _ in range(9)]
    rotation = 0 if u[0] < 0.4 else (90, 180, 270)[int(u[1] * 3) % 3]
    skew_deg = 0.0 if u[2] < 0.2 else round(-6 + 12 * u[3], 2)
    bits = 1 if dpi >= 200 and u[4] < 0.45 else (8 if u[5] < 0.5 else 24)
    dpi_tag = 72 if bits == 1 and u[6] < 0.35 else dpi
    page_rng = random.Random(rng.getrandbits(64))
    scan_rng = random.Random(rng.getrandbits(64))
    if kind == "prose":
        page, lines, fields, st = _prose(page_rng, dpi)
        doc_type, header = "khac", ""
    else:
        page, lines, fields, st = _letter(page_rng, dpi, variant)
        doc_type, header = "van_ban_hanh_chinh", variant
    clean = page.render()
    mild = bits == 1  # thresholding turns noise into specks: keep it lighter there
    image = degrade(clean, scan_rng, rotation=rotation, skew_deg=skew_deg,
                    blur=(0.3 + 0.5 * u[7]) * dpi / 300,
                    noise=(1.5 if mild else 3.0) + 3.0 * u[8],
                    lighting=0.05 if mild else 0.1 + 0.15 * u[7],
                    jpeg_quality=None if bits == 1 else 70 + int(20 * u[8]),
                    grey=bits != 24)
    if bits == 1:
        image = to_bilevel(image)
    text = nfc("\n".join(" ".join(ln.split()) for ln in lines if ln.strip()))
    fields = {k: nfc(" ".join(v.split())) for k, v in fields.items()}
    truth = Truth(doc_type=doc_type, text=unicodedata.normalize("NFC", text), fields=fields,
                  rotation=rotation, skew_deg=skew_deg, dpi=dpi)
    scan = Scan2(kind=kind, header=header, font=st.family, body_pt=st.body, bits=bits,
                 dpi_tag=dpi_tag, fmt="png" if bits == 1 else "jpg")
    return Page2(image, truth, scan)


def encode(page: Page2) -> bytes:
    """The file a scanner (or an extractor) would have written: 1-bit PNG or JPEG."""
    buf = io.BytesIO()
    tag = (page.scan.dpi_tag, page.scan.dpi_tag)
    if page.scan.fmt == "png":
        page.image.save(buf, "PNG", dpi=tag, optimize=True)
    else:
        page.image.save(buf, "JPEG", quality=92, dpi=tag)
    return buf.getvalue()


def generate_family2(out_dir: Path, n: int, *, seed: int = 0) -> list[tuple[Path, Truth, Scan2]]:
    """Write ``n`` family-2 pages to ``out_dir`` as ``f2_0000.<png|jpg>`` ... and
    ``truth.json`` (``[{"file", "truth", "scan"}]`` in page order; ``truth`` is a
    :class:`Truth` dict, ``scan`` a :class:`Scan2` dict). Kinds alternate prose, letter."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[tuple[Path, Truth, Scan2]] = []
    entries: list[dict] = []
    for i, s in enumerate(sample_seeds(seed + 7_000, n)):
        page = make_page2(s, kind=KINDS[i % 2])
        path = out_dir / f"f2_{i:04d}.{page.scan.fmt}"
        path.write_bytes(encode(page))
        entries.append({"file": path.name, "truth": page.truth.to_dict(),
                        "scan": page.scan.to_dict()})
        results.append((path, page.truth, page.scan))
    (out_dir / "truth.json").write_text(json.dumps(entries, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
    return results
