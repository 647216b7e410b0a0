"""Reuse-index benchmark: bulk indexing rate and lookup latency on SQLite and PostgreSQL.

Generates N documents of realistic Vietnamese citizens (weighted family names, middle and
given names, 12-digit personal IDs ``PPP G YY RRRRRR``, most people owning 1-3 papers),
bulk-indexes them into a fresh SQLite file and a fresh PostgreSQL database, then times
1,000 exact ID searches and 1,000 name searches on each; then adds 20,000 more documents
with ``bulk_add`` and 1,000 with ``add_document`` to the full index (indexes maintained).

    .venv/bin/python benchmarks/index_bench.py [--docs 1000000] [--backends sqlite,postgresql]
        [--pg-admin-url postgresql://postgres@127.0.0.1:5432/postgres] [--workdir DIR]

Not a test: it prints figures, with the targets (issue 3) beside them: indexing
≥ 5,000 docs/s, ID lookup p95 ≤ 5 ms, name search p95 ≤ 50 ms. The PostgreSQL database
(random name) and the SQLite file are removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reuse_index import DocumentRecord, ReuseIndex, name_key  # noqa: E402

TARGET_RATE = 5_000
TARGET_ID_P95_MS = 5.0
TARGET_NAME_P95_MS = 50.0
APPEND_SINGLE = 1_000  # documents added one by one after the bulk load
APPEND_BULK = 20_000  # documents bulk-added after it (indexes maintained)

def words(text: str) -> list[str]:
    return text.split()


FAMILY = {
    "Nguyễn": 38, "Trần": 11, "Lê": 9.5, "Phạm": 7, "Hoàng": 3, "Huỳnh": 2.1, "Phan": 4.5,
    "Vũ": 2, "Võ": 1.9, "Đặng": 2.1, "Bùi": 2, "Đỗ": 1.4, "Hồ": 1.3, "Ngô": 1.3,
    "Dương": 1, "Lý": 0.5, "Đào": 0.4, "Đoàn": 0.4, "Trương": 0.4, "Trịnh": 0.3,
    "Lâm": 0.3, "Phùng": 0.2, "Mai": 0.2, "Tô": 0.2, "Hà": 0.2, "Cao": 0.2, "Lương": 0.2,
    "Chu": 0.1, "Tạ": 0.1, "Kiều": 0.1, "Quách": 0.1, "Vương": 0.1, "Thái": 0.1,
}
MIDDLE = {
    "Nam": {"Văn": 30, "Đức": 8, "Minh": 8, "Quốc": 5, "Hữu": 5, "Thành": 4, "Công": 4,
            "Xuân": 3, "Quang": 4, "Đình": 4, "Ngọc": 2, "Anh": 2, "Gia": 2, "Trọng": 2,
            "Hoàng": 2, "Tuấn": 2, "Mạnh": 2, "Bá": 1, "Duy": 2, "Thanh": 3},
    "Nữ": {"Thị": 35, "Ngọc": 6, "Thu": 4, "Thanh": 4, "Kim": 3, "Hồng": 4, "Mai": 2,
           "Minh": 2, "Phương": 2, "Bích": 2, "Thùy": 2, "Diệu": 1, "Hoài": 1, "Khánh": 2,
           "Lan": 1, "Bảo": 2, "Quỳnh": 2, "Tuyết": 1, "Như": 1, "Cẩm": 1},
}
GIVEN = {
    "Nam": words("Anh Hùng Dũng Tuấn Minh Nam Khôi Long Phúc Huy Đức Bảo Khang Sơn Hải Thắng "
                 "Trung Hiếu Quân Tùng Việt Cường Thành Hoàng Kiên Phong Tài Lâm Vinh Hưng Đạt "
                 "Khoa Nghĩa Toàn Thịnh Lộc Tâm Bình Hòa An"),
    "Nữ": words("Lan Hương Hoa Nhung Linh Trang Hà Mai Ngọc Thảo Hằng Yến Phương Vy Nhi Thủy "
                "Hạnh Dung Loan Giang Huyền Hiền Trâm Nga Oanh Tuyết Quyên Châu Ánh Diễm Anh My "
                "Vân Nhàn Thư Uyên Hồng Tâm Hậu Liên"),
}
SECOND_MIDDLE = {"Nam": words("Minh Quốc Gia Hoàng Anh Bảo Tuấn Thanh"),
                 "Nữ": words("Hồng Thu Ngọc Thanh Kim Bảo Khánh Phương")}
PROVINCES = ["001", "002", "004", "008", "010", "019", "022", "024", "025", "026", "027",
             "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044",
             "045", "046", "048", "049", "051", "052", "054", "056", "058", "060", "062",
             "064", "066", "067", "068", "070", "072", "074", "075", "077", "079", "080",
             "082", "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096"]
DOC_TYPES = {"can_cuoc": 30, "giay_khai_sinh": 25, "to_khai": 20,
             "giay_chung_nhan_ket_hon": 8, "giay_xac_nhan_tinh_trang_hon_nhan": 7,
             "giay_chung_nhan_qsdd": 5, "van_ban_hanh_chinh": 5}
PROCEDURES = ["1.001193", "1.000894", "1.001022", "1.004227", "2.000635", "1.003583"]


@dataclass(frozen=True)
class Person:
    owner_id: str
    name: str
    sex: str
    birth: date


def weighted(rng: random.Random, table: dict[str, float]) -> Callable[[], str]:
    names, weights = list(table), list(table.values())
    return lambda: rng.choices(names, weights)[0]


def make_person(rng: random.Random, family: Callable[[], str],
                middle: dict[str, Callable[[], str]]) -> Person:
    sex = rng.choice(("Nam", "Nữ"))
    tokens = [family(), middle[sex]()]
    shape = rng.random()
    if shape < 0.3:  # "Nguyễn Thị Hồng Nhung": two middle names
        tokens.append(rng.choice(SECOND_MIDDLE[sex]))
    elif shape < 0.38:  # "Lê Nam": no middle name
        tokens.pop()
    tokens.append(rng.choice(GIVEN[sex]))
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(70 * 365))
    century = 0 if birth.year < 2000 else 2
    gender_digit = century + (0 if sex == "Nam" else 1)
    owner_id = (f"{rng.choice(PROVINCES)}{gender_digit}{birth.year % 100:02d}"
                f"{rng.randrange(1_000_000):06d}")
    return Person(owner_id, " ".join(tokens), sex, birth)


def field(value: str, rng: random.Random) -> dict[str, Any]:
    return {"value": value, "confidence": round(rng.uniform(0.9, 1.0), 3)}


def make_document(rng: random.Random, person: Person, doc_type: str, at: datetime,
                  agency: str) -> DocumentRecord:
    doc_id = f"{rng.getrandbits(128):032x}"
    sha = f"{rng.getrandbits(256):064x}"
    fields = {"ho_ten": field(person.name, rng),
              "ngay_sinh": field(person.birth.isoformat(), rng),
              "gioi_tinh": field(person.sex, rng),
              "so_dinh_danh": field(person.owner_id, rng)}
    valid = (date(person.birth.year + 65, person.birth.month, min(person.birth.day, 28))
             if doc_type == "can_cuoc" else None)
    dossier = f"{agency[-3:]}.{rng.randrange(10, 99)}-{at:%y%m%d}-{rng.randrange(10_000):04d}"
    return DocumentRecord(
        id=doc_id, doc_type=doc_type, owner_id=person.owner_id, owner_name=person.name,
        fields=fields,
        metadata={"MaGiayTo": doc_type.upper(), "MaCoQuan": agency,
                  "MaChuGiayTo": person.owner_id, "TenChuGiayTo": person.name,
                  "NgaySoHoa": at.date().isoformat(), "DuocSoHoa": True},
        pdf_key=f"pdf/{doc_id[:2]}/{doc_id}.pdf", pdf_sha256=f"{rng.getrandbits(256):064x}",
        original_keys=(f"originals/{sha[:2]}/{sha}",), original_sha256s=(sha,),
        valid_until=valid, dossier_code=dossier, procedure_code=rng.choice(PROCEDURES),
        agency_code=agency, digitized_at=at, signed=True, pages=rng.randint(1, 6))


def generate(count: int, seed: int) -> tuple[list[DocumentRecord], list[Person]]:
    """``count`` documents over about ``count / 1.7`` people (1-3 papers each)."""
    rng = random.Random(seed)
    family = weighted(rng, FAMILY)
    middle = {sex: weighted(rng, table) for sex, table in MIDDLE.items()}
    doc_type = weighted(rng, DOC_TYPES)
    agencies = [f"000.{rng.randrange(100):02d}.{rng.randrange(40):02d}.H{rng.randrange(10, 99)}"
                for _ in range(60)]
    people = [make_person(rng, family, middle) for _ in range(max(1, int(count / 1.7)))]
    at = datetime(2023, 1, 2, 1, 0, tzinfo=UTC)
    records = []
    for i in range(count):
        person = people[i] if i < len(people) else rng.choice(people)
        at += timedelta(seconds=rng.randrange(1, 60))
        records.append(make_document(rng, person, doc_type(), at, rng.choice(agencies)))
    return records, people


def name_queries(rng: random.Random, indexed: Sequence[DocumentRecord], count: int
                 ) -> list[str]:
    """Full names as typed, folded full names, given-name tails, family + middle."""
    queries = []
    for _ in range(count):
        tokens = str(rng.choice(indexed).owner_name).split()
        kind = rng.random()
        if kind < 0.4:
            queries.append(" ".join(tokens))
        elif kind < 0.6:
            queries.append(name_key(" ".join(tokens)))
        elif kind < 0.8:
            queries.append(" ".join(tokens[-2:]).upper())
        else:
            queries.append(" ".join(tokens[:2]))
    return queries


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": cuts[49] * 1000, "p95": cuts[94] * 1000, "p99": cuts[98] * 1000,
            "max": ordered[-1] * 1000}


def time_calls(calls: Sequence[Callable[[], Any]]) -> tuple[dict[str, float], int]:
    latencies, found = [], 0
    for call in calls:
        started = time.perf_counter()
        result = call()
        latencies.append(time.perf_counter() - started)
        found += bool(result)
    return percentiles(latencies), found


@dataclass
class Target:
    url: str
    cleanup: Callable[[], None]
    size: Callable[[], str]


def sqlite_target(workdir: Path, file_name: str = "bench-index.db") -> Target:
    """A fresh SQLite file in ``workdir`` (also used by report_bench.py)."""
    path = workdir / file_name
    for leftover in workdir.glob(f"{file_name}*"):
        leftover.unlink()

    def size() -> str:
        total = sum(p.stat().st_size for p in workdir.glob(f"{file_name}*"))
        return f"{total / 2**20:,.0f} MiB on disk (with WAL)"

    def cleanup() -> None:
        for leftover in workdir.glob(f"{file_name}*"):
            leftover.unlink()

    return Target(f"sqlite:///{path}", cleanup, size)


DATABASE_SIZE_SQL = ("SELECT pg_size_pretty(pg_database_size(current_database()))"
                     " || ' database size'")


def postgres_target(admin_url: str, size_sql: str = DATABASE_SIZE_SQL) -> Target:
    """A throwaway database on ``admin_url``'s server, dropped by ``cleanup`` (also used by
    report_bench.py); ``size_sql`` reports what it holds."""
    import psycopg

    conninfo = admin_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"sohoa_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(conninfo)
    info["dbname"] = name
    db_conninfo = psycopg.conninfo.make_conninfo(**info)
    base = conninfo.rsplit("/", 1)[0]

    def size() -> str:
        with psycopg.connect(db_conninfo) as conn:
            return str(conn.execute(size_sql).fetchone()[0])  # type: ignore[index]

    def cleanup() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return Target(f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1),
                  cleanup, size)


def run_backend(label: str, target: Target, records: Sequence[DocumentRecord],
                extra: Sequence[DocumentRecord], args: argparse.Namespace) -> None:
    rng = random.Random(args.seed + 1)
    print(f"\n== {label} ({target.url.split('@')[-1]})", flush=True)
    with ReuseIndex(target.url) as index:
        started = time.perf_counter()
        added = index.bulk_add(records, batch=args.batch)
        elapsed = time.perf_counter() - started
        rate = added / elapsed
        print(f"indexed {added:,} documents in {elapsed:,.1f} s: {rate:,.0f} docs/s "
              f"(target ≥ {TARGET_RATE:,}) {'OK' if rate >= TARGET_RATE else 'MISSED'}",
              flush=True)
        started = time.perf_counter()
        index.analyze()
        print(f"planner statistics (analyze): {time.perf_counter() - started:.1f} s; "
              f"{target.size()}", flush=True)
        report_lookups(index, rng, records, args.queries)
        report_appends(index, extra)


def report_appends(index: ReuseIndex, extra: Sequence[DocumentRecord]) -> None:
    """Adding to the full index, indexes live: a bulk batch, then one document at a time."""
    singles, batch = extra[:APPEND_SINGLE], extra[APPEND_SINGLE:]
    started = time.perf_counter()
    index.bulk_add(batch)
    elapsed = time.perf_counter() - started
    print(f"bulk_add of {len(batch):,} more (indexes live): {len(batch) / elapsed:,.0f} docs/s",
          flush=True)
    stats, _ = time_calls([lambda r=r: index.add_document(r) or True for r in singles])
    print(f"add_document one by one ({len(singles):,}): p50 {stats['p50']:.2f} ms, "
          f"p95 {stats['p95']:.2f} ms", flush=True)


def report_lookups(index: ReuseIndex, rng: random.Random, indexed: Sequence[DocumentRecord],
                   queries: int) -> None:
    """Owners of indexed documents: every lookup should find something."""
    owner_ids = [str(rng.choice(indexed).owner_id) for _ in range(queries)]
    names = name_queries(rng, indexed, queries)
    index.search(owner_id=owner_ids[0])  # warm the connection pool
    id_stats, id_found = time_calls([lambda o=o: index.search(owner_id=o) for o in owner_ids])
    name_stats, name_found = time_calls([lambda n=n: index.search(name=n) for n in names])
    print_latency("ID lookup (search owner_id)", id_stats, id_found, queries,
                  TARGET_ID_P95_MS)
    print_latency("name search (limit 50)", name_stats, name_found, queries,
                  TARGET_NAME_P95_MS)


def print_latency(label: str, stats: dict[str, float], found: int, total: int,
                  target_ms: float) -> None:
    verdict = "OK" if stats["p95"] <= target_ms else "MISSED"
    print(f"{label}: p50 {stats['p50']:.2f} ms, p95 {stats['p95']:.2f} ms "
          f"(target ≤ {target_ms:g} ms) {verdict}, p99 {stats['p99']:.2f} ms, "
          f"max {stats['max']:.1f} ms; {found}/{total} found", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--batch", type=int, help="documents per transaction (default: "
                        "the index's own choice)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workdir", type=Path, help="folder for the SQLite file (default: tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    records, people = generate(args.docs + APPEND_SINGLE + APPEND_BULK, args.seed)
    records, extra = records[:args.docs], records[args.docs:]
    gc.freeze()  # the benchmark's own in-memory records are not the index's garbage
    print(f"generated {len(records):,} documents of {len(people):,} people in "
          f"{time.perf_counter() - started:.1f} s (not counted in the indexing rate); "
          f"e.g. {people[0].name!r}", flush=True)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sohoa-index-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    for backend in args.backends.split(","):
        target = (sqlite_target(workdir) if backend == "sqlite"
                  else postgres_target(args.pg_admin_url))
        try:
            run_backend(backend, target, records, extra, args)
        finally:
            if not args.keep:
                target.cleanup()
    if not args.keep and args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
