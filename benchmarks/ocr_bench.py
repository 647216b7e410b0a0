"""OCR benchmark: the sohoa pipeline against plain Tesseract on the same generated scans.

Prints, for both: character error rate, word error rate, seconds per page; for the
pipeline also skew mean/max absolute error, quarter-turn accuracy, blank detection and
peak memory. Plain Tesseract is ``tesseract IMAGE - -l vie`` on the unprocessed image.

    .venv/bin/python benchmarks/ocr_bench.py --pages 30 [--seed 1] [--out bench-out]

Not a test: it prints figures. Targets (issue 2) are printed beside the measurements.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

from rapidfuzz.distance import Levenshtein

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.page.intake import list_pages  # noqa: E402
from pipeline.page.process import PageOptions, process_page  # noqa: E402
from tests.scangen import Truth, generate_set  # noqa: E402

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def normalise(text: str) -> str:
    """NFC, whitespace collapsed: layout spacing is not an OCR error."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def error_counts(truth: str, hyp: str) -> tuple[int, int, int, int]:
    """(char edits, truth chars, word edits, truth words)."""
    t, h = normalise(truth), normalise(hyp)
    return (Levenshtein.distance(t, h), len(t),
            Levenshtein.distance(t.split(), h.split()), len(t.split()))


def angle_error(found: float, truth: float) -> float:
    return abs(found - truth)


def run_plain_tesseract(image: Path) -> tuple[str, float]:
    started = time.perf_counter()
    proc = subprocess.run(["tesseract", str(image), "-", "-l", "vie"], capture_output=True,
                          text=True, check=False, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    return proc.stdout, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--blank-every", type=int, default=10,
                        help="every Nth page is a blank duplex back (0: none)")
    parser.add_argument("--out", type=Path, default=REPO / "bench-out")
    parser.add_argument("--format", default="jpg")
    parser.add_argument("--json", type=Path, help="also write per-page figures here")
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    print(f"generating {args.pages} degraded pages (seed {args.seed}) in {args.out} ...",
          file=sys.stderr)
    samples = generate_set(args.out, args.pages, seed=args.seed, level="degraded",
                           fmt=args.format, blank_every=args.blank_every)
    options = PageOptions()
    rows = []
    for n, (path, truth) in enumerate(samples, 1):
        ref = list_pages(path)[0]
        result = process_page(ref, options)
        plain_text, plain_s = (("", 0.0) if truth.blank else run_plain_tesseract(path))
        rows.append(_row(path, truth, result, plain_text, plain_s))
        r = rows[-1]
        print(f"[{n}/{len(samples)}] {path.name} {truth.doc_type} dpi={truth.dpi} "
              f"rot {truth.rotation}->{result.rotation} skew {truth.skew_deg:+.2f}->"
              f"{result.skew_deg:+.2f} cer {r['cer']:.4f} plain {r['plain_cer']:.4f} "
              f"{result.seconds:.2f}s", file=sys.stderr)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    _report(rows, own, children)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


def _row(path: Path, truth: Truth, result, plain_text: str, plain_s: float) -> dict:
    ce, cn, we, wn = error_counts(truth.text, result.text)
    pce, _, pwe, _ = error_counts(truth.text, plain_text)
    return {
        "file": path.name, "type": truth.doc_type, "dpi": truth.dpi, "blank": truth.blank,
        "found_blank": result.blank, "error": str(result.error) if result.error else None,
        "rotation": truth.rotation, "found_rotation": result.rotation,
        "skew": truth.skew_deg, "found_skew": result.skew_deg,
        "chars": cn, "words": wn, "char_err": ce, "word_err": we,
        "plain_char_err": pce, "plain_word_err": pwe,
        "cer": ce / cn if cn else 0.0, "plain_cer": pce / cn if cn else 0.0,
        "seconds": result.seconds, "plain_seconds": plain_s,
    }


def _report(rows: list[dict], own_mb: float, child_mb: float) -> None:
    text = [r for r in rows if not r["blank"]]
    chars = sum(r["chars"] for r in text) or 1
    words = sum(r["words"] for r in text) or 1
    cer = sum(r["char_err"] for r in text) / chars
    wer = sum(r["word_err"] for r in text) / words
    pcer = sum(r["plain_char_err"] for r in text) / chars
    pwer = sum(r["plain_word_err"] for r in text) / words
    skew_err = [angle_error(r["found_skew"], r["skew"]) for r in text]
    turns_ok = sum(r["found_rotation"] == r["rotation"] for r in text)
    blanks_ok = sum(r["found_blank"] == r["blank"] for r in rows)
    secs = [r["seconds"] for r in text]
    secs300 = [r["seconds"] for r in text if r["dpi"] >= 300]
    plain_secs = [r["plain_seconds"] for r in text]

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs) if xs else float("nan")

    print(f"\nOCR benchmark: {len(rows)} pages ({len(text)} text, {len(rows) - len(text)} blank),"
          f" {chars} characters, {words} words")
    print(f"{'':28}{'sohoa':>12}{'plain tesseract':>18}   target")
    print(f"{'character error rate':28}{cer:>11.2%}{pcer:>18.2%}   <= 1.00% and 3x lower "
          f"(ratio {pcer / cer if cer else float('inf'):.1f}x)")
    print(f"{'word error rate':28}{wer:>11.2%}{pwer:>18.2%}")
    print(f"{'seconds per page (1 core)':28}{mean(secs):>12.2f}{mean(plain_secs):>18.2f}"
          f"   <= 3.0 at 300 dpi (300-dpi pages: {mean(secs300):.2f})")
    print(f"{'skew abs error mean / max':28}{mean(skew_err):>8.3f}° / {max(skew_err):.3f}°"
          f"{'-':>10}   <= 0.1° / 0.5°")
    print(f"{'quarter-turns right':28}{turns_ok:>8}/{len(text)}{'-':>18}   100%")
    print(f"{'blank pages right':28}{blanks_ok:>8}/{len(rows)}")
    print(f"{'peak memory':28}{own_mb:>9.0f} MB (worker)  {child_mb:.0f} MB (tesseract)"
          f"   <= 1 GB per worker")
    failures = [r for r in rows if r["error"]]
    for r in failures:
        print(f"  page error {r['file']}: {r['error']}")
    worst = sorted(text, key=lambda r: -r["cer"])[:3]
    print("worst pages: " + ", ".join(f"{r['file']} {r['type']} cer {r['cer']:.2%}"
                                      for r in worst))


if __name__ == "__main__":
    sys.exit(main())
