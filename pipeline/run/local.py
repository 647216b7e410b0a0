"""The local runner: a batch's dossiers scanned here, with one process pool for the whole
batch (both cores busy even when each file is one page), progress over all its pages and
a summary; Ctrl-C stops after cleaning up, and a rerun finishes the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from common.errors import SohoaError
from pipeline.page.pool import make_pool
from pipeline.page.process import PageResult
from pipeline.run.batch import BatchSummary, DossierJob, count_pages
from pipeline.scan import DossierScanner, ScannedDocument

log = logging.getLogger(__name__)


def run_local(jobs: list[DossierJob], scanner_factory: Callable[..., DossierScanner], *,
              workers: int | None, summary: BatchSummary,
              on_page: Callable[[PageResult, int], None] | None = None,
              on_document: Callable[[ScannedDocument], None] | None = None,
              isolated: bool = False) -> BatchSummary:
    """Scan every dossier here with one process pool; Ctrl-C stops after cleaning up.
    ``on_page`` hears of each page done (and the total), ``on_document`` of each paper;
    ``isolated``: pages are read in worker processes even with one worker (make_pool)."""
    total = sum(n for _, _, n in count_pages(jobs))
    pool = make_pool(workers, isolated=isolated)

    def page_done(page: PageResult, _total: int) -> None:
        if on_page:
            on_page(page, total)

    scanner = scanner_factory(executor=pool, on_page=page_done)
    try:
        for job in jobs:
            request = job.request
            scanner.receive(request, len(job.files))
            failed = 0
            for path, outcome in scanner.scan_files(job.files, request):
                summary.files += 1
                if isinstance(outcome, SohoaError):
                    log.warning("a file of dossier %s failed: %s", request.dossier,
                                outcome.message_en)  # file names can carry names: DEBUG
                    log.debug("%s: %s", path.name, outcome.describe("en"))
                    failed += 1
                    summary.files_failed += 1
                    summary.problem(request.dossier, outcome, source=path.name)
                    continue
                for doc in outcome:
                    if on_document:
                        on_document(doc)
                    summary.documents += not doc.skipped
                    summary.skipped += doc.skipped
                    summary.pages += len(doc.pages)
                    for error in doc.page_errors:
                        summary.problem(request.dossier, error, source=path.name)
            if failed == len(job.files):
                summary.failed += 1
            else:
                summary.done += 1
                summary.partial += bool(failed)
    except KeyboardInterrupt:
        summary.interrupted = True
        log.warning("batch interrupted; a rerun finishes the rest")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return summary
