"""Classification and field-extraction benchmark on a generated, degraded set of papers.

Generates ``--pages`` pages of whole papers (every type in turn, some of two pages: ID card
sides on separate sheets, letters with a continuation page), runs the full page pipeline
and the document stage, and prints:

- document-type accuracy (per paper: the type of the document holding its first page) and
  grouping accuracy (the paper's pages form exactly one document);
- exact-match accuracy per field key, over every ground-truth field;
- wrong values: how many were flagged ``needs_review`` and how many were not, as a share of
  the wrong values and of all values; missing values separately.

    .venv/bin/python benchmarks/fields_bench.py --pages 70 --seed 11
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.page.pool import process_files  # noqa: E402
from pipeline.page.process import PageOptions  # noqa: E402
from pipeline.papers.fields import documents_for_pages  # noqa: E402
from tests.scangen import generate_set  # noqa: E402

KEY_FIELDS = ("so_dinh_danh", "ngay_sinh", "ho_ten")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=70)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--keep", type=Path, help="write the scans and a report JSON here")
    ap.add_argument("--verbose", action="store_true", help="print every wrong value")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sohoa-fields-") as tmp:
        out = args.keep or Path(tmp)
        started = time.perf_counter()
        pairs = generate_set(out, args.pages, seed=args.seed, level="degraded",
                             documents=True, blank_every=0)
        print(f"generated {len(pairs)} pages in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
        started = time.perf_counter()
        results = process_files([p for p, _ in pairs], PageOptions(), workers=args.workers)
        seconds = time.perf_counter() - started
        pages = [pg for r in results for pg in r.pages]
        docs = documents_for_pages(pages, today=date(2026, 11, 22))

    truths = [t for _, t in pairs]
    papers: dict[int, list[int]] = collections.defaultdict(list)
    for i, t in enumerate(truths):
        papers[t.document].append(i)
    doc_of_page = {p: d for d in docs for p in d.pages}

    type_ok = group_ok = 0
    total: collections.Counter[str] = collections.Counter()
    right: collections.Counter[str] = collections.Counter()
    wrong_flagged = wrong_unflagged = missing = 0
    flagged_right = 0
    reasons_right: collections.Counter[str] = collections.Counter()
    wrong_list = []
    for paper, idx in sorted(papers.items()):
        truth = truths[idx[0]]
        doc = doc_of_page.get(idx[0])
        if doc is not None and doc.doc_type == truth.doc_type:
            type_ok += 1
        if doc is not None and sorted(doc.pages) == idx:
            group_ok += 1
        elif args.verbose:
            print(f"  paper {paper}: pages {idx} ({truth.doc_type}) grouped as "
                  f"{[(d.doc_type, d.pages) for d in docs if set(d.pages) & set(idx)]}")
        for key, value in truth.fields.items():
            total[key] += 1
            got = doc.fields.get(key) if doc else None
            if got is None:
                missing += 1
                wrong_list.append((paper, key, value, None, "missing"))
            elif got.value == value:
                right[key] += 1
                flagged_right += got.needs_review
                for problem in got.problems:
                    reasons_right[problem.code] += 1
            elif got.needs_review:
                wrong_flagged += 1
                wrong_list.append((paper, key, value, got.value, "flagged"))
            else:
                wrong_unflagged += 1
                wrong_list.append((paper, key, value, got.value, "UNFLAGGED"))

    n_papers, n_values = len(papers), sum(total.values())
    wrong = wrong_flagged + wrong_unflagged
    print(f"\npages {len(pages)}, papers {n_papers}, OCR+fields {seconds / len(pages):.2f} s/page")
    print(f"document type accuracy  {type_ok}/{n_papers} = {100 * type_ok / n_papers:.1f} %"
          "   (target >= 99 %)")
    print(f"grouping (exact pages)  {group_ok}/{n_papers} = {100 * group_ok / n_papers:.1f} %")
    print(f"\n{'field':30s} {'right':>9s} {'acc %':>7s}")
    for key in sorted(total, key=lambda k: (k not in KEY_FIELDS, k)):
        print(f"{key:30s} {right[key]:4d}/{total[key]:<4d} {100 * right[key] / total[key]:7.1f}"
              + ("   (target >= 99 %)" if key in KEY_FIELDS else ""))
    all_right = sum(right.values())
    print(f"{'ALL FIELDS':30s} {all_right:4d}/{n_values:<4d} {100 * all_right / n_values:7.1f}"
          "   (target >= 97 %)")
    print(f"\nwrong values {wrong} (flagged {wrong_flagged}, NOT flagged {wrong_unflagged}); "
          f"missing {missing}")
    print(f"unflagged wrong: {100 * wrong_unflagged / max(1, wrong):.1f} % of wrong values, "
          f"{100 * wrong_unflagged / n_values:.2f} % of all values   (target <= 0.5 %)")
    print(f"right values flagged for review: {flagged_right} "
          f"({100 * flagged_right / n_values:.1f} % of all values): "
          + ", ".join(f"{code} {n}" for code, n in reasons_right.most_common()))
    if args.verbose:
        for paper, key, want, got, how in wrong_list:
            print(f"  paper {paper:3d} {how:9s} {key:26s} {want!r} -> {got!r}")
    if args.keep:
        (args.keep / "fields_report.json").write_text(json.dumps(
            [d.to_json() for d in docs], ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
