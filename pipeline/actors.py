"""dramatiq actors: the batch work units (:mod:`pipeline.work`) on a Redis or RabbitMQ queue.

``SOHOA_BROKER_URL`` picks the broker (``redis://…`` or ``amqp://…``); without it a stub
broker is installed so the module imports (tests, local mode). Workers run
``sohoa worker`` (= ``dramatiq pipeline.actors``). Messages carry ids and object keys,
never file bytes.

- ``ocr_page``: one page of a stored original; when it finishes the original's last page,
  it queues ``assemble``.
- ``assemble``: the original's papers → PDF/A, signature, store, index (idempotent).

Failures: an unreachable store or database is transient — the message is retried with
exponential backoff (1 s … 5 min, 8 tries); an unreadable file is permanent — recorded on
the work row as ``failed`` and not retried. When retries run out the message is
dead-lettered and the work row says ``dead``; ``sohoa status`` shows both.

Redis settings for tests and tuning: ``SOHOA_BROKER_HEARTBEAT_MS`` (how soon a killed
worker's messages are handed to another, default 60 000) and
``SOHOA_BROKER_NAMESPACE``; ``SOHOA_QUEUE_PREFIX`` (default ``sohoa``) names the queues,
so deployments sharing a broker stay apart. ``SOHOA_METRICS_PORT`` turns on dramatiq's Prometheus
exporter (pages processed, failures, retries, in-flight messages, durations).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware

from common.errors import SohoaError

log = logging.getLogger(__name__)

QUEUE_PREFIX = os.environ.get("SOHOA_QUEUE_PREFIX", "sohoa")  # one deployment's queues
PAGE_QUEUE = f"{QUEUE_PREFIX}-pages"
ASSEMBLE_QUEUE = f"{QUEUE_PREFIX}-assemble"
MAX_RETRIES = 8
TRANSIENT_EXIT_CODES = {5, 7}  # object store, index database: worth retrying


class WorkStatus(Middleware):
    """Dead letters and permanent failures into the index's work table."""

    def after_nack(self, broker, message) -> None:
        _mark(message, "dead", "retries exhausted")

    def after_skip_message(self, broker, message) -> None:
        _mark(message, "dead", "skipped")


def _mark(message, state: str, error: str) -> None:
    try:
        args = message.args
        page = args[3] if message.actor_name == "ocr_page" else -1
        _context().index.work.set(args[0], page, state, error=error)
    except Exception:  # noqa: BLE001 - bookkeeping must not break the worker
        log.exception("could not record %s message %s", state, message.message_id)


def make_broker(url: str | None) -> dramatiq.Broker:
    if not url or url.startswith("stub:"):  # tests and local mode
        broker = StubBroker()
        broker.add_middleware(WorkStatus())
        return broker
    middleware = [m() for m in dramatiq.middleware.default_middleware] + [WorkStatus()]
    if os.environ.get("SOHOA_METRICS_PORT"):
        from dramatiq.middleware.prometheus import Prometheus

        os.environ.setdefault("dramatiq_prom_host", "127.0.0.1")
        os.environ.setdefault("dramatiq_prom_port", os.environ["SOHOA_METRICS_PORT"])
        middleware.append(Prometheus())
    if url.startswith(("redis://", "rediss://", "unix://")):
        from dramatiq.brokers.redis import RedisBroker

        heartbeat = int(os.environ.get("SOHOA_BROKER_HEARTBEAT_MS", "60000"))
        return RedisBroker(url=url, middleware=middleware, heartbeat_timeout=heartbeat,
                           maintenance_chance=1_000_000 if heartbeat < 60000 else 1000,
                           namespace=os.environ.get("SOHOA_BROKER_NAMESPACE", "sohoa"))
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url, middleware=middleware)
    raise ValueError(f"SOHOA_BROKER_URL must be redis://… or amqp://…, got {url.split(':')[0]}")


broker = make_broker(os.environ.get("SOHOA_BROKER_URL"))
dramatiq.set_broker(broker)


class _Context:
    """Per worker process: settings, warehouse, signer (loaded once, on first use)."""

    def __init__(self) -> None:
        from common.settings import Settings

        from .page import PageOptions
        from .warehouse import Warehouse

        self.settings = Settings.load()
        self.warehouse = Warehouse.open(self.settings)
        self.options = PageOptions(engine=os.environ.get("SOHOA_ENGINE", "tesseract"))
        self._scanner = None

    @property
    def index(self):
        return self.warehouse.index

    @property
    def store(self):
        return self.warehouse.store

    def scanner(self):
        """The assembling scanner; the signing key is loaded on first use only (page
        workers never need it)."""
        if self._scanner is None:
            from .dossier import DossierScanner
            from .signing import SigningConfig, load_signer

            signer = load_signer(SigningConfig.from_env(self.settings.env,
                                                        home=self.settings.home))
            self._scanner = DossierScanner(store=self.store, index=self.index, signer=signer,
                                           options=self.options, workers=1)
        return self._scanner


_CONTEXT: _Context | None = None


def _context() -> _Context:
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = _Context()
    return _CONTEXT


def _transient(exc: BaseException) -> bool:
    return not isinstance(exc, SohoaError) or exc.exit_code in TRANSIENT_EXIT_CODES


@dramatiq.actor(queue_name=PAGE_QUEUE, max_retries=MAX_RETRIES, min_backoff=1000,
                max_backoff=300_000, time_limit=30 * 60 * 1000)
def ocr_page(sha256: str, original_key: str, source: str, page: int,
             request: dict[str, Any]) -> None:
    from .work import run_page

    ctx = _context()
    try:
        finished = run_page(ctx.store, ctx.index, sha256=sha256, original_key=original_key,
                            source=source, page=page, options=ctx.options)
    except SohoaError as exc:
        if _transient(exc):
            raise  # retried with backoff
        log.warning("page %d of %s failed for good: %s", page + 1, source, exc.describe("en"))
        ctx.index.work.set(sha256, page, "failed", error=exc.describe("vi"))
        done, total = ctx.index.work.pages_finished(sha256)
        finished = done >= total
    if finished:
        assemble.send(sha256, original_key, source, request)


@dramatiq.actor(queue_name=ASSEMBLE_QUEUE, max_retries=MAX_RETRIES, min_backoff=1000,
                max_backoff=300_000, time_limit=30 * 60 * 1000)
def assemble(sha256: str, original_key: str, source: str, request: dict[str, Any]) -> None:
    from storage import done_key

    from .dossier import ScanRequest
    from .work import load_pages

    ctx = _context()
    if ctx.store.exists(done_key(sha256)):
        ctx.index.work.set(sha256, -1, "done")
        return
    ctx.index.work.set(sha256, -1, "running")
    scanner = ctx.scanner()
    _, total = ctx.index.work.pages_finished(sha256)
    try:
        with tempfile.TemporaryDirectory(prefix="sohoa-assemble-") as tmp:
            pages = load_pages(ctx.store, sha256, total, Path(tmp))
            docs = scanner.store_papers(Path(source), ScanRequest.from_dict(request), sha256,
                                        original_key, pages, Path(tmp))
    except SohoaError as exc:
        if _transient(exc):
            raise
        ctx.index.work.set(sha256, -1, "failed", error=exc.describe("vi"))
        return
    ctx.index.work.set(sha256, -1, "done")
    log.info("assembled %d paper(s) from %s", len(docs), sha256[:12])


def queue_depths() -> dict[str, dict[str, int]] | None:
    """Messages per queue — ready, delayed (retry backoff), dead-lettered — from the
    broker itself; None when it cannot say."""
    queues = (PAGE_QUEUE, ASSEMBLE_QUEUE)
    try:
        if type(broker).__name__ == "RedisBroker":
            client, ns = broker.client, broker.namespace

            def size(key: str) -> int:
                kind = client.type(key)
                kind = kind.decode() if isinstance(kind, bytes) else kind
                return int(client.zcard(key) if kind == "zset" else
                           client.llen(key) if kind == "list" else 0)

            return {q: {"ready": size(f"{ns}:{q}"), "delayed": size(f"{ns}:{q}.DQ"),
                        "dead": size(f"{ns}:{q}.XQ")} for q in queues}
        if type(broker).__name__ == "RabbitmqBroker":
            out = {}
            for q in queues:
                ready, delayed, dead = broker.get_queue_message_counts(q)
                out[q] = {"ready": ready, "delayed": delayed, "dead": dead}
            return out
    except Exception as exc:  # noqa: BLE001 - status must still show the index's view
        log.warning("cannot read queue depths from the broker: %s", exc)
    return None
