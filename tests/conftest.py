"""Shared fixtures: generated scans, hostile inputs, the corpus in ../shared, a clean
SOHOA_HOME for CLI flows, and the CLI runner those flows use."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

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


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty SOHOA_HOME, no other SOHOA_* settings, a named actor for the access log."""
    for key in list(os.environ):
        if key.startswith("SOHOA_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SOHOA_USER", "can-bo-mot-cua")
    return tmp_path / "home"


def run_cli(capsys, *argv: str) -> tuple[int, dict | list | None, str]:
    """Run ``sohoa argv``: (exit code, parsed JSON stdout or None, stderr)."""
    from cli import main

    code = main(list(argv))
    captured = capsys.readouterr()
    out = captured.out.strip()
    return code, (json.loads(out) if out.startswith(("{", "[")) else None), captured.err


def lined_page(path: Path, shade: int) -> Path:
    """An A4 page at 100 dpi with text-like lines (for the fake OCR engine)."""
    arr = np.full((1169, 827), 240, np.uint8)
    for y in range(150, 900, 40):
        arr[y:y + 10, 90:740] = shade
        arr[y - 5:y - 2, 100:120] = shade
    Image.fromarray(arr).save(path, dpi=(100, 100))
    return path
