"""Digit slots: the handwritten or stamped parts of a paper's number and date line.

Official papers are printed with blanks that are filled in by hand or with a numbering
stamp after signing: the number in "Số: 11/CT-UBND" and the day (sometimes the month) in
"Quảng Ngãi, ngày 11 tháng 9 năm 2024". The printed-text engine reads the printed labels
around them well and the handwriting badly. This module finds each slot from the OCR
words (the number slot lies between the "Số:" label and the "/" of the code on the same
line; the day between "ngày" and "tháng", the month between "tháng" and "năm" — always
from the label words' boxes, never from fixed positions), crops it from the cleaned page
image, cuts the ink into digits and reads each with :mod:`ocr_models.digits`.

It returns readings, not field values: :mod:`pipeline.papers.digits_settle` decides, with
the validators, what the fields become and flags every value this module supplied.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from ocr_models.base import Word

SURE = 0.7  # a digit read with less probability than this is "unsure"
HEADER_SHARE = 0.45  # the number and the date line sit in the upper part of the page
_NUMBER_LABEL = re.compile(r"^s[oôốồổỗộ0][:;.]?", re.IGNORECASE)


@dataclass(frozen=True)
class SlotReading:
    """One slot: what the digit model read there and what the engine read there."""

    key: str  # "number" | "day" | "month"
    text: str  # digits read left to right, "?" for a glyph that is not a sure digit
    probabilities: tuple[float, ...] = ()
    engine_text: str = ""  # the engine's characters inside the slot
    engine_confidence: float = 0.0
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # left, top, right, bottom (page pixels)
    ink: bool = False  # anything written there at all
    context: str = ""  # the printed text the slot belongs to: the code "/CT-UBND"
    printed: bool = False  # the engine read clean digits run together with the code

    @property
    def sure(self) -> bool:
        """Every glyph is a digit read with probability ≥ SURE."""
        return bool(self.text) and "?" not in self.text and \
            all(p >= SURE for p in self.probabilities)

    @property
    def engine_digits(self) -> str:
        return "".join(c for c in self.engine_text if c.isdigit())


@dataclass(frozen=True)
class SlotReadings:
    """The slots found on one page (``None`` where the label was not found)."""

    number: SlotReading | None = None
    day: SlotReading | None = None
    month: SlotReading | None = None
    year: str = ""  # the printed year after "năm" on the date line, as the engine read it
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.number, self.day, self.month))


def read_slots(image: np.ndarray, words: Sequence[Word], scale: float = 1.0,
               model=None) -> SlotReadings:
    """Find and read the number and date slots of a page.

    ``image`` is the cleaned grey page the engine read; ``words`` are in page coordinates
    and ``scale`` maps them to ``image`` pixels (image = words × scale)."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    lines = _lines(words)
    limit = image.shape[0] / max(scale, 1e-6) * HEADER_SHARE
    lines = [ln for ln in lines if ln[0].top < limit]
    if model is None:
        from ocr_models.digits import default_model

        model = default_model()
    reader = _Reader(image, scale, model)
    reader.cap = _page_cap(words)
    number = _number_slot([w for ln in lines for w in ln], reader)
    day, month, year = _date_slots([w for ln in lines for w in ln], reader)
    return SlotReadings(number, day, month, year)


# -- locating --------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def _lines(words: Sequence[Word]) -> list[list[Word]]:
    grouped: dict[tuple[int, int, int], list[Word]] = {}
    for w in words:
        grouped.setdefault(w.line_key, []).append(w)
    lines = [sorted(ln, key=lambda w: w.left) for ln in grouped.values()]
    return sorted(lines, key=lambda ln: min(w.top for w in ln))


def _char_width(line: list[Word], cap: float) -> float:
    """Printed width per character on the line, from its confident words of letters."""
    sizes = sorted(w.width / len(w.text) for w in line
                   if len(w.text) >= 3 and w.confidence >= 0.9 and w.text.isalpha())
    return sizes[len(sizes) // 2] if sizes else 0.62 * cap


def _label_right(w: Word, label_len: int, line: list[Word], cap: float) -> float:
    """Right edge of a printed label inside its word box: the box also holds ink written
    into the blank next to it when the engine glued the two ("ngày" boxed with "06")."""
    expected = (label_len + 0.3) * _char_width(line, cap)
    return w.left + min(w.width, expected)


def _page_cap(words: Sequence[Word]) -> float:
    """Printed capital height on the page: the median height of confidently read words
    made only of capitals, digits, "/" and "-" (no accents, no descenders), e.g. "UBND"."""
    heights = sorted(w.height for w in words if w.confidence >= 0.85 and len(w.text) >= 2
                     and re.fullmatch(r"[A-Z0-9/\-]+", w.text))
    return float(heights[len(heights) // 2]) if len(heights) >= 3 else 0.0


def _cap_height(line: list[Word]) -> float:
    """Printed capital height on the line: the median height of its words without
    descenders or accents is close to it; the smallest plausible one is used."""
    heights = sorted(w.height for w in line if len(w.text) > 1) or [w.height for w in line]
    return float(heights[len(heights) // 4])


def _row(words: Sequence[Word], anchor: Word, reach: float) -> list[Word]:
    """The anchor and the words right of it on the same visual line (within ``reach``
    pixels): the engine's line grouping splits lines at handwriting, so it is not used."""
    mid = anchor.top + anchor.height / 2
    row = [w for w in words if w is anchor or (
        anchor.left < w.left < anchor.left + anchor.width + reach
        and w.top <= mid <= w.top + w.height
        and abs((w.top + w.height / 2) - mid) < 0.6 * max(anchor.height, w.height))]
    return sorted(row, key=lambda w: w.left)


def _number_slot(words: Sequence[Word], reader: _Reader) -> SlotReading | None:
    cap0 = reader.cap or (float(np.median([w.height for w in words])) if words else 0.0)
    for w in sorted(words, key=lambda w: w.top):
        # the capital label, not "số" in running text ("Nghị định số 08/2016/NĐ-CP")
        m = _NUMBER_LABEL.match(_fold(w.text))
        if not m or w.text[:1] != "S":
            continue
        line = _row(words, w, 14 * cap0)
        rest = w.text[m.end():]
        # the code: the first word after the label holding a "/" with letters behind
        code_i = next((j for j in range(len(line)) if re.search(
            r"/\s*[^\W\d_]", line[j].text if j else rest)), None)
        if code_i is None:
            code_i = _slashless_code(line)
        if code_i is None:
            continue
        cap = reader.cap or _cap_height(line)
        return _read_number(reader, line, code_i, cap, _label_right(w, m.end(), line, cap),
                            rest)
    return _number_without_label(words, reader, cap0)


_CODE_TAIL = re.compile(r"([A-ZĐ][A-Za-zĐđ]{0,7}(?:-[A-ZĐ0-9][A-Za-zĐđ0-9.]{0,11})+)$")


def _slashless_code(line: list[Word]) -> int | None:
    """"Số: ÔCT-CS": the "/" went with the handwritten digits the engine garbled. The
    first word after the label ending in a code gets its "/" back (in place, in ``line``)
    and its index is returned."""
    for j in range(1, min(len(line), 3)):
        m = _CODE_TAIL.search(line[j].text)
        if m:
            w = line[j]
            line[j] = w.with_text(w.text[:m.start()] + "/" + m.group(1))
            return j
    return None


def _number_without_label(words: Sequence[Word], reader: _Reader, cap: float
                          ) -> SlotReading | None:
    """The engine lost "Số:" in the handwriting next to it: a code ("/TTr-UBND") opening
    a line of the left half, the label's start found as the first ink after a wide gap
    to its left."""
    if cap <= 0:
        return None
    width = reader.image.shape[1] / reader.scale
    for code in sorted(words, key=lambda w: w.top):
        if code.left > width / 2 or not re.match(r"^\W?/[A-ZĐ][\w\-]*[A-ZĐ]", code.text):
            continue
        left_of = [w for w in words if w.left + w.width <= code.left and
                   abs(w.top + w.height / 2 - code.top - code.height / 2) < 0.6 * code.height
                   and w.left > code.left - 8 * cap]
        if any(re.search(r"[^\W\d_]{2}", w.text) for w in left_of):
            continue  # a printed word before it: not the number line
        start = reader.ink_start(code.left, code.top, code.top + code.height, cap)
        if start is None:
            continue
        line = sorted([*left_of, code], key=lambda w: w.left)
        return _read_number(reader, line, line.index(code), cap, start + 1.6 * cap, "",
                            label_index=-1)
    return None


def _read_number(reader: _Reader, line: list[Word], code_i: int, cap: float, left: float,
                 rest: str, label_index: int = 0) -> SlotReading:
    code = line[code_i]
    text = rest if code_i == label_index == 0 else code.text
    before = text.split("/", 1)[0]
    if before:
        right = code.left + code.width - _printed_width(text.split("/", 1)[1], cap)
    else:
        right = code.left
    first = label_index + 1
    between = line[first:code_i]
    engine = "".join(([rest] if code_i != 0 and label_index == 0 else [])
                     + [x.text for x in between] + [before])
    confs = [x.confidence for x in between] + \
        ([line[0].confidence] if rest and label_index == 0 else []) + \
        ([code.confidence] if before else [])
    top = min(x.top for x in line[max(0, label_index): code_i + 1])
    bottom = max(x.top + x.height for x in line[max(0, label_index): code_i + 1])
    reading = reader.read("number", left, right, top, bottom, cap, engine,
                          min(confs) if confs else 0.0, slash_near=bool(before),
                          clip=(not rest and label_index == 0, not before))
    context = "/" + text.split("/", 1)[1]
    for nxt in line[code_i + 1:]:  # "/TTr" "-UBND": the engine split the code
        if not (context.endswith("-") or nxt.text.startswith("-")):
            break
        context += nxt.text
    # "1766/STNMT-QLĐĐ" read as one word: digits printed with the code, not written in
    printed = bool(before) and before.isdigit() and not between
    return replace(reading, context=context, printed=printed)


_WIDTHS = {"/": 0.42, "-": 0.48, ".": 0.36, "I": 0.48, "J": 0.55, "r": 0.48, "t": 0.4}


def _printed_width(text: str, cap: float) -> float:
    """Width of printed code text after "/" plus the slash, in capitals (Times-like
    widths relative to the capital height)."""
    def width(c: str) -> float:
        if c in _WIDTHS:
            return _WIDTHS[c]
        if c.isdigit() or c.islower():
            return 0.72
        return 1.0 if c in "MW" else 0.98 if c in "ĐDNHUQOGCB" else 0.9
    return (sum(width(c) for c in text) + _WIDTHS["/"]) * cap


def _date_slots(words: Sequence[Word], reader: _Reader
                ) -> tuple[SlotReading | None, SlotReading | None, str]:
    """The day and month slots of the place-and-date line, anchored on "năm YYYY" (the
    printed year is what the engine reads best); "ngày" and "tháng" are taken from their
    words where the engine kept them, from the neighbouring words where it lost or glued
    them ("ngày4†tháng", "04tháng", a line with no "ngày" at all)."""
    cap0 = reader.cap or (float(np.median([w.height for w in words])) if words else 0.0)
    for anchor in sorted(words, key=lambda w: w.top):
        if not re.match(r"^nam\W*$", _fold(anchor.text)):
            continue
        row = _row(words, anchor, 4 * cap0)
        year = next((m.group(1) for w in row[1:3] if (m := re.match(r"^\W*(\d{4})\b", w.text))),
                    "")
        if not year:
            continue
        left_of = _row_left(words, anchor, 22 * cap0)
        found = _date_labels(left_of, anchor, reader.cap or _cap_height([*left_of, anchor]))
        if found is None:
            continue
        *specs, top, bottom, cap = found
        day, month = (reader.read(sp.key, sp.left, sp.right, top, bottom, cap, sp.engine,
                                  min((w.confidence for w in sp.words), default=0.0),
                                  slack=sp.slack,
                                  clip=(True, True) if sp.key == "day" else (not sp.slack[0],
                                                                             True))
                      for sp in specs)
        return day, month, year
    return None, None, ""


def _row_left(words: Sequence[Word], anchor: Word, reach: float) -> list[Word]:
    mid = anchor.top + anchor.height / 2
    row = [w for w in words if w is not anchor
           and anchor.left - reach < w.left < anchor.left
           and w.top <= mid <= w.top + w.height + 0.3 * anchor.height
           and abs((w.top + w.height / 2) - mid) < 0.7 * max(anchor.height, w.height)]
    return sorted(row, key=lambda w: w.left)


def _date_labels(line: list[Word], nam: Word, cap: float) -> tuple | None:
    """Positions of "ngày" (its right edge) and "tháng" (both edges) on the line left of
    "năm", and the engine's text in between."""
    if not line:
        return None
    char = _char_width([*line, nam], cap)
    space = 0.35 * cap
    w_ngay, w_thang = 4.2 * char, 5.2 * char
    ngay_right = thang_left = thang_right = None
    exact = {"ngay": False, "thang": False}  # the label is a word box of its own
    day_text, month_text = "", ""
    for w in line:
        f = _fold(w.text)
        i_ngay, i_thang = f.find("ngay"), f.find("thang")
        if i_ngay >= 0 and ngay_right is None:
            exact["ngay"] = re.fullmatch(r"ngay\W*", f) is not None
            ngay_right = w.left + min(w.width, (i_ngay + 4.3) * w.width / max(len(f), 1)
                                      if len(f) > 5 else w.width)
            ngay_right = min(ngay_right, w.left + w_ngay + (i_ngay * char))
        if i_thang >= 0 and thang_left is None:
            exact["thang"] = re.fullmatch(r"thang\W*", f) is not None
            if i_thang == 0:
                thang_left, thang_right = w.left, w.left + min(w.width, w_thang)
            else:
                thang_right = w.left + w.width if f.endswith("thang") else \
                    w.left + (i_thang + 5) * w.width / len(f)
                thang_left = thang_right - w_thang
            glued = f[:i_thang]
            if i_ngay >= 0:
                glued = f[i_ngay + 4:i_thang]
            day_text += re.sub(r"^\W+", "", glued)
            month_text += f[i_thang + 5:]
    place = next((w for w in reversed(line) if w.text.endswith(",")), None)
    if ngay_right is None and place is not None:
        ngay_right = place.left + place.width + space + w_ngay
    if thang_left is None:
        # the month as printed digits right before "năm": "tháng" is left of it
        month_word = next((w for w in reversed(line) if w.text.strip(".").isdigit()), None)
        if month_word is None or ngay_right is None or month_word.left < ngay_right:
            return None
        thang_right = month_word.left - space
        thang_left = thang_right - w_thang
    if ngay_right is None or thang_left is None or thang_right is None:
        return None
    top = min(w.top for w in [*line, nam])
    bottom = max(w.top + w.height for w in [*line, nam])
    day_words = [w for w in line if ngay_right <= w.left + w.width / 2 <= thang_left
                 and "thang" not in _fold(w.text) and "ngay" not in _fold(w.text)]
    month_words = [w for w in line if w.left + w.width / 2 >= thang_right
                   and "thang" not in _fold(w.text)]
    day_text += "".join(w.text for w in day_words)
    month_text += "".join(w.text for w in month_words)
    if not exact["thang"] and month_words and month_words[0].text[:1].isdigit():
        # "tháng" glued to the day: the engine's month digits say where the slot starts
        thang_right = max(thang_right, month_words[0].left - 0.3 * cap)
    loose = 0.3  # capitals: an estimated edge may be off by this much
    return (_SlotSpec("day", ngay_right, thang_left, day_text, day_words,
                      (0.0 if exact["ngay"] else loose, 0.0 if exact["thang"] else loose)),
            _SlotSpec("month", thang_right, nam.left, month_text, month_words,
                      (0.0 if exact["thang"] else loose, 0.0)),
            top, bottom, cap)


@dataclass(frozen=True)
class _SlotSpec:
    key: str
    left: float
    right: float
    engine: str
    words: list[Word]
    slack: tuple[float, float] = (0.0, 0.0)  # widen an edge that was estimated


# -- reading ---------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, image: np.ndarray, scale: float, model) -> None:
        self.image, self.scale, self.model = image, scale, model
        self.cap = 0.0  # printed capital height on the page, in word pixels

    def read(self, key: str, left: float, right: float, top: float, bottom: float,
             cap: float, engine: str, engine_conf: float, *,
             slack: tuple[float, float] = (0.0, 0.0), slash_near: bool = False,
             clip: tuple[bool, bool] = (True, True)) -> SlotReading:
        """Read the slot [left, right]. ``slack`` (in capitals) widens it where an edge
        was estimated rather than taken from a word box; ``slash_near``: the right edge
        is an estimate of where the code's printed "/" starts, so a thin stroke of
        printed height right there is that slash, not a "1"."""
        s = self.scale
        box = (int(left), int(top), int(right), int(bottom))
        glyphs = slot_glyphs(self.image, (left - slack[0] * cap) * s,
                             (right + slack[1] * cap) * s,
                             top * s, bottom * s, cap * s, clip)
        if slash_near and glyphs:
            glyph = glyphs[-1]
            gh, gw = glyph.shape
            if gw < 0.6 * cap * s and 0.8 * cap * s <= gh <= 1.45 * cap * s and \
                    _slant(glyph) > 0.15:
                glyphs = glyphs[:-1]
        base = SlotReading(key, "", (), engine, engine_conf, box, bool(glyphs))
        if not glyphs:
            return base
        guesses = []
        for glyph in glyphs:
            guesses.extend(self._best_cut(glyph))
        # marks at the slot's edges that are not digits (a colon, the code's slash, a
        # letter's tail) are trimmed; a non-digit inside stays as "?"
        while guesses and not guesses[0].is_digit:
            guesses = guesses[1:]
        while guesses and not guesses[-1].is_digit:
            guesses = guesses[:-1]
        text = "".join(g.digit for g in guesses)  # a non-digit inside stays "?"
        return SlotReading(key, text, tuple(g.probability for g in guesses), engine,
                           engine_conf, box, True)


    def ink_start(self, right: float, top: float, bottom: float, cap: float) -> float | None:
        """Going left from ``right`` along the line's band: the left edge of the ink run
        that ends at the first gap wider than 2 capitals (the start of "Số: …")."""
        s = self.scale
        y0, y1 = int(max(0, top * s)), int(min(self.image.shape[0], bottom * s))
        x0 = int(max(0, (right - 9 * cap) * s))
        band = self.image[y0:y1, x0:int(right * s)]
        if band.size == 0:
            return None
        cols = (band < 128).sum(axis=0) > 0
        gap, start = 0, None
        for x in range(len(cols) - 1, -1, -1):
            if cols[x]:
                gap, start = 0, x
            else:
                gap += 1
                if start is not None and gap > 2 * cap * s:
                    break
        else:
            return None  # no gap before it: not a line start we understand
        return (x0 + start) / s if start is not None else None

    def _best_cut(self, glyph: np.ndarray) -> list:
        """One glyph or touching digits: the whole blob and its cuts into two or three
        at the weakest columns, whichever the model reads with more confidence."""
        h, w = glyph.shape
        options = [[glyph]]
        for parts in (2, 3):
            if w >= (0.3 + 0.45 * (parts - 1)) * h:
                cut = _cut(glyph, parts)
                if len(cut) == parts:
                    options.append(cut)
        if len(options) == 1:
            return self.model.read(options[0])
        best, best_score = [], -1.0
        for option in options:
            guesses = self.model.read(option)
            score = float(np.exp(np.mean([np.log(max(g.probability, 1e-6)) if g.is_digit
                                          else np.log(1e-3) for g in guesses])))
            if score > best_score + (0.1 if len(option) > 1 else 0):
                best, best_score = guesses, score
        return best


def slot_glyphs(image: np.ndarray, left: float, right: float, top: float, bottom: float,
                cap: float, clip: tuple[bool, bool] = (True, True)) -> list[np.ndarray]:
    """The ink of one slot cut into glyph images (ink high), left to right.

    Handwriting overflows the printed line, so components are taken from a tall band and
    kept when they reach into the line's own band; broken strokes of one digit (a stamp's
    gaps, a crossed seven's bar) are merged when they share most of their width; wide
    blobs (touching digits) are cut later, where the model reads the cut better."""
    h, w = image.shape[:2]
    cap = max(cap, 8.0)
    if right - left < 0.3 * cap:
        return []
    # a wider crop than the slot: ink written over the label's edge belongs to the slot
    # when its centre is inside
    x0, x1 = int(max(0, left - cap)), int(min(w, right + cap))
    y0, y1 = int(max(0, top - 1.6 * cap)), int(min(h, bottom + 1.0 * cap))
    if y1 <= y0 or x1 <= x0:
        return []
    crop = image[y0:y1, x0:x1]
    if int(crop.min()) > 190:
        return []
    thr, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    # (Otsu puts a two-level crop's threshold on its dark level: ink is that level too)
    ink = (crop <= min(thr, 200)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    band_top, band_bottom = top - y0, bottom - y0
    lo, hi = left - x0, right - x0  # the slot's edges in crop columns
    boxes = []
    for i in range(1, n):
        bx, by, bw, bh, area = stats[i]
        # a stroke run into the printed label ("ngày" touching "06", "17" touching
        # "tháng") is cut at the slot's edge; the label's part stays outside
        # (only at an edge taken from a word box: an estimated edge may cut a digit)
        cx0 = max(bx, int(lo - 0.1 * cap)) if clip[0] and bx < lo - 0.3 * cap else bx
        cx1 = min(bx + bw, int(hi + 0.1 * cap)) if clip[1] and bx + bw > hi + 0.3 * cap \
            else bx + bw
        if (cx0, cx1) != (bx, bx + bw):
            rows = np.nonzero((labels[by:by + bh, cx0:cx1] == i).any(axis=1))[0]
            if cx1 <= cx0 or not len(rows):
                continue
            bx, bw, by, bh = cx0, cx1 - cx0, by + int(rows[0]), int(rows[-1] - rows[0] + 1)
        centre = bx + bw / 2
        if not lo - 0.1 * cap <= centre <= hi - 0.1 * cap:
            continue  # the label's last letter, the code's slash
        if by > band_bottom - 0.15 * cap or by + bh < band_top + 0.15 * cap:
            continue  # wholly above or below the line: another line's ink
        if bh < 0.35 * cap and bw < 0.6 * cap:
            continue  # dots of a fill-in line, specks
        if area < 0.02 * cap * cap:
            continue
        if bw > 4 * cap and bh < 0.4 * cap:
            continue  # an underline
        boxes.append([bx, by, bx + bw, by + bh, [i], bh])
    boxes.sort(key=lambda b: b[0])
    merged: list[list] = []
    for b in boxes:
        if merged:
            m = merged[-1]
            overlap = min(m[2], b[2]) - max(m[0], b[0])
            narrow = min(m[2] - m[0], b[2] - b[0])
            short, tall = sorted((m[3] - m[1], b[3] - b[1]))
            # a piece of one digit (a stamp's gap, a crossed seven's bar) is shorter
            # than the digit; two full strokes side by side ("11" as "//") are two digits
            if overlap >= 0.6 * narrow and short < 0.7 * tall:
                merged[-1] = [min(m[0], b[0]), min(m[1], b[1]), max(m[2], b[2]),
                              max(m[3], b[3]), m[4] + b[4], max(m[5], b[5])]
                continue
        merged.append(b)
    glyphs = []
    for bx0, by0, bx1, by1, ids, tallest in merged:
        if tallest < 0.45 * cap:
            continue  # only small pieces: a colon's dots, a comma, a fill-in line's dots
        sub = np.isin(labels[by0:by1, bx0:bx1], ids)
        glyph = np.where(sub, 255 - crop[by0:by1, bx0:bx1], 0).astype(np.uint8)
        if by1 - by0 < 0.5 * cap:
            continue  # too small to be a digit written in a slot (a hyphen, a comma)
        glyphs.append(glyph)
    return glyphs


def _slant(glyph: np.ndarray) -> float:
    """How far the ink leans right going up, per unit of height ("/" ≈ 0.3–0.5)."""
    h = glyph.shape[0]
    xs = np.arange(glyph.shape[1])
    top, bottom = glyph[: h // 3] > 0, glyph[-(h // 3):] > 0
    if not top.any() or not bottom.any():
        return 0.0
    x_top = (top.sum(axis=0) * xs).sum() / top.sum()
    x_bottom = (bottom.sum(axis=0) * xs).sum() / bottom.sum()
    return float((x_top - x_bottom) / max(1, h * 2 / 3))


def _cut(glyph: np.ndarray, parts: int) -> list[np.ndarray]:
    """Touching digits: the blob cut into ``parts`` at the weakest columns near the even
    cut positions."""
    h, w = glyph.shape
    cols = (glyph > 0).sum(axis=0).astype(float)
    cuts, start = [], 0
    for k in range(1, parts):
        centre = int(w * k / parts)
        reach = max(1, w // (4 * parts))
        lo, hi = max(start + 2, centre - reach), min(w - 2, centre + reach)
        if hi <= lo:
            return [glyph]
        cut = lo + int(np.argmin(cols[lo:hi]))
        cuts.append(cut)
        start = cut
    pieces, prev = [], 0
    for cut in [*cuts, w]:
        piece = glyph[:, prev:cut]
        if piece.any():
            pieces.append(piece)
        prev = cut
    return pieces
