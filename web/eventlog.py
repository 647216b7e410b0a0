"""The access log's write-behind buffer: ``accessed`` events of reads (search, view,
download link) gathered per server process and written many to a transaction.

Why: one commit per request serialises every worker on SQLite's write lock (and costs a
round trip and a commit on PostgreSQL). ``EventWriter.record`` stamps the event (``at`` is
the time of the request) and queues it; a background thread writes what gathered with
``ReuseIndex.record_events``, at most every ``interval_s`` (50 ms), sooner when
``max_batch`` (200) events wait. When nothing was written for ``interval_s`` the request
writes its own event at once, before answering: an idle service records every read before
its answer, as without the buffer, and batching only starts under load, where it pays.

Guarantees:

- Readers of the log in this process call ``flush()`` first (the auditor's endpoints, a
  dossier's record) and see every event recorded before. Events buffered by the other
  server processes reach the database within about 0.1 s.
- Nothing is lost silently. A write that fails for a passing reason (database down,
  locked, timed out) is retried with backoff while the events stay queued; after
  ``ERROR_AFTER`` failures in a row an ERROR says how many events wait. An event the
  database refuses outright (integrity or data error while others go in) is dropped with
  an ERROR. More than ``max_pending`` waiting events: the oldest are dropped, with an
  ERROR. ``close()`` (the app's shutdown, or the interpreter's exit) writes what is left,
  retrying, and logs an ERROR with the count of any it could not write. Log lines carry
  counts and error types only, never personal data.
- Attaches and refusals, account changes, exports and dossier lookups do not come through
  here: they are written before the answer (``Service.record``).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exc as sa_exc

from reuse_index import EVENT_KINDS, IndexStoreError, ReuseIndex
from reuse_index.rows import to_json

log = logging.getLogger(__name__)

INTERVAL_S = 0.05
MAX_BATCH = 200
MAX_PENDING = 100_000  # events kept while the database is unreachable (some tens of MB)
ERROR_AFTER = 3  # failed writes in a row before an ERROR (WARNINGs before that)
ERROR_EVERY_S = 60.0  # while it keeps failing, the ERROR is repeated at most this often
RETRY_MAX_S = 5.0
FLUSH_TIMEOUT_S = 5.0
CLOSE_ATTEMPTS = 3

Item = dict[str, Any]


class EventWriter:
    """Buffered ``ReuseIndex.record_events`` for one server process (thread-safe)."""

    def __init__(self, index: ReuseIndex, *, interval_s: float = INTERVAL_S,
                 max_batch: int = MAX_BATCH, max_pending: int = MAX_PENDING) -> None:
        if interval_s < 0 or max_batch < 1 or max_pending < max_batch:
            raise ValueError("interval_s >= 0 and 1 <= max_batch <= max_pending")
        self._index = index
        self.interval_s, self.max_batch, self.max_pending = interval_s, max_batch, max_pending
        self._cond = threading.Condition()
        self._pending: deque[Item] = deque()
        self._oldest = 0.0  # monotonic time the oldest queued event came
        self._last_write = float("-inf")  # monotonic time the last write began
        self._in_flight = 0  # events being written; one write at a time keeps their order
        self._failures = 0  # failed writes in a row
        self._retry_at = 0.0
        self._last_error_log = float("-inf")
        self._thread: threading.Thread | None = None
        self._closed = False
        self.written = 0  # events written
        self.dropped = 0  # events given up on (each time logged at ERROR)
        _LIVE.add(self)

    # -- the interface --------------------------------------------------------------------

    def record(self, kind: str, *, document_id: str | None = None,
               dossier_code: str | None = None, actor: str | None = None,
               detail: Mapping[str, Any] | None = None) -> None:
        """Queue one event stamped now; written before returning if the log was idle."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        detail = dict(detail or {})
        to_json(detail)  # a detail that cannot be stored fails this request, not a batch
        item = {"kind": kind, "document_id": document_id, "dossier_code": dossier_code,
                "actor": actor, "detail": detail}
        with self._cond:
            item["at"] = datetime.now(UTC)  # under the lock: ids follow ``at`` here
            now = time.monotonic()
            if not self._pending:
                self._oldest = now
            self._pending.append(item)
            self._trim()
            batch = None
            if (len(self._pending) == 1 and not self._in_flight and not self._failures
                    and now - self._last_write >= self.interval_s):
                batch = self._take()
            elif not self._closed:
                self._start_thread()
                if len(self._pending) in (1, self.max_batch):
                    self._cond.notify_all()
            closed = self._closed
        if batch is not None:
            written = self._write(batch, inline=True)
        else:
            written = not closed or self.flush()
        if not written and closed:
            self._give_up("after shutdown")

    def flush(self, timeout: float = FLUSH_TIMEOUT_S) -> bool:
        """Write every event queued so far. False if some could not be written now (they
        stay queued and are retried) or ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self.written + self.dropped + self._in_flight + len(self._pending)
        while True:
            with self._cond:
                while self._in_flight:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._cond.wait(left)
                if self.written + self.dropped >= target:
                    return True
                batch = self._take()
            if batch is None or not self._write(batch):
                return False

    def close(self, timeout: float = 10.0) -> None:
        """Stop the thread and write what is left, retrying (later events are written at
        once). Logs an ERROR with the count of events that could not be written."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        for attempt in range(CLOSE_ATTEMPTS):
            if self.flush(timeout):
                break
            if attempt + 1 < CLOSE_ATTEMPTS:
                time.sleep(0.2 * (attempt + 1))
        self._give_up("before shutdown")
        _LIVE.discard(self)

    @property
    def pending(self) -> int:
        """Events queued or being written."""
        with self._cond:
            return len(self._pending) + self._in_flight

    # -- internals ------------------------------------------------------------------------

    def _take(self) -> list[Item] | None:
        """The next batch, marked in flight (``_cond`` held)."""
        if self._in_flight or not self._pending:
            return None
        batch = [self._pending.popleft()
                 for _ in range(min(self.max_batch, len(self._pending)))]
        self._in_flight = len(batch)
        self._last_write = time.monotonic()
        if self._pending:
            self._oldest = self._last_write
        return batch

    def _write(self, batch: list[Item], *, inline: bool = False) -> bool:
        """Write a batch from ``_take``; what could not be written goes back first in line."""
        written, dropped, rest, error = self._store(batch)
        with self._cond:
            self._in_flight = 0
            self.written += written
            self.dropped += dropped
            if rest:
                assert error is not None
                self._failed(rest, error, inline=inline)
            elif self._failures:
                log.warning("access log: written again after %d failed attempt(s)",
                            self._failures)
                self._failures = 0
            self._cond.notify_all()
        return not rest

    def _store(self, batch: list[Item]) -> tuple[int, int, list[Item], Exception | None]:
        """(written, dropped, not written, the error) of writing ``batch``."""
        try:
            self._index.record_events(batch)
            return len(batch), 0, [], None
        except Exception as exc:  # noqa: BLE001 - classified below, never lost
            if not _refused(exc):
                return 0, 0, batch, exc
            first = exc
        if len(batch) == 1:
            self._refused_one(batch[0], first)
            return 0, 1, [], None
        written = dropped = 0  # find the event(s) the database refuses, one at a time
        for n, item in enumerate(batch):
            try:
                self._index.record_events([item])
                written += 1
            except Exception as exc:  # noqa: BLE001
                if not _refused(exc):
                    return written, dropped, batch[n:], exc
                self._refused_one(item, exc)
                dropped += 1
        return written, dropped, [], None

    @staticmethod
    def _refused_one(item: Item, exc: Exception) -> None:
        log.error("access log: the database refused one %s event (%s); dropped",
                  item["kind"], type(exc.__cause__ or exc).__name__)

    def _failed(self, rest: list[Item], error: Exception, *, inline: bool) -> None:
        """Queue ``rest`` again, first, and schedule a retry (``_cond`` held)."""
        self._pending.extendleft(reversed(rest))
        self._oldest = time.monotonic()
        self._trim()
        self._failures += 1
        self._retry_at = time.monotonic() + min(RETRY_MAX_S, 0.05 * 2 ** self._failures)
        now = time.monotonic()
        if self._failures >= ERROR_AFTER and now - self._last_error_log >= ERROR_EVERY_S:
            self._last_error_log = now
            log.error("access log: %d event(s) not written yet, %d failed attempt(s) in a row "
                      "(%s); retrying", len(self._pending), self._failures,
                      type(error).__name__)
        elif self._failures < ERROR_AFTER:
            log.warning("access log: writing %d event(s) failed (%s); will retry%s",
                        len(rest), type(error).__name__, " in the background" if inline else "")
        if not self._closed:
            self._start_thread()

    def _trim(self) -> None:
        """Drop the oldest events beyond ``max_pending`` (``_cond`` held)."""
        excess = len(self._pending) - self.max_pending
        if excess > 0:
            for _ in range(excess):
                self._pending.popleft()
            self.dropped += excess
            log.error("access log: %d event(s) dropped: more than %d waiting to be written",
                      excess, self.max_pending)

    def _give_up(self, when: str) -> None:
        with self._cond:
            lost = len(self._pending)
            self._pending.clear()
            self.dropped += lost
        if lost:
            log.error("access log: %d event(s) could not be written %s", lost, when)

    def _start_thread(self) -> None:
        """The background writer, started on first need: in the worker process, after any
        fork (``_cond`` held)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sohoa-access-log",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                batch = None
                while batch is None:
                    if self._closed:
                        return  # close() writes the rest
                    if not self._pending or self._in_flight:
                        self._cond.wait()
                        continue
                    now = time.monotonic()
                    due = self._retry_at if self._failures else self._oldest + self.interval_s
                    full = len(self._pending) >= self.max_batch and not self._failures
                    if now < due and not full:
                        self._cond.wait(due - now)
                        continue
                    batch = self._take()
            self._write(batch)


def _refused(exc: Exception) -> bool:
    """Whether the database turned the data down (retrying cannot help), as opposed to
    being unreachable, locked or busy."""
    if not isinstance(exc, IndexStoreError):
        return True  # not a database error: a bug or bad data, as bad on every retry
    return isinstance(exc.__cause__, sa_exc.IntegrityError | sa_exc.DataError)


_LIVE: weakref.WeakSet[EventWriter] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """A process leaving without the app's shutdown still writes its buffered events."""
    for writer in list(_LIVE):
        writer.close(timeout=2.0)
