"""Shared fixtures: generated scans, hostile inputs, the corpus in ../shared."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    """``shared/`` beside the checkout (CI clones main with shared/ next to it)."""
    env = os.environ.get("SOHOA_SHARED")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared", REPO / "shared"]:
        if (candidate / "corpus").is_dir():
            return candidate
    return None


needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="tesseract not installed")


@pytest.fixture(scope="session")
def hostile_pdfs() -> list[Path]:
    base = shared_dir()
    if base is None:
        pytest.skip("shared/corpus not found (set SOHOA_SHARED)")
    files = sorted(p for p in (base / "corpus" / "hostile-pdf").rglob("*")
                   if p.is_file() and p.name != "README.md")
    assert files, "hostile corpus is empty"
    return files
