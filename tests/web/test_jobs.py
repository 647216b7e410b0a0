"""The server's upload jobs: fair turns between counter accounts, cancel, and jobs that
survive a server restart (resumed when their uploads are there, reported when not)."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.scan import ScanRequest
from web import scans
from web.scans import HOST, Jobs, ScanJob


def _wait(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_accounts_take_turns(tmp_path: Path) -> None:
    jobs = Jobs(tmp_path)
    order: list[str] = []
    gate = threading.Event()

    def work(name: str) -> None:
        gate.wait(5)
        order.append(name)

    jobs.submit("a0", "lan", work, "lan-0")  # running while the others queue
    _wait(lambda: jobs._queues["lan"] == type(jobs._queues["lan"])())
    for i in range(1, 4):
        jobs.submit(f"a{i}", "lan", work, f"lan-{i}")
    jobs.submit("b1", "minh", work, "minh-1")
    jobs.submit("c1", "hoa", work, "hoa-1")
    gate.set()
    _wait(lambda: len(order) == 6)
    jobs.close()
    # one big uploader does not hold the others back: they get the next turns
    assert order[:4] == ["lan-0", "lan-1", "minh-1", "hoa-1"]
    assert order[4:] == ["lan-2", "lan-3"]


def test_a_queued_job_can_be_cancelled(tmp_path: Path) -> None:
    jobs = Jobs(tmp_path)
    gate, ran = threading.Event(), []
    jobs.submit("x1", "lan", lambda: gate.wait(5))
    _wait(lambda: not jobs._turns)
    jobs.submit("x2", "lan", lambda: ran.append("x2"))
    assert jobs.cancel("x2") is True
    gate.set()
    jobs.submit("x3", "lan", lambda: ran.append("x3"))
    _wait(lambda: ran == ["x3"])
    jobs.close()
    with pytest.raises(scans.JobCancelled):
        jobs.check_cancelled("x2")


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _cut_off_job(jobs: Jobs, job_id: str, *, with_uploads: bool) -> None:
    now = datetime.now(UTC)
    job = ScanJob(id=job_id, state="running", dossier_code="HS-1", procedure_code="1.001193",
                  agency_code="H12.19", actor="motcua", files=["a.png"], created_at=now,
                  updated_at=now, pages_done=1, pages_total=3)
    request = ScanRequest(dossier="HS-1", procedure="1.001193", agency="H12.19",
                          agency_name="UBND", actor="motcua")
    jobs.save(job, request=request.to_dict())
    data = json.loads(jobs.path(job_id).read_text())
    data["pid"], data["host"] = _dead_pid(), HOST
    jobs.path(job_id).write_text(json.dumps(data))
    if with_uploads:
        jobs.uploads(job_id).mkdir(parents=True)
        (jobs.uploads(job_id) / "a.png").write_bytes(b"png")


def test_jobs_cut_off_by_a_restart_are_resumed_or_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = Jobs(tmp_path)
    _cut_off_job(jobs, "0" * 15 + "1", with_uploads=True)
    _cut_off_job(jobs, "0" * 15 + "2", with_uploads=False)
    assert jobs.load("0" * 15 + "1").state == "interrupted"  # before a server takes it over
    resumed: list[tuple[str, list[Path]]] = []
    monkeypatch.setattr(scans, "_run", lambda svc, j, job, request, files:
                        resumed.append((job.id, files)))
    svc = SimpleNamespace(jobs=jobs)
    assert scans.resume_jobs(svc) == 1
    _wait(lambda: len(resumed) == 1)
    assert resumed[0][0] == "0" * 15 + "1"
    assert resumed[0][1] == [jobs.uploads("0" * 15 + "1") / "a.png"]
    assert jobs.load("0" * 15 + "1").state == "queued"  # this process owns it now
    gone = jobs.load("0" * 15 + "2")
    assert gone.state == "interrupted" and "Tải lên lại" in gone.message
    assert scans.resume_jobs(svc) == 0  # claimed once, even when asked again
    jobs.close()
