"""S3 backend through the ``minio`` SDK (MinIO in production; any S3 server works).

Owns: the minio client and its HTTP pool (short connect timeout, few retries, so an
unreachable endpoint fails in seconds instead of minutes), translation of SDK/network
errors into :mod:`storage.errors`, bucket preparation and object-lock retention.

Write-once on S3: ``stat`` before ``put`` (same SHA-256 → ``existed=True``, different →
:class:`ObjectExistsError`), and a ``stat`` after it to catch a concurrent writer that
slipped in between. The digest travels as user metadata ``x-amz-meta-sha256``. When the
bucket has S3 Object Lock (MinIO: created with ``--with-lock``; this store creates it so
when ``retention_days`` > 0) every object gets a retention of ``retention_days`` in
``retention_mode`` — then not even an administrator's delete removes a version before it
expires (COMPLIANCE) or without a special permission (GOVERNANCE). Buckets without lock
still work; one warning is logged.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE, GOVERNANCE
from minio.error import MinioException, S3Error, ServerError
from minio.helpers import check_bucket_name, genheaders, md5sum_hash
from minio.retention import Retention

from storage.base import (
    DEFAULT_CONTENT_TYPE,
    SHA256_META,
    HashingReader,
    ObjectInfo,
    ObjectStore,
    PutResult,
    check_metadata,
    open_source,
    sha256_file,
    sha256_stream,
)
from storage.errors import (
    ObjectExistsError,
    ObjectNotFoundError,
    StoreConfigError,
    StoreError,
    StoreUnavailableError,
)
from storage.keys import validate_key, validate_prefix

if TYPE_CHECKING:
    from storage.config import StoreConfig

log = logging.getLogger(__name__)

META_PREFIX = "x-amz-meta-"
PART_SIZE = 5 * 1024 * 1024  # multipart part (S3 minimum); an upload holds ~2 parts
PARALLEL_PARTS = 1  # sequential parts: ~10 MiB per upload; workers add parallelism
MAX_PARTS = 10_000  # S3 limit; beyond PART_SIZE × this the SDK picks a larger part
MAX_PRESIGN = timedelta(days=7)  # S3 signature v4 limit
RETENTION_MODES = {"GOVERNANCE": GOVERNANCE, "COMPLIANCE": COMPLIANCE}

_NOT_FOUND = {"NoSuchKey", "NoSuchObject", "NotFound", "NoSuchVersion"}
_UNAVAILABLE = {"NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied",
                "ExpiredToken", "InvalidToken", "AuthorizationHeaderMalformed",
                "RequestTimeTooSkewed", "InvalidBucketName", "ServiceUnavailable",
                "SlowDown", "XMinioServerNotInitialized"}
_BUCKET_RACE = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}
_warned: set[tuple[str, str]] = set()  # (endpoint, bucket) whose missing lock was logged


def make_http_client(*, connect_timeout: float, read_timeout: float,
                     retries: int) -> urllib3.PoolManager:
    """The pool the minio client uses: fail fast on dead endpoints, verify TLS.

    A read timeout is retried at most once: a server that accepts connections but never
    answers costs about 2 × ``read_timeout``, not minutes.
    """
    retry = urllib3.Retry(total=retries, connect=retries, read=min(retries, 1), status=retries,
                          backoff_factor=0.2, status_forcelist=(500, 502, 503, 504))
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        retries=retry, maxsize=10, cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where())


@contextlib.contextmanager
def translate_errors(endpoint: str, bucket: str, key: str | None = None) -> Iterator[None]:
    """Turn minio/urllib3 failures into :mod:`storage.errors` (English details)."""
    where = f"s3://{bucket}/{key}" if key else f"s3://{bucket}"
    try:
        yield
    except S3Error as exc:
        if exc.code in _NOT_FOUND:
            raise ObjectNotFoundError(f"no object {where}", key=key) from exc
        if exc.code in _UNAVAILABLE:
            raise StoreUnavailableError(f"{endpoint}: {exc.code} for {where}: {exc.message}",
                                        key=key) from exc
        raise StoreError(f"{endpoint}: {exc.code} for {where}: {exc.message}", key=key) from exc
    except (ServerError, MinioException) as exc:
        raise StoreUnavailableError(f"{endpoint}: bad answer for {where}: {exc}") from exc
    except urllib3.exceptions.HTTPError as exc:
        raise StoreUnavailableError(f"cannot reach {endpoint} ({where}): {exc}") from exc


class _Client(Minio):
    """minio-py, plus ``Content-MD5`` on every request with a body. minio-py sends it
    only over https; AWS S3 (and other services) refuse a PutObject or UploadPart under
    object-lock retention without it or an ``x-amz-checksum-*`` header, over http too."""

    def _build_headers(self, host: str, headers: Any = None, body: bytes | None = None,
                       creds: Any = None) -> tuple[Any, Any]:
        built, date = super()._build_headers(host, headers, body, creds)
        if body and not built.get("Content-MD5"):
            built["Content-MD5"] = md5sum_hash(body)
        return built, date


class _Lost(Exception):
    """A conditional create found the key taken."""


class S3Store(ObjectStore):
    """Objects in one S3 bucket. Thread-safe (the minio client is)."""

    name = "s3"

    def __init__(self, config: StoreConfig) -> None:
        if not config.endpoint:
            raise StoreConfigError("S3 store needs an endpoint (SOHOA_S3_ENDPOINT)")
        if config.retention_mode not in RETENTION_MODES:
            raise StoreConfigError(f"retention mode must be GOVERNANCE or COMPLIANCE, not "
                                   f"{config.retention_mode!r}")
        self.config = config
        self.endpoint = config.endpoint
        self.bucket = config.bucket
        http = make_http_client(connect_timeout=config.connect_timeout,
                                read_timeout=config.read_timeout, retries=config.retries)
        try:
            check_bucket_name(config.bucket, strict=True)
            self._client = _Client(config.endpoint, access_key=config.access_key,
                                 secret_key=config.secret_key, secure=config.secure,
                                 region=config.region, http_client=http)
        except ValueError as exc:
            raise StoreConfigError(f"invalid S3 endpoint or bucket: {exc}") from exc
        self._ready = False
        self._locked = False
        self._ready_lock = threading.Lock()

    def __repr__(self) -> str:
        scheme = "https" if self.config.secure else "http"
        return f"S3Store({scheme}://{self.endpoint}/{self.bucket})"

    def _errors(self, key: str | None = None) -> contextlib.AbstractContextManager[None]:
        return translate_errors(self.endpoint, self.bucket, key)

    # -- bucket and object lock ----------------------------------------------------------

    def check(self) -> None:
        """Bucket reachable with these credentials (created if missing and allowed)."""
        with self._ready_lock:
            self._prepare()
        with self._errors():  # listing proves read access beyond the bucket's existence
            next(iter(self._client.list_objects(self.bucket, prefix="originals/")), None)

    def _ensure_ready(self) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                self._prepare()

    def _prepare(self) -> None:
        with self._errors():
            if not self._client.bucket_exists(self.bucket):
                self._create_bucket()
            self._locked = self._detect_lock()
        self._report_lock()
        self._ready = True

    def _create_bucket(self) -> None:
        if not self.config.create_bucket:
            raise StoreUnavailableError(f"{self.endpoint}: bucket {self.bucket!r} does not "
                                        "exist (and creating it is disabled)")
        with_lock = self.config.retention_days > 0
        try:
            self._client.make_bucket(self.bucket, object_lock=with_lock)
        except S3Error as exc:
            if exc.code not in _BUCKET_RACE:
                raise
        log.info("created bucket %s on %s (object lock %s)", self.bucket, self.endpoint,
                 "on" if with_lock else "off")

    def _detect_lock(self) -> bool:
        try:
            self._client.get_object_lock_config(self.bucket)
        except S3Error as exc:
            if exc.code not in ("ObjectLockConfigurationNotFoundError", "NotImplemented",
                                "InvalidRequest", "MethodNotAllowed", "InvalidBucketState"):
                log.warning("object lock status of bucket %s unknown (%s); writing without "
                            "retention", self.bucket, exc.code)
            return False
        return True

    def _report_lock(self) -> None:
        if self.config.retention_days <= 0:
            return
        if self._locked:
            log.info("bucket %s: object lock on, %s retention %d days", self.bucket,
                     self.config.retention_mode, self.config.retention_days)
            return
        if (self.endpoint, self.bucket) not in _warned:
            _warned.add((self.endpoint, self.bucket))
            log.warning("bucket %s has no object lock: retention_days=%d is not enforced "
                        "(create the bucket with object lock to get it)", self.bucket,
                        self.config.retention_days)

    def _retention(self) -> Retention | None:
        if not (self._locked and self.config.retention_days > 0):
            return None
        until = datetime.now(UTC) + timedelta(days=self.config.retention_days)
        return Retention(RETENTION_MODES[self.config.retention_mode], until)

    @property
    def object_lock(self) -> bool:
        """Whether the bucket enforces retention (known after ``check`` or a first put)."""
        self._ensure_ready()
        return self._locked

    # -- writing -------------------------------------------------------------------------

    def put_bytes(self, key: str, data: bytes, *, content_type: str = DEFAULT_CONTENT_TYPE,
                  metadata: Mapping[str, str] | None = None) -> PutResult:
        key = validate_key(key)
        meta = check_metadata(metadata)
        digest = hashlib.sha256(data).hexdigest()
        found = self._already_stored(key, digest, len(data))
        if found:
            return found
        reader = HashingReader(io.BytesIO(data))
        return self._upload(key, reader, len(data), digest, content_type, meta)

    def put_file(self, key: str, path: Path, *, content_type: str = DEFAULT_CONTENT_TYPE,
                 metadata: Mapping[str, str] | None = None) -> PutResult:
        """Two streamed passes: hash (the digest goes in the request headers), upload."""
        key = validate_key(key)
        meta = check_metadata(metadata)
        digest, size = sha256_file(Path(path))
        found = self._already_stored(key, digest, size)
        if found:
            return found
        with open_source(Path(path)) as src:
            return self._upload(key, HashingReader(src), size, digest, content_type, meta)

    def _already_stored(self, key: str, digest: str, size: int) -> PutResult | None:
        """None if ``key`` is free; PutResult(existed=True) or ObjectExistsError if not."""
        self._ensure_ready()
        try:
            stored = self._stored_sha256(key)
        except ObjectNotFoundError:
            return None
        if stored != digest:
            raise ObjectExistsError(f"s3://{self.bucket}/{key}: stored SHA-256 {stored} "
                                    f"differs from the new bytes' {digest}", key=key)
        return PutResult(key, digest, size, existed=True)

    def _stored_sha256(self, key: str) -> str:
        info = self.stat(key)
        if info.sha256:
            return info.sha256
        with self._open(key) as (stream, _sha):  # written by someone else: hash the bytes
            return sha256_stream(stream)

    def _upload(self, key: str, reader: HashingReader, size: int, digest: str,
                content_type: str, meta: Mapping[str, str]) -> PutResult:
        headers = {**meta, SHA256_META: digest}
        if size <= PART_SIZE:
            return self._put_single(key, reader.read(), digest, content_type, headers)
        with self._errors(key):
            self._client.put_object(self.bucket, key, reader, size, content_type=content_type,
                                    metadata=headers, retention=self._retention(),
                                    part_size=PART_SIZE if size <= PART_SIZE * MAX_PARTS else 0,
                                    num_parallel_uploads=PARALLEL_PARTS)
        return self._uploaded(key, reader, size, digest)

    def _put_single(self, key: str, data: bytes, digest: str, content_type: str,
                    meta: Mapping[str, str]) -> PutResult:
        """One PutObject that cannot replace an object: ``x-amz-checksum-sha256`` (the
        service checks the bytes; ``_Client`` adds Content-MD5) and ``If-None-Match: *``
        (a conditional create: a concurrent writer gets 412 instead of overwriting;
        services that ignore it are still caught by the stat after)."""
        if hashlib.sha256(data).hexdigest() != digest:
            raise StoreError(f"{key}: the source changed while it was uploaded", key=key)
        headers = genheaders({**meta, "Content-Type": content_type}, None, None,
                             self._retention(), False)
        headers["x-amz-checksum-sha256"] = base64.b64encode(bytes.fromhex(digest)).decode()
        headers["If-None-Match"] = "*"
        try:
            with self._errors(key):
                try:
                    self._client._put_object(self.bucket, key, data, headers)  # noqa: SLF001
                except S3Error as exc:
                    if exc.code not in ("PreconditionFailed", "ConditionalRequestConflict"):
                        raise
                    raise _Lost() from exc
        except _Lost:
            found = self._already_stored(key, digest, len(data))  # same bytes: fine
            if found:
                return found
            raise ObjectExistsError(f"s3://{self.bucket}/{key}: a concurrent writer got "
                                    "there first", key=key) from None
        return self._uploaded(key, None, len(data), digest)

    def _uploaded(self, key: str, reader: HashingReader | None, size: int,
                  digest: str) -> PutResult:
        if reader is not None and reader.hexdigest() != digest:
            log.error("source of %s changed during upload; stored digest is wrong", key)
            raise StoreError(f"{key}: the source changed while it was uploaded", key=key)
        self._confirm_winner(key, digest)
        log.debug("stored s3 %s (%d bytes)", key, size)
        return PutResult(key, digest, size, existed=False)

    def _confirm_winner(self, key: str, digest: str) -> None:
        """After a put: a different digest means a concurrent writer replaced ours."""
        stored = self.stat(key).sha256
        if stored != digest:
            raise ObjectExistsError(f"s3://{self.bucket}/{key}: a concurrent writer stored "
                                    f"SHA-256 {stored}", key=key)

    # -- reading -------------------------------------------------------------------------

    def stat(self, key: str) -> ObjectInfo:
        key = validate_key(key)
        with self._errors(key):
            obj = self._client.stat_object(self.bucket, key)
        meta = _user_metadata(obj.metadata or {})
        sha = meta.pop(SHA256_META, None)
        return ObjectInfo(key=key, size=int(obj.size or 0), sha256=sha,
                          last_modified=obj.last_modified, content_type=obj.content_type,
                          metadata=meta)

    @contextlib.contextmanager
    def _open(self, key: str) -> Iterator[tuple[BinaryIO, str | None]]:
        key = validate_key(key)
        with self._errors(key):
            response = self._client.get_object(self.bucket, key)
        try:
            sha = _user_metadata(response.headers).get(SHA256_META)
            with self._errors(key):
                yield response, sha  # type: ignore[misc]  # urllib3 response is file-like
        finally:
            response.close()
            response.release_conn()

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Exact key order on any server: one delimited listing per "folder", merged.

        A flat listing is in key order on AWS and MinIO but in folder order on SeaweedFS
        (``a/b`` before ``a-c``). Listing folder by folder and sorting each level, where a
        sub-folder sorts as its name plus ``/``, gives key order everywhere and keeps one
        folder's listing in memory at a time.
        """
        yield from self._walk(validate_prefix(prefix))

    def _walk(self, prefix: str) -> Iterator[str]:
        with self._errors():
            names = sorted({obj.object_name for obj in self._client.list_objects(
                self.bucket, prefix=prefix or None, recursive=False) if obj.object_name})
        for name in names:
            if not name.endswith("/"):
                yield name
            elif name != prefix:  # a "folder/" marker object lists itself under its prefix
                yield from self._walk(name)

    def presigned_get_url(self, key: str, *,
                          expires: timedelta = timedelta(minutes=10)) -> str:
        key = validate_key(key)
        if not timedelta(seconds=1) <= expires <= MAX_PRESIGN:
            raise ValueError(f"expires must be between 1 second and {MAX_PRESIGN}")
        with self._errors(key):
            return self._client.presigned_get_object(self.bucket, key, expires=expires)


def _user_metadata(headers: Mapping[str, str]) -> dict[str, str]:
    """``x-amz-meta-*`` headers as a plain dict, names lower-cased, prefix removed."""
    return {name.lower()[len(META_PREFIX):]: value for name, value in headers.items()
            if name.lower().startswith(META_PREFIX)}
