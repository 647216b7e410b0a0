"""The object-store interface and what every backend shares.

Owns: :class:`ObjectStore` (the contract both backends keep), :class:`ObjectInfo`,
:class:`PutResult`, user-metadata rules, streaming SHA-256 helpers, and the read paths
built on a backend's ``_open`` (``get_bytes``, ``download``, ``verify``).

Rules every backend keeps: **write-once** (a key is written at most once; re-putting the
same bytes is a no-op reported as ``existed=True``; different bytes raise
:class:`~storage.errors.ObjectExistsError`), never a delete, keys validated by
:mod:`storage.keys`, and the SHA-256 of every object recorded when it is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from storage.errors import ObjectNotFoundError, StoredBytesMismatchError

CHUNK = 1024 * 1024  # read/write granularity for streaming; bounds memory per operation
DEFAULT_CONTENT_TYPE = "application/octet-stream"
SHA256_META = "sha256"  # user-metadata name of the recorded digest (S3: x-amz-meta-sha256)

_META_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_META_VALUE = re.compile(r"^[\x20-\x7e]{0,1024}$")


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    sha256: str | None  # None only for objects written by something other than sohoa
    last_modified: datetime | None  # aware (UTC)
    content_type: str | None
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)  # user metadata


@dataclass(frozen=True)
class PutResult:
    key: str
    sha256: str
    size: int
    existed: bool  # True: identical bytes were already stored, nothing was written


def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """Copy of user metadata after checking it travels unchanged as S3 headers.

    Names: lowercase ASCII letters, digits, ``-`` (``sha256`` is reserved). Values:
    printable ASCII — percent-encode Vietnamese text before storing it here.
    """
    checked: dict[str, str] = {}
    for name, value in (metadata or {}).items():
        if not _META_NAME.match(name) or name == SHA256_META:
            raise ValueError(f"invalid metadata name {name!r} (lowercase a-z, 0-9, '-'; "
                             f"{SHA256_META!r} is reserved)")
        if not isinstance(value, str) or not _META_VALUE.match(value):
            raise ValueError(f"metadata {name!r}: value must be printable ASCII "
                             "(percent-encode other text)")
        checked[name] = value
    return checked


def sha256_file(path: Path) -> tuple[str, int]:
    """(hex SHA-256, size) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def sha256_stream(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def open_source(path: Path) -> BinaryIO:
    """Open a file that ``put_file`` stores (one seam, so tests can interrupt uploads)."""
    return open(path, "rb")


class HashingReader:
    """Wraps a binary stream; hashes and counts what is read through it."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self._raw.read(n)
        self._digest.update(chunk)
        self.size += len(chunk)
        return chunk

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


class ObjectStore(ABC):
    """A write-once object store. Keys are validated and NFC-normalised on every call."""

    name: str

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, *, content_type: str = DEFAULT_CONTENT_TYPE,
                  metadata: Mapping[str, str] | None = None) -> PutResult:
        """Store ``data`` under ``key`` unless it is there already (see module rules)."""

    @abstractmethod
    def put_file(self, key: str, path: Path, *, content_type: str = DEFAULT_CONTENT_TYPE,
                 metadata: Mapping[str, str] | None = None) -> PutResult:
        """Like :meth:`put_bytes` for a file, streamed in bounded chunks."""

    @abstractmethod
    def stat(self, key: str) -> ObjectInfo:
        """Size, SHA-256, time, type; :class:`ObjectNotFoundError` when absent."""

    @abstractmethod
    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix``, in sorted (code point) order, streamed."""

    @abstractmethod
    def presigned_get_url(self, key: str, *,
                          expires: timedelta = timedelta(minutes=10)) -> str:
        """A URL that reads the object without credentials, for ``expires``."""

    @abstractmethod
    def check(self) -> None:
        """Raise :class:`StoreUnavailableError` with a clear reason if unusable."""

    @abstractmethod
    def _open(self, key: str) -> contextlib.AbstractContextManager[
            tuple[BinaryIO, str | None]]:
        """Context manager yielding (stream of the object's bytes, recorded SHA-256)."""

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFoundError:
            return False
        return True

    def get_bytes(self, key: str) -> bytes:
        """The whole object in memory (use :meth:`download` for big objects)."""
        with self._open(key) as (stream, _sha):
            return stream.read()

    def download(self, key: str, dest: Path) -> Path:
        """Stream the object to ``dest`` (replaced atomically), checking its SHA-256.

        Raises :class:`StoredBytesMismatchError` (and leaves ``dest`` untouched) when the bytes do
        not match the digest recorded at write time.
        """
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, self._open(key) as (stream, recorded):
                reader = HashingReader(stream)
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
            if recorded and reader.hexdigest() != recorded:
                raise StoredBytesMismatchError(f"{key}: SHA-256 {reader.hexdigest()} != recorded "
                                     f"{recorded}", key=key)
            os.chmod(tmp_name, 0o644)  # mkstemp's 0o600 would surprise whoever opens it
            os.replace(tmp_name, dest)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        return dest

    def verify(self, key: str) -> bool:
        """Re-hash the stored bytes: True if they match the recorded SHA-256.

        False also when no digest was recorded (an object sohoa did not write).
        """
        with self._open(key) as (stream, recorded):
            actual = sha256_stream(stream)
        return recorded is not None and actual == recorded
