"""Full-text search, the text side: folding, tokens, queries, document numbers, snippets.

Both backends index the same thing, computed here in Python so SQLite and PostgreSQL
match alike and no database extension is needed:

- ``fold_aligned`` folds text one character for one character (lowercase, no diacritics,
  đ→d), so an offset in the folded text is the same offset in the original;
- ``tokens`` are the runs of letters and digits of the folded text; ``index_terms`` is the
  space-joined token string that SQLite's FTS5 indexes, ``tsvector_literal`` the same
  tokens with their positions as a PostgreSQL ``tsvector``;
- a query is a list of groups: a word, or a phrase (a quoted run of words, or one word
  written with punctuation inside such as ``576/QĐ-UBND`` → ``576 qd ubnd``); a document
  matches when it has every group;
- ``snippet`` finds the best window of the ORIGINAL text (diacritics kept) and the offsets
  of the matched words in it, to highlight;
- ``number_key`` is a document number (``so_ky_hieu`` …) folded with its spaces removed,
  so "576/QĐ-UBND", "576/qd-ubnd" and "576 / QĐ - UBND" are one key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from common.vn import FOLD_TABLE

MAX_GROUPS = 12  # words or phrases in one query
MAX_TOKEN_CHARS = 60  # longer "words" are OCR garbage: not indexed
MAX_TOKENS = 50_000  # per document (a 150-page paper); more is not indexed
PG_MAX_POSITIONS = 255  # PostgreSQL keeps at most 256 positions per lexeme
PG_MAX_POSITION = 16_383  # ... and positions above this are clamped to it
SNIPPET_TOKENS = 24

# Fields whose value is a document's number, searched as a whole (number_key).
NUMBER_FIELDS = ("so_ky_hieu", "so", "so_phat_hanh", "so_vao_so")

_TOKEN = re.compile(r"[^\W_]+")
_QUOTED = re.compile(r'"([^"]*)"?')
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—−"})
_SPACE = re.compile(r"\s+")


def _char_fold(char: str) -> str:
    folded = char.translate(FOLD_TABLE).lower()
    return folded if len(folded) == 1 else char


def fold_aligned(text: str) -> str:
    """``text`` (NFC) folded character by character: same length, same offsets.

    Lowercase, diacritics removed, đ→d, as ``common.vn.fold``; a character whose folded
    form would be longer (``İ``) stays as it is so that offsets never shift.
    """
    folded = text.translate(FOLD_TABLE).lower()  # C speed; the same length but for rare
    if len(folded) == len(text):  # characters whose lowercase is longer
        return folded
    return "".join(_char_fold(char) for char in text)


def nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize(
        "NFC", text)


def tokens(text: str) -> list[str]:
    """The folded words of ``text`` (NFC or NFD): letters and digits, in order."""
    return [t for t in _TOKEN.findall(fold_aligned(nfc(text))) if len(t) <= MAX_TOKEN_CHARS]


def index_terms(text: str) -> str:
    """What SQLite indexes: the folded words, one space between them."""
    return " ".join(tokens(text)[:MAX_TOKENS])


def tsvector_literal(text: str) -> str:
    """The folded words of ``text`` with positions, in PostgreSQL's ``tsvector`` syntax."""
    words = tokens(text)[:MAX_TOKENS]
    positions: dict[str, list[int]] = {}
    for n, word in enumerate(words, start=1):
        found = positions.get(word)
        if found is None:
            positions[word] = [n]
        else:
            found.append(n)
    if len(words) > PG_MAX_POSITION:  # PostgreSQL would clamp them: duplicates
        positions = {w: list(dict.fromkeys(min(n, PG_MAX_POSITION) for n in p))
                     for w, p in positions.items()}
    return " ".join([f"'{word}':{','.join(map(str, places[:PG_MAX_POSITIONS]))}"
                     for word, places in positions.items()])


def searchable_text(ocr_text: str | None, owner_name: str | None,
                    fields: Mapping[str, Any]) -> str:
    """The text a document is found by: its OCR text, then its owner and field values
    (a corrected value is found at once, before anyone re-reads the page)."""
    parts = [nfc(ocr_text or ""), fields_line(owner_name, fields)]
    return "\n".join(p for p in parts if p)


def fields_line(owner_name: str | None, fields: Mapping[str, Any]) -> str:
    """The owner's name and every field value as one line (values in the fields' order)."""
    values: list[str] = [owner_name] if owner_name else []
    for value in fields.values():
        if isinstance(value, Mapping):
            value = value.get("value")
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            text = " ".join(str(value).split())
            if text and text not in values:
                values.append(text)
    return nfc(" · ".join(values))


def number_key(value: str | None) -> str | None:
    """A document number as searched: folded, dashes unified, no whitespace."""
    if not value:
        return None
    key = _SPACE.sub("", fold_aligned(nfc(str(value))).translate(_DASHES))
    key = "".join(c for c in key if c.isprintable())  # no NUL or controls (PostgreSQL)
    return key[:200] or None


def number_keys(fields: Mapping[str, Any]) -> list[str]:
    """The number keys of a document's number fields, without duplicates."""
    keys = []
    for name in NUMBER_FIELDS:
        value = fields.get(name)
        if isinstance(value, Mapping):
            value = value.get("value")
        key = number_key(value) if isinstance(value, str | int) else None
        if key and "?" not in key and key not in keys:  # "?" marks an unreadable run
            keys.append(key)
    return keys


def parse_query(query: str) -> list[tuple[str, ...]]:
    """Words and phrases of a query: ``'quyết định "uỷ ban" 576/QĐ-UBND'`` →
    ``[("quyet",), ("dinh",), ("uy", "ban"), ("576", "qd", "ubnd")]`` (no duplicates)."""
    groups: list[tuple[str, ...]] = []
    text = nfc(query)
    chunks: list[str] = []
    last = 0
    for match in _QUOTED.finditer(text):
        chunks.extend(text[last:match.start()].split())
        chunks.append(match.group(1))
        last = match.end()
    chunks.extend(text[last:].split())
    for chunk in chunks:
        group = tuple(tokens(chunk))
        if group and group not in groups:
            groups.append(group)
    return groups[:MAX_GROUPS]


def fts5_query(groups: Iterable[tuple[str, ...]]) -> str:
    """The FTS5 MATCH expression: every group, each a quoted phrase."""
    return " AND ".join('"' + " ".join(g) + '"' for g in groups)


def tsquery_literal(groups: Iterable[tuple[str, ...]]) -> str:
    """The PostgreSQL ``tsquery``: every group, a phrase as ``<->`` (followed by)."""
    return " & ".join("(" + " <-> ".join(f"'{t}'" for t in g) + ")" for g in groups)


@dataclass(frozen=True)
class Snippet:
    """A short piece of the original text with the matched words' offsets in it."""

    text: str
    highlights: list[tuple[int, int]] = field(default_factory=list)
    matched: int = field(default=0, compare=False)  # how many query groups it shows

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "highlights": [list(h) for h in self.highlights]}

    def marked(self, left: str = "[", right: str = "]") -> str:
        """The snippet with each highlight between ``left`` and ``right``."""
        out, last = [], 0
        for start, end in self.highlights:
            out += [self.text[last:start], left, self.text[start:end], right]
            last = end
        out.append(self.text[last:])
        return "".join(out)


def snippet(text: str, groups: list[tuple[str, ...]], *, width: int = SNIPPET_TOKENS
            ) -> Snippet | None:
    """The ``width``-word window of ``text`` holding the most query groups (the first
    such), with the matched words highlighted; ``None`` if no group occurs."""
    text = nfc(text)
    folded = fold_aligned(text)
    if not any(group[0] in folded for group in groups):  # cheap: most fields lines
        return None
    matches = [m for m in _TOKEN.finditer(folded) if m.end() - m.start() <= MAX_TOKEN_CHARS]
    words = [m.group() for m in matches]
    spans = [m.span() for m in matches]
    hits: list[tuple[int, int, int]] = []  # first word, past the last word, group
    for g, group in enumerate(groups):
        size = len(group)
        for i, word in enumerate(words):
            if word == group[0] and tuple(words[i:i + size]) == group:
                hits.append((i, i + size, g))
    if not hits:
        return None
    hits.sort()
    best, best_start = -1, 0
    for first, _, _ in hits:
        start = max(0, first - width // 4)
        inside = {g for a, b, g in hits if a >= start and b <= start + width}
        if len(inside) > best:
            best, best_start = len(inside), start
    start, end = best_start, min(len(spans), best_start + width)
    return _render(text, spans, start, end, [h for h in hits if h[0] >= start and h[1] <= end],
                   best)


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int,
            hits: list[tuple[int, int, int]], matched: int) -> Snippet:
    """Words ``start``..``end`` of ``text``, whitespace collapsed, hits as offsets."""
    out: list[str] = []
    marks: list[tuple[int, int]] = []
    length = 0

    def add(piece: str) -> None:
        nonlocal length
        piece = _SPACE.sub(" ", piece)
        if out and out[-1].endswith(" ") and piece.startswith(" "):
            piece = piece[1:]
        out.append(piece)
        length += len(piece)

    if start > 0:
        add("… ")
    cursor = spans[start][0]
    for first, past, _ in hits:
        a, b = spans[first][0], spans[past - 1][1]
        if a < cursor:  # overlaps the previous hit
            continue
        add(text[cursor:a])
        mark = length
        add(text[a:b])
        marks.append((mark, length))
        cursor = b
    add(text[cursor:spans[end - 1][1]])
    if end < len(spans):
        add(" …")
    return Snippet("".join(out), marks, matched)
