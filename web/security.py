"""Secrets of the web service: password hashes, API and session tokens, signed links.

- Passwords: Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile); hashes made
  with older parameters are upgraded at the next sign-in.
- API tokens: ``sohoa_<id>_<secret>``; the index keeps only SHA-256 of the whole text (a
  256-bit random secret needs no slow hash) and the public ``id`` to list and revoke it.
- Sessions: a random cookie value, also stored as SHA-256, plus a CSRF token.
- Links (page previews, local downloads): ``<payload>.<HMAC-SHA-256>`` in URL-safe base64,
  with an expiry inside the payload, under the server's secret key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TOKEN_PREFIX = "sohoa_"
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verifying against this keeps a sign-in for an unknown user as slow as for a known one.
_DUMMY_HASH = _hasher.hash("sohoa-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str, *, username: str = "",
                            display_name: str = "") -> str | None:
    """A Vietnamese reason the password is refused, or ``None``.

    At least ``MIN_PASSWORD_LENGTH`` characters that are not blank padding, not one of
    the 30,000 most common passwords (zxcvbn's list, from leaked password sets), and
    not guessable by zxcvbn's estimate (score ≥ 3: keyboard runs, dates, repeats, words
    plus a digit, the username itself)."""
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        return (f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự "
                "(không tính khoảng trắng đầu, cuối)")
    if len(set(password)) < 5:
        return "Mật khẩu lặp lại quá ít ký tự khác nhau"
    if password.lower() in _common_passwords():
        return "Mật khẩu này nằm trong danh sách mật khẩu phổ biến; chọn mật khẩu khác"
    from zxcvbn import zxcvbn

    hints = [h for h in (username, display_name) if h]
    if zxcvbn(password[:100], user_inputs=hints)["score"] < 3:
        return "Mật khẩu quá dễ đoán (từ thông dụng, ngày tháng, dãy phím, tên đăng nhập); " \
            "hãy dùng cụm nhiều từ hoặc thêm ký hiệu"
    return None


@functools.cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def verify_password(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, new hash when the stored one should be upgraded)."""
    if not password_hash:
        _safe_verify(_DUMMY_HASH, password)
        return False, None
    if not _safe_verify(password_hash, password):
        return False, None
    return True, hash_password(password) if _hasher.check_needs_rehash(password_hash) else None


def _safe_verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def fake_password_check(password: str) -> None:
    """Spend the time of a real check (unknown username: no timing difference)."""
    _safe_verify(_DUMMY_HASH, password)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_api_token() -> tuple[str, str]:
    """(public id, full token text)."""
    token_id = secrets.token_hex(4)
    return token_id, f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def load_secret(env: dict[str, str] | Any, home: Path) -> bytes:
    """``SOHOA_SECRET_KEY`` if set, else ``home/secret.key`` (created once, mode 0600)."""
    configured = (env.get("SOHOA_SECRET_KEY") or "").strip()
    if configured:
        return configured.encode("utf-8")
    path = Path(home) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret.key.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_hex(32).encode("ascii"))
        try:
            os.link(tmp, path)  # first writer wins when several workers start at once
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes().strip()


@dataclass(frozen=True)
class LinkSigner:
    """Signs and checks short-lived links; ``purpose`` keeps preview and download links
    from being swapped for one another."""

    key: bytes

    def sign(self, purpose: str, payload: dict[str, Any], *, ttl_s: int) -> str:
        body = dict(payload, p=purpose, exp=int(time.time()) + ttl_s)
        raw = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{raw}.{self._mac(raw)}"

    def check(self, purpose: str, token: str) -> dict[str, Any] | None:
        """The payload of a valid, unexpired link for ``purpose``, else ``None``."""
        raw, _, mac = token.partition(".")
        if not raw or not (raw + mac).isascii() or not hmac.compare_digest(mac, self._mac(raw)):
            return None
        try:
            body = json.loads(_unb64(raw))
        except ValueError:
            return None
        if not isinstance(body, dict) or body.get("p") != purpose:
            return None
        if not isinstance(body.get("exp"), int) or body["exp"] < time.time():
            return None
        return body

    def _mac(self, raw: str) -> str:
        return _b64(hmac.new(self.key, raw.encode("ascii"), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("bad link") from exc
