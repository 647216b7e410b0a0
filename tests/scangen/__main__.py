"""Command line: ``python -m tests.scangen OUT_DIR --pages N --seed S [--level degraded]
[--format jpg] [--blank-every K] [--combine] [--documents] [--family 2] [--photos]`` writes a
sample set and truth.json, one line per file on stderr. ``--family 2``: the second page family
(:mod:`.family2`, its own fonts, dpis and formats; only --pages and --seed apply);
``--photos``: phone photos of cards, certificates and letters (:mod:`.photo`)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .samples import FORMATS, LEVELS, generate_set


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.scangen",
                                 description="Write generated Vietnamese administrative scans.")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--pages", type=int, default=10, help="number of pages (default 10)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--level", choices=LEVELS, default="degraded")
    ap.add_argument("--format", dest="fmt", choices=sorted(FORMATS), default="jpg")
    ap.add_argument("--blank-every", type=int, default=0,
                    help="make every K-th page a blank duplex back (0: none)")
    ap.add_argument("--combine", action="store_true",
                    help="with --format pdf: one multi-page scans.pdf")
    ap.add_argument("--documents", action="store_true",
                    help="whole papers, every type in turn, some of two pages")
    ap.add_argument("--family", type=int, choices=(1, 2), default=1,
                    help="page family: 1 (default) or 2 (other fonts, dpis, prose, headers)")
    ap.add_argument("--photos", action="store_true",
                    help="phone photos (JPEG with EXIF) of cards, certificates and letters")
    args = ap.parse_args(argv)
    if args.pages < 0:
        ap.error("--pages must be >= 0")
    if args.combine and args.fmt != "pdf":
        ap.error("--combine needs --format pdf")
    start = time.perf_counter()
    if args.photos:
        from .photo import generate_photos

        results = generate_photos(args.out_dir, args.pages, seed=args.seed)
        for path, truth in results:
            print(f"{path}\t{truth.doc_type}\tdpi={truth.dpi}", file=sys.stderr)
        print(f"wrote {len(results)} photos and {args.out_dir / 'truth.json'}", file=sys.stderr)
        return 0
    if args.family == 2:
        from .family2 import generate_family2

        for i, (path, truth, scan) in enumerate(generate_family2(args.out_dir, args.pages,
                                                                  seed=args.seed)):
            print(f"{path}\tpage={i}\t{scan.kind}\t{scan.header or '-'}\t{scan.font}"
                  f"\tdpi={truth.dpi}\tbits={scan.bits}\trotation={truth.rotation}"
                  f"\tskew={truth.skew_deg:+.2f}", file=sys.stderr)
        print(f"wrote {args.pages} pages and {args.out_dir / 'truth.json'} in "
              f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
        return 0
    results = generate_set(args.out_dir, args.pages, seed=args.seed, level=args.level,
                           fmt=args.fmt, blank_every=args.blank_every, combine=args.combine,
                           documents=args.documents)
    for i, (path, truth) in enumerate(results):
        print(f"{path}\tpage={i}\tdoc={truth.document}\t{truth.doc_type}\tdpi={truth.dpi}\trotation={truth.rotation}"
              f"\tskew={truth.skew_deg:+.2f}", file=sys.stderr)
    print(f"wrote {len(results)} pages and {args.out_dir / 'truth.json'} in "
          f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
