"""Accounts, API tokens and sign-in sessions of the web service, stored in the index database.

This module stores and fetches rows; it does no cryptography. Callers (``web/security.py``)
hash passwords (Argon2id) and hand in SHA-256 digests of tokens, never the tokens.
Usernames are NFC, stripped and lowercased.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy import exc as sa_exc

from .db import connect, transaction
from .errors import IndexStoreError
from .schema import accounts, api_tokens, login_throttle, sessions

ROLES = ("counter", "officer", "auditor", "admin")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


@dataclass(frozen=True)
class ThrottleRule:
    """``failures`` wrong passwords in a row under one key lock it for ``lock`` (doubled
    for each further lock in a row, at most ``max_lock``); counts older than ``forget``
    start again from zero."""

    failures: int
    lock: timedelta
    max_lock: timedelta
    forget: timedelta = timedelta(hours=1)

    def lock_for(self, locks_before: int) -> timedelta:
        return min(self.max_lock, self.lock * (2 ** min(locks_before, 16)))


class DuplicateAccountError(IndexStoreError):
    """An account with that username exists already."""


class UnknownAccountError(IndexStoreError):
    """No account with that username."""


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    roles: tuple[str, ...]
    active: bool
    password_hash: str | None
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the password hash."""
        return {"username": self.username, "display_name": self.display_name,
                "roles": list(self.roles), "active": self.active,
                "created_at": self.created_at.isoformat(),
                "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None}


@dataclass(frozen=True)
class ApiToken:
    id: str
    username: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def to_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None
        return {"id": self.id, "username": self.username, "label": self.label,
                "created_at": self.created_at.isoformat(), "expires_at": iso(self.expires_at),
                "revoked_at": iso(self.revoked_at), "last_used_at": iso(self.last_used_at)}


def clean_username(username: str) -> str:
    """The stored form of a username; ``ValueError`` when it is not a valid one."""
    name = unicodedata.normalize("NFC", username).strip().lower()
    if not USERNAME_RE.match(name):
        raise ValueError("username: 2-63 characters a-z, 0-9, '.', '_', '-' "
                         "(starting with a letter or digit)")
    return name


def clean_roles(roles: Iterable[str]) -> tuple[str, ...]:
    wanted = {r.strip().lower() for r in roles if r.strip()}
    unknown = wanted - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)}; roles are {list(ROLES)}")
    return tuple(r for r in ROLES if r in wanted)


class AccountStore:
    """Account, token and session rows on the index's engine (see ``ReuseIndex.accounts``)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- accounts -------------------------------------------------------------------------

    def add(self, username: str, *, display_name: str, password_hash: str | None,
            roles: Iterable[str], active: bool = True) -> Account:
        name = clean_username(username)
        now = datetime.now(UTC)
        values = {"username": name, "display_name": _nfc(display_name) or name,
                  "password_hash": password_hash, "roles": ",".join(clean_roles(roles)),
                  "active": active, "failed_logins": 0, "locked_until": None,
                  "created_at": now, "updated_at": now, "last_login_at": None}
        try:
            with transaction(self._engine) as conn:
                conn.execute(insert(accounts).values(values))
        except IndexStoreError as exc:
            if isinstance(exc.__cause__, sa_exc.IntegrityError):
                raise DuplicateAccountError(f"account {name!r} exists") from exc
            raise
        account = self.get(name)
        assert account is not None
        return account

    def get(self, username: str) -> Account | None:
        try:
            name = clean_username(username)
        except ValueError:
            return None
        with connect(self._engine) as conn:
            row = conn.execute(select(accounts).where(accounts.c.username == name)
                               ).mappings().first()
        return _account(row) if row else None

    def list(self) -> list[Account]:
        with connect(self._engine) as conn:
            rows = conn.execute(select(accounts).order_by(accounts.c.username)).mappings()
            return [_account(row) for row in rows]

    def count(self) -> int:
        return len(self.list())

    def update(self, username: str, *, display_name: str | None = None,
               roles: Iterable[str] | None = None, active: bool | None = None,
               password_hash: str | None = None) -> Account:
        """Change what is given; a new password also clears a lock. Deactivating an
        account ends its sessions and revokes its API tokens for good (enabling it again
        does not bring them back)."""
        name = clean_username(username)
        values: dict[str, Any] = {"updated_at": datetime.now(UTC)}
        if display_name is not None:
            values["display_name"] = _nfc(display_name) or name
        if roles is not None:
            values["roles"] = ",".join(clean_roles(roles))
        if active is not None:
            values["active"] = active
        if password_hash is not None:
            values.update(password_hash=password_hash, failed_logins=0, locked_until=None)
        with transaction(self._engine) as conn:
            result = conn.execute(update(accounts).where(accounts.c.username == name)
                                  .values(values))
            if not result.rowcount:
                raise UnknownAccountError(f"no account {name!r}")
            if active is False or password_hash is not None:
                conn.execute(delete(sessions).where(sessions.c.username == name))
            if active is False:
                conn.execute(update(api_tokens).where(api_tokens.c.username == name,
                                                      api_tokens.c.revoked_at.is_(None))
                             .values(revoked_at=values["updated_at"]))
        account = self.get(name)
        assert account is not None
        return account

    def login_succeeded(self, username: str, *, password_hash: str | None = None) -> None:
        """Reset the failure count; ``password_hash`` replaces an outdated hash."""
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None,
                                  "last_login_at": datetime.now(UTC)}
        if password_hash is not None:
            values["password_hash"] = password_hash
        with transaction(self._engine) as conn:
            conn.execute(update(accounts).where(accounts.c.username == username).values(values))

    # -- sign-in throttling ----------------------------------------------------------------

    def reserve_login(self, rules: dict[str, ThrottleRule], now: datetime) -> datetime | None:
        """Count one sign-in attempt against every key of ``rules`` *before* the password is
        checked, in one write transaction, so parallel guesses cannot slip past the limit.
        Returns when the earliest refused key unlocks, or ``None`` if the attempt may go on
        (a success then calls ``login_cleared``)."""
        with transaction(self._engine, write=True) as conn:
            rows = {}
            for key in rules:
                conn.execute(_insert_ignore(conn, {"key": key, "failures": 0, "locks": 0,
                                                   "locked_until": None, "updated_at": now}))
                row = conn.execute(select(login_throttle).where(login_throttle.c.key == key)
                                   .with_for_update()).mappings().one()
                rows[key] = row
            refused = [u for u in (_utc(r["locked_until"]) for r in rows.values())
                       if u is not None and now < u]
            if refused:
                return max(refused)
            for key, rule in rules.items():
                row = rows[key]
                fresh = now - (_utc(row["updated_at"]) or now) > rule.forget
                failures = (0 if fresh else int(row["failures"])) + 1
                locks = 0 if fresh and row["locked_until"] is None else int(row["locks"])
                values: dict[str, Any] = {"failures": failures, "updated_at": now}
                if failures >= rule.failures:
                    values.update(failures=0, locks=locks + 1,
                                  locked_until=now + rule.lock_for(locks))
                conn.execute(update(login_throttle).where(login_throttle.c.key == key)
                             .values(values))
        return None

    def login_cleared(self, keys: Iterable[str], now: datetime) -> None:
        """A right password: the attempt reserved under ``keys`` was no failure."""
        with transaction(self._engine, write=True) as conn:
            for key in keys:
                conn.execute(update(login_throttle).where(login_throttle.c.key == key)
                             .values(failures=0, locks=0, locked_until=None, updated_at=now))

    def clear_login_locks(self, username: str | None = None) -> int:
        """Forget counted failures and locks (an admin unlocking a colleague from the CLI:
        ``username``'s keys only; ``None``: all). Returns the keys cleared."""
        query = delete(login_throttle)
        if username is not None:
            query = query.where(login_throttle.c.key.like(
                f"u:{clean_username(username)}|a:%"))
        with transaction(self._engine, write=True) as conn:
            return conn.execute(query).rowcount or 0

    # -- API tokens -----------------------------------------------------------------------

    def add_token(self, token_id: str, *, token_sha256: str, username: str, label: str,
                  expires_at: datetime | None) -> ApiToken:
        name = clean_username(username)
        values = {"id": token_id, "token_sha256": token_sha256, "username": name,
                  "label": _nfc(label) or token_id, "created_at": datetime.now(UTC),
                  "expires_at": expires_at, "revoked_at": None, "last_used_at": None}
        if self.get(name) is None:
            raise UnknownAccountError(f"no account {name!r}")
        with transaction(self._engine) as conn:
            conn.execute(insert(api_tokens).values(values))
        return _token(values)

    def tokens(self, username: str) -> list[ApiToken]:
        name = clean_username(username)
        with connect(self._engine) as conn:
            rows = conn.execute(select(api_tokens).where(api_tokens.c.username == name)
                                .order_by(api_tokens.c.created_at)).mappings()
            return [_token(row) for row in rows]

    def revoke_token(self, token_id: str) -> ApiToken | None:
        with transaction(self._engine) as conn:
            conn.execute(update(api_tokens).where(api_tokens.c.id == token_id,
                                                  api_tokens.c.revoked_at.is_(None))
                         .values(revoked_at=datetime.now(UTC)))
            row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)
                               ).mappings().first()
        return _token(row) if row else None

    def by_token(self, token_sha256: str) -> tuple[Account, ApiToken] | None:
        """The account and token for a token digest (usable or not: the caller checks)."""
        stmt = (select(accounts, *[c.label(f"t_{c.name}") for c in api_tokens.c])
                .join(api_tokens, api_tokens.c.username == accounts.c.username)
                .where(api_tokens.c.token_sha256 == token_sha256))
        with connect(self._engine) as conn:
            row = conn.execute(stmt).mappings().first()
        if row is None:
            return None
        token = _token({c.name: row[f"t_{c.name}"] for c in api_tokens.c})
        return _account(row), token

    def token_used(self, token_id: str, at: datetime) -> None:
        with transaction(self._engine) as conn:
            conn.execute(update(api_tokens).where(api_tokens.c.id == token_id)
                         .values(last_used_at=at))

    # -- sessions -------------------------------------------------------------------------

    def add_session(self, token_sha256: str, *, username: str, csrf_token: str,
                    expires_at: datetime) -> None:
        now = datetime.now(UTC)
        with transaction(self._engine) as conn:
            conn.execute(delete(sessions).where(sessions.c.expires_at < now))
            conn.execute(insert(sessions).values(
                token_sha256=token_sha256, username=username, csrf_token=csrf_token,
                created_at=now, expires_at=expires_at))

    def by_session(self, token_sha256: str) -> tuple[Account, str, datetime] | None:
        """(account, CSRF token, expiry) of a session digest, or ``None``."""
        stmt = (select(accounts, sessions.c.csrf_token, sessions.c.expires_at.label("s_exp"))
                .join(sessions, sessions.c.username == accounts.c.username)
                .where(sessions.c.token_sha256 == token_sha256))
        with connect(self._engine) as conn:
            row = conn.execute(stmt).mappings().first()
        if row is None:
            return None
        return _account(row), row["csrf_token"], _utc(row["s_exp"])

    def end_session(self, token_sha256: str) -> None:
        with transaction(self._engine) as conn:
            conn.execute(delete(sessions).where(sessions.c.token_sha256 == token_sha256))


def _insert_ignore(conn: Any, values: dict[str, Any]) -> Any:
    """INSERT that does nothing when the key exists (SQLite and PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(login_throttle).values(values).on_conflict_do_nothing(
        index_elements=["key"])


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _account(row: Any) -> Account:
    return Account(username=row["username"], display_name=row["display_name"],
                   roles=tuple(r for r in (row["roles"] or "").split(",") if r),
                   active=bool(row["active"]), password_hash=row["password_hash"],
                   failed_logins=int(row["failed_logins"]),
                   locked_until=_utc(row["locked_until"]), created_at=_utc(row["created_at"]),
                   last_login_at=_utc(row["last_login_at"]))


def _token(row: Any) -> ApiToken:
    return ApiToken(id=row["id"], username=row["username"], label=row["label"],
                    created_at=_utc(row["created_at"]), expires_at=_utc(row["expires_at"]),
                    revoked_at=_utc(row["revoked_at"]), last_used_at=_utc(row["last_used_at"]))
