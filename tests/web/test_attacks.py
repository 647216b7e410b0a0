"""The attack suite: what an anonymous or hostile client tries against ``sohoa serve``.

A real uvicorn server runs in a thread on 127.0.0.1 (the TestClient would buffer request
bodies itself and hide what the server holds); requests are written on raw sockets so
the test controls exactly what is sent and when. Sizes and loops are bounded; what the
server holds is measured (bytes it read, temporary files, password checks done).
"""

from __future__ import annotations

import json
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn

from common.settings import Settings
from reuse_index import ReuseIndex
from reuse_index.accounts import ThrottleRule
from web import limits, security
from web.app import create_app

PASSWORD = "mat-khau-2026"
MB = 1 << 20


class Server:
    """``create_app`` served by uvicorn in a thread, on a free loopback port."""

    def __init__(self, env: dict[str, str], home: Path) -> None:
        self.env, self.home = env, home
        config = uvicorn.Config(create_app(Settings.load(env)), host="127.0.0.1", port=0,
                                log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)

    def index(self) -> ReuseIndex:
        return ReuseIndex.from_env(self.env, home=self.home)

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                body: bytes = b"", timeout: float = 20) -> tuple[int, dict]:
        """Send one request on a fresh connection; (status, JSON body)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
            head += [f"{k}: {v}" for k, v in (headers or {}).items()]
            if body and not any(k.lower() == "content-length" for k in headers or {}):
                head.append(f"Content-Length: {len(body)}")
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            return _read_answer(sock)


def _read_answer(sock: socket.socket) -> tuple[int, dict]:
    """Read one answer (up to its Content-Length; the server may keep reading a body)."""
    data = b""
    try:
        while True:
            head, sep, payload = data.partition(b"\r\n\r\n")
            if sep:
                length = [int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")]
                if length and len(payload) >= length[0]:
                    break
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:  # the server answered, then closed with body unread
        if not data:
            raise
    head, _, payload = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    try:
        return status, json.loads(payload or b"{}")
    except ValueError:
        return status, {}


@pytest.fixture(scope="module")
def env_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    home = tmp_path_factory.mktemp("attacks") / "home"
    env = {"SOHOA_HOME": str(home), "SOHOA_MAX_UPLOAD_MB": "5"}
    with ReuseIndex.from_env(env, home=home) as index:
        password_hash = security.hash_password(PASSWORD)
        for name, roles in (("quantri", ["admin"]), ("motcua", ["counter"]),
                            ("canbo", ["officer"])):
            index.accounts.add(name, display_name=name, password_hash=password_hash,
                               roles=roles)
    return env, home


@pytest.fixture
def server(env_home: tuple[dict[str, str], Path]) -> Iterator[Server]:
    with Server(*env_home) as running:
        yield running


def _temp_bytes() -> int:
    root = Path(tempfile.gettempdir())
    total = 0
    for path in root.iterdir():
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:
            pass
    return total


# -- 1. bodies: refused before they are read -------------------------------------------------


def test_an_anonymous_upload_is_refused_before_its_body_is_read(server: Server) -> None:
    before = _temp_bytes()
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(b"POST /api/scans HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data;"
                     b" boundary=b\r\nContent-Length: 314572800\r\n\r\n")
        # no byte of the 300 MB body is sent: the answer must not wait for it
        status, body = _read_answer(sock)
    assert status == 401 and body["code"] == "unauthenticated"
    assert _temp_bytes() - before < 2 * MB  # nothing spooled


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def test_json_calls_take_a_few_kilobytes_declared_or_streamed(server: Server) -> None:
    before = _rss()
    for _ in range(4):  # was: 4 × 250 MB of JSON took the server from 200 MB to 1.9 GB
        status, body = server.request("POST", "/api/session", headers={
            "Content-Type": "application/json", "Content-Length": str(250 * MB)},
            body=b"{" + b" " * MB)
        assert status == 413 and body["code"] == "too_large" and "KB" in body["message"]
    assert _rss() - before < 32 * MB
    # chunked: no length declared, stopped while streaming
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(b"POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                     b"\r\nTransfer-Encoding: chunked\r\n\r\n")
        sent = 0
        try:
            for _ in range(64):  # up to 4 MB, 64 KB at a time
                chunk = b" " * 65536
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except OSError:
            pass  # the server closed the connection after answering
        status, body = _read_answer(sock)
    assert status == 413 and body["code"] == "too_large"


def test_a_signed_in_upload_over_the_limit_is_stopped_at_the_limit(server: Server) -> None:
    token = _token(server, "motcua")
    status, body = server.request("POST", "/api/scans", headers={
        "Authorization": f"Bearer {token}", "Content-Length": str(6 * MB),
        "Content-Type": "multipart/form-data; boundary=b"})
    assert status == 413 and "5 MB" in body["message"]


def test_a_body_that_stops_coming_times_out(server: Server,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "READ_TIMEOUT_S", 1.0)
    with Server(server.env, server.home) as slow:
        with socket.create_connection(("127.0.0.1", slow.port), timeout=20) as sock:
            sock.sendall(b"POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         b"application/json\r\nContent-Length: 100\r\n\r\n{\"user")
            started = time.monotonic()
            status, body = _read_answer(sock)
        assert status == 408 and body["code"] == "timeout"
        assert time.monotonic() - started < 10


# -- 2. sign-in: throttled atomically, per account + address and per address -----------------


def test_parallel_guesses_cannot_race_past_the_limit(server: Server,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    checks = 0
    real = security.verify_password
    lock = threading.Lock()

    def counted(password_hash: str | None, password: str) -> tuple[bool, str | None]:
        nonlocal checks
        with lock:
            checks += 1
        return real(password_hash, password)

    monkeypatch.setattr(security, "verify_password", counted)
    guess = json.dumps({"username": "canbo", "password": "doan-sai-0001"}).encode()

    def attempt(_: int) -> int:
        return server.request("POST", "/api/session", body=guess,
                              headers={"Content-Type": "application/json"})[0]

    with ThreadPoolExecutor(24) as pool:
        statuses = list(pool.map(attempt, range(48)))
    assert checks <= 5, f"{checks} passwords checked"
    assert statuses.count(401) == checks and statuses.count(429) == 48 - checks


def test_unknown_and_locked_accounts_answer_alike() -> None:
    answers = {}
    for name in ("quantri", "khong-co-ai"):
        with Server(*_fresh_env(name)) as srv:
            seen = []
            for _ in range(6):
                status, body = srv.request(
                    "POST", "/api/session", headers={"Content-Type": "application/json"},
                    body=json.dumps({"username": name, "password": "doan-sai-0001"}).encode())
                seen.append((status, body["code"]))
            answers[name] = seen
    assert answers["quantri"] == answers["khong-co-ai"]
    assert answers["quantri"][-1] == (429, "locked")


def test_a_lock_from_one_address_does_not_lock_the_admin_out_elsewhere(
        env_home: tuple[dict[str, str], Path]) -> None:
    rule = ThrottleRule(failures=5, lock=timedelta(minutes=5), max_lock=timedelta(hours=1))
    now = datetime.now(UTC)
    with ReuseIndex.from_env(env_home[0], home=env_home[1]) as index:
        store = index.accounts
        for _ in range(5):
            assert store.reserve_login({"u:quantri|a:10.0.0.66": rule}, now) is None
        locked = store.reserve_login({"u:quantri|a:10.0.0.66": rule}, now)
        assert locked is not None and locked - now == timedelta(minutes=5)
        assert store.reserve_login({"u:quantri|a:10.0.0.7": rule}, now) is None
        # the lock ends, and the next one lasts longer (progressive), never for good
        later = now + timedelta(minutes=6)
        for _ in range(5):
            assert store.reserve_login({"u:quantri|a:10.0.0.66": rule}, later) is None
        again = store.reserve_login({"u:quantri|a:10.0.0.66": rule}, later)
        assert again is not None and again - later == timedelta(minutes=10)


def test_weak_and_common_passwords_are_refused() -> None:
    for weak in ("password12", " " * 10 + "1", "1234567890ab", "quantri2026", "aaaaaaaaaaaa"):
        assert security.check_password_strength(weak, username="quantri") is not None, weak
    assert security.check_password_strength("mat-khau-2026") is None
    assert security.check_password_strength("Trống đồng Ngọc Lũ 1893") is None


def test_tokens_stay_dead_when_an_account_is_enabled_again(server: Server) -> None:
    token = _token(server, "canbo")
    assert server.request("GET", "/api/me", headers={"Authorization": f"Bearer {token}"}
                          )[0] == 200
    with server.index() as index:
        index.accounts.update("canbo", active=False)
        index.accounts.update("canbo", active=True)
    assert server.request("GET", "/api/me", headers={"Authorization": f"Bearer {token}"}
                          )[0] == 401


def _token(server: Server, username: str) -> str:
    token_id, text = security.new_api_token()
    with server.index() as index:
        index.accounts.add_token(token_id, token_sha256=security.digest(text),
                                 username=username, label="attack-test", expires_at=None)
    return text


def _fresh_env(_account: str) -> tuple[dict[str, str], Path]:
    home = Path(tempfile.mkdtemp(prefix="sohoa-attack-"))
    env = {"SOHOA_HOME": str(home)}
    with ReuseIndex.from_env(env, home=home) as index:
        index.accounts.add("quantri", display_name="q",
                           password_hash=security.hash_password(PASSWORD), roles=["admin"])
    return env, home


# -- 7. smaller findings ----------------------------------------------------------------------


def test_csv_cells_are_neutralised() -> None:
    import csv
    import io

    from common.private import csv_safe, safe_writer

    out = io.StringIO()
    safe_writer(out).writerow(["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx",
                               "Nguyễn", 5, -3.5])
    row = next(csv.reader(io.StringIO(out.getvalue())))
    assert row[:5] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx"]
    assert row[5:] == ["Nguyễn", "5", "-3.5"]  # text and numbers as they are
    assert csv_safe(None) is None


def test_private_files_are_the_service_accounts_only(env_home: tuple[dict[str, str], Path]
                                                     ) -> None:
    import stat

    env, home = env_home
    with ReuseIndex.from_env(env, home=home) as index:
        index.accounts.list()
    for name in ("index.db", "index.db-wal"):
        path = home / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    assert stat.S_IMODE((home / "index.db").stat().st_mode) == 0o600
