"""The web service of ``sohoa serve``: the HTTP API (OpenAPI at ``/openapi.json``) and the
officers' page at ``/``.

``create_app(settings)`` opens the configured warehouse (store + index) once per process.
Routers: ``auth`` (sessions, accounts, tokens), ``documents`` (search, view, previews,
download, reuse, dossiers), ``audit`` (access log), ``reports``, ``scans`` (counter
uploads), ``meta`` (the page's domain constants). The page is ``static/index.html`` and
its ES modules under ``static/js/`` (no build step). Errors always come back as
``{"code", "message", "message_en"}``; see ``web/API.md`` for roles and what is recorded.
"""

from __future__ import annotations

import logging
import mimetypes
from contextlib import asynccontextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common import redact
from common.errors import DiskFullError, SohoaError, disk_full
from common.settings import Settings
from reuse_index import IndexStoreError
from storage import StoreError
from warehouse.access import Warehouse

from . import audit, auth, documents, limits, meta, reports, scans
from .context import ApiError, Service
from .limits import BodyLimits, BodyTimeout, BodyTooLarge, Limits, too_large_message
from .models import ErrorBody, Health
from .security import LinkSigner, load_secret

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
# Module scripts need a JavaScript MIME type (nosniff is on); some systems' tables say
# text/plain or nothing for .js.
mimetypes.add_type("text/javascript", ".js")
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in (
        (401, "not signed in"), (403, "signed in without the role for this"),
        (404, "not found"), (422, "invalid request"), (503, "store or index unavailable"))}

DESCRIPTION = """Tra cứu, kiểm tra và tái sử dụng giấy tờ đã số hoá (sohoa).

Sign in with `POST /api/session` (cookie) or send `Authorization: Bearer sohoa_…` (API
token issued by an admin). Roles: counter, officer, auditor, admin. Every search, view,
download and attach is recorded in the access log."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI application for ``settings`` (default: from the environment)."""
    redact.install()  # no citizen in this process's logs (uvicorn's access log included)
    settings = settings or Settings.load()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        scans.resume_jobs(app.state.service)  # uploads cut off by an earlier stop
        yield
        app.state.service.close()

    app = FastAPI(title="sohoa", version=_version(), description=DESCRIPTION,
                  lifespan=lifespan, responses=ERRORS, docs_url=None, redoc_url=None)
    app.state.service = _service(settings)
    app.add_middleware(BodyLimits, limits=Limits(upload_bytes=settings.max_upload_mb << 20,
                                     read_timeout_s=limits.READ_TIMEOUT_S),
                       authenticated=auth.credentials_checker(app))
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IndexStoreError, _unavailable)
    app.add_exception_handler(StoreError, _unavailable)
    app.add_exception_handler(SohoaError, _unavailable)
    app.add_exception_handler(OSError, _os_error)
    for module in (auth, documents, audit, reports, scans, meta):
        app.include_router(module.router)

    @app.get("/health", response_model=Health, tags=["service"],
             summary="Is the service up (no authentication)",
             responses={503: {"model": Health, "description": "a dependency is down"}})
    def health() -> Any:
        service: Service = app.state.service
        checks = {"index": _check(service.warehouse.index.ping),
                  "store": _check(service.warehouse.store.check)}
        status = "ok" if all(v == "ok" for v in checks.values()) else "degraded"
        body = Health(status=status, checks=checks, version=_version())
        return body if status == "ok" else JSONResponse(body.model_dump(), status_code=503)

    _api_docs(app)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> Any:
        index = STATIC / "index.html"
        if not index.exists():
            return HTMLResponse("<p>sohoa: giao diện web chưa được cài.</p>", status_code=503)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    return app


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn options that follow the settings: proxy headers only from
    ``SOHOA_TRUSTED_PROXIES`` (then the client IP and https scheme come from the proxy,
    and session cookies get ``Secure``), no Server header."""
    proxies = list(settings.trusted_proxies)
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies or None,
            "server_header": False}


def _service(settings: Settings) -> Service:
    warehouse = Warehouse.open(settings)
    mode = settings.download_links or (  # checked when the settings were loaded
        "presigned" if warehouse.store.name == "s3" else "server")
    if mode == "presigned" and warehouse.store.name != "s3":
        mode = "server"  # a local folder store has no presigned URLs worth handing out
    return Service(settings=settings, warehouse=warehouse,
                   links=LinkSigner(load_secret(settings.env, settings.home)),
                   cache_dir=settings.home / "cache", download_mode=mode,
                   jobs=scans.Jobs(settings.home / "jobs"))


def _check(probe) -> str:
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - health reports any failure as text
        log.warning("health check failed: %s", exc)
        return f"error: {type(exc).__name__}"
    return "ok"


DOCS_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>sohoa — API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>
"""
# The page's own script is a file, not inline: the CSP allows scripts from 'self' only.
DOCS_INIT = """window.ui = SwaggerUIBundle({
  url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout',
});
"""


def _api_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI from the ``fastapi-offline`` package's files (Swagger UI 5:
    OpenAPI 3.1), served here — no CDN: counters are often offline, and the CSP allows
    this server's files only. Only its files are used, not its app class."""
    try:
        import fastapi_offline

        swagger_ui_path: Path | None = Path(fastapi_offline.__file__).parent / "static"
    except ImportError:  # the package is a dependency; without it /docs says so
        swagger_ui_path = None

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> Any:
        if swagger_ui_path is None:
            return HTMLResponse("<p>Thiếu gói fastapi-offline; xem /openapi.json.</p>",
                                status_code=503)
        return HTMLResponse(DOCS_PAGE, headers={"Cache-Control": "no-cache"})

    @app.get("/docs/init.js", include_in_schema=False)
    def docs_init() -> Response:
        return Response(DOCS_INIT, media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})

    if swagger_ui_path is not None:
        app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")


def _version() -> str:
    try:
        return metadata.version("sohoa")
    except metadata.PackageNotFoundError:
        return "0"


class SecurityHeaders:
    """Headers on every answer: no sniffing, no framing, no referrer (links carry
    signatures), no caching of API answers (personal data), and the page's files
    revalidated on every load (its modules must come from one version)."""

    HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
               (b"referrer-policy", b"no-referrer"),
               (b"content-security-policy",
                b"default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
                b"script-src 'self'; frame-ancestors 'none'; base-uri 'none'")]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_api = scope["path"].startswith("/api/")
        is_static = scope["path"].startswith("/static/")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [h for h in self.HEADERS if h[0] not in names]
                if is_api and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                elif is_static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-cache"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
               "type": str(e.get("type", ""))} for e in exc.errors()]
    where = ", ".join(".".join(e["loc"][1:]) or e["loc"][0] for e in errors if e["loc"])
    body = ApiError(422, "invalid", f"Dữ liệu không hợp lệ: {where}",
                    f"Invalid request: {where}", errors=errors).body()
    return JSONResponse(body, status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, BodyTooLarge | BodyTimeout):  # the rest of the body is not read
        err = ApiError(413, "too_large", *too_large_message(exc.limit)) \
            if isinstance(exc, BodyTooLarge) else ApiError(
                408, "timeout", "Gửi dữ liệu quá chậm; thử lại", "Request body timed out")
        return JSONResponse(err.body(), status_code=err.status,
                            headers={"Connection": "close"})
    if exc.status_code == 404:
        err = ApiError(404, "not_found", "Không có địa chỉ này", "No such path")
    elif exc.status_code == 405:
        err = ApiError(405, "method_not_allowed", "Phương thức không được hỗ trợ",
                       "Method not allowed")
    else:
        err = ApiError(exc.status_code, "error", str(exc.detail), str(exc.detail))
    return JSONResponse(err.body(), status_code=err.status, headers=exc.headers)


async def _os_error(request: Request, exc: Exception) -> JSONResponse:
    if disk_full(exc):
        log.error("disk full on %s %s", request.method, request.url.path)
        full = DiskFullError()
        body = ApiError(507, "disk_full", full.message_vi, full.message_en).body()
        return JSONResponse(body, status_code=507)
    log.error("I/O error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    body = ApiError(500, "error", "Lỗi đọc ghi trên máy chủ; thử lại sau",
                    "Server I/O error; try again later").body()
    return JSONResponse(body, status_code=500)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    if disk_full(exc):
        return await _os_error(request, exc)
    log.error("dependency error on %s %s: %s", request.method, request.url.path,
              type(exc).__name__)
    log.debug("detail: %s", exc)
    body = ApiError(503, "unavailable", "Kho dữ liệu hoặc cơ sở dữ liệu tạm thời không "
                    "truy cập được; thử lại sau", "The store or index is unavailable; "
                    "try again later").body()
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
