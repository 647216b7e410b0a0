"""The settled reading back in the page text: words the field stage read better replace the
page's OCR words, at their positions, so the JSON ``text`` and the PDF text layer say what the
fields say.

The field stage (:mod:`pipeline.papers.fields`) settles a value from more than the page's
first reading: crop re-reads, the ID card's QR code and MRZ, the same name printed elsewhere
on the paper, a family-name correction. When the page printed "NGUYỄN THANH NHẬT" and the
engine read "NGUYÊN THANH NHẬT", the field says "Nguyễn Thanh Nhật" but a search of the PDF
for "Nguyễn" used to miss the page. This module owns deciding which words change:

- **where**: the words the field's candidate was read from (its provenance: the page words
  the extractor cut the value from, kept in :class:`~pipeline.papers.extract.Candidate`
  and found again on the page by text and box), and, for names and places of two words or
  more, any other run of words on the paper's pages with the same letters (accents and case
  aside) — the same name printed again;
- **what**: the field's words in the page's case (upper case stays upper case: the page is
  what was printed; the field keeps its own form), with the printed word's punctuation kept;
- **when not**: a field flagged because readings disagree (``readings_differ``,
  ``disagrees``) — we do not know which reading is right, so the page keeps its own; values
  that are not printed words (ISO dates, bare numbers); word counts that do not match.

A correction that the field stage flagged (``name_corrected``) is carried into the text and
stays flagged in the field: the text layer serves search, the flag serves the officer.

:func:`settle_pages` applies the replacements to the pages' ``words`` and ``text`` and returns
which pages changed, so the caller rewrites their PDF text layers
(:func:`pipeline.pdfa.replace_text_layer`). Page facts (lines, candidates) are left as read:
building the documents again gives the same fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ocr_models.base import Word
from pipeline.papers.extract import Candidate
from pipeline.papers.fields import Document
from pipeline.papers.validate import fold, nfc

__all__ = ["Replacement", "apply_replacements", "replacements_for", "settle_pages"]

UNSURE = {"readings_differ", "disagrees"}  # the field itself does not know which is right
SEARCH_KINDS = ("name", "address", "agency")  # values worth finding printed again
MIN_SEARCH_LETTERS = 8  # "Nam" must not turn every "năm" into "Nam"
_EDGE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SO_HIEU = ("so", "so_ky_hieu")  # fields the extractor's "so_hieu" candidate becomes


@dataclass(frozen=True)
class Replacement:
    page: int  # index into the pages given to :func:`replacements_for`
    word: int  # index into that page's ``words``
    old: str
    new: str
    key: str  # the field that settled it


def _split(text: str) -> tuple[str, str, str]:
    m = _EDGE.match(text)
    assert m is not None  # the pattern matches any string
    return m.group(1), m.group(2), m.group(3)


def _in_case_of(printed: str, word: str) -> str:
    """``word`` in the case the page printed ``printed`` in."""
    letters = [c for c in printed if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return word.upper()
    if letters and all(c.islower() for c in letters):
        return word.lower()
    return word


def _respelled(printed: Sequence[str], value: Sequence[str]) -> list[str]:
    out = []
    for old, new in zip(printed, value, strict=True):
        lead, core, trail = _split(old)
        new_core = _split(new)[1] or new
        out.append(lead + _in_case_of(core, new_core) + trail)
    return out


def _box(word: Word) -> tuple:
    return (word.text, word.left, word.top, word.width, word.height)


def _candidate(key: str, pages: set[int], candidates: Sequence[Candidate]) -> Candidate | None:
    for cand in candidates:
        if cand.page in pages and (cand.key == key or (cand.key == "so_hieu" and key in _SO_HIEU)):
            return cand
    return None


def _runs(words: Sequence[Word], target: str, n: int) -> list[int]:
    """Starts of runs of ``n`` words of one line whose letters fold to ``target``."""
    starts = []
    for i in range(len(words) - n + 1):
        run = words[i:i + n]
        if len({w.line_key for w in run}) != 1 and any(w.line_key != (0, 0, 0) for w in run):
            continue
        if " ".join(fold(_split(w.text)[1]) for w in run) == target:
            starts.append(i)
    return starts


def replacements_for(docs: Sequence[Document], pages: Sequence) -> list[Replacement]:
    """The word replacements that carry ``docs``' settled values into ``pages`` (page results
    with ``words`` and ``facts``, the same sequence the documents' page numbers index)."""
    found: dict[tuple[int, int], Replacement] = {}
    for doc in docs:
        doc_pages = set(doc.pages)
        candidates = [c for i in doc.pages if i < len(pages)
                      for c in (getattr(pages[i].facts, "candidates", None) or [])]
        for key, fv in doc.fields.items():
            if {p.code for p in fv.problems} & UNSURE:
                continue
            value = nfc(fv.value)
            if not any(c.isalpha() for c in value) or _ISO_DATE.fullmatch(value):
                continue
            value_words = value.split()
            cand = _candidate(key, doc_pages, candidates)
            spans: list[tuple[int, list[int]]] = []  # (page, word indices)
            if cand is not None and cand.words and len(cand.words) == len(value_words):
                page = pages[cand.page] if cand.page < len(pages) else None
                # by value, not identity: pages that crossed a queue as data are copies
                ids = {_box(w): j for j, w in enumerate(page.words)} if page is not None else {}
                idx = [ids.get(_box(w)) for w in cand.words]
                if all(j is not None for j in idx) and _close(
                        [page.words[j].text for j in idx], value_words):
                    spans.append((cand.page, idx))
            kind = cand.kind if cand is not None else ("name" if key.startswith("ho_ten")
                                                       else "")
            target = " ".join(fold(_split(w)[1]) for w in value_words)
            if kind in SEARCH_KINDS and len(value_words) >= 2 and \
                    sum(c.isalpha() for c in value) >= MIN_SEARCH_LETTERS:
                for i in sorted(doc_pages):
                    if i >= len(pages) or not getattr(pages[i], "words", None):
                        continue
                    for start in _runs(pages[i].words, target, len(value_words)):
                        spans.append((i, list(range(start, start + len(value_words)))))
            for page_i, idx in spans:
                words = pages[page_i].words
                printed = [words[j].text for j in idx]
                for j, old, new in zip(idx, printed, _respelled(printed, value_words),
                                       strict=True):
                    if new != old and (page_i, j) not in found:
                        found[(page_i, j)] = Replacement(page_i, j, old, new, key)
    return sorted(found.values(), key=lambda r: (r.page, r.word))


def _close(printed: Sequence[str], value: Sequence[str]) -> bool:
    """The field's words are a reading of these printed words: same letters (accents and
    case aside), or word by word mostly the same letters (a re-read that fixed a letter)."""
    import difflib

    for old, new in zip(printed, value, strict=True):
        a, b = fold(_split(old)[1]), fold(_split(new)[1])
        if a != b and difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() < 0.75:
            return False
    return True


def apply_replacements(pages: Sequence, replacements: Sequence[Replacement]) -> set[int]:
    """Put the replacements into the pages' ``words`` and ``text``; the changed pages."""
    changed: set[int] = set()
    by_page: dict[int, list[Replacement]] = {}
    for rep in replacements:
        by_page.setdefault(rep.page, []).append(rep)
    for page_i, reps in by_page.items():
        page = pages[page_i]
        words = list(page.words)
        for rep in reps:
            if words[rep.word].text == rep.old:
                words[rep.word] = words[rep.word].with_text(rep.new)
        if words == list(page.words):
            continue
        page.text = _text_of(page.text, words)
        page.words = words
        changed.add(page_i)
    return changed


def _text_of(text: str, words: Sequence[Word]) -> str:
    """The page text again, line breaks where they were, from the (changed) words: each text
    line holds as many words as it did (the text is the words joined, lines by newlines)."""
    rows, i = [], 0
    for row in text.split("\n"):
        n = len(row.split()) if row.strip() else 0
        rows.append(" ".join(w.text for w in words[i:i + n]) if n else row)
        i += n
    return nfc("\n".join(rows))


def settle_pages(docs: Sequence[Document], pages: Sequence) -> set[int]:
    """Carry the documents' settled values into the pages' words and text (in place); the
    indices of the pages that changed, whose PDF text layer the caller rewrites."""
    return apply_replacements(pages, replacements_for(docs, pages))
