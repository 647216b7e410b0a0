"""Sign + store + index overhead per document, beyond OCR (target <= 150 ms).

Builds one searchable one-page PDF/A (A4, 300 dpi JPEG page, ~300 words), then for each
of N documents: sign it (PAdES, demo key), write original and signed PDF and metadata
to the store (write-once), add the index entry and a "digitized" event. Prints p50/p95
and mean per document on the embedded defaults (local folder + SQLite), and on S3
(SeaweedFS on loopback) + PostgreSQL when those are available.

    .venv/bin/python benchmarks/store_bench.py --docs 200
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocr_models import Word  # noqa: E402
from pipeline.pdfa import assemble_pdfa, write_page_pdf  # noqa: E402
from pipeline.signing import SigningConfig, create_demo_pki, load_signer  # noqa: E402
from reuse_index import DocumentRecord, ReuseIndex  # noqa: E402
from storage import StoreConfig, open_store  # noqa: E402
from storage.keys import document_key, original_key  # noqa: E402

PG_ADMIN = os.environ.get("SOHOA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def make_pdf(workdir: Path) -> Path:
    page = np.full((3508, 2480, 3), 245, np.uint8)
    page[300:3200:60, 200:2280] = 30
    image = workdir / "page.jpg"
    Image.fromarray(page).save(image, quality=80, dpi=(300, 300))
    words = [Word("Nguyễn", 200 + 160 * (i % 12), 300 + 60 * (i // 12), 150, 40, 0.95, 1, 1,
                  i // 12) for i in range(300)]
    one = write_page_pdf(image, workdir / "p1.pdf", dpi=300, words=words)
    return assemble_pdfa([one], workdir / "doc.pdf", title="bench")


def run(label: str, store, index: ReuseIndex, signer, pdf: Path, docs: int,
        workdir: Path) -> None:
    timings = []
    for n in range(docs):
        original = workdir / f"orig-{n}.jpg"
        original.write_bytes(secrets.token_bytes(200_000))  # stands in for a scan
        started = time.perf_counter()
        sha = hashlib.sha256(original.read_bytes()).hexdigest()
        okey = original_key(sha, "jpg")
        store.put_file(okey, original, content_type="image/jpeg")
        signed = workdir / "signed.pdf"
        now = datetime.now(UTC)
        signer.sign_pdf(pdf, signed, agency_name="Ủy ban nhân dân xã Tân Lập", when=now)
        doc_id = hashlib.sha256(sha.encode()).hexdigest()[:24]
        pdf_key = document_key("H12.19", now, doc_id, ".pdf")
        store.put_file(pdf_key, signed, content_type="application/pdf")
        store.put_bytes(pdf_key[:-4] + ".json", json.dumps({"MaHoSo": "x"}).encode(),
                        content_type="application/json")
        pdf_sha = hashlib.sha256(signed.read_bytes()).hexdigest()
        index.add_document(DocumentRecord(
            id=doc_id, doc_type="khac", owner_id=f"0011900{n:05d}", owner_name="Nguyễn Văn An",
            fields={}, metadata={}, pdf_key=pdf_key, pdf_sha256=pdf_sha, original_keys=(okey,),
            original_sha256s=(sha,), valid_until=None, dossier_code="D", procedure_code="1.001193",
            agency_code="H12.19", digitized_at=now, signed=True, pages=1))
        index.record_event("digitized", document_id=doc_id, dossier_code="D", actor="bench")
        timings.append((time.perf_counter() - started) * 1000)
        original.unlink()
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(f"{label:34} docs {docs:5}  mean {statistics.mean(timings):6.1f} ms  "
          f"p50 {statistics.median(timings):6.1f} ms  p95 {p95:6.1f} ms   (target <= 150 ms)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sohoa-store-bench-") as tmp:
        work = Path(tmp)
        pki = create_demo_pki(work / "home", agency_name="Ủy ban nhân dân xã Tân Lập")
        signer = load_signer(SigningConfig(p12_path=pki.p12,
                                           p12_password=pki.password_file.read_bytes().strip()))
        pdf = make_pdf(work)
        print(f"signed document: {pdf.stat().st_size / 1e6:.1f} MB PDF/A, 1 page")
        store = open_store(StoreConfig(root=work / "store"))
        with ReuseIndex(f"sqlite:///{work / 'index.db'}") as index:
            run("local folder + SQLite", store, index, signer, pdf, args.docs, work)
        _remote(signer, pdf, args.docs, work)
    return 0


def _remote(signer, pdf: Path, docs: int, work: Path) -> None:
    try:
        import psycopg

        from tests.storage.s3_server import run_seaweedfs
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - optional part of the benchmark
        print(f"S3 + PostgreSQL skipped: {exc}")
        return
    name = f"sohoa_bench_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with run_seaweedfs(work / "weed") as s3:
            store = open_store(StoreConfig(kind="s3", endpoint=s3.endpoint,
                                           access_key=s3.access_key, secret_key=s3.secret_key,
                                           bucket="bench"))
            store.check()
            url = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0]
            with ReuseIndex(f"{url}/{name}") as index:
                run("S3 (SeaweedFS) + PostgreSQL", store, index, signer, pdf, docs, work)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
