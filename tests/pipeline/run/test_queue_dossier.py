"""Queued batches group a dossier's files into papers exactly as a local batch does.

The same folder — a card scanned as front and back in two files (the back's name sorts
first), a birth certificate whose page 2 is another file, a corrupt file — is digitized
once by a local ``batch`` and once through the queue (dramatiq's stub broker with an
in-process worker; the real Redis and RabbitMQ with a worker process), each into its own
SOHOA_HOME. The stored papers must
be the same: ids, types, fields, owners, originals, page counts and the signed PDFs'
text; and so must the summary counts and problems. A web upload through the queue groups
the same way, and a dossier assembly delivered again after a crash stores nothing twice.

The OCR engine is the scripted "ink" engine (``tests/pipeline/ink.py``): every stage
after OCR is real.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from common.settings import Settings
from reuse_index import ReuseIndex
from storage import done_key
from storage.local import LocalStore
from tests.conftest import REPO, run_cli
from tests.pipeline.ink import page

CARD = "000.00.19.H12-261122-0021"
BIRTH = "000.00.19.H12-261122-0022"
ARGS = ["--procedure", "1.001193", "--agency", "H12.19", "--engine", "ink", "--json",
        "--quiet", "--workers", "1"]
SIGNED_AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")  # the stamp's time
SUMMARY_KEYS = ("dossiers", "done", "failed", "partial", "files", "files_failed",
                "not_taken", "pages")


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    root = tmp_path / "lo-2026-11-22"
    (root / CARD).mkdir(parents=True)
    (root / BIRTH).mkdir()
    page(root / CARD / "mat_truoc.png", 4)
    page(root / CARD / "mat_sau.png", 8)  # sorts first: the card is scanned back first
    page(root / BIRTH / "khai_sinh.png", 14)
    page(root / BIRTH / "trang_2.png", 11)  # untitled: continues the birth certificate
    (root / BIRTH / "hong.pdf").write_bytes(b"%PDF-1.4 truncated")
    return root


def use_home(monkeypatch: pytest.MonkeyPatch, home: Path, capsys, **env: str) -> None:
    """Point this process at ``home`` (with demo keys) and the given SOHOA_* settings."""
    for key in list(os.environ):
        if key.startswith("SOHOA_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SOHOA_HOME", str(home))
    monkeypatch.setenv("SOHOA_USER", "can-bo-mot-cua")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if not (home / "keys").exists():
        assert run_cli(capsys, "keys", "demo")[0] == 0


def papers(home: Path, tmp: Path) -> list[dict[str, Any]]:
    """What a user would compare of every stored paper: everything but the signing time
    (and so the signed PDF's hash), with the signed PDF's page count and text."""
    from pipeline.run.submit import open_store_checked

    store = open_store_checked(Settings.load({"SOHOA_HOME": str(home)}))
    out = []
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        for rec in sorted(index.iter_documents(), key=lambda r: r.id):
            pdf = store.download(rec.pdf_key, tmp / f"{rec.id}-{secrets.token_hex(3)}.pdf")
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                                  capture_output=True, text=True).stdout
            metadata = {k: v for k, v in rec.metadata.items()
                        if k not in ("NgaySoHoa", "SHA256")}
            out.append({"id": rec.id, "type": rec.doc_type, "owner": (rec.owner_id,
                                                                      rec.owner_name),
                        "fields": rec.fields, "originals": rec.original_sha256s,
                        "original_keys": rec.original_keys, "pages": rec.pages,
                        "dossier": rec.dossier_code, "valid_until": rec.valid_until,
                        "metadata": metadata,
                        "pdf_text": SIGNED_AT.sub("…", text)})
    return out


def problems(summary: dict) -> list[tuple]:
    return sorted((p["dossier"], p["source"], p["page"], p["code"], p["message"])
                  for p in summary["problems"])


def local_batch(monkeypatch, tmp_path: Path, stack: Path, capsys) -> tuple[dict, list, dict]:
    """The local batch in its own home: (summary, papers, a rerun's summary)."""
    home = tmp_path / "home-local"
    use_home(monkeypatch, home, capsys)
    code, summary, err = run_cli(capsys, "batch", str(stack), *ARGS)
    assert code == 2 and summary, err  # the corrupt file is reported
    code, again, _ = run_cli(capsys, "batch", str(stack), *ARGS)
    return summary, papers(home, tmp_path), again


def check_local(summary: dict, stored: list[dict]) -> None:
    """The local batch itself groups as `sohoa scan` does (the reference is right)."""
    assert summary["documents"] == 2 and summary["files"] == 5
    assert summary["files_failed"] == 1 and summary["partial"] == 1
    assert [(p["type"], p["dossier"], len(p["originals"]), p["pages"]) for p in
            sorted(stored, key=lambda p: p["dossier"])] == [
        ("can_cuoc", CARD, 2, 2), ("giay_khai_sinh", BIRTH, 2, 2)]
    card = next(p for p in stored if p["type"] == "can_cuoc")
    assert card["owner"][0] == "001190012345"


def check_same(local: tuple[dict, list, dict], queued_summary: dict, queued: list[dict],
               queued_again: dict) -> None:
    summary, stored, again = local
    assert queued_summary["queued"] and queued_summary["documents"] == 0
    assert {k: queued_summary[k] for k in SUMMARY_KEYS} == {k: summary[k] for k in SUMMARY_KEYS}
    assert problems(queued_summary) == problems(summary)
    assert [p["id"] for p in queued] == [p["id"] for p in stored]
    for got, want in zip(queued, stored, strict=True):
        assert {k: v for k, v in got.items() if got[k] != want[k]} == \
            {k: v for k, v in want.items() if got[k] != want[k]}
    # a rerun finds every paper (once each, a card of two files included), redoes nothing
    assert queued_again["skipped"] == again["skipped"] == 2
    assert queued_again["pages"] == 0 and again["documents"] == 0


# -- the stub broker, an in-process worker ------------------------------------------------------


@pytest.fixture
def stub_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from pipeline.run import queue

    monkeypatch.setattr(queue, "_CONTEXT", None)  # a worker context for this test's home
    queue.broker.flush_all()
    yield queue
    queue.broker.flush_all()


def drain(queue: Any, *, fail_fast: bool = True) -> None:
    """Run an in-process worker until the page and assembly queues are empty
    (``fail_fast``: raise a message's error once it is out of retries)."""
    import dramatiq

    worker = dramatiq.Worker(queue.broker, worker_timeout=100, worker_threads=1)
    worker.start()
    try:
        for _ in range(3):  # pages queue assemblies: join both until both stay empty
            queue.broker.join(queue.PAGE_QUEUE, timeout=120_000, fail_fast=fail_fast)
            queue.broker.join(queue.ASSEMBLE_QUEUE, timeout=120_000, fail_fast=fail_fast)
        worker.join()
    finally:
        worker.stop()


def test_queued_batch_groups_a_dossier_like_the_local_batch(
        tmp_path: Path, stack: Path, capsys, monkeypatch: pytest.MonkeyPatch,
        stub_queue: Any) -> None:
    local = local_batch(monkeypatch, tmp_path, stack, capsys)
    check_local(local[0], local[1])

    home = tmp_path / "home-queued"
    use_home(monkeypatch, home, capsys, SOHOA_BROKER_URL="stub://", SOHOA_OCR_ENGINE="ink")
    code, summary, err = run_cli(capsys, "batch", str(stack), *ARGS)
    assert code == 2 and summary["pages"] == 4, err
    # the clerk's summary counts the failed file, in Vietnamese, with no English log line
    assert "2 hồ sơ: 2 đã xếp hàng (1 còn tệp lỗi), 0 lỗi; 5 tệp: 1 tệp lỗi" in err
    assert "4 trang đã xếp hàng" in err and "hong.pdf" in err and "WARNING" not in err
    # pages fan out one message each; the dossier's assembly waits for its last page
    assert stub_queue.broker.queues[stub_queue.PAGE_QUEUE].qsize() == 4
    drain(stub_queue)
    code, status, _ = run_cli(capsys, "status", "--json")
    assert status["files"]["done"] == 4 and status["pages"]["done"] == 4
    assert status["problems"] == [] and status["documents"] == 2
    stored = papers(home, tmp_path)
    code, again, _ = run_cli(capsys, "batch", str(stack), *ARGS)
    check_same(local, summary, stored, again)
    assert stub_queue.broker.queues[stub_queue.PAGE_QUEUE].qsize() == 0


def reuse_events(home: Path) -> list[tuple]:
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        return sorted((e.dossier_code, e.document_id, e.detail["found_by"])
                      for e in index.events(kind="reused"))


def test_the_same_card_copied_into_another_dossier_is_reused_there_as_locally(
        tmp_path: Path, stack: Path, capsys, monkeypatch: pytest.MonkeyPatch,
        stub_queue: Any) -> None:
    """The card's files copied (same bytes) into a third dossier of the batch: locally the
    third dossier finds the card stored and links it by reuse; queued, both dossiers are
    in flight at once, and the result must be the same."""
    copy = stack / "000.00.19.H12-261122-0023"
    copy.mkdir()
    for name, new in (("mat_sau.png", "cccd_2.png"), ("mat_truoc.png", "cccd_1.png")):
        (copy / new).write_bytes((stack / CARD / name).read_bytes())
    local_home = tmp_path / "home-local"
    local = local_batch(monkeypatch, tmp_path, stack, capsys)
    assert local[0]["skipped"] == 1  # the card, once, though it came as two files
    home = tmp_path / "home-queued"
    use_home(monkeypatch, home, capsys, SOHOA_BROKER_URL="stub://", SOHOA_OCR_ENGINE="ink")
    run_cli(capsys, "batch", str(stack), *ARGS)
    drain(stub_queue)
    assert papers(home, tmp_path) == local[1]
    assert reuse_events(home) == reuse_events(local_home) != []


def test_a_dossier_assembly_delivered_again_stores_nothing_twice(
        tmp_path: Path, stack: Path, capsys, monkeypatch: pytest.MonkeyPatch,
        stub_queue: Any) -> None:
    """A worker killed after indexing the card but before marking its files done: the
    assembly message comes again (and, racing, twice); the card is found, not redone."""
    home = tmp_path / "home"
    use_home(monkeypatch, home, capsys, SOHOA_BROKER_URL="stub://", SOHOA_OCR_ENGINE="ink")
    run_cli(capsys, "batch", str(stack), *ARGS)
    drain(stub_queue)
    before = papers(home, tmp_path)
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        card = index.search(doc_type="can_cuoc")[0]
    group = [[sha, key, name] for sha, key, name in zip(
        card.original_sha256s, card.original_keys, ("mat_truoc.png", "mat_sau.png"),
        strict=True)]
    store = LocalStore(home / "store")
    for sha in card.original_sha256s:  # the done markers were never written
        assert store.exists(done_key(sha))
        store._path(done_key(sha)).unlink()  # noqa: SLF001 - a crash, not an API
        store._meta_path(done_key(sha)).unlink(missing_ok=True)  # noqa: SLF001
        assert not store.exists(done_key(sha))
    request = {"dossier": CARD, "procedure": "1.001193", "agency": "H12.19",
               "agency_name": "H12.19", "actor": "can-bo-mot-cua"}
    stub_queue.assemble_dossier.send(group, request)
    stub_queue.assemble_dossier.send(group, request)
    drain(stub_queue)
    assert papers(home, tmp_path) == before
    code, status, _ = run_cli(capsys, "status", "--json")
    assert status["files"]["done"] == 4 and status["problems"] == []
    assert all(store.exists(done_key(sha)) for sha in card.original_sha256s)


def test_a_file_whose_pages_cannot_be_loaded_fails_alone(
        tmp_path: Path, stack: Path, capsys, monkeypatch: pytest.MonkeyPatch,
        stub_queue: Any) -> None:
    """One original of a dossier lost its page results for good: that file is failed
    (with the reason, in `status`), the dossier's other file is still stored."""
    from pipeline.run import work

    home = tmp_path / "home"
    use_home(monkeypatch, home, capsys, SOHOA_BROKER_URL="stub://", SOHOA_OCR_ENGINE="ink")
    run_cli(capsys, "batch", str(stack), *ARGS)
    real = work.load_pages
    back = subprocess.run(["sha256sum", str(stack / CARD / "mat_sau.png")], check=True,
                          capture_output=True, text=True).stdout.split()[0]

    def lossy(store, sha256, total, tmp):  # noqa: ANN001
        if sha256 == back:
            from storage.errors import ObjectNotFoundError

            raise ObjectNotFoundError(detail="work/…/page.json")
        return real(store, sha256, total, tmp)

    monkeypatch.setattr(work, "load_pages", lossy)
    drain(stub_queue)
    code, status, _ = run_cli(capsys, "status", "--json")
    assert status["files"]["failed"] == 1 and status["files"]["done"] == 3
    [problem] = status["problems"]
    assert (problem["dossier"], problem["source"], problem["page"]) == (CARD, "mat_sau.png",
                                                                        None)
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        card = index.search(doc_type="can_cuoc")
        assert len(card) == 1 and len(card[0].original_sha256s) == 1  # the front alone


def test_a_dossier_assembly_out_of_retries_shows_every_file_dead(
        tmp_path: Path, stack: Path, capsys, monkeypatch: pytest.MonkeyPatch,
        stub_queue: Any) -> None:
    """The store stays unreachable while a dossier is assembled: retried, then
    dead-lettered; `status` shows each of the dossier's files dead, and a rerun of the
    batch (store back) finishes it."""
    from pipeline.run import work
    from storage.errors import StoreUnavailableError

    home = tmp_path / "home"
    use_home(monkeypatch, home, capsys, SOHOA_BROKER_URL="stub://", SOHOA_OCR_ENGINE="ink")
    monkeypatch.setitem(stub_queue.assemble_dossier.options, "max_retries", 1)
    monkeypatch.setitem(stub_queue.assemble_dossier.options, "min_backoff", 10)
    monkeypatch.setitem(stub_queue.assemble_dossier.options, "max_backoff", 20)
    run_cli(capsys, "batch", str(stack), *ARGS)
    real = work.load_pages

    def down(*args, **kwargs):  # noqa: ANN002, ANN003
        raise StoreUnavailableError(detail="connection refused")

    monkeypatch.setattr(work, "load_pages", down)
    drain(stub_queue, fail_fast=False)
    code, status, _ = run_cli(capsys, "status", "--json")
    assert status["files"]["dead"] == 4 and status["pages"]["done"] == 4
    assert sorted((p["dossier"], p["source"]) for p in status["problems"]) == [
        (CARD, "mat_sau.png"), (CARD, "mat_truoc.png"), (BIRTH, "khai_sinh.png"),
        (BIRTH, "trang_2.png")]
    monkeypatch.setattr(work, "load_pages", real)
    code, again, _ = run_cli(capsys, "batch", str(stack), *ARGS)
    assert again["pages"] == 4  # nothing sent but the two assemblies
    assert stub_queue.broker.queues[stub_queue.PAGE_QUEUE].qsize() == 0
    drain(stub_queue, fail_fast=False)  # the stub broker keeps the earlier dead letters
    code, status, _ = run_cli(capsys, "status", "--json")
    assert status["files"]["done"] == 4 and status["documents"] == 2
    assert status["problems"] == []


def counter_upload(home: Path, files: list[Path], queue: Any, *,
                   between: Any = None) -> tuple[dict, dict]:
    """A counter account uploads ``files`` as one dossier through the web API; the job is
    followed until handed to the workers, the workers run, and it is followed again.
    Returns (the job when handed over, the job after the workers)."""
    from fastapi.testclient import TestClient

    from web import security
    from web.app import create_app

    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        index.accounts.add("motcua", display_name="Một cửa",
                           password_hash=security.hash_password("mat-khau-2026"),
                           roles=["counter"])
        token_id, token = security.new_api_token()
        index.accounts.add_token(token_id, token_sha256=security.digest(token),
                                 username="motcua", label="test", expires_at=None)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(Settings.load())) as client:
        response = client.post("/api/scans", headers=headers, data={
            "dossier_code": CARD, "procedure_code": "1.001193", "agency_code": "H12.19"},
            files=[("files", (f.name, f.read_bytes(), "image/png")) for f in files])
        assert response.status_code == 202, response.text
        job = response.json()
        for _ in range(300):
            job = client.get(f"/api/scans/{job['id']}", headers=headers).json()
            if job["state"] not in ("queued", "running"):
                break
            time.sleep(0.1)
        drain(queue, fail_fast=False)
        return job, client.get(f"/api/scans/{job['id']}", headers=headers).json()


def test_a_web_upload_through_the_queue_groups_the_card(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, stub_queue: Any) -> None:
    home = tmp_path / "home"
    use_home(monkeypatch, home, capsys, SOHOA_BROKER_URL="stub://", SOHOA_OCR_ENGINE="ink")
    front, back = page(tmp_path / "truoc.png", 4), page(tmp_path / "sau.png", 8)
    handed, job = counter_upload(home, [back, front], stub_queue)
    assert handed["state"] == "queued_to_workers" and handed["pages_total"] == 2, handed
    assert handed["pages_done"] == 0 and handed["documents"] == []
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        [card] = list(index.iter_documents())
    assert card.doc_type == "can_cuoc" and card.owner_id == "001190012345"
    assert len(card.original_sha256s) == 2 and card.pages == 2
    # following the job after the workers are done: the card, whole, and no problem
    assert job["state"] == "done" and job["pages_done"] == 2 and job["problems"] == []
    assert job["documents"] == [{"id": card.id, "type": "can_cuoc", "source": "truoc.png",
                                 "pages": 2, "skipped": False}]


def test_a_web_upload_whose_file_fails_in_the_workers_says_which(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, stub_queue: Any) -> None:
    from pipeline.run import work
    from storage.errors import ObjectNotFoundError

    home = tmp_path / "home"
    use_home(monkeypatch, home, capsys, SOHOA_BROKER_URL="stub://", SOHOA_OCR_ENGINE="ink")
    front, back = page(tmp_path / "truoc.png", 4), page(tmp_path / "sau.png", 8)
    lost = subprocess.run(["sha256sum", str(back)], check=True, capture_output=True,
                          text=True).stdout.split()[0]
    real = work.load_pages

    def lossy(store, sha256, total, tmp):  # noqa: ANN001
        if sha256 == lost:
            raise ObjectNotFoundError(detail="work/…/page.json")
        return real(store, sha256, total, tmp)

    monkeypatch.setattr(work, "load_pages", lossy)
    _, job = counter_upload(home, [back, front], stub_queue)
    assert job["state"] == "done" and [d["source"] for d in job["documents"]] == ["truoc.png"]
    [problem] = job["problems"]
    assert problem["source"] == "sau.png" and problem["code"] == "WorkFailed"
    assert problem["message"].startswith("sau.png: ") and str(home) not in str(job)


# -- the real brokers, a worker process ---------------------------------------------------------


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


def _rabbit_up() -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", 5672)) == 0


def _cli(env: dict, *argv: str, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *argv], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def _cleanup(broker: str, env: dict) -> None:
    if broker == "redis":
        import redis

        client = redis.Redis(host="127.0.0.1", port=6379)
        for key in client.scan_iter(f"{env['SOHOA_BROKER_NAMESPACE']}:*"):
            client.delete(key)
        return
    import pika

    prefix = env["SOHOA_QUEUE_PREFIX"]
    with pika.BlockingConnection(pika.URLParameters(env["SOHOA_BROKER_URL"])) as conn:
        channel = conn.channel()
        for queue in (f"{prefix}-pages", f"{prefix}-assemble"):
            for suffix in ("", ".DQ", ".XQ"):
                channel.queue_delete(queue + suffix)


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.timeout(600)
@pytest.mark.parametrize("broker", [
    pytest.param("redis", marks=pytest.mark.skipif(not _redis_up(),
                                                   reason="Redis not running on 127.0.0.1:6379")),
    pytest.param("rabbitmq", marks=pytest.mark.skipif(
        not _rabbit_up(), reason="RabbitMQ not running on 127.0.0.1:5672"))])
def test_queued_batch_on_a_real_broker_matches_the_local_batch(
        broker: str, tmp_path: Path, stack: Path, capsys,
        monkeypatch: pytest.MonkeyPatch) -> None:
    local = local_batch(monkeypatch, tmp_path, stack, capsys)
    check_local(local[0], local[1])

    home = tmp_path / "home-queued"
    use_home(monkeypatch, home, capsys)  # its demo keys, for the worker to sign with
    tag = f"sohoa-test-{secrets.token_hex(4)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_USER="can-bo-mot-cua", PYTHONPATH=str(REPO),
               SOHOA_OCR_ENGINE="ink", OMP_THREAD_LIMIT="1")
    if broker == "redis":
        env.update(SOHOA_BROKER_URL="redis://127.0.0.1:6379/0", SOHOA_BROKER_NAMESPACE=tag)
    else:
        env.update(SOHOA_BROKER_URL="amqp://guest:guest@127.0.0.1:5672/%2F",
                   SOHOA_QUEUE_PREFIX=tag)
    log = tmp_path / "worker.log"
    worker = None
    try:
        out = _cli(env, "batch", str(stack), *ARGS)
        assert out.returncode == 2, out.stderr
        summary = json.loads(out.stdout)
        # the worker process knows the "ink" engine by importing its module beside the actors
        worker = subprocess.Popen(
            [sys.executable, "-m", "dramatiq", "pipeline.run.queue", "tests.pipeline.ink",
             "--processes", "1", "--threads", "1"], env=env, cwd=REPO,
            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status = json.loads(_cli(env, "status", "--json").stdout)
            if status["files"]["done"] + status["files"]["failed"] >= 4:
                break
            time.sleep(1)
        assert status["files"]["done"] == 4 and status["pages"]["done"] == 4, \
            log.read_text()[-3000:]
        assert status["problems"] == [] and status["dead_lettered"] == 0
        again = json.loads(_cli(env, "batch", str(stack), *ARGS).stdout)
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)
        _cleanup(broker, env)
    check_same(local, summary, papers(home, tmp_path), again)
