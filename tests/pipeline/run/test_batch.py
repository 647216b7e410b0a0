"""`sohoa batch` / `worker` / `status`: a folder of dossiers, locally and through dramatiq.

Fast tests use the fake OCR engine and dramatiq's stub broker; the crash-safety test runs
real workers on the real Redis on 127.0.0.1:6379, kills one with SIGKILL mid-dossier (a
dossier of two files, assembled together) and checks that it completes exactly once.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli import main
from reuse_index import ReuseIndex
from tests.conftest import REPO, lined_page
from tests.conftest import run_cli as _run

ROOT = REPO


@pytest.fixture
def home(home: Path) -> Path:
    """The shared clean SOHOA_HOME, with demo signing keys."""
    assert main(["keys", "demo"]) == 0
    return home


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    """Three dossiers: two good, one with a corrupt file beside a good one, plus a
    folder with no scans; a manifest for one of them."""
    root = tmp_path / "2026-11-22"
    for code, shades in (("H12-0001", (20, 30)), ("H12-0002", (40,)), ("H12-0003", (50,))):
        (root / code).mkdir(parents=True)
        for i, shade in enumerate(shades):
            lined_page(root / code / f"trang{i}.png", shade)
    (root / "H12-0003" / "hong.pdf").write_bytes(b"%PDF-1.4 truncated")
    (root / "H12-0004").mkdir()
    (root / "manifest.csv").write_text(
        "ma_ho_so,ma_tthc,ma_co_quan,ma_thanh_phan,ngay_nhan,kenh\n"
        "H12-0001,1.001193,H12.19,TP1,2026-11-20 08:30:00,3\n", encoding="utf-8")
    return root


ARGS = ["--procedure", "1.004873", "--agency", "H12.19", "--engine", "fake", "--json",
        "--quiet", "--workers", "1", "--allow-legacy-code"]  # short folder names here


def test_local_batch_summary_rerun_and_manifest(home: Path, stack: Path, capsys) -> None:
    code, out, err = _run(capsys, "batch", str(stack), *ARGS)
    assert code == 2  # a corrupt file and an empty folder are reported
    assert out["dossiers"] == 4 and out["done"] == 3 and out["failed"] == 1
    # H12-0001's two untitled pages are one paper across its two files (as `ocr` groups)
    assert out["documents"] == 3 and out["skipped"] == 0 and out["pages"] == 4
    problems = {(p["dossier"], p["source"]) for p in out["problems"]}
    assert ("H12-0003", "hong.pdf") in problems and any(d == "H12-0004" for d, _ in problems)
    assert "hong.pdf" in err and "H12-0004" in err
    # the failed file is counted, and its dossier is done only in part
    assert out["files"] == 5 and out["files_failed"] == 1 and out["partial"] == 1
    assert "3 xong (1 còn tệp lỗi), 1 lỗi" in err and "5 tệp: 1 tệp lỗi" in err
    assert "WARNING" not in err and " failed" not in err  # no English log at the default level

    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        d1 = index.get_dossier("H12-0001")
        assert d1.procedure_code == "1.001193" and d1.channel == 3
        assert d1.received_at.isoformat().startswith("2026-11-20T01:30")  # 08:30 UTC+7
        d2 = index.get_dossier("H12-0002")
        assert d2.procedure_code == "1.004873" and d2.channel == 1
        assert index.count_documents() == 3

    code, again, _ = _run(capsys, "batch", str(stack), *ARGS)
    assert again["documents"] == 0 and again["skipped"] == 3  # nothing redone
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        assert index.count_documents() == 3


def test_scans_at_the_top_of_the_batch_are_a_clear_error(home: Path, stack: Path,
                                                         capsys) -> None:
    lined_page(stack / "cccd.png", 20)
    code, out, err = _run(capsys, "batch", str(stack), *ARGS)
    assert code == 2 and out is None
    assert "thư mục con" in err and "cccd.png" in err and "WARNING" not in err
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        assert index.count_documents() == 0  # nothing half-taken


def test_every_file_not_taken_is_listed(home: Path, stack: Path, capsys) -> None:
    (stack / "H12-0002" / "ghichu.txt").write_text("gọi lại chị Lan", encoding="utf-8")
    (stack / "H12-0002" / "cu").mkdir()
    (stack / "H12-0002" / ".DS_Store").write_bytes(b"x")  # the system's, not the clerk's
    (stack / "danh_sach.xlsx").write_bytes(b"x")
    code, out, err = _run(capsys, "batch", str(stack), *ARGS)
    taken = {(p["dossier"], p["source"]) for p in out["problems"] if p["code"] == "NotTaken"}
    assert taken == {("H12-0002", "ghichu.txt"), ("H12-0002", "cu"), ("", "danh_sach.xlsx")}
    assert out["not_taken"] == 3 and code == 2 and "ghichu.txt" in err


def test_status_after_a_local_run(home: Path, stack: Path, capsys) -> None:
    code, status, _ = _run(capsys, "status", "--json")
    assert status["local_runs"] == [] and status["documents"] == 0
    _run(capsys, "batch", str(stack), *ARGS)
    code, status, _ = _run(capsys, "status", "--json")
    assert code == 0 and status["documents"] == 3
    [run] = status["local_runs"]
    assert run["kind"] == "batch" and run["files"] == 5 and run["files_failed"] == 1
    assert run["target"] == str(stack)
    from cli import main

    assert main(["status"]) == 0
    shown = capsys.readouterr().out
    assert "Kho: 3 giấy tờ đã số hoá." in shown and "5 tệp (1 lỗi" in shown
    assert "hong.pdf" in shown and "queued" not in shown


def test_bad_manifest_is_a_clear_error(home: Path, stack: Path, capsys) -> None:
    (stack / "manifest.csv").write_text("ma_ho_so,kenh\nH12-0001,7\n", encoding="utf-8")
    code, _, err = _run(capsys, "batch", str(stack), *ARGS)
    assert code == 2 and "manifest.csv" in err and "kênh" in err


def test_interrupted_batch_is_finished_by_a_rerun(home: Path, stack: Path, capsys,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import scan as dossier

    real = dossier.DossierScanner._store_document
    calls = {"n": 0}

    def flaky(self, *a, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the second file
        return real(self, *a, **kw)

    monkeypatch.setattr(dossier.DossierScanner, "_store_document", flaky)
    code, out, err = _run(capsys, "batch", str(stack), *ARGS)
    # the first dossier's paper (its two files) was stored and reported before the Ctrl-C
    assert code == 130 and out["interrupted"] and out["documents"] == 1
    assert "Chạy lại" in err
    monkeypatch.setattr(dossier.DossierScanner, "_store_document", real)
    code, out, _ = _run(capsys, "batch", str(stack), *ARGS)
    assert out["documents"] == 2 and out["skipped"] == 1
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        assert index.count_documents() == 3


def test_queued_batch_runs_on_dramatiq_workers(home: Path, stack: Path, capsys,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The same batch through dramatiq (stub broker, in-process worker): pages fan out,
    each original is assembled once its pages are done, status counts it all."""
    import dramatiq

    from pipeline.run import queue

    monkeypatch.setattr(queue, "_CONTEXT", None)
    monkeypatch.setenv("SOHOA_ENGINE", "fake")
    monkeypatch.setenv("SOHOA_BROKER_URL", "stub://")  # the CLI queues; the stub broker takes it
    broker = queue.broker
    broker.flush_all()
    code, out, _ = _run(capsys, "batch", str(stack), *ARGS)
    assert out["queued"] and out["pages"] == 4 and out["documents"] == 0
    code, status, _ = _run(capsys, "status", "--json")
    assert status["pages"]["queued"] == 4 and status["files"]["queued"] == 4

    worker = dramatiq.Worker(broker, worker_timeout=100, worker_threads=1)
    worker.start()
    try:
        broker.join(queue.PAGE_QUEUE, timeout=60_000)
        broker.join(queue.ASSEMBLE_QUEUE, timeout=60_000)
        worker.join()
    finally:
        worker.stop()
    code, status, _ = _run(capsys, "status", "--json")
    assert status["pages"]["done"] == 4 and status["files"]["done"] == 4
    assert status["dead_lettered"] == 0 and status["problems"] == []
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        # H12-0001's two untitled pages are one paper across its two files, as locally
        assert index.count_documents() == 3
        assert {r.dossier_code for r in index.iter_documents()} == \
            {"H12-0001", "H12-0002", "H12-0003"}

    # queued again: every original is found done (3 papers), nothing is sent
    code, again, _ = _run(capsys, "batch", str(stack), *ARGS)
    assert again["skipped"] == 3 and again["files"] == 5
    assert broker.queues[queue.PAGE_QUEUE].qsize() == 0


# -- crash safety on the real Redis --------------------------------------------------------------


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


def _status(env: dict) -> dict:
    out = subprocess.run([sys.executable, "-m", "cli", "status", "--json"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    return json.loads(out.stdout)


def _start_worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "worker", "--processes", "1"],
                            env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.timeout(600)
@pytest.mark.skipif(not _redis_up(), reason="Redis not running on 127.0.0.1:6379")
def test_sigkill_mid_dossier_completes_exactly_once(home: Path, tmp_path: Path) -> None:
    from tests.scangen import make_sample
    from tests.scangen.samples import _encode, _merge_pdfs

    root = tmp_path / "lo"
    (root / "H12-0100").mkdir(parents=True)
    pages = [make_sample(600 + i, doc_type=t, level="clean")
             for i, t in enumerate(("giay_khai_sinh", "giay_chung_nhan_ket_hon",
                                    "giay_xac_nhan_tinh_trang_hon_nhan", "van_ban_hanh_chinh",
                                    "giay_khai_sinh", "to_khai"))]
    for name, part in (("ho_so_1.pdf", pages[:3]), ("ho_so_2.pdf", pages[3:])):
        _merge_pdfs([_encode(p.image, "pdf", p.truth.dpi) for p in part],
                    root / "H12-0100" / name)  # one dossier in two files: assembled together

    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_USER="can-bo", PYTHONPATH=str(ROOT),
               SOHOA_BROKER_URL="redis://127.0.0.1:6379/0",
               SOHOA_BROKER_NAMESPACE=f"sohoa-test-{secrets.token_hex(4)}",
               SOHOA_BROKER_HEARTBEAT_MS="3000")
    out = subprocess.run([sys.executable, "-m", "cli", "batch", str(root), "--procedure",
                          "1.004873", "--agency", "H12.19", "--json", "--quiet",
                          "--allow-legacy-code"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["pages"] == 6

    log = tmp_path / "workers.log"
    first = _start_worker(env, log)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:  # wait until the dossier is part done
            done = _status(env)["pages"]["done"]
            if 1 <= done < 6:
                break
            time.sleep(0.5)
        assert 1 <= done < 6, f"no page done in time: {log.read_text()[-2000:]}"
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its children, no cleanup
        first.wait(timeout=30)

    second = _start_worker(env, log)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status = _status(env)
            if status["files"]["done"] == 2:
                break
            time.sleep(1)
        assert status["files"]["done"] == 2, log.read_text()[-3000:]
        assert status["pages"]["done"] == 6 and status["dead_lettered"] == 0
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=60)

    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        docs = list(index.iter_documents())
    assert len(docs) == len({d.id for d in docs}) >= 5  # each paper once
    assert sum(d.pages for d in docs) == 6  # no page lost
    stored = sorted((home / "store" / "documents").rglob("*.pdf"))
    assert len(stored) == len(docs)  # no duplicate in the store either


def _rabbit_up() -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", 5672)) == 0


@pytest.mark.integration
@pytest.mark.timeout(300)
@pytest.mark.skipif(not _rabbit_up(), reason="RabbitMQ not running on 127.0.0.1:5672")
def test_queued_batch_on_rabbitmq(home: Path, stack: Path, tmp_path: Path) -> None:
    """The same queued batch through the real RabbitMQ broker and a worker process."""
    import pika

    prefix = f"sohoa-test-{secrets.token_hex(4)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_USER="can-bo", PYTHONPATH=str(ROOT),
               SOHOA_BROKER_URL="amqp://guest:guest@127.0.0.1:5672/%2F",
               SOHOA_QUEUE_PREFIX=prefix, SOHOA_ENGINE="fake")
    out = subprocess.run([sys.executable, "-m", "cli", "batch", str(stack), "--procedure",
                          "1.004873", "--agency", "H12.19", "--json", "--quiet",
                          "--allow-legacy-code"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    summary = json.loads(out.stdout)
    assert summary["queued"] and summary["pages"] == 4, out.stderr
    queues = _status(env)["queues"]
    assert queues[f"{prefix}-pages"]["ready"] == 4 and queues[f"{prefix}-assemble"]["ready"] == 0
    log = tmp_path / "worker.log"
    worker = _start_worker(env, log)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _status(env)["files"]["done"] < 4:
            time.sleep(1)
        status = _status(env)
        assert status["files"]["done"] == 4 and status["pages"]["done"] == 4, \
            log.read_text()[-3000:]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        with pika.BlockingConnection(pika.URLParameters(env["SOHOA_BROKER_URL"])) as conn:
            channel = conn.channel()
            for queue in (f"{prefix}-pages", f"{prefix}-assemble"):
                for suffix in ("", ".DQ", ".XQ"):
                    channel.queue_delete(queue + suffix)
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        assert index.count_documents() == 3  # H12-0001's two files: one paper


def test_worker_metrics_and_broker_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    from dramatiq.brokers.rabbitmq import RabbitmqBroker
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.middleware.prometheus import Prometheus

    from common.settings import Settings
    from pipeline.run import queue

    monkeypatch.setenv("SOHOA_METRICS_PORT", "9391")
    monkeypatch.delenv("dramatiq_prom_host", raising=False)
    settings = Settings.load()  # the broker is built from settings, not the environment
    broker = queue.make_broker("redis://127.0.0.1:6379/0", settings)
    assert isinstance(broker, RedisBroker)
    assert any(isinstance(m, Prometheus) for m in broker.middleware)
    assert any(isinstance(m, queue.WorkStatus) for m in broker.middleware)
    assert os.environ["dramatiq_prom_host"] == "127.0.0.1"  # noqa: SIM112 (dramatiq name)
    assert isinstance(queue.make_broker("amqp://guest:guest@127.0.0.1:5672/%2F"),
                      RabbitmqBroker)
    with pytest.raises(ValueError, match="redis"):
        queue.make_broker("kafka://x")


def test_worker_needs_a_broker(home: Path, capsys) -> None:
    code, _, err = _run(capsys, "worker")
    assert code == 2 and "SOHOA_BROKER_URL" in err


def _queue_one_page(stack: Path, capsys, monkeypatch: pytest.MonkeyPatch):
    """The stack cut to one dossier of one page, queued on the stub broker (fake engine);
    the broker is returned."""
    from pipeline.run import queue

    monkeypatch.setattr(queue, "_CONTEXT", None)
    monkeypatch.setenv("SOHOA_ENGINE", "fake")
    monkeypatch.setenv("SOHOA_BROKER_URL", "stub://")
    broker = queue.broker
    broker.flush_all()
    for folder in ("H12-0001", "H12-0003", "H12-0004"):
        shutil.rmtree(stack / folder)
    (stack / "manifest.csv").unlink()
    _, out, _ = _run(capsys, "batch", str(stack), *ARGS)
    assert out["pages"] == 1
    return broker


def _drain(broker, *queues: str, fail_fast: bool = True) -> None:
    """An in-process dramatiq worker until ``queues`` are empty."""
    import dramatiq

    worker = dramatiq.Worker(broker, worker_timeout=100, worker_threads=1)
    worker.start()
    try:
        for name in queues:
            broker.join(name, timeout=30_000, fail_fast=fail_fast)
        worker.join()
    finally:
        worker.stop()


def test_store_outage_is_retried_then_dead_lettered_and_shown(
        home: Path, stack: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """An object store that stays unreachable: the page is retried (transient), and when
    retries run out it is dead-lettered and `status` shows it with the error."""
    from pipeline.run import queue, work
    from storage.errors import StoreUnavailableError

    monkeypatch.setitem(queue.ocr_page.options, "max_retries", 1)
    monkeypatch.setitem(queue.ocr_page.options, "min_backoff", 10)
    monkeypatch.setitem(queue.ocr_page.options, "max_backoff", 20)
    broker = _queue_one_page(stack, capsys, monkeypatch)

    attempts = {"n": 0}

    def down(*args, **kwargs):
        attempts["n"] += 1
        raise StoreUnavailableError(detail="connection refused")

    monkeypatch.setattr(work, "run_page", down)
    _drain(broker, queue.PAGE_QUEUE, fail_fast=False)
    assert attempts["n"] == 2  # the first try and one retry
    code, status, _ = _run(capsys, "status", "--json")
    assert status["pages"]["dead"] == 1 and status["dead_lettered"] == 1
    assert status["problems"][0]["state"] == "dead"
    assert status["problems"][0]["dossier"] == "H12-0002"


def test_a_page_whose_worker_keeps_dying_is_failed_not_redelivered_for_ever(
        home: Path, stack: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tesseract runs inside the worker: a page that crashes it kills the worker before
    any handler runs, and the broker hands the message to the next worker. A page found
    ``running`` after CRASH_LIMIT such tries is failed with a clear error, and its
    dossier's assembly goes on without it."""
    from sqlalchemy import update

    from pipeline.run import queue, work
    from reuse_index.schema import work as work_rows

    broker = _queue_one_page(stack, capsys, monkeypatch)
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index, \
            index._engine.begin() as conn:  # three workers died on it, as a crash leaves it
        conn.execute(update(work_rows).where(work_rows.c.page == 0).values(
            state="running", attempts=work.CRASH_LIMIT))

    def never(*args, **kwargs):
        raise AssertionError("the page must not be read a fourth time")

    monkeypatch.setattr(work, "process_page", never)
    _drain(broker, queue.PAGE_QUEUE, queue.ASSEMBLE_QUEUE)
    code, status, _ = _run(capsys, "status", "--json")
    # the page failed for good, and its file's assembly ran (its only page: nothing to
    # store, so it failed too) instead of waiting for ever
    assert status["pages"]["failed"] == 1 and status["files"]["failed"] == 1
    assert status["pages"]["running"] == status["files"]["queued"] == 0
    [problem] = [p for p in status["problems"] if p["page"] == 0]
    assert problem["state"] == "failed" and problem["attempts"] == work.CRASH_LIMIT
    assert "Không xử lý được trang này" in problem["error"]


def test_a_try_that_raises_puts_the_page_back_to_queued(
        home: Path, stack: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only tries whose worker died leave a page ``running``: one that raised (retried)
    does not count towards CRASH_LIMIT."""
    from pipeline.run import queue, work
    from storage.errors import StoreUnavailableError

    monkeypatch.setitem(queue.ocr_page.options, "min_backoff", 10)
    monkeypatch.setitem(queue.ocr_page.options, "max_backoff", 20)
    broker = _queue_one_page(stack, capsys, monkeypatch)
    real = work.process_page
    tries = {"n": 0}

    def flaky(*args, **kwargs):
        tries["n"] += 1
        if tries["n"] <= work.CRASH_LIMIT:
            raise StoreUnavailableError(detail="connection refused")
        return real(*args, **kwargs)

    monkeypatch.setattr(work, "process_page", flaky)
    _drain(broker, queue.PAGE_QUEUE, queue.ASSEMBLE_QUEUE)
    assert tries["n"] == work.CRASH_LIMIT + 1
    code, status, _ = _run(capsys, "status", "--json")
    assert status["pages"]["done"] == 1 and status["problems"] == []
