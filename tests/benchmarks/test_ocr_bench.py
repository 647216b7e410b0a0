"""Tests of the OCR benchmark's own helpers (benchmarks/ocr_bench.py): scoring, page
families, pooling, speed and the child-process memory and CPU measurements. No OCR."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "ocr_bench.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ocr_bench", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["ocr_bench"] = module  # dataclasses resolve annotations through it
    spec.loader.exec_module(module)
    return module


def test_error_counts_ignore_layout_spacing_and_unicode_form(bench: ModuleType) -> None:
    truth = "QUYẾT ĐỊNH\nNguyễn Thị Hồng Nhung"
    hyp = unicodedata.normalize("NFD", "QUYẾT   ĐỊNH Nguyễn Thị Hồng  Nhung ")
    assert bench.error_counts(truth, hyp) == (0, len("QUYẾT ĐỊNH Nguyễn Thị Hồng Nhung"), 0, 6)
    ce, chars, we, words = bench.error_counts(truth, "QUYET ĐỊNH Nguyễn Thị Hồng Nhung")
    assert (ce, we) == (1, 1) and words == 6


def test_page_families(bench: ModuleType) -> None:
    assert bench.page_family(1, "giay_khai_sinh") == bench.FORM_FAMILY
    assert bench.page_family(1, "can_cuoc") == bench.FORM_FAMILY
    assert bench.page_family(1, "van_ban_hanh_chinh") == "1-letters"
    assert bench.page_family(2, "khac", "prose") == "2-prose"
    assert bench.page_family(2, "van_ban_hanh_chinh", "letter") == "2-letters"


def test_pooled_weights_by_characters(bench: ModuleType) -> None:
    rows = [{"chars": 100, "words": 20, "sohoa_char_err": 10, "sohoa_word_err": 2},
            {"chars": 900, "words": 180, "sohoa_char_err": 0, "sohoa_word_err": 0}]
    cer, wer = bench.pooled(rows, "sohoa")
    assert cer == pytest.approx(0.01) and wer == pytest.approx(0.01)
    assert bench.pages_per_minute([2.0, 4.0]) == pytest.approx(20.0)


def test_descendants_finds_grandchildren(bench: ModuleType) -> None:
    child = subprocess.Popen([sys.executable, "-c",
                              "import subprocess, sys; subprocess.run(['sleep', '3'])"])
    try:
        deadline = time.time() + 5
        found: list[int] = []
        while time.time() < deadline and len(found) < 2:
            found = bench.descendants(os.getpid())
            time.sleep(0.05)
        assert child.pid in found and len(found) >= 2
    finally:
        child.kill()
        child.wait()


def test_tree_sampler_books_a_childs_memory_to_its_phase(bench: ModuleType) -> None:
    hog = ("import time; b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); "
           "time.sleep(0.5)")
    with bench.TreeSampler(interval=0.02) as sampler:
        sampler.phase = "reader"
        subprocess.run([sys.executable, "-c", hog], check=True)
        sampler.phase = None
    peak = sampler.peaks["reader"]
    assert peak.process_mb > 180 and peak.tree_mb > 180
    assert "other" not in sampler.peaks


def test_cpu_clock_counts_child_processes(bench: ModuleType) -> None:
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass"
    with bench.CpuClock() as clock:
        subprocess.run([sys.executable, "-c", burn], check=True)
    assert clock.seconds >= 0.35
    with bench.CpuClock() as idle:
        time.sleep(0.3)  # waiting is not work
    assert idle.seconds < 0.1


def test_saved_runs_report_as_one(bench: ModuleType, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    def row(family: str, errs: int) -> dict:
        r = {"file": f"{family}.jpg", "family": family, "blank": False, "found_blank": False,
             "chars": 100, "words": 20, "rotation": 0, "found_rotation": 0, "skew": 1.0,
             "found_skew": 1.0}
        for k in bench.READERS:
            r.update({f"{k}_char_err": errs, f"{k}_word_err": errs, f"{k}_cer": errs / 100,
                      f"{k}_seconds": 2.0, f"{k}_cpu": 1.0, f"{k}_error": None})
        return r

    peaks = {"sohoa": bench.TreePeak(tree_mb=80, process_mb=70, largest="tesseract")}
    bench._save(tmp_path / "a.json", [row(bench.FORM_FAMILY, 0)], peaks, None)
    bench._save(tmp_path / "b.json", [row("2-prose", 3)], {}, None)
    assert bench.report_files([tmp_path / "a.json", tmp_path / "b.json"]) == 0
    out = capsys.readouterr().out
    assert "2 pages (2 text" in out
    prose = next(line for line in out.splitlines() if line.startswith("2-prose"))
    assert "3.00%" in prose and "MISSED" in prose
    forms = next(line for line in out.splitlines() if line.startswith(bench.FORM_FAMILY))
    assert "0.00%" in forms and forms.rstrip().endswith("ok")
