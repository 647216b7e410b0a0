"""Reading order of a page's words, for side-by-side blocks of Vietnamese admin papers.

Tesseract's own order mixes up the blocks these papers always have: the issuing body
(left) beside the national motto (right), and signature blocks side by side, whose
lines it often merges into one line across the gap. Here:

1. each OCR line is cut into *segments* where the gap between words is wider than a
   few text heights, or than 1.5 heights and four of the line's word spaces (a tab or
   a column gap, never a word space);
2. segments are grouped into visual rows, top to bottom;
3. a run of consecutive rows whose ink leaves one wide vertical gutter (at least two
   rows with text on each side of it) is read as two columns: the left column's rows,
   then the right column's;
4. where no straight gutter exists (a header block's long line reaches under the other
   block), a row of two segments starts two *blocks* that grow downwards with the
   segments lying under each; the left block is read whole, then the right.

The result is lines of words; the words themselves are never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from ocr_models import Word

SPLIT_GAP = 3.0  # word gap, in text heights, that cuts a line into segments
HEADER_GAP = 1.5  # ... or this many heights when it is also WORD_GAPS word spaces wide
WORD_GAPS = 4.0
ROW_BREAK = 6.0  # a vertical gap of this many text heights ends a two-column run


@dataclass
class _Box:
    words: list[Word]
    x0: int
    y0: int
    x1: int
    y1: int

    @classmethod
    def of(cls, words: list[Word]) -> _Box:
        return cls(words, min(w.left for w in words), min(w.top for w in words),
                   max(w.left + w.width for w in words), max(w.top + w.height for w in words))

    @property
    def height(self) -> int:
        return max(1, self.y1 - self.y0)


def _segments(words: Sequence[Word]) -> list[_Box]:
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line_key, []).append(word)
    segments = []
    for merged in lines.values():
        for line in _sublines(merged):
            segments.extend(_split_at_gaps(line))
    return segments


def _sublines(line: list[Word]) -> list[list[Word]]:
    """Split an OCR line whose words sit on clearly different heights (two tight lines
    that the engine merged) into visual lines, top to bottom."""
    height = median(w.height for w in line)
    by_centre = sorted(line, key=lambda w: w.top + w.height / 2)
    groups: list[list[Word]] = [[by_centre[0]]]
    for word in by_centre[1:]:
        last = groups[-1]
        centre = sum(w.top + w.height / 2 for w in last) / len(last)
        if word.top + word.height / 2 - centre > 0.6 * height:
            groups.append([])
        groups[-1].append(word)
    return groups


def _split_at_gaps(line: list[Word]) -> list[_Box]:
    """Cut a line where the gap between two words is a column gap: wider than
    SPLIT_GAP text heights, or wider than HEADER_GAP heights and WORD_GAPS times the
    line's usual word space. The second catches the two header blocks merged into one
    line ("ỦY BAN NHÂN DÂN     CỘNG HÒA XÃ HỘI ..."), whose gap is only 2-3 capital
    heights because the national title is long."""
    segments = []
    if line:
        line.sort(key=lambda w: w.left)
        height = median(w.height for w in line)
        gaps = [b.left - (a.left + a.width) for a, b in zip(line, line[1:], strict=False)]
        usual = median(gaps) if gaps else 0
        current = [line[0]]
        for prev, word in zip(line, line[1:], strict=False):
            gap = word.left - (prev.left + prev.width)
            if gap > SPLIT_GAP * height or (gap > HEADER_GAP * height
                                            and gap > WORD_GAPS * max(usual, 1)):
                segments.append(_Box.of(current))
                current = []
            current.append(word)
        segments.append(_Box.of(current))
    return segments


def _rows(segments: list[_Box]) -> list[list[_Box]]:
    """Segments side by side on one visual row (centre inside the row's extent, no
    horizontal overlap), left to right."""
    rows: list[list[_Box]] = []
    for seg in sorted(segments, key=lambda s: (s.y0 + s.y1) / 2):
        centre = (seg.y0 + seg.y1) / 2
        last = rows[-1] if rows else []
        level = last and min(s.y0 for s in last) <= centre <= max(s.y1 for s in last)
        beside = all(seg.x0 >= s.x1 or seg.x1 <= s.x0 for s in last)
        if level and beside:
            rows[-1].append(seg)
        else:
            rows.append([seg])
    return [sorted(row, key=lambda s: s.x0) for row in rows]


def _free_gap(segments: list[_Box], min_gutter: float) -> tuple[int, int] | None:
    """The widest x-interval no segment covers, between the leftmost and rightmost ink."""
    spans = sorted((s.x0, s.x1) for s in segments)
    best: tuple[int, int] | None = None
    reach = spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 > reach and (best is None or x0 - reach > best[1] - best[0]):
            best = (reach, x0)
        reach = max(reach, x1)
    return best if best and best[1] - best[0] >= min_gutter else None


def _row_gap(upper: list[_Box], lower: list[_Box]) -> int:
    return min(s.y0 for s in lower) - max(s.y1 for s in upper)


def _column_run(rows: list[list[_Box]], start: int, min_gutter: float, row_break: float
                ) -> tuple[int, tuple[int, int]]:
    """End (exclusive) and gutter of a two-column run starting at ``start``, else start.

    The run grows while the rows' ink leaves a common vertical gutter and no wide
    vertical gap opens; it counts only if at least two rows have text on each side.
    """
    best_end, best_gutter = start, (0, 0)
    segments: list[_Box] = []
    for end in range(start, len(rows)):
        if end > start and _row_gap(rows[end - 1], rows[end]) > row_break:
            break  # a wide vertical gap: what follows is another part of the page
        segments.extend(rows[end])
        gutter = _free_gap(segments, min_gutter)
        if gutter is None:
            if end - start >= 2 or best_end > start:
                break  # the rows so far had a gutter and this one crosses it
            continue  # the first rows may all sit on one side
        run = rows[start:end + 1]
        left = sum(any(s.x1 <= gutter[0] for s in row) for row in run)
        right = sum(any(s.x0 >= gutter[1] for s in row) for row in run)
        if left >= 2 and right >= 2:
            best_end, best_gutter = end + 1, gutter
    return best_end, best_gutter


def _overlap(seg: _Box, span: tuple[int, int]) -> float:
    """Share of the segment's width that lies within ``span``."""
    inside = min(seg.x1, span[1]) - max(seg.x0, span[0])
    return max(0, inside) / max(1, seg.x1 - seg.x0)


def _block_run(rows: list[list[_Box]], start: int, row_break: float
               ) -> tuple[int, list[list[_Box]], list[list[_Box]]]:
    """Two header blocks whose columns overlap in x (no straight gutter between them:
    a long "V/v ..." line of the left block reaches under the start of the national
    title). Starts at a row of exactly two segments; each following segment joins the
    block it lies under (half its width or more within that block, a tenth or less
    within the other); the run ends at a segment under both or under neither, or at a
    wide vertical gap. Returns the end (exclusive) and the two blocks' rows, or
    ``start`` when fewer than two rows fall on each side."""
    if len(rows[start]) != 2:
        return start, [], []
    left_seg, right_seg = rows[start]
    spans = [(left_seg.x0, left_seg.x1), (right_seg.x0, right_seg.x1)]
    blocks: list[list[list[_Box]]] = [[[left_seg]], [[right_seg]]]
    end = start + 1
    while end < len(rows) and _row_gap(rows[end - 1], rows[end]) <= row_break:
        placed: list[list[_Box]] = [[], []]
        for seg in rows[end]:
            shares = [_overlap(seg, span) for span in spans]
            side = 0 if shares[0] >= 0.5 and shares[1] <= 0.1 else \
                1 if shares[1] >= 0.5 and shares[0] <= 0.1 else -1
            if side < 0:
                break
            placed[side].append(seg)
        else:
            for side in (0, 1):
                if placed[side]:
                    blocks[side].append(placed[side])
                    spans[side] = (min(spans[side][0], *(s.x0 for s in placed[side])),
                                   max(spans[side][1], *(s.x1 for s in placed[side])))
            end += 1
            continue
        break
    if len(blocks[0]) < 2 or len(blocks[1]) < 2:
        return start, [], []
    return end, blocks[0], blocks[1]


def _ordered_rows(segments: list[_Box]) -> list[list[_Box]]:
    """Rows in reading order; two-column runs read left column first, then right."""
    rows = _rows(segments)
    if not rows:
        return []
    # a gutter as wide as the narrowest column gap a line is cut at (HEADER_GAP word
    # heights): header blocks sit closer than two line heights on many real letters
    height = median(w.height for s in segments for w in s.words)
    min_gutter = HEADER_GAP * height
    out: list[list[_Box]] = []
    i = 0
    while i < len(rows):
        end, gutter = _column_run(rows, i, min_gutter, ROW_BREAK * height)
        # blocks starting here or on the next row (a stray stamp or page number may
        # stand above the header) win when they reach further down
        for first in (i, i + 1):
            if first < len(rows):
                block_end, left_rows, right_rows = _block_run(rows, first, ROW_BREAK * height)
                if block_end > max(end, first):
                    out.extend(rows[i:first] + left_rows + right_rows)
                    break
        else:
            block_end = 0
        if block_end > max(end, i):
            i = block_end
            continue
        if end <= i:
            out.append(rows[i])
            i += 1
            continue
        run = rows[i:end]
        left = [[s for s in row if s.x1 <= gutter[0]] for row in run]
        right = [[s for s in row if s.x0 >= gutter[1]] for row in run]
        out.extend(row for row in left + right if row)
        i = end
    return out


def reading_order(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into lines in reading order; line keys renumbered to match."""
    if not words:
        return []
    lines: list[list[Word]] = []
    for n, row in enumerate(_ordered_rows(_segments(words)), start=1):
        line = sorted((w for seg in row for w in seg.words), key=lambda w: w.left)
        lines.append([Word(w.text, w.left, w.top, w.width, w.height, w.confidence, 1, 1, n,
                           w.alternatives) for w in line])
    return lines
