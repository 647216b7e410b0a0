"""The page pool outlives a worker's death (pipeline/page/pool.py): Tesseract runs inside
the workers, so a crash in the library kills one; the run must go on without that page."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.page.intake import PageRef
from pipeline.page.pool import PagePool, map_pages
from pipeline.page.process import PageResult


def crash_on_page_two(ref: PageRef) -> PageResult:
    """A page function whose worker dies (as on an ``ASSERT_HOST`` abort) on page 2."""
    if ref.index == 2:
        os.abort()
    return PageResult(source=ref.source, index=ref.index, text=f"page {ref.index}")


def crash_once(ref: PageRef) -> PageResult:
    """Dies the first time page 1 is read (a marker file remembers), reads it the next."""
    marker = Path(ref.source)
    if ref.index == 1 and not marker.exists():
        marker.write_text("died once")
        os.abort()
    return PageResult(source=ref.source, index=ref.index, text=f"page {ref.index}")


def test_a_page_that_kills_its_worker_fails_alone_and_the_run_goes_on() -> None:
    pool = PagePool(2)
    try:
        refs = [PageRef("scan.pdf", i, "pdf", 6) for i in range(6)]
        results = list(map_pages(pool, crash_on_page_two, refs, window=4))
        assert [r.index for r in results] == list(range(6))
        assert [r.text for r in results if r.error is None] == \
            [f"page {i}" for i in (0, 1, 3, 4, 5)]
        failed = results[2].error
        assert failed is not None and failed.page == 2 and failed.source == "scan.pdf"
        assert "Không xử lý được trang này" in failed.describe("vi")
        # the pool works on after it: a batch keeps it for its next dossier
        more = list(map_pages(pool, crash_on_page_two, refs[:2], window=4))
        assert [r.text for r in more] == ["page 0", "page 1"]
    finally:
        pool.shutdown()


def test_pages_in_flight_with_a_crash_are_read_again(tmp_path: Path) -> None:
    pool = PagePool(2)
    try:
        source = str(tmp_path / "marker")
        refs = [PageRef(source, i, "pdf", 4) for i in range(4)]
        results = list(map_pages(pool, crash_once, refs, window=4))
        assert [r.error for r in results] == [None] * 4
        assert [r.text for r in results] == [f"page {i}" for i in range(4)]
    finally:
        pool.shutdown()


def test_one_worker_reads_in_this_process_unless_isolated() -> None:
    from common.fanout import InProcessExecutor
    from pipeline.page.pool import make_pool

    assert isinstance(make_pool(1), InProcessExecutor)  # the CLI's --workers 1, tests
    pool = make_pool(1, isolated=True)  # the web server: a crash must not take it down
    try:
        assert isinstance(pool, PagePool)
        refs = [PageRef("scan.pdf", i, "pdf", 3) for i in range(3)]
        results = list(map_pages(pool, crash_on_page_two, refs, window=2))
        assert [r.error is None for r in results] == [True, True, False]
    finally:
        pool.shutdown()


def slow_page(ref: PageRef) -> PageResult:
    import time

    time.sleep(0.3)
    return PageResult(source=ref.source, index=ref.index, text=f"page {ref.index}")


def test_stopping_early_cancels_the_pages_not_started() -> None:
    from concurrent.futures import ThreadPoolExecutor

    submitted = []

    class Recording(ThreadPoolExecutor):
        def submit(self, fn, *args, **kwargs):
            future = super().submit(fn, *args, **kwargs)
            submitted.append(future)
            return future

    with Recording(max_workers=1) as pool:
        refs = [PageRef("scan.pdf", i, "pdf", 8) for i in range(8)]
        pages = map_pages(pool, slow_page, refs, window=4)
        assert next(pages).text == "page 0"
        pages.close()  # the consumer stops (an error, Ctrl-C)
        assert sum(f.cancelled() for f in submitted) >= 2
