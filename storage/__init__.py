"""Object store: one write-once interface, a local-folder backend (embedded default) and
an S3 backend through the ``minio`` SDK (MinIO in production).

Modules: :mod:`storage.base` (interface, shared read paths), :mod:`storage.local`,
:mod:`storage.s3` (imported only when S3 is configured), :mod:`storage.config`
(``SOHOA_*`` settings), :mod:`storage.keys` (key rules and the layout of everything
stored), :mod:`storage.errors`. :func:`open_store` is the one way in.
"""

from storage.base import ObjectInfo, ObjectStore, PutResult
from storage.config import StoreConfig
from storage.errors import (
    InvalidKeyError,
    ObjectExistsError,
    ObjectNotFoundError,
    StoreConfigError,
    StoredBytesMismatchError,
    StoreError,
    StoreUnavailableError,
)
from storage.keys import document_key, done_key, original_key, page_keys, validate_key, work_prefix
from storage.local import LocalStore

__all__ = [
    "StoredBytesMismatchError",
    "InvalidKeyError",
    "LocalStore",
    "ObjectExistsError",
    "ObjectInfo",
    "ObjectNotFoundError",
    "ObjectStore",
    "PutResult",
    "StoreConfig",
    "StoreConfigError",
    "StoreError",
    "StoreUnavailableError",
    "document_key",
    "done_key",
    "open_store",
    "original_key",
    "page_keys",
    "validate_key",
    "work_prefix",
]


def open_store(config: StoreConfig) -> ObjectStore:
    """The backend ``config`` names. Touches nothing yet: call ``check()`` to probe it."""
    if config.kind == "local":
        if config.root is None:
            raise StoreConfigError("local store needs a root folder")
        return LocalStore(config.root)
    if config.kind == "s3":
        from storage.s3 import S3Store  # imports the minio SDK only when S3 is used

        return S3Store(config)
    raise StoreConfigError(f"unknown store kind {config.kind!r} (local or s3)")
