"""Object store: one behavioural suite run on both backends (local folder, S3 on a real
SeaweedFS server on loopback), plus backend-specific checks, key layout and config."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import logging
import os
import socket
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
import unicodedata
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import pytest

import storage.local
import storage.s3
from storage import (
    InvalidKeyError,
    LocalStore,
    ObjectExistsError,
    ObjectNotFoundError,
    ObjectStore,
    StoreConfig,
    StoreConfigError,
    StoredBytesMismatchError,
    StoreError,
    StoreUnavailableError,
    document_key,
    open_store,
    original_key,
)
from storage.base import sha256_file
from storage.s3 import S3Store
from tests.conftest import REPO
from tests.storage.s3_server import (
    S3Server,
)

MiB = 1024 * 1024
_bucket_numbers = itertools.count()


def s3_config(server: S3Server, **overrides: object) -> StoreConfig:
    bucket = f"sohoa-test-{next(_bucket_numbers):03d}-{os.getpid()}"
    options = {"kind": "s3", "endpoint": server.endpoint, "access_key": server.access_key,
               "secret_key": server.secret_key, "bucket": bucket, "region": "us-east-1"}
    options.update(overrides)
    return StoreConfig(**options)  # type: ignore[arg-type]


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    """A fresh, empty store of each kind (S3: a new bucket on the shared server)."""
    if request.param == "local":
        return open_store(StoreConfig(kind="local", root=tmp_path / "store"))
    server: S3Server = request.getfixturevalue("s3_server")
    s3 = open_store(s3_config(server))
    s3.check()
    return s3


@pytest.fixture
def s3_server_or_skip(s3_server: S3Server) -> S3Server:
    return s3_server


def write_random(path: Path, size: int) -> str:
    """Fill ``path`` with ``size`` pseudo-random bytes; return their SHA-256."""
    digest = hashlib.sha256()
    block = os.urandom(MiB)
    with open(path, "wb") as out:
        for i in range(0, size, MiB):
            chunk = (i.to_bytes(8, "big") + block)[: min(MiB, size - i)]
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


# -- the same behaviour on both backends ---------------------------------------------------


def test_put_get_round_trip(store: ObjectStore) -> None:
    data = "Giấy khai sinh — Trần Minh Khôi".encode()
    result = store.put_bytes("documents/ubnd/2024/03/d1.txt", data,
                             content_type="text/plain; charset=utf-8",
                             metadata={"ma-ho-so": "000.00.12.H56-240305-0001"})
    assert result.existed is False
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)
    assert store.get_bytes("documents/ubnd/2024/03/d1.txt") == data
    info = store.stat("documents/ubnd/2024/03/d1.txt")
    assert (info.size, info.sha256) == (len(data), result.sha256)
    assert info.content_type == "text/plain; charset=utf-8"
    assert info.metadata == {"ma-ho-so": "000.00.12.H56-240305-0001"}
    assert info.last_modified is not None
    assert abs(info.last_modified - datetime.now(UTC)) < timedelta(minutes=5)
    assert store.exists("documents/ubnd/2024/03/d1.txt")
    assert not store.exists("documents/ubnd/2024/03/d2.txt")
    assert store.verify("documents/ubnd/2024/03/d1.txt")


def test_empty_object(store: ObjectStore) -> None:
    result = store.put_bytes("empty.bin", b"")
    assert (result.size, result.existed) == (0, False)
    assert store.get_bytes("empty.bin") == b""
    assert store.put_bytes("empty.bin", b"").existed


def test_put_file_streams_a_big_file(store: ObjectStore, tmp_path: Path) -> None:
    size = 24 * MiB + 12345  # several S3 multipart parts, not a whole number of them
    source = tmp_path / "scan.tif"
    digest = write_random(source, size)
    tracemalloc.start()
    try:
        result = store.put_file(original_key(digest, "tif"), source, content_type="image/tiff")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (result.sha256, result.size, result.existed) == (digest, size, False)
    assert peak < 12 * MiB, f"put_file held {peak / MiB:.1f} MiB for a {size / MiB:.0f} MiB file"
    info = store.stat(result.key)
    assert (info.sha256, info.size, info.content_type) == (digest, size, "image/tiff")
    copy = store.download(result.key, tmp_path / "out" / "copy.tif")
    assert sha256_file(copy) == (digest, size)
    assert store.put_file(result.key, source).existed


def test_reput_identical_bytes_is_idempotent(store: ObjectStore, tmp_path: Path) -> None:
    first = store.put_bytes("originals/x.pdf", b"%PDF-1.7 one")
    before = store.stat("originals/x.pdf")
    again = store.put_bytes("originals/x.pdf", b"%PDF-1.7 one")
    source = tmp_path / "same.pdf"
    source.write_bytes(b"%PDF-1.7 one")
    from_file = store.put_file("originals/x.pdf", source)
    assert first.existed is False
    assert again.existed is True and from_file.existed is True
    assert again.sha256 == from_file.sha256 == first.sha256
    assert store.stat("originals/x.pdf") == before  # nothing was written again
    assert list(store.iter_keys()) == ["originals/x.pdf"]


def test_different_bytes_are_refused_and_original_kept(store: ObjectStore,
                                                       tmp_path: Path) -> None:
    store.put_bytes("documents/a/2024/01/d.pdf", b"original")
    with pytest.raises(ObjectExistsError) as caught:
        store.put_bytes("documents/a/2024/01/d.pdf", b"tampered")
    source = tmp_path / "other.pdf"
    source.write_bytes(b"tampered too")
    with pytest.raises(ObjectExistsError):
        store.put_file("documents/a/2024/01/d.pdf", source)
    err = caught.value
    assert err.exit_code == 5 and err.key == "documents/a/2024/01/d.pdf"
    assert "ghi đè" in err.message_vi and "SHA-256" in str(err)
    assert store.get_bytes("documents/a/2024/01/d.pdf") == b"original"
    assert store.stat("documents/a/2024/01/d.pdf").sha256 == hashlib.sha256(
        b"original").hexdigest()
    assert store.verify("documents/a/2024/01/d.pdf")


def test_missing_objects(store: ObjectStore, tmp_path: Path) -> None:
    with pytest.raises(ObjectNotFoundError) as caught:
        store.stat("originals/nope.pdf")
    assert caught.value.key == "originals/nope.pdf"
    assert "Không tìm thấy" in caught.value.describe("vi")
    with pytest.raises(ObjectNotFoundError):
        store.get_bytes("originals/nope.pdf")
    with pytest.raises(ObjectNotFoundError):
        store.download("originals/nope.pdf", tmp_path / "dl" / "nope.pdf")
    assert not (tmp_path / "dl" / "nope.pdf").exists()
    assert list((tmp_path / "dl").iterdir()) == []  # no partial download left
    assert not store.exists("originals")  # a "folder" is not an object


def test_iter_keys_sorted_with_prefix(store: ObjectStore) -> None:
    keys = ["a/b/c", "a/b-c", "a/bz", "a-c", "b", "documents/x/2024/01/d.pdf",
            "documents/x/2024/02/e.pdf", "documents/xy/2024/01/f.pdf"]
    for key in reversed(keys):
        store.put_bytes(key, key.encode())
    listing = store.iter_keys()
    assert iter(listing) is listing  # a stream, not a list
    assert list(listing) == sorted(keys)
    assert list(store.iter_keys("a/b")) == ["a/b-c", "a/b/c", "a/bz"]
    assert list(store.iter_keys("a/b/")) == ["a/b/c"]
    assert list(store.iter_keys("documents/x/")) == ["documents/x/2024/01/d.pdf",
                                                     "documents/x/2024/02/e.pdf"]
    assert list(store.iter_keys("documents/x")) == [k for k in sorted(keys)
                                                    if k.startswith("documents/x")]
    assert list(store.iter_keys("zzz")) == []


@pytest.mark.parametrize("bad", ["", "/abs/key", "a/../b", "..", "a/./b", "a//b", "a/",
                                 "win\\path", ".hidden", "a/.tmp", "tab\tkey", "x" * 1100,
                                 "a/" + "y" * 250])
def test_invalid_keys_are_refused(store: ObjectStore, bad: str) -> None:
    with pytest.raises(InvalidKeyError):
        store.put_bytes(bad, b"x")
    with pytest.raises(InvalidKeyError):
        store.stat(bad)
    assert list(store.iter_keys()) == []


def test_invalid_prefix_and_metadata(store: ObjectStore) -> None:
    with pytest.raises(InvalidKeyError):
        list(store.iter_keys("../etc"))
    with pytest.raises(ValueError, match="printable ASCII"):
        store.put_bytes("k", b"x", metadata={"ho-ten": "Trần Minh Khôi"})
    with pytest.raises(ValueError, match="reserved"):
        store.put_bytes("k", b"x", metadata={"sha256": "0" * 64})
    with pytest.raises(ValueError):
        store.put_bytes("k", b"x", metadata={"Upper_Case": "v"})
    assert not store.exists("k")


def test_keys_are_nfc(store: ObjectStore) -> None:
    nfd = unicodedata.normalize("NFD", "hồ sơ/giấy tờ.pdf")
    result = store.put_bytes(nfd, b"nfc")
    nfc = unicodedata.normalize("NFC", nfd)
    assert result.key == nfc
    assert store.get_bytes(nfc) == b"nfc"
    assert list(store.iter_keys()) == [nfc]
    assert store.put_bytes(nfc, b"nfc").existed


class _Interrupted(Exception):
    pass


class _FailingReader:
    """A source that breaks after ``limit`` bytes (a pulled USB disk, a killed copy)."""

    def __init__(self, path: Path, limit: int) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed in __exit__
        self._left = limit

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            raise _Interrupted("source vanished")
        chunk = self._file.read(n if n >= 0 else self._left)[: self._left]
        self._left -= len(chunk)
        return chunk

    def __enter__(self) -> BinaryIO:
        return self  # type: ignore[return-value]

    def __exit__(self, *exc: object) -> None:
        self._file.close()


def test_interrupted_put_leaves_no_object(store: ObjectStore, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "big.pdf"
    write_random(source, 12 * MiB)
    for module in (storage.local, storage.s3):
        monkeypatch.setattr(module, "open_source", lambda p: _FailingReader(p, 7 * MiB))
    with pytest.raises(_Interrupted):
        store.put_file("originals/big.pdf", source)
    assert not store.exists("originals/big.pdf")
    assert list(store.iter_keys()) == []
    monkeypatch.undo()
    assert store.put_file("originals/big.pdf", source).existed is False
    assert store.verify("originals/big.pdf")


def test_presigned_url_reads_the_object(store: ObjectStore) -> None:
    store.put_bytes("documents/a/2024/05/p.pdf", b"%PDF signed")
    url = store.presigned_get_url("documents/a/2024/05/p.pdf", expires=timedelta(minutes=2))
    assert url.startswith(("file://", "http://127.0.0.1"))
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == b"%PDF signed"
    if store.name == "local":  # S3 presigning is offline: a missing object shows as a 404
        with pytest.raises(ObjectNotFoundError):
            store.presigned_get_url("documents/a/2024/05/missing.pdf")


def test_check_passes_on_a_usable_store(store: ObjectStore) -> None:
    store.check()
    store.check()


# -- local backend -------------------------------------------------------------------------


def test_local_files_are_read_only_and_browsable(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    key = original_key(hashlib.sha256(b"scan").hexdigest(), "jpg")
    store.put_bytes(key, b"scan", content_type="image/jpeg")
    path = tmp_path / "store" / key
    assert path.read_bytes() == b"scan"  # the warehouse team can open it directly
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    sidecar = tmp_path / "store" / ".meta" / f"{key}.json"
    assert stat.S_IMODE(sidecar.stat().st_mode) == 0o444
    assert list(store.iter_keys()) == [key]  # sidecars are not objects


def test_local_crash_leaves_only_an_invisible_temp_file(tmp_path: Path) -> None:
    """A writer killed between writing and linking leaves a temp file, never an object."""
    root = tmp_path / "store"
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "import storage.local as local\n"
        "local.os.link = lambda *a, **k: os._exit(9)  # the process dies at the commit\n"
        "local.LocalStore(Path(sys.argv[1])).put_bytes('originals/ab/cd/crash.pdf', b'half')\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(root)], cwd=REPO,
                          timeout=60, check=False)
    assert done.returncode == 9
    leftovers = list((root / "originals/ab/cd").glob(".*.tmp"))
    assert len(leftovers) == 1 and leftovers[0].read_bytes() == b"half"
    store = LocalStore(root)
    assert not store.exists("originals/ab/cd/crash.pdf")
    assert list(store.iter_keys()) == []
    assert store.put_bytes("originals/ab/cd/crash.pdf", b"whole").existed is False
    assert list(store.iter_keys()) == ["originals/ab/cd/crash.pdf"]


def test_local_lost_sidecar_is_recomputed_and_repaired(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_bytes("d/x.json", b"{}", content_type="application/json")
    sidecar = tmp_path / ".meta" / "d" / "x.json.json"
    sidecar.unlink()  # as if the process died between the object and its sidecar
    info = store.stat("d/x.json")
    assert info.sha256 == hashlib.sha256(b"{}").hexdigest() and info.content_type is None
    assert store.put_bytes("d/x.json", b"{}", content_type="application/json").existed
    assert store.stat("d/x.json").content_type == "application/json"
    with pytest.raises(ObjectExistsError):
        store.put_bytes("d/x.json", b"[]")


def test_local_detects_corrupted_bytes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    store.put_bytes("documents/a/2024/01/d.pdf", b"signed bytes")
    path = tmp_path / "s" / "documents/a/2024/01/d.pdf"
    path.chmod(0o644)
    path.write_bytes(b"forged bytes")  # someone edits the store behind our back
    assert store.verify("documents/a/2024/01/d.pdf") is False
    with pytest.raises(StoredBytesMismatchError):
        store.download("documents/a/2024/01/d.pdf", tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


def test_local_concurrent_writers_one_winner(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def writer(i: int) -> None:
        payload = bytes([i % 2]) * 200_000  # two different contents, four writers each
        barrier.wait()
        try:
            result = store.put_bytes("race/key.bin", payload)
            outcomes.append("existed" if result.existed else "wrote")
        except ObjectExistsError:
            outcomes.append("refused")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("wrote") == 1
    assert outcomes.count("existed") == 3 and outcomes.count("refused") == 4
    assert store.verify("race/key.bin")
    assert list(store.iter_keys()) == ["race/key.bin"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_local_key_that_collides_with_a_folder(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_bytes("a/b", b"1")
    with pytest.raises(InvalidKeyError):
        store.put_bytes("a/b/c", b"2")
    with pytest.raises(InvalidKeyError):
        store.put_bytes("a", b"3")
    assert list(store.iter_keys()) == ["a/b"]


def test_local_check_reports_an_unusable_root(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreUnavailableError) as caught:
        LocalStore(blocker / "store").check()
    assert caught.value.message_vi.startswith("Không kết nối được kho lưu trữ")


# -- S3 backend ----------------------------------------------------------------------------


def _assert_fails_fast(action, limit: float) -> StoreUnavailableError:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError) as caught:
        action()
    assert time.monotonic() - started < limit
    return caught.value


def test_s3_unreachable_endpoint_fails_fast() -> None:
    store = open_store(StoreConfig(kind="s3", endpoint="127.0.0.1:1", access_key="a",
                                   secret_key="b", bucket="sohoa"))
    err = _assert_fails_fast(store.check, 5)
    assert err.message_vi.startswith("Không kết nối được kho lưu trữ")
    assert err.exit_code == 5 and "127.0.0.1:1" in str(err)
    _assert_fails_fast(lambda: store.put_bytes("k", b"x"), 5)
    _assert_fails_fast(lambda: store.get_bytes("k"), 5)
    _assert_fails_fast(lambda: list(store.iter_keys()), 5)


def test_s3_silent_server_times_out() -> None:
    """A server that accepts the connection but never answers: a timeout, not a hang."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        endpoint = f"127.0.0.1:{listener.getsockname()[1]}"
        store = open_store(StoreConfig(kind="s3", endpoint=endpoint, access_key="a",
                                       secret_key="b", region="us-east-1", read_timeout=0.5))
        _assert_fails_fast(lambda: store.stat("k"), 5)


def test_s3_wrong_credentials(s3_server_or_skip: S3Server) -> None:
    store = open_store(s3_config(s3_server_or_skip, secret_key="wrong-secret"))
    err = _assert_fails_fast(store.check, 5)
    assert "SignatureDoesNotMatch" in str(err) or "AccessDenied" in str(err)
    assert "wrong-secret" not in str(err) and "wrong-secret" not in repr(store)


def test_s3_missing_bucket(s3_server_or_skip: S3Server) -> None:
    config = s3_config(s3_server_or_skip, create_bucket=False)
    with pytest.raises(StoreUnavailableError, match="does not exist"):
        open_store(config).check()
    with pytest.raises(StoreUnavailableError):
        open_store(config).get_bytes("k")
    created = open_store(s3_config(s3_server_or_skip, bucket=config.bucket))
    created.check()  # creating is the default
    assert created.put_bytes("k", b"x").existed is False


def _raw_client(server: S3Server):  # type: ignore[no-untyped-def]
    from minio import Minio

    return Minio(server.endpoint, access_key=server.access_key, secret_key=server.secret_key,
                 secure=False)


def test_s3_object_lock_retention(s3_server_or_skip: S3Server) -> None:
    from minio.error import S3Error

    config = s3_config(s3_server_or_skip, retention_days=1)
    store = open_store(config)
    assert isinstance(store, S3Store)
    store.check()
    assert store.object_lock is True  # bucket created with object lock
    store.put_bytes("originals/locked.pdf", b"keep me")
    raw = _raw_client(s3_server_or_skip)
    retention = raw.get_object_retention(config.bucket, "originals/locked.pdf")
    assert retention.mode == "GOVERNANCE"
    remaining = retention.retain_until_date - datetime.now(UTC)
    assert timedelta(hours=23) < remaining <= timedelta(days=1)
    version = raw.stat_object(config.bucket, "originals/locked.pdf").version_id
    with pytest.raises(S3Error):  # the retained version cannot be deleted
        raw.remove_object(config.bucket, "originals/locked.pdf", version_id=version)
    assert store.get_bytes("originals/locked.pdf") == b"keep me"


def test_s3_retention_without_lock_degrades(s3_server_or_skip: S3Server,
                                            caplog: pytest.LogCaptureFixture) -> None:
    plain = s3_config(s3_server_or_skip)
    open_store(plain).check()  # bucket created without object lock
    caplog.set_level(logging.WARNING, logger="storage.s3")
    for _ in range(2):
        store = open_store(s3_config(s3_server_or_skip, bucket=plain.bucket,
                                     retention_days=30))
        assert store.put_bytes("k", b"x").sha256
        assert isinstance(store, S3Store) and store.object_lock is False
    warnings = [r for r in caplog.records if "no object lock" in r.getMessage()]
    assert len(warnings) == 1  # logged once


def test_s3_foreign_object_without_digest(s3_server_or_skip: S3Server) -> None:
    import io

    config = s3_config(s3_server_or_skip)
    store = open_store(config)
    store.check()
    _raw_client(s3_server_or_skip).put_object(config.bucket, "foreign.bin", io.BytesIO(b"abc"), 3)
    assert store.stat("foreign.bin").sha256 is None
    assert store.verify("foreign.bin") is False  # nothing recorded to check against
    assert store.put_bytes("foreign.bin", b"abc").existed  # compared by hashing the bytes
    with pytest.raises(ObjectExistsError):
        store.put_bytes("foreign.bin", b"abd")


def test_s3_presigned_url_expiry_bounds(s3_server_or_skip: S3Server) -> None:
    store = open_store(s3_config(s3_server_or_skip))
    with pytest.raises(ValueError):
        store.presigned_get_url("k", expires=timedelta(days=8))


# -- configuration -------------------------------------------------------------------------


def test_config_defaults_to_local(tmp_path: Path) -> None:
    config = StoreConfig.from_env({}, default_root=tmp_path)
    assert (config.kind, config.root) == ("local", tmp_path)
    assert isinstance(open_store(config), LocalStore)
    other = StoreConfig.from_env({"SOHOA_STORE_DIR": "/srv/sohoa"}, default_root=tmp_path)
    assert other.root == Path("/srv/sohoa")


def test_config_s3_from_env(tmp_path: Path) -> None:
    env = {"SOHOA_S3_ENDPOINT": "minio.local:9000", "SOHOA_S3_ACCESS_KEY": "ak",
           "SOHOA_S3_SECRET_KEY": "very-secret", "SOHOA_S3_BUCKET": "hoso",
           "SOHOA_S3_SECURE": "1", "SOHOA_S3_REGION": "vn-south-1",
           "SOHOA_S3_RETENTION_DAYS": "3650", "SOHOA_S3_RETENTION_MODE": "compliance"}
    config = StoreConfig.from_env(env, default_root=tmp_path)
    assert (config.kind, config.endpoint, config.bucket, config.secure) == (
        "s3", "minio.local:9000", "hoso", True)
    assert (config.region, config.retention_days, config.retention_mode) == (
        "vn-south-1", 3650, "COMPLIANCE")
    assert "very-secret" not in repr(config)
    assert isinstance(open_store(config), S3Store)  # no network until used


@pytest.mark.parametrize(("endpoint", "expected", "secure"), [
    ("http://127.0.0.1:8333", "127.0.0.1:8333", False),
    ("https://s3.tinh.gov.vn", "s3.tinh.gov.vn", True),
    ("https://s3.tinh.gov.vn:9000/", "s3.tinh.gov.vn:9000", True),
])
def test_config_endpoint_urls(tmp_path: Path, endpoint: str, expected: str,
                              secure: bool) -> None:
    env = {"SOHOA_S3_ENDPOINT": endpoint, "SOHOA_S3_ACCESS_KEY": "a",
           "SOHOA_S3_SECRET_KEY": "b"}
    config = StoreConfig.from_env(env, default_root=tmp_path)
    assert (config.endpoint, config.secure) == (expected, secure)


@pytest.mark.parametrize("env", [
    {"SOHOA_S3_ENDPOINT": "minio:9000"},  # no credentials
    {"SOHOA_S3_ENDPOINT": "ftp://minio:9000", "SOHOA_S3_ACCESS_KEY": "a",
     "SOHOA_S3_SECRET_KEY": "b"},
    {"SOHOA_S3_ENDPOINT": "http://minio:9000/bucket", "SOHOA_S3_ACCESS_KEY": "a",
     "SOHOA_S3_SECRET_KEY": "b"},
    {"SOHOA_S3_ENDPOINT": "https://minio:9000", "SOHOA_S3_SECURE": "0",
     "SOHOA_S3_ACCESS_KEY": "a", "SOHOA_S3_SECRET_KEY": "b"},
    {"SOHOA_S3_ENDPOINT": "minio:9000", "SOHOA_S3_SECURE": "maybe",
     "SOHOA_S3_ACCESS_KEY": "a", "SOHOA_S3_SECRET_KEY": "b"},
    {"SOHOA_S3_ENDPOINT": "minio:9000", "SOHOA_S3_RETENTION_DAYS": "-1",
     "SOHOA_S3_ACCESS_KEY": "a", "SOHOA_S3_SECRET_KEY": "b"},
    {"SOHOA_S3_ENDPOINT": "minio:9000", "SOHOA_S3_RETENTION_MODE": "forever",
     "SOHOA_S3_ACCESS_KEY": "a", "SOHOA_S3_SECRET_KEY": "b"},
])
def test_config_errors(tmp_path: Path, env: dict[str, str]) -> None:
    with pytest.raises(StoreConfigError) as caught:
        StoreConfig.from_env(env, default_root=tmp_path)
    assert caught.value.exit_code == 5 and caught.value.message_vi


def test_open_store_unknown_kind() -> None:
    with pytest.raises(StoreConfigError):
        open_store(StoreConfig(kind="ftp"))
    with pytest.raises(StoreConfigError):
        open_store(StoreConfig(kind="local", root=None))
    with pytest.raises(StoreConfigError):
        open_store(StoreConfig(kind="s3", endpoint="minio:9000", bucket="Hồ_Sơ"))
    with pytest.raises(StoreConfigError):
        open_store(StoreConfig(kind="s3", endpoint="minio:9000", retention_mode="forever"))


# -- key layout ----------------------------------------------------------------------------


def test_original_key_layout() -> None:
    digest = hashlib.sha256(b"scan").hexdigest()
    assert original_key(digest.upper(), ".PDF") == (
        f"originals/{digest[:2]}/{digest[2:4]}/{digest}.pdf")
    with pytest.raises(InvalidKeyError):
        original_key("abc", "pdf")
    with pytest.raises(InvalidKeyError):
        original_key(digest, "p/df")


def test_document_key_layout() -> None:
    when = datetime(2024, 3, 5, 9, 30)
    assert document_key("000.00.12.H56", when, "HS-0001", ".pdf") == (
        "documents/000.00.12.H56/2024/03/HS-0001.pdf")
    assert document_key("UBND xã Tân Phú / Đồng Nai", when, "d1", ".json") == (
        "documents/UBND-xa-Tan-Phu-Dong-Nai/2024/03/d1.json")
    assert document_key(".. /x.", when, "d", ".pdf") == "documents/x/2024/03/d.pdf"
    late_utc = datetime(2024, 1, 31, 20, 0, tzinfo=UTC)  # already February in Vietnam
    assert document_key("ubnd", late_utc, "d", ".pdf") == "documents/ubnd/2024/02/d.pdf"
    for bad_id in ("../x", "a/b", "", ".hidden", "có dấu"):
        with pytest.raises(InvalidKeyError):
            document_key("ubnd", when, bad_id, ".pdf")
    with pytest.raises(InvalidKeyError):
        document_key("ubnd", when, "d", "pdf")
    for bad_agency in ("!!!", "../..", "..", ""):
        with pytest.raises(InvalidKeyError):
            document_key(bad_agency, when, "d", ".pdf")


def test_errors_speak_vietnamese_and_log_english() -> None:
    err = StoreUnavailableError("connection refused by 10.0.0.5:9000")
    assert str(err) == "connection refused by 10.0.0.5:9000"
    assert err.describe("vi").startswith("Không kết nối được kho lưu trữ")
    assert err.describe("en").startswith("Cannot reach")
    assert isinstance(InvalidKeyError("x"), ValueError)
    assert all(cls.exit_code == 5 for cls in (StoreError, ObjectExistsError,
                                              ObjectNotFoundError, StoredBytesMismatchError))


def test_s3_writes_carry_an_integrity_header_and_create_only(
        s3_server_or_skip: S3Server) -> None:
    """AWS S3 refuses a PutObject/UploadPart under object lock without Content-MD5 or an
    x-amz-checksum-* header (SeaweedFS and MinIO do not enforce it): check on the wire
    that every write carries one, single puts and multipart parts alike, and that a
    single put is a conditional create."""
    from tests.storage.recording_proxy import RecordingProxy

    with RecordingProxy(s3_server_or_skip.endpoint) as proxy:
        server = dataclasses.replace(s3_server_or_skip, endpoint=proxy.endpoint)
        store = open_store(s3_config(server, retention_days=1))
        store.check()
        store.put_bytes("originals/small.pdf", b"%PDF-1.7 small")
        store.put_bytes("originals/large.bin", os.urandom(6 * MiB))  # multipart
        assert store.get_bytes("originals/small.pdf") == b"%PDF-1.7 small"
    writes = [s for s in proxy.seen if s.method in ("PUT", "POST") and s.body_size]
    assert any("partNumber=" in s.path for s in writes), "no multipart part was seen"
    for seen in writes:
        assert "content-md5" in seen.headers or any(
            k.startswith("x-amz-checksum-") for k in seen.headers), (seen.method, seen.path)
    single = next(s for s in writes if s.path.endswith("/originals/small.pdf"))
    assert single.headers.get("if-none-match") == "*"
    assert "x-amz-checksum-sha256" in single.headers
    assert "x-amz-object-lock-retain-until-date" in single.headers


def test_s3_a_racing_writer_cannot_replace_a_stored_object(
        s3_server_or_skip: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two writers both see the key free (the stat before the put): the second put must
    fail as ObjectExistsError and leave the first one's bytes as the current object."""
    store = open_store(s3_config(s3_server_or_skip))
    assert isinstance(store, S3Store)
    store.check()
    store.put_bytes("originals/race.pdf", b"first writer")
    real = store._already_stored
    calls = []

    def blind_once(key: str, digest: str, size: int):  # the racing writer's stale stat
        calls.append(key)
        return None if len(calls) == 1 else real(key, digest, size)

    monkeypatch.setattr(store, "_already_stored", blind_once)
    with pytest.raises(ObjectExistsError):
        store.put_bytes("originals/race.pdf", b"second writer")
    assert store.get_bytes("originals/race.pdf") == b"first writer"
