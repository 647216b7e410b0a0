"""Grouping across files, locally and through the queue: a day's stack where every ID card
is scanned as two files whose names put the back first (``mat_sau.jpg`` before
``mat_truoc.jpg``), beside a birth certificate, run by a local ``sohoa batch`` and by a
queued one (Redis, one worker process), each into its own SOHOA_HOME, with real OCR.

Prints, for each run: papers stored, cards stored whole (both files, one paper) with the
owner's ID as printed, wall time; then how many papers the two runs stored identically
(id, type, owner, fields, originals, pages, portal metadata but the signing time, text of
the signed PDF).

    .venv/bin/python benchmarks/queue_grouping_bench.py [--dossiers 3] [--seed 11]
        [--skip-queue]

Not a test: it prints figures. Needs Redis on 127.0.0.1:6379 for the queued run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common.settings import Settings  # noqa: E402
from pipeline.run.submit import open_store_checked  # noqa: E402
from reuse_index import ReuseIndex  # noqa: E402
from tests.scangen import make_sample  # noqa: E402
from tests.scangen.samples import _encode  # noqa: E402

SOHOA = [sys.executable, "-m", "cli"]
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")  # the signing time
ARGS = ["--procedure", "1.001193", "--agency", "H12.19", "--json", "--quiet"]


def make_stack(root: Path, dossiers: int, seed: int) -> dict[str, str]:
    """The batch folder; returns each card's personal ID by dossier code."""
    ids = {}
    for n in range(1, dossiers + 1):
        code = f"000.00.19.H12-261122-{n:04d}"
        folder = root / code
        folder.mkdir(parents=True)
        for side, name in (("back", "mat_sau.jpg"), ("front", "mat_truoc.jpg")):
            page = make_sample(seed + n, doc_type="can_cuoc", level="mild", side=side)
            (folder / name).write_bytes(_encode(page.image, "jpeg", page.truth.dpi))
            ids[code] = page.truth.fields.get("so_dinh_danh")
        birth = make_sample(seed + 100 + n, doc_type="giay_khai_sinh", level="mild")
        (folder / "khai_sinh.jpg").write_bytes(_encode(birth.image, "jpeg", birth.truth.dpi))
    return ids


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_USER="bench", PYTHONPATH=str(ROOT),
               OMP_THREAD_LIMIT="1", **extra)
    subprocess.run([*SOHOA, "keys", "demo"], env=env, cwd=ROOT, capture_output=True)
    return env


def papers(home: Path, tmp: Path) -> dict[str, tuple]:
    store = open_store_checked(Settings.load({"SOHOA_HOME": str(home)}))
    out = {}
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        for rec in index.iter_documents():
            pdf = store.download(rec.pdf_key, tmp / f"{home.name}-{rec.id}.pdf")
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                                  capture_output=True, text=True).stdout
            metadata = {k: v for k, v in rec.metadata.items()
                        if k not in ("NgaySoHoa", "SHA256")}
            out[rec.id] = (rec.doc_type, rec.owner_id, rec.owner_name, rec.pages,
                           rec.original_sha256s, rec.fields, metadata, STAMP.sub("", text),
                           rec.dossier_code)
    return out


def report(name: str, stored: dict[str, tuple], ids: dict[str, str], seconds: float) -> None:
    cards = [p for p in stored.values() if p[0] == "can_cuoc"]
    whole = sum(len(p[4]) == 2 and p[1] == ids.get(p[8]) for p in cards)
    print(f"{name}: {len(stored)} papers ({len(cards)} cards, {whole} of {len(ids)} whole "
          f"with the printed ID), {seconds:.0f} s")


def run_local(stack: Path, tmp: Path) -> tuple[dict, float]:
    env = env_for(tmp / "home-local")
    start = time.monotonic()
    subprocess.run([*SOHOA, "batch", str(stack), *ARGS, "--workers", "2"], env=env, cwd=ROOT,
                   capture_output=True, text=True, check=False)
    return papers(tmp / "home-local", tmp), time.monotonic() - start


def run_queued(stack: Path, tmp: Path, files: int) -> tuple[dict, float]:
    import redis

    namespace = f"sohoa-bench-{secrets.token_hex(4)}"
    env = env_for(tmp / "home-queued", SOHOA_BROKER_URL="redis://127.0.0.1:6379/0",
                  SOHOA_BROKER_NAMESPACE=namespace)
    start = time.monotonic()
    subprocess.run([*SOHOA, "batch", str(stack), *ARGS], env=env, cwd=ROOT,
                   capture_output=True, text=True, check=False)
    worker = subprocess.Popen([*SOHOA, "worker", "--processes", "1"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            out = subprocess.run([*SOHOA, "status", "--json"], env=env, cwd=ROOT,
                                 capture_output=True, text=True)
            counts = json.loads(out.stdout)["files"]
            if counts["done"] + counts["failed"] + counts["dead"] >= files:
                break
            time.sleep(2)
        seconds = time.monotonic() - start
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=120)
        client = redis.Redis(host="127.0.0.1", port=6379)
        for key in client.scan_iter(f"{namespace}:*"):
            client.delete(key)
    return papers(tmp / "home-queued", tmp), seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dossiers", type=int, default=3)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--skip-queue", action="store_true", help="no Redis run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sohoa-qbench-") as name:
        tmp = Path(name)
        ids = make_stack(tmp / "lo", args.dossiers, args.seed)
        files = 3 * args.dossiers
        print(f"{args.dossiers} dossiers, {files} files: each a card as back + front "
              f"(back first by name) and a birth certificate")
        local, seconds = run_local(tmp / "lo", tmp)
        report("local batch", local, ids, seconds)
        if args.skip_queue:
            return 0
        queued, seconds = run_queued(tmp / "lo", tmp, files)
        report("queued batch (Redis, 1 worker process)", queued, ids, seconds)
        same = sum(local[k] == queued[k] for k in set(local) & set(queued))
        print(f"identical papers, local vs queued: {same} of {len(local)} "
              f"(same ids: {set(local) == set(queued)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
