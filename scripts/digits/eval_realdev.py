"""Evaluate the digit slots on the realdev pages cached by ``cache_realdev.py``.

Per page: what the slot reader read for the number, day and month against the truth, and
the engine's digits in the same slot; then, through the field stage (page facts from the
cached words, without and with the slot readings), how many numbers and dates are right,
wrong-but-flagged and wrong-unflagged (the page typed as its truth says, so that the
figures measure the digits and not the typing).

    .venv/bin/python scripts/digits/eval_realdev.py /work/shared/realdev \
        /work/scratch/digits/cache [--crops DIR]
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import cv2

from ocr_models.base import Word
from pipeline.page.slots import read_slots
from pipeline.papers.fields import build_documents, page_facts

TODAY = date(2026, 12, 5)


def _truth_parts(truth: dict) -> dict[str, str]:
    fields = truth.get("fields", {})
    out = {}
    if "so_ky_hieu" in fields:
        out["number"] = fields["so_ky_hieu"].split("/", 1)[0]
    if "ngay_ban_hanh" in fields:
        y, m, d = fields["ngay_ban_hanh"].split("-")
        out["day"], out["month"] = str(int(d)), str(int(m))
    return out


def _show(reading) -> str:
    if reading is None:
        return "(no slot)"
    probs = ",".join(f"{p:.2f}" for p in reading.probabilities)
    sure = "sure" if reading.sure else "unsure"
    return f"{reading.text or '-'} [{probs}] {sure} eng={reading.engine_text!r}"


def _score(value, flagged, truth) -> str:
    if truth is None:
        return "extra" if value is not None else "none"
    if value is None:
        return "missing"
    if value == truth:
        return "right"
    return "wrong_flagged" if flagged else "WRONG_UNFLAGGED"


def main(realdev: Path, cache: Path, crops: Path | None) -> None:
    slot_tally: dict[str, list[int]] = {k: [0, 0, 0] for k in ("number", "day", "month")}
    field_tally: dict[tuple[str, str], dict[str, int]] = {}
    for meta in sorted(cache.glob("dev-*.json")):
        stem = meta.stem
        truth = json.loads((realdev / "truth" / f"{stem}.json").read_text())
        data = json.loads(meta.read_text())
        words = [Word(**w) for w in data["words"]]
        image = cv2.imread(str(cache / f"{stem}.png"), cv2.IMREAD_GRAYSCALE)
        slots = read_slots(image, words, data["scale"])
        parts = _truth_parts(truth)
        hand = truth.get("handwritten", [])
        cells = []
        for key in ("number", "day", "month"):
            reading = getattr(slots, key)
            want = parts.get(key)
            got = reading.text if reading is not None else None
            if want is not None:
                ok = got is not None and got.lstrip("0") == want.lstrip("0") \
                    and (key != "number" or got == want)
                slot_tally[key][0] += 1
                slot_tally[key][1] += bool(ok)
                slot_tally[key][2] += bool(reading is not None and reading.sure and not ok)
            cells.append(f"{key}: truth={want} read={_show(reading)}")
            if crops is not None and reading is not None:
                crops.mkdir(parents=True, exist_ok=True)
                s = data["scale"]
                x0, y0, x1, y1 = reading.box
                cap = (y1 - y0)
                crop = image[max(0, int((y0 - cap) * s)): int((y1 + cap) * s),
                             max(0, int(x0 * s) - 10): int(x1 * s) + 10]
                if crop.size:
                    cv2.imwrite(str(crops / f"{stem}-{key}.png"), crop)
        print(f"{stem} hand={','.join(hand) or '-'}\n    " + "\n    ".join(cells))
        text = "\n".join(" ".join(w.text for w in ln) for ln in _lines(words))
        facts = page_facts(words, text)
        # typing is not this stage's business: the truth's type, as a clerk's --type would
        kind = truth.get("type")
        before = build_documents([facts], today=TODAY, force_type=kind)
        facts.slots = slots
        after = build_documents([facts], today=TODAY, force_type=kind)
        for key in ("so_ky_hieu", "ngay_ban_hanh"):
            want = truth.get("fields", {}).get(key)
            for name, docs in (("engine", before), ("slots", after)):
                fv = docs[0].fields.get(key) if docs else None
                verdict = _score(fv.value if fv else None, fv.needs_review if fv else False,
                                 want)
                field_tally.setdefault((key, name), {}).setdefault(verdict, 0)
                field_tally[(key, name)][verdict] += 1
                if name == "slots":
                    codes = [p.code for p in fv.problems] if fv else []
                    old = before[0].fields.get(key) if before else None
                    print(f"    {key}: truth={want} engine={old.value if old else None}"
                          f" settled={fv.value if fv else None} {codes} -> {verdict}")
    print("\nslot reader (pages whose truth has the value):")
    for key, (n, right, sure_wrong) in slot_tally.items():
        print(f"  {key}: {right}/{n} read right, {sure_wrong} sure-but-wrong")
    print("\nfields (first pages):")
    for (key, name), tally in sorted(field_tally.items()):
        print(f"  {key:14} {name:7} " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))


def _lines(words):
    lines, last = [], None
    for w in words:
        if w.line_key != last:
            lines.append([])
            last = w.line_key
        lines[-1].append(w)
    return lines


if __name__ == "__main__":
    args = sys.argv[1:]
    crop_dir = Path(args[args.index("--crops") + 1]) if "--crops" in args else None
    main(Path(args[0]), Path(args[1]), crop_dir)
