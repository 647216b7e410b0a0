"""Name keys and name-token suffixes: how Vietnamese names are matched in the index.

``name_key`` folds a name to lowercase ASCII-like tokens (diacritics removed, đ→d, NFC or
NFD input alike). Each indexed name is stored as every suffix of its token sequence
("nguyen thi hong nhung ", "thi hong nhung ", "hong nhung ", "nhung "), each ending in a
space. A query then matches whole tokens from any token on with one index range scan:
terms in ``[key + " ", key + "!")`` are exactly those starting with the query's tokens,
because "!" is the character right after the space (binary / "C" collation).
"""

from __future__ import annotations

import re
import unicodedata

from common.vn import FOLD_TABLE

MAX_NAME_TOKENS = 10  # OCR garbage in a name field must not explode the term table

_APOSTROPHES = re.compile(r"['’ʼ`´]|[\u0300-\u036f]")  # also marks left uncomposed
_NON_WORD = re.compile(r"[^0-9a-z]+")


_FOLD = FOLD_TABLE


def name_key(name: str) -> str:
    """Comparable form of a name: ``"Nguyễn Thị Hồng"`` → ``"nguyen thi hong"``.

    Apostrophes and combining marks vanish (``"H'Hen Niê"`` → ``"hhen nie"``); any other
    non-alphanumeric run separates tokens.
    """
    if not unicodedata.is_normalized("NFC", name):
        name = unicodedata.normalize("NFC", name)
    text = _APOSTROPHES.sub("", name.translate(_FOLD).lower())
    return " ".join(_NON_WORD.sub(" ", text).split())


def name_terms(name: str | None) -> list[str]:
    """The stored suffix terms of a name (each ends in a space), without duplicates."""
    if not name:
        return []
    tokens = name_key(name).split()[:MAX_NAME_TOKENS]
    terms = (" ".join(tokens[i:]) + " " for i in range(len(tokens)))
    return list(dict.fromkeys(terms))


def term_range(query: str) -> tuple[str, str] | None:
    """``(low, high)`` bounds of the terms a name query matches; ``None`` if it has no token."""
    key = name_key(query)
    if not key:
        return None
    tokens = key.split()[:MAX_NAME_TOKENS]
    prefix = " ".join(tokens)
    return prefix + " ", prefix + "!"
