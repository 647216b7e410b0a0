"""Scan → store → index → search/get/verify, as a clerk and an officer use the CLI.

The OCR engine is the fake one (fast); store, index and signatures are real: the local
folder + SQLite embedded defaults, and S3 (SeaweedFS on loopback) + PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from reuse_index import ReuseIndex
from tests.conftest import lined_page
from tests.conftest import run_cli as _run

DOSSIER = ["--dossier", "000.00.19.H12-261122-0001", "--procedure", "1.001193",
           "--agency", "H12.19", "--agency-name", "Ủy ban nhân dân xã Tân Lập"]
PG_ADMIN = os.environ.get("SOHOA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def scans(tmp_path: Path) -> list[Path]:
    return [lined_page(tmp_path / "khai_sinh.png", 20), lined_page(tmp_path / "cccd.png", 40)]


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01  # inside the signed byte range (page content)
    os.chmod(path, 0o644)
    path.write_bytes(bytes(data))


def _full_flow(capsys, scans: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "hong.pdf"
    bad.write_bytes(b"not a pdf at all")
    code, out, err = _run(capsys, "scan", *map(str, scans), str(bad), *DOSSIER, "--engine",
                          "fake", "--owner-id", "052190012345", "--owner-name",
                          "Nguyễn Thị Hồng Nhung", "--type", "giay_khai_sinh", "--json",
                          "--quiet", "--workers", "1")
    assert code == 2 and "hong.pdf" in err  # the bad file is reported, the rest stored
    assert isinstance(out, dict) and out["dossier"] == DOSSIER[1]
    docs = out["documents"]
    assert len(docs) == 2
    for doc in docs:
        assert {"id", "type", "pages", "fields", "sha256", "pdf_key", "original_keys",
                "signed"} <= set(doc)
        assert doc["signed"] and doc["type"] == "giay_khai_sinh"
        assert doc["pdf_key"].startswith("documents/H12.19/") and doc["original_keys"]
        assert doc["metadata"]["MaChuGiayTo"] == "052190012345"
        assert doc["metadata"]["DuocSoHoa"] is True
    ids = {d["id"] for d in docs}

    # search: name without diacritics, ID exact (a prefix finds nothing)
    code, found, _ = _run(capsys, "search", "--name", "nguyen thi hong", "--json")
    assert code == 0 and {d["id"] for d in found} == ids
    _, found, _ = _run(capsys, "search", "--id", "052190012345", "--json")
    assert {d["id"] for d in found} == ids
    _, found, _ = _run(capsys, "search", "--id", "05219001234", "--json")
    assert found == []

    # get hands out a verified copy that pdfsig also finds valid
    doc_id = docs[0]["id"]
    copy = tmp_path / "ban_sao.pdf"
    code, _, _ = _run(capsys, "get", doc_id, "--out", str(copy))
    assert code == 0 and copy.read_bytes().startswith(b"%PDF")
    if shutil.which("pdfsig"):
        report = subprocess.run(["pdfsig", str(copy)], capture_output=True, text=True).stdout
        assert "Signature is Valid" in report

    # re-scanning the same bytes finds the earlier documents, stores nothing new
    code, again, _ = _run(capsys, "scan", *map(str, scans), *DOSSIER, "--engine", "fake",
                          "--json", "--quiet", "--workers", "1")
    assert code == 0 and {d["id"] for d in again["documents"]} == ids
    assert all(d["skipped"] for d in again["documents"])

    code, checks, _ = _run(capsys, "verify", "--all", "--json")
    assert code == 0 and checks == []  # a clean sweep has no findings


def test_embedded_defaults_full_flow(home: Path, scans: list[Path], tmp_path: Path,
                                     capsys) -> None:
    assert _run(capsys, "keys", "demo")[0] == 0
    _full_flow(capsys, scans, tmp_path)

    # originals are stored by SHA-256, read-only
    originals = list((home / "store" / "originals").rglob("*.png"))
    assert len(originals) == 2 and all(not os.access(p, os.W_OK) or os.geteuid() == 0
                                       for p in originals)

    # every access was recorded, with who did it
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        accessed = index.events(kind="accessed")
    assert any(e.detail.get("action") == "get" for e in accessed)
    assert any(e.detail.get("action") == "search" for e in accessed)
    assert all(e.actor == "can-bo-mot-cua" for e in accessed)

    # one flipped byte: sohoa verify and pdfsig both report it; get refuses
    _, docs, _ = _run(capsys, "search", "--id", "052190012345", "--json")
    doc = docs[0]
    stored = home / "store" / doc["pdf_key"]
    _flip_byte(stored)
    code, checks, _ = _run(capsys, "verify", doc["id"], "--json")
    assert code != 0 and not checks[0]["ok"] and not checks[0]["hash_ok"]
    if shutil.which("pdfsig"):
        report = subprocess.run(["pdfsig", str(stored)], capture_output=True, text=True).stdout
        assert "Signature is Valid" not in report
    code, _, err = _run(capsys, "get", doc["id"], "--out", str(tmp_path / "x.pdf"))
    assert code != 0 and "nguyên vẹn" in err and not (tmp_path / "x.pdf").exists()


def test_scan_refuses_without_a_signing_key(home: Path, scans: list[Path], capsys) -> None:
    code, _, err = _run(capsys, "scan", str(scans[0]), *DOSSIER, "--engine", "fake")
    assert code == 6 and "sohoa keys demo" in err and "SOHOA_SIGNING_P12" in err
    assert not (home / "store").exists()  # nothing was done


def test_wrong_signing_password_is_refused_before_any_work(home: Path, scans: list[Path],
                                                           capsys,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    assert _run(capsys, "keys", "demo")[0] == 0
    monkeypatch.setenv("SOHOA_SIGNING_P12", str(home / "keys" / "demo-agency.p12"))
    monkeypatch.setenv("SOHOA_SIGNING_PASSWORD", "sai-mat-khau")
    code, _, err = _run(capsys, "scan", str(scans[0]), *DOSSIER, "--engine", "fake")
    assert code == 6 and "SOHOA_SIGNING_PASSWORD" in err
    assert not (home / "store").exists()


def test_unreachable_object_store_gives_a_clear_message(home: Path, scans: list[Path],
                                                        capsys,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    assert _run(capsys, "keys", "demo")[0] == 0
    monkeypatch.setenv("SOHOA_S3_ENDPOINT", "127.0.0.1:1")
    monkeypatch.setenv("SOHOA_S3_ACCESS_KEY", "x")
    monkeypatch.setenv("SOHOA_S3_SECRET_KEY", "y")
    code, _, err = _run(capsys, "scan", str(scans[0]), *DOSSIER, "--engine", "fake")
    assert code == 5 and "kho" in err.lower()


@pytest.fixture
def pg_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    name = f"sohoa_wh_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] \
            + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_s3_and_postgresql_full_flow(home: Path, scans: list[Path], tmp_path: Path, capsys,
                                     monkeypatch: pytest.MonkeyPatch, s3_server,
                                     pg_url: str) -> None:
    endpoint, access, secret = s3_server
    monkeypatch.setenv("SOHOA_S3_ENDPOINT", endpoint)
    monkeypatch.setenv("SOHOA_S3_ACCESS_KEY", access)
    monkeypatch.setenv("SOHOA_S3_SECRET_KEY", secret)
    monkeypatch.setenv("SOHOA_S3_BUCKET", f"sohoa-{secrets.token_hex(3)}")
    monkeypatch.setenv("SOHOA_DATABASE_URL", pg_url)
    assert _run(capsys, "keys", "demo")[0] == 0
    _full_flow(capsys, scans, tmp_path)
    assert not (home / "store").exists() and not (home / "index.db").exists()


def test_unreachable_database_gives_a_clear_message(home: Path, scans: list[Path], capsys,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(capsys, "keys", "demo")[0] == 0
    monkeypatch.setenv("SOHOA_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/x")
    code, _, err = _run(capsys, "scan", str(scans[0]), *DOSSIER, "--engine", "fake")
    assert code == 7 and "Traceback" not in err and err.strip()


# -- tampering with what is stored: every part is checked, not only the signed PDF --------


def _writable(path: Path) -> Path:
    os.chmod(path, 0o644)
    return path


@pytest.fixture
def stored_two(home: Path, tmp_path: Path, capsys) -> list[dict]:
    """Two papers of two citizens, stored and signed."""
    assert _run(capsys, "keys", "demo")[0] == 0
    docs = []
    for name, owner in (("a.png", "052190012345"), ("b.png", "079301000111")):
        scan = lined_page(tmp_path / name, 20 + len(docs) * 20)
        code, out, _ = _run(capsys, "scan", str(scan), *DOSSIER, "--engine", "fake",
                            "--owner-id", owner, "--owner-name", "Nguyễn Văn An",
                            "--type", "giay_khai_sinh", "--json", "--quiet", "--workers", "1")
        assert code == 0, out
        docs.append(out["documents"][0])
    code, checks, _ = _run(capsys, "verify", "--all", "--json")
    assert code == 0 and checks == []
    return docs


def _problems(capsys, doc_id: str) -> list[str]:
    """What ``verify DOC`` finds; ``verify --all`` must find the same."""
    code, checks, _ = _run(capsys, "verify", doc_id, "--json")
    assert code != 0 and not checks[0]["ok"], checks
    code, sweep, _ = _run(capsys, "verify", "--all", "--json")
    assert code != 0
    found = [f for f in sweep if f["document_id"] == doc_id]
    text = " | ".join(f["detail"] for f in found)
    assert found and (any(f["kind"] == "hash_mismatch" for f in found) or all(
        p in text for p in checks[0]["problems"] if "sha256" not in p)), (found, checks)
    return checks[0]["problems"]


def _sql(home: Path, statement: str, *args: object) -> None:
    import sqlite3

    with sqlite3.connect(home / "index.db") as conn:
        conn.execute(statement, args)


def test_an_edited_metadata_file_is_found(home: Path, stored_two: list[dict], capsys) -> None:
    doc = stored_two[0]
    sidecar = _writable(home / "store" / doc["pdf_key"].replace(".pdf", ".json"))
    sidecar.write_text(sidecar.read_text().replace("052190012345", "052190099999"))
    problems = _problems(capsys, doc["id"])
    assert "the metadata file differs from the index row's metadata" in problems
    assert "the metadata file differs from what was signed" in problems
    assert _run(capsys, "get", doc["id"], "--out", str(home / "x.pdf"))[0] != 0


def test_a_flipped_byte_in_an_original_is_found(home: Path, stored_two: list[dict],
                                                capsys) -> None:
    doc = stored_two[0]
    original = home / "store" / doc["original_keys"][0]
    _flip_byte(_writable(original))
    assert any("no longer hash" in p for p in _problems(capsys, doc["id"]))


def test_an_index_row_with_another_owner_is_found(home: Path, stored_two: list[dict],
                                                  capsys) -> None:
    doc = stored_two[0]
    _sql(home, "UPDATE documents SET owner_id = ? WHERE id = ?", "052190099999", doc["id"])
    assert "the index row differs from the metadata in MaChuGiayTo" in _problems(
        capsys, doc["id"])


def test_a_consistent_swap_to_another_citizens_paper_is_found(
        home: Path, stored_two: list[dict], capsys) -> None:
    """PDF, metadata file and index hash of paper A all replaced by paper B's (all valid,
    all signed): the signed PDF still names B, so A's record fails."""
    a, b = stored_two
    for suffix in (".pdf", ".json"):
        src = home / "store" / b["pdf_key"].replace(".pdf", suffix)
        dest = _writable(home / "store" / a["pdf_key"].replace(".pdf", suffix))
        dest.write_bytes(src.read_bytes())
    import hashlib
    import json as _json

    meta_b = _json.loads((home / "store" / b["pdf_key"].replace(".pdf", ".json")).read_text())
    digest = hashlib.sha256((home / "store" / b["pdf_key"]).read_bytes()).hexdigest()
    _sql(home, "UPDATE documents SET pdf_sha256 = ?, metadata_json = ? WHERE id = ?",
         digest, _json.dumps(meta_b), a["id"])
    problems = _problems(capsys, a["id"])
    assert f"the signed PDF belongs to document {b['id']}" in problems


def test_junk_and_oversized_files_never_enter_the_write_once_store(
        home: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused before storing: bytes that only start like a JPEG, and a PDF with more pages
    than SOHOA_MAX_PAGES; the good file of the same dossier is stored as usual."""
    import pikepdf

    assert _run(capsys, "keys", "demo")[0] == 0
    junk = tmp_path / "anh.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2 * 1024 * 1024))
    many = tmp_path / "nhieu-trang.pdf"
    pdf = pikepdf.new()
    for _ in range(3):
        pdf.add_blank_page()
    pdf.save(many)
    good = lined_page(tmp_path / "tot.png", 20)
    monkeypatch.setenv("SOHOA_MAX_PAGES", "2")
    code, out, err = _run(capsys, "scan", str(junk), str(many), str(good), *DOSSIER,
                          "--engine", "fake", "--type", "giay_khai_sinh", "--json",
                          "--quiet", "--workers", "1")
    assert code == 2 and len(out["documents"]) == 1
    assert "anh.jpg" in err and "nhieu-trang.pdf" in err and "3 > 2" in err
    originals = [p.name for p in (home / "store" / "originals").rglob("*") if p.is_file()
                 and not p.name.endswith(".json")]
    assert len([n for n in originals if n.endswith(".png")]) == 1
    assert not [n for n in originals if n.endswith((".jpg", ".pdf"))]


def test_a_full_disk_gives_a_clear_message_and_keeps_what_was_stored(
        home: Path, scans: list[Path], capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from storage.local import LocalStore

    assert _run(capsys, "keys", "demo")[0] == 0
    code, out, _ = _run(capsys, "scan", str(scans[0]), *DOSSIER, "--engine", "fake",
                        "--type", "giay_khai_sinh", "--json", "--quiet", "--workers", "1")
    assert code == 0
    before = sorted(p for p in (home / "store").rglob("*") if p.is_file())

    def full(*_args: object, **_kw: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(LocalStore, "put_file", full)
    code, _, err = _run(capsys, "scan", str(scans[1]), *DOSSIER, "--engine", "fake",
                        "--type", "giay_khai_sinh", "--quiet", "--workers", "1")
    assert code != 0 and "Ổ đĩa đã đầy" in err and "Traceback" not in err
    after = sorted(p for p in (home / "store").rglob("*") if p.is_file())
    assert after == before  # nothing half-written, nothing lost
    assert _run(capsys, "verify", "--all", "--json")[0] == 0
