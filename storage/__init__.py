"""Object store: one write-once interface, a local-folder backend (embedded default) and
an S3 backend through the ``minio`` SDK (MinIO in production).

Modules: :mod:`storage.base` (interface, shared read paths), :mod:`storage.local`,
:mod:`storage.s3`, :mod:`storage.config` (``SOHOA_*`` settings, :func:`open_store`),
:mod:`storage.keys` (key rules and layout), :mod:`storage.errors`.
"""

from storage.base import ObjectInfo, ObjectStore, PutResult
from storage.config import StoreConfig, open_store
from storage.errors import (
    IntegrityError,
    InvalidKeyError,
    ObjectExistsError,
    ObjectNotFoundError,
    StoreConfigError,
    StoreError,
    StoreUnavailableError,
)
from storage.keys import document_key, original_key, validate_key
from storage.local import LocalStore

__all__ = [
    "IntegrityError",
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
    "open_store",
    "original_key",
    "validate_key",
]
