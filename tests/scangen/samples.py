"""Samples of the scan generator: the ground truth record (:class:`Truth`), one degraded scan
per seed (:func:`make_sample`) and whole sets written to disk (:func:`generate_set`).

Every random choice of a sample comes from ``random.Random(seed)`` in a fixed order, whether
or not the caller overrides it, so a seed always gives the same page and overriding one
parameter (say ``rotation``) leaves the rest of the sample unchanged.
"""

from __future__ import annotations

import io
import json
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from PIL import Image

from .degrade import blank_page, degrade
from .documents import DOC_TYPES, render_continuation, render_page

LEVELS = ("clean", "mild", "degraded")
DPIS = (200, 250, 300)
FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "tif": "TIFF", "tiff": "TIFF",
           "pdf": "PDF"}


@dataclass(frozen=True)
class Truth:
    """What is on a generated scan, for scoring a pipeline's output against."""

    doc_type: str  # one of DOC_TYPES, or "blank"
    text: str  # lines in reading order joined by "\n", words by single spaces, NFC
    fields: dict[str, str] = field(default_factory=dict)  # field key -> value (ISO dates)
    rotation: int = 0  # clockwise quarter-turn applied to the upright page
    skew_deg: float = 0.0  # applied after the turn; positive = content turned counter-clockwise
    dpi: int = 300
    blank: bool = False
    document: int = -1  # index of the paper in a generated set (-1: not part of a set)
    document_page: int = 0  # page within that paper; fields are the whole paper's

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Truth:
        return cls(
            doc_type=str(d["doc_type"]),
            text=str(d["text"]),
            fields={str(k): str(v) for k, v in dict(d.get("fields") or {}).items()},
            rotation=int(d.get("rotation", 0)),
            skew_deg=float(d.get("skew_deg", 0.0)),
            dpi=int(d.get("dpi", 300)),
            blank=bool(d.get("blank", False)),
            document=int(d.get("document", -1)),
            document_page=int(d.get("document_page", 0)),
        )


@dataclass
class Sample:
    image: Image.Image  # the degraded scan, "RGB" or "L"
    truth: Truth


@dataclass(frozen=True)
class _Scan:
    rotation: int
    skew_deg: float
    blur: float  # at 300 dpi
    noise: float
    lighting: float
    jpeg_quality: int | None
    grey: bool


def _scan_params(level: str, rng: random.Random) -> _Scan:
    """Draw the scanning conditions of a level; always the same number of draws."""
    u = [rng.random() for _ in range(8)]
    quarter = (0, 90, 180, 270)[int(u[0] * 4) % 4]
    if level == "clean":
        return _Scan(0, 0.0, 0.0, 0.0, 0.0, None, False)
    if level == "mild":
        return _Scan(0, round(-3 + 6 * u[1], 2), 0.6 * u[2], 1.5 + 2.5 * u[3],
                     0.03 + 0.12 * u[4], 75 + int(17 * u[5]), u[6] < 0.3)
    if level == "degraded":
        return _Scan(quarter, round(-15 + 30 * u[1], 2), 0.4 + 0.6 * u[2], 4.0 + 6.0 * u[3],
                     0.15 + 0.25 * u[4], 55 + int(30 * u[5]), u[6] < 0.4)
    raise ValueError(f"level must be one of {LEVELS}, got {level!r}")


def make_sample(seed: int, *, doc_type: str | None = None, dpi: int | None = None,
                rotation: int | None = None, skew_deg: float | None = None,
                level: str = "degraded", blank: bool = False, side: str = "both",
                scan_seed: int | None = None) -> Sample:
    """One scanned page, deterministic per ``seed``; ``None`` arguments are drawn from it.

    ``level``: "clean" (upright, no skew, no noise), "mild" (skew within ±3°, light noise),
    "degraded" (any quarter-turn, skew within ±15°, stronger lighting, blur, noise, JPEG).
    ``blank``: the empty back of a sheet (doc_type "blank", empty text).
    ``side``: for ID cards, "front" or "back" alone on the sheet (same card for a seed).
    ``scan_seed``: draw the scanning conditions from this seed instead (another sheet of
    the same paper, scanned differently).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    if doc_type is not None and doc_type not in DOC_TYPES:
        raise ValueError(f"unknown doc_type {doc_type!r}; expected one of {DOC_TYPES}")
    if rotation is not None and rotation not in (0, 90, 180, 270):
        raise ValueError(f"rotation must be 0, 90, 180 or 270, got {rotation}")
    rng = random.Random(seed)
    drawn_type = rng.choice(DOC_TYPES)
    drawn_dpi = rng.choice(DPIS)
    scan = _scan_params(level, rng)
    page_rng = random.Random(rng.getrandbits(64))
    scan_rng = random.Random(rng.getrandbits(64))
    bleed_rng = random.Random(rng.getrandbits(64))
    if scan_seed is not None:
        srng = random.Random(scan_seed)
        scan = _scan_params(level, srng)
        scan_rng = random.Random(srng.getrandbits(64))
    doc_type = doc_type or drawn_type
    dpi = int(dpi or drawn_dpi)
    rot = scan.rotation if rotation is None else int(rotation)
    skew_v = scan.skew_deg if skew_deg is None else round(float(skew_deg), 2)

    if blank:
        size = (round(210 * dpi / 25.4), round(297 * dpi / 25.4))
        bleed = None
        if bleed_rng.random() < 0.4:
            bleed, _, _ = render_page(bleed_rng.choice(DOC_TYPES), bleed_rng, dpi=dpi)
        clean = blank_page(size, bleed_rng, bleed)
        text, fields, truth_type = "", {}, "blank"
    else:
        clean, text, fields = render_page(doc_type, page_rng, dpi=dpi, side=side)
        truth_type = doc_type
    image = degrade(clean, scan_rng, rotation=rot, skew_deg=skew_v, blur=scan.blur * dpi / 300,
                    noise=scan.noise, lighting=scan.lighting, jpeg_quality=scan.jpeg_quality,
                    grey=scan.grey)
    image.info["dpi"] = (dpi, dpi)
    truth = Truth(doc_type=truth_type, text=unicodedata.normalize("NFC", text), fields=fields,
                  rotation=rot, skew_deg=skew_v, dpi=dpi, blank=blank)
    return Sample(image, truth)


TWO_PAGE_SHARE = 0.35  # of ID cards (sides on separate sheets) and of official letters


def make_document(seed: int, *, doc_type: str | None = None, level: str = "degraded",
                  pages: int | None = None) -> list[Sample]:
    """One paper as scanned, one or two pages: an ID card copied one side per sheet, or an
    official letter with a continuation page (page number on top, no title), each page
    with its own scan conditions. Every page's truth carries the whole paper's fields."""
    rng = random.Random(seed * 7919 + 17)
    first = make_sample(seed, doc_type=doc_type, level=level)
    kind = first.truth.doc_type
    draw = rng.random()  # always drawn: forcing ``pages`` leaves the rest unchanged
    two = draw < TWO_PAGE_SHARE if pages is None else pages == 2
    if not two or kind not in ("can_cuoc", "van_ban_hanh_chinh"):
        return [first]
    second_scan = rng.getrandbits(32)
    if kind == "can_cuoc":
        front = make_sample(seed, doc_type=kind, level=level, side="front")
        back = make_sample(seed, doc_type=kind, level=level, side="back", scan_seed=second_scan)
        return [front, back]
    srng = random.Random(second_scan)
    scan = _scan_params(level, srng)
    clean, text = render_continuation(random.Random(srng.getrandbits(64)), dpi=first.truth.dpi)
    image = degrade(clean, random.Random(srng.getrandbits(64)), rotation=scan.rotation,
                    skew_deg=scan.skew_deg, blur=scan.blur * first.truth.dpi / 300,
                    noise=scan.noise, lighting=scan.lighting, jpeg_quality=scan.jpeg_quality,
                    grey=scan.grey)
    image.info["dpi"] = (first.truth.dpi, first.truth.dpi)
    truth = Truth(doc_type=kind, text=text, fields=dict(first.truth.fields),
                  rotation=scan.rotation, skew_deg=scan.skew_deg, dpi=first.truth.dpi)
    return [first, Sample(image, truth)]


def _encode(image: Image.Image, fmt: str, dpi: int) -> bytes:
    buf = io.BytesIO()
    kind = FORMATS[fmt]
    if kind == "JPEG":
        image.save(buf, "JPEG", quality=95, dpi=(dpi, dpi))
    elif kind == "PNG":
        image.save(buf, "PNG", dpi=(dpi, dpi), compress_level=3)
    elif kind == "TIFF":
        image.save(buf, "TIFF", compression="tiff_lzw", dpi=(dpi, dpi))
    else:
        image.save(buf, "PDF", resolution=float(dpi), quality=92)
    return buf.getvalue()


def sample_seeds(seed: int, n: int) -> Iterator[int]:
    """The seed of every sample of a set: independent of n, so sets grow by appending."""
    for i in range(n):
        yield seed * 1_000_003 + i


def generate_set(out_dir: Path, n: int, *, seed: int = 0, level: str = "degraded",
                 fmt: str = "jpg", blank_every: int = 0, combine: bool = False,
                 documents: bool = False) -> list[tuple[Path, Truth]]:
    """Write ``n`` scans to ``out_dir`` as ``scan_0000.<fmt>`` ... and ``truth.json``.

    ``fmt``: jpg, png, tif or pdf (an image-only PDF, one page at the scan's dpi); the dpi is
    in each file's metadata. ``blank_every`` = k > 0 makes every k-th page a blank back.
    ``combine`` (pdf only): one multi-page ``scans.pdf`` instead, pages in order; the truth
    entries then also carry their 0-based ``page``.
    ``documents``: papers instead of loose pages — the types in turn, some of two pages
    (:func:`make_document`); each truth names its ``document`` and ``document_page``.
    truth.json is a list of ``{"file": name, "truth": Truth.to_dict()}`` in page order.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {sorted(FORMATS)}, got {fmt!r}")
    if combine and FORMATS[fmt] != "PDF":
        raise ValueError("combine=True needs fmt='pdf'")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[tuple[Path, Truth]] = []
    entries: list[dict] = []
    pages: list[bytes] = []
    for i, sample in enumerate(_stream(seed, n, level, blank_every, documents)):
        data = _encode(sample.image, fmt, sample.truth.dpi)
        if combine:
            path = out_dir / "scans.pdf"
            pages.append(data)
            entries.append({"file": path.name, "page": i, "truth": sample.truth.to_dict()})
        else:
            path = out_dir / f"scan_{i:04d}.{fmt}"
            path.write_bytes(data)
            entries.append({"file": path.name, "truth": sample.truth.to_dict()})
        results.append((path, sample.truth))
    if combine:
        _merge_pdfs(pages, out_dir / "scans.pdf")
    (out_dir / "truth.json").write_text(json.dumps(entries, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
    return results


def _stream(seed: int, n: int, level: str, blank_every: int,
            documents: bool) -> Iterator[Sample]:
    """The n pages of a set, in scanning order."""
    if not documents:
        for i, s in enumerate(sample_seeds(seed, n)):
            blank = blank_every > 0 and (i + 1) % blank_every == 0
            yield make_sample(s, level=level, blank=blank)
        return
    count = doc = 0
    seeds = sample_seeds(seed, 10 * n + 10)
    while count < n:
        kind = DOC_TYPES[doc % len(DOC_TYPES)]
        for k, sample in enumerate(make_document(next(seeds), doc_type=kind, level=level)):
            if count >= n:
                return
            yield Sample(sample.image, replace(sample.truth, document=doc, document_page=k))
            count += 1
            if blank_every > 0 and count < n and (count + 1) % blank_every == 0:
                yield make_sample(next(seeds), level=level, blank=True)
                count += 1
        doc += 1


def _merge_pdfs(pages: list[bytes], path: Path) -> None:
    import pikepdf

    sources = [pikepdf.Pdf.open(io.BytesIO(data)) for data in pages]
    try:
        with pikepdf.Pdf.new() as out:
            for src in sources:
                out.pages.extend(src.pages)
            out.save(path)
    finally:
        for src in sources:
            src.close()
