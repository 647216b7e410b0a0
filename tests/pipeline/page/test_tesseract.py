"""The whole page pipeline with real Tesseract on generated Vietnamese scans."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from cli import main
from common.settings import DEFAULT_ENGINE
from pipeline.page.intake import list_pages
from pipeline.page.pool import settle_text
from pipeline.page.process import PageOptions, process_page
from tests.conftest import REPO, needs_tesseract
from tests.scangen import make_sample

pytestmark = [needs_tesseract, pytest.mark.slow]


def _cer(truth: str, hyp: str) -> float:
    t = re.sub(r"\s+", " ", truth).strip()
    h = re.sub(r"\s+", " ", hyp).strip()
    return Levenshtein.distance(t, h) / max(1, len(t))


@pytest.mark.parametrize(("seed", "doc_type", "rotation", "skew"), [
    (11, "van_ban_hanh_chinh", 90, 7.3),
    (12, "giay_khai_sinh", 180, -12.4),
    (13, "giay_xac_nhan_tinh_trang_hon_nhan", 270, 2.1),
    (14, "can_cuoc", 180, 2.6),
    (15, "can_cuoc", 0, -6.0),
])
def test_turned_skewed_scan_is_read(tmp_path: Path, seed: int, doc_type: str, rotation: int,
                                    skew: float) -> None:
    sample = make_sample(seed, doc_type=doc_type, rotation=rotation, skew_deg=skew,
                         level="degraded", dpi=300)
    path = tmp_path / "scan.jpg"
    sample.image.save(path, dpi=(300, 300), quality=85)
    result = process_page(list_pages(path)[0], PageOptions())
    assert result.error is None
    assert result.rotation == rotation
    assert result.skew_deg == pytest.approx(skew, abs=0.3)
    assert unicodedata.is_normalized("NFC", result.text)
    # card photocopies: 7-pt text and a machine-readable zone read less well
    assert _cer(sample.truth.text, result.text) < (0.10 if doc_type == "can_cuoc" else 0.05)


def test_blank_duplex_back_is_not_ocrd(tmp_path: Path) -> None:
    sample = make_sample(21, blank=True, dpi=300)
    path = tmp_path / "back.png"
    sample.image.save(path, dpi=(300, 300))
    result = process_page(list_pages(path)[0], PageOptions())
    assert result.blank and result.text == "" and not result.words


def test_searchable_pdf_has_vietnamese_text_layer(tmp_path: Path) -> None:
    sample = make_sample(31, doc_type="giay_khai_sinh", rotation=90, skew_deg=-4.0,
                         level="mild", dpi=300)
    scan = tmp_path / "khai_sinh.tif"
    sample.image.save(scan, dpi=(300, 300), compression="tiff_lzw")
    out = tmp_path / "out.pdf"
    assert main(["ocr", str(scan), "--pdf", str(out), "--quiet"]) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    text = unicodedata.normalize("NFC", text)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "GIẤY KHAI SINH" in text
    name = sample.truth.fields["ho_ten"].upper()
    lines = [line for line in text.upper().splitlines() if "QUANG" in line or "NGUY" in line]
    assert min(Levenshtein.distance(name, line.split(":")[-1].strip()) for line in lines) <= 1
    # the text layer carries exactly the words OCR produced, with what the field stage
    # settled written into them (pdftotext has its own order)
    result = process_page(list_pages(scan)[0], PageOptions(engine=DEFAULT_ENGINE))
    settle_text([result])
    assert Counter(text.split()) == Counter(result.text.split())
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+1\b", info)
    # the page image was turned upright: portrait A4
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    assert size and float(size.group(1)) < float(size.group(2))


def test_500_page_pdf_in_bounded_memory(tmp_path: Path) -> None:
    """500 pages through the process pool: every page accounted for, memory flat.

    Run in a fresh interpreter: this test process's own peak also holds whatever the
    tests before it loaded (a second reader's model, the web app), which says nothing
    about the pool."""
    script = tmp_path / "run.py"
    script.write_text(_BIG_PDF_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # benchmarks/ (the tree sampler)
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True,
                          text=True, check=False, cwd=REPO, env=env, timeout=1200)
    assert done.returncode == 0, done.stderr[-2000:]
    pages, peak_mb = done.stdout.split()
    assert int(pages) == 500
    assert float(peak_mb) < 1024


_BIG_PDF_SCRIPT = """
import sys
from pathlib import Path
import numpy as np
from PIL import Image
from pipeline.page.pool import process_files
from pipeline.page.process import PageOptions
from benchmarks.ocr_bench import TreeSampler, own_peak_mb


def main():
    tmp = Path(sys.argv[1])
    page = np.full((1169, 827), 240, np.uint8)  # A4 at 100 dpi
    for y in range(120, 1000, 40):
        page[y:y + 10, 80:740] = 30
    images = [Image.fromarray(page)] * 500
    pdf = tmp / "big.pdf"
    images[0].save(pdf, "PDF", resolution=100, save_all=True, append_images=images[1:])
    # the pool's workers are the forkserver's children: sample the whole process tree
    with TreeSampler(0.1) as sampler:
        sampler.phase = "pool"
        results = process_files([pdf], PageOptions(engine="fake"), workers=2)
    assert [p.index for p in results[0].pages] == list(range(500))
    assert all(p.error is None and not p.blank for p in results[0].pages)
    print(len(results[0].pages), own_peak_mb() + sampler.peaks["pool"].tree_mb)


if __name__ == "__main__":  # the pool's workers import this file again
    main()
"""
