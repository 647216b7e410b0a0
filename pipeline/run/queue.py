"""The queue: dramatiq's broker and actors, running the batch work units
(:mod:`pipeline.run.work`) on a Redis or RabbitMQ queue, and :func:`enqueue` that feeds them.

The broker is set up here, once, at import, from the settings (``SOHOA_BROKER_URL``:
``redis://…`` or ``amqp://…``; without it a stub broker is installed so the module
imports in tests and local mode). Workers run ``sohoa worker`` (= ``dramatiq
pipeline.run.queue``). Messages carry ids and object keys, never file bytes.

- ``ocr_page``: one page of a stored original; pages fan out to every worker. The message
  names the dossier's group (the originals of one dossier queued together: ``[sha256,
  original key, file name]`` each); when a page finishes the group's last page, it queues
  ``assemble_dossier``.
- ``assemble_dossier``: the group's pages grouped into papers *across its files* (a card's
  front and back scanned as two files are one paper, as ``sohoa scan`` and a local
  ``batch`` group them: :meth:`~pipeline.scan.DossierScanner.store_originals`, the same
  code), then PDF/A, signature, store, index (idempotent: a paper already indexed is kept,
  so a redelivered or doubled message stores nothing twice).
- ``assemble``: one original on its own — for messages queued by a sohoa from before
  dossier grouping (their ``ocr_page`` messages name no group).

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

from common import redact
from common.errors import SohoaError
from common.settings import Settings
from pipeline.page.intake import list_pages
from pipeline.run.batch import BatchSummary, DossierJob
from pipeline.scan import DossierScanner, Original, ScanRequest
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
redact.install()  # the workers' logs name no citizen either

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
        if message.actor_name == "ocr_page":
            rows = [(args[0], args[3])]
        elif message.actor_name == "assemble_dossier":
            rows = [(sha, -1) for sha, _, _ in args[0]]
        else:
            rows = [(args[0], -1)]
        for sha, page in rows:
            _context().index.work.set(sha, page, state, error=error)
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


Group = list[list[str]]  # a dossier's originals queued together: [sha256, key, file name]


@dramatiq.actor(queue_name=PAGE_QUEUE, max_retries=MAX_RETRIES, min_backoff=1000,
                max_backoff=300_000, time_limit=30 * 60 * 1000, throws=PERMANENT_ERRORS)
def ocr_page(sha256: str, original_key: str, source: str, page: int,
             request: dict[str, Any], group: Group | None = None) -> None:
    from pipeline.run.work import run_page

    ctx = _context()
    try:
        finished = run_page(ctx.store, ctx.index, sha256=sha256, original_key=original_key,
                            source=source, page=page, options=ctx.options)
    except Exception as exc:
        if not permanent(exc):
            _back_to_queued(ctx.index, sha256, page)
            raise  # retried with backoff
        log.warning("page %d of %s failed for good: %s", page + 1, sha256[:12],
                    exc.describe("en") if isinstance(exc, SohoaError) else repr(exc))
        ctx.index.work.set(sha256, page, "failed", error=_message(exc))
        done, total = ctx.index.work.pages_finished(sha256)
        finished = done >= total
    if not finished:
        return
    if group is None:  # queued before dossier grouping: this original on its own
        assemble.send(sha256, original_key, source, request)
    elif group_finished(ctx.index, group):
        assemble_dossier.send(group, request)


def _back_to_queued(index: Any, sha256: str, page: int) -> None:
    """A try that raised is no crash: the row goes back to ``queued``, so that only tries
    whose worker died leave it ``running`` (run_page fails a page after CRASH_LIMIT)."""
    try:
        index.work.set(sha256, page, "queued")
    except Exception:  # noqa: BLE001 - the database may be what failed; the retry goes on
        log.debug("could not put page %d of %s back to queued", page + 1, sha256[:12])


def group_finished(index: Any, group: Group) -> bool:
    """Every page of every original of the group is finished (done, or failed for good).
    Two workers finishing the last two pages at once may both see it and both queue the
    assembly: it is idempotent."""
    for sha, _, _ in group:
        done, total = index.work.pages_finished(sha)
        if not total or done < total:
            return False
    return True


@dramatiq.actor(queue_name=ASSEMBLE_QUEUE, max_retries=MAX_RETRIES, min_backoff=1000,
                max_backoff=300_000, time_limit=30 * 60 * 1000, throws=PERMANENT_ERRORS)
def assemble_dossier(group: Group, request: dict[str, Any]) -> None:
    _assemble(group, request)


@dramatiq.actor(queue_name=ASSEMBLE_QUEUE, max_retries=MAX_RETRIES, min_backoff=1000,
                max_backoff=300_000, time_limit=30 * 60 * 1000, throws=PERMANENT_ERRORS)
def assemble(sha256: str, original_key: str, source: str, request: dict[str, Any]) -> None:
    _assemble([[sha256, original_key, source]], request)


def _assemble(group: Group, request: dict[str, Any]) -> None:
    """The group's processed pages → papers stored; each original's assembly row says
    done, or failed for good with the reason. A transient error raises (the whole group
    is retried; what was stored is kept and found again)."""
    from pipeline.run.work import load_pages

    ctx = _context()
    work = ctx.index.work
    stored = 0
    try:
        scanner = ctx.scanner()
        scan_request = ScanRequest.from_dict(request)
        if all(ctx.store.exists(done_key(sha)) for sha, _, _ in group):
            # done by an earlier delivery, or meanwhile for another dossier of the batch
            # (the same bytes in two folders): linked to this one by reuse, as locally
            for sha, _, _ in group:
                scanner.link_reused(scanner.finished(sha) or [], scan_request)
                work.set(sha, -1, "done")
            return
        for sha, _, _ in group:
            work.set(sha, -1, "running")
        with tempfile.TemporaryDirectory(prefix="sohoa-assemble-") as tmp:
            originals = []
            for n, (sha, okey, source) in enumerate(group):
                try:
                    folder = Path(tmp) / f"file-{n}"
                    folder.mkdir()
                    pages = load_pages(ctx.store, sha, work.pages_finished(sha)[1], folder)
                except Exception as exc:
                    if not permanent(exc):
                        raise
                    work.set(sha, -1, "failed", error=_message(exc))
                    continue
                originals.append(Original(Path(source), sha, okey, pages))
            outcomes = scanner.store_originals(originals, scan_request, Path(tmp))
            for original, (_, outcome) in zip(originals, outcomes, strict=True):
                if isinstance(outcome, SohoaError):
                    if not permanent(outcome):
                        raise outcome
                    work.set(original.sha, -1, "failed", error=_message(outcome))
                else:
                    stored += len(outcome)
                    work.set(original.sha, -1, "done")
    except Exception as exc:
        if not permanent(exc):
            raise
        for sha, _, _ in group:
            work.set(sha, -1, "failed", error=_message(exc))
        return
    log.info("assembled %d paper(s) from %d file(s)", stored, len(group))


def _message(exc: BaseException) -> str:
    return exc.describe("vi") if isinstance(exc, SohoaError) else repr(exc)


def enqueue(jobs: list[DossierJob], scanner: DossierScanner, *,
            summary: BatchSummary) -> BatchSummary:
    """Store every original, record its pages as work, and queue one message per page
    (ids and object keys only). The originals of one dossier not digitized yet are one
    group: the workers assemble them together once all their pages are done, so papers
    are grouped across files exactly as a local batch groups them."""
    summary.queued = True
    for job in jobs:
        request = job.request
        scanner.receive(request, len(job.files))
        failed = 0
        group: list[tuple[Original, int]] = []
        for path, outcome in scanner.intake(job.files, request):
            summary.files += 1
            try:
                if isinstance(outcome, SohoaError):
                    raise outcome
                if not isinstance(outcome, Original):  # stored before: linked, not redone
                    summary.skipped += len(outcome)
                    continue
                group.append((outcome, len(list_pages(path))))
            except SohoaError as exc:
                failed += 1
                summary.files_failed += 1
                summary.problem(request.dossier, exc, source=path.name)
        if group:
            summary.pages += _send_group(scanner.index, group, request)
        if failed and failed == len(job.files):
            summary.failed += 1
        else:
            summary.done += 1
            summary.partial += bool(failed)
    return summary


def _send_group(index: Any, group: list[tuple[Original, int]], request: ScanRequest) -> int:
    """Record the group's work (every row before any message: a fast worker must not
    find the group's last original missing), then queue the pages not finished before;
    with none left, the assembly itself. Returns the group's pages."""
    names: Group = [[o.sha, o.key, o.path.name] for o, _ in group]
    for original, n in group:
        index.work.add(original.sha, dossier_code=request.dossier, source=original.path.name,
                       pages_total=n)
    sent = 0
    for original, n in group:
        for page in range(n):
            if index.work.state(original.sha, page) in ("done", "failed"):
                continue
            ocr_page.send(original.sha, original.key, original.path.name, page,
                          request.to_dict(), names)
            sent += 1
    if not sent:  # pages all done before: only the assembly is left
        assemble_dossier.send(names, request.to_dict())
    return sum(n for _, n in group)


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
