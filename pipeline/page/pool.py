"""The orchestrator: one place that fans pages out and merges results back, in order.

Pages of all input files form one stream of :class:`~pipeline.page.intake.PageRef`; the
executor runs :func:`~pipeline.page.process.process_page` on them with a bounded number in
flight (memory stays flat for a 500-page PDF) and yields results in input order. One
level of parallelism only: one page per process, Tesseract single-threaded.

Tesseract runs inside the page workers (ocr_models/tesseract.py), so a crash in the
library (an ``ASSERT_HOST`` abort) kills its worker and breaks the pool. ``PagePool``
starts a new pool then; the pages that were in flight are read again one at a time, and a
page that kills a worker a second time is reported as that page's error: the rest of the
run goes on.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from common.errors import OcrUnavailableError, PageProcessingError, SohoaError
from common.fanout import InProcessExecutor, ordered_map
from pipeline.page.intake import PageRef, list_pages
from pipeline.page.process import PageOptions, PageResult, engine_for, process_page

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    """Everything known about one input file after processing."""

    source: str
    pages: list[PageResult] = field(default_factory=list)
    error: SohoaError | None = None  # the file as a whole could not be read

    @property
    def errors(self) -> list[SohoaError]:
        found = [self.error] if self.error else []
        return found + [p.error for p in self.pages if p.error]

    @property
    def ok(self) -> bool:
        return not self.errors


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def check_engine(options: PageOptions) -> None:
    """Fail at start-up, with the install command, if the OCR engine cannot run."""
    from ocr_models import OcrEngineError

    try:
        engine_for(options.engine).check(options.languages)
    except OcrEngineError as exc:
        raise OcrUnavailableError(detail=str(exc)) from exc


def _init_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    cv2.setNumThreads(1)


class PagePool:
    """A process pool that outlives its workers' deaths: ``restart`` makes a new one.

    ``submit`` never raises for a broken pool: its future fails with
    ``BrokenProcessPool`` and carries the pool's ``generation``, so that a run restarts a
    broken pool once however many of its pages come back failed."""

    def __init__(self, workers: int) -> None:
        self._max_workers = workers
        self.generation = 0
        self._pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self._max_workers, initializer=_init_worker,
                                   mp_context=multiprocessing.get_context("forkserver"))

    def submit(self, fn: Callable[..., object], *args: object, **kwargs: object) -> Future:
        generation = self.generation
        try:
            future = self._pool.submit(fn, *args, **kwargs)
        except BrokenProcessPool as exc:
            future = Future()
            future.set_exception(exc)
        future.sohoa_generation = generation  # type: ignore[attr-defined]
        return future

    def restart(self, generation: int) -> None:
        """A new pool, unless the broken one (``generation``) was replaced already."""
        if generation != self.generation:
            return
        log.error("a page worker died (crash in the OCR engine?); starting new workers")
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new()
        self.generation += 1

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def make_pool(workers: int | None = None, *,
              isolated: bool = False) -> PagePool | InProcessExecutor:
    """The page executor: ``workers`` processes (default: cores), in-process for 1 unless
    ``isolated`` (a long-lived process such as the web server, which a crash in the OCR
    engine must not take down, reads pages in a worker process even with one worker).

    forkserver, not fork: a forked child inherits OpenCV's thread-pool locks mid-use and
    can deadlock on its first cv2 call."""
    workers = workers or default_workers()
    if workers == 1 and not isolated:
        return InProcessExecutor()
    return PagePool(workers)


@dataclass
class _Died:
    """A page whose worker died (it, or another page in flight with it, broke the pool)."""

    generation: int


def _guarded(future: Future) -> Future:
    """``future``, with a broken pool's failure turned into a ``_Died`` result."""
    outer: Future = Future()

    def settle(done: Future) -> None:
        if done.cancelled():
            outer.cancel()
        elif isinstance(done.exception(), BrokenProcessPool):
            outer.set_result(_Died(getattr(done, "sohoa_generation", 0)))
        elif done.exception() is not None:
            outer.set_exception(done.exception())  # type: ignore[arg-type]
        else:
            outer.set_result(done.result())

    future.add_done_callback(settle)
    # an early stop cancels what has not started (ordered_map cancels the futures it holds)
    outer.add_done_callback(lambda done: future.cancel() if done.cancelled() else None)
    return outer


def map_pages(pool: Executor | PagePool | InProcessExecutor, fn: Callable[[PageRef], PageResult],
              refs: Iterable[PageRef], *, window: int) -> Iterator[PageResult]:
    """``fn(ref)`` for each ref on ``pool``, in order, ``window`` in flight. When a worker
    dies, the pool is restarted and each page that was in flight is run again alone; a
    page whose worker dies again is returned with its error, and the rest go on."""
    for ref, result in ordered_map(lambda ref: _guarded(pool.submit(fn, ref)), refs,
                                   window=window):
        if isinstance(result, _Died):
            result = _again_alone(pool, fn, ref, result.generation)
        yield result


def _again_alone(pool: Executor | PagePool | InProcessExecutor,
                 fn: Callable[[PageRef], PageResult], ref: PageRef,
                 generation: int) -> PageResult:
    if isinstance(pool, PagePool):
        pool.restart(generation)
        future = pool.submit(fn, ref)
        try:
            return future.result()
        except BrokenProcessPool:
            pool.restart(getattr(future, "sohoa_generation", pool.generation))
    log.error("page %d of a file: its worker process died on it, read alone on new "
              "workers when the pool can start them", ref.index + 1)
    return PageResult(source=ref.source, index=ref.index, error=PageProcessingError(
        ref.source, page=ref.index,
        detail="the page worker died on this page (a crash in the OCR engine)"))


def run_pages(refs: Iterable[PageRef], options: PageOptions, *, workers: int | None = None,
              executor: Executor | PagePool | None = None) -> Iterator[PageResult]:
    """Process pages in parallel and yield results in the order of ``refs``.

    ``executor``: a pool kept across calls (a batch); else one is made for this call."""
    own = executor is None
    pool = make_pool(workers) if own else executor
    width = 2 * (getattr(pool, "_max_workers", None) or workers or default_workers())
    try:
        yield from map_pages(pool, functools.partial(process_page, options=options), refs,
                             window=width)
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


def process_files(paths: Sequence[Path], options: PageOptions, *, workers: int | None = None,
                  on_page: Callable[[PageResult, int], None] | None = None,
                  executor: Executor | None = None) -> list[FileResult]:
    """Read, correct and OCR every page of every file; bad files do not stop the rest.

    ``on_page(result, total_pages)`` is called as each page finishes (progress).
    """
    results: list[FileResult] = []
    refs: list[PageRef] = []
    owners: list[FileResult] = []  # parallel to refs: the same path may be given twice
    for path in paths:
        file_result = FileResult(source=str(path))
        results.append(file_result)
        try:
            pages = list_pages(Path(path))
        except SohoaError as exc:
            log.warning("skipping %s: %s", path, exc.detail or exc.describe("en"))
            file_result.error = exc
            continue
        refs.extend(pages)
        owners.extend([file_result] * len(pages))
    total = len(refs)
    pages = run_pages(refs, options, workers=workers, executor=executor)
    for owner, page in zip(owners, pages, strict=True):
        owner.pages.append(page)
        if page.error:
            detail = f" ({page.error.detail})" if page.error.detail else ""
            log.warning("%s%s", page.error.describe("en"), detail)
        if on_page:
            on_page(page, total)
    return results


def settle_text(pages: Sequence[PageResult], docs: Sequence | None = None) -> list:
    """The papers of ``pages`` (:func:`~pipeline.papers.fields.documents_for_pages`, unless
    given), with the values their fields settled carried into the pages' words and text and
    into the text layer of each changed page's one-page PDF (:mod:`pipeline.papers.settle`).

    Call it once the whole page stream is read and before the page PDFs are assembled."""
    from pipeline.papers.fields import documents_for_pages
    from pipeline.papers.settle import settle_pages
    from pipeline.pdfa import replace_text_layer

    docs = documents_for_pages(pages) if docs is None else docs
    for i in sorted(settle_pages(docs, pages)):
        page = pages[i]
        if page.pdf and not page.error:
            replace_text_layer(Path(page.pdf), page.words, dpi=page.dpi)
    return list(docs)


def ocr_to_pdf(paths: Sequence[Path], out_pdf: Path, options: PageOptions, *,
               workers: int | None = None, title: str | None = None,
               on_page: Callable[[PageResult, int], None] | None = None) -> list[FileResult]:
    """Like :func:`process_files` then :func:`settle_text`, and assemble every readable page
    into one PDF/A-2b."""
    from pipeline.pdfa import assemble_pdfa

    with tempfile.TemporaryDirectory(prefix="sohoa-") as tmp:
        results = process_files(paths, replace(options, workdir=tmp), workers=workers,
                                on_page=on_page)
        if options.fields:  # the fields' settled readings into the text, before assembly
            settle_text([p for r in results for p in r.pages])
        page_pdfs = [Path(p.pdf) for r in results for p in r.pages if p.pdf and not p.error]
        if page_pdfs:
            partial = out_pdf.with_name(out_pdf.name + ".part")
            assemble_pdfa(page_pdfs, partial, title=title)
            partial.replace(out_pdf)  # never leave a half-written PDF under the real name
    return results
