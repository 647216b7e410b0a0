"""The per-page stage: load → blank check → orientation and skew → clean → OCR → text.

``process_page`` is a plain function of a :class:`~pipeline.page.intake.PageRef` and
:class:`PageOptions`; it does not know whether it runs in-process, in a process pool or
in a dramatiq worker. It returns a picklable :class:`PageResult`; when asked, it also
writes the page's corrected image and one-page searchable PDF into ``workdir``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from common.errors import PageProcessingError, SohoaError
from common.vn import nfc
from ocr_models import OcrEngine, OcrResult, Word, get_engine
from ocr_models.vietnamese import correct_token, default_lexicon
from pipeline.page import clean, geometry, idbox, layout, photo, slots
from pipeline.page.intake import MAX_PIXELS, PageRef, capture_hints, judge_resolution, load_page
from pipeline.papers.fields import PageFacts, page_facts

log = logging.getLogger(__name__)

OCR_DPI = 300  # Tesseract reads Vietnamese diacritics best around 300 dpi
MAX_WORK_DPI = 350  # above this, analysis runs on a 300-dpi copy
UPDOWN_SURE = 0.12  # below this the geometric up/down cue asks the OCR engine
RETRY_CONFIDENCE = 0.6  # a page read with less confidence is also read turned over
REREAD_SCALE = 0.67  # field values are read again at 2/3 size: a second, independent reading
REREAD_KINDS = ("name", "date", "id", "code", "number", "address", "text", "agency")
REREAD_EXTRA = (0.5, 0.8)  # more sizes for a name no reading of which passes the checks


@dataclass(frozen=True)
class PageOptions:
    engine: str = "tesseract"
    languages: tuple[str, ...] = ("vie",)
    correct_text: bool = True
    workdir: str | None = None  # write page image + one-page PDF here when set
    jpeg_quality: int = 80  # the page JPEG when pdf_images is "jpeg"
    pdf_images: str = "compact"  # how the page image is stored: pipeline.page.encode
    max_pixels: int = MAX_PIXELS
    fields: bool = True  # classify and extract fields (with crop re-reads); off: text only


@dataclass
class PageResult:
    source: str
    index: int
    rotation: int = 0
    skew_deg: float = 0.0
    blank: bool = False
    text: str = ""
    confidence: float = 0.0
    dpi: float = 0.0
    colour: bool = False
    words: list[Word] = field(default_factory=list)
    facts: PageFacts | None = None  # type, field candidates, QR: for the document stage
    pdf: str | None = None  # one-page searchable PDF in the workdir
    seconds: float = 0.0
    error: SohoaError | None = None

    def to_json(self) -> dict:
        """The page object of the CLI JSON contract (shared/DESIGN.md)."""
        data = {
            "source": Path(self.source).name,
            "index": self.index,
            "rotation": self.rotation,
            "skew_deg": round(self.skew_deg, 2),
            "blank": self.blank,
            "text": self.text,
            "confidence": round(self.confidence, 3),
        }
        if self.facts is not None:
            data["type"] = self.facts.page_class.doc_type
        if self.error is not None:
            data["error"] = self.error.describe("vi")
        return data

    def words_json(self) -> list[dict]:
        return [asdict(w) for w in self.words]


_ENGINES: dict[str, OcrEngine] = {}


def engine_for(name: str) -> OcrEngine:
    """One engine instance per process and name."""
    if name not in _ENGINES:
        _ENGINES[name] = get_engine(name)
    return _ENGINES[name]


def process_page(ref: PageRef, options: PageOptions) -> PageResult:
    """Run every stage on one page; errors are returned in the result, never raised."""
    started = time.perf_counter()
    result = PageResult(source=ref.source, index=ref.index)
    try:
        _process(ref, options, result)
    except SohoaError as exc:
        if exc.page is None and ref.count > 1:
            exc.page = ref.index
        result.error = exc
    except MemoryError as exc:
        result.error = PageProcessingError(ref.source, page=ref.index, detail="out of memory")
        log.error("page %d of %s: out of memory", ref.index + 1, ref.source, exc_info=exc)
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop the batch
        log.exception("page %d of %s failed", ref.index + 1, ref.source)
        result.error = PageProcessingError(ref.source, page=ref.index, detail=repr(exc))
    result.seconds = time.perf_counter() - started
    return result


def _process(ref: PageRef, options: PageOptions, result: PageResult) -> None:
    loaded = load_page(ref, max_pixels=options.max_pixels)
    # A phone photo: the paper rectified out of the frame, its colours greyed for OCR.
    shot = photo.find_photo(loaded, capture_hints(ref))
    loaded = shot.page if shot is not None else loaded
    to_grey = photo.grey_for_ocr if shot is not None else clean.grey_without_seals
    if not loaded.dpi_trusted:  # no tag, or 72/96 written by a tool: the letters decide
        loaded.dpi = judge_resolution(loaded, clean.letter_height(clean.to_grey(loaded.image),
                                                                  loaded.dpi))
    result.dpi, result.colour = loaded.dpi, loaded.colour
    # High-resolution scans are analysed and OCR'd at 300 dpi; only the output image
    # keeps the scan's own resolution.
    target = OCR_DPI if loaded.dpi > MAX_WORK_DPI else loaded.dpi
    grey, work_scale = clean.resize_to_dpi(to_grey(loaded.image, loaded.dpi),
                                           loaded.dpi, target)
    dpi = loaded.dpi * work_scale
    norm = clean.normalize_background(grey, dpi)
    smooth = clean.wants_denoise(loaded.image, norm, dpi)  # judged before any resampling
    output = _Output(loaded.image)  # the page image as stored: turned upright when wanted
    if clean.is_blank(norm, dpi):
        result.blank = True
    else:
        engine = engine_for(options.engine)
        geo = geometry.estimate_geometry(clean.ink_mask(norm), dpi,
                                         direction_from_letters=shot is not None)
        rotation, skew = geo.rotation, geo.skew_deg
        turn = geometry.skew_to_correct(skew)  # the image is turned by this much
        norm = _upright(norm, rotation, turn, 255)
        if geo.updown_score < UPDOWN_SURE:
            rotation, norm = _ask_engine_updown(engine, norm, dpi, rotation, options)
        if smooth:
            norm = clean.denoise(norm, dpi)
        ocr_input, ocr_scale = clean.resize_to_dpi(norm, dpi, OCR_DPI)
        if shot is not None and shot.quad is not None:  # a rectified paper: its real size
            ocr_input = photo.sharpen_enlarged(ocr_input, ocr_scale)
        ocr = engine.recognize(ocr_input, languages=options.languages, dpi=OCR_DPI)
        if ocr.confidence < RETRY_CONFIDENCE:
            ocr, flipped = _better_reading(engine, ocr, ocr_input, options)
            rotation = (rotation + 180) % 360 if flipped else rotation
        if shot is not None:  # a photo's blur joins tight lines (a two-line issuer) into one
            ocr = _split_merged_lines(engine, ocr, ocr_input, options)
        result.rotation, result.skew_deg = rotation, skew
        output.turn(rotation, turn)
        scale = work_scale * ocr_scale  # OCR pixels per pixel of the output image
        lexicon = default_lexicon() if options.correct_text else None
        words = [_rescale(w, scale, lexicon, options.correct_text) for w in ocr.words]
        lines = [line for line in layout.reading_order(_drop_noise(words, lexicon))
                 if not _noise_line(line)]
        result.words = [w for line in lines for w in line]
        result.text = nfc("\n".join(" ".join(w.text for w in line) for line in lines))
        result.confidence = _confidence(result.words)
        if options.fields:
            result.facts = _facts(result, engine, ocr_input, scale, output, options)
            # handwritten/stamped digits of the number and date, read where the labels sit
            result.facts.slots = slots.read_slots(ocr_input, result.words, scale)
            # a personal ID written by hand into a row of boxes after its label
            result.facts.idboxes = idbox.read_id_boxes(ocr_input, result.words, scale)
            # a value read as a fill-in line's dots only: is anything written on them?
            idbox.mark_written_blanks(ocr_input, result.words, scale,
                                      result.facts.candidates)
    if options.workdir:
        result.pdf = str(_write_page(output.image(), result, options))


MERGED_HEIGHT = 1.7  # a word this many usual text heights tall...
MERGED_CONFIDENCE = 0.5  # ...read with less confidence spans two lines run together
MERGED_BETTER = 0.2  # a re-read replaces it when surer by this much on average


def _split_merged_lines(engine: OcrEngine, ocr: OcrResult, ocr_input: np.ndarray,
                        options: PageOptions) -> OcrResult:
    """Two tight lines read as one: a blurred photo's upper-case issuer block ("ỦY BAN NHÂN
    DÂN" over "THÀNH PHỐ …", whose tone marks touch the line above) comes out as one
    line of unsure "words" two lines tall. Each such run of words, with the words of its
    line beside it (a gap under two text heights), is cut out and read again as a block;
    the new reading replaces it only when it is clearly surer and its words are of the
    page's usual height (a seal, signature or portrait read again stays as it was)."""
    words = list(ocr.words)
    sure = [w.height for w in words if w.confidence >= 0.8 and len(w.text) >= 2]
    if len(sure) < 20:
        return ocr
    usual = float(np.median(sure))
    regions: list[list[Word]] = []
    for line in ocr.lines():
        line = sorted(line, key=lambda w: w.left)
        tall = [i for i, w in enumerate(line) if w.height >= MERGED_HEIGHT * usual
                and w.confidence < MERGED_CONFIDENCE and len(w.text) >= 3]
        if not tall:
            continue
        lo = hi = tall[0]
        while lo > 0 and line[lo].left - (line[lo - 1].left + line[lo - 1].width) < 2 * usual:
            lo -= 1
        while hi + 1 < len(line) and \
                line[hi + 1].left - (line[hi].left + line[hi].width) < 2 * usual:
            hi += 1
        regions.append(line[lo:hi + 1])
    if not regions:
        return ocr
    crops, offsets = [], []
    h, w = ocr_input.shape[:2]
    pad, side = round(0.4 * usual), round(1.5 * usual)  # the lower line may be the longer
    for region in regions:
        x0 = max(0, min(x.left for x in region) - side)
        y0 = max(0, min(x.top for x in region) - pad)
        x1 = min(w, max(x.left + x.width for x in region) + side)
        y1 = min(h, max(x.top + x.height for x in region) + pad)
        crops.append(cv2.copyMakeBorder(ocr_input[y0:y1, x0:x1], 12, 12, 12, 12,
                                        cv2.BORDER_CONSTANT, value=255))
        offsets.append((x0 - 12, y0 - 12))
    try:
        reads = engine.recognize_many(crops, dpis=[OCR_DPI] * len(crops),
                                      languages=options.languages, line=False)
    except Exception as exc:  # noqa: BLE001 - the first reading stays
        log.debug("merged-line re-read failed: %s", exc)
        return ocr
    replaced: set[int] = set()
    added: list[Word] = []
    for n, (region, read, (x0, y0)) in enumerate(zip(regions, reads, offsets, strict=True)):
        new = [x for x in read.words if x.text.strip()] if read is not None else []
        if not new or max(x.height for x in new) > 1.4 * usual:
            continue
        before = sum(x.confidence for x in region) / len(region)
        after = sum(x.confidence for x in new) / len(new)
        if after < before + MERGED_BETTER:
            continue
        log.debug("photo: a merged line read again (%.2f -> %.2f)", before, after)
        new = [Word(x.text, x.left + x0, x.top + y0, x.width, x.height, x.confidence,
                    1000 + n * 100 + x.block, x.par, x.line, x.alternatives) for x in new]
        replaced.update(id(x) for x in region)
        # unsure fragments of the same two lines that the first reading put on a line of
        # their own go too (their centre inside what the re-read found)
        left, right = min(x.left for x in new), max(x.left + x.width for x in new)
        top, bottom = min(x.top for x in new), max(x.top + x.height for x in new)
        replaced.update(id(x) for x in words if x.confidence < MERGED_CONFIDENCE
                        and left <= x.left + x.width / 2 <= right
                        and top <= x.top + x.height / 2 <= bottom)
        added += new
    if not added:
        return ocr
    kept = [x for x in words if id(x) not in replaced]
    return OcrResult(tuple(kept + added), ocr.engine, ocr.size, ocr.meta)


def _facts(result: PageResult, engine: OcrEngine, ocr_input: np.ndarray, scale: float,
           output: _Output, options: PageOptions) -> PageFacts:
    """Classify the page, find its field candidates, read an ID card's QR code, and read
    names, dates and ID numbers a second time from their crops."""
    from pipeline.papers.qr import find_card_qr, qr_outline

    facts = page_facts(result.words, result.text, page=result.index,
                       find_qr=lambda: find_card_qr(output.image(), page=result.index),
                       qr_outline=lambda: qr_outline(output.as_loaded()))
    reread = []
    for cand in facts.candidates:
        disputed = second_reading(cand.words)
        if disputed and disputed != " ".join(w.text for w in cand.words):
            cand.alternatives.append(disputed)  # the second recogniser read these words otherwise
        if cand.kind in REREAD_KINDS and cand.words:
            reread.append(cand)
    # all crops of a round in one engine call (one Tesseract start, not one per crop)
    texts = _reread(engine, ocr_input, [(c.words, REREAD_SCALE) for c in reread], scale, options)
    for cand, text in zip(reread, texts, strict=True):
        if text:
            cand.alternatives.append(text)
    # e.g. capital "NGUYỄN" read as "NGUYÊN" at two sizes: try two more
    unsound = [c for c in reread if c.kind == "name" and not _any_sound_name(c)]
    jobs = [(cand, size) for cand in unsound for size in REREAD_EXTRA]
    texts = _reread(engine, ocr_input, [(c.words, size) for c, size in jobs], scale, options)
    for (cand, _), text in zip(jobs, texts, strict=True):
        if text:
            cand.alternatives.append(text)
    return facts


def second_reading(words: Sequence[Word]) -> str | None:
    """The words as the other reader of a combined engine (``ocr_models.combine``) read
    them, where it disagreed (``Word.alternatives``), else ``None``. A field built from
    them then carries both readings, and the field stage flags a disagreement on a
    number, code or name instead of keeping one reading silently."""
    if not any(w.alternatives for w in words):
        return None
    return " ".join(w.alternatives[0] if w.alternatives else w.text for w in words)


def _any_sound_name(cand) -> bool:
    from pipeline.papers.fields import _name
    from pipeline.papers.validate import check_name

    return any(not check_name(_name(raw)) for raw in [cand.raw, *cand.alternatives])


def _reread(engine: OcrEngine, ocr_input: np.ndarray, jobs: list[tuple[list[Word], float]],
            scale: float, options: PageOptions) -> list[str]:
    """Each job's words cut out of the OCR image and read again as one line (or as a
    page when they span lines) at its size (a share of the OCR resolution); "" where the
    crop is empty or the re-read failed. Crops read alike go to the engine in one call."""
    texts = [""] * len(jobs)
    groups: dict[bool, list[tuple[int, np.ndarray, int]]] = {True: [], False: []}
    for n, (words, size) in enumerate(jobs):
        crop = _reread_crop(ocr_input, words, scale, size)
        if crop is not None:
            one_line = len({(w.block, w.par, w.line) for w in words}) == 1
            groups[one_line].append((n, crop, round(OCR_DPI * size)))
    for line, group in groups.items():
        if not group:
            continue
        crops, dpis = [c for _, c, _ in group], [d for _, _, d in group]
        try:
            reads = engine.recognize_many(crops, dpis=dpis, languages=options.languages,
                                          line=line)
        except Exception as exc:  # noqa: BLE001 - then crop by crop: one bad crop costs one
            log.debug("field re-reads failed together: %s", exc)
            reads = [_read_alone(engine, crop, dpi, line, options) for crop, dpi
                     in zip(crops, dpis, strict=True)]
        for (n, _, _), read in zip(group, reads, strict=True):
            texts[n] = nfc(" ".join(w.text for w in read.words)) if read is not None else ""
    return texts


def _read_alone(engine: OcrEngine, crop: np.ndarray, dpi: int, line: bool,
                options: PageOptions) -> OcrResult | None:
    read_fn = engine.recognize_line if line else engine.recognize
    try:
        return read_fn(crop, languages=options.languages, dpi=dpi)
    except Exception as exc:  # noqa: BLE001 - a failed re-read just means one reading
        log.debug("field re-read failed: %s", exc)
        return None


def _reread_crop(ocr_input: np.ndarray, words: list[Word], scale: float,
                 size: float) -> np.ndarray | None:
    """The words' crop of the OCR image at ``size`` of its resolution, with a white
    margin; ``None`` when the crop is empty."""
    x0 = min(w.left for w in words) * scale
    y0 = min(w.top for w in words) * scale
    x1 = max(w.left + w.width for w in words) * scale
    y1 = max(w.top + w.height for w in words) * scale
    pad = 0.35 * (y1 - y0)
    h, w = ocr_input.shape[:2]
    crop = ocr_input[max(0, int(y0 - pad)):min(h, int(y1 + pad)),
                     max(0, int(x0 - pad)):min(w, int(x1 + pad))]
    if crop.size == 0:
        return None
    small = cv2.resize(crop, None, fx=size, fy=size,
                       interpolation=cv2.INTER_AREA if size < 1 else cv2.INTER_CUBIC)
    return cv2.copyMakeBorder(small, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=255)


class _Output:
    """The page image at its own resolution, turned upright only when first asked for (a
    PDF page, a card's QR code): text-only runs of most pages never pay for turning it."""

    def __init__(self, image: np.ndarray) -> None:
        self._image = image
        self._turn: tuple[int, float] | None = None

    def turn(self, rotation: int, skew: float) -> None:
        self._turn = (rotation, skew)

    def as_loaded(self) -> np.ndarray:
        """The image as it is now, turned or not (for looks that do not care)."""
        return self._image

    def image(self) -> np.ndarray:
        if self._turn is not None:
            rotation, skew = self._turn
            self._image = _upright(self._image, rotation, skew, _paper_colour(self._image))
            self._turn = None
        return self._image


def _upright(image: np.ndarray, rotation: int, skew: float, fill) -> np.ndarray:
    return geometry.deskew(geometry.turn_to_upright(image, rotation), skew, fill=fill)


def _ask_engine_updown(engine: OcrEngine, norm: np.ndarray, dpi: float, rotation: int,
                       options: PageOptions) -> tuple[int, np.ndarray]:
    """Geometry was unsure whether the page is upside down: compare OCR confidences."""
    sample, _ = clean.resize_to_dpi(_text_band(norm), dpi, OCR_DPI)
    scores = engine.orientation_scores(sample, languages=options.languages)
    if scores and scores.get(180, 0.0) > scores.get(0, 0.0) + 0.05:
        log.debug("engine says upside down (%s)", scores)
        return (rotation + 180) % 360, np.ascontiguousarray(norm[::-1, ::-1])
    return rotation, norm


def _better_reading(engine: OcrEngine, ocr: OcrResult, ocr_input: np.ndarray,
                    options: PageOptions) -> tuple[OcrResult, bool]:
    """Low confidence may mean the page is upside down after all: read it turned over
    and keep whichever reading the engine is clearly surer of."""
    turned = np.ascontiguousarray(ocr_input[::-1, ::-1])
    other = engine.recognize(turned, languages=options.languages, dpi=OCR_DPI)
    if other.confidence > ocr.confidence + 0.1:
        log.debug("page read upside down (%.2f vs %.2f)", other.confidence, ocr.confidence)
        return other, True
    return ocr, False


def _text_band(norm: np.ndarray) -> np.ndarray:
    """The horizontal band of about a third of the page with the most ink."""
    rows = (norm < 150).sum(axis=1).astype(np.float64)
    band = max(1, len(rows) // 3)
    window = np.convolve(rows, np.ones(band), mode="valid")
    top = int(np.argmax(window)) if len(window) else 0
    return norm[top:top + band]


def _paper_colour(image: np.ndarray) -> int | tuple[int, int, int]:
    """Fill for corners uncovered by deskewing: the brightest common tone of the page."""
    sample = image[::16, ::16].reshape(-1, image.shape[2]) if image.ndim == 3 else \
        image[::16, ::16].reshape(-1, 1)
    tone = np.percentile(sample, 90, axis=0).astype(int)
    return int(tone[0]) if image.ndim == 2 else tuple(int(v) for v in tone)


def _rescale(word: Word, scale: float, lexicon, correct: bool) -> Word:
    text = correct_token(word.text, lexicon) if correct else nfc(word.text)
    if scale == 1.0:
        return word.with_text(text)
    return Word(text, round(word.left / scale), round(word.top / scale),
                max(1, round(word.width / scale)), max(1, round(word.height / scale)),
                word.confidence, word.block, word.par, word.line, word.alternatives)


_PUNCTUATION = set("-–—/:,.;()+*…!?%\"“”'‘’")
SPECK_CONFIDENCE = 0.6  # a lone punctuation mark read with less is dust, not text
LONE_LETTER_CONFIDENCE = 0.5  # a one-letter "word" read with less is a speck
TALL_NOISE = 3.0  # words this many text heights tall, read unsurely, are seals or photos
NOISE_LINE_CONFIDENCE = 0.3  # no word of a line read this surely: a photo or emblem
FLAT_NOISE = 0.3  # a "word" this much lower than the typical one is texture, not text
NO_CONFIDENCE = 0.05  # Tesseract's "no idea" (0.00-0.04)
_WORD_MARKS = set(".,:;/-()<'")


def _garbled(text: str) -> bool:
    """A shape no word, number or code has: marks inside it that text does not carry
    (quotes and symbols glued to letters), or letters and digits alternating three
    times or more ("53/4u4cuY"; a code such as "573/TTr-SNV" switches once, a
    handwritten day glued to its label, "ngày0ÿ", twice)."""
    if any(not ch.isalnum() and ch not in _WORD_MARKS for ch in text):
        return True
    kinds = [ch.isdigit() for ch in text if ch.isalnum()]
    return sum(a != b for a, b in zip(kinds, kinds[1:], strict=False)) >= 3


def _drop_noise(words: list[Word], lexicon) -> list[Word]:
    """Drop only what is provably not text: marks with no letter or digit that are not
    punctuation or are read unsurely (dust, frame edges, seal rims), a lone letter read
    unsurely, and unsure "words" several text heights tall (fragments of a seal, photo
    or emblem).

    Every word with a letter or digit in it at text height is kept, however unsure the
    engine is: handwritten numbers ("86", "16"), codes ("573/TTr-SNV") and short words
    ("Tổ") are read with low confidence and are exactly what a reader needs; only a
    one-letter word, or a two-letter one that is no syllable in ``lexicon``, read with
    less than LONE_LETTER_CONFIDENCE goes."""
    if not words:
        return words
    typical = float(np.median([w.height for w in words]))

    def noise(word: Word) -> bool:
        if not any(ch.isalnum() for ch in word.text):  # "-", "/" (nothing to declare) stay
            return not set(word.text) <= _PUNCTUATION or word.confidence < SPECK_CONFIDENCE
        if word.height < FLAT_NOISE * typical:  # no letter is this flat: a guilloche or
            return True  # photo texture read as a string of characters
        if word.confidence < NO_CONFIDENCE and _garbled(word.text):
            return True  # the engine had no confidence at all in a shape no word has
        if len(word.text) <= 2 and word.text.isalpha():  # "À", "ÀS", "Ị" read unsurely
            # out of a speck or a signature stroke; a real short word is a syllable
            unknown = len(word.text) == 1 or (lexicon is not None and word.text not in lexicon)
            return unknown and word.confidence < LONE_LETTER_CONFIDENCE
        return word.height > TALL_NOISE * typical and word.confidence < SPECK_CONFIDENCE

    return [w for w in words if not noise(w)]


def _noise_line(line: list[Word]) -> bool:
    """A whole "line" read out of a fingerprint, photo or emblem: no word in it read
    with even NOISE_LINE_CONFIDENCE (real text lines, handwriting and an ID card's
    machine-readable zone included, always have some word read more surely)."""
    return all(w.confidence < NOISE_LINE_CONFIDENCE for w in line) and \
        not any("<<" in w.text for w in line)


def _confidence(words: list[Word]) -> float:
    chars = sum(len(w.text) for w in words)
    return sum(w.confidence * len(w.text) for w in words) / chars if chars else 0.0


def _write_page(image: np.ndarray, result: PageResult, options: PageOptions) -> Path:
    from pipeline.page.encode import encode_page
    from pipeline.pdfa import write_page_pdf  # lazy: pikepdf work only when a PDF is wanted

    assert options.workdir is not None
    tag = hashlib.sha1(result.source.encode()).hexdigest()[:12]
    stem = Path(options.workdir) / f"{tag}-{result.index:05d}"
    try:  # the array itself: no JPEG round trip before the page's own encoding
        encoded = encode_page(image, result.dpi, options.pdf_images,
                              jpeg_quality=options.jpeg_quality)
    except RuntimeError as exc:  # an encoder refused the page
        raise PageProcessingError(result.source, page=result.index,
                                  detail=f"cannot encode the page image: {exc}") from exc
    return write_page_pdf(encoded, stem.with_suffix(".pdf"), dpi=result.dpi, words=result.words)
