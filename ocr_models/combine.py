"""Two readers, one text: Tesseract's page reading with AsterNet's second reading of some lines.

What this module owns: which lines get a second reading, how AsterNet's words are paired
with Tesseract's word boxes (by x position on the line), and the rule that picks a reading
per word. The rule was set by measurement on the real pages of ``shared/realdev`` and on
generated pages (``benchmarks/aster_bench.py``):

- Only words where a second reading can pay are re-read, as runs of neighbouring words
  cut from their line: words Tesseract is less than 0.93 sure of, words that are not a
  Vietnamese syllable, and numbers (for the dispute flag). Re-reading every line costs
  ~2-4 s of CPU per page; these runs about a quarter of that, for nearly the same gain.
- Both readers agree → the word stands, with Tesseract's confidence.
- Numbers, ID numbers and codes (any digit, or letters joined by ``/``, ``-``, ``.``) and
  people's names (a capitalised run starting with a common surname, or after "ông",
  "bà", "tên:" …; :func:`name_words`) are never changed: on disagreement Tesseract's
  reading is kept and the other reading recorded in :attr:`Word.alternatives` — the word
  is *disputed*, and the field stage can flag it. (Protecting every capitalised word
  instead cost 0.44 CER points on the real pages: headers and "Luật", "Chính phủ".)
- Otherwise a reading that is a valid Vietnamese syllable beats one that is not; between
  two valid syllables (a tone mark or vowel hat in doubt) the surer reader wins, with
  the syllable's frequency in Vietnamese text (``wordfreq``) as the tie-breaker.
  Whenever the rule takes AsterNet's reading, Tesseract's is kept as the alternative, so
  no change is silent.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from common.vn import nfc

from .aster import AsterReader, LineReading
from .base import OcrResult, Word
from .tesseract import TesseractEngine
from .vietnamese import _LETTERS, SyllableLexicon, default_lexicon

log = logging.getLogger(__name__)

_CORE = re.compile(rf"^([^{_LETTERS}\d]*)(.*?)([^{_LETTERS}\d]*)$")
_CODE = re.compile(rf"[{_LETTERS}\d][/\-.:][{_LETTERS}\d]")


@dataclass(frozen=True)
class Rule:
    """The combination rule's numbers (set by ``benchmarks/aster_bench.py``)."""

    reread_below: float = 0.93  # re-read a word Tesseract is less sure of
    reread_numbers: bool = True  # ... or a number (for the dispute flag)
    reread_invalid: bool = True  # ... or a word that is not a Vietnamese syllable
    margin: float = 0.05  # AsterNet must be this much surer to replace a valid syllable
    freq_weight: float = 0.10  # confidence points per Zipf unit of frequency difference
    invalid_margin: float = 0.15  # both readings invalid: AsterNet must be this much surer
    context: int = 0  # re-read suspect words with this many neighbours; -1: whole lines
    budget: float = 0  # most line heights of strip read per page, least sure first; 0: all


DEFAULT_RULE = Rule()


def split_token(token: str) -> tuple[str, str, str]:
    """(leading punctuation, core, trailing punctuation) of a token."""
    m = _CORE.match(token)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", token, "")


def protected(token: str) -> bool:
    """Numbers, ID numbers and codes (``15/QĐ-UBND``, ``AB-123``): never changed to
    another reading without a flag."""
    _, core, _ = split_token(nfc(token))
    return any(ch.isdigit() for ch in token) or bool(_CODE.search(core))


# The commonest Vietnamese surnames (together well over 90 % of people): a run of two or
# more capitalised words starting with one is taken for a person's name (or a place
# named like one, "Hà Nội"); a capitalised run after a person word ("ông", "bà", "tên:",
# "đồng chí") too. Other capitalised words — headers in capitals, "Luật", "Chính phủ" —
# are not names.
def _word_set(text: str) -> frozenset[str]:
    return frozenset(nfc(w) for w in text.split())


SURNAMES = _word_set(
    "nguyễn nguyên trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đào "
    "đoàn vương trịnh trương lâm mai đinh lương tạ hà tô lưu châu quách thái triệu "
    "kiều mạc hứa lại lò phùng khổng doãn nông")
PERSON_WORDS = _word_set("ông bà anh chị em cháu con cô chú bác mẹ cha bố vợ chồng tên chí")


def _capitalised(token: str) -> bool:
    _, core, _ = split_token(nfc(token))
    return core[:1].isupper() and core.replace("-", "").isalpha()


def name_words(readings: Sequence[Sequence[str]]) -> set[int]:
    """Indices of the words of a line that belong to a person's name, given each word's
    readings (Tesseract's first): a word counts as capitalised, a surname or a person
    word when any reading of it is."""
    def any_of(i: int, test) -> bool:
        return any(test(r) for r in readings[i] if r)

    def lower_core(token: str) -> str:
        return split_token(nfc(token))[1].lower()

    names: set[int] = set()
    i = 0
    while i < len(readings):
        end = i
        while end < len(readings) and any_of(end, _capitalised):
            end += 1
        if end > i:
            if i > 0 and any_of(i - 1, lambda r: lower_core(r) in PERSON_WORDS):
                names.update(range(i, end))
            for j in range(i, end):  # "Ông Nguyễn Văn An", "UBND tỉnh giao Trần Văn B"
                if j + 1 < end and any_of(j, lambda r: lower_core(r) in PERSON_WORDS):
                    names.update(range(j + 1, end))
                    break
                if j + 1 < end and any_of(j, lambda r: lower_core(r) in SURNAMES):
                    names.update(range(j, end))
                    break
            i = end
        else:
            i += 1
    return names


@functools.cache
def _zipf():
    """wordfreq's Zipf frequency for Vietnamese, or ``None`` when wordfreq is missing."""
    try:
        from wordfreq import zipf_frequency
    except ImportError:
        log.info("wordfreq is not installed: no word-frequency tie-breaker")
        return None
    return functools.lru_cache(maxsize=65536)(lambda word: zipf_frequency(word, "vi"))


def frequency(word: str) -> float:
    """Zipf frequency (0 = unseen, ~7 = the commonest words) of a Vietnamese syllable."""
    zipf = _zipf()
    return zipf(word.lower()) if zipf else 0.0


def suspect(word: Word, lexicon: SyllableLexicon | None, rule: Rule = DEFAULT_RULE) -> bool:
    """Whether a Tesseract word is worth AsterNet's time."""
    if word.confidence < rule.reread_below:
        return True
    if rule.reread_numbers and any(ch.isdigit() for ch in word.text):
        return True
    if rule.reread_invalid and lexicon is not None:
        _, core, _ = split_token(nfc(word.text))
        if core.isalpha() and core not in lexicon:
            return True
    return False


def needs_second_reading(line: Sequence[Word], lexicon: SyllableLexicon | None,
                         rule: Rule = DEFAULT_RULE) -> bool:
    """Whether a Tesseract line holds a word worth AsterNet's time."""
    return any(suspect(w, lexicon, rule) for w in line)


def spans(line: Sequence[Word], lexicon: SyllableLexicon | None, rule: Rule = DEFAULT_RULE
          ) -> list[list[Word]]:
    """Runs of words to re-read in a line (left to right): the whole line, or with
    ``rule.context`` >= 0 only the suspect words and that many neighbours each side."""
    ordered = sorted(line, key=lambda w: w.left)
    marks = [suspect(w, lexicon, rule) for w in ordered]
    if not any(marks):
        return []
    if rule.context < 0:
        return [ordered]
    keep = [any(marks[max(0, i - rule.context):i + rule.context + 1])
            for i in range(len(ordered))]
    runs: list[list[Word]] = []
    for i, word in enumerate(ordered):
        if keep[i]:
            if i and keep[i - 1]:
                runs[-1].append(word)
            else:
                runs.append([word])
    return runs


def choose(tess: Word, aster_text: str, aster_conf: float, lexicon: SyllableLexicon | None,
           rule: Rule = DEFAULT_RULE, *, name: bool = False) -> Word:
    """The word after comparing Tesseract's reading with AsterNet's for the same box;
    ``name``: the word is part of a person's name (:func:`name_words`)."""
    t_text, a_text = nfc(tess.text), nfc(aster_text)
    if not a_text or t_text == a_text:
        # Tesseract's confidence stands: the page's noise filters and retry thresholds
        # are set on its scale (both readers "agree" on some scraps of seals, too)
        return replace(tess, text=t_text)
    t_lead, t_core, t_trail = split_token(t_text)
    _, a_core, _ = split_token(a_text)
    if t_core == a_core:  # only punctuation differs: Tesseract's boxes hold it better
        return replace(tess, text=t_text)
    kept = replace(tess, text=t_text)
    if name or protected(t_text) or protected(a_text) or not a_core:
        return replace(kept, alternatives=_alts(tess, a_text))  # disputed
    t_valid = _valid(t_core, lexicon)
    a_valid = _valid(a_core, lexicon)
    if t_valid and not a_valid:
        return kept
    if a_valid and not t_valid:
        return _take(tess, t_lead + a_core + t_trail, aster_conf)
    if not t_valid:  # neither is a syllable (a foreign word, an abbreviation, a scrap)
        if aster_conf > tess.confidence + rule.invalid_margin:
            return _take(tess, t_lead + a_core + t_trail, aster_conf)
        return kept
    lift = rule.freq_weight * (frequency(a_core) - frequency(t_core))
    if aster_conf + lift > tess.confidence + rule.margin:
        return _take(tess, t_lead + a_core + t_trail, aster_conf)
    return kept


def _valid(core: str, lexicon: SyllableLexicon | None) -> bool:
    return lexicon is not None and core.isalpha() and core in lexicon


def _alts(word: Word, other: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*word.alternatives, other)))


def _take(tess: Word, text: str, conf: float) -> Word:
    """AsterNet's reading, Tesseract's kept as the alternative; the confidence is the two
    readers' mean, so a scrap Tesseract could not read stays a low-confidence word."""
    return replace(tess, text=text, confidence=(tess.confidence + conf) / 2,
                   alternatives=_alts(tess, nfc(tess.text)))


def pair_words(line: Sequence[Word], reading: LineReading
               ) -> list[tuple[Word, str, float]]:
    """Tesseract's words with AsterNet's reading of the same box ("" when the readers cut
    the line into words differently there, so no one-to-one pairing exists)."""
    aster = reading.words()
    owner: list[int | None] = []
    for _, _, a0, a1 in aster:
        best, best_overlap = None, 0.0
        for i, w in enumerate(line):
            overlap = min(a1, w.left + w.width) - max(a0, w.left)
            if overlap > best_overlap:
                best, best_overlap = i, overlap
        owner.append(best)
    out = []
    for i, word in enumerate(line):
        mine = [k for k, o in enumerate(owner) if o == i]
        if len(mine) != 1:
            out.append((word, "", 0.0))
            continue
        text, conf, a0, a1 = aster[mine[0]]
        # the AsterNet word must lie mostly inside this box, not spill over a neighbour
        inside = min(a1, word.left + word.width) - max(a0, word.left)
        if inside < 0.6 * max(1.0, a1 - a0):
            out.append((word, "", 0.0))
            continue
        out.append((word, text, conf))
    return out


def _priority(run: Sequence[Word], lexicon: SyllableLexicon | None, rule: Rule) -> float:
    """Which runs to read first under a budget: the least sure word's confidence; runs
    re-read only because they hold a number come last."""
    doubtful = [w.confidence for w in run if w.confidence < rule.reread_below]
    if doubtful:
        return min(doubtful)
    if any(suspect(replace(w, confidence=1.0), lexicon, rule) and
           not any(ch.isdigit() for ch in w.text) for w in run):
        return 0.95  # an invalid syllable read with confidence
    return 1.0


def combine(result: OcrResult, image: np.ndarray, reader: AsterReader,
            lexicon: SyllableLexicon | None = None, rule: Rule = DEFAULT_RULE
            ) -> tuple[OcrResult, dict[str, int]]:
    """Tesseract's ``result`` on ``image`` with AsterNet's second reading merged in.

    Returns the new result and counts (lines re-read, words changed, words disputed,
    width read in line heights).
    """
    lexicon = lexicon if lexicon is not None else default_lexicon()
    stats = {"lines": 0, "reread": 0, "changed": 0, "disputed": 0, "width": 0}
    lines = result.lines()
    plan: list[tuple[float, int, list[Word], tuple[int, int, int, int]]] = []
    for n, line in enumerate(lines):
        top = min(w.top for w in line)
        bottom = max(w.top + w.height for w in line)
        for run in spans(line, lexicon, rule):
            box = (run[0].left, top, max(w.left + w.width for w in run), bottom)
            plan.append((_priority(run, lexicon, rule), n, run, box))
    if rule.budget > 0:  # the surest-to-pay runs first, until the page's budget is spent
        plan.sort(key=lambda item: item[0])
    spent = 0.0
    second: dict[int, tuple[str, float]] = {}
    reread: set[int] = set()
    for _, n, run, box in plan:
        width = (box[2] - box[0]) / max(1, box[3] - box[1])
        if rule.budget > 0 and spent + width > rule.budget:
            continue
        spent += width
        reread.add(n)
        gaps = [(a.left + a.width, b.left) for a, b in zip(run, run[1:], strict=False)
                if b.left > a.left + a.width]
        reading = reader.read_line(image, box, gaps)
        second.update((id(w), (text, conf)) for w, text, conf in pair_words(run, reading))
    stats.update(lines=len(lines), reread=len(reread), width=round(spent))
    words: list[Word] = []
    for n, line in enumerate(lines):
        if n not in reread:
            words.extend(line)
            continue
        ordered = sorted(line, key=lambda w: w.left)
        names = name_words([(w.text, second.get(id(w), ("", 0.0))[0]) for w in ordered])
        chosen = {id(w): choose(w, *second[id(w)], lexicon, rule, name=i in names)
                  for i, w in enumerate(ordered) if id(w) in second}
        for w in line:
            new = chosen.get(id(w), w)
            stats["changed"] += new.text != w.text
            stats["disputed"] += new.text == w.text and bool(new.alternatives)
            words.append(new)
    return replace(result, words=tuple(words)), stats


class TesseractAsterEngine(TesseractEngine):
    """Tesseract's page reading, with AsterNet re-reading the lines where it pays.

    Orientation checks and single-line field re-reads stay Tesseract's alone.
    """

    name = "tesseract+aster"

    def __init__(self, *, rule: Rule = DEFAULT_RULE, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rule = rule
        self.reader = AsterReader()

    def version(self) -> str:
        return f"{super().version()} + {self.reader.version()}"

    def check(self, languages: Sequence[str] = ("vie",)) -> None:
        super().check(languages)
        self.reader.check()

    def recognize(self, image: np.ndarray, *, languages: Sequence[str] = ("vie",),
                  dpi: int = 300) -> OcrResult:
        first = super().recognize(image, languages=languages, dpi=dpi)
        return self._second(first, image, languages)

    def recognize_many(self, images: Sequence[np.ndarray], *, dpis: Sequence[int],
                       languages: Sequence[str] = ("vie",), line: bool = False
                       ) -> list[OcrResult]:
        firsts = super().recognize_many(images, dpis=dpis, languages=languages, line=line)
        if line or len(images) < 2:  # single lines are Tesseract's; one crop: recognize()
            return firsts
        return [self._second(first, image, languages)
                for first, image in zip(firsts, images, strict=True)]

    def _second(self, first: OcrResult, image: np.ndarray, languages: Sequence[str]
                ) -> OcrResult:
        """Tesseract's reading with AsterNet's second reading merged in."""
        if "vie" not in languages:  # AsterNet reads Vietnamese (and Latin) print only
            return first
        combined, stats = combine(first, image, self.reader, rule=self.rule)
        log.debug("second reading: %(reread)d of %(lines)d lines, %(changed)d words "
                  "changed, %(disputed)d disputed", stats)
        meta = {**combined.meta, **{f"aster_{k}": str(v) for k, v in stats.items()}}
        return replace(combined, engine=f"tesseract {self.version()}", meta=meta)
