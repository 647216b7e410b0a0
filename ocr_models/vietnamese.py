"""Vietnamese text post-processing: NFC, and repair of OCR'd words that are not syllables.

Tesseract's typical Vietnamese mistakes are in the diacritics: a tone mark missed or
swapped (ạ/ả/ã), a vowel modifier confused (a/ă/â, o/ô/ơ, u/ư, e/ê), đ read as d. A
word that is not a valid Vietnamese syllable is replaced only when exactly one valid
syllable has the same letters and the fewest diacritic changes. Tokens with digits,
codes (``QĐ-UBND``), and anything that is not made of Vietnamese letters are never
touched, and a valid syllable is never changed into another one, so names and numbers
cannot be "corrected" into something else.

The syllable list is built from Debian's ``hunspell-vi`` dictionary
(``/usr/share/hunspell/vi_VN.dic``), which lists Vietnamese syllables one per line.
Both tone placements (``hoà``/``hòa``, ``thuỷ``/``thủy``) are accepted.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from common.vn import nfc

log = logging.getLogger(__name__)

DICTIONARY_PATHS = (
    Path("/usr/share/hunspell/vi_VN.dic"),
    Path("/usr/share/myspell/vi_VN.dic"),
)

TONES = {"\u0300": "huyền", "\u0301": "sắc", "\u0309": "hỏi", "\u0303": "ngã", "\u0323": "nặng"}
MODIFIERS = {"\u0306", "\u0302", "\u031b"}  # breve (ă), circumflex (â ê ô), horn (ơ ư)
VOWELS = set("aeiouy")

_LETTERS = "a-zA-Zàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ" \
           "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
_TOKEN = re.compile(rf"^([^{_LETTERS}]*)([{_LETTERS}]+)([^{_LETTERS}]*)$")

# Alternative tone placements on the "oa, oe, uy" glides without a final consonant.
_ALT_PLACEMENT = re.compile(r"^(.*?)([oòóỏõọ])([aàáảãạeèéẻẽẹ])$|^(.*?)([uùúủũụ])([yỳýỷỹỵ])$")


def _marks(letter: str) -> tuple[str, frozenset[str]]:
    """(base letter, set of combining marks) of one lowercase letter; đ keeps its base."""
    if letter == "đ":
        return "d", frozenset({"stroke"})
    decomposed = unicodedata.normalize("NFD", letter)
    return decomposed[0], frozenset(decomposed[1:])


def skeleton(word: str) -> str:
    """The word with every diacritic removed and đ→d, lowercase."""
    return "".join(_marks(ch)[0] for ch in word.lower())


def diacritic_distance(a: str, b: str) -> int:
    """Number of letters whose marks differ (both words share a skeleton)."""
    return sum(_marks(x)[1] != _marks(y)[1] for x, y in zip(a, b, strict=True))


def _move_tone(word: str) -> str | None:
    """The same syllable with the tone on the other vowel of oa/oe/uy, if that applies."""
    m = _ALT_PLACEMENT.match(word)
    if not m:
        return None
    head, first, second = (m.group(1), m.group(2), m.group(3)) if m.group(2) else \
        (m.group(4), m.group(5), m.group(6))
    f_base, f_marks = _marks(first)
    s_base, s_marks = _marks(second)
    tones = (f_marks | s_marks) & set(TONES)
    if not tones:
        return None
    tone = next(iter(tones))
    if tone in f_marks:
        return head + f_base + nfc(s_base + "".join(s_marks) + tone)
    return head + nfc(f_base + "".join(f_marks) + tone) + s_base


class SyllableLexicon:
    """Valid Vietnamese syllables, indexed by skeleton for diacritic repair."""

    def __init__(self, words: Iterable[str]) -> None:
        self.valid: set[str] = set()
        for raw in words:
            word = nfc(raw.strip().split("/")[0]).lower()
            if not word or not word.isalpha():
                continue
            self.valid.add(word)
            moved = _move_tone(word)
            if moved:
                self.valid.add(moved)
        self.by_skeleton: dict[str, list[str]] = {}
        for word in self.valid:
            self.by_skeleton.setdefault(skeleton(word), []).append(word)

    def __len__(self) -> int:
        return len(self.valid)

    def __contains__(self, word: str) -> bool:
        return nfc(word).lower() in self.valid

    def repair(self, word: str) -> str | None:
        """The unique nearest valid syllable for an invalid word, else ``None``."""
        lower = nfc(word).lower()
        if lower in self.valid:
            return None
        candidates = self.by_skeleton.get(skeleton(lower))
        if not candidates:
            return None
        ranked = sorted((diacritic_distance(lower, c), c) for c in candidates)
        best = ranked[0][0]
        winners = [c for d, c in ranked if d == best]
        if len(winners) != 1 or best > 2:
            return None
        return _copy_case(word, winners[0])


def _copy_case(template: str, word: str) -> str:
    if template.isupper():
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


@functools.cache
def default_lexicon() -> SyllableLexicon | None:
    """The hunspell-vi syllable list, or ``None`` (with a warning) when it is not installed."""
    override = os.environ.get("SOHOA_VI_DICTIONARY")
    paths = (Path(override),) if override else DICTIONARY_PATHS
    for path in paths:
        if path.is_file():
            with path.open(encoding="utf-8", errors="replace") as fh:
                next(fh, None)  # first line of a .dic is the entry count
                return SyllableLexicon(fh)
    log.warning("Vietnamese syllable list not found (apt-get install hunspell-vi); "
                "OCR text is only NFC-normalised")
    return None


def correct_token(token: str, lexicon: SyllableLexicon | None) -> str:
    """NFC, then diacritic repair of the letters of one whitespace-free token.

    Only tokens made of letters (with surrounding punctuation) are considered; anything
    with digits or inner punctuation (IDs, ``15/QĐ-UBND``, ``AA 01234567``) is kept as is.
    """
    token = nfc(token)
    if lexicon is None:
        return token
    m = _TOKEN.match(token)
    if not m:
        return token
    lead, core, trail = m.groups()
    if len(core) < 2 or not (set(skeleton(core)) & VOWELS):
        return token
    fixed = lexicon.repair(core)
    return token if fixed is None else lead + fixed + trail


def correct_text(text: str, lexicon: SyllableLexicon | None = None) -> str:
    """Apply :func:`correct_token` to every token of a text, keeping the whitespace."""
    lexicon = lexicon if lexicon is not None else default_lexicon()
    parts = re.split(r"(\s+)", nfc(text))
    return "".join(p if not p or p.isspace() else correct_token(p, lexicon) for p in parts)
