"""Local-folder backend: the embedded default, a plain directory tree.

Owns the on-disk layout: object ``K`` is the file ``<root>/K`` (so the warehouse team can
browse ``originals/`` and ``documents/`` with any file manager), its SHA-256, content type
and user metadata are in the sidecar ``<root>/.meta/K.json``. Names starting with ``.``
are never objects: keys may not contain them, so temporary files and ``.meta`` stay out of
listings.

Write-once and crash safety: bytes go to a temporary file in the object's own folder,
are fsynced and made read-only (0o444), then ``os.link`` gives them the final name —
atomic, and it fails when the name exists, so concurrent writers and crashes never leave
a half-written object under a real key (a crash leaves only an invisible ``.*.tmp``).
The sidecar is written after the object; an object whose sidecar was lost to a crash
has its digest computed from its bytes and the sidecar is restored on the next put.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import stat as statmod
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from common.private import private_dir
from storage.base import (
    CHUNK,
    DEFAULT_CONTENT_TYPE,
    HashingReader,
    ObjectInfo,
    ObjectStore,
    PutResult,
    check_metadata,
    open_source,
    sha256_file,
)
from storage.errors import (
    InvalidKeyError,
    ObjectExistsError,
    ObjectNotFoundError,
    StoreUnavailableError,
)
from storage.keys import validate_key, validate_prefix

log = logging.getLogger(__name__)

META_DIR = ".meta"
READ_ONLY = 0o444
_NO_LINK_ERRNOS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV}


@dataclass(frozen=True)
class _Record:
    """What the sidecar holds about one object."""

    sha256: str
    size: int
    content_type: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps({"sha256": self.sha256, "size": self.size,
                           "content_type": self.content_type,
                           "metadata": dict(self.metadata)}, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> _Record:
        data = json.loads(raw)
        return cls(data["sha256"], int(data["size"]), data.get("content_type"),
                   dict(data.get("metadata") or {}))


Filler = Callable[[BinaryIO], tuple[str, int]]  # writes the bytes, returns (sha256, size)


class LocalStore(ObjectStore):
    """Objects as read-only files under ``root``. ``presigned_get_url`` gives a
    ``file://`` URL (no expiry, no access control: only for local use)."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    # -- paths ---------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.root / key

    def _meta_path(self, key: str) -> Path:
        return self.root / META_DIR / f"{key}.json"

    # -- writing -------------------------------------------------------------------------

    def put_bytes(self, key: str, data: bytes, *, content_type: str = DEFAULT_CONTENT_TYPE,
                  metadata: Mapping[str, str] | None = None) -> PutResult:
        key = validate_key(key)
        meta = check_metadata(metadata)
        record = _Record(hashlib.sha256(data).hexdigest(), len(data), content_type, meta)
        if self._path(key).exists():
            return self._already_stored(key, record)

        def fill(out: BinaryIO) -> tuple[str, int]:
            out.write(data)
            return record.sha256, record.size

        return self._write_new(key, fill, content_type, meta)

    def put_file(self, key: str, path: Path, *, content_type: str = DEFAULT_CONTENT_TYPE,
                 metadata: Mapping[str, str] | None = None) -> PutResult:
        key = validate_key(key)
        meta = check_metadata(metadata)
        with open_source(Path(path)) as src:  # a missing source fails here, as OSError
            if self._path(key).exists():  # hash the source only; nothing to copy
                reader = HashingReader(src)
                while reader.read(CHUNK):
                    pass
                record = _Record(reader.hexdigest(), reader.size, content_type, meta)
                return self._already_stored(key, record)

            def fill(out: BinaryIO) -> tuple[str, int]:
                reader = HashingReader(src)
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
                return reader.hexdigest(), reader.size

            return self._write_new(key, fill, content_type, meta)

    def _write_new(self, key: str, fill: Filler, content_type: str,
                   meta: Mapping[str, str]) -> PutResult:
        final = self._path(key)
        self._make_parents(key, final.parent)
        tmp = self._write_temp(final, fill)
        try:
            record = _Record(*tmp.result, content_type, meta)
            if not self._link(key, tmp.path, final):
                return self._already_stored(key, record)  # a concurrent writer won
            _fsync_dir(final.parent)
            self._write_sidecar(key, record)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp.path)
        log.debug("stored %s (%d bytes)", key, record.size)
        return PutResult(key, record.sha256, record.size, existed=False)

    def _make_parents(self, key: str, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise InvalidKeyError(f"{key}: a parent segment is an existing object",
                                  key=key) from exc
        except OSError as exc:
            raise StoreUnavailableError(f"cannot create folder {folder}: {exc}") from exc

    def _write_temp(self, final: Path, fill: Filler) -> _Temp:
        try:
            fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.",
                                        suffix=".tmp")
        except OSError as exc:
            raise StoreUnavailableError(f"cannot write in {final.parent}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                result = fill(out)
                out.flush()
                os.fsync(out.fileno())
                os.fchmod(out.fileno(), READ_ONLY)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
            raise
        return _Temp(Path(name), result)

    def _link(self, key: str, tmp: Path, final: Path) -> bool:
        """Give ``tmp`` the final name; False if that name is already taken."""
        try:
            os.link(tmp, final)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno in _NO_LINK_ERRNOS:
                raise StoreUnavailableError(
                    f"{self.root}: the file system does not support hard links, which the "
                    f"local store needs for atomic write-once ({exc})") from exc
            raise StoreUnavailableError(f"cannot store {key}: {exc}", key=key) from exc
        return True

    def _already_stored(self, key: str, record: _Record) -> PutResult:
        """Outcome of putting ``record``'s bytes where an object already is."""
        final = self._path(key)
        if final.is_dir():
            raise InvalidKeyError(f"{key}: is a prefix of existing objects", key=key)
        stored = self._recorded_sha256(key)
        if stored != record.sha256:
            raise ObjectExistsError(f"{key}: stored SHA-256 {stored} differs from the new "
                                    f"bytes' {record.sha256}", key=key)
        if not self._meta_path(key).exists():
            self._write_sidecar(key, record)  # repair after a crash between link and sidecar
        return PutResult(key, record.sha256, record.size, existed=True)

    def _write_sidecar(self, key: str, record: _Record) -> None:
        target = self._meta_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        raw = record.to_json()

        def fill(out: BinaryIO) -> tuple[str, int]:
            out.write(raw)
            return record.sha256, len(raw)

        tmp = self._write_temp(target, fill)
        try:
            with contextlib.suppress(FileExistsError):  # the first writer's sidecar stays
                os.link(tmp.path, target)
        finally:
            os.unlink(tmp.path)

    # -- reading -------------------------------------------------------------------------

    def _load_record(self, key: str) -> _Record | None:
        try:
            return _Record.from_json(self._meta_path(key).read_bytes())
        except FileNotFoundError:
            return None
        except (ValueError, KeyError) as exc:
            log.warning("unreadable metadata sidecar for %s: %s", key, exc)
            return None

    def _recorded_sha256(self, key: str) -> str:
        record = self._load_record(key)
        if record is not None:
            return record.sha256
        return sha256_file(self._path(key))[0]

    def stat(self, key: str) -> ObjectInfo:
        key = validate_key(key)
        st = self._stat_file(key)
        record = self._load_record(key)
        if record is None:  # object without sidecar (crash): digest from the bytes
            record = _Record(sha256_file(self._path(key))[0], st.st_size)
        return ObjectInfo(key=key, size=st.st_size, sha256=record.sha256,
                          last_modified=datetime.fromtimestamp(st.st_mtime, UTC),
                          content_type=record.content_type, metadata=dict(record.metadata))

    def _stat_file(self, key: str) -> os.stat_result:
        try:
            st = os.stat(self._path(key))
        except (FileNotFoundError, NotADirectoryError):
            st = None
        if st is None or not _is_regular(st):
            raise ObjectNotFoundError(f"no object {key} in {self.root}", key=key)
        return st

    @contextlib.contextmanager
    def _open(self, key: str) -> Iterator[tuple[BinaryIO, str | None]]:
        key = validate_key(key)
        try:
            stream = open(self._path(key), "rb")  # noqa: SIM115 - closed below
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise ObjectNotFoundError(f"no object {key} in {self.root}", key=key) from exc
        record = self._load_record(key)
        with stream:
            yield stream, record.sha256 if record else None

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        prefix = validate_prefix(prefix)
        yield from self._walk(self.root, "", prefix)

    def _walk(self, folder: Path | str, rel: str, prefix: str) -> Iterator[str]:
        """Depth-first in full-key order: a folder sorts as its name plus ``/``."""
        try:
            with os.scandir(folder) as scan:
                entries = [(_sort_name(e), e) for e in scan if not e.name.startswith(".")]
        except (FileNotFoundError, NotADirectoryError):
            return
        for sort_name, entry in sorted((pair for pair in entries if pair[0]),
                                       key=lambda pair: pair[0]):
            full = rel + sort_name
            if sort_name.endswith("/"):
                if full.startswith(prefix) or prefix.startswith(full):
                    yield from self._walk(entry.path, full, prefix)
            elif full.startswith(prefix):
                yield full

    def presigned_get_url(self, key: str, *,
                          expires: timedelta = timedelta(minutes=10)) -> str:
        """A ``file://`` URL of the object; ``expires`` is ignored (no expiry locally)."""
        key = validate_key(key)
        self._stat_file(key)
        return self._path(key).resolve().as_uri()

    # -- health --------------------------------------------------------------------------

    def check(self) -> None:
        """Root exists (created if needed), is writable and supports hard links."""
        try:
            private_dir(self.root)  # originals hold personal data: the service's only
        except OSError as exc:
            raise StoreUnavailableError(f"cannot create store folder {self.root}: {exc}") from exc
        probe = None
        try:
            fd, probe = tempfile.mkstemp(dir=self.root, prefix=".probe-", suffix=".tmp")
            os.close(fd)
            os.link(probe, probe + ".link")
            os.unlink(probe + ".link")
        except OSError as exc:
            raise StoreUnavailableError(
                f"store folder {self.root} is not writable or has no hard links: {exc}") from exc
        finally:
            if probe:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(probe)


@dataclass(frozen=True)
class _Temp:
    path: Path
    result: tuple[str, int]


def _sort_name(entry: os.DirEntry[str]) -> str:
    """Entry name as it sorts among full keys ("" for anything that is not an object)."""
    if entry.is_dir(follow_symlinks=False):
        return entry.name + "/"
    if entry.is_file(follow_symlinks=False):
        return entry.name
    return ""


def _is_regular(st: os.stat_result) -> bool:
    return statmod.S_ISREG(st.st_mode)


def _fsync_dir(folder: Path) -> None:
    """Make a new directory entry durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
