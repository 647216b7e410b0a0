"""Full-text search benchmark: build time and query latency on SQLite and PostgreSQL.

Generates N documents as ``index_bench.py`` does (people, IDs, fields) and gives each a
synthetic OCR text of 100-300 words: the paper's printed header for its type (national
motto, title, labels with the owner's values, "Số: 576/QĐ-UBND" on letters), then a body
of two passages drawn from 50,000 generated ones (50-150 words each: words drawn with a
Zipf law from a pool of common Vietnamese administrative words followed by thousands of
rarer syllables built from onsets, rhymes and tones, with OCR slips, a letter replaced,
on 1 % of the words). Documents are streamed into ``bulk_add`` (not held
in memory), then it times ``search(text=...)`` (limit 50, as the web page asks) for:

- common: two words from the 40 most frequent (``quyết định``, ``ủy ban``): huge matches;
- typed: two words drawn as they occur in text (Zipf): anything from huge to nothing;
- rare: two rare words of one indexed document (it must be found);
- number: a letter's number as a phrase (``576/qđ-ubnd``),

plus ``snippets`` for the results and ``search(number=...)``.

    nice -n 10 .venv/bin/python benchmarks/search_bench.py --docs 1000000 \\
        [--backends sqlite,postgresql] [--pg-admin-url postgresql://postgres@127.0.0.1:5432/test]

Not a test: it prints figures, with the target (issue 17) beside them: p95 ≤ 100 ms for a
two-word query at 1 M documents. The PostgreSQL database (random name) and the SQLite file
are removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.index_bench import (  # noqa: E402
    DOC_TYPES,
    FAMILY,
    MIDDLE,
    Person,
    make_document,
    make_person,
    postgres_target,
    sqlite_target,
    weighted,
    words,
)
from reuse_index import DocumentRecord, ReuseIndex  # noqa: E402
from reuse_index.fulltext import fold_aligned, tokens  # noqa: E402

TARGET_P95_MS = 100.0
SAMPLE_EVERY = 997  # documents kept aside to draw "rare" queries from
PASSAGES = 50_000

COMMON = words(
    "của và các có được cho trong theo không người với là này những về đã tại số ngày "
    "tháng năm quyết định ủy ban nhân dân tỉnh huyện xã phường thành phố cơ quan giấy "
    "chứng nhận đăng ký công dân hộ tịch việc cấp thủ tục hành chính hồ sơ ông bà "
    "căn cứ luật nghị định thông tư quy định tổ chức chính quyền địa phương đề nghị "
    "trưởng phòng tư pháp tài nguyên môi trường sở kế hoạch đầu tư ban hành kèm thực hiện "
    "điều khoản hiệu lực kể từ ký chánh văn phòng chủ tịch phó giám đốc nơi nhận lưu "
    "vt cộng hòa xã hội chủ nghĩa việt nam độc lập tự do hạnh phúc sinh quê quán thường "
    "trú cư dân tộc kinh quốc tịch giới tính nam nữ họ tên chữ đệm đất quyền sử dụng thửa "
    "tờ bản đồ diện tích mục đích thời hạn nguồn gốc nhà ở tài sản gắn liền khác "
    "kết hôn tình trạng hôn nhân hiện nay chưa vợ chồng cha mẹ con khai sinh người yêu cầu "
    "mối quan hệ đề xuất báo cáo kết quả giải quyết tiếp nhận trả hẹn lúc giờ phút "
    "đồng ý chấp thuận sau khi xem xét trên cơ sở nội dung đơn thẩm định trình phê duyệt "
    "điều chỉnh bổ sung sửa đổi thay thế hủy bỏ thu hồi gia hạn chuyển nhượng tặng cho "
    "thừa kế thế chấp xây dựng quy hoạch giao thông vận tải nông nghiệp phát triển "
    "y tế giáo dục đào tạo lao động thương binh xã hội công an quân sự tòa án kiểm sát"
)
ONSETS = [*words("b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x"), ""]
RHYMES = words("a ai am an ang anh ao au ay ăm ăn ăng ăt âm ân âng âu ây âp e em en eo ep "
          "ê êm ên ênh êu i ia im in inh iu iêm iên iêng iêu iêt o oa oai oan oang oanh "
          "oat oc oe oi om on ong ot ô ôi ôm ôn ông ôt ơ ơi ơm ơn ơt u ua ui um un ung "
          "uân uât uy uyên uyêt ut ư ưa ưi ưng ươi ươn ương ươc ưu ưt")
TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # sắc huyền hỏi ngã nặng
MARKED = set("âăêôơư")
VOWELS = set("aăâeêioôơuưy")
TITLES = {
    "can_cuoc": "CĂN CƯỚC CÔNG DÂN Citizen Identity Card",
    "giay_khai_sinh": "GIẤY KHAI SINH Bản chính",
    "to_khai": "TỜ KHAI ĐĂNG KÝ CƯ TRÚ",
    "giay_chung_nhan_ket_hon": "GIẤY CHỨNG NHẬN KẾT HÔN",
    "giay_xac_nhan_tinh_trang_hon_nhan": "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
    "giay_chung_nhan_qsdd": "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT QUYỀN SỞ HỮU NHÀ Ở VÀ TÀI "
                            "SẢN KHÁC GẮN LIỀN VỚI ĐẤT",
    "van_ban_hanh_chinh": "QUYẾT ĐỊNH Về việc",
}
SUFFIXES = ("QĐ-UBND", "QĐ-TTg", "UBND-VP", "CV-STP", "QĐ-BCĐ138", "TB-UBND", "KH-UBND")


def syllable(onset: str, rhyme: str, tone: str) -> str:
    """A Vietnamese-shaped syllable, the tone on the rhyme's main vowel."""
    vowels = [i for i, c in enumerate(rhyme) if c in VOWELS]
    marked = [i for i in vowels if rhyme[i] in MARKED]
    if marked:
        at = marked[-1]
    elif len(vowels) >= 2 and vowels[-1] == len(rhyme) - 1:
        at = vowels[-2]
    else:
        at = vowels[-1] if vowels else 0
    word = onset + rhyme[:at + 1] + tone + rhyme[at + 1:]
    return unicodedata.normalize("NFC", word)


def word_pool(rng: random.Random) -> list[str]:
    """Common words first (in the order given), then every other syllable shuffled."""
    common = list(dict.fromkeys(COMMON))
    seen = set(common)
    rest = []
    for onset, rhyme, tone in itertools.product(ONSETS, RHYMES, TONES):
        word = syllable(onset, rhyme, tone)
        if word not in seen:
            seen.add(word)
            rest.append(word)
    rng.shuffle(rest)
    return common + rest


class TextMaker:
    """Synthetic OCR text for a document (see the module docstring)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pool = word_pool(rng)
        self.cum = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(self.pool))))
        self.passages: list[list[str]] = []

    def passage(self) -> list[str]:
        """A body from a pool of ``PASSAGES`` generated passages of 50-150 words (two
        per document): generating 200 M words one by one would take longer than
        indexing them on this machine."""
        if not self.passages:
            self.passages = [self.body(self.rng.randint(50, 150)) for _ in range(PASSAGES)]
        return self.passages[self.rng.randrange(PASSAGES)]

    def body(self, count: int) -> list[str]:
        words = self.rng.choices(self.pool, cum_weights=self.cum, k=count)
        for i in self.rng.sample(range(count), k=max(1, count // 100)):  # 1 %: OCR slips,
            word = words[i]  # one letter misread
            j = self.rng.randrange(len(word))
            words[i] = word[:j] + self.rng.choice("abcdeghiklmnoprstuvxy") + word[j + 1:]
        return words

    def text(self, rec: DocumentRecord, number: str | None) -> str:
        rng = self.rng
        lines = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
        if number:
            lines.append(f"Số: {number}  Hà Nội, ngày {rng.randint(1, 28):02d} tháng "
                         f"{rng.randint(1, 12):02d} năm {rng.randint(2015, 2026)}")
        lines.append(TITLES.get(rec.doc_type, "GIẤY TỜ"))
        lines.append(f"Họ và tên: {(rec.owner_name or '').upper()}")
        lines.append(f"Số định danh cá nhân: {rec.owner_id}")
        body = self.passage() + self.passage()
        for start in range(0, len(body), 14):  # lines of about 14 words
            line = " ".join(body[start:start + 14])
            lines.append(line[0].upper() + line[1:] if start == 0 else line)
        return "\n".join(lines)


def documents(count: int, seed: int, samples: list[DocumentRecord]) -> Iterator[DocumentRecord]:
    """``count`` documents with text, streamed; every ``SAMPLE_EVERY``-th into ``samples``."""
    rng = random.Random(seed)
    family = weighted(rng, FAMILY)
    middle = {sex: weighted(rng, table) for sex, table in MIDDLE.items()}
    doc_type = weighted(rng, DOC_TYPES)
    agencies = [f"000.{rng.randrange(100):02d}.{rng.randrange(40):02d}.H{rng.randrange(10, 99)}"
                for _ in range(60)]
    people: list[Person] = [make_person(rng, family, middle)
                            for _ in range(max(1, int(count / 1.7)))]
    maker = TextMaker(random.Random(seed + 7))
    maker.passage()  # the pool of passages first
    at = datetime(2023, 1, 2, 1, 0, tzinfo=UTC)
    started = time.perf_counter()
    for i in range(count):
        if i and i % 100_000 == 0:
            print(f"  ... {i:,} documents handed to bulk_add in "
                  f"{time.perf_counter() - started:,.0f} s", flush=True)
        person = people[i] if i < len(people) else rng.choice(people)
        at += timedelta(seconds=rng.randrange(1, 60))
        rec = make_document(rng, person, doc_type(), at, rng.choice(agencies))
        number = None
        if rec.doc_type == "van_ban_hanh_chinh":
            number = f"{rng.randint(1, 3000)}/{rng.choice(SUFFIXES)}"
            rec = replace(rec, fields={**rec.fields, "so_ky_hieu": {"value": number}})
        rec = replace(rec, text=maker.text(rec, number))
        if i % SAMPLE_EVERY == 0 or (number and i % 53 == 0):
            samples.append(rec)
        yield rec


def queries(rng: random.Random, maker: TextMaker, samples: Sequence[DocumentRecord],
            count: int) -> dict[str, list[str]]:
    """Two-word queries of each kind (see the module docstring), as users type them."""
    top = maker.pool[:40]
    out: dict[str, list[str]] = {"common": [], "typed": [], "rare": [], "number": []}
    common_rank = {w: i for i, w in enumerate(maker.pool[:400])}
    letters = [s for s in samples if s.doc_type == "van_ban_hanh_chinh"]
    for _ in range(count):
        out["common"].append(" ".join(rng.sample(top, 2)))
        out["typed"].append(" ".join(maker.body(2)))
        doc = rng.choice(samples)
        body = (doc.text or "").split("\n", 5)[-1].split()
        rare = [w for w in body if w.lower() not in common_rank] or body
        pair = rng.sample(rare, 2) if len(rare) > 1 else rare * 2
        out["rare"].append(fold_aligned(" ".join(pair)) if rng.random() < 0.5
                           else " ".join(pair))
        if letters:
            number = rng.choice(letters).fields["so_ky_hieu"]["value"]
            out["number"].append(fold_aligned(number))
    return out


def run_backend(label: str, url: str, args: argparse.Namespace) -> None:
    """Build the index in stages (``--checkpoints``), timing queries at each: figures for
    smaller sizes come out even if the largest is not reached in the time there is."""
    samples: list[DocumentRecord] = []
    print(f"\n== {label} ({url.split('@')[-1]})", flush=True)
    stream = documents(args.docs, args.seed, samples)
    sizes = sorted({n for n in args.checkpoints if n < args.docs} | {args.docs})
    with ReuseIndex(url) as index:
        built, total = 0, 0.0
        for size in sizes:
            started = time.perf_counter()
            added = index.bulk_add(itertools.islice(stream, size - built))
            elapsed = time.perf_counter() - started
            built += added
            total += elapsed
            print(f"\n-- {label}, {built:,} documents: built {added:,} more in {elapsed:,.1f} s "
                  f"({added / elapsed:,.0f} docs/s, generation included; "
                  f"{'indexes built at the end' if built == added else 'indexes live'}); "
                  f"total build {total:,.1f} s", flush=True)
            started = time.perf_counter()
            index.analyze()
            print(f"analyze (SQLite: also FTS5 optimize): {time.perf_counter() - started:,.1f} s",
                  flush=True)
            measure(index, samples, args)
        if args.replicate_to > built:
            replicate(index, built, args.replicate_to)
            started = time.perf_counter()
            index.analyze(optimize=False)
            print(f"analyze (no FTS5 optimize): {time.perf_counter() - started:,.1f} s",
                  flush=True)
            measure(index, samples, args)


def replicate(index: ReuseIndex, generated: int, target: int) -> None:
    """Copy the generated documents (rows, text, numbers) under new ids, in SQL, until the
    index holds ``target``: a million documents without generating a million texts in
    Python on a loaded machine. Common words then match proportionally more documents
    (as at that size); a rare pair matches each copy."""
    from reuse_index.schema import document_numbers, document_text, documents

    doc_cols = [c.name for c in documents.columns if c.name != "id"]
    rounds = -(-target // generated) - 1
    with index._engine.connect() as conn:
        for k in range(1, rounds + 1):
            started = time.perf_counter()
            limit = min(generated, target - generated * k)
            suffix = f"'-r{k}'"
            with conn.begin():
                conn.exec_driver_sql(
                    f"INSERT INTO documents (id, {', '.join(doc_cols)}) SELECT id || {suffix}, "
                    f"{', '.join(doc_cols)} FROM documents WHERE length(id) = 32 "
                    f"ORDER BY id LIMIT {limit}")
                conn.exec_driver_sql(
                    f"INSERT INTO {document_text.name} (document_id, text, terms) SELECT "
                    f"t.document_id || {suffix}, t.text, t.terms FROM document_text t "
                    f"JOIN documents d ON d.id = t.document_id || {suffix} ORDER BY t.id")
                conn.exec_driver_sql(
                    f"INSERT INTO {document_numbers.name} (number, document_id) SELECT "
                    f"n.number, n.document_id || {suffix} FROM document_numbers n "
                    f"JOIN documents d ON d.id = n.document_id || {suffix}")
            print(f"  replicated {limit:,} documents (round {k}/{rounds}) in "
                  f"{time.perf_counter() - started:,.1f} s", flush=True)
    print(f"\n-- {index.count_documents():,} documents ({generated:,} generated, copied in "
          f"SQL with new ids)", flush=True)


def measure(index: ReuseIndex, samples: list[DocumentRecord], args: argparse.Namespace
            ) -> None:
    rng = random.Random(args.seed + 3)
    maker = TextMaker(random.Random(args.seed + 7))
    asked = queries(rng, maker, samples, args.queries)
    index.search(text=asked["common"][0])  # warm the pool
    everything: list[float] = []
    for kind in ("common", "typed", "rare", "number"):
        if not asked[kind]:
            continue
        calls = [lambda q=q: index.search(text=q) for q in asked[kind]]
        stats, found, samples_ms = timed(calls)
        everything += samples_ms
        print_stats(f"text, {kind} pairs", stats, found, len(calls), asked[kind][:2])
    print_stats("text, all two-word queries", percentiles(everything), None,
                len(everything), [])
    texts = asked["common"][:100] + asked["rare"][:100]
    stats, found, _ = timed([lambda q=q: index.snippets(index.search(text=q), q)
                             for q in texts])
    print_stats("text + snippets of the 50 results", stats, found, len(texts), [])
    numbers = [n.upper() for n in asked["number"]] or ["1/QĐ-UBND"]
    stats, found, _ = timed([lambda n=n: index.search(number=n) for n in numbers])
    print_stats("number (search(number=...))", stats, found, len(numbers), numbers[:2])


def timed(calls: Sequence) -> tuple[dict[str, float], int, list[float]]:
    latencies, found = [], 0
    for call in calls:
        started = time.perf_counter()
        result = call()
        latencies.append(time.perf_counter() - started)
        found += bool(result)
    return percentiles(latencies), found, latencies


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1] * 1000}


def print_stats(label: str, stats: dict[str, float], found: int | None, total: int,
                examples: list[str]) -> None:
    verdict = "OK" if stats["p95"] <= TARGET_P95_MS else "MISSED"
    seen = f"; {found}/{total} found" if found is not None else f"; {total} queries"
    eg = f"; e.g. {examples!r}" if examples else ""
    print(f"{label}: p50 {stats['p50']:.1f} ms, p95 {stats['p95']:.1f} ms (target ≤ "
          f"{TARGET_P95_MS:g} ms) {verdict}, p99 {stats['p99']:.1f} ms, max "
          f"{stats['max']:.0f} ms{seen}{eg}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300, help="per kind")
    parser.add_argument("--checkpoints", type=lambda t: [int(n) for n in t.split(",")],
                        default=[100_000, 300_000], help="sizes to time queries at on the way")
    parser.add_argument("--replicate-to", type=int, default=0, help="then copy the documents "
                        "in SQL (new ids) up to this many and time again")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workdir", type=Path, help="folder for the SQLite file (default: tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sohoa-search-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    example = next(documents(1, args.seed, []))
    print(f"{args.docs:,} documents; an example text ({len(tokens(example.text or ''))} "
          f"words):\n{(example.text or '')[:400]}…", flush=True)
    for backend in args.backends.split(","):
        target = (sqlite_target(workdir, "search-bench.db") if backend == "sqlite"
                  else postgres_target(args.pg_admin_url))
        try:
            run_backend(backend, target.url, args)
            print(target.size(), flush=True)
        finally:
            if not args.keep:
                target.cleanup()
    if not args.keep and args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
