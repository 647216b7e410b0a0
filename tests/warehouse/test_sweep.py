"""The data-warehouse team's audit, ``sohoa verify --all``: a clerk fills the warehouse,
time and accidents damage it, the sweep finds every kind of damage, and a sweep stopped
half-way goes on where it stopped.

Real local store, SQLite index and signatures; the fake OCR engine keeps scanning fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from cli import main
from storage import LocalStore
from storage.keys import original_key
from tests.conftest import lined_page
from tests.conftest import run_cli as _run
from warehouse import sweep
from warehouse.sweep import Ref

DOSSIER = ["--dossier", "000.00.19.H12-261122-0007", "--procedure", "1.001193",
           "--agency", "H12.19", "--agency-name", "Ủy ban nhân dân xã Tân Lập"]
OWNER = ["--owner-id", "052190012345", "--owner-name", "Nguyễn Thị Hồng Nhung",
         "--type", "giay_khai_sinh"]


def _scan(capsys, tmp_path: Path, shades: list[int], *extra: str) -> list[dict]:
    files = [str(lined_page(tmp_path / f"trang_{shade}.png", shade)) for shade in shades]
    code, out, err = _run(capsys, "scan", *files, *DOSSIER, *OWNER, "--engine", "fake",
                          "--json", "--quiet", "--workers", "1", *extra)
    assert code == 0, err
    return out["documents"]


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01  # inside the signed byte range
    os.chmod(path, 0o644)  # stored objects are read-only
    path.write_bytes(bytes(data))


def _sweep(capsys, *options: str) -> tuple[int, list | None, str]:
    return _run(capsys, "verify", "--all", "--json", "--quiet", "--workers", "1", *options)


def _triples(findings: list[dict]) -> list[tuple]:
    return [(f["kind"], f["document_id"], f["key"]) for f in findings]


@pytest.fixture(scope="module")
def filled_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """Four birth certificates scanned, signed with the demo key, stored and indexed
    (built once; each test gets its own copy)."""
    base = tmp_path_factory.mktemp("kho")
    with pytest.MonkeyPatch.context() as env:
        for key in [k for k in os.environ if k.startswith("SOHOA_")]:
            env.delenv(key)
        env.setenv("SOHOA_HOME", str(base / "home"))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["keys", "demo"]) == 0
            files = [str(lined_page(base / f"trang_{shade}.png", shade))
                     for shade in (20, 40, 60, 80)]
            assert main(["scan", *files, *DOSSIER, *OWNER, "--engine", "fake", "--json",
                         "--quiet", "--workers", "1"]) == 0
    return base / "home", json.loads(out.getvalue().splitlines()[-1])["documents"]


@pytest.fixture
def warehouse(filled_home: tuple[Path, list[dict]], home: Path) -> list[dict]:
    shutil.copytree(filled_home[0], home)
    return filled_home[1]


def test_clean_warehouse_then_every_kind_of_damage(warehouse: list[dict], home: Path,
                                                   tmp_path: Path, capsys,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # a clean warehouse: empty list, exit 0 — signatures checked in a process pool
    monkeypatch.setattr(sweep, "POOL_MIN_DOCUMENTS", 0)
    code, out, err = _run(capsys, "verify", "--all", "--json", "--workers", "2")
    assert (code, out) == (0, [])
    assert "4/4 tài liệu" in err  # progress
    assert "4 tài liệu, 4 nguyên vẹn; không phát hiện vấn đề nào" in err

    # a paper signed by another agency's key, whose root we do not trust
    other = tmp_path / "other-agency"
    monkeypatch.setenv("SOHOA_HOME", str(other))
    assert _run(capsys, "keys", "demo")[0] == 0
    monkeypatch.setenv("SOHOA_HOME", str(home))
    monkeypatch.setenv("SOHOA_SIGNING_P12", str(other / "keys" / "demo-agency.p12"))
    monkeypatch.setenv("SOHOA_SIGNING_PASSWORD_FILE",
                       str(other / "keys" / "demo-agency.password"))
    [foreign] = _scan(capsys, tmp_path, [100])
    monkeypatch.delenv("SOHOA_SIGNING_P12")
    monkeypatch.delenv("SOHOA_SIGNING_PASSWORD_FILE")

    # damage: a PDF deleted, a byte flipped, an original deleted, stray objects added
    store_dir = home / "store"
    gone, flipped, lost_original, _intact = sorted(warehouse, key=lambda d: d["id"])
    (store_dir / gone["pdf_key"]).unlink()
    _flip_byte(store_dir / flipped["pdf_key"])
    flipped_sha = hashlib.sha256((store_dir / flipped["pdf_key"]).read_bytes()).hexdigest()
    (store_dir / lost_original["original_keys"][0]).unlink()
    store = LocalStore(store_dir)
    stray_pdf = "documents/H12.19/2024/01/khong-co-trong-chi-muc.pdf"
    store.put_bytes(stray_pdf, b"%PDF-1.7 lac loai", content_type="application/pdf")
    stray_original = original_key(hashlib.sha256(b"anh quet bo quen").hexdigest(), "png")
    store.put_bytes(stray_original, b"anh quet bo quen")
    store.put_bytes("work/ab/abcdef/page-00000.json", b"{}")  # batch scratch: not an orphan

    code, found, err = _sweep(capsys)
    assert code == 9
    by_document = sorted([("missing_object", gone["id"], gone["pdf_key"]),
                          ("hash_mismatch", flipped["id"], flipped["pdf_key"]),
                          ("signature_invalid", flipped["id"], flipped["pdf_key"]),
                          ("signature_untrusted", foreign["id"], foreign["pdf_key"])],
                         key=lambda f: f[1])  # documents in id order, then keys in order
    by_key = sorted([("missing_original", lost_original["id"],
                      lost_original["original_keys"][0]),
                     ("orphan_object", None, stray_original)], key=lambda f: f[2])
    assert _triples(found) == by_document + [("orphan_object", None, stray_pdf)] + by_key
    details = {(f["kind"], f["key"]): f["detail"] for f in found}
    assert details[("hash_mismatch", flipped["pdf_key"])] == (
        f"stored bytes hash to {flipped_sha}, not the index's pdf_sha256 {flipped['sha256']}"
        f" nor the digest the store recorded when writing it {flipped['sha256']}")
    assert details[("signature_invalid", flipped["pdf_key"])].startswith("not_intact")
    assert "untrusted_certificate" in details[("signature_untrusted", foreign["pdf_key"])]
    assert "5 tài liệu, 1 nguyên vẹn; 7 phát hiện" in err

    # hashes only: the same damage without the signature findings
    code, hashed, err = _sweep(capsys, "--hash-only")
    assert code == 9
    assert hashed == [f for f in found if not f["kind"].startswith("signature_")]
    assert "chỉ mã băm" in err

    # for people: one Vietnamese line per finding on stdout, the summary on stderr
    assert main(["verify", "--all", "--quiet", "--workers", "1"]) == 9
    text = capsys.readouterr()
    assert f"mất tệp PDF: {gone['id']}  {gone['pdf_key']}" in text.out
    assert "Nội dung đã bị thay đổi sau khi ký." in text.out
    assert f"đối tượng không thuộc tài liệu nào: không có mã tài liệu  {stray_pdf}" in text.out
    assert "7 phát hiện: mất tệp PDF 1, sai mã băm 1, chữ ký không hợp lệ 1" in text.err
    assert main(["--ui", "en", "verify", "--all", "--quiet", "--workers", "1"]) == 9
    assert "Warehouse check: 5 documents, 1 intact; 7 findings: PDF missing 1" in \
        capsys.readouterr().err


def test_without_trust_roots_every_signature_is_untrusted(warehouse: list[dict], home: Path,
                                                          capsys,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    # a key named in the environment: the demo CA is no longer trusted implicitly
    monkeypatch.setenv("SOHOA_SIGNING_P12", str(home / "keys" / "demo-agency.p12"))
    code, found, _ = _sweep(capsys)
    assert code == 9
    assert _triples(found) == sorted(("signature_untrusted", d["id"], d["pdf_key"])
                                     for d in warehouse)
    assert all(f["detail"].startswith("no_trust_roots") for f in found)
    code, found, _ = _sweep(capsys, "--hash-only")
    assert (code, found) == (0, [])


def _state(path: Path) -> dict:
    with sqlite3.connect(path) as conn:
        return json.loads(conn.execute("SELECT json FROM state").fetchone()[0])


def test_interrupted_sweep_resumes_where_it_stopped(warehouse: list[dict], home: Path,
                                                    capsys, monkeypatch: pytest.MonkeyPatch
                                                    ) -> None:
    _flip_byte(home / "store" / warehouse[0]["pdf_key"])
    code, expected, _ = _sweep(capsys)
    assert code == 9 and len(expected) == 2  # hash and signature of the flipped one
    ids = sorted(d["id"] for d in warehouse)

    checked: list[str] = []
    real_check = sweep.check_document

    def check(store, pdf, **kw):
        if len(checked) == 2 and stop_after_two:
            raise KeyboardInterrupt  # Ctrl-C while checking the third document
        checked.append(pdf.document_id)
        return real_check(store, pdf, **kw)

    monkeypatch.setattr(sweep, "check_document", check)
    stop_after_two = True
    code, out, err = _sweep(capsys)
    assert code == 130 and out is None
    assert "2/4 tài liệu" in err and "sohoa verify --all --resume" in err
    [state_file] = [p for p in (home / "verify").glob("sweep-*.sqlite")
                    if _state(p)["phase"] != "done"]
    state = _state(state_file)
    assert (state["checked"], state["last_document_id"], state["phase"]) == (2, ids[1],
                                                                            "documents")

    # other options do not pick it up: a hash-only sweep starts from the beginning
    stop_after_two, checked[:] = False, []
    code, _, err = _sweep(capsys, "--resume", "--hash-only")
    assert code == 9 and sorted(checked) == ids and "đã kiểm tra từ đầu" in err

    checked[:] = []
    code, found, err = _sweep(capsys, "--resume")
    assert code == 9 and found == expected
    assert checked == ids[2:]  # nothing checked twice
    assert "Đã làm tiếp" in err and "4 tài liệu, 3 nguyên vẹn" in err
    assert _state(state_file)["phase"] == "done"

    # interrupted while matching keys: resuming checks no document again
    real_objects = sweep.object_findings
    calls = []

    def objects(key, stored, refs):
        calls.append(key)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_objects(key, stored, refs)

    monkeypatch.setattr(sweep, "object_findings", objects)
    assert _sweep(capsys)[0] == 130
    checked[:] = []
    code, found, _ = _sweep(capsys, "--resume")
    assert (code, found, checked) == (9, expected, [])
    # the two finished sweeps are kept; the interrupted ones they superseded are gone
    assert all(_state(p)["phase"] == "done" for p in (home / "verify").glob("sweep-*"))


def test_resume_with_nothing_to_resume_starts_over(warehouse: list[dict], capsys) -> None:
    code, found, err = _sweep(capsys, "--resume")
    assert (code, found) == (0, [])
    assert "Không có lượt kiểm tra dang dở nào" in err


def test_explicit_ids_keep_their_report(warehouse: list[dict], capsys) -> None:
    code, checks, _ = _run(capsys, "verify", warehouse[0]["id"], "--json")
    assert code == 0 and checks[0]["id"] == warehouse[0]["id"] and checks[0]["ok"]
    code, _, err = _run(capsys, "verify", warehouse[0]["id"], "--hash-only")
    assert code == 2 and "--all" in err


def test_merge_walks_both_sorted_streams_once() -> None:
    stored = ["documents/a.json", "documents/a.pdf", "documents/z.pdf", "originals/1.png"]
    refs = [Ref("documents/a.json", "A", "meta"), Ref("documents/a.pdf", "A", "pdf"),
            Ref("documents/b.pdf", "B", "pdf"), Ref("originals/0.png", "A", "original"),
            Ref("originals/0.png", "B", "original")]
    merged = [(key, is_stored, [r.document_id for r in group])
              for key, is_stored, group in sweep.merge_keys(iter(stored), iter(refs))]
    assert merged == [("documents/a.json", True, ["A"]), ("documents/a.pdf", True, ["A"]),
                      ("documents/b.pdf", False, ["B"]), ("documents/z.pdf", True, []),
                      ("originals/0.png", False, ["A", "B"]),
                      ("originals/1.png", True, [])]
    findings = [f for m in sweep.merge_keys(iter(stored), iter(refs))
                for f in sweep.object_findings(*m)]
    assert [(f.kind, f.document_id, f.key) for f in findings] == [
        ("orphan_object", None, "documents/z.pdf"),
        ("missing_original", "A", "originals/0.png"),
        ("missing_original", "B", "originals/0.png"),
        ("orphan_object", None, "originals/1.png")]


def _change_signature_value(path: Path) -> None:
    """One hex digit of the signature value in /Contents changed (the signed bytes not)."""
    data = bytearray(path.read_bytes())
    lt = int(data[data.rindex(b"/ByteRange"):].split(b"[", 1)[1].split()[1])  # "<" there
    gt = data.index(b">", lt)
    at = lt + len(data[lt + 1:gt].rstrip(b"0")) - 20  # the signature value ends the blob
    data[at] = ord("1") if data[at] == ord("0") else ord("0")
    os.chmod(path, 0o644)
    path.write_bytes(bytes(data))


def test_signature_damage_found_alike_in_the_pool_and_in_process(
        warehouse: list[dict], home: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool's workers check signatures as the sweep's own process does: a changed
    signature value, a byte flipped in the signed range, a signer no root vouches for."""
    monkeypatch.setattr(sweep, "POOL_MIN_DOCUMENTS", 0)
    store_dir = home / "store"
    resigned, flipped, *_ = sorted(warehouse, key=lambda d: d["id"])
    _change_signature_value(store_dir / resigned["pdf_key"])
    _flip_byte(store_dir / flipped["pdf_key"])

    code, in_pool, _ = _run(capsys, "verify", "--all", "--json", "--quiet", "--workers", "2")
    assert code == 9
    code, in_process, _ = _sweep(capsys)
    assert code == 9 and in_pool == in_process
    details = {(f["kind"], f["document_id"]): f["detail"] for f in in_pool}
    assert sorted(details) == sorted([("hash_mismatch", resigned["id"]),
                                      ("signature_invalid", resigned["id"]),
                                      ("hash_mismatch", flipped["id"]),
                                      ("signature_invalid", flipped["id"])])
    assert details[("signature_invalid", resigned["id"])].startswith("invalid_signature")
    assert details[("signature_invalid", flipped["id"])].startswith("not_intact")

    # no root configured that vouches for the demo key: every signer is untrusted
    monkeypatch.setenv("SOHOA_SIGNING_P12", str(home / "keys" / "demo-agency.p12"))
    code, untrusted, _ = _run(capsys, "verify", "--all", "--json", "--quiet", "--workers", "2")
    assert code == 9
    intact = sorted(warehouse, key=lambda d: d["id"])[2:]
    assert [(f["kind"], f["document_id"]) for f in untrusted
            if f["kind"] == "signature_untrusted"] == [("signature_untrusted", d["id"])
                                                        for d in intact]


def test_a_lost_digest_sidecar_leaves_the_index_digest(warehouse: list[dict], home: Path,
                                                      capsys) -> None:
    """The PDF and the digest the store recorded are read together; an object whose
    sidecar was lost (a crash between the two writes) is still held to the index's."""
    store_dir = home / "store"
    kept, changed, *_ = sorted(warehouse, key=lambda d: d["id"])
    for doc in (kept, changed):
        (store_dir / ".meta" / f"{doc['pdf_key']}.json").unlink()
    _flip_byte(store_dir / changed["pdf_key"])
    actual = hashlib.sha256((store_dir / changed["pdf_key"]).read_bytes()).hexdigest()
    code, found, _ = _sweep(capsys, "--hash-only")
    assert code == 9
    assert found == [{"kind": "hash_mismatch", "document_id": changed["id"],
                      "key": changed["pdf_key"],
                      "detail": f"stored bytes hash to {actual}, not the index's pdf_sha256 "
                                f"{changed['sha256']}"}]
