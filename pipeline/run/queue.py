"""The queue: dramatiq's broker and actors, running the batch work units
(:mod:`pipeline.run.work`) on a Redis or RabbitMQ queue, and :func:`enqueue` that feeds them.

The broker is set up here, once, at import, from the settings (``SOHOA_BROKER_URL``:
``redis://…`` or ``amqp://…``; without it a stub broker is installed so the module
imports in tests and local mode). Workers run ``sohoa worker`` (= ``dramatiq
pipeline.run.queue``). Messages carry ids and object keys, never file bytes.

- ``ocr_page``: one page of a stored original; when it finishes the original's last page,
  it queues ``assemble``.
- ``assemble``: the original's papers → PDF/A, signature, store, index (idempotent).

Failures: an unreachable store or database (an error whose ``retryable`` is set, or any
error that is not a sohoa error) is retried with exponential backoff (1 s … 5 min,
8 tries); a permanent error (:data:`PERMANENT_ERRORS`: an unreadable file, a write-once
conflict, a bad key, a duplicate, a schema from a newer sohoa, a signing key problem) is
recorded on the work row as ``failed`` and never retried — the actors also declare them
with ``throws=``. When retries run out the message is dead-lettered and the work row says
``dead``; ``sohoa status`` shows both.

Settings: ``SOHOA_BROKER_HEARTBEAT_MS`` (Redis: how soon a killed worker's messages are
handed to another, default 60 000), ``SOHOA_BROKER_NAMESPACE``, ``SOHOA_QUEUE_PREFIX``
(default ``sohoa``: deployments sharing a broker stay apart), ``SOHOA_METRICS_PORT``
(dramatiq's Prometheus exporter: pages processed, failures, retries, in-flight messages,
durations), ``SOHOA_OCR_ENGINE``.
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
from common.settings import Settings
from pipeline.page.intake import list_pages
from pipeline.run.batch import BatchSummary, DossierJob
from pipeline.scan import DossierScanner, ScanRequest
from pipeline.signing.config import SigningError
from reuse_index import DuplicateDocumentError, SchemaTooNewError
from storage import done_key
from storage.errors import (
    InvalidKeyError,
    ObjectExistsError,
    ObjectNotFoundError,
    StoreConfigError,
    StoredBytesMismatchError,
)

log = logging.getLogger(__name__)

SETTINGS = Settings.load()  # the broker's settings: this module is the queue's edge
QUEUE_PREFIX = SETTINGS.queue_prefix  # one deployment's queues
PAGE_QUEUE = f"{QUEUE_PREFIX}-pages"
ASSEMBLE_QUEUE = f"{QUEUE_PREFIX}-assemble"
MAX_RETRIES = 8

# Errors that no retry can cure: recorded as failed at once, never retried.
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    ObjectExistsError, InvalidKeyError, StoreConfigError, StoredBytesMismatchError,
    ObjectNotFoundError, DuplicateDocumentError, SchemaTooNewError, SigningError,
)


def permanent(exc: BaseException) -> bool:
    """True when retrying ``exc`` cannot help: a declared permanent error, or a sohoa
    error that is not marked ``retryable`` (bad input, a page that failed, no engine)."""
    if isinstance(exc, PERMANENT_ERRORS):
        return True
    return isinstance(exc, SohoaError) and not exc.retryable


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


def make_broker(url: str | None, settings: Settings | None = None) -> dramatiq.Broker:
    """The broker ``url`` names, tuned by ``settings`` (default: this process's)."""
    settings = settings or SETTINGS
    if not url or url.startswith("stub:"):  # tests and local mode
        broker = StubBroker()
        broker.add_middleware(WorkStatus())
        return broker
    middleware = [m() for m in dramatiq.middleware.default_middleware] + [WorkStatus()]
    if settings.metrics_port:
        from dramatiq.middleware.prometheus import Prometheus

        # dramatiq's exporter reads these two from the environment
        os.environ.setdefault("dramatiq_prom_host", "127.0.0.1")
        os.environ.setdefault("dramatiq_prom_port", str(settings.metrics_port))
        middleware.append(Prometheus())
    if url.startswith(("redis://", "rediss://", "unix://")):
        from dramatiq.brokers.redis import RedisBroker

        heartbeat = settings.broker_heartbeat_ms
        return RedisBroker(url=url, middleware=middleware, heartbeat_timeout=heartbeat,
                           maintenance_chance=1_000_000 if heartbeat < 60000 else 1000,
                           namespace=settings.broker_namespace)
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url, middleware=middleware)
    raise ValueError(f"SOHOA_BROKER_URL must be redis://… or amqp://…, got {url.split(':')[0]}")


broker = make_broker(SETTINGS.broker_url)
dramatiq.set_broker(broker)


class _Context:
    """Per worker process: settings, store, index, signer (loaded once, on first use)."""

    def __init__(self) -> None:
        from pipeline.run.submit import open_store_checked, page_options
        from reuse_index import ReuseIndex

        self.settings = Settings.load()
        self.store = open_store_checked(self.settings)
        self.index = ReuseIndex.from_env(self.settings.env, home=self.settings.home)
        self.options = page_options(self.settings)
        self._scanner: DossierScanner | None = None

    def scanner(self) -> DossierScanner:
        """The assembling scanner; the signing key is loaded on first use only (page
        workers never need it)."""
        if self._scanner is None:
            from pipeline.run.submit import make_scanner, open_signer

            self._scanner = make_scanner(self.settings, self.store, self.index,
                                         options=self.options,
                                         signer=open_signer(self.settings), workers=1)
        return self._scanner


_CONTEXT: _Context | None = None


def _context() -> _Context:
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = _Context()
    return _CONTEXT


@dramatiq.actor(queue_name=PAGE_QUEUE, max_retries=MAX_RETRIES, min_backoff=1000,
                max_backoff=300_000, time_limit=30 * 60 * 1000, throws=PERMANENT_ERRORS)
def ocr_page(sha256: str, original_key: str, source: str, page: int,
             request: dict[str, Any]) -> None:
    from pipeline.run.work import run_page

    ctx = _context()
    try:
        finished = run_page(ctx.store, ctx.index, sha256=sha256, original_key=original_key,
                            source=source, page=page, options=ctx.options)
    except Exception as exc:
        if not permanent(exc):
            raise  # retried with backoff
        log.warning("page %d of %s failed for good: %s", page + 1, source,
                    exc.describe("en") if isinstance(exc, SohoaError) else repr(exc))
        ctx.index.work.set(sha256, page, "failed", error=_message(exc))
        done, total = ctx.index.work.pages_finished(sha256)
        finished = done >= total
    if finished:
        assemble.send(sha256, original_key, source, request)


@dramatiq.actor(queue_name=ASSEMBLE_QUEUE, max_retries=MAX_RETRIES, min_backoff=1000,
                max_backoff=300_000, time_limit=30 * 60 * 1000, throws=PERMANENT_ERRORS)
def assemble(sha256: str, original_key: str, source: str, request: dict[str, Any]) -> None:
    from pipeline.run.work import load_pages

    ctx = _context()
    if ctx.store.exists(done_key(sha256)):
        ctx.index.work.set(sha256, -1, "done")
        return
    ctx.index.work.set(sha256, -1, "running")
    _, total = ctx.index.work.pages_finished(sha256)
    try:
        scanner = ctx.scanner()
        with tempfile.TemporaryDirectory(prefix="sohoa-assemble-") as tmp:
            pages = load_pages(ctx.store, sha256, total, Path(tmp))
            docs = scanner.store_papers(Path(source), ScanRequest.from_dict(request), sha256,
                                        original_key, pages, Path(tmp))
    except Exception as exc:
        if not permanent(exc):
            raise
        ctx.index.work.set(sha256, -1, "failed", error=_message(exc))
        return
    ctx.index.work.set(sha256, -1, "done")
    log.info("assembled %d paper(s) from %s", len(docs), sha256[:12])


def _message(exc: BaseException) -> str:
    return exc.describe("vi") if isinstance(exc, SohoaError) else repr(exc)


def enqueue(jobs: list[DossierJob], scanner: DossierScanner, *,
            summary: BatchSummary) -> BatchSummary:
    """Store every original, record its pages as work, and queue one message per page
    (ids and object keys only); workers assemble each original when its pages are done."""
    summary.queued = True
    for job in jobs:
        request = job.request
        scanner.receive(request, len(job.files))
        failed = 0
        for path in job.files:
            summary.files += 1
            try:
                sha, okey = scanner.store_original(path)
                earlier = scanner.finished(sha)
                if earlier is not None:
                    scanner.link_reused(earlier, request)  # stored for another dossier
                    summary.skipped += 1
                    continue
                n = len(list_pages(path))
            except SohoaError as exc:
                failed += 1
                summary.files_failed += 1
                summary.problem(request.dossier, exc, source=path.name)
                continue
            scanner.index.work.add(sha, dossier_code=request.dossier, source=path.name,
                                   pages_total=n)
            sent = 0
            for page in range(n):
                if scanner.index.work.state(sha, page) in ("done", "failed"):
                    continue
                ocr_page.send(sha, okey, path.name, page, request.to_dict())
                sent += 1
            if not sent:  # pages all done before: only the assembly is left
                assemble.send(sha, okey, path.name, request.to_dict())
            summary.pages += n
        if failed and failed == len(job.files):
            summary.failed += 1
        else:
            summary.done += 1
            summary.partial += bool(failed)
    return summary
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
