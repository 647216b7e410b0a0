"""The orchestrator: one place that fans pages out and merges results back, in order.

Pages of all input files form one stream of :class:`~pipeline.page.intake.PageRef`; the
executor runs :func:`~pipeline.page.process.process_page` on them with a bounded number in
flight (memory stays flat for a 500-page PDF) and yields results in input order. One
level of parallelism only: one page per process, Tesseract single-threaded.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from common.errors import OcrUnavailableError, SohoaError
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


def make_pool(workers: int | None = None) -> ProcessPoolExecutor | InProcessExecutor:
    """The page executor: ``workers`` processes (default: cores), in-process for 1.

    forkserver, not fork: a forked child inherits OpenCV's thread-pool locks mid-use and
    can deadlock on its first cv2 call."""
    workers = workers or default_workers()
    if workers == 1:
        return InProcessExecutor()
    return ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                               mp_context=multiprocessing.get_context("forkserver"))


def run_pages(refs: Iterable[PageRef], options: PageOptions, *, workers: int | None = None,
              executor: Executor | None = None) -> Iterator[PageResult]:
    """Process pages in parallel and yield results in the order of ``refs``.

    ``executor``: a pool kept across calls (a batch); else one is made for this call."""
    own = executor is None
    pool = make_pool(workers) if own else executor
    width = 2 * (getattr(pool, "_max_workers", None) or workers or default_workers())
    try:
        for _, result in ordered_map(lambda ref: pool.submit(process_page, ref, options),
                                     refs, window=width):
            yield result
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
