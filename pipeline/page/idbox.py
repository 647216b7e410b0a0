"""ID boxes: a personal ID number written by hand into a row of printed boxes.

Declarations and forms (tờ khai, the CT01 residence form, birth-registration forms) print
a label — "Số định danh cá nhân", "Số CCCD", "Số CMND/CCCD", "Mã số định danh" — and
after it a row of 12 (sometimes 9) boxes, one handwritten digit in each. The printed-text
engine reads the label and garbles the boxes (box sides come out as "|" and "1").

This module finds each such label from the OCR words (accent-folded, anywhere on the page,
either column), then the box row from the image itself, on the label's line right of it
or on the next line: vertical strokes of one height at a regular pitch, with a horizontal
rule above or below them (missing sides and a small residual skew are tolerated; never
fixed positions). Each cell is cut inside its border with the box lines taken out (strokes
crossing a line are kept), and its ink read with :mod:`ocr_models.digits`.

With no boxes after the label, the number may be written freehand on a fill-in line of
dots, dashes or a rule, on the label's line or below it (:func:`written_freehand`): the
leaders, rules and printed words are taken out and what ink is left is read glyph by
glyph with the same digit model; a blank line makes no reading, so a blank form stays
blank.

It returns readings, not field values: :mod:`pipeline.papers.digits_settle` decides with
the ID validator what ``so_dinh_danh`` (or the person's key) becomes, and flags it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from ocr_models.base import Word
from pipeline.page.slots import _cap_height, _fold, _label_right, _lines, _page_cap

# the label, on accent-folded text; OCR slips on "i"/"l"/"1" are tolerated, and a final
# "D" of "CCCD"/"CMND" read as "p" or "o" ("Số cccp:", at 150 dpi)
_LABEL = re.compile(
    r"(?:ma\s*)?so\s*d[i1l]nh\s*d[a4]nh?(?:\s*c[a4]\s*nh[a4]n)?"
    r"|(?<![a-z])so\s*(?:[cmnd]{3}[cmndpo](?![a-z])|can\s*cuoc(?:\s*cong\s*dan)?"  # "cccn"
    r"|chung\s*minh(?:\s*nhan\s*dan)?)"
    r"|(?<![a-z])(?:cmnd|cccd)(?![a-z])")
# the person the ID belongs to, when the label says so ("… của chủ hộ")
_OWNER = ((re.compile(r"^\W*(?:/\s*\w+\s*)?cua\s*chu\s*ho"), "_chu_ho"),
          (re.compile(r"^\W*(?:/\s*\w+\s*)?cua\s*nguoi\s*yeu\s*cau"), "_nguoi_yeu_cau"),
          (re.compile(r"^\W*(?:/\s*\w+\s*)?cua\s*(?:nguoi\s*)?me\b"), "_me"),
          (re.compile(r"^\W*(?:/\s*\w+\s*)?cua\s*(?:nguoi\s*)?cha\b"), "_cha"),
          (re.compile(r"^\W*(?:/\s*\w+\s*)?cua\s*vo\b"), "_vo"),
          (re.compile(r"^\W*(?:/\s*\w+\s*)?cua\s*chong\b"), "_chong"))
MIN_CELLS = 6  # fewer regular boxes than this is not an ID row
MAX_CELLS = 14
# a digit of an ID read with less probability than this is "unsure" (on generated forms
# with held-out handwriting, sure digits below 0.9 were no more often wrong than above)
ID_SURE = 0.65
# digits the engine read after a label with no boxes and no writing found there count
# only when read with this confidence (else they are a fill-in line's dots and dashes
# read as "1"s, as on blank generated forms)
LOOSE_SURE = 0.5


@dataclass(frozen=True)
class IdBoxReading:
    """One box row: what the digit model read in its cells, and the engine's text there."""

    suffix: str  # the person the label names: "" or "_chu_ho", "_me", …
    label: str  # the label's words as read
    cells: int  # boxes found in the row (0: no boxes, only what the engine read there)
    text: str  # one character per filled cell, left to right: a digit, or "?" when unsure
    probabilities: tuple[float, ...] = ()
    # per filled cell, the model's three best digits with their probabilities
    choices: tuple[tuple[tuple[str, float], ...], ...] = ()
    engine_text: str = ""  # the engine's characters inside the row
    engine_confidence: float = 0.0
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # left, top, right, bottom (page pixels)
    label_box: tuple[int, int, int, int] = (0, 0, 0, 0)
    # no boxes, but ink written after the label (a number written freehand on the fill-in
    # line): ``text`` is then the digit model's reading of that ink, glyph by glyph
    freehand: bool = False

    @property
    def filled(self) -> int:
        return len(self.text)

    @property
    def sure(self) -> bool:
        """Every filled cell is a digit read with probability ≥ ID_SURE."""
        return bool(self.text) and "?" not in self.text and \
            all(p >= ID_SURE for p in self.probabilities)

    @property
    def engine_digits(self) -> str:
        return "".join(c for c in self.engine_text if c.isdigit())


def read_id_boxes(image: np.ndarray, words: Sequence[Word], scale: float = 1.0,
                  model=None, read_lines: LineReader | None = None) -> list[IdBoxReading]:
    """Every ID box row of a page that follows an ID label, read.

    ``image`` is the cleaned grey page the engine read; ``words`` are in page coordinates
    and ``scale`` maps them to ``image`` pixels (image = words × scale).

    ``read_lines`` (crops of ``image`` → the engine's words in each, crop pixels): the
    lines of ink the engine returned nothing for are read again one by one with it (a
    row of boxes or handwriting on a label's line can make the engine drop the whole
    line, label and all); what it reads there only serves to find labels here (the
    engine's digits after a label or inside a row are those of ``words`` alone)."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if not words:
        return []
    cap = _page_cap(words) or float(np.median([w.height for w in words]))
    lines = _lines(words)
    out = _read_labels(image, words, words, lines, cap, scale, model)
    if read_lines is not None and _about_a_person(lines):
        # what the first pass read (rows, writing, labels) is no dropped line
        claimed = [b for r in out for b in (r.box, r.label_box)]
        extra = _reread_unread_lines(image, words, cap, scale, read_lines, claimed)
        if extra:
            every = [*words, *extra]
            out = _read_labels(image, every, words, _lines(every), cap, scale, model)
    return out


def _read_labels(image: np.ndarray, words: Sequence[Word], first: Sequence[Word],
                 lines: list[list[Word]], cap: float, scale: float, model
                 ) -> list[IdBoxReading]:
    """The readings after each ID label of ``lines``: ``first`` are the engine's words
    of the page (its digits are "the engine's"), ``words`` those with the lines read
    again."""
    labels = [hit for ln in lines if (hit := _label(ln)) is not None]
    if not labels:
        return []
    if model is None:
        from ocr_models.digits import box_model

        # retrained on cells cut out of box rows; on freehand numbers too it reads more
        # whole IDs than the letters' model (idbox_bench --layout freehand, seeds 11 and
        # 13: 14 of 30 against 7 of 30, digits 57 % against 53 %)
        model = box_model()
    out: list[IdBoxReading] = []
    taken: list[tuple[float, float, float, float]] = []
    rows = [find_row(image, label_words, cap, scale) for label_words, _ in labels]
    # every box row of the page, in page pixels: no label's freehand writing
    row_boxes = [(int(r.box[0] / scale), int(r.box[1] / scale), int(r.box[2] / scale),
                  int(r.box[3] / scale)) for r in rows if r is not None]
    for (label_words, tail), row in zip(labels, rows, strict=True):
        if row is None:
            loose = _written_after(label_words, first, cap, tail)
            hand = written_freehand(image, label_words, words, cap, scale, tail,
                                    model, avoid=row_boxes)
            if hand is not None and not any(_overlap(hand.box, t) for t in taken):
                taken.append(hand.box)
                if loose is not None:  # the engine's digits kept beside the model's
                    hand = replace(hand, engine_text=loose.engine_text,
                                   engine_confidence=loose.engine_confidence)
                out.append(hand)
            elif loose is not None and loose.engine_confidence >= LOOSE_SURE:
                out.append(loose)  # (unsure digits and no writing: a blank line's dots)
            continue
        x0, y0, x1, y1 = row.box
        box = (int(x0 / scale), int(y0 / scale), int(x1 / scale), int(y1 / scale))
        if any(_overlap(box, t) for t in taken):
            continue  # the next line's row claimed by the label above it
        taken.append(box)
        text, probs, choices = _read_cells(image, row, model)
        inside = [w for w in first if box[0] <= w.left + w.width / 2 <= box[2]
                  and box[1] <= w.top + w.height / 2 <= box[3]]
        lb = (min(w.left for w in label_words), min(w.top for w in label_words),
              max(w.left + w.width for w in label_words),
              max(w.top + w.height for w in label_words))
        out.append(IdBoxReading(
            _owner(tail), " ".join(w.text for w in label_words), len(row.sides) - 1, text,
            probs, choices, "".join(w.text for w in inside),
            min((w.confidence for w in inside), default=0.0), box, lb))
    return out


LineReader = Callable[[list[np.ndarray]], list[Sequence[Word]]]
# a line of ink the engine returned no words for: at least this many capitals wide, at
# most UNREAD_TALL capitals tall (a box row is up to four), and at most UNREAD_LINES of
# them read again per page (the widest)
UNREAD_WIDE = 8
UNREAD_TALL = 5.0
UNREAD_LINES = 6
UNREAD_BESIDE = 8  # capitals: a printed word this near a band's start is of its line
REREAD_BLOCK = 9000  # block numbers of the words read again (their own lines)
REREAD_WINDOW = 1.8  # a line's height in capitals, for the windows of a tall band
REREAD_START = 24  # capitals: the start of a band, where a form's label is


# a form about a person: where an ID label may be among the lines the engine dropped
_PERSON = re.compile(r"h[o0]\s*,?\s*(?:chu\s*dem\s*)?(?:va\s*)?ten"
                     r"|ngay\s*,?\s*thang\s*,?\s*nam\s*sinh"
                     r"|gioi\s*tinh|noi\s*thuong\s*tru|que\s*quan")


def _about_a_person(lines: list[list[Word]]) -> bool:
    """Whether the page asks about a person (name, birth date, sex, residence) or has an
    ID label: the pages worth reading dropped lines again for one."""
    for line in lines:
        folded = " ".join(_fold(w.text) for w in line)
        if _PERSON.search(folded) or _LABEL.search(folded):
            return True
    return False


def unread_lines(image: np.ndarray, words: Sequence[Word], cap: float, scale: float,
                 claimed: Sequence[tuple[int, int, int, int]] = ()
                 ) -> list[tuple[int, int, int, int]]:
    """Lines of ink (image pixels: left, top, right, bottom) where the engine returned
    no printed word: the page's ink with every word's box taken out, joined along the
    line, as blobs of a line's height and many capitals wide with no printed word of
    letters beside them on their line (handwriting after a printed label is not one).
    ``claimed``: boxes (page pixels) of what was read already (a row of boxes, writing
    after a label): a band mostly inside them is none."""
    s = scale
    c = max(cap * s, 6.0)
    h, w = image.shape[:2]
    ink = _ink(image)
    for word in words:
        a, b = int(word.left * s - 0.2 * c), int(word.top * s - 0.2 * c)
        ink[max(0, b):max(0, int((word.top + word.height) * s + 0.2 * c)),
            max(0, a):max(0, int((word.left + word.width) * s + 0.2 * c))] = 0
    # specks and the page's edges out; characters of a line joined
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    joined = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (int(1.2 * c), 1)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    # (an item number "4" read alone in the margin does not make its line read, nor does
    # a word boxed over two lines, the engine's reading of lines it ran together)
    printed = [wd for wd in words if _printed(wd, cap) and wd.height <= 1.8 * cap
               and sum(ch.isalpha() for ch in wd.text) >= 2]
    blobs = sorted((int(x), int(y), int(x + bw), int(y + bh))
                   for x, y, bw, bh, _ in stats[1:]
                   if 0.6 * c <= bh <= UNREAD_TALL * c and x > 2 and y > 2
                   and x + bw < w - 2 and y + bh < h - 2)  # (not the scan's border)
    merged: list[list[int]] = []
    for x0, y0, x1, y1 in blobs:  # the pieces of one line (a label, then its boxes)
        for m in merged:
            overlap = min(m[3], y1) - max(m[1], y0)
            if overlap >= 0.5 * min(m[3] - m[1], y1 - y0) and x0 - m[2] <= 3 * c:
                m[:] = [m[0], min(m[1], y0), max(m[2], x1), max(m[3], y1)]
                break
        else:
            merged.append([x0, y0, x1, y1])
    found = []
    for x0, y0, x1, y1 in merged:
        if x1 - x0 < UNREAD_WIDE * c or y1 - y0 > UNREAD_TALL * c:
            continue
        inside = sum(max(0, min(x1, bx1 * s) - max(x0, bx0 * s)) *
                     max(0, min(y1, by1 * s) - max(y0, by0 * s))
                     for bx0, by0, bx1, by1 in claimed)
        if inside >= 0.5 * (x1 - x0) * (y1 - y0):
            continue
        # a line the engine read (part of it): its words are there, centred on it (the
        # line above's words may reach into a band made tall by handwriting)
        quarter = (y1 - y0) / 4
        if any(y0 + quarter <= (wd.top + wd.height / 2) * s <= y1 - quarter
               and (wd.left + wd.width) * s >= x0 - UNREAD_BESIDE * c and wd.left * s <= x1
               for wd in printed):
            continue
        found.append((x0, y0, x1, y1))
    found.sort(key=lambda b: b[0] - b[2])
    return sorted(found[:UNREAD_LINES], key=lambda b: b[1])


def _reread_unread_lines(image: np.ndarray, words: Sequence[Word], cap: float,
                         scale: float, read_lines: LineReader,
                         claimed: Sequence[tuple[int, int, int, int]] = ()) -> list[Word]:
    """The engine's words (page coordinates, lines of their own) in the lines of ink it
    returned nothing for, read again one line at a time: each band whole, and its
    start alone; a band taller than a line (handwriting reaching into the line above, a
    row of boxes) also in windows of a line's height at its bottom, middle and top. Per
    band, the words of the first reading that holds an ID label are kept (none of a band
    without one)."""
    bands = unread_lines(image, words, cap, scale, claimed)
    if not bands:
        return []
    h, w = image.shape[:2]
    c = max(cap * scale, 6.0)
    pad = 12
    crops, offsets, owner = [], [], []
    for n, (x0, y0, x1, y1) in enumerate(bands):
        full = (y0 - 0.3 * c, y1 + 0.3 * c)
        # the whole band, then its start alone (where a form's label is; handwriting
        # further on the line can throw the engine off the whole line)
        windows = [(full, x1 + c)]
        if x1 - x0 > REREAD_START * c:
            windows.append((full, x0 + REREAD_START * c))
        if y1 - y0 > REREAD_WINDOW * c:
            half = REREAD_WINDOW * c / 2
            windows += [((mid - half, mid + half), min(x1 + c, x0 + REREAD_START * c))
                        for mid in (y1 - half, (y0 + y1) / 2, y0 + half)]
        a = max(0, int(x0 - c))
        for (top, bottom), right in windows:
            b = max(0, int(top))
            crop = image[b:min(h, int(bottom)), a:min(w, int(right))]
            crops.append(cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_CONSTANT,
                                            value=255))
            offsets.append((a - pad, b - pad))
            owner.append(n)
    try:
        reads = read_lines(crops)
    except Exception:  # noqa: BLE001 - the engine's first reading stays
        return []
    chosen: dict[int, list[Word]] = {}
    for k, (found, (dx, dy), n) in enumerate(zip(reads, offsets, owner, strict=True)):
        got = [Word(wd.text, int(round((wd.left + dx) / scale)),
                    int(round((wd.top + dy) / scale)), max(1, int(round(wd.width / scale))),
                    max(1, int(round(wd.height / scale))), wd.confidence,
                    REREAD_BLOCK + k, 0, 0) for wd in found or () if wd.text.strip()]
        if n not in chosen and got and _label(sorted(got, key=lambda wd: wd.left)):
            chosen[n] = got
    return [wd for n in sorted(chosen) for wd in chosen[n]]


def _written_after(label_words: list[Word], words: Sequence[Word], cap: float, tail: str
                   ) -> IdBoxReading | None:
    """No boxes after a form's label ("…: " with a colon): what the engine read right of
    it on the line, as a reading of no cells (``text`` "?"), so that the settle stage
    keeps the label's field when nobody else made one. Fill-in dots are nothing."""
    last = label_words[-1]
    if ":" not in last.text:
        return None
    right = last.left + last.width
    mid = last.top + last.height / 2
    after = sorted((w for w in words if right <= w.left < right + 14 * cap
                    and w.top <= mid <= w.top + w.height), key=lambda w: w.left)
    text = "".join(w.text for w in after)
    if not re.search(r"\d", text):
        return None  # a blank (dots), or words: not an ID the engine saw
    box = (min(w.left for w in after), min(w.top for w in after),
           max(w.left + w.width for w in after), max(w.top + w.height for w in after))
    lb = (min(w.left for w in label_words), min(w.top for w in label_words), right,
          max(w.top + w.height for w in label_words))
    sure = min(w.confidence for w in after if re.search(r"\d", w.text))
    return IdBoxReading(_owner(tail), " ".join(w.text for w in label_words), 0, "?", (0.0,),
                        ((),), text, sure, box, lb)


def _overlap(a: tuple, b: tuple) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _owner(tail: str) -> str:
    for rx, suffix in _OWNER:
        if rx.match(tail):
            return suffix
    return ""


def _label(line: list[Word]) -> tuple[list[Word], str] | None:
    """The label words of an ID label on the line, and the folded text after them."""
    folded, spans = "", []
    for w in line:
        start = len(folded) + (1 if folded else 0)
        folded = f"{folded} {_fold(w.text)}" if folded else _fold(w.text)
        spans.append((start, len(folded)))
    m = _LABEL.search(folded)
    if m is None:
        return None
    # the words up to the label's colon (or its end): "Số định danh cá nhân/CMND:"
    colon = folded.find(":", m.end())
    end = colon + 1 if 0 <= colon < m.end() + 30 else m.end()
    chosen = [(w, s, e) for w, (s, e) in zip(line, spans, strict=True)
              if s < end and e > m.start()]
    last, s, e = chosen[-1]
    if end < e:  # the engine glued what follows the colon to it ("CCCD:..)25/"): its
        # box ends where the label's characters would, at the line's print width
        cap = _cap_height(line)
        right = _label_right(last, end - s, line, cap)
        last = replace(last, text=last.text[:end - s],
                       width=max(1, round(right - last.left)))
    return [w for w, _, _ in chosen[:-1]] + [last], folded[m.end():]


# -- the row ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoxRow:
    """A row of boxes in image pixels: the x of each side (left to right), the top and
    bottom rules as lines y = a + b·x, and the line thickness."""

    sides: tuple[float, ...]
    top: tuple[float, float]
    bottom: tuple[float, float]
    thickness: int  # of the sides
    rules: tuple[int, int] = (0, 0)  # thickness of the top and bottom rules (0: as the sides)

    @property
    def pitch(self) -> float:
        return (self.sides[-1] - self.sides[0]) / max(1, len(self.sides) - 1)

    def y_top(self, x: float) -> float:
        return self.top[0] + self.top[1] * x

    def y_bottom(self, x: float) -> float:
        return self.bottom[0] + self.bottom[1] * x

    @property
    def box(self) -> tuple[float, float, float, float]:
        x0, x1 = self.sides[0], self.sides[-1]
        return (x0, min(self.y_top(x0), self.y_top(x1)), x1,
                max(self.y_bottom(x0), self.y_bottom(x1)))


def find_row(image: np.ndarray, label_words: Sequence[Word], cap: float,
             scale: float = 1.0) -> BoxRow | None:
    """The box row after a label: on its line right of it, else on the next line."""
    s = scale
    h, w = image.shape[:2]
    left = min(x.left for x in label_words)
    right = max(x.left + x.width for x in label_words)
    top = min(x.top for x in label_words)
    bottom = max(x.top + x.height for x in label_words)
    mid = (top + bottom) / 2
    cap_px = max(cap * s, 6.0)
    regions = (  # (a box may be three or four capitals tall, and sit low on the line)
        (right * s - 0.5 * cap_px, mid * s - 4 * cap_px, w, mid * s + 4.5 * cap_px, True),
        (left * s - 3 * cap_px, bottom * s, w, bottom * s + 6 * cap_px, False),
    )
    for x0, y0, x1, y1, same_line in regions:
        x0, y0 = int(max(0, x0)), int(max(0, y0))
        x1, y1 = int(min(w, x1)), int(min(h, y1))
        if x1 - x0 < 4 * cap_px or y1 - y0 < 2 * cap_px:
            continue
        row = row_in(image[y0:y1, x0:x1], cap_px)
        if row is not None and same_line:
            # on the label's line the boxes span the line's middle (else it is the next
            # line's row, seen from its right part)
            line = mid * s - y0
            if not row.y_top(row.sides[0]) - 0.5 * cap_px <= line <= \
                    row.y_bottom(row.sides[0]) + 0.5 * cap_px:
                row = None
        if row is not None:
            return BoxRow(tuple(x + x0 for x in row.sides),
                          (row.top[0] + y0 - row.top[1] * x0, row.top[1]),
                          (row.bottom[0] + y0 - row.bottom[1] * x0, row.bottom[1]),
                          row.thickness, row.rules)
    return None


def _ink(crop: np.ndarray) -> np.ndarray:
    thr, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    # (Otsu puts a two-level page's threshold on its dark level: ink is then that level)
    return (crop <= min(thr, 200)).astype(np.uint8)


def row_in(crop: np.ndarray, cap: float) -> BoxRow | None:
    """The longest row of regularly spaced boxes in a grey crop (crop coordinates)."""
    if int(crop.min()) > 190:
        return None
    ink = _ink(crop)
    vk = max(5, int(0.8 * cap))
    vmask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(
        cv2.MORPH_RECT, (1, vk)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(vmask, connectivity=8)
    thin = max(3, int(0.35 * cap))
    strokes = []
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if not 1.0 * cap <= bh <= 4.5 * cap or bw > 2 * thin:
            continue
        # the side is the columns that run the stroke's whole height: a digit's stroke
        # touching it widens the component, not the side
        counts = (labels[y:y + bh, x:x + bw] == i).sum(axis=0)
        cols = np.nonzero(counts >= 0.8 * counts.max())[0]
        if len(cols) > thin:
            continue
        strokes.append((float(x + cols.mean() + 0.5), float(y), float(y + bh), len(cols)))
    strokes.sort()
    chain = _best_chain(strokes, cap)
    if chain is None:
        return None
    xs = np.array([c[0] for c in chain])
    heights = np.array([c[2] - c[1] for c in chain])
    full = [c for c, hh in zip(chain, heights, strict=True) if hh >= 0.8 * np.median(heights)]
    if len(full) < 3:
        return None
    fx = np.array([c[0] for c in full])
    top = _fit(fx, np.array([c[1] for c in full]))
    bottom = _fit(fx, np.array([c[2] for c in full]))
    thickness = int(np.median([c[3] for c in chain]))
    sides = _fill_sides(_extend_ends(ink, list(xs), top, bottom, thickness))
    row = BoxRow(tuple(sides), top, bottom, max(1, thickness))
    height = row.y_bottom(sides[0]) - row.y_top(sides[0])
    if not 0.4 <= row.pitch / max(height, 1.0) <= 2.2:
        return None
    if not (_rule(ink, row, row.y_top, thickness) or _rule(ink, row, row.y_bottom, thickness)):
        return None  # regular strokes with no rule: letters or a table, not boxes
    if not MIN_CELLS <= len(sides) - 1 <= MAX_CELLS:
        return None
    (top, t_top), (bottom, t_bottom) = (_refine_rule(ink, row, fit, height)
                                        for fit in (row.top, row.bottom))
    return BoxRow(row.sides, top, bottom, row.thickness, (t_top, t_bottom))


def _refine_rule(ink: np.ndarray, row: BoxRow, fit: tuple[float, float], height: float
                 ) -> tuple[tuple[float, float], int]:
    """Where the rule estimated from the sides' ends really runs, and how thick it is:
    the rows (parallel to the estimate) that ink covers most along the row."""
    a, b = fit
    h = ink.shape[0]
    xs = np.arange(int(row.sides[0]), int(row.sides[-1]) + 1)
    reach = max(3, int(0.2 * height))
    cover = []
    for dy in range(-reach, reach + 1):
        ys = np.clip(np.round(a + b * xs + dy).astype(int), 0, h - 1)
        cover.append(float(ink[ys, xs].mean()))
    cover_ = np.array(cover)
    peak = int(np.argmax(cover_))
    if cover_[peak] < 0.5:
        return fit, 0  # no rule there (a missing side of the box): keep the estimate
    lo = hi = peak
    while lo > 0 and cover_[lo - 1] >= 0.5 * cover_[peak]:
        lo -= 1
    while hi < len(cover_) - 1 and cover_[hi + 1] >= 0.5 * cover_[peak]:
        hi += 1
    return (a + (lo + hi) / 2 - reach, b), hi - lo + 1


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """y = a + b·x by least squares, the slope kept to a small residual skew (≤ 2°)."""
    if len(x) >= 3 and np.ptp(x) > 0:
        b, a = np.polyfit(x, y, 1)
        b = float(np.clip(b, -0.035, 0.035))
        a = float(np.median(y - b * x))
        return a, b
    return float(np.median(y)), 0.0


def _best_chain(strokes: list[tuple[float, float, float, int]], cap: float
                ) -> list[tuple[float, float, float, int]] | None:
    """The best run of strokes of one height band at a regular pitch: the most sides,
    a side lost in the scan now and then (not two in a row, at most two in all; a digit's
    strokes between the sides must not make a chain at half the pitch)."""
    best: list = []
    best_score = 0.0
    for i, a in enumerate(strokes):
        # the next few strokes of a's band (strokes of other ink, the line above or
        # below, do not count: they would push a's neighbour side out of reach)
        near = [b for b in strokes[i + 1:] if b[0] - a[0] <= 4.5 * cap and _same_band(a, b)]
        for b in near[:5]:
            pitch = b[0] - a[0]
            if not 0.8 * cap <= pitch:
                continue
            chain = [a, b]
            x, missed, misses = b[0], False, 0
            while True:
                nxt = [c for c in strokes if abs(c[0] - (x + pitch)) <= 0.15 * pitch
                       and _same_band(a, c)]
                if nxt:
                    c = min(nxt, key=lambda c: abs(c[0] - (x + pitch)))
                    chain.append(c)
                    pitch = (c[0] - chain[0][0]) / round((c[0] - chain[0][0]) / pitch)
                    x, missed = c[0], False
                elif not missed and misses < 2:
                    x, missed, misses = x + pitch, True, misses + 1  # a side lost
                else:
                    break
            score = len(chain) - 0.5 * (misses - (1 if missed else 0))
            if score > best_score:
                best, best_score = chain, score
    return best if len(best) >= 4 else None


# a side the stroke finder lost at either end of the row (a bold digit touching it makes
# one blob of the two): found again one pitch beyond the end, where a column of ink runs
# the row's whole height (at least SIDE_COVER of it) and both rules run on to it
SIDE_COVER = 0.85
RULE_COVER = 0.8


def _extend_ends(ink: np.ndarray, xs: list[float], top: tuple[float, float],
                 bottom: tuple[float, float], thickness: int) -> list[float]:
    """The sides ``xs`` of a row (a chain at a regular pitch), with the sides lost at
    either end put back: one pitch beyond the end (±15 %), a narrow run of columns that
    ink covers from rule to rule, and the top and bottom rules both running on from the
    end to it (a row's last box has them; a printed word or the label's colon next to
    the row, or handwriting over a fill-in line, has not)."""
    if len(xs) < 2:
        return xs
    h, w = ink.shape
    pitch = (xs[-1] - xs[0]) / max(1, round((xs[-1] - xs[0]) / float(np.median(np.diff(xs)))))
    reach = max(2, thickness + 1)
    widest = max(3, 2 * thickness + 2)

    def cover(x: int) -> float:
        ya = int(round(top[0] + top[1] * x)) + reach
        yb = int(round(bottom[0] + bottom[1] * x)) - reach
        if not 0 <= x < w or yb - ya < 3:
            return 0.0
        return float(ink[max(0, ya):min(h, yb), x].mean())

    def rule_on(x_from: float, x_to: float) -> bool:
        lo, hi = sorted((int(round(x_from)), int(round(x_to))))
        cols = [x for x in range(lo, hi + 1) if 0 <= x < w]
        if len(cols) < 0.8 * (hi - lo + 1):
            return False
        for a, b in (top, bottom):
            hits = sum(bool(ink[max(0, int(round(a + b * x)) - reach):
                                min(h, int(round(a + b * x)) + reach + 1), x].any())
                       for x in cols)
            if hits < RULE_COVER * len(cols):
                return False
        return True

    out = list(xs)
    for step in (-1, 1):
        while len(out) <= MAX_CELLS:
            end = out[0] if step < 0 else out[-1]
            want = end + step * pitch
            lo, hi = int(round(want - 0.15 * pitch)), int(round(want + 0.15 * pitch))
            full = [x for x in range(lo, hi + 1) if cover(x) >= SIDE_COVER]
            runs: list[list[int]] = []
            for x in full:
                if runs and x == runs[-1][-1] + 1:
                    runs[-1].append(x)
                else:
                    runs.append([x])
            runs = [r for r in runs if len(r) <= widest]
            if not runs:
                break
            run = min(runs, key=lambda r: abs(np.mean(r) - want))
            x_new = float(np.mean(run)) + 0.5
            if not rule_on(end, x_new):
                break
            if step < 0:
                out.insert(0, x_new)
            else:
                out.append(x_new)
    return out


def _same_band(a: tuple, b: tuple) -> bool:
    """Two strokes that run between the same two rules: nearly the same top and bottom."""
    overlap = min(a[2], b[2]) - max(a[1], b[1])
    return overlap >= 0.8 * max(a[2] - a[1], b[2] - b[1])


def _fill_sides(xs: list[float]) -> list[float]:
    """Sides at the row's pitch, with the lost ones put back."""
    gaps = np.diff(xs)
    pitch = float(np.median(gaps))
    out = [xs[0]]
    for x in xs[1:]:
        k = max(1, round((x - out[-1]) / pitch))
        for m in range(1, k):
            out.append(out[-1] + (x - out[-1]) * m / k)
        out.append(x)
    return out


def _rule(ink: np.ndarray, row: BoxRow, y_of, thickness: int) -> bool:
    """Whether a horizontal rule runs along y_of(x) over the row (most of its length)."""
    h = ink.shape[0]
    reach = max(2, thickness + 1)
    hits, total = 0, 0
    for x in range(int(row.sides[0]), int(row.sides[-1]) + 1):
        y = int(round(y_of(x)))
        total += 1
        if ink[max(0, y - reach): min(h, y + reach + 1), x].any():
            hits += 1
    return total > 0 and hits >= 0.7 * total


# -- the cells -------------------------------------------------------------------------------------


def _read_cells(image: np.ndarray, row: BoxRow, model
                ) -> tuple[str, tuple[float, ...], tuple[tuple[tuple[str, float], ...], ...]]:
    """The filled cells read: text ("?" where unsure), the read digits' probabilities and
    each cell's three best digits."""
    glyphs = cell_glyphs(image, row)
    filled = [g for g in glyphs if g is not None]
    if not filled:
        return "", (), ()
    from ocr_models.digits import normalise

    return _decode(model.probabilities(np.stack([normalise(g) for g in filled])))


def _decode(probs: np.ndarray
            ) -> tuple[str, tuple[float, ...], tuple[tuple[tuple[str, float], ...], ...]]:
    """The digit model's probabilities of each glyph as a reading: the text ("?" where no
    digit reaches ID_SURE), the read digits' probabilities and each glyph's three best
    digits."""
    from ocr_models.digits import LABELS, REJECT

    text, read, choices = "", [], []
    for p in probs:
        order = [int(i) for i in np.argsort(p)[::-1]]
        top = order[0]
        sure = top != REJECT and p[top] >= ID_SURE
        text += LABELS[top] if sure else UNSURE
        read.append(float(p[top]) if top != REJECT else 0.0)
        choices.append(tuple((LABELS[i], float(p[i])) for i in order if i != REJECT)[:3])
    return text, tuple(read), tuple(choices)


def cell_glyphs(image: np.ndarray, row: BoxRow) -> list[np.ndarray | None]:
    """The ink of each cell (ink high), box lines taken out; ``None`` for an empty cell."""
    h, w = image.shape[:2]
    pitch, t = row.pitch, row.thickness
    x0 = int(max(0, row.sides[0] - 0.5 * pitch))
    x1 = int(min(w, row.sides[-1] + 0.5 * pitch))
    height = row.y_bottom(row.sides[0]) - row.y_top(row.sides[0])
    y0 = int(max(0, min(row.y_top(row.sides[0]), row.y_top(row.sides[-1])) - 0.6 * height))
    y1 = int(min(h, max(row.y_bottom(row.sides[0]), row.y_bottom(row.sides[-1]))
                 + 0.4 * height))
    crop = image[y0:y1, x0:x1]
    if crop.size == 0:
        return [None] * (len(row.sides) - 1)
    ink = _ink(crop)
    # the box lines, from the row's geometry (a digit's own straight stroke is not one)
    half = t / 2 + 1.5
    vert = np.zeros_like(ink)
    horiz = np.zeros_like(ink)
    for sx in row.sides:
        ya, yb = row.y_top(sx) - y0 - half, row.y_bottom(sx) - y0 + half
        cv2.rectangle(vert, (int(sx - x0 - half), int(ya)), (int(round(sx - x0 + half)),
                                                            int(round(yb))), 1, -1)
    xs = np.arange(int(row.sides[0] - x0 - half), int(row.sides[-1] - x0 + half) + 1)
    for y_of, rule in ((row.y_top, row.rules[0]), (row.y_bottom, row.rules[1])):
        reach = (rule or t) / 2 + 1.5
        for x in xs:
            if 0 <= x < ink.shape[1]:
                yc = y_of(x + x0) - y0
                horiz[max(0, int(yc - reach)): int(round(yc + reach)) + 1, x] = 1
    glyph = ink & (1 - vert) & (1 - horiz)
    # strokes that cross a rule are kept: rule pixels with the glyph's ink on both sides
    # (within the band's width: a pixel at one edge has the far side's ink a band away)
    band = int(2 * max((r or t) / 2 + 1.5 for r in row.rules)) + 3
    # (not across the sides: two digits touching one side from both of its sides would
    # be joined through it; a stroke over a side is put together by _across_sides)
    glyph = glyph | (ink & horiz & (1 - vert) & _both_sides(glyph, band, axis=0))
    # and strokes that run along a rule (a seven's bar written on the top rule): where
    # the ink is thicker than the rule over a stretch, the rule there is the stroke
    for y_of in (row.y_top, row.y_bottom):
        glyph = glyph | (ink & (1 - vert) & _along_rule(ink, y_of, x0, y0, xs, pitch))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(glyph, connectivity=8)
    min_area = max(4.0, 0.012 * height * height)
    # each piece's cell; -1: beyond the row's end sides or a speck (either may still be
    # the end of a stroke crossing a side), -2: other ink
    cell_of = np.full(n, -2)
    for i in range(1, n):
        bx, by, bw, bh, area = stats[i]
        cx = bx + bw / 2
        cell_top = row.y_top(cx + x0) - y0
        cell_bottom = row.y_bottom(cx + x0) - y0
        if by > cell_bottom + half + 2 or by + bh < cell_top - half - 2:
            continue  # wholly above or below the box, not cut by its rule: other ink
        if area < min_area or (bh < 0.2 * height and bw < 0.2 * pitch):
            cell_of[i] = -1  # a speck
            continue
        k = int(np.searchsorted(np.asarray(row.sides) - x0, cx)) - 1
        cell_of[i] = k if 0 <= k < len(row.sides) - 1 else -1
    cell_of = _across_sides(glyph, ink & vert, labels, stats, cell_of, int(2 * half) + 3)
    out: list[np.ndarray | None] = []
    for k in range(len(row.sides) - 1):
        ids = [i for i in range(1, n) if cell_of[i] == k]
        if not ids:
            out.append(None)
            continue
        sub = np.isin(labels, ids)
        ys, xs_ = np.nonzero(sub)
        if ys.max() - ys.min() + 1 < 0.3 * height:
            out.append(None)  # a dash or a dot: no digit
            continue
        ya, yb, xa, xb = ys.min(), ys.max() + 1, xs_.min(), xs_.max() + 1
        cell = np.where(sub[ya:yb, xa:xb], 255 - crop[ya:yb, xa:xb], 0).astype(np.uint8)
        out.append(cell)
    return out


def _across_sides(glyph: np.ndarray, side_ink: np.ndarray, labels: np.ndarray,
                  stats: np.ndarray, cell_of: np.ndarray, reach: int) -> np.ndarray:
    """A digit written over a side of its box: its piece beyond the side belongs to its
    cell. Pieces joined through a side (side ink with glyph ink left and right of it)
    are one stroke; a piece smaller than the biggest piece it is joined to, that is not
    the main ink of its own cell (a bigger piece is there, or it is a speck or lies
    beyond the row's end), goes to that piece's cell. Two digits touching one side from
    both of its sides each stay in their cells (each is the main ink of its own)."""
    bridge = side_ink & _both_sides(glyph, reach, axis=1)
    if not bridge.any():
        return cell_of
    _, joined = cv2.connectedComponents(glyph | bridge, connectivity=8)
    on = glyph > 0
    pairs = np.unique(np.stack([labels[on], joined[on]]), axis=1)
    area = stats[:, cv2.CC_STAT_AREA]
    biggest: dict[int, int] = {}
    for i in range(1, len(cell_of)):
        if cell_of[i] >= 0:
            biggest[cell_of[i]] = max(biggest.get(cell_of[i], 0), int(area[i]))
    out = cell_of.copy()
    for group in np.unique(pairs[1]):
        pieces = [int(i) for i in pairs[0][pairs[1] == group] if i > 0]
        kept = [i for i in pieces if cell_of[i] >= 0]
        if len(pieces) < 2 or not kept:
            continue
        main = max(kept, key=lambda i: area[i])
        for i in pieces:
            if i == main or cell_of[i] == cell_of[main] or area[i] >= area[main]:
                continue
            if cell_of[i] == -1 or biggest.get(int(cell_of[i]), 0) > area[i]:
                out[i] = cell_of[main]
    return out


def _along_rule(ink: np.ndarray, y_of, x0: int, y0: int, xs: np.ndarray, pitch: float
                ) -> np.ndarray:
    """The ink of a rule (y = ``y_of(x + x0) - y0`` in ``ink``) where a stroke lies along
    it: columns whose run of ink through the rule reaches beyond the rule's usual edges
    (the median over the row) by a stroke's width, over a stretch of at least a sixth of
    the pitch (a stroke only touching the rule, or a rough edge, is not one)."""
    h, w = ink.shape
    cols, ups, downs = [], [], []
    for x in xs:
        yc = int(round(y_of(x + x0) - y0))
        if not (0 <= x < w and 0 <= yc < h) or not ink[yc, x]:
            continue
        col = ink[:, x]
        above = np.nonzero(col[:yc][::-1] == 0)[0]
        below = np.nonzero(col[yc + 1:] == 0)[0]
        cols.append((x, yc))
        ups.append(int(above[0]) if len(above) else yc)
        downs.append(int(below[0]) if len(below) else h - 1 - yc)
    out = np.zeros_like(ink)
    if len(cols) < 10:
        return out
    up, down = np.array(ups), np.array(downs)
    usual_up, usual_down = float(np.median(up)), float(np.median(down))
    margin = max(2.0, 0.35 * (usual_up + usual_down + 1))  # a third of the rule's width
    thick = (up > usual_up + margin) | (down > usual_down + margin)
    # a stroke's edge is ragged: a column or two below the margin does not cut it
    thick = cv2.morphologyEx(thick.astype(np.uint8)[None], cv2.MORPH_CLOSE,
                             np.ones((1, 3), np.uint8))[0].astype(bool)
    least = max(3, int(pitch / 6))
    start = 0
    for i in range(1, len(cols) + 1):
        if i < len(cols) and thick[i] == thick[start] and cols[i][0] == cols[i - 1][0] + 1:
            continue
        if thick[start] and i - start >= least:
            for (x, yc), u, d in zip(cols[start:i], up[start:i], down[start:i], strict=True):
                out[yc - u: yc + d + 1, x] = 1  # the run through the rule
        start = i
    return out


def _both_sides(glyph: np.ndarray, reach: int, axis: int) -> np.ndarray:
    """Pixels with glyph ink within ``reach`` on both sides along ``axis`` (0: above and
    below, 1: left and right)."""
    before = np.zeros_like(glyph)
    after = np.zeros_like(glyph)
    for d in range(1, reach + 1):
        before |= np.roll(glyph, d, axis=axis)
        after |= np.roll(glyph, -d, axis=axis)
    return before & after


# -- a number written freehand (no boxes) ----------------------------------------------------------

# the ink after a label is a number written there when, leader dots, dashes, rules and
# printed words taken out, it holds at least this many glyphs of writing height (wide
# blobs of joined-up digits counted as the digits the model reads in them) and at most
# MAX_GLYPHS, of which at least DIGIT_SHARE are digits the model is sure of: an ID has 9
# or 12 digits, while a blank line's leftovers — a placeholder "(8)", the "/" of a date
# blank, an item number the engine misread, the tops of a printed line the engine did
# not read — came to five at most on the real blank forms of the development set, and
# whole printed lines the engine did not read are letters (the model's "not a digit");
# MAX_GLYPHS leaves room for a box row the row finder missed (its sides read as "1"s)
INK_GLYPHS = 7
ID_LENGTH = 12
MAX_GLYPHS = 30
DIGIT_SHARE = 0.5


def written_freehand(image: np.ndarray, label_words: Sequence[Word], words: Sequence[Word],
                     cap: float, scale: float = 1.0, tail: str = "", model=None,
                     avoid: Sequence[tuple[int, int, int, int]] = ()
                     ) -> IdBoxReading | None:
    """No boxes after the label: whether anything is written on the fill-in line right of
    it (and on the next line when the label ends its line), and if so the digit model's
    reading of it, glyph by glyph ("?" for a glyph it is not sure is a digit).

    Leader dots ("……", "....") and dashes are too small to be writing, rules ("___", a
    printed line) and table lines are taken out by their length, and printed words the
    engine read with confidence (the next label on the line, the label's own tail) are
    no writing: ``None`` when nothing else is there (a blank form stays blank). ``avoid``:
    box rows found on the page (page pixels), another label's boxes, no writing either."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    for region in _fill_in_regions(label_words, words, cap, image.shape[1] / scale):
        found = _ink_glyphs(image, words, region, cap, scale, avoid)
        if found is None:
            continue
        glyphs, box = found
        if model is None:
            from ocr_models.digits import default_model

            model = default_model()
        text, probs, choices = _read_glyphs(glyphs, model)
        # more glyphs than an ID has digits: the unsure ones at the ends are marks (a
        # printed letter the engine lost, a bracket), not digits
        lo, hi = 0, len(text)
        while hi - lo > ID_LENGTH and (text[lo] == UNSURE or text[hi - 1] == UNSURE):
            if text[lo] == UNSURE:
                lo += 1
            else:
                hi -= 1
        text, probs, choices = text[lo:hi], probs[lo:hi], choices[lo:hi]
        if not INK_GLYPHS <= len(text) <= MAX_GLYPHS or \
                sum(c.isdigit() for c in text) < DIGIT_SHARE * len(text):
            continue
        lb = (min(w.left for w in label_words), min(w.top for w in label_words),
              max(w.left + w.width for w in label_words),
              max(w.top + w.height for w in label_words))
        return IdBoxReading(_owner(tail), " ".join(w.text for w in label_words), 0,
                            text or UNSURE, probs or (0.0,), choices or ((),), "", 0.0,
                            box, lb, freehand=True)
    return None


UNSURE = "?"


def _printed(w: Word, cap: float = 0.0) -> bool:
    """A word the engine read as print: letters read with confidence (leader dots and
    punctuation glued to them aside), or any word read very surely at print height
    (an item number "3."); handwriting is read unsurely, as the engine's garbage."""
    core = "".join(c for c in w.text if c not in _LEADERS)
    letters = sum(c.isalpha() for c in core)
    if not core:
        return False
    if letters >= 2 and letters >= 0.6 * len(core) and (
            w.confidence >= 0.8 or (w.confidence >= 0.6 and letters >= 3)):
        return True
    return w.confidence >= 0.9 and any(c.isalnum() for c in core) and \
        (not cap or w.height <= 1.6 * cap)


_LEADERS = ".…·,:;-_–—~'\"`()"


WRITTEN_GLYPHS = 3  # glyphs on a dotted line that make it written (a name, a place)


def mark_written_blanks(image: np.ndarray, words: Sequence[Word], scale: float,
                        candidates: Sequence) -> None:
    """Field candidates whose value was read as a fill-in line's dots or dashes only
    ("Họ và tên: ……"): ``written`` is set when the image shows writing on that line
    (leader dots, rules and print taken out as for freehand ID numbers, at least
    WRITTEN_GLYPHS glyphs left), i.e. the engine dropped handwriting and kept the dots.
    The field stage then keeps the value as unread and flagged instead of dropping it;
    a blank form's dotted lines stay blank."""
    blanks = [c for c in candidates if c.words and not any(ch.isalnum() for ch in c.raw)]
    if not blanks or not words:
        return
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    cap = _page_cap(words) or float(np.median([w.height for w in words]))
    for cand in blanks:
        # the dots' box is low and flat: the line the writing sits on is a text line high
        bottom = max(w.top + w.height for w in cand.words)
        region = (min(w.left for w in cand.words),
                  min(bottom - 1.2 * cap, min(w.top for w in cand.words)),
                  max(w.left + w.width for w in cand.words), bottom)
        found = _ink_glyphs(image, words, region, cap, scale)
        cand.written = found is not None and len(found[0]) >= WRITTEN_GLYPHS


def _fill_in_regions(label_words: Sequence[Word], words: Sequence[Word], cap: float,
                     page_width: float) -> list[tuple[float, float, float, float]]:
    """Where a value of the label is written (word coordinates, left, top, right,
    bottom of the printed line the writing sits on): right of the label on its line, up
    to the next printed word; then, when nothing printed follows the label on its line
    and it ends near the text's right edge, the next line from its start to its first
    printed word."""
    left = min(w.left for w in label_words)
    right = max(w.left + w.width for w in label_words)
    top = min(w.top for w in label_words)
    bottom = max(w.top + w.height for w in label_words)
    mid = (top + bottom) / 2
    text_right = max(w.left + w.width for w in words)
    far = max(text_right + 2 * cap, min(page_width, right + 40 * cap))  # the line's end
    text_left = min(w.left for w in words)
    ids = {id(w) for w in label_words}
    after = sorted((w for w in words if id(w) not in ids and w.left >= right - 0.5 * cap
                    and w.top <= mid <= w.top + w.height), key=lambda w: w.left)
    start = right
    for w in after:  # the label's own printed tail ("của chủ hộ") right after it
        if _printed(w, cap) and w.left - start < 1.2 * cap:
            start = w.left + w.width
        else:
            break
    nxt = next((w for w in after if w.left > start and _printed(w, cap)), None)
    end = nxt.left - 0.3 * cap if nxt is not None else far
    for w in reversed([w for w in after if start < w.left < end]):
        # the next item's number ("5.", "(6)") just before its printed label
        if w.left + w.width > end - 1.2 * cap and re.fullmatch(r"\(?\d{1,2}[.)]?:?", w.text):
            end = w.left - 0.3 * cap
    regions = []
    if end - start >= 3 * cap:
        regions.append((start + 0.2 * cap, top, end, bottom))
    if nxt is None:  # nothing printed after the label: the writing may go below it
        # the next line starts where the label's line starts (its item number, or the
        # column's left edge)
        line_left = min([left] + [w.left for w in words if w.left < left
                                  and w.top <= mid <= w.top + w.height])
        line_start = max(text_left, line_left - 2 * cap) - cap
        printed_below = [w for w in words if id(w) not in ids and _printed(w, cap)
                         and bottom + 0.3 * cap < w.top < bottom + 5 * cap
                         and w.left < far and w.left + w.width > line_start]
        next_top = min((w.top for w in printed_below), default=bottom + 5 * cap)
        if next_top - bottom >= 1.2 * cap:  # room for a written line before the next one
            regions.append((line_start, bottom + 0.3 * cap, far,
                            min(next_top - 0.3 * cap, bottom + 2.5 * cap)))
        else:  # the next printed line itself, up to its first printed word
            line = sorted((w for w in printed_below if w.top < next_top + 0.8 * cap),
                          key=lambda w: w.left)
            line_end = line[0].left - 0.3 * cap
            if line_end - line_start >= 3 * cap:
                regions.append((line_start, next_top, line_end,
                                max(w.top + w.height for w in line)))
    return regions


def _ink_glyphs(image: np.ndarray, words: Sequence[Word],
                region: tuple[float, float, float, float], cap: float, scale: float,
                avoid: Sequence[tuple[int, int, int, int]] = ()
                ) -> tuple[list[np.ndarray], tuple[int, int, int, int]] | None:
    """The writing in a fill-in region: its glyphs (ink high, left to right) and their
    box in word coordinates, or ``None`` when the region is blank."""
    from pipeline.page.slots import slot_glyphs

    s = scale
    left, top, right, bottom = region
    h, w = image.shape[:2]
    c = max(cap * s, 6.0)
    # the crop slot_glyphs looks into, a little wider: rules and printed words are
    # taken out of it first
    x0, x1 = int(max(0, left * s - 2 * c)), int(min(w, right * s + 2 * c))
    y0, y1 = int(max(0, top * s - 2.5 * c)), int(min(h, bottom * s + 2 * c))
    if x1 - x0 < 3 * c or y1 <= y0:
        return None
    crop = image[y0:y1, x0:x1].copy()
    if int(crop.min()) > 190:
        return None
    ink = _ink(crop)
    # rules: long horizontal runs (an underline, "____", a table's lines); table sides:
    # vertical runs taller than writing
    hk = max(8, int(3 * c))
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    vk = max(8, int(2.6 * c))
    rules |= cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                              cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    lines = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    lines |= _leader_rows(ink & (1 - lines), c)
    # writing that crosses a line keeps its stroke there: line pixels with writing
    # just above and just below
    rest = ink & (1 - lines)
    span = 2 * max(2, int(0.12 * c)) + 3
    crossing = ink & lines & _both_sides(rest, span, axis=0)
    crop[(lines > 0) & (crossing == 0)] = 255
    for bx0, by0, bx1, by1 in avoid:  # box rows (with what is written in them)
        a, b = int((bx0 - cap) * s) - x0, int((by0 - cap) * s) - y0
        crop[max(0, b):max(0, int((by1 + cap) * s) - y0),
             max(0, a):max(0, int((bx1 + cap) * s) - x0)] = 255
    for word in words:  # printed words: no writing (the next line's label, the tail)
        if not _printed(word, cap):
            continue
        a, b = int(word.left * s) - x0, int(word.top * s) - y0
        ww, wh = int(round(word.width * s)), int(round(word.height * s))
        if a + ww < 0 or b + wh < 0 or a > crop.shape[1] or b > crop.shape[0]:
            continue
        crop[max(0, b):max(0, b + wh), max(0, a):max(0, a + ww)] = 255
    glyphs = slot_glyphs(crop, left * s - x0, right * s - x0, top * s - y0,
                         bottom * s - y0, c)
    if not glyphs:
        return None
    box = (int(left), int(top - 1.6 * cap), int(right), int(bottom + cap))
    return glyphs, box


def _leader_rows(ink: np.ndarray, cap: float) -> np.ndarray:
    """Dotted or dashed fill-in lines: the ink of thin rows that ink covers along much of
    the written stretch (no line of handwriting does), as a mask."""
    out = np.zeros_like(ink)
    cols = ink.any(axis=0)
    if cols.sum() < 3 * cap:
        return out
    cover = ink[:, cols].mean(axis=1)
    leader = cover >= LEADER_COVER
    y = 0
    while y < len(leader):
        if not leader[y]:
            y += 1
            continue
        y0 = y
        while y < len(leader) and leader[y]:
            y += 1
        # a thin run of rows standing out from the rows just above and below it (a
        # scan's grey speckle covers them all alike): dots or dashes, not glyphs
        d = max(3, int(0.35 * cap))
        around = max(cover[max(0, y0 - d)], cover[min(len(cover) - 1, y - 1 + d)])
        if y - y0 <= max(2, 0.3 * cap) and cover[y0:y].max() >= 2 * around:
            out[max(0, y0 - 1): y + 1] = ink[max(0, y0 - 1): y + 1]
    return out


LEADER_COVER = 0.25  # share of the written stretch's columns a leader row covers


def _read_glyphs(glyphs: list[np.ndarray], model
                 ) -> tuple[str, tuple[float, ...], tuple[tuple[tuple[str, float], ...], ...]]:
    """Each glyph read by the digit model (touching digits cut where the model reads the
    cut better): the text ("?" where unsure), the read digits' probabilities and each
    glyph's three best digits."""
    from ocr_models.digits import REJECT, normalise
    from pipeline.page.slots import _cut

    pieces: list[np.ndarray] = []  # the chosen cut's probabilities, glyph after glyph
    for glyph in glyphs:
        gh, gw = glyph.shape
        options = [[glyph]]
        for parts in (2, 3, 4):
            if gw >= (0.3 + 0.45 * (parts - 1)) * gh:
                cut = _cut(glyph, parts)
                if len(cut) == parts:
                    options.append(cut)
        best, best_score = None, -1.0
        for option in options:
            p = model.probabilities(np.stack([normalise(g) for g in option]))
            score = float(np.exp(np.mean([np.log(max(float(q[:REJECT].max()), 1e-6))
                                          if int(np.argmax(q)) != REJECT else np.log(1e-3)
                                          for q in p])))
            if best is None or score > best_score + (0.1 if len(option) > 1 else 0):
                best, best_score = p, score
        pieces.extend(best)
    return _decode(np.asarray(pieces))
