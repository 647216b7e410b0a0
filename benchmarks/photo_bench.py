"""Phone-photo benchmark: generated photos of papers, and the real development set's scans.

1. Generates ``--per-kind`` seeded phone photos of each photographed kind (chip ID card
   front, birth certificate, land-use certificate, official letter; tests/scangen/photo.py)
   and reads each file with ``sohoa ocr FILE --json`` (the CLI itself, one process per
   file), once with this tree's code (after) and, with ``--main DIR``, once with another
   checkout's (before). Prints document-type accuracy (first document) and exact field
   match per key (NFC, case-folded, spaces collapsed).
2. On ``--realdev DIR`` (``/work/shared/realdev`` by default): which images the pipeline
   treats as photos (the same :func:`pipeline.page.photo.find_photo` call the page stage
   makes); with ``--realdev-ocr``, also reads every image with both trees and counts the
   scans whose JSON output differs.

Also printed: values read wrong and not flagged ``needs_review``, and CPU seconds per photo
(the CLI child's own and its children's, i.e. Tesseract's). ``--hard`` makes the photos
harder (:func:`tests.scangen.photo.hardship`).

Readings are cached in ``--cache`` by code version and file content.

    OMP_THREAD_LIMIT=1 .venv/bin/python benchmarks/photo_bench.py --per-kind 4 --seed 5 \\
        --main /work/main
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.page import photo  # noqa: E402
from pipeline.page.intake import capture_hints, list_pages, load_page  # noqa: E402
from tests.scangen.photo import PHOTO_KINDS, generate_photos  # noqa: E402

# the CLI in a child, with its own CPU time and its children's (Tesseract) on stderr's last line
RUN = ("import resource, sys; sys.path.insert(0, sys.argv.pop(1)); import cli; rc = cli.main(); "
       "u = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]; "
       "print(f'cpu {sum(r.ru_utime + r.ru_stime for r in u):.2f}', file=sys.stderr); "
       "sys.exit(rc)")


def _version(repo: Path) -> str:
    """The code version of a checkout: its commit plus any uncommitted change (a folder
    that is no git checkout, e.g. an exported tree: its path and its files' times)."""
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    if not head:
        stamp = str(repo.resolve()) + str(max(f.stat().st_mtime for f in repo.rglob("*.py")))
        return hashlib.sha1(stamp.encode()).hexdigest()[:16]
    diff = subprocess.run(["git", "-C", str(repo), "diff", "HEAD", "--", "*.py"],
                          capture_output=True).stdout
    return hashlib.sha1(head.encode() + diff).hexdigest()[:16]


def read(repo: Path, file: Path, cache: Path, version: str) -> dict:
    """``sohoa ocr FILE --json`` run with ``repo``'s code (cached)."""
    key = hashlib.sha1(version.encode() + file.read_bytes()).hexdigest()
    hit = cache / f"{key}.json"
    if hit.exists():
        return json.loads(hit.read_text(encoding="utf-8"))
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    done = subprocess.run([sys.executable, "-c", RUN, str(repo), "ocr", str(file), "--json",
                           "--quiet", "--workers", "1"], capture_output=True, text=True,
                          cwd=str(repo), env=env)
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError:
        data = {"pages": [], "documents": [], "errors": [done.stderr[-500:]]}
    tail = done.stderr.strip().rsplit("\n", 1)[-1]
    if tail.startswith("cpu "):
        data["_cpu_s"] = float(tail.split()[1])
    hit.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return data


def _norm(value: str) -> str:
    return unicodedata.normalize("NFC", " ".join(str(value).split())).casefold()


def score(readings: list[dict], truths: list[dict]) -> tuple[int, dict, dict, dict, int]:
    """Type right count; per key: right, total; per kind: type right; and the values read
    wrong without ``needs_review`` (a missing value is not one)."""
    type_ok = 0
    right: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    kind_ok: collections.Counter[str] = collections.Counter()
    unflagged = 0
    for data, truth in zip(readings, truths, strict=True):
        docs = data.get("documents") or [{}]
        doc = docs[0]
        if doc.get("type") == truth["doc_type"]:
            type_ok += 1
            kind_ok[truth["doc_type"]] += 1
        fields = doc.get("fields") or {}
        for key, value in truth["fields"].items():
            total[key] += 1
            got = fields.get(key)
            got = got.get("value") if isinstance(got, dict) else got
            flagged = isinstance(fields.get(key), dict) and fields[key].get("needs_review")
            if got is not None and _norm(got) == _norm(value):
                right[key] += 1
            elif got is not None and not flagged:
                unflagged += 1
    return type_ok, right, total, kind_ok, unflagged


def _report(name: str, readings: list[dict], truths: list[dict]) -> dict[str, str]:
    type_ok, right, total, kind_ok, unflagged = score(readings, truths)
    kinds = collections.Counter(t["doc_type"] for t in truths)
    cells = {"type": f"{type_ok}/{len(truths)}",
             "fields": f"{sum(right.values())}/{sum(total.values())}"}
    cells.update({f"type {k}": f"{kind_ok[k]}/{kinds[k]}" for k in PHOTO_KINDS if kinds[k]})
    cells.update({k: f"{right[k]}/{total[k]}" for k in sorted(total)})
    cpu = [r["_cpu_s"] for r in readings if "_cpu_s" in r]
    cells["CPU s/photo"] = f"{sum(cpu) / len(cpu):.1f}" if cpu else "-"
    cells["wrong, unflagged"] = str(unflagged)
    print(f"{name}: type {cells['type']}, fields {cells['fields']}", file=sys.stderr)
    return cells


def _without_cpu(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "_cpu_s"}


def _read_all(repo: Path, files: list[Path], cache: Path, jobs: int) -> list[dict]:
    version = _version(repo)
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(lambda f: read(repo, f, cache, version), files))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-kind", type=int, default=4)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--main", type=Path, help="checkout to read with for the 'before' column")
    ap.add_argument("--realdev", type=Path, default=Path("/work/shared/realdev"))
    ap.add_argument("--realdev-ocr", action="store_true",
                    help="also read every real image with both trees and compare the JSON")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "photo-bench")
    ap.add_argument("--keep", type=Path, help="write the photos here")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--hard", action="store_true",
                    help="harder photos: dim or over-exposed light, low resolution, heavy JPEG, "
                         "objects over the margin, motion blur (tests/scangen/photo.hardship)")
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="sohoa-photos-") as tmp:
        out = args.keep or Path(tmp)
        pairs = generate_photos(out, args.per_kind * len(PHOTO_KINDS), seed=args.seed,
                                hard=args.hard)
        files = [p for p, _ in pairs]
        truths = [t.to_dict() for _, t in pairs]
        columns = {"after": _report("after", _read_all(ROOT, files, args.cache, args.jobs),
                                    truths)}
        if args.main:
            columns["before"] = _report("before", _read_all(args.main, files, args.cache,
                                                            args.jobs), truths)
    names = [c for c in ("before", "after") if c in columns]
    print(f"{len(files)} {'hard ' if args.hard else ''}photos ({args.per_kind} per kind, "
          f"seed {args.seed})")
    print(f"{'':34}" + "".join(f"{n:>10}" for n in names))
    for row in columns["after"]:
        print(f"{row:34}" + "".join(f"{columns[n][row]:>10}" for n in names))

    if args.realdev and (args.realdev / "images").is_dir():
        images = sorted((args.realdev / "images").iterdir())
        photos = []
        for image in images:
            ref = list_pages(image)[0]
            if photo.find_photo(load_page(ref), capture_hints(ref)) is not None:
                photos.append(image.name)
        print(f"\nrealdev: {len(images)} images; treated as photos: {', '.join(photos) or '-'}")
        if args.realdev_ocr and args.main:
            scans = [i for i in images if i.name not in photos]
            after = _read_all(ROOT, scans, args.cache, args.jobs)
            before = _read_all(args.main, scans, args.cache, args.jobs)
            differ = [i.name for i, a, b in zip(scans, after, before, strict=True)
                      if _without_cpu(a) != _without_cpu(b)]
            print(f"realdev scans whose `sohoa ocr --json` differs from main: "
                  f"{len(differ)}/{len(scans)} {', '.join(differ)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
