"""Run the page stage on the realdev first pages once and keep, per page, exactly what the
slot reader gets: the cleaned 300-dpi OCR image, the words and their scale.

Development tool (not used at run time): the slot reader is then tuned and evaluated on
the cache without running OCR again (``scripts/digits/eval_realdev.py``).

    OMP_THREAD_LIMIT=1 nice -n 10 .venv/bin/python scripts/digits/cache_realdev.py \
        /work/shared/realdev /work/scratch/digits/cache
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import cv2

from pipeline.page import process, slots
from pipeline.page.intake import list_pages


def main(realdev: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    captured: dict = {}
    real = slots.read_slots

    def spy(image, words, scale=1.0):
        captured.update(image=image, words=list(words), scale=scale)
        return real(image, words, scale)

    slots.read_slots = spy
    for image_path in sorted((realdev / "images").iterdir()):
        stem = image_path.stem
        if "-p2" in stem or (out / f"{stem}.json").exists():
            continue
        captured.clear()
        process.process_page(list_pages(image_path)[0], process.PageOptions())
        if "image" not in captured:
            print(stem, "no slots call", flush=True)
            continue
        cv2.imwrite(str(out / f"{stem}.png"), captured["image"])
        (out / f"{stem}.json").write_text(json.dumps({
            "scale": captured["scale"],
            "words": [asdict(w) for w in captured["words"]]}, ensure_ascii=False))
        print(stem, len(captured["words"]), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
