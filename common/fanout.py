"""One bounded, ordered fan-out: hand items to an executor, keep a few in flight, and get
the results back in input order.

``chunks`` cuts a stream into lists of a fixed size (``itertools.batched`` is 3.12+).

Used wherever work fans out once and is merged in one place: the pages of a scan over a
process pool, the integrity sweep's reads on threads and its signature checks over a
process pool. Memory stays flat however many items come (at most ``window`` are
submitted and not yet consumed), and an early stop (an error, Ctrl-C, the consumer
closing the generator) cancels what has not started. Shutting the executor down is its
owner's business.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(submit: Callable[[T], Future[R]], items: Iterable[T], *,
                window: int) -> Iterator[tuple[T, R]]:
    """``(item, result)`` for each item, in the order of ``items``; ``submit(item)`` starts
    the work and returns its future; at most ``window`` futures are kept in flight."""
    pending: deque[tuple[T, Future[R]]] = deque()
    try:
        for item in items:
            pending.append((item, submit(item)))
            if len(pending) >= max(1, window):
                first, future = pending.popleft()
                yield first, future.result()
        while pending:
            first, future = pending.popleft()
            yield first, future.result()
    finally:
        for _, future in pending:
            future.cancel()


class InProcessExecutor:
    """An executor stand-in that runs each call at once in this process (``workers=1``):
    the same interface, no process start-up cost."""

    _max_workers = 1

    def submit(self, fn: Callable[..., R], *args: object, **kwargs: object) -> Future[R]:
        future: Future[R] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - delivered through the future, as a pool would
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        del wait, cancel_futures


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), read lazily."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
