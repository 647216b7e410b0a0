"""Which object store to use: :class:`StoreConfig`, read from ``SOHOA_*`` variables
(:func:`storage.open_store` opens it).

Variables (no ``SOHOA_S3_ENDPOINT`` → the local folder store):

| variable | meaning | default |
| --- | --- | --- |
| ``SOHOA_STORE_DIR`` | local store folder | the caller's ``default_root`` |
| ``SOHOA_S3_ENDPOINT`` | ``host:port`` or ``http(s)://host:port`` | — (local) |
| ``SOHOA_S3_ACCESS_KEY`` / ``SOHOA_S3_SECRET_KEY`` | credentials (required with S3) | — |
| ``SOHOA_S3_BUCKET`` | bucket | ``sohoa`` |
| ``SOHOA_S3_SECURE`` | ``1`` HTTPS / ``0`` HTTP (a URL's scheme also sets it) | ``0`` |
| ``SOHOA_S3_REGION`` | region (skips the location lookup) | asked from the server |
| ``SOHOA_S3_RETENTION_DAYS`` | object-lock retention per object, 0 = none | ``0`` |
| ``SOHOA_S3_RETENTION_MODE`` | ``GOVERNANCE`` or ``COMPLIANCE`` | ``GOVERNANCE`` |
| ``SOHOA_S3_CREATE_BUCKET`` | create a missing bucket (``1``/``0``) | ``1`` |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from storage.errors import StoreConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class StoreConfig:
    kind: str = "local"  # "local" or "s3"
    root: Path | None = None  # local store folder
    endpoint: str | None = None  # "host:port", no scheme
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)  # never in logs or reprs
    bucket: str = "sohoa"
    secure: bool = False
    region: str | None = None
    retention_days: int = 0
    retention_mode: str = "GOVERNANCE"
    create_bucket: bool = True
    connect_timeout: float = 3.0  # seconds; an unreachable endpoint fails fast
    read_timeout: float = 30.0  # per socket read; a stalled server fails in ~1 min
    retries: int = 2

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, default_root: Path) -> StoreConfig:
        """The configuration the ``SOHOA_*`` variables describe (table in module doc)."""
        raw_endpoint = env.get("SOHOA_S3_ENDPOINT", "").strip()
        if not raw_endpoint:
            root = env.get("SOHOA_STORE_DIR", "").strip()
            return cls(kind="local", root=Path(root) if root else Path(default_root))
        endpoint, url_secure = _parse_endpoint(raw_endpoint)
        secure = _parse_bool(env, "SOHOA_S3_SECURE", default=url_secure)
        if url_secure is not None and secure != url_secure:
            raise StoreConfigError(f"SOHOA_S3_SECURE contradicts the scheme of {raw_endpoint}")
        access_key = env.get("SOHOA_S3_ACCESS_KEY", "").strip()
        secret_key = env.get("SOHOA_S3_SECRET_KEY", "").strip()
        if not (access_key and secret_key):
            raise StoreConfigError("SOHOA_S3_ACCESS_KEY and SOHOA_S3_SECRET_KEY are required "
                                   "with SOHOA_S3_ENDPOINT")
        mode = env.get("SOHOA_S3_RETENTION_MODE", "GOVERNANCE").strip().upper()
        if mode not in ("GOVERNANCE", "COMPLIANCE"):
            raise StoreConfigError(f"SOHOA_S3_RETENTION_MODE must be GOVERNANCE or "
                                   f"COMPLIANCE, not {mode!r}")
        return cls(kind="s3", endpoint=endpoint, access_key=access_key, secret_key=secret_key,
                   bucket=env.get("SOHOA_S3_BUCKET", "").strip() or "sohoa",
                   secure=bool(secure), region=env.get("SOHOA_S3_REGION", "").strip() or None,
                   retention_days=_parse_days(env), retention_mode=mode,
                   create_bucket=bool(_parse_bool(env, "SOHOA_S3_CREATE_BUCKET", default=True)))


def _parse_endpoint(raw: str) -> tuple[str, bool | None]:
    """("host:port", secure from the scheme or None when there was no scheme)."""
    if "://" not in raw:
        if "/" in raw:
            raise StoreConfigError(f"SOHOA_S3_ENDPOINT must be host:port or a URL: {raw!r}")
        return raw, None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StoreConfigError(f"SOHOA_S3_ENDPOINT must be http(s)://host[:port]: {raw!r}")
    if parts.path.strip("/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise StoreConfigError(f"SOHOA_S3_ENDPOINT must have no path, query or user: {raw!r}")
    return parts.netloc, parts.scheme == "https"


def _parse_bool(env: Mapping[str, str], name: str, *, default: bool | None) -> bool | None:
    value = env.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False if value else default
    raise StoreConfigError(f"{name} must be 1 or 0, not {value!r}")


def _parse_days(env: Mapping[str, str]) -> int:
    value = env.get("SOHOA_S3_RETENTION_DAYS", "").strip() or "0"
    try:
        days = int(value)
    except ValueError:
        days = -1
    if days < 0:
        raise StoreConfigError(f"SOHOA_S3_RETENTION_DAYS must be a whole number ≥ 0: {value!r}")
    return days
