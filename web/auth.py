"""Who is calling and what they may do: sign-in sessions, API tokens, roles, accounts.

A request is authenticated by ``Authorization: Bearer sohoa_…`` (API token) or by the
``sohoa_session`` cookie (the web page; unsafe methods must then carry ``X-CSRF-Token``).
``require(role)`` guards an endpoint: 401 without valid credentials, 403 without the role.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from reuse_index.accounts import (
    Account,
    DuplicateAccountError,
    ThrottleRule,
    UnknownAccountError,
)

from . import security
from .context import (
    SESSION_HOURS,
    ApiError,
    Service,
    invalid,
    not_found,
    service,
)
from .models import (
    AccountChange,
    AccountCreate,
    AccountList,
    AccountOut,
    Credentials,
    Me,
    NewToken,
    TokenList,
    TokenOut,
    TokenRequest,
)

COOKIE = "sohoa_session"
# Wrong passwords: 5 in a row for one account from one address lock that pair for 5 min
# (10, 20, … up to 1 h when it goes on); 30 from one address, whatever the accounts,
# lock the address for 15 min (up to 4 h).
ACCOUNT_RULE = ThrottleRule(failures=5, lock=timedelta(minutes=5), max_lock=timedelta(hours=1))
ADDRESS_RULE = ThrottleRule(failures=30, lock=timedelta(minutes=15),
                            max_lock=timedelta(hours=4))
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer_scheme = HTTPBearer(auto_error=False, description="API token (sohoa_…)")
cookie_scheme = APIKeyCookie(name=COOKIE, auto_error=False,
                             description="session of the web page (POST /api/session)")


@dataclass(frozen=True)
class Principal:
    username: str
    display_name: str
    roles: tuple[str, ...]
    via: str  # "session" or "token:<label>"
    csrf_token: str | None = None


def unauthenticated() -> ApiError:
    return ApiError(401, "unauthenticated", "Cần đăng nhập", "Sign-in required",
                    headers={"WWW-Authenticate": "Bearer"})


def principal(request: Request, svc: Annotated[Service, Depends(service)],
              bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
              cookie: Annotated[str | None, Depends(cookie_scheme)]) -> Principal:
    """The authenticated caller, or a 401."""
    found = _caller(svc, bearer.credentials if bearer is not None else None, cookie)
    if found is None:
        raise unauthenticated()
    who = found
    if who.via == "session" and request.method not in SAFE_METHODS and \
            request.headers.get(CSRF_HEADER) != who.csrf_token:
        raise ApiError(403, "forbidden", "Thiếu mã chống giả mạo (CSRF); "
                       "tải lại trang", "Missing or wrong CSRF token")
    return who


def _caller(svc: Service, bearer: str | None, cookie: str | None) -> Principal | None:
    """Who the credentials belong to (an active account, a usable token or an unexpired
    session), else ``None``. A bearer token, when sent, decides alone."""
    store = svc.warehouse.index.accounts
    now = datetime.now(UTC)
    if bearer is not None:
        found = store.by_token(security.digest(bearer))
        if found is None:
            return None
        account, token = found
        if not (account.active and token.usable(now)):
            return None
        if token.last_used_at is None or now - token.last_used_at > timedelta(hours=1):
            store.token_used(token.id, now)
        return Principal(account.username, account.display_name, account.roles,
                         f"token:{token.label}")
    if cookie:
        found_session = store.by_session(security.digest(cookie))
        if found_session is not None:
            account, csrf, expires = found_session
            if account.active and now < expires:
                return Principal(account.username, account.display_name, account.roles,
                                 "session", csrf)
    return None


def credentials_checker(app: Any) -> Callable[[dict[str, str]], Awaitable[bool]]:
    """For ``limits.BodyLimits``: do these request headers carry valid credentials?
    (Checked in a worker thread: it queries the index.)"""
    async def check(headers: dict[str, str]) -> bool:
        scheme, _, bearer = headers.get("authorization", "").partition(" ")
        cookie = _cookie(headers.get("cookie", ""), COOKIE)
        token = bearer.strip() if scheme.lower() == "bearer" and bearer.strip() else None
        if token is None and not cookie:
            return False
        svc: Service = app.state.service
        return await anyio.to_thread.run_sync(_caller, svc, token, cookie) is not None
    return check


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def require(role: str):
    """Dependency: the caller, who must hold ``role``."""
    async def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        # async: no I/O, so no thread-pool hop (``principal`` queries, so it stays sync)
        if role not in who.roles:
            raise ApiError(403, "forbidden", f"Tài khoản không có quyền này (cần vai trò "
                           f"{ROLE_NAMES[role]})", f"This needs the {role} role")
        return who
    return check


ROLE_NAMES = {"counter": "cán bộ một cửa", "officer": "cán bộ xử lý",
              "auditor": "kiểm tra, giám sát", "admin": "quản trị"}

router = APIRouter(prefix="/api", tags=["accounts"])
Svc = Annotated[Service, Depends(service)]
Admin = Annotated[Principal, Depends(require("admin"))]


@router.post("/session", response_model=Me, summary="Sign in (sets the session cookie)")
def sign_in(body: Credentials, request: Request, response: Response, svc: Svc) -> Me:
    store = svc.warehouse.index.accounts
    now = datetime.now(UTC)
    name = unicodedata.normalize("NFC", body.username).strip().lower()
    address = request.client.host if request.client else "-"
    # Counted before the password is checked (atomically: parallel guesses cannot race
    # past the limit), keyed by account *and* address, so nobody elsewhere can lock an
    # admin out, plus by address alone against one client trying many accounts. Unknown
    # usernames are throttled alike: the answers never tell which accounts exist.
    rules = {f"u:{name}|a:{address}": ACCOUNT_RULE, f"a:{address}": ADDRESS_RULE}
    locked_until = store.reserve_login(rules, now)
    if locked_until is not None:
        wait = max(1, int((locked_until - now).total_seconds()) + 1)
        raise ApiError(429, "locked", "Nhập sai mật khẩu nhiều lần; tạm khoá đăng nhập từ "
                       f"máy này, thử lại sau {_minutes(wait)} phút",
                       "Too many wrong passwords from this address; try again later",
                       headers={"Retry-After": str(wait)})
    account = store.get(name)
    if account is None:
        security.fake_password_check(body.password)
        raise _bad_credentials()
    ok, rehash = security.verify_password(account.password_hash, body.password)
    if not ok or not account.active:
        raise _bad_credentials()
    store.login_cleared([f"u:{name}|a:{address}"], now)
    store.login_succeeded(account.username, password_hash=rehash)
    token, csrf = security.new_session_token(), security.new_session_token()
    store.add_session(security.digest(token), username=account.username, csrf_token=csrf,
                      expires_at=now + timedelta(hours=SESSION_HOURS))
    response.set_cookie(COOKIE, token, max_age=SESSION_HOURS * 3600, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return Me(username=account.username, display_name=account.display_name,
              roles=list(account.roles), csrf_token=csrf, via="session")


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def _bad_credentials() -> ApiError:
    return ApiError(401, "unauthenticated", "Sai tên đăng nhập hoặc mật khẩu",
                    "Wrong username or password")


@router.delete("/session", status_code=204, summary="Sign out")
def sign_out(request: Request, svc: Svc,
             who: Annotated[Principal, Depends(principal)]) -> Response:
    cookie = request.cookies.get(COOKIE)
    if cookie:
        svc.warehouse.index.accounts.end_session(security.digest(cookie))
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/me", response_model=Me, summary="Who is signed in")
def me(who: Annotated[Principal, Depends(principal)]) -> Me:
    return Me(username=who.username, display_name=who.display_name, roles=list(who.roles),
              csrf_token=who.csrf_token, via=who.via)


# -- accounts (admin) -----------------------------------------------------------------------


@router.get("/accounts", response_model=AccountList, summary="List accounts")
def list_accounts(svc: Svc, who: Admin) -> AccountList:
    return AccountList(accounts=[_account_out(a) for a in svc.warehouse.index.accounts.list()])


@router.post("/accounts", response_model=AccountOut, status_code=201,
             summary="Create an account")
def create_account(body: AccountCreate, request: Request, svc: Svc, who: Admin) -> AccountOut:
    password_hash = None
    if body.password is not None:
        _check_password(body.password, body.username, body.display_name or "")
        password_hash = security.hash_password(body.password)
    try:
        account = svc.warehouse.index.accounts.add(
            body.username, display_name=body.display_name, password_hash=password_hash,
            roles=body.roles)
    except DuplicateAccountError as exc:
        raise ApiError(409, "exists", "Tên đăng nhập đã có", "That username exists") from exc
    svc.record("account", request, actor=who.username, via=who.via, action="create",
               username=account.username, roles=list(account.roles))
    return _account_out(account)


@router.patch("/accounts/{username}", response_model=AccountOut,
              summary="Change an account (roles, active, name, password)")
def change_account(username: str, body: AccountChange, request: Request, svc: Svc,
                   who: Admin) -> AccountOut:
    password_hash = None
    if body.password is not None:
        _check_password(body.password, username, body.display_name or "")
        password_hash = security.hash_password(body.password)
    if username == who.username and (body.active is False or
                                     (body.roles is not None and "admin" not in body.roles)):
        raise invalid("Không thể tự khoá hoặc bỏ quyền quản trị của chính mình",
                      "You cannot deactivate yourself or drop your own admin role")
    before = svc.warehouse.index.accounts.get(username)
    try:
        account = svc.warehouse.index.accounts.update(
            username, display_name=body.display_name, roles=body.roles, active=body.active,
            password_hash=password_hash)
    except (UnknownAccountError, ValueError) as exc:
        raise not_found("tài khoản", "account") from exc
    changes = sorted(k for k, v in body.model_dump(exclude={"password"}).items()
                     if v is not None) + (["password"] if password_hash else [])
    svc.record("account", request, actor=who.username, via=who.via, action="change",
               username=account.username, changed=changes,
               roles_before=list(before.roles) if before else None, roles=list(account.roles))
    return _account_out(account)


@router.get("/accounts/{username}/tokens", response_model=TokenList,
            summary="An account's API tokens (never the token text)")
def list_tokens(username: str, svc: Svc, who: Admin) -> TokenList:
    store = svc.warehouse.index.accounts
    if store.get(username) is None:
        raise not_found("tài khoản", "account")
    return TokenList(tokens=[TokenOut(**t.to_dict()) for t in store.tokens(username)])


@router.post("/accounts/{username}/tokens", response_model=NewToken, status_code=201,
             summary="Issue an API token (the text is shown once)")
def issue_token(username: str, body: TokenRequest, request: Request, svc: Svc,
                who: Admin) -> NewToken:
    store = svc.warehouse.index.accounts
    if store.get(username) is None:
        raise not_found("tài khoản", "account")
    token_id, text = security.new_api_token()
    expires = (datetime.now(UTC) + timedelta(days=body.expires_days)
               if body.expires_days else None)
    token = store.add_token(token_id, token_sha256=security.digest(text), username=username,
                            label=body.label, expires_at=expires)
    svc.record("account", request, actor=who.username, via=who.via, action="token_issued",
               username=token.username, token_id=token.id, label=token.label)
    return NewToken(token=text, **token.to_dict())


@router.delete("/tokens/{token_id}", response_model=TokenOut, summary="Revoke an API token")
def revoke_token(token_id: str, request: Request, svc: Svc, who: Admin) -> TokenOut:
    token = svc.warehouse.index.accounts.revoke_token(token_id)
    if token is None:
        raise not_found("mã truy cập", "token")
    svc.record("account", request, actor=who.username, via=who.via, action="token_revoked",
               username=token.username, token_id=token.id)
    return TokenOut(**token.to_dict())


def _check_password(password: str, username: str = "", display_name: str = "") -> None:
    reason = security.check_password_strength(password, username=username,
                                              display_name=display_name)
    if reason:
        raise invalid(reason, "Password refused: at least "
                      f"{security.MIN_PASSWORD_LENGTH} characters, not a common or easily "
                      "guessed password")


def _account_out(account: Account) -> AccountOut:
    return AccountOut(**account.to_dict())
