"""Second-reader benchmark: the pipeline with ``tesseract`` against ``tesseract+aster``.

Prints, for both engines, character error rates on
(a) the real pages of ``shared/realdev`` that carry ``text_lines`` (each truth line scored
    against its best-matching window of the page text, so reading order does not count),
(b) generated pages (``tests/scangen``, the OCR benchmark's pages),
and CPU seconds per page (this process plus the Tesseract child processes: seconds per
page per core), with the second reader's share.

    .venv/bin/python benchmarks/aster_bench.py [--realdev ../shared/realdev] [--pages 12]
        [--seed 1] [--only real|generated] [--json out.json]

Not a test: it prints figures. Target (issue 15): <= 3.5 s per page per core including the
second reader.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from benchmarks.ocr_bench import error_counts  # noqa: E402
from ocr_models import aster  # noqa: E402
from pipeline.page.intake import list_pages  # noqa: E402
from pipeline.page.process import PageOptions, process_page  # noqa: E402

ENGINES = ("tesseract", "tesseract+aster")


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def window_distance(line: str, text: str) -> int:
    """Edit distance from ``line`` to its best-matching substring of ``text``
    (semi-global Levenshtein: the window's start and end in ``text`` are free)."""
    n = len(text)
    if not line:
        return 0
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    steps = np.arange(n + 1)
    prev = np.zeros(n + 1, dtype=np.int64)  # free start anywhere in text
    for i, ch in enumerate(line, 1):
        best = np.minimum(prev[:-1] + (codes != ord(ch)), prev[1:] + 1)
        row = np.concatenate(([i], best))
        # insertions along the row: cur[j] = min over k<=j of row[k] + (j - k)
        prev = np.minimum.accumulate(row - steps) + steps
    return int(prev.min())  # free end


def line_cer(truth_lines: list[str], page_text: str) -> tuple[int, int]:
    """(character edits, truth characters) of truth lines against the page text."""
    text = normalise(page_text)
    edits = chars = 0
    for line in truth_lines:
        line = normalise(line)
        edits += window_distance(line, text)
        chars += len(line)
    return edits, chars


def _cpu() -> float:
    own = time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + kids.ru_utime + kids.ru_stime


def run_page(path: Path, engine: str) -> tuple[str, float, float]:
    """(page text, CPU seconds, wall seconds) of one page through the pipeline."""
    ref = list_pages(path)[0]
    cpu, wall = _cpu(), time.perf_counter()
    result = process_page(ref, PageOptions(engine=engine, fields=False))
    if result.error:
        print(f"  {path.name} {engine}: {result.error}", file=sys.stderr)
    return result.text, _cpu() - cpu, time.perf_counter() - wall


def real_pages(root: Path, limit: int | None) -> list[tuple[Path, list[str]]]:
    pages = []
    for truth in sorted((root / "truth").glob("*.json")):
        lines = json.loads(truth.read_text(encoding="utf-8")).get("text_lines")
        images = sorted((root / "images").glob(truth.stem + ".*"))
        if lines and images:
            pages.append((images[0], lines))
    return pages[:limit] if limit else pages


def generated_pages(out: Path, n: int, seed: int) -> list[tuple[Path, str]]:
    from tests.scangen import generate_set

    out.mkdir(parents=True, exist_ok=True)
    return [(p, t.text) for p, t in generate_set(out, n, seed=seed, level="degraded")
            if not t.blank]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdev", type=Path, default=REPO.parent / "shared" / "realdev")
    parser.add_argument("--real-pages", type=int, default=0, help="first N real pages (0: all)")
    parser.add_argument("--pages", type=int, default=12, help="generated pages")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "bench-out" / "aster")
    parser.add_argument("--only", choices=("real", "generated"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not aster.available():
        print("the AsterNet model package is not installed: " + aster.INSTALL_HINT,
              file=sys.stderr)
        return 2

    rows: list[dict] = []
    sets: list[tuple[str, list[tuple[Path, object]]]] = []
    if args.only != "generated":
        if not args.realdev.is_dir():
            print(f"no real pages at {args.realdev}", file=sys.stderr)
            return 2
        sets.append(("real", real_pages(args.realdev, args.real_pages or None)))
    if args.only != "real":
        sets.append(("generated", generated_pages(args.out, args.pages, args.seed)))
    for family, pages in sets:
        for n, (path, truth) in enumerate(pages, 1):
            row: dict = {"family": family, "file": path.name}
            for engine in ENGINES:
                text, cpu, wall = run_page(path, engine)
                if family == "real":
                    edits, chars = line_cer(truth, text)  # type: ignore[arg-type]
                else:
                    edits, chars, _, _ = error_counts(truth, text)  # type: ignore[arg-type]
                row[engine] = {"edits": edits, "chars": chars, "cpu": cpu, "wall": wall}
            rows.append(row)
            a, b = row[ENGINES[0]], row[ENGINES[1]]
            print(f"[{family} {n}/{len(pages)}] {path.name}: cer {a['edits'] / a['chars']:.2%}"
                  f" -> {b['edits'] / b['chars']:.2%}  cpu {a['cpu']:.1f} -> {b['cpu']:.1f} s",
                  file=sys.stderr, flush=True)
    _report(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


def _report(rows: list[dict]) -> None:
    print(f"\nSecond-reader benchmark ({', '.join(ENGINES)}); CPU = seconds per page per core")
    print(f"{'':24}{'pages':>6}{'chars':>8}" + "".join(f"{e:>18}" for e in ENGINES)
          + f"{'worse pages':>13}")
    for family in ("real", "generated"):
        mine = [r for r in rows if r["family"] == family]
        if not mine:
            continue
        chars = sum(r[ENGINES[0]]["chars"] for r in mine) or 1
        cers = [sum(r[e]["edits"] for r in mine) / chars for e in ENGINES]
        worse = sum(r[ENGINES[1]]["edits"] > r[ENGINES[0]]["edits"] for r in mine)
        print(f"{family + ' CER':24}{len(mine):>6}{chars:>8}"
              + "".join(f"{c:>18.2%}" for c in cers) + f"{worse:>13}")
        cpu = [sum(r[e]["cpu"] for r in mine) / len(mine) for e in ENGINES]
        print(f"{family + ' CPU s/page':24}{'':>14}" + "".join(f"{c:>18.2f}" for c in cpu)
              + f"   second reader +{cpu[1] - cpu[0]:.2f} s; target <= 3.5 s")
        by_page = sorted(mine, key=lambda r: r[ENGINES[0]]["edits"] - r[ENGINES[1]]["edits"])
        worst = by_page[0]
        delta = (worst[ENGINES[1]]["edits"] - worst[ENGINES[0]]["edits"]) \
            / max(1, worst[ENGINES[0]]["chars"])
        print(f"{'':24}worst page change: {worst['file']} {delta:+.2%}")


if __name__ == "__main__":
    sys.exit(main())
