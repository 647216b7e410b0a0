"""An official letter's subject (trích yếu) settled word by word from all its readings.

The subject is printed in bold, where the printed-text engine slips most on tone marks and
vowel hats ("đôi" for "đổi", "Dằn" for "Dần", "đắt" for "đất"), and such a slip is still a
valid syllable, so the syllable list cannot catch it. Other readings of the same words are
at hand, and they slip elsewhere:

- the subject's words read again from their crop at another size, and the second
  recogniser's reading (the candidate's ``alternatives``), aligned word by word on their
  accent-folded letters;
- the same words printed again elsewhere on the paper: the body of a decision or a report
  restates its subject ("… xóa nhà tạm, nhà dột nát …", "… đối với ông …"). A word of the
  page counts when it and a neighbour have the same folded letters as the subject word
  and its neighbour.

Each reading gives a vote to the spelling it saw; a subject word takes the spelling with
the most votes, ties going to the syllable that is more frequent in Vietnamese text
(``wordfreq``, the same tie-breaker as :mod:`ocr_models.combine`). Only valid Vietnamese
syllables with the same letters compete; numbers, codes and abbreviations ("HĐND") are never
touched, and each word keeps its case and punctuation. The engine's reading is not thrown
away: the field stage still flags words the readings disagree on.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from common.vn import fold, nfc

_CORE = re.compile(r"^([\W_]*)(.*?)([\W_]*)$")
_GAP = re.compile(r"(\s+|(?<=\w)-(?=\w))")  # between words: spaces, or a hyphen ("Dần-năm")
TIE_MARGIN = 0.3  # Zipf units by which the rarer spelling must lose a tied vote


@dataclass(frozen=True)
class Change:
    """One subject word changed by the vote: what was read, what it became, and whether
    the vote was tied (decided by word frequency)."""

    read: str
    chosen: str
    tied: bool


def _split(token: str) -> tuple[str, str, str]:
    m = _CORE.match(token)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", token, "")


def _key(token: str) -> str:
    """A token's letters without diacritics, lower case ("Tổ:" -> "to")."""
    return re.sub(r"[\W_\d]", "", fold(nfc(token)))


def _word(token: str) -> str | None:
    """The lower-case syllable a token spells, or ``None`` for numbers, codes and
    abbreviations (which the vote never touches)."""
    core = _split(nfc(token))[1]
    if not core or not core.isalpha() or (len(core) >= 2 and core.isupper()):
        return None
    return core.lower()


def _tokens(text: str) -> list[str]:
    """Words and the gaps between them, alternating (words at even places)."""
    return _GAP.split(nfc(text).strip())


def _copy_case(template: str, word: str) -> str:
    if len(template) > 1 and template.isupper():
        return word.upper()
    return word[:1].upper() + word[1:] if template[:1].isupper() else word


def settle_subject(text: str, alternatives: Sequence[str] = (),
                   context: Sequence[str] = ()) -> tuple[str, list[Change]]:
    """The subject ``text`` with each word's spelling settled by the vote of the
    ``alternatives`` (other readings of the same subject) and the ``context`` (other lines
    of the same paper). Returns the text and the words changed."""
    from ocr_models.combine import frequency
    from ocr_models.vietnamese import default_lexicon

    lexicon = default_lexicon()
    if lexicon is None:
        return text, []
    parts = _tokens(text)
    tokens = parts[::2]
    keys = [_key(t) for t in tokens]
    words = [_word(t) for t in tokens]
    votes = [Counter({w: 1}) if w else Counter() for w in words]

    def vote(i: int, token: str) -> None:
        word = _word(token)
        if words[i] and word and (word == words[i] or word in lexicon):
            votes[i][word] += 1

    for alt in alternatives:
        alt_tokens = _tokens(alt)[::2]
        matcher = difflib.SequenceMatcher(None, keys, [_key(t) for t in alt_tokens],
                                          autojunk=False)
        for a, b, n in matcher.get_matching_blocks():
            for k in range(n):
                vote(a + k, alt_tokens[b + k])
    at: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if words[i] and k:
            at.setdefault(k, []).append(i)
    for line in context:
        line_tokens = _tokens(line)[::2]
        line_keys = [_key(t) for t in line_tokens]
        for j, k in enumerate(line_keys):
            for i in at.get(k, ()):
                before = i > 0 and j > 0 and keys[i - 1] == line_keys[j - 1] != ""
                after = i + 1 < len(keys) and j + 1 < len(line_keys) and \
                    keys[i + 1] == line_keys[j + 1] != ""
                if before or after:
                    vote(i, line_tokens[j])
    changes: list[Change] = []
    for i, counter in enumerate(votes):
        read = words[i]
        if not read or len(counter) < 2:
            continue
        best = max(counter, key=lambda w: (counter[w], frequency(w), w == read))
        tied = counter[best] == counter[read]
        if best == read or (tied and frequency(best) < frequency(read) + TIE_MARGIN):
            continue
        lead, core, trail = _split(tokens[i])
        tokens[i] = lead + _copy_case(core, best) + trail
        changes.append(Change(core, tokens[i], tied))
    parts[::2] = tokens
    return "".join(parts), changes
