"""Real-paper benchmark: the pipeline on the real development set (``../shared/realdev/``).

Runs what ``sohoa ocr PAGE [PAGE-p2] --json`` runs on every document of the set (a
document's second page is given with its first, as one call) and prints, per document
and pooled:

- document type accuracy (the type of the document holding the first page) and whether
  a two-page paper stayed one document;
- per field key: exact, wrong-and-flagged (differs; ``needs_review`` or a reason), wrong-
  and-unflagged, missing (truth has a value, output none) and extra (output has a value
  the truth lacks: an error), scored as ``benchmarks/realdev.py`` says; "fields exactly
  right" = exact / all truth values, strict and case-folded;
- real text CER on the pages with ``text_lines`` (each truth line against its best window
  of the page text), ours against plain ``tesseract IMG - -l vie`` on the same file: pooled
  CER, ratio, the worst page difference (ours − plain, in points), lost lines;
- seconds per page.

    nice -n 10 .venv/bin/python benchmarks/real_bench.py --jobs 1 \\
        --cache /work/scratch/realbench/cache --json main.json [--cache-ocr] [--show]

``--cache DIR`` keeps plain Tesseract's output; ``--cache-ocr`` also keeps each page's OCR
stage (everything ``process_page`` does before the field stage), keyed by the image's
sha256, the engine and a hash of ``pipeline/page`` and ``ocr_models``; a re-run then
redoes only classification, field candidates, crop re-reads and the document stage, so
work on ``pipeline/papers`` is re-scored in seconds. Not a test: targets (issues 14, 15)
are printed beside the figures.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import logging
import multiprocessing
import os
import pickle
import re
import statistics
import subprocess
import sys
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from benchmarks.realdev import (  # noqa: E402
    EXACT,
    EXTRA,
    MISSING,
    OUTCOMES,
    WRONG_FLAGGED,
    WRONG_UNFLAGGED,
    Item,
    default_root,
    line_cer,
    load_set,
    score_fields,
)

log = logging.getLogger("real_bench")

TARGETS = {
    "type": "≥ 95 %", "fields": "≥ 85 %", "wrong_unflagged": "≤ 2 % of truth values",
    "missing": "0 where the label was found", "cer": "≤ 2.0 %", "ratio": "≤ 0.6 × plain",
    "worst": "no page > +0.5 points", "lost": "0 lines",
}
# Code whose change invalidates a cached page OCR (the field stage is redone on every run).
OCR_CODE = ("pipeline/page", "ocr_models")


@dataclass(frozen=True)
class Config:
    engine: str
    cache: Path | None
    cache_ocr: bool
    code_hash: str


# -- running one document (in a worker process) ---------------------------------------------------


def bench_item(item: Item, cfg: Config) -> dict:
    """Run the pipeline and plain Tesseract on one document; return its figures."""
    from cli import ocr_json
    from pipeline.page.intake import list_pages
    from pipeline.page.pool import FileResult
    from pipeline.page.process import PageOptions

    options = PageOptions(engine=cfg.engine)
    results, cached = [], []
    for image in item.images:
        file_result = FileResult(source=str(image))
        for ref in list_pages(image):
            page, hit = _page(ref, image, options, cfg)
            file_result.pages.append(page)
            cached.append(hit)
        results.append(file_result)
    out = ocr_json(results)
    doc = next((d for d in out["documents"] if 0 in d["pages"]), None)
    fields = doc["fields"] if doc else {}
    record = {
        "name": item.name, "pages": len(item.pages), "truth_type": item.doc_type,
        "type": doc["type"] if doc else None,
        "one_document": bool(doc) and doc["pages"] == list(range(len(out["pages"]))),
        "documents": len(out["documents"]),
        "errors": [e["message_en"] for e in out["errors"]],
        "truth_fields": item.fields,
        "fields": fields,
        "strict": score_fields(item.fields, fields),
        "lenient": score_fields(item.fields, fields, lenient=True),
        "label_found": {k: label_found(k, v, _text(out)) for k, v in item.fields.items()},
        "page_seconds": [p["seconds"] for p in _page_times(results, cached)],
        "cached": cached,
        "text": [],
    }
    for n, (truth_page, page) in enumerate(zip(item.pages, out["pages"], strict=False)):
        lines = truth_page.text_lines
        if not lines:
            continue
        plain, plain_seconds = plain_tesseract(truth_page.image, cfg.cache)
        ours_score, plain_score = line_cer(lines, page["text"]), line_cer(lines, plain)
        record["text"].append({
            "page": truth_page.name, "index": n, "lines": len(ours_score.lines),
            "chars": ours_score.chars,
            "ours_edits": ours_score.edits, "plain_edits": plain_score.edits,
            "ours_lost": ours_score.lost_lines, "plain_lost": plain_score.lost_lines,
            "lost_lines": [m.truth for m in ours_score.lines if m.lost],
            "plain_seconds": plain_seconds,
        })
    return record


def _text(out: dict) -> str:
    return "\n".join(p["text"] for p in out["pages"])


def _page_times(results, cached: list[bool]) -> list[dict]:
    pages = [p for r in results for p in r.pages]
    return [{"seconds": round(p.seconds, 3), "cached": hit} for p, hit in zip(pages, cached,
                                                                              strict=True)]


def _page(ref, image: Path, options, cfg: Config):
    """One page through ``process_page`` (what ``sohoa ocr`` runs per page), or through
    the field stage alone on a cached OCR stage. Returns (PageResult, cache hit)."""
    from pipeline.page import process

    if not (cfg.cache_ocr and cfg.cache):
        return process.process_page(ref, options), False
    key = hashlib.sha256(image.read_bytes()).hexdigest()[:24]
    path = cfg.cache / "ocr" / f"{key}-{ref.index}-{options.engine}-{cfg.code_hash}.pkl"
    if path.exists():
        try:
            return _from_cache(path, options), True
        except Exception as exc:  # noqa: BLE001 - the field stage's signature changed: redo
            log.warning("cached OCR of %s not usable (%r): reading again", image.name, exc)
    captured: list[tuple] = []
    original = process._facts

    def capture(*args, **kwargs):
        captured.append((args, kwargs))
        return original(*args, **kwargs)

    process._facts = capture
    try:
        page = process.process_page(ref, options)
    finally:
        process._facts = original
    if len(captured) == 1 and page.error is None:
        _to_cache(path, page, getattr(page.facts, "slots", None), *captured[0])
    elif page.error is None and not page.blank:
        log.warning("no field stage seen for %s: page OCR not cached", image.name)
    return page, False


def _to_cache(path: Path, page, slots, args: tuple, kwargs: dict) -> None:
    """The page without its facts, the digit slots' readings (read from the image after
    the field stage, :mod:`pipeline.page.slots`) and the field stage's arguments (images
    as PNG)."""
    from dataclasses import replace

    from ocr_models import OcrEngine
    from pipeline.page.process import PageOptions, PageResult

    def pack(value):
        if isinstance(value, PageResult):
            return ("<page>",)
        if isinstance(value, OcrEngine):
            return ("<engine>",)
        if isinstance(value, PageOptions):
            return ("<options>",)
        if _is_image(value):
            import cv2

            ok, png = cv2.imencode(".png", value, [cv2.IMWRITE_PNG_COMPRESSION, 3])
            if ok:
                return ("<png>", png.tobytes())
        return ("<value>", value)

    blob = {"page": replace(page, facts=None), "slots": slots,
            "args": [pack(a) for a in args],
            "kwargs": {k: pack(v) for k, v in kwargs.items()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.write_bytes(pickle.dumps(blob, protocol=pickle.HIGHEST_PROTOCOL))
    part.replace(path)


def _from_cache(path: Path, options):
    import cv2
    import numpy as np

    from pipeline.page import process

    blob = pickle.loads(path.read_bytes())
    page = blob["page"]
    engine = process.engine_for(options.engine)

    def unpack(packed):
        tag = packed[0]
        if tag == "<page>":
            return page
        if tag == "<engine>":
            return engine
        if tag == "<options>":
            return options
        if tag == "<png>":
            return cv2.imdecode(np.frombuffer(packed[1], np.uint8), cv2.IMREAD_UNCHANGED)
        return packed[1]

    started = time.perf_counter()
    page.facts = process._facts(*[unpack(a) for a in blob["args"]],
                                **{k: unpack(v) for k, v in blob["kwargs"].items()})
    if "slots" not in blob:
        raise ValueError("cached before the digit slots were kept")
    page.facts.slots = blob["slots"]
    page.seconds += time.perf_counter() - started  # OCR as first measured + fields now
    return page


def _is_image(value) -> bool:
    import numpy as np

    return isinstance(value, np.ndarray) and value.dtype == np.uint8 and value.ndim in (2, 3)


def plain_tesseract(image: Path, cache: Path | None) -> tuple[str, float]:
    """``tesseract IMG - -l vie`` on the unprocessed file (cached by content)."""
    path = None
    if cache is not None:
        key = hashlib.sha256(image.read_bytes()).hexdigest()[:24]
        path = cache / "plain" / f"{key}-{_tesseract_version()}.json"
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            return data["text"], data["seconds"]
    started = time.perf_counter()
    proc = subprocess.run(["tesseract", str(image), "-", "-l", "vie"], capture_output=True,
                          text=True, check=False, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    seconds = time.perf_counter() - started
    if path is not None and proc.returncode == 0:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"text": proc.stdout, "seconds": seconds},
                                   ensure_ascii=False), encoding="utf-8")
    return proc.stdout, seconds


def _tesseract_version() -> str:
    out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True,
                         check=False).stdout
    return hashlib.sha256(out.split("\n")[0].encode()).hexdigest()[:8]


def code_hash() -> str:
    """Hash of the page-stage and OCR-engine source files (cache key of a page's OCR)."""
    digest = hashlib.sha256()
    for folder in OCR_CODE:
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".json", ".txt", ".traineddata"):
                digest.update(str(path.relative_to(REPO)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# -- "label found" (for "no field missing where its label was found") -----------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^\S\n]+", " ", text)


_LABELS = {
    "so_ky_hieu": re.compile(r"(?:^|\s)so\s*[:.;]", re.M),
    "ngay_ban_hanh": re.compile(r"ngay.{0,12}thang.{0,12}nam"),
    "trich_yeu": re.compile(r"(?:^|\s)(?:v/v|ve viec)"),
}


def label_found(key: str, truth: str, text: str) -> bool:
    """Approximately: is the field's label (``Số:``, the date line, ``V/v``) in our
    text, or — for the issuer and the type title, which have no label — its value?"""
    folded = _fold(text)
    if key == "so_ky_hieu":  # "Số:" of the header, not a "số:" in the body
        folded = "\n".join(folded.split("\n")[:15])
    pattern = _LABELS.get(key)
    if pattern is not None:
        return bool(pattern.search(folded))
    if key == "loai_van_ban" and _fold(truth) == "cong van":
        return bool(_LABELS["trich_yeu"].search(folded))
    return _fold(truth) in folded.replace("\n", " ")


# -- figures --------------------------------------------------------------------------------------


def pct(n: float, d: float) -> str:
    return f"{100 * n / d:.1f} %" if d else "n/a"


def summarise(records: list[dict]) -> dict:
    docs = len(records)
    type_ok = sum(r["type"] == r["truth_type"] for r in records)
    multi = [r for r in records if r["pages"] > 1]
    per_key: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    lenient_exact: collections.Counter = collections.Counter()
    lenient_unflagged: collections.Counter = collections.Counter()
    lenient_totals: collections.Counter = collections.Counter()
    missing_label = 0
    for r in records:
        for key, outcome in r["strict"].items():
            per_key[key][outcome] += 1
            if key in r["truth_fields"]:
                per_key[key]["truth"] += 1
            if outcome == MISSING and r["label_found"].get(key):
                missing_label += 1
        for key, outcome in r["lenient"].items():
            lenient_exact[key] += outcome == EXACT
            lenient_unflagged[key] += outcome == WRONG_UNFLAGGED
            lenient_totals[outcome] += 1
    totals = collections.Counter()
    for counts in per_key.values():
        totals.update(counts)
    text = [t for r in records for t in r["text"]]
    chars = sum(t["chars"] for t in text)
    ours_edits = sum(t["ours_edits"] for t in text)
    plain_edits = sum(t["plain_edits"] for t in text)
    diffs = [(100 * (t["ours_edits"] - t["plain_edits"]) / t["chars"], t["page"])
             for t in text if t["chars"]]
    seconds = [s for r in records for s, hit in zip(r["page_seconds"], r["cached"],
                                                     strict=True) if not hit]
    all_seconds = [s for r in records for s in r["page_seconds"]]
    plain_seconds = [t["plain_seconds"] for t in text]
    return {
        "documents": docs, "pages": sum(r["pages"] for r in records),
        "type_right": type_ok, "type_accuracy": type_ok / docs if docs else 0.0,
        "multi_page": len(multi), "multi_page_one_document": sum(r["one_document"]
                                                                for r in multi),
        "truth_values": totals["truth"],
        "outcomes": {o: totals[o] for o in OUTCOMES},
        "outcomes_lenient": {o: lenient_totals[o] for o in OUTCOMES},
        "exact_lenient": sum(lenient_exact.values()),
        "fields_exact": totals[EXACT] / totals["truth"] if totals["truth"] else 0.0,
        "fields_exact_lenient": (sum(lenient_exact.values()) / totals["truth"]
                                 if totals["truth"] else 0.0),
        "wrong_unflagged_share": (totals[WRONG_UNFLAGGED] / totals["truth"]
                                  if totals["truth"] else 0.0),
        "missing_label_found": missing_label,
        "wrong_unflagged_share_lenient": (lenient_totals[WRONG_UNFLAGGED] / totals["truth"]
                                          if totals["truth"] else 0.0),
        "per_key": {k: dict(v, exact_lenient=lenient_exact[k],
                            wrong_unflagged_lenient=lenient_unflagged[k])
                    for k, v in sorted(per_key.items())},
        "text_pages": len(text), "text_lines": sum(t["lines"] for t in text), "text_chars": chars,
        "cer_ours": ours_edits / chars if chars else 0.0,
        "cer_plain": plain_edits / chars if chars else 0.0,
        "cer_ratio": ours_edits / plain_edits if plain_edits else None,
        "worst_page_points": max(diffs)[0] if diffs else None,
        "worst_page": max(diffs)[1] if diffs else None,
        "pages_over_half_point_worse": sum(d > 0.5 for d, _ in diffs),
        "lost_lines_ours": sum(t["ours_lost"] for t in text),
        "lost_lines_plain": sum(t["plain_lost"] for t in text),
        "seconds_per_page_mean": statistics.mean(seconds) if seconds else None,
        "seconds_per_page_median": statistics.median(seconds) if seconds else None,
        "seconds_per_page_max": max(seconds) if seconds else None,
        "pages_timed": len(seconds),
        "seconds_per_page_mean_incl_cached": statistics.mean(all_seconds) if all_seconds else None,
        "plain_seconds_per_page_mean": statistics.mean(plain_seconds) if plain_seconds else None,
        "targets": TARGETS,
    }


def print_report(records: list[dict], summary: dict, *, show: bool) -> None:
    print(f"{'doc':8} {'type':20} {'ok':3} {'fields':7} {'miss':4} {'w-unfl':6} {'extra':5} "
          f"{'CER ours':9} {'plain':7} {'s/page':7}")
    for r in records:
        s = collections.Counter(r["strict"].values())
        n = len(r["truth_fields"])
        cer = plain = ""
        chars = sum(t["chars"] for t in r["text"])
        if chars:
            cer = pct(sum(t["ours_edits"] for t in r["text"]), chars)
            plain = pct(sum(t["plain_edits"] for t in r["text"]), chars)
        secs = "/".join(f"{x:.1f}{'c' if hit else ''}"
                        for x, hit in zip(r["page_seconds"], r["cached"], strict=True))
        split = "" if r["pages"] == 1 or r["one_document"] else " (split)"
        ok = "ok" if r["type"] == r["truth_type"] else "--"
        print(f"{r['name']:8} {str(r['type']) + split:20} {ok:3} "
              f"{s[EXACT]}/{n:<5} {s[MISSING]:<4} {s[WRONG_UNFLAGGED]:<6} {s[EXTRA]:<5} "
              f"{cer:9} {plain:7} {secs}")
        for err in r["errors"]:
            print(f"         error: {err}")
    S = summary
    print()
    print(f"documents {S['documents']} ({S['pages']} pages)")
    print(f"document type right    {S['type_right']}/{S['documents']} = "
          f"{pct(S['type_right'], S['documents'])}   target {TARGETS['type']}")
    print(f"two-page papers kept as one document: {S['multi_page_one_document']}/{S['multi_page']}")
    o, f, tv = S["outcomes"], S["outcomes_lenient"], S["truth_values"]
    print("fields (strict: NFC, spaces collapsed; case-folded: also case-folded for the issuer,")
    print("type title and subject, as issue 14 measured its starting point)")
    print(f"fields exactly right   {o[EXACT]}/{tv} = {pct(o[EXACT], tv)} strict; "
          f"{f[EXACT]}/{tv} = {pct(f[EXACT], tv)} case-folded   target {TARGETS['fields']}")
    print(f"wrong and unflagged    {o[WRONG_UNFLAGGED]} = {pct(o[WRONG_UNFLAGGED], tv)} strict; "
          f"{f[WRONG_UNFLAGGED]} = {pct(f[WRONG_UNFLAGGED], tv)} case-folded (of truth values)"
          f"   target {TARGETS['wrong_unflagged']}")
    print(f"wrong and flagged      {o[WRONG_FLAGGED]} = {pct(o[WRONG_FLAGGED], tv)} strict; "
          f"{f[WRONG_FLAGGED]} = {pct(f[WRONG_FLAGGED], tv)} case-folded")
    print(f"missing                {o[MISSING]} = {pct(o[MISSING], tv)}; label (or value) in our "
          f"text for {S['missing_label_found']} of them   target {TARGETS['missing']}")
    print(f"extra (truth has none) {o[EXTRA]} (errors)")
    print()
    print("per key (strict; 'folded': exact and wrong-unflagged case-folded)")
    print(f"{'key':18} {'truth':>5} {'exact':>5} {'folded':>6} {'w-flag':>6} {'w-unfl':>6} "
          f"{'folded':>6} {'miss':>5} {'extra':>5}")
    for key, c in S["per_key"].items():
        print(f"{key:18} {c.get('truth', 0):5} {c.get(EXACT, 0):5} {c.get('exact_lenient', 0):6} "
              f"{c.get(WRONG_FLAGGED, 0):6} {c.get(WRONG_UNFLAGGED, 0):6} "
              f"{c.get('wrong_unflagged_lenient', 0):6} {c.get(MISSING, 0):5} "
              f"{c.get(EXTRA, 0):5}")
    print()
    print(f"real text: {S['text_pages']} pages, {S['text_lines']} lines, {S['text_chars']} chars")
    print(f"{'page':10} {'lines':>5} {'ours':>7} {'plain':>7} {'diff pts':>8} {'lost':>4}")
    for r in records:
        for t in r["text"]:
            ours, plain = t["ours_edits"] / t["chars"], t["plain_edits"] / t["chars"]
            print(f"{t['page']:10} {t['lines']:5} {100 * ours:6.2f}% {100 * plain:6.2f}% "
                  f"{100 * (ours - plain):+8.2f} {t['ours_lost']:4}")
    ratio = f"{S['cer_ratio']:.2f}×" if S["cer_ratio"] is not None else "n/a"
    print(f"pooled CER ours {100 * S['cer_ours']:.2f} %   target {TARGETS['cer']}")
    print(f"pooled CER plain tesseract {100 * S['cer_plain']:.2f} %; ratio {ratio}   "
          f"target {TARGETS['ratio']}")
    if S["worst_page"] is not None:
        print(f"worst page {S['worst_page']} {S['worst_page_points']:+.2f} points; "
              f"{S['pages_over_half_point_worse']} pages > +0.5   target {TARGETS['worst']}")
    print(f"lost lines ours {S['lost_lines_ours']}, plain {S['lost_lines_plain']}   "
          f"target {TARGETS['lost']}")
    if S["seconds_per_page_mean"] is not None:
        print(f"seconds per page (pipeline, {S['pages_timed']} pages read now): mean "
              f"{S['seconds_per_page_mean']:.1f}, median {S['seconds_per_page_median']:.1f}, "
              f"max {S['seconds_per_page_max']:.1f}")
    if S["pages_timed"] < S["pages"] and S["seconds_per_page_mean_incl_cached"] is not None:
        print(f"seconds per page (pipeline, all pages, cached ones as first measured plus "
              f"their field stage now): mean {S['seconds_per_page_mean_incl_cached']:.1f}")
    if S["plain_seconds_per_page_mean"] is not None:
        print(f"seconds per page (plain tesseract, as measured when cached): mean "
              f"{S['plain_seconds_per_page_mean']:.1f}")
    if show:
        print()
        print("fields not exactly right (strict):")
        for r in records:
            for key, outcome in sorted(r["strict"].items()):
                if outcome == EXACT:
                    continue
                ours = r["fields"].get(key) or {}
                flag = ",".join(x.get("code", "?") if isinstance(x, dict) else str(x)
                                for x in ours.get("reasons", [])) or \
                    ("review" if ours.get("needs_review") else "")
                print(f"{r['name']:8} {key:17} {outcome:15} truth: {r['truth_fields'].get(key)!r}")
                print(f"{'':8} {'':17} {'':15} ours:  {ours.get('value')!r} {flag}")
            for line in (ln for t in r["text"] for ln in t["lost_lines"]):
                print(f"{r['name']:8} lost line: {line!r}")


# -- main -----------------------------------------------------------------------------------------


def _init_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    cv2.setNumThreads(1)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--realdev", type=Path, default=None,
                    help="the set's folder (default: $SOHOA_REALDEV or ../shared/realdev)")
    ap.add_argument("--jobs", type=int, default=1, help="documents processed in parallel")
    ap.add_argument("--cache", type=Path, help="cache folder (plain tesseract output)")
    ap.add_argument("--cache-ocr", action="store_true",
                    help="also cache each page's OCR stage in --cache (re-score fields fast)")
    ap.add_argument("--only", default="", help="comma-separated documents, e.g. dev-05,dev-12")
    ap.add_argument("--engine", default=None, help="OCR engine (default: SOHOA_OCR_ENGINE)")
    ap.add_argument("--json", type=Path, help="write the figures and per-document records")
    ap.add_argument("--show", action="store_true", help="print truth vs ours for every miss")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.cache_ocr and not args.cache:
        ap.error("--cache-ocr needs --cache DIR")

    from common.settings import Settings
    from pipeline.page.pool import check_engine
    from pipeline.page.process import PageOptions

    engine = args.engine or Settings.load().ocr_engine
    check_engine(PageOptions(engine=engine))
    only = {n.strip() for n in args.only.split(",") if n.strip()} or None
    root = args.realdev or default_root()
    items = load_set(root, only)
    cfg = Config(engine=engine, cache=args.cache.resolve() if args.cache else None,
                 cache_ocr=args.cache_ocr, code_hash=code_hash())
    print(f"realdev: {len(items)} documents from {root}; engine {engine}; code {cfg.code_hash}; "
          f"jobs {args.jobs}", file=sys.stderr)
    started = time.perf_counter()
    if args.jobs <= 1:
        records = []
        for item in items:
            records.append(bench_item(item, cfg))
            print(f"  {item.name} done", file=sys.stderr)
    else:
        with ProcessPoolExecutor(max_workers=args.jobs, initializer=_init_worker,
                                 mp_context=multiprocessing.get_context("forkserver")) as pool:
            records = list(pool.map(bench_item, items, [cfg] * len(items)))
    wall = time.perf_counter() - started
    summary = summarise(records)
    summary["wall_seconds"] = wall
    print_report(records, summary, show=args.show)
    print(f"wall time {wall:.0f} s with {args.jobs} job(s)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"summary": summary, "documents": records,
                                         "engine": engine, "code": cfg.code_hash},
                                        ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
