"""Handwritten ID-box benchmark: personal IDs written by hand into a row of boxes.

Generates ``--forms`` filled declarations (``tests/scangen/idbox.py``: a CT01-like form,
the ID handwritten with MNIST digits the digit model never saw, scanned at 150–300 dpi,
grey, colour or 1-bit, skewed), runs the full page pipeline and the document stage, and
prints for the ID keys:

- rows found (a box row read after the label, or a number written freehand after it or on
  the line below) out of rows drawn;
- per-digit accuracy over the cells (the reading against the truth, position by position,
  when the row yields as many characters as it has digits);
- whole IDs right in the field, wrong-and-flagged (``needs_review``), wrong-and-unflagged
  (target 0), missing; and how many of the right ones are flagged (all of them should be:
  a machine reading of handwriting is always checked by a person).

``--layout`` picks how the forms ask for the ID (``tests/scangen/idbox.py``): ``boxes``
(12 boxes, the default), ``cmnd9`` (9 boxes, an old CMND number), ``freehand`` (no boxes,
written on a fill-in line), ``blank`` (that line left empty: any value is an error,
counted as "blank, value made") or ``mixed`` (one of them per form).

    nice -n 10 .venv/bin/python benchmarks/idbox_bench.py --forms 40 --seed 3 --workers 2
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.page.pool import process_files  # noqa: E402
from pipeline.page.process import PageOptions  # noqa: E402
from pipeline.papers.fields import documents_for_pages  # noqa: E402
from tests.scangen.idbox import LAYOUTS, make_idbox_scan  # noqa: E402


def _reading_for(row, readings: list):
    """The reading of a drawn row: the one whose box is on the row's line, else (a number
    written freehand on the line below its label) the nearest one of the same person's
    label within three line heights."""
    top, height = row.cells[0][1], row.cells[0][3] - row.cells[0][1]
    on_line = next((r for r in readings if abs(r.box[1] - top) < height), None)
    if on_line is not None:
        return on_line
    same = [r for r in readings if "so_dinh_danh" + r.suffix == row.key and
            min(abs(r.box[1] - top), abs(r.label_box[1] - top)) < 3 * height]
    return min(same, key=lambda r: abs(r.box[1] - top), default=None)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--forms", type=int, default=40)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--keep", type=Path, help="write the scans here")
    ap.add_argument("--verbose", action="store_true", help="print every wrong ID")
    ap.add_argument("--layout", default="boxes", choices=(*LAYOUTS, "mixed"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sohoa-idbox-") as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        scans, paths = [], []
        pick = random.Random(args.seed)
        for i in range(args.forms):
            layout = pick.choice(LAYOUTS) if args.layout == "mixed" else args.layout
            scan = make_idbox_scan(args.seed * 100_003 + i, layout=layout)
            path = out / f"form-{i:03d}.png"
            path.write_bytes(scan.image)
            scans.append(scan)
            paths.append(path)
        started = time.perf_counter()
        results = process_files(paths, PageOptions(), workers=args.workers)
        seconds = time.perf_counter() - started
        by_path = {r.source: r for r in results}

    rows = found = 0
    digits_total = digits_right = 0
    outcome: collections.Counter[str] = collections.Counter()
    by_scan: collections.Counter[str] = collections.Counter()
    for scan, path in zip(scans, paths, strict=True):
        result = by_path.get(str(path))
        pages = result.pages if result else []
        docs = documents_for_pages(pages, today=date(2026, 11, 22))
        fields = docs[0].fields if docs else {}
        readings = [r for pg in pages if pg.facts for r in pg.facts.idboxes]
        kind = f"{scan.dpi}dpi {'1-bit' if scan.bilevel else 'grey/colour'}"
        for row in scan.rows:
            got = fields.get(row.key)
            if not row.value:  # a blank fill-in line: no value is right
                what = "blank, none" if got is None else "BLANK, VALUE MADE"
                outcome[what] += 1
                by_scan[f"{kind}: {what.split(',')[0].lower()}"] += 1
                if args.verbose and got is not None:
                    print(f"  {path.name} {row.key}: blank line, got {got.value}")
                continue
            rows += 1
            reading = _reading_for(row, readings)
            if reading is not None:
                found += 1
                digits_total += len(row.value)
                if len(reading.text) == len(row.value):
                    digits_right += sum(a == b for a, b in zip(reading.text, row.value,
                                                               strict=True))
            else:
                digits_total += len(row.value)
            if got is None:
                what = "missing"
            elif got.value == row.value:
                what = "right, flagged" if got.needs_review else "right, unflagged"
            else:
                what = "wrong, flagged" if got.needs_review else "WRONG, UNFLAGGED"
            outcome[what] += 1
            by_scan[f"{kind}: {what.split(',')[0].lower()}"] += 1
            if args.verbose and not what.startswith("right"):
                print(f"  {path.name} {row.key}: truth {row.value} got "
                      f"{got.value if got else None} ({what}; read "
                      f"{reading.text if reading else None})")

    n = max(1, rows)
    print(f"\nforms {len(scans)}, ID rows {rows}, {seconds / max(1, len(scans)):.2f} s/page")
    print(f"box rows found          {found}/{rows} = {100 * found / n:.1f} %")
    print(f"digits read right       {digits_right}/{digits_total} = "
          f"{100 * digits_right / max(1, digits_total):.1f} %")
    right = outcome["right, flagged"] + outcome["right, unflagged"]
    print(f"whole IDs right         {right}/{rows} = {100 * right / n:.1f} %"
          f"   (flagged for review: {outcome['right, flagged']})")
    print(f"wrong, flagged          {outcome['wrong, flagged']}")
    print(f"wrong, unflagged        {outcome['WRONG, UNFLAGGED']}   (target 0)")
    print(f"missing                 {outcome['missing']}")
    if outcome["blank, none"] or outcome["BLANK, VALUE MADE"]:
        print(f"blank lines left empty  {outcome['blank, none']}")
        print(f"blank, value made       {outcome['BLANK, VALUE MADE']}   (target 0)")
    print("\nby scan:")
    for k in sorted(by_scan):
        print(f"  {k:40s} {by_scan[k]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
