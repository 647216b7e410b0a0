"""Who signs, as configured: :class:`SigningConfig` from the ``SOHOA_SIGNING_*`` /
``SOHOA_PKCS11_*`` / ``SOHOA_TSA_URL`` / ``SOHOA_TRUST_ROOTS`` settings (falling back to the
demo PKI under ``SOHOA_HOME/keys``), and the signing errors. Imports no pyHanko: reading
the configuration (is a key set up? which roots are trusted?) costs nothing.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from common.errors import ExitCode, SohoaError

ENV_P12 = "SOHOA_SIGNING_P12"
ENV_PASSWORD = "SOHOA_SIGNING_PASSWORD"
ENV_PASSWORD_FILE = "SOHOA_SIGNING_PASSWORD_FILE"
ENV_PKCS11_LIB = "SOHOA_PKCS11_LIB"
ENV_PKCS11_TOKEN = "SOHOA_PKCS11_TOKEN"
ENV_PKCS11_KEY_LABEL = "SOHOA_PKCS11_KEY_LABEL"
ENV_PKCS11_PIN = "SOHOA_PKCS11_PIN"
ENV_AGENCY_NAME = "SOHOA_AGENCY_NAME"
ENV_TSA_URL = "SOHOA_TSA_URL"
ENV_TRUST_ROOTS = "SOHOA_TRUST_ROOTS"

_CONFIG_HELP_VI = (
    f"Cấu hình khóa ký số của cơ quan: đặt {ENV_P12} là đường dẫn tệp .p12/.pfx và "
    f"{ENV_PASSWORD} (hoặc {ENV_PASSWORD_FILE}: tệp chứa mật khẩu); hoặc dùng token USB "
    f"qua {ENV_PKCS11_LIB}, {ENV_PKCS11_TOKEN}, {ENV_PKCS11_KEY_LABEL}, {ENV_PKCS11_PIN}."
)


class SigningError(SohoaError):
    """Signing failed. ``message_vi`` is for the user; ``str()`` is the English detail."""

    exit_code = ExitCode.signing_key
    message_vi = "Không ký số được tài liệu."
    message_en = "The document could not be signed."

    def __init__(self, detail: str = "", *, message_vi: str | None = None,
                 source: str = "") -> None:
        Exception.__init__(self, detail or self.message_en)
        self.source = source
        self.page = None
        self.detail = detail
        if message_vi is not None:
            self.message_vi = message_vi


class SigningKeyError(SigningError):
    """The key or certificate is missing, locked, too weak or expired."""

    message_vi = "Không mở được khóa ký số của cơ quan. " + _CONFIG_HELP_VI
    message_en = "The agency's signing key could not be opened."


@dataclass(frozen=True)
class DemoPki:
    """Files of the demo PKI (see :func:`create_demo_pki`)."""

    ca_cert: Path
    p12: Path
    password_file: Path


def demo_pki_paths(home: Path) -> DemoPki:
    keys = Path(home) / "keys"
    return DemoPki(ca_cert=keys / "demo-ca.pem", p12=keys / "demo-agency.p12",
                   password_file=keys / "demo-agency.password")


@dataclass(frozen=True)
class SigningConfig:
    """Where the agency's key is and how to sign. Secrets are kept out of ``repr``."""

    p12_path: Path | None = None
    p12_password: bytes | None = field(default=None, repr=False)
    pkcs11_lib: str | None = None
    pkcs11_token: str | None = None
    pkcs11_key_label: str | None = None
    pkcs11_pin: str | None = field(default=None, repr=False)
    agency_name: str = ""
    tsa_url: str | None = None
    trust_roots: tuple[Path, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, home: Path) -> SigningConfig:
        """Read ``SOHOA_*`` variables; fall back to the demo PKI under ``home/keys``."""

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        p12 = get(ENV_P12)
        p12_path = Path(p12).expanduser() if p12 else None
        password = _password_from_env(env)
        pkcs11_lib = get(ENV_PKCS11_LIB)
        trust = [Path(p).expanduser() for p in env.get(ENV_TRUST_ROOTS, "").split(os.pathsep)
                 if p.strip()]
        if p12_path is None and pkcs11_lib is None:
            demo = demo_pki_paths(home)
            if demo.p12.is_file():
                p12_path = demo.p12
                if password is None and demo.password_file.is_file():
                    password = _read_password_file(demo.password_file)
                if demo.ca_cert.is_file() and demo.ca_cert not in trust:
                    trust.append(demo.ca_cert)
        return cls(
            p12_path=p12_path, p12_password=password, pkcs11_lib=pkcs11_lib,
            pkcs11_token=get(ENV_PKCS11_TOKEN), pkcs11_key_label=get(ENV_PKCS11_KEY_LABEL),
            pkcs11_pin=get(ENV_PKCS11_PIN),
            agency_name=unicodedata.normalize("NFC", get(ENV_AGENCY_NAME) or ""),
            tsa_url=get(ENV_TSA_URL), trust_roots=tuple(trust),
        )

    def configured(self) -> bool:
        """A key source is set (it may still fail to open)."""
        return self.p12_path is not None or self.pkcs11_lib is not None


def _password_from_env(env: Mapping[str, str]) -> bytes | None:
    if env.get(ENV_PASSWORD):
        return env[ENV_PASSWORD].encode("utf-8")
    file = env.get(ENV_PASSWORD_FILE, "").strip()
    return _read_password_file(Path(file).expanduser()) if file else None


def _read_password_file(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"cannot read the password file ({exc.strerror})",
            message_vi=(f"Không đọc được tệp mật khẩu khóa ký số ({ENV_PASSWORD_FILE}). "
                        "Kiểm tra đường dẫn và quyền đọc tệp."),
        ) from exc
    return data.rstrip(b"\r\n")
