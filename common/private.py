"""Files that hold personal data or secrets: who may read them, and how they are exported.

- ``private_dir`` / ``private_file``: the index database, its WAL files, job files,
  uploads and caches are for the service account only (0700 folders, 0600 files), whatever
  the process umask; the object store's files stay read-only (0444) inside a 0700 root.
- ``csv_safe``: a CSV cell that a spreadsheet would run as a formula (starting with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading
  apostrophe (OWASP's advice for CSV injection); numbers are left alone.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed; the folder itself is made 0700 when this
    process owns it."""
    path.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # not ours (a shared mount): leave it as it is
        if path.stat().st_uid == os.getuid():
            os.chmod(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> None:
    """Make an existing file 0600 (no-op when it does not exist or is not ours)."""
    with contextlib.suppress(OSError):
        if path.stat().st_uid == os.getuid():
            os.chmod(path, PRIVATE_FILE)


def csv_safe(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_safe(v) for v in values]


class _SafeWriter:
    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(csv_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(out: Any, **options: Any) -> _SafeWriter:
    """``csv.writer`` whose every cell goes through ``csv_safe``."""
    import csv

    return _SafeWriter(csv.writer(out, **options))
