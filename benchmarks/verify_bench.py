"""Warehouse-sweep benchmark: ``sohoa verify --all`` rate and memory on the local store.

Builds a warehouse of N stored documents quickly: the demo key signs a few real PDFs once
(``sohoa scan --engine fake``), then N copies go under distinct document keys through
the store API (each with its ``.json`` metadata beside it, as ``scan`` writes them; many
threads, since every put is fsynced) and N index records pointing at them are
bulk-indexed (``ReuseIndex.bulk_add``). Then it times, as the user runs them:

- ``sohoa verify --all --hash-only`` over the N documents;
- ``sohoa verify --all`` (signatures, ``--workers`` processes) over a separate warehouse
  of ``--signature-docs`` documents (default 5,000: at ~100-150 documents/s a full
  100,000-document signature run takes 12-15 minutes; ``--signature-docs 0`` times it
  on the full warehouse instead).

    .venv/bin/python benchmarks/verify_bench.py [--docs 100000] [--signature-docs 5000]
        [--workers N] [--workdir DIR] [--keep] [--reuse DIR]

Not a test: it prints figures, with the targets (issue 7) beside them: hash-only
≥ 500 documents/s, with signatures ≥ 100 documents/s. Peak memory is sampled from /proc
every 0.2 s: the sweep process's own peak (VmHWM) and the whole process tree's (pool
workers included). Each sweep must find nothing (the warehouse is intact).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reuse_index import DocumentRecord, ReuseIndex  # noqa: E402
from storage import LocalStore  # noqa: E402
from storage.keys import document_key  # noqa: E402
from tests.conftest import lined_page  # noqa: E402

TARGET_HASH_RATE = 500
TARGET_SIGNATURE_RATE = 100
SEED_PAGES = 3  # real signed PDFs the copies are made from
AGENCIES = ["H12.19", "H12.20", "H12.21", "H12.22", "H12.23", "H12.24", "H12.25", "H12.26"]
PUT_THREADS = 32  # puts are fsync-bound: overlap them
PUT_WINDOW = 4096  # documents in flight while building


@dataclass(frozen=True)
class Seed:
    pdf: bytes
    sha256: str
    original_key: str
    original_sha256: str


def cli(home: Path, *argv: str, capture: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_USER="bench")
    return subprocess.run([sys.executable, str(REPO / "cli.py"), *argv], env=env,
                          capture_output=capture, text=True, check=False)


def make_seeds(home: Path, work: Path) -> list[Seed]:
    """A demo key and SEED_PAGES real scanned, signed, stored documents."""
    assert cli(home, "keys", "demo").returncode == 0
    pages = [str(lined_page(work / f"seed_{i}.png", 20 + 25 * i)) for i in range(SEED_PAGES)]
    done = cli(home, "scan", *pages, "--dossier", "BENCH-0001", "--procedure", "1.001193",
               "--agency", AGENCIES[0], "--agency-name", "Ủy ban nhân dân xã Tân Lập",
               "--type", "giay_khai_sinh", "--engine", "fake", "--json", "--quiet",
               "--workers", "1")
    assert done.returncode == 0, done.stderr
    store = LocalStore(home / "store")
    return [Seed(store.get_bytes(d["pdf_key"]), d["sha256"], d["original_keys"][0],
                 Path(d["original_keys"][0]).stem)  # originals/ab/cd/<sha256>.<ext>
            for d in json.loads(done.stdout)["documents"]]


def plan(count: int, seeds: list[Seed], rng: random.Random) -> Iterator[DocumentRecord]:
    """``count`` index records, each pointing at a copy of one seed under its own key."""
    start = datetime(2023, 1, 1, 9, tzinfo=UTC)
    for i in range(count):
        seed = seeds[i % len(seeds)]
        at = start + timedelta(minutes=17 * i)  # spread over months: many folders
        doc_id = f"b{rng.getrandbits(80):020x}"  # random, as real ids are: keys and ids differ
        agency = AGENCIES[i % len(AGENCIES)]
        yield DocumentRecord(
            id=doc_id, doc_type="giay_khai_sinh", owner_id=f"0521900{i:05d}"[-12:],
            owner_name="Nguyễn Thị Hồng Nhung", digitized_at=at, signed=True, pages=1,
            pdf_key=document_key(agency, at, doc_id, ".pdf"), pdf_sha256=seed.sha256,
            original_keys=(seed.original_key,), original_sha256s=(seed.original_sha256,),
            agency_code=agency, metadata={"MaGiayTo": "KS", "DuocSoHoa": True})


def build(home: Path, count: int, seeds: list[Seed]) -> float:
    """Store ``count`` copies with their metadata and index them; seconds taken."""
    started = time.perf_counter()
    store = LocalStore(home / "store")
    by_sha = {s.sha256: s.pdf for s in seeds}
    rng = random.Random(count)

    def put(record: DocumentRecord) -> DocumentRecord:
        assert record.pdf_key and record.pdf_sha256
        store.put_bytes(record.pdf_key, by_sha[record.pdf_sha256],
                        content_type="application/pdf")
        store.put_bytes(record.pdf_key[:-4] + ".json",
                        json.dumps({"id": record.id, **record.metadata}).encode(),
                        content_type="application/json")
        return record

    def stored() -> Iterator[DocumentRecord]:
        with ThreadPoolExecutor(PUT_THREADS) as pool:
            batch: list[DocumentRecord] = []
            for record in plan(count, seeds, rng):
                batch.append(record)
                if len(batch) == PUT_WINDOW:
                    yield from pool.map(put, batch)
                    batch = []
            yield from pool.map(put, batch)

    with ReuseIndex.from_env({}, home=home) as index:
        added = index.bulk_add(stored())
        index.analyze()
    assert added == count
    return time.perf_counter() - started


# --------------------------------------------------------------------------- measuring

def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


class TreeSampler:
    """Samples a process and its descendants every 0.2 s: the process's own peak memory
    (VmHWM), the tree's peak RSS, and the tree's CPU time (each process's last sample:
    a process's final < 0.2 s is missed)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.own_kb, self.tree_kb = pid, 0, 0
        self._ticks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def cpu_seconds(self) -> float:
        return sum(self._ticks.values()) / os.sysconf("SC_CLK_TCK")

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.own_kb = max(self.own_kb, _status_kb(self.pid, "VmHWM"))
            tree, todo, total = _children(), [self.pid], 0
            while todo:
                pid = todo.pop()
                total += _status_kb(pid, "VmRSS")
                self._ticks[pid] = max(self._ticks.get(pid, 0), _cpu_ticks(pid))
                todo += tree.get(pid, [])
            self.tree_kb = max(self.tree_kb, total)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def timed_sweep(home: Path, documents: int, *options: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_USER="bench")
    argv = [sys.executable, str(REPO / "cli.py"), "--ui", "en", "verify", "--all", "--json",
            "--quiet", *options]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    sampler = TreeSampler(proc.pid)
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    sampler.stop()
    if proc.returncode != 0 or json.loads(out) != []:
        raise SystemExit(f"the sweep failed or found damage (exit {proc.returncode}):\n"
                         f"{out[:2000]}\n{err[-2000:]}")
    worked = re.search(r"; ([\d.]+) s\.", err)
    seconds = float(worked.group(1)) if worked else wall
    return {"documents": documents, "wall": wall, "sweep_seconds": seconds,
            "rate": documents / wall, "sweep_rate": documents / seconds,
            "own_mb": sampler.own_kb / 1024, "tree_mb": sampler.tree_kb / 1024,
            "cpu_ms": sampler.cpu_seconds / documents * 1000,
            "load": (load_before, os.getloadavg()[0]), "summary": err.strip().splitlines()[-1]}


def show(title: str, figures: dict, target: int) -> None:
    verdict = "OK" if figures["rate"] >= target else "BELOW TARGET"
    print(f"{title}: {figures['documents']:,} documents in {figures['wall']:.1f} s wall "
          f"= {figures['rate']:,.0f} documents/s (sweep alone {figures['sweep_seconds']:.1f} s "
          f"= {figures['sweep_rate']:,.0f}/s); target >= {target}/s: {verdict}")
    print(f"    peak memory: sweep process {figures['own_mb']:.0f} MB, "
          f"with its workers {figures['tree_mb']:.0f} MB")
    cores = len(os.sched_getaffinity(0))
    print(f"    CPU: {figures['cpu_ms']:.2f} ms per document over all its processes "
          f"(start-up included): at most ~{1000 * cores / figures['cpu_ms']:,.0f} "
          f"documents/s on {cores} idle cores; load average before/after "
          f"{figures['load'][0]:.1f}/{figures['load'][1]:.1f}")
    print(f"    {figures['summary']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--signature-docs", type=int, default=5_000,
                        help="warehouse size for the signature run (0: the full one)")
    parser.add_argument("--workers", type=int, default=None, help="default: cores")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the warehouses")
    parser.add_argument("--reuse", type=Path, default=None,
                        help="time the sweeps again on the warehouses a --keep run left "
                             "in this folder (same --docs and --signature-docs)")
    args = parser.parse_args()
    work = args.reuse or Path(tempfile.mkdtemp(prefix="verify-bench-", dir=args.workdir))
    workers = ["--workers", str(args.workers)] if args.workers else []
    print(f"machine: {os.cpu_count()} cores; work folder {work}", flush=True)
    try:
        seeds = [] if args.reuse else make_seeds(work / "seed", work)
        sizes = {"full": args.docs}
        if args.signature_docs:
            sizes["signatures"] = args.signature_docs
        homes = {}
        for name, count in sizes.items():
            homes[name] = work / name
            if args.reuse:
                continue
            shutil.copytree(work / "seed", homes[name])
            seconds = build(homes[name], count, seeds)
            print(f"built {name}: {count:,} documents (+{SEED_PAGES} scanned) in {seconds:.0f} s "
                  f"({count / seconds:,.0f} documents/s)", flush=True)
        total = args.docs + SEED_PAGES
        show("verify --all --hash-only", timed_sweep(homes["full"], total, "--hash-only"),
             TARGET_HASH_RATE)
        home = homes.get("signatures", homes["full"])
        count = (args.signature_docs or args.docs) + SEED_PAGES
        show(f"verify --all (signatures{', subset' if args.signature_docs else ''})",
             timed_sweep(home, count, *workers), TARGET_SIGNATURE_RATE)
    finally:
        if args.keep or args.reuse:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
