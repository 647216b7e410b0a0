"""The real development set (``../shared/realdev/``) and how outputs are scored against it.

Owns: loading the set into documents (a first page ``dev-NN`` plus its second page
``dev-NN-p2`` when there is one), line-by-line character error rate against the
hand-transcribed ``text_lines`` (each truth line against its best-matching window of the
page text, so reading order does not count), and the field comparisons the set's README
suggests (exact for ``so_ky_hieu`` / ``ngay_ban_hanh``; NFC + whitespace collapsing, and a
lenient case-folded score, for the issuer, type title and subject).

Importable by every benchmark and test (``from benchmarks.realdev import load_set``); no
dependency on the pipeline. The set lives outside the repository: its root is
``--realdev`` / ``SOHOA_REALDEV`` / ``../shared/realdev`` beside the checkout.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROOT = REPO.parent / "shared" / "realdev"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")

# The keys the set labels (its README, "Labelling conventions"); a value the pipeline
# returns for one of these where the truth has none is an error ("extra").
LABELLED_KEYS = ("co_quan_chu_quan", "co_quan_ban_hanh", "so_ky_hieu", "ngay_ban_hanh",
                 "loai_van_ban", "trich_yeu", "ho_ten", "ngay_sinh", "gioi_tinh",
                 "so_dinh_danh")
EXACT_KEYS = ("so_ky_hieu", "ngay_ban_hanh", "so_dinh_danh", "ngay_sinh")
LENIENT_KEYS = ("co_quan_chu_quan", "co_quan_ban_hanh", "loai_van_ban", "trich_yeu")
LOST_LINE_CER = 0.5  # a truth line whose best window is worse than this was not read at all


def default_root() -> Path:
    """``SOHOA_REALDEV`` if set, else ``../shared/realdev`` beside the repository."""
    env = os.environ.get("SOHOA_REALDEV")
    return Path(env) if env else DEFAULT_ROOT


# -- the set --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One image of the set with its truth file."""

    name: str  # "dev-03-p2"
    image: Path
    truth: dict

    @property
    def text_lines(self) -> list[str]:
        return list(self.truth.get("text_lines", []))


@dataclass(frozen=True)
class Item:
    """One document: its first page, then its second page when the set has one."""

    name: str  # "dev-03"
    pages: tuple[Page, ...]

    @property
    def truth(self) -> dict:
        return self.pages[0].truth

    @property
    def doc_type(self) -> str:
        return self.truth["type"]

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.truth.get("fields", {}))

    @property
    def images(self) -> list[Path]:
        return [p.image for p in self.pages]


_NAME = re.compile(r"^(?P<doc>.+?)(?:-p(?P<page>\d+))?$")


def load_set(root: Path | None = None, only: set[str] | None = None) -> list[Item]:
    """Every document of the set under ``root`` (``images/``, ``truth/*.json``), in name
    order; ``only``: document names to keep (``{"dev-05", "dev-12"}``)."""
    root = Path(root) if root is not None else default_root()
    truth_dir, image_dir = root / "truth", root / "images"
    if not truth_dir.is_dir():
        raise FileNotFoundError(f"no realdev truth folder at {truth_dir}")
    pages: dict[str, list[tuple[int, Page]]] = {}
    for truth_file in sorted(truth_dir.glob("*.json")):
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        name = truth_file.stem
        image = _image_for(image_dir, name, truth)
        match = _NAME.match(name)
        assert match is not None
        number = int(match["page"]) if match["page"] else 1
        pages.setdefault(match["doc"], []).append((number, Page(name, image, truth)))
    items = [Item(doc, tuple(p for _, p in sorted(found, key=lambda pair: pair[0])))
             for doc, found in sorted(pages.items())]
    if only:
        unknown = only - {i.name for i in items}
        if unknown:
            raise KeyError(f"not in the set: {', '.join(sorted(unknown))}")
        items = [i for i in items if i.name in only]
    return items


def _image_for(image_dir: Path, name: str, truth: dict) -> Path:
    named = truth.get("file")
    if named and (image_dir / named).is_file():
        return image_dir / named
    for suffix in IMAGE_SUFFIXES:
        if (image_dir / (name + suffix)).is_file():
            return image_dir / (name + suffix)
    raise FileNotFoundError(f"no image for {name} in {image_dir}")


# -- normalising ----------------------------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
                         "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
                         "–": "-", "—": "-", "‒": "-", "―": "-", "−": "-", "‐": "-",
                         "‑": "-"})


def normalise_text(text: str) -> str:
    """As the set's transcriptions are written: NFC, straight quotes and dashes, single
    spaces (line breaks count as spaces)."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip()


# -- line-by-line CER -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LineMatch:
    truth: str
    window: str  # the page text it matched best
    edits: int

    @property
    def cer(self) -> float:
        return self.edits / len(self.truth) if self.truth else 0.0

    @property
    def lost(self) -> bool:
        return self.cer > LOST_LINE_CER


@dataclass(frozen=True)
class LineScore:
    """Character errors of a page's text against its transcribed lines."""

    lines: list[LineMatch] = field(default_factory=list)

    @property
    def edits(self) -> int:
        return sum(m.edits for m in self.lines)

    @property
    def chars(self) -> int:
        return sum(len(m.truth) for m in self.lines)

    @property
    def cer(self) -> float:
        return self.edits / self.chars if self.chars else 0.0

    @property
    def lost_lines(self) -> int:
        return sum(m.lost for m in self.lines)

    @property
    def line_cers(self) -> list[float]:
        return [m.cer for m in self.lines]


def line_cer(truth_lines: list[str], page_text: str) -> LineScore:
    """Score each truth line against its best-matching window of ``page_text``
    (approximate substring match: edits = min over all substrings of the Levenshtein
    distance); both sides normalised with :func:`normalise_text`."""
    text = normalise_text(page_text)
    matches = []
    for raw in truth_lines:
        line = normalise_text(raw)
        if not line:
            continue
        edits, start, end = best_window(line, text)
        matches.append(LineMatch(line, text[start:end], edits))
    return LineScore(matches)


def best_window(needle: str, haystack: str) -> tuple[int, int, int]:
    """(edits, start, end) of the substring of ``haystack`` closest to ``needle`` in
    Levenshtein distance (Sellers' algorithm, one numpy row per needle character)."""
    if not haystack:
        return len(needle), 0, 0
    costs, end = _semi_global(needle, haystack)
    edits = int(costs[end])
    # The window's start: the same search on both strings reversed, over the text up to
    # the end found (the best window ending there, read backwards).
    _, back_end = _semi_global(needle[::-1], haystack[:end][::-1], anchored=True)
    start = end - back_end
    return edits, start, end


def _semi_global(needle: str, haystack: str, *,
                 anchored: bool = False) -> tuple[np.ndarray, int]:
    """Last row of the approximate-substring DP (free end in ``haystack``; free start
    too unless ``anchored``) and the end column of the best match (the leftmost among
    equal costs: no trailing extra characters)."""
    hay = np.frombuffer(haystack.encode("utf-32-le"), dtype=np.uint32)
    n = len(hay)
    cols = np.arange(n + 1, dtype=np.int64)
    # Row 0: a match may start anywhere for free, or (anchored) only at the text's start.
    row = cols.copy() if anchored else np.zeros(n + 1, dtype=np.int64)
    for i, ch in enumerate(needle, start=1):
        mismatch = (hay != ord(ch)).astype(np.int64)
        diag = row[:-1] + mismatch  # substitute / match
        up = row[1:] + 1  # needle character not in the text
        best = np.empty(n + 1, dtype=np.int64)
        best[0] = i
        best[1:] = np.minimum(diag, up)
        # Text characters inserted (moving right along the row): best[j] = min over k <= j
        # of best[k] + (j - k), a running minimum of best[k] - k.
        row = np.minimum.accumulate(best - cols) + cols
    return row, int(np.argmin(row))


# -- fields ---------------------------------------------------------------------------------------


def normalise_value(key: str, value: str | None, *, lenient: bool = False) -> str:
    """A field value as compared: NFC and whitespace collapsed for every key (codes and
    dates exactly otherwise); quotes and dashes straightened and, when ``lenient``,
    case folded for the issuer, type title and subject."""
    if value is None:
        return ""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(value))).strip()
    if key in LENIENT_KEYS:
        text = text.translate(_QUOTES)
        if lenient:
            text = unicodedata.normalize("NFC", text.casefold())
    return text


def values_equal(key: str, truth: str | None, ours: str | None, *,
                 lenient: bool = False) -> bool:
    """Whether ``ours`` matches ``truth`` for ``key`` (two absent values are equal)."""
    return normalise_value(key, truth, lenient=lenient) == \
        normalise_value(key, ours, lenient=lenient)


# Outcomes of one field of one document.
EXACT, WRONG_FLAGGED, WRONG_UNFLAGGED, MISSING, EXTRA = (
    "exact", "wrong_flagged", "wrong_unflagged", "missing", "extra")
OUTCOMES = (EXACT, WRONG_FLAGGED, WRONG_UNFLAGGED, MISSING, EXTRA)


def field_outcome(key: str, truth: str | None, ours: dict | None, *,
                  lenient: bool = False) -> str | None:
    """The outcome for ``key``: ``ours`` is the field object the CLI prints
    (``{"value", "confidence", "needs_review", "reasons"}``) or None when absent.
    None when neither side has a value (nothing to score)."""
    value = (ours or {}).get("value")
    has_truth = bool(normalise_value(key, truth))
    has_ours = bool(normalise_value(key, value))
    if not has_truth:
        return EXTRA if has_ours else None
    if not has_ours:
        return MISSING
    if values_equal(key, truth, value, lenient=lenient):
        return EXACT
    flagged = bool(ours.get("needs_review") or ours.get("reasons"))
    return WRONG_FLAGGED if flagged else WRONG_UNFLAGGED


def score_fields(truth: dict[str, str], ours: dict[str, dict], *, lenient: bool = False,
                 keys: tuple[str, ...] = LABELLED_KEYS) -> dict[str, str]:
    """Outcome per key for one document: every key the truth has, and every labelled key
    the output has (a value where the truth has none is an error)."""
    outcomes = {}
    for key in keys:
        outcome = field_outcome(key, truth.get(key), ours.get(key), lenient=lenient)
        if outcome is not None:
            outcomes[key] = outcome
    for key in truth:  # a key the set labels later is scored, never silently skipped
        if key not in outcomes and key not in keys:
            outcome = field_outcome(key, truth[key], ours.get(key), lenient=lenient)
            if outcome is not None:
                outcomes[key] = outcome
    return outcomes
