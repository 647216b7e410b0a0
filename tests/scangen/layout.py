"""Page layout for the scan generator: fonts, a flowing text column that records every line it
draws (the ground truth), side-by-side blocks, and the non-text marks of a paper (rules, seal,
signature, photo box, emblem, chip).

A :class:`Page` collects drawing operations; nothing touches pixels until :meth:`Page.render`,
so a document can be laid out, measured, shortened and laid out again cheaply. A
:class:`Flow` is a column ``[x0, x1)`` with a vertical cursor; its ``lines`` list is the text
of every line it drew, words joined by single spaces, in drawing order.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_ROOT = Path("/usr/share/fonts/truetype")

# style key -> file, per family; every family here has the precomposed Vietnamese letters.
FAMILIES: dict[str, dict[str, str]] = {
    "Liberation Serif": {
        "r": "liberation2/LiberationSerif-Regular.ttf",
        "b": "liberation2/LiberationSerif-Bold.ttf",
        "i": "liberation2/LiberationSerif-Italic.ttf",
        "bi": "liberation2/LiberationSerif-BoldItalic.ttf",
    },
    "Noto Serif": {
        "r": "noto/NotoSerif-Regular.ttf",
        "b": "noto/NotoSerif-Bold.ttf",
        "i": "noto/NotoSerif-Italic.ttf",
        "bi": "noto/NotoSerif-BoldItalic.ttf",
    },
    "DejaVu Serif": {
        "r": "dejavu/DejaVuSerif.ttf",
        "b": "dejavu/DejaVuSerif-Bold.ttf",
        "i": "dejavu/DejaVuSerif-Italic.ttf",
        "bi": "dejavu/DejaVuSerif-BoldItalic.ttf",
    },
    "Liberation Sans": {
        "r": "liberation2/LiberationSans-Regular.ttf",
        "b": "liberation2/LiberationSans-Bold.ttf",
        "i": "liberation2/LiberationSans-Italic.ttf",
        "bi": "liberation2/LiberationSans-BoldItalic.ttf",
    },
    "Noto Sans": {
        "r": "noto/NotoSans-Regular.ttf",
        "b": "noto/NotoSans-Bold.ttf",
        "i": "noto/NotoSans-Italic.ttf",
        "bi": "noto/NotoSans-BoldItalic.ttf",
    },
    "DejaVu Sans Condensed": {
        "r": "dejavu/DejaVuSansCondensed.ttf",
        "b": "dejavu/DejaVuSansCondensed-Bold.ttf",
        "i": "dejavu/DejaVuSansCondensed-Oblique.ttf",
        "bi": "dejavu/DejaVuSansCondensed-BoldOblique.ttf",
    },
    "Liberation Mono": {
        "r": "liberation2/LiberationMono-Regular.ttf",
        "b": "liberation2/LiberationMono-Bold.ttf",
        "i": "liberation2/LiberationMono-Italic.ttf",
        "bi": "liberation2/LiberationMono-BoldItalic.ttf",
    },
}

# Fonts of typed papers (mostly the Times New Roman look) and of ID cards.
DOCUMENT_FAMILIES: tuple[tuple[str, float], ...] = (
    ("Liberation Serif", 0.7), ("Noto Serif", 0.12), ("DejaVu Serif", 0.08),
    ("Noto Sans", 0.05), ("Liberation Sans", 0.05),
)
CARD_FAMILIES: tuple[tuple[str, float], ...] = (
    ("Liberation Sans", 0.5), ("Noto Sans", 0.3), ("DejaVu Sans Condensed", 0.2),
)

INK = (22, 22, 26)
BLUE_INK = (28, 46, 140)

Color = tuple[int, int, int]
Op = Callable[[Image.Image, ImageDraw.ImageDraw], None]
Seg = tuple[str, str]  # (text, style key "r" | "b" | "i" | "bi")
Segs = str | Seg | Sequence[Seg]


def pick_weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*table, strict=True)
    return rng.choices(names, weights=weights)[0]


@functools.lru_cache(maxsize=256)
def get_font(family: str, style: str, px: int) -> ImageFont.FreeTypeFont:
    path = FONT_ROOT / FAMILIES[family][style]
    if not path.exists():
        raise FileNotFoundError(f"font {path} is missing (Debian fonts-liberation2, "
                                f"fonts-noto-core, fonts-dejavu-core)")
    return ImageFont.truetype(str(path), px, layout_engine=ImageFont.Layout.BASIC)


STYLES = frozenset({"r", "b", "i", "bi"})


def as_segs(segs: Segs, style: str = "r") -> list[Seg]:
    """Text as a list of (text, style) runs: a plain string, one pair, or a list of pairs."""
    if isinstance(segs, str):
        return [(segs, style)]
    if len(segs) == 2 and isinstance(segs[0], str) and segs[1] in STYLES:
        return [(segs[0], segs[1])]  # type: ignore[list-item]
    return [(str(t), str(s)) for t, s in segs]  # type: ignore[misc]


@dataclass
class Word:
    runs: list[Seg]
    sep: str = " "  # separator before the word: " " or "\t" (a wide gap, one space in the text)

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.runs)


def tokenize(segs: list[Seg]) -> list[Word]:
    words: list[Word] = []
    cur: list[Seg] = []
    sep = " "
    pending = " "
    for text, style in segs:
        for ch in text:
            if ch in " \t":
                if cur:
                    words.append(Word(cur, sep))
                    cur = []
                    pending = ch
                elif ch == "\t":
                    pending = "\t"
                continue
            if not cur:
                sep = pending
                pending = " "
            if cur and cur[-1][1] == style:
                cur[-1] = (cur[-1][0] + ch, style)
            else:
                cur.append((ch, style))
    if cur:
        words.append(Word(cur, sep))
    return words


@dataclass
class Page:
    """An A4 page being laid out: size, font family, and pending drawing operations."""

    dpi: int
    family: str
    paper: Color = (255, 255, 255)
    ink: Color = INK
    ops: list[Op] = field(default_factory=list)
    width_mm: float = 210.0
    height_mm: float = 297.0

    @property
    def w(self) -> int:
        return self.mm(self.width_mm)

    @property
    def h(self) -> int:
        return self.mm(self.height_mm)

    def mm(self, v: float) -> int:
        return round(v * self.dpi / 25.4)

    def pt(self, v: float) -> int:
        return round(v * self.dpi / 72)

    def font(self, style: str, size_pt: float, family: str | None = None) -> ImageFont.FreeTypeFont:
        return get_font(family or self.family, style, self.pt(size_pt))

    def flow(self, x0_mm: float, x1_mm: float, y_mm: float, family: str | None = None) -> Flow:
        return Flow(self, self.mm(x0_mm), self.mm(x1_mm), self.mm(y_mm), family)

    def render(self) -> Image.Image:
        img = Image.new("RGB", (self.w, self.h), self.paper)
        draw = ImageDraw.Draw(img)
        for op in self.ops:
            op(img, draw)
        return img


class Flow:
    """A text column [x0, x1) with a cursor y, recording the text of every line drawn."""

    def __init__(self, page: Page, x0: int, x1: int, y: int, family: str | None = None) -> None:
        self.page = page
        self.x0 = x0
        self.x1 = x1
        self.y = y
        self.family = family or page.family
        self.lines: list[str] = []
        self.pitch: float | None = None  # fixed line advance in pixels, when set
        self.min_gap = 0  # least height of a signature space drawn in this flow, pixels
        self.gap_at: tuple[int, int] | None = None  # (line index, y) where that space began

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    def child(self, x0: int, x1: int) -> Flow:
        f = Flow(self.page, x0, x1, self.y, self.family)
        f.pitch = self.pitch
        return f

    def merge(self, *flows: Flow) -> None:
        """Take side-by-side blocks: their lines in the given order, the cursor below all."""
        for f in flows:
            self.lines.extend(f.lines)
        self.y = max([self.y, *(f.y for f in flows)])

    def skip_mm(self, v: float) -> None:
        self.y += self.page.mm(v)

    def skip_pt(self, v: float) -> None:
        self.y += self.page.pt(v)

    def font(self, style: str, size: float) -> ImageFont.FreeTypeFont:
        return self.page.font(style, size, self.family)

    # -- measuring -------------------------------------------------------------------------

    def word_width(self, word: Word, size: float) -> float:
        return sum(self.font(s, size).getlength(t) for t, s in word.runs)

    def sep_width(self, sep: str, size: float) -> float:
        space = self.font("r", size).getlength(" ")
        return 3 * space if sep == "\t" else space

    def text_width(self, segs: Segs, size: float, style: str = "r") -> float:
        words = tokenize(as_segs(segs, style))
        return sum(self.word_width(w, size) + (self.sep_width(w.sep, size) if i else 0)
                   for i, w in enumerate(words))

    def fit_size(self, segs: Segs, size: float, width_px: float, style: str = "r",
                 minimum: float = 8.0) -> float:
        """The largest size <= ``size`` (half-point steps) at which the text fits ``width_px``."""
        while size > minimum and self.text_width(segs, size, style) > width_px:
            size -= 0.5
        return size

    # -- drawing ---------------------------------------------------------------------------

    def _emit(self, words: list[Word], size: float, x: float, baseline: int, color: Color,
              extra: float = 0.0) -> tuple[float, float]:
        """Queue the drawing of one line of words starting at x; returns (x_start, x_end)."""
        start = x
        runs: list[tuple[float, str, ImageFont.FreeTypeFont]] = []
        for i, w in enumerate(words):
            if i:
                x += self.sep_width(w.sep, size) + extra
            for text, style in w.runs:
                f = self.font(style, size)
                runs.append((x, text, f))
                x += f.getlength(text)

        def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
            for rx, text, f in runs:
                draw.text((rx, baseline), text, font=f, fill=color, anchor="ls")

        self.page.ops.append(op)
        return start, x

    def para(self, segs: Segs, size: float, *, style: str = "r", align: str = "left",
             first_indent_mm: float = 0.0, hang_mm: float = 0.0, spacing: float = 1.2,
             after_pt: float = 0.0, color: Color | None = None, record: bool = True,
             max_width: int | None = None,
             pitch: float | None = None) -> list[tuple[float, float, int]]:
        """Wrap and draw text; align in left/right/center/justify. The cursor advances by
        ``pitch`` pixels per line when given, else by size x spacing. Returns (x0, x1,
        baseline) of every line drawn."""
        words = tokenize(as_segs(segs, style))
        color = color or self.page.ink
        width = min(self.width, max_width) if max_width else self.width
        left = self.x0 + (self.width - width) // 2 if max_width else self.x0
        first = self.page.mm(first_indent_mm)
        hang = self.page.mm(hang_mm)
        pitch = pitch or self.pitch
        line_h = pitch if pitch else self.page.pt(size) * spacing
        ascent = self.page.pt(size) * 0.93
        out: list[tuple[float, float, int]] = []
        i = 0
        first_line = True
        while i < len(words):
            indent = first if first_line else hang
            avail = width - indent
            line = [words[i]]
            used = self.word_width(words[i], size)
            j = i + 1
            while j < len(words):
                add = self.sep_width(words[j].sep, size) + self.word_width(words[j], size)
                if used + add > avail:
                    break
                used += add
                line.append(words[j])
                j += 1
            last = j >= len(words)
            baseline = round(self.y + ascent)
            extra = 0.0
            if align == "center":
                x = left + indent + (avail - used) / 2
            elif align == "right":
                x = left + width - used
            else:
                x = left + indent
                if align == "justify" and not last and len(line) > 1:
                    extra = (avail - used) / (len(line) - 1)
            x_start, x_end = self._emit(line, size, x, baseline, color, extra)
            out.append((x_start, x_end, baseline))
            if record:
                self.lines.append(" ".join(w.text for w in line))
            self.y = self.y + line_h
            first_line = False
            i = j
        self.y = round(self.y) + self.page.pt(after_pt)
        return out

    def rule(self, x_start: float, x_end: float, baseline: int, size: float, *,
             thickness_pt: float = 0.6, color: Color | None = None,
             advance: bool = True) -> None:
        """A horizontal line under a text line (given its baseline and size), clear of the
        descenders and dots below, as under the national motto."""
        y = baseline + round(self.page.pt(size) * 0.42)
        t = max(1, self.page.pt(thickness_pt))
        c = color or self.page.ink

        def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
            draw.rectangle((round(x_start), y, round(x_end), y + t - 1), fill=c)

        self.page.ops.append(op)
        if advance:
            self.y = max(self.y, round(y + t + self.page.pt(size) * 0.15))


# -- non-text marks -------------------------------------------------------------------------------


def _star(cx: float, cy: float, r: float, rot: float = -math.pi / 2) -> list[tuple[float, float]]:
    pts = []
    for k in range(10):
        rr = r if k % 2 == 0 else r * 0.382
        a = rot + k * math.pi / 5
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def seal_op(cx: int, cy: int, radius: int, seed: int, color: Color = (205, 28, 40)) -> Op:
    """A round red seal: thick outer ring, thin inner rings, a star; ink texture; multiplied
    onto the paper like real ink. No lettering (the ring band is left empty on purpose)."""

    def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        r = radius
        size = 2 * r + 8
        mask = Image.new("L", (size, size), 0)
        d = ImageDraw.Draw(mask)
        c = size / 2
        d.ellipse((c - r, c - r, c + r, c + r), outline=255, width=max(2, round(r * 0.07)))
        r2 = r * 0.80
        d.ellipse((c - r2, c - r2, c + r2, c + r2), outline=255, width=max(1, round(r * 0.025)))
        r3 = r * 0.42
        d.ellipse((c - r3, c - r3, c + r3, c + r3), outline=255, width=max(1, round(r * 0.025)))
        d.polygon(_star(c, c, r * 0.30), fill=255)
        rng = np.random.default_rng(seed)
        a = np.asarray(mask, dtype=np.float32) / 255.0
        tex = rng.uniform(0.55, 1.0, size=(size // 6 + 1, size // 6 + 1)).astype(np.float32)
        tex_img = Image.fromarray((tex * 255).astype(np.uint8)).resize((size, size),
                                                                         Image.BILINEAR)
        a *= np.asarray(tex_img, dtype=np.float32) / 255.0
        a *= rng.uniform(0.75, 0.95)
        x0, y0 = cx - size // 2, cy - size // 2
        x1, y1 = min(img.width, x0 + size), min(img.height, y0 + size)
        if x0 < 0 or y0 < 0 or x1 <= x0 or y1 <= y0:
            return
        a = a[: y1 - y0, : x1 - x0, None]
        region = np.asarray(img.crop((x0, y0, x1, y1)), dtype=np.float32)
        tint = np.array(color, dtype=np.float32) / 255.0
        out = region * (1.0 - a + a * tint)
        img.paste(Image.fromarray(out.clip(0, 255).astype(np.uint8)), (x0, y0))

    return op


def signature_op(x: int, y: int, w: int, h: int, pen: int, seed: int,
                 color: Color = BLUE_INK) -> Op:
    """A handwritten-looking signature: one looping stroke and a flourish, in pen ink."""

    def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        rng = random.Random(seed)
        n = 90
        f1, f2 = rng.uniform(2.5, 5.0), rng.uniform(6.0, 10.0)
        p1, p2 = rng.uniform(0, 6.28), rng.uniform(0, 6.28)
        a1, a2 = rng.uniform(0.25, 0.4), rng.uniform(0.08, 0.18)
        loop = rng.uniform(0.04, 0.09)
        pts = []
        for k in range(n):
            t = k / (n - 1)
            px = x + w * (0.05 + 0.75 * t) + w * loop * math.sin(2 * math.pi * f2 * t + p2)
            py = y + h * (0.5 + a1 * math.sin(2 * math.pi * f1 * t + p1)
                          + a2 * math.cos(2 * math.pi * f2 * t + p2) - 0.15 * t)
            pts.append((px, py))
        draw.line(pts, fill=color, width=pen, joint="curve")
        fx0 = x + w * rng.uniform(0.0, 0.2)
        fy = y + h * rng.uniform(0.75, 0.9)
        flourish = [(fx0 + w * 0.9 * t, fy - h * 0.25 * math.sin(math.pi * t) * rng.uniform(0.6, 1))
                    for t in (k / 20 for k in range(21))]
        draw.line(flourish, fill=color, width=max(1, pen - 1), joint="curve")

    return op


def box_op(box: tuple[int, int, int, int], *, fill: Color | None, outline: Color | None = None,
           width: int = 1, radius: int = 0) -> Op:
    def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        draw.rounded_rectangle(box, radius=radius, fill=fill, outline=outline, width=width)

    return op


def photo_op(box: tuple[int, int, int, int], seed: int, grey: bool) -> Op:
    """An ID photo: light background, a darker head-and-shoulders silhouette, softened."""

    def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        rng = random.Random(seed)
        x0, y0, x1, y1 = box
        w, h = x1 - x0, y1 - y0
        bg = (rng.randint(200, 225), rng.randint(215, 235), rng.randint(228, 245))
        if grey:
            g = sum(bg) // 3
            bg = (g, g, g)
        tile = Image.new("RGB", (w, h), bg)
        d = ImageDraw.Draw(tile)
        tone = rng.randint(95, 140)
        skin = (tone, tone, tone) if grey else (tone + 60, tone + 30, tone + 10)
        cloth = (60, 60, 60) if grey else (40, 50, 70)
        d.ellipse((w * 0.1, h * 0.72, w * 0.9, h * 1.3), fill=cloth)
        d.rectangle((w * 0.4, h * 0.55, w * 0.6, h * 0.8), fill=skin)
        d.ellipse((w * 0.28, h * 0.18, w * 0.72, h * 0.68), fill=skin)
        d.chord((w * 0.26, h * 0.12, w * 0.74, h * 0.5), 180, 360, fill=(35, 35, 35))
        tile = tile.filter(ImageFilter.GaussianBlur(max(1.0, w / 120)))
        img.paste(tile, (x0, y0))

    return op


def fingerprint_op(box: tuple[int, int, int, int], seed: int) -> Op:
    """A fingerprint: concentric, slightly wobbly ridges in grey."""

    def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        rng = random.Random(seed)
        x0, y0, x1, y1 = box
        cx = (x0 + x1) / 2 + (x1 - x0) * rng.uniform(-0.1, 0.1)
        cy = (y0 + y1) / 2 + (y1 - y0) * rng.uniform(-0.05, 0.15)
        step = max(2.0, (x1 - x0) / 22)
        width = max(1, round(step / 2.5))
        for i in range(1, 14):
            rx, ry = step * i * 0.75, step * i
            wob = rng.uniform(0, 6.28)
            pts = [(cx + rx * math.cos(a) * (1 + 0.05 * math.sin(3 * a + wob)),
                    cy + ry * math.sin(a) * (1 + 0.05 * math.cos(2 * a + wob)))
                   for a in (k * math.pi / 24 for k in range(49))]
            pts = [(min(max(px, x0), x1), min(max(py, y0), y1)) for px, py in pts]
            draw.line(pts, fill=(110, 110, 110), width=width)

    return op


def emblem_op(cx: int, cy: int, r: int, grey: bool) -> Op:
    """The national emblem, simplified: a red disc in a gold ring with a yellow star."""

    def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        gold = (150, 150, 150) if grey else (205, 160, 40)
        red = (120, 120, 120) if grey else (205, 35, 35)
        star = (210, 210, 210) if grey else (250, 215, 40)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=gold)
        r2 = r * 0.8
        draw.ellipse((cx - r2, cy - r2, cx + r2, cy + r2), fill=red)
        draw.polygon(_star(cx, cy - r * 0.1, r * 0.5), fill=star)

    return op


def chip_op(box: tuple[int, int, int, int], grey: bool) -> Op:
    def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        x0, y0, x1, y1 = box
        fill = (175, 175, 175) if grey else (212, 175, 90)
        line = (120, 120, 120) if grey else (150, 115, 50)
        w = max(1, (x1 - x0) // 40)
        draw.rounded_rectangle(box, radius=(x1 - x0) // 8, fill=fill, outline=line, width=w)
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        draw.line((x0, my, x1, my), fill=line, width=w)
        draw.line((mx, y0, mx, y1), fill=line, width=w)
        draw.rectangle((mx - (x1 - x0) * 0.15, my - (y1 - y0) * 0.2,
                        mx + (x1 - x0) * 0.15, my + (y1 - y0) * 0.2), fill=fill, outline=line,
                       width=w)

    return op


def guilloche_op(box: tuple[int, int, int, int], color: Color, seed: int, step: int) -> Op:
    """Fine wavy security lines at low contrast (land certificate, card background)."""

    def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        rng = random.Random(seed)
        x0, y0, x1, y1 = box
        amp = step * rng.uniform(1.5, 3.0)
        period = (x1 - x0) / rng.uniform(3, 7)
        xs = list(range(x0, x1 + 1, max(2, step // 2)))
        for y in range(y0 + step, y1, step):
            pts = [(x, y + amp * math.sin(2 * math.pi * (x - x0) / period + y * 0.01))
                   for x in xs]
            draw.line(pts, fill=color, width=1)

    return op


def qr_op(x: int, y: int, size: int, payload: str, grey: bool) -> Op:
    """A QR code (segno, error correction M) filling a ``size`` square at (x, y), with its
    quiet zone; dark modules slightly lighter on a photocopy."""

    def op(img: Image.Image, draw: ImageDraw.ImageDraw) -> None:
        import segno

        qr = segno.make(payload, error="m", micro=False, encoding="utf-8")
        rows = [[0 if v else 255 for v in row] for row in qr.matrix_iter(border=2)]
        n = len(rows)
        cells = Image.new("L", (n, n))
        cells.putdata([v for row in rows for v in row])
        code = cells.resize((max(1, size), max(1, size)), Image.NEAREST)
        dark = (40, 40, 40) if grey else (10, 10, 20)
        tile = Image.new("RGB", code.size, (250, 250, 250))
        tile.paste(Image.new("RGB", code.size, dark), mask=code.point(lambda v: 255 - v))
        img.paste(tile, (x, y))

    return op
