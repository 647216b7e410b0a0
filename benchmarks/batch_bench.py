"""Batch throughput: sohoa locally and through Redis with 1 and 2 worker processes, against
OCRmyPDF on the same pages, with the character error rate of each.

    bash scripts/install-bench-deps.sh          # OCRmyPDF in .venv-bench, ghostscript, unpaper
    .venv/bin/python benchmarks/batch_bench.py --pages 40 --seed 21

The pages (generated, degraded, ground truth known) are laid out as dossiers of 5 pages for
``sohoa batch``, and merged into one image PDF for ``ocrmypdf -l vie --deskew --rotate-pages
--clean --jobs 2`` (OCRmyPDF parallelises the pages of one file). Both produce searchable
PDF/A; sohoa also signs, stores, indexes and extracts fields. CER is measured the same way
for both: the text layer of the output (``pdftotext``) against the ground truth, per page.
Times are wall-clock; 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ocr_bench import error_counts  # noqa: E402
from tests.scangen import generate_set  # noqa: E402
from tests.scangen.samples import _encode, _merge_pdfs  # noqa: E402

SOHOA = [sys.executable, "-m", "cli"]
PER_DOSSIER = 5


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_USER="bench", PYTHONPATH=str(ROOT), **extra)
    return env


def _sohoa(env: dict, *args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
    return subprocess.run([*SOHOA, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def _home(tmp: Path, name: str) -> Path:
    home = tmp / name
    _sohoa(_env(home), "keys", "demo")
    return home


def _pdftotext(pdf: Path, page: int | None = None) -> str:
    cmd = ["pdftotext", "-raw"]  # content-stream order: each tool's own reading order
    if page is not None:
        cmd += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*cmd, str(pdf), "-"], capture_output=True, text=True).stdout


def sohoa_cer(home: Path, files: list[Path], truths: list[str]) -> float:
    from reuse_index import ReuseIndex

    edits = chars = 0
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        for path, truth in zip(files, truths, strict=True):
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            text = "\n".join(_pdftotext(home / "store" / d.pdf_key)
                             for d in index.find_all_by_original(sha))
            e, n, _, _ = error_counts(truth, text)
            edits, chars = edits + e, chars + n
    return edits / max(1, chars)


def run_local(tmp: Path, root: Path, workers: int) -> tuple[float, Path]:
    home = _home(tmp, f"local-{workers}")
    started = time.perf_counter()
    out = _sohoa(_env(home), "batch", str(root), "--procedure", "1.004873", "--agency",
                 "H12.19", "--workers", str(workers), "--quiet", "--json")
    seconds = time.perf_counter() - started
    summary = json.loads(out.stdout)
    assert summary["failed"] == 0, out.stderr
    return seconds, home


def run_queue(tmp: Path, root: Path, processes: int, n_files: int) -> tuple[float, Path]:
    home = _home(tmp, f"redis-{processes}")
    env = _env(home, SOHOA_BROKER_URL="redis://127.0.0.1:6379/0",
               SOHOA_BROKER_NAMESPACE=f"bench-{secrets.token_hex(4)}",
               SOHOA_QUEUE_PREFIX=f"bench-{secrets.token_hex(4)}")
    out = _sohoa(env, "batch", str(root), "--procedure", "1.004873", "--agency", "H12.19",
                 "--quiet", "--json")
    assert json.loads(out.stdout)["queued"], out.stderr
    started = time.perf_counter()
    worker = subprocess.Popen([*SOHOA, "worker", "--processes", str(processes)], env=env,
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    from reuse_index import ReuseIndex

    index = ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home)
    try:  # polled in-process: a `sohoa status` process per poll would eat a core
        while True:
            files = index.work.counts()["files"]
            if files["done"] + files["failed"] >= n_files:
                break
            if time.perf_counter() - started > 3600:
                raise TimeoutError("queued batch did not finish in an hour")
            time.sleep(0.25)
        seconds = time.perf_counter() - started
    finally:
        index.close()
        os.killpg(worker.pid, 15)
        worker.wait(timeout=60)
    return seconds, home


def run_ocrmypdf(tmp: Path, pdf: Path, truths: list[str], exe: str) -> tuple[float, float]:
    out = tmp / "ocrmypdf.pdf"
    started = time.perf_counter()
    proc = subprocess.run([exe, "-l", "vie", "--deskew", "--rotate-pages", "--clean",
                           "--jobs", "2", str(pdf), str(out)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"ocrmypdf failed: {proc.stderr[-2000:]}")
    edits = chars = 0
    for i, truth in enumerate(truths, start=1):
        e, n, _, _ = error_counts(truth, _pdftotext(out, i))
        edits, chars = edits + e, chars + n
    return seconds, edits / max(1, chars)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--ocrmypdf", default=str(ROOT / ".venv-bench" / "bin" / "ocrmypdf"))
    ap.add_argument("--skip-queue", action="store_true", help="no Redis runs")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="sohoa-batch-bench-") as tmp_name:
        tmp = Path(tmp_name)
        pairs = generate_set(tmp / "gen", args.pages, seed=args.seed, level="degraded")
        files, truths = [], []
        root = tmp / "stack"
        for i, (path, truth) in enumerate(pairs):
            folder = root / f"H12-{i // PER_DOSSIER:04d}"
            folder.mkdir(parents=True, exist_ok=True)
            files.append(Path(shutil.copy(path, folder / path.name)))
            truths.append(truth.text)
        combined = tmp / "all.pdf"
        from PIL import Image

        pages = []
        for path, truth in pairs:
            with Image.open(path) as im:
                pages.append(_encode(im.copy(), "pdf", truth.dpi))
        _merge_pdfs(pages, combined)
        n = len(files)

        rows = []
        seconds, home = run_local(tmp, root, 2)
        rows.append(("sohoa batch, local, 2 processes", seconds, sohoa_cer(home, files, truths)))
        if not args.skip_queue:
            for procs in (1, 2):
                seconds, home = run_queue(tmp, root, procs, n)
                rows.append((f"sohoa, Redis, {procs} worker process{'es' if procs > 1 else ''}",
                             seconds, sohoa_cer(home, files, truths)))
        if Path(args.ocrmypdf).exists():
            seconds, cer = run_ocrmypdf(tmp, combined, truths, args.ocrmypdf)
            rows.append(("ocrmypdf -l vie --deskew --rotate-pages --clean --jobs 2", seconds,
                         cer))
        else:
            print(f"OCRmyPDF not found at {args.ocrmypdf}: bash scripts/install-bench-deps.sh",
                  file=sys.stderr)

    print(f"\nbatch benchmark: {n} degraded pages (seed {args.seed}), 2 cores\n")
    print(f"{'':58s} {'seconds':>8s} {'pages/min':>10s} {'CER':>7s}")
    for name, seconds, cer in rows:
        print(f"{name:58s} {seconds:8.1f} {60 * n / seconds:10.1f} {100 * cer:6.2f}%")
    rate = {name: 60 * n / s for name, s, _ in rows}
    one = next((v for k, v in rate.items() if "1 worker" in k), None)
    two = next((v for k, v in rate.items() if "2 worker" in k), None)
    ocr = next((v for k, v in rate.items() if k.startswith("ocrmypdf")), None)
    local = rate["sohoa batch, local, 2 processes"]
    if one and two:
        print(f"\n2 workers / 1 worker: {two / one:.2f}x   (target >= 1.8x)")
    if ocr:
        best = max(local, two or 0)
        print(f"sohoa / OCRmyPDF pages per minute: local {local / ocr:.2f}x"
              + (f", 2 workers {two / ocr:.2f}x" if two else "") + f" (best {best / ocr:.2f}x;"
              " target >= 1.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
