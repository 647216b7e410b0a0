"""Request body limits, enforced before a handler reads or parses the body.

FastAPI reads and parses a request's body (JSON, or multipart spooled to temporary
files) before it runs the dependencies that authenticate the caller, so without this
layer an anonymous client could make the server hold or spool gigabytes. ``BodyLimits``
sits in front of the routers and, per route:

- refuses at once (413) a ``Content-Length`` above the route's limit;
- for uploads, refuses (401) a request that carries no valid session or token, before a
  byte of the body is read;
- counts the body while it streams and stops it (413) at the limit, whatever
  ``Content-Length`` said (or with chunked transfer);
- stops a body whose next chunk does not come within ``read_timeout_s`` (408).

JSON and form calls get ``SMALL_BODY`` bytes (sign-in, account changes, attach,
searches); only ``POST /api/scans`` gets the upload limit (``SOHOA_MAX_UPLOAD_MB``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SMALL_BODY = 64 * 1024  # the largest JSON call (account with roles, attach) is < 2 KB
READ_TIMEOUT_S = 30.0
UPLOAD_ROUTES = frozenset({("POST", "/api/scans")})

Authenticated = Callable[[dict[str, str]], Awaitable[bool]]


class BodyTooLarge(HTTPException):
    """Raised from inside ``receive``: FastAPI passes HTTP exceptions through its body
    parsing unchanged, so the caller gets this 413 instead of a parse error."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=limit)
        self.limit = limit


class BodyTimeout(HTTPException):
    def __init__(self) -> None:
        super().__init__(408, detail="body read timeout")


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    small_bytes: int = SMALL_BODY
    read_timeout_s: float = READ_TIMEOUT_S

    def for_route(self, method: str, path: str) -> int:
        return self.upload_bytes if (method, path.rstrip("/")) in UPLOAD_ROUTES \
            else self.small_bytes


class BodyLimits:
    """ASGI middleware applying ``Limits``; ``authenticated`` decides, from the request
    headers alone, whether an upload may start streaming."""

    def __init__(self, app: ASGIApp, *, limits: Limits, authenticated: Authenticated) -> None:
        self.app, self.limits, self.authenticated = app, limits, authenticated

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        limit = self.limits.for_route(method, path)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if (method, path.rstrip("/")) in UPLOAD_ROUTES and not await self.authenticated(headers):
            await _answer(send, 401, "unauthenticated", "Cần đăng nhập", "Sign-in required",
                          extra=[(b"www-authenticate", b"Bearer")])
            return
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await _answer(send, 400, "bad_request", "Yêu cầu không hợp lệ",
                              "Bad Content-Length")
                return
            if int(declared) > limit:
                await _too_large(send, limit)
                return
        received = 0
        timeout = self.limits.read_timeout_s

        async def limited() -> Message:
            nonlocal received
            try:
                message = await asyncio.wait_for(receive(), timeout)
            except TimeoutError:
                raise BodyTimeout() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, watched_send)
        except BodyTooLarge as exc:  # raised outside FastAPI's handlers (e.g. streaming)
            if not started:
                await _too_large(send, exc.limit)
        except BodyTimeout:
            if not started:
                await _answer(send, 408, "timeout", "Gửi dữ liệu quá chậm; thử lại",
                              "Request body timed out")


def too_large_message(limit: int) -> tuple[str, str]:
    """(Vietnamese, English) text of a 413 for ``limit`` bytes."""
    if limit >= 1 << 20:
        size, size_en = f"{limit >> 20} MB", f"{limit >> 20} MB"
    else:
        size, size_en = f"{limit >> 10} KB", f"{limit >> 10} KB"
    return (f"Dữ liệu gửi lên quá lớn (tối đa {size})", f"Request body too large "
            f"(at most {size_en})")


async def _too_large(send: Send, limit: int) -> None:
    vi, en = too_large_message(limit)
    await _answer(send, 413, "too_large", vi, en)


async def _answer(send: Send, status: int, code: str, message: str, message_en: str, *,
                  extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"code": code, "message": message, "message_en": message_en},
                      ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode("ascii")),
               (b"connection", b"close"), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": status,
                "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})
