"""How a signature looks: visible text at the top right of page 1, no image — the copy
type, the agency's name and the signing time (ISO 8601, +07:00) — in an embedded TrueType
font that has every Vietnamese letter, placed below any earlier signature's stamp.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from pipeline.signing.config import SigningError

log = logging.getLogger(__name__)
# fontTools logs every subsetting step at INFO; one signature is not worth 60 log lines.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

# Fonts with every Vietnamese letter, first found wins (Debian: fonts-noto-core,
# fonts-liberation2, fonts-dejavu-core).
STAMP_FONTS = (
    Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"),
    Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
# Characters kept in the stamp font: printable ASCII, Latin-1, the Vietnamese letters
# (Ă Đ Ĩ Ũ Ơ Ư and the precomposed letters of Latin Extended Additional, text being NFC),
# combining tone marks, common punctuation and the đồng sign. A small font keeps the
# per-signature subsetting fast.
_STAMP_FONT_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x102, 0x103), (0x110, 0x111),
                      (0x128, 0x129), (0x168, 0x169), (0x1A0, 0x1A1), (0x1AF, 0x1B0),
                      (0x300, 0x301), (0x303, 0x303), (0x309, 0x309), (0x323, 0x323),
                      (0x1EA0, 0x1EF9), (0x2013, 0x2014), (0x2018, 0x201D), (0x2022, 0x2022),
                      (0x2026, 0x2026), (0x20AB, 0x20AB))

# Stamp geometry, in PDF points (1/72 inch). Vietnamese administrative papers keep a top
# margin of 20-25 mm (57-71 pt), so a stamp 10 pt from the top and at most 46 pt high sits
# in the margin above the national motto.
STAMP_FONT_SIZE = 8
STAMP_MIN_FONT_SIZE = 6
STAMP_LINE_GAP = 2  # leading = font size + gap
STAMP_PADDING = 4
STAMP_EDGE_OFFSET = 10  # from the top and right edges of the visible page
STAMP_MAX_WIDTH = 0.45  # of the page width
STAMP_BORDER_RGB = (0.1, 0.25, 0.6)


@dataclass(frozen=True)
class _StampFont:
    data: bytes  # TrueType, trimmed to the Latin/Vietnamese blocks, no layout tables
    widths: dict[int, float]  # code point -> advance in 1/1000 em
    missing_width: float


@lru_cache(maxsize=1)
def stamp_font() -> _StampFont:
    """The stamp font, trimmed once per process.

    Subsetting the whole font for every signature costs ~0.4 s (mostly its layout tables);
    this trimmed copy keeps only the Latin blocks (all Vietnamese letters are precomposed
    there, text is NFC) and no GSUB/GPOS, so the per-signature subset is cheap.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = next((p for p in STAMP_FONTS if p.is_file()), None)
    if path is None:
        raise SigningError(
            "no font with Vietnamese glyphs found: " + ", ".join(map(str, STAMP_FONTS)),
            message_vi="Thiếu phông chữ tiếng Việt (cài gói fonts-noto-core).",
        )
    font = TTFont(path)
    options = subset.Options()
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "BASE", "JSTF", "MATH"]
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=[cp for lo, hi in _STAMP_FONT_RANGES
                                 for cp in range(lo, hi + 1)])
    subsetter.subset(font)
    scale = 1000 / font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {cp: metrics[name][0] * scale for cp, name in font.getBestCmap().items()}
    missing = metrics[".notdef"][0] * scale if ".notdef" in metrics else 600.0
    buffer = io.BytesIO()
    font.save(buffer)
    return _StampFont(buffer.getvalue(), widths, missing)


def _text_width(text: str, size: float) -> float:
    font = stamp_font()
    return sum(font.widths.get(ord(ch), font.missing_width) for ch in text) * size / 1000


@dataclass(frozen=True)
class _MemoryFontFactory(FontEngineFactory):
    """Like pyHanko's ``GlyphAccumulatorFactory``, over font bytes held in memory."""

    font_bytes: bytes = field(repr=False)
    font_size: int = STAMP_FONT_SIZE

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(self.font_bytes),
                                font_size=self.font_size, obj_stream=obj_stream)


_Rect = tuple[float, float, float, float]  # x1, y1, x2, y2


@dataclass(frozen=True)
class _StampLayout:
    lines: tuple[str, ...]
    font_size: int
    box: _Rect  # in page user space


def _wrap(text: str, size: float, max_width: float) -> list[str]:
    """Greedy word wrap of ``text`` to ``max_width`` points."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(lines[-1] + " " + word, size) <= max_width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def stamp_layout(texts: Sequence[str], visible: _Rect, taken: Sequence[_Rect] = ()
                  ) -> _StampLayout:
    """Font size, lines and box of the stamp: top right of the visible page area, below
    the ``taken`` boxes (stamps of earlier signatures) that it would overlap."""
    x0, y0, x1, y1 = visible
    max_text = (x1 - x0) * STAMP_MAX_WIDTH - 2 * STAMP_PADDING
    size = STAMP_FONT_SIZE
    while size > STAMP_MIN_FONT_SIZE and max(_text_width(t, size) for t in texts) > max_text:
        size -= 1
    lines = [line for t in texts for line in _wrap(t, size, max_text)]
    width = min(max(_text_width(line, size) for line in lines), max_text) + 2 * STAMP_PADDING
    height = len(lines) * (size + STAMP_LINE_GAP) + 2 * STAMP_PADDING + STAMP_LINE_GAP
    right = x1 - STAMP_EDGE_OFFSET
    top = y1 - STAMP_EDGE_OFFSET
    for rect in sorted(taken, key=lambda r: -r[3]):  # below earlier signatures' stamps
        if rect[0] < right and rect[2] > right - width and rect[1] < top and rect[3] > top - height:
            top = rect[1] - STAMP_LINE_GAP
    box = (round(right - width, 2), round(top - height, 2), round(right, 2), round(top, 2))
    return _StampLayout(tuple(lines), size, box)


def stamp_style(stamp: _StampLayout) -> TextStampStyle:
    width = stamp.box[2] - stamp.box[0]
    height = stamp.box[3] - stamp.box[1]
    white = RawContent(b"1 g 0 0 %.2f %.2f re f" % (width, height),
                       box=layout.BoxConstraints(width=width, height=height))
    return TextStampStyle(
        stamp_text="%(sohoa_text)s",
        border_width=1,
        border_color=STAMP_BORDER_RGB,
        background=white,
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins.uniform(0)),
        text_box_style=TextBoxStyle(
            font=_MemoryFontFactory(stamp_font().data, stamp.font_size),
            font_size=stamp.font_size,
            leading=stamp.font_size + STAMP_LINE_GAP,
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(STAMP_PADDING)),
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MID),
    )


def _normal(rect: Any) -> _Rect:
    x1, y1, x2, y2 = (float(v) for v in rect)
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def page_one(writer: IncrementalPdfFileWriter) -> tuple[_Rect, list[_Rect]]:
    """Page 1's visible box (crop box, else media box, inherited through the page tree)
    and the boxes of the signature widgets already on it."""
    page_ref, _ = writer.prev.find_page_for_modification(0)
    page: Any = page_ref.get_object()
    found: dict[str, Any] = {}
    node: Any = page
    while node is not None:
        for key in ("/CropBox", "/MediaBox", "/Rotate"):
            if key not in found and key in node:
                found[key] = node[key]
        node = node["/Parent"].get_object() if "/Parent" in node else None
    if int(found.get("/Rotate", 0)) % 360:
        log.warning("page 1 is rotated; the stamp is placed in unrotated page space")
    visible = _normal(found.get("/CropBox", found.get("/MediaBox", [0, 0, 595, 842])))
    taken = []
    for annot in page.get("/Annots", []):
        annot = annot.get_object()
        if annot.get("/FT") == "/Sig" and "/Rect" in annot:
            taken.append(_normal(annot["/Rect"]))
    return visible, taken
