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


def _run_rows() -> tuple[list[dict], dict]:
    rows = [{"id": "f1-s1-0000", "family": "1-forms", "blank": False, "sohoa_cer": 0.010},
            {"id": "f1-s1-0001", "family": "1-forms", "blank": True},
            {"id": "f2-s1-0000", "family": "2-prose", "blank": False, "sohoa_cer": 0.030}]
    real = {"pages": [{"page": "dev-01", "sohoa_cer": 0.02, "plain_cer": 0.03, "lines": 9}]}
    return rows, real


def test_page_ids_are_stable_names_of_family_seed_and_index(bench: ModuleType) -> None:
    assert bench.page_id(1, 1, 3) == "f1-s1-0003"
    assert bench.page_id(2, 7, 12) == "f2-s7-0012"


def test_baseline_flags_only_pages_worse_by_more_than_the_tolerance(
        bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows, real = _run_rows()
    base = tmp_path / "base.json"
    bench.write_baseline(base, rows, real, engine="tesseract", generator={"format": "jpg"})
    data = __import__("json").loads(base.read_text(encoding="utf-8"))
    assert set(data["pages"]) == {"f1-s1-0000", "f2-s1-0000"}  # blank pages carry no CER
    assert data["real"]["dev-01"]["cer"] == pytest.approx(0.02) and data["engine"] == "tesseract"
    assert data["commit"]

    assert bench.compare_with_baseline(base, rows, real, check=True) == 0
    rows[0]["sohoa_cer"] = 0.0115  # +0.15 points: within the tolerance
    rows[2]["sohoa_cer"] = 0.0325  # +0.25 points: worse
    real["pages"][0]["sohoa_cer"] = 0.0  # better
    capsys.readouterr()
    assert bench.compare_with_baseline(base, rows, real, check=True) == 1
    out = capsys.readouterr().out
    assert "WORSE f2-s1-0000" in out and "f1-s1-0000" not in out
    assert "worse by > 0.2 points: 1; better by more: 1" in out
    assert bench.compare_with_baseline(base, rows, real, check=False) == 0
    # a run sharing no page with the baseline cannot pass a check
    assert bench.compare_with_baseline(base, [], None, check=True) == 1


def test_real_runs_split_over_processes_merge_weighted_by_characters(bench: ModuleType) -> None:
    a = {"pages": [{"page": "dev-02", "chars": 100, "sohoa_cer": 0.10, "plain_cer": 0.2,
                    "sohoa_lost": 1, "plain_lost": 0}]}
    b = {"pages": [{"page": "dev-01", "chars": 900, "sohoa_cer": 0.0, "plain_cer": 0.1,
                    "sohoa_lost": 0, "plain_lost": 2}]}
    real = bench.merge_real([a, b])
    assert [p["page"] for p in real["pages"]] == ["dev-01", "dev-02"]
    assert real["cer"]["sohoa"] == pytest.approx(0.01)
    assert real["cer"]["plain"] == pytest.approx(0.11)
    assert real["lost_lines"] == {"sohoa": 1, "plain": 2}


def test_failed_pages_stay_out_of_a_baseline_and_a_page_read_again_wins(
        bench: ModuleType, tmp_path: Path) -> None:
    rows, real = _run_rows()
    rows[0]["sohoa_error"] = "tesseract timed out after 180 s"
    real["pages"].append({"page": "dev-12", "sohoa_cer": 1.0, "plain_cer": 0.01, "lines": 3,
                          "error": "tesseract timed out after 180 s"})
    base = tmp_path / "base.json"
    bench.write_baseline(base, rows, real, engine="tesseract", generator={})
    data = __import__("json").loads(base.read_text(encoding="utf-8"))
    assert set(data["pages"]) == {"f2-s1-0000"} and set(data["real"]) == {"dev-01"}
    again = {"pages": [{"page": "dev-12", "chars": 50, "sohoa_cer": 0.02, "plain_cer": 0.01,
                        "sohoa_lost": 0, "plain_lost": 0, "error": None}]}
    merged = bench.merge_real([{"pages": [{**real["pages"][1], "chars": 50, "sohoa_lost": 3,
                                           "plain_lost": 0}]}, again])
    assert [(p["page"], p["sohoa_cer"]) for p in merged["pages"]] == [("dev-12", 0.02)]
