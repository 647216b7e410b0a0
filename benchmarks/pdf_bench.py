"""PDF size benchmark: sohoa's compact page images against OCRmyPDF ``--optimize 2`` and ``3``.

For every page (the real pages of ``../shared/realdev/images``, a few generated scans of the
first family and ``--family2`` pages of the second: other fonts, prose, 1-bit pages and grainy
100-300 dpi grey and colour scans), from the same input bytes:

- **size** of the page in the PDF, by kind of page (1-bit, grey, colour): sohoa's one-page PDF
  (:func:`pipeline.pdfa.write_page_pdf` on the page as intake loads it, no text layer) and
  OCRmyPDF's output with its OCR switched off (``--tesseract-timeout 0``: both sides hold the
  image only);
- **visible difference**: each PDF rendered back (poppler's Cairo backend) at the page's own
  resolution, compared in grey with the original at 100 dpi (what a screen shows of a page):
  mean absolute difference (0–255) and PSNR;
- **legibility**, two figures from plain Tesseract (``vie``) on the rendered pages:
  the **truth CER** on the real pages that carry hand-transcribed ``text_lines`` and on the
  second-family pages (every line of their truth text), line by line
  (:func:`benchmarks.realdev.line_cer`), for the original image, sohoa's PDF and
  OCRmyPDF's, pooled over the pages the original itself reads (CER ≤ 20 %: plain
  Tesseract returns nothing useful on turned pages); and the **drift**: Tesseract on the
  rendered page against Tesseract on the original image (0 % = the PDF reads exactly as
  the scan does). Tesseract's reading changes with any change of the pixels, so the drift
  has a floor: the original re-encoded as a visually lossless full-resolution JPEG (q95,
  "q95" in the table) shows it. Slow, so on the ``text_lines`` pages plus
  ``--cer-pages`` others, cached in ``--cache``;
- **encode time** per page (sohoa's encoder alone);
- **validity** of sohoa's pages assembled into one PDF/A-2b, signed with the demo key:
  ``qpdf --check`` and ``pdfsig``.

    .venv/bin/python benchmarks/pdf_bench.py [--generated 4] [--family2 12] [--cer-pages 12]
                                             [--out DIR]

Needs the ``bench`` extra (``ocrmypdf``; ``pngquant`` from the system packages makes its
``--optimize 2/3`` complete). Not a test: it prints figures, with the targets beside them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pikepdf  # noqa: E402
from PIL import Image  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.realdev import line_cer  # noqa: E402
from pipeline.page.encode import effective_dpi, encode_page  # noqa: E402
from pipeline.page.intake import list_pages, load_page  # noqa: E402
from pipeline.pdfa import assemble_pdfa, write_page_pdf  # noqa: E402

REALDEV = REPO.parent / "shared" / "realdev" / "images"
TRUTH = REALDEV.parent / "truth"
READABLE_CER = 0.20  # pages the original reads worse than this (turned) are not pooled
TARGETS = {"1-bit": 100_000, "grey": 300_000, "colour": 300_000}


def _kind(path: Path, colour: bool) -> str:
    """1-bit, grey or colour: as the file holds it; a generated page of the second family as
    it was scanned (a colour scan of black-on-white text is a colour page there)."""
    entry = _family2_truth(path) if _source(path) == "gen2" else None
    if entry is not None:
        return {1: "1-bit", 8: "grey"}.get(entry["scan"]["bits"], "colour")
    with Image.open(path) as img:
        if img.mode == "1":
            return "1-bit"
    return "colour" if colour else "grey"


def _source(src: Path) -> str:
    """"real", "gen" (the first family) or "gen2" (the second)."""
    return "real" if src.parent == REALDEV else "gen2" if src.name.startswith("f2_") else "gen"


def _family2_truth(src: Path) -> dict | None:
    """The second family's truth.json entry of ``src`` ({"truth", "scan"})."""
    listing = src.parent / "truth.json"
    if not listing.is_file():
        return None
    for entry in json.loads(listing.read_text(encoding="utf-8")):
        if entry["file"] == src.name:
            return entry
    return None


def _text_lines(src: Path) -> list[str]:
    if _source(src) == "gen2":
        entry = _family2_truth(src)
        return entry["truth"]["text"].split("\n") if entry else []
    truth = TRUTH / f"{src.stem}.json"
    if src.parent != REALDEV or not truth.is_file():
        return []
    return list(json.loads(truth.read_text(encoding="utf-8")).get("text_lines") or [])


def _render(pdf: Path, shape: tuple[int, ...], out: Path) -> np.ndarray:
    """Grey render of the PDF's first page at the resolution that gives the original's
    pixel size (cropped or padded with white by the rounding pixel)."""
    with pikepdf.open(pdf) as doc:
        width_pt = float(doc.pages[0].mediabox[2]) - float(doc.pages[0].mediabox[0])
    dpi = shape[1] * 72 / width_pt
    subprocess.run(["pdftocairo", "-png", "-gray", "-r", f"{dpi:.4f}", "-singlefile", "-f", "1",
                    "-l", "1", str(pdf), str(out)], check=True, capture_output=True)
    arr = np.asarray(Image.open(out.with_suffix(".png")).convert("L"))
    h, w = shape[:2]
    full = np.full((h, w), 255, np.uint8)
    full[:min(h, arr.shape[0]), :min(w, arr.shape[1])] = arr[:h, :w]
    return full


def _difference(a: np.ndarray, b: np.ndarray, dpi: float) -> tuple[float, float]:
    """(mean absolute difference, PSNR dB) of two grey pages at 100 dpi."""
    f = 100 / dpi
    size = (max(1, round(a.shape[1] * f)), max(1, round(a.shape[0] * f)))
    x, y = (cv2.resize(v.astype(np.float32), size, interpolation=cv2.INTER_AREA) for v in (a, b))
    mse = float(((x - y) ** 2).mean())
    return float(np.abs(x - y).mean()), (99.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse))


def _ocr(grey: np.ndarray, dpi: float, cache: Path) -> str:
    ok, png = cv2.imencode(".png", grey)
    assert ok
    key = hashlib.sha256(png.tobytes() + f"{dpi:.1f}".encode()).hexdigest()[:24]
    hit = cache / f"{key}.txt"
    if hit.is_file():
        return hit.read_text()
    with tempfile.NamedTemporaryFile(suffix=".png") as tmp:
        tmp.write(png.tobytes())
        tmp.flush()
        out = subprocess.run(["tesseract", tmp.name, "-", "-l", "vie", "--dpi", str(round(dpi))],
                             capture_output=True, text=True, check=True).stdout
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", out)).strip()
    hit.write_text(text)
    return text


def _ocrmypdf_bin() -> str | None:
    """ocrmypdf of this interpreter's environment (the bench extra), else on PATH."""
    local = Path(sys.executable).with_name("ocrmypdf")
    return str(local) if local.is_file() else shutil.which("ocrmypdf")


def _ocrmypdf(src: Path, out: Path, level: int, dpi: float) -> Path | None:
    args = [_ocrmypdf_bin() or "ocrmypdf", "--optimize", str(level), "--tesseract-timeout",
            "0", "-l", "vie", "--jobs", "1", "--output-type", "pdfa", "--quiet"]
    # the resolution the page is planned with (a 72-dpi tag on a 300-dpi scan, none on a
    # screenshot): OCRmyPDF refuses images whose own tag it finds not credible
    args += ["--image-dpi", str(round(dpi))]
    proc = subprocess.run([*args, str(src), str(out)], capture_output=True, text=True)
    if proc.returncode not in (0, 6) or not out.is_file():  # 6: "page already has text"
        print(f"  ocrmypdf -O{level} failed on {src.name}: {proc.stderr.strip()[-200:]}")
        return None
    return out


def _inputs(args: argparse.Namespace, work: Path) -> list[Path]:
    files = sorted(p for p in REALDEV.iterdir() if p.suffix.lower() in (".jpg", ".png")) \
        if REALDEV.is_dir() else []
    files = files[::args.every]
    if args.limit:
        files = files[:args.limit]
    if args.generated:
        from tests.scangen import generate_set

        gen = work / "generated"
        files += [p for p, _ in generate_set(gen, args.generated, seed=7, fmt="jpg")]
        files += [p for p, _ in generate_set(gen / "png", max(1, args.generated // 2), seed=8,
                                             fmt="png", level="clean")]
    if args.family2:
        files += _family2(work / "family2", args.family2)
    return files


def _family2(folder: Path, n: int) -> list[Path]:
    """``n`` second-family pages (seed 0), a third each 1-bit, grey and colour scans (the
    first of each kind among ``3 n`` generated), written once: a rerun keeps the files, so
    that OCRmyPDF's outputs of the earlier run still count as newer than their input."""
    listing = folder / "truth.json"
    entries = json.loads(listing.read_text(encoding="utf-8")) if listing.is_file() else []
    if len(entries) != 3 * n or not all((folder / e["file"]).is_file() for e in entries):
        from tests.scangen.family2 import generate_family2

        generate_family2(folder, 3 * n, seed=0)
        entries = json.loads(listing.read_text(encoding="utf-8"))
    per_kind = -(-n // 3)
    chosen = [[e["file"] for e in entries if e["scan"]["bits"] == bits][:per_kind]
              for bits in (1, 8, 24)]
    return [folder / name for names in chosen for name in names][:n]


def _sign_and_check(pdfs: list[Path], work: Path) -> dict:
    from pipeline.signing import SigningConfig, create_demo_pki, load_signer

    plain = assemble_pdfa(pdfs, work / "all.pdf", title="pdf_bench")
    check = subprocess.run(["qpdf", "--check", str(plain)], capture_output=True, text=True)
    create_demo_pki(work / "home", agency_name="UBND xã Thử Nghiệm", overwrite=True)
    signer = load_signer(SigningConfig.from_env({}, home=work / "home"))
    signed = work / "all-signed.pdf"
    signer.sign_pdf(plain, signed, agency_name="UBND xã Thử Nghiệm")
    sig = subprocess.run(["pdfsig", str(signed)], capture_output=True, text=True)
    return {"pages": len(pdfs), "bytes": signed.stat().st_size,
            "qpdf_ok": check.returncode == 0, "pdfsig_valid": "Signature is Valid" in sig.stdout}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generated", type=int, default=4, help="generated scans to add")
    parser.add_argument("--family2", type=int, default=12,
                        help="generated pages of the second family to add")
    parser.add_argument("--limit", type=int, default=0, help="only the first N real pages")
    parser.add_argument("--every", type=int, default=1, help="every k-th real page only")
    parser.add_argument("--cer-pages", type=int, default=12,
                        help="pages to OCR for legibility (every k-th page; 0: none)")
    parser.add_argument("--no-ocrmypdf", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("/tmp/sohoa-pdf-bench"))
    parser.add_argument("--cache", type=Path, default=None, help="OCR cache (default OUT/ocr)")
    args = parser.parse_args()
    work = args.out
    work.mkdir(parents=True, exist_ok=True)
    cache = args.cache or work / "ocr"
    cache.mkdir(parents=True, exist_ok=True)
    files = _inputs(args, work)
    peers = [] if args.no_ocrmypdf or not _ocrmypdf_bin() else [2, 3]
    step = max(1, len(files) // args.cer_pages) if args.cer_pages else 0
    rows, ours_pdfs = [], []
    for n, src in enumerate(files):
        loaded = load_page(list_pages(src)[0])
        image, dpi = loaded.image, effective_dpi(loaded.image.shape, loaded.dpi)
        kind = _kind(src, loaded.colour)
        grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        started = time.perf_counter()
        encoded = encode_page(image, loaded.dpi)
        seconds = time.perf_counter() - started
        ours = write_page_pdf(encoded, work / f"{n:03d}-ours.pdf", dpi=loaded.dpi, words=[])
        ours_pdfs.append(ours)
        row = {"file": src.name, "source": _source(src), "kind": kind,
               "encoding": encoded.kind, "dpi": round(dpi),
               "input": src.stat().st_size, "encode_s": seconds, "pdfs": {"ours": ours}}
        for level in peers:
            out = work / f"{src.parent.name}-{src.stem}-O{level}.pdf"
            if not (out.is_file() and out.stat().st_mtime > src.stat().st_mtime):
                out = _ocrmypdf(src, out, level, dpi)  # else: OCRmyPDF's output of a rerun
            if out is not None:
                row["pdfs"][f"O{level}"] = out
        lines = _text_lines(src)
        do_cer = bool(lines) or (bool(step) and n % step == 0)
        reference = _ocr(grey, dpi, cache) if do_cer else None
        if reference is not None:
            # the floor of the drift: the original as a visually lossless JPEG
            row["pdfs"]["q95"] = write_page_pdf(encode_page(image, loaded.dpi, "jpeg",
                                                            jpeg_quality=95),
                                                work / f"{n:03d}-q95.pdf", dpi=loaded.dpi,
                                                words=[])
        if lines:
            score = line_cer(lines, reference)
            row["original"] = {"truth_cer": score.cer, "truth_chars": score.chars}
        for name, pdf in row["pdfs"].items():
            rendered = _render(pdf, grey.shape, work / f"{n:03d}-{name}-render")
            mad, psnr = _difference(rendered, grey, dpi)
            entry = {"bytes": pdf.stat().st_size, "mad": mad, "psnr": psnr}
            if reference is not None:
                read = _ocr(rendered, dpi, cache)
                entry["cer"] = Levenshtein.distance(read, reference) / max(1, len(reference))
                entry["chars"] = len(reference)
                if lines:
                    score = line_cer(lines, read)
                    entry["truth_cer"], entry["truth_chars"] = score.cer, score.chars
            row[name] = entry
        del row["pdfs"]
        rows.append(row)
        figures = "  ".join(f"{k} {row[k]['bytes'] / 1024:7.1f} KB mad {row[k]['mad']:4.2f}"
                            + (f" drift {row[k]['cer']:.2%}" if "cer" in row[k] else "")
                            + (f" truth {row[k]['truth_cer']:.2%}" if "truth_cer" in row[k]
                               else "")
                            for k in ("ours", "O2", "O3") if k in row)
        if "original" in row:
            figures += f"  original truth {row['original']['truth_cer']:.2%}"
        if "q95" in row:
            figures += f"  q95 drift {row['q95']['cer']:.2%}"
        print(f"{src.name:18} {row['source']:4} {kind:6} {row['encoding']:8} {row['dpi']:4} dpi"
              f"  {figures}  "
              f"{seconds:.2f}s", flush=True)
    _summary(rows)
    validity = _sign_and_check(ours_pdfs, work)
    print(f"\nassembled + signed PDF/A of {validity['pages']} pages: "
          f"{validity['bytes'] / 1e6:.2f} MB, qpdf --check "
          f"{'ok' if validity['qpdf_ok'] else 'FAILED'}, pdfsig "
          f"{'Signature is Valid' if validity['pdfsig_valid'] else 'NOT VALID'}")
    (work / "pdf_bench.json").write_text(json.dumps({"rows": rows, "validity": validity},
                                                    indent=1, default=str))


def _summary(rows: list[dict]) -> None:
    names = [k for k in ("ours", "O2", "O3") if any(k in r for r in rows)]
    print("\nsize per page (KB: mean / max) by source and kind of page; target for ours beside"
          " it (real: ../shared/realdev; gen: first generated family; gen2: second family)")
    for source in ("real", "gen", "gen2"):
        for kind in ("1-bit", "grey", "colour"):
            group = [r for r in rows if r.get("source", "real") == source and r["kind"] == kind]
            if not group:
                continue
            cells = []
            for name in names:
                sizes = [r[name]["bytes"] / 1024 for r in group if name in r]
                cells.append(f"{name} {np.mean(sizes):6.1f} / {max(sizes):6.1f}" if sizes else
                             f"{name} -")
            over = sum(r["ours"]["bytes"] > TARGETS[kind] for r in group)
            print(f"  {source:4} {kind:6} ({len(group):2} pages)  " + "   ".join(cells)
                  + f"   target ≤ {TARGETS[kind] // 1000} KB ({over} over)")
    common = [r for r in rows if all(n in r for n in names)]
    print(f"\non the {len(common)} pages every tool wrote:")
    for name in names:
        total = sum(r[name]["bytes"] for r in common) / 1e6
        mad = np.mean([r[name]["mad"] for r in common])
        psnr = np.mean([r[name]["psnr"] for r in common])
        ocr = [r[name] for r in common if "cer" in r[name]]
        cer = sum(e["cer"] * e["chars"] for e in ocr) / max(1, sum(e["chars"] for e in ocr))
        print(f"  {name:5} total {total:6.2f} MB   mean abs diff {mad:5.2f}   PSNR {psnr:5.1f} dB"
              f"   drift (CER vs the original's OCR) {cer:6.2%} ({len(ocr)} pages)")
    drift = [r["q95"] for r in common if "q95" in r]
    if drift:
        floor = sum(e["cer"] * e["chars"] for e in drift) / max(1, sum(e["chars"] for e in drift))
        print(f"  drift floor (the original as a full-resolution q95 JPEG): {floor:6.2%}")
    for source in ("real", "gen2"):
        _truth_summary([r for r in common if r.get("source", "real") == source], names, source)
    inputs = sum(r["input"] for r in common) / 1e6
    print(f"  input files {inputs:.2f} MB; encode time per page: mean "
          f"{np.mean([r['encode_s'] for r in rows]):.2f} s, max "
          f"{max(r['encode_s'] for r in rows):.2f} s")


def _truth_summary(rows: list[dict], names: list[str], source: str) -> None:
    """Pooled truth CER (hand-transcribed or generated lines) of the original and every
    tool's PDF."""
    scored = [r for r in rows if "original" in r and all("truth_cer" in r[n] for n in names)]
    readable = [r for r in scored if r["original"]["truth_cer"] <= READABLE_CER]
    if not readable:
        return
    chars = sum(r["original"]["truth_chars"] for r in readable)
    cells = []
    for name in ("original", *names):
        edits = sum(r[name]["truth_cer"] * r[name]["truth_chars"] for r in readable)
        worse = sum(r[name]["truth_cer"] > r["original"]["truth_cer"] + 1e-9 for r in readable)
        cells.append(f"{name} {edits / chars:6.2%}" + ("" if name == "original" else
                                                        f" ({worse} pages worse)"))
    what = "real pages with text_lines" if source == "real" else "second-family pages"
    print(f"\ntruth CER, plain Tesseract on the rendered page, {len(readable)} {what} "
          f"({len(scored) - len(readable)} left out: the original reads "
          f"> {READABLE_CER:.0%}), {chars} chars:\n  " + "   ".join(cells))
    for peer in (n for n in names if n != "ours"):
        print(f"  ours - {peer}: {_paired_interval(readable, 'ours', peer)}")


def _paired_interval(rows: list[dict], a: str, b: str, rounds: int = 2000) -> str:
    """The pooled truth-CER difference ``a - b`` in points, with a 95 % bootstrap interval
    over the pages (pages resampled with replacement, both tools together) and the pages
    each side reads better: Tesseract's reading of a page flips with small pixel changes
    (one page's lines regrouped moves a pooled CER by a point), so a difference inside the
    interval is noise, not a finding."""
    chars = np.array([r["original"]["truth_chars"] for r in rows], dtype=float)
    edits = np.array([r[a]["truth_cer"] * r[a]["truth_chars"]
                      - r[b]["truth_cer"] * r[b]["truth_chars"] for r in rows])
    pick = np.random.default_rng(0).integers(0, len(rows), (rounds, len(rows)))
    boot = edits[pick].sum(axis=1) / chars[pick].sum(axis=1)
    low, high = np.percentile(boot, [2.5, 97.5])
    better = sum(r[a]["truth_cer"] < r[b]["truth_cer"] - 1e-9 for r in rows)
    worse = sum(r[a]["truth_cer"] > r[b]["truth_cer"] + 1e-9 for r in rows)
    return (f"{edits.sum() / chars.sum() * 100:+.2f} points (95 % interval over the pages "
            f"{low * 100:+.2f} to {high * 100:+.2f}); {a} reads better on {better} pages, "
            f"worse on {worse}")


if __name__ == "__main__":
    main()
