"""The ``SOHOA_*`` settings, typed, loaded once at the edge (the CLI, the web app factory,
the queue's broker module) and passed down; nothing deeper reads the environment.

``SOHOA_HOME`` (default: the user's data directory, e.g. ``~/.local/share/sohoa``) holds
the local object store, the SQLite index and local demo keys. ``SOHOA_CONFIG`` may name a
TOML file of the same ``SOHOA_*`` keys; the environment wins over the file.

Typed fields cover the settings several packages share (the OCR engine, the broker, the
server, the agency ...). Each package parses its own section from :attr:`Settings.env`
where that section is its business alone: ``storage.StoreConfig.from_env`` (``SOHOA_S3_*``,
``SOHOA_STORE_DIR``), ``pipeline.signing.SigningConfig.from_env`` (``SOHOA_SIGNING_*``,
``SOHOA_PKCS11_*``, ``SOHOA_TSA_URL``, ``SOHOA_TRUST_ROOTS``), ``ReuseIndex.from_env``
(``SOHOA_DATABASE_URL``), the export key and the web link secret.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from .errors import InvalidRequestError

DEFAULT_ENGINE = "auto"  # ocr_models.registry: tesseract+aster when its model is installed


class SettingsError(InvalidRequestError):
    message_vi = "Cấu hình SOHOA_* không hợp lệ"
    message_en = "Invalid SOHOA_* setting"


@dataclass(frozen=True)
class Settings:
    home: Path
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # merged SOHOA_* values
    ocr_engine: str = DEFAULT_ENGINE  # SOHOA_OCR_ENGINE (SOHOA_ENGINE: its old name)
    ui_lang: str = "vi"  # SOHOA_UI_LANG
    user: str | None = None  # SOHOA_USER: the actor CLI commands record
    agency: str | None = None  # SOHOA_AGENCY (or SOHOA_AGENCY_CODE): batch's default agency
    agency_name: str | None = None  # SOHOA_AGENCY_NAME: on the visible signature
    broker_url: str | None = None  # SOHOA_BROKER_URL: redis://… or amqp://…
    queue_prefix: str = "sohoa"  # SOHOA_QUEUE_PREFIX
    broker_heartbeat_ms: int = 60_000  # SOHOA_BROKER_HEARTBEAT_MS (Redis)
    broker_namespace: str = "sohoa"  # SOHOA_BROKER_NAMESPACE (Redis)
    metrics_port: int | None = None  # SOHOA_METRICS_PORT
    host: str = "127.0.0.1"  # SOHOA_HOST (serve)
    port: int = 8080  # SOHOA_PORT (serve)
    max_upload_mb: int = 500  # SOHOA_MAX_UPLOAD_MB
    max_pages: int = 500  # SOHOA_MAX_PAGES: pages per file (a dossier paper is rarely > 100)
    scan_workers: int = 1  # SOHOA_SCAN_WORKERS: processes a server digitizes uploads with
    download_links: str | None = None  # SOHOA_DOWNLOAD_LINKS: presigned | server
    # SOHOA_TRUSTED_PROXIES: addresses (comma-separated, or "*") of reverse proxies whose
    # X-Forwarded-For / X-Forwarded-Proto are believed (client IP in the access log,
    # https → Secure cookies); empty: none, the socket's peer is the client.
    trusted_proxies: tuple[str, ...] = ()
    pdf_images: str = "compact"  # SOHOA_PDF_IMAGES: compact (G4 / MRC) | jpeg (one JPEG a page)

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of ``environ`` (default: the process environment) and the TOML file
        ``SOHOA_CONFIG`` names; the environment wins over the file."""
        environ = dict(os.environ if environ is None else environ)
        merged: dict[str, str] = {}
        config_file = environ.get("SOHOA_CONFIG")
        if config_file:
            try:
                with open(config_file, "rb") as fh:
                    merged.update({k: str(v) for k, v in tomllib.load(fh).items()})
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise SettingsError(detail=f"SOHOA_CONFIG {config_file}: {exc}") from exc
        merged.update({k: v for k, v in environ.items() if k.startswith("SOHOA_")})
        return cls.from_env(merged)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Typed settings from already merged ``SOHOA_*`` values."""
        def text(key: str, default: str | None = None) -> str | None:
            value = (env.get(key) or "").strip()
            return value or default

        home = Path(text("SOHOA_HOME") or user_data_dir("sohoa", appauthor=False))
        ui_lang = text("SOHOA_UI_LANG", "vi")
        if ui_lang not in ("vi", "en"):
            raise SettingsError(detail=f"SOHOA_UI_LANG must be vi or en, not {ui_lang!r}")
        links = text("SOHOA_DOWNLOAD_LINKS")
        if links not in (None, "presigned", "server"):
            raise SettingsError(detail="SOHOA_DOWNLOAD_LINKS must be presigned or server")
        pdf_images = text("SOHOA_PDF_IMAGES", "compact")
        if pdf_images not in ("compact", "jpeg"):
            raise SettingsError(detail=f"SOHOA_PDF_IMAGES must be compact or jpeg, "
                                       f"not {pdf_images!r}")
        return cls(
            home=home, env=dict(env),
            ocr_engine=text("SOHOA_OCR_ENGINE") or text("SOHOA_ENGINE") or DEFAULT_ENGINE,
            ui_lang=ui_lang, user=text("SOHOA_USER"),
            agency=text("SOHOA_AGENCY") or text("SOHOA_AGENCY_CODE"),
            agency_name=text("SOHOA_AGENCY_NAME"), broker_url=text("SOHOA_BROKER_URL"),
            queue_prefix=text("SOHOA_QUEUE_PREFIX", "sohoa") or "sohoa",
            broker_heartbeat_ms=_number(env, "SOHOA_BROKER_HEARTBEAT_MS", 60_000, low=1),
            broker_namespace=text("SOHOA_BROKER_NAMESPACE", "sohoa") or "sohoa",
            metrics_port=_number(env, "SOHOA_METRICS_PORT", None, low=1, high=65535),
            host=text("SOHOA_HOST", "127.0.0.1") or "127.0.0.1",
            port=_number(env, "SOHOA_PORT", 8080, low=1, high=65535) or 8080,
            max_upload_mb=_number(env, "SOHOA_MAX_UPLOAD_MB", 500, low=1) or 500,
            max_pages=_number(env, "SOHOA_MAX_PAGES", 500, low=1) or 500,
            scan_workers=_number(env, "SOHOA_SCAN_WORKERS", 1, low=1) or 1,
            download_links=links,
            trusted_proxies=_addresses(text("SOHOA_TRUSTED_PROXIES") or ""),
            pdf_images=pdf_images or "compact",
        )

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.env.get(key, default)

    @property
    def actor(self) -> str:
        """Who is acting, for the access log of CLI commands: ``SOHOA_USER`` or the login."""
        return self.user or getpass.getuser()


def _addresses(raw: str) -> tuple[str, ...]:
    """Proxy addresses or networks (``10.0.0.2``, ``10.0.0.0/24``, ``*``), checked."""
    import ipaddress

    out = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        if item != "*":
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise SettingsError(detail=f"SOHOA_TRUSTED_PROXIES: {item!r} is not an IP "
                                    "address or network") from exc
        out.append(item)
    return tuple(out)


def _number(env: Mapping[str, str], key: str, default: int | None, *, low: int,
            high: int | None = None) -> int | None:
    raw = (env.get(key) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        bounds = f"{low}..{high}" if high is not None else f"≥ {low}"
        raise SettingsError(detail=f"{key} must be a whole number {bounds}, not {raw!r}")
    return value
