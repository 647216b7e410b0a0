"""Every file of the hostile PDF corpus gives a clear error or pages, never a crash or hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from common.errors import InputFileError, SohoaError
from pipeline.page.intake import list_pages, load_page

pytestmark = pytest.mark.slow  # 164 files, about a minute

PAGES_PER_FILE = 2
SECONDS_PER_FILE = 60


def test_hostile_corpus(hostile_pdfs: list[Path]) -> None:
    outcomes: dict[str, int] = {}
    for path in hostile_pdfs:
        started = time.monotonic()
        try:
            for ref in list_pages(path)[:PAGES_PER_FILE]:
                try:
                    page = load_page(ref)
                    assert page.image.size > 0 and 50 <= page.dpi <= 1200
                    outcome = "page"
                except SohoaError as exc:
                    assert exc.page == ref.index or exc.page is None
                    outcome = type(exc).__name__
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        except InputFileError as exc:
            message = exc.describe("vi")
            assert path.name in message and len(message) > len(str(path)) + 10
            outcomes[type(exc).__name__] = outcomes.get(type(exc).__name__, 0) + 1
        assert time.monotonic() - started < SECONDS_PER_FILE, f"{path.name} too slow"
    assert outcomes.get("page", 0) > 50  # qpdf repairs most damaged files: they must work
    assert outcomes.get("EncryptedPdfError", 0) >= 3
